/* SPDX-License-Identifier: MIT */
/* MAP-E mesh (RFC 7597 5, HB46PP map_e.mesh 1), the pure part: where one
 * IPv4 packet goes by the Forwarding Mapping Rules -- the same decision
 * bpf/mesh.bpf.c makes per packet, for `plan --dest` and the tests. */
#ifndef V6MIG_MESH_PURE_H
#define V6MIG_MESH_PURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "map.h"

struct mesh_hop {
	int rule;               /* the FMR used, -1: the BR */
	int match;              /* the longest rule holding the address, -1 none */
	uint16_t psid;          /* the destination's PSID (rule >= 0) */
	struct in6_addr dst;    /* the outer IPv6 destination */
	const char *why;        /* one phrase: why this way */
};

/* Can rule r serve as an FMR for the mesh programs (a whole IPv4 address
 * per CE: EA bits at least the IPv4 suffix, PSID at most 16 bits)? */
bool mesh_rule_usable(const struct map_rule *r);

/* The longest-matching usable rule for dst and, with a port (port >= 0),
 * the peer CE's MAP address in the given layout; else the BR. */
void mesh_route(const struct map_rule *rules, size_t n, enum map_layout layout,
		const struct in6_addr *br, struct in_addr dst, int port,
		struct mesh_hop *out);

#endif
