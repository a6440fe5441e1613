/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbBooking: the booking record, its lifecycle, its JSON form, and the
 * parsing and validation of booking requests.  See wb-booking.h.
 */
#define G_LOG_DOMAIN "wardbridge-booking"

#include "control/wb-booking.h"

#include <string.h>

/* ---- Status -------------------------------------------------------------- */

static const char * const status_names[] = {
  [WB_BOOKING_STATUS_SCHEDULED] = "scheduled",
  [WB_BOOKING_STATUS_RUNNING]   = "running",
  [WB_BOOKING_STATUS_ENDED]     = "ended",
  [WB_BOOKING_STATUS_CANCELLED] = "cancelled",
  [WB_BOOKING_STATUS_MISSED]    = "missed",
};

const char *
wb_booking_status_to_string (WbBookingStatus status)
{
  g_return_val_if_fail ((guint) status < G_N_ELEMENTS (status_names), NULL);

  return status_names[status];
}

gboolean
wb_booking_status_from_string (const char      *str,
                               WbBookingStatus *out)
{
  for (guint i = 0; i < G_N_ELEMENTS (status_names); i++)
    {
      if (g_strcmp0 (str, status_names[i]) == 0)
        {
          *out = (WbBookingStatus) i;
          return TRUE;
        }
    }
  return FALSE;
}

gboolean
wb_booking_status_can_change (WbBookingStatus from,
                              WbBookingStatus to)
{
  switch (from)
    {
    case WB_BOOKING_STATUS_SCHEDULED:
      return to == WB_BOOKING_STATUS_RUNNING ||
             to == WB_BOOKING_STATUS_CANCELLED ||
             to == WB_BOOKING_STATUS_MISSED;
    case WB_BOOKING_STATUS_RUNNING:
      return to == WB_BOOKING_STATUS_ENDED;
    case WB_BOOKING_STATUS_ENDED:
    case WB_BOOKING_STATUS_CANCELLED:
    case WB_BOOKING_STATUS_MISSED:
    default:
      return FALSE;
    }
}

/* ---- The record ---------------------------------------------------------- */

G_DEFINE_BOXED_TYPE (WbBooking, wb_booking, wb_booking_ref, wb_booking_unref)

WbBooking *
wb_booking_new (void)
{
  WbBooking *booking = g_new0 (WbBooking, 1);

  g_atomic_ref_count_init (&booking->ref_count);
  return booking;
}

WbBooking *
wb_booking_ref (WbBooking *booking)
{
  g_return_val_if_fail (booking != NULL, NULL);

  g_atomic_ref_count_inc (&booking->ref_count);
  return booking;
}

void
wb_booking_unref (WbBooking *booking)
{
  g_return_if_fail (booking != NULL);

  if (!g_atomic_ref_count_dec (&booking->ref_count))
    return;
  g_free (booking->id);
  g_free (booking->title);
  g_strfreev (booking->endpoints);
  g_free (booking->conference_id);
  g_free (booking->created_by);
  g_free (booking);
}

gboolean
wb_booking_has_endpoint (const WbBooking *booking,
                         const char      *endpoint_id)
{
  g_return_val_if_fail (booking != NULL, FALSE);

  return booking->endpoints != NULL &&
         g_strv_contains ((const char * const *) booking->endpoints, endpoint_id);
}

/* ---- Times --------------------------------------------------------------- */

GTimeZone *
wb_booking_time_zone (void)
{
  static gsize zone;

  if (g_once_init_enter (&zone))
    {
      GTimeZone *tz = g_time_zone_new_identifier (WB_BOOKING_TIME_ZONE);

      if (tz == NULL)
        {
          g_debug ("No tzdata for %s: showing times at a fixed +07:00",
                   WB_BOOKING_TIME_ZONE);
          tz = g_time_zone_new_offset (7 * 3600);
        }
      g_once_init_leave (&zone, (gsize) tz);
    }
  return (GTimeZone *) zone;
}

char *
wb_booking_time_format (gint64 utc_us)
{
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) local = NULL;

  utc = g_date_time_new_from_unix_utc (utc_us / G_USEC_PER_SEC);
  if (utc == NULL)
    return NULL;
  local = g_date_time_to_timezone (utc, wb_booking_time_zone ());
  return g_date_time_format (local, "%Y-%m-%dT%H:%M:%S%:z");
}

/* RFC 3339 date-time, section 5.6; the offset is optional here so that its
 * absence gets its own message. */
#define RFC3339_PATTERN \
  "^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?" \
  "([Zz]|[+-][0-9]{2}:[0-9]{2})?$"

gboolean
wb_booking_time_parse (const char  *text,
                       gint64      *out_utc_us,
                       char       **message)
{
  static gsize pattern_once;
  GRegex *pattern;
  g_autoptr(GMatchInfo) match = NULL;
  g_autoptr(GDateTime) parsed = NULL;
  g_autofree char *offset = NULL;
  g_autofree char *normal = NULL;

  if (g_once_init_enter (&pattern_once))
    g_once_init_leave (&pattern_once,
                       (gsize) g_regex_new (RFC3339_PATTERN, G_REGEX_OPTIMIZE,
                                            0, NULL));
  pattern = (GRegex *) pattern_once;

  if (text == NULL || !g_regex_match (pattern, text, 0, &match))
    {
      if (message != NULL)
        *message = g_strdup ("is not an RFC 3339 date-time "
                             "(like 2026-11-26T14:00:00+07:00)");
      return FALSE;
    }

  offset = g_match_info_fetch (match, 2);
  if (offset == NULL || offset[0] == '\0')
    {
      if (message != NULL)
        *message = g_strdup ("has no UTC offset (add Z or +07:00)");
      return FALSE;
    }

  normal = g_ascii_strup (text, -1);   /* "t"/"z" are RFC 3339 too */
  parsed = g_date_time_new_from_iso8601 (normal, NULL);
  if (parsed == NULL)
    {
      if (message != NULL)
        *message = g_strdup ("is not a valid date and time");
      return FALSE;
    }

  /* Bookings are to the second: a fraction is dropped. */
  *out_utc_us = g_date_time_to_unix (parsed) * G_USEC_PER_SEC;
  return TRUE;
}

/* ---- JSON out ------------------------------------------------------------ */

static void
add_time_member (JsonBuilder *builder,
                 const char  *name,
                 gint64       utc_us)
{
  g_autofree char *text = wb_booking_time_format (utc_us);

  json_builder_set_member_name (builder, name);
  if (text != NULL)
    json_builder_add_string_value (builder, text);
  else
    json_builder_add_null_value (builder);
}

static void
add_string_array (JsonBuilder *builder,
                  GStrv        strv)
{
  json_builder_begin_array (builder);
  for (guint i = 0; strv != NULL && strv[i] != NULL; i++)
    json_builder_add_string_value (builder, strv[i]);
  json_builder_end_array (builder);
}

JsonNode *
wb_booking_to_json (const WbBooking *booking)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (booking != NULL, NULL);

  json_builder_begin_object (builder);

  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, booking->id);
  json_builder_set_member_name (builder, "title");
  json_builder_add_string_value (builder, booking->title);
  add_time_member (builder, "start", booking->start_us);
  add_time_member (builder, "end", booking->end_us);

  json_builder_set_member_name (builder, "endpoints");
  if (booking->all_endpoints)
    json_builder_add_string_value (builder, "all");
  else
    add_string_array (builder, booking->endpoints);
  json_builder_set_member_name (builder, "endpoint_ids");
  add_string_array (builder, booking->endpoints);

  json_builder_set_member_name (builder, "layout");
  json_builder_add_string_value (builder, wb_layout_kind_to_string (booking->layout));
  json_builder_set_member_name (builder, "record");
  json_builder_add_boolean_value (builder, booking->record);
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder, wb_booking_status_to_string (booking->status));
  json_builder_set_member_name (builder, "conference");
  if (booking->conference_id != NULL)
    json_builder_add_string_value (builder, booking->conference_id);
  else
    json_builder_add_null_value (builder);

  add_time_member (builder, "created", booking->created_us);
  add_time_member (builder, "updated", booking->updated_us);
  json_builder_set_member_name (builder, "created_by");
  json_builder_add_string_value (builder, booking->created_by);

  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/* ---- Issues -------------------------------------------------------------- */

void
wb_field_error_free (WbFieldError *error)
{
  if (error == NULL)
    return;
  g_free (error->field);
  g_free (error->pointer);
  g_free (error->message);
  g_free (error);
}

void
wb_booking_conflict_free (WbBookingConflict *conflict)
{
  if (conflict == NULL)
    return;
  g_free (conflict->booking_id);
  g_free (conflict->title);
  g_strfreev (conflict->endpoints);
  g_free (conflict);
}

WbBookingIssues *
wb_booking_issues_new (void)
{
  WbBookingIssues *issues = g_new0 (WbBookingIssues, 1);

  issues->errors = g_ptr_array_new_with_free_func ((GDestroyNotify) wb_field_error_free);
  issues->conflicts = g_ptr_array_new_with_free_func ((GDestroyNotify) wb_booking_conflict_free);
  return issues;
}

void
wb_booking_issues_free (WbBookingIssues *issues)
{
  if (issues == NULL)
    return;
  g_ptr_array_unref (issues->errors);
  g_ptr_array_unref (issues->conflicts);
  g_free (issues);
}

void
wb_booking_issues_add_error (WbBookingIssues *issues,
                             const char      *field,
                             const char      *format,
                             ...)
{
  WbFieldError *error;
  va_list args;

  g_return_if_fail (issues != NULL);
  g_return_if_fail (field != NULL);

  error = g_new0 (WbFieldError, 1);
  error->field = g_strdup (field);
  /* Field paths use no "~" or "/" inside a name, so no escaping is needed. */
  error->pointer = field[0] != '\0' ? g_strconcat ("/", field, NULL) : g_strdup ("");
  va_start (args, format);
  error->message = g_strdup_vprintf (format, args);
  va_end (args);
  g_ptr_array_add (issues->errors, error);
}

JsonNode *
wb_booking_issues_errors_to_json (const WbBookingIssues *issues)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (issues != NULL, NULL);

  json_builder_begin_array (builder);
  for (guint i = 0; i < issues->errors->len; i++)
    {
      const WbFieldError *error = g_ptr_array_index (issues->errors, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "field");
      json_builder_add_string_value (builder, error->field);
      json_builder_set_member_name (builder, "pointer");
      json_builder_add_string_value (builder, error->pointer);
      json_builder_set_member_name (builder, "message");
      json_builder_add_string_value (builder, error->message);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  return json_builder_get_root (builder);
}

JsonNode *
wb_booking_issues_conflicts_to_json (const WbBookingIssues *issues)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (issues != NULL, NULL);

  json_builder_begin_array (builder);
  for (guint i = 0; i < issues->conflicts->len; i++)
    {
      const WbBookingConflict *conflict = g_ptr_array_index (issues->conflicts, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "booking");
      json_builder_add_string_value (builder, conflict->booking_id);
      json_builder_set_member_name (builder, "title");
      json_builder_add_string_value (builder, conflict->title);
      add_time_member (builder, "start", conflict->start_us);
      add_time_member (builder, "end", conflict->end_us);
      json_builder_set_member_name (builder, "endpoints");
      add_string_array (builder, conflict->endpoints);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  return json_builder_get_root (builder);
}

/* ---- Requests ------------------------------------------------------------ */

void
wb_booking_request_free (WbBookingRequest *request)
{
  if (request == NULL)
    return;
  g_free (request->title);
  g_strfreev (request->endpoints);
  g_free (request);
}

gboolean
wb_booking_check_slot (gint64           start_us,
                       gint64           end_us,
                       WbBookingIssues *issues)
{
  if (end_us <= start_us)
    {
      wb_booking_issues_add_error (issues, "end", "must be after start");
      return FALSE;
    }
  if (end_us - start_us > WB_BOOKING_SLOT_MAX_US)
    {
      wb_booking_issues_add_error (issues, "end",
                                   "makes the slot longer than the limit of %d hours",
                                   (int) (WB_BOOKING_SLOT_MAX_US / G_TIME_SPAN_HOUR));
      return FALSE;
    }
  return TRUE;
}

static gboolean
node_holds (JsonNode *node,
            GType     type)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == type;
}

static void
parse_title (JsonNode         *node,
             WbBookingRequest *request,
             WbBookingIssues  *issues)
{
  const char *raw;
  g_autofree char *title = NULL;
  glong length;

  if (!node_holds (node, G_TYPE_STRING))
    {
      wb_booking_issues_add_error (issues, "title", "must be a string");
      return;
    }
  raw = json_node_get_string (node);
  if (!g_utf8_validate (raw, -1, NULL))
    {
      wb_booking_issues_add_error (issues, "title", "is not valid UTF-8");
      return;
    }
  title = g_strstrip (g_strdup (raw));
  length = g_utf8_strlen (title, -1);
  if (length == 0)
    {
      wb_booking_issues_add_error (issues, "title", "must not be empty");
      return;
    }
  if (length > WB_BOOKING_TITLE_MAX)
    {
      wb_booking_issues_add_error (issues, "title",
                                   "is %ld characters long; the limit is %d",
                                   length, WB_BOOKING_TITLE_MAX);
      return;
    }
  for (const char *p = title; *p != '\0'; p = g_utf8_next_char (p))
    {
      if (g_unichar_iscntrl (g_utf8_get_char (p)))
        {
          wb_booking_issues_add_error (issues, "title",
                                       "must not contain control characters");
          return;
        }
    }

  request->has_title = TRUE;
  request->title = g_steal_pointer (&title);
}

static void
parse_time (JsonNode        *node,
            const char      *field,
            gboolean        *has,
            gint64          *out,
            WbBookingIssues *issues)
{
  g_autofree char *message = NULL;

  if (!node_holds (node, G_TYPE_STRING))
    {
      wb_booking_issues_add_error (issues, field,
                                   "must be a string holding an RFC 3339 date-time");
      return;
    }
  if (!wb_booking_time_parse (json_node_get_string (node), out, &message))
    {
      wb_booking_issues_add_error (issues, field, "%s", message);
      return;
    }
  *has = TRUE;
}

static gint
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

static void
parse_endpoints (JsonNode         *node,
                 const WbConfig   *config,
                 WbBookingRequest *request,
                 WbBookingIssues  *issues)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  JsonArray *array;
  guint n_errors = issues->errors->len;

  if (node_holds (node, G_TYPE_STRING) &&
      g_strcmp0 (json_node_get_string (node), "all") == 0)
    {
      for (guint i = 0; i < config->endpoints->len; i++)
        {
          const WbEndpointConfig *endpoint = g_ptr_array_index (config->endpoints, i);

          g_ptr_array_add (ids, g_strdup (endpoint->id));
        }
      if (ids->len == 0)
        {
          wb_booking_issues_add_error (issues, "endpoints",
                                       "is \"all\", but no ward is configured");
          return;
        }
      request->all_endpoints = TRUE;
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      array = json_node_get_array (node);
      if (json_array_get_length (array) == 0)
        {
          wb_booking_issues_add_error (issues, "endpoints",
                                       "must name at least one ward");
          return;
        }
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);
          g_autofree char *field = g_strdup_printf ("endpoints/%u", i);
          const char *id;

          if (!node_holds (element, G_TYPE_STRING))
            {
              wb_booking_issues_add_error (issues, field, "must be a ward id (a string)");
              continue;
            }
          id = json_node_get_string (element);
          if (wb_config_find_endpoint (config, id) == NULL)
            {
              wb_booking_issues_add_error (issues, field, "is not a configured ward: “%s”", id);
              continue;
            }
          if (!g_hash_table_add (seen, (gpointer) id))
            {
              wb_booking_issues_add_error (issues, field, "names “%s” a second time", id);
              continue;
            }
          g_ptr_array_add (ids, g_strdup (id));
        }
    }
  else
    {
      wb_booking_issues_add_error (issues, "endpoints",
                                   "must be an array of ward ids or the string \"all\"");
      return;
    }

  if (issues->errors->len > n_errors)
    return;

  g_ptr_array_sort (ids, compare_strings);
  g_ptr_array_add (ids, NULL);
  request->has_endpoints = TRUE;
  request->endpoints = (GStrv) g_ptr_array_steal (ids, NULL);
}

static void
parse_layout (JsonNode         *node,
              WbBookingRequest *request,
              WbBookingIssues  *issues)
{
  if (!node_holds (node, G_TYPE_STRING))
    {
      wb_booking_issues_add_error (issues, "layout", "must be a string");
      return;
    }
  if (!wb_layout_kind_from_string (json_node_get_string (node), &request->layout))
    {
      wb_booking_issues_add_error (issues, "layout",
                                   "must be one of grid, speaker, presenter, single");
      return;
    }
  request->has_layout = TRUE;
}

static void
parse_record (JsonNode         *node,
              WbBookingRequest *request,
              WbBookingIssues  *issues)
{
  if (!node_holds (node, G_TYPE_BOOLEAN))
    {
      wb_booking_issues_add_error (issues, "record", "must be true or false");
      return;
    }
  request->record = json_node_get_boolean (node);
  request->has_record = TRUE;
}

/* The fields a request may carry; everything else is refused, so that a
 * misspelt field is not silently ignored. */
static const char * const request_fields[] = {
  "title", "start", "end", "endpoints", "layout", "record", NULL
};

WbBookingRequest *
wb_booking_request_parse (JsonNode        *body,
                          const WbConfig  *config,
                          gboolean         partial,
                          WbBookingIssues *issues)
{
  g_autoptr(WbBookingRequest) request = NULL;
  g_autoptr(GList) members = NULL;
  JsonObject *object;
  guint n_errors;
  JsonNode *node;

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (issues != NULL, NULL);

  n_errors = issues->errors->len;

  if (body == NULL || !JSON_NODE_HOLDS_OBJECT (body))
    {
      wb_booking_issues_add_error (issues, "", "the body must be a JSON object");
      return NULL;
    }
  object = json_node_get_object (body);
  request = g_new0 (WbBookingRequest, 1);

  members = json_object_get_members (object);
  for (GList *l = members; l != NULL; l = l->next)
    {
      if (!g_strv_contains (request_fields, l->data))
        wb_booking_issues_add_error (issues, l->data, "is not a booking field");
    }

  if ((node = json_object_get_member (object, "title")) != NULL)
    parse_title (node, request, issues);
  else if (!partial)
    wb_booking_issues_add_error (issues, "title", "is required");

  if ((node = json_object_get_member (object, "start")) != NULL)
    parse_time (node, "start", &request->has_start, &request->start_us, issues);
  else if (!partial)
    wb_booking_issues_add_error (issues, "start", "is required");

  if ((node = json_object_get_member (object, "end")) != NULL)
    parse_time (node, "end", &request->has_end, &request->end_us, issues);
  else if (!partial)
    wb_booking_issues_add_error (issues, "end", "is required");

  if ((node = json_object_get_member (object, "endpoints")) != NULL)
    parse_endpoints (node, config, request, issues);
  else if (!partial)
    wb_booking_issues_add_error (issues, "endpoints", "is required");

  if ((node = json_object_get_member (object, "layout")) != NULL)
    parse_layout (node, request, issues);
  else if (!partial)
    {
      request->has_layout = TRUE;
      request->layout = config->layout;
    }

  if ((node = json_object_get_member (object, "record")) != NULL)
    parse_record (node, request, issues);
  else if (!partial)
    request->has_record = TRUE;   /* FALSE */

  if (request->has_start && request->has_end)
    wb_booking_check_slot (request->start_us, request->end_us, issues);

  if (partial && json_object_get_size (object) == 0)
    wb_booking_issues_add_error (issues, "", "the body changes nothing");

  if (issues->errors->len > n_errors)
    return NULL;
  return g_steal_pointer (&request);
}

char *
wb_booking_request_digest (const WbBookingRequest *request)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr(GString) text = g_string_new (NULL);

  g_return_val_if_fail (request != NULL, NULL);

  /* One line per field, absent fields marked, so that no two different
   * requests serialize alike. */
  g_string_append_printf (text, "title:%s\n", request->has_title ? request->title : "-");
  if (request->has_start)
    g_string_append_printf (text, "start:%" G_GINT64_FORMAT "\n", request->start_us);
  else
    g_string_append (text, "start:-\n");
  if (request->has_end)
    g_string_append_printf (text, "end:%" G_GINT64_FORMAT "\n", request->end_us);
  else
    g_string_append (text, "end:-\n");
  if (!request->has_endpoints)
    g_string_append (text, "endpoints:-\n");
  else if (request->all_endpoints)
    g_string_append (text, "endpoints:all\n");
  else
    {
      g_autofree char *joined = g_strjoinv (",", request->endpoints);

      g_string_append_printf (text, "endpoints:[%s]\n", joined);
    }
  g_string_append_printf (text, "layout:%s\n",
                          request->has_layout ? wb_layout_kind_to_string (request->layout) : "-");
  g_string_append_printf (text, "record:%s\n",
                          !request->has_record ? "-" : request->record ? "true" : "false");

  g_checksum_update (checksum, (const guchar *) text->str, (gssize) text->len);
  return g_strdup (g_checksum_get_string (checksum));
}
