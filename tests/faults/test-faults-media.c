/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fault tests of the media plane (issue 8, faults half): a real conference
 * pipeline (src/media/wb-conference.c) on loopback, driven in-process.
 * ward-01 is the ward under fault, sent by a FaultSender (netsim, fixed
 * SSRC, sequence wrap, foreign copies); ward-02 is a well-behaved TestWard
 * that listens to the mix, so that "the mix keeps going" is checked by ear
 * (Goertzel power of the tone it hears).
 *
 * Waiting is generous (the machine is a loaded 2-core box, and CI runs this
 * under ASan+UBSan too); the figures the issue asks for (loss within one
 * point, media back within 2 s, exact drop counts) are asserted as such.
 * WB_FAULTS_VERBOSE=1 in the environment prints every rejoin cycle.
 */
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <gst/rtp/rtp.h>
#include <math.h>
#include <string.h>

#include "fault-sender.h"
#include "media/wb-conference.h"
#include "test-ward.h"

#define CANVAS_W 320
#define CANVAS_H 180
#define WAIT_S   20.0
#define RATE     48000.0

/* Time bounds that are properties of the hub (media back within 2 s, the
 * mix not stalled) are multiplied by this in a sanitizer build, where
 * every instruction costs about three times as much; see meson.build. */
#ifdef WB_FAULTS_SANITIZED
#define SLACK 3.0
#else
#define SLACK 1.0
#endif

/* A 0.3-amplitude sine gives about 0.0225 (see test_goertzel_power()); a
 * tone is "heard" well above the floor of Opus and the mixer, and "absent"
 * a hundred times below what is heard. */
#define HEARD_POWER 1e-3

typedef struct {
  WbConfig *config;
  WbConference *conf;
  TestWard *listener;          /* ward-02 */
  guint listener_hub_port;     /* where ward-02 sends its audio RTP; RTCP on +1 */
  GSocket *video_socket;       /* ward-01's video receive port */
  guint video_port;
  guint conference_errors;     /* "error" without a ward */
  guint ward_errors;
} Fixture;

static WbConfig *
make_config (void)
{
  guint min = 20000 + 2 * (guint) g_random_int_range (0, 10000);
  g_autofree char *data = g_strdup_printf (
      "[hub]\nrtp-port-min=%u\nrtp-port-max=%u\n"
      "[media]\nwidth=%u\nheight=%u\nframerate=10\nvideo-bitrate-kbps=200\n"
      "audio-bitrate-kbps=32\njitter-ms=40\n"
      "[store]\nstate-dir=/nonexistent\n"
      "[auth]\nadmin-tokens=admin-token-0123456789\n"
      "[endpoint ward-01]\nname=Phường Cam Giá\nkind=phuong\nmode=agent\ntoken=t-ward-01-abcdef\n"
      "[endpoint ward-02]\nname=Phường Chùa Hang\nkind=phuong\nmode=agent\ntoken=t-ward-02-abcdef\n",
      min, min + 999, CANVAS_W, CANVAS_H);
  g_autoptr (GError) error = NULL;
  WbConfig *config = wb_config_load_from_data ("faults.conf", data, -1, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (config);
  return config;
}

static void
on_error (WbConference *conf,
          const char   *endpoint_id,
          GError       *error,
          gpointer      user_data)
{
  Fixture *f = user_data;

  g_test_message ("conference error from %s: %s", endpoint_id ? endpoint_id : "(conference)",
                  error->message);
  if (endpoint_id == NULL)
    f->conference_errors++;
  else
    f->ward_errors++;
}

/* The conference with ward-02 joined, listening (it sends silence). */
static void
fixture_set_up (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WbJoinInfo) info = NULL;
  const WbEndpointConfig *ep;

  f->config = make_config ();
  f->conf = wb_conference_new (f->config, "c-faults", "Kiểm thử sự cố", WB_LAYOUT_GRID,
                               FALSE, &error);
  g_assert_no_error (error);
  g_signal_connect (f->conf, "error", G_CALLBACK (on_error), f);
  g_assert_true (wb_conference_has_audio_mixer (f->conf));

  f->listener = test_ward_new ("ward-02", 660.0, 0xff00ff00);
  test_ward_set_volume (f->listener, 0.0);
  ep = wb_config_find_endpoint (f->config, "ward-02");
  g_assert_true (wb_conference_add_endpoint (f->conf, ep, "127.0.0.1",
                                             test_ward_get_audio_port (f->listener),
                                             test_ward_get_video_port (f->listener),
                                             &info, &error));
  g_assert_no_error (error);
  test_ward_start_sending (f->listener, info->hub_audio_port, info->hub_video_port);
  f->listener_hub_port = info->hub_audio_port;

  f->video_socket = test_bind_even_port (&f->video_port);
}

static void
fixture_tear_down (Fixture *f)
{
  /* Whatever ward-01 suffered, the conference itself never failed. */
  g_assert_cmpuint (f->conference_errors, ==, 0);
  wb_conference_end (f->conf);
  g_clear_object (&f->conf);
  g_clear_pointer (&f->listener, test_ward_free);
  g_socket_close (f->video_socket, NULL);
  g_clear_object (&f->video_socket);
  g_clear_pointer (&f->config, wb_config_unref);
}

/* Joins ward-01 from 127.0.0.1, receiving on @sender's port; returns the
 * hub's audio RTP port. */
static guint
join_ward_01 (Fixture     *f,
              FaultSender *sender)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WbJoinInfo) info = NULL;
  const WbEndpointConfig *ep = wb_config_find_endpoint (f->config, "ward-01");

  g_assert_true (wb_conference_add_endpoint (f->conf, ep, "127.0.0.1",
                                             fault_sender_get_receive_port (sender),
                                             f->video_port, &info, &error));
  g_assert_no_error (error);
  return info->hub_audio_port;
}

static WbParticipantStats
stats_of (Fixture    *f,
          const char *id)
{
  g_autoptr (GPtrArray) reports = wb_conference_get_participants (f->conf);

  for (guint i = 0; i < reports->len; i++) {
    WbParticipantReport *r = g_ptr_array_index (reports, i);

    if (g_str_equal (r->endpoint_id, id))
      return r->media;
  }
  g_assert_not_reached ();
  return (WbParticipantStats) { 0, };
}

/* Power of @hz in the last 200 ms ward-02 heard. */
static double
listener_power (Fixture *f,
                double   hz)
{
  enum { N = 9600 };
  gint16 buf[N];
  guint n = test_ward_get_audio (f->listener, buf, N);

  if (n < N)
    return 0.0;
  return test_goertzel_power (buf, n, hz, RATE);
}

typedef struct {
  Fixture *f;
  double hz;
} HearData;

static gboolean
listener_hears (gpointer data)
{
  HearData *h = data;

  return listener_power (h->f, h->hz) > HEARD_POWER;
}

static void
assert_listener_hears (Fixture    *f,
                       double      hz,
                       const char *when)
{
  HearData h = { f, hz };

  if (!test_wait_until (listener_hears, &h, WAIT_S))
    g_error ("%s: ward-02 does not hear %.0f Hz (power %g)", when, hz, listener_power (f, hz));
}

/* ---- loss, jitter, reordering ------------------------------------------- */

/*
 * ward-01's link loses 5 % of its packets and delays 30 % of them by 0 to
 * 30 ms (so they also arrive out of order).  The pipeline reports no error,
 * ward-02 keeps hearing ward-01, and the loss the hub reports, computed as
 * the conference manager computes loss_pct for /metrics (lost over
 * received + lost), is within one point of what netsim dropped between
 * the first and the last packet it let through (what any RTP receiver can
 * know of; the drops before and after are invisible by RFC 3550).
 */
static void
test_impaired_link (void)
{
  Fixture f = { 0, };
  FaultSenderOptions o = FAULT_SENDER_OPTIONS_INIT;
  g_autoptr (FaultSender) sender = NULL;
  WbParticipantStats s;
  guint64 made, passed, received;
  double injected, reported;
  guint hub_port;

  fixture_set_up (&f);
  o.drop_probability = 0.05;
  o.delay_probability = 0.3;
  o.min_delay_ms = 0;
  o.max_delay_ms = 30;
  sender = fault_sender_new (&o);
  hub_port = join_ward_01 (&f, sender);
  fault_sender_start (sender, hub_port);

  assert_listener_hears (&f, 440.0, "through the impaired link");
  /* 8 s at 50 packets/s: 400 packets, about 20 of them dropped. */
  test_run_for (8.0);
  g_assert_cmpfloat (listener_power (&f, 440.0), >, HEARD_POWER);

  /* Stop first, so that nothing is in flight inside netsim; read the
   * hub's figures before its session could time the source out. */
  fault_sender_stop (sender);
  test_run_for (0.5);
  s = stats_of (&f, "ward-01");
  made = fault_sender_get_packets_made (sender);
  passed = fault_sender_get_packets_passed (sender);
  received = s.audio_packets + s.video_packets;
  injected = fault_sender_get_injected_loss_pct (sender);
  reported = 100.0 * (double) s.packets_lost / (double) (received + s.packets_lost);
  g_test_message ("made %" G_GUINT64_FORMAT ", passed %" G_GUINT64_FORMAT
                  " (%.2f %% dropped; injected loss over the sequence the hub saw %.2f %%); hub: %" G_GUINT64_FORMAT " received, %"
                  G_GUINT64_FORMAT " lost (reported %.2f %%), jitter %.2f ms",
                  made, passed, 100.0 * (double) (made - passed) / (double) made, injected, received, s.packets_lost, reported, s.jitter_ms);

  g_assert_cmpuint (made, >=, 300);
  g_assert_cmpuint (passed, <, made);   /* netsim did drop */
  g_assert_cmpfloat (fabs (reported - injected), <=, 1.0);
  /* Delays of up to 30 ms on a 20 ms packet clock show as jitter. */
  g_assert_cmpfloat (s.jitter_ms, >, 0.5);
  /* None of this is the ingress filter's business. */
  g_assert_cmpuint (wb_ingress_counts_total_dropped (&s.ingress), ==, 0);
  g_assert_cmpuint (f.ward_errors, ==, 0);

  fixture_tear_down (&f);
}

/* ---- runts, oversize datagrams and garbage floods ------------------------ */

typedef struct {
  guint64 runt, oversize, malformed, accepted;
} Expected;

/* What DESIGN.md §2 asks of the ingress filter: sizes first (min 12 for
 * RTP, 8 for RTCP; max 1500), then the version bits, written down
 * independently of wb-ingress.c; then RTCP's structure (also for RTCP
 * packet types on the RTP port, RFC 5761 §4), through the filter's own
 * wb_ingress_rtcp_is_well_formed(), whose rules test-media-units checks
 * packet by packet. */
static void
expect (Expected     *e,
        const guint8 *data,
        gsize         size,
        gboolean      rtcp)
{
  if (size < (rtcp ? 8u : 12u))
    e->runt++;
  else if (size > 1500)
    e->oversize++;
  else if ((data[0] >> 6) != 2)
    e->malformed++;
  else if ((rtcp || (data[1] >= 192 && data[1] <= 223)) &&
           !wb_ingress_rtcp_is_well_formed (data, size))
    e->malformed++;
  else
    e->accepted++;
}

static void
send_datagram (GSocket      *socket,
               guint         port,
               const guint8 *data,
               gsize         size)
{
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) to = g_inet_socket_address_new (lo, port);
  g_autoptr (GError) error = NULL;

  g_socket_send_to (socket, to, (const char *) data, size, NULL, &error);
  g_assert_no_error (error);
}

static GSocket *
bound_socket (const char *address)
{
  g_autoptr (GInetAddress) inet = g_inet_address_new_from_string (address);
  g_autoptr (GSocketAddress) where = g_inet_socket_address_new (inet, 0);
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                             G_SOCKET_PROTOCOL_UDP, &error);

  g_assert_no_error (error);
  g_socket_bind (socket, where, FALSE, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&socket);
}

typedef struct {
  Fixture *f;
  guint64 dropped_at_least;
} DropWait;

static gboolean
drops_counted (gpointer data)
{
  DropWait *w = data;
  WbParticipantStats s = stats_of (w->f, "ward-01");

  return wb_ingress_counts_total_dropped (&s.ingress) >= w->dropped_at_least;
}

/*
 * Datagrams of 0, 11, 12, 1501 and 65507 bytes (12 bytes of version 0,
 * the others whatever their first byte), sent from ward-01's own address
 * to its RTP and RTCP ports, are each dropped and counted by reason.
 * Then a flood of random garbage, some of it looking like RTP version 2
 * with random SSRCs, on both ports for about two seconds: every drop is
 * counted, and ward-02 never stops hearing ward-01.
 */
static void
test_garbage (void)
{
  static const gsize sizes[] = { 0, 11, 12, 1501, 65507 };
  Fixture f = { 0, };
  FaultSenderOptions o = FAULT_SENDER_OPTIONS_INIT;
  g_autoptr (FaultSender) sender = NULL;
  g_autoptr (GSocket) attacker = bound_socket ("127.0.0.1");
  g_autofree guint8 *data = g_malloc0 (65507);
  g_autoptr (GRand) rand = g_rand_new_with_seed (8);
  Expected e = { 0, };
  WbParticipantStats before, after;
  DropWait wait = { &f, 0 };
  guint hub_port;
  guint64 audio_before, kernel_before, kernel, counted;
  gint64 gap_us;

  fixture_set_up (&f);
  sender = fault_sender_new (&o);
  hub_port = join_ward_01 (&f, sender);
  fault_sender_start (sender, hub_port);
  assert_listener_hears (&f, 440.0, "before the garbage");

  /* One of each size, on RTP and on RTCP, paced so that no socket buffer
   * can overflow: every one must be counted. */
  before = stats_of (&f, "ward-01");
  for (guint rtcp = 0; rtcp < 2; rtcp++) {
    for (guint i = 0; i < G_N_ELEMENTS (sizes); i++) {
      send_datagram (attacker, hub_port + rtcp, data, sizes[i]);
      expect (&e, data, sizes[i], rtcp);
      test_run_for (0.02);
    }
  }
  g_assert_cmpuint (e.accepted, ==, 0);
  wait.dropped_at_least = wb_ingress_counts_total_dropped (&before.ingress) +
      e.runt + e.oversize + e.malformed;
  test_wait_until (drops_counted, &wait, WAIT_S);
  after = stats_of (&f, "ward-01");
  g_test_message ("sizes: runt %" G_GUINT64_FORMAT " oversize %" G_GUINT64_FORMAT
                  " malformed %" G_GUINT64_FORMAT " expected %" G_GUINT64_FORMAT "/%"
                  G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT,
                  after.ingress.dropped[WB_INGRESS_DROP_RUNT] - before.ingress.dropped[WB_INGRESS_DROP_RUNT],
                  after.ingress.dropped[WB_INGRESS_DROP_OVERSIZE] - before.ingress.dropped[WB_INGRESS_DROP_OVERSIZE],
                  after.ingress.dropped[WB_INGRESS_DROP_MALFORMED] - before.ingress.dropped[WB_INGRESS_DROP_MALFORMED],
                  e.runt, e.oversize, e.malformed);
  g_assert_cmpuint (after.ingress.dropped[WB_INGRESS_DROP_RUNT] -
                    before.ingress.dropped[WB_INGRESS_DROP_RUNT], ==, e.runt);
  g_assert_cmpuint (after.ingress.dropped[WB_INGRESS_DROP_OVERSIZE] -
                    before.ingress.dropped[WB_INGRESS_DROP_OVERSIZE], ==, e.oversize);
  g_assert_cmpuint (after.ingress.dropped[WB_INGRESS_DROP_MALFORMED] -
                    before.ingress.dropped[WB_INGRESS_DROP_MALFORMED], ==, e.malformed);
  g_assert_cmpuint (after.ingress.dropped[WB_INGRESS_DROP_FOREIGN], ==,
                    before.ingress.dropped[WB_INGRESS_DROP_FOREIGN]);

  /* The flood: 80 bursts of 50 datagrams, 25 ms apart.  Half of them
   * start like RTP/RTCP version 2 and reach rtpbin. */
  memset (&e, 0, sizeof e);
  before = stats_of (&f, "ward-01");
  kernel_before = fault_udp_kernel_drops (hub_port);
  audio_before = test_ward_get_audio_samples_total (f.listener);
  test_ward_reset_gaps (f.listener);
  for (guint burst = 0; burst < 80; burst++) {
    for (guint k = 0; k < 50; k++) {
      gboolean rtcp = g_rand_boolean (rand);
      gsize size = (gsize) g_rand_int_range (rand, 0, 1600);

      for (gsize b = 0; b < size; b++)
        data[b] = (guint8) g_rand_int_range (rand, 0, 256);
      if (size > 0 && g_rand_boolean (rand)) {
        data[0] = (guint8) (0x80 | (data[0] & 0x3f));
        if (!rtcp && size > 1)
          data[1] = 111;                  /* Opus, the ward's payload type */
      }
      send_datagram (attacker, hub_port + (rtcp ? 1 : 0), data, size);
      expect (&e, data, size, rtcp);
    }
    test_run_for (0.025);
  }
  test_run_for (1.0);
  after = stats_of (&f, "ward-01");
  kernel = fault_udp_kernel_drops (hub_port) - kernel_before;
  counted = wb_ingress_counts_total_dropped (&after.ingress) -
      wb_ingress_counts_total_dropped (&before.ingress);
  g_test_message ("flood: %" G_GUINT64_FORMAT " datagrams dropped by the kernel (socket buffer full)",
                  kernel);
  g_test_message ("flood: runt %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT
                  " oversize %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT
                  " malformed %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT
                  " (counted/sent), %" G_GUINT64_FORMAT " garbage let through",
                  after.ingress.dropped[WB_INGRESS_DROP_RUNT] - before.ingress.dropped[WB_INGRESS_DROP_RUNT], e.runt,
                  after.ingress.dropped[WB_INGRESS_DROP_OVERSIZE] - before.ingress.dropped[WB_INGRESS_DROP_OVERSIZE], e.oversize,
                  after.ingress.dropped[WB_INGRESS_DROP_MALFORMED] - before.ingress.dropped[WB_INGRESS_DROP_MALFORMED], e.malformed,
                  e.accepted);
  /* Loopback loses nothing, but on a loaded machine a socket's buffer
   * can overflow before udpsrc reads it: the kernel drops (and counts)
   * those.  So each reason counts at most what was sent of it, and every
   * garbage datagram is counted by the filter or by the kernel; with no
   * kernel drop the counts are exact. */
  g_assert_cmpuint (after.ingress.dropped[WB_INGRESS_DROP_RUNT] -
                    before.ingress.dropped[WB_INGRESS_DROP_RUNT], <=, e.runt);
  g_assert_cmpuint (after.ingress.dropped[WB_INGRESS_DROP_OVERSIZE] -
                    before.ingress.dropped[WB_INGRESS_DROP_OVERSIZE], <=, e.oversize);
  g_assert_cmpuint (after.ingress.dropped[WB_INGRESS_DROP_MALFORMED] -
                    before.ingress.dropped[WB_INGRESS_DROP_MALFORMED], <=, e.malformed);
  g_assert_cmpuint (counted + kernel, >=, e.runt + e.oversize + e.malformed);
  if (kernel == 0)
    g_assert_cmpuint (counted, ==, e.runt + e.oversize + e.malformed);

  /* The mix kept going: ward-02 received audio all along (no gap of a
   * second; the hub sends 20 ms packets) and still hears ward-01. */
  gap_us = test_ward_get_max_audio_gap_us (f.listener);
  g_test_message ("longest gap in ward-02's audio during the flood: %" G_GINT64_FORMAT " us", gap_us);
  g_assert_cmpint (gap_us, <, (gint64) (1.5 * SLACK * G_USEC_PER_SEC));
  g_assert_cmpuint (test_ward_get_audio_samples_total (f.listener) - audio_before, >=,
                    (guint64) (RATE * 2.0));
  assert_listener_hears (&f, 440.0, "after the flood");
  g_assert_cmpuint (f.ward_errors, ==, 0);

  fixture_tear_down (&f);
}

/* ---- a foreign source copying a ward's stream ---------------------------- */

static gint foreign_log_lines;

static void
count_ingress_logs (GstDebugCategory *category,
                    GstDebugLevel     level,
                    const gchar      *file,
                    const gchar      *function,
                    gint              line,
                    GObject          *object,
                    GstDebugMessage  *message,
                    gpointer          user_data)
{
  const char *text;

  if (!g_str_equal (gst_debug_category_get_name (category), "wb-ingress") ||
      level != GST_LEVEL_WARNING)
    return;
  text = gst_debug_message_get (message);
  if (text != NULL && strstr (text, "foreign") != NULL)
    g_atomic_int_inc (&foreign_log_lines);
}

/*
 * 127.0.0.2 sends a copy of ward-01's stream (same SSRC, 1 kHz instead of
 * 440 Hz, louder) to ward-01's hub ports for three seconds.  The hub sends
 * nothing to the copier, ward-02 hears ward-01's 440 Hz and not the copy,
 * ward-01 still gets its mix, and the drops make exactly one log line
 * (the filter logs a reason at most once per 10 s per ward).
 */
static void
test_foreign_copy (void)
{
  Fixture f = { 0, };
  FaultSenderOptions o = FAULT_SENDER_OPTIONS_INIT;
  FaultSenderOptions fo = FAULT_SENDER_OPTIONS_INIT;
  g_autoptr (FaultSender) sender = NULL;
  g_autoptr (FaultSender) copier = NULL;
  WbParticipantStats before, after;
  guint64 mix_before;
  guint hub_port;
  double p440, p1000;

  gst_debug_set_threshold_for_name ("wb-ingress", GST_LEVEL_WARNING);
  gst_debug_add_log_function (count_ingress_logs, NULL, NULL);

  fixture_set_up (&f);
  o.fixed_ssrc = TRUE;
  o.ssrc = 0x5741524du;
  o.seqnum_offset = 1000;
  sender = fault_sender_new (&o);
  hub_port = join_ward_01 (&f, sender);
  fault_sender_start (sender, hub_port);
  assert_listener_hears (&f, 440.0, "before the copy");

  fo = o;
  fo.bind_address = "127.0.0.2";
  fo.tone_hz = 1000.0;
  fo.volume = 0.9;
  copier = fault_sender_new (&fo);

  before = stats_of (&f, "ward-01");
  mix_before = fault_sender_poll_received (sender);
  g_atomic_int_set (&foreign_log_lines, 0);
  fault_sender_start (copier, hub_port);
  test_run_for (3.0);

  after = stats_of (&f, "ward-01");
  p440 = listener_power (&f, 440.0);
  p1000 = listener_power (&f, 1000.0);
  g_test_message ("foreign drops %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
                  " sent; ward-02 hears 440 Hz at %g, 1 kHz at %g; %d log lines",
                  after.ingress.dropped[WB_INGRESS_DROP_FOREIGN] -
                  before.ingress.dropped[WB_INGRESS_DROP_FOREIGN],
                  fault_sender_get_packets_passed (copier), p440, p1000,
                  g_atomic_int_get (&foreign_log_lines));

  /* Every copied packet that arrived was dropped as foreign: 3 s at
   * 50 packets/s, counted generously for a loaded machine. */
  g_assert_cmpuint (after.ingress.dropped[WB_INGRESS_DROP_FOREIGN] -
                    before.ingress.dropped[WB_INGRESS_DROP_FOREIGN], >=, 50);
  g_assert_cmpuint (after.ingress.dropped[WB_INGRESS_DROP_FOREIGN] -
                    before.ingress.dropped[WB_INGRESS_DROP_FOREIGN], <=,
                    fault_sender_get_packets_passed (copier));
  /* Nothing went back to the copier's address and port (symmetric RTP
   * must not latch onto a source that is not the ward's). */
  g_assert_cmpuint (fault_sender_poll_received_at_send (copier), ==, 0);
  /* ward-01's audio is untouched, and ward-01 still gets its mix. */
  g_assert_cmpfloat (p440, >, HEARD_POWER);
  g_assert_cmpfloat (p1000, <, p440 / 100.0);
  g_assert_cmpuint (fault_sender_poll_received (sender) - mix_before, >=, 50);
  /* One line for the whole copy. */
  g_assert_cmpint (g_atomic_int_get (&foreign_log_lines), ==, 1);

  fault_sender_stop (copier);
  gst_debug_remove_log_function (count_ingress_logs);
  fixture_tear_down (&f);
}

/* ---- SSRC change and sequence-number wrap --------------------------------- */

typedef struct {
  Fixture *f;
  guint64 audio_packets;
} HubWait;

static gboolean
hub_receives_more (gpointer data)
{
  HubWait *w = data;

  return stats_of (w->f, "ward-01").audio_packets > w->audio_packets;
}

/*
 * ward-01 starts at sequence number 65500, so its sequence wraps to 0
 * after 36 packets: the hub keeps taking its packets and ward-02 keeps
 * hearing it.  Then the box restarts its sender with a new SSRC and a new
 * tone (550 Hz), as a rebooted box does: the hub follows the new SSRC
 * within 2 s, and ward-02 hears the new tone instead of the old one.
 */
static void count_pipeline (Fixture *f, guint *elements, guint *pads);

typedef struct {
  Fixture *f;
  guint elements;
} CountWait;

static gboolean
elements_back_to (gpointer user_data)
{
  CountWait *w = user_data;
  guint elements, pads;

  count_pipeline (w->f, &elements, &pads);
  return elements == w->elements;
}

static void
test_ssrc_change_and_wrap (void)
{
  Fixture f = { 0, };
  FaultSenderOptions o = FAULT_SENDER_OPTIONS_INIT;
  FaultSenderOptions o2 = FAULT_SENDER_OPTIONS_INIT;
  CountWait count = { &f, 0 };
  guint elements, pads;
  g_autoptr (FaultSender) first = NULL;
  g_autoptr (FaultSender) second = NULL;
  HubWait hub = { &f, 0 };
  HearData hear = { &f, 550.0 };
  guint64 packets_after_wrap;
  guint hub_port;
  gint64 t0;
  double hub_s, ear_s;

  fixture_set_up (&f);
  o.fixed_ssrc = TRUE;
  o.ssrc = 0x11111111u;
  o.seqnum_offset = 65500;
  first = fault_sender_new (&o);
  hub_port = join_ward_01 (&f, first);
  fault_sender_start (first, hub_port);
  assert_listener_hears (&f, 440.0, "before the wrap");

  /* By now well past 36 packets... */
  test_run_for (1.0);
  g_assert_cmpuint (fault_sender_get_packets_made (first), >, 36);
  packets_after_wrap = stats_of (&f, "ward-01").audio_packets;
  /* ...and two seconds later the hub has taken about 100 more. */
  test_run_for (2.0);
  g_test_message ("after the wrap: %" G_GUINT64_FORMAT " packets in 2 s",
                  stats_of (&f, "ward-01").audio_packets - packets_after_wrap);
  g_assert_cmpuint (stats_of (&f, "ward-01").audio_packets - packets_after_wrap, >=, 50);
  g_assert_cmpfloat (listener_power (&f, 440.0), >, HEARD_POWER);

  /* The box restarts: new SSRC, new socket (a new source port), 550 Hz. */
  count_pipeline (&f, &count.elements, &pads);
  fault_sender_stop (first);
  o2.fixed_ssrc = TRUE;
  o2.ssrc = 0x22222222u;
  o2.tone_hz = 550.0;
  second = fault_sender_new (&o2);
  test_run_for (0.2);
  hub.audio_packets = stats_of (&f, "ward-01").audio_packets;
  t0 = g_get_monotonic_time ();
  fault_sender_start (second, hub_port);
  g_assert_true (test_wait_until (hub_receives_more, &hub, WAIT_S));
  hub_s = (g_get_monotonic_time () - t0) / (double) G_USEC_PER_SEC;
  g_assert_true (test_wait_until (listener_hears, &hear, WAIT_S));
  ear_s = (g_get_monotonic_time () - t0) / (double) G_USEC_PER_SEC;
  g_test_message ("new SSRC: at the hub's decoder after %.3f s, heard by ward-02 after %.3f s",
                  hub_s, ear_s);
  /* The hub's part is the figure asked for. */
  g_assert_cmpfloat (hub_s, <=, 2.0 * SLACK);
  /* By ear it also takes ward-02's jitter buffer and a 200 ms window of
   * the new tone; still within the 2 s. */
  g_assert_cmpfloat (ear_s, <=, 2.0 * SLACK);
  test_run_for (0.5);
  g_assert_cmpfloat (listener_power (&f, 440.0), <, listener_power (&f, 550.0) / 100.0);

  /* The old SSRC's streams in rtpbin (its jitter buffer, payload demuxer
   * and pads) go once it has been quiet for 5 s, not before: the count
   * is up now, and back where it was with the old SSRC alone after that. */
  count_pipeline (&f, &elements, &pads);
  g_test_message ("elements: %u with the old SSRC, %u with both", count.elements, elements);
  g_assert_cmpuint (elements, >, count.elements);
  t0 = g_get_monotonic_time ();
  g_assert_true (test_wait_until (elements_back_to, &count, WAIT_S));
  g_test_message ("the old SSRC's streams removed %.1f s after the check",
                  (g_get_monotonic_time () - t0) / (double) G_USEC_PER_SEC);
  assert_listener_hears (&f, 550.0, "after the old SSRC's streams went");
  g_assert_cmpuint (f.ward_errors, ==, 0);

  fixture_tear_down (&f);
}

/*
 * A box whose link drops for 7 s comes back from the same socket with
 * the same SSRC, its sequence and RTP time jumped: the hub's jitter stage
 * starts over, the hub takes the stream again within 2 s and ward-02
 * hears it; nothing logs a critical (the suite runs with fatal
 * criticals).  rtpsession keeps the source meanwhile (with
 * GST_DEBUG=rtpsession:5 it turns from sender to receiver after about
 * 10 s and was not removed in 30 s), so this is not the removal race of
 * docs/benchmarks.md item 26.
 */
static void
test_same_ssrc_after_silence (void)
{
  Fixture f = { 0, };
  FaultSenderOptions o = FAULT_SENDER_OPTIONS_INIT;
  g_autoptr (FaultSender) box = NULL;
  HubWait hub = { &f, 0 };
  guint hub_port;
  gint64 t0;
  double hub_s;

  fixture_set_up (&f);
  o.fixed_ssrc = TRUE;
  o.ssrc = 0x33333333u;
  box = fault_sender_new (&o);
  hub_port = join_ward_01 (&f, box);
  fault_sender_start (box, hub_port);
  assert_listener_hears (&f, 440.0, "before the silence");

  fault_sender_stop (box);
  test_run_for (7.0);
  g_assert_cmpfloat (listener_power (&f, 440.0), <, HEARD_POWER);

  hub.audio_packets = stats_of (&f, "ward-01").audio_packets;
  t0 = g_get_monotonic_time ();
  fault_sender_start (box, hub_port);
  g_assert_true (test_wait_until (hub_receives_more, &hub, WAIT_S));
  hub_s = (g_get_monotonic_time () - t0) / (double) G_USEC_PER_SEC;
  g_test_message ("same SSRC after 7 s of silence: at the hub's decoder after %.3f s", hub_s);
  g_assert_cmpfloat (hub_s, <=, 2.0 * SLACK);
  assert_listener_hears (&f, 440.0, "after the silence");
  g_assert_cmpuint (f.ward_errors, ==, 0);

  fixture_tear_down (&f);
}

/* ---- FEC planned from the loss the boxes report ------------------------- */

/* Sends one RTCP receiver report, as ward-02's box, on the hub's audio
 * stream @hub_ssrc: @fraction_lost 256ths lost since the last one. */
static void
send_receiver_report (Fixture *f,
                      GSocket *socket,
                      guint32  hub_ssrc,
                      guint8   fraction_lost)
{
  g_autoptr (GstBuffer) buffer = gst_rtcp_buffer_new (1500);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) to = g_inet_socket_address_new (lo, f->listener_hub_port + 1);
  g_autoptr (GError) error = NULL;
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  GstRTCPPacket packet;
  GstMapInfo map;

  g_assert_true (gst_rtcp_buffer_map (buffer, GST_MAP_READWRITE, &rtcp));
  g_assert_true (gst_rtcp_buffer_add_packet (&rtcp, GST_RTCP_TYPE_RR, &packet));
  gst_rtcp_packet_rr_set_ssrc (&packet, 0x0badf00du);
  g_assert_true (gst_rtcp_packet_add_rb (&packet, hub_ssrc, fraction_lost, 0, 0, 0, 0, 0));
  gst_rtcp_buffer_unmap (&rtcp);

  gst_buffer_map (buffer, &map, GST_MAP_READ);
  g_assert_cmpint (g_socket_send_to (socket, to, (const char *) map.data, map.size, NULL, &error),
                   ==, (gssize) map.size);
  g_assert_no_error (error);
  gst_buffer_unmap (buffer, &map);
}

/* Of the Opus packets ward-02 received since the last call, how many were
 * coded with SILK or hybrid (TOC configurations 0 to 15: the modes that
 * carry in-band FEC), and in @total how many there were; the hub's SSRC in
 * @ssrc. */
static guint
take_silk_packets (Fixture *f,
                   guint   *total,
                   guint32 *ssrc)
{
  g_autoptr (GArray) headers = test_ward_take_audio_rtp (f->listener);
  guint silk = 0;

  *total = 0;
  for (guint i = 0; i < headers->len; i++) {
    const TestRtpHeader *h = &g_array_index (headers, TestRtpHeader, i);

    if (h->first_byte < 0)
      continue;
    (*total)++;
    *ssrc = h->ssrc;
    if ((h->first_byte >> 3) < 16)
      silk++;
  }
  return silk;
}

/*
 * [media] audio-expected-loss-percent=auto, the default: the hub's Opus
 * encoders plan their in-band FEC for the loss the boxes report in RTCP.
 * Before any report ward-02 is sent CELT packets (no FEC); once its box
 * reports 20 % lost, the encode it is sent plans for 20 % and codes with
 * SILK or hybrid, the modes with FEC data.  ward-01, which reports
 * nothing, keeps its own plan at 0.
 */
static void
test_fec_follows_reported_loss (void)
{
  Fixture f = { 0, };
  FaultSenderOptions o = FAULT_SENDER_OPTIONS_INIT;
  g_autoptr (FaultSender) box = NULL;
  g_autoptr (GSocket) rtcp = NULL;
  guint hub_port, silk, total;
  guint32 hub_ssrc = 0;
  gint64 t0;
  WbParticipantStats stats;

  fixture_set_up (&f);
  box = fault_sender_new (&o);
  hub_port = join_ward_01 (&f, box);
  fault_sender_start (box, hub_port);
  assert_listener_hears (&f, 440.0, "before any report");

  /* libopus starts in hybrid and settles on CELT for this tone within
   * about half a second: look after that. */
  test_run_for (2.0);
  take_silk_packets (&f, &total, &hub_ssrc);
  test_run_for (2.0);
  silk = take_silk_packets (&f, &total, &hub_ssrc);
  g_test_message ("no report: %u of %u packets SILK or hybrid", silk, total);
  g_assert_cmpuint (total, >=, 50);
  g_assert_cmpuint (silk, <=, total / 10);
  g_assert_cmpuint (stats_of (&f, "ward-02").audio_fec_pct, ==, 0);

  /* The box reports 51/256 = 19.9 % lost, every second. */
  rtcp = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, NULL);
  g_assert_nonnull (rtcp);
  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < 4; i++) {
    send_receiver_report (&f, rtcp, hub_ssrc, 51);
    test_run_for (1.0);
  }
  stats = stats_of (&f, "ward-02");
  g_test_message ("reports of 19.9 %% lost: the hub read %.1f %%, plans for %u %%",
                  stats.remote_loss_pct, stats.audio_fec_pct);
  g_assert_cmpfloat (fabs (stats.remote_loss_pct - 51 * 100.0 / 256), <, 0.01);
  g_assert_cmpuint (stats.audio_fec_pct, ==, 20);
  g_assert_cmpuint (stats_of (&f, "ward-01").audio_fec_pct, ==, 0);

  take_silk_packets (&f, &total, &hub_ssrc);
  send_receiver_report (&f, rtcp, hub_ssrc, 51);
  test_run_for (1.0);
  silk = take_silk_packets (&f, &total, &hub_ssrc);
  g_test_message ("%.1f s after the first report: %u of %u packets SILK or hybrid",
                  (g_get_monotonic_time () - t0) / (double) G_USEC_PER_SEC, silk, total);
  g_assert_cmpuint (total, >=, 25);
  /* libopus picks the mode frame by frame: most, not necessarily all. */
  g_assert_cmpuint (silk, >=, total * 3 / 4);
  assert_listener_hears (&f, 440.0, "with FEC");
  g_assert_cmpuint (f.ward_errors, ==, 0);

  fixture_tear_down (&f);
}

/* ---- 50 leave/rejoin cycles ----------------------------------------------- */

static guint
count_fds (void)
{
  g_autoptr (GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

static void
count_pads (const GValue *item,
            gpointer      user_data)
{
  GstElement *element = g_value_get_object (item);
  guint *counts = user_data;

  counts[0]++;
  counts[1] += element->numpads;
}

/* Elements inside the pipeline, and their pads. */
static void
count_pipeline (Fixture *f,
                guint   *elements,
                guint   *pads)
{
  g_autoptr (GstElement) pipeline = wb_conference_get_pipeline (f->conf);
  GstIterator *it = gst_bin_iterate_recurse (GST_BIN (pipeline));
  guint counts[2] = { 0, 0 };

  while (gst_iterator_foreach (it, count_pads, counts) == GST_ITERATOR_RESYNC) {
    counts[0] = counts[1] = 0;
    gst_iterator_resync (it);
  }
  gst_iterator_free (it);
  *elements = counts[0];
  *pads = counts[1];
}

typedef struct {
  Fixture *f;
  FaultSender *sender;
  guint64 mix_before;
} BackWait;

/* Media flows both ways: the hub decodes ward-01's audio, and ward-01's
 * receive port gets its mix again. */
static gboolean
media_back (gpointer data)
{
  BackWait *w = data;

  return stats_of (w->f, "ward-01").audio_packets > 0 &&
      fault_sender_poll_received (w->sender) >= w->mix_before + 5;
}

#define N_CYCLES 50

typedef struct {
  guint baseline;
} FdWait;

static gboolean
fds_back (gpointer data)
{
  FdWait *w = data;

  return count_fds () <= w->baseline;
}

static gboolean
listener_receives (gpointer data)
{
  Fixture *f = data;

  return test_ward_get_audio_samples_total (f->listener) >= (guint64) RATE / 2;
}

/*
 * ward-01 leaves and joins again 50 times, each time with a new SSRC and
 * sequence (the box's sender restarts).  Each time, media is back in both
 * directions within 2 s of the join; ward-02's mix never stalls; and
 * afterwards the process has as many file descriptors, and the pipeline
 * as many elements and pads, as after the first cycle.
 */
static void
test_rejoin_cycles (void)
{
  Fixture f = { 0, };
  FaultSenderOptions o = FAULT_SENDER_OPTIONS_INIT;
  g_autoptr (FaultSender) sender = NULL;
  guint fds0 = 0, elements0 = 0, pads0 = 0;
  guint fds, elements, pads;
  double worst_s = 0.0, total_s = 0.0;
  gint64 gap_us;
  FdWait fd_wait = { 0 };

  fixture_set_up (&f);
  sender = fault_sender_new (&o);
  /* ward-02 alone gets a mix of nobody: silence, but a steady stream. */
  g_assert_true (test_wait_until (listener_receives, &f, WAIT_S));
  test_ward_reset_gaps (f.listener);

  for (guint cycle = 0; cycle < N_CYCLES; cycle++) {
    g_autoptr (GError) error = NULL;
    BackWait back = { &f, sender, fault_sender_poll_received (sender) };
    guint hub_port;
    gint64 t0;
    double took;

    t0 = g_get_monotonic_time ();
    hub_port = join_ward_01 (&f, sender);
    fault_sender_start (sender, hub_port);
    if (!test_wait_until (media_back, &back, WAIT_S))
      g_error ("cycle %u: media not back after %.0f s", cycle, WAIT_S);
    took = (g_get_monotonic_time () - t0) / (double) G_USEC_PER_SEC;
    worst_s = MAX (worst_s, took);
    total_s += took;
    g_assert_cmpfloat (took, <=, 2.0 * SLACK);

    fault_sender_stop (sender);
    g_assert_true (wb_conference_remove_endpoint (f.conf, "ward-01", &error));
    g_assert_no_error (error);
    fault_sender_poll_received (sender);   /* what was still in flight */
    if (g_getenv ("WB_FAULTS_VERBOSE") != NULL)
      g_test_message ("cycle %u: %.3f s, fds %u, ward-02's longest gap %" G_GINT64_FORMAT " us",
                      cycle, took, count_fds (), test_ward_get_max_audio_gap_us (f.listener));

    if (cycle == 0) {
      /* The baseline: after one whole cycle, when GStreamer's lazily made
       * things (thread pools, the registry's caches) exist. */
      fds0 = count_fds ();
      count_pipeline (&f, &elements0, &pads0);
    }
  }

  /* Streaming threads of the removed bins finish asynchronously: give
   * their file descriptors (cancellables' eventfds) time to close. */
  fd_wait.baseline = fds0;
  test_wait_until (fds_back, &fd_wait, 10.0);
  fds = count_fds ();
  count_pipeline (&f, &elements, &pads);
  gap_us = test_ward_get_max_audio_gap_us (f.listener);
  g_test_message ("%d cycles: media back after %.3f s on average, %.3f s at worst; "
                  "fds %u -> %u, elements %u -> %u, pads %u -> %u; "
                  "longest gap in ward-02's audio %" G_GINT64_FORMAT " us",
                  N_CYCLES, total_s / N_CYCLES, worst_s, fds0, fds, elements0, elements,
                  pads0, pads, gap_us);
  /* Not above the baseline: a descriptor kept per cycle would be 49 more.
   * (Below is possible: the baseline may catch a closing stream's
   * eventfds still open.) */
  g_assert_cmpuint (fds, <=, fds0);
  g_assert_cmpuint (elements, ==, elements0);
  g_assert_cmpuint (pads, ==, pads0);
  /* Joins and leaves of ward-01 never stalled ward-02's mix.  The hub
   * sends a packet every 20 ms; measured gaps are 25-250 ms, and a
   * loaded machine has shown one of 1.2 s (the bound is for a stall, not
   * for scheduling noise). */
  g_assert_cmpint (gap_us, <, (gint64) (2.0 * SLACK * G_USEC_PER_SEC));
  g_assert_cmpuint (f.ward_errors, ==, 0);

  fixture_tear_down (&f);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/faults/media/impaired-link", test_impaired_link);
  g_test_add_func ("/faults/media/garbage", test_garbage);
  g_test_add_func ("/faults/media/foreign-copy", test_foreign_copy);
  g_test_add_func ("/faults/media/ssrc-change-and-wrap", test_ssrc_change_and_wrap);
  g_test_add_func ("/faults/media/same-ssrc-after-silence", test_same_ssrc_after_silence);
  g_test_add_func ("/faults/media/fec-follows-reported-loss", test_fec_follows_reported_loss);
  g_test_add_func ("/faults/media/rejoin-cycles", test_rejoin_cycles);

  return g_test_run ();
}
