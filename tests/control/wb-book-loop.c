/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helper of test-durability: books one-hour slots in a loop on the store
 * file given as argument and prints each booking's id on stdout as soon as
 * the booking service has acknowledged it (that is, after COMMIT).  The
 * test kills it with SIGKILL at a random moment and checks the file.
 *
 *   wb-book-loop DB-PATH RUN
 *
 * RUN (0, 1, ...) keeps the slots and idempotency keys of successive runs
 * apart.
 */
#include <stdio.h>
#include <stdlib.h>

#include "control/wb-booking-service.h"
#include "test-util.h"

#define MAX_BOOKINGS 100000

int
main (int   argc,
      char *argv[])
{
  g_autoptr(WbConfig) config = NULL;
  g_autoptr(WbClock) clock = NULL;
  g_autoptr(WbStore) store = NULL;
  g_autoptr(WbBookingService) service = NULL;
  g_autoptr(GError) error = NULL;
  const WbActor actor = { "scheduler", "scheduler:0", "durability test" };
  gint64 base;
  guint64 run;

  if (argc != 3 || !g_ascii_string_to_unsigned (argv[2], 10, 0, 1000, &run, NULL))
    {
      g_printerr ("Usage: %s DB-PATH RUN\n", argv[0]);
      return 2;
    }

  config = test_config_new (3);
  clock = wb_real_clock_new ();
  store = wb_store_open (argv[1], &error);
  if (store == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  service = wb_booking_service_new (store, config, clock);

  base = test_time ("2030-01-01T00:00:00Z") + (gint64) run * MAX_BOOKINGS * G_TIME_SPAN_HOUR;
  for (guint i = 0; i < MAX_BOOKINGS; i++)
    {
      gint64 start = base + (gint64) i * G_TIME_SPAN_HOUR;
      g_autofree char *start_text = wb_booking_time_format (start);
      g_autofree char *end_text = wb_booking_time_format (start + G_TIME_SPAN_HOUR);
      g_autofree char *text = NULL;
      g_autofree char *key = g_strdup_printf ("run-%" G_GUINT64_FORMAT "-%u", run, i);
      g_autoptr(JsonNode) body = NULL;
      g_autoptr(WbBookingAnswer) answer = NULL;

      text = g_strdup_printf ("{\"title\":\"Durability %u\",\"start\":\"%s\",\"end\":\"%s\","
                              "\"endpoints\":[\"ward-01\",\"ward-03\"]}",
                              i, start_text, end_text);
      body = test_json (text);
      answer = wb_booking_service_create (service, body, &actor, key, NULL, &error);
      if (answer == NULL)
        {
          g_printerr ("booking %u: %s\n", i, error->message);
          return 1;
        }
      /* Acknowledged: the transaction has committed. */
      printf ("%s\n", answer->booking->id);
      fflush (stdout);
    }
  return 0;
}
