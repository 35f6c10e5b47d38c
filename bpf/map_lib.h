/* SPDX-License-Identifier: MIT */
/* RFC 7597 arithmetic for the eBPF programs (bpf/xlat.bpf.c MAP-T FMRs,
 * bpf/mesh.bpf.c MAP-E mesh): port sets and the MAP address of a CE.
 * No maps, no packet access: plain functions on values, so both objects
 * include it without pulling in each other's maps. The user-space twin is
 * tunnels/map.c (map_compute, map_iid); tests compare the two. */
#ifndef V6MIG_BPF_MAP_LIB_H
#define V6MIG_BPF_MAP_LIB_H

#include <linux/types.h>
#include <bpf/bpf_endian.h>

/* Where the IPv4 address starts in the MAP address (RFC 7597 6: IID =
 * 16 zero bits, IPv4, PSID -> octet 10; draft-ietf-softwire-map-03,
 * map_e.version 0: 8 zero bits, IPv4, PSID, 8 zero bits -> octet 9). */
#define MAP_IID_V4OFF_RFC 10
#define MAP_IID_V4OFF_DRAFT03 9

/* RFC 7597 5.1: the PSID is the k bits after the first a bits of a port. */
static __always_inline __u16 psid_of(__u8 a, __u8 k, __u16 port)
{
	if (k == 0 || a + k > 16)
		return 0;
	return (port >> (16 - a - k)) & ((1u << k) - 1);
}

/* The port belongs to the set {a, k, psid}: its PSID matches and, with
 * a > 0, it is not one of the excluded ports 0 .. 2^(16-a)-1. */
static __always_inline int port_ok(__u8 a, __u8 k, __u16 psid, __u16 port)
{
	if (k == 0)
		return 1;
	if (a > 15 || a + k > 16)
		return 0;
	if (a && (port >> (16 - a)) == 0)
		return 0;
	return psid_of(a, k, port) == psid;
}

/* One rule as the address arithmetic needs it. */
struct map_rule_b {
	const __u8 *v6;      /* rule IPv6 prefix, 16 octets */
	__u8 v6_len;
	__u8 v4_len;
	__u8 ea_len;
	__u8 psid_len;       /* ea_len - (32 - v4_len) */
};

/* The MAP IPv6 address of the CE holding (v4, psid) under rule r
 * (RFC 7597 5.2: rule prefix | EA bits (IPv4 suffix | PSID) | subnet 0 |
 * IID; section 6 for the IID, v4off MAP_IID_V4OFF_*). v4 in network order.
 * -1 when the rule's lengths are inconsistent. */
static __always_inline int map_ce_addr(__u8 out[16], const struct map_rule_b *r,
				       __u32 v4, __u16 psid, __u8 v4off)
{
	__u32 h = bpf_ntohl(v4);
	__u32 sfx = 32 - r->v4_len;
	__u64 ea, hi = 0;
	__u32 shift;

	if (r->v4_len > 32 || r->psid_len > 16 || r->v6_len + r->ea_len > 64 ||
	    r->ea_len != sfx + r->psid_len ||
	    (v4off != MAP_IID_V4OFF_RFC && v4off != MAP_IID_V4OFF_DRAFT03))
		return -1;
	ea = sfx ? (h & (__u32)((1ull << sfx) - 1)) : 0;
	ea = (ea << r->psid_len) | psid;
	for (int i = 0; i < 8; i++)
		hi = (hi << 8) | r->v6[i];
	/* keep only the rule's prefix bits, then place the EA bits */
	if (r->v6_len < 64)
		hi &= r->v6_len ? ~0ull << (64 - r->v6_len) : 0;
	shift = 64 - r->v6_len - r->ea_len;
	if (r->ea_len)
		hi |= (ea << (shift & 63));
	for (int i = 7; i >= 0; i--) {
		out[i] = hi & 0xff;
		hi >>= 8;
	}
	for (int i = 8; i < 16; i++)
		out[i] = 0;
	__builtin_memcpy(out + (v4off & 15), &v4, 4);
	out[(v4off + 4) & 15] = psid >> 8;
	out[(v4off + 5) & 15] = psid & 0xff;
	return 0;
}

#endif
