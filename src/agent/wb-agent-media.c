/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbAgentMedia: the box's send and receive pipeline.
 */
#define G_LOG_DOMAIN "wardbridge-endpoint"

#include "wb-agent-media.h"

#include "common/wb-fec-plan.h"

#include <gio/gio.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (wb_agent_media_debug);
#define GST_CAT_DEFAULT wb_agent_media_debug

/* Tries at finding a free even port with its odd neighbour free too. */
#define BIND_ATTEMPTS 64

void
wb_media_settings_init (WbMediaSettings *settings)
{
  memset (settings, 0, sizeof *settings);
  settings->tone_hz = 440;
  settings->camera = g_strdup ("/dev/video0");
  settings->microphone = g_strdup ("auto");
  settings->audio_sink = g_strdup ("autoaudiosink");
  settings->video_sink = g_strdup ("autovideosink");
  settings->width = WB_MEDIA_DEFAULT_WIDTH;
  settings->height = WB_MEDIA_DEFAULT_HEIGHT;
  settings->framerate = WB_MEDIA_DEFAULT_FRAMERATE;
  settings->video_kbps = WB_MEDIA_DEFAULT_VIDEO_KBPS;
  settings->audio_kbps = WB_MEDIA_DEFAULT_AUDIO_KBPS;
  settings->latency_ms = WB_MEDIA_DEFAULT_LATENCY_MS;
  settings->audio_expected_loss = WB_AUDIO_EXPECTED_LOSS_AUTO;
}

void
wb_media_settings_clear (WbMediaSettings *settings)
{
  g_clear_pointer (&settings->label, g_free);
  g_clear_pointer (&settings->camera, g_free);
  g_clear_pointer (&settings->microphone, g_free);
  g_clear_pointer (&settings->record_path, g_free);
  g_clear_pointer (&settings->bind_address, g_free);
  g_clear_pointer (&settings->audio_sink, g_free);
  g_clear_pointer (&settings->video_sink, g_free);
}

static void
settings_copy (WbMediaSettings       *dest,
               const WbMediaSettings *src)
{
  *dest = *src;
  dest->label = g_strdup (src->label);
  dest->camera = g_strdup (src->camera);
  dest->microphone = g_strdup (src->microphone);
  dest->record_path = g_strdup (src->record_path);
  dest->bind_address = g_strdup (src->bind_address);
  dest->audio_sink = g_strdup (src->audio_sink);
  dest->video_sink = g_strdup (src->video_sink);
}

guint
wb_agent_media_tone_for_ward (const char *ward_id)
{
  const char *digits = ward_id != NULL ? strpbrk (ward_id, "0123456789") : NULL;
  guint64 n = 0;

  if (digits == NULL || strspn (digits, "0123456789") != strlen (digits) ||
      !g_ascii_string_to_unsigned (digits, 10, 1, 999, &n, NULL))
    return 440;
  return 300 + 20 * (guint) n;
}

struct _WbAgentMedia {
  GObject parent_instance;

  WbMediaSettings settings;
  char *default_label;      /* used when settings.label is NULL */
  /* Bound once, kept across meetings: [0] audio RTP, [1] audio RTCP,
   * [2] video RTP, [3] video RTCP. */
  GSocket *sockets[4];
  GstElement *pipeline;     /* NULL between meetings */
  GBytes *srtp_key;         /* the meeting's SRTP key; NULL: plain RTP */
  GstElement *srtp_enc[2];  /* per RTP session (0 audio, 1 video), shared by RTP and RTCP */
  GstElement *srtp_dec[2];
  guint bus_watch;

  GMutex stats_lock;        /* guards stats: probes run on streaming threads */
  WbMediaStats stats;

  /* audio-expected-loss auto: main context */
  WbFecPlan fec_plan;
  guint64 fec_mark;         /* of the newest report taken in; G_MAXUINT64: none */
  guint fec_source;
};

enum {
  SIGNAL_ERROR,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (WbAgentMedia, wb_agent_media, G_TYPE_OBJECT)

/* ---- Sockets ---------------------------------------------------------- */

static GSocket *
bind_udp (GInetAddress  *address,
          guint          port,
          GError       **error)
{
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GSocketAddress) where = g_inet_socket_address_new (address, port);

  socket = g_socket_new (g_inet_address_get_family (address), G_SOCKET_TYPE_DATAGRAM,
                         G_SOCKET_PROTOCOL_UDP, error);
  if (socket == NULL || !g_socket_bind (socket, where, FALSE, error))
    return NULL;
  return g_steal_pointer (&socket);
}

static guint
local_port (GSocket *socket)
{
  g_autoptr (GSocketAddress) address = g_socket_get_local_address (socket, NULL);

  return address != NULL ? g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)) : 0;
}

/* An RTP socket on an even port and its RTCP socket on the next one. */
static gboolean
bind_pair (GInetAddress  *address,
           guint          port,
           GSocket      **rtp,
           GSocket      **rtcp,
           GError       **error)
{
  for (guint attempt = 0; attempt < BIND_ATTEMPTS; attempt++) {
    g_autoptr (GSocket) first = NULL;
    g_autoptr (GSocket) second = NULL;
    g_autoptr (GError) local_error = NULL;
    guint bound;

    first = bind_udp (address, port, &local_error);
    if (first == NULL) {
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                  "cannot listen on UDP port %u: ", port);
      return FALSE;
    }
    bound = local_port (first);
    if (bound % 2 != 0) {
      if (port != 0) {
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                     "RTP port %u is odd: RTP takes an even port, RTCP the next", port);
        return FALSE;
      }
      continue;
    }
    second = bind_udp (address, bound + 1, &local_error);
    if (second == NULL) {
      if (port != 0) {
        g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                    "cannot listen on UDP port %u for RTCP: ", bound + 1);
        return FALSE;
      }
      continue;
    }
    *rtp = g_steal_pointer (&first);
    *rtcp = g_steal_pointer (&second);
    return TRUE;
  }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
               "found no free pair of UDP ports after %u tries", BIND_ATTEMPTS);
  return FALSE;
}

gboolean
wb_agent_media_bind (WbAgentMedia  *self,
                     GError       **error)
{
  g_autoptr (GInetAddress) address = NULL;

  g_return_val_if_fail (WB_IS_AGENT_MEDIA (self), FALSE);

  if (self->sockets[0] != NULL)
    return TRUE;
  if (self->settings.bind_address != NULL) {
    address = g_inet_address_new_from_string (self->settings.bind_address);
    if (address == NULL) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "“%s” is not an IP address", self->settings.bind_address);
      return FALSE;
    }
  } else {
    address = g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);
  }

  if (!bind_pair (address, self->settings.audio_port, &self->sockets[0], &self->sockets[1], error))
    return FALSE;
  if (!bind_pair (address, self->settings.video_port, &self->sockets[2], &self->sockets[3], error)) {
    g_clear_object (&self->sockets[0]);
    g_clear_object (&self->sockets[1]);
    return FALSE;
  }
  return TRUE;
}

guint
wb_agent_media_get_audio_port (WbAgentMedia *self)
{
  g_return_val_if_fail (WB_IS_AGENT_MEDIA (self), 0);
  return self->sockets[0] != NULL ? local_port (self->sockets[0]) : 0;
}

guint
wb_agent_media_get_video_port (WbAgentMedia *self)
{
  g_return_val_if_fail (WB_IS_AGENT_MEDIA (self), 0);
  return self->sockets[2] != NULL ? local_port (self->sockets[2]) : 0;
}

void
wb_agent_media_set_default_label (WbAgentMedia *self,
                                  const char   *label)
{
  g_return_if_fail (WB_IS_AGENT_MEDIA (self));
  g_free (self->default_label);
  self->default_label = g_strdup (label);
}

/* ---- The pipeline's description ------------------------------------- */

static int
caps_payload (const GstCaps *caps)
{
  int pt = -1;

  gst_structure_get_int (gst_caps_get_structure (caps, 0), "payload", &pt);
  return pt;
}

static gboolean
describe_audio_send (WbAgentMedia  *self,
                     const GstCaps *caps,
                     GString       *out,
                     GError       **error)
{
  const WbMediaSettings *s = &self->settings;
  const char *encoding = wb_join_info_encoding (caps);
  int pt = caps_payload (caps);

  if (s->simulate)
    g_string_append_printf (out, "audiotestsrc is-live=true wave=sine freq=%u volume=0.5 "
                            "samplesperbuffer=960 ", s->tone_hz);
  else if (s->microphone == NULL || g_str_equal (s->microphone, "auto") ||
           g_str_equal (s->microphone, "default"))
    g_string_append (out, "autoaudiosrc ");
  else if (g_str_has_prefix (s->microphone, "pulse:"))
    g_string_append (out, "pulsesrc name=mic ");
  else if (g_str_has_prefix (s->microphone, "alsa:"))
    g_string_append (out, "alsasrc name=mic ");
  else {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
                 "microphone “%s”: write auto, pulse:NAME or alsa:DEVICE", s->microphone);
    return FALSE;
  }
  g_string_append (out, "! queue max-size-time=100000000 leaky=downstream ! audioconvert ! audioresample ");

  /* In-band FEC: the hub's decoder rebuilds a lost packet from the next
   * one.  Planned for the loss the hub reports ([capture]
   * audio-expected-loss-percent=auto, update_fec_plan()), as the hub's own
   * encoders follow the boxes' reports: none on a clean link, where libopus
   * then codes with CELT at a third of the CPU. */
  if (g_str_equal (encoding, "OPUS"))
    g_string_append_printf (out, "! audio/x-raw,channels=1,rate=48000 ! opusenc name=a_enc bitrate=%u "
                            "frame-size=20 audio-type=voice inband-fec=true packet-loss-percentage=%u "
                            "! rtpopuspay name=a_pay pt=%d ",
                            s->audio_kbps * 1000,
                            s->audio_expected_loss == WB_AUDIO_EXPECTED_LOSS_AUTO ? 0 : s->audio_expected_loss,
                            pt);
  else if (g_str_equal (encoding, "PCMA"))
    g_string_append_printf (out, "! audio/x-raw,channels=1,rate=8000 ! alawenc ! rtppcmapay name=a_pay pt=%d ", pt);
  else if (g_str_equal (encoding, "PCMU"))
    g_string_append_printf (out, "! audio/x-raw,channels=1,rate=8000 ! mulawenc ! rtppcmupay name=a_pay pt=%d ", pt);
  else {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION,
                 "the hub wants audio in %s, which this box cannot send", encoding);
    return FALSE;
  }
  return TRUE;
}

static gboolean
describe_video_send (WbAgentMedia  *self,
                     const GstCaps *caps,
                     GString       *out,
                     GError       **error)
{
  const WbMediaSettings *s = &self->settings;
  const char *encoding = wb_join_info_encoding (caps);
  int pt = caps_payload (caps);

  if (s->simulate)
    g_string_append_printf (out, "videotestsrc is-live=true pattern=ball "
                            "! video/x-raw,width=%u,height=%u,framerate=%u/1 "
                            "! textoverlay name=label valignment=top halignment=center "
                            "font-desc=\"Sans 20\" shaded-background=true ",
                            s->width, s->height, s->framerate);
  else
    g_string_append_printf (out, "v4l2src name=camera ! videorate ! videoscale ! videoconvert "
                            "! video/x-raw,width=%u,height=%u,framerate=%u/1 ",
                            s->width, s->height, s->framerate);
  g_string_append (out, "! queue max-size-buffers=2 leaky=downstream ! videoconvert ");

  if (g_str_equal (encoding, "H264"))
    /* One thread: 32 simulated boxes share the quick start's machine. */
    g_string_append_printf (out, "! x264enc tune=zerolatency speed-preset=ultrafast "
                            "key-int-max=30 bitrate=%u threads=%u "
                            "! video/x-h264,profile=constrained-baseline "
                            "! rtph264pay name=v_pay config-interval=-1 aggregate-mode=zero-latency pt=%d ",
                            s->video_kbps, s->simulate ? 1 : 2, pt);
  else if (g_str_equal (encoding, "VP8"))
    g_string_append_printf (out, "! vp8enc deadline=1 cpu-used=8 keyframe-max-dist=30 "
                            "target-bitrate=%u ! rtpvp8pay name=v_pay pt=%d ",
                            s->video_kbps * 1000, pt);
  else {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION,
                 "the hub wants video in %s, which this box cannot send", encoding);
    return FALSE;
  }
  return TRUE;
}

/* The depayloader of what the hub sends, then its way out. */
static gboolean
describe_receive (WbAgentMedia  *self,
                  const GstCaps *caps,
                  gboolean       audio,
                  GString       *out,
                  GError       **error)
{
  const WbMediaSettings *s = &self->settings;
  const char *encoding = wb_join_info_encoding (caps);
  const char *depay, *decode, *parse;
  const char *name = audio ? "a_depay" : "v_depay";

  if (audio && g_str_equal (encoding, "OPUS")) {
    depay = "rtpopusdepay"; decode = "opusdec"; parse = "opusparse";
  } else if (audio && g_str_equal (encoding, "PCMA")) {
    depay = "rtppcmadepay"; decode = "alawdec"; parse = "identity";
  } else if (audio && g_str_equal (encoding, "PCMU")) {
    depay = "rtppcmudepay"; decode = "mulawdec"; parse = "identity";
  } else if (!audio && g_str_equal (encoding, "H264")) {
    depay = "rtph264depay"; decode = "avdec_h264"; parse = "h264parse";
  } else if (!audio && g_str_equal (encoding, "VP8")) {
    depay = "rtpvp8depay"; decode = "vp8dec"; parse = "identity";
  } else {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION,
                 "the hub sends %s in %s, which this box cannot play",
                 audio ? "audio" : "video", encoding);
    return FALSE;
  }

  g_string_append_printf (out, "%s name=%s ", depay, name);
  if (s->headless && s->record_path != NULL) {
    g_string_append_printf (out, "! %s ! queue ! mux. ", parse);
  } else if (s->headless) {
    g_string_append (out, "! fakesink sync=false async=false ");
  } else {
    const char *sink = audio ? s->audio_sink : s->video_sink;
    g_autoptr (GstElementFactory) factory = NULL;

    /* A plain element name, so that nothing else enters the description. */
    if (sink == NULL || *sink == '\0' ||
        strspn (sink, "abcdefghijklmnopqrstuvwxyz0123456789") != strlen (sink) ||
        (factory = gst_element_factory_find (sink)) == NULL) {
      g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN,
                   "no %s sink element “%s”", audio ? "audio" : "video", sink != NULL ? sink : "");
      return FALSE;
    }
    g_string_append_printf (out, "! %s name=%s ! queue ! %s ! %s ", decode,
                            audio ? "a_dec" : "v_dec",
                            audio ? "audioconvert ! audioresample" : "videoconvert", sink);
  }
  return TRUE;
}

static char *
describe_pipeline (WbAgentMedia      *self,
                   const WbJoinInfo  *join,
                   GError           **error)
{
  g_autoptr (GString) out = g_string_new (NULL);

  if (!describe_audio_send (self, join->audio_caps, out, error) ||
      !describe_video_send (self, join->video_caps, out, error) ||
      !describe_receive (self, join->audio_caps, TRUE, out, error) ||
      !describe_receive (self, join->video_caps, FALSE, out, error))
    return NULL;
  /* The rtpbin is added and linked by wb_agent_media_start(), after its
   * SRTP signals are connected. */
  g_string_append (out,
                   "udpsink name=a_rtp_out sync=false async=false "
                   "udpsink name=a_rtcp_out sync=false async=false "
                   "udpsrc name=a_rtp_in udpsrc name=a_rtcp_in "
                   "udpsink name=v_rtp_out sync=false async=false "
                   "udpsink name=v_rtcp_out sync=false async=false "
                   "udpsrc name=v_rtp_in udpsrc name=v_rtcp_in ");
  if (self->settings.headless && self->settings.record_path != NULL)
    g_string_append (out, "matroskamux name=mux streamable=true ! filesink name=file ");
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* ---- SRTP ------------------------------------------------------------- */

static void
clear_srtp (WbAgentMedia *self)
{
  for (guint i = 0; i < 2; i++) {
    gst_clear_object (&self->srtp_enc[i]);
    gst_clear_object (&self->srtp_dec[i]);
  }
  g_clear_pointer (&self->srtp_key, g_bytes_unref);
}

#define SRTP_CIPHER "aes-128-icm"
#define SRTP_AUTH   "hmac-sha1-80"

static void
set_srtp_fields (GstStructure *s,
                 GBytes       *key)
{
  g_autoptr (GstBuffer) buffer = gst_buffer_new_wrapped_bytes (key);

  gst_structure_set (s,
                     "srtp-key", GST_TYPE_BUFFER, buffer,
                     "srtp-cipher", G_TYPE_STRING, SRTP_CIPHER,
                     "srtp-auth", G_TYPE_STRING, SRTP_AUTH,
                     "srtcp-cipher", G_TYPE_STRING, SRTP_CIPHER,
                     "srtcp-auth", G_TYPE_STRING, SRTP_AUTH,
                     NULL);
}

/* What the hub's packets look like before srtpdec: @rtp_caps renamed
 * application/x-srtp, with the key. */
static GstCaps *
srtp_caps (const GstCaps *rtp_caps,
           GBytes        *key)
{
  GstCaps *caps = rtp_caps != NULL ? gst_caps_copy (rtp_caps) : gst_caps_new_empty_simple ("application/x-srtcp");

  if (rtp_caps != NULL)
    gst_structure_set_name (gst_caps_get_structure (caps, 0), "application/x-srtp");
  set_srtp_fields (gst_caps_get_structure (caps, 0), key);
  return caps;
}

/* srtpdec asks for the key of a sender it has no caps for. */
static GstCaps *
on_request_key (GstElement *srtpdec,
                guint       ssrc,
                gpointer    user_data)
{
  WbAgentMedia *self = user_data;
  GstCaps *caps = gst_caps_new_empty_simple ("application/x-srtp");

  set_srtp_fields (gst_caps_get_structure (caps, 0), self->srtp_key);
  return caps;
}

/* rtpbin asks for the SRTP encoder (or decoder) of @session, once for RTP
 * and once for RTCP: both get the same element.  Returns a new reference. */
static GstElement *
srtp_element (WbAgentMedia *self,
              guint         session,
              gboolean      encoder)
{
  GstElement **slot;

  if (self->srtp_key == NULL || session >= 2)
    return NULL;
  slot = encoder ? &self->srtp_enc[session] : &self->srtp_dec[session];
  if (*slot == NULL) {
    GstElement *element = gst_element_factory_make (encoder ? "srtpenc" : "srtpdec", NULL);

    if (element == NULL) {
      GST_ERROR_OBJECT (self, "the srtp plugin is missing");
      return NULL;
    }
    if (encoder) {
      g_autoptr (GstBuffer) key = gst_buffer_new_wrapped_bytes (self->srtp_key);

      g_object_set (element, "key", key, NULL);
      gst_util_set_object_arg (G_OBJECT (element), "rtp-cipher", SRTP_CIPHER);
      gst_util_set_object_arg (G_OBJECT (element), "rtp-auth", SRTP_AUTH);
      gst_util_set_object_arg (G_OBJECT (element), "rtcp-cipher", SRTP_CIPHER);
      gst_util_set_object_arg (G_OBJECT (element), "rtcp-auth", SRTP_AUTH);
    } else {
      g_signal_connect (element, "request-key", G_CALLBACK (on_request_key), self);
    }
    *slot = gst_object_ref_sink (element);
  }
  return gst_object_ref (*slot);
}

/* rtpbin links the encoder's "rtp_src_N" (or "rtcp_src_N"), which srtpenc
 * makes when its "rtp_sink_N" (or "rtcp_sink_N") is requested. */
static GstElement *
request_encoder (WbAgentMedia *self,
                 guint         session,
                 const char   *kind)
{
  g_autoptr (GstElement) encoder = srtp_element (self, session, TRUE);
  g_autofree char *name = g_strdup_printf ("%s_sink_%u", kind, session);
  g_autoptr (GstPad) pad = NULL;

  if (encoder == NULL)
    return NULL;
  pad = gst_element_request_pad_simple (encoder, name);
  if (pad == NULL) {
    GST_ERROR_OBJECT (self, "srtpenc gave no %s pad", name);
    return NULL;
  }
  return g_steal_pointer (&encoder);
}

static GstElement *
on_request_rtp_encoder (GstElement *rtpbin,
                        guint       session,
                        gpointer    user_data)
{
  return request_encoder (user_data, session, "rtp");
}

static GstElement *
on_request_rtcp_encoder (GstElement *rtpbin,
                         guint       session,
                         gpointer    user_data)
{
  return request_encoder (user_data, session, "rtcp");
}

static GstElement *
on_request_decoder (GstElement *rtpbin,
                    guint       session,
                    gpointer    user_data)
{
  return srtp_element (user_data, session, FALSE);
}

/* Links one RTP session of @rtpbin: the payloader "<p>_pay" and the
 * sockets' elements "<p>_rtp_out", "<p>_rtcp_out", "<p>_rtp_in",
 * "<p>_rtcp_in". */
static gboolean
link_session (GstElement  *pipeline,
              GstElement  *rtpbin,
              guint        session,
              const char  *p,
              GError     **error)
{
  static const struct {
    const char *element;
    gboolean to_rtpbin;        /* element -> rtpbin, or rtpbin -> element */
    const char *rtpbin_pad;
  } links[] = {
    { "pay", TRUE, "send_rtp_sink_" },
    { "rtp_out", FALSE, "send_rtp_src_" },
    { "rtcp_out", FALSE, "send_rtcp_src_" },
    { "rtp_in", TRUE, "recv_rtp_sink_" },
    { "rtcp_in", TRUE, "recv_rtcp_sink_" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (links); i++) {
    g_autofree char *name = g_strdup_printf ("%s_%s", p, links[i].element);
    g_autofree char *pad = g_strdup_printf ("%s%u", links[i].rtpbin_pad, session);
    g_autoptr (GstElement) element = gst_bin_get_by_name (GST_BIN (pipeline), name);
    gboolean linked;

    g_return_val_if_fail (element != NULL, FALSE);
    if (links[i].to_rtpbin)
      linked = gst_element_link_pads (element, "src", rtpbin, pad);
    else
      linked = gst_element_link_pads (rtpbin, pad, element, "sink");
    if (!linked) {
      g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION,
                   "cannot link %s and the RTP session's %s", name, pad);
      return FALSE;
    }
  }
  return TRUE;
}

/* ---- Running it ------------------------------------------------------- */

static GstPadProbeReturn
count_packets (GstPad          *pad,
               GstPadProbeInfo *info,
               gpointer         user_data)
{
  WbAgentMedia *self = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  gboolean audio = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (pad), "wb-audio"));

  g_mutex_lock (&self->stats_lock);
  if (audio)
    self->stats.audio_packets++;
  else
    self->stats.video_packets++;
  self->stats.bytes += gst_buffer_get_size (buffer);
  g_mutex_unlock (&self->stats_lock);
  return GST_PAD_PROBE_OK;
}

/* Counts a buffer in the counter the pad carries (stats_lock). */
static GstPadProbeReturn
count_buffers (GstPad          *pad,
               GstPadProbeInfo *info,
               gpointer         user_data)
{
  WbAgentMedia *self = user_data;
  guint64 *counter = g_object_get_data (G_OBJECT (pad), "wb-counter");

  g_mutex_lock (&self->stats_lock);
  (*counter)++;
  g_mutex_unlock (&self->stats_lock);
  return GST_PAD_PROBE_OK;
}

/* @counter: a member of self->stats; NULL for the packet counters. */
static void
add_probe (WbAgentMedia        *self,
           const char          *element_name,
           gboolean             audio,
           guint64             *counter,
           GstPadProbeCallback  callback)
{
  g_autoptr (GstElement) element = gst_bin_get_by_name (GST_BIN (self->pipeline), element_name);
  g_autoptr (GstPad) pad = NULL;

  if (element == NULL)
    return;   /* headless: no decoder */
  pad = gst_element_get_static_pad (element, "src");
  g_object_set_data (G_OBJECT (pad), "wb-audio", GINT_TO_POINTER (audio));
  g_object_set_data (G_OBJECT (pad), "wb-counter", counter);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, callback, self, NULL);
}

/* rtpbin made a pad for a new sender of the hub: feed it to the
 * depayloader of its session.  Runs on a streaming thread. */
static void
on_rtp_pad_added (GstElement *rtpbin,
                  GstPad     *pad,
                  gpointer    user_data)
{
  g_autofree char *name = gst_pad_get_name (pad);
  g_autoptr (GstElement) depay = NULL;
  g_autoptr (GstPad) sink = NULL;
  GstObject *pipeline;
  const char *depay_name;

  if (g_str_has_prefix (name, "recv_rtp_src_0_"))
    depay_name = "a_depay";
  else if (g_str_has_prefix (name, "recv_rtp_src_1_"))
    depay_name = "v_depay";
  else
    return;

  pipeline = gst_object_get_parent (GST_OBJECT (rtpbin));
  if (pipeline == NULL)
    return;
  depay = gst_bin_get_by_name (GST_BIN (pipeline), depay_name);
  gst_object_unref (pipeline);
  sink = gst_element_get_static_pad (depay, "sink");
  /* A later sender (the hub restarted its encoder) replaces the old one. */
  if (gst_pad_is_linked (sink)) {
    g_autoptr (GstPad) peer = gst_pad_get_peer (sink);

    gst_pad_unlink (peer, sink);
  }
  if (gst_pad_link (pad, sink) != GST_PAD_LINK_OK)
    GST_WARNING_OBJECT (rtpbin, "could not link %s to %s", name, depay_name);
}

static gboolean
on_bus_message (GstBus     *bus,
                GstMessage *message,
                gpointer    user_data)
{
  WbAgentMedia *self = user_data;

  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR) {
    g_autoptr (GError) error = NULL;
    g_autofree char *debug = NULL;

    gst_message_parse_error (message, &error, &debug);
    GST_WARNING_OBJECT (self, "%s (%s)", error->message, debug);
    g_signal_emit (self, signals[SIGNAL_ERROR], 0, error);
  } else if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_WARNING) {
    g_autoptr (GError) error = NULL;

    gst_message_parse_warning (message, &error, NULL);
    g_warning ("media: %s", error->message);
  }
  return G_SOURCE_CONTINUE;
}

static void
set_named (GstElement *pipeline,
           const char *name,
           const char *first_property,
           ...) G_GNUC_NULL_TERMINATED;

static void
set_named (GstElement *pipeline,
           const char *name,
           const char *first_property,
           ...)
{
  g_autoptr (GstElement) element = gst_bin_get_by_name (GST_BIN (pipeline), name);
  va_list args;

  if (element == NULL)
    return;
  va_start (args, first_property);
  g_object_set_valist (G_OBJECT (element), first_property, args);
  va_end (args);
}

/*
 * [capture] audio-expected-loss-percent=auto: the hub's RTCP on the audio
 * session carries a report block about this box's audio (only the box
 * sends to the hub in that session), which rtpbin keeps as the hub's
 * source's "rb-fractionlost", decrypted already with SRTP.  Each
 * FEC_PLAN_INTERVAL_MS the newest of those goes into the plan, and the
 * encoder follows it.
 */
#define FEC_PLAN_INTERVAL_MS 500

/* The worst fraction lost (256ths) the hub's sources report about this
 * box's audio, or -1 before any report; @mark tells one report from the
 * next (the highest sequence number and the delay since the box's last
 * sender report it carries). */
static gint
reported_audio_loss (WbAgentMedia *self,
                     guint64      *mark)
{
  g_autoptr (GstElement) rtpbin = gst_bin_get_by_name (GST_BIN (self->pipeline), "rtp");
  g_autoptr (GObject) session = NULL;
  GValueArray *sources = NULL;
  gint worst = -1;

  if (rtpbin == NULL)
    return -1;
  g_signal_emit_by_name (rtpbin, "get-internal-session", 0, &session);
  if (session == NULL)
    return -1;
  g_object_get (session, "sources", &sources, NULL);
  for (guint i = 0; sources != NULL && i < sources->n_values; i++) {
    GObject *source = g_value_get_object (&sources->values[i]);
    g_autoptr (GstStructure) stats = NULL;
    gboolean internal = TRUE, have_rb = FALSE;
    guint fraction = 0, highest = 0, dlsr = 0;

    g_object_get (source, "stats", &stats, NULL);
    if (stats != NULL &&
        gst_structure_get (stats, "internal", G_TYPE_BOOLEAN, &internal,
                           "have-rb", G_TYPE_BOOLEAN, &have_rb,
                           "rb-fractionlost", G_TYPE_UINT, &fraction,
                           "rb-exthighestseq", G_TYPE_UINT, &highest,
                           "rb-dlsr", G_TYPE_UINT, &dlsr, NULL) &&
        !internal && have_rb) {
      worst = MAX (worst, (gint) fraction);
      *mark += ((guint64) highest << 32) | dlsr;
    }
  }
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  g_clear_pointer (&sources, g_value_array_free);
  G_GNUC_END_IGNORE_DEPRECATIONS
  return worst;
}

static gboolean
update_fec_plan (gpointer user_data)
{
  WbAgentMedia *self = user_data;
  g_autoptr (GstElement) encoder = gst_bin_get_by_name (GST_BIN (self->pipeline), "a_enc");
  guint64 mark = 0;
  gint fraction = reported_audio_loss (self, &mark);
  gboolean fresh = fraction >= 0 && mark != self->fec_mark;
  guint plan = wb_fec_plan_update (&self->fec_plan, g_get_monotonic_time (),
                                   fresh ? fraction : -1, WB_AUDIO_EXPECTED_LOSS_MAX);
  gboolean changed;

  if (fresh)
    self->fec_mark = MIN (mark, G_MAXUINT64 - 1);
  GST_LOG ("the hub's newest report: %d/256 of the audio lost; FEC planned for %u %%",
           fraction, plan);
  g_mutex_lock (&self->stats_lock);
  changed = plan != self->stats.audio_fec_pct;
  self->stats.audio_fec_pct = plan;
  if (fresh) {
    self->stats.remote_loss_pct = fraction * 100.0 / 256.0;
    self->stats.remote_loss_reports++;
  }
  g_mutex_unlock (&self->stats_lock);

  if (changed && encoder != NULL) {
    g_message ("audio: the hub reports %.1f %% lost; in-band FEC now planned for %u %%",
               fraction >= 0 ? fraction * 100.0 / 256.0 : 0.0, plan);
    g_object_set (encoder, "packet-loss-percentage", (gint) plan, NULL);
  }
  return G_SOURCE_CONTINUE;
}

gboolean
wb_agent_media_start (WbAgentMedia      *self,
                      const WbJoinInfo  *join,
                      GError           **error)
{
  g_autofree char *description = NULL;
  g_autoptr (GstElement) pipeline = NULL;
  g_autoptr (GstElement) rtpbin = NULL;
  g_autoptr (GstBus) bus = NULL;
  const WbMediaSettings *s = &self->settings;
  const char *device;

  g_return_val_if_fail (WB_IS_AGENT_MEDIA (self), FALSE);
  g_return_val_if_fail (join != NULL, FALSE);

  wb_agent_media_stop (self);
  if (!wb_agent_media_bind (self, error))
    return FALSE;
  description = describe_pipeline (self, join, error);
  if (description == NULL)
    return FALSE;
  GST_DEBUG_OBJECT (self, "pipeline: %s", description);
  pipeline = gst_parse_launch_full (description, NULL, GST_PARSE_FLAG_FATAL_ERRORS, error);
  if (pipeline == NULL) {
    g_prefix_error (error, "cannot build the media pipeline: ");
    return FALSE;
  }
  gst_object_ref_sink (pipeline);

  if (join->srtp_key != NULL) {
    g_autoptr (GstCaps) audio = srtp_caps (join->audio_caps, join->srtp_key);
    g_autoptr (GstCaps) video = srtp_caps (join->video_caps, join->srtp_key);
    g_autoptr (GstCaps) rtcp = srtp_caps (NULL, join->srtp_key);

    self->srtp_key = g_bytes_ref (join->srtp_key);
    set_named (pipeline, "a_rtp_in", "caps", audio, NULL);
    set_named (pipeline, "v_rtp_in", "caps", video, NULL);
    set_named (pipeline, "a_rtcp_in", "caps", rtcp, NULL);
    set_named (pipeline, "v_rtcp_in", "caps", rtcp, NULL);
  } else {
    g_autoptr (GstCaps) rtcp = gst_caps_new_empty_simple ("application/x-rtcp");

    set_named (pipeline, "a_rtp_in", "caps", join->audio_caps, NULL);
    set_named (pipeline, "v_rtp_in", "caps", join->video_caps, NULL);
    set_named (pipeline, "a_rtcp_in", "caps", rtcp, NULL);
    set_named (pipeline, "v_rtcp_in", "caps", rtcp, NULL);
  }
  set_named (pipeline, "a_rtp_in", "socket", self->sockets[0], "close-socket", FALSE, NULL);
  set_named (pipeline, "a_rtcp_in", "socket", self->sockets[1], "close-socket", FALSE, NULL);
  set_named (pipeline, "v_rtp_in", "socket", self->sockets[2], "close-socket", FALSE, NULL);
  set_named (pipeline, "v_rtcp_in", "socket", self->sockets[3], "close-socket", FALSE, NULL);
  set_named (pipeline, "a_rtp_out", "socket", self->sockets[0], "close-socket", FALSE,
             "host", join->hub_host, "port", (gint) join->hub_audio_port, NULL);
  set_named (pipeline, "a_rtcp_out", "socket", self->sockets[1], "close-socket", FALSE,
             "host", join->hub_host, "port", (gint) join->hub_audio_port + 1, NULL);
  set_named (pipeline, "v_rtp_out", "socket", self->sockets[2], "close-socket", FALSE,
             "host", join->hub_host, "port", (gint) join->hub_video_port, NULL);
  set_named (pipeline, "v_rtcp_out", "socket", self->sockets[3], "close-socket", FALSE,
             "host", join->hub_host, "port", (gint) join->hub_video_port + 1, NULL);
  /* Text from the hub and the config goes in as properties, never
   * through the description. */
  set_named (pipeline, "label", "text",
             s->label != NULL ? s->label : self->default_label != NULL ? self->default_label : "",
             NULL);
  set_named (pipeline, "camera", "device", s->camera, NULL);
  if (s->microphone != NULL && (device = strchr (s->microphone, ':')) != NULL)
    set_named (pipeline, "mic", "device", device + 1, NULL);
  set_named (pipeline, "file", "location", s->record_path, NULL);

  /* The rtpbin last: SRTP elements are asked for as its pads are made. */
  rtpbin = gst_element_factory_make ("rtpbin", "rtp");
  if (rtpbin == NULL) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN, "rtpbin is missing");
    wb_agent_media_stop (self);
    return FALSE;
  }
  g_object_set (rtpbin, "latency", s->latency_ms, NULL);
  g_signal_connect (rtpbin, "pad-added", G_CALLBACK (on_rtp_pad_added), NULL);
  if (self->srtp_key != NULL) {
    g_signal_connect (rtpbin, "request-rtp-encoder", G_CALLBACK (on_request_rtp_encoder), self);
    g_signal_connect (rtpbin, "request-rtcp-encoder", G_CALLBACK (on_request_rtcp_encoder), self);
    g_signal_connect (rtpbin, "request-rtp-decoder", G_CALLBACK (on_request_decoder), self);
    g_signal_connect (rtpbin, "request-rtcp-decoder", G_CALLBACK (on_request_decoder), self);
  }
  gst_bin_add (GST_BIN (pipeline), gst_object_ref (rtpbin));
  if (!link_session (pipeline, rtpbin, 0, "a", error) ||
      !link_session (pipeline, rtpbin, 1, "v", error)) {
    gst_clear_object (&pipeline);
    clear_srtp (self);
    return FALSE;
  }

  g_mutex_lock (&self->stats_lock);
  memset (&self->stats, 0, sizeof self->stats);
  g_mutex_unlock (&self->stats_lock);
  self->pipeline = g_steal_pointer (&pipeline);
  add_probe (self, "a_rtp_in", TRUE, NULL, count_packets);
  add_probe (self, "v_rtp_in", FALSE, NULL, count_packets);
  add_probe (self, "a_depay", TRUE, &self->stats.audio_frames, count_buffers);
  add_probe (self, "v_depay", FALSE, &self->stats.video_frames, count_buffers);
  add_probe (self, "a_dec", TRUE, &self->stats.audio_decoded, count_buffers);
  add_probe (self, "v_dec", FALSE, &self->stats.video_decoded, count_buffers);

  bus = gst_pipeline_get_bus (GST_PIPELINE (self->pipeline));
  self->bus_watch = gst_bus_add_watch (bus, on_bus_message, self);
  memset (&self->fec_plan, 0, sizeof self->fec_plan);
  self->fec_mark = G_MAXUINT64;  /* no report can have it */
  /* Only Opus has in-band FEC to plan. */
  {
    g_autoptr (GstElement) encoder = gst_bin_get_by_name (GST_BIN (self->pipeline), "a_enc");

    if (encoder != NULL && s->audio_expected_loss == WB_AUDIO_EXPECTED_LOSS_AUTO)
      self->fec_source = g_timeout_add (FEC_PLAN_INTERVAL_MS, update_fec_plan, self);
  }

  if (gst_element_set_state (self->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_STATE_CHANGE,
                 "the media pipeline did not start (camera or microphone missing?)");
    wb_agent_media_stop (self);
    return FALSE;
  }
  return TRUE;
}

void
wb_agent_media_stop (WbAgentMedia *self)
{
  g_return_if_fail (WB_IS_AGENT_MEDIA (self));

  if (self->pipeline == NULL)
    return;
  g_clear_handle_id (&self->bus_watch, g_source_remove);
  g_clear_handle_id (&self->fec_source, g_source_remove);
  if (self->settings.headless && self->settings.record_path != NULL) {
    g_autoptr (GstBus) bus = gst_pipeline_get_bus (GST_PIPELINE (self->pipeline));
    g_autoptr (GstMessage) done = NULL;

    /* Let the muxer finish the file: EOS, then wait a little for it. */
    gst_element_send_event (self->pipeline, gst_event_new_eos ());
    done = gst_bus_timed_pop_filtered (bus, 2 * GST_SECOND,
                                       GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  }
  gst_element_set_state (self->pipeline, GST_STATE_NULL);
  gst_clear_object (&self->pipeline);
  clear_srtp (self);
}

gboolean
wb_agent_media_is_running (WbAgentMedia *self)
{
  g_return_val_if_fail (WB_IS_AGENT_MEDIA (self), FALSE);
  return self->pipeline != NULL;
}

void
wb_agent_media_get_stats (WbAgentMedia *self,
                          WbMediaStats *stats)
{
  g_return_if_fail (WB_IS_AGENT_MEDIA (self));

  g_mutex_lock (&self->stats_lock);
  *stats = self->stats;
  g_mutex_unlock (&self->stats_lock);
}

/* ---- Life ------------------------------------------------------------- */

static void
wb_agent_media_dispose (GObject *object)
{
  WbAgentMedia *self = WB_AGENT_MEDIA (object);

  wb_agent_media_stop (self);
  for (guint i = 0; i < G_N_ELEMENTS (self->sockets); i++)
    g_clear_object (&self->sockets[i]);
  G_OBJECT_CLASS (wb_agent_media_parent_class)->dispose (object);
}

static void
wb_agent_media_finalize (GObject *object)
{
  WbAgentMedia *self = WB_AGENT_MEDIA (object);

  wb_media_settings_clear (&self->settings);
  g_free (self->default_label);
  g_mutex_clear (&self->stats_lock);
  G_OBJECT_CLASS (wb_agent_media_parent_class)->finalize (object);
}

static void
wb_agent_media_class_init (WbAgentMediaClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wb_agent_media_dispose;
  object_class->finalize = wb_agent_media_finalize;

  signals[SIGNAL_ERROR] =
    g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);

  GST_DEBUG_CATEGORY_INIT (wb_agent_media_debug, "wbagentmedia", 0, "wardbridge box media");
}

static void
wb_agent_media_init (WbAgentMedia *self)
{
  g_mutex_init (&self->stats_lock);
}

WbAgentMedia *
wb_agent_media_new (const WbMediaSettings *settings)
{
  WbAgentMedia *self = g_object_new (WB_TYPE_AGENT_MEDIA, NULL);

  settings_copy (&self->settings, settings);
  return self;
}
