/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The schema of the store, as an ordered list of migrations.  Migration i
 * (counting from 1) takes a file from PRAGMA user_version i-1 to i.  Never
 * edit a migration that has shipped: append a new one.  Private to WbStore.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  const char *name;   /* for logs and errors */
  const char *sql;    /* one or more statements */
} WbStoreMigration;

const WbStoreMigration *wb_store_migrations (guint *n_migrations);

G_END_DECLS
