/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbBenchLoad: the simulated wards of the benchmarks (see bench-load.h).
 * Sending is one timer on the main context; receiving is one socket source
 * per socket.  RTP headers are written and read by hand: the generator must
 * stay much cheaper than what it measures.
 */
#include "bench-load.h"

#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <string.h>

#include "media/wb-layout.h"

#define TICK_MS 2
#define LATENCY_RING 8
#define SAME_ENCODE_US 10000    /* one encode reaches every ward well within this */
#define MAX_DATAGRAM 2048

enum { A_RTP, A_RTCP, V_RTP, V_RTCP, N_SOCKETS };

typedef struct {
  gboolean have;
  guint32 ssrc;
  guint16 max_seq;
  guint32 cycles;
  guint64 received;
  /* the window */
  guint32 base_ext;
  gboolean base_set;
  guint64 window_received;
  /* continuity */
  gboolean have_last;
  guint16 last_seq;
  guint32 last_ts;
} RxStream;

typedef struct {
  WbBenchLoad *load;
  guint index;
  GSocket *socket[N_SOCKETS];
  guint16 port[N_SOCKETS];
  GSource *source[N_SOCKETS];
  GSocketAddress *peer[N_SOCKETS];
  WbBenchClip *audio;          /* borrowed from the clips */
  WbBenchClip *video;
  /* sending */
  guint32 ssrc[2];             /* audio, video */
  guint16 seq[2];
  guint32 ts_base[2];
  guint next[2];
  guint64 loop[2];
  gint64 start_us;
  gint64 next_pli_us;
  /* receiving */
  RxStream rx[2];
  guint32 server_video_ssrc;
} Ward;

struct _WbBenchLoad {
  WbBenchLoadOptions options;
  WbBenchClips *clips;         /* borrowed */
  Ward *wards;
  guint timer;
  double pli_rate;

  /* window-wide counters */
  gboolean in_window;
  gint64 window_start_us;
  guint64 payloads;
  guint64 frames;
  guint64 keyframes;
  guint64 pli_sent;
  guint ssrc_changes;
  guint ts_jumps;
  GHashTable *recent_payloads; /* FNV hash -> last seen, ms since start */
  gint64 last_prune_us;
  gint64 created_us;

  /* the observer: the last ward, which hears ward 0's clicks */
  guint observer;
  GstHarness *audio_decoder;
  GstHarness *video_decoder;
  guint quiet_samples;
  gboolean was_white;
  guint32 last_video_ts;
  gboolean have_video_ts;
  gboolean counted_idr;
  WbTileRect marker_tile;
  gint64 click_sent[LATENCY_RING];
  guint click_next;
  gint64 marker_sent[LATENCY_RING];
  guint marker_next;
  GArray *audio_latency;
  GArray *video_latency;
};

/* ---- clips ---------------------------------------------------------------- */

WbBenchClips *
wb_bench_clips_new (guint framerate, GError **error)
{
  g_autoptr (WbBenchClips) clips = g_new0 (WbBenchClips, 1);

  if (!(clips->audio_click = wb_bench_clip_new_audio (WB_BENCH_AUDIO_CLICK, 2, 440, error)) ||
      !(clips->audio_tone[0] = wb_bench_clip_new_audio (WB_BENCH_AUDIO_TONE, 2, 550, error)) ||
      !(clips->audio_tone[1] = wb_bench_clip_new_audio (WB_BENCH_AUDIO_TONE, 2, 660, error)) ||
      !(clips->audio_silence = wb_bench_clip_new_audio (WB_BENCH_AUDIO_SILENCE, 2, 0, error)) ||
      !(clips->video_marker = wb_bench_clip_new_video (TRUE, 640, 360, framerate, 2, error)) ||
      !(clips->video_plain = wb_bench_clip_new_video (FALSE, 640, 360, framerate, 2, error)))
    return NULL;
  return g_steal_pointer (&clips);
}

void
wb_bench_clips_free (WbBenchClips *clips)
{
  if (clips == NULL)
    return;
  wb_bench_clip_free (clips->audio_click);
  wb_bench_clip_free (clips->audio_tone[0]);
  wb_bench_clip_free (clips->audio_tone[1]);
  wb_bench_clip_free (clips->audio_silence);
  wb_bench_clip_free (clips->video_marker);
  wb_bench_clip_free (clips->video_plain);
  g_free (clips);
}

/* ---- figures -------------------------------------------------------------- */

void
wb_bench_window_clear (WbBenchWindow *window)
{
  g_clear_pointer (&window->audio_latency_ms, g_array_unref);
  g_clear_pointer (&window->video_latency_ms, g_array_unref);
}

static int
compare_doubles (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* Nearest-rank percentile; -1 when there is no value. */
double
wb_bench_percentile (GArray *values, double fraction)
{
  g_autoptr (GArray) sorted = NULL;
  guint rank;

  if (values == NULL || values->len == 0)
    return -1;
  sorted = g_array_copy (values);
  g_array_sort (sorted, compare_doubles);
  rank = (guint) (fraction * sorted->len + 0.999999);
  rank = CLAMP (rank, 1, sorted->len);
  return g_array_index (sorted, double, rank - 1);
}

/* ---- sockets -------------------------------------------------------------- */

static GSocket *
bind_udp (guint16 port, GError **error)
{
  g_autoptr (GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                             G_SOCKET_PROTOCOL_UDP, error);
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (loopback, port);

  if (socket == NULL || !g_socket_bind (socket, address, FALSE, error))
    return NULL;
  g_socket_set_blocking (socket, FALSE);
  return g_steal_pointer (&socket);
}

static guint16
local_port (GSocket *socket)
{
  g_autoptr (GSocketAddress) address = g_socket_get_local_address (socket, NULL);

  return address ? g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)) : 0;
}

/* An even port for RTP and the next for RTCP: let the kernel pick one and
 * try the next one up; a few tries find a pair. */
static gboolean
bind_pair (GSocket **rtp, GSocket **rtcp, GError **error)
{
  for (guint attempt = 0; attempt < 200; attempt++) {
    g_autoptr (GSocket) probe = bind_udp (0, error);
    guint16 port;

    if (probe == NULL)
      return FALSE;
    port = local_port (probe);
    if (port % 2 != 0 || port >= 65534)
      continue;
    *rtcp = bind_udp (port + 1, NULL);
    if (*rtcp == NULL)
      continue;
    *rtp = g_steal_pointer (&probe);
    return TRUE;
  }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE, "no free even/odd UDP port pair");
  return FALSE;
}

/* ---- receiving ------------------------------------------------------------ */

static guint32
fnv1a (const guint8 *data, gsize len)
{
  guint32 h = 2166136261u;

  for (gsize i = 0; i < len; i++)
    h = (h ^ data[i]) * 16777619u;
  return h ^ (guint32) len;
}

static gboolean
prune_payload (gpointer key, gpointer value, gpointer user_data)
{
  guint now_ms = GPOINTER_TO_UINT (user_data);

  (void) key;
  return now_ms - GPOINTER_TO_UINT (value) > 100;
}

static void
count_payload (WbBenchLoad *load, const guint8 *payload, gsize len, gint64 now)
{
  guint now_ms = (guint) ((now - load->created_us) / 1000);
  guint32 key = fnv1a (payload, len);
  gpointer seen;

  if (!g_hash_table_lookup_extended (load->recent_payloads, GUINT_TO_POINTER (key), NULL, &seen) ||
      (guint64) (now_ms - GPOINTER_TO_UINT (seen)) * 1000 > SAME_ENCODE_US)
    load->payloads++;
  g_hash_table_insert (load->recent_payloads, GUINT_TO_POINTER (key), GUINT_TO_POINTER (now_ms));
  if (now - load->last_prune_us > G_USEC_PER_SEC) {
    g_hash_table_foreach_remove (load->recent_payloads, prune_payload, GUINT_TO_POINTER (now_ms));
    load->last_prune_us = now;
  }
}

static void
stream_receive (WbBenchLoad *load, RxStream *rx, guint32 ssrc, guint16 seq, guint32 ts,
                gboolean audio)
{
  if (rx->have && ssrc != rx->ssrc) {
    load->ssrc_changes += audio;
    rx->have = FALSE;
    rx->have_last = FALSE;
    rx->base_set = FALSE;
  }
  if (!rx->have) {
    rx->have = TRUE;
    rx->ssrc = ssrc;
    rx->max_seq = seq;
    rx->cycles = 0;
  } else {
    gint16 delta = (gint16) (seq - rx->max_seq);

    if (delta > 0) {
      if (seq < rx->max_seq)
        rx->cycles += 65536;
      rx->max_seq = seq;
    }
  }
  if (!rx->base_set && load->in_window) {
    /* First packet of the window: it counts as expected and received. */
    rx->base_ext = rx->cycles + rx->max_seq - 1;
    rx->base_set = TRUE;
  }
  if (audio && rx->have_last && (guint16) (rx->last_seq + 1) == seq &&
      ts - rx->last_ts != WB_BENCH_FRAME_SAMPLES && load->in_window)
    load->ts_jumps++;
  rx->have_last = TRUE;
  rx->last_seq = seq;
  rx->last_ts = ts;
  rx->received++;
  rx->window_received++;
}

static gboolean
is_keyframe (const guint8 *p, gsize len)
{
  guint type;

  if (len < 2)
    return FALSE;
  type = p[0] & 0x1f;
  if (type == 5)
    return TRUE;
  if (type == 28)   /* FU-A: the start of a fragmented IDR slice */
    return (p[1] & 0x80) && (p[1] & 0x1f) == 5;
  if (type == 24) { /* STAP-A */
    gsize off = 1;

    while (off + 3 <= len) {
      guint size = (p[off] << 8) | p[off + 1];

      if ((p[off + 2] & 0x1f) == 5)
        return TRUE;
      off += 2 + size;
    }
  }
  return FALSE;
}

static void
record_latency (GArray *into, gint64 *ring, gint64 heard_us, gint64 offset_us)
{
  gint64 best = -1;

  for (guint i = 0; i < LATENCY_RING; i++)
    if (ring[i] > 0 && ring[i] + offset_us <= heard_us && ring[i] > best)
      best = ring[i];
  if (best > 0) {
    double ms = (double) (heard_us - best - offset_us) / 1000.0;

    if (ms >= 0 && ms < 1000)
      g_array_append_val (into, ms);
  }
}

static void
observe_audio (WbBenchLoad *load, const guint8 *data, gsize len, gint64 now)
{
  GstBuffer *out;

  if (gst_harness_push (load->audio_decoder, gst_buffer_new_memdup (data, len)) != GST_FLOW_OK)
    return;
  while ((out = gst_harness_try_pull (load->audio_decoder)) != NULL) {
    GstMapInfo map;

    gst_buffer_map (out, &map, GST_MAP_READ);
    for (gsize s = 0; s < map.size / 2; s++) {
      gint16 v = ((const gint16 *) map.data)[s];

      if (ABS (v) >= WB_BENCH_CLICK_THRESHOLD) {
        if (load->quiet_samples >= WB_BENCH_AUDIO_RATE / 2 && load->in_window)
          record_latency (load->audio_latency, load->click_sent,
                          now + (gint64) s * G_USEC_PER_SEC / WB_BENCH_AUDIO_RATE,
                          (gint64) load->clips->audio_click->click_offset * G_USEC_PER_SEC /
                              WB_BENCH_AUDIO_RATE);
        load->quiet_samples = 0;
      } else {
        load->quiet_samples++;
      }
    }
    gst_buffer_unmap (out, &map);
    gst_buffer_unref (out);
  }
}

static double
tile_luma (GstBuffer *buffer, GstCaps *caps, const WbTileRect *tile)
{
  GstVideoInfo info;
  GstVideoFrame frame;
  guint64 sum = 0, count = 0;
  int x0 = tile->x + tile->width / 4, x1 = tile->x + tile->width * 3 / 4;
  int y0 = tile->y + tile->height / 4, y1 = tile->y + tile->height * 3 / 4;

  if (!gst_video_info_from_caps (&info, caps) ||
      !gst_video_frame_map (&frame, &info, buffer, GST_MAP_READ))
    return 0;
  x1 = MIN (x1, GST_VIDEO_FRAME_WIDTH (&frame));
  y1 = MIN (y1, GST_VIDEO_FRAME_HEIGHT (&frame));
  for (int y = y0; y < y1; y += 2) {
    const guint8 *row = (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame, 0) +
                        (gsize) y * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0);

    for (int x = x0; x < x1; x += 2) {
      sum += row[x];
      count++;
    }
  }
  gst_video_frame_unmap (&frame);
  return count ? (double) sum / count : 0;
}

static void
observe_video (WbBenchLoad *load, const guint8 *data, gsize len, gint64 now)
{
  GstBuffer *out;

  if (gst_harness_push (load->video_decoder, gst_buffer_new_memdup (data, len)) != GST_FLOW_OK)
    return;
  while ((out = gst_harness_try_pull (load->video_decoder)) != NULL) {
    g_autoptr (GstCaps) caps = gst_pad_get_current_caps (load->video_decoder->sinkpad);
    gboolean white = caps != NULL &&
                     tile_luma (out, caps, &load->marker_tile) >= WB_BENCH_MARKER_THRESHOLD;

    if (white && !load->was_white && load->in_window)
      record_latency (load->video_latency, load->marker_sent, now, 0);
    load->was_white = white;
    gst_buffer_unref (out);
  }
}

static void
receive_rtp (Ward *ward, gboolean audio, const guint8 *data, gsize len, gint64 now)
{
  WbBenchLoad *load = ward->load;
  guint cc, off;
  guint16 seq;
  guint32 ts, ssrc;

  if (len < 12 || (data[0] >> 6) != 2)
    return;
  cc = data[0] & 0x0f;
  off = 12 + 4 * cc;
  if (data[0] & 0x10) {
    if (len < off + 4)
      return;
    off += 4 + 4 * ((data[off + 2] << 8) | data[off + 3]);
  }
  if (len < off)
    return;
  seq = (data[2] << 8) | data[3];
  ts = ((guint32) data[4] << 24) | (data[5] << 16) | (data[6] << 8) | data[7];
  ssrc = ((guint32) data[8] << 24) | (data[9] << 16) | (data[10] << 8) | data[11];
  stream_receive (load, &ward->rx[audio ? 0 : 1], ssrc, seq, ts, audio);

  if (audio) {
    if (load->in_window)
      count_payload (load, data + off, len - off, now);
    if (ward->index == load->observer && load->audio_decoder)
      observe_audio (load, data, len, now);
    return;
  }
  ward->server_video_ssrc = ssrc;
  if (ward->index != load->observer)
    return;
  /* A picture is counted at its first packet, an IDR picture at its first
   * packet that holds (the start of) an IDR slice: SPS/PPS come first. */
  if (!load->have_video_ts || ts != load->last_video_ts) {
    load->have_video_ts = TRUE;
    load->last_video_ts = ts;
    load->counted_idr = FALSE;
    if (load->in_window)
      load->frames++;
  }
  if (!load->counted_idr && is_keyframe (data + off, len - off)) {
    load->counted_idr = TRUE;
    if (load->in_window)
      load->keyframes++;
  }
  if (load->video_decoder)
    observe_video (load, data, len, now);
}

static gboolean
on_readable (GSocket *socket, GIOCondition condition, gpointer user_data)
{
  Ward *ward = user_data;
  guint8 buffer[MAX_DATAGRAM];
  gint64 now = g_get_monotonic_time ();
  int which;

  (void) condition;
  for (which = 0; which < N_SOCKETS; which++)
    if (ward->socket[which] == socket)
      break;
  for (;;) {
    gssize n = g_socket_receive (socket, (char *) buffer, sizeof buffer, NULL, NULL);

    if (n <= 0)
      break;
    if (which == A_RTP || which == V_RTP)
      receive_rtp (ward, which == A_RTP, buffer, (gsize) n, now);
  }
  return G_SOURCE_CONTINUE;
}

/* ---- sending -------------------------------------------------------------- */

static void
send_packet (Ward *ward, int media, const WbBenchPacket *packet, gint64 now)
{
  WbBenchLoad *load = ward->load;
  WbBenchClip *clip = media == 0 ? ward->audio : ward->video;
  GSocketAddress *peer = ward->peer[media == 0 ? A_RTP : V_RTP];
  gsize len = g_bytes_get_size (packet->payload);
  guint8 datagram[MAX_DATAGRAM];
  guint32 ts = ward->ts_base[media] + (guint32) (ward->loop[media] * clip->duration_ts) + packet->ts;
  guint16 seq = ward->seq[media]++;
  guint32 ssrc = ward->ssrc[media];

  if (len + 12 > sizeof datagram)
    return;
  datagram[0] = 0x80;
  datagram[1] = (packet->marker ? 0x80 : 0) | clip->pt;
  datagram[2] = seq >> 8;
  datagram[3] = seq & 0xff;
  datagram[4] = ts >> 24;
  datagram[5] = (ts >> 16) & 0xff;
  datagram[6] = (ts >> 8) & 0xff;
  datagram[7] = ts & 0xff;
  datagram[8] = ssrc >> 24;
  datagram[9] = (ssrc >> 16) & 0xff;
  datagram[10] = (ssrc >> 8) & 0xff;
  datagram[11] = ssrc & 0xff;
  memcpy (datagram + 12, g_bytes_get_data (packet->payload, NULL), len);
  g_socket_send_to (ward->socket[media == 0 ? A_RTP : V_RTP], peer, (const char *) datagram,
                    len + 12, NULL, NULL);

  if (packet->mark && ward->index == 0) {
    if (media == 0)
      load->click_sent[load->click_next++ % LATENCY_RING] = now;
    else
      load->marker_sent[load->marker_next++ % LATENCY_RING] = now;
  }
}

static void
put32 (guint8 *p, guint32 v)
{
  p[0] = v >> 24;
  p[1] = (v >> 16) & 0xff;
  p[2] = (v >> 8) & 0xff;
  p[3] = v & 0xff;
}

/* An empty receiver report followed by a PLI (RFC 4585 §6.3.1). */
static void
send_pli (Ward *ward)
{
  guint8 rtcp[20];

  rtcp[0] = 0x80;
  rtcp[1] = 201;
  rtcp[2] = 0;
  rtcp[3] = 1;
  put32 (rtcp + 4, ward->ssrc[1]);
  rtcp[8] = 0x81;
  rtcp[9] = 206;
  rtcp[10] = 0;
  rtcp[11] = 2;
  put32 (rtcp + 12, ward->ssrc[1]);
  put32 (rtcp + 16, ward->server_video_ssrc);
  if (g_socket_send_to (ward->socket[V_RTCP], ward->peer[V_RTCP], (const char *) rtcp,
                        sizeof rtcp, NULL, NULL) > 0 && ward->load->in_window)
    ward->load->pli_sent++;
}

static void
send_due (Ward *ward, int media, gint64 now)
{
  WbBenchClip *clip = media == 0 ? ward->audio : ward->video;

  if (clip == NULL || ward->peer[media == 0 ? A_RTP : V_RTP] == NULL)
    return;
  for (;;) {
    const WbBenchPacket *packet = &g_array_index (clip->packets, WbBenchPacket, ward->next[media]);
    gint64 due = ward->start_us + (gint64) (ward->loop[media] * clip->duration_us + packet->at_us);

    if (due > now)
      break;
    send_packet (ward, media, packet, now);
    if (++ward->next[media] == clip->packets->len) {
      ward->next[media] = 0;
      ward->loop[media]++;
    }
  }
}

static gboolean
on_tick (gpointer user_data)
{
  WbBenchLoad *load = user_data;
  gint64 now = g_get_monotonic_time ();

  for (guint i = 0; i < load->options.n_wards; i++) {
    Ward *ward = &load->wards[i];

    send_due (ward, 0, now);
    send_due (ward, 1, now);
    if (load->pli_rate > 0 && ward->peer[V_RTCP] && ward->server_video_ssrc != 0 &&
        now >= ward->next_pli_us) {
      send_pli (ward);
      ward->next_pli_us = now + (gint64) (G_USEC_PER_SEC / load->pli_rate);
    }
  }
  return G_SOURCE_CONTINUE;
}

/* ---- the load ------------------------------------------------------------- */

WbBenchLoad *
wb_bench_load_new (const WbBenchLoadOptions  *options,
                   WbBenchClips              *clips,
                   GError                   **error)
{
  g_autoptr (WbBenchLoad) load = g_new0 (WbBenchLoad, 1);
  WbTileRect tiles[WB_LAYOUT_MAX_TILES];

  g_return_val_if_fail (options->n_wards > 0 && options->n_wards <= WB_LAYOUT_MAX_TILES, NULL);
  load->options = *options;
  load->clips = clips;
  load->created_us = g_get_monotonic_time ();
  load->recent_payloads = g_hash_table_new (g_direct_hash, g_direct_equal);
  load->audio_latency = g_array_new (FALSE, FALSE, sizeof (double));
  load->video_latency = g_array_new (FALSE, FALSE, sizeof (double));
  load->wards = g_new0 (Ward, options->n_wards);
  load->observer = options->n_wards - 1;

  for (guint i = 0; i < options->n_wards; i++) {
    Ward *ward = &load->wards[i];

    ward->load = load;
    ward->index = i;
    if (!bind_pair (&ward->socket[A_RTP], &ward->socket[A_RTCP], error) ||
        !bind_pair (&ward->socket[V_RTP], &ward->socket[V_RTCP], error))
      return NULL;
    for (int s = 0; s < N_SOCKETS; s++)
      ward->port[s] = local_port (ward->socket[s]);
    if (i == 0)
      ward->audio = clips->audio_click;
    else if (i < options->n_talkers)
      ward->audio = clips->audio_tone[(i - 1) % 2];
    else
      ward->audio = clips->audio_silence;
    if (options->send_video)
      ward->video = i == 0 ? clips->video_marker : clips->video_plain;
    for (int m = 0; m < 2; m++) {
      ward->ssrc[m] = g_random_int ();
      ward->seq[m] = (guint16) g_random_int ();
      ward->ts_base[m] = g_random_int ();
    }
  }

  /* The observer hears ward 0 only if it is another ward. */
  if (options->n_wards >= 2) {
    load->audio_decoder = gst_harness_new_parse ("rtpopusdepay ! opusdec plc=false");
    gst_harness_set_src_caps_str (load->audio_decoder,
                                  "application/x-rtp,media=audio,clock-rate=48000,"
                                  "encoding-name=OPUS,payload=111");
    if (options->expect_video &&
        wb_layout_compute (WB_LAYOUT_GRID, options->canvas_width, options->canvas_height,
                           options->n_wards, 0, tiles)) {
      load->marker_tile = tiles[0];
      load->video_decoder = gst_harness_new_parse ("rtph264depay ! avdec_h264 max-threads=1");
      gst_harness_set_src_caps_str (load->video_decoder,
                                    "application/x-rtp,media=video,clock-rate=90000,"
                                    "encoding-name=H264,payload=96");
    }
  }
  return g_steal_pointer (&load);
}

void
wb_bench_load_free (WbBenchLoad *load)
{
  if (load == NULL)
    return;
  if (load->timer)
    g_source_remove (load->timer);
  for (guint i = 0; load->wards != NULL && i < load->options.n_wards; i++) {
    Ward *ward = &load->wards[i];

    for (int s = 0; s < N_SOCKETS; s++) {
      if (ward->source[s]) {
        g_source_destroy (ward->source[s]);
        g_source_unref (ward->source[s]);
      }
      g_clear_object (&ward->peer[s]);
      if (ward->socket[s])
        g_socket_close (ward->socket[s], NULL);
      g_clear_object (&ward->socket[s]);
    }
  }
  g_free (load->wards);
  g_clear_pointer (&load->audio_decoder, gst_harness_teardown);
  g_clear_pointer (&load->video_decoder, gst_harness_teardown);
  g_clear_pointer (&load->recent_payloads, g_hash_table_unref);
  g_clear_pointer (&load->audio_latency, g_array_unref);
  g_clear_pointer (&load->video_latency, g_array_unref);
  g_free (load);
}

void
wb_bench_load_get_ports (WbBenchLoad *load, guint i, guint *audio_port, guint *video_port)
{
  g_return_if_fail (i < load->options.n_wards);
  *audio_port = load->wards[i].port[A_RTP];
  *video_port = load->wards[i].port[V_RTP];
}

void
wb_bench_load_set_peer (WbBenchLoad *load, guint i, const char *host,
                        guint audio_port, guint video_port)
{
  Ward *ward;
  guint ports[N_SOCKETS] = { audio_port, audio_port + 1, video_port, video_port + 1 };

  g_return_if_fail (i < load->options.n_wards);
  ward = &load->wards[i];
  for (int s = 0; s < N_SOCKETS; s++) {
    g_clear_object (&ward->peer[s]);
    if (ports[s] > 1 && (s < V_RTP || video_port > 0))
      ward->peer[s] = g_inet_socket_address_new_from_string (host, ports[s]);
  }
}

void
wb_bench_load_start (WbBenchLoad *load)
{
  gint64 now = g_get_monotonic_time ();

  for (guint i = 0; i < load->options.n_wards; i++) {
    Ward *ward = &load->wards[i];

    /* Spread the wards over one audio frame, as real boxes would be. */
    ward->start_us = now + (gint64) i * 20000 / load->options.n_wards;
    for (int s = 0; s < N_SOCKETS; s++) {
      ward->source[s] = g_socket_create_source (ward->socket[s], G_IO_IN, NULL);
      g_source_set_callback (ward->source[s], G_SOURCE_FUNC (on_readable), ward, NULL);
      g_source_attach (ward->source[s], g_main_context_get_thread_default ());
    }
  }
  load->timer = g_timeout_add_full (G_PRIORITY_HIGH, TICK_MS, on_tick, load, NULL);
}

void
wb_bench_load_set_pli_rate (WbBenchLoad *load, double per_second)
{
  load->pli_rate = per_second;
}

void
wb_bench_load_window_begin (WbBenchLoad *load)
{
  load->in_window = TRUE;
  load->window_start_us = g_get_monotonic_time ();
  load->payloads = load->frames = load->keyframes = load->pli_sent = 0;
  load->ssrc_changes = load->ts_jumps = 0;
  g_array_set_size (load->audio_latency, 0);
  g_array_set_size (load->video_latency, 0);
  for (guint i = 0; i < load->options.n_wards; i++)
    for (int m = 0; m < 2; m++) {
      RxStream *rx = &load->wards[i].rx[m];

      rx->window_received = 0;
      rx->base_set = rx->have;
      rx->base_ext = rx->cycles + rx->max_seq;
    }
}

static void
loss_of (RxStream *rx, double *pct)
{
  guint64 expected = rx->base_set ? (guint64) (rx->cycles + rx->max_seq) - rx->base_ext : 0;

  *pct = expected > rx->window_received ? 100.0 * (double) (expected - rx->window_received) / (double) expected
                                        : 0.0;
}

void
wb_bench_load_window_end (WbBenchLoad *load, WbBenchWindow *window)
{
  double seconds = (double) (g_get_monotonic_time () - load->window_start_us) / G_USEC_PER_SEC;
  guint n = load->options.n_wards;

  memset (window, 0, sizeof *window);
  load->in_window = FALSE;
  window->seconds = seconds;
  for (guint i = 0; i < n; i++) {
    double audio_loss, video_loss;

    loss_of (&load->wards[i].rx[0], &audio_loss);
    loss_of (&load->wards[i].rx[1], &video_loss);
    window->audio_packets += load->wards[i].rx[0].window_received;
    window->video_packets += load->wards[i].rx[1].window_received;
    window->audio_loss_pct_mean += audio_loss / n;
    window->video_loss_pct_mean += video_loss / n;
    window->audio_loss_pct_max = MAX (window->audio_loss_pct_max, audio_loss);
    window->video_loss_pct_max = MAX (window->video_loss_pct_max, video_loss);
    window->wards_without_audio += load->wards[i].rx[0].window_received == 0;
    window->wards_without_video += load->wards[i].rx[1].window_received == 0;
  }
  window->audio_payloads_per_s = load->payloads / seconds;
  window->video_frames_per_s = load->frames / seconds;
  window->keyframes_per_s = load->keyframes / seconds;
  window->pli_per_s = load->pli_sent / seconds;
  window->ssrc_changes = load->ssrc_changes;
  window->audio_ts_jumps = load->ts_jumps;
  window->audio_latency_ms = g_array_copy (load->audio_latency);
  window->video_latency_ms = g_array_copy (load->video_latency);
}

static gboolean
on_done (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

void
wb_bench_run_for (double seconds)
{
  gboolean done = FALSE;
  g_autoptr (GMainContext) context = g_main_context_ref_thread_default ();

  g_timeout_add ((guint) (seconds * 1000), on_done, &done);
  while (!done)
    g_main_context_iteration (context, TRUE);
}
