/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbEventBus: fans the hub's state changes out to whoever listens (the SSE
 * route of the HTTP API, the logs).  Producers (endpoint registry,
 * conference manager, booking service) publish a named event with a JSON
 * payload and the wards it concerns; listeners connect to the "event"
 * signal.  The bus keeps the last few events so that an SSE client that
 * reconnects with Last-Event-ID misses nothing.
 *
 * Owned by the daemon; lives on the main context and is not thread safe.
 */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* One published event; immutable and reference counted. */
typedef struct _WbEvent WbEvent;

struct _WbEvent {
  /*< private >*/
  gint ref_count;
  /*< public >*/
  guint64 seq;        /* 1, 2, 3, ... in publishing order */
  gint64 time_us;     /* wall clock, g_get_real_time () */
  char *name;         /* "endpoint.state", "booking.created", ... */
  GStrv wards;        /* wards this event concerns; never NULL, may be empty */
  JsonNode *data;     /* a JSON object */
};

#define WB_TYPE_EVENT (wb_event_get_type ())
GType    wb_event_get_type (void) G_GNUC_CONST;
WbEvent *wb_event_ref      (WbEvent *event);
void     wb_event_unref    (WbEvent *event);
gboolean wb_event_concerns_ward (const WbEvent *event,
                                 const char    *ward_id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WbEvent, wb_event_unref)

#define WB_TYPE_EVENT_BUS (wb_event_bus_get_type ())
G_DECLARE_FINAL_TYPE (WbEventBus, wb_event_bus, WB, EVENT_BUS, GObject)

/* How many past events wb_event_bus_get_since() can return. */
#define WB_EVENT_BUS_DEFAULT_HISTORY 256

WbEventBus *wb_event_bus_new (void);

/*
 * Publishes an event: emits "event" (WbEvent*) synchronously and logs it.
 * @wards: NULL-terminated ward ids the event concerns, or NULL for none.
 * @data: (transfer full): a JSON object node.  Returns the new event's seq.
 */
guint64 wb_event_bus_publish (WbEventBus        *bus,
                              const char        *name,
                              const char *const *wards,
                              JsonNode          *data);

/* Events published after @seq that are still in the history, oldest first
 * (element-type WbEvent, owned by the array). */
GPtrArray *wb_event_bus_get_since (WbEventBus *bus,
                                   guint64     seq);

guint64 wb_event_bus_get_last_seq (WbEventBus *bus);

G_END_DECLS
