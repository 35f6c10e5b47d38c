/* SPDX-License-Identifier: MIT */
/* Our table's description (tunnels/nftdesc.h, made from the plan) ->
 * libnftnl objects. Pure: no I/O. Each term of a rule becomes the
 * expressions nft 1.0.6 itself emits for that phrase (`nft --debug=netlink
 * add rule ...`), so `nft list` prints them back as the rules `plan`
 * prints from the same description (agent/planfmt.c). */
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
#include "../tunnels/nftdesc.h"
#include "../tunnels/plan.h"

/* nft's datatype numbers and byte orders, as it writes them into a set's
 * type and user data so `nft list` can print the elements. */
#define NFT_TYPE_INTEGER 4
#define NFT_TYPE_IPADDR 7
#define NFT_TYPE_INET_SERVICE 13
#define NFT_TYPE_CONCAT(a, b) (((a) << 6) | (b))
#define NFT_BYTEORDER_HOST 1
#define NFT_BYTEORDER_BIG 2

#define TCPOPT_MAXSEG_KIND 2
#define TCP_FLAG_SYN 0x02

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

static struct rb rule_new(const char *table, const char *chain)
{
	struct rb b = { nftnl_rule_alloc(), false };

	if (b.r) {
		nftnl_rule_set_u32(b.r, NFTNL_RULE_FAMILY, NFPROTO_IPV4);
		if (nftnl_rule_set_str(b.r, NFTNL_RULE_TABLE, table) < 0 ||
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

static const uint32_t hooks[] = {
	[NFTD_HOOK_PREROUTING] = NF_INET_PRE_ROUTING,
	[NFTD_HOOK_FORWARD] = NF_INET_FORWARD,
	[NFTD_HOOK_POSTROUTING] = NF_INET_POST_ROUTING,
};

static int chain_add(struct nft_objs *o, const struct nftd_chain *d,
		     struct err *e)
{
	struct nftnl_chain *c = nftnl_chain_alloc();

	if (!c)
		return err_set(e, ENOMEM, "nft: out of memory");
	nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, NFPROTO_IPV4);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, hooks[d->hook]);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, d->prio);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	if (nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, o->name) < 0 ||
	    nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, d->name) < 0 ||
	    nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE,
				d->type == NFTD_CHAIN_NAT ? "nat" : "filter") < 0) {
		nftnl_chain_free(c);
		return err_set(e, ENOMEM, "nft: out of memory");
	}
	nftnl_chain_list_add_tail(c, o->chains);
	return 0;
}

static struct nftnl_set *set_new(const char *table, const char *name,
				 uint32_t id, uint32_t flags)
{
	struct nftnl_set *s = nftnl_set_alloc();

	if (!s)
		return NULL;
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_IPV4);
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, flags);
	if (id)
		nftnl_set_set_u32(s, NFTNL_SET_ID, id);
	if (nftnl_set_set_str(s, NFTNL_SET_TABLE, table) < 0 ||
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
static int nat_map_add(struct nft_objs *o, const struct nftd_term *x,
		       struct err *e)
{
	size_t nr = portset_nranges(&x->ports);
	struct nftnl_set *s;
	uint8_t d[16];
	int rc;

	s = set_new(o->name, "__map%d", x->set_id, NFT_SET_ANONYMOUS |
		    NFT_SET_CONSTANT | NFT_SET_MAP);
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
		map_data(x->addr, portset_range(&x->ports, i), d);
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

/* A named port set (inet_service) serves TCP and UDP; ICMP ids get an
 * anonymous integer one, as nft types `icmp id`, so that a listing reads
 * back. The kernel wants an id on every new set. */
static int port_set_add(struct nft_objs *o, const char *name, uint32_t id,
			const struct portset *ps, struct err *e)
{
	bool icmp = name == NULL;
	struct nftnl_set *s;
	int n;

	s = icmp ? set_new(o->name, "__set%d", id, NFT_SET_ANONYMOUS |
			   NFT_SET_CONSTANT | NFT_SET_INTERVAL) :
		   set_new(o->name, name, id, NFT_SET_INTERVAL);
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

/* ---- terms -------------------------------------------------------- */

/* What a building rule needs besides its own terms: the description's
 * named sets, each added to the objects before the first rule that
 * looks it up (so sets keep the order the rules need them in). */
struct bctx {
	const struct nftd_table *t;
	bool set_done[NFTD_MAX_SETS];
};

static int named_set_need(struct bctx *c, struct nft_objs *o,
			  const char *name, struct err *e)
{
	for (size_t i = 0; i < c->t->n_sets; i++) {
		const struct nftd_set *s = &c->t->sets[i];
		int rc;

		if (strcmp(s->name, name))
			continue;
		if (c->set_done[i])
			return 0;
		if ((rc = port_set_add(o, s->name, s->id, &s->ports, e)))
			return rc;
		c->set_done[i] = true;
		return 0;
	}
	return err_set(e, EINVAL, "nft: no set %s in the table", name);
}

/* tcp flags syn: SYN set, whatever else is (SYN and SYN-ACK). */
static void tcp_syn(struct rb *b)
{
	uint8_t syn = TCP_FLAG_SYN, zero = 0;

	l4proto_is(b, IPPROTO_TCP);
	payload(b, NFT_PAYLOAD_TRANSPORT_HEADER, 13, 1, NFT_REG_1);
	mask(b, &syn, 1);
	cmp(b, NFT_CMP_NEQ, &zero, 1);
}

/* ip daddr != NET; a prefix that is not byte-aligned is masked first, as
 * nft does. */
static void daddr_not(struct rb *b, const struct v4pfx *p)
{
	uint32_t nbytes = (p->len + 7u) / 8u;
	uint32_t m = htonl(v4_mask(p->len));
	uint32_t net = p->addr.s_addr & m;

	payload(b, NFT_PAYLOAD_NETWORK_HEADER, 16, nbytes, NFT_REG_1);
	if (p->len % 8)
		mask(b, &m, nbytes);
	cmp(b, NFT_CMP_NEQ, &net, nbytes);
}

/* snat ip to KEY mod N map { ... }: the key into reg 1, the map's
 * IP . lo-hi from it, snat with that range. */
static int snat_map(struct rb *b, struct nft_objs *o, const struct nftd_term *x,
		    struct err *e)
{
	uint32_t nr = (uint32_t)portset_nranges(&x->ports);
	int rc = nat_map_add(o, x, e);

	if (rc)
		return rc;
	if (x->key == NFTD_KEY_JHASH_UDP)
		jhash_saddr_sport(b, nr);
	else
		numgen_inc(b, nr);
	lookup(b, "__map%d", x->set_id, true, false);
	snat(b, true);
	return 0;
}

static int term_exprs(struct bctx *c, struct rb *b, struct nft_objs *o,
		      const struct nftd_term *x, struct err *e)
{
	uint16_t v = htons(x->value);

	switch (x->kind) {
	case NFTD_IFNAME:
		ifname_is(b, x->out ? NFT_META_OIFNAME : NFT_META_IIFNAME, x->ifname);
		return 0;
	case NFTD_L4PROTO:
		l4proto_is(b, x->proto);
		return 0;
	case NFTD_ICMP_TYPE:
		icmp_type_is(b, x->type);
		return 0;
	case NFTD_TCP_SYN:
		tcp_syn(b);
		return 0;
	case NFTD_MSS_GT:
		tcpopt_mss(b, false);
		cmp(b, NFT_CMP_GT, &v, 2);
		return 0;
	case NFTD_MSS_SET:
		imm_data(b, &v, 2);
		tcpopt_mss(b, true);
		return 0;
	case NFTD_DADDR_NOT:
		daddr_not(b, &x->pfx);
		return 0;
	case NFTD_DPORT_NOT_IN:
		payload(b, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG_1);
		lookup(b, x->set, 0, false, true);
		return named_set_need(c, o, x->set, e);
	case NFTD_ICMP_ID_NOT_IN:
		payload(b, NFT_PAYLOAD_TRANSPORT_HEADER, 4, 2, NFT_REG_1);
		lookup(b, "__set%d", x->set_id, false, true);
		return port_set_add(o, NULL, x->set_id, &x->ports, e);
	case NFTD_SNAT_MAP:
		return snat_map(b, o, x, e);
	case NFTD_SNAT_ADDR:
		imm_data(b, &x->addr, 4);
		snat(b, false);
		return 0;
	case NFTD_DROP:
		verdict(b, NF_DROP);
		return 0;
	}
	return err_set(e, EINVAL, "nft: term %d unknown", (int)x->kind);
}

static int rule_add(struct bctx *c, struct nft_objs *o,
		    const struct nftd_rule *r, struct err *e)
{
	struct rb b = rule_new(o->name, c->t->chains[r->chain].name);
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < r->n_terms; i++)
		rc = term_exprs(c, &b, o, &r->t[i], e);
	if (rc) {
		if (b.r)
			nftnl_rule_free(b.r);
		return rc;
	}
	return rule_end(&b, o, e);
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

/* Chains in order, then the rules in order (each one's anonymous sets,
 * and the named sets it looks up first, before it); a named set no rule
 * looks up still goes in. */
static int build_all(const struct nftd_table *t, struct nft_objs *o,
		     struct err *e)
{
	struct bctx c = { .t = t };
	int rc = 0;

	if (!t->wanted)
		return 0;
	o->table = nftnl_table_alloc();
	if (!o->table)
		return err_set(e, ENOMEM, "nft: out of memory");
	nftnl_table_set_u32(o->table, NFTNL_TABLE_FAMILY, NFPROTO_IPV4);
	nftnl_table_set_u32(o->table, NFTNL_TABLE_FLAGS, 0);
	if (nftnl_table_set_str(o->table, NFTNL_TABLE_NAME, o->name) < 0)
		return err_set(e, ENOMEM, "nft: out of memory");
	for (size_t i = 0; rc == 0 && i < t->n_chains; i++)
		rc = chain_add(o, &t->chains[i], e);
	for (size_t i = 0; rc == 0 && i < t->n_rules; i++)
		rc = rule_add(&c, o, &t->rules[i], e);
	for (size_t i = 0; rc == 0 && i < t->n_sets; i++)
		rc = named_set_need(&c, o, t->sets[i].name, e);
	return rc;
}

int nft_objs_from_desc(const struct nftd_table *t, struct nft_objs *o,
		       struct err *e)
{
	struct nft_objs n;
	int rc;

	if (nft_objs_init(&n))
		return err_set(e, ENOMEM, "nft: out of memory");
	snprintf(n.name, sizeof(n.name), "%s", t->name);
	rc = build_all(t, &n, e);
	if (rc) {
		nft_objs_done(&n);
		return rc;
	}
	*o = n;
	return 0;
}

int nft_objs_build(const struct plan *p, struct nft_objs *o, struct err *e)
{
	struct nftd_table t;
	int rc = nftd_build(p, &t, e);

	return rc ? rc : nft_objs_from_desc(&t, o, e);
}
