/* SPDX-License-Identifier: MIT */
/* agent/meshcap.h */
#include "meshcap.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "config.h"
#include "../netlink/mesh.h"
#include "../netlink/rtnl.h"
#include "../tunnels/method.h"
#include "status.h"

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

/* Does file (a modules.dep or modules.builtin) name ip6_tunnel.ko? */
static bool lists_ip6tnl(const char *dir, const char *file)
{
	char path[256], line[512];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (!(f = fopen(path, "re")))
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, "/ip6_tunnel.ko") != NULL;
	fclose(f);
	return found;
}

bool ip6tnl_capable(void)
{
	static int known = -1;
	char dir[160];
	struct utsname u;
	struct err e;
	bool has;

	if (known >= 0)
		return known;
	known = 0;
	/* the kernel asked (no link made); without CAP_NET_ADMIN, the
	 * module files of the running kernel */
	if (rt_probe_ip6tnl(&has, &e) == 0)
		return (known = has);
	if (access("/sys/module/ip6_tunnel", F_OK) == 0)
		return (known = 1);
	if (uname(&u) == 0) {
		snprintf(dir, sizeof(dir), "/lib/modules/%s", u.release);
		known = lists_ip6tnl(dir, "modules.dep") ||
			lists_ip6tnl(dir, "modules.builtin");
	}
	return known;
}

bool hubspoke_capable(void)
{
	return method_ops(METHOD_MAP_E) && ip6tnl_capable();
}

size_t agent_capability(char *buf, size_t size)
{
	return method_capability(buf, size, ip6tnl_capable(), mesh_capable());
}

uint32_t agent_methods(void)
{
	return method_mask(ip6tnl_capable(), mesh_capable());
}

int mesh_counters(const char *wan, uint64_t out[MESH_STAT_MAX], struct err *e)
{
	unsigned idx = if_nametoindex(wan);

	if (!idx)
		return err_set(e, ENODEV, "no interface '%s'", wan);
	return mesh_read_stats(idx, out, e);
}

/* Which program counts it: mesh_out ("out"), mesh_in ("in"), or both. */
static const char *stat_dir(enum mesh_stat k)
{
	switch (k) {
	case MESH_OUT_DIRECT: case MESH_OUT_BR: case MESH_OUT_BR_NOPORT:
	case MESH_OUT_PASS: case MESH_DROP_SRC: case MESH_DROP_PORT_OUT:
	case MESH_DROP_NO_RULE:
		return "out";
	case MESH_IN_BR: case MESH_IN_PEER: case MESH_IN_PASS: case MESH_DROP_SPOOF:
	case MESH_DROP_DST: case MESH_DROP_PORT_IN: case MESH_DROP_FRAG6:
	case MESH_DROP_NOT_HOST:
		return "in";
	case MESH_DROP_SHORT: case MESH_DROP_HELPER: case MESH_STAT_MAX:
		break;
	}
	return "any";
}

int mesh_status_counters(const char *wan, struct status_counter *out,
			 struct err *e)
{
	uint64_t v[MESH_STAT_MAX];
	int rc = mesh_counters(wan, v, e);

	for (int k = 0; !rc && k < MESH_STAT_MAX; k++)
		out[k] = (struct status_counter){ mesh_stat_name((enum mesh_stat)k),
						  stat_dir((enum mesh_stat)k), v[k] };
	return rc;
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
