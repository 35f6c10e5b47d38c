/* SPDX-License-Identifier: MIT */
/* Shared pieces of the eBPF loaders: netlink/bpftc.h. */
#include "bpftc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <netlink/route/link.h>

#include "nlutil.h"

#define MAPS_MAX 16

static void held_forget(const struct bpftc_id *f, unsigned wan, unsigned dev);

uint32_t bpftc_fingerprint(const void *bytes, size_t n)
{
	const uint8_t *p = bytes;
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h ? h : 1;
}

/* libbpf prints the kernel's extended ACK of every refused request; a
 * query that finds nothing and a clsact already there are answers here,
 * not errors: keep them off stderr while asking. */
static int quiet(enum libbpf_print_level l, const char *fmt, va_list ap)
{
	(void)l;
	(void)fmt;
	(void)ap;
	return 0;
}

static enum bpf_tc_attach_point point(enum bpftc_where w)
{
	return w == BPFTC_INGRESS ? BPF_TC_INGRESS : BPF_TC_EGRESS;
}

static const char *where_str(enum bpftc_where w)
{
	return w == BPFTC_INGRESS ? "ingress" : "egress";
}

int bpftc_prog_id(const struct bpftc_id *f, unsigned ifindex,
		  enum bpftc_where where, uint32_t *prog_id)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)ifindex,
			    .attach_point = point(where));
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, o, .handle = f->handle,
			    .priority = f->prio);
	libbpf_print_fn_t old = libbpf_set_print(quiet);
	int rc = bpf_tc_query(&hook, &o);

	libbpf_set_print(old);
	if (rc < 0)
		return rc == -EINVAL ? -ENOENT : rc; /* no clsact: none */
	*prog_id = o.prog_id;
	return 0;
}

int bpftc_attach(const struct bpftc_id *f, unsigned ifindex,
		 enum bpftc_where where, int prog_fd, struct err *e)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)ifindex,
			    .attach_point = point(where));
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, o, .handle = f->handle,
			    .priority = f->prio, .prog_fd = prog_fd,
			    .flags = BPF_TC_F_REPLACE);
	libbpf_print_fn_t old = libbpf_set_print(quiet);
	int rc = bpf_tc_hook_create(&hook);

	libbpf_set_print(old);
	/* a clsact that is there (ours or not) is shared, not recreated */
	if (rc < 0 && rc != -EEXIST)
		return err_set(e, -rc, "%s: clsact on %u: %s", f->who, ifindex,
			       strerror(-rc));
	rc = bpf_tc_attach(&hook, &o);
	if (rc < 0)
		return err_set(e, -rc, "%s: attaching to %u %s: %s", f->who,
			       ifindex, where_str(where), strerror(-rc));
	return 0;
}

int bpftc_detach(const struct bpftc_id *f, unsigned ifindex,
		 enum bpftc_where where, struct err *e)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)ifindex,
			    .attach_point = point(where));
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, o, .handle = f->handle,
			    .priority = f->prio);
	libbpf_print_fn_t old;
	int rc;

	/* the pair that filter belongs to goes with it (its maps let go) */
	held_forget(f, where == BPFTC_INGRESS ? ifindex : 0,
		    where == BPFTC_EGRESS ? ifindex : 0);
	old = libbpf_set_print(quiet);
	rc = bpf_tc_detach(&hook, &o);

	libbpf_set_print(old);
	/* absent filter, qdisc or device: nothing of ours there */
	if (rc == -ENOENT || rc == -EINVAL || rc == -ENODEV || rc >= 0)
		return 0;
	return err_set(e, -rc, "%s: detaching from %u %s: %s", f->who,
		       ifindex, where_str(where), strerror(-rc));
}

void bpftc_close(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

static void fds_init(int *fds, uint32_t *ids, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		fds[i] = -1;
		ids[i] = 0;
	}
}

static bool fds_complete(const int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fds[i] < 0)
			return false;
	return true;
}

/* Keep fd in its slot (by map name) or, when the slot is taken, check it
 * is the same map: 0 kept, 1 not one of ours or a duplicate (close it),
 * -ESTALE two programs with different maps, -errno. */
static int map_into(int fd, const char *const *names, int *fds,
		    uint32_t *ids, size_t n)
{
	struct bpf_map_info mi;
	uint32_t len = sizeof(mi);

	memset(&mi, 0, sizeof(mi));
	if (bpf_obj_get_info_by_fd(fd, &mi, &len) < 0)
		return -errno;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(mi.name, names[i]))
			continue;
		if (fds[i] >= 0)
			return ids[i] == mi.id ? 1 : -ESTALE;
		fds[i] = fd;
		ids[i] = mi.id;
		return 0;
	}
	return 1;
}

/* Into the slots: the maps program id uses, opened by id (CAP_SYS_ADMIN:
 * -EPERM without it). */
static int id_maps(uint32_t prog_id, const char *const *names, int *fds,
		   uint32_t *ids, size_t n)
{
	uint32_t mids[MAPS_MAX], len;
	struct bpf_prog_info pi;
	int pfd, rc = 0;

	pfd = bpf_prog_get_fd_by_id(prog_id);
	if (pfd < 0)
		return -errno;
	memset(&pi, 0, sizeof(pi));
	pi.nr_map_ids = MAPS_MAX;
	pi.map_ids = (uint64_t)(uintptr_t)mids;
	len = sizeof(pi);
	if (bpf_obj_get_info_by_fd(pfd, &pi, &len) < 0)
		rc = -errno;
	close(pfd);
	for (uint32_t i = 0; !rc && i < pi.nr_map_ids && i < MAPS_MAX; i++) {
		int fd = bpf_map_get_fd_by_id(mids[i]);

		if (fd < 0)
			return -errno;
		rc = map_into(fd, names, fds, ids, n);
		if (rc) {
			close(fd);
			rc = rc == 1 ? 0 : rc;
		}
	}
	return rc;
}

/* ---- the pairs this process attached, their maps kept (bpftc.h) ------ */

/* A process attaches one pair per loader and WAN: a few slots. Process-
 * wide like the fds themselves; the agent is single-threaded. */
#define HELD_MAX 8

struct held {
	uint32_t handle, prio;        /* whose: the loader's filter id */
	unsigned wan, dev;            /* ingress of wan, egress of dev */
	uint32_t in_id, out_id;       /* the programs we attached there */
	int maps[MAPS_MAX];           /* our fds (close-on-exec: a hook the
	                               * daemon runs inherits none) */
	size_t n;
};

static struct held held[HELD_MAX];
static size_t n_held;

static bool held_is(const struct held *h, const struct bpftc_id *f)
{
	return h->handle == f->handle && h->prio == f->prio;
}

static void held_drop(size_t i)
{
	for (size_t k = 0; k < held[i].n; k++)
		close(held[i].maps[k]);
	held[i] = held[--n_held];
}

/* Let go of f's pairs on the WAN wan or the device dev (0: neither). */
static void held_forget(const struct bpftc_id *f, unsigned wan, unsigned dev)
{
	for (size_t i = n_held; i-- > 0;)
		if (held_is(&held[i], f) &&
		    ((wan && held[i].wan == wan) || (dev && held[i].dev == dev)))
			held_drop(i);
}

static int prog_fd_id(int fd, uint32_t *id)
{
	struct bpf_prog_info pi;
	uint32_t len = sizeof(pi);

	memset(&pi, 0, sizeof(pi));
	if (bpf_obj_get_info_by_fd(fd, &pi, &len) < 0)
		return -errno;
	*id = pi.id;
	return 0;
}

/* Keep the maps of the pair just attached. Best effort: a pair not kept
 * is found by id next time (or, under the unit, replaced once). */
static void held_put(const struct bpftc_id *f, unsigned wan, unsigned dev,
		     int prog_in, int prog_out, const int *maps, size_t n)
{
	struct held h = { .handle = f->handle, .prio = f->prio, .wan = wan,
			  .dev = dev };

	if (n > MAPS_MAX || prog_fd_id(prog_in, &h.in_id) ||
	    prog_fd_id(prog_out, &h.out_id))
		return;
	for (; h.n < n; h.n++) {
		h.maps[h.n] = fcntl(maps[h.n], F_DUPFD_CLOEXEC, 0);
		if (h.maps[h.n] < 0) {
			bpftc_close(h.maps, h.n);
			return;
		}
	}
	if (n_held == HELD_MAX)
		held_drop(0);
	held[n_held++] = h;
}

/* The kept pair of f whose filter (ifindex, where) holds program id. */
static const struct held *held_find(const struct bpftc_id *f, unsigned ifindex,
				    enum bpftc_where where, uint32_t id)
{
	for (size_t i = 0; i < n_held; i++) {
		const struct held *h = &held[i];

		if (held_is(h, f) &&
		    (where == BPFTC_INGRESS ? h->wan == ifindex && h->in_id == id :
		     h->dev == ifindex && h->out_id == id))
			return h;
	}
	return NULL;
}

/* Into the slots: new fds of h's maps. */
static int held_maps(const struct held *h, const char *const *names, int *fds,
		     uint32_t *ids, size_t n)
{
	for (size_t k = 0; k < h->n; k++) {
		int fd = fcntl(h->maps[k], F_DUPFD_CLOEXEC, 0), rc;

		if (fd < 0)
			return -errno;
		rc = map_into(fd, names, fds, ids, n);
		if (rc)
			close(fd);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Into the slots: the maps of the program in one of f's filters, kept if
 * this process attached that very program, else by id. */
static int filter_maps(const struct bpftc_id *f, unsigned ifindex,
		       enum bpftc_where where, const char *const *names,
		       int *fds, uint32_t *ids, size_t n)
{
	const struct held *h;
	uint32_t id;
	int rc = bpftc_prog_id(f, ifindex, where, &id);

	if (rc)
		return rc;
	h = held_find(f, ifindex, where, id);
	return h ? held_maps(h, names, fds, ids, n) :
		   id_maps(id, names, fds, ids, n);
}

struct at {
	unsigned ifindex;
	enum bpftc_where where;
};

/* The maps of f's programs at n_at places into the slots; complete: every
 * slot filled, else -ENOENT. */
static int maps_at(const struct bpftc_id *f, const struct at *at, size_t n_at,
		   bool complete, const char *const *names, int *fds, size_t n)
{
	uint32_t ids[MAPS_MAX];
	int rc = 0;

	fds_init(fds, ids, n < MAPS_MAX ? n : MAPS_MAX);
	if (n > MAPS_MAX)
		return -EINVAL;
	for (size_t i = 0; !rc && i < n_at; i++)
		rc = filter_maps(f, at[i].ifindex, at[i].where, names, fds, ids, n);
	if (!rc && complete && !fds_complete(fds, n))
		rc = -ENOENT;
	if (rc)
		bpftc_close(fds, n);
	return rc;
}

int bpftc_filter_maps(const struct bpftc_id *f, unsigned ifindex,
		      enum bpftc_where where, const char *const *names,
		      int *fds, size_t n)
{
	const struct at at = { ifindex, where };

	return maps_at(f, &at, 1, false, names, fds, n);
}

int bpftc_pair_maps(const struct bpftc_id *f, unsigned wan, unsigned dev,
		    const char *const *names, int *fds, size_t n)
{
	const struct at at[2] = { { wan, BPFTC_INGRESS }, { dev, BPFTC_EGRESS } };

	return maps_at(f, at, 2, true, names, fds, n);
}

int bpftc_pair_attach(const struct bpftc_id *f, unsigned wan, unsigned dev,
		      int prog_in, int prog_out, const int *maps,
		      size_t n_maps, struct err *e)
{
	int rc;

	held_forget(f, wan, dev); /* whatever happens, those programs go */
	rc = bpftc_attach(f, dev, BPFTC_EGRESS, prog_out, e);
	if (!rc)
		rc = bpftc_attach(f, wan, BPFTC_INGRESS, prog_in, e);
	if (!rc)
		held_put(f, wan, dev, prog_in, prog_out, maps, n_maps);
	return rc;
}

int bpftc_pair_detach(const struct bpftc_id *f, unsigned wan, unsigned dev,
		      struct err *e)
{
	int rc = 0, r;

	if (wan && (r = bpftc_detach(f, wan, BPFTC_INGRESS, e)) < 0)
		rc = r;
	if (dev && (r = bpftc_detach(f, dev, BPFTC_EGRESS, e)) < 0)
		rc = r;
	return rc;
}

int bpftc_percpu_sum(int fd, uint32_t n, uint64_t *out, struct err *e)
{
	int ncpu = libbpf_num_possible_cpus(), rc = 0;
	uint64_t *v;

	if (ncpu <= 0)
		return err_set(e, ncpu ? -ncpu : EINVAL, "bpf: no CPU count");
	v = calloc((size_t)ncpu, sizeof(*v));
	if (!v)
		return err_set(e, ENOMEM, "bpf: out of memory");
	for (uint32_t k = 0; k < n && !rc; k++) {
		out[k] = 0;
		if (bpf_map_lookup_elem(fd, &k, v) < 0)
			rc = err_set(e, errno, "bpf: reading counter %u: %s", k,
				     strerror(errno));
		for (int i = 0; !rc && i < ncpu; i++)
			out[k] += v[i];
	}
	free(v);
	return rc;
}

#define SYNC_KEY_MAX 64
#define SYNC_VAL_MAX 256

static bool wanted(const uint8_t *keys, size_t n, size_t ksz, const void *k)
{
	for (size_t i = 0; i < n; i++)
		if (!memcmp(keys + i * ksz, k, ksz))
			return true;
	return false;
}

/* Delete the keys not wanted: collected first, so deleting does not
 * disturb the walk. */
static int sweep(int fd, const uint8_t *keys, size_t n, size_t ksz,
		 unsigned *deleted)
{
	uint8_t k[SYNC_KEY_MAX], next[SYNC_KEY_MAX], *gone;
	size_t n_gone = 0, cap = n + 1024;
	void *prev = NULL;
	int rc = 0;

	gone = malloc(cap * ksz);
	if (!gone)
		return -ENOMEM;
	while (n_gone < cap && bpf_map_get_next_key(fd, prev, next) == 0) {
		if (!wanted(keys, n, ksz, next))
			memcpy(gone + n_gone++ * ksz, next, ksz);
		memcpy(k, next, ksz);
		prev = k;
	}
	for (size_t i = 0; i < n_gone && !rc; i++) {
		if (bpf_map_delete_elem(fd, gone + i * ksz) < 0)
			rc = -errno;
		else if (deleted)
			(*deleted)++;
	}
	free(gone);
	return rc;
}

int bpftc_map_sync(int fd, const void *keys, const void *vals, size_t n,
		   size_t ksz, size_t vsz, unsigned *added, unsigned *deleted)
{
	const uint8_t *kb = keys, *vb = vals;
	uint8_t have[SYNC_VAL_MAX];
	int rc;

	if (ksz > SYNC_KEY_MAX || vsz > SYNC_VAL_MAX)
		return -EINVAL;
	rc = sweep(fd, kb, n, ksz, deleted);
	for (size_t i = 0; i < n && !rc; i++) {
		const void *k = kb + i * ksz, *v = vb + i * vsz;

		if (bpf_map_lookup_elem(fd, k, have) == 0 &&
		    !memcmp(have, v, vsz))
			continue;
		if (bpf_map_update_elem(fd, k, v, BPF_ANY) < 0)
			rc = -errno;
		else if (added)
			(*added)++;
	}
	return rc;
}

int bpftc_dev_mac(unsigned ifindex, uint8_t mac[6], struct err *e)
{
	struct nlconn c;
	struct rtnl_link *l = NULL;
	struct nl_addr *a;
	int rc = nlconn_open(&c, e);

	if (rc)
		return rc;
	rc = rtnl_link_get_kernel(c.sk, (int)ifindex, NULL, &l);
	if (rc < 0) {
		rc = nle_errno(rc);
		err_set(e, -rc, "device %u: %s", ifindex, strerror(-rc));
	} else {
		a = rtnl_link_get_addr(l);
		if (!a || nl_addr_get_len(a) != 6)
			rc = err_set(e, EINVAL, "device %u has no Ethernet "
				     "address", ifindex);
		else
			memcpy(mac, nl_addr_get_binary_addr(a), 6);
		rtnl_link_put(l);
	}
	nlconn_close(&c);
	return rc;
}
