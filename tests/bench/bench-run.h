/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbBenchRun: one measurement of one server at one N: start it, join the
 * simulated wards, measure its CPU idle and under load, the wards' figures
 * over a steady window, then keyframes under a PLI storm; stop it.  Used by
 * the benchmark program and by its smoke test; the caller owns the result.
 */
#pragma once

#include "bench-load.h"
#include "bench-server.h"

G_BEGIN_DECLS

typedef struct {
  WbBenchServerKind kind;
  gboolean audio_only;     /* wards send and expect audio only */
  const char *program;     /* the server's program (the bench itself for naive) */
  guint n_wards;
  guint n_talkers;
  guint width;
  guint height;
  guint framerate;
  double idle_seconds;     /* joined, nothing sent: the server's floor */
  double warmup_seconds;
  double window_seconds;
  double pli_seconds;      /* 0: no PLI storm */
  double pli_rate;         /* per ward per second */
  gboolean count_encodes;  /* hub: count Opus encodes in its GStreamer debug log */
  guint expected_loss_percent;  /* Opus in-band FEC (hub, Janus); 0: none;
                                 * WB_BENCH_LOSS_AUTO: the hub's default */
  const char *hub_media;   /* hub: more [media] lines ("key=value\n"), or NULL */
  const char *suffix;      /* added to the run's name, or NULL */
} WbBenchRunOptions;


typedef struct {
  char *target;            /* "wardbridged", "wardbridged-audio", ... */
  WbBenchServerKind kind;
  gboolean audio_only;
  guint n_wards;
  guint n_talkers;
  guint expected_loss_percent;
  double idle_cpu_pct;     /* % of one core */
  double cpu_pct;
  double generator_cpu_pct;     /* this process, sending and receiving */
  guint64 rss_kb;
  WbBenchWindow window;
  double audio_encodes_per_s;   /* the hub's own counters; -1 where not exposed */
  double video_encodes_per_s;
  double mixer_misses_per_s;    /* the hub's late mix blocks; -1 where not exposed */
  double opus_encodes_per_s;    /* opusenc's own debug lines; -1 unless counted */
  double pli_keyframes_per_s;   /* -1 without a PLI storm */
  double pli_sent_per_s;
  double context_switches_per_s;        /* all the server's threads; -1 unknown */
  gboolean real_time;
  /* The busiest thread names over the window, "name pct" (% of one core),
   * busiest first. */
  GPtrArray *threads;
} WbBenchRun;

WbBenchRun *wb_bench_run (const WbBenchRunOptions  *options,
                          WbBenchClips             *clips,
                          GError                  **error);
void wb_bench_run_free (WbBenchRun *run);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WbBenchRun, wb_bench_run_free)

G_END_DECLS
