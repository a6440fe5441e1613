/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helpers shared by the control tests and their helper program: a config
 * with N wards, a temporary state directory, JSON literals and plain SQL
 * reads of the store file through a connection of their own.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "common/wb-config.h"

G_BEGIN_DECLS

/* A valid config with wards "ward-01" .. "ward-NN". */
WbConfig *test_config_new      (guint        n_wards);

/* A fresh directory under the system temporary directory. */
char     *test_tmp_dir_new     (void);
/* Removes the store files and the directory made by test_tmp_dir_new(). */
void      test_tmp_dir_remove  (const char  *dir);

/* Parses @text, which must be valid JSON. */
JsonNode *test_json            (const char  *text);

/* Runs @sql (one row, one column) on its own connection to @path. */
gint64    test_sql_int         (const char  *path,
                                const char  *sql);
char     *test_sql_text        (const char  *path,
                                const char  *sql);

/* Microseconds since the epoch of an RFC 3339 time with offset. */
gint64    test_time            (const char  *rfc3339);

G_END_DECLS
