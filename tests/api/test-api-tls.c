/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The HTTP API over TLS ([http] tls-certificate and tls-key), with the
 * self-signed certificate of tests/api/data/.  A program of its own: the
 * TLS handshakes run on GLib worker threads, and a short program exits
 * before they time out (LeakSanitizer's exit-time scan can crash when a
 * thread ends under it).
 */
#include <string.h>

#include "api-test-util.h"

G_GNUC_UNUSED static void
test_tls (Fixture *f, gconstpointer data)
{
  g_assert_true (f->tls);
  {
    g_autoptr (Reply) r = http (f, "GET", "/api/v1/endpoints/ward-01", WARD1, NULL);
    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpstr (json_object_get_string_member (reply_object (r), "id"), ==, "ward-01");
  }
  {
    g_autoptr (Reply) r = http (f, "POST", "/api/v1/bookings", SCHED, "{\"title\":");
    assert_problem (r, 400, "malformed-json");
  }
}

#if defined(__SANITIZE_ADDRESS__)
/* Under AddressSanitizer the program would pass and then die at exit:
 * LeakSanitizer (GCC 12, glibc 2.36) misreads the dynamic TLS block of the
 * GnuTLS that glib-networking dlopens and its tracer crashes ("Tracer
 * caught signal 11" after "DTLS ... at 0x0004..."), whatever the test
 * does.  TLS is covered by the builds without sanitizers. */
static void
skip_tls (void)
{
  g_test_skip ("LeakSanitizer crashes at exit on the dynamic TLS of dlopen'ed GnuTLS");
}
#endif

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#if defined(__SANITIZE_ADDRESS__)
  g_test_add_func ("/api/tls", skip_tls);
#else
  g_test_add ("/api/tls", Fixture, FIXTURE_TLS, fixture_set_up, test_tls, fixture_tear_down);
#endif

  return g_test_run ();
}
