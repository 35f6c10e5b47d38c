/* SPDX-License-Identifier: MIT */
/* netlink/facts.h: the order of MAP-E's end-user prefix candidates does
 * not depend on the kernel's dump order (issue 11 item 8): every
 * permutation of a WAN /64, a WAN IA_NA /128, LAN /64s from the delegated
 * prefix (with a privacy address) and deprecated ones gives one list,
 * delegated first. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "../../netlink/facts.h"

static struct wan_cand cand(const char *s, bool lan, bool deprecated)
{
	struct wan_cand c = { .lan = lan, .deprecated = deprecated };

	assert_int_equal(v6pfx_parse(s, true, &c.p), 0);
	return c;
}

static const char *const want[] = {
	"2001:db8:12:3400::1/64",       /* LAN: the delegated prefix */
	"2001:db8:12:3401::1/64",
	"2001:db8:ff00::100/64",        /* WAN link /64 */
	"2001:db8:ff01::5/128",         /* WAN IA_NA */
	"2001:db8:11:3400::1/64",       /* LAN, deprecated (being left) */
	"2001:db8:fe00::100/64",        /* WAN, deprecated */
};
#define N_IN 7

static void input(struct wan_cand *c)
{
	c[0] = cand("2001:db8:ff01::5/128", false, false);
	c[1] = cand("2001:db8:fe00::100/64", false, true);
	c[2] = cand("2001:db8:ff00::100/64", false, false);
	c[3] = cand("2001:db8:12:3401::1/64", true, false);
	c[4] = cand("2001:db8:11:3400::1/64", true, true);
	c[5] = cand("2001:db8:12:3400::1/64", true, false);
	c[6] = cand("2001:db8:12:3400:8d1:2:3:4/64", true, false); /* privacy */
}

static void check(const struct wan_cand *in)
{
	struct wan_cand c[N_IN];
	struct wan_facts w;
	char b[V6_STR_MAX];

	memcpy(c, in, sizeof(c));
	memset(&w, 0, sizeof(w));
	wan_cands_sort(c, N_IN);
	wan_cands_to_facts(c, N_IN, &w);
	assert_int_equal(w.n_prefixes, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < w.n_prefixes; i++)
		assert_string_equal(v6pfx_str(&w.prefixes[i], b), want[i]);
}

/* Heap's algorithm: every order of the 7 (5040). */
static void permute(struct wan_cand *a, size_t k, unsigned *n)
{
	if (k == 1) {
		check(a);
		(*n)++;
		return;
	}
	for (size_t i = 0; i < k; i++) {
		struct wan_cand t;
		size_t j = k % 2 ? 0 : i;

		permute(a, k - 1, n);
		t = a[j];
		a[j] = a[k - 1];
		a[k - 1] = t;
	}
}

static void test_every_dump_order_one_list(void **state)
{
	struct wan_cand a[N_IN];
	unsigned n = 0;

	(void)state;
	input(a);
	permute(a, N_IN, &n);
	assert_int_equal(n, 5040);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_dump_order_one_list),
	};

	return cmocka_run_group_tests_name("facts", tests, NULL, NULL);
}
