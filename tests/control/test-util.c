/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helpers of the control tests.  See test-util.h.
 */
#include "test-util.h"

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "control/wb-booking.h"
#include "store/wb-store.h"

WbConfig *
test_config_new (guint n_wards)
{
  g_autoptr(GString) data = g_string_new (NULL);
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GError) error = NULL;
  WbConfig *config;

  g_string_append (data,
                   "[hub]\nrtp-port-min=40000\nrtp-port-max=40999\n"
                   "[media]\nlayout=speaker\n"
                   "[auth]\nadmin-tokens=admin-token-0123456789\n"
                   "scheduler-tokens=scheduler-token-0123456789\n");
  for (guint i = 1; i <= n_wards; i++)
    g_string_append_printf (data,
                            "[endpoint ward-%02u]\nname=Phường %u\nkind=phuong\n"
                            "mode=agent\ntoken=ward-%02u-token-0123456789\n",
                            i, i, i);

  config = wb_config_load_from_data ("test.conf", data->str, -1, &problems, NULL, &error);
  for (guint i = 0; problems != NULL && i < problems->len; i++)
    g_printerr ("config problem: %s\n", (const char *) g_ptr_array_index (problems, i));
  g_assert_no_error (error);
  g_assert_nonnull (config);
  g_assert_cmpuint (config->endpoints->len, ==, n_wards);
  return config;
}

char *
test_tmp_dir_new (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("wb-control-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

void
test_tmp_dir_remove (const char *dir)
{
  const char *suffixes[] = { "", "-wal", "-shm", "-journal" };
  g_autofree char *path = g_build_filename (dir, WB_STORE_FILE_NAME, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);

      g_unlink (file);
    }
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

JsonNode *
test_json (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);

  g_assert_no_error (error);
  g_assert_nonnull (node);
  return node;
}

static sqlite3_stmt *
prepare_one_row (const char  *path,
                 const char  *sql,
                 sqlite3    **db)
{
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (*db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  return stmt;
}

gint64
test_sql_int (const char *path,
              const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = prepare_one_row (path, sql, &db);
  gint64 value = sqlite3_column_int64 (stmt, 0);

  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return value;
}

char *
test_sql_text (const char *path,
               const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = prepare_one_row (path, sql, &db);
  char *value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));

  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return value;
}

gint64
test_time (const char *rfc3339)
{
  g_autofree char *message = NULL;
  gint64 us = 0;

  if (!wb_booking_time_parse (rfc3339, &us, &message))
    g_error ("bad test time %s: %s", rfc3339, message);
  return us;
}
