/* SPDX-License-Identifier: MIT */
#include "plan.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <linux/ip6_tunnel.h>

void plan_init(struct plan *p, enum method m)
{
	memset(p, 0, sizeof(*p));
	p->method = m;
	p->info.rule_index = -1;
	plan_scope_make(&p->scope, NULL, V6MIG_ROUTE_METRIC_DEFAULT, NULL);
}

int plan_scope_make(struct plan_scope *s, const char *name, uint32_t metric,
		    struct err *e)
{
	size_t n = name ? strlen(name) : 0;

	if (n > V6MIG_INSTANCE_MAX)
		return err_set(e, EINVAL, "instance '%s' is longer than %d characters",
			       name, V6MIG_INSTANCE_MAX);
	/* What an interface name usually holds (the unit passes its WAN's
	 * name), and what both a link and an nft table name may hold. */
	for (size_t i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		      (name[i] >= 'A' && name[i] <= 'Z') ||
		      (name[i] >= '0' && name[i] <= '9') || name[i] == '_' ||
		      (i > 0 && (name[i] == '.' || name[i] == '-'))))
			return err_set(e, EINVAL, "instance '%s': only letters, digits, _ (and . - after the first) may be used",
				       name);
	memset(s, 0, sizeof(*s));
	if (n) {
		memcpy(s->instance, name, n);
		snprintf(s->link, sizeof(s->link), "%s-%s", V6MIG_LINK_PREFIX, name);
		snprintf(s->peer, sizeof(s->peer), "%s_%s", V6MIG_LINK_PREFIX, name);
		snprintf(s->table, sizeof(s->table), "%s-%s", V6MIG_NFT_TABLE, name);
	} else {
		snprintf(s->link, sizeof(s->link), "%s", PLAN_TUNNEL_NAME);
		snprintf(s->peer, sizeof(s->peer), "%s", PLAN_XLAT_PEER);
		snprintf(s->table, sizeof(s->table), "%s", V6MIG_NFT_TABLE);
	}
	s->metric = metric;
	return 0;
}

bool plan_scope_owns_link(const struct plan_scope *s, const char *name)
{
	size_t n = strlen(V6MIG_LINK_PREFIX);

	if (s->instance[0])
		return !strcmp(name, s->link) || !strcmp(name, s->peer);
	if (strncmp(name, V6MIG_LINK_PREFIX, n) != 0 || name[n] == '\0')
		return false;
	for (const char *p = name + n; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

const char *plan_xlat_dev(const struct plan_scope *s)
{
	return s->link[0] ? s->link : PLAN_XLAT_DEV;
}

bool plan_wants_nft(const struct plan *p)
{
	return p->nat.enabled || p->filter.enabled || p->filter.mss;
}

bool plan_equal(const struct plan *a, const struct plan *b)
{
	/* Plans are built from memset()-zeroed structs, so padding is zero
	 * and a byte comparison is exact. */
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* The ip6tnl carries IPv4 in IPv6 with no extension header: we always
 * set IP6_TNL_F_IGN_ENCAP_LIMIT, so the overhead is the 40-byte IPv6
 * header alone (RFC 2473 6.7 would add 8 for the option). */
#define TUNNEL_OVERHEAD 40
#define WAN_MTU_DEFAULT 1500
#define WAN_MTU_MAX 65535 /* IPv6 payload length without jumbograms */
#define TCP_IP_HEADERS 40 /* IPv4 20 + TCP 20, no options (RFC 879) */

/* 0 is "unknown": 1500 assumed. */
static int wan_mtu_get(uint32_t wan_mtu, uint32_t *out, struct err *e)
{
	if (wan_mtu == 0)
		wan_mtu = WAN_MTU_DEFAULT;
	if (wan_mtu > WAN_MTU_MAX)
		return err_set(e, EINVAL, "WAN MTU %u is more than %u",
			       wan_mtu, WAN_MTU_MAX);
	*out = wan_mtu;
	return 0;
}

int plan_tunnel_mtu(uint32_t wan_mtu, uint32_t *mtu, struct err *e)
{
	uint32_t m;
	int rc = wan_mtu_get(wan_mtu, &wan_mtu, e);

	if (rc < 0)
		return rc;
	/* Below 1280 the WAN (or the figure we were given) is broken
	 * for IPv6 (RFC 8200 5); a tunnel that small would fragment
	 * ordinary IPv4 traffic, so refuse rather than plan it. */
	m = wan_mtu > TUNNEL_OVERHEAD ? wan_mtu - TUNNEL_OVERHEAD : 0;
	if (m < PLAN_MIN_TUNNEL_MTU)
		return err_set(e, EINVAL,
			       "WAN MTU %u leaves a tunnel MTU of %u, less than %u",
			       wan_mtu, m, PLAN_MIN_TUNNEL_MTU);
	*mtu = m;
	return 0;
}

static bool name_ok(const char *name)
{
	size_t n = strnlen(name, IFNAMSIZ);

	return n > 0 && n < IFNAMSIZ;
}

/* A tunnel end must be one routable unicast address (as prov.c asks
 * of br, aftr, lwaftr and ipip): the kernel takes :: for "any", which is
 * not what a plan means, and a link-local end needs a scope we do not
 * carry. */
static int endpoint_check(const char *what, const struct in6_addr *a,
			  struct err *e)
{
	char b[V6_STR_MAX];

	if (IN6_IS_ADDR_UNSPECIFIED(a) || IN6_IS_ADDR_MULTICAST(a) ||
	    IN6_IS_ADDR_LOOPBACK(a) || IN6_IS_ADDR_V4MAPPED(a) ||
	    IN6_IS_ADDR_LINKLOCAL(a))
		return err_set(e, EINVAL,
			       "tunnel %s %s is not a unicast IPv6 address",
			       what, v6addr_str(a, b));
	return 0;
}

/* The IPv4 default route into dev (a name array of the plan's) with its
 * MTU, and the MSS clamp on dev (MTU - 40). The caller checked there is
 * room. */
static void default_route_into(struct plan *p, const char dev[IFNAMSIZ],
			       uint32_t mtu)
{
	struct plan_route *r = &p->routes[p->n_routes++];

	memcpy(r->dev, dev, sizeof(r->dev));
	r->family = AF_INET;
	r->mtu = mtu;
	r->metric = p->scope.metric;
	memcpy(p->filter.in_ifname, dev, sizeof(p->filter.in_ifname));
	p->filter.mss = (uint16_t)(mtu - TCP_IP_HEADERS);
}

int plan_add_tunnel(struct plan *p, const struct wan_facts *w,
		    const struct in6_addr *local,
		    const struct in6_addr *remote, struct err *e)
{
	char b[V6_STR_MAX];
	struct plan_link *l;
	uint32_t mtu;
	int rc;

	if (!name_ok(w->wan))
		return err_set(e, EINVAL, "no WAN interface name");
	if ((rc = endpoint_check("local", local, e)) < 0 ||
	    (rc = endpoint_check("remote", remote, e)) < 0)
		return rc;
	if (IN6_ARE_ADDR_EQUAL(local, remote))
		return err_set(e, EINVAL, "tunnel local and remote are both %s",
			       v6addr_str(local, b));
	if ((rc = plan_tunnel_mtu(w->wan_mtu, &mtu, e)) < 0)
		return rc;
	if (p->n_links >= PLAN_MAX_LINKS || p->n_routes >= PLAN_MAX_ROUTES)
		return err_set(e, ENOSPC, "plan is full");

	if (w->scope.link[0])
		p->scope = w->scope;
	l = &p->links[p->n_links++];
	snprintf(l->name, sizeof(l->name), "%s", p->scope.link);
	memcpy(l->underlay, w->wan, sizeof(l->underlay));
	l->local = *local;
	l->remote = *remote;
	l->hoplimit = V6MIG_TUNNEL_HOPLIMIT;
	l->flags = IP6_TNL_F_IGN_ENCAP_LIMIT;
	l->proto = IPPROTO_IPIP;
	l->mtu = mtu;

	/* The IPv4 default route, nothing else: the tunnel's own MTU on
	 * the route too, so a route cache never holds a larger one. */
	default_route_into(p, l->name, mtu);
	return 0;
}

static int addr_slot(struct plan *p, const char *ifname,
		     struct plan_addr **out, struct err *e)
{
	struct plan_addr *a;

	if (!name_ok(ifname))
		return err_set(e, EINVAL, "no interface name for an address");
	if (p->n_addrs >= PLAN_MAX_ADDRS)
		return err_set(e, ENOSPC, "plan is full");
	a = &p->addrs[p->n_addrs++];
	snprintf(a->ifname, sizeof(a->ifname), "%s", ifname);
	*out = a;
	return 0;
}

int plan_add_addr6(struct plan *p, const char *ifname,
		   const struct in6_addr *addr, uint8_t plen, bool nodad,
		   struct err *e)
{
	struct plan_addr *a;
	int rc;

	if (plen > 128)
		return err_set(e, EINVAL, "IPv6 prefix length %u", plen);
	if ((rc = addr_slot(p, ifname, &a, e)) < 0)
		return rc;
	a->family = AF_INET6;
	a->v6 = *addr;
	a->plen = plen;
	a->nodad = nodad;
	return 0;
}

int plan_add_addr4(struct plan *p, const char *ifname, struct in_addr addr,
		   uint8_t plen, struct err *e)
{
	struct plan_addr *a;
	int rc;

	if (plen > 32)
		return err_set(e, EINVAL, "IPv4 prefix length %u", plen);
	if ((rc = addr_slot(p, ifname, &a, e)) < 0)
		return rc;
	a->family = AF_INET;
	a->v4 = addr;
	a->plen = plen;
	return 0;
}

/* Field by field: a caller's struct may carry padding of any value,
 * and plan_equal() compares bytes. */
static void copy_ports(struct portset *dst, const struct portset *src)
{
	dst->offset = src->offset;
	dst->len = src->len;
	dst->psid = src->psid;
}

void plan_set_nat(struct plan *p, struct in_addr src,
		  const struct portset *ps)
{
	p->nat.enabled = true;
	snprintf(p->nat.out_ifname, sizeof(p->nat.out_ifname), "%s",
		 p->scope.link);
	p->nat.src = src;
	copy_ports(&p->nat.ports, ps);
}

void plan_set_filter(struct plan *p, const struct v4pfx *ours,
		     const struct portset *ps)
{
	p->filter.enabled = true;
	snprintf(p->filter.in_ifname, sizeof(p->filter.in_ifname), "%s",
		 p->scope.link);
	p->filter.ours.addr = ours->addr;
	p->filter.ours.len = ours->len;
	copy_ports(&p->filter.ports, ps);
}

void plan_set_info(struct plan *p, struct in_addr ipv4, uint8_t plen,
		   const struct portset *ps, const struct in6_addr *ce,
		   const struct v6pfx *eup, int rule)
{
	p->info.ipv4 = ipv4;
	p->info.ipv4_plen = plen;
	if (ps && ps->len > 0) {
		copy_ports(&p->info.ports, ps);
		p->info.has_ports = true;
	}
	if (ce)
		p->info.ce_ipv6 = *ce;
	if (eup) {
		p->info.eup.addr = eup->addr;
		p->info.eup.len = eup->len;
	}
	p->info.rule_index = rule;
}

/* ---- the translator ------------------------------------------------- */

#define IPV6_MIN_MTU 1280 /* RFC 8200 5 */

int plan_xlat_mtu(uint32_t wan_mtu, uint32_t *mtu, struct err *e)
{
	int rc = wan_mtu_get(wan_mtu, &wan_mtu, e);

	if (rc < 0)
		return rc;
	/* RFC 7915 needs an IPv6 path of at least 1280; the IPv4 side is
	 * then at least 1252, above IPv4's 68 and the 576 every host takes. */
	if (wan_mtu < IPV6_MIN_MTU)
		return err_set(e, EINVAL, "WAN MTU %u is less than %u, the IPv6 minimum",
			       wan_mtu, IPV6_MIN_MTU);
	*mtu = wan_mtu - PLAN_XLAT_GROWTH;
	return 0;
}

/* The translator maps one IPv6 address of ours: a global unicast one. */
static int xlat_addr_check(const struct in6_addr *a, struct err *e)
{
	char b[V6_STR_MAX];

	if (!v6_is_global(a))
		return err_set(e, EINVAL,
			       "translator address %s is not a global unicast IPv6 address",
			       v6addr_str(a, b));
	return 0;
}

/* The IPv4-side device of the eBPF methods: the scope's veth pair (link
 * and peer; unnamed: PLAN_XLAT_DEV/PLAN_XLAT_PEER), ARP off on the link,
 * mtu on both. */
static int add_veth(struct plan *p, const struct wan_facts *w, uint32_t mtu,
		    struct err *e)
{
	struct plan_link *l;

	if (p->n_links >= PLAN_MAX_LINKS || p->n_routes >= PLAN_MAX_ROUTES)
		return err_set(e, ENOSPC, "plan is full");
	/* The veth pair is the instance's (plan.h): two instances on two
	 * WANs run side by side. */
	if (w->scope.link[0])
		p->scope = w->scope;
	l = &p->links[p->n_links++];
	l->kind = PLAN_LINK_VETH;
	snprintf(l->name, sizeof(l->name), "%s", p->scope.link);
	snprintf(l->peer, sizeof(l->peer), "%s", p->scope.peer);
	l->mtu = mtu;
	return 0;
}

int plan_add_xlat(struct plan *p, const struct wan_facts *w,
		  struct in_addr ipv4, const struct in6_addr *ipv6,
		  enum plan_xlat_nd nd, const struct v6pfx *remote,
		  const struct portset *ps, struct err *e)
{
	struct plan_xlat *x = &p->xlat;
	uint32_t mtu;
	int rc;

	if (!name_ok(w->wan))
		return err_set(e, EINVAL, "no WAN interface name");
	if ((rc = xlat_addr_check(ipv6, e)) < 0 ||
	    (rc = plan_xlat_mtu(w->wan_mtu, &mtu, e)) < 0)
		return rc;
	if ((rc = add_veth(p, w, mtu, e)) < 0)
		return rc;
	x->enabled = true;
	x->clat = p->method == METHOD_464XLAT;
	snprintf(x->dev, sizeof(x->dev), "%s", p->scope.link);
	snprintf(x->peer, sizeof(x->peer), "%s", p->scope.peer);
	memcpy(x->wan, w->wan, sizeof(x->wan));
	x->ipv4 = ipv4;
	x->ipv6 = *ipv6;
	x->nd = nd;
	x->remote.addr = remote->addr;
	x->remote.len = remote->len;
	if (ps)
		copy_ports(&x->ports, ps);
	x->growth = PLAN_XLAT_GROWTH;
	x->mtu = mtu;
	x->mss = (uint16_t)(mtu - TCP_IP_HEADERS);

	/* Every IPv4 destination goes to the translator: the default
	 * route, with the IPv4 side's MTU, as the tunnels have. */
	default_route_into(p, x->dev, mtu);
	return 0;
}

/* Field by field (plan_equal() compares bytes). */
static void copy_rule(struct map_rule *f, const struct map_rule *r)
{
	f->ipv6.addr = r->ipv6.addr;
	f->ipv6.len = r->ipv6.len;
	f->ipv4.addr = r->ipv4.addr;
	f->ipv4.len = r->ipv4.len;
	f->ea_len = r->ea_len;
	f->psid_offset = r->psid_offset;
}

int plan_add_fmr(struct plan *p, const struct map_rule *r, struct err *e)
{
	if (p->xlat.n_fmrs >= PLAN_XLAT_MAX_FMRS)
		return err_set(e, ENOSPC, "more than %d forwarding rules",
			       PLAN_XLAT_MAX_FMRS);
	copy_rule(&p->xlat.fmrs[p->xlat.n_fmrs++], r);
	return 0;
}

/* ---- MAP-E mesh ------------------------------------------------------ */

int plan_add_mesh(struct plan *p, const struct wan_facts *w,
		  struct in_addr ipv4, const struct in6_addr *ipv6,
		  const struct in6_addr *br, enum map_layout layout,
		  const struct portset *ps, const struct map_rule *rules,
		  size_t n, struct err *e)
{
	struct plan_mesh *m = &p->mesh;
	uint32_t mtu;
	int rc;

	if (!name_ok(w->wan))
		return err_set(e, EINVAL, "no WAN interface name");
	if (n > PLAN_MESH_MAX_FMRS)
		return err_set(e, ENOSPC, "more than %d forwarding rules",
			       PLAN_MESH_MAX_FMRS);
	if ((rc = endpoint_check("local", ipv6, e)) < 0 ||
	    (rc = endpoint_check("remote", br, e)) < 0 ||
	    (rc = plan_tunnel_mtu(w->wan_mtu, &mtu, e)) < 0 ||
	    (rc = add_veth(p, w, mtu, e)) < 0)
		return rc;
	m->enabled = true;
	snprintf(m->dev, sizeof(m->dev), "%s", p->scope.link);
	snprintf(m->peer, sizeof(m->peer), "%s", p->scope.peer);
	memcpy(m->wan, w->wan, sizeof(m->wan));
	m->ipv4 = ipv4;
	m->ipv6 = *ipv6;
	m->br = *br;
	m->layout = layout;
	if (ps)
		copy_ports(&m->ports, ps);
	m->mtu = mtu;
	m->mss = (uint16_t)(mtu - TCP_IP_HEADERS);
	for (size_t i = 0; i < n; i++)
		copy_rule(&m->fmrs[m->n_fmrs++], &rules[i]);
	/* Every IPv4 destination goes into the device, as into a tunnel. */
	default_route_into(p, m->dev, mtu);
	return 0;
}
