/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The loadable form of the wardbridge plugin, as an operator meets it:
 * gst-inspect-1.0 and gst-launch-1.0 with GST_PLUGIN_PATH pointing at the
 * build.  Only meaningful where the test environment offers the .so (not
 * under sanitizers); skipped elsewhere.
 */
#include <glib.h>

#include <string.h>

static gboolean
have_plugin_path (void)
{
  if (g_getenv ("GST_PLUGIN_PATH") == NULL) {
    g_test_skip ("GST_PLUGIN_PATH not set: the loadable plugin is not "
        "offered in this build");
    return FALSE;
  }
  return TRUE;
}

static void
run (const gchar * const *argv, gchar ** out, gchar ** err)
{
  g_autoptr (GError) error = NULL;
  gint status = 0;

  g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
      out, err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, &error))
    g_test_message ("%s failed; stderr:\n%s", argv[0], err ? *err : "");
  g_assert_no_error (error);
}

static void
test_inspect (void)
{
  const gchar *argv[] = { "gst-inspect-1.0", "mixminus", NULL };
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;

  if (!have_plugin_path ())
    return;

  run (argv, &out, &err);

  g_assert_nonnull (strstr (out, "Mix-minus"));
  g_assert_nonnull (strstr (out, "libgstwardbridge.so"));
  g_assert_nonnull (strstr (out, "sink_%u"));
  g_assert_nonnull (strstr (out, "src_%u"));
  g_assert_nonnull (strstr (out, "shares-full-mix"));
  g_assert_nonnull (strstr (out, "talk-hangover"));
  g_assert_null (strstr (err, "CRITICAL"));
  g_assert_null (strstr (err, "WARNING"));
}

static void
test_launch (void)
{
  /* Request pads by name, a per-pad property through the child proxy
   * (set once sink_1 exists), and a queue behind every output. */
  const gchar *argv[] = { "gst-launch-1.0", "-q",
    "mixminus", "name=m", "sink_1::mute=true", "m.src", "!", "queue", "!",
    "fakesink",
    "audiotestsrc", "num-buffers=20", "freq=440", "!",
    "audio/x-raw,format=S16LE,rate=48000,channels=1", "!", "m.sink_0",
    "audiotestsrc", "num-buffers=20", "freq=660", "!",
    "audio/x-raw,format=S16LE,rate=48000,channels=1", "!", "m.sink_1",
    "m.src_0", "!", "queue", "!", "fakesink",
    "m.src_1", "!", "queue", "!", "fakesink",
    NULL
  };
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;

  if (!have_plugin_path ())
    return;

  run (argv, &out, &err);
  g_assert_null (strstr (err, "CRITICAL"));
  g_assert_null (strstr (err, "WARNING"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mixminus/loadable/inspect", test_inspect);
  g_test_add_func ("/mixminus/loadable/launch", test_launch);

  return g_test_run ();
}
