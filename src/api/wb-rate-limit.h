/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbRateLimiter: one token bucket per key (the remote address of an HTTP
 * request).  A bucket holds up to @burst tokens and refills at @rate
 * tokens per second; each request takes one.  Buckets that have refilled
 * completely carry no information and are dropped, so memory follows the
 * number of recently busy addresses, not of all addresses ever seen.
 *
 * Also used, with a fixed key, to rate-limit log lines that network input
 * can trigger.  Owned by WbApi; main context only; time passed in by the
 * caller (monotonic microseconds) so tests need no sleeping.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _WbRateLimiter WbRateLimiter;

WbRateLimiter *wb_rate_limiter_new  (double rate,
                                     guint  burst);
void           wb_rate_limiter_free (WbRateLimiter *limiter);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WbRateLimiter, wb_rate_limiter_free)

void wb_rate_limiter_configure (WbRateLimiter *limiter,
                                double         rate,
                                guint          burst);

/* Takes one token from @key's bucket.  Returns FALSE when the bucket is
 * empty; then *@retry_after_s (if not NULL) is the number of whole seconds
 * until a token is back (at least 1). */
gboolean wb_rate_limiter_take (WbRateLimiter *limiter,
                               const char    *key,
                               gint64         now_us,
                               guint         *retry_after_s);

/* Number of buckets held (for tests and metrics). */
guint wb_rate_limiter_get_n_buckets (WbRateLimiter *limiter);

G_END_DECLS
