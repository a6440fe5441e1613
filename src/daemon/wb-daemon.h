/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbDaemon: the hub process as one object.  It owns the configuration, the
 * state directory and every long-lived part of wardbridged (store, endpoint
 * registry, conferences, scheduler, HTTP API), wires them together, and
 * carries them through start, reload and orderly stop.  main() owns the one
 * WbDaemon and the main loop it runs on.
 */
#pragma once

#include <glib-object.h>
#include "common/wb-config.h"

G_BEGIN_DECLS

#define WB_TYPE_DAEMON (wb_daemon_get_type ())
G_DECLARE_FINAL_TYPE (WbDaemon, wb_daemon, WB, DAEMON, GObject)

#define WB_DAEMON_ERROR (wb_daemon_error_quark ())
GQuark wb_daemon_error_quark (void);

typedef enum {
  WB_DAEMON_ERROR_STATE_DIR,
  WB_DAEMON_ERROR_FAILED,
} WbDaemonError;

/* Takes a reference on @config.  @state_dir overrides [store] state-dir. */
WbDaemon *wb_daemon_new   (WbConfig    *config,
                           const char  *state_dir,
                           GError     **error);

/* Opens the store, starts listening, recovers bookings, tells systemd READY. */
gboolean  wb_daemon_start (WbDaemon    *self,
                           GError     **error);

/* Loads the config file again and applies what can change at run time.
 * A bad file changes nothing and is reported in the log. */
gboolean  wb_daemon_reload (WbDaemon   *self,
                            GError    **error);

/* Ends running conferences, stops listening, closes the store. */
void      wb_daemon_stop  (WbDaemon    *self);

const char *wb_daemon_get_state_dir (WbDaemon *self);
WbConfig   *wb_daemon_get_config    (WbDaemon *self);

G_END_DECLS
