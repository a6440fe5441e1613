/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tests of src/common/wb-json.c: members of the wrong type read as absent.
 */
#include "common/wb-json.h"

static void
test_typed_reads (void)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  JsonObject *o;
  double number = 0;

  json_parser_load_from_data (parser,
                              "{\"s\":\"Xã Thịnh Đức\",\"i\":40002,\"d\":2.5,\"b\":true,"
                              "\"o\":{\"k\":1},\"a\":[1,2],\"n\":null}", -1, &error);
  g_assert_no_error (error);
  o = json_node_get_object (json_parser_get_root (parser));

  g_assert_cmpstr (wb_json_get_string (o, "s"), ==, "Xã Thịnh Đức");
  g_assert_null (wb_json_get_string (o, "i"));
  g_assert_null (wb_json_get_string (o, "n"));
  g_assert_null (wb_json_get_string (o, "missing"));
  g_assert_null (wb_json_get_string (NULL, "s"));

  g_assert_cmpint (wb_json_get_int (o, "i", -1), ==, 40002);
  g_assert_cmpint (wb_json_get_int (o, "d", -1), ==, -1);
  g_assert_cmpint (wb_json_get_int (o, "s", -1), ==, -1);

  g_assert_true (wb_json_get_number (o, "d", &number));
  g_assert_cmpfloat (number, ==, 2.5);
  g_assert_true (wb_json_get_number (o, "i", &number));
  g_assert_cmpfloat (number, ==, 40002.0);
  g_assert_false (wb_json_get_number (o, "b", &number));

  g_assert_true (wb_json_get_bool (o, "b", FALSE));
  g_assert_false (wb_json_get_bool (o, "i", FALSE));
  g_assert_true (wb_json_get_bool (o, "missing", TRUE));

  g_assert_cmpint (wb_json_get_int (wb_json_get_object (o, "o"), "k", 0), ==, 1);
  g_assert_null (wb_json_get_object (o, "a"));
  g_assert_cmpuint (json_array_get_length (wb_json_get_array (o, "a")), ==, 2);
  g_assert_null (wb_json_get_array (o, "o"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/json/typed-reads", test_typed_reads);
  return g_test_run ();
}
