/* SPDX-License-Identifier: MIT */
/* IPv4-in-IPv6 (RFC 2473, HB46PP S14), the fixed-address services: one
 * ip6tnl from ipv6_local to ipv6_remote, the offer's IPv4 on it, NAT44 of
 * the LAN to that address with every port. Pure. */
#include <errno.h>
#include <string.h>

#include "provdata.h"
#include "plan.h"

static int entry_check(const struct prov_ipip_entry *en, size_t i,
		       struct err *e)
{
	char b[V6_STR_MAX];

	if (IN6_IS_ADDR_UNSPECIFIED(&en->remote) ||
	    IN6_IS_ADDR_MULTICAST(&en->remote))
		return err_set(e, EINVAL,
			       "ipip entry %zu: ipv6_remote %s is not a unicast address",
			       i, v6addr_str(&en->remote, b));
	if (IN6_IS_ADDR_MULTICAST(&en->local))
		return err_set(e, EINVAL,
			       "ipip entry %zu: ipv6_local %s is not a unicast address",
			       i, v6addr_str(&en->local, b));
	if (en->ipv4.len == 0 || en->ipv4.len > 32 ||
	    en->ipv4.addr.s_addr == htonl(INADDR_ANY))
		return err_set(e, EINVAL, "ipip entry %zu: ipv4 %s is not an address",
			       i, v4pfx_str(&en->ipv4, b));
	return 0;
}

static int ipip_validate(const struct prov *p, struct err *e)
{
	const struct prov_ipip *ip = &p->ipip;
	int rc;

	if (!ip->present)
		return err_set(e, ENOENT, "the offer has no ipip");
	if (ip->n == 0)
		return err_set(e, EINVAL, "ipip has no entries");
	if (ip->n > PROV_IPIP_MAX)
		return err_set(e, EINVAL, "ipip has %zu entries, more than %d",
			       ip->n, PROV_IPIP_MAX);
	for (size_t i = 0; i < ip->n; i++)
		if ((rc = entry_check(&ip->entries[i], i, e)) < 0)
			return rc;
	return 0;
}

/* ipv6_local is the tunnel source, added as a /128 (nodad) when given;
 * an entry without one uses the WAN's own global address. */
static int local_addr(const struct prov_ipip_entry *en,
		      const struct wan_facts *w, struct in6_addr *out,
		      bool *add, struct err *e)
{
	*add = !IN6_IS_ADDR_UNSPECIFIED(&en->local);
	if (*add)
		*out = en->local;
	else if (w->has_wan_addr)
		*out = w->wan_addr;
	else
		return err_set(e, ENOENT,
			       "ipip entry %u has no ipv6_local and the WAN no global IPv6 address",
			       w->ipip_index);
	return 0;
}

static int ipip_plan(const struct prov *p, const struct wan_facts *w,
		     struct plan *out, struct err *e)
{
	const struct prov_ipip_entry *en;
	struct portset all = { 0, 0, 0 };
	struct v4pfx ours;
	struct in6_addr local;
	struct plan pl;
	bool add;
	int rc;

	if ((rc = ipip_validate(p, e)) < 0)
		return rc;
	if (w->ipip_index >= p->ipip.n)
		return err_set(e, EINVAL, "ipip entry %u does not exist (the offer has %zu)",
			       w->ipip_index, p->ipip.n);
	en = &p->ipip.entries[w->ipip_index];
	if ((rc = local_addr(en, w, &local, &add, e)) < 0)
		return rc;
	plan_init(&pl, METHOD_IPIP);
	if ((rc = plan_add_tunnel(&pl, w, &local, &en->remote, e)) < 0 ||
	    (add && (rc = plan_add_addr6(&pl, w->wan, &local, 128, true, e)) < 0) ||
	    (rc = plan_add_addr4(&pl, pl.scope.link, en->ipv4.addr,
				 en->ipv4.len, e)) < 0)
		return rc;
	/* S14: the address (or prefix) is the line's own, every port. */
	ours.len = en->ipv4.len;
	ours.addr.s_addr = en->ipv4.addr.s_addr & htonl(v4_mask(ours.len));
	plan_set_nat(&pl, en->ipv4.addr, &all);
	plan_set_filter(&pl, &ours, &all);
	plan_set_info(&pl, en->ipv4.addr, en->ipv4.len, NULL, &local, NULL, -1);
	*out = pl;
	return 0;
}

const struct method_ops ipip_ops = {
	.method = METHOD_IPIP,
	.name = "ipip",
	.ip6tnl = true,
	.validate = ipip_validate,
	.plan = ipip_plan,
};
