/* SPDX-License-Identifier: MIT */
/* xlat_out: IPv4 -> IPv6 (RFC 7915 section 4), tc egress of the translation
 * device. Included once, by bpf/xlat.bpf.c. */

struct out4 {
	struct iphdr ip;
	__u32 tot;                   /* IPv4 total length */
	__u16 foff;                  /* fragment offset, 8-byte units */
	__u8 mf;
	__u8 frag;                   /* MF or an offset: a fragment */
};

/* IPv6 header (+ Fragment header when p->frag) after change_proto; room
 * bytes inserted after the IPv6 header (8 for a Fragment header, 20 for the
 * inner header of an ICMP error); nh = the upper-layer protocol. */
static __always_inline int out_rewrite(struct __sk_buff *skb,
				       const struct out4 *p,
				       const struct addrs6 *a, __u8 nh,
				       __u32 room, __u32 plen)
{
	struct ip6h h = {
		.vtc = 0x60 | (p->ip.tos >> 4),
		.tcfl = (p->ip.tos & 0x0f) << 4,
		.plen = bpf_htons(plen),
		.nh = p->frag ? NH_FRAGMENT : nh,
		.hop = p->ip.ttl,
	};
	__u16 proto = bpf_htons(ETH_P_IPV6);

	__builtin_memcpy(h.src, a->src, 16);
	__builtin_memcpy(h.dst, a->dst, 16);
	if (bpf_skb_change_proto(skb, bpf_htons(ETH_P_IPV6), 0))
		return -1;
	if (room && bpf_skb_adjust_room(skb, room, BPF_ADJ_ROOM_NET, 0))
		return -1;
	if (bpf_skb_store_bytes(skb, ETH_PROTO_OFF, &proto, 2, 0) ||
	    bpf_skb_store_bytes(skb, L3_OFF, &h, sizeof(h), BPF_F_RECOMPUTE_CSUM))
		return -1;
	if (p->frag) {
		/* RFC 7915 4.1: Identification in the low 16 bits */
		struct frag6 f = {
			.nh = nh,
			.off = bpf_htons((p->foff << 3) | (p->mf ? 1 : 0)),
			.id = bpf_htonl(bpf_ntohs(p->ip.id)),
		};

		if (bpf_skb_store_bytes(skb, L4_OFF6, &f, sizeof(f),
					BPF_F_RECOMPUTE_CSUM))
			return -1;
	}
	return 0;
}

static __always_inline int out_send(const struct xlat_cfg *c)
{
	stat_inc(XLAT_OUT_OK);
	/* the kernel routes the IPv6 destination out of the WAN only (oif)
	 * and resolves the neighbour: docs/DESIGN.md "Translator" */
	return bpf_redirect_neigh(c->wan_ifindex, 0, 0, 0);
}

/* TCP and UDP: addresses, the pseudo-header part of the checksum, and an
 * IPv4 UDP checksum of 0 computed (RFC 7915 4.5). */
static __always_inline int out_l4(struct __sk_buff *skb,
				  const struct xlat_cfg *c, struct out4 *p)
{
	int tcp = p->ip.protocol == IPPROTO_TCP;
	__u32 coff = tcp ? 16 : 6, l4len = p->tot - IP4_HLEN;
	int first = p->foff == 0, udp0 = 0, r;
	__u16 ports[2] = { 0, 0 }, check = 0;
	struct addrs6 a;

	if (first) {
		if (l4len < (tcp ? 20u : 8u) ||
		    bpf_skb_load_bytes(skb, L4_OFF4, ports, 4) ||
		    bpf_skb_load_bytes(skb, L4_OFF4 + coff, &check, 2))
			return drop(XLAT_DROP_SHORT);
		if (!our_port(c, bpf_ntohs(ports[0])))
			return drop(XLAT_DROP_PORT_OUT);
	}
	__builtin_memcpy(a.src, c->local6, 16);
	r = remote_to6(c, p->ip.daddr, first, bpf_ntohs(ports[1]), a.dst);
	if (r)
		return drop(r);
	if (first && !tcp && check == 0) {
		if (p->frag)
			return drop(XLAT_DROP_UDP0_FRAG);
		udp0 = 1;
	} else if (first) {
		__u32 d = (__u32)bpf_csum_diff(&p->ip.saddr, 8, (void *)&a,
					       sizeof(a), 0);

		if (bpf_l4_csum_replace(skb, L4_OFF4 + coff, 0, d,
					BPF_F_PSEUDO_HDR |
					(tcp ? 0 : BPF_F_MARK_MANGLED_0)))
			return drop(XLAT_DROP_HELPER);
	}
	if (out_rewrite(skb, p, &a, p->ip.protocol, p->frag ? FRAG6_HLEN : 0,
			l4len + (p->frag ? FRAG6_HLEN : 0)))
		return drop(XLAT_DROP_HELPER);
	if (udp0 && store_sum(skb, L4_OFF6, l4len, 6,
			      pseudo6_sum(a.src, a.dst, l4len, IPPROTO_UDP), 1))
		return drop(XLAT_DROP_HELPER);
	return out_send(c);
}

/* The inner packet of an ICMPv4 error, read before any rewrite. It is a
 * packet that came in to us: source remote, destination our address. */
struct inner4 {
	struct iphdr ip;
	__u8 l4[8];                  /* ports (+ UDP checksum) or ICMP header */
	__u16 tcheck;                /* TCP checksum when present */
	__u8 has_tcheck;
};

/* Translate the inner header and the inner L4 checksum in place (in ->
 * the bytes to write). 0 or a drop reason. */
static __always_inline int out_inner(const struct xlat_cfg *c,
				     struct inner4 *in, struct ip6h *h6,
				     __u16 peer_port)
{
	__u32 ilen = bpf_ntohs(in->ip.tot_len), d;
	struct addrs6 a;
	__u8 nh = in->ip.protocol;
	__u16 *ck;

	if (ilen < IP4_HLEN)
		return XLAT_DROP_INNER;
	ilen -= IP4_HLEN;
	if (remote_to6(c, in->ip.saddr, 1, peer_port, a.src))
		return XLAT_DROP_INNER;
	__builtin_memcpy(a.dst, c->local6, 16);
	d = (__u32)bpf_csum_diff(&in->ip.saddr, 8, (void *)&a, sizeof(a), 0);
	if (nh == IPPROTO_TCP) {
		if (in->has_tcheck)
			in->tcheck = csum_adjust(in->tcheck, d);
	} else if (nh == IPPROTO_UDP) {
		ck = (__u16 *)(in->l4 + 6);
		if (*ck)
			*ck = csum_adjust(*ck, d);
	} else if (nh == IPPROTO_ICMP) {
		/* an echo: type 8/0 -> 128/129 and the pseudo-header added */
		__u32 w4 = 0, w6 = 0;

		if (in->l4[0] != 8 && in->l4[0] != 0)
			return XLAT_DROP_INNER;
		((__u8 *)&w4)[0] = in->l4[0];
		((__u8 *)&w4)[1] = in->l4[1];
		in->l4[0] = in->l4[0] == 8 ? 128 : 129;
		((__u8 *)&w6)[0] = in->l4[0];
		((__u8 *)&w6)[1] = in->l4[1];
		d = (__u32)bpf_csum_diff(&w4, 4, &w6, 4,
					 pseudo6_sum(a.src, a.dst, ilen, NH_ICMPV6));
		ck = (__u16 *)(in->l4 + 2);
		*ck = csum_adjust(*ck, d);
		nh = NH_ICMPV6;
	} else {
		return XLAT_DROP_INNER;
	}
	h6->vtc = 0x60 | (in->ip.tos >> 4);
	h6->tcfl = (in->ip.tos & 0x0f) << 4;
	h6->fl = 0;
	h6->plen = bpf_htons(ilen);
	h6->nh = nh;
	h6->hop = in->ip.ttl;
	__builtin_memcpy(h6->src, a.src, 16);
	__builtin_memcpy(h6->dst, a.dst, 16);
	return 0;
}

/* ICMPv4 error -> ICMPv6 error with the inner packet translated (RFC 7915
 * 4.2, 4.3): 20 bytes of room after the outer header for the inner one.
 * The result carries "as much of invoking packet as possible without the
 * ICMPv6 packet exceeding the minimum IPv6 MTU" (RFC 4443 2.4 (c), 3.1-3.4):
 * an ICMPv4 error is not bound to 576 bytes (RFC 4884 extensions, other
 * stacks), so the translated message is cut to 1280 bytes, the inner
 * header's own length left as sent (RFC 7915 4.3: it describes the
 * original packet), the outer length and the checksum over what is kept. */
static __always_inline int out_icmp_err(struct __sk_buff *skb,
					const struct xlat_cfg *c,
					struct out4 *p, struct icmph *ih)
{
	__u32 l4len = p->tot - IP4_HLEN, off = L4_OFF4 + ICMP_HLEN, plen6;
	struct inner4 in = {};
	struct ip6h h6;
	struct addrs6 a;
	__u16 *pt = (__u16 *)in.l4, us, peer;
	int r;

	if (l4len < ICMP_HLEN + IP4_HLEN + 8 ||
	    bpf_skb_load_bytes(skb, off, &in.ip, IP4_HLEN) ||
	    bpf_skb_load_bytes(skb, off + IP4_HLEN, in.l4, 8))
		return drop(XLAT_DROP_SHORT);
	if (in.ip.version != 4 || in.ip.ihl != 5 ||
	    (bpf_ntohs(in.ip.frag_off) & 0x3fff) || in.ip.daddr != c->v4_addr)
		return drop(XLAT_DROP_INNER);
	if (in.ip.protocol == IPPROTO_TCP &&
	    l4len >= ICMP_HLEN + IP4_HLEN + 18) {
		if (bpf_skb_load_bytes(skb, off + IP4_HLEN + 16, &in.tcheck, 2))
			return drop(XLAT_DROP_SHORT);
		in.has_tcheck = 1;
	}
	/* our port is the inner destination, the peer's the inner source */
	us = bpf_ntohs(pt[1]);
	peer = bpf_ntohs(pt[0]);
	if (in.ip.protocol == IPPROTO_ICMP)
		us = peer = bpf_ntohs(pt[2]);
	if (!our_port(c, us))
		return drop(XLAT_DROP_PORT_OUT);
	if (icmp_err4to6(ih))
		return drop(XLAT_DROP_ICMP_TYPE);
	r = out_inner(c, &in, &h6, peer);
	if (r)
		return drop(r);
	__builtin_memcpy(a.src, c->local6, 16);
	r = remote_to6(c, p->ip.daddr, 1, peer, a.dst);
	if (r)
		return drop(r);
	plen6 = l4len + IP4_HLEN;
	if (plen6 > PTB_FLOOR - IP6_HLEN)
		plen6 = PTB_FLOOR - IP6_HLEN;
	if (out_rewrite(skb, p, &a, NH_ICMPV6, IP4_HLEN, plen6) ||
	    (plen6 < l4len + IP4_HLEN &&
	     bpf_skb_change_tail(skb, L4_OFF6 + plen6, 0)))
		return drop(XLAT_DROP_HELPER);
	ih->check = 0;
	off = L4_OFF6 + ICMP_HLEN;
	if (bpf_skb_store_bytes(skb, L4_OFF6, ih, ICMP_HLEN, BPF_F_RECOMPUTE_CSUM) ||
	    bpf_skb_store_bytes(skb, off, &h6, sizeof(h6), BPF_F_RECOMPUTE_CSUM) ||
	    bpf_skb_store_bytes(skb, off + IP6_HLEN, in.l4, 8, BPF_F_RECOMPUTE_CSUM) ||
	    (in.has_tcheck &&
	     bpf_skb_store_bytes(skb, off + IP6_HLEN + 16, &in.tcheck, 2,
				 BPF_F_RECOMPUTE_CSUM)))
		return drop(XLAT_DROP_HELPER);
	if (store_sum(skb, L4_OFF6, plen6, 2,
		      pseudo6_sum(a.src, a.dst, plen6, NH_ICMPV6), 0))
		return drop(XLAT_DROP_HELPER);
	return out_send(c);
}

/* ICMPv4: echo <-> ICMPv6 echo (RFC 7915 4.2), errors above; the rest is
 * not translatable. Checksum recomputed: ICMPv6 covers a pseudo-header. */
static __always_inline int out_icmp(struct __sk_buff *skb,
				    const struct xlat_cfg *c, struct out4 *p)
{
	__u32 l4len = p->tot - IP4_HLEN;
	struct icmph ih;
	struct addrs6 a;
	__u16 id;
	int r;

	if (p->frag)
		return drop(XLAT_DROP_ICMP_FRAG);
	if (l4len < ICMP_HLEN ||
	    bpf_skb_load_bytes(skb, L4_OFF4, &ih, sizeof(ih)))
		return drop(XLAT_DROP_SHORT);
	if (ih.type == 3 || ih.type == 11 || ih.type == 12)
		return out_icmp_err(skb, c, p, &ih);
	if (ih.type != 8 || ih.code != 0) {
		if (ih.type != 0 || ih.code != 0)
			return drop(XLAT_DROP_ICMP_TYPE);
	}
	id = (__u16)ih.rest[0] << 8 | ih.rest[1];
	if (!our_port(c, id))
		return drop(XLAT_DROP_PORT_OUT);
	__builtin_memcpy(a.src, c->local6, 16);
	r = remote_to6(c, p->ip.daddr, 1, id, a.dst);
	if (r)
		return drop(r);
	ih.type = ih.type == 8 ? 128 : 129;
	ih.check = 0;
	if (out_rewrite(skb, p, &a, NH_ICMPV6, 0, l4len) ||
	    bpf_skb_store_bytes(skb, L4_OFF6, &ih, 4, BPF_F_RECOMPUTE_CSUM) ||
	    store_sum(skb, L4_OFF6, l4len, 2,
		      pseudo6_sum(a.src, a.dst, l4len, NH_ICMPV6), 0))
		return drop(XLAT_DROP_HELPER);
	return out_send(c);
}

/* Another protocol: headers only (no ports, so no port set: only when the
 * CE holds the whole address, and never towards an FMR peer). */
static __always_inline int out_other(struct __sk_buff *skb,
				     const struct xlat_cfg *c, struct out4 *p)
{
	struct addrs6 a;
	int r;

	if (c->mode == XLAT_MODE_MAPT && c->psid_len)
		return drop(XLAT_DROP_PROTO);
	__builtin_memcpy(a.src, c->local6, 16);
	r = remote_to6(c, p->ip.daddr, 0, 0, a.dst);
	if (r)
		return drop(r == XLAT_DROP_FRAG_FMR ? XLAT_DROP_PROTO : r);
	if (out_rewrite(skb, p, &a, p->ip.protocol, p->frag ? FRAG6_HLEN : 0,
			p->tot - IP4_HLEN + (p->frag ? FRAG6_HLEN : 0)))
		return drop(XLAT_DROP_HELPER);
	return out_send(c);
}

SEC("tc")
int xlat_out(struct __sk_buff *skb)
{
	__u32 k = 0;
	const struct xlat_cfg *c = bpf_map_lookup_elem(&xlat_cfg, &k);
	struct out4 p = {};
	__u16 fo;

	if (!c || c->mode == XLAT_MODE_OFF)
		return TC_ACT_OK;
	if (skb->protocol != bpf_htons(ETH_P_IP)) {
		stat_inc(XLAT_OUT_PASS);
		return TC_ACT_OK;
	}
	if (bpf_skb_load_bytes(skb, L3_OFF, &p.ip, IP4_HLEN) ||
	    p.ip.version != 4 || p.ip.ihl < 5)
		return drop(XLAT_DROP_SHORT);
	if (p.ip.ihl != 5)
		return drop(XLAT_DROP_V4_OPTIONS);
	p.tot = bpf_ntohs(p.ip.tot_len);
	if (p.tot < IP4_HLEN || p.tot + L3_OFF > skb->len)
		return drop(XLAT_DROP_SHORT);
	if (csum_fold32((__u32)bpf_csum_diff(0, 0, (void *)&p.ip, IP4_HLEN, 0)) !=
	    0xffff)
		return drop(XLAT_DROP_BAD_CSUM);
	if (p.ip.ttl == 0)
		return drop(XLAT_DROP_TTL);
	if (p.ip.saddr != c->v4_addr)
		return drop(XLAT_DROP_SRC);
	fo = bpf_ntohs(p.ip.frag_off);
	p.foff = fo & 0x1fff;
	p.mf = !!(fo & 0x2000);
	p.frag = p.mf || p.foff;
	switch (p.ip.protocol) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		return out_l4(skb, c, &p);
	case IPPROTO_ICMP:
		return out_icmp(skb, c, &p);
	}
	return out_other(skb, c, &p);
}
