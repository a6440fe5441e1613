/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbRecorder: writes a conference to a Matroska file: the composite as it
 * was encoded for the wards (H.264, not encoded a second time) and the full
 * mix (Opus).  It hangs off two tees of the conference pipeline through
 * queues that drop rather than block, so a slow disk never stalls the
 * wards' media.  wb_recorder_finish() drains it and closes the file
 * properly (Matroska cues and duration written), so ffprobe/ffplay read it.
 *
 * Owned by WbConference; main context only.
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

typedef struct _WbRecorder WbRecorder;

/*
 * Adds the recorder's elements to @pipeline (still stopped) and links them
 * to @video_tee (H.264 byte-stream, may be NULL) and @audio_tee (raw audio,
 * may be NULL).  The file is created at @path when the pipeline starts.
 */
WbRecorder *wb_recorder_new (GstBin      *pipeline,
                             GstElement  *video_tee,
                             GstElement  *audio_tee,
                             const char  *path,
                             guint        audio_bitrate_kbps,
                             GError     **error);

const char *wb_recorder_get_path (WbRecorder *recorder);

/*
 * Detaches the recorder from the tees, sends end-of-stream through it and
 * waits up to @timeout for the file to be finished, then stops and removes
 * its elements.  Returns FALSE if the file could not be finished in time.
 */
gboolean wb_recorder_finish (WbRecorder   *recorder,
                             GstClockTime  timeout);

void wb_recorder_free (WbRecorder *recorder);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WbRecorder, wb_recorder_free)

G_END_DECLS
