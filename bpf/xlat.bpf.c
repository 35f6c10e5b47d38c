// SPDX-License-Identifier: (GPL-2.0-only OR MIT)
/* The stateless IPv4/IPv6 translator (RFC 7915) of v6mig's MAP-T CE
 * (RFC 7599) and 464XLAT CLAT (RFC 6877): two TC clsact programs.
 *   xlat_out: tc egress of the translation device, IPv4 -> IPv6 (section 4)
 *   xlat_in:  tc ingress of the WAN, IPv6 -> IPv4 (section 5)
 * Topology, checksum and MTU choices: docs/DESIGN.md "Translator".
 * GPL for the kernel's helper licence check; MIT like the rest. */
#include "xlat_lib.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* The Ethernet type rewritten in place; the rest of the MAC header stays. */
#define ETH_PROTO_OFF 12
#define L4_OFF4 (L3_OFF + IP4_HLEN)
#define L4_OFF6 (L3_OFF + IP6_HLEN)
#define DF_LIMIT 1260            /* RFC 7915 5.1: DF above 1260 bytes */
#define PTB_FLOOR 1280           /* IPv6 minimum MTU, RFC 8200 5 */
#define ICMP_XLAT_SRC 0xc0000008 /* 192.0.0.8, RFC 7600 / RFC 8783 dummy */

struct ip6h {                    /* RFC 8200 3, bytes as on the wire */
	__u8 vtc;
	__u8 tcfl;
	__u16 fl;
	__u16 plen;
	__u8 nh;
	__u8 hop;
	__u8 src[16];
	__u8 dst[16];
};

struct frag6 {                   /* RFC 8200 4.5 */
	__u8 nh;
	__u8 res;
	__u16 off;                   /* offset << 3 | M */
	__u32 id;
};

struct icmph {                   /* type, code, checksum, 4 bytes of rest */
	__u8 type;
	__u8 code;
	__u16 check;
	__u8 rest[4];
};

struct ph6 {                     /* RFC 8200 8.1 pseudo-header */
	__u8 src[16];
	__u8 dst[16];
	__u32 len;
	__u8 zero[3];
	__u8 nh;
};

struct addrs6 {
	__u8 src[16];
	__u8 dst[16];
};

struct addrs4 {
	__u32 src;
	__u32 dst;
};

static __always_inline __u32 pseudo6_sum(const __u8 src[16], const __u8 dst[16],
					 __u32 len, __u8 nh)
{
	struct ph6 p = { .len = bpf_htonl(len), .nh = nh };

	__builtin_memcpy(p.src, src, 16);
	__builtin_memcpy(p.dst, dst, 16);
	return (__u32)bpf_csum_diff(0, 0, (void *)&p, sizeof(p), 0);
}

/* Compute and store the checksum of the L4 message at off (len bytes) whose
 * checksum field is at off + coff and already zero; seed = pseudo-header
 * sum (0 for ICMPv4). udp: a result of 0 is sent as 0xffff (RFC 768). */
static __always_inline int store_sum(struct __sk_buff *skb, __u32 off,
				     __u32 len, __u32 coff, __u32 seed, int udp)
{
	int s = sum_skb(skb, off, len, seed);
	__u16 c;

	if (s < 0)
		return -1;
	c = (__u16)~s;
	if (udp && c == 0)
		c = 0xffff;
	return bpf_skb_store_bytes(skb, off + coff, &c, 2, BPF_F_RECOMPUTE_CSUM);
}

static __always_inline int is_exthdr(__u8 nh)
{
	/* RFC 8200 4 and the IANA list of IPv6 extension headers */
	return nh == 0 || nh == 43 || nh == NH_FRAGMENT || nh == 60 ||
	       nh == 135 || nh == 139 || nh == 140 || nh == 253 || nh == 254;
}

/* ---- addresses ------------------------------------------------------ */

/* The IPv6 address of a remote IPv4 address (out): an FMR peer CE, else the
 * DMR / NAT64 prefix. has_port = 0 when no port can be read (a non-first
 * fragment, a protocol without ports). 0 or a drop reason. */
static __always_inline int remote_to6(const struct xlat_cfg *c, __u32 v4,
				      int has_port, __u16 port, __u8 out[16])
{
	if (c->mode == XLAT_MODE_MAPT) {
		const struct xlat_fmr *p = fmr4_find(v4);

		if (p) {
			struct xlat_fmr r = *p;

			if (!has_port)
				return XLAT_DROP_FRAG_FMR;
			if (fmr_addr(out, &r, v4,
				     psid_of(r.psid_offset, r.psid_len, port)))
				return XLAT_DROP_HELPER;
			return 0;
		}
	}
	if (embed6052(out, c->pref6, c->pref6_len, v4))
		return XLAT_DROP_HELPER;
	return 0;
}

static __always_inline int v4_in_rule(const struct xlat_fmr *r, __u32 v4)
{
	__u32 a = bpf_ntohl(v4), b;

	__builtin_memcpy(&b, r->v4, 4);
	b = bpf_ntohl(b);
	if (r->v4_len == 0)
		return 1;
	if (r->v4_len >= 32)
		return a == b;
	return ((a ^ b) >> (32 - r->v4_len)) == 0;
}

/* The IPv4 address of a remote IPv6 address (in): an FMR peer CE whose
 * address must be the one its own IPv4 + PSID give (RFC 7597 8.1 spoof
 * check; with a port, the port must carry that PSID), else the DMR / NAT64
 * prefix (RFC 6052). 0 or a drop reason. */
static __always_inline int remote_to4(const struct xlat_cfg *c,
				      const __u8 a[16], int has_port,
				      __u16 port, __u32 *v4)
{
	if (c->mode == XLAT_MODE_MAPT) {
		const struct xlat_fmr *p = fmr6_find(a);

		if (p) {
			struct xlat_fmr r = *p;
			__u8 want[16];
			__u16 psid = (__u16)a[14] << 8 | a[15];

			__builtin_memcpy(v4, a + 10, 4);
			if (!v4_in_rule(&r, *v4) || fmr_addr(want, &r, *v4, psid) ||
			    !addr6_eq(want, a))
				return XLAT_DROP_SPOOF;
			if (has_port && r.psid_len &&
			    !port_ok(r.psid_offset, r.psid_len, psid, port))
				return XLAT_DROP_SPOOF;
			return 0;
		}
	}
	if (!in_pref(a, c->pref6, c->pref6_len) ||
	    extract6052(a, c->pref6_len, v4))
		return XLAT_DROP_FOREIGN;
	return 0;
}

static __always_inline int our_port(const struct xlat_cfg *c, __u16 port)
{
	return c->mode != XLAT_MODE_MAPT ||
	       port_ok(c->psid_offset, c->psid_len, c->psid, port);
}

/* ---- ICMP type mapping (RFC 7915 4.2 and 5.2) ------------------------ */

/* Parameter Problem pointer, IPv4 header -> IPv6 header (4.2 figure 3). */
static __always_inline int ptr4to6(__u8 p)
{
	switch (p) {
	case 0: return 0;
	case 1: return 1;
	case 2: case 3: return 4;
	case 8: return 7;
	case 9: return 6;
	case 12: case 13: case 14: case 15: return 8;
	case 16: case 17: case 18: case 19: return 24;
	}
	return -1;
}

/* Parameter Problem pointer, IPv6 header -> IPv4 header (5.2 figure 6). */
static __always_inline int ptr6to4(__u32 p)
{
	if (p == 0 || p == 1)
		return p;
	if (p == 4 || p == 5)
		return 2;
	if (p == 6)
		return 9;
	if (p == 7)
		return 8;
	if (p >= 8 && p <= 23)
		return 12;
	if (p >= 24 && p <= 39)
		return 16;
	return -1;
}

/* An ICMPv4 error header -> ICMPv6 (type, code, rest). -1: no mapping. */
static __always_inline int icmp_err4to6(struct icmph *h)
{
	__u16 mtu;
	__u32 v;
	int p;

	switch (h->type) {
	case 3:
		switch (h->code) {
		case 0: case 1: case 5: case 6: case 7: case 8: case 11: case 12:
			h->type = 1; h->code = 0; break;
		case 9: case 10: case 13: case 15:
			h->type = 1; h->code = 1; break;
		case 3:
			h->type = 1; h->code = 4; break;
		case 2: /* protocol unreachable: Parameter Problem, next header */
			h->type = 4; h->code = 1;
			v = bpf_htonl(6);
			__builtin_memcpy(h->rest, &v, 4);
			return 0;
		case 4: /* frag needed -> Packet Too Big, MTU + 20, >= 1280 */
			mtu = (__u16)h->rest[2] << 8 | h->rest[3];
			v = mtu ? mtu + 20u : PTB_FLOOR;
			if (v < PTB_FLOOR)
				v = PTB_FLOOR;
			h->type = 2; h->code = 0;
			v = bpf_htonl(v);
			__builtin_memcpy(h->rest, &v, 4);
			return 0;
		default:
			return -1;
		}
		__builtin_memset(h->rest, 0, 4);
		return 0;
	case 11:
		if (h->code > 1)
			return -1;
		h->type = 3;
		__builtin_memset(h->rest, 0, 4);
		return 0;
	case 12:
		if (h->code != 0 && h->code != 2)
			return -1;
		p = ptr4to6(h->rest[0]);
		if (p < 0)
			return -1;
		h->type = 4; h->code = 0;
		v = bpf_htonl((__u32)p);
		__builtin_memcpy(h->rest, &v, 4);
		return 0;
	}
	return -1;
}

/* An ICMPv6 error header -> ICMPv4 (type, code, rest). -1: no mapping. */
static __always_inline int icmp_err6to4(struct icmph *h)
{
	__u32 v;
	int p;

	switch (h->type) {
	case 1:
		switch (h->code) {
		case 0: case 2: case 3: h->type = 3; h->code = 1; break;
		case 1: h->type = 3; h->code = 10; break;
		case 4: h->type = 3; h->code = 3; break;
		default: return -1;
		}
		__builtin_memset(h->rest, 0, 4);
		return 0;
	case 2: /* Packet Too Big -> frag needed, MTU - 20 */
		__builtin_memcpy(&v, h->rest, 4);
		v = bpf_ntohl(v);
		v = v > 0xffff + 20 ? 0xffff : v - 20;
		if (v < 68)
			v = 68;
		h->type = 3; h->code = 4;
		h->rest[0] = 0; h->rest[1] = 0;
		h->rest[2] = v >> 8; h->rest[3] = v & 0xff;
		return 0;
	case 3:
		if (h->code > 1)
			return -1;
		h->type = 11;
		__builtin_memset(h->rest, 0, 4);
		return 0;
	case 4:
		if (h->code == 1) { /* unrecognized next header */
			h->type = 3; h->code = 2;
			__builtin_memset(h->rest, 0, 4);
			return 0;
		}
		if (h->code != 0)
			return -1;
		__builtin_memcpy(&v, h->rest, 4);
		p = ptr6to4(bpf_ntohl(v));
		if (p < 0)
			return -1;
		h->type = 12; h->code = 0;
		__builtin_memset(h->rest, 0, 4);
		h->rest[0] = p;
		return 0;
	}
	return -1;
}

#include "xlat_out.h"
#include "xlat_in.h"
