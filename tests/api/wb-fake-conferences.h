/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbFakeConferences: a WbConferenceControl for the API tests.  It keeps
 * conferences in memory, moves wards in the endpoint registry and
 * publishes conference events on the bus as the real conference manager
 * does, and records what the API asked of it so tests can check the
 * arguments.  Snapshots answer from an idle callback, like a pipeline that
 * waits for its next frame.
 */
#pragma once

#include "control/wb-conference-control.h"
#include "control/wb-event-bus.h"

G_BEGIN_DECLS

#define WB_TYPE_FAKE_CONFERENCES (wb_fake_conferences_get_type ())
G_DECLARE_FINAL_TYPE (WbFakeConferences, wb_fake_conferences, WB, FAKE_CONFERENCES, GObject)

/* The JPEG every snapshot returns. */
extern const guint8 wb_fake_jpeg[];
extern const gsize wb_fake_jpeg_len;

WbFakeConferences *wb_fake_conferences_new (WbEndpointRegistry *registry,
                                            WbEventBus         *bus);

/* What the last join asked for. */
const char *wb_fake_conferences_last_join_address (WbFakeConferences *self);
guint       wb_fake_conferences_last_join_audio_port (WbFakeConferences *self);
guint       wb_fake_conferences_last_join_video_port (WbFakeConferences *self);
/* The actor id of the last start or end. */
const char *wb_fake_conferences_last_actor (WbFakeConferences *self);
/* Number of calls that changed something (start, update, end, mute, join, leave). */
guint       wb_fake_conferences_get_n_changes (WbFakeConferences *self);
/* Muted flag of @ep in conference @id. */
gboolean    wb_fake_conferences_is_muted (WbFakeConferences *self,
                                          const char        *id,
                                          const char        *ep);

G_END_DECLS
