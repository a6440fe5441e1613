/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbStore: the hub's durable state in one SQLite file (DESIGN.md §6).
 *
 * Owns the database connection, the schema migrations, the cache of prepared
 * statements and the error mapping.  It also holds the small tables that need
 * no model of their own: conferences, attendance, audit.  The bookings tables
 * are read and written by WbBookingService (src/control/) through
 * wb_store_prepare() and the transaction calls below.
 *
 * The daemon owns one WbStore and uses it from the main thread only.  Every
 * write that is acknowledged to a client has committed first: WAL journal,
 * synchronous=FULL.
 */
#pragma once

#include <glib-object.h>
#include <sqlite3.h>

G_BEGIN_DECLS

#define WB_STORE_ERROR (wb_store_error_quark ())
GQuark wb_store_error_quark (void);

typedef enum {
  WB_STORE_ERROR_FAILED,        /* any other SQLite failure */
  WB_STORE_ERROR_FULL,          /* SQLITE_FULL: disk (or page limit) full; nothing was written */
  WB_STORE_ERROR_BUSY,          /* SQLITE_BUSY/LOCKED: another process holds the lock */
  WB_STORE_ERROR_IO,            /* SQLITE_IOERR, SQLITE_CANTOPEN, SQLITE_READONLY, SQLITE_PERM */
  WB_STORE_ERROR_CORRUPT,       /* SQLITE_CORRUPT/NOTADB, or integrity_check failed */
  WB_STORE_ERROR_CONSTRAINT,    /* a UNIQUE/CHECK/FOREIGN KEY constraint refused a row */
  WB_STORE_ERROR_SCHEMA,        /* the file was written by a newer wardbridge */
  WB_STORE_ERROR_NOT_FOUND,     /* no such row */
} WbStoreError;

/* The file name inside the state directory. */
#define WB_STORE_FILE_NAME "wardbridge.db"

#define WB_TYPE_STORE (wb_store_get_type ())
G_DECLARE_FINAL_TYPE (WbStore, wb_store, WB, STORE, GObject)

/* Opens (creating if needed) the database at @path, sets the pragmas and
 * runs every pending migration.  Opening an up-to-date file changes nothing. */
WbStore    *wb_store_open          (const char  *path,
                                    GError     **error);
/* Same, for STATE_DIR/wardbridge.db; creates @state_dir (0750) if missing. */
WbStore    *wb_store_open_in_dir   (const char  *state_dir,
                                    GError     **error);

const char *wb_store_get_path      (WbStore *self);
/* PRAGMA user_version of the open file. */
int         wb_store_get_schema_version (WbStore *self);
/* The version that wb_store_open() migrates to. */
int         wb_store_latest_schema_version (void);

/* PRAGMA integrity_check; FALSE with WB_STORE_ERROR_CORRUPT and the first
 * problems in the message when it is not "ok". */
gboolean    wb_store_check_integrity (WbStore  *self,
                                      GError  **error);

/* ---- Low level, for the model modules and the tests ------------------- */

sqlite3    *wb_store_get_db        (WbStore *self);

/* Runs one or more SQL statements that return no rows. */
gboolean    wb_store_exec          (WbStore     *self,
                                    const char  *sql,
                                    GError     **error);

/* Returns the cached prepared statement for @sql (prepared on first use),
 * reset and with its bindings cleared.  The store keeps ownership; release
 * it after stepping with wb_store_stmt_release(), or declare it as
 * g_autoptr(WbStoreStmt).  Never finalize it. */
typedef sqlite3_stmt WbStoreStmt;
WbStoreStmt *wb_store_prepare      (WbStore     *self,
                                    const char  *sql,
                                    GError     **error);
void         wb_store_stmt_release (WbStoreStmt *stmt);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WbStoreStmt, wb_store_stmt_release)

/* Sets @error from the SQLite result code @rc (and the connection's
 * message), prefixed with @what.  Always returns FALSE. */
gboolean    wb_store_set_error     (WbStore     *self,
                                    int          rc,
                                    const char  *what,
                                    GError     **error);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK.  Transactions do not nest.  A failed
 * commit rolls back, so nothing is half written. */
gboolean    wb_store_begin         (WbStore  *self,
                                    GError  **error);
gboolean    wb_store_commit        (WbStore  *self,
                                    GError  **error);
void        wb_store_rollback      (WbStore  *self);
gboolean    wb_store_in_transaction (WbStore *self);

/* ---- Who acted --------------------------------------------------------- */

/* The caller of a control action, as the API authenticated it.  The token
 * itself is never stored: @id is a stable identity ("admin:0", "ward-07",
 * "scheduler:1", "system:scheduler"), @name a readable one. */
typedef struct {
  const char *role;   /* "admin", "scheduler", "endpoint", "system" */
  const char *id;
  const char *name;   /* may be NULL */
} WbActor;

/* ---- Audit -------------------------------------------------------------- */

typedef struct {
  gint64  id;         /* row id, set by the store */
  gint64  at_us;      /* UTC microseconds since the epoch */
  char   *role;
  char   *actor_id;
  char   *actor_name; /* may be NULL */
  char   *action;     /* "booking.create", "conference.end", ... */
  char   *target;     /* "booking/ID", "conference/ID", ...; may be NULL */
  int     status;     /* result, as an HTTP status (201, 403, 409, ...) */
  char   *detail;     /* may be NULL */
} WbAuditEntry;

void wb_audit_entry_free (WbAuditEntry *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WbAuditEntry, wb_audit_entry_free)

/* Appends one row; @at_us 0 means now.  Returns the row id, or 0 on error. */
gint64     wb_store_append_audit (WbStore       *self,
                                  gint64         at_us,
                                  const WbActor *actor,
                                  const char    *action,
                                  const char    *target,
                                  int            status,
                                  const char    *detail,
                                  GError       **error);

/* Rows with @from_us <= at < @to_us (0: unbounded), newest first, at most
 * @limit (0: 1000) and, when @before_id > 0, only rows with id < @before_id
 * (paging).  Element type WbAuditEntry. */
GPtrArray *wb_store_list_audit   (WbStore  *self,
                                  gint64    from_us,
                                  gint64    to_us,
                                  gint64    before_id,
                                  guint     limit,
                                  GError  **error);

/* ---- Conferences and attendance ---------------------------------------- */

typedef struct {
  char   *id;
  char   *booking_id;   /* NULL for a conference started by hand */
  char   *title;
  gint64  started_us;
  gint64  ended_us;     /* 0 while running */
} WbConferenceRecord;

void wb_conference_record_free (WbConferenceRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WbConferenceRecord, wb_conference_record_free)

/* Records a conference start.  Idempotent on @id: a second call updates
 * the title, sets the booking if it is not NULL, and keeps the first start
 * time (the conference manager and the scheduler may both record it). */
gboolean   wb_store_conference_started (WbStore     *self,
                                        const char  *id,
                                        const char  *booking_id,
                                        const char  *title,
                                        gint64       started_us,
                                        GError     **error);
/* Sets the end time and closes every attendance row still open for it at
 * @ended_us.  A conference already ended keeps its first end time. */
gboolean   wb_store_conference_ended   (WbStore     *self,
                                        const char  *id,
                                        gint64       ended_us,
                                        GError     **error);
/* NULL with WB_STORE_ERROR_NOT_FOUND when unknown. */
WbConferenceRecord *wb_store_get_conference (WbStore     *self,
                                             const char  *id,
                                             GError     **error);

/* A ward joined: opens an attendance row.  If the ward still has an open
 * row in this conference (a join without a leave), that one is kept. */
gboolean   wb_store_attendance_join    (WbStore     *self,
                                        const char  *conference_id,
                                        const char  *endpoint_id,
                                        gint64       joined_us,
                                        GError     **error);
/* A ward left: closes its open row and adds @talk_us of talk time to it.
 * NOT_FOUND if the ward has no open row. */
gboolean   wb_store_attendance_leave   (WbStore     *self,
                                        const char  *conference_id,
                                        const char  *endpoint_id,
                                        gint64       left_us,
                                        gint64       talk_us,
                                        GError     **error);
/* Adds talk time to the ward's open row (for periodic flushes while it is
 * in the conference).  NOT_FOUND if the ward has no open row. */
gboolean   wb_store_attendance_add_talk (WbStore    *self,
                                         const char *conference_id,
                                         const char *endpoint_id,
                                         gint64      talk_us,
                                         GError    **error);

/* One ward's attendance in one conference, all its sessions summed up. */
typedef struct {
  char   *endpoint_id;
  gint64  first_joined_us;
  gint64  last_left_us;   /* 0 while the ward is still in */
  gint64  talk_us;        /* total over all sessions */
  gint64  present_us;     /* time in the conference; open sessions count up to now */
  guint   sessions;       /* number of joins */
} WbAttendance;

void wb_attendance_free (WbAttendance *attendance);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WbAttendance, wb_attendance_free)

/* Per ward, ordered by ward id.  @now_us closes open sessions for
 * present_us (pass the current time).  Element type WbAttendance. */
GPtrArray *wb_store_list_attendance    (WbStore     *self,
                                        const char  *conference_id,
                                        gint64       now_us,
                                        GError     **error);

G_END_DECLS
