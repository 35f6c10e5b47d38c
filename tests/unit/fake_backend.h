/* SPDX-License-Identifier: MIT */
/* A fake kernel behind netlink/backend.h, in the spirit of netifd's
 * system-dummy.c: it holds every link, address and route (ours and
 * foreign), answers reads the way netlink/rtnl.c does, refuses what the
 * kernel would refuse (duplicate, missing device), removes a link's
 * addresses and routes with it, records every write, and can refuse the
 * Nth write to test rollback. */
#ifndef V6MIG_FAKE_BACKEND_H
#define V6MIG_FAKE_BACKEND_H

#include "../../netlink/backend.h"

#define FAKE_MAX 64
#define FAKE_LOG_MAX 512
#define FAKE_LOG_LINE 96

struct fake_kernel {
	/* The whole kernel: our objects and everybody else's. */
	struct klink links[FAKE_MAX];
	size_t n_links;
	struct kaddr addrs[FAKE_MAX];
	size_t n_addrs;
	struct kroute routes[FAKE_MAX];
	size_t n_routes;
	bool nft_present;
	struct plan nft;            /* what our table holds */
	bool foreign_table;         /* somebody else's table, never touched */
	struct plan_scope scope;    /* whose links read() lists (as the
	                             * system backend's scope): unnamed */

	char log[FAKE_LOG_MAX][FAKE_LOG_LINE];
	size_t n_log;
	unsigned writes;            /* every write call, refused ones too */
	unsigned reads;
	unsigned fail_at;           /* refuse the Nth write (1-based); 0: none */
	unsigned fail_at2;          /* and this one too (an undo refused) */
	bool no_ifa_proto;          /* a kernel before 6.1: IFA_PROTO dropped */
	int fail_errno;             /* default EINVAL */
	bool ignore_mtu;            /* a kernel that does not take the MTU */
	bool nft_garble;            /* ... nor our table as sent */
	/* The translator's programs and maps (netlink/xlat.h): on the WAN
	 * xlat.wan when xlat.enabled. */
	struct plan_xlat xlat;
	/* The mesh programs' (netlink/mesh.h): on mesh.wan when enabled. */
	struct plan_mesh mesh;
};

extern const struct backend_ops fake_backend_ops;

void fake_init(struct fake_kernel *k);
/* Foreign things present before we start. */
void fake_add_link(struct fake_kernel *k, const char *name, const char *kind);
void fake_add_addr(struct fake_kernel *k, const char *ifname,
		   const char *addr, unsigned plen, unsigned proto);
void fake_add_route(struct fake_kernel *k, const char *dev, const char *dst,
		    unsigned protocol);
/* The WAN the apply tests plan over: eth0, a veth, with a global
 * 2001:db8:12:3400::99/64 and its kernel-made fe80::1. */
void fake_add_wan(struct fake_kernel *k);
struct backend fake_backend(struct fake_kernel *k);

/* A copy of the whole kernel (it is large: on the heap); the caller frees it. */
struct fake_kernel *fake_snapshot(const struct fake_kernel *k);
/* Snapshot comparison: the same objects in the same order? */
bool fake_state_equal(const struct fake_kernel *a, const struct fake_kernel *b);
/* How many log lines start with prefix. */
size_t fake_count(const struct fake_kernel *k, const char *prefix);
const struct klink *fake_link(const struct fake_kernel *k, const char *name);

#endif
