/* SPDX-License-Identifier: MIT */
/* netlink/nft: build the replace batch for a plan and parse it back with
 * libnftnl, as the kernel would receive it: message order and flags, every
 * expression, every map element (IP . lo-hi) and port-set interval, for the
 * Japanese 15 x 16 shape and RFC 7597's 63 x 4 shape. No kernel needed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "../../netlink/nft.h"
#include "../../tunnels/err.h"
#include "../../tunnels/plan.h"

#include "nft_fixture.h"

#define MAX_MSGS 512

/* RFC 7597 5.1 written out again here, so the test does not trust
 * portset_range(): port = (i << (16 - a)) | (psid << m) | j, i >= 1. */
static void rfc_range(unsigned a, unsigned k, unsigned psid, unsigned idx,
		      uint16_t *lo, uint16_t *hi)
{
	unsigned m = 16 - a - k;

	*lo = (uint16_t)(((idx + 1) << (16 - a)) | (psid << m));
	*hi = (uint16_t)(*lo + (1u << m) - 1);
}

/* ---- the batch, parsed back --------------------------------------- */

struct parsed {
	uint16_t type[MAX_MSGS];
	uint16_t flags[MAX_MSGS];
	uint32_t seq[MAX_MSGS];
	size_t n;
	struct nft_objs o;     /* the last NEWTABLE, chains, sets, rules */
	unsigned n_elem_msgs;
};

static struct nftnl_set *find_set(struct nft_objs *o, const char *name,
				  uint32_t id)
{
	struct nftnl_set_list_iter *it = nftnl_set_list_iter_create(o->sets);
	struct nftnl_set *s, *found = NULL;

	while ((s = nftnl_set_list_iter_next(it)) && !found)
		if (!strcmp(nftnl_set_get_str(s, NFTNL_SET_NAME), name) &&
		    nftnl_set_get_u32(s, NFTNL_SET_ID) == id)
			found = s;
	nftnl_set_list_iter_destroy(it);
	return found;
}

/* libnftnl numbers the element nests of a list 1, 2, 3... when it builds
 * them (as nft does; the kernel ignores the number) but its parser wants
 * every one to be NFTA_LIST_ELEM, as the kernel sends them: renumber a
 * copy, as the kernel's reading would. */
static struct nlmsghdr *elems_as_kernel_sends(const struct nlmsghdr *nlh)
{
	struct nlmsghdr *c = malloc(nlh->nlmsg_len);
	struct nlattr *a, *el;

	assert_non_null(c);
	memcpy(c, nlh, nlh->nlmsg_len);
	mnl_attr_for_each(a, c, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(a) != NFTA_SET_ELEM_LIST_ELEMENTS)
			continue;
		mnl_attr_for_each_nested(el, a)
			el->nla_type = (uint16_t)((el->nla_type & ~NLA_TYPE_MASK) |
						  NFTA_LIST_ELEM);
	}
	return c;
}

static void parse_one(struct parsed *p, const struct nlmsghdr *nlh)
{
	uint16_t t = NFNL_MSG_TYPE(nlh->nlmsg_type);
	struct nftnl_table *tb;
	struct nftnl_chain *c;
	struct nftnl_set *s, *tmp;
	struct nftnl_rule *r;
	struct nlmsghdr *copy;

	switch (t) {
	case NFT_MSG_NEWTABLE:
		tb = nftnl_table_alloc();
		assert_int_equal(nftnl_table_nlmsg_parse(nlh, tb), 0);
		if (p->o.table)
			nftnl_table_free(p->o.table);
		p->o.table = tb;
		break;
	case NFT_MSG_NEWCHAIN:
		c = nftnl_chain_alloc();
		assert_int_equal(nftnl_chain_nlmsg_parse(nlh, c), 0);
		nftnl_chain_list_add_tail(c, p->o.chains);
		break;
	case NFT_MSG_NEWSET:
		s = nftnl_set_alloc();
		assert_int_equal(nftnl_set_nlmsg_parse(nlh, s), 0);
		nftnl_set_list_add_tail(s, p->o.sets);
		break;
	case NFT_MSG_DELTABLE:
		/* The transaction's meaning: the table so far is gone. */
		if (p->o.table)
			nftnl_table_free(p->o.table);
		p->o.table = NULL;
		break;
	case NFT_MSG_NEWSETELEM:
		/* Find the set by name and id, then parse into it. */
		copy = elems_as_kernel_sends(nlh);
		tmp = nftnl_set_alloc();
		assert_int_equal(nftnl_set_elems_nlmsg_parse(copy, tmp), 0);
		s = find_set(&p->o, nftnl_set_get_str(tmp, NFTNL_SET_NAME),
			     nftnl_set_get_u32(tmp, NFTNL_SET_ID));
		nftnl_set_free(tmp);
		assert_non_null(s);
		assert_int_equal(nftnl_set_elems_nlmsg_parse(copy, s), 0);
		free(copy);
		p->n_elem_msgs++;
		break;
	case NFT_MSG_NEWRULE:
		r = nftnl_rule_alloc();
		assert_int_equal(nftnl_rule_nlmsg_parse(nlh, r), 0);
		nftnl_rule_list_add_tail(r, p->o.rules);
		break;
	default:
		break;
	}
}

static void parse_batch(const struct nft_batch *b, struct parsed *p)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)b->buf;
	int left = (int)b->len;

	memset(p, 0, sizeof(*p));
	assert_int_equal(nft_objs_init(&p->o), 0);
	while (mnl_nlmsg_ok(nlh, left)) {
		assert_true(p->n < MAX_MSGS);
		p->type[p->n] = nlh->nlmsg_type;
		p->flags[p->n] = nlh->nlmsg_flags;
		p->seq[p->n] = nlh->nlmsg_seq;
		p->n++;
		if (nlh->nlmsg_type != NFNL_MSG_BATCH_BEGIN &&
		    nlh->nlmsg_type != NFNL_MSG_BATCH_END)
			parse_one(p, nlh);
		nlh = mnl_nlmsg_next(nlh, &left);
	}
	assert_int_equal(left, 0);
}

static uint16_t nft_type(uint16_t msg)
{
	return (uint16_t)((NFNL_SUBSYS_NFTABLES << 8) | msg);
}

/* BEGIN, add/delete/add table, ..., END; ACK on each object message;
 * sequence numbers consecutive. */
static void check_frame(const struct nft_batch *b, const struct parsed *p,
			bool table)
{
	assert_int_equal(p->type[0], NFNL_MSG_BATCH_BEGIN);
	assert_int_equal(p->type[p->n - 1], NFNL_MSG_BATCH_END);
	assert_int_equal(p->type[1], nft_type(NFT_MSG_NEWTABLE));
	assert_int_equal(p->type[2], nft_type(NFT_MSG_DELTABLE));
	if (table)
		assert_int_equal(p->type[3], nft_type(NFT_MSG_NEWTABLE));
	assert_int_equal(b->n_msgs, p->n - 2);
	for (size_t i = 0; i < p->n; i++) {
		assert_int_equal(p->seq[i], b->first_seq + i);
		if (i > 0 && i < p->n - 1)
			assert_true(p->flags[i] & NLM_F_ACK);
	}
}

/* ---- expressions --------------------------------------------------- */

static struct nftnl_expr *xs[64];
static size_t nx;

static int collect(struct nftnl_expr *x, void *data)
{
	(void)data;
	assert_true(nx < 64);
	xs[nx++] = x;
	return 0;
}

static struct nftnl_rule *rule_n(struct nft_objs *o, const char *chain,
				 unsigned n)
{
	struct nftnl_rule_list_iter *it = nftnl_rule_list_iter_create(o->rules);
	struct nftnl_rule *r, *found = NULL;

	while ((r = nftnl_rule_list_iter_next(it)) && !found)
		if (!strcmp(nftnl_rule_get_str(r, NFTNL_RULE_CHAIN), chain) &&
		    n-- == 0)
			found = r;
	nftnl_rule_list_iter_destroy(it);
	assert_non_null(found);
	nx = 0;
	nftnl_expr_foreach(found, collect, NULL);
	return found;
}

static void expect_kinds(const char *kinds)
{
	char buf[512] = "";

	for (size_t i = 0; i < nx; i++) {
		strcat(buf, i ? " " : "");
		strcat(buf, nftnl_expr_get_str(xs[i], NFTNL_EXPR_NAME));
	}
	assert_string_equal(buf, kinds);
}

static uint32_t u32(size_t i, uint16_t attr)
{
	assert_true(nftnl_expr_is_set(xs[i], attr));
	return nftnl_expr_get_u32(xs[i], attr);
}

static void expect_data(size_t i, uint16_t attr, const void *want, uint32_t len)
{
	uint32_t got_len = 0;
	const void *got = nftnl_expr_get(xs[i], attr, &got_len);

	assert_int_equal(got_len, len);
	assert_memory_equal(got, want, len);
}

static void expect_ifname(size_t i, uint32_t key, const char *name)
{
	char want[IFNAMSIZ] = { 0 };

	strcpy(want, name);
	assert_int_equal(u32(i, NFTNL_EXPR_META_KEY), key);
	expect_data(i + 1, NFTNL_EXPR_CMP_DATA, want, IFNAMSIZ);
	assert_int_equal(u32(i + 1, NFTNL_EXPR_CMP_OP), NFT_CMP_EQ);
}

static void expect_u8(size_t i, uint8_t v)
{
	expect_data(i, NFTNL_EXPR_CMP_DATA, &v, 1);
}

/* The map a NAT lookup uses: anonymous constant map, key integer, data
 * ipv4_addr . inet_service, N elements i : IP . lo_i-hi_i. */
static void expect_map(struct parsed *p, const struct plan *pl, size_t lk)
{
	uint32_t id = u32(lk, NFTNL_EXPR_LOOKUP_SET_ID);
	struct nftnl_set *s = find_set(&p->o, "__map%d", id);
	size_t nr = portset_nranges(&pl->nat.ports);
	struct nftnl_set_elems_iter *it;
	struct nftnl_set_elem *el;
	uint32_t i = 0;

	assert_non_null(s);
	assert_string_equal(nftnl_expr_get_str(xs[lk], NFTNL_EXPR_LOOKUP_SET), "__map%d");
	assert_int_equal(u32(lk, NFTNL_EXPR_LOOKUP_DREG), NFT_REG_1);
	assert_int_equal(nftnl_set_get_u32(s, NFTNL_SET_FLAGS),
			 NFT_SET_ANONYMOUS | NFT_SET_CONSTANT | NFT_SET_MAP);
	assert_int_equal(nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN), 4);
	assert_int_equal(nftnl_set_get_u32(s, NFTNL_SET_DATA_TYPE), (7 << 6) | 13);
	assert_int_equal(nftnl_set_get_u32(s, NFTNL_SET_DATA_LEN), 16);
	assert_int_equal(nftnl_set_get_u32(s, NFTNL_SET_DESC_SIZE), nr);
	it = nftnl_set_elems_iter_create(s);
	while ((el = nftnl_set_elems_iter_next(it))) {
		uint32_t kl, dl, key;
		const uint8_t *k = nftnl_set_elem_get(el, NFTNL_SET_ELEM_KEY, &kl);
		const uint8_t *d = nftnl_set_elem_get(el, NFTNL_SET_ELEM_DATA, &dl);
		uint16_t lo, hi, wlo, whi;

		assert_int_equal(kl, 4);
		assert_int_equal(dl, 16);
		memcpy(&key, k, 4);
		assert_int_equal(key, i); /* in order, host byte order */
		assert_memory_equal(d, &pl->nat.src, 4);
		assert_memory_equal(d + 8, &pl->nat.src, 4);
		memcpy(&lo, d + 4, 2);
		memcpy(&hi, d + 12, 2);
		rfc_range(pl->nat.ports.offset, pl->nat.ports.len,
			  pl->nat.ports.psid, i, &wlo, &whi);
		assert_int_equal(ntohs(lo), wlo);
		assert_int_equal(ntohs(hi), whi);
		i++;
	}
	nftnl_set_elems_iter_destroy(it);
	assert_int_equal(i, nr);
}

static void expect_snat_range(size_t i)
{
	assert_int_equal(u32(i, NFTNL_EXPR_NAT_TYPE), NFT_NAT_SNAT);
	assert_int_equal(u32(i, NFTNL_EXPR_NAT_FAMILY), NFPROTO_IPV4);
	assert_int_equal(u32(i, NFTNL_EXPR_NAT_REG_ADDR_MIN), NFT_REG_1);
	assert_int_equal(u32(i, NFTNL_EXPR_NAT_REG_PROTO_MIN), NFT_REG32_01);
	assert_int_equal(u32(i, NFTNL_EXPR_NAT_REG_ADDR_MAX), NFT_REG32_02);
	assert_int_equal(u32(i, NFTNL_EXPR_NAT_REG_PROTO_MAX), NFT_REG32_03);
	assert_int_equal(u32(i, NFTNL_EXPR_NAT_FLAGS),
			 NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED);
}

static void check_nat(struct parsed *p, const struct plan *pl)
{
	uint32_t nr = (uint32_t)portset_nranges(&pl->nat.ports);

	/* TCP: numgen inc mod N over the ranges. */
	rule_n(&p->o, V6MIG_NFT_CHAIN_NAT, 0);
	expect_kinds("meta cmp meta cmp numgen lookup nat");
	expect_ifname(0, NFT_META_OIFNAME, "v6mig0");
	expect_u8(3, IPPROTO_TCP);
	assert_int_equal(u32(4, NFTNL_EXPR_NG_TYPE), NFT_NG_INCREMENTAL);
	assert_int_equal(u32(4, NFTNL_EXPR_NG_MODULUS), nr);
	expect_map(p, pl, 5);
	expect_snat_range(6);
	/* ICMP echo request: the same, its id mapped like a port. */
	rule_n(&p->o, V6MIG_NFT_CHAIN_NAT, 1);
	expect_kinds("meta cmp meta cmp payload cmp numgen lookup nat");
	expect_u8(3, IPPROTO_ICMP);
	assert_int_equal(u32(4, NFTNL_EXPR_PAYLOAD_BASE), NFT_PAYLOAD_TRANSPORT_HEADER);
	expect_u8(5, 8);
	expect_map(p, pl, 7);
	expect_snat_range(8);
	/* UDP: jhash(ip saddr . udp sport) mod N (RFC 4787 REQ-1). */
	rule_n(&p->o, V6MIG_NFT_CHAIN_NAT, 2);
	expect_kinds("meta cmp meta cmp payload payload hash lookup nat");
	expect_u8(3, IPPROTO_UDP);
	assert_int_equal(u32(4, NFTNL_EXPR_PAYLOAD_BASE), NFT_PAYLOAD_NETWORK_HEADER);
	assert_int_equal(u32(4, NFTNL_EXPR_PAYLOAD_OFFSET), 12);
	assert_int_equal(u32(4, NFTNL_EXPR_PAYLOAD_LEN), 4);
	assert_int_equal(u32(4, NFTNL_EXPR_PAYLOAD_DREG), NFT_REG_2);
	assert_int_equal(u32(5, NFTNL_EXPR_PAYLOAD_BASE), NFT_PAYLOAD_TRANSPORT_HEADER);
	assert_int_equal(u32(5, NFTNL_EXPR_PAYLOAD_OFFSET), 0);
	assert_int_equal(u32(5, NFTNL_EXPR_PAYLOAD_DREG), NFT_REG32_05);
	assert_int_equal(u32(6, NFTNL_EXPR_HASH_TYPE), NFT_HASH_JENKINS);
	assert_int_equal(u32(6, NFTNL_EXPR_HASH_SREG), NFT_REG_2);
	assert_int_equal(u32(6, NFTNL_EXPR_HASH_LEN), 8);
	assert_int_equal(u32(6, NFTNL_EXPR_HASH_MODULUS), nr);
	assert_true(nftnl_expr_is_set(xs[6], NFTNL_EXPR_HASH_SEED));
	expect_map(p, pl, 7);
	expect_snat_range(8);
	/* Everything else: the address alone. */
	rule_n(&p->o, V6MIG_NFT_CHAIN_NAT, 3);
	expect_kinds("meta cmp immediate nat");
	expect_data(2, NFTNL_EXPR_IMM_DATA, &pl->nat.src, 4);
	assert_int_equal(u32(3, NFTNL_EXPR_NAT_FLAGS), NF_NAT_RANGE_MAP_IPS);
}

/* The interval set "ports": 0 (end), then lo (start), hi + 1 (end). */
static void check_port_set(struct parsed *p, const struct plan *pl, bool icmp)
{
	struct nftnl_set *s = icmp ? find_set(&p->o, "__set%d", 5) :
		nftnl_set_list_lookup_byname(p->o.sets, V6MIG_NFT_SET_PORTS);
	size_t nr = portset_nranges(&pl->filter.ports), n = 0;
	struct nftnl_set_elems_iter *it;
	struct nftnl_set_elem *el;
	uint16_t want[2 * 1024 + 1];

	assert_non_null(s);
	assert_true(nr <= 1024);
	assert_int_equal(nftnl_set_get_u32(s, NFTNL_SET_FLAGS), NFT_SET_INTERVAL |
			 (icmp ? NFT_SET_ANONYMOUS | NFT_SET_CONSTANT : 0));
	assert_int_equal(nftnl_set_get_u32(s, NFTNL_SET_KEY_TYPE), icmp ? 4 : 13);
	if (icmp)
		assert_int_equal(nftnl_set_get_u32(s, NFTNL_SET_DESC_SIZE), 2 * nr + 1);
	assert_int_equal(nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN), 2);
	want[0] = 0;
	for (size_t i = 0; i < nr; i++)
		rfc_range(pl->filter.ports.offset, pl->filter.ports.len,
			  pl->filter.ports.psid, (unsigned)i, &want[1 + 2 * i],
			  &want[2 + 2 * i]);
	it = nftnl_set_elems_iter_create(s);
	while ((el = nftnl_set_elems_iter_next(it))) {
		uint32_t kl, fl = 0;
		const uint16_t *k = nftnl_set_elem_get(el, NFTNL_SET_ELEM_KEY, &kl);
		bool end = n % 2 == 0;

		if (nftnl_set_elem_is_set(el, NFTNL_SET_ELEM_FLAGS))
			fl = nftnl_set_elem_get_u32(el, NFTNL_SET_ELEM_FLAGS);
		assert_int_equal(kl, 2);
		assert_int_equal(fl, end ? NFT_SET_ELEM_INTERVAL_END : 0);
		assert_int_equal(ntohs(*k), want[n] + (end && n ? 1 : 0));
		n++;
	}
	nftnl_set_elems_iter_destroy(it);
	assert_int_equal(n, 2 * nr + 1);
}

static void check_filters(struct parsed *p)
{
	uint16_t mss = htons(1380);
	uint32_t ours = inet_addr("192.0.2.18");

	for (unsigned i = 0; i < 2; i++) {
		rule_n(&p->o, V6MIG_NFT_CHAIN_MSS, i);
		expect_kinds("meta cmp meta cmp payload bitwise cmp exthdr cmp immediate exthdr");
		expect_ifname(0, i ? NFT_META_IIFNAME : NFT_META_OIFNAME, "v6mig0");
		assert_int_equal(u32(7, NFTNL_EXPR_EXTHDR_OP), NFT_EXTHDR_OP_TCPOPT);
		assert_int_equal(u32(7, NFTNL_EXPR_EXTHDR_DREG), NFT_REG_1);
		assert_int_equal(u32(8, NFTNL_EXPR_CMP_OP), NFT_CMP_GT);
		expect_data(8, NFTNL_EXPR_CMP_DATA, &mss, 2);
		expect_data(9, NFTNL_EXPR_IMM_DATA, &mss, 2);
		assert_int_equal(u32(10, NFTNL_EXPR_EXTHDR_SREG), NFT_REG_1);
	}
	rule_n(&p->o, V6MIG_NFT_CHAIN_RX, 0);
	expect_kinds("meta cmp payload cmp immediate");
	expect_ifname(0, NFT_META_IIFNAME, "v6mig0");
	assert_int_equal(u32(3, NFTNL_EXPR_CMP_OP), NFT_CMP_NEQ);
	expect_data(3, NFTNL_EXPR_CMP_DATA, &ours, 4);
	assert_int_equal(u32(4, NFTNL_EXPR_IMM_VERDICT), NF_DROP);
	for (unsigned i = 1; i <= 3; i++) {
		rule_n(&p->o, V6MIG_NFT_CHAIN_RX, i);
		expect_kinds(i < 3 ? "meta cmp meta cmp payload lookup immediate" :
			     "meta cmp meta cmp payload cmp payload lookup immediate");
		/* TCP/UDP: the named inet_service set; ICMP ids: an
		 * anonymous integer set of the same intervals. */
		assert_string_equal(nftnl_expr_get_str(xs[nx - 2], NFTNL_EXPR_LOOKUP_SET),
				    i < 3 ? V6MIG_NFT_SET_PORTS : "__set%d");
		assert_int_equal(u32(nx - 2, NFTNL_EXPR_LOOKUP_FLAGS), NFT_LOOKUP_F_INV);
		assert_int_equal(u32(nx - 1, NFTNL_EXPR_IMM_VERDICT), NF_DROP);
	}
}

/* Build, serialise, parse back; the parsed objects print the same
 * canonical text as the built ones. */
static void build_parse(const struct plan *pl, struct nft_objs *o,
			struct nft_batch *b, struct parsed *p)
{
	struct err e = { "" };
	char *t1 = NULL, *t2 = NULL;

	assert_int_equal(nft_objs_build(pl, o, &e), 0);
	assert_int_equal(nft_batch_replace(o, 1000, b, &e), 0);
	parse_batch(b, p);
	assert_int_equal(nft_objs_text(o, &t1), 0);
	assert_int_equal(nft_objs_text(&p->o, &t2), 0);
	assert_string_equal(t1, t2);
	free(t1);
	free(t2);
}

static void done3(struct nft_objs *o, struct nft_batch *b, struct parsed *p)
{
	nft_objs_done(o);
	nft_batch_done(b);
	nft_objs_done(&p->o);
}

static void check_shape(unsigned a, unsigned k, unsigned psid, size_t nr)
{
	struct plan pl = nft_mape_plan(a, k, psid);
	struct nft_objs o;
	struct nft_batch b;
	struct parsed p;

	assert_int_equal(portset_nranges(&pl.nat.ports), nr);
	build_parse(&pl, &o, &b, &p);
	check_frame(&b, &p, true);
	/* 3 chains, 5 sets (3 maps, ports, icmp ids), 4 + 2 + 4 rules. */
	assert_int_equal(p.n, 1 + 3 + 3 + 5 + p.n_elem_msgs + 10 + 1);
	check_nat(&p, &pl);
	check_port_set(&p, &pl, false);
	check_port_set(&p, &pl, true);
	check_filters(&p);
	done3(&o, &b, &p);
}

/* The common Japanese shape: offset 4, PSID length 8: 15 x 16. */
static void test_nft_15_ranges(void **state)
{
	(void)state;
	check_shape(4, 8, 0x34, 15);
}

/* RFC 7597 Appendix A example 1: offset 6, PSID 0x34 length 8: 63 x 4. */
static void test_nft_63_ranges(void **state)
{
	(void)state;
	check_shape(6, 8, 0x34, 63);
}

/* 4095 single-port ranges: a set's elements pass the 64 KiB attribute
 * limit and are split over several messages; the last range ends at
 * 65535 (no interval end after it). */
static void test_nft_split_elements(void **state)
{
	struct plan pl = nft_mape_plan(12, 4, 0xf);
	struct nft_objs o;
	struct nft_batch b;
	struct parsed p;
	uint16_t lo, hi;

	(void)state;
	rfc_range(12, 4, 0xf, 4094, &lo, &hi);
	assert_int_equal(hi, 65535);
	build_parse(&pl, &o, &b, &p);
	assert_true(p.n_elem_msgs > 4);
	check_nat(&p, &pl);
	done3(&o, &b, &p);
}

/* No sharing (PSID length 0): one rule, snat to the address. */
static void test_nft_no_sharing(void **state)
{
	struct plan pl = nft_mape_plan(0, 0, 0);
	struct nft_objs o;
	struct nft_batch b;
	struct parsed p;

	(void)state;
	build_parse(&pl, &o, &b, &p);
	check_frame(&b, &p, true);
	rule_n(&p.o, V6MIG_NFT_CHAIN_NAT, 0);
	expect_kinds("meta cmp immediate nat");
	assert_false(nftnl_expr_is_set(xs[3], NFTNL_EXPR_NAT_REG_PROTO_MIN));
	assert_null(nftnl_set_list_lookup_byname(p.o.sets, "__map%d"));
	assert_null(nftnl_set_list_lookup_byname(p.o.sets, V6MIG_NFT_SET_PORTS));
	assert_null(nftnl_set_list_lookup_byname(p.o.sets, "__set%d"));
	done3(&o, &b, &p);
}

/* A plan with nothing for nft (no NAT44, no filters, no MSS): no table;
 * the batch only deletes ours. */
static void test_nft_dslite_no_table(void **state)
{
	struct plan pl;
	struct nft_objs o;
	struct nft_batch b;
	struct parsed p;

	(void)state;
	plan_init(&pl, METHOD_DSLITE);
	build_parse(&pl, &o, &b, &p);
	assert_null(o.table);
	check_frame(&b, &p, false);
	assert_int_equal(p.n, 4);
	done3(&o, &b, &p);
}

/* DS-Lite as tunnels/dslite.c plans it: no NAT44, no receive filter, but
 * the MSS clamp (plan_add_tunnel sets it): the table holds clamp_mss and
 * nothing else. (Issue 11 item 4: the clamp was planned, printed, never
 * applied.) */
static void test_nft_dslite_clamp_only(void **state)
{
	struct plan pl;
	struct nft_objs o;
	struct nft_batch b;
	struct parsed p;
	struct nftnl_chain *c;

	(void)state;
	plan_init(&pl, METHOD_DSLITE);
	strcpy(pl.filter.in_ifname, "v6mig0");
	pl.filter.mss = 1412;
	assert_true(plan_wants_nft(&pl));
	build_parse(&pl, &o, &b, &p);
	assert_non_null(o.table);
	check_frame(&b, &p, true);
	/* BEGIN, NEWTABLE, DELTABLE, NEWTABLE, one chain, two rules, END. */
	assert_int_equal(p.n, 8);
	c = nftnl_chain_list_lookup_byname(o.chains, V6MIG_NFT_CHAIN_MSS);
	assert_non_null(c);
	assert_int_equal(nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM), NF_INET_FORWARD);
	assert_null(nftnl_chain_list_lookup_byname(o.chains, V6MIG_NFT_CHAIN_NAT));
	assert_null(nftnl_chain_list_lookup_byname(o.chains, V6MIG_NFT_CHAIN_RX));
	done3(&o, &b, &p);
}

static int chain_in_eth2(struct nftnl_chain *c, void *arg)
{
	(void)arg;
	return strcmp(nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE), "v6mig-eth2") ? -1 : 0;
}

static int set_in_eth2(struct nftnl_set *x, void *arg)
{
	(void)arg;
	return strcmp(nftnl_set_get_str(x, NFTNL_SET_TABLE), "v6mig-eth2") ? -1 : 0;
}

static int rule_in_eth2(struct nftnl_rule *r, void *arg)
{
	(void)arg;
	return strcmp(nftnl_rule_get_str(r, NFTNL_RULE_TABLE), "v6mig-eth2") ? -1 : 0;
}

/* A named instance's table: the table, every chain, set and rule carry
 * its name (nothing lands in the unnamed instance's table). */
static void test_nft_instance_table(void **state)
{
	struct plan pl = nft_mape_plan(4, 8, 1);
	struct nft_objs o;
	struct nft_batch b;
	struct parsed p;
	struct err e;
	char *t = NULL;

	(void)state;
	assert_int_equal(plan_scope_make(&pl.scope, "eth2", 10, &e), 0);
	build_parse(&pl, &o, &b, &p);
	check_frame(&b, &p, true);
	assert_string_equal(o.name, "v6mig-eth2");
	assert_string_equal(nftnl_table_get_str(o.table, NFTNL_TABLE_NAME), "v6mig-eth2");
	/* In the parsed batch: every object is in that table. */
	assert_int_equal(nftnl_chain_list_foreach(p.o.chains, chain_in_eth2, NULL), 0);
	assert_int_equal(nftnl_set_list_foreach(p.o.sets, set_in_eth2, NULL), 0);
	assert_int_equal(nftnl_rule_list_foreach(p.o.rules, rule_in_eth2, NULL), 0);
	assert_int_equal(nft_objs_text(&p.o, &t), 0);
	assert_non_null(strstr(t, "table ip v6mig-eth2 "));
	free(t);
	done3(&o, &b, &p);
}

/* A delegated IPv4 prefix that is not byte-aligned (/22) is masked. */
static void test_nft_ours_prefix(void **state)
{
	struct plan pl = nft_mape_plan(4, 8, 1);
	uint8_t m[3] = { 0xff, 0xff, 0xfc }, net[3] = { 198, 51, 100 };
	struct nft_objs o;
	struct nft_batch b;
	struct parsed p;

	(void)state;
	assert_int_equal(v4pfx_parse("198.51.101.0/22", false, &pl.filter.ours), 0);
	build_parse(&pl, &o, &b, &p);
	rule_n(&p.o, V6MIG_NFT_CHAIN_RX, 0);
	expect_kinds("meta cmp payload bitwise cmp immediate");
	assert_int_equal(u32(2, NFTNL_EXPR_PAYLOAD_LEN), 3);
	expect_data(3, NFTNL_EXPR_BITWISE_MASK, m, 3);
	expect_data(4, NFTNL_EXPR_CMP_DATA, net, 3);
	done3(&o, &b, &p);
}

static void test_nft_bad_plan(void **state)
{
	struct plan pl = nft_mape_plan(4, 8, 0x34);
	struct nft_objs o;
	struct err e = { "" };

	(void)state;
	memset(&o, 0x5a, sizeof(o));
	pl.nat.out_ifname[0] = 0;
	assert_int_equal(nft_objs_build(&pl, &o, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "interface"));
	pl = nft_mape_plan(4, 8, 0x34);
	pl.filter.ports.psid = 0x1ff; /* does not fit 8 bits */
	assert_int_equal(nft_objs_build(&pl, &o, &e), -EINVAL);
	assert_true(o.table == (void *)0x5a5a5a5a5a5a5a5aULL); /* untouched */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nft_15_ranges),
		cmocka_unit_test(test_nft_63_ranges),
		cmocka_unit_test(test_nft_split_elements),
		cmocka_unit_test(test_nft_no_sharing),
		cmocka_unit_test(test_nft_dslite_no_table),
		cmocka_unit_test(test_nft_dslite_clamp_only),
		cmocka_unit_test(test_nft_instance_table),
		cmocka_unit_test(test_nft_ours_prefix),
		cmocka_unit_test(test_nft_bad_plan),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
