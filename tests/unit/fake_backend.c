/* SPDX-License-Identifier: MIT */
#include "fake_backend.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

void fake_init(struct fake_kernel *k)
{
	memset(k, 0, sizeof(*k));
	k->fail_errno = EINVAL;
	plan_scope_make(&k->scope, NULL, 0, NULL);
}

struct backend fake_backend(struct fake_kernel *k)
{
	struct backend b = { &fake_backend_ops, k };

	return b;
}

void fake_add_link(struct fake_kernel *k, const char *name, const char *kind)
{
	struct klink *l = &k->links[k->n_links++];

	memset(l, 0, sizeof(*l));
	snprintf(l->l.name, sizeof(l->l.name), "%s", name);
	snprintf(l->kind, sizeof(l->kind), "%s", kind);
	l->up = true;
	l->l.mtu = 1500;
}

void fake_add_addr(struct fake_kernel *k, const char *ifname,
		   const char *addr, unsigned plen, unsigned proto)
{
	struct kaddr *a = &k->addrs[k->n_addrs++];

	memset(a, 0, sizeof(*a));
	snprintf(a->a.ifname, sizeof(a->a.ifname), "%s", ifname);
	if (inet_pton(AF_INET6, addr, &a->a.v6) == 1)
		a->a.family = AF_INET6;
	else if (inet_pton(AF_INET, addr, &a->a.v4) == 1)
		a->a.family = AF_INET;
	a->a.plen = (uint8_t)plen;
	a->flags = IFA_F_PERMANENT;
	a->proto = (uint8_t)proto;
}

void fake_add_route(struct fake_kernel *k, const char *dev, const char *dst,
		    unsigned protocol)
{
	struct kroute *r = &k->routes[k->n_routes++];

	memset(r, 0, sizeof(*r));
	snprintf(r->r.dev, sizeof(r->r.dev), "%s", dev);
	r->r.family = AF_INET;
	v4pfx_parse(dst, false, &r->r.dst);
	r->table = RT_TABLE_MAIN;
	r->scope = RT_SCOPE_LINK;
	r->type = RTN_UNICAST;
	r->protocol = (uint8_t)protocol;
}

void fake_add_wan(struct fake_kernel *k)
{
	fake_add_link(k, "eth0", "veth");
	fake_add_addr(k, "eth0", "2001:db8:12:3400::99", 64, 0);
	fake_add_addr(k, "eth0", "fe80::1", 64, IFAPROT_KERNEL_LL);
}

/* ---- the log and the failure injection ------------------------------------ */

__attribute__((format(printf, 3, 4)))
static int write_begin(struct fake_kernel *k, struct err *e, const char *fmt, ...)
{
	char line[FAKE_LOG_LINE];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	k->writes++;
	if (k->n_log < FAKE_LOG_MAX)
		memcpy(k->log[k->n_log++], line, sizeof(line));
	if ((k->fail_at && k->writes == k->fail_at) ||
	    (k->fail_at2 && k->writes == k->fail_at2))
		return err_set(e, k->fail_errno, "fake: %s refused (write %u)",
			       line, k->writes);
	return 0;
}

size_t fake_count(const struct fake_kernel *k, const char *prefix)
{
	size_t n = 0;

	for (size_t i = 0; i < k->n_log; i++)
		n += strncmp(k->log[i], prefix, strlen(prefix)) == 0;
	return n;
}

/* ---- lookups ---------------------------------------------------------------- */

static struct klink *find_link(struct fake_kernel *k, const char *name)
{
	for (size_t i = 0; i < k->n_links; i++)
		if (!strcmp(k->links[i].l.name, name))
			return &k->links[i];
	return NULL;
}

const struct klink *fake_link(const struct fake_kernel *k, const char *name)
{
	return find_link((struct fake_kernel *)k, name);
}

static struct kaddr *find_addr(struct fake_kernel *k, const struct kaddr *a)
{
	for (size_t i = 0; i < k->n_addrs; i++)
		if (kaddr_same_key(&k->addrs[i], a))
			return &k->addrs[i];
	return NULL;
}

static struct kroute *find_route(struct fake_kernel *k, const struct kroute *r)
{
	for (size_t i = 0; i < k->n_routes; i++)
		if (kroute_same_key(&k->routes[i], r))
			return &k->routes[i];
	return NULL;
}

#define REMOVE_AT(arr, n, i)                                               \
	do {                                                               \
		memmove(&(arr)[i], &(arr)[(i) + 1],                        \
			((n) - (i) - 1) * sizeof((arr)[0]));               \
		(n)--;                                                     \
	} while (0)

/* ---- reads ---------------------------------------------------------------- */

static bool asked(const char *name, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			return true;
	return false;
}

static int fake_read(void *ctx, const char *const *names, size_t n,
		     struct kstate *out, struct err *e)
{
	struct fake_kernel *k = ctx;
	struct klink *l;

	(void)e;
	k->reads++;
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < k->n_links; i++)
		if (plan_scope_owns_link(&k->scope, k->links[i].l.name))
			out->links[out->n_links++] = k->links[i];
	for (size_t i = 0; i < k->n_addrs; i++) {
		const struct kaddr *a = &k->addrs[i];

		l = find_link(k, a->a.ifname);
		if ((l && plan_scope_owns_link(&k->scope, l->l.name) &&
		     (!strcmp(l->kind, "ip6tnl") || !strcmp(l->kind, "veth"))) ||
		    asked(a->a.ifname, names, n) || a->proto == V6MIG_RTPROT)
			out->addrs[out->n_addrs++] = *a;
	}
	for (size_t i = 0; i < k->n_routes; i++)
		if (k->routes[i].protocol == V6MIG_RTPROT)
			out->routes[out->n_routes++] = k->routes[i];
	out->nft_present = k->nft_present;
	return 0;
}

/* ---- links ---------------------------------------------------------------- */

static void add_link_local(struct fake_kernel *k, const char *name)
{
	char ll[INET6_ADDRSTRLEN];
	unsigned h = 0;

	/* The kernel gives every new ip6tnl an IPv6 link-local address. */
	for (const char *c = name; *c; c++)
		h = h * 31 + (unsigned char)*c;
	snprintf(ll, sizeof(ll), "fe80::%x", h & 0xffff);
	fake_add_addr(k, name, ll, 64, IFAPROT_KERNEL_LL);
}

/* A veth pair: both ends, each with the other as its peer; the peer up,
 * ARP on (the kernel's default), the same MTU. */
static int veth_add(struct fake_kernel *k, const struct klink *l,
		    struct err *e)
{
	struct klink *p;

	if (find_link(k, l->l.peer))
		return err_set(e, EEXIST, "link %s exists", l->l.peer);
	k->links[k->n_links++] = *l;
	add_link_local(k, l->l.name);
	p = &k->links[k->n_links++];
	*p = *l;
	snprintf(p->l.name, sizeof(p->l.name), "%s", l->l.peer);
	snprintf(p->l.peer, sizeof(p->l.peer), "%s", l->l.name);
	p->noarp = false;
	add_link_local(k, p->l.name);
	return 0;
}

static int fake_link_add(void *ctx, const struct klink *l, struct err *e)
{
	struct fake_kernel *k = ctx;
	int rc;

	if ((rc = write_begin(k, e, "link_add %s", l->l.name)))
		return rc;
	if (find_link(k, l->l.name))
		return err_set(e, EEXIST, "link %s exists", l->l.name);
	if (l->l.kind == PLAN_LINK_VETH)
		return veth_add(k, l, e);
	if (!find_link(k, l->l.underlay))
		return err_set(e, ENODEV, "no underlay %s", l->l.underlay);
	k->links[k->n_links] = *l;
	if (k->ignore_mtu)
		k->links[k->n_links].l.mtu = 1452;
	k->n_links++;
	add_link_local(k, l->l.name);
	return 0;
}

static int fake_link_change(void *ctx, const struct klink *l, struct err *e)
{
	struct fake_kernel *k = ctx;
	struct klink *have;
	int rc;

	if ((rc = write_begin(k, e, "link_change %s", l->l.name)))
		return rc;
	if (!(have = find_link(k, l->l.name)))
		return err_set(e, ENODEV, "no link %s", l->l.name);
	if (strcmp(have->kind, l->kind))
		return err_set(e, EOPNOTSUPP, "kind of %s", l->l.name);
	if (l->l.kind != PLAN_LINK_VETH && !find_link(k, l->l.underlay))
		return err_set(e, ENODEV, "no underlay %s", l->l.underlay);
	*have = *l;
	if (k->ignore_mtu)
		have->l.mtu = 1452;
	return 0;
}

static void link_gone(struct fake_kernel *k, const char *name);

static int fake_link_del(void *ctx, const char *name, struct err *e)
{
	struct fake_kernel *k = ctx;
	const struct klink *l;
	char peer[IFNAMSIZ] = "";
	int rc;

	if ((rc = write_begin(k, e, "link_del %s", name)))
		return rc;
	if (!(l = find_link(k, name)))
		return err_set(e, ENODEV, "no link %s", name);
	/* A veth goes with its peer, as in the kernel. */
	if (!strcmp(l->kind, "veth"))
		snprintf(peer, sizeof(peer), "%s", l->l.peer);
	link_gone(k, name);
	if (peer[0] && find_link(k, peer))
		link_gone(k, peer);
	return 0;
}

static void link_gone(struct fake_kernel *k, const char *name)
{
	/* Its addresses and routes go with it, as in the kernel. */
	for (size_t i = k->n_addrs; i-- > 0;)
		if (!strcmp(k->addrs[i].a.ifname, name))
			REMOVE_AT(k->addrs, k->n_addrs, i);
	for (size_t i = k->n_routes; i-- > 0;)
		if (!strcmp(k->routes[i].r.dev, name))
			REMOVE_AT(k->routes, k->n_routes, i);
	for (size_t i = 0; i < k->n_links; i++)
		if (!strcmp(k->links[i].l.name, name)) {
			REMOVE_AT(k->links, k->n_links, i);
			break;
		}
}

/* ---- addresses ------------------------------------------------------------ */

static const char *addr_str(const struct kaddr *a, char *b)
{
	char s[V6_STR_MAX];

	snprintf(b, 96, "%s %s/%u", a->a.ifname, a->a.family == AF_INET6 ?
		 v6addr_str(&a->a.v6, s) : v4addr_str(a->a.v4, s), a->a.plen);
	return b;
}

static int fake_addr_add(void *ctx, const struct kaddr *a, struct err *e)
{
	struct fake_kernel *k = ctx;
	char b[96];
	int rc;

	if ((rc = write_begin(k, e, "addr_add %s", addr_str(a, b))))
		return rc;
	if (!find_link(k, a->a.ifname))
		return err_set(e, ENODEV, "no device %s", a->a.ifname);
	if (find_addr(k, a))
		return err_set(e, EEXIST, "address exists");
	k->addrs[k->n_addrs] = *a;
	k->addrs[k->n_addrs].flags = (a->flags & IFA_F_NODAD) | IFA_F_PERMANENT;
	if (k->no_ifa_proto)
		k->addrs[k->n_addrs].proto = 0;
	k->n_addrs++;
	return 0;
}

static int fake_addr_del(void *ctx, const struct kaddr *a, struct err *e)
{
	struct fake_kernel *k = ctx;
	char b[96];
	int rc;

	if ((rc = write_begin(k, e, "addr_del %s", addr_str(a, b))))
		return rc;
	for (size_t i = 0; i < k->n_addrs; i++)
		if (kaddr_same_key(&k->addrs[i], a)) {
			REMOVE_AT(k->addrs, k->n_addrs, i);
			return 0;
		}
	return err_set(e, EADDRNOTAVAIL, "no such address");
}

/* ---- routes --------------------------------------------------------------- */

static int fake_route_add(void *ctx, const struct kroute *r, bool replace,
			  struct err *e)
{
	struct fake_kernel *k = ctx;
	struct kroute *have;
	char b[V6_STR_MAX];
	int rc;

	if ((rc = write_begin(k, e, "route_%s %s dev %s", replace ? "replace" :
			      "add", v4pfx_str(&r->r.dst, b), r->r.dev)))
		return rc;
	if (!find_link(k, r->r.dev))
		return err_set(e, ENODEV, "no device %s", r->r.dev);
	have = find_route(k, r);
	if (have && !replace)
		return err_set(e, EEXIST, "route exists");
	if (!have)
		have = &k->routes[k->n_routes++];
	*have = *r;
	return 0;
}

static int fake_route_del(void *ctx, const struct kroute *r, struct err *e)
{
	struct fake_kernel *k = ctx;
	char b[V6_STR_MAX];
	int rc;

	if ((rc = write_begin(k, e, "route_del %s dev %s",
			      v4pfx_str(&r->r.dst, b), r->r.dev)))
		return rc;
	for (size_t i = 0; i < k->n_routes; i++)
		if (kroute_same_key(&k->routes[i], r) &&
		    k->routes[i].protocol == r->protocol) {
			REMOVE_AT(k->routes, k->n_routes, i);
			return 0;
		}
	return err_set(e, ESRCH, "no such route");
}

/* ---- nftables ------------------------------------------------------------- */

static bool nft_equal(const struct plan *a, const struct plan *b);

static int fake_nft_holds(void *ctx, const struct plan *p, bool *holds,
			  struct err *e)
{
	struct fake_kernel *k = ctx;
	bool want = plan_wants_nft(p);

	(void)e;
	k->reads++;
	*holds = want ? k->nft_present && nft_equal(&k->nft, p) : !k->nft_present;
	return 0;
}

static int fake_nft_apply(void *ctx, const struct plan *p, struct err *e)
{
	struct fake_kernel *k = ctx;
	int rc;

	if ((rc = write_begin(k, e, "nft_apply")))
		return rc;
	k->nft_present = true;
	plan_init(&k->nft, p->method);
	k->nft.nat = p->nat;
	k->nft.filter = p->filter;
	if (k->nft_garble)
		k->nft.nat.ports.psid++;
	return 0;
}

static int fake_nft_remove(void *ctx, struct err *e)
{
	struct fake_kernel *k = ctx;
	int rc;

	if ((rc = write_begin(k, e, "nft_remove")))
		return rc;
	if (!k->nft_present)
		return err_set(e, ENOENT, "no table");
	k->nft_present = false;
	return 0;
}

/* ---- the translator --------------------------------------------------------- */

/* As xlat_apply(): writes only when the wanted state differs. */
static int fake_xlat_apply(void *ctx, const struct plan_xlat *x,
			   unsigned *writes, struct err *e)
{
	struct fake_kernel *k = ctx;
	int rc;

	if (!memcmp(&k->xlat, x, sizeof(*x)))
		return 0;
	if ((rc = write_begin(k, e, "xlat_apply %s %s", x->wan, x->dev)))
		return rc;
	if (!find_link(k, x->wan) || !find_link(k, x->dev))
		return err_set(e, ENODEV, "xlat: no %s or %s", x->wan, x->dev);
	k->xlat = *x;
	(*writes)++;
	return 0;
}

static int fake_xlat_remove(void *ctx, const char *wan, struct err *e)
{
	struct fake_kernel *k = ctx;
	int rc;

	if ((rc = write_begin(k, e, "xlat_remove %s", wan)))
		return rc;
	if (k->xlat.enabled && !strcmp(k->xlat.wan, wan))
		memset(&k->xlat, 0, sizeof(k->xlat));
	return 0;
}

/* ---- the mesh ---------------------------------------------------------------- */

static int fake_mesh_apply(void *ctx, const struct plan_mesh *m,
			   unsigned *writes, struct err *e)
{
	struct fake_kernel *k = ctx;
	int rc;

	if (!memcmp(&k->mesh, m, sizeof(*m)))
		return 0;
	if ((rc = write_begin(k, e, "mesh_apply %s %s", m->wan, m->dev)))
		return rc;
	if (!find_link(k, m->wan) || !find_link(k, m->dev))
		return err_set(e, ENODEV, "mesh: no %s or %s", m->wan, m->dev);
	k->mesh = *m;
	(*writes)++;
	return 0;
}

/* Logged with the device whose egress filter it takes: the scope's. */
static int fake_mesh_remove(void *ctx, const char *wan, struct err *e)
{
	struct fake_kernel *k = ctx;
	int rc;

	if ((rc = write_begin(k, e, "mesh_remove %s %s", wan,
			      plan_xlat_dev(&k->scope))))
		return rc;
	if (k->mesh.enabled && !strcmp(k->mesh.wan, wan))
		memset(&k->mesh, 0, sizeof(k->mesh));
	return 0;
}

const struct backend_ops fake_backend_ops = {
	.read = fake_read,
	.link_add = fake_link_add,
	.link_change = fake_link_change,
	.link_del = fake_link_del,
	.addr_add = fake_addr_add,
	.addr_del = fake_addr_del,
	.route_add = fake_route_add,
	.route_del = fake_route_del,
	.nft_holds = fake_nft_holds,
	.nft_apply = fake_nft_apply,
	.nft_remove = fake_nft_remove,
	.xlat_apply = fake_xlat_apply,
	.xlat_remove = fake_xlat_remove,
	.mesh_apply = fake_mesh_apply,
	.mesh_remove = fake_mesh_remove,
};

/* ---- comparison ------------------------------------------------------------ */

static bool has_link(const struct fake_kernel *k, const struct klink *l)
{
	const struct klink *m = fake_link(k, l->l.name);

	return m && klink_same(l, m, NULL);
}

static bool has_addr(const struct fake_kernel *k, const struct kaddr *a)
{
	for (size_t i = 0; i < k->n_addrs; i++)
		if (kaddr_same(a, &k->addrs[i]) && a->proto == k->addrs[i].proto)
			return true;
	return false;
}

static bool has_route(const struct fake_kernel *k, const struct kroute *r)
{
	for (size_t i = 0; i < k->n_routes; i++)
		if (kroute_same(r, &k->routes[i]))
			return true;
	return false;
}

static bool ps_equal(const struct portset *a, const struct portset *b)
{
	return a->offset == b->offset && a->len == b->len && a->psid == b->psid;
}

static bool nft_equal(const struct plan *a, const struct plan *b)
{
	return a->nat.enabled == b->nat.enabled &&
	       !strcmp(a->nat.out_ifname, b->nat.out_ifname) &&
	       a->nat.src.s_addr == b->nat.src.s_addr &&
	       ps_equal(&a->nat.ports, &b->nat.ports) &&
	       a->filter.enabled == b->filter.enabled &&
	       !strcmp(a->filter.in_ifname, b->filter.in_ifname) &&
	       a->filter.ours.addr.s_addr == b->filter.ours.addr.s_addr &&
	       a->filter.ours.len == b->filter.ours.len &&
	       ps_equal(&a->filter.ports, &b->filter.ports) &&
	       a->filter.mss == b->filter.mss;
}

struct fake_kernel *fake_snapshot(const struct fake_kernel *k)
{
	struct fake_kernel *s = malloc(sizeof(*s));

	assert_non_null(s);
	*s = *k;
	return s;
}

bool fake_state_equal(const struct fake_kernel *a, const struct fake_kernel *b)
{
	if (a->n_links != b->n_links || a->n_addrs != b->n_addrs ||
	    a->n_routes != b->n_routes || a->nft_present != b->nft_present ||
	    a->foreign_table != b->foreign_table)
		return false;
	for (size_t i = 0; i < a->n_links; i++)
		if (!has_link(b, &a->links[i]))
			return false;
	for (size_t i = 0; i < a->n_addrs; i++)
		if (!has_addr(b, &a->addrs[i]))
			return false;
	for (size_t i = 0; i < a->n_routes; i++)
		if (!has_route(b, &a->routes[i]))
			return false;
	if (a->xlat.enabled != b->xlat.enabled ||
	    (a->xlat.enabled && memcmp(&a->xlat, &b->xlat, sizeof(a->xlat))))
		return false;
	if (a->mesh.enabled != b->mesh.enabled ||
	    (a->mesh.enabled && memcmp(&a->mesh, &b->mesh, sizeof(a->mesh))))
		return false;
	return !a->nft_present || nft_equal(&a->nft, &b->nft);
}
