/* SPDX-License-Identifier: MIT */
/* What the tests of HB46PP data (test_prov*.c, test_hb12.c, test_store.c,
 * test_sequence_*.c) share. */
#ifndef V6MIG_TEST_PROV_UTIL_H
#define V6MIG_TEST_PROV_UTIL_H

#include "../../agent/prov.h"

#define TOKEN "640756965820d3b9025b6941f9590af6802830ba58663fe8f043dc92b576f17a"

/* tests/fuzz/corpus/prov/NAME, whole; the caller frees it. */
char *slurp_fixture(const char *name);
/* Accepted (a refusal prints its message and fails). */
void parse_ok(const char *json, struct prov *p, struct err *warn);
void fixture(const char *name, struct prov *p, struct err *warn);
/* Accepted, by value: for a test that hands it on (the caller owns it). */
struct prov mk_prov(const char *json);
/* Refused, with exactly this message; and the output untouched. */
void refuse(const char *json, const char *msg);
/* parse(to_json(p)) == p, and printing is stable. */
void roundtrip(const struct prov *p);
/* asprintf that fails the test instead of returning NULL; caller frees. */
char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
const char *a6(const struct in6_addr *a, char *b);

#endif
