/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbScheduler: alarms that start and end booked conferences.  See
 * wb-scheduler.h for the rules.
 *
 * For every booking that is scheduled or running the scheduler keeps one
 * Entry with at most one armed alarm: the start (scheduled) or the end
 * (running).  Entries are rebuilt from the booking every time the booking
 * service reports a change, so a move, an extension or a cancel needs no
 * special case here.
 */
#define G_LOG_DOMAIN "wardbridge-scheduler"

#include "control/wb-scheduler.h"

#include <gio/gio.h>
#include <string.h>

struct _WbScheduler {
  GObject parent_instance;

  WbBookingService  *bookings;
  WbClock           *clock;
  gulong             changed_handler;

  WbConferenceHooks  hooks;
  gpointer           hooks_data;
  GDestroyNotify     hooks_destroy;

  GHashTable        *entries;   /* booking id (owned) -> Entry (owned) */
};

typedef struct {
  WbScheduler *scheduler;   /* unowned: alarms are removed before it goes */
  guint        alarm;       /* 0 when none armed */
  gint64       when_us;
  /* The alarm starts the conference: the booking's start, or a retry of a
   * failed start (also of a running booking whose conference could not be
   * started again after a restart). */
  gboolean     is_start;
} Entry;

/* What an alarm carries: the booking id, not the Entry, because the entry
 * may be replaced while the alarm's callback runs. */
typedef struct {
  WbScheduler *scheduler;
  char        *booking_id;
} AlarmData;

static const WbActor system_actor = { "system", "system:scheduler", "scheduler" };

G_DEFINE_TYPE (WbScheduler, wb_scheduler, G_TYPE_OBJECT)

static void
entry_free (Entry *entry)
{
  wb_clock_remove_alarm (entry->scheduler->clock, entry->alarm);
  g_free (entry);
}

static void
alarm_data_free (AlarmData *data)
{
  g_free (data->booking_id);
  g_free (data);
}

static void
audit (WbScheduler     *self,
       const char      *action,
       const WbBooking *booking,
       int              status,
       const char      *detail)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *target = g_strconcat ("booking/", booking->id, NULL);
  WbStore *store = wb_booking_service_get_store (self->bookings);

  if (wb_store_append_audit (store, wb_clock_now (self->clock), &system_actor,
                             action, target, status, detail, &error) == 0)
    g_warning ("Cannot audit %s of booking %s: %s", action, booking->id, error->message);
}

/* ---- Alarms ---------------------------------------------------------------- */

static void on_alarm (gpointer user_data);

static void
disarm (WbScheduler *self,
        const char  *booking_id)
{
  g_hash_table_remove (self->entries, booking_id);
}

/* Replaces whatever alarm @booking_id had by one at @when_us. */
static void
set_alarm (WbScheduler *self,
           const char  *booking_id,
           gint64       when_us,
           gboolean     is_start)
{
  Entry *entry = g_hash_table_lookup (self->entries, booking_id);
  AlarmData *data;

  if (entry == NULL)
    {
      entry = g_new0 (Entry, 1);
      entry->scheduler = self;
      g_hash_table_insert (self->entries, g_strdup (booking_id), entry);
    }
  wb_clock_remove_alarm (self->clock, entry->alarm);

  data = g_new0 (AlarmData, 1);
  data->scheduler = self;
  data->booking_id = g_strdup (booking_id);
  entry->is_start = is_start;
  entry->when_us = when_us;
  entry->alarm = wb_clock_add_alarm (self->clock, when_us, on_alarm, data,
                                     (GDestroyNotify) alarm_data_free);
  g_debug ("Booking %s: %s alarm at %" G_GINT64_FORMAT, booking_id,
           is_start ? "start" : "end", when_us);
}

/* Makes the entry of @booking match its status and times. */
static void
arm (WbScheduler     *self,
     const WbBooking *booking)
{
  Entry *entry;
  gboolean is_start;
  gint64 when_us;

  switch (booking->status)
    {
    case WB_BOOKING_STATUS_SCHEDULED:
      is_start = TRUE;
      when_us = booking->start_us;
      break;
    case WB_BOOKING_STATUS_RUNNING:
      is_start = FALSE;
      when_us = booking->end_us;
      break;
    case WB_BOOKING_STATUS_ENDED:
    case WB_BOOKING_STATUS_CANCELLED:
    case WB_BOOKING_STATUS_MISSED:
    default:
      disarm (self, booking->id);
      return;
    }

  entry = g_hash_table_lookup (self->entries, booking->id);
  if (entry != NULL && entry->alarm != 0)
    {
      if (entry->is_start == is_start && entry->when_us == when_us)
        return;   /* nothing that matters here changed */
      if (entry->is_start && booking->status == WB_BOOKING_STATUS_RUNNING)
        return;   /* a restart is pending; its alarm also sees a new end */
    }

  set_alarm (self, booking->id, when_us, is_start);
}

/* Arms a retry, at @when_us, of a start (@is_start) or an end that failed. */
static void
arm_retry (WbScheduler     *self,
           const WbBooking *booking,
           gint64           when_us,
           gboolean         is_start)
{
  set_alarm (self, booking->id, when_us, is_start);
}

/* ---- Actions ---------------------------------------------------------------- */

static void
mark_missed (WbScheduler *self,
             WbBooking   *booking)
{
  g_autoptr(WbBooking) missed = NULL;
  g_autoptr(GError) error = NULL;

  missed = wb_booking_service_set_status (self->bookings, booking->id,
                                          WB_BOOKING_STATUS_MISSED, NULL, &error);
  if (missed == NULL)
    {
      g_warning ("Cannot mark booking %s missed: %s", booking->id, error->message);
      return;
    }
  g_message ("Booking %s “%s” was missed: its slot passed before it could start",
             booking->id, booking->title);
  audit (self, "booking.missed", booking, 200, NULL);
}

/* Starts (or, after a restart, starts again) the conference of @booking,
 * which is scheduled or running and whose slot is in progress. */
static void
start_booking (WbScheduler *self,
               WbBooking   *booking)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WbBooking) running = NULL;
  g_autofree char *conference_id = NULL;
  WbStore *store = wb_booking_service_get_store (self->bookings);
  gint64 now_us = wb_clock_now (self->clock);

  if (self->hooks.start_conference == NULL)
    g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                         "No conference manager is connected to the scheduler");
  else
    conference_id = self->hooks.start_conference (booking, self->hooks_data, &error);

  if (conference_id == NULL)
    {
      gint64 retry_us = MIN (now_us + WB_SCHEDULER_RETRY_US, booking->end_us);

      g_warning ("Cannot start the conference of booking %s: %s; trying again in %d s",
                 booking->id, error->message,
                 (int) ((retry_us - now_us) / G_USEC_PER_SEC));
      audit (self, "conference.start", booking, 500, error->message);
      arm_retry (self, booking, retry_us, TRUE);
      return;
    }

  running = wb_booking_service_set_status (self->bookings, booking->id,
                                           WB_BOOKING_STATUS_RUNNING, conference_id,
                                           &error);
  if (running == NULL)
    {
      /* Nothing may run that the store does not know of. */
      g_warning ("Cannot record the start of booking %s: %s; ending conference %s",
                 booking->id, error->message, conference_id);
      if (self->hooks.end_conference != NULL)
        self->hooks.end_conference (booking, conference_id, self->hooks_data);
      audit (self, "conference.start", booking, 500, error->message);
      arm_retry (self, booking, MIN (now_us + WB_SCHEDULER_RETRY_US, booking->end_us), TRUE);
      return;
    }

  if (!wb_store_conference_started (store, conference_id, booking->id, booking->title,
                                    now_us, &error))
    g_warning ("Cannot record conference %s: %s", conference_id, error->message);
  g_message ("Booking %s “%s” started as conference %s", booking->id,
             booking->title, conference_id);
  audit (self, "conference.start", running, 200, conference_id);
}

/* Ends the running @booking: the booking first (so that a conference
 * manager reporting the end back finds nothing left to end), then the
 * conference, then its record. */
static gboolean
end_booking (WbScheduler  *self,
             WbBooking    *booking,
             gboolean      call_hook,
             const char   *action,
             WbBooking   **out_ended,
             GError      **error)
{
  g_autoptr(WbBooking) ended = NULL;
  g_autoptr(GError) local_error = NULL;
  WbStore *store = wb_booking_service_get_store (self->bookings);

  ended = wb_booking_service_set_status (self->bookings, booking->id,
                                         WB_BOOKING_STATUS_ENDED, NULL, error);
  if (ended == NULL)
    return FALSE;

  if (call_hook && booking->conference_id != NULL && self->hooks.end_conference != NULL)
    self->hooks.end_conference (booking, booking->conference_id, self->hooks_data);

  if (booking->conference_id != NULL &&
      !wb_store_conference_ended (store, booking->conference_id,
                                  MIN (wb_clock_now (self->clock), booking->end_us),
                                  &local_error) &&
      !g_error_matches (local_error, WB_STORE_ERROR, WB_STORE_ERROR_NOT_FOUND))
    g_warning ("Cannot record the end of conference %s: %s",
               booking->conference_id, local_error->message);

  g_message ("Booking %s “%s” ended (%s)", booking->id, booking->title, action);
  audit (self, action, booking, 200, booking->conference_id);
  if (out_ended != NULL)
    *out_ended = g_steal_pointer (&ended);
  return TRUE;
}

static void
on_alarm (gpointer user_data)
{
  AlarmData *data = user_data;
  WbScheduler *self = data->scheduler;
  g_autoptr(GError) error = NULL;
  g_autoptr(WbBooking) booking = NULL;
  gboolean was_start = FALSE;
  Entry *entry;
  gint64 now_us;

  /* This alarm is spent. */
  entry = g_hash_table_lookup (self->entries, data->booking_id);
  if (entry != NULL)
    {
      entry->alarm = 0;
      was_start = entry->is_start;
    }

  booking = wb_booking_service_get (self->bookings, data->booking_id, &error);
  if (booking == NULL)
    {
      g_warning ("Scheduler: %s", error->message);
      disarm (self, data->booking_id);
      return;
    }

  now_us = wb_clock_now (self->clock);
  switch (booking->status)
    {
    case WB_BOOKING_STATUS_SCHEDULED:
      if (now_us >= booking->end_us)
        mark_missed (self, booking);
      else if (now_us < booking->start_us)
        arm (self, booking);   /* moved later meanwhile */
      else
        start_booking (self, booking);
      break;

    case WB_BOOKING_STATUS_RUNNING:
      if (now_us >= booking->end_us)
        {
          if (!end_booking (self, booking, TRUE, "conference.end", NULL, &error))
            {
              g_warning ("Cannot end booking %s: %s", booking->id, error->message);
              arm_retry (self, booking, now_us + WB_SCHEDULER_RETRY_US, FALSE);
            }
        }
      else if (was_start)
        start_booking (self, booking);   /* its restart failed before */
      else
        arm (self, booking);   /* extended meanwhile */
      break;

    case WB_BOOKING_STATUS_ENDED:
    case WB_BOOKING_STATUS_CANCELLED:
    case WB_BOOKING_STATUS_MISSED:
    default:
      disarm (self, booking->id);
      break;
    }
}

/* ---- Following the bookings -------------------------------------------------- */

static void
on_booking_changed (WbBookingService *bookings,
                    WbBooking        *booking,
                    int               change,
                    gpointer          user_data)
{
  WbScheduler *self = user_data;

  arm (self, booking);
}

/* ---- Object -------------------------------------------------------------------- */

static void
clear_hooks (WbScheduler *self)
{
  if (self->hooks_destroy != NULL)
    self->hooks_destroy (self->hooks_data);
  self->hooks_destroy = NULL;
  self->hooks_data = NULL;
  memset (&self->hooks, 0, sizeof self->hooks);
}

static void
wb_scheduler_dispose (GObject *object)
{
  WbScheduler *self = WB_SCHEDULER (object);

  g_clear_signal_handler (&self->changed_handler, self->bookings);
  if (self->entries != NULL)
    g_hash_table_remove_all (self->entries);
  clear_hooks (self);

  G_OBJECT_CLASS (wb_scheduler_parent_class)->dispose (object);
}

static void
wb_scheduler_finalize (GObject *object)
{
  WbScheduler *self = WB_SCHEDULER (object);

  g_clear_pointer (&self->entries, g_hash_table_unref);
  g_clear_object (&self->bookings);
  g_clear_object (&self->clock);

  G_OBJECT_CLASS (wb_scheduler_parent_class)->finalize (object);
}

static void
wb_scheduler_class_init (WbSchedulerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wb_scheduler_dispose;
  object_class->finalize = wb_scheduler_finalize;
}

static void
wb_scheduler_init (WbScheduler *self)
{
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) entry_free);
}

WbScheduler *
wb_scheduler_new (WbBookingService *bookings,
                  WbClock          *clock)
{
  WbScheduler *self;

  g_return_val_if_fail (WB_IS_BOOKING_SERVICE (bookings), NULL);
  g_return_val_if_fail (WB_IS_CLOCK (clock), NULL);

  self = g_object_new (WB_TYPE_SCHEDULER, NULL);
  self->bookings = g_object_ref (bookings);
  self->clock = g_object_ref (clock);
  self->changed_handler = g_signal_connect (bookings, "booking-changed",
                                            G_CALLBACK (on_booking_changed), self);
  return self;
}

void
wb_scheduler_set_hooks (WbScheduler             *self,
                        const WbConferenceHooks *hooks,
                        gpointer                 user_data,
                        GDestroyNotify           destroy)
{
  g_return_if_fail (WB_IS_SCHEDULER (self));

  clear_hooks (self);
  if (hooks != NULL)
    self->hooks = *hooks;
  self->hooks_data = user_data;
  self->hooks_destroy = destroy;
}

gboolean
wb_scheduler_recover (WbScheduler  *self,
                      GError      **error)
{
  g_autoptr(GPtrArray) pending = NULL;
  WbStore *store;
  gint64 now_us;

  g_return_val_if_fail (WB_IS_SCHEDULER (self), FALSE);

  store = wb_booking_service_get_store (self->bookings);
  pending = wb_booking_service_list (self->bookings, G_MININT64, G_MAXINT64,
                                     WB_BOOKING_STATUS_MASK_ACTIVE, error);
  if (pending == NULL)
    return FALSE;

  now_us = wb_clock_now (self->clock);
  for (guint i = 0; i < pending->len; i++)
    {
      WbBooking *booking = g_ptr_array_index (pending, i);
      g_autoptr(GError) local_error = NULL;

      if (booking->status == WB_BOOKING_STATUS_SCHEDULED)
        {
          if (now_us >= booking->end_us)
            mark_missed (self, booking);
          else if (now_us >= booking->start_us)
            start_booking (self, booking);
          else
            arm (self, booking);
          continue;
        }

      /* Running when the hub stopped: that conference is gone. */
      if (now_us >= booking->end_us)
        {
          if (!end_booking (self, booking, FALSE, "conference.end-after-restart",
                            NULL, &local_error))
            g_warning ("Cannot end booking %s: %s", booking->id, local_error->message);
          continue;
        }

      if (booking->conference_id != NULL &&
          !wb_store_conference_ended (store, booking->conference_id, now_us, &local_error) &&
          !g_error_matches (local_error, WB_STORE_ERROR, WB_STORE_ERROR_NOT_FOUND))
        g_warning ("Cannot record the end of conference %s: %s",
                   booking->conference_id, local_error->message);
      g_message ("Booking %s “%s” was running before the restart: starting it again",
                 booking->id, booking->title);
      start_booking (self, booking);
    }
  return TRUE;
}

WbBooking *
wb_scheduler_end_now (WbScheduler    *self,
                      const char     *booking_id,
                      const WbActor  *actor,
                      GError        **error)
{
  g_autoptr(WbBooking) booking = NULL;
  g_autoptr(WbBooking) ended = NULL;

  g_return_val_if_fail (WB_IS_SCHEDULER (self), NULL);
  g_return_val_if_fail (booking_id != NULL, NULL);
  g_return_val_if_fail (actor != NULL, NULL);

  booking = wb_booking_service_get (self->bookings, booking_id, error);
  if (booking == NULL)
    return NULL;
  if (booking->status != WB_BOOKING_STATUS_RUNNING)
    {
      g_set_error (error, WB_BOOKING_ERROR, WB_BOOKING_ERROR_STATE,
                   "Booking “%s” is %s, not running", booking_id,
                   wb_booking_status_to_string (booking->status));
      return NULL;
    }

  g_debug ("Booking %s ended early by %s", booking_id, actor->id);
  if (!end_booking (self, booking, TRUE, "conference.end-early", &ended, error))
    return NULL;
  return g_steal_pointer (&ended);
}

gboolean
wb_scheduler_conference_ended (WbScheduler *self,
                               const char  *conference_id)
{
  g_autoptr(GPtrArray) running = NULL;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (WB_IS_SCHEDULER (self), FALSE);
  g_return_val_if_fail (conference_id != NULL, FALSE);

  running = wb_booking_service_list (self->bookings, G_MININT64, G_MAXINT64,
                                     WB_BOOKING_STATUS_MASK (WB_BOOKING_STATUS_RUNNING),
                                     &error);
  if (running == NULL)
    {
      g_warning ("Cannot list running bookings: %s", error->message);
      return FALSE;
    }

  for (guint i = 0; i < running->len; i++)
    {
      WbBooking *booking = g_ptr_array_index (running, i);
      if (g_strcmp0 (booking->conference_id, conference_id) != 0)
        continue;
      if (!end_booking (self, booking, FALSE, "conference.ended", NULL, &error))
        {
          g_warning ("Cannot end booking %s: %s", booking->id, error->message);
          return FALSE;
        }
      return TRUE;
    }
  return FALSE;
}

gint64
wb_scheduler_get_next_alarm (WbScheduler *self,
                             const char  *booking_id)
{
  Entry *entry;

  g_return_val_if_fail (WB_IS_SCHEDULER (self), G_MAXINT64);

  entry = g_hash_table_lookup (self->entries, booking_id);
  if (entry == NULL || entry->alarm == 0)
    return G_MAXINT64;
  return entry->when_us;
}
