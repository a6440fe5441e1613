/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The web console's HTTP side: serves the console page and its assets,
 * embedded in the daemon as a GResource (wardbridge.gresource.xml), with
 * their Content-Type, an ETag (If-None-Match answers 304), Cache-Control
 * and the security headers (Content-Security-Policy without inline
 * scripts, frame-ancestors 'none', X-Content-Type-Options, Referrer-Policy).
 *
 * The HTTP server (WbApi) calls wb_web_serve() from its public routes
 * GET / and GET /assets/{name}; the console itself talks to the hub only
 * through the HTTP API, like any other client.  The table of assets is
 * built once, on first use, and never changes; this file owns nothing per
 * request.
 */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* Where the console's files sit in the resource. */
#define WB_WEB_RESOURCE_PREFIX "/org/wardbridge/web"

/*
 * Answers a GET or HEAD of @path ("/" for the console page,
 * "/assets/NAME" for one of its assets; percent-decoded, without the
 * query) on @msg: 200 with the asset, or 304 when the request's
 * If-None-Match names the asset's ETag.
 *
 * Returns FALSE, leaving @msg untouched, when @path names no asset or the
 * method is neither GET nor HEAD: the caller answers its own 404 or 405
 * problem.
 */
gboolean wb_web_serve (SoupServerMessage *msg,
                       const char        *path);

/* Adds the console's security headers to @headers (the caller's 404 for
 * an unknown asset may want them too). */
void wb_web_add_security_headers (SoupMessageHeaders *headers);

/* The Content-Type the console serves a file named @name with
 * ("text/javascript; charset=utf-8"), or NULL for a kind it never serves. */
const char *wb_web_content_type (const char *name);

G_END_DECLS
