/* SPDX-License-Identifier: MIT */
/* MAP-E, hub-and-spoke (RFC 7597, HB46PP S9): one ip6tnl from the CE
 * address to the BR, NAT44 into the port set. Pure.
 *
 * Mesh: this build never advertises `mesh` (R4). An offer that still says
 * `mesh: true` is planned hub-and-spoke: what mesh adds (RFC 7597 5) is
 * the CE forwarding to other CEs by Forwarding Mapping Rules; a CE that
 * uses none sends all IPv4 by the default mapping to the BR, which can
 * deliver it to any CE of the domain. Packets other CEs send us directly
 * (not through the BR) are not accepted, as RFC 7597 8.1 has a CE without
 * FMRs do: the tunnel is point-to-point with the BR. */
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

/* "a, b, c" into buf, as many as fit. */
static void list_prefixes(const struct v6pfx *pfx, size_t n, char *buf,
			  size_t size)
{
	char b[V6_STR_MAX];
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const char *sep = i ? ", " : "";

		v6pfx_str(&pfx[i], b);
		if (len + strlen(sep) + strlen(b) + 4 >= size) {
			snprintf(buf + len, size - len, "%s...", sep);
			return;
		}
		len += (size_t)snprintf(buf + len, size - len, "%s%s", sep, b);
	}
}

/* The Basic Mapping Rule (RFC 7597 5): the longest rule prefix that
 * holds one of the CE's prefixes, among those long enough to carry the
 * rule's EA bits; on a tie the earlier prefix in the list. *which gets
 * the index of the prefix. */
static int pick_bmr(const struct prov_map_e *m, const struct v6pfx *cand,
		    size_t n, size_t *which)
{
	int best = -ENOENT;

	for (size_t i = 0; i < n; i++) {
		int r = map_bmr_select(m->rules, m->n_rules, &cand[i]);

		if (r < 0 || cand[i].len < m->rules[r].ipv6.len + m->rules[r].ea_len)
			continue;
		if (best < 0 || m->rules[r].ipv6.len > m->rules[best].ipv6.len) {
			best = r;
			*which = i;
		}
	}
	return best;
}

/* No rule fits: say why, naming what was tried. */
static int no_bmr(const struct prov_map_e *m, const struct v6pfx *cand,
		  size_t n, bool forced, struct err *e)
{
	char list[ERR_MSG_MAX / 2];
	struct map_result res;

	if (n == 0)
		return err_set(e, ENOENT,
			       "no global IPv6 address or prefix on the WAN or LAN to match a map_e rule against");
	/* A prefix inside a rule but shorter than its end-user prefix:
	 * map_compute() says exactly that. */
	for (size_t i = 0; i < n; i++) {
		int r = map_bmr_select(m->rules, m->n_rules, &cand[i]);

		if (r >= 0 && map_compute(&m->rules[r], &cand[i],
					  MAP_LAYOUT_RFC7597, &res, e) < 0)
			return err_wrap(e, EINVAL, "map_e rule %d", r);
	}
	list_prefixes(cand, n, list, sizeof(list));
	return err_set(e, ENOENT, "no map_e rule (of %zu) matches %s%s",
		       m->n_rules, forced ? "the prefix " : "", list);
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

	rc = plan_add_addr4(pl, PLAN_TUNNEL_NAME, r->ipv4, 32, e);
	if (rc < 0)
		return rc;
	plan_set_nat(pl, r->ipv4, ps);
	plan_set_filter(pl, &ours, ps);
	return 0;
}

static int mape_plan(const struct prov *p, const struct wan_facts *w,
		     struct plan *out, struct err *e)
{
	const struct prov_map_e *m = &p->map_e;
	const struct v6pfx *cand = w->has_forced_prefix ? &w->forced_prefix : w->prefixes;
	size_t n = w->has_forced_prefix ? 1 : w->n_prefixes;
	enum map_layout layout;
	struct map_result res;
	struct plan pl;
	size_t which = 0;
	int rule, rc;

	if ((rc = mape_validate(p, e)) < 0)
		return rc;
	if (n > PLAN_MAX_PREFIXES)
		n = PLAN_MAX_PREFIXES;
	rule = pick_bmr(m, cand, n, &which);
	if (rule < 0)
		return no_bmr(m, cand, n, w->has_forced_prefix, e);
	/* S9: version 0 (or absent) is draft-03's interface identifier. */
	layout = m->version == 1 ? MAP_LAYOUT_RFC7597 : MAP_LAYOUT_DRAFT03;
	rc = map_compute(&m->rules[rule], &cand[which], layout, &res, e);
	if (rc < 0)
		return err_wrap(e, rc, "map_e rule %d", rule);

	plan_init(&pl, METHOD_MAP_E);
	/* The CE address is the tunnel source: a /128 on the WAN, nodad,
	 * so the access router's neighbour discovery finds it at once. */
	if ((rc = plan_add_tunnel(&pl, w, &res.ce_ipv6, &m->br, e)) < 0 ||
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
	.capability = "map_e,hubspoke",
	.validate = mape_validate,
	.plan = mape_plan,
};
