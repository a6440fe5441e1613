/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbSharedOpus: the conference's one Opus encode of the full mix and the
 * wards' taps on it (see wb-shared-opus.h).  Owned by WbConference.
 *
 * Threads: the encode counter is bumped from the encoder's streaming
 * thread (under lock); the route probes run in the mixer's streaming
 * thread and only call into the participant, which they hold a reference
 * to.  Everything else runs on the conference's main context.
 */
#include "media/wb-shared-opus.h"

#include "media/wb-media-util.h"

struct _WbSharedOpus {
  GstElement *tee;              /* borrowed from the pipeline */
  GstElement *enc;              /* borrowed from the pipeline */
  guint expected_loss_percent;  /* what enc plans for */
  GMutex lock;
  guint64 encodes;              /* guarded by lock */
};

struct _WbSharedOpusTap {
  GstPad *mix_src;              /* the ward's mixminus src_K, owned ref */
  gulong route_probe;           /* on mix_src; 0 once removed */
  GstPad *tee_pad;              /* shared tee request pad, owned ref */
};

static GstPadProbeReturn
encode_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  WbSharedOpus *self = user_data;

  g_mutex_lock (&self->lock);
  self->encodes++;
  g_mutex_unlock (&self->lock);
  return GST_PAD_PROBE_OK;
}

/* Mixer thread, on an Opus ward's src_K: mixminus says, during the push,
 * whether this very buffer is the full mix (gstmixminus.h). */
static GstPadProbeReturn
route_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  gboolean shared = FALSE;

  g_object_get (pad, "shares-full-mix", &shared, NULL);
  return wb_participant_route_mix_block (user_data, GST_PAD_PROBE_INFO_BUFFER (info), shared)
      ? GST_PAD_PROBE_OK : GST_PAD_PROBE_DROP;
}

WbSharedOpus *
wb_shared_opus_new (GstBin      *pipeline,
                    GstElement  *full_mix_tee,
                    guint        bitrate_kbps,
                    guint        expected_loss_percent,
                    GError     **error)
{
  WbSharedOpus *self;
  g_autoptr (GstPad) encoded = NULL;
  GstElement *queue, *enc, *tee;

  /* The wards match packets to mix blocks one for one (wb-participant.c):
   * an Opus packet lasts one 20 ms block of mixminus. */
  G_STATIC_ASSERT (WB_OPUS_PTIME_MS == 20);

  g_return_val_if_fail (GST_IS_BIN (pipeline), NULL);
  g_return_val_if_fail (GST_IS_ELEMENT (full_mix_tee), NULL);

  if (!(queue = wb_media_add_element (pipeline, "queue", "shared-opus-queue", error)) ||
      !(enc = wb_media_add_element (pipeline, "opusenc", "shared-opusenc", error)) ||
      !(tee = wb_media_add_element (pipeline, "tee", "shared-opus-tee", error)))
    return NULL;
  if (!gst_element_link_many (full_mix_tee, queue, enc, tee, NULL)) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION,
                 "cannot link the shared Opus encoder to the full mix");
    return NULL;
  }

  self = g_new0 (WbSharedOpus, 1);
  self->tee = tee;
  self->enc = enc;
  self->expected_loss_percent = expected_loss_percent;
  g_mutex_init (&self->lock);

  /* The mixer never waits for this encoder: a slow encode drops blocks. */
  g_object_set (queue, "leaky", 1 /* upstream */, "max-size-buffers", 10,
                "max-size-bytes", 0, "max-size-time", (guint64) 0, NULL);
  g_object_set (enc,
                "bitrate", (gint) (bitrate_kbps * 1000),
                "frame-size", WB_OPUS_PTIME_MS,
                "inband-fec", TRUE,
                "packet-loss-percentage", (gint) expected_loss_percent,
                NULL);
  g_object_set (self->tee, "allow-not-linked", TRUE, NULL);
  encoded = gst_element_get_static_pad (enc, "src");
  gst_pad_add_probe (encoded, GST_PAD_PROBE_TYPE_BUFFER, encode_probe, self, NULL);

  return self;
}

/* After the pipeline has stopped: the encoder's probe points here. */
void
wb_shared_opus_free (WbSharedOpus *self)
{
  if (self == NULL)
    return;
  g_mutex_clear (&self->lock);
  g_free (self);
}

void
wb_shared_opus_set_expected_loss (WbSharedOpus *self,
                                  guint         percent)
{
  g_return_if_fail (self != NULL);

  if (percent == self->expected_loss_percent)
    return;
  self->expected_loss_percent = percent;
  /* opusenc applies it from its next frame, under its own lock. */
  g_object_set (self->enc, "packet-loss-percentage", (gint) percent, NULL);
}

guint
wb_shared_opus_get_expected_loss (WbSharedOpus *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->expected_loss_percent;
}

guint64
wb_shared_opus_get_encodes (WbSharedOpus *self)
{
  guint64 encodes;

  g_return_val_if_fail (self != NULL, 0);

  g_mutex_lock (&self->lock);
  encodes = self->encodes;
  g_mutex_unlock (&self->lock);
  return encodes;
}

WbSharedOpusTap *
wb_shared_opus_plug (WbSharedOpus   *self,
                     WbParticipant  *participant,
                     GstPad         *mix_src,
                     GError        **error)
{
  GstElement *bin = wb_participant_get_bin (participant);
  g_autoptr (GstPad) sink = gst_element_get_static_pad (bin, "audio_shared_sink");
  WbSharedOpusTap *tap;

  g_return_val_if_fail (wb_participant_get_audio_codec (participant) == WB_AUDIO_CODEC_OPUS,
                        NULL);

  tap = g_new0 (WbSharedOpusTap, 1);
  /* The probe holds the participant until it is removed and done. */
  tap->mix_src = gst_object_ref (mix_src);
  tap->route_probe = gst_pad_add_probe (mix_src, GST_PAD_PROBE_TYPE_BUFFER, route_probe,
                                        g_object_ref (participant), g_object_unref);
  if (sink == NULL) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION,
                 "%s has no shared Opus input", GST_ELEMENT_NAME (bin));
    wb_shared_opus_unplug (self, tap);
    return NULL;
  }
  tap->tee_pad = wb_media_link_tee_pad (self->tee, sink, error);
  if (tap->tee_pad == NULL) {
    wb_shared_opus_unplug (self, tap);
    return NULL;
  }

  return tap;
}

void
wb_shared_opus_unplug (WbSharedOpus    *self,
                       WbSharedOpusTap *tap)
{
  if (tap == NULL)
    return;

  if (tap->tee_pad != NULL) {
    gst_element_release_request_pad (self->tee, tap->tee_pad);
    gst_clear_object (&tap->tee_pad);
  }
  if (tap->route_probe != 0)
    gst_pad_remove_probe (tap->mix_src, tap->route_probe);
  gst_clear_object (&tap->mix_src);
  g_free (tap);
}
