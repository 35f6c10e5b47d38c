/* SPDX-License-Identifier: MIT */
/* Reconcile (mark and sweep, as netifd's vlist does it): apply_diff.c
 * marks what the plan wants against what we own in the kernel; here the
 * difference is written, every write logged so that a refusal halfway can
 * be undone in reverse order, and the result read back. */
#include "apply_int.h"

#include <errno.h>
#include <linux/if_addr.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* ---- writing and undoing -------------------------------------------------- */

static int op_write(struct rc *c, const struct op *o, struct err *e)
{
	const struct backend_ops *b = c->be->ops;
	void *x = c->be->ctx;

	c->st.writes++;
	switch (o->kind) {
	case OP_NFT_APPLY:
		return b->nft_apply(x, o->nft, e);
	case OP_NFT_REMOVE:
		return b->nft_remove(x, e);
	case OP_LINK_ADD:
		return b->link_add(x, &o->link, e);
	case OP_LINK_CHANGE:
		return b->link_change(x, &o->link, e);
	case OP_LINK_DEL:
		return b->link_del(x, o->old_link.l.name, e);
	case OP_ADDR_ADD:
		return b->addr_add(x, &o->addr, e);
	case OP_ADDR_DEL:
		return b->addr_del(x, &o->addr, e);
	case OP_ROUTE_ADD:
		return b->route_add(x, &o->route, false, e);
	case OP_ROUTE_REPLACE:
		return b->route_add(x, &o->route, true, e);
	case OP_ROUTE_DEL:
		return b->route_del(x, &o->route, e);
	}
	return err_set(e, EINVAL, "unknown op %d", (int)o->kind);
}

static int undo_write(struct rc *c, const struct op *u, struct err *e)
{
	c->st.undone++;
	return op_write(c, u, e);
}

/* A deleted link comes back with what went with it: its addresses
 * (not the kernel's link-local, which the kernel makes again) and its
 * routes, as they were read before the first write. */
static int undo_link_del(struct rc *c, const struct klink *l, struct err *e)
{
	struct op u;
	int rc, first = 0;

	memset(&u, 0, sizeof(u));
	u.kind = OP_LINK_ADD;
	u.link = *l;
	if ((rc = undo_write(c, &u, e)))
		return rc;
	for (size_t i = 0; i < c->have.n_addrs; i++) {
		const struct kaddr *a = &c->have.addrs[i];

		if (strcmp(a->a.ifname, l->l.name) ||
		    (a->a.family == AF_INET6 && IN6_IS_ADDR_LINKLOCAL(&a->a.v6)))
			continue;
		u.kind = OP_ADDR_ADD;
		u.addr = *a;
		if ((rc = undo_write(c, &u, e)) && !first)
			first = rc;
	}
	for (size_t i = 0; i < c->have.n_routes; i++) {
		if (strcmp(c->have.routes[i].r.dev, l->l.name))
			continue;
		u.kind = OP_ROUTE_ADD;
		u.route = c->have.routes[i];
		if ((rc = undo_write(c, &u, e)) && !first)
			first = rc;
	}
	return first;
}

static int undo_nft(struct rc *c, struct err *e)
{
	struct op u;

	memset(&u, 0, sizeof(u));
	if (c->have.nft_present && !c->old_rec.nft)
		return err_set(e, ENOTRECOVERABLE, "table %s: previous content "
			       "unknown (no record), left as written",
			       c->plan->scope.table);
	u.kind = c->have.nft_present ? OP_NFT_APPLY : OP_NFT_REMOVE;
	u.nft = &c->old_nft;
	return undo_write(c, &u, e);
}

static int undo_one(struct rc *c, const struct op *o, struct err *e)
{
	struct op u;

	memset(&u, 0, sizeof(u));
	switch (o->kind) {
	case OP_NFT_APPLY:
	case OP_NFT_REMOVE:
		return undo_nft(c, e);
	case OP_LINK_DEL:
		return undo_link_del(c, &o->old_link, e);
	case OP_LINK_ADD:
		u.kind = OP_LINK_DEL;
		u.old_link = o->link;
		break;
	case OP_LINK_CHANGE:
		u.kind = OP_LINK_CHANGE;
		u.link = o->old_link;
		break;
	case OP_ADDR_ADD:
	case OP_ADDR_DEL:
		u.kind = o->kind == OP_ADDR_ADD ? OP_ADDR_DEL : OP_ADDR_ADD;
		u.addr = o->addr;
		break;
	case OP_ROUTE_ADD:
	case OP_ROUTE_DEL:
		u.kind = o->kind == OP_ROUTE_ADD ? OP_ROUTE_DEL : OP_ROUTE_ADD;
		u.route = o->route;
		break;
	case OP_ROUTE_REPLACE:
		u.kind = OP_ROUTE_REPLACE;
		u.route = o->old_route;
		break;
	}
	return undo_write(c, &u, e);
}

/* Undo every write done, last first; keep going past a failed undo so
 * as much as possible is restored, and say what could not be. */
static void rollback(struct rc *c, struct err *e)
{
	struct err ue = { "" };
	char cause[ERR_MSG_MAX];
	int first = 0;

	c->st.rolled_back = true;
	for (size_t i = c->n_done; i-- > 0;) {
		int rc = undo_one(c, &c->ops[i], first ? &(struct err){ "" } : &ue);

		if (rc && !first)
			first = rc;
	}
	if (first && e) {
		memcpy(cause, e->msg, sizeof(cause));
		err_set(e, first, "%s; rollback incomplete: %s", cause, ue.msg);
	}
}

static int run_ops(struct rc *c, struct err *e)
{
	for (c->n_done = 0; c->n_done < c->n_ops; c->n_done++) {
		int rc = op_write(c, &c->ops[c->n_done], e);

		if (rc)
			return rc;
	}
	return 0;
}

/* ---- the eBPF data planes: translator and mesh ----------------------- */

typedef int (*plane_remove_fn)(void *ctx, const char *wan, struct err *e);

/* Our filter off a WAN the plan no longer runs this plane on (down,
 * another method, another WAN). */
static int plane_remove(struct rc *c, const char *old, bool enabled,
			const char *wan, plane_remove_fn remove, struct err *e)
{
	int rc;

	if (!old[0] || !remove || (enabled && !strcmp(old, wan)))
		return 0;
	c->st.writes++;
	rc = remove(c->be->ctx, old, e);
	/* The WAN itself gone: so is our filter. */
	return rc == -ENODEV ? 0 : rc;
}

/* After the link writes (commit()), or alone when nothing else differs. */
static int bpf_remove(struct rc *c, struct err *e)
{
	const struct backend_ops *b = c->be->ops;
	const struct plan *p = c->plan;
	int rc = plane_remove(c, c->old_rec.xlat_wan, p->xlat.enabled,
			      p->xlat.wan, b->xlat_remove, e);

	if (!rc)
		rc = plane_remove(c, c->old_rec.mesh_wan, p->mesh.enabled,
				  p->mesh.wan, b->mesh_remove, e);
	return rc;
}

/* Last: the programs and maps as the plan says (the device exists now);
 * each loader writes only what differs. */
static int bpf_apply(struct rc *c, struct err *e)
{
	const struct backend_ops *b = c->be->ops;
	const struct plan *p = c->plan;

	if (p->xlat.enabled && !b->xlat_apply)
		return err_set(e, EOPNOTSUPP, "this backend has no translator");
	if (p->mesh.enabled && !b->mesh_apply)
		return err_set(e, EOPNOTSUPP, "this backend has no mesh");
	if (p->xlat.enabled)
		return b->xlat_apply(c->be->ctx, &p->xlat, &c->st.writes, e);
	if (p->mesh.enabled)
		return b->mesh_apply(c->be->ctx, &p->mesh, &c->st.writes, e);
	return 0;
}

/* ---- read back and compare ------------------------------------------------ */

static int describe(const struct op *o, struct err *e)
{
	char b[V6_STR_MAX];
	const char *what = NULL;

	switch (o->kind) {
	case OP_LINK_ADD:
	case OP_LINK_CHANGE:
		klink_same(&o->link, &o->old_link, &what);
		return err_set(e, EPROTO, "link %s: the kernel holds %s "
			       "otherwise than sent", o->link.l.name,
			       o->kind == OP_LINK_ADD ? "no such link" : what);
	case OP_ADDR_ADD:
	case OP_ADDR_DEL:
		return err_set(e, EPROTO, "address %s on %s: not as sent",
			       o->addr.a.family == AF_INET6 ?
			       v6addr_str(&o->addr.a.v6, b) :
			       v4addr_str(o->addr.a.v4, b), o->addr.a.ifname);
	case OP_ROUTE_ADD:
	case OP_ROUTE_REPLACE:
	case OP_ROUTE_DEL:
		return err_set(e, EPROTO, "route %s dev %s: not as sent",
			       v4pfx_str(&o->route.r.dst, b), o->route.r.dev);
	case OP_LINK_DEL:
		return err_set(e, EPROTO, "link %s: still there",
			       o->old_link.l.name);
	case OP_NFT_APPLY:
	case OP_NFT_REMOVE:
		break;
	}
	return err_set(e, EPROTO, "our nftables table: not as sent");
}

/* After the writes: read again; the difference must now be empty. */
static int verify(struct rc *c, const char *const *names, size_t n,
		  struct err *e)
{
	struct own_record keep = c->new_rec;
	size_t start = c->n_ops;
	int rc;

	bool want_nft = plan_wants_nft(c->plan);
	bool holds = !want_nft;

	if ((rc = c->be->ops->read(c->be->ctx, names, n, &c->after, e)))
		return err_wrap(e, rc, "reading back");
	if (want_nft && (rc = c->be->ops->nft_holds(c->be->ctx, c->plan,
						      &holds, e)))
		return err_wrap(e, rc, "reading back table %s", c->plan->scope.table);
	if (!holds || (!want_nft && c->after.nft_present))
		return err_set(e, EPROTO, "table %s: the kernel holds it "
			       "otherwise than sent", c->plan->scope.table);
	c->k = &c->after;
	rc = apply_diff(c, false, false, e);
	c->new_rec = keep;
	if (!rc && c->n_ops > start)
		rc = describe(&c->ops[start], e);
	c->n_ops = start;
	c->k = &c->have;
	return rc;
}

/* ---- the plan and its ownership ------------------------------------------- */

static int check_plan(const struct plan *p, struct err *e)
{
	if (p->n_links > PLAN_MAX_LINKS || p->n_addrs > PLAN_MAX_ADDRS ||
	    p->n_routes > PLAN_MAX_ROUTES)
		return err_set(e, EINVAL, "plan: too many objects");
	for (size_t i = 0; i < p->n_links; i++) {
		const struct plan_link *l = &p->links[i];
		bool veth = l->kind == PLAN_LINK_VETH;
		const char *other = veth ? l->peer : l->underlay;

		/* A tunnel over a link that is not ours (any instance's);
		 * a veth to a peer of this instance. */
		if (!plan_scope_owns_link(&p->scope, l->name) || !other[0] ||
		    (veth ? !plan_scope_owns_link(&p->scope, other) :
			    backend_link_name_ours(other)) ||
		    (veth && !strcmp(l->name, l->peer)))
			return err_set(e, EINVAL, "plan: link '%s' %s '%s' "
				       "is not one of ours (%s)", l->name,
				       veth ? "with peer" : "over", other,
				       p->scope.link);
	}
	for (size_t i = 0; i < p->n_addrs; i++) {
		const struct plan_addr *a = &p->addrs[i];

		if ((a->family != AF_INET && a->family != AF_INET6) ||
		    !a->ifname[0] || a->plen > (a->family == AF_INET ? 32 : 128) ||
		    (plan_scope_owns_link(&p->scope, a->ifname) &&
		     !plan_has_link(p, a->ifname)))
			return err_set(e, EINVAL, "plan: address on '%s' "
				       "(family %d, /%u) refused", a->ifname,
				       a->family, a->plen);
	}
	for (size_t i = 0; i < p->n_routes; i++)
		if (p->routes[i].family != AF_INET ||
		    !plan_has_link(p, p->routes[i].dev))
			return err_set(e, EINVAL, "plan: route via '%s' is not "
				       "into one of the plan's links",
				       p->routes[i].dev);
	return 0;
}

static void add_name(const char **names, size_t *n, const char *name)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp(names[i], name))
			return;
	if (*n < KQUERY_MAX_IFNAMES)
		names[(*n)++] = name;
}

/* A plan link's name held by a link of another kind is not ours
 * (backend.h): refuse rather than touch it. */
static int refuse_foreign(const struct rc *c, struct err *e)
{
	for (size_t i = 0; i < c->have.n_links; i++) {
		const struct klink *l = &c->have.links[i];

		const struct plan_link *pl = plan_link_of(c->plan, l->l.name);
		const char *want = pl ? klink_kind_name(pl->kind) : NULL;

		/* ours of another kind is replaced (link_replaced()) */
		if (want && strcmp(l->kind, want) && !is_our_link(&c->have, l->l.name))
			return err_set(e, EEXIST, "link %s exists and is a '%s', "
				       "not an %s of ours: not touching it",
				       l->l.name, l->kind, want);
	}
	return 0;
}

static int cover_union(struct rc *c, struct err *e)
{
	c->cover = c->old_rec;
	if (c->new_rec.xlat_wan[0])
		memcpy(c->cover.xlat_wan, c->new_rec.xlat_wan,
		       sizeof(c->cover.xlat_wan));
	if (c->new_rec.mesh_wan[0])
		memcpy(c->cover.mesh_wan, c->new_rec.mesh_wan,
		       sizeof(c->cover.mesh_wan));
	for (size_t i = 0; i < c->new_rec.n_addrs; i++)
		if (record_keep(&c->cover, &c->new_rec.addrs[i], e))
			return -E2BIG;
	return 0;
}

static bool record_differs(const struct own_record *a,
			   const struct own_record *b)
{
	char *x = record_to_json(a), *y = record_to_json(b);
	bool d = !x || !y || strcmp(x, y) != 0;

	free(x);
	free(y);
	return d;
}

/* Make the record say new_rec (or remove it, for down). */
static int record_final(struct rc *c, const char *run_dir, bool down,
			struct err *e)
{
	if (down)
		return record_remove(run_dir, e);
	if (c->had_record && !record_differs(&c->old_rec, &c->new_rec))
		return 0;
	return record_save(run_dir, &c->new_rec, e);
}

/* Writes, read back, record; any failure undoes every write done. */
static int commit(struct rc *c, const char *run_dir, bool down,
		  const char *const *names, size_t n, struct err *e)
{
	struct err ignore;
	int rc;

	if ((rc = cover_union(c, e)) ||
	    (rc = record_save(run_dir, &c->cover, e)))
		return rc;
	/* Filters come off after the link writes: a refused write is undone
	 * with the programs still in place where their device stayed. */
	rc = run_ops(c, e);
	if (!rc)
		rc = bpf_remove(c, e);
	if (!rc)
		rc = bpf_apply(c, e);
	if (!rc)
		rc = verify(c, names, n, e);
	if (!rc)
		rc = record_final(c, run_dir, down, e);
	if (rc) {
		rollback(c, e);
		/* The kernel is as before: so is the record. */
		if (c->had_record)
			record_save(run_dir, &c->old_rec, &ignore);
		else
			record_remove(run_dir, &ignore);
	}
	return rc;
}

static int reconcile(struct rc *c, const char *run_dir, bool down,
		     struct err *e)
{
	const char *names[KQUERY_MAX_IFNAMES];
	bool holds = false;
	size_t n = 0;
	int rc;

	if ((rc = check_plan(c->plan, e)) ||
	    (rc = record_load(run_dir, &c->old_rec, &c->had_record, e)))
		return rc;
	plan_init(&c->old_nft, c->old_rec.method);
	c->old_nft.nat = c->old_rec.nat;
	c->old_nft.filter = c->old_rec.filter;
	for (size_t i = 0; i < c->plan->n_addrs; i++)
		add_name(names, &n, c->plan->addrs[i].ifname);
	for (size_t i = 0; i < c->old_rec.n_addrs; i++)
		add_name(names, &n, c->old_rec.addrs[i].a.ifname);
	if ((rc = c->be->ops->read(c->be->ctx, names, n, &c->have, e)))
		return err_wrap(e, rc, "reading what we own");
	c->k = &c->have;
	c->cover = c->old_rec;
	if ((rc = refuse_foreign(c, e)))
		return rc;
	if (plan_wants_nft(c->plan) &&
	    (rc = c->be->ops->nft_holds(c->be->ctx, c->plan, &holds, e)))
		return err_wrap(e, rc, "reading table %s", c->plan->scope.table);
	if ((rc = apply_diff(c, true, holds, e)))
		return rc;
	if (c->n_ops == 0) {
		/* Links, addresses, routes and table as wanted: the
		 * translator or mesh may still differ (its maps, or a
		 * filter someone removed); it writes only then. */
		if ((rc = bpf_remove(c, e)) || (rc = bpf_apply(c, e)))
			return rc;
		return record_final(c, run_dir, down, e);
	}
	return commit(c, run_dir, down, names, n, e);
}

static int run(const struct backend *be, const char *run_dir,
	       const struct plan *p, bool down, struct apply_stats *st,
	       struct err *e)
{
	struct rc *c = calloc(1, sizeof(*c));
	int rc;

	if (!c)
		return err_set(e, ENOMEM, "out of memory");
	c->be = be;
	c->plan = p;
	rc = reconcile(c, run_dir, down, e);
	if (st)
		*st = c->st;
	free(c);
	return rc;
}

int apply_plan(const struct backend *be, const char *run_dir,
	       const struct plan *p, struct apply_stats *st, struct err *e)
{
	return run(be, run_dir, p, false, st, e);
}

int apply_down(const struct backend *be, const char *run_dir,
	       struct apply_stats *st, struct err *e)
{
	struct plan none;

	/* Down is reconciling towards nothing: every object we own is
	 * swept, in the same order and with the same undo. */
	plan_init(&none, METHOD__COUNT);
	return run(be, run_dir, &none, true, st, e);
}
