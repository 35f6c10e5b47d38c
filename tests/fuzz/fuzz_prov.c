/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the HB46PP JSON validator (prov_parse). Besides
 * "no crash, no leak, no UB" it checks what the validator promises:
 * - a refusal always says why;
 * - what it accepts prints (prov_to_json) to JSON that it accepts again,
 *   equal to the first parse, and prints the same way a second time;
 * - a deep copy is equal, method by method (Q6). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../agent/prov.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_accepted(const struct prov *p)
{
	struct prov q, c;
	struct err e;
	char *a, *b;

	a = prov_to_json(p, false);
	if (!a)
		abort();
	if (prov_parse(a, strlen(a), &q, &e, NULL) != 0)
		abort(); /* the normalized form must validate */
	if (!prov_equal(p, &q))
		abort();
	b = prov_to_json(&q, false);
	if (!b || strcmp(a, b) != 0)
		abort();
	if (prov_copy(&c, p) != 0 || !prov_equal(p, &c))
		abort();
	for (int m = 0; m < METHOD__COUNT; m++)
		if (!prov_method_equal(p, &c, (enum method)m))
			abort();
	free(a);
	free(b);
	prov_done(&q);
	prov_done(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct prov p;
	struct err e, w;

	if (size > 1024 * 1024) /* the fetch limit */
		return 0;
	e.msg[0] = '\0';
	if (prov_parse((const char *)data, size, &p, &e, &w) != 0) {
		if (!e.msg[0] || !memchr(e.msg, '\0', sizeof(e.msg)))
			abort(); /* every refusal names what it refused */
		return 0;
	}
	check_accepted(&p);
	prov_done(&p);
	return 0;
}
