/* SPDX-License-Identifier: MIT */
/* The translator's building blocks, BPF side only (bpf/xlat.bpf.c): maps,
 * counters, checksums over the skb, RFC 6052 and RFC 7597 address
 * arithmetic, the port-set test. Everything reads the packet through
 * bpf_skb_load_bytes() at computed offsets, so a non-linear skb needs no
 * pull and the verifier sees no packet-pointer arithmetic. */
#ifndef V6MIG_XLAT_LIB_H
#define V6MIG_XLAT_LIB_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "xlat_abi.h"

#define L3_OFF ETH_HLEN          /* both hooks see an Ethernet frame */
#define IP4_HLEN 20
#define IP6_HLEN 40
#define FRAG6_HLEN 8
#define ICMP_HLEN 8
#define NH_FRAGMENT 44
#define NH_ICMPV6 58
#define SUM_CHUNK 256            /* checksum loop: 256 x 256 B = 64 KiB */
#define SUM_CHUNKS 256

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xlat_cfg);
} xlat_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, XLAT_FMR_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct xlat_lpm4);
	__type(value, struct xlat_fmr);
} xlat_fmr4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, XLAT_FMR_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct xlat_lpm6);
	__type(value, struct xlat_fmr);
} xlat_fmr6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XLAT_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} xlat_stats SEC(".maps");

struct chunk {
	__u8 b[SUM_CHUNK];
};

/* Scratch for the checksum loop: too big for the 512-byte stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct chunk);
} xlat_scratch SEC(".maps");

static __always_inline void stat_inc(enum xlat_stat s)
{
	__u32 k = s;
	__u64 *v = bpf_map_lookup_elem(&xlat_stats, &k);

	if (v)
		*v += 1;
}

static __always_inline int drop(enum xlat_stat s)
{
	stat_inc(s);
	return TC_ACT_SHOT;
}

static __always_inline __u16 csum_fold32(__u64 s)
{
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)s;
}

/* Ones' complement sum (folded, not inverted) of len bytes of the packet
 * from off, added to seed; -1 when the packet is shorter. Bytes are summed
 * in memory order, as the kernel's csum_partial() does, so the inverted
 * result is stored as is. */
static __noinline int sum_skb(struct __sk_buff *skb, __u32 off, __u32 len,
			      __u32 seed)
{
	__u32 k = 0, n;
	struct chunk *c = bpf_map_lookup_elem(&xlat_scratch, &k);
	__u64 sum = seed;

	if (!c)
		return -1;
#pragma clang loop unroll(disable)
	for (int i = 0; i < SUM_CHUNKS && len >= SUM_CHUNK; i++) {
		if (bpf_skb_load_bytes(skb, off, c->b, SUM_CHUNK))
			return -1;
		sum += (__u32)bpf_csum_diff(0, 0, (void *)c->b, SUM_CHUNK, 0);
		off += SUM_CHUNK;
		len -= SUM_CHUNK;
	}
	if (len >= SUM_CHUNK)
		return -1;
	if (len) {
		/* the tail, zero-padded: n in [1, 256] for the verifier */
		n = len - 1;
		asm volatile("%[n] &= 255" : [n] "+r"(n));
		n += 1;
#pragma clang loop unroll(disable)
		for (int j = 0; j < SUM_CHUNK / 8; j++)
			((__u64 *)c->b)[j] = 0;
		if (bpf_skb_load_bytes(skb, off, c->b, n))
			return -1;
		sum += (__u32)bpf_csum_diff(0, 0, (void *)c->b, SUM_CHUNK, 0);
	}
	return csum_fold32(sum);
}

/* Incremental update (RFC 1624 eqn. 3) of a stored checksum by a 32-bit
 * ones' complement difference, e.g. from bpf_csum_diff(). */
static __always_inline __u16 csum_adjust(__u16 check, __u32 diff)
{
	__u64 s = (__u16)~check;

	s += diff;
	return (__u16)~csum_fold32(s);
}

static __always_inline __u16 ip4_check(struct iphdr *ip)
{
	ip->check = 0;
	return (__u16)~csum_fold32((__u32)bpf_csum_diff(0, 0, (void *)ip,
						       IP4_HLEN, 0));
}

/* Addresses as two host-order 64-bit halves, so that RFC 6052's bit
 * positions are shifts: no variable stack offset, which the verifier
 * refuses without CAP_PERFMON (CAP_BPF + CAP_NET_ADMIN must do). */
static __always_inline __u64 be64_at(const __u8 *a)
{
	__u64 v = 0;

	for (int i = 0; i < 8; i++)
		v = (v << 8) | a[i];
	return v;
}

static __always_inline void be64_put(__u8 *a, __u64 v)
{
	for (int i = 7; i >= 0; i--) {
		a[i] = v & 0xff;
		v >>= 8;
	}
}

static __always_inline int len6052(__u8 plen)
{
	return plen == 32 || plen == 40 || plen == 48 || plen == 56 ||
	       plen == 64 || plen == 96;
}

/* RFC 6052 2.2: the IPv4 bits right after the prefix, bits 64-71 ("u")
 * skipped; the prefix's bits past its length are ignored. */
static __always_inline int embed6052(__u8 out[16], const __u8 pref[16],
				     __u8 plen, __u32 v4)
{
	__u64 v = bpf_ntohl(v4), hi = be64_at(pref), lo = be64_at(pref + 8);
	__u32 before, r;

	if (!len6052(plen))
		return -1;
	if (plen < 64)
		hi &= ~0ull << (64 - plen);
	lo = plen == 96 ? lo & (~0ull << 32) : 0;
	if (plen == 96) {
		lo |= v;
	} else {
		before = 64 - plen;          /* IPv4 bits before the u octet */
		r = 32 - before;             /* the rest, after it */
		hi |= v >> r;
		if (r)
			lo |= (v & ((1ull << r) - 1)) << (56 - r);
	}
	be64_put(out, hi);
	be64_put(out + 8, lo);
	return 0;
}

/* The address is inside the prefix (lengths of RFC 6052: whole octets). */
static __always_inline int in_pref(const __u8 a[16], const __u8 pref[16],
				   __u8 plen)
{
	for (int i = 0; i < 12; i++)
		if (i < plen / 8 && a[i] != pref[i])
			return 0;
	return 1;
}

static __always_inline int extract6052(const __u8 a[16], __u8 plen, __u32 *v4)
{
	__u64 hi = be64_at(a), lo = be64_at(a + 8), v;
	__u32 before, r;

	if (!len6052(plen))
		return -1;
	if (plen == 96) {
		v = lo & 0xffffffff;
	} else {
		before = 64 - plen;
		r = 32 - before;
		v = (hi & ((1ull << before) - 1)) << r;
		if (r)
			v |= (lo >> (56 - r)) & ((1ull << r) - 1);
	}
	*v4 = bpf_htonl((__u32)v);
	return 0;
}

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

/* The MAP IPv6 address of the CE holding (v4, psid) under rule r
 * (RFC 7597 5.2: rule prefix | EA bits | subnet 0 | IID; section 6:
 * IID = 0:v4:PSID). v4 in network order. */
static __always_inline int fmr_addr(__u8 out[16], const struct xlat_fmr *r,
				    __u32 v4, __u16 psid)
{
	__u32 h = bpf_ntohl(v4);
	__u32 sfx = 32 - r->v4_len;
	__u64 ea, hi = 0;
	__u32 shift;

	if (r->v4_len > 32 || r->psid_len > 16 || r->v6_len + r->ea_len > 64 ||
	    r->ea_len != sfx + r->psid_len)
		return -1;
	ea = sfx ? (h & (__u32)((1ull << sfx) - 1)) : 0;
	ea = (ea << r->psid_len) | psid;
	for (int i = 0; i < 8; i++)
		hi = (hi << 8) | r->v6[i];
	shift = 64 - r->v6_len - r->ea_len;
	if (r->ea_len)
		hi |= (ea << (shift & 63));
	for (int i = 7; i >= 0; i--) {
		out[i] = hi & 0xff;
		hi >>= 8;
	}
	out[8] = 0;
	out[9] = 0;
	__builtin_memcpy(out + 10, &v4, 4);
	out[14] = psid >> 8;
	out[15] = psid & 0xff;
	return 0;
}

static __always_inline const struct xlat_fmr *fmr4_find(__u32 v4)
{
	struct xlat_lpm4 k = { .prefixlen = 32 };

	__builtin_memcpy(k.addr, &v4, 4);
	return bpf_map_lookup_elem(&xlat_fmr4, &k);
}

static __always_inline const struct xlat_fmr *fmr6_find(const __u8 a[16])
{
	struct xlat_lpm6 k = { .prefixlen = 128 };

	__builtin_memcpy(k.addr, a, 16);
	return bpf_map_lookup_elem(&xlat_fmr6, &k);
}

static __always_inline int addr6_eq(const __u8 a[16], const __u8 b[16])
{
	const __u64 *x = (const __u64 *)a, *y = (const __u64 *)b;

	return x[0] == y[0] && x[1] == y[1];
}

#endif
