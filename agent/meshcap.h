/* SPDX-License-Identifier: MIT */
/* Can this agent run MAP-E in mesh mode: the build has it (Kconfig
 * METHOD_MAP_E and METHOD_MAP_E_MESH) and this kernel loads and verifies
 * the mesh programs (netlink/mesh.c mesh_supported(), probed once per
 * process, nothing attached)? The one answer behind R4's "mesh" word and
 * wan_facts.can_mesh, so what is advertised is what apply runs. */
#ifndef V6MIG_MESHCAP_H
#define V6MIG_MESHCAP_H

#include <stdbool.h>

bool mesh_capable(void);
/* The build half alone (Kconfig), for `plan`, which reads no kernel. */
bool mesh_built(void);

#endif
