/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbParticipant: one ward's bin in the conference pipeline: ingress filter,
 * rtpbin, explicit depayloaders/decoders per codec, and the send path of its
 * mix-minus and of the composite (see wb-participant.h).  Owned by
 * WbConference.
 *
 * Shared Opus (Opus wards): every block of the ward's mix is routed by the
 * mixer thread either to the ward's own encoder or to the conference's
 * shared encode of the full mix, and remembered in a small ring (block
 * times and path, route_lock).  Each path passes a packet only if its
 * block was routed to that path, and only once the packet of the block
 * before it has reached the payloader: the two paths run in two threads,
 * and the payloader numbers packets in the order they come.  A probe on
 * the payloader's sink pad, which runs under its stream lock, marks each
 * block sent.
 *
 * The own path waits for that in its own thread (its queue's), at most
 * ROUTE_WAIT_US.  The shared path never waits: it runs in the shared
 * encoder's thread, which serves every ward in turn, with no queue and no
 * thread per ward.  A shared packet whose predecessor (an own packet, as
 * the ward falls quiet) has not gone out yet is held (shared_held) and
 * sent by whichever comes first: the own path, right after its packet has
 * gone out (an IDLE probe on the own encoder's output), or the next shared
 * packet once it has been held ROUTE_WAIT_US.
 */
#include "media/wb-participant.h"

#include "media/wb-media-util.h"

#include <gst/rtp/rtp.h>
#include <gst/video/video.h>
#include <stdio.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (wb_participant_debug);
#define GST_CAT_DEFAULT wb_participant_debug

/* Routing decisions a ward remembers, in blocks: more than it holds (50
 * blocks in the queue before its own encoder, SHARED_HOLD_MAX packets). */
#define ROUTE_RING 128
/* Shared packets a ward holds at most (500 ms); the oldest then goes out. */
#define SHARED_HOLD_MAX 25
/* How long a packet may wait for the packet of the block before it, which
 * may still be on the other path.  A block whose packet never comes (a
 * leaky queue dropped it) delays the next one by this much, once. */
#define ROUTE_WAIT_US (40 * 1000)
/* How long a superseded SSRC must have sent nothing before its streams
 * are removed (see retire_stream()). */
#define RETIRED_QUIET_US (5 * G_USEC_PER_SEC)

/* The streams in rtpbin of an SSRC the ward no longer sends on: a newer
 * SSRC of the same session took the depayloader over. */
typedef struct {
  guint session;
  guint ssrc;
  GstPad *input;              /* owned: its jitter buffer's sink pad */
  gulong probe;               /* on input: keeps last_us */
  gint64 last_us;             /* monotonic time of its last packet */
} RetiredStream;

/* One block of the ward's mix: where it went. */
typedef struct {
  GstClockTime start;
  GstClockTime end;
  gboolean shared;            /* the full mix: its packet comes from the shared encode */
} RouteBlock;

/* A shared packet waiting for the packet of the block before it. */
typedef struct {
  GstBuffer *packet;          /* this ward's copy, retimed */
  guint64 serial;
  gint64 since_us;            /* monotonic time it was held */
} HeldPacket;

struct _WbParticipant {
  GObject parent_instance;

  char *id;
  char *name;
  WbAudioCodec audio_codec;
  WbVideoCodec video_codec;
  GInetAddress *remote;
  guint remote_audio_port;
  guint remote_video_port;
  guint hub_base_port;

  GSocket *sockets[WB_N_SOCKETS];
  WbIngress *ingress;

  GBytes *srtp_send_key;      /* NULL: plain RTP */
  GBytes *srtp_recv_key;
  GstElement *srtpdec[2];     /* per session, borrowed (rtpbin holds them) */
  GstElement *srtpenc;        /* both sessions, borrowed */

  GstElement *bin;            /* owned; floating ref sunk */
  GstElement *rtpbin;         /* borrowed from bin */
  GstElement *audio_depay;    /* borrowed from bin */
  GstElement *video_depay;    /* borrowed from bin */

  /* Answers to LATENCY queries at the audio (0), video (1) and shared
   * audio (2) inputs; owned by those pads, so valid while the bin is. */
  struct _LatencyAnswer *latency_answers[3];

  /* Shared Opus routing, Opus wards only (see the top of this file).
   * route_lock guards route[], route_count and route_expect; route_cond
   * is signalled when route_expect moves.  Block serials start at 1: block
   * s is route[s % ROUTE_RING] while route_count - s < ROUTE_RING. */
  GMutex route_lock;
  GCond route_cond;
  RouteBlock route[ROUTE_RING];
  guint64 route_count;        /* serial of the newest block */
  guint64 route_expect;       /* serial whose packet goes out next; 0: none sent yet */
  gint64 route_wait_us;       /* ROUTE_WAIT_US unless the media settings say */
  GstBuffer *primer;          /* mixer thread only: the last block, if it was shared */
  GstPad *audio_sink;         /* borrowed from bin: ghost "audio_sink" */
  /* shared_lock: one push at a time on the shared path, and guards
   * shared_held and held_probe.  Taken before route_lock, never after. */
  GMutex shared_lock;
  GQueue shared_held;         /* HeldPacket, oldest first */
  gulong held_probe;          /* IDLE probe on own_enc_src; 0: none */
  GstPad *shared_internal;    /* borrowed: pushes into the funnel */
  GstPad *own_enc_src;        /* borrowed: the own encoder's src pad */

  /* Superseded SSRCs whose streams rtpbin still holds, removed once quiet
   * (see retire_stream()).  retired_lock guards the array; n_retired is
   * its length, read without the lock on the receiving path. */
  GMutex retired_lock;
  GArray *retired;            /* RetiredStream */
  gint n_retired;

  GMutex stats_lock;          /* guards the counters below (streaming threads) */
  guint64 audio_packets;
  guint64 audio_encodes;      /* frames out of this ward's audio encoder */
  guint64 video_packets;
  guint64 video_frames;
  gint64 last_audio_us;
  gint64 last_video_us;
  guint loss_reports;         /* RTCP reports on the hub's audio, so far */
  guint8 fraction_lost;       /* the newest one's, 256ths */

  GstElement *own_opusenc;    /* borrowed from bin; Opus wards only */
  guint audio_fec;            /* own_opusenc's packet-loss-percentage */
};

G_DEFINE_FINAL_TYPE (WbParticipant, wb_participant, G_TYPE_OBJECT)

/* ---- building blocks ---------------------------------------------------- */


/* Makes the elements named in @factories (NULL-terminated), adds them to
 * @bin and links them in order.  Returns the first and last, borrowed. */
static gboolean
add_chain (GstBin              *bin,
           const char * const  *factories,
           const char          *prefix,
           GstElement         **first,
           GstElement         **last,
           GError             **error)
{
  GstElement *prev = NULL;

  for (guint i = 0; factories[i] != NULL; i++) {
    g_autofree char *name = g_strdup_printf ("%s-%u-%s", prefix, i, factories[i]);
    GstElement *element = wb_media_make_element (factories[i], name, error);

    if (element == NULL)
      return FALSE;
    gst_bin_add (bin, element);
    if (prev != NULL && !gst_element_link (prev, element)) {
      g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION,
                   "cannot link %s to %s", GST_ELEMENT_NAME (prev), name);
      return FALSE;
    }
    if (i == 0 && first != NULL)
      *first = element;
    prev = element;
  }
  if (last != NULL)
    *last = prev;

  return TRUE;
}

static GstCaps *
receive_caps (WbParticipant *self,
              gboolean       video)
{
  if (video) {
    if (self->video_codec == WB_VIDEO_CODEC_VP8)
      return gst_caps_from_string ("application/x-rtp,media=video,clock-rate=90000,"
                                   "encoding-name=VP8,payload=97");
    return gst_caps_from_string ("application/x-rtp,media=video,clock-rate=90000,"
                                 "encoding-name=H264,payload=96");
  }

  switch (self->audio_codec) {
    case WB_AUDIO_CODEC_PCMA:
      return gst_caps_from_string ("application/x-rtp,media=audio,clock-rate=8000,"
                                   "encoding-name=PCMA,payload=8");
    case WB_AUDIO_CODEC_PCMU:
      return gst_caps_from_string ("application/x-rtp,media=audio,clock-rate=8000,"
                                   "encoding-name=PCMU,payload=0");
    case WB_AUDIO_CODEC_OPUS:
    default:
      return gst_caps_from_string ("application/x-rtp,media=audio,clock-rate=48000,"
                                   "encoding-name=OPUS,payload=111");
  }
}

/*
 * The source of one hub socket.  With [media] receive=shared (the default)
 * a wbudpsrc: one thread reads every ward's sockets, waking at most once
 * per batch interval, where a udpsrc per socket woke one of 128 threads
 * for every datagram.  With audio-jitter=inline the audio's decoding and
 * the mixer's input then run in that thread too; the conference sets the
 * ward's mixer input to keep what does not fit yet (and past 320 ms to
 * drop) rather than wait, so that no ward can stall the thread of every
 * ward (never-block in plugins/gstmixminus.c).
 */
static GstElement *
add_source (WbParticipant             *self,
            WbSocketIndex              index,
            const WbParticipantMedia  *media,
            GError                   **error)
{
  static const char *const names[WB_N_SOCKETS] = {
    "audio-rtp-in", "audio-rtcp-in", "video-rtp-in", "video-rtcp-in",
  };
  gboolean rtcp = (index == WB_SOCKET_AUDIO_RTCP || index == WB_SOCKET_VIDEO_RTCP);
  gboolean shared = media->receive == WB_RECEIVE_SHARED;
  g_autoptr (GstCaps) caps = NULL;
  g_autoptr (GstPad) pad = NULL;
  GstElement *src = wb_media_make_element (shared ? "wbudpsrc" : "udpsrc", names[index], error);

  if (src == NULL)
    return NULL;

  caps = rtcp ? gst_caps_new_empty_simple ("application/x-rtcp")
      : receive_caps (self, index == WB_SOCKET_VIDEO_RTP);
  if (self->srtp_recv_key != NULL) {
    /* The same fields, encrypted: srtpdec gives back application/x-rtp. */
    caps = gst_caps_make_writable (caps);
    gst_structure_set_name (gst_caps_get_structure (caps, 0),
                            rtcp ? "application/x-srtcp" : "application/x-srtp");
  }
  g_object_set (src, "socket", self->sockets[index], "caps", caps, NULL);
  if (shared)
    g_object_set (src, "batch-interval", (guint64) media->receive_batch_ms * GST_MSECOND, NULL);
  else
    g_object_set (src,
                  "close-socket", FALSE,
                  "auto-multicast", FALSE,
                  "retrieve-sender-address", TRUE,
                  NULL);
  gst_bin_add (GST_BIN (self->bin), src);

  pad = gst_element_get_static_pad (src, "src");
  wb_ingress_attach (self->ingress, pad, rtcp);

  return src;
}

static GstElement *
add_udpsink (WbParticipant  *self,
             WbSocketIndex   index,
             guint           port,
             GError        **error)
{
  static const char *const names[WB_N_SOCKETS] = {
    "audio-rtp-out", "audio-rtcp-out", "video-rtp-out", "video-rtcp-out",
  };
  g_autofree char *host = g_inet_address_to_string (self->remote);
  GstElement *sink = wb_media_make_element ("udpsink", names[index], error);

  if (sink == NULL)
    return NULL;

  /* Sent from the socket the ward sends to (symmetric RTP).  The media is
   * already paced by the live mixers upstream: no clock sync here. */
  g_object_set (sink,
                "socket", self->sockets[index],
                "close-socket", FALSE,
                "host", host,
                "port", (gint) port,
                "sync", FALSE,
                "async", FALSE,
                "auto-multicast", FALSE,
                NULL);
  gst_bin_add (GST_BIN (self->bin), sink);

  return sink;
}

static gboolean
link_pads (GstElement  *src,
           const char  *src_pad,
           GstElement  *sink,
           const char  *sink_pad,
           GError     **error)
{
  if (!gst_element_link_pads (src, src_pad, sink, sink_pad)) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION,
                 "cannot link %s:%s to %s:%s", GST_ELEMENT_NAME (src), src_pad,
                 GST_ELEMENT_NAME (sink), sink_pad);
    return FALSE;
  }
  return TRUE;
}

static GstPad *
add_ghost (GstElement *bin,
           GstElement *element,
           const char *pad_name,
           const char *ghost_name)
{
  g_autoptr (GstPad) target = gst_element_get_static_pad (element, pad_name);
  GstPad *ghost = gst_ghost_pad_new (ghost_name, target);

  gst_element_add_pad (bin, ghost);
  return ghost;
}

/*
 * The ward's inputs (its mix-minus, the composite) come from elements that
 * serve every ward: a tee and the mixer.  Whatever goes wrong downstream of
 * one ward's input (a refused packet, an encoder error, the bin being torn
 * down) must not travel back up and stop them for everyone, so these ghost
 * pads always answer OK and report a failure once.
 */
static GstFlowReturn
firewall_result (GstPad        *pad,
                 GstFlowReturn  ret)
{
  if (ret != GST_FLOW_OK && ret != GST_FLOW_FLUSHING && ret != GST_FLOW_NOT_LINKED &&
      g_object_get_data (G_OBJECT (pad), "wb-flow-reported") == NULL) {
    GST_WARNING_OBJECT (pad, "send path failed (%s); the other wards are not affected",
                        gst_flow_get_name (ret));
    g_object_set_data (G_OBJECT (pad), "wb-flow-reported", GINT_TO_POINTER (1));
  }
  return GST_FLOW_OK;
}

static GstFlowReturn
firewall_chain (GstPad    *pad,
                GstObject *parent,
                GstBuffer *buffer)
{
  return firewall_result (pad, gst_proxy_pad_chain_default (pad, parent, buffer));
}

static GstFlowReturn
firewall_chain_list (GstPad        *pad,
                     GstObject     *parent,
                     GstBufferList *list)
{
  return firewall_result (pad, gst_proxy_pad_chain_list_default (pad, parent, list));
}

/*
 * A LATENCY query from one of the ward's senders would otherwise travel up
 * through the tee or the mixer into every other ward's receive path: each
 * of the N senders asking about N inputs, N² pad walks per latency
 * recalculation, on the main loop.  The ward's senders do not sync to the
 * clock, so the answer only feeds the pipeline's bookkeeping: the ghost
 * pads answer it with the upstream latency the conference last measured
 * once (wb_participant_set_upstream_latency()).
 */
typedef struct _LatencyAnswer {
  GMutex lock;
  GstClockTime min;           /* guarded by lock */
  GstPadQueryFunction chain_up;
} LatencyAnswer;

static void
latency_answer_free (gpointer data)
{
  LatencyAnswer *answer = data;

  g_mutex_clear (&answer->lock);
  g_free (answer);
}

static gboolean
answer_latency_query (GstPad    *pad,
                      GstObject *parent,
                      GstQuery  *query)
{
  LatencyAnswer *answer = pad->querydata;
  GstClockTime min;

  if (GST_QUERY_TYPE (query) != GST_QUERY_LATENCY)
    return answer->chain_up (pad, parent, query);

  g_mutex_lock (&answer->lock);
  min = answer->min;
  g_mutex_unlock (&answer->lock);
  gst_query_set_latency (query, TRUE, min, GST_CLOCK_TIME_NONE);
  return TRUE;
}

static void
add_firewalled_ghost (WbParticipant *self,
                      GstElement    *element,
                      const char    *pad_name,
                      const char    *ghost_name,
                      guint          media)
{
  GstPad *ghost = add_ghost (self->bin, element, pad_name, ghost_name);
  g_autoptr (GstProxyPad) internal = gst_proxy_pad_get_internal (GST_PROXY_PAD (ghost));
  LatencyAnswer *answer = g_new0 (LatencyAnswer, 1);

  gst_pad_set_chain_function (ghost, firewall_chain);
  gst_pad_set_chain_list_function (ghost, firewall_chain_list);

  g_mutex_init (&answer->lock);
  answer->chain_up = GST_PAD_QUERYFUNC (internal);
  self->latency_answers[media] = answer;
  gst_pad_set_query_function_full (GST_PAD (internal), answer_latency_query, answer,
                                   latency_answer_free);
}

/* ---- probes ------------------------------------------------------------- */

static GstPadProbeReturn
audio_rtp_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  WbParticipant *self = user_data;

  g_mutex_lock (&self->stats_lock);
  self->audio_packets++;
  self->last_audio_us = g_get_monotonic_time ();
  g_mutex_unlock (&self->stats_lock);

  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
audio_encode_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  WbParticipant *self = user_data;

  g_mutex_lock (&self->stats_lock);
  self->audio_encodes++;
  g_mutex_unlock (&self->stats_lock);

  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
video_rtp_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  WbParticipant *self = user_data;

  g_mutex_lock (&self->stats_lock);
  self->video_packets++;
  g_mutex_unlock (&self->stats_lock);

  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
video_frame_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  WbParticipant *self = user_data;

  g_mutex_lock (&self->stats_lock);
  self->video_frames++;
  self->last_video_us = g_get_monotonic_time ();
  g_mutex_unlock (&self->stats_lock);

  return GST_PAD_PROBE_OK;
}

static void
add_buffer_probe (GstElement        *element,
                  const char        *pad_name,
                  GstPadProbeCallback callback,
                  WbParticipant     *self)
{
  g_autoptr (GstPad) pad = gst_element_get_static_pad (element, pad_name);

  /* The bin (and so the probe) never outlives the participant. */
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, callback, self, NULL);
}

/* ---- rtpbin ------------------------------------------------------------- */

/*
 * Superseded SSRCs.  rtpbin runs without "autoremove": with it, rtpbin
 * removes a source's streams from its RTCP thread when rtpsession times the
 * source out or its BYE's wait ends, under rtpbin's lock, while the
 * receiving thread may be pushing a packet of that very SSRC into the
 * demuxer (rtpssrcdemux takes the SSRC off its list before it removes the
 * pads, so such a packet makes pads of the same names, which the element
 * refuses, and that SSRC's streams are broken from then on), or, for the
 * video, may be in the jitter buffer's RTCP handling waiting for that same
 * lock (docs/benchmarks.md item 26).
 *
 * Instead the hub keeps every SSRC the ward sends on, and removes only
 * those a newer SSRC superseded (a box that restarts its sender), once
 * they have sent nothing for RETIRED_QUIET_US, and does it in the thread
 * that feeds the session's RTCP (with the shared receiving thread, the one
 * that feeds all four of the ward's sockets): no other thread can then be
 * pushing into the demuxer or into a jitter buffer's RTCP input of that
 * session.  A source that merely went silent keeps its streams and is
 * heard again at once when it resumes.
 */

/* The jitter buffer's sink pad behind rtpbin's recv_rtp_src_S_SSRC_PT
 * (the payload demuxer's ghosted output), or NULL. */
static GstPad *
stream_input_of (GstPad *rtpbin_src)
{
  g_autoptr (GstPad) target = NULL;
  g_autoptr (GstElement) ptdemux = NULL;
  g_autoptr (GstPad) ptdemux_sink = NULL;
  g_autoptr (GstPad) buffer_src = NULL;
  g_autoptr (GstElement) buffer = NULL;

  if (!GST_IS_GHOST_PAD (rtpbin_src))
    return NULL;
  target = gst_ghost_pad_get_target (GST_GHOST_PAD (rtpbin_src));
  if (target == NULL)
    return NULL;
  ptdemux = gst_pad_get_parent_element (target);
  if (ptdemux == NULL)
    return NULL;
  ptdemux_sink = gst_element_get_static_pad (ptdemux, "sink");
  if (ptdemux_sink == NULL)
    return NULL;
  buffer_src = gst_pad_get_peer (ptdemux_sink);
  if (buffer_src == NULL)
    return NULL;
  buffer = gst_pad_get_parent_element (buffer_src);
  if (buffer == NULL)
    return NULL;
  return gst_element_get_static_pad (buffer, "sink");
}

static GstPadProbeReturn
retired_packet_probe (GstPad          *pad,
                      GstPadProbeInfo *info,
                      gpointer         user_data)
{
  WbParticipant *self = user_data;
  gint64 now = g_get_monotonic_time ();

  (void) info;
  g_mutex_lock (&self->retired_lock);
  for (guint i = 0; i < self->retired->len; i++) {
    RetiredStream *r = &g_array_index (self->retired, RetiredStream, i);

    if (r->input == pad)
      r->last_us = now;
  }
  g_mutex_unlock (&self->retired_lock);
  return GST_PAD_PROBE_OK;
}

static void
retired_stream_clear (RetiredStream *r)
{
  if (r->input != NULL) {
    gst_pad_remove_probe (r->input, r->probe);
    gst_clear_object (&r->input);
  }
}

/* Called in the streaming thread that found @ssrc's first packet. */
static void
retire_stream (WbParticipant *self,
               guint          session,
               guint          ssrc,
               GstPad        *rtpbin_src)
{
  RetiredStream r = { session, ssrc, stream_input_of (rtpbin_src), 0, g_get_monotonic_time () };

  if (r.input == NULL) {
    GST_WARNING ("%s: no jitter buffer behind %s: SSRC %08x stays",
                 self->id, GST_PAD_NAME (rtpbin_src), ssrc);
    return;
  }
  g_mutex_lock (&self->retired_lock);
  for (guint i = 0; i < self->retired->len; i++) {
    RetiredStream *old = &g_array_index (self->retired, RetiredStream, i);

    if (old->session == session && old->ssrc == ssrc) {
      g_mutex_unlock (&self->retired_lock);
      gst_object_unref (r.input);
      return;
    }
  }
  r.probe = gst_pad_add_probe (r.input, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                               retired_packet_probe, self, NULL);
  g_array_append_val (self->retired, r);
  g_atomic_int_set (&self->n_retired, self->retired->len);
  g_mutex_unlock (&self->retired_lock);
}

/* @ssrc sends again after a newer SSRC took over: it is not removed, and
 * takes the depayloader back (see on_rtpbin_pad_added()). */
static void
unretire_stream (WbParticipant *self,
                 guint          session,
                 guint          ssrc)
{
  g_mutex_lock (&self->retired_lock);
  for (guint i = 0; i < self->retired->len; i++) {
    RetiredStream *r = &g_array_index (self->retired, RetiredStream, i);

    if (r->session == session && r->ssrc == ssrc) {
      retired_stream_clear (r);
      g_array_remove_index_fast (self->retired, i);
      break;
    }
  }
  g_atomic_int_set (&self->n_retired, self->retired->len);
  g_mutex_unlock (&self->retired_lock);
}

typedef struct {
  WbParticipant *self;
  guint session;
} ReapProbe;

/* On the source pads that feed @session (see above): removes the streams
 * of the session's superseded SSRCs that have been quiet long enough. */
static GstPadProbeReturn
reap_retired_probe (GstPad          *pad,
                    GstPadProbeInfo *info,
                    gpointer         user_data)
{
  ReapProbe *data = user_data;
  WbParticipant *self = data->self;
  g_autoptr (GArray) ready = NULL;
  gint64 now;

  (void) pad;
  (void) info;
  if (g_atomic_int_get (&self->n_retired) == 0)
    return GST_PAD_PROBE_OK;

  now = g_get_monotonic_time ();
  g_mutex_lock (&self->retired_lock);
  for (guint i = 0; i < self->retired->len;) {
    RetiredStream *r = &g_array_index (self->retired, RetiredStream, i);

    if (r->session != data->session || now - r->last_us < RETIRED_QUIET_US) {
      i++;
      continue;
    }
    if (ready == NULL)
      ready = g_array_new (FALSE, FALSE, sizeof (RetiredStream));
    g_array_append_val (ready, *r);
    g_array_remove_index_fast (self->retired, i);
  }
  g_atomic_int_set (&self->n_retired, self->retired->len);
  g_mutex_unlock (&self->retired_lock);

  for (guint i = 0; ready != NULL && i < ready->len; i++) {
    RetiredStream *r = &g_array_index (ready, RetiredStream, i);

    GST_INFO ("%s: session %u: SSRC %08x quiet for %.1f s since a newer SSRC took over; "
              "removing its streams", self->id, r->session, r->ssrc,
              (now - r->last_us) / (double) G_USEC_PER_SEC);
    retired_stream_clear (r);
    g_signal_emit_by_name (self->rtpbin, "clear-ssrc", r->session, r->ssrc);
  }
  return GST_PAD_PROBE_OK;
}

static void
add_reap_probe (WbParticipant *self,
                GstElement    *src,
                guint          session)
{
  g_autoptr (GstPad) pad = gst_element_get_static_pad (src, "src");
  ReapProbe *data = g_new0 (ReapProbe, 1);

  data->self = self;
  data->session = session;
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                     reap_retired_probe, data, g_free);
}

/* A new SSRC from the ward: it feeds the depayloader of its session.  A ward
 * that restarts its sender comes back with a new SSRC; the newest wins, and
 * the streams of the one it superseded go once it is quiet. */
static void
on_rtpbin_pad_added (GstElement *rtpbin,
                     GstPad     *pad,
                     gpointer    user_data)
{
  WbParticipant *self = user_data;
  g_autofree char *name = gst_pad_get_name (pad);
  g_autoptr (GstPad) sinkpad = NULL;
  g_autoptr (GstPad) old_peer = NULL;
  guint session, ssrc, pt;
  GstElement *depay;

  (void) rtpbin;
  if (sscanf (name, "recv_rtp_src_%u_%u_%u", &session, &ssrc, &pt) != 3)
    return;

  unretire_stream (self, session, ssrc);
  depay = session == 0 ? self->audio_depay : self->video_depay;
  sinkpad = gst_element_get_static_pad (depay, "sink");
  old_peer = gst_pad_get_peer (sinkpad);
  if (old_peer != NULL) {
    g_autofree char *old_name = gst_pad_get_name (old_peer);
    guint old_session, old_ssrc, old_pt;

    GST_INFO ("%s: session %u now follows SSRC %08x", self->id, session, ssrc);
    gst_pad_unlink (old_peer, sinkpad);
    if (sscanf (old_name, "recv_rtp_src_%u_%u_%u", &old_session, &old_ssrc, &old_pt) == 3 &&
        old_ssrc != ssrc)
      retire_stream (self, old_session, old_ssrc, old_peer);
  }

  if (GST_PAD_LINK_FAILED (gst_pad_link (pad, sinkpad)))
    GST_WARNING ("%s: cannot link %s to the depayloader", self->id, name);
}

/* The box's RTCP on the audio session: the fraction of the hub's audio it
 * lost since its previous report (for [media] audio-expected-loss-percent
 * =auto).  Only the hub sends to the box in that session, so every report
 * block in it is about the hub's audio. */
static GstPadProbeReturn
audio_rtcp_probe (GstPad          *pad,
                  GstPadProbeInfo *info,
                  gpointer         user_data)
{
  WbParticipant *self = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  GstRTCPPacket packet;
  gint worst = -1;

  (void) pad;
  if (!gst_rtcp_buffer_validate_reduced (buffer) ||
      !gst_rtcp_buffer_map (buffer, GST_MAP_READ, &rtcp))
    return GST_PAD_PROBE_OK;
  for (gboolean more = gst_rtcp_buffer_get_first_packet (&rtcp, &packet); more;
       more = gst_rtcp_packet_move_to_next (&packet)) {
    GstRTCPType type = gst_rtcp_packet_get_type (&packet);
    guint blocks;

    if (type != GST_RTCP_TYPE_RR && type != GST_RTCP_TYPE_SR)
      continue;
    blocks = gst_rtcp_packet_get_rb_count (&packet);
    for (guint i = 0; i < blocks; i++) {
      guint32 ssrc, highest, jitter, lsr, dlsr;
      guint8 fraction;
      gint32 lost;

      gst_rtcp_packet_get_rb (&packet, i, &ssrc, &fraction, &lost, &highest, &jitter, &lsr, &dlsr);
      worst = MAX (worst, (gint) fraction);
    }
  }
  gst_rtcp_buffer_unmap (&rtcp);

  if (worst >= 0) {
    g_mutex_lock (&self->stats_lock);
    self->loss_reports++;
    self->fraction_lost = (guint8) worst;
    g_mutex_unlock (&self->stats_lock);
  }
  return GST_PAD_PROBE_OK;
}

/* ---- SRTP --------------------------------------------------------------- */

static GstBuffer *
key_buffer (GBytes *key)
{
  return gst_buffer_new_wrapped_bytes (key);
}

/* srtpdec asks for the key of each new SSRC: the ward has one key for
 * everything it sends.  Called on a streaming thread; the key is
 * immutable. */
static GstCaps *
on_request_key (GstElement *srtpdec,
                guint       ssrc,
                gpointer    user_data)
{
  WbParticipant *self = user_data;
  g_autoptr (GstBuffer) key = key_buffer (self->srtp_recv_key);

  return gst_caps_new_simple ("application/x-srtp",
                              "srtp-key", GST_TYPE_BUFFER, key,
                              "srtp-cipher", G_TYPE_STRING, "aes-128-icm",
                              "srtp-auth", G_TYPE_STRING, "hmac-sha1-80",
                              "srtcp-cipher", G_TYPE_STRING, "aes-128-icm",
                              "srtcp-auth", G_TYPE_STRING, "hmac-sha1-80",
                              NULL);
}

/* rtpbin asks once for the RTP and once for the RTCP decoder of a session;
 * both are the same srtpdec.  Transfer full: rtpbin keeps one reference
 * per request and adds the element to itself once. */
static GstElement *
on_request_decoder (GstElement *rtpbin,
                    guint       session,
                    gpointer    user_data)
{
  WbParticipant *self = user_data;

  if (session >= G_N_ELEMENTS (self->srtpdec))
    return NULL;
  if (self->srtpdec[session] != NULL)
    return gst_object_ref (self->srtpdec[session]);

  self->srtpdec[session] = gst_element_factory_make ("srtpdec", NULL);
  if (self->srtpdec[session] == NULL) {
    GST_ERROR ("%s: srtpdec is missing: SRTP media is dropped", self->id);
    return NULL;
  }
  g_signal_connect (self->srtpdec[session], "request-key", G_CALLBACK (on_request_key), self);
  return self->srtpdec[session];   /* floating */
}

/* One srtpenc serves both sessions, RTP and RTCP.  rtpbin looks up the
 * pads rtp_sink_N/rtp_src_N (rtcp_… for RTCP) as static pads, so they are
 * requested here for session N before the element is handed over. */
static GstElement *
request_encoder (WbParticipant *self,
                 guint          session,
                 const char    *kind)
{
  g_autofree char *pad_name = g_strdup_printf ("%s_sink_%u", kind, session);
  g_autoptr (GstPad) pad = NULL;
  gboolean fresh = FALSE;

  if (self->srtpenc == NULL) {
    g_autoptr (GstBuffer) key = NULL;

    self->srtpenc = gst_element_factory_make ("srtpenc", NULL);
    if (self->srtpenc == NULL) {
      GST_ERROR ("%s: srtpenc is missing: nothing can be sent", self->id);
      return NULL;
    }
    key = key_buffer (self->srtp_send_key);
    g_object_set (self->srtpenc, "key", key, NULL);
    gst_util_set_object_arg (G_OBJECT (self->srtpenc), "rtp-cipher", "aes-128-icm");
    gst_util_set_object_arg (G_OBJECT (self->srtpenc), "rtp-auth", "hmac-sha1-80");
    gst_util_set_object_arg (G_OBJECT (self->srtpenc), "rtcp-cipher", "aes-128-icm");
    gst_util_set_object_arg (G_OBJECT (self->srtpenc), "rtcp-auth", "hmac-sha1-80");
    fresh = TRUE;
  }

  pad = gst_element_request_pad_simple (self->srtpenc, pad_name);
  if (pad == NULL)
    GST_ERROR ("%s: srtpenc gave no %s", self->id, pad_name);

  /* Transfer full: the first time the floating reference, then new ones. */
  return fresh ? self->srtpenc : gst_object_ref (self->srtpenc);
}

static GstElement *
on_request_rtp_encoder (GstElement *rtpbin,
                        guint       session,
                        gpointer    user_data)
{
  return request_encoder (user_data, session, "rtp");
}

static GstElement *
on_request_rtcp_encoder (GstElement *rtpbin,
                         guint       session,
                         gpointer    user_data)
{
  return request_encoder (user_data, session, "rtcp");
}

/* ---- shared Opus routing ----------------------------------------------- */

/*
 * route_lock held: the serial of the block that @packet holds, or 0 when
 * it is not remembered.  An Opus packet starts the encoder's lookahead
 * (6.5 ms) before the block whose samples fill most of it, so its middle,
 * not its start, falls in that block (both encoders, own and shared, time
 * their packets alike).
 */
static guint64
route_find (WbParticipant *self,
            GstBuffer     *packet)
{
  GstClockTime mid = GST_BUFFER_PTS (packet);

  if (!GST_CLOCK_TIME_IS_VALID (mid))
    return 0;
  if (GST_BUFFER_DURATION_IS_VALID (packet))
    mid += GST_BUFFER_DURATION (packet) / 2;

  for (guint64 serial = self->route_count;
       serial > 0 && self->route_count - serial < ROUTE_RING; serial--) {
    const RouteBlock *block = &self->route[serial % ROUTE_RING];

    if (mid >= block->start && mid < block->end)
      return serial;
    if (block->end <= mid)
      break;   /* the older blocks end earlier still */
  }
  return 0;
}

gboolean
wb_participant_route_mix_block (WbParticipant *self,
                                GstBuffer     *block,
                                gboolean       shared)
{
  GstClockTime start = GST_BUFFER_PTS (block);
  GstClockTime duration = GST_BUFFER_DURATION (block);
  g_autoptr (GstBuffer) primer = NULL;

  g_return_val_if_fail (WB_IS_PARTICIPANT (self), TRUE);

  /* mixminus times every block; without times nothing can be matched. */
  if (!GST_CLOCK_TIME_IS_VALID (start) || !GST_CLOCK_TIME_IS_VALID (duration))
    return !shared;

  g_mutex_lock (&self->route_lock);
  self->route_count++;
  self->route[self->route_count % ROUTE_RING] = (RouteBlock) { start, start + duration, shared };
  g_mutex_unlock (&self->route_lock);

  if (shared) {
    gst_buffer_replace (&self->primer, block);
    return FALSE;
  }

  /* Back from the shared mix: the own encoder's packet for this block
   * starts in the block before it (its lookahead), which the encoder has
   * not seen.  Feed it that block first; the packet it makes of the gap
   * before it is one of a shared block, and the gate drops it. */
  primer = g_steal_pointer (&self->primer);
  if (primer != NULL &&
      ABS (GST_CLOCK_DIFF (GST_BUFFER_PTS (primer) + GST_BUFFER_DURATION (primer), start)) <
      GST_MSECOND)
    gst_pad_chain (self->audio_sink, g_steal_pointer (&primer));

  return TRUE;
}

/*
 * The time of a packet, in whole samples from the start of its block.
 * The two encoders agree on that offset (the lookahead) but not always on
 * the fraction of a sample around it: the mixer's first block starts off
 * the sample grid, and the shared encoder, which began with it, keeps
 * that fraction.  RTP timestamps come from these times: they must not
 * move by a sample when a ward switches.
 */
static GstClockTime
route_canonical_pts (GstClockTime block_start,
                     GstClockTime pts)
{
  GstClockTimeDiff offset = GST_CLOCK_DIFF (block_start, pts);
  guint64 samples = gst_util_uint64_scale_int_round (ABS (offset), WB_MIX_RATE, GST_SECOND);
  GstClockTime whole = gst_util_uint64_scale_int_round (samples, GST_SECOND, WB_MIX_RATE);

  if (offset < 0)
    return block_start > whole ? block_start - whole : 0;
  return block_start + whole;
}

/*
 * route_lock held: whether @packet's block was routed to the @shared path,
 * and then its serial and its time on the sample grid.
 */
static gboolean
route_admit (WbParticipant *self,
             GstBuffer     *packet,
             gboolean       shared,
             guint64       *serial,
             GstClockTime  *pts)
{
  *serial = route_find (self, packet);
  if (*serial == 0 || self->route[*serial % ROUTE_RING].shared != shared) {
    GST_LOG ("%s: %s packet at %" GST_TIME_FORMAT " not sent", self->id,
             shared ? "shared" : "own", GST_TIME_ARGS (GST_BUFFER_PTS (packet)));
    return FALSE;
  }
  *pts = route_canonical_pts (self->route[*serial % ROUTE_RING].start, GST_BUFFER_PTS (packet));
  return TRUE;
}

/* The own path's gate, in the thread of the queue before the ward's own
 * encoder: it may wait there for the shared packet of the block before. */
static GstPadProbeReturn
own_packet_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  WbParticipant *self = user_data;
  GstBuffer *packet = GST_PAD_PROBE_INFO_BUFFER (info);
  gint64 deadline = g_get_monotonic_time () + self->route_wait_us;
  GstClockTime pts = GST_CLOCK_TIME_NONE;
  guint64 serial = 0;
  gboolean pass;

  g_mutex_lock (&self->route_lock);
  pass = route_admit (self, packet, FALSE, &serial, &pts);
  /* In block order: wait for the packets of the blocks before it. */
  while (pass && self->route_expect != 0 && serial > self->route_expect &&
         g_cond_wait_until (&self->route_cond, &self->route_lock, deadline))
    ;
  /* Too late: a later block went out first. */
  pass = pass && serial >= self->route_expect;
  g_mutex_unlock (&self->route_lock);

  if (!pass)
    return GST_PAD_PROBE_DROP;
  if (pts != GST_BUFFER_PTS (packet)) {
    packet = gst_buffer_make_writable (packet);
    GST_BUFFER_PTS (packet) = GST_BUFFER_DTS (packet) = pts;
    GST_PAD_PROBE_INFO_DATA (info) = packet;
  }
  return GST_PAD_PROBE_OK;
}

/*
 * shared_lock held: sends the held shared packets, oldest first, as far as
 * the packets of the blocks before them have gone out or been waited for
 * long enough.  The payloader's probe (route_sent_probe) moves
 * route_expect on during each push.
 */
static void
shared_flush (WbParticipant *self,
              gint64         now)
{
  HeldPacket *held;

  while ((held = g_queue_peek_head (&self->shared_held)) != NULL) {
    gboolean late, send;

    g_mutex_lock (&self->route_lock);
    late = held->serial < self->route_expect;     /* a later block went out first */
    send = !late && (self->route_expect == 0 || held->serial == self->route_expect ||
                     now - held->since_us >= self->route_wait_us ||
                     g_queue_get_length (&self->shared_held) > SHARED_HOLD_MAX);
    g_mutex_unlock (&self->route_lock);
    if (!late && !send)
      break;

    g_queue_pop_head (&self->shared_held);
    if (send) {
      firewall_result (self->shared_internal, gst_pad_push (self->shared_internal, held->packet));
    } else {
      GST_LOG ("%s: shared packet at %" GST_TIME_FORMAT " too late", self->id,
               GST_TIME_ARGS (GST_BUFFER_PTS (held->packet)));
      gst_buffer_unref (held->packet);
    }
    g_free (held);
  }
}

/* IDLE on the own encoder's output: right after each own packet has gone
 * out (own path's thread), and once when installed (if the pad is idle). */
static GstPadProbeReturn
held_idle_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  WbParticipant *self = user_data;
  GstPadProbeReturn ret = GST_PAD_PROBE_OK;

  g_mutex_lock (&self->shared_lock);
  shared_flush (self, g_get_monotonic_time ());
  if (g_queue_is_empty (&self->shared_held)) {
    self->held_probe = 0;
    ret = GST_PAD_PROBE_REMOVE;
  }
  g_mutex_unlock (&self->shared_lock);
  return ret;
}

#define HELD_PROBE_INSTALLING G_MAXULONG

/* Without shared_lock: has the own path send what is held once its packet
 * has gone out.  The probe may run, and remove itself, before
 * gst_pad_add_probe() returns. */
static void
watch_own_path (WbParticipant *self)
{
  gulong id;

  g_mutex_lock (&self->shared_lock);
  if (self->held_probe != 0 || g_queue_is_empty (&self->shared_held)) {
    g_mutex_unlock (&self->shared_lock);
    return;
  }
  self->held_probe = HELD_PROBE_INSTALLING;
  g_mutex_unlock (&self->shared_lock);

  id = gst_pad_add_probe (self->own_enc_src, GST_PAD_PROBE_TYPE_IDLE, held_idle_probe, self, NULL);

  g_mutex_lock (&self->shared_lock);
  if (self->held_probe == HELD_PROBE_INSTALLING)
    self->held_probe = id;
  g_mutex_unlock (&self->shared_lock);
}

/*
 * The shared path's chain, in the shared encoder's thread (the "firewall"
 * of the other inputs: always OK).  Never waits: a packet that may not go
 * out yet is held.
 */
static GstFlowReturn
shared_chain (GstPad    *pad,
              GstObject *parent,
              GstBuffer *packet)
{
  WbParticipant *self = gst_pad_get_element_private (pad);
  GstClockTime pts = GST_CLOCK_TIME_NONE;
  gint64 now = g_get_monotonic_time ();
  HeldPacket *held;
  guint64 serial = 0;
  gboolean admitted, waiting;

  g_mutex_lock (&self->route_lock);
  admitted = route_admit (self, packet, TRUE, &serial, &pts);
  g_mutex_unlock (&self->route_lock);
  if (!admitted) {
    gst_buffer_unref (packet);
    return GST_FLOW_OK;
  }

  /* A shared packet is shared by every ward: this ward's own copy, bytes
   * and all.  The payloader puts the packet's memory in the RTP buffer it
   * makes; one GstMemory in every ward's RTP buffer at once has that many
   * parents, added and removed under one lock (a third of the wards' send
   * threads' time at 32 wards, when each ward had one: perf), and a
   * ward's held packet must not change with another's. */
  held = g_new (HeldPacket, 1);
  held->packet = gst_buffer_copy_deep (packet);
  gst_buffer_unref (packet);
  GST_BUFFER_PTS (held->packet) = GST_BUFFER_DTS (held->packet) = pts;
  held->serial = serial;
  held->since_us = now;

  g_mutex_lock (&self->shared_lock);
  g_queue_push_tail (&self->shared_held, held);
  shared_flush (self, now);
  waiting = !g_queue_is_empty (&self->shared_held);
  g_mutex_unlock (&self->shared_lock);

  if (waiting) {
    GST_LOG ("%s: shared packet of block %" G_GUINT64_FORMAT " held for the one before it",
             self->id, serial);
    watch_own_path (self);
  }
  return GST_FLOW_OK;
}

static GstFlowReturn
shared_chain_list (GstPad        *pad,
                   GstObject     *parent,
                   GstBufferList *list)
{
  for (guint i = 0; i < gst_buffer_list_length (list); i++)
    shared_chain (pad, parent, gst_buffer_ref (gst_buffer_list_get (list, i)));
  gst_buffer_list_unref (list);
  return GST_FLOW_OK;
}

/* On the payloader's sink pad, under its stream lock: the packets reach
 * it here in the order they are numbered. */
static GstPadProbeReturn
route_sent_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  WbParticipant *self = user_data;
  GstPadProbeReturn ret = GST_PAD_PROBE_OK;
  guint64 serial;

  g_mutex_lock (&self->route_lock);
  serial = route_find (self, GST_PAD_PROBE_INFO_BUFFER (info));
  if (serial != 0 && serial < self->route_expect) {
    ret = GST_PAD_PROBE_DROP;   /* overtaken after its gate let it through */
  } else if (serial != 0) {
    GST_LOG ("%s: block %" G_GUINT64_FORMAT " (%s) sent, packet at %" GST_TIME_FORMAT, self->id,
             serial, self->route[serial % ROUTE_RING].shared ? "shared" : "own",
             GST_TIME_ARGS (GST_BUFFER_PTS (GST_PAD_PROBE_INFO_BUFFER (info))));
    self->route_expect = serial + 1;
    g_cond_broadcast (&self->route_cond);
  }
  g_mutex_unlock (&self->route_lock);

  return ret;
}

/* ---- construction ------------------------------------------------------- */

/*
 * The audio's jitter stage (session 0) tells the decoder what it lost with
 * GAP events, which wbopusdec rebuilds from the next packet's in-band FEC
 * or conceals: wbrtpjitter right before that next packet, rtpjitterbuffer
 * once it has waited its latency for the lost one.
 */
static void
on_new_jitterbuffer (GstElement *rtpbin,
                     GstElement *jitterbuffer,
                     guint       session,
                     guint       ssrc,
                     gpointer    user_data)
{
  WbParticipant *self = user_data;

  (void) rtpbin;
  (void) ssrc;
  if (session != 0)
    return;
  g_object_set (jitterbuffer, "do-lost", self->audio_codec == WB_AUDIO_CODEC_OPUS, NULL);
}

/*
 * rtpbin asks for each stream's jitter buffer: the audio's is wbrtpjitter,
 * which times packets in the thread that receives them instead of queuing
 * them for a thread of its own (plugins/gstwbrtpjitter.h).  rtpbin sets
 * its "latency" and makes the video's itself.
 */
static GstElement *
on_request_jitterbuffer (GstElement *rtpbin,
                         guint       session,
                         gpointer    user_data)
{
  WbParticipant *self = user_data;
  g_autoptr (GError) error = NULL;
  GstElement *element;

  (void) rtpbin;
  if (session != 0)
    return NULL;
  element = wb_media_make_element ("wbrtpjitter", NULL, &error);
  if (element == NULL)
    GST_WARNING ("%s: %s; rtpjitterbuffer instead", self->id, error->message);
  return element;
}

static gboolean
build_receive (WbParticipant            *self,
               const WbParticipantMedia *media,
               GError                  **error)
{
  /* wbopusdec gives the mixer's format itself (see plugins/gstwbopusdec.h). */
  static const char *const opus_rx[] = { "rtpopusdepay", "wbopusdec", NULL };
  static const char *const pcma_rx[] = { "rtppcmadepay", "alawdec", "audioconvert",
    "audioresample", "capsfilter", NULL };
  static const char *const pcmu_rx[] = { "rtppcmudepay", "mulawdec", "audioconvert",
    "audioresample", "capsfilter", NULL };
  static const char *const h264_rx[] = { "rtph264depay", "avdec_h264", NULL };
  static const char *const vp8_rx[] = { "rtpvp8depay", "vp8dec", NULL };
  const char *const *audio_rx;
  GstElement *audio_last, *video_last;
  GstElement *srcs[WB_N_SOCKETS];
  g_autoptr (GstCaps) mix_caps = gst_caps_from_string (WB_MIX_CAPS);

  self->rtpbin = wb_media_make_element ("rtpbin", "rtpbin", error);
  if (self->rtpbin == NULL)
    return FALSE;
  /* No retransmission requests (rtpbin's default): the SDP offers no RTX
   * and no box sends any.  A lost video packet is recovered by the
   * depayloader's keyframe request (PLI, below), a lost audio packet by
   * FEC or concealment.  With requests on, every jitter buffer's timer
   * thread woke for every packet, for nothing. */
  g_object_set (self->rtpbin,
                "latency", media->jitter_ms,
                "rtp-profile", GST_RTP_PROFILE_AVPF,
                "autoremove", FALSE,     /* see retire_stream() */
                NULL);
  gst_bin_add (GST_BIN (self->bin), self->rtpbin);

  /* Before any pad is requested: rtpbin asks for these as it makes them. */
  if (media->audio_jitter == WB_AUDIO_JITTER_INLINE)
    g_signal_connect (self->rtpbin, "request-jitterbuffer", G_CALLBACK (on_request_jitterbuffer), self);
  if (self->srtp_recv_key != NULL) {
    g_signal_connect (self->rtpbin, "request-rtp-decoder", G_CALLBACK (on_request_decoder), self);
    g_signal_connect (self->rtpbin, "request-rtcp-decoder", G_CALLBACK (on_request_decoder), self);
    g_signal_connect (self->rtpbin, "request-rtp-encoder", G_CALLBACK (on_request_rtp_encoder), self);
    g_signal_connect (self->rtpbin, "request-rtcp-encoder", G_CALLBACK (on_request_rtcp_encoder), self);
  }

  for (guint i = 0; i < WB_N_SOCKETS; i++) {
    srcs[i] = add_source (self, i, media, error);
    if (srcs[i] == NULL)
      return FALSE;
  }

  /* Superseded SSRCs go from the thread that feeds a session's RTCP, and
   * with the shared receiving thread from its RTP's too (the same thread). */
  add_reap_probe (self, srcs[WB_SOCKET_AUDIO_RTCP], 0);
  add_reap_probe (self, srcs[WB_SOCKET_VIDEO_RTCP], 1);
  if (media->receive == WB_RECEIVE_SHARED) {
    add_reap_probe (self, srcs[WB_SOCKET_AUDIO_RTP], 0);
    add_reap_probe (self, srcs[WB_SOCKET_VIDEO_RTP], 1);
  }

  if (!link_pads (srcs[WB_SOCKET_AUDIO_RTP], "src", self->rtpbin, "recv_rtp_sink_0", error) ||
      !link_pads (srcs[WB_SOCKET_AUDIO_RTCP], "src", self->rtpbin, "recv_rtcp_sink_0", error) ||
      !link_pads (srcs[WB_SOCKET_VIDEO_RTP], "src", self->rtpbin, "recv_rtp_sink_1", error) ||
      !link_pads (srcs[WB_SOCKET_VIDEO_RTCP], "src", self->rtpbin, "recv_rtcp_sink_1", error))
    return FALSE;

  /* The box's reports on the hub's audio, in the clear: after the ingress
   * filter, and after srtpdec with SRTP. */
  if (self->srtp_recv_key != NULL && self->srtpdec[0] != NULL)
    add_buffer_probe (self->srtpdec[0], "rtcp_src", audio_rtcp_probe, self);
  else
    add_buffer_probe (self->rtpbin, "recv_rtcp_sink_0", audio_rtcp_probe, self);

  /* Audio: explicit depayloader and decoder per codec, then the mixer's format. */
  switch (self->audio_codec) {
    case WB_AUDIO_CODEC_PCMA:
      audio_rx = pcma_rx;
      break;
    case WB_AUDIO_CODEC_PCMU:
      audio_rx = pcmu_rx;
      break;
    case WB_AUDIO_CODEC_OPUS:
    default:
      audio_rx = opus_rx;
      break;
  }
  if (!add_chain (GST_BIN (self->bin), audio_rx, "audio-rx", &self->audio_depay,
                  &audio_last, error))
    return FALSE;
  if (self->audio_codec != WB_AUDIO_CODEC_OPUS)
    g_object_set (audio_last, "caps", mix_caps, NULL);
  add_ghost (self->bin, audio_last, "src", "audio_src");
  add_buffer_probe (self->audio_depay, "sink", audio_rtp_probe, self);

  /* Video: depayloader asks for a keyframe (PLI) after loss; the decoder
   * asks too when it meets a broken reference, and never shows garbage. */
  if (!add_chain (GST_BIN (self->bin),
                  self->video_codec == WB_VIDEO_CODEC_VP8 ? vp8_rx : h264_rx,
                  "video-rx", &self->video_depay, &video_last, error))
    return FALSE;
  g_object_set (self->video_depay,
                "request-keyframe", TRUE,
                "wait-for-keyframe", TRUE,
                NULL);
  g_object_set (video_last,
                "automatic-request-sync-points", TRUE,
                "discard-corrupted-frames", TRUE,
                NULL);
  if (self->video_codec == WB_VIDEO_CODEC_H264) {
    /* One thread per ward: tiles are small, and frame threading would add
     * frames of latency. */
    g_object_set (video_last, "max-threads", 1, "output-corrupt", FALSE, NULL);
  }
  add_ghost (self->bin, video_last, "src", "video_src");
  add_buffer_probe (self->video_depay, "sink", video_rtp_probe, self);
  add_buffer_probe (video_last, "src", video_frame_probe, self);

  g_signal_connect (self->rtpbin, "pad-added", G_CALLBACK (on_rtpbin_pad_added), self);
  g_signal_connect (self->rtpbin, "new-jitterbuffer", G_CALLBACK (on_new_jitterbuffer), self);

  return TRUE;
}

/*
 * The shared Opus input of an Opus ward (see the top of this file): its
 * ghost pad leads straight into the funnel in front of the payloader,
 * beside the ward's own encoder, and gates in its chain function.  Both
 * encoders have the same settings, hence the same caps; the funnel passes
 * on the sticky events of the input that sent first only, so the
 * payloader is not renegotiated at every switch.
 */
static gboolean
build_shared_input (WbParticipant  *self,
                    GError        **error)
{
  g_autoptr (GstElement) funnel = gst_bin_get_by_name (GST_BIN (self->bin), "audio-tx-5-funnel");
  g_autoptr (GstElement) enc = gst_bin_get_by_name (GST_BIN (self->bin), "audio-tx-4-opusenc");
  g_autoptr (GstElement) pay = gst_bin_get_by_name (GST_BIN (self->bin), "audio-tx-6-rtpopuspay");
  g_autoptr (GstPad) pay_sink = NULL;
  g_autoptr (GstPad) funnel_sink = NULL;
  g_autoptr (GstPad) ghost = NULL;
  g_autoptr (GstProxyPad) internal = NULL;

  if (funnel == NULL || enc == NULL || pay == NULL) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
                 "the Opus send chain has no funnel, encoder or payloader");
    return FALSE;
  }
  g_object_set (funnel, "forward-sticky-events", FALSE, NULL);
  funnel_sink = gst_element_request_pad_simple (funnel, "sink_%u");
  if (funnel_sink == NULL) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION,
                 "the funnel of %s gives no input for the shared encode", self->id);
    return FALSE;
  }
  add_firewalled_ghost (self, funnel, GST_PAD_NAME (funnel_sink), "audio_shared_sink", 2);
  ghost = gst_element_get_static_pad (self->bin, "audio_shared_sink");
  gst_pad_set_element_private (ghost, self);
  gst_pad_set_chain_function (ghost, shared_chain);
  gst_pad_set_chain_list_function (ghost, shared_chain_list);
  internal = gst_proxy_pad_get_internal (GST_PROXY_PAD (ghost));
  self->shared_internal = GST_PAD (internal);     /* borrowed: the ghost keeps it */

  self->audio_sink = gst_element_get_static_pad (self->bin, "audio_sink");
  gst_object_unref (self->audio_sink);   /* borrowed: the bin keeps it */

  self->own_enc_src = gst_element_get_static_pad (enc, "src");
  gst_object_unref (self->own_enc_src);  /* borrowed: the encoder keeps it */
  gst_pad_add_probe (self->own_enc_src, GST_PAD_PROBE_TYPE_BUFFER, own_packet_probe, self, NULL);
  pay_sink = gst_element_get_static_pad (pay, "sink");
  gst_pad_add_probe (pay_sink, GST_PAD_PROBE_TYPE_BUFFER, route_sent_probe, self, NULL);

  return TRUE;
}

static gboolean
build_send (WbParticipant            *self,
            const WbParticipantMedia *media,
            GError                  **error)
{
  static const char *const opus_tx[] = { "queue", "audioconvert", "audioresample",
    "capsfilter", "opusenc", "funnel", "rtpopuspay", NULL };
  static const char *const pcma_tx[] = { "queue", "audioconvert", "audioresample",
    "capsfilter", "alawenc", "rtppcmapay", NULL };
  static const char *const pcmu_tx[] = { "queue", "audioconvert", "audioresample",
    "capsfilter", "mulawenc", "rtppcmupay", NULL };
  const char *const *audio_tx;
  GstElement *audio_first, *audio_last;
  g_autoptr (GstPad) video_send = NULL;
  GstElement *caps_el, *enc = NULL;
  GstElement *sinks[WB_N_SOCKETS];
  g_autoptr (GstCaps) rate_caps = NULL;

  switch (self->audio_codec) {
    case WB_AUDIO_CODEC_PCMA:
      audio_tx = pcma_tx;
      rate_caps = gst_caps_from_string ("audio/x-raw,rate=8000,channels=1");
      break;
    case WB_AUDIO_CODEC_PCMU:
      audio_tx = pcmu_tx;
      rate_caps = gst_caps_from_string ("audio/x-raw,rate=8000,channels=1");
      break;
    case WB_AUDIO_CODEC_OPUS:
    default:
      audio_tx = opus_tx;
      rate_caps = gst_caps_from_string ("audio/x-raw,rate=48000,channels=1");
      break;
  }

  if (!add_chain (GST_BIN (self->bin), audio_tx, "audio-tx", &audio_first, &audio_last, error))
    return FALSE;

  /* The mixer must never wait on one ward's sender: when the encoder falls
   * behind, new audio is dropped.  Limits in buffers, and leaking upstream:
   * a time limit misjudges the level before the first segment, and leaking
   * downstream drops queued sticky events and can reorder them. */
  g_object_set (audio_first,
                "leaky", 1 /* upstream */,
                "max-size-time", (guint64) 0,
                "max-size-buffers", 50,
                "max-size-bytes", 0,
                NULL);
  caps_el = gst_bin_get_by_name (GST_BIN (self->bin), "audio-tx-3-capsfilter");
  g_object_set (caps_el, "caps", rate_caps, NULL);
  gst_object_unref (caps_el);
  {
    /* Every chain has its encoder fifth: count what it encodes. */
    g_autofree char *enc_name = g_strdup_printf ("audio-tx-4-%s", audio_tx[4]);
    g_autoptr (GstElement) encoder = gst_bin_get_by_name (GST_BIN (self->bin), enc_name);

    add_buffer_probe (encoder, "src", audio_encode_probe, self);
  }
  if (self->audio_codec == WB_AUDIO_CODEC_OPUS) {
    enc = gst_bin_get_by_name (GST_BIN (self->bin), "audio-tx-4-opusenc");
    g_object_set (enc,
                  "bitrate", (gint) (media->audio_bitrate_kbps * 1000),
                  "frame-size", WB_OPUS_PTIME_MS,
                  "inband-fec", TRUE,
                  "packet-loss-percentage", (gint) media->audio_expected_loss_percent,
                  NULL);
    self->own_opusenc = enc;
    self->audio_fec = media->audio_expected_loss_percent;
    gst_object_unref (enc);   /* borrowed: the bin keeps it */
    g_object_set (audio_last, "pt", WB_PT_OPUS, NULL);
  }
  add_firewalled_ghost (self, audio_first, "sink", "audio_sink", 0);
  if (self->audio_codec == WB_AUDIO_CODEC_OPUS && !build_shared_input (self, error))
    return FALSE;

  /* The composite goes straight into the ward's RTP session, in the
   * thread that sends it to every ward (the conference's "video-send"
   * queue).  A queue per ward here woke 32 threads for every packet of the
   * composite. */
  video_send = gst_element_request_pad_simple (self->rtpbin, "send_rtp_sink_1");
  if (video_send == NULL) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION,
                 "%s: rtpbin made no video send pad", self->id);
    return FALSE;
  }
  add_firewalled_ghost (self, self->rtpbin, "send_rtp_sink_1", "video_sink", 1);

  sinks[WB_SOCKET_AUDIO_RTP] = add_udpsink (self, WB_SOCKET_AUDIO_RTP, self->remote_audio_port, error);
  sinks[WB_SOCKET_AUDIO_RTCP] = add_udpsink (self, WB_SOCKET_AUDIO_RTCP, self->remote_audio_port + 1, error);
  sinks[WB_SOCKET_VIDEO_RTP] = add_udpsink (self, WB_SOCKET_VIDEO_RTP, self->remote_video_port, error);
  sinks[WB_SOCKET_VIDEO_RTCP] = add_udpsink (self, WB_SOCKET_VIDEO_RTCP, self->remote_video_port + 1, error);
  for (guint i = 0; i < WB_N_SOCKETS; i++) {
    if (sinks[i] == NULL)
      return FALSE;
  }

  if (!link_pads (audio_last, "src", self->rtpbin, "send_rtp_sink_0", error) ||
      !link_pads (self->rtpbin, "send_rtp_src_0", sinks[WB_SOCKET_AUDIO_RTP], "sink", error) ||
      !link_pads (self->rtpbin, "send_rtcp_src_0", sinks[WB_SOCKET_AUDIO_RTCP], "sink", error) ||
      !link_pads (self->rtpbin, "send_rtp_src_1", sinks[WB_SOCKET_VIDEO_RTP], "sink", error) ||
      !link_pads (self->rtpbin, "send_rtcp_src_1", sinks[WB_SOCKET_VIDEO_RTCP], "sink", error))
    return FALSE;

  return TRUE;
}

WbParticipant *
wb_participant_new (const WbEndpointConfig *endpoint,
                    GInetAddress           *remote,
                    guint                   audio_port,
                    guint                   video_port,
                    GSocket * const        *sockets,
                    guint                   hub_base_port,
                    const WbParticipantMedia *media,
                    GBytes                 *srtp_send_key,
                    GBytes                 *srtp_recv_key,
                    GError                **error)
{
  g_autoptr (WbParticipant) self = NULL;
  g_autofree char *bin_name = NULL;
  g_autofree char *label = NULL;

  g_return_val_if_fail (endpoint != NULL && endpoint->id != NULL, NULL);
  g_return_val_if_fail (G_IS_INET_ADDRESS (remote), NULL);
  g_return_val_if_fail (sockets != NULL, NULL);
  g_return_val_if_fail (media != NULL, NULL);
  g_return_val_if_fail ((srtp_send_key == NULL) == (srtp_recv_key == NULL), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  wb_media_ensure_plugin ();   /* wbopusdec, wbrtpjitter */
  if ((srtp_send_key != NULL && g_bytes_get_size (srtp_send_key) != WB_SRTP_MASTER_KEY_LEN) ||
      (srtp_recv_key != NULL && g_bytes_get_size (srtp_recv_key) != WB_SRTP_MASTER_KEY_LEN)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                 "%s: an SRTP master key is %d bytes", endpoint->id, WB_SRTP_MASTER_KEY_LEN);
    return NULL;
  }

  if (audio_port == 0 || video_port == 0 || audio_port > 65534 || video_port > 65534) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                 "%s: ports %u/%u are not valid RTP ports", endpoint->id,
                 audio_port, video_port);
    return NULL;
  }

  self = g_object_new (WB_TYPE_PARTICIPANT, NULL);
  self->route_wait_us = media->route_wait_ms > 0 ? (gint64) media->route_wait_ms * 1000 : ROUTE_WAIT_US;
  self->id = g_strdup (endpoint->id);
  self->name = g_strdup (endpoint->name ? endpoint->name : endpoint->id);
  self->audio_codec = endpoint->audio_codec;
  self->video_codec = endpoint->video_codec;
  self->remote = g_object_ref (remote);
  self->remote_audio_port = audio_port;
  self->remote_video_port = video_port;
  self->hub_base_port = hub_base_port;
  for (guint i = 0; i < WB_N_SOCKETS; i++)
    self->sockets[i] = g_object_ref (sockets[i]);
  if (srtp_send_key != NULL) {
    self->srtp_send_key = g_bytes_ref (srtp_send_key);
    self->srtp_recv_key = g_bytes_ref (srtp_recv_key);
  }

  label = g_strdup_printf ("ward %s", self->id);
  self->ingress = wb_ingress_new (label, remote);
  wb_ingress_set_rtcp_encrypted (self->ingress, srtp_recv_key != NULL);

  bin_name = g_strdup_printf ("participant-%s", self->id);
  self->bin = gst_object_ref_sink (gst_bin_new (bin_name));

  if (!build_receive (self, media, error) || !build_send (self, media, error)) {
    g_prefix_error (error, "%s: ", self->id);
    return NULL;
  }

  return g_steal_pointer (&self);
}

/* ---- accessors ---------------------------------------------------------- */

const char *
wb_participant_get_id (WbParticipant *self)
{
  g_return_val_if_fail (WB_IS_PARTICIPANT (self), NULL);
  return self->id;
}

const char *
wb_participant_get_name (WbParticipant *self)
{
  g_return_val_if_fail (WB_IS_PARTICIPANT (self), NULL);
  return self->name;
}

GstElement *
wb_participant_get_bin (WbParticipant *self)
{
  g_return_val_if_fail (WB_IS_PARTICIPANT (self), NULL);
  return self->bin;
}

guint
wb_participant_get_hub_audio_port (WbParticipant *self)
{
  return self->hub_base_port;
}

guint
wb_participant_get_hub_video_port (WbParticipant *self)
{
  return self->hub_base_port + 2;
}

WbAudioCodec
wb_participant_get_audio_codec (WbParticipant *self)
{
  return self->audio_codec;
}

WbVideoCodec
wb_participant_get_video_codec (WbParticipant *self)
{
  return self->video_codec;
}

GInetAddress *
wb_participant_get_remote (WbParticipant *self)
{
  return self->remote;
}

guint
wb_participant_get_remote_audio_port (WbParticipant *self)
{
  return self->remote_audio_port;
}

guint
wb_participant_get_remote_video_port (WbParticipant *self)
{
  return self->remote_video_port;
}

/* Adds loss and jitter of the ward's (non-internal) sources in @session_id. */
static void
add_session_stats (WbParticipant      *self,
                   guint               session_id,
                   WbParticipantStats *out)
{
  g_autoptr (GObject) session = NULL;
  GValueArray *sources = NULL;

  g_signal_emit_by_name (self->rtpbin, "get-internal-session", session_id, &session);
  if (session == NULL)
    return;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  g_object_get (session, "sources", &sources, NULL);
  for (guint i = 0; sources != NULL && i < sources->n_values; i++) {
    GObject *source = g_value_get_object (g_value_array_get_nth (sources, i));
    g_autoptr (GstStructure) stats = NULL;
    gboolean internal = TRUE;
    gint lost = 0;
    guint jitter = 0, clock_rate = 0;

    g_object_get (source, "stats", &stats, NULL);
    if (stats == NULL)
      continue;
    gst_structure_get_boolean (stats, "internal", &internal);
    if (internal)
      continue;
    gst_structure_get_int (stats, "packets-lost", &lost);
    gst_structure_get_uint (stats, "jitter", &jitter);
    gst_structure_get_int (stats, "clock-rate", (gint *) &clock_rate);
    if (lost > 0)
      out->packets_lost += (guint64) lost;
    if (clock_rate > 0)
      out->jitter_ms = MAX (out->jitter_ms, jitter * 1000.0 / clock_rate);
  }
  g_clear_pointer (&sources, g_value_array_free);
  G_GNUC_END_IGNORE_DEPRECATIONS
}

void
wb_participant_get_stats (WbParticipant      *self,
                          WbParticipantStats *out)
{
  g_return_if_fail (WB_IS_PARTICIPANT (self));
  g_return_if_fail (out != NULL);

  memset (out, 0, sizeof (*out));
  wb_ingress_get_counts (self->ingress, &out->ingress);

  g_mutex_lock (&self->stats_lock);
  out->audio_packets = self->audio_packets;
  out->audio_encodes = self->audio_encodes;
  out->video_packets = self->video_packets;
  out->video_frames = self->video_frames;
  out->last_audio_us = self->last_audio_us;
  out->last_video_us = self->last_video_us;
  out->remote_loss_pct = self->loss_reports > 0 ? self->fraction_lost * 100.0 / 256.0 : 0.0;
  out->remote_loss_reports = self->loss_reports;
  out->audio_fec_pct = self->audio_fec;
  g_mutex_unlock (&self->stats_lock);

  add_session_stats (self, 0, out);
  add_session_stats (self, 1, out);
}

/* The latency of what feeds the ward's inputs (the mixer's src_K, the
 * composite), for the answers of its input pads; see answer_latency_query(). */
void
wb_participant_set_upstream_latency (WbParticipant *self,
                                     GstClockTime   audio,
                                     GstClockTime   video)
{
  /* The shared Opus input is the mixer's full mix, encoded. */
  GstClockTime values[3] = { audio, video, audio };

  g_return_if_fail (WB_IS_PARTICIPANT (self));

  for (guint i = 0; i < G_N_ELEMENTS (values); i++) {
    LatencyAnswer *answer = self->latency_answers[i];

    if (answer == NULL || !GST_CLOCK_TIME_IS_VALID (values[i]))
      continue;
    g_mutex_lock (&answer->lock);
    answer->min = values[i];
    g_mutex_unlock (&answer->lock);
  }
}

void
wb_participant_get_last_seen (WbParticipant *self,
                              gint64        *last_audio_us,
                              gint64        *last_video_us)
{
  g_return_if_fail (WB_IS_PARTICIPANT (self));

  g_mutex_lock (&self->stats_lock);
  *last_audio_us = self->last_audio_us;
  *last_video_us = self->last_video_us;
  g_mutex_unlock (&self->stats_lock);
}

guint
wb_participant_get_loss_reports (WbParticipant *self,
                                 guint8        *fraction_lost)
{
  guint reports;

  g_return_val_if_fail (WB_IS_PARTICIPANT (self), 0);

  g_mutex_lock (&self->stats_lock);
  reports = self->loss_reports;
  *fraction_lost = self->fraction_lost;
  g_mutex_unlock (&self->stats_lock);
  return reports;
}

void
wb_participant_set_audio_fec (WbParticipant *self,
                              guint          percent)
{
  g_return_if_fail (WB_IS_PARTICIPANT (self));

  if (self->own_opusenc == NULL || percent == self->audio_fec)
    return;
  /* opusenc applies it from its next frame, under its own lock. */
  g_object_set (self->own_opusenc, "packet-loss-percentage", (gint) percent, NULL);
  g_mutex_lock (&self->stats_lock);
  self->audio_fec = percent;
  g_mutex_unlock (&self->stats_lock);
}

guint
wb_participant_get_audio_fec (WbParticipant *self)
{
  g_return_val_if_fail (WB_IS_PARTICIPANT (self), 0);

  return self->audio_fec;
}

void
wb_participant_request_keyframe (WbParticipant *self)
{
  g_autoptr (GstPad) sinkpad = NULL;

  g_return_if_fail (WB_IS_PARTICIPANT (self));

  /* Upstream through the jitter buffer to the RTP session, which turns it
   * into an RTCP PLI to the ward. */
  sinkpad = gst_element_get_static_pad (self->video_depay, "sink");
  gst_pad_push_event (sinkpad,
                      gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE,
                                                                   TRUE, 0));
}

/* ---- GObject ------------------------------------------------------------ */

static void
wb_participant_dispose (GObject *object)
{
  WbParticipant *self = WB_PARTICIPANT (object);

  /* The conference has taken the bin out of the pipeline; stop its threads
   * before the probes' data goes away. */
  g_mutex_lock (&self->shared_lock);
  if (self->held_probe != 0 && self->held_probe != HELD_PROBE_INSTALLING)
    gst_pad_remove_probe (self->own_enc_src, self->held_probe);
  self->held_probe = 0;
  g_mutex_unlock (&self->shared_lock);
  if (self->bin != NULL) {
    gst_element_set_state (self->bin, GST_STATE_NULL);
    g_clear_pointer (&self->bin, gst_object_unref);
  }
  self->rtpbin = NULL;
  self->srtpdec[0] = self->srtpdec[1] = self->srtpenc = NULL;
  self->audio_depay = NULL;
  self->video_depay = NULL;
  self->audio_sink = NULL;
  self->own_opusenc = NULL;
  self->shared_internal = NULL;
  self->own_enc_src = NULL;
  for (guint i = 0; i < WB_N_SOCKETS; i++) {
    if (self->sockets[i] != NULL)
      g_socket_close (self->sockets[i], NULL);
    g_clear_object (&self->sockets[i]);
  }

  G_OBJECT_CLASS (wb_participant_parent_class)->dispose (object);
}

static void
wb_participant_finalize (GObject *object)
{
  WbParticipant *self = WB_PARTICIPANT (object);

  g_clear_pointer (&self->ingress, wb_ingress_free);
  gst_clear_buffer (&self->primer);
  for (guint i = 0; i < self->retired->len; i++)
    retired_stream_clear (&g_array_index (self->retired, RetiredStream, i));
  g_array_unref (self->retired);
  g_mutex_clear (&self->retired_lock);
  while (!g_queue_is_empty (&self->shared_held)) {
    HeldPacket *held = g_queue_pop_head (&self->shared_held);

    gst_buffer_unref (held->packet);
    g_free (held);
  }
  g_mutex_clear (&self->shared_lock);
  g_mutex_clear (&self->route_lock);
  g_cond_clear (&self->route_cond);
  g_clear_pointer (&self->srtp_send_key, g_bytes_unref);
  g_clear_pointer (&self->srtp_recv_key, g_bytes_unref);
  g_clear_object (&self->remote);
  g_mutex_clear (&self->stats_lock);
  g_free (self->id);
  g_free (self->name);

  G_OBJECT_CLASS (wb_participant_parent_class)->finalize (object);
}

static void
wb_participant_class_init (WbParticipantClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wb_participant_dispose;
  object_class->finalize = wb_participant_finalize;

  GST_DEBUG_CATEGORY_INIT (wb_participant_debug, "wb-participant", 0,
                           "wardbridge participant bin");
}

static void
wb_participant_init (WbParticipant *self)
{
  g_mutex_init (&self->route_lock);
  g_cond_init (&self->route_cond);
  g_mutex_init (&self->shared_lock);
  g_queue_init (&self->shared_held);
  g_mutex_init (&self->stats_lock);
  g_mutex_init (&self->retired_lock);
  self->retired = g_array_new (FALSE, FALSE, sizeof (RetiredStream));
}
