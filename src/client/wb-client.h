/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbClient: the small client of the hub's HTTP API v1 (DESIGN.md §4) that
 * wardbridgectl and wardbridge-endpoint share.  It sends JSON with a bearer
 * token on a libsoup 3 session and turns every failure into one GError:
 * an answer of the hub that is an error (RFC 9457 problem details) becomes
 * WB_CLIENT_ERROR_REFUSED carrying the status, title, detail and the whole
 * problem; a hub that cannot be reached becomes WB_CLIENT_ERROR_CONNECTION.
 *
 * Calls are asynchronous and complete on the thread-default main context
 * of the caller of wb_client_new().  Whoever creates a WbClient owns it;
 * pending calls keep it alive.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define WB_CLIENT_ERROR (wb_client_error_quark ())
GQuark wb_client_error_quark (void);

typedef enum {
  WB_CLIENT_ERROR_REFUSED,     /* the hub answered with an HTTP error status */
  WB_CLIENT_ERROR_CONNECTION,  /* the hub could not be reached, or the connection broke */
  WB_CLIENT_ERROR_PROTOCOL,    /* the hub's answer was not what the API promises */
  WB_CLIENT_ERROR_INVALID,     /* a bad URL or argument given to the client */
} WbClientError;

/* What a WB_CLIENT_ERROR_REFUSED error carries (0 / NULL for the others). */
guint       wb_client_error_get_status  (const GError *error);
const char *wb_client_error_get_title   (const GError *error);
const char *wb_client_error_get_detail  (const GError *error);
/* The problem object as the hub sent it ("errors", "conflicts", ...), or
 * NULL when the answer held none. */
JsonObject *wb_client_error_get_problem (const GError *error);

#define WB_CLIENT_DEFAULT_TIMEOUT_S 20

#define WB_TYPE_CLIENT (wb_client_get_type ())
G_DECLARE_FINAL_TYPE (WbClient, wb_client, WB, CLIENT, GObject)

/* @base_url: "http://host:port" (a path prefix is kept); @token may be
 * NULL.  Fails with WB_CLIENT_ERROR_INVALID on a URL that is not http(s). */
WbClient   *wb_client_new          (const char  *base_url,
                                    const char  *token,
                                    GError     **error);
const char *wb_client_get_base_url (WbClient *self);
/* The host part of the base URL ("127.0.0.1"). */
const char *wb_client_get_host     (WbClient *self);
/* I/O timeout of ordinary calls, in seconds (0: none). */
void        wb_client_set_timeout  (WbClient *self,
                                    guint     seconds);

/*
 * One API call.  @path starts with "/" and is appended to the base URL
 * (query included).  @body: a JSON node to send, or NULL.
 * @idempotency_key: sent as Idempotency-Key when not NULL.
 */
void     wb_client_call_async  (WbClient            *self,
                                const char          *method,
                                const char          *path,
                                JsonNode            *body,
                                const char          *idempotency_key,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data);
/* On success @out_status gets the HTTP status (200, 201, 204, ...) and
 * @out_body (both may be NULL) the parsed JSON answer, or NULL when the
 * answer had no body. */
gboolean wb_client_call_finish (WbClient      *self,
                                GAsyncResult  *result,
                                guint         *out_status,
                                JsonNode     **out_body,
                                GError       **error);

/* The same, blocking: runs the thread-default main context until done.
 * For command-line programs only. */
gboolean wb_client_call_sync (WbClient      *self,
                              const char    *method,
                              const char    *path,
                              JsonNode      *body,
                              const char    *idempotency_key,
                              guint         *out_status,
                              JsonNode     **out_body,
                              GError       **error);

/*
 * Opens GET /api/v1/events (Server-Sent Events) without an I/O timeout.
 * @last_event_id: sent as Last-Event-ID when not NULL.  Returns the body
 * stream once the hub has answered 200 with text/event-stream; a refusal
 * is a WB_CLIENT_ERROR_REFUSED error as for any call.
 */
void          wb_client_open_events_async  (WbClient            *self,
                                            const char          *last_event_id,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
GInputStream *wb_client_open_events_finish (WbClient      *self,
                                            GAsyncResult  *result,
                                            GError       **error);

/* Percent-encodes one path segment ("ward 01" -> "ward%2001"). */
char *wb_client_escape_segment (const char *segment);

G_END_DECLS
