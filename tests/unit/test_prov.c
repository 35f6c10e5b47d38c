/* SPDX-License-Identifier: MIT */
/* HB46PP 3.4 validation (S2-S8; the methods' objects are in
 * test_prov_methods.c) against the spec's example, the shapes
 * deployed servers send (shared/spec/real-responses.md, as fixtures in
 * tests/fuzz/corpus/prov/) and every refusal, whose message must name the
 * key path and the value. */
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

/* ---- the spec's example and the deployed shapes ------------------------ */

/* HB46PP 3.4: every key of the example body. */
static void test_S3_spec_example_body(void **state)
{
	char b[V6_STR_MAX];
	struct prov p;

	(void)state;
	fixture("spec-3.4-example.json", &p, NULL);
	assert_string_equal(p.enabler_name, "A VNE");
	assert_string_equal(p.service_name, "Highspeed 4over6");
	assert_string_equal(p.isp_name, "ISP-A");
	assert_true(p.has_ttl);
	assert_int_equal(p.ttl, 86400);
	assert_true(p.has_token);
	assert_string_equal(p.token, TOKEN);
	assert_int_equal(p.auth, PROV_AUTH_OK);
	assert_int_equal(p.n_order, 3);
	assert_int_equal(p.order[0], METHOD_464XLAT);
	assert_int_equal(p.order[1], METHOD_MAP_E);
	assert_int_equal(p.order[2], METHOD_DSLITE);

	assert_true(p.map_e.present);
	assert_int_equal(p.map_e.version, 0);
	assert_true(p.map_e.mesh);
	assert_string_equal(a6(&p.map_e.br, b), "2001:db8:1::1");
	assert_int_equal(p.map_e.n_rules, 1);
	assert_string_equal(v6pfx_str(&p.map_e.rules[0].ipv6, b), "2001:db8:1:2000::/52");
	assert_string_equal(v4pfx_str(&p.map_e.rules[0].ipv4, b), "203.0.113.0/24");
	assert_int_equal(p.map_e.rules[0].ea_len, 12);
	assert_int_equal(p.map_e.rules[0].psid_offset, 4);

	assert_true(p.dslite.present);
	assert_false(p.dslite.aftr_is_addr);
	assert_string_equal(p.dslite.aftr, "aftr.example.net");

	assert_true(p.lw4o6.present);
	assert_string_equal(p.lw4o6.lwaftr, "lwaftr.example.net");
	assert_string_equal(v6pfx_str(&p.lw4o6.ipv6, b), "2001:db8:3:100::/56");
	assert_string_equal(v4addr_str(p.lw4o6.ipv4, b), "203.0.113.16");
	assert_int_equal(p.lw4o6.ports.psid, 3);
	assert_int_equal(p.lw4o6.ports.len, 8);
	assert_int_equal(p.lw4o6.ports.offset, 6);

	assert_true(p.map_t.present);
	assert_string_equal(v6pfx_str(&p.map_t.dmr, b), "2001:db8:5::/64");
	assert_int_equal(p.map_t.n_rules, 1);
	assert_int_equal(p.map_t.rules[0].ea_len, 8);

	assert_true(p.xlat.present);
	assert_string_equal(v6pfx_str(&p.xlat.nat64prefix, b), "2001:db8:6::/96");

	assert_true(p.ipip.present);
	assert_int_equal(p.ipip.n, 1);
	assert_string_equal(a6(&p.ipip.entries[0].local, b), "2001:db8:7:100::7");
	assert_string_equal(a6(&p.ipip.entries[0].remote, b), "2001:db8:7::1");
	assert_string_equal(v4pfx_str(&p.ipip.entries[0].ipv4, b), "203.0.113.0/29");
	roundtrip(&p);
	prov_done(&p);
}

/* real-responses.md, transix: pretty-printed, full-width UTF-8 in the
 * service name, the AFTR as an IPv6 literal, no token, no auth. */
static void test_S4_fixture_transix_dslite_utf8(void **state)
{
	struct prov p;
	char b[V6_STR_MAX];

	(void)state;
	fixture("transix-dslite.json", &p, NULL);
	assert_string_equal(p.service_name, "transix IPv4接続（DS-Lite）");
	assert_string_equal(p.enabler_name, "Internet Multifeed Co.");
	assert_false(p.has_token);
	assert_int_equal(p.auth, PROV_AUTH_ABSENT);
	assert_int_equal(p.n_order, 1);
	assert_int_equal(p.order[0], METHOD_DSLITE);
	assert_true(p.dslite.aftr_is_addr);
	assert_string_equal(a6(&p.dslite.aftr_addr, b), "2001:db8:ffff::1");
	assert_string_equal(p.dslite.aftr, "2001:db8:ffff::1");
	roundtrip(&p);
	prov_done(&p);
}

/* v6 コネクト: compact one-line JSON in its own key order, with a token. */
static void test_S6_fixture_v6connect_token(void **state)
{
	struct prov p;

	(void)state;
	fixture("v6connect-dslite.json", &p, NULL);
	assert_true(p.has_token);
	assert_string_equal(p.token, "3f9c2a7d0b18e4c65a9f07d1e2b3c4a5968778695a4b3c2d1e0f1a2b3c4d5e6f");
	assert_string_equal(p.service_name, "v6 コネクト");
	assert_string_equal(p.enabler_name, "v6 コネクト");
	assert_int_equal(p.isp_name[0], '\0');
	assert_string_equal(p.dslite.aftr, "dgw.example.net");
	assert_int_equal(p.ttl, 86400);
	roundtrip(&p);
	prov_done(&p);
}

/* v6 コネクト fixed IPv4: an ipip offer first, DS-Lite after; auth ok. */
static void test_S14_fixture_v6connect_ipip(void **state)
{
	struct prov p;
	char b[V6_STR_MAX];

	(void)state;
	fixture("v6connect-ipip.json", &p, NULL);
	assert_int_equal(p.auth, PROV_AUTH_OK);
	assert_int_equal(p.n_order, 2);
	assert_int_equal(p.order[0], METHOD_IPIP);
	assert_int_equal(p.order[1], METHOD_DSLITE);
	assert_int_equal(p.ipip.n, 1);
	assert_string_equal(v4pfx_str(&p.ipip.entries[0].ipv4, b), "203.0.113.45/32");
	roundtrip(&p);
	prov_done(&p);
}

/* BBIX: ipip with the IPv4 as /32. */
static void test_S14_fixture_bbix_ipip(void **state)
{
	struct prov p;
	char b[V6_STR_MAX];

	(void)state;
	fixture("bbix-ipip.json", &p, NULL);
	assert_int_equal(p.order[0], METHOD_IPIP);
	assert_string_equal(a6(&p.ipip.entries[0].local, b), "2001:db8:1234:5600:cb:71:d00:0");
	assert_string_equal(a6(&p.ipip.entries[0].remote, b), "2001:db8:ffff:100::1");
	assert_int_equal(p.ipip.entries[0].ipv4.len, 32);
	roundtrip(&p);
	prov_done(&p);
}

/* Rakuten-like: the AFTR as a name, ttl 3 days. */
static void test_S11_fixture_rakuten_aftr_name(void **state)
{
	struct prov p;

	(void)state;
	fixture("rakuten-dslite.json", &p, NULL);
	assert_int_equal(p.ttl, 259200);
	assert_false(p.dslite.aftr_is_addr);
	assert_string_equal(p.dslite.aftr, "aftr.example.jp");
	roundtrip(&p);
	prov_done(&p);
}

/* The MAP-E field record: the validated rule gives the CE the field saw
 * (through the MAP code, draft-03 layout for version 0). */
static void test_S9_fixture_mape_field_record(void **state)
{
	struct prov p;
	struct v6pfx ce;
	struct map_result r;
	char b[V6_STR_MAX];
	int bmr;

	(void)state;
	fixture("mape-field.json", &p, NULL);
	assert_int_equal(p.map_e.version, 0);
	assert_false(p.map_e.mesh);
	assert_int_equal(p.map_e.n_rules, 2);
	assert_int_equal(v6pfx_parse("2404:7a82:4d02:4100::/56", false, &ce), 0);
	bmr = map_bmr_select(p.map_e.rules, p.map_e.n_rules, &ce);
	assert_int_equal(bmr, 0);
	assert_int_equal(map_compute(&p.map_e.rules[bmr], &ce, MAP_LAYOUT_DRAFT03,
				     &r, NULL), 0);
	assert_string_equal(v4addr_str(r.ipv4, b), "133.209.13.2");
	assert_int_equal(r.ports.psid, 0x41);
	assert_string_equal(a6(&r.ce_ipv6, b), "2404:7a82:4d02:4100:85:d10d:200:4100");
	roundtrip(&p);
	prov_done(&p);
}

/* lw4o6 + MAP-T + 464XLAT, ttl as a string, an unknown order entry, an
 * unknown top-level object, ipv6_mostly (1.2). */
static void test_S12_S13_fixture_lw4o6_mapt_xlat(void **state)
{
	struct prov p;
	struct err w;

	(void)state;
	fixture("lw4o6-mapt-xlat.json", &p, &w);
	assert_int_equal(p.ttl, 7200);
	assert_int_equal(p.n_order, 3);
	assert_int_equal(p.order[2], METHOD_464XLAT);
	assert_int_equal(p.lw4o6.ports.offset, 6); /* default */
	assert_true(p.has_ipv6_mostly);
	assert_true(p.ipv6_mostly);
	assert_non_null(strstr(w.msg, "ttl: number sent as a string \"7200\""));
	assert_non_null(strstr(w.msg, "order[3]: unknown method \"future_method\" ignored"));
	roundtrip(&p);
	prov_done(&p);
}

/* ---- S2/S3: order [] and unknown keys ---------------------------------- */

static void test_S2_order_empty_valid(void **state)
{
	struct prov p;

	(void)state;
	fixture("order-empty.json", &p, NULL);
	assert_int_equal(p.n_order, 0);
	assert_int_equal(p.auth, PROV_AUTH_BAD);
	assert_int_equal(p.ttl, 3600);
	roundtrip(&p);
	prov_done(&p);
}

static void test_S3_unknown_keys_ignored(void **state)
{
	struct prov p;

	(void)state;
	parse_ok("{\"order\":[\"dslite\"],\"x\":[{}],\"TTL\":5,\"map_x\":null,"
		 "\"dslite\":{\"aftr\":\"a.example\",\"mtu\":1460,\"extra\":{\"y\":[]}}}",
		 &p, NULL);
	assert_false(p.has_ttl); /* keys are case-sensitive: TTL is unknown */
	assert_string_equal(p.dslite.aftr, "a.example");
	prov_done(&p);
}

/* ---- S4: names ------------------------------------------------------- */

static void test_S4_name_254_bytes_accepted_255_refused(void **state)
{
	char name[300], *json;
	struct prov p;

	(void)state;
	/* 84 three-byte characters + 2 ASCII = 254 bytes (256 with quotes). */
	name[0] = '\0';
	for (int i = 0; i < 84; i++)
		strcat(name, "あ");
	strcat(name, "ab");
	assert_int_equal(strlen(name), 254);
	json = fmt("{\"order\":[],\"service_name\":\"%s\"}", name);
	parse_ok(json, &p, NULL);
	assert_string_equal(p.service_name, name);
	roundtrip(&p);
	prov_done(&p);
	free(json);

	strcat(name, "c");
	json = fmt("{\"order\":[],\"isp_name\":\"%s\"}", name);
	{
		struct err e;

		assert_int_equal(prov_parse(json, strlen(json), &p, &e, NULL), -ERANGE);
		assert_non_null(strstr(e.msg, "isp_name: \"\\xe3\\x81\\x82"));
		assert_non_null(strstr(e.msg, "is 255 bytes, more than 254 (S4: 256 with the quotes)"));
	}
	free(json);
}

static void test_S4_name_bad_utf8_and_controls_refused(void **state)
{
	(void)state;
	refuse("{\"order\":[],\"enabler_name\":\"A\xc0\xafZ\"}",
	       "enabler_name: \"A\\xc0\\xafZ\" is not valid UTF-8");
	refuse("{\"order\":[],\"enabler_name\":\"A\xed\xa0\x80\"}",
	       "enabler_name: \"A\\xed\\xa0\\x80\" is not valid UTF-8");
	refuse("{\"order\":[],\"service_name\":\"a\\u001b[2Jb\"}",
	       "service_name: \"a\\x1b[2Jb\" holds a control character");
	refuse("{\"order\":[],\"isp_name\":42}", "isp_name: 42 is not a string");
}

/* ---- S5: ttl ----------------------------------------------------------- */

static void test_S5_ttl_clamped_with_warning(void **state)
{
	struct prov p;
	struct err w;

	(void)state;
	parse_ok("{\"order\":[],\"ttl\":604801}", &p, &w);
	assert_true(p.has_ttl);
	assert_int_equal(p.ttl, PROV_TTL_MAX);
	assert_true(p.ttl_clamped);
	assert_string_equal(w.msg, "ttl: 604801 is more than 604800: clamped to 604800 (S5)");
	prov_done(&p);
	parse_ok("{\"order\":[],\"ttl\":1e300}", &p, &w);
	assert_int_equal(p.ttl, PROV_TTL_MAX);
	prov_done(&p);
	parse_ok("{\"order\":[],\"ttl\":604800}", &p, &w);
	assert_int_equal(p.ttl, 604800);
	assert_false(p.ttl_clamped);
	assert_string_equal(w.msg, "");
	prov_done(&p);
}

static void test_S5_ttl_absent_or_not_positive_means_default(void **state)
{
	static const char *const bodies[] = {
		"{\"order\":[]}", "{\"order\":[],\"ttl\":0}",
		"{\"order\":[],\"ttl\":-30}", "{\"order\":[],\"ttl\":null}",
	};
	struct prov p;

	(void)state;
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		parse_ok(bodies[i], &p, NULL);
		assert_false(p.has_ttl);
		prov_done(&p);
	}
	parse_ok("{\"order\":[],\"ttl\":1}", &p, NULL);
	assert_true(p.has_ttl);
	assert_int_equal(p.ttl, 1);
	prov_done(&p);
}

static void test_S5_ttl_not_an_integer_refused(void **state)
{
	(void)state;
	refuse("{\"order\":[],\"ttl\":86400.5}", "ttl: 86400.5 is not an integer");
	refuse("{\"order\":[],\"ttl\":\"a day\"}", "ttl: \"a day\" is not a number");
	refuse("{\"order\":[],\"ttl\":\"8.5\"}", "ttl: \"8.5\" is not a number");
	refuse("{\"order\":[],\"ttl\":true}", "ttl: true is not a number");
	refuse("{\"order\":[],\"ttl\":[1]}", "ttl: an array is not a number");
}

/* ---- S6: token ----------------------------------------------------------- */

static void test_S6_token_uppercase_refused(void **state)
{
	char *json = fmt("{\"order\":[],\"token\":\"%.63sA\"}", TOKEN);
	char *want = fmt("token: \"%.63sA\" is not 64 lowercase hex digits (S6)", TOKEN);

	(void)state;
	refuse(json, want);
	free(json);
	free(want);
}

static void test_S6_token_length_and_digits(void **state)
{
	struct prov p;
	char *json;

	(void)state;
	refuse("{\"order\":[],\"token\":\"abc\"}",
	       "token: \"abc\" is not 64 lowercase hex digits (S6)");
	refuse("{\"order\":[],\"token\":\"\"}",
	       "token: \"\" is not 64 lowercase hex digits (S6)");
	refuse("{\"order\":[],\"token\":12}", "token: 12 is not a string");
	json = fmt("{\"order\":[],\"token\":\"%sa\"}", TOKEN);
	assert_true(prov_parse(json, strlen(json), &p, NULL, NULL) < 0);
	free(json);
	json = fmt("{\"order\":[],\"token\":\"%.63sg\"}", TOKEN);
	assert_true(prov_parse(json, strlen(json), &p, NULL, NULL) < 0);
	free(json);
	json = fmt("{\"order\":[],\"token\":\"%s\"}", TOKEN);
	parse_ok(json, &p, NULL);
	assert_string_equal(p.token, TOKEN);
	prov_done(&p);
	free(json);
}

/* ---- S7: auth -------------------------------------------------------------- */

static void test_S7_auth_values(void **state)
{
	static const struct {
		const char *json;
		enum prov_auth want;
	} t[] = {
		{ "{\"order\":[]}", PROV_AUTH_ABSENT },
		{ "{\"order\":[],\"auth\":\"req\"}", PROV_AUTH_REQ },
		{ "{\"order\":[],\"auth\":\"bad\"}", PROV_AUTH_BAD },
		{ "{\"order\":[],\"auth\":\"ok\"}", PROV_AUTH_OK },
	};
	struct prov p;

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		parse_ok(t[i].json, &p, NULL);
		assert_int_equal(p.auth, t[i].want);
		roundtrip(&p);
		prov_done(&p);
	}
	refuse("{\"order\":[],\"auth\":\"OK\"}", "auth: \"OK\" is not one of req, bad, ok (S7)");
	refuse("{\"order\":[],\"auth\":true}", "auth: true is not a string");
}

/* ---- S8: order --------------------------------------------------------- */

static void test_S8_order_unknown_and_repeated_entries_ignored(void **state)
{
	struct prov p;
	struct err w;

	(void)state;
	parse_ok("{\"order\":[\"xlat\",\"dslite\",\"DSLITE\",\"dslite\",\"hubspoke\"],"
		 "\"dslite\":{\"aftr\":\"aftr.example.net\"}}", &p, &w);
	assert_int_equal(p.n_order, 1);
	assert_int_equal(p.order[0], METHOD_DSLITE);
	assert_non_null(strstr(w.msg, "order[0]: unknown method \"xlat\" ignored"));
	assert_non_null(strstr(w.msg, "order[3]: \"dslite\" repeated, ignored"));
	prov_done(&p);
}

static void test_S8_order_refusals(void **state)
{
	(void)state;
	refuse("{\"ttl\":60}", "order: missing (S8)");
	refuse("{\"order\":\"dslite\"}", "order: \"dslite\" is not an array");
	refuse("{\"order\":[\"dslite\",5]}", "order[1]: 5 is not a string");
	refuse("{\"order\":[null]}", "order[0]: null is not a string");
	refuse("{\"order\":[\"map_e\"]}", "map_e: named in order but missing");
	refuse("{\"order\":[\"dslite\"],\"dslite\":null}",
	       "dslite: named in order but missing");
	refuse("{\"order\":[\"dslite\"],\"dslite\":{\"aftr\":\"bad_name\"}}",
	       "dslite.aftr: \"bad_name\" is neither an IPv6 address nor a DNS name");
}

/* An offer `order` does not name is kept when valid (fixed mode, S8) and
 * dropped with a warning when not. */
static void test_S8_offer_not_in_order(void **state)
{
	struct prov p;
	struct err w;

	(void)state;
	parse_ok("{\"order\":[\"dslite\"],\"dslite\":{\"aftr\":\"a.example\"},"
		 "\"464xlat\":{\"nat64prefix\":\"64:ff9b::/96\"}}", &p, NULL);
	assert_true(p.xlat.present);
	assert_false(prov_in_order(&p, METHOD_464XLAT));
	roundtrip(&p);
	prov_done(&p);

	parse_ok("{\"order\":[\"dslite\"],\"dslite\":{\"aftr\":\"a.example\"},"
		 "\"map_e\":{\"br\":\"2001:db8::1\",\"rules\":[]}}", &p, &w);
	assert_false(p.map_e.present);
	assert_null(p.map_e.rules);
	assert_string_equal(w.msg, "map_e.rules: no rules (not in order: offer dropped)");
	prov_done(&p);
}

/* ---- 1.2 and the JSON layer ------------------------------------------- */

static void test_ipv6_mostly_1_2(void **state)
{
	struct prov p;

	(void)state;
	parse_ok("{\"order\":[],\"ipv6_mostly\":false}", &p, NULL);
	assert_true(p.has_ipv6_mostly);
	assert_false(p.ipv6_mostly);
	roundtrip(&p);
	prov_done(&p);
	refuse("{\"order\":[],\"ipv6_mostly\":\"maybe\"}",
	       "ipv6_mostly: \"maybe\" is not true, false, 0 or 1");
}

static void test_S1_json_layer_refusals(void **state)
{
	struct prov p;
	struct err e;

	(void)state;
	refuse("", "empty body");
	refuse("[]", "the body is not a JSON object");
	refuse("\"order\"", "the body is not a JSON object");
	refuse("{\"order\":[]} x", "not JSON (RFC 8259): data after the value at byte 13");
	/* Where cJSON stops is its business; that it says where is ours. */
	assert_true(prov_parse("{\"order\":[]", 11, &p, &e, NULL) < 0);
	assert_non_null(strstr(e.msg, "not JSON (RFC 8259): error at byte "));
	assert_true(prov_parse("{\"order\":[],}", 13, &p, &e, NULL) < 0);
	assert_string_equal(e.msg, "not JSON (RFC 8259): error at byte 12");
	refuse("{\"order\":[],\"ttl\":60,\"ttl\":70}", "ttl: key given twice");
	refuse("{\"order\":[\"map_e\"],\"map_e\":{\"br\":\"2001:db8::1\",\"br\":\"2001:db8::2\",\"rules\":[]}}",
	       "map_e.br: key given twice");
	refuse("{\"order\":[],\"service_name\":\"ab\\u0000cd\"}",
	       "a string holds \\u0000, refused (it would cut the value)");
	/* An escaped backslash before u0000 is plain text, not a NUL. */
	{
		const char *ok = "{\"order\":[],\"isp_name\":\"a\\\\u0000\"}";

		parse_ok(ok, &p, NULL);
		assert_string_equal(p.isp_name, "a\\u0000");
		prov_done(&p);
	}
	/* The length is honoured: what follows len is not read. */
	assert_int_equal(prov_parse("{\"order\":[]}garbage", 12, &p, &e, NULL), 0);
	prov_done(&p);
	assert_true(prov_parse("{\"order\":[]}\0{}", 15, &p, &e, NULL) < 0);
	/* Whitespace and a UTF-8 BOM (RFC 8259 8.1 lets a parser skip it). */
	parse_ok("\xef\xbb\xbf \r\n\t{\"order\":[]}\n", &p, NULL);
	prov_done(&p);
}

/* ---- copy and Q6 comparison ------------------------------------------------ */

static void test_Q6_method_equal_and_copy(void **state)
{
	struct prov a, b, c;

	(void)state;
	fixture("spec-3.4-example.json", &a, NULL);
	assert_int_equal(prov_copy(&b, &a), 0);
	assert_true(b.map_e.rules != a.map_e.rules);
	assert_true(prov_equal(&a, &b));
	for (int m = 0; m < METHOD__COUNT; m++)
		assert_true(prov_method_equal(&a, &b, (enum method)m));
	/* A change in one offer: that method differs, the others do not. */
	b.map_e.rules[0].psid_offset = 6;
	assert_false(prov_method_equal(&a, &b, METHOD_MAP_E));
	assert_true(prov_method_equal(&a, &b, METHOD_DSLITE));
	assert_false(prov_equal(&a, &b));
	prov_done(&b);
	/* ttl and token do not change any method's settings. */
	assert_int_equal(prov_copy(&b, &a), 0);
	b.ttl = 60;
	b.has_token = false;
	for (int m = 0; m < METHOD__COUNT; m++)
		assert_true(prov_method_equal(&a, &b, (enum method)m));
	assert_false(prov_equal(&a, &b));
	prov_done(&b);
	prov_done(&a);

	/* MAP rules compare as a set: the same rules reordered are equal. */
	parse_ok("{\"order\":[\"map_e\"],\"map_e\":{\"br\":\"2001:db8::1\",\"rules\":["
		 "{\"ipv6\":\"2001:db8::/40\",\"ipv4\":\"192.0.2.0/24\",\"ea_length\":16},"
		 "{\"ipv6\":\"2001:db8:100::/40\",\"ipv4\":\"198.51.100.0/24\",\"ea_length\":16}]}}",
		 &a, NULL);
	parse_ok("{\"order\":[\"map_e\"],\"map_e\":{\"br\":\"2001:db8::1\",\"rules\":["
		 "{\"ipv6\":\"2001:db8:100::/40\",\"ipv4\":\"198.51.100.0/24\",\"ea_length\":16},"
		 "{\"ipv6\":\"2001:db8::/40\",\"ipv4\":\"192.0.2.0/24\",\"ea_length\":16}]}}",
		 &b, NULL);
	assert_true(prov_method_equal(&a, &b, METHOD_MAP_E));
	/* ... but one rule fewer is not. */
	parse_ok("{\"order\":[\"map_e\"],\"map_e\":{\"br\":\"2001:db8::1\",\"rules\":["
		 "{\"ipv6\":\"2001:db8::/40\",\"ipv4\":\"192.0.2.0/24\",\"ea_length\":16}]}}",
		 &c, NULL);
	assert_false(prov_method_equal(&a, &c, METHOD_MAP_E));
	/* Absent on both sides is equal; on one side only, not. */
	assert_true(prov_method_equal(&a, &c, METHOD_DSLITE));
	c.map_e.present = false;
	assert_false(prov_method_equal(&a, &c, METHOD_MAP_E));
	c.map_e.present = true;
	prov_done(&a);
	prov_done(&b);
	prov_done(&c);
	prov_done(NULL);
}

/* The printed form: the spec's key names, in the spec's order. */
static void test_S3_to_json_keys_in_spec_order(void **state)
{
	struct prov p;
	char *s;
	const char *keys[] = { "\"enabler_name\":", "\"service_name\":", "\"isp_name\":",
			       "\"ttl\":", "\"token\":", "\"auth\":", "\"order\":", "\"map_e\":",
			       "\"dslite\":", "\"lw4o6\":", "\"map_t\":", "\"464xlat\":", "\"ipip\":" };
	const char *at = NULL;

	(void)state;
	fixture("spec-3.4-example.json", &p, NULL);
	s = prov_to_json(&p, true);
	assert_non_null(s);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *k = strstr(s, keys[i]);

		assert_non_null(k);
		assert_true(k > at);
		at = k;
	}
	assert_non_null(strstr(s, "\"psid_offset\":\t4"));
	assert_non_null(strstr(s, "\"mesh\":\ttrue"));
	free(s);
	prov_done(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_S3_spec_example_body),
		cmocka_unit_test(test_S4_fixture_transix_dslite_utf8),
		cmocka_unit_test(test_S6_fixture_v6connect_token),
		cmocka_unit_test(test_S14_fixture_v6connect_ipip),
		cmocka_unit_test(test_S14_fixture_bbix_ipip),
		cmocka_unit_test(test_S11_fixture_rakuten_aftr_name),
		cmocka_unit_test(test_S9_fixture_mape_field_record),
		cmocka_unit_test(test_S12_S13_fixture_lw4o6_mapt_xlat),
		cmocka_unit_test(test_S2_order_empty_valid),
		cmocka_unit_test(test_S3_unknown_keys_ignored),
		cmocka_unit_test(test_S4_name_254_bytes_accepted_255_refused),
		cmocka_unit_test(test_S4_name_bad_utf8_and_controls_refused),
		cmocka_unit_test(test_S5_ttl_clamped_with_warning),
		cmocka_unit_test(test_S5_ttl_absent_or_not_positive_means_default),
		cmocka_unit_test(test_S5_ttl_not_an_integer_refused),
		cmocka_unit_test(test_S6_token_uppercase_refused),
		cmocka_unit_test(test_S6_token_length_and_digits),
		cmocka_unit_test(test_S7_auth_values),
		cmocka_unit_test(test_S8_order_unknown_and_repeated_entries_ignored),
		cmocka_unit_test(test_S8_order_refusals),
		cmocka_unit_test(test_S8_offer_not_in_order),
		cmocka_unit_test(test_ipv6_mostly_1_2),
		cmocka_unit_test(test_S1_json_layer_refusals),
		cmocka_unit_test(test_Q6_method_equal_and_copy),
		cmocka_unit_test(test_S3_to_json_keys_in_spec_order),
	};

	return cmocka_run_group_tests_name("prov", tests, NULL, NULL);
}
