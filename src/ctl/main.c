/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wardbridgectl: the command line of IT staff and schedulers.  Reads the
 * hub URL and token, runs one command of wb-ctl-commands.c, and turns its
 * outcome into the documented exit code.
 */
#define G_LOG_DOMAIN "wardbridgectl"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wb-build-config.h"
#include "wb-ctl-commands.h"
#include "wb-ctl-table.h"
#include "wb-ctl-time.h"

#define DEFAULT_URL "http://127.0.0.1:8080"

enum {
  EXIT_OK = 0,
  EXIT_REFUSED = 1,
  EXIT_USAGE = 2,
};

static const char description[] =
  "Settings, first found wins:\n"
  "  hub URL   --url, $WARDBRIDGE_URL, [ctl] url= of the config file, " DEFAULT_URL "\n"
  "  token     --token, $WARDBRIDGE_TOKEN, [ctl] token= of the config file\n"
  "  config    --config, $WARDBRIDGECTL_CONFIG, ~/.config/wardbridge/wardbridgectl.conf\n"
  "\n"
  "Times without an offset (2026-12-01 09:00, or 09:00 for today) are\n"
  "Asia/Ho_Chi_Minh time, and times are shown in it.  --end 10:30 is on the\n"
  "day of --start.\n"
  "\n"
  "Exit status:\n"
  "  0  done\n"
  "  1  the hub refused (the reason is printed: conflict, not found, bad token, ...)\n"
  "  2  usage error, or the hub could not be reached\n";

/* Fills @url and @token from the config file where they are still NULL. */
static gboolean
read_config_file (const char  *path,
                  gboolean     must_exist,
                  char       **url,
                  char       **token,
                  GError     **error)
{
  g_autoptr (GKeyFile) file = g_key_file_new ();
  g_autoptr (GError) local_error = NULL;

  if (!g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, &local_error)) {
    if (!must_exist && g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
      return TRUE;
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: %s", path, local_error->message);
    return FALSE;
  }
  if (*url == NULL)
    *url = g_key_file_get_string (file, "ctl", "url", NULL);
  if (*token == NULL)
    *token = g_key_file_get_string (file, "ctl", "token", NULL);
  return TRUE;
}

static void
print_refusal (const GError *error)
{
  JsonObject *problem = wb_client_error_get_problem (error);
  JsonNode *node;
  g_autofree char *message = wb_ctl_sanitize (error->message);

  fprintf (stderr, "wardbridgectl: the hub refused: %s\n", message);
  if (wb_client_error_get_status (error) == 401)
    fprintf (stderr, "  (check --token, $WARDBRIDGE_TOKEN or the config file)\n");

  /* Field errors: [{"field","message"}]. */
  node = problem != NULL ? json_object_get_member (problem, "errors") : NULL;
  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node)) {
    JsonArray *errors = json_node_get_array (node);

    for (guint i = 0; i < json_array_get_length (errors); i++) {
      JsonObject *e = json_array_get_object_element (errors, i);
      g_autofree char *field = wb_ctl_sanitize (e != NULL ? json_object_get_string_member_with_default (e, "field", "?") : "?");
      g_autofree char *text = wb_ctl_sanitize (e != NULL ? json_object_get_string_member_with_default (e, "message", "") : "");

      fprintf (stderr, "  %s: %s\n", field, text);
    }
  }

  /* Booking clashes: [{"booking","title","start","end","endpoints":[...]}]. */
  node = problem != NULL ? json_object_get_member (problem, "conflicts") : NULL;
  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node)) {
    JsonArray *conflicts = json_node_get_array (node);

    for (guint i = 0; i < json_array_get_length (conflicts); i++) {
      JsonObject *c = json_array_get_object_element (conflicts, i);
      g_autoptr (GString) line = g_string_new ("  clashes with booking ");
      g_autofree char *text = NULL;
      g_autofree char *start = NULL;
      g_autofree char *end = NULL;
      JsonNode *wards;

      if (c == NULL)
        continue;
      g_string_append (line, json_object_get_string_member_with_default (c, "booking", "?"));
      if (json_object_get_string_member_with_default (c, "title", NULL) != NULL)
        g_string_append_printf (line, " “%s”", json_object_get_string_member (c, "title"));
      start = wb_ctl_format_local (json_object_get_string_member_with_default (c, "start", NULL));
      end = wb_ctl_format_local (json_object_get_string_member_with_default (c, "end", NULL));
      if (*start != '\0' && *end != '\0')
        g_string_append_printf (line, ", %s to %s", start, end);
      wards = json_object_get_member (c, "endpoints");
      if (wards != NULL && JSON_NODE_HOLDS_ARRAY (wards)) {
        JsonArray *array = json_node_get_array (wards);

        g_string_append (line, ", wards");
        for (guint k = 0; k < json_array_get_length (array); k++)
          g_string_append_printf (line, "%s%s", k > 0 ? ", " : " ",
                                  json_array_get_string_element (array, k) != NULL ?
                                  json_array_get_string_element (array, k) : "?");
      } else if (json_object_get_string_member_with_default (c, "endpoint", NULL) != NULL) {
        g_string_append_printf (line, ", ward %s", json_object_get_string_member (c, "endpoint"));
      }
      text = wb_ctl_sanitize (line->str);
      fprintf (stderr, "%s\n", text);
    }
  }
}

int
main (int argc, char **argv)
{
  g_autofree char *url = NULL;
  g_autofree char *token = NULL;
  g_autofree char *config_path = NULL;
  gboolean version = FALSE;
  WbCtlOptions options = { 0 };
  const GOptionEntry entries[] = {
    { "url", 'u', 0, G_OPTION_ARG_STRING, &url, "The hub's HTTP API (default " DEFAULT_URL ")", "URL" },
    { "token", 't', 0, G_OPTION_ARG_STRING, &token, "Bearer token (admin or scheduler)", "TOKEN" },
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path, "Config file with [ctl] url= and token=", "FILE" },
    { "json", 'j', 0, G_OPTION_ARG_NONE, &options.json, "Print the hub's JSON instead of tables", NULL },
    { "title", 0, 0, G_OPTION_ARG_STRING, &options.title, "start, book: the meeting's title", "TITLE" },
    { "layout", 0, 0, G_OPTION_ARG_STRING, &options.layout, "start, book: grid, speaker, presenter or single", "LAYOUT" },
    { "presenter", 0, 0, G_OPTION_ARG_STRING, &options.presenter, "layout: the ward shown large", "WARD" },
    { "record", 0, 0, G_OPTION_ARG_NONE, &options.record, "start, book: record the meeting", NULL },
    { "start", 0, 0, G_OPTION_ARG_STRING, &options.start, "book: when it starts", "TIME" },
    { "end", 0, 0, G_OPTION_ARG_STRING, &options.end, "book: when it ends", "TIME" },
    { "from", 0, 0, G_OPTION_ARG_STRING, &options.from, "bookings: from this time", "TIME" },
    { "to", 0, 0, G_OPTION_ARG_STRING, &options.to, "bookings: until this time", "TIME" },
    { "idempotency-key", 0, 0, G_OPTION_ARG_STRING, &options.idempotency_key, "book: a key that makes a retried booking count once", "KEY" },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (WbClient) client = NULL;
  g_autofree char *commands = wb_ctl_describe_commands ();
  g_autofree char *full_description = g_strconcat (commands, "\n", description, NULL);
  const WbCtlCommand *command;
  guint n_args;
  int status;

  setlocale (LC_ALL, "");

  context = g_option_context_new ("COMMAND [ARGUMENTS] - control the wardbridge hub");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context, full_description);
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    fprintf (stderr, "wardbridgectl: %s\n", error->message);
    return EXIT_USAGE;
  }
  if (version) {
    printf ("wardbridgectl %s\n", PACKAGE_VERSION);
    return EXIT_OK;
  }
  if (argc < 2) {
    fprintf (stderr, "wardbridgectl: which command? (see --help)\n");
    return EXIT_USAGE;
  }
  command = wb_ctl_find_command (argv[1]);
  if (command == NULL) {
    fprintf (stderr, "wardbridgectl: unknown command “%s” (see --help)\n", argv[1]);
    return EXIT_USAGE;
  }
  n_args = argc - 2;
  if (n_args < command->min_args || n_args > command->max_args) {
    fprintf (stderr, "wardbridgectl: usage: wardbridgectl %s %s\n", command->name, command->usage);
    return EXIT_USAGE;
  }

  if (url == NULL && g_getenv ("WARDBRIDGE_URL") != NULL)
    url = g_strdup (g_getenv ("WARDBRIDGE_URL"));
  if (token == NULL && g_getenv ("WARDBRIDGE_TOKEN") != NULL)
    token = g_strdup (g_getenv ("WARDBRIDGE_TOKEN"));
  if (config_path == NULL && g_getenv ("WARDBRIDGECTL_CONFIG") != NULL)
    config_path = g_strdup (g_getenv ("WARDBRIDGECTL_CONFIG"));
  if (config_path != NULL) {
    if (!read_config_file (config_path, TRUE, &url, &token, &error)) {
      fprintf (stderr, "wardbridgectl: %s\n", error->message);
      return EXIT_USAGE;
    }
  } else {
    g_autofree char *path = g_build_filename (g_get_user_config_dir (), "wardbridge",
                                              "wardbridgectl.conf", NULL);

    if (!read_config_file (path, FALSE, &url, &token, &error)) {
      fprintf (stderr, "wardbridgectl: %s\n", error->message);
      return EXIT_USAGE;
    }
  }
  if (url == NULL)
    url = g_strdup (DEFAULT_URL);

  client = wb_client_new (url, token, &error);
  if (client == NULL) {
    fprintf (stderr, "wardbridgectl: %s\n", error->message);
    return EXIT_USAGE;
  }
  options.client = client;

  if (command->func (&options, argv + 2, &error)) {
    status = EXIT_OK;
  } else if (g_error_matches (error, WB_CLIENT_ERROR, WB_CLIENT_ERROR_REFUSED)) {
    print_refusal (error);
    status = EXIT_REFUSED;
  } else {
    g_autofree char *message = wb_ctl_sanitize (error->message);

    fprintf (stderr, "wardbridgectl: %s\n", message);
    status = EXIT_USAGE;
  }

  g_free (options.title);
  g_free (options.layout);
  g_free (options.presenter);
  g_free (options.start);
  g_free (options.end);
  g_free (options.from);
  g_free (options.to);
  g_free (options.idempotency_key);
  return status;
}
