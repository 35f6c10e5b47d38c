/* SPDX-License-Identifier: MIT */
/* The kernel side of backend.h for links, addresses and routes, over
 * libnl-route-3: ip6tnl links (every attribute, every time), addresses
 * tagged IFA_PROTO V6MIG_RTPROT, IPv4 routes of protocol V6MIG_RTPROT.
 * Also the WAN facts the planners need and a watcher for the daemon. */
#ifndef V6MIG_RTNL_H
#define V6MIG_RTNL_H

#include <stdbool.h>
#include <stddef.h>

#include "../tunnels/err.h"
#include "../tunnels/plan.h"
#include "backend.h"

struct nl_msg;
struct rt_ctx;

/* A new context reads the unnamed instance's objects (plan_scope). */
int rt_ctx_new(struct rt_ctx **out, struct err *e);
void rt_ctx_set_scope(struct rt_ctx *c, const struct plan_scope *s);
void rt_ctx_free(struct rt_ctx *c);

/* backend_ops members for links, addresses and routes (ctx: rt_ctx);
 * read leaves kstate.nft_present false. */
int rt_read(void *ctx, const char *const *ifnames, size_t n,
	      struct kstate *out, struct err *e);
int rt_link_add(void *ctx, const struct klink *l, struct err *e);
int rt_link_change(void *ctx, const struct klink *l, struct err *e);
int rt_link_del(void *ctx, const char *name, struct err *e);
int rt_addr_add(void *ctx, const struct kaddr *a, struct err *e);
int rt_addr_del(void *ctx, const struct kaddr *a, struct err *e);
int rt_route_add(void *ctx, const struct kroute *r, bool replace,
		   struct err *e);
int rt_route_del(void *ctx, const struct kroute *r, struct err *e);

/* Does this kernel make ip6tnl links (ip6_tunnel built in or loadable)?
 * Asked without making one: an RTM_NEWLINK of kind ip6tnl with an
 * IFLA_IPTUN_PROTO the driver's validate refuses -- EINVAL: the kind is
 * there (a module is loaded on the way); EOPNOTSUPP ("Unknown device
 * type"): it is not. 0 with *has set, or -errno (EPERM without
 * CAP_NET_ADMIN: no answer). */
int rt_probe_ip6tnl(bool *has, struct err *e);

/* The messages those send, built without a socket (for the
 * build-and-parse-back tests). nlflags: NLM_F_CREATE|NLM_F_EXCL for a
 * new object, NLM_F_REPLACE for a replaced route, 0 for a link change
 * or a delete. cmd: RTM_NEWADDR/RTM_DELADDR, RTM_NEWROUTE/RTM_DELROUTE. */
int rt_build_link(const struct klink *l, int underlay_ifindex, int nlflags,
		    struct nl_msg **out, struct err *e);
int rt_build_addr(const struct kaddr *a, int ifindex, int cmd, int nlflags,
		    struct nl_msg **out, struct err *e);
int rt_build_route(const struct kroute *r, int oif, int cmd, int nlflags,
		     struct nl_msg **out, struct err *e);

/* The WAN's ifindex and MTU; the global IPv6 addresses (with their prefix
 * length, host bits kept) on the WAN and the LANs, except ours (IFA_PROTO
 * V6MIG_RTPROT) and tentative or failed ones; a stable global WAN address
 * that is not ours. Fills only wan, wan_mtu, prefixes, wan_addr and lan
 * of out (the caller's --prefix, peer and ipip_index stay); out untouched
 * on failure. */
int wan_facts_read(const char *wan, const char *const *lans, size_t n_lans,
		   struct wan_facts *out, struct err *e);

/* ---- the watcher (netlink/watch.c) ------------------------------------------ */

struct rt_watch;

/* Subscribe to RTNLGRP_LINK, RTNLGRP_IPV6_IFADDR and RTNLGRP_IPV6_PREFIX
 * and take a first snapshot of the WAN/LAN global IPv6 addresses. */
int rt_watch_open(const char *wan, const char *const *lans, size_t n_lans,
		    struct rt_watch **out, struct err *e);
/* Non-blocking socket for an epoll loop (EPOLLIN). */
/* Whose link, table and addresses count as ours when deleted (default:
 * the unnamed instance's; plan_scope). */
void rt_watch_set_scope(struct rt_watch *w, const struct plan_scope *s);
int rt_watch_fd(const struct rt_watch *w);
/* Read what is pending (bounded); *changed = true when the set of global
 * IPv6 addresses or prefixes on the WAN/LANs, the WAN's MTU or its
 * up/down state changed. Our own addresses (IFA_PROTO V6MIG_RTPROT) and
 * lifetime refreshes of known addresses do not count. A lost event
 * (ENOBUFS) counts as a change. HB46PP Q7/Q8. */
int rt_watch_drain(struct rt_watch *w, bool *changed, struct err *e);
/* The nftables monitor's socket (NFNLGRP_NFTABLES), for the same loop;
 * rt_watch_drain() reads both. */
int rt_watch_nft_fd(const struct rt_watch *w);
/* Since the last call, did something of ours go (watch.c: a v6mig link,
 * an address of ours, a route of our protocol, anything in our nftables
 * table, or events lost)? what (size bytes): the first few, for the log.
 * Our own writes count too: compare before acting. Clears the flag. */
bool rt_watch_lost(struct rt_watch *w, char *what, size_t size);
void rt_watch_free(struct rt_watch *w);

#endif
