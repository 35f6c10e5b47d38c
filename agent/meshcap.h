/* SPDX-License-Identifier: MIT */
/* The agent's side of the MAP-E mesh (netlink/mesh.h): can it run, and
 * what its programs counted.
 *
 * Can this agent run MAP-E in mesh mode: the build has it (Kconfig
 * METHOD_MAP_E and METHOD_MAP_E_MESH) and this kernel loads and verifies
 * the mesh programs (netlink/mesh.c mesh_supported(), probed once per
 * process, nothing attached)? The one answer behind R4's "mesh" word and
 * wan_facts.can_mesh, so what is advertised is what apply runs. */
#ifndef V6MIG_MESHCAP_H
#define V6MIG_MESHCAP_H

#include <stdbool.h>
#include <stdint.h>

#include "../bpf/mesh_abi.h"
#include "../tunnels/err.h"
#include "../tunnels/plan.h"

bool mesh_capable(void);
/* R4's "hubspoke": MAP-E built and the kernel has ip6tnl: asked of the
 * kernel without making a link (rt_probe_ip6tnl()); without the right to
 * ask, ip6_tunnel in /sys/module or in the running kernel's
 * modules.dep/modules.builtin. Probed once per process. */
bool hubspoke_capable(void);
/* The kernel half of it: can this kernel make ip6tnl links at all (the
 * data plane of DS-Lite, lw4o6, IPIP and MAP-E hub-and-spoke)? */
bool ip6tnl_capable(void);
/* The R4 capability words of this build on this kernel. */
size_t agent_capability(char *buf, size_t size);
/* The methods (bit per enum method) the same words name: what the
 * daemon and `probe` choose among (S8), so what is offered is chosen. */
uint32_t agent_methods(void);
/* The build half alone (Kconfig), for `plan`, which reads no kernel. */
bool mesh_built(void);

/* The counters of the mesh programs on wan (summed over the CPUs, by
 * enum mesh_stat); -errno with e set when none are attached or they
 * cannot be read (BPF map access needs root: CAP_BPF + CAP_SYS_ADMIN). */
int mesh_counters(const char *wan, uint64_t out[MESH_STAT_MAX], struct err *e);
/* The same in the status' shape (status.h: name, direction, value). */
struct status_counter;
int mesh_status_counters(const char *wan, struct status_counter *out, /* [MESH_STAT_MAX] */
			 struct err *e);
/* The same as {"out_direct": n, ...}; NULL with e set. */
struct cJSON;
struct cJSON *mesh_counters_json(const char *wan, struct err *e);

#endif
