/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbEndpointRegistry: the wards of the configuration and their live state
 * (lifecycle, conference, talking, muted, last seen, link statistics).
 * The media plane and the conference manager write it; the HTTP API and
 * the metrics read it.  Every state or talking change is published on the
 * event bus.
 *
 * Owned by the daemon; lives on the main context and is not thread safe.
 *
 * Lifecycle (DESIGN.md §3), legal moves in wb_endpoint_state_can_change():
 *   offline → idle → invited → joining → live ⇄ stalled → idle
 * plus: any state → offline (the box is lost), and invited/joining → idle
 * (the conference ended or the invitation was withdrawn before the join).
 */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "common/wb-config.h"
#include "control/wb-event-bus.h"

G_BEGIN_DECLS

#define WB_ENDPOINT_REGISTRY_ERROR (wb_endpoint_registry_error_quark ())
GQuark wb_endpoint_registry_error_quark (void);

typedef enum {
  WB_ENDPOINT_REGISTRY_ERROR_NOT_FOUND,
  WB_ENDPOINT_REGISTRY_ERROR_INVALID_TRANSITION,
} WbEndpointRegistryError;

typedef enum {
  WB_ENDPOINT_STATE_OFFLINE,
  WB_ENDPOINT_STATE_IDLE,
  WB_ENDPOINT_STATE_INVITED,
  WB_ENDPOINT_STATE_JOINING,
  WB_ENDPOINT_STATE_LIVE,
  WB_ENDPOINT_STATE_STALLED,
} WbEndpointState;

const char *wb_endpoint_state_to_string (WbEndpointState state);
gboolean    wb_endpoint_state_can_change (WbEndpointState from,
                                          WbEndpointState to);

typedef struct {
  double loss_pct;     /* received packets lost, percent */
  double jitter_ms;    /* interarrival jitter */
  double rx_kbps;      /* hub ← ward */
  double tx_kbps;      /* hub → ward */
  guint64 drops;       /* datagrams dropped at ingress, total */
  guint64 audio_overflow; /* decoded audio blocks dropped: the mixer was over 320 ms behind */
  double remote_loss_pct; /* hub → ward: what the box reports it lost of the hub's audio */
  guint remote_loss_reports; /* how many such RTCP reports the hub read */
  guint audio_fec_pct;    /* the loss the hub's Opus encode for the ward plans its FEC for */
} WbEndpointStats;

/* One ward.  Owned by the registry; valid until the next call that changes
 * the registry's configuration (wb_endpoint_registry_set_config()). */
typedef struct {
  char *id;
  char *name;
  WbEndpointKind kind;
  WbEndpointMode mode;
  WbAudioCodec audio_codec;
  WbVideoCodec video_codec;
  gboolean srtp;

  WbEndpointState state;
  char *conference;        /* NULL when in none */
  gboolean talking;
  gboolean muted;
  gint64 last_seen_us;     /* wall clock; 0 = never seen */
  WbEndpointStats stats;
} WbEndpoint;

#define WB_TYPE_ENDPOINT_REGISTRY (wb_endpoint_registry_get_type ())
G_DECLARE_FINAL_TYPE (WbEndpointRegistry, wb_endpoint_registry, WB, ENDPOINT_REGISTRY, GObject)

/* @bus may be NULL (no events are published). */
WbEndpointRegistry *wb_endpoint_registry_new (WbConfig   *config,
                                              WbEventBus *bus);

/*
 * Applies a reloaded configuration: names, kinds, modes and codecs are
 * updated in place, live state is kept; wards new in @config start
 * offline; wards no longer in @config are dropped.
 */
void wb_endpoint_registry_set_config (WbEndpointRegistry *registry,
                                      WbConfig           *config);

const WbEndpoint *wb_endpoint_registry_lookup (WbEndpointRegistry *registry,
                                               const char         *id);

/* All wards in configuration order (element-type const WbEndpoint*; the
 * array owns no elements). */
GPtrArray *wb_endpoint_registry_list (WbEndpointRegistry *registry);

/*
 * Moves @id to @state.  @conference is the conference it is invited to or
 * takes part in; it is kept for invited/joining/live/stalled and cleared
 * for idle/offline (pass NULL to keep the current one).  Publishes
 * "endpoint.state".  Moving to the current state is a no-op.
 */
gboolean wb_endpoint_registry_set_state (WbEndpointRegistry *registry,
                                         const char         *id,
                                         WbEndpointState     state,
                                         const char         *conference,
                                         GError            **error);

/* Publishes "participant.talking" when the value changes. */
gboolean wb_endpoint_registry_set_talking (WbEndpointRegistry *registry,
                                           const char         *id,
                                           gboolean            talking,
                                           GError            **error);

gboolean wb_endpoint_registry_set_muted (WbEndpointRegistry *registry,
                                         const char         *id,
                                         gboolean            muted,
                                         GError            **error);

gboolean wb_endpoint_registry_mark_seen (WbEndpointRegistry *registry,
                                         const char         *id,
                                         gint64              when_us,
                                         GError            **error);

gboolean wb_endpoint_registry_update_stats (WbEndpointRegistry    *registry,
                                            const char            *id,
                                            const WbEndpointStats *stats,
                                            GError               **error);

/* The API shape of one ward (DESIGN.md §4, GET /api/v1/endpoints). */
JsonNode *wb_endpoint_to_json (const WbEndpoint *endpoint);

G_END_DECLS
