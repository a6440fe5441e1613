/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Routes of running conferences, through WbConferenceControl: list, start,
 * get, change (layout, presenter, title), end, mute/unmute, snapshot; and
 * the attendance of a conference (running or ended) from the store.
 */
#include "wb-api-private.h"

#include "control/wb-booking.h"

static JsonNode *
time_or_null (gint64 us)
{
  JsonNode *node = json_node_alloc ();

  if (us <= 0)
    return json_node_init_null (node);
  {
    g_autofree char *text = wb_api_format_time (us);
    return json_node_init_string (node, text);
  }
}

JsonNode *
wb_api_conference_to_json (const WbConferenceInfo *info)
{
  JsonObject *obj = json_object_new ();
  JsonArray *participants = json_array_sized_new (info->participants->len);
  JsonNode *node;

  json_object_set_string_member (obj, "id", info->id);
  json_object_set_string_member (obj, "title", info->title != NULL ? info->title : "");
  json_object_set_string_member (obj, "state", wb_conference_state_to_string (info->state));
  json_object_set_string_member (obj, "layout", wb_layout_kind_to_string (info->layout));
  if (info->presenter != NULL)
    json_object_set_string_member (obj, "presenter", info->presenter);
  else
    json_object_set_null_member (obj, "presenter");
  json_object_set_boolean_member (obj, "record", info->record);
  if (info->booking_id != NULL)
    json_object_set_string_member (obj, "booking", info->booking_id);
  else
    json_object_set_null_member (obj, "booking");
  json_object_set_member (obj, "started", time_or_null (info->started_us));
  json_object_set_member (obj, "ended", time_or_null (info->ended_us));

  for (guint i = 0; i < info->participants->len; i++) {
    const WbParticipantInfo *p = info->participants->pdata[i];
    JsonObject *po = json_object_new ();

    json_object_set_string_member (po, "endpoint", p->endpoint_id);
    json_object_set_string_member (po, "state", wb_endpoint_state_to_string (p->state));
    json_object_set_boolean_member (po, "talking", p->talking);
    json_object_set_boolean_member (po, "muted", p->muted);
    json_object_set_member (po, "joined", time_or_null (p->joined_us));
    json_array_add_object_element (participants, po);
  }
  json_object_set_array_member (obj, "participants", participants);

  node = json_node_init_object (json_node_alloc (), obj);
  json_object_unref (obj);
  return node;
}

static WbConferenceControl *
control_or_503 (WbRequest *request)
{
  WbConferenceControl *control = wb_api_get_conferences (request->api);

  if (control == NULL)
    wb_request_respond_problem (request, 503, "unavailable", "the media plane is not running", NULL, NULL);
  return control;
}

static void
list_conferences (WbRequest *request)
{
  WbConferenceControl *control = control_or_503 (request);
  g_autoptr (GPtrArray) conferences = NULL;
  JsonArray *array;

  if (control == NULL)
    return;
  conferences = wb_conference_control_list (control);
  array = json_array_sized_new (conferences->len);
  for (guint i = 0; i < conferences->len; i++)
    json_array_add_element (array, wb_api_conference_to_json (conferences->pdata[i]));
  wb_request_respond_json (request, 200, json_node_init_array (json_node_alloc (), array));
  json_array_unref (array);
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

/* Checks "endpoints" ("all" or known, distinct ward ids) and returns the
 * sorted ids; NULL after adding field errors. */
static GStrv
parse_endpoints (WbRequest *request, JsonNode *node, gboolean *all, WbFieldErrors *fe)
{
  WbConfig *config = wb_api_get_config (request->api);
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  gboolean ok = TRUE;

  *all = JSON_NODE_HOLDS_VALUE (node);
  if (*all) {
    for (guint i = 0; i < config->endpoints->len; i++)
      g_ptr_array_add (ids, g_strdup (((WbEndpointConfig *) config->endpoints->pdata[i])->id));
  } else {
    JsonArray *array = json_node_get_array (node);
    for (guint i = 0; i < json_array_get_length (array); i++) {
      const char *id = json_array_get_string_element (array, i);
      g_autofree char *field = g_strdup_printf ("endpoints/%u", i);

      if (wb_config_find_endpoint (config, id) == NULL) {
        wb_field_errors_add (fe, field, "no endpoint '%s' is configured", id);
        ok = FALSE;
      } else if (g_ptr_array_find_with_equal_func (ids, id, g_str_equal, NULL)) {
        wb_field_errors_add (fe, field, "'%s' is named twice", id);
        ok = FALSE;
      } else {
        g_ptr_array_add (ids, g_strdup (id));
      }
    }
  }
  if (!ok)
    return NULL;
  g_ptr_array_sort (ids, compare_strings);
  g_ptr_array_add (ids, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&ids), FALSE);
}

static gboolean
parse_layout (JsonObject *body, WbLayoutKind *layout, WbFieldErrors *fe)
{
  const char *text = json_object_get_string_member (body, "layout");

  if (!wb_layout_kind_from_string (text, layout)) {
    wb_field_errors_add (fe, "layout", "must be one of grid, speaker, presenter, single");
    return FALSE;
  }
  return TRUE;
}

static const WbFieldSpec start_fields[] = {
  { "title", WB_FIELD_STRING, TRUE, 0, 0 },
  { "endpoints", WB_FIELD_ALL_OR_IDS, TRUE, 0, 0 },
  { "layout", WB_FIELD_STRING, FALSE, 0, 0 },
  { "record", WB_FIELD_BOOLEAN, FALSE, 0, 0 },
};

static void
respond_field_errors (WbRequest *request, WbFieldErrors *fe, const char *detail)
{
  wb_request_respond_problem (request, 422, "invalid-fields", detail, wb_field_errors_steal (fe), NULL);
}

static WbActor
request_actor (WbRequest *request)
{
  WbActor actor = { 0 };

  wb_identity_to_actor (request->identity, &actor);
  return actor;
}

static void
start_conference (WbRequest *request)
{
  WbConferenceControl *control;
  JsonObject *body = wb_request_body_object (request);
  WbConferenceSpec spec = { 0 };
  g_auto (WbFieldErrors) fe = { 0 };
  g_auto (GStrv) endpoints = NULL;
  g_autoptr (WbConferenceInfo) info = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *location = NULL;
  WbActor actor = request_actor (request);

  wb_field_errors_init (&fe);
  spec.layout = wb_api_get_config (request->api)->layout;
  if (wb_validate_fields (body, start_fields, G_N_ELEMENTS (start_fields), &fe)) {
    const char *title = json_object_get_string_member (body, "title");

    if (g_utf8_strlen (title, -1) > WB_BOOKING_TITLE_MAX)
      wb_field_errors_add (&fe, "title", "is longer than %d characters", WB_BOOKING_TITLE_MAX);
    spec.title = title;
    endpoints = parse_endpoints (request, json_object_get_member (body, "endpoints"),
                                 &spec.all_endpoints, &fe);
    if (json_object_has_member (body, "layout"))
      parse_layout (body, &spec.layout, &fe);
    spec.record = json_object_get_boolean_member_with_default (body, "record", FALSE);
  }
  if (!wb_field_errors_empty (&fe)) {
    respond_field_errors (request, &fe, "the conference request has invalid fields");
    return;
  }
  spec.endpoints = (const char *const *) endpoints;

  control = control_or_503 (request);
  if (control == NULL)
    return;
  info = wb_conference_control_start (control, &spec, &actor, &error);
  if (info == NULL) {
    wb_request_respond_error (request, error);
    return;
  }
  request->audit_target = g_strdup_printf ("conference/%s", info->id);
  location = g_strdup_printf ("/api/v1/conferences/%s", info->id);
  soup_message_headers_replace (soup_server_message_get_response_headers (request->msg), "Location", location);
  wb_request_respond_json (request, 201, wb_api_conference_to_json (info));
}

static void
get_conference (WbRequest *request)
{
  WbConferenceControl *control = control_or_503 (request);
  g_autoptr (WbConferenceInfo) info = NULL;
  g_autoptr (GError) error = NULL;

  if (control == NULL)
    return;
  info = wb_conference_control_get (control, wb_request_param (request, "id"), &error);
  if (info == NULL)
    wb_request_respond_error (request, error);
  else
    wb_request_respond_json (request, 200, wb_api_conference_to_json (info));
}

static const WbFieldSpec update_fields[] = {
  { "title", WB_FIELD_STRING, FALSE, 0, 0 },
  { "layout", WB_FIELD_STRING, FALSE, 0, 0 },
  { "presenter", WB_FIELD_NULLABLE_STRING, FALSE, 0, 0 },
};

static void
update_conference (WbRequest *request)
{
  WbConferenceControl *control;
  JsonObject *body = wb_request_body_object (request);
  WbConferenceChanges changes = { 0 };
  g_auto (WbFieldErrors) fe = { 0 };
  g_autoptr (WbConferenceInfo) info = NULL;
  g_autoptr (GError) error = NULL;
  const char *id = wb_request_param (request, "id");

  request->audit_target = g_strdup_printf ("conference/%s", id);
  wb_field_errors_init (&fe);
  if (wb_validate_fields (body, update_fields, G_N_ELEMENTS (update_fields), &fe)) {
    if (json_object_get_size (body) == 0)
      wb_field_errors_add (&fe, "", "name at least one of title, layout, presenter");
    if (json_object_has_member (body, "title")) {
      changes.has_title = TRUE;
      changes.title = json_object_get_string_member (body, "title");
      if (g_utf8_strlen (changes.title, -1) > WB_BOOKING_TITLE_MAX)
        wb_field_errors_add (&fe, "title", "is longer than %d characters", WB_BOOKING_TITLE_MAX);
    }
    if (json_object_has_member (body, "layout"))
      changes.has_layout = parse_layout (body, &changes.layout, &fe);
    if (json_object_has_member (body, "presenter")) {
      changes.has_presenter = TRUE;
      changes.presenter = json_object_get_string_member_with_default (body, "presenter", NULL);
      if (changes.presenter != NULL &&
          wb_config_find_endpoint (wb_api_get_config (request->api), changes.presenter) == NULL)
        wb_field_errors_add (&fe, "presenter", "no endpoint '%s' is configured", changes.presenter);
    }
  }
  if (!wb_field_errors_empty (&fe)) {
    respond_field_errors (request, &fe, "the change has invalid fields");
    return;
  }

  control = control_or_503 (request);
  if (control == NULL)
    return;
  info = wb_conference_control_update (control, id, &changes, &error);
  if (info == NULL)
    wb_request_respond_error (request, error);
  else
    wb_request_respond_json (request, 200, wb_api_conference_to_json (info));
}

static void
end_conference (WbRequest *request)
{
  WbConferenceControl *control = control_or_503 (request);
  g_autoptr (WbConferenceInfo) info = NULL;
  g_autoptr (GError) error = NULL;
  const char *id = wb_request_param (request, "id");
  WbActor actor = request_actor (request);

  request->audit_target = g_strdup_printf ("conference/%s", id);
  if (control == NULL)
    return;
  info = wb_conference_control_end (control, id, &actor, &error);
  if (info == NULL)
    wb_request_respond_error (request, error);
  else
    wb_request_respond_json (request, 200, wb_api_conference_to_json (info));
}

static void
set_muted (WbRequest *request, gboolean muted)
{
  WbConferenceControl *control = control_or_503 (request);
  g_autoptr (GError) error = NULL;
  const char *id = wb_request_param (request, "id");
  const char *ep = wb_request_param (request, "ep");

  request->audit_target = g_strdup_printf ("conference/%s/participants/%s", id, ep);
  if (control == NULL)
    return;
  if (!wb_conference_control_set_muted (control, id, ep, muted, &error))
    wb_request_respond_error (request, error);
  else
    wb_request_respond_empty (request, 204);
}

static void mute (WbRequest *request) { set_muted (request, TRUE); }
static void unmute (WbRequest *request) { set_muted (request, FALSE); }

static void
snapshot_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  WbRequest *request = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) jpeg = wb_conference_control_snapshot_finish (WB_CONFERENCE_CONTROL (source),
                                                                    result, &error);

  if (jpeg == NULL) {
    wb_request_respond_error (request, error);
  } else {
    soup_server_message_set_status (request->msg, 200, NULL);
    soup_message_headers_replace (soup_server_message_get_response_headers (request->msg),
                                  "Cache-Control", "no-store");
    soup_message_headers_set_content_type (soup_server_message_get_response_headers (request->msg),
                                           "image/jpeg", NULL);
    soup_message_body_append_bytes (soup_server_message_get_response_body (request->msg), jpeg);
  }
  wb_request_unpause (request);
  /* The message held the request alive while paused. */
  g_object_unref (request->msg);
}

static void
snapshot (WbRequest *request)
{
  WbConferenceControl *control = control_or_503 (request);

  if (control == NULL)
    return;
  /* The request lives on the message; keep the message until the answer. */
  g_object_ref (request->msg);
  wb_request_pause (request);
  wb_conference_control_snapshot_async (control, wb_request_param (request, "id"), NULL,
                                        snapshot_done, request);
}

static void
attendance (WbRequest *request)
{
  WbBookingService *bookings = wb_api_get_bookings (request->api);
  const char *id = wb_request_param (request, "id");
  g_autoptr (WbConferenceRecord) record = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  g_autoptr (GError) error = NULL;
  WbStore *store;
  JsonObject *obj;
  JsonArray *array;
  JsonNode *node;

  if (bookings == NULL) {
    wb_request_respond_problem (request, 503, "unavailable", "the store is not open", NULL, NULL);
    return;
  }
  store = wb_booking_service_get_store (bookings);
  record = wb_store_get_conference (store, id, &error);
  if (record == NULL) {
    wb_request_respond_error (request, error);
    return;
  }
  rows = wb_store_list_attendance (store, id, g_get_real_time (), &error);
  if (rows == NULL) {
    wb_request_respond_error (request, error);
    return;
  }

  array = json_array_sized_new (rows->len);
  for (guint i = 0; i < rows->len; i++) {
    const WbAttendance *a = rows->pdata[i];
    JsonObject *row = json_object_new ();

    json_object_set_string_member (row, "endpoint", a->endpoint_id);
    json_object_set_member (row, "joined", time_or_null (a->first_joined_us));
    json_object_set_member (row, "left", time_or_null (a->last_left_us));
    json_object_set_double_member (row, "talk_seconds", a->talk_us / (double) G_USEC_PER_SEC);
    json_object_set_double_member (row, "present_seconds", a->present_us / (double) G_USEC_PER_SEC);
    json_object_set_int_member (row, "sessions", a->sessions);
    json_array_add_object_element (array, row);
  }

  obj = json_object_new ();
  json_object_set_string_member (obj, "conference", record->id);
  json_object_set_string_member (obj, "title", record->title != NULL ? record->title : "");
  json_object_set_member (obj, "started", time_or_null (record->started_us));
  json_object_set_member (obj, "ended", time_or_null (record->ended_us));
  json_object_set_array_member (obj, "attendance", array);
  node = json_node_init_object (json_node_alloc (), obj);
  json_object_unref (obj);
  wb_request_respond_json (request, 200, node);
}

const WbRoute wb_routes_conferences[] = {
  { "GET", "/api/v1/conferences", WB_ROLE_ADMIN | WB_ROLE_SCHEDULER, 0, list_conferences, NULL },
  { "POST", "/api/v1/conferences", WB_ROLE_ADMIN,
    WB_ROUTE_FLAG_JSON_BODY | WB_ROUTE_FLAG_AUDIT, start_conference, "conference.start" },
  { "GET", "/api/v1/conferences/{id}", WB_ROLE_ADMIN | WB_ROLE_SCHEDULER, 0, get_conference, NULL },
  { "PATCH", "/api/v1/conferences/{id}", WB_ROLE_ADMIN,
    WB_ROUTE_FLAG_JSON_BODY | WB_ROUTE_FLAG_AUDIT, update_conference, "conference.update" },
  { "POST", "/api/v1/conferences/{id}/end", WB_ROLE_ADMIN,
    WB_ROUTE_FLAG_OPTIONAL_BODY | WB_ROUTE_FLAG_AUDIT, end_conference, "conference.end" },
  { "POST", "/api/v1/conferences/{id}/participants/{ep}/mute", WB_ROLE_ADMIN | WB_ROLE_ENDPOINT,
    WB_ROUTE_FLAG_SELF | WB_ROUTE_FLAG_OPTIONAL_BODY | WB_ROUTE_FLAG_AUDIT, mute, "participant.mute" },
  { "POST", "/api/v1/conferences/{id}/participants/{ep}/unmute", WB_ROLE_ADMIN | WB_ROLE_ENDPOINT,
    WB_ROUTE_FLAG_SELF | WB_ROUTE_FLAG_OPTIONAL_BODY | WB_ROUTE_FLAG_AUDIT, unmute, "participant.unmute" },
  { "GET", "/api/v1/conferences/{id}/snapshot.jpg", WB_ROLE_ADMIN, 0, snapshot, NULL },
  { "GET", "/api/v1/conferences/{id}/attendance", WB_ROLE_ADMIN | WB_ROLE_SCHEDULER, 0, attendance, NULL },
};
const gsize wb_routes_conferences_len = G_N_ELEMENTS (wb_routes_conferences);
