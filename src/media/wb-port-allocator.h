/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbPortAllocator: hands out blocks of consecutive UDP ports from the hub's
 * configured range ([hub] rtp-port-min..rtp-port-max), each block starting
 * on an even port, by binding the sockets itself.  The kernel is the only
 * record of which ports are in use, so two allocators over the same range
 * (two conferences, or a test beside a daemon) never hand out the same
 * port: a block with any port already bound is skipped.
 *
 * The allocator walks the range round-robin, so a block just given back
 * is the last one to be handed out again (late packets for a ward that
 * left do not reach the next one).  Owned by WbConference; main context
 * only.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _WbPortAllocator WbPortAllocator;

WbPortAllocator *wb_port_allocator_new  (guint port_min,
                                         guint port_max);
void             wb_port_allocator_free (WbPortAllocator *allocator);

/*
 * Binds @n_ports UDP sockets on @bind_address at ports P, P+1, ... P+n-1
 * with P even and the whole block inside the range.  On success stores the
 * sockets (owned by the caller) in @sockets[0..n_ports-1] and P in
 * @base_port.  Fails with G_IO_ERROR_NO_SPACE when no block is free, or
 * with the socket error when binding fails for another reason than
 * "address in use".
 */
gboolean wb_port_allocator_bind (WbPortAllocator  *allocator,
                                 GInetAddress     *bind_address,
                                 guint             n_ports,
                                 GSocket         **sockets,
                                 guint            *base_port,
                                 GError          **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WbPortAllocator, wb_port_allocator_free)

G_END_DECLS
