/* SPDX-License-Identifier: MIT */
/* The one narrow seam between reconcile (apply.c) and the kernel, in the
 * spirit of netifd's system.h: read what we own, add/change/delete one
 * object, apply/remove our nftables table. netlink/rtnl.c (libnl-route-3)
 * and netlink/nft.c are the real thing; netlink/fake.c records every write
 * for unit tests.
 *
 * Ownership (ARCHITECTURE.md "Ownership of kernel state"), per instance
 * (struct plan_scope, tunnels/plan.h; the real backend is given one):
 *   links   -- the scope's ip6tnl (unnamed instance: V6MIG_LINK_PREFIX +
 *              digits, "v6mig0"; instance NAME: "v6mig-NAME"), or the
 *              scope's veth pair of MAP-T and 464XLAT ("v6mig0"/"v6mig1";
 *              instance NAME: "v6mig-NAME"/"v6mig_NAME");
 *   routes  -- IPv4 routes of protocol V6MIG_RTPROT through our links;
 *   addrs   -- every address on our links except the kernel's IPv6
 *              link-local, and on the interfaces the instance plans on
 *              (its WAN) or recorded, the ones carrying IFA_PROTO
 *              V6MIG_RTPROT (Linux >= 6.1) or named in the ownership
 *              record (apply.h) -- never a proto-233 address elsewhere,
 *              which may be another instance's;
 *   nft     -- the scope's table (family ip).
 * The reader returns exactly those (plus addresses on interfaces it was
 * asked about, so foreign ones can be seen and left alone). */
#ifndef V6MIG_BACKEND_H
#define V6MIG_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../tunnels/err.h"
#include "../tunnels/plan.h"

#define KSTATE_MAX_LINKS 16
#define KSTATE_MAX_ADDRS 64
#define KSTATE_MAX_ROUTES 32
#define KQUERY_MAX_IFNAMES 16
#define KLINK_KIND_MAX 16

/* IP6_TNL_F_* bits a user may set (linux/ip6_tunnel.h 0x01-0x40); the
 * kernel reports its own IP6_TNL_F_CAP_* bits above them in dumps. */
#define KLINK_USER_FLAGS 0x7fu
/* What we send for the unused encapsulation-limit value: the kernel's
 * default, as iproute2 sends it; IGN_ENCAP_LIMIT makes it moot. */
#define KLINK_ENCAP_LIMIT 4

/* A link as the kernel holds it: the plan's fields plus the ones we always
 * resend so that a change message leaves nothing to its default. */
struct klink {
	struct plan_link l;
	char kind[KLINK_KIND_MAX]; /* "ip6tnl" or "veth" */
	bool up;
	bool noarp;                /* IFF_NOARP: compared for a veth only
	                            * (an ip6tnl is NOARP by nature) */
	uint8_t encap_limit;       /* KLINK_ENCAP_LIMIT */
	uint8_t tos;               /* 0 */
	uint32_t flowinfo;         /* 0 */
	uint32_t fwmark;           /* 0 */
};

struct kaddr {
	struct plan_addr a;        /* a.nodad mirrors IFA_F_NODAD */
	uint32_t flags;            /* IFA_F_*, as read */
	uint8_t proto;             /* IFA_PROTO, 0 when absent */
	uint8_t scope;             /* RT_SCOPE_* */
};

struct kroute {
	struct plan_route r;
	uint32_t table;            /* RT_TABLE_MAIN for ours */
	uint32_t priority;         /* 0 */
	uint8_t tos;               /* 0 */
	uint8_t scope;             /* RT_SCOPE_LINK: a device route */
	uint8_t type;              /* RTN_UNICAST */
	uint8_t protocol;          /* V6MIG_RTPROT */
};

struct kstate {
	struct klink links[KSTATE_MAX_LINKS];
	size_t n_links;
	struct kaddr addrs[KSTATE_MAX_ADDRS];
	size_t n_addrs;
	struct kroute routes[KSTATE_MAX_ROUTES];
	size_t n_routes;
	bool nft_present;          /* our table exists */
};

/* Every function returns 0 or -errno and, on failure, says in e what was
 * refused and the kernel's extended-ACK text when there is one. */
struct backend_ops {
	/* Our links, our routes, whether our table exists, and every
	 * address on our links, on the interfaces named in ifnames (missing
	 * ones are skipped) or carrying IFA_PROTO V6MIG_RTPROT anywhere. */
	int (*read)(void *ctx, const char *const *ifnames, size_t n,
		    struct kstate *out, struct err *e);
	int (*link_add)(void *ctx, const struct klink *l, struct err *e);
	/* Every attribute is sent: a change message resets what it omits. */
	int (*link_change)(void *ctx, const struct klink *l, struct err *e);
	int (*link_del)(void *ctx, const char *name, struct err *e);
	int (*addr_add)(void *ctx, const struct kaddr *a, struct err *e);
	int (*addr_del)(void *ctx, const struct kaddr *a, struct err *e);
	/* replace: NLM_F_REPLACE of the route with the same key (ours);
	 * else NLM_F_EXCL, so a foreign route with our key is refused. */
	int (*route_add)(void *ctx, const struct kroute *r, bool replace,
			 struct err *e);
	int (*route_del)(void *ctx, const struct kroute *r, struct err *e);
	/* Does our table hold exactly what p's nat and filter parts ask
	 * for (read back and compared)? */
	int (*nft_holds)(void *ctx, const struct plan *p, bool *holds,
			 struct err *e);
	/* Replace our table with the plan's nat and filter parts in one
	 * batch; remove it. */
	int (*nft_apply)(void *ctx, const struct plan *p, struct err *e);
	int (*nft_remove)(void *ctx, struct err *e);
	/* The translator (netlink/xlat.h), NULL in a backend without one:
	 * bring its programs and maps on x->wan and x->dev to x (after the
	 * links exist), adding the writes it made to *writes; remove our
	 * filter from wan's ingress (the device's goes with the device). */
	int (*xlat_apply)(void *ctx, const struct plan_xlat *x,
			  unsigned *writes, struct err *e);
	int (*xlat_remove)(void *ctx, const char *wan, struct err *e);
	/* The MAP-E mesh (netlink/mesh.h), NULL in a backend without one:
	 * as the translator's -- programs and maps on m->wan and m->dev
	 * brought to m, writes added to *writes; our filters removed from
	 * wan's ingress and from the device's egress if it is still there. */
	int (*mesh_apply)(void *ctx, const struct plan_mesh *m,
			  unsigned *writes, struct err *e);
	int (*mesh_remove)(void *ctx, const char *wan, struct err *e);
};

struct backend {
	const struct backend_ops *ops;
	void *ctx;
};

/* The unnamed instance's links: "v6mig" followed by one or more decimal
 * digits, and nothing else (plan_scope_owns_link() for any scope). */
bool backend_link_name_ours(const char *name);

/* The kernel's kind name for a plan link ("ip6tnl", "veth"). */
const char *klink_kind_name(enum plan_link_kind k);

/* Plan objects as the kernel should hold them (all attributes filled). */
void klink_from_plan(const struct plan_link *pl, struct klink *out);
void kaddr_from_plan(const struct plan_addr *pa, struct kaddr *out);
void kroute_from_plan(const struct plan_route *pr, struct kroute *out);

/* Attribute-by-attribute comparison of what we want with what is there;
 * on a difference, names the first differing attribute in what. */
bool klink_same(const struct klink *want, const struct klink *have,
		const char **what);
/* Same identity: IPv6 by (interface, address), IPv4 by (interface,
 * address, prefix length) -- what the kernel refuses to hold twice. */
bool kaddr_same_key(const struct kaddr *a, const struct kaddr *b);
bool kaddr_same(const struct kaddr *want, const struct kaddr *have);
/* IPv4 FIB identity: table, destination, tos, priority. */
bool kroute_same_key(const struct kroute *a, const struct kroute *b);
bool kroute_same(const struct kroute *want, const struct kroute *have);

#endif
