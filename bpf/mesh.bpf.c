// SPDX-License-Identifier: (GPL-2.0-only OR MIT)
/* MAP-E mesh (RFC 7597 mesh mode, HB46PP map_e.mesh = 1) as two TC clsact
 * programs that carry IPv4 in IPv6 (RFC 2473) themselves, no ip6tnl:
 *   mesh_out: tc egress of the mesh device: the outer destination is the
 *             peer CE's MAP address when the IPv4 destination is inside a
 *             Forwarding Mapping Rule (longest match), else the BR; then
 *             bpf_skb_adjust_room(+40, ENCAP_L3_IPV6) and redirect_neigh.
 *   mesh_in:  tc ingress of the WAN: IPv4-in-IPv6 to our MAP address from
 *             the BR, or from the address the FMRs give for the inner
 *             source (RFC 7597 8.1), to our IPv4 and a port of our set;
 *             decapsulated and received on the mesh device.
 * Why this carriage, checksums, GSO and MTU: docs/DESIGN.md "Mesh".
 * GPL for the kernel's helper licence check; MIT like the rest. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "map_lib.h"
#include "mesh_abi.h"
#include "pkt_lib.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

#ifndef BPF_F_ADJ_ROOM_DECAP_L3_IPV4
#define BPF_F_ADJ_ROOM_DECAP_L3_IPV4 (1ULL << 7) /* 6.3+, d219df60a70e */
#endif

#define L3_OFF ETH_HLEN
#define ETH_PROTO_OFF 12
#define IP4_HLEN 20
#define IP6_HLEN 40
#define NH_FRAGMENT 44
#define ICMP_ECHO_REPLY 0
#define ICMP_ECHO 8

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mesh_cfg);
} mesh_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, MESH_FMR_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct mesh_lpm4);
	__type(value, struct mesh_fmr);
} mesh_fmr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MESH_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} mesh_stats SEC(".maps");

static __always_inline void stat_inc(enum mesh_stat s)
{
	__u32 k = s;
	__u64 *v = bpf_map_lookup_elem(&mesh_stats, &k);

	if (v)
		*v += 1;
}

static __always_inline int drop(enum mesh_stat s)
{
	stat_inc(s);
	return TC_ACT_SHOT;
}

/* ---- the IPv4 packet's ports ------------------------------------------ */

/* What RFC 7597 5.1 and 8 use as "the port" of an IPv4 packet, seen from
 * the packet's own direction: sport belongs to its source, dport to its
 * destination. TCP/UDP: the ports; ICMP echo: the identifier for both; an
 * ICMP error: the ports of the packet it quotes, swapped (that packet went
 * the other way). has = 0: no port (a non-first fragment, another
 * protocol, an error quoting one). */
struct ports {
	__u16 sport, dport;
	int has;
};

static __always_inline int l4_ports(struct __sk_buff *skb, __u32 off,
				    __u8 proto, __u16 *s, __u16 *d)
{
	__u16 p[2];

	if (proto == IPPROTO_TCP || proto == IPPROTO_UDP) {
		if (bpf_skb_load_bytes(skb, off, p, 4))
			return -1;
		*s = bpf_ntohs(p[0]);
		*d = bpf_ntohs(p[1]);
		return 1;
	}
	if (proto == IPPROTO_ICMP) {
		__u8 h[8];

		if (bpf_skb_load_bytes(skb, off, h, 8))
			return -1;
		if (h[0] == ICMP_ECHO || h[0] == ICMP_ECHO_REPLY) {
			*s = *d = (__u16)h[4] << 8 | h[5];
			return 1;
		}
	}
	return 0;
}

static __always_inline int frag_first(const struct iphdr *ip)
{
	return (bpf_ntohs(ip->frag_off) & 0x1fff) == 0;
}

/* The ports of the IPv4 packet at off (its header ip already read).
 * 0, or -1 when a header it needs is cut short. */
static __always_inline int get_ports(struct __sk_buff *skb, __u32 off,
				     const struct iphdr *ip, struct ports *p)
{
	__u32 l4 = off + ip->ihl * 4;
	struct iphdr in;
	__u8 t;
	int r;

	p->has = 0;
	if (!frag_first(ip))
		return 0;
	r = l4_ports(skb, l4, ip->protocol, &p->sport, &p->dport);
	if (r < 0)
		return -1;
	if (r > 0 || ip->protocol != IPPROTO_ICMP) {
		p->has = r;
		return 0;
	}
	/* ICMP errors (RFC 792: 3 unreachable, 11 time exceeded, 12
	 * parameter problem) quote the offending packet after 8 bytes */
	if (bpf_skb_load_bytes(skb, l4, &t, 1))
		return -1;
	if (t != 3 && t != 11 && t != 12)
		return 0;
	if (bpf_skb_load_bytes(skb, l4 + 8, &in, sizeof(in)))
		return -1;
	if (in.version != 4 || in.ihl < 5 || !frag_first(&in))
		return 0;
	r = l4_ports(skb, l4 + 8 + in.ihl * 4, in.protocol, &p->dport,
		     &p->sport);
	if (r < 0)
		return -1;
	p->has = r;
	return 0;
}

/* ---- MAP addresses ------------------------------------------------------ */

static __always_inline const struct mesh_fmr *fmr_find(__u32 v4)
{
	struct mesh_lpm4 k = { .prefixlen = 32 };

	__builtin_memcpy(k.addr, &v4, 4);
	return bpf_map_lookup_elem(&mesh_fmr, &k);
}

static __always_inline int peer_addr(__u8 out[16], const struct mesh_fmr *r,
				     const struct mesh_cfg *c, __u32 v4,
				     __u16 psid)
{
	struct map_rule_b b = { r->v6, r->v6_len, r->v4_len, r->ea_len,
				r->psid_len };

	return map_ce_addr(out, &b, v4, psid, c->iid_v4off);
}

/* ---- out: IPv4 -> IPv4-in-IPv6 ------------------------------------------ */

/* The outer destination: the peer CE under the longest FMR holding the
 * IPv4 destination (RFC 7597 5, "mesh"), with the PSID of the destination
 * port; without a port, or outside every FMR, the BR (RFC 7597 5: the
 * default mapping rule; the BR reaches every CE). */
static __always_inline int out_dst(const struct mesh_cfg *c, __u32 daddr,
				   const struct ports *p, __u8 dst[16])
{
	const struct mesh_fmr *f = fmr_find(daddr);

	if (f && p->has) {
		struct mesh_fmr r = *f;

		if (peer_addr(dst, &r, c, daddr,
			      psid_of(r.psid_offset, r.psid_len, p->dport)))
			return MESH_DROP_HELPER;
		return MESH_OUT_DIRECT;
	}
	__builtin_memcpy(dst, c->br6, 16);
	return f ? MESH_OUT_BR_NOPORT : MESH_OUT_BR;
}

/* Room for the outer header after the MAC header, protocol IPv6. An skb
 * that still carries the encapsulation mark of an earlier tunnel (it came
 * in encapsulated over a veth, or by GRO, was decapsulated and is now
 * forwarded: the lab's BR) is refused by ENCAP_L3_IPV6; without GSO it
 * needs no inner-header metadata, so it gets its room the 6.1 way:
 * change_proto (+20, protocol IPv6) and adjust_room (+20). */
static __always_inline int encap(struct __sk_buff *skb)
{
	if (bpf_skb_adjust_room(skb, IP6_HLEN, BPF_ADJ_ROOM_MAC,
				BPF_F_ADJ_ROOM_ENCAP_L3_IPV6 |
				BPF_F_ADJ_ROOM_FIXED_GSO) == 0)
		return 0;
	if (skb->gso_size)
		return -1;
	if (bpf_skb_change_proto(skb, bpf_htons(ETH_P_IPV6), 0))
		return -1;
	return bpf_skb_adjust_room(skb, IP6_HLEN - IP4_HLEN, BPF_ADJ_ROOM_MAC, 0);
}

SEC("tc")
int mesh_out(struct __sk_buff *skb)
{
	__u32 k = 0;
	const struct mesh_cfg *c = bpf_map_lookup_elem(&mesh_cfg, &k);
	__u16 proto = bpf_htons(ETH_P_IPV6);
	struct ports p = {};
	struct iphdr ip;
	struct ip6h h;
	int why;

	if (!c || c->mode != MESH_MODE_ON)
		return TC_ACT_OK;
	if (skb->protocol != bpf_htons(ETH_P_IP)) {
		stat_inc(MESH_OUT_PASS);
		return TC_ACT_OK;
	}
	if (bpf_skb_load_bytes(skb, L3_OFF, &ip, sizeof(ip)) ||
	    ip.version != 4 || ip.ihl < 5 || get_ports(skb, L3_OFF, &ip, &p))
		return drop(MESH_DROP_SHORT);
	if (c->flags & MESH_F_BR) {
		/* a BR: any source; only to CEs, by an FMR and a port */
		if (!p.has || !fmr_find(ip.daddr))
			return drop(MESH_DROP_NO_RULE);
	} else if (ip.saddr != c->v4_addr) {
		return drop(MESH_DROP_SRC);
	} else if (p.has &&
		   !port_ok(c->psid_offset, c->psid_len, c->psid, p.sport)) {
		/* NAPT44 put our source port in our set (RFC 7597 5.1) */
		return drop(MESH_DROP_PORT_OUT);
	}

	__builtin_memset(&h, 0, sizeof(h));
	why = out_dst(c, ip.daddr, &p, h.dst);
	if (why == MESH_DROP_HELPER)
		return drop(why);
	/* RFC 2473 6: traffic class from the inner TOS, our hop limit, a
	 * flow label from the flow's hash (RFC 6438) */
	k = bpf_get_hash_recalc(skb) & 0xfffff;
	h.vtc = 0x60 | (ip.tos >> 4);
	h.tcfl = (__u8)((ip.tos & 0x0f) << 4 | k >> 16);
	h.fl = bpf_htons(k & 0xffff);
	h.nh = IPPROTO_IPIP;
	h.hop = c->hop_limit;
	__builtin_memcpy(h.src, c->local6, 16);
	/* ENCAP_L3_IPV6 sets the inner headers and SKB_GSO_IPXIP6, so a GSO
	 * packet is segmented as IPv4-in-IPv6 and keeps its checksum offload
	 * (CHECKSUM_PARTIAL's csum_start stays on the inner L4 header);
	 * FIXED_GSO keeps gso_size: the device MTU is the WAN's - 40 already
	 * (UDP GSO needs it too) */
	if (encap(skb))
		return drop(MESH_DROP_HELPER);
	h.plen = bpf_htons((__u16)(skb->len - L3_OFF - IP6_HLEN));
	if (bpf_skb_store_bytes(skb, ETH_PROTO_OFF, &proto, 2, 0) ||
	    bpf_skb_store_bytes(skb, L3_OFF, &h, sizeof(h), 0))
		return drop(MESH_DROP_HELPER);
	stat_inc((enum mesh_stat)why);
	/* routed restricted to the WAN, neighbour resolved by the kernel
	 * (as xlat_out: docs/DESIGN.md "Translator") */
	return bpf_redirect_neigh(c->wan_ifindex, 0, 0, 0);
}

/* ---- in: IPv4-in-IPv6 -> IPv4 ------------------------------------------- */

/* RFC 7597 8.1: a packet not from the BR must come from the MAP address
 * the FMRs give for its inner source IPv4 and source port. Without a port
 * (a non-first fragment), the PSID is taken from the outer source's
 * interface identifier and the address must still be the one the rule
 * gives for it: the IPv4 source is checked, its port cannot be. */
static __always_inline int in_check_src(const struct mesh_cfg *c,
					const struct ip6h *h,
					const struct iphdr *ip,
					const struct ports *p)
{
	const struct mesh_fmr *f;
	struct mesh_fmr r;
	__u8 want[16];
	__u16 psid;
	__u8 o;

	if (!(c->flags & MESH_F_BR) && addr6_eq(h->src, c->br6))
		return MESH_IN_BR;
	f = fmr_find(ip->saddr);
	if (!f)
		return MESH_DROP_SPOOF;
	r = *f;
	if (p->has) {
		psid = psid_of(r.psid_offset, r.psid_len, p->sport);
		/* the excluded ports (a > 0) are nobody's */
		if (!port_ok(r.psid_offset, r.psid_len, psid, p->sport))
			return MESH_DROP_SPOOF;
	} else {
		o = (c->iid_v4off + 4) & 15;
		psid = (__u16)h->src[o] << 8 | h->src[(o + 1) & 15];
	}
	if (peer_addr(want, &r, c, ip->saddr, psid) || !addr6_eq(want, h->src))
		return MESH_DROP_SPOOF;
	return MESH_IN_PEER;
}

/* Remove the outer header: 6.3+ in one step (DECAP_L3_IPV4 also clears
 * the tunnel GSO type); 6.1 (no DECAP flags): change_proto pops 20 bytes
 * and turns the protocol to IPv4, adjust_room pops the other 20. Both
 * keep CHECKSUM_COMPLETE right (skb_postpull_rcsum) and gso_size. */
static __always_inline int decap(struct __sk_buff *skb, const struct mesh_cfg *c)
{
	if (!(c->flags & MESH_F_DECAP_POP) &&
	    bpf_skb_adjust_room(skb, -IP6_HLEN, BPF_ADJ_ROOM_MAC,
				BPF_F_ADJ_ROOM_DECAP_L3_IPV4 |
				BPF_F_ADJ_ROOM_FIXED_GSO) == 0)
		return 0;
	if (bpf_skb_change_proto(skb, bpf_htons(ETH_P_IP), 0))
		return -1;
	return bpf_skb_adjust_room(skb, -(IP6_HLEN - IP4_HLEN), BPF_ADJ_ROOM_MAC,
				   BPF_F_ADJ_ROOM_FIXED_GSO);
}

/* A BR relaying from one CE to another (RFC 7597 8: the BR forwards
 * between CEs of the domain, e.g. for CEs without FMRs): the inner packet
 * is not changed, so the outer header is rewritten in place -- source the
 * BR, destination the peer CE by the FMR and the destination port's PSID,
 * hop limit one less -- and the packet leaves by the WAN again. No
 * decapsulation and encapsulation: a GSO packet keeps its tunnel GSO
 * state (a decapsulated, forwarded GSO packet cannot be encapsulated
 * again: encap()). 1: relayed; 0: not for this path; -1: failed. */
static __always_inline int br_relay(struct __sk_buff *skb,
				    const struct mesh_cfg *c,
				    const struct ip6h *h, const struct iphdr *ip,
				    const struct ports *p)
{
	const struct mesh_fmr *f;
	struct mesh_fmr r;
	__u8 dst[16];
	__u8 hop;

	if (!(c->flags & MESH_F_BR) || !p->has || h->hop <= 1)
		return 0;
	f = fmr_find(ip->daddr);
	if (!f)
		return 0;
	r = *f;
	hop = h->hop - 1;
	if (peer_addr(dst, &r, c, ip->daddr,
		      psid_of(r.psid_offset, r.psid_len, p->dport)) ||
	    bpf_skb_store_bytes(skb, L3_OFF + 7, &hop, 1, BPF_F_RECOMPUTE_CSUM) ||
	    bpf_skb_store_bytes(skb, L3_OFF + 8, c->local6, 16, BPF_F_RECOMPUTE_CSUM) ||
	    bpf_skb_store_bytes(skb, L3_OFF + 24, dst, 16, BPF_F_RECOMPUTE_CSUM))
		return -1;
	return 1;
}

SEC("tc")
int mesh_in(struct __sk_buff *skb)
{
	__u32 k = 0, off = L3_OFF + IP6_HLEN;
	const struct mesh_cfg *c = bpf_map_lookup_elem(&mesh_cfg, &k);
	__u16 proto = bpf_htons(ETH_P_IP);
	struct ports p = {};
	struct iphdr ip;
	struct ip6h h;
	int why;

	if (!c || c->mode != MESH_MODE_ON ||
	    skb->protocol != bpf_htons(ETH_P_IPV6))
		return TC_ACT_OK;
	if (bpf_skb_load_bytes(skb, L3_OFF, &h, sizeof(h)))
		return TC_ACT_OK;
	if (!addr6_eq(h.dst, c->local6) ||
	    (h.nh != IPPROTO_IPIP && h.nh != NH_FRAGMENT)) {
		/* NDP, ICMPv6 (PTB), native IPv6: the stack's */
		stat_inc(MESH_IN_PASS);
		return TC_ACT_OK;
	}
	if (skb->pkt_type != 0 /* PACKET_HOST */)
		return drop(MESH_DROP_NOT_HOST);
	if (h.nh == NH_FRAGMENT)
		return drop(MESH_DROP_FRAG6);
	if ((h.vtc >> 4) != 6 ||
	    bpf_ntohs(h.plen) + L3_OFF + IP6_HLEN > skb->len ||
	    bpf_skb_load_bytes(skb, off, &ip, sizeof(ip)) || ip.version != 4 ||
	    ip.ihl < 5 || bpf_ntohs(ip.tot_len) > bpf_ntohs(h.plen) ||
	    get_ports(skb, off, &ip, &p))
		return drop(MESH_DROP_SHORT);
	why = in_check_src(c, &h, &ip, &p);
	if (why == MESH_DROP_SPOOF)
		return drop(why);
	if (!(c->flags & MESH_F_BR) && ip.daddr != c->v4_addr)
		return drop(MESH_DROP_DST);
	if (!(c->flags & MESH_F_BR) && p.has &&
	    !port_ok(c->psid_offset, c->psid_len, c->psid, p.dport))
		return drop(MESH_DROP_PORT_IN);
	k = (__u32)br_relay(skb, c, &h, &ip, &p);
	if (k == 1) {
		stat_inc(MESH_IN_PEER);
		stat_inc(MESH_OUT_DIRECT);
		return bpf_redirect_neigh(c->wan_ifindex, 0, 0, 0);
	}
	if (k)
		return drop(MESH_DROP_HELPER);
	if (decap(skb, c))
		return drop(MESH_DROP_HELPER);
	/* the frame is addressed to the device, so it is PACKET_HOST there */
	if (bpf_skb_store_bytes(skb, 0, c->dev_mac, 6, 0) ||
	    bpf_skb_store_bytes(skb, ETH_PROTO_OFF, &proto, 2, 0))
		return drop(MESH_DROP_HELPER);
	stat_inc((enum mesh_stat)why);
	return bpf_redirect(c->dev_ifindex, BPF_F_INGRESS);
}
