/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the route modules (wb-routes-*.c, wb-sse.c) share with WbApi: the
 * request being served and the helpers that answer it.  Not installed.
 */
#pragma once

#include <libsoup/soup.h>

#include "api/wb-api.h"
#include "api/wb-auth.h"
#include "api/wb-problem.h"
#include "api/wb-rate-limit.h"
#include "api/wb-router.h"

G_BEGIN_DECLS

struct _WbRequest {
  WbApi *api;                  /* borrowed */
  SoupServerMessage *msg;      /* borrowed: the request is data of the message */
  const WbRoute *route;
  WbIdentity *identity;        /* NULL on public routes called without a token */
  GHashTable *params;          /* path parameters, decoded */
  GHashTable *query;           /* query parameters, decoded; may be NULL */
  JsonNode *body;              /* the parsed body; NULL when none */
  char *remote_host;
  char *audit_target;          /* set by a handler: "booking/ID"; NULL: the path */
  char *audit_detail;          /* the problem's detail, when it failed */
  gboolean paused;             /* answered later (wb_request_pause()) */
};

/* Route tables of the modules. */
extern const WbRoute wb_routes_system[];
extern const gsize wb_routes_system_len;
extern const WbRoute wb_routes_endpoints[];
extern const gsize wb_routes_endpoints_len;
extern const WbRoute wb_routes_conferences[];
extern const gsize wb_routes_conferences_len;
extern const WbRoute wb_routes_bookings[];
extern const gsize wb_routes_bookings_len;

/* Accessors for the route modules. */
WbConfig            *wb_api_get_config      (WbApi *api);
WbEndpointRegistry  *wb_api_get_registry    (WbApi *api);
WbEventBus          *wb_api_get_bus         (WbApi *api);
WbBookingService    *wb_api_get_bookings    (WbApi *api);
WbConferenceControl *wb_api_get_conferences (WbApi *api);
WbRouter            *wb_api_get_router      (WbApi *api);
const WbApiLimits   *wb_api_peek_limits     (WbApi *api);
WbApiAssetFunc       wb_api_get_asset_handler (WbApi *api);
/* Counters for /metrics. */
void wb_api_append_metrics (WbApi *api, GString *out);

/* Rate-limited structured log line, for anything network input causes. */
void wb_api_log (WbApi          *api,
                 GLogLevelFlags  level,
                 const char     *format,
                 ...) G_GNUC_PRINTF (3, 4);

const char *wb_request_param (WbRequest  *request,
                              const char *name);
const char *wb_request_query (WbRequest  *request,
                              const char *name);
JsonObject *wb_request_body_object (WbRequest *request);

/* Answers.  @node is transfer full. */
void wb_request_respond_json (WbRequest *request,
                              guint      status,
                              JsonNode  *node);
void wb_request_respond_text (WbRequest  *request,
                              guint       status,
                              const char *content_type,
                              char       *text);   /* transfer full */
void wb_request_respond_empty (WbRequest *request,
                               guint      status);
void wb_request_respond_problem (WbRequest  *request,
                                 guint       status,
                                 const char *slug,
                                 const char *detail,
                                 JsonNode   *errors,
                                 JsonNode   *conflicts);
/* Maps a GError of the booking, store, conference or registry domains to
 * its problem. */
void wb_request_respond_error (WbRequest    *request,
                               const GError *error);

/* Appends an audit row for @request's caller; no-op without a store.
 * @target may be NULL (the request path is used). */
void wb_request_audit (WbRequest  *request,
                       const char *target,
                       const char *detail);

/* Asynchronous answers: keep @request alive past the handler. */
void wb_request_pause   (WbRequest *request);
void wb_request_unpause (WbRequest *request);

/* JSON and time helpers. */
char     *wb_api_format_time (gint64 utc_us);
JsonNode *wb_api_conference_to_json (const WbConferenceInfo *info);

/* SSE (wb-sse.c) */
typedef struct _WbSseHub WbSseHub;
WbSseHub *wb_sse_hub_new    (WbApi *api, WbEventBus *bus);
void      wb_sse_hub_free   (WbSseHub *hub);
void      wb_sse_hub_close_all (WbSseHub *hub);
guint     wb_sse_hub_get_n_clients (WbSseHub *hub);
void      wb_sse_hub_attach (WbSseHub *hub, WbRequest *request);
WbSseHub *wb_api_get_sse_hub (WbApi *api);

G_END_DECLS
