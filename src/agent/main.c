/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wardbridge-endpoint: the agent on a ward's box.  Reads the key file and
 * the command line, builds the client, the media and the agent, hooks
 * SIGTERM/SIGINT, runs the main loop and exits with the agent's code.
 */
#define G_LOG_DOMAIN "wardbridge-endpoint"

#include <glib-unix.h>
#include <gst/gst.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "wb-build-config.h"
#include "wb-agent.h"

#define DEFAULT_CONFIG WB_SYSCONFDIR "/wardbridge/wardbridge-endpoint.conf"
#define DEFAULT_HUB_URL "http://127.0.0.1:8080"
/* Simulated boxes stay light: 32 of them run on one machine. */
#define SIMULATE_MAX_FRAMERATE 15

static const char description[] =
  "Joins the city's meetings by itself: it follows the hub's events, joins\n"
  "when the ward is invited, sends the camera and microphone, plays the\n"
  "meeting, and leaves when it ends.  A lost hub is retried with backoff\n"
  "(1 s doubling to 30 s, with jitter); a meeting still running is rejoined.\n"
  "\n"
  "Options override the configuration file (default " DEFAULT_CONFIG ").\n"
  "\n"
  "Exit status:\n"
  "  0  stopped by SIGTERM or SIGINT\n"
  "  1  the hub refused this box (wrong token or unknown ward)\n"
  "  2  bad options or configuration\n"
  "  3  the camera, microphone or media pipeline failed\n";

typedef struct {
  char *config_path;
  char *hub_url;
  char *ward;
  char *token;
  char *camera;
  char *microphone;
  char *record_path;
  char *bind_address;
  int audio_port;
  int video_port;
  int framerate;
  gboolean simulate;
  gboolean headless;
  gboolean version;
} Options;

static void
options_clear (Options *o)
{
  g_free (o->config_path);
  g_free (o->hub_url);
  g_free (o->ward);
  g_free (o->token);
  g_free (o->camera);
  g_free (o->microphone);
  g_free (o->record_path);
  g_free (o->bind_address);
}

static void
replace_str (char **where, const char *value)
{
  g_free (*where);
  *where = g_strdup (value);
}

static gboolean
get_uint (GKeyFile    *file,
          const char  *group,
          const char  *key,
          guint        min,
          guint        max,
          guint       *out,
          GError     **error)
{
  g_autoptr (GError) local_error = NULL;
  gint64 value;

  if (!g_key_file_has_key (file, group, key, NULL))
    return TRUE;
  value = g_key_file_get_int64 (file, group, key, &local_error);
  if (local_error != NULL || value < min || value > max) {
    g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                 "[%s] %s: a whole number from %u to %u", group, key, min, max);
    return FALSE;
  }
  *out = (guint) value;
  return TRUE;
}

static void
get_string (GKeyFile   *file,
            const char *group,
            const char *key,
            char      **out)
{
  g_autofree char *value = g_key_file_get_string (file, group, key, NULL);

  if (value != NULL && *g_strstrip (value) != '\0') {
    g_free (*out);
    *out = g_steal_pointer (&value);
  }
}

static gboolean
get_bool (GKeyFile    *file,
          const char  *group,
          const char  *key,
          gboolean    *out,
          GError     **error)
{
  g_autoptr (GError) local_error = NULL;
  gboolean value;

  if (!g_key_file_has_key (file, group, key, NULL))
    return TRUE;
  value = g_key_file_get_boolean (file, group, key, &local_error);
  if (local_error != NULL) {
    g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                 "[%s] %s: true or false", group, key);
    return FALSE;
  }
  *out = value;
  return TRUE;
}

/* auto, or a whole number from 0 to WB_AUDIO_EXPECTED_LOSS_MAX. */
static gboolean
get_expected_loss (GKeyFile    *file,
                   const char  *group,
                   const char  *key,
                   guint       *out,
                   GError     **error)
{
  g_autofree char *value = g_key_file_get_string (file, group, key, NULL);
  g_autofree char *reason = NULL;

  if (value == NULL)
    return TRUE;
  if (!wb_config_parse_expected_loss (g_strstrip (value), out, &reason)) {
    g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                 "[%s] %s: %s", group, key, reason);
    return FALSE;
  }
  return TRUE;
}

/* Reads the key file into the settings; options given on the command
 * line are applied afterwards and win. */
static gboolean
load_config (const char       *path,
             gboolean          must_exist,
             char            **hub_url,
             char            **ward,
             char            **token,
             gboolean         *simulate,
             WbMediaSettings  *media,
             GError          **error)
{
  g_autoptr (GKeyFile) file = g_key_file_new ();
  g_autoptr (GError) local_error = NULL;

  if (!g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, &local_error)) {
    if (!must_exist && g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
      return TRUE;
    g_propagate_error (error, g_steal_pointer (&local_error));
    return FALSE;
  }

  get_string (file, "agent", "hub-url", hub_url);
  get_string (file, "agent", "ward", ward);
  get_string (file, "agent", "token", token);
  get_string (file, "agent", "bind-address", &media->bind_address);
  get_string (file, "capture", "camera", &media->camera);
  get_string (file, "capture", "microphone", &media->microphone);
  get_string (file, "playback", "record-file", &media->record_path);
  get_string (file, "playback", "audio-sink", &media->audio_sink);
  get_string (file, "playback", "video-sink", &media->video_sink);
  get_string (file, "simulate", "label", &media->label);
  return get_uint (file, "agent", "audio-port", 0, 65534, &media->audio_port, error) &&
         get_uint (file, "agent", "video-port", 0, 65534, &media->video_port, error) &&
         get_uint (file, "capture", "width", 16, 3840, &media->width, error) &&
         get_uint (file, "capture", "height", 16, 2160, &media->height, error) &&
         get_uint (file, "capture", "framerate", 1, 60, &media->framerate, error) &&
         get_uint (file, "capture", "video-bitrate-kbps", 50, 20000, &media->video_kbps, error) &&
         get_uint (file, "capture", "audio-bitrate-kbps", 6, 510, &media->audio_kbps, error) &&
         get_expected_loss (file, "capture", "audio-expected-loss-percent",
                            &media->audio_expected_loss, error) &&
         get_uint (file, "simulate", "tone-hz", 0, 20000, &media->tone_hz, error) &&
         get_uint (file, "playback", "latency-ms", 0, 2000, &media->latency_ms, error) &&
         get_bool (file, "simulate", "enabled", simulate, error) &&
         get_bool (file, "playback", "headless", &media->headless, error);
}

typedef struct {
  GMainLoop *loop;
  WbAgent *agent;
  guint interrupts;
} App;

static gboolean
on_terminate (gpointer user_data)
{
  App *app = user_data;

  /* A second signal does not wait for the hub. */
  if (++app->interrupts > 1)
    g_main_loop_quit (app->loop);
  else
    wb_agent_stop (app->agent);
  return G_SOURCE_CONTINUE;
}

static void
on_state_changed (WbAgent    *agent,
                  int         state,
                  const char *message,
                  gpointer    user_data)
{
  App *app = user_data;

  if (state == WB_AGENT_STATE_STOPPED || state == WB_AGENT_STATE_FAILED)
    g_main_loop_quit (app->loop);
}

static gboolean
port_ok (int port)
{
  return port >= 0 && port <= 65534 && port % 2 == 0;
}

int
main (int argc, char **argv)
{
  Options o = { 0 };
  const GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &o.config_path, "Configuration file (default " DEFAULT_CONFIG ")", "FILE" },
    { "hub-url", 'u', 0, G_OPTION_ARG_STRING, &o.hub_url, "The hub's HTTP API (default " DEFAULT_HUB_URL ")", "URL" },
    { "ward", 'w', 0, G_OPTION_ARG_STRING, &o.ward, "This box's ward id, e.g. ward-03", "ID" },
    { "token", 't', 0, G_OPTION_ARG_STRING, &o.token, "This box's bearer token", "TOKEN" },
    { "simulate", 's', 0, G_OPTION_ARG_NONE, &o.simulate, "Send a moving test picture with the ward's name and a tone of its own frequency", NULL },
    { "headless", 'H', 0, G_OPTION_ARG_NONE, &o.headless, "Play nothing: count what is received (or write it with --record)", NULL },
    { "record", 'r', 0, G_OPTION_ARG_FILENAME, &o.record_path, "Headless: write what is received to this Matroska file", "FILE" },
    { "camera", 0, 0, G_OPTION_ARG_FILENAME, &o.camera, "V4L2 camera (default /dev/video0)", "DEVICE" },
    { "microphone", 0, 0, G_OPTION_ARG_STRING, &o.microphone, "auto, pulse:NAME or alsa:DEVICE (default auto)", "MIC" },
    { "audio-port", 0, 0, G_OPTION_ARG_INT, &o.audio_port, "Local even UDP port for audio RTP (0: any)", "PORT" },
    { "video-port", 0, 0, G_OPTION_ARG_INT, &o.video_port, "Local even UDP port for video RTP (0: any)", "PORT" },
    { "framerate", 'f', 0, G_OPTION_ARG_INT, &o.framerate, "Frames per second sent (default 15; simulated: at most 15)", "FPS" },
    { "bind-address", 0, 0, G_OPTION_ARG_STRING, &o.bind_address, "Local address of the media sockets (default any)", "ADDRESS" },
    { "version", 0, 0, G_OPTION_ARG_NONE, &o.version, "Print the version and exit", NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (WbClient) client = NULL;
  g_autoptr (WbAgentMedia) media = NULL;
  g_autoptr (WbAgent) agent = NULL;
  g_autoptr (GMainLoop) loop = NULL;
  g_autofree char *hub_url = NULL;
  g_autofree char *ward = NULL;
  g_autofree char *token = NULL;
  gboolean simulate = FALSE;
  WbMediaSettings settings;
  App app = { 0 };
  int status;

  setlocale (LC_ALL, "");
  o.audio_port = -1;
  o.video_port = -1;
  o.framerate = -1;

  context = g_option_context_new ("- the wardbridge agent of a ward's box");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_group (context, gst_init_get_option_group ());
  g_option_context_set_description (context, description);
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    fprintf (stderr, "wardbridge-endpoint: %s\n", error->message);
    options_clear (&o);
    return WB_AGENT_EXIT_USAGE;
  }
  if (o.version) {
    printf ("wardbridge-endpoint %s\n", PACKAGE_VERSION);
    options_clear (&o);
    return WB_AGENT_EXIT_OK;
  }

  wb_media_settings_init (&settings);
  settings.tone_hz = 0;
  if (!load_config (o.config_path != NULL ? o.config_path : DEFAULT_CONFIG, o.config_path != NULL,
                    &hub_url, &ward, &token, &simulate, &settings, &error)) {
    fprintf (stderr, "wardbridge-endpoint: %s: %s\n",
             o.config_path != NULL ? o.config_path : DEFAULT_CONFIG, error->message);
    wb_media_settings_clear (&settings);
    options_clear (&o);
    return WB_AGENT_EXIT_USAGE;
  }

  /* The command line wins over the file. */
  if (o.hub_url != NULL)
    replace_str (&hub_url, o.hub_url);
  if (o.ward != NULL)
    replace_str (&ward, o.ward);
  if (o.token != NULL)
    replace_str (&token, o.token);
  if (o.camera != NULL)
    replace_str (&settings.camera, o.camera);
  if (o.microphone != NULL)
    replace_str (&settings.microphone, o.microphone);
  if (o.record_path != NULL)
    replace_str (&settings.record_path, o.record_path);
  if (o.bind_address != NULL)
    replace_str (&settings.bind_address, o.bind_address);
  if (o.audio_port >= 0)
    settings.audio_port = o.audio_port;
  if (o.video_port >= 0)
    settings.video_port = o.video_port;
  if (o.framerate == 0 || o.framerate > 60) {
    fprintf (stderr, "wardbridge-endpoint: --framerate takes 1 to 60\n");
    wb_media_settings_clear (&settings);
    options_clear (&o);
    return WB_AGENT_EXIT_USAGE;
  }
  if (o.framerate > 0)
    settings.framerate = o.framerate;
  simulate = simulate || o.simulate;
  settings.headless = settings.headless || o.headless;
  options_clear (&o);

  if (hub_url == NULL)
    hub_url = g_strdup (DEFAULT_HUB_URL);
  if (ward == NULL || token == NULL) {
    fprintf (stderr, "wardbridge-endpoint: the ward and its token are needed ([agent] ward= token=, or --ward --token)\n");
    wb_media_settings_clear (&settings);
    return WB_AGENT_EXIT_USAGE;
  }
  if (!port_ok ((int) settings.audio_port) || !port_ok ((int) settings.video_port) ||
      (settings.audio_port != 0 && settings.audio_port == settings.video_port)) {
    fprintf (stderr, "wardbridge-endpoint: RTP ports must be even, different, and below 65535 (RTCP takes the next one)\n");
    wb_media_settings_clear (&settings);
    return WB_AGENT_EXIT_USAGE;
  }
  if (settings.record_path != NULL && !settings.headless) {
    fprintf (stderr, "wardbridge-endpoint: --record goes with --headless\n");
    wb_media_settings_clear (&settings);
    return WB_AGENT_EXIT_USAGE;
  }
  settings.simulate = simulate;
  if (settings.tone_hz == 0)
    settings.tone_hz = wb_agent_media_tone_for_ward (ward);
  if (simulate)
    settings.framerate = MIN (settings.framerate, SIMULATE_MAX_FRAMERATE);

  client = wb_client_new (hub_url, token, &error);
  if (client == NULL) {
    fprintf (stderr, "wardbridge-endpoint: %s\n", error->message);
    wb_media_settings_clear (&settings);
    return WB_AGENT_EXIT_USAGE;
  }

  gst_init (NULL, NULL);
  media = wb_agent_media_new (&settings);
  wb_media_settings_clear (&settings);
  if (!wb_agent_media_bind (media, &error)) {
    fprintf (stderr, "wardbridge-endpoint: %s\n", error->message);
    return WB_AGENT_EXIT_USAGE;
  }

  loop = g_main_loop_new (NULL, FALSE);
  agent = wb_agent_new (client, ward, media);
  app.loop = loop;
  app.agent = agent;
  g_signal_connect (agent, "state-changed", G_CALLBACK (on_state_changed), &app);
  g_unix_signal_add (SIGTERM, on_terminate, &app);
  g_unix_signal_add (SIGINT, on_terminate, &app);

  wb_agent_start (agent);
  g_main_loop_run (loop);

  status = wb_agent_get_state (agent) == WB_AGENT_STATE_FAILED ? (int) wb_agent_get_exit_code (agent)
                                                                : WB_AGENT_EXIT_OK;
  g_signal_handlers_disconnect_by_data (agent, &app);
  g_clear_object (&agent);
  return status;
}
