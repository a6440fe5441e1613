/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Small helpers shared by the media plane's graph builders.
 */
#pragma once

#include <gst/gst.h>

#include "common/wb-fec-plan.h"

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

/*
 * A new src pad of @tee, linked to @sink, or NULL with @error set (the pad
 * released).  Requested and linked between two of the tee's buffers: a
 * tee that pushes to a pad not linked yet marks its sticky events sent
 * (NOT_LINKED), and a link made meanwhile can lose one, so that the next
 * buffer reached @sink before its segment.  Not from the tee's streaming
 * thread.
 */
GstPad     *wb_media_link_tee_pad (GstElement  *tee,
                                   GstPad      *sink,
                                   GError     **error);

/* Registers the "wardbridge" plugin (mixminus, wbopusdec, wbrtpjitter), linked in
 * statically, unless a test loaded its module form from GST_PLUGIN_PATH.
 * Once per process; any thread. */
void        wb_media_ensure_plugin (void);

G_END_DECLS
