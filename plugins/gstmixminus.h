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
 *
 * Order of a block's outputs: once "src" has sent its first buffer (and so
 * its stream-start, caps and segment), every block is pushed on each
 * src_K before its full mix is pushed on "src".  So whatever a probe or
 * element downstream of src_K learns from a block (for instance that it
 * is the shared full mix) is known before anything made from that block's
 * full mix exists.  The first block, and the first block after a change
 * of format, go out on "src" first.
 *
 * While a buffer is being pushed on src_K, that pad's "shares-full-mix"
 * property says whether this very buffer is the block's full mix (the same
 * GstBuffer as pushed on "src"); a pad probe on src_K may read it.
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
