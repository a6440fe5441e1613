/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tests of src/control/wb-booking.c and wb-booking-service.c on a real
 * store file: validation (each bad field gives its own error and writes
 * nothing), conflicts (touching slots, "all"), move/extend/cancel, window
 * listing, idempotent retries, disk full, and the RFC 3339 times.
 */
#include <glib.h>
#include <string.h>

#include "control/wb-booking-service.h"
#include "test-util.h"

#define NOW "2026-11-26T08:00:00+07:00"

typedef struct {
  char             *dir;
  char             *path;
  WbConfig         *config;
  WbClock          *clock;
  WbStore          *store;
  WbBookingService *service;
  guint             n_changes[3];   /* per WbBookingChange */
  char             *last_status;
} Fixture;

static const WbActor admin = { "admin", "admin:0", "IT desk" };
static const WbActor scheduler = { "scheduler", "scheduler:0", "Văn phòng" };

static void
on_changed (WbBookingService *service,
            WbBooking        *booking,
            int               change,
            gpointer          user_data)
{
  Fixture *f = user_data;

  g_assert_cmpint (change, >=, 0);
  g_assert_cmpint (change, <, 3);
  f->n_changes[change]++;
  g_free (f->last_status);
  f->last_status = g_strdup (wb_booking_status_to_string (booking->status));
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = test_tmp_dir_new ();
  f->path = g_build_filename (f->dir, WB_STORE_FILE_NAME, NULL);
  f->config = test_config_new (5);
  f->clock = wb_fake_clock_new (test_time (NOW));
  f->store = wb_store_open (f->path, &error);
  g_assert_no_error (error);
  f->service = wb_booking_service_new (f->store, f->config, f->clock);
  g_signal_connect (f->service, "booking-changed", G_CALLBACK (on_changed), f);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->service);
  g_clear_object (&f->store);
  g_clear_object (&f->clock);
  g_clear_pointer (&f->config, wb_config_unref);
  test_tmp_dir_remove (f->dir);
  g_free (f->path);
  g_free (f->dir);
  g_free (f->last_status);
}

static gint64
count_rows (Fixture    *f,
            const char *table)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM %s", table);

  return test_sql_int (f->path, sql);
}

/* Books and expects success. */
static WbBookingAnswer *
book (Fixture    *f,
      const char *json_text,
      const char *key)
{
  g_autoptr(JsonNode) body = test_json (json_text);
  g_autoptr(WbBookingIssues) issues = NULL;
  g_autoptr(GError) error = NULL;
  WbBookingAnswer *answer;

  answer = wb_booking_service_create (f->service, body, &admin, key, &issues, &error);
  g_assert_no_error (error);
  g_assert_null (issues);
  g_assert_nonnull (answer);
  return answer;
}

static char *
book_id (Fixture    *f,
         const char *title,
         const char *start,
         const char *end,
         const char *endpoints)
{
  g_autofree char *text =
    g_strdup_printf ("{\"title\":\"%s\",\"start\":\"%s\",\"end\":\"%s\",\"endpoints\":%s}",
                     title, start, end, endpoints);
  g_autoptr(WbBookingAnswer) answer = book (f, text, NULL);

  return g_strdup (answer->booking->id);
}

static const char *
json_string_member (JsonNode   *node,
                    const char *name)
{
  return json_object_get_string_member (json_node_get_object (node), name);
}

static void
test_create (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(WbBookingAnswer) answer = NULL;
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(WbBooking) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *created_by = NULL;
  JsonObject *object;
  JsonArray *ids;

  answer = book (f,
                 "{\"title\":\"  Giao ban tuần  \",\"start\":\"2026-11-26T07:00:00Z\","
                 "\"end\":\"2026-11-26T15:30:00+07:00\",\"endpoints\":[\"ward-03\",\"ward-01\"],"
                 "\"layout\":\"grid\",\"record\":true}",
                 NULL);
  g_assert_cmpuint (answer->status, ==, 201);
  g_assert_false (answer->replayed);
  g_assert_cmpstr (answer->booking->title, ==, "Giao ban tuần");
  g_assert_cmpint (answer->booking->start_us, ==, test_time ("2026-11-26T14:00:00+07:00"));
  g_assert_cmpint (answer->booking->end_us - answer->booking->start_us, ==,
                   90 * G_TIME_SPAN_MINUTE);
  g_assert_cmpint (answer->booking->status, ==, WB_BOOKING_STATUS_SCHEDULED);
  g_assert_cmpuint (f->n_changes[WB_BOOKING_CHANGE_CREATED], ==, 1);

  /* The answer's JSON, times shown in Asia/Ho_Chi_Minh. */
  body = test_json (answer->body);
  object = json_node_get_object (body);
  g_assert_cmpstr (json_string_member (body, "id"), ==, answer->booking->id);
  g_assert_cmpstr (json_string_member (body, "start"), ==, "2026-11-26T14:00:00+07:00");
  g_assert_cmpstr (json_string_member (body, "end"), ==, "2026-11-26T15:30:00+07:00");
  g_assert_cmpstr (json_string_member (body, "created"), ==, NOW);
  g_assert_cmpstr (json_string_member (body, "status"), ==, "scheduled");
  g_assert_cmpstr (json_string_member (body, "layout"), ==, "grid");
  g_assert_cmpstr (json_string_member (body, "created_by"), ==, "admin:0");
  g_assert_true (json_object_get_boolean_member (object, "record"));
  g_assert_true (json_object_get_null_member (object, "conference"));
  ids = json_object_get_array_member (object, "endpoints");
  g_assert_cmpuint (json_array_get_length (ids), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (ids, 0), ==, "ward-01");
  g_assert_cmpstr (json_array_get_string_element (ids, 1), ==, "ward-03");

  /* In the file, in UTC microseconds. */
  g_assert_cmpint (count_rows (f, "bookings"), ==, 1);
  g_assert_cmpint (count_rows (f, "booking_endpoints"), ==, 2);
  sql = g_strdup_printf ("SELECT start_us FROM bookings WHERE id = '%s'", answer->booking->id);
  g_assert_cmpint (test_sql_int (f->path, sql), ==, test_time ("2026-11-26T07:00:00Z"));
  created_by = test_sql_text (f->path, "SELECT created_by FROM bookings");
  g_assert_cmpstr (created_by, ==, "admin:0");

  again = wb_booking_service_get (f->service, answer->booking->id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again->title, ==, "Giao ban tuần");
  g_assert_cmpint (again->layout, ==, WB_LAYOUT_GRID);
  g_assert_true (again->record);
  g_assert_cmpuint (g_strv_length (again->endpoints), ==, 2);
}

static void
test_defaults_and_all (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(WbBookingAnswer) answer = NULL;
  g_autoptr(JsonNode) body = NULL;

  answer = book (f,
                 "{\"title\":\"Họp toàn thành phố\",\"start\":\"2026-11-26T09:00:00+07:00\","
                 "\"end\":\"2026-11-26T10:00:00+07:00\",\"endpoints\":\"all\"}",
                 NULL);
  /* layout from [media] layout=speaker; record off. */
  g_assert_cmpint (answer->booking->layout, ==, WB_LAYOUT_SPEAKER);
  g_assert_false (answer->booking->record);
  g_assert_true (answer->booking->all_endpoints);
  g_assert_cmpuint (g_strv_length (answer->booking->endpoints), ==, 5);
  g_assert_cmpint (count_rows (f, "booking_endpoints"), ==, 5);

  body = test_json (answer->body);
  g_assert_cmpstr (json_string_member (body, "endpoints"), ==, "all");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
                      json_node_get_object (body), "endpoint_ids")), ==, 5);
}

typedef struct {
  const char *body;
  const char *field;      /* the first error's field */
  const char *message;    /* a part of its message */
} BadCase;

static void
test_validation (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *long_title = g_strnfill (WB_BOOKING_TITLE_MAX + 1, 'a');
  g_autofree char *long_title_body =
    g_strdup_printf ("{\"title\":\"%s\",\"start\":\"2026-11-26T09:00:00Z\","
                     "\"end\":\"2026-11-26T10:00:00Z\",\"endpoints\":[\"ward-01\"]}",
                     long_title);
#define OK_TIMES "\"start\":\"2026-11-26T09:00:00Z\",\"end\":\"2026-11-26T10:00:00Z\""
  const BadCase cases[] = {
    { "[1, 2]", "", "JSON object" },
    { "{\"title\":5," OK_TIMES ",\"endpoints\":[\"ward-01\"]}", "title", "string" },
    { "{" OK_TIMES ",\"endpoints\":[\"ward-01\"]}", "title", "required" },
    { "{\"title\":\"  \"," OK_TIMES ",\"endpoints\":[\"ward-01\"]}", "title", "empty" },
    { long_title_body, "title", "limit is 200" },
    { "{\"title\":\"a\\u0007b\"," OK_TIMES ",\"endpoints\":[\"ward-01\"]}", "title", "control" },
    { "{\"title\":\"T\",\"start\":\"2026-11-26T09:00:00\",\"end\":\"2026-11-26T10:00:00Z\","
      "\"endpoints\":[\"ward-01\"]}", "start", "no UTC offset" },
    { "{\"title\":\"T\",\"start\":\"tomorrow\",\"end\":\"2026-11-26T10:00:00Z\","
      "\"endpoints\":[\"ward-01\"]}", "start", "RFC 3339" },
    { "{\"title\":\"T\",\"start\":\"2026-02-30T09:00:00Z\",\"end\":\"2026-11-26T10:00:00Z\","
      "\"endpoints\":[\"ward-01\"]}", "start", "valid" },
    { "{\"title\":\"T\",\"start\":1764147600,\"end\":\"2026-11-26T10:00:00Z\","
      "\"endpoints\":[\"ward-01\"]}", "start", "string" },
    { "{\"title\":\"T\",\"start\":\"2026-11-26T09:00:00Z\","
      "\"endpoints\":[\"ward-01\"]}", "end", "required" },
    { "{\"title\":\"T\",\"start\":\"2026-11-26T10:00:00Z\",\"end\":\"2026-11-26T09:00:00Z\","
      "\"endpoints\":[\"ward-01\"]}", "end", "after start" },
    { "{\"title\":\"T\",\"start\":\"2026-11-26T10:00:00Z\",\"end\":\"2026-11-26T17:00:00+07:00\","
      "\"endpoints\":[\"ward-01\"]}", "end", "after start" },
    { "{\"title\":\"T\",\"start\":\"2026-11-26T09:00:00Z\",\"end\":\"2026-11-27T09:00:01Z\","
      "\"endpoints\":[\"ward-01\"]}", "end", "24 hours" },
    { "{\"title\":\"T\",\"start\":\"2026-11-25T09:00:00Z\",\"end\":\"2026-11-25T10:00:00Z\","
      "\"endpoints\":[\"ward-01\"]}", "end", "past" },
    { "{\"title\":\"T\"," OK_TIMES "}", "endpoints", "required" },
    { "{\"title\":\"T\"," OK_TIMES ",\"endpoints\":[]}", "endpoints", "at least one" },
    { "{\"title\":\"T\"," OK_TIMES ",\"endpoints\":\"some\"}", "endpoints", "\"all\"" },
    { "{\"title\":\"T\"," OK_TIMES ",\"endpoints\":[\"ward-99\"]}", "endpoints/0", "ward-99" },
    { "{\"title\":\"T\"," OK_TIMES ",\"endpoints\":[\"ward-01\",3]}", "endpoints/1", "string" },
    { "{\"title\":\"T\"," OK_TIMES ",\"endpoints\":[\"ward-02\",\"ward-02\"]}",
      "endpoints/1", "second time" },
    { "{\"title\":\"T\"," OK_TIMES ",\"endpoints\":[\"ward-01\"],\"layout\":\"mosaic\"}",
      "layout", "grid, speaker" },
    { "{\"title\":\"T\"," OK_TIMES ",\"endpoints\":[\"ward-01\"],\"record\":\"yes\"}",
      "record", "true or false" },
    { "{\"title\":\"T\"," OK_TIMES ",\"endpoints\":[\"ward-01\"],\"colour\":\"red\"}",
      "colour", "not a booking field" },
  };
#undef OK_TIMES

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) body = test_json (cases[i].body);
      g_autoptr(WbBookingIssues) issues = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(WbBookingAnswer) answer = NULL;
      const WbFieldError *first;

      g_test_message ("case %u: %s", i, cases[i].body);
      answer = wb_booking_service_create (f->service, body, &admin, NULL, &issues, &error);
      g_assert_null (answer);
      g_assert_error (error, WB_BOOKING_ERROR, WB_BOOKING_ERROR_INVALID);
      g_assert_nonnull (issues);
      g_assert_cmpuint (issues->errors->len, ==, 1);
      g_assert_cmpuint (issues->conflicts->len, ==, 0);
      first = g_ptr_array_index (issues->errors, 0);
      g_assert_cmpstr (first->field, ==, cases[i].field);
      if (strstr (first->message, cases[i].message) == NULL)
        g_error ("case %u: “%s” does not say “%s”", i, first->message, cases[i].message);
    }

  /* Nothing was written, nothing was announced. */
  g_assert_cmpint (count_rows (f, "bookings"), ==, 0);
  g_assert_cmpint (count_rows (f, "booking_endpoints"), ==, 0);
  g_assert_cmpuint (f->n_changes[WB_BOOKING_CHANGE_CREATED], ==, 0);
}

static void
test_validation_all_errors (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(JsonNode) body = test_json ("{\"title\":\"\",\"start\":\"2026-11-26 09:00\","
                                        "\"end\":\"2026-11-26T10:00:00\",\"endpoints\":[\"x\"],"
                                        "\"record\":1}");
  g_autoptr(WbBookingIssues) issues = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(WbBookingAnswer) answer = NULL;
  g_autoptr(JsonNode) json = NULL;
  g_autofree char *text = NULL;
  const char *expected[] = { "title", "start", "end", "endpoints/0", "record" };
  JsonArray *array;

  answer = wb_booking_service_create (f->service, body, &admin, NULL, &issues, &error);
  g_assert_null (answer);
  g_assert_error (error, WB_BOOKING_ERROR, WB_BOOKING_ERROR_INVALID);
  g_assert_cmpuint (issues->errors->len, ==, G_N_ELEMENTS (expected));

  json = wb_booking_issues_errors_to_json (issues);
  array = json_node_get_array (json);
  g_assert_cmpuint (json_array_get_length (array), ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      JsonObject *item = json_array_get_object_element (array, i);
      g_autofree char *pointer = g_strconcat ("/", expected[i], NULL);

      g_assert_cmpstr (json_object_get_string_member (item, "field"), ==, expected[i]);
      g_assert_cmpstr (json_object_get_string_member (item, "pointer"), ==, pointer);
      g_assert_true (json_object_has_member (item, "message"));
    }
  g_assert_cmpint (count_rows (f, "bookings"), ==, 0);
}

static const WbBookingConflict *
find_conflict (WbBookingIssues *issues,
               const char      *booking_id)
{
  for (guint i = 0; i < issues->conflicts->len; i++)
    {
      const WbBookingConflict *conflict = g_ptr_array_index (issues->conflicts, i);

      if (g_strcmp0 (conflict->booking_id, booking_id) == 0)
        return conflict;
    }
  return NULL;
}

static WbBookingIssues *
expect_conflict (Fixture    *f,
                 const char *json_text)
{
  g_autoptr(JsonNode) body = test_json (json_text);
  g_autoptr(GError) error = NULL;
  g_autoptr(WbBookingAnswer) answer = NULL;
  WbBookingIssues *issues = NULL;

  answer = wb_booking_service_create (f->service, body, &scheduler, NULL, &issues, &error);
  g_assert_null (answer);
  g_assert_error (error, WB_BOOKING_ERROR, WB_BOOKING_ERROR_CONFLICT);
  g_assert_nonnull (issues);
  g_assert_cmpuint (issues->errors->len, ==, 0);
  return issues;
}

static void
test_conflicts (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *a = NULL;
  g_autofree char *c = NULL;
  g_autofree char *d = NULL;
  g_autofree char *e = NULL;
  g_autoptr(WbBookingIssues) clash = NULL;
  g_autoptr(WbBookingIssues) clash_all = NULL;
  g_autoptr(WbBooking) cancelled = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) json = NULL;
  const WbBookingConflict *conflict;
  JsonObject *item;

  a = book_id (f, "A", "2026-11-26T10:00:00+07:00", "2026-11-26T11:00:00+07:00",
               "[\"ward-01\",\"ward-02\"]");

  /* Overlaps A on ward-02 only. */
  clash = expect_conflict (f, "{\"title\":\"B\",\"start\":\"2026-11-26T10:30:00+07:00\","
                              "\"end\":\"2026-11-26T11:30:00+07:00\","
                              "\"endpoints\":[\"ward-02\",\"ward-03\"]}");
  g_assert_cmpuint (clash->conflicts->len, ==, 1);
  conflict = find_conflict (clash, a);
  g_assert_nonnull (conflict);
  g_assert_cmpstr (conflict->title, ==, "A");
  g_assert_cmpint (conflict->start_us, ==, test_time ("2026-11-26T10:00:00+07:00"));
  g_assert_cmpuint (g_strv_length (conflict->endpoints), ==, 1);
  g_assert_cmpstr (conflict->endpoints[0], ==, "ward-02");

  json = wb_booking_issues_conflicts_to_json (clash);
  item = json_array_get_object_element (json_node_get_array (json), 0);
  g_assert_cmpstr (json_object_get_string_member (item, "booking"), ==, a);
  g_assert_cmpstr (json_object_get_string_member (item, "end"), ==, "2026-11-26T11:00:00+07:00");
  g_assert_cmpstr (json_array_get_string_element (
                     json_object_get_array_member (item, "endpoints"), 0), ==, "ward-02");

  /* Touching slots do not clash, on either side. */
  c = book_id (f, "C", "2026-11-26T11:00:00+07:00", "2026-11-26T12:00:00+07:00",
               "[\"ward-02\"]");
  g_free (book_id (f, "C0", "2026-11-26T09:00:00+07:00", "2026-11-26T10:00:00+07:00",
                   "[\"ward-01\",\"ward-02\"]"));
  /* The same slot on other wards does not clash. */
  d = book_id (f, "D", "2026-11-26T10:00:00+07:00", "2026-11-26T11:00:00+07:00",
               "[\"ward-03\"]");

  /* "all" across 10:59-11:01 clashes with A (01, 02), C (02) and D (03). */
  clash_all = expect_conflict (f, "{\"title\":\"E\",\"start\":\"2026-11-26T10:59:00+07:00\","
                                  "\"end\":\"2026-11-26T11:01:00+07:00\",\"endpoints\":\"all\"}");
  g_assert_cmpuint (clash_all->conflicts->len, ==, 3);
  conflict = find_conflict (clash_all, a);
  g_assert_cmpuint (g_strv_length (conflict->endpoints), ==, 2);
  g_assert_cmpstr (conflict->endpoints[0], ==, "ward-01");
  g_assert_cmpstr (conflict->endpoints[1], ==, "ward-02");
  g_assert_cmpstr (find_conflict (clash_all, c)->endpoints[0], ==, "ward-02");
  g_assert_cmpstr (find_conflict (clash_all, d)->endpoints[0], ==, "ward-03");
  g_assert_cmpint (count_rows (f, "bookings"), ==, 4);

  /* A cancelled booking holds nothing. */
  cancelled = wb_booking_service_cancel (f->service, a, &admin, &error);
  g_assert_no_error (error);
  e = book_id (f, "E", "2026-11-26T10:15:00+07:00", "2026-11-26T10:45:00+07:00",
               "[\"ward-01\",\"ward-02\"]");
  g_assert_cmpint (count_rows (f, "bookings"), ==, 5);
}

static WbBooking *
patch (Fixture          *f,
       const char       *id,
       const char       *json_text,
       WbBookingIssues **issues,
       GError          **error)
{
  g_autoptr(JsonNode) body = test_json (json_text);

  return wb_booking_service_update (f->service, id, body, &admin, issues, error);
}

static void
test_move_extend_cancel (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *id = NULL;
  g_autofree char *other = NULL;
  g_autofree char *sql = NULL;
  g_autoptr(WbBooking) moved = NULL;
  g_autoptr(WbBooking) extended = NULL;
  g_autoptr(WbBooking) rewarded = NULL;
  g_autoptr(WbBooking) cancelled = NULL;
  g_autoptr(WbBooking) cancelled_again = NULL;
  g_autoptr(WbBooking) refused = NULL;
  g_autoptr(WbBookingIssues) issues = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *status = NULL;

  id = book_id (f, "Họp", "2026-11-26T10:00:00+07:00", "2026-11-26T11:00:00+07:00",
                "[\"ward-01\"]");
  other = book_id (f, "Khác", "2026-11-26T13:00:00+07:00", "2026-11-26T14:00:00+07:00",
                   "[\"ward-01\"]");
  sql = g_strdup_printf ("SELECT start_us FROM bookings WHERE id = '%s'", id);

  /* Move by an hour. */
  wb_fake_clock_advance (WB_FAKE_CLOCK (f->clock), G_TIME_SPAN_MINUTE);
  moved = patch (f, id, "{\"start\":\"2026-11-26T11:00:00+07:00\","
                        "\"end\":\"2026-11-26T12:00:00+07:00\"}", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (moved->start_us, ==, test_time ("2026-11-26T11:00:00+07:00"));
  g_assert_cmpint (moved->updated_us, ==, test_time ("2026-11-26T08:01:00+07:00"));
  g_assert_cmpint (moved->created_us, ==, test_time (NOW));
  g_assert_cmpint (test_sql_int (f->path, sql), ==, test_time ("2026-11-26T11:00:00+07:00"));
  g_assert_cmpuint (f->n_changes[WB_BOOKING_CHANGE_UPDATED], ==, 1);

  /* Extend into "Khác" on the same ward: refused, unchanged. */
  refused = patch (f, id, "{\"end\":\"2026-11-26T13:30:00+07:00\"}", &issues, &error);
  g_assert_null (refused);
  g_assert_error (error, WB_BOOKING_ERROR, WB_BOOKING_ERROR_CONFLICT);
  g_assert_cmpuint (issues->conflicts->len, ==, 1);
  g_assert_cmpstr (find_conflict (issues, other)->title, ==, "Khác");
  g_clear_error (&error);
  g_clear_pointer (&issues, wb_booking_issues_free);
  g_assert_cmpint (test_sql_int (f->path, "SELECT max(end_us) FROM bookings WHERE title = 'Họp'"),
                   ==, test_time ("2026-11-26T12:00:00+07:00"));

  /* Extend up to it: touching is fine. */
  extended = patch (f, id, "{\"end\":\"2026-11-26T13:00:00+07:00\",\"title\":\"Họp dài\"}",
                    NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (extended->end_us, ==, test_time ("2026-11-26T13:00:00+07:00"));
  g_assert_cmpstr (extended->title, ==, "Họp dài");

  /* An end before the (kept) start is a field error. */
  refused = patch (f, id, "{\"end\":\"2026-11-26T10:00:00+07:00\"}", &issues, &error);
  g_assert_null (refused);
  g_assert_error (error, WB_BOOKING_ERROR, WB_BOOKING_ERROR_INVALID);
  g_assert_cmpstr (((WbFieldError *) g_ptr_array_index (issues->errors, 0))->field, ==, "end");
  g_clear_error (&error);
  g_clear_pointer (&issues, wb_booking_issues_free);

  /* An empty patch changes nothing and says so. */
  refused = patch (f, id, "{}", &issues, &error);
  g_assert_null (refused);
  g_assert_error (error, WB_BOOKING_ERROR, WB_BOOKING_ERROR_INVALID);
  g_clear_error (&error);
  g_clear_pointer (&issues, wb_booking_issues_free);

  /* Other wards. */
  rewarded = patch (f, id, "{\"endpoints\":[\"ward-04\",\"ward-05\"]}", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (rewarded->endpoints), ==, 2);
  g_assert_cmpint (test_sql_int (f->path, "SELECT count(*) FROM booking_endpoints"
                                          " WHERE endpoint_id IN ('ward-04', 'ward-05')"), ==, 2);
  g_assert_cmpint (count_rows (f, "booking_endpoints"), ==, 3);

  cancelled = wb_booking_service_cancel (f->service, id, &admin, &error);
  g_assert_no_error (error);
  g_assert_cmpint (cancelled->status, ==, WB_BOOKING_STATUS_CANCELLED);
  g_assert_cmpuint (f->n_changes[WB_BOOKING_CHANGE_CANCELLED], ==, 1);
  g_free (sql);
  sql = g_strdup_printf ("SELECT status FROM bookings WHERE id = '%s'", id);
  status = test_sql_text (f->path, sql);
  g_assert_cmpstr (status, ==, "cancelled");

  /* A second DELETE is harmless; a PATCH of a cancelled booking is not allowed. */
  cancelled_again = wb_booking_service_cancel (f->service, id, &admin, &error);
  g_assert_no_error (error);
  g_assert_cmpint (cancelled_again->status, ==, WB_BOOKING_STATUS_CANCELLED);
  g_assert_cmpuint (f->n_changes[WB_BOOKING_CHANGE_CANCELLED], ==, 1);
  refused = patch (f, id, "{\"title\":\"x\"}", NULL, &error);
  g_assert_null (refused);
  g_assert_error (error, WB_BOOKING_ERROR, WB_BOOKING_ERROR_STATE);
  g_clear_error (&error);

  refused = wb_booking_service_get (f->service, "no-such-booking", &error);
  g_assert_null (refused);
  g_assert_error (error, WB_BOOKING_ERROR, WB_BOOKING_ERROR_NOT_FOUND);
  g_clear_error (&error);
  refused = wb_booking_service_cancel (f->service, "no-such-booking", &admin, &error);
  g_assert_error (error, WB_BOOKING_ERROR, WB_BOOKING_ERROR_NOT_FOUND);
}

static void
assert_titles (GPtrArray  *bookings,
               const char *expected)
{
  g_autoptr(GString) titles = g_string_new (NULL);

  for (guint i = 0; i < bookings->len; i++)
    {
      WbBooking *booking = g_ptr_array_index (bookings, i);

      g_string_append_printf (titles, "%s%s", i > 0 ? "," : "", booking->title);
    }
  g_assert_cmpstr (titles->str, ==, expected);
}

static void
test_list_window (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(WbBooking) cancelled = NULL;
  g_autofree char *b10 = NULL;

  /* Booked out of order, listed by start. */
  g_free (book_id (f, "b12", "2026-11-26T12:00:00+07:00", "2026-11-26T13:00:00+07:00", "[\"ward-01\"]"));
  g_free (book_id (f, "b09", "2026-11-26T09:00:00+07:00", "2026-11-26T10:00:00+07:00", "[\"ward-01\"]"));
  g_free (book_id (f, "b08", "2026-11-26T08:00:00+07:00", "2026-11-26T09:00:00+07:00", "[\"ward-01\"]"));
  b10 = book_id (f, "b10", "2026-11-26T10:00:00+07:00", "2026-11-26T11:00:00+07:00", "[\"ward-01\"]");

  list = wb_booking_service_list (f->service, G_MININT64, G_MAXINT64,
                                  WB_BOOKING_STATUS_MASK_ALL, &error);
  g_assert_no_error (error);
  assert_titles (list, "b08,b09,b10,b12");
  g_clear_pointer (&list, g_ptr_array_unref);

  /* [09:00, 10:00): b08 ends at 09:00 and b10 starts at 10:00, both out. */
  list = wb_booking_service_list (f->service, test_time ("2026-11-26T09:00:00+07:00"),
                                  test_time ("2026-11-26T10:00:00+07:00"),
                                  WB_BOOKING_STATUS_MASK_ALL, &error);
  g_assert_no_error (error);
  assert_titles (list, "b09");
  g_clear_pointer (&list, g_ptr_array_unref);

  list = wb_booking_service_list (f->service, test_time ("2026-11-26T09:30:00+07:00"),
                                  test_time ("2026-11-26T12:00:01+07:00"),
                                  WB_BOOKING_STATUS_MASK_ALL, &error);
  g_assert_no_error (error);
  assert_titles (list, "b09,b10,b12");
  g_assert_cmpuint (g_strv_length (((WbBooking *) g_ptr_array_index (list, 0))->endpoints), ==, 1);
  g_clear_pointer (&list, g_ptr_array_unref);

  /* By status. */
  cancelled = wb_booking_service_cancel (f->service, b10, &admin, &error);
  g_assert_no_error (error);
  list = wb_booking_service_list (f->service, G_MININT64, G_MAXINT64,
                                  WB_BOOKING_STATUS_MASK (WB_BOOKING_STATUS_SCHEDULED), &error);
  g_assert_no_error (error);
  assert_titles (list, "b08,b09,b12");
  g_clear_pointer (&list, g_ptr_array_unref);
  list = wb_booking_service_list (f->service, G_MININT64, G_MAXINT64,
                                  WB_BOOKING_STATUS_MASK (WB_BOOKING_STATUS_CANCELLED), &error);
  g_assert_no_error (error);
  assert_titles (list, "b10");
}

#define IDEM_BODY \
  "{\"title\":\"Giao ban\",\"start\":\"2026-11-26T10:00:00+07:00\"," \
  "\"end\":\"2026-11-26T11:00:00+07:00\",\"endpoints\":[\"ward-01\",\"ward-02\"]}"

static void
test_idempotent_retry (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(WbBookingAnswer) first = NULL;
  g_autoptr(WbBookingAnswer) retry = NULL;
  g_autoptr(WbBookingAnswer) reordered = NULL;
  g_autoptr(JsonNode) body = NULL;

  first = book (f, IDEM_BODY, "key-1");
  g_assert_false (first->replayed);

  /* Time passes and the booking changes; the retry still gets the first answer. */
  wb_fake_clock_advance (WB_FAKE_CLOCK (f->clock), 10 * G_TIME_SPAN_SECOND);
  retry = book (f, IDEM_BODY, "key-1");
  g_assert_true (retry->replayed);
  g_assert_cmpuint (retry->status, ==, first->status);
  g_assert_cmpstr (retry->body, ==, first->body);
  g_assert_cmpstr (retry->booking->id, ==, first->booking->id);

  /* Same fields in another order and spacing: the same request. */
  reordered = book (f, "{ \"endpoints\" : [\"ward-02\", \"ward-01\"], \"end\":\"2026-11-26T04:00:00Z\","
                       " \"start\":\"2026-11-26T10:00:00+07:00\", \"title\":\"Giao ban\" }",
                    "key-1");
  g_assert_true (reordered->replayed);
  g_assert_cmpstr (reordered->booking->id, ==, first->booking->id);

  /* A retry that comes after the slot has ended still gets its answer. */
  wb_fake_clock_set_time (WB_FAKE_CLOCK (f->clock), test_time ("2026-11-26T12:00:00+07:00"));
  {
    g_autoptr(WbBookingAnswer) late = book (f, IDEM_BODY, "key-1");

    g_assert_true (late->replayed);
    g_assert_cmpstr (late->body, ==, first->body);
  }

  g_assert_cmpint (count_rows (f, "bookings"), ==, 1);
  g_assert_cmpint (count_rows (f, "idempotency_keys"), ==, 1);
  g_assert_cmpuint (f->n_changes[WB_BOOKING_CHANGE_CREATED], ==, 1);
}

static void
test_idempotency_mismatch (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(WbBookingAnswer) first = NULL;
  g_autoptr(WbBookingAnswer) other = NULL;
  g_autoptr(WbBookingAnswer) theirs = NULL;
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(WbBookingIssues) issues = NULL;
  g_autoptr(GError) error = NULL;

  first = book (f, IDEM_BODY, "key-1");

  /* Same key, another slot: refused, nothing written. */
  body = test_json ("{\"title\":\"Giao ban\",\"start\":\"2026-11-26T15:00:00+07:00\","
                    "\"end\":\"2026-11-26T16:00:00+07:00\",\"endpoints\":[\"ward-01\",\"ward-02\"]}");
  other = wb_booking_service_create (f->service, body, &admin, "key-1", &issues, &error);
  g_assert_null (other);
  g_assert_null (issues);
  g_assert_error (error, WB_BOOKING_ERROR, WB_BOOKING_ERROR_IDEMPOTENCY_MISMATCH);
  g_assert_cmpint (count_rows (f, "bookings"), ==, 1);
  g_clear_error (&error);

  /* Keys are per actor: another token may use "key-1" for its own booking. */
  other = wb_booking_service_create (f->service, body, &scheduler, "key-1", &issues, &error);
  g_assert_no_error (error);
  g_assert_false (other->replayed);
  g_assert_cmpstr (other->booking->id, !=, first->booking->id);
  g_assert_cmpint (count_rows (f, "bookings"), ==, 2);
  g_assert_cmpint (count_rows (f, "idempotency_keys"), ==, 2);

  /* A refused request (409) stores no key: the corrected retry goes through. */
  g_clear_pointer (&body, json_node_unref);
  body = test_json ("{\"title\":\"Trùng\",\"start\":\"2026-11-26T10:30:00+07:00\","
                    "\"end\":\"2026-11-26T11:30:00+07:00\",\"endpoints\":[\"ward-02\"]}");
  theirs = wb_booking_service_create (f->service, body, &admin, "key-2", &issues, &error);
  g_assert_error (error, WB_BOOKING_ERROR, WB_BOOKING_ERROR_CONFLICT);
  g_clear_error (&error);
  g_clear_pointer (&issues, wb_booking_issues_free);
  g_assert_cmpint (count_rows (f, "idempotency_keys"), ==, 2);
  g_clear_pointer (&body, json_node_unref);
  body = test_json ("{\"title\":\"Trùng\",\"start\":\"2026-11-26T11:30:00+07:00\","
                    "\"end\":\"2026-11-26T12:30:00+07:00\",\"endpoints\":[\"ward-02\"]}");
  theirs = wb_booking_service_create (f->service, body, &admin, "key-2", &issues, &error);
  g_assert_no_error (error);
  g_assert_false (theirs->replayed);
  g_assert_cmpint (count_rows (f, "bookings"), ==, 3);
}

static void
test_idempotency_expiry (Fixture       *f,
                         gconstpointer  data)
{
  const char *far = "{\"title\":\"Tết\",\"start\":\"2027-02-01T09:00:00+07:00\","
                    "\"end\":\"2027-02-01T10:00:00+07:00\",\"endpoints\":[\"ward-01\"]}";
  const char *far2 = "{\"title\":\"Tết\",\"start\":\"2027-02-02T09:00:00+07:00\","
                     "\"end\":\"2027-02-02T10:00:00+07:00\",\"endpoints\":[\"ward-01\"]}";
  g_autoptr(WbBookingAnswer) first = NULL;
  g_autoptr(WbBookingAnswer) late = NULL;
  g_autoptr(WbBookingAnswer) after = NULL;

  first = book (f, far, "k");
  wb_fake_clock_advance (WB_FAKE_CLOCK (f->clock), WB_BOOKING_IDEMPOTENCY_TTL_US - 1);
  late = book (f, far, "k");
  g_assert_true (late->replayed);

  /* Past the TTL the key is forgotten: it names a new request. */
  wb_fake_clock_advance (WB_FAKE_CLOCK (f->clock), 2);
  after = book (f, far2, "k");
  g_assert_false (after->replayed);
  g_assert_cmpint (count_rows (f, "bookings"), ==, 2);
  g_assert_cmpint (count_rows (f, "idempotency_keys"), ==, 1);
}

static void
test_disk_full (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *limit = NULL;
  g_autofree char *title = g_strnfill (WB_BOOKING_TITLE_MAX, 'x');
  gint64 pages;
  guint acknowledged = 0;
  guint hour;

  pages = test_sql_int (f->path, "PRAGMA page_count");
  limit = g_strdup_printf ("PRAGMA max_page_count = %" G_GINT64_FORMAT, pages + 1);
  g_assert_true (wb_store_exec (f->store, limit, &error));

  for (hour = 0; hour < 500 && error == NULL; hour++)
    {
      g_autofree char *text = NULL;
      g_autoptr(JsonNode) body = NULL;
      g_autoptr(WbBookingAnswer) answer = NULL;
      g_autofree char *key = g_strdup_printf ("fill-%u", hour);
      gint64 start = test_time ("2026-12-01T00:00:00Z") + hour * G_TIME_SPAN_HOUR;
      g_autofree char *start_text = wb_booking_time_format (start);
      g_autofree char *end_text = wb_booking_time_format (start + G_TIME_SPAN_HOUR);

      text = g_strdup_printf ("{\"title\":\"%s\",\"start\":\"%s\",\"end\":\"%s\","
                              "\"endpoints\":\"all\"}", title, start_text, end_text);
      body = test_json (text);
      answer = wb_booking_service_create (f->service, body, &admin, key, NULL, &error);
      if (answer != NULL)
        acknowledged++;
    }
  g_assert_error (error, WB_STORE_ERROR, WB_STORE_ERROR_FULL);
  g_assert_cmpuint (acknowledged, >, 0);

  /* Exactly what was acknowledged is in the file, keys included. */
  g_assert_cmpuint (f->n_changes[WB_BOOKING_CHANGE_CREATED], ==, acknowledged);
  g_assert_cmpint (count_rows (f, "bookings"), ==, acknowledged);
  g_assert_cmpint (count_rows (f, "idempotency_keys"), ==, acknowledged);
  g_assert_cmpint (count_rows (f, "booking_endpoints"), ==, 5 * acknowledged);
  g_assert_false (wb_store_in_transaction (f->store));
}

static void
test_times (void)
{
  g_autofree char *message = NULL;
  g_autofree char *shown = NULL;
  gint64 us = 0;
  gint64 utc;

  g_assert_true (wb_booking_time_parse ("2026-11-26T07:00:00Z", &utc, NULL));
  g_assert_cmpint (utc, ==, G_GINT64_CONSTANT (1795676400) * G_USEC_PER_SEC);
  g_assert_true (wb_booking_time_parse ("2026-11-26T14:00:00+07:00", &us, NULL));
  g_assert_cmpint (us, ==, utc);
  g_assert_true (wb_booking_time_parse ("2026-11-26t07:00:00.750z", &us, NULL));
  g_assert_cmpint (us, ==, utc);
  g_assert_true (wb_booking_time_parse ("2026-11-25T23:00:00-08:00", &us, NULL));
  g_assert_cmpint (us, ==, utc);

  shown = wb_booking_time_format (utc);
  g_assert_cmpstr (shown, ==, "2026-11-26T14:00:00+07:00");
  {
    /* The fallback is tested apart, in a process without tzdata. */
    g_autoptr(GTimeZone) system_zone = g_time_zone_new_identifier (WB_BOOKING_TIME_ZONE);

    g_assert_cmpstr (g_time_zone_get_identifier (wb_booking_time_zone ()), ==,
                     system_zone != NULL ? WB_BOOKING_TIME_ZONE : "+07:00:00");
  }

  g_assert_false (wb_booking_time_parse ("2026-11-26T14:00:00", &us, &message));
  g_assert_nonnull (strstr (message, "offset"));
  g_clear_pointer (&message, g_free);
  g_assert_false (wb_booking_time_parse ("2026-11-26T14:00Z", &us, &message));
  g_assert_nonnull (strstr (message, "RFC 3339"));
  g_clear_pointer (&message, g_free);
  g_assert_false (wb_booking_time_parse ("2026-W48-4T14:00:00Z", &us, NULL));
  g_assert_false (wb_booking_time_parse ("2026-11-26T25:00:00Z", &us, NULL));
  g_assert_false (wb_booking_time_parse ("2026-11-26T14:00:00+7", &us, NULL));
}

/* Without tzdata the times are still shown at +07:00. */
static void
test_times_without_tzdata (void)
{
  if (g_test_subprocess ())
    {
      g_autofree char *shown = NULL;

      g_setenv ("TZDIR", "/nonexistent/zoneinfo", TRUE);
      shown = wb_booking_time_format (test_time ("2026-11-26T07:00:00Z"));
      g_assert_cmpstr (shown, ==, "2026-11-26T14:00:00+07:00");
      g_assert_cmpstr (g_time_zone_get_identifier (wb_booking_time_zone ()), ==, "+07:00:00");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

static void
test_status_lifecycle (void)
{
  WbBookingStatus status;

  g_assert_true (wb_booking_status_can_change (WB_BOOKING_STATUS_SCHEDULED, WB_BOOKING_STATUS_RUNNING));
  g_assert_true (wb_booking_status_can_change (WB_BOOKING_STATUS_SCHEDULED, WB_BOOKING_STATUS_CANCELLED));
  g_assert_true (wb_booking_status_can_change (WB_BOOKING_STATUS_SCHEDULED, WB_BOOKING_STATUS_MISSED));
  g_assert_true (wb_booking_status_can_change (WB_BOOKING_STATUS_RUNNING, WB_BOOKING_STATUS_ENDED));
  g_assert_false (wb_booking_status_can_change (WB_BOOKING_STATUS_RUNNING, WB_BOOKING_STATUS_CANCELLED));
  g_assert_false (wb_booking_status_can_change (WB_BOOKING_STATUS_SCHEDULED, WB_BOOKING_STATUS_ENDED));
  g_assert_false (wb_booking_status_can_change (WB_BOOKING_STATUS_ENDED, WB_BOOKING_STATUS_RUNNING));
  g_assert_false (wb_booking_status_can_change (WB_BOOKING_STATUS_MISSED, WB_BOOKING_STATUS_RUNNING));
  g_assert_false (wb_booking_status_can_change (WB_BOOKING_STATUS_CANCELLED, WB_BOOKING_STATUS_SCHEDULED));

  g_assert_true (wb_booking_status_from_string ("missed", &status));
  g_assert_cmpint (status, ==, WB_BOOKING_STATUS_MISSED);
  g_assert_false (wb_booking_status_from_string ("done", &status));
  g_assert_cmpstr (wb_booking_status_to_string (WB_BOOKING_STATUS_CANCELLED), ==, "cancelled");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  g_test_add_func ("/booking/times", test_times);
  g_test_add_func ("/booking/times-without-tzdata", test_times_without_tzdata);
  g_test_add_func ("/booking/status-lifecycle", test_status_lifecycle);
  ADD ("/booking/create", test_create);
  ADD ("/booking/defaults-and-all", test_defaults_and_all);
  ADD ("/booking/validation", test_validation);
  ADD ("/booking/validation-all-errors", test_validation_all_errors);
  ADD ("/booking/conflicts", test_conflicts);
  ADD ("/booking/move-extend-cancel", test_move_extend_cancel);
  ADD ("/booking/list-window", test_list_window);
  ADD ("/booking/idempotent-retry", test_idempotent_retry);
  ADD ("/booking/idempotency-mismatch", test_idempotency_mismatch);
  ADD ("/booking/idempotency-expiry", test_idempotency_expiry);
  ADD ("/booking/disk-full", test_disk_full);

#undef ADD

  return g_test_run ();
}
