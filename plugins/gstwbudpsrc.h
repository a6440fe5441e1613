/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * GstWbUdpSrc ("wbudpsrc"): a live source for one bound UDP socket, read by
 * one receiving thread that all wbudpsrc elements of the process share.
 *
 * Why: udpsrc reads its socket from a thread of its own and wakes for
 * every datagram.  The hub has four sockets per ward, and at 32 wards its
 * audio alone arrives as 1600 datagrams a second, each waking one of 32
 * udpsrc threads (about 2400 context switches a second, bench-hub at
 * 32 wards of audio), and a context switch is dear on a virtual machine.
 * Here one thread waits for all the sockets with epoll, reads every
 * datagram that is waiting (recvmmsg), pushes each into its element's
 * pipeline, and then sleeps out the rest of "batch-interval" before it
 * waits again: one wake-up serves every datagram that came in that time.
 *
 * What a datagram becomes, as from udpsrc: one buffer, its PTS and DTS
 * the running time at which the kernel received it (SO_TIMESTAMPNS, not
 * when this thread got round to it: the jitter buffers measure arrival
 * jitter from it), with a GstNetAddressMeta of the sender.  The source
 * pushes its sticky events (stream-start, "caps", a TIME segment) when it
 * starts, and datagrams only while PLAYING; it answers LATENCY queries as
 * a live source with no latency of its own: a datagram may wait up to
 * "batch-interval" in the socket, and the jitter buffers downstream take
 * that as jitter.
 *
 * A push that blocks downstream blocks every socket of the process: put
 * no element that can block (an aggregator's input, a full queue) in the
 * thread of a wbudpsrc.  rtpbin's sessions and jitter buffers queue.
 *
 * One socket's flood cannot starve the others: each socket gives at most
 * MAX_PER_PASS datagrams per pass, and a pass that met a flood is followed
 * at once by the next.  What the thread cannot read in time overflows the
 * socket's buffer and is counted by the kernel, as with udpsrc.
 *
 * Properties: "socket" (a bound GSocket, not closed by the element),
 * "caps", "batch-interval" (ns, default 5 ms; 0: wake for every datagram).
 * Linux only (epoll, recvmmsg).
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_WB_UDP_SRC (gst_wb_udp_src_get_type ())
G_DECLARE_FINAL_TYPE (GstWbUdpSrc, gst_wb_udp_src, GST, WB_UDP_SRC, GstElement)

GST_ELEMENT_REGISTER_DECLARE (wbudpsrc);

G_END_DECLS
