/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mixminus in a stock pipeline built with gst_parse_launch: three
 * audiotestsrc tones (440, 660, 880 Hz) into sink_0..2; each src_K must
 * carry the two other tones and not its own, and src all three.  Checked
 * by spectrum (Goertzel with a Hann window) on what appsinks received.
 */
#include <gst/gst.h>
#include <gst/app/gstappsink.h>

#include <math.h>

GST_PLUGIN_STATIC_DECLARE (wardbridge);

#define RATE 48000
#define N_BUFFERS 25            /* of 960 samples: 0.5 s */
/* Analysis window: 0.4 s after the first 0.1 s.  Every tone falls on a
 * whole bin (f * WINDOW / RATE is an integer). */
#define SKIP 4800
#define WINDOW 19200

static const gdouble tones[] = { 440.0, 660.0, 880.0 };

static const gchar *launch =
    "mixminus name=m "
    "m.src ! queue ! appsink name=full sync=false wait-on-eos=false "
    "audiotestsrc freq=440 volume=0.3 num-buffers=25 samplesperbuffer=960 ! "
    "  audio/x-raw,format=S16LE,rate=48000,channels=1 ! m.sink_0 "
    "audiotestsrc freq=660 volume=0.3 num-buffers=25 samplesperbuffer=960 ! "
    "  audio/x-raw,format=S16LE,rate=48000,channels=1 ! m.sink_1 "
    "audiotestsrc freq=880 volume=0.3 num-buffers=25 samplesperbuffer=960 ! "
    "  audio/x-raw,format=S16LE,rate=48000,channels=1 ! m.sink_2 "
    "m.src_0 ! queue ! appsink name=out0 sync=false wait-on-eos=false "
    "m.src_1 ! queue ! appsink name=out1 sync=false wait-on-eos=false "
    "m.src_2 ! queue ! appsink name=out2 sync=false wait-on-eos=false ";

/* All samples an appsink received, in order. */
static GArray *
drain (GstElement * pipeline, const gchar * name)
{
  g_autoptr (GstElement) sink = gst_bin_get_by_name (GST_BIN (pipeline), name);
  GArray *samples = g_array_new (FALSE, FALSE, sizeof (gint16));
  GstSample *sample;

  g_assert_nonnull (sink);
  while ((sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 0))) {
    GstBuffer *buffer = gst_sample_get_buffer (sample);
    GstMapInfo map;

    gst_buffer_map (buffer, &map, GST_MAP_READ);
    g_array_append_vals (samples, map.data, map.size / sizeof (gint16));
    gst_buffer_unmap (buffer, &map);
    gst_sample_unref (sample);
  }

  return samples;
}

/* Power of @freq in the analysis window, in dB (full-scale sine: about
 * 20 log10 (WINDOW / 4) ~ 73.6 dB with the Hann window). */
static gdouble
power_db (GArray * samples, gdouble freq)
{
  gdouble coeff = 2.0 * cos (2.0 * G_PI * freq / RATE);
  gdouble s1 = 0.0, s2 = 0.0, power;

  g_assert_cmpuint (samples->len, >=, SKIP + WINDOW);
  for (guint i = 0; i < WINDOW; i++) {
    gdouble hann = 0.5 - 0.5 * cos (2.0 * G_PI * i / WINDOW);
    gdouble x = g_array_index (samples, gint16, SKIP + i) / 32768.0 * hann;
    gdouble s0 = x + coeff * s1 - s2;

    s2 = s1;
    s1 = s0;
  }
  power = s1 * s1 + s2 * s2 - coeff * s1 * s2;

  return 10.0 * log10 (power + 1e-12);
}

static void
test_three_tones (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) pipeline = gst_parse_launch (launch, &error);
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GstMessage) message = NULL;
  g_autoptr (GArray) full = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (pipeline);

  bus = gst_element_get_bus (pipeline);
  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), !=,
      GST_STATE_CHANGE_FAILURE);
  /* Generous: the whole run takes milliseconds unloaded. */
  message = gst_bus_timed_pop_filtered (bus, 120 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  g_assert_nonnull (message);
  g_assert_cmpint (GST_MESSAGE_TYPE (message), ==, GST_MESSAGE_EOS);

  /* The full mix carries all three tones, at about the same power: the
   * measure does hear a 440 Hz tone when there is one. */
  full = drain (pipeline, "full");
  g_assert_cmpuint (full->len, ==, N_BUFFERS * 960);
  for (guint t = 0; t < G_N_ELEMENTS (tones); t++) {
    gdouble p = power_db (full, tones[t]);
    g_test_message ("full: %.0f Hz at %.1f dB", tones[t], p);
    g_assert_cmpfloat (p, >, 50.0);
    g_assert_cmpfloat (fabs (p - power_db (full, tones[0])), <, 1.0);
  }

  /* src_K: the two other tones, nothing of its own. */
  for (guint k = 0; k < G_N_ELEMENTS (tones); k++) {
    g_autofree gchar *name = g_strdup_printf ("out%u", k);
    g_autoptr (GArray) out = drain (pipeline, name);
    gdouble own = power_db (out, tones[k]);

    g_assert_cmpuint (out->len, ==, N_BUFFERS * 960);
    for (guint t = 0; t < G_N_ELEMENTS (tones); t++) {
      gdouble p;

      if (t == k)
        continue;
      p = power_db (out, tones[t]);
      g_test_message ("src_%u: %.0f Hz at %.1f dB, own %.0f Hz at %.1f dB",
          k, tones[t], p, tones[k], own);
      g_assert_cmpfloat (p, >, 50.0);
      g_assert_cmpfloat (p, >, own + 60.0);
    }
  }

  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_NULL), ==,
      GST_STATE_CHANGE_SUCCESS);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);
  GST_PLUGIN_STATIC_REGISTER (wardbridge);

  g_test_add_func ("/mixminus/stock-pipeline/three-tones", test_three_tones);

  return g_test_run ();
}
