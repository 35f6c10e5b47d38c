/* SPDX-License-Identifier: MIT */
/* agent/meshcap.h */
#include "meshcap.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <net/if.h>

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

int mesh_counters(const char *wan, uint64_t out[MESH_STAT_MAX], struct err *e)
{
	unsigned idx = if_nametoindex(wan);

	if (!idx)
		return err_set(e, ENODEV, "no interface '%s'", wan);
	return mesh_read_stats(idx, out, e);
}

cJSON *mesh_counters_json(const char *wan, struct err *e)
{
	uint64_t v[MESH_STAT_MAX];
	cJSON *o;

	if (mesh_counters(wan, v, e) < 0)
		return NULL;
	o = cJSON_CreateObject();
	for (int i = 0; o && i < MESH_STAT_MAX; i++)
		cJSON_AddNumberToObject(o, mesh_stat_name((enum mesh_stat)i),
					(double)v[i]);
	return o;
}
