/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbTestDaemon: wardbridged under test.
 */
#include "wb-test-daemon.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <string.h>

#include "wb-test-hub.h"

#define START_TIMEOUT_S 120

struct _WbTestDaemon {
  char *dir;
  char *config_path;
  char *log_path;
  GSubprocess *process;
  gboolean exited;     /* the current process has exited */
  guint port;          /* 0 until the first start has served */
  guint rtp_port_min;
  char *url;
  guint starts;
};

static const struct {
  const char *id;
  const char *kind;
  const char *name;
} wards[] = {
  { "ward-01", "phuong", "Phường Cam Giá" },
  { "ward-03", "phuong", "Phường Đồng Bẩm" },
  { "ward-08", "phuong", "Phường Phan Đình Phùng" },
  { "ward-22", "xa", "Xã Cao Ngạn" },
};

static char *
daemon_path (void)
{
  const char *root = g_getenv ("WB_BUILD_ROOT");

  return root != NULL ? g_build_filename (root, "src", "daemon", "wardbridged", NULL) : NULL;
}

gboolean
wb_test_daemon_available (void)
{
  g_autofree char *path = daemon_path ();

  if (path == NULL || !g_file_test (path, G_FILE_TEST_IS_EXECUTABLE)) {
    g_test_skip ("wardbridged is not built in this tree (WB_BUILD_ROOT/src/daemon/wardbridged)");
    return FALSE;
  }
  return TRUE;
}

static void
write_config (WbTestDaemon *daemon)
{
  g_autoptr (GString) text = g_string_new (NULL);
  g_autofree char *state = g_build_filename (daemon->dir, "state", NULL);
  g_autoptr (GError) error = NULL;

  g_string_append_printf (text,
                          "[hub]\npublic-address=127.0.0.1\nrtp-port-min=%u\nrtp-port-max=%u\n"
                          "[http]\naddress=127.0.0.1\nport=%u\n"
                          "[media]\nwidth=640\nheight=360\nframerate=15\nvideo-bitrate-kbps=400\n"
                          "[store]\nstate-dir=%s\n"
                          "[auth]\nadmin-tokens=" WB_TEST_DAEMON_ADMIN_TOKEN "\n"
                          "scheduler-tokens=" WB_TEST_DAEMON_SCHED_TOKEN "\n",
                          daemon->rtp_port_min, daemon->rtp_port_min + 255, daemon->port, state);
  /* ward-22's box is asked for SRTP. */
  for (guint i = 0; i < G_N_ELEMENTS (wards); i++)
    g_string_append_printf (text, "[endpoint %s]\nname=%s\nkind=%s\nmode=agent\n"
                            "token=%s-token-0123456789\nsrtp=%s\n",
                            wards[i].id, wards[i].name, wards[i].kind, wards[i].id,
                            g_str_equal (wards[i].id, "ward-22") ? "true" : "false");
  g_file_set_contents (daemon->config_path, text->str, -1, &error);
  g_assert_no_error (error);
}

char *
wb_test_daemon_get_log (WbTestDaemon *daemon)
{
  char *text = NULL;

  if (!g_file_get_contents (daemon->log_path, &text, NULL, NULL))
    return g_strdup ("");
  return text;
}

/* The port of the "listening on http://127.0.0.1:PORT/" line of the
 * latest start, or 0 while that start has written none. */
static guint
served_port (WbTestDaemon *daemon)
{
  g_autofree char *log = wb_test_daemon_get_log (daemon);
  const char *marker = "listening on http://127.0.0.1:";
  const char *at = log;
  const char *found = NULL;
  guint n = 0;
  guint64 port = 0;

  while ((at = strstr (at, marker)) != NULL) {
    found = at + strlen (marker);
    at = found;
    n++;
  }
  if (n < daemon->starts || found == NULL)
    return 0;
  port = g_ascii_strtoull (found, NULL, 10);
  return (guint) port;
}

static gboolean
started_or_gone (gpointer data)
{
  WbTestDaemon *daemon = data;

  return daemon->exited || served_port (daemon) != 0;
}

static void
on_process_exit (GObject *source, GAsyncResult *result, gpointer user_data)
{
  gboolean *exited = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *exited = TRUE;
}

static void
spawn (WbTestDaemon *daemon)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autofree char *path = daemon_path ();
  g_autoptr (GError) error = NULL;
  g_autofree char *log = NULL;
  guint port;

  write_config (daemon);
  daemon->starts++;
  /* Append: the log keeps every start. */
  g_subprocess_launcher_take_stderr_fd (launcher, g_open (daemon->log_path,
                                                          O_WRONLY | O_CREAT | O_APPEND, 0600));
  g_subprocess_launcher_unsetenv (launcher, "NOTIFY_SOCKET");
  daemon->process = g_subprocess_launcher_spawn (launcher, &error, path,
                                                 "--config", daemon->config_path, NULL);
  g_assert_no_error (error);
  daemon->exited = FALSE;
  /* The daemon outlives this process only if the test fails. */
  g_subprocess_wait_async (daemon->process, NULL, on_process_exit, &daemon->exited);

  wb_test_wait_until (started_or_gone, daemon, START_TIMEOUT_S);
  port = served_port (daemon);
  if (port == 0) {
    log = wb_test_daemon_get_log (daemon);
    g_test_message ("wardbridged log:\n%s", log);
  }
  g_assert_false (daemon->exited);
  g_assert_cmpuint (port, !=, 0);
  if (daemon->port == 0) {
    daemon->port = port;
    daemon->url = g_strdup_printf ("http://127.0.0.1:%u", port);
  }
  g_assert_cmpuint (port, ==, daemon->port);
}

WbTestDaemon *
wb_test_daemon_new (void)
{
  WbTestDaemon *daemon = g_new0 (WbTestDaemon, 1);
  g_autoptr (GError) error = NULL;

  daemon->dir = g_dir_make_tmp ("wb-test-daemon-XXXXXX", &error);
  g_assert_no_error (error);
  daemon->config_path = g_build_filename (daemon->dir, "wardbridged.conf", NULL);
  daemon->log_path = g_build_filename (daemon->dir, "wardbridged.log", NULL);
  /* A range of its own, so that tests running side by side do not meet. */
  daemon->rtp_port_min = 20000 + 256 * (guint) g_random_int_range (0, 150);
  spawn (daemon);
  return daemon;
}

const char *
wb_test_daemon_get_url (WbTestDaemon *daemon)
{
  return daemon->url;
}

static gboolean
process_gone (gpointer data)
{
  return *(gboolean *) data;
}

static void
stop_with (WbTestDaemon *daemon, int signum)
{
  if (daemon->process == NULL)
    return;
  g_subprocess_send_signal (daemon->process, signum);
  g_assert_true (wb_test_wait_until (process_gone, &daemon->exited, START_TIMEOUT_S));
  g_clear_object (&daemon->process);
}

void
wb_test_daemon_kill (WbTestDaemon *daemon)
{
  stop_with (daemon, SIGKILL);
}

void
wb_test_daemon_restart (WbTestDaemon *daemon)
{
  g_assert_null (daemon->process);
  spawn (daemon);
}

guint
wb_test_daemon_count_event_streams (WbTestDaemon *daemon)
{
  g_autoptr (SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strconcat (daemon->url, "/metrics", NULL);
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr (GBytes) body = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  const char *marker = "\nwardbridge_sse_clients ";
  const char *at;

  /* The daemon is another process: blocking here blocks only the test. */
  body = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  at = strstr (text, marker);
  g_assert_nonnull (at);
  return (guint) g_ascii_strtoull (at + strlen (marker), NULL, 10);
}

static void
remove_tree (GFile *file)
{
  g_autoptr (GFileEnumerator) children =
    g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME,
                               G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);

  if (children != NULL) {
    GFile *child;

    while (g_file_enumerator_iterate (children, NULL, &child, NULL, NULL) && child != NULL)
      remove_tree (child);
  }
  g_file_delete (file, NULL, NULL);
}

void
wb_test_daemon_free (WbTestDaemon *daemon)
{
  g_autoptr (GFile) dir = NULL;

  if (daemon == NULL)
    return;
  stop_with (daemon, SIGTERM);
  dir = g_file_new_for_path (daemon->dir);
  remove_tree (dir);
  g_free (daemon->dir);
  g_free (daemon->config_path);
  g_free (daemon->log_path);
  g_free (daemon->url);
  g_free (daemon);
}
