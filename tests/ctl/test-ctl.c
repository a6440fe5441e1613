/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tests of wardbridgectl: column widths of Vietnamese names, local times,
 * and the program itself run against a hub on loopback (WbTestHub):
 * tables, --json, and exit codes.
 */
#include <string.h>
#include <glib/gstdio.h>

#include "ctl/wb-ctl-table.h"
#include "ctl/wb-ctl-time.h"
#include "wb-test-daemon.h"
#include "wb-test-hub.h"

/* "Phường Đồng Bẩm" composed (NFC) and decomposed (NFD). */
#define DONG_BAM_NFC "Ph\xc6\xb0\xe1\xbb\x9dng \xc4\x90\xe1\xbb\x93ng B\xe1\xba\xa9m"
#define DONG_BAM_NFD "Phu\xcc\x9bo\xcc\x9b\xcc\x80ng \xc4\x90o\xcc\x82\xcc\x80ng Ba\xcc\x82\xcc\x89m"

static void
test_display_width (void)
{
  g_autofree char *nfd = g_utf8_normalize (DONG_BAM_NFC, -1, G_NORMALIZE_NFD);

  /* The fixture really is decomposed, and both forms take 15 columns. */
  g_assert_cmpstr (nfd, ==, DONG_BAM_NFD);
  g_assert_cmpuint (strlen (DONG_BAM_NFD), >, strlen (DONG_BAM_NFC));
  g_assert_cmpuint (wb_ctl_display_width (DONG_BAM_NFC), ==, 15);
  g_assert_cmpuint (wb_ctl_display_width (DONG_BAM_NFD), ==, 15);
  g_assert_cmpuint (wb_ctl_display_width ("Xã Cao Ngạn"), ==, 11);
  /* Wide CJK characters take two columns; a lone combining mark none. */
  g_assert_cmpuint (wb_ctl_display_width ("\xe4\xbc\x9a\xe8\xad\xb0"), ==, 4);
  g_assert_cmpuint (wb_ctl_display_width ("\xcc\x81"), ==, 0);
  g_assert_cmpuint (wb_ctl_display_width (""), ==, 0);
}

static void
test_sanitize (void)
{
  g_autofree char *clean = wb_ctl_sanitize ("ward\x1b[2J\n01");
  g_autofree char *composed = wb_ctl_sanitize (DONG_BAM_NFD);
  g_autofree char *null_text = wb_ctl_sanitize (NULL);

  g_assert_cmpstr (clean, ==, "ward\xef\xbf\xbd[2J\xef\xbf\xbd" "01");
  g_assert_cmpstr (composed, ==, DONG_BAM_NFC);
  g_assert_cmpstr (null_text, ==, "");
}

static void
test_table (void)
{
  g_autoptr (WbCtlTable) table = wb_ctl_table_new ();
  g_autofree char *text = NULL;

  wb_ctl_table_add_column (table, "ID", WB_CTL_ALIGN_LEFT);
  wb_ctl_table_add_column (table, "NAME", WB_CTL_ALIGN_LEFT);
  wb_ctl_table_add_column (table, "RX", WB_CTL_ALIGN_RIGHT);
  wb_ctl_table_add_column (table, "NOTE", WB_CTL_ALIGN_LEFT);
  wb_ctl_table_add_row (table, "ward-03", DONG_BAM_NFD, "640", "", NULL);
  wb_ctl_table_add_row (table, "ward-22", "Xã Cao Ngạn", "1200", "ok", NULL);
  /* A short row is padded with empty cells. */
  wb_ctl_table_add_row (table, "ward-01", NULL);
  g_assert_cmpuint (wb_ctl_table_get_n_rows (table), ==, 3);

  text = wb_ctl_table_render (table);
  g_assert_cmpstr (text, ==,
                   "ID       NAME               RX  NOTE\n"
                   "ward-03  " DONG_BAM_NFC "   640\n"
                   "ward-22  Xã Cao Ngạn      1200  ok\n"
                   "ward-01\n");
}

static void
test_time (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GTimeZone) utc = g_time_zone_new_utc ();
  /* 2026-11-30 20:00 UTC is already 1 December in Thai Nguyen. */
  g_autoptr (GDateTime) now = g_date_time_new (utc, 2026, 11, 30, 20, 0, 0);
  g_autoptr (GDateTime) local = wb_ctl_parse_time ("2026-12-01 09:00", NULL, NULL, &error);
  g_autoptr (GDateTime) with_seconds = wb_ctl_parse_time ("2026-12-01T09:00:30", NULL, NULL, &error);
  g_autoptr (GDateTime) zulu = wb_ctl_parse_time ("2026-12-01T02:00:00Z", NULL, NULL, &error);
  g_autoptr (GDateTime) clock = wb_ctl_parse_time ("8:15", NULL, now, &error);
  g_autoptr (GDateTime) same_day = wb_ctl_parse_time ("10:30", local, NULL, &error);
  g_autoptr (GDateTime) bad = NULL;
  g_autofree char *a = NULL, *b = NULL, *c = NULL, *d = NULL, *e = NULL;
  g_autofree char *shown = wb_ctl_format_local ("2026-12-01T02:00:00Z");
  g_autofree char *shown_bad = wb_ctl_format_local ("yesterday");

  g_assert_no_error (error);
  a = wb_ctl_format_rfc3339 (local);
  b = wb_ctl_format_rfc3339 (with_seconds);
  c = wb_ctl_format_rfc3339 (zulu);
  d = wb_ctl_format_rfc3339 (clock);
  e = wb_ctl_format_rfc3339 (same_day);
  g_assert_cmpstr (a, ==, "2026-12-01T09:00:00+07:00");
  g_assert_cmpstr (b, ==, "2026-12-01T09:00:30+07:00");
  g_assert_cmpstr (c, ==, "2026-12-01T02:00:00+00:00");
  g_assert_cmpstr (d, ==, "2026-12-01T08:15:00+07:00");
  g_assert_cmpstr (e, ==, "2026-12-01T10:30:00+07:00");
  g_assert_true (g_date_time_equal (local, zulu));

  g_assert_cmpstr (shown, ==, "2026-12-01 09:00 +07");
  g_assert_cmpstr (shown_bad, ==, "yesterday");

  bad = wb_ctl_parse_time ("tomorrow 9am", NULL, NULL, &error);
  g_assert_null (bad);
  g_assert_error (error, WB_CTL_TIME_ERROR, WB_CTL_TIME_ERROR_INVALID);
  g_clear_error (&error);
  bad = wb_ctl_parse_time ("25:00", NULL, now, &error);
  g_assert_null (bad);
  g_assert_error (error, WB_CTL_TIME_ERROR, WB_CTL_TIME_ERROR_INVALID);
}

/* ---- The program ------------------------------------------------------ */

typedef struct {
  int status;
  char *out;
  char *err;
} Run;

static void
run_clear (Run *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
}

typedef struct {
  gboolean done;
} Pending;

static void
on_exited (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, &error);
  g_assert_no_error (error);
  ((Pending *) user_data)->done = TRUE;
}

static gboolean
pending_done (gpointer data)
{
  return ((Pending *) data)->done;
}

static char *tmp_dir;

/* wardbridgectl writes to files in the test's directory, read once it
 * has exited. */
static GSubprocess *
spawn_ctl (const char *const *args)
{
  static guint runs;
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  char *out_path = g_strdup_printf ("%s/ctl-%u.out", tmp_dir, runs);
  char *err_path = g_strdup_printf ("%s/ctl-%u.err", tmp_dir, runs);
  GSubprocess *process;

  runs++;
  g_ptr_array_add (argv, g_build_filename (g_getenv ("WB_BUILD_ROOT"), "src", "ctl",
                                           "wardbridgectl", NULL));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);

  g_subprocess_launcher_unsetenv (launcher, "WARDBRIDGE_URL");
  g_subprocess_launcher_unsetenv (launcher, "WARDBRIDGE_TOKEN");
  g_subprocess_launcher_unsetenv (launcher, "WARDBRIDGECTL_CONFIG");
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", tmp_dir, TRUE);
  g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG", "", TRUE);
  g_subprocess_launcher_set_stdout_file_path (launcher, out_path);
  g_subprocess_launcher_set_stderr_file_path (launcher, err_path);
  process = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_object_set_data_full (G_OBJECT (process), "wb-out", out_path, g_free);
  g_object_set_data_full (G_OBJECT (process), "wb-err", err_path, g_free);
  return process;
}

static char *
take_file (GSubprocess *process, const char *key)
{
  const char *path = g_object_get_data (G_OBJECT (process), key);
  g_autoptr (GError) error = NULL;
  char *text = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  g_unlink (path);
  return text;
}

static void
finish_ctl (GSubprocess *process, Run *run)
{
  Pending pending = { FALSE };

  run_clear (run);
  g_subprocess_wait_async (process, NULL, on_exited, &pending);
  g_assert_true (wb_test_wait_until (pending_done, &pending, 120));
  g_assert_true (g_subprocess_get_if_exited (process));
  run->status = g_subprocess_get_exit_status (process);
  run->out = take_file (process, "wb-out");
  run->err = take_file (process, "wb-err");
}

/* Runs wardbridgectl with @args while the test's main loop serves the hub. */
static void
ctl (Run *run, const char *const *args)
{
  g_autoptr (GSubprocess) process = spawn_ctl (args);

  run_clear (run);
  finish_ctl (process, run);
}

#define CTL(run, ...) ctl ((run), (const char *const[]) { __VA_ARGS__, NULL })

static void
test_program_tables (void)
{
  g_autoptr (WbTestHub) hub = wb_test_hub_new ();
  const char *url = wb_test_hub_get_url (hub);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) ward_03 = NULL;
  g_autofree char *config = g_build_filename (tmp_dir, "ctl.conf", NULL);
  g_autofree char *config_text = g_strdup_printf ("[ctl]\nurl=%s\ntoken=admin-token\n", url);
  JsonObject *body;
  Run run = { 0 };

  CTL (&run, "--url", url, "--token", "admin-token", "endpoints");
  g_assert_cmpstr (run.err, ==, "");
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==,
                   "ID       NAME                    STATE  CONFERENCE  AUDIO  LOSS%  JITTER ms  RX kb/s  TX kb/s\n"
                   "ward-01  Phường Cam Giá          idle   -                    0.5        3.2      640     1200\n"
                   "ward-03  " DONG_BAM_NFC "         idle   -                    0.5        3.2      640     1200\n"
                   "ward-08  Phường Phan Đình Phùng  idle   -                    0.5        3.2      640     1200\n"
                   "ward-22  Xã Cao Ngạn             idle   -                    0.5        3.2      640     1200\n");

  /* --json gives the hub's own JSON. */
  CTL (&run, "--url", url, "--token", "admin-token", "--json", "endpoints");
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (json_parser_load_from_data (parser, run.out, -1, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (json_parser_get_root (parser))), ==, 4);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (json_node_get_array (json_parser_get_root (parser)), 3), "name"),
                   ==, "Xã Cao Ngạn");

  /* URL and token from the environment's config file. */
  g_assert_true (g_file_set_contents (config, config_text, -1, &error));
  g_assert_no_error (error);
  CTL (&run, "--config", config, "start", "--title", "Giao ban sáng", "--layout", "speaker", "ward-01", "ward-03");
  g_assert_cmpstr (run.err, ==, "");
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_str_has_prefix (run.out, "ID   TITLE          STATE    LAYOUT  STARTED"));
  g_assert_nonnull (strstr (run.out, "\nc-1  Giao ban sáng  running  grid"));
  body = wb_test_hub_get_last_body (hub, "POST /api/v1/conferences");
  g_assert_cmpstr (json_object_get_string_member (body, "title"), ==, "Giao ban sáng");
  g_assert_cmpstr (json_object_get_string_member (body, "layout"), ==, "speaker");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (body, "endpoints")), ==, 2);

  CTL (&run, "--config", config, "mute", "c-1", "ward-03");
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "ward-03 is muted in conference c-1.\n");
  ward_03 = wb_test_hub_get_endpoint (hub, "ward-03");
  g_assert_true (json_object_get_boolean_member (ward_03, "muted"));

  CTL (&run, "--config", config, "layout", "c-1", "presenter", "--presenter", "ward-03");
  g_assert_cmpint (run.status, ==, 0);
  body = wb_test_hub_get_last_body (hub, "PATCH /api/v1/conferences/c-1");
  g_assert_cmpstr (json_object_get_string_member (body, "layout"), ==, "presenter");
  g_assert_cmpstr (json_object_get_string_member (body, "presenter"), ==, "ward-03");

  CTL (&run, "--config", config, "attendance", "c-1");
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==,
                   "WARD     JOINED                LEFT  TALK\n"
                   "ward-01  2026-11-26 09:00 +07  -     0:42\n"
                   "ward-03  2026-11-26 09:00 +07  -     0:52\n");

  CTL (&run, "--config", config, "end", "c-1");
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "Conference c-1 is ending.\n");
  CTL (&run, "--config", config, "conferences");
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "No conference is running.\n");

  /* The conference is gone: the hub's 404, in plain words. */
  CTL (&run, "--config", config, "end", "c-1");
  g_assert_cmpint (run.status, ==, 1);
  g_assert_cmpstr (run.err, ==, "wardbridgectl: the hub refused: Not Found (404): no running conference with that id\n");
  run_clear (&run);
}

static void
test_program_bookings (void)
{
  g_autoptr (WbTestHub) hub = wb_test_hub_new ();
  const char *url = wb_test_hub_get_url (hub);
  JsonObject *body;
  Run run = { 0 };

  CTL (&run, "--url", url, "--token", "sched-token", "book", "--title", "Họp giao ban",
       "--start", "2026-12-01 09:00", "--end", "10:30", "--idempotency-key", "k-1", "ward-03", "ward-08");
  g_assert_cmpstr (run.err, ==, "");
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==,
                   "ID   TITLE         START                 END                   STATUS     WARDS\n"
                   "b-1  Họp giao ban  2026-12-01 09:00 +07  2026-12-01 10:30 +07  scheduled      2\n");
  body = wb_test_hub_get_last_body (hub, "POST /api/v1/bookings");
  g_assert_cmpstr (json_object_get_string_member (body, "start"), ==, "2026-12-01T09:00:00+07:00");
  g_assert_cmpstr (json_object_get_string_member (body, "end"), ==, "2026-12-01T10:30:00+07:00");

  /* ward-08 is taken from 09:00 to 10:30: refused with the reason. */
  CTL (&run, "--url", url, "--token", "sched-token", "book", "--title", "Khác",
       "--start", "2026-12-01T03:00:00Z", "--end", "2026-12-01 11:00", "ward-08");
  g_assert_cmpint (run.status, ==, 1);
  g_assert_cmpstr (run.out, ==, "");
  g_assert_cmpstr (run.err, ==,
                   "wardbridgectl: the hub refused: Conflict (409): ward-08 is already booked in an overlapping slot\n"
                   "  clashes with booking b-1 “Họp giao ban”, 2026-12-01 09:00 +07 to 2026-12-01 10:30 +07, wards ward-08\n");

  CTL (&run, "--url", url, "--token", "sched-token", "--json", "bookings");
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "\"start\" : \"2026-12-01T02:00:00Z\""));

  CTL (&run, "--url", url, "--token", "sched-token", "cancel", "b-1");
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "Booking b-1 is cancelled.\n");
  CTL (&run, "--url", url, "--token", "sched-token", "bookings", "--from", "2026-12-01 00:00");
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "b-1  Họp giao ban  2026-12-01 09:00 +07  2026-12-01 10:30 +07  cancelled"));
  g_assert_cmpstr (g_ptr_array_index (wb_test_hub_get_log (hub), wb_test_hub_get_log (hub)->len - 1),
                   ==, "GET /api/v1/bookings");

  /* A scheduler may not start conferences: 403. */
  CTL (&run, "--url", url, "--token", "sched-token", "start", "--title", "x", "all");
  g_assert_cmpint (run.status, ==, 1);
  g_assert_true (g_str_has_prefix (run.err, "wardbridgectl: the hub refused: Forbidden (403)"));
  run_clear (&run);
}

static void
test_program_exit_codes (void)
{
  g_autoptr (WbTestHub) hub = wb_test_hub_new ();
  g_autofree char *url = g_strdup (wb_test_hub_get_url (hub));
  Run run = { 0 };

  /* A wrong token: refused by the hub. */
  CTL (&run, "--url", url, "--token", "wrong", "endpoints");
  g_assert_cmpint (run.status, ==, 1);
  g_assert_cmpstr (run.out, ==, "");
  g_assert_cmpstr (run.err, ==,
                   "wardbridgectl: the hub refused: Unauthorized (401): a valid bearer token is required\n"
                   "  (check --token, $WARDBRIDGE_TOKEN or the config file)\n");

  /* Usage errors. */
  CTL (&run, "--url", url, "frobnicate");
  g_assert_cmpint (run.status, ==, 2);
  g_assert_cmpstr (run.err, ==, "wardbridgectl: unknown command “frobnicate” (see --help)\n");
  CTL (&run, "--url", url, "mute", "c-1");
  g_assert_cmpint (run.status, ==, 2);
  CTL (&run, "--url", url, "--token", "admin-token", "book", "--title", "x", "--start", "soon", "--end", "10:00", "all");
  g_assert_cmpint (run.status, ==, 2);
  g_assert_nonnull (strstr (run.err, "“soon” is not a time"));
  CTL (&run, "--url", url, "--token", "admin-token", "layout", "c-1", "mosaic");
  g_assert_cmpint (run.status, ==, 2);
  CTL (&run, "--url", "ftp://nowhere", "endpoints");
  g_assert_cmpint (run.status, ==, 2);
  /* No request reached the hub for any of those. */
  g_assert_cmpuint (wb_test_hub_get_log (hub)->len, ==, 1);

  /* The hub is down: a connection error. */
  wb_test_hub_kill (hub);
  CTL (&run, "--url", url, "--token", "admin-token", "endpoints");
  g_assert_cmpint (run.status, ==, 2);
  g_assert_true (g_str_has_prefix (run.err, "wardbridgectl: cannot reach the hub at http://127.0.0.1:"));
  run_clear (&run);
}

static gboolean
two_streams (gpointer data)
{
  return wb_test_hub_count_streams (data) == 2;
}

static void
test_program_events (void)
{
  g_autoptr (WbTestHub) hub = wb_test_hub_new ();
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GSubprocess) readable = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  JsonObject *object;
  Run run = { 0 };

  process = spawn_ctl ((const char *const[]) { "--url", wb_test_hub_get_url (hub), "--token",
                                               "admin-token", "--json", "events", NULL });
  readable = spawn_ctl ((const char *const[]) { "--url", wb_test_hub_get_url (hub), "--token",
                                                "sched-token", "events", NULL });
  g_assert_true (wb_test_wait_until (two_streams, hub, 120));
  wb_test_hub_start_conference (hub, "Tin khẩn", (const char *const[]) { "ward-22", NULL });
  /* Events were written before the stream ends, so all of them arrive. */
  wb_test_hub_kill (hub);

  /* In plain words: the local time, the event, what it is about. */
  finish_ctl (readable, &run);
  g_assert_cmpint (run.status, ==, 2);
  lines = g_strsplit (run.out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  g_assert_cmpuint (strlen (lines[0]), >, 9);
  g_assert_cmpint (lines[0][2], ==, ':');
  g_assert_cmpint (lines[0][5], ==, ':');
  g_assert_cmpstr (lines[0] + 9, ==, "endpoint.state id=ward-22 name=Xã Cao Ngạn state=invited conference=c-1");
  g_assert_cmpstr (lines[1] + 9, ==, "conference.started id=c-1 state=running title=Tin khẩn");
  g_clear_pointer (&lines, g_strfreev);

  finish_ctl (process, &run);

  g_assert_cmpint (run.status, ==, 2);
  g_assert_true (g_str_has_suffix (run.err, "closed the event stream\n"));
  lines = g_strsplit (run.out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  g_assert_cmpstr (lines[2], ==, "");
  g_assert_true (json_parser_load_from_data (parser, lines[0], -1, &error));
  g_assert_no_error (error);
  object = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (object, "event"), ==, "endpoint.state");
  g_assert_cmpstr (json_object_get_string_member (object, "id"), ==, "1");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (object, "data"), "state"),
                   ==, "invited");
  g_assert_true (json_parser_load_from_data (parser, lines[1], -1, &error));
  object = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (object, "event"), ==, "conference.started");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (object, "data"), "title"),
                   ==, "Tin khẩn");
  run_clear (&run);
}

/* ---- Against a real wardbridged ---------------------------------------- */

/* The "id" of the JSON object that wardbridgectl --json printed. */
static char *
printed_id (const char *out)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  JsonObject *object;

  g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
  g_assert_no_error (error);
  object = json_node_get_object (json_parser_get_root (parser));
  return g_strdup (json_object_get_string_member (object, "id"));
}

static gboolean
endpoint_muted (const char *out, const char *ward)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonArray *array;

  g_assert_true (json_parser_load_from_data (parser, out, -1, NULL));
  array = json_node_get_array (json_parser_get_root (parser));
  for (guint i = 0; i < json_array_get_length (array); i++) {
    JsonObject *ep = json_array_get_object_element (array, i);

    if (g_str_equal (json_object_get_string_member (ep, "id"), ward))
      return json_object_get_boolean_member (ep, "muted");
  }
  g_assert_not_reached ();
}

static gboolean
one_event_stream (gpointer data)
{
  static gint64 last_asked;
  gint64 now = g_get_monotonic_time ();

  /* Twice a second at most: the hub limits requests per address. */
  if (now - last_asked < G_USEC_PER_SEC / 2)
    return FALSE;
  last_asked = now;
  return wb_test_daemon_count_event_streams (data) == 1;
}

static void
test_hub_commands (void)
{
  g_autoptr (WbTestDaemon) daemon = NULL;
  g_autoptr (GSubprocess) events = NULL;
  g_autofree char *conference = NULL;
  g_autofree char *booking = NULL;
  g_autofree char *expected_row = NULL;
  const char *url;
  const char *admin = WB_TEST_DAEMON_ADMIN_TOKEN;
  const char *sched = WB_TEST_DAEMON_SCHED_TOKEN;
  Run run = { 0 };

  if (!wb_test_daemon_available ())
    return;
  daemon = wb_test_daemon_new ();
  url = wb_test_daemon_get_url (daemon);

  CTL (&run, "--url", url, "--token", admin, "endpoints");
  g_assert_cmpstr (run.err, ==, "");
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==,
                   "ID       NAME                    STATE    CONFERENCE  AUDIO  LOSS%  JITTER ms  RX kb/s  TX kb/s\n"
                   "ward-01  Phường Cam Giá          offline  -                    0.0        0.0        0        0\n"
                   "ward-03  " DONG_BAM_NFC "         offline  -                    0.0        0.0        0        0\n"
                   "ward-08  Phường Phan Đình Phùng  offline  -                    0.0        0.0        0        0\n"
                   "ward-22  Xã Cao Ngạn             offline  -                    0.0        0.0        0        0\n");

  /* A wrong token: 401, exit 1. */
  CTL (&run, "--url", url, "--token", "not-a-token", "endpoints");
  g_assert_cmpint (run.status, ==, 1);
  g_assert_true (g_str_has_prefix (run.err, "wardbridgectl: the hub refused: Unauthorized (401)"));
  /* A scheduler may not start a conference: 403, exit 1. */
  CTL (&run, "--url", url, "--token", sched, "start", "--title", "x", "all");
  g_assert_cmpint (run.status, ==, 1);
  g_assert_true (g_str_has_prefix (run.err, "wardbridgectl: the hub refused: Forbidden (403)"));

  /* Follow the events while a conference runs. */
  events = spawn_ctl ((const char *const[]) { "--url", url, "--token", admin, "--json", "events", NULL });
  g_assert_true (wb_test_wait_until (one_event_stream, daemon, 120));

  CTL (&run, "--url", url, "--token", admin, "--json", "start", "--title", "Giao ban sáng",
       "--layout", "speaker", "ward-01", "ward-03");
  g_assert_cmpstr (run.err, ==, "");
  g_assert_cmpint (run.status, ==, 0);
  conference = printed_id (run.out);
  g_assert_nonnull (conference);

  CTL (&run, "--url", url, "--token", sched, "conferences");
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_str_has_prefix (run.out, "ID "));
  g_assert_nonnull (strstr (run.out, conference));
  g_assert_nonnull (strstr (run.out, "Giao ban sáng"));

  CTL (&run, "--url", url, "--token", admin, "mute", conference, "ward-03");
  g_assert_cmpstr (run.err, ==, "");
  g_assert_cmpint (run.status, ==, 0);
  expected_row = g_strdup_printf ("ward-03 is muted in conference %s.\n", conference);
  g_assert_cmpstr (run.out, ==, expected_row);
  g_clear_pointer (&expected_row, g_free);
  CTL (&run, "--url", url, "--token", admin, "--json", "endpoints");
  g_assert_true (endpoint_muted (run.out, "ward-03"));
  g_assert_false (endpoint_muted (run.out, "ward-01"));
  CTL (&run, "--url", url, "--token", admin, "unmute", conference, "ward-03");
  g_assert_cmpint (run.status, ==, 0);
  CTL (&run, "--url", url, "--token", admin, "--json", "endpoints");
  g_assert_false (endpoint_muted (run.out, "ward-03"));

  CTL (&run, "--url", url, "--token", admin, "layout", conference, "presenter", "--presenter", "ward-01");
  g_assert_cmpstr (run.err, ==, "");
  g_assert_cmpint (run.status, ==, 0);
  /* A ward that is not in it: refused in plain words. */
  CTL (&run, "--url", url, "--token", admin, "mute", conference, "ward-22");
  g_assert_cmpint (run.status, ==, 1);
  g_assert_true (g_str_has_prefix (run.err, "wardbridgectl: the hub refused: "));

  /* No box is running in this test: nobody joined. */
  CTL (&run, "--url", url, "--token", admin, "attendance", conference);
  g_assert_cmpint (run.status, ==, 0);
  expected_row = g_strdup_printf ("No ward has joined conference %s.\n", conference);
  g_assert_cmpstr (run.out, ==, expected_row);
  g_clear_pointer (&expected_row, g_free);

  CTL (&run, "--url", url, "--token", admin, "end", conference);
  g_assert_cmpstr (run.err, ==, "");
  g_assert_cmpint (run.status, ==, 0);

  /* The events: the hub goes away, the stream ends, exit 2. */
  wb_test_daemon_kill (daemon);
  finish_ctl (events, &run);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_nonnull (strstr (run.out, "\"event\":\"conference.started\""));
  g_assert_nonnull (strstr (run.out, "Giao ban sáng"));
  wb_test_daemon_restart (daemon);

  /* Bookings in local time; a clash is a 409 with the clashing booking. */
  CTL (&run, "--url", url, "--token", sched, "--json", "book", "--title", "Họp giao ban",
       "--start", "2030-01-15 09:00", "--end", "10:30", "ward-03", "ward-08");
  g_assert_cmpstr (run.err, ==, "");
  g_assert_cmpint (run.status, ==, 0);
  booking = printed_id (run.out);
  CTL (&run, "--url", url, "--token", sched, "bookings", "--from", "2030-01-15 00:00", "--to", "2030-01-16 00:00");
  g_assert_cmpint (run.status, ==, 0);
  expected_row = g_strdup_printf ("%s  Họp giao ban  2030-01-15 09:00 +07  2030-01-15 10:30 +07  scheduled      2\n",
                                  booking);
  g_assert_nonnull (strstr (run.out, expected_row));

  CTL (&run, "--url", url, "--token", sched, "book", "--title", "Trùng giờ",
       "--start", "2030-01-15T03:00:00Z", "--end", "2030-01-15 11:00", "ward-08");
  g_assert_cmpint (run.status, ==, 1);
  g_assert_cmpstr (run.out, ==, "");
  g_assert_true (g_str_has_prefix (run.err, "wardbridgectl: the hub refused: Conflict (409): "));
  g_assert_nonnull (strstr (run.err, "  clashes with booking "));
  g_assert_nonnull (strstr (run.err, booking));

  /* The end before the start: 422, with the hub's field errors. */
  CTL (&run, "--url", url, "--token", sched, "book", "--title", "Ngược",
       "--start", "2030-02-01 10:00", "--end", "09:00", "ward-22");
  g_assert_cmpint (run.status, ==, 1);
  g_assert_true (g_str_has_prefix (run.err, "wardbridgectl: the hub refused: Unprocessable Content (422)"));

  CTL (&run, "--url", url, "--token", sched, "cancel", booking);
  g_assert_cmpstr (run.err, ==, "");
  g_assert_cmpint (run.status, ==, 0);
  /* Cancelled, the slot is free again. */
  CTL (&run, "--url", url, "--token", sched, "book", "--title", "Trùng giờ",
       "--start", "2030-01-15T03:00:00Z", "--end", "2030-01-15 11:00", "ward-08");
  g_assert_cmpstr (run.err, ==, "");
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "Trùng giờ  2030-01-15 10:00 +07  2030-01-15 11:00 +07  scheduled"));
  run_clear (&run);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  tmp_dir = g_dir_make_tmp ("wb-test-ctl-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/ctl/display-width", test_display_width);
  g_test_add_func ("/ctl/sanitize", test_sanitize);
  g_test_add_func ("/ctl/table", test_table);
  g_test_add_func ("/ctl/time", test_time);
  g_test_add_func ("/ctl/program/tables", test_program_tables);
  g_test_add_func ("/ctl/program/bookings", test_program_bookings);
  g_test_add_func ("/ctl/program/exit-codes", test_program_exit_codes);
  g_test_add_func ("/ctl/program/events", test_program_events);
  g_test_add_func ("/ctl/hub/commands", test_hub_commands);

  status = g_test_run ();
  {
    g_autofree char *config = g_build_filename (tmp_dir, "ctl.conf", NULL);

    g_unlink (config);
    g_rmdir (tmp_dir);
  }
  g_free (tmp_dir);
  return status;
}
