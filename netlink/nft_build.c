/* SPDX-License-Identifier: MIT */
/* A plan's NAT and filter parts -> our table as libnftnl objects. Pure: no
 * I/O. The expressions are the ones nft 1.0.6 itself emits for the same
 * rules (`nft --debug=netlink add rule ...`), so `nft list` prints them
 * back as readable rules:
 *
 *   chain nat_out (nat, postrouting, srcnat):
 *     oifname T meta l4proto tcp snat ip to numgen inc mod N map { i : IP . lo_i-hi_i }
 *     oifname T icmp type echo-request snat ip to numgen inc mod N map { ... }
 *     oifname T meta l4proto udp snat ip to jhash ip saddr . udp sport mod N map { ... }
 *     oifname T snat ip to IP
 *   chain clamp_mss (filter, forward, mangle):
 *     oifname T tcp flags syn tcp option maxseg size > MSS tcp option maxseg size set MSS
 *     iifname T (the same)
 *   chain rx_filter (filter, prerouting, mangle):
 *     iifname T ip daddr != OURS drop
 *     iifname T tcp dport != @ports drop
 *     iifname T udp dport != @ports drop
 *     iifname T icmp type echo-reply icmp id != { lo_i-hi_i, ... } drop
 */
#include "nft.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

#include "../tunnels/err.h"
#include "../tunnels/plan.h"

/* nft's datatype numbers and byte orders, as it writes them into a set's
 * type and user data so `nft list` can print the elements. */
#define NFT_TYPE_INTEGER 4
#define NFT_TYPE_IPADDR 7
#define NFT_TYPE_INET_SERVICE 13
#define NFT_TYPE_CONCAT(a, b) (((a) << 6) | (b))
#define NFT_BYTEORDER_HOST 1
#define NFT_BYTEORDER_BIG 2

#define PRIO_SRCNAT 100
#define PRIO_MANGLE (-150)
#define TCPOPT_MAXSEG_KIND 2
#define TCP_FLAG_SYN 0x02
#define ICMP_ECHOREPLY_TYPE 0
#define ICMP_ECHO_TYPE 8
/* Set ids bind sets to lookups within one batch (maps use 1-3). */
#define SET_ID_PORTS 4
#define SET_ID_ICMP 5

/* Building a rule: one flag collects allocation failures so the builders
 * stay linear; checked once per rule. */
struct rb {
	struct nftnl_rule *r;
	bool oom;
};

static void add(struct rb *b, struct nftnl_expr *x)
{
	if (!x || !b->r) {
		b->oom = true;
		if (x)
			nftnl_expr_free(x);
		return;
	}
	nftnl_rule_add_expr(b->r, x);
}

static struct nftnl_expr *ex(const char *name)
{
	return nftnl_expr_alloc(name);
}

static void meta_load(struct rb *b, uint32_t key, uint32_t dreg)
{
	struct nftnl_expr *x = ex("meta");

	if (x) {
		nftnl_expr_set_u32(x, NFTNL_EXPR_META_KEY, key);
		nftnl_expr_set_u32(x, NFTNL_EXPR_META_DREG, dreg);
	}
	add(b, x);
}

static void cmp(struct rb *b, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *x = ex("cmp");

	if (x) {
		nftnl_expr_set_u32(x, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
		nftnl_expr_set_u32(x, NFTNL_EXPR_CMP_OP, op);
		nftnl_expr_set(x, NFTNL_EXPR_CMP_DATA, data, len);
	}
	add(b, x);
}

static void payload(struct rb *b, uint32_t base, uint32_t off, uint32_t len,
		    uint32_t dreg)
{
	struct nftnl_expr *x = ex("payload");

	if (x) {
		nftnl_expr_set_u32(x, NFTNL_EXPR_PAYLOAD_DREG, dreg);
		nftnl_expr_set_u32(x, NFTNL_EXPR_PAYLOAD_BASE, base);
		nftnl_expr_set_u32(x, NFTNL_EXPR_PAYLOAD_OFFSET, off);
		nftnl_expr_set_u32(x, NFTNL_EXPR_PAYLOAD_LEN, len);
	}
	add(b, x);
}

/* reg1 = (reg1 & mask) ^ 0 */
static void mask(struct rb *b, const void *m, uint32_t len)
{
	struct nftnl_expr *x = ex("bitwise");
	static const uint8_t zero[16];

	if (x) {
		nftnl_expr_set_u32(x, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
		nftnl_expr_set_u32(x, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
		nftnl_expr_set_u32(x, NFTNL_EXPR_BITWISE_LEN, len);
		nftnl_expr_set(x, NFTNL_EXPR_BITWISE_MASK, m, len);
		nftnl_expr_set(x, NFTNL_EXPR_BITWISE_XOR, zero, len);
	}
	add(b, x);
}

static void imm_data(struct rb *b, const void *data, uint32_t len)
{
	struct nftnl_expr *x = ex("immediate");

	if (x) {
		nftnl_expr_set_u32(x, NFTNL_EXPR_IMM_DREG, NFT_REG_1);
		nftnl_expr_set(x, NFTNL_EXPR_IMM_DATA, data, len);
	}
	add(b, x);
}

static void verdict(struct rb *b, int v)
{
	struct nftnl_expr *x = ex("immediate");

	if (x) {
		nftnl_expr_set_u32(x, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
		nftnl_expr_set_u32(x, NFTNL_EXPR_IMM_VERDICT, (uint32_t)v);
	}
	add(b, x);
}

/* Lookup in a named set (id 0) or in an anonymous map bound by id. */
static void lookup(struct rb *b, const char *set, uint32_t id, bool map,
		   bool inv)
{
	struct nftnl_expr *x = ex("lookup");

	if (x) {
		nftnl_expr_set_u32(x, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
		if (map)
			nftnl_expr_set_u32(x, NFTNL_EXPR_LOOKUP_DREG, NFT_REG_1);
		if (nftnl_expr_set_str(x, NFTNL_EXPR_LOOKUP_SET, set) < 0)
			b->oom = true;
		if (id)
			nftnl_expr_set_u32(x, NFTNL_EXPR_LOOKUP_SET_ID, id);
		/* The kernel always reports the flags: send them too. */
		nftnl_expr_set_u32(x, NFTNL_EXPR_LOOKUP_FLAGS,
				   inv ? NFT_LOOKUP_F_INV : 0);
	}
	add(b, x);
}

static void numgen_inc(struct rb *b, uint32_t mod)
{
	struct nftnl_expr *x = ex("numgen");

	if (x) {
		nftnl_expr_set_u32(x, NFTNL_EXPR_NG_DREG, NFT_REG_1);
		nftnl_expr_set_u32(x, NFTNL_EXPR_NG_MODULUS, mod);
		nftnl_expr_set_u32(x, NFTNL_EXPR_NG_TYPE, NFT_NG_INCREMENTAL);
		nftnl_expr_set_u32(x, NFTNL_EXPR_NG_OFFSET, 0);
	}
	add(b, x);
}

/* reg1 = jhash(ip saddr . udp sport) % mod: the two fields are
 * concatenated in reg 2 (32-bit words 12 and 13), 4 + 4 bytes. */
static void jhash_saddr_sport(struct rb *b, uint32_t mod)
{
	struct nftnl_expr *x;

	payload(b, NFT_PAYLOAD_NETWORK_HEADER, 12, 4, NFT_REG_2);
	payload(b, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 2, NFT_REG32_05);
	x = ex("hash");
	if (x) {
		nftnl_expr_set_u32(x, NFTNL_EXPR_HASH_SREG, NFT_REG_2);
		nftnl_expr_set_u32(x, NFTNL_EXPR_HASH_DREG, NFT_REG_1);
		nftnl_expr_set_u32(x, NFTNL_EXPR_HASH_LEN, 8);
		nftnl_expr_set_u32(x, NFTNL_EXPR_HASH_MODULUS, mod);
		nftnl_expr_set_u32(x, NFTNL_EXPR_HASH_SEED, V6MIG_NFT_UDP_HASH_SEED);
		nftnl_expr_set_u32(x, NFTNL_EXPR_HASH_TYPE, NFT_HASH_JENKINS);
	}
	add(b, x);
}

/* snat to the address (and port range) in registers. With a range the map
 * data is addr_min (reg 1 = word 8), proto_min (word 9), addr_max (word
 * 10), proto_max (word 11), as nft lays out `IP . lo-hi`. The kernel
 * reports the flags it derives from the registers, so we send them. */
static void snat(struct rb *b, bool range)
{
	struct nftnl_expr *x = ex("nat");
	uint32_t flags = NF_NAT_RANGE_MAP_IPS;

	if (x) {
		nftnl_expr_set_u32(x, NFTNL_EXPR_NAT_TYPE, NFT_NAT_SNAT);
		nftnl_expr_set_u32(x, NFTNL_EXPR_NAT_FAMILY, NFPROTO_IPV4);
		nftnl_expr_set_u32(x, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
		if (range) {
			nftnl_expr_set_u32(x, NFTNL_EXPR_NAT_REG_ADDR_MAX, NFT_REG32_02);
			nftnl_expr_set_u32(x, NFTNL_EXPR_NAT_REG_PROTO_MIN, NFT_REG32_01);
			nftnl_expr_set_u32(x, NFTNL_EXPR_NAT_REG_PROTO_MAX, NFT_REG32_03);
			flags |= NF_NAT_RANGE_PROTO_SPECIFIED;
		} else {
			nftnl_expr_set_u32(x, NFTNL_EXPR_NAT_REG_ADDR_MAX, NFT_REG_1);
		}
		nftnl_expr_set_u32(x, NFTNL_EXPR_NAT_FLAGS, flags);
	}
	add(b, x);
}

static void tcpopt_mss(struct rb *b, bool write)
{
	struct nftnl_expr *x = ex("exthdr");

	if (x) {
		nftnl_expr_set_u32(x, write ? NFTNL_EXPR_EXTHDR_SREG :
				   NFTNL_EXPR_EXTHDR_DREG, NFT_REG_1);
		nftnl_expr_set_u8(x, NFTNL_EXPR_EXTHDR_TYPE, TCPOPT_MAXSEG_KIND);
		nftnl_expr_set_u32(x, NFTNL_EXPR_EXTHDR_OFFSET, 2);
		nftnl_expr_set_u32(x, NFTNL_EXPR_EXTHDR_LEN, 2);
		nftnl_expr_set_u32(x, NFTNL_EXPR_EXTHDR_OP, NFT_EXTHDR_OP_TCPOPT);
	}
	add(b, x);
}

/* ---- matches ------------------------------------------------------ */

/* meta iifname/oifname compared over IFNAMSIZ bytes, as nft does. */
static void ifname_is(struct rb *b, uint32_t key, const char *name)
{
	char buf[IFNAMSIZ];

	memset(buf, 0, sizeof(buf));
	strncpy(buf, name, sizeof(buf) - 1);
	meta_load(b, key, NFT_REG_1);
	cmp(b, NFT_CMP_EQ, buf, sizeof(buf));
}

static void l4proto_is(struct rb *b, uint8_t proto)
{
	meta_load(b, NFT_META_L4PROTO, NFT_REG_1);
	cmp(b, NFT_CMP_EQ, &proto, 1);
}

static void icmp_type_is(struct rb *b, uint8_t type)
{
	l4proto_is(b, IPPROTO_ICMP);
	payload(b, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1, NFT_REG_1);
	cmp(b, NFT_CMP_EQ, &type, 1);
}

/* ---- objects ------------------------------------------------------ */

static struct rb rule_new(const char *chain)
{
	struct rb b = { nftnl_rule_alloc(), false };

	if (b.r) {
		nftnl_rule_set_u32(b.r, NFTNL_RULE_FAMILY, NFPROTO_IPV4);
		if (nftnl_rule_set_str(b.r, NFTNL_RULE_TABLE, V6MIG_NFT_TABLE) < 0 ||
		    nftnl_rule_set_str(b.r, NFTNL_RULE_CHAIN, chain) < 0)
			b.oom = true;
	}
	return b;
}

static int rule_end(struct rb *b, struct nft_objs *o, struct err *e)
{
	if (!b->r || b->oom) {
		if (b->r)
			nftnl_rule_free(b->r);
		return err_set(e, ENOMEM, "nft: out of memory building a rule");
	}
	nftnl_rule_list_add_tail(b->r, o->rules);
	return 0;
}

static int chain_add(struct nft_objs *o, const char *name, const char *type,
		     uint32_t hook, int prio, struct err *e)
{
	struct nftnl_chain *c = nftnl_chain_alloc();

	if (!c)
		return err_set(e, ENOMEM, "nft: out of memory");
	nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, NFPROTO_IPV4);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, hook);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, prio);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	if (nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, V6MIG_NFT_TABLE) < 0 ||
	    nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name) < 0 ||
	    nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, type) < 0) {
		nftnl_chain_free(c);
		return err_set(e, ENOMEM, "nft: out of memory");
	}
	nftnl_chain_list_add_tail(c, o->chains);
	return 0;
}

static struct nftnl_set *set_new(const char *name, uint32_t id,
				 uint32_t flags)
{
	struct nftnl_set *s = nftnl_set_alloc();

	if (!s)
		return NULL;
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_IPV4);
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, flags);
	if (id)
		nftnl_set_set_u32(s, NFTNL_SET_ID, id);
	if (nftnl_set_set_str(s, NFTNL_SET_TABLE, V6MIG_NFT_TABLE) < 0 ||
	    nftnl_set_set_str(s, NFTNL_SET_NAME, name) < 0) {
		nftnl_set_free(s);
		return NULL;
	}
	return s;
}

/* nft's user data: byte orders (and "data is an interval") so that
 * `nft list` prints `0 : 192.0.2.1 . 5136-5151`. */
static int set_udata(struct nftnl_set *s, uint32_t key_bo, bool map)
{
	struct nftnl_udata_buf *u = nftnl_udata_buf_alloc(64);
	int rc = -ENOMEM;

	if (!u)
		return rc;
	if (nftnl_udata_put_u32(u, NFTNL_UDATA_SET_KEYBYTEORDER, key_bo) &&
	    (!map || (nftnl_udata_put_u32(u, NFTNL_UDATA_SET_DATABYTEORDER, 0) &&
		      nftnl_udata_put_u32(u, NFTNL_UDATA_SET_DATA_INTERVAL, 1))) &&
	    nftnl_set_set_data(s, NFTNL_SET_USERDATA, nftnl_udata_buf_data(u),
			       nftnl_udata_buf_len(u)) == 0)
		rc = 0;
	nftnl_udata_buf_free(u);
	return rc;
}

static int elem_add(struct nftnl_set *s, const void *key, uint32_t klen,
		    const void *data, uint32_t dlen, uint32_t flags)
{
	struct nftnl_set_elem *el = nftnl_set_elem_alloc();

	if (!el)
		return -ENOMEM;
	if (nftnl_set_elem_set(el, NFTNL_SET_ELEM_KEY, key, klen) < 0 ||
	    (data && nftnl_set_elem_set(el, NFTNL_SET_ELEM_DATA, data, dlen) < 0)) {
		nftnl_set_elem_free(el);
		return -ENOMEM;
	}
	if (flags)
		nftnl_set_elem_set_u32(el, NFTNL_SET_ELEM_FLAGS, flags);
	nftnl_set_elem_add(s, el);
	return 0;
}

/* One map element's data: IP . lo-hi in nft's register layout. */
static void map_data(struct in_addr ip, struct port_range pr, uint8_t d[16])
{
	uint16_t lo = htons(pr.min), hi = htons(pr.max);

	memset(d, 0, 16);
	memcpy(d, &ip, 4);
	memcpy(d + 4, &lo, 2);
	memcpy(d + 8, &ip, 4);
	memcpy(d + 12, &hi, 2);
}

/* The anonymous map { i : IP . lo_i-hi_i }, i = 0..N-1 (key host order,
 * as nft writes integers). */
static int nat_map_add(struct nft_objs *o, const struct plan_nat *n,
		       uint32_t id, struct err *e)
{
	size_t nr = portset_nranges(&n->ports);
	struct nftnl_set *s;
	uint8_t d[16];
	int rc;

	s = set_new("__map%d", id, NFT_SET_ANONYMOUS | NFT_SET_CONSTANT |
		    NFT_SET_MAP);
	if (!s)
		return err_set(e, ENOMEM, "nft: out of memory");
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, NFT_TYPE_INTEGER);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, 4);
	nftnl_set_set_u32(s, NFTNL_SET_DATA_TYPE,
			  NFT_TYPE_CONCAT(NFT_TYPE_IPADDR, NFT_TYPE_INET_SERVICE));
	nftnl_set_set_u32(s, NFTNL_SET_DATA_LEN, sizeof(d));
	nftnl_set_set_u32(s, NFTNL_SET_DESC_SIZE, (uint32_t)nr);
	rc = set_udata(s, NFT_BYTEORDER_HOST, true);
	for (uint32_t i = 0; rc == 0 && i < nr; i++) {
		map_data(n->src, portset_range(&n->ports, i), d);
		rc = elem_add(s, &i, sizeof(i), d, sizeof(d), 0);
	}
	if (rc) {
		nftnl_set_free(s);
		return err_set(e, ENOMEM, "nft: out of memory");
	}
	nftnl_set_list_add_tail(s, o->sets);
	return 0;
}

/* A port set's ranges as interval elements, in nft's encoding: an
 * interval-end element at 0 when the first range starts above 0, then
 * start and end (hi + 1, omitted at 65535) per range. Returns the number
 * of elements or -ENOMEM. */
static int interval_elems(struct nftnl_set *s, const struct portset *ps)
{
	size_t nr = portset_nranges(ps);
	uint16_t k = 0;
	int n = 0;

	if (portset_range(ps, 0).min > 0) {
		if (elem_add(s, &k, 2, NULL, 0, NFT_SET_ELEM_INTERVAL_END))
			return -ENOMEM;
		n++;
	}
	for (size_t i = 0; i < nr; i++) {
		struct port_range pr = portset_range(ps, i);

		k = htons(pr.min);
		if (elem_add(s, &k, 2, NULL, 0, 0))
			return -ENOMEM;
		n++;
		k = htons((uint16_t)(pr.max + 1));
		if (pr.max == 65535)
			continue;
		if (elem_add(s, &k, 2, NULL, 0, NFT_SET_ELEM_INTERVAL_END))
			return -ENOMEM;
		n++;
	}
	return n;
}

/* The named set "ports" (inet_service) serves TCP and UDP; ICMP ids get
 * an anonymous integer one, as nft types `icmp id`, so that a listing
 * reads back. The kernel wants an id on every new set. */
static int port_set_add(struct nft_objs *o, const struct portset *ps,
			bool icmp, struct err *e)
{
	struct nftnl_set *s;
	int n;

	s = icmp ? set_new("__set%d", SET_ID_ICMP, NFT_SET_ANONYMOUS |
			   NFT_SET_CONSTANT | NFT_SET_INTERVAL) :
		   set_new(V6MIG_NFT_SET_PORTS, SET_ID_PORTS, NFT_SET_INTERVAL);
	if (!s)
		return err_set(e, ENOMEM, "nft: out of memory");
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, icmp ? NFT_TYPE_INTEGER :
			  NFT_TYPE_INET_SERVICE);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, 2);
	n = set_udata(s, NFT_BYTEORDER_BIG, false);
	if (n == 0)
		n = interval_elems(s, ps);
	if (n < 0) {
		nftnl_set_free(s);
		return err_set(e, ENOMEM, "nft: out of memory");
	}
	if (icmp) /* anonymous sets are sized, as nft sizes them */
		nftnl_set_set_u32(s, NFTNL_SET_DESC_SIZE, (uint32_t)n);
	nftnl_set_list_add_tail(s, o->sets);
	return 0;
}

/* ---- chains ------------------------------------------------------- */

enum nat_sel { NAT_TCP, NAT_ICMP, NAT_UDP };

static int nat_range_rule(struct nft_objs *o, const struct plan_nat *n,
			  enum nat_sel sel, uint32_t id, struct err *e)
{
	uint32_t nr = (uint32_t)portset_nranges(&n->ports);
	struct rb b = rule_new(V6MIG_NFT_CHAIN_NAT);
	int rc = nat_map_add(o, n, id, e);

	if (rc) {
		if (b.r)
			nftnl_rule_free(b.r);
		return rc;
	}
	ifname_is(&b, NFT_META_OIFNAME, n->out_ifname);
	switch (sel) {
	case NAT_TCP:
		l4proto_is(&b, IPPROTO_TCP);
		numgen_inc(&b, nr);
		break;
	case NAT_ICMP:
		/* The kernel's NAT maps the echo identifier into
		 * proto_min..proto_max like a port (RFC 7597 8.1). */
		icmp_type_is(&b, ICMP_ECHO_TYPE);
		numgen_inc(&b, nr);
		break;
	case NAT_UDP:
		/* RFC 4787 REQ-1: one LAN socket keeps one external port
		 * to every destination, so the range depends on the inner
		 * source only. */
		l4proto_is(&b, IPPROTO_UDP);
		jhash_saddr_sport(&b, nr);
		break;
	}
	lookup(&b, "__map%d", id, true, false);
	snat(&b, true);
	return rule_end(&b, o, e);
}

/* TCP and ICMP echo round-robin over every range (numgen inc: 240 of 240
 * ports usable on a 15x16 set); UDP by hash; anything else (GRE, ESP,
 * ICMP errors without a connection) to the address alone. */
static int nat_chain(struct nft_objs *o, const struct plan_nat *n,
		     struct err *e)
{
	static const enum nat_sel sels[] = { NAT_TCP, NAT_ICMP, NAT_UDP };
	struct rb b;
	int rc;

	rc = chain_add(o, V6MIG_NFT_CHAIN_NAT, "nat", NF_INET_POST_ROUTING,
		       PRIO_SRCNAT, e);
	for (size_t i = 0; rc == 0 && n->ports.len && i < 3; i++)
		rc = nat_range_rule(o, n, sels[i], (uint32_t)i + 1, e);
	if (rc)
		return rc;
	b = rule_new(V6MIG_NFT_CHAIN_NAT);
	ifname_is(&b, NFT_META_OIFNAME, n->out_ifname);
	imm_data(&b, &n->src, 4);
	snat(&b, false);
	return rule_end(&b, o, e);
}

/* Lower the MSS of SYN and SYN-ACK to the tunnel's, never raise it (as
 * iptables' TCPMSS --set-mss does). */
static int mss_rule(struct nft_objs *o, uint32_t key, const char *ifname,
		    uint16_t mss, struct err *e)
{
	struct rb b = rule_new(V6MIG_NFT_CHAIN_MSS);
	uint8_t syn = TCP_FLAG_SYN, zero = 0;
	uint16_t v = htons(mss);

	ifname_is(&b, key, ifname);
	l4proto_is(&b, IPPROTO_TCP);
	payload(&b, NFT_PAYLOAD_TRANSPORT_HEADER, 13, 1, NFT_REG_1);
	mask(&b, &syn, 1);
	cmp(&b, NFT_CMP_NEQ, &zero, 1);
	tcpopt_mss(&b, false);
	cmp(&b, NFT_CMP_GT, &v, 2);
	imm_data(&b, &v, 2);
	tcpopt_mss(&b, true);
	return rule_end(&b, o, e);
}

static int mss_chain(struct nft_objs *o, const struct plan_filter *f,
		     struct err *e)
{
	int rc = chain_add(o, V6MIG_NFT_CHAIN_MSS, "filter", NF_INET_FORWARD,
			   PRIO_MANGLE, e);

	if (rc == 0)
		rc = mss_rule(o, NFT_META_OIFNAME, f->in_ifname, f->mss, e);
	if (rc == 0)
		rc = mss_rule(o, NFT_META_IIFNAME, f->in_ifname, f->mss, e);
	return rc;
}

/* iifname T ip daddr != OURS drop; a prefix that is not byte-aligned is
 * masked first, as nft does. */
static int rx_ours_rule(struct nft_objs *o, const struct plan_filter *f,
			struct err *e)
{
	struct rb b = rule_new(V6MIG_NFT_CHAIN_RX);
	uint32_t nbytes = (f->ours.len + 7u) / 8u;
	uint32_t m = htonl(v4_mask(f->ours.len));
	uint32_t net = f->ours.addr.s_addr & m;

	ifname_is(&b, NFT_META_IIFNAME, f->in_ifname);
	payload(&b, NFT_PAYLOAD_NETWORK_HEADER, 16, nbytes, NFT_REG_1);
	if (f->ours.len % 8)
		mask(&b, &m, nbytes);
	cmp(&b, NFT_CMP_NEQ, &net, nbytes);
	verdict(&b, NF_DROP);
	return rule_end(&b, o, e);
}

/* Destination port (or echo-reply id) outside the set: drop. Replies of
 * our own connections are always inside it (we NAT into it); ICMP errors
 * are not echo replies and pass; fragments reach us reassembled by
 * conntrack's defrag, and where a header is absent the payload load does
 * not match, so a fragment is never dropped for a port it lacks. */
static int rx_port_rule(struct nft_objs *o, const struct plan_filter *f,
			uint8_t proto, struct err *e)
{
	struct rb b = rule_new(V6MIG_NFT_CHAIN_RX);

	ifname_is(&b, NFT_META_IIFNAME, f->in_ifname);
	if (proto == IPPROTO_ICMP) {
		icmp_type_is(&b, ICMP_ECHOREPLY_TYPE);
		payload(&b, NFT_PAYLOAD_TRANSPORT_HEADER, 4, 2, NFT_REG_1);
	} else {
		l4proto_is(&b, proto);
		payload(&b, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG_1);
	}
	if (proto == IPPROTO_ICMP)
		lookup(&b, "__set%d", SET_ID_ICMP, false, true);
	else
		lookup(&b, V6MIG_NFT_SET_PORTS, 0, false, true);
	verdict(&b, NF_DROP);
	return rule_end(&b, o, e);
}

/* Prerouting at mangle priority: after conntrack (-200), before the
 * reply's de-NAT (-100), so daddr and dport are still the external ones. */
static int rx_chain(struct nft_objs *o, const struct plan_filter *f,
		    struct err *e)
{
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP };
	int rc = chain_add(o, V6MIG_NFT_CHAIN_RX, "filter",
			   NF_INET_PRE_ROUTING, PRIO_MANGLE, e);

	if (rc == 0 && f->ours.len)
		rc = rx_ours_rule(o, f, e);
	if (rc == 0 && f->ports.len)
		rc = port_set_add(o, &f->ports, false, e);
	if (rc == 0 && f->ports.len)
		rc = port_set_add(o, &f->ports, true, e);
	for (size_t i = 0; rc == 0 && f->ports.len && i < 3; i++)
		rc = rx_port_rule(o, f, protos[i], e);
	return rc;
}

/* ---- the whole table ---------------------------------------------- */

int nft_objs_init(struct nft_objs *o)
{
	memset(o, 0, sizeof(*o));
	snprintf(o->name, sizeof(o->name), "%s", V6MIG_NFT_TABLE);
	o->chains = nftnl_chain_list_alloc();
	o->sets = nftnl_set_list_alloc();
	o->rules = nftnl_rule_list_alloc();
	if (!o->chains || !o->sets || !o->rules) {
		nft_objs_done(o);
		return -ENOMEM;
	}
	return 0;
}

void nft_objs_done(struct nft_objs *o)
{
	if (!o)
		return;
	if (o->table)
		nftnl_table_free(o->table);
	if (o->chains)
		nftnl_chain_list_free(o->chains);
	if (o->sets)
		nftnl_set_list_free(o->sets);
	if (o->rules)
		nftnl_rule_list_free(o->rules);
	memset(o, 0, sizeof(*o));
}

static int check_plan(const struct plan *p, struct err *e)
{
	const struct plan_nat *n = &p->nat;
	const struct plan_filter *f = &p->filter;

	if (n->enabled && !n->out_ifname[0])
		return err_set(e, EINVAL, "nft: NAT without an interface");
	if (n->enabled && portset_check(&n->ports, e))
		return -EINVAL;
	if ((f->enabled || f->mss) && !f->in_ifname[0])
		return err_set(e, EINVAL, "nft: filter without an interface");
	if (f->enabled && f->ours.len > 32)
		return err_set(e, EINVAL, "nft: bad prefix length %u",
			       f->ours.len);
	if (f->enabled && portset_check(&f->ports, e))
		return -EINVAL;
	return 0;
}

/* The chains, sets and rules are made for V6MIG_NFT_TABLE; an instance's
 * table (o->name) takes them all. 0 or -ENOMEM. */
static int stamp_chain(struct nftnl_chain *c, void *name)
{
	return nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, name);
}

static int stamp_set(struct nftnl_set *s, void *name)
{
	return nftnl_set_set_str(s, NFTNL_SET_TABLE, name);
}

static int stamp_rule(struct nftnl_rule *r, void *name)
{
	return nftnl_rule_set_str(r, NFTNL_RULE_TABLE, name);
}

static int stamp_table(struct nft_objs *o)
{
	if (!strcmp(o->name, V6MIG_NFT_TABLE))
		return 0;
	if (nftnl_chain_list_foreach(o->chains, stamp_chain, o->name) < 0 ||
	    nftnl_set_list_foreach(o->sets, stamp_set, o->name) < 0 ||
	    nftnl_rule_list_foreach(o->rules, stamp_rule, o->name) < 0)
		return -ENOMEM;
	return 0;
}

static int build_all(const struct plan *p, struct nft_objs *o, struct err *e)
{
	const struct plan_filter *f = &p->filter;
	bool rx = f->enabled && (f->ours.len || f->ports.len);
	int rc = 0;

	if (!plan_wants_nft(p))
		return 0;
	o->table = nftnl_table_alloc();
	if (!o->table)
		return err_set(e, ENOMEM, "nft: out of memory");
	nftnl_table_set_u32(o->table, NFTNL_TABLE_FAMILY, NFPROTO_IPV4);
	nftnl_table_set_u32(o->table, NFTNL_TABLE_FLAGS, 0);
	if (nftnl_table_set_str(o->table, NFTNL_TABLE_NAME, o->name) < 0)
		return err_set(e, ENOMEM, "nft: out of memory");
	if (p->nat.enabled)
		rc = nat_chain(o, &p->nat, e);
	/* The clamp stands alone too: DS-Lite has no NAT and no receive
	 * filter, but its tunnel MTU is below the LAN's (RFC 6333 5.3). */
	if (rc == 0 && f->mss)
		rc = mss_chain(o, f, e);
	if (rc == 0 && rx)
		rc = rx_chain(o, f, e);
	if (rc == 0 && stamp_table(o) < 0)
		rc = err_set(e, ENOMEM, "nft: out of memory");
	return rc;
}

int nft_objs_build(const struct plan *p, struct nft_objs *o, struct err *e)
{
	struct nft_objs t;
	int rc = check_plan(p, e);

	if (rc)
		return rc;
	if (nft_objs_init(&t))
		return err_set(e, ENOMEM, "nft: out of memory");
	snprintf(t.name, sizeof(t.name), "%s", p->scope.table[0] ?
		 p->scope.table : V6MIG_NFT_TABLE);
	rc = build_all(p, &t, e);
	if (rc) {
		nft_objs_done(&t);
		return rc;
	}
	*o = t;
	return 0;
}
