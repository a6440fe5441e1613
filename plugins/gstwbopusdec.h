/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * GstWbOpusDec ("wbopusdec"): decodes one mono or stereo Opus stream
 * (channel mapping family 0, what rtpopusdepay gives) to the mixer's format,
 * S16LE mono at 48 kHz, through libopus' single-stream API.
 *
 * Why not opusdec: opusdec drives libopus' multistream API, and libopus
 * 1.3 (Debian 12) sizes its sub-decoders on every opus_multistream_decode()
 * call; with custom modes built in, as Debian builds it, that asks the CPU
 * its features (CPUID) four times per packet.  On a virtual machine CPUID
 * traps to the hypervisor: 66 us per 20 ms packet against 13 us through
 * opus_decode() on the development machine.  And with in-band FEC on,
 * opusdec holds every packet until the next one arrives, 20 ms of latency
 * for every packet to recover a lost one now and then.
 *
 * Here a packet is decoded as soon as it comes.  A lost packet arrives as
 * a GAP event (rtpjitterbuffer's do-lost, through the depayloader); with
 * "fec", only that gap waits for the next packet, whose in-band FEC data
 * rebuilds it (libopus conceals what the FEC does not cover); a second gap
 * before any packet conceals the first.  Without "fec" a gap is concealed
 * at once; without "plc" it is passed on as a GAP event.  A packet libopus
 * cannot decode is counted and concealed, never an error: a ward's hostile
 * or broken stream must not stop the conference.
 *
 * The element adds no latency: its LATENCY answer is upstream's.  When a
 * gap waits for FEC, the jitter buffer has already waited its latency for
 * the lost packet, and its successor comes right behind the GAP event.
 *
 * "stats" (read-only GstStructure): packets, decode-errors, fec-decoded
 * (gaps decoded from the next packet's FEC data; libopus conceals where
 * that packet carries none), concealed (gaps and broken packets).
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_WB_OPUS_DEC (gst_wb_opus_dec_get_type ())
G_DECLARE_FINAL_TYPE (GstWbOpusDec, gst_wb_opus_dec, GST, WB_OPUS_DEC,
    GstElement)

GST_ELEMENT_REGISTER_DECLARE (wbopusdec);

G_END_DECLS
