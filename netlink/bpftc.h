/* SPDX-License-Identifier: MIT */
/* What the eBPF loaders (netlink/xlat.c: MAP-T/CLAT translator,
 * netlink/mesh.c: MAP-E mesh) share: clsact attach/detach/query of one
 * filter by its fixed handle and priority with libbpf's legacy TC API
 * (bpf_tc_hook_create/bpf_tc_attach: Debian 12's 6.1 kernel and libbpf 1.1
 * have no tcx), the maps of an attached program found again by name, the
 * sum of a per-CPU counter array, an object's fingerprint and a device's
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
 * the way out exists). */
int bpftc_pair_attach(const struct bpftc_id *f, unsigned wan, unsigned dev,
		      int prog_in, int prog_out, struct err *e);
/* Both of our filters removed (a zero ifindex is skipped); the last error. */
int bpftc_pair_detach(const struct bpftc_id *f, unsigned wan, unsigned dev,
		      struct err *e);
/* The ids of both programs; -ENOENT unless both are there. */
int bpftc_pair_ids(const struct bpftc_id *f, unsigned wan, unsigned dev,
		   uint32_t *in_id, uint32_t *out_id);

/* The maps of our attached programs, found again by name: fds[i] is the
 * map called names[i] (ids[i] its id). bpftc_fds_init() first; then
 * bpftc_prog_maps() for each program adds the maps it uses (a program may
 * use only some; one that uses a map of the same name but another id than
 * one already found gives -ESTALE: the two are not one object). The
 * caller checks bpftc_fds_complete() and closes the fds. */
void bpftc_fds_init(int *fds, uint32_t *ids, size_t n);
int bpftc_prog_maps(uint32_t prog_id, const char *const *names, int *fds,
		    uint32_t *ids, size_t n);
bool bpftc_fds_complete(const int *fds, size_t n);

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
