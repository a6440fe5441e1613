/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The naive peer: what a GStreamer engineer builds first with stock
 * elements, tuned for real time.  Audio: per ward, udpsrc → jitter buffer →
 * Opus decode → tee, and one audiomixer per ward fed by every other ward's
 * tee through a queue, each with its own Opus encoder (N mixers, N encodes
 * per 20 ms, N·(N−1) mixer inputs).  Video: per ward, decode into one
 * compositor (grid of wb_layout), one x264 encoder, sent to every ward.
 * The benchmark runs it in a child process of its own (--serve-naive).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Printed once the graph plays. */
#define WB_BENCH_NAIVE_READY "naive graph playing"

/* @listen_ports: 2·@n ports, audio and video of each ward, where the graph
 * receives; @ward_audio_ports/@ward_video_ports: where each ward listens.
 * The Opus encoders plan for @expected_loss_percent with in-band FEC. */
char *wb_bench_naive_describe (guint        n,
                               const guint *listen_ports,
                               const guint *ward_audio_ports,
                               const guint *ward_video_ports,
                               guint        width,
                               guint        height,
                               guint        framerate,
                               guint        expected_loss_percent);

/* Runs @description until SIGTERM or SIGINT; the exit status for main(). */
int wb_bench_naive_serve (const char *description);

G_END_DECLS
