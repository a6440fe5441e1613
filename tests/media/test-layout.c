/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tests for src/media/wb-layout.c: for every layout and every ward count
 * 1..32 on the default canvas and on the small test canvas, tiles lie inside
 * the canvas, do not overlap and keep the canvas aspect ratio; plus exact
 * rectangles for a few hand-checked cases.
 */
#include "media/wb-layout.h"

#include <stdlib.h>

typedef struct {
  guint width;
  guint height;
} Canvas;

static const Canvas canvases[] = {
  { 1280, 720 },
  { 320, 180 },
  { 1920, 1080 },
  { 640, 480 },    /* 4:3: aspect comes from the canvas, not a constant */
};

static const WbLayoutKind kinds[] = {
  WB_LAYOUT_GRID, WB_LAYOUT_SPEAKER, WB_LAYOUT_PRESENTER, WB_LAYOUT_SINGLE,
};

static void
assert_tile_valid (const WbTileRect *t,
                   const Canvas     *c)
{
  gint64 aspect_error;

  g_assert_cmpint (t->width, >, 0);
  g_assert_cmpint (t->height, >, 0);
  g_assert_cmpint (t->x, >=, 0);
  g_assert_cmpint (t->y, >=, 0);
  g_assert_cmpint (t->x + t->width, <=, (int) c->width);
  g_assert_cmpint (t->y + t->height, <=, (int) c->height);

  /* Same aspect as the canvas within one pixel of rounding on either side:
   * |w*H - h*W| < max (W, H). */
  aspect_error = (gint64) t->width * c->height - (gint64) t->height * c->width;
  g_assert_cmpint (llabs (aspect_error), <, MAX (c->width, c->height));
}

static void
test_layout_invariants (void)
{
  for (gsize ci = 0; ci < G_N_ELEMENTS (canvases); ci++) {
    const Canvas *c = &canvases[ci];

    for (gsize ki = 0; ki < G_N_ELEMENTS (kinds); ki++) {
      for (guint n = 1; n <= 32; n++) {
        for (int focus = -1; focus < (int) n; focus += (n > 4 ? 7 : 1)) {
          WbTileRect tiles[32];
          guint n_visible = 0, n_focus = 0;
          gint64 area = 0;

          g_assert_true (wb_layout_compute (kinds[ki], c->width, c->height,
                                            n, focus, tiles));

          for (guint i = 0; i < n; i++) {
            if (!tiles[i].visible)
              continue;
            n_visible++;
            n_focus += tiles[i].focus ? 1 : 0;
            area += (gint64) tiles[i].width * tiles[i].height;
            assert_tile_valid (&tiles[i], c);
            for (guint j = i + 1; j < n; j++)
              g_assert_false (wb_tile_rect_overlaps (&tiles[i], &tiles[j]));
          }

          g_assert_cmpint (area, <=, (gint64) c->width * c->height);

          if (kinds[ki] == WB_LAYOUT_SINGLE) {
            guint expect = (focus >= 0) ? (guint) focus : 0;

            g_assert_cmpuint (n_visible, ==, 1);
            g_assert_true (tiles[expect].visible);
            g_assert_true (tiles[expect].focus);
          } else {
            g_assert_cmpuint (n_visible, ==, n);
          }

          if (kinds[ki] == WB_LAYOUT_SPEAKER || kinds[ki] == WB_LAYOUT_PRESENTER) {
            guint expect = (focus >= 0) ? (guint) focus : 0;

            g_assert_cmpuint (n_focus, ==, 1);
            g_assert_true (tiles[expect].focus);
            /* The focus tile is strictly the largest when there are others. */
            for (guint i = 0; i < n; i++) {
              if (i != expect)
                g_assert_cmpint (tiles[i].width, <, tiles[expect].width);
            }
          }

          if (kinds[ki] == WB_LAYOUT_GRID) {
            g_assert_cmpuint (n_focus, ==, 0);
            /* A grid gives every ward the same size. */
            for (guint i = 1; i < n; i++) {
              g_assert_cmpint (tiles[i].width, ==, tiles[0].width);
              g_assert_cmpint (tiles[i].height, ==, tiles[0].height);
            }
          }
        }
      }
    }
  }
}

static void
test_layout_grid_exact (void)
{
  WbTileRect t[5];

  /* One ward fills the canvas. */
  g_assert_true (wb_layout_compute (WB_LAYOUT_GRID, 1280, 720, 1, -1, t));
  g_assert_cmpint (t[0].x, ==, 0);
  g_assert_cmpint (t[0].y, ==, 0);
  g_assert_cmpint (t[0].width, ==, 1280);
  g_assert_cmpint (t[0].height, ==, 720);

  /* Four wards: 2x2 quarters. */
  g_assert_true (wb_layout_compute (WB_LAYOUT_GRID, 1280, 720, 4, -1, t));
  g_assert_cmpint (t[3].x, ==, 640);
  g_assert_cmpint (t[3].y, ==, 360);
  g_assert_cmpint (t[3].width, ==, 640);
  g_assert_cmpint (t[3].height, ==, 360);

  /* Three wards on the test canvas: 2x2, the last row centred. */
  g_assert_true (wb_layout_compute (WB_LAYOUT_GRID, 320, 180, 3, -1, t));
  g_assert_cmpint (t[0].x, ==, 0);
  g_assert_cmpint (t[0].y, ==, 0);
  g_assert_cmpint (t[1].x, ==, 160);
  g_assert_cmpint (t[1].y, ==, 0);
  g_assert_cmpint (t[2].x, ==, 80);
  g_assert_cmpint (t[2].y, ==, 90);
  g_assert_cmpint (t[2].width, ==, 160);
  g_assert_cmpint (t[2].height, ==, 90);

  /* Five wards: two columns of three rows (426x240) beat three columns of
   * two rows (426x239) by a row of pixels. */
  g_assert_true (wb_layout_compute (WB_LAYOUT_GRID, 1280, 720, 5, -1, t));
  g_assert_cmpint (t[0].width, ==, 426);
  g_assert_cmpint (t[0].height, ==, 240);
  g_assert_cmpint (t[4].x, ==, 320 + 107);
  g_assert_cmpint (t[4].y, ==, 480);
}

static void
test_layout_speaker_presenter_exact (void)
{
  WbTileRect t[4];

  /* Speaker: the big tile fills the top three quarters, centred. */
  g_assert_true (wb_layout_compute (WB_LAYOUT_SPEAKER, 1280, 720, 4, 2, t));
  g_assert_true (t[2].focus);
  g_assert_cmpint (t[2].x, ==, 160);
  g_assert_cmpint (t[2].y, ==, 0);
  g_assert_cmpint (t[2].width, ==, 960);
  g_assert_cmpint (t[2].height, ==, 540);
  /* The three others share the bottom strip, left to right, in order. */
  for (guint i = 0; i < 4; i++) {
    if (i == 2)
      continue;
    g_assert_false (t[i].focus);
    g_assert_cmpint (t[i].y, >=, 540);
    g_assert_cmpint (t[i].height, ==, 180);
    g_assert_cmpint (t[i].width, ==, 320);
  }
  g_assert_cmpint (t[0].x, <, t[1].x);
  g_assert_cmpint (t[1].x, <, t[3].x);

  /* Presenter: the big tile on the left, the others in the right column. */
  g_assert_true (wb_layout_compute (WB_LAYOUT_PRESENTER, 320, 180, 3, 1, t));
  g_assert_true (t[1].focus);
  g_assert_cmpint (t[1].x, ==, 0);
  g_assert_cmpint (t[1].y, ==, 22);
  g_assert_cmpint (t[1].width, ==, 240);
  g_assert_cmpint (t[1].height, ==, 135);
  g_assert_cmpint (t[0].x, >=, 240);
  g_assert_cmpint (t[2].x, >=, 240);
  g_assert_cmpint (t[0].y + t[0].height, <=, t[2].y);
}

static void
test_layout_bad_arguments (void)
{
  WbTileRect t[1];

  g_assert_false (wb_layout_compute (WB_LAYOUT_GRID, 0, 720, 1, -1, t));
  g_assert_false (wb_layout_compute (WB_LAYOUT_GRID, 1280, 0, 1, -1, t));
  g_assert_false (wb_layout_compute (WB_LAYOUT_GRID, 1280, 720,
                                     WB_LAYOUT_MAX_TILES + 1, -1, t));
  /* No wards: nothing to place, nothing touched. */
  g_assert_true (wb_layout_compute (WB_LAYOUT_GRID, 1280, 720, 0, -1, NULL));

  /* An out-of-range focus falls back to the first ward. */
  g_assert_true (wb_layout_compute (WB_LAYOUT_SINGLE, 1280, 720, 1, 9, t));
  g_assert_true (t[0].visible);
  g_assert_true (t[0].focus);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/layout/invariants", test_layout_invariants);
  g_test_add_func ("/layout/grid-exact", test_layout_grid_exact);
  g_test_add_func ("/layout/speaker-presenter-exact", test_layout_speaker_presenter_exact);
  g_test_add_func ("/layout/bad-arguments", test_layout_bad_arguments);

  return g_test_run ();
}
