/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Typed, NULL-safe reads of JSON object members, for the clients of the
 * HTTP API (the CLI, the ward box agent, the shared client): a member that
 * is absent or of another JSON type reads as "not there", never as a
 * critical.  Owns nothing; the results borrow from @object.
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The string member @name, or NULL.  @object may be NULL. */
const char *wb_json_get_string (JsonObject *object,
                                const char *name);

/* The integer member @name, or @fallback. */
gint64      wb_json_get_int    (JsonObject *object,
                                const char *name,
                                gint64      fallback);

/* The number member @name (integer or not) in @out; FALSE when absent. */
gboolean    wb_json_get_number (JsonObject *object,
                                const char *name,
                                double     *out);

/* The boolean member @name, or @fallback. */
gboolean    wb_json_get_bool   (JsonObject *object,
                                const char *name,
                                gboolean    fallback);

/* The object or array member @name, or NULL. */
JsonObject *wb_json_get_object (JsonObject *object,
                                const char *name);
JsonArray  *wb_json_get_array  (JsonObject *object,
                                const char *name);

G_END_DECLS
