/* SPDX-License-Identifier: MIT */
/* HB46PP 3.4: the six method objects (S9-S14). Each parser fills only its
 * own part of struct prov and names the key path of anything it refuses. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnsname.h"
#include "prov_int.h"

/* Tunnel end points must be reachable global-scope unicast. */
static int endpoint_check(struct jctx *c, const cJSON *v, const char *path,
			  const struct in6_addr *a)
{
	char d[JDESC_MAX];

	if (IN6_IS_ADDR_UNSPECIFIED(a) || IN6_IS_ADDR_LOOPBACK(a) ||
	    IN6_IS_ADDR_MULTICAST(a) || IN6_IS_ADDR_LINKLOCAL(a) ||
	    IN6_IS_ADDR_V4MAPPED(a))
		return err_set(c->e, EINVAL,
			       "%s: %s is not a global unicast address", path,
			       jdesc(v, d));
	return 0;
}

static int endpoint(struct jctx *c, const cJSON *v, const char *path,
		    struct in6_addr *out)
{
	struct in6_addr a;
	int rc = jv6addr(c, v, path, &a);

	if (rc == 0)
		rc = endpoint_check(c, v, path, &a);
	if (rc == 0)
		*out = a;
	return rc;
}

/* S11, S12: a DNS name or an IPv6 literal. Names are kept lower-cased
 * (DNS compares without case), literals in RFC 5952 form. */
static int aftr_parse(struct jctx *c, const cJSON *v, const char *path,
		      char *name, bool *is_addr, struct in6_addr *addr)
{
	char d[JDESC_MAX], b[V6_STR_MAX];
	struct in_addr v4;
	struct in6_addr a;
	const char *s = NULL;
	int rc = jstr(c, v, path, &s);

	if (rc < 0)
		return rc;
	if (strchr(s, ':')) {
		rc = endpoint(c, v, path, &a);
		if (rc < 0)
			return rc;
		snprintf(name, PROV_NAME_MAX, "%s", v6addr_str(&a, b));
		*addr = a;
		*is_addr = true;
		return 0;
	}
	if (v4addr_parse(s, &v4) == 0)
		return err_set(c->e, EINVAL,
			       "%s: %s is an IPv4 address; the server must give an IPv6 address or a name (T2)",
			       path, jdesc(v, d));
	if (!dns_name_valid(s, false))
		return err_set(c->e, EINVAL,
			       "%s: %s is neither an IPv6 address nor a DNS name",
			       path, jdesc(v, d));
	for (size_t i = 0; s[i]; i++)
		name[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
	name[strlen(s)] = '\0';
	*is_addr = false;
	return 0;
}

static int need_object(struct jctx *c, const cJSON *v, const char *path)
{
	char d[JDESC_MAX];

	if (!cJSON_IsObject(v))
		return err_set(c->e, EINVAL, "%s: %s is not an object", path,
			       jdesc(v, d));
	return 0;
}

/* A required member. */
static int need(struct jctx *c, const cJSON *obj, const char *path,
		const char *key, const cJSON **out)
{
	char p[JPATH_MAX];
	int rc = jget(c, obj, path, key, out);

	if (rc == 0 && !*out)
		return err_set(c->e, EINVAL, "%s: missing",
			       jpath_key(p, path, key));
	return rc;
}

/* A required integer member in [min, max]; def >= 0 makes it optional. */
static int member_int(struct jctx *c, const cJSON *obj, const char *path,
		      const char *key, int64_t min, int64_t max, int64_t def,
		      int64_t *out)
{
	char p[JPATH_MAX];
	const cJSON *v;
	int rc = jget(c, obj, path, key, &v);

	if (rc < 0)
		return rc;
	if (!v) {
		if (def < 0)
			return err_set(c->e, EINVAL, "%s: missing",
				       jpath_key(p, path, key));
		*out = def;
		return 0;
	}
	return jint(c, v, jpath_key(p, path, key), min, max, out);
}

/* S9: {ipv6 prefix, ipv4 prefix, ea_length, psid_offset}; psid_offset
 * defaults to 6 (RFC 7597 5.1). The rule as a whole through the MAP
 * code's own check. */
static int rule_parse(struct jctx *c, const cJSON *v, const char *path,
		      struct map_rule *out)
{
	char p[JPATH_MAX];
	struct map_rule r;
	const cJSON *m;
	int64_t ea, off;
	int rc;

	memset(&r, 0, sizeof(r));
	if ((rc = need_object(c, v, path)) < 0 ||
	    (rc = need(c, v, path, "ipv6", &m)) < 0 ||
	    (rc = jv6pfx(c, m, jpath_key(p, path, "ipv6"), &r.ipv6)) < 0 ||
	    (rc = need(c, v, path, "ipv4", &m)) < 0 ||
	    (rc = jv4pfx(c, m, jpath_key(p, path, "ipv4"), &r.ipv4)) < 0 ||
	    (rc = member_int(c, v, path, "ea_length", 0, 48, -1, &ea)) < 0 ||
	    (rc = member_int(c, v, path, "psid_offset", 0, 16,
			     MAP_DEFAULT_PSID_OFFSET, &off)) < 0)
		return rc;
	r.ea_len = (uint8_t)ea;
	r.psid_offset = (uint8_t)off;
	rc = map_rule_check(&r, c->e);
	if (rc < 0)
		return err_wrap(c->e, rc, "%s", path);
	*out = r;
	return 0;
}

/* S9/S10: 1..max rules, no IPv6 rule prefix twice (which rule would be
 * the BMR would be ambiguous). */
static int rules_parse(struct jctx *c, const cJSON *obj, const char *parent,
		       size_t max, struct map_rule **out, size_t *n_out)
{
	char path[JPATH_MAX], p[JPATH_MAX], d[JDESC_MAX], b[V6_STR_MAX];
	struct map_rule *rules;
	const cJSON *v;
	size_t n = 0, i = 0;
	int rc = need(c, obj, parent, "rules", &v);

	if (rc < 0)
		return rc;
	jpath_key(path, parent, "rules");
	if (!cJSON_IsArray(v))
		return err_set(c->e, EINVAL, "%s: %s is not an array", path,
			       jdesc(v, d));
	for (const cJSON *it = v->child; it; it = it->next)
		n++;
	if (n == 0)
		return err_set(c->e, EINVAL, "%s: no rules", path);
	if (n > max)
		return err_set(c->e, ERANGE, "%s: %zu rules, more than %zu", path,
			       n, max);
	rules = calloc(n, sizeof(*rules));
	if (!rules)
		return err_set(c->e, ENOMEM, "%s: out of memory", path);
	for (const cJSON *it = v->child; it; it = it->next, i++) {
		rc = rule_parse(c, it, jpath_idx(p, path, i), &rules[i]);
		for (size_t j = 0; rc == 0 && j < i; j++)
			if (v6pfx_equal(&rules[j].ipv6, &rules[i].ipv6))
				rc = err_set(c->e, EINVAL, "%s.ipv6: %s repeats %s[%zu]",
					     p, v6pfx_str(&rules[i].ipv6, b), path, j);
		if (rc < 0) {
			free(rules);
			return rc;
		}
	}
	*out = rules;
	*n_out = n;
	return 0;
}

static int map_e_parse(struct jctx *c, const cJSON *v, struct prov *p)
{
	struct prov_map_e *me = &p->map_e;
	const cJSON *m;
	bool b;
	int rc;

	if ((rc = need_object(c, v, "map_e")) < 0 ||
	    (rc = jget(c, v, "map_e", "version", &m)) < 0)
		return rc;
	/* S9: 0 or absent = draft-ietf-softwire-map-03, 1 = RFC 7597. */
	if (m && (rc = jbool01(c, m, "map_e.version", &b)) < 0)
		return rc;
	me->version = m && b ? 1 : 0;
	/* S9: false/0 or absent = hub-and-spoke, true/1 = mesh. */
	if ((rc = jget(c, v, "map_e", "mesh", &m)) < 0 ||
	    (m && (rc = jbool01(c, m, "map_e.mesh", &me->mesh)) < 0) ||
	    (rc = need(c, v, "map_e", "br", &m)) < 0 ||
	    (rc = endpoint(c, m, "map_e.br", &me->br)) < 0)
		return rc;
	rc = rules_parse(c, v, "map_e", MAP_MAX_RULES, &me->rules, &me->n_rules);
	if (rc == 0)
		me->present = true;
	return rc;
}

/* RFC 6052 2.2 lengths (and the u octet zero for /96). */
static int rfc6052_pfx(struct jctx *c, const cJSON *v, const char *path,
		       struct v6pfx *out)
{
	struct in_addr any = { 0 };
	struct in6_addr tmp;
	struct v6pfx pf;
	int rc = jv6pfx(c, v, path, &pf);

	if (rc < 0)
		return rc;
	rc = rfc6052_embed(&pf, any, &tmp, c->e);
	if (rc < 0)
		return err_wrap(c->e, rc, "%s", path);
	*out = pf;
	return 0;
}

static int map_t_parse(struct jctx *c, const cJSON *v, struct prov *p)
{
	struct prov_map_t *mt = &p->map_t;
	const cJSON *m;
	int rc;

	if ((rc = need_object(c, v, "map_t")) < 0 ||
	    (rc = need(c, v, "map_t", "dmr", &m)) < 0 ||
	    (rc = rfc6052_pfx(c, m, "map_t.dmr", &mt->dmr)) < 0)
		return rc;
	rc = rules_parse(c, v, "map_t", PROV_MAP_T_MAX_RULES, &mt->rules,
			 &mt->n_rules);
	if (rc == 0)
		mt->present = true;
	return rc;
}

static int dslite_parse(struct jctx *c, const cJSON *v, struct prov *p)
{
	struct prov_dslite *ds = &p->dslite;
	const cJSON *m;
	int rc;

	if ((rc = need_object(c, v, "dslite")) < 0 ||
	    (rc = need(c, v, "dslite", "aftr", &m)) < 0 ||
	    (rc = aftr_parse(c, m, "dslite.aftr", ds->aftr, &ds->aftr_is_addr,
			     &ds->aftr_addr)) < 0)
		return rc;
	ds->present = true;
	return 0;
}

/* S12 and RFC 7596 5.1: the B4 address needs the prefix to be /64 or
 * shorter; the port set through the MAP code's check. A PSID may be left
 * out only when its length is 0 (no sharing). */
static int lw4o6_ports(struct jctx *c, const cJSON *v, struct prov_lw4o6 *lw)
{
	int64_t len, psid, off;
	int rc;

	if ((rc = member_int(c, v, "lw4o6", "psid_length", 0, 16, -1, &len)) < 0 ||
	    (rc = member_int(c, v, "lw4o6", "psid", 0, 65535, len ? -1 : 0,
			     &psid)) < 0 ||
	    (rc = member_int(c, v, "lw4o6", "psid_offset", 0, 16,
			     MAP_DEFAULT_PSID_OFFSET, &off)) < 0)
		return rc;
	lw->ports.len = (uint8_t)len;
	lw->ports.psid = (uint16_t)psid;
	lw->ports.offset = (uint8_t)off;
	rc = portset_check(&lw->ports, c->e);
	return rc < 0 ? err_wrap(c->e, rc, "lw4o6") : 0;
}

static int lw4o6_parse(struct jctx *c, const cJSON *v, struct prov *p)
{
	struct prov_lw4o6 *lw = &p->lw4o6;
	char d[JDESC_MAX];
	const cJSON *m;
	int rc;

	if ((rc = need_object(c, v, "lw4o6")) < 0 ||
	    (rc = need(c, v, "lw4o6", "lwaftr", &m)) < 0 ||
	    (rc = aftr_parse(c, m, "lw4o6.lwaftr", lw->lwaftr,
			     &lw->lwaftr_is_addr, &lw->lwaftr_addr)) < 0 ||
	    (rc = need(c, v, "lw4o6", "ipv6", &m)) < 0 ||
	    (rc = jv6pfx(c, m, "lw4o6.ipv6", &lw->ipv6)) < 0)
		return rc;
	if (lw->ipv6.len > 64)
		return err_set(c->e, EINVAL, "lw4o6.ipv6: %s is longer than /64",
			       jdesc(m, d));
	if ((rc = need(c, v, "lw4o6", "ipv4", &m)) < 0 ||
	    (rc = jv4addr(c, m, "lw4o6.ipv4", &lw->ipv4)) < 0 ||
	    (rc = lw4o6_ports(c, v, lw)) < 0)
		return rc;
	lw->present = true;
	return 0;
}

static int xlat_parse(struct jctx *c, const cJSON *v, struct prov *p)
{
	const cJSON *m;
	int rc;

	if ((rc = need_object(c, v, "464xlat")) < 0 ||
	    (rc = need(c, v, "464xlat", "nat64prefix", &m)) < 0 ||
	    (rc = rfc6052_pfx(c, m, "464xlat.nat64prefix",
			      &p->xlat.nat64prefix)) < 0)
		return rc;
	p->xlat.present = true;
	return 0;
}

/* S14: the IPv4 address with its prefix length; a bare address is taken
 * as /32 with a warning. */
static int ipip_v4(struct jctx *c, const cJSON *v, const char *path,
		   struct v4pfx *out)
{
	char d[JDESC_MAX];
	struct in_addr a;
	int rc;

	if (cJSON_IsString(v) && v4addr_parse(v->valuestring, &a) == 0) {
		jwarn(c, "%s: %s has no prefix length: /32 assumed", path,
		      jdesc(v, d));
		out->addr = a;
		out->len = 32;
		return 0;
	}
	rc = jv4pfx(c, v, path, out);
	if (rc == 0 && out->len == 0)
		return err_set(c->e, EINVAL, "%s: %s has length 0", path,
			       jdesc(v, d));
	return rc;
}

static int ipip_entry(struct jctx *c, const cJSON *v, const char *path,
		      struct prov_ipip_entry *out)
{
	char p[JPATH_MAX], b[V6_STR_MAX];
	struct prov_ipip_entry en;
	const cJSON *m;
	int rc;

	if ((rc = need_object(c, v, path)) < 0 ||
	    (rc = need(c, v, path, "ipv6_local", &m)) < 0 ||
	    (rc = endpoint(c, m, jpath_key(p, path, "ipv6_local"), &en.local)) < 0 ||
	    (rc = need(c, v, path, "ipv6_remote", &m)) < 0 ||
	    (rc = endpoint(c, m, jpath_key(p, path, "ipv6_remote"), &en.remote)) < 0 ||
	    (rc = need(c, v, path, "ipv4", &m)) < 0 ||
	    (rc = ipip_v4(c, m, jpath_key(p, path, "ipv4"), &en.ipv4)) < 0)
		return rc;
	if (memcmp(&en.local, &en.remote, sizeof(en.local)) == 0)
		return err_set(c->e, EINVAL,
			       "%s: ipv6_local and ipv6_remote are both %s", path,
			       v6addr_str(&en.local, b));
	*out = en;
	return 0;
}

static int ipip_parse(struct jctx *c, const cJSON *v, struct prov *p)
{
	char path[JPATH_MAX], d[JDESC_MAX];
	size_t n = 0;
	int rc;

	if (!cJSON_IsArray(v))
		return err_set(c->e, EINVAL, "ipip: %s is not an array",
			       jdesc(v, d));
	for (const cJSON *it = v->child; it; it = it->next, n++) {
		if (n >= PROV_IPIP_MAX)
			return err_set(c->e, ERANGE,
				       "ipip: more than %d entries", PROV_IPIP_MAX);
		rc = ipip_entry(c, it, jpath_idx(path, "ipip", n),
				&p->ipip.entries[n]);
		if (rc < 0)
			return rc;
	}
	if (n == 0)
		return err_set(c->e, EINVAL, "ipip: no entries");
	p->ipip.n = n;
	p->ipip.present = true;
	return 0;
}

typedef int (*offer_parse_fn)(struct jctx *, const cJSON *, struct prov *);

static const offer_parse_fn offer_parsers[METHOD__COUNT] = {
	[METHOD_464XLAT] = xlat_parse,
	[METHOD_DSLITE] = dslite_parse,
	[METHOD_IPIP] = ipip_parse,
	[METHOD_LW4O6] = lw4o6_parse,
	[METHOD_MAP_E] = map_e_parse,
	[METHOD_MAP_T] = map_t_parse,
};

void prov_offer_clear(struct prov *p, enum method m)
{
	switch (m) {
	case METHOD_464XLAT:
		memset(&p->xlat, 0, sizeof(p->xlat));
		break;
	case METHOD_DSLITE:
		memset(&p->dslite, 0, sizeof(p->dslite));
		break;
	case METHOD_IPIP:
		memset(&p->ipip, 0, sizeof(p->ipip));
		break;
	case METHOD_LW4O6:
		memset(&p->lw4o6, 0, sizeof(p->lw4o6));
		break;
	case METHOD_MAP_E:
		free(p->map_e.rules);
		memset(&p->map_e, 0, sizeof(p->map_e));
		break;
	case METHOD_MAP_T:
		free(p->map_t.rules);
		memset(&p->map_t, 0, sizeof(p->map_t));
		break;
	case METHOD__COUNT:
		break;
	}
}

/* One offer. Named in `order`: missing or invalid refuses the answer.
 * Not named: kept when valid (a fixed mode may use it, S8), dropped with
 * a warning when not. */
static int offer_parse(struct jctx *c, const cJSON *root, struct prov *p,
		       enum method m)
{
	const char *key = method_name(m);
	bool wanted = prov_in_order(p, m);
	struct err sub_e;
	struct jctx sub = { .e = &sub_e, .warn = c->warn };
	const cJSON *v;
	int rc = jget(c, root, "", key, &v);

	if (rc < 0)
		return rc;
	if (!v)
		return wanted ? err_set(c->e, EINVAL,
					"%s: named in order but missing", key) : 0;
	rc = offer_parsers[m](&sub, v, p);
	if (rc == 0)
		return 0;
	prov_offer_clear(p, m);
	if (wanted) {
		*c->e = sub_e;
		return rc;
	}
	jwarn(c, "%s (not in order: offer dropped)", sub_e.msg);
	return 0;
}

int prov_parse_offers(struct jctx *c, const cJSON *root, struct prov *p)
{
	for (int m = 0; m < METHOD__COUNT; m++) {
		int rc = offer_parse(c, root, p, (enum method)m);

		if (rc < 0)
			return rc;
	}
	return 0;
}
