/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbBenchLoad: N simulated ward boxes in one process.  Each ward has its own
 * UDP sockets on 127.0.0.1 (audio RTP/RTCP, video RTP/RTCP on even/odd
 * ports), replays pre-encoded clips (see bench-clip.h) from those sockets to
 * the server under test with its own SSRC, sequence numbers and timestamps,
 * and counts what comes back without decoding it.  Only one observer ward
 * decodes, to find the latency markers that ward 0 sends (a click, a white
 * frame).  Everything runs on the thread-default main context of the caller,
 * who owns the load.
 */
#pragma once

#include <gio/gio.h>

#include "bench-clip.h"

G_BEGIN_DECLS

typedef struct _WbBenchLoad WbBenchLoad;

typedef struct {
  guint n_wards;
  guint n_talkers;        /* wards 0..n_talkers-1 talk; ward 0 clicks */
  gboolean send_video;
  gboolean expect_video;  /* the server sends video back */
  guint canvas_width;     /* the composite the server sends, to find ward 0's tile */
  guint canvas_height;
} WbBenchLoadOptions;

/* The clips every load replays, made once. */
typedef struct {
  WbBenchClip *audio_click;
  WbBenchClip *audio_tone[2];
  WbBenchClip *audio_silence;
  WbBenchClip *video_marker;
  WbBenchClip *video_plain;
} WbBenchClips;

WbBenchClips *wb_bench_clips_new (guint framerate, GError **error);
void wb_bench_clips_free (WbBenchClips *clips);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WbBenchClips, wb_bench_clips_free)

/* Figures over one window (wb_bench_load_window_begin .. _end). */
typedef struct {
  double seconds;
  guint64 audio_packets;          /* received, all wards */
  guint64 video_packets;
  double audio_loss_pct_mean;     /* per ward, from sequence numbers */
  double audio_loss_pct_max;
  double video_loss_pct_mean;
  double video_loss_pct_max;
  guint wards_without_audio;      /* wards that received no audio in the window */
  guint wards_without_video;
  double audio_payloads_per_s;    /* distinct Opus payloads received, all wards together */
  double video_frames_per_s;      /* frames the observer received */
  double keyframes_per_s;         /* IDR pictures the observer received */
  double pli_per_s;               /* PLI that the wards sent */
  guint ssrc_changes;             /* audio SSRC changes seen by any ward */
  guint audio_ts_jumps;           /* consecutive audio packets whose timestamps are not one frame apart */
  GArray *audio_latency_ms;       /* double, one per click heard by the observer */
  GArray *video_latency_ms;       /* double, one per marker frame seen by the observer */
} WbBenchWindow;

void wb_bench_window_clear (WbBenchWindow *window);
double wb_bench_percentile (GArray *values, double fraction);

WbBenchLoad *wb_bench_load_new (const WbBenchLoadOptions  *options,
                                WbBenchClips              *clips,
                                GError                   **error);
void wb_bench_load_free (WbBenchLoad *load);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WbBenchLoad, wb_bench_load_free)

/* Ward @i's local ports (RTCP on +1). */
void wb_bench_load_get_ports (WbBenchLoad *load, guint i, guint *audio_port, guint *video_port);

/* Where ward @i sends: RTP to the ports, RTCP to the ports + 1. */
void wb_bench_load_set_peer (WbBenchLoad *load, guint i, const char *host,
                             guint audio_port, guint video_port);

/* Starts sending (wards with a peer) and receiving. */
void wb_bench_load_start (WbBenchLoad *load);

/* PLI (in a compound RTCP packet) that every ward sends per second to the
 * video RTCP port, naming the SSRC it receives video from; 0 stops. */
void wb_bench_load_set_pli_rate (WbBenchLoad *load, double per_second);

void wb_bench_load_window_begin (WbBenchLoad *load);
void wb_bench_load_window_end (WbBenchLoad *load, WbBenchWindow *window);

/* Runs the thread-default main context for @seconds. */
void wb_bench_run_for (double seconds);

G_END_DECLS
