/* SPDX-License-Identifier: MIT */
/* The order of the CE's end-user prefix candidates (facts.c), pure so it
 * can be tested over every dump order. */
#ifndef V6MIG_FACTS_H
#define V6MIG_FACTS_H

#include <stdbool.h>
#include <stddef.h>

#include "../tunnels/plan.h"

/* One global IPv6 address as the dump gave it. */
struct wan_cand {
	struct v6pfx p;            /* the address with its prefix length */
	bool lan;                  /* on a LAN: from the delegated prefix */
	bool deprecated;           /* preferred lifetime 0: being left */
};

/* Sort by preference (MAP-E's end-user prefix, RFC 7597 5; the planner
 * takes the first that a rule holds): preferred before deprecated; a
 * LAN address (the delegated prefix, the CE's own) before a WAN-link
 * one; on the WAN a prefix (SLAAC /64) before a host address (an IA_NA
 * /128); then by address and length -- never the kernel's dump order. */
void wan_cands_sort(struct wan_cand *c, size_t n);
/* The sorted candidates into w->prefixes, one per network. */
void wan_cands_to_facts(const struct wan_cand *c, size_t n,
			struct wan_facts *w);

#endif
