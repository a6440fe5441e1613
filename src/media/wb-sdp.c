/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbSdp: the SDP text of a join answer, built with GstSDPMessage (see
 * wb-sdp.h).
 */
#include "media/wb-sdp.h"

#include <gio/gio.h>
#include <gst/sdp/sdp.h>

#include "media/wb-participant.h"

static const char *
address_type (const char *address)
{
  g_autoptr (GInetAddress) inet = g_inet_address_new_from_string (address);

  if (inet != NULL && g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6)
    return "IP6";
  return "IP4";
}

static void
add_rtcp_attribute (GstSDPMedia *media,
                    guint        rtp_port)
{
  g_autofree char *rtcp = g_strdup_printf ("%u", rtp_port + 1);

  gst_sdp_media_add_attribute (media, "rtcp", rtcp);
}

/* SDES (RFC 4568): the key the receiver needs to decrypt. */
static void
add_crypto (GstSDPMedia       *media,
            const WbSdpParams *params)
{
  g_autofree char *crypto = NULL;

  if (params->srtp_key == NULL)
    return;
  crypto = g_strdup_printf ("1 " WB_SRTP_SUITE " inline:%s", params->srtp_key);
  gst_sdp_media_add_attribute (media, "crypto", crypto);
}

char *
wb_sdp_for_join (const WbSdpParams *params)
{
  g_autoptr (GstSDPMessage) msg = NULL;
  GstSDPMedia *audio = NULL, *video = NULL;
  const char *origin = params->origin_address ? params->origin_address : "0.0.0.0";
  g_autofree char *version = g_strdup_printf ("%" G_GINT64_FORMAT, g_get_real_time () / G_USEC_PER_SEC);
  guint32 hash;
  g_autofree char *sess_id = NULL;

  g_return_val_if_fail (params != NULL && params->ward_address != NULL, NULL);

  /* o= wants a numeric session id: a stable one per conference. */
  hash = g_str_hash (params->session_id ? params->session_id : "wardbridge");
  sess_id = g_strdup_printf ("%u", hash);

  gst_sdp_message_new (&msg);
  gst_sdp_message_set_version (msg, "0");
  gst_sdp_message_set_origin (msg, "wardbridge", sess_id, version, "IN",
                              address_type (origin), origin);
  gst_sdp_message_set_session_name (msg, params->title ? params->title : "wardbridge");
  gst_sdp_message_set_connection (msg, "IN", address_type (params->ward_address),
                                  params->ward_address, 0, 0);
  gst_sdp_message_add_time (msg, "0", "0", NULL);
  gst_sdp_message_add_attribute (msg, "tool", "wardbridge");

  /* Audio: the ward's mix-minus. */
  gst_sdp_media_new (&audio);
  gst_sdp_media_set_media (audio, "audio");
  gst_sdp_media_set_port_info (audio, params->audio_port, 1);
  gst_sdp_media_set_proto (audio, params->srtp_key ? "RTP/SAVP" : "RTP/AVP");
  switch (params->audio_codec) {
    case WB_AUDIO_CODEC_PCMA:
      gst_sdp_media_add_format (audio, "8");
      gst_sdp_media_add_attribute (audio, "rtpmap", "8 PCMA/8000");
      break;
    case WB_AUDIO_CODEC_PCMU:
      gst_sdp_media_add_format (audio, "0");
      gst_sdp_media_add_attribute (audio, "rtpmap", "0 PCMU/8000");
      break;
    case WB_AUDIO_CODEC_OPUS:
    default:
      /* RFC 7587: always opus/48000/2 in rtpmap; mono said in fmtp. */
      gst_sdp_media_add_format (audio, G_STRINGIFY (WB_PT_OPUS));
      gst_sdp_media_add_attribute (audio, "rtpmap", G_STRINGIFY (WB_PT_OPUS) " opus/48000/2");
      gst_sdp_media_add_attribute (audio, "fmtp",
                                   G_STRINGIFY (WB_PT_OPUS) " stereo=0;sprop-stereo=0");
      break;
  }
  if (params->audio_codec == WB_AUDIO_CODEC_OPUS && params->audio_bitrate_kbps > 0)
    gst_sdp_media_add_bandwidth (audio, "AS", params->audio_bitrate_kbps);
  add_rtcp_attribute (audio, params->audio_port);
  add_crypto (audio, params);
  gst_sdp_message_add_media (msg, audio);
  gst_sdp_media_free (audio);

  /* Video: the composite, H.264 constrained baseline, packetization mode 1;
   * SPS/PPS travel in band before every keyframe. */
  gst_sdp_media_new (&video);
  gst_sdp_media_set_media (video, "video");
  gst_sdp_media_set_port_info (video, params->video_port, 1);
  gst_sdp_media_set_proto (video, params->srtp_key ? "RTP/SAVP" : "RTP/AVP");
  gst_sdp_media_add_format (video, G_STRINGIFY (WB_PT_H264));
  gst_sdp_media_add_attribute (video, "rtpmap", G_STRINGIFY (WB_PT_H264) " H264/90000");
  gst_sdp_media_add_attribute (video, "fmtp",
                               G_STRINGIFY (WB_PT_H264) " packetization-mode=1;profile-level-id=42e01f");
  add_rtcp_attribute (video, params->video_port);
  add_crypto (video, params);
  gst_sdp_message_add_media (msg, video);
  gst_sdp_media_free (video);

  return gst_sdp_message_as_text (msg);
}
