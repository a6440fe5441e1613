/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Serves the web console from the GResource compiled into the daemon.  See
 * wb-web.h.  The asset table (path -> bytes, ETag, Content-Type) is built
 * once, on first use, and is read-only afterwards, so serving needs no lock.
 */
#define G_LOG_DOMAIN "wardbridge-web"

#include "web/wb-web.h"

#include <string.h>

#include "web/wb-web-resources.h"

/*
 * Scripts and styles come only from our own origin: no inline script, no
 * eval, no inline style sheet.  Snapshots of the composite are fetched with
 * the bearer token and shown as blob: URLs.
 */
#define WB_WEB_CSP \
  "default-src 'none'; " \
  "script-src 'self'; " \
  "style-src 'self'; " \
  "img-src 'self' blob:; " \
  "connect-src 'self'; " \
  "font-src 'self'; " \
  "manifest-src 'self'; " \
  "base-uri 'none'; " \
  "form-action 'self'; " \
  "frame-ancestors 'none'"

/* Assets are not fingerprinted, so browsers revalidate each use; the ETag
 * makes that a 304 without a body. */
#define WB_WEB_CACHE_CONTROL "no-cache"

typedef struct {
  GBytes *data;
  char *etag;                 /* quoted strong validator */
  const char *content_type;   /* static */
} WbWebAsset;

static const struct {
  const char *suffix;
  const char *content_type;
} content_types[] = {
  { ".html", "text/html; charset=utf-8" },
  { ".js",   "text/javascript; charset=utf-8" },
  { ".css",  "text/css; charset=utf-8" },
  { ".svg",  "image/svg+xml" },
  { ".png",  "image/png" },
  { ".json", "application/json" },
};

const char *
wb_web_content_type (const char *name)
{
  g_return_val_if_fail (name != NULL, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (content_types); i++) {
    if (g_str_has_suffix (name, content_types[i].suffix))
      return content_types[i].content_type;
  }
  return NULL;
}

static void
wb_web_asset_free (WbWebAsset *asset)
{
  g_bytes_unref (asset->data);
  g_free (asset->etag);
  g_free (asset);
}

static void
add_asset (GHashTable *table,
           GResource  *resource,
           const char *resource_path,
           const char *url_path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) data = NULL;
  g_autofree char *digest = NULL;
  const char *content_type;
  WbWebAsset *asset;

  content_type = wb_web_content_type (resource_path);
  if (content_type == NULL) {
    g_warning ("web console: %s has a kind of file it does not serve", resource_path);
    return;
  }
  data = g_resource_lookup_data (resource, resource_path, G_RESOURCE_LOOKUP_FLAGS_NONE, &error);
  if (data == NULL) {
    g_warning ("web console: %s: %s", resource_path, error->message);
    return;
  }

  digest = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, data);
  asset = g_new0 (WbWebAsset, 1);
  asset->data = g_steal_pointer (&data);
  asset->etag = g_strdup_printf ("\"%.32s\"", digest);
  asset->content_type = content_type;
  g_hash_table_insert (table, g_strdup (url_path), asset);
}

static gpointer
build_asset_table (gpointer user_data)
{
  GResource *resource = wb_web_resources_get_resource ();
  GHashTable *table;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) names = NULL;

  table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                 (GDestroyNotify) wb_web_asset_free);
  add_asset (table, resource, WB_WEB_RESOURCE_PREFIX "/index.html", "/");

  names = g_resource_enumerate_children (resource, WB_WEB_RESOURCE_PREFIX "/assets/",
                                         G_RESOURCE_LOOKUP_FLAGS_NONE, &error);
  if (names == NULL) {
    g_warning ("web console: no assets: %s", error->message);
    return table;
  }
  for (guint i = 0; names[i] != NULL; i++) {
    g_autofree char *resource_path = NULL;
    g_autofree char *url_path = NULL;

    if (g_str_has_suffix (names[i], "/"))
      continue;   /* the console keeps its assets in one flat folder */
    resource_path = g_strconcat (WB_WEB_RESOURCE_PREFIX "/assets/", names[i], NULL);
    url_path = g_strconcat ("/assets/", names[i], NULL);
    add_asset (table, resource, resource_path, url_path);
  }
  return table;
}

static GHashTable *
get_asset_table (void)
{
  static GOnce once = G_ONCE_INIT;

  return g_once (&once, build_asset_table, NULL);
}

void
wb_web_add_security_headers (SoupMessageHeaders *headers)
{
  g_return_if_fail (headers != NULL);

  soup_message_headers_replace (headers, "Content-Security-Policy", WB_WEB_CSP);
  soup_message_headers_replace (headers, "X-Content-Type-Options", "nosniff");
  soup_message_headers_replace (headers, "Referrer-Policy", "no-referrer");
  soup_message_headers_replace (headers, "X-Frame-Options", "DENY");
  soup_message_headers_replace (headers, "Cross-Origin-Opener-Policy", "same-origin");
  soup_message_headers_replace (headers, "Cross-Origin-Resource-Policy", "same-origin");
  soup_message_headers_replace (headers, "Permissions-Policy",
                                "camera=(), microphone=(), geolocation=()");
}

/* RFC 9110 §13.1.2: If-None-Match uses the weak comparison. */
static gboolean
etag_matches (const char *if_none_match,
              const char *etag)
{
  g_auto (GStrv) candidates = NULL;

  if (if_none_match == NULL)
    return FALSE;

  candidates = g_strsplit (if_none_match, ",", -1);
  for (guint i = 0; candidates[i] != NULL; i++) {
    const char *tag = g_strstrip (candidates[i]);

    if (g_str_equal (tag, "*"))
      return TRUE;
    if (g_str_has_prefix (tag, "W/"))
      tag += 2;
    if (g_str_equal (tag, etag))
      return TRUE;
  }
  return FALSE;
}

gboolean
wb_web_serve (SoupServerMessage *msg,
              const char        *path)
{
  SoupMessageHeaders *request_headers;
  SoupMessageHeaders *response_headers;
  const char *method;
  const WbWebAsset *asset;

  g_return_val_if_fail (SOUP_IS_SERVER_MESSAGE (msg), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  method = soup_server_message_get_method (msg);
  if (method != SOUP_METHOD_GET && method != SOUP_METHOD_HEAD)
    return FALSE;

  asset = g_hash_table_lookup (get_asset_table (), path);
  if (asset == NULL)
    return FALSE;

  request_headers = soup_server_message_get_request_headers (msg);
  response_headers = soup_server_message_get_response_headers (msg);

  wb_web_add_security_headers (response_headers);
  soup_message_headers_replace (response_headers, "ETag", asset->etag);
  soup_message_headers_replace (response_headers, "Cache-Control", WB_WEB_CACHE_CONTROL);

  if (etag_matches (soup_message_headers_get_list (request_headers, "If-None-Match"),
                    asset->etag)) {
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_MODIFIED, NULL);
    return TRUE;
  }

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_message_headers_replace (response_headers, "Content-Type", asset->content_type);
  soup_message_body_append_bytes (soup_server_message_get_response_body (msg), asset->data);
  return TRUE;
}
