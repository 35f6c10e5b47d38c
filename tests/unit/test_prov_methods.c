/* SPDX-License-Identifier: MIT */
/* HB46PP 3.4 validation, the methods' objects (S9-S14: MAP-E, MAP-T,
 * DS-Lite, lw4o6, 464XLAT, IPIP): the deployed shapes and every refusal,
 * whose message must name the key path and the value. test_prov.c has the
 * top level (S2-S8), the JSON layer and the Q6 comparison. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prov_util.h"

/* ---- S9: MAP-E ----------------------------------------------------------- */

/* n rules, 2001:db8:XX00::/40 -> 198.51.100.0/24 style, each distinct. */
static char *mape_rules(size_t n, const char *head)
{
	size_t cap = 128 + n * 120, len = 0;
	char *s = malloc(cap);

	assert_non_null(s);
	len += (size_t)snprintf(s, cap, "%s\"rules\":[", head);
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(s + len, cap - len,
					"%s{\"ipv6\":\"2001:db8:%zx00::/40\",\"ipv4\":\"%zu.0.%zu.0/24\",\"ea_length\":16}",
					i ? "," : "", i, 10 + i / 256, i % 256);
	snprintf(s + len, cap - len, "]}}");
	return s;
}

static void test_S9_map_e_256_rules_accepted_257_refused(void **state)
{
	char *json;
	struct prov p;
	struct err e;

	(void)state;
	json = mape_rules(256, "{\"order\":[\"map_e\"],\"map_e\":{\"br\":\"2001:db8::1\",");
	parse_ok(json, &p, NULL);
	assert_int_equal(p.map_e.n_rules, 256);
	assert_int_equal(p.map_e.rules[255].psid_offset, 6);
	roundtrip(&p);
	prov_done(&p);
	free(json);

	json = mape_rules(257, "{\"order\":[\"map_e\"],\"map_e\":{\"br\":\"2001:db8::1\",");
	assert_int_equal(prov_parse(json, strlen(json), &p, &e, NULL), -ERANGE);
	assert_string_equal(e.msg, "map_e.rules: 257 rules, more than 256");
	free(json);
}

static void test_S9_map_e_version_and_mesh(void **state)
{
	static const struct {
		const char *v, *m;
		int version;
		bool mesh;
	} t[] = {
		{ "0", "0", 0, false }, { "1", "1", 1, true },
		{ "false", "false", 0, false }, { "true", "true", 1, true },
		{ "null", "null", 0, false },
	};
	struct prov p;

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *json = fmt("{\"order\":[\"map_e\"],\"map_e\":{\"version\":%s,\"mesh\":%s,"
				 "\"br\":\"2001:db8::1\",\"rules\":[{\"ipv6\":\"2001:db8::/40\","
				 "\"ipv4\":\"192.0.2.0/24\",\"ea_length\":16}]}}", t[i].v, t[i].m);

		parse_ok(json, &p, NULL);
		assert_int_equal(p.map_e.version, t[i].version);
		assert_int_equal(p.map_e.mesh, t[i].mesh);
		roundtrip(&p);
		prov_done(&p);
		free(json);
	}
	refuse("{\"order\":[\"map_e\"],\"map_e\":{\"version\":2,\"br\":\"2001:db8::1\",\"rules\":[]}}",
	       "map_e.version: 2 is not true, false, 0 or 1");
	refuse("{\"order\":[\"map_e\"],\"map_e\":{\"mesh\":\"yes\",\"br\":\"2001:db8::1\",\"rules\":[]}}",
	       "map_e.mesh: \"yes\" is not true, false, 0 or 1");
}

#define MAPE_HEAD "{\"order\":[\"map_e\"],\"map_e\":{\"br\":\"2001:db8::1\",\"rules\":["

static void test_S9_map_e_refusals_name_key_and_value(void **state)
{
	(void)state;
	refuse("{\"order\":[\"map_e\"],\"map_e\":[]}", "map_e: an array is not an object");
	refuse("{\"order\":[\"map_e\"],\"map_e\":{\"rules\":[]}}", "map_e.br: missing");
	refuse("{\"order\":[\"map_e\"],\"map_e\":{\"br\":\"2001:db8::/64\",\"rules\":[]}}",
	       "map_e.br: \"2001:db8::/64\" is not an IPv6 address");
	refuse("{\"order\":[\"map_e\"],\"map_e\":{\"br\":\"ff02::1\",\"rules\":[]}}",
	       "map_e.br: \"ff02::1\" is not a global unicast address");
	refuse("{\"order\":[\"map_e\"],\"map_e\":{\"br\":\"2001:db8::1\"}}", "map_e.rules: missing");
	refuse(MAPE_HEAD "]}}", "map_e.rules: no rules");
	refuse(MAPE_HEAD "5]}}", "map_e.rules[0]: 5 is not an object");
	refuse(MAPE_HEAD "{\"ipv6\":\"2001:db8::/40\",\"ipv4\":\"192.0.2.0/24\",\"ea_length\":16},"
	       "{\"ipv6\":\"2001:db8:100::/40\",\"ipv4\":\"192.0.2.0/24\",\"ea_length\":16},"
	       "{\"ipv6\":\"2001:db8:200::/40\",\"ipv4\":\"192.0.2.0/24\",\"ea_length\":16},"
	       "{\"ipv6\":\"2001:db8:300::/40\",\"ipv4\":\"192.0.2.0/24\",\"ea_length\":49}]}}",
	       "map_e.rules[3].ea_length: 49 is more than 48");
	refuse(MAPE_HEAD "{\"ipv6\":\"2001:db8::/40\",\"ipv4\":\"192.0.2.0/24\",\"ea_length\":-1}]}}",
	       "map_e.rules[0].ea_length: -1 is less than 0");
	refuse(MAPE_HEAD "{\"ipv6\":\"2001:db8::/40\",\"ipv4\":\"192.0.2.0/24\",\"ea_length\":16.5}]}}",
	       "map_e.rules[0].ea_length: 16.5 is not an integer");
	refuse(MAPE_HEAD "{\"ipv6\":\"2001:db8::/40\",\"ipv4\":\"192.0.2.0/24\"}]}}",
	       "map_e.rules[0].ea_length: missing");
	refuse(MAPE_HEAD "{\"ipv6\":\"2001:db8::/40\",\"ipv4\":\"192.0.2.0/24\",\"ea_length\":16,\"psid_offset\":17}]}}",
	       "map_e.rules[0].psid_offset: 17 is more than 16");
	refuse(MAPE_HEAD "{\"ipv6\":\"2001:db8::\",\"ipv4\":\"192.0.2.0/24\",\"ea_length\":16}]}}",
	       "map_e.rules[0].ipv6: \"2001:db8::\" is not an IPv6 prefix");
	refuse(MAPE_HEAD "{\"ipv6\":\"2001:db8::1/40\",\"ipv4\":\"192.0.2.0/24\",\"ea_length\":16}]}}",
	       "map_e.rules[0].ipv6: \"2001:db8::1/40\" has bits set after /40");
	refuse(MAPE_HEAD "{\"ipv6\":\"2001:db8::/40\",\"ipv4\":\"192.0.2.1/24\",\"ea_length\":16}]}}",
	       "map_e.rules[0]: rule IPv4 prefix 192.0.2.1/24 has host bits set");
	refuse(MAPE_HEAD "{\"ipv6\":\"2001:db8::/40\",\"ipv4\":\"192.0.2.0/33\",\"ea_length\":16}]}}",
	       "map_e.rules[0].ipv4: \"192.0.2.0/33\" is not an IPv4 prefix");
	/* Consistency through map_rule_check: 56 + 16 > 64; offset + k > 16. */
	refuse(MAPE_HEAD "{\"ipv6\":\"2001:db8::/56\",\"ipv4\":\"192.0.2.0/24\",\"ea_length\":16}]}}",
	       "map_e.rules[0]: rule IPv6 length 56 + EA length 16 is more than 64");
	refuse(MAPE_HEAD "{\"ipv6\":\"2001:db8::/40\",\"ipv4\":\"192.0.2.0/24\",\"ea_length\":20,\"psid_offset\":6}]}}",
	       "map_e.rules[0]: psid offset 6 + psid length 12 is more than 16");
	refuse(MAPE_HEAD "{\"ipv6\":\"2001:db8::/40\",\"ipv4\":\"192.0.2.0/24\",\"ea_length\":16},"
	       "{\"ipv6\":\"2001:db8::/40\",\"ipv4\":\"198.51.100.0/24\",\"ea_length\":16}]}}",
	       "map_e.rules[1].ipv6: 2001:db8::/40 repeats map_e.rules[0]");
}

/* real-responses.md: numbers as strings are taken, with a warning. */
static void test_S9_numbers_as_strings_warned(void **state)
{
	struct prov p;
	struct err w;

	(void)state;
	parse_ok(MAPE_HEAD "{\"ipv6\":\"2001:db8::/40\",\"ipv4\":\"192.0.2.0/24\","
		 "\"ea_length\":\"16\",\"psid_offset\":\"4\"}]}}", &p, &w);
	assert_int_equal(p.map_e.rules[0].ea_len, 16);
	assert_int_equal(p.map_e.rules[0].psid_offset, 4);
	assert_string_equal(w.msg, "map_e.rules[0].ea_length: number sent as a string \"16\"; "
				   "map_e.rules[0].psid_offset: number sent as a string \"4\"");
	prov_done(&p);
	refuse(MAPE_HEAD "{\"ipv6\":\"2001:db8::/40\",\"ipv4\":\"192.0.2.0/24\",\"ea_length\":\"49\"}]}}",
	       "map_e.rules[0].ea_length: \"49\" is more than 48");
	refuse(MAPE_HEAD "{\"ipv6\":\"2001:db8::/40\",\"ipv4\":\"192.0.2.0/24\",\"ea_length\":\" 16\"}]}}",
	       "map_e.rules[0].ea_length: \" 16\" is not a number");
}

/* ---- S10: MAP-T ---------------------------------------------------------- */

static void test_S10_map_t_200_rules_accepted_201_refused(void **state)
{
	char *json;
	struct prov p;
	struct err e;

	(void)state;
	json = mape_rules(200, "{\"order\":[\"map_t\"],\"map_t\":{\"dmr\":\"64:ff9b::/96\",");
	parse_ok(json, &p, NULL);
	assert_int_equal(p.map_t.n_rules, 200);
	roundtrip(&p);
	prov_done(&p);
	free(json);
	json = mape_rules(201, "{\"order\":[\"map_t\"],\"map_t\":{\"dmr\":\"64:ff9b::/96\",");
	assert_int_equal(prov_parse(json, strlen(json), &p, &e, NULL), -ERANGE);
	assert_string_equal(e.msg, "map_t.rules: 201 rules, more than 200");
	free(json);
}

static void test_S10_map_t_dmr_rfc6052(void **state)
{
	(void)state;
	refuse("{\"order\":[\"map_t\"],\"map_t\":{\"dmr\":\"2001:db8::/72\",\"rules\":[]}}",
	       "map_t.dmr: RFC 6052 prefix length /72 is not one of 32, 40, 48, 56, 64, 96");
	refuse("{\"order\":[\"map_t\"],\"map_t\":{\"dmr\":\"2001:db8:0:0:ff00::/96\",\"rules\":[]}}",
	       "map_t.dmr: RFC 6052 prefix 2001:db8:0:0:ff00::/96 has bits 64-71 set");
	refuse("{\"order\":[\"map_t\"],\"map_t\":{\"rules\":[]}}", "map_t.dmr: missing");
	refuse("{\"order\":[\"map_t\"],\"map_t\":{\"dmr\":\"64:ff9b::/96\",\"rules\":["
	       "{\"ipv6\":\"2001:db8::/40\",\"ipv4\":\"192.0.2.0/24\",\"ea_length\":60}]}}",
	       "map_t.rules[0].ea_length: 60 is more than 48");
}

/* ---- S11: DS-Lite ---------------------------------------------------------- */

static void test_S11_aftr_name_or_literal(void **state)
{
	struct prov p;
	char name[300], *json;

	(void)state;
	parse_ok("{\"order\":[\"dslite\"],\"dslite\":{\"aftr\":\"AFTR.Example.NET.\"}}", &p, NULL);
	assert_string_equal(p.dslite.aftr, "aftr.example.net.");
	prov_done(&p);
	parse_ok("{\"order\":[\"dslite\"],\"dslite\":{\"aftr\":\"2001:DB8:0:0::0001\"}}", &p, NULL);
	assert_true(p.dslite.aftr_is_addr);
	assert_string_equal(p.dslite.aftr, "2001:db8::1");
	roundtrip(&p);
	prov_done(&p);

	/* 253 characters: four labels of 63 and a dot between (255 - 2). */
	memset(name, 'a', 253);
	name[63] = name[127] = name[191] = '.';
	name[253] = '\0';
	json = fmt("{\"order\":[\"dslite\"],\"dslite\":{\"aftr\":\"%s\"}}", name);
	parse_ok(json, &p, NULL);
	prov_done(&p);
	free(json);
	name[253] = 'a';
	name[254] = '\0';
	json = fmt("{\"order\":[\"dslite\"],\"dslite\":{\"aftr\":\"%s\"}}", name);
	assert_int_equal(prov_parse(json, strlen(json), &p, NULL, NULL), -EINVAL);
	free(json);
}

static void test_S11_aftr_refusals(void **state)
{
	(void)state;
	refuse("{\"order\":[\"dslite\"],\"dslite\":{\"aftr\":\"192.0.2.1\"}}",
	       "dslite.aftr: \"192.0.2.1\" is an IPv4 address; the server must give an IPv6 address or a name (T2)");
	refuse("{\"order\":[\"dslite\"],\"dslite\":{\"aftr\":\"-a.example\"}}",
	       "dslite.aftr: \"-a.example\" is neither an IPv6 address nor a DNS name");
	refuse("{\"order\":[\"dslite\"],\"dslite\":{\"aftr\":\"a-.example\"}}",
	       "dslite.aftr: \"a-.example\" is neither an IPv6 address nor a DNS name");
	refuse("{\"order\":[\"dslite\"],\"dslite\":{\"aftr\":\"a..example\"}}",
	       "dslite.aftr: \"a..example\" is neither an IPv6 address nor a DNS name");
	refuse("{\"order\":[\"dslite\"],\"dslite\":{\"aftr\":\"\"}}",
	       "dslite.aftr: \"\" is neither an IPv6 address nor a DNS name");
	/* A label of 64. */
	refuse("{\"order\":[\"dslite\"],\"dslite\":{\"aftr\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.ex\"}}",
	       "dslite.aftr: \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.ex\""
	       " is neither an IPv6 address nor a DNS name");
	refuse("{\"order\":[\"dslite\"],\"dslite\":{\"aftr\":\"2001:db8::zz\"}}",
	       "dslite.aftr: \"2001:db8::zz\" is not an IPv6 address");
	refuse("{\"order\":[\"dslite\"],\"dslite\":{\"aftr\":\"::1\"}}",
	       "dslite.aftr: \"::1\" is not a global unicast address");
	refuse("{\"order\":[\"dslite\"],\"dslite\":{\"aftr\":\"fe80::1\"}}",
	       "dslite.aftr: \"fe80::1\" is not a global unicast address");
	refuse("{\"order\":[\"dslite\"],\"dslite\":{}}", "dslite.aftr: missing");
}

/* ---- S12: lw4o6 -------------------------------------------------------- */

#define LW_HEAD "{\"order\":[\"lw4o6\"],\"lw4o6\":{\"lwaftr\":\"2001:db8::1\","

static void test_S12_lw4o6(void **state)
{
	struct prov p;

	(void)state;
	parse_ok(LW_HEAD "\"ipv6\":\"2001:db8:3:100::/64\",\"ipv4\":\"203.0.113.16\","
		 "\"psid\":0,\"psid_length\":0,\"psid_offset\":0}}", &p, NULL);
	assert_int_equal(p.lw4o6.ports.len, 0);
	prov_done(&p);
	parse_ok(LW_HEAD "\"ipv6\":\"2001:db8:3:100::/64\",\"ipv4\":\"203.0.113.16\","
		 "\"psid_length\":0}}", &p, NULL); /* no PSID without sharing */
	prov_done(&p);
	refuse(LW_HEAD "\"ipv6\":\"2001:db8:3:100::/65\",\"ipv4\":\"203.0.113.16\",\"psid\":3,\"psid_length\":8}}",
	       "lw4o6.ipv6: \"2001:db8:3:100::/65\" is longer than /64");
	refuse(LW_HEAD "\"ipv6\":\"2001:db8:3:100::/56\",\"ipv4\":\"203.0.113.16/32\",\"psid\":3,\"psid_length\":8}}",
	       "lw4o6.ipv4: \"203.0.113.16/32\" is not an IPv4 address");
	refuse(LW_HEAD "\"ipv6\":\"2001:db8:3:100::/56\",\"ipv4\":\"203.0.113.16\",\"psid\":256,\"psid_length\":8}}",
	       "lw4o6: psid 256 does not fit in 8 bits");
	refuse(LW_HEAD "\"ipv6\":\"2001:db8:3:100::/56\",\"ipv4\":\"203.0.113.16\",\"psid\":3,\"psid_length\":12}}",
	       "lw4o6: psid offset 6 + psid length 12 is more than 16");
	refuse(LW_HEAD "\"ipv6\":\"2001:db8:3:100::/56\",\"ipv4\":\"203.0.113.16\",\"psid\":3}}",
	       "lw4o6.psid_length: missing");
	refuse(LW_HEAD "\"ipv6\":\"2001:db8:3:100::/56\",\"ipv4\":\"203.0.113.16\",\"psid_length\":8}}",
	       "lw4o6.psid: missing");
	refuse(LW_HEAD "\"ipv6\":\"2001:db8:3:100::/56\",\"ipv4\":\"203.0.113.16\",\"psid\":65536,\"psid_length\":16,\"psid_offset\":0}}",
	       "lw4o6.psid: 65536 is more than 65535");
	refuse("{\"order\":[\"lw4o6\"],\"lw4o6\":{\"lwaftr\":\"lw_aftr\"}}",
	       "lw4o6.lwaftr: \"lw_aftr\" is neither an IPv6 address nor a DNS name");
}

/* ---- S13: 464XLAT ------------------------------------------------------- */

static void test_S13_nat64prefix_rfc6052_lengths(void **state)
{
	static const unsigned ok_len[] = { 32, 40, 48, 56, 64, 96 };
	struct prov p;

	(void)state;
	for (size_t i = 0; i < sizeof(ok_len) / sizeof(ok_len[0]); i++) {
		char *json = fmt("{\"order\":[\"464xlat\"],\"464xlat\":{\"nat64prefix\":\"2001:db8::/%u\"}}",
				 ok_len[i]);

		parse_ok(json, &p, NULL);
		assert_int_equal(p.xlat.nat64prefix.len, ok_len[i]);
		prov_done(&p);
		free(json);
	}
	refuse("{\"order\":[\"464xlat\"],\"464xlat\":{\"nat64prefix\":\"2001:db8::/33\"}}",
	       "464xlat.nat64prefix: RFC 6052 prefix length /33 is not one of 32, 40, 48, 56, 64, 96");
	refuse("{\"order\":[\"464xlat\"],\"464xlat\":{\"nat64prefix\":\"64:ff9b::1/96\"}}",
	       "464xlat.nat64prefix: \"64:ff9b::1/96\" has bits set after /96");
}

/* ---- S14: IPIP --------------------------------------------------------- */

static char *ipip_entries(size_t n)
{
	size_t cap = 64 + n * 128, len = 0;
	char *s = malloc(cap);

	assert_non_null(s);
	len += (size_t)snprintf(s, cap, "{\"order\":[\"ipip\"],\"ipip\":[");
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(s + len, cap - len,
					"%s{\"ipv6_local\":\"2001:db8:1::%zx\",\"ipv6_remote\":\"2001:db8:2::1\","
					"\"ipv4\":\"203.0.113.%zu/32\"}", i ? "," : "", i + 1, i);
	snprintf(s + len, cap - len, "]}");
	return s;
}

static void test_S14_ipip_entries(void **state)
{
	struct prov p;
	struct err e, w;
	char *json;

	(void)state;
	json = ipip_entries(PROV_IPIP_MAX);
	parse_ok(json, &p, NULL);
	assert_int_equal(p.ipip.n, PROV_IPIP_MAX);
	roundtrip(&p);
	prov_done(&p);
	free(json);
	json = ipip_entries(PROV_IPIP_MAX + 1);
	assert_int_equal(prov_parse(json, strlen(json), &p, &e, NULL), -ERANGE);
	assert_string_equal(e.msg, "ipip: more than 16 entries");
	free(json);

	parse_ok("{\"order\":[\"ipip\"],\"ipip\":[{\"ipv6_local\":\"2001:db8:1::1\","
		 "\"ipv6_remote\":\"2001:db8:2::1\",\"ipv4\":\"203.0.113.9\"}]}", &p, &w);
	assert_int_equal(p.ipip.entries[0].ipv4.len, 32);
	assert_string_equal(w.msg, "ipip[0].ipv4: \"203.0.113.9\" has no prefix length: /32 assumed");
	prov_done(&p);

	refuse("{\"order\":[\"ipip\"],\"ipip\":[]}", "ipip: no entries");
	refuse("{\"order\":[\"ipip\"],\"ipip\":{}}", "ipip: an object is not an array");
	refuse("{\"order\":[\"ipip\"],\"ipip\":[{\"ipv6_remote\":\"2001:db8:2::1\",\"ipv4\":\"203.0.113.9/32\"}]}",
	       "ipip[0].ipv6_local: missing");
	refuse("{\"order\":[\"ipip\"],\"ipip\":[{\"ipv6_local\":\"2001:db8:1::1\",\"ipv6_remote\":\"::\",\"ipv4\":\"203.0.113.9/32\"}]}",
	       "ipip[0].ipv6_remote: \"::\" is not a global unicast address");
	refuse("{\"order\":[\"ipip\"],\"ipip\":[{\"ipv6_local\":\"2001:db8:1::1\",\"ipv6_remote\":\"2001:db8:1::1\",\"ipv4\":\"203.0.113.9/32\"}]}",
	       "ipip[0]: ipv6_local and ipv6_remote are both 2001:db8:1::1");
	refuse("{\"order\":[\"ipip\"],\"ipip\":[{\"ipv6_local\":\"2001:db8:1::1\",\"ipv6_remote\":\"2001:db8:2::1\",\"ipv4\":\"203.0.113.9/0\"}]}",
	       "ipip[0].ipv4: \"203.0.113.9/0\" has length 0");
	refuse("{\"order\":[\"ipip\"],\"ipip\":[{\"ipv6_local\":\"2001:db8:1::1\",\"ipv6_remote\":\"2001:db8:2::1\",\"ipv4\":\"203.0.113\"}]}",
	       "ipip[0].ipv4: \"203.0.113\" is not an IPv4 prefix");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_S9_map_e_256_rules_accepted_257_refused),
		cmocka_unit_test(test_S9_map_e_version_and_mesh),
		cmocka_unit_test(test_S9_map_e_refusals_name_key_and_value),
		cmocka_unit_test(test_S9_numbers_as_strings_warned),
		cmocka_unit_test(test_S10_map_t_200_rules_accepted_201_refused),
		cmocka_unit_test(test_S10_map_t_dmr_rfc6052),
		cmocka_unit_test(test_S11_aftr_name_or_literal),
		cmocka_unit_test(test_S11_aftr_refusals),
		cmocka_unit_test(test_S12_lw4o6),
		cmocka_unit_test(test_S13_nat64prefix_rfc6052_lengths),
		cmocka_unit_test(test_S14_ipip_entries),
	};

	return cmocka_run_group_tests_name("prov", tests, NULL, NULL);
}
