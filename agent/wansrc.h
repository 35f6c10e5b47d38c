/* SPDX-License-Identifier: MIT */
/* The source address of HB46PP's own traffic (DNS, the fetch): the WAN's
 * own global address, as the ISP assigned it by RA or DHCPv6. HB46PP
 * knows the line by it (S1: 403/404 for an unknown source); our MAP-E /
 * lw4o6 /128 and a CLAT address live on the WAN too, and the kernel's
 * source selection (RFC 6724) may prefer them. */
#ifndef V6MIG_WANSRC_H
#define V6MIG_WANSRC_H

#include <netinet/in.h>

#include "../tunnels/err.h"

/* A preferred (not deprecated, not tentative) global address on wan that
 * is not ours (IFA_PROTO V6MIG_RTPROT), a stable one before a privacy
 * one: 0; -ENOENT when there is none (then bind by device only); other
 * -errno from netlink. */
int wan_source(const char *wan, struct in6_addr *out, struct err *e);

#endif
