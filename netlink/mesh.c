/* SPDX-License-Identifier: MIT */
/* The MAP-E mesh loader: netlink/mesh.h. */
#include "mesh.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/mesh.skel.h"
#include "bpftc.h"

enum { FD_CFG, FD_FMR, FD_STATS, NFDS };

static const char *const map_names[NFDS] = {
	MESH_MAP_CFG, MESH_MAP_FMR, MESH_MAP_STATS,
};

static const struct bpftc_id tc_id = { MESH_TC_HANDLE, MESH_TC_PRIO, "mesh" };

static uint32_t obj_fingerprint(void)
{
	size_t n = 0;
	const void *p = mesh_bpf__elf_bytes(&n);

	return bpftc_fingerprint(p, n);
}

/* ---- validation (pure) ------------------------------------------------- */

static int fmr_check(const struct mesh_fmr *r, size_t i, struct err *e)
{
	unsigned sfx = 32u - r->v4_len;

	if (r->v4_len > 32 || r->v6_len > 64 || r->ea_len > 48 ||
	    r->v6_len + r->ea_len > 64)
		return err_set(e, EINVAL, "mesh: FMR %zu: lengths v4 /%u v6 /%u "
			       "ea %u do not fit a /64", i, r->v4_len, r->v6_len,
			       r->ea_len);
	/* the program needs a whole IPv4 address per CE (RFC 7597 5.2: EA
	 * bits at least the IPv4 suffix) */
	if (r->ea_len < sfx || r->ea_len - sfx > 16 ||
	    r->psid_len != r->ea_len - sfx ||
	    r->psid_offset + r->psid_len > 16)
		return err_set(e, EINVAL, "mesh: FMR %zu: ea %u, v4 /%u, psid "
			       "offset %u length %u are inconsistent", i,
			       r->ea_len, r->v4_len, r->psid_offset, r->psid_len);
	return 0;
}

static int dup_check(const struct mesh_spec *s, size_t i, struct err *e)
{
	for (size_t j = 0; j < i; j++)
		if (s->fmr[j].v4_len == s->fmr[i].v4_len &&
		    !memcmp(s->fmr[j].v4, s->fmr[i].v4, 4))
			return err_set(e, EINVAL, "mesh: FMRs %zu and %zu have "
				       "the same IPv4 prefix", j, i);
	return 0;
}

int mesh_spec_check(const struct mesh_spec *s, struct err *e)
{
	const struct mesh_cfg *c = &s->cfg;

	if (c->mode != MESH_MODE_ON)
		return err_set(e, EINVAL, "mesh: mode %u is not on", c->mode);
	if (c->iid_v4off != 9 && c->iid_v4off != 10)
		return err_set(e, EINVAL, "mesh: IID IPv4 offset %u is neither "
			       "9 (draft-03) nor 10 (RFC 7597)", c->iid_v4off);
	if (c->psid_len > 16 || c->psid_offset > 15 ||
	    c->psid_offset + c->psid_len > 16 ||
	    (c->psid_len < 16 && c->psid >> c->psid_len))
		return err_set(e, EINVAL, "mesh: port set offset %u length %u "
			       "psid %u does not fit 16 bits", c->psid_offset,
			       c->psid_len, c->psid);
	if (c->hop_limit == 0)
		return err_set(e, EINVAL, "mesh: hop limit 0");
	if (s->n_fmr > MESH_FMR_MAX)
		return err_set(e, EINVAL, "mesh: %zu FMRs, at most %d", s->n_fmr,
			       MESH_FMR_MAX);
	for (size_t i = 0; i < s->n_fmr; i++) {
		int rc = fmr_check(&s->fmr[i], i, e);

		if (!rc)
			rc = dup_check(s, i, e);
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- reconcile the maps ------------------------------------------------ */

static int fmr_sync(int fd, const struct mesh_spec *s, struct mesh_writes *w)
{
	struct mesh_lpm4 *keys = calloc(s->n_fmr + 1, sizeof(*keys));
	int rc;

	if (!keys)
		return -ENOMEM;
	for (size_t i = 0; i < s->n_fmr; i++) {
		keys[i].prefixlen = s->fmr[i].v4_len;
		memcpy(keys[i].addr, s->fmr[i].v4, 4);
	}
	rc = bpftc_map_sync(fd, keys, s->fmr, s->n_fmr, sizeof(*keys),
			    sizeof(struct mesh_fmr), w ? &w->fmr_added : NULL,
			    w ? &w->fmr_deleted : NULL);
	free(keys);
	return rc;
}

static int maps_sync(const int fds[NFDS], const struct mesh_cfg *want,
		     const struct mesh_spec *s, struct mesh_writes *w,
		     struct err *e)
{
	struct mesh_cfg have;
	uint32_t zero = 0;
	int rc = fmr_sync(fds[FD_FMR], s, w);

	/* rules first: a new configuration never sees the old rules */
	if (rc)
		return err_set(e, -rc, "mesh: writing the FMR map: %s",
			       strerror(-rc));
	if (bpf_map_lookup_elem(fds[FD_CFG], &zero, &have) == 0 &&
	    !memcmp(&have, want, sizeof(have)))
		return 0;
	if (bpf_map_update_elem(fds[FD_CFG], &zero, want, BPF_ANY) < 0)
		return err_set(e, errno, "mesh: writing the configuration: %s",
			       strerror(errno));
	if (w)
		w->cfg++;
	return 0;
}

static void cfg_stamp(struct mesh_cfg *c)
{
	c->abi = MESH_ABI_VERSION;
	c->obj_id = obj_fingerprint();
}

/* ---- the object -------------------------------------------------------- */

static int obj_open(struct mesh_obj *o, struct err *e)
{
	struct mesh_bpf *skel = mesh_bpf__open();
	int rc;

	memset(o, 0, sizeof(*o));
	if (!skel)
		return err_set(e, errno ? errno : EINVAL,
			       "mesh: opening the embedded programs failed");
	rc = mesh_bpf__load(skel);
	if (rc) {
		mesh_bpf__destroy(skel);
		return err_set(e, -rc, "mesh: the kernel refused the programs: "
			       "%s (CAP_BPF/CAP_NET_ADMIN, or an older verifier)",
			       strerror(-rc));
	}
	o->skel = skel;
	o->prog_out = bpf_program__fd(skel->progs.mesh_out);
	o->prog_in = bpf_program__fd(skel->progs.mesh_in);
	o->cfg = bpf_map__fd(skel->maps.mesh_cfg);
	o->fmr = bpf_map__fd(skel->maps.mesh_fmr);
	o->stats = bpf_map__fd(skel->maps.mesh_stats);
	return 0;
}

int mesh_obj_load(const struct mesh_spec *s, struct mesh_obj *o, struct err *e)
{
	struct mesh_cfg want = s->cfg;
	int rc = mesh_spec_check(s, e);

	memset(o, 0, sizeof(*o));
	if (!rc)
		rc = obj_open(o, e);
	if (rc)
		return rc;
	cfg_stamp(&want);
	rc = maps_sync((int[NFDS]){ o->cfg, o->fmr, o->stats }, &want, s, NULL,
		       e);
	if (rc)
		mesh_obj_free(o);
	return rc;
}

int mesh_obj_sync(const struct mesh_obj *o, const struct mesh_spec *s,
		  struct mesh_writes *w, struct err *e)
{
	struct mesh_cfg want = s->cfg;
	int rc = mesh_spec_check(s, e);

	if (w)
		memset(w, 0, sizeof(*w));
	if (rc)
		return rc;
	cfg_stamp(&want);
	return maps_sync((int[NFDS]){ o->cfg, o->fmr, o->stats }, &want, s, w,
			 e);
}

void mesh_obj_free(struct mesh_obj *o)
{
	if (o->skel)
		mesh_bpf__destroy(o->skel);
	memset(o, 0, sizeof(*o));
}

bool mesh_supported(void)
{
	static int known = -1;
	struct mesh_obj o;
	struct err e;

	if (known < 0) {
		known = obj_open(&o, &e) == 0;
		if (known)
			mesh_obj_free(&o);
	}
	return known;
}

/* ---- attach -------------------------------------------------------------- */

static int load_attach(unsigned wan, unsigned dev, const struct mesh_spec *s,
		       struct mesh_writes *w, struct err *e)
{
	struct mesh_obj o;
	int rc = mesh_obj_load(s, &o, e);

	if (rc)
		return rc;
	/* maps filled first: a program never runs on an empty configuration;
	 * the filters hold the programs, the programs their maps */
	rc = bpftc_pair_attach(&tc_id, wan, dev, o.prog_in, o.prog_out,
			       (int[NFDS]){ o.cfg, o.fmr, o.stats }, NFDS, e);
	if (!rc && w) {
		w->attached += 2;
		w->cfg++;
		w->fmr_added += (unsigned)s->n_fmr;
	}
	mesh_obj_free(&o);
	return rc;
}

/* The maps of the attached pair, when both programs are ours, of this
 * build and ABI, and share their maps (bpftc_pair_maps: kept since we
 * attached them, else by id). */
static int attached_maps(unsigned wan, unsigned dev, int fds[NFDS])
{
	uint32_t zero = 0;
	struct mesh_cfg have;
	int rc = bpftc_pair_maps(&tc_id, wan, dev, map_names, fds, NFDS);

	if (!rc && (bpf_map_lookup_elem(fds[FD_CFG], &zero, &have) ||
		    have.abi != MESH_ABI_VERSION ||
		    have.obj_id != obj_fingerprint()))
		rc = -ESTALE;
	if (rc)
		bpftc_close(fds, NFDS);
	return rc;
}

int mesh_apply(unsigned wan_ifindex, unsigned dev_ifindex,
	       const struct mesh_spec *s, struct mesh_writes *w, struct err *e)
{
	static const uint8_t nomac[6];
	struct mesh_spec *t;
	int fds[NFDS];
	int rc = mesh_spec_check(s, e);

	if (w)
		memset(w, 0, sizeof(*w));
	if (rc)
		return rc;
	if (!wan_ifindex || !dev_ifindex)
		return err_set(e, EINVAL, "mesh: WAN %u or device %u missing",
			       wan_ifindex, dev_ifindex);
	t = malloc(sizeof(*t));
	if (!t)
		return err_set(e, ENOMEM, "mesh: out of memory");
	*t = *s;
	t->cfg.wan_ifindex = wan_ifindex;
	t->cfg.dev_ifindex = dev_ifindex;
	if (!memcmp(t->cfg.dev_mac, nomac, 6) &&
	    (rc = bpftc_dev_mac(dev_ifindex, t->cfg.dev_mac, e)))
		rc = err_wrap(e, rc, "mesh");
	if (!rc && attached_maps(wan_ifindex, dev_ifindex, fds) == 0) {
		struct mesh_cfg want = t->cfg;

		cfg_stamp(&want);
		rc = maps_sync(fds, &want, t, w, e);
		bpftc_close(fds, NFDS);
	} else if (!rc) {
		rc = load_attach(wan_ifindex, dev_ifindex, t, w, e);
	}
	free(t);
	return rc;
}

int mesh_remove(unsigned wan_ifindex, unsigned dev_ifindex, struct err *e)
{
	return bpftc_pair_detach(&tc_id, wan_ifindex, dev_ifindex, e);
}

int mesh_read_stats(unsigned wan_ifindex, uint64_t out[MESH_STAT_MAX],
		    struct err *e)
{
	int fds[NFDS];
	int rc = bpftc_filter_maps(&tc_id, wan_ifindex, BPFTC_INGRESS,
				   map_names, fds, NFDS);

	if (!rc && fds[FD_STATS] < 0)
		rc = -ENOENT;
	if (rc) {
		bpftc_close(fds, NFDS);
		return err_set(e, -rc, "mesh: no mesh program on %u: %s",
			       wan_ifindex, strerror(-rc));
	}
	rc = bpftc_percpu_sum(fds[FD_STATS], MESH_STAT_MAX, out, e);
	bpftc_close(fds, NFDS);
	return rc;
}

const char *mesh_stat_name(enum mesh_stat s)
{
	switch (s) {
	case MESH_OUT_DIRECT: return "out_direct";
	case MESH_OUT_BR: return "out_br";
	case MESH_OUT_BR_NOPORT: return "out_br_noport";
	case MESH_OUT_PASS: return "out_pass";
	case MESH_IN_BR: return "in_br";
	case MESH_IN_PEER: return "in_peer";
	case MESH_IN_PASS: return "in_pass";
	case MESH_DROP_SRC: return "drop_src";
	case MESH_DROP_PORT_OUT: return "drop_port_out";
	case MESH_DROP_SPOOF: return "drop_spoof";
	case MESH_DROP_DST: return "drop_dst";
	case MESH_DROP_PORT_IN: return "drop_port_in";
	case MESH_DROP_FRAG6: return "drop_frag6";
	case MESH_DROP_NOT_HOST: return "drop_not_host";
	case MESH_DROP_SHORT: return "drop_short";
	case MESH_DROP_HELPER: return "drop_helper";
	case MESH_DROP_NO_RULE: return "drop_no_rule";
	case MESH_STAT_MAX: break;
	}
	return "?";
}
