/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-mixminus: CPU cost of mix-minus for N parties, mixminus against
 * the stock graph (one audiomixer per party, fed the N-1 other inputs
 * through tee and queue), on the same audio, as fast as the CPU goes.
 *
 * Every input is fed from this program's one thread, round robin, with
 * copies of a pre-generated 20 ms sine block (a different frequency per
 * input; the copies share the memory), pushed straight into the graph's
 * input pads: no source elements, no source threads.  What feeding costs
 * is measured with the same inputs going into fakesinks, and taken off.
 * Each mixer may queue 40 ms per input (GstAggregator "latency"), as the
 * conference's jitter buffers allow; the same for both graphs.  CPU time
 * is the whole process's (getrusage, user + system) from PLAYING to EOS;
 * outputs go to fakesink sync=false async=false.  The process is pinned to
 * one CPU (unless --all-cpus): hand-offs between threads then cost the same
 * from run to run instead of depending on which CPUs the scheduler picks,
 * for both graphs alike.
 *
 * Usage: bench-mixminus [--seconds S] [--sizes 8,16,32,64] [--queue-ms MS]
 *                       [--all-cpus] [--skip-naive] [--output FILE]
 * The naive graph at N = 64 runs a quarter of S (it is 4032 queues, each a
 * thread); every figure is given per 10 s of audio.
 */
#include <gst/gst.h>

#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

GST_PLUGIN_STATIC_DECLARE (wardbridge);

#define RATE 48000
#define BLOCK 960
#define BLOCK_NS (20 * GST_MSECOND)
#define CAPS "audio/x-raw, format=S16LE, layout=interleaved, rate=48000, " \
  "channels=1"

typedef enum
{
  GRAPH_SOURCES,                /* inputs straight into fakesinks: baseline */
  GRAPH_MIXMINUS,
  GRAPH_NAIVE,
} GraphKind;

/* How much input every mixer may hold per pad ("latency" of GstAggregator,
 * which outside live mode only sets queue depth): what the conference's
 * 40 ms jitter buffers give it.  The same for both graphs. */
static guint64 queue_ns = 40 * GST_MSECOND;

typedef struct
{
  gdouble cpu_s;
  gdouble wall_s;
} Cost;

typedef struct
{
  GstElement *pipeline;
  guint n;
  GstPad **inputs;              /* ours, linked to the graph's inputs */
  GstBuffer **blocks;           /* the 20 ms block each input repeats */
} Graph;

static gdouble
process_cpu_seconds (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 +
      usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

static GstBuffer *
make_sine_block (guint k)
{
  /* 250 Hz + 50 Hz per input: whole periods in 20 ms, so the block loops
   * without a click.  Quiet enough that no mix clips. */
  gdouble freq = 250.0 + 50.0 * k;
  GstBuffer *buffer = gst_buffer_new_allocate (NULL, BLOCK * sizeof (gint16),
      NULL);
  GstMapInfo map;

  gst_buffer_map (buffer, &map, GST_MAP_WRITE);
  for (guint i = 0; i < BLOCK; i++)
    ((gint16 *) map.data)[i] =
        (gint16) lrint (400.0 * sin (2 * G_PI * freq * i / RATE));
  gst_buffer_unmap (buffer, &map);

  return buffer;
}

static GstElement *
add_element (GstElement * pipeline, const gchar * factory)
{
  GstElement *element = gst_element_factory_make (factory, NULL);

  if (element == NULL)
    g_error ("no element %s", factory);
  gst_bin_add (GST_BIN (pipeline), element);
  return element;
}

static GstElement *
add_sink (GstElement * pipeline)
{
  GstElement *sink = add_element (pipeline, "fakesink");

  g_object_set (sink, "sync", FALSE, "async", FALSE, NULL);
  return sink;
}

static void
link_or_die (GstPad * src, GstPad * sink)
{
  if (gst_pad_link (src, sink) != GST_PAD_LINK_OK)
    g_error ("cannot link %s:%s to %s:%s", GST_DEBUG_PAD_NAME (src),
        GST_DEBUG_PAD_NAME (sink));
}

static void
link_input (Graph * graph, guint k, GstPad * sink)
{
  link_or_die (graph->inputs[k], sink);
}

static void
link_input_to (Graph * graph, guint k, GstElement * element)
{
  g_autoptr (GstPad) sink = gst_element_get_static_pad (element, "sink");

  link_input (graph, k, sink);
}

static Graph *
graph_new (GraphKind kind, guint n)
{
  Graph *graph = g_new0 (Graph, 1);

  graph->pipeline = gst_pipeline_new (NULL);
  graph->n = n;
  graph->inputs = g_new0 (GstPad *, n);
  graph->blocks = g_new0 (GstBuffer *, n);
  for (guint k = 0; k < n; k++) {
    g_autofree gchar *name = g_strdup_printf ("input_%u", k);

    graph->inputs[k] = gst_object_ref_sink (gst_pad_new (name, GST_PAD_SRC));
    graph->blocks[k] = make_sine_block (k);
  }

  switch (kind) {
    case GRAPH_SOURCES:
      for (guint k = 0; k < n; k++)
        link_input_to (graph, k, add_sink (graph->pipeline));
      break;

    case GRAPH_MIXMINUS:{
      GstElement *mixminus = add_element (graph->pipeline, "mixminus");

      g_object_set (mixminus, "latency", queue_ns, NULL);
      gst_element_link (mixminus, add_sink (graph->pipeline));
      for (guint k = 0; k < n; k++) {
        g_autofree gchar *sink_name = g_strdup_printf ("sink_%u", k);
        g_autofree gchar *src_name = g_strdup_printf ("src_%u", k);
        g_autoptr (GstPad) sink = gst_element_request_pad_simple (mixminus,
            sink_name);
        g_autoptr (GstPad) out = gst_element_get_static_pad (mixminus,
            src_name);
        GstElement *fakesink = add_sink (graph->pipeline);
        g_autoptr (GstPad) out_sink = gst_element_get_static_pad (fakesink,
            "sink");

        link_input (graph, k, sink);
        link_or_die (out, out_sink);
      }
      break;
    }

    case GRAPH_NAIVE:{
      g_autofree GstElement **tees = g_new0 (GstElement *, n);

      for (guint k = 0; k < n; k++) {
        tees[k] = add_element (graph->pipeline, "tee");
        link_input_to (graph, k, tees[k]);
      }
      for (guint j = 0; j < n; j++) {
        GstElement *mixer = add_element (graph->pipeline, "audiomixer");

        g_object_set (mixer, "output-buffer-duration", (guint64) BLOCK_NS,
            "latency", queue_ns, NULL);
        gst_element_link (mixer, add_sink (graph->pipeline));
        for (guint k = 0; k < n; k++) {
          GstElement *queue;

          if (k == j)
            continue;
          queue = add_element (graph->pipeline, "queue");
          gst_element_link (tees[k], queue);
          gst_element_link (queue, mixer);
        }
      }
      break;
    }
  }

  return graph;
}

static void
graph_free (Graph * graph)
{
  gst_element_set_state (graph->pipeline, GST_STATE_NULL);
  gst_object_unref (graph->pipeline);
  for (guint k = 0; k < graph->n; k++) {
    gst_pad_set_active (graph->inputs[k], FALSE);
    gst_object_unref (graph->inputs[k]);
    gst_buffer_unref (graph->blocks[k]);
  }
  g_free (graph->inputs);
  g_free (graph->blocks);
  g_free (graph);
}

static void
push_or_die (GstPad * pad, GstBuffer * buffer)
{
  GstFlowReturn ret = gst_pad_push (pad, buffer);

  if (ret != GST_FLOW_OK)
    g_error ("push on %s: %s", GST_OBJECT_NAME (pad), gst_flow_get_name (ret));
}

/* Plays the graph and feeds it @n_blocks blocks per input from this one
 * thread, round robin, as fast as it takes them; then EOS. */
static Cost
graph_run (Graph * graph, guint64 n_blocks)
{
  g_autoptr (GstBus) bus = gst_element_get_bus (graph->pipeline);
  g_autoptr (GstMessage) message = NULL;
  g_autoptr (GstCaps) caps = gst_caps_from_string (CAPS);
  GstSegment segment;
  gdouble cpu0, wall0;
  Cost cost;

  cpu0 = process_cpu_seconds ();
  wall0 = g_get_monotonic_time () / 1e6;
  if (gst_element_set_state (graph->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE)
    g_error ("graph would not play");

  gst_segment_init (&segment, GST_FORMAT_TIME);
  for (guint k = 0; k < graph->n; k++) {
    g_autofree gchar *stream_id = g_strdup_printf ("bench/%u", k);

    gst_pad_set_active (graph->inputs[k], TRUE);
    gst_pad_push_event (graph->inputs[k], gst_event_new_stream_start
        (stream_id));
    gst_pad_push_event (graph->inputs[k], gst_event_new_caps (caps));
    gst_pad_push_event (graph->inputs[k], gst_event_new_segment (&segment));
  }

  for (guint64 b = 0; b < n_blocks; b++) {
    for (guint k = 0; k < graph->n; k++) {
      GstBuffer *buffer = gst_buffer_copy (graph->blocks[k]);

      GST_BUFFER_PTS (buffer) = b * BLOCK_NS;
      GST_BUFFER_DURATION (buffer) = BLOCK_NS;
      GST_BUFFER_OFFSET (buffer) = b * BLOCK;
      GST_BUFFER_OFFSET_END (buffer) = (b + 1) * BLOCK;
      push_or_die (graph->inputs[k], buffer);
    }
  }
  for (guint k = 0; k < graph->n; k++)
    gst_pad_push_event (graph->inputs[k], gst_event_new_eos ());

  message = gst_bus_timed_pop_filtered (bus, 600 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  cost.cpu_s = process_cpu_seconds () - cpu0;
  cost.wall_s = g_get_monotonic_time () / 1e6 - wall0;

  if (message == NULL || GST_MESSAGE_TYPE (message) != GST_MESSAGE_EOS) {
    g_autoptr (GError) error = NULL;

    if (message != NULL)
      gst_message_parse_error (message, &error, NULL);
    g_error ("graph failed: %s", error ? error->message : "timeout");
  }

  return cost;
}

static Cost
run_graph (GraphKind kind, guint n, guint64 n_blocks)
{
  Graph *graph = graph_new (kind, n);
  Cost cost = graph_run (graph, n_blocks);

  graph_free (graph);
  return cost;
}

/* Pins this process (and the threads it will start) to the first CPU it
 * may run on.  Returns that CPU, or -1. */
static gint
pin_to_one_cpu (void)
{
  cpu_set_t allowed, one;

  if (sched_getaffinity (0, sizeof (allowed), &allowed) != 0)
    return -1;
  for (gint cpu = 0; cpu < CPU_SETSIZE; cpu++) {
    if (!CPU_ISSET (cpu, &allowed))
      continue;
    CPU_ZERO (&one);
    CPU_SET (cpu, &one);
    return sched_setaffinity (0, sizeof (one), &one) == 0 ? cpu : -1;
  }
  return -1;
}

static gint
compare_doubles (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return (x > y) - (x < y);
}

/* Least CPU seconds of three runs, for the cheap graphs: the run least
 * disturbed by whatever else the machine is doing. */
static gdouble
least_cpu (GraphKind kind, guint n, guint64 n_blocks)
{
  gdouble runs[3];

  for (guint i = 0; i < G_N_ELEMENTS (runs); i++)
    runs[i] = run_graph (kind, n, n_blocks).cpu_s;
  qsort (runs, G_N_ELEMENTS (runs), sizeof (gdouble), compare_doubles);
  return runs[0];
}

int
main (int argc, char **argv)
{
  gdouble seconds = 30.0;
  gboolean skip_naive = FALSE;
  gint queue_ms = 40;
  gboolean all_cpus = FALSE;
  gint cpu = -1;
  g_autofree gchar *sizes_arg = NULL;
  g_autofree gchar *output = NULL;
  g_auto (GStrv) sizes = NULL;
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) table = g_string_new (NULL);
  GOptionEntry entries[] = {
    {"seconds", 's', 0, G_OPTION_ARG_DOUBLE, &seconds,
        "Seconds of audio for mixminus and the baseline (default 30); "
        "the naive graph runs at most 80/N s", "S"},
    {"sizes", 'n', 0, G_OPTION_ARG_STRING, &sizes_arg,
        "Party counts, comma separated (default 8,16,32,64)", "LIST"},
    {"queue-ms", 'q', 0, G_OPTION_ARG_INT, &queue_ms,
        "Input each mixer may queue per pad, in ms (default 40)", "MS"},
    {"all-cpus", 0, 0, G_OPTION_ARG_NONE, &all_cpus,
        "Do not pin the process to one CPU", NULL},
    {"skip-naive", 0, 0, G_OPTION_ARG_NONE, &skip_naive,
        "Only run mixminus and the baseline (for profiling)", NULL},
    {"output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
        "Also write the table as TSV to FILE", "FILE"},
    {NULL}
  };
  gdouble previous_mm = 0.0;
  guint previous_n = 0;

  context = g_option_context_new ("- mixminus against N audiomixers");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_group (context, gst_init_get_option_group ());
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    g_printerr ("%s\n", error->message);
    return 2;
  }
  if (!all_cpus)
    cpu = pin_to_one_cpu ();
  GST_PLUGIN_STATIC_REGISTER (wardbridge);
  queue_ns = (guint64) MAX (queue_ms, 0) * GST_MSECOND;

  sizes = g_strsplit (sizes_arg ? sizes_arg : "8,16,32,64", ",", -1);

  g_string_append (table, "n\taudio_s_mixminus\taudio_s_naive\t"
      "feed_cpu_s_per_10s\tnaive_cpu_s_per_10s\tmixminus_cpu_s_per_10s\t"
      "ratio\tmixminus_growth\tnaive_wall_s\n");
  g_print ("CPU seconds per 10 s of audio (feeding the inputs taken off); "
      "mixminus over %.1f s of audio, best of 3; %s\n", seconds,
      cpu >= 0 ? "pinned to one CPU" : "all CPUs");
  g_print ("%4s %8s %10s %12s %12s %10s %14s\n", "N", "feed", "naive",
      "naive audio", "mixminus", "naive/", "mixminus(N)/");
  g_print ("%4s %8s %10s %12s %12s %10s %14s\n", "", "CPU s", "CPU s",
      "s", "CPU s", "mixminus", "mixminus(N/2)");

  for (guint i = 0; sizes[i] != NULL; i++) {
    guint n = (guint) g_ascii_strtoull (sizes[i], NULL, 10);
    /* The naive graph grows with N squared (4032 queues and threads at
     * 64 parties): less audio as N grows, normalised like the rest. */
    gdouble naive_seconds = MIN (seconds, 80.0 / n);
    guint64 blocks = (guint64) lrint (seconds * 50);
    guint64 naive_blocks = (guint64) lrint (naive_seconds * 50);
    gdouble base, base_naive, mm, naive;
    Cost naive_cost;
    g_autofree gchar *growth = NULL;

    if (n < 2)
      continue;

    base = least_cpu (GRAPH_SOURCES, n, blocks);
    mm = least_cpu (GRAPH_MIXMINUS, n, blocks) - base;
    base_naive = naive_blocks == blocks ? base :
        least_cpu (GRAPH_SOURCES, n, naive_blocks);
    if (skip_naive) {
      naive_cost = (Cost) {
      0};
      naive = NAN;
    } else {
      naive_cost = run_graph (GRAPH_NAIVE, n, naive_blocks);
      naive = naive_cost.cpu_s - base_naive;
    }

    /* Per 10 s of audio. */
    base *= 10.0 / seconds;
    mm *= 10.0 / seconds;
    naive *= 10.0 / naive_seconds;

    growth = previous_mm > 0.0 && previous_n * 2 == n ?
        g_strdup_printf ("%.2f", mm / previous_mm) : g_strdup ("-");
    g_print ("%4u %8.3f %10.2f %12.2f %12.3f %9.0fx %14s\n", n, base, naive,
        naive_seconds, mm, naive / mm, growth);
    g_string_append_printf (table, "%u\t%.2f\t%.2f\t%.4f\t%.3f\t%.4f\t%.1f\t%s"
        "\t%.2f\n", n, seconds, naive_seconds, base, naive, mm, naive / mm,
        growth, naive_cost.wall_s);
    previous_mm = mm;
    previous_n = n;
  }

  if (output != NULL
      && !g_file_set_contents (output, table->str, table->len, &error)) {
    g_printerr ("%s\n", error->message);
    return 1;
  }

  return 0;
}
