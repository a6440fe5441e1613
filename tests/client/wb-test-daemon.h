/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbTestDaemon: a real wardbridged for end-to-end tests, spawned from the
 * build tree with its own configuration and state directory in a
 * temporary directory, HTTP on 127.0.0.1 and a port chosen at run time
 * (read back from its "listening on" log line).  It can be killed with
 * SIGKILL and restarted on the same port and state, as a hub that crashed.
 *
 * Tokens: "admin-token-0123456789", "sched-token-0123456789", and
 * "<ward>-token-0123456789" for ward-01, ward-03, ward-08 and ward-22
 * (the one configured with srtp=true).
 * Owned by the test.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define WB_TEST_DAEMON_ADMIN_TOKEN "admin-token-0123456789"
#define WB_TEST_DAEMON_SCHED_TOKEN "sched-token-0123456789"
#define WB_TEST_DAEMON_WARD_TOKEN(ward) ward "-token-0123456789"

typedef struct _WbTestDaemon WbTestDaemon;

/* TRUE when wardbridged is in the build tree; otherwise marks the test
 * skipped, saying why, and returns FALSE. */
gboolean      wb_test_daemon_available (void);
/* Starts it and waits until it serves. */
WbTestDaemon *wb_test_daemon_new  (void);
void          wb_test_daemon_free (WbTestDaemon *daemon);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WbTestDaemon, wb_test_daemon_free)

/* "http://127.0.0.1:PORT" */
const char   *wb_test_daemon_get_url (WbTestDaemon *daemon);
/* SIGKILL, and wait for it to be gone. */
void          wb_test_daemon_kill    (WbTestDaemon *daemon);
/* Starts it again on the same port and state directory. */
void          wb_test_daemon_restart (WbTestDaemon *daemon);
/* Event streams open now, as its /metrics says. */
guint         wb_test_daemon_count_event_streams (WbTestDaemon *daemon);
/* What it logged so far. */
char         *wb_test_daemon_get_log (WbTestDaemon *daemon);

G_END_DECLS
