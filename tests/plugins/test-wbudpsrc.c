/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wbudpsrc on real loopback sockets: what each source pushes (every
 * datagram, whole, in order, with its sender's address, down its own
 * pipeline branch), that a datagram's time is when the kernel received it
 * and not when the shared thread read it, that the thread waits out its
 * batch interval, and that a paused source holds its datagrams back.
 */
#include <gio/gio.h>
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/net/gstnetaddressmeta.h>
#include <math.h>

GST_PLUGIN_STATIC_DECLARE (wardbridge);

#define PULL_TIMEOUT (10 * GST_SECOND)

typedef struct {
  GstElement *pipeline;
  GSocket *hub[2];          /* read by the two wbudpsrc */
  GSocket *sender;          /* the "ward" */
  GstElement *sink[2];
} Fixture;

static GSocket *
bound_socket (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  GSocket *socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                  G_SOCKET_PROTOCOL_UDP, &error);

  g_assert_no_error (error);
  g_assert_true (g_socket_bind (socket, any, FALSE, &error));
  g_assert_no_error (error);
  return socket;
}

static void
fixture_set_up (Fixture *f, guint64 batch_interval)
{
  f->pipeline = gst_pipeline_new (NULL);
  f->sender = bound_socket ();
  for (guint i = 0; i < 2; i++) {
    g_autofree char *caps_str = g_strdup_printf ("application/x-test,index=%u", i);
    g_autoptr (GstCaps) caps = gst_caps_from_string (caps_str);
    GstElement *src = gst_element_factory_make ("wbudpsrc", NULL);

    g_assert_nonnull (src);
    f->hub[i] = bound_socket ();
    f->sink[i] = gst_element_factory_make ("appsink", NULL);
    g_object_set (src, "socket", f->hub[i], "caps", caps, "batch-interval", batch_interval, NULL);
    g_object_set (f->sink[i], "sync", FALSE, "async", FALSE, "max-buffers", 0, NULL);
    gst_bin_add_many (GST_BIN (f->pipeline), src, f->sink[i], NULL);
    g_assert_true (gst_element_link (src, f->sink[i]));
  }
}

static void
fixture_tear_down (Fixture *f)
{
  g_assert_cmpint (gst_element_set_state (f->pipeline, GST_STATE_NULL), ==, GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (f->pipeline);
  for (guint i = 0; i < 2; i++)
    g_object_unref (f->hub[i]);
  g_object_unref (f->sender);
}

static void
play (Fixture *f)
{
  g_assert_cmpint (gst_element_set_state (f->pipeline, GST_STATE_PLAYING), !=, GST_STATE_CHANGE_FAILURE);
  g_assert_cmpint (gst_element_get_state (f->pipeline, NULL, NULL, PULL_TIMEOUT), !=,
                   GST_STATE_CHANGE_FAILURE);
}

/* Sends @len bytes, each (seq + k) & 0xff, to hub socket @i. */
static void
send_to (Fixture *f, guint i, guint8 seq, gsize len)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocketAddress) to = g_socket_get_local_address (f->hub[i], &error);
  g_autofree guint8 *data = g_malloc (MAX (len, 1));

  for (gsize k = 0; k < len; k++)
    data[k] = (guint8) (seq + k);
  g_assert_cmpint (g_socket_send_to (f->sender, to, (const char *) data, len, NULL, &error), ==, (gssize) len);
  g_assert_no_error (error);
}

static GstSample *
pull (Fixture *f, guint i)
{
  GstSample *sample = gst_app_sink_try_pull_sample (GST_APP_SINK (f->sink[i]), PULL_TIMEOUT);

  g_assert_nonnull (sample);
  return sample;
}

static void
check_datagram (Fixture *f, GstSample *sample, guint8 seq, gsize len)
{
  GstBuffer *buffer = gst_sample_get_buffer (sample);
  GstNetAddressMeta *meta = gst_buffer_get_net_address_meta (buffer);
  g_autoptr (GSocketAddress) sender = g_socket_get_local_address (f->sender, NULL);
  GstMapInfo map;

  g_assert_true (gst_buffer_map (buffer, &map, GST_MAP_READ));
  g_assert_cmpuint (map.size, ==, len);
  for (gsize k = 0; k < len; k++) {
    if (map.data[k] != (guint8) (seq + k))
      g_error ("datagram %u: byte %" G_GSIZE_FORMAT " is %u", seq, k, map.data[k]);
  }
  gst_buffer_unmap (buffer, &map);

  g_assert_nonnull (meta);
  g_assert_cmpuint (g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (meta->addr)), ==,
                    g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (sender)));
  g_assert_true (GST_BUFFER_PTS_IS_VALID (buffer));
  g_assert_cmpuint (GST_BUFFER_PTS (buffer), ==, GST_BUFFER_DTS (buffer));
}

/* Every datagram, whole (empty and the largest UDP payload too), in order,
 * down its own source's branch with that source's caps. */
static void
test_datagrams (void)
{
  static const gsize sizes[] = { 0, 1, 12, 160, 1200, 1500, 9000, 65507 };
  Fixture f = { 0 };
  GstClockTime last_pts[2] = { 0, 0 };
  gboolean live;
  GstClockTime min, max;
  g_autoptr (GstQuery) query = gst_query_new_latency ();

  fixture_set_up (&f, 5 * GST_MSECOND);
  play (&f);
  {
    /* Asked of the source itself: an appsink with sync=false says "not live". */
    g_autoptr (GstPad) sinkpad = gst_element_get_static_pad (f.sink[0], "sink");

    g_assert_true (gst_pad_peer_query (sinkpad, query));
  }
  gst_query_parse_latency (query, &live, &min, &max);
  g_assert_true (live);
  g_assert_cmpuint (min, ==, 0);

  /* A round at a time: three rounds of these sizes would overflow a
   * socket's default receive buffer before the thread reads them. */
  for (guint round = 0; round < 3; round++) {
    for (guint s = 0; s < G_N_ELEMENTS (sizes); s++) {
      send_to (&f, 0, (guint8) (round * 16 + s), sizes[s]);
      send_to (&f, 1, (guint8) (round * 16 + s + 100), sizes[G_N_ELEMENTS (sizes) - 1 - s]);
    }
    for (guint s = 0; s < G_N_ELEMENTS (sizes); s++) {
      for (guint i = 0; i < 2; i++) {
        g_autoptr (GstSample) sample = pull (&f, i);
        GstStructure *st = gst_caps_get_structure (gst_sample_get_caps (sample), 0);
        gint index = -1;
        GstClockTime pts = GST_BUFFER_PTS (gst_sample_get_buffer (sample));

        g_assert_true (gst_structure_get_int (st, "index", &index));
        g_assert_cmpint (index, ==, (gint) i);
        if (i == 0)
          check_datagram (&f, sample, (guint8) (round * 16 + s), sizes[s]);
        else
          check_datagram (&f, sample, (guint8) (round * 16 + s + 100), sizes[G_N_ELEMENTS (sizes) - 1 - s]);
        g_assert_cmpuint (pts, >=, last_pts[i]);
        last_pts[i] = pts;
      }
    }
  }
  fixture_tear_down (&f);
}

static GstClockTime
pull_pts (Fixture *f, guint i, gint64 *pulled_us)
{
  g_autoptr (GstSample) sample = pull (f, i);

  *pulled_us = g_get_monotonic_time ();
  return GST_BUFFER_PTS (gst_sample_get_buffer (sample));
}

/*
 * With a batch interval of 400 ms the thread reads A as soon as it comes
 * (it was waiting), then sleeps; B, sent 60 ms after A, waits in the
 * socket until the thread wakes again.  B's time must still be 60 ms after
 * A's, as the kernel received them, not the 400 ms at which the thread
 * read them; and the thread must not have read B before its interval.
 */
static void
test_arrival_time (void)
{
  Fixture f = { 0 };
  gint64 sent_a, sent_b, pulled_a, pulled_b;
  GstClockTime pts_a, pts_b;
  double sent_gap_ms, pts_gap_ms, read_gap_ms;

  fixture_set_up (&f, 400 * GST_MSECOND);
  play (&f);
  /* Both sockets idle, the thread asleep in epoll_wait(): A wakes it. */
  g_usleep (500 * 1000);
  sent_a = g_get_monotonic_time ();
  send_to (&f, 0, 1, 100);
  pts_a = pull_pts (&f, 0, &pulled_a);
  g_usleep (60 * 1000);
  sent_b = g_get_monotonic_time ();
  send_to (&f, 0, 2, 100);
  pts_b = pull_pts (&f, 0, &pulled_b);

  sent_gap_ms = (sent_b - sent_a) / 1000.0;
  pts_gap_ms = (double) (pts_b - pts_a) / GST_MSECOND;
  read_gap_ms = (pulled_b - pulled_a) / 1000.0;
  g_test_message ("sent %.1f ms apart, timed %.1f ms apart, read %.1f ms apart",
                  sent_gap_ms, pts_gap_ms, read_gap_ms);
  g_assert_cmpfloat (fabs (pts_gap_ms - sent_gap_ms), <, 30.0);
  /* A reached the appsink at once (it woke the thread), so B cannot have
   * been read before the interval since that wake-up had passed. */
  if (sent_gap_ms < 300.0)
    g_assert_cmpfloat (read_gap_ms + (pulled_a - sent_a) / 1000.0, >=, 350.0);
  fixture_tear_down (&f);
}

/* A paused source pushes nothing; what came meanwhile follows on PLAYING,
 * and the source starts again after NULL. */
static void
test_pause (void)
{
  Fixture f = { 0 };

  fixture_set_up (&f, 5 * GST_MSECOND);
  play (&f);
  send_to (&f, 1, 7, 50);
  gst_sample_unref (pull (&f, 1));

  g_assert_cmpint (gst_element_set_state (f.pipeline, GST_STATE_PAUSED), !=, GST_STATE_CHANGE_FAILURE);
  gst_element_get_state (f.pipeline, NULL, NULL, PULL_TIMEOUT);
  for (guint8 k = 0; k < 3; k++)
    send_to (&f, 1, (guint8) (10 + k), 50);
  g_assert_null (gst_app_sink_try_pull_sample (GST_APP_SINK (f.sink[1]), 300 * GST_MSECOND));

  play (&f);
  for (guint8 k = 0; k < 3; k++) {
    g_autoptr (GstSample) sample = pull (&f, 1);

    check_datagram (&f, sample, (guint8) (10 + k), 50);
  }

  g_assert_cmpint (gst_element_set_state (f.pipeline, GST_STATE_NULL), ==, GST_STATE_CHANGE_SUCCESS);
  play (&f);
  send_to (&f, 0, 20, 30);
  {
    g_autoptr (GstSample) sample = pull (&f, 0);

    check_datagram (&f, sample, 20, 30);
  }
  fixture_tear_down (&f);
}

int
main (int argc, char **argv)
{
  int ret;

  gst_init (&argc, &argv);
  GST_PLUGIN_STATIC_REGISTER (wardbridge);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/wbudpsrc/datagrams", test_datagrams);
  g_test_add_func ("/wbudpsrc/arrival-time", test_arrival_time);
  g_test_add_func ("/wbudpsrc/pause", test_pause);

  ret = g_test_run ();
  /* For GST_TRACERS=leaks, which reports at deinit. */
  gst_deinit ();
  return ret;
}
