/* SPDX-License-Identifier: MIT */
/* The six HB46PP methods (S8) and the ops table each planner fills. */
#ifndef V6MIG_METHOD_H
#define V6MIG_METHOD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct err;
struct prov;
struct wan_facts;
struct plan;

/* In the spec's alphabetical order (R4, S8). */
enum method {
	METHOD_464XLAT,
	METHOD_DSLITE,
	METHOD_IPIP,
	METHOD_LW4O6,
	METHOD_MAP_E,
	METHOD_MAP_T,
	METHOD__COUNT,
};

/* The JSON / capability name ("map_e"), or NULL. */
const char *method_name(enum method m);
/* From a name; -1 for an unknown one. */
int method_from_name(const char *name);

struct method_ops {
	enum method method;
	const char *name;
	/* R4 words this planner adds after every method name ("hubspoke"
	 * for MAP-E), or NULL. */
	const char *capability;
	/* Its data plane is an ip6tnl (DS-Lite, lw4o6, IPIP, MAP-E hub-and-
	 * spoke): a kernel without one cannot run it. */
	bool ip6tnl;
	/* Can the offer in p be planned at all (before WAN facts)? */
	int (*validate)(const struct prov *p, struct err *e);
	/* Provisioning + WAN facts -> plan. Pure. */
	int (*plan)(const struct prov *p, const struct wan_facts *w,
		    struct plan *out, struct err *e);
};

/* The methods this build has (Kconfig picks the files), NULL if absent. */
const struct method_ops *method_ops(enum method m);
/* S8: the first method of order (the offer's preference) that this
 * build has, or -ENOENT. The fixed mode (S8 SHOULD) is the caller's. */
int method_pick(const enum method *order, size_t n);
/* The R4 capability string of this build into buf, e.g.
 * "dslite,ipip,lw4o6,map_e,hubspoke"; returns its length. What needs the
 * kernel too the caller probed (agent/meshcap.h; tunnels/ does not
 * probe): hubspoke -- it makes ip6tnl links (the ip6tnl methods, and the
 * planners' capability words, MAP-E's "hubspoke"); mesh -- it runs the
 * mesh programs ("mesh", and MAP-E without ip6tnl). A method the kernel
 * cannot carry is not offered to the server. */
#define METHOD_CAPABILITY_MAX 128
size_t method_capability(char *buf, size_t size, bool hubspoke, bool mesh);
/* The methods the same string names, a bit (1u << m) each. */
uint32_t method_mask(bool hubspoke, bool mesh);

#endif
