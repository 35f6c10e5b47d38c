/* SPDX-License-Identifier: MIT */
/* The ownership record: RUN_DIR/owned.json. What we added that the kernel
 * cannot mark as ours (an address on the WAN on kernels without IFA_PROTO)
 * and what our nftables table holds, so a restarted agent adopts its state
 * instead of duplicating it, and `down` removes exactly it. */
#include "apply.h"

#include "../util/fileio.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <linux/if_addr.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define RECORD_VERSION 1
#define RECORD_MAX_BYTES (64 * 1024)

/* ---- to JSON ------------------------------------------------------------ */

static void add_portset(cJSON *o, const struct portset *ps)
{
	cJSON_AddNumberToObject(o, "psid_offset", ps->offset);
	cJSON_AddNumberToObject(o, "psid_length", ps->len);
	cJSON_AddNumberToObject(o, "psid", ps->psid);
}

static cJSON *addr_json(const struct kaddr *k)
{
	char b[V6_STR_MAX];
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "dev", k->a.ifname);
	cJSON_AddStringToObject(o, "addr", k->a.family == AF_INET6 ?
				v6addr_str(&k->a.v6, b) : v4addr_str(k->a.v4, b));
	cJSON_AddNumberToObject(o, "prefixlen", k->a.plen);
	cJSON_AddBoolToObject(o, "nodad", k->a.nodad);
	return o;
}

static cJSON *nat_json(const struct plan_nat *n)
{
	char b[V6_STR_MAX];
	cJSON *o = cJSON_CreateObject();

	cJSON_AddBoolToObject(o, "enabled", n->enabled);
	cJSON_AddStringToObject(o, "out", n->out_ifname);
	cJSON_AddStringToObject(o, "src", v4addr_str(n->src, b));
	add_portset(o, &n->ports);
	return o;
}

static cJSON *filter_json(const struct plan_filter *f)
{
	char b[V6_STR_MAX];
	cJSON *o = cJSON_CreateObject();

	cJSON_AddBoolToObject(o, "enabled", f->enabled);
	cJSON_AddStringToObject(o, "in", f->in_ifname);
	cJSON_AddStringToObject(o, "ours", v4pfx_str(&f->ours, b));
	add_portset(o, &f->ports);
	cJSON_AddNumberToObject(o, "mss", f->mss);
	return o;
}

char *record_to_json(const struct own_record *r)
{
	cJSON *o = cJSON_CreateObject(), *a, *n;
	char *s;

	cJSON_AddNumberToObject(o, "version", RECORD_VERSION);
	if (r->has_method)
		cJSON_AddStringToObject(o, "method", method_name(r->method));
	a = cJSON_AddArrayToObject(o, "addrs");
	for (size_t i = 0; i < r->n_addrs; i++)
		cJSON_AddItemToArray(a, addr_json(&r->addrs[i]));
	if (r->xlat_wan[0])
		cJSON_AddStringToObject(o, "xlat_wan", r->xlat_wan);
	if (r->mesh_wan[0])
		cJSON_AddStringToObject(o, "mesh_wan", r->mesh_wan);
	if (r->nft) {
		n = cJSON_AddObjectToObject(o, "nft");
		cJSON_AddItemToObject(n, "nat", nat_json(&r->nat));
		cJSON_AddItemToObject(n, "filter", filter_json(&r->filter));
	}
	s = cJSON_Print(o);
	cJSON_Delete(o);
	return s;
}

/* ---- from JSON: strict, it is our own file ------------------------------ */

static const cJSON *get(const cJSON *o, const char *key, int type)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return v && (v->type & 0xff & type) ? v : NULL;
}

static int get_uint(const cJSON *o, const char *key, unsigned max,
		    unsigned *out, struct err *e)
{
	const cJSON *v = get(o, key, cJSON_Number);

	if (!v || v->valuedouble < 0 || v->valuedouble > max ||
	    v->valuedouble != (double)(unsigned)v->valuedouble)
		return err_set(e, EINVAL, "record: bad or missing \"%s\"", key);
	*out = (unsigned)v->valuedouble;
	return 0;
}

static int get_bool(const cJSON *o, const char *key, bool *out,
		    struct err *e)
{
	const cJSON *v = get(o, key, cJSON_True | cJSON_False);

	if (!v)
		return err_set(e, EINVAL, "record: bad or missing \"%s\"", key);
	*out = cJSON_IsTrue(v);
	return 0;
}

static int get_ifname(const cJSON *o, const char *key, char *out,
		      struct err *e)
{
	const cJSON *v = get(o, key, cJSON_String);

	if (!v || strlen(v->valuestring) >= IFNAMSIZ)
		return err_set(e, EINVAL, "record: bad or missing \"%s\"", key);
	strcpy(out, v->valuestring);
	return 0;
}

static int get_portset(const cJSON *o, struct portset *ps, struct err *e)
{
	unsigned off, len, psid;

	if (get_uint(o, "psid_offset", 16, &off, e) ||
	    get_uint(o, "psid_length", 16, &len, e) ||
	    get_uint(o, "psid", 65535, &psid, e))
		return -EINVAL;
	ps->offset = (uint8_t)off;
	ps->len = (uint8_t)len;
	ps->psid = (uint16_t)psid;
	return portset_check(ps, e) ? err_wrap(e, EINVAL, "record") : 0;
}

static int parse_addr(const cJSON *o, struct kaddr *k, struct err *e)
{
	const cJSON *s = get(o, "addr", cJSON_String);
	unsigned plen;

	memset(k, 0, sizeof(*k));
	if (get_ifname(o, "dev", k->a.ifname, e) ||
	    get_uint(o, "prefixlen", 128, &plen, e) ||
	    get_bool(o, "nodad", &k->a.nodad, e))
		return -EINVAL;
	if (s && v6addr_parse(s->valuestring, &k->a.v6) == 0)
		k->a.family = AF_INET6;
	else if (s && v4addr_parse(s->valuestring, &k->a.v4) == 0 && plen <= 32)
		k->a.family = AF_INET;
	else
		return err_set(e, EINVAL, "record: bad address \"%s\"",
			       s ? s->valuestring : "(missing)");
	k->a.plen = (uint8_t)plen;
	k->flags = k->a.nodad ? IFA_F_NODAD : 0;
	return 0;
}

static int parse_nft(const cJSON *n, struct own_record *r, struct err *e)
{
	const cJSON *nat = get(n, "nat", cJSON_Object);
	const cJSON *f = get(n, "filter", cJSON_Object);
	const cJSON *src = nat ? get(nat, "src", cJSON_String) : NULL;
	const cJSON *ours = f ? get(f, "ours", cJSON_String) : NULL;
	unsigned mss;

	if (!nat || !f || !src || !ours)
		return err_set(e, EINVAL, "record: incomplete \"nft\"");
	if (get_bool(nat, "enabled", &r->nat.enabled, e) ||
	    get_ifname(nat, "out", r->nat.out_ifname, e) ||
	    get_portset(nat, &r->nat.ports, e) ||
	    get_bool(f, "enabled", &r->filter.enabled, e) ||
	    get_ifname(f, "in", r->filter.in_ifname, e) ||
	    get_portset(f, &r->filter.ports, e) ||
	    get_uint(f, "mss", 65535, &mss, e))
		return -EINVAL;
	if (v4addr_parse(src->valuestring, &r->nat.src) ||
	    v4pfx_parse(ours->valuestring, false, &r->filter.ours))
		return err_set(e, EINVAL, "record: bad nft address");
	r->filter.mss = (uint16_t)mss;
	r->nft = true;
	return 0;
}

static int parse_record(const cJSON *o, struct own_record *r, struct err *e)
{
	const cJSON *m = get(o, "method", cJSON_String);
	const cJSON *a = get(o, "addrs", cJSON_Array), *it;
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, "nft");
	unsigned ver;
	int mi;

	if (get_uint(o, "version", 1000, &ver, e))
		return -EINVAL;
	if (ver != RECORD_VERSION)
		return err_set(e, EINVAL, "record: version %u, not %d", ver,
			       RECORD_VERSION);
	if (m) {
		if ((mi = method_from_name(m->valuestring)) < 0)
			return err_set(e, EINVAL, "record: method \"%s\"",
				       m->valuestring);
		r->has_method = true;
		r->method = (enum method)mi;
	}
	if (cJSON_GetObjectItemCaseSensitive(o, "xlat_wan") &&
	    get_ifname(o, "xlat_wan", r->xlat_wan, e))
		return -EINVAL;
	if (cJSON_GetObjectItemCaseSensitive(o, "mesh_wan") &&
	    get_ifname(o, "mesh_wan", r->mesh_wan, e))
		return -EINVAL;
	if (!a)
		return err_set(e, EINVAL, "record: missing \"addrs\"");
	cJSON_ArrayForEach(it, a) {
		if (r->n_addrs == RECORD_MAX_ADDRS)
			return err_set(e, E2BIG, "record: over %d addrs",
				       RECORD_MAX_ADDRS);
		if (parse_addr(it, &r->addrs[r->n_addrs++], e))
			return -EINVAL;
	}
	return n ? parse_nft(n, r, e) : 0;
}

int record_from_json(const char *text, struct own_record *out, struct err *e)
{
	cJSON *o = cJSON_Parse(text);
	struct own_record *r;
	int rc;

	if (!o || !cJSON_IsObject(o)) {
		cJSON_Delete(o);
		return err_set(e, EINVAL, "record: not a JSON object");
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		cJSON_Delete(o);
		return err_set(e, ENOMEM, "record: out of memory");
	}
	rc = parse_record(o, r, e);
	if (rc == 0)
		*out = *r;
	free(r);
	cJSON_Delete(o);
	return rc;
}

/* ---- the file (agent/fileio.c: temp file, fsync, rename, fsync dir) ---- */

static int path_of(const char *run_dir, char *buf, size_t size, struct err *e)
{
	int n = snprintf(buf, size, "%s/%s", run_dir, RECORD_FILE);

	if (n < 0 || (size_t)n >= size)
		return err_set(e, ENAMETOOLONG, "run dir too long: %s", run_dir);
	return 0;
}

int record_load(const char *run_dir, struct own_record *out, bool *found,
		struct err *e)
{
	char path[PATH_MAX];
	char *text = NULL;
	int rc;

	if ((rc = path_of(run_dir, path, sizeof(path), e)))
		return rc;
	if (access(path, F_OK) != 0 && errno == ENOENT) {
		memset(out, 0, sizeof(*out));
		*found = false;
		return 0;
	}
	if ((rc = file_read_all(path, RECORD_MAX_BYTES, &text, NULL, e)))
		return rc;
	rc = record_from_json(text, out, e);
	free(text);
	if (rc)
		return err_wrap(e, rc, "%s", path);
	*found = true;
	return 0;
}

int record_save(const char *run_dir, const struct own_record *r,
		struct err *e)
{
	char *text = record_to_json(r);
	int rc;

	if (!text)
		return err_set(e, ENOMEM, "record: out of memory");
	rc = dir_ensure(run_dir, 0755, e);
	if (!rc)
		rc = file_write_atomic(run_dir, RECORD_FILE, text, strlen(text),
				       0644, e);
	free(text);
	return rc;
}

int record_remove(const char *run_dir, struct err *e)
{
	char path[PATH_MAX];
	int rc;

	if ((rc = path_of(run_dir, path, sizeof(path), e)))
		return rc;
	if (unlink(path) != 0 && errno != ENOENT)
		return err_set(e, errno, "%s: %s", path, strerror(errno));
	return 0;
}
