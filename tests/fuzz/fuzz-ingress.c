/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target over what network input meets first at the hub: the
 * ingress filter (src/media/wb-ingress.c), through both of its entry
 * points (wb_ingress_check() and the pad probe of wb_ingress_attach() with
 * buffers and buffer lists), and then, for what it lets through, the RTP
 * session that handles RTCP and RTP behind it (rtpsession, as inside the
 * participant's rtpbin).
 *
 * Input layout: byte 0 is a control byte (bit 0: RTCP, bit 1: from a
 * foreign address, bit 2: pushed as a buffer list split at byte 1), the
 * rest is the datagram.  Besides memory errors, the filter's verdict is
 * checked against the rules of DESIGN.md §2: address, size and version
 * written out here on their own, the RTCP structure rule through the
 * filter's own wb_ingress_rtcp_is_well_formed() (unit-tested apart).
 *
 * Built and run by run-fuzz.sh (clang -fsanitize=fuzzer,address,undefined);
 * not part of the meson build, which may use gcc.
 */
#include <gst/gst.h>
#include <gst/check/gstharness.h>
#include <gst/net/gstnetaddressmeta.h>
#include <stdlib.h>
#include <string.h>

#include "media/wb-ingress.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

/* Rebuilt every so many inputs, so that the sessions' source tables stay
 * small however long the fuzzer runs. */
#define RESET_EVERY 2000

static WbIngress *ingress;
static GInetAddress *allowed;
static GSocketAddress *from_allowed;
static GSocketAddress *from_foreign;
static GstHarness *rtp_session;
static GstHarness *rtcp_session;
static GstHarness *probed;        /* identity behind a pad with the probe */
static guint inputs;

static GstHarness *
session_harness (const char *sink,
                 const char *src,
                 const char *caps)
{
  GstHarness *h = gst_harness_new_with_padnames ("rtpsession", sink, src);

  gst_harness_set_src_caps_str (h, caps);
  return h;
}

static void
build (void)
{
  rtp_session = session_harness ("recv_rtp_sink", "recv_rtp_src",
                                 "application/x-rtp,media=audio,clock-rate=48000,"
                                 "encoding-name=OPUS,payload=111");
  rtcp_session = session_harness ("recv_rtcp_sink", "sync_src", "application/x-rtcp");
  probed = gst_harness_new ("identity");
  gst_harness_set_src_caps_str (probed, "application/x-rtp");
  wb_ingress_attach (ingress, probed->srcpad, FALSE);
}

static void
tear_down (void)
{
  g_clear_pointer (&rtp_session, gst_harness_teardown);
  g_clear_pointer (&rtcp_session, gst_harness_teardown);
  g_clear_pointer (&probed, gst_harness_teardown);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  g_autoptr (GInetAddress) foreign = NULL;

  g_setenv ("GST_REGISTRY_FORK", "no", TRUE);
  gst_init (NULL, NULL);
  allowed = g_inet_address_new_from_string ("127.0.0.1");
  foreign = g_inet_address_new_from_string ("127.0.0.2");
  from_allowed = g_inet_socket_address_new (allowed, 40000);
  from_foreign = g_inet_socket_address_new (foreign, 40000);
  ingress = wb_ingress_new ("fuzz", allowed);
  build ();
  return 0;
}

static WbIngressVerdict
expected_verdict (const guint8 *data,
                  gsize         size,
                  gboolean      rtcp,
                  gboolean      foreign)
{
  if (foreign)
    return WB_INGRESS_DROP_FOREIGN;
  if (size < (rtcp ? WB_INGRESS_MIN_RTCP_SIZE : WB_INGRESS_MIN_RTP_SIZE))
    return WB_INGRESS_DROP_RUNT;
  if (size > WB_INGRESS_MAX_DATAGRAM)
    return WB_INGRESS_DROP_OVERSIZE;
  if ((data[0] >> 6) != 2)
    return WB_INGRESS_DROP_MALFORMED;
  /* The structure rule is the filter's own function (unit-tested in
   * tests/media/test-media-units.c); what this target proves is that
   * whatever it lets through is safe for rtpbin to parse (step 3). */
  if ((rtcp || (data[1] >= 192 && data[1] <= 223)) &&
      !wb_ingress_rtcp_is_well_formed (data, size))
    return WB_INGRESS_DROP_MALFORMED;
  return WB_INGRESS_ACCEPT;
}

static GstBuffer *
datagram (const guint8   *data,
          gsize           size,
          GSocketAddress *from)
{
  /* An empty datagram is an empty buffer (memdup of nothing is NULL). */
  GstBuffer *buffer = size > 0 ? gst_buffer_new_memdup (data, size) : gst_buffer_new ();

  gst_buffer_add_net_address_meta (buffer, from);
  return buffer;
}

static void
drain (GstHarness *h)
{
  GstBuffer *out;
  GstEvent *event;

  while ((out = gst_harness_try_pull (h)) != NULL)
    gst_buffer_unref (out);
  while ((event = gst_harness_try_pull_upstream_event (h)) != NULL)
    gst_event_unref (event);
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  gboolean rtcp, foreign, as_list;
  const guint8 *payload;
  gsize length;
  g_autoptr (GstBuffer) buffer = NULL;
  WbIngressVerdict verdict, expected;
  WbIngressCounts before, after;

  if (size < 1)
    return 0;
  rtcp = (data[0] & 1) != 0;
  foreign = (data[0] & 2) != 0;
  as_list = (data[0] & 4) != 0;
  payload = data + 1;
  length = size - 1;

  if (++inputs % RESET_EVERY == 0) {
    tear_down ();
    build ();
  }

  /* 1. The verdict, and its count. */
  buffer = datagram (payload, length, foreign ? from_foreign : from_allowed);
  wb_ingress_get_counts (ingress, &before);
  verdict = wb_ingress_check (ingress, buffer, rtcp);
  wb_ingress_get_counts (ingress, &after);
  expected = expected_verdict (payload, length, rtcp, foreign);
  if (verdict != expected) {
    g_printerr ("verdict %s, expected %s\n", wb_ingress_verdict_to_string (verdict),
                wb_ingress_verdict_to_string (expected));
    abort ();
  }
  if (verdict == WB_INGRESS_ACCEPT
      ? after.accepted_packets != before.accepted_packets + 1
      : after.dropped[verdict] != before.dropped[verdict] + 1)
    abort ();

  /* 2. The probe, as a buffer or as a list of two datagrams (the same
   *    bytes split at byte 1, each judged on its own). */
  if (as_list && length >= 2) {
    GstBufferList *list = gst_buffer_list_new ();

    gst_buffer_list_add (list, datagram (payload, 1, from_allowed));
    gst_buffer_list_add (list, datagram (payload + 1, length - 1,
                                         foreign ? from_foreign : from_allowed));
    gst_pad_push_list (probed->srcpad, list);
  } else {
    gst_harness_push (probed, gst_buffer_ref (buffer));
  }
  drain (probed);

  /* 3. What the filter lets through reaches the RTP session. */
  if (verdict == WB_INGRESS_ACCEPT) {
    GstHarness *h = rtcp ? rtcp_session : rtp_session;

    gst_harness_push (h, g_steal_pointer (&buffer));
    drain (h);
  }

  return 0;
}
