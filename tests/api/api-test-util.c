/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shared by the API tests: a real WbApi on 127.0.0.1 (port 0), optionally
 * with TLS, over a real store in a temporary directory; a SoupSession to
 * drive it; raw sockets for what a well-behaved client never sends; and
 * an SSE reader.
 */
#include "api-test-util.h"

#include <string.h>

#include <glib/gstdio.h>

const char fixture_tls[] = "tls";

static const char CONFIG_FMT[] =
  "[hub]\npublic-address=\n"
  "[http]\naddress=127.0.0.1\nport=0\nmax-body-bytes=%d\n"
  "[store]\nstate-dir=%s\n"
  "[auth]\nadmin-tokens=" ADMIN ";" ADMIN2 "\nscheduler-tokens=" SCHED "\n"
  "[endpoint ward-01]\nname=Phường Cam Giá\nkind=phuong\nmode=agent\ntoken=" WARD1 "\n"
  "[endpoint ward-02]\nname=Phường Chùa Hang\nkind=phuong\nmode=agent\ntoken=" WARD2 "\n"
  "[endpoint ward-03]\nname=Phường Đồng Bẩm\nkind=phuong\nmode=agent\ntoken=" WARD3 "\n"
  "audio-codec=pcma\nvideo-codec=vp8\nsrtp=true\n"
  "[endpoint ward-22]\nname=Xã Cao Ngạn\nkind=xa\nmode=static\naddress=192.0.2.22\naudio-port=5004\nvideo-port=5006\n";


WbConfig *
make_config (const char *dir, const char *extra_replace_from, const char *extra_replace_to)
{
  g_autofree char *text = g_strdup_printf (CONFIG_FMT, MAX_BODY, dir);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) problems = NULL;
  WbConfig *config;

  if (extra_replace_from != NULL) {
    g_autoptr (GString) s = g_string_new (text);
    g_string_replace (s, extra_replace_from, extra_replace_to, 0);
    g_free (text);
    text = g_string_free (g_steal_pointer (&s), FALSE);
  }
  config = wb_config_load_from_data ("test.conf", text, -1, &problems, NULL, &error);
  for (guint i = 0; problems != NULL && i < problems->len; i++)
    g_printerr ("config: %s\n", (const char *) problems->pdata[i]);
  g_assert_no_error (error);
  return config;
}

void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("wb-api-XXXXXX", &error);
  g_assert_no_error (error);
  f->tls = data == FIXTURE_TLS;
  if (f->tls)
    f->config = make_config (f->dir, "[http]\n",
                             "[http]\ntls-certificate=" TEST_DATA_DIR "/test-cert.pem\n"
                             "tls-key=" TEST_DATA_DIR "/test-key.pem\n");
  else
    f->config = make_config (f->dir, NULL, NULL);
  f->bus = wb_event_bus_new ();
  f->registry = wb_endpoint_registry_new (f->config, f->bus);
  f->store = wb_store_open_in_dir (f->dir, &error);
  g_assert_no_error (error);
  f->clock = wb_real_clock_new ();
  f->bookings = wb_booking_service_new (f->store, f->config, f->clock);
  f->conferences = wb_fake_conferences_new (f->registry, f->bus);

  f->api = wb_api_new (f->config, f->registry, f->bus);
  /* Every request here comes from 127.0.0.1: only the rate-limit test
   * keeps the default limits' spirit, with its own numbers. */
  {
    WbApiLimits limits;
    wb_api_get_limits (f->api, &limits);
    limits.requests_per_second = 1e6;
    limits.request_burst = 1000000;
    wb_api_set_limits (f->api, &limits);
  }
  wb_api_set_booking_service (f->api, f->bookings);
  wb_api_set_conference_control (f->api, WB_CONFERENCE_CONTROL (f->conferences));
  g_assert_true (wb_api_listen (f->api, &error));
  g_assert_no_error (error);
  f->port = wb_api_get_port (f->api);
  g_assert_cmpuint (f->port, >, 0);

  f->session = soup_session_new_with_options ("timeout", WAIT_LIMIT_S, "max-conns-per-host", 16, NULL);
  /* No system CA store: the test certificate is checked by
   * accept_test_certificate(), and the store's loader would only add
   * threads and time. */
  if (f->tls)
    soup_session_set_tls_database (f->session, NULL);
}

void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  const char *names[] = { WB_STORE_FILE_NAME, WB_STORE_FILE_NAME "-wal", WB_STORE_FILE_NAME "-shm", NULL };

  soup_session_abort (f->session);
  g_clear_object (&f->session);
  wb_api_stop (f->api);
  /* Let the closed connections finish before the objects go. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_object (&f->api);
  g_clear_object (&f->conferences);
  g_clear_object (&f->bookings);
  g_clear_object (&f->clock);
  g_clear_object (&f->store);
  g_clear_object (&f->registry);
  g_clear_object (&f->bus);
  g_clear_pointer (&f->config, wb_config_unref);
  for (guint i = 0; names[i] != NULL; i++) {
    g_autofree char *path = g_build_filename (f->dir, names[i], NULL);
    g_unlink (path);
  }
  g_assert_cmpint (g_rmdir (f->dir), ==, 0);
  g_free (f->dir);
}

/* ---- HTTP helpers ---------------------------------------------------- */

void
reply_free (Reply *reply)
{
  g_clear_object (&reply->msg);
  g_clear_pointer (&reply->body, g_bytes_unref);
  g_free (reply->text);
  g_clear_pointer (&reply->json, json_node_unref);
  g_clear_error (&reply->error);
  g_free (reply);
}

gboolean
wait_timed_out (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the main context until *@done, failing the test after
 * WAIT_LIMIT_S. */
void
wait_for (gboolean *done)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (WAIT_LIMIT_S, wait_timed_out, &timed_out);

  while (!*done && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  g_assert_false (timed_out);
}

typedef struct {
  Reply *reply;
  gboolean done;
} Pending;

/* The test certificate is self-signed: accept exactly that one. */
static gboolean
accept_test_certificate (SoupMessage *msg, GTlsCertificate *certificate, GTlsCertificateFlags errors,
                         gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GTlsCertificate) expected =
    g_tls_certificate_new_from_file (TEST_DATA_DIR "/test-cert.pem", &error);

  g_assert_no_error (error);
  return g_tls_certificate_is_same (certificate, expected);
}

static void
on_sent (GObject *source, GAsyncResult *result, gpointer data)
{
  Pending *p = data;

  p->reply->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &p->reply->error);
  p->done = TRUE;
}

Reply *
http_full (Fixture *f, const char *method, const char *path, const char *token,
           const char *content_type, const char *body, const char *const *headers)
{
  g_autofree char *uri = g_strdup_printf ("%s://127.0.0.1:%u%s", f->tls ? "https" : "http", f->port, path);
  Reply *reply = g_new0 (Reply, 1);
  Pending p = { reply, FALSE };
  SoupMessageHeaders *req;
  const char *type;

  reply->msg = soup_message_new (method, uri);
  g_assert_nonnull (reply->msg);
  if (f->tls)
    g_signal_connect (reply->msg, "accept-certificate", G_CALLBACK (accept_test_certificate), NULL);
  req = soup_message_get_request_headers (reply->msg);
  if (token != NULL) {
    g_autofree char *auth = g_strdup_printf ("Bearer %s", token);
    soup_message_headers_replace (req, "Authorization", auth);
  }
  for (guint i = 0; headers != NULL && headers[i] != NULL; i += 2)
    soup_message_headers_replace (req, headers[i], headers[i + 1]);
  if (body != NULL) {
    g_autoptr (GBytes) bytes = g_bytes_new (body, strlen (body));
    soup_message_set_request_body_from_bytes (reply->msg, content_type, bytes);
  }

  soup_session_send_and_read_async (f->session, reply->msg, G_PRIORITY_DEFAULT, NULL, on_sent, &p);
  wait_for (&p.done);
  g_assert_no_error (reply->error);

  reply->status = soup_message_get_status (reply->msg);
  reply->text = g_strndup (g_bytes_get_data (reply->body, NULL), g_bytes_get_size (reply->body));
  type = soup_message_headers_get_content_type (soup_message_get_response_headers (reply->msg), NULL);
  if (g_strcmp0 (type, "application/json") == 0 || g_strcmp0 (type, "application/problem+json") == 0) {
    g_autoptr (JsonParser) parser = json_parser_new ();
    g_autoptr (GError) error = NULL;
    json_parser_load_from_data (parser, reply->text, -1, &error);
    g_assert_no_error (error);
    reply->json = json_node_ref (json_parser_get_root (parser));
  }
  return reply;
}

Reply *
http (Fixture *f, const char *method, const char *path, const char *token, const char *json_body)
{
  return http_full (f, method, path, token, json_body != NULL ? "application/json" : NULL, json_body, NULL);
}

JsonObject *
reply_object (Reply *reply)
{
  g_assert_nonnull (reply->json);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (reply->json));
  return json_node_get_object (reply->json);
}

JsonArray *
reply_array (Reply *reply)
{
  g_assert_nonnull (reply->json);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (reply->json));
  return json_node_get_array (reply->json);
}

const char *
reply_header (Reply *reply, const char *name)
{
  return soup_message_headers_get_one (soup_message_get_response_headers (reply->msg), name);
}

/* Checks an RFC 9457 problem answer and returns its object. */
JsonObject *
assert_problem (Reply *reply, guint status, const char *slug)
{
  JsonObject *obj;
  g_autofree char *type = g_strconcat ("urn:wardbridge:problem:", slug, NULL);

  g_assert_cmpuint (reply->status, ==, status);
  g_assert_cmpstr (soup_message_headers_get_content_type (soup_message_get_response_headers (reply->msg), NULL),
                   ==, "application/problem+json");
  obj = reply_object (reply);
  g_assert_cmpstr (json_object_get_string_member (obj, "type"), ==, type);
  g_assert_cmpint (json_object_get_int_member (obj, "status"), ==, status);
  g_assert_cmpuint (strlen (json_object_get_string_member (obj, "title")), >, 0);
  g_assert_true (json_object_has_member (obj, "detail"));
  g_assert_cmpuint (strlen (json_object_get_string_member (obj, "detail")), >, 0);
  return obj;
}

/* ---- raw sockets, for what SoupSession would never send ------------- */

GSocketConnection *
raw_connect (Fixture *f)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GError) error = NULL;
  GSocketConnection *conn;

  /* The kernel completes the handshake from the listen backlog, so a
   * blocking connect does not need the main loop. */
  conn = g_socket_client_connect_to_host (client, "127.0.0.1", f->port, NULL, &error);
  g_assert_no_error (error);
  return conn;
}

void
raw_write (GSocketConnection *conn, const char *data, gsize len)
{
  g_autoptr (GError) error = NULL;

  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), data, len, NULL, NULL, &error);
  g_assert_no_error (error);
}

typedef struct {
  GString *data;
  gboolean eof;
  gboolean failed;
  const char *until;       /* stop once this appears; NULL: at EOF */
  gboolean done;
} RawRead;

static void raw_read_more (GInputStream *in, RawRead *r);

static void
on_raw_read (GObject *source, GAsyncResult *result, gpointer data)
{
  RawRead *r = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);

  if (bytes == NULL) {
    /* A reset after the answer counts as the end. */
    r->failed = TRUE;
    r->done = TRUE;
    return;
  }
  if (g_bytes_get_size (bytes) == 0) {
    r->eof = TRUE;
    r->done = TRUE;
    return;
  }
  g_string_append_len (r->data, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  if (r->until != NULL && strstr (r->data->str, r->until) != NULL) {
    r->done = TRUE;
    return;
  }
  raw_read_more (G_INPUT_STREAM (source), r);
}

static void
raw_read_more (GInputStream *in, RawRead *r)
{
  g_input_stream_read_bytes_async (in, 4096, G_PRIORITY_DEFAULT, NULL, on_raw_read, r);
}

/* Reads until EOF (or @until) while the main loop serves the request. */
GString *
raw_read (GSocketConnection *conn, const char *until, gboolean *eof)
{
  RawRead r = { g_string_new (NULL), FALSE, FALSE, until, FALSE };

  raw_read_more (g_io_stream_get_input_stream (G_IO_STREAM (conn)), &r);
  wait_for (&r.done);
  if (eof != NULL)
    *eof = r.eof || r.failed;
  return r.data;
}

char *
raw_body (GString *response)
{
  const char *body = strstr (response->str, "\r\n\r\n");

  g_assert_nonnull (body);
  return g_strdup (body + 4);
}

void
drain_main_context (void)
{
  for (guint i = 0; i < 50 && g_main_context_iteration (NULL, FALSE); i++)
    ;
}

/* ---- state checks ---------------------------------------------------- */

guint
count_bookings (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) list = wb_booking_service_list (f->bookings, G_MININT64, G_MAXINT64,
                                                        WB_BOOKING_STATUS_MASK_ALL, &error);
  g_assert_no_error (error);
  return list->len;
}

guint
count_audit (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rows = wb_store_list_audit (f->store, 0, 0, 0, 1000, &error);
  g_assert_no_error (error);
  return rows->len;
}

/* "YYYY-MM-DDTHH:00:00+07:00", @days from today at @hour, Hanoi time. */
char *
future_time (guint days, guint hour)
{
  g_autoptr (GTimeZone) tz = g_time_zone_new_offset (7 * 3600);
  g_autoptr (GDateTime) now = g_date_time_new_now (tz);
  g_autoptr (GDateTime) day = g_date_time_add_days (now, days);
  g_autoptr (GDateTime) at = g_date_time_new (tz, g_date_time_get_year (day), g_date_time_get_month (day),
                                              g_date_time_get_day_of_month (day), hour, 0, 0);
  return g_date_time_format (at, "%Y-%m-%dT%H:%M:%S%:z");
}

char *
booking_body (const char *title, guint days, guint from_hour, guint to_hour, const char *endpoints)
{
  g_autofree char *start = future_time (days, from_hour);
  g_autofree char *end = future_time (days, to_hour);

  return g_strdup_printf ("{\"title\":\"%s\",\"start\":\"%s\",\"end\":\"%s\",\"endpoints\":%s}",
                          title, start, end, endpoints);
}


char *
start_conference (Fixture *f, const char *endpoints)
{
  g_autofree char *body = g_strdup_printf ("{\"title\":\"Họp khẩn\",\"endpoints\":%s,\"layout\":\"speaker\"}",
                                           endpoints);
  g_autoptr (Reply) r = http (f, "POST", "/api/v1/conferences", ADMIN, body);
  JsonObject *obj;
  g_autofree char *location = NULL;

  g_assert_cmpuint (r->status, ==, 201);
  obj = reply_object (r);
  location = g_strdup_printf ("/api/v1/conferences/%s", json_object_get_string_member (obj, "id"));
  g_assert_cmpstr (reply_header (r, "Location"), ==, location);
  g_assert_cmpstr (json_object_get_string_member (obj, "title"), ==, "Họp khẩn");
  g_assert_cmpstr (json_object_get_string_member (obj, "layout"), ==, "speaker");
  g_assert_cmpstr (json_object_get_string_member (obj, "state"), ==, "running");
  return g_strdup (json_object_get_string_member (obj, "id"));
}


/* ---- SSE -------------------------------------------------------------- */

static void stream_read_more (Stream *s);

static void
on_stream_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Stream *s = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);

  if (bytes == NULL || g_bytes_get_size (bytes) == 0) {
    s->ended = TRUE;
    return;
  }
  g_string_append_len (s->data, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  stream_read_more (s);
}

static void
stream_read_more (Stream *s)
{
  g_input_stream_read_bytes_async (s->stream, 4096, G_PRIORITY_DEFAULT, s->cancellable, on_stream_read, s);
}

typedef struct {
  Stream *s;
  gboolean done;
} StreamOpen;

static void
on_stream_sent (GObject *source, GAsyncResult *result, gpointer user_data)
{
  StreamOpen *o = user_data;
  g_autoptr (GError) error = NULL;

  o->s->stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  g_assert_no_error (error);
  o->done = TRUE;
}

Stream *
stream_open (Fixture *f, const char *token, const char *last_event_id)
{
  g_autofree char *uri = g_strdup_printf ("http://127.0.0.1:%u/api/v1/events", f->port);
  g_autofree char *auth = g_strdup_printf ("Bearer %s", token);
  Stream *s = g_new0 (Stream, 1);
  StreamOpen o = { s, FALSE };

  s->msg = soup_message_new ("GET", uri);
  s->cancellable = g_cancellable_new ();
  s->data = g_string_new (NULL);
  soup_message_headers_replace (soup_message_get_request_headers (s->msg), "Authorization", auth);
  if (last_event_id != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (s->msg), "Last-Event-ID", last_event_id);
  soup_session_send_async (f->session, s->msg, G_PRIORITY_DEFAULT, s->cancellable, on_stream_sent, &o);
  wait_for (&o.done);
  g_assert_cmpuint (soup_message_get_status (s->msg), ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (soup_message_get_response_headers (s->msg), NULL),
                   ==, "text/event-stream");
  stream_read_more (s);
  return s;
}

void
stream_wait_for (Stream *s, const char *text)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (WAIT_LIMIT_S, wait_timed_out, &timed_out);

  while (strstr (s->data->str, text) == NULL && !s->ended && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  g_assert_nonnull (strstr (s->data->str, text));
}

void
stream_close (Stream *s)
{
  g_cancellable_cancel (s->cancellable);
  while (!s->ended)
    g_main_context_iteration (NULL, TRUE);
  g_input_stream_close (s->stream, NULL, NULL);
  g_object_unref (s->stream);
  g_object_unref (s->msg);
  g_object_unref (s->cancellable);
  g_string_free (s->data, TRUE);
  g_free (s);
}

guint
count_occurrences (const char *haystack, const char *needle)
{
  guint n = 0;

  for (const char *p = strstr (haystack, needle); p != NULL; p = strstr (p + 1, needle))
    n++;
  return n;
}

