/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbClock: wall-clock time and alarms, injectable so that the scheduler and
 * the booking model can be tested without waiting.
 *
 * Times are UTC microseconds since the Unix epoch.  WbRealClock reads
 * g_get_real_time() and arms alarms on the thread-default main context; it
 * re-checks the wall clock when an alarm wakes up, so a clock step (NTP,
 * suspend) neither fires an alarm early nor loses it.  WbFakeClock only
 * moves when a test advances it, and fires the alarms that fall due, in
 * time order, from inside wb_fake_clock_advance().
 *
 * Whoever creates a clock owns it; the scheduler and the booking service
 * keep a reference.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define WB_TYPE_CLOCK (wb_clock_get_type ())
G_DECLARE_INTERFACE (WbClock, wb_clock, WB, CLOCK, GObject)

typedef void (*WbClockFunc) (gpointer user_data);

struct _WbClockInterface {
  GTypeInterface parent_iface;

  gint64 (*now)          (WbClock        *self);
  guint  (*add_alarm)    (WbClock        *self,
                          gint64          when_us,
                          WbClockFunc     func,
                          gpointer        user_data,
                          GDestroyNotify  destroy);
  void   (*remove_alarm) (WbClock        *self,
                          guint           alarm_id);
};

/* Current time, UTC microseconds since the epoch. */
gint64 wb_clock_now          (WbClock        *self);

/* Calls @func once, on the main context, when the clock reaches @when_us
 * (a time already passed: at the next main loop iteration for the real
 * clock, at the next set_time()/advance() for the fake one).  Returns an id > 0
 * for wb_clock_remove_alarm(); @destroy runs when the alarm has fired or was
 * removed. */
guint  wb_clock_add_alarm    (WbClock        *self,
                              gint64          when_us,
                              WbClockFunc     func,
                              gpointer        user_data,
                              GDestroyNotify  destroy);
/* Drops an alarm that has not fired yet; 0 and unknown ids are ignored. */
void   wb_clock_remove_alarm (WbClock        *self,
                              guint           alarm_id);

/* ---- The real clock ----------------------------------------------------- */

#define WB_TYPE_REAL_CLOCK (wb_real_clock_get_type ())
G_DECLARE_FINAL_TYPE (WbRealClock, wb_real_clock, WB, REAL_CLOCK, GObject)

WbClock *wb_real_clock_new (void);

/* ---- The fake clock, for tests ----------------------------------------- */

#define WB_TYPE_FAKE_CLOCK (wb_fake_clock_get_type ())
G_DECLARE_FINAL_TYPE (WbFakeClock, wb_fake_clock, WB, FAKE_CLOCK, GObject)

WbClock *wb_fake_clock_new          (gint64       now_us);
/* Moves the time to @now_us (never backwards), firing every alarm due on
 * the way in time order; while an alarm runs, now() is its due time. */
void     wb_fake_clock_set_time     (WbFakeClock *self,
                                     gint64       now_us);
void     wb_fake_clock_advance      (WbFakeClock *self,
                                     gint64       delta_us);
/* Number of alarms armed and not yet fired. */
guint    wb_fake_clock_get_n_alarms (WbFakeClock *self);
/* Due time of the earliest armed alarm, or G_MAXINT64 when none. */
gint64   wb_fake_clock_get_next_alarm (WbFakeClock *self);

G_END_DECLS
