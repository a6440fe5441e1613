/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbFakeConferences: an in-memory conference manager for the API tests.
 */
#include "wb-fake-conferences.h"

#include "api/wb-api-private.h"

/* SOI, APP0 "JFIF", EOI: enough for a client to see a JPEG. */
const guint8 wb_fake_jpeg[] = { 0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00,
                                0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xFF, 0xD9 };
const gsize wb_fake_jpeg_len = sizeof wb_fake_jpeg;

/* base64 of the bytes 0, 1, ..., 29 */
#define FAKE_SRTP_KEY "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd"

struct _WbFakeConferences {
  GObject parent_instance;

  WbEndpointRegistry *registry;
  WbEventBus *bus;
  GHashTable *running;        /* id → WbConferenceInfo* */
  guint next_id;
  guint n_changes;
  char *last_join_address;
  guint last_join_audio_port;
  guint last_join_video_port;
  char *last_actor;
};

static void wb_fake_conferences_iface_init (WbConferenceControlInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (WbFakeConferences, wb_fake_conferences, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (WB_TYPE_CONFERENCE_CONTROL,
                                                      wb_fake_conferences_iface_init))

static WbConferenceInfo *
info_copy (const WbConferenceInfo *info)
{
  WbConferenceInfo *copy = wb_conference_info_new ();

  copy->id = g_strdup (info->id);
  copy->title = g_strdup (info->title);
  copy->state = info->state;
  copy->layout = info->layout;
  copy->presenter = g_strdup (info->presenter);
  copy->record = info->record;
  copy->booking_id = g_strdup (info->booking_id);
  copy->started_us = info->started_us;
  copy->ended_us = info->ended_us;
  copy->audio_encodes = info->audio_encodes;
  copy->video_encodes = info->video_encodes;
  copy->mixer_deadline_misses = info->mixer_deadline_misses;
  for (guint i = 0; i < info->participants->len; i++) {
    const WbParticipantInfo *p = info->participants->pdata[i];
    WbParticipantInfo *q = wb_conference_info_add_participant (copy, p->endpoint_id);
    q->state = p->state;
    q->talking = p->talking;
    q->muted = p->muted;
    q->joined_us = p->joined_us;
  }
  return copy;
}

static WbParticipantInfo *
find_participant (WbConferenceInfo *info, const char *ep)
{
  for (guint i = 0; i < info->participants->len; i++) {
    WbParticipantInfo *p = info->participants->pdata[i];
    if (g_str_equal (p->endpoint_id, ep))
      return p;
  }
  return NULL;
}

static WbConferenceInfo *
conference_of (WbFakeConferences *self, const char *ep)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->running);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    if (find_participant (value, ep) != NULL)
      return value;
  }
  return NULL;
}

static WbConferenceInfo *
lookup (WbFakeConferences *self, const char *id, GError **error)
{
  WbConferenceInfo *info = g_hash_table_lookup (self->running, id);

  if (info == NULL)
    g_set_error (error, WB_CONFERENCE_CONTROL_ERROR, WB_CONFERENCE_CONTROL_ERROR_NOT_FOUND, "no running conference '%s'", id);
  return info;
}

static void
publish (WbFakeConferences *self, const char *name, const char *const *wards, JsonNode *data)
{
  wb_event_bus_publish (self->bus, name, wards, data);
}

static JsonNode *
participant_event (const char *conference, const char *ep)
{
  JsonObject *obj = json_object_new ();
  JsonNode *node;

  json_object_set_string_member (obj, "conference", conference);
  json_object_set_string_member (obj, "endpoint", ep);
  node = json_node_init_object (json_node_alloc (), obj);
  json_object_unref (obj);
  return node;
}

static GPtrArray *
fake_list (WbConferenceControl *control)
{
  WbFakeConferences *self = WB_FAKE_CONFERENCES (control);
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) wb_conference_info_free);
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->running);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (out, info_copy (value));
  return out;
}

static WbConferenceInfo *
fake_get (WbConferenceControl *control, const char *id, GError **error)
{
  WbConferenceInfo *info = lookup (WB_FAKE_CONFERENCES (control), id, error);

  return info != NULL ? info_copy (info) : NULL;
}

static WbConferenceInfo *
fake_start (WbConferenceControl *control, const WbConferenceSpec *spec, const WbActor *actor, GError **error)
{
  WbFakeConferences *self = WB_FAKE_CONFERENCES (control);
  WbConferenceInfo *info;

  for (guint i = 0; spec->endpoints[i] != NULL; i++) {
    if (conference_of (self, spec->endpoints[i]) != NULL) {
      g_set_error (error, WB_CONFERENCE_CONTROL_ERROR, WB_CONFERENCE_CONTROL_ERROR_BUSY,
                   "%s is already in a conference", spec->endpoints[i]);
      return NULL;
    }
  }

  info = wb_conference_info_new ();
  info->id = g_strdup_printf ("conf-%u", ++self->next_id);
  info->title = g_strdup (spec->title);
  info->state = WB_CONFERENCE_STATE_RUNNING;
  info->layout = spec->layout;
  info->record = spec->record;
  info->started_us = g_get_real_time ();
  info->audio_encodes = 1000 * self->next_id;
  info->video_encodes = 250 * self->next_id;
  info->mixer_deadline_misses = self->next_id;
  for (guint i = 0; spec->endpoints[i] != NULL; i++) {
    const WbEndpoint *ep = wb_endpoint_registry_lookup (self->registry, spec->endpoints[i]);

    wb_conference_info_add_participant (info, spec->endpoints[i]);
    if (ep->state == WB_ENDPOINT_STATE_OFFLINE)
      wb_endpoint_registry_set_state (self->registry, ep->id, WB_ENDPOINT_STATE_IDLE, NULL, NULL);
    wb_endpoint_registry_set_state (self->registry, ep->id, WB_ENDPOINT_STATE_INVITED, info->id, NULL);
  }
  g_hash_table_insert (self->running, info->id, info);
  g_free (self->last_actor);
  self->last_actor = g_strdup (actor->id);
  self->n_changes++;
  publish (self, "conference.started", spec->endpoints, wb_api_conference_to_json (info));
  return info_copy (info);
}

static WbConferenceInfo *
fake_update (WbConferenceControl *control, const char *id, const WbConferenceChanges *changes, GError **error)
{
  WbFakeConferences *self = WB_FAKE_CONFERENCES (control);
  WbConferenceInfo *info = lookup (self, id, error);

  if (info == NULL)
    return NULL;
  if (changes->has_presenter && changes->presenter != NULL && find_participant (info, changes->presenter) == NULL) {
    g_set_error (error, WB_CONFERENCE_CONTROL_ERROR, WB_CONFERENCE_CONTROL_ERROR_INVALID,
                 "%s is not in conference %s", changes->presenter, id);
    return NULL;
  }
  if (changes->has_title) {
    g_free (info->title);
    info->title = g_strdup (changes->title);
  }
  if (changes->has_layout)
    info->layout = changes->layout;
  if (changes->has_presenter) {
    g_free (info->presenter);
    info->presenter = g_strdup (changes->presenter);
  }
  self->n_changes++;
  return info_copy (info);
}

static WbConferenceInfo *
fake_end (WbConferenceControl *control, const char *id, const WbActor *actor, GError **error)
{
  WbFakeConferences *self = WB_FAKE_CONFERENCES (control);
  WbConferenceInfo *info = lookup (self, id, error);
  WbConferenceInfo *copy;
  g_autoptr (GPtrArray) wards = g_ptr_array_new ();

  if (info == NULL)
    return NULL;
  info->state = WB_CONFERENCE_STATE_ENDED;
  info->ended_us = g_get_real_time ();
  for (guint i = 0; i < info->participants->len; i++) {
    WbParticipantInfo *p = info->participants->pdata[i];
    wb_endpoint_registry_set_state (self->registry, p->endpoint_id, WB_ENDPOINT_STATE_IDLE, NULL, NULL);
    g_ptr_array_add (wards, p->endpoint_id);
  }
  g_ptr_array_add (wards, NULL);
  copy = info_copy (info);
  publish (self, "conference.ended", (const char *const *) wards->pdata, wb_api_conference_to_json (info));
  g_hash_table_remove (self->running, id);
  g_free (self->last_actor);
  self->last_actor = g_strdup (actor->id);
  self->n_changes++;
  return copy;
}

static gboolean
fake_set_muted (WbConferenceControl *control, const char *id, const char *ep, gboolean muted, GError **error)
{
  WbFakeConferences *self = WB_FAKE_CONFERENCES (control);
  WbConferenceInfo *info = lookup (self, id, error);
  WbParticipantInfo *p;

  if (info == NULL)
    return FALSE;
  p = find_participant (info, ep);
  if (p == NULL) {
    g_set_error (error, WB_CONFERENCE_CONTROL_ERROR, WB_CONFERENCE_CONTROL_ERROR_NOT_PARTICIPANT, "%s is not in %s", ep, id);
    return FALSE;
  }
  p->muted = muted;
  wb_endpoint_registry_set_muted (self->registry, ep, muted, NULL);
  self->n_changes++;
  return TRUE;
}

static WbJoinAnswer *
fake_join (WbConferenceControl *control, const char *ep, const char *remote, guint audio_port,
           guint video_port, GError **error)
{
  WbFakeConferences *self = WB_FAKE_CONFERENCES (control);
  WbConferenceInfo *info = conference_of (self, ep);
  WbParticipantInfo *p;
  WbJoinAnswer *answer;
  const char *wards[] = { ep, NULL };
  guint index;

  if (info == NULL) {
    g_set_error (error, WB_CONFERENCE_CONTROL_ERROR, WB_CONFERENCE_CONTROL_ERROR_NO_CONFERENCE,
                 "%s is in no running conference", ep);
    return NULL;
  }
  p = find_participant (info, ep);
  g_ptr_array_find (info->participants, p, &index);
  p->joined_us = g_get_real_time ();
  p->state = WB_ENDPOINT_STATE_JOINING;
  wb_endpoint_registry_set_state (self->registry, ep, WB_ENDPOINT_STATE_JOINING, info->id, NULL);

  g_free (self->last_join_address);
  self->last_join_address = g_strdup (remote);
  self->last_join_audio_port = audio_port;
  self->last_join_video_port = video_port;
  self->n_changes++;

  answer = g_new0 (WbJoinAnswer, 1);
  answer->conference_id = g_strdup (info->id);
  answer->hub_audio_port = 40000 + 4 * index;
  answer->hub_video_port = 40002 + 4 * index;
  if (wb_endpoint_registry_lookup (self->registry, ep)->srtp)
    answer->srtp_key = g_strdup (FAKE_SRTP_KEY);
  publish (self, "participant.joined", wards, participant_event (info->id, ep));
  return answer;
}

static gboolean
fake_leave (WbConferenceControl *control, const char *ep, GError **error)
{
  WbFakeConferences *self = WB_FAKE_CONFERENCES (control);
  WbConferenceInfo *info = conference_of (self, ep);
  const char *wards[] = { ep, NULL };

  if (info == NULL || find_participant (info, ep)->joined_us == 0) {
    g_set_error (error, WB_CONFERENCE_CONTROL_ERROR, WB_CONFERENCE_CONTROL_ERROR_NO_CONFERENCE, "%s has not joined", ep);
    return FALSE;
  }
  find_participant (info, ep)->state = WB_ENDPOINT_STATE_IDLE;
  find_participant (info, ep)->joined_us = 0;
  wb_endpoint_registry_set_state (self->registry, ep, WB_ENDPOINT_STATE_IDLE, NULL, NULL);
  self->n_changes++;
  publish (self, "participant.left", wards, participant_event (info->id, ep));
  return TRUE;
}

static gboolean
snapshot_ready (gpointer data)
{
  GTask *task = data;
  WbFakeConferences *self = g_task_get_source_object (task);
  const char *id = g_task_get_task_data (task);

  if (g_hash_table_contains (self->running, id))
    g_task_return_pointer (task, g_bytes_new_static (wb_fake_jpeg, wb_fake_jpeg_len),
                           (GDestroyNotify) g_bytes_unref);
  else
    g_task_return_new_error (task, WB_CONFERENCE_CONTROL_ERROR, WB_CONFERENCE_CONTROL_ERROR_NOT_FOUND,
                             "no running conference '%s'", id);
  return G_SOURCE_REMOVE;
}

static void
fake_snapshot_async (WbConferenceControl *control, const char *id, GCancellable *cancellable,
                     GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (control, cancellable, callback, user_data);

  g_task_set_task_data (task, g_strdup (id), g_free);
  g_idle_add_full (G_PRIORITY_DEFAULT, snapshot_ready, task, g_object_unref);
}

static GBytes *
fake_snapshot_finish (WbConferenceControl *control, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
wb_fake_conferences_iface_init (WbConferenceControlInterface *iface)
{
  iface->list = fake_list;
  iface->get = fake_get;
  iface->start = fake_start;
  iface->update = fake_update;
  iface->end = fake_end;
  iface->set_muted = fake_set_muted;
  iface->join = fake_join;
  iface->leave = fake_leave;
  iface->snapshot_async = fake_snapshot_async;
  iface->snapshot_finish = fake_snapshot_finish;
}

static void
wb_fake_conferences_finalize (GObject *object)
{
  WbFakeConferences *self = WB_FAKE_CONFERENCES (object);

  g_hash_table_unref (self->running);
  g_object_unref (self->registry);
  g_object_unref (self->bus);
  g_free (self->last_join_address);
  g_free (self->last_actor);
  G_OBJECT_CLASS (wb_fake_conferences_parent_class)->finalize (object);
}

static void
wb_fake_conferences_class_init (WbFakeConferencesClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = wb_fake_conferences_finalize;
}

static void
wb_fake_conferences_init (WbFakeConferences *self)
{
  self->running = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                         (GDestroyNotify) wb_conference_info_free);
}

WbFakeConferences *
wb_fake_conferences_new (WbEndpointRegistry *registry, WbEventBus *bus)
{
  WbFakeConferences *self = g_object_new (WB_TYPE_FAKE_CONFERENCES, NULL);

  self->registry = g_object_ref (registry);
  self->bus = g_object_ref (bus);
  return self;
}

const char *wb_fake_conferences_last_join_address (WbFakeConferences *self) { return self->last_join_address; }
guint wb_fake_conferences_last_join_audio_port (WbFakeConferences *self) { return self->last_join_audio_port; }
guint wb_fake_conferences_last_join_video_port (WbFakeConferences *self) { return self->last_join_video_port; }
const char *wb_fake_conferences_last_actor (WbFakeConferences *self) { return self->last_actor; }
guint wb_fake_conferences_get_n_changes (WbFakeConferences *self) { return self->n_changes; }

gboolean
wb_fake_conferences_is_muted (WbFakeConferences *self, const char *id, const char *ep)
{
  WbConferenceInfo *info = g_hash_table_lookup (self->running, id);
  WbParticipantInfo *p = info != NULL ? find_participant (info, ep) : NULL;

  return p != NULL && p->muted;
}
