/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * GstWbRtpJitter ("wbrtpjitter"): the jitter stage of a ward's audio, in
 * the thread that receives it.  With [media] audio-jitter=inline, rtpbin
 * uses it in place of rtpjitterbuffer for the audio session
 * ("request-jitterbuffer").
 *
 * Why: rtpjitterbuffer queues every packet and pushes it from a thread of
 * its own, so each 20 ms audio packet wakes one more thread on its way to
 * the mixer (the socket's, the jitter buffer's, the mixer's).  At 32 wards
 * that is 1600 wake-ups a second, and a context switch is dear on a
 * virtual machine: the jitter buffers' threads took 10-12 % of a core at
 * 32 wards of audio alone (bench-hub, perf), most of it in the kernel.
 * The mixer already waits for late input up to its latency, which counts
 * this element's: it needs timestamps, not a second queue.
 *
 * What it does, packet by packet, in the caller's thread:
 *  - times each packet from its RTP timestamp: the running time of the
 *    stream's first packet's arrival plus the RTP time since, so that the
 *    network's jitter does not reach the timestamps;
 *  - follows the sender's clock: over each second it takes the earliest
 *    arrival relative to these times; when every packet came more than
 *    SKEW_STEP (5 ms) early it moves the times earlier by as much; when
 *    every packet came late it moves them later by 1 ms a second, which
 *    follows any real clock and not a receiving thread starved for a
 *    while; the first packet timed anew says DISCONT, without which a
 *    GstAudioAggregator keeps the input continuous through steps under
 *    40 ms, as if the times had not moved;
 *  - passes packets in sequence order; a packet older than one already
 *    passed (reordered or duplicated) is dropped and counted ("late"),
 *    never waited for; one more than 100 behind is dropped too, but if
 *    the next packet follows it in sequence the sender restarted and the
 *    stream starts over there (RFC 3550 A.1);
 *  - with "do-lost", tells of missing packets with one GAP event before
 *    the packet after them, which carries their in-band FEC: wbopusdec
 *    rebuilds the last of them from it at once;
 *  - starts over (a "resync") when the sequence or the RTP time jumps, as
 *    when a box restarts its stream under the same SSRC.
 *
 * It answers LATENCY queries with upstream's plus "latency" (ms), which
 * rtpbin sets from its own, as for rtpjitterbuffer: the time a packet may
 * come late for the mixer.  Reordered packets are concealed instead of
 * waited for: networks that reorder audio packets 20 ms apart are rare;
 * [media] audio-jitter=rtpjitterbuffer waits for them.
 *
 * "stats" (read-only GstStructure): pushed, lost, late, resyncs, invalid.
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_WB_RTP_JITTER (gst_wb_rtp_jitter_get_type ())
G_DECLARE_FINAL_TYPE (GstWbRtpJitter, gst_wb_rtp_jitter, GST, WB_RTP_JITTER,
    GstElement)

GST_ELEMENT_REGISTER_DECLARE (wbrtpjitter);

G_END_DECLS
