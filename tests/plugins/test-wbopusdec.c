/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tests of the wbopusdec element (plugins/gstwbopusdec.c) with GstHarness.
 * A tone is encoded once with opusenc (voice, in-band FEC, 20 % expected
 * loss, so that every packet carries the previous one's FEC data); the
 * tests then feed those packets, with some replaced by GAP events as
 * rtpjitterbuffer's do-lost sends them, and check the samples that come
 * out against opusdec's and against what a lossless decode gives.
 */
#include <gst/gst.h>
#include <gst/check/gstharness.h>

#include <math.h>
#include <string.h>

GST_PLUGIN_STATIC_DECLARE (wardbridge);

#define RATE 48000
#define PACKET 960              /* samples in 20 ms */
#define PACKET_NS (20 * GST_MSECOND)
#define N_PACKETS 50
#define OUT_CAPS "audio/x-raw, format=(string)S16LE, layout=(string)interleaved, " \
  "rate=(int)48000, channels=(int)1"

static GPtrArray *packets;      /* GstBuffer, PTS i * 20 ms */

/* A voice-like signal: two tones, changing loudness. */
static gint16
signal_at (guint64 n)
{
  double t = (double) n / RATE;
  double env = 0.5 + 0.4 * sin (2 * G_PI * 3 * t);

  return (gint16) (8000 * env * (sin (2 * G_PI * 220 * t) +
          0.5 * sin (2 * G_PI * 660 * t)));
}

static void
encode_packets (void)
{
  GstHarness *h = gst_harness_new_parse ("opusenc audio-type=voice "
      "bitrate=32000 frame-size=20 inband-fec=true packet-loss-percentage=20");

  gst_harness_set_src_caps_str (h, OUT_CAPS);
  packets = g_ptr_array_new_with_free_func ((GDestroyNotify) gst_buffer_unref);
  for (guint i = 0; i < N_PACKETS + 4; i++) {
    GstBuffer *raw = gst_buffer_new_allocate (NULL, PACKET * 2, NULL);
    GstMapInfo map;
    gint16 *s;

    gst_buffer_map (raw, &map, GST_MAP_WRITE);
    s = (gint16 *) map.data;
    for (guint k = 0; k < PACKET; k++)
      s[k] = signal_at ((guint64) i * PACKET + k);
    gst_buffer_unmap (raw, &map);
    GST_BUFFER_PTS (raw) = i * PACKET_NS;
    GST_BUFFER_DURATION (raw) = PACKET_NS;
    g_assert_cmpint (gst_harness_push (h, raw), ==, GST_FLOW_OK);
  }
  while (packets->len < N_PACKETS) {
    GstBuffer *p = gst_harness_try_pull (h);

    g_assert_nonnull (p);
    /* As the depayloader gives them: the RTP timestamps' times. */
    p = gst_buffer_make_writable (p);
    GST_BUFFER_PTS (p) = packets->len * PACKET_NS;
    GST_BUFFER_DURATION (p) = PACKET_NS;
    g_ptr_array_add (packets, p);
  }
  gst_harness_teardown (h);
}

static GstHarness *
new_decoder (const char *description)
{
  GstHarness *h = gst_harness_new_parse (description);

  gst_harness_set_src_caps_str (h, "audio/x-opus, channel-mapping-family=(int)0, "
      "channels=(int)1, rate=(int)48000");
  return h;
}

static void
push_packet (GstHarness *h, guint i)
{
  g_assert_cmpint (gst_harness_push (h, gst_buffer_ref (g_ptr_array_index (packets, i))),
                   ==, GST_FLOW_OK);
}

static void
push_gap (GstHarness *h, guint i)
{
  g_assert_true (gst_harness_push_event (h, gst_event_new_gap (i * PACKET_NS, PACKET_NS)));
}

/* The next output buffer: at @pts, one packet long; its samples in @out. */
static void
pull_block (GstHarness *h, GstClockTime pts, gint16 *out)
{
  g_autoptr (GstBuffer) b = gst_harness_pull (h);

  g_assert_nonnull (b);
  g_assert_cmpuint (GST_BUFFER_PTS (b), ==, pts);
  g_assert_cmpuint (GST_BUFFER_DURATION (b), ==, PACKET_NS);
  g_assert_cmpuint (gst_buffer_get_size (b), ==, PACKET * 2);
  gst_buffer_extract (b, 0, out, PACKET * 2);
}

static guint64
stat_of (GstHarness *h, const char *name)
{
  g_autoptr (GstElement) dec = gst_harness_find_element (h, "wbopusdec");
  g_autoptr (GstStructure) stats = NULL;
  guint64 v = G_MAXUINT64;

  g_object_get (dec, "stats", &stats, NULL);
  g_assert_true (gst_structure_get_uint64 (stats, name, &v));
  return v;
}

static double
rms (const gint16 *s)
{
  double sum = 0;

  for (guint k = 0; k < PACKET; k++)
    sum += (double) s[k] * s[k];
  return sqrt (sum / PACKET);
}

static double
rms_diff (const gint16 *a, const gint16 *b)
{
  double sum = 0;

  for (guint k = 0; k < PACKET; k++)
    sum += ((double) a[k] - b[k]) * ((double) a[k] - b[k]);
  return sqrt (sum / PACKET);
}

/* All N_PACKETS blocks of a lossless decode by wbopusdec. */
static gint16 *
decode_all (void)
{
  GstHarness *h = new_decoder ("wbopusdec");
  gint16 *all = g_new (gint16, N_PACKETS * PACKET);

  for (guint i = 0; i < N_PACKETS; i++) {
    push_packet (h, i);
    pull_block (h, i * PACKET_NS, all + i * PACKET);
  }
  gst_harness_teardown (h);
  return all;
}

/* Sample for sample what opusdec gives for the same packets (opusdec
 * drops the encoder's lookahead at the start, wbopusdec keeps each block
 * at its packet's time), in the mixer's format, each block out as soon as
 * its packet is in. */
static void
test_matches_opusdec (void)
{
  GstHarness *ours = new_decoder ("wbopusdec");
  GstHarness *ref = new_decoder ("opusdec plc=false use-inband-fec=false");
  g_autofree gint16 *a = g_new0 (gint16, N_PACKETS * PACKET);
  g_autofree gint16 *b = g_new0 (gint16, N_PACKETS * PACKET);
  gsize b_len = 0, skip;
  GstBuffer *rb;

  for (guint i = 0; i < N_PACKETS; i++) {
    push_packet (ours, i);
    g_assert_cmpuint (gst_harness_buffers_in_queue (ours), ==, 1);
    pull_block (ours, i * PACKET_NS, a + i * PACKET);
    push_packet (ref, i);
  }
  while ((rb = gst_harness_try_pull (ref)) != NULL) {
    gsize n = gst_buffer_get_size (rb) / 2;

    g_assert_cmpuint (b_len + n, <=, N_PACKETS * PACKET);
    gst_buffer_extract (rb, 0, b + b_len, n * 2);
    b_len += n;
    gst_buffer_unref (rb);
  }
  skip = N_PACKETS * PACKET - b_len;
  g_test_message ("opusdec skipped %" G_GSIZE_FORMAT " samples", skip);
  g_assert_cmpuint (skip, <, PACKET);
  g_assert_cmpmem (a + skip, b_len * 2, b, b_len * 2);
  {
    g_autoptr (GstCaps) caps = gst_pad_get_current_caps (ours->sinkpad);
    g_autoptr (GstCaps) want = gst_caps_from_string (OUT_CAPS);

    g_assert_true (gst_caps_is_equal (caps, want));
  }
  g_assert_cmpuint (stat_of (ours, "packets"), ==, N_PACKETS);
  g_assert_cmpuint (stat_of (ours, "decode-errors"), ==, 0);
  gst_harness_teardown (ours);
  gst_harness_teardown (ref);
}

/*
 * Packet 20 lost: the GAP waits for packet 21, whose FEC data rebuilds it.
 * The rebuilt block is close to what the lossless decode gave, much closer
 * than concealment (the same loss with fec=false) gets.
 */
static void
test_fec_rebuilds_lost_packet (void)
{
  g_autofree gint16 *all = decode_all ();
  GstHarness *fec = new_decoder ("wbopusdec");
  GstHarness *plc = new_decoder ("wbopusdec fec=false");
  gint16 out[PACKET], rebuilt[PACKET], concealed[PACKET];
  double err_fec, err_plc;

  for (guint i = 0; i < 20; i++) {
    push_packet (fec, i);
    push_packet (plc, i);
    pull_block (fec, i * PACKET_NS, out);
    pull_block (plc, i * PACKET_NS, out);
  }
  push_gap (fec, 20);
  push_gap (plc, 20);
  /* With FEC the gap waits for its successor; without, it is concealed. */
  g_assert_cmpuint (gst_harness_buffers_in_queue (fec), ==, 0);
  g_assert_cmpuint (gst_harness_buffers_in_queue (plc), ==, 1);
  push_packet (fec, 21);
  push_packet (plc, 21);
  pull_block (fec, 20 * PACKET_NS, rebuilt);
  pull_block (fec, 21 * PACKET_NS, out);
  pull_block (plc, 20 * PACKET_NS, concealed);
  pull_block (plc, 21 * PACKET_NS, out);

  err_fec = rms_diff (rebuilt, all + 20 * PACKET);
  err_plc = rms_diff (concealed, all + 20 * PACKET);
  g_test_message ("block 20: rms %.0f, error rebuilt from FEC %.0f, concealed %.0f",
                  rms (all + 20 * PACKET), err_fec, err_plc);
  g_assert_cmpfloat (rms (rebuilt), >, 0.5 * rms (all + 20 * PACKET));
  g_assert_cmpfloat (err_fec, <, 0.5 * err_plc);
  g_assert_cmpfloat (err_fec, <, 0.5 * rms (all + 20 * PACKET));

  g_assert_cmpuint (stat_of (fec, "fec-decoded"), ==, 1);
  g_assert_cmpuint (stat_of (fec, "concealed"), ==, 0);
  g_assert_cmpuint (stat_of (plc, "fec-decoded"), ==, 0);
  g_assert_cmpuint (stat_of (plc, "concealed"), ==, 1);
  gst_harness_teardown (fec);
  gst_harness_teardown (plc);
}

/* Two packets lost in a row: the first has no successor to rebuild it
 * from and is concealed when the second gap comes; the second is rebuilt.
 * The timeline has no hole. */
static void
test_two_gaps (void)
{
  GstHarness *h = new_decoder ("wbopusdec");
  gint16 out[PACKET];

  push_packet (h, 0);
  pull_block (h, 0, out);
  push_gap (h, 1);
  push_gap (h, 2);
  g_assert_cmpuint (gst_harness_buffers_in_queue (h), ==, 1);
  pull_block (h, 1 * PACKET_NS, out);
  push_packet (h, 3);
  pull_block (h, 2 * PACKET_NS, out);
  pull_block (h, 3 * PACKET_NS, out);
  g_assert_cmpuint (stat_of (h, "concealed"), ==, 1);
  g_assert_cmpuint (stat_of (h, "fec-decoded"), ==, 1);
  gst_harness_teardown (h);
}

/* The jitter stage flags the first packet it times anew DISCONT
 * (gstwbrtpjitter.c): the decoded block must say so too, or the mixer
 * keeps the input continuous where the old times put it. */
static void
test_discont_passed_on (void)
{
  GstHarness *h = new_decoder ("wbopusdec");

  for (guint i = 0; i < 4; i++) {
    g_autoptr (GstBuffer) b = NULL;

    if (i == 2) {
      GstBuffer *p = gst_buffer_copy (g_ptr_array_index (packets, i));

      GST_BUFFER_FLAG_SET (p, GST_BUFFER_FLAG_DISCONT);
      g_assert_cmpint (gst_harness_push (h, p), ==, GST_FLOW_OK);
    } else {
      push_packet (h, i);
    }
    b = gst_harness_pull (h);
    g_assert_cmpuint (GST_BUFFER_PTS (b), ==, i * PACKET_NS);
    /* The first block starts the stream; the third follows the flag. */
    g_assert_true (GST_BUFFER_FLAG_IS_SET (b, GST_BUFFER_FLAG_DISCONT) == (i == 0 || i == 2));
  }
  gst_harness_teardown (h);
}

/* What libopus cannot decode is counted and concealed; the pipeline goes
 * on (no error) and the next packet decodes. */
static void
test_garbage_is_concealed (void)
{
  GstHarness *h = new_decoder ("wbopusdec");
  g_autoptr (GstBus) bus = gst_bus_new ();
  static const guint8 broken[] = { 0xff, 0xff, 0xff, 0xff, 0x01 };  /* code 3, 63 frames */
  GstBuffer *b = gst_buffer_new_memdup (broken, sizeof broken);
  gint16 out[PACKET];

  gst_element_set_bus (h->element, bus);
  push_packet (h, 0);
  pull_block (h, 0, out);
  GST_BUFFER_PTS (b) = 1 * PACKET_NS;
  g_assert_cmpint (gst_harness_push (h, b), ==, GST_FLOW_OK);
  pull_block (h, 1 * PACKET_NS, out);
  push_packet (h, 2);
  pull_block (h, 2 * PACKET_NS, out);
  g_assert_cmpuint (stat_of (h, "decode-errors"), ==, 1);
  g_assert_cmpuint (stat_of (h, "concealed"), ==, 1);
  g_assert_null (gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR | GST_MESSAGE_WARNING));
  gst_element_set_bus (h->element, NULL);
  gst_harness_teardown (h);
}

/*
 * A hostile ward's payloads: random bytes of random lengths (0 to 1500),
 * random GAP events between them, a seeded generator so that a failure
 * repeats.  Nothing may crash (the sanitizer build runs this too), every
 * packet is counted as decoded or broken, and what comes out is mono S16
 * of at most 120 ms a buffer, in time order.
 */
static void
test_random_packets (void)
{
  GstHarness *h = new_decoder ("wbopusdec");
  GRand *rand = g_rand_new_with_seed (0x5eed);
  GstClockTime last_pts = 0;
  guint64 pushed = 0;
  GstBuffer *out;

  for (guint i = 0; i < 3000; i++) {
    GstClockTime pts = (GstClockTime) i * PACKET_NS;

    if (g_rand_int_range (rand, 0, 10) == 0) {
      g_assert_true (gst_harness_push_event (h, gst_event_new_gap (pts, PACKET_NS)));
    } else {
      gsize len = (gsize) g_rand_int_range (rand, 1, 1501);
      GstBuffer *b = gst_buffer_new_allocate (NULL, len, NULL);
      GstMapInfo map;

      gst_buffer_map (b, &map, GST_MAP_WRITE);
      for (gsize k = 0; k < len; k++)
        map.data[k] = (guint8) g_rand_int (rand);
      gst_buffer_unmap (b, &map);
      GST_BUFFER_PTS (b) = pts;
      g_assert_cmpint (gst_harness_push (h, b), ==, GST_FLOW_OK);
      pushed++;
    }
    while ((out = gst_harness_try_pull (h)) != NULL) {
      g_assert_cmpuint (gst_buffer_get_size (out) % 2, ==, 0);
      g_assert_cmpuint (gst_buffer_get_size (out), <=, 5760 * 2);
      g_assert_cmpuint (GST_BUFFER_PTS (out), >=, last_pts);
      last_pts = GST_BUFFER_PTS (out);
      gst_buffer_unref (out);
    }
  }
  g_assert_cmpuint (stat_of (h, "packets"), ==, pushed);
  g_test_message ("%" G_GUINT64_FORMAT " random packets: %" G_GUINT64_FORMAT " undecodable, "
                  "%" G_GUINT64_FORMAT " concealed", pushed, stat_of (h, "decode-errors"),
                  stat_of (h, "concealed"));
  g_assert_cmpuint (stat_of (h, "decode-errors"), >, 0);
  g_rand_free (rand);
  gst_harness_teardown (h);
}

/* plc=false: a gap goes on as a GAP event, nothing is made up. */
static void
test_no_plc_forwards_gap (void)
{
  GstHarness *h = new_decoder ("wbopusdec plc=false");
  gint16 out[PACKET];
  GstEvent *ev;
  gboolean seen_gap = FALSE;

  push_packet (h, 0);
  pull_block (h, 0, out);
  push_gap (h, 1);
  g_assert_cmpuint (gst_harness_buffers_in_queue (h), ==, 0);
  while ((ev = gst_harness_try_pull_event (h)) != NULL) {
    if (GST_EVENT_TYPE (ev) == GST_EVENT_GAP) {
      GstClockTime ts, dur;

      gst_event_parse_gap (ev, &ts, &dur);
      g_assert_cmpuint (ts, ==, PACKET_NS);
      g_assert_cmpuint (dur, ==, PACKET_NS);
      seen_gap = TRUE;
    }
    gst_event_unref (ev);
  }
  g_assert_true (seen_gap);
  gst_harness_teardown (h);
}

/* The decoder adds no latency: the mixer waits for the jitter buffer only. */
static void
test_latency_is_upstreams (void)
{
  GstHarness *h = new_decoder ("wbopusdec");
  g_autoptr (GstQuery) q = gst_query_new_latency ();
  gboolean live;
  GstClockTime min, max;

  gst_harness_set_upstream_latency (h, 40 * GST_MSECOND);
  g_assert_true (gst_pad_peer_query (h->sinkpad, q));
  gst_query_parse_latency (q, &live, &min, &max);
  g_assert_true (live);
  g_assert_cmpuint (min, ==, 40 * GST_MSECOND);
  gst_harness_teardown (h);
}

/* Multistream Opus (family 1) is refused at the caps, clearly. */
static void
test_multistream_refused (void)
{
  GstHarness *h = gst_harness_new ("wbopusdec");
  g_autoptr (GstBus) bus = gst_bus_new ();
  g_autoptr (GstMessage) msg = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *debug = NULL;

  gst_element_set_bus (h->element, bus);
  gst_harness_play (h);
  gst_harness_push_event (h, gst_event_new_stream_start ("s"));
  /* A sticky event is stored whatever the element says: the refusal shows
   * on the bus, and as not-negotiated at the first packet. */
  gst_harness_push_event (h, gst_event_new_caps (gst_caps_from_string (
      "audio/x-opus, channel-mapping-family=(int)1, channels=(int)4")));
  {
    GstSegment segment;

    gst_segment_init (&segment, GST_FORMAT_TIME);
    gst_harness_push_event (h, gst_event_new_segment (&segment));
  }
  g_assert_cmpint (gst_harness_push (h, gst_buffer_new_allocate (NULL, 10, NULL)), ==,
                   GST_FLOW_NOT_NEGOTIATED);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  g_assert_nonnull (msg);
  gst_message_parse_error (msg, &error, &debug);
  g_assert_nonnull (strstr (debug, "family 1"));
  gst_element_set_bus (h->element, NULL);
  gst_harness_teardown (h);
}

int
main (int argc, char **argv)
{
  int ret;

  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  GST_PLUGIN_STATIC_REGISTER (wardbridge);
  encode_packets ();

  g_test_add_func ("/wbopusdec/matches-opusdec", test_matches_opusdec);
  g_test_add_func ("/wbopusdec/fec-rebuilds-lost-packet", test_fec_rebuilds_lost_packet);
  g_test_add_func ("/wbopusdec/two-gaps", test_two_gaps);
  g_test_add_func ("/wbopusdec/discont-passed-on", test_discont_passed_on);
  g_test_add_func ("/wbopusdec/garbage-is-concealed", test_garbage_is_concealed);
  g_test_add_func ("/wbopusdec/random-packets", test_random_packets);
  g_test_add_func ("/wbopusdec/no-plc-forwards-gap", test_no_plc_forwards_gap);
  g_test_add_func ("/wbopusdec/latency-is-upstreams", test_latency_is_upstreams);
  g_test_add_func ("/wbopusdec/multistream-refused", test_multistream_refused);

  ret = g_test_run ();
  g_ptr_array_unref (packets);
  return ret;
}
