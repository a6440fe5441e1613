/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The naive peer's graph (see bench-naive.h), as a gst-launch description,
 * with the same real-time settings the hub uses: 40 ms jitter buffers, 50 ms
 * aggregator latency starting at the first buffer, one decoding thread per
 * ward, x264 ultrafast/zerolatency, leaky queues.
 */
#include "bench-naive.h"

#include <glib-unix.h>
#include <gst/gst.h>
#include <stdio.h>

#include "media/wb-layout.h"

#define AGGREGATOR_LATENCY "50000000"

char *
wb_bench_naive_describe (guint        n,
                         const guint *listen_ports,
                         const guint *ward_audio_ports,
                         const guint *ward_video_ports,
                         guint        width,
                         guint        height,
                         guint        framerate,
                         guint        expected_loss_percent)
{
  GString *d = g_string_new (NULL);
  WbTileRect tiles[WB_LAYOUT_MAX_TILES];

  g_return_val_if_fail (n >= 2 && n <= WB_LAYOUT_MAX_TILES, NULL);
  wb_layout_compute (WB_LAYOUT_GRID, width, height, n, 0, tiles);

  /* Video: one compositor over a live black canvas, one encoder for all. */
  g_string_append_printf (d,
      "compositor name=comp background=black latency=" AGGREGATOR_LATENCY
      " start-time-selection=first sink_0::zorder=0");
  for (guint i = 0; i < n; i++)
    g_string_append_printf (d, " sink_%u::xpos=%d sink_%u::ypos=%d sink_%u::width=%d sink_%u::height=%d"
                            " sink_%u::zorder=1", i + 1, tiles[i].x, i + 1, tiles[i].y,
                            i + 1, tiles[i].width, i + 1, tiles[i].height, i + 1);
  g_string_append_printf (d,
      " ! video/x-raw,format=I420,width=%u,height=%u,framerate=%u/1"
      " ! queue leaky=upstream max-size-buffers=3 max-size-bytes=0 max-size-time=0"
      " ! x264enc tune=zerolatency speed-preset=ultrafast bitrate=1500 key-int-max=%u"
      " ! video/x-h264,profile=constrained-baseline ! rtph264pay pt=96 config-interval=-1"
      " ! multiudpsink sync=false async=false clients=",
      width, height, framerate, 2 * framerate);
  for (guint i = 0; i < n; i++)
    g_string_append_printf (d, "%s127.0.0.1:%u", i ? "," : "", ward_video_ports[i]);
  g_string_append_printf (d,
      " videotestsrc is-live=true pattern=black ! video/x-raw,format=I420,width=%u,height=%u,"
      "framerate=%u/1 ! comp.sink_0", width, height, framerate);

  for (guint i = 0; i < n; i++) {
    /* Receive and decode ward i. */
    g_string_append_printf (d,
        " udpsrc address=127.0.0.1 port=%u caps=\"application/x-rtp,media=audio,clock-rate=48000,"
        "encoding-name=OPUS,payload=111\" ! rtpjitterbuffer latency=40 ! rtpopusdepay"
        " ! opusdec plc=true use-inband-fec=true ! audioconvert ! audioresample"
        " ! audio/x-raw,format=S16LE,rate=48000,channels=1 ! tee name=at%u",
        listen_ports[2 * i], i);
    g_string_append_printf (d,
        " udpsrc address=127.0.0.1 port=%u caps=\"application/x-rtp,media=video,clock-rate=90000,"
        "encoding-name=H264,payload=96\" ! rtpjitterbuffer latency=40 ! rtph264depay"
        " ! avdec_h264 max-threads=1 ! queue leaky=upstream max-size-buffers=3 max-size-bytes=0"
        " max-size-time=0 ! comp.sink_%u",
        listen_ports[2 * i + 1], i + 1);
    /* Ward i's own mix-minus: everyone else, mixed and encoded for it alone. */
    g_string_append_printf (d,
        " audiomixer name=am%u latency=" AGGREGATOR_LATENCY " start-time-selection=first"
        " output-buffer-duration=20000000 ! audio/x-raw,format=S16LE,rate=48000,channels=1"
        " ! opusenc frame-size=20 bitrate=32000 inband-fec=true packet-loss-percentage=%u"
        " ! rtpopuspay pt=111 ! udpsink host=127.0.0.1 port=%u sync=false async=false",
        i, expected_loss_percent, ward_audio_ports[i]);
  }
  for (guint i = 0; i < n; i++)
    for (guint j = 0; j < n; j++)
      if (j != i)
        g_string_append_printf (d, " at%u. ! queue leaky=upstream max-size-buffers=20 max-size-bytes=0"
                                " max-size-time=0 ! am%u.", j, i);
  return g_string_free (d, FALSE);
}

static gboolean
on_signal (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_bus (GstBus *bus, GstMessage *message, gpointer user_data)
{
  (void) bus;
  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR) {
    g_autoptr (GError) error = NULL;
    g_autofree char *debug = NULL;

    gst_message_parse_error (message, &error, &debug);
    fprintf (stderr, "naive graph: %s (%s)\n", error->message, debug ? debug : "");
    g_main_loop_quit (user_data);
  }
  return G_SOURCE_CONTINUE;
}

int
wb_bench_naive_serve (const char *description)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) pipeline = gst_parse_launch (description, &error);
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr (GstBus) bus = NULL;
  guint sigterm, sigint;

  if (pipeline == NULL) {
    fprintf (stderr, "naive graph: %s\n", error->message);
    return 1;
  }
  bus = gst_element_get_bus (pipeline);
  gst_bus_add_watch (bus, on_bus, loop);
  sigterm = g_unix_signal_add (SIGTERM, on_signal, loop);
  sigint = g_unix_signal_add (SIGINT, on_signal, loop);
  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    fprintf (stderr, "naive graph: cannot play\n");
    return 1;
  }
  fprintf (stderr, WB_BENCH_NAIVE_READY "\n");
  fflush (stderr);
  g_main_loop_run (loop);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_bus_remove_watch (bus);
  g_source_remove (sigterm);
  g_source_remove (sigint);
  return 0;
}
