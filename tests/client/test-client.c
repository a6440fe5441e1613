/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tests of WbClient, WbSseParser and WbEventStream against a hub on
 * loopback (WbTestHub).
 */
#include <string.h>

#include "client/wb-client.h"
#include "client/wb-event-stream.h"
#include "client/wb-sse-parser.h"
#include "wb-test-hub.h"

static void
test_sse_parser (void)
{
  g_autoptr (WbSseParser) parser = wb_sse_parser_new ();
  const char *lines[] = {
    ": keep-alive comment",
    "retry: 2500",
    "event: endpoint.state",
    "id: 7",
    "data: {\"id\":\"ward-03\",",
    "data:\"state\":\"invited\"}",
    "",
  };
  g_autoptr (WbSseEvent) event = NULL;
  g_autoptr (WbSseEvent) second = NULL;
  g_autoptr (WbSseEvent) third = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (lines) - 1; i++)
    g_assert_null (wb_sse_parser_feed_line (parser, lines[i]));
  event = wb_sse_parser_feed_line (parser, lines[G_N_ELEMENTS (lines) - 1]);
  g_assert_nonnull (event);
  g_assert_cmpstr (event->name, ==, "endpoint.state");
  g_assert_cmpstr (event->id, ==, "7");
  g_assert_cmpstr (event->data, ==, "{\"id\":\"ward-03\",\n\"state\":\"invited\"}");
  g_assert_cmpuint (wb_sse_parser_get_retry_ms (parser), ==, 2500);

  /* An event with no data is not dispatched; a bad retry is ignored. */
  g_assert_null (wb_sse_parser_feed_line (parser, "event: lonely"));
  g_assert_null (wb_sse_parser_feed_line (parser, "retry: 12x"));
  g_assert_null (wb_sse_parser_feed_line (parser, ""));
  g_assert_cmpuint (wb_sse_parser_get_retry_ms (parser), ==, 2500);

  /* No event name: "message"; the id is the last one seen; a field with no
   * colon is a field with an empty value; unknown fields are skipped. */
  g_assert_null (wb_sse_parser_feed_line (parser, "data"));
  g_assert_null (wb_sse_parser_feed_line (parser, "colour: blue"));
  second = wb_sse_parser_feed_line (parser, "");
  g_assert_nonnull (second);
  g_assert_cmpstr (second->name, ==, "message");
  g_assert_cmpstr (second->data, ==, "");
  g_assert_cmpstr (second->id, ==, "7");

  /* A half-read event is forgotten by a reset, the id is kept. */
  g_assert_null (wb_sse_parser_feed_line (parser, "id: 9"));
  g_assert_null (wb_sse_parser_feed_line (parser, "data: half"));
  wb_sse_parser_reset (parser);
  g_assert_null (wb_sse_parser_feed_line (parser, ""));
  g_assert_cmpstr (wb_sse_parser_get_last_id (parser), ==, "9");
  g_assert_null (wb_sse_parser_feed_line (parser, "data:  two spaces"));
  third = wb_sse_parser_feed_line (parser, "");
  g_assert_cmpstr (third->data, ==, " two spaces");
}

static void
test_bad_url (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WbClient) client = wb_client_new ("ftp://127.0.0.1/", "x", &error);

  g_assert_null (client);
  g_assert_error (error, WB_CLIENT_ERROR, WB_CLIENT_ERROR_INVALID);
  g_assert_cmpuint (wb_client_error_get_status (error), ==, 0);
}

static void
test_call_ok (void)
{
  g_autoptr (WbTestHub) hub = wb_test_hub_new ();
  g_autofree char *url = g_strconcat (wb_test_hub_get_url (hub), "/", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (WbClient) client = wb_client_new (url, "admin-token", &error);
  g_autoptr (JsonNode) body = NULL;
  g_autoptr (JsonObject) endpoint = NULL;
  JsonArray *array;
  JsonObject *first;
  guint status = 0;

  g_assert_no_error (error);
  g_assert_cmpstr (wb_client_get_base_url (client), ==, wb_test_hub_get_url (hub));
  g_assert_cmpstr (wb_client_get_host (client), ==, "127.0.0.1");

  g_assert_true (wb_client_call_sync (client, "GET", "/api/v1/endpoints", NULL, NULL,
                                      &status, &body, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (status, ==, 200);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (body));
  array = json_node_get_array (body);
  g_assert_cmpuint (json_array_get_length (array), ==, 4);
  first = json_array_get_object_element (array, 0);
  g_assert_cmpstr (json_object_get_string_member (first, "id"), ==, "ward-01");
  g_assert_cmpstr (json_object_get_string_member (first, "name"), ==, "Phường Cam Giá");

  /* 204: success without a body. */
  wb_test_hub_start_conference (hub, "Giao ban", (const char *const[]) { "ward-01", NULL });
  g_clear_pointer (&body, json_node_unref);
  g_assert_true (wb_client_call_sync (client, "POST",
                                      "/api/v1/conferences/c-1/participants/ward-01/mute",
                                      NULL, NULL, &status, &body, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (status, ==, 204);
  g_assert_null (body);
  endpoint = wb_test_hub_get_endpoint (hub, "ward-01");
  g_assert_true (json_object_get_boolean_member (endpoint, "muted"));
}

static void
test_refused (void)
{
  g_autoptr (WbTestHub) hub = wb_test_hub_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (WbClient) wrong = wb_client_new (wb_test_hub_get_url (hub), "not-a-token", &error);
  g_autoptr (WbClient) client = wb_client_new (wb_test_hub_get_url (hub), "sched-token", &error);
  g_autoptr (JsonNode) booking = json_from_string ("{\"title\":\"Họp\",\"start\":\"2026-12-01T09:00:00+07:00\","
                                                   "\"end\":\"2026-12-01T10:00:00+07:00\","
                                                   "\"endpoints\":[\"ward-03\",\"ward-08\"]}", NULL);
  g_autoptr (JsonNode) clash = json_from_string ("{\"title\":\"Khác\",\"start\":\"2026-12-01T09:30:00+07:00\","
                                                 "\"end\":\"2026-12-01T11:00:00+07:00\","
                                                 "\"endpoints\":[\"ward-08\"]}", NULL);
  g_autoptr (GError) clash_error = NULL;
  g_autoptr (GError) copy = NULL;
  JsonObject *problem;
  JsonArray *conflicts;
  guint status = 0;

  g_assert_false (wb_client_call_sync (wrong, "GET", "/api/v1/endpoints", NULL, NULL,
                                       NULL, NULL, &error));
  g_assert_error (error, WB_CLIENT_ERROR, WB_CLIENT_ERROR_REFUSED);
  g_assert_cmpuint (wb_client_error_get_status (error), ==, 401);
  g_assert_cmpstr (wb_client_error_get_title (error), ==, "Unauthorized");
  g_assert_cmpstr (wb_client_error_get_detail (error), ==, "a valid bearer token is required");
  g_assert_cmpstr (error->message, ==, "Unauthorized (401): a valid bearer token is required");

  g_assert_true (wb_client_call_sync (client, "POST", "/api/v1/bookings", booking, "key-1",
                                      &status, NULL, &clash_error));
  g_assert_no_error (clash_error);
  g_assert_cmpuint (status, ==, 201);
  g_assert_false (wb_client_call_sync (client, "POST", "/api/v1/bookings", clash, NULL,
                                       &status, NULL, &clash_error));
  g_assert_error (clash_error, WB_CLIENT_ERROR, WB_CLIENT_ERROR_REFUSED);
  g_assert_cmpuint (wb_client_error_get_status (clash_error), ==, 409);
  g_assert_cmpstr (wb_client_error_get_detail (clash_error), ==,
                   "ward-08 is already booked in an overlapping slot");
  problem = wb_client_error_get_problem (clash_error);
  g_assert_nonnull (problem);
  conflicts = json_object_get_array_member (problem, "conflicts");
  g_assert_cmpuint (json_array_get_length (conflicts), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (conflicts, 0), "booking"),
                   ==, "b-1");

  /* What an error carries survives a copy. */
  copy = g_error_copy (clash_error);
  g_assert_cmpuint (wb_client_error_get_status (copy), ==, 409);
  g_assert_true (wb_client_error_get_problem (copy) == problem);
}

static void
test_connection_refused (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WbClient) client = NULL;
  g_autofree char *url = NULL;
  guint port;

  /* A port that was just free, and is closed now. */
  {
    g_autoptr (WbTestHub) hub = wb_test_hub_new ();

    port = wb_test_hub_get_port (hub);
  }
  url = g_strdup_printf ("http://127.0.0.1:%u", port);
  client = wb_client_new (url, "admin-token", &error);
  g_assert_no_error (error);
  g_assert_false (wb_client_call_sync (client, "GET", "/api/v1/endpoints", NULL, NULL,
                                       NULL, NULL, &error));
  g_assert_error (error, WB_CLIENT_ERROR, WB_CLIENT_ERROR_CONNECTION);
  g_assert_cmpuint (wb_client_error_get_status (error), ==, 0);
  g_assert_true (g_str_has_prefix (error->message, "cannot reach the hub at http://127.0.0.1:"));
}

typedef struct {
  GPtrArray *names;     /* "name id state-or-title" */
  guint opened;
  GError *closed;
} StreamLog;

static void
on_opened (WbEventStream *stream, gpointer user_data)
{
  ((StreamLog *) user_data)->opened++;
}

static void
on_event (WbEventStream *stream,
          const char    *name,
          const char    *id,
          JsonNode      *data,
          gpointer       user_data)
{
  StreamLog *log = user_data;
  JsonObject *object = data != NULL && JSON_NODE_HOLDS_OBJECT (data) ? json_node_get_object (data) : NULL;
  const char *what = NULL;

  if (object != NULL && json_object_has_member (object, "name"))
    what = json_object_get_string_member (object, "state");
  else if (object != NULL)
    what = json_object_get_string_member (object, "title");
  g_ptr_array_add (log->names, g_strdup_printf ("%s %s %s", name, id, what));
}

static void
on_closed (WbEventStream *stream, GError *error, gpointer user_data)
{
  StreamLog *log = user_data;

  g_clear_error (&log->closed);
  log->closed = g_error_copy (error);
}

static gboolean
stream_opened (gpointer data)
{
  return ((StreamLog *) data)->opened > 0;
}

static gboolean
got_two_events (gpointer data)
{
  return ((StreamLog *) data)->names->len >= 2;
}

static gboolean
stream_closed (gpointer data)
{
  return ((StreamLog *) data)->closed != NULL;
}

static void
test_events (void)
{
  g_autoptr (WbTestHub) hub = wb_test_hub_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (WbClient) client = wb_client_new (wb_test_hub_get_url (hub), "ward-03-token", &error);
  g_autoptr (WbEventStream) stream = wb_event_stream_new (client);
  StreamLog log = { g_ptr_array_new_with_free_func (g_free), 0, NULL };

  g_signal_connect (stream, "opened", G_CALLBACK (on_opened), &log);
  g_signal_connect (stream, "event", G_CALLBACK (on_event), &log);
  g_signal_connect (stream, "closed", G_CALLBACK (on_closed), &log);
  wb_event_stream_start (stream);
  g_assert_true (wb_test_wait_until (stream_opened, &log, 60));
  g_assert_true (wb_event_stream_is_open (stream));
  g_assert_cmpuint (wb_test_hub_count_streams (hub), ==, 1);

  /* ward-01's own events do not reach ward-03's box. */
  wb_test_hub_start_conference (hub, "Một", (const char *const[]) { "ward-01", NULL });
  wb_test_hub_start_conference (hub, "Hai", (const char *const[]) { "ward-03", NULL });
  g_assert_true (wb_test_wait_until (got_two_events, &log, 60));
  g_assert_cmpuint (log.names->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (log.names, 0), ==, "endpoint.state 3 invited");
  g_assert_cmpstr (g_ptr_array_index (log.names, 1), ==, "conference.started 4 Hai");
  g_assert_cmpstr (wb_event_stream_get_last_id (stream), ==, "4");

  /* The hub goes away: one "closed" with a connection error. */
  wb_test_hub_kill (hub);
  g_assert_true (wb_test_wait_until (stream_closed, &log, 60));
  g_assert_error (log.closed, WB_CLIENT_ERROR, WB_CLIENT_ERROR_CONNECTION);
  g_assert_false (wb_event_stream_is_open (stream));

  /* Reopening a stream of a hub that is down fails the same way. */
  g_clear_error (&log.closed);
  wb_event_stream_start (stream);
  g_assert_true (wb_test_wait_until (stream_closed, &log, 60));
  g_assert_error (log.closed, WB_CLIENT_ERROR, WB_CLIENT_ERROR_CONNECTION);

  /* And a wrong token is a refusal, not a connection error. */
  wb_test_hub_restart (hub);
  {
    g_autoptr (WbClient) wrong = wb_client_new (wb_test_hub_get_url (hub), "nope", &error);
    g_autoptr (WbEventStream) refused = wb_event_stream_new (wrong);

    g_signal_connect (refused, "closed", G_CALLBACK (on_closed), &log);
    g_clear_error (&log.closed);
    wb_event_stream_start (refused);
    g_assert_true (wb_test_wait_until (stream_closed, &log, 60));
    g_assert_error (log.closed, WB_CLIENT_ERROR, WB_CLIENT_ERROR_REFUSED);
    g_assert_cmpuint (wb_client_error_get_status (log.closed), ==, 401);
  }

  wb_event_stream_stop (stream);
  g_clear_error (&log.closed);
  g_ptr_array_unref (log.names);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/client/sse-parser", test_sse_parser);
  g_test_add_func ("/client/bad-url", test_bad_url);
  g_test_add_func ("/client/call-ok", test_call_ok);
  g_test_add_func ("/client/refused", test_refused);
  g_test_add_func ("/client/connection-refused", test_connection_refused);
  g_test_add_func ("/client/events", test_events);

  return g_test_run ();
}
