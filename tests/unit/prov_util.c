/* SPDX-License-Identifier: MIT */
/* What the HB46PP validation tests (test_prov*.c) share: fixtures, the
 * accept/refuse checks and the round trip. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prov_util.h"

char *slurp_fixture(const char *name)
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

void parse_ok(const char *json, struct prov *p, struct err *warn)
{
	struct err e = { "" };
	int rc = prov_parse(json, strlen(json), p, &e, warn);

	if (rc != 0)
		print_error("unexpected refusal: %s\n", e.msg);
	assert_int_equal(rc, 0);
}

void fixture(const char *name, struct prov *p, struct err *warn)
{
	char *json = slurp_fixture(name);

	parse_ok(json, p, warn);
	free(json);
}

struct prov mk_prov(const char *json)
{
	struct prov p;
	struct err e;

	if (prov_parse(json, strlen(json), &p, &e, NULL) != 0)
		fail_msg("fixture refused: %s", e.msg);
	return p;
}

/* Refused, with exactly this message; and the output untouched. */
void refuse(const char *json, const char *msg)
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
void roundtrip(const struct prov *p)
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

char *fmt(const char *f, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, f);
	assert_true(vasprintf(&s, f, ap) >= 0);
	va_end(ap);
	return s;
}

const char *a6(const struct in6_addr *a, char *b)
{
	return v6addr_str(a, b);
}

