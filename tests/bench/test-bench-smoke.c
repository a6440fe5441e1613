/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Smoke test of the benchmark harness (bench-hub): two wards for a few
 * seconds against wardbridged, the naive graph and (when installed) Janus.
 * It judges no speed: only that the clips carry their markers, that every
 * ward receives, that the markers are found and the figures are sane.
 */
#include <gst/gst.h>

#include "bench-run.h"

static WbBenchClips *clips;

static char *
build_path (const char *first, ...)
{
  const char *root = g_getenv ("WB_BUILD_ROOT");

  g_assert_nonnull (root);
  return g_build_filename (root, first, NULL);
}

static void
test_percentile (void)
{
  g_autoptr (GArray) values = g_array_new (FALSE, FALSE, sizeof (double));
  double v[] = { 40, 10, 30, 20, 50, 60, 70, 80, 90, 100 };

  g_assert_cmpfloat (wb_bench_percentile (values, 0.5), ==, -1);
  g_array_append_vals (values, v, G_N_ELEMENTS (v));
  g_assert_cmpfloat (wb_bench_percentile (values, 0.5), ==, 50);
  g_assert_cmpfloat (wb_bench_percentile (values, 0.95), ==, 100);
  g_assert_cmpfloat (wb_bench_percentile (values, 0.1), ==, 10);
  g_assert_cmpfloat (wb_bench_percentile (values, 1.0), ==, 100);
}

static guint
count_marks (WbBenchClip *clip)
{
  guint marks = 0;

  for (guint i = 0; i < clip->packets->len; i++)
    marks += g_array_index (clip->packets, WbBenchPacket, i).mark;
  return marks;
}

static void
test_clips (void)
{
  /* Two seconds: 100 Opus frames, 30 pictures, one click and one marker
   * frame a second, heard within the packet after the encoder's look-ahead. */
  g_assert_cmpuint (clips->audio_click->packets->len, ==, 100);
  g_assert_cmpuint (clips->audio_silence->packets->len, ==, 100);
  g_assert_cmpuint (count_marks (clips->audio_click), ==, 2);
  g_assert_cmpuint (count_marks (clips->audio_tone[0]), ==, 0);
  g_assert_cmpuint (clips->audio_click->click_offset, <, WB_BENCH_FRAME_SAMPLES);
  g_assert_cmpuint (count_marks (clips->video_marker), ==, 2);
  g_assert_cmpuint (count_marks (clips->video_plain), ==, 0);
  g_assert_cmpuint (clips->video_plain->duration_ts, ==, 2 * 90000);
  /* The last packet of the loop is due before the loop ends. */
  g_assert_cmpuint (g_array_index (clips->video_plain->packets, WbBenchPacket,
                                   clips->video_plain->packets->len - 1).at_us, <, 2 * G_USEC_PER_SEC);
}

static WbBenchRun *
smoke_run (WbBenchServerKind kind, const char *program)
{
  WbBenchRunOptions options = {
    .kind = kind,
    .program = program,
    .n_wards = 2,
    .n_talkers = 1,
    .width = 640,
    .height = 360,
    .framerate = 15,
    .idle_seconds = 0.5,
    .warmup_seconds = 2,
    .window_seconds = 5,
    .pli_seconds = kind == WB_BENCH_SERVER_HUB ? 2 : 0,
    .pli_rate = 5,
    .expected_loss_percent = 10,
  };
  g_autoptr (GError) error = NULL;
  WbBenchRun *run = wb_bench_run (&options, clips, &error);

  g_assert_no_error (error);
  g_assert_nonnull (run);
  return run;
}

static void
check_common (WbBenchRun *run, gboolean video)
{
  /* 2 wards x 50 packets/s x ~5 s, with wide bounds for a loaded machine. */
  g_assert_cmpuint (run->window.wards_without_audio, ==, 0);
  g_assert_cmpuint (run->window.audio_packets, >=, 2 * 50 * 5 / 4);
  g_assert_cmpuint (run->window.audio_packets, <=, 2 * 50 * 5 * 2);
  g_assert_cmpfloat (run->window.audio_loss_pct_max, >=, 0);
  g_assert_cmpfloat (run->window.audio_loss_pct_max, <=, 100);
  g_assert_cmpfloat (run->cpu_pct, >, 0);
  g_assert_cmpfloat (run->cpu_pct, <, 100.0 * g_get_num_processors () + 1);
  g_assert_cmpuint (run->rss_kb, >, 1024);
  /* Ward 1 hears ward 0's clicks (one a second). */
  g_assert_cmpuint (run->window.audio_latency_ms->len, >=, 1);
  g_assert_cmpfloat (wb_bench_percentile (run->window.audio_latency_ms, 0.5), >, 0);
  if (video) {
    g_assert_cmpuint (run->window.wards_without_video, ==, 0);
    g_assert_cmpfloat (run->window.video_frames_per_s, >, 1);
    /* A stalled server catches up in bursts: wide bounds around 15 fps. */
    g_assert_cmpfloat (run->window.video_frames_per_s, <, 2 * 15 + 1);
    g_assert_cmpuint (run->window.video_latency_ms->len, >=, 1);
  }
}

static void
test_hub (void)
{
  g_autofree char *daemon = build_path ("src/daemon/wardbridged", NULL);
  g_autoptr (WbBenchRun) run = smoke_run (WB_BENCH_SERVER_HUB, daemon);

  g_assert_cmpstr (run->target, ==, "wardbridged");
  check_common (run, TRUE);
  /* The keyframe counter sees at least the periodic ones under PLI. */
  g_assert_cmpfloat (run->pli_sent_per_s, >, 0);
  g_assert_cmpfloat (run->pli_keyframes_per_s, >, 0);
}

static void
test_naive (void)
{
  g_autofree char *bench = build_path ("tests/bench/bench-hub", NULL);
  g_autoptr (WbBenchRun) run = smoke_run (WB_BENCH_SERVER_NAIVE, bench);

  g_assert_cmpstr (run->target, ==, "naive-gst");
  check_common (run, TRUE);
  /* Two wards, two mixers and two encoders, and their mixes differ. */
  g_assert_cmpfloat (run->window.audio_payloads_per_s, >, 50);
}

static void
test_janus (void)
{
  g_autofree char *janus = g_find_program_in_path ("janus");
  g_autoptr (WbBenchRun) run = NULL;
  WbBenchRunOptions options = {
    .kind = WB_BENCH_SERVER_JANUS,
    .audio_only = TRUE,
    .n_wards = 2,
    .n_talkers = 1,
    .width = 640,
    .height = 360,
    .framerate = 15,
    .idle_seconds = 0.5,
    .warmup_seconds = 2,
    .window_seconds = 5,
    .expected_loss_percent = 10,
  };
  g_autoptr (GError) error = NULL;

  if (janus == NULL) {
    g_test_skip ("janus is not installed");
    return;
  }
  options.program = janus;
  run = wb_bench_run (&options, clips, &error);
  g_assert_no_error (error);
  check_common (run, FALSE);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  int status;

  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  clips = wb_bench_clips_new (15, &error);
  g_assert_no_error (error);

  g_test_add_func ("/bench/percentile", test_percentile);
  g_test_add_func ("/bench/clips", test_clips);
  g_test_add_func ("/bench/smoke/hub", test_hub);
  g_test_add_func ("/bench/smoke/naive", test_naive);
  g_test_add_func ("/bench/smoke/janus", test_janus);
  status = g_test_run ();
  wb_bench_clips_free (clips);
  return status;
}
