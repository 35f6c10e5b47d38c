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
#include <stdlib.h>
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

/* ---- every outcome through the loop (c-ares may answer inside
 * ares_query: no route to the resolver, a bad name) ---------------------- */

struct seen {
	int txt, aaaa;
	struct discover_result r;
	struct dns_aaaa_result a;
};

static void on_txt(void *arg, const struct discover_result *r)
{
	struct seen *s = arg;

	s->txt++;
	s->r = *r;
}

static void on_aaaa(void *arg, const struct dns_aaaa_result *r)
{
	struct seen *s = arg;

	s->aaaa++;
	s->a = *r;
}

/* A channel whose only resolver cannot be reached at all: a link-local
 * address without a scope (connect() says EINVAL at once). */
static struct dns *unreachable_dns(struct loop *l)
{
	const char *ll[] = { "fe80::1" };
	struct dns_opts o = { .resolvers = ll, .n_resolvers = 1 };
	struct dns *d = NULL;
	struct err e = { "" };

	assert_int_equal(dns_new(&d, l, &o, &e), 0);
	return d;
}

static void turn(struct loop *l)
{
	for (int i = 0; i < 10; i++)
		assert_true(loop_run_once(l, 100) >= 0);
}

/* One TXT and one AAAA query that cannot be sent. */
static void start_both(struct dns *d, struct seen *s, struct dns_query **q,
		       struct dns_query **qa)
{
	memset(s, 0, sizeof(*s));
	*q = discover_start(d, "4over6.example", on_txt, s);
	*qa = dns_resolve_aaaa(d, "aftr.example", on_aaaa, s);
	assert_non_null(*q);
	assert_non_null(*qa);
}

/* cmocka state: a loop and a channel that cannot send. */
struct chan {
	struct loop *l;
	struct dns *d;
};

static int chan_setup(void **state)
{
	struct chan *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	c->l = loop_new();
	assert_non_null(c->l);
	c->d = unreachable_dns(c->l);
	*state = c;
	return 0;
}

static int chan_teardown(void **state)
{
	struct chan *c = *state;

	dns_free(c->d);
	loop_free(c->l);
	free(c);
	return 0;
}

static void test_D1_unsendable_reported_from_the_loop(void **state)
{
	struct chan *c = *state;
	struct seen s;
	struct dns_query *q, *qa;

	start_both(c->d, &s, &q, &qa);
	/* Nothing is reported from inside the start functions. */
	assert_int_equal(s.txt + s.aaaa, 0);
	turn(c->l);
	assert_int_equal(s.txt, 1);
	assert_int_equal(s.aaaa, 1);
	assert_int_equal(s.r.cls, HB_DNS_FAILURE);
	assert_int_equal(s.a.status, -EIO);
	/* The real cause, not only "could not contact". */
	if (!strstr(s.r.err.msg, "fe80::1#53: Invalid argument"))
		fail_msg("message: %s", s.r.err.msg);
}

/* The caller keeps the query and cancels it later, as daemon_hb.c and
 * fetch.c do: with the callback run (and the query freed) inside
 * discover_start, this wrote through a freed pointer (ASan). */
static void test_D1_cancel_after_unsendable_start(void **state)
{
	struct chan *c = *state;
	struct seen s;
	struct dns_query *q, *qa;

	start_both(c->d, &s, &q, &qa);
	dns_cancel(q);
	dns_cancel(qa);
	turn(c->l);
	assert_int_equal(s.txt + s.aaaa, 0);
	/* And one left pending when the channel goes: freed, not reported. */
	q = discover_start(c->d, "4over6.example", on_txt, &s);
	assert_non_null(q);
	dns_free(c->d);
	c->d = NULL;
	assert_int_equal(s.txt, 0);
}

/* A label over 63 bytes (c-ares: EBADNAME inside ares_query) and other
 * non-names are refused before c-ares, through the loop as well. */
static void test_Q1_bad_name_reported(void **state)
{
	const char *bad[] = { "a.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.example",
			      "a..example", "a\033[31m.example", "" };
	struct loop *l = loop_new();
	struct dns *d = unreachable_dns(l);

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct seen s;
		struct dns_query *q;

		memset(&s, 0, sizeof(s));
		q = discover_start(d, bad[i], on_txt, &s);
		assert_non_null(q);
		assert_int_equal(s.txt, 0);
		turn(l);
		assert_int_equal(s.txt, 1);
		assert_int_equal(s.r.cls, HB_DNS_FAILURE);
		if (!strstr(s.r.err.msg, "not a DNS name"))
			fail_msg("'%s': %s", bad[i], s.r.err.msg);
		/* Never raw: the ESC shows escaped. */
		assert_null(strchr(s.r.err.msg, '\033'));
		memset(&s, 0, sizeof(s));
		q = dns_resolve_aaaa(d, bad[i], on_aaaa, &s);
		dns_cancel(q);
		turn(l);
		assert_int_equal(s.aaaa, 0);
	}
	dns_free(d);
	loop_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_D1_resolver_syntax),
		cmocka_unit_test(test_Q2_Q3_classes),
		cmocka_unit_test(test_D1_dns_new_refuses),
		cmocka_unit_test_setup_teardown(test_D1_unsendable_reported_from_the_loop,
						chan_setup, chan_teardown),
		cmocka_unit_test_setup_teardown(test_D1_cancel_after_unsendable_start,
						chan_setup, chan_teardown),
		cmocka_unit_test(test_Q1_bad_name_reported),
	};

	return cmocka_run_group_tests_name("discover", tests, NULL, NULL);
}
