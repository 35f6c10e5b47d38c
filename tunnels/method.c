/* SPDX-License-Identifier: MIT */
#include "method.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *const names[METHOD__COUNT] = {
	[METHOD_464XLAT] = "464xlat",
	[METHOD_DSLITE] = "dslite",
	[METHOD_IPIP] = "ipip",
	[METHOD_LW4O6] = "lw4o6",
	[METHOD_MAP_E] = "map_e",
	[METHOD_MAP_T] = "map_t",
};

/* The planners this build has: the Makefile lists them from Kconfig. */
#define METHOD(ops) extern const struct method_ops ops;
#include "methods.inc"
#undef METHOD

static const struct method_ops *const built[] = {
#define METHOD(ops) &ops,
#include "methods.inc"
#undef METHOD
	NULL,
};

const char *method_name(enum method m)
{
	return (unsigned)m < METHOD__COUNT ? names[m] : NULL;
}

int method_from_name(const char *name)
{
	for (int i = 0; i < METHOD__COUNT; i++)
		if (name && strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

const struct method_ops *method_ops(enum method m)
{
	for (size_t i = 0; built[i]; i++)
		if (built[i]->method == m)
			return built[i];
	return NULL;
}

int method_pick(const enum method *order, size_t n)
{
	for (size_t i = 0; i < n && i < METHOD__COUNT; i++)
		if (method_ops(order[i]))
			return (int)order[i];
	return -ENOENT;
}

static size_t cap_add(char *buf, size_t size, size_t n, const char *w)
{
	if (n >= size)
		return n;
	return n + (size_t)snprintf(buf + n, size - n, "%s%s", n ? "," : "", w);
}

/* Built, and carried by this kernel: no ip6tnl leaves only what runs
 * without one (the translators; MAP-E as mesh). */
static bool runs(int m, bool ip6tnl, bool mesh)
{
	const struct method_ops *ops = method_ops((enum method)m);

	return ops && (!ops->ip6tnl || ip6tnl || (m == METHOD_MAP_E && mesh));
}

uint32_t method_mask(bool hubspoke, bool mesh)
{
	uint32_t mask = 0;

	for (int m = 0; m < METHOD__COUNT; m++)
		if (runs(m, hubspoke, mesh))
			mask |= 1u << (unsigned)m;
	return mask;
}

size_t method_capability(char *buf, size_t size, bool hubspoke, bool mesh)
{
	/* R4: exactly what this build can do, in the spec's word order:
	 * the method names, then the modes ("hubspoke"). */
	size_t n = 0;

	if (size)
		buf[0] = '\0';
	for (int m = 0; m < METHOD__COUNT; m++)
		if (runs(m, hubspoke, mesh))
			n = cap_add(buf, size, n, names[m]);
	for (int m = 0; m < METHOD__COUNT; m++) {
		const struct method_ops *ops = method_ops((enum method)m);

		if (ops && ops->capability && hubspoke)
			n = cap_add(buf, size, n, ops->capability);
	}
	if (mesh && method_ops(METHOD_MAP_E))
		n = cap_add(buf, size, n, "mesh");
	return n;
}
