/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Small helpers shared by the media plane's graph builders (see
 * wb-media-util.h).
 */
#include "media/wb-media-util.h"

/* Our own elements (mixminus, wbopusdec) come from our plugin, linked in
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
