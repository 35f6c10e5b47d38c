/* SPDX-License-Identifier: MIT */
/* struct prov out again: deep copy, comparison (Q6) and the normalized
 * JSON (keys as in HB46PP 3.4, in its order). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "prov_int.h"

static struct map_rule *rules_dup(const struct map_rule *r, size_t n)
{
	struct map_rule *d;

	if (n == 0)
		return NULL;
	d = calloc(n, sizeof(*d));
	if (d)
		memcpy(d, r, n * sizeof(*d));
	return d;
}

int prov_copy(struct prov *dst, const struct prov *src)
{
	struct map_rule *e = rules_dup(src->map_e.rules, src->map_e.n_rules);
	struct map_rule *t = rules_dup(src->map_t.rules, src->map_t.n_rules);

	if ((src->map_e.n_rules && !e) || (src->map_t.n_rules && !t)) {
		free(e);
		free(t);
		return -ENOMEM;
	}
	*dst = *src;
	dst->map_e.rules = e;
	dst->map_t.rules = t;
	return 0;
}

bool prov_has_offer(const struct prov *p, enum method m)
{
	switch (m) {
	case METHOD_464XLAT:
		return p->xlat.present;
	case METHOD_DSLITE:
		return p->dslite.present;
	case METHOD_IPIP:
		return p->ipip.present;
	case METHOD_LW4O6:
		return p->lw4o6.present;
	case METHOD_MAP_E:
		return p->map_e.present;
	case METHOD_MAP_T:
		return p->map_t.present;
	case METHOD__COUNT:
		break;
	}
	return false;
}

static bool rule_equal(const struct map_rule *a, const struct map_rule *b)
{
	return v6pfx_equal(&a->ipv6, &b->ipv6) &&
	       a->ipv4.addr.s_addr == b->ipv4.addr.s_addr &&
	       a->ipv4.len == b->ipv4.len && a->ea_len == b->ea_len &&
	       a->psid_offset == b->psid_offset;
}

/* As sets: the order of rules carries no meaning (the BMR is the longest
 * match, RFC 7597 5.1), and the parser refuses a rule prefix given twice,
 * so equal counts plus a in b means equal sets. */
static bool rules_equal(const struct map_rule *a, size_t na,
			const struct map_rule *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++) {
		bool found = rule_equal(&a[i], &b[i]);

		for (size_t j = 0; !found && j < nb; j++)
			found = rule_equal(&a[i], &b[j]);
		if (!found)
			return false;
	}
	return true;
}

static bool in6_equal(const struct in6_addr *a, const struct in6_addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

static bool ipip_equal(const struct prov_ipip *a, const struct prov_ipip *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		const struct prov_ipip_entry *x = &a->entries[i], *y = &b->entries[i];

		if (!in6_equal(&x->local, &y->local) ||
		    !in6_equal(&x->remote, &y->remote) ||
		    x->ipv4.addr.s_addr != y->ipv4.addr.s_addr ||
		    x->ipv4.len != y->ipv4.len)
			return false;
	}
	return true;
}

static bool lw4o6_equal(const struct prov_lw4o6 *a, const struct prov_lw4o6 *b)
{
	return strcmp(a->lwaftr, b->lwaftr) == 0 &&
	       v6pfx_equal(&a->ipv6, &b->ipv6) &&
	       a->ipv4.s_addr == b->ipv4.s_addr &&
	       a->ports.psid == b->ports.psid && a->ports.len == b->ports.len &&
	       a->ports.offset == b->ports.offset;
}

static bool offer_equal(const struct prov *a, const struct prov *b,
			enum method m)
{
	switch (m) {
	case METHOD_464XLAT:
		return v6pfx_equal(&a->xlat.nat64prefix, &b->xlat.nat64prefix);
	case METHOD_DSLITE:
		/* Names are lower-cased and literals normalized by the parser. */
		return strcmp(a->dslite.aftr, b->dslite.aftr) == 0;
	case METHOD_IPIP:
		return ipip_equal(&a->ipip, &b->ipip);
	case METHOD_LW4O6:
		return lw4o6_equal(&a->lw4o6, &b->lw4o6);
	case METHOD_MAP_E:
		return a->map_e.version == b->map_e.version &&
		       a->map_e.mesh == b->map_e.mesh &&
		       in6_equal(&a->map_e.br, &b->map_e.br) &&
		       rules_equal(a->map_e.rules, a->map_e.n_rules,
				   b->map_e.rules, b->map_e.n_rules);
	case METHOD_MAP_T:
		return v6pfx_equal(&a->map_t.dmr, &b->map_t.dmr) &&
		       rules_equal(a->map_t.rules, a->map_t.n_rules,
				   b->map_t.rules, b->map_t.n_rules);
	case METHOD__COUNT:
		break;
	}
	return false;
}

bool prov_method_equal(const struct prov *a, const struct prov *b,
		       enum method m)
{
	bool pa = prov_has_offer(a, m), pb = prov_has_offer(b, m);

	if (pa != pb)
		return false;
	return !pa || offer_equal(a, b, m);
}

bool prov_equal(const struct prov *a, const struct prov *b)
{
	if (strcmp(a->enabler_name, b->enabler_name) ||
	    strcmp(a->service_name, b->service_name) ||
	    strcmp(a->isp_name, b->isp_name) || a->has_ttl != b->has_ttl ||
	    (a->has_ttl && a->ttl != b->ttl) || a->has_token != b->has_token ||
	    (a->has_token && strcmp(a->token, b->token)) || a->auth != b->auth ||
	    a->n_order != b->n_order ||
	    memcmp(a->order, b->order, a->n_order * sizeof(a->order[0])) ||
	    a->has_ipv6_mostly != b->has_ipv6_mostly ||
	    (a->has_ipv6_mostly && a->ipv6_mostly != b->ipv6_mostly))
		return false;
	for (int m = 0; m < METHOD__COUNT; m++)
		if (!prov_method_equal(a, b, (enum method)m))
			return false;
	return true;
}

/* ---- printing ---------------------------------------------------------- */

/* cJSON_Add*ToObject return NULL on ENOMEM; count failures instead of
 * testing each call. */
struct out {
	bool oom;
};

static void add(struct out *o, cJSON *obj, const char *key, cJSON *v)
{
	if (!v || !cJSON_AddItemToObject(obj, key, v)) {
		cJSON_Delete(v);
		o->oom = true;
	}
}

static void add_str(struct out *o, cJSON *obj, const char *key, const char *s)
{
	add(o, obj, key, cJSON_CreateString(s));
}

static void add_num(struct out *o, cJSON *obj, const char *key, double n)
{
	add(o, obj, key, cJSON_CreateNumber(n));
}

static cJSON *rules_json(struct out *o, const struct map_rule *r, size_t n)
{
	char b[V6_STR_MAX];
	cJSON *arr = cJSON_CreateArray();

	for (size_t i = 0; arr && i < n; i++) {
		cJSON *j = cJSON_CreateObject();

		if (!j || !cJSON_AddItemToArray(arr, j)) {
			cJSON_Delete(j);
			o->oom = true;
			break;
		}
		add_str(o, j, "ipv6", v6pfx_str(&r[i].ipv6, b));
		add_str(o, j, "ipv4", v4pfx_str(&r[i].ipv4, b));
		add_num(o, j, "ea_length", r[i].ea_len);
		add_num(o, j, "psid_offset", r[i].psid_offset);
	}
	return arr;
}

static cJSON *map_e_json(struct out *o, const struct prov_map_e *me)
{
	char b[V6_STR_MAX];
	cJSON *j = cJSON_CreateObject();

	if (j) {
		add_num(o, j, "version", me->version);
		add(o, j, "mesh", cJSON_CreateBool(me->mesh));
		add_str(o, j, "br", v6addr_str(&me->br, b));
		add(o, j, "rules", rules_json(o, me->rules, me->n_rules));
	}
	return j;
}

static cJSON *dslite_json(struct out *o, const struct prov_dslite *ds)
{
	cJSON *j = cJSON_CreateObject();

	if (j)
		add_str(o, j, "aftr", ds->aftr);
	return j;
}

static cJSON *lw4o6_json(struct out *o, const struct prov_lw4o6 *lw)
{
	char b[V6_STR_MAX];
	cJSON *j = cJSON_CreateObject();

	if (j) {
		add_str(o, j, "lwaftr", lw->lwaftr);
		add_str(o, j, "ipv6", v6pfx_str(&lw->ipv6, b));
		add_str(o, j, "ipv4", v4addr_str(lw->ipv4, b));
		add_num(o, j, "psid", lw->ports.psid);
		add_num(o, j, "psid_length", lw->ports.len);
		add_num(o, j, "psid_offset", lw->ports.offset);
	}
	return j;
}

static cJSON *map_t_json(struct out *o, const struct prov_map_t *mt)
{
	char b[V6_STR_MAX];
	cJSON *j = cJSON_CreateObject();

	if (j) {
		add_str(o, j, "dmr", v6pfx_str(&mt->dmr, b));
		add(o, j, "rules", rules_json(o, mt->rules, mt->n_rules));
	}
	return j;
}

static cJSON *ipip_json(struct out *o, const struct prov_ipip *ip)
{
	char b[V6_STR_MAX];
	cJSON *arr = cJSON_CreateArray();

	for (size_t i = 0; arr && i < ip->n; i++) {
		cJSON *j = cJSON_CreateObject();

		if (!j || !cJSON_AddItemToArray(arr, j)) {
			cJSON_Delete(j);
			o->oom = true;
			break;
		}
		add_str(o, j, "ipv6_local", v6addr_str(&ip->entries[i].local, b));
		add_str(o, j, "ipv6_remote", v6addr_str(&ip->entries[i].remote, b));
		add_str(o, j, "ipv4", v4pfx_str(&ip->entries[i].ipv4, b));
	}
	return arr;
}

static cJSON *xlat_json(struct out *o, const struct prov_464xlat *x)
{
	char b[V6_STR_MAX];
	cJSON *j = cJSON_CreateObject();

	if (j)
		add_str(o, j, "nat64prefix", v6pfx_str(&x->nat64prefix, b));
	return j;
}

static void add_head(struct out *o, cJSON *j, const struct prov *p)
{
	cJSON *order;

	if (p->enabler_name[0])
		add_str(o, j, "enabler_name", p->enabler_name);
	if (p->service_name[0])
		add_str(o, j, "service_name", p->service_name);
	if (p->isp_name[0])
		add_str(o, j, "isp_name", p->isp_name);
	if (p->has_ttl)
		add_num(o, j, "ttl", p->ttl);
	if (p->has_token)
		add_str(o, j, "token", p->token);
	if (p->auth != PROV_AUTH_ABSENT)
		add_str(o, j, "auth", prov_auth_name(p->auth));
	order = cJSON_CreateArray();
	for (size_t i = 0; order && i < p->n_order; i++) {
		cJSON *s = cJSON_CreateString(method_name(p->order[i]));

		if (!s || !cJSON_AddItemToArray(order, s)) {
			cJSON_Delete(s);
			o->oom = true;
		}
	}
	add(o, j, "order", order);
}

cJSON *prov_to_cjson(const struct prov *p)
{
	struct out o = { false };
	cJSON *j = cJSON_CreateObject();

	if (!j)
		return NULL;
	add_head(&o, j, p);
	if (p->map_e.present)
		add(&o, j, "map_e", map_e_json(&o, &p->map_e));
	if (p->dslite.present)
		add(&o, j, "dslite", dslite_json(&o, &p->dslite));
	if (p->lw4o6.present)
		add(&o, j, "lw4o6", lw4o6_json(&o, &p->lw4o6));
	if (p->map_t.present)
		add(&o, j, "map_t", map_t_json(&o, &p->map_t));
	if (p->xlat.present)
		add(&o, j, "464xlat", xlat_json(&o, &p->xlat));
	if (p->ipip.present)
		add(&o, j, "ipip", ipip_json(&o, &p->ipip));
	if (p->has_ipv6_mostly)
		add(&o, j, "ipv6_mostly", cJSON_CreateBool(p->ipv6_mostly));
	if (o.oom) {
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

char *prov_to_json(const struct prov *p, bool pretty)
{
	cJSON *j = prov_to_cjson(p);
	char *s;

	if (!j)
		return NULL;
	s = pretty ? cJSON_Print(j) : cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	return s;
}
