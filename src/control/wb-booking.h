/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbBooking: one booked meeting (DESIGN.md §3, §4), its lifecycle and its
 * JSON form.  A WbBooking is an immutable, reference-counted snapshot of a
 * row in the store; WbBookingService hands them out and makes new ones when
 * a booking changes.
 *
 * Also here: the request side — parsing and validating the JSON body of
 * POST/PATCH /api/v1/bookings into a WbBookingRequest, with one
 * WbFieldError per problem — and RFC 3339 time handling (stored in UTC,
 * shown in Asia/Ho_Chi_Minh).
 *
 * Limits (a request outside them is a field error):
 *   title        1 to WB_BOOKING_TITLE_MAX characters, no control characters
 *   slot         end > start, at most WB_BOOKING_SLOT_MAX_US long
 *   start, end   RFC 3339 with an offset ("Z" or "+07:00"); seconds required
 *   endpoints    "all", or a non-empty array of configured ward ids without
 *                duplicates
 *   layout       "grid", "speaker", "presenter", "single"; optional (the
 *                config's [media] layout)
 *   record       boolean, optional (false)
 */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "common/wb-config.h"

G_BEGIN_DECLS

#define WB_BOOKING_TITLE_MAX    200                          /* characters */
#define WB_BOOKING_SLOT_MAX_US  (24 * G_TIME_SPAN_HOUR)      /* one day */

/* The zone bookings are shown in. */
#define WB_BOOKING_TIME_ZONE    "Asia/Ho_Chi_Minh"

typedef enum {
  WB_BOOKING_STATUS_SCHEDULED,
  WB_BOOKING_STATUS_RUNNING,
  WB_BOOKING_STATUS_ENDED,
  WB_BOOKING_STATUS_CANCELLED,
  WB_BOOKING_STATUS_MISSED,
} WbBookingStatus;

/* A mask of statuses for listings: 1 << WB_BOOKING_STATUS_x. */
#define WB_BOOKING_STATUS_MASK(s)   (1u << (s))
#define WB_BOOKING_STATUS_MASK_ALL  0x1fu
/* The statuses in which a booking holds its wards (conflict checks). */
#define WB_BOOKING_STATUS_MASK_ACTIVE \
  (WB_BOOKING_STATUS_MASK (WB_BOOKING_STATUS_SCHEDULED) | \
   WB_BOOKING_STATUS_MASK (WB_BOOKING_STATUS_RUNNING))

const char *wb_booking_status_to_string   (WbBookingStatus  status);
gboolean    wb_booking_status_from_string (const char      *str,
                                           WbBookingStatus *out);
/* The lifecycle in one place:
 *   scheduled -> running | cancelled | missed
 *   running   -> ended
 * ended, cancelled and missed are final. */
gboolean    wb_booking_status_can_change  (WbBookingStatus  from,
                                           WbBookingStatus  to);

typedef struct _WbBooking WbBooking;

struct _WbBooking {
  char            *id;
  char            *title;
  gint64           start_us;        /* UTC microseconds since the epoch */
  gint64           end_us;
  gboolean         all_endpoints;   /* booked as "all" */
  GStrv            endpoints;       /* sorted ward ids; for "all", the wards
                                     * configured when it was booked */
  WbLayoutKind     layout;
  gboolean         record;
  WbBookingStatus  status;
  char            *conference_id;   /* set once started; NULL before */
  gint64           created_us;
  gint64           updated_us;
  char            *created_by;      /* WbActor id of whoever booked it */

  /*< private >*/
  gatomicrefcount  ref_count;
};

#define WB_TYPE_BOOKING (wb_booking_get_type ())
GType      wb_booking_get_type (void) G_GNUC_CONST;

WbBooking *wb_booking_new   (void);   /* all fields zero, for the store */
WbBooking *wb_booking_ref   (WbBooking *booking);
void       wb_booking_unref (WbBooking *booking);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WbBooking, wb_booking_unref)

gboolean   wb_booking_has_endpoint (const WbBooking *booking,
                                    const char      *endpoint_id);

/* The API's JSON object:
 *   {"id","title","start","end","endpoints":[ids] or "all",
 *    "endpoint_ids":[ids],"layout","record","status","conference",
 *    "created","updated","created_by"}
 * with times in Asia/Ho_Chi_Minh ("2026-11-26T14:00:00+07:00"). */
JsonNode  *wb_booking_to_json (const WbBooking *booking);

/* ---- Times -------------------------------------------------------------- */

/* The display zone (Asia/Ho_Chi_Minh, or a fixed +07:00 when tzdata lacks
 * it).  Owned by the library; do not unref. */
GTimeZone *wb_booking_time_zone (void);
/* "2026-11-26T14:00:00+07:00".  Bookings are to the second. */
char      *wb_booking_time_format (gint64 utc_us);
/* Parses RFC 3339 with a mandatory offset; a fraction of a second is
 * dropped.  On failure returns FALSE and sets
 * @message (if not NULL) to a sentence for a field error ("has no UTC
 * offset", "is not an RFC 3339 date-time"). */
gboolean   wb_booking_time_parse  (const char  *text,
                                   gint64      *out_utc_us,
                                   char       **message);

/* ---- Requests and their problems -------------------------------------- */

/* One problem with one field of a request. */
typedef struct {
  char *field;     /* "start", "endpoints/3", "" for the body itself */
  char *pointer;   /* JSON pointer (RFC 6901): "/start", "/endpoints/3", "" */
  char *message;   /* a sentence for humans */
} WbFieldError;

void wb_field_error_free (WbFieldError *error);

/* A clash with an existing booking. */
typedef struct {
  char   *booking_id;
  char   *title;
  gint64  start_us;
  gint64  end_us;
  GStrv   endpoints;   /* the wards both bookings want, sorted */
} WbBookingConflict;

void wb_booking_conflict_free (WbBookingConflict *conflict);

/* Why a request was refused: field errors (422) or conflicts (409). */
typedef struct {
  GPtrArray *errors;     /* element-type WbFieldError */
  GPtrArray *conflicts;  /* element-type WbBookingConflict */
} WbBookingIssues;

WbBookingIssues *wb_booking_issues_new  (void);
void             wb_booking_issues_free (WbBookingIssues *issues);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WbBookingIssues, wb_booking_issues_free)

void      wb_booking_issues_add_error (WbBookingIssues *issues,
                                       const char      *field,
                                       const char      *format,
                                       ...) G_GNUC_PRINTF (3, 4);
/* [{"field":"start","pointer":"/start","message":"…"}, …] */
JsonNode *wb_booking_issues_errors_to_json    (const WbBookingIssues *issues);
/* [{"booking":ID,"title":T,"start":…,"end":…,"endpoints":[…]}, …] */
JsonNode *wb_booking_issues_conflicts_to_json (const WbBookingIssues *issues);

/* A validated booking request.  For a PATCH only the fields present are
 * set (has_* flags). */
typedef struct {
  gboolean      has_title;
  char         *title;
  gboolean      has_start;
  gint64        start_us;
  gboolean      has_end;
  gint64        end_us;
  gboolean      has_endpoints;
  gboolean      all_endpoints;
  GStrv         endpoints;      /* sorted; expanded from the config for "all" */
  gboolean      has_layout;
  WbLayoutKind  layout;
  gboolean      has_record;
  gboolean      record;
} WbBookingRequest;

void wb_booking_request_free (WbBookingRequest *request);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WbBookingRequest, wb_booking_request_free)

/* Checks @body field by field against @config (ward ids, default layout)
 * and the limits above.  @partial: a PATCH (every field optional, at least
 * one needed).  Every problem found is added to @issues; returns NULL when
 * there was any.  Slot checks that need both ends (order, length) are made
 * here when both are present, and again by the service after merging a
 * PATCH. */
WbBookingRequest *wb_booking_request_parse (JsonNode        *body,
                                            const WbConfig  *config,
                                            gboolean         partial,
                                            WbBookingIssues *issues);

/* Adds the slot problems of [@start_us, @end_us) to @issues (reported on
 * "end"): reversed or empty, or longer than WB_BOOKING_SLOT_MAX_US.
 * Returns TRUE when the slot is fine. */
gboolean wb_booking_check_slot (gint64           start_us,
                                gint64           end_us,
                                WbBookingIssues *issues);

/* A digest of the normalized request (fields, not bytes), to recognise a
 * retried POST. */
char *wb_booking_request_digest (const WbBookingRequest *request);

G_END_DECLS
