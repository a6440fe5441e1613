/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbEventStream: follows the hub's GET /api/v1/events (Server-Sent Events)
 * through a WbClient and emits each event with its JSON data.
 *
 * Signals, all on the client's main context:
 *   "opened" ()                              the hub accepted the stream
 *   "event"  (const char *name, const char *id, JsonNode *data)
 *            data is the parsed JSON of the event's data (NULL if not JSON)
 *   "closed" (GError *error)                 the stream ended; error says why
 *            (a WB_CLIENT_ERROR; never emitted after wb_event_stream_stop())
 *
 * A stream that hears nothing, not even a keep-alive comment, for the idle
 * timeout is taken as broken.  It does not reconnect by itself: its owner
 * (the agent's state machine, wardbridgectl) decides when to call
 * wb_event_stream_start() again, which resumes from the last event id.
 * Owned by whoever creates it; it keeps a reference on the client.
 */
#pragma once

#include "wb-client.h"

G_BEGIN_DECLS

#define WB_EVENT_STREAM_DEFAULT_IDLE_TIMEOUT_S 60

#define WB_TYPE_EVENT_STREAM (wb_event_stream_get_type ())
G_DECLARE_FINAL_TYPE (WbEventStream, wb_event_stream, WB, EVENT_STREAM, GObject)

WbEventStream *wb_event_stream_new (WbClient *client);

/* 0 disables the idle check. */
void        wb_event_stream_set_idle_timeout (WbEventStream *self,
                                              guint          seconds);
/* Opens the stream (closing a previous one first). */
void        wb_event_stream_start  (WbEventStream *self);
/* Closes it; no "closed" is emitted. */
void        wb_event_stream_stop   (WbEventStream *self);
gboolean    wb_event_stream_is_open (WbEventStream *self);
const char *wb_event_stream_get_last_id (WbEventStream *self);

G_END_DECLS
