/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tests of src/control/wb-scheduler.c and wb-clock.c with a fake clock and
 * a fake conference manager: start at start, end at end, extension and
 * early end while running, cancel and move before start, failed starts, and
 * what a restart makes of each booking.  The store is a real file; a
 * "restart" closes every object and opens the file again.
 */
#include <gio/gio.h>
#include <string.h>

#include "control/wb-scheduler.h"
#include "test-util.h"

#define T(hhmm) test_time ("2026-11-26T" hhmm ":00+07:00")

/* The fake conference manager: records every call. */
typedef struct {
  GPtrArray *calls;        /* "start BOOKING -> CONF", "end CONF" */
  guint      n_started;
  guint      fail_starts;  /* refuse this many starts first */
  WbClock   *clock;
  gint64     last_start_us;
  gint64     last_end_us;
} FakeManager;

static char *
fake_start (WbBooking  *booking,
            gpointer    user_data,
            GError    **error)
{
  FakeManager *manager = user_data;
  char *id;

  if (manager->fail_starts > 0)
    {
      manager->fail_starts--;
      g_ptr_array_add (manager->calls, g_strdup_printf ("start %s failed", booking->title));
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "no ports left");
      return NULL;
    }
  id = g_strdup_printf ("conf-%u", ++manager->n_started);
  manager->last_start_us = wb_clock_now (manager->clock);
  g_ptr_array_add (manager->calls, g_strdup_printf ("start %s -> %s", booking->title, id));
  return id;
}

static void
fake_end (WbBooking  *booking,
          const char *conference_id,
          gpointer    user_data)
{
  FakeManager *manager = user_data;

  manager->last_end_us = wb_clock_now (manager->clock);
  g_ptr_array_add (manager->calls, g_strdup_printf ("end %s", conference_id));
}

static const WbConferenceHooks fake_hooks = { fake_start, fake_end };

typedef struct {
  char             *dir;
  char             *path;
  WbConfig         *config;
  WbClock          *clock;
  WbStore          *store;
  WbBookingService *service;
  WbScheduler      *scheduler;
  FakeManager       manager;
} Fixture;

static const WbActor admin = { "admin", "admin:0", "IT desk" };

/* Opens the store and builds the objects, as the daemon does at start. */
static void
start_hub (Fixture *f,
           gint64   now_us,
           gboolean recover)
{
  g_autoptr(GError) error = NULL;

  f->clock = wb_fake_clock_new (now_us);
  f->manager.clock = f->clock;
  f->store = wb_store_open (f->path, &error);
  g_assert_no_error (error);
  f->service = wb_booking_service_new (f->store, f->config, f->clock);
  f->scheduler = wb_scheduler_new (f->service, f->clock);
  wb_scheduler_set_hooks (f->scheduler, &fake_hooks, &f->manager, NULL);
  if (recover)
    {
      g_assert_true (wb_scheduler_recover (f->scheduler, &error));
      g_assert_no_error (error);
    }
}

/* The hub stops: every object goes, the file stays. */
static void
stop_hub (Fixture *f)
{
  g_clear_object (&f->scheduler);
  g_clear_object (&f->service);
  g_clear_object (&f->store);
  g_clear_object (&f->clock);
  f->manager.clock = NULL;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->dir = test_tmp_dir_new ();
  f->path = g_build_filename (f->dir, WB_STORE_FILE_NAME, NULL);
  f->config = test_config_new (3);
  f->manager.calls = g_ptr_array_new_with_free_func (g_free);
  start_hub (f, T ("09:00"), TRUE);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  stop_hub (f);
  g_ptr_array_unref (f->manager.calls);
  g_clear_pointer (&f->config, wb_config_unref);
  test_tmp_dir_remove (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

static void
advance_to (Fixture *f,
            gint64   when_us)
{
  wb_fake_clock_set_time (WB_FAKE_CLOCK (f->clock), when_us);
}

static char *
book (Fixture    *f,
      const char *title,
      const char *start,
      const char *end)
{
  g_autofree char *text =
    g_strdup_printf ("{\"title\":\"%s\",\"start\":\"2026-11-26T%s:00+07:00\","
                     "\"end\":\"2026-11-26T%s:00+07:00\",\"endpoints\":[\"ward-01\"]}",
                     title, start, end);
  g_autoptr(JsonNode) body = test_json (text);
  g_autoptr(GError) error = NULL;
  g_autoptr(WbBookingAnswer) answer = NULL;

  answer = wb_booking_service_create (f->service, body, &admin, NULL, NULL, &error);
  g_assert_no_error (error);
  return g_strdup (answer->booking->id);
}

static WbBookingStatus
status_of (Fixture    *f,
           const char *id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WbBooking) booking = wb_booking_service_get (f->service, id, &error);

  g_assert_no_error (error);
  return booking->status;
}

static char *
conference_of (Fixture    *f,
               const char *id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WbBooking) booking = wb_booking_service_get (f->service, id, &error);

  g_assert_no_error (error);
  return g_strdup (booking->conference_id);
}

/* The calls the fake manager got, joined by "; ". */
static char *
calls (Fixture *f)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < f->manager.calls->len; i++)
    g_string_append_printf (text, "%s%s", i > 0 ? "; " : "",
                            (const char *) g_ptr_array_index (f->manager.calls, i));
  return g_string_free (g_steal_pointer (&text), FALSE);
}

#define assert_calls(f, expected) G_STMT_START { \
  g_autofree char *got__ = calls (f); \
  g_assert_cmpstr (got__, ==, expected); \
} G_STMT_END

static void
patch (Fixture    *f,
       const char *id,
       const char *json_text)
{
  g_autoptr(JsonNode) body = test_json (json_text);
  g_autoptr(GError) error = NULL;
  g_autoptr(WbBooking) booking = NULL;

  booking = wb_booking_service_update (f->service, id, body, &admin, NULL, &error);
  g_assert_no_error (error);
}

static void
test_start_and_end (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *id = book (f, "Giao ban", "10:00", "11:00");
  g_autofree char *conference = NULL;
  g_autofree char *sql = NULL;
  g_autoptr(WbConferenceRecord) record = NULL;
  g_autoptr(GPtrArray) audit = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (wb_scheduler_get_next_alarm (f->scheduler, id), ==, T ("10:00"));

  advance_to (f, T ("10:00") - 1);
  assert_calls (f, "");
  g_assert_cmpint (status_of (f, id), ==, WB_BOOKING_STATUS_SCHEDULED);

  advance_to (f, T ("10:00"));
  assert_calls (f, "start Giao ban -> conf-1");
  g_assert_cmpint (f->manager.last_start_us, ==, T ("10:00"));
  g_assert_cmpint (status_of (f, id), ==, WB_BOOKING_STATUS_RUNNING);
  conference = conference_of (f, id);
  g_assert_cmpstr (conference, ==, "conf-1");
  g_assert_cmpint (wb_scheduler_get_next_alarm (f->scheduler, id), ==, T ("11:00"));
  sql = g_strdup_printf ("SELECT status FROM bookings WHERE id = '%s'", id);
  {
    g_autofree char *status = test_sql_text (f->path, sql);
    g_assert_cmpstr (status, ==, "running");
  }

  advance_to (f, T ("11:00") - 1);
  assert_calls (f, "start Giao ban -> conf-1");

  advance_to (f, T ("11:00"));
  assert_calls (f, "start Giao ban -> conf-1; end conf-1");
  g_assert_cmpint (f->manager.last_end_us, ==, T ("11:00"));
  g_assert_cmpint (status_of (f, id), ==, WB_BOOKING_STATUS_ENDED);
  g_assert_cmpuint (wb_fake_clock_get_n_alarms (WB_FAKE_CLOCK (f->clock)), ==, 0);

  record = wb_store_get_conference (f->store, "conf-1", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (record->booking_id, ==, id);
  g_assert_cmpint (record->started_us, ==, T ("10:00"));
  g_assert_cmpint (record->ended_us, ==, T ("11:00"));

  /* The scheduler's actions are in the audit log, as the system. */
  audit = wb_store_list_audit (f->store, 0, 0, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (audit->len, ==, 2);
  g_assert_cmpstr (((WbAuditEntry *) g_ptr_array_index (audit, 0))->action, ==, "conference.end");
  g_assert_cmpstr (((WbAuditEntry *) g_ptr_array_index (audit, 1))->action, ==, "conference.start");
  g_assert_cmpstr (((WbAuditEntry *) g_ptr_array_index (audit, 1))->role, ==, "system");
  g_assert_cmpint (((WbAuditEntry *) g_ptr_array_index (audit, 1))->at_us, ==, T ("10:00"));

  /* Much later, nothing more happens. */
  advance_to (f, T ("23:00"));
  assert_calls (f, "start Giao ban -> conf-1; end conf-1");
}

static void
test_extend_while_running (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *id = book (f, "Họp", "10:00", "11:00");

  advance_to (f, T ("10:30"));
  assert_calls (f, "start Họp -> conf-1");

  patch (f, id, "{\"end\":\"2026-11-26T11:30:00+07:00\"}");
  g_assert_cmpint (wb_scheduler_get_next_alarm (f->scheduler, id), ==, T ("11:30"));
  advance_to (f, T ("11:29"));
  g_assert_cmpint (status_of (f, id), ==, WB_BOOKING_STATUS_RUNNING);
  assert_calls (f, "start Họp -> conf-1");

  /* And shortened again: ends at the new end. */
  patch (f, id, "{\"end\":\"2026-11-26T11:29:30+07:00\"}");
  advance_to (f, T ("11:29") + 29 * G_USEC_PER_SEC);
  g_assert_cmpint (status_of (f, id), ==, WB_BOOKING_STATUS_RUNNING);
  advance_to (f, T ("11:29") + 30 * G_USEC_PER_SEC);
  assert_calls (f, "start Họp -> conf-1; end conf-1");
  g_assert_cmpint (f->manager.last_end_us, ==, T ("11:29") + 30 * G_USEC_PER_SEC);
  g_assert_cmpint (status_of (f, id), ==, WB_BOOKING_STATUS_ENDED);
}

static void
test_running_keeps_start (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *id = book (f, "Họp", "10:00", "11:00");
  g_autoptr(JsonNode) body = test_json ("{\"start\":\"2026-11-26T10:15:00+07:00\"}");
  g_autoptr(WbBookingIssues) issues = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(WbBooking) refused = NULL;
  g_autoptr(WbBooking) not_cancelled = NULL;

  advance_to (f, T ("10:10"));
  refused = wb_booking_service_update (f->service, id, body, &admin, &issues, &error);
  g_assert_error (error, WB_BOOKING_ERROR, WB_BOOKING_ERROR_INVALID);
  g_assert_cmpstr (((WbFieldError *) g_ptr_array_index (issues->errors, 0))->field, ==, "start");
  g_clear_error (&error);

  /* A running booking is ended, not cancelled. */
  not_cancelled = wb_booking_service_cancel (f->service, id, &admin, &error);
  g_assert_error (error, WB_BOOKING_ERROR, WB_BOOKING_ERROR_STATE);
  g_assert_cmpint (status_of (f, id), ==, WB_BOOKING_STATUS_RUNNING);
}

static void
test_early_end (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *id = book (f, "Họp", "10:00", "11:00");
  g_autoptr(WbBooking) ended = NULL;
  g_autoptr(WbBooking) again = NULL;
  g_autoptr(WbConferenceRecord) record = NULL;
  g_autoptr(GError) error = NULL;

  advance_to (f, T ("10:20"));
  ended = wb_scheduler_end_now (f->scheduler, id, &admin, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ended->status, ==, WB_BOOKING_STATUS_ENDED);
  assert_calls (f, "start Họp -> conf-1; end conf-1");
  g_assert_cmpint (f->manager.last_end_us, ==, T ("10:20"));
  g_assert_cmpuint (wb_fake_clock_get_n_alarms (WB_FAKE_CLOCK (f->clock)), ==, 0);

  record = wb_store_get_conference (f->store, "conf-1", &error);
  g_assert_no_error (error);
  g_assert_cmpint (record->ended_us, ==, T ("10:20"));

  /* The end alarm is gone: 11:00 passes quietly. */
  advance_to (f, T ("11:30"));
  assert_calls (f, "start Họp -> conf-1; end conf-1");

  again = wb_scheduler_end_now (f->scheduler, id, &admin, &error);
  g_assert_null (again);
  g_assert_error (error, WB_BOOKING_ERROR, WB_BOOKING_ERROR_STATE);
}

static void
test_conference_ended_elsewhere (Fixture       *f,
                                 gconstpointer  data)
{
  g_autofree char *id = book (f, "Họp", "10:00", "11:00");

  advance_to (f, T ("10:05"));
  g_assert_false (wb_scheduler_conference_ended (f->scheduler, "conf-unknown"));
  g_assert_cmpint (status_of (f, id), ==, WB_BOOKING_STATUS_RUNNING);

  /* IT staff ended it through the conference API: no second end call. */
  g_assert_true (wb_scheduler_conference_ended (f->scheduler, "conf-1"));
  g_assert_cmpint (status_of (f, id), ==, WB_BOOKING_STATUS_ENDED);
  advance_to (f, T ("12:00"));
  assert_calls (f, "start Họp -> conf-1");
}

static void
test_cancel_before_start (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *id = book (f, "Họp", "10:00", "11:00");
  g_autofree char *kept = book (f, "Khác", "12:00", "13:00");
  g_autoptr(WbBooking) cancelled = NULL;
  g_autoptr(GError) error = NULL;

  advance_to (f, T ("09:30"));
  g_assert_cmpuint (wb_fake_clock_get_n_alarms (WB_FAKE_CLOCK (f->clock)), ==, 2);
  cancelled = wb_booking_service_cancel (f->service, id, &admin, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (wb_fake_clock_get_n_alarms (WB_FAKE_CLOCK (f->clock)), ==, 1);
  g_assert_cmpint (wb_scheduler_get_next_alarm (f->scheduler, id), ==, G_MAXINT64);

  advance_to (f, T ("11:30"));
  assert_calls (f, "");
  g_assert_cmpint (status_of (f, id), ==, WB_BOOKING_STATUS_CANCELLED);
  advance_to (f, T ("12:00"));
  assert_calls (f, "start Khác -> conf-1");
}

static void
test_move_before_start (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *id = book (f, "Họp", "10:00", "11:00");

  patch (f, id, "{\"start\":\"2026-11-26T10:30:00+07:00\",\"end\":\"2026-11-26T11:30:00+07:00\"}");
  g_assert_cmpuint (wb_fake_clock_get_n_alarms (WB_FAKE_CLOCK (f->clock)), ==, 1);
  advance_to (f, T ("10:29"));
  assert_calls (f, "");
  advance_to (f, T ("10:30"));
  assert_calls (f, "start Họp -> conf-1");
  advance_to (f, T ("11:30"));
  assert_calls (f, "start Họp -> conf-1; end conf-1");

  /* Booked for a slot already under way: starts at once. */
  {
    g_autofree char *now = book (f, "Gấp", "11:00", "12:00");

    g_assert_cmpint (status_of (f, now), ==, WB_BOOKING_STATUS_SCHEDULED);
    advance_to (f, T ("11:30"));
    assert_calls (f, "start Họp -> conf-1; end conf-1; start Gấp -> conf-2");
  }
}

static void
test_start_retry (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *id = book (f, "Họp", "10:00", "11:00");
  g_autofree char *never = book (f, "Không", "12:00", "12:01");
  GLogLevelFlags fatal;

  /* A failed start is logged as a warning, which g_test_init() makes fatal. */
  fatal = g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);

  f->manager.fail_starts = 1;
  advance_to (f, T ("10:00"));
  assert_calls (f, "start Họp failed");
  g_assert_cmpint (status_of (f, id), ==, WB_BOOKING_STATUS_SCHEDULED);
  g_assert_cmpint (wb_scheduler_get_next_alarm (f->scheduler, id), ==,
                   T ("10:00") + WB_SCHEDULER_RETRY_US);

  advance_to (f, T ("10:00") + WB_SCHEDULER_RETRY_US);
  assert_calls (f, "start Họp failed; start Họp -> conf-1");
  g_assert_cmpint (status_of (f, id), ==, WB_BOOKING_STATUS_RUNNING);
  advance_to (f, T ("11:00"));
  g_ptr_array_set_size (f->manager.calls, 0);

  /* Never starts: tried at 12:00:00, :15, :30, :45, then missed at its
   * end (12:01). */
  f->manager.fail_starts = 100;
  advance_to (f, T ("13:00"));
  assert_calls (f, "start Không failed; start Không failed; start Không failed; "
                   "start Không failed");
  g_assert_cmpint (status_of (f, never), ==, WB_BOOKING_STATUS_MISSED);
  g_assert_cmpuint (wb_fake_clock_get_n_alarms (WB_FAKE_CLOCK (f->clock)), ==, 0);

  g_log_set_always_fatal (fatal);
}

static void
test_recover_running (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *id = book (f, "Họp", "10:00", "11:00");
  g_autofree char *conference = NULL;
  g_autoptr(WbConferenceRecord) old = NULL;
  g_autoptr(GError) error = NULL;

  advance_to (f, T ("10:00"));
  assert_calls (f, "start Họp -> conf-1");

  /* The hub dies at 10:10 and is back at 10:30. */
  stop_hub (f);
  start_hub (f, T ("10:30"), TRUE);

  assert_calls (f, "start Họp -> conf-1; start Họp -> conf-2");
  g_assert_cmpint (status_of (f, id), ==, WB_BOOKING_STATUS_RUNNING);
  conference = conference_of (f, id);
  g_assert_cmpstr (conference, ==, "conf-2");
  old = wb_store_get_conference (f->store, "conf-1", &error);
  g_assert_no_error (error);
  g_assert_cmpint (old->ended_us, ==, T ("10:30"));

  advance_to (f, T ("11:00"));
  assert_calls (f, "start Họp -> conf-1; start Họp -> conf-2; end conf-2");
  g_assert_cmpint (status_of (f, id), ==, WB_BOOKING_STATUS_ENDED);
}

static void
test_recover_running_retry (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *id = book (f, "Họp", "10:00", "11:00");
  g_autofree char *conference = NULL;
  GLogLevelFlags fatal;

  advance_to (f, T ("10:00"));
  stop_hub (f);

  /* Back at 10:30, but the media plane refuses the first start. */
  fatal = g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  f->manager.fail_starts = 1;
  start_hub (f, T ("10:30"), TRUE);
  g_log_set_always_fatal (fatal);
  assert_calls (f, "start Họp -> conf-1; start Họp failed");
  g_assert_cmpint (wb_scheduler_get_next_alarm (f->scheduler, id), ==,
                   T ("10:30") + WB_SCHEDULER_RETRY_US);

  /* An extension meanwhile keeps the retry. */
  patch (f, id, "{\"end\":\"2026-11-26T11:30:00+07:00\"}");
  g_assert_cmpint (wb_scheduler_get_next_alarm (f->scheduler, id), ==,
                   T ("10:30") + WB_SCHEDULER_RETRY_US);

  advance_to (f, T ("10:30") + WB_SCHEDULER_RETRY_US);
  assert_calls (f, "start Họp -> conf-1; start Họp failed; start Họp -> conf-2");
  conference = conference_of (f, id);
  g_assert_cmpstr (conference, ==, "conf-2");
  g_assert_cmpint (wb_scheduler_get_next_alarm (f->scheduler, id), ==, T ("11:30"));

  advance_to (f, T ("11:30"));
  assert_calls (f, "start Họp -> conf-1; start Họp failed; start Họp -> conf-2; end conf-2");
  g_assert_cmpint (status_of (f, id), ==, WB_BOOKING_STATUS_ENDED);
}

static void
test_recover_scheduled_in_progress (Fixture       *f,
                                    gconstpointer  data)
{
  g_autofree char *id = book (f, "Họp", "10:00", "11:00");

  /* Down from 09:30 to 10:10: the start was never seen. */
  stop_hub (f);
  start_hub (f, T ("10:10"), TRUE);
  assert_calls (f, "start Họp -> conf-1");
  g_assert_cmpint (status_of (f, id), ==, WB_BOOKING_STATUS_RUNNING);
  g_assert_cmpint (f->manager.last_start_us, ==, T ("10:10"));
}

static void
test_recover_missed_and_ended (Fixture       *f,
                               gconstpointer  data)
{
  g_autofree char *missed = book (f, "Lỡ", "10:00", "10:30");
  g_autofree char *ran = NULL;
  g_autofree char *future = NULL;
  g_autoptr(WbConferenceRecord) record = NULL;
  g_autoptr(GPtrArray) audit = NULL;
  g_autoptr(GError) error = NULL;
  gboolean seen_missed = FALSE;

  /* "ran" starts at 11:00 on another ward; "future" is for tomorrow. */
  {
    g_autoptr(JsonNode) body = test_json ("{\"title\":\"Đã họp\",\"start\":\"2026-11-26T11:00:00+07:00\","
                                          "\"end\":\"2026-11-26T12:00:00+07:00\",\"endpoints\":[\"ward-02\"]}");
    g_autoptr(WbBookingAnswer) answer =
      wb_booking_service_create (f->service, body, &admin, NULL, NULL, &error);
    g_assert_no_error (error);
    ran = g_strdup (answer->booking->id);
  }
  future = book (f, "Mai", "15:00", "16:00");

  /* The hub is down from 09:30 to 10:59: "Lỡ" started and ended unseen. */
  stop_hub (f);
  start_hub (f, T ("11:00") - G_USEC_PER_SEC, TRUE);
  g_assert_cmpint (status_of (f, missed), ==, WB_BOOKING_STATUS_MISSED);
  assert_calls (f, "");

  /* "Đã họp" runs from 11:00; the hub dies at 11:10, back at 13:00. */
  advance_to (f, T ("11:00"));
  assert_calls (f, "start Đã họp -> conf-1");
  stop_hub (f);
  start_hub (f, T ("13:00"), TRUE);

  g_assert_cmpint (status_of (f, ran), ==, WB_BOOKING_STATUS_ENDED);
  g_assert_cmpint (status_of (f, missed), ==, WB_BOOKING_STATUS_MISSED);
  g_assert_cmpint (status_of (f, future), ==, WB_BOOKING_STATUS_SCHEDULED);
  assert_calls (f, "start Đã họp -> conf-1");
  record = wb_store_get_conference (f->store, "conf-1", &error);
  g_assert_no_error (error);
  g_assert_cmpint (record->ended_us, ==, T ("12:00"));

  /* The future one is armed again. */
  g_assert_cmpint (wb_scheduler_get_next_alarm (f->scheduler, future), ==, T ("15:00"));
  advance_to (f, T ("15:00"));
  assert_calls (f, "start Đã họp -> conf-1; start Mai -> conf-2");

  audit = wb_store_list_audit (f->store, 0, 0, 0, 0, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < audit->len; i++)
    {
      const WbAuditEntry *entry = g_ptr_array_index (audit, i);
      g_autofree char *target = g_strconcat ("booking/", missed, NULL);

      if (g_strcmp0 (entry->action, "booking.missed") == 0)
        {
          g_assert_cmpstr (entry->target, ==, target);
          seen_missed = TRUE;
        }
    }
  g_assert_true (seen_missed);
}

/* ---- The clocks ---------------------------------------------------------------- */

typedef struct {
  WbClock   *clock;
  GString   *log;
} ClockLog;

typedef struct {
  ClockLog   *log;
  const char *name;
} NamedAlarm;

static void
log_alarm (gpointer user_data)
{
  NamedAlarm *alarm = user_data;

  g_string_append_printf (alarm->log->log, "%s@%" G_GINT64_FORMAT " ", alarm->name,
                          wb_clock_now (alarm->log->clock));
}

static void
test_fake_clock (void)
{
  g_autoptr(WbClock) clock = wb_fake_clock_new (1000);
  g_autoptr(GString) text = g_string_new (NULL);
  ClockLog log = { clock, text };
  NamedAlarm a = { &log, "a" };
  NamedAlarm b = { &log, "b" };
  NamedAlarm c = { &log, "c" };
  NamedAlarm d = { &log, "d" };
  guint id_c;

  wb_clock_add_alarm (clock, 3000, log_alarm, &b, NULL);
  wb_clock_add_alarm (clock, 2000, log_alarm, &a, NULL);
  id_c = wb_clock_add_alarm (clock, 2500, log_alarm, &c, NULL);
  wb_clock_add_alarm (clock, 3000, log_alarm, &d, NULL);
  g_assert_cmpuint (wb_fake_clock_get_n_alarms (WB_FAKE_CLOCK (clock)), ==, 4);
  g_assert_cmpint (wb_fake_clock_get_next_alarm (WB_FAKE_CLOCK (clock)), ==, 2000);

  wb_clock_remove_alarm (clock, id_c);
  wb_clock_remove_alarm (clock, 9999);   /* unknown: ignored */

  wb_fake_clock_advance (WB_FAKE_CLOCK (clock), 999);
  g_assert_cmpstr (text->str, ==, "");
  g_assert_cmpint (wb_clock_now (clock), ==, 1999);

  /* In due order; same time in the order armed; now() is the due time. */
  wb_fake_clock_set_time (WB_FAKE_CLOCK (clock), 5000);
  g_assert_cmpstr (text->str, ==, "a@2000 b@3000 d@3000 ");
  g_assert_cmpint (wb_clock_now (clock), ==, 5000);
  g_assert_cmpuint (wb_fake_clock_get_n_alarms (WB_FAKE_CLOCK (clock)), ==, 0);

  /* Never backwards. */
  wb_fake_clock_set_time (WB_FAKE_CLOCK (clock), 4000);
  g_assert_cmpint (wb_clock_now (clock), ==, 5000);
}

static void
quit_loop (gpointer user_data)
{
  gint64 *fired_at = user_data;

  *fired_at = g_get_real_time ();
}

static void
test_real_clock (void)
{
  g_autoptr(WbClock) clock = wb_real_clock_new ();
  gint64 fired_at = 0;
  gint64 removed_fired_at = 0;
  gint64 due;
  gint64 deadline;
  guint removed;

  due = wb_clock_now (clock) + 50 * G_TIME_SPAN_MILLISECOND;
  g_assert_cmpint (ABS (wb_clock_now (clock) - g_get_real_time ()), <, G_USEC_PER_SEC);
  wb_clock_add_alarm (clock, due, quit_loop, &fired_at, NULL);
  removed = wb_clock_add_alarm (clock, due, quit_loop, &removed_fired_at, NULL);
  wb_clock_remove_alarm (clock, removed);

  /* Generous bound for a loaded machine. */
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (fired_at == 0 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);

  g_assert_cmpint (fired_at, >=, due);
  g_assert_cmpint (removed_fired_at, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  g_test_add_func ("/clock/fake", test_fake_clock);
  g_test_add_func ("/clock/real", test_real_clock);
  ADD ("/scheduler/start-and-end", test_start_and_end);
  ADD ("/scheduler/extend-while-running", test_extend_while_running);
  ADD ("/scheduler/running-keeps-start", test_running_keeps_start);
  ADD ("/scheduler/early-end", test_early_end);
  ADD ("/scheduler/conference-ended-elsewhere", test_conference_ended_elsewhere);
  ADD ("/scheduler/cancel-before-start", test_cancel_before_start);
  ADD ("/scheduler/move-before-start", test_move_before_start);
  ADD ("/scheduler/start-retry", test_start_retry);
  ADD ("/scheduler/recover-running", test_recover_running);
  ADD ("/scheduler/recover-running-retry", test_recover_running_retry);
  ADD ("/scheduler/recover-scheduled-in-progress", test_recover_scheduled_in_progress);
  ADD ("/scheduler/recover-missed-and-ended", test_recover_missed_and_ended);

#undef ADD

  return g_test_run ();
}
