/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Integration tests for src/media/wb-conference.c: a real conference
 * pipeline on loopback, with three wards simulated by GStreamer pipelines
 * in this process (test-ward.c) sending tones of 440, 660 and 880 Hz and
 * solid red, green and blue pictures.
 *
 * Every bound is generous (seconds): the machine is a loaded 2-core box.
 */
#include <gst/gst.h>
#include <math.h>
#include <stdlib.h>

#include "media/wb-conference.h"
#include "test-ward.h"

#define N_WARDS 3
#define CANVAS_W 320
#define CANVAS_H 180
#define WAIT_S 30.0
/* Colours survive H.264 twice and two colour conversions within this. */
#define COLOUR_TOLERANCE 60.0

static const double tones[N_WARDS] = { 440.0, 660.0, 880.0 };
static const guint32 colours[N_WARDS] = { 0xffff0000, 0xff00ff00, 0xff0000ff };
static const char *const ids[N_WARDS] = { "ward-01", "ward-02", "ward-03" };

typedef struct {
  WbConfig *config;
  WbConference *conf;
  TestWard *wards[N_WARDS];
} Fixture;

static WbConfig *
make_config (void)
{
  /* A port range of its own per run: the kernel arbitrates anyway. */
  guint min = 20000 + 2 * (guint) g_random_int_range (0, 10000);
  g_autofree char *data = g_strdup_printf (
      "[hub]\nrtp-port-min=%u\nrtp-port-max=%u\n"
      "[media]\nwidth=%u\nheight=%u\nframerate=10\nvideo-bitrate-kbps=400\n"
      "audio-bitrate-kbps=32\njitter-ms=40\n"
      "[store]\nstate-dir=/nonexistent\n"
      "[auth]\nadmin-tokens=admin-token-0123456789\n"
      "[endpoint ward-01]\nname=Phường Cam Giá\nkind=phuong\nmode=agent\ntoken=t-ward-01-abcdef\n"
      "[endpoint ward-02]\nname=Phường Chùa Hang\nkind=phuong\nmode=agent\ntoken=t-ward-02-abcdef\n"
      "[endpoint ward-03]\nname=Xã Đồng Liên\nkind=xa\nmode=agent\ntoken=t-ward-03-abcdef\n",
      min, min + 999, CANVAS_W, CANVAS_H);
  g_autoptr (GError) error = NULL;
  WbConfig *config = wb_config_load_from_data ("test.conf", data, -1, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (config);
  return config;
}

static void
fixture_set_up (Fixture *f,
                WbLayoutKind layout)
{
  g_autoptr (GError) error = NULL;

  f->config = make_config ();
  f->conf = wb_conference_new (f->config, "c-test", "Giao ban", layout, FALSE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->conf);
}

static void
join_ward (Fixture *f,
           guint    i)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WbJoinInfo) info = NULL;
  const WbEndpointConfig *ep = wb_config_find_endpoint (f->config, ids[i]);

  g_assert_nonnull (ep);
  if (f->wards[i] == NULL)
    f->wards[i] = test_ward_new (ids[i], tones[i], colours[i]);
  g_assert_true (wb_conference_add_endpoint (f->conf, ep, "127.0.0.1",
                                             test_ward_get_audio_port (f->wards[i]),
                                             test_ward_get_video_port (f->wards[i]),
                                             &info, &error));
  g_assert_no_error (error);
  g_assert_nonnull (info);
  g_assert_cmpuint (info->hub_audio_port % 2, ==, 0);
  g_assert_cmpuint (info->hub_video_port, ==, info->hub_audio_port + 2);
  g_assert_cmpuint (info->hub_audio_port, >=, f->config->rtp_port_min);
  g_assert_cmpuint (info->hub_video_port + 1, <=, f->config->rtp_port_max);
  g_assert_nonnull (info->sdp);

  test_ward_start_sending (f->wards[i], info->hub_audio_port, info->hub_video_port);
}

static void
fixture_tear_down (Fixture *f)
{
  wb_conference_end (f->conf);
  g_clear_object (&f->conf);
  for (guint i = 0; i < N_WARDS; i++)
    g_clear_pointer (&f->wards[i], test_ward_free);
  g_clear_pointer (&f->config, wb_config_unref);
}

/* ---- checks ------------------------------------------------------------- */

/* The part of a tile that neither the name band nor the slate's text
 * covers: its upper left. */
static void
probe_rect (const WbTileRect *t,
            int              *x,
            int              *y,
            int              *w,
            int              *h)
{
  *x = t->x + t->width / 8;
  *y = t->y + t->height / 8;
  *w = MAX (t->width / 4, 2);
  *h = MAX (t->height / 5, 2);
}

static gboolean
colour_matches (const double rgb[3],
                guint32      argb)
{
  const double expect[3] = { (argb >> 16) & 0xff, (argb >> 8) & 0xff, argb & 0xff };

  for (int c = 0; c < 3; c++) {
    if (fabs (rgb[c] - expect[c]) > COLOUR_TOLERANCE)
      return FALSE;
  }
  return TRUE;
}

/* TRUE if, in the latest frame @viewer received, ward @i's tile shows
 * @argb; fills @rgb with what it shows. */
static gboolean
tile_shows (Fixture *f,
            guint    viewer,
            guint    i,
            guint32  argb,
            double   rgb[3])
{
  g_autoptr (GstSample) frame = test_ward_get_last_frame (f->wards[viewer]);
  WbTileRect tile;
  int x, y, w, h;

  rgb[0] = rgb[1] = rgb[2] = -1;
  if (frame == NULL || !wb_conference_get_tile (f->conf, ids[i], &tile))
    return FALSE;
  probe_rect (&tile, &x, &y, &w, &h);
  test_frame_average (frame, x, y, w, h, rgb);
  return colour_matches (rgb, argb);
}

static gboolean
all_tiles_show_colours (gpointer data)
{
  Fixture *f = data;

  for (guint viewer = 0; viewer < N_WARDS; viewer++) {
    for (guint i = 0; i < N_WARDS; i++) {
      double rgb[3];

      if (!tile_shows (f, viewer, i, colours[i], rgb))
        return FALSE;
    }
  }
  return TRUE;
}

static void
report_tiles (Fixture    *f,
              const char *what)
{
  for (guint i = 0; i < N_WARDS; i++) {
    WbTileRect t = { 0, };
    double rgb[3];

    wb_conference_get_tile (f->conf, ids[i], &t);
    tile_shows (f, 0, i, colours[i], rgb);
    g_test_message ("%s: %s's tile %dx%d+%d+%d seen by %s as %.0f,%.0f,%.0f", what, ids[i],
                    t.width, t.height, t.x, t.y, ids[0], rgb[0], rgb[1], rgb[2]);
  }
}

static void
assert_tiles_show_colours (Fixture    *f,
                           const char *what)
{
  if (test_wait_until (all_tiles_show_colours, f, WAIT_S)) {
    report_tiles (f, what);
  } else {
    for (guint viewer = 0; viewer < N_WARDS; viewer++) {
      for (guint i = 0; i < N_WARDS; i++) {
        double rgb[3];
        gboolean ok = tile_shows (f, viewer, i, colours[i], rgb);

        g_test_message ("%s: %s sees %s's tile as %.0f,%.0f,%.0f (%s), %" G_GUINT64_FORMAT
                        " frames", what, ids[viewer], ids[i], rgb[0], rgb[1], rgb[2],
                        ok ? "ok" : "WRONG", test_ward_get_frame_count (f->wards[viewer]));
      }
    }
    g_test_fail_printf ("%s: the composite does not show every ward's colour in its tile", what);
  }
}

typedef struct {
  double own;
  double others_min;
} ToneCheck;

static ToneCheck
check_tones (Fixture *f,
             guint    i)
{
  enum { N = 24000 };   /* the last half second */
  g_autofree gint16 *buf = g_new0 (gint16, N);
  guint n = test_ward_get_audio (f->wards[i], buf, N);
  ToneCheck check = { 0.0, G_MAXDOUBLE };

  if (n < N)
    return (ToneCheck) { 1.0, 0.0 };

  for (guint k = 0; k < N_WARDS; k++) {
    double p = test_goertzel_power (buf, n, tones[k], 48000.0);

    if (k == i)
      check.own = p;
    else
      check.others_min = MIN (check.others_min, p);
  }
  return check;
}

/* Each ward hears the other two tones, and its own at least 20 dB below. */
static gboolean
mix_minus_heard (gpointer data)
{
  Fixture *f = data;

  for (guint i = 0; i < N_WARDS; i++) {
    ToneCheck c = check_tones (f, i);

    if (c.others_min < 1e-4 || c.own > c.others_min / 100.0)
      return FALSE;
  }
  return TRUE;
}

static void
assert_mix_minus (Fixture *f)
{
  gboolean ok = test_wait_until (mix_minus_heard, f, WAIT_S);

  for (guint i = 0; i < N_WARDS; i++) {
    ToneCheck c = check_tones (f, i);

    g_test_message ("%s hears its own tone at %g, the others at least at %g", ids[i],
                    c.own, c.others_min);
  }
  if (!ok)
    g_test_fail_printf ("some ward does not hear the right mix-minus");
}

/* ---- tests -------------------------------------------------------------- */

static void
test_conference_three_wards (void)
{
  Fixture f = { 0, };
  g_autoptr (GError) error = NULL;

  fixture_set_up (&f, WB_LAYOUT_GRID);
  for (guint i = 0; i < N_WARDS; i++)
    join_ward (&f, i);

  /* Grid: three tiles, each showing its ward's colour, to every ward. */
  assert_tiles_show_colours (&f, "grid");

  if (wb_conference_has_audio_mixer (f.conf))
    assert_mix_minus (&f);
  else
    g_test_message ("mixminus element missing: mix-minus spectrum not checked");

  /* Presenter: ward-02 large on the left, the others in the column. */
  g_assert_true (wb_conference_set_presenter (f.conf, "ward-02", &error));
  g_assert_no_error (error);
  wb_conference_set_layout (f.conf, WB_LAYOUT_PRESENTER);
  {
    WbTileRect big;

    g_assert_true (wb_conference_get_tile (f.conf, "ward-02", &big));
    g_assert_true (big.focus);
    g_assert_cmpint (big.width, ==, CANVAS_W * 3 / 4);
  }
  assert_tiles_show_colours (&f, "presenter");

  fixture_tear_down (&f);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/conference/three-wards", test_conference_three_wards);

  return g_test_run ();
}
