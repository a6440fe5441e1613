/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wbrtpjitter: see gstwbrtpjitter.h.
 *
 * Threading: the stream state belongs to the streaming thread (chain and
 * serialized events) or to state changes while it is stopped.  Settings
 * and counters are guarded by the object lock.
 */
#include "gstwbrtpjitter.h"

#include <gst/rtp/rtp.h>

GST_DEBUG_CATEGORY_STATIC (gst_wb_rtp_jitter_debug);
#define GST_CAT_DEFAULT gst_wb_rtp_jitter_debug

#define DEFAULT_LATENCY_MS 40
/* Packets per clock-following window (1 s of 20 ms packets). */
#define SKEW_WINDOW 50
/* How far the earliest arrival may drift from the times before they move. */
#define SKEW_STEP (5 * GST_MSECOND)
/* How far the times may move later in one window: a sender's clock drifts
 * by a fraction of a millisecond a second, while a receiving thread that
 * was starved of CPU for a second sees every packet of that second late,
 * and following that at once put the times of the packets after it in
 * the future (the mixer's inputs then filled up and blocked the thread). */
#define SKEW_SLEW (1 * GST_MSECOND)
/* A jump in sequence numbers, or in RTP time against arrival time, beyond
 * which the stream starts over rather than waits or fills a gap. */
#define MAX_DROPOUT 1500
/* How far behind the last packet passed a packet may be and still be a
 * reordered or duplicated one (RFC 3550 A.1's MAX_MISORDER, 2 s of 20 ms
 * packets).  Further behind, up to MAX_DROPOUT, it is a sender that
 * restarted its sequence, once the next packet follows it. */
#define MAX_MISORDER 100
#define MAX_TIME_JUMP (2 * GST_SECOND)
/* What a packet lasts before two in a row tell (Opus and G.711 here). */
#define DEFAULT_PACKET_DURATION (20 * GST_MSECOND)

enum
{
  PROP_0,
  PROP_LATENCY,
  PROP_DO_LOST,
  PROP_STATS,
};

struct _GstWbRtpJitter
{
  GstElement parent;

  GstPad *sinkpad;
  GstPad *srcpad;

  /* streaming */
  GstSegment segment;
  gint clock_rate;              /* from the caps; 0: unknown */
  gboolean started;
  guint16 next_seq;
  gboolean have_bad_seq;        /* a packet far behind came: is it a restart? */
  guint16 bad_seq;              /* the sequence number that would confirm it */
  guint64 ext_ts;               /* gst_rtp_buffer_ext_timestamp()'s state */
  guint64 base_ext_ts;          /* RTP time at base_time */
  GstClockTime base_time;       /* running time */
  guint64 last_ext_ts;
  GstClockTime last_pts;
  GstClockTime last_duration;
  GstClockTimeDiff window_min;  /* earliest arrival - time in this window */
  guint window_count;
  gboolean discont;

  /* object lock */
  guint latency_ms;
  gboolean do_lost;
  guint64 pushed;
  guint64 lost;
  guint64 late;
  guint64 resyncs;
  guint64 invalid;
};

G_DEFINE_TYPE_WITH_CODE (GstWbRtpJitter, gst_wb_rtp_jitter, GST_TYPE_ELEMENT,
    GST_DEBUG_CATEGORY_INIT (gst_wb_rtp_jitter_debug, "wbrtpjitter", 0,
        "RTP jitter stage without a thread"));

GST_ELEMENT_REGISTER_DEFINE (wbrtpjitter, "wbrtpjitter", GST_RANK_NONE,
    GST_TYPE_WB_RTP_JITTER);

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS ("application/x-rtp"));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS ("application/x-rtp"));

static void
reset_stream (GstWbRtpJitter * self)
{
  gst_segment_init (&self->segment, GST_FORMAT_TIME);
  self->started = FALSE;
  self->discont = TRUE;
}

static void
count (GstWbRtpJitter * self, guint64 * counter, guint64 n)
{
  GST_OBJECT_LOCK (self);
  *counter += n;
  GST_OBJECT_UNLOCK (self);
}

static GstClockTime
rtp_to_time (GstWbRtpJitter * self, guint64 rtp)
{
  return gst_util_uint64_scale_int (rtp, GST_SECOND, self->clock_rate);
}

/* The packet's arrival, in running time: what udpsrc stamped it with, or
 * the clock now. */
static GstClockTime
arrival_time (GstWbRtpJitter * self, GstBuffer * buffer)
{
  GstClockTime t = GST_BUFFER_DTS_OR_PTS (buffer);

  if (GST_CLOCK_TIME_IS_VALID (t))
    t = gst_segment_to_running_time (&self->segment, GST_FORMAT_TIME, t);
  if (!GST_CLOCK_TIME_IS_VALID (t))
    t = gst_element_get_current_running_time (GST_ELEMENT (self));
  return t;
}

/* The stream (re)starts at this packet. */
static void
start (GstWbRtpJitter * self, guint16 seq, guint64 ext_ts, GstClockTime arrival)
{
  if (self->started)
    count (self, &self->resyncs, 1);
  self->started = TRUE;
  self->next_seq = seq;
  self->have_bad_seq = FALSE;
  self->base_ext_ts = ext_ts;
  self->base_time = arrival;
  self->last_ext_ts = ext_ts;
  self->last_pts = GST_CLOCK_TIME_NONE;
  self->last_duration = DEFAULT_PACKET_DURATION;
  self->window_min = G_MAXINT64;
  self->window_count = 0;
  self->discont = TRUE;
}

/* Follows the sender's clock: see the top of gstwbrtpjitter.h. */
static void
follow_clock (GstWbRtpJitter * self, GstClockTime arrival, GstClockTime pts)
{
  self->window_min = MIN (self->window_min, GST_CLOCK_DIFF (pts, arrival));
  if (++self->window_count < SKEW_WINDOW)
    return;
  /* Each move of the times starts with a DISCONT packet.  Downstream, a
   * GstAudioAggregator keeps an input sample-continuous through any step
   * shorter than its alignment threshold (40 ms): without the flag it
   * went on mixing the input where the old times put it.  That was the
   * hub's audio latency moving from run to run (17-70 ms p95 at 32
   * wards): a box whose first packet came 30-40 ms after the ones behind
   * it stayed 30-40 ms late in the mix, for good.  With the flag the mixer
   * drops what overlaps a move earlier (audio the box sent ahead of its
   * clock) and leaves 1 ms of silence at a move later (a box whose clock
   * is slow), rather than wait for that box, and make every ward wait,
   * up to 40 ms longer before it resyncs by itself. */
  if (self->window_min < -(GstClockTimeDiff) SKEW_STEP) {
    /* Every packet came early: the times are late, by as much. */
    GST_DEBUG_OBJECT (self, "earliest arrival %" GST_STIME_FORMAT
        " from its time: moving the times", GST_STIME_ARGS (self->window_min));
    if ((GstClockTime) - self->window_min > self->base_time)
      self->base_time = 0;
    else
      self->base_time += self->window_min;
    self->discont = TRUE;
  } else if (self->window_min > (GstClockTimeDiff) SKEW_STEP) {
    /* Every packet came late: a slow clock, or a starved thread; slowly. */
    GST_LOG_OBJECT (self, "earliest arrival %" GST_STIME_FORMAT
        " from its time: moving the times 1 ms", GST_STIME_ARGS (self->window_min));
    self->base_time += SKEW_SLEW;
    self->discont = TRUE;
  }
  self->window_min = G_MAXINT64;
  self->window_count = 0;
}

static GstFlowReturn
gst_wb_rtp_jitter_chain (GstPad * pad, GstObject * parent, GstBuffer * buffer)
{
  GstWbRtpJitter *self = GST_WB_RTP_JITTER (parent);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  GstClockTime arrival, pts, latency;
  guint16 seq;
  guint32 ts;
  guint64 ext_ts;
  gint gap;
  gboolean do_lost, discont;

  if (self->clock_rate <= 0) {
    /* Nothing to time it by: rtpbin's caps always carry a clock rate. */
    GST_WARNING_OBJECT (self, "no clock rate; packet dropped");
    count (self, &self->invalid, 1);
    gst_buffer_unref (buffer);
    return GST_FLOW_OK;
  }
  if (!gst_rtp_buffer_map (buffer, GST_MAP_READ, &rtp)) {
    count (self, &self->invalid, 1);
    gst_buffer_unref (buffer);
    return GST_FLOW_OK;
  }
  seq = gst_rtp_buffer_get_seq (&rtp);
  ts = gst_rtp_buffer_get_timestamp (&rtp);
  gst_rtp_buffer_unmap (&rtp);

  arrival = arrival_time (self, buffer);
  if (!GST_CLOCK_TIME_IS_VALID (arrival)) {
    count (self, &self->invalid, 1);
    gst_buffer_unref (buffer);
    return GST_FLOW_OK;
  }

  if (!self->started) {
    self->ext_ts = GST_CLOCK_TIME_NONE;
    ext_ts = gst_rtp_buffer_ext_timestamp (&self->ext_ts, ts);
    start (self, seq, ext_ts, arrival);
    gap = 0;
  } else {
    gap = gst_rtp_buffer_compare_seqnum (self->next_seq, seq);
    /* Far behind, and right after the packet that was far behind before:
     * the sender restarted its sequence there (a box whose link came back
     * with a new sender under the same SSRC); start over below.  Until
     * then the old sequence holds, or a packet that a restart put up to
     * 30 s behind would be dropped for as long. */
    if (gap < -MAX_MISORDER && gap > -MAX_DROPOUT &&
        !(self->have_bad_seq && seq == self->bad_seq)) {
      GST_LOG_OBJECT (self, "packet %u far behind %u: dropped, a restart "
          "if %u follows", seq, (guint16) (self->next_seq - 1), (guint16) (seq + 1));
      self->have_bad_seq = TRUE;
      self->bad_seq = seq + 1;
      count (self, &self->late, 1);
      gst_buffer_unref (buffer);
      return GST_FLOW_OK;
    }
    if (gap < 0 && gap >= -MAX_MISORDER) {
      GST_LOG_OBJECT (self, "packet %u after %u: dropped", seq,
          (guint16) (self->next_seq - 1));
      count (self, &self->late, 1);
      gst_buffer_unref (buffer);
      return GST_FLOW_OK;
    }
    self->have_bad_seq = FALSE;
    ext_ts = gst_rtp_buffer_ext_timestamp (&self->ext_ts, ts);
    if (gap < 0 || gap > MAX_DROPOUT || ext_ts < self->last_ext_ts ||
        rtp_to_time (self, ext_ts - self->last_ext_ts) > MAX_TIME_JUMP) {
      GST_INFO_OBJECT (self, "sequence %u -> %u, RTP time +%" G_GINT64_FORMAT
          ": starting over", (guint16) (self->next_seq - 1), seq,
          (gint64) (ext_ts - self->last_ext_ts));
      self->ext_ts = GST_CLOCK_TIME_NONE;
      ext_ts = gst_rtp_buffer_ext_timestamp (&self->ext_ts, ts);
      start (self, seq, ext_ts, arrival);
      gap = 0;
    }
  }

  /* Settings and counters: one lock per packet. */
  GST_OBJECT_LOCK (self);
  latency = self->latency_ms * GST_MSECOND;
  do_lost = self->do_lost;
  if (gap > 0)
    self->lost += (guint) gap;
  self->pushed++;
  GST_OBJECT_UNLOCK (self);

  pts = self->base_time + rtp_to_time (self, ext_ts - self->base_ext_ts);
  /* The sender skipped media time (its RTP time ran ahead, its sequence
   * did not: a box whose capture dropped audio under load).  Timed from
   * RTP time the packet would wait longer than the latency, holding the
   * mixer's input full; from here on it is timed from its arrival. */
  if (GST_CLOCK_DIFF (arrival, pts) > (GstClockTimeDiff) latency) {
    GST_DEBUG_OBJECT (self, "packet %u due %" GST_TIME_FORMAT " after its arrival: "
        "timing it from its arrival", seq, GST_TIME_ARGS (pts - arrival));
    self->base_time = arrival;
    self->base_ext_ts = ext_ts;
    pts = arrival;
    self->discont = TRUE;
    self->window_min = G_MAXINT64;
    self->window_count = 0;
    count (self, &self->resyncs, 1);
  }
  if (GST_CLOCK_TIME_IS_VALID (self->last_pts) && gap == 0 && pts > self->last_pts)
    self->last_duration = pts - self->last_pts;

  /* The packets before this one that never came: one GAP from the end of
   * the last packet to this one's start, right before it. */
  if (gap > 0 && do_lost && GST_CLOCK_TIME_IS_VALID (self->last_pts) &&
      pts > self->last_pts + self->last_duration) {
    GstClockTime start = self->last_pts + self->last_duration;

    GST_DEBUG_OBJECT (self, "%d lost before %u: gap at %" GST_TIME_FORMAT
        " for %" GST_TIME_FORMAT, gap, seq, GST_TIME_ARGS (start),
        GST_TIME_ARGS (pts - start));
    gst_pad_push_event (self->srcpad, gst_event_new_gap (start, pts - start));
  }

  discont = self->discont || gap > 0;
  self->discont = FALSE;
  /* After this packet's flag: times it moves start at the next packet. */
  follow_clock (self, arrival, pts);
  self->next_seq = seq + 1;
  self->last_ext_ts = ext_ts;
  self->last_pts = pts;

  buffer = gst_buffer_make_writable (buffer);
  GST_BUFFER_PTS (buffer) = pts;
  GST_BUFFER_DTS (buffer) = GST_CLOCK_TIME_NONE;
  if (discont)
    GST_BUFFER_FLAG_SET (buffer, GST_BUFFER_FLAG_DISCONT);
  else
    GST_BUFFER_FLAG_UNSET (buffer, GST_BUFFER_FLAG_DISCONT);
  return gst_pad_push (self->srcpad, buffer);
}

static gboolean
gst_wb_rtp_jitter_sink_event (GstPad * pad, GstObject * parent,
    GstEvent * event)
{
  GstWbRtpJitter *self = GST_WB_RTP_JITTER (parent);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CAPS:{
      GstCaps *caps;
      gint rate = 0;

      gst_event_parse_caps (event, &caps);
      if (gst_structure_get_int (gst_caps_get_structure (caps, 0),
              "clock-rate", &rate) && rate > 0) {
        if (self->started && rate != self->clock_rate)
          self->started = FALSE;
        self->clock_rate = rate;
      }
      break;
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
    case GST_EVENT_FLUSH_STOP:
      reset_stream (self);
      break;
    default:
      break;
  }
  return gst_pad_event_default (pad, parent, event);
}

static gboolean
gst_wb_rtp_jitter_src_query (GstPad * pad, GstObject * parent,
    GstQuery * query)
{
  GstWbRtpJitter *self = GST_WB_RTP_JITTER (parent);

  if (GST_QUERY_TYPE (query) == GST_QUERY_LATENCY) {
    GstClockTime min, max, latency;
    gboolean live;

    if (!gst_pad_peer_query (self->sinkpad, query))
      return FALSE;
    gst_query_parse_latency (query, &live, &min, &max);
    GST_OBJECT_LOCK (self);
    latency = self->latency_ms * GST_MSECOND;
    GST_OBJECT_UNLOCK (self);
    min += latency;
    if (GST_CLOCK_TIME_IS_VALID (max))
      max += latency;
    gst_query_set_latency (query, live, min, max);
    return TRUE;
  }
  return gst_pad_query_default (pad, parent, query);
}

static GstStateChangeReturn
gst_wb_rtp_jitter_change_state (GstElement * element,
    GstStateChange transition)
{
  GstWbRtpJitter *self = GST_WB_RTP_JITTER (element);

  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED)
    reset_stream (self);
  return GST_ELEMENT_CLASS (gst_wb_rtp_jitter_parent_class)->change_state
      (element, transition);
}

static void
gst_wb_rtp_jitter_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstWbRtpJitter *self = GST_WB_RTP_JITTER (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_LATENCY:
      self->latency_ms = g_value_get_uint (value);
      break;
    case PROP_DO_LOST:
      self->do_lost = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_wb_rtp_jitter_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstWbRtpJitter *self = GST_WB_RTP_JITTER (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_LATENCY:
      g_value_set_uint (value, self->latency_ms);
      break;
    case PROP_DO_LOST:
      g_value_set_boolean (value, self->do_lost);
      break;
    case PROP_STATS:
      g_value_take_boxed (value, gst_structure_new ("wbrtpjitter-stats",
              "pushed", G_TYPE_UINT64, self->pushed,
              "lost", G_TYPE_UINT64, self->lost,
              "late", G_TYPE_UINT64, self->late,
              "resyncs", G_TYPE_UINT64, self->resyncs,
              "invalid", G_TYPE_UINT64, self->invalid, NULL));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_wb_rtp_jitter_class_init (GstWbRtpJitterClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->set_property = gst_wb_rtp_jitter_set_property;
  gobject_class->get_property = gst_wb_rtp_jitter_get_property;
  element_class->change_state = gst_wb_rtp_jitter_change_state;

  g_object_class_install_property (gobject_class, PROP_LATENCY,
      g_param_spec_uint ("latency", "Latency",
          "How late, in ms, a packet may come for what is downstream",
          0, 10000, DEFAULT_LATENCY_MS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_DO_LOST,
      g_param_spec_boolean ("do-lost", "Do lost",
          "Send a GAP event for missing packets before the packet after them",
          FALSE, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "pushed, lost, late (reordered or duplicated, dropped), resyncs, "
          "invalid", GST_TYPE_STRUCTURE,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "RTP jitter stage without a thread", "Filter/Network/RTP",
      "Times RTP packets from their RTP timestamps, in the receiving thread, "
      "and tells of lost ones with GAP events",
      "wardbridge <wardbridge@localhost>");
}

static void
gst_wb_rtp_jitter_init (GstWbRtpJitter * self)
{
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (self->sinkpad, gst_wb_rtp_jitter_chain);
  gst_pad_set_event_function (self->sinkpad, gst_wb_rtp_jitter_sink_event);
  GST_PAD_SET_PROXY_CAPS (self->sinkpad);
  GST_PAD_SET_PROXY_ALLOCATION (self->sinkpad);
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  gst_pad_set_query_function (self->srcpad, gst_wb_rtp_jitter_src_query);
  GST_PAD_SET_PROXY_CAPS (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);

  self->latency_ms = DEFAULT_LATENCY_MS;
  reset_stream (self);
}
