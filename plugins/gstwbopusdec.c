/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wbopusdec: see gstwbopusdec.h.
 *
 * Threading: everything but the settings and the counters belongs to the
 * streaming thread (chain and serialized events) or to state changes while
 * it is stopped.  Settings and counters are guarded by the object lock.
 */
#include "gstwbopusdec.h"

#include <gst/audio/audio.h>
#include <opus.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_wb_opus_dec_debug);
#define GST_CAT_DEFAULT gst_wb_opus_dec_debug

#define RATE 48000
/* The longest Opus packet, and the most one decode call may conceal. */
#define MAX_SAMPLES 5760
/* Opus' smallest frame: what a concealed stretch is rounded to. */
#define STEP_SAMPLES 120
#define DEFAULT_PACKET_SAMPLES 960

#define OUT_CAPS "audio/x-raw, format=(string) " GST_AUDIO_NE (S16) ", " \
  "layout=(string) interleaved, rate=(int) 48000, channels=(int) 1"

enum
{
  PROP_0,
  PROP_PLC,
  PROP_FEC,
  PROP_STATS,
};

struct _GstWbOpusDec
{
  GstElement parent;

  GstPad *sinkpad;
  GstPad *srcpad;

  /* streaming */
  OpusDecoder *decoder;
  GstSegment segment;
  gboolean discont;
  GstClockTime next_pts;        /* end of what was pushed last */
  gint last_samples;            /* duration of the last packet */
  gboolean gap_pending;         /* a lost packet waits for the next one */
  GstClockTime gap_pts;
  gint gap_samples;

  /* object lock */
  gboolean plc;
  gboolean fec;
  guint64 packets;
  guint64 decode_errors;
  guint64 fec_decoded;
  guint64 concealed;
};

G_DEFINE_TYPE_WITH_CODE (GstWbOpusDec, gst_wb_opus_dec, GST_TYPE_ELEMENT,
    GST_DEBUG_CATEGORY_INIT (gst_wb_opus_dec_debug, "wbopusdec", 0,
        "Opus decoder for the mixer"));

GST_ELEMENT_REGISTER_DEFINE (wbopusdec, "wbopusdec", GST_RANK_NONE,
    GST_TYPE_WB_OPUS_DEC);

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS ("audio/x-opus"));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (OUT_CAPS));

static void
reset_stream (GstWbOpusDec * self)
{
  if (self->decoder != NULL)
    opus_decoder_ctl (self->decoder, OPUS_RESET_STATE);
  gst_segment_init (&self->segment, GST_FORMAT_TIME);
  self->discont = TRUE;
  self->next_pts = GST_CLOCK_TIME_NONE;
  self->last_samples = DEFAULT_PACKET_SAMPLES;
  self->gap_pending = FALSE;
}

static void
count (GstWbOpusDec * self, guint64 * counter)
{
  GST_OBJECT_LOCK (self);
  (*counter)++;
  GST_OBJECT_UNLOCK (self);
}

/* A setting ("plc", "fec"), read under the object lock. */
static gboolean
setting (GstWbOpusDec * self, const gboolean * field)
{
  gboolean value;

  GST_OBJECT_LOCK (self);
  value = *field;
  GST_OBJECT_UNLOCK (self);
  return value;
}

static GstClockTime
samples_to_time (gint samples)
{
  return gst_util_uint64_scale_int (samples, GST_SECOND, RATE);
}

/*
 * Decodes @data (a packet; NULL: conceal) into @samples samples when
 * concealing or rebuilding from FEC, or the packet's own duration, and
 * pushes them at @pts (NONE: right after the last output).  Returns FALSE
 * in *decoded when libopus refused the packet; nothing is pushed then.
 */
static GstFlowReturn
decode_and_push (GstWbOpusDec * self, const guint8 * data, gsize size,
    gint samples, gboolean fec, GstClockTime pts, gboolean * decoded)
{
  GstBuffer *out;
  GstMapInfo map;
  gint n;

  *decoded = FALSE;
  if (data != NULL && !fec) {
    samples = opus_packet_get_nb_samples (data, (opus_int32) size, RATE);
    if (samples <= 0 || samples > MAX_SAMPLES)
      return GST_FLOW_OK;
  }

  out = gst_buffer_new_allocate (NULL, (gsize) samples * sizeof (gint16),
      NULL);
  gst_buffer_map (out, &map, GST_MAP_WRITE);
  n = opus_decode (self->decoder, data, (opus_int32) size,
      (opus_int16 *) map.data, samples, fec ? 1 : 0);
  gst_buffer_unmap (out, &map);
  if (n <= 0) {
    GST_LOG_OBJECT (self, "libopus: %s", opus_strerror (n));
    gst_buffer_unref (out);
    return GST_FLOW_OK;
  }
  *decoded = TRUE;
  gst_buffer_set_size (out, (gsize) n * sizeof (gint16));

  if (!GST_CLOCK_TIME_IS_VALID (pts))
    pts = self->next_pts;
  GST_BUFFER_PTS (out) = pts;
  GST_BUFFER_DURATION (out) = samples_to_time (n);
  if (GST_CLOCK_TIME_IS_VALID (pts))
    self->next_pts = pts + GST_BUFFER_DURATION (out);
  if (self->discont) {
    GST_BUFFER_FLAG_SET (out, GST_BUFFER_FLAG_DISCONT);
    self->discont = FALSE;
  }
  if (data != NULL && !fec)
    self->last_samples = n;

  return gst_pad_push (self->srcpad, out);
}

/* Conceals @samples samples at @pts; what is longer than one decode call
 * may conceal goes on as a GAP event (the mixer hears silence there). */
static GstFlowReturn
conceal (GstWbOpusDec * self, GstClockTime pts, gint samples)
{
  gboolean decoded;

  if (samples > MAX_SAMPLES) {
    gint head = samples - MAX_SAMPLES;
    GstClockTime head_time = samples_to_time (head);

    if (GST_CLOCK_TIME_IS_VALID (pts)) {
      gst_pad_push_event (self->srcpad, gst_event_new_gap (pts, head_time));
      pts += head_time;
    }
    samples = MAX_SAMPLES;
  }
  count (self, &self->concealed);
  return decode_and_push (self, NULL, 0, samples, FALSE, pts, &decoded);
}

/* The gap waiting for FEC, rebuilt from @data (the next packet) or, with
 * @data NULL, concealed. */
static GstFlowReturn
finish_gap (GstWbOpusDec * self, const guint8 * data, gsize size)
{
  GstFlowReturn ret;
  GstClockTime pts = self->gap_pts;
  gint samples = self->gap_samples;
  gboolean decoded = FALSE;

  if (!self->gap_pending)
    return GST_FLOW_OK;
  self->gap_pending = FALSE;
  if (data == NULL)
    return conceal (self, pts, samples);

  /* libopus conceals what comes before the part the FEC data covers. */
  if (samples > MAX_SAMPLES) {
    gint head = samples - MAX_SAMPLES;

    ret = conceal (self, pts, head);
    if (ret != GST_FLOW_OK)
      return ret;
    if (GST_CLOCK_TIME_IS_VALID (pts))
      pts += samples_to_time (head);
    samples = MAX_SAMPLES;
  }
  ret = decode_and_push (self, data, size, samples, TRUE, pts, &decoded);
  if (decoded)
    count (self, &self->fec_decoded);
  else if (ret == GST_FLOW_OK)
    ret = conceal (self, pts, samples);
  return ret;
}

static gint
gap_samples (GstWbOpusDec * self, GstClockTime duration)
{
  gint samples;

  if (!GST_CLOCK_TIME_IS_VALID (duration) || duration == 0)
    return self->last_samples;
  samples = (gint) MIN (gst_util_uint64_scale_round (duration, RATE,
          GST_SECOND), (guint64) G_MAXINT / 2);
  samples = (samples + STEP_SAMPLES / 2) / STEP_SAMPLES * STEP_SAMPLES;
  return MAX (samples, STEP_SAMPLES);
}

/* A lost stretch of @duration at @pts. */
static GstFlowReturn
handle_gap (GstWbOpusDec * self, GstClockTime pts, GstClockTime duration)
{
  GstFlowReturn ret;

  /* An earlier gap has no successor to rebuild it from. */
  ret = finish_gap (self, NULL, 0);
  if (ret != GST_FLOW_OK)
    return ret;
  if (!setting (self, &self->fec) || self->decoder == NULL)
    return self->decoder != NULL ?
        conceal (self, pts, gap_samples (self, duration)) : GST_FLOW_OK;

  self->gap_pending = TRUE;
  self->gap_pts = pts;
  self->gap_samples = gap_samples (self, duration);
  return GST_FLOW_OK;
}

static GstFlowReturn
gst_wb_opus_dec_chain (GstPad * pad, GstObject * parent, GstBuffer * buffer)
{
  GstWbOpusDec *self = GST_WB_OPUS_DEC (parent);
  GstFlowReturn ret;
  GstMapInfo map;
  gboolean decoded = FALSE;

  if (self->decoder == NULL) {
    gst_buffer_unref (buffer);
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
        ("data before caps"));
    return GST_FLOW_NOT_NEGOTIATED;
  }
  if (gst_buffer_get_size (buffer) == 0) {
    ret = setting (self, &self->plc) ? handle_gap (self, GST_BUFFER_PTS (buffer),
        GST_BUFFER_DURATION (buffer)) : GST_FLOW_OK;
    gst_buffer_unref (buffer);
    return ret;
  }
  if (GST_BUFFER_IS_DISCONT (buffer))
    self->discont = TRUE;

  gst_buffer_map (buffer, &map, GST_MAP_READ);
  count (self, &self->packets);
  ret = finish_gap (self, map.data, map.size);
  if (ret == GST_FLOW_OK)
    ret = decode_and_push (self, map.data, map.size, 0, FALSE,
        GST_BUFFER_PTS (buffer), &decoded);
  gst_buffer_unmap (buffer, &map);

  if (ret == GST_FLOW_OK && !decoded) {
    count (self, &self->decode_errors);
    GST_DEBUG_OBJECT (self, "undecodable packet of %" G_GSIZE_FORMAT " bytes",
        gst_buffer_get_size (buffer));
    if (setting (self, &self->plc))
      ret = conceal (self, GST_BUFFER_PTS (buffer), self->last_samples);
  }
  gst_buffer_unref (buffer);
  return ret;
}

static gboolean
set_input_caps (GstWbOpusDec * self, GstCaps * caps)
{
  GstStructure *s = gst_caps_get_structure (caps, 0);
  gint family = 0;
  int err = OPUS_OK;
  g_autoptr (GstCaps) out = NULL;

  if (gst_structure_get_int (s, "channel-mapping-family", &family) &&
      family != 0) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT, (NULL),
        ("Opus channel mapping family %d: only mono and stereo streams "
            "(family 0) are decoded", family));
    return FALSE;
  }
  if (self->decoder == NULL) {
    /* Mono output: libopus folds a stereo stream down itself. */
    self->decoder = opus_decoder_create (RATE, 1, &err);
    if (self->decoder == NULL) {
      GST_ELEMENT_ERROR (self, LIBRARY, INIT, (NULL),
          ("opus_decoder_create: %s", opus_strerror (err)));
      return FALSE;
    }
  }
  out = gst_static_pad_template_get_caps (&src_template);
  return gst_pad_push_event (self->srcpad, gst_event_new_caps (out));
}

static gboolean
gst_wb_opus_dec_sink_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  GstWbOpusDec *self = GST_WB_OPUS_DEC (parent);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CAPS:{
      GstCaps *caps;
      gboolean ok;

      gst_event_parse_caps (event, &caps);
      ok = set_input_caps (self, caps);
      gst_event_unref (event);
      return ok;
    }
    case GST_EVENT_SEGMENT:{
      const GstSegment *segment;

      gst_event_parse_segment (event, &segment);
      if (segment->format != GST_FORMAT_TIME) {
        GST_ELEMENT_ERROR (self, STREAM, FORMAT, (NULL),
            ("segment in %s, not time", gst_format_get_name (segment->format)));
        gst_event_unref (event);
        return FALSE;
      }
      gst_segment_copy_into (segment, &self->segment);
      break;
    }
    case GST_EVENT_GAP:{
      GstClockTime pts, duration;

      if (!setting (self, &self->plc) || self->decoder == NULL)
        break;
      gst_event_parse_gap (event, &pts, &duration);
      gst_event_unref (event);
      return handle_gap (self, pts, duration) == GST_FLOW_OK;
    }
    case GST_EVENT_EOS:
      finish_gap (self, NULL, 0);
      break;
    case GST_EVENT_FLUSH_STOP:
      reset_stream (self);
      break;
    default:
      break;
  }
  return gst_pad_event_default (pad, parent, event);
}

static GstStateChangeReturn
gst_wb_opus_dec_change_state (GstElement * element, GstStateChange transition)
{
  GstWbOpusDec *self = GST_WB_OPUS_DEC (element);
  GstStateChangeReturn ret;

  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED)
    reset_stream (self);
  ret = GST_ELEMENT_CLASS (gst_wb_opus_dec_parent_class)->change_state
      (element, transition);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY)
    g_clear_pointer (&self->decoder, opus_decoder_destroy);
  return ret;
}

static void
gst_wb_opus_dec_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstWbOpusDec *self = GST_WB_OPUS_DEC (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_PLC:
      self->plc = g_value_get_boolean (value);
      break;
    case PROP_FEC:
      self->fec = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_wb_opus_dec_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstWbOpusDec *self = GST_WB_OPUS_DEC (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_PLC:
      g_value_set_boolean (value, self->plc);
      break;
    case PROP_FEC:
      g_value_set_boolean (value, self->fec);
      break;
    case PROP_STATS:
      g_value_take_boxed (value, gst_structure_new ("wbopusdec-stats",
              "packets", G_TYPE_UINT64, self->packets,
              "decode-errors", G_TYPE_UINT64, self->decode_errors,
              "fec-decoded", G_TYPE_UINT64, self->fec_decoded,
              "concealed", G_TYPE_UINT64, self->concealed, NULL));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_wb_opus_dec_finalize (GObject * object)
{
  GstWbOpusDec *self = GST_WB_OPUS_DEC (object);

  g_clear_pointer (&self->decoder, opus_decoder_destroy);
  G_OBJECT_CLASS (gst_wb_opus_dec_parent_class)->finalize (object);
}

static void
gst_wb_opus_dec_class_init (GstWbOpusDecClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->set_property = gst_wb_opus_dec_set_property;
  gobject_class->get_property = gst_wb_opus_dec_get_property;
  gobject_class->finalize = gst_wb_opus_dec_finalize;
  element_class->change_state = gst_wb_opus_dec_change_state;

  g_object_class_install_property (gobject_class, PROP_PLC,
      g_param_spec_boolean ("plc", "Packet loss concealment",
          "Conceal lost packets (GAP events) and undecodable ones", TRUE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_FEC,
      g_param_spec_boolean ("fec", "In-band FEC",
          "Rebuild a lost packet from the next packet's FEC data", TRUE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "packets, decode-errors, fec-decoded, concealed",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "Opus decoder for the mixer", "Codec/Decoder/Audio",
      "Decodes mono or stereo Opus to mono S16 at 48 kHz as each packet "
      "comes, with PLC and in-band FEC for lost packets",
      "wardbridge");
}

static void
gst_wb_opus_dec_init (GstWbOpusDec * self)
{
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (self->sinkpad, gst_wb_opus_dec_chain);
  gst_pad_set_event_function (self->sinkpad, gst_wb_opus_dec_sink_event);
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  gst_pad_use_fixed_caps (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);

  self->plc = TRUE;
  self->fec = TRUE;
  reset_stream (self);
}
