/* SPDX-License-Identifier: MIT */
/* What the planner tests (test_planners*.c) share: vectors in, plans
 * checked. Static helpers in a header, as a helper object would clash
 * with prov_util.c's names in the binaries that link both. */
#ifndef V6MIG_TEST_PLAN_UTIL_H
#define V6MIG_TEST_PLAN_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "../../tunnels/provdata.h"
#include "../../tunnels/plan.h"

/* After <net/if.h> (from plan.h): the uapi header then skips its own
 * copies of struct ifreq and friends. */
#include <linux/ip6_tunnel.h>

/* ---- helpers ------------------------------------------------------- */

/* Some helpers serve only the methods a configuration leaves in. */
#define HELPER static __attribute__((unused))

HELPER struct in6_addr a6(const char *s)
{
	struct in6_addr a;

	assert_int_equal(v6addr_parse(s, &a), 0);
	return a;
}

HELPER struct in_addr a4(const char *s)
{
	struct in_addr a;

	assert_int_equal(v4addr_parse(s, &a), 0);
	return a;
}

HELPER struct v6pfx p6(const char *s)
{
	struct v6pfx p;

	assert_int_equal(v6pfx_parse(s, true, &p), 0);
	return p;
}

HELPER struct v4pfx p4(const char *s)
{
	struct v4pfx p;

	assert_int_equal(v4pfx_parse(s, true, &p), 0);
	return p;
}

HELPER struct map_rule rule(const char *v6, const char *v4, unsigned ea,
			    unsigned off)
{
	struct map_rule r;

	memset(&r, 0, sizeof(r));
	r.ipv6 = p6(v6);
	r.ipv4 = p4(v4);
	r.ea_len = (uint8_t)ea;
	r.psid_offset = (uint8_t)off;
	return r;
}

HELPER void wan_init(struct wan_facts *w)
{
	memset(w, 0, sizeof(*w));
	snprintf(w->wan, sizeof(w->wan), "wan0");
	w->wan_mtu = 1500;
}

HELPER void wan_prefix(struct wan_facts *w, const char *s)
{
	assert_true(w->n_prefixes < PLAN_MAX_PREFIXES);
	w->prefixes[w->n_prefixes++] = p6(s);
}

HELPER const struct method_ops *ops(enum method m)
{
	const struct method_ops *o = method_ops(m);

	assert_non_null(o);
	assert_int_equal(o->method, m);
	assert_string_equal(o->name, method_name(m));
	return o;
}

HELPER void str6(const struct in6_addr *a, const char *want)
{
	char b[V6_STR_MAX];

	assert_string_equal(v6addr_str(a, b), want);
}

HELPER void str4(struct in_addr a, const char *want)
{
	char b[V6_STR_MAX];

	assert_string_equal(v4addr_str(a, b), want);
}

/* Plan, and require failure with -code and a message holding needle;
 * the output must be left as it was. */
HELPER void refused(enum method m, const struct prov *p,
		    const struct wan_facts *w, int code, const char *needle)
{
	struct plan out, before;
	struct err e;

	memset(&out, 0xa5, sizeof(out));
	before = out;
	memset(&e, 0, sizeof(e));
	assert_int_equal(ops(m)->plan(p, w, &out, &e), -code);
	if (!strstr(e.msg, needle))
		fail_msg("'%s' does not mention '%s'", e.msg, needle);
	assert_memory_equal(&out, &before, sizeof(out));
}

HELPER void planned(enum method m, const struct prov *p,
		    const struct wan_facts *w, struct plan *out)
{
	struct err e = { "" };
	int rc = ops(m)->plan(p, w, out, &e);

	if (rc != 0)
		fail_msg("plan: %d %s", rc, e.msg);
	assert_int_equal(ops(m)->validate(p, NULL), 0);
}

/* The shape every method shares: one ip6tnl v6mig0 over wan0, no
 * encapsulation limit, hop limit 64, proto IPIP; the IPv4 default route
 * through it with the tunnel MTU; MSS = MTU - 40. */
HELPER void check_tunnel(const struct plan *pl, const char *local,
			 const char *remote, unsigned mtu)
{
	const struct plan_link *l = &pl->links[0];
	const struct plan_route *r = &pl->routes[0];

	assert_int_equal(pl->n_links, 1);
	assert_string_equal(l->name, "v6mig0");
	assert_string_equal(l->underlay, "wan0");
	str6(&l->local, local);
	str6(&l->remote, remote);
	assert_int_equal(l->hoplimit, 64);
	assert_int_equal(l->flags, IP6_TNL_F_IGN_ENCAP_LIMIT);
	assert_int_equal(l->proto, IPPROTO_IPIP);
	assert_int_equal(l->mtu, mtu);
	assert_int_equal(pl->n_routes, 1);
	assert_string_equal(r->dev, "v6mig0");
	assert_int_equal(r->family, AF_INET);
	assert_int_equal(r->dst.addr.s_addr, 0);
	assert_int_equal(r->dst.len, 0);
	assert_int_equal(r->mtu, mtu);
	assert_string_equal(pl->filter.in_ifname, "v6mig0");
	assert_int_equal(pl->filter.mss, mtu - 40);
}

HELPER void check_addr6(const struct plan_addr *a, const char *ifname,
			const char *addr)
{
	assert_string_equal(a->ifname, ifname);
	assert_int_equal(a->family, AF_INET6);
	str6(&a->v6, addr);
	assert_int_equal(a->plen, 128);
	assert_true(a->nodad);
}

HELPER void check_addr4(const struct plan_addr *a, const char *addr,
			unsigned plen)
{
	assert_string_equal(a->ifname, "v6mig0");
	assert_int_equal(a->family, AF_INET);
	str4(a->v4, addr);
	assert_int_equal(a->plen, plen);
	assert_false(a->nodad);
}

HELPER void check_ports(const struct portset *ps, unsigned off, unsigned len,
			unsigned psid)
{
	assert_int_equal(ps->offset, off);
	assert_int_equal(ps->len, len);
	assert_int_equal(ps->psid, psid);
}

/* RFC 7599 Appendix A example 1 (BMR {2001:db8::/40, 192.0.2.0/24, 16},
 * offset 6, end-user prefix 2001:db8:12:3400::/56) with example 3's DMR
 * 2001:db8:ffff::/64, on WAN wan, MTU 1500: the planner's plan. */
HELPER void plan_rfc7599(struct plan *pl, const char *wan)
{
	struct map_rule r = { .ea_len = 16, .psid_offset = 6 };
	struct prov p;
	struct wan_facts w;
	struct err e;

	memset(&p, 0, sizeof(p));
	memset(&w, 0, sizeof(w));
	assert_int_equal(v6pfx_parse("2001:db8::/40", false, &r.ipv6), 0);
	assert_int_equal(v4pfx_parse("192.0.2.0/24", false, &r.ipv4), 0);
	p.map_t.present = true;
	p.map_t.rules = &r;
	p.map_t.n_rules = 1;
	assert_int_equal(v6pfx_parse("2001:db8:ffff::/64", false, &p.map_t.dmr), 0);
	snprintf(w.wan, sizeof(w.wan), "%s", wan);
	w.wan_mtu = 1500;
	assert_int_equal(v6pfx_parse("2001:db8:12:3400::/56", false, &w.prefixes[0]), 0);
	w.n_prefixes = 1;
	if (method_ops(METHOD_MAP_T)->plan(&p, &w, pl, &e) < 0)
		fail_msg("%s", e.msg);
}

#endif
