/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The "wardbridge" GStreamer plugin: registration only.  Built both as a
 * loadable module (gst-inspect-1.0, gst-launch-1.0 with GST_PLUGIN_PATH)
 * and, with GST_PLUGIN_BUILD_STATIC, as a static library that wardbridged
 * registers with GST_PLUGIN_STATIC_REGISTER (wardbridge).
 */
#include "wb-build-config.h"

#include <gst/gst.h>

#include "gstmixminus.h"
#include "gstwbopusdec.h"
#include "gstwbrtpjitter.h"
#include "gstwbudpsrc.h"

static gboolean
plugin_init (GstPlugin * plugin)
{
  gboolean ok = GST_ELEMENT_REGISTER (mixminus, plugin);

  ok &= GST_ELEMENT_REGISTER (wbopusdec, plugin);
  ok &= GST_ELEMENT_REGISTER (wbrtpjitter, plugin);
  ok &= GST_ELEMENT_REGISTER (wbudpsrc, plugin);
  return ok;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, wardbridge,
    "Conference elements of wardbridge: mix-minus audio mixing, Opus decoding, "
    "RTP jitter stage, UDP source on a shared thread",
    plugin_init, VERSION, "LGPL", GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
