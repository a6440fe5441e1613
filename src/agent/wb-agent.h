/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbAgent: the control logic of wardbridge-endpoint, the ward box's agent.
 *
 * It follows the hub's event stream with the box's token; whenever an event
 * concerns its ward (and on every (re)connection, and every check interval)
 * it reads its own endpoint (GET /api/v1/endpoints/{id}) and acts on what
 * the hub says: invited to a conference it joins (POST .../join with the
 * ports its WbAgentMedia listens on) and starts the media; when the
 * conference is gone it stops them; when the hub has forgotten it (a
 * restarted hub re-inviting the wards of a booking in progress) it joins
 * again.  A lost hub is retried with capped exponential backoff and jitter
 * (WbBackoff); the media keep running meanwhile.
 *
 * The states and their legal transitions are in one function,
 * wb_agent_enter(), which also writes the plain-words log line of each
 * change.  Owned by main() (or a test); lives on the main context.
 */
#pragma once

#include <gio/gio.h>

#include "client/wb-client.h"
#include "wb-agent-media.h"

G_BEGIN_DECLS

typedef enum {
  WB_AGENT_STATE_IDLE,        /* not started */
  WB_AGENT_STATE_CONNECTING,  /* opening the event stream, reading our endpoint */
  WB_AGENT_STATE_WAITING,     /* connected; no conference invites us */
  WB_AGENT_STATE_JOINING,     /* POST .../join in flight */
  WB_AGENT_STATE_IN_MEETING,  /* joined; media flowing */
  WB_AGENT_STATE_RETRYING,    /* the hub is unreachable; a timer will try again */
  WB_AGENT_STATE_STOPPED,     /* stopped on request (signal) */
  WB_AGENT_STATE_FAILED,      /* the hub refused this box, or the media failed */
} WbAgentState;

const char *wb_agent_state_to_string (WbAgentState state);

/* Exit codes of wardbridge-endpoint, one per way of ending. */
typedef enum {
  WB_AGENT_EXIT_OK = 0,          /* stopped by SIGTERM/SIGINT */
  WB_AGENT_EXIT_REFUSED = 1,     /* the hub refused the token or the ward */
  WB_AGENT_EXIT_USAGE = 2,       /* bad options or configuration */
  WB_AGENT_EXIT_MEDIA = 3,       /* the camera, microphone or pipeline failed */
} WbAgentExit;

#define WB_AGENT_DEFAULT_CHECK_INTERVAL_S 30

#define WB_TYPE_AGENT (wb_agent_get_type ())
G_DECLARE_FINAL_TYPE (WbAgent, wb_agent, WB, AGENT, GObject)

/* @client: the hub's API with this box's token (a reference is kept). */
WbAgent     *wb_agent_new (WbClient     *client,
                           const char   *ward_id,
                           WbAgentMedia *media);

/* For tests: the backoff's first and longest delay, and how often the
 * agent reads its endpoint while connected (0: only on events). */
void         wb_agent_set_backoff        (WbAgent *self,
                                          guint    initial_ms,
                                          guint    max_ms);
void         wb_agent_set_check_interval (WbAgent *self,
                                          guint    seconds);

void         wb_agent_start (WbAgent *self);
/* Leaves a meeting (POST .../leave, best effort), stops the media and the
 * event stream; "state-changed" to STOPPED follows when that is done. */
void         wb_agent_stop  (WbAgent *self);

WbAgentState wb_agent_get_state      (WbAgent *self);
const char  *wb_agent_get_conference (WbAgent *self);
WbAgentExit  wb_agent_get_exit_code  (WbAgent *self);

/* Signal "state-changed" (WbAgentState state, const char *message):
 * emitted after each change, with the plain-words line that was logged. */

G_END_DECLS
