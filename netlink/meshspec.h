/* SPDX-License-Identifier: MIT */
/* struct plan_mesh (tunnels/plan.h) -> struct mesh_spec (netlink/mesh.h). */
#ifndef V6MIG_MESHSPEC_H
#define V6MIG_MESHSPEC_H

#include "../tunnels/plan.h"
#include "mesh.h"

/* The loader's spec for the plan's mesh, checked (mesh_spec_check());
 * ifindexes and the device MAC are the loader's. Rules the programs
 * cannot use (an IPv4-prefix delegation: no per-port CE address) are
 * left out, so their destinations go to the BR. 0 or -EINVAL naming the
 * value. */
int mesh_spec_from_plan(const struct plan_mesh *m, struct mesh_spec *s,
			struct err *e);

#endif
