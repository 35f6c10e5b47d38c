/* SPDX-License-Identifier: MIT */
/* xlat_in: IPv6 -> IPv4 (RFC 7915 section 5), tc ingress of the WAN.
 * Included once, by bpf/xlat.bpf.c. */

struct in6 {
	struct ip6h ip;
	struct frag6 f;
	__u32 l4off;                 /* after the IPv6 (+ Fragment) header */
	__u32 l4len;
	__u8 nh;                     /* upper-layer protocol */
	__u8 frag;                   /* a Fragment header is present */
	__u8 first;                  /* fragment offset 0 (or no fragment) */
};

/* IPv4 header for an IPv6 one (RFC 7915 5.1): DF above 1260 bytes without
 * a Fragment header (and then a random Identification when DF is clear),
 * the fragment fields from it otherwise. */
static __always_inline void ip4_from6(struct iphdr *ip, const struct ip6h *h,
				      const struct frag6 *f, int frag,
				      __u8 proto, __u32 tot, __u32 src,
				      __u32 dst)
{
	__u16 fo = bpf_ntohs(f->off);

	__builtin_memset(ip, 0, sizeof(*ip));
	ip->version = 4;
	ip->ihl = 5;
	ip->tos = (h->vtc << 4) | (h->tcfl >> 4);
	ip->tot_len = bpf_htons(tot);
	if (frag) {
		ip->id = bpf_htons(bpf_ntohl(f->id) & 0xffff);
		ip->frag_off = bpf_htons((fo >> 3) | ((fo & 1) ? 0x2000 : 0));
	} else if (tot > DF_LIMIT) {
		ip->frag_off = bpf_htons(0x4000);
	} else {
		ip->id = (__u16)bpf_get_prandom_u32();
	}
	ip->ttl = h->hop;
	ip->protocol = proto;
	ip->saddr = src;
	ip->daddr = dst;
	ip->check = ip4_check(ip);
}

/* change_proto, drop the room (Fragment header, or the 20 bytes an ICMP
 * error's inner header shrinks by), write the MAC type and destination
 * (the device's MAC: PACKET_HOST there) and the IPv4 header. */
static __always_inline int in_rewrite(struct __sk_buff *skb,
				      const struct xlat_cfg *c,
				      const struct iphdr *ip, __u32 room)
{
	__u16 proto = bpf_htons(ETH_P_IP);

	if (bpf_skb_change_proto(skb, bpf_htons(ETH_P_IP), 0))
		return -1;
	if (room && bpf_skb_adjust_room(skb, -(__s32)room, BPF_ADJ_ROOM_NET, 0))
		return -1;
	/* At tc ingress a CHECKSUM_COMPLETE skb->csum covers the frame from
	 * the network header only (eth_type_trans pulled the MAC header;
	 * cls_bpf pushes it back uncounted, and bpf_redirect() adds it again
	 * before dev_forward_skb() takes it out, net/core/filter.c
	 * bpf_push_mac_rcsum()). So the MAC bytes are written without
	 * BPF_F_RECOMPUTE_CSUM (which would fold them into skb->csum and
	 * leave it wrong), the IPv4 header with it. */
	if (bpf_skb_store_bytes(skb, 0, c->dev_mac, 6, 0) ||
	    bpf_skb_store_bytes(skb, ETH_PROTO_OFF, &proto, 2, 0) ||
	    bpf_skb_store_bytes(skb, L3_OFF, ip, IP4_HLEN, BPF_F_RECOMPUTE_CSUM))
		return -1;
	return 0;
}

static __always_inline int in_send(const struct xlat_cfg *c)
{
	stat_inc(XLAT_IN_OK);
	return bpf_redirect(c->dev_ifindex, BPF_F_INGRESS);
}

static __always_inline int in_l4(struct __sk_buff *skb,
				 const struct xlat_cfg *c, struct in6 *p)
{
	int tcp = p->nh == IPPROTO_TCP;
	__u32 coff = tcp ? 16 : 6;
	__u16 ports[2] = { 0, 0 }, check = 0;
	struct addrs4 a = { .dst = c->v4_addr };
	struct iphdr ip;
	int r;

	if (p->first) {
		if (p->l4len < (tcp ? 20u : 8u) ||
		    bpf_skb_load_bytes(skb, p->l4off, ports, 4) ||
		    bpf_skb_load_bytes(skb, p->l4off + coff, &check, 2))
			return drop(XLAT_DROP_SHORT);
		if (!tcp && check == 0) /* RFC 8200 8.1: mandatory in IPv6 */
			return drop(XLAT_DROP_BAD_CSUM);
	}
	r = remote_to4(c, p->ip.src, p->first, bpf_ntohs(ports[0]), &a.src);
	if (r)
		return drop(r);
	if (p->first && !our_port(c, bpf_ntohs(ports[1])))
		return drop(XLAT_DROP_PORT_IN);
	if (p->first) {
		__u32 d = (__u32)bpf_csum_diff((void *)p->ip.src, 32,
					       (void *)&a, 8, 0);

		if (bpf_l4_csum_replace(skb, p->l4off + coff, 0, d,
					BPF_F_PSEUDO_HDR |
					(tcp ? 0 : BPF_F_MARK_MANGLED_0)))
			return drop(XLAT_DROP_HELPER);
	}
	ip4_from6(&ip, &p->ip, &p->f, p->frag, p->nh, p->l4len + IP4_HLEN,
		  a.src, a.dst);
	if (in_rewrite(skb, c, &ip, p->frag ? FRAG6_HLEN : 0))
		return drop(XLAT_DROP_HELPER);
	return in_send(c);
}

/* The inner packet of an ICMPv6 error: one we sent, so its source is our
 * address and its source port (ICMP id) ours. */
struct inner6 {
	struct ip6h ip;
	__u8 l4[8];
	__u16 tcheck;
	__u8 has_tcheck;
};

/* The ICMPv6 error path's working set, off the 512-byte stack (6.1's
 * verifier counts the checksum subprogram's frame on top of ours). */
struct in_err_work {
	struct inner6 in;
	struct iphdr iip;
	struct ph6 ph;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct in_err_work);
} xlat_work_in SEC(".maps");

static __always_inline int in_inner(const struct xlat_cfg *c,
				    struct inner6 *in, struct iphdr *ip,
				    struct ph6 *ph, __u16 peer_port)
{
	__u32 ilen = bpf_ntohs(in->ip.plen), d;
	struct addrs4 a = { .src = c->v4_addr };
	struct frag6 nof = {};
	__u8 nh = in->ip.nh;
	__u16 *ck;

	if (remote_to4(c, in->ip.dst, 1, peer_port, &a.dst))
		return XLAT_DROP_INNER;
	d = (__u32)bpf_csum_diff((void *)in->ip.src, 32, (void *)&a, 8, 0);
	if (nh == IPPROTO_TCP) {
		if (in->has_tcheck)
			in->tcheck = csum_adjust(in->tcheck, d);
	} else if (nh == IPPROTO_UDP) {
		ck = (__u16 *)(in->l4 + 6);
		*ck = csum_adjust(*ck, d);
	} else if (nh == NH_ICMPV6) {
		/* an echo: 128/129 -> 8/0, the pseudo-header taken out */
		__u32 w4 = 0, w6 = 0;

		if (in->l4[0] != 128 && in->l4[0] != 129)
			return XLAT_DROP_INNER;
		__builtin_memset(ph, 0, sizeof(*ph));
		ph->len = bpf_htonl(ilen);
		ph->nh = NH_ICMPV6;
		__builtin_memcpy(ph->src, in->ip.src, 16);
		__builtin_memcpy(ph->dst, in->ip.dst, 16);
		((__u8 *)&w6)[0] = in->l4[0];
		((__u8 *)&w6)[1] = in->l4[1];
		in->l4[0] = in->l4[0] == 128 ? 8 : 0;
		((__u8 *)&w4)[0] = in->l4[0];
		((__u8 *)&w4)[1] = in->l4[1];
		d = (__u32)bpf_csum_diff((void *)ph, sizeof(*ph), 0, 0, 0);
		d = (__u32)bpf_csum_diff(&w6, 4, &w4, 4, d);
		ck = (__u16 *)(in->l4 + 2);
		*ck = csum_adjust(*ck, d);
		nh = IPPROTO_ICMP;
	} else {
		return XLAT_DROP_INNER;
	}
	ip4_from6(ip, &in->ip, &nof, 0, nh, ilen + IP4_HLEN, a.src, a.dst);
	/* the inner header is a copy of what was sent: no random id */
	ip->id = 0;
	ip->check = ip4_check(ip);
	return 0;
}

/* ICMPv6 error -> ICMPv4 error with the inner packet translated; a source
 * with no IPv4 form (a router of the IPv6 network) becomes 192.0.0.8. */
static __always_inline int in_icmp_err(struct __sk_buff *skb,
				       const struct xlat_cfg *c,
				       struct in6 *p, struct icmph *ih)
{
	/* IPv4 total: 20 + ICMP (l4len - 20, the inner header 20 shorter) */
	__u32 off = p->l4off + ICMP_HLEN, len4 = p->l4len;
	struct addrs4 a = { .dst = c->v4_addr };
	__u32 k = 0;
	struct in_err_work *wk = bpf_map_lookup_elem(&xlat_work_in, &k);
	struct inner6 *in;
	struct iphdr ip;
	__u16 *pt, us, peer;
	int r;

	if (!wk)
		return drop(XLAT_DROP_HELPER);
	in = &wk->in;
	__builtin_memset(in, 0, sizeof(*in));
	pt = (__u16 *)in->l4;
	if (p->l4len < ICMP_HLEN + IP6_HLEN + 8 ||
	    bpf_skb_load_bytes(skb, off, &in->ip, IP6_HLEN) ||
	    bpf_skb_load_bytes(skb, off + IP6_HLEN, in->l4, 8))
		return drop(XLAT_DROP_SHORT);
	if ((in->ip.vtc >> 4) != 6 || !addr6_eq(in->ip.src, c->local6))
		return drop(XLAT_DROP_INNER);
	if (in->ip.nh == IPPROTO_TCP && p->l4len >= ICMP_HLEN + IP6_HLEN + 18) {
		if (bpf_skb_load_bytes(skb, off + IP6_HLEN + 16, &in->tcheck, 2))
			return drop(XLAT_DROP_SHORT);
		in->has_tcheck = 1;
	}
	us = bpf_ntohs(pt[0]);
	peer = bpf_ntohs(pt[1]);
	if (in->ip.nh == NH_ICMPV6)
		us = peer = bpf_ntohs(pt[2]);
	if (!our_port(c, us))
		return drop(XLAT_DROP_PORT_IN);
	r = remote_to4(c, p->ip.src, 0, 0, &a.src);
	if (r == XLAT_DROP_FOREIGN)
		a.src = bpf_htonl(ICMP_XLAT_SRC);
	else if (r)
		return drop(r);
	if (icmp_err6to4(ih))
		return drop(XLAT_DROP_ICMP_TYPE);
	r = in_inner(c, in, &wk->iip, &wk->ph, peer);
	if (r)
		return drop(r);
	ip4_from6(&ip, &p->ip, &p->f, 0, IPPROTO_ICMP, len4, a.src, a.dst);
	if (in_rewrite(skb, c, &ip, IP4_HLEN))
		return drop(XLAT_DROP_HELPER);
	ih->check = 0;
	off = L4_OFF4 + ICMP_HLEN;
	if (bpf_skb_store_bytes(skb, L4_OFF4, ih, ICMP_HLEN, BPF_F_RECOMPUTE_CSUM) ||
	    bpf_skb_store_bytes(skb, off, &wk->iip, IP4_HLEN, BPF_F_RECOMPUTE_CSUM) ||
	    bpf_skb_store_bytes(skb, off + IP4_HLEN, in->l4, 8, BPF_F_RECOMPUTE_CSUM) ||
	    (in->has_tcheck &&
	     bpf_skb_store_bytes(skb, off + IP4_HLEN + 16, &in->tcheck, 2,
				 BPF_F_RECOMPUTE_CSUM)) ||
	    store_sum(skb, L4_OFF4, len4 - IP4_HLEN, 2, 0, 0))
		return drop(XLAT_DROP_HELPER);
	return in_send(c);
}

static __always_inline int in_icmp(struct __sk_buff *skb,
				   const struct xlat_cfg *c, struct in6 *p)
{
	struct addrs4 a = { .dst = c->v4_addr };
	struct icmph ih;
	struct iphdr ip;
	__u16 id;
	int r;

	if (p->l4len < ICMP_HLEN ||
	    bpf_skb_load_bytes(skb, p->l4off, &ih, sizeof(ih)))
		return drop(XLAT_DROP_SHORT);
	if (ih.type >= 133 && ih.type <= 137) {
		/* neighbour discovery for our address stays IPv6 */
		stat_inc(XLAT_IN_PASS);
		return TC_ACT_OK;
	}
	if (p->frag)
		return drop(XLAT_DROP_ICMP_FRAG);
	if (ih.type >= 1 && ih.type <= 4)
		return in_icmp_err(skb, c, p, &ih);
	if ((ih.type != 128 && ih.type != 129) || ih.code != 0)
		return drop(XLAT_DROP_ICMP_TYPE);
	id = (__u16)ih.rest[0] << 8 | ih.rest[1];
	r = remote_to4(c, p->ip.src, 1, id, &a.src);
	if (r)
		return drop(r);
	if (!our_port(c, id))
		return drop(XLAT_DROP_PORT_IN);
	ih.type = ih.type == 128 ? 8 : 0;
	ih.check = 0;
	ip4_from6(&ip, &p->ip, &p->f, 0, IPPROTO_ICMP, p->l4len + IP4_HLEN,
		  a.src, a.dst);
	if (in_rewrite(skb, c, &ip, 0) ||
	    bpf_skb_store_bytes(skb, L4_OFF4, &ih, 4, BPF_F_RECOMPUTE_CSUM) ||
	    store_sum(skb, L4_OFF4, p->l4len, 2, 0, 0))
		return drop(XLAT_DROP_HELPER);
	return in_send(c);
}

static __always_inline int in_other(struct __sk_buff *skb,
				    const struct xlat_cfg *c, struct in6 *p)
{
	struct addrs4 a = { .dst = c->v4_addr };
	struct iphdr ip;
	int r;

	if (c->mode == XLAT_MODE_MAPT && c->psid_len)
		return drop(XLAT_DROP_PROTO);
	r = remote_to4(c, p->ip.src, 0, 0, &a.src);
	if (r)
		return drop(r);
	ip4_from6(&ip, &p->ip, &p->f, p->frag, p->nh, p->l4len + IP4_HLEN,
		  a.src, a.dst);
	if (in_rewrite(skb, c, &ip, p->frag ? FRAG6_HLEN : 0))
		return drop(XLAT_DROP_HELPER);
	return in_send(c);
}

SEC("tc")
int xlat_in(struct __sk_buff *skb)
{
	__u32 k = 0, plen;
	const struct xlat_cfg *c = bpf_map_lookup_elem(&xlat_cfg, &k);
	struct in6 p = {};

	if (!c || c->mode == XLAT_MODE_OFF ||
	    skb->protocol != bpf_htons(ETH_P_IPV6))
		return TC_ACT_OK;
	if (bpf_skb_load_bytes(skb, L3_OFF, &p.ip, IP6_HLEN))
		return TC_ACT_OK;
	if (!addr6_eq(p.ip.dst, c->local6)) {
		stat_inc(XLAT_IN_PASS);
		return TC_ACT_OK;
	}
	if (skb->pkt_type != 0 /* PACKET_HOST */)
		return drop(XLAT_DROP_NOT_HOST);
	plen = bpf_ntohs(p.ip.plen);
	if ((p.ip.vtc >> 4) != 6 || plen == 0 ||
	    plen + IP6_HLEN + L3_OFF > skb->len)
		return drop(XLAT_DROP_SHORT);
	if (p.ip.hop == 0)
		return drop(XLAT_DROP_TTL);
	p.nh = p.ip.nh;
	p.l4off = L4_OFF6;
	p.l4len = plen;
	p.first = 1;
	if (p.nh == NH_FRAGMENT) {
		if (plen < FRAG6_HLEN ||
		    bpf_skb_load_bytes(skb, L4_OFF6, &p.f, FRAG6_HLEN))
			return drop(XLAT_DROP_SHORT);
		p.frag = 1;
		p.nh = p.f.nh;
		p.l4off += FRAG6_HLEN;
		p.l4len -= FRAG6_HLEN;
		p.first = (bpf_ntohs(p.f.off) >> 3) == 0;
	}
	if (is_exthdr(p.nh))
		return drop(XLAT_DROP_V6_EXTHDR);
	switch (p.nh) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		return in_l4(skb, c, &p);
	case NH_ICMPV6:
		return in_icmp(skb, c, &p);
	case 59: /* no next header: nothing to carry */
		return drop(XLAT_DROP_PROTO);
	}
	return in_other(skb, c, &p);
}
