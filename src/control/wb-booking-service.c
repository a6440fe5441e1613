/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbBookingService: the booking rules on top of the store.  See
 * wb-booking-service.h for the rules; this file holds the SQL of the
 * bookings, booking_endpoints and idempotency_keys tables.
 */
#define G_LOG_DOMAIN "wardbridge-booking"

#include "control/wb-booking-service.h"

#include <string.h>

struct _WbBookingService {
  GObject parent_instance;

  WbStore  *store;
  WbConfig *config;
  WbClock  *clock;
};

enum {
  SIGNAL_BOOKING_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_TYPE (WbBookingService, wb_booking_service, G_TYPE_OBJECT)

G_DEFINE_QUARK (wb-booking-error-quark, wb_booking_error)

static void
wb_booking_service_finalize (GObject *object)
{
  WbBookingService *self = WB_BOOKING_SERVICE (object);

  g_clear_object (&self->store);
  g_clear_pointer (&self->config, wb_config_unref);
  g_clear_object (&self->clock);

  G_OBJECT_CLASS (wb_booking_service_parent_class)->finalize (object);
}

static void
wb_booking_service_class_init (WbBookingServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = wb_booking_service_finalize;

  signals[SIGNAL_BOOKING_CHANGED] =
    g_signal_new ("booking-changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2,
                  WB_TYPE_BOOKING | G_SIGNAL_TYPE_STATIC_SCOPE,
                  G_TYPE_INT);
}

static void
wb_booking_service_init (WbBookingService *self)
{
}

WbBookingService *
wb_booking_service_new (WbStore  *store,
                        WbConfig *config,
                        WbClock  *clock)
{
  WbBookingService *self;

  g_return_val_if_fail (WB_IS_STORE (store), NULL);
  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (WB_IS_CLOCK (clock), NULL);

  self = g_object_new (WB_TYPE_BOOKING_SERVICE, NULL);
  self->store = g_object_ref (store);
  self->config = wb_config_ref (config);
  self->clock = g_object_ref (clock);
  return self;
}

WbStore *
wb_booking_service_get_store (WbBookingService *self)
{
  g_return_val_if_fail (WB_IS_BOOKING_SERVICE (self), NULL);

  return self->store;
}

WbClock *
wb_booking_service_get_clock (WbBookingService *self)
{
  g_return_val_if_fail (WB_IS_BOOKING_SERVICE (self), NULL);

  return self->clock;
}

WbConfig *
wb_booking_service_get_config (WbBookingService *self)
{
  g_return_val_if_fail (WB_IS_BOOKING_SERVICE (self), NULL);

  return self->config;
}

void
wb_booking_service_set_config (WbBookingService *self,
                               WbConfig         *config)
{
  g_return_if_fail (WB_IS_BOOKING_SERVICE (self));
  g_return_if_fail (config != NULL);

  wb_config_ref (config);
  g_clear_pointer (&self->config, wb_config_unref);
  self->config = config;
}

void
wb_booking_answer_free (WbBookingAnswer *answer)
{
  if (answer == NULL)
    return;
  g_free (answer->body);
  g_clear_pointer (&answer->booking, wb_booking_unref);
  g_free (answer);
}

static void
emit_changed (WbBookingService *self,
              WbBooking        *booking,
              WbBookingChange   change)
{
  g_signal_emit (self, signals[SIGNAL_BOOKING_CHANGED], 0, booking, (int) change);
}

/* ---- Transactions -------------------------------------------------------- */

/* Rolls back on scope exit unless committed. */
typedef struct {
  WbStore  *store;
  gboolean  open;
} Transaction;

static void
transaction_clear (Transaction *txn)
{
  if (txn->open)
    wb_store_rollback (txn->store);
  txn->open = FALSE;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Transaction, transaction_clear)

static gboolean
transaction_begin (Transaction  *txn,
                   GError      **error)
{
  txn->open = wb_store_begin (txn->store, error);
  return txn->open;
}

static gboolean
transaction_commit (Transaction  *txn,
                    GError      **error)
{
  txn->open = FALSE;   /* a failed COMMIT has rolled back already */
  return wb_store_commit (txn->store, error);
}

/* ---- Rows ------------------------------------------------------------------ */

#define BOOKING_COLUMNS \
  "id, title, start_us, end_us, all_endpoints, layout, record, status," \
  " conference_id, created_us, updated_us, created_by"

static gboolean
load_endpoints (WbBookingService  *self,
                WbBooking         *booking,
                GError           **error)
{
  g_autoptr(WbStoreStmt) stmt = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_null_terminated (8, g_free, TRUE);
  int rc;

  stmt = wb_store_prepare (self->store,
                           "SELECT endpoint_id FROM booking_endpoints"
                           " WHERE booking_id = ?1 ORDER BY endpoint_id",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, booking->id, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  if (rc != SQLITE_DONE)
    return wb_store_set_error (self->store, rc, "Cannot read the wards of a booking", error);

  g_strfreev (booking->endpoints);
  booking->endpoints = (GStrv) g_ptr_array_steal (ids, NULL);
  return TRUE;
}

/* Reads the current row of @stmt (BOOKING_COLUMNS) and its wards. */
static WbBooking *
booking_from_row (WbBookingService  *self,
                  sqlite3_stmt      *stmt,
                  GError           **error)
{
  g_autoptr(WbBooking) booking = wb_booking_new ();
  const char *layout = (const char *) sqlite3_column_text (stmt, 5);
  const char *status = (const char *) sqlite3_column_text (stmt, 7);

  booking->id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  booking->title = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
  booking->start_us = sqlite3_column_int64 (stmt, 2);
  booking->end_us = sqlite3_column_int64 (stmt, 3);
  booking->all_endpoints = sqlite3_column_int (stmt, 4) != 0;
  booking->record = sqlite3_column_int (stmt, 6) != 0;
  booking->conference_id = g_strdup ((const char *) sqlite3_column_text (stmt, 8));
  booking->created_us = sqlite3_column_int64 (stmt, 9);
  booking->updated_us = sqlite3_column_int64 (stmt, 10);
  booking->created_by = g_strdup ((const char *) sqlite3_column_text (stmt, 11));

  if (!wb_layout_kind_from_string (layout, &booking->layout) ||
      !wb_booking_status_from_string (status, &booking->status))
    {
      g_set_error (error, WB_STORE_ERROR, WB_STORE_ERROR_CORRUPT,
                   "Booking “%s” has an unknown layout or status (%s, %s)",
                   booking->id, layout, status);
      return NULL;
    }
  return g_steal_pointer (&booking);
}

static WbBooking *
load_booking (WbBookingService  *self,
              const char        *id,
              GError           **error)
{
  g_autoptr(WbStoreStmt) stmt = NULL;
  g_autoptr(WbBooking) booking = NULL;
  int rc;

  stmt = wb_store_prepare (self->store,
                           "SELECT " BOOKING_COLUMNS " FROM bookings WHERE id = ?1",
                           error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, WB_BOOKING_ERROR, WB_BOOKING_ERROR_NOT_FOUND,
                   "No booking “%s”", id);
      return NULL;
    }
  if (rc != SQLITE_ROW)
    {
      wb_store_set_error (self->store, rc, "Cannot read a booking", error);
      return NULL;
    }
  booking = booking_from_row (self, stmt, error);
  /* Release before the next statement so that no read stays open. */
  g_clear_pointer (&stmt, wb_store_stmt_release);
  if (booking == NULL || !load_endpoints (self, booking, error))
    return NULL;
  return g_steal_pointer (&booking);
}

static gboolean
insert_endpoints (WbBookingService  *self,
                  const WbBooking   *booking,
                  GError           **error)
{
  for (guint i = 0; booking->endpoints[i] != NULL; i++)
    {
      g_autoptr(WbStoreStmt) stmt = NULL;
      int rc;

      stmt = wb_store_prepare (self->store,
                               "INSERT INTO booking_endpoints (booking_id, endpoint_id)"
                               " VALUES (?1, ?2)",
                               error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, booking->id, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 2, booking->endpoints[i], -1, SQLITE_TRANSIENT);
      rc = sqlite3_step (stmt);
      if (rc != SQLITE_DONE)
        return wb_store_set_error (self->store, rc, "Cannot store the wards of a booking", error);
    }
  return TRUE;
}

static gboolean
insert_booking (WbBookingService  *self,
                const WbBooking   *booking,
                GError           **error)
{
  g_autoptr(WbStoreStmt) stmt = NULL;
  int rc;

  stmt = wb_store_prepare (self->store,
                           "INSERT INTO bookings (" BOOKING_COLUMNS ")"
                           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, booking->id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, booking->title, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 3, booking->start_us);
  sqlite3_bind_int64 (stmt, 4, booking->end_us);
  sqlite3_bind_int (stmt, 5, booking->all_endpoints ? 1 : 0);
  sqlite3_bind_text (stmt, 6, wb_layout_kind_to_string (booking->layout), -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 7, booking->record ? 1 : 0);
  sqlite3_bind_text (stmt, 8, wb_booking_status_to_string (booking->status), -1, SQLITE_STATIC);
  if (booking->conference_id != NULL)
    sqlite3_bind_text (stmt, 9, booking->conference_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 10, booking->created_us);
  sqlite3_bind_int64 (stmt, 11, booking->updated_us);
  sqlite3_bind_text (stmt, 12, booking->created_by, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_DONE)
    return wb_store_set_error (self->store, rc, "Cannot store the booking", error);
  g_clear_pointer (&stmt, wb_store_stmt_release);

  return insert_endpoints (self, booking, error);
}

/* Writes every column but id and created_*; rewrites the wards when
 * @endpoints_changed. */
static gboolean
update_booking (WbBookingService  *self,
                const WbBooking   *booking,
                gboolean           endpoints_changed,
                GError           **error)
{
  g_autoptr(WbStoreStmt) stmt = NULL;
  int rc;

  stmt = wb_store_prepare (self->store,
                           "UPDATE bookings SET title = ?2, start_us = ?3, end_us = ?4,"
                           " all_endpoints = ?5, layout = ?6, record = ?7, status = ?8,"
                           " conference_id = ?9, updated_us = ?10 WHERE id = ?1",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, booking->id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, booking->title, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 3, booking->start_us);
  sqlite3_bind_int64 (stmt, 4, booking->end_us);
  sqlite3_bind_int (stmt, 5, booking->all_endpoints ? 1 : 0);
  sqlite3_bind_text (stmt, 6, wb_layout_kind_to_string (booking->layout), -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 7, booking->record ? 1 : 0);
  sqlite3_bind_text (stmt, 8, wb_booking_status_to_string (booking->status), -1, SQLITE_STATIC);
  if (booking->conference_id != NULL)
    sqlite3_bind_text (stmt, 9, booking->conference_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 10, booking->updated_us);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_DONE)
    return wb_store_set_error (self->store, rc, "Cannot update the booking", error);
  g_clear_pointer (&stmt, wb_store_stmt_release);

  if (!endpoints_changed)
    return TRUE;

  stmt = wb_store_prepare (self->store,
                           "DELETE FROM booking_endpoints WHERE booking_id = ?1",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, booking->id, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_DONE)
    return wb_store_set_error (self->store, rc, "Cannot update the wards of a booking", error);
  g_clear_pointer (&stmt, wb_store_stmt_release);

  return insert_endpoints (self, booking, error);
}

/* ---- Conflicts ------------------------------------------------------------- */

/* Adds to @issues every active booking other than @exclude_id that overlaps
 * [@start_us, @end_us) and shares a ward with @endpoints.  Returns FALSE only
 * on a store error. */
static gboolean
find_conflicts (WbBookingService  *self,
                gint64             start_us,
                gint64             end_us,
                GStrv              endpoints,
                const char        *exclude_id,
                WbBookingIssues   *issues,
                GError           **error)
{
  g_autoptr(WbStoreStmt) stmt = NULL;
  g_autoptr(GHashTable) wanted = g_hash_table_new (g_str_hash, g_str_equal);
  WbBookingConflict *current = NULL;
  GPtrArray *shared = NULL;
  int rc;

  for (guint i = 0; endpoints[i] != NULL; i++)
    g_hash_table_add (wanted, endpoints[i]);

  /* Half-open slots: touching ends (a.end == b.start) do not overlap. */
  stmt = wb_store_prepare (self->store,
                           "SELECT b.id, b.title, b.start_us, b.end_us, e.endpoint_id"
                           " FROM bookings AS b"
                           " JOIN booking_endpoints AS e ON e.booking_id = b.id"
                           " WHERE b.status IN ('scheduled', 'running')"
                           " AND b.start_us < ?2 AND b.end_us > ?1"
                           " AND b.id IS NOT ?3"
                           " ORDER BY b.start_us, b.id, e.endpoint_id",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, start_us);
  sqlite3_bind_int64 (stmt, 2, end_us);
  if (exclude_id != NULL)
    sqlite3_bind_text (stmt, 3, exclude_id, -1, SQLITE_TRANSIENT);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *id = (const char *) sqlite3_column_text (stmt, 0);
      const char *endpoint = (const char *) sqlite3_column_text (stmt, 4);

      if (!g_hash_table_contains (wanted, endpoint))
        continue;

      if (current == NULL || g_strcmp0 (current->booking_id, id) != 0)
        {
          if (current != NULL)
            {
              g_ptr_array_add (shared, NULL);
              current->endpoints = (GStrv) g_ptr_array_free (shared, FALSE);
            }
          current = g_new0 (WbBookingConflict, 1);
          current->booking_id = g_strdup (id);
          current->title = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
          current->start_us = sqlite3_column_int64 (stmt, 2);
          current->end_us = sqlite3_column_int64 (stmt, 3);
          shared = g_ptr_array_new ();
          g_ptr_array_add (issues->conflicts, current);
        }
      g_ptr_array_add (shared, g_strdup (endpoint));
    }
  if (current != NULL)
    {
      /* Rows come ordered by ward id, so the list is sorted already. */
      g_ptr_array_add (shared, NULL);
      current->endpoints = (GStrv) g_ptr_array_free (shared, FALSE);
    }
  if (rc != SQLITE_DONE)
    return wb_store_set_error (self->store, rc, "Cannot check for conflicts", error);
  return TRUE;
}

static void
set_issues_error (WbBookingIssues  *found,
                  WbBookingIssues **issues,
                  GError          **error)
{
  if (found->errors->len > 0)
    {
      const WbFieldError *first = g_ptr_array_index (found->errors, 0);

      g_set_error (error, WB_BOOKING_ERROR, WB_BOOKING_ERROR_INVALID,
                   "Invalid booking: %s%s%s%s", first->field,
                   first->field[0] != '\0' ? " " : "", first->message,
                   found->errors->len > 1 ? " (and more)" : "");
    }
  else
    {
      const WbBookingConflict *first = g_ptr_array_index (found->conflicts, 0);

      g_set_error (error, WB_BOOKING_ERROR, WB_BOOKING_ERROR_CONFLICT,
                   "The slot clashes with booking “%s”%s", first->booking_id,
                   found->conflicts->len > 1 ? " and others" : "");
    }
  if (issues != NULL)
    *issues = found;
  else
    wb_booking_issues_free (found);
}

/* ---- Create ---------------------------------------------------------------- */

/* A stored idempotency key: what the first POST with it asked and got. */
typedef struct {
  char  *request_hash;
  guint  status;
  char  *body;
  char  *booking_id;
} IdempotencyRecord;

static void
idempotency_record_free (IdempotencyRecord *record)
{
  g_free (record->request_hash);
  g_free (record->body);
  g_free (record->booking_id);
  g_free (record);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IdempotencyRecord, idempotency_record_free)

/* Looks up a live idempotency key, after dropping the expired ones.
 * Returns FALSE on a store error; *record is NULL when the key is new. */
static gboolean
lookup_idempotency_key (WbBookingService   *self,
                        const char         *actor_id,
                        const char         *key,
                        gint64              now_us,
                        IdempotencyRecord **record,
                        GError            **error)
{
  g_autoptr(WbStoreStmt) purge = NULL;
  g_autoptr(WbStoreStmt) stmt = NULL;
  int rc;

  purge = wb_store_prepare (self->store,
                            "DELETE FROM idempotency_keys WHERE created_us < ?1",
                            error);
  if (purge == NULL)
    return FALSE;
  sqlite3_bind_int64 (purge, 1, now_us - WB_BOOKING_IDEMPOTENCY_TTL_US);
  rc = sqlite3_step (purge);
  if (rc != SQLITE_DONE)
    return wb_store_set_error (self->store, rc, "Cannot expire idempotency keys", error);

  stmt = wb_store_prepare (self->store,
                           "SELECT request_hash, status, body, booking_id"
                           " FROM idempotency_keys WHERE actor_id = ?1 AND key = ?2",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, actor_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, key, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      *record = NULL;
      return TRUE;
    }
  if (rc != SQLITE_ROW)
    return wb_store_set_error (self->store, rc, "Cannot read an idempotency key", error);

  *record = g_new0 (IdempotencyRecord, 1);
  (*record)->request_hash = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  (*record)->status = (guint) sqlite3_column_int (stmt, 1);
  (*record)->body = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
  (*record)->booking_id = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
  return TRUE;
}

static gboolean
store_idempotency_key (WbBookingService  *self,
                       const char        *actor_id,
                       const char        *key,
                       const char        *request_hash,
                       const char        *booking_id,
                       guint              status,
                       const char        *body,
                       gint64             now_us,
                       GError           **error)
{
  g_autoptr(WbStoreStmt) stmt = NULL;
  int rc;

  stmt = wb_store_prepare (self->store,
                           "INSERT INTO idempotency_keys (actor_id, key, request_hash,"
                           " booking_id, status, body, created_us)"
                           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, actor_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, key, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, request_hash, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 4, booking_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 5, (int) status);
  sqlite3_bind_text (stmt, 6, body, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 7, now_us);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_DONE)
    return wb_store_set_error (self->store, rc, "Cannot store the idempotency key", error);
  return TRUE;
}

WbBookingAnswer *
wb_booking_service_create (WbBookingService  *self,
                           JsonNode          *body,
                           const WbActor     *actor,
                           const char        *idempotency_key,
                           WbBookingIssues  **issues,
                           GError           **error)
{
  g_autoptr(WbBookingIssues) found = wb_booking_issues_new ();
  g_autoptr(WbBookingRequest) request = NULL;
  g_autoptr(WbBooking) booking = NULL;
  g_autoptr(WbBookingAnswer) answer = NULL;
  g_autoptr(JsonNode) json = NULL;
  g_autofree char *digest = NULL;
  g_auto(Transaction) txn = { self->store, FALSE };
  gint64 now_us;

  g_return_val_if_fail (WB_IS_BOOKING_SERVICE (self), NULL);
  g_return_val_if_fail (actor != NULL && actor->id != NULL, NULL);
  g_return_val_if_fail (issues == NULL || *issues == NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  now_us = wb_clock_now (self->clock);

  if (idempotency_key != NULL &&
      (idempotency_key[0] == '\0' || strlen (idempotency_key) > WB_BOOKING_IDEMPOTENCY_KEY_MAX))
    wb_booking_issues_add_error (found, "",
                                 "the Idempotency-Key header must be 1 to %d bytes long",
                                 WB_BOOKING_IDEMPOTENCY_KEY_MAX);

  request = wb_booking_request_parse (body, self->config, FALSE, found);
  if (found->errors->len > 0)
    {
      set_issues_error (g_steal_pointer (&found), issues, error);
      return NULL;
    }

  digest = wb_booking_request_digest (request);

  if (!transaction_begin (&txn, error))
    return NULL;

  if (idempotency_key != NULL)
    {
      g_autoptr(IdempotencyRecord) stored = NULL;

      if (!lookup_idempotency_key (self, actor->id, idempotency_key, now_us,
                                   &stored, error))
        return NULL;

      if (stored != NULL)
        {
          if (g_strcmp0 (stored->request_hash, digest) != 0)
            {
              g_set_error (error, WB_BOOKING_ERROR, WB_BOOKING_ERROR_IDEMPOTENCY_MISMATCH,
                           "Idempotency key “%s” was used before with a different request",
                           idempotency_key);
              return NULL;
            }
          answer = g_new0 (WbBookingAnswer, 1);
          answer->booking = load_booking (self, stored->booking_id, error);
          if (answer->booking == NULL)
            return NULL;
          answer->status = stored->status;
          answer->body = g_steal_pointer (&stored->body);
          answer->replayed = TRUE;
          /* The expiry purge may have written: keep it. */
          if (!transaction_commit (&txn, error))
            return NULL;
          return g_steal_pointer (&answer);
        }
    }

  /* Checked after the key, so that a late retry still gets its answer. */
  if (request->end_us <= now_us)
    {
      wb_booking_issues_add_error (found, "end", "is in the past");
      set_issues_error (g_steal_pointer (&found), issues, error);
      return NULL;
    }

  if (!find_conflicts (self, request->start_us, request->end_us,
                       request->endpoints, NULL, found, error))
    return NULL;
  if (found->conflicts->len > 0)
    {
      set_issues_error (g_steal_pointer (&found), issues, error);
      return NULL;
    }

  booking = wb_booking_new ();
  booking->id = g_uuid_string_random ();
  booking->title = g_strdup (request->title);
  booking->start_us = request->start_us;
  booking->end_us = request->end_us;
  booking->all_endpoints = request->all_endpoints;
  booking->endpoints = g_strdupv (request->endpoints);
  booking->layout = request->layout;
  booking->record = request->record;
  booking->status = WB_BOOKING_STATUS_SCHEDULED;
  booking->created_us = now_us;
  booking->updated_us = now_us;
  booking->created_by = g_strdup (actor->id);

  if (!insert_booking (self, booking, error))
    return NULL;

  answer = g_new0 (WbBookingAnswer, 1);
  answer->status = 201;
  json = wb_booking_to_json (booking);
  answer->body = json_to_string (json, FALSE);

  if (idempotency_key != NULL &&
      !store_idempotency_key (self, actor->id, idempotency_key, digest, booking->id,
                              answer->status, answer->body, now_us, error))
    return NULL;

  if (!transaction_commit (&txn, error))
    return NULL;

  g_debug ("Booked %s “%s” for %s", booking->id, booking->title, actor->id);
  answer->booking = wb_booking_ref (booking);
  emit_changed (self, booking, WB_BOOKING_CHANGE_CREATED);
  return g_steal_pointer (&answer);
}

/* ---- Read ------------------------------------------------------------------ */

WbBooking *
wb_booking_service_get (WbBookingService  *self,
                        const char        *id,
                        GError           **error)
{
  g_return_val_if_fail (WB_IS_BOOKING_SERVICE (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  return load_booking (self, id, error);
}

GPtrArray *
wb_booking_service_list (WbBookingService  *self,
                         gint64             from_us,
                         gint64             to_us,
                         guint              status_mask,
                         GError           **error)
{
  g_autoptr(WbStoreStmt) stmt = NULL;
  g_autoptr(GPtrArray) bookings = NULL;
  int rc;

  g_return_val_if_fail (WB_IS_BOOKING_SERVICE (self), NULL);

  stmt = wb_store_prepare (self->store,
                           "SELECT " BOOKING_COLUMNS " FROM bookings"
                           " WHERE start_us < ?2 AND end_us > ?1"
                           " ORDER BY start_us, id",
                           error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, from_us);
  sqlite3_bind_int64 (stmt, 2, to_us);

  bookings = g_ptr_array_new_with_free_func ((GDestroyNotify) wb_booking_unref);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      WbBooking *booking = booking_from_row (self, stmt, error);

      if (booking == NULL)
        return NULL;
      if ((status_mask & WB_BOOKING_STATUS_MASK (booking->status)) != 0)
        g_ptr_array_add (bookings, booking);
      else
        wb_booking_unref (booking);
    }
  if (rc != SQLITE_DONE)
    {
      wb_store_set_error (self->store, rc, "Cannot list bookings", error);
      return NULL;
    }
  g_clear_pointer (&stmt, wb_store_stmt_release);

  for (guint i = 0; i < bookings->len; i++)
    {
      if (!load_endpoints (self, g_ptr_array_index (bookings, i), error))
        return NULL;
    }
  return g_steal_pointer (&bookings);
}

/* ---- Update ---------------------------------------------------------------- */

WbBooking *
wb_booking_service_update (WbBookingService  *self,
                           const char        *id,
                           JsonNode          *patch,
                           const WbActor     *actor,
                           WbBookingIssues  **issues,
                           GError           **error)
{
  g_autoptr(WbBookingIssues) found = wb_booking_issues_new ();
  g_autoptr(WbBookingRequest) request = NULL;
  g_autoptr(WbBooking) current = NULL;
  g_autoptr(WbBooking) updated = NULL;
  g_auto(Transaction) txn = { self->store, FALSE };
  gboolean endpoints_changed = FALSE;
  gint64 now_us;

  g_return_val_if_fail (WB_IS_BOOKING_SERVICE (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);
  g_return_val_if_fail (actor != NULL, NULL);
  g_return_val_if_fail (issues == NULL || *issues == NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  now_us = wb_clock_now (self->clock);

  request = wb_booking_request_parse (patch, self->config, TRUE, found);
  if (request == NULL)
    {
      set_issues_error (g_steal_pointer (&found), issues, error);
      return NULL;
    }

  if (!transaction_begin (&txn, error))
    return NULL;

  current = load_booking (self, id, error);
  if (current == NULL)
    return NULL;

  if (current->status != WB_BOOKING_STATUS_SCHEDULED &&
      current->status != WB_BOOKING_STATUS_RUNNING)
    {
      g_set_error (error, WB_BOOKING_ERROR, WB_BOOKING_ERROR_STATE,
                   "Booking “%s” is %s and can no longer change", id,
                   wb_booking_status_to_string (current->status));
      return NULL;
    }

  /* Merge the patch into a copy. */
  updated = wb_booking_new ();
  updated->id = g_strdup (current->id);
  updated->title = g_strdup (request->has_title ? request->title : current->title);
  updated->start_us = request->has_start ? request->start_us : current->start_us;
  updated->end_us = request->has_end ? request->end_us : current->end_us;
  if (request->has_endpoints)
    {
      updated->all_endpoints = request->all_endpoints;
      updated->endpoints = g_strdupv (request->endpoints);
      endpoints_changed = !g_strv_equal ((const char * const *) current->endpoints,
                                         (const char * const *) request->endpoints);
    }
  else
    {
      updated->all_endpoints = current->all_endpoints;
      updated->endpoints = g_strdupv (current->endpoints);
    }
  updated->layout = request->has_layout ? request->layout : current->layout;
  updated->record = request->has_record ? request->record : current->record;
  updated->status = current->status;
  updated->conference_id = g_strdup (current->conference_id);
  updated->created_us = current->created_us;
  updated->updated_us = now_us;
  updated->created_by = g_strdup (current->created_by);

  if (current->status == WB_BOOKING_STATUS_RUNNING)
    {
      if (updated->start_us != current->start_us)
        wb_booking_issues_add_error (found, "start",
                                     "cannot change while the booking is running");
      if (endpoints_changed)
        wb_booking_issues_add_error (found, "endpoints",
                                     "cannot change while the booking is running");
    }
  if (wb_booking_check_slot (updated->start_us, updated->end_us, found) &&
      updated->end_us <= now_us &&
      (request->has_end || request->has_start))
    wb_booking_issues_add_error (found, "end", "is in the past");
  if (found->errors->len > 0)
    {
      set_issues_error (g_steal_pointer (&found), issues, error);
      return NULL;
    }

  if (!find_conflicts (self, updated->start_us, updated->end_us,
                       updated->endpoints, updated->id, found, error))
    return NULL;
  if (found->conflicts->len > 0)
    {
      set_issues_error (g_steal_pointer (&found), issues, error);
      return NULL;
    }

  if (!update_booking (self, updated, endpoints_changed, error) ||
      !transaction_commit (&txn, error))
    return NULL;

  g_debug ("Booking %s changed by %s", updated->id, actor->id);
  emit_changed (self, updated, WB_BOOKING_CHANGE_UPDATED);
  return g_steal_pointer (&updated);
}

/* ---- Status changes -------------------------------------------------------- */

WbBooking *
wb_booking_service_cancel (WbBookingService  *self,
                           const char        *id,
                           const WbActor     *actor,
                           GError           **error)
{
  g_autoptr(WbBooking) booking = NULL;
  g_auto(Transaction) txn = { self->store, FALSE };

  g_return_val_if_fail (WB_IS_BOOKING_SERVICE (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);
  g_return_val_if_fail (actor != NULL, NULL);

  if (!transaction_begin (&txn, error))
    return NULL;

  booking = load_booking (self, id, error);
  if (booking == NULL)
    return NULL;

  if (booking->status == WB_BOOKING_STATUS_CANCELLED)
    return g_steal_pointer (&booking);   /* a repeated DELETE */

  if (booking->status != WB_BOOKING_STATUS_SCHEDULED)
    {
      g_set_error (error, WB_BOOKING_ERROR, WB_BOOKING_ERROR_STATE,
                   booking->status == WB_BOOKING_STATUS_RUNNING ?
                   "Booking “%s” is running: end its conference instead" :
                   "Booking “%s” is %s and can no longer be cancelled",
                   id, wb_booking_status_to_string (booking->status));
      return NULL;
    }

  booking->status = WB_BOOKING_STATUS_CANCELLED;
  booking->updated_us = wb_clock_now (self->clock);
  if (!update_booking (self, booking, FALSE, error) ||
      !transaction_commit (&txn, error))
    return NULL;

  g_debug ("Booking %s cancelled by %s", booking->id, actor->id);
  emit_changed (self, booking, WB_BOOKING_CHANGE_CANCELLED);
  return g_steal_pointer (&booking);
}

WbBooking *
wb_booking_service_set_status (WbBookingService  *self,
                               const char        *id,
                               WbBookingStatus    status,
                               const char        *conference_id,
                               GError           **error)
{
  g_autoptr(WbBooking) booking = NULL;
  g_auto(Transaction) txn = { self->store, FALSE };

  g_return_val_if_fail (WB_IS_BOOKING_SERVICE (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  if (!transaction_begin (&txn, error))
    return NULL;

  booking = load_booking (self, id, error);
  if (booking == NULL)
    return NULL;

  /* Same status: only the conference id may change (a restart). */
  if (booking->status != status &&
      !wb_booking_status_can_change (booking->status, status))
    {
      g_set_error (error, WB_BOOKING_ERROR, WB_BOOKING_ERROR_STATE,
                   "Booking “%s” cannot go from %s to %s", id,
                   wb_booking_status_to_string (booking->status),
                   wb_booking_status_to_string (status));
      return NULL;
    }

  booking->status = status;
  if (conference_id != NULL)
    {
      g_free (booking->conference_id);
      booking->conference_id = g_strdup (conference_id);
    }
  booking->updated_us = wb_clock_now (self->clock);
  if (!update_booking (self, booking, FALSE, error) ||
      !transaction_commit (&txn, error))
    return NULL;

  emit_changed (self, booking,
                status == WB_BOOKING_STATUS_CANCELLED ?
                WB_BOOKING_CHANGE_CANCELLED : WB_BOOKING_CHANGE_UPDATED);
  return g_steal_pointer (&booking);
}
