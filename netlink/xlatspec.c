/* SPDX-License-Identifier: MIT */
/* The plan's translator section as the loader's spec (netlink/xlat.h):
 * the planner's words (tunnels/plan.h) into the programs' ABI
 * (bpf/xlat_abi.h). Pure. */
#include "xlatspec.h"

#include <errno.h>
#include <string.h>

#include "../tunnels/mesh.h"
#include "fmrfill.h"

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
		/* one that delegates an IPv4 prefix (EA bits fewer than
		 * the suffix) has no per-port CE address: its destinations
		 * go by the DMR to the BR, which knows the CE */
		if (mesh_rule_usable(&x->fmrs[i]) && s->n_fmr < XLAT_FMR_MAX)
			FMR_FILL(&s->fmr[s->n_fmr++], &x->fmrs[i]);
	return xlat_spec_check(s, e);
}
