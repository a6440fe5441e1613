/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tests of wb-web.c: a real SoupServer on 127.0.0.1 (port 0) whose handler
 * calls wb_web_serve(), as WbApi does, and a real SoupSession asking it for
 * the console and every file of src/web/assets/.  Bodies are compared byte
 * for byte with the source files, so an asset missing from the GResource
 * or served stale fails here.
 */
#include <libsoup/soup.h>
#include <string.h>

#include "web/wb-web.h"

typedef struct {
  SoupServer *server;
  SoupSession *session;
  GUri *base;
  guint served;       /* requests wb_web_serve() answered */
  guint refused;      /* requests it left to the caller */
} Fixture;

typedef struct {
  guint status;
  SoupMessageHeaders *headers;   /* response headers (a reference) */
  GBytes *body;
} Reply;

static void
reply_clear (Reply *reply)
{
  g_clear_pointer (&reply->headers, soup_message_headers_unref);
  g_clear_pointer (&reply->body, g_bytes_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Reply, reply_clear)

static void
server_callback (SoupServer        *server,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  Fixture *fx = user_data;

  if (wb_web_serve (msg, path)) {
    fx->served++;
    return;
  }
  /* What WbApi does instead: its own problem. */
  fx->refused++;
  if (g_str_equal (soup_server_message_get_method (msg), "POST") &&
      (g_str_equal (path, "/") || g_str_has_prefix (path, "/assets/")))
    soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
  else
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
}

static void
fixture_init (Fixture *fx)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSList) uris = NULL;

  memset (fx, 0, sizeof *fx);
  fx->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (fx->server, NULL, server_callback, fx, NULL);
  soup_server_listen (fx->server, address, 0, &error);
  g_assert_no_error (error);

  uris = soup_server_get_uris (fx->server);
  g_assert_nonnull (uris);
  fx->base = g_uri_ref (uris->data);
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);
  g_assert_cmpint (g_uri_get_port (fx->base), >, 0);

  fx->session = soup_session_new ();
}

static void
fixture_clear (Fixture *fx)
{
  g_clear_object (&fx->session);
  soup_server_disconnect (fx->server);
  g_clear_object (&fx->server);
  g_clear_pointer (&fx->base, g_uri_unref);
}

typedef struct {
  GMainLoop *loop;
  GBytes *body;
  GError *error;
} Pending;

static void
read_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Pending *pending = user_data;

  pending->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result,
                                                     &pending->error);
  g_main_loop_quit (pending->loop);
}

/* One request; the server and the client share the main context. */
static void
request (Fixture    *fx,
         const char *method,
         const char *path,
         const char *if_none_match,
         Reply      *reply)
{
  g_autoptr (GUri) uri = g_uri_parse_relative (fx->base, path, G_URI_FLAGS_ENCODED, NULL);
  g_autoptr (SoupMessage) msg = NULL;
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  Pending pending = { loop, NULL, NULL };

  g_assert_nonnull (uri);
  msg = soup_message_new_from_uri (method, uri);
  if (if_none_match != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg),
                                  "If-None-Match", if_none_match);
  soup_session_send_and_read_async (fx->session, msg, G_PRIORITY_DEFAULT, NULL,
                                    read_done, &pending);
  g_main_loop_run (loop);
  g_assert_no_error (pending.error);

  reply->status = soup_message_get_status (msg);
  reply->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  reply->body = pending.body;
}

static const char *
source_root (void)
{
  const char *root = g_getenv ("WB_SOURCE_ROOT");

  /* meson test sets it (tests/meson.build) */
  g_assert_nonnull (root);
  return root;
}

static GBytes *
read_source (const char *relative)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = g_build_filename (source_root (), "src", "web",
                                            relative, NULL);
  char *contents = NULL;
  gsize length = 0;

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (contents, length);
}

static void
assert_security_headers (SoupMessageHeaders *headers)
{
  const char *csp = soup_message_headers_get_one (headers, "Content-Security-Policy");

  g_assert_nonnull (csp);
  g_assert_nonnull (strstr (csp, "default-src 'none'"));
  g_assert_nonnull (strstr (csp, "script-src 'self';"));
  g_assert_nonnull (strstr (csp, "frame-ancestors 'none'"));
  g_assert_null (strstr (csp, "unsafe-inline"));
  g_assert_null (strstr (csp, "unsafe-eval"));
  g_assert_cmpstr (soup_message_headers_get_one (headers, "X-Content-Type-Options"), ==, "nosniff");
  g_assert_cmpstr (soup_message_headers_get_one (headers, "Referrer-Policy"), ==, "no-referrer");
  g_assert_cmpstr (soup_message_headers_get_one (headers, "X-Frame-Options"), ==, "DENY");
}

static void
assert_same_bytes (GBytes *got,
                   GBytes *want)
{
  gsize got_len = 0;
  gsize want_len = 0;
  const guint8 *got_data = g_bytes_get_data (got, &got_len);
  const guint8 *want_data = g_bytes_get_data (want, &want_len);

  g_assert_cmpmem (got_data, got_len, want_data, want_len);
}

static void
test_index (void)
{
  Fixture fx;
  g_auto (Reply) reply = { 0 };
  g_autoptr (GBytes) want = read_source ("index.html");
  const char *html;
  const char *etag;
  const char *at;
  guint scripts = 0;

  fixture_init (&fx);
  request (&fx, "GET", "/", NULL, &reply);

  g_assert_cmpuint (reply.status, ==, SOUP_STATUS_OK);
  g_assert_cmpstr (soup_message_headers_get_one (reply.headers, "Content-Type"), ==,
                   "text/html; charset=utf-8");
  g_assert_cmpstr (soup_message_headers_get_one (reply.headers, "Cache-Control"), ==, "no-cache");
  g_assert_cmpint (soup_message_headers_get_content_length (reply.headers), ==,
                   g_bytes_get_size (want));
  etag = soup_message_headers_get_one (reply.headers, "ETag");
  g_assert_nonnull (etag);
  g_assert_cmpint (strlen (etag), ==, 34);   /* a quoted 128-bit hex digest */
  g_assert_cmpint (etag[0], ==, '"');
  g_assert_cmpint (etag[33], ==, '"');
  assert_security_headers (reply.headers);
  assert_same_bytes (reply.body, want);

  /* Under the CSP only external module scripts can run: the page must have
   * no inline script and no inline event handler. */
  html = g_bytes_get_data (reply.body, NULL);
  for (at = strstr (html, "<script"); at != NULL; at = strstr (at + 1, "<script")) {
    const char *end = strchr (at, '>');
    g_autofree char *tag = g_strndup (at, end - at);

    g_assert_nonnull (strstr (tag, " src=\"/assets/"));
    g_assert_cmpstr (strstr (end, "</script>"), ==, end + 1);
    scripts++;
  }
  g_assert_cmpuint (scripts, ==, 1);
  g_assert_null (strstr (html, " onclick="));
  g_assert_null (strstr (html, " style="));

  g_assert_cmpuint (fx.served, ==, 1);
  fixture_clear (&fx);
}

static const char *
expected_type (const char *name)
{
  if (g_str_has_suffix (name, ".js"))
    return "text/javascript; charset=utf-8";
  if (g_str_has_suffix (name, ".css"))
    return "text/css; charset=utf-8";
  if (g_str_has_suffix (name, ".svg"))
    return "image/svg+xml";
  return NULL;
}

/* Every file of the source folder is served, with its type and bytes. */
static void
test_assets (void)
{
  Fixture fx;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir_path = g_build_filename (source_root (), "src", "web",
                                                "assets", NULL);
  g_autoptr (GDir) dir = g_dir_open (dir_path, 0, &error);
  g_autoptr (GHashTable) etags = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  const char *name;
  guint n = 0;
  guint n_js = 0;

  g_assert_no_error (error);
  fixture_init (&fx);

  while ((name = g_dir_read_name (dir)) != NULL) {
    g_auto (Reply) reply = { 0 };
    g_autofree char *path = g_strconcat ("/assets/", name, NULL);
    g_autoptr (GBytes) want = read_source (path + 1);
    const char *etag;

    g_test_message ("asset %s", path);
    request (&fx, "GET", path, NULL, &reply);
    g_assert_cmpuint (reply.status, ==, SOUP_STATUS_OK);
    g_assert_nonnull (expected_type (name));
    g_assert_cmpstr (soup_message_headers_get_one (reply.headers, "Content-Type"), ==,
                     expected_type (name));
    g_assert_cmpstr (wb_web_content_type (name), ==, expected_type (name));
    assert_security_headers (reply.headers);
    assert_same_bytes (reply.body, want);

    etag = soup_message_headers_get_one (reply.headers, "ETag");
    g_assert_nonnull (etag);
    /* Different contents, different validators. */
    g_assert_false (g_hash_table_contains (etags, etag));
    g_hash_table_add (etags, g_strdup (etag));

    n++;
    if (g_str_has_suffix (name, ".js"))
      n_js++;
  }
  /* main, api, i18n, time, forms and the four views at least */
  g_assert_cmpuint (n_js, >=, 9);
  g_assert_cmpuint (fx.served, ==, n);
  g_assert_cmpuint (fx.refused, ==, 0);
  fixture_clear (&fx);
}

static void
test_etag (void)
{
  Fixture fx;
  g_auto (Reply) first = { 0 };
  g_auto (Reply) same = { 0 };
  g_auto (Reply) weak = { 0 };
  g_auto (Reply) listed = { 0 };
  g_auto (Reply) star = { 0 };
  g_auto (Reply) other = { 0 };
  g_autofree char *etag = NULL;
  g_autofree char *weak_etag = NULL;
  g_autofree char *list = NULL;

  fixture_init (&fx);
  request (&fx, "GET", "/assets/main.js", NULL, &first);
  g_assert_cmpuint (first.status, ==, SOUP_STATUS_OK);
  etag = g_strdup (soup_message_headers_get_one (first.headers, "ETag"));
  g_assert_nonnull (etag);

  request (&fx, "GET", "/assets/main.js", etag, &same);
  g_assert_cmpuint (same.status, ==, SOUP_STATUS_NOT_MODIFIED);
  g_assert_cmpuint (g_bytes_get_size (same.body), ==, 0);
  g_assert_cmpstr (soup_message_headers_get_one (same.headers, "ETag"), ==, etag);
  g_assert_cmpstr (soup_message_headers_get_one (same.headers, "Cache-Control"), ==, "no-cache");
  assert_security_headers (same.headers);

  weak_etag = g_strconcat ("W/", etag, NULL);
  request (&fx, "GET", "/assets/main.js", weak_etag, &weak);
  g_assert_cmpuint (weak.status, ==, SOUP_STATUS_NOT_MODIFIED);

  list = g_strdup_printf ("\"0123\", %s", etag);
  request (&fx, "GET", "/assets/main.js", list, &listed);
  g_assert_cmpuint (listed.status, ==, SOUP_STATUS_NOT_MODIFIED);

  request (&fx, "GET", "/assets/main.js", "*", &star);
  g_assert_cmpuint (star.status, ==, SOUP_STATUS_NOT_MODIFIED);

  /* Another asset's validator does not match. */
  request (&fx, "GET", "/assets/api.js", etag, &other);
  g_assert_cmpuint (other.status, ==, SOUP_STATUS_OK);
  g_assert_cmpuint (g_bytes_get_size (other.body), >, 0);
  g_assert_cmpstr (soup_message_headers_get_one (other.headers, "ETag"), !=, etag);

  fixture_clear (&fx);
}

static void
test_head (void)
{
  Fixture fx;
  g_auto (Reply) reply = { 0 };
  g_autoptr (GBytes) want = read_source ("assets/main.js");

  fixture_init (&fx);
  request (&fx, "HEAD", "/assets/main.js", NULL, &reply);
  g_assert_cmpuint (reply.status, ==, SOUP_STATUS_OK);
  g_assert_cmpint (soup_message_headers_get_content_length (reply.headers), ==,
                   g_bytes_get_size (want));
  g_assert_cmpuint (g_bytes_get_size (reply.body), ==, 0);
  g_assert_cmpstr (soup_message_headers_get_one (reply.headers, "Content-Type"), ==,
                   "text/javascript; charset=utf-8");
  g_assert_cmpuint (fx.served, ==, 1);
  fixture_clear (&fx);
}

static void
test_not_found (void)
{
  static const char *const paths[] = {
    "/assets/nope.js",
    "/assets/",
    "/assets",
    "/index.html",
    "/assets/../index.html",
    "/assets/%2e%2e/index.html",
    "/assets/main.js/",
    "/assets/MAIN.JS",
    "/api/v1/endpoints",
    "/org/wardbridge/web/index.html",
  };
  Fixture fx;

  fixture_init (&fx);
  for (gsize i = 0; i < G_N_ELEMENTS (paths); i++) {
    g_auto (Reply) reply = { 0 };

    g_test_message ("path %s", paths[i]);
    request (&fx, "GET", paths[i], NULL, &reply);
    g_assert_cmpuint (reply.status, ==, SOUP_STATUS_NOT_FOUND);
    g_assert_null (soup_message_headers_get_one (reply.headers, "ETag"));
  }
  g_assert_cmpuint (fx.served, ==, 0);
  g_assert_cmpuint (fx.refused, ==, G_N_ELEMENTS (paths));
  fixture_clear (&fx);
}

/* Only GET and HEAD are served; the caller answers the rest. */
static void
test_method (void)
{
  Fixture fx;
  g_auto (Reply) post = { 0 };
  g_auto (Reply) post_asset = { 0 };

  fixture_init (&fx);
  request (&fx, "POST", "/", NULL, &post);
  g_assert_cmpuint (post.status, ==, SOUP_STATUS_METHOD_NOT_ALLOWED);
  request (&fx, "POST", "/assets/main.js", NULL, &post_asset);
  g_assert_cmpuint (post_asset.status, ==, SOUP_STATUS_METHOD_NOT_ALLOWED);
  g_assert_cmpuint (fx.served, ==, 0);
  g_assert_cmpuint (fx.refused, ==, 2);
  fixture_clear (&fx);
}

static void
test_content_types (void)
{
  g_assert_cmpstr (wb_web_content_type ("index.html"), ==, "text/html; charset=utf-8");
  g_assert_cmpstr (wb_web_content_type ("a.js"), ==, "text/javascript; charset=utf-8");
  g_assert_cmpstr (wb_web_content_type ("a.css"), ==, "text/css; charset=utf-8");
  g_assert_cmpstr (wb_web_content_type ("icon.svg"), ==, "image/svg+xml");
  g_assert_null (wb_web_content_type ("a.exe"));
  g_assert_null (wb_web_content_type ("js"));
}

static void
test_security_headers_alone (void)
{
  g_autoptr (SoupMessageHeaders) headers =
    soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);

  wb_web_add_security_headers (headers);
  assert_security_headers (headers);
  /* Adding twice replaces rather than doubles. */
  wb_web_add_security_headers (headers);
  g_assert_cmpstr (soup_message_headers_get_list (headers, "X-Content-Type-Options"), ==,
                   "nosniff");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/web/index", test_index);
  g_test_add_func ("/web/assets", test_assets);
  g_test_add_func ("/web/etag", test_etag);
  g_test_add_func ("/web/head", test_head);
  g_test_add_func ("/web/not-found", test_not_found);
  g_test_add_func ("/web/method", test_method);
  g_test_add_func ("/web/content-types", test_content_types);
  g_test_add_func ("/web/security-headers", test_security_headers_alone);

  return g_test_run ();
}
