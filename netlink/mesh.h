/* SPDX-License-Identifier: MIT */
/* The MAP-E mesh loader: the eBPF programs of bpf/mesh.bpf.c (a bpftool
 * skeleton in the binary) attached with libbpf's clsact API through
 * netlink/bpftc.h: mesh_out on the mesh device's egress, mesh_in on the
 * WAN's ingress, our filters found by MESH_TC_HANDLE/MESH_TC_PRIO (not the
 * translator's, so the two never replace each other).
 *
 * Reconcile: mesh_apply() with the state already in the kernel writes
 * nothing (the FMR map is compared entry by entry, not rewritten); a
 * changed rule set updates the map in place, one write per changed rule,
 * the programs stay attached (no flap). The maps of the attached programs
 * are found again from the filters, so a restarted agent reconciles too;
 * another build or ABI is replaced. mesh_remove() leaves nothing of ours. */
#ifndef V6MIG_MESH_H
#define V6MIG_MESH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../bpf/mesh_abi.h"
#include "../tunnels/err.h"

#define MESH_TC_HANDLE 0x7637u
#define MESH_TC_PRIO 0x4637u
#define MESH_HOP_LIMIT 64       /* RFC 2473 6.3: the tunnel's own */
#define MESH_OVERHEAD 40        /* the outer IPv6 header: device MTU = WAN - 40 */

struct mesh_spec {
	struct mesh_cfg cfg;    /* abi/obj_id filled in by the loader;
	                         * wan_ifindex/dev_ifindex/dev_mac too */
	struct mesh_fmr fmr[MESH_FMR_MAX];
	size_t n_fmr;
};

struct mesh_writes {
	unsigned attached;      /* filters (re)attached */
	unsigned cfg;           /* 0 or 1 */
	unsigned fmr_added, fmr_deleted;
};

/* Pure: mode, IID layout, port set, FMR lengths, no two FMRs with one
 * IPv4 prefix. 0 or -EINVAL naming the bad value. */
int mesh_spec_check(const struct mesh_spec *s, struct err *e);

int mesh_apply(unsigned wan_ifindex, unsigned dev_ifindex,
	       const struct mesh_spec *s, struct mesh_writes *w, struct err *e);
int mesh_remove(unsigned wan_ifindex, unsigned dev_ifindex, struct err *e);

/* Counters of the programs attached on the WAN; -ENOENT when none. */
int mesh_read_stats(unsigned wan_ifindex, uint64_t out[MESH_STAT_MAX],
		    struct err *e);
const char *mesh_stat_name(enum mesh_stat s);

/* Can this kernel run the programs (load and verify them, attach nothing)?
 * For the R4 capability words; the answer is cached. */
bool mesh_supported(void);

/* Loaded, not attached: BPF_PROG_TEST_RUN tests and the bench. */
struct mesh_obj {
	void *skel;
	int prog_out, prog_in;
	int cfg, fmr, stats;
};
int mesh_obj_load(const struct mesh_spec *s, struct mesh_obj *o, struct err *e);
int mesh_obj_sync(const struct mesh_obj *o, const struct mesh_spec *s,
		  struct mesh_writes *w, struct err *e);
void mesh_obj_free(struct mesh_obj *o);

#endif
