/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbBenchRun: one server, one N (see bench-run.h).
 */
#include "bench-run.h"

#include <unistd.h>

/* A run holds real time when every ward hears nearly every packet and, with
 * video, the observer gets nearly every frame. */
#define REAL_TIME_MAX_LOSS_PCT 1.0
#define REAL_TIME_MIN_FRAME_SHARE 0.9
#define BUSIEST_THREADS 6

void
wb_bench_run_free (WbBenchRun *run)
{
  if (run == NULL)
    return;
  g_free (run->target);
  g_clear_pointer (&run->threads, g_ptr_array_unref);
  wb_bench_window_clear (&run->window);
  g_free (run);
}

static gboolean
sample (GPid pid, double *cpu, guint64 *rss, GError **error)
{
  if (!wb_bench_proc_sample (pid, cpu, rss)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot read /proc/%d", (int) pid);
    return FALSE;
  }
  return TRUE;
}

/*
 * The process to measure: the server, or, when the server is a wrapper
 * that runs it as its only child (perf record, valgrind), that child.  A
 * wrapper's own CPU is next to nothing, and a run measured on it passed
 * the per-ward goal once.
 */
static GPid
measured_pid (GPid pid)
{
  for (guint depth = 0; depth < 4; depth++) {
    g_autofree char *path = g_strdup_printf ("/proc/%d/task/%d/children", (int) pid, (int) pid);
    g_autofree char *text = NULL;
    g_auto (GStrv) children = NULL;

    if (!g_file_get_contents (path, &text, NULL, NULL))
      break;
    children = g_strsplit (g_strstrip (text), " ", -1);
    if (g_strv_length (children) != 1 || *children[0] == '\0')
      break;
    pid = (GPid) g_ascii_strtoll (children[0], NULL, 10);
  }
  return pid;
}

typedef struct {
  const char *name;
  double pct;
} ThreadLoad;

static int
busier_first (gconstpointer a, gconstpointer b)
{
  double x = ((const ThreadLoad *) a)->pct, y = ((const ThreadLoad *) b)->pct;

  return (x < y) - (x > y);
}

/* The busiest thread names between two wb_bench_proc_threads(). */
static GPtrArray *
busiest_threads (GHashTable *before, GHashTable *after, double seconds)
{
  g_autoptr (GArray) loads = g_array_new (FALSE, FALSE, sizeof (ThreadLoad));
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, after);
  while (g_hash_table_iter_next (&iter, &key, &value)) {
    const double *was = g_hash_table_lookup (before, key);
    ThreadLoad load = { key, 100.0 * (*(double *) value - (was ? *was : 0)) / seconds };

    g_array_append_val (loads, load);
  }
  g_array_sort (loads, busier_first);
  for (guint i = 0; i < MIN (loads->len, BUSIEST_THREADS); i++) {
    const ThreadLoad *load = &g_array_index (loads, ThreadLoad, i);

    g_ptr_array_add (out, g_strdup_printf ("%s %.1f", load->name, load->pct));
  }
  return out;
}

static double
counter_rate (double before, double after, double seconds)
{
  return before < 0 || after < 0 ? -1 : (after - before) / seconds;
}

WbBenchRun *
wb_bench_run (const WbBenchRunOptions  *options,
              WbBenchClips             *clips,
              GError                  **error)
{
  g_autoptr (WbBenchRun) run = g_new0 (WbBenchRun, 1);
  g_autoptr (WbBenchLoad) load = NULL;
  g_autoptr (WbBenchServer) server = NULL;
  g_autofree guint *audio_ports = g_new0 (guint, options->n_wards);
  g_autofree guint *video_ports = g_new0 (guint, options->n_wards);
  gboolean video = !options->audio_only && options->kind != WB_BENCH_SERVER_JANUS;
  WbBenchLoadOptions load_options = {
    .n_wards = options->n_wards,
    .n_talkers = options->n_talkers,
    .send_video = video,
    .expect_video = video,
    .canvas_width = options->width,
    .canvas_height = options->height,
  };
  WbBenchServerOptions server_options = {
    .kind = options->kind,
    .program = options->program,
    .n_wards = options->n_wards,
    .width = options->width,
    .height = options->height,
    .framerate = options->framerate,
    .expected_loss_percent = options->expected_loss_percent,
    .hub_media = options->hub_media,
    .ward_audio_ports = audio_ports,
    .ward_video_ports = video_ports,
    /* One line per 20 ms frame that opusenc encodes, whoever owns it. */
    .gst_debug = options->count_encodes ? "opusenc:5" : NULL,
  };
  double cpu0, cpu1, gen0, gen1, audio0, audio1, video0, video1, late0, late1;
  gint64 opus0, opus1;
  g_autoptr (GHashTable) threads0 = NULL;
  double switches0, switches1;
  g_autoptr (GHashTable) threads1 = NULL;
  gint64 t0, t1;
  guint64 rss;
  GPid pid;

  run->kind = options->kind;
  run->audio_only = !video;
  run->n_wards = options->n_wards;
  run->n_talkers = options->n_talkers;
  run->expected_loss_percent = options->expected_loss_percent;
  run->target = g_strdup_printf ("%s%s%s%s%s", wb_bench_server_kind_name (options->kind),
                                 options->audio_only && options->kind != WB_BENCH_SERVER_JANUS ? "-audio" : "",
                                 options->count_encodes ? "-opuslog" : "",
                                 options->expected_loss_percent == 0 ? "-nofec" : "",
                                 options->suffix ? options->suffix : "");
  run->pli_keyframes_per_s = -1;

  load = wb_bench_load_new (&load_options, clips, error);
  if (load == NULL)
    return NULL;
  for (guint i = 0; i < options->n_wards; i++)
    wb_bench_load_get_ports (load, i, &audio_ports[i], &video_ports[i]);
  server = wb_bench_server_start (&server_options, error);
  if (server == NULL) {
    g_prefix_error (error, "%s, %u wards: ", run->target, options->n_wards);
    return NULL;
  }
  for (guint i = 0; i < options->n_wards; i++) {
    guint server_audio, server_video;

    if (!wb_bench_server_join (server, i, audio_ports[i], video_ports[i],
                               &server_audio, &server_video, error)) {
      g_prefix_error (error, "%s: joining ward %u: ", run->target, i + 1);
      return NULL;
    }
    wb_bench_load_set_peer (load, i, "127.0.0.1", server_audio, video ? server_video : 0);
  }
  pid = measured_pid (wb_bench_server_get_pid (server));

  /* The floor: everyone joined, nobody sends. */
  if (!sample (pid, &cpu0, &rss, error))
    return NULL;
  t0 = g_get_monotonic_time ();
  wb_bench_run_for (options->idle_seconds);
  if (!sample (pid, &cpu1, &rss, error))
    return NULL;
  t1 = g_get_monotonic_time ();
  run->idle_cpu_pct = 100.0 * (cpu1 - cpu0) / ((double) (t1 - t0) / G_USEC_PER_SEC);

  wb_bench_load_start (load);
  wb_bench_run_for (options->warmup_seconds);

  audio0 = wb_bench_server_metric (server, "wardbridge_conference_audio_encodes_total");
  video0 = wb_bench_server_metric (server, "wardbridge_conference_video_encodes_total");
  late0 = wb_bench_server_metric (server, "wardbridge_conference_mixer_deadline_misses_total");
  opus0 = wb_bench_server_count_debug_lines (server, "encoding 960 samples");
  if (!sample (pid, &cpu0, &rss, error) || !sample (getpid (), &gen0, &rss, error))
    return NULL;
  threads0 = wb_bench_proc_threads (pid);
  switches0 = wb_bench_proc_context_switches (pid);
  t0 = g_get_monotonic_time ();
  wb_bench_load_window_begin (load);
  wb_bench_run_for (options->window_seconds);
  wb_bench_load_window_end (load, &run->window);
  if (!sample (pid, &cpu1, &run->rss_kb, error) || !sample (getpid (), &gen1, &rss, error))
    return NULL;
  t1 = g_get_monotonic_time ();
  threads1 = wb_bench_proc_threads (pid);
  switches1 = wb_bench_proc_context_switches (pid);
  run->context_switches_per_s = counter_rate (switches0, switches1,
                                              (double) (t1 - t0) / G_USEC_PER_SEC);
  run->threads = busiest_threads (threads0, threads1, (double) (t1 - t0) / G_USEC_PER_SEC);
  run->generator_cpu_pct = 100.0 * (gen1 - gen0) / ((double) (t1 - t0) / G_USEC_PER_SEC);
  audio1 = wb_bench_server_metric (server, "wardbridge_conference_audio_encodes_total");
  video1 = wb_bench_server_metric (server, "wardbridge_conference_video_encodes_total");
  late1 = wb_bench_server_metric (server, "wardbridge_conference_mixer_deadline_misses_total");
  opus1 = wb_bench_server_count_debug_lines (server, "encoding 960 samples");
  run->cpu_pct = 100.0 * (cpu1 - cpu0) / ((double) (t1 - t0) / G_USEC_PER_SEC);
  run->audio_encodes_per_s = counter_rate (audio0, audio1, (double) (t1 - t0) / G_USEC_PER_SEC);
  run->video_encodes_per_s = counter_rate (video0, video1, (double) (t1 - t0) / G_USEC_PER_SEC);
  run->mixer_misses_per_s = counter_rate (late0, late1, (double) (t1 - t0) / G_USEC_PER_SEC);
  run->opus_encodes_per_s = counter_rate ((double) opus0, (double) opus1, (double) (t1 - t0) / G_USEC_PER_SEC);

  run->real_time = run->window.wards_without_audio == 0 &&
                   run->window.audio_loss_pct_max <= REAL_TIME_MAX_LOSS_PCT &&
                   (!video || (run->window.wards_without_video == 0 &&
                               run->window.video_loss_pct_max <= REAL_TIME_MAX_LOSS_PCT &&
                               run->window.video_frames_per_s >= REAL_TIME_MIN_FRAME_SHARE * options->framerate));

  if (video && options->kind == WB_BENCH_SERVER_HUB && options->pli_seconds > 0) {
    WbBenchWindow storm;

    wb_bench_load_set_pli_rate (load, options->pli_rate);
    wb_bench_load_window_begin (load);
    wb_bench_run_for (options->pli_seconds);
    wb_bench_load_window_end (load, &storm);
    wb_bench_load_set_pli_rate (load, 0);
    run->pli_keyframes_per_s = storm.keyframes_per_s;
    run->pli_sent_per_s = storm.pli_per_s;
    wb_bench_window_clear (&storm);
  }
  return g_steal_pointer (&run);
}
