/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbRecorder: composite + full mix into Matroska (see wb-recorder.h).
 */
#include "media/wb-recorder.h"

#include "media/wb-media-util.h"

GST_DEBUG_CATEGORY_STATIC (wb_recorder_debug);
#define GST_CAT_DEFAULT wb_recorder_debug

struct _WbRecorder {
  char *path;
  GstBin *pipeline;            /* owned ref */
  GPtrArray *elements;         /* the elements we added, owned refs */

  GstElement *video_tee;       /* owned refs, NULL when absent */
  GstElement *audio_tee;
  GstPad *video_tee_pad;       /* request pads, owned refs */
  GstPad *audio_tee_pad;
  GstPad *video_in;            /* our queues' sink pads, owned refs */
  GstPad *audio_in;

  GMutex lock;                 /* guards eos_seen (streaming thread → main) */
  GCond cond;
  gboolean eos_seen;
  gboolean finished;
};

static GstElement *
add (WbRecorder  *self,
     const char  *factory,
     const char  *name,
     GError     **error)
{
  GstElement *element = wb_media_add_element (self->pipeline, factory, name, error);

  if (element == NULL)
    return NULL;
  g_ptr_array_add (self->elements, gst_object_ref (element));
  return element;
}

static gboolean
link_chain (GError     **error,
            GstElement **chain,
            guint        n)
{
  for (guint i = 0; i + 1 < n; i++) {
    if (!gst_element_link (chain[i], chain[i + 1])) {
      g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION,
                   "cannot link %s to %s", GST_ELEMENT_NAME (chain[i]),
                   GST_ELEMENT_NAME (chain[i + 1]));
      return FALSE;
    }
  }
  return TRUE;
}

/* Never block the conference: drop the newest data when the disk is slow.
 * Limits in buffers, leaking upstream (see wb-conference.c). */
static void
set_queue (GstElement *queue,
           guint       max_buffers)
{
  g_object_set (queue, "leaky", 1, "max-size-buffers", max_buffers,
                "max-size-bytes", 0, "max-size-time", (guint64) 0, NULL);
}

static GstPadProbeReturn
on_sink_event (GstPad          *pad,
               GstPadProbeInfo *info,
               gpointer         user_data)
{
  WbRecorder *self = user_data;

  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_EOS) {
    g_mutex_lock (&self->lock);
    self->eos_seen = TRUE;
    g_cond_broadcast (&self->cond);
    g_mutex_unlock (&self->lock);
  }
  return GST_PAD_PROBE_OK;
}

static gboolean
attach (GstElement  *tee,
        GstElement  *queue,
        GstPad     **tee_pad,
        GstPad     **in,
        GError     **error)
{
  *in = gst_element_get_static_pad (queue, "sink");
  *tee_pad = wb_media_link_tee_pad (tee, *in, error);
  if (*tee_pad == NULL) {
    g_prefix_error (error, "recorder: ");
    return FALSE;
  }
  return TRUE;
}

WbRecorder *
wb_recorder_new (GstBin      *pipeline,
                 GstElement  *video_tee,
                 GstElement  *audio_tee,
                 const char  *path,
                 guint        audio_bitrate_kbps,
                 GError     **error)
{
  g_autoptr (WbRecorder) self = NULL;
  GstElement *mux, *sink;

  g_return_val_if_fail (GST_IS_BIN (pipeline), NULL);
  g_return_val_if_fail (path != NULL, NULL);

  if (wb_recorder_debug == NULL)
    GST_DEBUG_CATEGORY_INIT (wb_recorder_debug, "wb-recorder", 0, "wardbridge recorder");

  self = g_new0 (WbRecorder, 1);
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->path = g_strdup (path);
  self->pipeline = gst_object_ref (pipeline);
  self->elements = g_ptr_array_new_with_free_func (gst_object_unref);

  if (!(mux = add (self, "matroskamux", "recorder-mux", error)) ||
      !(sink = add (self, "filesink", "recorder-sink", error)))
    return NULL;
  /* The file is written as the conference goes; sync and preroll would
   * only hold the live pipeline up. */
  g_object_set (sink, "location", path, "sync", FALSE, "async", FALSE, NULL);
  if (!gst_element_link (mux, sink)) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION, "cannot link the muxer");
    return NULL;
  }
  {
    g_autoptr (GstPad) pad = gst_element_get_static_pad (sink, "sink");

    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_sink_event, self, NULL);
  }

  if (video_tee != NULL) {
    GstElement *chain[3];

    if (!(chain[0] = add (self, "queue", "recorder-video-queue", error)) ||
        !(chain[1] = add (self, "h264parse", "recorder-h264parse", error)))
      return NULL;
    chain[2] = mux;
    set_queue (chain[0], 500);
    if (!link_chain (error, chain, 3) ||
        !attach (video_tee, chain[0], &self->video_tee_pad, &self->video_in, error))
      return NULL;
    self->video_tee = gst_object_ref (video_tee);
  }

  if (audio_tee != NULL) {
    GstElement *chain[4];

    if (!(chain[0] = add (self, "queue", "recorder-audio-queue", error)) ||
        !(chain[1] = add (self, "audioconvert", "recorder-audioconvert", error)) ||
        !(chain[2] = add (self, "opusenc", "recorder-opusenc", error)))
      return NULL;
    chain[3] = mux;
    set_queue (chain[0], 1000);
    g_object_set (chain[2], "bitrate", (gint) (audio_bitrate_kbps * 1000), NULL);
    if (!link_chain (error, chain, 4) ||
        !attach (audio_tee, chain[0], &self->audio_tee_pad, &self->audio_in, error))
      return NULL;
    self->audio_tee = gst_object_ref (audio_tee);
  }

  GST_INFO ("recording to %s", path);
  return g_steal_pointer (&self);
}

const char *
wb_recorder_get_path (WbRecorder *self)
{
  return self->path;
}

static void
detach (GstElement **tee,
        GstPad     **tee_pad)
{
  if (*tee_pad != NULL) {
    gst_element_release_request_pad (*tee, *tee_pad);
    gst_clear_object (tee_pad);
  }
  gst_clear_object (tee);
}

gboolean
wb_recorder_finish (WbRecorder   *self,
                    GstClockTime  timeout)
{
  gint64 deadline;
  gboolean done;

  g_return_val_if_fail (self != NULL, FALSE);

  if (self->finished)
    return TRUE;
  self->finished = TRUE;

  /* No more data in, then the end of each stream: the muxer writes its
   * index and duration and the EOS reaches the file sink. */
  detach (&self->video_tee, &self->video_tee_pad);
  detach (&self->audio_tee, &self->audio_tee_pad);
  if (self->video_in != NULL)
    gst_pad_send_event (self->video_in, gst_event_new_eos ());
  if (self->audio_in != NULL)
    gst_pad_send_event (self->audio_in, gst_event_new_eos ());

  deadline = g_get_monotonic_time () + (gint64) (timeout / GST_USECOND);
  g_mutex_lock (&self->lock);
  while (!self->eos_seen) {
    if (!g_cond_wait_until (&self->cond, &self->lock, deadline))
      break;
  }
  done = self->eos_seen;
  g_mutex_unlock (&self->lock);

  if (!done)
    GST_WARNING ("recording %s was not finished in time; the file may lack its index",
                 self->path);
  else
    GST_INFO ("recording %s finished", self->path);

  for (guint i = 0; i < self->elements->len; i++) {
    GstElement *element = g_ptr_array_index (self->elements, i);

    gst_element_set_state (element, GST_STATE_NULL);
    if (GST_OBJECT_PARENT (element) == GST_OBJECT (self->pipeline))
      gst_bin_remove (self->pipeline, element);
  }
  g_ptr_array_set_size (self->elements, 0);

  return done;
}

void
wb_recorder_free (WbRecorder *self)
{
  if (self == NULL)
    return;

  /* Normally finished by the conference; on a failed start there is
   * nothing to drain. */
  if (!self->finished)
    wb_recorder_finish (self, 0);
  gst_clear_object (&self->video_in);
  gst_clear_object (&self->audio_in);
  g_ptr_array_unref (self->elements);
  gst_object_unref (self->pipeline);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_free (self->path);
  g_free (self);
}
