/* SPDX-License-Identifier: MIT */
/* The provisioning request, HB46PP 3.3: clauses R1-R8. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../../agent/request.h"
#include "../../tunnels/method.h"
#include "config.h"

#define TOKEN "640756965820d3b9025b6941f9590af6802830ba58663fe8f043dc92b576f17a"
#define BASE "https://vne.example.jp/rule.cgi"

static struct req_params fixed(void)
{
	struct req_params p = {
		.vendorid = "acde48-v6pc_swg_hgw", .product = "V6MIG-ROUTER",
		.version = "0_00", .capability = "map_e,dslite,lw4o6,hubspoke",
	};
	return p;
}

static void valid(const struct req_params *p)
{
	struct err e = { "" };

	if (req_validate(p, &e) != 0)
		fail_msg("refused: %s", e.msg);
}

static void invalid(const struct req_params *p, const char *want)
{
	struct err e = { "" };

	assert_int_equal(req_validate(p, &e), -EINVAL);
	if (!strstr(e.msg, want))
		fail_msg("message '%s' lacks '%s'", e.msg, want);
}

/* Build for BASE with t=b; the query part after '?'. */
static const char *query(const struct req_params *p, const char *base,
			 bool verify, bool *creds)
{
	static char out[URL_MAX];
	struct err e = { "" };
	const char *q;

	if (req_build(p, base, verify, out, sizeof(out), creds, &e) != 0)
		fail_msg("req_build: %s", e.msg);
	q = strchr(out, '?');
	assert_non_null(q);
	return q + 1;
}

/* A field's values in turn, the others fixed(): want NULL, accepted;
 * else refused with a message holding want. */
struct field_case {
	const char *value, *want;
};

static void check_field(struct req_params *p, const char **field,
			const struct field_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		*field = c[i].value;
		if (c[i].want)
			invalid(p, c[i].want);
		else
			valid(p);
	}
}

#define CHECK_FIELD(p, f, cases) \
	check_field(&(p), &(p).f, cases, sizeof(cases) / sizeof(cases[0]))

static void test_R1_vendorid(void **state)
{
	static const struct field_case c[] = {
		{ "acde48", NULL }, { "acde48-v6pc_swg_hgw", NULL }, { "ACDE48-X", NULL },
		{ "012345-abcdefghijklmnopqrstuvwx", NULL },
		{ "acde4", "(R1)" }, { "acde4g", "(R1)" }, { "acde48-", "(R1)" },
		{ "acde48_x", "(R1)" }, { "acde48-a-b", "(R1)" },
		{ "acde48-abcdefghijklmnopqrstuvwxy", "(R1)" }, { "acde48-a b", "(R1)" },
		{ "", "(R1)" }, { "acde48-\xc3\xa9", "(R1)" },
		{ "acde4g", "vendorid 'acde4g'" },
	};
	struct req_params p = fixed();

	(void)state;
	CHECK_FIELD(p, vendorid, c);
}

static void test_R2_product(void **state)
{
	static const struct field_case c[] = {
		{ "V6MIG-ROUTER_2", NULL },
		{ "abcdefghijklmnopqrstuvwxyz012345", NULL },    /* 32 */
		{ "abcdefghijklmnopqrstuvwxyz0123456", "(R2)" }, /* 33 */
		{ "", "product ''" }, { "a.b", "product 'a.b'" }, { "a&pass=x", "(R2)" },
	};
	struct req_params p = fixed();

	(void)state;
	CHECK_FIELD(p, product, c);
}

static void test_R3_version(void **state)
{
	static const struct field_case c[] = {
		{ "1_32", NULL }, { "12345678901234567890123456789012", NULL },
		{ "123456789012345678901234567890123", "(R3)" },
		{ "1.32", "version '1.32'" }, { "v1", "(R3)" }, { "", "(R3)" },
	};
	struct req_params p = fixed();

	(void)state;
	CHECK_FIELD(p, version, c);
}

static void test_R4_capability(void **state)
{
	static const struct field_case c[] = {
		{ "464xlat,dslite,ipip,lw4o6,map_e,map_t,hubspoke,mesh", NULL }, { "", NULL },
		{ "map_e,,dslite", "unknown word ''" }, { "map_e,", "(R4)" },
		{ "MAP_E", "unknown word 'MAP_E'" }, { "map_e,dslite,map_e", "'map_e' twice" },
		{ "map_e dslite", "(R4)" },
	};
	struct req_params p = fixed();

	(void)state;
	CHECK_FIELD(p, capability, c);
}

/* R4: by default the capability is exactly what this build has. */
static void test_R4_capability_from_build(void **state)
{
	char cap[METHOD_CAPABILITY_MAX], want[URL_MAX];
	struct req_params p = { 0 };

	(void)state;
	method_capability(cap, sizeof(cap));
	snprintf(want, sizeof(want), "vendorid=%s&product=%s&version=%s&capability=%s",
		 CONFIG_VENDORID, CONFIG_PRODUCT, CONFIG_VERSION, cap);
	assert_string_equal(query(&p, BASE, true, NULL), want);
}

static void test_R5_token(void **state)
{
	struct req_params p = fixed();

	(void)state;
	p.token = TOKEN;
	assert_non_null(strstr(query(&p, BASE, true, NULL),
			       "&capability=map_e,dslite,lw4o6,hubspoke&token=" TOKEN));
	p.token = "";
	assert_null(strstr(query(&p, BASE, true, NULL), "token"));
	p.token = "640756965820D3B9025B6941F9590AF6802830BA58663FE8F043DC92B576F17A";
	invalid(&p, "(R5, S6)");
	p.token = "abc";
	invalid(&p, "token 'abc...' (3 bytes)");
}

static void test_R6_user_pass(void **state)
{
	struct req_params p = fixed();
	struct err e;

	(void)state;
	p.user = "user-1_A";
	invalid(&p, "user given alone (R6)");
	p.user = NULL;
	p.pass = "secret";
	invalid(&p, "pass given alone (R6)");
	p.user = "abcdefghijklmnopqrstuvwxyz0123456";
	invalid(&p, "user 'abcdefghijklmnopqrstuvwxyz0123456'");
	p.user = "u";
	p.pass = "se cret-word";
	assert_int_equal(req_validate(&p, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "pass (12 bytes)"));
	assert_null(strstr(e.msg, "cret")); /* never printed */
	p.pass = "s3cr3t_-";
	valid(&p);
}

/* The query in the spec's order, commas literal, user/pass last. */
static void test_R1_R7_query_order(void **state)
{
	struct req_params p = fixed();
	bool creds = false;

	(void)state;
	p.token = TOKEN;
	p.user = "u1";
	p.pass = "p1";
	assert_string_equal(query(&p, BASE, true, &creds),
			    "vendorid=acde48-v6pc_swg_hgw&product=V6MIG-ROUTER&version=0_00"
			    "&capability=map_e,dslite,lw4o6,hubspoke&token=" TOKEN
			    "&user=u1&pass=p1");
	assert_true(creds);
}

static bool sends(struct req_params *p, const char *base, bool verify)
{
	bool creds = true;
	const char *q = query(p, base, verify, &creds);

	/* Both or neither, whatever the decision. */
	assert_int_equal(strstr(q, "&user=") != NULL, creds);
	assert_int_equal(strstr(q, "&pass=") != NULL, creds);
	return creds;
}

static void test_R7_server_name(void **state)
{
	struct req_params p = fixed();

	(void)state;
	p.user = "u1";
	p.pass = "p1";
	p.server_name = "vne.example.jp";
	assert_true(sends(&p, "https://vne.example.jp/rule.cgi", true));
	assert_true(sends(&p, "https://VNE.Example.JP:8443/rule.cgi", true));
	assert_false(sends(&p, "https://vne.example.jp/rule.cgi", false));
	assert_false(sends(&p, "http://vne.example.jp/rule.cgi", false));
	assert_false(sends(&p, "https://other.example.jp/rule.cgi", true));
	assert_false(sends(&p, "https://vne.example.jp.evil.example/", true));
	assert_false(sends(&p, "https://evil.example/?h=vne.example.jp", true));
	assert_false(sends(&p, "https://[2001:db8::1]/", true));
	p.server_name = "2001:db8::1";
	assert_true(sends(&p, "https://[2001:0db8:0::1]/", true));
	p.server_name = "vne.example.jp:443";
	invalid(&p, "server name 'vne.example.jp:443'");
}

static void test_R7_without_server_name(void **state)
{
	struct req_params p = fixed();

	(void)state;
	p.user = "u1";
	p.pass = "p1";
	/* Never in the clear, whatever host the TXT record names. */
	assert_false(sends(&p, "http://prov.example.jp/", false));
	assert_true(sends(&p, "https://other.example.jp/", false));
	assert_true(sends(&p, "https://other.example.jp/", true));
}

/* R8: the URL's own query kept, ours appended with '&', and a URL that
 * already names one of ours (a Location echoing the request) never makes
 * it twice, nor carries user/pass where R7 forbids them. */
static void test_R8_existing_query(void **state)
{
	struct req_params p = fixed();
	const char *q;

	(void)state;
	assert_non_null(strstr(query(&p, "https://a.example/c?site=7", true, NULL),
			       "site=7&vendorid=acde48-v6pc_swg_hgw&product="));
	p.user = "u1";
	p.pass = "p1";
	p.server_name = "a.example";
	q = query(&p, "https://b.example/c?user=u1&pass=p1&vendorid=x&z=1", true, NULL);
	assert_string_equal(q, "z=1&vendorid=acde48-v6pc_swg_hgw&product=V6MIG-ROUTER"
			    "&version=0_00&capability=map_e,dslite,lw4o6,hubspoke");
}

static void test_build_refuses_before_sending(void **state)
{
	struct req_params p = fixed();
	char out[URL_MAX] = "untouched";
	struct err e;

	(void)state;
	p.version = "1.0";
	assert_int_equal(req_build(&p, BASE, true, out, sizeof(out), NULL, &e), -EINVAL);
	assert_string_equal(out, "untouched");
	p.version = "1_0";
	assert_int_equal(req_build(&p, "ftp://a.example/", true, out, sizeof(out),
				   NULL, &e), -EINVAL);
	assert_string_equal(out, "untouched");
}

static void test_redact(void **state)
{
	char buf[URL_MAX], small[40];

	(void)state;
	assert_string_equal(req_redact("https://a.example/c?vendorid=x&token=" TOKEN
				       "&user=u1&pass=s3cr3t", buf, sizeof(buf)),
			    "https://a.example/c?vendorid=x&token=64075696...&user=u1&pass=***");
	assert_string_equal(req_redact("https://a.example/c", buf, sizeof(buf)),
			    "https://a.example/c");
	assert_string_equal(req_redact("https://a.example/c?password=1&pass=", buf,
				       sizeof(buf)),
			    "https://a.example/c?password=1&pass=***");
	req_redact("https://a.example/c?x=1&pass=s3cr3t&token=" TOKEN, small, sizeof(small));
	assert_null(strstr(small, "s3cr"));
	assert_true(strlen(small) < sizeof(small));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_R1_vendorid),
		cmocka_unit_test(test_R2_product),
		cmocka_unit_test(test_R3_version),
		cmocka_unit_test(test_R4_capability),
		cmocka_unit_test(test_R4_capability_from_build),
		cmocka_unit_test(test_R5_token),
		cmocka_unit_test(test_R6_user_pass),
		cmocka_unit_test(test_R1_R7_query_order),
		cmocka_unit_test(test_R7_server_name),
		cmocka_unit_test(test_R7_without_server_name),
		cmocka_unit_test(test_R8_existing_query),
		cmocka_unit_test(test_build_refuses_before_sending),
		cmocka_unit_test(test_redact),
	};

	return cmocka_run_group_tests_name("request", tests, NULL, NULL);
}
