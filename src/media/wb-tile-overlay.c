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

/* ---- name bands in I420 ------------------------------------------------- */

/* One rectangle on the luma grid (x, y, w, h) and on the chroma grid
 * (cx, cy, cw, ch): alpha and premultiplied samples, row after row. */
typedef struct {
  int x, y, w, h;
  guint8 *alpha, *luma;
  int cx, cy, cw, ch;
  guint8 *calpha, *cb, *cr;
} Band;

struct _WbTileBands {
  Band *bands;
  guint n_bands;
};

static void
bands_clear (gpointer data)
{
  WbTileBands *self = data;

  for (guint i = 0; i < self->n_bands; i++) {
    g_free (self->bands[i].alpha);
    g_free (self->bands[i].luma);
    g_free (self->bands[i].calpha);
    g_free (self->bands[i].cb);
    g_free (self->bands[i].cr);
  }
  g_free (self->bands);
}

/* s * a / 255, rounded. */
static inline guint8
premultiply (guint s, guint a)
{
  return (guint8) ((s * a + 127) / 255);
}

/* Y, Cb and Cr of a straight (not premultiplied) R, G, B in @info's
 * matrix and range. */
static void
rgb_to_yuv (const GstVideoInfo *info, guint r, guint g, guint b, guint8 yuv[3])
{
  gdouble kr = 0.2126, kb = 0.0722, yy, cb, cr;
  gboolean full = GST_VIDEO_INFO_COLORIMETRY (info).range == GST_VIDEO_COLOR_RANGE_0_255;

  gst_video_color_matrix_get_Kr_Kb (GST_VIDEO_INFO_COLORIMETRY (info).matrix, &kr, &kb);
  yy = (kr * r + (1.0 - kr - kb) * g + kb * b) / 255.0;
  cb = (b / 255.0 - yy) / (2.0 * (1.0 - kb));
  cr = (r / 255.0 - yy) / (2.0 * (1.0 - kr));
  yuv[0] = (guint8) CLAMP (full ? 255.0 * yy + 0.5 : 16.0 + 219.0 * yy + 0.5, 0, 255);
  yuv[1] = (guint8) CLAMP (128.0 + (full ? 255.0 : 224.0) * cb + 0.5, 0, 255);
  yuv[2] = (guint8) CLAMP (128.0 + (full ? 255.0 : 224.0) * cr + 0.5, 0, 255);
}

static gboolean
band_from_rectangle (GstVideoOverlayRectangle *rect,
                     const GstVideoInfo       *info,
                     Band                     *band)
{
  GstBuffer *pixels;
  GstVideoMeta *meta;
  GstMapInfo map;
  guint8 *yuv;
  guint w, h;
  gint x, y;
  int ia, ir, ig, ib;

  gst_video_overlay_rectangle_get_render_rectangle (rect, &x, &y, &w, &h);
  /* Straight alpha: converting premultiplied RGB to YUV would scale the
   * offsets of Y and chroma as well.  Premultiplied below, on the grids
   * it is blended on. */
  pixels = gst_video_overlay_rectangle_get_pixels_unscaled_argb (rect,
      GST_VIDEO_OVERLAY_FORMAT_FLAG_NONE);
  if (pixels == NULL || x < 0 || y < 0 || w == 0 || h == 0)
    return FALSE;
  meta = gst_buffer_get_video_meta (pixels);
  /* Bands are drawn at the size they are shown at. */
  if (meta == NULL || meta->width != w || meta->height != h)
    return FALSE;
  switch (meta->format) {
    case GST_VIDEO_FORMAT_BGRA:
      ib = 0, ig = 1, ir = 2, ia = 3;
      break;
    case GST_VIDEO_FORMAT_ARGB:
      ia = 0, ir = 1, ig = 2, ib = 3;
      break;
    default:
      return FALSE;
  }
  if (!gst_buffer_map (pixels, &map, GST_MAP_READ))
    return FALSE;

  band->x = x;
  band->y = y;
  band->w = (int) w;
  band->h = (int) h;
  band->alpha = g_malloc ((gsize) w * h);
  band->luma = g_malloc ((gsize) w * h);
  band->cx = x / 2;
  band->cy = y / 2;
  band->cw = (x + (int) w - 1) / 2 - band->cx + 1;
  band->ch = (y + (int) h - 1) / 2 - band->cy + 1;
  band->calpha = g_malloc0 ((gsize) band->cw * band->ch);
  band->cb = g_malloc0 ((gsize) band->cw * band->ch);
  band->cr = g_malloc0 ((gsize) band->cw * band->ch);

  /* Straight Y, Cb, Cr of every pixel, then alpha and premultiplied luma. */
  yuv = g_malloc ((gsize) w * h * 3);
  for (int j = 0; j < (int) h; j++) {
    const guint8 *p = map.data + meta->offset[0] + (gsize) j * meta->stride[0];

    for (int i = 0; i < (int) w; i++, p += 4) {
      guint8 *q = yuv + ((gsize) j * w + i) * 3;

      rgb_to_yuv (info, p[ir], p[ig], p[ib], q);
      band->alpha[j * w + i] = p[ia];
      band->luma[j * w + i] = premultiply (q[0], p[ia]);
    }
  }
  /* Each chroma sample covers 2x2 luma samples; those outside the
   * rectangle count as transparent. */
  for (int cj = 0; cj < band->ch; cj++) {
    for (int ci = 0; ci < band->cw; ci++) {
      guint sa = 0, su = 0, sv = 0;

      for (int dy = 0; dy < 2; dy++) {
        for (int dx = 0; dx < 2; dx++) {
          int i = (band->cx + ci) * 2 + dx - x, j = (band->cy + cj) * 2 + dy - y;
          guint a;
          const guint8 *q;

          if (i < 0 || j < 0 || i >= (int) w || j >= (int) h)
            continue;
          a = band->alpha[j * w + i];
          q = yuv + ((gsize) j * w + i) * 3;
          sa += a;
          su += (guint) q[1] * a;
          sv += (guint) q[2] * a;
        }
      }
      band->calpha[cj * band->cw + ci] = (guint8) ((sa + 2) / 4);
      band->cb[cj * band->cw + ci] = (guint8) ((su + 510) / 1020);
      band->cr[cj * band->cw + ci] = (guint8) ((sv + 510) / 1020);
    }
  }
  g_free (yuv);
  gst_buffer_unmap (pixels, &map);
  return TRUE;
}

WbTileBands *
wb_tile_bands_new (GstVideoOverlayComposition *comp,
                   const GstVideoInfo         *info)
{
  WbTileBands *self;
  guint n;

  if (comp == NULL)
    return NULL;
  n = gst_video_overlay_composition_n_rectangles (comp);
  self = g_atomic_rc_box_new0 (WbTileBands);
  self->bands = g_new0 (Band, MAX (n, 1));
  for (guint i = 0; i < n; i++) {
    if (band_from_rectangle (gst_video_overlay_composition_get_rectangle (comp, i),
                             info, &self->bands[self->n_bands]))
      self->n_bands++;
  }
  return self;
}

WbTileBands *
wb_tile_bands_ref (WbTileBands *bands)
{
  return g_atomic_rc_box_acquire (bands);
}

void
wb_tile_bands_unref (WbTileBands *bands)
{
  g_atomic_rc_box_release_full (bands, bands_clear);
}

/* d * (255 - a) / 255 + s over @n samples; s is premultiplied by a. */
static void
blend_row (guint8       *d,
           const guint8 *s,
           const guint8 *a,
           int           n)
{
  for (int i = 0; i < n; i++) {
    guint t = (guint) d[i] * (255u - a[i]) + 128u;

    d[i] = (guint8) (s[i] + ((t + (t >> 8)) >> 8));
  }
}

/* The part of a (x, y, w, h) rectangle inside a frame of @fw x @fh. */
static gboolean
clip (int x, int y, int w, int h, int fw, int fh, int *x0, int *y0, int *x1, int *y1)
{
  *x0 = MAX (x, 0);
  *y0 = MAX (y, 0);
  *x1 = MIN (x + w, fw);
  *y1 = MIN (y + h, fh);
  return *x0 < *x1 && *y0 < *y1;
}

gboolean
wb_tile_bands_blend (const WbTileBands *bands,
                     GstVideoFrame     *frame)
{
  int fw = GST_VIDEO_FRAME_WIDTH (frame), fh = GST_VIDEO_FRAME_HEIGHT (frame);

  g_return_val_if_fail (bands != NULL, FALSE);
  if (GST_VIDEO_FRAME_FORMAT (frame) != GST_VIDEO_FORMAT_I420)
    return FALSE;

  for (guint k = 0; k < bands->n_bands; k++) {
    const Band *b = &bands->bands[k];
    int x0, y0, x1, y1;

    if (clip (b->x, b->y, b->w, b->h, fw, fh, &x0, &y0, &x1, &y1)) {
      guint8 *plane = GST_VIDEO_FRAME_PLANE_DATA (frame, 0);
      int stride = GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0);

      for (int j = y0; j < y1; j++) {
        gsize o = (gsize) (j - b->y) * b->w + (gsize) (x0 - b->x);

        blend_row (plane + (gsize) j * stride + x0, b->luma + o, b->alpha + o, x1 - x0);
      }
    }
    if (clip (b->cx, b->cy, b->cw, b->ch, GST_VIDEO_FRAME_COMP_WIDTH (frame, 1),
              GST_VIDEO_FRAME_COMP_HEIGHT (frame, 1), &x0, &y0, &x1, &y1)) {
      guint8 *u = GST_VIDEO_FRAME_PLANE_DATA (frame, 1);
      guint8 *v = GST_VIDEO_FRAME_PLANE_DATA (frame, 2);
      int us = GST_VIDEO_FRAME_PLANE_STRIDE (frame, 1);
      int vs = GST_VIDEO_FRAME_PLANE_STRIDE (frame, 2);

      for (int j = y0; j < y1; j++) {
        gsize o = (gsize) (j - b->cy) * b->cw + (gsize) (x0 - b->cx);

        blend_row (u + (gsize) j * us + x0, b->cb + o, b->calpha + o, x1 - x0);
        blend_row (v + (gsize) j * vs + x0, b->cr + o, b->calpha + o, x1 - x0);
      }
    }
  }
  return TRUE;
}
