/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbIngress: the gate in front of a ward's rtpbin.  Every datagram that a
 * ward's source (wbudpsrc or udpsrc) reads goes through wb_ingress_check() (installed as a buffer
 * probe with wb_ingress_attach()); it lets through only datagrams from the
 * ward's known address, of a sane size, that look like RTP/RTCP version 2,
 * and counts every drop by reason.
 *
 * One WbIngress per participant, owned by its WbParticipant.  The checks run
 * on the receiving threads (the shared wbudpsrc thread, or a udpsrc's);
 * the allowed address and the counters are guarded by an internal mutex,
 * so any thread may read the counts or change the address.
 */
#pragma once

#include <gio/gio.h>
#include <gst/gst.h>

G_BEGIN_DECLS

/* Smallest RTP packet: the 12-byte fixed header.  Smallest RTCP packet: an
 * 8-byte receiver report without report blocks. */
#define WB_INGRESS_MIN_RTP_SIZE   12
#define WB_INGRESS_MIN_RTCP_SIZE  8
/* Largest datagram accepted: an Ethernet MTU.  The wards' payloaders send
 * 1400-byte packets; anything bigger is not from a box we configured. */
#define WB_INGRESS_MAX_DATAGRAM   1500

typedef enum {
  WB_INGRESS_ACCEPT,
  WB_INGRESS_DROP_FOREIGN,    /* not from the ward's address */
  WB_INGRESS_DROP_RUNT,       /* shorter than an RTP/RTCP header */
  WB_INGRESS_DROP_OVERSIZE,   /* longer than WB_INGRESS_MAX_DATAGRAM */
  WB_INGRESS_DROP_MALFORMED,  /* not RTP/RTCP version 2, no source address, or (plain
                               * RTCP, also RTCP muxed on the RTP port) a packet,
                               * SDES item or BYE reason that overruns the
                               * datagram */
  WB_INGRESS_N_VERDICTS
} WbIngressVerdict;

typedef struct {
  guint64 accepted_packets;
  guint64 accepted_bytes;
  guint64 dropped[WB_INGRESS_N_VERDICTS];   /* indexed by verdict; [ACCEPT] is 0 */
} WbIngressCounts;

typedef struct _WbIngress WbIngress;

/* @label names the ward in logs.  @allowed may be NULL: then every datagram
 * is foreign until wb_ingress_set_allowed_address() is called. */
WbIngress *wb_ingress_new  (const char   *label,
                            GInetAddress *allowed);
void       wb_ingress_free (WbIngress    *ingress);

void       wb_ingress_set_allowed_address (WbIngress    *ingress,
                                           GInetAddress *allowed);

/* SRTCP: the packets after the first header are encrypted, so only the
 * version is checked (srtpdec authenticates the rest before rtpbin parses
 * it).  Default: plain RTCP, checked packet by packet. */
void       wb_ingress_set_rtcp_encrypted (WbIngress *ingress,
                                          gboolean   encrypted);

/* Whether @data is a compound RTCP datagram whose every packet lies
 * inside it, and every SDES item and BYE reason inside its packet. */
gboolean   wb_ingress_rtcp_is_well_formed (const guint8 *data,
                                           gsize         size);

/* Judges one datagram as read by its source (with its GstNetAddressMeta) and
 * counts it.  @rtcp selects the RTCP size and version rules. */
WbIngressVerdict wb_ingress_check (WbIngress *ingress,
                                   GstBuffer *buffer,
                                   gboolean   rtcp);

/* Installs wb_ingress_check() as a buffer probe on @pad (a socket source's
 * src pad), dropping what it rejects.  @ingress must outlive the probe; the
 * caller removes the pad (or the probe) before freeing @ingress. */
gulong     wb_ingress_attach (WbIngress *ingress,
                              GstPad    *pad,
                              gboolean   rtcp);

void       wb_ingress_get_counts (WbIngress       *ingress,
                                  WbIngressCounts *out);

guint64    wb_ingress_counts_total_dropped (const WbIngressCounts *counts);

const char *wb_ingress_verdict_to_string (WbIngressVerdict verdict);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WbIngress, wb_ingress_free)

G_END_DECLS
