/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbJoinInfo: reading the hub's join answer.
 */
#include "wb-join-info.h"

#include <gst/sdp/sdp.h>
#include "common/wb-json.h"

void
wb_join_info_free (WbJoinInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->conference);
  g_free (info->hub_host);
  g_clear_pointer (&info->audio_caps, gst_caps_unref);
  g_clear_pointer (&info->video_caps, gst_caps_unref);
  g_clear_pointer (&info->srtp_key, g_bytes_unref);
  g_free (info);
}




/* Caps of the first format of the first @media ("audio") section. */
static GstCaps *
caps_from_sdp (const char *text, const char *media_type)
{
  g_autoptr (GstSDPMessage) sdp = NULL;

  if (text == NULL || gst_sdp_message_new_from_text (text, &sdp) != GST_SDP_OK)
    return NULL;
  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++) {
    const GstSDPMedia *media = gst_sdp_message_get_media (sdp, i);
    const char *format;
    guint64 pt;
    GstCaps *caps;
    GstStructure *s;

    if (g_strcmp0 (gst_sdp_media_get_media (media), media_type) != 0 ||
        gst_sdp_media_formats_len (media) == 0)
      continue;
    format = gst_sdp_media_get_format (media, 0);
    if (!g_ascii_string_to_unsigned (format, 10, 0, 127, &pt, NULL))
      continue;
    caps = gst_sdp_media_get_caps_from_media (media, (gint) pt);
    if (caps == NULL)
      continue;
    caps = gst_caps_make_writable (caps);
    s = gst_caps_get_structure (caps, 0);
    gst_structure_set_name (s, "application/x-rtp");
    return caps;
  }
  return NULL;
}

static GstCaps *
caps_from_block (JsonObject *block, gboolean audio)
{
  const char *codec = wb_json_get_string (block, "codec");
  const char *encoding;
  gint64 pt, rate;

  if (audio) {
    if (codec == NULL || g_ascii_strcasecmp (codec, "opus") == 0) {
      encoding = "OPUS";
      pt = 111;
      rate = 48000;
    } else if (g_ascii_strcasecmp (codec, "pcma") == 0) {
      encoding = "PCMA";
      pt = 8;
      rate = 8000;
    } else if (g_ascii_strcasecmp (codec, "pcmu") == 0) {
      encoding = "PCMU";
      pt = 0;
      rate = 8000;
    } else {
      return NULL;
    }
  } else {
    if (codec == NULL || g_ascii_strcasecmp (codec, "h264") == 0) {
      encoding = "H264";
      pt = 96;
    } else if (g_ascii_strcasecmp (codec, "vp8") == 0) {
      encoding = "VP8";
      pt = 97;
    } else {
      return NULL;
    }
    rate = 90000;
  }
  pt = wb_json_get_int (block, "payload_type", pt);
  rate = wb_json_get_int (block, "clock_rate", rate);
  if (pt < 0 || pt > 127 || rate <= 0 || rate > G_MAXINT)
    return NULL;

  return gst_caps_new_simple ("application/x-rtp",
                              "media", G_TYPE_STRING, audio ? "audio" : "video",
                              "encoding-name", G_TYPE_STRING, encoding,
                              "payload", G_TYPE_INT, (gint) pt,
                              "clock-rate", G_TYPE_INT, (gint) rate,
                              NULL);
}

static gboolean
is_unspecified (const char *host)
{
  g_autoptr (GInetAddress) address = g_inet_address_new_from_string (host);

  return address != NULL && g_inet_address_get_is_any (address);
}

#define SRTP_SUITE   "AES_CM_128_HMAC_SHA1_80"
#define SRTP_KEY_LEN 30   /* 16 bytes of key, 14 of salt */

static gboolean
parse_srtp (WbJoinInfo  *info,
            JsonNode    *node,
            GError     **error)
{
  JsonObject *srtp;
  const char *suite;
  const char *key;
  g_autofree guchar *raw = NULL;
  gsize length = 0;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  srtp = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  suite = wb_json_get_string (srtp, "suite");
  key = wb_json_get_string (srtp, "key");
  if (suite != NULL && g_ascii_strcasecmp (suite, SRTP_SUITE) != 0) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                 "the hub asks for SRTP suite %s; this box speaks " SRTP_SUITE, suite);
    return FALSE;
  }
  if (key != NULL)
    raw = g_base64_decode (key, &length);
  if (raw == NULL || length != SRTP_KEY_LEN) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                 "the join answer's SRTP key is not %u bytes of base64", SRTP_KEY_LEN);
    return FALSE;
  }
  info->srtp_key = g_bytes_new_take (g_steal_pointer (&raw), length);
  return TRUE;
}

WbJoinInfo *
wb_join_info_parse (JsonNode    *answer,
                    const char  *fallback_host,
                    GError     **error)
{
  g_autoptr (WbJoinInfo) info = g_new0 (WbJoinInfo, 1);
  JsonObject *root;
  JsonObject *hub;
  const char *sdp;
  const char *host;
  gint64 audio_port, video_port;

  if (answer == NULL || !JSON_NODE_HOLDS_OBJECT (answer)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "the join answer is not an object");
    return NULL;
  }
  root = json_node_get_object (answer);
  hub = wb_json_get_object (root, "hub");
  audio_port = wb_json_get_int (hub, "audio_port", 0);
  video_port = wb_json_get_int (hub, "video_port", 0);
  if (wb_json_get_string (root, "conference") == NULL || hub == NULL ||
      audio_port <= 0 || audio_port > 65534 || video_port <= 0 || video_port > 65534) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                 "the join answer lacks the conference or the hub's ports");
    return NULL;
  }

  info->conference = g_strdup (wb_json_get_string (root, "conference"));
  host = wb_json_get_string (hub, "host");
  info->hub_host = g_strdup (host != NULL && *host != '\0' && !is_unspecified (host) ? host : fallback_host);
  info->hub_audio_port = (guint) audio_port;
  info->hub_video_port = (guint) video_port;

  sdp = wb_json_get_string (root, "sdp");
  info->audio_caps = caps_from_sdp (sdp, "audio");
  if (info->audio_caps == NULL)
    info->audio_caps = caps_from_block (wb_json_get_object (root, "audio"), TRUE);
  info->video_caps = caps_from_sdp (sdp, "video");
  if (info->video_caps == NULL)
    info->video_caps = caps_from_block (wb_json_get_object (root, "video"), FALSE);
  if (!parse_srtp (info, json_object_get_member (root, "srtp"), error))
    return NULL;
  if (info->audio_caps == NULL || info->video_caps == NULL ||
      wb_join_info_encoding (info->audio_caps) == NULL ||
      wb_join_info_encoding (info->video_caps) == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                 "the join answer names codecs this box cannot use");
    return NULL;
  }
  return g_steal_pointer (&info);
}

const char *
wb_join_info_encoding (const GstCaps *caps)
{
  if (caps == NULL || gst_caps_get_size (caps) == 0)
    return NULL;
  return gst_structure_get_string (gst_caps_get_structure (caps, 0), "encoding-name");
}
