/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Routes of bookings (through WbBookingService: validation, conflicts,
 * idempotency keys), the iCalendar feed and the audit log.
 */
#include "wb-api-private.h"

#include "api/wb-ics.h"
#include "control/wb-booking.h"

/* The feed covers bookings that ended at most this long ago. */
#define ICS_PAST_US (90 * G_TIME_SPAN_DAY)
#define AUDIT_MAX_LIMIT 1000

static WbBookingService *
bookings_or_503 (WbRequest *request)
{
  WbBookingService *bookings = wb_api_get_bookings (request->api);

  if (bookings == NULL)
    wb_request_respond_problem (request, 503, "unavailable", "the booking service is not running", NULL, NULL);
  return bookings;
}

static void
respond_booking_failure (WbRequest *request, const GError *error, WbBookingIssues *issues)
{
  if (g_error_matches (error, WB_BOOKING_ERROR, WB_BOOKING_ERROR_INVALID) && issues != NULL) {
    wb_request_respond_problem (request, 422, "invalid-fields", error->message,
                                wb_booking_issues_errors_to_json (issues), NULL);
  } else if (g_error_matches (error, WB_BOOKING_ERROR, WB_BOOKING_ERROR_CONFLICT) && issues != NULL) {
    wb_request_respond_problem (request, 409, "booking-conflict", error->message, NULL,
                                wb_booking_issues_conflicts_to_json (issues));
  } else {
    wb_request_respond_error (request, error);
  }
}

static WbActor
request_actor (WbRequest *request)
{
  WbActor actor = { 0 };

  wb_identity_to_actor (request->identity, &actor);
  return actor;
}

static void
create_booking (WbRequest *request)
{
  WbBookingService *service = bookings_or_503 (request);
  const char *key;
  g_autoptr (WbBookingAnswer) answer = NULL;
  g_autoptr (WbBookingIssues) issues = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *location = NULL;
  WbActor actor = request_actor (request);

  if (service == NULL)
    return;
  key = soup_message_headers_get_one (soup_server_message_get_request_headers (request->msg),
                                      "Idempotency-Key");
  answer = wb_booking_service_create (service, request->body, &actor, key, &issues, &error);
  if (answer == NULL) {
    respond_booking_failure (request, error, issues);
    return;
  }

  request->audit_target = g_strdup_printf ("booking/%s", answer->booking->id);
  if (answer->replayed)
    request->audit_detail = g_strdup ("replayed (Idempotency-Key)");
  location = g_strdup_printf ("/api/v1/bookings/%s", answer->booking->id);
  soup_message_headers_replace (soup_server_message_get_response_headers (request->msg), "Location", location);
  if (answer->replayed)
    soup_message_headers_replace (soup_server_message_get_response_headers (request->msg),
                                  "Idempotent-Replayed", "true");
  wb_request_respond_text (request, answer->status, "application/json", g_steal_pointer (&answer->body));
}

static gboolean
parse_time_param (WbRequest *request, const char *name, gint64 *out, WbFieldErrors *fe)
{
  const char *text = wb_request_query (request, name);
  g_autofree char *message = NULL;

  if (text == NULL)
    return TRUE;
  if (!wb_booking_time_parse (text, out, &message)) {
    wb_field_errors_add (fe, name, "%s", message != NULL ? message : "is not an RFC 3339 date-time");
    return FALSE;
  }
  return TRUE;
}

static void
list_bookings (WbRequest *request)
{
  WbBookingService *service;
  gint64 from = G_MININT64, to = G_MAXINT64;
  guint mask = WB_BOOKING_STATUS_MASK_ALL;
  const char *status;
  g_auto (WbFieldErrors) fe = { 0 };
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (GError) error = NULL;
  JsonArray *array;

  wb_field_errors_init (&fe);
  parse_time_param (request, "from", &from, &fe);
  parse_time_param (request, "to", &to, &fe);
  if (from != G_MININT64 && to != G_MAXINT64 && to <= from)
    wb_field_errors_add (&fe, "to", "must be after from");
  status = wb_request_query (request, "status");
  if (status != NULL) {
    g_auto (GStrv) names = g_strsplit (status, ",", -1);
    mask = 0;
    for (guint i = 0; names[i] != NULL; i++) {
      WbBookingStatus s;
      if (wb_booking_status_from_string (g_strstrip (names[i]), &s))
        mask |= WB_BOOKING_STATUS_MASK (s);
      else
        wb_field_errors_add (&fe, "status", "'%s' is not a booking status", names[i]);
    }
  }
  if (!wb_field_errors_empty (&fe)) {
    wb_request_respond_problem (request, 422, "invalid-fields", "the query has invalid parameters",
                                wb_field_errors_steal (&fe), NULL);
    return;
  }

  service = bookings_or_503 (request);
  if (service == NULL)
    return;
  list = wb_booking_service_list (service, from, to, mask, &error);
  if (list == NULL) {
    wb_request_respond_error (request, error);
    return;
  }
  array = json_array_sized_new (list->len);
  for (guint i = 0; i < list->len; i++)
    json_array_add_element (array, wb_booking_to_json (list->pdata[i]));
  wb_request_respond_json (request, 200, json_node_init_array (json_node_alloc (), array));
  json_array_unref (array);
}

static void
get_booking (WbRequest *request)
{
  WbBookingService *service = bookings_or_503 (request);
  g_autoptr (WbBooking) booking = NULL;
  g_autoptr (GError) error = NULL;

  if (service == NULL)
    return;
  booking = wb_booking_service_get (service, wb_request_param (request, "id"), &error);
  if (booking == NULL)
    wb_request_respond_error (request, error);
  else
    wb_request_respond_json (request, 200, wb_booking_to_json (booking));
}

static void
update_booking (WbRequest *request)
{
  WbBookingService *service = bookings_or_503 (request);
  g_autoptr (WbBooking) booking = NULL;
  g_autoptr (WbBookingIssues) issues = NULL;
  g_autoptr (GError) error = NULL;
  WbActor actor = request_actor (request);

  request->audit_target = g_strdup_printf ("booking/%s", wb_request_param (request, "id"));
  if (service == NULL)
    return;
  booking = wb_booking_service_update (service, wb_request_param (request, "id"), request->body,
                                       &actor, &issues, &error);
  if (booking == NULL)
    respond_booking_failure (request, error, issues);
  else
    wb_request_respond_json (request, 200, wb_booking_to_json (booking));
}

static void
cancel_booking (WbRequest *request)
{
  WbBookingService *service = bookings_or_503 (request);
  g_autoptr (WbBooking) booking = NULL;
  g_autoptr (GError) error = NULL;
  WbActor actor = request_actor (request);

  request->audit_target = g_strdup_printf ("booking/%s", wb_request_param (request, "id"));
  if (service == NULL)
    return;
  booking = wb_booking_service_cancel (service, wb_request_param (request, "id"), &actor, &error);
  if (booking == NULL)
    wb_request_respond_error (request, error);
  else
    wb_request_respond_json (request, 200, wb_booking_to_json (booking));
}

static void
bookings_ics (WbRequest *request)
{
  WbBookingService *service = bookings_or_503 (request);
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (GError) error = NULL;
  gint64 now = g_get_real_time ();

  if (service == NULL)
    return;
  list = wb_booking_service_list (service, now - ICS_PAST_US, G_MAXINT64, WB_BOOKING_STATUS_MASK_ALL, &error);
  if (list == NULL) {
    wb_request_respond_error (request, error);
    return;
  }
  wb_request_respond_text (request, 200, "text/calendar; charset=utf-8",
                           wb_ics_build (list, wb_api_get_config (request->api), now));
}

static void
audit (WbRequest *request)
{
  WbBookingService *service;
  gint64 from = 0, to = 0, before = 0;
  guint64 limit = 100;
  const char *text;
  g_auto (WbFieldErrors) fe = { 0 };
  g_autoptr (GPtrArray) rows = NULL;
  g_autoptr (GError) error = NULL;
  JsonArray *array;

  wb_field_errors_init (&fe);
  parse_time_param (request, "from", &from, &fe);
  parse_time_param (request, "to", &to, &fe);
  if ((text = wb_request_query (request, "before")) != NULL &&
      (!g_ascii_string_to_signed (text, 10, 1, G_MAXINT64, &before, NULL)))
    wb_field_errors_add (&fe, "before", "must be a positive row id");
  if ((text = wb_request_query (request, "limit")) != NULL &&
      !g_ascii_string_to_unsigned (text, 10, 1, AUDIT_MAX_LIMIT, &limit, NULL))
    wb_field_errors_add (&fe, "limit", "must be between 1 and %d", AUDIT_MAX_LIMIT);
  if (!wb_field_errors_empty (&fe)) {
    wb_request_respond_problem (request, 422, "invalid-fields", "the query has invalid parameters",
                                wb_field_errors_steal (&fe), NULL);
    return;
  }

  service = bookings_or_503 (request);
  if (service == NULL)
    return;
  rows = wb_store_list_audit (wb_booking_service_get_store (service), from, to, before, (guint) limit, &error);
  if (rows == NULL) {
    wb_request_respond_error (request, error);
    return;
  }

  array = json_array_sized_new (rows->len);
  for (guint i = 0; i < rows->len; i++) {
    const WbAuditEntry *e = rows->pdata[i];
    JsonObject *row = json_object_new ();
    g_autofree char *at = wb_api_format_time (e->at_us);

    json_object_set_int_member (row, "id", e->id);
    json_object_set_string_member (row, "at", at);
    json_object_set_string_member (row, "role", e->role);
    json_object_set_string_member (row, "actor", e->actor_id);
    if (e->actor_name != NULL)
      json_object_set_string_member (row, "actor_name", e->actor_name);
    else
      json_object_set_null_member (row, "actor_name");
    json_object_set_string_member (row, "action", e->action);
    if (e->target != NULL)
      json_object_set_string_member (row, "target", e->target);
    else
      json_object_set_null_member (row, "target");
    json_object_set_int_member (row, "status", e->status);
    if (e->detail != NULL)
      json_object_set_string_member (row, "detail", e->detail);
    else
      json_object_set_null_member (row, "detail");
    json_array_add_object_element (array, row);
  }
  wb_request_respond_json (request, 200, json_node_init_array (json_node_alloc (), array));
  json_array_unref (array);
}

const WbRoute wb_routes_bookings[] = {
  { "POST", "/api/v1/bookings", WB_ROLE_ADMIN | WB_ROLE_SCHEDULER,
    WB_ROUTE_FLAG_JSON_BODY | WB_ROUTE_FLAG_AUDIT, create_booking, "booking.create" },
  { "GET", "/api/v1/bookings", WB_ROLE_ADMIN | WB_ROLE_SCHEDULER, 0, list_bookings, NULL },
  { "GET", "/api/v1/bookings.ics", WB_ROLE_ADMIN | WB_ROLE_SCHEDULER, WB_ROUTE_FLAG_QUERY_TOKEN,
    bookings_ics, NULL },
  { "GET", "/api/v1/bookings/{id}", WB_ROLE_ADMIN | WB_ROLE_SCHEDULER, 0, get_booking, NULL },
  { "PATCH", "/api/v1/bookings/{id}", WB_ROLE_ADMIN | WB_ROLE_SCHEDULER,
    WB_ROUTE_FLAG_JSON_BODY | WB_ROUTE_FLAG_AUDIT, update_booking, "booking.update" },
  { "DELETE", "/api/v1/bookings/{id}", WB_ROLE_ADMIN | WB_ROLE_SCHEDULER,
    WB_ROUTE_FLAG_AUDIT, cancel_booking, "booking.cancel" },
  { "GET", "/api/v1/audit", WB_ROLE_ADMIN, 0, audit, NULL },
};
const gsize wb_routes_bookings_len = G_N_ELEMENTS (wb_routes_bookings);
