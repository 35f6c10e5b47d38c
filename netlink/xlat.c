/* SPDX-License-Identifier: MIT */
/* The translator's loader: netlink/xlat.h. The programs come from the
 * skeleton bpftool generated from bpf/xlat.bpf.c (build/bpf/xlat.skel.h),
 * so the object is in the binary. */
#include "xlat.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/pkt_cls.h>
#include <netlink/route/link.h>

#include "bpf/xlat.skel.h"
#include "nlutil.h"

/* ---- the object's fingerprint ----------------------------------------- */

/* FNV-1a over the embedded ELF: an attached program of another build is
 * replaced, one of this build kept. */
static uint32_t obj_fingerprint(void)
{
	size_t n = 0;
	const uint8_t *p = xlat_bpf__elf_bytes(&n);
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h ? h : 1;
}

/* ---- the maps of what is attached --------------------------------------- */

struct xlat_fds {
	int cfg, fmr4, fmr6, stats;
	uint32_t ids[4];             /* their map ids, in that order */
};

static void fds_init(struct xlat_fds *f)
{
	memset(f, 0, sizeof(*f));
	f->cfg = f->fmr4 = f->fmr6 = f->stats = -1;
}

static void fds_close(struct xlat_fds *f)
{
	int *all[] = { &f->cfg, &f->fmr4, &f->fmr6, &f->stats };

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (*all[i] >= 0)
			close(*all[i]);
		*all[i] = -1;
	}
}

static bool fds_complete(const struct xlat_fds *f)
{
	return f->cfg >= 0 && f->fmr4 >= 0 && f->fmr6 >= 0 && f->stats >= 0;
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

static int tc_prog_id(unsigned ifindex, enum bpf_tc_attach_point where,
		      uint32_t *id)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)ifindex,
			    .attach_point = where);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, o, .handle = XLAT_TC_HANDLE,
			    .priority = XLAT_TC_PRIO);
	libbpf_print_fn_t old = libbpf_set_print(quiet);
	int rc = bpf_tc_query(&hook, &o);

	libbpf_set_print(old);
	if (rc < 0)
		return rc == -EINVAL ? -ENOENT : rc; /* no clsact: none */
	*id = o.prog_id;
	return 0;
}

/* Keep fd in its slot (by map name) or, when the slot is taken, check it
 * is the same map: 0 kept, 1 not one of ours or a duplicate (close it),
 * -ESTALE two programs with different maps, -errno. */
static int map_into(int fd, struct xlat_fds *f)
{
	static const char *const names[4] = { XLAT_MAP_CFG, XLAT_MAP_FMR4,
					      XLAT_MAP_FMR6, XLAT_MAP_STATS };
	int *slots[4] = { &f->cfg, &f->fmr4, &f->fmr6, &f->stats };
	struct bpf_map_info mi;
	uint32_t len = sizeof(mi);

	memset(&mi, 0, sizeof(mi));
	if (bpf_obj_get_info_by_fd(fd, &mi, &len) < 0)
		return -errno;
	for (int i = 0; i < 4; i++) {
		if (strcmp(mi.name, names[i]))
			continue;
		if (*slots[i] >= 0)
			return f->ids[i] == mi.id ? 1 : -ESTALE;
		*slots[i] = fd;
		f->ids[i] = mi.id;
		return 0;
	}
	return 1;
}

/* Add the maps program id uses to f (each program uses some of them). */
static int prog_maps(uint32_t id, struct xlat_fds *f)
{
	uint32_t ids[16], len;
	struct bpf_prog_info pi;
	int pfd, rc = 0;

	pfd = bpf_prog_get_fd_by_id(id);
	if (pfd < 0)
		return -errno;
	memset(&pi, 0, sizeof(pi));
	pi.nr_map_ids = sizeof(ids) / sizeof(ids[0]);
	pi.map_ids = (uint64_t)(uintptr_t)ids;
	len = sizeof(pi);
	if (bpf_obj_get_info_by_fd(pfd, &pi, &len) < 0)
		rc = -errno;
	close(pfd);
	for (uint32_t i = 0; !rc && i < pi.nr_map_ids && i < 16; i++) {
		int fd = bpf_map_get_fd_by_id(ids[i]);

		if (fd < 0)
			return -errno;
		rc = map_into(fd, f);
		if (rc) {
			close(fd);
			rc = rc == 1 ? 0 : rc;
		}
	}
	return rc;
}

/* ---- validation (pure) ------------------------------------------------- */

static bool len6052(unsigned l)
{
	return l == 32 || l == 40 || l == 48 || l == 56 || l == 64 || l == 96;
}

static int fmr_check(const struct xlat_fmr *r, size_t i, struct err *e)
{
	unsigned sfx = 32u - r->v4_len;

	if (r->v4_len > 32 || r->v6_len > 64 || r->ea_len > 48 ||
	    r->v6_len + r->ea_len > 64)
		return err_set(e, EINVAL, "xlat: FMR %zu: lengths v4 /%u v6 /%u "
			       "ea %u do not fit a /64", i, r->v4_len, r->v6_len,
			       r->ea_len);
	if (r->ea_len < sfx || r->ea_len - sfx > 16 ||
	    r->psid_len != r->ea_len - sfx ||
	    r->psid_offset + r->psid_len > 16)
		return err_set(e, EINVAL, "xlat: FMR %zu: ea %u, v4 /%u, psid "
			       "offset %u length %u are inconsistent", i,
			       r->ea_len, r->v4_len, r->psid_offset, r->psid_len);
	return 0;
}

int xlat_spec_check(const struct xlat_spec *s, struct err *e)
{
	const struct xlat_cfg *c = &s->cfg;

	if (c->mode != XLAT_MODE_MAPT && c->mode != XLAT_MODE_CLAT)
		return err_set(e, EINVAL, "xlat: mode %u is neither MAP-T nor "
			       "CLAT", c->mode);
	if (!len6052(c->pref6_len))
		return err_set(e, EINVAL, "xlat: prefix length /%u is not one of "
			       "RFC 6052's 32/40/48/56/64/96", c->pref6_len);
	if (c->psid_len > 16 || c->psid_offset > 15 ||
	    c->psid_offset + c->psid_len > 16 ||
	    (c->psid_len < 16 && c->psid >> c->psid_len))
		return err_set(e, EINVAL, "xlat: port set offset %u length %u "
			       "psid %u does not fit 16 bits", c->psid_offset,
			       c->psid_len, c->psid);
	if (c->mode == XLAT_MODE_CLAT && (c->psid_len || s->n_fmr))
		return err_set(e, EINVAL, "xlat: a CLAT has no port set or FMR");
	if (s->n_fmr > XLAT_FMR_MAX)
		return err_set(e, EINVAL, "xlat: %zu FMRs, at most %d", s->n_fmr,
			       XLAT_FMR_MAX);
	for (size_t i = 0; i < s->n_fmr; i++) {
		int rc = fmr_check(&s->fmr[i], i, e);

		if (rc)
			return rc;
	}
	return 0;
}

/* ---- reconcile the maps ------------------------------------------------ */

static void lpm4_of(const struct xlat_fmr *r, struct xlat_lpm4 *k)
{
	memset(k, 0, sizeof(*k));
	k->prefixlen = r->v4_len;
	memcpy(k->addr, r->v4, 4);
}

static void lpm6_of(const struct xlat_fmr *r, struct xlat_lpm6 *k)
{
	memset(k, 0, sizeof(*k));
	k->prefixlen = r->v6_len;
	memcpy(k->addr, r->v6, 16);
}

typedef void (*key_of_fn)(const struct xlat_fmr *r, void *k);

/* Bring one trie to the wanted rules: delete keys not wanted, write the
 * ones missing or different. ksz: key size. */
static int trie_sync(int fd, const struct xlat_spec *s, size_t ksz,
		     key_of_fn key_of, struct xlat_writes *w)
{
	uint8_t k[sizeof(struct xlat_lpm6)], next[sizeof(struct xlat_lpm6)];
	uint8_t want[sizeof(struct xlat_lpm6)];
	struct xlat_fmr have;
	void *prev = NULL;

	/* sweep: collect first, so deleting does not disturb the walk */
	uint8_t (*gone)[sizeof(struct xlat_lpm6)] = calloc(XLAT_FMR_MAX + 1,
							   sizeof(*gone));
	size_t n_gone = 0;
	int rc = 0;

	if (!gone)
		return -ENOMEM;
	while (n_gone <= XLAT_FMR_MAX && bpf_map_get_next_key(fd, prev, next) == 0) {
		bool keep = false;

		for (size_t i = 0; i < s->n_fmr && !keep; i++) {
			key_of(&s->fmr[i], want);
			keep = !memcmp(want, next, ksz);
		}
		if (!keep)
			memcpy(gone[n_gone++], next, ksz);
		memcpy(k, next, ksz);
		prev = k;
	}
	for (size_t i = 0; i < n_gone && !rc; i++) {
		if (bpf_map_delete_elem(fd, gone[i]) < 0)
			rc = -errno;
		else if (w)
			w->fmr_deleted++;
	}
	free(gone);
	for (size_t i = 0; i < s->n_fmr && !rc; i++) {
		key_of(&s->fmr[i], want);
		if (bpf_map_lookup_elem(fd, want, &have) == 0 &&
		    !memcmp(&have, &s->fmr[i], sizeof(have)))
			continue;
		if (bpf_map_update_elem(fd, want, &s->fmr[i], BPF_ANY) < 0)
			rc = -errno;
		else if (w)
			w->fmr_added++;
	}
	return rc;
}

static void key4(const struct xlat_fmr *r, void *k)
{
	lpm4_of(r, k);
}

static void key6(const struct xlat_fmr *r, void *k)
{
	lpm6_of(r, k);
}

static int maps_sync(const struct xlat_fds *f, const struct xlat_cfg *want,
		     const struct xlat_spec *s, struct xlat_writes *w,
		     struct err *e)
{
	struct xlat_cfg have;
	uint32_t zero = 0;
	int rc;

	/* rules first: a new configuration never sees the old rules */
	rc = trie_sync(f->fmr4, s, sizeof(struct xlat_lpm4), key4, w);
	if (!rc)
		rc = trie_sync(f->fmr6, s, sizeof(struct xlat_lpm6), key6, w);
	if (rc)
		return err_set(e, -rc, "xlat: writing the FMR maps: %s",
			       strerror(-rc));
	if (bpf_map_lookup_elem(f->cfg, &zero, &have) == 0 &&
	    !memcmp(&have, want, sizeof(have)))
		return 0;
	if (bpf_map_update_elem(f->cfg, &zero, want, BPF_ANY) < 0)
		return err_set(e, errno, "xlat: writing the configuration: %s",
			       strerror(errno));
	if (w)
		w->cfg++;
	return 0;
}

/* ---- attach ------------------------------------------------------------- */

static int dev_mac(unsigned ifindex, uint8_t mac[6], struct err *e)
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
		err_set(e, -rc, "xlat: device %u: %s", ifindex, strerror(-rc));
	} else {
		a = rtnl_link_get_addr(l);
		if (!a || nl_addr_get_len(a) != 6)
			rc = err_set(e, EINVAL, "xlat: device %u has no "
				     "Ethernet address", ifindex);
		else
			memcpy(mac, nl_addr_get_binary_addr(a), 6);
		rtnl_link_put(l);
	}
	nlconn_close(&c);
	return rc;
}

static int tc_attach(unsigned ifindex, enum bpf_tc_attach_point where,
		     int prog_fd, struct err *e)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)ifindex,
			    .attach_point = where);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, o, .handle = XLAT_TC_HANDLE,
			    .priority = XLAT_TC_PRIO, .prog_fd = prog_fd,
			    .flags = BPF_TC_F_REPLACE);
	libbpf_print_fn_t old = libbpf_set_print(quiet);
	int rc = bpf_tc_hook_create(&hook);

	libbpf_set_print(old);
	/* a clsact that is there (ours or not) is shared, not recreated */
	if (rc < 0 && rc != -EEXIST)
		return err_set(e, -rc, "xlat: clsact on %u: %s", ifindex,
			       strerror(-rc));
	rc = bpf_tc_attach(&hook, &o);
	if (rc < 0)
		return err_set(e, -rc, "xlat: attaching to %u %s: %s", ifindex,
			       where == BPF_TC_INGRESS ? "ingress" : "egress",
			       strerror(-rc));
	return 0;
}

static void cfg_stamp(struct xlat_cfg *c)
{
	c->abi = XLAT_ABI_VERSION;
	c->obj_id = obj_fingerprint();
}

static int obj_load(const struct xlat_spec *s, struct xlat_obj *o,
		    struct xlat_writes *w, struct err *e)
{
	struct xlat_bpf *skel;
	struct xlat_cfg want = s->cfg;
	int rc = xlat_spec_check(s, e);

	memset(o, 0, sizeof(*o));
	if (rc)
		return rc;
	skel = xlat_bpf__open();
	if (!skel)
		return err_set(e, errno ? errno : EINVAL,
			       "xlat: opening the embedded programs failed");
	rc = xlat_bpf__load(skel);
	if (rc) {
		xlat_bpf__destroy(skel);
		return err_set(e, -rc, "xlat: the kernel refused the programs: "
			       "%s (CAP_BPF/CAP_NET_ADMIN, or an older verifier)",
			       strerror(-rc));
	}
	o->skel = skel;
	o->prog_out = bpf_program__fd(skel->progs.xlat_out);
	o->prog_in = bpf_program__fd(skel->progs.xlat_in);
	o->cfg = bpf_map__fd(skel->maps.xlat_cfg);
	o->fmr4 = bpf_map__fd(skel->maps.xlat_fmr4);
	o->fmr6 = bpf_map__fd(skel->maps.xlat_fmr6);
	o->stats = bpf_map__fd(skel->maps.xlat_stats);
	cfg_stamp(&want);
	rc = maps_sync(&(struct xlat_fds){ o->cfg, o->fmr4, o->fmr6, o->stats,
					   { 0 } }, &want, s, w, e);
	if (rc)
		xlat_obj_free(o);
	return rc;
}

int xlat_obj_load(const struct xlat_spec *s, struct xlat_obj *o, struct err *e)
{
	return obj_load(s, o, NULL, e);
}

int xlat_obj_sync(const struct xlat_obj *o, const struct xlat_spec *s,
		  struct xlat_writes *w, struct err *e)
{
	struct xlat_cfg want = s->cfg;
	int rc = xlat_spec_check(s, e);

	if (w)
		memset(w, 0, sizeof(*w));
	if (rc)
		return rc;
	cfg_stamp(&want);
	return maps_sync(&(struct xlat_fds){ o->cfg, o->fmr4, o->fmr6, o->stats,
					     { 0 } }, &want, s, w, e);
}

void xlat_obj_free(struct xlat_obj *o)
{
	if (o->skel)
		xlat_bpf__destroy(o->skel);
	memset(o, 0, sizeof(*o));
}

/* Load the embedded object, fill its maps, then attach (maps first, so a
 * program never runs on an empty configuration). The filters hold the
 * programs, the programs their maps: the object is freed after. */
static int load_attach(unsigned wan, unsigned dev, const struct xlat_spec *s,
		       struct xlat_writes *w, struct err *e)
{
	struct xlat_obj o;
	int rc = obj_load(s, &o, w, e);

	if (rc)
		return rc;
	rc = tc_attach(dev, BPF_TC_EGRESS, o.prog_out, e);
	if (!rc)
		rc = tc_attach(wan, BPF_TC_INGRESS, o.prog_in, e);
	if (!rc && w)
		w->attached += 2;
	xlat_obj_free(&o);
	return rc;
}

/* The attached pair, if it is ours, of this build, and shares its maps. */
static int attached_maps(unsigned wan, unsigned dev, uint32_t fp,
			 struct xlat_fds *f)
{
	uint32_t in_id, out_id, zero = 0;
	struct xlat_cfg have;
	int rc;

	fds_init(f);
	if (tc_prog_id(wan, BPF_TC_INGRESS, &in_id) ||
	    tc_prog_id(dev, BPF_TC_EGRESS, &out_id))
		return -ENOENT;
	rc = prog_maps(in_id, f);
	if (!rc)
		rc = prog_maps(out_id, f);
	if (!rc && !fds_complete(f))
		rc = -ENOENT;
	if (!rc && (bpf_map_lookup_elem(f->cfg, &zero, &have) ||
		    have.abi != XLAT_ABI_VERSION || have.obj_id != fp))
		rc = -ESTALE;
	if (rc)
		fds_close(f);
	return rc;
}

int xlat_apply(unsigned wan_ifindex, unsigned dev_ifindex,
	       const struct xlat_spec *s, struct xlat_writes *w, struct err *e)
{
	static const uint8_t nomac[6];
	struct xlat_spec *t;
	struct xlat_fds f;
	int rc = xlat_spec_check(s, e);

	if (w)
		memset(w, 0, sizeof(*w));
	if (rc)
		return rc;
	if (!wan_ifindex || !dev_ifindex)
		return err_set(e, EINVAL, "xlat: WAN %u or device %u missing",
			       wan_ifindex, dev_ifindex);
	t = malloc(sizeof(*t));
	if (!t)
		return err_set(e, ENOMEM, "xlat: out of memory");
	*t = *s;
	t->cfg.wan_ifindex = wan_ifindex;
	t->cfg.dev_ifindex = dev_ifindex;
	if (!memcmp(t->cfg.dev_mac, nomac, 6))
		rc = dev_mac(dev_ifindex, t->cfg.dev_mac, e);
	if (!rc && attached_maps(wan_ifindex, dev_ifindex, obj_fingerprint(),
				 &f) == 0) {
		struct xlat_cfg want = t->cfg;

		cfg_stamp(&want);
		rc = maps_sync(&f, &want, t, w, e);
		fds_close(&f);
	} else if (!rc) {
		rc = load_attach(wan_ifindex, dev_ifindex, t, w, e);
	}
	free(t);
	return rc;
}

static int tc_detach(unsigned ifindex, enum bpf_tc_attach_point where)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)ifindex,
			    .attach_point = where);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, o, .handle = XLAT_TC_HANDLE,
			    .priority = XLAT_TC_PRIO);
	libbpf_print_fn_t old = libbpf_set_print(quiet);
	int rc = bpf_tc_detach(&hook, &o);

	libbpf_set_print(old);

	/* absent filter, qdisc or device: nothing of ours there */
	if (rc == -ENOENT || rc == -EINVAL || rc == -ENODEV)
		return 0;
	return rc;
}

int xlat_remove(unsigned wan_ifindex, unsigned dev_ifindex, struct err *e)
{
	int rc = 0, r;

	if (wan_ifindex && (r = tc_detach(wan_ifindex, BPF_TC_INGRESS)) < 0)
		rc = err_set(e, -r, "xlat: detaching from %u ingress: %s",
			     wan_ifindex, strerror(-r));
	if (dev_ifindex && (r = tc_detach(dev_ifindex, BPF_TC_EGRESS)) < 0)
		rc = err_set(e, -r, "xlat: detaching from %u egress: %s",
			     dev_ifindex, strerror(-r));
	return rc;
}

int xlat_read_stats(unsigned wan_ifindex, uint64_t out[XLAT_STAT_MAX],
		    struct err *e)
{
	int ncpu = libbpf_num_possible_cpus(), rc;
	struct xlat_fds f;
	uint32_t id;
	uint64_t *v;

	if (ncpu <= 0)
		return err_set(e, ncpu ? -ncpu : EINVAL, "xlat: no CPU count");
	fds_init(&f);
	rc = tc_prog_id(wan_ifindex, BPF_TC_INGRESS, &id);
	if (!rc)
		rc = prog_maps(id, &f);
	if (!rc && f.stats < 0)
		rc = -ENOENT;
	if (rc) {
		fds_close(&f);
		return err_set(e, -rc, "xlat: no translator on %u: %s",
			       wan_ifindex, strerror(-rc));
	}
	v = calloc((size_t)ncpu, sizeof(*v));
	if (!v) {
		fds_close(&f);
		return err_set(e, ENOMEM, "xlat: out of memory");
	}
	for (uint32_t k = 0; k < XLAT_STAT_MAX && !rc; k++) {
		out[k] = 0;
		if (bpf_map_lookup_elem(f.stats, &k, v) < 0)
			rc = err_set(e, errno, "xlat: reading counter %u: %s", k,
				     strerror(errno));
		for (int i = 0; !rc && i < ncpu; i++)
			out[k] += v[i];
	}
	free(v);
	fds_close(&f);
	return rc;
}

const char *xlat_stat_name(enum xlat_stat s)
{
	switch (s) {
	case XLAT_OUT_OK: return "out_ok";
	case XLAT_IN_OK: return "in_ok";
	case XLAT_IN_PASS: return "in_pass";
	case XLAT_OUT_PASS: return "out_pass";
	case XLAT_DROP_SRC: return "drop_src";
	case XLAT_DROP_PORT_OUT: return "drop_port_out";
	case XLAT_DROP_PORT_IN: return "drop_port_in";
	case XLAT_DROP_FOREIGN: return "drop_foreign";
	case XLAT_DROP_SPOOF: return "drop_spoof";
	case XLAT_DROP_V4_OPTIONS: return "drop_v4_options";
	case XLAT_DROP_V6_EXTHDR: return "drop_v6_exthdr";
	case XLAT_DROP_PROTO: return "drop_proto";
	case XLAT_DROP_ICMP_TYPE: return "drop_icmp_type";
	case XLAT_DROP_ICMP_FRAG: return "drop_icmp_frag";
	case XLAT_DROP_UDP0_FRAG: return "drop_udp0_frag";
	case XLAT_DROP_FRAG_FMR: return "drop_frag_fmr";
	case XLAT_DROP_SHORT: return "drop_short";
	case XLAT_DROP_INNER: return "drop_inner";
	case XLAT_DROP_NOT_HOST: return "drop_not_host";
	case XLAT_DROP_BAD_CSUM: return "drop_bad_csum";
	case XLAT_DROP_HELPER: return "drop_helper";
	case XLAT_DROP_TTL: return "drop_ttl";
	case XLAT_STAT_MAX: break;
	}
	return "?";
}
