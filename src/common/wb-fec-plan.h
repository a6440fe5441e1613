/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The in-band FEC plan of an Opus encoder, shared by the hub's encoders
 * and the boxes' (src/agent): no GStreamer here.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * What an Opus encoder plans its in-band FEC for, from the loss reported
 * by the box it sends to (RTCP receiver reports: the fraction lost since
 * the box's last report, in 256ths).  A report above the level raises it
 * at once; otherwise the level falls towards the reports with a half-life
 * of WB_FEC_PLAN_HALF_LIFE_US, so one clean report after a lossy spell
 * does not drop the protection.  The plan is the level rounded up, 0 under
 * 1 % (a packet in a few hundred is left to concealment, and libopus then
 * codes with CELT, a fifth of the CPU), at most @max_percent.
 *
 * Zero-initialise; any one thread.
 */
#define WB_FEC_PLAN_HALF_LIFE_US (10 * G_USEC_PER_SEC)

typedef struct {
  double level;               /* percent */
  double reported;            /* percent, the newest report */
  gint64 updated_us;          /* 0: never */
} WbFecPlan;

/* @fraction_lost: the newest report's, or -1 when no report came since
 * the last call.  Returns the percentage to plan for. */
guint       wb_fec_plan_update (WbFecPlan *plan,
                                gint64     now_us,
                                gint       fraction_lost,
                                guint      max_percent);

G_END_DECLS
