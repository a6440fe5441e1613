/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Small helpers shared by the media plane's graph builders.
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* gst_element_factory_make(), or a GST_CORE_ERROR_MISSING_PLUGIN error that
 * names the missing element. */
GstElement *wb_media_make_element (const char  *factory,
                                   const char  *name,
                                   GError     **error);

/* The same, added to @bin; returns it borrowed. */
GstElement *wb_media_add_element  (GstBin      *bin,
                                   const char  *factory,
                                   const char  *name,
                                   GError     **error);

/* Registers the "wardbridge" plugin (mixminus, wbopusdec), linked in
 * statically, unless a test loaded its module form from GST_PLUGIN_PATH.
 * Once per process; any thread. */
void        wb_media_ensure_plugin (void);

G_END_DECLS
