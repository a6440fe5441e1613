/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbSdp: the SDP of the join answer.  It describes what the hub sends to a
 * ward (its mix-minus and the composite) so that a stock player at the ward
 * (ffplay, ffmpeg, gst-launch-1.0 with sdpdemux) can receive it as is.
 * Pure function; the caller owns the string.
 */
#pragma once

#include <glib.h>

#include "common/wb-config.h"

G_BEGIN_DECLS

typedef struct {
  const char   *session_id;     /* the conference id, names the session */
  const char   *title;          /* s= line; NULL: "wardbridge" */
  const char   *origin_address; /* the hub's address for o=; NULL: 0.0.0.0 */
  const char   *ward_address;   /* where the streams go: c= */
  guint         audio_port;     /* the ward's audio RTP port; RTCP on +1 */
  WbAudioCodec  audio_codec;
  guint         audio_bitrate_kbps;
  guint         video_port;     /* the ward's video RTP port; RTCP on +1 */
  const char   *srtp_key;       /* base64 master key the hub encrypts with; NULL: RTP/AVP */
} WbSdpParams;

char *wb_sdp_for_join (const WbSdpParams *params);

G_END_DECLS
