/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * FaultSender: a ward's audio sender for the fault tests, with the knobs a
 * well-behaved TestWard lacks: the source address it sends from (a foreign
 * box on 127.0.0.2), a fixed SSRC and first sequence number (to copy a
 * ward's stream or make the 16-bit sequence wrap), and GStreamer's netsim
 * between payloader and socket (loss, jitter, reordering), with exact
 * counts of what netsim let through.  It also listens on an even port of
 * its own, as the box's receive port, and counts what the hub sends to that
 * port and to its sending socket.  Owned by the test that creates it; all
 * functions on the test's thread.
 */
#pragma once

#include <gio/gio.h>
#include <gst/gst.h>

G_BEGIN_DECLS

typedef struct {
  const char *bind_address;      /* the box's address; NULL: 127.0.0.1 */
  double      tone_hz;
  double      volume;            /* 0 .. 1 */
  gboolean    fixed_ssrc;        /* use @ssrc, otherwise the payloader picks */
  guint32     ssrc;
  gint        seqnum_offset;     /* first sequence number; -1: random */
  double      drop_probability;  /* netsim */
  double      delay_probability;
  gint        min_delay_ms;
  gint        max_delay_ms;
} FaultSenderOptions;

#define FAULT_SENDER_OPTIONS_INIT { NULL, 440.0, 0.3, FALSE, 0, -1, 0.0, 0.0, 0, 0 }

typedef struct _FaultSender FaultSender;

/* Binds the sending socket and the receive port (not yet sending). */
FaultSender *fault_sender_new  (const FaultSenderOptions *options);
void         fault_sender_free (FaultSender *sender);

/* The even port the box listens on for the hub's audio (RTCP on +1). */
guint        fault_sender_get_receive_port (FaultSender *sender);

/* Starts the pipeline towards @hub_audio_port on 127.0.0.1. */
void         fault_sender_start (FaultSender *sender,
                                 guint        hub_audio_port);
/* Stops it (the box goes quiet); fault_sender_start() may follow. */
void         fault_sender_stop  (FaultSender *sender);

/* RTP packets the payloader made, and those netsim let through. */
guint64      fault_sender_get_packets_made   (FaultSender *sender);
guint64      fault_sender_get_packets_passed (FaultSender *sender);

/* The loss netsim made, in percent, as any receiver can see it: among the
 * sequence numbers from the first to the last it let through (a drop
 * before the first or after the last packet is invisible to a receiver).
 * 0 when nothing went through. */
double       fault_sender_get_injected_loss_pct (FaultSender *sender);

/* Reads, without blocking, what has arrived since the last call and adds
 * it to the totals returned: datagrams at the receive port, and at the
 * socket the box sends from. */
guint64      fault_sender_poll_received         (FaultSender *sender);
guint64      fault_sender_poll_received_at_send (FaultSender *sender);

/* Datagrams the kernel dropped (receive buffer full) at the UDP sockets
 * bound to @port and @port + 1 on this host, from /proc/net/udp: what
 * the network lost on the hub's side, which the hub counts as loss too. */
guint64      fault_udp_kernel_drops (guint port);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FaultSender, fault_sender_free)

G_END_DECLS
