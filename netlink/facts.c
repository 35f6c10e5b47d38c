/* SPDX-License-Identifier: MIT */
/* The WAN facts the planners need, read over netlink: the WAN's ifindex
 * and MTU, the global IPv6 addresses on the WAN and LAN interfaces (where
 * the CE's end-user prefix shows), and a WAN address for DS-Lite's local
 * end. Our own addresses (IFA_PROTO V6MIG_RTPROT: the MAP-E/lw4o6 source
 * /128) are not facts about the WAN and are left out. */
#include "rtnl.h"
#include "facts.h"

#include <errno.h>
#include <linux/if_addr.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nlutil.h"

#define FACTS_MAX_CANDS (4 * PLAN_MAX_PREFIXES)

struct facts {
	struct wan_facts w;
	int wan_idx;
	int lan_idx[PLAN_MAX_LAN];
	bool wan_addr_stable;
	/* Every candidate, sorted once the dump is done (facts.h): the
	 * kernel's dump order says nothing (addresses come newest first). */
	struct wan_cand cand[FACTS_MAX_CANDS];
	size_t n_cand;
};

static int link_lookup(struct nlconn *c, const char *name, int *idx,
		       uint32_t *mtu, struct err *e)
{
	struct rtnl_link *l = NULL;
	int rc;

	if (strlen(name) >= IFNAMSIZ)
		return err_set(e, EINVAL, "interface name '%s' too long", name);
	rc = rtnl_link_get_kernel(c->sk, 0, name, &l);
	if (rc < 0)
		return err_set(e, ENODEV, "no interface '%s'%s%s", name,
			       c->ack_text[0] ? ": " : "", c->ack_text);
	*idx = rtnl_link_get_ifindex(l);
	if (mtu)
		*mtu = rtnl_link_get_mtu(l);
	rtnl_link_put(l);
	return 0;
}

static bool watched(const struct facts *f, int idx)
{
	if (idx == f->wan_idx)
		return true;
	for (size_t i = 0; i < f->w.n_lan; i++)
		if (idx == f->lan_idx[i])
			return true;
	return false;
}

static int cand_rank(const struct wan_cand *c)
{
	return (c->deprecated ? 4 : 0) + (c->lan ? 0 : c->p.len < 128 ? 1 : 2);
}

static int cand_cmp(const void *x, const void *y)
{
	const struct wan_cand *a = x, *b = y;
	int d = cand_rank(a) - cand_rank(b);

	if (d)
		return d;
	if ((d = memcmp(&a->p.addr, &b->p.addr, sizeof(a->p.addr))))
		return d;
	return (int)a->p.len - (int)b->p.len;
}

void wan_cands_sort(struct wan_cand *c, size_t n)
{
	qsort(c, n, sizeof(*c), cand_cmp);
}

void wan_cands_to_facts(const struct wan_cand *c, size_t n,
			struct wan_facts *w)
{
	w->n_prefixes = 0;
	for (size_t i = 0; i < n; i++) {
		bool seen = false;

		/* One per network: a LAN's privacy addresses say nothing new. */
		for (size_t j = 0; j < w->n_prefixes && !seen; j++)
			seen = w->prefixes[j].len == c[i].p.len &&
			       v6pfx_contains(&w->prefixes[j], &c[i].p.addr);
		if (!seen && w->n_prefixes < PLAN_MAX_PREFIXES)
			w->prefixes[w->n_prefixes++] = c[i].p;
	}
}

/* Another address of a network already held (privacy addresses) keeps
 * one entry, the lowest address: the same whatever the dump order. */
static void add_cand(struct facts *f, const struct wan_cand *c)
{
	for (size_t i = 0; i < f->n_cand; i++) {
		struct wan_cand *x = &f->cand[i];

		if (x->lan != c->lan || x->deprecated != c->deprecated ||
		    x->p.len != c->p.len || c->p.len == 128 ||
		    !v6pfx_contains(&x->p, &c->p.addr))
			continue;
		if (memcmp(&c->p.addr, &x->p.addr, sizeof(c->p.addr)) < 0)
			x->p = c->p;
		return;
	}
	if (f->n_cand < FACTS_MAX_CANDS)
		f->cand[f->n_cand++] = *c;
}

static int on_addr(const struct nladdr *a, void *arg)
{
	struct facts *f = arg;
	bool stable;

	if (a->family != AF_INET6 || !watched(f, a->ifindex) ||
	    !v6_is_global(&a->v6) || a->proto == V6MIG_RTPROT ||
	    (a->flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED)))
		return 0;
	add_cand(f, &(struct wan_cand){
		.p = { a->v6, (uint8_t)a->plen },
		.lan = a->ifindex != f->wan_idx,
		.deprecated = (a->flags & IFA_F_DEPRECATED) != 0,
	});
	if (a->ifindex != f->wan_idx || (a->flags & IFA_F_DEPRECATED))
		return 0;
	/* DS-Lite's local end: a stable address, not a privacy one. */
	stable = !(a->flags & IFA_F_TEMPORARY);
	if (!f->w.has_wan_addr || (stable && !f->wan_addr_stable)) {
		f->w.wan_addr = a->v6;
		f->w.has_wan_addr = true;
		f->wan_addr_stable = stable;
	}
	return 0;
}

static int read_facts(struct nlconn *c, const char *wan,
		      const char *const *lans, size_t n_lans, struct facts *f,
		      struct err *e)
{
	int rc;

	if (n_lans > PLAN_MAX_LAN)
		return err_set(e, E2BIG, "over %d LAN interfaces", PLAN_MAX_LAN);
	if ((rc = link_lookup(c, wan, &f->wan_idx, &f->w.wan_mtu, e)))
		return rc;
	snprintf(f->w.wan, sizeof(f->w.wan), "%s", wan);
	for (size_t i = 0; i < n_lans; i++) {
		if ((rc = link_lookup(c, lans[i], &f->lan_idx[i], NULL, e)))
			return rc;
		snprintf(f->w.lan[i], sizeof(f->w.lan[i]), "%s", lans[i]);
		f->w.n_lan = i + 1;
	}
	if ((rc = nlconn_dump_addrs(c, on_addr, f, e)))
		return rc;
	wan_cands_sort(f->cand, f->n_cand);
	wan_cands_to_facts(f->cand, f->n_cand, &f->w);
	return 0;
}

int wan_facts_read(const char *wan, const char *const *lans, size_t n_lans,
		   struct wan_facts *out, struct err *e)
{
	struct nlconn c;
	struct facts f;
	int rc;

	if ((rc = nlconn_open(&c, e)))
		return rc;
	for (int i = 0; i < 3; i++) { /* a dump interrupted by a change */
		memset(&f, 0, sizeof(f));
		rc = read_facts(&c, wan, lans, n_lans, &f, e);
		if (rc != -EAGAIN)
			break;
	}
	nlconn_close(&c);
	if (rc)
		return rc;
	memcpy(out->wan, f.w.wan, sizeof(out->wan));
	out->wan_mtu = f.w.wan_mtu;
	memcpy(out->prefixes, f.w.prefixes, sizeof(out->prefixes));
	out->n_prefixes = f.w.n_prefixes;
	out->wan_addr = f.w.wan_addr;
	out->has_wan_addr = f.w.has_wan_addr;
	memcpy(out->lan, f.w.lan, sizeof(out->lan));
	out->n_lan = f.w.n_lan;
	return 0;
}
