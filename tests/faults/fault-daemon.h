/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * FaultDaemon: a real wardbridged for the fault tests, in a temporary
 * directory of its own (config, state, log), HTTP on 127.0.0.1 and a port
 * read back from its "listening on" line.  Unlike the client tests'
 * WbTestDaemon it hands out what faults need: the process id (SIGKILL,
 * SIGSTOP, prlimit), an sd_notify socket with a watchdog, and a spawn that
 * ignores SIGXFSZ, so that a file-size limit makes writes fail with EFBIG
 * as a full disk makes them fail, instead of killing the process.
 *
 * Also a minimal HTTP/1.0 client over raw sockets that can choose its
 * source address (127.0.0.2 is another client than 127.0.0.1).
 * Owned by the test.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define FAULT_ADMIN_TOKEN "admin-token-0123456789"
#define FAULT_SCHED_TOKEN "sched-token-0123456789"

typedef struct _FaultDaemon FaultDaemon;

/* @watchdog_usec: 0 for none; otherwise NOTIFY_SOCKET and WATCHDOG_USEC
 * are set and fault_daemon_read_notify() reads what it sends. */
FaultDaemon *fault_daemon_new   (guint64      watchdog_usec);
void         fault_daemon_free  (FaultDaemon *daemon);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FaultDaemon, fault_daemon_free)

/* Spawns it (again, on the same state) and waits until it serves. */
void         fault_daemon_start (FaultDaemon *daemon);
/* SIGKILL, then waits for it to be gone. */
void         fault_daemon_kill  (FaultDaemon *daemon);
/* SIGTERM, then waits; a process that does not exit with 0 (under ASan:
 * one that leaked) fails the running test, without aborting it. */
void         fault_daemon_stop  (FaultDaemon *daemon);

GPid         fault_daemon_get_pid       (FaultDaemon *daemon);
guint        fault_daemon_get_port      (FaultDaemon *daemon);
const char  *fault_daemon_get_state_dir (FaultDaemon *daemon);
const char  *fault_daemon_get_config    (FaultDaemon *daemon);
char        *fault_daemon_get_log       (FaultDaemon *daemon);

/* One sd_notify datagram, waiting at most @timeout_ms; NULL if none. */
char        *fault_daemon_read_notify   (FaultDaemon *daemon,
                                         guint        timeout_ms);

typedef struct {
  guint  status;        /* 0: no answer (connection refused, closed, timed out) */
  char  *head;          /* status line and headers */
  char  *body;
} FaultResponse;

void fault_response_free (FaultResponse *response);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FaultResponse, fault_response_free)

/* One request with "Connection: close", from @from_address (NULL:
 * 127.0.0.1), giving up after @timeout_s.  @body may be NULL. */
FaultResponse *fault_http (guint       port,
                           const char *from_address,
                           const char *method,
                           const char *path,
                           const char *token,
                           const char *body,
                           guint       timeout_s);

/* A connected socket from @from_address (NULL: 127.0.0.1), for requests
 * written by hand; NULL if the connection is refused. */
GSocket *fault_connect (guint       port,
                        const char *from_address);

/* Everything @socket reads until the peer closes, or NULL when nothing
 * came within @timeout_s. */
char    *fault_read_all (GSocket *socket,
                         guint    timeout_s);

G_END_DECLS
