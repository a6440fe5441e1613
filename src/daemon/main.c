/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wardbridged: parse options, load the configuration, build the daemon,
 * hook signals, run the main loop, tear down.
 */
#define G_LOG_DOMAIN "wardbridge"

#include <locale.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <glib-unix.h>
#include <gst/gst.h>

#include "wb-build-config.h"
#include "wb-daemon.h"

#define DEFAULT_CONFIG WB_SYSCONFDIR "/wardbridge/wardbridged.conf"

typedef struct {
  GMainLoop *loop;
  WbDaemon *daemon;
  int exit_code;
} App;

static gboolean
on_terminate (gpointer user_data)
{
  App *app = user_data;

  g_message ("shutting down");
  g_main_loop_quit (app->loop);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_hangup (gpointer user_data)
{
  App *app = user_data;

  wb_daemon_reload (app->daemon, NULL);
  return G_SOURCE_CONTINUE;
}

/*
 * The media threads allocate and free frames, converted tiles and packets
 * (100 bytes to 1.4 MB) at frame and packet rate.  With glibc's defaults
 * freed memory goes back at once: blocks over 128 KB are mapped and
 * unmapped each time, the heaps are trimmed past 128 KB free, and every
 * page taken again faults and is zeroed (perf at 32 wards: 4.6 % of the
 * hub's samples in page faults and sysmalloc; 1.3 % with these settings).
 * The heaps keep up to 64 MiB free and serve blocks up to 8 MiB.  The
 * MALLOC_TRIM_THRESHOLD_ and MALLOC_MMAP_THRESHOLD_ environment variables
 * still win.
 */
static void
tune_malloc (void)
{
#ifdef __GLIBC__
  if (g_getenv ("MALLOC_TRIM_THRESHOLD_") == NULL)
    mallopt (M_TRIM_THRESHOLD, 64 * 1024 * 1024);
  if (g_getenv ("MALLOC_MMAP_THRESHOLD_") == NULL)
    mallopt (M_MMAP_THRESHOLD, 8 * 1024 * 1024);
#endif
}

static void
print_lines (FILE *out, GPtrArray *lines, const char *prefix)
{
  for (guint i = 0; lines != NULL && i < lines->len; i++)
    fprintf (out, "%s%s\n", prefix, (const char *) g_ptr_array_index (lines, i));
}

int
main (int argc, char **argv)
{
  g_autofree char *config_path = NULL;
  g_autofree char *state_dir = NULL;
  gboolean check_config = FALSE;
  gboolean version = FALSE;
  const GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path, "Configuration file (default " DEFAULT_CONFIG ")", "FILE" },
    { "state-dir", 's', 0, G_OPTION_ARG_FILENAME, &state_dir, "State directory, overrides [store] state-dir", "DIR" },
    { "check-config", 0, 0, G_OPTION_ARG_NONE, &check_config, "Validate the configuration, print a summary and exit", NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) problems = NULL;
  g_autoptr (GPtrArray) warnings = NULL;
  g_autoptr (WbConfig) config = NULL;
  g_autoptr (GMainLoop) loop = NULL;
  g_autoptr (WbDaemon) daemon = NULL;
  App app = { 0 };

  tune_malloc ();
  setlocale (LC_ALL, "");

  context = g_option_context_new ("- the wardbridge conference hub");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_group (context, gst_init_get_option_group ());
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    fprintf (stderr, "wardbridged: %s\n", error->message);
    return 2;
  }
  if (version) {
    g_autofree char *gst = gst_version_string ();

    printf ("wardbridged %s (%s)\n", PACKAGE_VERSION, gst);
    return 0;
  }
  if (config_path == NULL)
    config_path = g_strdup (DEFAULT_CONFIG);

  config = wb_config_load (config_path, &problems, &warnings, &error);
  print_lines (stderr, warnings, "warning: ");
  if (config == NULL) {
    print_lines (stderr, problems, "");
    return 1;
  }
  if (check_config) {
    g_autofree char *summary = NULL;

    if (state_dir != NULL) {
      g_free (config->state_dir);
      config->state_dir = g_strdup (state_dir);
    }
    summary = wb_config_summary (config);
    fputs (summary, stdout);
    return 0;
  }

  gst_init (NULL, NULL);

  daemon = wb_daemon_new (config, state_dir, &error);
  if (daemon == NULL) {
    g_printerr ("wardbridged: %s\n", error->message);
    return 1;
  }

  loop = g_main_loop_new (NULL, FALSE);
  app.loop = loop;
  app.daemon = daemon;
  g_unix_signal_add (SIGTERM, on_terminate, &app);
  g_unix_signal_add (SIGINT, on_terminate, &app);
  g_unix_signal_add (SIGHUP, on_hangup, &app);

  if (!wb_daemon_start (daemon, &error)) {
    g_printerr ("wardbridged: %s\n", error->message);
    return 1;
  }

  g_main_loop_run (loop);

  wb_daemon_stop (daemon);
  return app.exit_code;
}
