/* SPDX-License-Identifier: MIT */
/* MAP arithmetic against RFC 7597 Appendix A, RFC 7599, RFC 6052 2.4,
 * RFC 7596 and the Japanese service shapes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../tunnels/map.h"

static struct map_rule rule(const char *v6, const char *v4, unsigned ea,
			    unsigned off)
{
	struct map_rule r;

	memset(&r, 0, sizeof(r));
	assert_int_equal(v6pfx_parse(v6, false, &r.ipv6), 0);
	assert_int_equal(v4pfx_parse(v4, false, &r.ipv4), 0);
	r.ea_len = (uint8_t)ea;
	r.psid_offset = (uint8_t)off;
	return r;
}

static struct v6pfx pfx(const char *s)
{
	struct v6pfx p;

	assert_int_equal(v6pfx_parse(s, true, &p), 0);
	return p;
}

static void check_result(const struct map_result *r, const char *v4,
			 unsigned v4len, unsigned psid, unsigned k,
			 const char *ce)
{
	char b[V6_STR_MAX];

	assert_string_equal(v4addr_str(r->ipv4, b), v4);
	assert_int_equal(r->ipv4_plen, v4len);
	assert_int_equal(r->ports.psid, psid);
	assert_int_equal(r->ports.len, k);
	assert_string_equal(v6addr_str(&r->ce_ipv6, b), ce);
}

/* RFC 7597 Appendix A, example 1 (and RFC 7599 Appendix A example 1). */
static void test_rfc7597_example1(void **state)
{
	struct map_rule r = rule("2001:db8::/40", "192.0.2.0/24", 16, 6);
	struct v6pfx ce = pfx("2001:db8:12:3400::/56");
	struct map_result res;
	char b[V6_STR_MAX];

	(void)state;
	assert_int_equal(map_compute(&r, &ce, MAP_LAYOUT_RFC7597, &res, NULL), 0);
	check_result(&res, "192.0.2.18", 32, 0x34, 8,
		     "2001:db8:12:3400:0:c000:212:34");
	assert_string_equal(v6pfx_str(&res.eup, b), "2001:db8:12:3400::/56");
	/* Any address inside the end-user prefix gives the same answer. */
	ce = pfx("2001:db8:12:34ff:1:2:3:4");
	assert_int_equal(map_compute(&r, &ce, MAP_LAYOUT_RFC7597, &res, NULL), 0);
	check_result(&res, "192.0.2.18", 32, 0x34, 8,
		     "2001:db8:12:3400:0:c000:212:34");
}

/* RFC 7597 Appendix A, example 2: the FMR maps a peer's end-user prefix
 * 2001:db8:10:1000::/56 to 192.0.2.16 and PSID 0x10. */
static void test_rfc7597_example_fmr(void **state)
{
	struct map_rule r = rule("2001:db8::/40", "192.0.2.0/24", 16, 6);
	struct v6pfx ce = pfx("2001:db8:10:1000::/56");
	struct map_result res;

	(void)state;
	assert_int_equal(map_compute(&r, &ce, MAP_LAYOUT_RFC7597, &res, NULL), 0);
	check_result(&res, "192.0.2.16", 32, 0x10, 8,
		     "2001:db8:10:1000:0:c000:210:10");
}

/* RFC 7597 5.2 / Appendix A example 3: fewer EA bits than the suffix
 * delegates an IPv4 prefix; equal gives one whole address. */
static void test_ipv4_prefix_and_full(void **state)
{
	struct map_rule r = rule("2001:db8::/40", "192.0.0.0/16", 8, 6);
	struct v6pfx ce = pfx("2001:db8:12::/48");
	struct map_result res;

	(void)state;
	assert_int_equal(map_compute(&r, &ce, MAP_LAYOUT_RFC7597, &res, NULL), 0);
	check_result(&res, "192.0.18.0", 24, 0, 0, "2001:db8:12::c000:1200:0");
	assert_int_equal(portset_nranges(&res.ports), 1);
	assert_int_equal(portset_count(&res.ports), 65536);

	r = rule("2001:db8::/40", "192.0.2.0/24", 8, 6);
	assert_int_equal(map_compute(&r, &ce, MAP_LAYOUT_RFC7597, &res, NULL), 0);
	check_result(&res, "192.0.2.18", 32, 0, 0, "2001:db8:12::c000:212:0");
	assert_int_equal(portset_range(&res.ports, 0).min, 0);
	assert_int_equal(portset_range(&res.ports, 0).max, 65535);
}

/* The MAP-E record in shared/spec/real-responses.md: draft-03 layout,
 * offset 4, 8-bit PSID, EA 18, IPv4 /22. */
static void test_field_draft03(void **state)
{
	struct map_rule r = rule("2404:7a82:4c00::/38", "133.209.12.0/22", 18, 4);
	struct v6pfx ce = pfx("2404:7a82:4d02:4100::/56");
	struct map_result res;
	struct port_range pr;

	(void)state;
	assert_int_equal(map_compute(&r, &ce, MAP_LAYOUT_DRAFT03, &res, NULL), 0);
	check_result(&res, "133.209.13.2", 32, 0x41, 8,
		     "2404:7a82:4d02:4100:85:d10d:200:4100");
	assert_int_equal(portset_nranges(&res.ports), 15);
	assert_int_equal(portset_count(&res.ports), 240);
	pr = portset_range(&res.ports, 0);
	assert_int_equal(pr.min, 5136);
	assert_int_equal(pr.max, 5151);
	pr = portset_range(&res.ports, 14);
	assert_int_equal(pr.min, 15 * 4096 + 0x410);
	/* The RFC layout of the same CE. */
	assert_int_equal(map_compute(&r, &ce, MAP_LAYOUT_RFC7597, &res, NULL), 0);
	check_result(&res, "133.209.13.2", 32, 0x41, 8,
		     "2404:7a82:4d02:4100:0:85d1:d02:41");
}

/* The two Japanese service shapes. */
static void test_japanese_shapes(void **state)
{
	struct portset a = { .offset = 4, .len = 8, .psid = 0x34 };
	struct portset b = { .offset = 6, .len = 6, .psid = 5 };

	(void)state;
	assert_int_equal(portset_nranges(&a), 15);
	assert_int_equal(portset_range_size(&a), 16);
	assert_int_equal(portset_count(&a), 240);
	assert_int_equal(portset_range(&a, 0).min, 4928);
	assert_int_equal(portset_range(&a, 0).max, 4943);
	assert_int_equal(portset_range(&a, 1).min, 9024);
	assert_int_equal(portset_nranges(&b), 63);
	assert_int_equal(portset_range_size(&b), 16);
	assert_int_equal(portset_count(&b), 1008);
	assert_int_equal(portset_range(&b, 0).min, 1024 + 5 * 16);
}

static void test_offset_zero(void **state)
{
	struct portset ps = { .offset = 0, .len = 8, .psid = 3 };

	(void)state;
	assert_int_equal(portset_nranges(&ps), 1);
	assert_int_equal(portset_range(&ps, 0).min, 3 * 256);
	assert_int_equal(portset_range(&ps, 0).max, 3 * 256 + 255);
	assert_true(portset_contains(&ps, 800));
	assert_false(portset_contains(&ps, 1024));
}

/* Property: for every shape, the sets of all PSIDs partition the ports
 * from 2^(16-a) up exactly once, and contains() agrees with the ranges. */
static void test_partition_property(void **state)
{
	static uint8_t seen[65536];

	(void)state;
	for (unsigned a = 0; a <= 8; a++) {
		for (unsigned k = 1; a + k <= 16 && k <= 10; k++) {
			uint32_t total = 0;

			memset(seen, 0, sizeof(seen));
			for (unsigned psid = 0; psid < (1u << k); psid++) {
				struct portset ps = { (uint8_t)a, (uint8_t)k, (uint16_t)psid };

				assert_int_equal(portset_check(&ps, NULL), 0);
				for (size_t i = 0; i < portset_nranges(&ps); i++) {
					struct port_range r = portset_range(&ps, i);

					assert_true(r.min <= r.max);
					if (i > 0)
						assert_true(r.min > portset_range(&ps, i - 1).max);
					for (uint32_t p = r.min; p <= r.max; p++) {
						assert_int_equal(seen[p], 0);
						seen[p] = 1;
						assert_true(portset_contains(&ps, (uint16_t)p));
						total++;
					}
				}
			}
			assert_int_equal(total, 65536u - (a ? (1u << (16 - a)) : 0));
			for (uint32_t p = 0; p < 65536; p++)
				assert_int_equal(seen[p], p >= (a ? (1u << (16 - a)) : 0));
		}
	}
}

static void test_bmr_longest_match(void **state)
{
	struct map_rule rules[3] = {
		rule("2001:db8::/32", "192.0.2.0/24", 24, 6),
		rule("2001:db8:100::/40", "198.51.100.0/24", 16, 6),
		rule("2001:db8:100::/44", "203.0.113.0/24", 12, 6),
	};
	struct v6pfx ce;

	(void)state;
	ce = pfx("2001:db8:100:1200::/56");
	assert_int_equal(map_bmr_select(rules, 3, &ce), 2);
	ce = pfx("2001:db8:1f0:1200::/56");
	assert_int_equal(map_bmr_select(rules, 3, &ce), 1);
	ce = pfx("2001:db8:ff00::/48");
	assert_int_equal(map_bmr_select(rules, 3, &ce), 0);
	ce = pfx("2001:db9::/48");
	assert_int_equal(map_bmr_select(rules, 3, &ce), -ENOENT);
	/* A CE prefix shorter than the rule is not inside it. */
	ce = pfx("2001:db8:100::/36");
	assert_int_equal(map_bmr_select(rules, 3, &ce), 0);
}

static void test_bmr_256_rules(void **state)
{
	struct map_rule *rules = calloc(MAP_MAX_RULES, sizeof(*rules));
	struct v6pfx ce;
	char b[64];

	(void)state;
	for (unsigned i = 0; i < MAP_MAX_RULES; i++) {
		snprintf(b, sizeof(b), "2001:db8:%x00::/40", i);
		rules[i] = rule(b, "192.0.2.0/24", 16, 6);
	}
	ce = pfx("2001:db8:ff12:3400::/56");
	assert_int_equal(map_bmr_select(rules, MAP_MAX_RULES, &ce), 255);
	free(rules);
}

static void expect_refused(struct map_rule r, const char *ce_s, const char *needle)
{
	struct v6pfx ce = pfx(ce_s);
	struct map_result res;
	struct err e;

	memset(&res, 0xa5, sizeof(res));
	assert_int_equal(map_compute(&r, &ce, MAP_LAYOUT_RFC7597, &res, &e), -EINVAL);
	if (!strstr(e.msg, needle))
		fail_msg("'%s' does not mention '%s'", e.msg, needle);
}

static void test_refusals(void **state)
{
	(void)state;
	expect_refused(rule("2001:db8::/16", "192.0.2.0/24", 49, 6), "2001:db8::/128", "EA length 49");
	expect_refused(rule("2001:db8::/40", "192.0.2.0/24", 30, 6), "2001:db8::/128", "more than 64");
	expect_refused(rule("2001:db8::/40", "192.0.2.0/24", 20, 6), "2001:db8::/128", "psid offset 6 + psid length 12");
	expect_refused(rule("2001:db8::/40", "192.0.2.0/24", 16, 6), "2001:db9::/56", "outside the rule");
	expect_refused(rule("2001:db8::/40", "192.0.2.0/24", 16, 6), "2001:db8::/48", "shorter than the end-user prefix /56");
	expect_refused(rule("2001:db8:1::/40", "192.0.2.0/24", 16, 6), "2001:db8::/128", "host bits");
	expect_refused(rule("2001:db8::/40", "192.0.2.1/24", 16, 6), "2001:db8::/128", "host bits");
}

static void test_lw4o6(void **state)
{
	struct v6pfx p = pfx("2001:db8:3:100::/56");
	struct portset ps = { .offset = 6, .len = 8, .psid = 3 };
	struct in_addr v4;
	struct in6_addr b4;
	struct err e;
	char b[V6_STR_MAX];

	(void)state;
	inet_pton(AF_INET, "203.0.113.16", &v4);
	assert_int_equal(lw4o6_compute(&p, v4, &ps, &b4, NULL), 0);
	/* RFC 7596 5.1: prefix, zero subnet bits, RFC 7597 interface ID. */
	assert_string_equal(v6addr_str(&b4, b), "2001:db8:3:100:0:cb00:7110:3");
	ps.psid = 256;
	assert_int_equal(lw4o6_compute(&p, v4, &ps, &b4, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "psid 256"));
	ps = (struct portset){ .offset = 10, .len = 8, .psid = 1 };
	assert_int_equal(lw4o6_compute(&p, v4, &ps, &b4, &e), -EINVAL);
	p = pfx("2001:db8::/80");
	ps.offset = 6;
	assert_int_equal(lw4o6_compute(&p, v4, &ps, &b4, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "longer than /64"));
}

/* RFC 6052 2.4, printed in RFC 5952 form (a lone zero group is not
 * compressed, so the table's "2100::" reads "2100:0" here). */
static void test_rfc6052_table(void **state)
{
	static const struct { const char *pfx, *out; } v[] = {
		{ "2001:db8::/32", "2001:db8:c000:221::" },
		{ "2001:db8:100::/40", "2001:db8:1c0:2:21::" },
		{ "2001:db8:122::/48", "2001:db8:122:c000:2:2100::" },
		{ "2001:db8:122:300::/56", "2001:db8:122:3c0:0:221::" },
		{ "2001:db8:122:344::/64", "2001:db8:122:344:c0:2:2100:0" },
		{ "2001:db8:122:344::/96", "2001:db8:122:344::c000:221" },
		{ "64:ff9b::/96", "64:ff9b::c000:221" },
	};
	struct in_addr v4, back;
	struct in6_addr out;
	char b[V6_STR_MAX];
	struct err e;

	(void)state;
	inet_pton(AF_INET, "192.0.2.33", &v4);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct v6pfx p = pfx(v[i].pfx);

		assert_int_equal(rfc6052_embed(&p, v4, &out, NULL), 0);
		assert_string_equal(v6addr_str(&out, b), v[i].out);
		assert_int_equal(rfc6052_extract(&p, &out, &back), 0);
		assert_int_equal(back.s_addr, v4.s_addr);
	}
	{
		struct v6pfx p = pfx("2001:db8::/44");

		assert_int_equal(rfc6052_embed(&p, v4, &out, &e), -EINVAL);
		assert_non_null(strstr(e.msg, "/44"));
		p = pfx("2001:db8:0:0:ff00::/96");
		assert_int_equal(rfc6052_embed(&p, v4, &out, &e), -EINVAL);
	}
}

/* RFC 7599 Appendix A example 2: DMR 2001:db8:122:300::/64 and
 * 10.2.3.4 -> 2001:db8:122:300:a:203:400:0. */
static void test_rfc7599_dmr(void **state)
{
	struct v6pfx p = pfx("2001:db8:122:300::/64");
	struct in_addr v4;
	struct in6_addr out;
	char b[V6_STR_MAX];

	(void)state;
	inet_pton(AF_INET, "10.2.3.4", &v4);
	assert_int_equal(rfc6052_embed(&p, v4, &out, NULL), 0);
	assert_string_equal(v6addr_str(&out, b), "2001:db8:122:300:a:203:400:0");
}

static void test_addr_parse(void **state)
{
	struct v6pfx p;
	struct v4pfx q;

	(void)state;
	assert_int_equal(v6pfx_parse("2001:db8::/129", false, &p), -EINVAL);
	assert_int_equal(v6pfx_parse("2001:db8::", false, &p), -EINVAL);
	assert_int_equal(v6pfx_parse("2001:db8::/", false, &p), -EINVAL);
	assert_int_equal(v6pfx_parse("2001:db8::/4x", false, &p), -EINVAL);
	assert_int_equal(v6pfx_parse("2001:db8::", true, &p), 0);
	assert_int_equal(p.len, 128);
	assert_int_equal(v4pfx_parse("192.0.2.0/33", false, &q), -EINVAL);
	assert_int_equal(v4pfx_parse("192.0.2/24", false, &q), -EINVAL);
	assert_int_equal(v4pfx_parse("192.0.2.1", true, &q), 0);
	assert_int_equal(q.len, 32);
}

/* v6_mask() keeps exactly the first len bits, for every len. */
static void test_v6_mask(void **state)
{
	(void)state;
	for (unsigned len = 0; len <= 128; len++) {
		struct in6_addr a;

		memset(&a, 0xff, sizeof(a));
		v6_mask(&a, len);
		for (unsigned i = 0; i < 128; i++)
			assert_int_equal(v6_bit(&a, i), i < len);
		memset(&a, 0x5a, sizeof(a));
		v6_mask(&a, len);
		for (unsigned i = 0; i < 128; i++)
			assert_int_equal(v6_bit(&a, i), i < len ? (0x5au >> (7 - i % 8)) & 1u : 0u);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc7597_example1),
		cmocka_unit_test(test_rfc7597_example_fmr),
		cmocka_unit_test(test_ipv4_prefix_and_full),
		cmocka_unit_test(test_field_draft03),
		cmocka_unit_test(test_japanese_shapes),
		cmocka_unit_test(test_offset_zero),
		cmocka_unit_test(test_partition_property),
		cmocka_unit_test(test_bmr_longest_match),
		cmocka_unit_test(test_bmr_256_rules),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_lw4o6),
		cmocka_unit_test(test_rfc6052_table),
		cmocka_unit_test(test_rfc7599_dmr),
		cmocka_unit_test(test_addr_parse),
		cmocka_unit_test(test_v6_mask),
	};

	return cmocka_run_group_tests_name("map", tests, NULL, NULL);
}
