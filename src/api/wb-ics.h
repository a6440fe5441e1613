/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * iCalendar (RFC 5545) feed of the bookings, for GET /api/v1/bookings.ics:
 * one VEVENT per booking with times in a VTIMEZONE for Asia/Ho_Chi_Minh,
 * TEXT values escaped, CRLF line endings and lines folded at 75 octets
 * (never inside a UTF-8 character).  Pure functions; owns nothing.
 */
#pragma once

#include <glib.h>

#include "common/wb-config.h"
#include "control/wb-booking.h"

G_BEGIN_DECLS

/* @bookings: element-type WbBooking.  @config names the wards in the
 * descriptions (may be NULL).  @now_us is DTSTAMP. */
char *wb_ics_build (GPtrArray      *bookings,
                    const WbConfig *config,
                    gint64          now_us);

/* Appends "NAME:VALUE" (or "NAME;PARAMS:VALUE") folded, with CRLF. */
void wb_ics_append_line (GString    *out,
                         const char *line);

/* RFC 5545 §3.3.11 TEXT escaping. */
char *wb_ics_escape_text (const char *text);

G_END_DECLS
