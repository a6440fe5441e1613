/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of plugins/mixminus-core.c: exact samples of the mix-minus
 * for 1, 2, 3 and 32 inputs, saturation at both rails, mute, deaf,
 * volume, levels and the talk detector.  No GStreamer involved.
 */
#include "mixminus-core.h"

#include <math.h>
#include <string.h>

#define N_SAMPLES 8

/* Mix-minus of n inputs at unity gain, into outs[k]; full into full. */
static void
mix_unity (const gint16 * const *in, guint n, gint16 *full, gint16 **outs)
{
  g_autofree WbMixMinusInput *inputs = g_new0 (WbMixMinusInput, n);
  gint32 scratch[N_SAMPLES];

  for (guint k = 0; k < n; k++) {
    inputs[k].samples = in[k];
    inputs[k].gain = WB_MIXMINUS_UNITY_GAIN;
  }
  wb_mixminus_mix (inputs, n, N_SAMPLES, scratch, full, outs);
}

static void
assert_samples (const gint16 *got, const gint16 *want, gsize n)
{
  for (gsize i = 0; i < n; i++) {
    if (got[i] != want[i])
      g_test_message ("sample %" G_GSIZE_FORMAT ": got %d, want %d", i,
          got[i], want[i]);
    g_assert_cmpint (got[i], ==, want[i]);
  }
}

static void
test_one_input (void)
{
  const gint16 a[N_SAMPLES] = { 0, 1, -1, 1234, -4321, 32767, -32768, 7 };
  const gint16 zero[N_SAMPLES] = { 0 };
  const gint16 *in[] = { a };
  gint16 full[N_SAMPLES], out0[N_SAMPLES];
  gint16 *outs[] = { out0 };

  memset (out0, 0x55, sizeof (out0));
  mix_unity (in, 1, full, outs);

  /* The full mix is the input; the input hears nothing of itself. */
  assert_samples (full, a, N_SAMPLES);
  assert_samples (out0, zero, N_SAMPLES);
}

static void
test_two_inputs (void)
{
  const gint16 a[N_SAMPLES] = { 100, -200, 300, -400, 500, -600, 700, 0 };
  const gint16 b[N_SAMPLES] = { 7, 7, -7, -7, 1000, 2000, -3000, 12 };
  const gint16 sum[N_SAMPLES] = { 107, -193, 293, -407, 1500, 1400, -2300,
    12
  };
  const gint16 *in[] = { a, b };
  gint16 full[N_SAMPLES], out0[N_SAMPLES], out1[N_SAMPLES];
  gint16 *outs[] = { out0, out1 };

  mix_unity (in, 2, full, outs);

  assert_samples (full, sum, N_SAMPLES);
  assert_samples (out0, b, N_SAMPLES);
  assert_samples (out1, a, N_SAMPLES);
}

static void
test_three_inputs (void)
{
  const gint16 a[N_SAMPLES] = { 1000, 1000, 1000, 1000, -1, -2, -3, -4 };
  const gint16 b[N_SAMPLES] = { 20, -20, 20, -20, 10, 20, 30, 40 };
  const gint16 c[N_SAMPLES] = { 3, 3, -3, -3, 100, 200, 300, 400 };
  /* Worked by hand. */
  const gint16 full_want[N_SAMPLES] = { 1023, 983, 1017, 977, 109, 218, 327,
    436
  };
  const gint16 out0_want[N_SAMPLES] = { 23, -17, 17, -23, 110, 220, 330,
    440
  };
  const gint16 out1_want[N_SAMPLES] = { 1003, 1003, 997, 997, 99, 198, 297,
    396
  };
  const gint16 out2_want[N_SAMPLES] = { 1020, 980, 1020, 980, 9, 18, 27, 36 };
  const gint16 *in[] = { a, b, c };
  gint16 full[N_SAMPLES], out0[N_SAMPLES], out1[N_SAMPLES], out2[N_SAMPLES];
  gint16 *outs[] = { out0, out1, out2 };

  mix_unity (in, 3, full, outs);

  assert_samples (full, full_want, N_SAMPLES);
  assert_samples (out0, out0_want, N_SAMPLES);
  assert_samples (out1, out1_want, N_SAMPLES);
  assert_samples (out2, out2_want, N_SAMPLES);
}

static void
test_thirty_two_inputs (void)
{
  gint16 in_data[32][N_SAMPLES];
  const gint16 *in[32];
  gint16 out_data[32][N_SAMPLES];
  gint16 *outs[32];
  gint16 full[N_SAMPLES];

  /* Input k sample i = (k + 1) * 10 + i, so the sum of all 32 inputs at
   * sample i is 10 * (32 * 33 / 2) + 32 * i = 5280 + 32 i, and output k
   * is that minus its own sample. */
  for (guint k = 0; k < 32; k++) {
    for (guint i = 0; i < N_SAMPLES; i++)
      in_data[k][i] = (gint16) ((k + 1) * 10 + i);
    in[k] = in_data[k];
    outs[k] = out_data[k];
  }

  mix_unity (in, 32, full, outs);

  for (guint i = 0; i < N_SAMPLES; i++)
    g_assert_cmpint (full[i], ==, 5280 + 32 * i);
  for (guint k = 0; k < 32; k++) {
    for (guint i = 0; i < N_SAMPLES; i++)
      g_assert_cmpint (out_data[k][i], ==, 5280 + 32 * i - ((k + 1) * 10 + i));
  }
  /* Two spelled out: ward 0 hears 5280 - 10, ward 31 hears 5280 - 320. */
  g_assert_cmpint (out_data[0][0], ==, 5270);
  g_assert_cmpint (out_data[31][0], ==, 4960);
}

static void
test_saturation (void)
{
  const gint16 hi[N_SAMPLES] = { 30000, 30000, 32767, 32767, 20000, 1, 0, 0 };
  const gint16 lo[N_SAMPLES] = { -30000, -30000, -32768, -32768, -20000, -1,
    0, 0
  };
  const gint16 *in_hi[] = { hi, hi, hi };
  const gint16 *in_lo[] = { lo, lo, lo };
  gint16 full[N_SAMPLES], out0[N_SAMPLES], out1[N_SAMPLES], out2[N_SAMPLES];
  gint16 *outs[] = { out0, out1, out2 };

  /* Two inputs: a 16-bit sum would wrap 30000 + 30000 to -5536.  The full
   * mix clips, and each input's mix-minus is exactly the other input. */
  mix_unity (in_hi, 2, full, outs);
  g_assert_cmpint (full[0], ==, 32767);
  g_assert_cmpint (full[2], ==, 32767);
  g_assert_cmpint (full[4], ==, 32767);
  g_assert_cmpint (full[5], ==, 2);
  assert_samples (out0, hi, N_SAMPLES);
  assert_samples (out1, hi, N_SAMPLES);

  mix_unity (in_lo, 2, full, outs);
  g_assert_cmpint (full[0], ==, -32768);
  g_assert_cmpint (full[2], ==, -32768);
  g_assert_cmpint (full[4], ==, -32768);
  g_assert_cmpint (full[5], ==, -2);
  assert_samples (out0, lo, N_SAMPLES);
  assert_samples (out1, lo, N_SAMPLES);

  /* Three inputs: the others' sum clips too, at both rails. */
  mix_unity (in_hi, 3, full, outs);
  for (guint k = 0; k < 3; k++) {
    g_assert_cmpint (outs[k][0], ==, 32767);
    g_assert_cmpint (outs[k][2], ==, 32767);
    g_assert_cmpint (outs[k][4], ==, 32767);
    g_assert_cmpint (outs[k][5], ==, 2);
  }
  mix_unity (in_lo, 3, full, outs);
  for (guint k = 0; k < 3; k++) {
    g_assert_cmpint (outs[k][0], ==, -32768);
    g_assert_cmpint (outs[k][2], ==, -32768);
    g_assert_cmpint (outs[k][4], ==, -32768);
    g_assert_cmpint (outs[k][5], ==, -2);
  }
}

static void
test_mute_and_deaf (void)
{
  const gint16 a[N_SAMPLES] = { 100, 200, 300, 400, 500, 600, 700, 800 };
  const gint16 b[N_SAMPLES] = { 1, 2, 3, 4, 5, 6, 7, 8 };
  const gint16 c[N_SAMPLES] = { -50, -50, -50, -50, 50, 50, 50, 50 };
  const gint16 zero[N_SAMPLES] = { 0 };
  const gint16 a_plus_b[N_SAMPLES] = { 101, 202, 303, 404, 505, 606, 707, 808 };
  const gint16 b_plus_c[N_SAMPLES] = { -49, -48, -47, -46, 55, 56, 57, 58 };
  WbMixMinusInput inputs[3] = {
    {a, WB_MIXMINUS_UNITY_GAIN, FALSE},
    {b, WB_MIXMINUS_UNITY_GAIN, TRUE},  /* deaf */
    {c, 0, FALSE},              /* muted */
  };
  gint32 scratch[N_SAMPLES];
  gint16 full[N_SAMPLES], out0[N_SAMPLES], out1[N_SAMPLES], out2[N_SAMPLES];
  gint16 *outs[] = { out0, out1, out2 };

  memset (out1, 0x55, sizeof (out1));
  wb_mixminus_mix (inputs, 3, N_SAMPLES, scratch, full, outs);

  /* The muted input is in nobody's mix but receives the full mix. */
  assert_samples (full, a_plus_b, N_SAMPLES);
  assert_samples (out0, b, N_SAMPLES);
  assert_samples (out2, a_plus_b, N_SAMPLES);
  /* The deaf input hears silence, and is still heard. */
  assert_samples (out1, zero, N_SAMPLES);

  /* Unmuted, c is back in everyone's mix but its own. */
  inputs[2].gain = WB_MIXMINUS_UNITY_GAIN;
  inputs[1].deaf = FALSE;
  wb_mixminus_mix (inputs, 3, N_SAMPLES, scratch, full, outs);
  assert_samples (out2, a_plus_b, N_SAMPLES);
  assert_samples (out0, b_plus_c, N_SAMPLES);
}

static void
test_volume (void)
{
  const gint16 a[N_SAMPLES] = { 1000, -1000, 3, -3, 32767, -32768, 4096, 1 };
  const gint16 b[N_SAMPLES] = { 10, 10, 10, 10, 10, 10, 10, 10 };
  WbMixMinusInput inputs[2] = {
    {a, 0, FALSE},
    {b, WB_MIXMINUS_UNITY_GAIN, FALSE},
  };
  gint32 scratch[N_SAMPLES];
  gint16 full[N_SAMPLES], out0[N_SAMPLES], out1[N_SAMPLES];
  gint16 *outs[] = { out0, out1 };

  g_assert_cmpint (wb_mixminus_volume_to_gain (1.0), ==, 4096);
  g_assert_cmpint (wb_mixminus_volume_to_gain (0.5), ==, 2048);
  g_assert_cmpint (wb_mixminus_volume_to_gain (0.0), ==, 0);
  g_assert_cmpint (wb_mixminus_volume_to_gain (-1.0), ==, 0);
  g_assert_cmpint (wb_mixminus_volume_to_gain (NAN), ==, 0);
  g_assert_cmpint (wb_mixminus_volume_to_gain (10.0), ==, 40960);
  g_assert_cmpint (wb_mixminus_volume_to_gain (99.0), ==, 40960);

  /* Half volume: a contributes a/2, rounded half up (1.5 -> 2, -1.5 -> -1). */
  inputs[0].gain = wb_mixminus_volume_to_gain (0.5);
  wb_mixminus_mix (inputs, 2, N_SAMPLES, scratch, full, outs);
  {
    const gint16 want[N_SAMPLES] = { 500, -500, 2, -1, 16384, -16384, 2048, 1 };
    for (guint i = 0; i < N_SAMPLES; i++)
      g_assert_cmpint (out1[i], ==, want[i]);
    for (guint i = 0; i < N_SAMPLES; i++)
      g_assert_cmpint (full[i], ==, want[i] + 10);
  }
  /* Whatever the gain, nothing of a is left in a's own output. */
  for (guint i = 0; i < N_SAMPLES; i++)
    g_assert_cmpint (out0[i], ==, 10);

  /* Ten times: 1000 -> 10000, and full scale clips instead of wrapping. */
  inputs[0].gain = wb_mixminus_volume_to_gain (10.0);
  wb_mixminus_mix (inputs, 2, N_SAMPLES, scratch, full, outs);
  g_assert_cmpint (out1[0], ==, 10000);
  g_assert_cmpint (out1[1], ==, -10000);
  g_assert_cmpint (out1[2], ==, 30);
  g_assert_cmpint (out1[4], ==, 32767);
  g_assert_cmpint (out1[5], ==, -32768);
  g_assert_cmpint (out1[6], ==, 32767);
  for (guint i = 0; i < N_SAMPLES; i++)
    g_assert_cmpint (out0[i], ==, 10);

  /* An odd gain, 0.37: a's output is still exactly b. */
  inputs[0].gain = wb_mixminus_volume_to_gain (0.37);
  wb_mixminus_mix (inputs, 2, N_SAMPLES, scratch, full, outs);
  for (guint i = 0; i < N_SAMPLES; i++)
    g_assert_cmpint (out0[i], ==, 10);
  g_assert_cmpint (out1[0], ==, 370);
}

static void
test_level (void)
{
  gint16 block[960];
  guint64 energy;

  /* Digital silence is the floor. */
  memset (block, 0, sizeof (block));
  energy = wb_mixminus_energy (block, G_N_ELEMENTS (block));
  g_assert_cmpuint (energy, ==, 0);
  g_assert_cmpfloat (wb_mixminus_level_dbov (energy, 960), ==,
      WB_MIXMINUS_LEVEL_FLOOR);

  /* A full-scale square wave is 0 dBov. */
  for (guint i = 0; i < G_N_ELEMENTS (block); i++)
    block[i] = (i / 24) % 2 ? -32768 : 32767;
  energy = wb_mixminus_energy (block, G_N_ELEMENTS (block));
  g_assert_cmpfloat_with_epsilon (wb_mixminus_level_dbov (energy, 960), 0.0,
      0.001);

  /* A 1 kHz sine at half scale over whole periods: 20 log10 (0.5 / sqrt 2). */
  for (guint i = 0; i < G_N_ELEMENTS (block); i++)
    block[i] = (gint16) lrint (16384.0 * sin (2 * G_PI * 1000.0 * i / 48000.0));
  energy = wb_mixminus_energy (block, G_N_ELEMENTS (block));
  g_assert_cmpfloat_with_epsilon (wb_mixminus_level_dbov (energy, 960),
      -9.0309, 0.01);

  /* accumulate() measures the same energy as energy(). */
  {
    gint32 sum[960] = { 0 };
    g_assert_cmpuint (wb_mixminus_accumulate (sum, block, 960, 2048), ==,
        energy);
  }
}

static void
test_talk_detector (void)
{
  WbTalkDetector d;
  const guint64 block = 20 * 1000 * 1000;      /* 20 ms in ns */

  wb_talk_detector_init (&d, -30.0, -40.0, 100 * 1000 * 1000);

  /* Between the thresholds: not enough to start. */
  for (guint i = 0; i < 5; i++)
    g_assert_false (wb_talk_detector_update (&d, -35.0, block));
  g_assert_false (d.talking);

  /* At the start threshold: talking at once. */
  g_assert_true (wb_talk_detector_update (&d, -30.0, block));
  g_assert_true (d.talking);

  /* Between the thresholds again: still talking (hysteresis). */
  for (guint i = 0; i < 20; i++)
    g_assert_false (wb_talk_detector_update (&d, -39.9, block));
  g_assert_true (d.talking);

  /* Quiet for 80 ms, then a word: the hangover starts over. */
  for (guint i = 0; i < 4; i++)
    g_assert_false (wb_talk_detector_update (&d, -60.0, block));
  g_assert_false (wb_talk_detector_update (&d, -20.0, block));
  for (guint i = 0; i < 4; i++)
    g_assert_false (wb_talk_detector_update (&d, -60.0, block));
  g_assert_true (d.talking);

  /* The fifth quiet block completes 100 ms: stopped. */
  g_assert_true (wb_talk_detector_update (&d, WB_MIXMINUS_LEVEL_FLOOR, block));
  g_assert_false (d.talking);
  g_assert_false (wb_talk_detector_update (&d, -60.0, block));

  /* A stop threshold above the start one is brought down to it. */
  wb_talk_detector_configure (&d, -30.0, -10.0, 0);
  g_assert_cmpfloat (d.stop_dbov, ==, -30.0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mixminus-core/one-input", test_one_input);
  g_test_add_func ("/mixminus-core/two-inputs", test_two_inputs);
  g_test_add_func ("/mixminus-core/three-inputs", test_three_inputs);
  g_test_add_func ("/mixminus-core/thirty-two-inputs", test_thirty_two_inputs);
  g_test_add_func ("/mixminus-core/saturation", test_saturation);
  g_test_add_func ("/mixminus-core/mute-and-deaf", test_mute_and_deaf);
  g_test_add_func ("/mixminus-core/volume", test_volume);
  g_test_add_func ("/mixminus-core/level", test_level);
  g_test_add_func ("/mixminus-core/talk-detector", test_talk_detector);

  return g_test_run ();
}
