/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbLayout: where each ward's tile goes on the conference canvas.  Plain C
 * maths, no GStreamer: WbConference asks for the rectangles and applies them
 * to its compositor pads and to its label/slate overlay.  Nobody owns any
 * state here; every call computes from its arguments alone.
 *
 * Every visible tile lies inside the canvas, no two visible tiles overlap,
 * and every tile keeps the canvas aspect ratio (within one pixel of
 * rounding), centred in the cell that the layout gives it.
 */
#pragma once

#include <glib.h>

#include "common/wb-config.h"

G_BEGIN_DECLS

/* Enough for every ward of the city (WB_MIN_ENDPOINT_CAPACITY) and then some. */
#define WB_LAYOUT_MAX_TILES 64

typedef struct {
  int      x;
  int      y;
  int      width;
  int      height;
  gboolean visible;   /* FALSE: the tile is not shown (e.g. in "single") */
  gboolean focus;     /* TRUE: the large tile of speaker/presenter/single */
} WbTileRect;

/*
 * Computes the tiles of @n_tiles wards on a @canvas_width x @canvas_height
 * canvas for @kind.  @focus is the index of the active speaker (speaker),
 * the pinned ward (presenter) or the one ward shown (single); a @focus
 * outside 0..n_tiles-1 means "the first tile".  @focus is ignored by grid.
 *
 * @tiles must hold @n_tiles entries; tile i describes ward i.  Returns FALSE
 * (and fills nothing) when the arguments cannot describe a layout: zero-sized
 * canvas, or @n_tiles over WB_LAYOUT_MAX_TILES.  @n_tiles == 0 is valid and
 * does nothing.
 */
gboolean wb_layout_compute (WbLayoutKind  kind,
                            guint         canvas_width,
                            guint         canvas_height,
                            guint         n_tiles,
                            int           focus,
                            WbTileRect   *tiles);

/* TRUE if @a and @b, both visible, share at least one pixel. */
gboolean wb_tile_rect_overlaps (const WbTileRect *a,
                                const WbTileRect *b);

G_END_DECLS
