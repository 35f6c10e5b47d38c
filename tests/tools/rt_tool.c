/* SPDX-License-Identifier: MIT */
/* rt_tool: netlink/rtnl.c's backend functions, the WAN facts reader and
 * the watcher, one call per command, for tests/ns/test_rtnl.sh (which
 * checks the kernel state they leave with ip -j). Test-only.
 *
 *   rt_tool addr add|del IFNAME ADDR/PLEN [nodad] [proto N]
 *   rt_tool route add|replace|del DEV DST/LEN [mtu N] [proto N]
 *   rt_tool link add NAME UNDERLAY LOCAL REMOTE MTU
 *   rt_tool read [IFNAME...]
 *   rt_tool facts WAN [LAN...]
 *   rt_tool watch WAN [LAN...]   (then "drain" lines on stdin; each answers
 *                                "changed" or "unchanged", and "; lost WHAT"
 *                                when something of ours went) */
#include "../../netlink/rtnl.h" /* net/if.h before linux/if.h */

#include <errno.h>
#include <linux/if_addr.h>
#include <linux/ip6_tunnel.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const struct err *e)
{
	fprintf(stderr, "rt_tool: %s\n", e->msg);
	return 1;
}

static int usage(void)
{
	fprintf(stderr, "rt_tool: bad arguments (see the source)\n");
	return 2;
}

/* Trailing "key value" pairs and flags: nodad, mtu N, proto N. */
static void opts(int argc, char **argv, bool *nodad, unsigned *mtu,
		 unsigned *proto)
{
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "nodad"))
			*nodad = true;
		else if (!strcmp(argv[i], "mtu") && i + 1 < argc)
			*mtu = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "proto") && i + 1 < argc)
			*proto = (unsigned)strtoul(argv[++i], NULL, 10);
	}
}

static int cmd_addr(struct rt_ctx *c, int argc, char **argv)
{
	struct plan_addr pa;
	struct kaddr k;
	struct v6pfx p6;
	struct v4pfx p4;
	unsigned mtu = 0, proto = V6MIG_RTPROT;
	struct err e;

	if (argc < 3)
		return usage();
	memset(&pa, 0, sizeof(pa));
	snprintf(pa.ifname, sizeof(pa.ifname), "%s", argv[1]);
	if (v6pfx_parse(argv[2], false, &p6) == 0) {
		pa.family = AF_INET6;
		pa.v6 = p6.addr;
		pa.plen = p6.len;
	} else if (v4pfx_parse(argv[2], false, &p4) == 0) {
		pa.family = AF_INET;
		pa.v4 = p4.addr;
		pa.plen = p4.len;
	} else {
		return usage();
	}
	opts(argc - 3, argv + 3, &pa.nodad, &mtu, &proto);
	kaddr_from_plan(&pa, &k);
	k.proto = (uint8_t)proto;
	if ((!strcmp(argv[0], "add") ? rt_addr_add(c, &k, &e) :
	     rt_addr_del(c, &k, &e)) < 0)
		return fail(&e);
	return 0;
}

static int cmd_route(struct rt_ctx *c, int argc, char **argv)
{
	struct plan_route pr;
	struct kroute k;
	unsigned proto = V6MIG_RTPROT;
	bool dummy = false;
	struct err e;
	int rc;

	if (argc < 3)
		return usage();
	memset(&pr, 0, sizeof(pr));
	snprintf(pr.dev, sizeof(pr.dev), "%s", argv[1]);
	pr.family = AF_INET;
	if (v4pfx_parse(argv[2], false, &pr.dst))
		return usage();
	opts(argc - 3, argv + 3, &dummy, &pr.mtu, &proto);
	kroute_from_plan(&pr, &k);
	k.protocol = (uint8_t)proto;
	if (!strcmp(argv[0], "del"))
		rc = rt_route_del(c, &k, &e);
	else
		rc = rt_route_add(c, &k, !strcmp(argv[0], "replace"), &e);
	return rc < 0 ? fail(&e) : 0;
}

static int cmd_link(struct rt_ctx *c, int argc, char **argv)
{
	struct plan_link pl;
	struct klink k;
	struct err e;

	if (argc != 6 || strcmp(argv[0], "add"))
		return usage();
	memset(&pl, 0, sizeof(pl));
	snprintf(pl.name, sizeof(pl.name), "%s", argv[1]);
	snprintf(pl.underlay, sizeof(pl.underlay), "%s", argv[2]);
	if (v6addr_parse(argv[3], &pl.local) || v6addr_parse(argv[4], &pl.remote))
		return usage();
	pl.hoplimit = V6MIG_TUNNEL_HOPLIMIT;
	pl.flags = IP6_TNL_F_IGN_ENCAP_LIMIT;
	pl.proto = IPPROTO_IPIP;
	pl.mtu = (uint32_t)strtoul(argv[5], NULL, 10);
	klink_from_plan(&pl, &k);
	return rt_link_add(c, &k, &e) < 0 ? fail(&e) : 0;
}

static void print_state(const struct kstate *k)
{
	char a[V6_STR_MAX], b[V6_STR_MAX];

	for (size_t i = 0; i < k->n_links; i++) {
		const struct klink *l = &k->links[i];

		printf("link %s kind %s underlay %s local %s remote %s hoplimit %u "
		       "flags %#x proto %u mtu %u up %d\n", l->l.name, l->kind,
		       l->l.underlay, v6addr_str(&l->l.local, a),
		       v6addr_str(&l->l.remote, b), l->l.hoplimit, l->l.flags,
		       l->l.proto, l->l.mtu, l->up);
	}
	for (size_t i = 0; i < k->n_addrs; i++) {
		const struct kaddr *x = &k->addrs[i];

		printf("addr %s %s/%u nodad %d tentative %d proto %u\n",
		       x->a.ifname, x->a.family == AF_INET6 ?
		       v6addr_str(&x->a.v6, a) : v4addr_str(x->a.v4, a),
		       x->a.plen, x->a.nodad, !!(x->flags & IFA_F_TENTATIVE),
		       x->proto);
	}
	for (size_t i = 0; i < k->n_routes; i++) {
		const struct kroute *r = &k->routes[i];

		printf("route %s dev %s mtu %u table %u proto %u scope %u\n",
		       v4pfx_str(&r->r.dst, a), r->r.dev, r->r.mtu, r->table,
		       r->protocol, r->scope);
	}
}

static int cmd_read(struct rt_ctx *c, int argc, char **argv)
{
	struct kstate *k = malloc(sizeof(*k));
	struct err e;
	int rc;

	if (!k)
		return 1;
	rc = rt_read(c, (const char *const *)argv, (size_t)argc, k, &e);
	if (rc == 0)
		print_state(k);
	free(k);
	return rc < 0 ? fail(&e) : 0;
}

static int cmd_facts(int argc, char **argv)
{
	struct wan_facts w;
	char a[V6_STR_MAX];
	struct err e;

	if (argc < 1)
		return usage();
	memset(&w, 0, sizeof(w));
	if (wan_facts_read(argv[0], (const char *const *)argv + 1,
			   (size_t)argc - 1, &w, &e) < 0)
		return fail(&e);
	printf("wan %s mtu %u\n", w.wan, w.wan_mtu);
	for (size_t i = 0; i < w.n_prefixes; i++)
		printf("prefix %s\n", v6pfx_str(&w.prefixes[i], a));
	if (w.has_wan_addr)
		printf("wan_addr %s\n", v6addr_str(&w.wan_addr, a));
	for (size_t i = 0; i < w.n_lan; i++)
		printf("lan %s\n", w.lan[i]);
	return 0;
}

static int cmd_watch(int argc, char **argv)
{
	struct rt_watch *w;
	char line[64], what[256];
	bool changed;
	struct err e;

	if (argc < 1)
		return usage();
	if (rt_watch_open(argv[0], (const char *const *)argv + 1,
			  (size_t)argc - 1, &w, &e) < 0)
		return fail(&e);
	printf("ready\n");
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin)) {
		if (rt_watch_drain(w, &changed, &e) < 0) {
			rt_watch_free(w);
			return fail(&e);
		}
		if (rt_watch_lost(w, what, sizeof(what)))
			printf("%s; lost %s\n", changed ? "changed" : "unchanged", what);
		else
			printf("%s\n", changed ? "changed" : "unchanged");
		fflush(stdout);
	}
	rt_watch_free(w);
	return 0;
}

int main(int argc, char **argv)
{
	struct rt_ctx *c;
	struct err e;
	int rc;

	if (argc < 2)
		return usage();
	if (!strcmp(argv[1], "facts"))
		return cmd_facts(argc - 2, argv + 2);
	if (!strcmp(argv[1], "watch"))
		return cmd_watch(argc - 2, argv + 2);
	if (rt_ctx_new(&c, &e) < 0)
		return fail(&e);
	if (!strcmp(argv[1], "addr") && argc >= 3)
		rc = cmd_addr(c, argc - 2, argv + 2);
	else if (!strcmp(argv[1], "route") && argc >= 3)
		rc = cmd_route(c, argc - 2, argv + 2);
	else if (!strcmp(argv[1], "link") && argc >= 3)
		rc = cmd_link(c, argc - 2, argv + 2);
	else if (!strcmp(argv[1], "read"))
		rc = cmd_read(c, argc - 2, argv + 2);
	else
		rc = usage();
	rt_ctx_free(c);
	return rc;
}
