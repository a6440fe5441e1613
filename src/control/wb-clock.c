/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbClock and its two implementations.  See wb-clock.h.
 */
#define G_LOG_DOMAIN "wardbridge-clock"

#include "control/wb-clock.h"

/* The real clock never sleeps longer than this in one go, so that a step of
 * the wall clock is noticed within this time. */
#define REAL_CLOCK_MAX_SLEEP_MS 30000

G_DEFINE_INTERFACE (WbClock, wb_clock, G_TYPE_OBJECT)

static void
wb_clock_default_init (WbClockInterface *iface)
{
}

gint64
wb_clock_now (WbClock *self)
{
  g_return_val_if_fail (WB_IS_CLOCK (self), 0);

  return WB_CLOCK_GET_IFACE (self)->now (self);
}

guint
wb_clock_add_alarm (WbClock        *self,
                    gint64          when_us,
                    WbClockFunc     func,
                    gpointer        user_data,
                    GDestroyNotify  destroy)
{
  g_return_val_if_fail (WB_IS_CLOCK (self), 0);
  g_return_val_if_fail (func != NULL, 0);

  return WB_CLOCK_GET_IFACE (self)->add_alarm (self, when_us, func,
                                               user_data, destroy);
}

void
wb_clock_remove_alarm (WbClock *self,
                       guint    alarm_id)
{
  g_return_if_fail (WB_IS_CLOCK (self));

  if (alarm_id == 0)
    return;
  WB_CLOCK_GET_IFACE (self)->remove_alarm (self, alarm_id);
}

/* One armed alarm, shared by both clocks. */
typedef struct {
  guint           id;
  gint64          when_us;
  WbClockFunc     func;
  gpointer        user_data;
  GDestroyNotify  destroy;
  GSource        *source;     /* real clock only */
  gpointer        clock;      /* real clock only; unowned */
} Alarm;

static void
alarm_free (Alarm *alarm)
{
  if (alarm->source != NULL)
    {
      g_source_destroy (alarm->source);
      g_source_unref (alarm->source);
    }
  if (alarm->destroy != NULL)
    alarm->destroy (alarm->user_data);
  g_free (alarm);
}

/* Fires @alarm, which its clock no longer holds, and frees it. */
static void
alarm_fire (Alarm *alarm)
{
  alarm->func (alarm->user_data);
  alarm_free (alarm);
}

/* ---- WbRealClock ---------------------------------------------------------- */

struct _WbRealClock {
  GObject parent_instance;

  GMainContext *context;   /* where alarms run: the creator's thread-default */
  GHashTable   *alarms;    /* id -> Alarm (owned) */
  guint         next_id;
};

static void wb_real_clock_iface_init (WbClockInterface *iface);

G_DEFINE_TYPE_WITH_CODE (WbRealClock, wb_real_clock, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (WB_TYPE_CLOCK, wb_real_clock_iface_init))

static void real_clock_arm (WbRealClock *self, Alarm *alarm);

static gboolean
real_clock_wake (gpointer data)
{
  Alarm *alarm = data;
  WbRealClock *self = alarm->clock;

  g_clear_pointer (&alarm->source, g_source_unref);

  if (g_get_real_time () < alarm->when_us)
    {
      /* Woke early: a long wait is cut in slices, or the clock was set back. */
      real_clock_arm (self, alarm);
      return G_SOURCE_REMOVE;
    }

  g_hash_table_steal (self->alarms, GUINT_TO_POINTER (alarm->id));
  alarm_fire (alarm);
  return G_SOURCE_REMOVE;
}

static void
real_clock_arm (WbRealClock *self,
                Alarm       *alarm)
{
  gint64 wait_us = alarm->when_us - g_get_real_time ();
  guint wait_ms;

  if (wait_us <= 0)
    wait_ms = 0;
  else
    wait_ms = (guint) MIN ((wait_us + 999) / 1000, REAL_CLOCK_MAX_SLEEP_MS);

  alarm->source = g_timeout_source_new (wait_ms);
  g_source_set_static_name (alarm->source, "[wardbridge] clock alarm");
  g_source_set_callback (alarm->source, real_clock_wake, alarm, NULL);
  g_source_attach (alarm->source, self->context);
}

static gint64
real_clock_now (WbClock *clock)
{
  return g_get_real_time ();
}

static guint
real_clock_add_alarm (WbClock        *clock,
                      gint64          when_us,
                      WbClockFunc     func,
                      gpointer        user_data,
                      GDestroyNotify  destroy)
{
  WbRealClock *self = WB_REAL_CLOCK (clock);
  Alarm *alarm = g_new0 (Alarm, 1);

  alarm->id = ++self->next_id;
  alarm->when_us = when_us;
  alarm->func = func;
  alarm->user_data = user_data;
  alarm->destroy = destroy;
  alarm->clock = self;
  g_hash_table_insert (self->alarms, GUINT_TO_POINTER (alarm->id), alarm);
  real_clock_arm (self, alarm);
  return alarm->id;
}

static void
real_clock_remove_alarm (WbClock *clock,
                         guint    alarm_id)
{
  WbRealClock *self = WB_REAL_CLOCK (clock);

  g_hash_table_remove (self->alarms, GUINT_TO_POINTER (alarm_id));
}

static void
wb_real_clock_iface_init (WbClockInterface *iface)
{
  iface->now = real_clock_now;
  iface->add_alarm = real_clock_add_alarm;
  iface->remove_alarm = real_clock_remove_alarm;
}

static void
wb_real_clock_finalize (GObject *object)
{
  WbRealClock *self = WB_REAL_CLOCK (object);

  g_clear_pointer (&self->alarms, g_hash_table_unref);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (wb_real_clock_parent_class)->finalize (object);
}

static void
wb_real_clock_class_init (WbRealClockClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = wb_real_clock_finalize;
}

static void
wb_real_clock_init (WbRealClock *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->alarms = g_hash_table_new_full (NULL, NULL, NULL,
                                        (GDestroyNotify) alarm_free);
}

WbClock *
wb_real_clock_new (void)
{
  return g_object_new (WB_TYPE_REAL_CLOCK, NULL);
}

/* ---- WbFakeClock ---------------------------------------------------------- */

struct _WbFakeClock {
  GObject parent_instance;

  gint64   now_us;
  GQueue   alarms;    /* Alarm (owned), sorted by due time then id */
  guint    next_id;
  gboolean firing;    /* inside set_time(): no nested set_time() */
};

static void wb_fake_clock_iface_init (WbClockInterface *iface);

G_DEFINE_TYPE_WITH_CODE (WbFakeClock, wb_fake_clock, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (WB_TYPE_CLOCK, wb_fake_clock_iface_init))

static gint
alarm_compare (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  const Alarm *x = a;
  const Alarm *y = b;

  if (x->when_us != y->when_us)
    return x->when_us < y->when_us ? -1 : 1;
  return x->id < y->id ? -1 : (x->id > y->id);
}

static gint64
fake_clock_now (WbClock *clock)
{
  return WB_FAKE_CLOCK (clock)->now_us;
}

static guint
fake_clock_add_alarm (WbClock        *clock,
                      gint64          when_us,
                      WbClockFunc     func,
                      gpointer        user_data,
                      GDestroyNotify  destroy)
{
  WbFakeClock *self = WB_FAKE_CLOCK (clock);
  Alarm *alarm = g_new0 (Alarm, 1);

  alarm->id = ++self->next_id;
  alarm->when_us = when_us;
  alarm->func = func;
  alarm->user_data = user_data;
  alarm->destroy = destroy;
  g_queue_insert_sorted (&self->alarms, alarm, alarm_compare, NULL);
  return alarm->id;
}

static void
fake_clock_remove_alarm (WbClock *clock,
                         guint    alarm_id)
{
  WbFakeClock *self = WB_FAKE_CLOCK (clock);

  for (GList *l = self->alarms.head; l != NULL; l = l->next)
    {
      Alarm *alarm = l->data;

      if (alarm->id == alarm_id)
        {
          g_queue_delete_link (&self->alarms, l);
          alarm_free (alarm);
          return;
        }
    }
}

static void
wb_fake_clock_iface_init (WbClockInterface *iface)
{
  iface->now = fake_clock_now;
  iface->add_alarm = fake_clock_add_alarm;
  iface->remove_alarm = fake_clock_remove_alarm;
}

static void
wb_fake_clock_finalize (GObject *object)
{
  WbFakeClock *self = WB_FAKE_CLOCK (object);

  g_queue_clear_full (&self->alarms, (GDestroyNotify) alarm_free);

  G_OBJECT_CLASS (wb_fake_clock_parent_class)->finalize (object);
}

static void
wb_fake_clock_class_init (WbFakeClockClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = wb_fake_clock_finalize;
}

static void
wb_fake_clock_init (WbFakeClock *self)
{
  g_queue_init (&self->alarms);
}

WbClock *
wb_fake_clock_new (gint64 now_us)
{
  WbFakeClock *self = g_object_new (WB_TYPE_FAKE_CLOCK, NULL);

  self->now_us = now_us;
  return WB_CLOCK (self);
}

void
wb_fake_clock_set_time (WbFakeClock *self,
                        gint64       now_us)
{
  g_return_if_fail (WB_IS_FAKE_CLOCK (self));
  g_return_if_fail (!self->firing);

  /* Keep the clock alive while alarms run: one may drop the last ref. */
  g_object_ref (self);
  self->firing = TRUE;

  /* Alarms armed by a callback for a time already reached fire in this same
   * call, in order. */
  while (!g_queue_is_empty (&self->alarms))
    {
      Alarm *alarm = g_queue_peek_head (&self->alarms);

      if (alarm->when_us > now_us)
        break;
      g_queue_pop_head (&self->alarms);
      self->now_us = MAX (self->now_us, alarm->when_us);
      alarm_fire (alarm);
    }

  self->now_us = MAX (self->now_us, now_us);
  self->firing = FALSE;
  g_object_unref (self);
}

void
wb_fake_clock_advance (WbFakeClock *self,
                       gint64       delta_us)
{
  g_return_if_fail (WB_IS_FAKE_CLOCK (self));
  g_return_if_fail (delta_us >= 0);

  wb_fake_clock_set_time (self, self->now_us + delta_us);
}

guint
wb_fake_clock_get_n_alarms (WbFakeClock *self)
{
  g_return_val_if_fail (WB_IS_FAKE_CLOCK (self), 0);

  return self->alarms.length;
}

gint64
wb_fake_clock_get_next_alarm (WbFakeClock *self)
{
  Alarm *alarm;

  g_return_val_if_fail (WB_IS_FAKE_CLOCK (self), G_MAXINT64);

  alarm = g_queue_peek_head (&self->alarms);
  return alarm != NULL ? alarm->when_us : G_MAXINT64;
}
