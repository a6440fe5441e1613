/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbTileOverlay: name bands rendered with Pango/Cairo into overlay
 * rectangles, and the canvas behind the tiles with the signal-lost slates
 * (see wb-tile-overlay.h).
 */
#include "media/wb-tile-overlay.h"

#include <pango/pangocairo.h>

#define FONT_FAMILY "DejaVu Sans"

int
wb_tile_overlay_band_height (int tile_height)
{
  return MAX (tile_height / 6, MIN (10, tile_height));
}

/* Draws @text in white, centred in (x, y, w, h), ellipsized to @w. */
static void
draw_text (cairo_t    *cr,
           const char *text,
           gboolean    bold,
           double      x,
           double      y,
           int         w,
           int         h,
           int         pixel_size)
{
  g_autoptr (PangoFontDescription) desc = pango_font_description_new ();
  PangoLayout *layout = pango_cairo_create_layout (cr);
  int text_w, text_h;

  pango_font_description_set_family (desc, FONT_FAMILY);
  pango_font_description_set_weight (desc, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
  pango_font_description_set_absolute_size (desc, (double) MAX (pixel_size, 4) * PANGO_SCALE);
  pango_layout_set_font_description (layout, desc);
  pango_layout_set_text (layout, text, -1);
  pango_layout_set_width (layout, MAX (w - 4, 1) * PANGO_SCALE);
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
  pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
  pango_layout_get_pixel_size (layout, &text_w, &text_h);

  cairo_set_source_rgb (cr, 1.0, 1.0, 1.0);
  cairo_move_to (cr, x + 2, y + (h - text_h) / 2.0);
  pango_cairo_show_layout (cr, layout);
  g_object_unref (layout);
}

/* A finished ARGB32 surface as a read-only buffer that holds a reference
 * to it. */
static GstBuffer *
buffer_from_surface (cairo_surface_t *surface)
{
  gsize size = (gsize) cairo_image_surface_get_stride (surface) *
      (gsize) cairo_image_surface_get_height (surface);

  cairo_surface_flush (surface);
  return gst_buffer_new_wrapped_full (GST_MEMORY_FLAG_READONLY,
                                      cairo_image_surface_get_data (surface), size, 0, size,
                                      cairo_surface_reference (surface),
                                      (GDestroyNotify) cairo_surface_destroy);
}

/* Wraps a finished ARGB32 surface as an overlay rectangle at (x, y). */
static GstVideoOverlayRectangle *
rectangle_from_surface (cairo_surface_t *surface,
                        int              x,
                        int              y)
{
  int w = cairo_image_surface_get_width (surface);
  int h = cairo_image_surface_get_height (surface);
  g_autoptr (GstBuffer) buffer = buffer_from_surface (surface);
  gsize offset[GST_VIDEO_MAX_PLANES] = { 0, };
  gint strides[GST_VIDEO_MAX_PLANES] = { cairo_image_surface_get_stride (surface), };

  /* Cairo's ARGB32 is premultiplied native-endian ARGB, which is what
   * GST_VIDEO_OVERLAY_COMPOSITION_FORMAT_RGB names on either endianness. */
  gst_buffer_add_video_meta_full (buffer, GST_VIDEO_FRAME_FLAG_NONE,
                                  GST_VIDEO_OVERLAY_COMPOSITION_FORMAT_RGB,
                                  (guint) w, (guint) h, 1, offset, strides);

  return gst_video_overlay_rectangle_new_raw (buffer, x, y, (guint) w, (guint) h,
                                              GST_VIDEO_OVERLAY_FORMAT_FLAG_PREMULTIPLIED_ALPHA);
}

/* The name band at the foot of the tile: translucent black, white text. */
static GstVideoOverlayRectangle *
render_band (const WbTileLabel *label)
{
  const WbTileRect *r = &label->rect;
  int band_h = wb_tile_overlay_band_height (r->height);
  cairo_surface_t *surface;
  cairo_t *cr;
  GstVideoOverlayRectangle *rect;

  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, r->width, band_h);
  cr = cairo_create (surface);

  cairo_set_source_rgba (cr, 0.0, 0.0, 0.0, 0.6);
  cairo_paint (cr);
  if (label->name != NULL)
    draw_text (cr, label->name, FALSE, 0, 0, r->width, band_h, band_h * 2 / 3);

  cairo_destroy (cr);
  rect = rectangle_from_surface (surface, r->x, r->y + r->height - band_h);
  cairo_surface_destroy (surface);

  return rect;
}

GstBuffer *
wb_tile_overlay_render_canvas (const WbTileLabel  *labels,
                               guint               n_labels,
                               const GstVideoInfo *info)
{
  int width = GST_VIDEO_INFO_WIDTH (info);
  int height = GST_VIDEO_INFO_HEIGHT (info);
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  cairo_t *cr = cairo_create (surface);
  GstVideoInfo argb;
  GstVideoFrame in_frame, out_frame;
  GstVideoConverter *convert;
  g_autoptr (GstBuffer) in = NULL;
  GstBuffer *out;

  cairo_set_source_rgb (cr, 0.0, 0.0, 0.0);
  cairo_paint (cr);
  for (guint i = 0; i < n_labels; i++) {
    const WbTileRect *r = &labels[i].rect;

    if (!labels[i].signal_lost || !r->visible || r->width <= 0 || r->height <= 0)
      continue;
    cairo_save (cr);
    cairo_translate (cr, r->x, r->y);
    cairo_rectangle (cr, 0, 0, r->width, r->height);
    cairo_clip (cr);
    cairo_set_source_rgb (cr, WB_TILE_SLATE_R / 255.0, WB_TILE_SLATE_G / 255.0,
                          WB_TILE_SLATE_B / 255.0);
    cairo_paint (cr);
    draw_text (cr, WB_TILE_SLATE_TEXT, TRUE, 0, r->height * 3 / 8, r->width,
               r->height / 4, MAX (r->height / 8, 6));
    cairo_restore (cr);
  }
  cairo_destroy (cr);

  /* Opaque everywhere, so premultiplied ARGB is plain ARGB. */
  gst_video_info_set_format (&argb, GST_VIDEO_OVERLAY_COMPOSITION_FORMAT_RGB,
                             (guint) width, (guint) height);
  argb.stride[0] = cairo_image_surface_get_stride (surface);
  argb.fps_n = GST_VIDEO_INFO_FPS_N (info);
  argb.fps_d = GST_VIDEO_INFO_FPS_D (info);
  argb.par_n = GST_VIDEO_INFO_PAR_N (info);
  argb.par_d = GST_VIDEO_INFO_PAR_D (info);
  in = buffer_from_surface (surface);
  cairo_surface_destroy (surface);

  out = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (info), NULL);
  convert = gst_video_converter_new (&argb, (GstVideoInfo *) info, NULL);
  if (!gst_video_frame_map (&in_frame, &argb, in, GST_MAP_READ)) {
    gst_video_converter_free (convert);
    gst_buffer_unref (out);
    return NULL;
  }
  if (!gst_video_frame_map (&out_frame, (GstVideoInfo *) info, out, GST_MAP_WRITE)) {
    gst_video_frame_unmap (&in_frame);
    gst_video_converter_free (convert);
    gst_buffer_unref (out);
    return NULL;
  }
  gst_video_converter_frame (convert, &in_frame, &out_frame);
  gst_video_frame_unmap (&out_frame);
  gst_video_frame_unmap (&in_frame);
  gst_video_converter_free (convert);

  return out;
}

GstVideoOverlayComposition *
wb_tile_overlay_render (const WbTileLabel *labels,
                        guint              n_labels)
{
  GstVideoOverlayComposition *comp = NULL;

  for (guint i = 0; i < n_labels; i++) {
    const WbTileRect *r = &labels[i].rect;
    GstVideoOverlayRectangle *rect;

    if (!r->visible || r->width <= 0 || r->height <= 0)
      continue;

    rect = render_band (&labels[i]);
    if (comp == NULL)
      comp = gst_video_overlay_composition_new (rect);
    else
      gst_video_overlay_composition_add_rectangle (comp, rect);
    gst_video_overlay_rectangle_unref (rect);
  }

  return comp;
}
