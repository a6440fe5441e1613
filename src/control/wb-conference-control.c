/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbConferenceControl: the interface's dispatchers and its small types.
 */
#include "wb-conference-control.h"

G_DEFINE_QUARK (wb-conference-control-error-quark, wb_conference_control_error)
G_DEFINE_INTERFACE (WbConferenceControl, wb_conference_control, G_TYPE_OBJECT)

static void
wb_conference_control_default_init (WbConferenceControlInterface *iface)
{
}

const char *
wb_conference_state_to_string (WbConferenceState state)
{
  switch (state) {
  case WB_CONFERENCE_STATE_STARTING: return "starting";
  case WB_CONFERENCE_STATE_RUNNING: return "running";
  case WB_CONFERENCE_STATE_ENDING: return "ending";
  case WB_CONFERENCE_STATE_ENDED: return "ended";
  default: return "unknown";
  }
}

static void
participant_free (WbParticipantInfo *p)
{
  g_free (p->endpoint_id);
  g_free (p);
}

WbConferenceInfo *
wb_conference_info_new (void)
{
  WbConferenceInfo *info = g_new0 (WbConferenceInfo, 1);

  info->participants = g_ptr_array_new_with_free_func ((GDestroyNotify) participant_free);
  return info;
}

void
wb_conference_info_free (WbConferenceInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->id);
  g_free (info->title);
  g_free (info->presenter);
  g_free (info->booking_id);
  g_ptr_array_unref (info->participants);
  g_free (info);
}

WbParticipantInfo *
wb_conference_info_add_participant (WbConferenceInfo *info, const char *endpoint_id)
{
  WbParticipantInfo *p = g_new0 (WbParticipantInfo, 1);

  p->endpoint_id = g_strdup (endpoint_id);
  p->state = WB_ENDPOINT_STATE_INVITED;
  g_ptr_array_add (info->participants, p);
  return p;
}

void
wb_join_answer_free (WbJoinAnswer *answer)
{
  if (answer == NULL)
    return;
  g_free (answer->conference_id);
  g_free (answer->srtp_key);
  g_free (answer);
}

#define IFACE(self) WB_CONFERENCE_CONTROL_GET_IFACE (self)

static gboolean
unsupported (GError **error)
{
  g_set_error_literal (error, WB_CONFERENCE_CONTROL_ERROR, WB_CONFERENCE_CONTROL_ERROR_UNAVAILABLE,
                       "the conference manager does not support this");
  return FALSE;
}

GPtrArray *
wb_conference_control_list (WbConferenceControl *self)
{
  g_return_val_if_fail (WB_IS_CONFERENCE_CONTROL (self), NULL);
  if (IFACE (self)->list == NULL)
    return g_ptr_array_new_with_free_func ((GDestroyNotify) wb_conference_info_free);
  return IFACE (self)->list (self);
}

WbConferenceInfo *
wb_conference_control_get (WbConferenceControl *self, const char *id, GError **error)
{
  g_return_val_if_fail (WB_IS_CONFERENCE_CONTROL (self), NULL);
  if (IFACE (self)->get == NULL)
    return unsupported (error), NULL;
  return IFACE (self)->get (self, id, error);
}

WbConferenceInfo *
wb_conference_control_start (WbConferenceControl    *self,
                             const WbConferenceSpec *spec,
                             const WbActor          *actor,
                             GError                **error)
{
  g_return_val_if_fail (WB_IS_CONFERENCE_CONTROL (self), NULL);
  if (IFACE (self)->start == NULL)
    return unsupported (error), NULL;
  return IFACE (self)->start (self, spec, actor, error);
}

WbConferenceInfo *
wb_conference_control_update (WbConferenceControl       *self,
                              const char                *id,
                              const WbConferenceChanges *changes,
                              GError                   **error)
{
  g_return_val_if_fail (WB_IS_CONFERENCE_CONTROL (self), NULL);
  if (IFACE (self)->update == NULL)
    return unsupported (error), NULL;
  return IFACE (self)->update (self, id, changes, error);
}

WbConferenceInfo *
wb_conference_control_end (WbConferenceControl *self,
                           const char          *id,
                           const WbActor       *actor,
                           GError             **error)
{
  g_return_val_if_fail (WB_IS_CONFERENCE_CONTROL (self), NULL);
  if (IFACE (self)->end == NULL)
    return unsupported (error), NULL;
  return IFACE (self)->end (self, id, actor, error);
}

gboolean
wb_conference_control_set_muted (WbConferenceControl *self,
                                 const char          *id,
                                 const char          *endpoint_id,
                                 gboolean             muted,
                                 GError             **error)
{
  g_return_val_if_fail (WB_IS_CONFERENCE_CONTROL (self), FALSE);
  if (IFACE (self)->set_muted == NULL)
    return unsupported (error);
  return IFACE (self)->set_muted (self, id, endpoint_id, muted, error);
}

WbJoinAnswer *
wb_conference_control_join (WbConferenceControl *self,
                            const char          *endpoint_id,
                            const char          *remote_address,
                            guint                audio_port,
                            guint                video_port,
                            GError             **error)
{
  g_return_val_if_fail (WB_IS_CONFERENCE_CONTROL (self), NULL);
  if (IFACE (self)->join == NULL)
    return unsupported (error), NULL;
  return IFACE (self)->join (self, endpoint_id, remote_address, audio_port, video_port, error);
}

gboolean
wb_conference_control_leave (WbConferenceControl *self, const char *endpoint_id, GError **error)
{
  g_return_val_if_fail (WB_IS_CONFERENCE_CONTROL (self), FALSE);
  if (IFACE (self)->leave == NULL)
    return unsupported (error);
  return IFACE (self)->leave (self, endpoint_id, error);
}

void
wb_conference_control_snapshot_async (WbConferenceControl *self,
                                      const char          *id,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_return_if_fail (WB_IS_CONFERENCE_CONTROL (self));
  if (IFACE (self)->snapshot_async == NULL) {
    g_task_report_new_error (self, callback, user_data, wb_conference_control_snapshot_async,
                             WB_CONFERENCE_CONTROL_ERROR, WB_CONFERENCE_CONTROL_ERROR_UNAVAILABLE,
                             "the conference manager takes no snapshots");
    return;
  }
  IFACE (self)->snapshot_async (self, id, cancellable, callback, user_data);
}

GBytes *
wb_conference_control_snapshot_finish (WbConferenceControl *self,
                                       GAsyncResult        *result,
                                       GError             **error)
{
  g_return_val_if_fail (WB_IS_CONFERENCE_CONTROL (self), NULL);
  if (g_async_result_is_tagged (result, wb_conference_control_snapshot_async))
    return g_task_propagate_pointer (G_TASK (result), error);
  return IFACE (self)->snapshot_finish (self, result, error);
}
