/* SPDX-License-Identifier: MIT */
/* The AFTR / lwAFTR name's bookkeeping (agent/daemon_kernel.c, issue 11
 * item 9): when the daemon asks again (the answer's TTL, clamped to
 * [30 s, 1 day]) and the order it tries the addresses in (sorted, so a
 * resolver's rotation moves nothing). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "../../agent/daemon.h"

static void test_recheck_clamped(void **state)
{
	(void)state;
	assert_int_equal(DAEMON_PEER_TTL_MIN_S, 30);
	assert_int_equal(DAEMON_PEER_TTL_MAX_S, 86400);
	/* TTL 0 (dnsmasq's local-ttl, "do not cache") is no reason to ask
	 * in a loop. */
	assert_int_equal(daemon_peer_recheck_s(0), 30);
	assert_int_equal(daemon_peer_recheck_s(1), 30);
	assert_int_equal(daemon_peer_recheck_s(29), 30);
	assert_int_equal(daemon_peer_recheck_s(30), 30);
	assert_int_equal(daemon_peer_recheck_s(31), 31);
	assert_int_equal(daemon_peer_recheck_s(3600), 3600);
	assert_int_equal(daemon_peer_recheck_s(86400), 86400);
	assert_int_equal(daemon_peer_recheck_s(86401), 86400);
	/* The largest TTL RFC 2181 8 allows, and beyond. */
	assert_int_equal(daemon_peer_recheck_s(0x7fffffffu), 86400);
	assert_int_equal(daemon_peer_recheck_s(UINT32_MAX), 86400);
}

static void aaaa(struct dns_aaaa_result *r, const char *a)
{
	assert_int_equal(inet_pton(AF_INET6, a, &r->addrs[r->n]), 1);
	r->n++;
}

static void test_sorted_whatever_the_rotation(void **state)
{
	static const char *const want[] = { "2001:db8:0:b::2", "2001:db8:0:b::5",
					    "2001:db8:1::1" };
	struct dns_aaaa_result r1 = { 0 }, r2 = { 0 };
	struct in6_addr o1[DNS_MAX_AAAA], o2[DNS_MAX_AAAA], w;
	size_t n1 = 0, n2 = 0;

	(void)state;
	aaaa(&r1, "2001:db8:1::1");
	aaaa(&r1, "2001:db8:0:b::5");
	aaaa(&r1, "2001:db8:0:b::2");
	aaaa(&r2, "2001:db8:0:b::5");
	aaaa(&r2, "2001:db8:0:b::2");
	aaaa(&r2, "2001:db8:1::1");
	daemon_peer_sorted(&r1, o1, &n1);
	daemon_peer_sorted(&r2, o2, &n2);
	assert_int_equal(n1, 3);
	assert_int_equal(n2, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(inet_pton(AF_INET6, want[i], &w), 1);
		assert_memory_equal(&o1[i], &w, sizeof(w));
		assert_memory_equal(&o2[i], &w, sizeof(w));
	}
}

static void test_sorted_capped(void **state)
{
	struct dns_aaaa_result r = { 0 };
	struct in6_addr o[DNS_MAX_AAAA];
	size_t n = 0;

	(void)state;
	for (size_t i = 0; i < DNS_MAX_AAAA; i++) {
		char b[64];

		snprintf(b, sizeof(b), "2001:db8::%zx", DNS_MAX_AAAA - i);
		aaaa(&r, b);
	}
	r.n = DNS_MAX_AAAA + 3; /* a count past the array is not believed */
	daemon_peer_sorted(&r, o, &n);
	assert_int_equal(n, DNS_MAX_AAAA);
	for (size_t i = 1; i < n; i++)
		assert_true(memcmp(&o[i - 1], &o[i], sizeof(o[0])) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recheck_clamped),
		cmocka_unit_test(test_sorted_whatever_the_rotation),
		cmocka_unit_test(test_sorted_capped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
