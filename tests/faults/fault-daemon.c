/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * FaultDaemon: wardbridged under fault (see fault-daemon.h).
 */
#include "fault-daemon.h"

#include <fcntl.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#define START_TIMEOUT_S 120

struct _FaultDaemon {
  char *dir;
  char *config_path;
  char *state_dir;
  char *log_path;            /* of the latest start */
  char *notify_path;
  guint64 watchdog_usec;
  GSocket *notify;           /* NULL without a watchdog */
  GSubprocess *process;      /* NULL when not running */
  gboolean exited;
  guint port;
  guint starts;
};

static char *
daemon_path (void)
{
  return g_build_filename (g_getenv ("WB_BUILD_ROOT"), "src", "daemon", "wardbridged", NULL);
}

static void
write_config (FaultDaemon *daemon)
{
  guint rtp_min = 20000 + 256 * (guint) g_random_int_range (0, 150);
  g_autofree char *text = g_strdup_printf (
      "[hub]\npublic-address=127.0.0.1\nrtp-port-min=%u\nrtp-port-max=%u\n"
      "[http]\naddress=127.0.0.1\nport=0\n"
      "[media]\nwidth=320\nheight=180\nframerate=10\nvideo-bitrate-kbps=200\n"
      "[store]\nstate-dir=%s\n"
      "[auth]\nadmin-tokens=" FAULT_ADMIN_TOKEN "\nscheduler-tokens=" FAULT_SCHED_TOKEN "\n"
      "[endpoint ward-01]\nname=Phường Cam Giá\nkind=phuong\nmode=agent\n"
      "token=ward-01-token-0123456789\n"
      "[endpoint ward-02]\nname=Phường Chùa Hang\nkind=phuong\nmode=agent\n"
      "token=ward-02-token-0123456789\n",
      rtp_min, rtp_min + 255, daemon->state_dir);
  g_autoptr (GError) error = NULL;

  g_file_set_contents (daemon->config_path, text, -1, &error);
  g_assert_no_error (error);
}

FaultDaemon *
fault_daemon_new (guint64 watchdog_usec)
{
  FaultDaemon *daemon = g_new0 (FaultDaemon, 1);
  g_autoptr (GError) error = NULL;

  daemon->dir = g_dir_make_tmp ("wb-faults-XXXXXX", &error);
  g_assert_no_error (error);
  daemon->config_path = g_build_filename (daemon->dir, "wardbridged.conf", NULL);
  daemon->state_dir = g_build_filename (daemon->dir, "state", NULL);
  daemon->watchdog_usec = watchdog_usec;
  write_config (daemon);

  if (watchdog_usec > 0) {
    g_autoptr (GSocketAddress) address = NULL;

    daemon->notify_path = g_build_filename (daemon->dir, "notify.sock", NULL);
    address = g_unix_socket_address_new (daemon->notify_path);
    daemon->notify = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_DATAGRAM,
                                   G_SOCKET_PROTOCOL_DEFAULT, &error);
    g_assert_no_error (error);
    g_socket_bind (daemon->notify, address, TRUE, &error);
    g_assert_no_error (error);
  }
  return daemon;
}

static void
remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL) {
    while ((name = g_dir_read_name (dir)) != NULL) {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  }
  g_rmdir (path);
}

void
fault_daemon_free (FaultDaemon *daemon)
{
  if (daemon == NULL)
    return;
  if (daemon->process != NULL)
    fault_daemon_kill (daemon);
  g_clear_object (&daemon->notify);
  remove_tree (daemon->dir);
  g_free (daemon->dir);
  g_free (daemon->config_path);
  g_free (daemon->state_dir);
  g_free (daemon->log_path);
  g_free (daemon->notify_path);
  g_free (daemon);
}

char *
fault_daemon_get_log (FaultDaemon *daemon)
{
  char *text = NULL;

  if (daemon->log_path == NULL || !g_file_get_contents (daemon->log_path, &text, NULL, NULL))
    return g_strdup ("");
  return text;
}

static guint
served_port (FaultDaemon *daemon)
{
  g_autofree char *log = fault_daemon_get_log (daemon);
  const char *marker = "listening on http://127.0.0.1:";
  const char *at = strstr (log, marker);

  return at != NULL ? (guint) g_ascii_strtoull (at + strlen (marker), NULL, 10) : 0;
}

static void
on_process_exit (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  gboolean *exited = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *exited = TRUE;
}

/* A full disk is simulated with RLIMIT_FSIZE: ignoring SIGXFSZ (the
 * disposition survives exec) turns the limit into EFBIG from write(). */
static void
child_setup (gpointer user_data)
{
  signal (SIGXFSZ, SIG_IGN);
}

void
fault_daemon_start (FaultDaemon *daemon)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autofree char *path = daemon_path ();
  g_autofree char *name = NULL;
  g_autoptr (GError) error = NULL;
  gint64 deadline;

  g_assert_null (daemon->process);
  daemon->starts++;
  name = g_strdup_printf ("wardbridged-%u.log", daemon->starts);
  g_free (daemon->log_path);
  daemon->log_path = g_build_filename (daemon->dir, name, NULL);
  g_subprocess_launcher_take_stderr_fd (launcher, g_open (daemon->log_path,
                                                          O_WRONLY | O_CREAT | O_TRUNC, 0600));
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  if (daemon->notify != NULL) {
    g_autofree char *usec = g_strdup_printf ("%" G_GUINT64_FORMAT, daemon->watchdog_usec);

    g_subprocess_launcher_setenv (launcher, "NOTIFY_SOCKET", daemon->notify_path, TRUE);
    g_subprocess_launcher_setenv (launcher, "WATCHDOG_USEC", usec, TRUE);
  } else {
    g_subprocess_launcher_unsetenv (launcher, "NOTIFY_SOCKET");
    g_subprocess_launcher_unsetenv (launcher, "WATCHDOG_USEC");
  }
  daemon->process = g_subprocess_launcher_spawn (launcher, &error, path,
                                                 "--config", daemon->config_path, NULL);
  g_assert_no_error (error);
  daemon->exited = FALSE;
  g_subprocess_wait_async (daemon->process, NULL, on_process_exit, &daemon->exited);

  deadline = g_get_monotonic_time () + START_TIMEOUT_S * G_USEC_PER_SEC;
  while (!daemon->exited && (daemon->port = served_port (daemon)) == 0 &&
         g_get_monotonic_time () < deadline) {
    g_main_context_iteration (NULL, FALSE);
    g_usleep (20 * 1000);
  }
  if (daemon->port == 0) {
    g_autofree char *log = fault_daemon_get_log (daemon);

    g_error ("wardbridged did not start; its log:\n%s", log);
  }
}

static void
wait_gone (FaultDaemon *daemon)
{
  gint64 deadline = g_get_monotonic_time () + START_TIMEOUT_S * G_USEC_PER_SEC;

  while (!daemon->exited && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (daemon->exited);
}

void
fault_daemon_kill (FaultDaemon *daemon)
{
  g_assert_nonnull (daemon->process);
  g_subprocess_send_signal (daemon->process, SIGCONT);   /* in case it was stopped */
  g_subprocess_force_exit (daemon->process);
  wait_gone (daemon);
  g_clear_object (&daemon->process);
  daemon->port = 0;
}

void
fault_daemon_stop (FaultDaemon *daemon)
{
  g_assert_nonnull (daemon->process);
  g_subprocess_send_signal (daemon->process, SIGTERM);
  wait_gone (daemon);
  /* Not an assertion: the test is marked failed (with the reason from
   * the log; under ASan, the leak report) and the next tests still run. */
  if (!g_subprocess_get_if_exited (daemon->process) ||
      g_subprocess_get_exit_status (daemon->process) != 0) {
    g_autofree char *log = fault_daemon_get_log (daemon);
    gsize len = strlen (log);

    g_test_message ("the end of wardbridged's log:\n%s", log + (len > 8000 ? len - 8000 : 0));
    g_test_fail_printf ("wardbridged did not exit cleanly on SIGTERM (see its log above)");
  }
  g_clear_object (&daemon->process);
  daemon->port = 0;
}

GPid
fault_daemon_get_pid (FaultDaemon *daemon)
{
  g_assert_nonnull (daemon->process);
  return (GPid) g_ascii_strtoll (g_subprocess_get_identifier (daemon->process), NULL, 10);
}

guint
fault_daemon_get_port (FaultDaemon *daemon)
{
  return daemon->port;
}

const char *
fault_daemon_get_state_dir (FaultDaemon *daemon)
{
  return daemon->state_dir;
}

const char *
fault_daemon_get_config (FaultDaemon *daemon)
{
  return daemon->config_path;
}

char *
fault_daemon_read_notify (FaultDaemon *daemon,
                          guint        timeout_ms)
{
  char buffer[4096];
  gssize got;

  g_assert_nonnull (daemon->notify);
  if (!g_socket_condition_timed_wait (daemon->notify, G_IO_IN,
                                      (gint64) timeout_ms * 1000, NULL, NULL))
    return NULL;
  got = g_socket_receive (daemon->notify, buffer, sizeof buffer - 1, NULL, NULL);
  if (got < 0)
    return NULL;
  buffer[got] = '\0';
  return g_strdup (buffer);
}

/* ---- a small HTTP client ------------------------------------------------ */

void
fault_response_free (FaultResponse *response)
{
  if (response == NULL)
    return;
  g_free (response->head);
  g_free (response->body);
  g_free (response);
}

GSocket *
fault_connect (guint       port,
               const char *from_address)
{
  g_autoptr (GInetAddress) from = g_inet_address_new_from_string (from_address ? from_address : "127.0.0.1");
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) local = g_inet_socket_address_new (from, 0);
  g_autoptr (GSocketAddress) remote = g_inet_socket_address_new (lo, port);
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                             G_SOCKET_PROTOCOL_TCP, &error);

  g_assert_no_error (error);
  g_socket_bind (socket, local, FALSE, &error);
  g_assert_no_error (error);
  g_socket_set_timeout (socket, 30);
  if (!g_socket_connect (socket, remote, NULL, NULL))
    return NULL;
  return g_steal_pointer (&socket);
}

char *
fault_read_all (GSocket *socket,
                guint    timeout_s)
{
  g_autoptr (GString) text = g_string_new (NULL);
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_s * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline) {
    char buffer[8192];
    gssize got;

    if (!g_socket_condition_timed_wait (socket, G_IO_IN | G_IO_HUP | G_IO_ERR,
                                        deadline - g_get_monotonic_time (), NULL, NULL))
      break;
    got = g_socket_receive (socket, buffer, sizeof buffer, NULL, NULL);
    if (got <= 0)
      return g_string_free (g_steal_pointer (&text), FALSE);
    g_string_append_len (text, buffer, got);
  }
  return text->len > 0 ? g_string_free (g_steal_pointer (&text), FALSE) : NULL;
}

FaultResponse *
fault_http (guint       port,
            const char *from_address,
            const char *method,
            const char *path,
            const char *token,
            const char *body,
            guint       timeout_s)
{
  FaultResponse *response = g_new0 (FaultResponse, 1);
  g_autoptr (GSocket) socket = fault_connect (port, from_address);
  g_autoptr (GString) request = g_string_new (NULL);
  g_autofree char *answer = NULL;
  const char *split;

  if (socket == NULL)
    return response;
  g_string_append_printf (request, "%s %s HTTP/1.0\r\nHost: 127.0.0.1:%u\r\n"
                          "Connection: close\r\n", method, path, port);
  if (token != NULL)
    g_string_append_printf (request, "Authorization: Bearer %s\r\n", token);
  if (body != NULL)
    g_string_append_printf (request, "Content-Type: application/json\r\n"
                            "Content-Length: %zu\r\n", strlen (body));
  g_string_append (request, "\r\n");
  if (body != NULL)
    g_string_append (request, body);
  if (g_socket_send (socket, request->str, request->len, NULL, NULL) != (gssize) request->len)
    return response;

  answer = fault_read_all (socket, timeout_s);
  if (answer == NULL || !g_str_has_prefix (answer, "HTTP/1."))
    return response;
  response->status = (guint) g_ascii_strtoull (answer + 9, NULL, 10);
  split = strstr (answer, "\r\n\r\n");
  response->head = g_strndup (answer, split ? (gsize) (split - answer) : strlen (answer));
  response->body = g_strdup (split ? split + 4 : "");
  return response;
}
