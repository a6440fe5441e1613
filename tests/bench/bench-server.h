/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbBenchServer: one server under test, run as its own process so that its
 * CPU and memory can be read from /proc: wardbridged (joined through its
 * HTTP API), the naive GStreamer graph (one audiomixer and one Opus encoder
 * per ward, see bench-naive.h), or Janus AudioBridge with plain-RTP
 * participants.  Owned by the benchmark's main(); all calls block on HTTP
 * for at most a few seconds and are made outside the measured windows.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* [media] audio-expected-loss-percent=auto, the hub's default: its encoders
 * follow the loss the boxes report in RTCP.  The bench's wards send no
 * RTCP, as boxes on a clean link would report none: the hub plans no FEC,
 * and the naive graph is given 0 alike. */
#define WB_BENCH_LOSS_AUTO G_MAXUINT

typedef enum {
  WB_BENCH_SERVER_HUB,
  WB_BENCH_SERVER_NAIVE,
  WB_BENCH_SERVER_JANUS,
} WbBenchServerKind;

typedef struct {
  WbBenchServerKind kind;
  const char *program;     /* wardbridged, the bench itself (naive), or janus */
  guint n_wards;
  guint width;             /* composite */
  guint height;
  guint framerate;
  /* The loss the Opus encoders plan for with in-band FEC (0: none), the
   * hub's audio-expected-loss-percent and Janus' expected_loss alike. */
  guint expected_loss_percent;       /* WB_BENCH_LOSS_AUTO: the hub's default */
  const char *hub_media;   /* hub only: more "key=value\n" lines for [media], or NULL */
  const guint *ward_audio_ports;   /* naive only: where the graph sends each ward's mix */
  const guint *ward_video_ports;
  const char *log_path;    /* the server's stderr and stdout */
  const char *gst_debug;   /* GST_DEBUG for the server, its log in a file of its own */
} WbBenchServerOptions;

typedef struct _WbBenchServer WbBenchServer;

WbBenchServer *wb_bench_server_start (const WbBenchServerOptions  *options,
                                      GError                     **error);
void wb_bench_server_free (WbBenchServer *server);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WbBenchServer, wb_bench_server_free)

const char *wb_bench_server_kind_name (WbBenchServerKind kind);

/* Joins ward @i, which listens on @audio_port/@video_port (RTCP on +1;
 * @video_port 0 for audio only), and says where it must send. */
gboolean wb_bench_server_join (WbBenchServer  *server,
                               guint           i,
                               guint           audio_port,
                               guint           video_port,
                               guint          *server_audio_port,
                               guint          *server_video_port,
                               GError        **error);

/* The sum of a Prometheus counter over its labels in the hub's /metrics;
 * -1 when the hub does not expose it (or the server is not the hub). */
double wb_bench_server_metric (WbBenchServer *server, const char *name);

GPid wb_bench_server_get_pid (WbBenchServer *server);

/* Lines of the server's GStreamer debug log (options.gst_debug) that hold
 * @needle so far; -1 without such a log. */
gint64 wb_bench_server_count_debug_lines (WbBenchServer *server, const char *needle);

/* CPU seconds (user + system) and resident memory of @pid. */
gboolean wb_bench_proc_sample (GPid pid, double *cpu_seconds, guint64 *rss_kb);

/* CPU seconds of each thread name of @pid (threads of the same name add
 * up: GStreamer names its streaming threads after the element's pad). */
GHashTable *wb_bench_proc_threads (GPid pid);
/* Context switches (voluntary and not) of all of @pid's threads so far;
 * -1 when unreadable. */
double wb_bench_proc_context_switches (GPid pid);

/* Reserves @n even/odd UDP port pairs on 127.0.0.1 that were free a moment
 * ago, for servers that bind them themselves. */
gboolean wb_bench_free_port_pairs (guint n, guint *ports, GError **error);

G_END_DECLS
