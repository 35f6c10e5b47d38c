/* SPDX-License-Identifier: MIT */
/* 464XLAT CLAT (RFC 6877, HB46PP S13): the LAN NAT44'd to 192.0.0.1 (RFC
 * 7335), then translated statelessly (RFC 7915) with every IPv4
 * destination embedded in the offer's nat64prefix (RFC 6052, any of its
 * lengths) and one CLAT IPv6 address as the source. Pure.
 *
 * The CLAT address (RFC 6877 6.3: a dedicated /64 from DHCPv6-PD for the
 * translated packets, else one address "claimed by the CLAT via the
 * Neighbor Discovery Protocol and defended with DAD", behind NAT44):
 * - with a delegated prefix (a LAN-side prefix, or --prefix): in it, so
 *   the access router already routes it to us -- no neighbour discovery;
 *   a shorter prefix gives its last /64, dedicated (LANs are numbered
 *   from the first); a LAN's /64 is shared with that LAN;
 * - else on the WAN's /64, as a /128 on the WAN with DAD: the kernel
 *   answers the access router's neighbour solicitations for it (an added
 *   address rather than proxy NDP or an anycast join: it needs no sysctl
 *   and no socket held open, and `down` removes it like MAP-E's).
 * In both, the interface ID is CLAT_IID: 192.0.0.1 in its low 32 bits,
 * unlike a SLAAC, privacy or MAP (RFC 7597 6) interface ID. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "provdata.h"
#include "plan.h"

#define CLAT_IID 0xc0000001u /* ::c000:1, the low 32 bits */

static int xlat_validate(const struct prov *p, struct err *e)
{
	struct in_addr any = { 0 };
	struct in6_addr tmp;
	int rc;

	if (!p->xlat.present)
		return err_set(e, ENOENT, "the offer has no 464xlat");
	/* RFC 6052 2.2: 32, 40, 48, 56, 64 or 96, u octet zero. */
	rc = rfc6052_embed(&p->xlat.nat64prefix, any, &tmp, e);
	return rc < 0 ? err_wrap(e, rc, "464xlat nat64prefix") : 0;
}

/* The delegated prefix: --prefix, else the first prefix of /64 or
 * shorter that does not hold the WAN's own address (facts list the LAN's
 * prefixes with the WAN's). */
static const struct v6pfx *delegated(const struct wan_facts *w)
{
	if (w->has_forced_prefix)
		return w->forced_prefix.len <= 64 ? &w->forced_prefix : NULL;
	for (size_t i = 0; i < w->n_prefixes && i < PLAN_MAX_PREFIXES; i++) {
		const struct v6pfx *p = &w->prefixes[i];

		if (p->len <= 64 && !(w->has_wan_addr &&
				      v6pfx_contains(p, &w->wan_addr)))
			return p;
	}
	return NULL;
}

/* The WAN's /64: the prefix of /64 or shorter that holds its address,
 * else the address's own /64 (a DHCPv6 /128, or --wan-addr: the link's
 * on-link prefix is a /64 by RFC 4291 2.5.1). */
static bool wan64(const struct wan_facts *w, struct v6pfx *out)
{
	if (!w->has_wan_addr)
		return false;
	for (size_t i = 0; i < w->n_prefixes && i < PLAN_MAX_PREFIXES; i++) {
		const struct v6pfx *p = &w->prefixes[i];

		if (p->len <= 64 && v6pfx_contains(p, &w->wan_addr)) {
			*out = *p;
			return true;
		}
	}
	out->addr = w->wan_addr;
	out->len = 64;
	return true;
}

static int clat_addr(const struct wan_facts *w, struct in6_addr *a,
		     struct v6pfx *net, enum plan_xlat_nd *nd, struct err *e)
{
	const struct v6pfx *p = delegated(w);
	struct v6pfx link;
	char b[V6_STR_MAX];

	*nd = PLAN_XLAT_ND_ROUTED;
	if (!p && w->has_forced_prefix)
		return err_set(e, EINVAL,
			       "--prefix %s is longer than /64: no /64 for the CLAT address",
			       v6pfx_str(&w->forced_prefix, b));
	if (!p && !wan64(w, &link))
		return err_set(e, ENOENT,
			       "no delegated prefix and no address on the WAN for the CLAT address");
	if (!p) {
		p = &link;
		*nd = PLAN_XLAT_ND_ADDR;
	}
	*a = p->addr;
	v6_mask(a, p->len);
	/* The last /64 of a shorter prefix: every subnet-ID bit set. */
	if (p->len < 64)
		v6_set_bits(a, p->len, 64u - p->len, ~0ULL);
	v6_set_bits(a, 64, 64, CLAT_IID);
	net->addr = *a;
	v6_mask(&net->addr, 64);
	net->len = 64;
	return 0;
}

static int xlat_plan(const struct prov *p, const struct wan_facts *w,
		     struct plan *out, struct err *e)
{
	struct in6_addr clat;
	struct v6pfx net;
	struct in_addr v4;
	enum plan_xlat_nd nd;
	struct plan pl;
	int rc;

	if ((rc = xlat_validate(p, e)) < 0 ||
	    (rc = clat_addr(w, &clat, &net, &nd, e)) < 0)
		return rc;
	(void)v4addr_parse(PLAN_CLAT_IPV4, &v4);

	plan_init(&pl, METHOD_464XLAT);
	if (nd == PLAN_XLAT_ND_ADDR &&
	    (rc = plan_add_addr6(&pl, w->wan, &clat, 128, false, e)) < 0)
		return rc;
	/* RFC 6877 6.3: the stateful NAT44 of the LAN to the CLAT's own
	 * IPv4 (every port), which the translator maps to clat. */
	if ((rc = plan_add_addr4(&pl, plan_xlat_dev(&w->scope), v4, 32, e)) < 0 ||
	    (rc = plan_add_xlat(&pl, w, v4, &clat, nd, &p->xlat.nat64prefix,
				NULL, e)) < 0)
		return rc;
	plan_set_nat(&pl, v4, &pl.xlat.ports);
	plan_set_info(&pl, v4, 32, NULL, &clat, &net, -1);
	*out = pl;
	return 0;
}

const struct method_ops xlat464_ops = {
	.method = METHOD_464XLAT,
	.name = "464xlat",
	.validate = xlat_validate,
	.plan = xlat_plan,
};
