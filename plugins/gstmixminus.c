/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * GstMixMinus: one sum, N mix-minus outputs.  See gstmixminus.h.
 *
 * How a cycle runs (all in the aggregator's streaming thread):
 *  1. create_output_buffer(): GstAudioAggregator starts a new output block;
 *     we clear the 32-bit sum and start a new cycle number.
 *  2. aggregate_one_buffer(), once or more per input that has data in the
 *     block (GstAudioAggregator lines inputs up by running time): the input
 *     is measured and, when it can be heard, copied into the pad's "own"
 *     block (zero elsewhere).
 *  3. finish_buffer(): levels and talking states are updated, the inputs
 *     that are heard (unmuted, not silent, and talking if "gate" is set)
 *     are summed once and the sum is saturated into the full-mix buffer;
 *     every src_K gets silence if deaf, the very same full-mix buffer (a
 *     ref, no copy) when input K is not in the sum, else
 *     saturate(sum - own_K) in a pooled buffer.  The src_K are pushed
 *     before "src" (after the first block: see gstmixminus.h).  Talking
 *     and shares-full-mix changes are posted as element messages.
 *
 * Never-block inputs (one thread pushing into many, see below) hand their
 * buffers to GstAggregator a whole block at a time once the mixer runs:
 * each handed buffer wakes the mixer's thread (gst_mix_minus_pad_chain()).
 *
 * Locking: pad settings (mute, volume, deaf) and reported values (level,
 * talking, shares-full-mix) are guarded by the pad's object lock; the
 * element's talk settings and each sink pad's link to its src pad by the
 * element's object lock.  Lock order: element, then pad.  Fields marked
 * "streaming" are only touched by the streaming thread (or while it is
 * stopped).  Nothing is pushed or posted with a lock held.  A sink pad's
 * never-block state has a lock of its own (guard_lock), taken last and
 * with nothing taken inside it, since GstAggregator reports a consumed
 * buffer with its own pad lock held.
 */
#include "gstmixminus.h"

#include "mixminus-core.h"

#include <stdio.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_mix_minus_debug);
#define GST_CAT_DEFAULT gst_mix_minus_debug

#define MIXMINUS_CAPS \
  "audio/x-raw, format = (string) S16LE, layout = (string) interleaved, " \
  "rate = (int) [ 8000, 48000 ], channels = (int) [ 1, 2 ]"

#define DEFAULT_OUTPUT_BUFFER_DURATION (20 * GST_MSECOND)
#define DEFAULT_TALK_START_LEVEL -35.0
#define DEFAULT_TALK_STOP_LEVEL -45.0
#define DEFAULT_TALK_HANGOVER (500 * GST_MSECOND)
#define DEFAULT_GATE FALSE

#define DEFAULT_PAD_MUTE FALSE
#define DEFAULT_PAD_VOLUME 1.0
#define DEFAULT_PAD_DEAF FALSE

#define TALKING_MESSAGE "mixminus-talking"
#define SHARES_MESSAGE "mixminus-shares-full-mix"

/* The element; its pads and their functions follow. */
struct _GstMixMinus
{
  GstAudioAggregator parent;

  /* object lock */
  gdouble talk_start_level;
  gdouble talk_stop_level;
  GstClockTime talk_hangover;
  gboolean gate;

  /* streaming */
  guint64 cycle;
  guint cycle_frames;
  guint channels;
  gint32 *sum;
  gsize sum_len;
  gboolean sum_dirty;
  GstBufferPool *pool;
  gsize pool_size;

  /* object lock: how much an input's queue may span before a push waits,
   * as of the last output block; NONE before the first (never-block) */
  GstClockTime max_queue_level;

  /* atomic: never-block inputs waited for with nothing to give (see
   * recount_empty()), and whether their pushers now keep what they push
   * until that is none (see gst_mix_minus_pad_chain()) */
  gint empty_inputs;
  gint deferring;
  gint block_seq;               /* counts the blocks mixed */
  gint handed_seq;              /* block_seq when one was last handed on */
};

/* ------------------------------------------------------------------------ */
/* GstMixMinusSrcPad                                                         */
/* ------------------------------------------------------------------------ */

struct _GstMixMinusSrcPad
{
  GstPad parent;

  /* atomic: whether the main src pad's sticky events were copied here */
  gint synced;

  /* object lock */
  gboolean shares_full_mix;

  /* streaming: whether shares_full_mix was ever reported */
  gboolean reported;
};

enum
{
  PROP_SRC_PAD_0,
  PROP_SRC_PAD_SHARES_FULL_MIX,
};

G_DEFINE_TYPE (GstMixMinusSrcPad, gst_mix_minus_src_pad, GST_TYPE_PAD);

static void
gst_mix_minus_src_pad_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstMixMinusSrcPad *pad = GST_MIX_MINUS_SRC_PAD (object);

  switch (prop_id) {
    case PROP_SRC_PAD_SHARES_FULL_MIX:
      GST_OBJECT_LOCK (pad);
      g_value_set_boolean (value, pad->shares_full_mix);
      GST_OBJECT_UNLOCK (pad);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_mix_minus_src_pad_class_init (GstMixMinusSrcPadClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);

  gobject_class->get_property = gst_mix_minus_src_pad_get_property;

  g_object_class_install_property (gobject_class,
      PROP_SRC_PAD_SHARES_FULL_MIX,
      g_param_spec_boolean ("shares-full-mix", "Shares full mix",
          "Whether this output is currently the full mix (its input is "
          "silent, absent or muted), pushed as the same buffer as on \"src\"; "
          "a \"" SHARES_MESSAGE "\" element message is posted on change",
          TRUE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
}

static void
gst_mix_minus_src_pad_init (GstMixMinusSrcPad * pad)
{
  pad->shares_full_mix = TRUE;
}

/* ------------------------------------------------------------------------ */
/* GstMixMinusPad                                                            */
/* ------------------------------------------------------------------------ */

struct _GstMixMinusPad
{
  GstAudioAggregatorPad parent;

  /* object lock */
  gboolean mute;
  gdouble volume;
  gboolean deaf;
  gdouble level;
  gboolean talking;

  /* element object lock: the matching src_K, NULL once released */
  GstMixMinusSrcPad *srcpad;

  /* streaming: state of the current cycle */
  guint64 cycle;
  gint32 gain;                  /* 0 when muted */
  gboolean deaf_now;
  gboolean has_signal;          /* non-zero samples copied into own */
  gboolean contributes;         /* in the sum of this cycle */
  gboolean talk_changed;        /* to be posted */
  guint64 energy;               /* of the input, before gain */
  gint16 *own;                  /* input samples of this cycle, else 0 */
  gsize own_len;                /* allocated samples */
  gsize own_dirty;              /* samples to clear at the next cycle */
  WbTalkDetector talk;

  /* "never-block": set before data flows */
  gboolean never_block;
  GstPadChainFunction aggregator_chain;
  GstPadEventFullFunction aggregator_event;

  /* guard_lock (taken last, nothing taken inside): what this pad's
   * aggregator queue holds, mirrored from the pushes and the
   * "buffer-consumed" signal; see input_would_wait() */
  GMutex guard_lock;
  gint queued;
  GstClockTime head_end;        /* running time, end of the newest queued */
  GstClockTime tail_end;        /* running time, end of the last taken */
  GstSegment segment;           /* the input's, as last received */
  GQueue pending;               /* kept until GstAggregator has room */
  gboolean discont;             /* the next one handed on follows a drop */
  guint64 dropped_full;
  gboolean mirrored;            /* never-block, mirrored into "empty_inputs" */
  gboolean active;              /* had a buffer since the last flush */
  GstClockTime newest_end;      /* running time, end of the newest pushed */
  GstClockTime block_end;       /* running time, end of the mixer's next block */
  gboolean counted_empty;       /* counted in the element's empty_inputs */
};

enum
{
  PROP_PAD_0,
  PROP_PAD_MUTE,
  PROP_PAD_VOLUME,
  PROP_PAD_DEAF,
  PROP_PAD_LEVEL,
  PROP_PAD_TALKING,
  PROP_PAD_NEVER_BLOCK,
  PROP_PAD_DROPPED_FULL,
};

G_DEFINE_TYPE (GstMixMinusPad, gst_mix_minus_pad,
    GST_TYPE_AUDIO_AGGREGATOR_PAD);

static void recount_empty (GstMixMinusPad * pad, GstMixMinus * self);

static void
gst_mix_minus_pad_finalize (GObject * object)
{
  GstMixMinusPad *pad = GST_MIX_MINUS_PAD (object);

  g_clear_pointer (&pad->own, g_free);
  gst_clear_object (&pad->srcpad);
  g_queue_clear_full (&pad->pending, (GDestroyNotify) gst_buffer_unref);
  g_mutex_clear (&pad->guard_lock);

  G_OBJECT_CLASS (gst_mix_minus_pad_parent_class)->finalize (object);
}

static void
gst_mix_minus_pad_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstMixMinusPad *pad = GST_MIX_MINUS_PAD (object);

  GST_OBJECT_LOCK (pad);
  switch (prop_id) {
    case PROP_PAD_MUTE:
      g_value_set_boolean (value, pad->mute);
      break;
    case PROP_PAD_VOLUME:
      g_value_set_double (value, pad->volume);
      break;
    case PROP_PAD_DEAF:
      g_value_set_boolean (value, pad->deaf);
      break;
    case PROP_PAD_LEVEL:
      g_value_set_double (value, pad->level);
      break;
    case PROP_PAD_TALKING:
      g_value_set_boolean (value, pad->talking);
      break;
    case PROP_PAD_NEVER_BLOCK:
      g_value_set_boolean (value, pad->never_block);
      break;
    case PROP_PAD_DROPPED_FULL:
      break;                    /* below: guard_lock is not taken inside */
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (pad);
  if (prop_id == PROP_PAD_DROPPED_FULL) {
    g_mutex_lock (&pad->guard_lock);
    g_value_set_uint64 (value, pad->dropped_full);
    g_mutex_unlock (&pad->guard_lock);
  }
}

static void
gst_mix_minus_pad_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstMixMinusPad *pad = GST_MIX_MINUS_PAD (object);

  GST_OBJECT_LOCK (pad);
  switch (prop_id) {
    case PROP_PAD_MUTE:
      pad->mute = g_value_get_boolean (value);
      break;
    case PROP_PAD_VOLUME:
      pad->volume = g_value_get_double (value);
      break;
    case PROP_PAD_DEAF:
      pad->deaf = g_value_get_boolean (value);
      break;
    case PROP_PAD_NEVER_BLOCK:
      pad->never_block = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (pad);
  if (prop_id == PROP_PAD_NEVER_BLOCK) {
    /* The segment so far, should one have come already. */
    GstEvent *segment = gst_pad_get_sticky_event (GST_PAD (pad),
        GST_EVENT_SEGMENT, 0);

    g_mutex_lock (&pad->guard_lock);
    if (segment != NULL)
      gst_event_copy_segment (segment, &pad->segment);
    pad->mirrored = g_value_get_boolean (value);
    recount_empty (pad, (GstMixMinus *) GST_OBJECT_PARENT (pad));
    g_mutex_unlock (&pad->guard_lock);
    if (segment != NULL)
      gst_event_unref (segment);
    /* GstAggregatorPad's "emit-signals" takes the object lock as well. */
    g_object_set (object, "emit-signals", g_value_get_boolean (value), NULL);
  }
}

/* --- never-block ---------------------------------------------------------- */

static GstClockTime gst_mix_minus_get_max_queue_level (GstMixMinus * self);
static void update_max_queue_level (GstMixMinus * self, GstClockTime block);

/*
 * GstAggregator makes a push into a sink pad wait while that pad's queue
 * is full: in a live pipeline, while it holds two buffers or more and
 * they span more than the element's latency plus the upstream minimum
 * (time_level, from the end of the newest buffer queued back to the end
 * of the last one taken out).  That happens whenever the mixer waits for
 * a late input: the others' queues run ahead by as much.  A pad with
 * "never-block" set keeps such buffers itself instead (up to
 * PENDING_MAX, then it drops the oldest and counts it), and hands them on
 * as room comes: on its next push, and from the mixer's thread after
 * each output block.  So one thread can push into many inputs (the
 * shared receiving thread) without one full input stalling the others.
 *
 * GstAggregator keeps that level to itself, so the pad mirrors it: a
 * buffer is counted in before it is handed on, and out again on
 * "buffer-consumed" (emitted in the same locked section in which
 * GstAggregator takes it out of its count).  The mirror never thinks the
 * queue emptier than it is: its tail moves when a buffer is consumed,
 * GstAggregator's when it was first peeked, which is no later.  The one
 * way it can, a buffer that was peeked, flushed, then consumed, costs at
 * most one wait of one output block.
 */

/* 20 ms blocks: 320 ms behind the mixer at most. */
#define PENDING_MAX 16

/* Running time of the end of @buffer in the input's segment, as
 * GstAggregator reckons it.  Called with guard_lock. */
static GstClockTime
buffer_end_running_time (GstMixMinusPad * pad, GstBuffer * buffer)
{
  GstClockTime ts = GST_BUFFER_DTS_IS_VALID (buffer) ?
      GST_BUFFER_DTS (buffer) : GST_BUFFER_PTS (buffer);

  if (ts == GST_CLOCK_TIME_NONE || pad->segment.format != GST_FORMAT_TIME)
    return GST_CLOCK_TIME_NONE;
  if (GST_BUFFER_DURATION_IS_VALID (buffer))
    ts += GST_BUFFER_DURATION (buffer);
  return gst_segment_to_running_time (&pad->segment, GST_FORMAT_TIME, ts);
}

/* In the mixer's thread, with GstAggregator's pad lock held: so this
 * takes no other lock than guard_lock. */
static void
on_buffer_consumed (GstAggregatorPad * aggpad, GstBuffer * buffer,
    gpointer user_data)
{
  GstMixMinusPad *pad = GST_MIX_MINUS_PAD (aggpad);
  GstClockTime end;

  (void) user_data;
  g_mutex_lock (&pad->guard_lock);
  end = buffer_end_running_time (pad, buffer);
  if (pad->queued > 0)
    pad->queued--;
  if (end != GST_CLOCK_TIME_NONE)
    pad->tail_end = end;
  recount_empty (pad, (GstMixMinus *) GST_PAD_PARENT (aggpad));
  g_mutex_unlock (&pad->guard_lock);
}

/* TRUE when GstAggregator would make the next push wait: see above.
 * Called with guard_lock. */
static gboolean
input_would_wait (GstMixMinusPad * pad, GstClockTime max_level)
{
  if (pad->queued < 2)
    return FALSE;
  /* Before the first output block the level allowed is not known, nor
   * the level itself without times in a TIME segment: two buffers (one
   * being mixed, one next) are all that is sure to fit then. */
  if (max_level == GST_CLOCK_TIME_NONE || pad->head_end == GST_CLOCK_TIME_NONE
      || pad->tail_end == GST_CLOCK_TIME_NONE)
    return TRUE;
  return pad->head_end > pad->tail_end && pad->head_end - pad->tail_end > max_level;
}

/* Counts @buffer into the mirror.  Called with guard_lock. */
static void
count_in (GstMixMinusPad * pad, GstBuffer * buffer)
{
  GstClockTime end = buffer_end_running_time (pad, buffer);

  pad->queued++;
  if (end != GST_CLOCK_TIME_NONE) {
    pad->head_end = end;
    if (pad->tail_end == GST_CLOCK_TIME_NONE)
      pad->tail_end = end;
  }
}

static void
note_dropped (GstMixMinusPad * pad, guint64 dropped)
{
  /* The first, then every 50th (one a second of 20 ms blocks). */
  if (dropped % 50 == 1)
    GST_WARNING_OBJECT (pad, "the mixer is more than %u blocks behind this "
        "input: dropped %" G_GUINT64_FORMAT " so far", PENDING_MAX, dropped);
}

/*
 * Hands the kept buffers on while GstAggregator has room for them.  With
 * the pad's stream lock held, as for any chain call.  From the mixer's own
 * thread (@from_mixer) a wait would never end, so there only what is sure
 * to fit goes: in a live aggregator an input holding fewer than two
 * buffers has room whatever their times (and a latency is known only when
 * it is live).
 */
static GstFlowReturn
feed_pending (GstMixMinusPad * pad, GstMixMinus * self, gboolean from_mixer)
{
  GstFlowReturn ret = GST_FLOW_OK;
  GstClockTime max_level;

  GST_OBJECT_LOCK (self);
  max_level = gst_mix_minus_get_max_queue_level (self);
  GST_OBJECT_UNLOCK (self);

  for (;;) {
    GstBuffer *buffer;

    g_mutex_lock (&pad->guard_lock);
    if (g_queue_is_empty (&pad->pending) || input_would_wait (pad, max_level) ||
        (from_mixer && (pad->queued >= 2 || max_level == GST_CLOCK_TIME_NONE))) {
      g_mutex_unlock (&pad->guard_lock);
      break;
    }
    buffer = g_queue_pop_head (&pad->pending);
    if (pad->discont) {
      /* After a gap: GstAudioAggregator would otherwise go on from
       * where the dropped buffers left off for a while (discont-wait). */
      buffer = gst_buffer_make_writable (buffer);
      GST_BUFFER_FLAG_SET (buffer, GST_BUFFER_FLAG_DISCONT);
      pad->discont = FALSE;
    }
    count_in (pad, buffer);
    g_mutex_unlock (&pad->guard_lock);

    ret = pad->aggregator_chain (GST_PAD (pad), GST_OBJECT (self), buffer);
    if (ret != GST_FLOW_OK) {
      /* Not queued; and a flushing pad's queue is empty. */
      g_mutex_lock (&pad->guard_lock);
      if (ret == GST_FLOW_FLUSHING)
        pad->queued = 0;
      else if (pad->queued > 0)
        pad->queued--;
      g_queue_clear_full (&pad->pending, (GDestroyNotify) gst_buffer_unref);
      recount_empty (pad, self);
      g_mutex_unlock (&pad->guard_lock);
      break;
    }
  }
  return ret;
}

static void feed_all_pending (GstMixMinus * self, gboolean from_mixer,
    GstMixMinusPad * except);

/*
 * Each buffer handed to GstAggregator wakes the mixer's thread, which
 * looks at every input and, unless all have data, waits again: with one
 * thread pushing into 32 inputs, 32 wake-ups (and 32 looks at 33 inputs)
 * for each block, in both threads.  So once the mixer runs on its clock
 * (after its first block, "deferring"), a never-block input keeps what it
 * is pushed, and the push that leaves no input waited for empty hands on
 * what every input keeps, at once.  The mixer wakes for that, or at its
 * deadline, when it takes in what is kept itself before it mixes
 * (gst_mix_minus_aggregate()): an input that is late, or whose pusher is
 * pushing into it at that moment, is mixed as it was before.  An input
 * that keeps DEFER_MAX blocks hands them on itself: the mixer is not
 * taking them in (not on its clock yet after a flush, say).
 */
#define DEFER_MAX 3

static GstFlowReturn
gst_mix_minus_pad_chain (GstPad * gpad, GstObject * parent, GstBuffer * buffer)
{
  GstMixMinusPad *pad = GST_MIX_MINUS_PAD (gpad);
  GstMixMinus *self = GST_MIX_MINUS (parent);
  gboolean never_block;
  guint64 dropped = 0;
  GstClockTime end;
  guint kept;
  gint block_seq;
  gboolean deferring;
  GstFlowReturn ret;

  GST_OBJECT_LOCK (pad);
  never_block = pad->never_block;
  GST_OBJECT_UNLOCK (pad);
  if (!never_block)
    return pad->aggregator_chain (gpad, parent, buffer);

  /* In order behind what is kept, then as much as fits. */
  g_mutex_lock (&pad->guard_lock);
  g_queue_push_tail (&pad->pending, buffer);
  if (g_queue_get_length (&pad->pending) > PENDING_MAX) {
    gst_buffer_unref (g_queue_pop_head (&pad->pending));
    dropped = ++pad->dropped_full;
    pad->discont = TRUE;
  }
  pad->active = TRUE;
  end = buffer_end_running_time (pad, buffer);
  if (end != GST_CLOCK_TIME_NONE)
    pad->newest_end = end;
  recount_empty (pad, self);
  kept = g_queue_get_length (&pad->pending);
  g_mutex_unlock (&pad->guard_lock);
  if (dropped > 0)
    note_dropped (pad, dropped);

  deferring = g_atomic_int_get (&self->deferring);
  block_seq = g_atomic_int_get (&self->block_seq);
  if (deferring && kept < DEFER_MAX
      && (g_atomic_int_get (&self->empty_inputs) > 0
          || g_atomic_int_get (&self->handed_seq) == block_seq))
    return GST_FLOW_OK;

  /* OK while what could not go on yet is kept. */
  ret = feed_pending (pad, self, FALSE);
  if (deferring) {
    /* Once per block: the pushes that come before it is mixed are for
     * the block after.  Should it have been mixed meanwhile, block_seq
     * moved on, and this says nothing about the next one. */
    g_atomic_int_set (&self->handed_seq, block_seq);
    feed_all_pending (self, FALSE, pad);
  }
  return ret;
}

/*
 * A serialized event must not pass the buffers before it: what is kept
 * goes on first, and what still does not fit is dropped (and counted).
 */
static GstFlowReturn
gst_mix_minus_pad_event (GstPad * gpad, GstObject * parent, GstEvent * event)
{
  GstMixMinusPad *pad = GST_MIX_MINUS_PAD (gpad);
  gboolean never_block;

  GST_OBJECT_LOCK (pad);
  never_block = pad->never_block;
  GST_OBJECT_UNLOCK (pad);
  if (!never_block)
    return pad->aggregator_event (gpad, parent, event);

  if (GST_EVENT_TYPE (event) == GST_EVENT_SEGMENT) {
    /* The mirror's own copy: the pad's is GstAggregator's, under a lock
     * that must not be taken in on_buffer_consumed(). */
    g_mutex_lock (&pad->guard_lock);
    gst_event_copy_segment (event, &pad->segment);
    g_mutex_unlock (&pad->guard_lock);
  }
  if (GST_EVENT_IS_SERIALIZED (event) && GST_EVENT_TYPE (event) != GST_EVENT_FLUSH_STOP) {
    guint64 dropped = 0;
    guint left;

    feed_pending (pad, GST_MIX_MINUS (parent), FALSE);
    g_mutex_lock (&pad->guard_lock);
    left = g_queue_get_length (&pad->pending);
    if (left > 0) {
      g_queue_clear_full (&pad->pending, (GDestroyNotify) gst_buffer_unref);
      pad->dropped_full += left;
      dropped = pad->dropped_full;
      pad->discont = TRUE;
    }
    /* GstAggregator turns a GAP into a buffer in the queue, which is
     * consumed (and reported) as any: count it now, to stay no lower. */
    if (GST_EVENT_TYPE (event) == GST_EVENT_GAP)
      pad->queued++;
    recount_empty (pad, GST_MIX_MINUS (parent));
    g_mutex_unlock (&pad->guard_lock);
    if (dropped > 0)
      note_dropped (pad, dropped);
  }
  return pad->aggregator_event (gpad, parent, event);
}

/*
 * Hands on the kept buffers of every input (but @except) whose pusher is
 * not pushing into it right now (that pusher hands them on itself then).
 * From the mixer's thread (@from_mixer), before each output block and
 * after it, which made room in every input; or from a pusher that saw no
 * input left empty (gst_mix_minus_pad_chain()).
 */
static void
feed_all_pending (GstMixMinus * self, gboolean from_mixer,
    GstMixMinusPad * except)
{
  GList *pads = NULL;

  GST_OBJECT_LOCK (self);
  for (GList * l = GST_ELEMENT (self)->sinkpads; l != NULL; l = l->next) {
    GstMixMinusPad *pad = l->data;
    gboolean any;

    if (pad == except)
      continue;
    g_mutex_lock (&pad->guard_lock);
    any = !g_queue_is_empty (&pad->pending);
    g_mutex_unlock (&pad->guard_lock);
    if (any)
      pads = g_list_prepend (pads, gst_object_ref (pad));
  }
  GST_OBJECT_UNLOCK (self);

  for (GList * l = pads; l != NULL; l = l->next) {
    GstPad *pad = l->data;

    if (GST_PAD_STREAM_TRYLOCK (pad)) {
      feed_pending (GST_MIX_MINUS_PAD (pad), self, from_mixer);
      GST_PAD_STREAM_UNLOCK (pad);
    }
  }
  g_list_free_full (pads, gst_object_unref);
}

static GstFlowReturn
gst_mix_minus_pad_flush (GstAggregatorPad * aggpad, GstAggregator * agg)
{
  GstMixMinusPad *pad = GST_MIX_MINUS_PAD (aggpad);

  /* GstAggregator has emptied the queue and forgotten its times. */
  g_mutex_lock (&pad->guard_lock);
  pad->queued = 0;
  pad->head_end = pad->tail_end = GST_CLOCK_TIME_NONE;
  gst_segment_init (&pad->segment, GST_FORMAT_UNDEFINED);
  g_queue_clear_full (&pad->pending, (GDestroyNotify) gst_buffer_unref);
  pad->discont = FALSE;
  /* Inactive again to GstAggregator, until its next buffer. */
  pad->active = FALSE;
  pad->newest_end = GST_CLOCK_TIME_NONE;
  recount_empty (pad, GST_MIX_MINUS (agg));
  g_mutex_unlock (&pad->guard_lock);

  return GST_AGGREGATOR_PAD_CLASS (gst_mix_minus_pad_parent_class)->flush
      (aggpad, agg);
}

static void
gst_mix_minus_pad_constructed (GObject * object)
{
  GstMixMinusPad *pad = GST_MIX_MINUS_PAD (object);

  G_OBJECT_CLASS (gst_mix_minus_pad_parent_class)->constructed (object);

  /* GstAggregatorPad set its functions in constructed(). */
  pad->aggregator_chain = GST_PAD_CHAINFUNC (object);
  pad->aggregator_event = GST_PAD_EVENTFULLFUNC (object);
  gst_pad_set_chain_function (GST_PAD (object),
      GST_DEBUG_FUNCPTR (gst_mix_minus_pad_chain));
  gst_pad_set_event_full_function (GST_PAD (object),
      GST_DEBUG_FUNCPTR (gst_mix_minus_pad_event));
  g_signal_connect (object, "buffer-consumed", G_CALLBACK (on_buffer_consumed),
      NULL);
}

static void
gst_mix_minus_pad_class_init (GstMixMinusPadClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);

  gobject_class->constructed = gst_mix_minus_pad_constructed;
  gobject_class->finalize = gst_mix_minus_pad_finalize;
  gobject_class->get_property = gst_mix_minus_pad_get_property;
  gobject_class->set_property = gst_mix_minus_pad_set_property;
  GST_AGGREGATOR_PAD_CLASS (klass)->flush =
      GST_DEBUG_FUNCPTR (gst_mix_minus_pad_flush);

  g_object_class_install_property (gobject_class, PROP_PAD_MUTE,
      g_param_spec_boolean ("mute", "Mute",
          "Leave this input out of every mix; it still receives the mix of "
          "the others", DEFAULT_PAD_MUTE,
          G_PARAM_READWRITE | GST_PARAM_CONTROLLABLE | GST_PARAM_MUTABLE_PLAYING
          | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_PAD_VOLUME,
      g_param_spec_double ("volume", "Volume",
          "Linear gain of this input in every mix", 0.0,
          WB_MIXMINUS_MAX_VOLUME, DEFAULT_PAD_VOLUME,
          G_PARAM_READWRITE | GST_PARAM_CONTROLLABLE | GST_PARAM_MUTABLE_PLAYING
          | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_PAD_DEAF,
      g_param_spec_boolean ("deaf", "Deaf",
          "Send silence on this input's own output (src_K); the input is "
          "still mixed for the others", DEFAULT_PAD_DEAF,
          G_PARAM_READWRITE | GST_PARAM_CONTROLLABLE | GST_PARAM_MUTABLE_PLAYING
          | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_PAD_LEVEL,
      g_param_spec_double ("level", "Level",
          "RMS level of the input over the last output block, in dBov "
          "(before volume and mute)", WB_MIXMINUS_LEVEL_FLOOR, 0.0,
          WB_MIXMINUS_LEVEL_FLOOR,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_PAD_TALKING,
      g_param_spec_boolean ("talking", "Talking",
          "Whether this input is talking (see the element's talk-* "
          "properties); never while muted", FALSE,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_PAD_NEVER_BLOCK,
      g_param_spec_boolean ("never-block", "Never block",
          "Drop (and count in dropped-full) a buffer for which this input's "
          "queue has no room, instead of making its pusher wait; for inputs "
          "that one thread feeds with others (live pipelines only)", FALSE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_PAD_DROPPED_FULL,
      g_param_spec_uint64 ("dropped-full", "Dropped, input full",
          "Buffers dropped because this input's queue had no room "
          "(never-block)", 0, G_MAXUINT64, 0,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
}

static void
gst_mix_minus_pad_init (GstMixMinusPad * pad)
{
  pad->mute = DEFAULT_PAD_MUTE;
  pad->volume = DEFAULT_PAD_VOLUME;
  pad->deaf = DEFAULT_PAD_DEAF;
  pad->level = WB_MIXMINUS_LEVEL_FLOOR;
  pad->cycle = G_MAXUINT64;
  g_mutex_init (&pad->guard_lock);
  g_queue_init (&pad->pending);
  gst_segment_init (&pad->segment, GST_FORMAT_UNDEFINED);
  pad->head_end = pad->tail_end = GST_CLOCK_TIME_NONE;
  pad->newest_end = pad->block_end = GST_CLOCK_TIME_NONE;
  wb_talk_detector_init (&pad->talk, DEFAULT_TALK_START_LEVEL,
      DEFAULT_TALK_STOP_LEVEL, DEFAULT_TALK_HANGOVER);
}

/* ------------------------------------------------------------------------ */
/* GstMixMinus                                                               */
/* ------------------------------------------------------------------------ */


/*
 * The element counts its never-block inputs that the mixer waits for and
 * that do not have its next block yet: active (a buffer since the last
 * flush; with ignore-inactive-pads the others are not waited for), and
 * pushed up to a running time short of the end of the next block (or, with
 * either time unknown, nothing queued or kept).  See
 * gst_mix_minus_pad_chain().  Called with guard_lock, after every change of
 * those.
 */
static void
recount_empty (GstMixMinusPad * pad, GstMixMinus * self)
{
  gboolean empty;

  if (!pad->mirrored || !pad->active)
    empty = FALSE;
  else if (pad->newest_end != GST_CLOCK_TIME_NONE
      && pad->block_end != GST_CLOCK_TIME_NONE)
    empty = pad->newest_end < pad->block_end;
  else
    empty = pad->queued == 0 && g_queue_is_empty (&pad->pending);

  if (empty == pad->counted_empty || self == NULL)
    return;
  pad->counted_empty = empty;
  g_atomic_int_add (&self->empty_inputs, empty ? 1 : -1);
}


enum
{
  PROP_0,
  PROP_TALK_START_LEVEL,
  PROP_TALK_STOP_LEVEL,
  PROP_TALK_HANGOVER,
  PROP_GATE,
};

/* One output of a cycle, gathered under the element lock. */
typedef struct
{
  GstMixMinusPad *sinkpad;
  GstMixMinusSrcPad *srcpad;
} Output;

static void gst_mix_minus_child_proxy_init (gpointer g_iface,
    gpointer iface_data);

G_DEFINE_TYPE_WITH_CODE (GstMixMinus, gst_mix_minus,
    GST_TYPE_AUDIO_AGGREGATOR,
    G_IMPLEMENT_INTERFACE (GST_TYPE_CHILD_PROXY,
        gst_mix_minus_child_proxy_init);
    GST_DEBUG_CATEGORY_INIT (gst_mix_minus_debug, "mixminus", 0,
        "mix-minus audio mixer"));

GST_ELEMENT_REGISTER_DEFINE (mixminus, "mixminus", GST_RANK_NONE,
    GST_TYPE_MIX_MINUS);

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (MIXMINUS_CAPS));

static GstStaticPadTemplate mix_src_template =
GST_STATIC_PAD_TEMPLATE ("src_%u", GST_PAD_SRC, GST_PAD_SOMETIMES,
    GST_STATIC_CAPS (MIXMINUS_CAPS));

static GstStaticPadTemplate sink_template =
GST_STATIC_PAD_TEMPLATE ("sink_%u", GST_PAD_SINK, GST_PAD_REQUEST,
    GST_STATIC_CAPS (MIXMINUS_CAPS));

/* Takes the element lock: references to every (sink_K, src_K) pair. */
static GArray *
collect_outputs (GstMixMinus * self)
{
  GArray *outputs = g_array_new (FALSE, FALSE, sizeof (Output));

  GST_OBJECT_LOCK (self);
  for (GList * l = GST_ELEMENT (self)->sinkpads; l != NULL; l = l->next) {
    GstMixMinusPad *sinkpad = l->data;
    Output o;

    if (sinkpad->srcpad == NULL)
      continue;
    o.sinkpad = gst_object_ref (sinkpad);
    o.srcpad = gst_object_ref (sinkpad->srcpad);
    g_array_append_val (outputs, o);
  }
  GST_OBJECT_UNLOCK (self);

  return outputs;
}

static void
free_outputs (GArray * outputs)
{
  for (guint i = 0; i < outputs->len; i++) {
    Output *o = &g_array_index (outputs, Output, i);
    gst_object_unref (o->sinkpad);
    gst_object_unref (o->srcpad);
  }
  g_array_unref (outputs);
}

/* --- events on the extra source pads ------------------------------------ */

static GstEvent *
make_stream_start (GstPad * srcpad, GstEvent * main_start)
{
  const gchar *main_id = NULL;
  g_autofree gchar *stream_id = NULL;
  GstStreamFlags flags;
  GstEvent *event;
  guint group_id;

  /* Each output is its own stream, named after the full mix's. */
  gst_event_parse_stream_start (main_start, &main_id);
  stream_id = g_strdup_printf ("%s/%s", main_id ? main_id : "mixminus",
      GST_OBJECT_NAME (srcpad));
  event = gst_event_new_stream_start (stream_id);

  if (gst_event_parse_group_id (main_start, &group_id))
    gst_event_set_group_id (event, group_id);
  gst_event_parse_stream_flags (main_start, &flags);
  gst_event_set_stream_flags (event, flags);
  gst_event_set_seqnum (event, gst_event_get_seqnum (main_start));

  return event;
}

typedef struct
{
  GstPad *srcpad;
  gboolean stored;              /* every event was stored on srcpad */
} CopyData;

static gboolean
copy_sticky_event (GstPad * main_src, GstEvent ** event, gpointer user_data)
{
  CopyData *data = user_data;
  GstFlowReturn ret = GST_FLOW_OK;

  switch (GST_EVENT_TYPE (*event)) {
    case GST_EVENT_STREAM_START:{
      GstEvent *start = make_stream_start (data->srcpad, *event);
      ret = gst_pad_store_sticky_event (data->srcpad, start);
      gst_event_unref (start);
      break;
    }
    case GST_EVENT_EOS:
      break;
    default:
      ret = gst_pad_store_sticky_event (data->srcpad, *event);
      break;
  }
  if (ret != GST_FLOW_OK)
    data->stored = FALSE;

  return TRUE;
}

/* Streaming thread: give a src_K the stream-start, caps and segment the
 * main src pad has, before its first buffer (they go out with it).  A pad
 * requested while the mixer runs may not be active yet: then nothing can
 * be stored, and it is tried again at the next block.  Returns TRUE when
 * the pad has its events. */
static gboolean
sync_src_pad (GstMixMinus * self, GstMixMinusSrcPad * srcpad)
{
  GstPad *main_src = GST_AGGREGATOR_SRC_PAD (self);
  GstEvent *segment;
  CopyData data = { GST_PAD (srcpad), TRUE };

  if (g_atomic_int_get (&srcpad->synced))
    return TRUE;

  /* Nothing to copy before the main src pad has its segment. */
  segment = gst_pad_get_sticky_event (main_src, GST_EVENT_SEGMENT, 0);
  if (segment == NULL)
    return FALSE;
  gst_event_unref (segment);

  gst_pad_sticky_events_foreach (main_src, copy_sticky_event, &data);
  if (data.stored)
    g_atomic_int_set (&srcpad->synced, TRUE);
  return data.stored;
}

/* Everything that goes out on "src" goes out on every src_K as well, with
 * a stream-start of its own. */
static GstPadProbeReturn
main_src_event_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GstMixMinus *self = GST_MIX_MINUS (user_data);
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
  GArray *outputs = collect_outputs (self);

  for (guint i = 0; i < outputs->len; i++) {
    GstMixMinusSrcPad *srcpad = g_array_index (outputs, Output, i).srcpad;

    switch (GST_EVENT_TYPE (event)) {
      case GST_EVENT_FLUSH_START:
      case GST_EVENT_FLUSH_STOP:
        gst_pad_push_event (GST_PAD (srcpad), gst_event_ref (event));
        break;
      case GST_EVENT_STREAM_START:
        if (g_atomic_int_get (&srcpad->synced))
          gst_pad_push_event (GST_PAD (srcpad),
              make_stream_start (GST_PAD (srcpad), event));
        break;
      case GST_EVENT_EOS:
        sync_src_pad (self, srcpad);
        gst_pad_push_event (GST_PAD (srcpad), gst_event_ref (event));
        break;
      default:
        if (g_atomic_int_get (&srcpad->synced))
          gst_pad_push_event (GST_PAD (srcpad), gst_event_ref (event));
        break;
    }
  }

  free_outputs (outputs);

  return GST_PAD_PROBE_OK;
}

static gboolean
mix_src_query (GstPad * pad, GstObject * parent, GstQuery * query)
{
  GstMixMinus *self = GST_MIX_MINUS (parent);
  GstPad *main_src = GST_AGGREGATOR_SRC_PAD (self);

  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_LATENCY:
      /* Same path through the element as the full mix. */
      return gst_pad_query (main_src, query);
    case GST_QUERY_CAPS:{
      g_autoptr (GstCaps) caps = gst_pad_get_current_caps (main_src);
      GstCaps *filter;

      if (caps == NULL)
        caps = gst_pad_get_pad_template_caps (pad);
      gst_query_parse_caps (query, &filter);
      if (filter != NULL) {
        GstCaps *filtered = gst_caps_intersect_full (filter, caps,
            GST_CAPS_INTERSECT_FIRST);
        gst_caps_take (&caps, filtered);
      }
      gst_query_set_caps_result (query, caps);
      return TRUE;
    }
    default:
      return gst_pad_query_default (pad, parent, query);
  }
}

static gboolean
mix_src_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  GstMixMinus *self = GST_MIX_MINUS (parent);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_SEEK:
    case GST_EVENT_LATENCY:
      /* Handled once, by the aggregator, for all outputs. */
      return gst_pad_send_event (GST_AGGREGATOR_SRC_PAD (self), event);
    case GST_EVENT_RECONFIGURE:
      gst_event_unref (event);
      return TRUE;
    default:
      /* QoS and navigation of one output mean nothing to the inputs. */
      gst_event_unref (event);
      return FALSE;
  }
}

/* --- pads ---------------------------------------------------------------- */

static GstPad *
gst_mix_minus_request_new_pad (GstElement * element, GstPadTemplate * templ,
    const gchar * req_name, const GstCaps * caps)
{
  GstMixMinus *self = GST_MIX_MINUS (element);
  GstMixMinusPad *sinkpad;
  GstPadTemplate *src_templ;
  g_autofree gchar *src_name = NULL;
  GstPad *srcpad;
  guint serial;
  gboolean running;

  sinkpad = (GstMixMinusPad *)
      GST_ELEMENT_CLASS (gst_mix_minus_parent_class)->request_new_pad (element,
      templ, req_name, caps);
  if (sinkpad == NULL)
    return NULL;

  if (sscanf (GST_OBJECT_NAME (sinkpad), "sink_%u", &serial) != 1) {
    GST_ERROR_OBJECT (self, "unexpected sink pad name %s",
        GST_OBJECT_NAME (sinkpad));
    gst_element_release_request_pad (element, GST_PAD (sinkpad));
    return NULL;
  }

  src_name = g_strdup_printf ("src_%u", serial);
  src_templ = gst_element_class_get_pad_template (GST_ELEMENT_GET_CLASS
      (element), "src_%u");
  srcpad = g_object_new (GST_TYPE_MIX_MINUS_SRC_PAD, "name", src_name,
      "direction", GST_PAD_SRC, "template", src_templ, NULL);
  gst_pad_set_query_function (srcpad, mix_src_query);
  gst_pad_set_event_function (srcpad, mix_src_event);

  GST_OBJECT_LOCK (self);
  running = GST_STATE (self) > GST_STATE_READY
      || GST_STATE_PENDING (self) == GST_STATE_PAUSED;
  sinkpad->srcpad = gst_object_ref (GST_MIX_MINUS_SRC_PAD (srcpad));
  GST_OBJECT_UNLOCK (self);

  if (running)
    gst_pad_set_active (srcpad, TRUE);
  gst_element_add_pad (element, srcpad);

  gst_child_proxy_child_added (GST_CHILD_PROXY (self), G_OBJECT (sinkpad),
      GST_OBJECT_NAME (sinkpad));

  GST_DEBUG_OBJECT (self, "added %s and %s", GST_OBJECT_NAME (sinkpad),
      src_name);

  return GST_PAD (sinkpad);
}

static void
gst_mix_minus_release_pad (GstElement * element, GstPad * pad)
{
  GstMixMinus *self = GST_MIX_MINUS (element);
  GstMixMinusPad *sinkpad = GST_MIX_MINUS_PAD (pad);
  g_autoptr (GstPad) srcpad = NULL;

  GST_OBJECT_LOCK (self);
  srcpad = (GstPad *) g_steal_pointer (&sinkpad->srcpad);
  GST_OBJECT_UNLOCK (self);

  /* No longer waited for. */
  g_mutex_lock (&sinkpad->guard_lock);
  sinkpad->mirrored = FALSE;
  recount_empty (sinkpad, self);
  g_mutex_unlock (&sinkpad->guard_lock);

  gst_child_proxy_child_removed (GST_CHILD_PROXY (self), G_OBJECT (pad),
      GST_OBJECT_NAME (pad));

  GST_ELEMENT_CLASS (gst_mix_minus_parent_class)->release_pad (element, pad);

  if (srcpad != NULL) {
    GST_DEBUG_OBJECT (self, "removing %s", GST_OBJECT_NAME (srcpad));
    gst_pad_set_active (srcpad, FALSE);
    gst_element_remove_pad (element, srcpad);
  }
}

/* --- caps ---------------------------------------------------------------- */

/* All pads carry one format: the first configured input's, if downstream
 * of "src" takes it. */
static GstFlowReturn
gst_mix_minus_update_src_caps (GstAggregator * agg, GstCaps * downstream,
    GstCaps ** ret)
{
  g_autoptr (GstCaps) input_caps = NULL;

  GST_OBJECT_LOCK (agg);
  for (GList * l = GST_ELEMENT (agg)->sinkpads; l != NULL; l = l->next) {
    GstAudioAggregatorPad *pad = l->data;

    if (GST_AUDIO_INFO_FORMAT (&pad->info) != GST_AUDIO_FORMAT_UNKNOWN) {
      input_caps = gst_audio_info_to_caps (&pad->info);
      break;
    }
  }
  GST_OBJECT_UNLOCK (agg);

  if (input_caps == NULL)
    return GST_AGGREGATOR_FLOW_NEED_DATA;

  *ret = gst_caps_intersect (input_caps, downstream);
  if (gst_caps_is_empty (*ret)) {
    GST_WARNING_OBJECT (agg, "downstream refuses %" GST_PTR_FORMAT,
        input_caps);
    gst_clear_caps (ret);
    return GST_FLOW_NOT_NEGOTIATED;
  }

  return GST_FLOW_OK;
}

/* Same format as the inputs already configured, judged on the audio info
 * rather than the caps' fields: a stereo input whose caps leave the
 * (default) channel-mask out is the same format as one that spells it. */
static gboolean
accept_input_caps (GstAggregator * agg, GstPad * pad, GstCaps * caps)
{
  g_autoptr (GstCaps) templ = gst_pad_get_pad_template_caps (pad);
  gboolean accept = TRUE;
  GstAudioInfo info;

  if (!gst_caps_is_fixed (caps) || !gst_caps_can_intersect (caps, templ)
      || !gst_audio_info_from_caps (&info, caps))
    return FALSE;

  GST_OBJECT_LOCK (agg);
  for (GList * l = GST_ELEMENT (agg)->sinkpads; l != NULL; l = l->next) {
    GstAudioAggregatorPad *other = l->data;

    if (GST_AUDIO_INFO_FORMAT (&other->info) != GST_AUDIO_FORMAT_UNKNOWN) {
      accept = gst_audio_info_is_equal (&info, &other->info);
      break;
    }
  }
  GST_OBJECT_UNLOCK (agg);

  return accept;
}

static gboolean
gst_mix_minus_sink_query (GstAggregator * agg, GstAggregatorPad * pad,
    GstQuery * query)
{
  if (GST_QUERY_TYPE (query) == GST_QUERY_ACCEPT_CAPS) {
    GstCaps *caps;

    gst_query_parse_accept_caps (query, &caps);
    gst_query_set_accept_caps_result (query,
        accept_input_caps (agg, GST_PAD (pad), caps));
    return TRUE;
  }

  return GST_AGGREGATOR_CLASS (gst_mix_minus_parent_class)->sink_query (agg,
      pad, query);
}

/* --- mixing -------------------------------------------------------------- */

/* Streaming: first touch of a pad in a cycle. */
static void
pad_begin_cycle (GstMixMinus * self, GstMixMinusPad * pad)
{
  gsize n = (gsize) self->cycle_frames * self->channels;

  if (pad->cycle == self->cycle)
    return;
  pad->cycle = self->cycle;

  GST_OBJECT_LOCK (pad);
  pad->gain = pad->mute ? 0 : wb_mixminus_volume_to_gain (pad->volume);
  pad->deaf_now = pad->deaf;
  GST_OBJECT_UNLOCK (pad);

  if (pad->own_len < n) {
    g_free (pad->own);
    pad->own = g_new0 (gint16, n);
    pad->own_len = n;
    pad->own_dirty = 0;
  } else if (pad->own_dirty > 0) {
    memset (pad->own, 0, pad->own_dirty * sizeof (gint16));
    pad->own_dirty = 0;
  }

  pad->has_signal = FALSE;
  pad->contributes = FALSE;
  pad->talk_changed = FALSE;
  pad->energy = 0;
}

static GstBuffer *
gst_mix_minus_create_output_buffer (GstAudioAggregator * aagg,
    guint num_frames)
{
  GstMixMinus *self = GST_MIX_MINUS (aagg);
  GstAudioAggregatorPad *srcpad =
      GST_AUDIO_AGGREGATOR_PAD (GST_AGGREGATOR_SRC_PAD (aagg));
  gsize n;

  self->channels = GST_AUDIO_INFO_CHANNELS (&srcpad->info);
  self->cycle_frames = num_frames;
  self->cycle++;
  n = (gsize) num_frames * self->channels;

  if (self->sum_len < n) {
    g_free (self->sum);
    self->sum = g_new0 (gint32, n);
    self->sum_len = n;
  } else {
    memset (self->sum, 0, n * sizeof (gint32));
  }
  self->sum_dirty = FALSE;

  return GST_AUDIO_AGGREGATOR_CLASS (gst_mix_minus_parent_class)
      ->create_output_buffer (aagg, num_frames);
}

static gboolean
gst_mix_minus_aggregate_one_buffer (GstAudioAggregator * aagg,
    GstAudioAggregatorPad * aaggpad, GstBuffer * inbuf, guint in_offset,
    GstBuffer * outbuf, guint out_offset, guint num_frames)
{
  GstMixMinus *self = GST_MIX_MINUS (aagg);
  GstMixMinusPad *pad = GST_MIX_MINUS_PAD (aaggpad);
  gsize n = (gsize) num_frames * self->channels;
  gsize at = (gsize) out_offset * self->channels;
  const gint16 *in;
  GstMapInfo map;
  guint64 energy;

  pad_begin_cycle (self, pad);

  if (!gst_buffer_map (inbuf, &map, GST_MAP_READ)) {
    GST_WARNING_OBJECT (pad, "cannot map input buffer");
    return FALSE;
  }

  if ((in_offset + (gsize) num_frames) * self->channels * sizeof (gint16) >
      map.size || at + n > self->sum_len) {
    GST_WARNING_OBJECT (pad, "input range outside buffer, skipped");
    gst_buffer_unmap (inbuf, &map);
    return FALSE;
  }

  in = (const gint16 *) map.data + (gsize) in_offset * self->channels;

  /* Measured always; kept for the sum when it can be heard.  Who is in
   * the sum is decided once the whole block is known (finish_buffer). */
  energy = wb_mixminus_energy (in, n);
  pad->energy += energy;
  if (energy > 0 && pad->gain > 0) {
    memcpy (pad->own + at, in, n * sizeof (gint16));
    pad->own_dirty = MAX (pad->own_dirty, at + n);
    pad->has_signal = TRUE;
  }

  gst_buffer_unmap (inbuf, &map);

  return FALSE;
}

static GstBuffer *
acquire_output (GstMixMinus * self, GstBuffer * like, gsize size)
{
  GstBuffer *buffer = NULL;

  if (self->pool == NULL || self->pool_size < size) {
    GstStructure *config;

    if (self->pool != NULL) {
      gst_buffer_pool_set_active (self->pool, FALSE);
      gst_clear_object (&self->pool);
    }

    /* Room for one frame more than this block: blocks alternate between two
     * sizes when the rate does not divide evenly. */
    self->pool_size = size + 2 * sizeof (gint16);
    self->pool = gst_buffer_pool_new ();
    config = gst_buffer_pool_get_config (self->pool);
    gst_buffer_pool_config_set_params (config, NULL, self->pool_size, 0, 0);
    if (!gst_buffer_pool_set_config (self->pool, config)
        || !gst_buffer_pool_set_active (self->pool, TRUE)) {
      GST_WARNING_OBJECT (self, "buffer pool refused, allocating per buffer");
      gst_clear_object (&self->pool);
    }
  }

  if (self->pool == NULL
      || gst_buffer_pool_acquire_buffer (self->pool, &buffer,
          NULL) != GST_FLOW_OK)
    buffer = gst_buffer_new_allocate (NULL, size, NULL);
  else
    gst_buffer_resize (buffer, 0, size);

  GST_BUFFER_PTS (buffer) = GST_BUFFER_PTS (like);
  GST_BUFFER_DTS (buffer) = GST_BUFFER_DTS (like);
  GST_BUFFER_DURATION (buffer) = GST_BUFFER_DURATION (like);
  GST_BUFFER_OFFSET (buffer) = GST_BUFFER_OFFSET (like);
  GST_BUFFER_OFFSET_END (buffer) = GST_BUFFER_OFFSET_END (like);
  if (GST_BUFFER_FLAG_IS_SET (like, GST_BUFFER_FLAG_DISCONT))
    GST_BUFFER_FLAG_SET (buffer, GST_BUFFER_FLAG_DISCONT);

  return buffer;
}

static void
post_talking (GstMixMinus * self, GstMixMinusPad * pad, gboolean talking,
    gdouble level)
{
  GstStructure *s = gst_structure_new (TALKING_MESSAGE,
      "pad", G_TYPE_STRING, GST_OBJECT_NAME (pad),
      "talking", G_TYPE_BOOLEAN, talking,
      "level", G_TYPE_DOUBLE, level, NULL);

  GST_DEBUG_OBJECT (pad, "talking %d at %.1f dBov", talking, level);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
}

static void
post_shares (GstMixMinus * self, GstMixMinusSrcPad * srcpad, gboolean shares)
{
  GstStructure *s = gst_structure_new (SHARES_MESSAGE,
      "pad", G_TYPE_STRING, GST_OBJECT_NAME (srcpad),
      "shares-full-mix", G_TYPE_BOOLEAN, shares, NULL);

  GST_DEBUG_OBJECT (srcpad, "shares-full-mix %d", shares);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
}

/* Streaming: the level and talking state of one input over the block,
 * and whether it goes into the sum. */
static void
measure_input (GstMixMinus * self, GstMixMinusPad * pad, gsize n,
    const WbTalkDetector * settings, gboolean gate, GstClockTime duration)
{
  gdouble level;

  /* A pad without data in this block starts its cycle here: silence. */
  pad_begin_cycle (self, pad);
  level = wb_mixminus_level_dbov (pad->energy, n);

  wb_talk_detector_configure (&pad->talk, settings->start_dbov,
      settings->stop_dbov, settings->hangover_ns);
  if (pad->gain > 0) {
    pad->talk_changed = wb_talk_detector_update (&pad->talk, level,
        GST_CLOCK_TIME_IS_VALID (duration) ? duration : 0);
  } else {
    /* Nobody hears a muted input talk. */
    pad->talk_changed = pad->talk.talking;
    wb_talk_detector_reset (&pad->talk);
  }

  pad->contributes = pad->has_signal && (!gate || pad->talk.talking);

  GST_OBJECT_LOCK (pad);
  pad->level = level;
  pad->talking = pad->talk.talking;
  GST_OBJECT_UNLOCK (pad);
}

/* Streaming: tells every input where the block after @outbuf ends, for
 * recount_empty(). */
static void
set_next_block (GstMixMinus * self, GArray * outputs, GstBuffer * outbuf)
{
  GstSegment *segment = &GST_AGGREGATOR_PAD (GST_AGGREGATOR_SRC_PAD (self))->segment;
  GstClockTime pts = GST_BUFFER_PTS (outbuf);
  GstClockTime duration = GST_BUFFER_DURATION (outbuf);
  GstClockTime end = GST_CLOCK_TIME_NONE;

  if (GST_CLOCK_TIME_IS_VALID (pts) && GST_CLOCK_TIME_IS_VALID (duration)
      && segment->format == GST_FORMAT_TIME) {
    end = gst_segment_to_running_time (segment, GST_FORMAT_TIME,
        pts + duration);
    if (end != GST_CLOCK_TIME_NONE)
      end += duration;
  }

  for (guint i = 0; i < outputs->len; i++) {
    GstMixMinusPad *pad = g_array_index (outputs, Output, i).sinkpad;

    g_mutex_lock (&pad->guard_lock);
    pad->block_end = end;
    recount_empty (pad, self);
    g_mutex_unlock (&pad->guard_lock);
  }
  g_atomic_int_inc (&self->block_seq);
}

/* Streaming: which buffer src_K gets, and the messages about it. */
static GstBuffer *
render_output (GstMixMinus * self, GstMixMinusPad * pad,
    GstMixMinusSrcPad * srcpad, GstBuffer * full, GstBuffer ** silence,
    gsize n)
{
  gboolean shares, shares_changed;
  GstBuffer *out;

  if (pad->deaf_now) {
    if (*silence == NULL) {
      GstMapInfo map;

      *silence = acquire_output (self, full, n * sizeof (gint16));
      gst_buffer_map (*silence, &map, GST_MAP_WRITE);
      memset (map.data, 0, map.size);
      gst_buffer_unmap (*silence, &map);
      GST_BUFFER_FLAG_SET (*silence, GST_BUFFER_FLAG_GAP);
    }
    out = gst_buffer_ref (*silence);
    shares = FALSE;
  } else if (!pad->contributes) {
    /* Nothing of this input in the sum: its mix is the full mix. */
    out = gst_buffer_ref (full);
    shares = TRUE;
  } else {
    GstMapInfo map;

    out = acquire_output (self, full, n * sizeof (gint16));
    gst_buffer_map (out, &map, GST_MAP_WRITE);
    wb_mixminus_render_minus ((gint16 *) map.data, self->sum, pad->own, n,
        pad->gain);
    gst_buffer_unmap (out, &map);
    shares = FALSE;
  }

  GST_OBJECT_LOCK (srcpad);
  shares_changed = !srcpad->reported || srcpad->shares_full_mix != shares;
  srcpad->shares_full_mix = shares;
  srcpad->reported = TRUE;
  GST_OBJECT_UNLOCK (srcpad);

  if (pad->talk_changed)
    post_talking (self, pad, pad->talk.talking, pad->level);
  if (shares_changed)
    post_shares (self, srcpad, shares);

  return out;
}

/* Streaming: whether "src" already carries a segment and the caps of the
 * block being finished, so that a src_K can be synced and pushed before
 * it.  Not so for the first block, nor for the first block in a new
 * format (the aggregator sends the new caps with the full mix). */
static gboolean
main_src_started (GstMixMinus * self)
{
  GstPad *main_src = GST_AGGREGATOR_SRC_PAD (self);
  g_autoptr (GstEvent) segment =
      gst_pad_get_sticky_event (main_src, GST_EVENT_SEGMENT, 0);
  g_autoptr (GstCaps) caps = gst_pad_get_current_caps (main_src);
  GstAudioInfo info;

  return segment != NULL && caps != NULL
      && gst_audio_info_from_caps (&info, caps)
      && gst_audio_info_is_equal (&info,
      &GST_AUDIO_AGGREGATOR_PAD (main_src)->info);
}

/* Streaming: renders and pushes every src_K of the block whose full mix
 * is @full. */
static void
push_outputs (GstMixMinus * self, GArray * outputs, GstBuffer * full,
    GstBuffer ** silence, gsize n)
{
  for (guint i = 0; i < outputs->len; i++) {
    Output *o = &g_array_index (outputs, Output, i);
    GstBuffer *out = render_output (self, o->sinkpad, o->srcpad, full,
        silence, n);
    GstFlowReturn push_ret;

    if (!sync_src_pad (self, o->srcpad)) {
      /* Not active yet (just requested): its first block comes next time. */
      gst_buffer_unref (out);
      continue;
    }
    push_ret = gst_pad_push (GST_PAD (o->srcpad), out);
    if (push_ret != GST_FLOW_OK && push_ret != GST_FLOW_NOT_LINKED
        && push_ret != GST_FLOW_FLUSHING)
      GST_WARNING_OBJECT (o->srcpad, "push failed: %s",
          gst_flow_get_name (push_ret));
  }
}

static GstFlowReturn
gst_mix_minus_finish_buffer (GstAggregator * agg, GstBuffer * outbuf)
{
  GstMixMinus *self = GST_MIX_MINUS (agg);
  GstAudioAggregatorPad *main_src =
      GST_AUDIO_AGGREGATOR_PAD (GST_AGGREGATOR_SRC_PAD (agg));
  gint bpf = GST_AUDIO_INFO_BPF (&main_src->info);
  gsize frames = bpf > 0 ? gst_buffer_get_size (outbuf) / bpf : 0;
  gsize n = MIN (frames * self->channels, self->sum_len);
  GstClockTime duration = GST_BUFFER_DURATION (outbuf);
  g_autoptr (GstBuffer) full = NULL;
  g_autoptr (GstBuffer) silence = NULL;
  WbTalkDetector settings;
  GstFlowReturn ret;
  GArray *outputs;
  gboolean gate, main_src_ready;

  GST_OBJECT_LOCK (self);
  wb_talk_detector_init (&settings, self->talk_start_level,
      self->talk_stop_level, self->talk_hangover);
  gate = self->gate;
  GST_OBJECT_UNLOCK (self);

  update_max_queue_level (self, duration);
  GST_OBJECT_LOCK (self);
  g_atomic_int_set (&self->deferring,
      self->max_queue_level != GST_CLOCK_TIME_NONE);
  GST_OBJECT_UNLOCK (self);
  outputs = collect_outputs (self);

  /* Who is heard in this block, then the one sum of them. */
  for (guint i = 0; i < outputs->len; i++) {
    GstMixMinusPad *pad = g_array_index (outputs, Output, i).sinkpad;

    measure_input (self, pad, n, &settings, gate, duration);
    if (pad->contributes) {
      wb_mixminus_accumulate (self->sum, pad->own, n, pad->gain);
      self->sum_dirty = TRUE;
    }
  }

  set_next_block (self, outputs, outbuf);

  if (gst_buffer_is_writable (outbuf)) {
    if (self->sum_dirty) {
      GstMapInfo map;

      if (gst_buffer_map (outbuf, &map, GST_MAP_WRITE)) {
        wb_mixminus_render_full ((gint16 *) map.data, self->sum,
            MIN (n, map.size / sizeof (gint16)));
        gst_buffer_unmap (outbuf, &map);
      }
      GST_BUFFER_FLAG_UNSET (outbuf, GST_BUFFER_FLAG_GAP);
    } else {
      /* Still the silence GstAudioAggregator filled it with. */
      GST_BUFFER_FLAG_SET (outbuf, GST_BUFFER_FLAG_GAP);
    }
  }

  full = gst_buffer_ref (outbuf);

  /* Once "src" carries its stream-start, caps and segment (which the src_K
   * copy before their first buffer), the mix-minus outputs of a block go
   * out before its full mix: see the ordering guarantee in gstmixminus.h.
   * The very first block goes out on "src" first, to give it those events;
   * no src_K can be synced before that anyway. */
  main_src_ready = main_src_started (self);
  if (main_src_ready)
    push_outputs (self, outputs, full, &silence, n);

  ret = GST_AGGREGATOR_CLASS (gst_mix_minus_parent_class)->finish_buffer (agg,
      outbuf);
  if (ret == GST_FLOW_NOT_LINKED) {
    /* Nobody records the full mix: the mix-minus outputs still flow. */
    ret = GST_FLOW_OK;
  }

  if (!main_src_ready)
    push_outputs (self, outputs, full, &silence, n);

  free_outputs (outputs);
  feed_all_pending (self, TRUE, NULL);

  return ret;
}

/* Before each block: what the never-block inputs keep (see
 * gst_mix_minus_pad_chain()). */
static GstFlowReturn
gst_mix_minus_aggregate (GstAggregator * agg, gboolean timeout)
{
  GstMixMinus *self = GST_MIX_MINUS (agg);

  if (g_atomic_int_get (&self->deferring))
    feed_all_pending (self, TRUE, NULL);
  return GST_AGGREGATOR_CLASS (gst_mix_minus_parent_class)->aggregate (agg,
      timeout);
}

/* Called with the element's object lock. */
static GstClockTime
gst_mix_minus_get_max_queue_level (GstMixMinus * self)
{
  return self->max_queue_level;
}

/*
 * What GstAggregator lets an input's queue span: its latency plus the
 * upstream minimum, which gst_aggregator_get_latency() gives with
 * GstAudioAggregator's one output block on top.
 */
static void
update_max_queue_level (GstMixMinus * self, GstClockTime block)
{
  GstClockTime latency = gst_aggregator_get_latency (GST_AGGREGATOR (self));
  GstClockTime level = GST_CLOCK_TIME_NONE;

  if (latency != GST_CLOCK_TIME_NONE && block != GST_CLOCK_TIME_NONE)
    level = latency > block ? latency - block : 0;
  GST_OBJECT_LOCK (self);
  self->max_queue_level = level;
  GST_OBJECT_UNLOCK (self);
}

/* --- state --------------------------------------------------------------- */

static gboolean
gst_mix_minus_start (GstAggregator * agg)
{
  GstMixMinus *self = GST_MIX_MINUS (agg);
  GArray *outputs;

  if (!GST_AGGREGATOR_CLASS (gst_mix_minus_parent_class)->start (agg))
    return FALSE;

  /* Pads lost their sticky events when deactivated. */
  outputs = collect_outputs (self);
  for (guint i = 0; i < outputs->len; i++) {
    Output *o = &g_array_index (outputs, Output, i);

    g_atomic_int_set (&o->srcpad->synced, FALSE);
    GST_OBJECT_LOCK (o->srcpad);
    o->srcpad->reported = FALSE;
    o->srcpad->shares_full_mix = TRUE;
    GST_OBJECT_UNLOCK (o->srcpad);

    wb_talk_detector_reset (&o->sinkpad->talk);
    GST_OBJECT_LOCK (o->sinkpad);
    o->sinkpad->talking = FALSE;
    o->sinkpad->level = WB_MIXMINUS_LEVEL_FLOOR;
    GST_OBJECT_UNLOCK (o->sinkpad);
  }
  free_outputs (outputs);

  return TRUE;
}

static gboolean
gst_mix_minus_stop (GstAggregator * agg)
{
  GstMixMinus *self = GST_MIX_MINUS (agg);

  if (self->pool != NULL) {
    gst_buffer_pool_set_active (self->pool, FALSE);
    gst_clear_object (&self->pool);
  }
  self->pool_size = 0;
  GST_OBJECT_LOCK (self);
  self->max_queue_level = GST_CLOCK_TIME_NONE;
  GST_OBJECT_UNLOCK (self);
  g_atomic_int_set (&self->deferring, FALSE);
  g_atomic_int_set (&self->handed_seq, g_atomic_int_get (&self->block_seq) - 1);

  return GST_AGGREGATOR_CLASS (gst_mix_minus_parent_class)->stop (agg);
}

/* --- GObject ------------------------------------------------------------- */

static void
gst_mix_minus_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstMixMinus *self = GST_MIX_MINUS (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_TALK_START_LEVEL:
      self->talk_start_level = g_value_get_double (value);
      break;
    case PROP_TALK_STOP_LEVEL:
      self->talk_stop_level = g_value_get_double (value);
      break;
    case PROP_TALK_HANGOVER:
      self->talk_hangover = g_value_get_uint64 (value);
      break;
    case PROP_GATE:
      self->gate = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_mix_minus_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstMixMinus *self = GST_MIX_MINUS (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_TALK_START_LEVEL:
      g_value_set_double (value, self->talk_start_level);
      break;
    case PROP_TALK_STOP_LEVEL:
      g_value_set_double (value, self->talk_stop_level);
      break;
    case PROP_TALK_HANGOVER:
      g_value_set_uint64 (value, self->talk_hangover);
      break;
    case PROP_GATE:
      g_value_set_boolean (value, self->gate);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_mix_minus_constructed (GObject * object)
{
  G_OBJECT_CLASS (gst_mix_minus_parent_class)->constructed (object);

  /* GstAudioAggregator sets its own 10 ms default in constructed(); one
   * Opus frame is what every output feeds. */
  g_object_set (object, "output-buffer-duration",
      (guint64) DEFAULT_OUTPUT_BUFFER_DURATION, NULL);
}

static void
gst_mix_minus_finalize (GObject * object)
{
  GstMixMinus *self = GST_MIX_MINUS (object);

  g_clear_pointer (&self->sum, g_free);
  gst_clear_object (&self->pool);

  G_OBJECT_CLASS (gst_mix_minus_parent_class)->finalize (object);
}

static void
gst_mix_minus_class_init (GstMixMinusClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstAggregatorClass *agg_class = GST_AGGREGATOR_CLASS (klass);
  GstAudioAggregatorClass *aagg_class = GST_AUDIO_AGGREGATOR_CLASS (klass);

  gobject_class->constructed = gst_mix_minus_constructed;
  gobject_class->finalize = gst_mix_minus_finalize;
  gobject_class->set_property = gst_mix_minus_set_property;
  gobject_class->get_property = gst_mix_minus_get_property;

  g_object_class_install_property (gobject_class, PROP_TALK_START_LEVEL,
      g_param_spec_double ("talk-start-level", "Talk start level",
          "Input level (dBov) at or above which an input starts talking",
          WB_MIXMINUS_LEVEL_FLOOR, 0.0, DEFAULT_TALK_START_LEVEL,
          G_PARAM_READWRITE | GST_PARAM_MUTABLE_PLAYING |
          G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_TALK_STOP_LEVEL,
      g_param_spec_double ("talk-stop-level", "Talk stop level",
          "Input level (dBov) below which a talking input counts as quiet; "
          "at most talk-start-level", WB_MIXMINUS_LEVEL_FLOOR, 0.0,
          DEFAULT_TALK_STOP_LEVEL,
          G_PARAM_READWRITE | GST_PARAM_MUTABLE_PLAYING |
          G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_TALK_HANGOVER,
      g_param_spec_uint64 ("talk-hangover", "Talk hangover",
          "How long (ns) a talking input must stay quiet before it stops "
          "talking", 0, G_MAXUINT64, DEFAULT_TALK_HANGOVER,
          G_PARAM_READWRITE | GST_PARAM_MUTABLE_PLAYING |
          G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_GATE,
      g_param_spec_boolean ("gate", "Gate",
          "Mix only the inputs that are talking (the talk detector as a noise "
          "gate): the background of silent inputs stays out of every mix, "
          "and their outputs share the full mix", DEFAULT_GATE,
          G_PARAM_READWRITE | GST_PARAM_MUTABLE_PLAYING |
          G_PARAM_STATIC_STRINGS));

  gst_element_class_add_static_pad_template_with_gtype (element_class,
      &src_template, GST_TYPE_AUDIO_AGGREGATOR_PAD);
  gst_element_class_add_static_pad_template_with_gtype (element_class,
      &mix_src_template, GST_TYPE_MIX_MINUS_SRC_PAD);
  gst_element_class_add_static_pad_template_with_gtype (element_class,
      &sink_template, GST_TYPE_MIX_MINUS_PAD);

  gst_element_class_set_static_metadata (element_class, "Mix-minus",
      "Filter/Audio",
      "Mixes its inputs once; src_K carries the mix of every input but "
      "sink_K, src the full mix; reports levels and who is talking",
      "wardbridge developers");

  element_class->request_new_pad =
      GST_DEBUG_FUNCPTR (gst_mix_minus_request_new_pad);
  element_class->release_pad = GST_DEBUG_FUNCPTR (gst_mix_minus_release_pad);

  agg_class->update_src_caps = GST_DEBUG_FUNCPTR (gst_mix_minus_update_src_caps);
  agg_class->sink_query = GST_DEBUG_FUNCPTR (gst_mix_minus_sink_query);
  agg_class->finish_buffer = GST_DEBUG_FUNCPTR (gst_mix_minus_finish_buffer);
  agg_class->aggregate = GST_DEBUG_FUNCPTR (gst_mix_minus_aggregate);
  agg_class->start = GST_DEBUG_FUNCPTR (gst_mix_minus_start);
  agg_class->stop = GST_DEBUG_FUNCPTR (gst_mix_minus_stop);

  aagg_class->create_output_buffer =
      GST_DEBUG_FUNCPTR (gst_mix_minus_create_output_buffer);
  aagg_class->aggregate_one_buffer =
      GST_DEBUG_FUNCPTR (gst_mix_minus_aggregate_one_buffer);

  gst_type_mark_as_plugin_api (GST_TYPE_MIX_MINUS_PAD, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_MIX_MINUS_SRC_PAD, 0);
}

static void
gst_mix_minus_init (GstMixMinus * self)
{
  self->talk_start_level = DEFAULT_TALK_START_LEVEL;
  self->talk_stop_level = DEFAULT_TALK_STOP_LEVEL;
  self->talk_hangover = DEFAULT_TALK_HANGOVER;
  self->gate = DEFAULT_GATE;
  self->max_queue_level = GST_CLOCK_TIME_NONE;
  self->handed_seq = -1;

  gst_pad_add_probe (GST_AGGREGATOR_SRC_PAD (self),
      GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM | GST_PAD_PROBE_TYPE_EVENT_FLUSH,
      main_src_event_probe, self, NULL);
}

/* --- GstChildProxy: m.sink_3::mute=true ----------------------------------- */

static GObject *
gst_mix_minus_child_proxy_get_child_by_name (GstChildProxy * proxy,
    const gchar * name)
{
  return (GObject *) gst_element_get_static_pad (GST_ELEMENT (proxy), name);
}

static GObject *
gst_mix_minus_child_proxy_get_child_by_index (GstChildProxy * proxy,
    guint index)
{
  GObject *child;

  GST_OBJECT_LOCK (proxy);
  child = g_list_nth_data (GST_ELEMENT (proxy)->sinkpads, index);
  if (child != NULL)
    g_object_ref (child);
  GST_OBJECT_UNLOCK (proxy);

  return child;
}

static guint
gst_mix_minus_child_proxy_get_children_count (GstChildProxy * proxy)
{
  guint count;

  GST_OBJECT_LOCK (proxy);
  count = GST_ELEMENT (proxy)->numsinkpads;
  GST_OBJECT_UNLOCK (proxy);

  return count;
}

static void
gst_mix_minus_child_proxy_init (gpointer g_iface, gpointer iface_data)
{
  GstChildProxyInterface *iface = g_iface;

  iface->get_child_by_name = gst_mix_minus_child_proxy_get_child_by_name;
  iface->get_child_by_index = gst_mix_minus_child_proxy_get_child_by_index;
  iface->get_children_count = gst_mix_minus_child_proxy_get_children_count;
}
