/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * TestWard: a simulated ward box for the media integration tests (see
 * test-ward.h).
 */
#include "test-ward.h"

#include <gst/app/gstappsink.h>
#include <gst/rtp/rtp.h>
#include <gst/video/video.h>
#include <math.h>
#include <string.h>

#define AUDIO_RING (48000 * 2)   /* two seconds of received audio */

struct _TestWard {
  char *id;
  double tone_hz;
  guint32 colour;
  char *audio_codec;
  char *video_codec;
  gboolean srtp;
  GBytes *srtp_send_key;   /* set once before the pipelines start */
  GBytes *srtp_recv_key;

  GSocket *audio_socket;
  GSocket *video_socket;
  guint audio_port;
  guint video_port;

  GstElement *rx;          /* receive pipeline */
  GstElement *tx;          /* send pipeline, NULL until started */
  double volume;           /* of the tone, for the next start too */

  GMutex lock;             /* guards the received media below */
  gint16 ring[AUDIO_RING];
  guint64 audio_total;
  GstSample *last_frame;
  guint64 frames;
  gint64 last_video_us;
  gint64 last_audio_us;
  gint64 max_video_gap_us;
  gint64 max_audio_gap_us;
  GArray *audio_rtp;       /* TestRtpHeader, as received */
};

GSocket *
test_bind_even_port (guint *port)
{
  g_autoptr (GPtrArray) odd = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);

  /* The kernel picks ports; keep the odd ones bound until an even one
   * comes, so it cannot hand the same odd port out twice. */
  for (guint attempt = 0; attempt < 200; attempt++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                               G_SOCKET_PROTOCOL_UDP, &error);
    g_autoptr (GSocketAddress) any = g_inet_socket_address_new (lo, 0);
    g_autoptr (GSocketAddress) bound = NULL;
    guint p;

    g_assert_no_error (error);
    g_socket_bind (socket, any, FALSE, &error);
    g_assert_no_error (error);
    bound = g_socket_get_local_address (socket, &error);
    g_assert_no_error (error);
    p = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
    if (p % 2 == 0 && p < 65535) {
      *port = p;
      return g_steal_pointer (&socket);
    }
    g_ptr_array_add (odd, g_steal_pointer (&socket));
  }
  g_assert_not_reached ();
  return NULL;
}

static void
note_gap (gint64 *last,
          gint64 *max_gap)
{
  gint64 now = g_get_monotonic_time ();

  if (*last != 0 && now - *last > *max_gap)
    *max_gap = now - *last;
  *last = now;
}

static GstFlowReturn
on_audio_sample (GstAppSink *sink,
                 gpointer    user_data)
{
  TestWard *ward = user_data;
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);
  GstBuffer *buffer;
  GstMapInfo map;

  if (sample == NULL)
    return GST_FLOW_EOS;
  buffer = gst_sample_get_buffer (sample);
  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    return GST_FLOW_OK;

  g_mutex_lock (&ward->lock);
  for (gsize i = 0; i + 1 < map.size; i += 2) {
    gint16 v;

    memcpy (&v, map.data + i, 2);
    ward->ring[ward->audio_total % AUDIO_RING] = v;
    ward->audio_total++;
  }
  note_gap (&ward->last_audio_us, &ward->max_audio_gap_us);
  g_mutex_unlock (&ward->lock);

  gst_buffer_unmap (buffer, &map);
  return GST_FLOW_OK;
}

static GstFlowReturn
on_video_sample (GstAppSink *sink,
                 gpointer    user_data)
{
  TestWard *ward = user_data;
  GstSample *sample = gst_app_sink_pull_sample (sink);

  if (sample == NULL)
    return GST_FLOW_EOS;

  g_mutex_lock (&ward->lock);
  if (ward->last_frame != NULL)
    gst_sample_unref (ward->last_frame);
  ward->last_frame = sample;
  ward->frames++;
  note_gap (&ward->last_video_us, &ward->max_video_gap_us);
  g_mutex_unlock (&ward->lock);

  return GST_FLOW_OK;
}

static GstPadProbeReturn
audio_rtp_probe (GstPad          *pad,
                 GstPadProbeInfo *info,
                 gpointer         user_data)
{
  TestWard *ward = user_data;
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  TestRtpHeader header;

  if (!gst_rtp_buffer_map (GST_PAD_PROBE_INFO_BUFFER (info), GST_MAP_READ, &rtp))
    return GST_PAD_PROBE_OK;
  header.seq = gst_rtp_buffer_get_seq (&rtp);
  header.timestamp = gst_rtp_buffer_get_timestamp (&rtp);
  header.ssrc = gst_rtp_buffer_get_ssrc (&rtp);
  header.first_byte = gst_rtp_buffer_get_payload_len (&rtp) > 0
    ? ((const guint8 *) gst_rtp_buffer_get_payload (&rtp))[0] : -1;
  gst_rtp_buffer_unmap (&rtp);

  g_mutex_lock (&ward->lock);
  g_array_append_val (ward->audio_rtp, header);
  g_mutex_unlock (&ward->lock);
  return GST_PAD_PROBE_OK;
}

GArray *
test_ward_take_audio_rtp (TestWard *ward)
{
  GArray *headers;

  g_mutex_lock (&ward->lock);
  headers = ward->audio_rtp;
  ward->audio_rtp = g_array_new (FALSE, FALSE, sizeof (TestRtpHeader));
  g_mutex_unlock (&ward->lock);
  return headers;
}

static GstElement *
get_by_name (GstElement *pipeline,
             const char *name)
{
  GstElement *element = gst_bin_get_by_name (GST_BIN (pipeline), name);

  g_assert_nonnull (element);
  return element;   /* transfer full */
}

TestWard *
test_ward_new (const char *id,
               double      tone_hz,
               guint32     argb_colour)
{
  return test_ward_new_full (id, tone_hz, argb_colour, "opus", "h264");
}

static const char *
audio_rx_desc (const char *codec)
{
  if (g_str_equal (codec, "pcma"))
    return "application/x-rtp,media=audio,clock-rate=8000,encoding-name=PCMA,payload=8\" ! "
        "rtpjitterbuffer latency=60 ! rtppcmadepay ! alawdec";
  if (g_str_equal (codec, "pcmu"))
    return "application/x-rtp,media=audio,clock-rate=8000,encoding-name=PCMU,payload=0\" ! "
        "rtpjitterbuffer latency=60 ! rtppcmudepay ! mulawdec";
  return "application/x-rtp,media=audio,clock-rate=48000,encoding-name=OPUS,payload=111\" ! "
      "rtpjitterbuffer latency=60 ! rtpopusdepay ! opusdec";
}

static const char *
audio_tx_desc (const char *codec)
{
  if (g_str_equal (codec, "pcma"))
    return "audioresample ! audio/x-raw,rate=8000 ! alawenc ! rtppcmapay";
  if (g_str_equal (codec, "pcmu"))
    return "audioresample ! audio/x-raw,rate=8000 ! mulawenc ! rtppcmupay";
  return "opusenc bitrate=64000 ! rtpopuspay pt=111";
}

static const char *
video_tx_desc (const char *codec)
{
  if (g_str_equal (codec, "vp8"))
    return "vp8enc deadline=1 cpu-used=8 keyframe-max-dist=10 target-bitrate=200000 ! "
        "rtpvp8pay pt=97";
  return "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=10 bitrate=200 ! "
      "rtph264pay pt=96 config-interval=-1";
}

static GstCaps *
on_request_key (GstElement *srtpdec,
                guint       ssrc,
                gpointer    user_data)
{
  TestWard *ward = user_data;
  g_autoptr (GstBuffer) key = gst_buffer_new_wrapped_bytes (ward->srtp_recv_key);

  return gst_caps_new_simple ("application/x-srtp",
                              "srtp-key", GST_TYPE_BUFFER, key,
                              "srtp-cipher", G_TYPE_STRING, "aes-128-icm",
                              "srtp-auth", G_TYPE_STRING, "hmac-sha1-80",
                              "srtcp-cipher", G_TYPE_STRING, "aes-128-icm",
                              "srtcp-auth", G_TYPE_STRING, "hmac-sha1-80",
                              NULL);
}

static TestWard *
ward_new (const char *id,
          double      tone_hz,
          guint32     argb_colour,
          const char *audio_codec,
          const char *video_codec,
          gboolean    srtp);

TestWard *
test_ward_new_srtp (const char *id,
                    double      tone_hz,
                    guint32     argb_colour)
{
  return ward_new (id, tone_hz, argb_colour, "opus", "h264", TRUE);
}

void
test_ward_set_srtp_keys (TestWard *ward,
                         GBytes   *send_key,
                         GBytes   *recv_key)
{
  g_assert_true (ward->srtp);
  g_assert_null (ward->srtp_recv_key);
  ward->srtp_send_key = g_bytes_ref (send_key);
  ward->srtp_recv_key = g_bytes_ref (recv_key);
  g_assert_cmpint (gst_element_set_state (ward->rx, GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);
}

TestWard *
test_ward_new_full (const char *id,
                    double      tone_hz,
                    guint32     argb_colour,
                    const char *audio_codec,
                    const char *video_codec)
{
  return ward_new (id, tone_hz, argb_colour, audio_codec, video_codec, FALSE);
}

static TestWard *
ward_new (const char *id,
          double      tone_hz,
          guint32     argb_colour,
          const char *audio_codec,
          const char *video_codec,
          gboolean    srtp)
{
  TestWard *ward = g_new0 (TestWard, 1);
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) asrc = NULL;
  g_autoptr (GstElement) vsrc = NULL;
  g_autoptr (GstElement) asink = NULL;
  g_autoptr (GstElement) vsink = NULL;
  GstAppSinkCallbacks audio_cb = { .new_sample = on_audio_sample };
  GstAppSinkCallbacks video_cb = { .new_sample = on_video_sample };
  g_autofree char *rx_desc = NULL;

  ward->id = g_strdup (id);
  ward->audio_codec = g_strdup (audio_codec);
  ward->video_codec = g_strdup (video_codec);
  ward->srtp = srtp;
  ward->tone_hz = tone_hz;
  ward->colour = argb_colour;
  ward->volume = 0.3;
  g_mutex_init (&ward->lock);
  ward->audio_rtp = g_array_new (FALSE, FALSE, sizeof (TestRtpHeader));

  ward->audio_socket = test_bind_even_port (&ward->audio_port);
  ward->video_socket = test_bind_even_port (&ward->video_port);

  if (srtp) {
    rx_desc = g_strdup_printf (
        "udpsrc name=asrc caps=\"application/x-srtp,media=audio,clock-rate=48000,"
        "encoding-name=OPUS,payload=111\" ! srtpdec name=adec ! rtpjitterbuffer latency=60 ! "
        "rtpopusdepay ! opusdec ! "
        "audioconvert ! audioresample ! audio/x-raw,format=S16LE,rate=48000,channels=1 ! "
        "appsink name=asink sync=false "
        "udpsrc name=vsrc caps=\"application/x-srtp,media=video,clock-rate=90000,"
        "encoding-name=H264,payload=96\" ! srtpdec name=vdec ! rtpjitterbuffer latency=60 ! "
        "rtph264depay ! avdec_h264 ! videoconvert ! video/x-raw,format=RGB ! "
        "appsink name=vsink sync=false max-buffers=2 drop=true");
  } else {
    rx_desc = g_strdup_printf (
        "udpsrc name=asrc caps=\"%s ! "
        "audioconvert ! audioresample ! audio/x-raw,format=S16LE,rate=48000,channels=1 ! "
        "appsink name=asink sync=false "
        "udpsrc name=vsrc caps=\"application/x-rtp,media=video,clock-rate=90000,"
        "encoding-name=H264,payload=96\" ! rtpjitterbuffer latency=60 ! rtph264depay ! "
        "avdec_h264 ! videoconvert ! video/x-raw,format=RGB ! appsink name=vsink sync=false "
        "max-buffers=2 drop=true", audio_rx_desc (audio_codec));
  }
  ward->rx = gst_parse_launch (rx_desc, &error);
  g_assert_no_error (error);

  asrc = get_by_name (ward->rx, "asrc");
  vsrc = get_by_name (ward->rx, "vsrc");
  g_object_set (asrc, "socket", ward->audio_socket, "close-socket", FALSE, NULL);
  if (!srtp) {
    g_autoptr (GstPad) pad = gst_element_get_static_pad (asrc, "src");

    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, audio_rtp_probe, ward, NULL);
  }
  g_object_set (vsrc, "socket", ward->video_socket, "close-socket", FALSE, NULL);
  asink = get_by_name (ward->rx, "asink");
  vsink = get_by_name (ward->rx, "vsink");
  gst_app_sink_set_callbacks (GST_APP_SINK (asink), &audio_cb, ward, NULL);
  gst_app_sink_set_callbacks (GST_APP_SINK (vsink), &video_cb, ward, NULL);

  if (srtp) {
    g_autoptr (GstElement) adec = get_by_name (ward->rx, "adec");
    g_autoptr (GstElement) vdec = get_by_name (ward->rx, "vdec");

    g_signal_connect (adec, "request-key", G_CALLBACK (on_request_key), ward);
    g_signal_connect (vdec, "request-key", G_CALLBACK (on_request_key), ward);
    return ward;   /* receives once it has its keys */
  }

  g_assert_cmpint (gst_element_set_state (ward->rx, GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);
  return ward;
}

void
test_ward_free (TestWard *ward)
{
  if (ward == NULL)
    return;

  if (ward->tx != NULL) {
    gst_element_set_state (ward->tx, GST_STATE_NULL);
    gst_object_unref (ward->tx);
  }
  gst_element_set_state (ward->rx, GST_STATE_NULL);
  gst_object_unref (ward->rx);
  g_socket_close (ward->audio_socket, NULL);
  g_socket_close (ward->video_socket, NULL);
  g_object_unref (ward->audio_socket);
  g_object_unref (ward->video_socket);
  if (ward->last_frame != NULL)
    gst_sample_unref (ward->last_frame);
  g_mutex_clear (&ward->lock);
  g_array_unref (ward->audio_rtp);
  g_clear_pointer (&ward->srtp_send_key, g_bytes_unref);
  g_clear_pointer (&ward->srtp_recv_key, g_bytes_unref);
  g_free (ward->audio_codec);
  g_free (ward->video_codec);
  g_free (ward->id);
  g_free (ward);
}

guint
test_ward_get_audio_port (TestWard *ward)
{
  return ward->audio_port;
}

guint
test_ward_get_video_port (TestWard *ward)
{
  return ward->video_port;
}

void
test_ward_start_sending (TestWard *ward,
                         guint     hub_audio_port,
                         guint     hub_video_port)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *desc = NULL;

  g_assert_null (ward->tx);
  desc = g_strdup_printf (
      "audiotestsrc name=tone is-live=true wave=sine freq=%f volume=%f samplesperbuffer=960 ! "
      "audio/x-raw,format=S16LE,rate=48000,channels=1 ! %s ! %s"
      "valve name=avalve ! udpsink host=127.0.0.1 port=%u sync=false async=false "
      "videotestsrc is-live=true pattern=solid-color foreground-color=0x%08x ! "
      "video/x-raw,format=I420,width=160,height=90,framerate=10/1 ! %s ! %s"
      "valve name=vvalve ! udpsink host=127.0.0.1 port=%u sync=false async=false",
      ward->tone_hz, ward->volume, audio_tx_desc (ward->audio_codec),
      ward->srtp ? "srtpenc name=aenc ! " : "", hub_audio_port,
      ward->colour, video_tx_desc (ward->video_codec),
      ward->srtp ? "srtpenc name=venc ! " : "", hub_video_port);
  ward->tx = gst_parse_launch (desc, &error);
  g_assert_no_error (error);
  if (ward->srtp) {
    const char *const encs[] = { "aenc", "venc" };
    g_autoptr (GstBuffer) key = NULL;

    g_assert_nonnull (ward->srtp_send_key);
    key = gst_buffer_new_wrapped_bytes (ward->srtp_send_key);
    for (guint i = 0; i < G_N_ELEMENTS (encs); i++) {
      g_autoptr (GstElement) enc = get_by_name (ward->tx, encs[i]);

      g_object_set (enc, "key", key, NULL);
      gst_util_set_object_arg (G_OBJECT (enc), "rtp-cipher", "aes-128-icm");
      gst_util_set_object_arg (G_OBJECT (enc), "rtp-auth", "hmac-sha1-80");
      gst_util_set_object_arg (G_OBJECT (enc), "rtcp-cipher", "aes-128-icm");
      gst_util_set_object_arg (G_OBJECT (enc), "rtcp-auth", "hmac-sha1-80");
    }
  }
  g_assert_cmpint (gst_element_set_state (ward->tx, GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);
}

void
test_ward_stop_sending (TestWard *ward)
{
  if (ward->tx == NULL)
    return;
  gst_element_set_state (ward->tx, GST_STATE_NULL);
  g_clear_pointer (&ward->tx, gst_object_unref);
}

void
test_ward_set_volume (TestWard *ward,
                      double    volume)
{
  g_autoptr (GstElement) tone = NULL;

  ward->volume = volume;
  if (ward->tx == NULL)
    return;
  tone = get_by_name (ward->tx, "tone");
  g_object_set (tone, "volume", volume, NULL);
}

void
test_ward_set_sending (TestWard *ward,
                       gboolean  sending)
{
  g_autoptr (GstElement) avalve = get_by_name (ward->tx, "avalve");
  g_autoptr (GstElement) vvalve = get_by_name (ward->tx, "vvalve");

  g_object_set (avalve, "drop", !sending, NULL);
  g_object_set (vvalve, "drop", !sending, NULL);
}

guint
test_ward_get_audio (TestWard *ward,
                     gint16   *out,
                     guint     n_samples)
{
  guint n;

  g_mutex_lock (&ward->lock);
  n = (guint) MIN ((guint64) n_samples, MIN (ward->audio_total, (guint64) AUDIO_RING));
  for (guint i = 0; i < n; i++)
    out[i] = ward->ring[(ward->audio_total - n + i) % AUDIO_RING];
  g_mutex_unlock (&ward->lock);

  return n;
}

guint64
test_ward_get_audio_samples_total (TestWard *ward)
{
  guint64 n;

  g_mutex_lock (&ward->lock);
  n = ward->audio_total;
  g_mutex_unlock (&ward->lock);
  return n;
}

GstSample *
test_ward_get_last_frame (TestWard *ward)
{
  GstSample *sample = NULL;

  g_mutex_lock (&ward->lock);
  if (ward->last_frame != NULL)
    sample = gst_sample_ref (ward->last_frame);
  g_mutex_unlock (&ward->lock);
  return sample;
}

guint64
test_ward_get_frame_count (TestWard *ward)
{
  guint64 n;

  g_mutex_lock (&ward->lock);
  n = ward->frames;
  g_mutex_unlock (&ward->lock);
  return n;
}

gint64
test_ward_get_max_video_gap_us (TestWard *ward)
{
  gint64 gap;

  g_mutex_lock (&ward->lock);
  gap = ward->max_video_gap_us;
  g_mutex_unlock (&ward->lock);
  return gap;
}

gint64
test_ward_get_max_audio_gap_us (TestWard *ward)
{
  gint64 gap;

  g_mutex_lock (&ward->lock);
  gap = ward->max_audio_gap_us;
  g_mutex_unlock (&ward->lock);
  return gap;
}

void
test_ward_reset_gaps (TestWard *ward)
{
  g_mutex_lock (&ward->lock);
  ward->max_video_gap_us = 0;
  ward->max_audio_gap_us = 0;
  g_mutex_unlock (&ward->lock);
}

double
test_goertzel_power (const gint16 *samples,
                     guint         n,
                     double        hz,
                     double        rate)
{
  double coeff = 2.0 * cos (2.0 * G_PI * hz / rate);
  double s1 = 0.0, s2 = 0.0;

  if (n == 0)
    return 0.0;

  for (guint i = 0; i < n; i++) {
    double s0 = samples[i] / 32768.0 + coeff * s1 - s2;

    s2 = s1;
    s1 = s0;
  }

  /* |X(k)|^2 / n^2: a full-scale sine gives 0.25. */
  return (s1 * s1 + s2 * s2 - coeff * s1 * s2) / ((double) n * n);
}

void
test_frame_average (GstSample *sample,
                    int        x,
                    int        y,
                    int        w,
                    int        h,
                    double     rgb[3])
{
  GstVideoInfo info;
  GstVideoFrame frame;
  double sum[3] = { 0, 0, 0 };
  guint count = 0;

  g_assert_true (gst_video_info_from_caps (&info, gst_sample_get_caps (sample)));
  g_assert_true (gst_video_frame_map (&frame, &info, gst_sample_get_buffer (sample),
                                      GST_MAP_READ));

  for (int row = MAX (y, 0); row < MIN (y + h, GST_VIDEO_INFO_HEIGHT (&info)); row++) {
    const guint8 *line = (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame, 0) +
        row * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0);

    for (int col = MAX (x, 0); col < MIN (x + w, GST_VIDEO_INFO_WIDTH (&info)); col++) {
      for (int c = 0; c < 3; c++)
        sum[c] += line[col * 3 + c];
      count++;
    }
  }
  gst_video_frame_unmap (&frame);

  g_assert_cmpuint (count, >, 0);
  for (int c = 0; c < 3; c++)
    rgb[c] = sum[c] / count;
}

static gboolean
wake_up (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

gboolean
test_wait_until (gboolean (*predicate) (gpointer data),
                 gpointer   data,
                 double     timeout_s)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (timeout_s * G_USEC_PER_SEC);
  guint waker = g_timeout_add (50, wake_up, NULL);
  gboolean ok;

  while (!(ok = predicate (data)) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);

  g_source_remove (waker);
  return ok;
}

static gboolean
never (gpointer data)
{
  return FALSE;
}

void
test_run_for (double seconds)
{
  test_wait_until (never, NULL, seconds);
}
