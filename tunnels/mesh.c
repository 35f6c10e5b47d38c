/* SPDX-License-Identifier: MIT */
/* MAP-E mesh, the pure part: tunnels/mesh.h. */
#include "mesh.h"

#include <arpa/inet.h>
#include <string.h>

bool mesh_rule_usable(const struct map_rule *r)
{
	unsigned sfx = 32u - r->ipv4.len;

	return r->ea_len >= sfx && r->ea_len - sfx <= 16 &&
	       r->psid_offset + (r->ea_len - sfx) <= 16 &&
	       r->ipv6.len + r->ea_len <= 64;
}

static bool v4_in(const struct v4pfx *p, struct in_addr a)
{
	uint32_t m = p->len ? ~0u << (32 - p->len) : 0;

	return ((ntohl(a.s_addr) ^ ntohl(p->addr.s_addr)) & m) == 0;
}

/* RFC 7597 5.2 and 6: rule prefix | EA bits (IPv4 suffix | PSID), subnet
 * ID 0, the interface identifier of the layout -- as map_compute() does
 * from the other end. */
static void peer_addr(const struct map_rule *r, struct in_addr v4,
		      uint16_t psid, enum map_layout layout,
		      struct in6_addr *out)
{
	unsigned sfx = 32u - r->ipv4.len, k = r->ea_len - sfx;
	uint64_t ea = sfx ? ntohl(v4.s_addr) & (uint32_t)((1ull << sfx) - 1) : 0;

	*out = r->ipv6.addr;
	v6_mask(out, r->ipv6.len);
	if (r->ea_len)
		v6_set_bits(out, r->ipv6.len, r->ea_len, ea << k | psid);
	map_iid(v4, psid, layout, out);
}

void mesh_route(const struct map_rule *rules, size_t n, enum map_layout layout,
		const struct in6_addr *br, struct in_addr dst, int port,
		struct mesh_hop *out)
{
	const struct map_rule *r;
	unsigned k;

	memset(out, 0, sizeof(*out));
	out->rule = out->match = -1;
	out->dst = *br;
	for (size_t i = 0; i < n; i++)
		if (v4_in(&rules[i].ipv4, dst) &&
		    (out->match < 0 || rules[i].ipv4.len > rules[out->match].ipv4.len))
			out->match = (int)i;
	if (out->match < 0) {
		out->why = "no forwarding rule holds the address: the BR";
		return;
	}
	r = &rules[out->match];
	if (!mesh_rule_usable(r)) {
		out->why = "its rule gives CEs IPv4 prefixes, not addresses: the BR";
		return;
	}
	if (port < 0) {
		out->why = "no port to find the CE by: the BR, which reaches every CE";
		return;
	}
	k = r->ea_len - (32u - r->ipv4.len);
	out->psid = k ? (uint16_t)((unsigned)port >> (16 - r->psid_offset - k) &
				   ((1u << k) - 1)) : 0;
	out->rule = out->match;
	peer_addr(r, dst, out->psid, layout, &out->dst);
	out->why = "inside a forwarding rule: straight to the CE";
}
