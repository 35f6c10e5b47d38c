/* SPDX-License-Identifier: MIT */
/* HB46PP 3.4 validation (S2-S14) against the spec's example, the shapes
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

#include "../../agent/prov.h"

/* ---- helpers ----------------------------------------------------------- */

static char *slurp_fixture(const char *name)
{
	char path[512];
	const char *here = __FILE__, *slash = strrchr(here, '/');
	long n;
	char *buf;
	FILE *f;

	/* The fixtures sit beside the fuzz seeds: tests/fuzz/corpus/prov/. */
	snprintf(path, sizeof(path), "%.*s/../fuzz/corpus/prov/%s",
		 slash ? (int)(slash - here) : 1, slash ? here : ".", name);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void parse_ok(const char *json, struct prov *p, struct err *warn)
{
	struct err e = { "" };
	int rc = prov_parse(json, strlen(json), p, &e, warn);

	if (rc != 0)
		print_error("unexpected refusal: %s\n", e.msg);
	assert_int_equal(rc, 0);
}

static void fixture(const char *name, struct prov *p, struct err *warn)
{
	char *json = slurp_fixture(name);

	parse_ok(json, p, warn);
	free(json);
}

/* Refused, with exactly this message; and the output untouched. */
static void refuse(const char *json, const char *msg)
{
	struct prov p;
	struct err e = { "" };
	unsigned char before[sizeof(p)];

	memset(&p, 0xa5, sizeof(p));
	memcpy(before, &p, sizeof(p));
	assert_true(prov_parse(json, strlen(json), &p, &e, NULL) < 0);
	if (strcmp(e.msg, msg) != 0)
		print_error("got:  %s\nwant: %s\n", e.msg, msg);
	assert_string_equal(e.msg, msg);
	assert_memory_equal(before, &p, sizeof(p));
}

/* The same JSON text through the parser twice: parse(to_json(p)) == p,
 * and printing is stable. */
static void roundtrip(const struct prov *p)
{
	char *a = prov_to_json(p, false), *b;
	struct prov q;

	assert_non_null(a);
	parse_ok(a, &q, NULL);
	assert_true(prov_equal(p, &q));
	b = prov_to_json(&q, false);
	assert_non_null(b);
	assert_string_equal(a, b);
	free(a);
	free(b);
	prov_done(&q);
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, f);
	assert_true(vasprintf(&s, f, ap) >= 0);
	va_end(ap);
	return s;
}

static const char *a6(const struct in6_addr *a, char *b)
{
	return v6addr_str(a, b);
}

#define TOKEN "640756965820d3b9025b6941f9590af6802830ba58663fe8f043dc92b576f17a"

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
		cmocka_unit_test(test_ipv6_mostly_1_2),
		cmocka_unit_test(test_S1_json_layer_refusals),
		cmocka_unit_test(test_Q6_method_equal_and_copy),
		cmocka_unit_test(test_S3_to_json_keys_in_spec_order),
	};

	return cmocka_run_group_tests_name("prov", tests, NULL, NULL);
}
