/* SPDX-License-Identifier: MIT */
/* The restore rate limit (guard.h). */
#include "guard.h"

#define REFILL_MS ((uint64_t)GUARD_REFILL_S * 1000u)

void guard_init(struct guard *g, uint64_t now_ms)
{
	g->tokens = GUARD_BURST;
	g->last_ms = now_ms;
}

static void refill(struct guard *g, uint64_t now_ms)
{
	uint64_t n;

	if (now_ms < g->last_ms) /* not monotonic: start over */
		g->last_ms = now_ms;
	n = (now_ms - g->last_ms) / REFILL_MS;
	if (g->tokens + n >= GUARD_BURST) {
		g->tokens = GUARD_BURST;
		g->last_ms = now_ms;
		return;
	}
	g->tokens += (unsigned)n;
	g->last_ms += n * REFILL_MS;
}

unsigned guard_tokens(struct guard *g, uint64_t now_ms)
{
	refill(g, now_ms);
	return g->tokens;
}

bool guard_may(struct guard *g, uint64_t now_ms, uint64_t *next_ms)
{
	refill(g, now_ms);
	if (g->tokens)
		return true;
	*next_ms = g->last_ms + REFILL_MS;
	return false;
}

void guard_take(struct guard *g, uint64_t now_ms)
{
	refill(g, now_ms);
	if (g->tokens == GUARD_BURST)
		g->last_ms = now_ms; /* the refill clock starts with the first use */
	if (g->tokens)
		g->tokens--;
}
