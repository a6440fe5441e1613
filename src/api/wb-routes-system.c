/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Routes about the hub itself: /healthz, /metrics (Prometheus text),
 * /api/v1/openapi.json (from the GResource), /api/v1/events (SSE), and the
 * web console's / and /assets/{name} (through the asset handler).
 */
#include "wb-api-private.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define OPENAPI_RESOURCE "/org/wardbridge/api/openapi.json"

static void
healthz (WbRequest *request)
{
  JsonObject *obj = json_object_new ();

  json_object_set_string_member (obj, "status", "ok");
  wb_request_respond_json (request, 200, json_node_init_object (json_node_alloc (), obj));
  json_object_unref (obj);
}

static void
openapi (WbRequest *request)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = g_resources_lookup_data (OPENAPI_RESOURCE, G_RESOURCE_LOOKUP_FLAGS_NONE,
                                                      &error);

  if (bytes == NULL) {
    wb_request_respond_error (request, error);
    return;
  }
  soup_server_message_set_status (request->msg, 200, NULL);
  soup_server_message_set_response (request->msg, "application/json", SOUP_MEMORY_COPY,
                                    g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

static void
events (WbRequest *request)
{
  /* HEAD answers the headers of a stream without opening one. */
  if (soup_server_message_get_method (request->msg) == SOUP_METHOD_HEAD) {
    soup_server_message_set_status (request->msg, 200, NULL);
    soup_message_headers_set_content_type (soup_server_message_get_response_headers (request->msg),
                                           "text/event-stream", NULL);
    return;
  }
  wb_sse_hub_attach (wb_api_get_sse_hub (request->api), request);
}

static void
console_file (WbRequest *request, const char *path)
{
  WbApiAssetFunc serve = wb_api_get_asset_handler (request->api);

  if (serve == NULL || !serve (request->msg, path)) {
    g_autofree char *detail = g_strdup_printf ("no console file '%s'", path);
    wb_request_respond_problem (request, 404, "not-found", detail, NULL, NULL);
  }
}

static void
console (WbRequest *request)
{
  console_file (request, "/");
}

static void
console_asset (WbRequest *request)
{
  g_autofree char *path = g_strconcat ("/assets/", wb_request_param (request, "name"), NULL);

  console_file (request, path);
}

/* Label values: backslash, double quote and newline are escaped. */
static void
append_label (GString *out, const char *value)
{
  for (const char *p = value; *p; p++) {
    if (*p == '\\' || *p == '"')
      g_string_append_c (out, '\\');
    if (*p == '\n') {
      g_string_append (out, "\\n");
      continue;
    }
    g_string_append_c (out, *p);
  }
}

typedef double (*EndpointFigure) (const WbEndpoint *ep);

static double fig_loss (const WbEndpoint *ep) { return ep->stats.loss_pct; }
static double fig_jitter (const WbEndpoint *ep) { return ep->stats.jitter_ms; }
static double fig_rx (const WbEndpoint *ep) { return ep->stats.rx_kbps; }
static double fig_tx (const WbEndpoint *ep) { return ep->stats.tx_kbps; }
static double fig_drops (const WbEndpoint *ep) { return (double) ep->stats.drops; }
static double fig_overflow (const WbEndpoint *ep) { return (double) ep->stats.audio_overflow; }
static double fig_remote_loss (const WbEndpoint *ep) { return ep->stats.remote_loss_pct; }
static double fig_fec (const WbEndpoint *ep) { return ep->stats.audio_fec_pct; }
static double fig_live (const WbEndpoint *ep) { return ep->state == WB_ENDPOINT_STATE_LIVE; }
static double fig_talking (const WbEndpoint *ep) { return ep->talking; }

static const struct {
  const char *name;
  const char *type;
  const char *help;
  EndpointFigure figure;
} endpoint_metrics[] = {
  { "wardbridge_endpoint_loss_percent", "gauge", "Received RTP packets lost, percent.", fig_loss },
  { "wardbridge_endpoint_jitter_ms", "gauge", "Interarrival jitter of received RTP.", fig_jitter },
  { "wardbridge_endpoint_rx_kbps", "gauge", "Bit rate received from the ward.", fig_rx },
  { "wardbridge_endpoint_tx_kbps", "gauge", "Bit rate sent to the ward.", fig_tx },
  { "wardbridge_endpoint_drops_total", "counter", "Datagrams from the ward dropped at ingress.", fig_drops },
  { "wardbridge_endpoint_audio_overflow_total", "counter",
    "Decoded audio blocks of the ward dropped because the mixer fell more than 320 ms behind them (audio-jitter=inline).",
    fig_overflow },
  { "wardbridge_endpoint_remote_loss_percent", "gauge",
    "The hub's audio lost on the way to the ward, percent, as its box last reported (RTCP).", fig_remote_loss },
  { "wardbridge_endpoint_audio_fec_percent", "gauge",
    "Loss the hub's Opus encoder for the ward plans its in-band FEC for.", fig_fec },
  { "wardbridge_endpoint_live", "gauge", "1 when the ward's media is flowing.", fig_live },
  { "wardbridge_endpoint_talking", "gauge", "1 while the ward is talking.", fig_talking },
};

static void
append_endpoint_metrics (WbRequest *request, GString *out)
{
  g_autoptr (GPtrArray) endpoints = wb_endpoint_registry_list (wb_api_get_registry (request->api));

  for (guint m = 0; m < G_N_ELEMENTS (endpoint_metrics); m++) {
    g_string_append_printf (out, "# HELP %s %s\n# TYPE %s %s\n", endpoint_metrics[m].name,
                            endpoint_metrics[m].help, endpoint_metrics[m].name, endpoint_metrics[m].type);
    for (guint i = 0; i < endpoints->len; i++) {
      const WbEndpoint *ep = endpoints->pdata[i];
      char number[G_ASCII_DTOSTR_BUF_SIZE];

      g_string_append_printf (out, "%s{endpoint=\"", endpoint_metrics[m].name);
      append_label (out, ep->id);
      g_string_append_printf (out, "\"} %s\n",
                              g_ascii_dtostr (number, sizeof number, endpoint_metrics[m].figure (ep)));
    }
  }
}

static void
append_conference_metrics (WbRequest *request, GString *out)
{
  WbConferenceControl *control = wb_api_get_conferences (request->api);
  g_autoptr (GPtrArray) conferences = NULL;
  static const struct {
    const char *name;
    const char *type;
    const char *help;
  } names[] = {
    { "wardbridge_conference_participants", "gauge", "Wards in the conference." },
    { "wardbridge_conference_audio_encodes_total", "counter", "Audio frames encoded for the wards' mixes: each talking ward's own mix-minus, plus one shared Opus encode of the full mix that every silent Opus ward is sent (G.711 wards encode their own)." },
    { "wardbridge_conference_video_encodes_total", "counter", "Video frames encoded." },
    { "wardbridge_conference_mixer_deadline_misses_total", "counter", "Mixer periods that missed their deadline." },
  };

  if (control == NULL)
    return;
  conferences = wb_conference_control_list (control);

  for (guint m = 0; m < G_N_ELEMENTS (names); m++) {
    g_string_append_printf (out, "# HELP %s %s\n# TYPE %s %s\n", names[m].name, names[m].help,
                            names[m].name, names[m].type);
    for (guint i = 0; i < conferences->len; i++) {
      const WbConferenceInfo *info = conferences->pdata[i];
      guint64 values[] = { info->participants->len, info->audio_encodes, info->video_encodes,
                           info->mixer_deadline_misses };

      g_string_append_printf (out, "%s{conference=\"", names[m].name);
      append_label (out, info->id);
      g_string_append_printf (out, "\"} %" G_GUINT64_FORMAT "\n", values[m]);
    }
  }
}

static void
append_process_metrics (GString *out)
{
  g_autofree char *stat = NULL;
  g_autofree char *statm = NULL;
  long ticks = sysconf (_SC_CLK_TCK);
  long page = sysconf (_SC_PAGESIZE);

  if (g_file_get_contents ("/proc/self/stat", &stat, NULL, NULL)) {
    /* Fields after the command name, which is in parentheses and may hold
     * spaces: state is field 3, utime 14, stime 15. */
    const char *p = strrchr (stat, ')');
    g_auto (GStrv) fields = p != NULL ? g_strsplit (p + 2, " ", 16) : NULL;

    if (fields != NULL && g_strv_length (fields) > 12 && ticks > 0) {
      double cpu = (g_ascii_strtod (fields[11], NULL) + g_ascii_strtod (fields[12], NULL)) / ticks;
      char number[G_ASCII_DTOSTR_BUF_SIZE];

      g_string_append_printf (out,
                              "# HELP process_cpu_seconds_total User and system CPU time of the hub.\n"
                              "# TYPE process_cpu_seconds_total counter\n"
                              "process_cpu_seconds_total %s\n",
                              g_ascii_dtostr (number, sizeof number, cpu));
    }
  }
  if (g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL)) {
    g_auto (GStrv) fields = g_strsplit (statm, " ", 3);

    if (g_strv_length (fields) >= 2 && page > 0)
      g_string_append_printf (out,
                              "# HELP process_resident_memory_bytes Resident memory of the hub.\n"
                              "# TYPE process_resident_memory_bytes gauge\n"
                              "process_resident_memory_bytes %" G_GUINT64_FORMAT "\n"
                              "# HELP process_virtual_memory_bytes Virtual memory of the hub.\n"
                              "# TYPE process_virtual_memory_bytes gauge\n"
                              "process_virtual_memory_bytes %" G_GUINT64_FORMAT "\n",
                              g_ascii_strtoull (fields[1], NULL, 10) * (guint64) page,
                              g_ascii_strtoull (fields[0], NULL, 10) * (guint64) page);
  }
}

static void
metrics (WbRequest *request)
{
  GString *out;

  /* Link figures say which wards are up: only for the monitoring hosts of
   * [http] metrics-allow. */
  if (!wb_config_metrics_allowed (wb_api_get_config (request->api), request->remote_host)) {
    wb_request_respond_problem (request, 403, "forbidden",
                                "metrics are served only to the addresses of [http] metrics-allow",
                                NULL, NULL);
    return;
  }

  out = g_string_new (NULL);

  append_endpoint_metrics (request, out);
  append_conference_metrics (request, out);
  wb_api_append_metrics (request->api, out);
  append_process_metrics (out);
  wb_request_respond_text (request, 200, "text/plain; version=0.0.4; charset=utf-8",
                           g_string_free (out, FALSE));
}

const WbRoute wb_routes_system[] = {
  { "GET", "/healthz", WB_ROLE_NONE, 0, healthz, NULL },
  { "GET", "/metrics", WB_ROLE_NONE, 0, metrics, NULL },
  { "GET", "/api/v1/openapi.json", WB_ROLE_NONE, 0, openapi, NULL },
  { "GET", "/api/v1/events", WB_ROLE_ANY, 0, events, NULL },
  { "GET", "/", WB_ROLE_NONE, 0, console, NULL },
  { "GET", "/assets/{name}", WB_ROLE_NONE, 0, console_asset, NULL },
};
const gsize wb_routes_system_len = G_N_ELEMENTS (wb_routes_system);
