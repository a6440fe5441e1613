/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbBookingService: create, move/extend, cancel and list bookings, with
 * validation, the conflict check and idempotent creation, on top of WbStore.
 * The daemon owns one; the HTTP API and the scheduler call it, from the
 * main thread.
 *
 * Rules it enforces:
 *  - a ward cannot be in two overlapping bookings that are scheduled or
 *    running; slots are half-open [start, end), so one ending at 10:00 and
 *    one starting at 10:00 do not clash;
 *  - check and write happen in one BEGIN IMMEDIATE transaction, and a call
 *    returns success only after COMMIT (WAL, synchronous=FULL);
 *  - POST with an Idempotency-Key: the key is scoped to the actor's id.  The
 *    first successful answer (status and body text) is stored with the
 *    booking in the same transaction; a retry with the same key and the same
 *    request (compared field by field after normalization, see
 *    wb_booking_request_digest()) gets that answer back byte for byte and
 *    creates nothing.  The same key with a different request is refused with
 *    WB_BOOKING_ERROR_IDEMPOTENCY_MISMATCH (the API answers 422).  A refused
 *    POST (422, 409) stores nothing, so a corrected retry may reuse the key.
 *    Keys are kept for WB_BOOKING_IDEMPOTENCY_TTL_US.
 *  - a slot whose end has passed cannot be booked; a running booking keeps
 *    its start and wards (only end, title, layout, record may change) and
 *    its new end must lie in the future; ended, cancelled and missed
 *    bookings are final (WB_BOOKING_ERROR_STATE).  A running booking is not
 *    cancelled with DELETE: end its conference (wb_scheduler_end_now()).
 *
 * Store errors (WB_STORE_ERROR, e.g. WB_STORE_ERROR_FULL) are passed through
 * unchanged; nothing is acknowledged then.
 */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "common/wb-config.h"
#include "store/wb-store.h"
#include "control/wb-booking.h"
#include "control/wb-clock.h"

G_BEGIN_DECLS

#define WB_BOOKING_ERROR (wb_booking_error_quark ())
GQuark wb_booking_error_quark (void);

typedef enum {
  WB_BOOKING_ERROR_INVALID,                /* field errors in the issues (422) */
  WB_BOOKING_ERROR_CONFLICT,               /* conflicts in the issues (409) */
  WB_BOOKING_ERROR_NOT_FOUND,              /* no booking with that id (404) */
  WB_BOOKING_ERROR_STATE,                  /* not allowed in its status (409) */
  WB_BOOKING_ERROR_IDEMPOTENCY_MISMATCH,   /* key reused with another body (422) */
} WbBookingError;

#define WB_BOOKING_IDEMPOTENCY_TTL_US (24 * G_TIME_SPAN_HOUR)
#define WB_BOOKING_IDEMPOTENCY_KEY_MAX 255   /* bytes; longer keys are INVALID */

typedef enum {
  WB_BOOKING_CHANGE_CREATED,
  WB_BOOKING_CHANGE_UPDATED,     /* moved, extended, renamed, or its status changed */
  WB_BOOKING_CHANGE_CANCELLED,
} WbBookingChange;

/* What a POST answers. */
typedef struct {
  guint      status;     /* HTTP status of the answer (201) */
  char      *body;       /* the JSON text of the answer, as first sent */
  WbBooking *booking;    /* the booking as it is now */
  gboolean   replayed;   /* TRUE: this answers a retry; nothing was created */
} WbBookingAnswer;

void wb_booking_answer_free (WbBookingAnswer *answer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WbBookingAnswer, wb_booking_answer_free)

#define WB_TYPE_BOOKING_SERVICE (wb_booking_service_get_type ())
G_DECLARE_FINAL_TYPE (WbBookingService, wb_booking_service, WB, BOOKING_SERVICE, GObject)

/*
 * Signals:
 *   "booking-changed" (WbBookingService *self, WbBooking *booking,
 *                      WbBookingChange change)
 *     after a change has committed; the event bus maps CREATED, UPDATED,
 *     CANCELLED to booking.created, booking.updated, booking.cancelled.
 */

WbBookingService *wb_booking_service_new (WbStore  *store,
                                          WbConfig *config,
                                          WbClock  *clock);

WbStore  *wb_booking_service_get_store  (WbBookingService *self);
WbClock  *wb_booking_service_get_clock  (WbBookingService *self);
WbConfig *wb_booking_service_get_config (WbBookingService *self);
/* After a reload (SIGHUP): new ward ids and default layout apply to new
 * requests; existing bookings are kept as they are. */
void      wb_booking_service_set_config (WbBookingService *self,
                                         WbConfig         *config);

/* POST /api/v1/bookings.  @idempotency_key may be NULL.  On success returns
 * the answer to send.  On failure returns NULL; for WB_BOOKING_ERROR_INVALID
 * and _CONFLICT, @issues (if not NULL) receives the field errors or the
 * conflicts. */
WbBookingAnswer *wb_booking_service_create (WbBookingService  *self,
                                            JsonNode          *body,
                                            const WbActor     *actor,
                                            const char        *idempotency_key,
                                            WbBookingIssues  **issues,
                                            GError           **error);

/* GET /api/v1/bookings/{id}. */
WbBooking *wb_booking_service_get (WbBookingService  *self,
                                   const char        *id,
                                   GError           **error);

/* PATCH /api/v1/bookings/{id}: move, extend, rename, change wards, layout or
 * recording.  Returns the booking as updated. */
WbBooking *wb_booking_service_update (WbBookingService  *self,
                                      const char        *id,
                                      JsonNode          *patch,
                                      const WbActor     *actor,
                                      WbBookingIssues  **issues,
                                      GError           **error);

/* DELETE /api/v1/bookings/{id}: a scheduled booking becomes cancelled.
 * Cancelling a cancelled booking again succeeds and changes nothing. */
WbBooking *wb_booking_service_cancel (WbBookingService  *self,
                                      const char        *id,
                                      const WbActor     *actor,
                                      GError           **error);

/* GET /api/v1/bookings?from=&to=: the bookings whose slot overlaps
 * [@from_us, @to_us) (pass G_MININT64 / G_MAXINT64 for no bound) and whose
 * status is in @status_mask, ordered by start.  Element type WbBooking. */
GPtrArray *wb_booking_service_list (WbBookingService  *self,
                                    gint64             from_us,
                                    gint64             to_us,
                                    guint              status_mask,
                                    GError           **error);

/* For the scheduler: changes the status (checked with
 * wb_booking_status_can_change()) and, when @conference_id is not NULL,
 * the conference id; emits "booking-changed" (UPDATED). */
WbBooking *wb_booking_service_set_status (WbBookingService  *self,
                                          const char        *id,
                                          WbBookingStatus    status,
                                          const char        *conference_id,
                                          GError           **error);

G_END_DECLS
