/* SPDX-License-Identifier: MIT */
/* netlink/ctstat.c's pure part: conntrack records -> port figures
 * (distinct ports per protocol, the top LAN hosts), the high-water mark,
 * and the 80 %/70 % hysteresis of the log lines. The dump itself is
 * tested against the kernel in tests/ns/test_ports.sh. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "../../netlink/ctstat.h"

static const struct portset ps240 = { .offset = 4, .len = 8, .psid = 0x34 };

static uint32_t ip(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

static void test_count_distinct_and_top(void **state)
{
	struct ct_rec r[] = {
		/* host .3: 3 TCP ports, one of them in two entries (two
		 * destinations through one mapping) */
		{ CT_TCP, 4160, ip("198.51.100.3") }, { CT_TCP, 4161, ip("198.51.100.3") },
		{ CT_TCP, 4161, ip("198.51.100.3") }, { CT_TCP, 8256, ip("198.51.100.3") },
		/* host .2: 1 TCP port; 1 UDP port */
		{ CT_TCP, 4162, ip("198.51.100.2") }, { CT_UDP, 4160, ip("198.51.100.2") },
		/* two hosts on one port (different destinations): one port in use */
		{ CT_ICMP, 4170, ip("198.51.100.2") }, { CT_ICMP, 4170, ip("198.51.100.9") },
	};
	struct ct_ports c;

	(void)state;
	ct_ports_count(r, sizeof(r) / sizeof(r[0]), &ps240, &c);
	assert_int_equal(c.p[CT_TCP].total, 240);
	assert_int_equal(c.p[CT_TCP].in_use, 4);
	assert_int_equal(c.p[CT_TCP].n_top, 2);
	assert_int_equal(c.p[CT_TCP].top[0].lan.s_addr, ip("198.51.100.3"));
	assert_int_equal(c.p[CT_TCP].top[0].ports, 3);
	assert_int_equal(c.p[CT_TCP].top[1].ports, 1);
	assert_int_equal(c.p[CT_UDP].in_use, 1);
	assert_int_equal(c.p[CT_ICMP].in_use, 1);
	assert_int_equal(c.p[CT_ICMP].n_top, 2);
}

static void test_top_five(void **state)
{
	struct ct_rec r[64];
	struct ct_ports c;
	size_t n = 0;
	char a[32];

	(void)state;
	/* host .k holds k ports, k = 1..8: the top 5 are .8 .7 .6 .5 .4 */
	for (int k = 1; k <= 8; k++) {
		snprintf(a, sizeof(a), "198.51.100.%d", k);
		for (int j = 0; j < k; j++)
			r[n++] = (struct ct_rec){ CT_UDP, (uint16_t)(4160 + n), ip(a) };
	}
	ct_ports_count(r, n, &ps240, &c);
	assert_int_equal(c.p[CT_UDP].in_use, 36);
	assert_int_equal(c.p[CT_UDP].n_top, CT_TOP);
	for (int i = 0; i < CT_TOP; i++) {
		snprintf(a, sizeof(a), "198.51.100.%d", 8 - i);
		assert_int_equal(c.p[CT_UDP].top[i].lan.s_addr, ip(a));
		assert_int_equal(c.p[CT_UDP].top[i].ports, 8 - i);
	}
}

static void test_high_water(void **state)
{
	struct ct_ports a = { 0 }, b = { 0 };

	(void)state;
	a.p[CT_TCP].in_use = 100;
	ct_ports_fold(NULL, &a);
	assert_int_equal(a.p[CT_TCP].high, 100);
	b.p[CT_TCP].in_use = 40;
	ct_ports_fold(&a, &b);
	assert_int_equal(b.p[CT_TCP].high, 100);
	b.p[CT_TCP].in_use = 120;
	ct_ports_fold(&a, &b);
	assert_int_equal(b.p[CT_TCP].high, 120);
}

static void test_alarm_hysteresis(void **state)
{
	struct ct_use u = { .total = 240 };
	bool alarm = false;

	(void)state;
	u.in_use = 191; /* 79.6 % */
	assert_int_equal(ct_ports_alarm(&u, &alarm), 0);
	u.in_use = 192; /* 80 % */
	assert_int_equal(ct_ports_alarm(&u, &alarm), 1);
	assert_true(alarm);
	assert_int_equal(ct_ports_alarm(&u, &alarm), 0); /* said once */
	u.in_use = 170; /* 70.8 %: between, no news */
	assert_int_equal(ct_ports_alarm(&u, &alarm), 0);
	u.in_use = 167; /* 69.6 % */
	assert_int_equal(ct_ports_alarm(&u, &alarm), -1);
	assert_false(alarm);
	u.in_use = 180;
	assert_int_equal(ct_ports_alarm(&u, &alarm), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count_distinct_and_top),
		cmocka_unit_test(test_top_five),
		cmocka_unit_test(test_high_water),
		cmocka_unit_test(test_alarm_hysteresis),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
