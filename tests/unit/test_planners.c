/* SPDX-License-Identifier: MIT */
/* The planners (tunnels/mape.c, dslite.c, lw4o6.c, ipip.c) against RFC
 * vectors: RFC 7597 Appendix A, the draft-03 field record, RFC 6333 5.7,
 * RFC 7596 5.1, HB46PP S8, S9, S11, S12, S14. The translators' planners
 * are in test_planners_xlat.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "plan_util.h"

/* Each method's tests are built when the configuration has the method
 * (a method left out is a file not compiled). */

/* ---- the build ------------------------------------------------------ */

/* R4: a build's capability is exactly its planners, in the spec's order;
 * mesh only when asked for (the kernel probe is the agent's). */
static void test_capability(void **state)
{
	char cap[METHOD_CAPABILITY_MAX], want[METHOD_CAPABILITY_MAX] = "";

	(void)state;
	method_capability(cap, sizeof(cap), true, false);
#ifdef CONFIG_METHOD_464XLAT
	strcat(want, ",464xlat");
#endif
#ifdef CONFIG_METHOD_DSLITE
	strcat(want, ",dslite");
#endif
#ifdef CONFIG_METHOD_IPIP
	strcat(want, ",ipip");
#endif
#ifdef CONFIG_METHOD_LW4O6
	strcat(want, ",lw4o6");
#endif
#ifdef CONFIG_METHOD_MAP_E
	strcat(want, ",map_e");
#endif
#ifdef CONFIG_METHOD_MAP_T
	strcat(want, ",map_t");
#endif
#ifdef CONFIG_METHOD_MAP_E
	strcat(want, ",hubspoke");
#endif
	assert_string_equal(cap, want[0] ? want + 1 : "");
#if defined(CONFIG_METHOD_DSLITE) && defined(CONFIG_METHOD_IPIP) && \
	defined(CONFIG_METHOD_LW4O6) && defined(CONFIG_METHOD_MAP_E) && \
	defined(CONFIG_METHOD_MAP_T) && defined(CONFIG_METHOD_464XLAT)
	assert_string_equal(cap, "464xlat,dslite,ipip,lw4o6,map_e,map_t,hubspoke");
#endif
	assert_null(strstr(cap, "mesh"));
	/* "mesh" only when the caller found the kernel can (agent/meshcap.h),
	 * last (R4's word order), and only with MAP-E built. */
	method_capability(cap, sizeof(cap), true, true);
#ifdef CONFIG_METHOD_MAP_E
	strcat(want, ",mesh");
#endif
	assert_string_equal(cap, want[0] ? want + 1 : "");
	/* a kernel without ip6tnl: no hubspoke and none of the ip6tnl
	 * methods; MAP-E still when the mesh runs */
	method_capability(cap, sizeof(cap), false, true);
	assert_null(strstr(cap, "hubspoke"));
	assert_null(strstr(cap, "dslite"));
	assert_null(strstr(cap, "lw4o6"));
	assert_null(strstr(cap, "ipip"));
#ifdef CONFIG_METHOD_MAP_E
	assert_non_null(strstr(cap, "map_e,"));
	assert_non_null(strstr(cap, ",mesh"));
#endif
#if defined(CONFIG_METHOD_MAP_E) && defined(CONFIG_METHOD_MAP_T) && \
	defined(CONFIG_METHOD_464XLAT)
	assert_string_equal(cap, "464xlat,map_e,map_t,mesh");
	/* neither ip6tnl nor mesh: the translators only */
	method_capability(cap, sizeof(cap), false, false);
	assert_string_equal(cap, "464xlat,map_t");
	/* what S8 chooses among is what the string names */
	assert_int_equal(method_mask(false, false),
			 (1u << METHOD_MAP_T) | (1u << METHOD_464XLAT));
	assert_int_equal(method_mask(false, true), (1u << METHOD_MAP_T) |
			 (1u << METHOD_464XLAT) | (1u << METHOD_MAP_E));
	assert_true(method_mask(true, false) & (1u << METHOD_DSLITE));
#endif
}

/* S8: the first method of order this build has. */
#if defined(CONFIG_METHOD_DSLITE) && defined(CONFIG_METHOD_MAP_E) && \
	!defined(CONFIG_METHOD_MAP_T) && !defined(CONFIG_METHOD_464XLAT)
#define HAVE_PICK_TEST
static void test_method_pick(void **state)
{
	enum method order[] = { METHOD_MAP_T, METHOD_464XLAT, METHOD_DSLITE,
				METHOD_MAP_E };

	(void)state;
	assert_int_equal(method_pick(order, 4), METHOD_DSLITE);
	assert_int_equal(method_pick(order + 3, 1), METHOD_MAP_E);
	assert_int_equal(method_pick(order, 2), -ENOENT);
	assert_int_equal(method_pick(order, 0), -ENOENT);
}
#elif defined(CONFIG_METHOD_MAP_T) && defined(CONFIG_METHOD_464XLAT) && \
	defined(CONFIG_METHOD_DSLITE)
#define HAVE_PICK_TEST
/* S8 with the translators built: they are picked like any other. */
static void test_method_pick(void **state)
{
	enum method order[] = { METHOD_MAP_T, METHOD_464XLAT, METHOD_DSLITE };

	(void)state;
	assert_int_equal(method_pick(order, 3), METHOD_MAP_T);
	assert_int_equal(method_pick(order + 1, 2), METHOD_464XLAT);
	assert_int_equal(method_pick(order, 0), -ENOENT);
}
#endif

#ifdef CONFIG_METHOD_MAP_E
/* ---- MAP-E ---------------------------------------------------------- */

struct mape_fix {
	struct prov p;
	struct map_rule rules[MAP_MAX_RULES];
	struct wan_facts w;
};

static void mape_init(struct mape_fix *f, int version, const char *br)
{
	memset(f, 0, sizeof(*f));
	f->p.map_e.present = true;
	f->p.map_e.version = version;
	f->p.map_e.br = a6(br);
	f->p.map_e.rules = f->rules;
	wan_init(&f->w);
}

static void mape_rule(struct mape_fix *f, struct map_rule r)
{
	f->rules[f->p.map_e.n_rules++] = r;
}

/* RFC 7597 Appendix A example 1, version 1 (RFC interface ID): the
 * whole plan, field by field. */
static void test_mape_rfc7597(void **state)
{
	struct mape_fix f;
	struct plan pl, again;

	(void)state;
	mape_init(&f, 1, "2001:db8:ffff::1");
	mape_rule(&f, rule("2001:db8::/40", "192.0.2.0/24", 16, 6));
	wan_prefix(&f.w, "2001:db8:12:3400::/56");
	planned(METHOD_MAP_E, &f.p, &f.w, &pl);

	assert_int_equal(pl.method, METHOD_MAP_E);
	check_tunnel(&pl, "2001:db8:12:3400:0:c000:212:34", "2001:db8:ffff::1", 1460);
	assert_int_equal(pl.n_addrs, 2);
	check_addr6(&pl.addrs[0], "wan0", "2001:db8:12:3400:0:c000:212:34");
	check_addr4(&pl.addrs[1], "192.0.2.18", 32);
	assert_true(pl.nat.enabled);
	assert_string_equal(pl.nat.out_ifname, "v6mig0");
	str4(pl.nat.src, "192.0.2.18");
	check_ports(&pl.nat.ports, 6, 8, 0x34);
	assert_true(pl.filter.enabled);
	str4(pl.filter.ours.addr, "192.0.2.18");
	assert_int_equal(pl.filter.ours.len, 32);
	check_ports(&pl.filter.ports, 6, 8, 0x34);
	str4(pl.info.ipv4, "192.0.2.18");
	assert_int_equal(pl.info.ipv4_plen, 32);
	assert_true(pl.info.has_ports);
	check_ports(&pl.info.ports, 6, 8, 0x34);
	str6(&pl.info.ce_ipv6, "2001:db8:12:3400:0:c000:212:34");
	assert_true(v6pfx_equal(&pl.info.eup, &f.w.prefixes[0]));
	assert_int_equal(pl.info.rule_index, 0);
	/* Pure: the same input gives the same bytes. */
	planned(METHOD_MAP_E, &f.p, &f.w, &again);
	assert_true(plan_equal(&pl, &again));
}

/* The field record (shared/spec/real-responses.md), version 0: the
 * draft-03 interface ID, offset 4, 15 ranges of 16 ports. */
static void test_mape_draft03_field(void **state)
{
	struct mape_fix f;
	struct plan pl;

	(void)state;
	mape_init(&f, 0, "2001:db8:ffff::1");
	mape_rule(&f, rule("2404:7a82:4c00::/38", "133.209.12.0/22", 18, 4));
	/* The WAN's SLAAC address, inside the end-user prefix. */
	wan_prefix(&f.w, "2404:7a82:4d02:4100:1234:5678:9abc:def0/64");
	planned(METHOD_MAP_E, &f.p, &f.w, &pl);

	check_tunnel(&pl, "2404:7a82:4d02:4100:85:d10d:200:4100", "2001:db8:ffff::1", 1460);
	check_addr6(&pl.addrs[0], "wan0", "2404:7a82:4d02:4100:85:d10d:200:4100");
	check_addr4(&pl.addrs[1], "133.209.13.2", 32);
	str4(pl.nat.src, "133.209.13.2");
	check_ports(&pl.nat.ports, 4, 8, 0x41);
	assert_int_equal(portset_nranges(&pl.nat.ports), 15);
	assert_int_equal(portset_range(&pl.nat.ports, 0).min, 5136);
	assert_int_equal(portset_range(&pl.nat.ports, 0).max, 5151);
	check_ports(&pl.filter.ports, 4, 8, 0x41);
	/* The same offer as version 1: the RFC 7597 layout. */
	f.p.map_e.version = 1;
	planned(METHOD_MAP_E, &f.p, &f.w, &pl);
	str6(&pl.links[0].local, "2404:7a82:4d02:4100:0:85d1:d02:41");
}

/* S9 (mesh: true) is planned hub-and-spoke: the same plan, remote = BR. */
static void test_mape_mesh_is_hub_and_spoke(void **state)
{
	struct mape_fix f;
	struct plan hub, mesh;

	(void)state;
	mape_init(&f, 1, "2001:db8:ffff::1");
	mape_rule(&f, rule("2001:db8::/40", "192.0.2.0/24", 16, 6));
	wan_prefix(&f.w, "2001:db8:12:3400::/56");
	planned(METHOD_MAP_E, &f.p, &f.w, &hub);
	f.p.map_e.mesh = true;
	planned(METHOD_MAP_E, &f.p, &f.w, &mesh);
	assert_true(plan_equal(&hub, &mesh));
	str6(&mesh.links[0].remote, "2001:db8:ffff::1");
}

/* RFC 7597 5: the end-user prefix is the first of the CE's prefixes (in
 * wan_facts' order of preference) that a rule holds; its BMR is the
 * longest rule prefix holding it. */
static void test_mape_bmr_several(void **state)
{
	struct mape_fix f;
	struct plan pl;

	(void)state;
	mape_init(&f, 1, "2001:db8:ffff::1");
	mape_rule(&f, rule("2001:db8::/32", "198.51.100.0/24", 16, 6));
	mape_rule(&f, rule("2001:db8:100::/40", "192.0.2.0/24", 16, 6));
	mape_rule(&f, rule("2001:db8:100::/44", "203.0.113.0/24", 12, 6));
	wan_prefix(&f.w, "2001:db9:1::1/64");          /* no rule */
	wan_prefix(&f.w, "2001:db8:100:1200::/56");     /* rules 0-2: 2 */
	wan_prefix(&f.w, "2001:db8:ff00:1200::5/64");   /* rule 0 */
	planned(METHOD_MAP_E, &f.p, &f.w, &pl);
	assert_int_equal(pl.info.rule_index, 2);
	/* 2001:db8:100::/44, EA 12: IPv4 suffix 8 bits 0x01, PSID 0x2. */
	str4(pl.info.ipv4, "203.0.113.1");
	assert_int_equal(pl.info.ports.psid, 0x2);
	assert_int_equal(pl.info.ports.len, 4);

	/* Rule 1 (/40) beats rule 0 (/32) for the prefix both hold. */
	f.w.n_prefixes = 1;
	wan_prefix(&f.w, "2001:db8:1f0:1200::/56");
	planned(METHOD_MAP_E, &f.p, &f.w, &pl);
	assert_int_equal(pl.info.rule_index, 1);
	str4(pl.info.ipv4, "192.0.2.240");

	/* Two prefixes under the same rule: the first in the list. */
	f.w.n_prefixes = 0;
	wan_prefix(&f.w, "2001:db8:1f0:1200::/56");
	wan_prefix(&f.w, "2001:db8:1f0:3400::/56");
	planned(METHOD_MAP_E, &f.p, &f.w, &pl);
	assert_int_equal(pl.info.ports.psid, 0x12);
}

/* Issue 11 item 8: the delegated prefix (listed first by facts.c) is the
 * end-user prefix even when a WAN-link address falls under a longer
 * rule: the CE's IPv4 and ports follow its own prefix. */
static void test_mape_bmr_preferred_prefix_first(void **state)
{
	struct mape_fix f;
	struct plan pl;

	(void)state;
	mape_init(&f, 1, "2001:db8:ffff::1");
	mape_rule(&f, rule("2001:db8:100::/40", "192.0.2.0/24", 16, 6));
	mape_rule(&f, rule("2001:db8:200::/44", "203.0.113.0/24", 12, 6));
	wan_prefix(&f.w, "2001:db8:1f0:1201::1/64");    /* LAN, delegated: rule 0 */
	wan_prefix(&f.w, "2001:db8:200:3400::7/64");    /* WAN link: rule 1 */
	planned(METHOD_MAP_E, &f.p, &f.w, &pl);
	assert_int_equal(pl.info.rule_index, 0);
	str4(pl.info.ipv4, "192.0.2.240");
	assert_int_equal(pl.info.ports.psid, 0x12);
}

/* A prefix too short for the rule's end-user prefix is passed over
 * when another prefix fits; alone, it is refused with the reason. */
static void test_mape_bmr_short_prefix(void **state)
{
	struct mape_fix f;
	struct plan pl;

	(void)state;
	mape_init(&f, 1, "2001:db8:ffff::1");
	mape_rule(&f, rule("2001:db8::/40", "192.0.2.0/24", 16, 6));
	wan_prefix(&f.w, "2001:db8:12::/48");          /* LAN PD, too short */
	wan_prefix(&f.w, "2001:db8:12:3400::99/64");   /* WAN address */
	planned(METHOD_MAP_E, &f.p, &f.w, &pl);
	str4(pl.info.ipv4, "192.0.2.18");
	f.w.n_prefixes = 1;
	refused(METHOD_MAP_E, &f.p, &f.w, EINVAL,
		"map_e rule 0: prefix 2001:db8:12::/48 is shorter than the end-user prefix /56");
}

/* S9 (MUST): 256 rules; the CE's among them, with several prefixes. */
static void test_mape_256_rules(void **state)
{
	struct mape_fix *f = calloc(1, sizeof(*f));
	struct plan pl;
	char b6[64], b4[64];

	(void)state;
	assert_non_null(f);
	mape_init(f, 1, "2001:db8:ffff::1");
	for (unsigned i = 0; i < MAP_MAX_RULES; i++) {
		snprintf(b6, sizeof(b6), "2001:db8:%x00::/40", i);
		snprintf(b4, sizeof(b4), "10.%u.0.0/16", i);
		mape_rule(f, rule(b6, b4, 24, 6));
	}
	wan_prefix(&f->w, "2001:db9::/56");
	wan_prefix(&f->w, "2001:db8:c812:3400::/64");
	planned(METHOD_MAP_E, &f->p, &f->w, &pl);
	assert_int_equal(pl.info.rule_index, 0xc8);
	/* EA 24 = 16 suffix bits (0x1234) + 8 PSID bits (0x00). */
	str4(pl.info.ipv4, "10.200.18.52");
	assert_int_equal(pl.info.ports.len, 8);
	assert_int_equal(pl.info.ports.psid, 0);
	/* 257 rules are refused (S9 bounds the format at 256). */
	f->p.map_e.n_rules = MAP_MAX_RULES + 1;
	refused(METHOD_MAP_E, &f->p, &f->w, EINVAL, "map_e has 257 rules, more than 256");
	free(f);
}

/* --prefix wins over what the interfaces hold. */
static void test_mape_forced_prefix(void **state)
{
	struct mape_fix f;
	struct plan pl;

	(void)state;
	mape_init(&f, 1, "2001:db8:ffff::1");
	mape_rule(&f, rule("2001:db8::/40", "192.0.2.0/24", 16, 6));
	wan_prefix(&f.w, "2001:db8:12:3400::/56");
	f.w.forced_prefix = p6("2001:db8:10:1000::/56");
	f.w.has_forced_prefix = true;
	planned(METHOD_MAP_E, &f.p, &f.w, &pl);
	/* RFC 7597 Appendix A example 2's CE. */
	str4(pl.info.ipv4, "192.0.2.16");
	assert_int_equal(pl.info.ports.psid, 0x10);
	str6(&pl.links[0].local, "2001:db8:10:1000:0:c000:210:10");
	/* A forced prefix outside every rule is refused, not replaced. */
	f.w.forced_prefix = p6("2001:db9::/56");
	refused(METHOD_MAP_E, &f.p, &f.w, ENOENT, "no map_e rule (of 1) matches the prefix 2001:db9::/56");
}

/* RFC 7597 5.2: EA bits == suffix: one whole address, every port;
 * fewer: a delegated IPv4 prefix, NAT to its first address. */
static void test_mape_no_sharing(void **state)
{
	struct mape_fix f;
	struct plan pl;

	(void)state;
	mape_init(&f, 1, "2001:db8:ffff::1");
	mape_rule(&f, rule("2001:db8::/40", "192.0.2.0/24", 8, 6));
	wan_prefix(&f.w, "2001:db8:12::/48");
	planned(METHOD_MAP_E, &f.p, &f.w, &pl);
	check_addr4(&pl.addrs[1], "192.0.2.18", 32);
	str4(pl.nat.src, "192.0.2.18");
	check_ports(&pl.nat.ports, 0, 0, 0);
	check_ports(&pl.filter.ports, 0, 0, 0);
	assert_false(pl.info.has_ports);

	mape_init(&f, 1, "2001:db8:ffff::1");
	mape_rule(&f, rule("2001:db8::/40", "192.0.0.0/16", 8, 6));
	wan_prefix(&f.w, "2001:db8:12::/48");
	planned(METHOD_MAP_E, &f.p, &f.w, &pl);
	str4(pl.info.ipv4, "192.0.18.0");
	assert_int_equal(pl.info.ipv4_plen, 24);
	assert_false(pl.info.has_ports);
	check_addr4(&pl.addrs[1], "192.0.18.0", 32);
	str4(pl.nat.src, "192.0.18.0");
	check_ports(&pl.nat.ports, 0, 0, 0);
	str4(pl.filter.ours.addr, "192.0.18.0");
	assert_int_equal(pl.filter.ours.len, 32);
}

static void test_mape_refusals(void **state)
{
	struct mape_fix f;
	struct err e;

	(void)state;
	mape_init(&f, 1, "2001:db8:ffff::1");
	mape_rule(&f, rule("2001:db8::/40", "192.0.2.0/24", 16, 6));
	refused(METHOD_MAP_E, &f.p, &f.w, ENOENT,
		"no global IPv6 address or prefix on the WAN or LAN to match a map_e rule against");
	wan_prefix(&f.w, "2001:db9::/56");
	wan_prefix(&f.w, "2001:db9:1::1/64");
	refused(METHOD_MAP_E, &f.p, &f.w, ENOENT,
		"no map_e rule (of 1) matches 2001:db9::/56, 2001:db9:1::1/64");
	f.w.n_prefixes = 0;
	wan_prefix(&f.w, "2001:db8:12:3400::/56");

	f.p.map_e.version = 2;
	refused(METHOD_MAP_E, &f.p, &f.w, EINVAL, "map_e version 2 is not 0 or 1");
	f.p.map_e.version = 1;
	f.p.map_e.br = a6("::");
	refused(METHOD_MAP_E, &f.p, &f.w, EINVAL, "map_e br :: is not a unicast address");
	f.p.map_e.br = a6("2001:db8:12:3400:0:c000:212:34");
	refused(METHOD_MAP_E, &f.p, &f.w, EINVAL,
		"tunnel local and remote are both 2001:db8:12:3400:0:c000:212:34");
	f.p.map_e.br = a6("2001:db8:ffff::1");
	mape_rule(&f, rule("2001:db8::/40", "192.0.2.1/24", 16, 6));
	refused(METHOD_MAP_E, &f.p, &f.w, EINVAL,
		"map_e rule 1: rule IPv4 prefix 192.0.2.1/24 has host bits set");
	f.p.map_e.n_rules = 0;
	refused(METHOD_MAP_E, &f.p, &f.w, EINVAL, "map_e has no rules");
	assert_int_equal(ops(METHOD_MAP_E)->validate(&f.p, &e), -EINVAL);
	assert_string_equal(e.msg, "map_e has no rules");
	f.p.map_e.present = false;
	refused(METHOD_MAP_E, &f.p, &f.w, ENOENT, "the offer has no map_e");
}

/* ---- the WAN's MTU -------------------------------------------------- */

static void test_mtu(void **state)
{
	static const struct { uint32_t wan, tun; } ok[] = {
		{ 0, 1460 }, { 1500, 1460 }, { 1454, 1414 }, /* PPPoE */
		{ 1320, 1280 }, { 9000, 8960 }, { 65535, 65495 },
	};
	struct mape_fix f;
	struct plan pl;
	uint32_t mtu = 7;

	(void)state;
	mape_init(&f, 1, "2001:db8:ffff::1");
	mape_rule(&f, rule("2001:db8::/40", "192.0.2.0/24", 16, 6));
	wan_prefix(&f.w, "2001:db8:12:3400::/56");
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		f.w.wan_mtu = ok[i].wan;
		planned(METHOD_MAP_E, &f.p, &f.w, &pl);
		assert_int_equal(pl.links[0].mtu, ok[i].tun);
		assert_int_equal(pl.routes[0].mtu, ok[i].tun);
		assert_int_equal(pl.filter.mss, ok[i].tun - 40);
	}
	f.w.wan_mtu = 1319;
	refused(METHOD_MAP_E, &f.p, &f.w, EINVAL,
		"WAN MTU 1319 leaves a tunnel MTU of 1279, less than 1280");
	f.w.wan_mtu = 40;
	refused(METHOD_MAP_E, &f.p, &f.w, EINVAL, "WAN MTU 40 leaves a tunnel MTU of 0");
	f.w.wan_mtu = 65536;
	refused(METHOD_MAP_E, &f.p, &f.w, EINVAL, "WAN MTU 65536 is more than 65535");
	assert_int_equal(plan_tunnel_mtu(1280, &mtu, NULL), -EINVAL);
	assert_int_equal(mtu, 7);
	f.w.wan_mtu = 1500;
	f.w.wan[0] = '\0';
	refused(METHOD_MAP_E, &f.p, &f.w, EINVAL, "no WAN interface name");
}

#endif

#ifdef CONFIG_METHOD_DSLITE
/* ---- DS-Lite -------------------------------------------------------- */

static void dslite_init(struct prov *p, struct wan_facts *w, const char *aftr)
{
	memset(p, 0, sizeof(*p));
	p->dslite.present = true;
	snprintf(p->dslite.aftr, sizeof(p->dslite.aftr), "%s", aftr);
	p->dslite.aftr_is_addr = v6addr_parse(aftr, &p->dslite.aftr_addr) == 0;
	wan_init(w);
	w->wan_addr = a6("2001:db8:1::1234");
	w->has_wan_addr = true;
}

/* RFC 6333: from a WAN global address to the AFTR, B4 192.0.0.2/29 on
 * the tunnel (5.7), nothing added on the WAN, no NAT44 (the AFTR's). */
static void test_dslite_literal(void **state)
{
	struct prov p;
	struct wan_facts w;
	struct plan pl;

	(void)state;
	dslite_init(&p, &w, "2001:db8:a::1");
	w.peer = a6("2001:db8:bad::1"); /* a literal is not replaced */
	w.has_peer = true;
	planned(METHOD_DSLITE, &p, &w, &pl);
	assert_int_equal(pl.method, METHOD_DSLITE);
	check_tunnel(&pl, "2001:db8:1::1234", "2001:db8:a::1", 1460);
	assert_int_equal(pl.n_addrs, 1);
	check_addr4(&pl.addrs[0], "192.0.0.2", 29);
	assert_false(pl.nat.enabled);
	assert_false(pl.filter.enabled);
	assert_int_equal(pl.filter.mss, 1420);
	str4(pl.info.ipv4, "192.0.0.2");
	assert_int_equal(pl.info.ipv4_plen, 29);
	assert_false(pl.info.has_ports);
	str6(&pl.info.ce_ipv6, "2001:db8:1::1234");
	assert_int_equal(pl.info.rule_index, -1);
}

/* S11: a name, resolved by the agent into w->peer before planning. */
static void test_dslite_name(void **state)
{
	struct prov p;
	struct wan_facts w;
	struct plan pl;

	(void)state;
	dslite_init(&p, &w, "aftr.example.net");
	assert_false(p.dslite.aftr_is_addr);
	assert_int_equal(ops(METHOD_DSLITE)->validate(&p, NULL), 0);
	refused(METHOD_DSLITE, &p, &w, EAGAIN, "aftr aftr.example.net needs resolving");
	w.peer = a6("2001:db8:a::2");
	w.has_peer = true;
	planned(METHOD_DSLITE, &p, &w, &pl);
	check_tunnel(&pl, "2001:db8:1::1234", "2001:db8:a::2", 1460);
}

static void test_dslite_refusals(void **state)
{
	struct prov p;
	struct wan_facts w;

	(void)state;
	dslite_init(&p, &w, "2001:db8:a::1");
	w.has_wan_addr = false;
	refused(METHOD_DSLITE, &p, &w, ENOENT,
		"no global IPv6 address on the WAN interface wan0 for the DS-Lite tunnel");
	w.has_wan_addr = true;
	p.dslite.aftr_addr = a6("ff02::1");
	refused(METHOD_DSLITE, &p, &w, EINVAL, "dslite aftr ff02::1 is not a unicast address");
	dslite_init(&p, &w, "");
	refused(METHOD_DSLITE, &p, &w, EINVAL, "dslite has no aftr");
	p.dslite.present = false;
	refused(METHOD_DSLITE, &p, &w, ENOENT, "the offer has no dslite");
}

#endif

#ifdef CONFIG_METHOD_LW4O6
/* ---- lw4o6 ---------------------------------------------------------- */

/* HB46PP 3.4's example offer. */
static void lw4o6_init(struct prov *p, struct wan_facts *w, const char *lwaftr)
{
	memset(p, 0, sizeof(*p));
	p->lw4o6.present = true;
	snprintf(p->lw4o6.lwaftr, sizeof(p->lw4o6.lwaftr), "%s", lwaftr);
	p->lw4o6.lwaftr_is_addr = v6addr_parse(lwaftr, &p->lw4o6.lwaftr_addr) == 0;
	p->lw4o6.ipv6 = p6("2001:db8:3:100::/56");
	p->lw4o6.ipv4 = a4("203.0.113.16");
	p->lw4o6.ports = (struct portset){ .offset = 6, .len = 8, .psid = 3 };
	wan_init(w);
}

/* RFC 7596 5.1: the B4 address is the prefix with the RFC 7597 IID; it
 * goes on the WAN as the tunnel source, NAPT44 into PSID 3's ports. */
static void test_lw4o6(void **state)
{
	struct prov p;
	struct wan_facts w;
	struct plan pl;

	(void)state;
	lw4o6_init(&p, &w, "2001:db8:4::1");
	planned(METHOD_LW4O6, &p, &w, &pl);
	assert_int_equal(pl.method, METHOD_LW4O6);
	check_tunnel(&pl, "2001:db8:3:100:0:cb00:7110:3", "2001:db8:4::1", 1460);
	assert_int_equal(pl.n_addrs, 2);
	check_addr6(&pl.addrs[0], "wan0", "2001:db8:3:100:0:cb00:7110:3");
	check_addr4(&pl.addrs[1], "203.0.113.16", 32);
	assert_true(pl.nat.enabled);
	str4(pl.nat.src, "203.0.113.16");
	check_ports(&pl.nat.ports, 6, 8, 3);
	assert_true(pl.filter.enabled);
	str4(pl.filter.ours.addr, "203.0.113.16");
	assert_int_equal(pl.filter.ours.len, 32);
	check_ports(&pl.filter.ports, 6, 8, 3);
	assert_true(pl.info.has_ports);
	str6(&pl.info.ce_ipv6, "2001:db8:3:100:0:cb00:7110:3");

	/* A name needs the agent's lookup. */
	lw4o6_init(&p, &w, "lwaftr.example.net");
	refused(METHOD_LW4O6, &p, &w, EAGAIN, "lwaftr lwaftr.example.net needs resolving");
	w.peer = a6("2001:db8:4::2");
	w.has_peer = true;
	planned(METHOD_LW4O6, &p, &w, &pl);
	str6(&pl.links[0].remote, "2001:db8:4::2");

	/* psid_length 0: the whole address, every port. */
	p.lw4o6.ports = (struct portset){ .offset = 6, .len = 0, .psid = 0 };
	planned(METHOD_LW4O6, &p, &w, &pl);
	check_ports(&pl.nat.ports, 0, 0, 0);
	assert_false(pl.info.has_ports);
}

static void test_lw4o6_refusals(void **state)
{
	struct prov p;
	struct wan_facts w;

	(void)state;
	lw4o6_init(&p, &w, "2001:db8:4::1");
	p.lw4o6.ports.psid = 256;
	refused(METHOD_LW4O6, &p, &w, EINVAL, "lw4o6: psid 256 does not fit in 8 bits");
	p.lw4o6.ports = (struct portset){ .offset = 10, .len = 8, .psid = 1 };
	refused(METHOD_LW4O6, &p, &w, EINVAL, "psid offset 10 + psid length 8 is more than 16");
	lw4o6_init(&p, &w, "2001:db8:4::1");
	p.lw4o6.ipv6 = p6("2001:db8:3:100::/80");
	refused(METHOD_LW4O6, &p, &w, EINVAL, "lw4o6 ipv6 2001:db8:3:100::/80 is longer than /64");
	lw4o6_init(&p, &w, "2001:db8:4::1");
	p.lw4o6.ipv4 = a4("0.0.0.0");
	refused(METHOD_LW4O6, &p, &w, EINVAL, "lw4o6 ipv4 0.0.0.0 is not an address");
	lw4o6_init(&p, &w, "");
	refused(METHOD_LW4O6, &p, &w, EINVAL, "lw4o6 has no lwaftr");
	p.lw4o6.present = false;
	refused(METHOD_LW4O6, &p, &w, ENOENT, "the offer has no lw4o6");
}

#endif

#ifdef CONFIG_METHOD_IPIP
/* ---- IPIP ----------------------------------------------------------- */

static void ipip_init(struct prov *p, struct wan_facts *w)
{
	memset(p, 0, sizeof(*p));
	p->ipip.present = true;
	p->ipip.n = 2;
	p->ipip.entries[0] = (struct prov_ipip_entry){
		.local = a6("2001:db8:7:100::7"),
		.remote = a6("2001:db8:7::1"),
		.ipv4 = p4("203.0.113.1/29"),
	};
	p->ipip.entries[1] = (struct prov_ipip_entry){
		.local = a6("2001:db8:7:100::8"),
		.remote = a6("2001:db8:7::2"),
		.ipv4 = p4("198.51.100.9/32"),
	};
	wan_init(w);
}

/* S14 / RFC 2473: the first entry by default; ipv6_local on the WAN,
 * the IPv4 with its prefix on the tunnel, NAT44 with every port. */
static void test_ipip(void **state)
{
	struct prov p;
	struct wan_facts w;
	struct plan pl;

	(void)state;
	ipip_init(&p, &w);
	w.wan_mtu = 1500;
	planned(METHOD_IPIP, &p, &w, &pl);
	assert_int_equal(pl.method, METHOD_IPIP);
	check_tunnel(&pl, "2001:db8:7:100::7", "2001:db8:7::1", 1460);
	assert_int_equal(pl.n_addrs, 2);
	check_addr6(&pl.addrs[0], "wan0", "2001:db8:7:100::7");
	check_addr4(&pl.addrs[1], "203.0.113.1", 29);
	assert_true(pl.nat.enabled);
	str4(pl.nat.src, "203.0.113.1");
	check_ports(&pl.nat.ports, 0, 0, 0);
	assert_true(pl.filter.enabled);
	str4(pl.filter.ours.addr, "203.0.113.0");
	assert_int_equal(pl.filter.ours.len, 29);
	check_ports(&pl.filter.ports, 0, 0, 0);
	assert_false(pl.info.has_ports);
	assert_int_equal(pl.info.ipv4_plen, 29);

	/* The entry chosen by configuration. */
	w.ipip_index = 1;
	planned(METHOD_IPIP, &p, &w, &pl);
	check_tunnel(&pl, "2001:db8:7:100::8", "2001:db8:7::2", 1460);
	check_addr4(&pl.addrs[1], "198.51.100.9", 32);
	str4(pl.filter.ours.addr, "198.51.100.9");

	/* No ipv6_local: the WAN's own address, nothing added there. */
	w.ipip_index = 0;
	memset(&p.ipip.entries[0].local, 0, sizeof(struct in6_addr));
	refused(METHOD_IPIP, &p, &w, ENOENT,
		"ipip entry 0 has no ipv6_local and the WAN no global IPv6 address");
	w.wan_addr = a6("2001:db8:7:100::99");
	w.has_wan_addr = true;
	planned(METHOD_IPIP, &p, &w, &pl);
	assert_int_equal(pl.n_addrs, 1);
	check_addr4(&pl.addrs[0], "203.0.113.1", 29);
	str6(&pl.links[0].local, "2001:db8:7:100::99");
}

static void test_ipip_refusals(void **state)
{
	struct prov p;
	struct wan_facts w;

	(void)state;
	ipip_init(&p, &w);
	w.ipip_index = 2;
	refused(METHOD_IPIP, &p, &w, EINVAL, "ipip entry 2 does not exist (the offer has 2)");
	w.ipip_index = 0;
	p.ipip.entries[1].remote = a6("::");
	refused(METHOD_IPIP, &p, &w, EINVAL, "ipip entry 1: ipv6_remote :: is not a unicast address");
	ipip_init(&p, &w);
	p.ipip.entries[0].ipv4 = p4("0.0.0.0/32");
	refused(METHOD_IPIP, &p, &w, EINVAL, "ipip entry 0: ipv4 0.0.0.0/32 is not an address");
	ipip_init(&p, &w);
	p.ipip.entries[0].local = a6("2001:db8:7::1");
	refused(METHOD_IPIP, &p, &w, EINVAL, "tunnel local and remote are both 2001:db8:7::1");
	p.ipip.entries[0].local = a6("::1");
	refused(METHOD_IPIP, &p, &w, EINVAL, "tunnel local ::1 is not a unicast IPv6 address");
	p.ipip.entries[0].local = a6("fe80::7");
	refused(METHOD_IPIP, &p, &w, EINVAL, "tunnel local fe80::7 is not a unicast IPv6 address");
	p.ipip.n = 0;
	refused(METHOD_IPIP, &p, &w, EINVAL, "ipip has no entries");
	p.ipip.present = false;
	refused(METHOD_IPIP, &p, &w, ENOENT, "the offer has no ipip");
}

#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capability),
#ifdef HAVE_PICK_TEST
		cmocka_unit_test(test_method_pick),
#endif
#ifdef CONFIG_METHOD_MAP_E
		cmocka_unit_test(test_mape_rfc7597),
		cmocka_unit_test(test_mape_draft03_field),
		cmocka_unit_test(test_mape_mesh_is_hub_and_spoke),
		cmocka_unit_test(test_mape_bmr_several),
		cmocka_unit_test(test_mape_bmr_preferred_prefix_first),
		cmocka_unit_test(test_mape_bmr_short_prefix),
		cmocka_unit_test(test_mape_256_rules),
		cmocka_unit_test(test_mape_forced_prefix),
		cmocka_unit_test(test_mape_no_sharing),
		cmocka_unit_test(test_mape_refusals),
		cmocka_unit_test(test_mtu),
#endif
#ifdef CONFIG_METHOD_DSLITE
		cmocka_unit_test(test_dslite_literal),
		cmocka_unit_test(test_dslite_name),
		cmocka_unit_test(test_dslite_refusals),
#endif
#ifdef CONFIG_METHOD_LW4O6
		cmocka_unit_test(test_lw4o6),
		cmocka_unit_test(test_lw4o6_refusals),
#endif
#ifdef CONFIG_METHOD_IPIP
		cmocka_unit_test(test_ipip),
		cmocka_unit_test(test_ipip_refusals),
#endif
	};

	return cmocka_run_group_tests_name("planners", tests, NULL, NULL);
}
