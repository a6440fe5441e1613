/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbJoinInfo: the hub's answer to POST /api/v1/endpoints/{id}/join
 * (DESIGN.md §4) as the agent's media needs it: where to send, and the RTP
 * caps of what the hub sends and expects.  The caps come from the answer's
 * SDP when it has one, else from its "audio"/"video" blocks, else are the
 * contract's defaults (Opus/111, H.264/96).  Plain struct, owned by the
 * agent for the length of one meeting.  "srtp": {"suite", "key"} gives the
 * SRTP key of the meeting (DESIGN.md §2).
 */
#pragma once

#include <gst/gst.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct {
  char *conference;
  char *hub_host;          /* where to send RTP */
  guint hub_audio_port;    /* RTCP on +1 */
  guint hub_video_port;
  GstCaps *audio_caps;     /* application/x-rtp, media=audio, ... */
  GstCaps *video_caps;     /* application/x-rtp, media=video, ... */
  GBytes *srtp_key;        /* SRTP master key and salt (30 bytes) for both
                            * directions, AES_CM_128_HMAC_SHA1_80; NULL: plain RTP */
} WbJoinInfo;

void wb_join_info_free (WbJoinInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WbJoinInfo, wb_join_info_free)

/* @fallback_host: the hub's host from its URL, used when the answer names
 * none or names an unspecified address (0.0.0.0, ::).  Fails with a
 * G_IO_ERROR_INVALID_DATA error naming what is wrong. */
WbJoinInfo *wb_join_info_parse (JsonNode    *answer,
                                const char  *fallback_host,
                                GError     **error);

/* The RTP encoding name in @caps ("OPUS", "H264", ...), or NULL. */
const char *wb_join_info_encoding (const GstCaps *caps);

G_END_DECLS
