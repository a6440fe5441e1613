/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbEndpointRegistry: the table of wards and their live state.  The legal
 * lifecycle moves are decided in one place, wb_endpoint_state_can_change().
 */
#define G_LOG_DOMAIN "wb-endpoint-registry"

#include "wb-endpoint-registry.h"

G_DEFINE_QUARK (wb-endpoint-registry-error-quark, wb_endpoint_registry_error)

struct _WbEndpointRegistry {
  GObject parent_instance;

  WbEventBus *bus;            /* nullable */
  GPtrArray *endpoints;       /* WbEndpoint*, configuration order, owned */
  GHashTable *by_id;          /* id → WbEndpoint* (borrowed from endpoints) */
};

G_DEFINE_FINAL_TYPE (WbEndpointRegistry, wb_endpoint_registry, G_TYPE_OBJECT)

static const char *const state_names[] = {
  [WB_ENDPOINT_STATE_OFFLINE] = "offline",
  [WB_ENDPOINT_STATE_IDLE] = "idle",
  [WB_ENDPOINT_STATE_INVITED] = "invited",
  [WB_ENDPOINT_STATE_JOINING] = "joining",
  [WB_ENDPOINT_STATE_LIVE] = "live",
  [WB_ENDPOINT_STATE_STALLED] = "stalled",
};

const char *
wb_endpoint_state_to_string (WbEndpointState state)
{
  g_return_val_if_fail (state <= WB_ENDPOINT_STATE_STALLED, "unknown");
  return state_names[state];
}

gboolean
wb_endpoint_state_can_change (WbEndpointState from, WbEndpointState to)
{
  if (from == to)
    return TRUE;
  if (to == WB_ENDPOINT_STATE_OFFLINE)
    return TRUE;

  switch (from) {
  case WB_ENDPOINT_STATE_OFFLINE:
    return to == WB_ENDPOINT_STATE_IDLE;
  case WB_ENDPOINT_STATE_IDLE:
    return to == WB_ENDPOINT_STATE_INVITED;
  case WB_ENDPOINT_STATE_INVITED:
    return to == WB_ENDPOINT_STATE_JOINING || to == WB_ENDPOINT_STATE_IDLE;
  case WB_ENDPOINT_STATE_JOINING:
    return to == WB_ENDPOINT_STATE_LIVE || to == WB_ENDPOINT_STATE_IDLE;
  case WB_ENDPOINT_STATE_LIVE:
    return to == WB_ENDPOINT_STATE_STALLED || to == WB_ENDPOINT_STATE_IDLE;
  case WB_ENDPOINT_STATE_STALLED:
    return to == WB_ENDPOINT_STATE_LIVE || to == WB_ENDPOINT_STATE_IDLE;
  default:
    return FALSE;
  }
}

static void
endpoint_free (WbEndpoint *ep)
{
  g_free (ep->id);
  g_free (ep->name);
  g_free (ep->conference);
  g_free (ep);
}

static void
endpoint_apply_config (WbEndpoint *ep, const WbEndpointConfig *cfg)
{
  g_free (ep->name);
  ep->name = g_strdup (cfg->name);
  ep->kind = cfg->kind;
  ep->mode = cfg->mode;
  ep->audio_codec = cfg->audio_codec;
  ep->video_codec = cfg->video_codec;
  ep->srtp = cfg->srtp;
}

static void
wb_endpoint_registry_finalize (GObject *object)
{
  WbEndpointRegistry *registry = WB_ENDPOINT_REGISTRY (object);

  g_clear_pointer (&registry->by_id, g_hash_table_unref);
  g_clear_pointer (&registry->endpoints, g_ptr_array_unref);
  g_clear_object (&registry->bus);
  G_OBJECT_CLASS (wb_endpoint_registry_parent_class)->finalize (object);
}

static void
wb_endpoint_registry_class_init (WbEndpointRegistryClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = wb_endpoint_registry_finalize;
}

static void
wb_endpoint_registry_init (WbEndpointRegistry *registry)
{
  registry->endpoints = g_ptr_array_new_with_free_func ((GDestroyNotify) endpoint_free);
  registry->by_id = g_hash_table_new (g_str_hash, g_str_equal);
}

WbEndpointRegistry *
wb_endpoint_registry_new (WbConfig *config, WbEventBus *bus)
{
  WbEndpointRegistry *registry;

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (bus == NULL || WB_IS_EVENT_BUS (bus), NULL);

  registry = g_object_new (WB_TYPE_ENDPOINT_REGISTRY, NULL);
  if (bus != NULL)
    registry->bus = g_object_ref (bus);
  wb_endpoint_registry_set_config (registry, config);
  return registry;
}

void
wb_endpoint_registry_set_config (WbEndpointRegistry *registry, WbConfig *config)
{
  g_autoptr (GPtrArray) endpoints = NULL;
  g_autoptr (GHashTable) by_id = NULL;

  g_return_if_fail (WB_IS_ENDPOINT_REGISTRY (registry));
  g_return_if_fail (config != NULL);

  endpoints = g_ptr_array_new_with_free_func ((GDestroyNotify) endpoint_free);
  by_id = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < config->endpoints->len; i++) {
    const WbEndpointConfig *cfg = g_ptr_array_index (config->endpoints, i);
    WbEndpoint *old = g_hash_table_lookup (registry->by_id, cfg->id);
    WbEndpoint *ep;

    if (old != NULL) {
      /* Move the live entry over: steal it from the old array. */
      guint index;
      g_ptr_array_find (registry->endpoints, old, &index);
      ep = g_ptr_array_steal_index (registry->endpoints, index);
      g_hash_table_remove (registry->by_id, cfg->id);
    } else {
      ep = g_new0 (WbEndpoint, 1);
      ep->id = g_strdup (cfg->id);
      ep->state = WB_ENDPOINT_STATE_OFFLINE;
    }
    endpoint_apply_config (ep, cfg);
    g_ptr_array_add (endpoints, ep);
    g_hash_table_insert (by_id, ep->id, ep);
  }

  g_clear_pointer (&registry->by_id, g_hash_table_unref);
  g_clear_pointer (&registry->endpoints, g_ptr_array_unref);
  registry->endpoints = g_steal_pointer (&endpoints);
  registry->by_id = g_steal_pointer (&by_id);
}

const WbEndpoint *
wb_endpoint_registry_lookup (WbEndpointRegistry *registry, const char *id)
{
  g_return_val_if_fail (WB_IS_ENDPOINT_REGISTRY (registry), NULL);
  g_return_val_if_fail (id != NULL, NULL);
  return g_hash_table_lookup (registry->by_id, id);
}

GPtrArray *
wb_endpoint_registry_list (WbEndpointRegistry *registry)
{
  GPtrArray *out;

  g_return_val_if_fail (WB_IS_ENDPOINT_REGISTRY (registry), NULL);

  out = g_ptr_array_sized_new (registry->endpoints->len);
  for (guint i = 0; i < registry->endpoints->len; i++)
    g_ptr_array_add (out, g_ptr_array_index (registry->endpoints, i));
  return out;
}

static WbEndpoint *
find (WbEndpointRegistry *registry, const char *id, GError **error)
{
  WbEndpoint *ep = g_hash_table_lookup (registry->by_id, id);

  if (ep == NULL)
    g_set_error (error, WB_ENDPOINT_REGISTRY_ERROR, WB_ENDPOINT_REGISTRY_ERROR_NOT_FOUND,
                 "no endpoint '%s'", id);
  return ep;
}

static char *
format_time (gint64 us)
{
  g_autoptr (GTimeZone) tz = g_time_zone_new_identifier ("Asia/Ho_Chi_Minh");
  g_autoptr (GDateTime) utc = g_date_time_new_from_unix_utc (us / G_USEC_PER_SEC);
  g_autoptr (GDateTime) local = NULL;

  /* Viet Nam keeps UTC+7 all year: a fixed offset is exact without tzdata. */
  if (tz == NULL)
    tz = g_time_zone_new_offset (7 * 3600);
  local = g_date_time_to_timezone (utc, tz);
  return g_date_time_format (local, "%Y-%m-%dT%H:%M:%S%:z");
}

JsonNode *
wb_endpoint_to_json (const WbEndpoint *ep)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  g_return_val_if_fail (ep != NULL, NULL);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, ep->id);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, ep->name);
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, wb_endpoint_kind_to_string (ep->kind));
  json_builder_set_member_name (b, "mode");
  json_builder_add_string_value (b, wb_endpoint_mode_to_string (ep->mode));
  json_builder_set_member_name (b, "state");
  json_builder_add_string_value (b, wb_endpoint_state_to_string (ep->state));
  json_builder_set_member_name (b, "conference");
  if (ep->conference != NULL)
    json_builder_add_string_value (b, ep->conference);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "talking");
  json_builder_add_boolean_value (b, ep->talking);
  json_builder_set_member_name (b, "muted");
  json_builder_add_boolean_value (b, ep->muted);
  json_builder_set_member_name (b, "last_seen");
  if (ep->last_seen_us > 0) {
    g_autofree char *when = format_time (ep->last_seen_us);
    json_builder_add_string_value (b, when);
  } else {
    json_builder_add_null_value (b);
  }
  json_builder_set_member_name (b, "stats");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "loss_pct");
  json_builder_add_double_value (b, ep->stats.loss_pct);
  json_builder_set_member_name (b, "jitter_ms");
  json_builder_add_double_value (b, ep->stats.jitter_ms);
  json_builder_set_member_name (b, "rx_kbps");
  json_builder_add_double_value (b, ep->stats.rx_kbps);
  json_builder_set_member_name (b, "tx_kbps");
  json_builder_add_double_value (b, ep->stats.tx_kbps);
  json_builder_set_member_name (b, "drops");
  json_builder_add_int_value (b, (gint64) MIN (ep->stats.drops, (guint64) G_MAXINT64));
  json_builder_set_member_name (b, "remote_loss_pct");
  json_builder_add_double_value (b, ep->stats.remote_loss_pct);
  json_builder_set_member_name (b, "remote_loss_reports");
  json_builder_add_int_value (b, ep->stats.remote_loss_reports);
  json_builder_set_member_name (b, "audio_fec_pct");
  json_builder_add_int_value (b, ep->stats.audio_fec_pct);
  json_builder_end_object (b);
  json_builder_end_object (b);

  return json_builder_get_root (b);
}

static void
publish (WbEndpointRegistry *registry, const char *name, const WbEndpoint *ep, JsonNode *data)
{
  const char *wards[] = { ep->id, NULL };

  if (registry->bus == NULL) {
    json_node_unref (data);
    return;
  }
  wb_event_bus_publish (registry->bus, name, wards, data);
}

gboolean
wb_endpoint_registry_set_state (WbEndpointRegistry *registry,
                                const char         *id,
                                WbEndpointState     state,
                                const char         *conference,
                                GError            **error)
{
  WbEndpoint *ep;
  WbEndpointState previous;
  JsonNode *data;

  g_return_val_if_fail (WB_IS_ENDPOINT_REGISTRY (registry), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);
  g_return_val_if_fail (state <= WB_ENDPOINT_STATE_STALLED, FALSE);

  ep = find (registry, id, error);
  if (ep == NULL)
    return FALSE;
  if (ep->state == state && (conference == NULL || g_strcmp0 (conference, ep->conference) == 0))
    return TRUE;
  if (!wb_endpoint_state_can_change (ep->state, state)) {
    g_set_error (error, WB_ENDPOINT_REGISTRY_ERROR, WB_ENDPOINT_REGISTRY_ERROR_INVALID_TRANSITION,
                 "endpoint '%s' cannot go from %s to %s", id,
                 wb_endpoint_state_to_string (ep->state), wb_endpoint_state_to_string (state));
    return FALSE;
  }

  previous = ep->state;
  ep->state = state;
  if (state == WB_ENDPOINT_STATE_IDLE || state == WB_ENDPOINT_STATE_OFFLINE) {
    g_clear_pointer (&ep->conference, g_free);
    ep->talking = FALSE;
    ep->muted = FALSE;
  } else if (conference != NULL) {
    g_free (ep->conference);
    ep->conference = g_strdup (conference);
  }

  data = wb_endpoint_to_json (ep);
  json_object_set_string_member (json_node_get_object (data), "previous_state",
                                 wb_endpoint_state_to_string (previous));
  publish (registry, "endpoint.state", ep, data);
  return TRUE;
}

gboolean
wb_endpoint_registry_set_talking (WbEndpointRegistry *registry,
                                  const char         *id,
                                  gboolean            talking,
                                  GError            **error)
{
  WbEndpoint *ep;
  JsonObject *obj;
  JsonNode *data;

  g_return_val_if_fail (WB_IS_ENDPOINT_REGISTRY (registry), FALSE);

  ep = find (registry, id, error);
  if (ep == NULL)
    return FALSE;
  talking = !!talking;
  if (ep->talking == talking)
    return TRUE;
  ep->talking = talking;

  obj = json_object_new ();
  json_object_set_string_member (obj, "endpoint", ep->id);
  if (ep->conference != NULL)
    json_object_set_string_member (obj, "conference", ep->conference);
  else
    json_object_set_null_member (obj, "conference");
  json_object_set_boolean_member (obj, "talking", talking);
  data = json_node_init_object (json_node_alloc (), obj);
  json_object_unref (obj);
  publish (registry, "participant.talking", ep, data);
  return TRUE;
}

gboolean
wb_endpoint_registry_set_muted (WbEndpointRegistry *registry,
                                const char         *id,
                                gboolean            muted,
                                GError            **error)
{
  WbEndpoint *ep;

  g_return_val_if_fail (WB_IS_ENDPOINT_REGISTRY (registry), FALSE);

  ep = find (registry, id, error);
  if (ep == NULL)
    return FALSE;
  ep->muted = !!muted;
  return TRUE;
}

gboolean
wb_endpoint_registry_mark_seen (WbEndpointRegistry *registry,
                                const char         *id,
                                gint64              when_us,
                                GError            **error)
{
  WbEndpoint *ep;

  g_return_val_if_fail (WB_IS_ENDPOINT_REGISTRY (registry), FALSE);

  ep = find (registry, id, error);
  if (ep == NULL)
    return FALSE;
  ep->last_seen_us = MAX (ep->last_seen_us, when_us);
  return TRUE;
}

gboolean
wb_endpoint_registry_update_stats (WbEndpointRegistry    *registry,
                                   const char            *id,
                                   const WbEndpointStats *stats,
                                   GError               **error)
{
  WbEndpoint *ep;

  g_return_val_if_fail (WB_IS_ENDPOINT_REGISTRY (registry), FALSE);
  g_return_val_if_fail (stats != NULL, FALSE);

  ep = find (registry, id, error);
  if (ep == NULL)
    return FALSE;
  ep->stats = *stats;
  return TRUE;
}
