/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbJoinInfo: the answer to a ward's join (POST /api/v1/endpoints/{id}/join):
 * the hub ports it sends to, the codecs and payload types both ways, its
 * SRTP key when it uses SRTP, and an SDP of what the hub sends it.  Made
 * by WbConference on each join; owned by whoever asked for it.
 */
#pragma once

#include <glib.h>

#include "common/wb-config.h"

G_BEGIN_DECLS

/* What a joining ward needs to know: the answer to POST .../join. */
typedef struct {
  char        *conference_id;
  char        *endpoint_id;
  char        *hub_host;            /* [hub] public-address; NULL: the address the API was reached on */
  guint        hub_audio_port;      /* RTP; RTCP on the next port */
  guint        hub_video_port;
  WbAudioCodec audio_codec;         /* both directions */
  guint        audio_payload_type;
  guint        audio_clock_rate;
  WbVideoCodec video_codec;         /* what the hub sends: H.264 */
  guint        video_payload_type;
  /* SRTP, for endpoints with srtp=true; NULL for plain RTP.  One master
   * key (30 bytes of key and salt, base64) made for this join only, used by
   * both sides in both directions (RFC 4568 SDES; the two SSRCs differ). */
  char        *srtp_suite;          /* WB_SRTP_SUITE */
  char        *srtp_key;
  char        *sdp;                 /* what the hub sends to the ward, for any RTP player */
} WbJoinInfo;

/* Everything the answer is made from.  @srtp_key: the raw master key, or
 * NULL for plain RTP. */
WbJoinInfo *wb_join_info_new  (const WbConfig         *config,
                               const char             *conference_id,
                               const char             *title,
                               const WbEndpointConfig *endpoint,
                               const char             *remote_address,
                               guint                   audio_port,
                               guint                   video_port,
                               guint                   hub_audio_port,
                               guint                   hub_video_port,
                               GBytes                 *srtp_key);
void        wb_join_info_free (WbJoinInfo *info);

/* A fresh SRTP master key (WB_SRTP_MASTER_KEY_LEN bytes) from the kernel's
 * random source. */
GBytes     *wb_srtp_key_new   (GError **error);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WbJoinInfo, wb_join_info_free)

G_END_DECLS
