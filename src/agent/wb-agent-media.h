/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbAgentMedia: the ward box's media, one GstPipeline per meeting.
 *
 * It sends the camera and microphone (or, simulated, a moving test picture
 * with the ward's name and a tone of the ward's own frequency) as H.264
 * (or VP8) and Opus (or G.711) over RTP through an rtpbin, and plays what
 * the hub sends back: audio and video sinks, or headless, where it writes
 * the received streams to a Matroska file or discards them while counting.
 *
 * The four UDP sockets (audio RTP/RTCP, video RTP/RTCP, RTCP on RTP + 1)
 * are bound once by wb_agent_media_bind() and kept across meetings, so the
 * ports the box announces in its join stay true.  The same sockets send,
 * so the hub sees the box's packets come from the ports it announced
 * (symmetric RTP).  When the join answer carries an SRTP key, both
 * directions are SRTP (AES_CM_128_HMAC_SHA1_80) through rtpbin's
 * encoder/decoder signals.
 *
 * Owned by WbAgent; lives on the main context.  Errors of the running
 * pipeline are reported by the "error" signal (GError *).
 */
#pragma once

#include <gst/gst.h>

#include "common/wb-config.h"

#include "wb-join-info.h"

G_BEGIN_DECLS

typedef struct {
  gboolean simulate;
  char *label;            /* simulate: the text on the picture; NULL: the default label */
  guint tone_hz;          /* simulate: the tone's frequency */
  char *camera;           /* a V4L2 device, "/dev/video0" */
  char *microphone;       /* "auto", "pulse:NAME" or "alsa:DEVICE" */
  guint width;
  guint height;
  guint framerate;
  guint video_kbps;
  guint audio_kbps;
  gboolean headless;
  char *record_path;      /* headless: write what is received here; NULL: discard */
  char *audio_sink;       /* playing: an element name, "autoaudiosink" */
  char *video_sink;       /* playing: an element name, "autovideosink" */
  char *bind_address;     /* local address of the sockets; NULL: any */
  guint audio_port;       /* local RTP ports; 0: any free even port */
  guint video_port;
  guint latency_ms;       /* jitter buffer of what is received */
  guint audio_expected_loss;  /* Opus FEC planned for this % of loss, or
                               * WB_AUDIO_EXPECTED_LOSS_AUTO: for what the
                               * hub reports losing (common/wb-fec-plan.h) */
} WbMediaSettings;

#define WB_MEDIA_DEFAULT_WIDTH       640
#define WB_MEDIA_DEFAULT_HEIGHT      360
#define WB_MEDIA_DEFAULT_FRAMERATE   15
#define WB_MEDIA_DEFAULT_VIDEO_KBPS  600
#define WB_MEDIA_DEFAULT_AUDIO_KBPS  32
#define WB_MEDIA_DEFAULT_LATENCY_MS  80

void wb_media_settings_init  (WbMediaSettings *settings);
void wb_media_settings_clear (WbMediaSettings *settings);

/* Counters of what was received since the meeting started. */
typedef struct {
  guint64 audio_packets;
  guint64 video_packets;
  guint64 bytes;
  guint64 audio_frames;   /* depayloaded audio frames */
  guint64 video_frames;   /* depayloaded video access units */
  guint64 audio_decoded;  /* playing: decoded audio buffers */
  guint64 video_decoded;  /* playing: decoded pictures */
  double remote_loss_pct; /* the loss of this box's audio the hub last reported */
  guint remote_loss_reports; /* the hub's reports on this box's audio seen */
  guint audio_fec_pct;    /* the loss this box's Opus FEC is planned for */
} WbMediaStats;

#define WB_TYPE_AGENT_MEDIA (wb_agent_media_get_type ())
G_DECLARE_FINAL_TYPE (WbAgentMedia, wb_agent_media, WB, AGENT_MEDIA, GObject)

/* Copies @settings. */
WbAgentMedia *wb_agent_media_new (const WbMediaSettings *settings);

/* Binds the four sockets (once; later calls do nothing). */
gboolean wb_agent_media_bind (WbAgentMedia  *self,
                              GError       **error);
guint    wb_agent_media_get_audio_port (WbAgentMedia *self);
guint    wb_agent_media_get_video_port (WbAgentMedia *self);

/* The label shown when the settings name none: the ward's name as the
 * hub knows it.  Applies from the next meeting. */
void     wb_agent_media_set_default_label (WbAgentMedia *self,
                                           const char   *label);

/* Builds the meeting's pipeline for @join and sets it playing; a running
 * one is stopped first. */
gboolean wb_agent_media_start (WbAgentMedia      *self,
                               const WbJoinInfo  *join,
                               GError           **error);
/* Stops and drops the pipeline (the file, if any, is finished). */
void     wb_agent_media_stop  (WbAgentMedia *self);
gboolean wb_agent_media_is_running (WbAgentMedia *self);
void     wb_agent_media_get_stats  (WbAgentMedia *self,
                                    WbMediaStats *stats);

/* The simulated tone of a ward: 300 + 20 * N Hz for "ward-N" (ward-01:
 * 320 Hz ... ward-32: 940 Hz); 440 Hz for an id without a number. */
guint    wb_agent_media_tone_for_ward (const char *ward_id);

G_END_DECLS
