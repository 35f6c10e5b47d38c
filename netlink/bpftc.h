/* SPDX-License-Identifier: MIT */
/* What the eBPF loaders (netlink/xlat.c: MAP-T/CLAT translator,
 * netlink/mesh.c: MAP-E mesh) share: clsact attach/detach/query of one
 * filter by its fixed handle and priority with libbpf's legacy TC API
 * (bpf_tc_hook_create/bpf_tc_attach: Debian 12's 6.1 kernel and libbpf 1.1
 * have no tcx), the maps of an attached pair found again by name (kept
 * since the attach, or by id), the sum of a per-CPU counter array, an object's fingerprint and a device's
 * MAC. A clsact qdisc found is shared and never deleted; foreign filters
 * are never touched. */
#ifndef V6MIG_BPFTC_H
#define V6MIG_BPFTC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../tunnels/err.h"

enum bpftc_where {
	BPFTC_INGRESS,
	BPFTC_EGRESS,
};

/* Which of our filters: handle and priority, and a name for messages. */
struct bpftc_id {
	uint32_t handle, prio;
	const char *who;
};

/* FNV-1a over an object's bytes, never 0. */
uint32_t bpftc_fingerprint(const void *bytes, size_t n);

/* The id of the program in our filter; -ENOENT when there is none. */
int bpftc_prog_id(const struct bpftc_id *f, unsigned ifindex,
		  enum bpftc_where where, uint32_t *prog_id);

/* Create clsact if missing, attach (or replace) our filter. */
int bpftc_attach(const struct bpftc_id *f, unsigned ifindex,
		 enum bpftc_where where, int prog_fd, struct err *e);

/* Remove our filter; an absent filter, qdisc or device is fine. */
int bpftc_detach(const struct bpftc_id *f, unsigned ifindex,
		 enum bpftc_where where, struct err *e);

/* The usual pair: prog_in on the WAN's ingress, prog_out on the IPv4
 * device's egress (device first, so nothing arrives on the WAN before
 * the way out exists). maps[0..n_maps-1] are the object's maps: this
 * process keeps them (below), so it finds them again without their ids. */
int bpftc_pair_attach(const struct bpftc_id *f, unsigned wan, unsigned dev,
		      int prog_in, int prog_out, const int *maps,
		      size_t n_maps, struct err *e);
/* Both of our filters removed (a zero ifindex is skipped); the last error. */
int bpftc_pair_detach(const struct bpftc_id *f, unsigned wan, unsigned dev,
		      struct err *e);

/* The maps of our attached programs, by name: fds[i] is the map called
 * names[i], a new fd the caller closes (bpftc_close), -1 when not found.
 *
 * Opening a program or map by its id (BPF_*_GET_FD_BY_ID) takes
 * CAP_SYS_ADMIN, which the unit does not grant (CAP_NET_ADMIN, CAP_BPF,
 * CAP_PERFMON): the daemon could not find again what it attached. So
 * bpftc_pair_attach() keeps (close-on-exec) the maps of the pair it
 * attached, with the two programs' ids; while the filters still hold
 * those very programs, their maps come from there, by fd. Otherwise
 * (another process attached them: the daemon restarted, or a one-shot
 * `apply`) they are opened by id, which works for root with CAP_SYS_ADMIN
 * and gives -EPERM under the unit (the loaders then load anew and replace
 * in place: once). What is kept is the process's own, a few pairs (one per
 * loader and WAN); detaching either of a pair's filters lets them go.
 *
 * bpftc_pair_maps: both filters there, every name found, the two programs
 * sharing each map, else -ENOENT (-ESTALE: two maps of one name), -EPERM.
 * bpftc_filter_maps: one filter's program; the maps it does not use (or,
 * kept, the pair's other maps) as found, the caller checks its slots. */
int bpftc_pair_maps(const struct bpftc_id *f, unsigned wan, unsigned dev,
		    const char *const *names, int *fds, size_t n);
int bpftc_filter_maps(const struct bpftc_id *f, unsigned ifindex,
		      enum bpftc_where where, const char *const *names,
		      int *fds, size_t n);

/* Close every fd >= 0 of fds[0..n-1] and set it to -1. */
void bpftc_close(int *fds, size_t n);

/* out[k] = counter k of a PERCPU_ARRAY of __u64, summed over the CPUs. */
int bpftc_percpu_sum(int fd, uint32_t n, uint64_t *out, struct err *e);

/* Reconcile a hash or LPM map to exactly n entries keys[i] -> vals[i]
 * (ksz/vsz bytes each, keys fully initialised): keys not wanted are
 * deleted, entries missing or different written, equal ones untouched
 * (so the same set is zero writes, one changed value one write). The
 * counts may be NULL. 0 or -errno. */
int bpftc_map_sync(int fd, const void *keys, const void *vals, size_t n,
		   size_t ksz, size_t vsz, unsigned *added, unsigned *deleted);

/* The Ethernet address of a device. */
int bpftc_dev_mac(unsigned ifindex, uint8_t mac[6], struct err *e);

#endif
