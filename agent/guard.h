/* SPDX-License-Identifier: MIT */
/* How often the daemon may put back what someone else removed (issue 11
 * item 7): a token bucket. GUARD_BURST restores at once, then one per
 * GUARD_REFILL_S: a network manager that keeps deleting our route is
 * answered a few times, then once in a while, never in a tight fight.
 * Pure: the caller passes the time. */
#ifndef V6MIG_GUARD_H
#define V6MIG_GUARD_H

#include <stdbool.h>
#include <stdint.h>

#define GUARD_BURST 5u
#define GUARD_REFILL_S 60u
/* Events come in bursts (a flush is many deletes, our own reconcile
 * makes some): wait this long after the first before comparing. */
#define GUARD_SETTLE_MS 500u

struct guard {
	unsigned tokens;
	uint64_t last_ms;   /* when the bucket was last filled up to now */
};

void guard_init(struct guard *g, uint64_t now_ms);
/* May a restore write now? If not, *next_ms: when it may. */
bool guard_may(struct guard *g, uint64_t now_ms, uint64_t *next_ms);
/* A restore wrote (or failed): one token less. */
void guard_take(struct guard *g, uint64_t now_ms);
unsigned guard_tokens(struct guard *g, uint64_t now_ms);

#endif
