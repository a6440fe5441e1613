/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Times as wardbridgectl reads and shows them.  The hub speaks RFC 3339
 * with an offset (DESIGN.md §4); people type and read the city's local
 * time, Asia/Ho_Chi_Minh (UTC+7, no daylight saving).  Plain functions.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define WB_CTL_TIME_ERROR (wb_ctl_time_error_quark ())
GQuark wb_ctl_time_error_quark (void);

typedef enum {
  WB_CTL_TIME_ERROR_INVALID,
} WbCtlTimeError;

/* Asia/Ho_Chi_Minh, or a fixed UTC+07:00 where the time zone database
 * lacks it (the two agree since 1975). */
GTimeZone *wb_ctl_local_zone (void);

/*
 * Reads a time typed by a person:
 *   "2026-12-01T09:00:00+07:00", "2026-12-01T02:00Z"   as given
 *   "2026-12-01 09:00", "2026-12-01T09:00:30"          local time
 *   "09:00", "9:30"                                    local time on the
 *        day of @day (if not NULL) or else on the local today of @now
 * @now: the current time, for "today" (NULL: the real clock).
 */
GDateTime *wb_ctl_parse_time (const char  *text,
                              GDateTime   *day,
                              GDateTime   *now,
                              GError     **error);

/* "2026-12-01T09:00:00+07:00": what the hub is sent. */
char *wb_ctl_format_rfc3339 (GDateTime *time);

/* A hub time shown to a person: "2026-12-01 09:00 +07"; @rfc3339 that
 * cannot be read is returned as it is; NULL gives "". */
char *wb_ctl_format_local (const char *rfc3339);

G_END_DECLS
