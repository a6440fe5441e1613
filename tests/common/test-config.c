/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tests of src/common/wb-config.c: the example file, and every kind of bad
 * file with the exact lines an operator reads.
 */
#include <glib.h>
#include <glib/gstdio.h>

#include "common/wb-config.h"

/* A valid minimal base; cases append to it. */
#define BASE \
  "[hub]\nrtp-port-min=40000\nrtp-port-max=40999\n" \
  "[auth]\nadmin-tokens=admin-token-0123456789\n"

#define WARD(id, extra) \
  "[endpoint " id "]\nname=Phường Thử\nkind=phuong\nmode=agent\ntoken=" id "-token-0123456789\n" extra

static void
assert_lines (GPtrArray *got, const char *const *expected)
{
  guint n = g_strv_length ((char **) expected);

  for (guint i = 0; i < got->len && i < n; i++)
    g_assert_cmpstr (g_ptr_array_index (got, i), ==, expected[i]);
  if (got->len != n) {
    for (guint i = 0; i < got->len; i++)
      g_printerr ("got: %s\n", (const char *) g_ptr_array_index (got, i));
  }
  g_assert_cmpuint (got->len, ==, n);
}

static void
check_bad (const char *data, const char *const *expected)
{
  g_autoptr (GPtrArray) problems = NULL;
  g_autoptr (GPtrArray) warnings = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (WbConfig) config = NULL;

  config = wb_config_load_from_data ("t.conf", data, -1, &problems, &warnings, &error);
  g_assert_null (config);
  g_assert_error (error, WB_CONFIG_ERROR, WB_CONFIG_ERROR_INVALID);
  g_assert_nonnull (problems);
  assert_lines (problems, expected);
}

static WbConfig *
check_good (const char *data, GPtrArray **warnings)
{
  g_autoptr (GPtrArray) problems = NULL;
  g_autoptr (GError) error = NULL;
  WbConfig *config;

  config = wb_config_load_from_data ("t.conf", data, -1, &problems, warnings, &error);
  for (guint i = 0; problems != NULL && i < problems->len; i++)
    g_printerr ("unexpected: %s\n", (const char *) g_ptr_array_index (problems, i));
  g_assert_no_error (error);
  g_assert_nonnull (config);
  g_assert_cmpuint (problems->len, ==, 0);
  return config;
}

static void
test_example_file (void)
{
  g_autofree char *path = g_build_filename (g_getenv ("WB_SOURCE_ROOT"), "config", "wardbridged.conf", NULL);
  g_autoptr (GPtrArray) problems = NULL;
  g_autoptr (GPtrArray) warnings = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (WbConfig) config = NULL;
  g_autofree char *summary = NULL;
  const WbEndpointConfig *ep;
  guint xa = 0;

  config = wb_config_load (path, &problems, &warnings, &error);
  g_assert_no_error (error);
  g_assert_nonnull (config);
  g_assert_cmpuint (problems->len, ==, 0);
  g_assert_cmpuint (warnings->len, ==, 0);

  g_assert_cmpuint (config->endpoints->len, ==, 32);
  for (guint i = 0; i < config->endpoints->len; i++) {
    ep = g_ptr_array_index (config->endpoints, i);
    g_autofree char *id = g_strdup_printf ("ward-%02u", i + 1);
    g_assert_cmpstr (ep->id, ==, id);
    g_assert_cmpint (ep->mode, ==, WB_ENDPOINT_MODE_AGENT);
    g_assert_nonnull (ep->token);
    if (ep->kind == WB_ENDPOINT_KIND_XA)
      xa++;
  }
  g_assert_cmpuint (xa, ==, 11);

  /* Names keep their diacritics, byte for byte. */
  ep = wb_config_find_endpoint (config, "ward-01");
  g_assert_cmpstr (ep->name, ==, "Phường Cam Giá");
  ep = wb_config_find_endpoint (config, "ward-08");
  g_assert_cmpstr (ep->name, ==, "Phường Phan Đình Phùng");
  ep = wb_config_find_endpoint (config, "ward-32");
  g_assert_cmpstr (ep->name, ==, "Xã Thịnh Đức");
  g_assert_cmpint (ep->kind, ==, WB_ENDPOINT_KIND_XA);
  g_assert_null (wb_config_find_endpoint (config, "ward-33"));

  /* The example holds every default. */
  g_assert_cmpuint (config->rtp_port_min, ==, WB_DEFAULT_RTP_PORT_MIN);
  g_assert_cmpuint (config->rtp_port_max, ==, WB_DEFAULT_RTP_PORT_MAX);
  g_assert_cmpstr (config->http_address, ==, WB_DEFAULT_HTTP_ADDRESS);
  g_assert_cmpuint (config->http_port, ==, WB_DEFAULT_HTTP_PORT);
  g_assert_cmpuint (config->max_body_bytes, ==, WB_DEFAULT_MAX_BODY_BYTES);
  g_assert_cmpuint (config->width, ==, WB_DEFAULT_WIDTH);
  g_assert_cmpuint (config->height, ==, WB_DEFAULT_HEIGHT);
  g_assert_cmpuint (config->framerate, ==, WB_DEFAULT_FRAMERATE);
  g_assert_cmpuint (config->video_bitrate_kbps, ==, WB_DEFAULT_VIDEO_KBPS);
  g_assert_cmpuint (config->audio_bitrate_kbps, ==, WB_DEFAULT_AUDIO_KBPS);
  g_assert_cmpuint (config->audio_expected_loss_percent, ==, WB_DEFAULT_AUDIO_EXPECTED_LOSS_PERCENT);
  g_assert_cmpuint (config->jitter_ms, ==, WB_DEFAULT_JITTER_MS);
  g_assert_cmpint (config->audio_jitter, ==, WB_AUDIO_JITTER_INLINE);
  g_assert_cmpint (config->receive, ==, WB_RECEIVE_SHARED);
  g_assert_cmpuint (config->receive_batch_ms, ==, WB_DEFAULT_RECEIVE_BATCH_MS);
  g_assert_cmpint (config->layout, ==, WB_LAYOUT_GRID);
  g_assert_false (config->mix_gate);
  g_assert_false (config->paced_output);
  g_assert_cmpstr (config->state_dir, ==, "/var/lib/wardbridge");
  g_assert_null (config->tls_certificate);
  g_assert_null (config->public_address);
  g_assert_cmpstrv (config->metrics_allow, ((const char *[]) { "127.0.0.0/8", "::1/128", NULL }));
  g_assert_true (wb_config_metrics_allowed (config, "127.0.0.1"));
  g_assert_true (wb_config_metrics_allowed (config, "::1"));
  g_assert_false (wb_config_metrics_allowed (config, "192.0.2.10"));
  g_assert_false (wb_config_metrics_allowed (config, "not an address"));

  summary = wb_config_summary (config);
  g_assert_nonnull (strstr (summary, "endpoints:   32 (21 phường, 11 xã; 32 agent, 0 static"));
  g_assert_nonnull (strstr (summary, "RTP ports:   40000-40999"));
}

static void
test_defaults_when_absent (void)
{
  g_autoptr (WbConfig) config = NULL;
  g_autoptr (GPtrArray) warnings = NULL;

  config = check_good (BASE WARD ("ward-01", ""), &warnings);
  g_assert_cmpuint (config->http_port, ==, 8080);
  g_assert_cmpuint (config->jitter_ms, ==, 40);
  g_assert_cmpint (((WbEndpointConfig *) g_ptr_array_index (config->endpoints, 0))->audio_codec, ==, WB_AUDIO_CODEC_OPUS);
  g_assert_cmpint (((WbEndpointConfig *) g_ptr_array_index (config->endpoints, 0))->video_codec, ==, WB_VIDEO_CODEC_H264);
  g_assert_false (((WbEndpointConfig *) g_ptr_array_index (config->endpoints, 0))->srtp);
  g_assert_cmpstrv (config->admin_tokens, ((const char *[]) { "admin-token-0123456789", NULL }));
  g_assert_cmpstrv (config->scheduler_tokens, ((const char *[]) { NULL }));
}

static void
test_missing_file (void)
{
  g_autofree char *dir = g_dir_make_tmp ("wb-config-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "absent.conf", NULL);
  g_autofree char *line = g_strdup_printf ("%s: cannot read: No such file or directory", path);
  g_autoptr (GPtrArray) problems = NULL;
  g_autoptr (GError) error = NULL;
  WbConfig *config;

  config = wb_config_load (path, &problems, NULL, &error);
  g_assert_null (config);
  g_assert_error (error, WB_CONFIG_ERROR, WB_CONFIG_ERROR_INVALID);
  assert_lines (problems, (const char *[]) { line, NULL });
  g_rmdir (dir);
}

static void
test_directory_not_file (void)
{
  g_autofree char *dir = g_dir_make_tmp ("wb-config-XXXXXX", NULL);
  g_autofree char *line = g_strdup_printf ("%s: cannot read: Is a directory", dir);
  g_autoptr (GPtrArray) problems = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_null (wb_config_load (dir, &problems, NULL, &error));
  assert_lines (problems, (const char *[]) { line, NULL });
  g_rmdir (dir);
}

static void
test_too_large (void)
{
  g_autofree char *dir = g_dir_make_tmp ("wb-config-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "huge.conf", NULL);
  g_autofree char *line = g_strdup_printf ("%s: cannot read: larger than 4194304 bytes", path);
  g_autofree char *big = g_malloc (5 * 1024 * 1024);
  g_autoptr (GPtrArray) problems = NULL;
  g_autoptr (GError) error = NULL;

  memset (big, '#', 5 * 1024 * 1024);
  g_assert_true (g_file_set_contents (path, big, 5 * 1024 * 1024, NULL));
  g_assert_null (wb_config_load (path, &problems, NULL, &error));
  assert_lines (problems, (const char *[]) { line, NULL });
  g_unlink (path);
  g_rmdir (dir);
}

static void
test_not_a_key_file (void)
{
  g_autoptr (GPtrArray) problems = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_null (wb_config_load_from_data ("t.conf", "{\"hub\": 1}\n", -1, &problems, NULL, &error));
  g_assert_cmpuint (problems->len, ==, 1);
  g_assert_true (g_str_has_prefix (g_ptr_array_index (problems, 0), "t.conf: not a key file: "));

  g_clear_pointer (&problems, g_ptr_array_unref);
  g_clear_error (&error);
  g_assert_null (wb_config_load_from_data ("t.conf", "[hub]\nport=\xff\xfe\n", -1, &problems, NULL, &error));
  assert_lines (problems, (const char *[]) { "t.conf: not UTF-8 text; save the file as UTF-8", NULL });
}

static void
test_duplicate_endpoint (void)
{
  check_bad (BASE WARD ("ward-01", "") WARD ("ward-01", ""),
             (const char *[]) {
               "t.conf: [endpoint ward-01]: duplicate endpoint id 'ward-01' (first defined on line 6)",
               NULL });
}

/* The Opus encoders' FEC plan: auto (the default) or a fixed percentage. */
static void
test_expected_loss (void)
{
  const char *const values[] = { "auto", "0", "7", "20" };
  const guint expected[] = { WB_AUDIO_EXPECTED_LOSS_AUTO, 0, 7, 20 };

  for (guint i = 0; i < G_N_ELEMENTS (values); i++) {
    g_autofree char *data = g_strdup_printf (
        "[media]\naudio-expected-loss-percent=%s\n"
        "[auth]\nadmin-tokens=admin-token-0123456789\n" WARD ("ward-01", ""), values[i]);
    g_autoptr (WbConfig) config = check_good (data, NULL);

    g_assert_cmpuint (config->audio_expected_loss_percent, ==, expected[i]);
  }
  check_bad ("[media]\naudio-expected-loss-percent=often\n"
             "[auth]\nadmin-tokens=admin-token-0123456789\n" WARD ("ward-01", ""),
             (const char *[]) {
               "t.conf: [media] audio-expected-loss-percent: 'often' is neither auto nor a whole number from 0 to 20",
               NULL });
}

static void
test_port_out_of_range (void)
{
  check_bad ("[hub]\nrtp-port-min=80\nrtp-port-max=70000\n[http]\nport=65536\n"
             "[media]\naudio-expected-loss-percent=25\n"
             "[auth]\nadmin-tokens=admin-token-0123456789\n" WARD ("ward-01", ""),
             (const char *[]) {
               "t.conf: [hub] rtp-port-min: 80 is out of range (1024 to 65535)",
               "t.conf: [hub] rtp-port-max: 70000 is out of range (1024 to 65535)",
               "t.conf: [http] port: 65536 is out of range (0 to 65535)",
               "t.conf: [media] audio-expected-loss-percent: '25' is neither auto nor a whole number from 0 to 20",
               NULL });
}

static void
test_port_range_too_small (void)
{
  check_bad ("[hub]\nrtp-port-min=40000\nrtp-port-max=40099\n[auth]\nadmin-tokens=admin-token-0123456789\n",
             (const char *[]) {
               "t.conf: [hub] rtp-port-max: range 40000-40099 holds 25 wards at 4 ports each; at least 32 are needed",
               NULL });
  check_bad ("[hub]\nrtp-port-min=41000\nrtp-port-max=40000\n",
             (const char *[]) {
               "t.conf: [hub] rtp-port-max: 40000 must be above rtp-port-min (41000)",
               NULL });
  check_bad ("[hub]\nrtp-port-min=40001\n",
             (const char *[]) {
               "t.conf: [hub] rtp-port-min: 40001 is odd; RTP uses an even port and RTCP the next one",
               NULL });
}

static void
test_bad_enums (void)
{
  check_bad (BASE WARD ("ward-01", "audio-codec=mp3\nvideo-codec=h265\nsrtp=yes\n")
             "[endpoint ward-02]\nname=Xã Thử\nkind=huyen\nmode=remote\ntoken=ward-02-token-0123456789\n"
             "[media]\nlayout=mosaic\nmix-gate=on\naudio-jitter=none\nreceive=all\nreceive-batch-ms=50\n",
             (const char *[]) {
               "t.conf: [media] audio-jitter: 'none' is not one of inline, rtpjitterbuffer",
               "t.conf: [media] receive: 'all' is not one of shared, per-socket",
               "t.conf: [media] receive-batch-ms: 50 is out of range (0 to 20)",
               "t.conf: [media] layout: 'mosaic' is not one of grid, speaker, presenter, single",
               "t.conf: [media] mix-gate: 'on' is not a boolean, expected true or false",
               "t.conf: [endpoint ward-01] audio-codec: 'mp3' is not one of opus, pcma, pcmu",
               "t.conf: [endpoint ward-01] video-codec: 'h265' is not one of h264, vp8",
               "t.conf: [endpoint ward-01] srtp: 'yes' is not a boolean, expected true or false",
               "t.conf: [endpoint ward-02] kind: 'huyen' is not one of phuong, xa",
               "t.conf: [endpoint ward-02] mode: 'remote' is not one of agent, static",
               NULL });
}

static void
test_agent_without_token (void)
{
  check_bad (BASE "[endpoint ward-05]\nname=Phường Gia Sàng\nkind=phuong\nmode=agent\n",
             (const char *[]) {
               "t.conf: [endpoint ward-05] token: missing; an agent endpoint joins through the API with its token",
               NULL });
}

static void
test_empty_name (void)
{
  check_bad (BASE "[endpoint ward-05]\nname=\nmode=static\naddress=192.0.2.5\naudio-port=5000\nvideo-port=5002\n"
             "[endpoint ward-06]\nmode=static\naddress=192.0.2.6\naudio-port=5000\nvideo-port=5002\n",
             (const char *[]) {
               "t.conf: [endpoint ward-05] name: empty; every ward needs the name shown on its tile",
               "t.conf: [endpoint ward-06] name: missing; every ward needs the name shown on its tile",
               NULL });
}

static void
test_static_without_address (void)
{
  check_bad (BASE "[endpoint ward-09]\nname=Phường Phú Xá\nmode=static\n"
             "[endpoint ward-10]\nname=Phường Quan Triều\nmode=static\naddress=box-10.local\naudio-port=5001\nvideo-port=5001\n",
             (const char *[]) {
               "t.conf: [endpoint ward-09] address: missing; a static endpoint needs the box's address",
               "t.conf: [endpoint ward-09] audio-port: missing; a static endpoint needs the box's audio port",
               "t.conf: [endpoint ward-09] video-port: missing; a static endpoint needs the box's video port",
               "t.conf: [endpoint ward-10] audio-port: 5001 is odd; RTP uses an even port and RTCP the next one",
               "t.conf: [endpoint ward-10] video-port: 5001 is odd; RTP uses an even port and RTCP the next one",
               "t.conf: [endpoint ward-10] address: 'box-10.local' is not an IPv4 or IPv6 address",
               "t.conf: [endpoint ward-10] video-port: same as audio-port",
               NULL });
}

static void
test_static_endpoint_good (void)
{
  g_autoptr (WbConfig) config = NULL;
  const WbEndpointConfig *ep;

  config = check_good (BASE "[endpoint ward-11]\nname=Phường Quang Trung\nkind=phuong\nmode=static\n"
                       "address=192.0.2.11\naudio-port=5004\nvideo-port=5006\naudio-codec=pcma\nvideo-codec=vp8\nsrtp=true\n",
                       NULL);
  ep = wb_config_find_endpoint (config, "ward-11");
  g_assert_nonnull (ep);
  g_assert_cmpint (ep->mode, ==, WB_ENDPOINT_MODE_STATIC);
  g_assert_cmpstr (ep->address, ==, "192.0.2.11");
  g_assert_cmpuint (ep->audio_port, ==, 5004);
  g_assert_cmpuint (ep->video_port, ==, 5006);
  g_assert_cmpint (ep->audio_codec, ==, WB_AUDIO_CODEC_PCMA);
  g_assert_cmpint (ep->video_codec, ==, WB_VIDEO_CODEC_VP8);
  g_assert_true (ep->srtp);
  g_assert_null (ep->token);
}

static void
test_not_numbers (void)
{
  check_bad (BASE "[media]\nwidth=1281\nheight=\nframerate=25fps\n",
             (const char *[]) {
               "t.conf: [media] width: 1281 is odd; H.264 with 4:2:0 chroma needs an even width",
               "t.conf: [media] height: empty value, expected an integer between 90 and 2160",
               "t.conf: [media] framerate: '25fps' is not a whole number",
               NULL });
}

static void
test_every_problem_in_one_pass (void)
{
  g_autoptr (GPtrArray) problems = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_null (wb_config_load_from_data ("t.conf",
                   "[hub]\nrtp-port-min=40000\nrtp-port-max=40010\n"
                   "[http]\ntls-certificate=/etc/ssl/hub.pem\nmax-body-bytes=10\n"
                   "[endpoint ward-01]\nname=\nmode=agent\n"
                   "[endpoint ward-02]\nname=Xã Hai\nmode=static\n"
                   "[endpoint Ward 3]\nname=Ba\ntoken=ward-03-token-0123456789\n",
                   -1, &problems, NULL, &error));
  g_assert_error (error, WB_CONFIG_ERROR, WB_CONFIG_ERROR_INVALID);
  assert_lines (problems, (const char *[]) {
    "t.conf: [http] tls-key: missing; TLS needs both tls-certificate and tls-key",
    "t.conf: [http] max-body-bytes: 10 is out of range (1024 to 16777216)",
    "t.conf: [endpoint ward-01] name: empty; every ward needs the name shown on its tile",
    "t.conf: [endpoint ward-01] token: missing; an agent endpoint joins through the API with its token",
    "t.conf: [endpoint ward-02] address: missing; a static endpoint needs the box's address",
    "t.conf: [endpoint ward-02] audio-port: missing; a static endpoint needs the box's audio port",
    "t.conf: [endpoint ward-02] video-port: missing; a static endpoint needs the box's video port",
    "t.conf: [endpoint Ward 3]: endpoint id 'Ward 3' must be 1 to 64 of a-z, 0-9, '-' or '_'",
    "t.conf: [hub] rtp-port-max: range 40000-40010 holds 2 wards at 4 ports each; at least 32 are needed",
    NULL });
  g_assert_cmpstr (error->message, ==, "t.conf: 9 problems found");
}

static void
test_metrics_allow (void)
{
  g_autoptr (WbConfig) config = check_good (BASE "[http]\nmetrics-allow=10.1.0.0/16; 192.0.2.7 ;2001:db8::/32\n", NULL);

  g_assert_cmpstrv (config->metrics_allow,
                    ((const char *[]) { "10.1.0.0/16", "192.0.2.7/32", "2001:db8::/32", NULL }));
  g_assert_true (wb_config_metrics_allowed (config, "10.1.200.3"));
  g_assert_true (wb_config_metrics_allowed (config, "192.0.2.7"));
  g_assert_false (wb_config_metrics_allowed (config, "192.0.2.8"));
  g_assert_true (wb_config_metrics_allowed (config, "2001:db8::1"));
  g_assert_false (wb_config_metrics_allowed (config, "127.0.0.1"));

  check_bad (BASE "[http]\nmetrics-allow=10.0.0.300/8;prometheus.local\n",
             (const char *[]) {
               "t.conf: [http] metrics-allow: '10.0.0.300/8' is not an address or address/prefix",
               "t.conf: [http] metrics-allow: 'prometheus.local' is not an address or address/prefix",
               NULL });
}

static void
test_shared_tokens (void)
{
  check_bad ("[auth]\nadmin-tokens=same-token-0123456789\nscheduler-tokens=same-token-0123456789\n"
             WARD ("ward-01", "") "[endpoint ward-02]\nname=Hai\ntoken=ward-01-token-0123456789\n",
             (const char *[]) {
               "t.conf: [auth] scheduler-tokens: token 1 is also an admin token; a token must name one role",
               "t.conf: [endpoint ward-02] token: same token as ward-01; each token must name one identity",
               NULL });
}

static void
test_unknown_keys_warn (void)
{
  g_autoptr (WbConfig) config = NULL;
  g_autoptr (GPtrArray) warnings = NULL;

  config = check_good (BASE "colour=blue\n[extras]\nfoo=1\n" WARD ("ward-01", "camera=/dev/video0\n"), &warnings);
  g_assert_nonnull (config);
  assert_lines (warnings, (const char *[]) {
    "t.conf: [auth] colour: unknown key, ignored",
    "t.conf: [extras]: unknown group, ignored",
    "t.conf: [endpoint ward-01] camera: unknown key, ignored",
    NULL });
}

static void
test_refcount_and_strings (void)
{
  g_autoptr (WbConfig) config = check_good (BASE WARD ("ward-01", ""), NULL);
  WbConfig *other = wb_config_ref (config);
  WbLayoutKind layout = WB_LAYOUT_GRID;

  g_assert_true (other == config);
  wb_config_unref (other);
  g_assert_true (wb_layout_kind_from_string ("presenter", &layout));
  g_assert_cmpint (layout, ==, WB_LAYOUT_PRESENTER);
  g_assert_false (wb_layout_kind_from_string ("mosaic", &layout));
  g_assert_cmpstr (wb_layout_kind_to_string (WB_LAYOUT_SPEAKER), ==, "speaker");
  g_assert_cmpstr (wb_audio_codec_to_string (WB_AUDIO_CODEC_PCMU), ==, "pcmu");
  g_assert_cmpstr (wb_video_codec_to_string (WB_VIDEO_CODEC_VP8), ==, "vp8");
  g_assert_cmpstr (wb_endpoint_mode_to_string (WB_ENDPOINT_MODE_STATIC), ==, "static");
  g_assert_cmpstr (wb_endpoint_kind_to_string (WB_ENDPOINT_KIND_XA), ==, "xa");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/config/example-file", test_example_file);
  g_test_add_func ("/config/defaults", test_defaults_when_absent);
  g_test_add_func ("/config/expected-loss", test_expected_loss);
  g_test_add_func ("/config/missing-file", test_missing_file);
  g_test_add_func ("/config/directory", test_directory_not_file);
  g_test_add_func ("/config/not-a-key-file", test_not_a_key_file);
  g_test_add_func ("/config/too-large", test_too_large);
  g_test_add_func ("/config/duplicate-endpoint", test_duplicate_endpoint);
  g_test_add_func ("/config/port-out-of-range", test_port_out_of_range);
  g_test_add_func ("/config/port-range-too-small", test_port_range_too_small);
  g_test_add_func ("/config/bad-enums", test_bad_enums);
  g_test_add_func ("/config/agent-without-token", test_agent_without_token);
  g_test_add_func ("/config/empty-name", test_empty_name);
  g_test_add_func ("/config/static-without-address", test_static_without_address);
  g_test_add_func ("/config/static-good", test_static_endpoint_good);
  g_test_add_func ("/config/not-numbers", test_not_numbers);
  g_test_add_func ("/config/every-problem", test_every_problem_in_one_pass);
  g_test_add_func ("/config/shared-tokens", test_shared_tokens);
  g_test_add_func ("/config/metrics-allow", test_metrics_allow);
  g_test_add_func ("/config/unknown-keys", test_unknown_keys_warn);
  g_test_add_func ("/config/refcount-and-strings", test_refcount_and_strings);

  return g_test_run ();
}
