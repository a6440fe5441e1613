/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wardbridgectl commands: one HTTP call (events: a stream) and its output.
 */
#define G_LOG_DOMAIN "wardbridgectl"

#include "wb-ctl-commands.h"

#include <glib-unix.h>
#include <stdio.h>
#include <string.h>

#include "client/wb-event-stream.h"
#include "wb-ctl-table.h"
#include "wb-ctl-time.h"
#include "common/wb-json.h"

G_DEFINE_QUARK (wb-ctl-error-quark, wb_ctl_error)

static const char *const layouts[] = { "grid", "speaker", "presenter", "single", NULL };

/* ---- JSON reading ----------------------------------------------------- */






/* A number as a table cell: "" when absent. */
static char *
num_cell (JsonObject *object, const char *name, int decimals)
{
  double value;

  if (!wb_json_get_number (object, name, &value))
    return g_strdup ("");
  return g_strdup_printf ("%.*f", decimals, value);
}

/* Answers are a JSON array, or an object holding one under @member. */
static JsonArray *
answer_array (JsonNode *body, const char *member, GError **error)
{
  if (body != NULL && JSON_NODE_HOLDS_ARRAY (body))
    return json_node_get_array (body);
  if (body != NULL && JSON_NODE_HOLDS_OBJECT (body) &&
      wb_json_get_array (json_node_get_object (body), member) != NULL)
    return wb_json_get_array (json_node_get_object (body), member);
  g_set_error (error, WB_CLIENT_ERROR, WB_CLIENT_ERROR_PROTOCOL,
               "the hub's answer holds no list of %s", member);
  return NULL;
}

/* ---- Output ----------------------------------------------------------- */

static void
print_json (JsonNode *node)
{
  g_autofree char *text = node != NULL ? json_to_string (node, TRUE) : g_strdup ("null");

  printf ("%s\n", text);
}

static void
print_table (WbCtlTable *table)
{
  g_autofree char *text = wb_ctl_table_render (table);

  fputs (text, stdout);
}

static void
print_line (const char *format, ...) G_GNUC_PRINTF (1, 2);

static void
print_line (const char *format, ...)
{
  g_autofree char *text = NULL;
  g_autofree char *clean = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  clean = wb_ctl_sanitize (text);
  printf ("%s\n", clean);
}

static char *
escaped (const char *segment)
{
  return wb_client_escape_segment (segment);
}

static gboolean
check_layout (const char *layout, GError **error)
{
  if (layout == NULL || g_strv_contains (layouts, layout))
    return TRUE;
  g_set_error (error, WB_CTL_ERROR, WB_CTL_ERROR_USAGE,
               "unknown layout “%s”: use grid, speaker, presenter or single", layout);
  return FALSE;
}

/* "all", or the ward ids as a JSON array. */
static JsonNode *
wards_node (char **args)
{
  JsonNode *node;
  JsonArray *array;

  if (args[0] != NULL && args[1] == NULL && g_str_equal (args[0], "all"))
    return json_node_init_string (json_node_alloc (), "all");
  array = json_array_new ();
  for (guint i = 0; args[i] != NULL; i++)
    json_array_add_string_element (array, args[i]);
  node = json_node_alloc ();
  json_node_take_array (json_node_init (node, JSON_NODE_ARRAY), array);
  return node;
}

/* ---- Commands --------------------------------------------------------- */

static gboolean
cmd_endpoints (WbCtlOptions *options, char **args, GError **error)
{
  g_autoptr (JsonNode) body = NULL;
  g_autoptr (WbCtlTable) table = wb_ctl_table_new ();
  JsonArray *array;

  if (!wb_client_call_sync (options->client, "GET", "/api/v1/endpoints", NULL, NULL,
                            NULL, &body, error))
    return FALSE;
  if (options->json) {
    print_json (body);
    return TRUE;
  }
  if ((array = answer_array (body, "endpoints", error)) == NULL)
    return FALSE;

  wb_ctl_table_add_column (table, "ID", WB_CTL_ALIGN_LEFT);
  wb_ctl_table_add_column (table, "NAME", WB_CTL_ALIGN_LEFT);
  wb_ctl_table_add_column (table, "STATE", WB_CTL_ALIGN_LEFT);
  wb_ctl_table_add_column (table, "CONFERENCE", WB_CTL_ALIGN_LEFT);
  wb_ctl_table_add_column (table, "AUDIO", WB_CTL_ALIGN_LEFT);
  wb_ctl_table_add_column (table, "LOSS%", WB_CTL_ALIGN_RIGHT);
  wb_ctl_table_add_column (table, "JITTER ms", WB_CTL_ALIGN_RIGHT);
  wb_ctl_table_add_column (table, "RX kb/s", WB_CTL_ALIGN_RIGHT);
  wb_ctl_table_add_column (table, "TX kb/s", WB_CTL_ALIGN_RIGHT);
  for (guint i = 0; i < json_array_get_length (array); i++) {
    JsonObject *ep = json_array_get_object_element (array, i);
    JsonObject *stats = wb_json_get_object (ep, "stats");
    g_autofree char *loss = num_cell (stats, "loss_pct", 1);
    g_autofree char *jitter = num_cell (stats, "jitter_ms", 1);
    g_autofree char *rx = num_cell (stats, "rx_kbps", 0);
    g_autofree char *tx = num_cell (stats, "tx_kbps", 0);
    const char *audio = wb_json_get_bool (ep, "muted", FALSE) ? "muted" :
                        wb_json_get_bool (ep, "talking", FALSE) ? "talking" : "";
    const char *conference = wb_json_get_string (ep, "conference");

    wb_ctl_table_add_row (table, wb_json_get_string (ep, "id"), wb_json_get_string (ep, "name"),
                          wb_json_get_string (ep, "state"), conference != NULL ? conference : "-",
                          audio, loss, jitter, rx, tx, NULL);
  }
  print_table (table);
  return TRUE;
}

static void
add_conference_row (WbCtlTable *table, JsonObject *conf)
{
  JsonArray *participants = wb_json_get_array (conf, "participants");
  JsonArray *endpoints = wb_json_get_array (conf, "endpoints");
  g_autofree char *started = wb_ctl_format_local (wb_json_get_string (conf, "started"));
  g_autofree char *count = g_strdup_printf ("%u", participants != NULL ? json_array_get_length (participants) :
                                            endpoints != NULL ? json_array_get_length (endpoints) : 0);

  wb_ctl_table_add_row (table, wb_json_get_string (conf, "id"), wb_json_get_string (conf, "title"),
                        wb_json_get_string (conf, "state"), wb_json_get_string (conf, "layout"),
                        started, count, NULL);
}

static WbCtlTable *
conference_table (void)
{
  WbCtlTable *table = wb_ctl_table_new ();

  wb_ctl_table_add_column (table, "ID", WB_CTL_ALIGN_LEFT);
  wb_ctl_table_add_column (table, "TITLE", WB_CTL_ALIGN_LEFT);
  wb_ctl_table_add_column (table, "STATE", WB_CTL_ALIGN_LEFT);
  wb_ctl_table_add_column (table, "LAYOUT", WB_CTL_ALIGN_LEFT);
  wb_ctl_table_add_column (table, "STARTED", WB_CTL_ALIGN_LEFT);
  wb_ctl_table_add_column (table, "WARDS", WB_CTL_ALIGN_RIGHT);
  return table;
}

static gboolean
cmd_conferences (WbCtlOptions *options, char **args, GError **error)
{
  g_autoptr (JsonNode) body = NULL;
  g_autoptr (WbCtlTable) table = conference_table ();
  JsonArray *array;

  if (!wb_client_call_sync (options->client, "GET", "/api/v1/conferences", NULL, NULL,
                            NULL, &body, error))
    return FALSE;
  if (options->json) {
    print_json (body);
    return TRUE;
  }
  if ((array = answer_array (body, "conferences", error)) == NULL)
    return FALSE;
  for (guint i = 0; i < json_array_get_length (array); i++)
    add_conference_row (table, json_array_get_object_element (array, i));
  if (wb_ctl_table_get_n_rows (table) == 0)
    print_line ("No conference is running.");
  else
    print_table (table);
  return TRUE;
}

static gboolean
cmd_start (WbCtlOptions *options, char **args, GError **error)
{
  g_autoptr (JsonObject) request = json_object_new ();
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (JsonNode) body = NULL;
  g_autoptr (WbCtlTable) table = conference_table ();

  if (options->title == NULL) {
    g_set_error (error, WB_CTL_ERROR, WB_CTL_ERROR_USAGE, "start needs --title");
    return FALSE;
  }
  if (!check_layout (options->layout, error))
    return FALSE;
  json_object_set_string_member (request, "title", options->title);
  json_object_set_member (request, "endpoints", wards_node (args));
  if (options->layout != NULL)
    json_object_set_string_member (request, "layout", options->layout);
  json_object_set_boolean_member (request, "record", options->record);
  node = json_node_init_object (json_node_alloc (), request);

  if (!wb_client_call_sync (options->client, "POST", "/api/v1/conferences", node, NULL,
                            NULL, &body, error))
    return FALSE;
  if (options->json || body == NULL || !JSON_NODE_HOLDS_OBJECT (body)) {
    print_json (body);
    return TRUE;
  }
  add_conference_row (table, json_node_get_object (body));
  print_table (table);
  return TRUE;
}

static gboolean
cmd_end (WbCtlOptions *options, char **args, GError **error)
{
  g_autofree char *id = escaped (args[0]);
  g_autofree char *path = g_strdup_printf ("/api/v1/conferences/%s/end", id);
  g_autoptr (JsonNode) body = NULL;

  if (!wb_client_call_sync (options->client, "POST", path, NULL, NULL, NULL, &body, error))
    return FALSE;
  if (options->json)
    print_json (body);
  else
    print_line ("Conference %s is ending.", args[0]);
  return TRUE;
}

static gboolean
set_muted (WbCtlOptions *options, char **args, gboolean muted, GError **error)
{
  g_autofree char *conf = escaped (args[0]);
  g_autofree char *ward = escaped (args[1]);
  g_autofree char *path = g_strdup_printf ("/api/v1/conferences/%s/participants/%s/%s",
                                           conf, ward, muted ? "mute" : "unmute");

  if (!wb_client_call_sync (options->client, "POST", path, NULL, NULL, NULL, NULL, error))
    return FALSE;
  if (options->json)
    printf ("{\"conference\":\"%s\",\"endpoint\":\"%s\",\"muted\":%s}\n",
            conf, ward, muted ? "true" : "false");
  else
    print_line ("%s is %s in conference %s.", args[1], muted ? "muted" : "no longer muted", args[0]);
  return TRUE;
}

static gboolean
cmd_mute (WbCtlOptions *options, char **args, GError **error)
{
  return set_muted (options, args, TRUE, error);
}

static gboolean
cmd_unmute (WbCtlOptions *options, char **args, GError **error)
{
  return set_muted (options, args, FALSE, error);
}

static gboolean
cmd_layout (WbCtlOptions *options, char **args, GError **error)
{
  g_autofree char *id = escaped (args[0]);
  g_autofree char *path = g_strdup_printf ("/api/v1/conferences/%s", id);
  g_autoptr (JsonObject) request = json_object_new ();
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (JsonNode) body = NULL;

  if (!check_layout (args[1], error))
    return FALSE;
  json_object_set_string_member (request, "layout", args[1]);
  if (options->presenter != NULL)
    json_object_set_string_member (request, "presenter", options->presenter);
  node = json_node_init_object (json_node_alloc (), request);
  if (!wb_client_call_sync (options->client, "PATCH", path, node, NULL, NULL, &body, error))
    return FALSE;
  if (options->json)
    print_json (body);
  else if (options->presenter != NULL)
    print_line ("Conference %s now shows the %s layout, %s presenting.", args[0], args[1],
                options->presenter);
  else
    print_line ("Conference %s now shows the %s layout.", args[0], args[1]);
  return TRUE;
}

static WbCtlTable *
booking_table (void)
{
  WbCtlTable *table = wb_ctl_table_new ();

  wb_ctl_table_add_column (table, "ID", WB_CTL_ALIGN_LEFT);
  wb_ctl_table_add_column (table, "TITLE", WB_CTL_ALIGN_LEFT);
  wb_ctl_table_add_column (table, "START", WB_CTL_ALIGN_LEFT);
  wb_ctl_table_add_column (table, "END", WB_CTL_ALIGN_LEFT);
  wb_ctl_table_add_column (table, "STATUS", WB_CTL_ALIGN_LEFT);
  wb_ctl_table_add_column (table, "WARDS", WB_CTL_ALIGN_RIGHT);
  return table;
}

static void
add_booking_row (WbCtlTable *table, JsonObject *booking)
{
  JsonNode *endpoints = booking != NULL ? json_object_get_member (booking, "endpoints") : NULL;
  g_autofree char *start = wb_ctl_format_local (wb_json_get_string (booking, "start"));
  g_autofree char *end = wb_ctl_format_local (wb_json_get_string (booking, "end"));
  g_autofree char *count = NULL;

  if (endpoints != NULL && JSON_NODE_HOLDS_ARRAY (endpoints))
    count = g_strdup_printf ("%u", json_array_get_length (json_node_get_array (endpoints)));
  else
    count = g_strdup (wb_json_get_string (booking, "endpoints") != NULL ? wb_json_get_string (booking, "endpoints") : "");
  wb_ctl_table_add_row (table, wb_json_get_string (booking, "id"), wb_json_get_string (booking, "title"),
                        start, end, wb_json_get_string (booking, "status"), count, NULL);
}

static gboolean
cmd_book (WbCtlOptions *options, char **args, GError **error)
{
  g_autoptr (JsonObject) request = json_object_new ();
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (JsonNode) body = NULL;
  g_autoptr (GDateTime) start = NULL;
  g_autoptr (GDateTime) end = NULL;
  g_autofree char *start_text = NULL;
  g_autofree char *end_text = NULL;
  g_autoptr (WbCtlTable) table = booking_table ();

  if (options->title == NULL || options->start == NULL || options->end == NULL) {
    g_set_error (error, WB_CTL_ERROR, WB_CTL_ERROR_USAGE, "book needs --title, --start and --end");
    return FALSE;
  }
  if (!check_layout (options->layout, error))
    return FALSE;
  if ((start = wb_ctl_parse_time (options->start, NULL, NULL, error)) == NULL)
    return FALSE;
  /* "--end 10:30" is on the day of the start. */
  if ((end = wb_ctl_parse_time (options->end, start, NULL, error)) == NULL)
    return FALSE;
  start_text = wb_ctl_format_rfc3339 (start);
  end_text = wb_ctl_format_rfc3339 (end);

  json_object_set_string_member (request, "title", options->title);
  json_object_set_string_member (request, "start", start_text);
  json_object_set_string_member (request, "end", end_text);
  json_object_set_member (request, "endpoints", wards_node (args));
  if (options->layout != NULL)
    json_object_set_string_member (request, "layout", options->layout);
  json_object_set_boolean_member (request, "record", options->record);
  node = json_node_init_object (json_node_alloc (), request);

  if (!wb_client_call_sync (options->client, "POST", "/api/v1/bookings", node,
                            options->idempotency_key, NULL, &body, error))
    return FALSE;
  if (options->json || body == NULL || !JSON_NODE_HOLDS_OBJECT (body)) {
    print_json (body);
    return TRUE;
  }
  add_booking_row (table, json_node_get_object (body));
  print_table (table);
  return TRUE;
}

static gboolean
cmd_bookings (WbCtlOptions *options, char **args, GError **error)
{
  g_autoptr (GString) path = g_string_new ("/api/v1/bookings");
  g_autoptr (JsonNode) body = NULL;
  g_autoptr (WbCtlTable) table = booking_table ();
  const char *bounds[2][2] = { { "from", options->from }, { "to", options->to } };
  char sep = '?';
  JsonArray *array;

  for (guint i = 0; i < G_N_ELEMENTS (bounds); i++) {
    g_autoptr (GDateTime) time = NULL;
    g_autofree char *text = NULL;
    g_autofree char *escaped_text = NULL;

    if (bounds[i][1] == NULL)
      continue;
    if ((time = wb_ctl_parse_time (bounds[i][1], NULL, NULL, error)) == NULL)
      return FALSE;
    text = wb_ctl_format_rfc3339 (time);
    escaped_text = g_uri_escape_string (text, NULL, FALSE);
    g_string_append_printf (path, "%c%s=%s", sep, bounds[i][0], escaped_text);
    sep = '&';
  }

  if (!wb_client_call_sync (options->client, "GET", path->str, NULL, NULL, NULL, &body, error))
    return FALSE;
  if (options->json) {
    print_json (body);
    return TRUE;
  }
  if ((array = answer_array (body, "bookings", error)) == NULL)
    return FALSE;
  for (guint i = 0; i < json_array_get_length (array); i++)
    add_booking_row (table, json_array_get_object_element (array, i));
  if (wb_ctl_table_get_n_rows (table) == 0)
    print_line ("No bookings.");
  else
    print_table (table);
  return TRUE;
}

static gboolean
cmd_cancel (WbCtlOptions *options, char **args, GError **error)
{
  g_autofree char *id = escaped (args[0]);
  g_autofree char *path = g_strdup_printf ("/api/v1/bookings/%s", id);
  g_autoptr (JsonNode) body = NULL;

  if (!wb_client_call_sync (options->client, "DELETE", path, NULL, NULL, NULL, &body, error))
    return FALSE;
  if (options->json)
    printf ("{\"booking\":\"%s\",\"status\":\"cancelled\"}\n", id);
  else
    print_line ("Booking %s is cancelled.", args[0]);
  return TRUE;
}

static char *
talk_cell (JsonObject *row)
{
  double value;
  guint seconds;

  if (wb_json_get_number (row, "talk_seconds", &value) || wb_json_get_number (row, "talk_s", &value))
    seconds = (guint) value;
  else if (wb_json_get_number (row, "talk_ms", &value))
    seconds = (guint) (value / 1000);
  else
    return g_strdup ("");
  return g_strdup_printf ("%u:%02u", seconds / 60, seconds % 60);
}

static gboolean
cmd_attendance (WbCtlOptions *options, char **args, GError **error)
{
  g_autofree char *id = escaped (args[0]);
  g_autofree char *path = g_strdup_printf ("/api/v1/conferences/%s/attendance", id);
  g_autoptr (JsonNode) body = NULL;
  g_autoptr (WbCtlTable) table = wb_ctl_table_new ();
  JsonArray *array;

  if (!wb_client_call_sync (options->client, "GET", path, NULL, NULL, NULL, &body, error))
    return FALSE;
  if (options->json) {
    print_json (body);
    return TRUE;
  }
  if ((array = answer_array (body, "attendance", error)) == NULL)
    return FALSE;
  wb_ctl_table_add_column (table, "WARD", WB_CTL_ALIGN_LEFT);
  wb_ctl_table_add_column (table, "JOINED", WB_CTL_ALIGN_LEFT);
  wb_ctl_table_add_column (table, "LEFT", WB_CTL_ALIGN_LEFT);
  wb_ctl_table_add_column (table, "TALK", WB_CTL_ALIGN_RIGHT);
  for (guint i = 0; i < json_array_get_length (array); i++) {
    JsonObject *row = json_array_get_object_element (array, i);
    const char *ward = wb_json_get_string (row, "endpoint") != NULL ? wb_json_get_string (row, "endpoint") : wb_json_get_string (row, "id");
    const char *left_at = wb_json_get_string (row, "left");
    g_autofree char *joined = wb_ctl_format_local (wb_json_get_string (row, "joined"));
    g_autofree char *left = left_at != NULL ? wb_ctl_format_local (left_at) : g_strdup ("-");
    g_autofree char *talk = talk_cell (row);

    wb_ctl_table_add_row (table, ward, joined, left, talk, NULL);
  }
  if (wb_ctl_table_get_n_rows (table) == 0)
    print_line ("No ward has joined conference %s.", args[0]);
  else
    print_table (table);
  return TRUE;
}

/* ---- events: follow the stream ---------------------------------------- */

typedef struct {
  GMainLoop *loop;
  gboolean json;
  GError *error;
} EventsRun;

static void
on_event (WbEventStream *stream,
          const char    *name,
          const char    *id,
          JsonNode      *data,
          gpointer       user_data)
{
  EventsRun *run = user_data;
  JsonObject *object = data != NULL && JSON_NODE_HOLDS_OBJECT (data) ? json_node_get_object (data) : NULL;
  g_autoptr (GDateTime) now = NULL;
  g_autoptr (GTimeZone) zone = NULL;
  g_autofree char *when = NULL;
  g_autoptr (GString) what = NULL;
  const char *keys[] = { "id", "name", "state", "conference", "title", "endpoint", "status" };

  if (run->json) {
    g_autoptr (JsonObject) line = json_object_new ();
    g_autoptr (JsonNode) node = NULL;
    g_autofree char *text = NULL;

    json_object_set_string_member (line, "event", name);
    if (id != NULL)
      json_object_set_string_member (line, "id", id);
    json_object_set_member (line, "data", data != NULL ? json_node_copy (data) : json_node_new (JSON_NODE_NULL));
    node = json_node_init_object (json_node_alloc (), line);
    text = json_to_string (node, FALSE);
    printf ("%s\n", text);
    fflush (stdout);
    return;
  }

  zone = wb_ctl_local_zone ();
  now = g_date_time_new_now (zone);
  when = g_date_time_format (now, "%H:%M:%S");
  what = g_string_new (NULL);
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++) {
    const char *value = wb_json_get_string (object, keys[i]);

    if (value != NULL)
      g_string_append_printf (what, " %s=%s", keys[i], value);
  }
  print_line ("%s %s%s", when, name, what->str);
  fflush (stdout);
}

static void
on_events_closed (WbEventStream *stream,
                  GError        *error,
                  gpointer       user_data)
{
  EventsRun *run = user_data;

  run->error = g_error_copy (error);
  g_main_loop_quit (run->loop);
}

static gboolean
on_interrupt (gpointer user_data)
{
  g_main_loop_quit (((EventsRun *) user_data)->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
cmd_events (WbCtlOptions *options, char **args, GError **error)
{
  g_autoptr (WbEventStream) stream = wb_event_stream_new (options->client);
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  EventsRun run = { loop, options->json, NULL };
  guint sigint = g_unix_signal_add (SIGINT, on_interrupt, &run);
  guint sigterm = g_unix_signal_add (SIGTERM, on_interrupt, &run);

  g_signal_connect (stream, "event", G_CALLBACK (on_event), &run);
  g_signal_connect (stream, "closed", G_CALLBACK (on_events_closed), &run);
  wb_event_stream_start (stream);
  g_main_loop_run (loop);
  wb_event_stream_stop (stream);
  g_source_remove (sigint);
  g_source_remove (sigterm);

  if (run.error != NULL) {
    g_propagate_error (error, run.error);
    return FALSE;
  }
  return TRUE;
}

/* ---- The table -------------------------------------------------------- */

static const WbCtlCommand commands[] = {
  { "endpoints", "", "the wards, their state and link health", 0, 0, cmd_endpoints },
  { "conferences", "", "running conferences", 0, 0, cmd_conferences },
  { "start", "--title T [--layout L] [--record] WARD...|all", "start a conference now", 1, G_MAXUINT, cmd_start },
  { "end", "CONFERENCE", "end a conference now", 1, 1, cmd_end },
  { "mute", "CONFERENCE WARD", "mute a ward's microphone in the mix", 2, 2, cmd_mute },
  { "unmute", "CONFERENCE WARD", "unmute it", 2, 2, cmd_unmute },
  { "layout", "CONFERENCE grid|speaker|presenter|single [--presenter WARD]", "change the picture", 2, 2, cmd_layout },
  { "book", "--title T --start TIME --end TIME [--layout L] [--record] WARD...|all", "book a meeting", 1, G_MAXUINT, cmd_book },
  { "bookings", "[--from TIME] [--to TIME]", "list bookings", 0, 0, cmd_bookings },
  { "cancel", "BOOKING", "cancel a booking", 1, 1, cmd_cancel },
  { "attendance", "CONFERENCE", "who joined, left and talked, and when", 1, 1, cmd_attendance },
  { "events", "", "follow the hub's events until interrupted", 0, 0, cmd_events },
};

const WbCtlCommand *
wb_ctl_find_command (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (commands[i].name, name))
      return &commands[i];
  return NULL;
}

char *
wb_ctl_describe_commands (void)
{
  GString *out = g_string_new ("Commands:\n");

  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    g_string_append_printf (out, "  %-12s %s\n  %-12s   %s\n", commands[i].name, commands[i].summary,
                            "", commands[i].usage[0] != '\0' ? commands[i].usage : "(no arguments)");
  return g_string_free (out, FALSE);
}
