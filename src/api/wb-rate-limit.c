/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbRateLimiter: token buckets keyed by string.
 */
#include "wb-rate-limit.h"

#include <math.h>

/* Sweep full buckets when the table grows past this. */
#define SWEEP_THRESHOLD 1024

typedef struct {
  double tokens;
  gint64 updated_us;
} Bucket;

struct _WbRateLimiter {
  double rate;        /* tokens per second, > 0 */
  double burst;       /* bucket size, >= 1 */
  GHashTable *buckets;  /* char* → Bucket* */
  guint sweep_at;
};

WbRateLimiter *
wb_rate_limiter_new (double rate, guint burst)
{
  WbRateLimiter *limiter = g_new0 (WbRateLimiter, 1);

  limiter->buckets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  limiter->sweep_at = SWEEP_THRESHOLD;
  wb_rate_limiter_configure (limiter, rate, burst);
  return limiter;
}

void
wb_rate_limiter_free (WbRateLimiter *limiter)
{
  if (limiter == NULL)
    return;
  g_hash_table_unref (limiter->buckets);
  g_free (limiter);
}

void
wb_rate_limiter_configure (WbRateLimiter *limiter, double rate, guint burst)
{
  limiter->rate = rate > 0 ? rate : 1e-3;
  limiter->burst = MAX (burst, 1u);
}

static double
refill (WbRateLimiter *limiter, Bucket *bucket, gint64 now_us)
{
  if (now_us > bucket->updated_us) {
    double elapsed_s = (now_us - bucket->updated_us) / (double) G_USEC_PER_SEC;
    bucket->tokens = MIN (limiter->burst, bucket->tokens + elapsed_s * limiter->rate);
    bucket->updated_us = now_us;
  }
  return bucket->tokens;
}

static void
sweep (WbRateLimiter *limiter, gint64 now_us)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, limiter->buckets);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    if (refill (limiter, value, now_us) >= limiter->burst)
      g_hash_table_iter_remove (&iter);
  }
  limiter->sweep_at = MAX (SWEEP_THRESHOLD, 2 * g_hash_table_size (limiter->buckets));
}

gboolean
wb_rate_limiter_take (WbRateLimiter *limiter,
                      const char    *key,
                      gint64         now_us,
                      guint         *retry_after_s)
{
  Bucket *bucket;

  g_return_val_if_fail (limiter != NULL, TRUE);
  g_return_val_if_fail (key != NULL, TRUE);

  bucket = g_hash_table_lookup (limiter->buckets, key);
  if (bucket == NULL) {
    if (g_hash_table_size (limiter->buckets) >= limiter->sweep_at)
      sweep (limiter, now_us);
    bucket = g_new0 (Bucket, 1);
    bucket->tokens = limiter->burst;
    bucket->updated_us = now_us;
    g_hash_table_insert (limiter->buckets, g_strdup (key), bucket);
  }

  if (refill (limiter, bucket, now_us) >= 1.0) {
    bucket->tokens -= 1.0;
    return TRUE;
  }

  if (retry_after_s != NULL)
    *retry_after_s = (guint) MAX (1.0, ceil ((1.0 - bucket->tokens) / limiter->rate));
  return FALSE;
}

guint
wb_rate_limiter_get_n_buckets (WbRateLimiter *limiter)
{
  return g_hash_table_size (limiter->buckets);
}
