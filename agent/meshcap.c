/* SPDX-License-Identifier: MIT */
/* agent/meshcap.h */
#include "meshcap.h"

#include "config.h"
#include "../netlink/mesh.h"
#include "../tunnels/method.h"

bool mesh_built(void)
{
#ifdef CONFIG_METHOD_MAP_E_MESH
	return method_ops(METHOD_MAP_E) != NULL;
#else
	return false;
#endif
}

bool mesh_capable(void)
{
	/* R4: exactly what this build and kernel can do -- probed, not
	 * assumed (a kernel without BPF or clsact, or no CAP_BPF). */
	return mesh_built() && mesh_supported();
}
