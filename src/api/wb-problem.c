/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Problem details (RFC 9457) and table-driven request validation.
 */
#include "wb-problem.h"

#include <math.h>

static const char *
title_for_status (guint status)
{
  switch (status) {
  case 400: return "Bad Request";
  case 401: return "Unauthorized";
  case 403: return "Forbidden";
  case 404: return "Not Found";
  case 405: return "Method Not Allowed";
  case 409: return "Conflict";
  case 413: return "Content Too Large";
  case 415: return "Unsupported Media Type";
  case 422: return "Unprocessable Content";
  case 429: return "Too Many Requests";
  case 500: return "Internal Server Error";
  case 503: return "Service Unavailable";
  default:  return soup_status_get_phrase (status);
  }
}

char *
wb_problem_to_string (guint       status,
                      const char *slug,
                      const char *detail,
                      const char *instance,
                      JsonNode   *errors,
                      JsonNode   *conflicts)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (JsonNode) errors_owned = errors;
  g_autoptr (JsonNode) conflicts_owned = conflicts;
  g_autofree char *type = g_strconcat (WB_PROBLEM_TYPE_PREFIX, slug, NULL);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, type);
  json_builder_set_member_name (b, "title");
  json_builder_add_string_value (b, title_for_status (status));
  json_builder_set_member_name (b, "status");
  json_builder_add_int_value (b, status);
  json_builder_set_member_name (b, "detail");
  json_builder_add_string_value (b, detail != NULL ? detail : title_for_status (status));
  if (instance != NULL) {
    json_builder_set_member_name (b, "instance");
    json_builder_add_string_value (b, instance);
  }
  if (errors_owned != NULL) {
    json_builder_set_member_name (b, "errors");
    json_builder_add_value (b, g_steal_pointer (&errors_owned));
  }
  if (conflicts_owned != NULL) {
    json_builder_set_member_name (b, "conflicts");
    json_builder_add_value (b, g_steal_pointer (&conflicts_owned));
  }
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  return json_to_string (root, FALSE);
}

void
wb_problem_respond (SoupServerMessage *msg,
                    guint              status,
                    const char        *slug,
                    const char        *detail,
                    JsonNode          *errors,
                    JsonNode          *conflicts)
{
  GUri *uri = soup_server_message_get_uri (msg);
  char *body = wb_problem_to_string (status, slug, detail,
                                     uri != NULL ? g_uri_get_path (uri) : NULL,
                                     errors, conflicts);

  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, WB_PROBLEM_CONTENT_TYPE, SOUP_MEMORY_TAKE,
                                    body, strlen (body));
}

void
wb_field_errors_init (WbFieldErrors *fe)
{
  fe->errors = json_array_new ();
}

void
wb_field_errors_clear (WbFieldErrors *fe)
{
  g_clear_pointer (&fe->errors, json_array_unref);
}

void
wb_field_errors_add (WbFieldErrors *fe, const char *field, const char *format, ...)
{
  JsonObject *obj = json_object_new ();
  g_autofree char *message = NULL;
  g_autofree char *pointer = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  /* RFC 6901: "~" and "/" inside a member name are escaped. */
  if (*field == '\0') {
    pointer = g_strdup ("");
  } else {
    GString *p = g_string_new ("/");
    for (const char *c = field; *c; c++) {
      if (*c == '~')
        g_string_append (p, "~0");
      else
        g_string_append_c (p, *c);
    }
    pointer = g_string_free (p, FALSE);
  }

  json_object_set_string_member (obj, "field", field);
  json_object_set_string_member (obj, "pointer", pointer);
  json_object_set_string_member (obj, "message", message);
  json_array_add_object_element (fe->errors, obj);
}

gboolean
wb_field_errors_empty (const WbFieldErrors *fe)
{
  return json_array_get_length (fe->errors) == 0;
}

JsonNode *
wb_field_errors_steal (WbFieldErrors *fe)
{
  JsonNode *node = json_node_init_array (json_node_alloc (), fe->errors);

  json_array_unref (fe->errors);
  fe->errors = json_array_new ();
  return node;
}

static const char *
json_type_name (JsonNode *node)
{
  if (JSON_NODE_HOLDS_NULL (node))
    return "null";
  if (JSON_NODE_HOLDS_OBJECT (node))
    return "an object";
  if (JSON_NODE_HOLDS_ARRAY (node))
    return "an array";
  switch (json_node_get_value_type (node)) {
  case G_TYPE_BOOLEAN:
    return "a boolean";
  case G_TYPE_STRING:
    return "a string";
  default:
    return "a number";
  }
}

static gboolean
is_string (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
}

static gboolean
check_string_array (JsonNode *node, const char *name, WbFieldErrors *fe)
{
  JsonArray *array = json_node_get_array (node);
  guint n = json_array_get_length (array);
  gboolean ok = TRUE;

  for (guint i = 0; i < n; i++) {
    JsonNode *element = json_array_get_element (array, i);
    g_autofree char *field = g_strdup_printf ("%s/%u", name, i);

    if (!is_string (element) || *json_node_get_string (element) == '\0') {
      wb_field_errors_add (fe, field, "must be a non-empty string, not %s", json_type_name (element));
      ok = FALSE;
    }
  }
  return ok;
}

static gboolean
check_one (JsonNode *node, const WbFieldSpec *spec, WbFieldErrors *fe)
{
  switch (spec->type) {
  case WB_FIELD_STRING:
    if (!is_string (node)) {
      wb_field_errors_add (fe, spec->name, "must be a string, not %s", json_type_name (node));
      return FALSE;
    }
    if (*json_node_get_string (node) == '\0') {
      wb_field_errors_add (fe, spec->name, "must not be empty");
      return FALSE;
    }
    return TRUE;

  case WB_FIELD_NULLABLE_STRING:
    if (!JSON_NODE_HOLDS_NULL (node) && !is_string (node)) {
      wb_field_errors_add (fe, spec->name, "must be a string or null, not %s", json_type_name (node));
      return FALSE;
    }
    return TRUE;

  case WB_FIELD_BOOLEAN:
    if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN) {
      wb_field_errors_add (fe, spec->name, "must be a boolean, not %s", json_type_name (node));
      return FALSE;
    }
    return TRUE;

  case WB_FIELD_INTEGER: {
    GType t = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;
    gint64 v;

    if (t == G_TYPE_DOUBLE) {
      double d = json_node_get_double (node);
      if (d != floor (d) || d < (double) G_MININT64 || d > (double) G_MAXINT64) {
        wb_field_errors_add (fe, spec->name, "must be an integer");
        return FALSE;
      }
      v = (gint64) d;
    } else if (t == G_TYPE_INT64) {
      v = json_node_get_int (node);
    } else {
      wb_field_errors_add (fe, spec->name, "must be an integer, not %s", json_type_name (node));
      return FALSE;
    }
    if (v < spec->min || v > spec->max) {
      wb_field_errors_add (fe, spec->name, "must be between %" G_GINT64_FORMAT " and %" G_GINT64_FORMAT,
                           spec->min, spec->max);
      return FALSE;
    }
    return TRUE;
  }

  case WB_FIELD_STRING_ARRAY:
    if (!JSON_NODE_HOLDS_ARRAY (node)) {
      wb_field_errors_add (fe, spec->name, "must be an array of strings, not %s", json_type_name (node));
      return FALSE;
    }
    return check_string_array (node, spec->name, fe);

  case WB_FIELD_ALL_OR_IDS:
    if (is_string (node)) {
      if (g_strcmp0 (json_node_get_string (node), "all") != 0) {
        wb_field_errors_add (fe, spec->name, "must be \"all\" or an array of endpoint ids");
        return FALSE;
      }
      return TRUE;
    }
    if (!JSON_NODE_HOLDS_ARRAY (node)) {
      wb_field_errors_add (fe, spec->name, "must be \"all\" or an array of endpoint ids, not %s",
                           json_type_name (node));
      return FALSE;
    }
    if (json_array_get_length (json_node_get_array (node)) == 0) {
      wb_field_errors_add (fe, spec->name, "must name at least one endpoint");
      return FALSE;
    }
    return check_string_array (node, spec->name, fe);

  default:
    g_assert_not_reached ();
  }
}

gboolean
wb_validate_fields (JsonObject        *body,
                    const WbFieldSpec *specs,
                    gsize              n_specs,
                    WbFieldErrors     *fe)
{
  gboolean ok = TRUE;
  JsonObjectIter iter;
  const char *member;
  JsonNode *node;

  for (gsize i = 0; i < n_specs; i++) {
    node = json_object_get_member (body, specs[i].name);
    if (node == NULL) {
      if (specs[i].required) {
        wb_field_errors_add (fe, specs[i].name, "is required");
        ok = FALSE;
      }
      continue;
    }
    if (!check_one (node, &specs[i], fe))
      ok = FALSE;
  }

  json_object_iter_init (&iter, body);
  while (json_object_iter_next (&iter, &member, &node)) {
    gboolean known = FALSE;
    for (gsize i = 0; i < n_specs && !known; i++)
      known = g_str_equal (specs[i].name, member);
    if (!known) {
      wb_field_errors_add (fe, member, "is not a known field");
      ok = FALSE;
    }
  }
  return ok;
}
