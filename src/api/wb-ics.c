/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * iCalendar feed of the bookings.
 */
#include "wb-ics.h"

#include <string.h>

#include "wb-build-config.h"

#define FOLD_OCTETS 75

void
wb_ics_append_line (GString *out, const char *line)
{
  gsize len = strlen (line);
  gsize start = 0;
  gsize limit = FOLD_OCTETS;     /* the first line has no leading space */

  while (len - start > limit) {
    gsize cut = start + limit;

    /* Step back to the start of a UTF-8 character. */
    while (cut > start && ((guchar) line[cut] & 0xC0) == 0x80)
      cut--;
    if (cut == start)            /* not UTF-8 at all: cut anywhere */
      cut = start + limit;
    g_string_append_len (out, line + start, cut - start);
    g_string_append (out, "\r\n ");
    start = cut;
    limit = FOLD_OCTETS - 1;     /* continuation lines begin with a space */
  }
  g_string_append_len (out, line + start, len - start);
  g_string_append (out, "\r\n");
}

char *
wb_ics_escape_text (const char *text)
{
  GString *out = g_string_new (NULL);

  for (const char *p = text; *p; p++) {
    switch (*p) {
    case '\\': g_string_append (out, "\\\\"); break;
    case ';': g_string_append (out, "\\;"); break;
    case ',': g_string_append (out, "\\,"); break;
    case '\n': g_string_append (out, "\\n"); break;
    case '\r': break;
    default: g_string_append_c (out, *p); break;
    }
  }
  return g_string_free (out, FALSE);
}

static char *
format_utc (gint64 us)
{
  g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc (us / G_USEC_PER_SEC);
  return g_date_time_format (dt, "%Y%m%dT%H%M%SZ");
}

static char *
format_local (gint64 us)
{
  g_autoptr (GDateTime) utc = g_date_time_new_from_unix_utc (us / G_USEC_PER_SEC);
  g_autoptr (GDateTime) local = g_date_time_to_timezone (utc, wb_booking_time_zone ());
  return g_date_time_format (local, "%Y%m%dT%H%M%S");
}

static void
append_property (GString *out, const char *name, const char *value)
{
  g_autofree char *line = g_strconcat (name, ":", value, NULL);
  wb_ics_append_line (out, line);
}

static void
append_event (GString *out, const WbBooking *booking, const WbConfig *config, const char *stamp)
{
  g_autofree char *uid = g_strdup_printf ("%s@wardbridge", booking->id);
  g_autofree char *start = format_local (booking->start_us);
  g_autofree char *end = format_local (booking->end_us);
  g_autofree char *created = format_utc (booking->created_us);
  g_autofree char *modified = format_utc (booking->updated_us > 0 ? booking->updated_us : booking->created_us);
  g_autofree char *summary = wb_ics_escape_text (booking->title);
  g_autofree char *sequence = NULL;
  g_autoptr (GString) wards = g_string_new (NULL);
  g_autofree char *description = NULL;
  gboolean cancelled = booking->status == WB_BOOKING_STATUS_CANCELLED ||
                       booking->status == WB_BOOKING_STATUS_MISSED;

  /* Calendar clients take the newest version by SEQUENCE: seconds since
   * creation grow with every change. */
  sequence = g_strdup_printf ("%" G_GINT64_FORMAT,
                              MAX ((gint64) 0, (booking->updated_us - booking->created_us) / G_USEC_PER_SEC));

  for (guint i = 0; booking->endpoints != NULL && booking->endpoints[i] != NULL; i++) {
    const WbEndpointConfig *ep = config != NULL ? wb_config_find_endpoint (config, booking->endpoints[i]) : NULL;
    if (i > 0)
      g_string_append (wards, ", ");
    g_string_append (wards, ep != NULL ? ep->name : booking->endpoints[i]);
  }
  {
    g_autofree char *text = g_strdup_printf ("Wards: %s\nStatus: %s", wards->str,
                                             wb_booking_status_to_string (booking->status));
    description = wb_ics_escape_text (text);
  }

  wb_ics_append_line (out, "BEGIN:VEVENT");
  append_property (out, "UID", uid);
  append_property (out, "DTSTAMP", stamp);
  append_property (out, "DTSTART;TZID=" WB_BOOKING_TIME_ZONE, start);
  append_property (out, "DTEND;TZID=" WB_BOOKING_TIME_ZONE, end);
  append_property (out, "SUMMARY", summary);
  append_property (out, "DESCRIPTION", description);
  append_property (out, "STATUS", cancelled ? "CANCELLED" : "CONFIRMED");
  append_property (out, "SEQUENCE", sequence);
  append_property (out, "CREATED", created);
  append_property (out, "LAST-MODIFIED", modified);
  wb_ics_append_line (out, "END:VEVENT");
}

char *
wb_ics_build (GPtrArray *bookings, const WbConfig *config, gint64 now_us)
{
  GString *out = g_string_new (NULL);
  g_autofree char *stamp = format_utc (now_us);

  wb_ics_append_line (out, "BEGIN:VCALENDAR");
  wb_ics_append_line (out, "VERSION:2.0");
  wb_ics_append_line (out, "PRODID:-//wardbridge//wardbridge " PACKAGE_VERSION "//EN");
  wb_ics_append_line (out, "CALSCALE:GREGORIAN");
  wb_ics_append_line (out, "METHOD:PUBLISH");
  wb_ics_append_line (out, "X-WR-CALNAME:wardbridge");
  wb_ics_append_line (out, "X-WR-TIMEZONE:" WB_BOOKING_TIME_ZONE);
  /* Viet Nam has kept UTC+7 without daylight saving since 1975. */
  wb_ics_append_line (out, "BEGIN:VTIMEZONE");
  wb_ics_append_line (out, "TZID:" WB_BOOKING_TIME_ZONE);
  wb_ics_append_line (out, "BEGIN:STANDARD");
  wb_ics_append_line (out, "DTSTART:19750613T000000");
  wb_ics_append_line (out, "TZOFFSETFROM:+0800");
  wb_ics_append_line (out, "TZOFFSETTO:+0700");
  wb_ics_append_line (out, "TZNAME:+07");
  wb_ics_append_line (out, "END:STANDARD");
  wb_ics_append_line (out, "END:VTIMEZONE");

  for (guint i = 0; bookings != NULL && i < bookings->len; i++)
    append_event (out, bookings->pdata[i], config, stamp);

  wb_ics_append_line (out, "END:VCALENDAR");
  return g_string_free (out, FALSE);
}
