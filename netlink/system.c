/* SPDX-License-Identifier: MIT */
/* The real backend: the rtnl.c functions as they are, and nft.c behind
 * the three table operations reconcile needs. */
#include "system.h"

#include <errno.h>
#include <stdlib.h>
#include <net/if.h>
#include <string.h>

#include "rtnl.h"
#include "meshspec.h"
#include "xlatspec.h"

int system_open(struct system *s, struct err *e)
{
	memset(s, 0, sizeof(*s));
	nft_ctx_init(&s->nft);
	plan_scope_make(&s->scope, NULL, 0, NULL);
	return rt_ctx_new(&s->rt, e);
}

int system_set_scope(struct system *s, const struct plan_scope *scope,
		     struct err *e)
{
	int rc = nft_ctx_set_table(&s->nft, scope->table, e);

	if (rc == 0) {
		rt_ctx_set_scope(s->rt, scope);
		s->scope = *scope;
	}
	return rc;
}

void system_close(struct system *s)
{
	rt_ctx_free(s->rt);
	s->rt = NULL;
}

static int sys_read(void *ctx, const char *const *ifnames, size_t n,
		    struct kstate *out, struct err *e)
{
	struct system *s = ctx;
	struct nft_objs have;
	int rc;

	if ((rc = rt_read(s->rt, ifnames, n, out, e)))
		return rc;
	if ((rc = nft_read(&s->nft, &have, e)))
		return rc;
	out->nft_present = have.table != NULL;
	nft_objs_done(&have);
	return 0;
}

/* Our table, read back, against the plan's, in nft.c's canonical text. */
static int sys_nft_holds(void *ctx, const struct plan *p, bool *holds,
			 struct err *e)
{
	struct system *s = ctx;
	struct nft_objs want, have;
	char *a = NULL, *b = NULL;
	int rc;

	if ((rc = nft_objs_build(p, &want, e)))
		return rc;
	if ((rc = nft_read(&s->nft, &have, e))) {
		nft_objs_done(&want);
		return rc;
	}
	if (nft_objs_text(&want, &a) || nft_objs_text(&have, &b))
		rc = err_set(e, ENOMEM, "nft: out of memory");
	else
		*holds = strcmp(a, b) == 0;
	free(a);
	free(b);
	nft_objs_done(&want);
	nft_objs_done(&have);
	return rc;
}

static int sys_nft_apply(void *ctx, const struct plan *p, struct err *e)
{
	return nft_apply(&((struct system *)ctx)->nft, p, e);
}

static int sys_nft_remove(void *ctx, struct err *e)
{
	return nft_remove(&((struct system *)ctx)->nft, e);
}

static int sys_link_add(void *ctx, const struct klink *l, struct err *e)
{
	return rt_link_add(((struct system *)ctx)->rt, l, e);
}

static int sys_link_change(void *ctx, const struct klink *l, struct err *e)
{
	return rt_link_change(((struct system *)ctx)->rt, l, e);
}

static int sys_link_del(void *ctx, const char *name, struct err *e)
{
	return rt_link_del(((struct system *)ctx)->rt, name, e);
}

static int sys_addr_add(void *ctx, const struct kaddr *a, struct err *e)
{
	return rt_addr_add(((struct system *)ctx)->rt, a, e);
}

static int sys_addr_del(void *ctx, const struct kaddr *a, struct err *e)
{
	return rt_addr_del(((struct system *)ctx)->rt, a, e);
}

static int sys_route_add(void *ctx, const struct kroute *r, bool replace,
			 struct err *e)
{
	return rt_route_add(((struct system *)ctx)->rt, r, replace, e);
}

static int sys_route_del(void *ctx, const struct kroute *r, struct err *e)
{
	return rt_route_del(((struct system *)ctx)->rt, r, e);
}

/* 0 or -ENODEV naming the interface. */
static int ifindex(const char *name, unsigned *out, struct err *e)
{
	unsigned i = if_nametoindex(name);

	if (!i)
		return err_set(e, ENODEV, "no interface '%s'", name);
	*out = i;
	return 0;
}

static int sys_xlat_apply(void *ctx, const struct plan_xlat *x,
			  unsigned *writes, struct err *e)
{
	struct xlat_spec *s = malloc(sizeof(*s));
	struct xlat_writes w = { 0 };
	unsigned wan = 0, dev = 0;
	int rc;

	(void)ctx;
	if (!s)
		return err_set(e, ENOMEM, "out of memory");
	if (!(rc = xlat_spec_from_plan(x, s, e)) &&
	    !(rc = ifindex(x->wan, &wan, e)) && !(rc = ifindex(x->dev, &dev, e)))
		rc = xlat_apply(wan, dev, s, &w, e);
	*writes += w.attached + w.cfg + w.fmr_added + w.fmr_deleted;
	free(s);
	return rc;
}

static int sys_xlat_remove(void *ctx, const char *wan, struct err *e)
{
	unsigned idx = 0;
	int rc;

	(void)ctx;
	if ((rc = ifindex(wan, &idx, e)))
		return rc;
	return xlat_remove(idx, 0, e);
}

static int sys_mesh_apply(void *ctx, const struct plan_mesh *m,
			  unsigned *writes, struct err *e)
{
	struct mesh_spec *s = malloc(sizeof(*s));
	struct mesh_writes w = { 0 };
	unsigned wan = 0, dev = 0;
	int rc;

	(void)ctx;
	if (!s)
		return err_set(e, ENOMEM, "out of memory");
	if (!(rc = mesh_spec_from_plan(m, s, e)) &&
	    !(rc = ifindex(m->wan, &wan, e)) && !(rc = ifindex(m->dev, &dev, e)))
		rc = mesh_apply(wan, dev, s, &w, e);
	*writes += w.attached + w.cfg + w.fmr_added + w.fmr_deleted;
	free(s);
	return rc;
}

/* The device's filter too when the device stays (MAP-E mesh to MAP-T
 * keeps the veth): this instance's device (down plans nothing, so the
 * backend's scope names it), never another instance's v6mig0. */
static int sys_mesh_remove(void *ctx, const char *wan, struct err *e)
{
	struct system *s = ctx;
	unsigned idx = 0;
	int rc;

	if ((rc = ifindex(wan, &idx, e)))
		return rc;
	return mesh_remove(idx, if_nametoindex(plan_xlat_dev(&s->scope)), e);
}

static const struct backend_ops system_ops = {
	.read = sys_read,
	.link_add = sys_link_add,
	.link_change = sys_link_change,
	.link_del = sys_link_del,
	.addr_add = sys_addr_add,
	.addr_del = sys_addr_del,
	.route_add = sys_route_add,
	.route_del = sys_route_del,
	.nft_holds = sys_nft_holds,
	.nft_apply = sys_nft_apply,
	.nft_remove = sys_nft_remove,
	.xlat_apply = sys_xlat_apply,
	.xlat_remove = sys_xlat_remove,
	.mesh_apply = sys_mesh_apply,
	.mesh_remove = sys_mesh_remove,
};

struct backend system_backend(struct system *s)
{
	struct backend b = { &system_ops, s };

	return b;
}
