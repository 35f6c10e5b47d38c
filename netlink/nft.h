/* SPDX-License-Identifier: MIT */
/* Our nftables table (family ip; V6MIG_NFT_TABLE, or an instance's) from
 * a plan's NAT and filter parts, described once (tunnels/nftdesc.h, which
 * `plan` prints too): built with libnftnl, sent through libmnl as one
 * batch that replaces the table atomically, every ACK read; read back and
 * compared so the same plan twice writes nothing. We never touch another
 * table.
 *
 * The netlink socket is opened per call in the caller's current network
 * namespace: callers that want another namespace setns() first. */
#ifndef V6MIG_NFT_H
#define V6MIG_NFT_H

#include <stddef.h>
#include <stdint.h>

#include "../tunnels/nftdesc.h" /* the table as data; chain and set names */
#include "../tunnels/plan.h" /* V6MIG_NFT_TABLE, _MAX */

struct err;
struct plan;
struct nftnl_table;
struct nftnl_chain_list;
struct nftnl_set_list;
struct nftnl_rule_list;

/* What we did to the kernel: tests prove "same plan twice -> zero
 * writes" with it. */
struct nft_stats {
	unsigned batches;  /* transactions sent (each one a kernel write) */
	unsigned msgs;     /* object messages inside them (no BEGIN/END) */
	unsigned dumps;    /* read requests */
};

/* Owned by the caller; no hidden globals. */
struct nft_ctx {
	struct nft_stats stats;
	uint32_t seq;      /* last netlink sequence number used */
	char table[V6MIG_NFT_TABLE_MAX]; /* the table this context owns */
};

/* Our table as libnftnl objects. table == NULL: no table wanted. Sets
 * carry their elements; rules are in order; anonymous sets (the NAT maps)
 * are named "__map%d" and bound to their rule by NFTNL_SET_ID. */
struct nft_objs {
	char name[V6MIG_NFT_TABLE_MAX]; /* the table's name, also when NULL */
	struct nftnl_table *table;
	struct nftnl_chain_list *chains;
	struct nftnl_set_list *sets;
	struct nftnl_rule_list *rules;
};

/* One replace transaction as bytes: BEGIN, NEWTABLE, DELTABLE, NEWTABLE,
 * chains, sets, elements, rules, END (or BEGIN, NEWTABLE, DELTABLE, END
 * when no table is wanted). Every object message has NLM_F_ACK; BEGIN has
 * seq first_seq, object message i first_seq + 1 + i, END the next. */
struct nft_batch {
	char *buf;
	size_t len, cap;
	uint32_t first_seq;
	unsigned n_msgs;   /* object messages (each gets one ACK) */
	char **what;       /* per object message: "rule 2 in nat_out", ... */
};

/* A context for table V6MIG_NFT_TABLE (the unnamed instance's). */
void nft_ctx_init(struct nft_ctx *c);
/* The table this context reads, replaces and removes (plan_scope.table);
 * -EINVAL for a name nft would refuse. */
int nft_ctx_set_table(struct nft_ctx *c, const char *name, struct err *e);

/* The objects a plan asks for (pure: no I/O), in the plan's scope's
 * table: nftd_build() (tunnels/nftdesc.h), then nft_objs_from_desc(). */
int nft_objs_build(const struct plan *p, struct nft_objs *o, struct err *e);
/* The objects of a table description: its every chain, set and rule. */
int nft_objs_from_desc(const struct nftd_table *t, struct nft_objs *o,
		       struct err *e);
/* Empty lists (table NULL), e.g. for nft_read(). */
int nft_objs_init(struct nft_objs *o);
void nft_objs_done(struct nft_objs *o);

/* The replace batch for o (remove-only when o->table is NULL). */
int nft_batch_replace(const struct nft_objs *o, uint32_t seq,
		      struct nft_batch *b, struct err *e);
void nft_batch_done(struct nft_batch *b);

/* A canonical text of the objects: two object sets hold the same table iff
 * their texts are equal (kernel-chosen handles and anonymous set names are
 * left out; element order is sorted). Caller frees *out. */
int nft_objs_text(const struct nft_objs *o, char **out);

/* Read our table back from the kernel into o (o->table NULL when absent). */
int nft_read(struct nft_ctx *c, struct nft_objs *o, struct err *e);

/* Make the kernel hold exactly `want`: nothing is written when it already
 * does; otherwise one atomic replace (or delete when want->table is NULL). */
int nft_apply_objs(struct nft_ctx *c, const struct nft_objs *want,
		   struct err *e);
/* The same from a plan's nat and filter parts. */
int nft_apply(struct nft_ctx *c, const struct plan *p, struct err *e);
/* Delete our table; absent is fine (and writes nothing). */
int nft_remove(struct nft_ctx *c, struct err *e);

#endif
