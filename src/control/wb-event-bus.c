/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbEventBus: synchronous fan-out of state changes, a bounded history for
 * reconnecting listeners, and a log line per event (rate limited, since API
 * calls from the network cause most events).
 */
#define G_LOG_DOMAIN "wb-event-bus"

#include "wb-event-bus.h"

#include <string.h>

/* At most this many event log lines per second; the rest are counted. */
#define LOG_LINES_PER_SECOND 20

struct _WbEventBus {
  GObject parent_instance;

  guint64 last_seq;
  GQueue history;             /* WbEvent*, oldest at head */
  guint history_max;

  /* log rate limit: one window per second */
  gint64 log_window_start_us;
  guint log_lines_in_window;
  guint log_suppressed;
};

enum {
  SIGNAL_EVENT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_BOXED_TYPE (WbEvent, wb_event, wb_event_ref, wb_event_unref)
G_DEFINE_FINAL_TYPE (WbEventBus, wb_event_bus, G_TYPE_OBJECT)

WbEvent *
wb_event_ref (WbEvent *event)
{
  g_return_val_if_fail (event != NULL, NULL);
  g_atomic_int_inc (&event->ref_count);
  return event;
}

void
wb_event_unref (WbEvent *event)
{
  g_return_if_fail (event != NULL);
  if (!g_atomic_int_dec_and_test (&event->ref_count))
    return;
  g_free (event->name);
  g_strfreev (event->wards);
  json_node_unref (event->data);
  g_free (event);
}

gboolean
wb_event_concerns_ward (const WbEvent *event, const char *ward_id)
{
  g_return_val_if_fail (event != NULL, FALSE);
  if (ward_id == NULL)
    return FALSE;
  return g_strv_contains ((const char *const *) event->wards, ward_id);
}

static void
wb_event_bus_finalize (GObject *object)
{
  WbEventBus *bus = WB_EVENT_BUS (object);

  g_queue_clear_full (&bus->history, (GDestroyNotify) wb_event_unref);
  G_OBJECT_CLASS (wb_event_bus_parent_class)->finalize (object);
}

static void
wb_event_bus_class_init (WbEventBusClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = wb_event_bus_finalize;

  /**
   * WbEventBus::event:
   * @bus: the bus
   * @event: (type WbEvent): the event just published
   *
   * Emitted once per published event, on the main context.
   */
  signals[SIGNAL_EVENT] =
    g_signal_new ("event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                  WB_TYPE_EVENT | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
wb_event_bus_init (WbEventBus *bus)
{
  g_queue_init (&bus->history);
  bus->history_max = WB_EVENT_BUS_DEFAULT_HISTORY;
}

WbEventBus *
wb_event_bus_new (void)
{
  return g_object_new (WB_TYPE_EVENT_BUS, NULL);
}

static void
log_event (WbEventBus *bus, const WbEvent *event)
{
  g_autofree char *wards = NULL;
  g_autofree char *seq = NULL;

  if (event->time_us - bus->log_window_start_us >= G_USEC_PER_SEC) {
    if (bus->log_suppressed > 0)
      g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_DEBUG,
                        "MESSAGE", "%u events were not logged (rate limit)",
                        bus->log_suppressed);
    bus->log_window_start_us = event->time_us;
    bus->log_lines_in_window = 0;
    bus->log_suppressed = 0;
  }
  if (bus->log_lines_in_window >= LOG_LINES_PER_SECOND) {
    bus->log_suppressed++;
    return;
  }
  bus->log_lines_in_window++;

  wards = g_strjoinv (",", event->wards);
  seq = g_strdup_printf ("%" G_GUINT64_FORMAT, event->seq);
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_DEBUG,
                    "WB_EVENT", event->name,
                    "WB_EVENT_SEQ", seq,
                    "WB_WARDS", wards,
                    "MESSAGE", "event %s #%s wards=[%s]", event->name, seq, wards);
}

guint64
wb_event_bus_publish (WbEventBus        *bus,
                      const char        *name,
                      const char *const *wards,
                      JsonNode          *data)
{
  g_autoptr (WbEvent) event = NULL;
  const char *const no_wards[] = { NULL };

  g_return_val_if_fail (WB_IS_EVENT_BUS (bus), 0);
  g_return_val_if_fail (name != NULL, 0);
  g_return_val_if_fail (data != NULL && JSON_NODE_HOLDS_OBJECT (data), 0);

  event = g_new0 (WbEvent, 1);
  event->ref_count = 1;
  event->seq = ++bus->last_seq;
  event->time_us = g_get_real_time ();
  event->name = g_strdup (name);
  event->wards = g_strdupv ((char **) (wards != NULL ? wards : no_wards));
  event->data = data;
  json_node_seal (event->data);

  g_queue_push_tail (&bus->history, wb_event_ref (event));
  while (g_queue_get_length (&bus->history) > bus->history_max)
    wb_event_unref (g_queue_pop_head (&bus->history));

  log_event (bus, event);
  g_signal_emit (bus, signals[SIGNAL_EVENT], 0, event);

  return event->seq;
}

GPtrArray *
wb_event_bus_get_since (WbEventBus *bus, guint64 seq)
{
  GPtrArray *out;

  g_return_val_if_fail (WB_IS_EVENT_BUS (bus), NULL);

  out = g_ptr_array_new_with_free_func ((GDestroyNotify) wb_event_unref);
  for (GList *l = bus->history.head; l != NULL; l = l->next) {
    WbEvent *event = l->data;
    if (event->seq > seq)
      g_ptr_array_add (out, wb_event_ref (event));
  }
  return out;
}

guint64
wb_event_bus_get_last_seq (WbEventBus *bus)
{
  g_return_val_if_fail (WB_IS_EVENT_BUS (bus), 0);
  return bus->last_seq;
}
