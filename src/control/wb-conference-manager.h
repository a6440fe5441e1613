/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbConferenceManager: the running conferences (DESIGN.md §3).
 *
 * It owns one WbConference (the media plane) per running conference and
 * keeps the rest of the hub in step with it: it invites the wards and moves
 * them through their lifecycle in the endpoint registry, joins static boxes
 * at once, publishes conference.* and participant.* events, writes the
 * conference and attendance rows (join, leave, talk time) to the store,
 * copies link statistics into the registry every second, and ends booked
 * conferences for the scheduler.  It implements WbConferenceControl, the
 * interface the HTTP API calls.
 *
 * The daemon owns one; it lives on the main context and is not thread safe.
 */
#pragma once

#include <glib-object.h>

#include "common/wb-config.h"
#include "control/wb-conference-control.h"
#include "control/wb-endpoint-registry.h"
#include "control/wb-event-bus.h"
#include "control/wb-scheduler.h"
#include "store/wb-store.h"

G_BEGIN_DECLS

#define WB_TYPE_CONFERENCE_MANAGER (wb_conference_manager_get_type ())
G_DECLARE_FINAL_TYPE (WbConferenceManager, wb_conference_manager, WB, CONFERENCE_MANAGER, GObject)

/* How often link statistics are copied into the registry and talk time is
 * flushed to the store. */
#define WB_CONFERENCE_MANAGER_STATS_INTERVAL_MS 1000

WbConferenceManager *wb_conference_manager_new (WbConfig           *config,
                                                WbStore            *store,
                                                WbEndpointRegistry *registry,
                                                WbEventBus         *bus);

/* Names, codecs and tokens of a reloaded configuration; conferences that
 * run keep their pipelines, new joins use the new values. */
void wb_conference_manager_set_config (WbConferenceManager *self,
                                       WbConfig            *config);

/* Gives @scheduler the hooks that start and end booked conferences, and
 * tells it when a booked conference ends by other means. */
void wb_conference_manager_attach_scheduler (WbConferenceManager *self,
                                             WbScheduler         *scheduler);

/* Ends every running conference (daemon stop): recordings are closed,
 * attendance rows closed, events published. */
void wb_conference_manager_end_all (WbConferenceManager *self);

guint wb_conference_manager_get_n_running (WbConferenceManager *self);

G_END_DECLS
