/* SPDX-License-Identifier: MIT */
/* Reconcile, the mark half (as netifd's vlist does it): what the plan
 * wants against what we own in the kernel, as a list of writes; and the
 * sweep of what we own and no longer want. apply.c writes the list. */
#include "apply_int.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

/* ---- ownership ------------------------------------------------------------ */

/* Our name and a kind we make: an ip6tnl, or a veth (the translator's). */
bool is_our_link(const struct kstate *k, const char *name)
{
	for (size_t i = 0; i < k->n_links; i++)
		if (!strcmp(k->links[i].l.name, name) &&
		    (!strcmp(k->links[i].kind, "ip6tnl") ||
		     !strcmp(k->links[i].kind, "veth")))
			return true;
	return false;
}

/* A plan link by name; a veth's peer counts as part of it. */
const struct plan_link *plan_link_of(const struct plan *p, const char *name)
{
	for (size_t i = 0; i < p->n_links; i++)
		if (!strcmp(p->links[i].name, name) ||
		    (p->links[i].kind == PLAN_LINK_VETH &&
		     !strcmp(p->links[i].peer, name)))
			return &p->links[i];
	return NULL;
}

bool plan_has_link(const struct plan *p, const char *name)
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

int record_keep(struct own_record *r, const struct kaddr *a, struct err *e)
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
int apply_diff(struct rc *c, bool with_nft, bool nft_holds, struct err *e)
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
