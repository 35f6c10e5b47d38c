/* SPDX-License-Identifier: MIT */
/* HB46PP 3.4: the top-level keys of a provisioning answer (S3-S8) and
 * the parse entry point. The method objects are in prov_offer.c. */
#include "prov.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "prov_int.h"

static int parse_names(struct jctx *c, const cJSON *root, struct prov *p)
{
	static const struct {
		const char *key;
		size_t off;
	} names[] = {
		{ "enabler_name", offsetof(struct prov, enabler_name) },
		{ "service_name", offsetof(struct prov, service_name) },
		{ "isp_name", offsetof(struct prov, isp_name) },
	};
	const cJSON *v;
	int rc;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		rc = jget(c, root, "", names[i].key, &v);
		if (rc == 0 && v)
			rc = jname(c, v, names[i].key, PROV_NAME_CONTENT_MAX,
				   (char *)p + names[i].off);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* S5 and Q7: at most 604800 (clamped, with a warning); absent or <= 0
 * means the random 20-24 h default. */
static int parse_ttl(struct jctx *c, const cJSON *root, struct prov *p)
{
	char d[JDESC_MAX];
	const cJSON *v;
	int64_t ttl;
	int rc = jget(c, root, "", "ttl", &v);

	if (rc < 0 || !v)
		return rc;
	rc = jint_any(c, v, "ttl", &ttl);
	if (rc < 0)
		return rc;
	if (ttl <= 0) {
		jwarn(c, "ttl: %s is not positive: the 20-24 h default applies",
		      jdesc(v, d));
		return 0;
	}
	if (ttl > PROV_TTL_MAX) {
		jwarn(c, "ttl: %s is more than %u: clamped to %u (S5)",
		      jdesc(v, d), PROV_TTL_MAX, PROV_TTL_MAX);
		ttl = PROV_TTL_MAX;
		p->ttl_clamped = true;
	}
	p->has_ttl = true;
	p->ttl = (uint32_t)ttl;
	return 0;
}

/* S6: a 256-bit number as exactly 64 lowercase hex digits. */
static int parse_token(struct jctx *c, const cJSON *root, struct prov *p)
{
	char d[JDESC_MAX];
	const cJSON *v;
	const char *s = NULL;
	int rc = jget(c, root, "", "token", &v);

	if (rc < 0 || !v)
		return rc;
	rc = jstr(c, v, "token", &s);
	if (rc < 0)
		return rc;
	if (strlen(s) != PROV_TOKEN_LEN ||
	    strspn(s, "0123456789abcdef") != PROV_TOKEN_LEN)
		return err_set(c->e, EINVAL,
			       "token: %s is not 64 lowercase hex digits (S6)",
			       jdesc(v, d));
	memcpy(p->token, s, PROV_TOKEN_LEN + 1);
	p->has_token = true;
	return 0;
}

static const char *const auth_names[] = {
	[PROV_AUTH_ABSENT] = "absent",
	[PROV_AUTH_REQ] = "req",
	[PROV_AUTH_BAD] = "bad",
	[PROV_AUTH_OK] = "ok",
};

const char *prov_auth_name(enum prov_auth a)
{
	return (unsigned)a <= PROV_AUTH_OK ? auth_names[a] : "?";
}

/* S7: absent, "req", "bad" or "ok"; anything else is refused. */
static int parse_auth(struct jctx *c, const cJSON *root, struct prov *p)
{
	char d[JDESC_MAX];
	const cJSON *v;
	const char *s = NULL;
	int rc = jget(c, root, "", "auth", &v);

	if (rc < 0 || !v)
		return rc;
	rc = jstr(c, v, "auth", &s);
	if (rc < 0)
		return rc;
	for (int a = PROV_AUTH_REQ; a <= PROV_AUTH_OK; a++) {
		if (strcmp(s, auth_names[a]) == 0) {
			p->auth = (enum prov_auth)a;
			return 0;
		}
	}
	return err_set(c->e, EINVAL, "auth: %s is not one of req, bad, ok (S7)",
		       jdesc(v, d));
}

/* S8: an array of strings; unknown and repeated names are skipped (with a
 * warning), anything but a string is refused. `order: []` is valid (S2). */
static int parse_order(struct jctx *c, const cJSON *root, struct prov *p)
{
	char path[JPATH_MAX], d[JDESC_MAX];
	const cJSON *v;
	const char *s = NULL;
	size_t i = 0;
	int rc = jget(c, root, "", "order", &v);

	if (rc < 0)
		return rc;
	if (!v)
		return err_set(c->e, EINVAL, "order: missing (S8)");
	if (!cJSON_IsArray(v))
		return err_set(c->e, EINVAL, "order: %s is not an array",
			       jdesc(v, d));
	for (const cJSON *it = v->child; it; it = it->next, i++) {
		int m;

		rc = jstr(c, it, jpath_idx(path, "order", i), &s);
		if (rc < 0)
			return rc;
		m = method_from_name(s);
		if (m < 0) {
			jwarn(c, "%s: unknown method %s ignored", path, jdesc(it, d));
		} else if (prov_in_order(p, (enum method)m)) {
			jwarn(c, "%s: %s repeated, ignored", path, jdesc(it, d));
		} else {
			p->order[p->n_order++] = (enum method)m;
		}
	}
	return 0;
}

/* HB46PP 1.2: ipv6_mostly, a boolean (0/1 taken like S9's). */
static int parse_ipv6_mostly(struct jctx *c, const cJSON *root,
			     struct prov *p)
{
	const cJSON *v;
	int rc = jget(c, root, "", "ipv6_mostly", &v);

	if (rc < 0 || !v)
		return rc;
	rc = jbool01(c, v, "ipv6_mostly", &p->ipv6_mostly);
	if (rc == 0)
		p->has_ipv6_mostly = true;
	return rc;
}

static int parse_root(struct jctx *c, const cJSON *root, struct prov *p)
{
	int rc;

	if ((rc = parse_names(c, root, p)) < 0 ||
	    (rc = parse_ttl(c, root, p)) < 0 ||
	    (rc = parse_token(c, root, p)) < 0 ||
	    (rc = parse_auth(c, root, p)) < 0 ||
	    (rc = parse_order(c, root, p)) < 0 ||
	    (rc = parse_ipv6_mostly(c, root, p)) < 0)
		return rc;
	return prov_parse_offers(c, root, p);
}

/* RFC 8259 2: only whitespace may follow the value; the first byte
 * that is not, or end. */
static const char *skip_space(const char *s, const char *end)
{
	while (s < end && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'))
		s++;
	return s;
}

static int parse_json(const char *json, size_t len, cJSON **out,
		      struct err *e)
{
	const char *end = NULL;
	cJSON *root = NULL;

	if (!json || len == 0)
		return err_set(e, EINVAL, "empty body");
	if (json_has_nul_escape(json, len))
		return err_set(e, EINVAL,
			       "a string holds \\u0000, refused (it would cut the value)");
	root = cJSON_ParseWithLengthOpts(json, len, &end, false);
	if (!root)
		return err_set(e, EINVAL, "not JSON (RFC 8259): error at byte %zu",
			       end && end >= json ? (size_t)(end - json) : 0);
	end = skip_space(end, json + len);
	if (end != json + len) {
		cJSON_Delete(root);
		return err_set(e, EINVAL, "not JSON (RFC 8259): data after the value at byte %zu",
			       (size_t)(end - json));
	}
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		return err_set(e, EINVAL, "the body is not a JSON object");
	}
	*out = root;
	return 0;
}

int prov_parse(const char *json, size_t len, struct prov *out,
	       struct err *e, struct err *warn)
{
	struct err local;
	struct jctx c = { .e = e ? e : &local, .warn = warn };
	struct prov p;
	cJSON *root = NULL;
	int rc;

	if (warn)
		warn->msg[0] = '\0';
	rc = parse_json(json, len, &root, c.e);
	if (rc < 0)
		return rc;
	memset(&p, 0, sizeof(p));
	rc = parse_root(&c, root, &p);
	cJSON_Delete(root);
	if (rc < 0) {
		prov_done(&p);
		return rc;
	}
	*out = p;
	return 0;
}

bool prov_in_order(const struct prov *p, enum method m)
{
	for (size_t i = 0; i < p->n_order; i++)
		if (p->order[i] == m)
			return true;
	return false;
}

void prov_done(struct prov *p)
{
	if (!p)
		return;
	free(p->map_e.rules);
	free(p->map_t.rules);
	memset(p, 0, sizeof(*p));
}
