/* SPDX-License-Identifier: MIT */
/* The translator's loader: the eBPF programs embedded in the agent
 * (bpf/xlat.bpf.c, a bpftool skeleton built into the binary), attached with
 * libbpf's clsact API (bpf_tc_hook_create/bpf_tc_attach: Debian 12's 6.1
 * kernel and libbpf 1.1 have no tcx).
 *
 * Ownership: our two filters only, found by their fixed handle and priority
 * (XLAT_TC_HANDLE/XLAT_TC_PRIO): xlat_out on the translation device's
 * egress, xlat_in on the WAN's ingress. A clsact qdisc we find is shared and
 * never deleted; foreign filters on it are never touched.
 *
 * Reconcile: xlat_apply() with the state already in the kernel writes
 * nothing. The maps of the attached programs are found again through the
 * fds this process kept when it attached them (netlink/bpftc.h), else
 * from the filters by id (prog id -> map ids: CAP_SYS_ADMIN), so a
 * restarted agent run as root reconciles as well; one under the unit
 * (no CAP_SYS_ADMIN) cannot open them and replaces them in place, once. A
 * program from another build (xlat_cfg.obj_id) or ABI is replaced in
 * place too. */
#ifndef V6MIG_XLAT_H
#define V6MIG_XLAT_H

#include <stddef.h>
#include <stdint.h>

#include "../bpf/xlat_abi.h"
#include "../tunnels/err.h"

#define XLAT_TC_HANDLE 0x7636u   /* "v6" */
#define XLAT_TC_PRIO 0x4636u

/* What the planner decides (validated by xlat_spec_check()). */
struct xlat_spec {
	struct xlat_cfg cfg;          /* abi and obj_id are filled in by the loader;
	                               * wan_ifindex/dev_ifindex/dev_mac too when 0 */
	struct xlat_fmr fmr[XLAT_FMR_MAX];
	size_t n_fmr;
};

/* Writes made by one xlat_apply(), for tests and logs. */
struct xlat_writes {
	unsigned attached;            /* filters (re)attached */
	unsigned cfg;                 /* 0 or 1 */
	unsigned fmr_added, fmr_deleted;
};

/* Pure: the spec is consistent (mode, RFC 6052 length, PSID fits, FMR
 * lengths). 0 or -EINVAL with e naming the bad value. */
int xlat_spec_check(const struct xlat_spec *s, struct err *e);

/* Attach (if missing) and bring the maps to s; w may be NULL. The device's
 * MAC is read from the kernel when s->cfg.dev_mac is all zero. */
int xlat_apply(unsigned wan_ifindex, unsigned dev_ifindex,
	       const struct xlat_spec *s, struct xlat_writes *w, struct err *e);

/* Remove our two filters (absent ones are fine); nothing else. */
int xlat_remove(unsigned wan_ifindex, unsigned dev_ifindex, struct err *e);

/* Counters of the program attached on the WAN (summed over CPUs), through
 * the maps this process kept or by id; -ENOENT when none is attached,
 * -EPERM when another process attached it and we lack CAP_SYS_ADMIN. */
int xlat_read_stats(unsigned wan_ifindex, uint64_t out[XLAT_STAT_MAX],
		    struct err *e);

/* The embedded programs loaded but not attached, their maps filled from
 * s (cfg as given plus abi/obj_id): for BPF_PROG_TEST_RUN tests and the
 * bench. xlat_obj_sync() reconciles the maps like xlat_apply(). */
struct xlat_obj {
	void *skel;
	int prog_out, prog_in;
	int cfg, fmr4, fmr6, stats;
};
int xlat_obj_load(const struct xlat_spec *s, struct xlat_obj *o, struct err *e);
int xlat_obj_sync(const struct xlat_obj *o, const struct xlat_spec *s,
		  struct xlat_writes *w, struct err *e);
void xlat_obj_free(struct xlat_obj *o);

/* A stable name for a counter ("out_ok", "drop_port_in", ...). */
const char *xlat_stat_name(enum xlat_stat s);
/* Which program counts it: "out" (xlat_out, IPv4 to IPv6), "in" (xlat_in),
 * or "any" (both count the reason in one counter). */
const char *xlat_stat_dir(enum xlat_stat s);

#endif
