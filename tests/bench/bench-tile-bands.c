/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What putting the wards' names on the composite costs per frame, on this
 * machine, in one run: the conference's own blend of the name bands
 * (wb_tile_bands_blend(), src/media/wb-tile-overlay.c) against
 * GStreamer's (gst_video_overlay_composition_blend(), what the
 * overlaycomposition element does), on the same frames:
 *
 *   bench-tile-bands [--wards N] [--frames N] [--output FILE]
 *
 * A 1280x720 I420 composite with N wards (default 32) in the grid layout,
 * each with a name band.  Both blend into the same frame, in turns, so
 * that neither runs on a warmer cache.  Prints microseconds per frame,
 * the ratio, and the share of a core at 15 frames a second, and writes
 * the table to FILE.
 */
#include "media/wb-layout.h"
#include "media/wb-tile-overlay.h"

#include <glib.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <stdio.h>

#define WIDTH 1280
#define HEIGHT 720
#define FPS 15

static gint64
cpu_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
}

int
main (int argc, char **argv)
{
  int wards = 32, frames = 600;
  g_autofree char *output = NULL;
  GOptionEntry entries[] = {
    { "wards", 'w', 0, G_OPTION_ARG_INT, &wards, "wards on the grid (32)", "N" },
    { "frames", 'n', 0, G_OPTION_ARG_INT, &frames, "frames per blend (600)", "N" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "also write the table here", "FILE" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("- the name bands' blend against GStreamer's");
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) table = g_string_new (NULL);
  g_autofree WbTileRect *tiles = NULL;
  g_autofree WbTileLabel *labels = NULL;
  g_autofree char **names = NULL;
  GstVideoOverlayComposition *comp;
  WbTileBands *bands;
  GstVideoInfo info;
  GstBuffer *buffer;
  GstVideoFrame frame;
  gint64 ours_ns = 0, theirs_ns = 0;
  double ours_us, theirs_us;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    g_printerr ("%s\n", error->message);
    return 2;
  }
  if (wards < 1 || wards > WB_LAYOUT_MAX_TILES || frames < 1) {
    g_printerr ("--wards 1 to %d, --frames at least 1\n", WB_LAYOUT_MAX_TILES);
    return 2;
  }
  gst_init (NULL, NULL);

  tiles = g_new0 (WbTileRect, wards);
  labels = g_new0 (WbTileLabel, wards);
  names = g_new0 (char *, wards + 1);
  if (!wb_layout_compute (WB_LAYOUT_GRID, WIDTH, HEIGHT, (guint) wards, -1, tiles)) {
    g_printerr ("no layout for %d wards\n", wards);
    return 1;
  }
  for (int i = 0; i < wards; i++) {
    names[i] = g_strdup_printf ("Phường Hoàng Văn Thụ %02d", i + 1);
    labels[i].rect = tiles[i];
    labels[i].name = names[i];
  }

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_I420, WIDTH, HEIGHT);
  comp = wb_tile_overlay_render (labels, (guint) wards);
  bands = wb_tile_bands_new (comp, &info);
  buffer = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&info), NULL);
  gst_buffer_memset (buffer, 0, 0x80, GST_VIDEO_INFO_SIZE (&info));
  if (comp == NULL || bands == NULL ||
      !gst_video_frame_map (&frame, &info, buffer, GST_MAP_READWRITE)) {
    g_printerr ("cannot render the bands\n");
    return 1;
  }

  /* One of each first: GStreamer converts and caches each rectangle's
   * pixels on its first blend, as it would on the first frame. */
  gst_video_overlay_composition_blend (comp, &frame);
  wb_tile_bands_blend (bands, &frame);
  for (int k = 0; k < frames; k++) {
    gint64 t0 = cpu_ns (), t1, t2;

    gst_video_overlay_composition_blend (comp, &frame);
    t1 = cpu_ns ();
    wb_tile_bands_blend (bands, &frame);
    t2 = cpu_ns ();
    theirs_ns += t1 - t0;
    ours_ns += t2 - t1;
  }
  gst_video_frame_unmap (&frame);
  gst_buffer_unref (buffer);
  wb_tile_bands_unref (bands);
  gst_video_overlay_composition_unref (comp);
  for (int i = 0; i < wards; i++)
    g_free (names[i]);

  theirs_us = (double) theirs_ns / frames / 1000.0;
  ours_us = (double) ours_ns / frames / 1000.0;
  g_string_append_printf (table, "# %d name bands on a %dx%d I420 composite, %d frames each, "
                          "thread CPU time\n", wards, WIDTH, HEIGHT, frames);
  g_string_append_printf (table, "%-34s %10s %14s\n", "blend", "us/frame", "% core at 15/s");
  g_string_append_printf (table, "%-34s %10.1f %14.2f\n", "gst_video_overlay_composition_blend",
                          theirs_us, theirs_us * FPS / 1e4);
  g_string_append_printf (table, "%-34s %10.1f %14.2f\n", "wb_tile_bands_blend",
                          ours_us, ours_us * FPS / 1e4);
  g_string_append_printf (table, "ratio %.1f\n", ours_us > 0 ? theirs_us / ours_us : 0.0);
  fputs (table->str, stdout);
  if (output != NULL && !g_file_set_contents (output, table->str, -1, &error)) {
    g_printerr ("%s\n", error->message);
    return 1;
  }
  return 0;
}
