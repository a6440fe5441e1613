/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbEventStream: an SSE reader on a WbClient.
 */
#define G_LOG_DOMAIN "wardbridge-client"

#include "wb-event-stream.h"

#include "wb-sse-parser.h"

struct _WbEventStream {
  GObject parent_instance;

  WbClient *client;
  WbSseParser *parser;
  GCancellable *cancellable;   /* of the current attempt; NULL when stopped */
  GDataInputStream *lines;
  gboolean open;               /* the hub accepted it and it has not ended */
  guint idle_timeout_s;
  guint idle_source;
};

enum {
  SIGNAL_OPENED,
  SIGNAL_EVENT,
  SIGNAL_CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (WbEventStream, wb_event_stream, G_TYPE_OBJECT)

static void read_next_line (WbEventStream *self);

static void
clear_attempt (WbEventStream *self)
{
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->lines);
  g_clear_handle_id (&self->idle_source, g_source_remove);
  self->open = FALSE;
  wb_sse_parser_reset (self->parser);
}

static void
close_with_error (WbEventStream *self,
                  GError        *error)
{
  g_autoptr (GError) owned = error;

  /* Keep ourselves alive across the handlers, which may drop us. */
  g_object_ref (self);
  clear_attempt (self);
  g_signal_emit (self, signals[SIGNAL_CLOSED], 0, owned);
  g_object_unref (self);
}

static gboolean
on_idle_timeout (gpointer user_data)
{
  WbEventStream *self = user_data;

  self->idle_source = 0;
  close_with_error (self, g_error_new (WB_CLIENT_ERROR, WB_CLIENT_ERROR_CONNECTION,
                                       "no news from the hub at %s for %u s",
                                       wb_client_get_base_url (self->client),
                                       self->idle_timeout_s));
  return G_SOURCE_REMOVE;
}

static void
arm_idle_timer (WbEventStream *self)
{
  g_clear_handle_id (&self->idle_source, g_source_remove);
  if (self->idle_timeout_s > 0)
    self->idle_source = g_timeout_add_seconds (self->idle_timeout_s, on_idle_timeout, self);
}

static void
dispatch_event (WbEventStream *self,
                WbSseEvent    *event)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonNode *data = NULL;

  if (json_parser_load_from_data (parser, event->data, -1, NULL))
    data = json_parser_get_root (parser);
  g_signal_emit (self, signals[SIGNAL_EVENT], 0, event->name, event->id, data);
}

static void
on_line (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr (WbEventStream) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *line = NULL;
  g_autoptr (WbSseEvent) event = NULL;
  gsize length = 0;

  line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result,
                                                    &length, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      (GDataInputStream *) source != self->lines)
    return;   /* stopped, or an older attempt */
  if (error != NULL) {
    close_with_error (self, g_error_new (WB_CLIENT_ERROR, WB_CLIENT_ERROR_CONNECTION,
                                         "the event stream from %s broke: %s",
                                         wb_client_get_base_url (self->client),
                                         error->message));
    return;
  }
  if (line == NULL) {
    close_with_error (self, g_error_new (WB_CLIENT_ERROR, WB_CLIENT_ERROR_CONNECTION,
                                         "the hub at %s closed the event stream",
                                         wb_client_get_base_url (self->client)));
    return;
  }

  arm_idle_timer (self);
  event = wb_sse_parser_feed_line (self->parser, line);
  if (event != NULL) {
    GDataInputStream *lines = self->lines;

    dispatch_event (self, event);
    /* A handler may have stopped or restarted the stream. */
    if (self->lines != lines)
      return;
  }
  read_next_line (self);
}

static void
read_next_line (WbEventStream *self)
{
  g_data_input_stream_read_line_async (self->lines, G_PRIORITY_DEFAULT, self->cancellable,
                                       on_line, g_object_ref (self));
}

static void
on_opened (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr (WbEventStream) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GInputStream) body = NULL;

  body = wb_client_open_events_finish (WB_CLIENT (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (body == NULL) {
    close_with_error (self, g_steal_pointer (&error));
    return;
  }

  self->lines = g_data_input_stream_new (body);
  g_data_input_stream_set_newline_type (self->lines, G_DATA_STREAM_NEWLINE_TYPE_ANY);
  self->open = TRUE;
  arm_idle_timer (self);
  read_next_line (self);
  g_signal_emit (self, signals[SIGNAL_OPENED], 0);
}

void
wb_event_stream_start (WbEventStream *self)
{
  g_return_if_fail (WB_IS_EVENT_STREAM (self));

  clear_attempt (self);
  self->cancellable = g_cancellable_new ();
  wb_client_open_events_async (self->client, wb_sse_parser_get_last_id (self->parser),
                               self->cancellable, on_opened, g_object_ref (self));
}

void
wb_event_stream_stop (WbEventStream *self)
{
  g_return_if_fail (WB_IS_EVENT_STREAM (self));
  clear_attempt (self);
}

gboolean
wb_event_stream_is_open (WbEventStream *self)
{
  g_return_val_if_fail (WB_IS_EVENT_STREAM (self), FALSE);
  return self->open;
}

const char *
wb_event_stream_get_last_id (WbEventStream *self)
{
  g_return_val_if_fail (WB_IS_EVENT_STREAM (self), NULL);
  return wb_sse_parser_get_last_id (self->parser);
}

void
wb_event_stream_set_idle_timeout (WbEventStream *self,
                                  guint          seconds)
{
  g_return_if_fail (WB_IS_EVENT_STREAM (self));
  self->idle_timeout_s = seconds;
  if (self->open)
    arm_idle_timer (self);
}

static void
wb_event_stream_dispose (GObject *object)
{
  WbEventStream *self = WB_EVENT_STREAM (object);

  clear_attempt (self);
  g_clear_object (&self->client);
  G_OBJECT_CLASS (wb_event_stream_parent_class)->dispose (object);
}

static void
wb_event_stream_finalize (GObject *object)
{
  WbEventStream *self = WB_EVENT_STREAM (object);

  wb_sse_parser_free (self->parser);
  G_OBJECT_CLASS (wb_event_stream_parent_class)->finalize (object);
}

static void
wb_event_stream_class_init (WbEventStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wb_event_stream_dispose;
  object_class->finalize = wb_event_stream_finalize;

  signals[SIGNAL_OPENED] =
    g_signal_new ("opened", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_EVENT] =
    g_signal_new ("event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                  G_TYPE_STRING, G_TYPE_STRING, JSON_TYPE_NODE);
  signals[SIGNAL_CLOSED] =
    g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
wb_event_stream_init (WbEventStream *self)
{
  self->parser = wb_sse_parser_new ();
  self->idle_timeout_s = WB_EVENT_STREAM_DEFAULT_IDLE_TIMEOUT_S;
}

WbEventStream *
wb_event_stream_new (WbClient *client)
{
  WbEventStream *self;

  g_return_val_if_fail (WB_IS_CLIENT (client), NULL);

  self = g_object_new (WB_TYPE_EVENT_STREAM, NULL);
  self->client = g_object_ref (client);
  return self;
}
