/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tests of wardbridge-endpoint: the backoff maths, the join answer, the
 * media (the tone the box sends is the ward's own, the picture is 640x360
 * H.264, what the hub sends is counted), the state machine against a hub
 * on loopback (WbTestHub: join, leave at the end, rejoin after the hub is
 * killed and restarted), and the program's exit codes.
 */
#include <glib/gstdio.h>
#include <gst/app/gstappsink.h>
#include <gst/rtp/rtp.h>
#include <gst/gst.h>
#include <math.h>
#include <signal.h>
#include <string.h>

#include "agent/wb-agent.h"
#include "agent/wb-backoff.h"
#include "agent/wb-join-info.h"
#include "wb-test-daemon.h"
#include "wb-test-hub.h"

#define TIMEOUT_S 120

static void
test_backoff (void)
{
  WbBackoff backoff;
  const guint bases[] = { 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000 };

  wb_backoff_init (&backoff, 1000, 30000);
  for (guint i = 0; i < G_N_ELEMENTS (bases); i++) {
    g_assert_cmpuint (wb_backoff_peek_base_ms (&backoff), ==, bases[i]);
    /* The smallest draw gives half the base. */
    g_assert_cmpuint (wb_backoff_next_ms (&backoff, 0.0), ==, bases[i] / 2);
  }
  /* The largest gives the base itself, never more. */
  wb_backoff_reset (&backoff);
  g_assert_cmpuint (wb_backoff_next_ms (&backoff, 0.9999999), ==, 1000);
  g_assert_cmpuint (wb_backoff_next_ms (&backoff, 0.5), ==, 1000 + 500);
  g_assert_cmpuint (wb_backoff_next_ms (&backoff, 0.25), ==, 2000 + 500);
  g_assert_cmpuint (wb_backoff_next_ms (&backoff, 0.9999999), ==, 8000);
  g_assert_cmpuint (wb_backoff_next_ms (&backoff, 0.9999999), ==, 16000);
  for (guint i = 0; i < 100; i++)
    g_assert_cmpuint (wb_backoff_next_ms (&backoff, 0.9999999), ==, 30000);
  wb_backoff_reset (&backoff);
  g_assert_cmpuint (wb_backoff_peek_base_ms (&backoff), ==, 1000);
}

static void
test_tone (void)
{
  g_assert_cmpuint (wb_agent_media_tone_for_ward ("ward-01"), ==, 320);
  g_assert_cmpuint (wb_agent_media_tone_for_ward ("ward-03"), ==, 360);
  g_assert_cmpuint (wb_agent_media_tone_for_ward ("ward-32"), ==, 940);
  g_assert_cmpuint (wb_agent_media_tone_for_ward ("hub"), ==, 440);
  g_assert_cmpuint (wb_agent_media_tone_for_ward ("ward-7x"), ==, 440);
}

static JsonNode *
answer_node (const char *json)
{
  g_autoptr (GError) error = NULL;
  JsonNode *node = json_from_string (json, &error);

  g_assert_no_error (error);
  return node;
}

static void
test_join_info (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) with_sdp = answer_node (
    "{\"conference\":\"c-7\",\"hub\":{\"host\":\"0.0.0.0\",\"audio_port\":40010,\"video_port\":40012},"
    "\"audio\":{\"codec\":\"pcma\"},\"srtp\":null,"
    "\"sdp\":\"v=0\\r\\no=- 1 1 IN IP4 10.0.0.1\\r\\ns=x\\r\\nc=IN IP4 10.0.0.1\\r\\nt=0 0\\r\\n"
    "m=audio 40010 RTP/AVP 111\\r\\na=rtpmap:111 opus/48000/2\\r\\n"
    "m=video 40012 RTP/AVP 96\\r\\na=rtpmap:96 H264/90000\\r\\n\"}");
  g_autoptr (JsonNode) blocks = answer_node (
    "{\"conference\":\"c-8\",\"hub\":{\"host\":\"192.0.2.5\",\"audio_port\":40020,\"video_port\":40022},"
    "\"audio\":{\"codec\":\"pcma\",\"payload_type\":8,\"clock_rate\":8000},"
    "\"video\":{\"codec\":\"vp8\",\"payload_type\":97}}");
  g_autoptr (JsonNode) no_ports = answer_node ("{\"conference\":\"c-9\",\"hub\":{\"host\":\"192.0.2.5\"}}");
  g_autoptr (JsonNode) odd_codec = answer_node (
    "{\"conference\":\"c-9\",\"hub\":{\"audio_port\":1,\"video_port\":3},\"audio\":{\"codec\":\"g729\"}}");
  g_autoptr (WbJoinInfo) a = wb_join_info_parse (with_sdp, "hub.example", &error);
  g_autoptr (WbJoinInfo) b = NULL;
  g_autoptr (WbJoinInfo) c = NULL;
  int pt = 0, rate = 0;

  g_assert_no_error (error);
  g_assert_cmpstr (a->conference, ==, "c-7");
  /* An unspecified host means "the host you reached me on". */
  g_assert_cmpstr (a->hub_host, ==, "hub.example");
  g_assert_cmpuint (a->hub_audio_port, ==, 40010);
  g_assert_cmpuint (a->hub_video_port, ==, 40012);
  /* The SDP wins over the blocks. */
  g_assert_cmpstr (wb_join_info_encoding (a->audio_caps), ==, "OPUS");
  g_assert_true (gst_structure_get_int (gst_caps_get_structure (a->audio_caps, 0), "payload", &pt));
  g_assert_true (gst_structure_get_int (gst_caps_get_structure (a->audio_caps, 0), "clock-rate", &rate));
  g_assert_cmpint (pt, ==, 111);
  g_assert_cmpint (rate, ==, 48000);
  g_assert_cmpstr (wb_join_info_encoding (a->video_caps), ==, "H264");
  g_assert_cmpstr (gst_structure_get_string (gst_caps_get_structure (a->video_caps, 0), "media"), ==, "video");

  b = wb_join_info_parse (blocks, "hub.example", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (b->hub_host, ==, "192.0.2.5");
  g_assert_cmpstr (wb_join_info_encoding (b->audio_caps), ==, "PCMA");
  g_assert_true (gst_structure_get_int (gst_caps_get_structure (b->audio_caps, 0), "clock-rate", &rate));
  g_assert_cmpint (rate, ==, 8000);
  g_assert_cmpstr (wb_join_info_encoding (b->video_caps), ==, "VP8");
  g_assert_true (gst_structure_get_int (gst_caps_get_structure (b->video_caps, 0), "payload", &pt));
  g_assert_cmpint (pt, ==, 97);

  c = wb_join_info_parse (no_ports, "hub.example", &error);
  g_assert_null (c);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_clear_error (&error);
  c = wb_join_info_parse (odd_codec, "hub.example", &error);
  g_assert_null (c);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
}

/* ---- The hub's side of the media, in the test ------------------------- */

/* Binds a UDP socket on 127.0.0.1 and an even port, for a pipeline's
 * udpsrc (the hub's receiving ports). */
static GSocket *
bind_even_socket (void)
{
  for (guint i = 0; i < 64; i++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
    g_autoptr (GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
    g_autoptr (GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                               G_SOCKET_PROTOCOL_UDP, &error);
    g_autoptr (GSocketAddress) bound = NULL;

    g_assert_no_error (error);
    g_assert_true (g_socket_bind (socket, address, FALSE, &error));
    bound = g_socket_get_local_address (socket, &error);
    g_assert_no_error (error);
    if (g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)) % 2 == 0)
      return g_steal_pointer (&socket);
  }
  g_assert_not_reached ();
}

static guint
socket_port (GSocket *socket)
{
  g_autoptr (GSocketAddress) bound = g_socket_get_local_address (socket, NULL);

  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

/* A receiving pipeline standing for the hub: decodes the box's audio to
 * S16 mono 48 kHz and its video to raw frames, both into appsinks. */
typedef struct {
  GSocket *audio_socket;
  GSocket *video_socket;
  GstElement *pipeline;
  GstElement *audio_sink;
  GstElement *video_sink;
  GstCaps *srtp_caps;      /* the key, for srtpdec's "request-key" */
} Receiver;

static GstCaps *
on_receiver_request_key (GstElement *srtpdec, guint ssrc, gpointer user_data)
{
  return gst_caps_ref (((Receiver *) user_data)->srtp_caps);
}

/* @srtp_key_hex: the SRTP key the box encrypts with, or NULL. */
static void
receiver_init_full (Receiver *r, const char *srtp_key_hex)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) audio_src = NULL;
  g_autoptr (GstElement) video_src = NULL;
  g_autofree char *srtp = NULL;
  g_autofree char *launch = NULL;
  const char *rtp = srtp_key_hex != NULL ? "application/x-srtp" : "application/x-rtp";
  const char *adec = srtp_key_hex != NULL ? "! srtpdec name=adec " : "";
  const char *vdec = srtp_key_hex != NULL ? "! srtpdec name=vdec " : "";

  if (srtp_key_hex != NULL) {
    g_autofree char *caps = NULL;

    srtp = g_strdup_printf (",srtp-key=(buffer)%s,srtp-cipher=aes-128-icm,srtp-auth=hmac-sha1-80,"
                            "srtcp-cipher=aes-128-icm,srtcp-auth=hmac-sha1-80", srtp_key_hex);
    caps = g_strconcat ("application/x-srtp", srtp, NULL);
    r->srtp_caps = gst_caps_from_string (caps);
    g_assert_nonnull (r->srtp_caps);
  }
  r->audio_socket = bind_even_socket ();
  r->video_socket = bind_even_socket ();
  launch = g_strdup_printf (
    "udpsrc name=asrc caps=\"%s,media=audio,encoding-name=OPUS,clock-rate=48000,payload=111%s\" %s"
    "! rtpjitterbuffer latency=100 ! rtpopusdepay ! opusdec ! audioconvert ! audioresample "
    "! audio/x-raw,format=S16LE,channels=1,rate=48000 ! appsink name=asink sync=false max-buffers=1000 "
    "udpsrc name=vsrc caps=\"%s,media=video,encoding-name=H264,clock-rate=90000,payload=96%s\" %s"
    "! rtpjitterbuffer latency=100 ! rtph264depay ! h264parse ! avdec_h264 ! appsink name=vsink sync=false max-buffers=5 drop=true",
    rtp, srtp != NULL ? srtp : "", adec, rtp, srtp != NULL ? srtp : "", vdec);
  r->pipeline = gst_parse_launch (launch, &error);
  g_assert_no_error (error);
  audio_src = gst_bin_get_by_name (GST_BIN (r->pipeline), "asrc");
  video_src = gst_bin_get_by_name (GST_BIN (r->pipeline), "vsrc");
  g_object_set (audio_src, "socket", r->audio_socket, "close-socket", FALSE, NULL);
  g_object_set (video_src, "socket", r->video_socket, "close-socket", FALSE, NULL);
  r->audio_sink = gst_bin_get_by_name (GST_BIN (r->pipeline), "asink");
  r->video_sink = gst_bin_get_by_name (GST_BIN (r->pipeline), "vsink");
  if (srtp_key_hex != NULL) {
    const char *names[] = { "adec", "vdec" };

    for (guint i = 0; i < G_N_ELEMENTS (names); i++) {
      g_autoptr (GstElement) srtpdec = gst_bin_get_by_name (GST_BIN (r->pipeline), names[i]);

      g_signal_connect (srtpdec, "request-key", G_CALLBACK (on_receiver_request_key), r);
    }
  }
  g_assert_cmpint (gst_element_set_state (r->pipeline, GST_STATE_PLAYING), !=, GST_STATE_CHANGE_FAILURE);
}

static void
receiver_init (Receiver *r)
{
  receiver_init_full (r, NULL);
}

static void
receiver_clear (Receiver *r)
{
  gst_element_set_state (r->pipeline, GST_STATE_NULL);
  gst_clear_object (&r->audio_sink);
  gst_clear_object (&r->video_sink);
  gst_clear_object (&r->pipeline);
  g_clear_object (&r->audio_socket);
  g_clear_object (&r->video_socket);
  g_clear_pointer (&r->srtp_caps, gst_caps_unref);
}

/* Goertzel: the power of @freq in @samples. */
static double
tone_power (const gint16 *samples, gsize n, double freq)
{
  double coeff = 2.0 * cos (2.0 * G_PI * freq / 48000.0);
  double s1 = 0, s2 = 0;

  for (gsize i = 0; i < n; i++) {
    double s0 = samples[i] / 32768.0 + coeff * s1 - s2;

    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - coeff * s1 * s2;
}

/* Pulls one second of decoded audio (after the first half second, while
 * the encoder settles) and checks that the loudest of the wards' tones is
 * @expected, far above every other. */
static void
assert_hears_tone (Receiver *r, guint expected)
{
  g_autoptr (GByteArray) pcm = g_byte_array_new ();
  const gsize skip = 48000;        /* bytes: half a second of S16 mono */
  const gsize want = 2 * 48000;    /* one second */
  const gint16 *samples;
  gsize n;
  double power_expected;

  while (pcm->len < skip + want) {
    g_autoptr (GstSample) sample = gst_app_sink_try_pull_sample (GST_APP_SINK (r->audio_sink),
                                                                 TIMEOUT_S * GST_SECOND);
    GstMapInfo map;
    GstBuffer *buffer;

    g_assert_nonnull (sample);
    buffer = gst_sample_get_buffer (sample);
    g_assert_true (gst_buffer_map (buffer, &map, GST_MAP_READ));
    g_byte_array_append (pcm, map.data, map.size);
    gst_buffer_unmap (buffer, &map);
  }
  samples = (const gint16 *) (pcm->data + skip);
  n = want / 2;
  power_expected = tone_power (samples, n, expected);
  g_assert_cmpfloat (power_expected, >, 1.0);
  /* Every other ward's tone (300 + 20 k Hz) is at least 100 times weaker. */
  for (guint hz = 320; hz <= 940; hz += 20) {
    if (hz == expected)
      continue;
    g_assert_cmpfloat (tone_power (samples, n, hz) * 100.0, <, power_expected);
  }
}

static void
assert_sees_picture (Receiver *r, int width, int height)
{
  g_autoptr (GstSample) sample = gst_app_sink_try_pull_sample (GST_APP_SINK (r->video_sink),
                                                               TIMEOUT_S * GST_SECOND);
  GstStructure *s;
  int w = 0, h = 0;

  g_assert_nonnull (sample);
  s = gst_caps_get_structure (gst_sample_get_caps (sample), 0);
  g_assert_true (gst_structure_get_int (s, "width", &w));
  g_assert_true (gst_structure_get_int (s, "height", &h));
  g_assert_cmpint (w, ==, width);
  g_assert_cmpint (h, ==, height);
}

static WbAgentMedia *
simulated_media (const char *ward, const char *label)
{
  WbMediaSettings settings;
  WbAgentMedia *media;

  wb_media_settings_init (&settings);
  settings.simulate = TRUE;
  settings.headless = TRUE;
  settings.tone_hz = wb_agent_media_tone_for_ward (ward);
  settings.label = g_strdup (label);
  settings.bind_address = g_strdup ("127.0.0.1");
  media = wb_agent_media_new (&settings);
  wb_media_settings_clear (&settings);
  return media;
}

typedef struct {
  WbAgentMedia *media;
  guint64 audio;
  guint64 video;
} StatsWait;

static gboolean
got_frames (gpointer data)
{
  StatsWait *wait = data;
  WbMediaStats stats;

  wb_agent_media_get_stats (wait->media, &stats);
  return stats.audio_frames >= wait->audio && stats.video_frames >= wait->video;
}

/* Stands for the hub sending to the box: a 1 kHz Opus tone and a small
 * H.264 picture to @media's ports. */
/* Stands for the hub sending to the box: a 1 kHz Opus tone and a small
 * H.264 picture to @media's ports, SRTP-encrypted with @srtp_key_hex when
 * not NULL. */
static GstElement *
start_hub_sender_full (WbAgentMedia *media, const char *srtp_key_hex)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *enc = srtp_key_hex != NULL ? g_strdup_printf ("! srtpenc key=%s ", srtp_key_hex) : g_strdup ("");
  g_autofree char *launch = g_strdup_printf (
    "audiotestsrc is-live=true freq=1000 ! audioconvert ! audioresample ! opusenc ! rtpopuspay pt=111 %s"
    "! udpsink host=127.0.0.1 port=%u sync=false "
    "videotestsrc is-live=true ! video/x-raw,width=160,height=90,framerate=10/1 ! x264enc tune=zerolatency "
    "speed-preset=ultrafast key-int-max=10 ! rtph264pay config-interval=-1 pt=96 %s"
    "! udpsink host=127.0.0.1 port=%u sync=false",
    enc, wb_agent_media_get_audio_port (media), enc, wb_agent_media_get_video_port (media));
  GstElement *sender = gst_parse_launch (launch, &error);

  g_assert_no_error (error);
  g_assert_cmpint (gst_element_set_state (sender, GST_STATE_PLAYING), !=, GST_STATE_CHANGE_FAILURE);
  return sender;
}

static GstElement *
start_hub_sender (WbAgentMedia *media)
{
  return start_hub_sender_full (media, NULL);
}

static gboolean
got_packets (gpointer data)
{
  StatsWait *wait = data;
  WbMediaStats stats;

  wb_agent_media_get_stats (wait->media, &stats);
  return stats.audio_packets >= wait->audio && stats.video_packets >= wait->video;
}

static void
test_media (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WbAgentMedia) media = simulated_media ("ward-03", "Phường Đồng Bẩm");
  g_autoptr (JsonNode) answer = NULL;
  g_autoptr (WbJoinInfo) join = NULL;
  g_autoptr (GstElement) sender = NULL;
  g_autofree char *json = NULL;
  Receiver r = { 0 };
  StatsWait wait;
  WbMediaStats stats;
  guint audio_port, video_port;

  receiver_init (&r);
  g_assert_true (wb_agent_media_bind (media, &error));
  g_assert_no_error (error);
  audio_port = wb_agent_media_get_audio_port (media);
  video_port = wb_agent_media_get_video_port (media);
  g_assert_cmpuint (audio_port % 2, ==, 0);
  g_assert_cmpuint (video_port % 2, ==, 0);
  g_assert_cmpuint (audio_port, >, 0);
  g_assert_cmpuint (video_port, !=, audio_port);
  g_assert_false (wb_agent_media_is_running (media));

  json = g_strdup_printf ("{\"conference\":\"c-1\",\"hub\":{\"host\":\"127.0.0.1\","
                          "\"audio_port\":%u,\"video_port\":%u}}",
                          socket_port (r.audio_socket), socket_port (r.video_socket));
  answer = answer_node (json);
  join = wb_join_info_parse (answer, "127.0.0.1", &error);
  g_assert_no_error (error);
  g_assert_true (wb_agent_media_start (media, join, &error));
  g_assert_no_error (error);
  g_assert_true (wb_agent_media_is_running (media));

  /* What the box sends: ward-03's 360 Hz and a 640x360 picture. */
  assert_hears_tone (&r, 360);
  assert_sees_picture (&r, 640, 360);

  /* What the hub sends the box is counted, headless. */
  sender = start_hub_sender (media);
  wait.media = media;
  wait.audio = 25;
  wait.video = 5;
  g_assert_true (wb_test_wait_until (got_frames, &wait, TIMEOUT_S));
  wb_agent_media_get_stats (media, &stats);
  g_assert_cmpuint (stats.audio_packets, >=, 25);
  g_assert_cmpuint (stats.video_packets, >=, 5);
  g_assert_cmpuint (stats.bytes, >, 0);
  gst_element_set_state (sender, GST_STATE_NULL);

  /* Stopped, the ports stay the box's. */
  wb_agent_media_stop (media);
  g_assert_false (wb_agent_media_is_running (media));
  g_assert_cmpuint (wb_agent_media_get_audio_port (media), ==, audio_port);
  receiver_clear (&r);
}

typedef struct {
  WbAgentMedia *media;
  guint64 audio;
  guint64 video;
} DecodedWait;

static gboolean
got_decoded (gpointer data)
{
  DecodedWait *wait = data;
  WbMediaStats stats;

  wb_agent_media_get_stats (wait->media, &stats);
  return stats.audio_decoded >= wait->audio && stats.video_decoded >= wait->video;
}

/* Not headless: what the hub sends is decoded for the sinks (fakesink
 * here: the test machine has no screen). */
static void
test_media_play (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WbAgentMedia) media = NULL;
  g_autoptr (WbAgentMedia) bad = NULL;
  g_autoptr (JsonNode) answer = answer_node ("{\"conference\":\"c-1\",\"hub\":{\"host\":\"127.0.0.1\","
                                             "\"audio_port\":9,\"video_port\":9}}");
  g_autoptr (WbJoinInfo) join = NULL;
  g_autoptr (GstElement) sender = NULL;
  WbMediaSettings settings;
  DecodedWait wait;
  WbMediaStats stats;

  join = wb_join_info_parse (answer, "127.0.0.1", &error);
  g_assert_no_error (error);

  wb_media_settings_init (&settings);
  settings.simulate = TRUE;
  settings.bind_address = g_strdup ("127.0.0.1");
  g_free (settings.audio_sink);
  g_free (settings.video_sink);
  settings.audio_sink = g_strdup ("fakesink");
  settings.video_sink = g_strdup ("no such sink");
  bad = wb_agent_media_new (&settings);
  g_free (settings.video_sink);
  settings.video_sink = g_strdup ("fakesink");
  media = wb_agent_media_new (&settings);
  wb_media_settings_clear (&settings);

  /* A sink that is not a plain element name is refused. */
  g_assert_false (wb_agent_media_start (bad, join, &error));
  g_assert_error (error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN);
  g_clear_error (&error);
  g_assert_false (wb_agent_media_is_running (bad));

  g_assert_true (wb_agent_media_start (media, join, &error));
  g_assert_no_error (error);
  sender = start_hub_sender (media);
  wait.media = media;
  wait.audio = 25;
  wait.video = 5;
  g_assert_true (wb_test_wait_until (got_decoded, &wait, TIMEOUT_S));
  wb_agent_media_get_stats (media, &stats);
  g_assert_cmpuint (stats.audio_frames, >=, stats.audio_decoded);
  gst_element_set_state (sender, GST_STATE_NULL);
  wb_agent_media_stop (media);
}

/* With the join answer's SRTP key both ways: the hub decrypts the ward's
 * tone and picture, the box decrypts (and authenticates) the hub's. */
static void
test_media_srtp (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WbAgentMedia) media = simulated_media ("ward-08", "ward-08");
  g_autoptr (GString) hex = g_string_new (NULL);
  g_autoptr (JsonNode) answer = NULL;
  g_autoptr (WbJoinInfo) join = NULL;
  g_autoptr (GstElement) sender = NULL;
  g_autoptr (GstElement) wrong_sender = NULL;
  g_autofree char *key64 = NULL;
  g_autofree char *json = NULL;
  guchar key[30];
  Receiver r = { 0 };
  StatsWait wait;
  WbMediaStats stats;

  for (guint i = 0; i < sizeof key; i++) {
    key[i] = (guchar) (7 * i + 1);
    g_string_append_printf (hex, "%02x", key[i]);
  }
  key64 = g_base64_encode (key, sizeof key);

  receiver_init_full (&r, hex->str);
  json = g_strdup_printf ("{\"conference\":\"c-1\",\"hub\":{\"host\":\"127.0.0.1\","
                          "\"audio_port\":%u,\"video_port\":%u},"
                          "\"srtp\":{\"suite\":\"AES_CM_128_HMAC_SHA1_80\",\"key\":\"%s\"}}",
                          socket_port (r.audio_socket), socket_port (r.video_socket), key64);
  answer = answer_node (json);
  join = wb_join_info_parse (answer, "127.0.0.1", &error);
  g_assert_no_error (error);
  g_assert_nonnull (join->srtp_key);
  g_assert_cmpuint (g_bytes_get_size (join->srtp_key), ==, 30);
  g_assert_true (wb_agent_media_start (media, join, &error));
  g_assert_no_error (error);

  /* ward-08: 460 Hz, decrypted by the hub's side. */
  assert_hears_tone (&r, 460);
  assert_sees_picture (&r, 640, 360);

  /* The hub's media under another key are dropped... */
  wrong_sender = start_hub_sender_full (media, "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
  wait.media = media;
  wait.audio = 25;
  wait.video = 5;
  /* (the packets reach the box's sockets; none passes the decryption) */
  g_assert_true (wb_test_wait_until (got_packets, &wait, TIMEOUT_S));
  wb_agent_media_get_stats (media, &stats);
  g_assert_cmpuint (stats.audio_frames, ==, 0);
  g_assert_cmpuint (stats.video_frames, ==, 0);
  gst_element_set_state (wrong_sender, GST_STATE_NULL);

  /* ...and under the meeting's key they come through. */
  sender = start_hub_sender_full (media, hex->str);
  g_assert_true (wb_test_wait_until (got_frames, &wait, TIMEOUT_S));
  gst_element_set_state (sender, GST_STATE_NULL);
  wb_agent_media_stop (media);
  receiver_clear (&r);
}

/* Reads @n of the box's audio RTP packets from @socket (standing for the
 * hub's audio port) and counts those whose Opus frames are SILK or hybrid,
 * which libopus codes only when told to expect loss (in-band FEC); sets
 * @ssrc to the sender's. */
static guint
count_fec_capable (GSocket *socket, guint n, guint32 *ssrc)
{
  guint fec = 0;

  for (guint got = 0; got < n;) {
    g_autoptr (GError) error = NULL;
    guint8 packet[1500];
    gssize size;
    gsize header;

    g_assert_true (g_socket_condition_timed_wait (socket, G_IO_IN, TIMEOUT_S * G_USEC_PER_SEC,
                                                  NULL, &error));
    size = g_socket_receive (socket, (char *) packet, sizeof packet, NULL, &error);
    g_assert_no_error (error);
    if (size < 13 || (packet[0] >> 6) != 2)
      continue;
    header = 12 + 4 * (packet[0] & 0x0f);
    if ((packet[0] & 0x10) && (gsize) size >= header + 4)
      header += 4 + 4 * ((packet[header + 2] << 8) | packet[header + 3]);
    if ((gsize) size <= header)
      continue;
    *ssrc = GST_READ_UINT32_BE (packet + 8);
    /* The TOC byte's configuration: 0-11 SILK, 12-15 hybrid, 16-31 CELT. */
    if ((packet[header] >> 3) < 16)
      fec++;
    got++;
  }
  return fec;
}

/* An RTCP receiver report from the hub's side: @fraction_lost (256ths) of
 * the box's audio @ssrc lost, sent to the box's audio RTCP port. */
static void
send_hub_report (GSocket *from, guint box_rtcp_port, guint32 ssrc, guint8 fraction_lost)
{
  g_autoptr (GstBuffer) buffer = gst_rtcp_buffer_new (1500);
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) to = g_inet_socket_address_new (loopback, box_rtcp_port);
  g_autoptr (GError) error = NULL;
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  GstRTCPPacket packet;
  GstMapInfo map;

  g_assert_true (gst_rtcp_buffer_map (buffer, GST_MAP_READWRITE, &rtcp));
  g_assert_true (gst_rtcp_buffer_add_packet (&rtcp, GST_RTCP_TYPE_RR, &packet));
  gst_rtcp_packet_rr_set_ssrc (&packet, 0x4855b000);
  g_assert_true (gst_rtcp_packet_add_rb (&packet, ssrc, fraction_lost, 0, 0, 0, 0, 0));
  gst_rtcp_buffer_unmap (&rtcp);
  g_assert_true (gst_buffer_map (buffer, &map, GST_MAP_READ));
  g_assert_cmpint (g_socket_send_to (from, to, (const char *) map.data, map.size, NULL, &error),
                   ==, (gssize) map.size);
  g_assert_no_error (error);
  gst_buffer_unmap (buffer, &map);
}

typedef struct {
  WbAgentMedia *media;
  GSocket *from;
  guint box_rtcp_port;
  guint32 ssrc;
  guint want;
} FecWait;

/* Reports 19.9 % loss again until the box plans for @want. */
static gboolean
fec_planned (gpointer data)
{
  FecWait *wait = data;
  WbMediaStats stats;

  wb_agent_media_get_stats (wait->media, &stats);
  if (stats.audio_fec_pct == wait->want)
    return TRUE;
  send_hub_report (wait->from, wait->box_rtcp_port, wait->ssrc, 51);
  return FALSE;
}

/*
 * The box's Opus FEC follows what the hub reports losing of its audio
 * ([capture] audio-expected-loss-percent=auto): before any report it plans
 * for none and codes mostly CELT; after the hub's receiver reports of
 * 19.9 % loss it plans for 20 % and codes SILK or hybrid, which carry it.
 */
static void
test_media_fec_follows_hub (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WbAgentMedia) media = simulated_media ("ward-05", "ward-05");
  g_autoptr (GSocket) audio = bind_even_socket ();
  g_autoptr (GSocket) video = bind_even_socket ();
  g_autoptr (JsonNode) answer = NULL;
  g_autoptr (WbJoinInfo) join = NULL;
  g_autofree char *json = NULL;
  FecWait wait = { 0 };
  WbMediaStats stats;
  guint before, after;
  char scratch[1500];

  json = g_strdup_printf ("{\"conference\":\"c-1\",\"hub\":{\"host\":\"127.0.0.1\","
                          "\"audio_port\":%u,\"video_port\":%u}}",
                          socket_port (audio), socket_port (video));
  answer = answer_node (json);
  join = wb_join_info_parse (answer, "127.0.0.1", &error);
  g_assert_no_error (error);
  g_assert_true (wb_agent_media_start (media, join, &error));
  g_assert_no_error (error);

  before = count_fec_capable (audio, 100, &wait.ssrc);
  g_test_message ("before any report: %u of 100 packets SILK or hybrid", before);
  /* libopus picks SILK for some voice frames anyway: most are CELT. */
  g_assert_cmpuint (before, <, 50);
  wb_agent_media_get_stats (media, &stats);
  g_assert_cmpuint (stats.audio_fec_pct, ==, 0);

  wait.media = media;
  wait.from = audio;
  wait.box_rtcp_port = wb_agent_media_get_audio_port (media) + 1;
  wait.want = 20;
  g_assert_true (wb_test_wait_until (fec_planned, &wait, TIMEOUT_S));
  wb_agent_media_get_stats (media, &stats);
  g_assert_cmpfloat (fabs (stats.remote_loss_pct - 19.92), <, 0.01);
  g_assert_cmpuint (stats.remote_loss_reports, >=, 1);

  /* Drop what was sent before the change (queued in the socket while the
   * test waited), then count. */
  g_socket_set_blocking (audio, FALSE);
  while (g_socket_receive (audio, scratch, sizeof scratch, NULL, NULL) > 0)
    ;
  g_socket_set_blocking (audio, TRUE);
  (void) count_fec_capable (audio, 5, &wait.ssrc);
  after = count_fec_capable (audio, 100, &wait.ssrc);
  g_test_message ("after reports of 19.9 %% loss: %u of 100 packets SILK or hybrid", after);
  g_assert_cmpuint (after, >=, 90);

  wb_agent_media_stop (media);
}

/* Headless with a file: what the hub sends ends up in a Matroska file. */
static void
test_media_record (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("wb-test-record-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "meeting.mkv", NULL);
  g_autoptr (WbAgentMedia) media = NULL;
  g_autoptr (JsonNode) answer = answer_node ("{\"conference\":\"c-1\",\"hub\":{\"host\":\"127.0.0.1\","
                                             "\"audio_port\":9,\"video_port\":9}}");
  g_autoptr (WbJoinInfo) join = NULL;
  g_autoptr (GstElement) sender = NULL;
  g_autofree char *contents = NULL;
  WbMediaSettings settings;
  StatsWait wait;
  gsize length = 0;

  g_assert_no_error (error);
  wb_media_settings_init (&settings);
  settings.simulate = TRUE;
  settings.headless = TRUE;
  settings.record_path = g_strdup (path);
  settings.bind_address = g_strdup ("127.0.0.1");
  media = wb_agent_media_new (&settings);
  wb_media_settings_clear (&settings);

  join = wb_join_info_parse (answer, "127.0.0.1", &error);
  g_assert_no_error (error);
  g_assert_true (wb_agent_media_start (media, join, &error));
  g_assert_no_error (error);

  sender = start_hub_sender (media);
  wait.media = media;
  wait.audio = 50;
  wait.video = 10;
  g_assert_true (wb_test_wait_until (got_frames, &wait, TIMEOUT_S));
  gst_element_set_state (sender, GST_STATE_NULL);
  wb_agent_media_stop (media);

  /* An EBML (Matroska) file with both tracks' codecs named in it. */
  g_assert_true (g_file_get_contents (path, &contents, &length, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (length, >, 1000);
  g_assert_cmpmem (contents, 4, "\x1a\x45\xdf\xa3", 4);
  g_assert_nonnull (memmem (contents, length, "A_OPUS", 6));
  g_assert_nonnull (memmem (contents, length, "V_MPEG4/ISO/AVC", 15));
  g_unlink (path);
  g_rmdir (dir);
}

/* ---- The agent against a hub ------------------------------------------ */

typedef struct {
  WbAgent *agent;
  WbTestHub *hub;
  WbAgentState want;
  GPtrArray *log;      /* "state: message" */
} AgentWait;

static void
on_state_changed (WbAgent *agent, int state, const char *message, gpointer user_data)
{
  AgentWait *wait = user_data;

  g_ptr_array_add (wait->log, g_strdup_printf ("%s: %s", wb_agent_state_to_string (state), message));
}

static gboolean
agent_in_state (gpointer data)
{
  AgentWait *wait = data;

  return wb_agent_get_state (wait->agent) == wait->want;
}

static void
wait_for_state (AgentWait *wait, WbAgentState state)
{
  wait->want = state;
  if (!wb_test_wait_until (agent_in_state, wait, TIMEOUT_S)) {
    for (guint i = 0; i < wait->log->len; i++)
      g_test_message ("%s", (const char *) g_ptr_array_index (wait->log, i));
    g_assert_cmpstr (wb_agent_state_to_string (wb_agent_get_state (wait->agent)), ==,
                     wb_agent_state_to_string (state));
  }
}

typedef struct {
  WbTestHub *hub;
  guint joins;
} JoinWait;

static gboolean
joined_n (gpointer data)
{
  JoinWait *wait = data;

  return wb_test_hub_count_joins (wait->hub, "ward-03") >= wait->joins;
}

static gboolean
log_has (GPtrArray *log, const char *text)
{
  for (guint i = 0; i < log->len; i++)
    if (strstr (g_ptr_array_index (log, i), text) != NULL)
      return TRUE;
  return FALSE;
}

static gboolean
retried_twice (gpointer data)
{
  GPtrArray *log = data;
  guint n = 0;

  for (guint i = 0; i < log->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (log, i), "retrying: "))
      n++;
  return n >= 2;
}

static void
test_agent_follows_hub (void)
{
  g_autoptr (WbTestHub) hub = wb_test_hub_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (WbClient) client = wb_client_new (wb_test_hub_get_url (hub), "ward-03-token", &error);
  g_autoptr (WbAgentMedia) media = simulated_media ("ward-03", "ward-03");
  g_autoptr (WbAgent) agent = wb_agent_new (client, "ward-03", media);
  g_autoptr (JsonObject) endpoint = NULL;
  g_autoptr (GPtrArray) log = g_ptr_array_new_with_free_func (g_free);
  AgentWait wait = { agent, hub, WB_AGENT_STATE_IDLE, log };
  JoinWait joins = { hub, 0 };
  Receiver r = { 0 };
  guint audio_port = 0, video_port = 0;
  const char *conference;

  receiver_init (&r);
  wb_test_hub_set_media_ports (hub, socket_port (r.audio_socket), socket_port (r.video_socket));
  wb_agent_set_backoff (agent, 200, 1000);
  wb_agent_set_check_interval (agent, 0);
  g_signal_connect (agent, "state-changed", G_CALLBACK (on_state_changed), &wait);

  wb_agent_start (agent);
  wait_for_state (&wait, WB_AGENT_STATE_WAITING);
  g_assert_cmpuint (wb_test_hub_count_joins (hub, "ward-03"), ==, 0);

  /* Invited: it joins with its real ports, and the hub hears the ward. */
  wb_test_hub_start_conference (hub, "Giao ban", (const char *const[]) { "ward-03", "ward-01", NULL });
  wait_for_state (&wait, WB_AGENT_STATE_IN_MEETING);
  g_assert_cmpstr (wb_agent_get_conference (agent), ==, "c-1");
  g_assert_cmpuint (wb_test_hub_count_joins (hub, "ward-03"), ==, 1);
  wb_test_hub_get_join_ports (hub, "ward-03", &audio_port, &video_port);
  g_assert_cmpuint (audio_port, ==, wb_agent_media_get_audio_port (media));
  g_assert_cmpuint (video_port, ==, wb_agent_media_get_video_port (media));
  endpoint = wb_test_hub_get_endpoint (hub, "ward-03");
  g_assert_cmpstr (json_object_get_string_member (endpoint, "state"), ==, "live");
  /* The hub hears ward-03's tone and sees its picture. */
  assert_hears_tone (&r, 360);
  assert_sees_picture (&r, 640, 360);

  /* The conference ends: the box leaves it and waits. */
  wb_test_hub_end_conference (hub, "c-1");
  wait_for_state (&wait, WB_AGENT_STATE_WAITING);
  g_assert_null (wb_agent_get_conference (agent));
  g_assert_false (wb_agent_media_is_running (media));
  g_assert_true (log_has (log, "the meeting c-1 has ended"));

  /* A booking starts; then the hub is killed and restarted during it. */
  conference = wb_test_hub_start_conference (hub, "Họp chiều", (const char *const[]) { "ward-03", NULL });
  g_assert_cmpstr (conference, ==, "c-2");
  wait_for_state (&wait, WB_AGENT_STATE_IN_MEETING);
  g_assert_cmpuint (wb_test_hub_count_joins (hub, "ward-03"), ==, 2);

  wb_test_hub_kill (hub);
  wait_for_state (&wait, WB_AGENT_STATE_RETRYING);
  /* Meanwhile the media keep going. */
  g_assert_true (wb_agent_media_is_running (media));
  g_assert_true (log_has (log, "retrying in "));
  /* Let it fail to reconnect at least once, backing off, before the hub
   * comes back. */
  g_assert_true (wb_test_wait_until (retried_twice, log, TIMEOUT_S));
  wb_test_hub_restart (hub);

  joins.joins = 3;
  g_assert_true (wb_test_wait_until (joined_n, &joins, TIMEOUT_S));
  wait_for_state (&wait, WB_AGENT_STATE_IN_MEETING);
  g_assert_cmpstr (wb_agent_get_conference (agent), ==, "c-2");
  g_assert_true (log_has (log, "lost track of this box; joining conference c-2"));
  g_clear_pointer (&endpoint, json_object_unref);
  endpoint = wb_test_hub_get_endpoint (hub, "ward-03");
  g_assert_cmpstr (json_object_get_string_member (endpoint, "state"), ==, "live");
  /* The same ports as before the restart. */
  wb_test_hub_get_join_ports (hub, "ward-03", &audio_port, &video_port);
  g_assert_cmpuint (audio_port, ==, wb_agent_media_get_audio_port (media));

  /* Stopped during a meeting: it takes its leave of the hub. */
  wb_agent_stop (agent);
  wait_for_state (&wait, WB_AGENT_STATE_STOPPED);
  g_assert_cmpuint (wb_test_hub_count_leaves (hub, "ward-03"), ==, 1);
  g_assert_cmpint (wb_agent_get_exit_code (agent), ==, WB_AGENT_EXIT_OK);
  g_assert_false (wb_agent_media_is_running (media));

  g_signal_handlers_disconnect_by_data (agent, &wait);
  receiver_clear (&r);
}

static void
test_agent_refused (void)
{
  g_autoptr (WbTestHub) hub = wb_test_hub_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (WbClient) client = wb_client_new (wb_test_hub_get_url (hub), "ward-01-token", &error);
  g_autoptr (WbAgentMedia) media = simulated_media ("ward-03", "ward-03");
  g_autoptr (WbAgent) agent = wb_agent_new (client, "ward-03", media);
  g_autoptr (GPtrArray) log = g_ptr_array_new_with_free_func (g_free);
  AgentWait wait = { agent, hub, WB_AGENT_STATE_IDLE, log };

  /* ward-01's token reading ward-03: 403, for good. */
  g_signal_connect (agent, "state-changed", G_CALLBACK (on_state_changed), &wait);
  wb_agent_start (agent);
  wait_for_state (&wait, WB_AGENT_STATE_FAILED);
  g_assert_cmpint (wb_agent_get_exit_code (agent), ==, WB_AGENT_EXIT_REFUSED);
  g_assert_true (log_has (log, "Forbidden (403)"));
  g_signal_handlers_disconnect_by_data (agent, &wait);
}

/* ---- The program ------------------------------------------------------ */

typedef struct {
  gboolean done;
} ExitWait;

static void
on_exited (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  ((ExitWait *) user_data)->done = TRUE;
}

static gboolean
exited (gpointer data)
{
  return ((ExitWait *) data)->done;
}

static GSubprocess *
spawn_endpoint (const char *const *args)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  GSubprocess *process;

  g_ptr_array_add (argv, g_build_filename (g_getenv ("WB_BUILD_ROOT"), "src", "agent",
                                           "wardbridge-endpoint", NULL));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);
  process = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  return process;
}

static int
wait_exit (GSubprocess *process)
{
  ExitWait wait = { FALSE };

  g_subprocess_wait_async (process, NULL, on_exited, &wait);
  g_assert_true (wb_test_wait_until (exited, &wait, TIMEOUT_S));
  g_assert_true (g_subprocess_get_if_exited (process));
  return g_subprocess_get_exit_status (process);
}

static gboolean
ward_live (gpointer data)
{
  g_autoptr (JsonObject) endpoint = wb_test_hub_get_endpoint (data, "ward-03");

  return g_strcmp0 (json_object_get_string_member (endpoint, "state"), "live") == 0;
}

static void
test_program (void)
{
  g_autoptr (WbTestHub) hub = wb_test_hub_new ();
  const char *url = wb_test_hub_get_url (hub);
  g_autoptr (GSubprocess) wrong = NULL;
  g_autoptr (GSubprocess) usage = NULL;
  g_autoptr (GSubprocess) missing = NULL;
  g_autoptr (GSubprocess) malformed = NULL;
  g_autoptr (GSubprocess) box = NULL;
  g_autofree char *bad = NULL;
  g_autofree char *config = NULL;
  g_autofree char *empty = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;

  dir = g_dir_make_tmp ("wb-test-agent-XXXXXX", &error);
  g_assert_no_error (error);
  empty = g_build_filename (dir, "empty.conf", NULL);
  g_assert_true (g_file_set_contents (empty, "", 0, &error));
  g_assert_no_error (error);

  /* A token the hub does not know: refused, exit 1. */
  wrong = spawn_endpoint ((const char *const[]) { "--hub-url", url, "--ward", "ward-03", "--token", "nope",
                                                  "--simulate", "--headless", "--config", empty, NULL });
  g_assert_cmpint (wait_exit (wrong), ==, 1);
  /* No ward, or no such config file: usage, exit 2. */
  usage = spawn_endpoint ((const char *const[]) { "--config", empty, "--simulate", NULL });
  g_assert_cmpint (wait_exit (usage), ==, 2);
  missing = spawn_endpoint ((const char *const[]) { "--config", "/nonexistent/endpoint.conf", NULL });
  g_assert_cmpint (wait_exit (missing), ==, 2);
  /* A key with a bad value: the same. */
  bad = g_build_filename (dir, "bad.conf", NULL);
  g_assert_true (g_file_set_contents (bad, "[capture]\naudio-expected-loss-percent=often\n", -1, &error));
  g_assert_no_error (error);
  malformed = spawn_endpoint ((const char *const[]) { "--config", bad, "--ward", "ward-03", NULL });
  g_assert_cmpint (wait_exit (malformed), ==, 2);
  g_unlink (bad);

  /* The ward, token and hub from the key file; joins, and on SIGTERM
   * leaves and exits 0. */
  config = g_build_filename (dir, "endpoint.conf", NULL);
  text = g_strdup_printf ("[agent]\nhub-url=%s\nward=ward-03\ntoken=ward-03-token\nbind-address=127.0.0.1\n"
                          "[simulate]\nenabled=true\n[playback]\nheadless=true\n", url);
  g_assert_true (g_file_set_contents (config, text, -1, &error));
  g_assert_no_error (error);
  wb_test_hub_set_media_ports (hub, 9, 9);  /* discard */
  wb_test_hub_start_conference (hub, "Chào", (const char *const[]) { "ward-03", NULL });
  box = spawn_endpoint ((const char *const[]) { "--config", config, NULL });
  g_assert_true (wb_test_wait_until (ward_live, hub, TIMEOUT_S));
  g_subprocess_send_signal (box, SIGTERM);
  g_assert_cmpint (wait_exit (box), ==, 0);
  g_assert_cmpuint (wb_test_hub_count_leaves (hub, "ward-03"), ==, 1);

  g_unlink (config);
  g_unlink (empty);
  g_rmdir (dir);
}

/* ---- Against a real wardbridged ---------------------------------------- */

typedef struct {
  WbClient *admin;
  const char *ward;
  const char *state;
  gint64 last_asked;
} HubWardWait;

/* The hub's own word on the ward (GET /api/v1/endpoints/ID), asked twice
 * a second at most (the hub limits requests per address); NULL when not
 * asked this time or not answered. */
static JsonNode *
ask_hub_about_ward (HubWardWait *wait)
{
  g_autofree char *path = g_strconcat ("/api/v1/endpoints/", wait->ward, NULL);
  JsonNode *body = NULL;
  gint64 now = g_get_monotonic_time ();

  if (now - wait->last_asked < G_USEC_PER_SEC / 2)
    return NULL;
  wait->last_asked = now;
  if (!wb_client_call_sync (wait->admin, "GET", path, NULL, NULL, NULL, &body, NULL))
    return NULL;
  return body;
}

static gboolean
hub_ward_in_state (gpointer data)
{
  HubWardWait *wait = data;
  g_autoptr (JsonNode) body = ask_hub_about_ward (wait);

  return body != NULL &&
         g_strcmp0 (json_object_get_string_member (json_node_get_object (body), "state"),
                    wait->state) == 0;
}

/* The hub hears the ward: its talk detection runs on decoded audio, so
 * the box's media reached the mixer intact (decrypted, for SRTP). */
static gboolean
hub_ward_talking (gpointer data)
{
  g_autoptr (JsonNode) body = ask_hub_about_ward (data);

  return body != NULL &&
         json_object_get_boolean_member_with_default (json_node_get_object (body), "talking", FALSE);
}

/* The hub has read an RTCP report on its audio from the ward's box. */
static gboolean
hub_read_reports (gpointer data)
{
  g_autoptr (JsonNode) body = ask_hub_about_ward (data);
  JsonObject *stats;

  if (body == NULL)
    return FALSE;
  stats = json_object_get_object_member (json_node_get_object (body), "stats");
  return stats != NULL && json_object_get_int_member_with_default (stats, "remote_loss_reports", 0) > 0;
}

/* The box has read the hub's report on its audio: on loopback, next to
 * nothing lost (random bytes would read as any fraction). */
static gboolean
box_read_reports (gpointer data)
{
  StatsWait *wait = data;
  WbMediaStats stats;

  wb_agent_media_get_stats (wait->media, &stats);
  return stats.remote_loss_reports > 0 && stats.remote_loss_pct <= 10.0;
}

static void
test_hub_rejoin (void)
{
  g_autoptr (WbTestDaemon) daemon = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (WbClient) admin = NULL;
  g_autoptr (WbClient) box = NULL;
  g_autoptr (WbAgentMedia) media = NULL;
  g_autoptr (WbAgent) agent = NULL;
  g_autoptr (GPtrArray) log = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (JsonNode) booking = NULL;
  g_autoptr (JsonNode) answer = NULL;
  g_autoptr (GDateTime) now = NULL;
  g_autoptr (GDateTime) start = NULL;
  g_autoptr (GDateTime) end = NULL;
  g_autofree char *start_text = NULL;
  g_autofree char *end_text = NULL;
  g_autofree char *json = NULL;
  g_autofree char *first_conference = NULL;
  g_autofree char *end_path = NULL;
  g_autofree char *attendance_path = NULL;
  g_autoptr (JsonNode) attendance = NULL;
  AgentWait wait = { NULL, NULL, WB_AGENT_STATE_IDLE, log };
  HubWardWait hub_wait = { NULL, "ward-03", "live", 0 };
  JsonArray *rows;
  guint status = 0;

  if (!wb_test_daemon_available ())
    return;
  daemon = wb_test_daemon_new ();
  admin = wb_client_new (wb_test_daemon_get_url (daemon), WB_TEST_DAEMON_ADMIN_TOKEN, &error);
  g_assert_no_error (error);
  box = wb_client_new (wb_test_daemon_get_url (daemon), WB_TEST_DAEMON_WARD_TOKEN ("ward-03"), &error);
  g_assert_no_error (error);
  media = simulated_media ("ward-03", NULL);
  agent = wb_agent_new (box, "ward-03", media);
  wait.agent = agent;
  hub_wait.admin = admin;
  wb_agent_set_backoff (agent, 200, 2000);
  g_signal_connect (agent, "state-changed", G_CALLBACK (on_state_changed), &wait);

  wb_agent_start (agent);
  wait_for_state (&wait, WB_AGENT_STATE_WAITING);

  /* A booking of ward-03 from a few seconds from now, for an hour. */
  now = g_date_time_new_now_utc ();
  start = g_date_time_add_seconds (now, 3);
  end = g_date_time_add_hours (now, 1);
  start_text = g_date_time_format_iso8601 (start);
  end_text = g_date_time_format_iso8601 (end);
  json = g_strdup_printf ("{\"title\":\"Họp theo lịch\",\"start\":\"%s\",\"end\":\"%s\","
                          "\"endpoints\":[\"ward-03\"]}", start_text, end_text);
  booking = answer_node (json);
  g_assert_true (wb_client_call_sync (admin, "POST", "/api/v1/bookings", booking, NULL,
                                      &status, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (status, ==, 201);

  /* The scheduler starts it, the box joins, the hub shows it live. */
  wait_for_state (&wait, WB_AGENT_STATE_IN_MEETING);
  first_conference = g_strdup (wb_agent_get_conference (agent));
  g_assert_nonnull (first_conference);
  g_assert_false (log_has (log, "SRTP"));
  g_assert_true (wb_test_wait_until (hub_ward_in_state, &hub_wait, TIMEOUT_S));

  /* The hub dies during the booking and comes back: the box rejoins the
   * conference the hub starts again for it. */
  wb_test_daemon_kill (daemon);
  wait_for_state (&wait, WB_AGENT_STATE_RETRYING);
  g_assert_true (wb_agent_media_is_running (media));
  g_assert_true (wb_test_wait_until (retried_twice, log, TIMEOUT_S));
  wb_test_daemon_restart (daemon);
  wait_for_state (&wait, WB_AGENT_STATE_IN_MEETING);
  g_assert_nonnull (wb_agent_get_conference (agent));
  hub_wait.last_asked = 0;
  g_assert_true (wb_test_wait_until (hub_ward_in_state, &hub_wait, TIMEOUT_S));

  /* The conference is ended by hand: the box leaves it and waits. */
  end_path = g_strdup_printf ("/api/v1/conferences/%s/end", wb_agent_get_conference (agent));
  attendance_path = g_strdup_printf ("/api/v1/conferences/%s/attendance", wb_agent_get_conference (agent));
  g_assert_true (wb_client_call_sync (admin, "POST", end_path, NULL, NULL, &status, &answer, &error));
  g_assert_no_error (error);
  wait_for_state (&wait, WB_AGENT_STATE_WAITING);
  g_assert_false (wb_agent_media_is_running (media));
  g_assert_true (log_has (log, "has ended; left it"));

  /* The hub's attendance holds the ward. */
  g_assert_true (wb_client_call_sync (admin, "GET", attendance_path, NULL, NULL, &status, &attendance, &error));
  g_assert_no_error (error);
  rows = json_object_get_array_member (json_node_get_object (attendance), "attendance");
  g_assert_cmpuint (json_array_get_length (rows), >=, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (rows, 0), "endpoint"),
                   ==, "ward-03");

  wb_agent_stop (agent);
  wait_for_state (&wait, WB_AGENT_STATE_STOPPED);
  g_signal_handlers_disconnect_by_data (agent, &wait);
}

/* ward-22 is configured for SRTP: the box joins with the key the hub hands
 * over, the hub hears it talk, and the box decrypts what the hub sends. */
static void
test_hub_srtp (void)
{
  g_autoptr (WbTestDaemon) daemon = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (WbClient) admin = NULL;
  g_autoptr (WbClient) box = NULL;
  g_autoptr (WbAgentMedia) media = NULL;
  g_autoptr (WbAgent) agent = NULL;
  g_autoptr (GPtrArray) log = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (JsonNode) request = answer_node ("{\"title\":\"Mật\",\"endpoints\":[\"ward-22\"]}");
  AgentWait wait = { NULL, NULL, WB_AGENT_STATE_IDLE, log };
  HubWardWait hub_wait = { NULL, "ward-22", "live", 0 };
  StatsWait frames;
  guint status = 0;

  if (!wb_test_daemon_available ())
    return;
  daemon = wb_test_daemon_new ();
  admin = wb_client_new (wb_test_daemon_get_url (daemon), WB_TEST_DAEMON_ADMIN_TOKEN, &error);
  g_assert_no_error (error);
  box = wb_client_new (wb_test_daemon_get_url (daemon), WB_TEST_DAEMON_WARD_TOKEN ("ward-22"), &error);
  g_assert_no_error (error);
  media = simulated_media ("ward-22", NULL);
  agent = wb_agent_new (box, "ward-22", media);
  wait.agent = agent;
  hub_wait.admin = admin;
  g_signal_connect (agent, "state-changed", G_CALLBACK (on_state_changed), &wait);

  wb_agent_start (agent);
  wait_for_state (&wait, WB_AGENT_STATE_WAITING);
  g_assert_true (wb_client_call_sync (admin, "POST", "/api/v1/conferences", request, NULL,
                                      &status, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (status, ==, 201);
  wait_for_state (&wait, WB_AGENT_STATE_IN_MEETING);
  g_assert_true (log_has (log, "encrypted (SRTP)"));
  g_assert_true (wb_test_wait_until (hub_ward_in_state, &hub_wait, TIMEOUT_S));
  hub_wait.last_asked = 0;
  g_assert_true (wb_test_wait_until (hub_ward_talking, &hub_wait, TIMEOUT_S));

  /* The hub's mix, decrypted and authenticated by the box. */
  frames.media = media;
  frames.audio = 50;
  frames.video = 5;
  g_assert_true (wb_test_wait_until (got_frames, &frames, TIMEOUT_S));

  /* The box's SRTCP receiver reports on the hub's audio, read by the hub
   * after decryption (its FEC plan follows them), and the hub's read by
   * the box (its own plan follows those). */
  hub_wait.last_asked = 0;
  g_assert_true (wb_test_wait_until (hub_read_reports, &hub_wait, TIMEOUT_S));
  g_assert_true (wb_test_wait_until (box_read_reports, &frames, TIMEOUT_S));

  wb_agent_stop (agent);
  wait_for_state (&wait, WB_AGENT_STATE_STOPPED);
  g_signal_handlers_disconnect_by_data (agent, &wait);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  /* The agent logs a lost hub as a warning, on purpose: only criticals
   * are programming errors here. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);

  g_test_add_func ("/agent/backoff", test_backoff);
  g_test_add_func ("/agent/tone", test_tone);
  g_test_add_func ("/agent/join-info", test_join_info);
  g_test_add_func ("/agent/media", test_media);
  g_test_add_func ("/agent/media/record", test_media_record);
  g_test_add_func ("/agent/media/play", test_media_play);
  g_test_add_func ("/agent/media/srtp", test_media_srtp);
  g_test_add_func ("/agent/media/fec-follows-hub", test_media_fec_follows_hub);
  g_test_add_func ("/agent/follows-hub", test_agent_follows_hub);
  g_test_add_func ("/agent/refused", test_agent_refused);
  g_test_add_func ("/agent/program", test_program);
  g_test_add_func ("/agent/hub/rejoin", test_hub_rejoin);
  g_test_add_func ("/agent/hub/srtp", test_hub_srtp);

  return g_test_run ();
}
