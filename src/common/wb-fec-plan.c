/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The in-band FEC plan of an Opus encoder (see wb-fec-plan.h).
 */
#include "common/wb-fec-plan.h"

#include <math.h>

guint
wb_fec_plan_update (WbFecPlan *plan,
                    gint64     now_us,
                    gint       fraction_lost,
                    guint      max_percent)
{
  g_return_val_if_fail (plan != NULL, 0);

  if (plan->updated_us > 0 && now_us > plan->updated_us)
    plan->level *= exp2 (-(double) (now_us - plan->updated_us) / WB_FEC_PLAN_HALF_LIFE_US);
  plan->updated_us = now_us;
  if (fraction_lost >= 0)
    plan->reported = MIN (fraction_lost, 255) * 100.0 / 256.0;
  plan->level = MAX (plan->level, plan->reported);
  if (plan->level < 1.0)
    return 0;
  return (guint) MIN (ceil (plan->level - 1e-9), (double) max_percent);
}
