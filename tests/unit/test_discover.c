/* SPDX-License-Identifier: MIT */
/* Discovery without a network: the resolver syntax (D1) and the classes
 * a c-ares outcome maps to (Q2, Q3). The lookups themselves run against
 * dnsmasq in tests/ns/test_probe.sh. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ares.h>
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "../../agent/discover.h"

static void resolver_ok(const char *s, int family, unsigned port)
{
	struct sockaddr_storage ss;
	struct err e = { "" };

	if (dns_parse_resolver(s, &ss, &e) != 0)
		fail_msg("'%s' refused: %s", s, e.msg);
	assert_int_equal(ss.ss_family, family);
	if (family == AF_INET6)
		assert_int_equal(ntohs(((struct sockaddr_in6 *)&ss)->sin6_port), port);
	else
		assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), port);
}

static void resolver_bad(const char *s, const char *want)
{
	struct sockaddr_storage ss;
	struct err e = { "" };

	memset(&ss, 0x77, sizeof(ss));
	assert_int_equal(dns_parse_resolver(s, &ss, &e), -EINVAL);
	if (!strstr(e.msg, want))
		fail_msg("'%s': message '%s' lacks '%s'", s, e.msg, want);
	assert_int_equal(((unsigned char *)&ss)[0], 0x77);
}

static void test_D1_resolver_syntax(void **state)
{
	(void)state;
	resolver_ok("2001:db8::53", AF_INET6, 53);
	resolver_ok("2001:db8::53#5353", AF_INET6, 5353);
	resolver_ok("192.0.2.53", AF_INET, 53);
	resolver_ok("192.0.2.53#65535", AF_INET, 65535);
	resolver_bad("[2001:db8::53]:53", "not an IP address");
	resolver_bad("2001:db8::53#", "bad port");
	resolver_bad("2001:db8::53#0", "bad port");
	resolver_bad("2001:db8::53#053", "bad port");
	resolver_bad("2001:db8::53#65536", "bad port");
	resolver_bad("2001:db8::53#53x", "bad port");
	resolver_bad("dns.example", "not an IP address");
	resolver_bad("", "not ADDR[#PORT]");
	resolver_bad("#53", "not ADDR[#PORT]");
}

static void test_Q2_Q3_classes(void **state)
{
	(void)state;
	assert_int_equal(discover_class(ARES_SUCCESS), HB_OK);
	assert_int_equal(discover_class(ARES_ENOTFOUND), HB_NOT_PROVISIONED);
	assert_int_equal(discover_class(ARES_ENODATA), HB_NOT_PROVISIONED);
	assert_int_equal(discover_class(ARES_ETIMEOUT), HB_DNS_FAILURE);
	assert_int_equal(discover_class(ARES_ESERVFAIL), HB_DNS_FAILURE);
	assert_int_equal(discover_class(ARES_EREFUSED), HB_DNS_FAILURE);
	assert_int_equal(discover_class(ARES_ECONNREFUSED), HB_DNS_FAILURE);
	assert_int_equal(discover_class(ARES_EBADRESP), HB_DNS_FAILURE);
}

/* A channel with bad resolvers is refused before any query. */
static void test_D1_dns_new_refuses(void **state)
{
	const char *bad[] = { "2001:db8::53", "resolver.example" };
	struct dns_opts o = { .resolvers = bad, .n_resolvers = 2 };
	struct loop *l = loop_new();
	struct dns *d = NULL;
	struct err e = { "" };

	(void)state;
	assert_non_null(l);
	assert_int_equal(dns_new(&d, l, &o, &e), -EINVAL);
	assert_null(d);
	assert_non_null(strstr(e.msg, "resolver.example"));
	o.n_resolvers = 1;
	assert_int_equal(dns_new(&d, l, &o, &e), 0);
	dns_free(d);
	loop_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_D1_resolver_syntax),
		cmocka_unit_test(test_Q2_Q3_classes),
		cmocka_unit_test(test_D1_dns_new_refuses),
	};

	return cmocka_run_group_tests_name("discover", tests, NULL, NULL);
}
