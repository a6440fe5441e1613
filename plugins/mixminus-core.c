/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mixminus-core: sum, subtract, saturate and measure.  Plain C over caller
 * owned arrays; see mixminus-core.h for the contract.
 *
 * The loops are written so that the compiler can vectorise them: no
 * branches other than the clamp, 32-bit accumulators, and no aliasing
 * between the arrays (restrict).
 */
#include "mixminus-core.h"

#include <math.h>
#include <string.h>

/* Q12 gain: a contribution is (sample * gain + 2048) >> 12, rounded half up.
 * At unity gain this is exactly the sample.  With the gain capped at 10.0
 * (40960) the product stays below 2^31, and the sum of 2^16 inputs at full
 * scale and full gain still fits in 32 bits. */
#define GAIN_SHIFT 12
#define GAIN_ROUND (1 << (GAIN_SHIFT - 1))

static inline gint32
scale (gint32 sample, gint32 gain)
{
  /* Arithmetic right shift of a negative value: implementation defined in
   * C11, an arithmetic shift on every compiler GStreamer supports. */
  return (sample * gain + GAIN_ROUND) >> GAIN_SHIFT;
}

static inline gint16
saturate (gint32 value)
{
  return (gint16) CLAMP (value, G_MININT16, G_MAXINT16);
}

/**
 * wb_mixminus_volume_to_gain:
 * @volume: linear volume, 0.0 to %WB_MIXMINUS_MAX_VOLUME
 *
 * Returns: the Q12 gain used by the other functions; values outside the
 *   range are clamped.
 */
gint32
wb_mixminus_volume_to_gain (gdouble volume)
{
  if (!(volume > 0.0))          /* also catches NaN */
    return 0;
  if (volume > WB_MIXMINUS_MAX_VOLUME)
    volume = WB_MIXMINUS_MAX_VOLUME;
  return (gint32) lrint (volume * WB_MIXMINUS_UNITY_GAIN);
}

/**
 * wb_mixminus_accumulate:
 * @sum: running 32-bit sums, @n_samples long
 * @in: input samples
 * @n_samples: number of samples (frames times channels)
 * @gain: Q12 gain, greater than 0
 *
 * Adds the scaled input to @sum and measures the input on the way.
 *
 * Returns: the energy (sum of squares) of @in before scaling; 0 means the
 *   input was digital silence and added nothing.
 */
guint64
wb_mixminus_accumulate (gint32 *restrict sum, const gint16 *restrict in,
    gsize n_samples, gint32 gain)
{
  guint64 energy = 0;

  if (gain == WB_MIXMINUS_UNITY_GAIN) {
    for (gsize i = 0; i < n_samples; i++) {
      gint32 s = in[i];
      sum[i] += s;
      energy += (guint64) (s * s);
    }
  } else {
    for (gsize i = 0; i < n_samples; i++) {
      gint32 s = in[i];
      sum[i] += scale (s, gain);
      energy += (guint64) (s * s);
    }
  }

  return energy;
}

/**
 * wb_mixminus_energy:
 * @in: input samples
 * @n_samples: number of samples
 *
 * Returns: the sum of squares of @in, for inputs measured but not mixed.
 */
guint64
wb_mixminus_energy (const gint16 *in, gsize n_samples)
{
  guint64 energy = 0;

  for (gsize i = 0; i < n_samples; i++) {
    gint32 s = in[i];
    energy += (guint64) (s * s);
  }

  return energy;
}

/**
 * wb_mixminus_render_full:
 * @out: output samples
 * @sum: the 32-bit sums
 * @n_samples: number of samples
 *
 * Saturates the sum of all inputs to 16 bits: the full mix.
 */
void
wb_mixminus_render_full (gint16 *restrict out, const gint32 *restrict sum,
    gsize n_samples)
{
  for (gsize i = 0; i < n_samples; i++)
    out[i] = saturate (sum[i]);
}

/**
 * wb_mixminus_render_minus:
 * @out: output samples
 * @sum: the 32-bit sums
 * @own: the input's own samples as they were given to
 *   wb_mixminus_accumulate() (zero where it had none)
 * @n_samples: number of samples
 * @gain: the gain @own was accumulated with
 *
 * Writes saturate(sum - own contribution): the mix-minus of one input.
 */
void
wb_mixminus_render_minus (gint16 *restrict out, const gint32 *restrict sum,
    const gint16 *restrict own, gsize n_samples, gint32 gain)
{
  if (gain == WB_MIXMINUS_UNITY_GAIN) {
    for (gsize i = 0; i < n_samples; i++)
      out[i] = saturate (sum[i] - own[i]);
  } else {
    for (gsize i = 0; i < n_samples; i++)
      out[i] = saturate (sum[i] - scale (own[i], gain));
  }
}

/**
 * wb_mixminus_level_dbov:
 * @energy: sum of squares of the samples
 * @n_samples: how many samples the energy covers
 *
 * Returns: the RMS level relative to full scale (a full-scale square wave
 *   is 0 dBov, a full-scale sine about -3 dBov), never below
 *   %WB_MIXMINUS_LEVEL_FLOOR.
 */
gdouble
wb_mixminus_level_dbov (guint64 energy, gsize n_samples)
{
  gdouble mean_square, level;

  if (n_samples == 0 || energy == 0)
    return WB_MIXMINUS_LEVEL_FLOOR;

  mean_square = (gdouble) energy / (gdouble) n_samples / (32768.0 * 32768.0);
  level = 10.0 * log10 (mean_square);

  return MAX (level, WB_MIXMINUS_LEVEL_FLOOR);
}

/**
 * wb_mixminus_mix:
 * @inputs: the inputs, @n_inputs long
 * @n_inputs: number of inputs
 * @n_samples: samples per input (frames times channels)
 * @scratch: caller-provided room for @n_samples 32-bit sums
 * @full_out: (nullable): where the full mix goes
 * @outs: @n_inputs output arrays of @n_samples samples (entries may be
 *   %NULL to skip an output)
 *
 * The whole mix-minus of one block in one call: what the element does
 * across its pads, for tests and for users without a pipeline.
 */
void
wb_mixminus_mix (const WbMixMinusInput *inputs, guint n_inputs,
    gsize n_samples, gint32 *scratch, gint16 *full_out, gint16 **outs)
{
  memset (scratch, 0, n_samples * sizeof (gint32));

  for (guint k = 0; k < n_inputs; k++) {
    if (inputs[k].samples != NULL && inputs[k].gain > 0)
      wb_mixminus_accumulate (scratch, inputs[k].samples, n_samples,
          inputs[k].gain);
  }

  if (full_out != NULL)
    wb_mixminus_render_full (full_out, scratch, n_samples);

  for (guint k = 0; k < n_inputs; k++) {
    if (outs[k] == NULL)
      continue;

    if (inputs[k].deaf)
      memset (outs[k], 0, n_samples * sizeof (gint16));
    else if (inputs[k].samples == NULL || inputs[k].gain == 0)
      wb_mixminus_render_full (outs[k], scratch, n_samples);
    else
      wb_mixminus_render_minus (outs[k], scratch, inputs[k].samples,
          n_samples, inputs[k].gain);
  }
}

/**
 * wb_talk_detector_init:
 * @detector: the detector
 * @start_dbov: level at or above which talking starts
 * @stop_dbov: level below which the hangover runs down
 * @hangover_ns: how long the level must stay below @stop_dbov before
 *   talking stops
 *
 * Starts a detector in the not-talking state.
 */
void
wb_talk_detector_init (WbTalkDetector *detector, gdouble start_dbov,
    gdouble stop_dbov, guint64 hangover_ns)
{
  memset (detector, 0, sizeof (*detector));
  wb_talk_detector_configure (detector, start_dbov, stop_dbov, hangover_ns);
}

/**
 * wb_talk_detector_configure:
 *
 * Changes the thresholds and hangover, keeping the current state.  A stop
 * threshold above the start threshold is lowered to it.
 */
void
wb_talk_detector_configure (WbTalkDetector *detector, gdouble start_dbov,
    gdouble stop_dbov, guint64 hangover_ns)
{
  detector->start_dbov = start_dbov;
  detector->stop_dbov = MIN (stop_dbov, start_dbov);
  detector->hangover_ns = hangover_ns;
}

/**
 * wb_talk_detector_update:
 * @detector: the detector
 * @level_dbov: level of the latest block
 * @duration_ns: duration of that block
 *
 * Returns: %TRUE when the talking state changed with this block.
 */
gboolean
wb_talk_detector_update (WbTalkDetector *detector, gdouble level_dbov,
    guint64 duration_ns)
{
  if (!detector->talking) {
    if (level_dbov >= detector->start_dbov) {
      detector->talking = TRUE;
      detector->quiet_ns = 0;
      return TRUE;
    }
    return FALSE;
  }

  if (level_dbov >= detector->stop_dbov) {
    detector->quiet_ns = 0;
    return FALSE;
  }

  detector->quiet_ns += duration_ns;
  if (detector->quiet_ns >= detector->hangover_ns) {
    detector->talking = FALSE;
    detector->quiet_ns = 0;
    return TRUE;
  }

  return FALSE;
}

/**
 * wb_talk_detector_reset:
 *
 * Back to not talking, for a stream that restarts.
 */
void
wb_talk_detector_reset (WbTalkDetector *detector)
{
  detector->talking = FALSE;
  detector->quiet_ns = 0;
}
