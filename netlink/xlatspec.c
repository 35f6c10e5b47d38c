/* SPDX-License-Identifier: MIT */
/* The plan's translator section as the loader's spec (netlink/xlat.h):
 * the planner's words (tunnels/plan.h) into the programs' ABI
 * (bpf/xlat_abi.h). Pure. */
#include "xlatspec.h"

#include <errno.h>
#include <string.h>

/* An FMR the programs can use: EA bits cover the IPv4 suffix and a PSID
 * of at most 16 bits that fits beside the offset (RFC 7597 5.1). A rule
 * that delegates an IPv4 prefix (EA bits fewer than the suffix) has no
 * per-port CE address to send to: its destinations go by the DMR, to the
 * BR, which knows the CE. */
static bool fmr_usable(const struct map_rule *r)
{
	unsigned sfx = 32u - r->ipv4.len;

	return r->ea_len >= sfx && r->ea_len - sfx <= 16 &&
	       r->psid_offset + (r->ea_len - sfx) <= 16 &&
	       r->ipv6.len + r->ea_len <= 64;
}

static void fmr_of(const struct map_rule *r, struct xlat_fmr *f)
{
	memset(f, 0, sizeof(*f));
	memcpy(f->v6, &r->ipv6.addr, 16);
	f->v6_len = r->ipv6.len;
	memcpy(f->v4, &r->ipv4.addr, 4);
	f->v4_len = r->ipv4.len;
	f->ea_len = r->ea_len;
	f->psid_offset = r->psid_offset;
	f->psid_len = (uint8_t)(r->ea_len - (32u - r->ipv4.len));
}

int xlat_spec_from_plan(const struct plan_xlat *x, struct xlat_spec *s,
			struct err *e)
{
	struct xlat_cfg *c = &s->cfg;

	if (!x->enabled)
		return err_set(e, EINVAL, "xlat: the plan has no translator");
	memset(s, 0, sizeof(*s));
	c->mode = x->clat ? XLAT_MODE_CLAT : XLAT_MODE_MAPT;
	c->v4_addr = x->ipv4.s_addr;
	memcpy(c->local6, &x->ipv6, 16);
	memcpy(c->pref6, &x->remote.addr, 16);
	c->pref6_len = x->remote.len;
	c->psid_offset = x->ports.len ? x->ports.offset : 0;
	c->psid_len = x->ports.len;
	c->psid = x->ports.psid;
	for (size_t i = 0; i < x->n_fmrs && i < PLAN_XLAT_MAX_FMRS; i++)
		if (fmr_usable(&x->fmrs[i]) && s->n_fmr < XLAT_FMR_MAX)
			fmr_of(&x->fmrs[i], &s->fmr[s->n_fmr++]);
	return xlat_spec_check(s, e);
}
