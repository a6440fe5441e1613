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

/*
 * What an Opus encoder plans its in-band FEC for, from the loss reported
 * by the box it sends to (RTCP receiver reports: the fraction lost since
 * the box's last report, in 256ths).  A report above the level raises it
 * at once; otherwise the level falls towards the reports with a half-life
 * of WB_FEC_PLAN_HALF_LIFE_US, so one clean report after a lossy spell
 * does not drop the protection.  The plan is the level rounded up, 0 under
 * 1 % (a packet in a few hundred is left to concealment, and libopus then
 * codes with CELT, a fifth of the CPU), at most @max_percent.
 *
 * Zero-initialise; any one thread.
 */
#define WB_FEC_PLAN_HALF_LIFE_US (10 * G_USEC_PER_SEC)

typedef struct {
  double level;               /* percent */
  double reported;            /* percent, the newest report */
  gint64 updated_us;          /* 0: never */
} WbFecPlan;

/* @fraction_lost: the newest report's, or -1 when no report came since
 * the last call.  Returns the percentage to plan for. */
guint       wb_fec_plan_update (WbFecPlan *plan,
                                gint64     now_us,
                                gint       fraction_lost,
                                guint      max_percent);

G_END_DECLS
