/* SPDX-License-Identifier: MIT */
/* MAP-T CE (RFC 7599, HB46PP S10): NAT44 into the BMR's port set, then a
 * stateless translator (RFC 7915) in eBPF between the IPv4 side and the
 * WAN. Pure.
 *
 * RFC 7599 5 and 8.1: the CE's IPv4 address, PSID and port set come from
 * the BMR exactly as MAP-E's (RFC 7597 5); the CE's MAP IPv6 address (RFC
 * 7599 6 = RFC 7597 6 interface identifier: HB46PP map_t has no version
 * key, so no draft-03 variant) is the source of everything translated.
 * Destinations outside the domain are embedded in the DMR (5.1: RFC 6052,
 * at most /96); 8.1: a destination matching a Forwarding Mapping Rule
 * goes to that CE's MAP IPv6 address. HB46PP gives one rule list and no
 * mesh flag for map_t, so every rule is an FMR (the BMR too). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "provdata.h"
#include "plan.h"

static int mapt_validate(const struct prov *p, struct err *e)
{
	const struct prov_map_t *m = &p->map_t;
	struct in_addr any = { 0 };
	struct in6_addr tmp;
	int rc;

	if (!m->present)
		return err_set(e, ENOENT, "the offer has no map_t");
	/* RFC 6052 2.2: 32, 40, 48, 56, 64 or 96, u octet zero. */
	if ((rc = rfc6052_embed(&m->dmr, any, &tmp, e)) < 0)
		return err_wrap(e, rc, "map_t dmr");
	if (!m->rules || m->n_rules == 0)
		return err_set(e, EINVAL, "map_t has no rules");
	if (m->n_rules > PLAN_XLAT_MAX_FMRS)
		return err_set(e, EINVAL, "map_t has %zu rules, more than %d",
			       m->n_rules, PLAN_XLAT_MAX_FMRS);
	for (size_t i = 0; i < m->n_rules; i++) {
		rc = map_rule_check(&m->rules[i], e);
		if (rc < 0)
			return err_wrap(e, rc, "map_t rule %zu", i);
	}
	return 0;
}

/* The CE's IPv4 side, as MAP-E's: the address with its port set, or for
 * a delegated IPv4 prefix (RFC 7597 5.2) its first address with every
 * port. The address sits on the IPv4-side device; NAT44 goes to it once
 * plan_add_xlat() has given the plan its instance's device. */
static int plan_ipv4(struct plan *pl, const struct wan_facts *w,
		     const struct map_result *r, const struct portset **ps,
		     struct err *e)
{
	static const struct portset all = { .offset = 0, .len = 0, .psid = 0 };
	bool shared = r->ipv4_plen == 32 && r->ports.len > 0;

	*ps = shared ? &r->ports : &all;
	return plan_add_addr4(pl, plan_xlat_dev(&w->scope), r->ipv4, 32, e);
}

static int plan_fmrs(struct plan *pl, const struct prov_map_t *m,
		     struct err *e)
{
	int rc;

	for (size_t i = 0; i < m->n_rules; i++)
		if ((rc = plan_add_fmr(pl, &m->rules[i], e)) < 0)
			return rc;
	return 0;
}

static int mapt_plan(const struct prov *p, const struct wan_facts *w,
		     struct plan *out, struct err *e)
{
	const struct prov_map_t *m = &p->map_t;
	const struct portset *ps;
	struct map_result res;
	struct plan pl;
	int rule, rc;

	if ((rc = mapt_validate(p, e)) < 0)
		return rc;
	rule = plan_map_bmr(m->rules, m->n_rules, "map_t", w,
			    MAP_LAYOUT_RFC7597, &res, e);
	if (rule < 0)
		return rule;

	plan_init(&pl, METHOD_MAP_T);
	/* The MAP-T address, like MAP-E's tunnel source, is a /128 on the
	 * WAN (nodad): the access router's neighbour discovery finds it,
	 * and the translator takes what arrives for it. */
	if ((rc = plan_add_addr6(&pl, w->wan, &res.ce_ipv6, 128, true, e)) < 0 ||
	    (rc = plan_ipv4(&pl, w, &res, &ps, e)) < 0 ||
	    (rc = plan_add_xlat(&pl, w, res.ipv4, &res.ce_ipv6,
				PLAN_XLAT_ND_ADDR, &m->dmr, ps, e)) < 0 ||
	    (rc = plan_fmrs(&pl, m, e)) < 0)
		return rc;
	plan_set_nat(&pl, res.ipv4, ps);
	plan_set_info(&pl, res.ipv4, res.ipv4_plen,
		      res.ipv4_plen == 32 ? &res.ports : NULL, &res.ce_ipv6,
		      &res.eup, rule);
	*out = pl;
	return 0;
}

const struct method_ops mapt_ops = {
	.method = METHOD_MAP_T,
	.name = "map_t",
	.validate = mapt_validate,
	.plan = mapt_plan,
};
