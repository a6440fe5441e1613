/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbBenchClip: a few seconds of pre-encoded RTP (Opus or H.264) that the
 * load generator replays in a loop to every simulated ward, so that the
 * generator itself costs next to nothing.  Clips are made once at start with
 * the same encoders a ward box uses (opusenc, x264enc) and owned by the
 * caller; nothing in them changes afterwards.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define WB_BENCH_PT_OPUS 111
#define WB_BENCH_PT_H264 96
#define WB_BENCH_AUDIO_RATE 48000
#define WB_BENCH_FRAME_SAMPLES 960   /* 20 ms of Opus */

typedef enum {
  WB_BENCH_AUDIO_SILENCE,   /* digital silence */
  WB_BENCH_AUDIO_TONE,      /* a quiet tone */
  WB_BENCH_AUDIO_CLICK,     /* the quiet tone plus a loud click every second */
} WbBenchAudioKind;

typedef struct {
  guint64  at_us;     /* when to send, from the start of the clip */
  guint32  ts;        /* RTP timestamp, from the start of the clip */
  gboolean marker;
  gboolean mark;      /* carries a latency marker (click, marker frame) */
  GBytes  *payload;   /* RTP payload, header excluded */
} WbBenchPacket;

typedef struct {
  guint8   pt;
  guint    clock_rate;
  guint64  duration_us;   /* loop length */
  guint32  duration_ts;
  GArray  *packets;       /* WbBenchPacket, in sending order */
  /* CLICK only: where the click is heard when the clip itself is decoded,
   * in samples from the start of the packet that carries it (the encoder's
   * look-ahead included). */
  guint    click_offset;
} WbBenchClip;

/* Amplitudes (of 32767) that make the click easy to find in any mix of up
 * to a few tones. */
#define WB_BENCH_TONE_AMPLITUDE 2500
#define WB_BENCH_CLICK_AMPLITUDE 28000
#define WB_BENCH_CLICK_THRESHOLD 16000

WbBenchClip *wb_bench_clip_new_audio (WbBenchAudioKind   kind,
                                      guint              seconds,
                                      guint              frequency,
                                      GError           **error);

/* @marker: the whole picture turns white for two frames every second. */
WbBenchClip *wb_bench_clip_new_video (gboolean   marker,
                                      guint      width,
                                      guint      height,
                                      guint      framerate,
                                      guint      seconds,
                                      GError   **error);

void wb_bench_clip_free (WbBenchClip *clip);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WbBenchClip, wb_bench_clip_free)

/* Mean luma of a marker frame is WB_BENCH_MARKER_LUMA, of any other frame
 * at most WB_BENCH_PLAIN_LUMA_MAX: a threshold between them finds it. */
#define WB_BENCH_MARKER_LUMA 235
#define WB_BENCH_PLAIN_LUMA_MAX 100
#define WB_BENCH_MARKER_THRESHOLD 170

G_END_DECLS
