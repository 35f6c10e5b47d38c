/* SPDX-License-Identifier: MIT */
/* The HB46PP discovery record, HB46PP 3.1: clauses D2-D5. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../../agent/txt.h"

static int parse(const char *rec, struct txt_result *r, struct err *e)
{
	return txt_parse_record(rec, strlen(rec), r, e);
}

static void ok_rec(const char *rec, const char *url, bool verify)
{
	struct txt_result r;
	struct err e = { "" };

	if (parse(rec, &r, &e) != 0)
		fail_msg("refused \"%s\": %s", rec, e.msg);
	assert_string_equal(r.url, url);
	assert_int_equal(r.verify, verify);
}

/* Refused, with out untouched and a message naming the record and want. */
static void refuse(const char *rec, size_t len, const char *want)
{
	struct txt_result r;
	struct err e = { "" };

	memset(&r, 0xa5, sizeof(r));
	assert_int_equal(txt_parse_record(rec, len, &r, &e), -EINVAL);
	if (!strstr(e.msg, want))
		fail_msg("message '%s' lacks '%s'", e.msg, want);
	assert_non_null(strstr(e.msg, "TXT record"));
	for (size_t i = 0; i < sizeof(r); i++)
		assert_int_equal(((unsigned char *)&r)[i], 0xa5);
}

static void refuse_s(const char *rec, const char *want)
{
	refuse(rec, strlen(rec), want);
}

static void test_D2_the_spec_example(void **state)
{
	(void)state;
	ok_rec("v=v6mig-1 url=https://vne.example.jp/rule.cgi t=b",
	       "https://vne.example.jp/rule.cgi", true);
	/* transix and v6 connect as seen in the field (real-responses.md). */
	ok_rec("v=v6mig-1 url=https://setup46.transix.jp/config t=b",
	       "https://setup46.transix.jp/config", true);
	ok_rec("v=v6mig-1 url=https://prod.v6mig.v6connect.net/cpe/v1/config t=b",
	       "https://prod.v6mig.v6connect.net/cpe/v1/config", true);
}

static void test_D2_fields_in_any_order(void **state)
{
	(void)state;
	ok_rec("t=b url=https://a.example/x v=v6mig-1", "https://a.example/x", true);
	ok_rec("url=https://a.example/x v=v6mig-1 t=a", "https://a.example/x", false);
}

static void test_D2_extra_spaces_tolerated(void **state)
{
	(void)state;
	ok_rec("  v=v6mig-1    url=https://a.example/x  t=b   ",
	       "https://a.example/x", true);
}

static void test_D2_url_may_contain_equals(void **state)
{
	(void)state;
	ok_rec("v=v6mig-1 url=https://a.example/c?x=1&y==2 t=b",
	       "https://a.example/c?x=1&y==2", true);
}

static void test_D2_unknown_fields_ignored(void **state)
{
	(void)state;
	ok_rec("v=v6mig-1 x-vendor=7 url=https://a.example/ t=b foo=",
	       "https://a.example/", true);
	/* An unknown field may repeat; a known one may not (below). */
	ok_rec("v=v6mig-1 z=1 z=2 url=https://a.example/ t=b",
	       "https://a.example/", true);
}

/* The joined character-strings of one record: a split inside the URL. */
static void test_D2_joined_strings(void **state)
{
	const char *joined = "v=v6mig-1 url=https://a.exa" "mple/long/path t=b";
	const char *recs[] = { joined };
	size_t lens[] = { strlen(joined) };
	struct txt_result r;

	(void)state;
	assert_int_equal(txt_select(recs, lens, 1, &r, NULL), 0);
	assert_string_equal(r.url, "https://a.example/long/path");
}

static void test_D2_url_literals_and_port(void **state)
{
	(void)state;
	ok_rec("v=v6mig-1 url=https://[2001:db8::1]:8443/c t=b",
	       "https://[2001:db8::1]:8443/c", true);
	/* An IPv4 literal is a valid URL; fetch refuses it (T2). */
	ok_rec("v=v6mig-1 url=http://192.0.2.1/ t=a", "http://192.0.2.1/", false);
}

static void test_D3_other_version(void **state)
{
	(void)state;
	refuse_s("v=v6mig-2 url=https://a.example/ t=b", "v is 'v6mig-2', not v6mig-1");
	refuse_s("v=V6MIG-1 url=https://a.example/ t=b", "not v6mig-1");
	refuse_s("v= url=https://a.example/ t=b", "not v6mig-1");
	/* Keys are case-sensitive: V= is an unknown field, v is missing. */
	refuse_s("V=v6mig-1 url=https://a.example/ t=b", "field 'v' missing");
}

static void test_D4_http_needs_t_a(void **state)
{
	(void)state;
	ok_rec("v=v6mig-1 url=http://prov.isp.example.jp/ t=a",
	       "http://prov.isp.example.jp/", false);
	refuse_s("v=v6mig-1 url=http://a.example/ t=b", "http URL with t=b");
}

static void test_D4_t_is_a_or_b(void **state)
{
	(void)state;
	refuse_s("v=v6mig-1 url=https://a.example/ t=c", "t is 'c'");
	refuse_s("v=v6mig-1 url=https://a.example/ t=B", "t is 'B'");
	refuse_s("v=v6mig-1 url=https://a.example/ t=", "t is ''");
	refuse_s("v=v6mig-1 url=https://a.example/ t=bb", "t is 'bb'");
}

static void test_D4_scheme_http_or_https(void **state)
{
	(void)state;
	refuse_s("v=v6mig-1 url=ftp://a.example/ t=a", "scheme");
	refuse_s("v=v6mig-1 url=file:///etc/passwd t=a", "scheme");
	refuse_s("v=v6mig-1 url=a.example/config t=a", "scheme");
	refuse_s("v=v6mig-1 url=https:/a.example/ t=b", "scheme");
	refuse_s("v=v6mig-1 url= t=b", "empty URL");
}

static void test_D4_url_bytes(void **state)
{
	static const char nul[] = "v=v6mig-1 url=https://a.example/\0x t=b";

	(void)state;
	/* A space ends the url: the rest is a token without '='. */
	refuse_s("v=v6mig-1 url=https://a.example/a b t=b", "not key=value");
	refuse_s("v=v6mig-1 url=https://a.example/a\tb t=b", "0x09");
	refuse_s("v=v6mig-1 url=https://a.example/\x7f t=b", "0x7f");
	refuse_s("v=v6mig-1 url=https://\xe4\xbe\x8b.jp/ t=b", "0xe4");
	refuse(nul, sizeof(nul) - 1, "0x00");
	refuse_s("v=v6mig-1 url=https://user:pw@a.example/ t=b", "user info");
	refuse_s("v=v6mig-1 url=https://a..example/ t=b", "bad host name");
	refuse_s("v=v6mig-1 url=https://[fe80::1%25eth0]/ t=b", "zone ID");
	refuse_s("v=v6mig-1 url=https://a.example:0/ t=b", "");
}

static void test_D5_missing_field(void **state)
{
	(void)state;
	refuse_s("v=v6mig-1 t=b", "field 'url' missing");
	refuse_s("v=v6mig-1 url=https://a.example/", "field 't' missing");
	refuse_s("url=https://a.example/ t=b", "field 'v' missing");
	refuse_s("", "field 'v' missing");
	refuse_s("    ", "field 'v' missing");
}

static void test_D5_duplicate_field(void **state)
{
	(void)state;
	refuse_s("v=v6mig-1 url=https://a.example/ t=b t=b", "'t' appears twice");
	refuse_s("v=v6mig-1 v=v6mig-1 url=https://a.example/ t=b", "'v' appears twice");
	refuse_s("v=v6mig-1 url=https://a.example/ url=https://b.example/ t=b",
		 "'url' appears twice");
}

static void test_D5_malformed(void **state)
{
	char big[TXT_RECORD_MAX + 64];

	(void)state;
	refuse_s("v=v6mig-1 url=https://a.example/ t=b junk", "'junk' is not key=value");
	refuse_s("v=v6mig-1 =x url=https://a.example/ t=b", "'=x' is not key=value");
	memset(big, 'x', sizeof(big));
	memcpy(big, "v=v6mig-1 t=b url=https://a.example/", 36);
	refuse(big, sizeof(big), "bytes");
}

static void test_D5_record_count(void **state)
{
	const char *good = "v=v6mig-1 url=https://a.example/ t=b";
	const char *recs[] = { good, good };
	size_t lens[] = { strlen(good), strlen(good) };
	struct txt_result r;
	struct err e;

	(void)state;
	assert_int_equal(txt_select(recs, lens, 0, &r, &e), -ENOENT);
	assert_non_null(strstr(e.msg, "no TXT record"));
	/* Two records, even two identical valid ones, are no record. */
	assert_int_equal(txt_select(recs, lens, 2, &r, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "2 TXT records"));
	assert_int_equal(txt_select(recs, lens, 1, &r, &e), 0);
	assert_true(r.verify);
}

static void test_printable(void **state)
{
	char buf[16];

	(void)state;
	assert_string_equal(txt_printable("a\x01\\", 3, buf, sizeof(buf)),
			    "a\\x01\\x5c");
	assert_string_equal(txt_printable("0123456789abcdefghij", 20, buf,
					  sizeof(buf)), "0123456789ab...");
	assert_int_equal(strlen(txt_printable("\x01\x02\x03\x04", 4, buf, 9)), 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_D2_the_spec_example),
		cmocka_unit_test(test_D2_fields_in_any_order),
		cmocka_unit_test(test_D2_extra_spaces_tolerated),
		cmocka_unit_test(test_D2_url_may_contain_equals),
		cmocka_unit_test(test_D2_unknown_fields_ignored),
		cmocka_unit_test(test_D2_joined_strings),
		cmocka_unit_test(test_D2_url_literals_and_port),
		cmocka_unit_test(test_D3_other_version),
		cmocka_unit_test(test_D4_http_needs_t_a),
		cmocka_unit_test(test_D4_t_is_a_or_b),
		cmocka_unit_test(test_D4_scheme_http_or_https),
		cmocka_unit_test(test_D4_url_bytes),
		cmocka_unit_test(test_D5_missing_field),
		cmocka_unit_test(test_D5_duplicate_field),
		cmocka_unit_test(test_D5_malformed),
		cmocka_unit_test(test_D5_record_count),
		cmocka_unit_test(test_printable),
	};

	return cmocka_run_group_tests_name("txt", tests, NULL, NULL);
}
