/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Small helpers shared by the media plane's graph builders (see
 * wb-media-util.h).
 */
#include "media/wb-media-util.h"

/* Our own elements (mixminus, wbopusdec, wbrtpjitter) come from our plugin, linked in
 * statically. */
GST_PLUGIN_STATIC_DECLARE (wardbridge);

void
wb_media_ensure_plugin (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once)) {
    GstPlugin *plugin = gst_registry_find_plugin (gst_registry_get (), "wardbridge");

    /* Tests may have loaded the module form from GST_PLUGIN_PATH. */
    if (plugin == NULL)
      GST_PLUGIN_STATIC_REGISTER (wardbridge);
    else
      gst_object_unref (plugin);
    g_once_init_leave (&once, 1);
  }
}

GstElement *
wb_media_make_element (const char  *factory,
                       const char  *name,
                       GError     **error)
{
  GstElement *element = gst_element_factory_make (factory, name);

  if (element == NULL)
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN,
                 "GStreamer element '%s' is missing; install the plugin that provides it",
                 factory);
  return element;
}

GstElement *
wb_media_add_element (GstBin      *bin,
                      const char  *factory,
                      const char  *name,
                      GError     **error)
{
  GstElement *element = wb_media_make_element (factory, name, error);

  if (element != NULL)
    gst_bin_add (bin, element);
  return element;
}

GstPad *
wb_media_link_tee_pad (GstElement  *tee,
                       GstPad      *sink,
                       GError     **error)
{
  g_autoptr (GstPad) tee_sink = gst_element_get_static_pad (tee, "sink");
  GstPadLinkReturn ret = GST_PAD_LINK_REFUSED;
  GstPad *pad;

  g_return_val_if_fail (tee_sink != NULL, NULL);

  /* The tee pushes to its pads with its sink pad's stream lock held. */
  GST_PAD_STREAM_LOCK (tee_sink);
  pad = gst_element_request_pad_simple (tee, "src_%u");
  if (pad != NULL)
    ret = gst_pad_link (pad, sink);
  GST_PAD_STREAM_UNLOCK (tee_sink);

  if (pad == NULL || GST_PAD_LINK_FAILED (ret)) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION,
                 "cannot link %s to %s:%s (%s)", GST_ELEMENT_NAME (tee),
                 GST_DEBUG_PAD_NAME (sink),
                 pad == NULL ? "no pad" : gst_pad_link_get_name (ret));
    if (pad != NULL) {
      gst_element_release_request_pad (tee, pad);
      gst_object_unref (pad);
    }
    return NULL;
  }
  return pad;
}
