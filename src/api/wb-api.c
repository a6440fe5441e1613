/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbApi: connection handling, request limits, authentication and dispatch
 * of the HTTP API.  The routes themselves live in wb-routes-*.c and
 * wb-sse.c.
 *
 * A request goes through two steps:
 *  1. headers read (soup early handler): body size from Content-Length
 *     (413, answered at once, the body is never read), requests per address
 *     (429), route (404/405), token and role (401/403), content type (415).
 *     A chunked body is counted as it arrives and refused with 413 as soon
 *     as it passes the limit.
 *  2. body read (soup handler): JSON parsed (400), handler called, control
 *     actions written to the audit log.
 * Refusals of step 1 and 400 change no state and write no audit row.
 */
#define G_LOG_DOMAIN "wb-api"

#include "wb-api-private.h"

#include <string.h>

#include "control/wb-booking.h"
#include "wb-build-config.h"

struct _WbApi {
  GObject parent_instance;

  WbConfig *config;
  WbAuth *auth;
  WbEndpointRegistry *registry;
  WbEventBus *bus;
  WbBookingService *bookings;       /* nullable */
  gulong booking_changed_id;
  WbConferenceControl *conferences; /* nullable */
  WbApiAssetFunc asset_func;        /* nullable: the web console */

  WbApiLimits limits;
  WbRateLimiter *requests;          /* per remote address */
  WbRateLimiter *log_limit;         /* one key: all network-caused log lines */
  guint log_suppressed;

  WbRouter *router;
  WbSseHub *sse;

  SoupServer *server;
  GSocketService *service;
  GTlsCertificate *tls_certificate;
  guint port;

  /* Connection accounting: GSocketConnection* → remote address (char*),
   * and remote address → number of connections open. */
  GHashTable *connections;
  GHashTable *per_address;
  /* Connections whose request has not been read whole yet:
   * GSocketConnection* → Deadline*, owned. */
  GHashTable *deadlines;

  /* Metrics */
  GHashTable *status_counts;        /* GUINT_TO_POINTER (status) → guint64* */
  guint64 refused_connections;
  guint64 timed_out_requests;
};

/* The time a new connection has to deliver its whole request. */
typedef struct {
  WbApi *api;                       /* unowned */
  GSocketConnection *connection;    /* unowned: removed when it is finalized */
  char *remote;                     /* "address port", to find it from a message */
  guint source;
} Deadline;

G_DEFINE_FINAL_TYPE (WbApi, wb_api, G_TYPE_OBJECT)

#define LISTEN_BACKLOG 128

static const char REQUEST_KEY[] = "wb-request";
static const char BODY_BYTES_KEY[] = "wb-body-bytes";

void
wb_api_limits_init_default (WbApiLimits *limits)
{
  limits->requests_per_second = WB_API_DEFAULT_REQUESTS_PER_SECOND;
  limits->request_burst = WB_API_DEFAULT_REQUEST_BURST;
  limits->max_connections_per_address = WB_API_DEFAULT_MAX_CONNECTIONS;
  limits->idle_timeout_s = WB_API_DEFAULT_IDLE_TIMEOUT_S;
  limits->request_timeout_s = WB_API_DEFAULT_REQUEST_TIMEOUT_S;
  limits->sse_keepalive_s = WB_API_DEFAULT_SSE_KEEPALIVE_S;
  limits->sse_max_pending_bytes = WB_API_DEFAULT_SSE_MAX_PENDING;
  limits->sse_max_clients = WB_API_DEFAULT_SSE_MAX_CLIENTS;
}

/* ---- Logging -------------------------------------------------------- */

void
wb_api_log (WbApi *api, GLogLevelFlags level, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  if (!wb_rate_limiter_take (api->log_limit, "log", g_get_monotonic_time (), NULL)) {
    api->log_suppressed++;
    return;
  }
  if (api->log_suppressed > 0) {
    g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                      "MESSAGE", "%u log lines were dropped (rate limit)", api->log_suppressed);
    api->log_suppressed = 0;
  }

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_log_structured (G_LOG_DOMAIN, level, "MESSAGE", "%s", message);
}

/* ---- Metrics -------------------------------------------------------- */

static void
count_status (WbApi *api, guint status)
{
  guint64 *count = g_hash_table_lookup (api->status_counts, GUINT_TO_POINTER (status));

  if (count == NULL) {
    count = g_new0 (guint64, 1);
    g_hash_table_insert (api->status_counts, GUINT_TO_POINTER (status), count);
  }
  (*count)++;
}

static gint
compare_uint (gconstpointer a, gconstpointer b)
{
  guint ua = GPOINTER_TO_UINT (*(gpointer *) a), ub = GPOINTER_TO_UINT (*(gpointer *) b);
  return (ua > ub) - (ua < ub);
}

void
wb_api_append_metrics (WbApi *api, GString *out)
{
  g_autoptr (GPtrArray) keys = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, api->status_counts);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (keys, key);
  g_ptr_array_sort (keys, compare_uint);
  g_string_append (out,
                   "# HELP wardbridge_http_requests_total HTTP requests answered, by status (499: connection lost).\n"
                   "# TYPE wardbridge_http_requests_total counter\n");
  for (guint i = 0; i < keys->len; i++) {
    guint64 *count = g_hash_table_lookup (api->status_counts, keys->pdata[i]);
    g_string_append_printf (out, "wardbridge_http_requests_total{code=\"%u\"} %" G_GUINT64_FORMAT "\n",
                            GPOINTER_TO_UINT (keys->pdata[i]), *count);
  }
  g_string_append_printf (out,
                          "# HELP wardbridge_http_connections Open HTTP connections.\n"
                          "# TYPE wardbridge_http_connections gauge\n"
                          "wardbridge_http_connections %u\n"
                          "# HELP wardbridge_http_connections_refused_total Connections refused over the per-address cap.\n"
                          "# TYPE wardbridge_http_connections_refused_total counter\n"
                          "wardbridge_http_connections_refused_total %" G_GUINT64_FORMAT "\n"
                          "# HELP wardbridge_http_requests_timed_out_total Connections cut for not sending a whole request in time.\n"
                          "# TYPE wardbridge_http_requests_timed_out_total counter\n"
                          "wardbridge_http_requests_timed_out_total %" G_GUINT64_FORMAT "\n"
                          "# HELP wardbridge_sse_clients Open event streams.\n"
                          "# TYPE wardbridge_sse_clients gauge\n"
                          "wardbridge_sse_clients %u\n",
                          g_hash_table_size (api->connections), api->refused_connections,
                          api->timed_out_requests, wb_sse_hub_get_n_clients (api->sse));
}

/* ---- Accessors ------------------------------------------------------ */

WbConfig *wb_api_get_config (WbApi *api) { return api->config; }
WbEndpointRegistry *wb_api_get_registry (WbApi *api) { return api->registry; }
WbEventBus *wb_api_get_bus (WbApi *api) { return api->bus; }
WbBookingService *wb_api_get_bookings (WbApi *api) { return api->bookings; }
WbConferenceControl *wb_api_get_conferences (WbApi *api) { return api->conferences; }
WbRouter *wb_api_get_router (WbApi *api) { return api->router; }
WbSseHub *wb_api_get_sse_hub (WbApi *api) { return api->sse; }
const WbApiLimits *wb_api_peek_limits (WbApi *api) { return &api->limits; }

char *
wb_api_format_time (gint64 utc_us)
{
  return wb_booking_time_format (utc_us);
}

/* ---- Requests ------------------------------------------------------- */

static void
request_free (WbRequest *request)
{
  g_clear_pointer (&request->identity, wb_identity_free);
  g_clear_pointer (&request->params, g_hash_table_unref);
  g_clear_pointer (&request->query, g_hash_table_unref);
  g_clear_pointer (&request->body, json_node_unref);
  g_free (request->remote_host);
  g_free (request->audit_target);
  g_free (request->audit_detail);
  g_free (request);
}

const char *
wb_request_param (WbRequest *request, const char *name)
{
  return request->params != NULL ? g_hash_table_lookup (request->params, name) : NULL;
}

const char *
wb_request_query (WbRequest *request, const char *name)
{
  return request->query != NULL ? g_hash_table_lookup (request->query, name) : NULL;
}

JsonObject *
wb_request_body_object (WbRequest *request)
{
  return request->body != NULL ? json_node_get_object (request->body) : NULL;
}

static void
set_common_headers (SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  soup_message_headers_replace (headers, "X-Content-Type-Options", "nosniff");
}

void
wb_request_respond_json (WbRequest *request, guint status, JsonNode *node)
{
  g_autoptr (JsonNode) owned = node;
  char *text = json_to_string (owned, FALSE);

  soup_server_message_set_status (request->msg, status, NULL);
  soup_server_message_set_response (request->msg, "application/json", SOUP_MEMORY_TAKE,
                                    text, strlen (text));
  set_common_headers (request->msg);
}

void
wb_request_respond_text (WbRequest *request, guint status, const char *content_type, char *text)
{
  soup_server_message_set_status (request->msg, status, NULL);
  soup_server_message_set_response (request->msg, content_type, SOUP_MEMORY_TAKE,
                                    text, strlen (text));
  set_common_headers (request->msg);
}

void
wb_request_respond_empty (WbRequest *request, guint status)
{
  soup_server_message_set_status (request->msg, status, NULL);
  soup_server_message_set_response (request->msg, NULL, SOUP_MEMORY_STATIC, NULL, 0);
  set_common_headers (request->msg);
}

void
wb_request_respond_problem (WbRequest  *request,
                            guint       status,
                            const char *slug,
                            const char *detail,
                            JsonNode   *errors,
                            JsonNode   *conflicts)
{
  g_free (request->audit_detail);
  request->audit_detail = g_strdup (detail);
  wb_problem_respond (request->msg, status, slug, detail, errors, conflicts);
  set_common_headers (request->msg);
}

void
wb_request_respond_error (WbRequest *request, const GError *error)
{
  guint status = 500;
  const char *slug = "internal";
  const char *detail = error->message;

  if (error->domain == WB_BOOKING_ERROR) {
    switch ((WbBookingError) error->code) {
    case WB_BOOKING_ERROR_INVALID: status = 422; slug = "invalid-fields"; break;
    case WB_BOOKING_ERROR_CONFLICT: status = 409; slug = "booking-conflict"; break;
    case WB_BOOKING_ERROR_NOT_FOUND: status = 404; slug = "not-found"; break;
    case WB_BOOKING_ERROR_STATE: status = 409; slug = "booking-state"; break;
    case WB_BOOKING_ERROR_IDEMPOTENCY_MISMATCH: status = 422; slug = "idempotency-key-reused"; break;
    default: break;
    }
  } else if (error->domain == WB_CONFERENCE_CONTROL_ERROR) {
    switch ((WbConferenceControlError) error->code) {
    case WB_CONFERENCE_CONTROL_ERROR_NOT_FOUND: status = 404; slug = "not-found"; break;
    case WB_CONFERENCE_CONTROL_ERROR_NOT_PARTICIPANT: status = 404; slug = "not-a-participant"; break;
    case WB_CONFERENCE_CONTROL_ERROR_NO_CONFERENCE: status = 409; slug = "no-conference"; break;
    case WB_CONFERENCE_CONTROL_ERROR_BUSY: status = 409; slug = "endpoint-busy"; break;
    case WB_CONFERENCE_CONTROL_ERROR_INVALID: status = 422; slug = "invalid-fields"; break;
    case WB_CONFERENCE_CONTROL_ERROR_UNAVAILABLE: status = 503; slug = "unavailable"; break;
    default: break;
    }
  } else if (error->domain == WB_ENDPOINT_REGISTRY_ERROR) {
    switch ((WbEndpointRegistryError) error->code) {
    case WB_ENDPOINT_REGISTRY_ERROR_NOT_FOUND: status = 404; slug = "not-found"; break;
    case WB_ENDPOINT_REGISTRY_ERROR_INVALID_TRANSITION: status = 409; slug = "endpoint-state"; break;
    default: break;
    }
  } else if (error->domain == WB_STORE_ERROR) {
    switch ((WbStoreError) error->code) {
    case WB_STORE_ERROR_NOT_FOUND: status = 404; slug = "not-found"; break;
    case WB_STORE_ERROR_FULL:
    case WB_STORE_ERROR_BUSY:
    case WB_STORE_ERROR_IO:
      status = 503; slug = "store-unavailable";
      detail = "the hub could not write its state; nothing was changed";
      break;
    default:
      detail = "the hub's store failed; nothing was changed";
      break;
    }
  }

  if (status >= 500) {
    wb_api_log (request->api, G_LOG_LEVEL_WARNING, "%s %s: %s",
                soup_server_message_get_method (request->msg),
                g_uri_get_path (soup_server_message_get_uri (request->msg)), error->message);
    if (status == 500)
      detail = "internal error; see the hub's log";
  }
  wb_request_respond_problem (request, status, slug, detail, NULL, NULL);
}

void
wb_request_audit (WbRequest *request, const char *target, const char *detail)
{
  WbStore *store;
  WbActor actor;
  g_autoptr (GError) error = NULL;
  const char *path = g_uri_get_path (soup_server_message_get_uri (request->msg));

  if (request->api->bookings == NULL || request->identity == NULL)
    return;
  store = wb_booking_service_get_store (request->api->bookings);
  wb_identity_to_actor (request->identity, &actor);
  if (wb_store_append_audit (store, 0, &actor,
                             request->route->action != NULL ? request->route->action : path,
                             target != NULL ? target : path,
                             (int) soup_server_message_get_status (request->msg),
                             detail, &error) == 0)
    wb_api_log (request->api, G_LOG_LEVEL_WARNING, "audit row not written: %s", error->message);
}

static void
finish_request (WbRequest *request)
{
  if (request->route->flags & WB_ROUTE_FLAG_AUDIT)
    wb_request_audit (request, request->audit_target, request->audit_detail);
}

void
wb_request_pause (WbRequest *request)
{
  request->paused = TRUE;
  soup_server_message_pause (request->msg);
}

void
wb_request_unpause (WbRequest *request)
{
  request->paused = FALSE;
  finish_request (request);
  soup_server_message_unpause (request->msg);
}

/* ---- Refusing a request before its body is read --------------------- */

typedef struct {
  GIOStream *stream;
  char *data;
} RawAnswer;

static void
raw_answer_closed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  RawAnswer *answer = user_data;

  g_io_stream_close_finish (G_IO_STREAM (source), result, NULL);
  g_object_unref (answer->stream);
  g_free (answer->data);
  g_free (answer);
}

static void
raw_answer_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  RawAnswer *answer = user_data;

  g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, NULL);
  g_io_stream_close_async (answer->stream, G_PRIORITY_DEFAULT, NULL, raw_answer_closed, answer);
}

/* Takes the connection away from libsoup, writes a 413 problem and closes
 * it: the rest of the body is never read. */
static void
refuse_body_too_large (WbApi *api, SoupServerMessage *msg, const char *detail)
{
  g_autofree char *body = NULL;
  RawAnswer *answer;
  GUri *uri = soup_server_message_get_uri (msg);

  body = wb_problem_to_string (413, "body-too-large", detail, uri != NULL ? g_uri_get_path (uri) : NULL,
                               NULL, NULL);
  answer = g_new0 (RawAnswer, 1);
  answer->data = g_strdup_printf ("HTTP/1.1 413 Content Too Large\r\n"
                                  "Content-Type: " WB_PROBLEM_CONTENT_TYPE "\r\n"
                                  "Content-Length: %zu\r\n"
                                  "Cache-Control: no-store\r\n"
                                  "Connection: close\r\n"
                                  "\r\n%s", strlen (body), body);
  answer->stream = soup_server_message_steal_connection (msg);
  count_status (api, 413);
  wb_api_log (api, G_LOG_LEVEL_INFO, "413 %s %s from %s: %s", soup_server_message_get_method (msg),
              uri != NULL ? g_uri_get_path (uri) : "?", soup_server_message_get_remote_host (msg), detail);
  if (answer->stream == NULL) {
    g_free (answer->data);
    g_free (answer);
    return;
  }
  g_output_stream_write_all_async (g_io_stream_get_output_stream (answer->stream),
                                   answer->data, strlen (answer->data), G_PRIORITY_DEFAULT,
                                   NULL, raw_answer_written, answer);
}

static void
on_got_chunk (SoupServerMessage *msg, GBytes *chunk, WbApi *api)
{
  guint64 total = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (msg), BODY_BYTES_KEY));

  total += g_bytes_get_size (chunk);
  g_object_set_data (G_OBJECT (msg), BODY_BYTES_KEY, GSIZE_TO_POINTER ((gsize) total));
  if (total > api->config->max_body_bytes) {
    g_autofree char *detail = g_strdup_printf ("the body is longer than %" G_GSIZE_FORMAT " bytes",
                                               api->config->max_body_bytes);
    g_signal_handlers_disconnect_by_func (msg, on_got_chunk, api);
    refuse_body_too_large (api, msg, detail);
  }
}

/* ---- Step 1: headers ------------------------------------------------ */

static void
respond_unauthorized (SoupServerMessage *msg, gboolean token_presented)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  wb_problem_respond (msg, 401, "unauthorized",
                      token_presented ? "the bearer token is not valid"
                                      : "this route needs \"Authorization: Bearer TOKEN\"",
                      NULL, NULL);
  soup_message_headers_replace (headers, "WWW-Authenticate",
                                token_presented ? "Bearer realm=\"wardbridge\", error=\"invalid_token\""
                                                : "Bearer realm=\"wardbridge\"");
}

static gboolean
is_json_media_type (SoupMessageHeaders *headers)
{
  const char *type = soup_message_headers_get_content_type (headers, NULL);

  return type != NULL && g_ascii_strcasecmp (type, "application/json") == 0;
}

static void
early_handler (SoupServer        *server,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  WbApi *api = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *method = soup_server_message_get_method (msg);
  const char *host = soup_server_message_get_remote_host (msg);
  const char *raw_path = g_uri_get_path (soup_server_message_get_uri (msg));
  SoupEncoding encoding = soup_message_headers_get_encoding (headers);
  gboolean has_body = FALSE;
  guint retry_after = 1;
  const WbRoute *route = NULL;
  g_autoptr (GHashTable) params = NULL;
  g_autofree char *allow = NULL;
  const WbIdentity *identity = NULL;
  const char *token;
  WbRequest *request;

  if (host == NULL)
    host = "unknown";

  /* Body size, from what the client announces. */
  if (encoding == SOUP_ENCODING_CONTENT_LENGTH) {
    goffset length = soup_message_headers_get_content_length (headers);
    if (length < 0 || (guint64) length > api->config->max_body_bytes) {
      g_autofree char *detail =
        g_strdup_printf ("Content-Length %" G_GOFFSET_FORMAT " is over the limit of %" G_GSIZE_FORMAT " bytes",
                         length, api->config->max_body_bytes);
      refuse_body_too_large (api, msg, detail);
      return;
    }
    has_body = length > 0;
  } else if (encoding == SOUP_ENCODING_CHUNKED || encoding == SOUP_ENCODING_EOF) {
    has_body = TRUE;
    g_signal_connect_object (msg, "got-chunk", G_CALLBACK (on_got_chunk), api, 0);
  }

  /* Requests per address. */
  if (!wb_rate_limiter_take (api->requests, host, g_get_monotonic_time (), &retry_after)) {
    g_autofree char *value = g_strdup_printf ("%u", retry_after);
    g_autofree char *detail = g_strdup_printf ("too many requests from %s; retry in %u s", host, retry_after);

    wb_problem_respond (msg, 429, "rate-limited", detail, NULL, NULL);
    soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After", value);
    wb_api_log (api, G_LOG_LEVEL_INFO, "429 %s %s from %s", method, raw_path, host);
    return;
  }

  switch (wb_router_match (api->router, method, raw_path, &route, &params, &allow)) {
  case WB_ROUTE_MATCH_NOT_FOUND:
    wb_problem_respond (msg, 404, "not-found", "no such resource", NULL, NULL);
    return;
  case WB_ROUTE_MATCH_BAD_METHOD: {
    g_autofree char *detail = g_strdup_printf ("%s is not allowed here; allowed: %s", method, allow);
    wb_problem_respond (msg, 405, "method-not-allowed", detail, NULL, NULL);
    soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", allow);
    return;
  }
  case WB_ROUTE_MATCH_OK:
  default:
    break;
  }

  token = wb_auth_token_from_headers (headers,
                                      (route->flags & WB_ROUTE_FLAG_QUERY_TOKEN) && query != NULL
                                        ? g_hash_table_lookup (query, "token") : NULL);
  if (token != NULL)
    identity = wb_auth_lookup (api->auth, token);

  request = g_new0 (WbRequest, 1);
  request->api = api;
  request->msg = msg;   /* the request lives on the message */
  request->route = route;
  request->identity = identity != NULL ? wb_identity_copy (identity) : NULL;
  request->params = g_steal_pointer (&params);
  request->query = query != NULL ? g_hash_table_ref (query) : NULL;
  request->remote_host = g_strdup (host);
  g_object_set_data_full (G_OBJECT (msg), REQUEST_KEY, request, (GDestroyNotify) request_free);

  if (route->roles != WB_ROLE_NONE) {
    if (identity == NULL) {
      respond_unauthorized (msg, token != NULL);
      wb_api_log (api, G_LOG_LEVEL_INFO, "401 %s %s from %s", method, raw_path, host);
      return;
    }
    if (!(route->roles & identity->role) ||
        (identity->role == WB_ROLE_ENDPOINT && (route->flags & WB_ROUTE_FLAG_SELF) &&
         g_strcmp0 (identity->ward_id, wb_request_param (request, "ep") != NULL
                                         ? wb_request_param (request, "ep")
                                         : wb_request_param (request, "id")) != 0)) {
      g_autofree char *detail = g_strdup_printf ("%s may not %s %s", identity->id, method, raw_path);
      wb_request_respond_problem (request, 403, "forbidden", detail, NULL, NULL);
      if (route->flags & WB_ROUTE_FLAG_AUDIT)
        wb_request_audit (request, NULL, detail);
      wb_api_log (api, G_LOG_LEVEL_INFO, "403 %s %s from %s (%s)", method, raw_path, host, identity->id);
      return;
    }
  }

  if (has_body && (route->flags & (WB_ROUTE_FLAG_JSON_BODY | WB_ROUTE_FLAG_OPTIONAL_BODY)) &&
      !is_json_media_type (headers)) {
    wb_problem_respond (msg, 415, "unsupported-media-type",
                        "the body must be application/json", NULL, NULL);
    return;
  }
}

/* ---- Step 2: body --------------------------------------------------- */

static gboolean
parse_body (WbRequest *request)
{
  SoupMessageBody *body = soup_server_message_get_request_body (request->msg);
  g_autoptr (GBytes) bytes = soup_message_body_flatten (body);
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (GError) error = NULL;
  gsize size = g_bytes_get_size (bytes);
  JsonNode *root;

  if (!(request->route->flags & (WB_ROUTE_FLAG_JSON_BODY | WB_ROUTE_FLAG_OPTIONAL_BODY)))
    return TRUE;

  if (size == 0) {
    if (request->route->flags & WB_ROUTE_FLAG_JSON_BODY) {
      wb_problem_respond (request->msg, 400, "malformed-json", "this route needs a JSON object body",
                          NULL, NULL);
      return FALSE;
    }
    return TRUE;
  }

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL), size, &error)) {
    g_autofree char *detail = g_strdup_printf ("the body is not valid JSON: %s", error->message);
    wb_problem_respond (request->msg, 400, "malformed-json", detail, NULL, NULL);
    return FALSE;
  }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)) {
    wb_problem_respond (request->msg, 400, "malformed-json", "the body must be a JSON object", NULL, NULL);
    return FALSE;
  }
  request->body = json_node_ref (root);
  return TRUE;
}

static void
handler (SoupServer        *server,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  WbRequest *request = g_object_get_data (G_OBJECT (msg), REQUEST_KEY);

  if (request == NULL) {
    /* Early handler answered or was bypassed; should not happen. */
    wb_problem_respond (msg, 500, "internal", "request was not routed", NULL, NULL);
    return;
  }
  if (!parse_body (request))
    return;

  /* Any authenticated call of a box is a sign of life. */
  if (request->identity != NULL && request->identity->ward_id != NULL)
    wb_endpoint_registry_mark_seen (request->api->registry, request->identity->ward_id,
                                    g_get_real_time (), NULL);

  request->route->func (request);
  if (!request->paused)
    finish_request (request);
}

static void
on_request_started (SoupServer *server, SoupServerMessage *msg, WbApi *api)
{
  /* One request per connection: say so, so that clients do not reuse it. */
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection", "close");
}

static void
on_request_done (SoupServer *server, SoupServerMessage *msg, WbApi *api)
{
  guint status = soup_server_message_get_status (msg);

  if (soup_server_message_get_method (msg) == NULL)
    return;
  count_status (api, status);
  if (status >= 500)
    wb_api_log (api, status == 500 ? G_LOG_LEVEL_WARNING : G_LOG_LEVEL_INFO, "%u %s %s from %s", status,
                soup_server_message_get_method (msg),
                g_uri_get_path (soup_server_message_get_uri (msg)),
                soup_server_message_get_remote_host (msg));
}

/* The connection failed under the request (the client went away, a write
 * timed out): libsoup reports those as aborted.  Normal for event streams. */
static void
on_request_aborted (SoupServer *server, SoupServerMessage *msg, WbApi *api)
{
  if (soup_server_message_get_method (msg) == NULL)
    return;
  count_status (api, 499);
  wb_api_log (api, G_LOG_LEVEL_INFO, "%s %s from %s: connection lost",
              soup_server_message_get_method (msg),
              g_uri_get_path (soup_server_message_get_uri (msg)),
              soup_server_message_get_remote_host (msg));
}

/* ---- Connections ---------------------------------------------------- */

static void on_connection_finalized (gpointer data, GObject *where_the_object_was);

static void
deadline_free (Deadline *deadline)
{
  g_clear_handle_id (&deadline->source, g_source_remove);
  g_free (deadline->remote);
  g_free (deadline);
}

static char *
remote_key (GSocketAddress *address)
{
  g_autofree char *host = NULL;

  if (address == NULL || !G_IS_INET_SOCKET_ADDRESS (address))
    return NULL;
  host = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)));
  return g_strdup_printf ("%s %u", host, g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)));
}

/* Slowloris: the idle timeout never fires for a client that trickles a
 * header line now and then, so every connection gets a deadline for its
 * whole request.  Shutting the socket down makes libsoup drop it. */
static gboolean
on_request_deadline (gpointer user_data)
{
  Deadline *deadline = user_data;
  WbApi *api = deadline->api;
  GSocket *socket = g_socket_connection_get_socket (deadline->connection);

  deadline->source = 0;
  api->timed_out_requests++;
  wb_api_log (api, G_LOG_LEVEL_INFO, "closed a connection from %s: no whole request within %u s",
              deadline->remote, api->limits.request_timeout_s);
  g_socket_shutdown (socket, TRUE, TRUE, NULL);
  g_hash_table_remove (api->deadlines, deadline->connection);
  return G_SOURCE_REMOVE;
}

static void
on_request_read (SoupServer *server, SoupServerMessage *msg, WbApi *api)
{
  g_autofree char *key = remote_key (soup_server_message_get_remote_address (msg));
  GHashTableIter iter;
  Deadline *deadline;

  if (key == NULL)
    return;
  g_hash_table_iter_init (&iter, api->deadlines);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &deadline)) {
    if (g_str_equal (deadline->remote, key)) {
      g_hash_table_iter_remove (&iter);
      return;
    }
  }
}

static void
forget_connection (WbApi *api, gpointer connection)
{
  const char *address = g_hash_table_lookup (api->connections, connection);
  guint count;

  g_hash_table_remove (api->deadlines, connection);
  if (address == NULL)
    return;
  count = GPOINTER_TO_UINT (g_hash_table_lookup (api->per_address, address));
  if (count <= 1)
    g_hash_table_remove (api->per_address, address);
  else
    g_hash_table_insert (api->per_address, g_strdup (address), GUINT_TO_POINTER (count - 1));
  g_hash_table_remove (api->connections, connection);
}

static void
on_connection_finalized (gpointer data, GObject *where_the_object_was)
{
  forget_connection (WB_API (data), where_the_object_was);
}

static char *
address_string (GSocketAddress *address)
{
  if (address == NULL || !G_IS_INET_SOCKET_ADDRESS (address))
    return g_strdup ("unknown");
  return g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)));
}

static gboolean
on_incoming (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             WbApi             *api)
{
  g_autoptr (GSocketAddress) remote = g_socket_connection_get_remote_address (connection, NULL);
  g_autoptr (GSocketAddress) local = g_socket_connection_get_local_address (connection, NULL);
  g_autofree char *address = address_string (remote);
  g_autoptr (GIOStream) stream = NULL;
  g_autoptr (GError) error = NULL;
  guint count = GPOINTER_TO_UINT (g_hash_table_lookup (api->per_address, address));

  if (count >= api->limits.max_connections_per_address) {
    api->refused_connections++;
    wb_api_log (api, G_LOG_LEVEL_INFO, "refused a connection from %s: %u already open", address, count);
    g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
    return TRUE;
  }

  /* No progress for this long (headers, body, or a blocked write) fails
   * the pending operation and libsoup drops the connection. */
  g_socket_set_timeout (g_socket_connection_get_socket (connection), api->limits.idle_timeout_s);

  g_hash_table_insert (api->per_address, g_strdup (address), GUINT_TO_POINTER (count + 1));
  g_hash_table_insert (api->connections, connection, g_strdup (address));
  g_object_weak_ref (G_OBJECT (connection), on_connection_finalized, api);
  if (api->limits.request_timeout_s > 0) {
    Deadline *deadline = g_new0 (Deadline, 1);

    deadline->api = api;
    deadline->connection = connection;
    deadline->remote = remote_key (remote);
    if (deadline->remote == NULL)
      deadline->remote = g_strdup (address);
    deadline->source = g_timeout_add_seconds (api->limits.request_timeout_s, on_request_deadline, deadline);
    g_source_set_name_by_id (deadline->source, "[wardbridge] request deadline");
    g_hash_table_insert (api->deadlines, connection, deadline);
  }

  if (api->tls_certificate != NULL) {
    stream = g_tls_server_connection_new (G_IO_STREAM (connection), api->tls_certificate, &error);
    if (stream == NULL) {
      wb_api_log (api, G_LOG_LEVEL_WARNING, "TLS for %s: %s", address, error->message);
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
      return TRUE;
    }
  } else {
    stream = g_object_ref (G_IO_STREAM (connection));
  }

  if (!soup_server_accept_iostream (api->server, stream, local, remote, &error)) {
    wb_api_log (api, G_LOG_LEVEL_WARNING, "connection from %s: %s", address, error->message);
    g_io_stream_close (stream, NULL, NULL);
  }
  return TRUE;
}

/* ---- Booking events ------------------------------------------------- */

static void
on_booking_changed (WbBookingService *service, WbBooking *booking, WbBookingChange change, WbApi *api)
{
  static const char *const names[] = {
    [WB_BOOKING_CHANGE_CREATED] = "booking.created",
    [WB_BOOKING_CHANGE_UPDATED] = "booking.updated",
    [WB_BOOKING_CHANGE_CANCELLED] = "booking.cancelled",
  };

  if ((guint) change >= G_N_ELEMENTS (names))
    return;
  wb_event_bus_publish (api->bus, names[change], (const char *const *) booking->endpoints,
                        wb_booking_to_json (booking));
}

/* ---- Object --------------------------------------------------------- */

static void
wb_api_dispose (GObject *object)
{
  WbApi *api = WB_API (object);
  GHashTableIter iter;
  gpointer connection;

  wb_api_stop (api);

  g_hash_table_iter_init (&iter, api->connections);
  while (g_hash_table_iter_next (&iter, &connection, NULL))
    g_object_weak_unref (connection, on_connection_finalized, api);
  g_hash_table_remove_all (api->connections);
  g_hash_table_remove_all (api->per_address);
  g_hash_table_remove_all (api->deadlines);

  if (api->bookings != NULL && api->booking_changed_id != 0)
    g_clear_signal_handler (&api->booking_changed_id, api->bookings);
  g_clear_object (&api->bookings);
  g_clear_object (&api->conferences);
  g_clear_pointer (&api->sse, wb_sse_hub_free);
  g_clear_object (&api->server);
  g_clear_object (&api->service);
  g_clear_object (&api->tls_certificate);

  G_OBJECT_CLASS (wb_api_parent_class)->dispose (object);
}

static void
wb_api_finalize (GObject *object)
{
  WbApi *api = WB_API (object);

  g_clear_pointer (&api->config, wb_config_unref);
  g_clear_pointer (&api->auth, wb_auth_unref);
  g_clear_object (&api->registry);
  g_clear_object (&api->bus);
  g_clear_pointer (&api->requests, wb_rate_limiter_free);
  g_clear_pointer (&api->log_limit, wb_rate_limiter_free);
  g_clear_pointer (&api->router, wb_router_free);
  g_clear_pointer (&api->connections, g_hash_table_unref);
  g_clear_pointer (&api->per_address, g_hash_table_unref);
  g_clear_pointer (&api->deadlines, g_hash_table_unref);
  g_clear_pointer (&api->status_counts, g_hash_table_unref);

  G_OBJECT_CLASS (wb_api_parent_class)->finalize (object);
}

static void
wb_api_class_init (WbApiClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wb_api_dispose;
  object_class->finalize = wb_api_finalize;
}

static void
wb_api_init (WbApi *api)
{
  wb_api_limits_init_default (&api->limits);
  api->requests = wb_rate_limiter_new (api->limits.requests_per_second, api->limits.request_burst);
  api->log_limit = wb_rate_limiter_new (10.0, 20);
  api->connections = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);
  api->per_address = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  api->deadlines = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, (GDestroyNotify) deadline_free);
  api->status_counts = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);

  api->router = wb_router_new ();
  wb_router_add (api->router, wb_routes_system, wb_routes_system_len);
  wb_router_add (api->router, wb_routes_endpoints, wb_routes_endpoints_len);
  wb_router_add (api->router, wb_routes_conferences, wb_routes_conferences_len);
  wb_router_add (api->router, wb_routes_bookings, wb_routes_bookings_len);

  api->server = soup_server_new ("server-header", "wardbridge/" PACKAGE_VERSION, NULL);
  soup_server_add_early_handler (api->server, NULL, early_handler, api, NULL);
  soup_server_add_handler (api->server, NULL, handler, api, NULL);
  g_signal_connect_object (api->server, "request-started", G_CALLBACK (on_request_started), api, 0);
  g_signal_connect_object (api->server, "request-read", G_CALLBACK (on_request_read), api, 0);
  g_signal_connect_object (api->server, "request-finished", G_CALLBACK (on_request_done), api, 0);
  g_signal_connect_object (api->server, "request-aborted", G_CALLBACK (on_request_aborted), api, 0);
}

WbApi *
wb_api_new (WbConfig *config, WbEndpointRegistry *registry, WbEventBus *bus)
{
  WbApi *api;

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (WB_IS_ENDPOINT_REGISTRY (registry), NULL);
  g_return_val_if_fail (WB_IS_EVENT_BUS (bus), NULL);

  api = g_object_new (WB_TYPE_API, NULL);
  api->registry = g_object_ref (registry);
  api->bus = g_object_ref (bus);
  api->sse = wb_sse_hub_new (api, bus);
  wb_api_set_config (api, config);
  return api;
}

void
wb_api_set_config (WbApi *api, WbConfig *config)
{
  g_return_if_fail (WB_IS_API (api));
  g_return_if_fail (config != NULL);

  g_clear_pointer (&api->config, wb_config_unref);
  api->config = wb_config_ref (config);
  g_clear_pointer (&api->auth, wb_auth_unref);
  api->auth = wb_auth_new (config);
}

void
wb_api_set_booking_service (WbApi *api, WbBookingService *bookings)
{
  g_return_if_fail (WB_IS_API (api));
  g_return_if_fail (bookings == NULL || WB_IS_BOOKING_SERVICE (bookings));

  if (api->bookings != NULL && api->booking_changed_id != 0)
    g_clear_signal_handler (&api->booking_changed_id, api->bookings);
  g_set_object (&api->bookings, bookings);
  if (bookings != NULL)
    api->booking_changed_id = g_signal_connect (bookings, "booking-changed",
                                                G_CALLBACK (on_booking_changed), api);
}

void
wb_api_set_conference_control (WbApi *api, WbConferenceControl *control)
{
  g_return_if_fail (WB_IS_API (api));
  g_return_if_fail (control == NULL || WB_IS_CONFERENCE_CONTROL (control));

  g_set_object (&api->conferences, control);
}

void
wb_api_set_asset_handler (WbApi *api, WbApiAssetFunc func)
{
  g_return_if_fail (WB_IS_API (api));
  api->asset_func = func;
}

WbApiAssetFunc
wb_api_get_asset_handler (WbApi *api)
{
  return api->asset_func;
}

void
wb_api_get_limits (WbApi *api, WbApiLimits *limits)
{
  g_return_if_fail (WB_IS_API (api));
  *limits = api->limits;
}

void
wb_api_set_limits (WbApi *api, const WbApiLimits *limits)
{
  g_return_if_fail (WB_IS_API (api));
  g_return_if_fail (limits != NULL);

  api->limits = *limits;
  api->limits.max_connections_per_address = MAX (limits->max_connections_per_address, 1u);
  api->limits.sse_keepalive_s = MAX (limits->sse_keepalive_s, 1u);
  wb_rate_limiter_configure (api->requests, limits->requests_per_second, limits->request_burst);
}

gboolean
wb_api_listen (WbApi *api, GError **error)
{
  g_autoptr (GInetAddress) inet = NULL;
  g_autoptr (GSocketAddress) address = NULL;
  g_autoptr (GSocketAddress) effective = NULL;
  g_autoptr (GSocketService) service = NULL;

  g_return_val_if_fail (WB_IS_API (api), FALSE);
  g_return_val_if_fail (api->service == NULL, FALSE);

  if (api->config->tls_certificate != NULL) {
    g_clear_object (&api->tls_certificate);
    api->tls_certificate = g_tls_certificate_new_from_files (api->config->tls_certificate,
                                                             api->config->tls_key != NULL
                                                               ? api->config->tls_key
                                                               : api->config->tls_certificate,
                                                             error);
    if (api->tls_certificate == NULL) {
      g_prefix_error (error, "[http] tls-certificate: ");
      return FALSE;
    }
  }

  inet = g_inet_address_new_from_string (api->config->http_address);
  if (inet == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                 "[http] address: '%s' is not an IP address", api->config->http_address);
    return FALSE;
  }
  address = g_inet_socket_address_new (inet, api->config->http_port);

  service = g_socket_service_new ();
  /* GLib's default backlog (10) drops bursts of connections, as when the
   * 32 agents reconnect after a restart. */
  g_socket_listener_set_backlog (G_SOCKET_LISTENER (service), LISTEN_BACKLOG);
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (service), address, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_TCP, NULL, &effective, error)) {
    g_prefix_error (error, "listening on %s port %u: ", api->config->http_address, api->config->http_port);
    return FALSE;
  }
  api->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  g_signal_connect_object (service, "incoming", G_CALLBACK (on_incoming), api, 0);
  g_socket_service_start (service);
  api->service = g_steal_pointer (&service);

  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                    "MESSAGE", "HTTP API listening on %s port %u%s", api->config->http_address,
                    api->port, api->tls_certificate != NULL ? " (TLS)" : "");
  return TRUE;
}

guint
wb_api_get_port (WbApi *api)
{
  g_return_val_if_fail (WB_IS_API (api), 0);
  return api->port;
}

void
wb_api_stop (WbApi *api)
{
  g_return_if_fail (WB_IS_API (api));

  if (api->service != NULL) {
    g_socket_service_stop (api->service);
    g_socket_listener_close (G_SOCKET_LISTENER (api->service));
    g_clear_object (&api->service);
  }
  if (api->sse != NULL)
    wb_sse_hub_close_all (api->sse);
  if (api->server != NULL)
    soup_server_disconnect (api->server);
}
