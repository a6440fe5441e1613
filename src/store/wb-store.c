/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbStore: the SQLite store.  See wb-store.h for what it is for and who owns
 * it.  Everything here runs on the main thread; statements are prepared once
 * and cached for the life of the connection.
 */
#define G_LOG_DOMAIN "wardbridge-store"

#include "store/wb-store.h"
#include "store/wb-store-migrations.h"

#include <errno.h>
#include <glib/gstdio.h>

/* How long a writer waits for another process's lock before BUSY. */
#define BUSY_TIMEOUT_MS 5000
/* Integrity problems quoted in an error message at most. */
#define INTEGRITY_LINES_MAX 5

struct _WbStore {
  GObject parent_instance;

  char       *path;
  sqlite3    *db;
  GHashTable *statements;   /* SQL text (owned) -> sqlite3_stmt (finalized on removal) */
};

G_DEFINE_TYPE (WbStore, wb_store, G_TYPE_OBJECT)

G_DEFINE_QUARK (wb-store-error-quark, wb_store_error)

static void
wb_store_finalize (GObject *object)
{
  WbStore *self = WB_STORE (object);

  /* Statements first: a connection with live statements cannot close. */
  g_clear_pointer (&self->statements, g_hash_table_unref);
  if (self->db != NULL)
    {
      if (!sqlite3_get_autocommit (self->db))
        sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
      sqlite3_close_v2 (self->db);
      self->db = NULL;
    }
  g_clear_pointer (&self->path, g_free);

  G_OBJECT_CLASS (wb_store_parent_class)->finalize (object);
}

static void
wb_store_class_init (WbStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = wb_store_finalize;
}

static void
finalize_statement (gpointer data)
{
  sqlite3_finalize (data);
}

static void
wb_store_init (WbStore *self)
{
  self->statements = g_hash_table_new_full (g_str_hash, g_str_equal,
                                            g_free, finalize_statement);
}

static WbStoreError
error_code_from_sqlite (int rc)
{
  switch (rc & 0xff)
    {
    case SQLITE_FULL:
      return WB_STORE_ERROR_FULL;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return WB_STORE_ERROR_BUSY;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      return WB_STORE_ERROR_IO;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return WB_STORE_ERROR_CORRUPT;
    case SQLITE_CONSTRAINT:
      return WB_STORE_ERROR_CONSTRAINT;
    default:
      return WB_STORE_ERROR_FAILED;
    }
}

gboolean
wb_store_set_error (WbStore     *self,
                    int          rc,
                    const char  *what,
                    GError     **error)
{
  const char *detail = NULL;

  /* The connection's message is more precise than the generic text of the
   * code, but only if it belongs to this failure. */
  if (self != NULL && self->db != NULL &&
      (sqlite3_extended_errcode (self->db) & 0xff) == (rc & 0xff))
    detail = sqlite3_errmsg (self->db);
  if (detail == NULL)
    detail = sqlite3_errstr (rc);

  g_set_error (error, WB_STORE_ERROR, error_code_from_sqlite (rc),
               "%s: %s", what, detail);
  return FALSE;
}

sqlite3 *
wb_store_get_db (WbStore *self)
{
  g_return_val_if_fail (WB_IS_STORE (self), NULL);

  return self->db;
}

const char *
wb_store_get_path (WbStore *self)
{
  g_return_val_if_fail (WB_IS_STORE (self), NULL);

  return self->path;
}

WbStoreStmt *
wb_store_prepare (WbStore     *self,
                  const char  *sql,
                  GError     **error)
{
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (WB_IS_STORE (self), NULL);
  g_return_val_if_fail (sql != NULL, NULL);

  stmt = g_hash_table_lookup (self->statements, sql);
  if (stmt != NULL)
    {
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      return stmt;
    }

  rc = sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
                           &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      sqlite3_finalize (stmt);
      wb_store_set_error (self, rc, "Cannot prepare a statement", error);
      return NULL;
    }
  g_hash_table_insert (self->statements, g_strdup (sql), stmt);
  return stmt;
}

void
wb_store_stmt_release (WbStoreStmt *stmt)
{
  if (stmt == NULL)
    return;
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

gboolean
wb_store_exec (WbStore     *self,
               const char  *sql,
               GError     **error)
{
  int rc;

  g_return_val_if_fail (WB_IS_STORE (self), FALSE);

  rc = sqlite3_exec (self->db, sql, NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    return wb_store_set_error (self, rc, "Cannot run SQL", error);
  return TRUE;
}

/* Steps a statement that returns no rows to completion. */
static gboolean
step_done (WbStore      *self,
           sqlite3_stmt *stmt,
           const char   *what,
           GError      **error)
{
  int rc = sqlite3_step (stmt);

  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    return wb_store_set_error (self, rc, what, error);
  return TRUE;
}

static gboolean
exec_cached (WbStore     *self,
             const char  *sql,
             GError     **error)
{
  g_autoptr(WbStoreStmt) stmt = wb_store_prepare (self, sql, error);

  if (stmt == NULL)
    return FALSE;
  return step_done (self, stmt, sql, error);
}

gboolean
wb_store_in_transaction (WbStore *self)
{
  g_return_val_if_fail (WB_IS_STORE (self), FALSE);

  return !sqlite3_get_autocommit (self->db);
}

gboolean
wb_store_begin (WbStore  *self,
                GError  **error)
{
  g_return_val_if_fail (WB_IS_STORE (self), FALSE);
  g_return_val_if_fail (!wb_store_in_transaction (self), FALSE);

  return exec_cached (self, "BEGIN IMMEDIATE", error);
}

gboolean
wb_store_commit (WbStore  *self,
                 GError  **error)
{
  g_return_val_if_fail (WB_IS_STORE (self), FALSE);

  if (!exec_cached (self, "COMMIT", error))
    {
      wb_store_rollback (self);
      return FALSE;
    }
  return TRUE;
}

void
wb_store_rollback (WbStore *self)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (WB_IS_STORE (self));

  /* SQLite may already have rolled back by itself (e.g. after SQLITE_FULL). */
  if (!wb_store_in_transaction (self))
    return;
  if (!exec_cached (self, "ROLLBACK", &error))
    g_warning ("%s: %s", self->path, error->message);
}

/* Runs @func inside a transaction of its own unless the caller already has
 * one open; commits or rolls back accordingly. */
typedef gboolean (*TransactionFunc) (WbStore *self, gpointer data, GError **error);

static gboolean
with_transaction (WbStore          *self,
                  TransactionFunc   func,
                  gpointer          data,
                  GError          **error)
{
  gboolean own = !wb_store_in_transaction (self);

  if (own && !wb_store_begin (self, error))
    return FALSE;
  if (!func (self, data, error))
    {
      if (own)
        wb_store_rollback (self);
      return FALSE;
    }
  if (own && !wb_store_commit (self, error))
    return FALSE;
  return TRUE;
}

/* ---- Opening and migrations --------------------------------------------- */

int
wb_store_latest_schema_version (void)
{
  guint n;

  wb_store_migrations (&n);
  return (int) n;
}

static gboolean
query_int (WbStore     *self,
           const char  *sql,
           int         *out,
           GError     **error)
{
  g_autoptr(WbStoreStmt) stmt = wb_store_prepare (self, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    return wb_store_set_error (self, rc, sql, error);
  *out = sqlite3_column_int (stmt, 0);
  return TRUE;
}

int
wb_store_get_schema_version (WbStore *self)
{
  int version = -1;

  g_return_val_if_fail (WB_IS_STORE (self), -1);

  if (!query_int (self, "PRAGMA user_version", &version, NULL))
    return -1;
  return version;
}

static gboolean
set_pragmas (WbStore  *self,
             GError  **error)
{
  g_autoptr(WbStoreStmt) stmt = NULL;
  const char *mode;
  int rc;

  rc = sqlite3_busy_timeout (self->db, BUSY_TIMEOUT_MS);
  if (rc != SQLITE_OK)
    return wb_store_set_error (self, rc, "Cannot set the busy timeout", error);

  /* journal_mode answers with the mode in force: a file system without
   * shared memory support may refuse WAL, and we do not run without it. */
  stmt = wb_store_prepare (self, "PRAGMA journal_mode = WAL", error);
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    return wb_store_set_error (self, rc, "Cannot switch to the WAL journal", error);
  mode = (const char *) sqlite3_column_text (stmt, 0);
  if (g_strcmp0 (mode, "wal") != 0)
    {
      g_set_error (error, WB_STORE_ERROR, WB_STORE_ERROR_IO,
                   "Cannot switch to the WAL journal: the journal mode stays “%s”",
                   mode != NULL ? mode : "(none)");
      return FALSE;
    }
  g_clear_pointer (&stmt, wb_store_stmt_release);

  return wb_store_exec (self,
                        "PRAGMA synchronous = FULL;"
                        "PRAGMA foreign_keys = ON;",
                        error);
}

static gboolean
migrate (WbStore  *self,
         GError  **error)
{
  const WbStoreMigration *migrations;
  guint n_migrations;
  int version;

  migrations = wb_store_migrations (&n_migrations);

  /* Read the version inside the write transaction, so that two processes
   * opening a fresh file at once cannot both migrate it. */
  if (!wb_store_begin (self, error))
    return FALSE;
  if (!query_int (self, "PRAGMA user_version", &version, error))
    goto fail;

  if (version < 0 || version > (int) n_migrations)
    {
      g_set_error (error, WB_STORE_ERROR, WB_STORE_ERROR_SCHEMA,
                   "Schema version %d is newer than this wardbridge knows (%u)",
                   version, n_migrations);
      goto fail;
    }

  for (guint i = (guint) version; i < n_migrations; i++)
    {
      g_autofree char *set_version = NULL;

      g_debug ("%s: migration %u (%s)", self->path, i + 1, migrations[i].name);
      if (!wb_store_exec (self, migrations[i].sql, error))
        {
          g_prefix_error (error, "Migration %u (%s) failed: ", i + 1,
                          migrations[i].name);
          goto fail;
        }
      /* user_version is part of the transaction: a crash leaves the file at
       * the previous version with none of this migration applied. */
      set_version = g_strdup_printf ("PRAGMA user_version = %u", i + 1);
      if (!wb_store_exec (self, set_version, error))
        goto fail;
    }

  return wb_store_commit (self, error);

fail:
  wb_store_rollback (self);
  return FALSE;
}

WbStore *
wb_store_open (const char  *path,
               GError     **error)
{
  g_autoptr(WbStore) self = NULL;
  int rc;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (WB_TYPE_STORE, NULL);
  self->path = g_strdup (path);

  rc = sqlite3_open_v2 (path, &self->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                        SQLITE_OPEN_NOMUTEX,
                        NULL);
  if (rc != SQLITE_OK)
    {
      wb_store_set_error (self, rc, "Cannot open the store", error);
      g_prefix_error (error, "%s: ", path);
      return NULL;
    }
  sqlite3_extended_result_codes (self->db, 1);

  if (!set_pragmas (self, error) || !migrate (self, error))
    {
      g_prefix_error (error, "%s: ", path);
      return NULL;
    }

  return g_steal_pointer (&self);
}

WbStore *
wb_store_open_in_dir (const char  *state_dir,
                      GError     **error)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (state_dir != NULL, NULL);

  if (g_mkdir_with_parents (state_dir, 0750) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, WB_STORE_ERROR, WB_STORE_ERROR_IO,
                   "Cannot create the state directory %s: %s",
                   state_dir, g_strerror (saved_errno));
      return NULL;
    }

  path = g_build_filename (state_dir, WB_STORE_FILE_NAME, NULL);
  return wb_store_open (path, error);
}

gboolean
wb_store_check_integrity (WbStore  *self,
                          GError  **error)
{
  g_autoptr(WbStoreStmt) stmt = NULL;
  g_autoptr(GString) problems = g_string_new (NULL);
  guint n_problems = 0;
  int rc;

  g_return_val_if_fail (WB_IS_STORE (self), FALSE);

  stmt = wb_store_prepare (self, "PRAGMA integrity_check", error);
  if (stmt == NULL)
    return FALSE;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *line = (const char *) sqlite3_column_text (stmt, 0);

      if (g_strcmp0 (line, "ok") == 0)
        continue;
      if (n_problems++ < INTEGRITY_LINES_MAX)
        g_string_append_printf (problems, "%s%s", problems->len > 0 ? "; " : "",
                                line != NULL ? line : "?");
    }
  if (rc != SQLITE_DONE)
    return wb_store_set_error (self, rc, "integrity_check", error);

  if (n_problems > 0)
    {
      g_set_error (error, WB_STORE_ERROR, WB_STORE_ERROR_CORRUPT,
                   "%s: integrity check found %u problem(s): %s",
                   self->path, n_problems, problems->str);
      return FALSE;
    }
  return TRUE;
}

/* ---- Helpers for rows ---------------------------------------------------- */

static void
bind_text_or_null (sqlite3_stmt *stmt,
                   int           index,
                   const char   *text)
{
  if (text != NULL)
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, index);
}

static char *
column_strdup (sqlite3_stmt *stmt,
               int           column)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
}

/* ---- Audit ----------------------------------------------------------------- */

void
wb_audit_entry_free (WbAuditEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->role);
  g_free (entry->actor_id);
  g_free (entry->actor_name);
  g_free (entry->action);
  g_free (entry->target);
  g_free (entry->detail);
  g_free (entry);
}

gint64
wb_store_append_audit (WbStore       *self,
                       gint64         at_us,
                       const WbActor *actor,
                       const char    *action,
                       const char    *target,
                       int            status,
                       const char    *detail,
                       GError       **error)
{
  g_autoptr(WbStoreStmt) stmt = NULL;

  g_return_val_if_fail (WB_IS_STORE (self), 0);
  g_return_val_if_fail (actor != NULL && actor->role != NULL && actor->id != NULL, 0);
  g_return_val_if_fail (action != NULL, 0);

  stmt = wb_store_prepare (self,
                           "INSERT INTO audit (at_us, role, actor_id, actor_name,"
                           " action, target, status, detail)"
                           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                           error);
  if (stmt == NULL)
    return 0;

  sqlite3_bind_int64 (stmt, 1, at_us != 0 ? at_us : g_get_real_time ());
  sqlite3_bind_text (stmt, 2, actor->role, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, actor->id, -1, SQLITE_TRANSIENT);
  bind_text_or_null (stmt, 4, actor->name);
  sqlite3_bind_text (stmt, 5, action, -1, SQLITE_TRANSIENT);
  bind_text_or_null (stmt, 6, target);
  sqlite3_bind_int (stmt, 7, status);
  bind_text_or_null (stmt, 8, detail);

  if (!step_done (self, stmt, "Cannot append to the audit log", error))
    return 0;
  return sqlite3_last_insert_rowid (self->db);
}

GPtrArray *
wb_store_list_audit (WbStore  *self,
                     gint64    from_us,
                     gint64    to_us,
                     gint64    before_id,
                     guint     limit,
                     GError  **error)
{
  g_autoptr(WbStoreStmt) stmt = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  int rc;

  g_return_val_if_fail (WB_IS_STORE (self), NULL);

  stmt = wb_store_prepare (self,
                           "SELECT id, at_us, role, actor_id, actor_name, action,"
                           " target, status, detail FROM audit"
                           " WHERE at_us >= ?1 AND at_us < ?2 AND id < ?3"
                           " ORDER BY id DESC LIMIT ?4",
                           error);
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_int64 (stmt, 1, from_us != 0 ? from_us : G_MININT64);
  sqlite3_bind_int64 (stmt, 2, to_us != 0 ? to_us : G_MAXINT64);
  sqlite3_bind_int64 (stmt, 3, before_id > 0 ? before_id : G_MAXINT64);
  sqlite3_bind_int64 (stmt, 4, limit != 0 ? limit : 1000);

  entries = g_ptr_array_new_with_free_func ((GDestroyNotify) wb_audit_entry_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      WbAuditEntry *entry = g_new0 (WbAuditEntry, 1);

      entry->id = sqlite3_column_int64 (stmt, 0);
      entry->at_us = sqlite3_column_int64 (stmt, 1);
      entry->role = column_strdup (stmt, 2);
      entry->actor_id = column_strdup (stmt, 3);
      entry->actor_name = column_strdup (stmt, 4);
      entry->action = column_strdup (stmt, 5);
      entry->target = column_strdup (stmt, 6);
      entry->status = sqlite3_column_int (stmt, 7);
      entry->detail = column_strdup (stmt, 8);
      g_ptr_array_add (entries, entry);
    }
  if (rc != SQLITE_DONE)
    {
      wb_store_set_error (self, rc, "Cannot read the audit log", error);
      return NULL;
    }
  return g_steal_pointer (&entries);
}

/* ---- Conferences ----------------------------------------------------------- */

void
wb_conference_record_free (WbConferenceRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->id);
  g_free (record->booking_id);
  g_free (record->title);
  g_free (record);
}

gboolean
wb_store_conference_started (WbStore     *self,
                             const char  *id,
                             const char  *booking_id,
                             const char  *title,
                             gint64       started_us,
                             GError     **error)
{
  g_autoptr(WbStoreStmt) stmt = NULL;

  g_return_val_if_fail (WB_IS_STORE (self), FALSE);
  g_return_val_if_fail (id != NULL && title != NULL, FALSE);

  stmt = wb_store_prepare (self,
                           "INSERT INTO conferences (id, booking_id, title, started_us)"
                           " VALUES (?1, ?2, ?3, ?4)"
                           " ON CONFLICT (id) DO UPDATE SET"
                           " booking_id = coalesce (excluded.booking_id, booking_id),"
                           " title = excluded.title",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  bind_text_or_null (stmt, 2, booking_id);
  sqlite3_bind_text (stmt, 3, title, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 4, started_us);
  return step_done (self, stmt, "Cannot record the conference", error);
}

typedef struct {
  const char *id;
  gint64      ended_us;
} ConferenceEnd;

static gboolean
conference_ended_in_transaction (WbStore  *self,
                                 gpointer  data,
                                 GError  **error)
{
  ConferenceEnd *end = data;
  g_autoptr(WbStoreStmt) exists = NULL;
  g_autoptr(WbStoreStmt) update = NULL;
  g_autoptr(WbStoreStmt) close_rows = NULL;
  int rc;

  exists = wb_store_prepare (self, "SELECT 1 FROM conferences WHERE id = ?1", error);
  if (exists == NULL)
    return FALSE;
  sqlite3_bind_text (exists, 1, end->id, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (exists);
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, WB_STORE_ERROR, WB_STORE_ERROR_NOT_FOUND,
                   "No conference “%s” in the store", end->id);
      return FALSE;
    }
  if (rc != SQLITE_ROW)
    return wb_store_set_error (self, rc, "Cannot read the conference", error);

  update = wb_store_prepare (self,
                             "UPDATE conferences SET ended_us = ?2"
                             " WHERE id = ?1 AND ended_us IS NULL",
                             error);
  if (update == NULL)
    return FALSE;
  sqlite3_bind_text (update, 1, end->id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (update, 2, end->ended_us);
  if (!step_done (self, update, "Cannot record the conference end", error))
    return FALSE;

  close_rows = wb_store_prepare (self,
                                 "UPDATE attendance SET left_us = max(?2, joined_us)"
                                 " WHERE conference_id = ?1 AND left_us IS NULL",
                                 error);
  if (close_rows == NULL)
    return FALSE;
  sqlite3_bind_text (close_rows, 1, end->id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (close_rows, 2, end->ended_us);
  return step_done (self, close_rows, "Cannot close the attendance", error);
}

gboolean
wb_store_conference_ended (WbStore     *self,
                           const char  *id,
                           gint64       ended_us,
                           GError     **error)
{
  ConferenceEnd end = { id, ended_us };

  g_return_val_if_fail (WB_IS_STORE (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);

  return with_transaction (self, conference_ended_in_transaction, &end, error);
}

WbConferenceRecord *
wb_store_get_conference (WbStore     *self,
                         const char  *id,
                         GError     **error)
{
  g_autoptr(WbStoreStmt) stmt = NULL;
  WbConferenceRecord *record;
  int rc;

  g_return_val_if_fail (WB_IS_STORE (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  stmt = wb_store_prepare (self,
                           "SELECT id, booking_id, title, started_us, ended_us"
                           " FROM conferences WHERE id = ?1",
                           error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, WB_STORE_ERROR, WB_STORE_ERROR_NOT_FOUND,
                   "No conference “%s” in the store", id);
      return NULL;
    }
  if (rc != SQLITE_ROW)
    {
      wb_store_set_error (self, rc, "Cannot read the conference", error);
      return NULL;
    }

  record = g_new0 (WbConferenceRecord, 1);
  record->id = column_strdup (stmt, 0);
  record->booking_id = column_strdup (stmt, 1);
  record->title = column_strdup (stmt, 2);
  record->started_us = sqlite3_column_int64 (stmt, 3);
  record->ended_us = sqlite3_column_int64 (stmt, 4);   /* NULL reads as 0 */
  return record;
}

/* ---- Attendance ------------------------------------------------------------ */

void
wb_attendance_free (WbAttendance *attendance)
{
  if (attendance == NULL)
    return;
  g_free (attendance->endpoint_id);
  g_free (attendance);
}

typedef struct {
  const char *conference_id;
  const char *endpoint_id;
  gint64      at_us;
  gint64      talk_us;
} AttendanceChange;

static gboolean
attendance_join_in_transaction (WbStore  *self,
                                gpointer  data,
                                GError  **error)
{
  AttendanceChange *change = data;
  g_autoptr(WbStoreStmt) open_row = NULL;
  g_autoptr(WbStoreStmt) insert = NULL;
  int rc;

  open_row = wb_store_prepare (self,
                               "SELECT 1 FROM attendance WHERE conference_id = ?1"
                               " AND endpoint_id = ?2 AND left_us IS NULL",
                               error);
  if (open_row == NULL)
    return FALSE;
  sqlite3_bind_text (open_row, 1, change->conference_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (open_row, 2, change->endpoint_id, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (open_row);
  if (rc == SQLITE_ROW)
    return TRUE;   /* a second join without a leave: the session goes on */
  if (rc != SQLITE_DONE)
    return wb_store_set_error (self, rc, "Cannot read the attendance", error);

  insert = wb_store_prepare (self,
                             "INSERT INTO attendance (conference_id, endpoint_id, joined_us)"
                             " VALUES (?1, ?2, ?3)",
                             error);
  if (insert == NULL)
    return FALSE;
  sqlite3_bind_text (insert, 1, change->conference_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (insert, 2, change->endpoint_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (insert, 3, change->at_us);
  return step_done (self, insert, "Cannot record the join", error);
}

gboolean
wb_store_attendance_join (WbStore     *self,
                          const char  *conference_id,
                          const char  *endpoint_id,
                          gint64       joined_us,
                          GError     **error)
{
  AttendanceChange change = { conference_id, endpoint_id, joined_us, 0 };

  g_return_val_if_fail (WB_IS_STORE (self), FALSE);
  g_return_val_if_fail (conference_id != NULL && endpoint_id != NULL, FALSE);

  return with_transaction (self, attendance_join_in_transaction, &change, error);
}

/* Updates the ward's open row; @left_us 0 leaves it open. */
static gboolean
update_open_attendance (WbStore     *self,
                        const char  *conference_id,
                        const char  *endpoint_id,
                        gint64       left_us,
                        gint64       talk_us,
                        GError     **error)
{
  g_autoptr(WbStoreStmt) stmt = NULL;

  g_return_val_if_fail (WB_IS_STORE (self), FALSE);
  g_return_val_if_fail (conference_id != NULL && endpoint_id != NULL, FALSE);
  g_return_val_if_fail (talk_us >= 0, FALSE);

  stmt = wb_store_prepare (self,
                           "UPDATE attendance SET"
                           " left_us = CASE WHEN ?3 = 0 THEN NULL ELSE max(?3, joined_us) END,"
                           " talk_us = talk_us + ?4"
                           " WHERE conference_id = ?1 AND endpoint_id = ?2"
                           " AND left_us IS NULL",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, conference_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, endpoint_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 3, left_us);
  sqlite3_bind_int64 (stmt, 4, talk_us);
  if (!step_done (self, stmt, "Cannot update the attendance", error))
    return FALSE;

  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, WB_STORE_ERROR, WB_STORE_ERROR_NOT_FOUND,
                   "Ward “%s” is not in conference “%s”", endpoint_id, conference_id);
      return FALSE;
    }
  return TRUE;
}

gboolean
wb_store_attendance_leave (WbStore     *self,
                           const char  *conference_id,
                           const char  *endpoint_id,
                           gint64       left_us,
                           gint64       talk_us,
                           GError     **error)
{
  g_return_val_if_fail (left_us != 0, FALSE);

  return update_open_attendance (self, conference_id, endpoint_id,
                                 left_us, talk_us, error);
}

gboolean
wb_store_attendance_add_talk (WbStore    *self,
                              const char *conference_id,
                              const char *endpoint_id,
                              gint64      talk_us,
                              GError    **error)
{
  return update_open_attendance (self, conference_id, endpoint_id,
                                 0, talk_us, error);
}

GPtrArray *
wb_store_list_attendance (WbStore     *self,
                          const char  *conference_id,
                          gint64       now_us,
                          GError     **error)
{
  g_autoptr(WbStoreStmt) stmt = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  int rc;

  g_return_val_if_fail (WB_IS_STORE (self), NULL);
  g_return_val_if_fail (conference_id != NULL, NULL);

  stmt = wb_store_prepare (self,
                           "SELECT endpoint_id, min(joined_us),"
                           " CASE WHEN sum(left_us IS NULL) > 0 THEN 0 ELSE max(left_us) END,"
                           " sum(talk_us),"
                           " sum(max(coalesce(left_us, ?2) - joined_us, 0)),"
                           " count(*)"
                           " FROM attendance WHERE conference_id = ?1"
                           " GROUP BY endpoint_id ORDER BY endpoint_id",
                           error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, conference_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, now_us);

  rows = g_ptr_array_new_with_free_func ((GDestroyNotify) wb_attendance_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      WbAttendance *row = g_new0 (WbAttendance, 1);

      row->endpoint_id = column_strdup (stmt, 0);
      row->first_joined_us = sqlite3_column_int64 (stmt, 1);
      row->last_left_us = sqlite3_column_int64 (stmt, 2);
      row->talk_us = sqlite3_column_int64 (stmt, 3);
      row->present_us = sqlite3_column_int64 (stmt, 4);
      row->sessions = (guint) sqlite3_column_int (stmt, 5);
      g_ptr_array_add (rows, row);
    }
  if (rc != SQLITE_DONE)
    {
      wb_store_set_error (self, rc, "Cannot read the attendance", error);
      return NULL;
    }
  return g_steal_pointer (&rows);
}
