/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbAgent: the box's state machine (see wb-agent.h).
 */
#define G_LOG_DOMAIN "wardbridge-endpoint"

#include "wb-agent.h"

#include <stdarg.h>
#include <string.h>

#include "client/wb-event-stream.h"
#include "wb-backoff.h"
#include "wb-join-info.h"
#include "common/wb-json.h"

/* How long a stopping agent waits for the hub to take its leave. */
#define LEAVE_TIMEOUT_S 3
/* How often a meeting's reception is reported in the log. */
#define STATS_INTERVAL_S 60

struct _WbAgent {
  GObject parent_instance;

  WbClient *client;
  WbEventStream *stream;
  WbAgentMedia *media;
  char *ward;
  char *ward_path;            /* "/api/v1/endpoints/<ward>" */
  char *name;                 /* the ward's name as the hub says it */

  WbAgentState state;
  WbAgentExit exit_code;
  char *conference;           /* joining or in it; NULL otherwise */

  WbBackoff backoff;
  GRand *rand;
  guint retry_source;
  guint check_source;
  guint check_interval_s;
  guint leave_source;
  guint stats_source;
  WbMediaStats last_stats;    /* at the last report */

  GCancellable *cancellable;  /* every call to the hub; renewed on retry */
  gboolean check_in_flight;
  gboolean check_again;
};

enum {
  SIGNAL_STATE_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (WbAgent, wb_agent, G_TYPE_OBJECT)

static void connect_to_hub (WbAgent *self);
static void request_check (WbAgent *self);

const char *
wb_agent_state_to_string (WbAgentState state)
{
  switch (state) {
  case WB_AGENT_STATE_IDLE: return "idle";
  case WB_AGENT_STATE_CONNECTING: return "connecting";
  case WB_AGENT_STATE_WAITING: return "waiting";
  case WB_AGENT_STATE_JOINING: return "joining";
  case WB_AGENT_STATE_IN_MEETING: return "in-meeting";
  case WB_AGENT_STATE_RETRYING: return "retrying";
  case WB_AGENT_STATE_STOPPED: return "stopped";
  case WB_AGENT_STATE_FAILED: return "failed";
  default: return "unknown";
  }
}

static gboolean
transition_is_legal (WbAgentState from,
                     WbAgentState to)
{
  switch (from) {
  case WB_AGENT_STATE_IDLE:
    return to == WB_AGENT_STATE_CONNECTING || to == WB_AGENT_STATE_STOPPED;
  case WB_AGENT_STATE_CONNECTING:
    /* IN_MEETING: back in touch with a hub that still counts us in. */
    return to == WB_AGENT_STATE_WAITING || to == WB_AGENT_STATE_JOINING ||
           to == WB_AGENT_STATE_IN_MEETING || to == WB_AGENT_STATE_RETRYING ||
           to == WB_AGENT_STATE_FAILED || to == WB_AGENT_STATE_STOPPED;
  case WB_AGENT_STATE_WAITING:
    return to == WB_AGENT_STATE_JOINING || to == WB_AGENT_STATE_RETRYING ||
           to == WB_AGENT_STATE_FAILED || to == WB_AGENT_STATE_STOPPED;
  case WB_AGENT_STATE_JOINING:
    return to == WB_AGENT_STATE_IN_MEETING || to == WB_AGENT_STATE_WAITING ||
           to == WB_AGENT_STATE_RETRYING || to == WB_AGENT_STATE_FAILED ||
           to == WB_AGENT_STATE_STOPPED;
  case WB_AGENT_STATE_IN_MEETING:
    return to == WB_AGENT_STATE_WAITING || to == WB_AGENT_STATE_JOINING ||
           to == WB_AGENT_STATE_RETRYING || to == WB_AGENT_STATE_FAILED ||
           to == WB_AGENT_STATE_STOPPED;
  case WB_AGENT_STATE_RETRYING:
    /* FAILED: the media of the meeting, still running, broke. */
    return to == WB_AGENT_STATE_CONNECTING || to == WB_AGENT_STATE_STOPPED ||
           to == WB_AGENT_STATE_FAILED;
  case WB_AGENT_STATE_STOPPED:
  case WB_AGENT_STATE_FAILED:
  default:
    return FALSE;
  }
}

/*
 * The one place where the state changes: checks the transition, logs the
 * plain-words line (with the state as a structured field for journald) and
 * tells the listeners.  Returns FALSE, changing nothing, for an illegal
 * transition.
 */
static gboolean
wb_agent_enter (WbAgent      *self,
                WbAgentState  state,
                const char   *format,
                ...) G_GNUC_PRINTF (3, 4);

static gboolean
wb_agent_enter (WbAgent      *self,
                WbAgentState  state,
                const char   *format,
                ...)
{
  g_autofree char *message = NULL;
  va_list args;
  GLogLevelFlags level;

  if (!transition_is_legal (self->state, state)) {
    g_critical ("wardbridge-endpoint: illegal state change %s -> %s",
                wb_agent_state_to_string (self->state), wb_agent_state_to_string (state));
    return FALSE;
  }

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  self->state = state;
  level = (state == WB_AGENT_STATE_RETRYING || state == WB_AGENT_STATE_FAILED) ?
          G_LOG_LEVEL_WARNING : G_LOG_LEVEL_MESSAGE;
  g_log_structured (G_LOG_DOMAIN, level,
                    "MESSAGE", "%s: %s", self->ward, message,
                    "WB_WARD", self->ward,
                    "WB_AGENT_STATE", wb_agent_state_to_string (state));
  g_signal_emit (self, signals[SIGNAL_STATE_CHANGED], 0, state, message);
  return TRUE;
}

/* ---- JSON ------------------------------------------------------------- */


/* @node names @ward: a string, an object with "id"/"endpoint", or an
 * array of those. */
static gboolean
node_names (JsonNode *node, const char *ward)
{
  if (node == NULL)
    return FALSE;
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return g_str_equal (json_node_get_string (node), ward);
  if (JSON_NODE_HOLDS_OBJECT (node)) {
    JsonObject *object = json_node_get_object (node);

    return g_strcmp0 (wb_json_get_string (object, "id"), ward) == 0 ||
           g_strcmp0 (wb_json_get_string (object, "endpoint"), ward) == 0;
  }
  if (JSON_NODE_HOLDS_ARRAY (node)) {
    JsonArray *array = json_node_get_array (node);

    for (guint i = 0; i < json_array_get_length (array); i++)
      if (node_names (json_array_get_element (array, i), ward))
        return TRUE;
  }
  return FALSE;
}

/* Whether an event may change what this box should do.  A box's token
 * hears only its own ward's events, but an admin token hears all. */
static gboolean
event_concerns_us (WbAgent    *self,
                   const char *name,
                   JsonNode   *data)
{
  JsonObject *object = data != NULL && JSON_NODE_HOLDS_OBJECT (data) ? json_node_get_object (data) : NULL;
  static const char *const members[] = { "endpoint", "endpoints", "participants", "wards" };

  if (object == NULL)
    return FALSE;
  if (g_str_has_prefix (name, "endpoint.") || g_str_has_prefix (name, "participant."))
    return node_names (json_object_get_member (object, "id"), self->ward) ||
           node_names (json_object_get_member (object, "endpoint"), self->ward);
  if (g_str_has_prefix (name, "conference.")) {
    if (self->conference != NULL &&
        (g_strcmp0 (wb_json_get_string (object, "id"), self->conference) == 0 ||
         g_strcmp0 (wb_json_get_string (object, "conference"), self->conference) == 0))
      return TRUE;
    for (guint i = 0; i < G_N_ELEMENTS (members); i++)
      if (node_names (json_object_get_member (object, members[i]), self->ward))
        return TRUE;
  }
  return FALSE;
}

/* ---- Talking to the hub ----------------------------------------------- */

static void
enter_failed (WbAgent     *self,
              WbAgentExit  code,
              const char  *reason)
{
  self->exit_code = code;
  g_cancellable_cancel (self->cancellable);
  wb_event_stream_stop (self->stream);
  wb_agent_media_stop (self->media);
  g_clear_handle_id (&self->check_source, g_source_remove);
  g_clear_handle_id (&self->stats_source, g_source_remove);
  g_clear_handle_id (&self->retry_source, g_source_remove);
  g_clear_pointer (&self->conference, g_free);
  wb_agent_enter (self, WB_AGENT_STATE_FAILED, "%s", reason);
}

static gboolean
on_retry_timer (gpointer user_data)
{
  WbAgent *self = user_data;

  self->retry_source = 0;
  connect_to_hub (self);
  return G_SOURCE_REMOVE;
}

/* The hub cannot be reached (or said "not now"): try again later.  The
 * media of a meeting keep running meanwhile. */
static void
schedule_retry (WbAgent    *self,
                const char *reason)
{
  guint delay_ms;

  if (self->state == WB_AGENT_STATE_RETRYING || self->state == WB_AGENT_STATE_STOPPED ||
      self->state == WB_AGENT_STATE_FAILED)
    return;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->check_in_flight = FALSE;
  self->check_again = FALSE;
  wb_event_stream_stop (self->stream);
  g_clear_handle_id (&self->check_source, g_source_remove);

  delay_ms = wb_backoff_next_ms (&self->backoff, g_rand_double (self->rand));
  self->retry_source = g_timeout_add (delay_ms, on_retry_timer, self);
  wb_agent_enter (self, WB_AGENT_STATE_RETRYING, "connection lost (%s); retrying in %u s%s",
                  reason, (delay_ms + 999) / 1000,
                  wb_agent_media_is_running (self->media) ? "; the meeting's sound and picture keep going" : "");
}

/* Any failed call: a refusal of the box itself is final, the rest is
 * retried. */
static void
handle_hub_error (WbAgent      *self,
                  const GError *error)
{
  guint status = wb_client_error_get_status (error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (g_error_matches (error, WB_CLIENT_ERROR, WB_CLIENT_ERROR_REFUSED) &&
      (status == 401 || status == 403 || status == 404)) {
    g_autofree char *reason = g_strdup_printf ("the hub refused this box (check its ward and token): %s",
                                               error->message);

    enter_failed (self, WB_AGENT_EXIT_REFUSED, reason);
    return;
  }
  schedule_retry (self, error->message);
}

static gboolean
on_check_timer (gpointer user_data)
{
  WbAgent *self = user_data;

  if (self->state == WB_AGENT_STATE_WAITING || self->state == WB_AGENT_STATE_IN_MEETING)
    request_check (self);
  return G_SOURCE_CONTINUE;
}

static void
arm_check_timer (WbAgent *self)
{
  if (self->check_source == 0 && self->check_interval_s > 0)
    self->check_source = g_timeout_add_seconds (self->check_interval_s, on_check_timer, self);
}

/* ---- Joining ---------------------------------------------------------- */

static void
on_join_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr (WbAgent) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) answer = NULL;
  g_autoptr (WbJoinInfo) join = NULL;

  if (!wb_client_call_finish (WB_CLIENT (source), result, NULL, &answer, &error)) {
    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
        self->state != WB_AGENT_STATE_JOINING)
      return;
    if (wb_client_error_get_status (error) == 409) {
      wb_agent_media_stop (self->media);
      wb_agent_enter (self, WB_AGENT_STATE_WAITING,
                      "conference %s is not running any more; waiting for the city to invite this ward",
                      self->conference);
      g_clear_pointer (&self->conference, g_free);
      return;
    }
    handle_hub_error (self, error);
    return;
  }
  if (self->state != WB_AGENT_STATE_JOINING)
    return;

  join = wb_join_info_parse (answer, wb_client_get_host (self->client), &error);
  if (join == NULL) {
    g_autofree char *reason = g_strdup_printf ("the hub's join answer is unusable: %s", error->message);

    enter_failed (self, WB_AGENT_EXIT_REFUSED, reason);
    return;
  }
  if (!wb_agent_media_start (self->media, join, &error)) {
    g_autofree char *reason = g_strdup_printf ("cannot start sound and picture: %s", error->message);

    enter_failed (self, WB_AGENT_EXIT_MEDIA, reason);
    return;
  }
  g_free (self->conference);
  self->conference = g_strdup (join->conference);
  wb_agent_enter (self, WB_AGENT_STATE_IN_MEETING,
                  "in the meeting %s: sending to %s (audio %u, video %u), receiving on ports %u and %u%s",
                  join->conference, join->hub_host, join->hub_audio_port, join->hub_video_port,
                  wb_agent_media_get_audio_port (self->media),
                  wb_agent_media_get_video_port (self->media),
                  join->srtp_key != NULL ? ", encrypted (SRTP)" : "");
  /* Events that came while joining may have changed things. */
  if (self->check_again) {
    self->check_again = FALSE;
    request_check (self);
  }
}

static void
join (WbAgent    *self,
      const char *conference,
      const char *why)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) body = json_object_new ();
  g_autoptr (JsonNode) node = NULL;
  g_autofree char *path = g_strconcat (self->ward_path, "/join", NULL);

  if (!wb_agent_media_bind (self->media, &error)) {
    g_autofree char *reason = g_strdup_printf ("cannot listen for the meeting: %s", error->message);

    enter_failed (self, WB_AGENT_EXIT_MEDIA, reason);
    return;
  }
  wb_agent_media_set_default_label (self->media, self->name != NULL ? self->name : self->ward);

  g_free (self->conference);
  self->conference = g_strdup (conference);
  wb_agent_enter (self, WB_AGENT_STATE_JOINING, "%s; joining conference %s", why, conference);

  json_object_set_int_member (body, "audio_port", wb_agent_media_get_audio_port (self->media));
  json_object_set_int_member (body, "video_port", wb_agent_media_get_video_port (self->media));
  node = json_node_init_object (json_node_alloc (), body);
  wb_client_call_async (self->client, "POST", path, node, NULL, self->cancellable,
                        on_join_done, g_object_ref (self));
}

/* ---- Deciding from what the hub says of our ward ----------------------- */

static gboolean
hub_counts_us_in (const char *hub_state)
{
  return g_strcmp0 (hub_state, "joining") == 0 || g_strcmp0 (hub_state, "live") == 0 ||
         g_strcmp0 (hub_state, "stalled") == 0;
}

static void
decide (WbAgent    *self,
        JsonObject *endpoint)
{
  const char *conference = wb_json_get_string (endpoint, "conference");
  const char *hub_state = wb_json_get_string (endpoint, "state");
  const char *name = wb_json_get_string (endpoint, "name");
  gboolean ours = conference != NULL && g_strcmp0 (conference, self->conference) == 0;

  if (name != NULL && g_strcmp0 (name, self->name) != 0) {
    g_free (self->name);
    self->name = g_strdup (name);
  }

  switch (self->state) {
  case WB_AGENT_STATE_CONNECTING:
    if (conference != NULL && ours && hub_counts_us_in (hub_state) &&
        wb_agent_media_is_running (self->media)) {
      wb_agent_enter (self, WB_AGENT_STATE_IN_MEETING,
                      "back in touch with the hub; still in the meeting %s", conference);
    } else if (conference != NULL) {
      join (self, conference, ours ? "back in touch with the hub, which lost track of this box"
                                   : "connected and invited");
    } else {
      if (wb_agent_media_is_running (self->media))
        wb_agent_media_stop (self->media);
      g_clear_pointer (&self->conference, g_free);
      wb_agent_enter (self, WB_AGENT_STATE_WAITING,
                      "connected to the hub; waiting for the city to invite this ward");
    }
    break;

  case WB_AGENT_STATE_WAITING:
    if (conference != NULL)
      join (self, conference, "invited");
    break;

  case WB_AGENT_STATE_IN_MEETING:
    if (conference == NULL) {
      g_autofree char *ended = g_steal_pointer (&self->conference);

      wb_agent_media_stop (self->media);
      wb_agent_enter (self, WB_AGENT_STATE_WAITING,
                      "the meeting %s has ended; left it, waiting for the next invitation", ended);
    } else if (!ours) {
      wb_agent_media_stop (self->media);
      join (self, conference, "moved to another conference");
    } else if (!hub_counts_us_in (hub_state)) {
      join (self, conference, "the hub lost track of this box");
    }
    break;

  case WB_AGENT_STATE_JOINING:
    /* Decided again once the join is answered. */
    self->check_again = TRUE;
    break;

  case WB_AGENT_STATE_IDLE:
  case WB_AGENT_STATE_RETRYING:
  case WB_AGENT_STATE_STOPPED:
  case WB_AGENT_STATE_FAILED:
  default:
    break;
  }
}

static void
on_check_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr (WbAgent) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) answer = NULL;

  if (!wb_client_call_finish (WB_CLIENT (source), result, NULL, &answer, &error)) {
    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      return;
    self->check_in_flight = FALSE;
    handle_hub_error (self, error);
    return;
  }
  self->check_in_flight = FALSE;
  if (answer == NULL || !JSON_NODE_HOLDS_OBJECT (answer)) {
    schedule_retry (self, "the hub's answer about this ward is not an object");
    return;
  }

  /* The hub answered: the next loss starts the backoff afresh. */
  wb_backoff_reset (&self->backoff);
  decide (self, json_node_get_object (answer));

  if (self->check_again && self->state != WB_AGENT_STATE_JOINING) {
    self->check_again = FALSE;
    request_check (self);
  }
}

static void
request_check (WbAgent *self)
{
  if (self->check_in_flight) {
    self->check_again = TRUE;
    return;
  }
  self->check_in_flight = TRUE;
  wb_client_call_async (self->client, "GET", self->ward_path, NULL, NULL, self->cancellable,
                        on_check_done, g_object_ref (self));
}

/* ---- The event stream ------------------------------------------------- */

static void
on_stream_opened (WbEventStream *stream,
                  gpointer       user_data)
{
  WbAgent *self = user_data;

  arm_check_timer (self);
  request_check (self);
}

static void
on_stream_event (WbEventStream *stream,
                 const char    *name,
                 const char    *id,
                 JsonNode      *data,
                 gpointer       user_data)
{
  WbAgent *self = user_data;

  if (event_concerns_us (self, name, data))
    request_check (self);
}

static void
on_stream_closed (WbEventStream *stream,
                  GError        *error,
                  gpointer       user_data)
{
  handle_hub_error (WB_AGENT (user_data), error);
}

static void
connect_to_hub (WbAgent *self)
{
  wb_agent_enter (self, WB_AGENT_STATE_CONNECTING, "connecting to the hub at %s",
                  wb_client_get_base_url (self->client));
  wb_event_stream_start (self->stream);
}

static void
on_media_error (WbAgentMedia *media,
                GError       *error,
                gpointer      user_data)
{
  WbAgent *self = user_data;
  g_autofree char *reason = g_strdup_printf ("sound and picture failed: %s", error->message);

  if (self->state == WB_AGENT_STATE_STOPPED || self->state == WB_AGENT_STATE_FAILED)
    return;
  enter_failed (self, WB_AGENT_EXIT_MEDIA, reason);
}

/* What was received since the last report, in plain words: the operator
 * of a headless box sees that the meeting reaches it. */
static gboolean
on_stats_timer (gpointer user_data)
{
  WbAgent *self = user_data;
  WbMediaStats now;

  if (!wb_agent_media_is_running (self->media))
    return G_SOURCE_CONTINUE;
  wb_agent_media_get_stats (self->media, &now);
  if (now.audio_packets < self->last_stats.audio_packets ||
      now.video_packets < self->last_stats.video_packets)
    memset (&self->last_stats, 0, sizeof self->last_stats);   /* a new meeting */
  if (now.audio_packets == self->last_stats.audio_packets &&
      now.video_packets == self->last_stats.video_packets)
    g_message ("%s: nothing received from the hub in the last %u s", self->ward, STATS_INTERVAL_S);
  else
    g_message ("%s: received %" G_GUINT64_FORMAT " kB in the last %u s "
               "(%" G_GUINT64_FORMAT " audio frames, %" G_GUINT64_FORMAT " video frames)",
               self->ward, (now.bytes - self->last_stats.bytes) / 1000, STATS_INTERVAL_S,
               now.audio_frames - self->last_stats.audio_frames,
               now.video_frames - self->last_stats.video_frames);
  self->last_stats = now;
  return G_SOURCE_CONTINUE;
}

/* ---- Public ----------------------------------------------------------- */

void
wb_agent_start (WbAgent *self)
{
  g_return_if_fail (WB_IS_AGENT (self));
  g_return_if_fail (self->state == WB_AGENT_STATE_IDLE);

  self->stats_source = g_timeout_add_seconds (STATS_INTERVAL_S, on_stats_timer, self);
  connect_to_hub (self);
}

static void
finish_stop (WbAgent *self)
{
  g_clear_handle_id (&self->stats_source, g_source_remove);
  g_clear_handle_id (&self->leave_source, g_source_remove);
  g_clear_handle_id (&self->retry_source, g_source_remove);
  g_clear_handle_id (&self->check_source, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  wb_event_stream_stop (self->stream);
  wb_agent_media_stop (self->media);
  g_clear_pointer (&self->conference, g_free);
  self->exit_code = WB_AGENT_EXIT_OK;
  wb_agent_enter (self, WB_AGENT_STATE_STOPPED, "stopped");
}

static void
on_leave_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr (WbAgent) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!wb_client_call_finish (WB_CLIENT (source), result, NULL, NULL, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (error != NULL)
    g_message ("%s: the hub did not take the leave: %s", self->ward, error->message);
  if (self->state != WB_AGENT_STATE_STOPPED && self->state != WB_AGENT_STATE_FAILED)
    finish_stop (self);
}

static gboolean
on_leave_timeout (gpointer user_data)
{
  WbAgent *self = user_data;

  self->leave_source = 0;
  g_message ("%s: the hub did not answer the leave in %u s", self->ward, LEAVE_TIMEOUT_S);
  finish_stop (self);
  return G_SOURCE_REMOVE;
}

void
wb_agent_stop (WbAgent *self)
{
  g_return_if_fail (WB_IS_AGENT (self));

  if (self->state == WB_AGENT_STATE_STOPPED || self->state == WB_AGENT_STATE_FAILED ||
      self->leave_source != 0)
    return;

  if (self->state == WB_AGENT_STATE_IN_MEETING || self->state == WB_AGENT_STATE_JOINING) {
    g_autofree char *path = g_strconcat (self->ward_path, "/leave", NULL);

    g_message ("%s: leaving the meeting %s", self->ward, self->conference);
    /* Nothing the hub says now may start anything again. */
    wb_event_stream_stop (self->stream);
    g_clear_handle_id (&self->check_source, g_source_remove);
    g_cancellable_cancel (self->cancellable);
    g_clear_object (&self->cancellable);
    self->cancellable = g_cancellable_new ();
    wb_agent_media_stop (self->media);
    self->leave_source = g_timeout_add_seconds (LEAVE_TIMEOUT_S, on_leave_timeout, self);
    wb_client_call_async (self->client, "POST", path, NULL, NULL, self->cancellable,
                          on_leave_done, g_object_ref (self));
    return;
  }
  finish_stop (self);
}

WbAgentState
wb_agent_get_state (WbAgent *self)
{
  g_return_val_if_fail (WB_IS_AGENT (self), WB_AGENT_STATE_FAILED);
  return self->state;
}

const char *
wb_agent_get_conference (WbAgent *self)
{
  g_return_val_if_fail (WB_IS_AGENT (self), NULL);
  return self->conference;
}

WbAgentExit
wb_agent_get_exit_code (WbAgent *self)
{
  g_return_val_if_fail (WB_IS_AGENT (self), WB_AGENT_EXIT_MEDIA);
  return self->exit_code;
}

void
wb_agent_set_backoff (WbAgent *self,
                      guint    initial_ms,
                      guint    max_ms)
{
  g_return_if_fail (WB_IS_AGENT (self));
  wb_backoff_init (&self->backoff, initial_ms, max_ms);
}

void
wb_agent_set_check_interval (WbAgent *self,
                             guint    seconds)
{
  g_return_if_fail (WB_IS_AGENT (self));
  self->check_interval_s = seconds;
  g_clear_handle_id (&self->check_source, g_source_remove);
  if (self->state == WB_AGENT_STATE_WAITING || self->state == WB_AGENT_STATE_IN_MEETING)
    arm_check_timer (self);
}

static void
wb_agent_dispose (GObject *object)
{
  WbAgent *self = WB_AGENT (object);

  g_clear_handle_id (&self->stats_source, g_source_remove);
  g_clear_handle_id (&self->leave_source, g_source_remove);
  g_clear_handle_id (&self->retry_source, g_source_remove);
  g_clear_handle_id (&self->check_source, g_source_remove);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  if (self->stream != NULL) {
    g_signal_handlers_disconnect_by_data (self->stream, self);
    wb_event_stream_stop (self->stream);
  }
  if (self->media != NULL) {
    g_signal_handlers_disconnect_by_data (self->media, self);
    wb_agent_media_stop (self->media);
  }
  g_clear_object (&self->stream);
  g_clear_object (&self->media);
  g_clear_object (&self->client);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (wb_agent_parent_class)->dispose (object);
}

static void
wb_agent_finalize (GObject *object)
{
  WbAgent *self = WB_AGENT (object);

  g_free (self->ward);
  g_free (self->ward_path);
  g_free (self->name);
  g_free (self->conference);
  g_rand_free (self->rand);
  G_OBJECT_CLASS (wb_agent_parent_class)->finalize (object);
}

static void
wb_agent_class_init (WbAgentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wb_agent_dispose;
  object_class->finalize = wb_agent_finalize;

  signals[SIGNAL_STATE_CHANGED] =
    g_signal_new ("state-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_STRING);
}

static void
wb_agent_init (WbAgent *self)
{
  self->state = WB_AGENT_STATE_IDLE;
  self->rand = g_rand_new ();
  self->cancellable = g_cancellable_new ();
  self->check_interval_s = WB_AGENT_DEFAULT_CHECK_INTERVAL_S;
  wb_backoff_init (&self->backoff, WB_BACKOFF_DEFAULT_INITIAL_MS, WB_BACKOFF_DEFAULT_MAX_MS);
}

WbAgent *
wb_agent_new (WbClient     *client,
              const char   *ward_id,
              WbAgentMedia *media)
{
  WbAgent *self;
  g_autofree char *escaped = NULL;

  g_return_val_if_fail (WB_IS_CLIENT (client), NULL);
  g_return_val_if_fail (ward_id != NULL && *ward_id != '\0', NULL);
  g_return_val_if_fail (WB_IS_AGENT_MEDIA (media), NULL);

  self = g_object_new (WB_TYPE_AGENT, NULL);
  self->client = g_object_ref (client);
  self->media = g_object_ref (media);
  self->ward = g_strdup (ward_id);
  escaped = wb_client_escape_segment (ward_id);
  self->ward_path = g_strconcat ("/api/v1/endpoints/", escaped, NULL);
  self->stream = wb_event_stream_new (client);
  g_signal_connect (self->stream, "opened", G_CALLBACK (on_stream_opened), self);
  g_signal_connect (self->stream, "event", G_CALLBACK (on_stream_event), self);
  g_signal_connect (self->stream, "closed", G_CALLBACK (on_stream_closed), self);
  g_signal_connect (self->media, "error", G_CALLBACK (on_media_error), self);
  return self;
}
