/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for the ingress filter (src/media/wb-ingress.c), the port
 * allocator (src/media/wb-port-allocator.c), the tile overlay
 * (src/media/wb-tile-overlay.c) and the join SDP (src/media/wb-sdp.c).
 */
#include <gst/gst.h>
#include <gst/net/gstnetaddressmeta.h>
#include <gst/sdp/sdp.h>
#include <string.h>

#include "media/wb-ingress.h"
#include "media/wb-media-util.h"
#include "media/wb-port-allocator.h"
#include "media/wb-sdp.h"
#include "media/wb-tile-overlay.h"

/* A datagram of @size bytes from @from:5000, first byte @first. */
static GstBuffer *
datagram (const char *from,
          gsize       size,
          guint8      first)
{
  GstBuffer *buffer = gst_buffer_new_allocate (NULL, size, NULL);

  gst_buffer_memset (buffer, 0, 0, size);
  if (size > 0)
    gst_buffer_memset (buffer, 0, first, 1);
  if (from != NULL) {
    g_autoptr (GInetAddress) inet = g_inet_address_new_from_string (from);
    g_autoptr (GSocketAddress) addr = g_inet_socket_address_new (inet, 5000);

    gst_buffer_add_net_address_meta (buffer, addr);
  }
  return buffer;
}

static WbIngressVerdict
check (WbIngress  *ingress,
       const char *from,
       gsize       size,
       guint8      first,
       gboolean    rtcp)
{
  g_autoptr (GstBuffer) buffer = datagram (from, size, first);

  return wb_ingress_check (ingress, buffer, rtcp);
}

/* @data as a datagram from 192.0.2.10:5000. */
static WbIngressVerdict
check_bytes (WbIngress    *ingress,
             const guint8 *data,
             gsize         size,
             gboolean      rtcp)
{
  g_autoptr (GstBuffer) buffer = gst_buffer_new_memdup (data, size);
  g_autoptr (GInetAddress) inet = g_inet_address_new_from_string ("192.0.2.10");
  g_autoptr (GSocketAddress) addr = g_inet_socket_address_new (inet, 5000);

  gst_buffer_add_net_address_meta (buffer, addr);
  return wb_ingress_check (ingress, buffer, rtcp);
}

/* RTCP receiver report without blocks: 8 bytes. */
static const guint8 empty_rr[] = { 0x80, 201, 0, 1, 0x11, 0x11, 0x11, 0x11 };

static void
test_ingress_verdicts (void)
{
  g_autoptr (GInetAddress) ward = g_inet_address_new_from_string ("192.0.2.10");
  g_autoptr (WbIngress) ingress = wb_ingress_new ("ward test", ward);
  WbIngressCounts counts;

  /* 0x80: RTP version 2, no padding, no extension, no CSRC. */
  g_assert_cmpint (check (ingress, "192.0.2.10", 172, 0x80, FALSE), ==, WB_INGRESS_ACCEPT);
  g_assert_cmpint (check (ingress, "192.0.2.10", 12, 0x80, FALSE), ==, WB_INGRESS_ACCEPT);
  g_assert_cmpint (check (ingress, "192.0.2.10", 1500, 0x80, FALSE), ==, WB_INGRESS_ACCEPT);
  /* An empty receiver report: 8 bytes, fine for RTCP only. */
  g_assert_cmpint (check_bytes (ingress, empty_rr, sizeof empty_rr, TRUE), ==, WB_INGRESS_ACCEPT);
  g_assert_cmpint (check (ingress, "192.0.2.10", 8, 0x80, FALSE), ==, WB_INGRESS_DROP_RUNT);
  g_assert_cmpint (check (ingress, "192.0.2.10", 11, 0x80, FALSE), ==, WB_INGRESS_DROP_RUNT);
  g_assert_cmpint (check (ingress, "192.0.2.10", 0, 0x80, FALSE), ==, WB_INGRESS_DROP_RUNT);
  g_assert_cmpint (check (ingress, "192.0.2.10", 1501, 0x80, FALSE), ==, WB_INGRESS_DROP_OVERSIZE);
  g_assert_cmpint (check (ingress, "192.0.2.10", 9000, 0x80, TRUE), ==, WB_INGRESS_DROP_OVERSIZE);
  /* Version 1 and version 0 (e.g. STUN) are not ours. */
  g_assert_cmpint (check (ingress, "192.0.2.10", 100, 0x40, FALSE), ==, WB_INGRESS_DROP_MALFORMED);
  g_assert_cmpint (check (ingress, "192.0.2.10", 100, 0x00, TRUE), ==, WB_INGRESS_DROP_MALFORMED);
  /* Someone else: foreign, whatever the packet looks like. */
  g_assert_cmpint (check (ingress, "192.0.2.11", 172, 0x80, FALSE), ==, WB_INGRESS_DROP_FOREIGN);
  g_assert_cmpint (check (ingress, "198.51.100.10", 4, 0x80, FALSE), ==, WB_INGRESS_DROP_FOREIGN);
  g_assert_cmpint (check (ingress, "::1", 172, 0x80, FALSE), ==, WB_INGRESS_DROP_FOREIGN);
  /* No source address at all. */
  g_assert_cmpint (check (ingress, NULL, 172, 0x80, FALSE), ==, WB_INGRESS_DROP_MALFORMED);

  wb_ingress_get_counts (ingress, &counts);
  g_assert_cmpuint (counts.accepted_packets, ==, 4);
  g_assert_cmpuint (counts.accepted_bytes, ==, 172 + 12 + 1500 + 8);
  g_assert_cmpuint (counts.dropped[WB_INGRESS_ACCEPT], ==, 0);
  g_assert_cmpuint (counts.dropped[WB_INGRESS_DROP_RUNT], ==, 3);
  g_assert_cmpuint (counts.dropped[WB_INGRESS_DROP_OVERSIZE], ==, 2);
  g_assert_cmpuint (counts.dropped[WB_INGRESS_DROP_MALFORMED], ==, 3);
  g_assert_cmpuint (counts.dropped[WB_INGRESS_DROP_FOREIGN], ==, 3);
  g_assert_cmpuint (wb_ingress_counts_total_dropped (&counts), ==, 11);

  /* The ward moves (it joined again from another address). */
  {
    g_autoptr (GInetAddress) moved = g_inet_address_new_from_string ("192.0.2.11");

    wb_ingress_set_allowed_address (ingress, moved);
    g_assert_cmpint (check (ingress, "192.0.2.11", 172, 0x80, FALSE), ==, WB_INGRESS_ACCEPT);
    g_assert_cmpint (check (ingress, "192.0.2.10", 172, 0x80, FALSE), ==, WB_INGRESS_DROP_FOREIGN);
  }
}

/*
 * Plain RTCP is checked packet by packet before rtpbin parses it: GStreamer
 * 1.22's rtpsession copies an SDES item by its own length byte, so an item
 * longer than its packet read past the datagram (found by the fuzz target:
 * tests/fuzz/corpus/crash-sdes-item-overrun).
 */
static void
test_ingress_rtcp_structure (void)
{
  g_autoptr (GInetAddress) ward = g_inet_address_new_from_string ("192.0.2.10");
  g_autoptr (WbIngress) ingress = wb_ingress_new ("ward rtcp", ward);
  /* RR (no blocks) + SDES (CNAME "ward-01", END, pad) + BYE with a reason. */
  static const guint8 good[] = {
    0x80, 201, 0, 1, 0x11, 0x11, 0x11, 0x11,
    0x81, 202, 0, 4, 0x11, 0x11, 0x11, 0x11, 1, 7, 'w', 'a', 'r', 'd', '-', '0', '1', 0, 0, 0,
    0x81, 203, 0, 2, 0x11, 0x11, 0x11, 0x11, 3, 'b', 'y', 'e',
  };
  /* RR + PSFB PLI (FMT 1), as a ward asks for a keyframe. */
  static const guint8 pli[] = {
    0x80, 201, 0, 1, 0x11, 0x11, 0x11, 0x11,
    0x81, 206, 0, 2, 0x11, 0x11, 0x11, 0x11, 0x22, 0x22, 0x22, 0x22,
  };
  /* SR + SDES whose second item claims 255 bytes: the fuzz find. */
  static const guint8 item_overrun[] = {
    0x80, 200, 0, 6, 'W', 'A', 'R', 'M', 0xe0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xbb,
    0x80, 0, 0, 0, 0x64, 0, 0, 0x3e,
    0x81, 202, 0, 5, 0x11, 0x11, 0x11, 0x11, 1, 9, 'w', 'a', 'r', 'd', '-', '0', 0xce, 0xbf, 0x87,
    0xff, 0xff, 0xff, 0xff, 0xff,
  };
  /* SDES whose chunk has no END item. */
  static const guint8 no_end[] = {
    0x81, 202, 0, 2, 0x11, 0x11, 0x11, 0x11, 1, 2, 'w', '1',
  };
  /* BYE whose reason is longer than the packet. */
  static const guint8 bye_overrun[] = {
    0x81, 203, 0, 2, 0x11, 0x11, 0x11, 0x11, 9, 'b', 'y', 'e',
  };
  /* SDES with bytes after its one chunk (an END right after the SSRC):
   * rtpsession would read them as another chunk.  The fuzz target's
   * second find. */
  static const guint8 after_chunks[] = {
    0x81, 202, 0, 4, 0x11, 0x11, 0x11, 0x35, 0, 0, 0, 0, 0, 0, 0, 0x30, 0xce, 0xbf, 0x87, 0xff,
  };
  /* SDES PRIV item whose prefix length ('w', 119) is longer than the
   * item (9): the fuzz target's fourth find. */
  static const guint8 priv_overrun[] = {
    0x81, 202, 0, 5, 0x11, 0x11, 0x11, 0x11, 8, 9, 'w', 'a', 'r', 'd', 0xe2, 0xd8, 3, 0, 0x60,
    0x60, 0, 0, 0, 0,
  };
  /* SDES with the padding bit: one chunk, then "padding" that rtpsession
   * parses as another chunk (the fifth find). */
  static const guint8 padded_sdes[] = {
    0xa1, 202, 0, 5, 0x2c, 0x01, 0x80, 0xcb, 0, 2, 0x0f, 0x26, 0x80, 0, 0, 0,
    0x55, 0x0f, 0x0f, 0x01, 0x11, 0x0b, 0x02, 0x0c,
  };
  /* A length beyond the datagram, and an RR that claims a report block. */
  static const guint8 length_lies[] = { 0x80, 201, 0, 9, 0x11, 0x11, 0x11, 0x11 };
  static const guint8 rr_missing_block[] = { 0x81, 201, 0, 1, 0x11, 0x11, 0x11, 0x11 };
  WbIngressCounts counts;

  g_assert_true (wb_ingress_rtcp_is_well_formed (good, sizeof good));
  g_assert_cmpint (check_bytes (ingress, good, sizeof good, TRUE), ==, WB_INGRESS_ACCEPT);
  g_assert_cmpint (check_bytes (ingress, pli, sizeof pli, TRUE), ==, WB_INGRESS_ACCEPT);
  g_assert_cmpint (check_bytes (ingress, item_overrun, sizeof item_overrun, TRUE), ==,
                   WB_INGRESS_DROP_MALFORMED);
  g_assert_cmpint (check_bytes (ingress, no_end, sizeof no_end, TRUE), ==, WB_INGRESS_DROP_MALFORMED);
  g_assert_cmpint (check_bytes (ingress, bye_overrun, sizeof bye_overrun, TRUE), ==,
                   WB_INGRESS_DROP_MALFORMED);
  g_assert_cmpint (check_bytes (ingress, after_chunks, sizeof after_chunks, TRUE), ==,
                   WB_INGRESS_DROP_MALFORMED);
  g_assert_cmpint (check_bytes (ingress, priv_overrun, sizeof priv_overrun, TRUE), ==,
                   WB_INGRESS_DROP_MALFORMED);
  g_assert_cmpint (check_bytes (ingress, padded_sdes, sizeof padded_sdes, TRUE), ==,
                   WB_INGRESS_DROP_MALFORMED);
  {
    guint8 priv[sizeof priv_overrun];

    /* The same with a prefix of 3 octets: well formed. */
    memcpy (priv, priv_overrun, sizeof priv);
    priv[10] = 3;
    g_assert_true (wb_ingress_rtcp_is_well_formed (priv, sizeof priv));
  }
  g_assert_cmpint (check_bytes (ingress, length_lies, sizeof length_lies, TRUE), ==,
                   WB_INGRESS_DROP_MALFORMED);
  g_assert_cmpint (check_bytes (ingress, rr_missing_block, sizeof rr_missing_block, TRUE), ==,
                   WB_INGRESS_DROP_MALFORMED);
  /* Cut anywhere inside, the good compound is no longer well formed. */
  for (gsize n = 4; n < sizeof good; n++)
    g_assert_false (wb_ingress_rtcp_is_well_formed (good, n) && n != 8 && n != 28);
  /* On the RTP port, what has an RTCP packet type (RFC 5761 §4) is RTCP to
   * rtpsession, so it is checked as RTCP (the fuzz target's third find);
   * RTP proper is only judged by size and version. */
  g_assert_cmpint (check_bytes (ingress, item_overrun, sizeof item_overrun, FALSE), ==,
                   WB_INGRESS_DROP_MALFORMED);
  g_assert_cmpint (check_bytes (ingress, good, sizeof good, FALSE), ==, WB_INGRESS_ACCEPT);
  {
    guint8 rtp[sizeof item_overrun];

    memcpy (rtp, item_overrun, sizeof rtp);
    rtp[1] = 96 | 0x80;   /* H.264 with the marker bit */
    g_assert_cmpint (check_bytes (ingress, rtp, sizeof rtp, FALSE), ==, WB_INGRESS_ACCEPT);
  }

  wb_ingress_get_counts (ingress, &counts);
  g_assert_cmpuint (counts.dropped[WB_INGRESS_DROP_MALFORMED], ==, 9);

  /* SRTCP: encrypted after the first header; srtpdec authenticates it. */
  wb_ingress_set_rtcp_encrypted (ingress, TRUE);
  g_assert_cmpint (check_bytes (ingress, item_overrun, sizeof item_overrun, TRUE), ==,
                   WB_INGRESS_ACCEPT);
}

/* Through a pad probe: only the accepted buffers come out of the pad. */
static GstFlowReturn
count_chain (GstPad    *pad,
             GstObject *parent,
             GstBuffer *buffer)
{
  guint *n = g_object_get_data (G_OBJECT (pad), "count");

  (*n)++;
  gst_buffer_unref (buffer);
  return GST_FLOW_OK;
}

static void
test_ingress_probe (void)
{
  g_autoptr (GInetAddress) ward = g_inet_address_new_from_string ("127.0.0.1");
  g_autoptr (WbIngress) ingress = wb_ingress_new ("ward probe", ward);
  g_autoptr (GstPad) src = gst_pad_new ("src", GST_PAD_SRC);
  g_autoptr (GstPad) sink = gst_pad_new ("sink", GST_PAD_SINK);
  g_autoptr (GstSegment) segment = gst_segment_new ();
  GstBufferList *list;
  guint received = 0;
  WbIngressCounts counts;

  g_object_set_data (G_OBJECT (sink), "count", &received);
  gst_pad_set_chain_function (sink, count_chain);
  g_assert_cmpint (gst_pad_link (src, sink), ==, GST_PAD_LINK_OK);
  gst_pad_set_active (src, TRUE);
  gst_pad_set_active (sink, TRUE);
  gst_segment_init (segment, GST_FORMAT_TIME);
  gst_pad_push_event (src, gst_event_new_stream_start ("ingress"));
  gst_pad_push_event (src, gst_event_new_segment (segment));

  wb_ingress_attach (ingress, src, FALSE);

  g_assert_cmpint (gst_pad_push (src, datagram ("127.0.0.1", 100, 0x80)), ==, GST_FLOW_OK);
  g_assert_cmpint (gst_pad_push (src, datagram ("127.0.0.2", 100, 0x80)), ==, GST_FLOW_OK);
  g_assert_cmpint (gst_pad_push (src, datagram ("127.0.0.1", 3, 0x80)), ==, GST_FLOW_OK);
  g_assert_cmpuint (received, ==, 1);

  /* A list keeps only its good buffers. */
  list = gst_buffer_list_new ();
  gst_buffer_list_add (list, datagram ("127.0.0.1", 100, 0x80));
  gst_buffer_list_add (list, datagram ("127.0.0.9", 100, 0x80));
  gst_buffer_list_add (list, datagram ("127.0.0.1", 200, 0x80));
  g_assert_cmpint (gst_pad_push_list (src, list), ==, GST_FLOW_OK);
  g_assert_cmpuint (received, ==, 3);

  wb_ingress_get_counts (ingress, &counts);
  g_assert_cmpuint (counts.accepted_packets, ==, 3);
  g_assert_cmpuint (counts.dropped[WB_INGRESS_DROP_FOREIGN], ==, 2);
  g_assert_cmpuint (counts.dropped[WB_INGRESS_DROP_RUNT], ==, 1);

  gst_pad_set_active (src, FALSE);
  gst_pad_set_active (sink, FALSE);
}

static guint
local_port (GSocket *socket)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocketAddress) addr = g_socket_get_local_address (socket, &error);

  g_assert_no_error (error);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (addr));
}

static void
test_port_allocator (void)
{
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GError) error = NULL;
  guint min = 30000 + 2 * (guint) g_random_int_range (0, 10000);
  g_autoptr (WbPortAllocator) alloc = NULL;
  GSocket *blocks[3][4] = { { NULL, } };
  g_autoptr (GSocket) squatter = NULL;
  g_autoptr (GSocketAddress) squat_addr = NULL;
  guint base[3];

  /* Someone already holds min + 5: the second block must skip it. */
  squatter = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                           G_SOCKET_PROTOCOL_UDP, &error);
  g_assert_no_error (error);
  squat_addr = g_inet_socket_address_new (lo, (guint16) (min + 5));
  if (!g_socket_bind (squatter, squat_addr, FALSE, &error)) {
    g_test_skip_printf ("port %u is taken on this machine: %s", min + 5, error->message);
    return;
  }

  /* Room for exactly three blocks of four once the squatted one is skipped. */
  alloc = wb_port_allocator_new (min, min + 15);
  for (guint b = 0; b < 3; b++) {
    g_assert_true (wb_port_allocator_bind (alloc, lo, 4, blocks[b], &base[b], &error));
    g_assert_no_error (error);
    g_assert_cmpuint (base[b] % 2, ==, 0);
    g_assert_cmpuint (base[b], >=, min);
    g_assert_cmpuint (base[b] + 3, <=, min + 15);
    for (guint i = 0; i < 4; i++)
      g_assert_cmpuint (local_port (blocks[b][i]), ==, base[b] + i);
  }
  g_assert_cmpuint (base[0], ==, min);
  g_assert_cmpuint (base[1], ==, min + 8);   /* min + 4 .. 7 holds the squatter */
  g_assert_cmpuint (base[2], ==, min + 12);

  /* Full. */
  {
    GSocket *more[4] = { NULL, };

    g_assert_false (wb_port_allocator_bind (alloc, lo, 4, more, NULL, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
    g_clear_error (&error);
    for (guint i = 0; i < 4; i++)
      g_assert_null (more[i]);
  }

  /* Give the first block back: it is found again. */
  for (guint i = 0; i < 4; i++) {
    g_socket_close (blocks[0][i], NULL);
    g_clear_object (&blocks[0][i]);
  }
  g_assert_true (wb_port_allocator_bind (alloc, lo, 4, blocks[0], &base[0], &error));
  g_assert_no_error (error);
  g_assert_cmpuint (base[0], ==, min);

  for (guint b = 0; b < 3; b++) {
    for (guint i = 0; i < 4; i++)
      g_clear_object (&blocks[b][i]);
  }
}

/* A coloured I420 frame, @w x @h. */
static GstBuffer *
i420_frame (GstVideoInfo *info, int w, int h)
{
  GstBuffer *buffer;
  GstVideoFrame frame;

  gst_video_info_set_format (info, GST_VIDEO_FORMAT_I420, (guint) w, (guint) h);
  buffer = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (info), NULL);
  g_assert_true (gst_video_frame_map (&frame, info, buffer, GST_MAP_WRITE));
  for (int p = 0; p < 3; p++) {
    static const guint8 value[3] = { 120, 90, 170 };

    for (int y = 0; y < GST_VIDEO_FRAME_COMP_HEIGHT (&frame, p); y++)
      memset ((guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame, p) +
              y * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, p), value[p],
              GST_VIDEO_FRAME_COMP_WIDTH (&frame, p));
  }
  gst_video_frame_unmap (&frame);
  return buffer;
}

/* The name bands blended by wb_tile_bands_blend() match what GStreamer's
 * own blend gives (gst_video_overlay_composition_blend(), which the
 * conference used before): the same luma within 2 everywhere, chroma on
 * average within 1 (GStreamer takes each 2x2 block's top-left alpha, the
 * bands their mean), nothing outside the bands touched.  Tiles at odd
 * offsets, as a 6-column grid of 1280 gives, and one past the frame's
 * edge. */
static void
test_tile_bands_match_gst_blend (void)
{
  WbTileLabel labels[3] = {
    { { 0, 0, 213, 120, TRUE, FALSE }, "Phường Cam Giá", FALSE },
    { { 213, 121, 213, 119, TRUE, FALSE }, "Xã Đồng Liên", FALSE },
    { { 427, 1, 213, 120, TRUE, FALSE }, "Phường Túc Duyên", FALSE },
  };
  GstVideoOverlayComposition *comp = wb_tile_overlay_render (labels, 3);
  GstVideoInfo info;
  g_autoptr (GstBuffer) ours = i420_frame (&info, 600, 240);
  g_autoptr (WbTileBands) bands = wb_tile_bands_new (comp, &info);
  g_autoptr (GstBuffer) theirs = i420_frame (&info, 600, 240);
  g_autoptr (GstBuffer) untouched = i420_frame (&info, 600, 240);
  GstVideoFrame a, b, c;
  guint64 chroma_diff = 0, chroma_n = 0, changed = 0;

  g_assert_nonnull (bands);
  g_assert_true (gst_video_frame_map (&a, &info, ours, GST_MAP_READWRITE));
  g_assert_true (gst_video_frame_map (&b, &info, theirs, GST_MAP_READWRITE));
  g_assert_true (gst_video_frame_map (&c, &info, untouched, GST_MAP_READ));
  g_assert_true (wb_tile_bands_blend (bands, &a));
  g_assert_true (gst_video_overlay_composition_blend (comp, &b));

  for (int p = 0; p < 3; p++) {
    for (int y = 0; y < GST_VIDEO_FRAME_COMP_HEIGHT (&a, p); y++) {
      for (int x = 0; x < GST_VIDEO_FRAME_COMP_WIDTH (&a, p); x++) {
        int va = ((const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&a, p))
            [y * GST_VIDEO_FRAME_PLANE_STRIDE (&a, p) + x];
        int vb = ((const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&b, p))
            [y * GST_VIDEO_FRAME_PLANE_STRIDE (&b, p) + x];
        int vc = ((const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&c, p))
            [y * GST_VIDEO_FRAME_PLANE_STRIDE (&c, p) + x];

        int scale = p == 0 ? 1 : 2;
        gboolean in_band = FALSE;

        for (int k = 0; k < 3; k++) {
          const WbTileRect *r = &labels[k].rect;
          int bh = wb_tile_overlay_band_height (r->height);

          for (int dy = 0; dy < scale; dy++)
            for (int dx = 0; dx < scale; dx++) {
              int lx = x * scale + dx, ly = y * scale + dy;

              in_band |= lx >= r->x && lx < r->x + r->width &&
                  ly >= r->y + r->height - bh && ly < r->y + r->height;
            }
        }
        if (!in_band) {
          g_assert_cmpint (va, ==, vc);
          g_assert_cmpint (vb, ==, vc);
        } else if (va != vc) {
          changed++;
        }
        if (p == 0) {
          g_assert_cmpint (ABS (va - vb), <=, 2);
        } else {
          chroma_diff += (guint64) ABS (va - vb);
          chroma_n++;
        }
      }
    }
  }
  g_test_message ("changed samples %" G_GUINT64_FORMAT ", mean chroma difference %.3f",
                  changed, (double) chroma_diff / (double) chroma_n);
  /* Three bands of 213 x 20 (their luma alone), all darkened. */
  g_assert_cmpuint (changed, >, 3 * 213 * 19);
  g_assert_cmpfloat ((double) chroma_diff / (double) chroma_n, <=, 1.0);

  gst_video_frame_unmap (&c);
  gst_video_frame_unmap (&b);
  gst_video_frame_unmap (&a);
  gst_video_overlay_composition_unref (comp);
  g_assert_null (wb_tile_bands_new (NULL, &info));
}

/* Blends the overlay into a grey frame and reads back pixels. */
static void
test_tile_overlay (void)
{
  WbTileLabel labels[2] = {
    { { 0, 0, 160, 90, TRUE, FALSE }, "Phường Cam Giá", FALSE },
    { { 160, 0, 160, 90, TRUE, FALSE }, "Xã Đồng Liên", TRUE },
  };
  GstVideoOverlayComposition *comp = wb_tile_overlay_render (labels, 2);
  GstVideoInfo info;
  g_autoptr (GstBuffer) buffer = NULL;
  GstVideoFrame frame;
  const guint8 *px;
  int band = wb_tile_overlay_band_height (90);
  guint bright_in_band = 0;

  g_assert_nonnull (comp);
  g_assert_cmpuint (gst_video_overlay_composition_n_rectangles (comp), ==, 2);

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_RGBx, 320, 90);
  buffer = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&info), NULL);
  gst_buffer_memset (buffer, 0, 0x80, GST_VIDEO_INFO_SIZE (&info));
  g_assert_true (gst_video_frame_map (&frame, &info, buffer, GST_MAP_READWRITE));
  g_assert_true (gst_video_overlay_composition_blend (comp, &frame));

#define PIXEL(x, y) ((const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame, 0) + \
                     (y) * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0) + (x) * 4)

  /* Tile 1, above the band: untouched grey. */
  px = PIXEL (20, 10);
  g_assert_cmpint (px[0], ==, 0x80);
  g_assert_cmpint (px[1], ==, 0x80);
  g_assert_cmpint (px[2], ==, 0x80);
  /* Tile 1, left edge of the band: translucent black darkens the grey
   * but does not hide it. */
  px = PIXEL (0, 89);
  g_assert_cmpint (px[0], >=, 0x10);
  g_assert_cmpint (px[0], <=, 0x50);
  g_assert_cmpint (px[0], ==, px[1]);
  /* Some white text in the band. */
  for (int x = 0; x < 160; x++) {
    for (int y = 90 - band; y < 90; y++) {
      if (PIXEL (x, y)[0] > 0xc0)
        bright_in_band++;
    }
  }
  g_assert_cmpuint (bright_in_band, >, 20);
  /* Tile 2, signal lost: the overlay leaves its picture area alone (the
   * slate is on the canvas behind the tiles). */
  px = PIXEL (170, 5);
  g_assert_cmpint (px[0], ==, 0x80);
  g_assert_cmpint (px[1], ==, 0x80);
  g_assert_cmpint (px[2], ==, 0x80);

  gst_video_frame_unmap (&frame);
  gst_video_overlay_composition_unref (comp);

  /* The canvas: black, the slate colour and its white text in tile 2. */
  {
    g_autoptr (GstBuffer) canvas = wb_tile_overlay_render_canvas (labels, 2, &info);
    guint bright_in_slate = 0;

    g_assert_nonnull (canvas);
    g_assert_true (gst_video_frame_map (&frame, &info, canvas, GST_MAP_READ));
    px = PIXEL (20, 10);
    g_assert_cmpint (px[0], ==, 0);
    g_assert_cmpint (px[1], ==, 0);
    g_assert_cmpint (px[2], ==, 0);
    px = PIXEL (170, 5);
    g_assert_cmpint (px[0], ==, WB_TILE_SLATE_R);
    g_assert_cmpint (px[1], ==, WB_TILE_SLATE_G);
    g_assert_cmpint (px[2], ==, WB_TILE_SLATE_B);
    for (int x = 160; x < 320; x++) {
      for (int y = 0; y < 90; y++) {
        if (PIXEL (x, y)[0] > 0xc0)
          bright_in_slate++;
      }
    }
    g_assert_cmpuint (bright_in_slate, >, 20);
    gst_video_frame_unmap (&frame);
  }

#undef PIXEL

  /* Nothing visible, nothing drawn. */
  labels[0].rect.visible = FALSE;
  labels[1].rect.visible = FALSE;
  g_assert_null (wb_tile_overlay_render (labels, 2));
}

static void
test_sdp (void)
{
  WbSdpParams params = {
    .session_id = "c1",
    .title = "Giao ban",
    .origin_address = "203.0.113.1",
    .ward_address = "192.0.2.10",
    .audio_port = 5004,
    .audio_codec = WB_AUDIO_CODEC_OPUS,
    .audio_bitrate_kbps = 32,
    .video_port = 5006,
  };
  g_autofree char *text = wb_sdp_for_join (&params);
  g_autoptr (GstSDPMessage) msg = NULL;
  const GstSDPMedia *audio, *video;

  g_assert_nonnull (text);
  g_assert_cmpint (gst_sdp_message_new_from_text (text, &msg), ==, GST_SDP_OK);
  g_assert_cmpstr (gst_sdp_message_get_connection (msg)->address, ==, "192.0.2.10");
  g_assert_cmpuint (gst_sdp_message_medias_len (msg), ==, 2);

  audio = gst_sdp_message_get_media (msg, 0);
  g_assert_cmpstr (gst_sdp_media_get_media (audio), ==, "audio");
  g_assert_cmpuint (gst_sdp_media_get_port (audio), ==, 5004);
  g_assert_cmpstr (gst_sdp_media_get_format (audio, 0), ==, "111");
  g_assert_cmpstr (gst_sdp_media_get_attribute_val (audio, "rtpmap"), ==, "111 opus/48000/2");
  g_assert_cmpstr (gst_sdp_media_get_attribute_val (audio, "rtcp"), ==, "5005");

  video = gst_sdp_message_get_media (msg, 1);
  g_assert_cmpstr (gst_sdp_media_get_media (video), ==, "video");
  g_assert_cmpuint (gst_sdp_media_get_port (video), ==, 5006);
  g_assert_cmpstr (gst_sdp_media_get_attribute_val (video, "rtpmap"), ==, "96 H264/90000");
  g_assert_nonnull (strstr (gst_sdp_media_get_attribute_val (video, "fmtp"),
                            "packetization-mode=1"));

  /* G.711 boxes get the static payload type. */
  params.audio_codec = WB_AUDIO_CODEC_PCMA;
  g_clear_pointer (&text, g_free);
  g_clear_pointer (&msg, gst_sdp_message_free);
  text = wb_sdp_for_join (&params);
  g_assert_cmpint (gst_sdp_message_new_from_text (text, &msg), ==, GST_SDP_OK);
  audio = gst_sdp_message_get_media (msg, 0);
  g_assert_cmpstr (gst_sdp_media_get_format (audio, 0), ==, "8");
  g_assert_cmpstr (gst_sdp_media_get_attribute_val (audio, "rtpmap"), ==, "8 PCMA/8000");
}

/*
 * The FEC plan of [media] audio-expected-loss-percent=auto: up at once with
 * a lossy report, held while the reports stay lossy, down with a 10 s
 * half-life once they are clean, 0 under 1 %, capped.
 */
static void
test_fec_plan (void)
{
  const gint64 s = G_USEC_PER_SEC;
  WbFecPlan plan = { 0, };
  gint64 t = 1000 * s;

  /* No report yet, and clean ones: no FEC. */
  g_assert_cmpuint (wb_fec_plan_update (&plan, t, -1, 20), ==, 0);
  g_assert_cmpuint (wb_fec_plan_update (&plan, t += 5 * s, 0, 20), ==, 0);

  /* 26/256 = 10.2 % lost: 11 at once. */
  g_assert_cmpuint (wb_fec_plan_update (&plan, t += 5 * s, 26, 20), ==, 11);
  /* A tick later, no new report: the newest one still holds. */
  g_assert_cmpuint (wb_fec_plan_update (&plan, t += s / 4, -1, 20), ==, 11);

  /* A clean report 5 s on: 10.2 % × 2^-0.5 = 7.2, not 0. */
  g_assert_cmpuint (wb_fec_plan_update (&plan, t += 5 * s - s / 4, 0, 20), ==, 8);
  /* 10 s later half that: 3.6. */
  g_assert_cmpuint (wb_fec_plan_update (&plan, t += 10 * s, -1, 20), ==, 4);
  /* Under 1 % after 30 s of clean reports in all: none. */
  g_assert_cmpuint (wb_fec_plan_update (&plan, t += 20 * s, 0, 20), ==, 0);

  /* A steady 2 % (5/256 = 1.95) stays 2 between the reports. */
  for (guint i = 0; i < 20; i++) {
    g_assert_cmpuint (wb_fec_plan_update (&plan, t += s, i % 5 == 0 ? 5 : -1, 20), ==, 2);
  }
  /* Under 1 % (2/256 = 0.8) is left to concealment, once the 2 % has
   * decayed. */
  plan = (WbFecPlan) { 0, };
  g_assert_cmpuint (wb_fec_plan_update (&plan, t, 2, 20), ==, 0);

  /* Capped. */
  g_assert_cmpuint (wb_fec_plan_update (&plan, t += s, 255, 20), ==, 20);
  g_assert_cmpuint (wb_fec_plan_update (&plan, t += s, 255, 5), ==, 5);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ingress/verdicts", test_ingress_verdicts);
  g_test_add_func ("/ingress/rtcp-structure", test_ingress_rtcp_structure);
  g_test_add_func ("/ingress/probe", test_ingress_probe);
  g_test_add_func ("/port-allocator/blocks", test_port_allocator);
  g_test_add_func ("/tile-overlay/blend", test_tile_overlay);
  g_test_add_func ("/tile-overlay/bands-match-gst-blend", test_tile_bands_match_gst_blend);
  g_test_add_func ("/sdp/join", test_sdp);
  g_test_add_func ("/fec-plan/follows-reports", test_fec_plan);

  return g_test_run ();
}
