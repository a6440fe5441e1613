/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tests of the wardbridged program as systemd and an operator see it: the
 * option handling, --check-config exit codes and lines, and the lifecycle
 * over a real sd_notify socket (READY, RELOADING, WATCHDOG, STOPPING) with
 * real signals.
 */
#include <signal.h>
#include <sys/wait.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>

#define WAIT_SECONDS 60  /* generous: the machine may be loaded */

static char *
daemon_path (void)
{
  return g_build_filename (g_getenv ("WB_BUILD_ROOT"), "src", "daemon", "wardbridged", NULL);
}

static char *
example_config (void)
{
  return g_build_filename (g_getenv ("WB_SOURCE_ROOT"), "config", "wardbridged.conf", NULL);
}

/* A config for a hub that must not collide with anything: HTTP on port 0. */
static char *
write_config (const char *dir, const char *ward_name)
{
  g_autofree char *path = g_build_filename (dir, "hub.conf", NULL);
  g_autofree char *state = g_build_filename (dir, "state", NULL);
  g_autofree char *text = g_strdup_printf (
      "[http]\naddress=127.0.0.1\nport=0\n"
      "[store]\nstate-dir=%s\n"
      "[auth]\nadmin-tokens=admin-token-0123456789\n"
      "[endpoint ward-01]\nname=%s\nkind=phuong\nmode=agent\ntoken=ward-01-token-0123456789\n",
      state, ward_name);
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&path);
}

static void
run_sync (const char *const *argv, int *status, char **out, char **err)
{
  g_autoptr (GError) error = NULL;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, out, err, status, &error);
  g_assert_no_error (error);
}

static void
test_version (void)
{
  g_autofree char *bin = daemon_path ();
  g_autofree char *out = NULL;
  int status;

  run_sync ((const char *[]) { bin, "--version", NULL }, &status, &out, NULL);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_true (g_str_has_prefix (out, "wardbridged "));
}

static void
test_check_config_good (void)
{
  g_autofree char *bin = daemon_path ();
  g_autofree char *conf = example_config ();
  g_autofree char *dir = g_dir_make_tmp ("wb-daemon-XXXXXX", NULL);
  g_autofree char *state = g_build_filename (dir, "never", NULL);
  g_autofree char *line = g_strdup_printf ("state dir:   %s\n", state);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status;

  run_sync ((const char *[]) { bin, "--config", conf, "--check-config", "--state-dir", state, NULL },
            &status, &out, &err);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);
  g_assert_nonnull (strstr (out, "configuration is valid"));
  g_assert_nonnull (strstr (out, "endpoints:   32 ("));
  g_assert_nonnull (strstr (out, "RTP ports:   40000-40999"));
  g_assert_nonnull (strstr (out, line));
  g_assert_cmpstr (err, ==, "");
  /* --check-config never creates the state directory. */
  g_assert_false (g_file_test (state, G_FILE_TEST_EXISTS));
  g_rmdir (dir);
}

static void
test_check_config_bad (void)
{
  g_autofree char *bin = daemon_path ();
  g_autofree char *dir = g_dir_make_tmp ("wb-daemon-XXXXXX", NULL);
  g_autofree char *conf = g_build_filename (dir, "bad.conf", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *expected = NULL;
  int status;

  g_file_set_contents (conf,
                       "[hub]\nrtp-port-min=40000\nrtp-port-max=40010\nflavour=sweet\n"
                       "[endpoint ward-01]\nname=\nmode=agent\n", -1, NULL);
  run_sync ((const char *[]) { bin, "--config", conf, "--check-config", NULL }, &status, &out, &err);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 1);
  g_assert_cmpstr (out, ==, "");
  expected = g_strdup_printf ("warning: %1$s: [auth] admin-tokens: no admin token: nobody can start or end a conference\n"
                              "warning: %1$s: [hub] flavour: unknown key, ignored\n"
                              "%1$s: [endpoint ward-01] name: empty; every ward needs the name shown on its tile\n"
                              "%1$s: [endpoint ward-01] token: missing; an agent endpoint joins through the API with its token\n"
                              "%1$s: [hub] rtp-port-max: range 40000-40010 holds 2 wards at 4 ports each; at least 32 are needed\n",
                              conf);
  g_assert_cmpstr (err, ==, expected);

  /* A missing file: one line, exit 1. */
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&expected, g_free);
  g_unlink (conf);
  run_sync ((const char *[]) { bin, "--config", conf, "--check-config", NULL }, &status, NULL, &err);
  g_assert_cmpint (WEXITSTATUS (status), ==, 1);
  expected = g_strdup_printf ("%s: cannot read: No such file or directory\n", conf);
  g_assert_cmpstr (err, ==, expected);

  /* A bad option: usage error, exit 2. */
  run_sync ((const char *[]) { bin, "--no-such-option", NULL }, &status, NULL, NULL);
  g_assert_cmpint (WEXITSTATUS (status), ==, 2);
  g_rmdir (dir);
}

static void
test_state_dir_unusable (void)
{
  g_autofree char *bin = daemon_path ();
  g_autofree char *dir = g_dir_make_tmp ("wb-daemon-XXXXXX", NULL);
  g_autofree char *conf = write_config (dir, "Phường Cam Giá");
  g_autofree char *file = g_build_filename (dir, "a-file", NULL);
  g_autofree char *state = g_build_filename (file, "state", NULL);
  g_autofree char *err = NULL;
  int status;

  g_file_set_contents (file, "", 0, NULL);
  run_sync ((const char *[]) { bin, "--config", conf, "--state-dir", state, NULL }, &status, NULL, &err);
  g_assert_cmpint (WEXITSTATUS (status), ==, 1);
  g_assert_nonnull (strstr (err, "cannot create: Not a directory"));
}

/* ---- lifecycle over a real notify socket ---- */

typedef struct {
  GSocket *socket;
  GString *seen;   /* every notification, one per line */
} Notify;

static void
notify_open (Notify *n, const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocketAddress) address = g_unix_socket_address_new (path);

  n->socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_DEFAULT, &error);
  g_assert_no_error (error);
  g_socket_bind (n->socket, address, TRUE, &error);
  g_assert_no_error (error);
  g_socket_set_timeout (n->socket, WAIT_SECONDS);
  n->seen = g_string_new (NULL);
}

/* Reads notifications until one holds the line @want. */
static void
notify_wait_for (Notify *n, const char *want)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_SECONDS * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline) {
    char buf[4096];
    g_autoptr (GError) error = NULL;
    g_auto (GStrv) lines = NULL;
    gssize len = g_socket_receive (n->socket, buf, sizeof buf - 1, NULL, &error);

    g_assert_no_error (error);
    buf[len] = '\0';
    g_string_append_printf (n->seen, "%s\n", buf);
    lines = g_strsplit (buf, "\n", -1);
    if (g_strv_contains ((const char *const *) lines, want))
      return;
  }
  g_error ("no %s notification; seen:\n%s", want, n->seen->str);
}

static void
notify_close (Notify *n)
{
  g_clear_object (&n->socket);
  g_string_free (n->seen, TRUE);
}

static void
test_lifecycle (void)
{
  g_autofree char *bin = daemon_path ();
  g_autofree char *dir = g_dir_make_tmp ("wb-daemon-XXXXXX", NULL);
  g_autofree char *conf = write_config (dir, "Phường Cam Giá");
  g_autofree char *sock = g_build_filename (dir, "notify.sock", NULL);
  g_autofree char *state = g_build_filename (dir, "state", NULL);
  g_autofree char *log_path = g_build_filename (dir, "hub.log", NULL);
  g_autofree char *log = NULL;
  /* Both of the daemon's outputs into the log: with G_MESSAGES_DEBUG its
   * info lines go to stdout, which is this test's TAP stream. */
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GError) error = NULL;
  Notify n = { 0 };

  notify_open (&n, sock);
  g_subprocess_launcher_setenv (launcher, "NOTIFY_SOCKET", sock, TRUE);
  g_subprocess_launcher_setenv (launcher, "WATCHDOG_USEC", "400000", TRUE);
  g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG", "wardbridge", TRUE);
  g_subprocess_launcher_set_stdout_file_path (launcher, log_path);
  proc = g_subprocess_launcher_spawn (launcher, &error, bin, "--config", conf, NULL);
  g_assert_no_error (error);

  notify_wait_for (&n, "READY=1");
  g_assert_true (g_file_test (state, G_FILE_TEST_IS_DIR));

  /* The watchdog is pinged from the running main loop. */
  notify_wait_for (&n, "WATCHDOG=1");

  /* A good reload: RELOADING then READY again. */
  g_free (write_config (dir, "Phường Cam Giá (mới)"));
  g_subprocess_send_signal (proc, SIGHUP);
  notify_wait_for (&n, "RELOADING=1");
  notify_wait_for (&n, "READY=1");

  /* A bad reload keeps the hub running on the old configuration. */
  g_file_set_contents (conf, "[hub]\nrtp-port-min=1\n", -1, NULL);
  g_subprocess_send_signal (proc, SIGHUP);
  notify_wait_for (&n, "RELOADING=1");
  notify_wait_for (&n, "READY=1");
  notify_wait_for (&n, "WATCHDOG=1");

  g_subprocess_send_signal (proc, SIGTERM);
  notify_wait_for (&n, "STOPPING=1");
  g_subprocess_wait (proc, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (proc));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 0);

  g_file_get_contents (log_path, &log, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (log, "configuration reloaded"));
  g_assert_nonnull (strstr (log, "[hub] rtp-port-min: 1 is out of range (1024 to 65535)"));
  g_assert_nonnull (strstr (log, "reload refused, keeping the running configuration"));

  notify_close (&n);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/daemon/version", test_version);
  g_test_add_func ("/daemon/check-config-good", test_check_config_good);
  g_test_add_func ("/daemon/check-config-bad", test_check_config_bad);
  g_test_add_func ("/daemon/state-dir-unusable", test_state_dir_unusable);
  g_test_add_func ("/daemon/lifecycle", test_lifecycle);

  return g_test_run ();
}
