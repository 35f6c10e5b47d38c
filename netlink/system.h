/* SPDX-License-Identifier: MIT */
/* The real backend (backend.h): rtnl.c for links, addresses and routes,
 * nft.c for our nftables table. In the caller's network namespace. */
#ifndef V6MIG_SYSTEM_H
#define V6MIG_SYSTEM_H

#include "../tunnels/err.h"
#include "backend.h"
#include "nft.h"

struct rt_ctx;

struct system {
	struct rt_ctx *rt;
	struct nft_ctx nft;     /* its stats count the table's writes */
	struct plan_scope scope; /* whose objects: the instance's */
};

/* Opened for the unnamed instance (plan_scope); system_set_scope() makes
 * it read, write and remove another instance's objects only. */
int system_open(struct system *s, struct err *e);
int system_set_scope(struct system *s, const struct plan_scope *scope,
		     struct err *e);
void system_close(struct system *s);
struct backend system_backend(struct system *s);

#endif
