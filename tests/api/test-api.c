/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The HTTP API end to end: a real WbApi on 127.0.0.1 (port 0) with a
 * config built here, a real SQLite store in a temporary directory, the
 * real booking service, and a fake conference control; driven by a
 * SoupSession and, for what a well-behaved client never sends, by raw
 * sockets.
 */
#include <string.h>

#include "api-test-util.h"

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
    { "/", "get" }, { "/assets/{name}", "get" },
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
test_events (Fixture *f, gconstpointer data)
{
  WbApiLimits limits;
  Stream *admin = NULL;
  Stream *ward1 = NULL;
  g_autofree char *body = booking_body ("Chỉ phường Chùa Hang", 4, 9, 10, "[\"ward-02\"]");
  const char *both[] = { "ward-01", "ward-02", NULL };
  JsonObject *done = json_object_new ();

  wb_api_get_limits (f->api, &limits);
  limits.sse_keepalive_s = 1;
  wb_api_set_limits (f->api, &limits);

  admin = stream_open (f, ADMIN, NULL);
  ward1 = stream_open (f, WARD1, NULL);
  stream_wait_for (admin, ": wardbridge events\n\n");
  stream_wait_for (ward1, ": wardbridge events\n\n");
  /* The agent's stream is its presence: ward-01 is idle now (event 1). */
  g_assert_cmpint (wb_endpoint_registry_lookup (f->registry, "ward-01")->state, ==, WB_ENDPOINT_STATE_IDLE);

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

  /* Keepalive comments flow while nothing happens. */
  stream_wait_for (ward1, ": keepalive\n\n");

  stream_close (admin);
  stream_close (ward1);

  /* The server notices the agent has gone at its next keepalive. */
  {
    gboolean timed_out = FALSE;
    guint id = g_timeout_add_seconds (WAIT_LIMIT_S, wait_timed_out, &timed_out);

    while (wb_endpoint_registry_lookup (f->registry, "ward-01")->state != WB_ENDPOINT_STATE_OFFLINE && !timed_out)
      g_main_context_iteration (NULL, TRUE);
    if (!timed_out)
      g_source_remove (id);
    g_assert_cmpint (wb_endpoint_registry_lookup (f->registry, "ward-01")->state, ==, WB_ENDPOINT_STATE_OFFLINE);
  }

  /* A reconnecting client gets what it missed after Last-Event-ID. */
  {
    Stream *again = stream_open (f, ADMIN, "2");
    stream_wait_for (again, "event: test.done\n");
    g_assert_null (strstr (again->data->str, "id: 2\n"));
    g_assert_nonnull (strstr (again->data->str, "id: 3\nevent: booking.created\n"));
    stream_close (again);
  }

  /* HEAD tells without streaming. */
  {
    g_autoptr (Reply) r = http (f, "HEAD", "/api/v1/events", SCHED, NULL);
    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpuint (g_bytes_get_size (r->body), ==, 0);
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
  WbEndpointStats stats = { 2.5, 18.25, 950.0, 1480.0, 12, 3, 7.75, 5, 8 };
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
    g_assert_nonnull (strstr (r->text, "# TYPE wardbridge_endpoint_audio_overflow_total counter\n"));
    g_assert_nonnull (strstr (r->text, "\nwardbridge_endpoint_audio_overflow_total{endpoint=\"ward-02\"} 3\n"));
    g_assert_nonnull (strstr (r->text, "\nwardbridge_endpoint_remote_loss_percent{endpoint=\"ward-02\"} 7.75\n"));
    g_assert_nonnull (strstr (r->text, "\nwardbridge_endpoint_audio_fec_percent{endpoint=\"ward-02\"} 8\n"));
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

/* /metrics only for the monitoring hosts of [http] metrics-allow; a reload
 * changes who they are. */
static void
test_metrics_allow (Fixture *f, gconstpointer data)
{
  g_autoptr (WbConfig) elsewhere = make_config (f->dir, "[http]\n", "[http]\nmetrics-allow=192.0.2.0/24;2001:db8::7\n");
  g_autoptr (WbConfig) loopback = make_config (f->dir, "[http]\n", "[http]\nmetrics-allow=127.0.0.1\n");

  wb_api_set_config (f->api, elsewhere);
  {
    g_autoptr (Reply) r = http (f, "GET", "/metrics", NULL, NULL);
    assert_problem (r, 403, "forbidden");
    g_assert_null (strstr (r->text, "wardbridge_endpoint"));
  }
  {
    /* Not even with an admin token: it is about where, not who. */
    g_autoptr (Reply) r = http (f, "GET", "/metrics", ADMIN, NULL);
    assert_problem (r, 403, "forbidden");
  }
  wb_api_set_config (f->api, loopback);
  {
    g_autoptr (Reply) r = http (f, "GET", "/metrics", NULL, NULL);
    g_assert_cmpuint (r->status, ==, 200);
    g_assert_nonnull (strstr (r->text, "wardbridge_endpoint_loss_percent"));
  }
}

/* Stands in for wb_web_serve() of src/web/. */
static gboolean
fake_assets (SoupServerMessage *msg, const char *path)
{
  static const char page[] = "<!doctype html><title>wardbridge</title>";
  static const char css[] = "body{margin:0}";

  if (g_str_equal (path, "/")) {
    soup_server_message_set_status (msg, 200, NULL);
    soup_server_message_set_response (msg, "text/html; charset=utf-8", SOUP_MEMORY_STATIC, page, strlen (page));
    return TRUE;
  }
  if (g_str_equal (path, "/assets/app.css")) {
    soup_server_message_set_status (msg, 200, NULL);
    soup_server_message_set_response (msg, "text/css; charset=utf-8", SOUP_MEMORY_STATIC, css, strlen (css));
    return TRUE;
  }
  return FALSE;
}

static void
test_console (Fixture *f, gconstpointer data)
{
  {
    /* No console wired: its paths are 404 problems. */
    g_autoptr (Reply) r = http (f, "GET", "/", NULL, NULL);
    assert_problem (r, 404, "not-found");
  }
  wb_api_set_asset_handler (f->api, fake_assets);
  {
    g_autoptr (Reply) r = http (f, "GET", "/", NULL, NULL);
    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpstr (r->text, ==, "<!doctype html><title>wardbridge</title>");
  }
  {
    g_autoptr (Reply) r = http (f, "GET", "/assets/app.css?v=2", NULL, NULL);
    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpstr (r->text, ==, "body{margin:0}");
  }
  {
    g_autoptr (Reply) r = http (f, "GET", "/assets/nothing.js", NULL, NULL);
    JsonObject *obj = assert_problem (r, 404, "not-found");
    g_assert_cmpstr (json_object_get_string_member (obj, "detail"), ==, "no console file '/assets/nothing.js'");
  }
  {
    g_autoptr (Reply) r = http (f, "POST", "/assets/app.css", NULL, "{}");
    assert_problem (r, 405, "method-not-allowed");
    g_assert_cmpstr (reply_header (r, "Allow"), ==, "GET, HEAD");
  }
  {
    /* Deeper paths are not assets. */
    g_autoptr (Reply) r = http (f, "GET", "/assets/a/b.css", NULL, NULL);
    assert_problem (r, 404, "not-found");
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
  ADD ("/api/events", test_events);
  ADD ("/api/events/slow-client", test_events_slow_client);
  ADD ("/api/metrics", test_metrics);
  ADD ("/api/metrics-allow", test_metrics_allow);
  ADD ("/api/config-reload", test_config_reload);
  ADD ("/api/console", test_console);
  ADD ("/api/unavailable", test_unavailable_services);

  return g_test_run ();
}
