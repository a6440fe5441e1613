/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The schema migrations of the store, oldest first.  See
 * wb-store-migrations.h.  All times are INTEGER UTC microseconds since the
 * Unix epoch; booleans are INTEGER 0/1.
 */
#include "store/wb-store-migrations.h"

static const WbStoreMigration migrations[] = {
  {
    "bookings",
    "CREATE TABLE bookings ("
    "  id            TEXT PRIMARY KEY,"
    "  title         TEXT NOT NULL,"
    "  start_us      INTEGER NOT NULL,"
    "  end_us        INTEGER NOT NULL,"
    "  all_endpoints INTEGER NOT NULL DEFAULT 0 CHECK (all_endpoints IN (0, 1)),"
    "  layout        TEXT NOT NULL,"
    "  record        INTEGER NOT NULL DEFAULT 0 CHECK (record IN (0, 1)),"
    "  status        TEXT NOT NULL CHECK (status IN"
    "                  ('scheduled', 'running', 'ended', 'cancelled', 'missed')),"
    "  conference_id TEXT,"
    "  created_us    INTEGER NOT NULL,"
    "  updated_us    INTEGER NOT NULL,"
    "  created_by    TEXT NOT NULL,"
    "  CHECK (end_us > start_us)"
    ");"
    "CREATE INDEX bookings_by_start ON bookings (start_us, end_us);"
    "CREATE INDEX bookings_by_status ON bookings (status, start_us);"
    "CREATE TABLE booking_endpoints ("
    "  booking_id  TEXT NOT NULL REFERENCES bookings (id) ON DELETE CASCADE,"
    "  endpoint_id TEXT NOT NULL,"
    "  PRIMARY KEY (booking_id, endpoint_id)"
    ") WITHOUT ROWID;"
    "CREATE INDEX booking_endpoints_by_endpoint"
    "  ON booking_endpoints (endpoint_id, booking_id);"
  },
  {
    "conferences and attendance",
    "CREATE TABLE conferences ("
    "  id         TEXT PRIMARY KEY,"
    "  booking_id TEXT,"
    "  title      TEXT NOT NULL,"
    "  started_us INTEGER NOT NULL,"
    "  ended_us   INTEGER"
    ");"
    "CREATE INDEX conferences_by_booking ON conferences (booking_id);"
    "CREATE TABLE attendance ("
    "  id            INTEGER PRIMARY KEY,"
    "  conference_id TEXT NOT NULL,"
    "  endpoint_id   TEXT NOT NULL,"
    "  joined_us     INTEGER NOT NULL,"
    "  left_us       INTEGER,"
    "  talk_us       INTEGER NOT NULL DEFAULT 0 CHECK (talk_us >= 0)"
    ");"
    "CREATE INDEX attendance_by_conference"
    "  ON attendance (conference_id, endpoint_id, left_us);"
  },
  {
    "audit",
    "CREATE TABLE audit ("
    "  id         INTEGER PRIMARY KEY,"
    "  at_us      INTEGER NOT NULL,"
    "  role       TEXT NOT NULL,"
    "  actor_id   TEXT NOT NULL,"
    "  actor_name TEXT,"
    "  action     TEXT NOT NULL,"
    "  target     TEXT,"
    "  status     INTEGER NOT NULL,"
    "  detail     TEXT"
    ");"
    "CREATE INDEX audit_by_time ON audit (at_us);"
  },
  {
    "idempotency keys",
    "CREATE TABLE idempotency_keys ("
    "  actor_id     TEXT NOT NULL,"
    "  key          TEXT NOT NULL,"
    "  request_hash TEXT NOT NULL,"
    "  booking_id   TEXT NOT NULL REFERENCES bookings (id) ON DELETE CASCADE,"
    "  status       INTEGER NOT NULL,"
    "  body         TEXT NOT NULL,"
    "  created_us   INTEGER NOT NULL,"
    "  PRIMARY KEY (actor_id, key)"
    ");"
    "CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_us);"
  },
};

const WbStoreMigration *
wb_store_migrations (guint *n_migrations)
{
  *n_migrations = G_N_ELEMENTS (migrations);
  return migrations;
}
