/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbTestHub: the HTTP API v1 as the client tests need it, on loopback.
 */
#include "wb-test-hub.h"

#include <libsoup/soup.h>
#include <string.h>

typedef struct {
  char *id;
  char *name;
  char *kind;
  char *state;          /* offline, idle, invited, joining, live */
  char *conference;     /* NULL: none */
  gboolean muted;
  guint joins;
  guint leaves;
  guint audio_port;
  guint video_port;
} Ward;

typedef struct {
  char *id;
  char *title;
  char *layout;
  char *presenter;
  GStrv wards;
  gint64 started_us;
} Conference;

typedef struct {
  char *id;
  char *title;
  char *status;
  GDateTime *start;
  GDateTime *end;
  GStrv wards;
} Booking;

struct _WbTestHub {
  SoupServer *server;
  guint port;
  char *url;
  GPtrArray *wards;          /* Ward* */
  GPtrArray *conferences;    /* Conference*, running */
  GPtrArray *bookings;       /* Booking* */
  GPtrArray *streams;        /* SoupServerMessage*, event streams (borrowed) */
  GPtrArray *log;            /* char* */
  GHashTable *bodies;        /* "METHOD /path" -> JsonObject* */
  guint next_conference;
  guint next_booking;
  guint64 next_event;
  guint hub_audio_port;
  guint hub_video_port;
};

static const struct {
  const char *id;
  const char *kind;
  const char *name;
} test_wards[] = {
  { "ward-01", "phuong", "Phường Cam Giá" },
  { "ward-03", "phuong", "Phường Đồng Bẩm" },
  { "ward-08", "phuong", "Phường Phan Đình Phùng" },
  { "ward-22", "xa", "Xã Cao Ngạn" },
};

static void
ward_free (Ward *ward)
{
  g_free (ward->id);
  g_free (ward->name);
  g_free (ward->kind);
  g_free (ward->state);
  g_free (ward->conference);
  g_free (ward);
}

static void
conference_free (Conference *conference)
{
  g_free (conference->id);
  g_free (conference->title);
  g_free (conference->layout);
  g_free (conference->presenter);
  g_strfreev (conference->wards);
  g_free (conference);
}

static void
booking_free (Booking *booking)
{
  g_free (booking->id);
  g_free (booking->title);
  g_free (booking->status);
  g_date_time_unref (booking->start);
  g_date_time_unref (booking->end);
  g_strfreev (booking->wards);
  g_free (booking);
}

static Ward *
find_ward (WbTestHub *hub, const char *id)
{
  for (guint i = 0; i < hub->wards->len; i++) {
    Ward *ward = g_ptr_array_index (hub->wards, i);

    if (g_str_equal (ward->id, id))
      return ward;
  }
  return NULL;
}

static Conference *
find_conference (WbTestHub *hub, const char *id)
{
  for (guint i = 0; i < hub->conferences->len; i++) {
    Conference *conference = g_ptr_array_index (hub->conferences, i);

    if (g_str_equal (conference->id, id))
      return conference;
  }
  return NULL;
}

static void
set_state (Ward *ward, const char *state)
{
  g_free (ward->state);
  ward->state = g_strdup (state);
}

/* ---- JSON ------------------------------------------------------------- */

static JsonNode *
ward_to_json (Ward *ward)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, ward->id);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, ward->name);
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, ward->kind);
  json_builder_set_member_name (b, "mode");
  json_builder_add_string_value (b, "agent");
  json_builder_set_member_name (b, "state");
  json_builder_add_string_value (b, ward->state);
  json_builder_set_member_name (b, "conference");
  if (ward->conference != NULL)
    json_builder_add_string_value (b, ward->conference);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "talking");
  json_builder_add_boolean_value (b, FALSE);
  json_builder_set_member_name (b, "muted");
  json_builder_add_boolean_value (b, ward->muted);
  json_builder_set_member_name (b, "last_seen");
  json_builder_add_string_value (b, "2026-11-26T02:00:00Z");
  json_builder_set_member_name (b, "stats");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "loss_pct");
  json_builder_add_double_value (b, 0.5);
  json_builder_set_member_name (b, "jitter_ms");
  json_builder_add_double_value (b, 3.25);
  json_builder_set_member_name (b, "rx_kbps");
  json_builder_add_int_value (b, 640);
  json_builder_set_member_name (b, "tx_kbps");
  json_builder_add_int_value (b, 1200);
  json_builder_end_object (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static JsonNode *
conference_to_json (WbTestHub *hub, Conference *conference, gboolean ended)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (GDateTime) started = g_date_time_new_from_unix_utc (conference->started_us / G_USEC_PER_SEC);
  g_autofree char *started_text = g_date_time_format_iso8601 (started);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, conference->id);
  json_builder_set_member_name (b, "title");
  json_builder_add_string_value (b, conference->title);
  json_builder_set_member_name (b, "state");
  json_builder_add_string_value (b, ended ? "ended" : "running");
  json_builder_set_member_name (b, "layout");
  json_builder_add_string_value (b, conference->layout);
  json_builder_set_member_name (b, "presenter");
  if (conference->presenter != NULL)
    json_builder_add_string_value (b, conference->presenter);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "started");
  json_builder_add_string_value (b, started_text);
  json_builder_set_member_name (b, "participants");
  json_builder_begin_array (b);
  for (guint i = 0; conference->wards[i] != NULL; i++) {
    Ward *ward = find_ward (hub, conference->wards[i]);

    json_builder_begin_object (b);
    json_builder_set_member_name (b, "endpoint");
    json_builder_add_string_value (b, ward->id);
    json_builder_set_member_name (b, "state");
    json_builder_add_string_value (b, ward->state);
    json_builder_set_member_name (b, "muted");
    json_builder_add_boolean_value (b, ward->muted);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static JsonNode *
booking_to_json (Booking *booking)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autofree char *start = g_date_time_format_iso8601 (booking->start);
  g_autofree char *end = g_date_time_format_iso8601 (booking->end);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, booking->id);
  json_builder_set_member_name (b, "title");
  json_builder_add_string_value (b, booking->title);
  json_builder_set_member_name (b, "status");
  json_builder_add_string_value (b, booking->status);
  json_builder_set_member_name (b, "start");
  json_builder_add_string_value (b, start);
  json_builder_set_member_name (b, "end");
  json_builder_add_string_value (b, end);
  json_builder_set_member_name (b, "endpoints");
  json_builder_begin_array (b);
  for (guint i = 0; booking->wards[i] != NULL; i++)
    json_builder_add_string_value (b, booking->wards[i]);
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/* ---- Events ----------------------------------------------------------- */

/* @wards: the wards the event concerns; an endpoint's stream hears only
 * those that concern its ward. */
static void
publish (WbTestHub         *hub,
         const char        *name,
         const char *const *wards,
         JsonNode          *data)
{
  g_autoptr (JsonNode) owned = data;
  g_autofree char *json = json_to_string (owned, FALSE);
  guint64 seq = ++hub->next_event;

  for (guint i = 0; i < hub->streams->len; i++) {
    SoupServerMessage *msg = g_ptr_array_index (hub->streams, i);
    const char *for_ward = g_object_get_data (G_OBJECT (msg), "ward");
    g_autofree char *chunk = NULL;

    /* An endpoint hears only its own events. */
    if (for_ward != NULL && (wards == NULL || !g_strv_contains (wards, for_ward)))
      continue;
    chunk = g_strdup_printf ("event: %s\nid: %" G_GUINT64_FORMAT "\ndata: %s\n\n",
                             name, seq, json);
    soup_message_body_append (soup_server_message_get_response_body (msg),
                              SOUP_MEMORY_COPY, chunk, strlen (chunk));
    soup_server_message_unpause (msg);
  }
}

static void
publish_ward_state (WbTestHub *hub, Ward *ward)
{
  const char *const wards[] = { ward->id, NULL };

  publish (hub, "endpoint.state", wards, ward_to_json (ward));
}

static void
on_stream_finished (SoupServerMessage *msg,
                    gpointer           user_data)
{
  WbTestHub *hub = user_data;

  g_ptr_array_remove (hub->streams, msg);
}

static void
serve_events (WbTestHub         *hub,
              SoupServerMessage *msg,
              const char        *ward)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  static const char hello[] = ": hello\n\n";

  soup_server_message_set_status (msg, 200, NULL);
  soup_message_headers_set_content_type (headers, "text/event-stream", NULL);
  soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
  soup_message_body_append (soup_server_message_get_response_body (msg),
                            SOUP_MEMORY_STATIC, hello, strlen (hello));
  g_object_set_data_full (G_OBJECT (msg), "ward", g_strdup (ward), g_free);
  g_ptr_array_add (hub->streams, msg);
  g_signal_connect (msg, "finished", G_CALLBACK (on_stream_finished), hub);
}

/* ---- Answers ---------------------------------------------------------- */

static void
respond_json (SoupServerMessage *msg, guint status, JsonNode *node)
{
  g_autoptr (JsonNode) owned = node;
  char *text = json_to_string (owned, FALSE);

  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, text, strlen (text));
}

static void
respond_problem (SoupServerMessage *msg,
                 guint              status,
                 const char        *detail,
                 JsonNode          *conflicts)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  char *text;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "urn:wardbridge:problem:test");
  json_builder_set_member_name (b, "title");
  json_builder_add_string_value (b, soup_status_get_phrase (status));
  json_builder_set_member_name (b, "status");
  json_builder_add_int_value (b, status);
  json_builder_set_member_name (b, "detail");
  json_builder_add_string_value (b, detail);
  if (conflicts != NULL) {
    json_builder_set_member_name (b, "conflicts");
    json_builder_add_value (b, conflicts);
  }
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  text = json_to_string (root, FALSE);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/problem+json", SOUP_MEMORY_TAKE,
                                    text, strlen (text));
}

static GStrv
wards_from_json (WbTestHub *hub, JsonNode *node)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
      g_strcmp0 (json_node_get_string (node), "all") == 0) {
    for (guint i = 0; i < hub->wards->len; i++)
      g_strv_builder_add (builder, ((Ward *) g_ptr_array_index (hub->wards, i))->id);
  } else if (node != NULL && JSON_NODE_HOLDS_ARRAY (node)) {
    JsonArray *array = json_node_get_array (node);

    for (guint i = 0; i < json_array_get_length (array); i++) {
      const char *id = json_array_get_string_element (array, i);

      if (id == NULL || find_ward (hub, id) == NULL)
        return NULL;
      g_strv_builder_add (builder, id);
    }
  } else {
    return NULL;
  }
  return g_strv_builder_end (builder);
}

static void
serve_booking_post (WbTestHub *hub, SoupServerMessage *msg, JsonObject *body)
{
  g_autoptr (GDateTime) start = NULL;
  g_autoptr (GDateTime) end = NULL;
  g_auto (GStrv) wards = NULL;
  g_autoptr (JsonArray) conflicts = json_array_new ();
  Booking *booking;

  if (body == NULL || !json_object_has_member (body, "title") ||
      !json_object_has_member (body, "start") || !json_object_has_member (body, "end")) {
    respond_problem (msg, 422, "title, start and end are required", NULL);
    return;
  }
  start = g_date_time_new_from_iso8601 (json_object_get_string_member (body, "start"), NULL);
  end = g_date_time_new_from_iso8601 (json_object_get_string_member (body, "end"), NULL);
  wards = wards_from_json (hub, json_object_get_member (body, "endpoints"));
  if (start == NULL || end == NULL) {
    respond_problem (msg, 422, "start and end must be RFC 3339 times with an offset", NULL);
    return;
  }
  if (g_date_time_compare (start, end) >= 0 || wards == NULL) {
    respond_problem (msg, 422, "end must be after start, endpoints must be known wards", NULL);
    return;
  }

  for (guint i = 0; i < hub->bookings->len; i++) {
    Booking *other = g_ptr_array_index (hub->bookings, i);

    if (!g_str_equal (other->status, "scheduled") ||
        g_date_time_compare (start, other->end) >= 0 ||
        g_date_time_compare (other->start, end) >= 0)
      continue;
    for (guint k = 0; wards[k] != NULL; k++) {
      if (g_strv_contains ((const char *const *) other->wards, wards[k])) {
        JsonObject *conflict = json_object_new ();
        JsonArray *clashing = json_array_new ();
        g_autofree char *other_start = g_date_time_format_iso8601 (other->start);
        g_autofree char *other_end = g_date_time_format_iso8601 (other->end);

        json_array_add_string_element (clashing, wards[k]);
        json_object_set_string_member (conflict, "booking", other->id);
        json_object_set_string_member (conflict, "title", other->title);
        json_object_set_string_member (conflict, "start", other_start);
        json_object_set_string_member (conflict, "end", other_end);
        json_object_set_array_member (conflict, "endpoints", clashing);
        json_array_add_object_element (conflicts, conflict);
        break;
      }
    }
  }
  if (json_array_get_length (conflicts) > 0) {
    JsonNode *node = json_node_new (JSON_NODE_ARRAY);
    JsonObject *first = json_array_get_object_element (conflicts, 0);
    const char *ward = json_array_get_string_element (json_object_get_array_member (first, "endpoints"), 0);
    g_autofree char *detail = g_strdup_printf ("%s is already booked in an overlapping slot", ward);

    json_node_set_array (node, conflicts);
    respond_problem (msg, 409, detail, node);
    return;
  }

  booking = g_new0 (Booking, 1);
  booking->id = g_strdup_printf ("b-%u", ++hub->next_booking);
  booking->title = g_strdup (json_object_get_string_member (body, "title"));
  booking->status = g_strdup ("scheduled");
  booking->start = g_date_time_to_utc (start);
  booking->end = g_date_time_to_utc (end);
  booking->wards = g_steal_pointer (&wards);
  g_ptr_array_add (hub->bookings, booking);
  respond_json (msg, 201, booking_to_json (booking));
}

typedef enum { ROLE_NONE, ROLE_ADMIN, ROLE_SCHEDULER, ROLE_ENDPOINT } Role;

static Role
authenticate (WbTestHub *hub, SoupServerMessage *msg, char **ward)
{
  const char *auth = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                   "Authorization");

  *ward = NULL;
  if (auth == NULL || !g_str_has_prefix (auth, "Bearer "))
    return ROLE_NONE;
  auth += strlen ("Bearer ");
  if (g_str_equal (auth, "admin-token"))
    return ROLE_ADMIN;
  if (g_str_equal (auth, "sched-token"))
    return ROLE_SCHEDULER;
  for (guint i = 0; i < hub->wards->len; i++) {
    Ward *w = g_ptr_array_index (hub->wards, i);
    g_autofree char *token = g_strconcat (w->id, "-token", NULL);

    if (g_str_equal (auth, token)) {
      *ward = g_strdup (w->id);
      return ROLE_ENDPOINT;
    }
  }
  return ROLE_NONE;
}

static void
serve_join (WbTestHub *hub, SoupServerMessage *msg, Ward *ward, JsonObject *body)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autofree char *sdp = NULL;

  if (ward->conference == NULL) {
    respond_problem (msg, 409, "the ward is in no running conference", NULL);
    return;
  }
  if (body == NULL || !json_object_has_member (body, "audio_port") ||
      !json_object_has_member (body, "video_port")) {
    respond_problem (msg, 422, "audio_port and video_port are required", NULL);
    return;
  }
  ward->audio_port = json_object_get_int_member (body, "audio_port");
  ward->video_port = json_object_get_int_member (body, "video_port");
  ward->joins++;
  set_state (ward, "live");

  sdp = g_strdup_printf ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=%s\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                         "m=audio %u RTP/AVP 111\r\na=rtpmap:111 opus/48000/2\r\n"
                         "m=video %u RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
                         "a=fmtp:96 packetization-mode=1;profile-level-id=42e01f\r\n",
                         ward->conference, ward->audio_port, ward->video_port);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "conference");
  json_builder_add_string_value (b, ward->conference);
  json_builder_set_member_name (b, "hub");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "host");
  json_builder_add_string_value (b, "127.0.0.1");
  json_builder_set_member_name (b, "audio_port");
  json_builder_add_int_value (b, hub->hub_audio_port);
  json_builder_set_member_name (b, "video_port");
  json_builder_add_int_value (b, hub->hub_video_port);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "audio");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "codec");
  json_builder_add_string_value (b, "opus");
  json_builder_set_member_name (b, "payload_type");
  json_builder_add_int_value (b, 111);
  json_builder_set_member_name (b, "clock_rate");
  json_builder_add_int_value (b, 48000);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "video");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "codec");
  json_builder_add_string_value (b, "h264");
  json_builder_set_member_name (b, "payload_type");
  json_builder_add_int_value (b, 96);
  json_builder_set_member_name (b, "clock_rate");
  json_builder_add_int_value (b, 90000);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "srtp");
  json_builder_add_null_value (b);
  json_builder_set_member_name (b, "sdp");
  json_builder_add_string_value (b, sdp);
  json_builder_end_object (b);
  respond_json (msg, 200, json_builder_get_root (b));
  publish (hub, "participant.joined", (const char *const[]) { ward->id, NULL }, ward_to_json (ward));
}

static void
handle (SoupServer        *server,
        SoupServerMessage *msg,
        const char        *path,
        GHashTable        *query,
        gpointer           user_data)
{
  WbTestHub *hub = user_data;
  const char *method = soup_server_message_get_method (msg);
  g_autofree char *ward_id = NULL;
  g_autofree char *key = g_strdup_printf ("%s %s", method, path);
  g_auto (GStrv) parts = NULL;
  g_autoptr (JsonObject) body = NULL;
  SoupMessageBody *request_body = soup_server_message_get_request_body (msg);
  guint n;
  Role role;

  g_ptr_array_add (hub->log, g_strdup (key));

  if (request_body->length > 0) {
    g_autoptr (JsonParser) parser = json_parser_new ();

    if (!json_parser_load_from_data (parser, request_body->data, request_body->length, NULL) ||
        !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser))) {
      respond_problem (msg, 400, "malformed JSON", NULL);
      return;
    }
    body = json_object_ref (json_node_get_object (json_parser_get_root (parser)));
    g_hash_table_replace (hub->bodies, g_strdup (key), json_object_ref (body));
  }

  if (g_str_equal (path, "/healthz")) {
    respond_json (msg, 200, json_from_string ("{\"status\":\"ok\"}", NULL));
    return;
  }

  role = authenticate (hub, msg, &ward_id);
  if (role == ROLE_NONE) {
    respond_problem (msg, 401, "a valid bearer token is required", NULL);
    return;
  }

  parts = g_strsplit (path, "/", -1);  /* "", "api", "v1", ... */
  n = g_strv_length (parts);
  if (n < 4 || !g_str_equal (parts[1], "api") || !g_str_equal (parts[2], "v1")) {
    respond_problem (msg, 404, "no such resource", NULL);
    return;
  }

  if (g_str_equal (parts[3], "events") && n == 4) {
    serve_events (hub, msg, ward_id);
    return;
  }

  if (g_str_equal (parts[3], "endpoints")) {
    Ward *ward = n >= 5 ? find_ward (hub, parts[4]) : NULL;

    if (n == 4 && role != ROLE_ENDPOINT) {
      g_autoptr (JsonArray) array = json_array_new ();
      JsonNode *node = json_node_new (JSON_NODE_ARRAY);

      for (guint i = 0; i < hub->wards->len; i++)
        json_array_add_element (array, ward_to_json (g_ptr_array_index (hub->wards, i)));
      json_node_set_array (node, array);
      respond_json (msg, 200, node);
      return;
    }
    if (ward == NULL) {
      respond_problem (msg, 404, "no such endpoint", NULL);
      return;
    }
    if (role == ROLE_ENDPOINT && !g_str_equal (ward_id, ward->id)) {
      respond_problem (msg, 403, "a box may only act for its own ward", NULL);
      return;
    }
    if (n == 5 && g_str_equal (method, "GET")) {
      respond_json (msg, 200, ward_to_json (ward));
      return;
    }
    if (n == 6 && g_str_equal (method, "POST") && g_str_equal (parts[5], "join")) {
      serve_join (hub, msg, ward, body);
      return;
    }
    if (n == 6 && g_str_equal (method, "POST") && g_str_equal (parts[5], "leave")) {
      ward->leaves++;
      if (ward->conference != NULL)
        set_state (ward, "invited");
      soup_server_message_set_status (msg, 204, NULL);
      publish (hub, "participant.left", (const char *const[]) { ward->id, NULL }, ward_to_json (ward));
      return;
    }
    respond_problem (msg, 405, "method not allowed", NULL);
    return;
  }

  if (role == ROLE_ENDPOINT) {
    respond_problem (msg, 403, "this token may not do that", NULL);
    return;
  }

  if (g_str_equal (parts[3], "conferences")) {
    Conference *conference = n >= 5 ? find_conference (hub, parts[4]) : NULL;

    if (n == 4 && g_str_equal (method, "GET")) {
      g_autoptr (JsonArray) array = json_array_new ();
      JsonNode *node = json_node_new (JSON_NODE_ARRAY);

      for (guint i = 0; i < hub->conferences->len; i++)
        json_array_add_element (array, conference_to_json (hub, g_ptr_array_index (hub->conferences, i), FALSE));
      json_node_set_array (node, array);
      respond_json (msg, 200, node);
      return;
    }
    if (role != ROLE_ADMIN && !g_str_equal (method, "GET")) {
      respond_problem (msg, 403, "only IT staff may change conferences", NULL);
      return;
    }
    if (n == 4 && g_str_equal (method, "POST")) {
      g_auto (GStrv) wards = wards_from_json (hub, body != NULL ? json_object_get_member (body, "endpoints") : NULL);
      const char *id;

      if (wards == NULL || !json_object_has_member (body, "title")) {
        respond_problem (msg, 422, "title and endpoints are required", NULL);
        return;
      }
      id = wb_test_hub_start_conference (hub, json_object_get_string_member (body, "title"),
                                         (const char *const *) wards);
      respond_json (msg, 201, conference_to_json (hub, find_conference (hub, id), FALSE));
      return;
    }
    if (conference == NULL) {
      respond_problem (msg, 404, "no running conference with that id", NULL);
      return;
    }
    if (n == 5 && g_str_equal (method, "PATCH")) {
      if (body != NULL && json_object_has_member (body, "layout")) {
        g_free (conference->layout);
        conference->layout = g_strdup (json_object_get_string_member (body, "layout"));
      }
      if (body != NULL && json_object_has_member (body, "presenter")) {
        g_free (conference->presenter);
        conference->presenter = g_strdup (json_object_get_string_member (body, "presenter"));
      }
      respond_json (msg, 200, conference_to_json (hub, conference, FALSE));
      return;
    }
    if (n == 6 && g_str_equal (parts[5], "end") && g_str_equal (method, "POST")) {
      respond_json (msg, 200, conference_to_json (hub, conference, TRUE));
      wb_test_hub_end_conference (hub, conference->id);
      return;
    }
    if (n == 6 && g_str_equal (parts[5], "attendance") && g_str_equal (method, "GET")) {
      g_autoptr (JsonArray) array = json_array_new ();
      JsonNode *node = json_node_new (JSON_NODE_ARRAY);

      for (guint i = 0; conference->wards[i] != NULL; i++) {
        JsonObject *row = json_object_new ();

        json_object_set_string_member (row, "endpoint", conference->wards[i]);
        json_object_set_string_member (row, "joined", "2026-11-26T02:00:05Z");
        json_object_set_null_member (row, "left");
        json_object_set_int_member (row, "talk_seconds", 42 + 10 * i);
        json_array_add_object_element (array, row);
      }
      json_node_set_array (node, array);
      respond_json (msg, 200, node);
      return;
    }
    if (n == 8 && g_str_equal (parts[5], "participants") && g_str_equal (method, "POST") &&
        (g_str_equal (parts[7], "mute") || g_str_equal (parts[7], "unmute"))) {
      Ward *ward = find_ward (hub, parts[6]);

      if (ward == NULL || !g_strv_contains ((const char *const *) conference->wards, ward->id)) {
        respond_problem (msg, 404, "that ward is not in the conference", NULL);
        return;
      }
      ward->muted = g_str_equal (parts[7], "mute");
      soup_server_message_set_status (msg, 204, NULL);
      return;
    }
    respond_problem (msg, 405, "method not allowed", NULL);
    return;
  }

  if (g_str_equal (parts[3], "bookings")) {
    if (n == 4 && g_str_equal (method, "POST")) {
      serve_booking_post (hub, msg, body);
      return;
    }
    if (n == 4 && g_str_equal (method, "GET")) {
      g_autoptr (JsonArray) array = json_array_new ();
      JsonNode *node = json_node_new (JSON_NODE_ARRAY);

      for (guint i = 0; i < hub->bookings->len; i++)
        json_array_add_element (array, booking_to_json (g_ptr_array_index (hub->bookings, i)));
      json_node_set_array (node, array);
      respond_json (msg, 200, node);
      return;
    }
    if (n == 5 && g_str_equal (method, "DELETE")) {
      for (guint i = 0; i < hub->bookings->len; i++) {
        Booking *booking = g_ptr_array_index (hub->bookings, i);

        if (g_str_equal (booking->id, parts[4])) {
          g_free (booking->status);
          booking->status = g_strdup ("cancelled");
          soup_server_message_set_status (msg, 204, NULL);
          return;
        }
      }
      respond_problem (msg, 404, "no such booking", NULL);
      return;
    }
  }

  respond_problem (msg, 404, "no such resource", NULL);
}

/* ---- Life ------------------------------------------------------------- */

static void
listen_on (WbTestHub *hub, guint port)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (loopback, port);
  GSList *uris;

  hub->server = soup_server_new ("server-header", "wb-test-hub", NULL);
  soup_server_add_handler (hub->server, NULL, handle, hub, NULL);
  soup_server_listen (hub->server, address, 0, &error);
  g_assert_no_error (error);

  uris = soup_server_get_uris (hub->server);
  g_assert_nonnull (uris);
  hub->port = g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  g_free (hub->url);
  hub->url = g_strdup_printf ("http://127.0.0.1:%u", hub->port);
}

WbTestHub *
wb_test_hub_new (void)
{
  WbTestHub *hub = g_new0 (WbTestHub, 1);

  hub->wards = g_ptr_array_new_with_free_func ((GDestroyNotify) ward_free);
  hub->conferences = g_ptr_array_new_with_free_func ((GDestroyNotify) conference_free);
  hub->bookings = g_ptr_array_new_with_free_func ((GDestroyNotify) booking_free);
  hub->streams = g_ptr_array_new ();
  hub->log = g_ptr_array_new_with_free_func (g_free);
  hub->bodies = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) json_object_unref);
  for (guint i = 0; i < G_N_ELEMENTS (test_wards); i++) {
    Ward *ward = g_new0 (Ward, 1);

    ward->id = g_strdup (test_wards[i].id);
    ward->name = g_strdup (test_wards[i].name);
    ward->kind = g_strdup (test_wards[i].kind);
    ward->state = g_strdup ("idle");
    g_ptr_array_add (hub->wards, ward);
  }
  listen_on (hub, 0);
  return hub;
}

static gboolean
no_streams (gpointer data)
{
  return ((WbTestHub *) data)->streams->len == 0;
}

void
wb_test_hub_kill (WbTestHub *hub)
{
  if (hub->server == NULL)
    return;
  /* End the event streams first, then close the connections. */
  for (guint i = 0; i < hub->streams->len; i++) {
    SoupServerMessage *msg = g_ptr_array_index (hub->streams, i);

    soup_message_body_complete (soup_server_message_get_response_body (msg));
    soup_server_message_unpause (msg);
  }
  wb_test_wait_until (no_streams, hub, 30);
  g_assert_cmpuint (hub->streams->len, ==, 0);
  soup_server_disconnect (hub->server);
  g_clear_object (&hub->server);

  for (guint i = 0; i < hub->wards->len; i++) {
    Ward *ward = g_ptr_array_index (hub->wards, i);

    set_state (ward, ward->conference != NULL ? "invited" : "offline");
  }
}

void
wb_test_hub_restart (WbTestHub *hub)
{
  g_assert_null (hub->server);
  listen_on (hub, hub->port);
}

void
wb_test_hub_free (WbTestHub *hub)
{
  if (hub == NULL)
    return;
  wb_test_hub_kill (hub);
  g_ptr_array_unref (hub->wards);
  g_ptr_array_unref (hub->conferences);
  g_ptr_array_unref (hub->bookings);
  g_ptr_array_unref (hub->streams);
  g_ptr_array_unref (hub->log);
  g_hash_table_unref (hub->bodies);
  g_free (hub->url);
  g_free (hub);
}

guint
wb_test_hub_get_port (WbTestHub *hub)
{
  return hub->port;
}

const char *
wb_test_hub_get_url (WbTestHub *hub)
{
  return hub->url;
}

void
wb_test_hub_set_media_ports (WbTestHub *hub,
                             guint      audio_port,
                             guint      video_port)
{
  hub->hub_audio_port = audio_port;
  hub->hub_video_port = video_port;
}

const char *
wb_test_hub_start_conference (WbTestHub         *hub,
                              const char        *title,
                              const char *const *wards)
{
  Conference *conference = g_new0 (Conference, 1);

  conference->id = g_strdup_printf ("c-%u", ++hub->next_conference);
  conference->title = g_strdup (title);
  conference->layout = g_strdup ("grid");
  conference->wards = g_strdupv ((char **) wards);
  conference->started_us = g_get_real_time ();
  g_ptr_array_add (hub->conferences, conference);

  for (guint i = 0; wards[i] != NULL; i++) {
    Ward *ward = find_ward (hub, wards[i]);

    g_assert_nonnull (ward);
    g_free (ward->conference);
    ward->conference = g_strdup (conference->id);
    set_state (ward, "invited");
    publish_ward_state (hub, ward);
  }
  publish (hub, "conference.started", (const char *const *) conference->wards,
           conference_to_json (hub, conference, FALSE));
  return conference->id;
}

void
wb_test_hub_end_conference (WbTestHub  *hub,
                            const char *id)
{
  Conference *conference = find_conference (hub, id);

  g_assert_nonnull (conference);
  publish (hub, "conference.ended", (const char *const *) conference->wards,
           conference_to_json (hub, conference, TRUE));
  for (guint i = 0; conference->wards[i] != NULL; i++) {
    Ward *ward = find_ward (hub, conference->wards[i]);

    g_clear_pointer (&ward->conference, g_free);
    set_state (ward, "idle");
    publish_ward_state (hub, ward);
  }
  g_ptr_array_remove (hub->conferences, conference);
}

JsonObject *
wb_test_hub_get_endpoint (WbTestHub  *hub,
                          const char *ward)
{
  Ward *w = find_ward (hub, ward);
  g_autoptr (JsonNode) node = NULL;

  g_assert_nonnull (w);
  node = ward_to_json (w);
  return json_object_ref (json_node_get_object (node));
}

guint
wb_test_hub_count_joins (WbTestHub *hub, const char *ward)
{
  return find_ward (hub, ward)->joins;
}

guint
wb_test_hub_count_leaves (WbTestHub *hub, const char *ward)
{
  return find_ward (hub, ward)->leaves;
}

void
wb_test_hub_get_join_ports (WbTestHub  *hub,
                            const char *ward,
                            guint      *audio_port,
                            guint      *video_port)
{
  Ward *w = find_ward (hub, ward);

  *audio_port = w->audio_port;
  *video_port = w->video_port;
}

GPtrArray *
wb_test_hub_get_log (WbTestHub *hub)
{
  return hub->log;
}

guint
wb_test_hub_count_streams (WbTestHub *hub)
{
  return hub->streams->len;
}

JsonObject *
wb_test_hub_get_last_body (WbTestHub  *hub,
                           const char *method_and_path)
{
  return g_hash_table_lookup (hub->bodies, method_and_path);
}

static gboolean
on_wait_timeout (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
on_wait_tick (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

gboolean
wb_test_wait_until (gboolean (*done) (gpointer data),
                    gpointer   data,
                    guint      timeout_s)
{
  gboolean timed_out = FALSE;
  guint source = g_timeout_add_seconds (timeout_s, on_wait_timeout, &timed_out);
  /* Conditions that no event announces (a file, another process) are
   * looked at every 50 ms. */
  guint tick = g_timeout_add (50, on_wait_tick, NULL);
  gboolean result;

  while (!(result = done (data)) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (source);
  g_source_remove (tick);
  return result;
}
