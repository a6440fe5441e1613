/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbConfig: loading and validating the hub's key file.
 *
 * Validation never stops at the first problem: every group and key is
 * checked and each problem becomes one "FILE: [group] key: reason" line, so
 * that an operator fixes the whole file in one pass.  Unknown groups and keys
 * are warnings, since a newer file may carry keys an older hub ignores.
 */
#include "wb-config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <string.h>
#include <gio/gio.h>

G_DEFINE_QUARK (wb-config-error-quark, wb_config_error)

#define ENDPOINT_GROUP_PREFIX "endpoint "
/* A config of 32 wards is about 10 KiB; anything near this is not one. */
#define WB_CONFIG_MAX_BYTES (4u * 1024 * 1024)

/* The keys each fixed group knows; anything else is warned about. */
static const char *const hub_keys[] = { "public-address", "rtp-port-min", "rtp-port-max", NULL };
static const char *const http_keys[] = { "address", "port", "tls-certificate", "tls-key", "max-body-bytes",
                                         "metrics-allow", NULL };
static const char *const media_keys[] = { "width", "height", "framerate", "video-bitrate-kbps",
                                          "audio-bitrate-kbps", "audio-expected-loss-percent", "jitter-ms",
                                          "audio-jitter", "receive", "receive-batch-ms", "layout", "mix-gate",
                                          "paced-output", NULL };
static const char *const store_keys[] = { "state-dir", NULL };
static const char *const auth_keys[] = { "admin-tokens", "scheduler-tokens", NULL };
static const char *const endpoint_keys[] = { "name", "kind", "mode", "token", "address", "audio-port",
                                             "video-port", "audio-codec", "video-codec", "srtp", NULL };

static const struct {
  const char *group;
  const char *const *keys;
} known_groups[] = {
  { "hub", hub_keys },
  { "http", http_keys },
  { "media", media_keys },
  { "store", store_keys },
  { "auth", auth_keys },
};

static const char *const endpoint_kind_names[] = { "phuong", "xa", NULL };
static const char *const endpoint_mode_names[] = { "agent", "static", NULL };
static const char *const audio_codec_names[] = { "opus", "pcma", "pcmu", NULL };
static const char *const video_codec_names[] = { "h264", "vp8", NULL };
static const char *const layout_names[] = { "grid", "speaker", "presenter", "single", NULL };
static const char *const audio_jitter_names[] = { "inline", "rtpjitterbuffer", NULL };
static const char *const receive_names[] = { "shared", "per-socket", NULL };

/* Collects problems and warnings while one file is checked. */
typedef struct {
  const char *path;
  GKeyFile *kf;
  GPtrArray *problems;
  GPtrArray *warnings;
} Checker;

G_GNUC_PRINTF (4, 5) static void
problem (Checker *c, const char *group, const char *key, const char *fmt, ...)
{
  va_list ap;
  g_autofree char *reason = NULL;

  va_start (ap, fmt);
  reason = g_strdup_vprintf (fmt, ap);
  va_end (ap);

  if (group == NULL)
    g_ptr_array_add (c->problems, g_strdup_printf ("%s: %s", c->path, reason));
  else if (key == NULL)
    g_ptr_array_add (c->problems, g_strdup_printf ("%s: [%s]: %s", c->path, group, reason));
  else
    g_ptr_array_add (c->problems, g_strdup_printf ("%s: [%s] %s: %s", c->path, group, key, reason));
}

static void
warning (Checker *c, const char *group, const char *key, const char *reason)
{
  if (key == NULL)
    g_ptr_array_add (c->warnings, g_strdup_printf ("%s: [%s]: %s", c->path, group, reason));
  else
    g_ptr_array_add (c->warnings, g_strdup_printf ("%s: [%s] %s: %s", c->path, group, key, reason));
}

static char *
joined_names (const char *const *names)
{
  return g_strjoinv (", ", (char **) names);
}

/* Returns the raw value, or NULL when the key is absent (no problem then). */
static char *
get_string (Checker *c, const char *group, const char *key)
{
  g_autoptr (GError) error = NULL;
  char *value;

  if (!g_key_file_has_key (c->kf, group, key, NULL))
    return NULL;

  value = g_key_file_get_string (c->kf, group, key, &error);
  if (value == NULL) {
    problem (c, group, key, "%s", error->message);
    return NULL;
  }
  g_strstrip (value);
  return value;
}

/* An unsigned integer in [min, max]; absent keys keep @def. */
static guint
get_uint (Checker *c, const char *group, const char *key, guint def, guint min, guint max)
{
  g_autofree char *value = get_string (c, group, key);
  g_autoptr (GError) error = NULL;
  guint64 n;

  if (value == NULL)
    return def;
  if (*value == '\0') {
    problem (c, group, key, "empty value, expected an integer between %u and %u", min, max);
    return def;
  }
  if (!g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT, &n, &error)) {
    problem (c, group, key, "'%s' is not a whole number", value);
    return def;
  }
  if (n < min || n > max) {
    problem (c, group, key, "%" G_GUINT64_FORMAT " is out of range (%u to %u)", n, min, max);
    return def;
  }
  return (guint) n;
}

/* [media] audio-expected-loss-percent: auto, or 0 to WB_AUDIO_EXPECTED_LOSS_MAX. */
static guint
get_expected_loss (Checker *c)
{
  g_autofree char *value = get_string (c, "media", "audio-expected-loss-percent");
  g_autofree char *reason = NULL;
  guint percent;

  if (value == NULL)
    return WB_DEFAULT_AUDIO_EXPECTED_LOSS_PERCENT;
  if (!wb_config_parse_expected_loss (value, &percent, &reason)) {
    problem (c, "media", "audio-expected-loss-percent", "%s", reason);
    return WB_DEFAULT_AUDIO_EXPECTED_LOSS_PERCENT;
  }
  return percent;
}

gboolean
wb_config_parse_expected_loss (const char  *text,
                               guint       *percent,
                               char       **reason)
{
  guint64 n;

  if (g_str_equal (text, "auto")) {
    *percent = WB_AUDIO_EXPECTED_LOSS_AUTO;
    return TRUE;
  }
  if (!g_ascii_string_to_unsigned (text, 10, 0, WB_AUDIO_EXPECTED_LOSS_MAX, &n, NULL)) {
    *reason = g_strdup_printf ("'%s' is neither auto nor a whole number from 0 to %u",
                               text, WB_AUDIO_EXPECTED_LOSS_MAX);
    return FALSE;
  }
  *percent = (guint) n;
  return TRUE;
}

static gboolean
get_bool (Checker *c, const char *group, const char *key, gboolean def)
{
  g_autofree char *value = get_string (c, group, key);

  if (value == NULL)
    return def;
  if (g_str_equal (value, "true"))
    return TRUE;
  if (g_str_equal (value, "false"))
    return FALSE;
  problem (c, group, key, "'%s' is not a boolean, expected true or false", value);
  return def;
}

/* One of @names; returns its index, or @def for an absent or bad value. */
static guint
get_enum (Checker *c, const char *group, const char *key, const char *const *names, guint def)
{
  g_autofree char *value = get_string (c, group, key);
  g_autofree char *allowed = NULL;

  if (value == NULL)
    return def;
  for (guint i = 0; names[i] != NULL; i++) {
    if (g_str_equal (value, names[i]))
      return i;
  }
  allowed = joined_names (names);
  problem (c, group, key, "'%s' is not one of %s", value, allowed);
  return def;
}

/* A bearer token travels in an HTTP header: visible ASCII, no spaces. */
static gboolean
token_is_valid (const char *token)
{
  if (*token == '\0')
    return FALSE;
  for (const char *p = token; *p; p++) {
    if (*p <= 0x20 || *p >= 0x7f)
      return FALSE;
  }
  return TRUE;
}

static GStrv
get_tokens (Checker *c, const char *group, const char *key)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_auto (GStrv) list = NULL;
  g_autoptr (GError) error = NULL;

  if (!g_key_file_has_key (c->kf, group, key, NULL))
    return g_strv_builder_end (builder);

  list = g_key_file_get_string_list (c->kf, group, key, NULL, &error);
  if (list == NULL) {
    /* An empty value is an empty list, not an error. */
    g_autofree char *raw = get_string (c, group, key);
    if (raw != NULL && *raw != '\0')
      problem (c, group, key, "%s", error->message);
    return g_strv_builder_end (builder);
  }

  for (guint i = 0; list[i] != NULL; i++) {
    g_strstrip (list[i]);
    if (*list[i] == '\0')
      continue;
    if (!token_is_valid (list[i])) {
      problem (c, group, key, "token %u has spaces or characters outside visible ASCII", i + 1);
      continue;
    }
    g_strv_builder_add (builder, list[i]);
  }
  return g_strv_builder_end (builder);
}

/* A list of "address" or "address/prefix" masks; absent keys give @def. */
static GStrv
get_masks (Checker *c, const char *group, const char *key, const char *def)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_autofree char *raw = get_string (c, group, key);
  g_auto (GStrv) items = g_strsplit (raw != NULL ? raw : def, ";", -1);

  for (guint i = 0; items[i] != NULL; i++) {
    g_autoptr (GInetAddressMask) mask = NULL;
    g_autofree char *text = g_strdup (g_strstrip (items[i]));

    if (*text == '\0')
      continue;
    if (strchr (text, '/') == NULL) {
      g_autoptr (GInetAddress) inet = g_inet_address_new_from_string (text);

      if (inet != NULL) {
        char *full = g_strdup_printf ("%s/%u", text, g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6 ? 128 : 32);
        g_free (text);
        text = full;
      }
    }
    mask = g_inet_address_mask_new_from_string (text, NULL);
    if (mask == NULL) {
      problem (c, group, key, "'%s' is not an address or address/prefix", items[i]);
      continue;
    }
    g_strv_builder_add (builder, text);
  }
  return g_strv_builder_end (builder);
}

static gboolean
endpoint_id_is_valid (const char *id)
{
  if (*id == '\0' || strlen (id) > 64)
    return FALSE;
  for (const char *p = id; *p; p++) {
    if (!g_ascii_islower (*p) && !g_ascii_isdigit (*p) && *p != '-' && *p != '_')
      return FALSE;
  }
  return TRUE;
}

static void
endpoint_config_free (WbEndpointConfig *ep)
{
  g_free (ep->id);
  g_free (ep->name);
  g_free (ep->token);
  g_free (ep->address);
  g_free (ep);
}

static void
check_known_keys (Checker *c, const char *group, const char *const *keys)
{
  g_auto (GStrv) present = g_key_file_get_keys (c->kf, group, NULL, NULL);

  for (guint i = 0; present != NULL && present[i] != NULL; i++) {
    if (!g_strv_contains (keys, present[i]))
      warning (c, group, present[i], "unknown key, ignored");
  }
}

/*
 * GKeyFile silently merges a group that appears twice, so a duplicated
 * [endpoint ward-07] would hide one box.  Scan the raw text for headers.
 */
static void
check_duplicate_groups (Checker *c, const char *data, gsize length)
{
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *copy = g_strndup (data, length);
  g_auto (GStrv) lines = g_strsplit (copy, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++) {
    char *line = g_strstrip (lines[i]);
    gsize len = strlen (line);
    g_autofree char *group = NULL;
    gpointer first;

    if (len < 2 || line[0] != '[' || line[len - 1] != ']')
      continue;
    group = g_strndup (line + 1, len - 2);
    if (g_hash_table_lookup_extended (seen, group, NULL, &first)) {
      if (g_str_has_prefix (group, ENDPOINT_GROUP_PREFIX))
        problem (c, group, NULL, "duplicate endpoint id '%s' (first defined on line %u)",
                 group + strlen (ENDPOINT_GROUP_PREFIX), GPOINTER_TO_UINT (first));
      else
        problem (c, group, NULL, "group defined twice (first on line %u)", GPOINTER_TO_UINT (first));
      continue;
    }
    g_hash_table_insert (seen, g_steal_pointer (&group), GUINT_TO_POINTER (i + 1));
  }
}

static gboolean
is_ip_literal (const char *address)
{
  g_autoptr (GInetAddress) inet = g_inet_address_new_from_string (address);
  return inet != NULL;
}

static void
check_rtp_port (Checker *c, const char *group, const char *key, guint port)
{
  if (port % 2 != 0)
    problem (c, group, key, "%u is odd; RTP uses an even port and RTCP the next one", port);
}

static WbEndpointConfig *
load_endpoint (Checker *c, const char *group)
{
  const char *id = group + strlen (ENDPOINT_GROUP_PREFIX);
  g_autoptr (GError) error = NULL;
  WbEndpointConfig *ep = g_new0 (WbEndpointConfig, 1);

  ep->id = g_strdup (id);
  if (!endpoint_id_is_valid (id))
    problem (c, group, NULL, "endpoint id '%s' must be 1 to 64 of a-z, 0-9, '-' or '_'", id);

  check_known_keys (c, group, endpoint_keys);

  ep->name = get_string (c, group, "name");
  if (ep->name == NULL)
    problem (c, group, "name", "missing; every ward needs the name shown on its tile");
  else if (*ep->name == '\0')
    problem (c, group, "name", "empty; every ward needs the name shown on its tile");
  else if (g_utf8_strlen (ep->name, -1) > 80)
    problem (c, group, "name", "longer than 80 characters");

  ep->kind = get_enum (c, group, "kind", endpoint_kind_names, WB_ENDPOINT_KIND_PHUONG);
  ep->mode = get_enum (c, group, "mode", endpoint_mode_names, WB_ENDPOINT_MODE_AGENT);
  ep->audio_codec = get_enum (c, group, "audio-codec", audio_codec_names, WB_AUDIO_CODEC_OPUS);
  ep->video_codec = get_enum (c, group, "video-codec", video_codec_names, WB_VIDEO_CODEC_H264);
  ep->srtp = get_bool (c, group, "srtp", FALSE);

  ep->token = get_string (c, group, "token");
  if (ep->token != NULL && *ep->token == '\0')
    g_clear_pointer (&ep->token, g_free);
  if (ep->token != NULL && !token_is_valid (ep->token))
    problem (c, group, "token", "has spaces or characters outside visible ASCII");
  if (ep->mode == WB_ENDPOINT_MODE_AGENT && ep->token == NULL)
    problem (c, group, "token", "missing; an agent endpoint joins through the API with its token");

  ep->address = get_string (c, group, "address");
  if (ep->address != NULL && *ep->address == '\0')
    g_clear_pointer (&ep->address, g_free);
  ep->audio_port = get_uint (c, group, "audio-port", 0, 1, 65534);
  ep->video_port = get_uint (c, group, "video-port", 0, 1, 65534);
  if (ep->audio_port != 0)
    check_rtp_port (c, group, "audio-port", ep->audio_port);
  if (ep->video_port != 0)
    check_rtp_port (c, group, "video-port", ep->video_port);
  if (ep->address != NULL && !is_ip_literal (ep->address))
    problem (c, group, "address", "'%s' is not an IPv4 or IPv6 address", ep->address);

  if (ep->mode == WB_ENDPOINT_MODE_STATIC) {
    if (ep->address == NULL)
      problem (c, group, "address", "missing; a static endpoint needs the box's address");
    if (ep->audio_port == 0 && !g_key_file_has_key (c->kf, group, "audio-port", NULL))
      problem (c, group, "audio-port", "missing; a static endpoint needs the box's audio port");
    if (ep->video_port == 0 && !g_key_file_has_key (c->kf, group, "video-port", NULL))
      problem (c, group, "video-port", "missing; a static endpoint needs the box's video port");
    if (ep->audio_port != 0 && ep->audio_port == ep->video_port)
      problem (c, group, "video-port", "same as audio-port");
  } else if (ep->address != NULL || ep->audio_port != 0 || ep->video_port != 0) {
    warning (c, group, NULL, "address and ports are only used with mode=static; an agent says them when it joins");
  }

  return ep;
}

static void
check_unique_tokens (Checker *c, WbConfig *config)
{
  g_autoptr (GHashTable) owners = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *msg = NULL;

  for (guint i = 0; config->admin_tokens[i]; i++)
    g_hash_table_insert (owners, config->admin_tokens[i], "[auth] admin-tokens");
  for (guint i = 0; config->scheduler_tokens[i]; i++) {
    if (g_hash_table_contains (owners, config->scheduler_tokens[i]))
      problem (c, "auth", "scheduler-tokens", "token %u is also an admin token; a token must name one role", i + 1);
    else
      g_hash_table_insert (owners, config->scheduler_tokens[i], "[auth] scheduler-tokens");
  }
  for (guint i = 0; i < config->endpoints->len; i++) {
    WbEndpointConfig *ep = g_ptr_array_index (config->endpoints, i);
    g_autofree char *group = g_strconcat (ENDPOINT_GROUP_PREFIX, ep->id, NULL);
    const char *other;

    if (ep->token == NULL)
      continue;
    other = g_hash_table_lookup (owners, ep->token);
    if (other != NULL)
      problem (c, group, "token", "same token as %s; each token must name one identity", other);
    else
      g_hash_table_insert (owners, ep->token, ep->id);
  }
}

static void
load_fixed_groups (Checker *c, WbConfig *config)
{
  /* [hub] */
  config->public_address = get_string (c, "hub", "public-address");
  if (config->public_address != NULL && *config->public_address == '\0')
    g_clear_pointer (&config->public_address, g_free);
  config->rtp_port_min = get_uint (c, "hub", "rtp-port-min", WB_DEFAULT_RTP_PORT_MIN, 1024, 65535);
  config->rtp_port_max = get_uint (c, "hub", "rtp-port-max", WB_DEFAULT_RTP_PORT_MAX, 1024, 65535);
  check_rtp_port (c, "hub", "rtp-port-min", config->rtp_port_min);

  /* [http] */
  config->http_address = get_string (c, "http", "address");
  if (config->http_address == NULL || *config->http_address == '\0') {
    g_free (config->http_address);
    config->http_address = g_strdup (WB_DEFAULT_HTTP_ADDRESS);
  } else if (!is_ip_literal (config->http_address)) {
    problem (c, "http", "address", "'%s' is not an IPv4 or IPv6 address", config->http_address);
  }
  /* Port 0 asks the kernel for a free port: useful for tests. */
  config->http_port = get_uint (c, "http", "port", WB_DEFAULT_HTTP_PORT, 0, 65535);
  config->tls_certificate = get_string (c, "http", "tls-certificate");
  config->tls_key = get_string (c, "http", "tls-key");
  if (config->tls_certificate != NULL && *config->tls_certificate == '\0')
    g_clear_pointer (&config->tls_certificate, g_free);
  if (config->tls_key != NULL && *config->tls_key == '\0')
    g_clear_pointer (&config->tls_key, g_free);
  if ((config->tls_certificate == NULL) != (config->tls_key == NULL))
    problem (c, "http", config->tls_key ? "tls-certificate" : "tls-key",
             "missing; TLS needs both tls-certificate and tls-key");
  config->max_body_bytes = get_uint (c, "http", "max-body-bytes", WB_DEFAULT_MAX_BODY_BYTES,
                                     1024, 16 * 1024 * 1024);
  config->metrics_allow = get_masks (c, "http", "metrics-allow", WB_DEFAULT_METRICS_ALLOW);

  /* [media] */
  config->width = get_uint (c, "media", "width", WB_DEFAULT_WIDTH, 160, 3840);
  if (config->width % 2 != 0)
    problem (c, "media", "width", "%u is odd; H.264 with 4:2:0 chroma needs an even width", config->width);
  config->height = get_uint (c, "media", "height", WB_DEFAULT_HEIGHT, 90, 2160);
  if (config->height % 2 != 0)
    problem (c, "media", "height", "%u is odd; H.264 with 4:2:0 chroma needs an even height", config->height);
  config->framerate = get_uint (c, "media", "framerate", WB_DEFAULT_FRAMERATE, 1, 60);
  config->video_bitrate_kbps = get_uint (c, "media", "video-bitrate-kbps", WB_DEFAULT_VIDEO_KBPS, 64, 20000);
  config->audio_bitrate_kbps = get_uint (c, "media", "audio-bitrate-kbps", WB_DEFAULT_AUDIO_KBPS, 6, 510);
  config->audio_expected_loss_percent = get_expected_loss (c);
  config->jitter_ms = get_uint (c, "media", "jitter-ms", WB_DEFAULT_JITTER_MS, 5, 1000);
  config->audio_jitter = get_enum (c, "media", "audio-jitter", audio_jitter_names,
                                   WB_AUDIO_JITTER_INLINE);
  config->receive = get_enum (c, "media", "receive", receive_names, WB_RECEIVE_SHARED);
  config->receive_batch_ms = get_uint (c, "media", "receive-batch-ms", WB_DEFAULT_RECEIVE_BATCH_MS, 0, 20);
  config->layout = get_enum (c, "media", "layout", layout_names, WB_LAYOUT_GRID);
  config->mix_gate = get_bool (c, "media", "mix-gate", FALSE);
  config->paced_output = get_bool (c, "media", "paced-output", FALSE);

  /* [store] */
  config->state_dir = get_string (c, "store", "state-dir");
  if (config->state_dir == NULL) {
    config->state_dir = g_strdup ("/var/lib/wardbridge");
  } else if (*config->state_dir == '\0') {
    problem (c, "store", "state-dir", "empty; give the directory for the SQLite store and recordings");
  }

  /* [auth] */
  config->admin_tokens = get_tokens (c, "auth", "admin-tokens");
  config->scheduler_tokens = get_tokens (c, "auth", "scheduler-tokens");
  if (config->admin_tokens[0] == NULL)
    warning (c, "auth", "admin-tokens", "no admin token: nobody can start or end a conference");

}

/* The port range must hold four ports for each ward, at least 32 wards. */
static void
check_port_range (Checker *c, WbConfig *config)
{
  guint needed, available;

  if (config->rtp_port_min >= config->rtp_port_max) {
    problem (c, "hub", "rtp-port-max", "%u must be above rtp-port-min (%u)",
             config->rtp_port_max, config->rtp_port_min);
    return;
  }
  available = (config->rtp_port_max - config->rtp_port_min + 1) / WB_PORTS_PER_ENDPOINT;
  needed = MAX (WB_MIN_ENDPOINT_CAPACITY, config->endpoints->len);
  if (available < needed)
    problem (c, "hub", "rtp-port-max",
             "range %u-%u holds %u wards at %u ports each; at least %u are needed",
             config->rtp_port_min, config->rtp_port_max, available,
             WB_PORTS_PER_ENDPOINT, needed);
}

static WbConfig *
config_new (const char *path)
{
  WbConfig *config = g_atomic_rc_box_new0 (WbConfig);

  config->path = g_strdup (path);
  config->endpoints = g_ptr_array_new_with_free_func ((GDestroyNotify) endpoint_config_free);
  return config;
}

static void
config_clear (WbConfig *config)
{
  g_free (config->public_address);
  g_free (config->http_address);
  g_free (config->tls_certificate);
  g_free (config->tls_key);
  g_strfreev (config->metrics_allow);
  g_free (config->state_dir);
  g_strfreev (config->admin_tokens);
  g_strfreev (config->scheduler_tokens);
  g_clear_pointer (&config->endpoints, g_ptr_array_unref);
  g_free (config->path);
}

WbConfig *
wb_config_ref (WbConfig *config)
{
  g_return_val_if_fail (config != NULL, NULL);
  return g_atomic_rc_box_acquire (config);
}

void
wb_config_unref (WbConfig *config)
{
  g_atomic_rc_box_release_full (config, (GDestroyNotify) config_clear);
}

static WbConfig *
finish (Checker *c, WbConfig *config, GPtrArray **problems, GPtrArray **warnings, GError **error)
{
  if (warnings != NULL)
    *warnings = g_ptr_array_ref (c->warnings);

  if (c->problems->len > 0) {
    g_set_error (error, WB_CONFIG_ERROR, WB_CONFIG_ERROR_INVALID,
                 "%s: %u problem%s found", c->path, c->problems->len,
                 c->problems->len == 1 ? "" : "s");
    if (problems != NULL)
      *problems = g_ptr_array_ref (c->problems);
    g_clear_pointer (&config, wb_config_unref);
  } else if (problems != NULL) {
    *problems = g_ptr_array_ref (c->problems);
  }
  g_ptr_array_unref (c->problems);
  g_ptr_array_unref (c->warnings);
  return config;
}

WbConfig *
wb_config_load_from_data (const char  *path,
                          const char  *data,
                          gssize       length,
                          GPtrArray  **problems,
                          GPtrArray  **warnings,
                          GError     **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) local_error = NULL;
  g_auto (GStrv) groups = NULL;
  Checker c = { path, kf, g_ptr_array_new_with_free_func (g_free), g_ptr_array_new_with_free_func (g_free) };
  WbConfig *config = config_new (path);

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (data != NULL, NULL);

  if (length < 0)
    length = strlen (data);

  if (!g_utf8_validate (data, length, NULL)) {
    problem (&c, NULL, NULL, "not UTF-8 text; save the file as UTF-8");
    return finish (&c, config, problems, warnings, error);
  }

  if (!g_key_file_load_from_data (kf, data, length, G_KEY_FILE_NONE, &local_error)) {
    problem (&c, NULL, NULL, "not a key file: %s", local_error->message);
    return finish (&c, config, problems, warnings, error);
  }

  check_duplicate_groups (&c, data, length);
  load_fixed_groups (&c, config);

  groups = g_key_file_get_groups (kf, NULL);
  for (guint i = 0; groups[i] != NULL; i++) {
    const char *group = groups[i];
    gboolean known = FALSE;

    if (g_str_has_prefix (group, ENDPOINT_GROUP_PREFIX)) {
      g_ptr_array_add (config->endpoints, load_endpoint (&c, group));
      continue;
    }
    for (guint k = 0; k < G_N_ELEMENTS (known_groups); k++) {
      if (g_str_equal (group, known_groups[k].group)) {
        check_known_keys (&c, group, known_groups[k].keys);
        known = TRUE;
      }
    }
    if (!known)
      warning (&c, group, NULL, "unknown group, ignored");
  }

  check_port_range (&c, config);
  check_unique_tokens (&c, config);

  if (config->endpoints->len == 0)
    warning (&c, "endpoint *", NULL, "no endpoint groups: no ward can join");

  return finish (&c, config, problems, warnings, error);
}

/* Reads a whole file through one descriptor (a FIFO works too); on failure
 * @reason holds the system's word for it. */
static gboolean
read_file (const char *path, char **data, gsize *length, char **reason)
{
  g_autoptr (GString) text = g_string_new (NULL);
  struct stat st;
  char buffer[8192];
  int fd;

  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0) {
    *reason = g_strdup (g_strerror (errno));
    return FALSE;
  }
  if (fstat (fd, &st) == 0 && S_ISDIR (st.st_mode)) {
    close (fd);
    *reason = g_strdup (g_strerror (EISDIR));
    return FALSE;
  }
  for (;;) {
    gssize got = read (fd, buffer, sizeof buffer);

    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0) {
      int saved = errno;

      close (fd);
      *reason = g_strdup (g_strerror (saved));
      return FALSE;
    }
    if (got == 0)
      break;
    if (text->len + got > WB_CONFIG_MAX_BYTES) {
      close (fd);
      *reason = g_strdup_printf ("larger than %u bytes", WB_CONFIG_MAX_BYTES);
      return FALSE;
    }
    g_string_append_len (text, buffer, got);
  }
  close (fd);
  *length = text->len;
  *data = g_string_free (g_steal_pointer (&text), FALSE);
  return TRUE;
}

WbConfig *
wb_config_load (const char  *path,
                GPtrArray  **problems,
                GPtrArray  **warnings,
                GError     **error)
{
  g_autofree char *data = NULL;
  g_autofree char *reason = NULL;
  gsize length;

  g_return_val_if_fail (path != NULL, NULL);

  if (!read_file (path, &data, &length, &reason)) {
    if (problems != NULL) {
      *problems = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (*problems, g_strdup_printf ("%s: cannot read: %s", path, reason));
    }
    if (warnings != NULL)
      *warnings = g_ptr_array_new_with_free_func (g_free);
    g_set_error (error, WB_CONFIG_ERROR, WB_CONFIG_ERROR_INVALID,
                 "%s: cannot read: %s", path, reason);
    return NULL;
  }

  return wb_config_load_from_data (path, data, length, problems, warnings, error);
}

const WbEndpointConfig *
wb_config_find_endpoint (const WbConfig *config, const char *id)
{
  g_return_val_if_fail (config != NULL, NULL);

  if (id == NULL)
    return NULL;
  for (guint i = 0; i < config->endpoints->len; i++) {
    const WbEndpointConfig *ep = g_ptr_array_index (config->endpoints, i);
    if (g_str_equal (ep->id, id))
      return ep;
  }
  return NULL;
}

gboolean
wb_config_metrics_allowed (const WbConfig *config, const char *address)
{
  g_autoptr (GInetAddress) inet = NULL;

  g_return_val_if_fail (config != NULL, FALSE);

  inet = address != NULL ? g_inet_address_new_from_string (address) : NULL;
  if (inet == NULL)
    return FALSE;
  for (guint i = 0; config->metrics_allow[i] != NULL; i++) {
    g_autoptr (GInetAddressMask) mask = g_inet_address_mask_new_from_string (config->metrics_allow[i], NULL);

    if (mask != NULL && g_inet_address_mask_matches (mask, inet))
      return TRUE;
  }
  return FALSE;
}

char *
wb_config_summary (const WbConfig *config)
{
  guint phuong = 0, xa = 0, agents = 0, statics = 0, srtp = 0;

  g_return_val_if_fail (config != NULL, NULL);

  for (guint i = 0; i < config->endpoints->len; i++) {
    const WbEndpointConfig *ep = g_ptr_array_index (config->endpoints, i);
    if (ep->kind == WB_ENDPOINT_KIND_PHUONG)
      phuong++;
    else
      xa++;
    if (ep->mode == WB_ENDPOINT_MODE_AGENT)
      agents++;
    else
      statics++;
    if (ep->srtp)
      srtp++;
  }

  return g_strdup_printf ("%s: configuration is valid\n"
                          "  endpoints:   %u (%u phường, %u xã; %u agent, %u static; %u with SRTP)\n"
                          "  RTP ports:   %u-%u (room for %u wards)\n"
                          "  HTTP:        %s:%u%s\n"
                          "  media:       %ux%u at %u fps, video %u kbit/s, audio %u kbit/s, jitter %u ms, layout %s%s%s\n"
                          "  state dir:   %s\n"
                          "  tokens:      %u admin, %u scheduler\n",
                          config->path,
                          config->endpoints->len, phuong, xa, agents, statics, srtp,
                          config->rtp_port_min, config->rtp_port_max,
                          (config->rtp_port_max - config->rtp_port_min + 1) / WB_PORTS_PER_ENDPOINT,
                          config->http_address, config->http_port,
                          config->tls_certificate ? " (TLS)" : "",
                          config->width, config->height, config->framerate,
                          config->video_bitrate_kbps, config->audio_bitrate_kbps,
                          config->jitter_ms, wb_layout_kind_to_string (config->layout),
                          config->mix_gate ? ", mix gate" : "",
                          config->paced_output ? ", paced output" : "",
                          config->state_dir,
                          g_strv_length (config->admin_tokens),
                          g_strv_length (config->scheduler_tokens));
}

const char *
wb_endpoint_kind_to_string (WbEndpointKind kind)
{
  g_return_val_if_fail (kind < G_N_ELEMENTS (endpoint_kind_names) - 1, NULL);
  return endpoint_kind_names[kind];
}

const char *
wb_endpoint_mode_to_string (WbEndpointMode mode)
{
  g_return_val_if_fail (mode < G_N_ELEMENTS (endpoint_mode_names) - 1, NULL);
  return endpoint_mode_names[mode];
}

const char *
wb_audio_codec_to_string (WbAudioCodec codec)
{
  g_return_val_if_fail (codec < G_N_ELEMENTS (audio_codec_names) - 1, NULL);
  return audio_codec_names[codec];
}

const char *
wb_video_codec_to_string (WbVideoCodec codec)
{
  g_return_val_if_fail (codec < G_N_ELEMENTS (video_codec_names) - 1, NULL);
  return video_codec_names[codec];
}

const char *
wb_layout_kind_to_string (WbLayoutKind layout)
{
  g_return_val_if_fail (layout < G_N_ELEMENTS (layout_names) - 1, NULL);
  return layout_names[layout];
}

gboolean
wb_layout_kind_from_string (const char *str, WbLayoutKind *out)
{
  g_return_val_if_fail (out != NULL, FALSE);

  if (str == NULL)
    return FALSE;
  for (guint i = 0; layout_names[i] != NULL; i++) {
    if (g_str_equal (str, layout_names[i])) {
      *out = i;
      return TRUE;
    }
  }
  return FALSE;
}
