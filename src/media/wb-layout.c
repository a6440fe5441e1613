/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbLayout: tile geometry for grid, speaker, presenter and single (see
 * wb-layout.h).  Pure integer maths; WbConference is the only caller.
 *
 * Every layout is built from two steps: split the canvas into regions
 * (the whole canvas for grid; a main area plus a strip for speaker and
 * presenter), then place tiles of the canvas aspect ratio, as large as
 * they can be, into an even grid of cells inside a region.
 */
#include "media/wb-layout.h"

#include <string.h>

typedef struct {
  int x, y, width, height;
} Region;

/* Largest rectangle of aspect @aw:@ah that fits in @cell, centred in it. */
static void
fit_in_cell (const Region *cell,
             int           aw,
             int           ah,
             WbTileRect   *out)
{
  gint64 w, h;

  if ((gint64) cell->width * ah <= (gint64) cell->height * aw) {
    /* The cell is narrower than the aspect: width limits. */
    w = cell->width;
    h = (gint64) cell->width * ah / aw;
  } else {
    h = cell->height;
    w = (gint64) cell->height * aw / ah;
  }

  out->width = (int) w;
  out->height = (int) h;
  out->x = cell->x + (cell->width - out->width) / 2;
  out->y = cell->y + (cell->height - out->height) / 2;
  out->visible = TRUE;
}

/* Area of one tile when @count tiles sit in @cols columns of @region. */
static gint64
grid_tile_area (const Region *region,
                 guint         count,
                 guint         cols,
                 int           aw,
                 int           ah)
{
  guint rows = (count + cols - 1) / cols;
  Region cell = { 0, 0, region->width / (int) cols, region->height / (int) rows };
  WbTileRect r;

  fit_in_cell (&cell, aw, ah, &r);
  return (gint64) r.width * r.height;
}

/*
 * Places @count tiles (@out[0..count-1]) in an even grid inside @region,
 * choosing the column count that gives the largest tiles (ties: fewer empty
 * cells).  All cells have the same integer size, so all tiles do too; a
 * last row that is not full is centred.
 */
static void
place_grid (const Region  *region,
            guint          count,
            int            aw,
            int            ah,
            WbTileRect   **out)
{
  guint best_cols = 1;
  gint64 best_area = -1;
  guint best_empty = G_MAXUINT;
  guint rows, last_row_count;

  if (count == 0)
    return;

  for (guint cols = 1; cols <= count; cols++) {
    guint r = (count + cols - 1) / cols;
    guint empty = cols * r - count;
    gint64 area;

    if ((int) cols > region->width || (int) r > region->height)
      break;

    area = grid_tile_area (region, count, cols, aw, ah);
    if (area > best_area || (area == best_area && empty < best_empty)) {
      best_area = area;
      best_cols = cols;
      best_empty = empty;
    }
  }

  rows = (count + best_cols - 1) / best_cols;
  last_row_count = count - (rows - 1) * best_cols;

  for (guint i = 0; i < count; i++) {
    guint row = i / best_cols;
    guint col = i % best_cols;
    int cell_w = region->width / (int) best_cols;
    int cell_h = region->height / (int) rows;
    Region cell;

    /* Equal cells, the grid as a whole centred in the region. */
    cell.x = region->x + (region->width - cell_w * (int) best_cols) / 2 + (int) col * cell_w;
    cell.y = region->y + (region->height - cell_h * (int) rows) / 2 + (int) row * cell_h;
    cell.width = cell_w;
    cell.height = cell_h;

    /* Centre a short last row: shift by half of the missing cells. */
    if (row == rows - 1 && last_row_count < best_cols)
      cell.x += (int) (best_cols - last_row_count) * cell_w / 2;

    fit_in_cell (&cell, aw, ah, out[i]);
  }
}

/*
 * One large tile for @focus in @main, the others in index order as a grid
 * inside @strip.
 */
static void
place_main_and_strip (const Region *main_region,
                      const Region *strip,
                      guint         n_tiles,
                      guint         focus,
                      int           aw,
                      int           ah,
                      WbTileRect   *tiles)
{
  WbTileRect *others[WB_LAYOUT_MAX_TILES];
  guint n_others = 0;

  fit_in_cell (main_region, aw, ah, &tiles[focus]);
  tiles[focus].focus = TRUE;

  for (guint i = 0; i < n_tiles; i++) {
    if (i != focus)
      others[n_others++] = &tiles[i];
  }

  place_grid (strip, n_others, aw, ah, others);
}

gboolean
wb_layout_compute (WbLayoutKind  kind,
                   guint         canvas_width,
                   guint         canvas_height,
                   guint         n_tiles,
                   int           focus,
                   WbTileRect   *tiles)
{
  const int W = (int) canvas_width;
  const int H = (int) canvas_height;
  const Region canvas = { 0, 0, W, H };
  guint f;

  if (canvas_width == 0 || canvas_height == 0 ||
      canvas_width > G_MAXINT / 2 || canvas_height > G_MAXINT / 2)
    return FALSE;
  if (n_tiles > WB_LAYOUT_MAX_TILES)
    return FALSE;
  if (n_tiles == 0)
    return TRUE;

  g_return_val_if_fail (tiles != NULL, FALSE);

  memset (tiles, 0, sizeof (WbTileRect) * n_tiles);
  f = (focus >= 0 && (guint) focus < n_tiles) ? (guint) focus : 0;

  if (n_tiles == 1 && kind != WB_LAYOUT_GRID)
    kind = WB_LAYOUT_SINGLE;

  switch (kind) {
    case WB_LAYOUT_GRID: {
      WbTileRect *all[WB_LAYOUT_MAX_TILES];

      for (guint i = 0; i < n_tiles; i++)
        all[i] = &tiles[i];
      place_grid (&canvas, n_tiles, W, H, all);
      break;
    }

    case WB_LAYOUT_SPEAKER: {
      /* Speaker above, the others as a strip along the bottom quarter. */
      int strip_h = H / 4;
      Region main_region = { 0, 0, W, H - strip_h };
      Region strip = { 0, H - strip_h, W, strip_h };

      place_main_and_strip (&main_region, &strip, n_tiles, f, W, H, tiles);
      break;
    }

    case WB_LAYOUT_PRESENTER: {
      /* Presenter on the left, the others as a column on the right quarter. */
      int strip_w = W / 4;
      Region main_region = { 0, 0, W - strip_w, H };
      Region strip = { W - strip_w, 0, strip_w, H };

      place_main_and_strip (&main_region, &strip, n_tiles, f, W, H, tiles);
      break;
    }

    case WB_LAYOUT_SINGLE:
      fit_in_cell (&canvas, W, H, &tiles[f]);
      tiles[f].focus = TRUE;
      break;

    default:
      return FALSE;
  }

  return TRUE;
}

gboolean
wb_tile_rect_overlaps (const WbTileRect *a,
                       const WbTileRect *b)
{
  if (!a->visible || !b->visible)
    return FALSE;
  if (a->width <= 0 || a->height <= 0 || b->width <= 0 || b->height <= 0)
    return FALSE;

  return a->x < b->x + b->width && b->x < a->x + a->width &&
      a->y < b->y + b->height && b->y < a->y + a->height;
}
