/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mixminus-core: the arithmetic of the mix-minus, free of any GStreamer
 * object so that it can be tested sample by sample.
 *
 * One 32-bit sum of all contributing inputs is taken per frame; every
 * per-input output is that sum minus the input's own contribution,
 * saturated to 16 bits.  A contribution is the input sample scaled by a
 * Q12 fixed-point gain, computed the same way when it is added and when it
 * is taken away, so that no trace of an input ever remains in its own
 * output.  The talk detector turns per-block levels into a talking state
 * with hysteresis and a hangover.
 *
 * Used by GstMixMinus (gstmixminus.c), which owns all buffers passed here.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Unity gain in the Q12 fixed-point format used for volumes. */
#define WB_MIXMINUS_UNITY_GAIN 4096
/* Highest volume accepted (as a factor, 10.0 = +20 dB). */
#define WB_MIXMINUS_MAX_VOLUME 10.0
/* Level reported for digital silence, in dBov. */
#define WB_MIXMINUS_LEVEL_FLOOR -127.0

gint32   wb_mixminus_volume_to_gain   (gdouble        volume);

guint64  wb_mixminus_accumulate       (gint32        *sum,
                                       const gint16  *in,
                                       gsize          n_samples,
                                       gint32         gain);

guint64  wb_mixminus_energy           (const gint16  *in,
                                       gsize          n_samples);

void     wb_mixminus_render_full      (gint16        *out,
                                       const gint32  *sum,
                                       gsize          n_samples);

void     wb_mixminus_render_minus     (gint16        *out,
                                       const gint32  *sum,
                                       const gint16  *own,
                                       gsize          n_samples,
                                       gint32         gain);

gdouble  wb_mixminus_level_dbov       (guint64        energy,
                                       gsize          n_samples);

/**
 * WbMixMinusInput:
 * @samples: (nullable): interleaved samples of the input, or %NULL when the
 *   input has nothing for this block (counts as silence)
 * @gain: Q12 gain from wb_mixminus_volume_to_gain(); 0 when muted
 * @deaf: whether this input's own output is silence
 *
 * One input of wb_mixminus_mix().
 */
typedef struct {
  const gint16 *samples;
  gint32        gain;
  gboolean      deaf;
} WbMixMinusInput;

void     wb_mixminus_mix              (const WbMixMinusInput *inputs,
                                       guint                  n_inputs,
                                       gsize                  n_samples,
                                       gint32                *scratch,
                                       gint16                *full_out,
                                       gint16               **outs);

/**
 * WbTalkDetector:
 *
 * Hysteresis talk detector.  Fields are private; initialise with
 * wb_talk_detector_init().
 */
typedef struct {
  gdouble      start_dbov;
  gdouble      stop_dbov;
  guint64      hangover_ns;
  guint64      quiet_ns;
  gboolean     talking;
} WbTalkDetector;

void     wb_talk_detector_init        (WbTalkDetector *detector,
                                       gdouble         start_dbov,
                                       gdouble         stop_dbov,
                                       guint64         hangover_ns);

void     wb_talk_detector_configure   (WbTalkDetector *detector,
                                       gdouble         start_dbov,
                                       gdouble         stop_dbov,
                                       guint64         hangover_ns);

gboolean wb_talk_detector_update      (WbTalkDetector *detector,
                                       gdouble         level_dbov,
                                       guint64         duration_ns);

void     wb_talk_detector_reset       (WbTalkDetector *detector);

G_END_DECLS
