/* SPDX-License-Identifier: MIT */
/* struct plan_xlat (tunnels/plan.h) -> struct xlat_spec (netlink/xlat.h). */
#ifndef V6MIG_XLATSPEC_H
#define V6MIG_XLATSPEC_H

#include "../tunnels/plan.h"
#include "xlat.h"

/* The loader's spec for the plan's translator, checked
 * (xlat_spec_check()); ifindexes and the device MAC are the loader's. FMRs
 * the programs cannot use (an IPv4-prefix delegation) are left out: their
 * destinations go to the BR by the DMR. 0 or -EINVAL naming the value. */
int xlat_spec_from_plan(const struct plan_xlat *x, struct xlat_spec *s,
			struct err *e);

#endif
