/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbClient: JSON calls to the hub's HTTP API with a bearer token, and the
 * one error shape the programs print.
 */
#define G_LOG_DOMAIN "wardbridge-client"

#include "wb-client.h"

#include <libsoup/soup.h>
#include <string.h>

#include "wb-build-config.h"
#include "common/wb-json.h"

/* ---- The error and what it carries ------------------------------------ */

typedef struct {
  guint status;
  char *title;
  char *detail;
  JsonObject *problem;
} WbClientErrorPrivate;

static void
wb_client_error_private_init (WbClientErrorPrivate *priv)
{
}

static void
wb_client_error_private_copy (const WbClientErrorPrivate *src,
                              WbClientErrorPrivate       *dest)
{
  dest->status = src->status;
  dest->title = g_strdup (src->title);
  dest->detail = g_strdup (src->detail);
  dest->problem = src->problem != NULL ? json_object_ref (src->problem) : NULL;
}

static void
wb_client_error_private_clear (WbClientErrorPrivate *priv)
{
  g_clear_pointer (&priv->title, g_free);
  g_clear_pointer (&priv->detail, g_free);
  g_clear_pointer (&priv->problem, json_object_unref);
}

G_DEFINE_EXTENDED_ERROR (WbClientError, wb_client_error)

guint
wb_client_error_get_status (const GError *error)
{
  WbClientErrorPrivate *priv = error != NULL ? wb_client_error_get_private (error) : NULL;

  return priv != NULL ? priv->status : 0;
}

const char *
wb_client_error_get_title (const GError *error)
{
  WbClientErrorPrivate *priv = error != NULL ? wb_client_error_get_private (error) : NULL;

  return priv != NULL ? priv->title : NULL;
}

const char *
wb_client_error_get_detail (const GError *error)
{
  WbClientErrorPrivate *priv = error != NULL ? wb_client_error_get_private (error) : NULL;

  return priv != NULL ? priv->detail : NULL;
}

JsonObject *
wb_client_error_get_problem (const GError *error)
{
  WbClientErrorPrivate *priv = error != NULL ? wb_client_error_get_private (error) : NULL;

  return priv != NULL ? priv->problem : NULL;
}


/* Builds the REFUSED error of an answer with status @status and @body
 * (problem+json, or whatever the server sent). */
static GError *
refused_error_new (guint        status,
                   const char  *content_type,
                   GBytes      *body)
{
  g_autoptr (JsonObject) problem = NULL;
  g_autofree char *title = NULL;
  g_autofree char *detail = NULL;
  GError *error;
  WbClientErrorPrivate *priv;
  gsize size = 0;
  const char *data = body != NULL ? g_bytes_get_data (body, &size) : NULL;

  if (data != NULL && size > 0 && content_type != NULL &&
      (g_str_equal (content_type, "application/problem+json") ||
       g_str_equal (content_type, "application/json"))) {
    g_autoptr (JsonParser) parser = json_parser_new ();

    if (json_parser_load_from_data (parser, data, size, NULL) &&
        JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
      problem = json_object_ref (json_node_get_object (json_parser_get_root (parser)));
  }

  if (problem != NULL) {
    title = g_strdup (wb_json_get_string (problem, "title"));
    detail = g_strdup (wb_json_get_string (problem, "detail"));
  } else if (data != NULL && size > 0 && content_type != NULL &&
             g_str_has_prefix (content_type, "text/plain") &&
             g_utf8_validate (data, size, NULL)) {
    detail = g_strstrip (g_strndup (data, MIN (size, 512)));
  }
  if (title == NULL)
    title = g_strdup (soup_status_get_phrase (status));
  if (detail != NULL && (*detail == '\0' || g_str_equal (detail, title)))
    g_clear_pointer (&detail, g_free);

  if (detail != NULL)
    error = g_error_new (WB_CLIENT_ERROR, WB_CLIENT_ERROR_REFUSED,
                         "%s (%u): %s", title, status, detail);
  else
    error = g_error_new (WB_CLIENT_ERROR, WB_CLIENT_ERROR_REFUSED,
                         "%s (%u)", title, status);

  priv = wb_client_error_get_private (error);
  priv->status = status;
  priv->title = g_steal_pointer (&title);
  priv->detail = g_steal_pointer (&detail);
  priv->problem = g_steal_pointer (&problem);
  return error;
}

/* ---- The client ------------------------------------------------------- */

struct _WbClient {
  GObject parent_instance;

  char *base_url;          /* without a trailing "/" */
  char *host;
  char *token;             /* may be NULL */
  SoupSession *session;    /* ordinary calls, with an I/O timeout */
  SoupSession *stream_session;  /* the event stream: no I/O timeout */
  GMainContext *context;   /* where calls complete */
};

G_DEFINE_FINAL_TYPE (WbClient, wb_client, G_TYPE_OBJECT)

static void
wb_client_finalize (GObject *object)
{
  WbClient *self = WB_CLIENT (object);

  g_clear_object (&self->session);
  g_clear_object (&self->stream_session);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->base_url);
  g_free (self->host);
  if (self->token != NULL)
    explicit_bzero (self->token, strlen (self->token));
  g_free (self->token);

  G_OBJECT_CLASS (wb_client_parent_class)->finalize (object);
}

static void
wb_client_class_init (WbClientClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = wb_client_finalize;
}

static void
wb_client_init (WbClient *self)
{
}

WbClient *
wb_client_new (const char  *base_url,
               const char  *token,
               GError     **error)
{
  g_autoptr (WbClient) self = NULL;
  g_autoptr (GUri) uri = NULL;
  g_autoptr (GError) local_error = NULL;
  const char *scheme;
  gsize len;

  g_return_val_if_fail (base_url != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  uri = g_uri_parse (base_url, SOUP_HTTP_URI_FLAGS, &local_error);
  if (uri == NULL) {
    g_set_error (error, WB_CLIENT_ERROR, WB_CLIENT_ERROR_INVALID,
                 "“%s” is not a hub URL: %s", base_url, local_error->message);
    return NULL;
  }
  scheme = g_uri_get_scheme (uri);
  if ((g_strcmp0 (scheme, "http") != 0 && g_strcmp0 (scheme, "https") != 0) ||
      g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0') {
    g_set_error (error, WB_CLIENT_ERROR, WB_CLIENT_ERROR_INVALID,
                 "“%s” is not a hub URL: expected http://HOST[:PORT]", base_url);
    return NULL;
  }

  self = g_object_new (WB_TYPE_CLIENT, NULL);
  self->base_url = g_strdup (base_url);
  len = strlen (self->base_url);
  while (len > 0 && self->base_url[len - 1] == '/')
    self->base_url[--len] = '\0';
  self->host = g_strdup (g_uri_get_host (uri));
  self->token = (token != NULL && *token != '\0') ? g_strdup (token) : NULL;
  self->context = g_main_context_ref_thread_default ();
  self->session = soup_session_new_with_options ("timeout", WB_CLIENT_DEFAULT_TIMEOUT_S,
                                                 "user-agent", "wardbridge/" PACKAGE_VERSION,
                                                 NULL);
  self->stream_session = soup_session_new_with_options ("timeout", 0,
                                                        "idle-timeout", 0,
                                                        "user-agent", "wardbridge/" PACKAGE_VERSION,
                                                        NULL);
  return g_steal_pointer (&self);
}

const char *
wb_client_get_base_url (WbClient *self)
{
  g_return_val_if_fail (WB_IS_CLIENT (self), NULL);
  return self->base_url;
}

const char *
wb_client_get_host (WbClient *self)
{
  g_return_val_if_fail (WB_IS_CLIENT (self), NULL);
  return self->host;
}

void
wb_client_set_timeout (WbClient *self,
                       guint     seconds)
{
  g_return_if_fail (WB_IS_CLIENT (self));
  g_object_set (self->session, "timeout", seconds, NULL);
}

char *
wb_client_escape_segment (const char *segment)
{
  return g_uri_escape_string (segment, NULL, FALSE);
}

static SoupMessage *
build_message (WbClient    *self,
               const char  *method,
               const char  *path,
               GError     **error)
{
  g_autofree char *url = g_strconcat (self->base_url, path, NULL);
  g_autoptr (GUri) uri = NULL;
  g_autoptr (GError) local_error = NULL;
  SoupMessage *msg;

  uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, &local_error);
  if (uri == NULL) {
    g_set_error (error, WB_CLIENT_ERROR, WB_CLIENT_ERROR_INVALID,
                 "bad request path “%s”: %s", path, local_error->message);
    return NULL;
  }
  msg = soup_message_new_from_uri (method, uri);
  if (self->token != NULL) {
    g_autofree char *auth = g_strconcat ("Bearer ", self->token, NULL);

    soup_message_headers_replace (soup_message_get_request_headers (msg),
                                  "Authorization", auth);
    explicit_bzero (auth, strlen (auth));
  }
  return msg;
}

static GError *
connection_error_new (WbClient     *self,
                      const GError *cause)
{
  return g_error_new (WB_CLIENT_ERROR, WB_CLIENT_ERROR_CONNECTION,
                      "cannot reach the hub at %s: %s", self->base_url, cause->message);
}

static void
on_call_read (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  WbClient *self = g_task_get_source_object (task);
  SoupMessage *msg = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (JsonNode) root = NULL;
  const char *content_type;
  guint status;
  gsize size = 0;

  bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  if (bytes == NULL) {
    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      g_task_return_error (task, g_steal_pointer (&error));
    else
      g_task_return_error (task, connection_error_new (self, error));
    return;
  }

  status = soup_message_get_status (msg);
  content_type = soup_message_headers_get_content_type (soup_message_get_response_headers (msg), NULL);
  if (!SOUP_STATUS_IS_SUCCESSFUL (status)) {
    g_task_return_error (task, refused_error_new (status, content_type, bytes));
    return;
  }

  g_bytes_get_data (bytes, &size);
  if (size > 0 && status != SOUP_STATUS_NO_CONTENT) {
    g_autoptr (JsonParser) parser = json_parser_new ();

    if (content_type == NULL || !g_str_has_suffix (content_type, "json")) {
      g_task_return_new_error (task, WB_CLIENT_ERROR, WB_CLIENT_ERROR_PROTOCOL,
                               "the hub answered %s with “%s”, not JSON",
                               soup_message_get_method (msg),
                               content_type != NULL ? content_type : "no content type");
      return;
    }
    if (!json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL), size, &error)) {
      g_task_return_new_error (task, WB_CLIENT_ERROR, WB_CLIENT_ERROR_PROTOCOL,
                               "the hub's answer is not valid JSON: %s", error->message);
      return;
    }
    root = json_parser_steal_root (parser);
  }

  g_task_set_task_data (task, GUINT_TO_POINTER (status), NULL);
  g_task_return_pointer (task, g_steal_pointer (&root), (GDestroyNotify) json_node_unref);
}

void
wb_client_call_async (WbClient            *self,
                      const char          *method,
                      const char          *path,
                      JsonNode            *body,
                      const char          *idempotency_key,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (SoupMessage) msg = NULL;
  g_autoptr (GError) error = NULL;

  g_return_if_fail (WB_IS_CLIENT (self));
  g_return_if_fail (method != NULL && path != NULL && path[0] == '/');

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wb_client_call_async);

  msg = build_message (self, method, path, &error);
  if (msg == NULL) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  soup_message_headers_replace (soup_message_get_request_headers (msg),
                                "Accept", "application/json, application/problem+json");
  if (idempotency_key != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg),
                                  "Idempotency-Key", idempotency_key);
  if (body != NULL) {
    gsize length = 0;
    char *text = json_to_string (body, FALSE);
    g_autoptr (GBytes) bytes = NULL;

    length = strlen (text);
    bytes = g_bytes_new_take (text, length);
    soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  }

  /* The task keeps the message until the answer is read. */
  g_task_set_task_data (task, g_object_ref (msg), g_object_unref);
  soup_session_send_and_read_async (self->session, msg, G_PRIORITY_DEFAULT,
                                    cancellable, on_call_read, g_object_ref (task));
}

gboolean
wb_client_call_finish (WbClient      *self,
                       GAsyncResult  *result,
                       guint         *out_status,
                       JsonNode     **out_body,
                       GError       **error)
{
  g_autoptr (JsonNode) body = NULL;
  g_autoptr (GError) local_error = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  body = g_task_propagate_pointer (G_TASK (result), &local_error);
  if (local_error != NULL) {
    g_propagate_error (error, g_steal_pointer (&local_error));
    return FALSE;
  }
  if (out_status != NULL)
    *out_status = GPOINTER_TO_UINT (g_task_get_task_data (G_TASK (result)));
  if (out_body != NULL)
    *out_body = g_steal_pointer (&body);
  return TRUE;
}

static void
on_sync_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

gboolean
wb_client_call_sync (WbClient      *self,
                     const char    *method,
                     const char    *path,
                     JsonNode      *body,
                     const char    *idempotency_key,
                     guint         *out_status,
                     JsonNode     **out_body,
                     GError       **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  g_return_val_if_fail (WB_IS_CLIENT (self), FALSE);

  wb_client_call_async (self, method, path, body, idempotency_key, NULL,
                        on_sync_done, &result);
  while (result == NULL)
    g_main_context_iteration (self->context, TRUE);
  return wb_client_call_finish (self, result, out_status, out_body, error);
}

/* ---- The event stream ------------------------------------------------- */

typedef struct {
  SoupMessage *msg;
  GInputStream *body;
  GOutputStream *sink;     /* collects a refusal's body */
} EventsData;

static void
events_data_free (EventsData *data)
{
  g_clear_object (&data->msg);
  g_clear_object (&data->body);
  g_clear_object (&data->sink);
  g_free (data);
}

static void
on_events_refusal_read (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  EventsData *data = g_task_get_task_data (task);
  g_autoptr (GBytes) bytes = NULL;
  const char *content_type;

  /* A refusal whose body breaks off is still a refusal. */
  g_output_stream_splice_finish (G_OUTPUT_STREAM (source), result, NULL);
  bytes = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (data->sink));
  content_type = soup_message_headers_get_content_type (soup_message_get_response_headers (data->msg), NULL);
  g_task_return_error (task, refused_error_new (soup_message_get_status (data->msg),
                                                content_type, bytes));
}

static void
on_events_sent (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  WbClient *self = g_task_get_source_object (task);
  EventsData *data = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (GInputStream) body = NULL;
  const char *content_type;
  guint status;

  body = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (body == NULL) {
    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      g_task_return_error (task, g_steal_pointer (&error));
    else
      g_task_return_error (task, connection_error_new (self, error));
    return;
  }

  status = soup_message_get_status (data->msg);
  if (!SOUP_STATUS_IS_SUCCESSFUL (status)) {
    data->body = g_steal_pointer (&body);
    data->sink = g_memory_output_stream_new_resizable ();
    g_output_stream_splice_async (data->sink, data->body,
                                  G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE |
                                  G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET,
                                  G_PRIORITY_DEFAULT, g_task_get_cancellable (task),
                                  on_events_refusal_read, g_object_ref (task));
    return;
  }

  content_type = soup_message_headers_get_content_type (soup_message_get_response_headers (data->msg), NULL);
  if (g_strcmp0 (content_type, "text/event-stream") != 0) {
    g_task_return_new_error (task, WB_CLIENT_ERROR, WB_CLIENT_ERROR_PROTOCOL,
                             "the hub answered the event stream with “%s”, not text/event-stream",
                             content_type != NULL ? content_type : "no content type");
    return;
  }
  g_task_return_pointer (task, g_steal_pointer (&body), g_object_unref);
}

void
wb_client_open_events_async (WbClient            *self,
                             const char          *last_event_id,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GError) error = NULL;
  EventsData *data;
  SoupMessageHeaders *headers;

  g_return_if_fail (WB_IS_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wb_client_open_events_async);

  data = g_new0 (EventsData, 1);
  g_task_set_task_data (task, data, (GDestroyNotify) events_data_free);
  data->msg = build_message (self, "GET", "/api/v1/events", &error);
  if (data->msg == NULL) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  headers = soup_message_get_request_headers (data->msg);
  soup_message_headers_replace (headers, "Accept", "text/event-stream");
  soup_message_headers_replace (headers, "Cache-Control", "no-cache");
  if (last_event_id != NULL)
    soup_message_headers_replace (headers, "Last-Event-ID", last_event_id);

  soup_session_send_async (self->stream_session, data->msg, G_PRIORITY_DEFAULT,
                           cancellable, on_events_sent, g_object_ref (task));
}

GInputStream *
wb_client_open_events_finish (WbClient      *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
