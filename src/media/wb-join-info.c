/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbJoinInfo: the join answer and the SRTP keys in it (see wb-join-info.h).
 */
#include "media/wb-join-info.h"

#include <errno.h>
#include <string.h>
#include <gio/gio.h>
#include <sys/random.h>

#include "media/wb-participant.h"
#include "media/wb-sdp.h"

GBytes *
wb_srtp_key_new (GError **error)
{
  guint8 key[WB_SRTP_MASTER_KEY_LEN];
  gsize got = 0;
  GBytes *bytes;

  while (got < sizeof (key)) {
    gssize n = getrandom (key + got, sizeof (key) - got, 0);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "no random bytes for an SRTP key: %s", g_strerror (saved));
      return NULL;
    }
    got += (gsize) n;
  }
  bytes = g_bytes_new (key, sizeof (key));
  explicit_bzero (key, sizeof (key));
  return bytes;
}

WbJoinInfo *
wb_join_info_new (const WbConfig         *config,
                  const char             *conference_id,
                  const char             *title,
                  const WbEndpointConfig *endpoint,
                  const char             *remote_address,
                  guint                   audio_port,
                  guint                   video_port,
                  guint                   hub_audio_port,
                  guint                   hub_video_port,
                  GBytes                 *srtp_key)
{
  WbJoinInfo *info = g_new0 (WbJoinInfo, 1);
  g_autofree char *key_b64 = NULL;
  WbSdpParams sdp = {
    .session_id = conference_id,
    .title = title,
    .origin_address = config->public_address,
    .ward_address = remote_address,
    .audio_port = audio_port,
    .audio_codec = endpoint->audio_codec,
    .audio_bitrate_kbps = config->audio_bitrate_kbps,
    .video_port = video_port,
  };

  if (srtp_key != NULL)
    key_b64 = g_base64_encode (g_bytes_get_data (srtp_key, NULL), g_bytes_get_size (srtp_key));
  sdp.srtp_key = key_b64;

  info->conference_id = g_strdup (conference_id);
  info->endpoint_id = g_strdup (endpoint->id);
  info->hub_host = g_strdup (config->public_address);
  info->hub_audio_port = hub_audio_port;
  info->hub_video_port = hub_video_port;
  info->audio_codec = endpoint->audio_codec;
  switch (endpoint->audio_codec) {
    case WB_AUDIO_CODEC_PCMA:
      info->audio_payload_type = WB_PT_PCMA;
      info->audio_clock_rate = 8000;
      break;
    case WB_AUDIO_CODEC_PCMU:
      info->audio_payload_type = WB_PT_PCMU;
      info->audio_clock_rate = 8000;
      break;
    case WB_AUDIO_CODEC_OPUS:
    default:
      info->audio_payload_type = WB_PT_OPUS;
      info->audio_clock_rate = 48000;
      break;
  }
  /* The composite is encoded once, in H.264, for everyone. */
  info->video_codec = WB_VIDEO_CODEC_H264;
  info->video_payload_type = WB_PT_H264;
  if (key_b64 != NULL) {
    info->srtp_suite = g_strdup (WB_SRTP_SUITE);
    info->srtp_key = g_strdup (key_b64);
  }
  info->sdp = wb_sdp_for_join (&sdp);

  return info;
}

void
wb_join_info_free (WbJoinInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->conference_id);
  g_free (info->endpoint_id);
  g_free (info->hub_host);
  g_free (info->srtp_suite);
  g_free (info->srtp_key);
  g_free (info->sdp);
  g_free (info);
}
