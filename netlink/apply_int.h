/* SPDX-License-Identifier: MIT */
/* Inside the reconcile (apply.c, apply_diff.c): the op list and the
 * state one run carries. Not an interface: nothing else includes it. */
#ifndef V6MIG_APPLY_INT_H
#define V6MIG_APPLY_INT_H

#include <stdbool.h>

#include "apply.h"

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
	const struct kstate *k;         /* the state apply_diff() compares with */
	struct own_record old_rec, new_rec;
	struct own_record cover;        /* old + new: written before writing */
	bool had_record;
	struct plan old_nft;            /* the table's content per old_rec */
	struct op ops[OPS_MAX];
	size_t n_ops;
	size_t n_done;                  /* ops written successfully */
	struct apply_stats st;
};

/* Ownership (apply_diff.c). */
bool is_our_link(const struct kstate *k, const char *name);
const struct plan_link *plan_link_of(const struct plan *p, const char *name);
bool plan_has_link(const struct plan *p, const char *name);
/* Adds a to r unless there; -E2BIG past RECORD_MAX_ADDRS. */
int record_keep(struct own_record *r, const struct kaddr *a, struct err *e);

/* Appends to c->ops what it takes to go from c->k to c->plan, and fills
 * c->new_rec (apply_diff.c). with_nft: our table is part of the run;
 * nft_holds: the table already is the plan's. */
int apply_diff(struct rc *c, bool with_nft, bool nft_holds, struct err *e);

#endif
