/* SPDX-License-Identifier: MIT */
/* The WAN facts the planners need, read over netlink: the WAN's ifindex
 * and MTU, the global IPv6 addresses on the WAN and LAN interfaces (where
 * the CE's end-user prefix shows), and a WAN address for DS-Lite's local
 * end. Our own addresses (IFA_PROTO V6MIG_RTPROT: the MAP-E/lw4o6 source
 * /128) are not facts about the WAN and are left out. */
#include "rtnl.h"

#include <errno.h>
#include <linux/if_addr.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <stdio.h>
#include <string.h>

#include "nlutil.h"

struct facts {
	struct wan_facts w;
	int wan_idx;
	int lan_idx[PLAN_MAX_LAN];
	bool wan_addr_stable;
	/* Deprecated addresses (preferred lifetime 0: a prefix being left
	 * while renumbering) go after every preferred one, so a rule is
	 * picked by the prefix the CE moves to, whatever order the kernel
	 * dumps them in. */
	struct v6pfx old[PLAN_MAX_PREFIXES];
	size_t n_old;
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

static void add_prefix(struct wan_facts *w, const struct in6_addr *a,
		       unsigned plen)
{
	struct v6pfx p = { *a, (uint8_t)plen };

	/* One per network: a LAN's privacy addresses say nothing new. */
	for (size_t i = 0; i < w->n_prefixes; i++)
		if (w->prefixes[i].len == plen &&
		    v6pfx_contains(&w->prefixes[i], a))
			return;
	if (w->n_prefixes < PLAN_MAX_PREFIXES)
		w->prefixes[w->n_prefixes++] = p;
}

static int on_addr(const struct nladdr *a, void *arg)
{
	struct facts *f = arg;
	bool stable;

	if (a->family != AF_INET6 || !watched(f, a->ifindex) ||
	    !v6_is_global(&a->v6) || a->proto == V6MIG_RTPROT ||
	    (a->flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED)))
		return 0;
	if (a->flags & IFA_F_DEPRECATED) {
		if (f->n_old < PLAN_MAX_PREFIXES)
			f->old[f->n_old++] = (struct v6pfx){ a->v6, (uint8_t)a->plen };
		return 0;
	}
	add_prefix(&f->w, &a->v6, a->plen);
	if (a->ifindex != f->wan_idx)
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
	for (size_t i = 0; i < f->n_old; i++)
		add_prefix(&f->w, &f->old[i].addr, f->old[i].len);
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
