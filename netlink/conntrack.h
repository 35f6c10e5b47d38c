/* SPDX-License-Identifier: MIT */
/* Conntrack entries our NAT44 made (conntrack.c says why they must go
 * when the NAT changes). */
#ifndef V6MIG_CONNTRACK_H
#define V6MIG_CONNTRACK_H

#include <netinet/in.h>

#include "../tunnels/err.h"

/* Delete every IPv4 conntrack entry source-NATed to `to` (its reply goes
 * to `to`, its original source is another address), in this network
 * namespace. *deleted (may be NULL): how many went. 0 or -errno. */
int ct_flush_snat(struct in_addr to, unsigned *deleted, struct err *e);

#endif
