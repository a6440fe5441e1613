/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbConference: the pipeline of one running conference (see
 * wb-conference.h).  Owned by the control plane; lives on one main context.
 *
 *   videotestsrc (black, live) ─┐
 *   participant video_src ──────┴▶ compositor ▶ capsfilter (+ name bands) ▶ tee (raw)
 *       tee (raw) ▶ queue ▶ x264enc ▶ capsfilter ▶ rtph264pay ▶ tee (rtp) ▶ participant video_sink ...
 *       tee (raw) ▶ queue ▶ fakesink (last sample: snapshots)
 *   participant audio_src ▶ mixminus.sink_K ; mixminus.src_K ▶ participant audio_sink
 *   mixminus.src (full mix) ▶ tee ▶ queue ▶ fakesink
 *       tee ▶ WbSharedOpus (one Opus encode) ▶ participant audio_shared_sink ...
 *
 * Opus encodes per 20 ms = talkers + 1 (DESIGN.md §2): an Opus ward sends
 * the shared encode's packets of the blocks where its mix-minus is the
 * full mix (wb-shared-opus.h).
 *
 * Threads: GStreamer streaming threads only touch the name bands (under
 * overlay_lock) and the participants' own locked counters.  All
 * other fields are main-context only.
 */
#include "media/wb-conference.h"

#include <gst/app/app.h>
#include <gst/video/video.h>
#include <errno.h>
#include <stdio.h>

#include "media/wb-media-util.h"
#include "media/wb-port-allocator.h"
#include "media/wb-recorder.h"
#include "media/wb-shared-opus.h"
#include "media/wb-tile-overlay.h"

GST_DEBUG_CATEGORY_STATIC (wb_conference_debug);
#define GST_CAT_DEFAULT wb_conference_debug

#define MIXER_FACTORY "mixminus"
#define SNAPSHOT_TIMEOUT (5 * GST_SECOND)
/* The latency the wards' branches report covers the jitter buffer, not the
 * time to decode on a busy machine: the mixer and the compositor wait this
 * much longer for late inputs before they go on without them. */
#define WB_CONFERENCE_PROCESSING_SLACK (50 * GST_MSECOND)

G_DEFINE_QUARK (wb-conference-error-quark, wb_conference_error)

/* One ward in the pipeline. */
typedef struct {
  WbParticipant *participant;      /* owned */
  GstPad *comp_pad;                /* compositor request pad, owned ref */
  GstPad *tee_pad;                 /* video RTP tee request pad, owned ref */
  WbSharedOpusTap *shared_tap;     /* Opus wards with a mixer; else NULL */
  GstPad *mix_pad;                 /* mixminus request pad, owned ref; NULL without mixer */
  GstElement *audio_drain;         /* fakesink for the ward's audio without mixer */
  WbParticipantState state;
  gboolean muted;
  gboolean talking;
  gint64 talk_start_us;
  gboolean signal_lost;
  gboolean video_parked;           /* see update_video_parking() */
  gint *video_park_pending;        /* g_atomic_rc_box: a park probe waits */
  gboolean audio_parked;
  WbFecPlan fec_plan;              /* [media] audio-expected-loss-percent=auto */
  guint loss_reports_seen;         /* the ward's RTCP reports taken into fec_plan */
  gint64 joined_us;
} Slot;

struct _WbConference {
  GObject parent_instance;

  WbConfig *config;
  char *id;
  char *title;
  WbLayoutKind layout;
  gboolean record;
  gboolean ended;

  WbPortAllocator *ports;
  GMainContext *context;           /* where the bus watch and tick run */

  GstElement *pipeline;            /* owned */
  GstElement *compositor;          /* borrowed from pipeline */
  GstElement *encoder;
  GstElement *video_tee;
  GstElement *mixer;               /* NULL when mixminus is missing */
  GstElement *snapshot_sink;
  GstElement *background;          /* appsrc of the canvas behind the tiles */
  GstVideoInfo canvas_info;
  char *canvas_key;                /* the slates the canvas shows, see update_canvas() */
  GstElement *h264_tee;            /* the encoded composite, for the recorder */
  GstElement *full_mix_tee;        /* the full mix, for the recorder; NULL without mixer */
  WbSharedOpus *shared_opus;       /* the full mix in Opus, for the wards; NULL without mixer */
  WbRecorder *recorder;            /* NULL unless recording */
  GstPad *comp_pacer;              /* idle request pads, see add_pacer(); owned refs */
  GstPad *mix_pacer;
  guint keyframe_count;

  GSource *tick;
  GSource *latency_source;         /* pending recalculation, see schedule_latency() */
  GPtrArray *slots;                /* Slot*, in join order = tile order */
  char *presenter_id;
  char *speaker_id;
  gint64 speaker_since_us;
  WbTileRect tiles[WB_LAYOUT_MAX_TILES];

  GMutex overlay_lock;
  WbTileBands *bands;              /* guarded by overlay_lock */

  /* Figures for /metrics.  Lock order: overlay_lock and counters_lock are
   * never held together. */
  GMutex counters_lock;
  guint64 video_encodes;           /* guarded by counters_lock */
  guint64 mixer_deadline_misses;   /* guarded by counters_lock */
  GstClockTime mixer_latency;      /* guarded by counters_lock; NONE: not known yet */
  GstClockTime video_latency;      /* main context; NONE: not known yet */
  guint64 audio_encodes_of_gone;   /* encodes of wards that left; main context only */
};

G_DEFINE_FINAL_TYPE (WbConference, wb_conference, G_TYPE_OBJECT)

enum {
  SIGNAL_PARTICIPANT_STATE,
  SIGNAL_TALKING,
  SIGNAL_SPEAKER,
  SIGNAL_ERROR,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- small helpers ------------------------------------------------------ */

void
wb_participant_report_free (WbParticipantReport *report)
{
  if (report == NULL)
    return;
  g_free (report->endpoint_id);
  g_free (report);
}

const char *
wb_participant_state_to_string (WbParticipantState state)
{
  switch (state) {
    case WB_PARTICIPANT_STATE_JOINING:
      return "joining";
    case WB_PARTICIPANT_STATE_LIVE:
      return "live";
    case WB_PARTICIPANT_STATE_STALLED:
      return "stalled";
    default:
      return "unknown";
  }
}

static void
ensure_plugins (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once)) {
    wb_media_ensure_plugin ();
    GST_DEBUG_CATEGORY_INIT (wb_conference_debug, "wb-conference", 0,
                             "wardbridge conference pipeline");
    g_once_init_leave (&once, 1);
  }
}

static GstElement *
add_element (WbConference  *self,
             const char    *factory,
             const char    *name,
             GError       **error)
{
  GstElement *element = gst_element_factory_make (factory, name);

  if (element == NULL) {
    g_set_error (error, WB_CONFERENCE_ERROR, WB_CONFERENCE_ERROR_FAILED,
                 "GStreamer element '%s' is missing; install the plugin that provides it",
                 factory);
    return NULL;
  }
  gst_bin_add (GST_BIN (self->pipeline), element);
  return element;
}

static gboolean
link_many (GError     **error,
           GstElement  *first,
           ...)
{
  va_list args;
  GstElement *prev = first, *next;
  gboolean ok = TRUE;

  va_start (args, first);
  while (ok && (next = va_arg (args, GstElement *)) != NULL) {
    if (!gst_element_link (prev, next)) {
      g_set_error (error, WB_CONFERENCE_ERROR, WB_CONFERENCE_ERROR_FAILED,
                   "cannot link %s to %s", GST_ELEMENT_NAME (prev), GST_ELEMENT_NAME (next));
      ok = FALSE;
    }
    prev = next;
  }
  va_end (args);

  return ok;
}

static Slot *
find_slot (WbConference *self,
           const char   *endpoint_id,
           guint        *index)
{
  for (guint i = 0; i < self->slots->len; i++) {
    Slot *slot = g_ptr_array_index (self->slots, i);

    if (g_strcmp0 (wb_participant_get_id (slot->participant), endpoint_id) == 0) {
      if (index != NULL)
        *index = i;
      return slot;
    }
  }
  return NULL;
}

static int
index_of (WbConference *self,
          const char   *endpoint_id)
{
  guint index;

  if (endpoint_id != NULL && find_slot (self, endpoint_id, &index) != NULL)
    return (int) index;
  return -1;
}

/* ---- layout and overlay ------------------------------------------------- */

/* A new canvas behind the tiles when the set of slates changed. */
static void
update_canvas (WbConference      *self,
               const WbTileLabel *labels,
               guint              n_labels)
{
  g_autoptr (GString) key = g_string_new ("");
  GstBuffer *canvas;

  if (self->background == NULL)
    return;
  for (guint i = 0; i < n_labels; i++) {
    const WbTileRect *r = &labels[i].rect;

    if (labels[i].signal_lost && r->visible)
      g_string_append_printf (key, "%d,%d,%d,%d;", r->x, r->y, r->width, r->height);
  }
  if (g_strcmp0 (key->str, self->canvas_key) == 0)
    return;

  canvas = wb_tile_overlay_render_canvas (labels, n_labels, &self->canvas_info);
  if (canvas == NULL) {
    GST_WARNING ("conference %s: cannot render the canvas", self->id);
    return;
  }
  g_free (self->canvas_key);
  self->canvas_key = g_string_free (g_steal_pointer (&key), FALSE);
  gst_app_src_push_buffer (GST_APP_SRC (self->background), canvas);
}

static void
update_overlay (WbConference *self)
{
  g_autofree WbTileLabel *labels = g_new0 (WbTileLabel, MAX (self->slots->len, 1));
  GstVideoOverlayComposition *comp;
  WbTileBands *bands;

  for (guint i = 0; i < self->slots->len; i++) {
    Slot *slot = g_ptr_array_index (self->slots, i);

    labels[i].rect = self->tiles[i];
    labels[i].name = wb_participant_get_name (slot->participant);
    labels[i].signal_lost = slot->signal_lost;
  }

  comp = wb_tile_overlay_render (labels, self->slots->len);
  bands = wb_tile_bands_new (comp, &self->canvas_info);
  if (comp != NULL)
    gst_video_overlay_composition_unref (comp);
  update_canvas (self, labels, self->slots->len);

  g_mutex_lock (&self->overlay_lock);
  if (self->bands != NULL)
    wb_tile_bands_unref (self->bands);
  self->bands = bands;
  g_mutex_unlock (&self->overlay_lock);
}

static int
focus_index (WbConference *self)
{
  switch (self->layout) {
    case WB_LAYOUT_SPEAKER:
      return index_of (self, self->speaker_id);
    case WB_LAYOUT_PRESENTER:
      return index_of (self, self->presenter_id);
    case WB_LAYOUT_SINGLE: {
      int i = index_of (self, self->presenter_id);
      return i >= 0 ? i : index_of (self, self->speaker_id);
    }
    case WB_LAYOUT_GRID:
    default:
      return -1;
  }
}

static void
apply_layout (WbConference *self)
{
  guint n = MIN (self->slots->len, WB_LAYOUT_MAX_TILES);

  if (!wb_layout_compute (self->layout, self->config->width, self->config->height,
                          n, focus_index (self), self->tiles)) {
    GST_WARNING ("conference %s: cannot lay out %u tiles", self->id, n);
    return;
  }

  for (guint i = 0; i < n; i++) {
    Slot *slot = g_ptr_array_index (self->slots, i);
    const WbTileRect *t = &self->tiles[i];

    g_object_set (slot->comp_pad,
                  "xpos", t->x,
                  "ypos", t->y,
                  "width", MAX (t->width, 1),
                  "height", MAX (t->height, 1),
                  /* A ward without video shows the slate of the canvas. */
                  "alpha", t->visible && !slot->signal_lost ? 1.0 : 0.0,
                  NULL);
  }

  update_overlay (self);
}

/* The compositor's thread, on each composite: the wards' names on their
 * tiles (wb-tile-overlay.h says why not overlaycomposition).  The
 * compositor's fresh frame is writable, so this copies nothing. */
static GstPadProbeReturn
name_bands_probe (GstPad          *pad,
                  GstPadProbeInfo *info,
                  gpointer         user_data)
{
  WbConference *self = user_data;
  g_autoptr (WbTileBands) bands = NULL;
  GstBuffer *buffer;
  GstVideoFrame frame;

  (void) pad;
  g_mutex_lock (&self->overlay_lock);
  if (self->bands != NULL)
    bands = wb_tile_bands_ref (self->bands);
  g_mutex_unlock (&self->overlay_lock);
  if (bands == NULL)
    return GST_PAD_PROBE_OK;

  buffer = gst_buffer_make_writable (GST_PAD_PROBE_INFO_BUFFER (info));
  GST_PAD_PROBE_INFO_DATA (info) = buffer;
  if (gst_video_frame_map (&frame, &self->canvas_info, buffer, GST_MAP_READWRITE)) {
    wb_tile_bands_blend (bands, &frame);
    gst_video_frame_unmap (&frame);
  }
  return GST_PAD_PROBE_OK;
}

/* ---- keyframes ---------------------------------------------------------- */

/* The encoder's min-force-key-unit-interval holds back requests that come
 * too fast, so a join or a PLI storm makes at most one keyframe a second. */
static void
request_keyframe (WbConference *self)
{
  g_autoptr (GstPad) pad = gst_element_get_static_pad (self->encoder, "src");

  gst_pad_send_event (pad, gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE,
                                                                         TRUE,
                                                                         ++self->keyframe_count));
}

/* ---- the tick: stalls, states, active speaker --------------------------- */

static WbParticipantState
media_state (Slot   *slot,
             gint64  now,
             gint64  last_us)
{
  gint64 stall = (gint64) WB_CONFERENCE_STALL_MS * 1000;

  if (last_us == 0)
    return now - slot->joined_us > stall ? WB_PARTICIPANT_STATE_STALLED
        : WB_PARTICIPANT_STATE_JOINING;
  return now - last_us > stall ? WB_PARTICIPANT_STATE_STALLED : WB_PARTICIPANT_STATE_LIVE;
}

/*
 * Prompt output waits for every input that has had data, so a ward that
 * stopped sending would hold everyone's mix or composite at the deadline
 * until it came back or left.  Its input is "parked" instead: made an
 * input that never had data, which with ignore-inactive-pads the
 * aggregator stops waiting for after one more deadline.  The ward's next
 * buffer makes it an input again.
 *
 * The mixer's input is flushed, from the mixer's own thread between two
 * blocks (park_audio_between_blocks()): GstAudioAggregator's aggregate
 * reads a pad's segment and buffer that a flush resets, some of it
 * without the pad's lock.  The flush must not meet a buffer on its way in
 * either: it is sent from an IDLE probe on the ward's output pad, run at
 * once while that pad is not pushing.  A flush also takes the segment away
 * from the aggregator's pad, and the ward's pad would not send it again:
 * it is sent again here.
 *
 * The compositor's input is not flushed but replaced (replace_comp_pad()):
 * GstVideoAggregator (1.22) drops a flushed pad's frame and caps without
 * any lock that its aggregate takes, so a flush while it composed a frame
 * freed the frame under it.  With 32 wards on an overloaded hub, where
 * wards stalled and came back every few seconds, that showed as
 * "gst_buffer_get_size: assertion 'GST_IS_BUFFER (buffer)' failed" and
 * "gst_video_frame_map_id" criticals and a crash within minutes.
 * Releasing a request pad takes the aggregator's lock.
 */
/* Has this input of the ward (its last buffer at @last_us) stalled? */
static gboolean
is_stalled (Slot   *slot,
            gint64  now,
            gint64  last_us)
{
  return last_us != 0 && media_state (slot, now, last_us) == WB_PARTICIPANT_STATE_STALLED;
}

typedef struct {
  GstPad *ward_src;      /* owned */
  GstPad *mix_pad;       /* owned */
  GThread *mixer_thread;
} AudioPark;

static void
audio_park_free (gpointer data)
{
  AudioPark *park = data;

  gst_object_unref (park->ward_src);
  gst_object_unref (park->mix_pad);
  g_free (park);
}

static GstPadProbeReturn
flush_when_idle (GstPad          *pad,
                 GstPadProbeInfo *info,
                 gpointer         user_data)
{
  AudioPark *park = user_data;
  g_autoptr (GstPad) peer = NULL;
  g_autoptr (GstEvent) segment = NULL;

  (void) info;
  /* Run later, in the ward's streaming thread: it sent audio again, so it
   * is not to be parked, and the mixer may be mixing. */
  if (g_thread_self () != park->mixer_thread)
    return GST_PAD_PROBE_REMOVE;
  peer = gst_pad_get_peer (pad);
  segment = gst_pad_get_sticky_event (pad, GST_EVENT_SEGMENT, 0);
  if (peer == park->mix_pad && segment != NULL) {
    GST_DEBUG_OBJECT (park->mix_pad, "parked: its ward stopped sending");
    gst_pad_send_event (park->mix_pad, gst_event_new_flush_start ());
    gst_pad_send_event (park->mix_pad, gst_event_new_flush_stop (FALSE));
    gst_pad_send_event (park->mix_pad, g_steal_pointer (&segment));
  }
  return GST_PAD_PROBE_REMOVE;
}

/* On the mixer's output, in its thread, once: it is between two blocks. */
static GstPadProbeReturn
park_audio_between_blocks (GstPad          *pad,
                           GstPadProbeInfo *info,
                           gpointer         user_data)
{
  AudioPark *request = user_data;
  AudioPark *park = g_new (AudioPark, 1);

  (void) pad;
  (void) info;
  *park = (AudioPark) { gst_object_ref (request->ward_src), gst_object_ref (request->mix_pad),
                        g_thread_self () };
  gst_pad_add_probe (park->ward_src, GST_PAD_PROBE_TYPE_IDLE, flush_when_idle, park,
                     audio_park_free);
  return GST_PAD_PROBE_REMOVE;
}

static void
update_audio_parking (WbConference *self,
                      Slot         *slot,
                      gint64        now,
                      gint64        last_us)
{
  gboolean stalled = is_stalled (slot, now, last_us);

  /* Once per stall: if the ward's output is pushing when the mixer gets to
   * it, nothing is parked, and the mixer waits for the ward up to the
   * deadline until it sends again.  A ward silent for a whole stall's
   * length has long since pushed its last packet. */
  if (stalled && !slot->audio_parked && slot->mix_pad != NULL) {
    GstElement *bin = wb_participant_get_bin (slot->participant);
    g_autoptr (GstPad) src = gst_element_get_static_pad (bin, "audio_src");
    g_autoptr (GstPad) mixed = gst_element_get_static_pad (self->mixer, "src");

    if (src != NULL && mixed != NULL) {
      AudioPark *request = g_new (AudioPark, 1);

      *request = (AudioPark) { g_steal_pointer (&src), gst_object_ref (slot->mix_pad), NULL };
      gst_pad_add_probe (mixed, GST_PAD_PROBE_TYPE_BUFFER, park_audio_between_blocks, request,
                         audio_park_free);
    }
  }
  slot->audio_parked = stalled;
}

static GstPad *request_comp_pad (WbConference *self, guint zorder);

/* In the IDLE probe that update_video_parking() saw run at once: the ward's
 * video output is not pushing, and will not until this returns. */
static void
replace_comp_pad (WbConference *self,
                  Slot         *slot,
                  GstPad       *ward_src)
{
  GstPad *old = slot->comp_pad;
  GstPad *fresh;
  gint xpos, ypos, width, height;
  guint zorder;
  gdouble alpha;

  g_object_get (old, "xpos", &xpos, "ypos", &ypos, "width", &width, "height", &height,
                "zorder", &zorder, "alpha", &alpha, NULL);
  fresh = request_comp_pad (self, zorder);
  if (fresh == NULL)
    return;
  g_object_set (fresh, "xpos", xpos, "ypos", ypos, "width", width, "height", height,
                "alpha", alpha, NULL);

  gst_pad_unlink (ward_src, old);
  gst_element_release_request_pad (self->compositor, old);
  gst_object_unref (old);
  slot->comp_pad = fresh;
  if (GST_PAD_LINK_FAILED (gst_pad_link (ward_src, fresh)))
    GST_WARNING ("conference %s: cannot link %s to its new tile input", self->id,
                 wb_participant_get_id (slot->participant));
  else
    GST_DEBUG_OBJECT (fresh, "parked: %s stopped sending video",
                      wb_participant_get_id (slot->participant));
  slot->video_parked = TRUE;
}

typedef struct {
  WbConference *self;
  Slot *slot;
  GThread *caller;
  gint *pending;                   /* a reference to the slot's */
} VideoPark;

static void
video_park_free (gpointer data)
{
  VideoPark *park = data;

  g_atomic_rc_box_release (park->pending);
  g_free (park);
}

static GstPadProbeReturn
park_video_when_idle (GstPad          *pad,
                      GstPadProbeInfo *info,
                      gpointer         user_data)
{
  VideoPark *park = user_data;

  (void) info;
  g_atomic_int_set (park->pending, 0);
  /* Run later, in the ward's streaming thread: it sent video again, so it
   * is not to be parked (and the slot may be gone by now). */
  if (g_thread_self () == park->caller)
    replace_comp_pad (park->self, park->slot, pad);
  return GST_PAD_PROBE_REMOVE;
}

/* In the conference's thread, which owns slot->comp_pad. */
static void
update_video_parking (WbConference *self,
                      Slot         *slot,
                      gint64        now,
                      gint64        last_us)
{
  gboolean stalled = is_stalled (slot, now, last_us);

  if (!stalled) {
    slot->video_parked = FALSE;
  } else if (!slot->video_parked && slot->comp_pad != NULL &&
             g_atomic_int_compare_and_exchange (slot->video_park_pending, 0, 1)) {
    GstElement *bin = wb_participant_get_bin (slot->participant);
    g_autoptr (GstPad) src = gst_element_get_static_pad (bin, "video_src");
    VideoPark *park = g_new (VideoPark, 1);

    *park = (VideoPark) { self, slot, g_thread_self (),
                          g_atomic_rc_box_acquire (slot->video_park_pending) };
    /* Sets video_parked if the pad is idle now.  If it is pushing (into a
     * compositor that runs behind), the probe runs once it is done, in its
     * thread, and parks nothing; the first tick after that tries again. */
    if (src != NULL)
      gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_IDLE, park_video_when_idle, park,
                         video_park_free);
    else {
      g_atomic_int_set (slot->video_park_pending, 0);
      video_park_free (park);
    }
  }
}

static void
update_speaker (WbConference *self,
                gint64        now)
{
  Slot *candidate = NULL;
  const char *id;

  for (guint i = 0; i < self->slots->len; i++) {
    Slot *slot = g_ptr_array_index (self->slots, i);

    if (slot->talking && !slot->muted &&
        (candidate == NULL || slot->talk_start_us > candidate->talk_start_us))
      candidate = slot;
  }
  if (candidate == NULL)
    return;   /* silence: the last speaker stays */

  id = wb_participant_get_id (candidate->participant);
  if (g_strcmp0 (id, self->speaker_id) == 0)
    return;
  if (self->speaker_id != NULL &&
      now - self->speaker_since_us < (gint64) WB_CONFERENCE_SPEAKER_HOLD_MS * 1000)
    return;   /* hold: the big tile does not flap */

  g_free (self->speaker_id);
  self->speaker_id = g_strdup (id);
  self->speaker_since_us = now;
  GST_INFO ("conference %s: active speaker %s", self->id, id);
  if (self->layout == WB_LAYOUT_SPEAKER ||
      (self->layout == WB_LAYOUT_SINGLE && self->presenter_id == NULL))
    apply_layout (self);
  g_signal_emit (self, signals[SIGNAL_SPEAKER], 0, id);
}

static GstPad *add_pacer (GstElement *aggregator);

static void
ensure_pacer (GstElement  *aggregator,
              GstPad     **pacer)
{
  g_autoptr (GstPad) src = NULL;

  if (*pacer != NULL || aggregator == NULL)
    return;
  src = gst_element_get_static_pad (aggregator, "src");
  if (gst_pad_has_current_caps (src))
    *pacer = add_pacer (aggregator);
}

static GstPadProbeReturn
video_encode_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  WbConference *self = user_data;

  g_mutex_lock (&self->counters_lock);
  self->video_encodes++;
  g_mutex_unlock (&self->counters_lock);
  return GST_PAD_PROBE_OK;
}

/* A block of the mix missed its deadline when the mixer hands it on later
 * than its running time plus the mixer's latency and its own duration:
 * downstream has to drop it or play it late. */
static GstPadProbeReturn
mixer_deadline_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  WbConference *self = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  g_autoptr (GstEvent) segment_event = gst_pad_get_sticky_event (pad, GST_EVENT_SEGMENT, 0);
  g_autoptr (GstClock) clock = gst_element_get_clock (self->mixer);
  const GstSegment *segment;
  GstClockTime running, now, latency;

  if (segment_event == NULL || clock == NULL || !GST_BUFFER_PTS_IS_VALID (buffer))
    return GST_PAD_PROBE_OK;
  gst_event_parse_segment (segment_event, &segment);
  running = gst_segment_to_running_time (segment, GST_FORMAT_TIME, GST_BUFFER_PTS (buffer));
  now = gst_clock_get_time (clock) - gst_element_get_base_time (self->mixer);
  g_mutex_lock (&self->counters_lock);
  latency = self->mixer_latency;
  if (GST_CLOCK_TIME_IS_VALID (running) && GST_CLOCK_TIME_IS_VALID (latency) &&
      now > running + latency + GST_BUFFER_DURATION (buffer))
    self->mixer_deadline_misses++;
  g_mutex_unlock (&self->counters_lock);
  return GST_PAD_PROBE_OK;
}

/* The live latency of what @element's "src" sends, or NONE. */
static GstClockTime
query_src_latency (GstElement *element)
{
  g_autoptr (GstQuery) query = gst_query_new_latency ();
  g_autoptr (GstPad) src = NULL;
  gboolean live;
  GstClockTime min, max;

  if (element == NULL)
    return GST_CLOCK_TIME_NONE;
  src = gst_element_get_static_pad (element, "src");
  if (!gst_pad_query (src, query))
    return GST_CLOCK_TIME_NONE;
  gst_query_parse_latency (query, &live, &min, &max);
  return live ? min : GST_CLOCK_TIME_NONE;
}

/*
 * Latency changes (a ward's jitter buffer and decoders at join, a codec
 * renegotiating) are posted as LATENCY messages, a few per ward.  Each
 * recalculation asks every sink, so they are gathered: one recalculation
 * a little after the first message of a burst.  Then the mixer and the
 * compositor are asked once (each walks its N inputs) and the wards' input
 * pads learn the result (wb_participant_set_upstream_latency()), instead of
 * each of the N wards' senders walking the N inputs again.
 */
static gboolean
recalculate_latency (gpointer user_data)
{
  WbConference *self = user_data;
  GstClockTime audio, video;

  g_clear_pointer (&self->latency_source, g_source_unref);
  if (self->ended)
    return G_SOURCE_REMOVE;

  gst_bin_recalculate_latency (GST_BIN (self->pipeline));
  audio = query_src_latency (self->mixer);
  video = query_src_latency (self->compositor);
  GST_DEBUG ("conference %s: latency audio %" GST_TIME_FORMAT " video %" GST_TIME_FORMAT,
             self->id, GST_TIME_ARGS (audio), GST_TIME_ARGS (video));

  g_mutex_lock (&self->counters_lock);
  self->mixer_latency = audio;
  g_mutex_unlock (&self->counters_lock);
  self->video_latency = video;
  for (guint i = 0; i < self->slots->len; i++) {
    Slot *slot = g_ptr_array_index (self->slots, i);

    wb_participant_set_upstream_latency (slot->participant, audio, video);
  }

  return G_SOURCE_REMOVE;
}

static void
schedule_latency (WbConference *self)
{
  if (self->latency_source != NULL || self->ended)
    return;
  self->latency_source = g_timeout_source_new (WB_CONFERENCE_LATENCY_GATHER_MS);
  g_source_set_callback (self->latency_source, recalculate_latency, self, NULL);
  g_source_set_name (self->latency_source, "wb-conference-latency");
  g_source_attach (self->latency_source, self->context);
}

void
wb_conference_get_counters (WbConference *self, WbConferenceCounters *out)
{
  g_return_if_fail (WB_IS_CONFERENCE (self));
  g_return_if_fail (out != NULL);

  memset (out, 0, sizeof (*out));
  out->audio_encodes = self->audio_encodes_of_gone;
  for (guint i = 0; i < self->slots->len; i++) {
    Slot *slot = g_ptr_array_index (self->slots, i);
    WbParticipantStats stats;

    wb_participant_get_stats (slot->participant, &stats);
    out->audio_encodes += stats.audio_encodes;
  }
  if (self->shared_opus != NULL)
    out->audio_encodes += wb_shared_opus_get_encodes (self->shared_opus);
  g_mutex_lock (&self->counters_lock);
  out->video_encodes = self->video_encodes;
  out->mixer_deadline_misses = self->mixer_deadline_misses;
  g_mutex_unlock (&self->counters_lock);
}

/* What the Opus encoders plan their in-band FEC for before any box has
 * reported its loss. */
static guint
initial_expected_loss (WbConference *self)
{
  guint configured = self->config->audio_expected_loss_percent;

  return configured == WB_AUDIO_EXPECTED_LOSS_AUTO ? 0 : configured;
}

/*
 * [media] audio-expected-loss-percent=auto: each Opus ward's own encoder
 * plans for the loss its box reports (wb_fec_plan_update()), and the
 * shared encode for the worst of all the Opus wards', since any of them
 * may be sent it.
 */
static void
update_fec_plans (WbConference *self,
                  gint64        now)
{
  guint shared = 0;

  if (self->config->audio_expected_loss_percent != WB_AUDIO_EXPECTED_LOSS_AUTO)
    return;
  for (guint i = 0; i < self->slots->len; i++) {
    Slot *slot = g_ptr_array_index (self->slots, i);
    guint8 fraction_lost = 0;
    guint reports, plan;

    if (wb_participant_get_audio_codec (slot->participant) != WB_AUDIO_CODEC_OPUS)
      continue;
    reports = wb_participant_get_loss_reports (slot->participant, &fraction_lost);
    plan = wb_fec_plan_update (&slot->fec_plan, now,
                               reports != slot->loss_reports_seen ? fraction_lost : -1,
                               WB_AUDIO_EXPECTED_LOSS_MAX);
    slot->loss_reports_seen = reports;
    if (plan != wb_participant_get_audio_fec (slot->participant))
      GST_INFO ("conference %s: %s reports %.1f %% lost: its encoder plans for %u %%", self->id,
                wb_participant_get_id (slot->participant), fraction_lost * 100.0 / 256.0, plan);
    wb_participant_set_audio_fec (slot->participant, plan);
    shared = MAX (shared, plan);
  }
  if (self->shared_opus != NULL && shared != wb_shared_opus_get_expected_loss (self->shared_opus)) {
    GST_INFO ("conference %s: the shared Opus encode plans for %u %% loss", self->id, shared);
    wb_shared_opus_set_expected_loss (self->shared_opus, shared);
  }
}

static gboolean
on_tick (gpointer user_data)
{
  WbConference *self = user_data;
  gint64 now = g_get_monotonic_time ();

  if (self->config->paced_output) {
    ensure_pacer (self->compositor, &self->comp_pacer);
    ensure_pacer (self->mixer, &self->mix_pacer);
  }
  gboolean overlay_changed = FALSE;
  g_autoptr (GPtrArray) changed = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < self->slots->len; i++) {
    Slot *slot = g_ptr_array_index (self->slots, i);
    gint64 last_audio_us, last_video_us;
    WbParticipantState state;
    gboolean lost;

    wb_participant_get_last_seen (slot->participant, &last_audio_us, &last_video_us);

    lost = media_state (slot, now, last_video_us) != WB_PARTICIPANT_STATE_LIVE;
    if (lost != slot->signal_lost) {
      slot->signal_lost = lost;
      overlay_changed = TRUE;
      GST_INFO ("conference %s: %s video %s", self->id,
                wb_participant_get_id (slot->participant), lost ? "lost" : "back");
    }

    if (!self->config->paced_output) {
      update_video_parking (self, slot, now, last_video_us);
      update_audio_parking (self, slot, now, last_audio_us);
    }

    state = media_state (slot, now, MAX (last_video_us, last_audio_us));
    if (state != slot->state) {
      slot->state = state;
      g_ptr_array_add (changed, g_strdup (wb_participant_get_id (slot->participant)));
    }
  }

  if (overlay_changed)
    apply_layout (self);
  update_speaker (self, now);
  update_fec_plans (self, now);

  /* Signal handlers may change the conference: emit last, by id. */
  for (guint i = 0; i < changed->len; i++) {
    Slot *slot = find_slot (self, g_ptr_array_index (changed, i), NULL);

    if (slot != NULL)
      g_signal_emit (self, signals[SIGNAL_PARTICIPANT_STATE], 0,
                     g_ptr_array_index (changed, i), (guint) slot->state);
  }

  return G_SOURCE_CONTINUE;
}

/* ---- bus ---------------------------------------------------------------- */

/* The ward whose bin holds @object, or NULL for the conference itself. */
static Slot *
slot_of_object (WbConference *self,
                GstObject    *object)
{
  for (guint i = 0; i < self->slots->len; i++) {
    Slot *slot = g_ptr_array_index (self->slots, i);
    GstObject *bin = GST_OBJECT (wb_participant_get_bin (slot->participant));

    if (object == bin || gst_object_has_as_ancestor (object, bin))
      return slot;
  }
  return NULL;
}

static void
handle_talking (WbConference       *self,
                const GstStructure *s)
{
  const char *pad_name = gst_structure_get_string (s, "pad");
  gboolean talking = FALSE;

  if (pad_name == NULL || !gst_structure_get_boolean (s, "talking", &talking))
    return;

  for (guint i = 0; i < self->slots->len; i++) {
    Slot *slot = g_ptr_array_index (self->slots, i);
    g_autofree char *name = NULL;
    g_autofree char *id = NULL;

    if (slot->mix_pad == NULL)
      continue;
    name = gst_pad_get_name (slot->mix_pad);
    if (g_strcmp0 (name, pad_name) != 0 || slot->talking == talking)
      continue;

    slot->talking = talking;
    if (talking)
      slot->talk_start_us = g_get_monotonic_time ();
    id = g_strdup (wb_participant_get_id (slot->participant));
    update_speaker (self, g_get_monotonic_time ());
    g_signal_emit (self, signals[SIGNAL_TALKING], 0, id, talking);
    return;
  }
}

static gboolean
on_bus_message (GstBus     *bus,
                GstMessage *message,
                gpointer    user_data)
{
  WbConference *self = user_data;

  switch (GST_MESSAGE_TYPE (message)) {
    case GST_MESSAGE_ERROR: {
      g_autoptr (GError) err = NULL;
      g_autofree char *debug = NULL;
      Slot *slot = slot_of_object (self, GST_MESSAGE_SRC (message));
      g_autofree char *id = NULL;

      gst_message_parse_error (message, &err, &debug);
      /* Say which element failed: "video-rx-1-avdec_h264: ...". */
      g_prefix_error (&err, "%s: ", GST_MESSAGE_SRC_NAME (message));
      if (slot != NULL) {
        id = g_strdup (wb_participant_get_id (slot->participant));
        GST_WARNING ("conference %s: ward %s: %s (%s)", self->id, id, err->message,
                     debug ? debug : "");
      } else {
        GST_ERROR ("conference %s: %s (%s)", self->id, err->message, debug ? debug : "");
      }
      g_signal_emit (self, signals[SIGNAL_ERROR], 0, id, err);
      break;
    }

    case GST_MESSAGE_WARNING: {
      g_autoptr (GError) err = NULL;

      gst_message_parse_warning (message, &err, NULL);
      GST_DEBUG ("conference %s: warning from %s: %s", self->id,
                 GST_MESSAGE_SRC_NAME (message), err->message);
      break;
    }

    case GST_MESSAGE_ELEMENT: {
      const GstStructure *s = gst_message_get_structure (message);

      if (s != NULL && gst_structure_has_name (s, "mixminus-talking"))
        handle_talking (self, s);
      break;
    }

    case GST_MESSAGE_LATENCY:
      /* A ward joined with its own jitter buffer and decoder latency. */
      schedule_latency (self);
      break;

    default:
      break;
  }

  return G_SOURCE_CONTINUE;
}

/* ---- construction ------------------------------------------------------- */

/*
 * Output timing ([media] paced-output).  A live aggregator (compositor,
 * mixer) sends its output as soon as every input has data for it, or at
 * its latency deadline (jitter buffer + WB_CONFERENCE_PROCESSING_SLACK +
 * one block) when one has not.
 *
 * Prompt (the default): at 32 wards the hub adds 30-55 ms of audio and
 * 40-115 ms of video (tests/bench, p50), against 120-130 and 150-260 ms
 * paced.  Inputs that never had data (a ward that joined but does not send
 * yet) are not waited for (ignore-inactive-pads).  A ward that stops
 * sending is waited for up to the deadline until it is seen stalled, then
 * its inputs are parked (update_video_parking(), update_audio_parking());
 * so its stall moves the others' timing by about the latency, and its
 * return moves it back: a gap heard and seen each time.
 *
 * Paced: a pacer, an input that never gets data, makes the aggregator
 * always wait for the deadline, so a ward stalling or leaving changes
 * nothing in the timing of what the others receive, at the cost of the
 * whole latency on every block.
 */
static GstPad *
add_pacer (GstElement *aggregator)
{
  GstPad *pad = gst_element_request_pad_simple (aggregator, "sink_%u");

  if (pad != NULL && g_object_class_find_property (G_OBJECT_GET_CLASS (pad), "alpha") != NULL)
    g_object_set (pad, "alpha", 0.0, NULL);
  return pad;
}

/*
 * The conference's own clock sources (the black background, the silent mix
 * input) make each buffer at its start time, yet declare one buffer of
 * latency like a capture device.  The aggregators wait for their slowest
 * input's latency, so the background alone held every composite back by a
 * frame (66 ms at 15 fps).  They answer what is true: no latency.
 */
static GstPadProbeReturn
no_latency_probe (GstPad          *pad,
                  GstPadProbeInfo *info,
                  gpointer         user_data)
{
  GstQuery *query = GST_PAD_PROBE_INFO_QUERY (info);

  if (GST_QUERY_TYPE (query) != GST_QUERY_LATENCY)
    return GST_PAD_PROBE_OK;
  gst_query_set_latency (query, TRUE, 0, GST_CLOCK_TIME_NONE);
  return GST_PAD_PROBE_HANDLED;
}

static gboolean
build_video (WbConference  *self,
             GError       **error)
{
  const WbConfig *c = self->config;
  GstElement *bg_freeze, *bg_caps, *canvas_caps, *raw_tee, *enc_queue,
      *h264_caps, *pay, *send_queue, *snap_queue;
  g_autoptr (GstCaps) raw = NULL;
  g_autoptr (GstCaps) h264 = NULL;
  g_autoptr (GstPad) bg_pad = NULL;

  if (!(self->background = add_element (self, "appsrc", "background", error)) ||
      !(bg_freeze = add_element (self, "imagefreeze", "background-freeze", error)) ||
      !(bg_caps = add_element (self, "capsfilter", "background-caps", error)) ||
      !(self->compositor = add_element (self, "compositor", "compositor", error)) ||
      !(canvas_caps = add_element (self, "capsfilter", "canvas-caps", error)) ||
      !(raw_tee = add_element (self, "tee", "raw-tee", error)) ||
      !(enc_queue = add_element (self, "queue", "encoder-queue", error)) ||
      !(self->encoder = add_element (self, "x264enc", "encoder", error)) ||
      !(h264_caps = add_element (self, "capsfilter", "h264-caps", error)) ||
      !(self->h264_tee = add_element (self, "tee", "h264-tee", error)) ||
      !(pay = add_element (self, "rtph264pay", "video-pay", error)) ||
      !(send_queue = add_element (self, "queue", "video-send", error)) ||
      !(self->video_tee = add_element (self, "tee", "video-tee", error)) ||
      !(snap_queue = add_element (self, "queue", "snapshot-queue", error)) ||
      !(self->snapshot_sink = add_element (self, "fakesink", "snapshot-sink", error)))
    return FALSE;

  /* The composite has the tiles' colour matrix, BT.601: the wards send
   * standard definition (360p), which decoders give as BT.601, while caps
   * without colorimetry make 720p and up BT.709.  With the two different,
   * the compositor converted every tile's matrix on its way to the canvas,
   * through GstVideoConverter's line-by-line path: 305 µs a tile against
   * 52 µs for the plain scaling (640x360 to 212x120), 15 % of a core at
   * 32 wards and 15 fps against 2.5 % (docs/benchmarks.md item 29). */
  raw = gst_caps_new_simple ("video/x-raw",
                             "format", G_TYPE_STRING, "I420",
                             "width", G_TYPE_INT, (gint) c->width,
                             "height", G_TYPE_INT, (gint) c->height,
                             "framerate", GST_TYPE_FRACTION, (gint) c->framerate, 1,
                             "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1,
                             "colorimetry", G_TYPE_STRING, GST_VIDEO_COLORIMETRY_BT601,
                             NULL);

  /* The canvas behind the tiles (black, with the slates of the wards whose
   * video is lost: update_canvas()), repeated live at the frame rate, drives
   * the composite even when no ward sends.  Each new canvas replaces it. */
  gst_video_info_from_caps (&self->canvas_info, raw);
  {
    g_autoptr (GstCaps) still = gst_caps_copy (raw);

    gst_caps_set_simple (still, "framerate", GST_TYPE_FRACTION, 0, 1, NULL);
    g_object_set (self->background, "caps", still, "format", GST_FORMAT_TIME,
                  "is-live", TRUE, "max-buffers", (guint64) 2, "leaky-type", 2 /* downstream */,
                  NULL);
  }
  g_object_set (bg_freeze, "is-live", TRUE, "allow-replace", TRUE, NULL);
  g_object_set (bg_caps, "caps", raw, NULL);
  g_object_set (canvas_caps, "caps", raw, NULL);
  gst_util_set_object_arg (G_OBJECT (self->compositor), "background", "black");
  {
    g_autoptr (GstPad) encoded = gst_element_get_static_pad (self->encoder, "src");

    gst_pad_add_probe (encoded, GST_PAD_PROBE_TYPE_BUFFER, video_encode_probe, self, NULL);
  }
  g_object_set (self->compositor, "latency", (guint64) WB_CONFERENCE_PROCESSING_SLACK, NULL);
  gst_util_set_object_arg (G_OBJECT (self->compositor), "start-time-selection", "first");
  /* See add_pacer() for the output timing. */
  g_object_set (self->compositor, "ignore-inactive-pads", !self->config->paced_output, NULL);

  {
    g_autoptr (GstPad) canvas = gst_element_get_static_pad (canvas_caps, "src");

    gst_pad_add_probe (canvas, GST_PAD_PROBE_TYPE_BUFFER, name_bands_probe, self, NULL);
  }

  /* Encoding must never hold up compositing: drop frames when behind.
   * All our queues leak upstream (drop the incoming buffer): a queue that
   * leaks downstream also drops queued sticky events and can then reorder
   * them (stream-start after caps). */
  g_object_set (enc_queue, "leaky", 1, "max-size-buffers", 3, "max-size-bytes", 0,
                "max-size-time", (guint64) 0, NULL);
  gst_util_set_object_arg (G_OBJECT (self->encoder), "tune", "zerolatency");
  gst_util_set_object_arg (G_OBJECT (self->encoder), "speed-preset", "ultrafast");
  g_object_set (self->encoder,
                "bitrate", c->video_bitrate_kbps,
                /* Wards ask with PLI; a stock player that joins late and
                 * never asks gets a picture within two seconds anyway. */
                "key-int-max", c->framerate * 2,
                "min-force-key-unit-interval",
                (guint64) WB_CONFERENCE_KEYFRAME_MIN_MS * GST_MSECOND,
                NULL);
  h264 = gst_caps_from_string ("video/x-h264,stream-format=byte-stream,"
                               "profile=constrained-baseline");
  g_object_set (h264_caps, "caps", h264, NULL);
  g_object_set (pay, "pt", WB_PT_H264, "config-interval", -1, NULL);
  gst_util_set_object_arg (G_OBJECT (pay), "aggregate-mode", "zero-latency");
  /* One thread sends the composite to every ward, straight into each
   * ward's RTP session (no queue per ward: that woke 32 threads for every
   * packet), and never holds up the encoder: when it falls behind, new
   * packets are dropped, as each ward's own queue did before. */
  g_object_set (send_queue, "leaky", 1, "max-size-buffers", 400, "max-size-bytes", 0,
                "max-size-time", (guint64) 0, NULL);
  g_object_set (self->video_tee, "allow-not-linked", TRUE, NULL);

  g_object_set (snap_queue, "leaky", 1, "max-size-buffers", 1, "max-size-bytes", 0,
                "max-size-time", (guint64) 0, NULL);
  g_object_set (self->snapshot_sink, "sync", FALSE, "async", FALSE,
                "enable-last-sample", TRUE, NULL);

  if (!link_many (error, self->background, bg_freeze, bg_caps, NULL) ||
      !link_many (error, self->compositor, canvas_caps, raw_tee, enc_queue,
                  self->encoder, h264_caps, self->h264_tee, pay, send_queue, self->video_tee,
                  NULL) ||
      !link_many (error, raw_tee, snap_queue, self->snapshot_sink, NULL))
    return FALSE;

  bg_pad = gst_element_request_pad_simple (self->compositor, "sink_%u");
  {
    g_autoptr (GstPad) src = gst_element_get_static_pad (bg_caps, "src");

    g_object_set (bg_pad, "zorder", 0, NULL);
    gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_QUERY_UPSTREAM, no_latency_probe, NULL, NULL);
    if (GST_PAD_LINK_FAILED (gst_pad_link (src, bg_pad))) {
      g_set_error (error, WB_CONFERENCE_ERROR, WB_CONFERENCE_ERROR_FAILED,
                   "cannot link the background to the compositor");
      return FALSE;
    }
  }

  return TRUE;
}

static gboolean
build_audio (WbConference  *self,
             GError       **error)
{
  GstElement *silence, *silence_caps, *queue, *sink;
  g_autoptr (GstCaps) mix_caps = NULL;
  g_autoptr (GstPad) silence_pad = NULL;
  g_autoptr (GstPad) silence_src = NULL;

  self->mixer = gst_element_factory_make (MIXER_FACTORY, "mixer");
  if (self->mixer == NULL) {
    GST_WARNING ("conference %s: element '%s' is missing: audio is not mixed", self->id,
                 MIXER_FACTORY);
    return TRUE;
  }
  gst_bin_add (GST_BIN (self->pipeline), self->mixer);
  g_object_set (self->mixer, "latency", (guint64) WB_CONFERENCE_PROCESSING_SLACK,
                "gate", self->config->mix_gate, NULL);
  {
    g_autoptr (GstPad) mixed = gst_element_get_static_pad (self->mixer, "src");

    gst_pad_add_probe (mixed, GST_PAD_PROBE_TYPE_BUFFER, mixer_deadline_probe, self, NULL);
  }
  /* Start from the first input buffer, whose caps come before it: a live
   * audio aggregator that times out before any caps fails with "not
   * negotiated" (seen at start-up on a loaded machine). */
  gst_util_set_object_arg (G_OBJECT (self->mixer), "start-time-selection", "first");
  g_object_set (self->mixer, "ignore-inactive-pads", !self->config->paced_output, NULL);

  if (!(silence = add_element (self, "audiotestsrc", "mix-clock", error)) ||
      !(silence_caps = add_element (self, "capsfilter", "mix-clock-caps", error)) ||
      !(self->full_mix_tee = add_element (self, "tee", "full-mix-tee", error)) ||
      !(queue = add_element (self, "queue", "full-mix-queue", error)) ||
      !(sink = add_element (self, "fakesink", "full-mix-sink", error)))
    return FALSE;

  /* A live silent input keeps the mixer running at the clock's pace from
   * the start, with or without wards: the full mix (recording) has no
   * holes.  Its own mix-minus output stays unlinked. */
  g_object_set (silence, "is-live", TRUE, "samplesperbuffer", WB_MIX_RATE / 100, NULL);
  gst_util_set_object_arg (G_OBJECT (silence), "wave", "silence");
  mix_caps = gst_caps_from_string (WB_MIX_CAPS);
  g_object_set (silence_caps, "caps", mix_caps, NULL);
  if (!link_many (error, silence, silence_caps, NULL))
    return FALSE;
  silence_pad = gst_element_request_pad_simple (self->mixer, "sink_%u");
  silence_src = gst_element_get_static_pad (silence_caps, "src");
  gst_pad_add_probe (silence_src, GST_PAD_PROBE_TYPE_QUERY_UPSTREAM, no_latency_probe, NULL,
                     NULL);
  if (silence_pad == NULL || GST_PAD_LINK_FAILED (gst_pad_link (silence_src, silence_pad))) {
    g_set_error (error, WB_CONFERENCE_ERROR, WB_CONFERENCE_ERROR_FAILED,
                 "cannot link the silent clock input to the mixer");
    return FALSE;
  }

  g_object_set (queue, "leaky", 1, "max-size-buffers", 10, "max-size-bytes", 0,
                "max-size-time", (guint64) 0, NULL);
  g_object_set (sink, "sync", FALSE, "async", FALSE, NULL);

  if (!link_many (error, self->mixer, self->full_mix_tee, queue, sink, NULL))
    return FALSE;

  self->shared_opus = wb_shared_opus_new (GST_BIN (self->pipeline), self->full_mix_tee,
                                          self->config->audio_bitrate_kbps,
                                          initial_expected_loss (self), error);
  return self->shared_opus != NULL;
}

static gboolean
build_recorder (WbConference  *self,
                GError       **error)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%dT%H%M%SZ");
  g_autofree char *dir = g_build_filename (self->config->state_dir, "recordings", NULL);
  g_autofree char *file = g_strdup_printf ("%s-%s.mkv", self->id, stamp);
  g_autofree char *path = g_build_filename (dir, file, NULL);

  if (g_mkdir_with_parents (dir, 0750) != 0) {
    int saved = errno;

    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                 "cannot create %s: %s", dir, g_strerror (saved));
    return FALSE;
  }

  self->recorder = wb_recorder_new (GST_BIN (self->pipeline), self->h264_tee,
                                    self->full_mix_tee, path,
                                    self->config->audio_bitrate_kbps, error);
  return self->recorder != NULL;
}

WbConference *
wb_conference_new (const WbConfig *config,
                   const char     *id,
                   const char     *title,
                   WbLayoutKind    layout,
                   gboolean        record,
                   GError        **error)
{
  g_autoptr (WbConference) self = NULL;
  g_autofree char *name = NULL;
  g_autoptr (GstBus) bus = NULL;

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (id != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  ensure_plugins ();

  self = g_object_new (WB_TYPE_CONFERENCE, NULL);
  self->config = wb_config_ref ((WbConfig *) config);
  self->id = g_strdup (id);
  self->title = g_strdup (title ? title : id);
  self->layout = layout;
  self->record = record;
  self->context = g_main_context_ref_thread_default ();
  self->ports = wb_port_allocator_new (config->rtp_port_min, config->rtp_port_max);
  if (self->ports == NULL) {
    g_set_error (error, WB_CONFERENCE_ERROR, WB_CONFERENCE_ERROR_INVALID,
                 "bad RTP port range %u-%u", config->rtp_port_min, config->rtp_port_max);
    return NULL;
  }

  name = g_strdup_printf ("conference-%s", id);
  self->pipeline = gst_object_ref_sink (gst_pipeline_new (name));

  if (!build_video (self, error) || !build_audio (self, error) ||
      (record && !build_recorder (self, error))) {
    g_prefix_error (error, "conference %s: ", id);
    return NULL;
  }

  bus = gst_pipeline_get_bus (GST_PIPELINE (self->pipeline));
  gst_bus_add_watch (bus, on_bus_message, self);

  if (gst_element_set_state (self->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    g_set_error (error, WB_CONFERENCE_ERROR, WB_CONFERENCE_ERROR_FAILED,
                 "conference %s: the pipeline did not start", id);
    return NULL;
  }

  self->tick = g_timeout_source_new (WB_CONFERENCE_TICK_MS);
  g_source_set_callback (self->tick, on_tick, self, NULL);
  g_source_set_name (self->tick, "wb-conference-tick");
  g_source_attach (self->tick, self->context);
  schedule_latency (self);

  update_overlay (self);
  GST_INFO ("conference %s started: %ux%u@%u, layout %s", id, config->width,
            config->height, config->framerate, wb_layout_kind_to_string (layout));

  return g_steal_pointer (&self);
}

/* ---- wards joining and leaving ------------------------------------------ */

/* A ward's decoder asks the aggregator for buffers (ALLOCATION) when it
 * (re)negotiates.  Once, in a sanitizer run of 20 leave/rejoin cycles,
 * adding a pool to such a query failed because the query was not writable
 * (a GStreamer critical); the likeliest path is GstAggregator answering the
 * serialized query while it still holds it in the pad's queue.  Not proven:
 * it did not recur in 8 runs.  So the query is answered here, before it
 * reaches the aggregator, with what the aggregators take: for video, a
 * fresh pool of the decoder's own, and frames with their own strides and
 * plane offsets (GstVideoMeta).  avdec_h264 renders straight into that
 * pool (with the padding libav needs); refused outright, the query left it
 * decoding into libav's buffers and copying every frame out.  (A frame
 * libav keeps as a reference is still copied once, by GstVideoDecoder
 * making its output writable.) */
static GstPadProbeReturn
allocation_query_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  GstQuery *query = GST_PAD_PROBE_INFO_QUERY (info);
  GstCaps *caps = NULL;
  GstVideoInfo vinfo;

  if (GST_QUERY_TYPE (query) != GST_QUERY_ALLOCATION)
    return GST_PAD_PROBE_OK;
  gst_query_parse_allocation (query, &caps, NULL);
  if (caps == NULL || !gst_query_is_writable (query))
    return GST_PAD_PROBE_DROP;
  if (gst_video_info_from_caps (&vinfo, caps)) {
    g_autoptr (GstBufferPool) pool = gst_video_buffer_pool_new ();

    gst_query_add_allocation_pool (query, pool, (guint) GST_VIDEO_INFO_SIZE (&vinfo), 0, 0);
    gst_query_add_allocation_meta (query, GST_VIDEO_META_API_TYPE, NULL);
  }
  return GST_PAD_PROBE_HANDLED;
}

static void
answer_allocation_queries (GstPad *pad)
{
  if (pad != NULL)
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_QUERY_DOWNSTREAM, allocation_query_probe, NULL, NULL);
}

/* Takes @slot out of the pipeline, in an order that never blocks a
 * streaming thread: first what feeds the ward (tee, mixer), then what the
 * ward feeds (compositor, mixer input, released together with the mixer's
 * output), then the ward's own threads. */
static void
slot_free (WbConference *self,
           Slot         *slot)
{
  GstElement *bin = wb_participant_get_bin (slot->participant);
  WbParticipantStats stats;

  /* Keep the ward's encodes in the conference's count. */
  wb_participant_get_stats (slot->participant, &stats);
  self->audio_encodes_of_gone += stats.audio_encodes;

  if (slot->tee_pad != NULL) {
    gst_element_release_request_pad (self->video_tee, slot->tee_pad);
    gst_clear_object (&slot->tee_pad);
  }
  if (slot->shared_tap != NULL) {
    wb_shared_opus_unplug (self->shared_opus, slot->shared_tap);
    slot->shared_tap = NULL;
  }
  if (slot->mix_pad != NULL) {
    gst_element_release_request_pad (self->mixer, slot->mix_pad);
    gst_clear_object (&slot->mix_pad);
  }
  if (slot->comp_pad != NULL) {
    gst_element_release_request_pad (self->compositor, slot->comp_pad);
    gst_clear_object (&slot->comp_pad);
  }

  gst_element_set_state (bin, GST_STATE_NULL);
  if (GST_OBJECT_PARENT (bin) == GST_OBJECT (self->pipeline))
    gst_bin_remove (GST_BIN (self->pipeline), bin);

  if (slot->audio_drain != NULL) {
    gst_element_set_state (slot->audio_drain, GST_STATE_NULL);
    gst_bin_remove (GST_BIN (self->pipeline), slot->audio_drain);
    slot->audio_drain = NULL;
  }

  g_clear_object (&slot->participant);
  g_atomic_rc_box_release (slot->video_park_pending);
  g_free (slot);
}

static gboolean
link_ghost (GstElement  *bin,
            const char  *ghost,
            GstPad      *peer,
            gboolean     ghost_is_src,
            GError     **error)
{
  g_autoptr (GstPad) pad = gst_element_get_static_pad (bin, ghost);
  GstPadLinkReturn ret;

  ret = ghost_is_src ? gst_pad_link (pad, peer) : gst_pad_link (peer, pad);
  if (GST_PAD_LINK_FAILED (ret)) {
    g_set_error (error, WB_CONFERENCE_ERROR, WB_CONFERENCE_ERROR_FAILED,
                 "cannot link %s:%s (%s)", GST_ELEMENT_NAME (bin), ghost,
                 gst_pad_link_get_name (ret));
    return FALSE;
  }
  return TRUE;
}

/*
 * How a ward's picture is scaled down to its tile: every tile of every
 * frame, the largest cost of compositing.  Two-tap bilinear filtering
 * without dithering: a camera picture has little detail that aliases at a
 * 3:1 reduction (360p into a 32-tile grid), and the default (cubic with as
 * many taps as the ratio asks, dithered) cost 16 % of a core at 32 wards
 * against 12 % for this (bench-hub --wards 32).
 */
static const GstStructure *
tile_converter_config (void)
{
  static GstStructure *config;

  if (g_once_init_enter (&config)) {
    GstStructure *s = gst_structure_new ("GstVideoConverter",
        GST_VIDEO_CONVERTER_OPT_RESAMPLER_METHOD, GST_TYPE_VIDEO_RESAMPLER_METHOD,
        GST_VIDEO_RESAMPLER_METHOD_LINEAR,
        GST_VIDEO_CONVERTER_OPT_RESAMPLER_TAPS, G_TYPE_UINT, 2,
        GST_VIDEO_CONVERTER_OPT_CHROMA_RESAMPLER_METHOD, GST_TYPE_VIDEO_RESAMPLER_METHOD,
        GST_VIDEO_RESAMPLER_METHOD_LINEAR,
        GST_VIDEO_CONVERTER_OPT_DITHER_METHOD, GST_TYPE_VIDEO_DITHER_METHOD,
        GST_VIDEO_DITHER_NONE,
        NULL);

    g_once_init_leave (&config, s);
  }
  return config;
}

/* A compositor input for a ward's tile, hidden until apply_layout() places
 * it. */
static GstPad *
request_comp_pad (WbConference *self,
                  guint         zorder)
{
  GstPad *pad = gst_element_request_pad_simple (self->compositor, "sink_%u");

  if (pad == NULL)
    return NULL;
  answer_allocation_queries (pad);
  g_object_set (pad, "zorder", zorder, "alpha", 0.0, NULL);
  gst_util_set_object_arg (G_OBJECT (pad), "sizing-policy", "keep-aspect-ratio");
  g_object_set (pad, "converter-config", tile_converter_config (), NULL);
  return pad;
}

/* Wires the ward's bin into the running pipeline (see slot_free() for the
 * reverse).  The bin's outputs are linked while it is still stopped, it is
 * started, and only then is it fed, so no element ever pushes into a
 * stopped pad. */
static gboolean
slot_plug (WbConference  *self,
           Slot          *slot,
           GError       **error)
{
  GstElement *bin = wb_participant_get_bin (slot->participant);
  g_autoptr (GstPad) mix_src = NULL;

  /* The pipeline takes its own reference; the participant keeps its. */
  gst_bin_add (GST_BIN (self->pipeline), bin);

  /* Video out of the ward: a compositor tile, placed by apply_layout(). */
  slot->comp_pad = request_comp_pad (self, 1 + self->slots->len);
  if (slot->comp_pad == NULL) {
    g_set_error (error, WB_CONFERENCE_ERROR, WB_CONFERENCE_ERROR_FAILED,
                 "the compositor refused a new input");
    return FALSE;
  }
  if (!link_ghost (bin, "video_src", slot->comp_pad, TRUE, error))
    return FALSE;

  /* Audio out of the ward: a mixer input, or a drain without mixer. */
  if (self->mixer != NULL) {
    g_autofree char *pad_name = NULL;
    g_autofree char *src_name = NULL;
    guint index;

    slot->mix_pad = gst_element_request_pad_simple (self->mixer, "sink_%u");
    if (slot->mix_pad == NULL) {
      g_set_error (error, WB_CONFERENCE_ERROR, WB_CONFERENCE_ERROR_FAILED,
                   "the mixer refused a new input");
      return FALSE;
    }
    answer_allocation_queries (slot->mix_pad);
    pad_name = gst_pad_get_name (slot->mix_pad);
    if (sscanf (pad_name, "sink_%u", &index) != 1) {
      g_set_error (error, WB_CONFERENCE_ERROR, WB_CONFERENCE_ERROR_FAILED,
                   "unexpected mixer pad %s", pad_name);
      return FALSE;
    }
    src_name = g_strdup_printf ("src_%u", index);
    mix_src = gst_element_get_static_pad (self->mixer, src_name);
    if (mix_src == NULL) {
      g_set_error (error, WB_CONFERENCE_ERROR, WB_CONFERENCE_ERROR_FAILED,
                   "the mixer made no %s for %s", src_name, pad_name);
      return FALSE;
    }
    g_object_set (slot->mix_pad, "mute", slot->muted, NULL);
    /* Inline, the shared receiving thread pushes into this input: when it
     * is full it must keep (or past 320 ms drop) rather than stall every
     * ward (never-block, plugins/gstmixminus.c). */
    if (self->config->audio_jitter == WB_AUDIO_JITTER_INLINE &&
        self->config->receive == WB_RECEIVE_SHARED)
      g_object_set (slot->mix_pad, "never-block", TRUE, NULL);
    if (!link_ghost (bin, "audio_src", slot->mix_pad, TRUE, error))
      return FALSE;
  } else {
    g_autoptr (GstPad) drain_pad = NULL;

    slot->audio_drain = gst_element_factory_make ("fakesink", NULL);
    g_object_set (slot->audio_drain, "sync", FALSE, "async", FALSE, NULL);
    gst_bin_add (GST_BIN (self->pipeline), slot->audio_drain);
    gst_element_sync_state_with_parent (slot->audio_drain);
    drain_pad = gst_element_get_static_pad (slot->audio_drain, "sink");
    if (!link_ghost (bin, "audio_src", drain_pad, TRUE, error))
      return FALSE;
  }

  if (!gst_element_sync_state_with_parent (bin)) {
    g_set_error (error, WB_CONFERENCE_ERROR, WB_CONFERENCE_ERROR_FAILED,
                 "the ward's bin did not start");
    return FALSE;
  }

  /* Now feed it: its mix-minus (and an Opus ward the shared encode of the
   * full mix, told block by block which one to send) and the composite. */
  if (mix_src != NULL && wb_participant_get_audio_codec (slot->participant) == WB_AUDIO_CODEC_OPUS) {
    g_autoptr (GError) local_error = NULL;

    slot->shared_tap = wb_shared_opus_plug (self->shared_opus, slot->participant, mix_src,
                                            &local_error);
    if (slot->shared_tap == NULL) {
      g_set_error (error, WB_CONFERENCE_ERROR, WB_CONFERENCE_ERROR_FAILED, "%s",
                   local_error->message);
      return FALSE;
    }
  }
  if (mix_src != NULL && !link_ghost (bin, "audio_sink", mix_src, FALSE, error))
    return FALSE;
  {
    g_autoptr (GstPad) video_sink = gst_element_get_static_pad (bin, "video_sink");

    slot->tee_pad = wb_media_link_tee_pad (self->video_tee, video_sink, error);
    if (slot->tee_pad == NULL)
      return FALSE;
  }

  return TRUE;
}

static gboolean
check_running (WbConference  *self,
               GError       **error)
{
  if (self->ended) {
    g_set_error (error, WB_CONFERENCE_ERROR, WB_CONFERENCE_ERROR_ENDED,
                 "conference %s has ended", self->id);
    return FALSE;
  }
  return TRUE;
}

gboolean
wb_conference_add_endpoint (WbConference            *self,
                            const WbEndpointConfig  *endpoint,
                            const char              *remote_address,
                            guint                    audio_port,
                            guint                    video_port,
                            WbJoinInfo             **out_info,
                            GError                 **error)
{
  g_autoptr (GInetAddress) remote = NULL;
  g_autoptr (GInetAddress) any = NULL;
  g_autoptr (GError) local_error = NULL;
  GSocket *sockets[WB_N_SOCKETS] = { NULL, };
  guint base_port = 0;
  g_autoptr (GBytes) srtp_key = NULL;
  const WbParticipantMedia media = {
    .jitter_ms = self->config->jitter_ms,
    .audio_jitter = self->config->audio_jitter,
    .receive = self->config->receive,
    .receive_batch_ms = self->config->receive_batch_ms,
    .audio_bitrate_kbps = self->config->audio_bitrate_kbps,
    .audio_expected_loss_percent = initial_expected_loss (self),
  };
  WbParticipant *participant;
  Slot *slot;

  g_return_val_if_fail (WB_IS_CONFERENCE (self), FALSE);
  g_return_val_if_fail (endpoint != NULL && endpoint->id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_running (self, error))
    return FALSE;
  if (find_slot (self, endpoint->id, NULL) != NULL) {
    g_set_error (error, WB_CONFERENCE_ERROR, WB_CONFERENCE_ERROR_ALREADY_JOINED,
                 "%s is already in conference %s", endpoint->id, self->id);
    return FALSE;
  }
  if (self->slots->len >= WB_LAYOUT_MAX_TILES) {
    g_set_error (error, WB_CONFERENCE_ERROR, WB_CONFERENCE_ERROR_INVALID,
                 "conference %s is full (%u wards)", self->id, WB_LAYOUT_MAX_TILES);
    return FALSE;
  }

  /* A static endpoint uses its configured address and ports. */
  if (remote_address == NULL)
    remote_address = endpoint->address;
  if (audio_port == 0)
    audio_port = endpoint->audio_port;
  if (video_port == 0)
    video_port = endpoint->video_port;

  if (remote_address == NULL ||
      (remote = g_inet_address_new_from_string (remote_address)) == NULL) {
    g_set_error (error, WB_CONFERENCE_ERROR, WB_CONFERENCE_ERROR_INVALID,
                 "%s: '%s' is not an IP address", endpoint->id,
                 remote_address ? remote_address : "(none)");
    return FALSE;
  }
  if (audio_port == 0 || video_port == 0 || audio_port > 65534 || video_port > 65534 ||
      audio_port % 2 != 0 || video_port % 2 != 0) {
    g_set_error (error, WB_CONFERENCE_ERROR, WB_CONFERENCE_ERROR_INVALID,
                 "%s: ports %u and %u must be even RTP ports (RTCP on the next)",
                 endpoint->id, audio_port, video_port);
    return FALSE;
  }

  any = g_inet_address_new_any (g_inet_address_get_family (remote));
  if (!wb_port_allocator_bind (self->ports, any, WB_N_SOCKETS, sockets, &base_port,
                               &local_error)) {
    g_set_error (error, WB_CONFERENCE_ERROR,
                 g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NO_SPACE)
                 ? WB_CONFERENCE_ERROR_NO_PORTS : WB_CONFERENCE_ERROR_FAILED,
                 "%s: %s", endpoint->id, local_error->message);
    return FALSE;
  }

  if (endpoint->srtp)
    srtp_key = wb_srtp_key_new (&local_error);
  if (endpoint->srtp && srtp_key == NULL)
    participant = NULL;
  else
    participant = wb_participant_new (endpoint, remote, audio_port, video_port, sockets,
                                      base_port, &media, srtp_key, srtp_key, &local_error);
  for (guint i = 0; i < WB_N_SOCKETS; i++) {
    if (participant == NULL)
      g_socket_close (sockets[i], NULL);
    g_clear_object (&sockets[i]);
  }
  if (participant == NULL) {
    g_set_error (error, WB_CONFERENCE_ERROR, WB_CONFERENCE_ERROR_FAILED,
                 "%s", local_error->message);
    return FALSE;
  }

  slot = g_new0 (Slot, 1);
  slot->video_park_pending = g_atomic_rc_box_new0 (gint);
  slot->participant = participant;
  slot->state = WB_PARTICIPANT_STATE_JOINING;
  slot->joined_us = g_get_monotonic_time ();

  if (!slot_plug (self, slot, &local_error)) {
    slot_free (self, slot);
    g_set_error (error, WB_CONFERENCE_ERROR, WB_CONFERENCE_ERROR_FAILED,
                 "%s: %s", endpoint->id, local_error->message);
    return FALSE;
  }

  g_ptr_array_add (self->slots, slot);
  apply_layout (self);
  request_keyframe (self);
  {
    GstClockTime audio;

    g_mutex_lock (&self->counters_lock);
    audio = self->mixer_latency;
    g_mutex_unlock (&self->counters_lock);
    wb_participant_set_upstream_latency (participant, audio, self->video_latency);
  }
  schedule_latency (self);

  GST_INFO ("conference %s: %s joined from %s, hub ports %u-%u, sending to %u/%u",
            self->id, endpoint->id, remote_address, base_port, base_port + 3,
            audio_port, video_port);

  if (out_info != NULL)
    *out_info = wb_join_info_new (self->config, self->id, self->title, endpoint,
                                  remote_address, audio_port, video_port,
                                  wb_participant_get_hub_audio_port (participant),
                                  wb_participant_get_hub_video_port (participant),
                                  srtp_key);

  return TRUE;
}

gboolean
wb_conference_remove_endpoint (WbConference  *self,
                               const char    *endpoint_id,
                               GError       **error)
{
  guint index;
  Slot *slot;

  g_return_val_if_fail (WB_IS_CONFERENCE (self), FALSE);
  g_return_val_if_fail (endpoint_id != NULL, FALSE);

  if (!check_running (self, error))
    return FALSE;
  slot = find_slot (self, endpoint_id, &index);
  if (slot == NULL) {
    g_set_error (error, WB_CONFERENCE_ERROR, WB_CONFERENCE_ERROR_NOT_JOINED,
                 "%s is not in conference %s", endpoint_id, self->id);
    return FALSE;
  }

  g_ptr_array_remove_index (self->slots, index);
  slot_free (self, slot);
  if (g_strcmp0 (self->speaker_id, endpoint_id) == 0)
    g_clear_pointer (&self->speaker_id, g_free);
  apply_layout (self);

  GST_INFO ("conference %s: %s left", self->id, endpoint_id);
  return TRUE;
}

gboolean
wb_conference_has_endpoint (WbConference *self,
                            const char   *endpoint_id)
{
  g_return_val_if_fail (WB_IS_CONFERENCE (self), FALSE);
  return find_slot (self, endpoint_id, NULL) != NULL;
}

/* ---- control ------------------------------------------------------------ */

gboolean
wb_conference_set_muted (WbConference  *self,
                         const char    *endpoint_id,
                         gboolean       muted,
                         GError       **error)
{
  Slot *slot;

  g_return_val_if_fail (WB_IS_CONFERENCE (self), FALSE);

  if (!check_running (self, error))
    return FALSE;
  slot = find_slot (self, endpoint_id, NULL);
  if (slot == NULL) {
    g_set_error (error, WB_CONFERENCE_ERROR, WB_CONFERENCE_ERROR_NOT_JOINED,
                 "%s is not in conference %s", endpoint_id, self->id);
    return FALSE;
  }

  slot->muted = muted;
  if (slot->mix_pad != NULL)
    g_object_set (slot->mix_pad, "mute", muted, NULL);
  return TRUE;
}

void
wb_conference_set_layout (WbConference *self,
                          WbLayoutKind  layout)
{
  g_return_if_fail (WB_IS_CONFERENCE (self));

  if (self->ended || layout == self->layout)
    return;
  self->layout = layout;
  apply_layout (self);
}

WbLayoutKind
wb_conference_get_layout (WbConference *self)
{
  return self->layout;
}

gboolean
wb_conference_set_presenter (WbConference  *self,
                             const char    *endpoint_id,
                             GError       **error)
{
  g_return_val_if_fail (WB_IS_CONFERENCE (self), FALSE);

  if (!check_running (self, error))
    return FALSE;
  if (endpoint_id != NULL && find_slot (self, endpoint_id, NULL) == NULL) {
    g_set_error (error, WB_CONFERENCE_ERROR, WB_CONFERENCE_ERROR_NOT_JOINED,
                 "%s is not in conference %s", endpoint_id, self->id);
    return FALSE;
  }

  g_free (self->presenter_id);
  self->presenter_id = g_strdup (endpoint_id);
  apply_layout (self);
  return TRUE;
}

const char *
wb_conference_get_presenter (WbConference *self)
{
  return self->presenter_id;
}

const char *
wb_conference_get_speaker (WbConference *self)
{
  return self->speaker_id;
}

const char *
wb_conference_get_id (WbConference *self)
{
  return self->id;
}

const char *
wb_conference_get_title (WbConference *self)
{
  return self->title;
}

gboolean
wb_conference_get_recording (WbConference *self)
{
  return self->record;
}

const char *
wb_conference_get_recording_path (WbConference *self)
{
  g_return_val_if_fail (WB_IS_CONFERENCE (self), NULL);
  return self->recorder ? wb_recorder_get_path (self->recorder) : NULL;
}

gboolean
wb_conference_is_ended (WbConference *self)
{
  return self->ended;
}

gboolean
wb_conference_has_audio_mixer (WbConference *self)
{
  return self->mixer != NULL;
}

gboolean
wb_conference_get_tile (WbConference *self,
                        const char   *endpoint_id,
                        WbTileRect   *out)
{
  guint index;

  g_return_val_if_fail (WB_IS_CONFERENCE (self), FALSE);

  if (find_slot (self, endpoint_id, &index) == NULL || !self->tiles[index].visible)
    return FALSE;
  *out = self->tiles[index];
  return TRUE;
}

gboolean
wb_conference_get_hub_ports (WbConference *self,
                             const char   *endpoint_id,
                             guint        *audio_port,
                             guint        *video_port)
{
  Slot *slot;

  g_return_val_if_fail (WB_IS_CONFERENCE (self), FALSE);

  slot = find_slot (self, endpoint_id, NULL);
  if (slot == NULL)
    return FALSE;
  if (audio_port != NULL)
    *audio_port = wb_participant_get_hub_audio_port (slot->participant);
  if (video_port != NULL)
    *video_port = wb_participant_get_hub_video_port (slot->participant);
  return TRUE;
}

GstElement *
wb_conference_get_pipeline (WbConference *self)
{
  g_return_val_if_fail (WB_IS_CONFERENCE (self), NULL);
  return self->pipeline ? gst_object_ref (self->pipeline) : NULL;
}

GPtrArray *
wb_conference_get_participants (WbConference *self)
{
  GPtrArray *reports = g_ptr_array_new_with_free_func ((GDestroyNotify) wb_participant_report_free);

  g_return_val_if_fail (WB_IS_CONFERENCE (self), reports);

  for (guint i = 0; i < self->slots->len; i++) {
    Slot *slot = g_ptr_array_index (self->slots, i);
    WbParticipantReport *report = g_new0 (WbParticipantReport, 1);

    report->endpoint_id = g_strdup (wb_participant_get_id (slot->participant));
    report->state = slot->state;
    report->muted = slot->muted;
    report->talking = slot->talking;
    report->signal_lost = slot->signal_lost;
    wb_participant_get_stats (slot->participant, &report->media);
    if (slot->mix_pad != NULL)
      g_object_get (slot->mix_pad, "dropped-full", &report->media.audio_overflow, NULL);
    g_ptr_array_add (reports, report);
  }
  return reports;
}

/* ---- snapshot ----------------------------------------------------------- */

static void
snapshot_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  GstSample *sample = task_data;
  g_autoptr (GstCaps) jpeg = gst_caps_new_empty_simple ("image/jpeg");
  g_autoptr (GstSample) converted = NULL;
  GError *error = NULL;
  GstBuffer *buffer;
  GstMapInfo map;
  GBytes *bytes;

  converted = gst_video_convert_sample (sample, jpeg, SNAPSHOT_TIMEOUT, &error);
  if (converted == NULL) {
    g_task_return_error (task, error);
    return;
  }

  buffer = gst_sample_get_buffer (converted);
  if (buffer == NULL || !gst_buffer_map (buffer, &map, GST_MAP_READ)) {
    g_task_return_new_error (task, WB_CONFERENCE_ERROR, WB_CONFERENCE_ERROR_FAILED,
                             "the JPEG encoder gave no picture");
    return;
  }
  bytes = g_bytes_new (map.data, map.size);
  gst_buffer_unmap (buffer, &map);

  g_task_return_pointer (task, bytes, (GDestroyNotify) g_bytes_unref);
}

void
wb_conference_snapshot_jpeg (WbConference        *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;
  GstSample *sample = NULL;

  g_return_if_fail (WB_IS_CONFERENCE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wb_conference_snapshot_jpeg);

  if (self->ended) {
    g_task_return_new_error (task, WB_CONFERENCE_ERROR, WB_CONFERENCE_ERROR_ENDED,
                             "conference %s has ended", self->id);
    return;
  }

  g_object_get (self->snapshot_sink, "last-sample", &sample, NULL);
  if (sample == NULL) {
    g_task_return_new_error (task, WB_CONFERENCE_ERROR, WB_CONFERENCE_ERROR_NOT_READY,
                             "conference %s has no picture yet", self->id);
    return;
  }

  g_task_set_task_data (task, sample, (GDestroyNotify) gst_sample_unref);
  g_task_run_in_thread (task, snapshot_thread);
}

GBytes *
wb_conference_snapshot_jpeg_finish (WbConference  *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- the end ------------------------------------------------------------ */

void
wb_conference_end (WbConference *self)
{
  g_return_if_fail (WB_IS_CONFERENCE (self));

  if (self->ended)
    return;
  self->ended = TRUE;

  /* First close the recording, with everyone still in it. */
  if (self->recorder != NULL)
    wb_recorder_finish (self->recorder, 5 * GST_SECOND);

  if (self->tick != NULL) {
    g_source_destroy (self->tick);
    g_clear_pointer (&self->tick, g_source_unref);
  }
  if (self->latency_source != NULL) {
    g_source_destroy (self->latency_source);
    g_clear_pointer (&self->latency_source, g_source_unref);
  }

  while (self->slots->len > 0) {
    Slot *slot = g_ptr_array_steal_index (self->slots, self->slots->len - 1);

    slot_free (self, slot);
  }

  if (self->pipeline != NULL) {
    g_autoptr (GstBus) bus = gst_pipeline_get_bus (GST_PIPELINE (self->pipeline));

    gst_bus_remove_watch (bus);
    gst_element_set_state (self->pipeline, GST_STATE_NULL);
  }

  GST_INFO ("conference %s ended", self->id);
}

static void
wb_conference_dispose (GObject *object)
{
  WbConference *self = WB_CONFERENCE (object);

  if (self->pipeline != NULL) {
    wb_conference_end (self);
    g_clear_pointer (&self->recorder, wb_recorder_free);
    gst_clear_object (&self->comp_pacer);
    gst_clear_object (&self->mix_pacer);
    self->h264_tee = self->full_mix_tee = NULL;
    self->compositor = self->encoder = self->video_tee = NULL;
    self->mixer = self->snapshot_sink = self->background = NULL;
    g_clear_pointer (&self->pipeline, gst_object_unref);
    /* Stopped: no streaming thread counts its encodes any more. */
    g_clear_pointer (&self->shared_opus, wb_shared_opus_free);
  }

  G_OBJECT_CLASS (wb_conference_parent_class)->dispose (object);
}

static void
wb_conference_finalize (GObject *object)
{
  WbConference *self = WB_CONFERENCE (object);

  if (self->bands != NULL)
    wb_tile_bands_unref (self->bands);
  g_mutex_clear (&self->overlay_lock);
  g_mutex_clear (&self->counters_lock);
  g_ptr_array_unref (self->slots);
  g_clear_pointer (&self->ports, wb_port_allocator_free);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->config, wb_config_unref);
  g_free (self->presenter_id);
  g_free (self->speaker_id);
  g_free (self->id);
  g_free (self->title);
  g_free (self->canvas_key);

  G_OBJECT_CLASS (wb_conference_parent_class)->finalize (object);
}

static void
wb_conference_class_init (WbConferenceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wb_conference_dispose;
  object_class->finalize = wb_conference_finalize;

  signals[SIGNAL_PARTICIPANT_STATE] =
      g_signal_new ("participant-state", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                    0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_UINT);
  signals[SIGNAL_TALKING] =
      g_signal_new ("talking", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                    0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_BOOLEAN);
  signals[SIGNAL_SPEAKER] =
      g_signal_new ("speaker", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                    0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_ERROR] =
      g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                    0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_ERROR);
}

static void
wb_conference_init (WbConference *self)
{
  g_mutex_init (&self->overlay_lock);
  g_mutex_init (&self->counters_lock);
  self->mixer_latency = GST_CLOCK_TIME_NONE;
  self->video_latency = GST_CLOCK_TIME_NONE;
  self->slots = g_ptr_array_new ();
}
