/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tests of the mixminus element (plugins/gstmixminus.c) with GstHarness:
 * one harness feeds each sink_K, one reads each src_K and one the full
 * mix.  The harnesses are live and share the element's test clock, so
 * nothing here depends on wall-clock timing: with all inputs present the
 * element mixes at once, and a missing input is timed out by cranking the
 * test clock.
 */
#include <gst/gst.h>
#include <gst/check/gstharness.h>
#include <gst/check/gsttestclock.h>
#include <gst/base/gstaggregator.h>

#include <math.h>
#include <string.h>

GST_PLUGIN_STATIC_DECLARE (wardbridge);

#define RATE 48000
#define BLOCK 960               /* samples in 20 ms, mono */
#define BLOCK_NS (20 * GST_MSECOND)
#define CAPS "audio/x-raw, format=S16LE, layout=interleaved, rate=48000, " \
  "channels=1"

#define MAX_INPUTS 4

/* The signal of input k at absolute sample n.  Input 2 sits near the rails
 * so that the full mix clips where a 16-bit sum would wrap. */
static gint16
signal_of (guint k, guint64 n)
{
  switch (k) {
    case 0:
      return (gint16) ((gint) (n % 200) * 10 - 1000);
    case 1:
      return (gint16) ((gint) ((n * 7) % 300) - 150);
    case 2:
      return n % 2 ? 32000 : -32000;
    default:
      return (gint16) ((gint) (n % 64) * 100 - 3200);
  }
}

/* What the mix of the inputs in @mask is at sample n. */
static gint16
mix_of (guint mask, guint64 n)
{
  gint32 sum = 0;

  for (guint k = 0; k < MAX_INPUTS; k++) {
    if (mask & (1u << k))
      sum += signal_of (k, n);
  }
  return (gint16) CLAMP (sum, G_MININT16, G_MAXINT16);
}

typedef struct
{
  GstElement *mixminus;
  GstBus *bus;
  GstHarness *in[MAX_INPUTS];
  GstHarness *out[MAX_INPUTS];
  GstHarness *full;
} Fixture;

static void
fixture_add_input (Fixture * f, guint k)
{
  g_autofree gchar *sink = g_strdup_printf ("sink_%u", k);
  g_autofree gchar *src = g_strdup_printf ("src_%u", k);

  f->in[k] = gst_harness_new_with_element (f->mixminus, sink, NULL);
  gst_harness_set_src_caps_str (f->in[k], CAPS);
  f->out[k] = gst_harness_new_with_element (f->mixminus, NULL, src);
}

/* Output first: once sink_K is released, src_K is gone. */
static void
fixture_remove_input (Fixture * f, guint k)
{
  g_clear_pointer (&f->out[k], gst_harness_teardown);
  g_clear_pointer (&f->in[k], gst_harness_teardown);
}

static void
fixture_setup (Fixture * f, guint n_inputs)
{
  memset (f, 0, sizeof (*f));
  f->mixminus = gst_element_factory_make ("mixminus", NULL);
  g_assert_nonnull (f->mixminus);
  f->bus = gst_bus_new ();
  gst_element_set_bus (f->mixminus, f->bus);

  for (guint k = 0; k < n_inputs; k++)
    fixture_add_input (f, k);
  f->full = gst_harness_new_with_element (f->mixminus, NULL, "src");
  gst_harness_play (f->full);
}

static void
fixture_teardown (Fixture * f)
{
  for (guint k = 0; k < MAX_INPUTS; k++) {
    if (f->in[k] != NULL)
      fixture_remove_input (f, k);
  }
  g_clear_pointer (&f->full, gst_harness_teardown);
  gst_element_set_bus (f->mixminus, NULL);
  gst_clear_object (&f->mixminus);
  gst_clear_object (&f->bus);
}

static GstBuffer *
make_block (guint k, guint64 block, gboolean silent)
{
  GstBuffer *buffer = gst_buffer_new_allocate (NULL, BLOCK * sizeof (gint16),
      NULL);
  GstMapInfo map;
  gint16 *samples;

  gst_buffer_map (buffer, &map, GST_MAP_WRITE);
  samples = (gint16 *) map.data;
  for (guint i = 0; i < BLOCK; i++)
    samples[i] = silent ? 0 : signal_of (k, block * BLOCK + i);
  gst_buffer_unmap (buffer, &map);

  GST_BUFFER_PTS (buffer) = block * BLOCK_NS;
  GST_BUFFER_DURATION (buffer) = BLOCK_NS;
  GST_BUFFER_OFFSET (buffer) = block * BLOCK;
  GST_BUFFER_OFFSET_END (buffer) = (block + 1) * BLOCK;

  return buffer;
}

static void
push_block (Fixture * f, guint k, guint64 block)
{
  g_assert_cmpint (gst_harness_push (f->in[k], make_block (k, block, FALSE)),
      ==, GST_FLOW_OK);
}

static void
push_silence (Fixture * f, guint k, guint64 block)
{
  g_assert_cmpint (gst_harness_push (f->in[k], make_block (k, block, TRUE)),
      ==, GST_FLOW_OK);
}

/* Pulls one block from @h and checks its time and every sample against
 * the mix of the inputs in @mask. */
static GstBuffer *
expect_block (GstHarness * h, guint64 block, guint mask)
{
  GstBuffer *buffer = gst_harness_pull (h);
  GstMapInfo map;
  const gint16 *samples;

  g_assert_nonnull (buffer);
  g_assert_cmpuint (GST_BUFFER_PTS (buffer), ==, block * BLOCK_NS);
  g_assert_cmpuint (GST_BUFFER_DURATION (buffer), ==, BLOCK_NS);
  g_assert_cmpuint (gst_buffer_get_size (buffer), ==, BLOCK * sizeof (gint16));

  gst_buffer_map (buffer, &map, GST_MAP_READ);
  samples = (const gint16 *) map.data;
  for (guint i = 0; i < BLOCK; i++) {
    gint16 want = mix_of (mask, block * BLOCK + i);
    if (samples[i] != want)
      g_test_message ("block %" G_GUINT64_FORMAT " sample %u mask %x: "
          "got %d, want %d", block, i, mask, samples[i], want);
    g_assert_cmpint (samples[i], ==, want);
  }
  gst_buffer_unmap (buffer, &map);

  return buffer;
}

static void
expect_and_drop (GstHarness * h, guint64 block, guint mask)
{
  gst_buffer_unref (expect_block (h, block, mask));
}

static gboolean
get_bool (GstElement * element, const gchar * path)
{
  GValue value = G_VALUE_INIT;
  gboolean b;

  gst_child_proxy_get_property (GST_CHILD_PROXY (element), path, &value);
  b = g_value_get_boolean (&value);
  g_value_unset (&value);
  return b;
}

static gboolean
src_shares_full_mix (GstElement * element, const gchar * pad_name)
{
  g_autoptr (GstPad) pad = gst_element_get_static_pad (element, pad_name);
  gboolean shares;

  g_assert_nonnull (pad);
  g_object_get (pad, "shares-full-mix", &shares, NULL);
  return shares;
}

/* Element messages named @name on the bus, in order, as "pad=value". */
static GPtrArray *
pop_messages (GstBus * bus, const gchar * name, const gchar * field)
{
  GPtrArray *seen = g_ptr_array_new_with_free_func (g_free);
  GstMessage *message;

  while ((message = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    const GstStructure *s = gst_message_get_structure (message);

    if (gst_structure_has_name (s, name)) {
      gboolean value = FALSE;

      g_assert_true (gst_structure_get_boolean (s, field, &value));
      g_ptr_array_add (seen, g_strdup_printf ("%s=%d",
              gst_structure_get_string (s, "pad"), value));
    }
    gst_message_unref (message);
  }

  return seen;
}

/* ------------------------------------------------------------------------ */

static void
test_exact_samples (void)
{
  Fixture f;

  fixture_setup (&f, 3);

  for (guint64 b = 0; b < 4; b++) {
    push_block (&f, 0, b);
    push_block (&f, 1, b);
    push_block (&f, 2, b);

    /* The full mix clips (input 2 is at +-32000); each mix-minus is the
     * exact sum of the two others, no trace of its own input. */
    expect_and_drop (f.full, b, 0x7);
    expect_and_drop (f.out[0], b, 0x6);
    expect_and_drop (f.out[1], b, 0x5);
    expect_and_drop (f.out[2], b, 0x3);
  }

  fixture_teardown (&f);
}

static void
test_caps_and_events (void)
{
  Fixture f;
  g_autoptr (GstCaps) caps = NULL;
  g_autoptr (GstCaps) want = gst_caps_from_string (CAPS);
  g_autoptr (GstEvent) start_0 = NULL;
  g_autoptr (GstEvent) start_1 = NULL;
  const gchar *id_0 = NULL, *id_1 = NULL;
  g_autoptr (GstPad) src_0 = NULL;

  fixture_setup (&f, 2);
  push_block (&f, 0, 0);
  push_block (&f, 1, 0);
  expect_and_drop (f.out[0], 0, 0x2);
  expect_and_drop (f.out[1], 0, 0x1);

  /* Every output got the input format and a stream of its own. */
  src_0 = gst_element_get_static_pad (f.mixminus, "src_0");
  caps = gst_pad_get_current_caps (src_0);
  g_assert_nonnull (caps);
  g_assert_true (gst_caps_is_equal (caps, want));

  start_0 = gst_pad_get_sticky_event (f.out[0]->sinkpad,
      GST_EVENT_STREAM_START, 0);
  start_1 = gst_pad_get_sticky_event (f.out[1]->sinkpad,
      GST_EVENT_STREAM_START, 0);
  g_assert_nonnull (start_0);
  g_assert_nonnull (start_1);
  gst_event_parse_stream_start (start_0, &id_0);
  gst_event_parse_stream_start (start_1, &id_1);
  g_assert_true (g_str_has_suffix (id_0, "/src_0"));
  g_assert_true (g_str_has_suffix (id_1, "/src_1"));

  fixture_teardown (&f);
}

static void
test_latency (void)
{
  Fixture f;
  GstClockTime min = 0, max = 0;
  gboolean live = FALSE;
  GstQuery *query;

  fixture_setup (&f, 2);
  gst_harness_set_upstream_latency (f.in[0], 10 * GST_MSECOND);
  gst_harness_set_upstream_latency (f.in[1], 5 * GST_MSECOND);

  /* Asked on a mix-minus output: upstream's worst 10 ms plus one 20 ms
   * output block. */
  query = gst_query_new_latency ();
  g_assert_true (gst_pad_peer_query (f.out[1]->sinkpad, query));
  gst_query_parse_latency (query, &live, &min, &max);
  g_assert_true (live);
  g_assert_cmpuint (min, ==, 30 * GST_MSECOND);
  gst_query_unref (query);

  /* The same on the full mix. */
  query = gst_query_new_latency ();
  g_assert_true (gst_pad_peer_query (f.full->sinkpad, query));
  gst_query_parse_latency (query, &live, &min, &max);
  g_assert_true (live);
  g_assert_cmpuint (min, ==, 30 * GST_MSECOND);
  gst_query_unref (query);

  /* A 10 ms output block lowers it. */
  g_object_set (f.mixminus, "output-buffer-duration", 10 * GST_MSECOND, NULL);
  query = gst_query_new_latency ();
  g_assert_true (gst_pad_peer_query (f.out[0]->sinkpad, query));
  gst_query_parse_latency (query, &live, &min, &max);
  g_assert_cmpuint (min, ==, 20 * GST_MSECOND);
  gst_query_unref (query);

  fixture_teardown (&f);
}

static void
test_pads_while_playing (void)
{
  Fixture f;
  g_autoptr (GstPad) gone = NULL;
  guint64 b = 0;

  fixture_setup (&f, 2);

  for (; b < 3; b++) {
    push_block (&f, 0, b);
    push_block (&f, 1, b);
    expect_and_drop (f.out[0], b, 0x2);
    expect_and_drop (f.out[1], b, 0x1);
    expect_and_drop (f.full, b, 0x3);
  }

  /* A third ward joins while playing. */
  fixture_add_input (&f, 2);
  for (; b < 6; b++) {
    push_block (&f, 0, b);
    push_block (&f, 1, b);
    push_block (&f, 2, b);
    expect_and_drop (f.out[0], b, 0x6);
    expect_and_drop (f.out[1], b, 0x5);
    expect_and_drop (f.out[2], b, 0x3);
    expect_and_drop (f.full, b, 0x7);
  }

  /* The second one leaves: src_1 goes with sink_1. */
  fixture_remove_input (&f, 1);
  gone = gst_element_get_static_pad (f.mixminus, "src_1");
  g_assert_null (gone);
  gone = gst_element_get_static_pad (f.mixminus, "sink_1");
  g_assert_null (gone);

  /* The others go on with the next block, no gap, no glitch. */
  for (; b < 9; b++) {
    push_block (&f, 0, b);
    push_block (&f, 2, b);
    expect_and_drop (f.out[0], b, 0x4);
    expect_and_drop (f.out[2], b, 0x1);
    expect_and_drop (f.full, b, 0x5);
  }

  /* And it comes back under a new pad. */
  fixture_add_input (&f, 3);
  for (; b < 11; b++) {
    push_block (&f, 0, b);
    push_block (&f, 2, b);
    push_block (&f, 3, b);
    expect_and_drop (f.out[0], b, 0xc);
    expect_and_drop (f.out[2], b, 0x9);
    expect_and_drop (f.out[3], b, 0x5);
  }
  g_assert_cmpuint (gst_harness_buffers_received (f.out[0]), ==, 11);

  fixture_teardown (&f);
}

static void
test_input_stops (void)
{
  Fixture f;
  g_autoptr (GstClock) clock = NULL;
  guint64 b = 0;

  fixture_setup (&f, 3);
  clock = gst_element_get_clock (f.mixminus);
  g_assert_true (GST_IS_TEST_CLOCK (clock));

  for (; b < 3; b++) {
    push_block (&f, 0, b);
    push_block (&f, 1, b);
    push_block (&f, 2, b);
    expect_and_drop (f.out[0], b, 0x6);
    expect_and_drop (f.out[1], b, 0x5);
    expect_and_drop (f.out[2], b, 0x3);
    expect_and_drop (f.full, b, 0x7);
  }

  /* Input 2 stops sending.  The element waits until the block is due on
   * the clock, then mixes without it: silence, not a stall. */
  for (; b < 8; b++) {
    push_block (&f, 0, b);
    push_block (&f, 1, b);
    g_assert_true (gst_test_clock_crank (GST_TEST_CLOCK (clock)));
    expect_and_drop (f.out[0], b, 0x2);
    expect_and_drop (f.out[1], b, 0x1);
    expect_and_drop (f.out[2], b, 0x3);
    expect_and_drop (f.full, b, 0x3);
    /* Its output is exactly the full mix now. */
    g_assert_true (src_shares_full_mix (f.mixminus, "src_2"));
  }

  /* It comes back. */
  for (; b < 10; b++) {
    push_block (&f, 0, b);
    push_block (&f, 1, b);
    push_block (&f, 2, b);
    expect_and_drop (f.out[0], b, 0x6);
    expect_and_drop (f.out[1], b, 0x5);
    expect_and_drop (f.out[2], b, 0x3);
    expect_and_drop (f.full, b, 0x7);
  }
  g_assert_false (src_shares_full_mix (f.mixminus, "src_2"));

  fixture_teardown (&f);
}

static void
test_shares_full_mix (void)
{
  Fixture f;
  g_autoptr (GPtrArray) seen = NULL;
  GstBuffer *full, *out0, *out1, *out2;

  fixture_setup (&f, 3);
  gst_child_proxy_set (GST_CHILD_PROXY (f.mixminus), "sink_2::mute", TRUE,
      NULL);
  g_assert_true (get_bool (f.mixminus, "sink_2::mute"));

  /* Input 1 silent, input 2 muted: both receive the full mix, as the very
   * same buffer; input 0 gets a mix of its own (without itself). */
  push_block (&f, 0, 0);
  push_silence (&f, 1, 0);
  push_block (&f, 2, 0);
  full = expect_block (f.full, 0, 0x1);
  out0 = expect_block (f.out[0], 0, 0x0);
  out1 = expect_block (f.out[1], 0, 0x1);
  out2 = expect_block (f.out[2], 0, 0x1);
  g_assert_true (out1 == full);
  g_assert_true (out2 == full);
  g_assert_true (out0 != full);
  gst_buffer_unref (full);
  gst_buffer_unref (out0);
  gst_buffer_unref (out1);
  gst_buffer_unref (out2);

  g_assert_false (src_shares_full_mix (f.mixminus, "src_0"));
  g_assert_true (src_shares_full_mix (f.mixminus, "src_1"));
  g_assert_true (src_shares_full_mix (f.mixminus, "src_2"));
  seen = pop_messages (f.bus, "mixminus-shares-full-mix", "shares-full-mix");
  g_assert_cmpuint (seen->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (seen, 0), ==, "src_0=0");
  g_assert_cmpstr (g_ptr_array_index (seen, 1), ==, "src_1=1");
  g_assert_cmpstr (g_ptr_array_index (seen, 2), ==, "src_2=1");
  g_clear_pointer (&seen, g_ptr_array_unref);

  /* Unmuted while playing: input 2 is in the mix again and gets its own. */
  gst_child_proxy_set (GST_CHILD_PROXY (f.mixminus), "sink_2::mute", FALSE,
      NULL);
  push_block (&f, 0, 1);
  push_silence (&f, 1, 1);
  push_block (&f, 2, 1);
  expect_and_drop (f.full, 1, 0x5);
  expect_and_drop (f.out[0], 1, 0x4);
  expect_and_drop (f.out[1], 1, 0x5);
  expect_and_drop (f.out[2], 1, 0x1);
  g_assert_false (src_shares_full_mix (f.mixminus, "src_2"));
  seen = pop_messages (f.bus, "mixminus-shares-full-mix", "shares-full-mix");
  g_assert_cmpuint (seen->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (seen, 0), ==, "src_2=0");

  fixture_teardown (&f);
}

/* One push seen by order_probe(): which pad, which block, and for a src_K
 * what its shares-full-mix said during the push. */
typedef struct
{
  gchar *pad;
  GstClockTime pts;
  GstBuffer *buffer;            /* not a reference: compared only */
  gboolean shares;
} Push;

typedef struct
{
  GMutex lock;
  GArray *pushes;               /* Push */
} PushLog;

static GstPadProbeReturn
order_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  PushLog *log = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  Push push = { gst_pad_get_name (pad), GST_BUFFER_PTS (buffer), buffer,
    FALSE
  };

  if (g_str_has_prefix (push.pad, "src_"))
    g_object_get (pad, "shares-full-mix", &push.shares, NULL);
  g_mutex_lock (&log->lock);
  g_array_append_val (log->pushes, push);
  g_mutex_unlock (&log->lock);

  return GST_PAD_PROBE_OK;
}

static void
clear_push (gpointer data)
{
  g_free (((Push *) data)->pad);
}

/* After the first block, each block goes out on every src_K before "src";
 * during the push, shares-full-mix tells whether the buffer is the very
 * full mix pushed on "src" after it. */
static void
test_push_order (void)
{
  Fixture f;
  PushLog log;
  const gchar *const pads[] = { "src", "src_0", "src_1", "src_2" };

  g_mutex_init (&log.lock);
  log.pushes = g_array_new (FALSE, FALSE, sizeof (Push));
  g_array_set_clear_func (log.pushes, clear_push);

  fixture_setup (&f, 3);
  for (guint i = 0; i < G_N_ELEMENTS (pads); i++) {
    g_autoptr (GstPad) pad = gst_element_get_static_pad (f.mixminus, pads[i]);

    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, order_probe, &log,
        NULL);
  }

  /* Blocks 0-3: input 1 silent throughout, input 2 silent from block 2. */
  for (guint64 block = 0; block < 4; block++) {
    push_block (&f, 0, block);
    push_silence (&f, 1, block);
    if (block < 2)
      push_block (&f, 2, block);
    else
      push_silence (&f, 2, block);
    expect_and_drop (f.full, block, block < 2 ? 0x5 : 0x1);
    expect_and_drop (f.out[0], block, block < 2 ? 0x4 : 0x0);
    expect_and_drop (f.out[1], block, block < 2 ? 0x5 : 0x1);
    expect_and_drop (f.out[2], block, 0x1);
  }

  g_assert_cmpuint (log.pushes->len, ==, 4 * 4);
  for (guint64 block = 0; block < 4; block++) {
    Push *p = &g_array_index (log.pushes, Push, block * 4);
    Push *full = block == 0 ? p : p + 3;

    /* The first block on "src" first (it gives "src" its events), every
     * later one on the src_K first. */
    g_test_message ("block %" G_GUINT64_FORMAT ": %s %s %s %s", block,
        p[0].pad, p[1].pad, p[2].pad, p[3].pad);
    g_assert_cmpstr (full->pad, ==, "src");
    for (guint i = 0; i < 4; i++)
      g_assert_cmpuint (p[i].pts, ==, block * BLOCK_NS);
    for (guint i = 0; i < 4; i++) {
      Push *out = &p[i];

      if (out == full)
        continue;
      g_assert_true (g_str_has_prefix (out->pad, "src_"));
      /* Input 1 is never in the sum, input 2 from block 2 on: their
       * outputs are then the full-mix buffer itself. */
      if (g_str_equal (out->pad, "src_1")
          || (g_str_equal (out->pad, "src_2") && block >= 2)) {
        g_assert_true (out->shares);
        g_assert_true (out->buffer == full->buffer);
      } else {
        g_assert_false (out->shares);
        g_assert_true (out->buffer != full->buffer);
      }
    }
  }

  fixture_teardown (&f);
  g_array_unref (log.pushes);
  g_mutex_clear (&log.lock);
}

static void
test_deaf_and_volume (void)
{
  Fixture f;
  GstBuffer *buffer;
  GstMapInfo map;

  fixture_setup (&f, 3);
  gst_child_proxy_set (GST_CHILD_PROXY (f.mixminus), "sink_1::deaf", TRUE,
      "sink_0::volume", 2.0, NULL);

  push_block (&f, 0, 0);
  push_block (&f, 1, 0);
  push_block (&f, 2, 0);

  /* The deaf input hears silence. */
  buffer = gst_harness_pull (f.out[1]);
  g_assert_nonnull (buffer);
  g_assert_cmpuint (GST_BUFFER_PTS (buffer), ==, 0);
  gst_buffer_map (buffer, &map, GST_MAP_READ);
  g_assert_cmpuint (map.size, ==, BLOCK * sizeof (gint16));
  for (guint i = 0; i < BLOCK; i++)
    g_assert_cmpint (((const gint16 *) map.data)[i], ==, 0);
  gst_buffer_unmap (buffer, &map);
  gst_buffer_unref (buffer);
  g_assert_false (src_shares_full_mix (f.mixminus, "src_1"));

  /* ... and is heard; input 0 at volume 2 is heard doubled, exactly. */
  buffer = gst_harness_pull (f.out[2]);
  g_assert_nonnull (buffer);
  gst_buffer_map (buffer, &map, GST_MAP_READ);
  for (guint i = 0; i < BLOCK; i++) {
    gint want = 2 * signal_of (0, i) + signal_of (1, i);
    g_assert_cmpint (((const gint16 *) map.data)[i], ==, want);
  }
  gst_buffer_unmap (buffer, &map);
  gst_buffer_unref (buffer);

  /* Input 0 hears no trace of itself, whatever its volume. */
  expect_and_drop (f.out[0], 0, 0x6);

  fixture_teardown (&f);
}

/* A 1 kHz sine at @dbov (RMS, relative to full scale) at sample n. */
static gint16
tone_at (gdouble dbov, guint64 n)
{
  gdouble amplitude = 32768.0 * G_SQRT2 * pow (10.0, dbov / 20.0);

  return (gint16) lrint (amplitude * sin (2 * G_PI * 1000.0 * n / RATE));
}

static void
push_tone (Fixture * f, guint k, guint64 block, gdouble dbov)
{
  GstBuffer *buffer = make_block (k, block, TRUE);
  GstMapInfo map;

  gst_buffer_map (buffer, &map, GST_MAP_WRITE);
  for (guint i = 0; i < BLOCK; i++)
    ((gint16 *) map.data)[i] = isinf (dbov) ? 0 : tone_at (dbov,
        block * BLOCK + i);
  gst_buffer_unmap (buffer, &map);
  g_assert_cmpint (gst_harness_push (f->in[k], buffer), ==, GST_FLOW_OK);
}

static void
test_talk_detection (void)
{
  /* The level of each 20 ms block on input 0, and whether it must be
   * talking after that block: start at -25 dBov, stop below -40 dBov
   * after 100 ms. */
  static const struct
  {
    gdouble dbov;
    gboolean talking;
  } script[] = {
    {-30.0, FALSE}, {-30.0, FALSE}, {-30.0, FALSE},     /* below start */
    {-20.0, TRUE}, {-20.0, TRUE},       /* starts */
    {-30.0, TRUE}, {-38.0, TRUE}, {-30.0, TRUE},        /* above stop */
    {-INFINITY, TRUE}, {-60.0, TRUE}, {-INFINITY, TRUE}, {-50.0, TRUE},
    {-INFINITY, FALSE},         /* 100 ms below stop */
    {-INFINITY, FALSE},
  };
  Fixture f;
  GstMessage *message;
  guint n_messages = 0;

  fixture_setup (&f, 2);
  g_object_set (f.mixminus, "talk-start-level", -25.0, "talk-stop-level",
      -40.0, "talk-hangover", (guint64) (100 * GST_MSECOND), NULL);

  for (guint b = 0; b < G_N_ELEMENTS (script); b++) {
    g_autoptr (GstPad) sink_0 = gst_element_get_static_pad (f.mixminus,
        "sink_0");
    gdouble level;
    gboolean talking;

    push_tone (&f, 0, b, script[b].dbov);
    push_silence (&f, 1, b);
    gst_buffer_unref (gst_harness_pull (f.out[1]));

    g_object_get (sink_0, "talking", &talking, "level", &level, NULL);
    if (talking != script[b].talking)
      g_test_message ("block %u at %.1f dBov", b, script[b].dbov);
    g_assert_cmpint (talking, ==, script[b].talking);
    if (isinf (script[b].dbov))
      g_assert_cmpfloat (level, ==, -127.0);
    else
      g_assert_cmpfloat_with_epsilon (level, script[b].dbov, 0.05);
    g_assert_false (get_bool (f.mixminus, "sink_1::talking"));
  }

  /* Exactly two messages: sink_0 starts at -20 dBov and stops. */
  while ((message = gst_bus_pop_filtered (f.bus, GST_MESSAGE_ELEMENT))) {
    const GstStructure *s = gst_message_get_structure (message);
    gboolean talking;
    gdouble level;

    if (gst_structure_has_name (s, "mixminus-talking")) {
      g_assert_cmpstr (gst_structure_get_string (s, "pad"), ==, "sink_0");
      g_assert_true (gst_structure_get_boolean (s, "talking", &talking));
      g_assert_true (gst_structure_get_double (s, "level", &level));
      if (n_messages == 0) {
        g_assert_true (talking);
        g_assert_cmpfloat_with_epsilon (level, -20.0, 0.05);
      } else {
        g_assert_false (talking);
        g_assert_cmpfloat (level, ==, -127.0);
      }
      n_messages++;
    }
    gst_message_unref (message);
  }
  g_assert_cmpuint (n_messages, ==, 2);

  fixture_teardown (&f);
}

/* Pulls one block and checks it against the sum of 1 kHz tones at the
 * given levels (-INFINITY: absent). */
static GstBuffer *
expect_tones (GstHarness * h, guint64 block, gdouble a, gdouble b)
{
  GstBuffer *buffer = gst_harness_pull (h);
  GstMapInfo map;

  g_assert_nonnull (buffer);
  g_assert_cmpuint (GST_BUFFER_PTS (buffer), ==, block * BLOCK_NS);
  gst_buffer_map (buffer, &map, GST_MAP_READ);
  g_assert_cmpuint (map.size, ==, BLOCK * sizeof (gint16));
  for (guint i = 0; i < BLOCK; i++) {
    guint64 n = block * BLOCK + i;
    gint want = (isinf (a) ? 0 : tone_at (a, n)) + (isinf (b) ? 0 :
        tone_at (b, n));
    g_assert_cmpint (((const gint16 *) map.data)[i], ==, want);
  }
  gst_buffer_unmap (buffer, &map);

  return buffer;
}

static void
test_gate (void)
{
  Fixture f;
  GstBuffer *full, *out1, *out2;
  guint64 b = 0;

  fixture_setup (&f, 3);
  g_object_set (f.mixminus, "gate", TRUE, "talk-start-level", -30.0,
      "talk-stop-level", -40.0, NULL);

  /* Input 0 talks; 1 and 2 only carry room noise, below the thresholds.
   * With the gate, the noise is in nobody's mix and the quiet inputs
   * share the full mix even though they are not digital silence. */
  for (; b < 3; b++) {
    push_tone (&f, 0, b, -20.0);
    push_tone (&f, 1, b, -60.0);
    push_tone (&f, 2, b, -50.0);

    full = expect_tones (f.full, b, -20.0, -INFINITY);
    out1 = expect_tones (f.out[1], b, -20.0, -INFINITY);
    out2 = expect_tones (f.out[2], b, -20.0, -INFINITY);
    g_assert_true (out1 == full);
    g_assert_true (out2 == full);
    gst_buffer_unref (expect_tones (f.out[0], b, -INFINITY, -INFINITY));
    gst_buffer_unref (full);
    gst_buffer_unref (out1);
    gst_buffer_unref (out2);
  }
  g_assert_false (src_shares_full_mix (f.mixminus, "src_0"));
  g_assert_true (src_shares_full_mix (f.mixminus, "src_1"));
  g_assert_true (src_shares_full_mix (f.mixminus, "src_2"));

  /* Input 1 speaks up: it is mixed from that very block on. */
  push_tone (&f, 0, b, -20.0);
  push_tone (&f, 1, b, -25.0);
  push_tone (&f, 2, b, -50.0);
  gst_buffer_unref (expect_tones (f.full, b, -20.0, -25.0));
  gst_buffer_unref (expect_tones (f.out[0], b, -25.0, -INFINITY));
  gst_buffer_unref (expect_tones (f.out[1], b, -20.0, -INFINITY));
  gst_buffer_unref (expect_tones (f.out[2], b, -20.0, -25.0));
  g_assert_false (src_shares_full_mix (f.mixminus, "src_1"));
  b++;

  /* Without the gate every unmuted input is mixed, noise and all. */
  g_object_set (f.mixminus, "gate", FALSE, NULL);
  push_tone (&f, 0, b, -INFINITY);
  push_tone (&f, 1, b, -60.0);
  push_tone (&f, 2, b, -INFINITY);
  gst_buffer_unref (expect_tones (f.full, b, -60.0, -INFINITY));
  gst_buffer_unref (expect_tones (f.out[0], b, -60.0, -INFINITY));
  gst_buffer_unref (expect_tones (f.out[1], b, -INFINITY, -INFINITY));
  g_assert_false (src_shares_full_mix (f.mixminus, "src_1"));
  g_assert_true (src_shares_full_mix (f.mixminus, "src_0"));
  gst_buffer_unref (gst_harness_pull (f.out[2]));

  fixture_teardown (&f);
}

#define NB_FRAMES 160            /* 20 ms at 8 kHz */
#define NB_CAPS "audio/x-raw, format=S16LE, layout=interleaved, rate=8000, " \
  "channels=2"
/* The same format, with the default channel-mask spelled out. */
#define NB_CAPS_MASK NB_CAPS ", channel-mask=(bitmask)0x3"

/* Stereo narrowband input k, frame f, channel c. */
static gint16
stereo_of (guint k, guint64 f, guint c)
{
  if (k == 0)
    return c == 0 ? (gint16) (1000 + f % 500) : 3000;
  return c == 0 ? (gint16) (7 * (f % 400)) : 30000;
}

static void
push_stereo (GstHarness * h, guint k, guint64 block)
{
  GstBuffer *buffer = gst_buffer_new_allocate (NULL,
      NB_FRAMES * 2 * sizeof (gint16), NULL);
  GstMapInfo map;

  gst_buffer_map (buffer, &map, GST_MAP_WRITE);
  for (guint i = 0; i < NB_FRAMES; i++) {
    for (guint c = 0; c < 2; c++)
      ((gint16 *) map.data)[2 * i + c] =
          stereo_of (k, block * NB_FRAMES + i, c);
  }
  gst_buffer_unmap (buffer, &map);
  GST_BUFFER_PTS (buffer) = block * BLOCK_NS;
  GST_BUFFER_DURATION (buffer) = BLOCK_NS;
  g_assert_cmpint (gst_harness_push (h, buffer), ==, GST_FLOW_OK);
}

/* Checks a stereo block against the inputs in @mask (bit k: input k). */
static void
expect_stereo (GstHarness * h, guint64 block, guint mask)
{
  GstBuffer *buffer = gst_harness_pull (h);
  GstMapInfo map;

  g_assert_nonnull (buffer);
  g_assert_cmpuint (GST_BUFFER_PTS (buffer), ==, block * BLOCK_NS);
  gst_buffer_map (buffer, &map, GST_MAP_READ);
  g_assert_cmpuint (map.size, ==, NB_FRAMES * 2 * sizeof (gint16));
  for (guint i = 0; i < NB_FRAMES; i++) {
    for (guint c = 0; c < 2; c++) {
      gint32 want = 0;

      for (guint k = 0; k < 2; k++) {
        if (mask & (1u << k))
          want += stereo_of (k, block * NB_FRAMES + i, c);
      }
      want = CLAMP (want, G_MININT16, G_MAXINT16);
      g_assert_cmpint (((const gint16 *) map.data)[2 * i + c], ==, want);
    }
  }
  gst_buffer_unmap (buffer, &map);
  gst_buffer_unref (buffer);
}

static void
test_stereo_narrowband (void)
{
  GstElement *mixminus = gst_element_factory_make ("mixminus", NULL);
  GstHarness *in0, *in1, *out0, *out1, *full;
  g_autoptr (GstPad) src_1 = NULL;
  g_autoptr (GstCaps) caps = NULL;
  g_autoptr (GstCaps) want = gst_caps_from_string (NB_CAPS_MASK);

  in0 = gst_harness_new_with_element (mixminus, "sink_0", NULL);
  in1 = gst_harness_new_with_element (mixminus, "sink_1", NULL);
  gst_harness_set_src_caps_str (in0, NB_CAPS_MASK);
  gst_harness_set_src_caps_str (in1, NB_CAPS);
  out0 = gst_harness_new_with_element (mixminus, NULL, "src_0");
  out1 = gst_harness_new_with_element (mixminus, NULL, "src_1");
  full = gst_harness_new_with_element (mixminus, NULL, "src");
  gst_harness_play (full);

  /* Right channel: 3000 + 30000 clips in the full mix, and each side's
   * mix-minus is the other side's right channel, untouched. */
  for (guint64 b = 0; b < 3; b++) {
    push_stereo (in0, 0, b);
    push_stereo (in1, 1, b);
    expect_stereo (full, b, 0x3);
    expect_stereo (out0, b, 0x2);
    expect_stereo (out1, b, 0x1);
  }

  src_1 = gst_element_get_static_pad (mixminus, "src_1");
  caps = gst_pad_get_current_caps (src_1);
  g_assert_nonnull (caps);
  g_assert_true (gst_caps_is_equal (caps, want));

  /* A new input must bring the same format: not mono, not another rate. */
  {
    GstPad *extra = gst_element_request_pad_simple (mixminus, "sink_%u");
    g_autoptr (GstCaps) mono = gst_caps_from_string ("audio/x-raw, "
        "format=S16LE, layout=interleaved, rate=8000, channels=1");
    g_autoptr (GstCaps) wideband = gst_caps_from_string ("audio/x-raw, "
        "format=S16LE, layout=interleaved, rate=16000, channels=2");
    g_autoptr (GstCaps) same = gst_caps_from_string (NB_CAPS);

    g_assert_nonnull (extra);
    g_assert_false (gst_pad_query_accept_caps (extra, mono));
    g_assert_false (gst_pad_query_accept_caps (extra, wideband));
    g_assert_true (gst_pad_query_accept_caps (extra, same));
    gst_element_release_request_pad (mixminus, extra);
    gst_object_unref (extra);
  }

  gst_harness_teardown (out0);
  gst_harness_teardown (out1);
  gst_harness_teardown (full);
  gst_harness_teardown (in0);
  gst_harness_teardown (in1);
  gst_object_unref (mixminus);
}

/* --- never-block ---------------------------------------------------------- */

typedef struct
{
  GstHarness *h;
  guint k;
  guint64 first, count;
  GThread *thread;
  GMutex lock;
  GCond cond;
  gboolean done;
} Pusher;

static gpointer
push_many (gpointer data)
{
  Pusher *p = data;

  for (guint64 b = p->first; b < p->first + p->count; b++)
    g_assert_cmpint (gst_harness_push (p->h, make_block (p->k, b, FALSE)), ==,
        GST_FLOW_OK);
  g_mutex_lock (&p->lock);
  p->done = TRUE;
  g_cond_signal (&p->cond);
  g_mutex_unlock (&p->lock);
  return NULL;
}

/* Two inputs, input 0's queue allowed 60 ms upstream and set to
 * @never_block; blocks 0 and 1 mixed.  Returns input 0's pad. */
static GstPad *
never_block_setup (Fixture * f, gboolean never_block)
{
  GstPad *sink0;

  fixture_setup (f, 2);
  gst_harness_set_upstream_latency (f->in[0], 60 * GST_MSECOND);
  sink0 = gst_element_get_static_pad (f->mixminus, "sink_0");
  g_object_set (sink0, "never-block", never_block, NULL);
  for (guint64 b = 0; b < 2; b++) {
    push_block (f, 0, b);
    push_block (f, 1, b);
    expect_and_drop (f->out[0], b, 0x2);
    expect_and_drop (f->out[1], b, 0x1);
    expect_and_drop (f->full, b, 0x3);
  }
  return sink0;
}

/* Pushes blocks @first to @first + @count - 1 into @h from a thread of
 * their own; TRUE when that thread was done within 2 s. */
static gboolean
pusher_start (Pusher * p, GstHarness * h, guint64 first, guint64 count)
{
  gint64 deadline = g_get_monotonic_time () + 2 * G_TIME_SPAN_SECOND;
  gboolean done;

  p->h = h;
  p->k = 0;
  p->first = first;
  p->count = count;
  g_mutex_init (&p->lock);
  g_cond_init (&p->cond);
  p->thread = g_thread_new ("pusher", push_many, p);
  g_mutex_lock (&p->lock);
  while (!p->done && g_cond_wait_until (&p->cond, &p->lock, deadline))
    ;
  done = p->done;
  g_mutex_unlock (&p->lock);
  return done;
}

static void
pusher_join (Pusher * p)
{
  g_thread_join (p->thread);
  g_mutex_clear (&p->lock);
  g_cond_clear (&p->cond);
}

/* Blocks @first to @last - 1 on both inputs' outputs and the full mix,
 * input 1 sending them now and input 0 heard in those where @heard0. */
static void
expect_blocks (Fixture * f, guint64 first, guint64 last, gboolean heard0)
{
  for (guint64 b = first; b < last; b++) {
    push_block (f, 1, b);
    expect_and_drop (f->out[1], b, heard0 ? 0x1 : 0x0);
    expect_and_drop (f->out[0], b, 0x2);
    expect_and_drop (f->full, b, heard0 ? 0x3 : 0x2);
  }
}

/*
 * Input 0 (never-block) gets 30 blocks at once while input 1 sends nothing
 * and the test clock stands still, so nothing is mixed meanwhile: where
 * GstAggregator would make the pusher wait (forever, here), the pad keeps
 * what does not fit.  GstAggregator's queue may span the upstream latency
 * (60 ms: the element's own is 0), counted from the end of the last block
 * it took (block 1): blocks 2 to 5 go in.  The pad keeps the newest 16
 * (16 to 31) and drops and counts the 10 between.  As input 1 sends and
 * the mixer runs, the kept blocks go in and are mixed exactly: input 0 is
 * heard in blocks 2-5 and 16-31, silent in 6-15.
 * Run with never-block off, the pusher is still waiting after 2 s.
 */
static void
run_never_block (gboolean never_block)
{
  Fixture f;
  g_autoptr (GstPad) sink0 = never_block_setup (&f, never_block);
  Pusher p = { 0 };
  guint64 dropped = 0;
  gboolean done = pusher_start (&p, f.in[0], 2, 30);

  if (!never_block) {
    /* Waiting for room: the mixer running frees it, and nothing is lost. */
    g_assert_false (done);
    g_test_message ("never-block off: the pusher waits");
    expect_blocks (&f, 2, 32, TRUE);
    pusher_join (&p);
  } else {
    g_assert_true (done);
    pusher_join (&p);
    g_object_get (sink0, "dropped-full", &dropped, NULL);
    g_test_message ("never-block: %" G_GUINT64_FORMAT " of 30 dropped", dropped);
    g_assert_cmpuint (dropped, ==, 10);

    expect_blocks (&f, 2, 6, TRUE);
    expect_blocks (&f, 6, 16, FALSE);
    expect_blocks (&f, 16, 32, TRUE);
    for (guint64 b = 32; b < 35; b++) {
      push_block (&f, 0, b);
      push_block (&f, 1, b);
      expect_and_drop (f.out[1], b, 0x1);
      expect_and_drop (f.out[0], b, 0x2);
      expect_and_drop (f.full, b, 0x3);
    }
    g_object_get (sink0, "dropped-full", &dropped, NULL);
    g_assert_cmpuint (dropped, ==, 10);
  }

  fixture_teardown (&f);
}

static void
test_never_block (void)
{
  run_never_block (TRUE);
}

static void
test_blocks_without_never_block (void)
{
  run_never_block (FALSE);
}

/* Which inputs @buffer, block @block of the full mix, carries: @a or @b
 * exactly, or G_MAXUINT. */
static guint
mix_mask_of (GstBuffer * buffer, guint64 block, guint a, guint b)
{
  GstMapInfo map;
  const gint16 *samples;
  gboolean is_a = TRUE, is_b = TRUE;

  gst_buffer_map (buffer, &map, GST_MAP_READ);
  samples = (const gint16 *) map.data;
  for (guint i = 0; i < BLOCK; i++) {
    is_a = is_a && samples[i] == mix_of (a, block * BLOCK + i);
    is_b = is_b && samples[i] == mix_of (b, block * BLOCK + i);
  }
  gst_buffer_unmap (buffer, &map);
  return is_a ? a : is_b ? b : G_MAXUINT;
}

/*
 * GstAggregator turns a GAP event into a buffer of its queue: a
 * never-block input that did not count it would think its queue emptier
 * than it is, and the mixer's thread, handing on what the input kept,
 * would wait for itself.  Input 0 sends a GAP for blocks 2-4, then blocks
 * 5-24 at once, while input 1 is silent and the clock stands still; then
 * input 1 sends and the mixer runs through block 24.  Every block of the
 * full mix is input 1 alone or both, exactly; input 0 is heard in as many
 * blocks as were not dropped, none of them before block 5.
 */
static void
test_never_block_gap (void)
{
  Fixture f;
  g_autoptr (GstPad) sink0 = never_block_setup (&f, TRUE);
  Pusher p = { 0 };
  guint64 dropped = 0;
  guint heard = 0;

  g_assert_true (gst_harness_push_event (f.in[0],
          gst_event_new_gap (2 * BLOCK_NS, 3 * BLOCK_NS)));
  g_assert_true (pusher_start (&p, f.in[0], 5, 20));
  pusher_join (&p);

  for (guint64 b = 2; b < 25; b++) {
    GstBuffer *full;
    guint mask;

    push_block (&f, 1, b);
    full = gst_harness_pull (f.full);
    g_assert_nonnull (full);
    g_assert_cmpuint (GST_BUFFER_PTS (full), ==, b * BLOCK_NS);
    mask = mix_mask_of (full, b, 0x3, 0x2);
    gst_buffer_unref (full);
    g_assert_cmpuint (mask, !=, G_MAXUINT);
    if (b < 5)
      g_assert_cmpuint (mask, ==, 0x2);
    heard += mask == 0x3;
  }
  g_object_get (sink0, "dropped-full", &dropped, NULL);
  g_test_message ("input 0 heard in %u blocks, %" G_GUINT64_FORMAT
      " dropped of 20", heard, dropped);
  g_assert_cmpuint (heard + dropped, ==, 20);

  fixture_teardown (&f);
}

/* TRUE when input @k's GstAggregator queue holds a buffer. */
static gboolean
handed_on (Fixture * f, guint k)
{
  g_autofree gchar *name = g_strdup_printf ("sink_%u", k);
  g_autoptr (GstPad) pad = gst_element_get_static_pad (f->mixminus, name);

  return gst_aggregator_pad_has_buffer (GST_AGGREGATOR_PAD (pad));
}

/*
 * Never-block inputs, once the mixer runs on its clock, keep what they are
 * pushed until every input waited for has the next block: each buffer
 * handed to GstAggregator wakes the mixer, so the push that completes the
 * block hands them all on at once, and the mixer mixes it at once.  An
 * input that misses the block is not waited for past the deadline: then
 * the mixer takes in what the others keep itself.
 * Three never-block inputs; blocks 0-1 start the mixer.  Blocks 2-4:
 * inputs 0 and 1 push and their buffers stay with their pads; input 2's
 * push hands all three on and the block comes out whole, the test clock
 * standing still.  Blocks 5-6: input 2 is silent; inputs 0 and 1 still
 * keep theirs until the clock reaches the deadline, then both are mixed.
 * Block 7: all three again.
 */
static void
test_never_block_hands_on_whole_blocks (void)
{
  Fixture f;
  g_autoptr (GstClock) clock = NULL;
  guint64 b = 0;

  fixture_setup (&f, 3);
  clock = gst_element_get_clock (f.mixminus);
  g_assert_true (GST_IS_TEST_CLOCK (clock));
  for (guint k = 0; k < 3; k++) {
    g_autofree gchar *name = g_strdup_printf ("sink_%u", k);
    g_autoptr (GstPad) pad = gst_element_get_static_pad (f.mixminus, name);

    g_object_set (pad, "never-block", TRUE, NULL);
  }

  for (; b < 8; b++) {
    gboolean all = b < 5 || b == 7;

    g_test_message ("block %" G_GUINT64_FORMAT, b);
    if (b >= 2) {
      /* The mixer is waiting for the next block on the clock (after
       * block 1 it waits from the start): nothing of its thread is
       * handing anything on. */
      gst_test_clock_wait_for_next_pending_id (GST_TEST_CLOCK (clock), NULL);
    }
    push_block (&f, 0, b);
    push_block (&f, 1, b);
    if (b >= 2) {
      g_assert_false (handed_on (&f, 0));
      g_assert_false (handed_on (&f, 1));
    }
    if (all)
      push_block (&f, 2, b);
    else
      g_assert_true (gst_test_clock_crank (GST_TEST_CLOCK (clock)));
    expect_and_drop (f.out[0], b, all ? 0x6 : 0x2);
    expect_and_drop (f.out[1], b, all ? 0x5 : 0x1);
    expect_and_drop (f.out[2], b, 0x3);
    expect_and_drop (f.full, b, all ? 0x7 : 0x3);
  }

  fixture_teardown (&f);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);
  GST_PLUGIN_STATIC_REGISTER (wardbridge);

  g_test_add_func ("/mixminus/exact-samples", test_exact_samples);
  g_test_add_func ("/mixminus/caps-and-events", test_caps_and_events);
  g_test_add_func ("/mixminus/latency", test_latency);
  g_test_add_func ("/mixminus/pads-while-playing", test_pads_while_playing);
  g_test_add_func ("/mixminus/input-stops", test_input_stops);
  g_test_add_func ("/mixminus/shares-full-mix", test_shares_full_mix);
  g_test_add_func ("/mixminus/push-order", test_push_order);
  g_test_add_func ("/mixminus/deaf-and-volume", test_deaf_and_volume);
  g_test_add_func ("/mixminus/talk-detection", test_talk_detection);
  g_test_add_func ("/mixminus/gate", test_gate);
  g_test_add_func ("/mixminus/stereo-narrowband", test_stereo_narrowband);
  g_test_add_func ("/mixminus/never-block", test_never_block);
  g_test_add_func ("/mixminus/blocks-without-never-block",
      test_blocks_without_never_block);
  g_test_add_func ("/mixminus/never-block-gap", test_never_block_gap);
  g_test_add_func ("/mixminus/never-block-hands-on-whole-blocks",
      test_never_block_hands_on_whole_blocks);

  return g_test_run ();
}
