/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tests of src/store/wb-store.c on real SQLite files in a temporary
 * directory: migrations, pragmas, integrity, the audit log, conferences and
 * attendance, and the errors an operator meets (newer schema, disk full).
 * Every write is read back with plain SQL through a second connection.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "store/wb-store.h"
#include "store/wb-store-migrations.h"

typedef struct {
  char *dir;
  char *path;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("wb-store-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, WB_STORE_FILE_NAME, NULL);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  const char *suffixes[] = { "", "-wal", "-shm", "-journal" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (f->path, suffixes[i], NULL);

      g_unlink (file);
    }
  g_assert_cmpint (g_rmdir (f->dir), ==, 0);
  g_free (f->path);
  g_free (f->dir);
}

/* A second, independent connection, as another process would see the file. */
static sqlite3 *
open_raw (const char *path)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  return db;
}

static gint64
raw_int (sqlite3    *db,
         const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

static char *
raw_text (sqlite3    *db,
          const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  char *value;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return value;
}

static void
test_open_fresh (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WbStore) store = NULL;
  sqlite3 *raw;
  const char *tables[] = {
    "bookings", "booking_endpoints", "conferences", "attendance", "audit",
    "idempotency_keys",
  };

  g_assert_false (g_file_test (f->path, G_FILE_TEST_EXISTS));
  store = wb_store_open_in_dir (f->dir, &error);
  g_assert_no_error (error);
  g_assert_nonnull (store);
  g_assert_cmpstr (wb_store_get_path (store), ==, f->path);
  g_assert_true (g_file_test (f->path, G_FILE_TEST_IS_REGULAR));

  g_assert_cmpint (wb_store_latest_schema_version (), ==, 4);
  g_assert_cmpint (wb_store_get_schema_version (store), ==, 4);

  raw = open_raw (f->path);
  g_assert_cmpint (raw_int (raw, "PRAGMA user_version"), ==, 4);
  for (guint i = 0; i < G_N_ELEMENTS (tables); i++)
    {
      g_autofree char *sql =
        g_strdup_printf ("SELECT count(*) FROM sqlite_master"
                         " WHERE type = 'table' AND name = '%s'", tables[i]);

      g_assert_cmpint (raw_int (raw, sql), ==, 1);
    }
  sqlite3_close (raw);

  g_assert_true (wb_store_check_integrity (store, &error));
  g_assert_no_error (error);
}

static void
test_reopen (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WbStore) store = NULL;
  g_autofree char *schema_before = NULL;
  g_autofree char *schema_after = NULL;
  const WbActor actor = { "admin", "admin:0", "IT desk" };
  sqlite3 *raw;

  store = wb_store_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (wb_store_append_audit (store, 1000, &actor, "conference.start",
                                          "conference/c1", 201, NULL, &error), >, 0);
  g_assert_no_error (error);
  g_clear_object (&store);

  raw = open_raw (f->path);
  schema_before = raw_text (raw, "SELECT group_concat(sql, ';') FROM"
                                 " (SELECT sql FROM sqlite_master ORDER BY name)");
  sqlite3_close (raw);

  /* Twice more: nothing is migrated again and the row stays. */
  for (int i = 0; i < 2; i++)
    {
      store = wb_store_open (f->path, &error);
      g_assert_no_error (error);
      g_assert_cmpint (wb_store_get_schema_version (store), ==, 4);
      g_clear_object (&store);
    }

  raw = open_raw (f->path);
  schema_after = raw_text (raw, "SELECT group_concat(sql, ';') FROM"
                                " (SELECT sql FROM sqlite_master ORDER BY name)");
  g_assert_cmpstr (schema_after, ==, schema_before);
  g_assert_cmpint (raw_int (raw, "SELECT count(*) FROM audit"), ==, 1);
  g_assert_cmpint (raw_int (raw, "SELECT at_us FROM audit"), ==, 1000);
  sqlite3_close (raw);
}

static void
test_pragmas (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WbStore) store = NULL;
  g_autofree char *mode = NULL;
  g_autofree char *mode_other = NULL;
  sqlite3 *raw;

  store = wb_store_open (f->path, &error);
  g_assert_no_error (error);

  /* synchronous and foreign_keys belong to the connection: read them on the
   * store's own one. */
  mode = raw_text (wb_store_get_db (store), "PRAGMA journal_mode");
  g_assert_cmpstr (mode, ==, "wal");
  g_assert_cmpint (raw_int (wb_store_get_db (store), "PRAGMA synchronous"), ==, 2);
  g_assert_cmpint (raw_int (wb_store_get_db (store), "PRAGMA foreign_keys"), ==, 1);

  /* WAL is a property of the file: another connection sees it too. */
  raw = open_raw (f->path);
  mode_other = raw_text (raw, "PRAGMA journal_mode");
  g_assert_cmpstr (mode_other, ==, "wal");
  sqlite3_close (raw);
}

static void
test_migrate_from_v1 (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WbStore) store = NULL;
  const WbStoreMigration *migrations;
  guint n_migrations;
  sqlite3 *raw = NULL;

  /* A file as the first release left it: migration 1 only, one booking. */
  migrations = wb_store_migrations (&n_migrations);
  g_assert_cmpuint (n_migrations, ==, 4);
  g_assert_cmpint (sqlite3_open (f->path, &raw), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (raw, migrations[0].sql, NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (raw,
                                 "INSERT INTO bookings VALUES ('b1', 'Giao ban', 10, 20, 0,"
                                 " 'grid', 0, 'scheduled', NULL, 1, 1, 'admin:0');"
                                 "INSERT INTO booking_endpoints VALUES ('b1', 'ward-01');"
                                 "PRAGMA user_version = 1;",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (raw);

  store = wb_store_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (wb_store_get_schema_version (store), ==, 4);

  raw = open_raw (f->path);
  g_assert_cmpint (raw_int (raw, "SELECT count(*) FROM bookings WHERE id = 'b1'"), ==, 1);
  g_assert_cmpint (raw_int (raw, "SELECT count(*) FROM booking_endpoints"), ==, 1);
  g_assert_cmpint (raw_int (raw, "SELECT count(*) FROM sqlite_master"
                                 " WHERE name = 'idempotency_keys'"), ==, 1);
  sqlite3_close (raw);
}

static void
test_newer_schema (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WbStore) store = NULL;
  sqlite3 *raw = NULL;

  g_assert_cmpint (sqlite3_open (f->path, &raw), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (raw, "PRAGMA user_version = 99", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (raw);

  store = wb_store_open (f->path, &error);
  g_assert_error (error, WB_STORE_ERROR, WB_STORE_ERROR_SCHEMA);
  g_assert_null (store);
  g_assert_nonnull (strstr (error->message, f->path));

  /* Refused means untouched. */
  raw = open_raw (f->path);
  g_assert_cmpint (raw_int (raw, "PRAGMA user_version"), ==, 99);
  g_assert_cmpint (raw_int (raw, "SELECT count(*) FROM sqlite_master"), ==, 0);
  sqlite3_close (raw);
}

static void
test_not_a_database (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WbStore) store = NULL;
  const char garbage[] = "this is not an SQLite file, it is a text file long enough "
                         "to have a header that SQLite reads and refuses.............";

  g_assert_true (g_file_set_contents (f->path, garbage, sizeof garbage - 1, &error));
  g_assert_no_error (error);

  store = wb_store_open (f->path, &error);
  g_assert_error (error, WB_STORE_ERROR, WB_STORE_ERROR_CORRUPT);
  g_assert_null (store);
}

static void
test_audit (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WbStore) store = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) window = NULL;
  g_autoptr(GPtrArray) page = NULL;
  const WbActor admin = { "admin", "admin:0", "IT desk" };
  const WbActor ward = { "endpoint", "ward-07", NULL };
  const WbAuditEntry *entry;
  gint64 ids[3];
  sqlite3 *raw;

  store = wb_store_open (f->path, &error);
  g_assert_no_error (error);

  ids[0] = wb_store_append_audit (store, 1000, &admin, "booking.create",
                                  "booking/b1", 201, NULL, &error);
  g_assert_no_error (error);
  ids[1] = wb_store_append_audit (store, 2000, &ward, "participant.mute",
                                  "conference/c1", 403, "not its own ward", &error);
  g_assert_no_error (error);
  ids[2] = wb_store_append_audit (store, 3000, &admin, "conference.end",
                                  "conference/c1", 200, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ids[0], <, ids[1]);
  g_assert_cmpint (ids[1], <, ids[2]);

  /* The rows as SQL sees them, and never a token. */
  raw = open_raw (f->path);
  g_assert_cmpint (raw_int (raw, "SELECT count(*) FROM audit"), ==, 3);
  g_assert_cmpint (raw_int (raw, "SELECT status FROM audit WHERE actor_id = 'ward-07'"), ==, 403);
  g_assert_cmpint (raw_int (raw, "SELECT count(*) FROM audit WHERE actor_name IS NULL"), ==, 1);
  sqlite3_close (raw);

  all = wb_store_list_audit (store, 0, 0, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 3);
  entry = g_ptr_array_index (all, 0);   /* newest first */
  g_assert_cmpint (entry->id, ==, ids[2]);
  g_assert_cmpstr (entry->action, ==, "conference.end");
  entry = g_ptr_array_index (all, 1);
  g_assert_cmpint (entry->at_us, ==, 2000);
  g_assert_cmpstr (entry->role, ==, "endpoint");
  g_assert_cmpstr (entry->actor_id, ==, "ward-07");
  g_assert_null (entry->actor_name);
  g_assert_cmpstr (entry->target, ==, "conference/c1");
  g_assert_cmpint (entry->status, ==, 403);
  g_assert_cmpstr (entry->detail, ==, "not its own ward");

  /* [from, to): 2000 in, 3000 out. */
  window = wb_store_list_audit (store, 1500, 3000, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (window->len, ==, 1);
  g_assert_cmpint (((WbAuditEntry *) g_ptr_array_index (window, 0))->id, ==, ids[1]);

  /* Paging: older than the newest, one at a time. */
  page = wb_store_list_audit (store, 0, 0, ids[2], 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->len, ==, 1);
  g_assert_cmpint (((WbAuditEntry *) g_ptr_array_index (page, 0))->id, ==, ids[1]);
}

static const WbAttendance *
find_attendance (GPtrArray  *rows,
                 const char *endpoint_id)
{
  for (guint i = 0; i < rows->len; i++)
    {
      const WbAttendance *row = g_ptr_array_index (rows, i);

      if (g_strcmp0 (row->endpoint_id, endpoint_id) == 0)
        return row;
    }
  return NULL;
}

static void
test_attendance (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WbStore) store = NULL;
  g_autoptr(GPtrArray) during = NULL;
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(WbConferenceRecord) record = NULL;
  const WbAttendance *row;
  const gint64 s = G_USEC_PER_SEC;
  sqlite3 *raw;

  store = wb_store_open (f->path, &error);
  g_assert_no_error (error);

  g_assert_true (wb_store_conference_started (store, "c1", "b1", "Giao ban", 100 * s, &error));
  g_assert_no_error (error);
  /* Recorded a second time by someone who does not know the booking. */
  g_assert_true (wb_store_conference_started (store, "c1", NULL, "Giao ban", 101 * s, &error));
  g_assert_no_error (error);
  /* ward-01 joins at 100 s, talks 20 s, leaves at 160 s, comes back at
   * 200 s and is still in at the end (300 s) with 5 s more talk. */
  g_assert_true (wb_store_attendance_join (store, "c1", "ward-01", 100 * s, &error));
  g_assert_true (wb_store_attendance_join (store, "c1", "ward-02", 110 * s, &error));
  g_assert_true (wb_store_attendance_leave (store, "c1", "ward-01", 160 * s, 20 * s, &error));
  g_assert_true (wb_store_attendance_join (store, "c1", "ward-01", 200 * s, &error));
  /* A repeated join while in does not open a second session. */
  g_assert_true (wb_store_attendance_join (store, "c1", "ward-01", 210 * s, &error));
  g_assert_true (wb_store_attendance_add_talk (store, "c1", "ward-01", 5 * s, &error));
  g_assert_no_error (error);

  /* Leaving twice: the second has nothing to close. */
  g_assert_true (wb_store_attendance_leave (store, "c1", "ward-02", 150 * s, 0, &error));
  g_assert_false (wb_store_attendance_leave (store, "c1", "ward-02", 151 * s, 0, &error));
  g_assert_error (error, WB_STORE_ERROR, WB_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  during = wb_store_list_attendance (store, "c1", 250 * s, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (during->len, ==, 2);
  row = find_attendance (during, "ward-01");
  g_assert_nonnull (row);
  g_assert_cmpint (row->first_joined_us, ==, 100 * s);
  g_assert_cmpint (row->last_left_us, ==, 0);          /* still in */
  g_assert_cmpint (row->talk_us, ==, 25 * s);
  g_assert_cmpint (row->present_us, ==, (60 + 50) * s);
  g_assert_cmpuint (row->sessions, ==, 2);
  row = find_attendance (during, "ward-02");
  g_assert_cmpint (row->last_left_us, ==, 150 * s);
  g_assert_cmpint (row->present_us, ==, 40 * s);

  g_assert_true (wb_store_conference_ended (store, "c1", 300 * s, &error));
  g_assert_no_error (error);
  /* A second end keeps the first time. */
  g_assert_true (wb_store_conference_ended (store, "c1", 999 * s, &error));
  g_assert_no_error (error);

  record = wb_store_get_conference (store, "c1", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (record->booking_id, ==, "b1");
  g_assert_cmpstr (record->title, ==, "Giao ban");
  g_assert_cmpint (record->started_us, ==, 100 * s);
  g_assert_cmpint (record->ended_us, ==, 300 * s);

  after = wb_store_list_attendance (store, "c1", 5000 * s, &error);
  g_assert_no_error (error);
  row = find_attendance (after, "ward-01");
  g_assert_cmpint (row->last_left_us, ==, 300 * s);
  g_assert_cmpint (row->present_us, ==, (60 + 100) * s);

  raw = open_raw (f->path);
  g_assert_cmpint (raw_int (raw, "SELECT count(*) FROM attendance"), ==, 3);
  g_assert_cmpint (raw_int (raw, "SELECT count(*) FROM attendance WHERE left_us IS NULL"), ==, 0);
  g_assert_cmpint (raw_int (raw, "SELECT sum(talk_us) FROM attendance"), ==, 25 * s);
  sqlite3_close (raw);

  g_assert_null (wb_store_get_conference (store, "nope", &error));
  g_assert_error (error, WB_STORE_ERROR, WB_STORE_ERROR_NOT_FOUND);
}

static void
test_disk_full (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WbStore) store = NULL;
  g_autofree char *big = g_strnfill (3000, 'x');
  const WbActor actor = { "admin", "admin:0", NULL };
  gint64 pages;
  g_autofree char *limit = NULL;
  gint64 written = 0;
  sqlite3 *raw;

  store = wb_store_open (f->path, &error);
  g_assert_no_error (error);

  /* The file may not grow any more: the same error as a full disk. */
  pages = raw_int (wb_store_get_db (store), "PRAGMA page_count");
  limit = g_strdup_printf ("PRAGMA max_page_count = %" G_GINT64_FORMAT, pages + 2);
  g_assert_true (wb_store_exec (store, limit, &error));

  for (int i = 0; i < 100 && error == NULL; i++)
    {
      const WbActor *a = &actor;

      if (wb_store_append_audit (store, 1 + i, a, "test.fill", NULL, 200, big, &error) > 0)
        written++;
    }
  g_assert_error (error, WB_STORE_ERROR, WB_STORE_ERROR_FULL);
  g_assert_cmpint (written, >, 0);
  g_assert_cmpint (written, <, 100);

  /* What was acknowledged is there, the refused row is not. */
  g_clear_object (&store);
  raw = open_raw (f->path);
  g_assert_cmpint (raw_int (raw, "SELECT count(*) FROM audit"), ==, written);
  sqlite3_close (raw);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/store/open-fresh", test_open_fresh);
  ADD ("/store/reopen", test_reopen);
  ADD ("/store/pragmas", test_pragmas);
  ADD ("/store/migrate-from-v1", test_migrate_from_v1);
  ADD ("/store/newer-schema", test_newer_schema);
  ADD ("/store/not-a-database", test_not_a_database);
  ADD ("/store/audit", test_audit);
  ADD ("/store/attendance", test_attendance);
  ADD ("/store/disk-full", test_disk_full);

#undef ADD

  return g_test_run ();
}
