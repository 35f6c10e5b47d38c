/* SPDX-License-Identifier: MIT */
/* The translator planners (tunnels/mapt.c, xlat464.c) against vectors
 * worked by hand from the RFCs: RFC 7599 Appendix A (MAP-T), RFC 6052
 * 2.4 (the IPv4-embedded address table), RFC 6877 6.3 and RFC 7335
 * (the CLAT), HB46PP S10 and S13. */
#include <errno.h>
#include <stdlib.h>

#include "config.h"
#include "plan_util.h"

/* The translator section's fixed shape: v6mig0 (IPv4 side) / v6mig1 over
 * wan0, the IPv4 default route into v6mig0 with the IPv4-side MTU (WAN -
 * 28: IPv6 header +20, Fragment header +8), MSS = that - 40, clamped on
 * v6mig0; no ip6tnl, no receive filter (the translator drops what is not
 * ours and counts it). */
HELPER void check_xlat(const struct plan *pl, const char *v4,
		       const char *v6, const char *remote, unsigned mtu)
{
	const struct plan_xlat *x = &pl->xlat;
	const struct plan_route *r = &pl->routes[0];
	char b[V6_STR_MAX];

	assert_true(x->enabled);
	assert_string_equal(x->dev, "v6mig0");
	assert_string_equal(x->peer, "v6mig1");
	assert_string_equal(x->wan, "wan0");
	str4(x->ipv4, v4);
	str6(&x->ipv6, v6);
	assert_string_equal(v6pfx_str(&x->remote, b), remote);
	assert_int_equal(x->growth, 28);
	assert_int_equal(x->mtu, mtu);
	assert_int_equal(x->mss, mtu - 40);
	/* The IPv4 side: a veth pair, no ip6tnl. */
	assert_int_equal(pl->n_links, 1);
	assert_int_equal(pl->links[0].kind, PLAN_LINK_VETH);
	assert_string_equal(pl->links[0].name, "v6mig0");
	assert_string_equal(pl->links[0].peer, "v6mig1");
	assert_string_equal(pl->links[0].underlay, "");
	assert_int_equal(pl->links[0].mtu, mtu);
	assert_int_equal(pl->n_routes, 1);
	assert_string_equal(r->dev, "v6mig0");
	assert_int_equal(r->family, AF_INET);
	assert_int_equal(r->dst.len, 0);
	assert_int_equal(r->dst.addr.s_addr, 0);
	assert_int_equal(r->mtu, mtu);
	assert_false(pl->filter.enabled);
	assert_string_equal(pl->filter.in_ifname, "v6mig0");
	assert_int_equal(pl->filter.mss, mtu - 40);
	assert_true(pl->nat.enabled);
	assert_string_equal(pl->nat.out_ifname, "v6mig0");
	str4(pl->nat.src, v4);
}

/* RFC 6052 2.2 through the plan's prefix, as the translator will. */
HELPER void embeds(const struct v6pfx *pfx, const char *v4, const char *want)
{
	struct in6_addr out;

	assert_int_equal(rfc6052_embed(pfx, a4(v4), &out, NULL), 0);
	str6(&out, want);
}

/* Field by field: a struct copy need not carry padding along. */
HELPER void same_rule(const struct map_rule *a, const struct map_rule *b)
{
	assert_true(v6pfx_equal(&a->ipv6, &b->ipv6));
	assert_int_equal(a->ipv4.addr.s_addr, b->ipv4.addr.s_addr);
	assert_int_equal(a->ipv4.len, b->ipv4.len);
	assert_int_equal(a->ea_len, b->ea_len);
	assert_int_equal(a->psid_offset, b->psid_offset);
}

#ifdef CONFIG_METHOD_MAP_T
/* ---- MAP-T ---------------------------------------------------------- */

struct mapt_fix {
	struct prov p;
	struct map_rule rules[PROV_MAP_T_MAX_RULES + 1];
	struct wan_facts w;
};

static void mapt_init(struct mapt_fix *f, const char *dmr)
{
	memset(f, 0, sizeof(*f));
	f->p.map_t.present = true;
	f->p.map_t.dmr = p6(dmr);
	f->p.map_t.rules = f->rules;
	wan_init(&f->w);
}

static void mapt_rule(struct mapt_fix *f, struct map_rule r)
{
	f->rules[f->p.map_t.n_rules++] = r;
}

/* RFC 7599 Appendix A, examples 1 and 3: the BMR {2001:db8::/40,
 * 192.0.2.0/24, 16}, offset 6, the end-user prefix 2001:db8:12:3400::/56
 * give 192.0.2.18, PSID 0x34 (63 ranges of 4 from 1232-1235) and the CE
 * 2001:db8:12:3400:0:c000:212:34; with the DMR 2001:db8:ffff::/64, 10.2.3.4
 * becomes 2001:db8:ffff:0:a:203:400:0. */
static void test_mapt_rfc7599(void **state)
{
	struct mapt_fix f;
	struct plan pl, again;
	struct port_range last;

	(void)state;
	mapt_init(&f, "2001:db8:ffff::/64");
	mapt_rule(&f, rule("2001:db8::/40", "192.0.2.0/24", 16, 6));
	wan_prefix(&f.w, "2001:db8:12:3400::/56");
	planned(METHOD_MAP_T, &f.p, &f.w, &pl);

	assert_int_equal(pl.method, METHOD_MAP_T);
	check_xlat(&pl, "192.0.2.18", "2001:db8:12:3400:0:c000:212:34",
		   "2001:db8:ffff::/64", 1472);
	assert_int_equal(pl.xlat.nd, PLAN_XLAT_ND_ADDR);
	assert_int_equal(pl.n_addrs, 2);
	check_addr6(&pl.addrs[0], "wan0", "2001:db8:12:3400:0:c000:212:34");
	check_addr4(&pl.addrs[1], "192.0.2.18", 32);
	check_ports(&pl.nat.ports, 6, 8, 0x34);
	check_ports(&pl.xlat.ports, 6, 8, 0x34);
	assert_int_equal(portset_nranges(&pl.xlat.ports), 63);
	assert_int_equal(portset_range(&pl.xlat.ports, 0).min, 1232);
	assert_int_equal(portset_range(&pl.xlat.ports, 0).max, 1235);
	last = portset_range(&pl.xlat.ports, 62);
	assert_int_equal(last.min, 64720);
	assert_int_equal(last.max, 64723);
	/* Example 3: the destination by the DMR. */
	embeds(&pl.xlat.remote, "10.2.3.4", "2001:db8:ffff:0:a:203:400:0");
	/* The one rule is the BMR and an FMR (RFC 7599 8.1). */
	assert_int_equal(pl.xlat.n_fmrs, 1);
	same_rule(&pl.xlat.fmrs[0], &f.rules[0]);
	str4(pl.info.ipv4, "192.0.2.18");
	check_ports(&pl.info.ports, 6, 8, 0x34);
	str6(&pl.info.ce_ipv6, "2001:db8:12:3400:0:c000:212:34");
	assert_int_equal(pl.info.rule_index, 0);
	planned(METHOD_MAP_T, &f.p, &f.w, &again);
	assert_true(plan_equal(&pl, &again));
}

/* RFC 7599 Appendix A example 4: no EA bits, no sharing -- the rule's
 * /32 with every port and the CE 2001:db8:12:3400:0:c000:201:0. (The
 * example's prose says 192.0.2.18; its rule and interface ID say
 * 192.0.2.1.) */
static void test_mapt_no_sharing(void **state)
{
	struct mapt_fix f;
	struct plan pl;

	(void)state;
	mapt_init(&f, "2001:db8:ffff::/64");
	mapt_rule(&f, rule("2001:db8:12:3400::/56", "192.0.2.1/32", 0, 6));
	wan_prefix(&f.w, "2001:db8:12:3400::/56");
	planned(METHOD_MAP_T, &f.p, &f.w, &pl);
	check_xlat(&pl, "192.0.2.1", "2001:db8:12:3400:0:c000:201:0",
		   "2001:db8:ffff::/64", 1472);
	assert_int_equal(pl.nat.ports.len, 0);
	assert_int_equal(pl.xlat.ports.len, 0);
	assert_false(pl.info.has_ports);
}

/* The lab's CE: offset 4, 8 PSID bits -- 15 ranges of 16 ports, 240 in
 * all. EA bits 0x12 0x41 after the /40: 203.0.113.18, PSID 0x41, the
 * first range (1 << 12) | (0x41 << 4) = 5136-5151, the last 62480-62495. */
static void test_mapt_240_ports(void **state)
{
	struct mapt_fix f;
	struct plan pl;

	(void)state;
	mapt_init(&f, "2001:db8:ffff::/64");
	mapt_rule(&f, rule("2001:db8:100::/40", "203.0.113.0/24", 16, 4));
	wan_prefix(&f.w, "2001:db8:112:4100::/56");
	planned(METHOD_MAP_T, &f.p, &f.w, &pl);
	check_xlat(&pl, "203.0.113.18", "2001:db8:112:4100:0:cb00:7112:41",
		   "2001:db8:ffff::/64", 1472);
	check_ports(&pl.xlat.ports, 4, 8, 0x41);
	assert_int_equal(portset_count(&pl.xlat.ports), 240);
	assert_int_equal(portset_range(&pl.xlat.ports, 0).min, 5136);
	assert_int_equal(portset_range(&pl.xlat.ports, 14).max, 62495);
	assert_memory_equal(&pl.nat.ports, &pl.xlat.ports, sizeof(pl.nat.ports));
}

/* RFC 6052 2.4's table: 192.0.2.33 under a DMR of every allowed length;
 * and the refusals (S10 "dmr"; RFC 7599 5.1: at most /96). */
static void test_mapt_dmr_lengths(void **state)
{
	static const struct { const char *pfx, *want; } t[] = {
		{ "2001:db8::/32", "2001:db8:c000:221::" },
		{ "2001:db8:100::/40", "2001:db8:1c0:2:21::" },
		{ "2001:db8:122::/48", "2001:db8:122:c000:2:2100::" },
		{ "2001:db8:122:300::/56", "2001:db8:122:3c0:0:221::" },
		{ "2001:db8:122:344::/64", "2001:db8:122:344:c0:2:2100:0" },
		{ "2001:db8:122:344::/96", "2001:db8:122:344::c000:221" },
	};
	struct mapt_fix f;
	struct plan pl;

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		mapt_init(&f, t[i].pfx);
		mapt_rule(&f, rule("2001:db8::/40", "192.0.2.0/24", 16, 6));
		wan_prefix(&f.w, "2001:db8:12:3400::/56");
		planned(METHOD_MAP_T, &f.p, &f.w, &pl);
		embeds(&pl.xlat.remote, "192.0.2.33", t[i].want);
	}
	f.p.map_t.dmr = p6("2001:db8:122:344::/80");
	refused(METHOD_MAP_T, &f.p, &f.w, EINVAL,
		"map_t dmr: RFC 6052 prefix length /80 is not one of 32, 40, 48, 56, 64, 96");
	f.p.map_t.dmr = p6("2001:db8:122:344:ff00::/96");
	refused(METHOD_MAP_T, &f.p, &f.w, EINVAL, "has bits 64-71 set");
}

/* S10: up to 200 rules, every one an FMR in the given order; the BMR is
 * the longest match among them. 201 is refused. */
static void test_mapt_200_fmrs(void **state)
{
	struct mapt_fix *f = calloc(1, sizeof(*f));
	struct plan *pl = calloc(1, sizeof(*pl));
	char v6[64], v4[32];

	(void)state;
	assert_non_null(f);
	assert_non_null(pl);
	mapt_init(f, "2001:db8:ffff::/64");
	for (unsigned i = 0; i < 200; i++) {
		snprintf(v6, sizeof(v6), "2001:db8:%x::/48", 0x1000 + i);
		snprintf(v4, sizeof(v4), "198.51.%u.0/24", i);
		mapt_rule(f, rule(v6, v4, 16, 6));
	}
	/* Rule 150: 2001:db8:1096::/48, EA 0x0512 = 198.51.150.5, PSID 0x12. */
	wan_prefix(&f->w, "2001:db8:1096:512::/64");
	planned(METHOD_MAP_T, &f->p, &f->w, pl);
	assert_int_equal(pl->info.rule_index, 150);
	str4(pl->xlat.ipv4, "198.51.150.5");
	check_ports(&pl->xlat.ports, 6, 8, 0x12);
	assert_int_equal(pl->xlat.n_fmrs, 200);
	for (unsigned i = 0; i < 200; i++)
		same_rule(&pl->xlat.fmrs[i], &f->rules[i]);
	mapt_rule(f, rule("2001:db8:2000::/48", "203.0.113.0/24", 16, 6));
	refused(METHOD_MAP_T, &f->p, &f->w, EINVAL,
		"map_t has 201 rules, more than 200");
	free(f);
	free(pl);
}

static void test_mapt_refusals(void **state)
{
	struct mapt_fix f;

	(void)state;
	mapt_init(&f, "2001:db8:ffff::/64");
	mapt_rule(&f, rule("2001:db8::/40", "192.0.2.0/24", 16, 6));
	wan_prefix(&f.w, "2001:db8:1234:5600::/56");
	refused(METHOD_MAP_T, &f.p, &f.w, ENOENT,
		"no map_t rule (of 1) matches 2001:db8:1234:5600::/56");
	f.w.n_prefixes = 0;
	refused(METHOD_MAP_T, &f.p, &f.w, ENOENT,
		"no global IPv6 address or prefix on the WAN or LAN to match a map_t rule against");
	wan_prefix(&f.w, "2001:db8:12:3400::/56");
	f.w.wan_mtu = 1279;
	refused(METHOD_MAP_T, &f.p, &f.w, EINVAL,
		"WAN MTU 1279 is less than 1280, the IPv6 minimum");
	f.w.wan_mtu = 1500;
	f.rules[0].ea_len = 49;
	refused(METHOD_MAP_T, &f.p, &f.w, EINVAL, "map_t rule 0");
	f.rules[0].ea_len = 16;
	f.p.map_t.n_rules = 0;
	refused(METHOD_MAP_T, &f.p, &f.w, EINVAL, "map_t has no rules");
	f.p.map_t.present = false;
	refused(METHOD_MAP_T, &f.p, &f.w, ENOENT, "the offer has no map_t");
}
#endif

/* ---- the IPv4 side's MTU -------------------------------------------- */

static void test_xlat_mtu(void **state)
{
	static const struct { uint32_t wan, v4; } ok[] = {
		{ 0, 1472 }, { 1500, 1472 }, { 1454, 1426 }, /* PPPoE */
		{ 1280, 1252 }, { 9000, 8972 }, { 65535, 65507 },
	};
	struct err e;
	uint32_t mtu = 7;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(plan_xlat_mtu(ok[i].wan, &mtu, NULL), 0);
		assert_int_equal(mtu, ok[i].v4);
	}
	mtu = 7;
	assert_int_equal(plan_xlat_mtu(1279, &mtu, &e), -EINVAL);
	assert_string_equal(e.msg, "WAN MTU 1279 is less than 1280, the IPv6 minimum");
	assert_int_equal(plan_xlat_mtu(65536, &mtu, &e), -EINVAL);
	assert_string_equal(e.msg, "WAN MTU 65536 is more than 65535");
	assert_int_equal(mtu, 7);
}

#ifdef CONFIG_METHOD_464XLAT
/* ---- 464XLAT -------------------------------------------------------- */

static void xlat_init(struct prov *p, struct wan_facts *w, const char *pfx)
{
	memset(p, 0, sizeof(*p));
	p->xlat.present = true;
	p->xlat.nat64prefix = p6(pfx);
	wan_init(w);
}

static void wan_addr(struct wan_facts *w, const char *a, const char *pfx)
{
	w->wan_addr = a6(a);
	w->has_wan_addr = true;
	wan_prefix(w, pfx);
}

/* No delegated prefix: the CLAT address on the WAN's /64 (RFC 6877 6.3:
 * claimed by ND, defended by DAD -- a /128 without nodad), behind NAT44
 * to 192.0.0.1 (RFC 7335) with every port. RFC 6052 2.4: 192.0.2.33
 * under 2001:db8:122:344::/96 is 2001:db8:122:344::c000:221. */
static void test_464xlat_wan(void **state)
{
	struct prov p;
	struct wan_facts w;
	struct plan pl, again;
	const struct plan_addr *a;

	(void)state;
	xlat_init(&p, &w, "2001:db8:122:344::/96");
	wan_addr(&w, "2001:db8:1:2:aaaa::99", "2001:db8:1:2::/64");
	planned(METHOD_464XLAT, &p, &w, &pl);
	assert_int_equal(pl.method, METHOD_464XLAT);
	check_xlat(&pl, "192.0.0.1", "2001:db8:1:2::c000:1",
		   "2001:db8:122:344::/96", 1472);
	assert_int_equal(pl.xlat.nd, PLAN_XLAT_ND_ADDR);
	assert_int_equal(pl.n_addrs, 2);
	a = &pl.addrs[0];
	assert_string_equal(a->ifname, "wan0");
	assert_int_equal(a->family, AF_INET6);
	str6(&a->v6, "2001:db8:1:2::c000:1");
	assert_int_equal(a->plen, 128);
	assert_false(a->nodad);
	check_addr4(&pl.addrs[1], "192.0.0.1", 32);
	assert_int_equal(pl.nat.ports.len, 0);
	assert_int_equal(pl.xlat.ports.len, 0);
	assert_int_equal(pl.xlat.n_fmrs, 0);
	embeds(&pl.xlat.remote, "192.0.2.33", "2001:db8:122:344::c000:221");
	str6(&pl.info.ce_ipv6, "2001:db8:1:2::c000:1");
	assert_int_equal(pl.info.rule_index, -1);
	planned(METHOD_464XLAT, &p, &w, &again);
	assert_true(plan_equal(&pl, &again));
	/* A WAN address without its /64 among the facts (DHCPv6, or
	 * plan --wan-addr): the address's /64. */
	w.prefixes[0] = p6("2001:db8:1:2:aaaa::99/128");
	planned(METHOD_464XLAT, &p, &w, &pl);
	str6(&pl.xlat.ipv6, "2001:db8:1:2::c000:1");
}

/* A delegated prefix: the CLAT address in it, routed to us, so no
 * address in the plan; a prefix shorter than /64 gives its last /64. */
static void test_464xlat_delegated(void **state)
{
	static const struct { const char *pfx, *clat; } t[] = {
		{ "2001:db8:aa00::/56", "2001:db8:aa00:ff::c000:1" },
		{ "2001:db8:aa00::/48", "2001:db8:aa00:ffff::c000:1" },
		{ "2001:db8:aa00:7::/64", "2001:db8:aa00:7::c000:1" },
		{ "2001:db8:aa00:7::1/64", "2001:db8:aa00:7::c000:1" },
	};
	struct prov p;
	struct wan_facts w;
	struct plan pl;

	(void)state;
	xlat_init(&p, &w, "64:ff9b::/96");
	wan_addr(&w, "2001:db8:1:2::99", "2001:db8:1:2::/64");
	wan_prefix(&w, "2001:db8:aa00:1::/64"); /* the LAN */
	planned(METHOD_464XLAT, &p, &w, &pl);
	str6(&pl.xlat.ipv6, "2001:db8:aa00:1::c000:1");
	assert_int_equal(pl.xlat.nd, PLAN_XLAT_ND_ROUTED);
	assert_int_equal(pl.n_addrs, 1);
	check_addr4(&pl.addrs[0], "192.0.0.1", 32);
	/* --prefix: the delegated prefix given by hand. */
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		w.forced_prefix = p6(t[i].pfx);
		w.has_forced_prefix = true;
		planned(METHOD_464XLAT, &p, &w, &pl);
		str6(&pl.xlat.ipv6, t[i].clat);
		assert_int_equal(pl.xlat.nd, PLAN_XLAT_ND_ROUTED);
	}
}

static void test_464xlat_refusals(void **state)
{
	struct prov p;
	struct wan_facts w;

	(void)state;
	xlat_init(&p, &w, "2001:db8:64::/96");
	refused(METHOD_464XLAT, &p, &w, ENOENT,
		"no delegated prefix and no address on the WAN for the CLAT address");
	w.forced_prefix = p6("2001:db8:1:2:3::/80");
	w.has_forced_prefix = true;
	refused(METHOD_464XLAT, &p, &w, EINVAL,
		"--prefix 2001:db8:1:2:3::/80 is longer than /64");
	w.has_forced_prefix = false;
	wan_addr(&w, "2001:db8:1:2::99", "2001:db8:1:2::/64");
	w.wan_mtu = 1200;
	refused(METHOD_464XLAT, &p, &w, EINVAL,
		"WAN MTU 1200 is less than 1280, the IPv6 minimum");
	w.wan_mtu = 1500;
	p.xlat.nat64prefix = p6("2001:db8:64::/80");
	refused(METHOD_464XLAT, &p, &w, EINVAL,
		"464xlat nat64prefix: RFC 6052 prefix length /80");
	p.xlat.present = false;
	refused(METHOD_464XLAT, &p, &w, ENOENT, "the offer has no 464xlat");
}
#endif

/* The translator's objects of a named instance (v6mig-agent@IFACE): the
 * veth pair v6mig-NAME/v6mig_NAME carries the IPv4 address, the route,
 * the NAT and the clamp, so a second instance's translator on another
 * WAN has names of its own. */
HELPER void check_named(const struct plan *pl, const char *dev,
			const char *peer)
{
	assert_string_equal(pl->xlat.dev, dev);
	assert_string_equal(pl->xlat.peer, peer);
	assert_string_equal(pl->links[0].name, dev);
	assert_string_equal(pl->links[0].peer, peer);
	assert_string_equal(pl->routes[0].dev, dev);
	assert_string_equal(pl->addrs[pl->n_addrs - 1].ifname, dev);
	assert_string_equal(pl->nat.out_ifname, dev);
	assert_string_equal(pl->filter.in_ifname, dev);
	assert_true(plan_scope_owns_link(&pl->scope, dev));
	assert_true(plan_scope_owns_link(&pl->scope, peer));
	assert_int_equal(pl->scope.metric, 30);
}

static void test_named_instances(void **state)
{
	struct plan pl;
	struct err e;

	(void)state;
#ifdef CONFIG_METHOD_MAP_T
	{
		struct mapt_fix f;

		mapt_init(&f, "2001:db8:ffff::/64");
		mapt_rule(&f, rule("2001:db8::/40", "192.0.2.0/24", 16, 6));
		wan_prefix(&f.w, "2001:db8:12:3400::/56");
		assert_int_equal(plan_scope_make(&f.w.scope, "eth1", 30, &e), 0);
		planned(METHOD_MAP_T, &f.p, &f.w, &pl);
		check_named(&pl, "v6mig-eth1", "v6mig_eth1");
		assert_false(plan_scope_owns_link(&pl.scope, "v6mig_eth2"));
		assert_false(plan_scope_owns_link(&pl.scope, "v6mig1"));
	}
#endif
#ifdef CONFIG_METHOD_464XLAT
	{
		struct prov p;
		struct wan_facts w;

		xlat_init(&p, &w, "2001:db8:122:344::/96");
		wan_addr(&w, "2001:db8:1:2:aaaa::99", "2001:db8:1:2::/64");
		/* 9 characters, the longest: 15 with the prefix (IFNAMSIZ) */
		assert_int_equal(plan_scope_make(&w.scope, "enp1s0f1x", 30, &e), 0);
		planned(METHOD_464XLAT, &p, &w, &pl);
		check_named(&pl, "v6mig-enp1s0f1x", "v6mig_enp1s0f1x");
	}
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xlat_mtu),
#ifdef CONFIG_METHOD_MAP_T
		cmocka_unit_test(test_mapt_rfc7599),
		cmocka_unit_test(test_mapt_no_sharing),
		cmocka_unit_test(test_mapt_240_ports),
		cmocka_unit_test(test_mapt_dmr_lengths),
		cmocka_unit_test(test_mapt_200_fmrs),
		cmocka_unit_test(test_mapt_refusals),
#endif
#ifdef CONFIG_METHOD_464XLAT
		cmocka_unit_test(test_464xlat_wan),
		cmocka_unit_test(test_464xlat_delegated),
		cmocka_unit_test(test_464xlat_refusals),
#endif
		cmocka_unit_test(test_named_instances),
	};

	return cmocka_run_group_tests_name("planners_xlat", tests, NULL, NULL);
}
