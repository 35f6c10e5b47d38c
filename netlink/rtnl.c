/* SPDX-License-Identifier: MIT */
/* Links, addresses and routes over libnl-route-3. Each write builds its
 * message from a typed, already-checked object (rtnl_build_*), sends it
 * and reads its ACK with the kernel's extended-ACK text (nlutil.c). A link
 * change sends every attribute, as iproute2's link_ip6tnl.c does: the
 * kernel's ip6tnl changelink starts from zeroed parameters and takes only
 * what the message carries. */
#include "rtnl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/if_addr.h>
#include <linux/if_tunnel.h>
#include <linux/rtnetlink.h>
#include <netlink/addr.h>
#include <netlink/attr.h>
#include <netlink/cache.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/ip6tnl.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>

#include "nlutil.h"

#define READ_RETRIES 3          /* a read interrupted by a change */

struct rt_ctx {
	struct nlconn nl;
	struct plan_scope scope; /* whose links and routes we read */
};

void rt_ctx_set_scope(struct rt_ctx *c, const struct plan_scope *s)
{
	c->scope = *s;
}

int rt_ctx_new(struct rt_ctx **out, struct err *e)
{
	struct rt_ctx *c = calloc(1, sizeof(*c));
	int rc;

	if (!c)
		return err_set(e, ENOMEM, "out of memory");
	if ((rc = nlconn_open(&c->nl, e))) {
		free(c);
		return rc;
	}
	plan_scope_make(&c->scope, NULL, V6MIG_ROUTE_METRIC_DEFAULT, NULL);
	*out = c;
	return 0;
}

void rt_ctx_free(struct rt_ctx *c)
{
	if (!c)
		return;
	nlconn_close(&c->nl);
	free(c);
}

static int ifindex_of(const char *name, struct err *e)
{
	unsigned idx = if_nametoindex(name);

	if (!idx)
		return err_set(e, ENODEV, "no interface '%s'", name);
	return (int)idx;
}

static const char *addr_text(const struct kaddr *a, char *b)
{
	return a->a.family == AF_INET6 ? v6addr_str(&a->a.v6, b) :
					 v4addr_str(a->a.v4, b);
}

/* ---- building messages -------------------------------------------------------- */

static int built(int rc, const char *what, struct nl_msg **out,
		 struct nl_msg *msg, struct err *e)
{
	if (rc < 0)
		return err_set(e, -nle_errno(rc), "building %s: %s", what,
			       nl_geterror(rc));
	*out = msg;
	return 0;
}

static void set_flags(struct rtnl_link *link, unsigned flag, bool on)
{
	if (on)
		rtnl_link_set_flags(link, flag);
	else
		rtnl_link_unset_flags(link, flag);
}

/* A veth pair (the translator's IPv4 side): created with its peer, both
 * with the MTU, up; ARP off on l itself. A change is a plain RTM_NEWLINK
 * of l's name with MTU and flags (veth has no changelink: a VETH_INFO_PEER
 * would be refused with EOPNOTSUPP), so it carries no link info. */
static int build_veth(const struct klink *l, int nlflags, struct nl_msg **out,
		      struct err *e)
{
	bool create = nlflags & NLM_F_CREATE;
	struct rtnl_link *link = create ? rtnl_link_veth_alloc() : rtnl_link_alloc();
	struct rtnl_link *peer;
	struct nl_msg *msg = NULL;
	int rc;

	if (!link)
		return err_set(e, ENOMEM, "out of memory");
	rtnl_link_set_name(link, l->l.name);
	rtnl_link_set_mtu(link, l->l.mtu);
	set_flags(link, IFF_UP, l->up);
	set_flags(link, IFF_NOARP, l->noarp);
	/* Not IFF_UP on the peer here: the kernel opens it before the pair
	 * is joined (veth_open: ENOTCONN); rt_link_add raises it after. */
	if (create && (peer = rtnl_link_veth_get_peer(link)) != NULL) {
		rtnl_link_set_name(peer, l->l.peer);
		rtnl_link_set_mtu(peer, l->l.mtu);
		rtnl_link_put(peer);
	}
	rc = rtnl_link_build_add_request(link, nlflags, &msg);
	rtnl_link_put(link);
	return built(rc, "link", out, msg, e);
}

int rt_build_link(const struct klink *l, int underlay_ifindex, int nlflags,
		    struct nl_msg **out, struct err *e)
{
	struct rtnl_link *link;
	struct in6_addr local = l->l.local, remote = l->l.remote;
	struct nl_msg *msg = NULL;
	int rc;

	if (l->l.kind == PLAN_LINK_VETH)
		return build_veth(l, nlflags, out, e);
	link = rtnl_link_ip6_tnl_alloc();
	if (!link)
		return err_set(e, ENOMEM, "out of memory");
	rtnl_link_set_name(link, l->l.name);
	rtnl_link_set_mtu(link, l->l.mtu);
	if (l->up)
		rtnl_link_set_flags(link, IFF_UP);
	else
		rtnl_link_unset_flags(link, IFF_UP);
	/* Every IFLA_IPTUN_* attribute, every time. */
	rtnl_link_ip6_tnl_set_link(link, (uint32_t)underlay_ifindex);
	rtnl_link_ip6_tnl_set_local(link, &local);
	rtnl_link_ip6_tnl_set_remote(link, &remote);
	rtnl_link_ip6_tnl_set_ttl(link, l->l.hoplimit);
	rtnl_link_ip6_tnl_set_tos(link, l->tos);
	rtnl_link_ip6_tnl_set_encaplimit(link, l->encap_limit);
	rtnl_link_ip6_tnl_set_flowinfo(link, l->flowinfo);
	rtnl_link_ip6_tnl_set_flags(link, l->l.flags);
	rtnl_link_ip6_tnl_set_proto(link, l->l.proto);
	rtnl_link_ip6_tnl_set_fwmark(link, l->fwmark);
	rc = rtnl_link_build_add_request(link, nlflags, &msg);
	rtnl_link_put(link);
	return built(rc, "link", out, msg, e);
}

static struct nl_addr *v4_nladdr(struct in_addr a, unsigned plen)
{
	struct nl_addr *n = nl_addr_build(AF_INET, &a, 4);

	if (n)
		nl_addr_set_prefixlen(n, (int)plen);
	return n;
}

int rt_build_addr(const struct kaddr *a, int ifindex, int cmd, int nlflags,
		    struct nl_msg **out, struct err *e)
{
	struct rtnl_addr *ra = rtnl_addr_alloc();
	struct nl_addr *local;
	struct nl_msg *msg = NULL;
	int rc;

	local = a->a.family == AF_INET6 ?
		nl_addr_build(AF_INET6, &a->a.v6, 16) :
		v4_nladdr(a->a.v4, a->a.plen);
	if (!ra || !local) {
		rtnl_addr_put(ra);
		nl_addr_put(local);
		return err_set(e, ENOMEM, "out of memory");
	}
	nl_addr_set_prefixlen(local, a->a.plen);
	rtnl_addr_set_ifindex(ra, ifindex);
	rtnl_addr_set_family(ra, a->a.family);
	rtnl_addr_set_local(ra, local);
	rtnl_addr_set_prefixlen(ra, a->a.plen);
	if (a->flags & IFA_F_NODAD)
		rtnl_addr_set_flags(ra, IFA_F_NODAD);
	rc = cmd == RTM_NEWADDR ? rtnl_addr_build_add_request(ra, nlflags, &msg) :
				  rtnl_addr_build_delete_request(ra, nlflags, &msg);
	/* IFA_PROTO (Linux >= 6.1; older kernels ignore it): the address is
	 * marked ours in the kernel itself, like our routes. */
	if (rc >= 0 && cmd == RTM_NEWADDR && a->proto &&
	    nla_put_u8(msg, IFA_PROTO, a->proto) < 0)
		rc = -NLE_MSGSIZE;
	rtnl_addr_put(ra);
	nl_addr_put(local);
	if (rc < 0)
		nlmsg_free(msg);
	return built(rc, "address", out, msg, e);
}

int rt_build_route(const struct kroute *r, int oif, int cmd, int nlflags,
		     struct nl_msg **out, struct err *e)
{
	struct rtnl_route *rt = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *dst = v4_nladdr(r->r.dst.addr, r->r.dst.len);
	struct nl_msg *msg = NULL;
	int rc;

	if (!rt || !nh || !dst) {
		rtnl_route_put(rt);
		rtnl_route_nh_free(nh);
		nl_addr_put(dst);
		return err_set(e, ENOMEM, "out of memory");
	}
	rtnl_route_set_family(rt, AF_INET);
	rtnl_route_set_table(rt, r->table);
	rtnl_route_set_dst(rt, dst);
	rtnl_route_set_tos(rt, r->tos);
	rtnl_route_set_priority(rt, r->priority);
	rtnl_route_set_scope(rt, r->scope);
	rtnl_route_set_type(rt, r->type);
	rtnl_route_set_protocol(rt, r->protocol);
	if (r->r.mtu)
		rtnl_route_set_metric(rt, RTAX_MTU, r->r.mtu);
	rtnl_route_nh_set_ifindex(nh, oif);
	rtnl_route_add_nexthop(rt, nh); /* rt owns nh now */
	rc = cmd == RTM_NEWROUTE ? rtnl_route_build_add_request(rt, nlflags, &msg) :
				   rtnl_route_build_del_request(rt, nlflags, &msg);
	rtnl_route_put(rt);
	nl_addr_put(dst);
	return built(rc, "route", out, msg, e);
}

/* ---- writes ------------------------------------------------------------------- */

/* The veth's other end up, once the pair exists. */
static int peer_up(struct rt_ctx *c, const struct klink *l, struct err *e)
{
	struct rtnl_link *link = rtnl_link_alloc();
	struct nl_msg *msg = NULL;
	char what[64];
	int rc;

	if (!link)
		return err_set(e, ENOMEM, "out of memory");
	snprintf(what, sizeof(what), "setting link %s up", l->l.peer);
	rtnl_link_set_name(link, l->l.peer);
	rtnl_link_set_flags(link, IFF_UP);
	rc = rtnl_link_build_add_request(link, 0, &msg);
	rtnl_link_put(link);
	if ((rc = built(rc, "link", &msg, msg, e)))
		return rc;
	return nlconn_talk(&c->nl, msg, what, e);
}

int rt_link_add(void *ctx, const struct klink *l, struct err *e)
{
	struct rt_ctx *c = ctx;
	struct nl_msg *msg;
	char what[64];
	int under, rc;

	snprintf(what, sizeof(what), "adding link %s", l->l.name);
	if (l->l.kind == PLAN_LINK_VETH)
		under = 0;
	else if ((under = ifindex_of(l->l.underlay, e)) < 0)
		return err_wrap(e, under, "%s", what);
	if ((rc = rt_build_link(l, under, NLM_F_CREATE | NLM_F_EXCL, &msg, e)) ||
	    (rc = nlconn_talk(&c->nl, msg, what, e)))
		return rc;
	return l->l.kind == PLAN_LINK_VETH ? peer_up(c, l, e) : 0;
}

int rt_link_change(void *ctx, const struct klink *l, struct err *e)
{
	struct rt_ctx *c = ctx;
	struct nl_msg *msg;
	char what[64];
	int under, rc;

	/* RTM_NEWLINK without NLM_F_CREATE on an existing name: the kernel
	 * runs ip6tnl's changelink, then applies MTU and flags. */
	snprintf(what, sizeof(what), "changing link %s", l->l.name);
	if (l->l.kind == PLAN_LINK_VETH)
		under = 0;
	else if ((under = ifindex_of(l->l.underlay, e)) < 0)
		return err_wrap(e, under, "%s", what);
	if ((rc = rt_build_link(l, under, 0, &msg, e)))
		return rc;
	return nlconn_talk(&c->nl, msg, what, e);
}

int rt_link_del(void *ctx, const char *name, struct err *e)
{
	struct rt_ctx *c = ctx;
	struct rtnl_link *link = rtnl_link_alloc();
	struct nl_msg *msg = NULL;
	char what[64];
	int rc;

	if (!link)
		return err_set(e, ENOMEM, "out of memory");
	snprintf(what, sizeof(what), "deleting link %s", name);
	rtnl_link_set_name(link, name);
	rc = rtnl_link_build_delete_request(link, &msg);
	rtnl_link_put(link);
	if (rc < 0)
		return err_set(e, -nle_errno(rc), "%s: %s", what, nl_geterror(rc));
	return nlconn_talk(&c->nl, msg, what, e);
}

/* The tunnel source must be usable at once: IFA_F_NODAD means the kernel
 * never marks it tentative (addrconf.c: "No need to add the TENTATIVE
 * flag for addresses with NODAD"); check it is so, once -- no waiting in
 * the daemon's loop (issue 11 item 16): a tentative one is an error. The
 * kernel is asked for this one address, not for a dump of all of them, so
 * a concurrent address change in this namespace (an RA, another daemon)
 * cannot interrupt the read (NLM_F_DUMP_INTR; test_dump_race.sh). */
static int confirm_not_tentative(struct rt_ctx *c, const struct kaddr *a,
				 int ifindex, const char *what, struct err *e)
{
	struct nladdr got;
	int rc = nlconn_get_addr6(&c->nl, ifindex, &a->a.v6, &got, e);

	if (rc == -EADDRNOTAVAIL || rc == -ENOENT)
		return err_set(e, ENOENT, "%s: gone after adding", what);
	if (rc)
		return err_wrap(e, rc, "%s", what);
	if (got.flags & IFA_F_DADFAILED)
		return err_set(e, EADDRINUSE, "%s: duplicate address "
			       "detection failed", what);
	if (got.flags & IFA_F_TENTATIVE)
		return err_set(e, EAGAIN, "%s: tentative although added nodad",
			       what);
	return 0;
}

static int addr_write(struct rt_ctx *c, const struct kaddr *a, int cmd,
		      struct err *e)
{
	char what[96], b[V6_STR_MAX];
	struct nl_msg *msg;
	int idx, rc;

	snprintf(what, sizeof(what), "%s address %s/%u on %s",
		 cmd == RTM_NEWADDR ? "adding" : "deleting", addr_text(a, b),
		 a->a.plen, a->a.ifname);
	if ((idx = ifindex_of(a->a.ifname, e)) < 0)
		return err_wrap(e, idx, "%s", what);
	if ((rc = rt_build_addr(a, idx, cmd, cmd == RTM_NEWADDR ?
				  NLM_F_CREATE | NLM_F_EXCL : 0, &msg, e)) ||
	    (rc = nlconn_talk(&c->nl, msg, what, e)))
		return rc;
	if (cmd == RTM_NEWADDR && a->a.family == AF_INET6 &&
	    (a->flags & IFA_F_NODAD))
		return confirm_not_tentative(c, a, idx, what, e);
	return 0;
}

int rt_addr_add(void *ctx, const struct kaddr *a, struct err *e)
{
	return addr_write(ctx, a, RTM_NEWADDR, e);
}

int rt_addr_del(void *ctx, const struct kaddr *a, struct err *e)
{
	return addr_write(ctx, a, RTM_DELADDR, e);
}

static int route_write(struct rt_ctx *c, const struct kroute *r, int cmd,
		       int nlflags, struct err *e)
{
	char what[96], b[V6_STR_MAX];
	struct nl_msg *msg;
	int oif, rc;

	snprintf(what, sizeof(what), "%s route %s dev %s",
		 cmd == RTM_DELROUTE ? "deleting" :
		 (nlflags & NLM_F_REPLACE) ? "replacing" : "adding",
		 v4pfx_str(&r->r.dst, b), r->r.dev);
	if ((oif = ifindex_of(r->r.dev, e)) < 0)
		return err_wrap(e, oif, "%s", what);
	if ((rc = rt_build_route(r, oif, cmd, nlflags, &msg, e)))
		return rc;
	return nlconn_talk(&c->nl, msg, what, e);
}

int rt_route_add(void *ctx, const struct kroute *r, bool replace,
		   struct err *e)
{
	return route_write(ctx, r, RTM_NEWROUTE,
			   NLM_F_CREATE | (replace ? NLM_F_REPLACE : NLM_F_EXCL), e);
}

int rt_route_del(void *ctx, const struct kroute *r, struct err *e)
{
	return route_write(ctx, r, RTM_DELROUTE, 0, e);
}

/* ---- reading what we own --------------------------------------------------------- */

static void name_of(struct nl_cache *links, int ifindex, char *buf)
{
	buf[0] = '\0';
	if (ifindex > 0 && !rtnl_link_i2name(links, ifindex, buf, IFNAMSIZ))
		buf[0] = '\0';
}

static void klink_read(struct nl_cache *links, struct rtnl_link *l,
		       struct klink *k)
{
	const char *kind = rtnl_link_get_type(l);

	memset(k, 0, sizeof(*k));
	snprintf(k->l.name, sizeof(k->l.name), "%s", rtnl_link_get_name(l));
	snprintf(k->kind, sizeof(k->kind), "%s", kind ? kind : "");
	k->up = (rtnl_link_get_flags(l) & IFF_UP) != 0;
	k->noarp = (rtnl_link_get_flags(l) & IFF_NOARP) != 0;
	k->l.mtu = rtnl_link_get_mtu(l);
	if (kind && !strcmp(kind, "veth")) {
		/* IFLA_LINK of a veth is its peer's ifindex. */
		k->l.kind = PLAN_LINK_VETH;
		name_of(links, rtnl_link_get_link(l), k->l.peer);
		return;
	}
	if (!rtnl_link_is_ip6_tnl(l))
		return;
	name_of(links, (int)rtnl_link_ip6_tnl_get_link(l), k->l.underlay);
	rtnl_link_ip6_tnl_get_local(l, &k->l.local);
	rtnl_link_ip6_tnl_get_remote(l, &k->l.remote);
	k->l.hoplimit = rtnl_link_ip6_tnl_get_ttl(l);
	k->l.flags = rtnl_link_ip6_tnl_get_flags(l);
	k->l.proto = rtnl_link_ip6_tnl_get_proto(l);
	k->tos = rtnl_link_ip6_tnl_get_tos(l);
	k->encap_limit = rtnl_link_ip6_tnl_get_encaplimit(l);
	k->flowinfo = rtnl_link_ip6_tnl_get_flowinfo(l);
	rtnl_link_ip6_tnl_get_fwmark(l, &k->fwmark);
}

static int read_links(const struct plan_scope *s, struct nl_cache *links,
		      struct kstate *out, struct err *e)
{
	for (struct nl_object *o = nl_cache_get_first(links); o;
	     o = nl_cache_get_next(o)) {
		struct rtnl_link *l = (struct rtnl_link *)o;
		const char *name = rtnl_link_get_name(l);

		if (!name || !plan_scope_owns_link(s, name))
			continue;
		if (out->n_links == KSTATE_MAX_LINKS)
			return err_set(e, E2BIG, "over %d links named %s<n>",
				       KSTATE_MAX_LINKS, V6MIG_LINK_PREFIX);
		klink_read(links, l, &out->links[out->n_links++]);
	}
	return 0;
}

struct addr_read {
	const struct plan_scope *scope;
	struct nl_cache *links;
	const char *const *names;
	size_t n;
	struct kstate *out;
	struct err *e;
};

static bool listed(const char *name, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

static int on_read_addr(const struct nladdr *a, void *arg)
{
	struct addr_read *r = arg;
	struct kaddr *k;
	char name[IFNAMSIZ];

	name_of(r->links, a->ifindex, name);
	/* A proto-233 address on an interface we were not asked about may
	 * be another instance's (on its WAN): not ours to see. */
	if (!name[0] || (!plan_scope_owns_link(r->scope, name) &&
			 !listed(name, r->names, r->n)))
		return 0;
	if (r->out->n_addrs == KSTATE_MAX_ADDRS)
		return err_set(r->e, E2BIG, "over %d addresses to look at",
			       KSTATE_MAX_ADDRS);
	k = &r->out->addrs[r->out->n_addrs++];
	memset(k, 0, sizeof(*k));
	memcpy(k->a.ifname, name, IFNAMSIZ);
	k->a.family = a->family;
	k->a.v6 = a->v6;
	k->a.v4 = a->v4;
	k->a.plen = a->plen;
	k->a.nodad = (a->flags & IFA_F_NODAD) != 0;
	k->flags = a->flags;
	k->proto = a->proto;
	k->scope = a->scope;
	return 0;
}

static void kroute_read(struct nl_cache *links, struct rtnl_route *rt,
			struct kroute *k)
{
	struct nl_addr *dst = rtnl_route_get_dst(rt);
	uint32_t mtu;

	memset(k, 0, sizeof(*k));
	k->r.family = AF_INET;
	if (dst && nl_addr_get_len(dst) == 4)
		memcpy(&k->r.dst.addr, nl_addr_get_binary_addr(dst), 4);
	k->r.dst.len = dst ? (uint8_t)nl_addr_get_prefixlen(dst) : 0;
	if (rtnl_route_get_metric(rt, RTAX_MTU, &mtu) == 0)
		k->r.mtu = mtu;
	if (rtnl_route_get_nnexthops(rt) == 1)
		name_of(links, rtnl_route_nh_get_ifindex(rtnl_route_nexthop_n(rt, 0)),
			k->r.dev);
	k->table = rtnl_route_get_table(rt);
	k->priority = rtnl_route_get_priority(rt);
	k->r.metric = k->priority;
	k->tos = rtnl_route_get_tos(rt);
	k->scope = rtnl_route_get_scope(rt);
	k->type = rtnl_route_get_type(rt);
	k->protocol = rtnl_route_get_protocol(rt);
}

static int read_routes(const struct plan_scope *s, struct nl_cache *links,
		       struct nl_cache *routes, struct kstate *out,
		       struct err *e)
{
	for (struct nl_object *o = nl_cache_get_first(routes); o;
	     o = nl_cache_get_next(o)) {
		struct rtnl_route *rt = (struct rtnl_route *)o;

		struct kroute k;

		if (rtnl_route_get_family(rt) != AF_INET ||
		    rtnl_route_get_protocol(rt) != V6MIG_RTPROT)
			continue;
		/* Another instance's routes go through its own link. */
		kroute_read(links, rt, &k);
		if (!plan_scope_owns_link(s, k.r.dev))
			continue;
		if (out->n_routes == KSTATE_MAX_ROUTES)
			return err_set(e, E2BIG, "over %d routes of protocol %d",
				       KSTATE_MAX_ROUTES, V6MIG_RTPROT);
		out->routes[out->n_routes++] = k;
	}
	return 0;
}

static int read_once(struct rt_ctx *c, const char *const *names, size_t n,
		     struct kstate *out, struct err *e)
{
	struct nl_cache *links = NULL, *routes = NULL;
	struct addr_read ar = { &c->scope, NULL, names, n, out, e };
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = rtnl_link_alloc_cache(c->nl.sk, AF_UNSPEC, &links)) < 0 ||
	    (rc = rtnl_route_alloc_cache(c->nl.sk, AF_INET, 0, &routes)) < 0) {
		rc = err_set(e, -nle_errno(rc), "netlink: dump: %s",
			     nl_geterror(rc));
		goto out;
	}
	ar.links = links;
	if (!(rc = read_links(&c->scope, links, out, e)) &&
	    !(rc = nlconn_dump_addrs(&c->nl, on_read_addr, &ar, e)))
		rc = read_routes(&c->scope, links, routes, out, e);
out:
	nl_cache_free(routes);
	nl_cache_free(links);
	return rc;
}

int rt_read(void *ctx, const char *const *ifnames, size_t n,
	      struct kstate *out, struct err *e)
{
	int rc = -EAGAIN;

	/* A dump interrupted by a concurrent change is read again. */
	for (int i = 0; i < READ_RETRIES && rc == -EAGAIN; i++)
		rc = read_once(ctx, ifnames, n, out, e);
	return rc;
}

/* ---- can this kernel make an ip6tnl? ------------------------------------ */

#define PROBE_LINK "v6mig-probe"
#define PROBE_BAD_PROTO 99 /* not 0, IPIP or IPv6: ip6_tnl_validate refuses */

static void probe_link_del(struct nlconn *c, struct err *e)
{
	struct rtnl_link *link = rtnl_link_alloc();
	struct nl_msg *msg = NULL;

	if (!link)
		return;
	rtnl_link_set_name(link, PROBE_LINK);
	if (rtnl_link_build_delete_request(link, &msg) == 0)
		nlconn_talk(c, msg, "deleting " PROBE_LINK, e);
	rtnl_link_put(link);
}

int rt_probe_ip6tnl(bool *has, struct err *e)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct nlattr *info, *data;
	struct err ignore;
	struct nlconn c;
	struct nl_msg *m;
	int rc;

	if ((rc = nlconn_open(&c, e)))
		return rc;
	m = nlmsg_alloc_simple(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_CREATE |
			       NLM_F_EXCL | NLM_F_ACK);
	if (!m || nlmsg_append(m, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    nla_put_string(m, IFLA_IFNAME, PROBE_LINK) < 0 ||
	    !(info = nla_nest_start(m, IFLA_LINKINFO)) ||
	    nla_put_string(m, IFLA_INFO_KIND, "ip6tnl") < 0 ||
	    !(data = nla_nest_start(m, IFLA_INFO_DATA)) ||
	    nla_put_u8(m, IFLA_IPTUN_PROTO, PROBE_BAD_PROTO) < 0) {
		nlmsg_free(m);
		nlconn_close(&c);
		return err_set(e, ENOMEM, "probing ip6tnl: out of memory");
	}
	nla_nest_end(m, data);
	nla_nest_end(m, info);
	rc = nlconn_talk(&c, m, "probing ip6tnl", e);
	if (rc == 0) /* a kernel that took it after all: not ours to keep */
		probe_link_del(&c, &ignore);
	nlconn_close(&c);
	if (rc == 0 || rc == -EINVAL || rc == -EOPNOTSUPP) {
		*has = rc != -EOPNOTSUPP;
		return 0;
	}
	return rc;
}
