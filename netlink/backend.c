/* SPDX-License-Identifier: MIT */
/* The kernel-neutral half of the seam: plan objects as the kernel holds
 * them, and how two of them compare. Pure. */
#include "backend.h"

#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>

bool backend_link_name_ours(const char *name)
{
	size_t n = strlen(V6MIG_LINK_PREFIX);

	if (strncmp(name, V6MIG_LINK_PREFIX, n) != 0 || name[n] == '\0')
		return false;
	for (const char *p = name + n; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

const char *klink_kind_name(enum plan_link_kind k)
{
	return k == PLAN_LINK_VETH ? "veth" : "ip6tnl";
}

void klink_from_plan(const struct plan_link *pl, struct klink *out)
{
	memset(out, 0, sizeof(*out));
	out->l = *pl;
	strcpy(out->kind, klink_kind_name(pl->kind));
	out->up = true;
	if (pl->kind == PLAN_LINK_VETH) {
		out->noarp = true; /* the translator's IPv4 side: no ARP */
		return;
	}
	out->encap_limit = KLINK_ENCAP_LIMIT;
}

/* A veth: its peer, MTU, up and ARP off; nothing of a tunnel. */
static bool veth_same(const struct klink *want, const struct klink *have,
		      const char **what)
{
	if (strcmp(want->l.peer, have->l.peer) != 0)
		return *what = "peer", false;
	if (want->l.mtu != have->l.mtu)
		return *what = "mtu", false;
	if (want->up != have->up)
		return *what = "up", false;
	if (want->noarp != have->noarp)
		return *what = "arp", false;
	return true;
}

void kaddr_from_plan(const struct plan_addr *pa, struct kaddr *out)
{
	memset(out, 0, sizeof(*out));
	out->a = *pa;
	out->flags = pa->nodad ? IFA_F_NODAD : 0;
	out->proto = V6MIG_RTPROT;
	out->scope = RT_SCOPE_UNIVERSE;
}

void kroute_from_plan(const struct plan_route *pr, struct kroute *out)
{
	memset(out, 0, sizeof(*out));
	out->r = *pr;
	out->table = RT_TABLE_MAIN;
	out->scope = RT_SCOPE_LINK;
	out->type = RTN_UNICAST;
	out->protocol = V6MIG_RTPROT;
}

#define SAME(field, name)                                                  \
	do {                                                               \
		if (want->field != have->field) {                          \
			*what = name;                                      \
			return false;                                      \
		}                                                          \
	} while (0)

bool klink_same(const struct klink *want, const struct klink *have,
		const char **what)
{
	const char *dummy;

	if (!what)
		what = &dummy;
	*what = NULL;
	if (strcmp(want->kind, have->kind) != 0)
		return *what = "kind", false;
	if (!strcmp(want->kind, "veth"))
		return veth_same(want, have, what);
	if (strcmp(want->l.underlay, have->l.underlay) != 0)
		return *what = "link", false;
	if (memcmp(&want->l.local, &have->l.local, 16) != 0)
		return *what = "local", false;
	if (memcmp(&want->l.remote, &have->l.remote, 16) != 0)
		return *what = "remote", false;
	SAME(l.hoplimit, "hoplimit");
	SAME(l.proto, "proto");
	SAME(l.mtu, "mtu");
	if ((want->l.flags ^ have->l.flags) & KLINK_USER_FLAGS)
		return *what = "flags", false;
	SAME(up, "up");
	SAME(encap_limit, "encaplimit");
	SAME(tos, "tos");
	SAME(flowinfo, "flowinfo");
	SAME(fwmark, "fwmark");
	return true;
}

bool kaddr_same_key(const struct kaddr *a, const struct kaddr *b)
{
	if (a->a.family != b->a.family || strcmp(a->a.ifname, b->a.ifname))
		return false;
	if (a->a.family == AF_INET6)
		return memcmp(&a->a.v6, &b->a.v6, sizeof(a->a.v6)) == 0;
	return a->a.v4.s_addr == b->a.v4.s_addr && a->a.plen == b->a.plen;
}

bool kaddr_same(const struct kaddr *want, const struct kaddr *have)
{
	/* NODAD is the one flag we set; the kernel adds PERMANENT etc. */
	return kaddr_same_key(want, have) && want->a.plen == have->a.plen &&
	       !((want->flags ^ have->flags) & IFA_F_NODAD);
}

bool kroute_same_key(const struct kroute *a, const struct kroute *b)
{
	return a->r.family == b->r.family && a->table == b->table &&
	       a->r.dst.addr.s_addr == b->r.dst.addr.s_addr &&
	       a->r.dst.len == b->r.dst.len && a->tos == b->tos &&
	       a->priority == b->priority;
}

bool kroute_same(const struct kroute *want, const struct kroute *have)
{
	return kroute_same_key(want, have) &&
	       strcmp(want->r.dev, have->r.dev) == 0 &&
	       want->r.mtu == have->r.mtu && want->scope == have->scope &&
	       want->type == have->type && want->protocol == have->protocol;
}
