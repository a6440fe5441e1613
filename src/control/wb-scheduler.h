/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbScheduler: starts each booked conference at its booking's start and ends
 * it at its end, with alarms on an injectable WbClock.  The daemon owns one.
 *
 * It knows nothing of GStreamer: it calls the two hooks of
 * WbConferenceHooks, which the daemon wires to the conference manager (and
 * a test to a fake).  It follows WbBookingService's "booking-changed"
 * signal, so a move or an extension (even while running) re-arms its alarms
 * and a cancel drops them.  Status changes go through the booking service,
 * whose "booking-changed" signal is what the event bus follows.
 *
 * Rules:
 *  - at start: start_conference(); on success the booking becomes running
 *    with the conference id, and a conference row is written to the store.
 *    If it fails, it is tried again every WB_SCHEDULER_RETRY_US while the
 *    slot lasts (a restart after wb_scheduler_recover() too); a scheduled
 *    slot that ends before any start succeeded is missed.
 *  - at end (or an early end, wb_scheduler_end_now()): end_conference(),
 *    the booking becomes ended and the conference row gets its end time.
 *  - when the conference ends by other means (IT staff ended it through the
 *    conference API, or it failed), the daemon calls
 *    wb_scheduler_conference_ended() and the booking becomes ended.
 *  - wb_scheduler_recover(), once after the store is opened, decides what a
 *    restart means for every scheduled or running booking:
 *      scheduled, slot in the future  -> armed
 *      scheduled, slot in progress    -> started now
 *      scheduled, slot fully passed   -> missed (the hub was down for all of it)
 *      running,   slot in progress    -> started again (a new conference)
 *      running,   end passed          -> ended (it did run, before the stop)
 *  - every automatic action is appended to the audit log as actor
 *    role "system", id "system:scheduler".
 */
#pragma once

#include <glib-object.h>

#include "control/wb-booking.h"
#include "control/wb-booking-service.h"
#include "control/wb-clock.h"

G_BEGIN_DECLS

#define WB_SCHEDULER_RETRY_US (15 * G_TIME_SPAN_SECOND)

/* What the scheduler asks of the conference manager. */
typedef struct {
  /* Starts a conference for @booking (title, wards, layout, record) and
   * returns its id (newly allocated), or NULL with @error set. */
  char *(*start_conference) (WbBooking   *booking,
                             gpointer     user_data,
                             GError     **error);
  /* Ends the conference @conference_id that was started for @booking.  The
   * booking is already ended when this is called, so reporting the end back
   * through wb_scheduler_conference_ended() is harmless. */
  void  (*end_conference)   (WbBooking   *booking,
                             const char  *conference_id,
                             gpointer     user_data);
} WbConferenceHooks;

#define WB_TYPE_SCHEDULER (wb_scheduler_get_type ())
G_DECLARE_FINAL_TYPE (WbScheduler, wb_scheduler, WB, SCHEDULER, GObject)

WbScheduler *wb_scheduler_new       (WbBookingService        *bookings,
                                     WbClock                 *clock);

/* @hooks is copied; @destroy frees @user_data when the hooks are replaced or
 * the scheduler is finalized. */
void         wb_scheduler_set_hooks (WbScheduler             *self,
                                     const WbConferenceHooks *hooks,
                                     gpointer                 user_data,
                                     GDestroyNotify           destroy);

/* Reads the store and applies the restart rules above, then arms the
 * alarms.  Call once, after wb_scheduler_set_hooks(). */
gboolean     wb_scheduler_recover   (WbScheduler             *self,
                                     GError                 **error);

/* Ends a running booking now (IT staff).  WB_BOOKING_ERROR_STATE if it is
 * not running, WB_BOOKING_ERROR_NOT_FOUND if unknown. */
WbBooking   *wb_scheduler_end_now   (WbScheduler             *self,
                                     const char              *booking_id,
                                     const WbActor           *actor,
                                     GError                 **error);

/* The conference manager reports that @conference_id has ended by itself or
 * by hand; if a running booking holds it, that booking becomes ended.
 * Returns TRUE when a booking was ended. */
gboolean     wb_scheduler_conference_ended (WbScheduler      *self,
                                            const char       *conference_id);

/* For tests and metrics: alarms armed (start or end) for @booking_id, and
 * when the next one fires (G_MAXINT64 when none). */
gint64       wb_scheduler_get_next_alarm (WbScheduler        *self,
                                          const char         *booking_id);

G_END_DECLS
