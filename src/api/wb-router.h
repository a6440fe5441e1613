/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbRouter: the table of routes of the HTTP API and the matching of a
 * method and path against it (path parameters such as {id}, 404 versus
 * 405 with the Allow list).  Each route names who may call it and what
 * body it takes, so that authentication and body checks are decided from
 * the table, before a handler runs.  Owned by WbApi; immutable once built.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _WbRequest WbRequest;
typedef void (*WbRouteFunc) (WbRequest *request);

typedef enum {
  WB_ROUTE_FLAG_NONE          = 0,
  /* The endpoint role may call it only for its own ward, named by the
   * {id} or {ep} path parameter. */
  WB_ROUTE_FLAG_SELF          = 1 << 0,
  /* Takes a JSON object body (required). */
  WB_ROUTE_FLAG_JSON_BODY     = 1 << 1,
  /* Takes an optional JSON object body. */
  WB_ROUTE_FLAG_OPTIONAL_BODY = 1 << 2,
  /* Accepts the token as ?token= too (calendar subscriptions). */
  WB_ROUTE_FLAG_QUERY_TOKEN   = 1 << 3,
  /* A control action: written to the audit log with its result. */
  WB_ROUTE_FLAG_AUDIT         = 1 << 4,
} WbRouteFlags;

typedef struct {
  const char *method;     /* "GET", "POST", ... (GET also answers HEAD) */
  const char *pattern;    /* "/api/v1/endpoints/{id}/join" */
  guint roles;            /* WbRole mask; 0: anyone, no token needed */
  WbRouteFlags flags;
  WbRouteFunc func;
  const char *action;     /* audit action ("conference.start"); NULL otherwise */
} WbRoute;

typedef enum {
  WB_ROUTE_MATCH_OK,
  WB_ROUTE_MATCH_NOT_FOUND,
  WB_ROUTE_MATCH_BAD_METHOD,
} WbRouteMatch;

typedef struct _WbRouter WbRouter;

WbRouter *wb_router_new  (void);
void      wb_router_free (WbRouter *router);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WbRouter, wb_router_free)

/* Adds @n routes; @routes must outlive the router (static tables). */
void wb_router_add (WbRouter      *router,
                    const WbRoute *routes,
                    gsize          n);

/*
 * Matches @method and @path (percent-encoded, as in the request line).
 * OK: *@route is set and *@params holds the decoded path parameters.
 * BAD_METHOD: the path exists; *@allow is the "GET, POST" list.
 */
WbRouteMatch wb_router_match (WbRouter       *router,
                              const char     *method,
                              const char     *path,
                              const WbRoute **route,
                              GHashTable    **params,
                              char          **allow);

/* Every route, in the order added (for the OpenAPI test). */
const WbRoute *wb_router_get_route (WbRouter *router,
                                    guint     index);
guint          wb_router_get_n_routes (WbRouter *router);

G_END_DECLS
