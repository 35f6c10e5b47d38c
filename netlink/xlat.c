/* SPDX-License-Identifier: MIT */
/* The translator's loader: netlink/xlat.h. The programs come from the
 * skeleton bpftool generated from bpf/xlat.bpf.c (build/bpf/xlat.skel.h),
 * so the object is in the binary. */
#include "xlat.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/xlat.skel.h"
#include "bpftc.h"

/* ---- the object's fingerprint ----------------------------------------- */

/* The embedded ELF's: an attached program of another build is replaced,
 * one of this build kept. */
static uint32_t obj_fingerprint(void)
{
	size_t n = 0;
	const uint8_t *p = xlat_bpf__elf_bytes(&n);

	return bpftc_fingerprint(p, n);
}

/* ---- the maps of what is attached --------------------------------------- */

enum { FD_CFG, FD_FMR4, FD_FMR6, FD_STATS, NFDS };

static const char *const map_names[NFDS] = {
	XLAT_MAP_CFG, XLAT_MAP_FMR4, XLAT_MAP_FMR6, XLAT_MAP_STATS,
};

static const struct bpftc_id tc_id = { XLAT_TC_HANDLE, XLAT_TC_PRIO, "xlat" };

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

/* Bring one trie to the wanted rules (bpftc_map_sync). ksz: key size. */
static int trie_sync(int fd, const struct xlat_spec *s, size_t ksz,
		     key_of_fn key_of, struct xlat_writes *w)
{
	uint8_t *keys = calloc(s->n_fmr + 1, ksz);
	int rc;

	if (!keys)
		return -ENOMEM;
	for (size_t i = 0; i < s->n_fmr; i++)
		key_of(&s->fmr[i], keys + i * ksz);
	rc = bpftc_map_sync(fd, keys, s->fmr, s->n_fmr, ksz,
			    sizeof(struct xlat_fmr), w ? &w->fmr_added : NULL,
			    w ? &w->fmr_deleted : NULL);
	free(keys);
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

static int maps_sync(const int f[NFDS], const struct xlat_cfg *want,
		     const struct xlat_spec *s, struct xlat_writes *w,
		     struct err *e)
{
	struct xlat_cfg have;
	uint32_t zero = 0;
	int rc;

	/* rules first: a new configuration never sees the old rules */
	rc = trie_sync(f[FD_FMR4], s, sizeof(struct xlat_lpm4), key4, w);
	if (!rc)
		rc = trie_sync(f[FD_FMR6], s, sizeof(struct xlat_lpm6), key6, w);
	if (rc)
		return err_set(e, -rc, "xlat: writing the FMR maps: %s",
			       strerror(-rc));
	if (bpf_map_lookup_elem(f[FD_CFG], &zero, &have) == 0 &&
	    !memcmp(&have, want, sizeof(have)))
		return 0;
	if (bpf_map_update_elem(f[FD_CFG], &zero, want, BPF_ANY) < 0)
		return err_set(e, errno, "xlat: writing the configuration: %s",
			       strerror(errno));
	if (w)
		w->cfg++;
	return 0;
}

/* ---- attach ------------------------------------------------------------- */

static int dev_mac(unsigned ifindex, uint8_t mac[6], struct err *e)
{
	int rc = bpftc_dev_mac(ifindex, mac, e);

	return rc ? err_wrap(e, rc, "xlat") : 0;
}

static void cfg_stamp(struct xlat_cfg *c)
{
	c->abi = XLAT_ABI_VERSION;
	c->obj_id = obj_fingerprint();
}

/* The object's maps in map_names' order. */
#define obj_fds(o) ((const int[NFDS]){ (o)->cfg, (o)->fmr4, (o)->fmr6, \
				       (o)->stats })

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
	rc = maps_sync(obj_fds(o), &want, s, w, e);
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
	return maps_sync(obj_fds(o), &want, s, w, e);
}

void xlat_obj_free(struct xlat_obj *o)
{
	if (o->skel)
		xlat_bpf__destroy(o->skel);
	memset(o, 0, sizeof(*o));
}

/* Load the embedded object, fill its maps, then attach (maps first, so a
 * program never runs on an empty configuration). The filters hold the
 * programs, the programs their maps, bpftc our fds of the maps (for the
 * next apply and the counters): the object is freed after. */
static int load_attach(unsigned wan, unsigned dev, const struct xlat_spec *s,
		       struct xlat_writes *w, struct err *e)
{
	struct xlat_obj o;
	int rc = obj_load(s, &o, w, e);

	if (rc)
		return rc;
	rc = bpftc_pair_attach(&tc_id, wan, dev, o.prog_in, o.prog_out,
			       obj_fds(&o), NFDS, e);
	if (!rc && w)
		w->attached += 2;
	xlat_obj_free(&o);
	return rc;
}

/* The maps of the attached pair, if it is ours, of this build, and shares
 * its maps (bpftc_pair_maps: kept since we attached it, else by id). */
static int attached_maps(unsigned wan, unsigned dev, uint32_t fp,
			 int f[NFDS])
{
	struct xlat_cfg have;
	uint32_t zero = 0;
	int rc = bpftc_pair_maps(&tc_id, wan, dev, map_names, f, NFDS);

	if (!rc && (bpf_map_lookup_elem(f[FD_CFG], &zero, &have) ||
		    have.abi != XLAT_ABI_VERSION || have.obj_id != fp)) {
		bpftc_close(f, NFDS);
		rc = -ESTALE;
	}
	return rc;
}

int xlat_apply(unsigned wan_ifindex, unsigned dev_ifindex,
	       const struct xlat_spec *s, struct xlat_writes *w, struct err *e)
{
	static const uint8_t nomac[6];
	struct xlat_spec *t;
	int f[NFDS];
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
				 f) == 0) {
		struct xlat_cfg want = t->cfg;

		cfg_stamp(&want);
		rc = maps_sync(f, &want, t, w, e);
		bpftc_close(f, NFDS);
	} else if (!rc) {
		rc = load_attach(wan_ifindex, dev_ifindex, t, w, e);
	}
	free(t);
	return rc;
}

int xlat_remove(unsigned wan_ifindex, unsigned dev_ifindex, struct err *e)
{
	return bpftc_pair_detach(&tc_id, wan_ifindex, dev_ifindex, e);
}

int xlat_read_stats(unsigned wan_ifindex, uint64_t out[XLAT_STAT_MAX],
		    struct err *e)
{
	int f[NFDS];
	int rc = bpftc_filter_maps(&tc_id, wan_ifindex, BPFTC_INGRESS,
				   map_names, f, NFDS);

	if (!rc && f[FD_STATS] < 0)
		rc = -ENOENT;
	if (rc) {
		bpftc_close(f, NFDS);
		return err_set(e, -rc, rc == -ENOENT ?
			       "xlat: no translator on %u: %s" :
			       "xlat: the counters on %u: %s (the programs "
			       "another process attached are opened by id: "
			       "CAP_SYS_ADMIN)", wan_ifindex, strerror(-rc));
	}
	rc = bpftc_percpu_sum(f[FD_STATS], XLAT_STAT_MAX, out, e);
	bpftc_close(f, NFDS);
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

const char *xlat_stat_dir(enum xlat_stat s)
{
	switch (s) {
	case XLAT_OUT_OK:
	case XLAT_OUT_PASS:
	case XLAT_DROP_SRC:
	case XLAT_DROP_PORT_OUT:
	case XLAT_DROP_V4_OPTIONS:
	case XLAT_DROP_UDP0_FRAG:
	case XLAT_DROP_FRAG_FMR:
		return "out";
	case XLAT_IN_OK:
	case XLAT_IN_PASS:
	case XLAT_DROP_PORT_IN:
	case XLAT_DROP_FOREIGN:
	case XLAT_DROP_SPOOF:
	case XLAT_DROP_V6_EXTHDR:
	case XLAT_DROP_NOT_HOST:
		return "in";
	case XLAT_DROP_PROTO:
	case XLAT_DROP_ICMP_TYPE:
	case XLAT_DROP_ICMP_FRAG:
	case XLAT_DROP_SHORT:
	case XLAT_DROP_INNER:
	case XLAT_DROP_BAD_CSUM:
	case XLAT_DROP_HELPER:
	case XLAT_DROP_TTL:
	case XLAT_STAT_MAX:
		break;
	}
	return "any";
}
