/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbConference: one running conference = one GStreamer pipeline (DESIGN.md
 * §2).  It mixes the wards' audio with the `mixminus` element (each ward
 * hears everyone but itself), composites their video into one canvas with
 * name labels and signal-lost slates, encodes that canvas once (H.264) and
 * sends the same packets to every ward.  Wards join and leave while the
 * pipeline plays; nothing one ward does stalls the others.
 *
 * This is the whole interface the control plane uses; GStreamer stays
 * inside src/media/.  Owned by the control plane's ConferenceManager.  All
 * functions are called on the main context that created the conference;
 * signals are emitted there too.  gst_init() must have run; the first
 * conference registers our static "wardbridge" plugin (mixminus) unless the
 * registry already has it, so the daemon need not.
 *
 * Typical use:
 *
 *   conf = wb_conference_new (config, "c1", "Giao ban", WB_LAYOUT_GRID, FALSE, &error);
 *   wb_conference_add_endpoint (conf, ep, "203.0.113.7", 5004, 5006, &info, &error);
 *   ... answer the join with info->hub_audio_port, info->sdp ...
 *   wb_conference_set_layout (conf, WB_LAYOUT_SPEAKER);
 *   wb_conference_remove_endpoint (conf, "ward-01", &error);
 *   wb_conference_end (conf);
 */
#pragma once

#include <gio/gio.h>

#include "common/wb-config.h"
#include "media/wb-join-info.h"
#include "media/wb-layout.h"
#include "media/wb-participant.h"

G_BEGIN_DECLS

#define WB_CONFERENCE_ERROR (wb_conference_error_quark ())
GQuark wb_conference_error_quark (void);

typedef enum {
  WB_CONFERENCE_ERROR_FAILED,          /* the pipeline could not be built or started */
  WB_CONFERENCE_ERROR_ENDED,           /* the conference has ended */
  WB_CONFERENCE_ERROR_ALREADY_JOINED,  /* the ward is already in this conference */
  WB_CONFERENCE_ERROR_NOT_JOINED,      /* the ward is not in this conference */
  WB_CONFERENCE_ERROR_NO_PORTS,        /* the hub's RTP port range is used up */
  WB_CONFERENCE_ERROR_INVALID,         /* bad address, ports or arguments */
  WB_CONFERENCE_ERROR_NOT_READY,       /* e.g. a snapshot before the first frame */
} WbConferenceError;

typedef enum {
  WB_PARTICIPANT_STATE_JOINING,   /* added, nothing received yet */
  WB_PARTICIPANT_STATE_LIVE,      /* media arriving */
  WB_PARTICIPANT_STATE_STALLED,   /* no media for WB_CONFERENCE_STALL_MS */
} WbParticipantState;

/* A ward whose video stops for this long gets the slate; its picture comes
 * back on the first tick after frames arrive again (ticks every 250 ms).
 * 1.5 s plus a tick stays inside the 2 s DESIGN asks for, and rides out the
 * gaps of a box whose frames come late on a loaded link or machine. */
#define WB_CONFERENCE_STALL_MS        1500
#define WB_CONFERENCE_TICK_MS         250
/* LATENCY messages gathered this long before one recalculation. */
#define WB_CONFERENCE_LATENCY_GATHER_MS 100
/* The speaker layout keeps a new active speaker at least this long. */
#define WB_CONFERENCE_SPEAKER_HOLD_MS 2000
/* At most one keyframe per this interval, however many wards ask. */
#define WB_CONFERENCE_KEYFRAME_MIN_MS 1000


/* One ward's line in wb_conference_get_participants(). */
typedef struct {
  char              *endpoint_id;
  WbParticipantState state;
  gboolean           muted;
  gboolean           talking;
  gboolean           signal_lost;   /* its tile shows the slate */
  WbParticipantStats media;
} WbParticipantReport;

void wb_participant_report_free (WbParticipantReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WbParticipantReport, wb_participant_report_free)

const char *wb_participant_state_to_string (WbParticipantState state);

#define WB_TYPE_CONFERENCE (wb_conference_get_type ())
G_DECLARE_FINAL_TYPE (WbConference, wb_conference, WB, CONFERENCE, GObject)

/*
 * Builds and starts the pipeline: canvas from [media], jitter buffer from
 * [media] jitter-ms, hub ports from [hub].  With @record, the composite and
 * the full mix are written to [store] state-dir/recordings/ID-TIME.mkv
 * (Matroska, H.264 + Opus), closed properly by wb_conference_end(): the
 * daemon must end its conferences before it exits.
 *
 * Signals:
 *   "participant-state" (const char *endpoint_id, guint WbParticipantState)
 *   "talking"           (const char *endpoint_id, gboolean talking)
 *   "speaker"           (const char *endpoint_id): the speaker layout's big tile changed
 *   "error"             (const char *endpoint_id or NULL, GError *error): a ward's
 *                       branch failed (the others go on), or with NULL the whole
 *                       conference failed and should be ended
 */
WbConference *wb_conference_new (const WbConfig *config,
                                 const char     *id,
                                 const char     *title,
                                 WbLayoutKind    layout,
                                 gboolean        record,
                                 GError        **error);

const char  *wb_conference_get_id        (WbConference *self);
const char  *wb_conference_get_title     (WbConference *self);
WbLayoutKind wb_conference_get_layout    (WbConference *self);
gboolean     wb_conference_get_recording (WbConference *self);
/* The recording's file, or NULL when not recording. */
const char  *wb_conference_get_recording_path (WbConference *self);
gboolean     wb_conference_is_ended      (WbConference *self);
/* TRUE when the mixminus element is present and audio is mixed. */
gboolean     wb_conference_has_audio_mixer (WbConference *self);

/*
 * Joins @endpoint: binds four hub ports, starts receiving from
 * @remote_address and sending the ward its mix-minus and the composite to
 * @audio_port/@video_port (RTCP on the next ports), and asks the encoder
 * for a keyframe.  For a static endpoint pass @remote_address NULL and
 * ports 0 to use its configured address and ports.  On success stores the
 * join answer in @out_info (optional, free with wb_join_info_free()).
 */
gboolean wb_conference_add_endpoint (WbConference            *self,
                                     const WbEndpointConfig  *endpoint,
                                     const char              *remote_address,
                                     guint                    audio_port,
                                     guint                    video_port,
                                     WbJoinInfo             **out_info,
                                     GError                 **error);

gboolean wb_conference_remove_endpoint (WbConference  *self,
                                        const char    *endpoint_id,
                                        GError       **error);

gboolean wb_conference_has_endpoint (WbConference *self,
                                     const char   *endpoint_id);

/* Muted: the ward's audio leaves every mix (it still hears the others). */
gboolean wb_conference_set_muted (WbConference  *self,
                                  const char    *endpoint_id,
                                  gboolean       muted,
                                  GError       **error);

void     wb_conference_set_layout (WbConference *self,
                                   WbLayoutKind  layout);

/* The ward shown large by presenter (and single); NULL unpins. */
gboolean wb_conference_set_presenter (WbConference  *self,
                                      const char    *endpoint_id,
                                      GError       **error);
const char *wb_conference_get_presenter (WbConference *self);

/* The active speaker shown large by the speaker layout, or NULL. */
const char *wb_conference_get_speaker (WbConference *self);

/*
 * Where ward @endpoint_id's tile is on the canvas now (FALSE if it is not
 * in the conference or not shown).  Tests and the console use this.
 */
gboolean wb_conference_get_tile (WbConference *self,
                                 const char   *endpoint_id,
                                 WbTileRect   *out);

/* The hub RTP ports ward @endpoint_id sends to (RTCP on the next ones). */
gboolean wb_conference_get_hub_ports (WbConference *self,
                                      const char   *endpoint_id,
                                      guint        *audio_port,
                                      guint        *video_port);

/* The pipeline itself, for tests and debugging (dot dumps) only; the
 * control plane must not touch it.  Transfer full. */
GstElement *wb_conference_get_pipeline (WbConference *self);

/* Counters since the conference started, for /metrics. */
typedef struct {
  guint64 audio_encodes;           /* audio frames encoded: the wards' own encoders (left
                                    * ones included) and the shared Opus encode of the
                                    * full mix */
  guint64 video_encodes;           /* composite frames encoded */
  guint64 mixer_deadline_misses;   /* mix blocks handed on after their deadline */
} WbConferenceCounters;

void wb_conference_get_counters (WbConference         *self,
                                 WbConferenceCounters *out);

/* Every ward in join order, element-type WbParticipantReport. */
GPtrArray *wb_conference_get_participants (WbConference *self);

/*
 * The current composite as a JPEG, encoded in a worker thread.  Fails with
 * WB_CONFERENCE_ERROR_NOT_READY before the first composite frame.
 */
void    wb_conference_snapshot_jpeg        (WbConference        *self,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
GBytes *wb_conference_snapshot_jpeg_finish (WbConference  *self,
                                            GAsyncResult  *result,
                                            GError       **error);

/* Finishes the recording (waits up to 5 s for the file to be closed),
 * removes every ward, stops the pipeline and releases all ports.  Safe to
 * call twice; also done on the last unref. */
void wb_conference_end (WbConference *self);

G_END_DECLS
