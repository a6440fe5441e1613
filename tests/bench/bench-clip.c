/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbBenchClip: pre-encoded RTP for the load generator (see bench-clip.h).
 * Encoding runs through GstHarness, synchronously, once at start.
 */
#include "bench-clip.h"

#include <gio/gio.h>
#include <gst/check/gstharness.h>
#include <gst/rtp/gstrtpbuffer.h>
#include <math.h>
#include <string.h>

/* GStreamer 1.22 declares no cleanup function for the harness. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GstHarness, gst_harness_teardown)

#define CLICK_FIRST_FRAME 10      /* 200 ms into every second */
#define CLICK_SAMPLES 96          /* 2 ms burst */
#define MARKER_FRAME 5            /* the 6th and 7th frame of every second */

static void
packet_clear (gpointer data)
{
  WbBenchPacket *packet = data;

  g_clear_pointer (&packet->payload, g_bytes_unref);
}

void
wb_bench_clip_free (WbBenchClip *clip)
{
  if (clip == NULL)
    return;
  g_clear_pointer (&clip->packets, g_array_unref);
  g_free (clip);
}

static WbBenchClip *
clip_new (guint8 pt, guint clock_rate, guint seconds)
{
  WbBenchClip *clip = g_new0 (WbBenchClip, 1);

  clip->pt = pt;
  clip->clock_rate = clock_rate;
  clip->duration_us = (guint64) seconds * G_USEC_PER_SEC;
  clip->duration_ts = seconds * clock_rate;
  clip->packets = g_array_new (FALSE, TRUE, sizeof (WbBenchPacket));
  g_array_set_clear_func (clip->packets, packet_clear);
  return clip;
}

/* Moves every RTP buffer waiting at the harness's sink into @clip; frame
 * numbers come back through @first_ts.  Returns FALSE on a broken packet. */
static gboolean
drain_rtp (GstHarness   *h,
           WbBenchClip  *clip,
           gboolean     *have_first,
           guint32      *first_ts,
           GError      **error)
{
  GstBuffer *buffer;

  while ((buffer = gst_harness_try_pull (h)) != NULL) {
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    WbBenchPacket packet = { 0 };
    guint32 rel;

    if (!gst_rtp_buffer_map (buffer, GST_MAP_READ, &rtp)) {
      gst_buffer_unref (buffer);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "encoder made a broken RTP packet");
      return FALSE;
    }
    if (!*have_first) {
      *first_ts = gst_rtp_buffer_get_timestamp (&rtp);
      *have_first = TRUE;
    }
    rel = gst_rtp_buffer_get_timestamp (&rtp) - *first_ts;
    if (rel < clip->duration_ts) {
      packet.ts = rel;
      packet.at_us = (guint64) rel * G_USEC_PER_SEC / clip->clock_rate;
      packet.marker = gst_rtp_buffer_get_marker (&rtp);
      packet.payload = g_bytes_new (gst_rtp_buffer_get_payload (&rtp),
                                    gst_rtp_buffer_get_payload_len (&rtp));
      g_array_append_val (clip->packets, packet);
    }
    gst_rtp_buffer_unmap (&rtp);
    gst_buffer_unref (buffer);
  }
  return TRUE;
}

static gint16
audio_sample (WbBenchAudioKind kind, guint frequency, guint64 n)
{
  guint64 in_second = n % WB_BENCH_AUDIO_RATE;
  double tone = WB_BENCH_TONE_AMPLITUDE * sin (2.0 * G_PI * frequency * (double) n / WB_BENCH_AUDIO_RATE);

  if (kind == WB_BENCH_AUDIO_SILENCE)
    return 0;
  if (kind == WB_BENCH_AUDIO_CLICK && in_second >= CLICK_FIRST_FRAME * WB_BENCH_FRAME_SAMPLES &&
      in_second < CLICK_FIRST_FRAME * WB_BENCH_FRAME_SAMPLES + CLICK_SAMPLES)
    return (gint16) (WB_BENCH_CLICK_AMPLITUDE * sin (2.0 * G_PI * 3000.0 * (double) n / WB_BENCH_AUDIO_RATE));
  return (gint16) lrint (tone);
}

/* Decodes @clip as a ward would and marks the packets where the click is
 * heard; click_offset is its sample within such a packet. */
static gboolean
find_clicks (WbBenchClip *clip, GError **error)
{
  g_autoptr (GstHarness) h = gst_harness_new_parse ("rtpopusdepay ! opusdec plc=false");
  guint quiet = WB_BENCH_AUDIO_RATE;   /* samples since the last loud one */
  guint found = 0;

  gst_harness_set_src_caps_str (h, "application/x-rtp,media=audio,clock-rate=48000,"
                                   "encoding-name=OPUS,payload=111");
  for (guint i = 0; i < clip->packets->len; i++) {
    WbBenchPacket *p = &g_array_index (clip->packets, WbBenchPacket, i);
    GstBuffer *in = gst_rtp_buffer_new_allocate (g_bytes_get_size (p->payload), 0, 0);
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    GstBuffer *out;

    gst_rtp_buffer_map (in, GST_MAP_WRITE, &rtp);
    gst_rtp_buffer_set_payload_type (&rtp, clip->pt);
    gst_rtp_buffer_set_seq (&rtp, (guint16) i);
    gst_rtp_buffer_set_timestamp (&rtp, p->ts);
    memcpy (gst_rtp_buffer_get_payload (&rtp), g_bytes_get_data (p->payload, NULL),
            g_bytes_get_size (p->payload));
    gst_rtp_buffer_unmap (&rtp);
    GST_BUFFER_PTS (in) = p->at_us * GST_USECOND;
    if (gst_harness_push (h, in) != GST_FLOW_OK) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot decode the click clip");
      return FALSE;
    }
    while ((out = gst_harness_try_pull (h)) != NULL) {
      GstMapInfo map;

      gst_buffer_map (out, &map, GST_MAP_READ);
      for (gsize s = 0; s < map.size / 2; s++) {
        gint16 v = ((const gint16 *) map.data)[s];

        if (ABS (v) >= WB_BENCH_CLICK_THRESHOLD) {
          if (quiet >= WB_BENCH_AUDIO_RATE / 2) {
            p->mark = TRUE;
            if (found++ == 0)
              clip->click_offset = (guint) s;
          }
          quiet = 0;
        } else {
          quiet++;
        }
      }
      gst_buffer_unmap (out, &map);
      gst_buffer_unref (out);
    }
  }
  if (found == 0) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the click is not heard in its own clip");
    return FALSE;
  }
  return TRUE;
}

WbBenchClip *
wb_bench_clip_new_audio (WbBenchAudioKind   kind,
                         guint              seconds,
                         guint              frequency,
                         GError           **error)
{
  g_autoptr (WbBenchClip) clip = clip_new (WB_BENCH_PT_OPUS, WB_BENCH_AUDIO_RATE, seconds);
  g_autoptr (GstHarness) h = gst_harness_new_parse ("opusenc frame-size=20 bitrate=32000 ! "
                                                    "rtpopuspay pt=111");
  guint frames = seconds * (WB_BENCH_AUDIO_RATE / WB_BENCH_FRAME_SAMPLES);
  gboolean have_first = FALSE;
  guint32 first_ts = 0;

  gst_harness_set_src_caps_str (h, "audio/x-raw,format=S16LE,layout=interleaved,"
                                   "rate=48000,channels=1");
  /* One frame more than the loop: the encoder's look-ahead holds the last. */
  for (guint f = 0; f <= frames; f++) {
    GstBuffer *buffer = gst_buffer_new_allocate (NULL, WB_BENCH_FRAME_SAMPLES * 2, NULL);
    GstMapInfo map;

    gst_buffer_map (buffer, &map, GST_MAP_WRITE);
    for (guint s = 0; s < WB_BENCH_FRAME_SAMPLES; s++)
      ((gint16 *) map.data)[s] = audio_sample (kind, frequency, (guint64) f * WB_BENCH_FRAME_SAMPLES + s);
    gst_buffer_unmap (buffer, &map);
    GST_BUFFER_PTS (buffer) = gst_util_uint64_scale (f, 20 * GST_MSECOND, 1);
    GST_BUFFER_DURATION (buffer) = 20 * GST_MSECOND;
    if (gst_harness_push (h, buffer) != GST_FLOW_OK) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "opusenc refused audio");
      return NULL;
    }
    if (!drain_rtp (h, clip, &have_first, &first_ts, error))
      return NULL;
  }
  gst_harness_push_event (h, gst_event_new_eos ());
  if (!drain_rtp (h, clip, &have_first, &first_ts, error))
    return NULL;
  if (clip->packets->len < frames) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "opusenc made %u packets of %u",
                 clip->packets->len, frames);
    return NULL;
  }
  /* opusenc stamps its first packet 0 and the others a look-ahead earlier
   * than their frame: a ward sends one packet every 20 ms, so number them. */
  g_array_set_size (clip->packets, frames);
  for (guint i = 0; i < frames; i++) {
    WbBenchPacket *p = &g_array_index (clip->packets, WbBenchPacket, i);

    p->ts = i * WB_BENCH_FRAME_SAMPLES;
    p->at_us = (guint64) i * 20000;
  }
  if (kind == WB_BENCH_AUDIO_CLICK && !find_clicks (clip, error))
    return NULL;
  return g_steal_pointer (&clip);
}

static void
paint_frame (GstMapInfo *map, guint width, guint height, guint index, gboolean marker_frame)
{
  guint8 *y = map->data;
  guint8 *chroma = y + (gsize) width * height;
  gsize chroma_size = (gsize) (width / 2) * (height / 2) * 2;

  for (guint row = 0; row < height; row++)
    for (guint col = 0; col < width; col++)
      y[(gsize) row * width + col] = marker_frame ? WB_BENCH_MARKER_LUMA
                                   : (guint8) (32 + ((col / 4 + row / 4 + index * 3) & 63));
  memset (chroma, 128, chroma_size);
}

WbBenchClip *
wb_bench_clip_new_video (gboolean   marker,
                         guint      width,
                         guint      height,
                         guint      framerate,
                         guint      seconds,
                         GError   **error)
{
  g_autoptr (WbBenchClip) clip = clip_new (WB_BENCH_PT_H264, 90000, seconds);
  g_autofree char *launch = g_strdup_printf (
      "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=%u bitrate=400 threads=1 ! "
      "video/x-h264,profile=constrained-baseline ! rtph264pay pt=96 mtu=1200 config-interval=-1",
      framerate * seconds);
  g_autoptr (GstHarness) h = gst_harness_new_parse (launch);
  g_autofree char *caps = g_strdup_printf ("video/x-raw,format=I420,width=%u,height=%u,"
                                           "framerate=%u/1", width, height, framerate);
  gsize size = (gsize) width * height * 3 / 2;
  guint frames = framerate * seconds;
  gboolean have_first = FALSE;
  guint32 first_ts = 0;

  gst_harness_set_src_caps_str (h, caps);
  for (guint f = 0; f < frames; f++) {
    GstBuffer *buffer = gst_buffer_new_allocate (NULL, size, NULL);
    gboolean marker_frame = marker && (f % framerate == MARKER_FRAME || f % framerate == MARKER_FRAME + 1);
    GstMapInfo map;

    gst_buffer_map (buffer, &map, GST_MAP_WRITE);
    paint_frame (&map, width, height, f, marker_frame);
    gst_buffer_unmap (buffer, &map);
    GST_BUFFER_PTS (buffer) = gst_util_uint64_scale (f, GST_SECOND, framerate);
    GST_BUFFER_DURATION (buffer) = gst_util_uint64_scale (1, GST_SECOND, framerate);
    if (gst_harness_push (h, buffer) != GST_FLOW_OK) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "x264enc refused video");
      return NULL;
    }
    if (!drain_rtp (h, clip, &have_first, &first_ts, error))
      return NULL;
  }
  gst_harness_push_event (h, gst_event_new_eos ());
  if (!drain_rtp (h, clip, &have_first, &first_ts, error))
    return NULL;

  /* The payloader rounds timestamps down by one tick now and then: put each
   * picture exactly on its frame.  The last packet of the first marker
   * frame of each second marks it. */
  for (guint i = 0; i < clip->packets->len; i++) {
    WbBenchPacket *p = &g_array_index (clip->packets, WbBenchPacket, i);
    guint frame = (guint) (((guint64) p->ts * framerate + 45000) / 90000);

    p->ts = frame * (90000 / framerate);
    p->at_us = (guint64) frame * G_USEC_PER_SEC / framerate;
    p->mark = marker && p->marker && frame % framerate == MARKER_FRAME;
  }
  if (clip->packets->len < frames) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "x264enc made %u packets for %u frames",
                 clip->packets->len, frames);
    return NULL;
  }
  return g_steal_pointer (&clip);
}
