/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbParticipant: one ward inside a running conference.  It owns the ward's
 * GstBin (added to the conference pipeline by WbConference), the four hub
 * UDP sockets the ward talks to, and the ingress filter in front of them:
 *
 *   wbudpsrc or udpsrc (hub audio RTP/RTCP, video RTP/RTCP) ─▶ WbIngress probe ─▶ rtpbin
 *   rtpbin ─▶ depayloader ─▶ decoder ─▶ ghost "audio_src" / "video_src"
 *   ghost "audio_sink" (this ward's mix-minus) ─▶ encoder ─▶ payloader ─▶ rtpbin ─▶ udpsink
 *   ghost "video_sink" (the composite, RTP)              ─▶ rtpbin ─▶ udpsink
 *
 * An Opus ward has a second audio input, ghost "audio_shared_sink": the
 * packets of the conference's one Opus encode of the full mix.  Whenever
 * the ward's own input is not in the mix, its mix-minus IS the full mix:
 * the conference then tells it so (wb_participant_route_mix_block()), the
 * block skips the ward's own encoder, and the shared packet of that block
 * goes out in its place, through the same payloader (one SSRC, continuous
 * sequence numbers and timestamps):
 *
 *   "audio_sink" ─▶ queue ─▶ … ─▶ opusenc ─▶ gate ─┐
 *   "audio_shared_sink" ─▶ queue ─────────▶ gate ─┴▶ funnel ─▶ rtpopuspay ─▶ rtpbin
 *
 * The gates pass, per block, the packet of the path the block was routed
 * to, in block order.
 *
 * The hub sends from the same sockets it receives on (symmetric RTP), so a
 * ward behind a firewall sees replies from the port it sends to.  RTCP goes
 * to the ward's port + 1.
 *
 * Created and torn down on the main context by WbConference, which is the
 * only owner.  Streaming threads only touch the ingress counters and the
 * last-seen times, both under locks.
 */
#pragma once

#include <gio/gio.h>
#include <gst/gst.h>

#include "common/wb-config.h"
#include "media/wb-ingress.h"

G_BEGIN_DECLS

/* What the mixer eats and produces: S16LE mono at 48 kHz. */
#define WB_MIX_RATE     48000
#define WB_MIX_CHANNELS 1
#define WB_MIX_CAPS     "audio/x-raw,format=S16LE,layout=interleaved,rate=48000,channels=1"

/* Opus packet duration the hub sends and expects from the boxes (their
 * agents encode 20 ms frames too). */
#define WB_OPUS_PTIME_MS 20

/* RTP payload types on the wire (DESIGN.md §2). */
#define WB_PT_OPUS 111
#define WB_PT_PCMA 8
#define WB_PT_PCMU 0
#define WB_PT_H264 96
#define WB_PT_VP8  97

/* SRTP as DESIGN.md §2 asks: AES-128-CM with HMAC-SHA1-80, RTP and RTCP.
 * A master key is 16 bytes of key and 14 of salt. */
#define WB_SRTP_SUITE          "AES_CM_128_HMAC_SHA1_80"
#define WB_SRTP_MASTER_KEY_LEN 30

/* Indexes into the participant's four hub sockets. */
typedef enum {
  WB_SOCKET_AUDIO_RTP,
  WB_SOCKET_AUDIO_RTCP,
  WB_SOCKET_VIDEO_RTP,
  WB_SOCKET_VIDEO_RTCP,
  WB_N_SOCKETS
} WbSocketIndex;

typedef struct {
  WbIngressCounts ingress;      /* all four sockets together */
  guint64 audio_packets;        /* RTP packets out of the jitter buffer */
  guint64 audio_encodes;        /* frames this ward's own audio encoder made (not
                                 * the shared packets it was sent) */
  guint64 video_packets;
  guint64 video_frames;         /* decoded */
  gint64  last_audio_us;        /* g_get_monotonic_time(); 0: never */
  gint64  last_video_us;
  guint64 packets_lost;         /* from rtpbin's sources, audio + video */
  double  jitter_ms;            /* largest interarrival jitter of the two */
  double  remote_loss_pct;      /* the box's newest RTCP report on the hub's audio:
                                 * what it lost of it, percent; 0 without one */
  guint   remote_loss_reports;  /* how many such reports were read (after
                                 * SRTP decryption where the ward uses it) */
  guint   audio_fec_pct;        /* the loss the ward's own Opus encoder plans
                                 * its in-band FEC for */
  guint64 audio_overflow;       /* decoded audio dropped because the mixer
                                 * was over 320 ms behind the ward's input
                                 * (filled in by the conference, which owns
                                 * that input) */
} WbParticipantStats;

/* The conference's media settings a ward's bin is built with ([media]). */
typedef struct {
  guint jitter_ms;                    /* how late a packet may come */
  WbAudioJitter audio_jitter;         /* what times the incoming audio */
  WbReceive receive;                  /* what reads the ward's sockets */
  guint receive_batch_ms;             /* wbudpsrc's "batch-interval" */
  guint audio_bitrate_kbps;           /* the ward's own Opus encode */
  guint audio_expected_loss_percent;  /* its in-band FEC; 0: none */
  guint route_wait_ms;                /* how long a packet waits for the block
                                       * before it on the other path; 0: 40 */
} WbParticipantMedia;

#define WB_TYPE_PARTICIPANT (wb_participant_get_type ())
G_DECLARE_FINAL_TYPE (WbParticipant, wb_participant, WB, PARTICIPANT, GObject)

/*
 * Builds the ward's bin (not yet in any pipeline).  @sockets are bound hub
 * sockets in WbSocketIndex order, at @hub_base_port .. +3; the participant
 * takes its own references.  @remote is the ward's address (sent to, and
 * the only source accepted); @audio_port and @video_port are the ward's
 * RTP ports (RTCP on the next ones), @media the settings its bin is
 * built with.  With @srtp_send_key and
 * @srtp_recv_key (WB_SRTP_MASTER_KEY_LEN bytes each, both or neither) all
 * media and RTCP are SRTP: the hub encrypts with the send key and accepts
 * only what authenticates with the receive key.
 */
WbParticipant *wb_participant_new (const WbEndpointConfig *endpoint,
                                   GInetAddress           *remote,
                                   guint                   audio_port,
                                   guint                   video_port,
                                   GSocket * const        *sockets,
                                   guint                   hub_base_port,
                                   const WbParticipantMedia *media,
                                   GBytes                 *srtp_send_key,
                                   GBytes                 *srtp_recv_key,
                                   GError                **error);

const char *wb_participant_get_id            (WbParticipant *self);
const char *wb_participant_get_name          (WbParticipant *self);
GstElement *wb_participant_get_bin           (WbParticipant *self);
guint       wb_participant_get_hub_audio_port (WbParticipant *self);
guint       wb_participant_get_hub_video_port (WbParticipant *self);
WbAudioCodec wb_participant_get_audio_codec  (WbParticipant *self);
WbVideoCodec wb_participant_get_video_codec  (WbParticipant *self);
GInetAddress *wb_participant_get_remote      (WbParticipant *self);
guint       wb_participant_get_remote_audio_port (WbParticipant *self);
guint       wb_participant_get_remote_video_port (WbParticipant *self);

void        wb_participant_get_stats (WbParticipant      *self,
                                      WbParticipantStats *out);

/* Just the last-seen times of wb_participant_get_stats(), without asking
 * rtpbin: cheap enough for the conference's 250 ms tick. */
void        wb_participant_get_last_seen (WbParticipant *self,
                                          gint64        *last_audio_us,
                                          gint64        *last_video_us);

/* How many RTCP reports on the hub's audio the ward's box has sent, and
 * in @fraction_lost the newest one's fraction lost (256ths; the worst of
 * its report blocks).  Read from the reports as they arrive, without
 * asking rtpbin: cheap enough for the tick.  Any thread. */
guint       wb_participant_get_loss_reports (WbParticipant *self,
                                             guint8        *fraction_lost);

/* The loss the ward's own Opus encoder plans its in-band FEC for
 * (packet-loss-percentage); nothing for other codecs.  The conference's
 * thread. */
void        wb_participant_set_audio_fec (WbParticipant *self,
                                          guint          percent);
guint       wb_participant_get_audio_fec (WbParticipant *self);

/*
 * Opus wards only.  Called from the mixer's streaming thread for every
 * block of the ward's mix-minus, before the block goes on to "audio_sink"
 * and before any packet encoded from the block's full mix can reach
 * "audio_shared_sink" (mixminus pushes src_K before "src").  @shared: the
 * block is the conference's full mix, whose shared packet the ward sends.
 * Returns TRUE when the block must go on to the ward's own encoder, FALSE
 * when it must be dropped.  Never blocks.
 */
gboolean    wb_participant_route_mix_block (WbParticipant *self,
                                            GstBuffer     *block,
                                            gboolean       shared);

/* Asks the ward for a keyframe (RTCP PLI through the video session). */
void        wb_participant_request_keyframe (WbParticipant *self);

void        wb_participant_set_upstream_latency (WbParticipant *self,
                                                 GstClockTime   audio,
                                                 GstClockTime   video);

G_END_DECLS
