/* SPDX-License-Identifier: MIT */
/* A canonical text of our table, the same for what we would build and for
 * what the kernel reads back when they hold the same thing: only what
 * defines behaviour is printed (no handles, use counts or kernel-chosen
 * anonymous set names); an anonymous map is printed inside the rule that
 * uses it; elements are sorted (the kernel returns them in its own order). */
#include "nft.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>

#define LINE_MAX_TXT 1024

static void hex(FILE *f, const void *p, uint32_t len)
{
	const unsigned char *c = p;

	for (uint32_t i = 0; i < len; i++)
		fprintf(f, "%02x", c[i]);
}

static void attr_hex(FILE *f, const char *tag, const void *p, uint32_t len)
{
	fprintf(f, " %s ", tag);
	if (p)
		hex(f, p, len);
	else
		fputc('-', f);
}

static uint32_t u32_or0(const struct nftnl_set *s, uint16_t attr)
{
	return nftnl_set_is_set(s, attr) ? nftnl_set_get_u32(s, attr) : 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *elem_line(struct nftnl_set_elem *el)
{
	uint32_t klen = 0, dlen = 0, flags = 0;
	const void *k = nftnl_set_elem_get(el, NFTNL_SET_ELEM_KEY, &klen);
	const void *d = nftnl_set_elem_get(el, NFTNL_SET_ELEM_DATA, &dlen);
	char *line = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&line, &n);

	if (!f)
		return NULL;
	if (nftnl_set_elem_is_set(el, NFTNL_SET_ELEM_FLAGS))
		flags = nftnl_set_elem_get_u32(el, NFTNL_SET_ELEM_FLAGS);
	fputs("  elem", f);
	attr_hex(f, "key", k, klen);
	attr_hex(f, "data", d, dlen);
	fprintf(f, " flags %u\n", flags);
	fclose(f);
	return line;
}

/* The elements, sorted. */
static int elems_text(FILE *f, const struct nftnl_set *s)
{
	struct nftnl_set_elems_iter *it = nftnl_set_elems_iter_create(s);
	struct nftnl_set_elem *el;
	char **lines = NULL, **nl;
	size_t n = 0;
	int rc = it ? 0 : -ENOMEM;

	for (el = it ? nftnl_set_elems_iter_next(it) : NULL; el && !rc;
	     el = nftnl_set_elems_iter_next(it)) {
		nl = realloc(lines, (n + 1) * sizeof(*lines));
		if (!nl || !(nl[n] = elem_line(el)))
			rc = -ENOMEM;
		if (nl)
			lines = nl;
		if (!rc)
			n++;
	}
	if (it)
		nftnl_set_elems_iter_destroy(it);
	if (n)
		qsort(lines, n, sizeof(*lines), cmp_str);
	for (size_t i = 0; i < n; i++) {
		fputs(lines[i], f);
		free(lines[i]);
	}
	free(lines);
	return rc;
}

static int set_text(FILE *f, const struct nftnl_set *s, const char *name)
{
	uint32_t ulen = 0;
	const void *u = nftnl_set_is_set(s, NFTNL_SET_USERDATA) ?
		nftnl_set_get_data(s, NFTNL_SET_USERDATA, &ulen) : NULL;

	fprintf(f, "set %s flags 0x%x key %u/%u data %u/%u size %u", name,
		u32_or0(s, NFTNL_SET_FLAGS), u32_or0(s, NFTNL_SET_KEY_TYPE),
		u32_or0(s, NFTNL_SET_KEY_LEN), u32_or0(s, NFTNL_SET_DATA_TYPE),
		u32_or0(s, NFTNL_SET_DATA_LEN), u32_or0(s, NFTNL_SET_DESC_SIZE));
	attr_hex(f, "udata", u, ulen);
	fputc('\n', f);
	return elems_text(f, s);
}

static bool anonymous(const char *name)
{
	return name && !strncmp(name, "__", 2);
}

/* The set a lookup refers to: by id (objects we built, where every
 * anonymous set is "__map%d") or by name (objects read back). */
static struct nftnl_set *lookup_set(const struct nft_objs *o,
				    const struct nftnl_expr *x)
{
	const char *name = nftnl_expr_get_str(x, NFTNL_EXPR_LOOKUP_SET);
	bool by_id = nftnl_expr_is_set(x, NFTNL_EXPR_LOOKUP_SET_ID);
	uint32_t id = by_id ? nftnl_expr_get_u32(x, NFTNL_EXPR_LOOKUP_SET_ID) : 0;
	struct nftnl_set_list_iter *it = nftnl_set_list_iter_create(o->sets);
	struct nftnl_set *s, *found = NULL;

	for (s = it ? nftnl_set_list_iter_next(it) : NULL; s && !found;
	     s = nftnl_set_list_iter_next(it)) {
		if (by_id ? u32_or0(s, NFTNL_SET_ID) == id :
		    !strcmp(nftnl_set_get_str(s, NFTNL_SET_NAME), name))
			found = s;
	}
	if (it)
		nftnl_set_list_iter_destroy(it);
	return found;
}

static int lookup_text(FILE *f, const struct nft_objs *o,
		       const struct nftnl_expr *x)
{
	const char *name = nftnl_expr_get_str(x, NFTNL_EXPR_LOOKUP_SET);
	struct nftnl_set *s;

	fprintf(f, "  [ lookup reg %u", nftnl_expr_get_u32(x, NFTNL_EXPR_LOOKUP_SREG));
	if (nftnl_expr_is_set(x, NFTNL_EXPR_LOOKUP_DREG))
		fprintf(f, " dreg %u", nftnl_expr_get_u32(x, NFTNL_EXPR_LOOKUP_DREG));
	fprintf(f, " flags %u set %s ]\n",
		nftnl_expr_get_u32(x, NFTNL_EXPR_LOOKUP_FLAGS),
		anonymous(name) ? "(anonymous)" : name ? name : "-");
	if (!anonymous(name))
		return 0;
	s = lookup_set(o, x);
	if (!s) {
		fputs("  (missing set)\n", f);
		return 0;
	}
	fputs("  ", f);
	return set_text(f, s, "(anonymous)");
}

struct rule_txt {
	FILE *f;
	const struct nft_objs *o;
	int rc;
};

static int expr_cb(struct nftnl_expr *x, void *data)
{
	struct rule_txt *t = data;
	const char *kind = nftnl_expr_get_str(x, NFTNL_EXPR_NAME);
	char line[LINE_MAX_TXT];

	if (kind && !strcmp(kind, "lookup")) {
		if (lookup_text(t->f, t->o, x))
			t->rc = -ENOMEM;
		return 0;
	}
	if (nftnl_expr_snprintf(line, sizeof(line), x, NFTNL_OUTPUT_DEFAULT, 0) < 0)
		line[0] = 0;
	fprintf(t->f, "  [ %s %s ]\n", kind ? kind : "?", line);
	return 0;
}

static int rule_cb(struct nftnl_rule *r, void *data)
{
	struct rule_txt *t = data;

	fprintf(t->f, "rule %s\n", nftnl_rule_get_str(r, NFTNL_RULE_CHAIN));
	nftnl_expr_foreach(r, expr_cb, t);
	return 0;
}

static int chain_cb(struct nftnl_chain *c, void *data)
{
	FILE *f = data;
	const char *type = nftnl_chain_get_str(c, NFTNL_CHAIN_TYPE);

	fprintf(f, "chain %s type %s hook %u prio %d policy %u\n",
		nftnl_chain_get_str(c, NFTNL_CHAIN_NAME), type ? type : "-",
		nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM),
		nftnl_chain_get_s32(c, NFTNL_CHAIN_PRIO),
		nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY));
	return 0;
}

static int named_set_cb(struct nftnl_set *s, void *data)
{
	struct rule_txt *t = data;
	const char *name = nftnl_set_get_str(s, NFTNL_SET_NAME);

	if (!anonymous(name) && set_text(t->f, s, name))
		t->rc = -ENOMEM;
	return 0;
}

int nft_objs_text(const struct nft_objs *o, char **out)
{
	struct rule_txt t = { NULL, o, 0 };
	char *buf = NULL;
	size_t n = 0;

	t.f = open_memstream(&buf, &n);
	if (!t.f)
		return -ENOMEM;
	if (!o->table) {
		fputs("no table\n", t.f);
	} else {
		fprintf(t.f, "table ip %s flags %u\n",
			nftnl_table_get_str(o->table, NFTNL_TABLE_NAME),
			nftnl_table_get_u32(o->table, NFTNL_TABLE_FLAGS));
		nftnl_chain_list_foreach(o->chains, chain_cb, t.f);
		nftnl_set_list_foreach(o->sets, named_set_cb, &t);
		nftnl_rule_list_foreach(o->rules, rule_cb, &t);
	}
	if (fclose(t.f) || t.rc) {
		free(buf);
		return -ENOMEM;
	}
	*out = buf;
	return 0;
}
