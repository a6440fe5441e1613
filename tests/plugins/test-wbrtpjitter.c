/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tests of the wbrtpjitter element (plugins/gstwbrtpjitter.c) with
 * GstHarness: RTP packets in, with the arrival times a udpsrc would give
 * them (DTS), and what comes out checked exactly: timestamps from RTP
 * time, GAP events for lost packets, late packets dropped, restarts,
 * following a sender whose clock runs fast, and the latency it declares.
 */
#include <gst/gst.h>
#include <gst/check/gstharness.h>
#include <gst/rtp/rtp.h>

GST_PLUGIN_STATIC_DECLARE (wardbridge);

#define CAPS "application/x-rtp,media=audio,clock-rate=48000,encoding-name=OPUS,payload=111"
#define STEP 960                                /* RTP time of 20 ms at 48 kHz */
#define PACKET (20 * GST_MSECOND)
#define T0 ((GstClockTime) GST_SECOND)          /* arrival of the first packet */

static GstBuffer *
rtp_packet (guint16 seq, guint32 ts, GstClockTime arrival)
{
  GstBuffer *buffer = gst_rtp_buffer_new_allocate (20, 0, 0);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;

  g_assert_true (gst_rtp_buffer_map (buffer, GST_MAP_WRITE, &rtp));
  gst_rtp_buffer_set_payload_type (&rtp, 111);
  gst_rtp_buffer_set_ssrc (&rtp, 0x1234abcd);
  gst_rtp_buffer_set_seq (&rtp, seq);
  gst_rtp_buffer_set_timestamp (&rtp, ts);
  memset (gst_rtp_buffer_get_payload (&rtp), seq & 0xff, 20);
  gst_rtp_buffer_unmap (&rtp);
  GST_BUFFER_DTS (buffer) = arrival;
  return buffer;
}

static guint16
seq_of (GstBuffer *buffer)
{
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  guint16 seq;

  g_assert_true (gst_rtp_buffer_map (buffer, GST_MAP_READ, &rtp));
  seq = gst_rtp_buffer_get_seq (&rtp);
  gst_rtp_buffer_unmap (&rtp);
  return seq;
}

static GstHarness *
new_harness (void)
{
  GstHarness *h = gst_harness_new ("wbrtpjitter");

  g_object_set (h->element, "do-lost", TRUE, NULL);
  gst_harness_set_src_caps_str (h, CAPS);
  return h;
}

static guint64
stat (GstHarness *h, const char *name)
{
  g_autoptr (GstStructure) stats = NULL;
  guint64 value = 0;

  g_object_get (h->element, "stats", &stats, NULL);
  g_assert_true (gst_structure_get_uint64 (stats, name, &value));
  return value;
}

/* How far @out's time moved from one packet after @last_pts; the times
 * may move only at a DISCONT packet (gstwbrtpjitter.c, follow_clock()). */
static GstClockTimeDiff
times_moved (GstBuffer *out, const GstClockTime *last_pts)
{
  GstClockTimeDiff step = GST_CLOCK_DIFF (*last_pts + PACKET, GST_BUFFER_PTS (out));

  g_assert_true (GST_BUFFER_FLAG_IS_SET (out, GST_BUFFER_FLAG_DISCONT) == (step != 0));
  return step;
}

/* The next event that is neither stream-start, caps nor segment; NULL if none. */
static GstEvent *
next_other_event (GstHarness *h)
{
  GstEvent *event;

  while ((event = gst_harness_try_pull_event (h)) != NULL) {
    if (GST_EVENT_TYPE (event) != GST_EVENT_STREAM_START &&
        GST_EVENT_TYPE (event) != GST_EVENT_CAPS &&
        GST_EVENT_TYPE (event) != GST_EVENT_SEGMENT)
      return event;
    gst_event_unref (event);
  }
  return NULL;
}

/* Jittered arrivals, exact times: every packet at the first's arrival
 * plus its RTP time, whatever the network did to it. */
static void
test_times_from_rtp (void)
{
  GstHarness *h = new_harness ();
  GRand *rand = g_rand_new_with_seed (7);
  const guint32 ts0 = 0xfffff000u;   /* the RTP time wraps on the way */

  for (guint k = 0; k < 40; k++) {
    GstClockTime jitter = k == 0 ? 0 : (GstClockTime) g_rand_int_range (rand, 0, 15) * GST_MSECOND;

    g_assert_cmpint (gst_harness_push (h, rtp_packet (100 + k, ts0 + k * STEP,
                                                      T0 + k * PACKET + jitter)), ==, GST_FLOW_OK);
  }
  for (guint k = 0; k < 40; k++) {
    g_autoptr (GstBuffer) out = gst_harness_pull (h);

    g_assert_cmpuint (seq_of (out), ==, 100 + k);
    g_assert_cmpuint (GST_BUFFER_PTS (out), ==, T0 + k * PACKET);
    g_assert_cmpint (GST_BUFFER_FLAG_IS_SET (out, GST_BUFFER_FLAG_DISCONT), ==, k == 0);
  }
  g_assert_null (next_other_event (h));
  g_assert_cmpuint (stat (h, "pushed"), ==, 40);
  g_assert_cmpuint (stat (h, "lost"), ==, 0);
  g_assert_cmpuint (stat (h, "late"), ==, 0);
  g_assert_cmpuint (stat (h, "resyncs"), ==, 0);
  g_rand_free (rand);
  gst_harness_teardown (h);
}

/* Packets 3 and 4 never come: one GAP from the end of 2 to the start of
 * 5, right before 5, which is marked DISCONT. */
static void
test_gap_before_next_packet (void)
{
  GstHarness *h = new_harness ();
  const guint16 seqs[] = { 0, 1, 2, 5, 6 };
  GstEvent *gap;
  GstClockTime pts, duration;

  for (guint i = 0; i < G_N_ELEMENTS (seqs); i++)
    gst_harness_push (h, rtp_packet (seqs[i], seqs[i] * STEP, T0 + seqs[i] * PACKET));
  for (guint i = 0; i < 3; i++)
    gst_buffer_unref (gst_harness_pull (h));

  gap = next_other_event (h);
  g_assert_nonnull (gap);
  g_assert_cmpint (GST_EVENT_TYPE (gap), ==, GST_EVENT_GAP);
  gst_event_parse_gap (gap, &pts, &duration);
  g_assert_cmpuint (pts, ==, T0 + 3 * PACKET);
  g_assert_cmpuint (duration, ==, 2 * PACKET);
  gst_event_unref (gap);
  {
    g_autoptr (GstBuffer) five = gst_harness_pull (h);
    g_autoptr (GstBuffer) six = gst_harness_pull (h);

    g_assert_cmpuint (seq_of (five), ==, 5);
    g_assert_cmpuint (GST_BUFFER_PTS (five), ==, T0 + 5 * PACKET);
    g_assert_true (GST_BUFFER_FLAG_IS_SET (five, GST_BUFFER_FLAG_DISCONT));
    g_assert_false (GST_BUFFER_FLAG_IS_SET (six, GST_BUFFER_FLAG_DISCONT));
  }
  g_assert_cmpuint (stat (h, "lost"), ==, 2);

  /* Without do-lost the loss is counted, and no GAP goes out. */
  g_object_set (h->element, "do-lost", FALSE, NULL);
  gst_harness_push (h, rtp_packet (9, 9 * STEP, T0 + 9 * PACKET));
  gst_buffer_unref (gst_harness_pull (h));
  g_assert_null (next_other_event (h));
  g_assert_cmpuint (stat (h, "lost"), ==, 4);
  gst_harness_teardown (h);
}

/* A packet older than one passed already, and a duplicate, are dropped:
 * never waited for, never out of order. */
static void
test_late_and_duplicate_dropped (void)
{
  GstHarness *h = new_harness ();
  const guint16 seqs[] = { 0, 1, 3, 2, 3, 4 };
  const guint16 want[] = { 0, 1, 3, 4 };

  for (guint i = 0; i < G_N_ELEMENTS (seqs); i++)
    gst_harness_push (h, rtp_packet (seqs[i], seqs[i] * STEP, T0 + i * PACKET));
  for (guint i = 0; i < G_N_ELEMENTS (want); i++) {
    g_autoptr (GstBuffer) out = gst_harness_pull (h);

    g_assert_cmpuint (seq_of (out), ==, want[i]);
    g_assert_cmpuint (GST_BUFFER_PTS (out), ==, T0 + want[i] * PACKET);
  }
  g_assert_null (gst_harness_try_pull (h));
  g_assert_cmpuint (stat (h, "late"), ==, 2);
  g_assert_cmpuint (stat (h, "lost"), ==, 1);
  gst_harness_teardown (h);
}

/* The sequence numbers wrap: nothing lost, nothing late. */
static void
test_sequence_wrap (void)
{
  GstHarness *h = new_harness ();

  for (guint k = 0; k < 12; k++)
    gst_harness_push (h, rtp_packet ((guint16) (65530 + k), k * STEP, T0 + k * PACKET));
  for (guint k = 0; k < 12; k++) {
    g_autoptr (GstBuffer) out = gst_harness_pull (h);

    g_assert_cmpuint (GST_BUFFER_PTS (out), ==, T0 + k * PACKET);
  }
  g_assert_cmpuint (stat (h, "lost"), ==, 0);
  g_assert_cmpuint (stat (h, "late"), ==, 0);
  g_assert_cmpuint (stat (h, "resyncs"), ==, 0);
  gst_harness_teardown (h);
}

/* A box that restarts its stream under the same SSRC (new sequence and
 * RTP time): the times start over from the arrival, with no gap. */
static void
test_restart_starts_over (void)
{
  GstHarness *h = new_harness ();
  GstClockTime later = T0 + 30 * GST_SECOND;

  for (guint k = 0; k < 3; k++)
    gst_harness_push (h, rtp_packet (10 + k, 5000 + k * STEP, T0 + k * PACKET));
  for (guint k = 0; k < 3; k++)
    gst_harness_push (h, rtp_packet (40000 + k, 123456 + k * STEP, later + k * PACKET));
  for (guint k = 0; k < 6; k++) {
    g_autoptr (GstBuffer) out = gst_harness_pull (h);
    GstClockTime want = k < 3 ? T0 + k * PACKET : later + (k - 3) * PACKET;

    g_assert_cmpuint (GST_BUFFER_PTS (out), ==, want);
    g_assert_cmpint (GST_BUFFER_FLAG_IS_SET (out, GST_BUFFER_FLAG_DISCONT), ==, k == 0 || k == 3);
  }
  g_assert_null (next_other_event (h));
  g_assert_cmpuint (stat (h, "resyncs"), ==, 1);
  g_assert_cmpuint (stat (h, "lost"), ==, 0);
  gst_harness_teardown (h);
}

/* A box whose sender restarted under the same SSRC, its new sequence 700
 * behind the old one (a random start can land anywhere): a packet that
 * far behind is no reordering.  The first such packet is dropped, the
 * one that follows it confirms the restart and the stream starts over
 * there, timed from its arrival.  Dropped as late instead, the new
 * sender went unheard until its sequence caught up: 14 s in one run of
 * /faults/media/same-ssrc-after-silence. */
static void
test_restart_behind (void)
{
  GstHarness *h = new_harness ();
  GstClockTime back = T0 + 100 * PACKET + 7 * GST_SECOND;

  for (guint k = 0; k < 100; k++)
    gst_harness_push (h, rtp_packet (5000 + k, k * STEP, T0 + k * PACKET));
  for (guint j = 0; j < 10; j++)
    gst_harness_push (h, rtp_packet (4400 + j, 777000 + j * STEP, back + j * PACKET));
  for (guint k = 0; k < 100; k++) {
    g_autoptr (GstBuffer) out = gst_harness_pull (h);

    g_assert_cmpuint (seq_of (out), ==, 5000 + k);
  }
  for (guint j = 1; j < 10; j++) {
    g_autoptr (GstBuffer) out = gst_harness_pull (h);

    g_assert_cmpuint (seq_of (out), ==, 4400 + j);
    g_assert_cmpuint (GST_BUFFER_PTS (out), ==, back + j * PACKET);
    g_assert_true (GST_BUFFER_FLAG_IS_SET (out, GST_BUFFER_FLAG_DISCONT) == (j == 1));
  }
  g_assert_null (gst_harness_try_pull (h));
  g_assert_cmpuint (stat (h, "late"), ==, 1);
  g_assert_cmpuint (stat (h, "resyncs"), ==, 1);
  gst_harness_teardown (h);
}

/* A single packet far behind (a stray copy) is dropped, and the stream
 * goes on: only a second packet in sequence after it is a restart. */
static void
test_stray_far_behind_dropped (void)
{
  GstHarness *h = new_harness ();

  for (guint k = 0; k < 300; k++) {
    guint16 seq = 5000 + k;

    /* At packet 200, a copy of packet 10 comes. */
    if (k == 200)
      gst_harness_push (h, rtp_packet (5010, 10 * STEP, T0 + k * PACKET));
    gst_harness_push (h, rtp_packet (seq, k * STEP, T0 + k * PACKET));
  }
  for (guint k = 0; k < 300; k++) {
    g_autoptr (GstBuffer) out = gst_harness_pull (h);

    g_assert_cmpuint (seq_of (out), ==, 5000 + k);
    g_assert_cmpuint (GST_BUFFER_PTS (out), ==, T0 + k * PACKET);
  }
  g_assert_null (gst_harness_try_pull (h));
  g_assert_cmpuint (stat (h, "late"), ==, 1);
  g_assert_cmpuint (stat (h, "resyncs"), ==, 0);
  gst_harness_teardown (h);
}

/* A sender whose clock runs 0.5 % fast (its 20 ms of RTP time every
 * 19.9 ms): its packets would come ever earlier than their times, adding
 * latency without end.  The times follow: the earliest arrival in each
 * second stays within SKEW_STEP (5 ms) plus one second's drift (5 ms). */
static void
test_follows_fast_sender (void)
{
  GstHarness *h = new_harness ();
  const GstClockTime period = 19900 * GST_USECOND;
  GstClockTimeDiff worst = 0;

  for (guint k = 0; k < 1000; k++) {
    GstClockTime arrival = T0 + k * period;
    g_autoptr (GstBuffer) out = NULL;

    gst_harness_push (h, rtp_packet (k, k * STEP, arrival));
    out = gst_harness_pull (h);
    if (k >= 100)
      worst = MAX (worst, ABS (GST_CLOCK_DIFF (GST_BUFFER_PTS (out), arrival)));
  }
  g_test_message ("worst arrival against its time after 2 s: %" GST_STIME_FORMAT,
                  GST_STIME_ARGS (worst));
  g_assert_cmpint (worst, <=, 11 * GST_MSECOND);
  g_assert_cmpuint (stat (h, "resyncs"), ==, 0);
  gst_harness_teardown (h);
}

/* The receiving thread starved of CPU for 2 s: every packet of those 2 s
 * read 400 ms late, then the backlog at once.  That is no clock to
 * follow: the times move by 1 ms a second at most, so that the packets
 * after it are not timed 400 ms into the future (where the mixer would
 * hold them, fill up and block the thread). */
static void
test_starved_thread_moves_little (void)
{
  GstHarness *h = new_harness ();
  GstClockTimeDiff worst_early = 0;
  GstClockTime last_pts = GST_CLOCK_TIME_NONE;
  guint moves = 0;

  for (guint k = 0; k < 400; k++) {
    GstClockTime arrival = T0 + k * PACKET;
    g_autoptr (GstBuffer) out = NULL;

    if (k >= 50 && k < 150)
      arrival += 400 * GST_MSECOND;
    else if (k >= 150 && k < 170)
      arrival = MAX (arrival, T0 + 149 * PACKET + 400 * GST_MSECOND);
    gst_harness_push (h, rtp_packet (k, k * STEP, arrival));
    out = gst_harness_pull (h);
    g_assert_cmpuint (GST_BUFFER_PTS (out), <=, T0 + k * PACKET + 3 * GST_MSECOND);
    /* The times move only at a DISCONT packet, by 1 ms. */
    if (k > 0) {
      GstClockTimeDiff step = times_moved (out, &last_pts);

      g_assert_true (step == 0 || step == GST_MSECOND);
      moves += step != 0;
    }
    last_pts = GST_BUFFER_PTS (out);
    if (k >= 170)
      worst_early = MIN (worst_early, GST_CLOCK_DIFF (GST_BUFFER_PTS (out), arrival));
  }
  g_test_message ("earliest arrival against its time after the stall: %" GST_STIME_FORMAT,
                  GST_STIME_ARGS (worst_early));
  g_assert_cmpint (worst_early, >=, -3 * GST_MSECOND);
  /* The two windows of late packets, 1 ms each. */
  g_assert_cmpuint (moves, ==, 2);
  g_assert_cmpuint (stat (h, "resyncs"), ==, 0);
  gst_harness_teardown (h);
}

/* A box whose clock runs 500 ppm slow (20 ms of RTP time every
 * 20.01 ms; a poor crystal is off by 100): its packets come ever later
 * against their times, 0.5 ms a second.  The times follow, 1 ms at a
 * time, each move at a DISCONT packet, so that the mixer takes the input
 * where its times are instead of waiting for it (and holding every ward)
 * until it is 40 ms behind.  Every packet comes within SKEW_STEP (5 ms)
 * plus one window's drift (0.5 ms) and the 1 ms a move leaves. */
static void
test_follows_slow_sender (void)
{
  GstHarness *h = new_harness ();
  const GstClockTime period = 20010 * GST_USECOND;
  GstClockTime last_pts = GST_CLOCK_TIME_NONE;
  GstClockTimeDiff worst = 0;
  guint moves = 0;

  for (guint k = 0; k < 1500; k++) {
    GstClockTime arrival = T0 + k * period;
    g_autoptr (GstBuffer) out = NULL;

    gst_harness_push (h, rtp_packet (k, k * STEP, arrival));
    out = gst_harness_pull (h);
    if (k > 0)
      moves += times_moved (out, &last_pts) != 0;
    last_pts = GST_BUFFER_PTS (out);
    /* Never timed after it came. */
    g_assert_cmpuint (GST_BUFFER_PTS (out), <=, arrival);
    worst = MAX (worst, GST_CLOCK_DIFF (GST_BUFFER_PTS (out), arrival));
  }
  g_test_message ("latest arrival against its time in 30 s: %" GST_STIME_FORMAT
                  ", %u moves", GST_STIME_ARGS (worst), moves);
  g_assert_cmpint (worst, <=, 7 * GST_MSECOND);
  /* 15 ms of drift in 30 s, followed from 5 ms on. */
  g_assert_cmpuint (moves, >=, 9);
  g_assert_cmpuint (moves, <=, 11);
  g_assert_cmpuint (stat (h, "resyncs"), ==, 0);
  gst_harness_teardown (h);
}

/* A box whose first packet came 35 ms after the ones behind it (a burst
 * as it starts): every packet of the first second comes 35 ms before its
 * time.  After that second the times move 35 ms earlier, and the first
 * packet timed anew says DISCONT, so that the mixer places it there: a
 * GstAudioAggregator keeps an input continuous through smaller steps than
 * 40 ms, and kept such a box 35 ms late in the mix for good (bench-hub:
 * 17-70 ms of audio latency from run to run). */
static void
test_late_first_packet (void)
{
  GstHarness *h = new_harness ();
  const GstClockTime late = 35 * GST_MSECOND;
  guint moved_at = 0;

  for (guint k = 0; k < 120; k++) {
    GstClockTime arrival = T0 + k * PACKET + (k == 0 ? late : 0);
    g_autoptr (GstBuffer) out = NULL;
    gboolean discont;

    gst_harness_push (h, rtp_packet (k, k * STEP, arrival));
    out = gst_harness_pull (h);
    discont = GST_BUFFER_FLAG_IS_SET (out, GST_BUFFER_FLAG_DISCONT);
    if (moved_at == 0 && GST_BUFFER_PTS (out) < T0 + k * PACKET + late) {
      moved_at = k;
      g_assert_true (discont);
    } else {
      g_assert_true (discont == (k == 0));
    }
    /* Never timed before it came; once moved, timed as it came. */
    g_assert_cmpuint (GST_BUFFER_PTS (out), >=, arrival);
    if (moved_at != 0)
      g_assert_cmpuint (GST_BUFFER_PTS (out), ==, arrival);
  }
  g_test_message ("times moved at packet %u", moved_at);
  /* One clock-following window of 50 packets. */
  g_assert_cmpuint (moved_at, ==, 50);
  g_assert_cmpuint (stat (h, "resyncs"), ==, 0);
  gst_harness_teardown (h);
}

/* A box whose capture dropped 100 ms of audio under load: its RTP time
 * jumps, its sequence does not, and its packets still come in real time.
 * Timed from RTP time they would wait 100 ms for the mixer, more than the
 * latency (40 ms): they are timed from their arrival instead. */
static void
test_skipped_media_time (void)
{
  GstHarness *h = new_harness ();

  for (guint k = 0; k < 120; k++) {
    GstClockTime arrival = T0 + k * PACKET;
    guint32 ts = k * STEP + (k >= 50 ? 5 * STEP : 0);
    g_autoptr (GstBuffer) out = NULL;

    gst_harness_push (h, rtp_packet (k, ts, arrival));
    out = gst_harness_pull (h);
    g_assert_cmpuint (GST_BUFFER_PTS (out), <=, arrival + 40 * GST_MSECOND);
    if (k >= 50)
      g_assert_cmpuint (GST_BUFFER_PTS (out), ==, arrival);
    g_assert_cmpint (GST_BUFFER_FLAG_IS_SET (out, GST_BUFFER_FLAG_DISCONT), ==, k == 0 || k == 50);
  }
  g_assert_cmpuint (stat (h, "resyncs"), ==, 1);
  g_assert_cmpuint (stat (h, "lost"), ==, 0);
  gst_harness_teardown (h);
}

/* Hostile input: what is not RTP is dropped and counted; the stream goes on. */
static void
test_garbage_dropped (void)
{
  GstHarness *h = new_harness ();
  GstBuffer *garbage = gst_buffer_new_wrapped (g_strdup ("not an RTP packet"), 17);

  GST_BUFFER_DTS (garbage) = T0;
  g_assert_cmpint (gst_harness_push (h, garbage), ==, GST_FLOW_OK);
  g_assert_cmpint (gst_harness_push (h, rtp_packet (1, STEP, T0 + PACKET)), ==, GST_FLOW_OK);
  {
    g_autoptr (GstBuffer) out = gst_harness_pull (h);

    g_assert_cmpuint (seq_of (out), ==, 1);
  }
  g_assert_cmpuint (stat (h, "invalid"), ==, 1);
  g_assert_cmpuint (stat (h, "pushed"), ==, 1);
  gst_harness_teardown (h);
}

/* Its LATENCY answer is upstream's plus "latency". */
static void
test_latency_adds_its_own (void)
{
  GstHarness *h = new_harness ();
  GstClockTime min, max;
  gboolean live;
  GstQuery *query;

  g_object_set (h->element, "latency", 60, NULL);
  gst_harness_set_upstream_latency (h, 5 * GST_MSECOND);
  query = gst_query_new_latency ();
  g_assert_true (gst_pad_peer_query (h->sinkpad, query));
  gst_query_parse_latency (query, &live, &min, &max);
  g_assert_cmpuint (min, ==, 65 * GST_MSECOND);
  gst_query_unref (query);
  gst_harness_teardown (h);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  GST_PLUGIN_STATIC_REGISTER (wardbridge);

  g_test_add_func ("/wbrtpjitter/times-from-rtp", test_times_from_rtp);
  g_test_add_func ("/wbrtpjitter/gap-before-next-packet", test_gap_before_next_packet);
  g_test_add_func ("/wbrtpjitter/late-and-duplicate-dropped", test_late_and_duplicate_dropped);
  g_test_add_func ("/wbrtpjitter/sequence-wrap", test_sequence_wrap);
  g_test_add_func ("/wbrtpjitter/restart-starts-over", test_restart_starts_over);
  g_test_add_func ("/wbrtpjitter/restart-behind", test_restart_behind);
  g_test_add_func ("/wbrtpjitter/stray-far-behind-dropped", test_stray_far_behind_dropped);
  g_test_add_func ("/wbrtpjitter/follows-fast-sender", test_follows_fast_sender);
  g_test_add_func ("/wbrtpjitter/follows-slow-sender", test_follows_slow_sender);
  g_test_add_func ("/wbrtpjitter/starved-thread-moves-little", test_starved_thread_moves_little);
  g_test_add_func ("/wbrtpjitter/late-first-packet", test_late_first_packet);
  g_test_add_func ("/wbrtpjitter/skipped-media-time", test_skipped_media_time);
  g_test_add_func ("/wbrtpjitter/garbage-dropped", test_garbage_dropped);
  g_test_add_func ("/wbrtpjitter/latency-adds-its-own", test_latency_adds_its_own);
  return g_test_run ();
}
