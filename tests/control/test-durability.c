/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Durability of acknowledged bookings: a child process (wb-book-loop) books
 * in a loop on one store file and prints each id once it is acknowledged;
 * the test SIGKILLs it at a random moment, several times over, and then
 * checks the file: integrity_check is ok, every printed id is present
 * exactly once (with its wards and its idempotency key), and at most one
 * booking per kill committed without being printed.
 *
 * The moments are drawn from the GTest seed: --seed reproduces a run.
 */
#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "store/wb-store.h"
#include "test-util.h"

#define N_RUNS 6

static char *
read_line (GDataInputStream *in)
{
  g_autoptr(GError) error = NULL;
  char *line = g_data_input_stream_read_line (in, NULL, NULL, &error);

  g_assert_no_error (error);
  return line;
}

static gint64
count_where (WbStore    *store,
             const char *sql,
             const char *id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WbStoreStmt) stmt = wb_store_prepare (store, sql, &error);

  g_assert_no_error (error);
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  return sqlite3_column_int64 (stmt, 0);
}

static void
test_kill_while_booking (void)
{
  g_autofree char *dir = test_tmp_dir_new ();
  g_autofree char *path = g_build_filename (dir, WB_STORE_FILE_NAME, NULL);
  g_autoptr(GPtrArray) printed = g_ptr_array_new_with_free_func (g_free);
  gint64 started = g_get_monotonic_time ();

  for (guint run = 0; run < N_RUNS; run++)
    {
      g_autofree char *run_text = g_strdup_printf ("%u", run);
      const char *argv[] = { WB_BOOK_LOOP, path, run_text, NULL };
      g_autoptr(GError) error = NULL;
      g_autoptr(GInputStream) pipe_in = NULL;
      g_autoptr(GDataInputStream) in = NULL;
      g_autoptr(WbStore) store = NULL;
      GPid pid;
      int out_fd;
      int status;
      char *line;
      guint delay_ms;
      guint before = printed->len;
      gint64 rows;

      g_assert_true (g_spawn_async_with_pipes (NULL, (char **) argv, NULL,
                                               G_SPAWN_DO_NOT_REAP_CHILD,
                                               NULL, NULL, &pid, NULL, &out_fd, NULL,
                                               &error));
      g_assert_no_error (error);
      pipe_in = g_unix_input_stream_new (out_fd, TRUE);
      in = g_data_input_stream_new (pipe_in);

      /* Wait for the first acknowledged booking, then kill at a random
       * moment while it goes on booking. */
      line = read_line (in);
      g_assert_nonnull (line);
      g_ptr_array_add (printed, line);
      delay_ms = (guint) g_test_rand_int_range (5, 250);
      g_usleep (delay_ms * G_TIME_SPAN_MILLISECOND);
      g_assert_cmpint (kill (pid, SIGKILL), ==, 0);

      while ((line = read_line (in)) != NULL)
        g_ptr_array_add (printed, line);
      g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
      g_spawn_close_pid (pid);
      /* Killed, not dead of an error of its own. */
      g_assert_true (WIFSIGNALED (status));
      g_assert_cmpint (WTERMSIG (status), ==, SIGKILL);

      /* The file as the next start of the hub finds it. */
      store = wb_store_open (path, &error);
      g_assert_no_error (error);
      g_assert_true (wb_store_check_integrity (store, &error));
      g_assert_no_error (error);

      for (guint i = 0; i < printed->len; i++)
        {
          const char *id = g_ptr_array_index (printed, i);

          g_assert_cmpint (count_where (store, "SELECT count(*) FROM bookings WHERE id = ?1", id), ==, 1);
          g_assert_cmpint (count_where (store, "SELECT count(*) FROM booking_endpoints"
                                               " WHERE booking_id = ?1", id), ==, 2);
          g_assert_cmpint (count_where (store, "SELECT count(*) FROM idempotency_keys"
                                               " WHERE booking_id = ?1", id), ==, 1);
        }

      rows = count_where (store, "SELECT count(*) FROM bookings WHERE ?1 IS NOT NULL", "x");
      g_assert_cmpint (rows, >=, printed->len);
      /* At most the one in flight per kill committed without being printed. */
      g_assert_cmpint (rows, <=, printed->len + run + 1);
      g_test_message ("run %u: killed after %u ms, %u acknowledged, %" G_GINT64_FORMAT
                      " rows in all", run, delay_ms, printed->len - before, rows);
    }

  g_test_message ("%u bookings acknowledged over %d kills in %.1f s", printed->len, N_RUNS,
                  (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC);
  test_tmp_dir_remove (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/store/durability/kill-while-booking", test_kill_while_booking);

  return g_test_run ();
}
