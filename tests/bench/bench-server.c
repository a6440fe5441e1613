/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbBenchServer: start, join and stop the servers that the benchmarks
 * measure (see bench-server.h).  Each runs in a temporary directory of its
 * own that is removed when it stops.
 */
#include "bench-server.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench-naive.h"

#define ADMIN_TOKEN "bench-admin-token-0123456789"
#define JANUS_ROOM 4242
#define START_TIMEOUT_US (60 * G_USEC_PER_SEC)

struct _WbBenchServer {
  WbBenchServerOptions options;
  guint *ward_audio_ports;       /* naive: copies of the options' arrays */
  guint *ward_video_ports;
  char *dir;                     /* temporary, owned */
  char *log_path;
  char *debug_path;              /* GST_DEBUG_FILE, when options.gst_debug */
  GSubprocess *process;
  SoupSession *session;
  char *base_url;                /* hub: http://127.0.0.1:PORT ; janus: http://127.0.0.1:PORT/janus */
  char *conference;              /* hub */
  guint *listen_ports;           /* naive: 2 per ward (audio, video) */
  guint64 janus_session;
  guint64 *janus_handles;        /* one per ward */
};

const char *
wb_bench_server_kind_name (WbBenchServerKind kind)
{
  switch (kind) {
    case WB_BENCH_SERVER_HUB: return "wardbridged";
    case WB_BENCH_SERVER_NAIVE: return "naive-gst";
    case WB_BENCH_SERVER_JANUS: return "janus-audiobridge";
    default: return "?";
  }
}

/* ---- /proc ------------------------------------------------------------------ */

gboolean
wb_bench_proc_sample (GPid pid, double *cpu_seconds, guint64 *rss_kb)
{
  g_autofree char *stat_path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *status_path = g_strdup_printf ("/proc/%d/status", (int) pid);
  g_autofree char *stat = NULL;
  g_autofree char *status = NULL;
  g_auto (GStrv) fields = NULL;
  const char *p, *rss;
  long ticks = sysconf (_SC_CLK_TCK);

  if (!g_file_get_contents (stat_path, &stat, NULL, NULL) ||
      !g_file_get_contents (status_path, &status, NULL, NULL))
    return FALSE;
  /* After the command name in parentheses: state is field 3, utime 14, stime 15. */
  p = strrchr (stat, ')');
  if (p == NULL || ticks <= 0)
    return FALSE;
  fields = g_strsplit (p + 2, " ", 16);
  if (g_strv_length (fields) < 14)
    return FALSE;
  *cpu_seconds = (g_ascii_strtod (fields[11], NULL) + g_ascii_strtod (fields[12], NULL)) / ticks;
  rss = strstr (status, "VmRSS:");
  *rss_kb = rss ? g_ascii_strtoull (rss + strlen ("VmRSS:"), NULL, 10) : 0;
  return TRUE;
}

GHashTable *
wb_bench_proc_threads (GPid pid)
{
  g_autofree char *task_path = g_strdup_printf ("/proc/%d/task", (int) pid);
  g_autoptr (GDir) dir = g_dir_open (task_path, 0, NULL);
  GHashTable *threads = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  long ticks = sysconf (_SC_CLK_TCK);
  const char *tid;

  while (dir != NULL && ticks > 0 && (tid = g_dir_read_name (dir)) != NULL) {
    g_autofree char *stat_path = g_build_filename (task_path, tid, "stat", NULL);
    g_autofree char *stat = NULL;
    g_auto (GStrv) fields = NULL;
    const char *open_paren, *close_paren;
    double *sum;
    char *name;

    if (!g_file_get_contents (stat_path, &stat, NULL, NULL) ||
        !(open_paren = strchr (stat, '(')) || !(close_paren = strrchr (stat, ')')))
      continue;
    fields = g_strsplit (close_paren + 2, " ", 16);
    if (g_strv_length (fields) < 14)
      continue;
    name = g_strndup (open_paren + 1, (gsize) (close_paren - open_paren - 1));
    sum = g_hash_table_lookup (threads, name);
    if (sum == NULL) {
      sum = g_new0 (double, 1);
      g_hash_table_insert (threads, name, sum);
    } else {
      g_free (name);
    }
    *sum += (g_ascii_strtod (fields[11], NULL) + g_ascii_strtod (fields[12], NULL)) / ticks;
  }
  return threads;
}

double
wb_bench_proc_context_switches (GPid pid)
{
  g_autofree char *task_path = g_strdup_printf ("/proc/%d/task", (int) pid);
  g_autoptr (GDir) dir = g_dir_open (task_path, 0, NULL);
  const char *tid;
  double sum = 0;

  if (dir == NULL)
    return -1;
  while ((tid = g_dir_read_name (dir)) != NULL) {
    g_autofree char *status_path = g_build_filename (task_path, tid, "status", NULL);
    g_autofree char *status = NULL;
    const char *keys[] = { "voluntary_ctxt_switches:", "nonvoluntary_ctxt_switches:" };

    if (!g_file_get_contents (status_path, &status, NULL, NULL))
      continue;                 /* the thread ended meanwhile */
    for (guint i = 0; i < G_N_ELEMENTS (keys); i++) {
      const char *at = strstr (status, keys[i]);

      /* "voluntary_..." is found inside "nonvoluntary_..." only after it. */
      if (at != NULL)
        sum += g_ascii_strtod (at + strlen (keys[i]), NULL);
    }
  }
  return sum;
}

/* ---- ports -------------------------------------------------------------------- */

static GSocket *
bind_loopback (GSocketType type, guint port, GError **error)
{
  g_autoptr (GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, type, 0, error);
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (loopback, port);

  if (socket == NULL || !g_socket_bind (socket, address, FALSE, error))
    return NULL;
  return g_steal_pointer (&socket);
}

static guint
bound_port (GSocket *socket)
{
  g_autoptr (GSocketAddress) address = g_socket_get_local_address (socket, NULL);

  return address ? g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)) : 0;
}

gboolean
wb_bench_free_port_pairs (guint n, guint *ports, GError **error)
{
  g_autoptr (GPtrArray) held = g_ptr_array_new_with_free_func (g_object_unref);
  guint found = 0;

  /* Hold every pair until all are found, so that none is handed out twice. */
  for (guint attempt = 0; found < n && attempt < 100 * n; attempt++) {
    g_autoptr (GSocket) rtp = bind_loopback (G_SOCKET_TYPE_DATAGRAM, 0, error);
    GSocket *rtcp;
    guint port;

    if (rtp == NULL)
      return FALSE;
    port = bound_port (rtp);
    if (port % 2 != 0 || port >= 65534 || !(rtcp = bind_loopback (G_SOCKET_TYPE_DATAGRAM, port + 1, NULL)))
      continue;
    g_ptr_array_add (held, g_steal_pointer (&rtp));
    g_ptr_array_add (held, rtcp);
    ports[found++] = port;
  }
  if (found < n) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE, "only %u free UDP port pairs of %u", found, n);
    return FALSE;
  }
  return TRUE;
}

static guint
free_tcp_port (GError **error)
{
  g_autoptr (GSocket) socket = bind_loopback (G_SOCKET_TYPE_STREAM, 0, error);

  return socket ? bound_port (socket) : 0;
}

/* ---- HTTP --------------------------------------------------------------------- */

static JsonNode *
http_json (WbBenchServer  *server,
           const char     *method,
           const char     *url,
           const char     *token,
           const char     *body,
           guint          *status,
           GError        **error)
{
  g_autoptr (SoupMessage) msg = soup_message_new (method, url);
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();

  if (msg == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "bad URL %s", url);
    return NULL;
  }
  if (token != NULL) {
    g_autofree char *auth = g_strdup_printf ("Bearer %s", token);

    soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  }
  if (body != NULL) {
    g_autoptr (GBytes) bytes = g_bytes_new (body, strlen (body));

    soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  }
  reply = soup_session_send_and_read (server->session, msg, NULL, error);
  if (reply == NULL)
    return NULL;
  *status = soup_message_get_status (msg);
  if (g_bytes_get_size (reply) == 0)
    return json_node_new (JSON_NODE_NULL);
  if (!json_parser_load_from_data (parser, g_bytes_get_data (reply, NULL), (gssize) g_bytes_get_size (reply), error)) {
    g_prefix_error (error, "%s %s: ", method, url);
    return NULL;
  }
  return json_node_copy (json_parser_get_root (parser));
}

static JsonObject *
expect_object (JsonNode *node, guint status, guint want, const char *what, GError **error)
{
  if (status != want || !JSON_NODE_HOLDS_OBJECT (node)) {
    g_autofree char *text = node ? json_to_string (node, FALSE) : g_strdup ("");

    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: HTTP %u %s", what, status, text);
    return NULL;
  }
  return json_node_get_object (node);
}

/* ---- processes ------------------------------------------------------------------ */

static gboolean
remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL) {
    g_autofree char *child = g_build_filename (path, name, NULL);

    if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
      remove_tree (child);
    else
      g_unlink (child);
  }
  return g_rmdir (path) == 0;
}

static gboolean
spawn (WbBenchServer *server, const char *const *argv, GError **error)
{
  g_autoptr (GSubprocessLauncher) launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);

  g_subprocess_launcher_unsetenv (launcher, "NOTIFY_SOCKET");
  g_subprocess_launcher_unsetenv (launcher, "WATCHDOG_USEC");
  g_subprocess_launcher_set_stdout_file_path (launcher, server->log_path);
  if (server->options.gst_debug != NULL) {
    server->debug_path = g_build_filename (server->dir, "gst-debug.log", NULL);
    g_subprocess_launcher_setenv (launcher, "GST_DEBUG", server->options.gst_debug, TRUE);
    g_subprocess_launcher_setenv (launcher, "GST_DEBUG_FILE", server->debug_path, TRUE);
    g_subprocess_launcher_setenv (launcher, "GST_DEBUG_NO_COLOR", "1", TRUE);
  }
  server->process = g_subprocess_launcher_spawnv (launcher, argv, error);
  return server->process != NULL;
}

static gboolean
still_running (WbBenchServer *server, GError **error)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
  if (g_subprocess_get_identifier (server->process) == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s exited at start; see %s",
                 wb_bench_server_kind_name (server->options.kind), server->log_path);
    return FALSE;
  }
  return TRUE;
}

GPid
wb_bench_server_get_pid (WbBenchServer *server)
{
  const char *id = g_subprocess_get_identifier (server->process);

  return id ? (GPid) atoi (id) : 0;
}

void
wb_bench_server_free (WbBenchServer *server)
{
  if (server == NULL)
    return;
  if (server->process != NULL && g_subprocess_get_identifier (server->process) != NULL) {
    gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

    g_subprocess_send_signal (server->process, SIGTERM);
    while (g_subprocess_get_identifier (server->process) != NULL && g_get_monotonic_time () < deadline) {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10000);
    }
    if (g_subprocess_get_identifier (server->process) != NULL) {
      g_subprocess_force_exit (server->process);
      g_subprocess_wait (server->process, NULL, NULL);
    }
  }
  g_clear_object (&server->process);
  g_clear_object (&server->session);
  if (server->dir != NULL)
    remove_tree (server->dir);
  g_free (server->dir);
  g_free (server->log_path);
  g_free (server->debug_path);
  g_free (server->base_url);
  g_free (server->conference);
  g_free (server->listen_ports);
  g_free (server->janus_handles);
  g_free (server->ward_audio_ports);
  g_free (server->ward_video_ports);
  g_free (server);
}

/* ---- wardbridged ---------------------------------------------------------------- */

static gboolean
write_hub_config (WbBenchServer *server, const char *path, GError **error)
{
  const WbBenchServerOptions *o = &server->options;
  g_autoptr (GString) conf = g_string_new (NULL);
  guint port_min = 20000 + 2 * g_random_int_range (0, 10000);
  g_autofree char *loss = o->expected_loss_percent == WB_BENCH_LOSS_AUTO
    ? g_strdup ("auto") : g_strdup_printf ("%u", o->expected_loss_percent);

  g_string_append_printf (conf,
                          "[hub]\npublic-address=127.0.0.1\nrtp-port-min=%u\nrtp-port-max=%u\n\n"
                          "[http]\naddress=127.0.0.1\nport=0\n\n"
                          "[media]\nwidth=%u\nheight=%u\nframerate=%u\nvideo-bitrate-kbps=1500\n"
                          "audio-bitrate-kbps=32\naudio-expected-loss-percent=%s\njitter-ms=40\n"
                          "layout=grid\n%s\n"
                          "[store]\nstate-dir=%s\n\n[auth]\nadmin-tokens=" ADMIN_TOKEN "\n\n",
                          port_min, port_min + 999, o->width, o->height, o->framerate,
                          loss, o->hub_media ? o->hub_media : "", server->dir);
  for (guint i = 1; i <= MAX (o->n_wards, 32); i++)
    g_string_append_printf (conf,
                            "[endpoint ward-%02u]\nname=Phường %02u\nkind=phuong\nmode=agent\n"
                            "token=bench-ward-%02u-token-0123456789\n\n", i, i, i);
  return g_file_set_contents (path, conf->str, (gssize) conf->len, error);
}

static gboolean
hub_wait_ready (WbBenchServer *server, GError **error)
{
  gint64 deadline = g_get_monotonic_time () + START_TIMEOUT_US;

  while (g_get_monotonic_time () < deadline) {
    g_autofree char *log = NULL;
    const char *at;

    if (!still_running (server, error))
      return FALSE;
    if (g_file_get_contents (server->log_path, &log, NULL, NULL) &&
        (at = strstr (log, "listening on http://127.0.0.1:")) != NULL) {
      guint port = (guint) g_ascii_strtoull (at + strlen ("listening on http://127.0.0.1:"), NULL, 10);

      server->base_url = g_strdup_printf ("http://127.0.0.1:%u", port);
      return TRUE;
    }
    g_usleep (50000);
  }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "wardbridged did not say where it listens; see %s",
               server->log_path);
  return FALSE;
}

static gboolean
hub_start_conference (WbBenchServer *server, GError **error)
{
  g_autoptr (GString) body = g_string_new ("{\"title\":\"bench\",\"layout\":\"grid\",\"record\":false,\"endpoints\":[");
  g_autofree char *url = g_strdup_printf ("%s/api/v1/conferences", server->base_url);
  g_autoptr (JsonNode) reply = NULL;
  JsonObject *obj;
  guint status = 0;

  for (guint i = 1; i <= server->options.n_wards; i++)
    g_string_append_printf (body, "%s\"ward-%02u\"", i > 1 ? "," : "", i);
  g_string_append (body, "]}");
  reply = http_json (server, "POST", url, ADMIN_TOKEN, body->str, &status, error);
  if (reply == NULL || !(obj = expect_object (reply, status, 201, "starting the conference", error)))
    return FALSE;
  server->conference = g_strdup (json_object_get_string_member_with_default (obj, "id", ""));
  return TRUE;
}

static gboolean
start_hub (WbBenchServer *server, GError **error)
{
  g_autofree char *conf = g_build_filename (server->dir, "wardbridged.conf", NULL);
  const char *argv[] = { server->options.program, "--config", conf, "--state-dir", server->dir, NULL };

  return write_hub_config (server, conf, error) && spawn (server, argv, error) &&
         hub_wait_ready (server, error) && hub_start_conference (server, error);
}

static gboolean
hub_join (WbBenchServer *server, guint i, guint audio_port, guint video_port,
          guint *hub_audio, guint *hub_video, GError **error)
{
  g_autofree char *url = g_strdup_printf ("%s/api/v1/endpoints/ward-%02u/join", server->base_url, i + 1);
  g_autofree char *token = g_strdup_printf ("bench-ward-%02u-token-0123456789", i + 1);
  g_autofree char *body = g_strdup_printf ("{\"audio_port\":%u,\"video_port\":%u}", audio_port, video_port);
  g_autoptr (JsonNode) reply = NULL;
  JsonObject *obj, *hub;
  guint status = 0;

  reply = http_json (server, "POST", url, token, body, &status, error);
  if (reply == NULL || !(obj = expect_object (reply, status, 200, "join", error)))
    return FALSE;
  hub = json_object_get_object_member (obj, "hub");
  if (hub == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "join answer without \"hub\"");
    return FALSE;
  }
  *hub_audio = (guint) json_object_get_int_member_with_default (hub, "audio_port", 0);
  *hub_video = (guint) json_object_get_int_member_with_default (hub, "video_port", 0);
  return TRUE;
}

double
wb_bench_server_metric (WbBenchServer *server, const char *name)
{
  g_autofree char *url = NULL;
  g_autoptr (SoupMessage) msg = NULL;
  g_autoptr (GBytes) reply = NULL;
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  gsize name_len = strlen (name);
  double sum = 0;
  gboolean found = FALSE;

  if (server->options.kind != WB_BENCH_SERVER_HUB)
    return -1;
  url = g_strdup_printf ("%s/metrics", server->base_url);
  msg = soup_message_new ("GET", url);
  reply = soup_session_send_and_read (server->session, msg, NULL, NULL);
  if (reply == NULL || soup_message_get_status (msg) != 200)
    return -1;
  text = g_strndup (g_bytes_get_data (reply, NULL), g_bytes_get_size (reply));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++) {
    const char *value;

    if (strncmp (lines[i], name, name_len) != 0 || (lines[i][name_len] != '{' && lines[i][name_len] != ' '))
      continue;
    value = strrchr (lines[i], ' ');
    if (value != NULL) {
      sum += g_ascii_strtod (value + 1, NULL);
      found = TRUE;
    }
  }
  return found ? sum : -1;
}

gint64
wb_bench_server_count_debug_lines (WbBenchServer *server, const char *needle)
{
  g_autoptr (GMappedFile) file = NULL;
  const char *data, *end, *at;
  gsize needle_len = strlen (needle);
  gint64 count = 0;

  if (server->debug_path == NULL ||
      !(file = g_mapped_file_new (server->debug_path, FALSE, NULL)))
    return -1;
  data = g_mapped_file_get_contents (file);
  end = data + g_mapped_file_get_length (file);
  for (at = data; data != NULL && at < end; at += needle_len) {
    at = memmem (at, (gsize) (end - at), needle, needle_len);
    if (at == NULL)
      break;
    count++;
  }
  return count;
}

/* ---- the naive graph -------------------------------------------------------------- */

static gboolean
start_naive (WbBenchServer *server, GError **error)
{
  guint n = server->options.n_wards;
  g_autofree char *description = NULL;
  const char *argv[] = { server->options.program, "--serve-naive", NULL, NULL };
  gint64 deadline = g_get_monotonic_time () + START_TIMEOUT_US;

  server->listen_ports = g_new0 (guint, 2 * n);
  if (!wb_bench_free_port_pairs (2 * n, server->listen_ports, error))
    return FALSE;
  description = wb_bench_naive_describe (n, server->listen_ports, server->ward_audio_ports,
                                         server->ward_video_ports, server->options.width,
                                         server->options.height, server->options.framerate,
                                         server->options.expected_loss_percent == WB_BENCH_LOSS_AUTO
                                         ? 0 : server->options.expected_loss_percent);
  argv[2] = description;
  if (!spawn (server, argv, error))
    return FALSE;
  /* The graph says when it plays. */
  while (g_get_monotonic_time () < deadline) {
    g_autofree char *log = NULL;

    if (!still_running (server, error))
      return FALSE;
    if (g_file_get_contents (server->log_path, &log, NULL, NULL) && strstr (log, WB_BENCH_NAIVE_READY))
      return TRUE;
    g_usleep (50000);
  }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "the naive graph did not start; see %s",
               server->log_path);
  return FALSE;
}

/* ---- Janus AudioBridge ------------------------------------------------------------ */

static char *
janus_disable_list (const char *folder, const char *keep)
{
  g_autoptr (GDir) dir = g_dir_open (folder, 0, NULL);
  g_autoptr (GString) list = g_string_new (NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL) {
    if (!g_str_has_suffix (name, ".so") || strcmp (name, keep) == 0)
      continue;
    g_string_append_printf (list, "%s%s", list->len ? "," : "", name);
  }
  return g_string_free (g_steal_pointer (&list), FALSE);
}

static JsonObject *
janus_call (WbBenchServer *server, const char *path, const char *body, JsonNode **holder, GError **error)
{
  g_autofree char *url = g_strdup_printf ("%s%s", server->base_url, path);
  guint status = 0;
  JsonObject *obj;
  const char *janus;

  *holder = http_json (server, body ? "POST" : "GET", url, NULL, body, &status, error);
  if (*holder == NULL || !(obj = expect_object (*holder, status, 200, path, error)))
    return NULL;
  janus = json_object_get_string_member_with_default (obj, "janus", "");
  if (strcmp (janus, "error") == 0) {
    g_autofree char *text = json_to_string (*holder, FALSE);

    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "janus: %s", text);
    return NULL;
  }
  return obj;
}

static guint64
janus_attach (WbBenchServer *server, GError **error)
{
  g_autofree char *path = g_strdup_printf ("/%" G_GUINT64_FORMAT, server->janus_session);
  g_autoptr (JsonNode) holder = NULL;
  JsonObject *obj = janus_call (server, path,
                                "{\"janus\":\"attach\",\"plugin\":\"janus.plugin.audiobridge\","
                                "\"transaction\":\"attach\"}", &holder, error);
  JsonObject *data = obj ? json_object_get_object_member (obj, "data") : NULL;

  return data ? (guint64) json_object_get_int_member (data, "id") : 0;
}

/* Where Janus keeps its plugins: Debian's multiarch folder, or a build
 * from source. */
static const char *
janus_lib_folder (void)
{
  static const char *const candidates[] = {
    "/usr/lib/x86_64-linux-gnu/janus", "/usr/lib/aarch64-linux-gnu/janus",
    "/usr/lib/janus", "/usr/local/lib/janus", "/opt/janus/lib/janus",
  };

  for (guint i = 0; i < G_N_ELEMENTS (candidates); i++) {
    g_autofree char *bridge = g_build_filename (candidates[i], "plugins", "libjanus_audiobridge.so", NULL);

    if (g_file_test (bridge, G_FILE_TEST_EXISTS))
      return candidates[i];
  }
  return candidates[0];
}

static gboolean
start_janus (WbBenchServer *server, GError **error)
{
  const char *lib = janus_lib_folder ();
  g_autofree char *plugins = g_build_filename (lib, "plugins", NULL);
  g_autofree char *transports = g_build_filename (lib, "transports", NULL);
  g_autofree char *no_plugins = janus_disable_list (plugins, "libjanus_audiobridge.so");
  g_autofree char *no_transports = janus_disable_list (transports, "libjanus_http.so");
  g_autofree char *main_conf = NULL, *bridge_conf = NULL, *http_conf = NULL;
  g_autofree char *main_path = g_build_filename (server->dir, "janus.jcfg", NULL);
  g_autofree char *bridge_path = g_build_filename (server->dir, "janus.plugin.audiobridge.jcfg", NULL);
  g_autofree char *http_path = g_build_filename (server->dir, "janus.transport.http.jcfg", NULL);
  g_autofree char *create_room = NULL;
  g_autoptr (JsonNode) holder = NULL;
  const char *argv[] = { server->options.program, "--config", main_path, "--configs-folder", server->dir, NULL };
  guint http_port = free_tcp_port (error);
  guint rtp_min = 20000 + 2 * g_random_int_range (0, 10000);
  gint64 deadline = g_get_monotonic_time () + START_TIMEOUT_US;
  JsonObject *obj;

  if (http_port == 0)
    return FALSE;
  main_conf = g_strdup_printf ("general: {\n configs_folder = \"%s\"\n plugins_folder = \"%s\"\n"
                               " transports_folder = \"%s\"\n debug_level = 2\n session_timeout = 0\n}\n"
                               "media: {\n rtp_port_range = \"%u-%u\"\n}\n"
                               "nat: {\n nice_debug = false\n}\n"
                               "plugins: {\n disable = \"%s\"\n}\ntransports: {\n disable = \"%s\"\n}\n"
                               "events: {\n broadcast = false\n}\n",
                               server->dir, plugins, transports, rtp_min, rtp_min + 999,
                               no_plugins, no_transports);
  bridge_conf = g_strdup_printf ("general: {\n rtp_port_range = \"%u-%u\"\n local_ip = \"127.0.0.1\"\n}\n",
                                 rtp_min + 1000, rtp_min + 1999);
  http_conf = g_strdup_printf ("general: {\n base_path = \"/janus\"\n http = true\n port = %u\n"
                               " ip = \"127.0.0.1\"\n https = false\n}\nadmin: {\n admin_http = false\n"
                               " admin_https = false\n}\n", http_port);
  if (!g_file_set_contents (main_path, main_conf, -1, error) ||
      !g_file_set_contents (bridge_path, bridge_conf, -1, error) ||
      !g_file_set_contents (http_path, http_conf, -1, error) ||
      !spawn (server, argv, error))
    return FALSE;
  server->base_url = g_strdup_printf ("http://127.0.0.1:%u/janus", http_port);

  for (;;) {
    g_autoptr (GError) local = NULL;
    g_autoptr (JsonNode) info = NULL;

    if (!still_running (server, error))
      return FALSE;
    if (janus_call (server, "/info", NULL, &info, &local))
      break;
    if (g_get_monotonic_time () > deadline) {
      g_propagate_prefixed_error (error, g_steal_pointer (&local), "janus did not answer; see %s: ",
                                  server->log_path);
      return FALSE;
    }
    g_usleep (100000);
  }

  obj = janus_call (server, "", "{\"janus\":\"create\",\"transaction\":\"session\"}", &holder, error);
  if (obj == NULL)
    return FALSE;
  server->janus_session = (guint64) json_object_get_int_member (json_object_get_object_member (obj, "data"), "id");
  server->janus_handles = g_new0 (guint64, server->options.n_wards);
  for (guint i = 0; i < server->options.n_wards; i++)
    if (!(server->janus_handles[i] = janus_attach (server, error)))
      return FALSE;

  /* The room: 48 kHz, as the hub mixes. */
  create_room = g_strdup_printf ("/%" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT, server->janus_session,
                                 server->janus_handles[0]);
  g_clear_pointer (&holder, json_node_unref);
  obj = janus_call (server, create_room,
                    "{\"janus\":\"message\",\"transaction\":\"room\",\"body\":{\"request\":\"create\","
                    "\"room\":" G_STRINGIFY (JANUS_ROOM) ",\"sampling_rate\":48000,\"permanent\":false,\"allow_rtp_participants\":true}}",
                    &holder, error);
  return obj != NULL;
}

/* Waits for the "joined" event of @handle; other events are passed over. */
static gboolean
janus_wait_joined (WbBenchServer *server, guint64 handle, guint *port, GError **error)
{
  g_autofree char *path = g_strdup_printf ("/%" G_GUINT64_FORMAT "?maxev=50", server->janus_session);
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline) {
    g_autofree char *url = g_strdup_printf ("%s%s", server->base_url, path);
    g_autoptr (JsonNode) events = NULL;
    g_autoptr (JsonArray) single = NULL;
    JsonArray *list;
    guint status = 0;

    events = http_json (server, "GET", url, NULL, NULL, &status, error);
    if (events == NULL)
      return FALSE;
    if (JSON_NODE_HOLDS_ARRAY (events)) {
      list = json_node_get_array (events);
    } else if (JSON_NODE_HOLDS_OBJECT (events)) {
      single = json_array_new ();
      json_array_add_element (single, json_node_copy (events));
      list = single;
    } else {
      continue;
    }
    for (guint e = 0; e < json_array_get_length (list); e++) {
      JsonObject *event = json_array_get_object_element (list, e);
      JsonObject *plugindata, *data, *rtp;

      if (event == NULL || (guint64) json_object_get_int_member_with_default (event, "sender", 0) != handle ||
          !(plugindata = json_object_get_object_member (event, "plugindata")) ||
          !(data = json_object_get_object_member (plugindata, "data")))
        continue;
      if (json_object_has_member (data, "error")) {
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "janus join: %s",
                     json_object_get_string_member_with_default (data, "error", "?"));
        return FALSE;
      }
      if ((rtp = json_object_get_object_member (data, "rtp")) != NULL) {
        *port = (guint) json_object_get_int_member_with_default (rtp, "port", 0);
        return *port != 0;
      }
    }
  }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "janus: no joined event");
  return FALSE;
}

static gboolean
janus_join (WbBenchServer *server, guint i, guint audio_port, guint *janus_port, GError **error)
{
  g_autofree char *path = g_strdup_printf ("/%" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT,
                                           server->janus_session, server->janus_handles[i]);
  /* The hub's codec settings: 32 kb/s, 20 ms, complexity 10 (opusenc's
   * default; "quality" is Janus's name for it), in-band FEC for the same
   * expected loss.  "fec" alone does nothing: libopus adds FEC data only
   * when told to expect loss, and Janus tells it 0 unless "expected_loss"
   * says otherwise. */
  g_autofree char *body = g_strdup_printf (
      "{\"janus\":\"message\",\"transaction\":\"join-%u\",\"body\":{\"request\":\"join\","
      "\"room\":" G_STRINGIFY (JANUS_ROOM) ",\"display\":\"ward-%02u\",\"quality\":10,"
      "\"bitrate\":32000,\"expected_loss\":%u,"
      "\"rtp\":{\"ip\":\"127.0.0.1\",\"port\":%u,\"payload_type\":111,\"fec\":true}}}",
      i, i + 1, server->options.expected_loss_percent, audio_port);
  g_autoptr (JsonNode) holder = NULL;

  return janus_call (server, path, body, &holder, error) &&
         janus_wait_joined (server, server->janus_handles[i], janus_port, error);
}

/* ---- common ------------------------------------------------------------------------ */

WbBenchServer *
wb_bench_server_start (const WbBenchServerOptions  *options,
                       GError                     **error)
{
  g_autoptr (WbBenchServer) server = g_new0 (WbBenchServer, 1);
  gboolean ok = FALSE;

  server->options = *options;
  server->options.ward_audio_ports = server->options.ward_video_ports = NULL;
  if (options->ward_audio_ports != NULL) {
    server->ward_audio_ports = g_memdup2 (options->ward_audio_ports, options->n_wards * sizeof (guint));
    server->ward_video_ports = g_memdup2 (options->ward_video_ports, options->n_wards * sizeof (guint));
  }
  server->dir = g_dir_make_tmp ("wb-bench-XXXXXX", error);
  if (server->dir == NULL)
    return NULL;
  server->log_path = options->log_path ? g_strdup (options->log_path)
                                       : g_build_filename (server->dir, "server.log", NULL);
  server->session = soup_session_new_with_options ("timeout", 40, NULL);

  switch (options->kind) {
    case WB_BENCH_SERVER_HUB:
      ok = start_hub (server, error);
      break;
    case WB_BENCH_SERVER_NAIVE:
      ok = start_naive (server, error);
      break;
    case WB_BENCH_SERVER_JANUS:
      ok = start_janus (server, error);
      break;
  }
  return ok ? g_steal_pointer (&server) : NULL;
}

gboolean
wb_bench_server_join (WbBenchServer  *server,
                      guint           i,
                      guint           audio_port,
                      guint           video_port,
                      guint          *server_audio_port,
                      guint          *server_video_port,
                      GError        **error)
{
  g_return_val_if_fail (i < server->options.n_wards, FALSE);
  *server_audio_port = *server_video_port = 0;
  switch (server->options.kind) {
    case WB_BENCH_SERVER_HUB:
      return hub_join (server, i, audio_port, video_port, server_audio_port, server_video_port, error);
    case WB_BENCH_SERVER_NAIVE:
      /* The graph was built for these ports; nothing to ask. */
      *server_audio_port = server->listen_ports[2 * i];
      *server_video_port = server->listen_ports[2 * i + 1];
      return TRUE;
    case WB_BENCH_SERVER_JANUS:
      return janus_join (server, i, audio_port, server_audio_port, error);
  }
  return FALSE;
}
