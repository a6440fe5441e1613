/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbTestHub: a small hub for the client, ctl and agent tests that answers
 * the parts of the HTTP API v1 (DESIGN.md §4) those programs use, on a real
 * libsoup server on 127.0.0.1 with a port chosen at run time, and records
 * what it was asked.  It stands in for wardbridged until the daemon serves
 * the API; its answers follow the contract, not a particular server.
 *
 * Tokens: "admin-token" (admin), "sched-token" (scheduler) and
 * "<ward>-token" for each ward's box.  Wards: ward-01, ward-03, ward-08,
 * ward-22 with their Vietnamese names.  Lives on the thread-default main
 * context; owned by the test.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct _WbTestHub WbTestHub;

/* Listens on 127.0.0.1 and a free port. */
WbTestHub  *wb_test_hub_new        (void);
void        wb_test_hub_free       (WbTestHub *hub);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WbTestHub, wb_test_hub_free)

guint       wb_test_hub_get_port   (WbTestHub *hub);
/* "http://127.0.0.1:PORT" */
const char *wb_test_hub_get_url    (WbTestHub *hub);

/* Where joining boxes are told to send their RTP (RTCP on +1). */
void        wb_test_hub_set_media_ports (WbTestHub *hub,
                                         guint      audio_port,
                                         guint      video_port);

/* Starts a conference of @wards (NULL-terminated) now, as POST
 * /api/v1/conferences would; returns its id (owned by the hub). */
const char *wb_test_hub_start_conference (WbTestHub          *hub,
                                          const char         *title,
                                          const char *const  *wards);
void        wb_test_hub_end_conference   (WbTestHub  *hub,
                                          const char *id);

/* A killed hub: closes the event streams and stops listening.  Running
 * conferences are kept and joins forgotten, as the daemon restores them
 * from its store on restart. */
void        wb_test_hub_kill    (WbTestHub *hub);
/* Listens again on the same port. */
void        wb_test_hub_restart (WbTestHub *hub);

/* A ward's endpoint object as GET /api/v1/endpoints/{id} answers it. */
JsonObject *wb_test_hub_get_endpoint (WbTestHub  *hub,
                                      const char *ward);
/* How many POST .../join and .../leave the hub accepted for @ward, and the
 * ports of the last join (0 when none). */
guint       wb_test_hub_count_joins  (WbTestHub  *hub,
                                      const char *ward);
guint       wb_test_hub_count_leaves (WbTestHub  *hub,
                                      const char *ward);
void        wb_test_hub_get_join_ports (WbTestHub  *hub,
                                        const char *ward,
                                        guint      *audio_port,
                                        guint      *video_port);
/* Requests served, as "METHOD /path" strings, oldest first. */
GPtrArray  *wb_test_hub_get_log (WbTestHub *hub);
/* Event streams open now. */
guint       wb_test_hub_count_streams (WbTestHub *hub);
/* The last request body sent to @path_suffix (e.g. "/bookings"), or NULL. */
JsonObject *wb_test_hub_get_last_body (WbTestHub  *hub,
                                       const char *method_and_path);

/* Runs the default main context until @done returns TRUE or @timeout_s
 * passes (looking at @done at least every 50 ms); returns what @done last
 * said. */
gboolean    wb_test_wait_until (gboolean (*done) (gpointer data),
                                gpointer   data,
                                guint      timeout_s);

G_END_DECLS
