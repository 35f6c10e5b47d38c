/* SPDX-License-Identifier: MIT */
/* The plan's mesh section as the loader's spec: the planner's words
 * (tunnels/plan.h) into the programs' ABI (bpf/mesh_abi.h). Pure. */
#include "meshspec.h"

#include <errno.h>
#include <string.h>

#include "../tunnels/mesh.h"
#include "fmrfill.h"

int mesh_spec_from_plan(const struct plan_mesh *m, struct mesh_spec *s,
			struct err *e)
{
	struct mesh_cfg *c = &s->cfg;

	if (!m->enabled)
		return err_set(e, EINVAL, "mesh: the plan has no mesh");
	memset(s, 0, sizeof(*s));
	c->mode = MESH_MODE_ON;
	c->v4_addr = m->ipv4.s_addr;
	memcpy(c->local6, &m->ipv6, 16);
	memcpy(c->br6, &m->br, 16);
	/* RFC 7597 6: the IPv4 at IID octet 10 (2-5 of the IID, after 16
	 * zero bits); draft-03 puts it one octet left (tunnels/map.c). */
	c->iid_v4off = m->layout == MAP_LAYOUT_RFC7597 ? 10 : 9;
	c->psid_offset = m->ports.len ? m->ports.offset : 0;
	c->psid_len = m->ports.len;
	c->psid = m->ports.psid;
	c->hop_limit = MESH_HOP_LIMIT;
	for (size_t i = 0; i < m->n_fmrs && i < PLAN_MESH_MAX_FMRS; i++)
		if (mesh_rule_usable(&m->fmrs[i]) && s->n_fmr < MESH_FMR_MAX)
			FMR_FILL(&s->fmr[s->n_fmr++], &m->fmrs[i]);
	return mesh_spec_check(s, e);
}
