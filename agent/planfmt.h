/* SPDX-License-Identifier: MIT */
/* struct plan for people and tools: the JSON of `plan --json` (stable
 * keys: every key is always present, null where it does not apply) and
 * the equivalent ip/nft commands, for reading only -- the agent itself
 * speaks netlink (the nft commands are `nft -f` syntax, printed from the
 * same table description the agent applies). */
#ifndef V6MIG_PLANFMT_H
#define V6MIG_PLANFMT_H

#include <stdbool.h>
#include <stdio.h>

#include "../tunnels/plan.h"

struct cJSON;

/* A new cJSON object, or NULL when out of memory. */
struct cJSON *plan_to_json(const struct plan *p);
/* psid, psid_length, psid_offset, port_ranges ([[min, max], ...]) and
 * port_count into o; all null when ps is NULL. With psid_null_if_unshared
 * the first three are null for a PSID length of 0 (every port: plan and
 * status); without it they stay numbers (calc's contract). The one shape
 * calc, plan and status share. */
struct portset;
void planfmt_add_ports(struct cJSON *o, const struct portset *ps,
		       bool psid_null_if_unshared);
/* The commands that would build the same state by hand. */
void plan_print_commands(FILE *f, const struct plan *p);
/* The nft part of them: one `nft` command per table, chain, set and rule
 * of t, the description netlink/nft_build.c applies (tunnels/nftdesc.h). */
struct nftd_table;
void plan_print_nft(FILE *f, const struct nftd_table *t);

#endif
