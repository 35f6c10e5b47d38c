/* SPDX-License-Identifier: MIT */
#include "plan.h"

#include <string.h>

void plan_init(struct plan *p, enum method m)
{
	memset(p, 0, sizeof(*p));
	p->method = m;
	p->info.rule_index = -1;
}

bool plan_equal(const struct plan *a, const struct plan *b)
{
	/* Plans are built from memset()-zeroed structs, so padding is zero
	 * and a byte comparison is exact. */
	return memcmp(a, b, sizeof(*a)) == 0;
}
