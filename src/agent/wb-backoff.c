/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbBackoff: capped exponential backoff with equal jitter.
 */
#include "wb-backoff.h"

void
wb_backoff_init (WbBackoff *backoff,
                 guint      initial_ms,
                 guint      max_ms)
{
  g_return_if_fail (initial_ms > 0 && max_ms >= initial_ms);

  backoff->initial_ms = initial_ms;
  backoff->max_ms = max_ms;
  backoff->attempt = 0;
}

guint
wb_backoff_peek_base_ms (const WbBackoff *backoff)
{
  guint64 base = backoff->initial_ms;

  /* Doubling past the cap (or past 2^32) changes nothing: stop early. */
  for (guint i = 0; i < backoff->attempt && base < backoff->max_ms; i++)
    base *= 2;
  return (guint) MIN (base, (guint64) backoff->max_ms);
}

guint
wb_backoff_next_ms (WbBackoff *backoff,
                    double     random)
{
  guint base = wb_backoff_peek_base_ms (backoff);
  guint half = base / 2;

  g_return_val_if_fail (random >= 0.0 && random < 1.0, base);

  if (backoff->attempt < G_MAXUINT)
    backoff->attempt++;
  /* [base/2, base]: never less than half the base, never over the cap. */
  return half + (guint) (random * (double) (base - half + 1));
}

void
wb_backoff_reset (WbBackoff *backoff)
{
  backoff->attempt = 0;
}
