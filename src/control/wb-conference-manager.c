/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbConferenceManager: running conferences, their wards and their records.
 *
 * One Running per conference holds the media plane's WbConference and what
 * the control plane knows of it (invited wards, booking, start time, talk
 * spurts).  Every change of a ward goes through move_ward(), which walks the
 * registry's legal lifecycle (offline → idle → invited → joining → live ⇄
 * stalled → idle) so that the registry publishes each step.
 */
#define G_LOG_DOMAIN "wardbridge"

#include "wb-conference-manager.h"

#include "media/wb-conference.h"

/* Ended conferences kept for GET /conferences/{id} until this many newer
 * ones have ended; older ones are read back from the store. */
#define ENDED_HISTORY 16

typedef struct {
  WbConferenceManager *manager;   /* unowned: the manager owns us */
  WbConference *conference;       /* NULL once ended */
  char *id;
  char *title;
  char *booking_id;               /* NULL: started by hand */
  WbConferenceState state;
  WbLayoutKind layout;
  gboolean record;
  gint64 started_us;
  gint64 ended_us;
  GStrv wards;                    /* invited wards, sorted */
  GHashTable *joined;             /* ward id → GINT_TO_POINTER (TRUE) */
  GHashTable *talk_since;         /* ward id → gint64* wall time of the spurt's start */
  GHashTable *rx_bytes;           /* ward id → guint64* accepted bytes at the last tick */
  gint64 last_tick_us;            /* monotonic time of the last stats tick */
} Running;

struct _WbConferenceManager {
  GObject parent_instance;

  WbConfig *config;
  WbStore *store;
  WbEndpointRegistry *registry;
  WbEventBus *bus;
  WbScheduler *scheduler;         /* weak pointer: the daemon owns it */

  GHashTable *running;            /* id → Running*, owned */
  GQueue ended;                   /* Running*, owned, newest first */
  gulong bus_handler;
  guint stats_source;
  guint moving;                   /* > 0 while move_ward() changes the registry */
};

static void wb_conference_manager_control_init (WbConferenceControlInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (WbConferenceManager, wb_conference_manager, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (WB_TYPE_CONFERENCE_CONTROL,
                                                      wb_conference_manager_control_init))

static void
running_free (Running *r)
{
  if (r->conference != NULL) {
    g_signal_handlers_disconnect_by_data (r->conference, r);
    wb_conference_end (r->conference);
    g_clear_object (&r->conference);
  }
  g_free (r->id);
  g_free (r->title);
  g_free (r->booking_id);
  g_strfreev (r->wards);
  g_hash_table_unref (r->joined);
  g_hash_table_unref (r->talk_since);
  g_hash_table_unref (r->rx_bytes);
  g_free (r);
}

/* ---- wards in the registry --------------------------------------------- */

/* The path from @from to @to through the lifecycle, one legal step at a
 * time; every step is published by the registry. */
static void move_ward_steps (WbConferenceManager *self, const char *ward,
                             WbEndpointState to, const char *conference);

static void
move_ward (WbConferenceManager *self, const char *ward, WbEndpointState to, const char *conference)
{
  /* The registry publishes every step; on_bus_event() must not react to
   * the steps we take ourselves. */
  self->moving++;
  move_ward_steps (self, ward, to, conference);
  self->moving--;
}

static void
move_ward_steps (WbConferenceManager *self, const char *ward, WbEndpointState to, const char *conference)
{
  const WbEndpoint *ep = wb_endpoint_registry_lookup (self->registry, ward);
  g_autoptr (GError) error = NULL;
  static const WbEndpointState path_to_joining[] = {
    WB_ENDPOINT_STATE_IDLE, WB_ENDPOINT_STATE_INVITED, WB_ENDPOINT_STATE_JOINING
  };

  if (ep == NULL || ep->state == to)
    return;

  if (to == WB_ENDPOINT_STATE_INVITED || to == WB_ENDPOINT_STATE_JOINING) {
    /* From anywhere: back to idle first when needed, then forward. */
    gboolean started = FALSE;

    if (ep->state == WB_ENDPOINT_STATE_LIVE || ep->state == WB_ENDPOINT_STATE_STALLED ||
        (ep->state == WB_ENDPOINT_STATE_JOINING && to == WB_ENDPOINT_STATE_INVITED))
      wb_endpoint_registry_set_state (self->registry, ward, WB_ENDPOINT_STATE_IDLE, NULL, NULL);
    for (guint i = 0; i < G_N_ELEMENTS (path_to_joining); i++) {
      WbEndpointState step = path_to_joining[i];

      ep = wb_endpoint_registry_lookup (self->registry, ward);
      if (ep->state == step) {
        if (step == to)
          return;
        started = TRUE;
        continue;
      }
      if (!started && !wb_endpoint_state_can_change (ep->state, step))
        continue;
      started = TRUE;
      if (!wb_endpoint_registry_set_state (self->registry, ward, step,
                                           step == WB_ENDPOINT_STATE_IDLE ? NULL : conference, &error)) {
        g_warning ("ward %s: %s", ward, error->message);
        return;
      }
      if (step == to)
        return;
    }
    return;
  }

  if (!wb_endpoint_state_can_change (ep->state, to)) {
    g_debug ("ward %s: no move from %s to %s", ward,
             wb_endpoint_state_to_string (ep->state), wb_endpoint_state_to_string (to));
    return;
  }
  if (!wb_endpoint_registry_set_state (self->registry, ward, to, conference, &error))
    g_warning ("ward %s: %s", ward, error->message);
}

static Running *
find_running_for_ward (WbConferenceManager *self, const char *ward)
{
  GHashTableIter iter;
  Running *r;

  g_hash_table_iter_init (&iter, self->running);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &r)) {
    if (g_strv_contains ((const char *const *) r->wards, ward))
      return r;
  }
  return NULL;
}

/* ---- events -------------------------------------------------------------- */

static JsonNode *
conference_event_data (Running *r)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "conference");
  json_builder_add_string_value (b, r->id);
  json_builder_set_member_name (b, "title");
  json_builder_add_string_value (b, r->title);
  json_builder_set_member_name (b, "booking");
  if (r->booking_id != NULL)
    json_builder_add_string_value (b, r->booking_id);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "endpoints");
  json_builder_begin_array (b);
  for (guint i = 0; r->wards[i] != NULL; i++)
    json_builder_add_string_value (b, r->wards[i]);
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static void
publish_participant (WbConferenceManager *self, Running *r, const char *name, const char *ward)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  const char *wards[] = { ward, NULL };

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "conference");
  json_builder_add_string_value (b, r->id);
  json_builder_set_member_name (b, "endpoint");
  json_builder_add_string_value (b, ward);
  json_builder_end_object (b);
  wb_event_bus_publish (self->bus, name, wards, json_builder_get_root (b));
}

/* ---- talk time and attendance -------------------------------------------- */

static gint64
close_talk_spurt (Running *r, const char *ward, gint64 now)
{
  gint64 *since = g_hash_table_lookup (r->talk_since, ward);
  gint64 talk = 0;

  if (since != NULL) {
    talk = MAX (now - *since, 0);
    *since = now;
  }
  return talk;
}

static void
ward_left (WbConferenceManager *self, Running *r, const char *ward, gint64 now)
{
  g_autoptr (GError) error = NULL;
  gint64 talk;

  if (!g_hash_table_contains (r->joined, ward))
    return;

  talk = close_talk_spurt (r, ward, now);
  g_hash_table_remove (r->talk_since, ward);
  g_hash_table_remove (r->joined, ward);
  if (!wb_store_attendance_leave (self->store, r->id, ward, now, talk, &error))
    g_warning ("attendance of %s in %s: %s", ward, r->id, error->message);
  wb_endpoint_registry_set_talking (self->registry, ward, FALSE, NULL);
  publish_participant (self, r, "participant.left", ward);
}

/* ---- media plane signals --------------------------------------------------- */

static void
on_participant_state (WbConference *conference, const char *ward, guint state, gpointer user_data)
{
  Running *r = user_data;
  WbConferenceManager *self = r->manager;

  switch (state) {
  case WB_PARTICIPANT_STATE_LIVE:
    move_ward (self, ward, WB_ENDPOINT_STATE_LIVE, r->id);
    break;
  case WB_PARTICIPANT_STATE_STALLED:
    move_ward (self, ward, WB_ENDPOINT_STATE_STALLED, r->id);
    break;
  default:
    break;
  }
  wb_endpoint_registry_mark_seen (self->registry, ward, g_get_real_time (), NULL);
}

static void
on_talking (WbConference *conference, const char *ward, gboolean talking, gpointer user_data)
{
  Running *r = user_data;
  WbConferenceManager *self = r->manager;
  gint64 now = g_get_real_time ();

  if (talking) {
    gint64 *since = g_new (gint64, 1);

    *since = now;
    g_hash_table_insert (r->talk_since, g_strdup (ward), since);
  } else if (g_hash_table_contains (r->talk_since, ward)) {
    gint64 talk = close_talk_spurt (r, ward, now);

    g_hash_table_remove (r->talk_since, ward);
    if (talk > 0 && g_hash_table_contains (r->joined, ward))
      wb_store_attendance_add_talk (self->store, r->id, ward, talk, NULL);
  }
  wb_endpoint_registry_set_talking (self->registry, ward, talking, NULL);
}

static void end_running (WbConferenceManager *self, Running *r);

typedef struct {
  GWeakRef manager;
  char *id;
} DeferredEnd;

static void
deferred_end_free (DeferredEnd *d)
{
  g_weak_ref_clear (&d->manager);
  g_free (d->id);
  g_free (d);
}

/* Ends a failed conference from an idle callback, outside the media
 * plane's signal emission. */
static gboolean
end_failed_conference (gpointer user_data)
{
  DeferredEnd *d = user_data;
  g_autoptr (WbConferenceManager) self = g_weak_ref_get (&d->manager);
  Running *r;

  if (self == NULL)
    return G_SOURCE_REMOVE;
  r = g_hash_table_lookup (self->running, d->id);
  if (r != NULL)
    end_running (self, r);
  return G_SOURCE_REMOVE;
}

static void
on_error (WbConference *conference, const char *ward, GError *error, gpointer user_data)
{
  Running *r = user_data;
  DeferredEnd *d;

  if (ward != NULL) {
    g_warning ("conference %s, ward %s: %s", r->id, ward, error->message);
    return;
  }
  g_warning ("conference %s failed: %s; ending it", r->id, error->message);
  d = g_new0 (DeferredEnd, 1);
  g_weak_ref_init (&d->manager, r->manager);
  d->id = g_strdup (r->id);
  g_idle_add_full (G_PRIORITY_DEFAULT, end_failed_conference, d, (GDestroyNotify) deferred_end_free);
}

/* ---- starting and ending -------------------------------------------------- */

static char *
new_conference_id (void)
{
  g_autofree char *uuid = g_uuid_string_random ();

  return g_strdup_printf ("conf-%.8s", uuid);
}

static gboolean
join_static_ward (WbConferenceManager *self, Running *r, const WbEndpointConfig *ep)
{
  g_autoptr (GError) error = NULL;
  gint64 now = g_get_real_time ();

  move_ward (self, ep->id, WB_ENDPOINT_STATE_JOINING, r->id);
  if (!wb_conference_add_endpoint (r->conference, ep, NULL, 0, 0, NULL, &error)) {
    g_warning ("conference %s: static ward %s: %s", r->id, ep->id, error->message);
    move_ward (self, ep->id, WB_ENDPOINT_STATE_INVITED, r->id);
    return FALSE;
  }
  g_hash_table_add (r->joined, g_strdup (ep->id));
  wb_store_attendance_join (self->store, r->id, ep->id, now, NULL);
  publish_participant (self, r, "participant.joined", ep->id);
  return TRUE;
}

static Running *
start_running (WbConferenceManager *self, const char *title, const char *const *wards,
               WbLayoutKind layout, gboolean record, const char *booking_id, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  Running *r;

  for (guint i = 0; wards[i] != NULL; i++) {
    Running *other = find_running_for_ward (self, wards[i]);

    if (wb_config_find_endpoint (self->config, wards[i]) == NULL) {
      g_set_error (error, WB_CONFERENCE_CONTROL_ERROR, WB_CONFERENCE_CONTROL_ERROR_INVALID,
                   "unknown ward %s", wards[i]);
      return NULL;
    }
    if (other != NULL) {
      g_set_error (error, WB_CONFERENCE_CONTROL_ERROR, WB_CONFERENCE_CONTROL_ERROR_BUSY,
                   "ward %s is already in conference %s", wards[i], other->id);
      return NULL;
    }
    g_strv_builder_add (builder, wards[i]);
  }

  r = g_new0 (Running, 1);
  r->manager = self;
  r->id = new_conference_id ();
  r->title = g_strdup (title);
  r->booking_id = g_strdup (booking_id);
  r->layout = layout;
  r->record = record;
  r->wards = g_strv_builder_end (builder);
  r->joined = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  r->talk_since = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  r->rx_bytes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  r->state = WB_CONFERENCE_STATE_STARTING;
  r->started_us = g_get_real_time ();

  r->conference = wb_conference_new (self->config, r->id, title, layout, record, &local_error);
  if (r->conference == NULL) {
    g_set_error (error, WB_CONFERENCE_CONTROL_ERROR, WB_CONFERENCE_CONTROL_ERROR_FAILED,
                 "the conference pipeline could not start: %s", local_error->message);
    running_free (r);
    return NULL;
  }
  g_signal_connect (r->conference, "participant-state", G_CALLBACK (on_participant_state), r);
  g_signal_connect (r->conference, "talking", G_CALLBACK (on_talking), r);
  g_signal_connect (r->conference, "error", G_CALLBACK (on_error), r);

  if (!wb_store_conference_started (self->store, r->id, booking_id, title, r->started_us, &local_error)) {
    g_warning ("conference %s: not recorded in the store: %s", r->id, local_error->message);
    g_clear_error (&local_error);
  }

  g_hash_table_insert (self->running, g_strdup (r->id), r);
  r->state = WB_CONFERENCE_STATE_RUNNING;
  wb_event_bus_publish (self->bus, "conference.started", (const char *const *) r->wards,
                        conference_event_data (r));

  for (guint i = 0; r->wards[i] != NULL; i++) {
    const WbEndpointConfig *ep = wb_config_find_endpoint (self->config, r->wards[i]);

    const WbEndpoint *live = wb_endpoint_registry_lookup (self->registry, ep->id);

    if (ep->mode == WB_ENDPOINT_MODE_STATIC)
      join_static_ward (self, r, ep);
    else if (live != NULL && live->state != WB_ENDPOINT_STATE_OFFLINE)
      move_ward (self, ep->id, WB_ENDPOINT_STATE_INVITED, r->id);
    /* An offline box is invited when its event stream connects
     * (on_bus_event), or joins directly. */
  }

  g_message ("conference %s \"%s\" started with %u wards%s%s", r->id, title,
             g_strv_length (r->wards), booking_id ? " for booking " : "", booking_id ? booking_id : "");
  return r;
}

static void
end_running (WbConferenceManager *self, Running *r)
{
  g_autoptr (GError) error = NULL;
  gint64 now = g_get_real_time ();
  g_autofree char *id = g_strdup (r->id);

  if (r->state == WB_CONFERENCE_STATE_ENDED || r->state == WB_CONFERENCE_STATE_ENDING)
    return;
  r->state = WB_CONFERENCE_STATE_ENDING;

  for (guint i = 0; r->wards[i] != NULL; i++)
    ward_left (self, r, r->wards[i], now);

  g_signal_handlers_disconnect_by_data (r->conference, r);
  wb_conference_end (r->conference);
  g_clear_object (&r->conference);

  for (guint i = 0; r->wards[i] != NULL; i++) {
    const WbEndpoint *ep = wb_endpoint_registry_lookup (self->registry, r->wards[i]);

    if (ep != NULL && ep->state != WB_ENDPOINT_STATE_OFFLINE)
      move_ward (self, r->wards[i], WB_ENDPOINT_STATE_IDLE, NULL);
    wb_endpoint_registry_set_muted (self->registry, r->wards[i], FALSE, NULL);
  }

  r->ended_us = now;
  r->state = WB_CONFERENCE_STATE_ENDED;
  if (!wb_store_conference_ended (self->store, r->id, now, &error))
    g_warning ("conference %s: end not recorded in the store: %s", r->id, error->message);

  {
    g_autofree char *key = NULL;

    /* Take it out of the running table without freeing it: it moves to the
     * history of ended conferences. */
    g_hash_table_steal_extended (self->running, r->id, (gpointer *) &key, NULL);
  }
  g_queue_push_head (&self->ended, r);
  while (g_queue_get_length (&self->ended) > ENDED_HISTORY)
    running_free (g_queue_pop_tail (&self->ended));

  wb_event_bus_publish (self->bus, "conference.ended", (const char *const *) r->wards,
                        conference_event_data (r));
  g_message ("conference %s ended", id);

  /* A booked conference ended by hand ends its booking too. */
  if (self->scheduler != NULL)
    wb_scheduler_conference_ended (self->scheduler, id);
}

/* ---- info snapshots -------------------------------------------------------- */

static WbConferenceInfo *
running_to_info (WbConferenceManager *self, Running *r)
{
  WbConferenceInfo *info = wb_conference_info_new ();
  g_autoptr (GPtrArray) reports = NULL;
  g_autoptr (GHashTable) by_ward = g_hash_table_new (g_str_hash, g_str_equal);

  info->id = g_strdup (r->id);
  info->title = g_strdup (r->title);
  info->state = r->state;
  info->layout = r->layout;
  info->record = r->record;
  info->booking_id = g_strdup (r->booking_id);
  info->started_us = r->started_us;
  info->ended_us = r->ended_us;

  if (r->conference != NULL) {
    WbConferenceCounters counters;

    wb_conference_get_counters (r->conference, &counters);
    info->audio_encodes = counters.audio_encodes;
    info->video_encodes = counters.video_encodes;
    info->mixer_deadline_misses = counters.mixer_deadline_misses;
    info->layout = wb_conference_get_layout (r->conference);
    info->presenter = g_strdup (wb_conference_get_presenter (r->conference));
    reports = wb_conference_get_participants (r->conference);
    for (guint i = 0; i < reports->len; i++) {
      WbParticipantReport *rep = g_ptr_array_index (reports, i);
      g_hash_table_insert (by_ward, rep->endpoint_id, rep);
    }
  }

  for (guint i = 0; r->wards[i] != NULL; i++) {
    WbParticipantInfo *p = wb_conference_info_add_participant (info, r->wards[i]);
    const WbEndpoint *ep = wb_endpoint_registry_lookup (self->registry, r->wards[i]);
    WbParticipantReport *rep = g_hash_table_lookup (by_ward, r->wards[i]);

    if (ep != NULL) {
      p->state = r->state == WB_CONFERENCE_STATE_ENDED ? WB_ENDPOINT_STATE_IDLE : ep->state;
      p->talking = ep->talking;
      p->muted = ep->muted;
    }
    if (rep != NULL) {
      p->muted = rep->muted;
      p->talking = rep->talking;
    }
  }
  return info;
}

static Running *
lookup (WbConferenceManager *self, const char *id, gboolean include_ended, GError **error)
{
  Running *r = g_hash_table_lookup (self->running, id);

  if (r == NULL && include_ended) {
    for (GList *l = self->ended.head; l != NULL; l = l->next) {
      if (g_str_equal (((Running *) l->data)->id, id))
        return l->data;
    }
  }
  if (r == NULL)
    g_set_error (error, WB_CONFERENCE_CONTROL_ERROR, WB_CONFERENCE_CONTROL_ERROR_NOT_FOUND,
                 "no running conference %s", id);
  return r;
}

/* ---- WbConferenceControl ----------------------------------------------------- */

static GPtrArray *
control_list (WbConferenceControl *control)
{
  WbConferenceManager *self = WB_CONFERENCE_MANAGER (control);
  GPtrArray *list = g_ptr_array_new_with_free_func ((GDestroyNotify) wb_conference_info_free);
  g_autoptr (GList) values = g_hash_table_get_values (self->running);

  for (GList *l = values; l != NULL; l = l->next)
    g_ptr_array_add (list, running_to_info (self, l->data));
  return list;
}

static WbConferenceInfo *
control_get (WbConferenceControl *control, const char *id, GError **error)
{
  WbConferenceManager *self = WB_CONFERENCE_MANAGER (control);
  g_autoptr (WbConferenceRecord) record = NULL;
  g_autoptr (GPtrArray) attendance = NULL;
  WbConferenceInfo *info;
  Running *r = lookup (self, id, TRUE, NULL);

  if (r != NULL)
    return running_to_info (self, r);

  /* An older conference: what the store remembers. */
  record = wb_store_get_conference (self->store, id, NULL);
  if (record == NULL) {
    g_set_error (error, WB_CONFERENCE_CONTROL_ERROR, WB_CONFERENCE_CONTROL_ERROR_NOT_FOUND,
                 "no conference %s", id);
    return NULL;
  }
  info = wb_conference_info_new ();
  info->id = g_strdup (record->id);
  info->title = g_strdup (record->title);
  info->booking_id = g_strdup (record->booking_id);
  info->started_us = record->started_us;
  info->ended_us = record->ended_us;
  info->state = record->ended_us != 0 ? WB_CONFERENCE_STATE_ENDED : WB_CONFERENCE_STATE_RUNNING;
  attendance = wb_store_list_attendance (self->store, id, g_get_real_time (), NULL);
  for (guint i = 0; attendance != NULL && i < attendance->len; i++) {
    WbAttendance *a = g_ptr_array_index (attendance, i);
    WbParticipantInfo *p = wb_conference_info_add_participant (info, a->endpoint_id);

    p->state = WB_ENDPOINT_STATE_IDLE;
    p->joined_us = a->first_joined_us;
  }
  return info;
}

static WbConferenceInfo *
control_start (WbConferenceControl *control, const WbConferenceSpec *spec,
               const WbActor *actor, GError **error)
{
  WbConferenceManager *self = WB_CONFERENCE_MANAGER (control);
  g_autoptr (GStrvBuilder) all = g_strv_builder_new ();
  g_auto (GStrv) wards = NULL;
  Running *r;

  if (spec->all_endpoints) {
    for (guint i = 0; i < self->config->endpoints->len; i++)
      g_strv_builder_add (all, ((WbEndpointConfig *) g_ptr_array_index (self->config->endpoints, i))->id);
    wards = g_strv_builder_end (all);
  } else {
    wards = g_strdupv ((char **) spec->endpoints);
  }

  r = start_running (self, spec->title, (const char *const *) wards, spec->layout,
                     spec->record, NULL, error);
  return r != NULL ? running_to_info (self, r) : NULL;
}

static WbConferenceInfo *
control_update (WbConferenceControl *control, const char *id,
                const WbConferenceChanges *changes, GError **error)
{
  WbConferenceManager *self = WB_CONFERENCE_MANAGER (control);
  Running *r = lookup (self, id, FALSE, error);

  if (r == NULL)
    return NULL;

  if (changes->has_presenter && changes->presenter != NULL &&
      !g_strv_contains ((const char *const *) r->wards, changes->presenter)) {
    g_set_error (error, WB_CONFERENCE_CONTROL_ERROR, WB_CONFERENCE_CONTROL_ERROR_NOT_PARTICIPANT,
                 "ward %s is not in conference %s", changes->presenter, id);
    return NULL;
  }
  if (changes->has_title) {
    g_free (r->title);
    r->title = g_strdup (changes->title);
    wb_store_conference_started (self->store, r->id, r->booking_id, r->title, r->started_us, NULL);
  }
  if (changes->has_presenter &&
      !wb_conference_set_presenter (r->conference, changes->presenter, NULL)) {
    /* A ward that has not joined yet can still be pinned for later:
     * remember nothing here, the media plane decides what it can show. */
  }
  if (changes->has_layout) {
    r->layout = changes->layout;
    wb_conference_set_layout (r->conference, changes->layout);
  }
  return running_to_info (self, r);
}

static WbConferenceInfo *
control_end (WbConferenceControl *control, const char *id, const WbActor *actor, GError **error)
{
  WbConferenceManager *self = WB_CONFERENCE_MANAGER (control);
  Running *r = lookup (self, id, FALSE, error);

  if (r == NULL)
    return NULL;
  end_running (self, r);
  return running_to_info (self, r);
}

static gboolean
control_set_muted (WbConferenceControl *control, const char *id, const char *ward,
                   gboolean muted, GError **error)
{
  WbConferenceManager *self = WB_CONFERENCE_MANAGER (control);
  Running *r = lookup (self, id, FALSE, error);
  g_autoptr (GError) local_error = NULL;

  if (r == NULL)
    return FALSE;
  if (!g_strv_contains ((const char *const *) r->wards, ward)) {
    g_set_error (error, WB_CONFERENCE_CONTROL_ERROR, WB_CONFERENCE_CONTROL_ERROR_NOT_PARTICIPANT,
                 "ward %s is not in conference %s", ward, id);
    return FALSE;
  }
  /* A ward that has not joined yet is muted from its first packet on: the
   * registry remembers it and join applies it. */
  if (g_hash_table_contains (r->joined, ward) &&
      !wb_conference_set_muted (r->conference, ward, muted, &local_error)) {
    g_set_error (error, WB_CONFERENCE_CONTROL_ERROR, WB_CONFERENCE_CONTROL_ERROR_FAILED,
                 "%s", local_error->message);
    return FALSE;
  }
  wb_endpoint_registry_set_muted (self->registry, ward, muted, NULL);
  return TRUE;
}

static WbJoinAnswer *
control_join (WbConferenceControl *control, const char *ward, const char *remote_address,
              guint audio_port, guint video_port, GError **error)
{
  WbConferenceManager *self = WB_CONFERENCE_MANAGER (control);
  const WbEndpointConfig *ep = wb_config_find_endpoint (self->config, ward);
  Running *r = find_running_for_ward (self, ward);
  g_autoptr (WbJoinInfo) info = NULL;
  g_autoptr (GError) local_error = NULL;
  const WbEndpoint *state;
  WbJoinAnswer *answer;
  gint64 now = g_get_real_time ();

  if (ep == NULL || r == NULL || r->conference == NULL) {
    g_set_error (error, WB_CONFERENCE_CONTROL_ERROR, WB_CONFERENCE_CONTROL_ERROR_NO_CONFERENCE,
                 "ward %s is in no running conference", ward);
    return NULL;
  }

  /* A box that joins again (it restarted, its address changed) replaces
   * its earlier session. */
  if (wb_conference_has_endpoint (r->conference, ward)) {
    wb_conference_remove_endpoint (r->conference, ward, NULL);
    ward_left (self, r, ward, now);
  }

  move_ward (self, ward, WB_ENDPOINT_STATE_JOINING, r->id);
  if (!wb_conference_add_endpoint (r->conference, ep, remote_address, audio_port, video_port,
                                   &info, &local_error)) {
    move_ward (self, ward, WB_ENDPOINT_STATE_INVITED, r->id);
    g_set_error (error, WB_CONFERENCE_CONTROL_ERROR,
                 g_error_matches (local_error, WB_CONFERENCE_ERROR, WB_CONFERENCE_ERROR_INVALID)
                   ? WB_CONFERENCE_CONTROL_ERROR_INVALID : WB_CONFERENCE_CONTROL_ERROR_FAILED,
                 "%s", local_error->message);
    return NULL;
  }

  state = wb_endpoint_registry_lookup (self->registry, ward);
  if (state != NULL && state->muted)
    wb_conference_set_muted (r->conference, ward, TRUE, NULL);

  g_hash_table_add (r->joined, g_strdup (ward));
  if (!wb_store_attendance_join (self->store, r->id, ward, now, &local_error))
    g_warning ("attendance of %s in %s: %s", ward, r->id, local_error->message);
  wb_endpoint_registry_mark_seen (self->registry, ward, now, NULL);
  publish_participant (self, r, "participant.joined", ward);

  answer = g_new0 (WbJoinAnswer, 1);
  answer->conference_id = g_strdup (r->id);
  answer->hub_audio_port = info->hub_audio_port;
  answer->hub_video_port = info->hub_video_port;
  answer->srtp_key = g_strdup (info->srtp_key);
  return answer;
}

static gboolean
control_leave (WbConferenceControl *control, const char *ward, GError **error)
{
  WbConferenceManager *self = WB_CONFERENCE_MANAGER (control);
  Running *r = find_running_for_ward (self, ward);

  if (r == NULL || r->conference == NULL || !wb_conference_has_endpoint (r->conference, ward)) {
    g_set_error (error, WB_CONFERENCE_CONTROL_ERROR, WB_CONFERENCE_CONTROL_ERROR_NO_CONFERENCE,
                 "ward %s is in no running conference", ward);
    return FALSE;
  }
  wb_conference_remove_endpoint (r->conference, ward, NULL);
  ward_left (self, r, ward, g_get_real_time ());
  /* Still invited: the box may come back while the conference runs. */
  move_ward (self, ward, WB_ENDPOINT_STATE_INVITED, r->id);
  return TRUE;
}

static void
snapshot_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;
  GBytes *jpeg = wb_conference_snapshot_jpeg_finish (WB_CONFERENCE (source), result, &error);

  if (jpeg == NULL) {
    GError *mapped = g_error_new_literal (WB_CONFERENCE_CONTROL_ERROR,
                                          g_error_matches (error, WB_CONFERENCE_ERROR, WB_CONFERENCE_ERROR_NOT_READY)
                                            ? WB_CONFERENCE_CONTROL_ERROR_UNAVAILABLE
                                            : WB_CONFERENCE_CONTROL_ERROR_FAILED,
                                          error->message);
    g_error_free (error);
    g_task_return_error (task, mapped);
    return;
  }
  g_task_return_pointer (task, jpeg, (GDestroyNotify) g_bytes_unref);
}

static void
control_snapshot_async (WbConferenceControl *control, const char *id, GCancellable *cancellable,
                        GAsyncReadyCallback callback, gpointer user_data)
{
  WbConferenceManager *self = WB_CONFERENCE_MANAGER (control);
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  GError *error = NULL;
  Running *r = lookup (self, id, FALSE, &error);

  g_task_set_source_tag (task, control_snapshot_async);
  if (r == NULL) {
    g_task_return_error (task, error);
    return;
  }
  wb_conference_snapshot_jpeg (r->conference, cancellable, snapshot_done, g_steal_pointer (&task));
}

static GBytes *
control_snapshot_finish (WbConferenceControl *control, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
wb_conference_manager_control_init (WbConferenceControlInterface *iface)
{
  iface->list = control_list;
  iface->get = control_get;
  iface->start = control_start;
  iface->update = control_update;
  iface->end = control_end;
  iface->set_muted = control_set_muted;
  iface->join = control_join;
  iface->leave = control_leave;
  iface->snapshot_async = control_snapshot_async;
  iface->snapshot_finish = control_snapshot_finish;
}

/* ---- scheduler hooks ----------------------------------------------------------- */

static char *
hook_start_conference (WbBooking *booking, gpointer user_data, GError **error)
{
  WbConferenceManager *self = user_data;
  Running *r = start_running (self, booking->title, (const char *const *) booking->endpoints,
                              booking->layout, booking->record, booking->id, error);

  return r != NULL ? g_strdup (r->id) : NULL;
}

static void
hook_end_conference (WbBooking *booking, const char *conference_id, gpointer user_data)
{
  WbConferenceManager *self = user_data;
  Running *r = g_hash_table_lookup (self->running, conference_id);

  if (r != NULL)
    end_running (self, r);
}

void
wb_conference_manager_attach_scheduler (WbConferenceManager *self, WbScheduler *scheduler)
{
  static const WbConferenceHooks hooks = { hook_start_conference, hook_end_conference };

  g_return_if_fail (WB_IS_CONFERENCE_MANAGER (self));
  g_return_if_fail (WB_IS_SCHEDULER (scheduler));

  g_set_weak_pointer (&self->scheduler, scheduler);
  wb_scheduler_set_hooks (scheduler, &hooks, self, NULL);
}

/* ---- periodic work --------------------------------------------------------------- */

/* A box that comes online (its event stream connects) while a conference
 * that names it runs is invited again, so that it joins. */
static void
on_bus_event (WbEventBus *bus, WbEvent *event, gpointer user_data)
{
  WbConferenceManager *self = user_data;
  const char *ward, *state;
  JsonObject *obj;
  Running *r;

  if (self->moving > 0 || !g_str_equal (event->name, "endpoint.state") ||
      !JSON_NODE_HOLDS_OBJECT (event->data))
    return;
  obj = json_node_get_object (event->data);
  ward = json_object_get_string_member_with_default (obj, "id", NULL);
  if (ward == NULL)
    ward = json_object_get_string_member_with_default (obj, "endpoint", NULL);
  state = json_object_get_string_member_with_default (obj, "state", NULL);
  if (ward == NULL || g_strcmp0 (state, "idle") != 0)
    return;
  r = find_running_for_ward (self, ward);
  if (r == NULL || r->state != WB_CONFERENCE_STATE_RUNNING || g_hash_table_contains (r->joined, ward))
    return;
  move_ward (self, ward, WB_ENDPOINT_STATE_INVITED, r->id);
}

/* The ward's receive rate since the last tick, from the bytes its ingress
 * accepted. */
static double
rx_kbps (Running *r, const char *ward, guint64 bytes, double seconds)
{
  guint64 *last = g_hash_table_lookup (r->rx_bytes, ward);
  double kbps = 0.0;

  if (last == NULL) {
    last = g_new0 (guint64, 1);
    g_hash_table_insert (r->rx_bytes, g_strdup (ward), last);
  } else if (seconds > 0 && bytes >= *last) {
    kbps = (bytes - *last) * 8.0 / 1000.0 / seconds;
  }
  *last = bytes;
  return kbps;
}

static gboolean
on_stats_tick (gpointer user_data)
{
  WbConferenceManager *self = user_data;
  GHashTableIter iter;
  Running *r;
  gint64 now = g_get_real_time ();
  gint64 mono = g_get_monotonic_time ();

  g_hash_table_iter_init (&iter, self->running);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &r)) {
    g_autoptr (GPtrArray) reports = NULL;
    double seconds = r->last_tick_us > 0 ? (mono - r->last_tick_us) / (double) G_USEC_PER_SEC : 0.0;

    r->last_tick_us = mono;
    if (r->conference == NULL)
      continue;
    reports = wb_conference_get_participants (r->conference);
    for (guint i = 0; i < reports->len; i++) {
      WbParticipantReport *rep = g_ptr_array_index (reports, i);
      const WbEndpoint *ep = wb_endpoint_registry_lookup (self->registry, rep->endpoint_id);
      guint64 received = rep->media.audio_packets + rep->media.video_packets;
      WbEndpointStats stats;
      gint64 talk;

      if (ep == NULL)
        continue;
      stats = ep->stats;
      stats.loss_pct = received + rep->media.packets_lost > 0
        ? 100.0 * rep->media.packets_lost / (double) (received + rep->media.packets_lost) : 0.0;
      stats.jitter_ms = rep->media.jitter_ms;
      stats.drops = wb_ingress_counts_total_dropped (&rep->media.ingress);
      stats.audio_overflow = rep->media.audio_overflow;
      stats.remote_loss_pct = rep->media.remote_loss_pct;
      stats.remote_loss_reports = rep->media.remote_loss_reports;
      stats.audio_fec_pct = rep->media.audio_fec_pct;
      stats.rx_kbps = rx_kbps (r, rep->endpoint_id, rep->media.ingress.accepted_bytes, seconds);
      wb_endpoint_registry_update_stats (self->registry, rep->endpoint_id, &stats, NULL);

      /* Flush the talk time of long spurts, so that a crash loses at most
       * one tick of it. */
      talk = close_talk_spurt (r, rep->endpoint_id, now);
      if (talk > 0)
        wb_store_attendance_add_talk (self->store, r->id, rep->endpoint_id, talk, NULL);
    }
  }
  return G_SOURCE_CONTINUE;
}

/* ---- object ------------------------------------------------------------------------ */

WbConferenceManager *
wb_conference_manager_new (WbConfig *config, WbStore *store, WbEndpointRegistry *registry,
                           WbEventBus *bus)
{
  WbConferenceManager *self;

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (WB_IS_STORE (store), NULL);
  g_return_val_if_fail (WB_IS_ENDPOINT_REGISTRY (registry), NULL);
  g_return_val_if_fail (WB_IS_EVENT_BUS (bus), NULL);

  self = g_object_new (WB_TYPE_CONFERENCE_MANAGER, NULL);
  self->config = wb_config_ref (config);
  self->store = g_object_ref (store);
  self->registry = g_object_ref (registry);
  self->bus = g_object_ref (bus);
  self->bus_handler = g_signal_connect (bus, "event", G_CALLBACK (on_bus_event), self);
  self->stats_source = g_timeout_add (WB_CONFERENCE_MANAGER_STATS_INTERVAL_MS, on_stats_tick, self);
  g_source_set_name_by_id (self->stats_source, "[wardbridge] conference stats");
  return self;
}

void
wb_conference_manager_set_config (WbConferenceManager *self, WbConfig *config)
{
  g_return_if_fail (WB_IS_CONFERENCE_MANAGER (self));
  g_return_if_fail (config != NULL);

  g_clear_pointer (&self->config, wb_config_unref);
  self->config = wb_config_ref (config);
}

void
wb_conference_manager_end_all (WbConferenceManager *self)
{
  g_autoptr (GList) values = NULL;

  g_return_if_fail (WB_IS_CONFERENCE_MANAGER (self));

  values = g_hash_table_get_values (self->running);
  for (GList *l = values; l != NULL; l = l->next)
    end_running (self, l->data);
}

guint
wb_conference_manager_get_n_running (WbConferenceManager *self)
{
  g_return_val_if_fail (WB_IS_CONFERENCE_MANAGER (self), 0);
  return g_hash_table_size (self->running);
}

static void
wb_conference_manager_dispose (GObject *object)
{
  WbConferenceManager *self = WB_CONFERENCE_MANAGER (object);

  if (self->running != NULL)
    wb_conference_manager_end_all (self);
  g_clear_handle_id (&self->stats_source, g_source_remove);
  g_clear_signal_handler (&self->bus_handler, self->bus);
  g_clear_weak_pointer (&self->scheduler);

  G_OBJECT_CLASS (wb_conference_manager_parent_class)->dispose (object);
}

static void
wb_conference_manager_finalize (GObject *object)
{
  WbConferenceManager *self = WB_CONFERENCE_MANAGER (object);

  g_hash_table_unref (self->running);
  g_queue_clear_full (&self->ended, (GDestroyNotify) running_free);
  g_clear_object (&self->bus);
  g_clear_object (&self->registry);
  g_clear_object (&self->store);
  g_clear_pointer (&self->config, wb_config_unref);

  G_OBJECT_CLASS (wb_conference_manager_parent_class)->finalize (object);
}

static void
wb_conference_manager_class_init (WbConferenceManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wb_conference_manager_dispose;
  object_class->finalize = wb_conference_manager_finalize;
}

static void
wb_conference_manager_init (WbConferenceManager *self)
{
  self->running = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) running_free);
  g_queue_init (&self->ended);
}
