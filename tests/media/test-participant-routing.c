/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tests of a ward's shared Opus routing (src/media/wb-participant.c,
 * wb_participant_route_mix_block()) with a real participant bin and no
 * mixer: the test plays the mixer, pushing the ward's own mix-minus blocks
 * into "audio_sink" and the packets of a shared Opus encode (made here
 * with GstHarness) into "audio_shared_sink", and reads the RTP the bin
 * sends to a UDP socket on 127.0.0.1.
 *
 * The push order is the mixer's worst case: a burst of own blocks and,
 * right behind them, the shared packets of the blocks after them.  The
 * shared packets reach the ward while its own encoder is still busy: the
 * ward holds them, without blocking the pushing thread, and sends them
 * once its own packets have gone out.
 */
#include <gst/gst.h>
#include <gst/check/gstharness.h>
#include <gst/rtp/rtp.h>
#include <math.h>
#include <string.h>

#include "media/wb-participant.h"
#include "test-ward.h"

#define BLOCK 960                       /* samples in 20 ms at 48 kHz */
#define BLOCK_NS (20 * GST_MSECOND)
#define N_BLOCKS 12
#define BITRATE_KBPS 32

/* Blocks 1-3 and 8-11 are the full mix, 4-7 the ward's own mix (block 0
 * only starts the shared encoder: its first packet is short). */
static gboolean
block_is_shared (guint k)
{
  return k < 4 || k >= 8;
}

/* A block of @hz at 0.3 of full scale, continuous across blocks. */
static GstBuffer *
tone_block (guint k,
            double hz)
{
  GstBuffer *buffer = gst_buffer_new_allocate (NULL, BLOCK * sizeof (gint16), NULL);
  GstMapInfo map;

  gst_buffer_map (buffer, &map, GST_MAP_WRITE);
  for (guint i = 0; i < BLOCK; i++) {
    double t = (double) (k * BLOCK + i) / WB_MIX_RATE;

    ((gint16 *) map.data)[i] = (gint16) lrint (0.3 * 32767 * sin (2 * G_PI * hz * t));
  }
  gst_buffer_unmap (buffer, &map);
  GST_BUFFER_PTS (buffer) = k * BLOCK_NS;
  GST_BUFFER_DURATION (buffer) = BLOCK_NS;
  return buffer;
}

/* A source pad standing for one of the mixer's outputs, linked to @ghost
 * of @bin, with its stream-start, @caps and a time segment sent. */
static GstPad *
fake_source (GstElement *bin,
             const char *ghost,
             GstCaps    *caps)
{
  GstPad *src = gst_pad_new (ghost, GST_PAD_SRC);
  g_autoptr (GstPad) sink = gst_element_get_static_pad (bin, ghost);
  GstSegment segment;

  g_assert_nonnull (sink);
  g_assert_true (gst_pad_set_active (src, TRUE));
  g_assert_cmpint (gst_pad_link (src, sink), ==, GST_PAD_LINK_OK);
  gst_segment_init (&segment, GST_FORMAT_TIME);
  g_assert_true (gst_pad_push_event (src, gst_event_new_stream_start (ghost)));
  g_assert_true (gst_pad_push_event (src, gst_event_new_caps (caps)));
  g_assert_true (gst_pad_push_event (src, gst_event_new_segment (&segment)));
  return src;
}

typedef struct {
  guint16 seq;
  guint32 timestamp;
  guint32 ssrc;
  GBytes *payload;
} Packet;

static void
packet_clear (gpointer data)
{
  g_bytes_unref (((Packet *) data)->payload);
}

/* Reads RTP from @socket until @n packets came or @timeout_us passed. */
static GArray *
receive_packets (GSocket *socket,
                 guint    n,
                 gint64   timeout_us)
{
  GArray *packets = g_array_new (FALSE, TRUE, sizeof (Packet));
  gint64 deadline = g_get_monotonic_time () + timeout_us;

  g_array_set_clear_func (packets, packet_clear);
  g_socket_set_blocking (socket, FALSE);
  while (packets->len < n && g_get_monotonic_time () < deadline) {
    g_autoptr (GError) error = NULL;
    guint8 data[1500];
    gssize size;

    if (!g_socket_condition_timed_wait (socket, G_IO_IN, 100 * 1000, NULL, NULL))
      continue;
    size = g_socket_receive (socket, (gchar *) data, sizeof data, NULL, &error);
    if (size > 0) {
      g_autoptr (GstBuffer) buffer = gst_buffer_new_memdup (data, size);
      GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
      Packet p;

      g_assert_true (gst_rtp_buffer_map (buffer, GST_MAP_READ, &rtp));
      p.seq = gst_rtp_buffer_get_seq (&rtp);
      p.timestamp = gst_rtp_buffer_get_timestamp (&rtp);
      p.ssrc = gst_rtp_buffer_get_ssrc (&rtp);
      p.payload = g_bytes_new (gst_rtp_buffer_get_payload (&rtp),
                               gst_rtp_buffer_get_payload_len (&rtp));
      gst_rtp_buffer_unmap (&rtp);
      g_array_append_val (packets, p);
    }
  }
  return packets;
}

static GBytes *
buffer_bytes (GstBuffer *buffer)
{
  GstMapInfo map;
  GBytes *bytes;

  g_assert_true (gst_buffer_map (buffer, &map, GST_MAP_READ));
  bytes = g_bytes_new (map.data, map.size);
  gst_buffer_unmap (buffer, &map);
  return bytes;
}

/* A ward's bin in a pipeline of its own, sending to rx, and the packets of
 * the conference's shared encode of the full mix (440 Hz), one per block,
 * made ahead. */
typedef struct {
  WbParticipant *participant;
  GstElement *pipeline;
  GstElement *bin;              /* borrowed */
  GSocket *rx;
  GSocket *video_rx;
  GstBuffer *shared[N_BLOCKS];
  GstPad *own_src;              /* plays the mixer's src_K */
  GstPad *shared_src;           /* plays the shared encoder's tee */
} Routing;

static void
routing_set_up (Routing *r,
                guint    route_wait_ms)
{
  WbEndpointConfig endpoint = {
    .id = (char *) "ward-01", .name = (char *) "Phường Cam Giá",
    .audio_codec = WB_AUDIO_CODEC_OPUS, .video_codec = WB_VIDEO_CODEC_H264,
  };
  const WbParticipantMedia media = {
    .jitter_ms = 40,
    .audio_jitter = WB_AUDIO_JITTER_INLINE,
    .audio_bitrate_kbps = BITRATE_KBPS,
    .audio_expected_loss_percent = 10,
    .route_wait_ms = route_wait_ms,
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr (GstCaps) raw_caps = gst_caps_from_string (WB_MIX_CAPS);
  g_autoptr (GstCaps) opus_caps = NULL;
  GSocket *sockets[WB_N_SOCKETS];
  guint audio_port, video_port;
  GstHarness *shared_enc;

  memset (r, 0, sizeof *r);
  /* The ward's box: where the bin sends. */
  r->rx = test_bind_even_port (&audio_port);
  r->video_rx = test_bind_even_port (&video_port);
  for (guint i = 0; i < WB_N_SOCKETS; i++) {
    sockets[i] = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                               G_SOCKET_PROTOCOL_UDP, &error);
    g_assert_no_error (error);
    g_socket_bind (sockets[i], any, FALSE, &error);
    g_assert_no_error (error);
  }
  r->participant = wb_participant_new (&endpoint, lo, audio_port, video_port, sockets, 0, &media,
                                       NULL, NULL, &error);
  for (guint i = 0; i < WB_N_SOCKETS; i++)
    g_object_unref (sockets[i]);
  g_assert_no_error (error);
  g_assert_nonnull (r->participant);
  r->pipeline = gst_pipeline_new (NULL);
  r->bin = wb_participant_get_bin (r->participant);
  gst_bin_add (GST_BIN (r->pipeline), r->bin);
  g_assert_cmpint (gst_element_set_state (r->pipeline, GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);

  shared_enc = gst_harness_new ("opusenc");
  g_object_set (shared_enc->element, "bitrate", BITRATE_KBPS * 1000, "frame-size", 20,
                "inband-fec", TRUE, NULL);
  gst_harness_set_src_caps (shared_enc, gst_caps_ref (raw_caps));
  for (guint k = 0; k < N_BLOCKS; k++)
    g_assert_cmpint (gst_harness_push (shared_enc, tone_block (k, 440.0)), ==, GST_FLOW_OK);
  for (guint k = 0; k < N_BLOCKS; k++) {
    r->shared[k] = gst_harness_pull (shared_enc);
    g_assert_nonnull (r->shared[k]);
  }
  opus_caps = gst_pad_get_current_caps (shared_enc->sinkpad);
  g_assert_nonnull (opus_caps);
  gst_harness_teardown (shared_enc);

  r->own_src = fake_source (r->bin, "audio_sink", raw_caps);
  r->shared_src = fake_source (r->bin, "audio_shared_sink", opus_caps);
}

static void
routing_tear_down (Routing *r)
{
  gst_element_set_state (r->pipeline, GST_STATE_NULL);
  for (guint k = 0; k < N_BLOCKS; k++)
    gst_buffer_unref (r->shared[k]);
  gst_object_unref (r->own_src);
  gst_object_unref (r->shared_src);
  gst_object_unref (r->pipeline);
  g_object_unref (r->participant);
  g_object_unref (r->rx);
  g_object_unref (r->video_rx);
}

/* Block @k as the mixer sends it: the full mix, routed to the shared
 * encode, whose packet then comes; or the ward's own mix (660 Hz). */
static void
send_block (Routing *r,
            guint    k,
            gboolean shared)
{
  g_autoptr (GstBuffer) mix = tone_block (k, shared ? 440.0 : 660.0);

  if (shared) {
    g_assert_false (wb_participant_route_mix_block (r->participant, mix, TRUE));
    g_assert_cmpint (gst_pad_push (r->shared_src, gst_buffer_ref (r->shared[k])), ==, GST_FLOW_OK);
  } else {
    g_assert_true (wb_participant_route_mix_block (r->participant, mix, FALSE));
    g_assert_cmpint (gst_pad_push (r->own_src, g_steal_pointer (&mix)), ==, GST_FLOW_OK);
  }
}

static void
append_packets (GArray *to,
                GArray *from)
{
  for (guint i = 0; i < from->len; i++) {
    Packet *p = &g_array_index (from, Packet, i);

    g_array_append_val (to, *p);
    p->payload = NULL;
  }
  g_array_set_clear_func (from, NULL);
}

/* One stream: sequence numbers continuous, one SSRC, and the timestamps
 * as far apart as the blocks each packet holds (@blocks[i]). */
static void
assert_one_stream (GArray      *received,
                   const guint *blocks)
{
  for (guint i = 1; i < received->len; i++) {
    Packet *p = &g_array_index (received, Packet, i);
    Packet *prev = &g_array_index (received, Packet, i - 1);

    g_assert_cmpuint ((guint16) (p->seq - prev->seq), ==, 1);
    g_assert_cmpuint (p->timestamp - prev->timestamp, ==, (blocks[i] - blocks[i - 1]) * BLOCK);
    g_assert_cmpuint (p->ssrc, ==, prev->ssrc);
  }
}

static void
test_routing_burst (void)
{
  Routing r;
  g_autoptr (GArray) received = NULL;
  guint blocks[N_BLOCKS];

  /* The order of a burst, not the time it takes: on a loaded machine the
   * own path may need more than the hub's 40 ms for its four blocks, after
   * which the shared packets would go out without them (which
   * /participant/shared-never-waits checks). */
  routing_set_up (&r, 5000);

  /* Blocks 1-3: the ward hears the full mix, as the mixer routes it. */
  for (guint k = 1; k < 4; k++)
    send_block (&r, k, TRUE);
  /* Let the full mix go out first, as it would 20 ms apart. */
  received = receive_packets (r.rx, 3, 10 * G_USEC_PER_SEC);
  g_assert_cmpuint (received->len, ==, 3);

  /* A burst: the ward talks in blocks 4-7 (its own mix, 660 Hz), then is
   * quiet again in 8-11, and the shared packets of 8-11 come at once. */
  for (guint k = 4; k < N_BLOCKS; k++)
    send_block (&r, k, block_is_shared (k));
  {
    g_autoptr (GArray) more = receive_packets (r.rx, N_BLOCKS - 4, 10 * G_USEC_PER_SEC);

    append_packets (received, more);
  }

  /* One packet per block 1-11, in block order: sequence numbers and
   * timestamps continuous, one SSRC, the shared blocks' packets exactly
   * the shared encode's, the own blocks' the ward's own. */
  g_assert_cmpuint (received->len, ==, N_BLOCKS - 1);
  for (guint i = 0; i < received->len; i++) {
    Packet *p = &g_array_index (received, Packet, i);
    guint k = i + 1;
    g_autoptr (GBytes) want = buffer_bytes (r.shared[k]);

    blocks[i] = k;
    g_test_message ("block %u: seq %u, timestamp %u, %zu bytes, %s", k, p->seq, p->timestamp,
                    g_bytes_get_size (p->payload),
                    g_bytes_equal (p->payload, want) ? "the shared packet" : "its own");
    if (block_is_shared (k))
      g_assert_true (g_bytes_equal (p->payload, want));
    else
      g_assert_false (g_bytes_equal (p->payload, want));
  }
  assert_one_stream (received, blocks);

  routing_tear_down (&r);
}

static GstPadProbeReturn
stuck (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  return GST_PAD_PROBE_OK;   /* stays blocked until removed */
}

/*
 * The shared path never waits for the ward's own path: the shared
 * encoder's thread serves every ward.  With the ward's own path stuck (a
 * blocking probe before its encoder) while blocks 4-7 are its own, the
 * shared packet of block 8 returns at once and is held, not sent.  Held
 * for longer than 40 ms, it goes out with the next shared packet (9); the
 * own packets of 4-7, once the path moves again, come after later blocks
 * and are dropped: the ward's RTP stays one stream in block order, with a
 * hole of four blocks in its timestamps.
 */
static void
test_shared_never_waits (void)
{
  Routing r;
  g_autoptr (GArray) received = NULL;
  g_autoptr (GstElement) queue = NULL;
  g_autoptr (GstPad) queue_src = NULL;
  const guint blocks[] = { 1, 2, 3, 8, 9, 10, 11 };
  gulong block;

  routing_set_up (&r, 0);
  for (guint k = 1; k < 4; k++)
    send_block (&r, k, TRUE);
  received = receive_packets (r.rx, 3, 10 * G_USEC_PER_SEC);
  g_assert_cmpuint (received->len, ==, 3);

  queue = gst_bin_get_by_name (GST_BIN (r.bin), "audio-tx-0-queue");
  g_assert_nonnull (queue);
  queue_src = gst_element_get_static_pad (queue, "src");
  block = gst_pad_add_probe (queue_src, GST_PAD_PROBE_TYPE_BLOCK_DOWNSTREAM, stuck, NULL, NULL);
  for (guint k = 4; k < 8; k++)
    send_block (&r, k, FALSE);

  /* Returns although block 7's packet has not gone out, and is held. */
  send_block (&r, 8, TRUE);
  {
    g_autoptr (GArray) none = receive_packets (r.rx, 1, 100 * 1000);

    g_assert_cmpuint (none->len, ==, 0);
  }

  /* Past 40 ms: the next shared packet takes the held one out with it. */
  g_usleep (60 * 1000);
  send_block (&r, 9, TRUE);
  {
    g_autoptr (GArray) two = receive_packets (r.rx, 2, 10 * G_USEC_PER_SEC);

    append_packets (received, two);
  }
  g_assert_cmpuint (received->len, ==, 5);

  /* The own path moves again: its packets are too late, and dropped. */
  gst_pad_remove_probe (queue_src, block);
  send_block (&r, 10, TRUE);
  send_block (&r, 11, TRUE);
  {
    g_autoptr (GArray) more = receive_packets (r.rx, 2, 10 * G_USEC_PER_SEC);

    append_packets (received, more);
  }
  {
    /* Nothing else: the own packets never went out. */
    g_autoptr (GArray) none = receive_packets (r.rx, 1, 300 * 1000);

    g_assert_cmpuint (none->len, ==, 0);
  }

  g_assert_cmpuint (received->len, ==, G_N_ELEMENTS (blocks));
  for (guint i = 0; i < received->len; i++) {
    g_autoptr (GBytes) want = buffer_bytes (r.shared[blocks[i]]);

    g_assert_true (g_bytes_equal (g_array_index (received, Packet, i).payload, want));
  }
  assert_one_stream (received, blocks);

  routing_tear_down (&r);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/participant/routing-burst", test_routing_burst);
  g_test_add_func ("/participant/shared-never-waits", test_shared_never_waits);

  return g_test_run ();
}
