/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tests of src/control/wb-conference-manager.c with the real media plane
 * (small canvas), a real store file, the endpoint registry and the event
 * bus: what IT staff and the boxes see when a conference starts, when boxes
 * join, rejoin, leave, and when it ends; and booked conferences driven by
 * the scheduler on a fake clock.
 */
#include <gio/gio.h>
#include <gst/gst.h>

#include "control/wb-booking-service.h"
#include "control/wb-clock.h"
#include "control/wb-conference-manager.h"
#include "control/wb-scheduler.h"
#include "test-util.h"

typedef struct {
  char *dir;
  WbConfig *config;
  WbStore *store;
  WbEventBus *bus;
  WbEndpointRegistry *registry;
  WbConferenceManager *manager;
  GPtrArray *events;          /* "name ward state" lines, in order */
  GSocket *static_audio;      /* where the static box listens */
  GSocket *static_video;
} Fixture;

static const WbActor admin = { "admin", "admin:0", "IT" };

/* Binds an even UDP port and the odd one after it on 127.0.0.1. */
static GSocket *
bind_even_pair (GSocket **rtcp)
{
  for (guint attempt = 0; attempt < 200; attempt++) {
    guint port = 46000 + 2 * g_random_int_range (0, 1500);
    g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
    g_autoptr (GSocketAddress) a = g_inet_socket_address_new (lo, port);
    g_autoptr (GSocketAddress) b = g_inet_socket_address_new (lo, port + 1);
    g_autoptr (GSocket) s1 = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, NULL);
    g_autoptr (GSocket) s2 = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, NULL);

    if (g_socket_bind (s1, a, FALSE, NULL) && g_socket_bind (s2, b, FALSE, NULL)) {
      *rtcp = g_steal_pointer (&s2);
      return g_steal_pointer (&s1);
    }
  }
  g_error ("no free even UDP port pair");
}

static guint
socket_port (GSocket *socket)
{
  g_autoptr (GSocketAddress) addr = g_socket_get_local_address (socket, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (addr));
}

static void
on_event (WbEventBus *bus, WbEvent *event, gpointer user_data)
{
  Fixture *f = user_data;
  JsonObject *obj = json_node_get_object (event->data);
  const char *state = json_object_get_string_member_with_default (obj, "state", "");

  g_ptr_array_add (f->events, g_strdup_printf ("%s %s %s", event->name,
                                               event->wards[0] ? event->wards[0] : "-", state));
}

static gboolean
saw_event (Fixture *f, const char *line)
{
  for (guint i = 0; i < f->events->len; i++) {
    if (g_str_equal (g_ptr_array_index (f->events, i), line))
      return TRUE;
  }
  return FALSE;
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocket) audio_rtcp = NULL;
  g_autoptr (GSocket) video_rtcp = NULL;
  g_autofree char *text = NULL;
  g_autoptr (GPtrArray) problems = NULL;

  f->dir = test_tmp_dir_new ();
  f->static_audio = bind_even_pair (&audio_rtcp);
  f->static_video = bind_even_pair (&video_rtcp);
  text = g_strdup_printf (
      "[hub]\nrtp-port-min=41000\nrtp-port-max=41999\n"
      "[media]\nwidth=320\nheight=180\nframerate=10\nvideo-bitrate-kbps=200\n"
      "[store]\nstate-dir=%s\n"
      "[auth]\nadmin-tokens=admin-token-0123456789\n"
      "[endpoint ward-01]\nname=Phường Cam Giá\nmode=agent\ntoken=ward-01-token-0123456789\n"
      "[endpoint ward-02]\nname=Phường Chùa Hang\nmode=agent\ntoken=ward-02-token-0123456789\n"
      "[endpoint ward-03]\nname=Xã Cao Ngạn\nkind=xa\nmode=static\naddress=127.0.0.1\naudio-port=%u\nvideo-port=%u\n"
      "[endpoint ward-04]\nname=Xã Đồng Liên\nkind=xa\nmode=agent\ntoken=ward-04-token-0123456789\n",
      f->dir, socket_port (f->static_audio), socket_port (f->static_video));
  f->config = wb_config_load_from_data ("test.conf", text, -1, &problems, NULL, &error);
  g_assert_no_error (error);

  f->store = wb_store_open_in_dir (f->dir, &error);
  g_assert_no_error (error);
  f->bus = wb_event_bus_new ();
  f->events = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (f->bus, "event", G_CALLBACK (on_event), f);
  f->registry = wb_endpoint_registry_new (f->config, f->bus);
  f->manager = wb_conference_manager_new (f->config, f->store, f->registry, f->bus);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->manager);
  g_clear_object (&f->registry);
  g_clear_object (&f->bus);
  g_clear_object (&f->store);
  g_clear_object (&f->static_audio);
  g_clear_object (&f->static_video);
  g_ptr_array_unref (f->events);
  g_clear_pointer (&f->config, wb_config_unref);
  test_tmp_dir_remove (f->dir);
  g_free (f->dir);
}

static WbEndpointState
state_of (Fixture *f, const char *ward)
{
  return wb_endpoint_registry_lookup (f->registry, ward)->state;
}

static void
spin (guint ms)
{
  gint64 until = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, FALSE);
}

static void
test_lifecycle (Fixture *f, gconstpointer data)
{
  WbConferenceControl *control = WB_CONFERENCE_CONTROL (f->manager);
  const char *wards[] = { "ward-01", "ward-02", "ward-03", NULL };
  WbConferenceSpec spec = { "Giao ban tuần", FALSE, wards, WB_LAYOUT_GRID, FALSE };
  g_autoptr (WbConferenceInfo) info = NULL;
  g_autoptr (WbConferenceInfo) ended = NULL;
  g_autoptr (WbConferenceInfo) again = NULL;
  g_autoptr (WbJoinAnswer) answer = NULL;
  g_autoptr (WbJoinAnswer) answer2 = NULL;
  g_autoptr (WbConferenceRecord) record = NULL;
  g_autoptr (GPtrArray) attendance = NULL;
  g_autoptr (GError) error = NULL;
  const char *busy[] = { "ward-01", NULL };
  WbConferenceSpec busy_spec = { "Trùng", FALSE, busy, WB_LAYOUT_GRID, FALSE };
  g_autofree char *id = NULL;

  /* ward-01's box is online (its event stream is open); ward-02's is not. */
  wb_endpoint_registry_set_state (f->registry, "ward-01", WB_ENDPOINT_STATE_IDLE, NULL, &error);
  g_assert_no_error (error);

  info = wb_conference_control_start (control, &spec, &admin, &error);
  g_assert_no_error (error);
  id = g_strdup (info->id);
  g_assert_true (g_str_has_prefix (id, "conf-"));
  g_assert_cmpint (info->state, ==, WB_CONFERENCE_STATE_RUNNING);
  g_assert_cmpuint (info->participants->len, ==, 3);
  g_assert_cmpuint (wb_conference_manager_get_n_running (f->manager), ==, 1);

  /* Online agent invited; offline agent left offline; static box joined. */
  g_assert_true (saw_event (f, "conference.started ward-01 "));
  g_assert_cmpint (state_of (f, "ward-01"), ==, WB_ENDPOINT_STATE_INVITED);
  g_assert_cmpstr (wb_endpoint_registry_lookup (f->registry, "ward-01")->conference, ==, id);
  g_assert_cmpint (state_of (f, "ward-02"), ==, WB_ENDPOINT_STATE_OFFLINE);
  g_assert_cmpint (state_of (f, "ward-03"), ==, WB_ENDPOINT_STATE_JOINING);
  g_assert_true (saw_event (f, "participant.joined ward-03 "));
  g_assert_true (saw_event (f, "endpoint.state ward-01 invited"));

  record = wb_store_get_conference (f->store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (record->title, ==, "Giao ban tuần");
  g_assert_cmpint (record->ended_us, ==, 0);

  /* ward-02's box comes online: it is invited at once. */
  wb_endpoint_registry_set_state (f->registry, "ward-02", WB_ENDPOINT_STATE_IDLE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (state_of (f, "ward-02"), ==, WB_ENDPOINT_STATE_INVITED);

  /* A ward in two conferences at once is refused. */
  g_assert_null (wb_conference_control_start (control, &busy_spec, &admin, &error));
  g_assert_error (error, WB_CONFERENCE_CONTROL_ERROR, WB_CONFERENCE_CONTROL_ERROR_BUSY);
  g_clear_error (&error);

  /* ward-04 is in no conference: 409 material. */
  g_assert_null (wb_conference_control_join (control, "ward-04", "127.0.0.1", 50000, 50002, &error));
  g_assert_error (error, WB_CONFERENCE_CONTROL_ERROR, WB_CONFERENCE_CONTROL_ERROR_NO_CONFERENCE);
  g_clear_error (&error);

  /* ward-01 joins, and joins again (its box restarted). */
  answer = wb_conference_control_join (control, "ward-01", "127.0.0.1", 50000, 50002, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (answer->conference_id, ==, id);
  g_assert_cmpuint (answer->hub_audio_port, >=, 41000);
  g_assert_cmpuint (answer->hub_audio_port, <=, 41999);
  g_assert_cmpuint (answer->hub_audio_port % 2, ==, 0);
  g_assert_cmpuint (answer->hub_video_port % 2, ==, 0);
  g_assert_cmpint (state_of (f, "ward-01"), ==, WB_ENDPOINT_STATE_JOINING);
  answer2 = wb_conference_control_join (control, "ward-01", "127.0.0.1", 50004, 50006, &error);
  g_assert_no_error (error);
  g_assert_cmpint (state_of (f, "ward-01"), ==, WB_ENDPOINT_STATE_JOINING);

  /* Mute is kept in the registry. */
  g_assert_true (wb_conference_control_set_muted (control, id, "ward-01", TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (wb_endpoint_registry_lookup (f->registry, "ward-01")->muted);
  g_assert_false (wb_conference_control_set_muted (control, id, "ward-04", TRUE, &error));
  g_assert_error (error, WB_CONFERENCE_CONTROL_ERROR, WB_CONFERENCE_CONTROL_ERROR_NOT_PARTICIPANT);
  g_clear_error (&error);

  /* Layout and presenter. */
  {
    WbConferenceChanges changes = { FALSE, NULL, TRUE, WB_LAYOUT_PRESENTER, TRUE, "ward-03" };
    g_autoptr (WbConferenceInfo) updated = wb_conference_control_update (control, id, &changes, &error);

    g_assert_no_error (error);
    g_assert_cmpint (updated->layout, ==, WB_LAYOUT_PRESENTER);
    g_assert_cmpstr (updated->presenter, ==, "ward-03");
  }

  /* ward-01 leaves: still invited, the box may come back. */
  g_assert_true (wb_conference_control_leave (control, "ward-01", &error));
  g_assert_no_error (error);
  g_assert_cmpint (state_of (f, "ward-01"), ==, WB_ENDPOINT_STATE_INVITED);
  g_assert_true (saw_event (f, "participant.left ward-01 "));
  g_assert_false (wb_conference_control_leave (control, "ward-01", &error));
  g_assert_error (error, WB_CONFERENCE_CONTROL_ERROR, WB_CONFERENCE_CONTROL_ERROR_NO_CONFERENCE);
  g_clear_error (&error);

  /* The figures for /metrics move: the composite is encoded at 10 fps and
   * the static box's mix every 20 ms.  Generous wait: a loaded machine. */
  {
    gint64 until = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
    g_autoptr (WbConferenceInfo) figures = NULL;

    while (g_get_monotonic_time () < until) {
      g_clear_pointer (&figures, wb_conference_info_free);
      figures = wb_conference_control_get (control, id, &error);
      g_assert_no_error (error);
      if (figures->video_encodes >= 5 && figures->audio_encodes >= 10)
        break;
      spin (100);
    }
    g_assert_cmpuint (figures->video_encodes, >=, 5);
    g_assert_cmpuint (figures->audio_encodes, >=, 10);
  }

  ended = wb_conference_control_end (control, id, &admin, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ended->state, ==, WB_CONFERENCE_STATE_ENDED);
  g_assert_cmpuint (wb_conference_manager_get_n_running (f->manager), ==, 0);
  g_assert_true (saw_event (f, "conference.ended ward-01 "));
  g_assert_cmpint (state_of (f, "ward-01"), ==, WB_ENDPOINT_STATE_IDLE);
  g_assert_cmpint (state_of (f, "ward-02"), ==, WB_ENDPOINT_STATE_IDLE);
  g_assert_cmpint (state_of (f, "ward-03"), ==, WB_ENDPOINT_STATE_IDLE);
  g_assert_false (wb_endpoint_registry_lookup (f->registry, "ward-01")->muted);
  g_assert_null (wb_endpoint_registry_lookup (f->registry, "ward-01")->conference);

  /* Ending twice: not found among the running ones. */
  g_assert_null (wb_conference_control_end (control, id, &admin, &error));
  g_assert_error (error, WB_CONFERENCE_CONTROL_ERROR, WB_CONFERENCE_CONTROL_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Still readable after the end, as ended. */
  again = wb_conference_control_get (control, id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (again->state, ==, WB_CONFERENCE_STATE_ENDED);

  /* The store holds the end and the attendance: ward-01 two sessions,
   * ward-03 one, ward-02 never joined. */
  g_clear_pointer (&record, wb_conference_record_free);
  record = wb_store_get_conference (f->store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (record->ended_us, >, record->started_us);
  attendance = wb_store_list_attendance (f->store, id, g_get_real_time (), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (attendance->len, ==, 2);
  g_assert_cmpstr (((WbAttendance *) g_ptr_array_index (attendance, 0))->endpoint_id, ==, "ward-01");
  g_assert_cmpuint (((WbAttendance *) g_ptr_array_index (attendance, 0))->sessions, ==, 2);
  g_assert_cmpint (((WbAttendance *) g_ptr_array_index (attendance, 0))->last_left_us, >, 0);
  g_assert_cmpstr (((WbAttendance *) g_ptr_array_index (attendance, 1))->endpoint_id, ==, "ward-03");
  g_assert_cmpuint (((WbAttendance *) g_ptr_array_index (attendance, 1))->sessions, ==, 1);
}

static void
test_unknown (Fixture *f, gconstpointer data)
{
  WbConferenceControl *control = WB_CONFERENCE_CONTROL (f->manager);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) list = NULL;

  g_assert_null (wb_conference_control_get (control, "conf-nothere", &error));
  g_assert_error (error, WB_CONFERENCE_CONTROL_ERROR, WB_CONFERENCE_CONTROL_ERROR_NOT_FOUND);
  g_clear_error (&error);
  list = wb_conference_control_list (control);
  g_assert_cmpuint (list->len, ==, 0);
}

/* A booked conference: the scheduler starts it at the start through the
 * manager's hooks, and ending it by hand ends the booking too. */
static void
test_booked (Fixture *f, gconstpointer data)
{
  g_autoptr (WbClock) clock = wb_fake_clock_new (test_time ("2026-11-26T08:00:00+07:00"));
  g_autoptr (WbBookingService) bookings = wb_booking_service_new (f->store, f->config, clock);
  g_autoptr (WbScheduler) scheduler = wb_scheduler_new (bookings, clock);
  g_autoptr (JsonNode) body = test_json ("{\"title\":\"Họp giao ban\",\"start\":\"2026-11-26T09:00:00+07:00\","
                                         "\"end\":\"2026-11-26T10:00:00+07:00\",\"endpoints\":[\"ward-01\",\"ward-03\"]}");
  g_autoptr (WbBookingAnswer) answer = NULL;
  g_autoptr (WbBooking) running = NULL;
  g_autoptr (WbBooking) done = NULL;
  g_autoptr (WbConferenceInfo) info = NULL;
  g_autoptr (GError) error = NULL;

  wb_conference_manager_attach_scheduler (f->manager, scheduler);
  g_assert_true (wb_scheduler_recover (scheduler, &error));
  g_assert_no_error (error);

  answer = wb_booking_service_create (bookings, body, &admin, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (wb_conference_manager_get_n_running (f->manager), ==, 0);

  wb_fake_clock_set_time (WB_FAKE_CLOCK (clock), test_time ("2026-11-26T09:00:00+07:00"));
  g_assert_cmpuint (wb_conference_manager_get_n_running (f->manager), ==, 1);
  running = wb_booking_service_get (bookings, answer->booking->id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (running->status, ==, WB_BOOKING_STATUS_RUNNING);
  g_assert_nonnull (running->conference_id);

  info = wb_conference_control_get (WB_CONFERENCE_CONTROL (f->manager), running->conference_id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (info->title, ==, "Họp giao ban");
  g_assert_cmpstr (info->booking_id, ==, answer->booking->id);
  g_assert_cmpuint (info->participants->len, ==, 2);
  g_assert_cmpint (state_of (f, "ward-03"), ==, WB_ENDPOINT_STATE_JOINING);

  /* IT staff end it early: the booking is ended too. */
  g_clear_pointer (&info, wb_conference_info_free);
  info = wb_conference_control_end (WB_CONFERENCE_CONTROL (f->manager), running->conference_id, &admin, &error);
  g_assert_no_error (error);
  done = wb_booking_service_get (bookings, answer->booking->id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (done->status, ==, WB_BOOKING_STATUS_ENDED);
  g_assert_cmpuint (wb_conference_manager_get_n_running (f->manager), ==, 0);

  /* The booked end passing later changes nothing more. */
  wb_fake_clock_set_time (WB_FAKE_CLOCK (clock), test_time ("2026-11-26T10:00:00+07:00"));
  g_assert_cmpuint (wb_conference_manager_get_n_running (f->manager), ==, 0);
}

/* The daemon's stop ends every conference and closes attendance. */
static void
test_end_all (Fixture *f, gconstpointer data)
{
  WbConferenceControl *control = WB_CONFERENCE_CONTROL (f->manager);
  const char *one[] = { "ward-03", NULL };
  const char *two[] = { "ward-01", NULL };
  WbConferenceSpec a = { "Một", FALSE, one, WB_LAYOUT_SINGLE, FALSE };
  WbConferenceSpec b = { "Hai", FALSE, two, WB_LAYOUT_GRID, FALSE };
  g_autoptr (WbConferenceInfo) ia = NULL;
  g_autoptr (WbConferenceInfo) ib = NULL;
  g_autoptr (WbConferenceRecord) ra = NULL;
  g_autoptr (GError) error = NULL;

  ia = wb_conference_control_start (control, &a, &admin, &error);
  g_assert_no_error (error);
  ib = wb_conference_control_start (control, &b, &admin, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (wb_conference_manager_get_n_running (f->manager), ==, 2);

  wb_conference_manager_end_all (f->manager);
  g_assert_cmpuint (wb_conference_manager_get_n_running (f->manager), ==, 0);
  ra = wb_store_get_conference (f->store, ia->id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ra->ended_us, >, 0);
  g_assert_cmpint (test_sql_int (wb_store_get_path (f->store),
                                 "SELECT count(*) FROM attendance WHERE left_us IS NULL OR left_us = 0"), ==, 0);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/conference-manager/lifecycle", Fixture, NULL, fixture_set_up, test_lifecycle, fixture_tear_down);
  g_test_add ("/conference-manager/unknown", Fixture, NULL, fixture_set_up, test_unknown, fixture_tear_down);
  g_test_add ("/conference-manager/booked", Fixture, NULL, fixture_set_up, test_booked, fixture_tear_down);
  g_test_add ("/conference-manager/end-all", Fixture, NULL, fixture_set_up, test_end_all, fixture_tear_down);

  return g_test_run ();
}
