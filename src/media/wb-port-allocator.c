/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbPortAllocator: even-aligned blocks of UDP ports from the configured
 * range, bound on the spot (see wb-port-allocator.h).
 */
#include "media/wb-port-allocator.h"

struct _WbPortAllocator {
  guint port_min;   /* even */
  guint port_max;
  guint next;       /* where the next search starts; even */
};

WbPortAllocator *
wb_port_allocator_new (guint port_min,
                       guint port_max)
{
  WbPortAllocator *allocator;

  g_return_val_if_fail (port_min > 0 && port_min <= port_max && port_max <= 65535, NULL);

  allocator = g_new0 (WbPortAllocator, 1);
  allocator->port_min = port_min + (port_min % 2);
  allocator->port_max = port_max;
  allocator->next = allocator->port_min;

  return allocator;
}

void
wb_port_allocator_free (WbPortAllocator *allocator)
{
  g_free (allocator);
}

static GSocket *
bind_one (GInetAddress  *address,
          guint          port,
          GError       **error)
{
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GSocketAddress) sockaddr = NULL;

  socket = g_socket_new (g_inet_address_get_family (address),
                         G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, error);
  if (socket == NULL)
    return NULL;

  sockaddr = g_inet_socket_address_new (address, (guint16) port);
  /* allow_reuse = FALSE: a port someone else holds must fail to bind. */
  if (!g_socket_bind (socket, sockaddr, FALSE, error))
    return NULL;

  return g_steal_pointer (&socket);
}

gboolean
wb_port_allocator_bind (WbPortAllocator  *allocator,
                        GInetAddress     *bind_address,
                        guint             n_ports,
                        GSocket         **sockets,
                        guint            *base_port,
                        GError          **error)
{
  guint span, n_blocks;

  g_return_val_if_fail (allocator != NULL, FALSE);
  g_return_val_if_fail (G_IS_INET_ADDRESS (bind_address), FALSE);
  g_return_val_if_fail (n_ports > 0 && sockets != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* Blocks start on even ports and are n_ports long, rounded up to even. */
  span = n_ports + (n_ports % 2);
  if (allocator->port_max < allocator->port_min + n_ports - 1) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                 "port range %u-%u is smaller than %u ports",
                 allocator->port_min, allocator->port_max, n_ports);
    return FALSE;
  }
  n_blocks = (allocator->port_max - allocator->port_min + 1 - n_ports) / span + 1;

  for (guint tried = 0; tried < n_blocks; tried++) {
    guint base = allocator->next;
    guint bound = 0;
    g_autoptr (GError) local_error = NULL;

    allocator->next += span;
    if (allocator->next + n_ports - 1 > allocator->port_max)
      allocator->next = allocator->port_min;
    if (base + n_ports - 1 > allocator->port_max)
      continue;

    for (bound = 0; bound < n_ports; bound++) {
      sockets[bound] = bind_one (bind_address, base + bound, &local_error);
      if (sockets[bound] == NULL)
        break;
    }

    if (bound == n_ports) {
      if (base_port != NULL)
        *base_port = base;
      return TRUE;
    }

    for (guint i = 0; i < bound; i++)
      g_clear_object (&sockets[i]);

    if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE)) {
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                  "binding UDP port %u: ", base + bound);
      return FALSE;
    }
  }

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
               "no free block of %u UDP ports left in %u-%u",
               n_ports, allocator->port_min, allocator->port_max);
  return FALSE;
}
