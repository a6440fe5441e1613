/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The HTTP API end to end: a real WbApi on 127.0.0.1 (port 0) with a
 * config built here, a real SQLite store in a temporary directory, the
 * real booking service, and a fake conference control; driven by a
 * SoupSession and, for what a well-behaved client never sends, by raw
 * sockets.
 */
#include <string.h>

#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "api/wb-api-private.h"
#include "control/wb-booking-service.h"
#include "store/wb-store.h"
#include "wb-fake-conferences.h"

#define ADMIN "admin-token-one"
#define ADMIN2 "admin-token-two"
#define SCHED "sched-token-one"
#define WARD1 "ward-01-secret"
#define WARD2 "ward-02-secret"
#define WARD3 "ward-03-secret"
#define MAX_BODY 1024
/* Guard against hangs: no single wait in these tests may take this long. */
#define WAIT_LIMIT_S 30

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

typedef struct {
  char *dir;
  WbConfig *config;
  WbEventBus *bus;
  WbEndpointRegistry *registry;
  WbStore *store;
  WbClock *clock;
  WbBookingService *bookings;
  WbFakeConferences *conferences;
  WbApi *api;
  SoupSession *session;
  guint port;
} Fixture;

static WbConfig *
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

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("wb-api-XXXXXX", &error);
  g_assert_no_error (error);
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
}

static void
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

typedef struct {
  SoupMessage *msg;
  guint status;
  GBytes *body;
  char *text;              /* body as a string */
  JsonNode *json;          /* parsed when JSON or problem+json */
  GError *error;
} Reply;

static void
reply_free (Reply *reply)
{
  g_clear_object (&reply->msg);
  g_clear_pointer (&reply->body, g_bytes_unref);
  g_free (reply->text);
  g_clear_pointer (&reply->json, json_node_unref);
  g_clear_error (&reply->error);
  g_free (reply);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Reply, reply_free)

static gboolean
wait_timed_out (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the main context until *@done, failing the test after
 * WAIT_LIMIT_S. */
static void
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

static void
on_sent (GObject *source, GAsyncResult *result, gpointer data)
{
  Pending *p = data;

  p->reply->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &p->reply->error);
  p->done = TRUE;
}

static Reply *
http_full (Fixture *f, const char *method, const char *path, const char *token,
           const char *content_type, const char *body, const char *const *headers)
{
  g_autofree char *uri = g_strdup_printf ("http://127.0.0.1:%u%s", f->port, path);
  Reply *reply = g_new0 (Reply, 1);
  Pending p = { reply, FALSE };
  SoupMessageHeaders *req;
  const char *type;

  reply->msg = soup_message_new (method, uri);
  g_assert_nonnull (reply->msg);
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

static Reply *
http (Fixture *f, const char *method, const char *path, const char *token, const char *json_body)
{
  return http_full (f, method, path, token, json_body != NULL ? "application/json" : NULL, json_body, NULL);
}

static JsonObject *
reply_object (Reply *reply)
{
  g_assert_nonnull (reply->json);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (reply->json));
  return json_node_get_object (reply->json);
}

static JsonArray *
reply_array (Reply *reply)
{
  g_assert_nonnull (reply->json);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (reply->json));
  return json_node_get_array (reply->json);
}

static const char *
reply_header (Reply *reply, const char *name)
{
  return soup_message_headers_get_one (soup_message_get_response_headers (reply->msg), name);
}

/* Checks an RFC 9457 problem answer and returns its object. */
static JsonObject *
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

static GSocketConnection *
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

static void
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
static GString *
raw_read (GSocketConnection *conn, const char *until, gboolean *eof)
{
  RawRead r = { g_string_new (NULL), FALSE, FALSE, until, FALSE };

  raw_read_more (g_io_stream_get_input_stream (G_IO_STREAM (conn)), &r);
  wait_for (&r.done);
  if (eof != NULL)
    *eof = r.eof || r.failed;
  return r.data;
}

static char *
raw_body (GString *response)
{
  const char *body = strstr (response->str, "\r\n\r\n");

  g_assert_nonnull (body);
  return g_strdup (body + 4);
}

static void
drain_main_context (void)
{
  for (guint i = 0; i < 50 && g_main_context_iteration (NULL, FALSE); i++)
    ;
}

/* ---- state checks ---------------------------------------------------- */

static guint
count_bookings (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) list = wb_booking_service_list (f->bookings, G_MININT64, G_MAXINT64,
                                                        WB_BOOKING_STATUS_MASK_ALL, &error);
  g_assert_no_error (error);
  return list->len;
}

static guint
count_audit (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rows = wb_store_list_audit (f->store, 0, 0, 0, 1000, &error);
  g_assert_no_error (error);
  return rows->len;
}

/* "YYYY-MM-DDTHH:00:00+07:00", @days from today at @hour, Hanoi time. */
static char *
future_time (guint days, guint hour)
{
  g_autoptr (GTimeZone) tz = g_time_zone_new_offset (7 * 3600);
  g_autoptr (GDateTime) now = g_date_time_new_now (tz);
  g_autoptr (GDateTime) day = g_date_time_add_days (now, days);
  g_autoptr (GDateTime) at = g_date_time_new (tz, g_date_time_get_year (day), g_date_time_get_month (day),
                                              g_date_time_get_day_of_month (day), hour, 0, 0);
  return g_date_time_format (at, "%Y-%m-%dT%H:%M:%S%:z");
}

static char *
booking_body (const char *title, guint days, guint from_hour, guint to_hour, const char *endpoints)
{
  g_autofree char *start = future_time (days, from_hour);
  g_autofree char *end = future_time (days, to_hour);

  return g_strdup_printf ("{\"title\":\"%s\",\"start\":\"%s\",\"end\":\"%s\",\"endpoints\":%s}",
                          title, start, end, endpoints);
}

/* ==== tests ============================================================ */

static void
test_health_and_openapi (Fixture *f, gconstpointer data)
{
  g_autoptr (Reply) health = http (f, "GET", "/healthz", NULL, NULL);
  g_autoptr (Reply) doc = http (f, "GET", "/api/v1/openapi.json", NULL, NULL);
  static const char *const contract[][2] = {
    { "/healthz", "get" }, { "/metrics", "get" }, { "/api/v1/openapi.json", "get" },
    { "/api/v1/endpoints", "get" }, { "/api/v1/endpoints/{id}", "get" },
    { "/api/v1/endpoints/{id}/join", "post" }, { "/api/v1/endpoints/{id}/leave", "post" },
    { "/api/v1/conferences", "get" }, { "/api/v1/conferences", "post" },
    { "/api/v1/conferences/{id}", "get" }, { "/api/v1/conferences/{id}", "patch" },
    { "/api/v1/conferences/{id}/end", "post" },
    { "/api/v1/conferences/{id}/participants/{ep}/mute", "post" },
    { "/api/v1/conferences/{id}/participants/{ep}/unmute", "post" },
    { "/api/v1/conferences/{id}/snapshot.jpg", "get" }, { "/api/v1/conferences/{id}/attendance", "get" },
    { "/api/v1/bookings", "post" }, { "/api/v1/bookings", "get" },
    { "/api/v1/bookings/{id}", "get" }, { "/api/v1/bookings/{id}", "patch" },
    { "/api/v1/bookings/{id}", "delete" }, { "/api/v1/bookings.ics", "get" },
    { "/api/v1/events", "get" }, { "/api/v1/audit", "get" },
  };
  JsonObject *paths;
  WbRouter *router = wb_api_get_router (f->api);

  g_assert_cmpuint (health->status, ==, 200);
  g_assert_cmpstr (health->text, ==, "{\"status\":\"ok\"}");
  g_assert_cmpstr (reply_header (health, "Connection"), ==, "close");

  g_assert_cmpuint (doc->status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (reply_object (doc), "openapi"), ==, "3.0.3");
  paths = json_object_get_object_member (reply_object (doc), "paths");
  for (guint i = 0; i < G_N_ELEMENTS (contract); i++) {
    JsonObject *item = json_object_get_object_member (paths, contract[i][0]);
    g_assert_nonnull (item);
    g_assert_true (json_object_has_member (item, contract[i][1]));
  }
  /* ... and every route the server has is in the document, and back. */
  g_assert_cmpuint (wb_router_get_n_routes (router), ==, G_N_ELEMENTS (contract));
  for (guint i = 0; i < wb_router_get_n_routes (router); i++) {
    const WbRoute *route = wb_router_get_route (router, i);
    g_autofree char *method = g_ascii_strdown (route->method, -1);
    JsonObject *item = json_object_get_object_member (paths, route->pattern);

    g_assert_nonnull (item);
    g_assert_true (json_object_has_member (item, method));
  }
}

/* Statuses per caller: no token, admin, scheduler, ward-01's own token,
 * ward-02's token (on ward-01's resources). */
typedef struct {
  const char *method;
  const char *path;
  const char *body;
  guint expect[5];
} MatrixRow;

static const MatrixRow matrix[] = {
  { "GET", "/healthz", NULL, { 200, 200, 200, 200, 200 } },
  { "GET", "/metrics", NULL, { 200, 200, 200, 200, 200 } },
  { "GET", "/api/v1/openapi.json", NULL, { 200, 200, 200, 200, 200 } },
  { "GET", "/api/v1/endpoints", NULL, { 401, 200, 200, 403, 403 } },
  { "GET", "/api/v1/endpoints/ward-01", NULL, { 401, 200, 200, 200, 403 } },
  { "POST", "/api/v1/endpoints/ward-01/join", "{\"audio_port\":5004,\"video_port\":5006}", { 401, 409, 403, 409, 403 } },
  { "POST", "/api/v1/endpoints/ward-01/leave", NULL, { 401, 409, 403, 409, 403 } },
  { "GET", "/api/v1/conferences", NULL, { 401, 200, 200, 403, 403 } },
  { "POST", "/api/v1/conferences", "{\"title\":\"x\",\"endpoints\":[\"ward-99\"]}", { 401, 422, 403, 403, 403 } },
  { "GET", "/api/v1/conferences/none", NULL, { 401, 404, 404, 403, 403 } },
  { "PATCH", "/api/v1/conferences/none", "{\"layout\":\"grid\"}", { 401, 404, 403, 403, 403 } },
  { "POST", "/api/v1/conferences/none/end", NULL, { 401, 404, 403, 403, 403 } },
  { "POST", "/api/v1/conferences/none/participants/ward-01/mute", NULL, { 401, 404, 403, 404, 403 } },
  { "POST", "/api/v1/conferences/none/participants/ward-01/unmute", NULL, { 401, 404, 403, 404, 403 } },
  { "GET", "/api/v1/conferences/none/snapshot.jpg", NULL, { 401, 404, 403, 403, 403 } },
  { "GET", "/api/v1/conferences/none/attendance", NULL, { 401, 404, 404, 403, 403 } },
  { "POST", "/api/v1/bookings", "{\"title\":\"\"}", { 401, 422, 422, 403, 403 } },
  { "GET", "/api/v1/bookings", NULL, { 401, 200, 200, 403, 403 } },
  { "GET", "/api/v1/bookings/none", NULL, { 401, 404, 404, 403, 403 } },
  { "PATCH", "/api/v1/bookings/none", "{\"title\":\"y\"}", { 401, 404, 404, 403, 403 } },
  { "DELETE", "/api/v1/bookings/none", NULL, { 401, 404, 404, 403, 403 } },
  { "GET", "/api/v1/bookings.ics", NULL, { 401, 200, 200, 403, 403 } },
  { "GET", "/api/v1/audit", NULL, { 401, 200, 403, 403, 403 } },
};

static void
test_role_matrix (Fixture *f, gconstpointer data)
{
  const char *tokens[] = { NULL, ADMIN, SCHED, WARD1, WARD2 };

  for (guint i = 0; i < G_N_ELEMENTS (matrix); i++) {
    for (guint t = 0; t < G_N_ELEMENTS (tokens); t++) {
      g_autoptr (Reply) reply = http (f, matrix[i].method, matrix[i].path, tokens[t], matrix[i].body);

      if (reply->status != matrix[i].expect[t])
        g_printerr ("%s %s as %s: %u %s\n", matrix[i].method, matrix[i].path,
                    tokens[t] != NULL ? tokens[t] : "(none)", reply->status, reply->text);
      g_assert_cmpuint (reply->status, ==, matrix[i].expect[t]);
      if (reply->status == 401) {
        assert_problem (reply, 401, "unauthorized");
        g_assert_cmpstr (reply_header (reply, "WWW-Authenticate"), ==, "Bearer realm=\"wardbridge\"");
      } else if (reply->status == 403) {
        assert_problem (reply, 403, "forbidden");
      }
    }
  }
  /* An unknown token is a 401 that says so; so is another scheme. */
  {
    g_autoptr (Reply) reply = http (f, "GET", "/api/v1/endpoints", "not-a-token", NULL);
    assert_problem (reply, 401, "unauthorized");
    g_assert_cmpstr (reply_header (reply, "WWW-Authenticate"), ==,
                     "Bearer realm=\"wardbridge\", error=\"invalid_token\"");
  }
  {
    const char *basic[] = { "Authorization", "Basic YWRtaW46eA==", NULL };
    g_autoptr (Reply) reply = http_full (f, "GET", "/api/v1/endpoints", NULL, NULL, NULL, basic);
    assert_problem (reply, 401, "unauthorized");
  }

  /* Nothing of the above changed state. */
  g_assert_cmpuint (count_bookings (f), ==, 0);
  g_assert_cmpuint (wb_fake_conferences_get_n_changes (f->conferences), ==, 0);
}

static void
test_error_shapes (Fixture *f, gconstpointer data)
{
  guint audit_before = count_audit (f);
  g_autofree char *good = booking_body ("Giao ban", 3, 9, 10, "[\"ward-01\"]");

  {
    g_autoptr (Reply) r = http (f, "GET", "/api/v1/nothing-here", ADMIN, NULL);
    JsonObject *obj = assert_problem (r, 404, "not-found");
    g_assert_cmpstr (json_object_get_string_member (obj, "instance"), ==, "/api/v1/nothing-here");
  }
  {
    g_autoptr (Reply) r = http (f, "DELETE", "/api/v1/endpoints", ADMIN, NULL);
    assert_problem (r, 405, "method-not-allowed");
    g_assert_cmpstr (reply_header (r, "Allow"), ==, "GET, HEAD");
  }
  {
    g_autoptr (Reply) r = http (f, "PUT", "/api/v1/bookings/b1", ADMIN, "{}");
    assert_problem (r, 405, "method-not-allowed");
    g_assert_cmpstr (reply_header (r, "Allow"), ==, "GET, HEAD, PATCH, DELETE");
  }
  {
    g_autoptr (Reply) r = http (f, "POST", "/api/v1/bookings", SCHED, "{\"title\": \"x\",");
    JsonObject *obj = assert_problem (r, 400, "malformed-json");
    g_assert_true (g_str_has_prefix (json_object_get_string_member (obj, "detail"), "the body is not valid JSON"));
  }
  {
    g_autoptr (Reply) r = http (f, "POST", "/api/v1/bookings", SCHED, "[1, 2]");
    assert_problem (r, 400, "malformed-json");
  }
  {
    g_autoptr (Reply) r = http (f, "POST", "/api/v1/bookings", SCHED, NULL);
    assert_problem (r, 400, "malformed-json");
  }
  {
    g_autoptr (Reply) r = http_full (f, "POST", "/api/v1/bookings", SCHED, "text/plain", good, NULL);
    assert_problem (r, 415, "unsupported-media-type");
  }
  {
    /* A charset parameter is fine. */
    g_autoptr (Reply) r = http_full (f, "POST", "/api/v1/bookings", SCHED, "application/json; charset=utf-8",
                                     "{\"title\":\"\"}", NULL);
    JsonObject *obj = assert_problem (r, 422, "invalid-fields");
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (obj, "errors")), >, 0);
  }

  /* None of the refusals made a booking or an audit row (the 422 did
   * write its audit row: it was a control action that was refused). */
  g_assert_cmpuint (count_bookings (f), ==, 0);
  g_assert_cmpuint (count_audit (f), ==, audit_before + 1);
}

static void
test_body_limits (Fixture *f, gconstpointer data)
{
  guint audit_before = count_audit (f);
  g_autofree char *detail = NULL;

  /* Content-Length far over the limit and no body sent: answered at once,
   * from the headers alone. */
  {
    g_autoptr (GSocketConnection) conn = raw_connect (f);
    const char *req = "POST /api/v1/bookings HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " SCHED "\r\n"
                      "Content-Type: application/json\r\nContent-Length: 10000000\r\n\r\n";
    g_autoptr (GString) resp = NULL;
    g_autofree char *body = NULL;
    g_autoptr (JsonParser) parser = json_parser_new ();
    JsonObject *obj;
    gboolean eof = FALSE;

    raw_write (conn, req, strlen (req));
    resp = raw_read (conn, NULL, &eof);
    g_assert_true (eof);
    g_assert_true (g_str_has_prefix (resp->str, "HTTP/1.1 413 "));
    g_assert_nonnull (strstr (resp->str, "Content-Type: application/problem+json\r\n"));
    g_assert_nonnull (strstr (resp->str, "Connection: close\r\n"));
    body = raw_body (resp);
    g_assert_true (json_parser_load_from_data (parser, body, -1, NULL));
    obj = json_node_get_object (json_parser_get_root (parser));
    g_assert_cmpint (json_object_get_int_member (obj, "status"), ==, 413);
    g_assert_cmpstr (json_object_get_string_member (obj, "type"), ==, "urn:wardbridge:problem:body-too-large");
    detail = g_strdup (json_object_get_string_member (obj, "detail"));
    g_assert_cmpstr (detail, ==, "Content-Length 10000000 is over the limit of 1024 bytes");
  }

  /* A chunked body, which announces no length, is cut off once it passes
   * the limit. */
  {
    g_autoptr (GSocketConnection) conn = raw_connect (f);
    g_autoptr (GString) req = g_string_new ("POST /api/v1/bookings HTTP/1.1\r\nHost: x\r\n"
                                            "Authorization: Bearer " SCHED "\r\n"
                                            "Content-Type: application/json\r\n"
                                            "Transfer-Encoding: chunked\r\n\r\n");
    g_autoptr (GString) resp = NULL;
    gboolean eof = FALSE;

    g_string_append_printf (req, "%x\r\n", MAX_BODY + 500);
    for (guint i = 0; i < MAX_BODY + 500; i++)
      g_string_append_c (req, ' ');
    raw_write (conn, req->str, req->len);
    resp = raw_read (conn, NULL, &eof);
    g_assert_true (eof);
    g_assert_true (g_str_has_prefix (resp->str, "HTTP/1.1 413 "));
    g_assert_nonnull (strstr (resp->str, "the body is longer than 1024 bytes"));
  }

  /* A body just within the limit is read and judged on its content. */
  {
    g_autoptr (GString) body = g_string_new ("{\"title\":\"");
    g_autoptr (Reply) r = NULL;

    while (body->len < MAX_BODY - 2)
      g_string_append_c (body, 'x');
    g_string_append (body, "\"}");
    g_assert_cmpuint (body->len, ==, MAX_BODY);
    r = http (f, "POST", "/api/v1/bookings", SCHED, body->str);
    assert_problem (r, 422, "invalid-fields");
  }

  g_assert_cmpuint (count_bookings (f), ==, 0);
  /* The 413s wrote nothing; the 422 did. */
  g_assert_cmpuint (count_audit (f), ==, audit_before + 1);
}

static void
test_rate_limit (Fixture *f, gconstpointer data)
{
  WbApiLimits limits;
  g_autofree char *body = booking_body ("Họp", 2, 8, 9, "[\"ward-02\"]");
  guint audit_before;

  wb_api_get_limits (f->api, &limits);
  limits.requests_per_second = 0.05;    /* one every 20 s */
  limits.request_burst = 3;
  wb_api_set_limits (f->api, &limits);

  for (guint i = 0; i < 3; i++) {
    g_autoptr (Reply) r = http (f, "GET", "/healthz", NULL, NULL);
    g_assert_cmpuint (r->status, ==, 200);
  }
  audit_before = count_audit (f);
  {
    g_autoptr (Reply) r = http (f, "POST", "/api/v1/bookings", SCHED, body);
    JsonObject *obj = assert_problem (r, 429, "rate-limited");
    guint64 retry = g_ascii_strtoull (reply_header (r, "Retry-After"), NULL, 10);

    g_assert_cmpuint (retry, >=, 1);
    g_assert_cmpuint (retry, <=, 20);
    g_assert_nonnull (strstr (json_object_get_string_member (obj, "detail"), "127.0.0.1"));
  }
  {
    g_autoptr (Reply) r = http (f, "GET", "/healthz", NULL, NULL);
    assert_problem (r, 429, "rate-limited");
  }
  /* The refused POST created nothing and wrote no audit row. */
  g_assert_cmpuint (count_bookings (f), ==, 0);
  g_assert_cmpuint (count_audit (f), ==, audit_before);

  /* A generous limit again: the same request goes through. */
  limits.requests_per_second = 1e6;
  limits.request_burst = 1000000;
  wb_api_set_limits (f->api, &limits);
  {
    g_autoptr (Reply) r = http (f, "POST", "/api/v1/bookings", SCHED, body);
    g_assert_cmpuint (r->status, ==, 201);
  }
  g_assert_cmpuint (count_bookings (f), ==, 1);
}

static void
test_connection_limits (Fixture *f, gconstpointer data)
{
  WbApiLimits limits;
  g_autoptr (GSocketConnection) a = NULL;
  g_autoptr (GSocketConnection) b = NULL;
  const char *req = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";

  wb_api_get_limits (f->api, &limits);
  limits.max_connections_per_address = 2;
  limits.idle_timeout_s = 2;
  wb_api_set_limits (f->api, &limits);

  a = raw_connect (f);
  b = raw_connect (f);
  drain_main_context ();

  /* A third connection from the same address is closed at once. */
  {
    g_autoptr (GSocketConnection) c = raw_connect (f);
    gboolean eof = FALSE;
    g_autoptr (GString) resp = NULL;

    raw_write (c, req, strlen (req));
    resp = raw_read (c, NULL, &eof);
    g_assert_true (eof);
    g_assert_cmpuint (resp->len, ==, 0);
  }

  /* The two admitted ones are served. */
  {
    gboolean eof = FALSE;
    g_autoptr (GString) resp = NULL;

    raw_write (a, req, strlen (req));
    resp = raw_read (a, NULL, &eof);
    g_assert_true (g_str_has_prefix (resp->str, "HTTP/1.1 200 "));
    g_assert_true (g_str_has_suffix (resp->str, "{\"status\":\"ok\"}"));
  }

  /* b sends nothing: the idle timeout closes it. */
  {
    gboolean eof = FALSE;
    gint64 start = g_get_monotonic_time ();
    g_autoptr (GString) resp = raw_read (b, NULL, &eof);
    gint64 waited_ms = (g_get_monotonic_time () - start) / 1000;

    g_assert_true (eof);
    g_assert_cmpuint (resp->len, ==, 0);
    g_assert_cmpint (waited_ms, >=, 1000);
    g_assert_cmpint (waited_ms, <, WAIT_LIMIT_S * 1000);
  }

  /* Both slots are free again. */
  g_io_stream_close (G_IO_STREAM (a), NULL, NULL);
  g_io_stream_close (G_IO_STREAM (b), NULL, NULL);
  drain_main_context ();
  {
    g_autoptr (Reply) r1 = http (f, "GET", "/healthz", NULL, NULL);
    g_autoptr (Reply) r2 = http (f, "GET", "/metrics", NULL, NULL);
    g_assert_cmpuint (r1->status, ==, 200);
    g_assert_cmpuint (r2->status, ==, 200);
    g_assert_nonnull (strstr (r2->text, "\nwardbridge_http_connections_refused_total 1\n"));
  }
}

static void
test_endpoints (Fixture *f, gconstpointer data)
{
  WbEndpointStats stats = { 2.5, 18.0, 950.0, 1480.0, 12 };
  JsonArray *list;
  JsonObject *one;

  g_assert_true (wb_endpoint_registry_set_state (f->registry, "ward-02", WB_ENDPOINT_STATE_IDLE, NULL, NULL));
  g_assert_true (wb_endpoint_registry_update_stats (f->registry, "ward-02", &stats, NULL));

  {
    g_autoptr (Reply) r = http (f, "GET", "/api/v1/endpoints", SCHED, NULL);
    g_assert_cmpuint (r->status, ==, 200);
    list = reply_array (r);
    g_assert_cmpuint (json_array_get_length (list), ==, 4);
    one = json_array_get_object_element (list, 1);
    g_assert_cmpstr (json_object_get_string_member (one, "id"), ==, "ward-02");
    g_assert_cmpstr (json_object_get_string_member (one, "name"), ==, "Phường Chùa Hang");
    g_assert_cmpstr (json_object_get_string_member (one, "state"), ==, "idle");
    g_assert_cmpfloat (json_object_get_double_member (json_object_get_object_member (one, "stats"), "loss_pct"),
                       ==, 2.5);
    one = json_array_get_object_element (list, 3);
    g_assert_cmpstr (json_object_get_string_member (one, "kind"), ==, "xa");
    g_assert_cmpstr (json_object_get_string_member (one, "mode"), ==, "static");
    g_assert_cmpstr (json_object_get_string_member (one, "state"), ==, "offline");
  }
  {
    g_autoptr (Reply) r = http (f, "GET", "/api/v1/endpoints/ward-02", WARD2, NULL);
    g_assert_cmpuint (r->status, ==, 200);
    one = reply_object (r);
    g_assert_cmpstr (json_object_get_string_member (one, "id"), ==, "ward-02");
    g_assert_cmpfloat (json_object_get_double_member (json_object_get_object_member (one, "stats"), "tx_kbps"),
                       ==, 1480.0);
  }
  {
    g_autoptr (Reply) r = http (f, "GET", "/api/v1/endpoints/ward-77", ADMIN, NULL);
    assert_problem (r, 404, "not-found");
  }
  {
    /* An endpoint asking about an unknown ward is refused, not told. */
    g_autoptr (Reply) r = http (f, "GET", "/api/v1/endpoints/ward-77", WARD2, NULL);
    assert_problem (r, 403, "forbidden");
  }
}

static char *
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

static void
test_join_leave (Fixture *f, gconstpointer data)
{
  g_autofree char *conf = NULL;
  JsonObject *obj;

  {
    g_autoptr (Reply) r = http (f, "POST", "/api/v1/endpoints/ward-01/join", WARD1,
                                "{\"audio_port\":5004,\"video_port\":5006}");
    assert_problem (r, 409, "no-conference");
  }
  {
    g_autoptr (Reply) r = http (f, "POST", "/api/v1/endpoints/ward-01/join", WARD1,
                                "{\"audio_port\":5005,\"video_port\":\"x\",\"extra\":true}");
    JsonArray *errors;

    obj = assert_problem (r, 422, "invalid-fields");
    errors = json_object_get_array_member (obj, "errors");
    g_assert_cmpuint (json_array_get_length (errors), ==, 2);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (errors, 0), "pointer"),
                     ==, "/video_port");
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (errors, 1), "pointer"),
                     ==, "/extra");
  }
  {
    g_autoptr (Reply) r = http (f, "POST", "/api/v1/endpoints/ward-01/join", WARD1,
                                "{\"audio_port\":5005,\"video_port\":5006}");
    obj = assert_problem (r, 422, "invalid-fields");
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (
                       json_object_get_array_member (obj, "errors"), 0), "message"),
                     ==, "must be even; RTCP uses the next port");
  }
  g_assert_cmpuint (wb_fake_conferences_get_n_changes (f->conferences), ==, 0);

  conf = start_conference (f, "[\"ward-03\",\"ward-01\"]");
  g_assert_cmpstr (wb_fake_conferences_last_actor (f->conferences), ==, "admin#1");
  g_assert_cmpint (wb_endpoint_registry_lookup (f->registry, "ward-01")->state, ==, WB_ENDPOINT_STATE_INVITED);

  {
    g_autoptr (Reply) r = http (f, "POST", "/api/v1/endpoints/ward-01/join", WARD1,
                                "{\"audio_port\":5004,\"video_port\":5006}");
    JsonObject *hub, *audio, *video;
    const char *sdp;

    g_assert_cmpuint (r->status, ==, 200);
    obj = reply_object (r);
    g_assert_cmpstr (json_object_get_string_member (obj, "conference"), ==, conf);
    hub = json_object_get_object_member (obj, "hub");
    g_assert_cmpstr (json_object_get_string_member (hub, "host"), ==, "127.0.0.1");
    /* ward-01 is the first participant (sorted ids) → the fake's first ports. */
    g_assert_cmpint (json_object_get_int_member (hub, "audio_port"), ==, 40000);
    g_assert_cmpint (json_object_get_int_member (hub, "video_port"), ==, 40002);
    audio = json_object_get_object_member (obj, "audio");
    g_assert_cmpstr (json_object_get_string_member (audio, "codec"), ==, "opus");
    g_assert_cmpint (json_object_get_int_member (audio, "payload_type"), ==, 111);
    g_assert_cmpint (json_object_get_int_member (audio, "clock_rate"), ==, 48000);
    video = json_object_get_object_member (obj, "video");
    g_assert_cmpstr (json_object_get_string_member (video, "codec"), ==, "h264");
    g_assert_cmpint (json_object_get_int_member (video, "payload_type"), ==, 96);
    g_assert_true (json_object_get_null_member (obj, "srtp"));
    sdp = json_object_get_string_member (obj, "sdp");
    g_assert_true (g_str_has_prefix (sdp, "v=0\r\n"));
    g_assert_nonnull (strstr (sdp, "\r\nc=IN IP4 127.0.0.1\r\n"));
    g_assert_nonnull (strstr (sdp, "\r\nm=audio 5004 RTP/AVP 111\r\n"));
    g_assert_nonnull (strstr (sdp, "\r\na=rtpmap:111 opus/48000/2\r\n"));
    g_assert_nonnull (strstr (sdp, "\r\nm=video 5006 RTP/AVP 96\r\n"));
    g_assert_nonnull (strstr (sdp, "\r\na=rtpmap:96 H264/90000\r\n"));
    g_assert_nonnull (strstr (sdp, "\r\na=fmtp:96 packetization-mode=1;profile-level-id=42e01f\r\n"));
    g_assert_null (strstr (sdp, "a=crypto"));
  }
  g_assert_cmpstr (wb_fake_conferences_last_join_address (f->conferences), ==, "127.0.0.1");
  g_assert_cmpuint (wb_fake_conferences_last_join_audio_port (f->conferences), ==, 5004);
  g_assert_cmpuint (wb_fake_conferences_last_join_video_port (f->conferences), ==, 5006);
  g_assert_cmpint (wb_endpoint_registry_lookup (f->registry, "ward-01")->state, ==, WB_ENDPOINT_STATE_JOINING);
  g_assert_cmpint (wb_endpoint_registry_lookup (f->registry, "ward-01")->last_seen_us, >, 0);

  /* ward-03: G.711 A-law, VP8 and SRTP from its configuration. */
  {
    g_autoptr (Reply) r = http (f, "POST", "/api/v1/endpoints/ward-03/join", ADMIN,
                                "{\"audio_port\":6000,\"video_port\":6002}");
    JsonObject *srtp;
    const char *sdp;

    g_assert_cmpuint (r->status, ==, 200);
    obj = reply_object (r);
    g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (obj, "hub"), "audio_port"),
                     ==, 40004);
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (obj, "audio"), "codec"),
                     ==, "pcma");
    g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (obj, "audio"), "payload_type"),
                     ==, 8);
    g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (obj, "video"), "payload_type"),
                     ==, 97);
    srtp = json_object_get_object_member (obj, "srtp");
    g_assert_cmpstr (json_object_get_string_member (srtp, "suite"), ==, "AES_CM_128_HMAC_SHA1_80");
    g_assert_cmpstr (json_object_get_string_member (srtp, "key"), ==, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd");
    sdp = json_object_get_string_member (obj, "sdp");
    g_assert_nonnull (strstr (sdp, "\r\nm=audio 6000 RTP/SAVP 8\r\n"));
    g_assert_nonnull (strstr (sdp, "\r\na=rtpmap:8 PCMA/8000\r\n"));
    g_assert_nonnull (strstr (sdp, "\r\na=rtpmap:97 VP8/90000\r\n"));
    g_assert_nonnull (strstr (sdp, "\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd\r\n"));
  }

  {
    g_autoptr (Reply) r = http (f, "POST", "/api/v1/endpoints/ward-01/leave", WARD1, NULL);
    g_assert_cmpuint (r->status, ==, 204);
    g_assert_cmpuint (g_bytes_get_size (r->body), ==, 0);
  }
  g_assert_cmpint (wb_endpoint_registry_lookup (f->registry, "ward-01")->state, ==, WB_ENDPOINT_STATE_IDLE);
  {
    g_autoptr (Reply) r = http (f, "POST", "/api/v1/endpoints/ward-01/leave", WARD1, NULL);
    assert_problem (r, 409, "no-conference");
  }

  /* Who did what is in the audit log, under the token's identity. */
  {
    g_autoptr (Reply) r = http (f, "GET", "/api/v1/audit", ADMIN, NULL);
    JsonArray *rows = reply_array (r);
    guint joins_ok = 0, starts = 0;

    for (guint i = 0; i < json_array_get_length (rows); i++) {
      JsonObject *row = json_array_get_object_element (rows, i);
      const char *action = json_object_get_string_member (row, "action");

      if (g_str_equal (action, "endpoint.join") && json_object_get_int_member (row, "status") == 200) {
        joins_ok++;
        if (g_str_equal (json_object_get_string_member (row, "target"), "endpoint/ward-01")) {
          g_assert_cmpstr (json_object_get_string_member (row, "actor"), ==, "endpoint:ward-01");
          g_assert_cmpstr (json_object_get_string_member (row, "role"), ==, "endpoint");
        } else {
          g_assert_cmpstr (json_object_get_string_member (row, "actor"), ==, "admin#1");
        }
      }
      if (g_str_equal (action, "conference.start"))
        starts++;
      {
        g_autofree char *text = json_to_string (json_array_get_element (rows, i), FALSE);
        g_assert_null (strstr (text, "secret"));
      }
    }
    g_assert_cmpuint (joins_ok, ==, 2);
    g_assert_cmpuint (starts, ==, 1);
  }
}

static void
test_conferences (Fixture *f, gconstpointer data)
{
  g_autofree char *conf = start_conference (f, "[\"ward-02\",\"ward-01\"]");
  g_autofree char *path = g_strdup_printf ("/api/v1/conferences/%s", conf);
  g_autofree char *mute1 = g_strdup_printf ("%s/participants/ward-01/mute", path);
  g_autofree char *unmute1 = g_strdup_printf ("%s/participants/ward-01/unmute", path);
  g_autofree char *mute3 = g_strdup_printf ("%s/participants/ward-03/mute", path);
  g_autofree char *snap = g_strdup_printf ("%s/snapshot.jpg", path);
  g_autofree char *end = g_strdup_printf ("%s/end", path);
  JsonObject *obj;

  {
    g_autoptr (Reply) r = http (f, "POST", "/api/v1/conferences", ADMIN, "{\"title\":\"x\",\"endpoints\":\"all\"}");
    assert_problem (r, 409, "endpoint-busy");
  }
  {
    g_autoptr (Reply) r = http (f, "POST", "/api/v1/conferences", ADMIN,
                                "{\"title\":\"x\",\"endpoints\":[\"ward-03\",\"ward-03\",\"ward-77\"],"
                                "\"layout\":\"mosaic\",\"record\":1}");
    JsonArray *errors;

    obj = assert_problem (r, 422, "invalid-fields");
    errors = json_object_get_array_member (obj, "errors");
    g_assert_cmpuint (json_array_get_length (errors), ==, 1);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (errors, 0), "field"),
                     ==, "record");
  }
  {
    g_autoptr (Reply) r = http (f, "POST", "/api/v1/conferences", ADMIN,
                                "{\"title\":\"x\",\"endpoints\":[\"ward-03\",\"ward-03\",\"ward-77\"],"
                                "\"layout\":\"mosaic\"}");
    JsonArray *errors;

    obj = assert_problem (r, 422, "invalid-fields");
    errors = json_object_get_array_member (obj, "errors");
    g_assert_cmpuint (json_array_get_length (errors), ==, 3);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (errors, 0), "pointer"),
                     ==, "/endpoints/1");
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (errors, 1), "pointer"),
                     ==, "/endpoints/2");
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (errors, 2), "pointer"),
                     ==, "/layout");
  }

  {
    g_autoptr (Reply) r = http (f, "GET", "/api/v1/conferences", SCHED, NULL);
    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpuint (json_array_get_length (reply_array (r)), ==, 1);
  }
  {
    g_autoptr (Reply) r = http (f, "GET", path, SCHED, NULL);
    JsonArray *participants;

    g_assert_cmpuint (r->status, ==, 200);
    obj = reply_object (r);
    participants = json_object_get_array_member (obj, "participants");
    g_assert_cmpuint (json_array_get_length (participants), ==, 2);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (participants, 0), "endpoint"),
                     ==, "ward-01");
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (participants, 0), "state"),
                     ==, "invited");
    g_assert_true (json_object_get_null_member (obj, "booking"));
  }

  {
    g_autoptr (Reply) r = http (f, "PATCH", path, ADMIN, "{\"layout\":\"presenter\",\"presenter\":\"ward-02\"}");
    g_assert_cmpuint (r->status, ==, 200);
    obj = reply_object (r);
    g_assert_cmpstr (json_object_get_string_member (obj, "layout"), ==, "presenter");
    g_assert_cmpstr (json_object_get_string_member (obj, "presenter"), ==, "ward-02");
  }
  {
    g_autoptr (Reply) r = http (f, "PATCH", path, ADMIN, "{\"presenter\":\"ward-03\"}");
    assert_problem (r, 422, "invalid-fields");
  }
  {
    g_autoptr (Reply) r = http (f, "PATCH", path, ADMIN, "{}");
    obj = assert_problem (r, 422, "invalid-fields");
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (
                       json_object_get_array_member (obj, "errors"), 0), "pointer"), ==, "");
  }
  {
    g_autoptr (Reply) r = http (f, "PATCH", path, ADMIN, "{\"presenter\":null,\"title\":\"Họp giao ban\"}");
    g_assert_cmpuint (r->status, ==, 200);
    obj = reply_object (r);
    g_assert_true (json_object_get_null_member (obj, "presenter"));
    g_assert_cmpstr (json_object_get_string_member (obj, "title"), ==, "Họp giao ban");
  }

  {
    g_autoptr (Reply) r = http (f, "POST", mute1, WARD1, NULL);
    g_assert_cmpuint (r->status, ==, 204);
  }
  g_assert_true (wb_fake_conferences_is_muted (f->conferences, conf, "ward-01"));
  {
    g_autoptr (Reply) r = http (f, "POST", unmute1, WARD2, NULL);
    assert_problem (r, 403, "forbidden");
  }
  g_assert_true (wb_fake_conferences_is_muted (f->conferences, conf, "ward-01"));
  {
    g_autoptr (Reply) r = http (f, "POST", unmute1, ADMIN, NULL);
    g_assert_cmpuint (r->status, ==, 204);
  }
  g_assert_false (wb_fake_conferences_is_muted (f->conferences, conf, "ward-01"));
  {
    g_autoptr (Reply) r = http (f, "POST", mute3, ADMIN, NULL);
    assert_problem (r, 404, "not-a-participant");
  }

  {
    g_autoptr (Reply) r = http (f, "GET", snap, ADMIN, NULL);
    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpstr (soup_message_headers_get_content_type (soup_message_get_response_headers (r->msg), NULL),
                     ==, "image/jpeg");
    g_assert_cmpmem (g_bytes_get_data (r->body, NULL), g_bytes_get_size (r->body), wb_fake_jpeg, wb_fake_jpeg_len);
  }
  {
    g_autoptr (Reply) r = http (f, "GET", "/api/v1/conferences/conf-404/snapshot.jpg", ADMIN, NULL);
    assert_problem (r, 404, "not-found");
  }

  {
    g_autoptr (Reply) r = http (f, "POST", end, ADMIN, NULL);
    g_assert_cmpuint (r->status, ==, 200);
    obj = reply_object (r);
    g_assert_cmpstr (json_object_get_string_member (obj, "state"), ==, "ended");
    g_assert_false (json_object_get_null_member (obj, "ended"));
  }
  {
    g_autoptr (Reply) r = http (f, "GET", path, ADMIN, NULL);
    assert_problem (r, 404, "not-found");
  }
  {
    g_autoptr (Reply) r = http (f, "GET", "/api/v1/conferences", ADMIN, NULL);
    g_assert_cmpuint (json_array_get_length (reply_array (r)), ==, 0);
  }
  g_assert_cmpint (wb_endpoint_registry_lookup (f->registry, "ward-02")->state, ==, WB_ENDPOINT_STATE_IDLE);
}

static void
test_attendance (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  gint64 t0 = 1764126000 * G_TIME_SPAN_SECOND;   /* 2025-11-26T03:00:00Z = 10:00 in Hanoi */
  JsonObject *obj;
  JsonArray *rows;

  g_assert_true (wb_store_conference_started (f->store, "conf-old", NULL, "Họp tổng kết", t0, &error));
  g_assert_true (wb_store_attendance_join (f->store, "conf-old", "ward-02", t0 + 60 * G_TIME_SPAN_SECOND, &error));
  g_assert_true (wb_store_attendance_join (f->store, "conf-old", "ward-01", t0, &error));
  g_assert_true (wb_store_attendance_leave (f->store, "conf-old", "ward-01", t0 + 1800 * G_TIME_SPAN_SECOND,
                                            90 * G_TIME_SPAN_SECOND, &error));
  g_assert_true (wb_store_conference_ended (f->store, "conf-old", t0 + 3600 * G_TIME_SPAN_SECOND, &error));
  g_assert_no_error (error);

  {
    g_autoptr (Reply) r = http (f, "GET", "/api/v1/conferences/conf-old/attendance", SCHED, NULL);
    JsonObject *row;

    g_assert_cmpuint (r->status, ==, 200);
    obj = reply_object (r);
    g_assert_cmpstr (json_object_get_string_member (obj, "title"), ==, "Họp tổng kết");
    g_assert_cmpstr (json_object_get_string_member (obj, "started"), ==, "2025-11-26T10:00:00+07:00");
    g_assert_cmpstr (json_object_get_string_member (obj, "ended"), ==, "2025-11-26T11:00:00+07:00");
    rows = json_object_get_array_member (obj, "attendance");
    g_assert_cmpuint (json_array_get_length (rows), ==, 2);
    row = json_array_get_object_element (rows, 0);
    g_assert_cmpstr (json_object_get_string_member (row, "endpoint"), ==, "ward-01");
    g_assert_cmpstr (json_object_get_string_member (row, "joined"), ==, "2025-11-26T10:00:00+07:00");
    g_assert_cmpstr (json_object_get_string_member (row, "left"), ==, "2025-11-26T10:30:00+07:00");
    g_assert_cmpfloat (json_object_get_double_member (row, "talk_seconds"), ==, 90.0);
    g_assert_cmpfloat (json_object_get_double_member (row, "present_seconds"), ==, 1800.0);
    row = json_array_get_object_element (rows, 1);
    g_assert_cmpstr (json_object_get_string_member (row, "endpoint"), ==, "ward-02");
    /* Still in when the conference ended: closed at the end. */
    g_assert_cmpstr (json_object_get_string_member (row, "left"), ==, "2025-11-26T11:00:00+07:00");
    g_assert_cmpfloat (json_object_get_double_member (row, "present_seconds"), ==, 3540.0);
  }
  {
    g_autoptr (Reply) r = http (f, "GET", "/api/v1/conferences/conf-none/attendance", ADMIN, NULL);
    assert_problem (r, 404, "not-found");
  }
}

static void
test_bookings (Fixture *f, gconstpointer data)
{
  g_autofree char *body = booking_body ("Họp giao ban, tuần 48", 5, 14, 15, "[\"ward-01\",\"ward-02\"]");
  g_autofree char *clash = booking_body ("Trùng lịch", 5, 14, 16, "[\"ward-02\"]");
  g_autofree char *moved = NULL;
  g_autofree char *first_text = NULL;
  g_autofree char *id = NULL;
  g_autofree char *path = NULL;
  g_autofree char *start_local = future_time (5, 14);
  const char *key[] = { "Idempotency-Key", "retry-7f3a", NULL };
  JsonObject *obj;

  {
    g_autoptr (Reply) r = http_full (f, "POST", "/api/v1/bookings", SCHED, "application/json", body, key);
    g_assert_cmpuint (r->status, ==, 201);
    obj = reply_object (r);
    id = g_strdup (json_object_get_string_member (obj, "id"));
    path = g_strdup_printf ("/api/v1/bookings/%s", id);
    g_assert_cmpstr (reply_header (r, "Location"), ==, path);
    g_assert_cmpstr (json_object_get_string_member (obj, "status"), ==, "scheduled");
    g_assert_cmpstr (json_object_get_string_member (obj, "start"), ==, start_local);
    first_text = g_strdup (r->text);
  }
  {
    /* A retry with the same key: the first answer, byte for byte. */
    g_autoptr (Reply) r = http_full (f, "POST", "/api/v1/bookings", SCHED, "application/json", body, key);
    g_assert_cmpuint (r->status, ==, 201);
    g_assert_cmpstr (r->text, ==, first_text);
    g_assert_cmpstr (reply_header (r, "Idempotent-Replayed"), ==, "true");
  }
  g_assert_cmpuint (count_bookings (f), ==, 1);

  {
    g_autoptr (Reply) r = http (f, "POST", "/api/v1/bookings", ADMIN, clash);
    JsonArray *conflicts;

    obj = assert_problem (r, 409, "booking-conflict");
    conflicts = json_object_get_array_member (obj, "conflicts");
    g_assert_cmpuint (json_array_get_length (conflicts), ==, 1);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (conflicts, 0), "booking"),
                     ==, id);
  }
  {
    g_autoptr (Reply) r = http (f, "POST", "/api/v1/bookings", ADMIN,
                                "{\"title\":\"x\",\"start\":\"2030-01-01T10:00:00\",\"end\":\"2030-01-01T11:00:00+07:00\","
                                "\"endpoints\":\"all\"}");
    JsonArray *errors;

    obj = assert_problem (r, 422, "invalid-fields");
    errors = json_object_get_array_member (obj, "errors");
    g_assert_cmpuint (json_array_get_length (errors), ==, 1);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (errors, 0), "field"),
                     ==, "start");
  }
  g_assert_cmpuint (count_bookings (f), ==, 1);

  {
    g_autoptr (Reply) r = http (f, "GET", path, ADMIN, NULL);
    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpstr (json_object_get_string_member (reply_object (r), "title"), ==, "Họp giao ban, tuần 48");
  }
  {
    g_autofree char *from = future_time (5, 0);
    g_autofree char *to = future_time (6, 0);
    g_autofree char *q = NULL;
    g_autofree char *from_enc = g_uri_escape_string (from, NULL, FALSE);
    g_autofree char *to_enc = g_uri_escape_string (to, NULL, FALSE);
    g_autoptr (Reply) r = NULL;
    g_autoptr (Reply) empty = NULL;

    q = g_strdup_printf ("/api/v1/bookings?from=%s&to=%s", from_enc, to_enc);
    r = http (f, "GET", q, SCHED, NULL);
    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpuint (json_array_get_length (reply_array (r)), ==, 1);

    g_free (q);
    q = g_strdup_printf ("/api/v1/bookings?from=%s", to_enc);
    empty = http (f, "GET", q, SCHED, NULL);
    g_assert_cmpuint (json_array_get_length (reply_array (empty)), ==, 0);
  }
  {
    g_autoptr (Reply) r = http (f, "GET", "/api/v1/bookings?from=yesterday", SCHED, NULL);
    obj = assert_problem (r, 422, "invalid-fields");
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (
                       json_object_get_array_member (obj, "errors"), 0), "field"), ==, "from");
  }

  {
    g_autofree char *new_end = future_time (5, 16);
    g_autoptr (Reply) r = NULL;

    moved = g_strdup_printf ("{\"end\":\"%s\"}", new_end);
    r = http (f, "PATCH", path, ADMIN, moved);
    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpstr (json_object_get_string_member (reply_object (r), "end"), ==, new_end);
  }

  /* The calendar feed, with the token in the query as calendar apps do. */
  {
    g_autofree char *ics_path = g_strdup_printf ("/api/v1/bookings.ics?token=%s", SCHED);
    g_autoptr (Reply) r = http (f, "GET", ics_path, NULL, NULL);
    g_autofree char *uid = g_strdup_printf ("\r\nUID:%s@wardbridge\r\n", id);
    g_autofree char *dtstart = NULL;
    g_auto (GStrv) lines = NULL;
    g_autofree char *compact = NULL;
    gboolean has_stamp = FALSE;

    g_assert_cmpuint (r->status, ==, 200);
    g_assert_true (g_str_has_prefix (reply_header (r, "Content-Type"), "text/calendar"));
    g_assert_true (g_str_has_prefix (r->text, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
    g_assert_true (g_str_has_suffix (r->text, "END:VCALENDAR\r\n"));
    g_assert_nonnull (strstr (r->text, "\r\nBEGIN:VTIMEZONE\r\nTZID:Asia/Ho_Chi_Minh\r\n"));
    g_assert_nonnull (strstr (r->text, uid));
    /* 14:00 in Hanoi, written as local time in its zone. */
    compact = g_strndup (start_local, 10);
    g_strdelimit (compact, "-", ' ');
    {
      g_autoptr (GString) s = g_string_new (compact);
      g_string_replace (s, " ", "", 0);
      dtstart = g_strdup_printf ("\r\nDTSTART;TZID=Asia/Ho_Chi_Minh:%sT140000\r\n", s->str);
    }
    g_assert_nonnull (strstr (r->text, dtstart));
    g_assert_nonnull (strstr (r->text, "\r\nSUMMARY:Họp giao ban\\, tuần 48\r\n"));

    /* Every line ends in CRLF and is at most 75 octets. */
    for (const char *p = r->text; *p; p++) {
      if (*p == '\n')
        g_assert_true (p > r->text && p[-1] == '\r');
    }
    lines = g_strsplit (r->text, "\r\n", -1);
    for (guint i = 0; lines[i] != NULL; i++) {
      g_assert_cmpuint (strlen (lines[i]), <=, 75);
      if (g_str_has_prefix (lines[i], "DTSTAMP:")) {
        has_stamp = TRUE;
        g_assert_cmpuint (strlen (lines[i]), ==, strlen ("DTSTAMP:20261126T070000Z"));
        g_assert_true (g_str_has_suffix (lines[i], "Z"));
      }
    }
    g_assert_true (has_stamp);
  }
  {
    g_autoptr (Reply) r = http (f, "GET", "/api/v1/bookings.ics?token=wrong", NULL, NULL);
    assert_problem (r, 401, "unauthorized");
  }
  {
    /* The query token is only for the calendar. */
    g_autofree char *q = g_strdup_printf ("/api/v1/bookings?token=%s", SCHED);
    g_autoptr (Reply) r = http (f, "GET", q, NULL, NULL);
    assert_problem (r, 401, "unauthorized");
  }

  {
    g_autoptr (Reply) r = http (f, "DELETE", path, SCHED, NULL);
    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpstr (json_object_get_string_member (reply_object (r), "status"), ==, "cancelled");
  }

  /* The audit log has the actions under the token's identity, never the token. */
  {
    g_autoptr (Reply) r = http (f, "GET", "/api/v1/audit?limit=50", ADMIN, NULL);
    JsonArray *rows = reply_array (r);
    g_autofree char *target = g_strdup_printf ("booking/%s", id);
    guint creates = 0, conflicts = 0, cancels = 0, updates = 0;

    g_assert_null (strstr (r->text, SCHED));
    g_assert_null (strstr (r->text, ADMIN));
    for (guint i = 0; i < json_array_get_length (rows); i++) {
      JsonObject *row = json_array_get_object_element (rows, i);
      const char *action = json_object_get_string_member (row, "action");
      gint64 status = json_object_get_int_member (row, "status");

      if (g_str_equal (action, "booking.create") && status == 201) {
        creates++;
        g_assert_cmpstr (json_object_get_string_member (row, "actor"), ==, "scheduler#1");
        g_assert_cmpstr (json_object_get_string_member (row, "target"), ==, target);
      } else if (g_str_equal (action, "booking.create") && status == 409) {
        conflicts++;
        g_assert_cmpstr (json_object_get_string_member (row, "actor"), ==, "admin#1");
      } else if (g_str_equal (action, "booking.cancel")) {
        cancels++;
        g_assert_cmpstr (json_object_get_string_member (row, "target"), ==, target);
      } else if (g_str_equal (action, "booking.update")) {
        updates++;
      }
    }
    /* The retry was answered from the key, and is audited as such. */
    g_assert_cmpuint (creates, ==, 2);
    g_assert_cmpuint (conflicts, ==, 1);
    g_assert_cmpuint (updates, ==, 1);
    g_assert_cmpuint (cancels, ==, 1);
  }
  {
    g_autoptr (Reply) r = http (f, "GET", "/api/v1/audit?limit=0", ADMIN, NULL);
    assert_problem (r, 422, "invalid-fields");
  }
}

/* ---- SSE -------------------------------------------------------------- */

typedef struct {
  SoupMessage *msg;
  GInputStream *stream;
  GCancellable *cancellable;
  GString *data;
  gboolean ended;
} Stream;

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

static Stream *
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

static void
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

static void
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

static guint
count_occurrences (const char *haystack, const char *needle)
{
  guint n = 0;

  for (const char *p = strstr (haystack, needle); p != NULL; p = strstr (p + 1, needle))
    n++;
  return n;
}

static void
test_events (Fixture *f, gconstpointer data)
{
  Stream *admin = stream_open (f, ADMIN, NULL);
  Stream *ward1 = stream_open (f, WARD1, NULL);
  g_autofree char *body = booking_body ("Chỉ phường Chùa Hang", 4, 9, 10, "[\"ward-02\"]");
  const char *both[] = { "ward-01", "ward-02", NULL };
  JsonObject *done = json_object_new ();

  stream_wait_for (admin, ": wardbridge events\n\n");
  stream_wait_for (ward1, ": wardbridge events\n\n");

  g_assert_true (wb_endpoint_registry_set_state (f->registry, "ward-01", WB_ENDPOINT_STATE_IDLE, NULL, NULL));
  g_assert_true (wb_endpoint_registry_set_state (f->registry, "ward-02", WB_ENDPOINT_STATE_IDLE, NULL, NULL));
  {
    g_autoptr (Reply) r = http (f, "POST", "/api/v1/bookings", SCHED, body);
    g_assert_cmpuint (r->status, ==, 201);
  }
  json_object_set_string_member (done, "ok", "yes");
  wb_event_bus_publish (f->bus, "test.done", both, json_node_init_object (json_node_alloc (), done));
  json_object_unref (done);

  stream_wait_for (admin, "event: test.done\n");
  stream_wait_for (ward1, "event: test.done\n");

  /* The admin sees everything, in order, in SSE framing. */
  g_assert_nonnull (strstr (admin->data->str, "id: 1\nevent: endpoint.state\ndata: {\"id\":\"ward-01\""));
  g_assert_nonnull (strstr (admin->data->str, "id: 2\nevent: endpoint.state\ndata: {\"id\":\"ward-02\""));
  g_assert_nonnull (strstr (admin->data->str, "id: 3\nevent: booking.created\ndata: {\"id\":\""));
  g_assert_nonnull (strstr (admin->data->str, "id: 4\nevent: test.done\ndata: {\"ok\":\"yes\"}\n\n"));
  g_assert_cmpuint (count_occurrences (admin->data->str, "\nevent: "), ==, 4);

  /* ward-01 sees its own state change and the event naming it, nothing of
   * ward-02's. */
  g_assert_nonnull (strstr (ward1->data->str, "id: 1\nevent: endpoint.state\ndata: {\"id\":\"ward-01\""));
  g_assert_null (strstr (ward1->data->str, "\"id\":\"ward-02\""));
  g_assert_null (strstr (ward1->data->str, "booking.created"));
  g_assert_nonnull (strstr (ward1->data->str, "id: 4\nevent: test.done\n"));
  g_assert_cmpuint (count_occurrences (ward1->data->str, "\nevent: "), ==, 2);

  stream_close (admin);
  stream_close (ward1);

  /* A reconnecting client gets what it missed after Last-Event-ID. */
  {
    Stream *again = stream_open (f, ADMIN, "2");
    stream_wait_for (again, "event: test.done\n");
    g_assert_null (strstr (again->data->str, "id: 2\n"));
    g_assert_nonnull (strstr (again->data->str, "id: 3\nevent: booking.created\n"));
    stream_close (again);
  }

  /* No token, no stream. */
  {
    g_autoptr (Reply) r = http (f, "GET", "/api/v1/events", NULL, NULL);
    assert_problem (r, 401, "unauthorized");
  }
}

static void
test_events_slow_client (Fixture *f, gconstpointer data)
{
  WbApiLimits limits;
  g_autoptr (GSocketConnection) conn = NULL;
  const char *req = "GET /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " ADMIN "\r\n\r\n";
  g_autoptr (GString) head = NULL;
  g_autoptr (GString) rest = NULL;
  g_autofree char *payload = g_strnfill (1000, 'x');
  gboolean eof = FALSE;

  wb_api_get_limits (f->api, &limits);
  limits.sse_max_pending_bytes = 4096;
  wb_api_set_limits (f->api, &limits);

  conn = raw_connect (f);
  raw_write (conn, req, strlen (req));
  head = raw_read (conn, ": wardbridge events\n\n", NULL);
  g_assert_true (g_str_has_prefix (head->str, "HTTP/1.1 200 "));

  /* Twenty 1 kB events at once, faster than anything can be written. */
  for (guint i = 0; i < 20; i++) {
    JsonObject *obj = json_object_new ();
    json_object_set_string_member (obj, "pad", payload);
    wb_event_bus_publish (f->bus, "test.flood", NULL, json_node_init_object (json_node_alloc (), obj));
    json_object_unref (obj);
  }

  /* The stream was ended, after the events that fitted. */
  rest = raw_read (conn, NULL, &eof);
  g_assert_true (eof);
  g_string_prepend (rest, head->str);
  g_assert_cmpuint (count_occurrences (rest->str, "event: test.flood\n"), >=, 1);
  g_assert_cmpuint (count_occurrences (rest->str, "event: test.flood\n"), <=, 4);
  g_assert_true (g_str_has_suffix (rest->str, "\r\n0\r\n\r\n"));
  drain_main_context ();
  {
    g_autoptr (Reply) r = http (f, "GET", "/metrics", NULL, NULL);
    g_assert_nonnull (strstr (r->text, "\nwardbridge_sse_clients 0\n"));
  }
}

static void
test_metrics (Fixture *f, gconstpointer data)
{
  WbEndpointStats stats = { 2.5, 18.25, 950.0, 1480.0, 12 };
  g_autofree char *conf = NULL;
  g_autofree char *line = NULL;

  g_assert_true (wb_endpoint_registry_update_stats (f->registry, "ward-02", &stats, NULL));
  conf = start_conference (f, "[\"ward-02\"]");
  {
    g_autoptr (Reply) r = http (f, "GET", "/metrics", NULL, NULL);

    g_assert_cmpuint (r->status, ==, 200);
    g_assert_true (g_str_has_prefix (reply_header (r, "Content-Type"), "text/plain"));
    g_assert_nonnull (strstr (r->text, "# TYPE wardbridge_endpoint_loss_percent gauge\n"));
    g_assert_nonnull (strstr (r->text, "\nwardbridge_endpoint_loss_percent{endpoint=\"ward-02\"} 2.5\n"));
    g_assert_nonnull (strstr (r->text, "\nwardbridge_endpoint_jitter_ms{endpoint=\"ward-02\"} 18.25\n"));
    g_assert_nonnull (strstr (r->text, "\nwardbridge_endpoint_rx_kbps{endpoint=\"ward-02\"} 950\n"));
    g_assert_nonnull (strstr (r->text, "\nwardbridge_endpoint_tx_kbps{endpoint=\"ward-02\"} 1480\n"));
    g_assert_nonnull (strstr (r->text, "\nwardbridge_endpoint_drops_total{endpoint=\"ward-02\"} 12\n"));
    g_assert_nonnull (strstr (r->text, "\nwardbridge_endpoint_loss_percent{endpoint=\"ward-22\"} 0\n"));
    line = g_strdup_printf ("\nwardbridge_conference_audio_encodes_total{conference=\"%s\"} 1000\n", conf);
    g_assert_nonnull (strstr (r->text, line));
    g_clear_pointer (&line, g_free);
    line = g_strdup_printf ("\nwardbridge_conference_participants{conference=\"%s\"} 1\n", conf);
    g_assert_nonnull (strstr (r->text, line));
    g_assert_nonnull (strstr (r->text, "\nwardbridge_http_requests_total{code=\"201\"} 1\n"));
    g_assert_nonnull (strstr (r->text, "\nprocess_cpu_seconds_total "));
    g_assert_nonnull (strstr (r->text, "\nprocess_resident_memory_bytes "));
  }
}

static void
test_config_reload (Fixture *f, gconstpointer data)
{
  g_autoptr (WbConfig) rotated = make_config (f->dir, SCHED, "sched-token-rotated");

  {
    g_autoptr (Reply) r = http (f, "GET", "/api/v1/bookings", SCHED, NULL);
    g_assert_cmpuint (r->status, ==, 200);
  }
  wb_api_set_config (f->api, rotated);
  {
    g_autoptr (Reply) r = http (f, "GET", "/api/v1/bookings", SCHED, NULL);
    assert_problem (r, 401, "unauthorized");
  }
  {
    g_autoptr (Reply) r = http (f, "GET", "/api/v1/bookings", "sched-token-rotated", NULL);
    g_assert_cmpuint (r->status, ==, 200);
  }
  {
    /* Other tokens are untouched. */
    g_autoptr (Reply) r = http (f, "GET", "/api/v1/bookings", ADMIN2, NULL);
    g_assert_cmpuint (r->status, ==, 200);
  }
}

static void
test_unavailable_services (Fixture *f, gconstpointer data)
{
  wb_api_set_conference_control (f->api, NULL);
  wb_api_set_booking_service (f->api, NULL);
  {
    g_autoptr (Reply) r = http (f, "GET", "/api/v1/conferences", ADMIN, NULL);
    assert_problem (r, 503, "unavailable");
  }
  {
    g_autoptr (Reply) r = http (f, "GET", "/api/v1/bookings", ADMIN, NULL);
    assert_problem (r, 503, "unavailable");
  }
  {
    g_autoptr (Reply) r = http (f, "GET", "/healthz", NULL, NULL);
    g_assert_cmpuint (r->status, ==, 200);
  }
}

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  ADD ("/api/health-and-openapi", test_health_and_openapi);
  ADD ("/api/role-matrix", test_role_matrix);
  ADD ("/api/error-shapes", test_error_shapes);
  ADD ("/api/body-limits", test_body_limits);
  ADD ("/api/rate-limit", test_rate_limit);
  ADD ("/api/connection-limits", test_connection_limits);
  ADD ("/api/endpoints", test_endpoints);
  ADD ("/api/join-leave", test_join_leave);
  ADD ("/api/conferences", test_conferences);
  ADD ("/api/attendance", test_attendance);
  ADD ("/api/bookings", test_bookings);
  ADD ("/api/events", test_events);
  ADD ("/api/events/slow-client", test_events_slow_client);
  ADD ("/api/metrics", test_metrics);
  ADD ("/api/config-reload", test_config_reload);
  ADD ("/api/unavailable", test_unavailable_services);

  return g_test_run ();
}
