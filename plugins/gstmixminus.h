/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * GstMixMinus ("mixminus"): mixes N audio inputs once and gives each input
 * its own mix-minus, the mix of everyone else.
 *
 * Requesting sink_K adds src_K, which carries the mix without input K;
 * the always pad "src" carries the full mix.  Built on GstAudioAggregator,
 * so inputs are mixed by running time and, when live, missing inputs time
 * out as silence.  The maths lives in mixminus-core.c.
 *
 * The element owns its pads; applications own the element.  Pushes on
 * src_K happen from the aggregator's streaming thread, one after the
 * other: downstream of each src_K should not block (put a queue there if
 * it can).
 */
#pragma once

#include <gst/gst.h>
#include <gst/audio/audio.h>
#include <gst/audio/gstaudioaggregator.h>

G_BEGIN_DECLS

#define GST_TYPE_MIX_MINUS (gst_mix_minus_get_type ())
G_DECLARE_FINAL_TYPE (GstMixMinus, gst_mix_minus, GST, MIX_MINUS,
    GstAudioAggregator)

/* Request sink pad sink_K: mute, volume, deaf, level, talking. */
#define GST_TYPE_MIX_MINUS_PAD (gst_mix_minus_pad_get_type ())
G_DECLARE_FINAL_TYPE (GstMixMinusPad, gst_mix_minus_pad, GST, MIX_MINUS_PAD,
    GstAudioAggregatorPad)

/* Sometimes source pad src_K: shares-full-mix. */
#define GST_TYPE_MIX_MINUS_SRC_PAD (gst_mix_minus_src_pad_get_type ())
G_DECLARE_FINAL_TYPE (GstMixMinusSrcPad, gst_mix_minus_src_pad, GST,
    MIX_MINUS_SRC_PAD, GstPad)

GST_ELEMENT_REGISTER_DECLARE (mixminus);

G_END_DECLS
