/* SPDX-License-Identifier: MIT */
/* agent/guard.h: the rate of restores (issue 11 item 7) with a fake
 * clock -- a burst, then one per refill period, never a tight fight. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../agent/guard.h"

#define R ((uint64_t)GUARD_REFILL_S * 1000u)

static void test_burst_then_one_per_period(void **state)
{
	struct guard g;
	uint64_t t = 5000, next = 0;

	(void)state;
	guard_init(&g, t);
	for (unsigned i = 0; i < GUARD_BURST; i++) {
		assert_true(guard_may(&g, t, &next));
		guard_take(&g, t);
		t += 1000;              /* somebody deletes again every second */
	}
	assert_false(guard_may(&g, t, &next));
	/* The refill clock started with the first take (at 5000). */
	assert_int_equal(next, 5000 + R);
	assert_false(guard_may(&g, next - 1, &next));
	assert_true(guard_may(&g, 5000 + R, &next));
	guard_take(&g, 5000 + R);
	assert_false(guard_may(&g, 5000 + R + 1000, &next));
	assert_int_equal(next, 5000 + 2 * R);
}

/* A fight of one delete a second for an hour: at most BURST + 60 restores. */
static void test_an_hour_of_fighting(void **state)
{
	struct guard g;
	uint64_t next;
	unsigned restores = 0;

	(void)state;
	guard_init(&g, 0);
	for (uint64_t t = 0; t < 3600 * 1000u; t += 1000)
		if (guard_may(&g, t, &next)) {
			guard_take(&g, t);
			restores++;
		}
	assert_int_equal(restores, GUARD_BURST + 3600 / GUARD_REFILL_S - 1);
}

/* Quiet for long: the bucket is full again, no more. */
static void test_refills_to_burst(void **state)
{
	struct guard g;
	uint64_t next;

	(void)state;
	guard_init(&g, 0);
	for (unsigned i = 0; i < GUARD_BURST; i++)
		guard_take(&g, 0);
	assert_false(guard_may(&g, 1, &next));
	assert_int_equal(guard_tokens(&g, 100 * R), GUARD_BURST);
	assert_int_equal(guard_tokens(&g, 3 * R), GUARD_BURST); /* clock back */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_then_one_per_period),
		cmocka_unit_test(test_an_hour_of_fighting),
		cmocka_unit_test(test_refills_to_burst),
	};

	return cmocka_run_group_tests_name("guard", tests, NULL, NULL);
}
