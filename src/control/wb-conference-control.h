/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbConferenceControl: what the HTTP API asks of the conference manager
 * (the media plane's owner), as a GObject interface.  The daemon hands
 * WbApi an object implementing it; the API tests use a fake.  All calls
 * are made on the main context and must not block it: start/end return at
 * once with the conference in "starting"/"ending" and report progress on
 * the event bus; the snapshot is asynchronous.
 *
 * The implementation publishes the conference events on the event bus
 * (conference.started, conference.ended, participant.joined,
 * participant.left) and moves the wards in the endpoint registry; the API
 * itself publishes nothing for conferences.
 *
 * Errors (WB_CONFERENCE_CONTROL_ERROR) map to HTTP statuses:
 *   NOT_FOUND 404, NOT_PARTICIPANT 404, NO_CONFERENCE 409, BUSY 409,
 *   INVALID 422, UNAVAILABLE 503, FAILED 500.
 */
#pragma once

#include <gio/gio.h>

#include "common/wb-config.h"
#include "control/wb-endpoint-registry.h"
#include "store/wb-store.h"

G_BEGIN_DECLS

#define WB_CONFERENCE_CONTROL_ERROR (wb_conference_control_error_quark ())
GQuark wb_conference_control_error_quark (void);

typedef enum {
  WB_CONFERENCE_CONTROL_ERROR_NOT_FOUND,        /* no running conference with that id */
  WB_CONFERENCE_CONTROL_ERROR_NOT_PARTICIPANT,  /* the ward is not in that conference */
  WB_CONFERENCE_CONTROL_ERROR_NO_CONFERENCE,    /* join/leave: the ward is in no running conference */
  WB_CONFERENCE_CONTROL_ERROR_BUSY,             /* start: a ward is already in another conference */
  WB_CONFERENCE_CONTROL_ERROR_INVALID,          /* a value the media plane cannot use */
  WB_CONFERENCE_CONTROL_ERROR_UNAVAILABLE,      /* not now (no frame yet, pipeline restarting) */
  WB_CONFERENCE_CONTROL_ERROR_FAILED,
} WbConferenceControlError;

typedef enum {
  WB_CONFERENCE_STATE_STARTING,
  WB_CONFERENCE_STATE_RUNNING,
  WB_CONFERENCE_STATE_ENDING,
  WB_CONFERENCE_STATE_ENDED,
} WbConferenceState;

const char *wb_conference_state_to_string (WbConferenceState state);

typedef struct {
  char *endpoint_id;
  WbEndpointState state;
  gboolean talking;
  gboolean muted;
  gint64 joined_us;      /* wall clock; 0 = not joined yet */
} WbParticipantInfo;

/* A snapshot of one conference, owned by the caller. */
typedef struct {
  char *id;
  char *title;
  WbConferenceState state;
  WbLayoutKind layout;
  char *presenter;         /* NULL: none pinned */
  gboolean record;
  char *booking_id;        /* NULL: started by hand */
  gint64 started_us;
  gint64 ended_us;         /* 0 while running */
  GPtrArray *participants; /* element-type WbParticipantInfo, owned */

  /* Figures for /metrics: counters since the start. */
  guint64 audio_encodes;
  guint64 video_encodes;
  guint64 mixer_deadline_misses;
} WbConferenceInfo;

WbConferenceInfo  *wb_conference_info_new  (void);
void               wb_conference_info_free (WbConferenceInfo *info);
WbParticipantInfo *wb_conference_info_add_participant (WbConferenceInfo *info,
                                                       const char       *endpoint_id);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WbConferenceInfo, wb_conference_info_free)

/* POST /api/v1/conferences, validated by the API. */
typedef struct {
  const char *title;
  gboolean all_endpoints;
  const char *const *endpoints;   /* configured ward ids, sorted, no duplicates */
  WbLayoutKind layout;
  gboolean record;
} WbConferenceSpec;

/* PATCH /api/v1/conferences/{id}: only the has_* members are changed. */
typedef struct {
  gboolean has_title;
  const char *title;
  gboolean has_layout;
  WbLayoutKind layout;
  gboolean has_presenter;
  const char *presenter;          /* NULL: unpin */
} WbConferenceChanges;

/* What the hub tells a joining ward; the API adds the hub's host, the
 * codecs of the ward's configuration and the SDP. */
typedef struct {
  char *conference_id;
  guint hub_audio_port;           /* where the ward sends RTP; RTCP on +1 */
  guint hub_video_port;
  char *srtp_key;                 /* base64 master key and salt (30 bytes); NULL without SRTP */
} WbJoinAnswer;

void wb_join_answer_free (WbJoinAnswer *answer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WbJoinAnswer, wb_join_answer_free)

#define WB_TYPE_CONFERENCE_CONTROL (wb_conference_control_get_type ())
G_DECLARE_INTERFACE (WbConferenceControl, wb_conference_control, WB, CONFERENCE_CONTROL, GObject)

struct _WbConferenceControlInterface {
  GTypeInterface parent_iface;

  /* Running conferences (element-type WbConferenceInfo, owned). */
  GPtrArray        *(*list)   (WbConferenceControl *self);
  WbConferenceInfo *(*get)    (WbConferenceControl *self,
                               const char          *id,
                               GError             **error);
  WbConferenceInfo *(*start)  (WbConferenceControl    *self,
                               const WbConferenceSpec *spec,
                               const WbActor          *actor,
                               GError                **error);
  WbConferenceInfo *(*update) (WbConferenceControl       *self,
                               const char                *id,
                               const WbConferenceChanges *changes,
                               GError                   **error);
  WbConferenceInfo *(*end)    (WbConferenceControl *self,
                               const char          *id,
                               const WbActor       *actor,
                               GError             **error);
  gboolean          (*set_muted) (WbConferenceControl *self,
                                  const char          *id,
                                  const char          *endpoint_id,
                                  gboolean             muted,
                                  GError             **error);
  /* @remote_address: where the join request came from (the box). */
  WbJoinAnswer     *(*join)   (WbConferenceControl *self,
                               const char          *endpoint_id,
                               const char          *remote_address,
                               guint                audio_port,
                               guint                video_port,
                               GError             **error);
  gboolean          (*leave)  (WbConferenceControl *self,
                               const char          *endpoint_id,
                               GError             **error);
  void              (*snapshot_async)  (WbConferenceControl *self,
                                        const char          *id,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);
  /* A JPEG image. */
  GBytes           *(*snapshot_finish) (WbConferenceControl *self,
                                        GAsyncResult        *result,
                                        GError             **error);
};

GPtrArray        *wb_conference_control_list   (WbConferenceControl *self);
WbConferenceInfo *wb_conference_control_get    (WbConferenceControl *self,
                                                const char          *id,
                                                GError             **error);
WbConferenceInfo *wb_conference_control_start  (WbConferenceControl    *self,
                                                const WbConferenceSpec *spec,
                                                const WbActor          *actor,
                                                GError                **error);
WbConferenceInfo *wb_conference_control_update (WbConferenceControl       *self,
                                                const char                *id,
                                                const WbConferenceChanges *changes,
                                                GError                   **error);
WbConferenceInfo *wb_conference_control_end    (WbConferenceControl *self,
                                                const char          *id,
                                                const WbActor       *actor,
                                                GError             **error);
gboolean          wb_conference_control_set_muted (WbConferenceControl *self,
                                                   const char          *id,
                                                   const char          *endpoint_id,
                                                   gboolean             muted,
                                                   GError             **error);
WbJoinAnswer     *wb_conference_control_join   (WbConferenceControl *self,
                                                const char          *endpoint_id,
                                                const char          *remote_address,
                                                guint                audio_port,
                                                guint                video_port,
                                                GError             **error);
gboolean          wb_conference_control_leave  (WbConferenceControl *self,
                                                const char          *endpoint_id,
                                                GError             **error);
void              wb_conference_control_snapshot_async  (WbConferenceControl *self,
                                                         const char          *id,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
GBytes           *wb_conference_control_snapshot_finish (WbConferenceControl *self,
                                                         GAsyncResult        *result,
                                                         GError             **error);

G_END_DECLS
