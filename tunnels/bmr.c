/* SPDX-License-Identifier: MIT */
/* The Basic Mapping Rule of a MAP CE (RFC 7597 5, RFC 7599 5): which
 * rule, for which of the CE's prefixes, and the MAP arithmetic for it.
 * Shared by MAP-E and MAP-T. Pure. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "plan.h"

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

/* The Basic Mapping Rule (RFC 7597 5): the CE's end-user prefix is the
 * first of its prefixes, in the order of preference wan_facts gives them
 * (facts.h: the delegated prefix before WAN-link addresses), that a rule
 * holds and is long enough for that rule's EA bits; its rule is the
 * longest rule prefix holding it (map_bmr_select). *which gets the
 * index of the prefix. */
static int pick_bmr(const struct map_rule *rules, size_t n_rules,
		    const struct v6pfx *cand, size_t n, size_t *which)
{
	for (size_t i = 0; i < n; i++) {
		int r = map_bmr_select(rules, n_rules, &cand[i]);

		if (r >= 0 && cand[i].len >= rules[r].ipv6.len + rules[r].ea_len) {
			*which = i;
			return r;
		}
	}
	return -ENOENT;
}

/* No rule fits: say why, naming what was tried. */
static int no_bmr(const struct map_rule *rules, size_t n_rules,
		  const char *what, const struct v6pfx *cand, size_t n,
		  bool forced, struct err *e)
{
	char list[ERR_MSG_MAX / 2];
	struct map_result res;

	if (n == 0)
		return err_set(e, ENOENT,
			       "no global IPv6 address or prefix on the WAN or LAN to match a %s rule against",
			       what);
	/* A prefix inside a rule but shorter than its end-user prefix:
	 * map_compute() says exactly that. */
	for (size_t i = 0; i < n; i++) {
		int r = map_bmr_select(rules, n_rules, &cand[i]);

		if (r >= 0 && map_compute(&rules[r], &cand[i],
					  MAP_LAYOUT_RFC7597, &res, e) < 0)
			return err_wrap(e, EINVAL, "%s rule %d", what, r);
	}
	list_prefixes(cand, n, list, sizeof(list));
	return err_set(e, ENOENT, "no %s rule (of %zu) matches %s%s", what,
		       n_rules, forced ? "the prefix " : "", list);
}

int plan_map_bmr(const struct map_rule *rules, size_t n_rules,
		 const char *what, const struct wan_facts *w,
		 enum map_layout layout, struct map_result *res,
		 struct err *e)
{
	const struct v6pfx *cand = w->has_forced_prefix ? &w->forced_prefix : w->prefixes;
	size_t n = w->has_forced_prefix ? 1 : w->n_prefixes;
	size_t which = 0;
	int rule, rc;

	if (n > PLAN_MAX_PREFIXES)
		n = PLAN_MAX_PREFIXES;
	rule = pick_bmr(rules, n_rules, cand, n, &which);
	if (rule < 0)
		return no_bmr(rules, n_rules, what, cand, n,
			      w->has_forced_prefix, e);
	rc = map_compute(&rules[rule], &cand[which], layout, res, e);
	if (rc < 0)
		return err_wrap(e, rc, "%s rule %d", what, rule);
	return rule;
}
