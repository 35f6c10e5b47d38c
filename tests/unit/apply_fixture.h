/* SPDX-License-Identifier: MIT */
/* The fixture of the reconcile tests (test_apply.c, test_apply_own.c): a
 * fake kernel with the WAN, a LAN and somebody else's things on them, a
 * state directory, and the MAP-E plan they apply. Static helpers in a
 * header, as plan_util.h: test_apply_xlat.c has a fixture of its own
 * under the same short names. */
#ifndef V6MIG_TEST_APPLY_FIXTURE_H
#define V6MIG_TEST_APPLY_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

/* net/if.h (via plan.h) before linux/if.h (via ip6_tunnel.h). */
#include "../../netlink/apply.h"
#include "apply_util.h"
#include "fake_backend.h"

#include <linux/if_addr.h>
#include <linux/ip6_tunnel.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIXTURE static __attribute__((unused))

struct t {
	char dir[64];
	struct fake_kernel k;
	struct backend be;
	struct err e;
	struct apply_stats st;
};

FIXTURE int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	state_dir_make(t->dir, sizeof(t->dir), "apply");
	fake_init(&t->k);
	/* The WAN, a LAN, and somebody else's things on them. */
	fake_add_wan(&t->k);
	fake_add_link(&t->k, "lan0", "bridge");
	fake_add_link(&t->k, "dummy9", "dummy");
	fake_add_addr(&t->k, "dummy9", "198.51.100.1", 24, 0);
	fake_add_route(&t->k, "dummy9", "198.51.100.0/24", RTPROT_KERNEL);
	fake_add_route(&t->k, "dummy9", "203.0.113.0/24", RTPROT_STATIC);
	t->k.foreign_table = true;
	t->be = fake_backend(&t->k);
	*state = t;
	return 0;
}

FIXTURE int teardown(void **state)
{
	struct t *t = *state;

	state_dir_remove(t->dir);
	free(t);
	return 0;
}

FIXTURE void v6(const char *s, struct in6_addr *a)
{
	assert_int_equal(v6addr_parse(s, a), 0);
}

/* A MAP-E plan as tunnels/mape.c makes it (RFC 7597 Appendix A ex. 1). */
FIXTURE void mape_plan(struct plan *p, const char *br)
{
	struct plan_link *l = &p->links[0];
	struct plan_addr *a;

	plan_init(p, METHOD_MAP_E);
	p->n_links = 1;
	strcpy(l->name, "v6mig0");
	strcpy(l->underlay, "eth0");
	v6("2001:db8:12:3400:0:c000:212:34", &l->local);
	v6(br, &l->remote);
	l->hoplimit = 64;
	l->flags = IP6_TNL_F_IGN_ENCAP_LIMIT;
	l->proto = IPPROTO_IPIP;
	l->mtu = 1460;
	a = &p->addrs[p->n_addrs++];
	strcpy(a->ifname, "eth0");
	a->family = AF_INET6;
	a->v6 = l->local;
	a->plen = 128;
	a->nodad = true;
	a = &p->addrs[p->n_addrs++];
	strcpy(a->ifname, "v6mig0");
	a->family = AF_INET;
	assert_int_equal(v4addr_parse("192.0.2.18", &a->v4), 0);
	a->plen = 32;
	strcpy(p->routes[0].dev, "v6mig0");
	p->routes[0].family = AF_INET;
	p->routes[0].mtu = 1460;
	p->n_routes = 1;
	p->nat.enabled = true;
	strcpy(p->nat.out_ifname, "v6mig0");
	p->nat.src = a->v4;
	p->nat.ports = (struct portset){ .offset = 6, .len = 8, .psid = 0x34 };
	p->filter.enabled = true;
	strcpy(p->filter.in_ifname, "v6mig0");
	p->filter.ours = (struct v4pfx){ a->v4, 32 };
	p->filter.ports = p->nat.ports;
	p->filter.mss = 1420;
}

/* A second tunnel beside mape_plan's: v6mig1 to 2001:db8::7, for
 * 192.0.2.128/25. */
FIXTURE void add_second_link(struct plan *p)
{
	p->links[1] = p->links[0];
	strcpy(p->links[1].name, "v6mig1");
	v6("2001:db8::7", &p->links[1].remote);
	p->n_links = 2;
	p->routes[1] = p->routes[0];
	strcpy(p->routes[1].dev, "v6mig1");
	assert_int_equal(v4pfx_parse("192.0.2.128/25", false, &p->routes[1].dst), 0);
	p->n_routes = 2;
}

FIXTURE int apply(struct t *t, const struct plan *p)
{
	int rc;

	memset(&t->e, 0, sizeof(t->e));
	rc = apply_plan(&t->be, t->dir, p, &t->st, &t->e);
	if (rc < 0)
		print_message("apply: %s\n", t->e.msg);
	return rc;
}

#endif
