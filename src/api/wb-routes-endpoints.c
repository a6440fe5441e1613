/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Routes of the wards: list, one ward, join and leave.  The join answer
 * (DESIGN.md §4) combines the conference control's ports and keys with the
 * ward's configured codecs and an SDP of what the hub sends, built with
 * GstSDPMessage.
 */
#include "wb-api-private.h"

#include <gst/sdp/sdp.h>

static void
list_endpoints (WbRequest *request)
{
  g_autoptr (GPtrArray) endpoints = wb_endpoint_registry_list (wb_api_get_registry (request->api));
  JsonArray *array = json_array_sized_new (endpoints->len);

  for (guint i = 0; i < endpoints->len; i++)
    json_array_add_element (array, wb_endpoint_to_json (endpoints->pdata[i]));
  wb_request_respond_json (request, 200, json_node_init_array (json_node_alloc (), array));
  json_array_unref (array);
}

static const WbEndpoint *
lookup_or_404 (WbRequest *request)
{
  const char *id = wb_request_param (request, "id");
  const WbEndpoint *ep = wb_endpoint_registry_lookup (wb_api_get_registry (request->api), id);

  if (ep == NULL) {
    g_autofree char *detail = g_strdup_printf ("no endpoint '%s'", id);
    wb_request_respond_problem (request, 404, "not-found", detail, NULL, NULL);
  }
  return ep;
}

static void
get_endpoint (WbRequest *request)
{
  const WbEndpoint *ep = lookup_or_404 (request);

  if (ep != NULL)
    wb_request_respond_json (request, 200, wb_endpoint_to_json (ep));
}

static WbConferenceControl *
control_or_503 (WbRequest *request)
{
  WbConferenceControl *control = wb_api_get_conferences (request->api);

  if (control == NULL)
    wb_request_respond_problem (request, 503, "unavailable", "the media plane is not running", NULL, NULL);
  return control;
}

typedef struct {
  const char *name;      /* "opus", as in the config */
  const char *encoding;  /* "opus", as in SDP */
  guint payload_type;
  guint clock_rate;
  guint channels;        /* 0: not said (video) */
  const char *fmtp;
} CodecInfo;

static const CodecInfo audio_codecs[] = {
  [WB_AUDIO_CODEC_OPUS] = { "opus", "opus", 111, 48000, 2, "minptime=10;useinbandfec=1" },
  [WB_AUDIO_CODEC_PCMA] = { "pcma", "PCMA", 8, 8000, 1, NULL },
  [WB_AUDIO_CODEC_PCMU] = { "pcmu", "PCMU", 0, 8000, 1, NULL },
};

static const CodecInfo video_codecs[] = {
  [WB_VIDEO_CODEC_H264] = { "h264", "H264", 96, 90000, 0, "packetization-mode=1;profile-level-id=42e01f" },
  [WB_VIDEO_CODEC_VP8] = { "vp8", "VP8", 97, 90000, 0, NULL },
};

#define SRTP_SUITE "AES_CM_128_HMAC_SHA1_80"

static JsonNode *
codec_to_json (const CodecInfo *codec)
{
  JsonObject *obj = json_object_new ();
  JsonNode *node;

  json_object_set_string_member (obj, "codec", codec->name);
  json_object_set_int_member (obj, "payload_type", codec->payload_type);
  json_object_set_int_member (obj, "clock_rate", codec->clock_rate);
  if (codec->channels > 0)
    json_object_set_int_member (obj, "channels", codec->channels);
  node = json_node_init_object (json_node_alloc (), obj);
  json_object_unref (obj);
  return node;
}

static void
add_media (GstSDPMessage *sdp, const char *kind, guint port, const CodecInfo *codec, const char *srtp_key)
{
  GstSDPMedia *media = NULL;
  g_autofree char *pt = g_strdup_printf ("%u", codec->payload_type);
  g_autofree char *rtpmap = NULL;

  if (codec->channels > 1)
    rtpmap = g_strdup_printf ("%u %s/%u/%u", codec->payload_type, codec->encoding, codec->clock_rate,
                              codec->channels);
  else
    rtpmap = g_strdup_printf ("%u %s/%u", codec->payload_type, codec->encoding, codec->clock_rate);

  gst_sdp_media_new (&media);
  gst_sdp_media_set_media (media, kind);
  gst_sdp_media_set_port_info (media, port, 1);
  gst_sdp_media_set_proto (media, srtp_key != NULL ? "RTP/SAVP" : "RTP/AVP");
  gst_sdp_media_add_format (media, pt);
  gst_sdp_media_add_attribute (media, "rtpmap", rtpmap);
  if (codec->fmtp != NULL) {
    g_autofree char *fmtp = g_strdup_printf ("%u %s", codec->payload_type, codec->fmtp);
    gst_sdp_media_add_attribute (media, "fmtp", fmtp);
  }
  if (srtp_key != NULL) {
    g_autofree char *crypto = g_strdup_printf ("1 " SRTP_SUITE " inline:%s", srtp_key);
    gst_sdp_media_add_attribute (media, "crypto", crypto);
  }
  gst_sdp_media_add_attribute (media, "recvonly", NULL);
  gst_sdp_message_add_media (sdp, media);
  gst_sdp_media_free (media);
}

/* What the hub sends, seen from the ward: media arrive at the ward's own
 * address (c=) on the ports it gave. */
static char *
build_sdp (const char *hub_host, const char *ward_host, const char *conference,
           guint audio_port, const CodecInfo *audio,
           guint video_port, const CodecInfo *video, const char *srtp_key)
{
  GstSDPMessage *sdp = NULL;
  g_autofree char *session = g_strdup_printf ("wardbridge %s", conference);
  g_autofree char *session_id = g_strdup_printf ("%" G_GUINT64_FORMAT, (guint64) g_get_real_time ());
  const char *hub_family = strchr (hub_host, ':') != NULL ? "IP6" : "IP4";
  const char *ward_family = strchr (ward_host, ':') != NULL ? "IP6" : "IP4";
  char *text;

  gst_sdp_message_new (&sdp);
  gst_sdp_message_set_version (sdp, "0");
  gst_sdp_message_set_origin (sdp, "-", session_id, "1", "IN", hub_family, hub_host);
  gst_sdp_message_set_session_name (sdp, session);
  gst_sdp_message_set_connection (sdp, "IN", ward_family, ward_host, 0, 0);
  gst_sdp_message_add_time (sdp, "0", "0", NULL);
  add_media (sdp, "audio", audio_port, audio, srtp_key);
  add_media (sdp, "video", video_port, video, srtp_key);
  text = gst_sdp_message_as_text (sdp);
  gst_sdp_message_free (sdp);
  return text;
}

static char *
local_host (WbRequest *request)
{
  WbConfig *config = wb_api_get_config (request->api);
  GSocketAddress *local = soup_server_message_get_local_address (request->msg);

  if (config->public_address != NULL && *config->public_address != '\0')
    return g_strdup (config->public_address);
  if (local != NULL && G_IS_INET_SOCKET_ADDRESS (local))
    return g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local)));
  return g_strdup ("0.0.0.0");
}

/* "address": the box's address, for an admin joining a ward on its behalf;
 * a box joining for itself is taken at the address it calls from. */
static const WbFieldSpec join_fields[] = {
  { "audio_port", WB_FIELD_INTEGER, TRUE, 1, 65534 },
  { "video_port", WB_FIELD_INTEGER, TRUE, 1, 65534 },
  { "address", WB_FIELD_STRING, FALSE, 0, 0 },
};

static gboolean
is_ip_address (const char *text)
{
  g_autoptr (GInetAddress) address = g_inet_address_new_from_string (text);
  return address != NULL;
}

static void
join (WbRequest *request)
{
  const WbEndpoint *ep = lookup_or_404 (request);
  WbConferenceControl *control;
  JsonObject *body = wb_request_body_object (request);
  WbFieldErrors fe;
  g_autoptr (WbJoinAnswer) answer = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *hub_host = NULL;
  g_autofree char *sdp = NULL;
  guint audio_port, video_port;
  const char *box_host;
  const CodecInfo *audio, *video;
  JsonObject *obj, *hub;
  JsonNode *node;

  if (ep == NULL)
    return;
  request->audit_target = g_strdup_printf ("endpoint/%s", ep->id);

  wb_field_errors_init (&fe);
  if (wb_validate_fields (body, join_fields, G_N_ELEMENTS (join_fields), &fe)) {
    if (json_object_get_int_member (body, "audio_port") % 2 != 0)
      wb_field_errors_add (&fe, "audio_port", "must be even; RTCP uses the next port");
    if (json_object_get_int_member (body, "video_port") % 2 != 0)
      wb_field_errors_add (&fe, "video_port", "must be even; RTCP uses the next port");
    if (json_object_get_int_member (body, "audio_port") == json_object_get_int_member (body, "video_port"))
      wb_field_errors_add (&fe, "video_port", "must differ from audio_port");
    if (json_object_has_member (body, "address")) {
      if (request->identity->role != WB_ROLE_ADMIN)
        wb_field_errors_add (&fe, "address", "only an admin joining for a ward names its address");
      else if (!is_ip_address (json_object_get_string_member (body, "address")))
        wb_field_errors_add (&fe, "address", "must be an IPv4 or IPv6 address");
    }
  }
  if (!wb_field_errors_empty (&fe)) {
    wb_request_respond_problem (request, 422, "invalid-fields", "the join request has invalid fields",
                                wb_field_errors_steal (&fe), NULL);
    wb_field_errors_clear (&fe);
    return;
  }
  wb_field_errors_clear (&fe);

  control = control_or_503 (request);
  if (control == NULL)
    return;

  audio_port = (guint) json_object_get_int_member (body, "audio_port");
  video_port = (guint) json_object_get_int_member (body, "video_port");
  /* The box's address: where it called from, or what an admin named. */
  box_host = request->identity->role == WB_ROLE_ENDPOINT
               ? request->remote_host
               : json_object_get_string_member_with_default (body, "address", NULL);
  answer = wb_conference_control_join (control, ep->id, box_host, audio_port, video_port, &error);
  if (answer == NULL) {
    wb_request_respond_error (request, error);
    return;
  }

  audio = &audio_codecs[ep->audio_codec];
  video = &video_codecs[ep->video_codec];
  hub_host = local_host (request);
  sdp = build_sdp (hub_host, box_host != NULL ? box_host : "0.0.0.0", answer->conference_id,
                   audio_port, audio, video_port, video, answer->srtp_key);

  obj = json_object_new ();
  json_object_set_string_member (obj, "conference", answer->conference_id);
  hub = json_object_new ();
  json_object_set_string_member (hub, "host", hub_host);
  json_object_set_int_member (hub, "audio_port", answer->hub_audio_port);
  json_object_set_int_member (hub, "video_port", answer->hub_video_port);
  json_object_set_object_member (obj, "hub", hub);
  json_object_set_member (obj, "audio", codec_to_json (audio));
  json_object_set_member (obj, "video", codec_to_json (video));
  if (answer->srtp_key != NULL) {
    JsonObject *srtp = json_object_new ();
    json_object_set_string_member (srtp, "suite", SRTP_SUITE);
    json_object_set_string_member (srtp, "key", answer->srtp_key);
    json_object_set_object_member (obj, "srtp", srtp);
  } else {
    json_object_set_null_member (obj, "srtp");
  }
  json_object_set_string_member (obj, "sdp", sdp);

  wb_endpoint_registry_mark_seen (wb_api_get_registry (request->api), ep->id, g_get_real_time (), NULL);
  node = json_node_init_object (json_node_alloc (), obj);
  json_object_unref (obj);
  wb_request_respond_json (request, 200, node);
}

static void
leave (WbRequest *request)
{
  const WbEndpoint *ep = lookup_or_404 (request);
  WbConferenceControl *control;
  g_autoptr (GError) error = NULL;

  if (ep == NULL)
    return;
  request->audit_target = g_strdup_printf ("endpoint/%s", ep->id);
  control = control_or_503 (request);
  if (control == NULL)
    return;
  if (!wb_conference_control_leave (control, ep->id, &error)) {
    wb_request_respond_error (request, error);
    return;
  }
  wb_endpoint_registry_mark_seen (wb_api_get_registry (request->api), ep->id, g_get_real_time (), NULL);
  wb_request_respond_empty (request, 204);
}

const WbRoute wb_routes_endpoints[] = {
  { "GET", "/api/v1/endpoints", WB_ROLE_ADMIN | WB_ROLE_SCHEDULER, 0, list_endpoints, NULL },
  { "GET", "/api/v1/endpoints/{id}", WB_ROLE_ANY, WB_ROUTE_FLAG_SELF, get_endpoint, NULL },
  { "POST", "/api/v1/endpoints/{id}/join", WB_ROLE_ADMIN | WB_ROLE_ENDPOINT,
    WB_ROUTE_FLAG_SELF | WB_ROUTE_FLAG_JSON_BODY | WB_ROUTE_FLAG_AUDIT, join, "endpoint.join" },
  { "POST", "/api/v1/endpoints/{id}/leave", WB_ROLE_ADMIN | WB_ROLE_ENDPOINT,
    WB_ROUTE_FLAG_SELF | WB_ROUTE_FLAG_OPTIONAL_BODY | WB_ROUTE_FLAG_AUDIT, leave, "endpoint.leave" },
};
const gsize wb_routes_endpoints_len = G_N_ELEMENTS (wb_routes_endpoints);
