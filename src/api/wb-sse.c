/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Server-Sent Events for GET /api/v1/events: each open stream follows the
 * event bus and receives the events its caller may see (an endpoint token
 * only its own ward's), as
 *
 *   id: SEQ
 *   event: NAME
 *   data: JSON
 *
 * with a comment line every keepalive period.  The response is chunked and
 * left paused between events (libsoup pauses it when it runs out of data);
 * a stream whose client reads slower than events arrive is dropped once
 * more than sse_max_pending_bytes are waiting.  A client that reconnects
 * with Last-Event-ID first receives what it missed, as far as the bus's
 * history reaches.  An endpoint's stream is also its presence: the ward
 * goes offline → idle when its agent's first stream opens and back to
 * offline when the last one closes (noticed at the next write at the
 * latest, so within one keepalive period).
 *
 * The hub (WbSseHub) belongs to WbApi; each stream (SseClient) belongs to
 * the hub and is freed when its message finishes.
 */
#include "wb-api-private.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
  WbSseHub *hub;
  SoupServerMessage *msg;       /* a reference */
  WbIdentity *identity;
  gsize pending;                /* bytes appended and not yet written */
  guint keepalive_id;
  gboolean closing;
} SseClient;

struct _WbSseHub {
  WbApi *api;                   /* owner */
  WbEventBus *bus;
  gulong event_id;
  GList *clients;               /* SseClient* */
};

static gboolean
client_may_see (SseClient *client, const WbEvent *event)
{
  if (client->identity->role == WB_ROLE_ENDPOINT)
    return wb_event_concerns_ward (event, client->identity->ward_id);
  return TRUE;
}

static void
client_write (SseClient *client, const char *text, gsize len)
{
  SoupMessageBody *body = soup_server_message_get_response_body (client->msg);

  soup_message_body_append (body, SOUP_MEMORY_COPY, text, len);
  client->pending += len;
  soup_server_message_unpause (client->msg);
}

/* Ends the stream: the body is completed and libsoup finishes writing; a
 * client that does not read is cut off by the connection's idle timeout. */
static void
client_close (SseClient *client)
{
  if (client->closing)
    return;
  client->closing = TRUE;
  g_clear_handle_id (&client->keepalive_id, g_source_remove);
  soup_message_body_complete (soup_server_message_get_response_body (client->msg));
  soup_server_message_unpause (client->msg);
}

static void
client_send_event (SseClient *client, const WbEvent *event)
{
  g_autofree char *json = json_to_string (event->data, FALSE);
  g_autofree char *text = g_strdup_printf ("id: %" G_GUINT64_FORMAT "\nevent: %s\ndata: %s\n\n",
                                           event->seq, event->name, json);
  gsize len = strlen (text);

  if (client->pending + len > wb_api_peek_limits (client->hub->api)->sse_max_pending_bytes) {
    wb_api_log (client->hub->api, G_LOG_LEVEL_INFO, "dropping slow event stream of %s (%zu bytes behind)",
                client->identity->id, client->pending);
    client_close (client);
    return;
  }
  client_write (client, text, len);
}

static gboolean
on_keepalive (gpointer data)
{
  SseClient *client = data;
  static const char comment[] = ": keepalive\n\n";

  if (client->pending + sizeof comment > wb_api_peek_limits (client->hub->api)->sse_max_pending_bytes) {
    client->keepalive_id = 0;
    client_close (client);
    return G_SOURCE_REMOVE;
  }
  client_write (client, comment, sizeof comment - 1);
  return G_SOURCE_CONTINUE;
}

static void
on_wrote_body_data (SoupServerMessage *msg, guint chunk_size, SseClient *client)
{
  client->pending -= MIN (client->pending, chunk_size);
}

static void
client_free (SseClient *client)
{
  g_clear_handle_id (&client->keepalive_id, g_source_remove);
  g_signal_handlers_disconnect_by_data (client->msg, client);
  g_object_unref (client->msg);
  wb_identity_free (client->identity);
  g_free (client);
}

/* An agent that follows its events is present: offline → idle when its
 * first stream opens, idle → offline when its last one closes (a ward in a
 * conference keeps its state; the media plane decides about it). */
static void
update_presence (WbSseHub *hub, const char *ward_id, gboolean opening)
{
  WbEndpointRegistry *registry = wb_api_get_registry (hub->api);
  const WbEndpoint *ep = wb_endpoint_registry_lookup (registry, ward_id);

  if (ep == NULL)
    return;
  wb_endpoint_registry_mark_seen (registry, ward_id, g_get_real_time (), NULL);
  if (opening && ep->state == WB_ENDPOINT_STATE_OFFLINE) {
    wb_endpoint_registry_set_state (registry, ward_id, WB_ENDPOINT_STATE_IDLE, NULL, NULL);
  } else if (!opening && ep->state == WB_ENDPOINT_STATE_IDLE) {
    for (GList *l = hub->clients; l != NULL; l = l->next) {
      SseClient *other = l->data;
      if (g_strcmp0 (other->identity->ward_id, ward_id) == 0)
        return;
    }
    wb_endpoint_registry_set_state (registry, ward_id, WB_ENDPOINT_STATE_OFFLINE, NULL, NULL);
  }
}

static void
on_finished (SoupServerMessage *msg, SseClient *client)
{
  WbSseHub *hub = client->hub;
  g_autofree char *ward_id = g_strdup (client->identity->ward_id);

  hub->clients = g_list_remove (hub->clients, client);
  client_free (client);
  if (ward_id != NULL)
    update_presence (hub, ward_id, FALSE);
}

static void
on_bus_event (WbEventBus *bus, WbEvent *event, WbSseHub *hub)
{
  for (GList *l = hub->clients; l != NULL;) {
    SseClient *client = l->data;
    l = l->next;
    if (!client->closing && client_may_see (client, event))
      client_send_event (client, event);
  }
}

WbSseHub *
wb_sse_hub_new (WbApi *api, WbEventBus *bus)
{
  WbSseHub *hub = g_new0 (WbSseHub, 1);

  hub->api = api;
  hub->bus = g_object_ref (bus);
  hub->event_id = g_signal_connect (bus, "event", G_CALLBACK (on_bus_event), hub);
  return hub;
}

void
wb_sse_hub_close_all (WbSseHub *hub)
{
  for (GList *l = hub->clients; l != NULL; l = l->next)
    client_close (l->data);
}

void
wb_sse_hub_free (WbSseHub *hub)
{
  if (hub == NULL)
    return;
  g_clear_signal_handler (&hub->event_id, hub->bus);
  g_list_free_full (g_steal_pointer (&hub->clients), (GDestroyNotify) client_free);
  g_object_unref (hub->bus);
  g_free (hub);
}

guint
wb_sse_hub_get_n_clients (WbSseHub *hub)
{
  return g_list_length (hub->clients);
}

void
wb_sse_hub_attach (WbSseHub *hub, WbRequest *request)
{
  const WbApiLimits *limits = wb_api_peek_limits (hub->api);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (request->msg);
  const char *last_id = soup_message_headers_get_one (soup_server_message_get_request_headers (request->msg),
                                                      "Last-Event-ID");
  SseClient *client;
  static const char hello[] = "retry: 3000\n: wardbridge events\n\n";

  if (g_list_length (hub->clients) >= limits->sse_max_clients) {
    wb_request_respond_problem (request, 503, "too-many-streams",
                                "too many event streams are open; try again later", NULL, NULL);
    soup_message_headers_replace (headers, "Retry-After", "10");
    return;
  }

  client = g_new0 (SseClient, 1);
  client->hub = hub;
  client->msg = g_object_ref (request->msg);
  client->identity = wb_identity_copy (request->identity);
  hub->clients = g_list_prepend (hub->clients, client);

  soup_server_message_set_status (request->msg, 200, NULL);
  soup_message_headers_set_content_type (headers, "text/event-stream", NULL);
  soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  soup_message_headers_replace (headers, "X-Accel-Buffering", "no");
  soup_message_body_set_accumulate (soup_server_message_get_response_body (request->msg), FALSE);

  g_signal_connect (request->msg, "wrote-body-data", G_CALLBACK (on_wrote_body_data), client);
  g_signal_connect (request->msg, "finished", G_CALLBACK (on_finished), client);
  client->keepalive_id = g_timeout_add_seconds (limits->sse_keepalive_s, on_keepalive, client);

  client_write (client, hello, sizeof hello - 1);
  if (client->identity->ward_id != NULL)
    update_presence (hub, client->identity->ward_id, TRUE);

  if (last_id != NULL) {
    char *end = NULL;
    guint64 seq = g_ascii_strtoull (last_id, &end, 10);

    if (end != last_id && *end == '\0') {
      g_autoptr (GPtrArray) missed = wb_event_bus_get_since (hub->bus, seq);
      for (guint i = 0; i < missed->len && !client->closing; i++) {
        if (client_may_see (client, missed->pdata[i]))
          client_send_event (client, missed->pdata[i]);
      }
    }
  }
}
