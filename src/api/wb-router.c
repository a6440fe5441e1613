/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbRouter: segment-by-segment matching of request paths.
 */
#include "wb-router.h"

#include <string.h>

/* Longest path and deepest route we look at; anything longer is a 404. */
#define MAX_PATH_LEN 1024
#define MAX_SEGMENTS 16

struct _WbRouter {
  GPtrArray *routes;        /* const WbRoute*, borrowed */
};

WbRouter *
wb_router_new (void)
{
  WbRouter *router = g_new0 (WbRouter, 1);

  router->routes = g_ptr_array_new ();
  return router;
}

void
wb_router_free (WbRouter *router)
{
  if (router == NULL)
    return;
  g_ptr_array_unref (router->routes);
  g_free (router);
}

void
wb_router_add (WbRouter *router, const WbRoute *routes, gsize n)
{
  for (gsize i = 0; i < n; i++)
    g_ptr_array_add (router->routes, (gpointer) &routes[i]);
}

const WbRoute *
wb_router_get_route (WbRouter *router, guint index)
{
  g_return_val_if_fail (index < router->routes->len, NULL);
  return g_ptr_array_index (router->routes, index);
}

guint
wb_router_get_n_routes (WbRouter *router)
{
  return router->routes->len;
}

/* Splits "/a/b/c" into decoded segments; NULL when the path is not one we
 * could route (no leading '/', too long, bad escapes, an escaped '/' or a
 * NUL in a segment). */
static GStrv
split_path (const char *path)
{
  g_auto (GStrv) raw = NULL;
  g_autoptr (GStrvBuilder) builder = NULL;
  guint n;

  if (path == NULL || path[0] != '/' || strlen (path) > MAX_PATH_LEN)
    return NULL;

  raw = g_strsplit (path + 1, "/", MAX_SEGMENTS + 1);
  n = g_strv_length (raw);
  if (n > MAX_SEGMENTS)
    return NULL;

  builder = g_strv_builder_new ();
  for (guint i = 0; i < n; i++) {
    g_autofree char *decoded = g_uri_unescape_string (raw[i], "/");
    if (decoded == NULL)
      return NULL;
    g_strv_builder_add (builder, decoded);
  }
  return g_strv_builder_end (builder);
}

static gboolean
path_matches (const char *pattern, char **segments, GHashTable *params)
{
  g_auto (GStrv) parts = g_strsplit (pattern + 1, "/", -1);
  guint n = g_strv_length (parts);

  if (n != g_strv_length (segments))
    return FALSE;

  for (guint i = 0; i < n; i++) {
    gsize len = strlen (parts[i]);

    if (len > 2 && parts[i][0] == '{' && parts[i][len - 1] == '}') {
      if (segments[i][0] == '\0')
        return FALSE;
      if (params != NULL)
        g_hash_table_insert (params, g_strndup (parts[i] + 1, len - 2), g_strdup (segments[i]));
    } else if (!g_str_equal (parts[i], segments[i])) {
      return FALSE;
    }
  }
  return TRUE;
}

static gboolean
method_matches (const char *route_method, const char *method)
{
  if (g_str_equal (route_method, method))
    return TRUE;
  return g_str_equal (route_method, "GET") && g_str_equal (method, "HEAD");
}

WbRouteMatch
wb_router_match (WbRouter       *router,
                 const char     *method,
                 const char     *path,
                 const WbRoute **route,
                 GHashTable    **params,
                 char          **allow)
{
  g_auto (GStrv) segments = split_path (path);
  g_autoptr (GString) methods = NULL;

  *route = NULL;
  *params = NULL;
  *allow = NULL;

  if (segments == NULL)
    return WB_ROUTE_MATCH_NOT_FOUND;

  for (guint i = 0; i < router->routes->len; i++) {
    const WbRoute *r = g_ptr_array_index (router->routes, i);

    if (!path_matches (r->pattern, segments, NULL))
      continue;
    if (method_matches (r->method, method)) {
      *params = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      path_matches (r->pattern, segments, *params);
      *route = r;
      return WB_ROUTE_MATCH_OK;
    }
    if (methods == NULL)
      methods = g_string_new (NULL);
    else
      g_string_append (methods, ", ");
    g_string_append (methods, r->method);
    if (g_str_equal (r->method, "GET"))
      g_string_append (methods, ", HEAD");
  }

  if (methods == NULL)
    return WB_ROUTE_MATCH_NOT_FOUND;
  *allow = g_string_free (g_steal_pointer (&methods), FALSE);
  return WB_ROUTE_MATCH_BAD_METHOD;
}
