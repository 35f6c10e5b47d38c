/* SPDX-License-Identifier: MIT */
/* Reconcile (mark and sweep, as netifd's vlist does it): mark what the
 * plan wants against what we own in the kernel, write only the
 * difference, sweep what we own and no longer want. Every write done is
 * logged so that a refusal halfway can be undone in reverse order. */
#include "apply.h"

#include <errno.h>
#include <linux/if_addr.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

enum op_kind {
	OP_NFT_APPLY,
	OP_NFT_REMOVE,
	OP_LINK_ADD,
	OP_LINK_CHANGE,
	OP_LINK_DEL,
	OP_ADDR_ADD,
	OP_ADDR_DEL,
	OP_ROUTE_ADD,
	OP_ROUTE_REPLACE,
	OP_ROUTE_DEL,
};

struct op {
	enum op_kind kind;
	struct klink link, old_link;    /* LINK_*: new; CHANGE/DEL: old */
	struct kaddr addr;
	struct kroute route, old_route; /* REPLACE: new and old */
	const struct plan *nft;         /* NFT_APPLY: what to put */
};

/* One diff can push at most this many ops (every sweep and every plan
 * object at once); the op list holds two (the diff and the read-back). */
#define OPS_PASS_MAX (3 + PLAN_MAX_LINKS + 2 * PLAN_MAX_ADDRS +            \
		      PLAN_MAX_ROUTES + KSTATE_MAX_LINKS + KSTATE_MAX_ADDRS + \
		      KSTATE_MAX_ROUTES)
#define OPS_MAX (2 * OPS_PASS_MAX)

struct rc {
	const struct backend *be;
	const struct plan *plan;
	struct kstate have;             /* as read before the first write */
	struct kstate after;            /* as read back after the last */
	const struct kstate *k;         /* the state diff() compares with */
	struct own_record old_rec, new_rec;
	struct own_record cover;        /* old + new: written before writing */
	bool had_record;
	struct plan old_nft;            /* the table's content per old_rec */
	struct op ops[OPS_MAX];
	size_t n_ops;
	size_t n_done;                  /* ops written successfully */
	struct apply_stats st;
};

/* ---- ownership ------------------------------------------------------------ */

/* Our name and a kind we make: an ip6tnl, or a veth (the translator's). */
static bool is_our_link(const struct kstate *k, const char *name)
{
	for (size_t i = 0; i < k->n_links; i++)
		if (!strcmp(k->links[i].l.name, name) &&
		    (!strcmp(k->links[i].kind, "ip6tnl") ||
		     !strcmp(k->links[i].kind, "veth")))
			return true;
	return false;
}

/* A plan link by name; a veth's peer counts as part of it. */
static const struct plan_link *plan_link_of(const struct plan *p,
					    const char *name)
{
	for (size_t i = 0; i < p->n_links; i++)
		if (!strcmp(p->links[i].name, name) ||
		    (p->links[i].kind == PLAN_LINK_VETH &&
		     !strcmp(p->links[i].peer, name)))
			return &p->links[i];
	return NULL;
}

static bool plan_has_link(const struct plan *p, const char *name)
{
	return plan_link_of(p, name) != NULL;
}

static bool in_record(const struct own_record *r, const struct kaddr *a)
{
	for (size_t i = 0; i < r->n_addrs; i++)
		if (kaddr_same_key(&r->addrs[i], a))
			return true;
	return false;
}

/* backend.h: on our links everything but the kernel's link-local; on
 * other interfaces what carries our IFA_PROTO or is in the record. */
static bool addr_owned(const struct rc *c, const struct kaddr *a)
{
	if (is_our_link(c->k, a->a.ifname))
		return !(a->a.family == AF_INET6 &&
			 IN6_IS_ADDR_LINKLOCAL(&a->a.v6));
	return a->proto == V6MIG_RTPROT || in_record(&c->cover, a);
}

/* ---- the op list ------------------------------------------------------------ */

static struct op *op_push(struct rc *c, enum op_kind kind)
{
	struct op *o = &c->ops[c->n_ops++]; /* bounded: see OPS_MAX */

	memset(o, 0, sizeof(*o));
	o->kind = kind;
	return o;
}

static bool link_going(const struct rc *c, const char *name)
{
	return is_our_link(c->k, name) && !plan_has_link(c->plan, name);
}

/* One of our links that the plan wants as another kind under the same
 * name (MAP-E mesh or MAP-T's veth <-> a tunnel's ip6tnl): deleted and
 * made anew, and what was on it goes with it and is added again. */
static bool link_replaced(const struct rc *c, const char *name)
{
	const struct plan_link *pl = plan_link_of(c->plan, name);

	if (!pl || !is_our_link(c->k, name))
		return false;
	for (size_t i = 0; i < c->k->n_links; i++)
		if (!strcmp(c->k->links[i].l.name, name))
			return strcmp(c->k->links[i].kind,
				      klink_kind_name(pl->kind)) != 0;
	return false;
}

/* Goes away with a link being deleted or replaced. */
static bool on_link_going(const struct rc *c, const char *ifname)
{
	return link_going(c, ifname) || link_replaced(c, ifname);
}

static int record_keep(struct own_record *r, const struct kaddr *a,
		       struct err *e)
{
	if (in_record(r, a))
		return 0;
	if (r->n_addrs == RECORD_MAX_ADDRS)
		return err_set(e, E2BIG, "over %d recorded addresses",
			       RECORD_MAX_ADDRS);
	r->addrs[r->n_addrs++] = *a;
	return 0;
}

static void diff_links(struct rc *c)
{
	for (size_t i = 0; i < c->plan->n_links; i++) {
		const struct klink *have = NULL;
		struct klink want;
		struct op *o;

		klink_from_plan(&c->plan->links[i], &want);
		for (size_t j = 0; j < c->k->n_links; j++)
			if (!strcmp(c->k->links[j].l.name, want.l.name))
				have = &c->k->links[j];
		if (have && link_replaced(c, have->l.name)) {
			op_push(c, OP_LINK_DEL)->old_link = *have;
			have = NULL;
		}
		if (have && klink_same(&want, have, NULL))
			continue;
		o = op_push(c, have ? OP_LINK_CHANGE : OP_LINK_ADD);
		o->link = want;
		if (have)
			o->old_link = *have;
	}
}

static int diff_addrs(struct rc *c, struct err *e)
{
	for (size_t i = 0; i < c->plan->n_addrs; i++) {
		const struct kaddr *have = NULL;
		struct kaddr want;
		bool ours_if;

		kaddr_from_plan(&c->plan->addrs[i], &want);
		ours_if = plan_has_link(c->plan, want.a.ifname);
		for (size_t j = 0; j < c->k->n_addrs; j++)
			if (kaddr_same_key(&want, &c->k->addrs[j]) &&
			    !link_replaced(c, c->k->addrs[j].a.ifname))
				have = &c->k->addrs[j];
		if (have && !addr_owned(c, have))
			continue; /* somebody else's: it serves, leave it */
		if (have && kaddr_same(&want, have)) {
			if (!ours_if && record_keep(&c->new_rec, have, e))
				return -E2BIG;
			continue;
		}
		if (have)
			op_push(c, OP_ADDR_DEL)->addr = *have;
		op_push(c, OP_ADDR_ADD)->addr = want;
		if (!ours_if && record_keep(&c->new_rec, &want, e))
			return -E2BIG;
	}
	return 0;
}

static void diff_routes(struct rc *c)
{
	for (size_t i = 0; i < c->plan->n_routes; i++) {
		const struct kroute *have = NULL;
		struct kroute want;
		struct op *o;

		kroute_from_plan(&c->plan->routes[i], &want);
		for (size_t j = 0; j < c->k->n_routes; j++)
			if (kroute_same_key(&want, &c->k->routes[j]) &&
			    !link_replaced(c, c->k->routes[j].r.dev))
				have = &c->k->routes[j];
		if (have && kroute_same(&want, have))
			continue;
		o = op_push(c, have ? OP_ROUTE_REPLACE : OP_ROUTE_ADD);
		o->route = want;
		if (have)
			o->old_route = *have;
	}
}

static bool route_wanted(const struct rc *c, const struct kroute *r)
{
	struct kroute want;

	for (size_t i = 0; i < c->plan->n_routes; i++) {
		kroute_from_plan(&c->plan->routes[i], &want);
		if (kroute_same_key(&want, r))
			return true;
	}
	return false;
}

static bool addr_wanted(const struct rc *c, const struct kaddr *a)
{
	struct kaddr want;

	for (size_t i = 0; i < c->plan->n_addrs; i++) {
		kaddr_from_plan(&c->plan->addrs[i], &want);
		if (kaddr_same_key(&want, a))
			return true;
	}
	return false;
}

/* A veth going whose peer goes too and sorts first: deleting the peer
 * deletes both, so one delete (and one undo, which makes the pair). The
 * peer's own record is the one kept: it must name this end as its peer.
 * A peer being replaced (diff_links deletes it) takes this end along. */
static bool veth_peer_first(const struct rc *c, const struct klink *l)
{
	if (strcmp(l->kind, "veth"))
		return false;
	if (link_replaced(c, l->l.peer))
		return true;
	if (!link_going(c, l->l.peer))
		return false;
	return strcmp(l->l.peer, l->l.name) < 0;
}

/* Sweep: what we own and the plan no longer wants. Addresses and routes
 * on a link being deleted go with it (no write of their own). */
static void sweep(struct rc *c)
{
	for (size_t i = 0; i < c->k->n_routes; i++) {
		const struct kroute *r = &c->k->routes[i];

		if (!route_wanted(c, r) && !on_link_going(c, r->r.dev))
			op_push(c, OP_ROUTE_DEL)->route = *r;
	}
	for (size_t i = 0; i < c->k->n_addrs; i++) {
		const struct kaddr *a = &c->k->addrs[i];

		if (addr_owned(c, a) && !addr_wanted(c, a) &&
		    !on_link_going(c, a->a.ifname))
			op_push(c, OP_ADDR_DEL)->addr = *a;
	}
	for (size_t i = 0; i < c->k->n_links; i++)
		if (link_going(c, c->k->links[i].l.name) &&
		    !veth_peer_first(c, &c->k->links[i]))
			op_push(c, OP_LINK_DEL)->old_link = c->k->links[i];
}

/* Appends to c->ops what it takes to go from c->k to c->plan, and fills
 * c->new_rec. Our table goes first (NAT and receive filters in place
 * before the tunnel carries anything) when its previous content is known
 * (absent, or in the record), so it can be undone; else last, where
 * nothing after it can fail. nft_holds: the table already is the plan's. */
static int diff(struct rc *c, bool with_nft, bool nft_holds, struct err *e)
{
	bool want_nft = plan_wants_nft(c->plan);
	bool nft_write = with_nft && want_nft && !nft_holds;
	bool nft_first = !c->k->nft_present || c->old_rec.nft;

	memset(&c->new_rec, 0, sizeof(c->new_rec));
	if (nft_write && nft_first)
		op_push(c, OP_NFT_APPLY)->nft = c->plan;
	diff_links(c);
	if (diff_addrs(c, e))
		return -E2BIG;
	diff_routes(c);
	sweep(c);
	if (nft_write && !nft_first)
		op_push(c, OP_NFT_APPLY)->nft = c->plan;
	if (with_nft && !want_nft && c->k->nft_present)
		op_push(c, OP_NFT_REMOVE);
	if (c->plan->xlat.enabled)
		memcpy(c->new_rec.xlat_wan, c->plan->xlat.wan,
		       sizeof(c->new_rec.xlat_wan));
	if (c->plan->mesh.enabled)
		memcpy(c->new_rec.mesh_wan, c->plan->mesh.wan,
		       sizeof(c->new_rec.mesh_wan));
	c->new_rec.has_method = c->plan->n_links > 0;
	c->new_rec.method = c->plan->method;
	c->new_rec.nft = want_nft;
	c->new_rec.nat = c->plan->nat;
	c->new_rec.filter = c->plan->filter;
	return 0;
}

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
	rc = diff(c, false, false, e);
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
	if ((rc = diff(c, true, holds, e)))
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
