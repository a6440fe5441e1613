/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of the API's parts that need no server: router, token
 * buckets, token lookup, iCalendar folding, the validation table, and the
 * endpoint registry and event bus of src/control/.
 */
#include <string.h>

#include "api/wb-api-private.h"
#include "api/wb-ics.h"
#include "control/wb-endpoint-registry.h"
#include "control/wb-event-bus.h"

static const char CONFIG[] =
  "[http]\naddress=127.0.0.1\nport=0\n"
  "[store]\nstate-dir=/nonexistent\n"
  "[auth]\nadmin-tokens=admin-one;admin-two\nscheduler-tokens=sched-one\n"
  "[endpoint ward-01]\nname=Phường Cam Giá\nkind=phuong\nmode=agent\ntoken=tok-ward-01\n"
  "[endpoint ward-02]\nname=Phường Chùa Hang\nkind=phuong\nmode=agent\ntoken=tok-ward-02\n"
  "[endpoint ward-22]\nname=Xã Cao Ngạn\nkind=xa\nmode=static\naddress=192.0.2.22\naudio-port=5004\nvideo-port=5006\n";

static WbConfig *
load_config (const char *data)
{
  g_autoptr (GError) error = NULL;
  WbConfig *config = wb_config_load_from_data ("test.conf", data, -1, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (config);
  return config;
}

/* ---- router --------------------------------------------------------- */

static void dummy (WbRequest *r) { }

static const WbRoute routes[] = {
  { "GET", "/api/v1/endpoints", 0, 0, dummy, NULL },
  { "GET", "/api/v1/endpoints/{id}", 0, 0, dummy, NULL },
  { "POST", "/api/v1/endpoints/{id}/join", 0, 0, dummy, NULL },
  { "POST", "/api/v1/conferences/{id}/participants/{ep}/mute", 0, 0, dummy, NULL },
  { "GET", "/api/v1/bookings.ics", 0, 0, dummy, NULL },
  { "GET", "/api/v1/bookings/{id}", 0, 0, dummy, NULL },
  { "DELETE", "/api/v1/bookings/{id}", 0, 0, dummy, NULL },
};

static void
test_router (void)
{
  g_autoptr (WbRouter) router = wb_router_new ();
  const WbRoute *route;
  g_autoptr (GHashTable) params = NULL;
  g_autofree char *allow = NULL;

  wb_router_add (router, routes, G_N_ELEMENTS (routes));
  g_assert_cmpuint (wb_router_get_n_routes (router), ==, G_N_ELEMENTS (routes));

  g_assert_cmpint (wb_router_match (router, "GET", "/api/v1/endpoints/ward-07", &route, &params, &allow), ==,
                   WB_ROUTE_MATCH_OK);
  g_assert_true (route == &routes[1]);
  g_assert_cmpstr (g_hash_table_lookup (params, "id"), ==, "ward-07");
  g_clear_pointer (&params, g_hash_table_unref);

  g_assert_cmpint (wb_router_match (router, "POST", "/api/v1/conferences/c%201/participants/ward-02/mute",
                                    &route, &params, &allow), ==, WB_ROUTE_MATCH_OK);
  g_assert_true (route == &routes[3]);
  g_assert_cmpstr (g_hash_table_lookup (params, "id"), ==, "c 1");
  g_assert_cmpstr (g_hash_table_lookup (params, "ep"), ==, "ward-02");
  g_clear_pointer (&params, g_hash_table_unref);

  /* HEAD is answered by GET routes. */
  g_assert_cmpint (wb_router_match (router, "HEAD", "/api/v1/endpoints", &route, &params, &allow), ==,
                   WB_ROUTE_MATCH_OK);
  g_clear_pointer (&params, g_hash_table_unref);

  /* A literal segment beats nothing: bookings.ics is its own route. */
  g_assert_cmpint (wb_router_match (router, "GET", "/api/v1/bookings.ics", &route, &params, &allow), ==,
                   WB_ROUTE_MATCH_OK);
  g_assert_true (route == &routes[4]);
  g_clear_pointer (&params, g_hash_table_unref);

  g_assert_cmpint (wb_router_match (router, "PUT", "/api/v1/bookings/b1", &route, &params, &allow), ==,
                   WB_ROUTE_MATCH_BAD_METHOD);
  g_assert_cmpstr (allow, ==, "GET, HEAD, DELETE");
  g_assert_null (params);
  g_clear_pointer (&allow, g_free);

  g_assert_cmpint (wb_router_match (router, "GET", "/api/v1/nothing", &route, &params, &allow), ==,
                   WB_ROUTE_MATCH_NOT_FOUND);
  /* An escaped slash inside a parameter, an empty parameter, a bad escape. */
  g_assert_cmpint (wb_router_match (router, "GET", "/api/v1/endpoints/a%2Fb", &route, &params, &allow), ==,
                   WB_ROUTE_MATCH_NOT_FOUND);
  g_assert_cmpint (wb_router_match (router, "GET", "/api/v1/endpoints/", &route, &params, &allow), ==,
                   WB_ROUTE_MATCH_NOT_FOUND);
  g_assert_cmpint (wb_router_match (router, "GET", "/api/v1/endpoints/%zz", &route, &params, &allow), ==,
                   WB_ROUTE_MATCH_NOT_FOUND);
  g_assert_null (route);
}

/* ---- rate limiter --------------------------------------------------- */

static void
test_rate_limiter (void)
{
  g_autoptr (WbRateLimiter) rl = wb_rate_limiter_new (0.5, 3);
  gint64 t = 1000 * G_TIME_SPAN_SECOND;
  guint retry = 0;

  for (guint i = 0; i < 3; i++)
    g_assert_true (wb_rate_limiter_take (rl, "10.0.0.1", t, &retry));
  g_assert_false (wb_rate_limiter_take (rl, "10.0.0.1", t, &retry));
  /* One token comes back every 2 s. */
  g_assert_cmpuint (retry, ==, 2);
  /* Another address has its own bucket. */
  g_assert_true (wb_rate_limiter_take (rl, "10.0.0.2", t, NULL));
  g_assert_cmpuint (wb_rate_limiter_get_n_buckets (rl), ==, 2);

  g_assert_false (wb_rate_limiter_take (rl, "10.0.0.1", t + G_USEC_PER_SEC, &retry));
  g_assert_cmpuint (retry, ==, 1);
  g_assert_true (wb_rate_limiter_take (rl, "10.0.0.1", t + 2 * G_USEC_PER_SEC, &retry));
  g_assert_false (wb_rate_limiter_take (rl, "10.0.0.1", t + 2 * G_USEC_PER_SEC, &retry));

  /* A long pause refills to the burst, not beyond. */
  t += 3600 * G_TIME_SPAN_SECOND;
  for (guint i = 0; i < 3; i++)
    g_assert_true (wb_rate_limiter_take (rl, "10.0.0.1", t, NULL));
  g_assert_false (wb_rate_limiter_take (rl, "10.0.0.1", t, NULL));
}

static void
test_rate_limiter_sweep (void)
{
  g_autoptr (WbRateLimiter) rl = wb_rate_limiter_new (100.0, 2);
  gint64 t = G_USEC_PER_SEC;

  for (guint i = 0; i < 1500; i++) {
    g_autofree char *key = g_strdup_printf ("198.51.100.%u/%u", i % 256, i);
    g_assert_true (wb_rate_limiter_take (rl, key, t, NULL));
  }
  g_assert_cmpuint (wb_rate_limiter_get_n_buckets (rl), ==, 1500);
  /* Later, every old bucket has refilled and is dropped on the next sweep. */
  t += 10 * G_USEC_PER_SEC;
  for (guint i = 0; i < 1100; i++) {
    g_autofree char *key = g_strdup_printf ("203.0.113.%u/%u", i % 256, i);
    g_assert_true (wb_rate_limiter_take (rl, key, t, NULL));
  }
  g_assert_cmpuint (wb_rate_limiter_get_n_buckets (rl), <, 1500);
}

/* ---- auth ----------------------------------------------------------- */

static void
test_auth (void)
{
  g_autoptr (WbConfig) config = load_config (CONFIG);
  g_autoptr (WbAuth) auth = wb_auth_new (config);
  const WbIdentity *id;
  g_autoptr (SoupMessageHeaders) headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  WbActor actor;

  id = wb_auth_lookup (auth, "admin-two");
  g_assert_nonnull (id);
  g_assert_cmpint (id->role, ==, WB_ROLE_ADMIN);
  g_assert_cmpstr (id->id, ==, "admin#2");
  g_assert_null (id->ward_id);

  id = wb_auth_lookup (auth, "sched-one");
  g_assert_cmpint (id->role, ==, WB_ROLE_SCHEDULER);
  g_assert_cmpstr (id->id, ==, "scheduler#1");

  id = wb_auth_lookup (auth, "tok-ward-02");
  g_assert_cmpint (id->role, ==, WB_ROLE_ENDPOINT);
  g_assert_cmpstr (id->id, ==, "endpoint:ward-02");
  g_assert_cmpstr (id->ward_id, ==, "ward-02");
  g_assert_cmpstr (id->name, ==, "Phường Chùa Hang");
  wb_identity_to_actor (id, &actor);
  g_assert_cmpstr (actor.role, ==, "endpoint");
  g_assert_cmpstr (actor.id, ==, "endpoint:ward-02");

  /* Prefixes, extensions, case and empty strings are not tokens. */
  g_assert_null (wb_auth_lookup (auth, "admin-tw"));
  g_assert_null (wb_auth_lookup (auth, "admin-two2"));
  g_assert_null (wb_auth_lookup (auth, "ADMIN-TWO"));
  g_assert_null (wb_auth_lookup (auth, ""));
  g_assert_null (wb_auth_lookup (auth, NULL));

  g_assert_null (wb_auth_token_from_headers (headers, NULL));
  g_assert_cmpstr (wb_auth_token_from_headers (headers, "q"), ==, "q");
  soup_message_headers_replace (headers, "Authorization", "Bearer  abc");
  g_assert_cmpstr (wb_auth_token_from_headers (headers, "q"), ==, "abc");
  soup_message_headers_replace (headers, "Authorization", "Basic YTpi");
  g_assert_null (wb_auth_token_from_headers (headers, "q"));
  soup_message_headers_replace (headers, "Authorization", "bearer xyz");
  g_assert_cmpstr (wb_auth_token_from_headers (headers, NULL), ==, "xyz");
}

/* ---- iCalendar ------------------------------------------------------ */

static void
test_ics_folding (void)
{
  g_autoptr (GString) out = g_string_new (NULL);
  g_autoptr (GString) line = g_string_new ("SUMMARY:");
  g_autoptr (GString) unfolded = g_string_new (NULL);
  g_auto (GStrv) physical = NULL;
  guint n;

  for (guint i = 0; i < 60; i++)
    g_string_append (line, "Họp ");   /* ọ is 3 octets in UTF-8 */
  wb_ics_append_line (out, line->str);

  g_assert_true (g_str_has_suffix (out->str, "\r\n"));
  physical = g_strsplit (out->str, "\r\n", -1);
  n = g_strv_length (physical);
  g_assert_cmpuint (n, >, 4);
  g_assert_cmpstr (physical[n - 1], ==, "");
  for (guint i = 0; i + 1 < n; i++) {
    g_assert_cmpuint (strlen (physical[i]), <=, 75);
    g_assert_true (g_utf8_validate (physical[i], -1, NULL));
    if (i > 0) {
      g_assert_cmpint (physical[i][0], ==, ' ');
      g_string_append (unfolded, physical[i] + 1);
    } else {
      g_assert_cmpuint (strlen (physical[i]), >=, 73);
      g_string_append (unfolded, physical[i]);
    }
  }
  g_assert_cmpstr (unfolded->str, ==, line->str);

  /* A line of exactly 75 octets is not folded. */
  g_string_truncate (out, 0);
  {
    g_autofree char *exact = g_strnfill (75, 'x');
    wb_ics_append_line (out, exact);
    g_assert_cmpuint (out->len, ==, 77);
  }
}

static void
test_ics_escape (void)
{
  g_autofree char *escaped = wb_ics_escape_text ("Họp; giao ban, tuần\\1\nDòng 2");

  g_assert_cmpstr (escaped, ==, "Họp\\; giao ban\\, tuần\\\\1\\nDòng 2");
}

/* ---- validation table ---------------------------------------------- */

static const WbFieldSpec specs[] = {
  { "title", WB_FIELD_STRING, TRUE, 0, 0 },
  { "port", WB_FIELD_INTEGER, TRUE, 1, 65534 },
  { "record", WB_FIELD_BOOLEAN, FALSE, 0, 0 },
  { "endpoints", WB_FIELD_ALL_OR_IDS, FALSE, 0, 0 },
  { "presenter", WB_FIELD_NULLABLE_STRING, FALSE, 0, 0 },
};

static JsonObject *
parse_object (const char *text)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static char *
errors_text (WbFieldErrors *fe)
{
  g_autoptr (JsonNode) node = wb_field_errors_steal (fe);
  return json_to_string (node, FALSE);
}

static void
test_validation (void)
{
  g_auto (WbFieldErrors) fe = { 0 };
  g_autoptr (JsonObject) good = parse_object ("{\"title\":\"x\",\"port\":5004,\"endpoints\":\"all\",\"presenter\":null}");
  g_autoptr (JsonObject) bad = parse_object ("{\"port\":5004.5,\"record\":\"yes\",\"endpoints\":[\"a\",3],\"extra\":1}");
  g_autoptr (JsonObject) range = parse_object ("{\"title\":\"\",\"port\":70000,\"endpoints\":[]}");
  g_autofree char *text = NULL;

  wb_field_errors_init (&fe);
  g_assert_true (wb_validate_fields (good, specs, G_N_ELEMENTS (specs), &fe));
  g_assert_true (wb_field_errors_empty (&fe));

  g_assert_false (wb_validate_fields (bad, specs, G_N_ELEMENTS (specs), &fe));
  text = errors_text (&fe);
  g_assert_cmpstr (text, ==,
                   "[{\"field\":\"title\",\"pointer\":\"/title\",\"message\":\"is required\"},"
                   "{\"field\":\"port\",\"pointer\":\"/port\",\"message\":\"must be an integer\"},"
                   "{\"field\":\"record\",\"pointer\":\"/record\",\"message\":\"must be a boolean, not a string\"},"
                   "{\"field\":\"endpoints/1\",\"pointer\":\"/endpoints/1\",\"message\":\"must be a non-empty string, not a number\"},"
                   "{\"field\":\"extra\",\"pointer\":\"/extra\",\"message\":\"is not a known field\"}]");
  g_clear_pointer (&text, g_free);

  g_assert_false (wb_validate_fields (range, specs, G_N_ELEMENTS (specs), &fe));
  text = errors_text (&fe);
  g_assert_cmpstr (text, ==,
                   "[{\"field\":\"title\",\"pointer\":\"/title\",\"message\":\"must not be empty\"},"
                   "{\"field\":\"port\",\"pointer\":\"/port\",\"message\":\"must be between 1 and 65534\"},"
                   "{\"field\":\"endpoints\",\"pointer\":\"/endpoints\",\"message\":\"must name at least one endpoint\"}]");
}

static void
test_problem_shape (void)
{
  g_autofree char *text = wb_problem_to_string (404, "not-found", "no endpoint 'x'", "/api/v1/endpoints/x",
                                                NULL, NULL);

  g_assert_cmpstr (text, ==,
                   "{\"type\":\"urn:wardbridge:problem:not-found\",\"title\":\"Not Found\",\"status\":404,"
                   "\"detail\":\"no endpoint 'x'\",\"instance\":\"/api/v1/endpoints/x\"}");
}

/* ---- registry and event bus ---------------------------------------- */

typedef struct {
  GPtrArray *events;
} Recorder;

static void
on_event (WbEventBus *bus, WbEvent *event, Recorder *rec)
{
  g_ptr_array_add (rec->events, wb_event_ref (event));
}

static void
test_registry_lifecycle (void)
{
  g_autoptr (WbConfig) config = load_config (CONFIG);
  g_autoptr (WbEventBus) bus = wb_event_bus_new ();
  g_autoptr (WbEndpointRegistry) reg = wb_endpoint_registry_new (config, bus);
  Recorder rec = { g_ptr_array_new_with_free_func ((GDestroyNotify) wb_event_unref) };
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) list = NULL;
  const WbEndpoint *ep;
  WbEvent *event;
  JsonObject *data;

  g_signal_connect (bus, "event", G_CALLBACK (on_event), &rec);

  list = wb_endpoint_registry_list (reg);
  g_assert_cmpuint (list->len, ==, 3);
  g_assert_cmpstr (((WbEndpoint *) list->pdata[2])->id, ==, "ward-22");
  g_assert_cmpint (((WbEndpoint *) list->pdata[2])->mode, ==, WB_ENDPOINT_MODE_STATIC);

  ep = wb_endpoint_registry_lookup (reg, "ward-01");
  g_assert_cmpint (ep->state, ==, WB_ENDPOINT_STATE_OFFLINE);

  /* offline → invited skips idle: refused, nothing published. */
  g_assert_false (wb_endpoint_registry_set_state (reg, "ward-01", WB_ENDPOINT_STATE_INVITED, "c1", &error));
  g_assert_error (error, WB_ENDPOINT_REGISTRY_ERROR, WB_ENDPOINT_REGISTRY_ERROR_INVALID_TRANSITION);
  g_clear_error (&error);
  g_assert_cmpuint (rec.events->len, ==, 0);

  g_assert_true (wb_endpoint_registry_set_state (reg, "ward-01", WB_ENDPOINT_STATE_IDLE, NULL, &error));
  g_assert_true (wb_endpoint_registry_set_state (reg, "ward-01", WB_ENDPOINT_STATE_INVITED, "c1", &error));
  g_assert_true (wb_endpoint_registry_set_state (reg, "ward-01", WB_ENDPOINT_STATE_JOINING, NULL, &error));
  g_assert_true (wb_endpoint_registry_set_state (reg, "ward-01", WB_ENDPOINT_STATE_LIVE, NULL, &error));
  g_assert_true (wb_endpoint_registry_set_state (reg, "ward-01", WB_ENDPOINT_STATE_STALLED, NULL, &error));
  g_assert_true (wb_endpoint_registry_set_state (reg, "ward-01", WB_ENDPOINT_STATE_LIVE, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (ep->conference, ==, "c1");
  g_assert_cmpuint (rec.events->len, ==, 6);

  event = rec.events->pdata[5];
  g_assert_cmpstr (event->name, ==, "endpoint.state");
  g_assert_cmpuint (event->seq, ==, 6);
  g_assert_true (wb_event_concerns_ward (event, "ward-01"));
  g_assert_false (wb_event_concerns_ward (event, "ward-02"));
  data = json_node_get_object (event->data);
  g_assert_cmpstr (json_object_get_string_member (data, "state"), ==, "live");
  g_assert_cmpstr (json_object_get_string_member (data, "previous_state"), ==, "stalled");
  g_assert_cmpstr (json_object_get_string_member (data, "conference"), ==, "c1");

  /* live → joining is not a move of the lifecycle. */
  g_assert_false (wb_endpoint_registry_set_state (reg, "ward-01", WB_ENDPOINT_STATE_JOINING, NULL, &error));
  g_assert_error (error, WB_ENDPOINT_REGISTRY_ERROR, WB_ENDPOINT_REGISTRY_ERROR_INVALID_TRANSITION);
  g_clear_error (&error);

  g_assert_true (wb_endpoint_registry_set_talking (reg, "ward-01", TRUE, &error));
  g_assert_true (wb_endpoint_registry_set_talking (reg, "ward-01", TRUE, &error));  /* no change, no event */
  g_assert_cmpuint (rec.events->len, ==, 7);
  event = rec.events->pdata[6];
  g_assert_cmpstr (event->name, ==, "participant.talking");
  g_assert_true (json_object_get_boolean_member (json_node_get_object (event->data), "talking"));

  /* Back to idle clears the conference, talking and muted. */
  g_assert_true (wb_endpoint_registry_set_muted (reg, "ward-01", TRUE, &error));
  g_assert_true (wb_endpoint_registry_set_state (reg, "ward-01", WB_ENDPOINT_STATE_IDLE, NULL, &error));
  g_assert_null (ep->conference);
  g_assert_false (ep->talking);
  g_assert_false (ep->muted);

  g_assert_false (wb_endpoint_registry_set_state (reg, "ward-99", WB_ENDPOINT_STATE_IDLE, NULL, &error));
  g_assert_error (error, WB_ENDPOINT_REGISTRY_ERROR, WB_ENDPOINT_REGISTRY_ERROR_NOT_FOUND);

  g_ptr_array_unref (rec.events);
}

static void
test_registry_reload (void)
{
  g_autoptr (WbConfig) config = load_config (CONFIG);
  g_autoptr (WbConfig) renamed = NULL;
  g_autoptr (WbEndpointRegistry) reg = wb_endpoint_registry_new (config, NULL);
  g_autoptr (GString) data = g_string_new (CONFIG);
  const WbEndpoint *ep;
  WbEndpointStats stats = { 1.5, 12.0, 800.0, 1500.0, 7, 0, 3.9, 12, 4 };
  g_autoptr (JsonNode) json = NULL;
  JsonObject *obj;

  g_assert_true (wb_endpoint_registry_set_state (reg, "ward-02", WB_ENDPOINT_STATE_IDLE, NULL, NULL));
  g_assert_true (wb_endpoint_registry_update_stats (reg, "ward-02", &stats, NULL));
  g_assert_true (wb_endpoint_registry_mark_seen (reg, "ward-02", 1764142200 * G_TIME_SPAN_SECOND, NULL));

  g_string_replace (data, "Phường Chùa Hang", "Phường Chùa Hang (mới)", 1);
  g_string_replace (data, "[endpoint ward-22]", "[endpoint ward-23]", 1);
  renamed = load_config (data->str);
  wb_endpoint_registry_set_config (reg, renamed);

  ep = wb_endpoint_registry_lookup (reg, "ward-02");
  g_assert_cmpstr (ep->name, ==, "Phường Chùa Hang (mới)");
  g_assert_cmpint (ep->state, ==, WB_ENDPOINT_STATE_IDLE);
  g_assert_null (wb_endpoint_registry_lookup (reg, "ward-22"));
  g_assert_cmpint (wb_endpoint_registry_lookup (reg, "ward-23")->state, ==, WB_ENDPOINT_STATE_OFFLINE);

  json = wb_endpoint_to_json (ep);
  obj = json_node_get_object (json);
  g_assert_cmpstr (json_object_get_string_member (obj, "id"), ==, "ward-02");
  g_assert_cmpstr (json_object_get_string_member (obj, "kind"), ==, "phuong");
  g_assert_cmpstr (json_object_get_string_member (obj, "mode"), ==, "agent");
  g_assert_cmpstr (json_object_get_string_member (obj, "state"), ==, "idle");
  g_assert_true (json_object_get_null_member (obj, "conference"));
  /* 2025-11-26T07:30:00Z shown in Asia/Ho_Chi_Minh */
  g_assert_cmpstr (json_object_get_string_member (obj, "last_seen"), ==, "2025-11-26T14:30:00+07:00");
  obj = json_object_get_object_member (obj, "stats");
  g_assert_cmpfloat (json_object_get_double_member (obj, "loss_pct"), ==, 1.5);
  g_assert_cmpfloat (json_object_get_double_member (obj, "jitter_ms"), ==, 12.0);
  g_assert_cmpfloat (json_object_get_double_member (obj, "rx_kbps"), ==, 800.0);
  g_assert_cmpfloat (json_object_get_double_member (obj, "tx_kbps"), ==, 1500.0);
  g_assert_cmpint (json_object_get_int_member (obj, "drops"), ==, 7);
  g_assert_cmpfloat (json_object_get_double_member (obj, "remote_loss_pct"), ==, 3.9);
  g_assert_cmpint (json_object_get_int_member (obj, "remote_loss_reports"), ==, 12);
  g_assert_cmpint (json_object_get_int_member (obj, "audio_fec_pct"), ==, 4);
}

static JsonNode *
object_node (const char *key, const char *value)
{
  JsonObject *obj = json_object_new ();
  JsonNode *node;

  json_object_set_string_member (obj, key, value);
  node = json_node_init_object (json_node_alloc (), obj);
  json_object_unref (obj);
  return node;
}

static void
test_event_bus_history (void)
{
  g_autoptr (WbEventBus) bus = wb_event_bus_new ();
  const char *wards[] = { "ward-01", "ward-02", NULL };
  g_autoptr (GPtrArray) since = NULL;

  for (guint i = 0; i < WB_EVENT_BUS_DEFAULT_HISTORY + 10; i++) {
    g_autofree char *n = g_strdup_printf ("%u", i + 1);
    g_assert_cmpuint (wb_event_bus_publish (bus, "test.event", i % 2 ? wards : NULL, object_node ("n", n)),
                      ==, i + 1);
  }
  g_assert_cmpuint (wb_event_bus_get_last_seq (bus), ==, WB_EVENT_BUS_DEFAULT_HISTORY + 10);

  since = wb_event_bus_get_since (bus, WB_EVENT_BUS_DEFAULT_HISTORY + 7);
  g_assert_cmpuint (since->len, ==, 3);
  g_assert_cmpuint (((WbEvent *) since->pdata[0])->seq, ==, WB_EVENT_BUS_DEFAULT_HISTORY + 8);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (((WbEvent *) since->pdata[2])->data), "n"),
                   ==, "266");
  /* seq N was published with i = N - 1: odd i concern two wards. */
  g_assert_cmpuint (g_strv_length (((WbEvent *) since->pdata[0])->wards), ==, 2);
  g_assert_true (wb_event_concerns_ward (since->pdata[0], "ward-02"));
  g_assert_cmpuint (g_strv_length (((WbEvent *) since->pdata[1])->wards), ==, 0);
  g_assert_false (wb_event_concerns_ward (since->pdata[1], "ward-02"));
  g_clear_pointer (&since, g_ptr_array_unref);

  /* Older events than the history holds are gone: the oldest kept is 11. */
  since = wb_event_bus_get_since (bus, 0);
  g_assert_cmpuint (since->len, ==, WB_EVENT_BUS_DEFAULT_HISTORY);
  g_assert_cmpuint (((WbEvent *) since->pdata[0])->seq, ==, 11);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/api/router", test_router);
  g_test_add_func ("/api/rate-limiter", test_rate_limiter);
  g_test_add_func ("/api/rate-limiter/sweep", test_rate_limiter_sweep);
  g_test_add_func ("/api/auth", test_auth);
  g_test_add_func ("/api/ics/folding", test_ics_folding);
  g_test_add_func ("/api/ics/escape", test_ics_escape);
  g_test_add_func ("/api/validation", test_validation);
  g_test_add_func ("/api/problem-shape", test_problem_shape);
  g_test_add_func ("/control/registry/lifecycle", test_registry_lifecycle);
  g_test_add_func ("/control/registry/reload", test_registry_reload);
  g_test_add_func ("/control/event-bus/history", test_event_bus_history);

  return g_test_run ();
}
