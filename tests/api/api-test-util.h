/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helpers of the API tests (test-api.c, test-api-routes.c): the fixture
 * (config, bus, registry, store, booking service, fake conference control
 * and a listening WbApi), HTTP requests through a SoupSession, raw sockets,
 * an SSE reader and a few state checks.  Every wait iterates the main
 * context and fails the test after WAIT_LIMIT_S instead of hanging.
 */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "api/wb-api-private.h"
#include "control/wb-booking-service.h"
#include "store/wb-store.h"
#include "wb-fake-conferences.h"

G_BEGIN_DECLS

#define ADMIN "admin-token-one"
#define ADMIN2 "admin-token-two"
#define SCHED "sched-token-one"
#define WARD1 "ward-01-secret"
#define WARD2 "ward-02-secret"
#define WARD3 "ward-03-secret"
#define MAX_BODY 1024
/* Guard against hangs: no single wait in these tests may take this long. */
#define WAIT_LIMIT_S 30

/* Pass as the test data of g_test_add() to serve over TLS. */
extern const char fixture_tls[];
#define FIXTURE_TLS ((gconstpointer) fixture_tls)

typedef struct {
  char *dir;
  WbConfig *config;
  WbEventBus *bus;
  WbEndpointRegistry *registry;
  WbStore *store;
  WbClock *clock;
  WbBookingService *bookings;
  WbFakeConferences *conferences;
  WbApi *api;
  SoupSession *session;
  guint port;
  gboolean tls;
} Fixture;

/* The test config (4 wards: three agents, ward-03 with SRTP, PCMA, VP8,
 * and one static) with every @from replaced by @to (both may be NULL). */
WbConfig *make_config (const char *dir, const char *from, const char *to);
void fixture_set_up    (Fixture *f, gconstpointer data);
void fixture_tear_down (Fixture *f, gconstpointer data);

typedef struct {
  SoupMessage *msg;
  guint status;
  GBytes *body;
  char *text;              /* body as a string */
  JsonNode *json;          /* parsed when JSON or problem+json */
  GError *error;
} Reply;

void reply_free (Reply *reply);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Reply, reply_free)

gboolean wait_timed_out (gpointer data);
void     wait_for (gboolean *done);
void     drain_main_context (void);

/* @headers: NULL-terminated name, value, name, value, ... */
Reply *http_full (Fixture *f, const char *method, const char *path, const char *token,
                  const char *content_type, const char *body, const char *const *headers);
Reply *http (Fixture *f, const char *method, const char *path, const char *token, const char *json_body);
JsonObject *reply_object (Reply *reply);
JsonArray  *reply_array (Reply *reply);
const char *reply_header (Reply *reply, const char *name);
/* Checks an RFC 9457 problem answer and returns its object. */
JsonObject *assert_problem (Reply *reply, guint status, const char *slug);

GSocketConnection *raw_connect (Fixture *f);
void     raw_write (GSocketConnection *conn, const char *data, gsize len);
/* Reads until EOF, or until @until appears (when not NULL). */
GString *raw_read (GSocketConnection *conn, const char *until, gboolean *eof);
char    *raw_body (GString *response);

guint count_bookings (Fixture *f);
guint count_audit (Fixture *f);
/* "YYYY-MM-DDTHH:00:00+07:00", @days from today at @hour, Hanoi time. */
char *future_time (guint days, guint hour);
char *booking_body (const char *title, guint days, guint from_hour, guint to_hour, const char *endpoints);
/* POST /api/v1/conferences as admin; returns the new id. */
char *start_conference (Fixture *f, const char *endpoints);

typedef struct {
  SoupMessage *msg;
  GInputStream *stream;
  GCancellable *cancellable;
  GString *data;
  gboolean ended;
} Stream;

Stream *stream_open (Fixture *f, const char *token, const char *last_event_id);
void    stream_wait_for (Stream *s, const char *text);
void    stream_close (Stream *s);
guint   count_occurrences (const char *haystack, const char *needle);

G_END_DECLS
