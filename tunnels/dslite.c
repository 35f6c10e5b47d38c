/* SPDX-License-Identifier: MIT */
/* DS-Lite B4 (RFC 6333, HB46PP S11): one ip6tnl from a global WAN
 * address to the AFTR, the well-known B4 address on it, the IPv4 default
 * route into it. No NAT44 on the CPE: the AFTR does it. Pure. */
#include <errno.h>
#include <string.h>

#include "provdata.h"
#include "plan.h"

/* RFC 6333 5.7: 192.0.0.0/29 is reserved for the B4-AFTR link; the B4
 * takes 192.0.0.2 (the AFTR 192.0.0.1). */
#define B4_IPV4 0xc0000002u
#define B4_PLEN 29

static int dslite_validate(const struct prov *p, struct err *e)
{
	const struct prov_dslite *d = &p->dslite;
	char b[V6_STR_MAX];

	if (!d->present)
		return err_set(e, ENOENT, "the offer has no dslite");
	if (d->aftr_is_addr && (IN6_IS_ADDR_UNSPECIFIED(&d->aftr_addr) ||
				IN6_IS_ADDR_MULTICAST(&d->aftr_addr)))
		return err_set(e, EINVAL, "dslite aftr %s is not a unicast address",
			       v6addr_str(&d->aftr_addr, b));
	if (!d->aftr_is_addr && strnlen(d->aftr, sizeof(d->aftr)) == 0)
		return err_set(e, EINVAL, "dslite has no aftr");
	return 0;
}

/* S11: a literal is used as it is; a name is resolved by the agent (AAAA
 * through the WAN's resolvers) and handed in as w->peer. */
static int aftr_addr(const struct prov_dslite *d, const struct wan_facts *w,
		     struct in6_addr *out, struct err *e)
{
	if (d->aftr_is_addr)
		*out = d->aftr_addr;
	else if (w->has_peer)
		*out = w->peer;
	else
		return err_set(e, EAGAIN, "aftr %s needs resolving", d->aftr);
	return 0;
}

static int dslite_plan(const struct prov *p, const struct wan_facts *w,
		       struct plan *out, struct err *e)
{
	struct in_addr b4 = { .s_addr = htonl(B4_IPV4) };
	struct in6_addr remote;
	struct plan pl;
	int rc;

	if ((rc = dslite_validate(p, e)) < 0 ||
	    (rc = aftr_addr(&p->dslite, w, &remote, e)) < 0)
		return rc;
	/* RFC 6333 5.2: the B4's tunnel source is an address it already
	 * has on the WAN; nothing is added there. */
	if (!w->has_wan_addr)
		return err_set(e, ENOENT,
			       "no global IPv6 address on the WAN%s%s for the DS-Lite tunnel",
			       w->wan[0] ? " interface " : "", w->wan);
	plan_init(&pl, METHOD_DSLITE);
	if ((rc = plan_add_tunnel(&pl, w, &w->wan_addr, &remote, e)) < 0 ||
	    (rc = plan_add_addr4(&pl, pl.scope.link, b4, B4_PLEN, e)) < 0)
		return rc;
	plan_set_info(&pl, b4, B4_PLEN, NULL, &w->wan_addr, NULL, -1);
	*out = pl;
	return 0;
}

const struct method_ops dslite_ops = {
	.method = METHOD_DSLITE,
	.name = "dslite",
	.ip6tnl = true,
	.validate = dslite_validate,
	.plan = dslite_plan,
};
