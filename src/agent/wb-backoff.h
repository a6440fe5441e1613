/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbBackoff: how long the agent waits before its next try to reach the
 * hub: exponential (1 s, 2 s, 4 s, ... up to 30 s by default) with "equal
 * jitter": each delay is drawn from [base/2, base], so that 32 boxes that
 * lost the hub at the same moment do not come back at the same moment.
 * Plain C, no clock: the caller supplies the random draw, so the maths is
 * tested exactly.  Owned by WbAgent.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define WB_BACKOFF_DEFAULT_INITIAL_MS 1000
#define WB_BACKOFF_DEFAULT_MAX_MS     30000

typedef struct {
  guint initial_ms;
  guint max_ms;
  guint attempt;     /* tries since the last success */
} WbBackoff;

void  wb_backoff_init  (WbBackoff *backoff,
                        guint      initial_ms,
                        guint      max_ms);
/* The base delay of the next try, without jitter. */
guint wb_backoff_peek_base_ms (const WbBackoff *backoff);
/* The delay before the next try, for @random in [0, 1); counts the try. */
guint wb_backoff_next_ms (WbBackoff *backoff,
                         double     random);
/* A success: the next failure starts again from the initial delay. */
void  wb_backoff_reset (WbBackoff *backoff);

G_END_DECLS
