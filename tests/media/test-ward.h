/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * TestWard: a ward's box simulated in the test process with real
 * GStreamer pipelines on loopback.  It sends a sine tone and a solid colour
 * (Opus and H.264 over RTP, like a box) to the hub ports of a join answer,
 * and receives what the hub sends back on two even UDP ports it binds
 * itself, decoding the audio to S16LE 48 kHz mono and the video to RGB.
 * Owned by the test that creates it.
 */
#pragma once

#include <gio/gio.h>
#include <gst/gst.h>

G_BEGIN_DECLS

typedef struct _TestWard TestWard;

/* Binds the receive ports and starts receiving.  Opus and H.264. */
TestWard *test_ward_new (const char *id,
                         double      tone_hz,
                         guint32     argb_colour);
/* Same with the box's codecs: @audio_codec "opus", "pcma" or "pcmu" (both
 * ways), @video_codec "h264" or "vp8" (what it sends; it receives H.264). */
TestWard *test_ward_new_full (const char *id,
                              double      tone_hz,
                              guint32     argb_colour,
                              const char *audio_codec,
                              const char *video_codec);
void      test_ward_free (TestWard *ward);

/* A box that speaks SRTP; it starts receiving once it has its keys. */
TestWard *test_ward_new_srtp (const char *id,
                              double      tone_hz,
                              guint32     argb_colour);
/* The keys of the join answer: @send_key the box encrypts with, @recv_key
 * it decrypts the hub's media with (raw 30-byte master keys). */
void      test_ward_set_srtp_keys (TestWard *ward,
                                   GBytes   *send_key,
                                   GBytes   *recv_key);

guint test_ward_get_audio_port (TestWard *ward);   /* even; RTCP on +1 */
guint test_ward_get_video_port (TestWard *ward);

/* Starts sending to the hub's ports on 127.0.0.1 (from an ephemeral
 * port, as a box behind NAT would). */
void  test_ward_start_sending (TestWard *ward,
                               guint     hub_audio_port,
                               guint     hub_video_port);
/* Tears the send pipeline down (the box leaves). */
void  test_ward_stop_sending  (TestWard *ward);
/* Loudness of the tone sent, 0.0 (silence) to 1.0; 0.3 by default.  Set
 * before test_ward_start_sending(), it applies from the first sample. */
void  test_ward_set_volume    (TestWard *ward,
                               double    volume);
/* Stops/resumes sending without tearing anything down (a cut cable). */
void  test_ward_set_sending   (TestWard *ward,
                               gboolean  sending);

/* Received audio: the last @n_samples samples (fewer if not yet there).
 * Returns the number copied into @out. */
guint test_ward_get_audio (TestWard *ward,
                           gint16   *out,
                           guint     n_samples);
guint64 test_ward_get_audio_samples_total (TestWard *ward);

/* The RTP header of one audio packet the ward received, in arrival order. */
typedef struct {
  guint16 seq;
  guint32 timestamp;
  guint32 ssrc;
  gint first_byte;            /* of the payload (Opus: the TOC); -1: empty */
} TestRtpHeader;

/* The audio RTP headers received since the last call (or the start),
 * element-type TestRtpHeader; the ward starts a new list. */
GArray *test_ward_take_audio_rtp (TestWard *ward);

/* Received video: the latest decoded frame (RGB, owned by caller, NULL if
 * none yet) and the number of frames so far. */
GstSample *test_ward_get_last_frame (TestWard *ward);
guint64    test_ward_get_frame_count (TestWard *ward);

/* Longest gap, in microseconds of the monotonic clock, between two
 * received video frames / audio buffers since the last reset. */
gint64 test_ward_get_max_video_gap_us (TestWard *ward);
gint64 test_ward_get_max_audio_gap_us (TestWard *ward);
void   test_ward_reset_gaps (TestWard *ward);

/* Power of @hz in @samples (Goertzel), normalised by the block length. */
double test_goertzel_power (const gint16 *samples,
                            guint         n,
                            double        hz,
                            double        rate);

/* Average R, G, B of the rectangle of an RGB frame. */
void   test_frame_average (GstSample *sample,
                           int        x,
                           int        y,
                           int        w,
                           int        h,
                           double     rgb[3]);

/* Iterates the default main context until @predicate returns TRUE or
 * @timeout_s seconds pass; returns the predicate's last value. */
gboolean test_wait_until (gboolean (*predicate) (gpointer data),
                          gpointer   data,
                          double     timeout_s);

/* Iterates the default main context for @seconds. */
void     test_run_for (double seconds);

/* An even UDP port on 127.0.0.1 bound by @socket (returned, owned). */
GSocket *test_bind_even_port (guint *port);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestWard, test_ward_free)

G_END_DECLS
