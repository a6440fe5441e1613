/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * RFC 9457 problem details, the one shape of every error the HTTP API
 * answers, and request validation from a table of fields.
 *
 * A problem is {"type","title","status","detail","instance"} plus, where
 * they apply, "errors" (field errors, [{"field","pointer","message"}], the
 * same shape as WbBookingIssues) and "conflicts" (booking clashes).
 * Used by the routes of src/api/; owns nothing.
 */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

#define WB_PROBLEM_CONTENT_TYPE "application/problem+json"
/* Problem types are URNs: urn:wardbridge:problem:<slug> */
#define WB_PROBLEM_TYPE_PREFIX  "urn:wardbridge:problem:"

/* Sets @msg's status and a problem+json body.  @errors and @conflicts are
 * JSON arrays or NULL (transfer full). */
void wb_problem_respond (SoupServerMessage *msg,
                         guint              status,
                         const char        *slug,
                         const char        *detail,
                         JsonNode          *errors,
                         JsonNode          *conflicts);

/* The serialized body, for answers written without SoupServerMessage. */
char *wb_problem_to_string (guint       status,
                            const char *slug,
                            const char *detail,
                            const char *instance,
                            JsonNode   *errors,
                            JsonNode   *conflicts);

/* ---- Validation from a table of fields -------------------------------- */

typedef enum {
  WB_FIELD_STRING,          /* non-empty string */
  WB_FIELD_NULLABLE_STRING, /* string or null */
  WB_FIELD_BOOLEAN,
  WB_FIELD_INTEGER,         /* integral number within [min, max] */
  WB_FIELD_STRING_ARRAY,    /* array of non-empty strings */
  WB_FIELD_ALL_OR_IDS,      /* the string "all" or an array of strings */
} WbFieldType;

typedef struct {
  const char *name;
  WbFieldType type;
  gboolean required;
  gint64 min;               /* WB_FIELD_INTEGER only */
  gint64 max;
} WbFieldSpec;

/* Field errors accumulate here as JSON objects {"field","pointer","message"}. */
typedef struct {
  JsonArray *errors;
} WbFieldErrors;

void      wb_field_errors_init  (WbFieldErrors *fe);
void      wb_field_errors_clear (WbFieldErrors *fe);
void      wb_field_errors_add   (WbFieldErrors *fe,
                                 const char    *field,
                                 const char    *format,
                                 ...) G_GNUC_PRINTF (3, 4);
gboolean  wb_field_errors_empty (const WbFieldErrors *fe);
/* (transfer full) the array node; leaves @fe empty. */
JsonNode *wb_field_errors_steal (WbFieldErrors *fe);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (WbFieldErrors, wb_field_errors_clear)

/* Checks @body against @specs: types, required members, integer ranges and
 * members not in the table.  Adds one error per problem; returns TRUE when
 * none was found. */
gboolean wb_validate_fields (JsonObject        *body,
                             const WbFieldSpec *specs,
                             gsize              n_specs,
                             WbFieldErrors     *errors);

G_END_DECLS
