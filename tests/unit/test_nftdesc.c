/* SPDX-License-Identifier: MIT */
/* tunnels/nftdesc.c: the one description of our nft table, and that both
 * of its renderers follow it -- the libnftnl objects the agent applies
 * (netlink/nft_build.c) and the nft commands `plan` prints
 * (agent/planfmt.c): a changed, dropped or added term in the description
 * shows in both (issue 11 item 4). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>

#include "../../agent/planfmt.h"
#include "../../netlink/nft.h"
#include "../../tunnels/nftdesc.h"

#include "nft_fixture.h"

/* The kinds of rule i's terms as letters: I ifname, L l4proto, C icmp
 * type, S tcp syn, G mss >, M mss set, A daddr !=, P dport != @set,
 * D icmp id != {}, N snat map, n snat addr, X drop. */
static void kinds(const struct nftd_table *t, size_t i, const char *want)
{
	static const char letters[] = "ILCSGMAPDNnX";
	char got[NFTD_MAX_TERMS + 1] = "";

	for (size_t j = 0; j < t->rules[i].n_terms; j++)
		got[j] = letters[t->rules[i].t[j].kind];
	assert_string_equal(got, want);
}

static void test_mape_table(void **state)
{
	struct plan p = nft_mape_plan(4, 8, 0x31);
	struct nftd_table t;
	struct err e;

	(void)state;
	assert_int_equal(nftd_build(&p, &t, &e), 0);
	assert_true(t.wanted);
	assert_string_equal(t.name, V6MIG_NFT_TABLE);
	assert_int_equal(t.n_chains, 3);
	assert_string_equal(t.chains[0].name, V6MIG_NFT_CHAIN_NAT);
	assert_int_equal(t.chains[0].prio, 100);
	assert_string_equal(t.chains[0].prio_name, "srcnat");
	assert_string_equal(t.chains[1].name, V6MIG_NFT_CHAIN_MSS);
	assert_string_equal(t.chains[2].name, V6MIG_NFT_CHAIN_RX);
	assert_int_equal(t.chains[2].prio, -150);
	assert_int_equal(t.n_rules, 10);
	kinds(&t, 0, "ILN");
	kinds(&t, 1, "ICN");
	kinds(&t, 2, "ILN");
	kinds(&t, 3, "In");
	kinds(&t, 4, "ISGM");
	kinds(&t, 5, "ISGM");
	kinds(&t, 6, "IAX");
	kinds(&t, 7, "ILPX");
	kinds(&t, 8, "ILPX");
	kinds(&t, 9, "ICDX");
	assert_true(t.rules[4].t[0].out);
	assert_false(t.rules[5].t[0].out);
	assert_int_equal(t.rules[2].t[2].key, NFTD_KEY_JHASH_UDP);
	assert_int_equal(t.rules[0].t[2].key, NFTD_KEY_NUMGEN);
	assert_int_equal(t.rules[4].t[2].value, 1380);
	assert_int_equal(t.n_sets, 1);
	assert_string_equal(t.sets[0].name, V6MIG_NFT_SET_PORTS);
	assert_ptr_equal(nftd_set_find(&t, V6MIG_NFT_SET_PORTS), &t.sets[0]);
	assert_null(nftd_set_find(&t, "nope"));
}

static void test_dslite_clamp_only(void **state)
{
	struct nftd_table t;
	struct plan p;
	struct err e;

	(void)state;
	plan_init(&p, METHOD_DSLITE);
	strcpy(p.filter.in_ifname, "v6mig0");
	p.filter.mss = 1412;
	assert_int_equal(nftd_build(&p, &t, &e), 0);
	assert_true(t.wanted);
	assert_int_equal(t.n_chains, 1);
	assert_string_equal(t.chains[0].name, V6MIG_NFT_CHAIN_MSS);
	assert_int_equal(t.n_rules, 2);
	assert_int_equal(t.n_sets, 0);
	p.filter.mss = 0;
	assert_int_equal(nftd_build(&p, &t, &e), 0);
	assert_false(t.wanted);
	assert_int_equal(t.n_chains + t.n_rules + t.n_sets, 0);
}

static void test_instance_and_bad(void **state)
{
	struct plan p = nft_mape_plan(4, 8, 0x31);
	struct nftd_table t;
	struct err e;

	(void)state;
	strcpy(p.scope.table, "v6mig_eth2");
	assert_int_equal(nftd_build(&p, &t, &e), 0);
	assert_string_equal(t.name, "v6mig_eth2");
	p.nat.out_ifname[0] = '\0';
	assert_int_equal(nftd_build(&p, &t, &e), -EINVAL);
	assert_string_equal(e.msg, "nft: NAT without an interface");
	p = nft_mape_plan(4, 8, 0x31);
	p.filter.ours.len = 33;
	assert_int_equal(nftd_build(&p, &t, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "bad prefix length 33"));
}

/* ---- both renderers follow the description ---------------------------- */

static char *printed(const struct nftd_table *t)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	assert_non_null(f);
	plan_print_nft(f, t);
	fclose(f);
	return buf;
}

static size_t count(const char *s, const char *what)
{
	size_t n = 0;

	for (const char *p = s; (p = strstr(p, what)); p++)
		n++;
	return n;
}

static int count_rule(struct nftnl_rule *r, void *arg)
{
	(void)r;
	(*(size_t *)arg)++;
	return 0;
}

static size_t n_rules(const struct nft_objs *o)
{
	size_t n = 0;

	nftnl_rule_list_foreach(o->rules, count_rule, &n);
	return n;
}

/* The data of the cmp after the tcpopt read of the first rule of the
 * clamp chain: MSS "greater than" what. */
struct find { uint16_t gt; bool seen_opt; };

static int cmp_after_opt(struct nftnl_expr *x, void *arg)
{
	struct find *f = arg;
	const char *k = nftnl_expr_get_str(x, NFTNL_EXPR_NAME);
	uint32_t len;

	if (!strcmp(k, "exthdr"))
		f->seen_opt = true;
	else if (f->seen_opt && !strcmp(k, "cmp") && !f->gt)
		f->gt = ntohs(*(const uint16_t *)nftnl_expr_get(x, NFTNL_EXPR_CMP_DATA, &len));
	return 0;
}

static int first_mss_rule(struct nftnl_rule *r, void *arg)
{
	if (strcmp(nftnl_rule_get_str(r, NFTNL_RULE_CHAIN), V6MIG_NFT_CHAIN_MSS))
		return 0;
	nftnl_expr_foreach(r, cmp_after_opt, arg);
	return 1; /* stop */
}

static void both(const struct nftd_table *t, struct nft_objs *o, char **text)
{
	struct err e;

	assert_int_equal(nft_objs_from_desc(t, o, &e), 0);
	*text = printed(t);
}

static void test_one_source(void **state)
{
	struct plan p = nft_mape_plan(4, 8, 0x31);
	struct nftd_table t;
	struct nft_objs o;
	struct find fd = { 0 };
	struct err e;
	char *txt;

	(void)state;
	assert_int_equal(nftd_build(&p, &t, &e), 0);
	both(&t, &o, &txt);
	assert_int_equal(count(txt, "nft 'add rule "), t.n_rules);
	assert_int_equal(n_rules(&o), t.n_rules);
	assert_int_equal(count(txt, "nft 'add chain "), t.n_chains);
	assert_int_equal(count(txt, "nft 'add set "), 1);
	assert_non_null(strstr(txt, "tcp option maxseg size > 1380"));
	nftnl_rule_list_foreach(o.rules, first_mss_rule, &fd);
	assert_int_equal(fd.gt, 1380);
	nft_objs_done(&o);
	free(txt);

	/* A value changed, a rule dropped (the last, the ICMP id filter): both
	 * renderers say so. */
	t.rules[4].t[2].value = 1000;
	t.n_rules--;
	both(&t, &o, &txt);
	assert_non_null(strstr(txt, "oifname \"v6mig0\" tcp flags syn tcp option maxseg size > 1000 tcp option maxseg size set 1380"));
	assert_null(strstr(txt, "icmp id"));
	assert_int_equal(count(txt, "nft 'add rule "), 9);
	assert_int_equal(n_rules(&o), 9);
	fd = (struct find){ 0 };
	nftnl_rule_list_foreach(o.rules, first_mss_rule, &fd);
	assert_int_equal(fd.gt, 1000);
	assert_null(nftnl_set_list_lookup_byname(o.sets, "__set%d"));
	nft_objs_done(&o);
	free(txt);

	/* A term changed: the ifname of a receive rule becomes an oifname. */
	t.rules[6].t[0].out = true;
	both(&t, &o, &txt);
	assert_non_null(strstr(txt, "rx_filter oifname \"v6mig0\" ip daddr != 192.0.2.18 drop"));
	nft_objs_done(&o);
	free(txt);
}

/* A named set no rule looks up is still made and printed (after the rules). */
static void test_unused_set(void **state)
{
	struct plan p = nft_mape_plan(4, 8, 0x31);
	struct nftd_table t;
	struct nft_objs o;
	struct err e;
	char *txt;

	(void)state;
	assert_int_equal(nftd_build(&p, &t, &e), 0);
	t.n_rules = 6; /* NAT and MSS only */
	both(&t, &o, &txt);
	assert_non_null(nftnl_set_list_lookup_byname(o.sets, V6MIG_NFT_SET_PORTS));
	assert_non_null(strstr(txt, "nft 'add set ip v6mig ports { type inet_service; flags interval; elements = { "));
	assert_int_equal(count(txt, "nft 'add rule "), 6);
	nft_objs_done(&o);
	free(txt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mape_table),
		cmocka_unit_test(test_dslite_clamp_only),
		cmocka_unit_test(test_instance_and_bad),
		cmocka_unit_test(test_one_source),
		cmocka_unit_test(test_unused_set),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
