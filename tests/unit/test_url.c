/* SPDX-License-Identifier: MIT */
/* Provisioning URLs: parsing (D4, T2), 307 Location resolution (S1) and
 * the query rewrite behind R1-R8. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../../agent/dnsname.h"
#include "../../agent/url.h"

static void parses(const char *s, bool https, const char *host, unsigned port)
{
	struct url u;
	struct err e = { "" };

	if (url_parse(s, &u, &e) != 0)
		fail_msg("refused '%s': %s", s, e.msg);
	assert_int_equal(u.https, https);
	assert_string_equal(u.host, host);
	assert_int_equal(u.port, port);
}

static void refused(const char *s, const char *want)
{
	struct url u;
	struct err e = { "" };

	memset(&u, 0x5a, sizeof(u));
	assert_int_equal(url_parse(s, &u, &e), -EINVAL);
	if (!strstr(e.msg, want))
		fail_msg("'%s': message '%s' lacks '%s'", s, e.msg, want);
	assert_int_equal(((unsigned char *)&u)[0], 0x5a);
}

static void test_parse(void **state)
{
	struct url u;

	(void)state;
	parses("https://vne.example.jp/rule.cgi", true, "vne.example.jp", 443);
	parses("http://prov.isp.example.jp/", false, "prov.isp.example.jp", 80);
	parses("HTTPS://Vne.Example.JP:8443/x?a=b", true, "Vne.Example.JP", 8443);
	assert_int_equal(url_parse("https://[2001:db8::1]/c", &u, NULL), 0);
	assert_true(u.host_is_v6);
	assert_false(u.host_is_v4);
	assert_string_equal(u.host, "2001:db8::1");
	/* T2: an IPv4 literal parses, flagged, so fetch can refuse it. */
	assert_int_equal(url_parse("http://192.0.2.1:8080/", &u, NULL), 0);
	assert_true(u.host_is_v4);
	assert_int_equal(url_parse("https://prov.example/", &u, NULL), 0);
	assert_false(u.host_is_v4 || u.host_is_v6);
}

static void test_parse_refused(void **state)
{
	(void)state;
	refused("ftp://a.example/", "scheme");
	refused("https:/a.example/", "scheme");
	refused("https:///a.example/", "scheme");
	refused("https://a.example/ x", "a space");
	refused("https://u@a.example/", "user info");
	refused("https://a.example:65536/", "does not parse");
	refused("https://-", "bad host name");
	refused("https://a-.example/", "bad host name");
	refused("", "empty URL");
}

static void resolves(const char *base, const char *ref, const char *want)
{
	char out[URL_MAX];
	struct err e = { "" };

	if (url_resolve(base, ref, out, sizeof(out), &e) != 0)
		fail_msg("'%s' + '%s' refused: %s", base, ref, e.msg);
	assert_string_equal(out, want);
}

/* S1: 307 with an absolute or a relative Location (RFC 3986 5.2). */
static void test_S1_location_resolution(void **state)
{
	char out[URL_MAX];
	struct err e;

	(void)state;
	resolves("https://a.example/cpe/v1/config?x=1", "/other",
		 "https://a.example/other");
	resolves("https://a.example/cpe/v1/config", "next?y=2",
		 "https://a.example/cpe/v1/next?y=2");
	resolves("https://a.example/cpe/v1/config", "../v2/config",
		 "https://a.example/cpe/v2/config");
	resolves("https://a.example/cpe/v1/config", "//b.example/c",
		 "https://b.example/c");
	resolves("https://a.example/c", "http://b.example:8080/d",
		 "http://b.example:8080/d");
	resolves("https://a.example/c", "/d?u=http://x", "https://a.example/d?u=http://x");
	assert_int_equal(url_resolve("https://a.example/c", "ftp://b.example/",
				     out, sizeof(out), &e), -EINVAL);
	assert_int_equal(url_resolve("https://a.example/c", "javascript:x",
				     out, sizeof(out), &e), -EINVAL);
	assert_int_equal(url_resolve("https://a.example/c", "/a b", out,
				     sizeof(out), &e), -EINVAL);
	assert_int_equal(url_resolve("https://a.example/c", "https://u:p@b.example/",
				     out, sizeof(out), &e), -EINVAL);
	assert_int_equal(url_resolve("https://a.example/c", "/d", out, 10, &e),
			 -ENAMETOOLONG);
}

static const char *const ours[] = { "vendorid", "token", "pass", NULL };

static void queried(const char *base, const char *add, const char *want)
{
	char out[URL_MAX];
	struct err e = { "" };

	if (url_set_query(base, ours, add, out, sizeof(out), &e) != 0)
		fail_msg("'%s' refused: %s", base, e.msg);
	assert_string_equal(out, want);
}

/* R8 and the query order: our parameters after the URL's own, '&' when
 * it already has a query, commas literal, our names never twice. */
static void test_R8_query_append(void **state)
{
	(void)state;
	queried("https://a.example/config", "vendorid=acde48&capability=map_e,dslite",
		"https://a.example/config?vendorid=acde48&capability=map_e,dslite");
	queried("https://a.example/config?site=7", "vendorid=acde48",
		"https://a.example/config?site=7&vendorid=acde48");
	queried("https://a.example/c?vendorid=old&site=7&pass=leak&tokenx=1",
		"vendorid=acde48",
		"https://a.example/c?site=7&tokenx=1&vendorid=acde48");
	queried("https://a.example/c#frag", "a=1", "https://a.example/c?a=1");
	queried("https://a.example/c?pass", "", "https://a.example/c");
	queried("https://a.example/c?&&x=1&", "a=1", "https://a.example/c?x=1&a=1");
}

static void test_hostname(void **state)
{
	char long_label[80];

	(void)state;
	assert_true(dns_name_valid("vne.example.jp", false));
	assert_true(dns_name_valid("a_b-c.example.", true));
	assert_false(dns_name_valid("a_b-c.example.", false)); /* RFC 1123 */
	assert_true(dns_name_valid("aftr.example.", false));
	assert_false(dns_name_valid("vne.example.jp:443", true));
	assert_false(dns_name_valid(".example", true));
	assert_false(dns_name_valid("a..b", true));
	assert_false(dns_name_valid("-a.example", true));
	assert_false(dns_name_valid("a-.example", true));
	assert_false(dns_name_valid("", true));
	assert_false(dns_name_valid(".", true));
	memset(long_label, 'a', 64);
	long_label[64] = '\0';
	assert_false(dns_name_valid(long_label, true));
	long_label[63] = '\0';
	assert_true(dns_name_valid(long_label, true));
	assert_true(url_host_equal("VNE.example.JP", "vne.EXAMPLE.jp"));
	assert_false(url_host_equal("vne.example.jp", "vne.example.jp.evil"));
}

/* A 256- or 257-byte host (curl hands over up to URL_HOST_MAX + 1 bytes)
 * was copied whole into the 256-byte host field before the name check:
 * refused now, by its length, before any copy. */
static void test_long_host_refused_before_copy(void **state)
{
	char url[400], lbl[64];
	struct url u;
	struct err e = { "" };

	(void)state;
	memset(lbl, 'a', 62);
	lbl[62] = '\0';
	for (size_t len = 254; len <= 258; len++) {
		size_t n = (size_t)snprintf(url, sizeof(url), "https://");

		/* labels of 62 and dots up to len bytes of host */
		for (size_t h = 0; h < len; ) {
			size_t k = len - h > 63 ? 62 : len - h;

			if (h && k > 1) {
				url[n++] = '.';
				h++;
				k--;
			}
			memcpy(url + n, lbl, k);
			n += k;
			h += k;
		}
		snprintf(url + n, sizeof(url) - n, "/x");
		memset(&u, 0x5a, sizeof(u));
		assert_int_equal(url_parse(url, &u, &e), -EINVAL);
		if (len >= URL_HOST_MAX && len <= URL_HOST_MAX + 1 &&
		    !strstr(e.msg, "host longer than 255 bytes"))
			fail_msg("host of %zu bytes: %s", len, e.msg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_refused),
		cmocka_unit_test(test_S1_location_resolution),
		cmocka_unit_test(test_R8_query_append),
		cmocka_unit_test(test_hostname),
		cmocka_unit_test(test_long_host_refused_before_copy),
	};

	return cmocka_run_group_tests_name("url", tests, NULL, NULL);
}
