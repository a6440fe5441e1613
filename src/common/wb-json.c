/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Typed reads of JSON object members.
 */
#include "wb-json.h"

/* The member @name when it is a value of @type. */
static JsonNode *
value_member (JsonObject *object, const char *name, GType type)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != type)
    return NULL;
  return node;
}

const char *
wb_json_get_string (JsonObject *object, const char *name)
{
  JsonNode *node = value_member (object, name, G_TYPE_STRING);

  return node != NULL ? json_node_get_string (node) : NULL;
}

gint64
wb_json_get_int (JsonObject *object, const char *name, gint64 fallback)
{
  JsonNode *node = value_member (object, name, G_TYPE_INT64);

  return node != NULL ? json_node_get_int (node) : fallback;
}

gboolean
wb_json_get_number (JsonObject *object, const char *name, double *out)
{
  JsonNode *node = value_member (object, name, G_TYPE_INT64);

  if (node == NULL)
    node = value_member (object, name, G_TYPE_DOUBLE);
  if (node == NULL)
    return FALSE;
  *out = json_node_get_double (node);
  return TRUE;
}

gboolean
wb_json_get_bool (JsonObject *object, const char *name, gboolean fallback)
{
  JsonNode *node = value_member (object, name, G_TYPE_BOOLEAN);

  return node != NULL ? json_node_get_boolean (node) : fallback;
}

JsonObject *
wb_json_get_object (JsonObject *object, const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

JsonArray *
wb_json_get_array (JsonObject *object, const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}
