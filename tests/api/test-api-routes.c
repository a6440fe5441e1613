/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The routes of the HTTP API over HTTP, each on a fresh WbApi with a real
 * store and booking service and a fake conference control: wards,
 * join/leave with its SDP, conferences, attendance, bookings with their
 * conflicts, idempotency keys and calendar feed, and the audit log they
 * leave behind.
 */
#include <string.h>

#include "api-test-util.h"

static void
test_endpoints (Fixture *f, gconstpointer data)
{
  WbEndpointStats stats = { 2.5, 18.0, 950.0, 1480.0, 12 };
  JsonArray *list;
  JsonObject *one;

  g_assert_true (wb_endpoint_registry_set_state (f->registry, "ward-02", WB_ENDPOINT_STATE_IDLE, NULL, NULL));
  g_assert_true (wb_endpoint_registry_update_stats (f->registry, "ward-02", &stats, NULL));

  {
    g_autoptr (Reply) r = http (f, "GET", "/api/v1/endpoints", SCHED, NULL);
    g_assert_cmpuint (r->status, ==, 200);
    list = reply_array (r);
    g_assert_cmpuint (json_array_get_length (list), ==, 4);
    one = json_array_get_object_element (list, 1);
    g_assert_cmpstr (json_object_get_string_member (one, "id"), ==, "ward-02");
    g_assert_cmpstr (json_object_get_string_member (one, "name"), ==, "Phường Chùa Hang");
    g_assert_cmpstr (json_object_get_string_member (one, "state"), ==, "idle");
    g_assert_cmpfloat (json_object_get_double_member (json_object_get_object_member (one, "stats"), "loss_pct"),
                       ==, 2.5);
    one = json_array_get_object_element (list, 3);
    g_assert_cmpstr (json_object_get_string_member (one, "kind"), ==, "xa");
    g_assert_cmpstr (json_object_get_string_member (one, "mode"), ==, "static");
    g_assert_cmpstr (json_object_get_string_member (one, "state"), ==, "offline");
  }
  {
    g_autoptr (Reply) r = http (f, "GET", "/api/v1/endpoints/ward-02", WARD2, NULL);
    g_assert_cmpuint (r->status, ==, 200);
    one = reply_object (r);
    g_assert_cmpstr (json_object_get_string_member (one, "id"), ==, "ward-02");
    g_assert_cmpfloat (json_object_get_double_member (json_object_get_object_member (one, "stats"), "tx_kbps"),
                       ==, 1480.0);
  }
  {
    g_autoptr (Reply) r = http (f, "GET", "/api/v1/endpoints/ward-77", ADMIN, NULL);
    assert_problem (r, 404, "not-found");
  }
  {
    /* An endpoint asking about an unknown ward is refused, not told. */
    g_autoptr (Reply) r = http (f, "GET", "/api/v1/endpoints/ward-77", WARD2, NULL);
    assert_problem (r, 403, "forbidden");
  }
}

static void
test_join_leave (Fixture *f, gconstpointer data)
{
  g_autofree char *conf = NULL;
  JsonObject *obj;

  {
    g_autoptr (Reply) r = http (f, "POST", "/api/v1/endpoints/ward-01/join", WARD1,
                                "{\"audio_port\":5004,\"video_port\":5006}");
    assert_problem (r, 409, "no-conference");
  }
  {
    g_autoptr (Reply) r = http (f, "POST", "/api/v1/endpoints/ward-01/join", WARD1,
                                "{\"audio_port\":5005,\"video_port\":\"x\",\"extra\":true}");
    JsonArray *errors;

    obj = assert_problem (r, 422, "invalid-fields");
    errors = json_object_get_array_member (obj, "errors");
    g_assert_cmpuint (json_array_get_length (errors), ==, 2);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (errors, 0), "pointer"),
                     ==, "/video_port");
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (errors, 1), "pointer"),
                     ==, "/extra");
  }
  {
    g_autoptr (Reply) r = http (f, "POST", "/api/v1/endpoints/ward-01/join", WARD1,
                                "{\"audio_port\":5005,\"video_port\":5006}");
    obj = assert_problem (r, 422, "invalid-fields");
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (
                       json_object_get_array_member (obj, "errors"), 0), "message"),
                     ==, "must be even; RTCP uses the next port");
  }
  g_assert_cmpuint (wb_fake_conferences_get_n_changes (f->conferences), ==, 0);

  conf = start_conference (f, "[\"ward-03\",\"ward-01\"]");
  g_assert_cmpstr (wb_fake_conferences_last_actor (f->conferences), ==, "admin#1");
  g_assert_cmpint (wb_endpoint_registry_lookup (f->registry, "ward-01")->state, ==, WB_ENDPOINT_STATE_INVITED);

  {
    g_autoptr (Reply) r = http (f, "POST", "/api/v1/endpoints/ward-01/join", WARD1,
                                "{\"audio_port\":5004,\"video_port\":5006}");
    JsonObject *hub, *audio, *video;
    const char *sdp;

    g_assert_cmpuint (r->status, ==, 200);
    obj = reply_object (r);
    g_assert_cmpstr (json_object_get_string_member (obj, "conference"), ==, conf);
    hub = json_object_get_object_member (obj, "hub");
    g_assert_cmpstr (json_object_get_string_member (hub, "host"), ==, "127.0.0.1");
    /* ward-01 is the first participant (sorted ids) → the fake's first ports. */
    g_assert_cmpint (json_object_get_int_member (hub, "audio_port"), ==, 40000);
    g_assert_cmpint (json_object_get_int_member (hub, "video_port"), ==, 40002);
    audio = json_object_get_object_member (obj, "audio");
    g_assert_cmpstr (json_object_get_string_member (audio, "codec"), ==, "opus");
    g_assert_cmpint (json_object_get_int_member (audio, "payload_type"), ==, 111);
    g_assert_cmpint (json_object_get_int_member (audio, "clock_rate"), ==, 48000);
    video = json_object_get_object_member (obj, "video");
    g_assert_cmpstr (json_object_get_string_member (video, "codec"), ==, "h264");
    g_assert_cmpint (json_object_get_int_member (video, "payload_type"), ==, 96);
    g_assert_true (json_object_get_null_member (obj, "srtp"));
    sdp = json_object_get_string_member (obj, "sdp");
    g_assert_true (g_str_has_prefix (sdp, "v=0\r\n"));
    g_assert_nonnull (strstr (sdp, "\r\nc=IN IP4 127.0.0.1\r\n"));
    g_assert_nonnull (strstr (sdp, "\r\nm=audio 5004 RTP/AVP 111\r\n"));
    g_assert_nonnull (strstr (sdp, "\r\na=rtpmap:111 opus/48000/2\r\n"));
    g_assert_nonnull (strstr (sdp, "\r\nm=video 5006 RTP/AVP 96\r\n"));
    g_assert_nonnull (strstr (sdp, "\r\na=rtpmap:96 H264/90000\r\n"));
    g_assert_nonnull (strstr (sdp, "\r\na=fmtp:96 packetization-mode=1;profile-level-id=42e01f\r\n"));
    g_assert_null (strstr (sdp, "a=crypto"));
  }
  g_assert_cmpstr (wb_fake_conferences_last_join_address (f->conferences), ==, "127.0.0.1");
  g_assert_cmpuint (wb_fake_conferences_last_join_audio_port (f->conferences), ==, 5004);
  g_assert_cmpuint (wb_fake_conferences_last_join_video_port (f->conferences), ==, 5006);
  g_assert_cmpint (wb_endpoint_registry_lookup (f->registry, "ward-01")->state, ==, WB_ENDPOINT_STATE_JOINING);
  g_assert_cmpint (wb_endpoint_registry_lookup (f->registry, "ward-01")->last_seen_us, >, 0);

  /* Only an admin names the box's address. */
  {
    g_autoptr (Reply) r = http (f, "POST", "/api/v1/endpoints/ward-03/join", WARD3,
                                "{\"audio_port\":6000,\"video_port\":6002,\"address\":\"192.0.2.33\"}");
    obj = assert_problem (r, 422, "invalid-fields");
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (
                       json_object_get_array_member (obj, "errors"), 0), "pointer"), ==, "/address");
  }
  {
    g_autoptr (Reply) r = http (f, "POST", "/api/v1/endpoints/ward-03/join", ADMIN,
                                "{\"audio_port\":6000,\"video_port\":6002,\"address\":\"ward-03.lan\"}");
    assert_problem (r, 422, "invalid-fields");
  }

  /* ward-03, joined by an admin on its behalf: G.711 A-law, VP8 and SRTP
   * from its configuration. */
  {
    g_autoptr (Reply) r = http (f, "POST", "/api/v1/endpoints/ward-03/join", ADMIN,
                                "{\"audio_port\":6000,\"video_port\":6002,\"address\":\"192.0.2.33\"}");
    JsonObject *srtp;
    const char *sdp;

    g_assert_cmpuint (r->status, ==, 200);
    obj = reply_object (r);
    g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (obj, "hub"), "audio_port"),
                     ==, 40004);
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (obj, "audio"), "codec"),
                     ==, "pcma");
    g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (obj, "audio"), "payload_type"),
                     ==, 8);
    g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (obj, "video"), "payload_type"),
                     ==, 97);
    srtp = json_object_get_object_member (obj, "srtp");
    g_assert_cmpstr (json_object_get_string_member (srtp, "suite"), ==, "AES_CM_128_HMAC_SHA1_80");
    g_assert_cmpstr (json_object_get_string_member (srtp, "key"), ==, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd");
    sdp = json_object_get_string_member (obj, "sdp");
    g_assert_nonnull (strstr (sdp, "\r\nm=audio 6000 RTP/SAVP 8\r\n"));
    g_assert_nonnull (strstr (sdp, "\r\nc=IN IP4 192.0.2.33\r\n"));
    g_assert_nonnull (strstr (sdp, "\r\na=rtpmap:8 PCMA/8000\r\n"));
    g_assert_nonnull (strstr (sdp, "\r\na=rtpmap:97 VP8/90000\r\n"));
    g_assert_nonnull (strstr (sdp, "\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd\r\n"));
  }

  g_assert_cmpstr (wb_fake_conferences_last_join_address (f->conferences), ==, "192.0.2.33");
  {
    g_autoptr (Reply) r = http (f, "POST", "/api/v1/endpoints/ward-01/leave", WARD1, NULL);
    g_assert_cmpuint (r->status, ==, 204);
    g_assert_cmpuint (g_bytes_get_size (r->body), ==, 0);
  }
  g_assert_cmpint (wb_endpoint_registry_lookup (f->registry, "ward-01")->state, ==, WB_ENDPOINT_STATE_IDLE);
  {
    g_autoptr (Reply) r = http (f, "POST", "/api/v1/endpoints/ward-01/leave", WARD1, NULL);
    assert_problem (r, 409, "no-conference");
  }

  /* Who did what is in the audit log, under the token's identity. */
  {
    g_autoptr (Reply) r = http (f, "GET", "/api/v1/audit", ADMIN, NULL);
    JsonArray *rows = reply_array (r);
    guint joins_ok = 0, starts = 0;

    for (guint i = 0; i < json_array_get_length (rows); i++) {
      JsonObject *row = json_array_get_object_element (rows, i);
      const char *action = json_object_get_string_member (row, "action");

      if (g_str_equal (action, "endpoint.join") && json_object_get_int_member (row, "status") == 200) {
        joins_ok++;
        if (g_str_equal (json_object_get_string_member (row, "target"), "endpoint/ward-01")) {
          g_assert_cmpstr (json_object_get_string_member (row, "actor"), ==, "endpoint:ward-01");
          g_assert_cmpstr (json_object_get_string_member (row, "role"), ==, "endpoint");
        } else {
          g_assert_cmpstr (json_object_get_string_member (row, "actor"), ==, "admin#1");
        }
      }
      if (g_str_equal (action, "conference.start"))
        starts++;
      {
        g_autofree char *text = json_to_string (json_array_get_element (rows, i), FALSE);
        g_assert_null (strstr (text, "secret"));
      }
    }
    g_assert_cmpuint (joins_ok, ==, 2);
    g_assert_cmpuint (starts, ==, 1);
  }
}

static void
test_conferences (Fixture *f, gconstpointer data)
{
  g_autofree char *conf = start_conference (f, "[\"ward-02\",\"ward-01\"]");
  g_autofree char *path = g_strdup_printf ("/api/v1/conferences/%s", conf);
  g_autofree char *mute1 = g_strdup_printf ("%s/participants/ward-01/mute", path);
  g_autofree char *unmute1 = g_strdup_printf ("%s/participants/ward-01/unmute", path);
  g_autofree char *mute3 = g_strdup_printf ("%s/participants/ward-03/mute", path);
  g_autofree char *snap = g_strdup_printf ("%s/snapshot.jpg", path);
  g_autofree char *end = g_strdup_printf ("%s/end", path);
  JsonObject *obj;

  {
    g_autoptr (Reply) r = http (f, "POST", "/api/v1/conferences", ADMIN, "{\"title\":\"x\",\"endpoints\":\"all\"}");
    assert_problem (r, 409, "endpoint-busy");
  }
  {
    g_autoptr (Reply) r = http (f, "POST", "/api/v1/conferences", ADMIN,
                                "{\"title\":\"x\",\"endpoints\":[\"ward-03\",\"ward-03\",\"ward-77\"],"
                                "\"layout\":\"mosaic\",\"record\":1}");
    JsonArray *errors;

    obj = assert_problem (r, 422, "invalid-fields");
    errors = json_object_get_array_member (obj, "errors");
    g_assert_cmpuint (json_array_get_length (errors), ==, 1);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (errors, 0), "field"),
                     ==, "record");
  }
  {
    g_autoptr (Reply) r = http (f, "POST", "/api/v1/conferences", ADMIN,
                                "{\"title\":\"x\",\"endpoints\":[\"ward-03\",\"ward-03\",\"ward-77\"],"
                                "\"layout\":\"mosaic\"}");
    JsonArray *errors;

    obj = assert_problem (r, 422, "invalid-fields");
    errors = json_object_get_array_member (obj, "errors");
    g_assert_cmpuint (json_array_get_length (errors), ==, 3);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (errors, 0), "pointer"),
                     ==, "/endpoints/1");
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (errors, 1), "pointer"),
                     ==, "/endpoints/2");
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (errors, 2), "pointer"),
                     ==, "/layout");
  }

  {
    g_autoptr (Reply) r = http (f, "GET", "/api/v1/conferences", SCHED, NULL);
    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpuint (json_array_get_length (reply_array (r)), ==, 1);
  }
  {
    g_autoptr (Reply) r = http (f, "GET", path, SCHED, NULL);
    JsonArray *participants;

    g_assert_cmpuint (r->status, ==, 200);
    obj = reply_object (r);
    participants = json_object_get_array_member (obj, "participants");
    g_assert_cmpuint (json_array_get_length (participants), ==, 2);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (participants, 0), "endpoint"),
                     ==, "ward-01");
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (participants, 0), "state"),
                     ==, "invited");
    g_assert_true (json_object_get_null_member (obj, "booking"));
  }

  {
    g_autoptr (Reply) r = http (f, "PATCH", path, ADMIN, "{\"layout\":\"presenter\",\"presenter\":\"ward-02\"}");
    g_assert_cmpuint (r->status, ==, 200);
    obj = reply_object (r);
    g_assert_cmpstr (json_object_get_string_member (obj, "layout"), ==, "presenter");
    g_assert_cmpstr (json_object_get_string_member (obj, "presenter"), ==, "ward-02");
  }
  {
    g_autoptr (Reply) r = http (f, "PATCH", path, ADMIN, "{\"presenter\":\"ward-03\"}");
    assert_problem (r, 422, "invalid-fields");
  }
  {
    g_autoptr (Reply) r = http (f, "PATCH", path, ADMIN, "{}");
    obj = assert_problem (r, 422, "invalid-fields");
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (
                       json_object_get_array_member (obj, "errors"), 0), "pointer"), ==, "");
  }
  {
    g_autoptr (Reply) r = http (f, "PATCH", path, ADMIN, "{\"presenter\":null,\"title\":\"Họp giao ban\"}");
    g_assert_cmpuint (r->status, ==, 200);
    obj = reply_object (r);
    g_assert_true (json_object_get_null_member (obj, "presenter"));
    g_assert_cmpstr (json_object_get_string_member (obj, "title"), ==, "Họp giao ban");
  }

  {
    g_autoptr (Reply) r = http (f, "POST", mute1, WARD1, NULL);
    g_assert_cmpuint (r->status, ==, 204);
  }
  g_assert_true (wb_fake_conferences_is_muted (f->conferences, conf, "ward-01"));
  {
    g_autoptr (Reply) r = http (f, "POST", unmute1, WARD2, NULL);
    assert_problem (r, 403, "forbidden");
  }
  g_assert_true (wb_fake_conferences_is_muted (f->conferences, conf, "ward-01"));
  {
    g_autoptr (Reply) r = http (f, "POST", unmute1, ADMIN, NULL);
    g_assert_cmpuint (r->status, ==, 204);
  }
  g_assert_false (wb_fake_conferences_is_muted (f->conferences, conf, "ward-01"));
  {
    g_autoptr (Reply) r = http (f, "POST", mute3, ADMIN, NULL);
    assert_problem (r, 404, "not-a-participant");
  }

  {
    g_autoptr (Reply) r = http (f, "GET", snap, ADMIN, NULL);
    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpstr (soup_message_headers_get_content_type (soup_message_get_response_headers (r->msg), NULL),
                     ==, "image/jpeg");
    g_assert_cmpmem (g_bytes_get_data (r->body, NULL), g_bytes_get_size (r->body), wb_fake_jpeg, wb_fake_jpeg_len);
  }
  {
    g_autoptr (Reply) r = http (f, "GET", "/api/v1/conferences/conf-404/snapshot.jpg", ADMIN, NULL);
    assert_problem (r, 404, "not-found");
  }

  {
    g_autoptr (Reply) r = http (f, "POST", end, ADMIN, NULL);
    g_assert_cmpuint (r->status, ==, 200);
    obj = reply_object (r);
    g_assert_cmpstr (json_object_get_string_member (obj, "state"), ==, "ended");
    g_assert_false (json_object_get_null_member (obj, "ended"));
  }
  {
    g_autoptr (Reply) r = http (f, "GET", path, ADMIN, NULL);
    assert_problem (r, 404, "not-found");
  }
  {
    g_autoptr (Reply) r = http (f, "GET", "/api/v1/conferences", ADMIN, NULL);
    g_assert_cmpuint (json_array_get_length (reply_array (r)), ==, 0);
  }
  g_assert_cmpint (wb_endpoint_registry_lookup (f->registry, "ward-02")->state, ==, WB_ENDPOINT_STATE_IDLE);
}

static void
test_attendance (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  gint64 t0 = 1764126000 * G_TIME_SPAN_SECOND;   /* 2025-11-26T03:00:00Z = 10:00 in Hanoi */
  JsonObject *obj;
  JsonArray *rows;

  g_assert_true (wb_store_conference_started (f->store, "conf-old", NULL, "Họp tổng kết", t0, &error));
  g_assert_true (wb_store_attendance_join (f->store, "conf-old", "ward-02", t0 + 60 * G_TIME_SPAN_SECOND, &error));
  g_assert_true (wb_store_attendance_join (f->store, "conf-old", "ward-01", t0, &error));
  g_assert_true (wb_store_attendance_leave (f->store, "conf-old", "ward-01", t0 + 1800 * G_TIME_SPAN_SECOND,
                                            90 * G_TIME_SPAN_SECOND, &error));
  g_assert_true (wb_store_conference_ended (f->store, "conf-old", t0 + 3600 * G_TIME_SPAN_SECOND, &error));
  g_assert_no_error (error);

  {
    g_autoptr (Reply) r = http (f, "GET", "/api/v1/conferences/conf-old/attendance", SCHED, NULL);
    JsonObject *row;

    g_assert_cmpuint (r->status, ==, 200);
    obj = reply_object (r);
    g_assert_cmpstr (json_object_get_string_member (obj, "title"), ==, "Họp tổng kết");
    g_assert_cmpstr (json_object_get_string_member (obj, "started"), ==, "2025-11-26T10:00:00+07:00");
    g_assert_cmpstr (json_object_get_string_member (obj, "ended"), ==, "2025-11-26T11:00:00+07:00");
    rows = json_object_get_array_member (obj, "attendance");
    g_assert_cmpuint (json_array_get_length (rows), ==, 2);
    row = json_array_get_object_element (rows, 0);
    g_assert_cmpstr (json_object_get_string_member (row, "endpoint"), ==, "ward-01");
    g_assert_cmpstr (json_object_get_string_member (row, "joined"), ==, "2025-11-26T10:00:00+07:00");
    g_assert_cmpstr (json_object_get_string_member (row, "left"), ==, "2025-11-26T10:30:00+07:00");
    g_assert_cmpfloat (json_object_get_double_member (row, "talk_seconds"), ==, 90.0);
    g_assert_cmpfloat (json_object_get_double_member (row, "present_seconds"), ==, 1800.0);
    row = json_array_get_object_element (rows, 1);
    g_assert_cmpstr (json_object_get_string_member (row, "endpoint"), ==, "ward-02");
    /* Still in when the conference ended: closed at the end. */
    g_assert_cmpstr (json_object_get_string_member (row, "left"), ==, "2025-11-26T11:00:00+07:00");
    g_assert_cmpfloat (json_object_get_double_member (row, "present_seconds"), ==, 3540.0);
  }
  {
    g_autoptr (Reply) r = http (f, "GET", "/api/v1/conferences/conf-none/attendance", ADMIN, NULL);
    assert_problem (r, 404, "not-found");
  }
}

static void
test_bookings (Fixture *f, gconstpointer data)
{
  g_autofree char *body = booking_body ("Họp giao ban, tuần 48", 5, 14, 15, "[\"ward-01\",\"ward-02\"]");
  g_autofree char *clash = booking_body ("Trùng lịch", 5, 14, 16, "[\"ward-02\"]");
  g_autofree char *moved = NULL;
  g_autofree char *first_text = NULL;
  g_autofree char *id = NULL;
  g_autofree char *path = NULL;
  g_autofree char *start_local = future_time (5, 14);
  const char *key[] = { "Idempotency-Key", "retry-7f3a", NULL };
  JsonObject *obj;

  {
    g_autoptr (Reply) r = http_full (f, "POST", "/api/v1/bookings", SCHED, "application/json", body, key);
    g_assert_cmpuint (r->status, ==, 201);
    obj = reply_object (r);
    id = g_strdup (json_object_get_string_member (obj, "id"));
    path = g_strdup_printf ("/api/v1/bookings/%s", id);
    g_assert_cmpstr (reply_header (r, "Location"), ==, path);
    g_assert_cmpstr (json_object_get_string_member (obj, "status"), ==, "scheduled");
    g_assert_cmpstr (json_object_get_string_member (obj, "start"), ==, start_local);
    first_text = g_strdup (r->text);
  }
  {
    /* A retry with the same key: the first answer, byte for byte. */
    g_autoptr (Reply) r = http_full (f, "POST", "/api/v1/bookings", SCHED, "application/json", body, key);
    g_assert_cmpuint (r->status, ==, 201);
    g_assert_cmpstr (r->text, ==, first_text);
    g_assert_cmpstr (reply_header (r, "Idempotent-Replayed"), ==, "true");
  }
  g_assert_cmpuint (count_bookings (f), ==, 1);

  {
    g_autoptr (Reply) r = http (f, "POST", "/api/v1/bookings", ADMIN, clash);
    JsonArray *conflicts;

    obj = assert_problem (r, 409, "booking-conflict");
    conflicts = json_object_get_array_member (obj, "conflicts");
    g_assert_cmpuint (json_array_get_length (conflicts), ==, 1);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (conflicts, 0), "booking"),
                     ==, id);
  }
  {
    g_autoptr (Reply) r = http (f, "POST", "/api/v1/bookings", ADMIN,
                                "{\"title\":\"x\",\"start\":\"2030-01-01T10:00:00\",\"end\":\"2030-01-01T11:00:00+07:00\","
                                "\"endpoints\":\"all\"}");
    JsonArray *errors;

    obj = assert_problem (r, 422, "invalid-fields");
    errors = json_object_get_array_member (obj, "errors");
    g_assert_cmpuint (json_array_get_length (errors), ==, 1);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (errors, 0), "field"),
                     ==, "start");
  }
  g_assert_cmpuint (count_bookings (f), ==, 1);

  {
    g_autoptr (Reply) r = http (f, "GET", path, ADMIN, NULL);
    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpstr (json_object_get_string_member (reply_object (r), "title"), ==, "Họp giao ban, tuần 48");
  }
  {
    g_autofree char *from = future_time (5, 0);
    g_autofree char *to = future_time (6, 0);
    g_autofree char *q = NULL;
    g_autofree char *from_enc = g_uri_escape_string (from, NULL, FALSE);
    g_autofree char *to_enc = g_uri_escape_string (to, NULL, FALSE);
    g_autoptr (Reply) r = NULL;
    g_autoptr (Reply) empty = NULL;

    q = g_strdup_printf ("/api/v1/bookings?from=%s&to=%s", from_enc, to_enc);
    r = http (f, "GET", q, SCHED, NULL);
    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpuint (json_array_get_length (reply_array (r)), ==, 1);

    g_free (q);
    q = g_strdup_printf ("/api/v1/bookings?from=%s", to_enc);
    empty = http (f, "GET", q, SCHED, NULL);
    g_assert_cmpuint (json_array_get_length (reply_array (empty)), ==, 0);
  }
  {
    g_autoptr (Reply) r = http (f, "GET", "/api/v1/bookings?from=yesterday", SCHED, NULL);
    obj = assert_problem (r, 422, "invalid-fields");
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (
                       json_object_get_array_member (obj, "errors"), 0), "field"), ==, "from");
  }

  {
    g_autofree char *new_end = future_time (5, 16);
    g_autoptr (Reply) r = NULL;

    moved = g_strdup_printf ("{\"end\":\"%s\"}", new_end);
    r = http (f, "PATCH", path, ADMIN, moved);
    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpstr (json_object_get_string_member (reply_object (r), "end"), ==, new_end);
  }

  /* The calendar feed, with the token in the query as calendar apps do. */
  {
    g_autofree char *ics_path = g_strdup_printf ("/api/v1/bookings.ics?token=%s", SCHED);
    g_autoptr (Reply) r = http (f, "GET", ics_path, NULL, NULL);
    g_autofree char *uid = g_strdup_printf ("\r\nUID:%s@wardbridge\r\n", id);
    g_autofree char *dtstart = NULL;
    g_auto (GStrv) lines = NULL;
    g_autofree char *compact = NULL;
    gboolean has_stamp = FALSE;

    g_assert_cmpuint (r->status, ==, 200);
    g_assert_true (g_str_has_prefix (reply_header (r, "Content-Type"), "text/calendar"));
    g_assert_true (g_str_has_prefix (r->text, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
    g_assert_true (g_str_has_suffix (r->text, "END:VCALENDAR\r\n"));
    g_assert_nonnull (strstr (r->text, "\r\nBEGIN:VTIMEZONE\r\nTZID:Asia/Ho_Chi_Minh\r\n"));
    g_assert_nonnull (strstr (r->text, uid));
    /* 14:00 in Hanoi, written as local time in its zone. */
    compact = g_strndup (start_local, 10);
    g_strdelimit (compact, "-", ' ');
    {
      g_autoptr (GString) s = g_string_new (compact);
      g_string_replace (s, " ", "", 0);
      dtstart = g_strdup_printf ("\r\nDTSTART;TZID=Asia/Ho_Chi_Minh:%sT140000\r\n", s->str);
    }
    g_assert_nonnull (strstr (r->text, dtstart));
    g_assert_nonnull (strstr (r->text, "\r\nSUMMARY:Họp giao ban\\, tuần 48\r\n"));

    /* Every line ends in CRLF and is at most 75 octets. */
    for (const char *p = r->text; *p; p++) {
      if (*p == '\n')
        g_assert_true (p > r->text && p[-1] == '\r');
    }
    lines = g_strsplit (r->text, "\r\n", -1);
    for (guint i = 0; lines[i] != NULL; i++) {
      g_assert_cmpuint (strlen (lines[i]), <=, 75);
      if (g_str_has_prefix (lines[i], "DTSTAMP:")) {
        has_stamp = TRUE;
        g_assert_cmpuint (strlen (lines[i]), ==, strlen ("DTSTAMP:20261126T070000Z"));
        g_assert_true (g_str_has_suffix (lines[i], "Z"));
      }
    }
    g_assert_true (has_stamp);
  }
  {
    g_autoptr (Reply) r = http (f, "GET", "/api/v1/bookings.ics?token=wrong", NULL, NULL);
    assert_problem (r, 401, "unauthorized");
  }
  {
    /* The query token is only for the calendar. */
    g_autofree char *q = g_strdup_printf ("/api/v1/bookings?token=%s", SCHED);
    g_autoptr (Reply) r = http (f, "GET", q, NULL, NULL);
    assert_problem (r, 401, "unauthorized");
  }

  {
    g_autoptr (Reply) r = http (f, "DELETE", path, SCHED, NULL);
    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpstr (json_object_get_string_member (reply_object (r), "status"), ==, "cancelled");
  }

  /* The audit log has the actions under the token's identity, never the token. */
  {
    g_autoptr (Reply) r = http (f, "GET", "/api/v1/audit?limit=50", ADMIN, NULL);
    JsonArray *rows = reply_array (r);
    g_autofree char *target = g_strdup_printf ("booking/%s", id);
    guint creates = 0, conflicts = 0, cancels = 0, updates = 0;

    g_assert_null (strstr (r->text, SCHED));
    g_assert_null (strstr (r->text, ADMIN));
    for (guint i = 0; i < json_array_get_length (rows); i++) {
      JsonObject *row = json_array_get_object_element (rows, i);
      const char *action = json_object_get_string_member (row, "action");
      gint64 status = json_object_get_int_member (row, "status");

      if (g_str_equal (action, "booking.create") && status == 201) {
        creates++;
        g_assert_cmpstr (json_object_get_string_member (row, "actor"), ==, "scheduler#1");
        g_assert_cmpstr (json_object_get_string_member (row, "target"), ==, target);
      } else if (g_str_equal (action, "booking.create") && status == 409) {
        conflicts++;
        g_assert_cmpstr (json_object_get_string_member (row, "actor"), ==, "admin#1");
      } else if (g_str_equal (action, "booking.cancel")) {
        cancels++;
        g_assert_cmpstr (json_object_get_string_member (row, "target"), ==, target);
      } else if (g_str_equal (action, "booking.update")) {
        updates++;
      }
    }
    /* The retry was answered from the key, and is audited as such. */
    g_assert_cmpuint (creates, ==, 2);
    g_assert_cmpuint (conflicts, ==, 1);
    g_assert_cmpuint (updates, ==, 1);
    g_assert_cmpuint (cancels, ==, 1);
  }
  {
    g_autoptr (Reply) r = http (f, "GET", "/api/v1/audit?limit=0", ADMIN, NULL);
    assert_problem (r, 422, "invalid-fields");
  }
}


#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  ADD ("/api/routes/endpoints", test_endpoints);
  ADD ("/api/routes/join-leave", test_join_leave);
  ADD ("/api/routes/conferences", test_conferences);
  ADD ("/api/routes/attendance", test_attendance);
  ADD ("/api/routes/bookings", test_bookings);

  return g_test_run ();
}
