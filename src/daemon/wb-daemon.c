/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbDaemon: wiring and lifecycle of wardbridged.
 *
 * Everything runs on the thread-default main context of the thread that
 * created the daemon (the main thread); no part of the daemon takes a lock of
 * its own.  The systemd watchdog is pinged from a timeout on that same
 * context, so a main loop that stops turning stops the pings and systemd
 * restarts the hub.
 */
#define G_LOG_DOMAIN "wardbridge"

#include "wb-daemon.h"
#include "wb-build-config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <systemd/sd-daemon.h>

#include "api/wb-api.h"
#include "control/wb-booking-service.h"
#include "control/wb-clock.h"
#include "control/wb-conference-manager.h"
#include "control/wb-endpoint-registry.h"
#include "control/wb-event-bus.h"
#include "control/wb-scheduler.h"
#include "store/wb-store.h"
#include "web/wb-web.h"

G_DEFINE_QUARK (wb-daemon-error-quark, wb_daemon_error)

struct _WbDaemon {
  GObject parent_instance;

  WbConfig *config;          /* current configuration; swapped by reload */
  char *state_dir;           /* absolute */
  gboolean state_dir_override;

  guint watchdog_source;     /* 0 when not under a systemd watchdog */
  gboolean started;

  /* The parts, in the order they are built; torn down in reverse. */
  WbStore *store;
  WbEventBus *bus;
  WbEndpointRegistry *registry;
  WbClock *clock;
  WbBookingService *bookings;
  WbScheduler *scheduler;
  WbConferenceManager *conferences;
  WbApi *api;
};

G_DEFINE_FINAL_TYPE (WbDaemon, wb_daemon, G_TYPE_OBJECT)

static void
wb_daemon_finalize (GObject *object)
{
  WbDaemon *self = WB_DAEMON (object);

  wb_daemon_stop (self);
  g_clear_object (&self->api);
  g_clear_object (&self->conferences);
  g_clear_object (&self->scheduler);
  g_clear_object (&self->bookings);
  g_clear_object (&self->clock);
  g_clear_object (&self->registry);
  g_clear_object (&self->bus);
  g_clear_object (&self->store);
  g_clear_pointer (&self->config, wb_config_unref);
  g_free (self->state_dir);

  G_OBJECT_CLASS (wb_daemon_parent_class)->finalize (object);
}

static void
wb_daemon_class_init (WbDaemonClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = wb_daemon_finalize;
}

static void
wb_daemon_init (WbDaemon *self)
{
}

/* Creates the state directory if needed and proves it is writable, so that
 * a read-only or full disk is reported at start, not at the first booking. */
static gboolean
prepare_state_dir (const char *dir, GError **error)
{
  g_autofree char *probe = NULL;
  int fd;

  if (g_mkdir_with_parents (dir, 0750) < 0) {
    int saved = errno;
    g_set_error (error, WB_DAEMON_ERROR, WB_DAEMON_ERROR_STATE_DIR,
                 "state directory %s: cannot create: %s", dir, g_strerror (saved));
    return FALSE;
  }

  probe = g_build_filename (dir, ".write-probe", NULL);
  fd = g_open (probe, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    int saved = errno;
    g_set_error (error, WB_DAEMON_ERROR, WB_DAEMON_ERROR_STATE_DIR,
                 "state directory %s: not writable: %s", dir, g_strerror (saved));
    return FALSE;
  }
  g_close (fd, NULL);
  g_unlink (probe);
  return TRUE;
}

WbDaemon *
wb_daemon_new (WbConfig *config, const char *state_dir, GError **error)
{
  g_autoptr (WbDaemon) self = NULL;
  const char *dir;

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (WB_TYPE_DAEMON, NULL);
  self->config = wb_config_ref (config);
  self->state_dir_override = state_dir != NULL;
  dir = state_dir != NULL ? state_dir : config->state_dir;
  self->state_dir = g_canonicalize_filename (dir, NULL);

  if (!prepare_state_dir (self->state_dir, error))
    return NULL;

  return g_steal_pointer (&self);
}

static gboolean
watchdog_ping (gpointer user_data)
{
  sd_notify (0, "WATCHDOG=1");
  return G_SOURCE_CONTINUE;
}

static void
start_watchdog (WbDaemon *self)
{
  uint64_t usec = 0;

  if (sd_watchdog_enabled (0, &usec) <= 0 || usec == 0)
    return;

  /* Ping at a quarter of the interval: one missed turn is not yet fatal. */
  self->watchdog_source = g_timeout_add (MAX (usec / 4000, 1), watchdog_ping, self);
  g_source_set_name_by_id (self->watchdog_source, "[wardbridge] systemd watchdog");
  g_info ("systemd watchdog: pinging every %" G_GUINT64_FORMAT " ms", usec / 4000);
}

gboolean
wb_daemon_start (WbDaemon *self, GError **error)
{
  g_autofree char *status = NULL;
  g_autofree char *url = NULL;

  g_return_val_if_fail (WB_IS_DAEMON (self), FALSE);
  g_return_val_if_fail (!self->started, FALSE);

  self->store = wb_store_open_in_dir (self->state_dir, error);
  if (self->store == NULL) {
    g_prefix_error (error, "store: ");
    return FALSE;
  }

  self->bus = wb_event_bus_new ();
  self->registry = wb_endpoint_registry_new (self->config, self->bus);
  self->clock = wb_real_clock_new ();
  self->bookings = wb_booking_service_new (self->store, self->config, self->clock);
  self->scheduler = wb_scheduler_new (self->bookings, self->clock);
  self->conferences = wb_conference_manager_new (self->config, self->store, self->registry, self->bus);
  wb_conference_manager_attach_scheduler (self->conferences, self->scheduler);

  self->api = wb_api_new (self->config, self->registry, self->bus);
  wb_api_set_booking_service (self->api, self->bookings);
  wb_api_set_conference_control (self->api, WB_CONFERENCE_CONTROL (self->conferences));
  wb_api_set_asset_handler (self->api, wb_web_serve);
  if (!wb_api_listen (self->api, error)) {
    g_prefix_error (error, "HTTP API on %s port %u: ", self->config->http_address, self->config->http_port);
    return FALSE;
  }

  /* Bookings whose slot is under way start again; passed ones are missed. */
  if (!wb_scheduler_recover (self->scheduler, error)) {
    g_prefix_error (error, "recovering bookings: ");
    wb_api_stop (self->api);
    return FALSE;
  }

  self->started = TRUE;
  start_watchdog (self);

  url = g_strdup_printf ("%s://%s%s%s:%u/", self->config->tls_certificate ? "https" : "http",
                         strchr (self->config->http_address, ':') ? "[" : "",
                         self->config->http_address,
                         strchr (self->config->http_address, ':') ? "]" : "",
                         wb_api_get_port (self->api));
  status = g_strdup_printf ("STATUS=serving %u wards on %s", self->config->endpoints->len, url);
  sd_notify (0, "READY=1");
  sd_notify (0, status);
  /* Tests and tools read the bound port from this line. */
  g_message ("wardbridged %s ready: %u wards, state directory %s, listening on %s",
             PACKAGE_VERSION, self->config->endpoints->len, self->state_dir, url);
  return TRUE;
}

gboolean
wb_daemon_reload (WbDaemon *self, GError **error)
{
  g_autoptr (GPtrArray) problems = NULL;
  g_autoptr (GPtrArray) warnings = NULL;
  g_autoptr (WbConfig) fresh = NULL;
  g_autofree char *path = NULL;

  g_return_val_if_fail (WB_IS_DAEMON (self), FALSE);

  path = g_strdup (self->config->path);
  sd_notify (0, "RELOADING=1");
  fresh = wb_config_load (path, &problems, &warnings, error);
  for (guint i = 0; warnings != NULL && i < warnings->len; i++)
    g_warning ("%s", (const char *) g_ptr_array_index (warnings, i));
  if (fresh == NULL) {
    for (guint i = 0; problems != NULL && i < problems->len; i++)
      g_warning ("%s", (const char *) g_ptr_array_index (problems, i));
    g_warning ("reload refused, keeping the running configuration");
    sd_notify (0, "READY=1");
    return FALSE;
  }

  if (fresh->http_port != self->config->http_port ||
      g_strcmp0 (fresh->http_address, self->config->http_address) != 0 ||
      fresh->rtp_port_min != self->config->rtp_port_min ||
      fresh->rtp_port_max != self->config->rtp_port_max ||
      (!self->state_dir_override && g_strcmp0 (fresh->state_dir, self->config->state_dir) != 0))
    g_message ("reload: listen addresses, port ranges and the state directory change at the next start");

  g_clear_pointer (&self->config, wb_config_unref);
  self->config = g_steal_pointer (&fresh);
  if (self->started) {
    wb_endpoint_registry_set_config (self->registry, self->config);
    wb_booking_service_set_config (self->bookings, self->config);
    wb_conference_manager_set_config (self->conferences, self->config);
    wb_api_set_config (self->api, self->config);
  }
  g_message ("configuration reloaded from %s: %u wards", path, self->config->endpoints->len);
  sd_notify (0, "READY=1");
  return TRUE;
}

void
wb_daemon_stop (WbDaemon *self)
{
  g_return_if_fail (WB_IS_DAEMON (self));

  if (!self->started)
    return;
  self->started = FALSE;

  sd_notify (0, "STOPPING=1");
  g_message ("stopping: ending %u running conference(s)",
             wb_conference_manager_get_n_running (self->conferences));
  /* Stop taking requests first, then end the conferences (recordings are
   * closed, attendance rows written), then let the store go. */
  wb_api_stop (self->api);
  wb_conference_manager_end_all (self->conferences);
  g_clear_handle_id (&self->watchdog_source, g_source_remove);
  g_message ("wardbridged stopped");
}

const char *
wb_daemon_get_state_dir (WbDaemon *self)
{
  g_return_val_if_fail (WB_IS_DAEMON (self), NULL);
  return self->state_dir;
}

WbConfig *
wb_daemon_get_config (WbDaemon *self)
{
  g_return_val_if_fail (WB_IS_DAEMON (self), NULL);
  return self->config;
}
