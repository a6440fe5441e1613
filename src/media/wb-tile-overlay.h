/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbTileOverlay: the pictures drawn over the composite, one per visible
 * tile: the ward's name on a band along the bottom of its tile, and for a
 * ward whose video stopped, an opaque "Mất tín hiệu" (signal lost) slate
 * over the whole tile.  Rendered with Pango/Cairo into ARGB rectangles of a
 * GstVideoOverlayComposition, turned once into WbTileBands, which the
 * conference blends into every composite frame.  A composition is rendered
 * only when the layout, a name or a ward's signal state changes, never per
 * frame.  Pure function of its arguments; WbConference owns the results.
 *
 * Fonts: DejaVu Sans (Debian fonts-dejavu-core), which has every Vietnamese
 * glyph; fontconfig falls back to any sans font that has them.
 */
#pragma once

#include <gst/video/video.h>

#include "media/wb-layout.h"

G_BEGIN_DECLS

/* Text of the slate shown in the tile of a ward whose video stopped. */
#define WB_TILE_SLATE_TEXT "Mất tín hiệu"

/* Slate background, opaque, as 8-bit R, G, B: dark slate blue-grey. */
#define WB_TILE_SLATE_R 0x28
#define WB_TILE_SLATE_G 0x30
#define WB_TILE_SLATE_B 0x40

typedef struct {
  WbTileRect  rect;           /* from wb_layout_compute(); invisible tiles are skipped */
  const char *name;           /* UTF-8, shown on the label band */
  gboolean    signal_lost;    /* TRUE: the canvas has the slate in this tile */
} WbTileLabel;

/* Height in pixels of the name band of a tile @tile_height high. */
int wb_tile_overlay_band_height (int tile_height);

/* Renders the name bands of @n_labels tiles, to blend over every
 * composite; returns NULL when there is nothing to draw. */
GstVideoOverlayComposition *wb_tile_overlay_render (const WbTileLabel *labels,
                                                    guint              n_labels);

/* The name bands of a composition, ready to blend into I420 frames: each
 * rectangle's alpha and premultiplied Y, U and V, on the frame's luma and
 * chroma grids.  gst_video_blend() (what overlaycomposition does) unpacks
 * every line of every rectangle to AYUV, blends and packs it back, every
 * frame: 2-3 % of a core for 32 bands at 15 fps here, which this does in a
 * tenth.  Immutable once made; reference-counted, so a streaming thread
 * may blend with it while the main thread replaces it. */
typedef struct _WbTileBands WbTileBands;

/* The bands of @comp, in the colours of frames of @info (its matrix and
 * range); NULL for a NULL composition. */
WbTileBands *wb_tile_bands_new   (GstVideoOverlayComposition *comp,
                                  const GstVideoInfo         *info);
WbTileBands *wb_tile_bands_ref   (WbTileBands *bands);
void         wb_tile_bands_unref (WbTileBands *bands);
/* Blends @bands into @frame, mapped for writing; FALSE unless it is I420. */
gboolean     wb_tile_bands_blend (const WbTileBands *bands,
                                  GstVideoFrame     *frame);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WbTileBands, wb_tile_bands_unref)

/* Renders the canvas behind the tiles, a frame in @info's format and size:
 * black, with the slate (colour and WB_TILE_SLATE_TEXT) in the tiles whose
 * signal is lost.  It changes only when a slate or the layout does, so the
 * compositor copies it instead of blending slates into every frame. */
GstBuffer *wb_tile_overlay_render_canvas (const WbTileLabel  *labels,
                                          guint               n_labels,
                                          const GstVideoInfo *info);

G_END_DECLS
