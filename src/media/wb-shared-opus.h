/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbSharedOpus: a conference's one Opus encode of its full mix, and the
 * taps of its Opus wards on it (DESIGN.md §2: Opus encodes per 20 ms =
 * talkers + 1).
 *
 *   full-mix tee ▶ queue (leaky) ▶ opusenc ▶ tee "shared-opus-tee" ▶ ward "audio_shared_sink" ...
 *
 * A ward's tap is a probe on its mixminus output src_K, which routes each
 * block (wb_participant_route_mix_block(): own mix-minus to the ward's own
 * encoder, the full mix to nobody, its shared packet being sent instead),
 * and a request pad of the tee linked to the ward's "audio_shared_sink".
 * mixminus pushes a block on every src_K before "src" (gstmixminus.h), so
 * a ward learns that a block is shared before its shared packet exists.
 *
 * Owned by WbConference; its functions are called on the conference's main
 * context, except that the encode count may be read from anywhere.
 */
#pragma once

#include <gst/gst.h>

#include "media/wb-participant.h"

G_BEGIN_DECLS

typedef struct _WbSharedOpus WbSharedOpus;
typedef struct _WbSharedOpusTap WbSharedOpusTap;

/* Adds the encoder's elements to @pipeline, fed by a new branch of
 * @full_mix_tee, with the wards' encoder settings (@bitrate_kbps, frame
 * size WB_OPUS_PTIME_MS, in-band FEC for @expected_loss_percent). */
WbSharedOpus *wb_shared_opus_new  (GstBin      *pipeline,
                                   GstElement  *full_mix_tee,
                                   guint        bitrate_kbps,
                                   guint        expected_loss_percent,
                                   GError     **error);
void          wb_shared_opus_free (WbSharedOpus *self);

/* The loss the shared encode plans its in-band FEC for, as
 * wb_shared_opus_new()'s @expected_loss_percent.  The conference's thread. */
void          wb_shared_opus_set_expected_loss (WbSharedOpus *self,
                                                guint         percent);
guint         wb_shared_opus_get_expected_loss (WbSharedOpus *self);

/* Opus frames the shared encoder has made.  Any thread. */
guint64       wb_shared_opus_get_encodes (WbSharedOpus *self);

/*
 * Taps Opus ward @participant, whose bin is in the pipeline and started,
 * onto the shared encode: routes the blocks of @mix_src (its mixminus
 * src_K) and links the bin's "audio_shared_sink".  Call before @mix_src
 * is linked to the bin's "audio_sink", so that the ward's first block is
 * routed.  Returns NULL with @error set if the tee refused a pad (the
 * probe is then already removed).
 */
WbSharedOpusTap *wb_shared_opus_plug   (WbSharedOpus     *self,
                                        WbParticipant    *participant,
                                        GstPad           *mix_src,
                                        GError          **error);
/* Releases the tee pad and removes the probe; frees @tap. */
void             wb_shared_opus_unplug (WbSharedOpus     *self,
                                        WbSharedOpusTap  *tap);

G_END_DECLS
