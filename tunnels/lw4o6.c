/* SPDX-License-Identifier: MIT */
/* Lightweight 4over6 lwB4 (RFC 7596, HB46PP S12): one ip6tnl from the B4
 * address to the lwAFTR, the public IPv4 on it, NAT44 into the PSID's
 * port set. Pure. */
#include <errno.h>
#include <string.h>

#include "provdata.h"
#include "plan.h"

static int lw4o6_validate(const struct prov *p, struct err *e)
{
	const struct prov_lw4o6 *l = &p->lw4o6;
	char b[V6_STR_MAX];
	int rc;

	if (!l->present)
		return err_set(e, ENOENT, "the offer has no lw4o6");
	if (l->lwaftr_is_addr && (IN6_IS_ADDR_UNSPECIFIED(&l->lwaftr_addr) ||
				  IN6_IS_ADDR_MULTICAST(&l->lwaftr_addr)))
		return err_set(e, EINVAL, "lw4o6 lwaftr %s is not a unicast address",
			       v6addr_str(&l->lwaftr_addr, b));
	if (!l->lwaftr_is_addr && strnlen(l->lwaftr, sizeof(l->lwaftr)) == 0)
		return err_set(e, EINVAL, "lw4o6 has no lwaftr");
	if (l->ipv4.s_addr == htonl(INADDR_ANY))
		return err_set(e, EINVAL, "lw4o6 ipv4 %s is not an address",
			       v4addr_str(l->ipv4, b));
	if ((rc = portset_check(&l->ports, e)) < 0)
		return err_wrap(e, rc, "lw4o6");
	if (l->ipv6.len > 64)
		return err_set(e, EINVAL, "lw4o6 ipv6 %s is longer than /64",
			       v6pfx_str(&l->ipv6, b));
	return 0;
}

static int lwaftr_addr(const struct prov_lw4o6 *l, const struct wan_facts *w,
		       struct in6_addr *out, struct err *e)
{
	if (l->lwaftr_is_addr)
		*out = l->lwaftr_addr;
	else if (w->has_peer)
		*out = w->peer;
	else
		return err_set(e, EAGAIN, "lwaftr %s needs resolving", l->lwaftr);
	return 0;
}

static int lw4o6_plan(const struct prov *p, const struct wan_facts *w,
		      struct plan *out, struct err *e)
{
	const struct prov_lw4o6 *l = &p->lw4o6;
	struct portset all = { 0, 0, 0 };
	const struct portset *ps = l->ports.len ? &l->ports : &all;
	struct v4pfx ours = { .addr = l->ipv4, .len = 32 };
	struct in6_addr b4, remote;
	struct plan pl;
	int rc;

	if ((rc = lw4o6_validate(p, e)) < 0 ||
	    (rc = lwaftr_addr(l, w, &remote, e)) < 0)
		return rc;
	/* RFC 7596 5.1: the B4 address, the tunnel's source. */
	if ((rc = lw4o6_compute(&l->ipv6, l->ipv4, &l->ports, &b4, e)) < 0)
		return err_wrap(e, rc, "lw4o6");
	plan_init(&pl, METHOD_LW4O6);
	if ((rc = plan_add_tunnel(&pl, w, &b4, &remote, e)) < 0 ||
	    (rc = plan_add_addr6(&pl, w->wan, &b4, 128, true, e)) < 0 ||
	    (rc = plan_add_addr4(&pl, pl.scope.link, l->ipv4, 32, e)) < 0)
		return rc;
	/* RFC 7596 5.1: NAPT44 into the port set, which is also all the
	 * lwAFTR delivers to us. */
	plan_set_nat(&pl, l->ipv4, ps);
	plan_set_filter(&pl, &ours, ps);
	plan_set_info(&pl, l->ipv4, 32, ps, &b4, NULL, -1);
	*out = pl;
	return 0;
}

const struct method_ops lw4o6_ops = {
	.method = METHOD_LW4O6,
	.name = "lw4o6",
	.ip6tnl = true,
	.validate = lw4o6_validate,
	.plan = lw4o6_plan,
};
