/* SPDX-License-Identifier: MIT */
/* MAP-E (RFC 7597, HB46PP S9). Pure.
 *
 * Hub-and-spoke (`mesh` 0 or absent): one ip6tnl from the CE address to
 * the BR, NAT44 into the port set. Packets other CEs send us directly
 * (not through the BR) are not accepted, as RFC 7597 8.1 has a CE without
 * FMRs do: the tunnel is point-to-point with the BR.
 *
 * Mesh (`mesh` 1, when the agent found that this build and kernel can run
 * the mesh programs: wan_facts.can_mesh): no ip6tnl; the IPv4-side veth
 * with the same address, route, NAT44 and receive filter, and the plan's
 * mesh section for the eBPF programs, every rule an FMR (RFC 7597 5).
 * Without can_mesh a mesh offer is planned hub-and-spoke: all IPv4 by the
 * default mapping to the BR, which delivers to any CE of the domain. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "provdata.h"
#include "plan.h"

static int mape_validate(const struct prov *p, struct err *e)
{
	const struct prov_map_e *m = &p->map_e;
	char b[V6_STR_MAX];
	int rc;

	if (!m->present)
		return err_set(e, ENOENT, "the offer has no map_e");
	/* S9: 0 (or absent) = draft-03, 1 = RFC 7597. */
	if (m->version != 0 && m->version != 1)
		return err_set(e, EINVAL, "map_e version %d is not 0 or 1",
			       m->version);
	if (!m->rules || m->n_rules == 0)
		return err_set(e, EINVAL, "map_e has no rules");
	if (m->n_rules > MAP_MAX_RULES)
		return err_set(e, EINVAL, "map_e has %zu rules, more than %d",
			       m->n_rules, MAP_MAX_RULES);
	if (IN6_IS_ADDR_UNSPECIFIED(&m->br) || IN6_IS_ADDR_MULTICAST(&m->br))
		return err_set(e, EINVAL, "map_e br %s is not a unicast address",
			       v6addr_str(&m->br, b));
	for (size_t i = 0; i < m->n_rules; i++) {
		rc = map_rule_check(&m->rules[i], e);
		if (rc < 0)
			return err_wrap(e, rc, "map_e rule %zu", i);
	}
	return 0;
}

/* The CE's IPv4 side: the address and its port set, or, for a delegated
 * IPv4 prefix (EA bits fewer than the suffix, RFC 7597 5.2), its first
 * address with every port -- the rest of the prefix is left unused (no
 * routed LAN yet) and dropped on receive, so nothing loops back. */
static int plan_ipv4(struct plan *pl, const struct map_result *r,
		     struct err *e)
{
	struct v4pfx ours = { .addr = r->ipv4, .len = 32 };
	struct portset all = { .offset = 0, .len = 0, .psid = 0 };
	bool shared = r->ipv4_plen == 32 && r->ports.len > 0;
	const struct portset *ps = shared ? &r->ports : &all;
	int rc;

	rc = plan_add_addr4(pl, pl->scope.link, r->ipv4, 32, e);
	if (rc < 0)
		return rc;
	plan_set_nat(pl, r->ipv4, ps);
	plan_set_filter(pl, &ours, ps);
	return 0;
}

/* The ip6tnl to the BR, or (mesh) the programs' device and rules. */
static int plan_carrier(struct plan *pl, const struct prov_map_e *m,
			const struct wan_facts *w, const struct map_result *r,
			enum map_layout layout, struct err *e)
{
	static const struct portset all = { .offset = 0, .len = 0, .psid = 0 };
	bool shared = r->ipv4_plen == 32 && r->ports.len > 0;

	if (!m->mesh || !w->can_mesh)
		return plan_add_tunnel(pl, w, &r->ce_ipv6, &m->br, e);
	return plan_add_mesh(pl, w, r->ipv4, &r->ce_ipv6, &m->br, layout,
			     shared ? &r->ports : &all, m->rules, m->n_rules, e);
}

static int mape_plan(const struct prov *p, const struct wan_facts *w,
		     struct plan *out, struct err *e)
{
	const struct prov_map_e *m = &p->map_e;
	enum map_layout layout;
	struct map_result res;
	struct plan pl;
	int rule, rc;

	if ((rc = mape_validate(p, e)) < 0)
		return rc;
	/* S9: version 0 (or absent) is draft-03's interface identifier. */
	layout = m->version == 1 ? MAP_LAYOUT_RFC7597 : MAP_LAYOUT_DRAFT03;
	rule = plan_map_bmr(m->rules, m->n_rules, "map_e", w, layout, &res, e);
	if (rule < 0)
		return rule;

	plan_init(&pl, METHOD_MAP_E);
	/* The CE address is the tunnel source: a /128 on the WAN, nodad,
	 * so the access router's neighbour discovery finds it at once. */
	if ((rc = plan_carrier(&pl, m, w, &res, layout, e)) < 0 ||
	    (rc = plan_add_addr6(&pl, w->wan, &res.ce_ipv6, 128, true, e)) < 0 ||
	    (rc = plan_ipv4(&pl, &res, e)) < 0)
		return rc;
	plan_set_info(&pl, res.ipv4, res.ipv4_plen,
		      res.ipv4_plen == 32 ? &res.ports : NULL, &res.ce_ipv6,
		      &res.eup, rule);
	*out = pl;
	return 0;
}

const struct method_ops mape_ops = {
	.method = METHOD_MAP_E,
	.name = "map_e",
	.capability = "hubspoke",
	.ip6tnl = true, /* hub-and-spoke; mesh runs without (mesh.c) */
	.validate = mape_validate,
	.plan = mape_plan,
};
