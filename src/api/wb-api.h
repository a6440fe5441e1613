/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbApi: the hub's HTTP API v1 (DESIGN.md §4) on a libsoup 3 server.
 *
 * It accepts connections itself (to cap them per remote address and to
 * close idle ones), authenticates bearer tokens, applies the request limits
 * (body size, requests per address), routes to the handlers of
 * wb-routes-*.c and answers every error as RFC 9457 problem details.  It
 * reads the endpoint registry, follows the event bus for SSE, and calls the
 * booking service and the conference control for everything that changes
 * state.  It also publishes booking.* events from the booking service's
 * "booking-changed" signal.
 *
 * The daemon owns one WbApi; it lives on the main context and never
 * blocks it.  Each connection serves one request (responses carry
 * "Connection: close").
 */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

#include "common/wb-config.h"
#include "control/wb-endpoint-registry.h"
#include "control/wb-event-bus.h"
#include "control/wb-booking-service.h"
#include "control/wb-conference-control.h"

G_BEGIN_DECLS

/* Limits that the configuration file does not (yet) carry. */
typedef struct {
  double requests_per_second;        /* per remote address, sustained */
  guint request_burst;               /* per remote address, bucket size */
  guint max_connections_per_address; /* open at once; more are refused */
  guint idle_timeout_s;              /* a connection with no progress for this long is closed */
  guint request_timeout_s;           /* a request not read whole this long after the
                                      * connection opened is cut (slowloris) */
  guint sse_keepalive_s;             /* comment line sent on idle event streams */
  gsize sse_max_pending_bytes;       /* a stream further behind than this is dropped */
  guint sse_max_clients;             /* event streams open at once */
} WbApiLimits;

/* Sized so that all 32 agents behind one NAT address (a city VPN) can
 * hold their event streams and rejoin at once after a hub restart. */
#define WB_API_DEFAULT_REQUESTS_PER_SECOND  30.0
#define WB_API_DEFAULT_REQUEST_BURST        120
#define WB_API_DEFAULT_MAX_CONNECTIONS      64
#define WB_API_DEFAULT_IDLE_TIMEOUT_S       30
#define WB_API_DEFAULT_REQUEST_TIMEOUT_S    15
#define WB_API_DEFAULT_SSE_KEEPALIVE_S      15
#define WB_API_DEFAULT_SSE_MAX_PENDING      (256 * 1024)
#define WB_API_DEFAULT_SSE_MAX_CLIENTS      128

void wb_api_limits_init_default (WbApiLimits *limits);

#define WB_TYPE_API (wb_api_get_type ())
G_DECLARE_FINAL_TYPE (WbApi, wb_api, WB, API, GObject)

WbApi *wb_api_new (WbConfig           *config,
                   WbEndpointRegistry *registry,
                   WbEventBus         *bus);

/* Swaps the parts of a reloaded configuration that apply at run time:
 * tokens, max-body-bytes, public address.  Listening address, port and TLS
 * need a restart. */
void wb_api_set_config (WbApi    *api,
                        WbConfig *config);

/* Bookings, audit and attendance routes answer 503 until this is set. */
void wb_api_set_booking_service (WbApi            *api,
                                 WbBookingService *bookings);
/* Conference and join/leave routes answer 503 until this is set. */
void wb_api_set_conference_control (WbApi               *api,
                                    WbConferenceControl *control);

/*
 * Serves the web console: called for GET/HEAD of "/" and "/assets/NAME"
 * (@path decoded, without the query).  Answers @msg and returns TRUE, or
 * returns FALSE, leaving @msg untouched, for a path it has no file for
 * (the API then answers a 404 problem).  wb_web_serve() of src/web/ has
 * this shape; without a handler those paths are 404.
 */
typedef gboolean (*WbApiAssetFunc) (SoupServerMessage *msg,
                                    const char        *path);

void wb_api_set_asset_handler (WbApi          *api,
                               WbApiAssetFunc  func);

void wb_api_get_limits (WbApi       *api,
                        WbApiLimits *limits);
void wb_api_set_limits (WbApi             *api,
                        const WbApiLimits *limits);

/* Starts listening on [http] address and port, with TLS when
 * tls-certificate and tls-key are set. */
gboolean wb_api_listen (WbApi   *api,
                        GError **error);
/* The port actually bound (useful with port=0). */
guint    wb_api_get_port (WbApi *api);
/* Stops listening, ends the event streams and closes connections. */
void     wb_api_stop (WbApi *api);

G_END_DECLS
