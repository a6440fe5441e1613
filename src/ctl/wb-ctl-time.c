/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Local time for wardbridgectl.
 */
#include "wb-ctl-time.h"

#include <string.h>

G_DEFINE_QUARK (wb-ctl-time-error-quark, wb_ctl_time_error)

#define LOCAL_ZONE_ID "Asia/Ho_Chi_Minh"

GTimeZone *
wb_ctl_local_zone (void)
{
  GTimeZone *zone = g_time_zone_new_identifier (LOCAL_ZONE_ID);

  return zone != NULL ? zone : g_time_zone_new_offset (7 * 3600);
}

static gboolean
parse_clock (const char *text,
             int        *hour,
             int        *minute)
{
  guint64 h, m;
  g_auto (GStrv) parts = g_strsplit (text, ":", -1);

  if (g_strv_length (parts) != 2 || strlen (parts[1]) != 2 ||
      !g_ascii_string_to_unsigned (parts[0], 10, 0, 23, &h, NULL) ||
      !g_ascii_string_to_unsigned (parts[1], 10, 0, 59, &m, NULL))
    return FALSE;
  *hour = (int) h;
  *minute = (int) m;
  return TRUE;
}

GDateTime *
wb_ctl_parse_time (const char  *text,
                   GDateTime   *day,
                   GDateTime   *now,
                   GError     **error)
{
  g_autoptr (GTimeZone) zone = wb_ctl_local_zone ();
  g_autofree char *iso = NULL;
  GDateTime *result;
  int hour, minute;

  g_return_val_if_fail (text != NULL, NULL);

  if (parse_clock (text, &hour, &minute)) {
    g_autoptr (GDateTime) real_now = NULL;
    g_autoptr (GDateTime) local_day = NULL;

    if (day == NULL && now == NULL)
      now = real_now = g_date_time_new_now (zone);
    local_day = g_date_time_to_timezone (day != NULL ? day : now, zone);
    return g_date_time_new (zone, g_date_time_get_year (local_day),
                            g_date_time_get_month (local_day),
                            g_date_time_get_day_of_month (local_day),
                            hour, minute, 0);
  }

  /* "YYYY-MM-DD HH:MM": the space stands for the "T". */
  iso = g_strdup (text);
  if (strlen (iso) > 10 && iso[10] == ' ')
    iso[10] = 'T';
  /* Minutes without seconds: add them, GLib wants both. */
  if (strlen (iso) == 16 && iso[10] == 'T' && iso[13] == ':') {
    g_autofree char *old = g_steal_pointer (&iso);

    iso = g_strconcat (old, ":00", NULL);
  }

  result = g_date_time_new_from_iso8601 (iso, zone);
  if (result == NULL || strlen (iso) < 19) {
    g_clear_pointer (&result, g_date_time_unref);
    g_set_error (error, WB_CTL_TIME_ERROR, WB_CTL_TIME_ERROR_INVALID,
                 "“%s” is not a time: write 2026-12-01 09:00 (Asia/Ho_Chi_Minh), "
                 "09:00, or RFC 3339 with an offset", text);
  }
  return result;
}

char *
wb_ctl_format_rfc3339 (GDateTime *time)
{
  return g_date_time_format (time, "%Y-%m-%dT%H:%M:%S%:z");
}

char *
wb_ctl_format_local (const char *rfc3339)
{
  g_autoptr (GTimeZone) zone = wb_ctl_local_zone ();
  g_autoptr (GDateTime) parsed = NULL;
  g_autoptr (GDateTime) local = NULL;
  g_autofree char *offset = NULL;
  g_autofree char *text = NULL;
  gsize len;

  if (rfc3339 == NULL)
    return g_strdup ("");
  parsed = g_date_time_new_from_iso8601 (rfc3339, NULL);
  if (parsed == NULL)
    return g_strdup (rfc3339);
  local = g_date_time_to_timezone (parsed, zone);
  text = g_date_time_format (local, "%Y-%m-%d %H:%M %:z");
  /* "+07:00" -> "+07": the zone has no odd minutes. */
  len = strlen (text);
  if (len > 3 && g_str_has_suffix (text, ":00"))
    text[len - 3] = '\0';
  offset = g_steal_pointer (&text);
  return g_steal_pointer (&offset);
}
