/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the HB46PP TXT record parser (D2-D5) and the URL
 * checks behind it. The input is an RRset: records separated by '\n'
 * (each one also parsed alone). Invariants checked on every accepted
 * record: the URL parses again, is http(s), and t=b never comes with
 * http (D4). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../agent/txt.h"
#include "../../agent/url.h"

#define FUZZ_MAX_RECS 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_accepted(const struct txt_result *r)
{
	char out[URL_MAX];
	struct url u;

	if (url_parse(r->url, &u, NULL) != 0)
		abort();
	if (r->verify && !u.https)
		abort();
	/* A relative reference against it must give a URL that parses. */
	if (url_resolve(r->url, "../x?y=1", out, sizeof(out), NULL) == 0 &&
	    url_parse(out, &u, NULL) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *recs[FUZZ_MAX_RECS];
	size_t lens[FUZZ_MAX_RECS], n = 0, start = 0;
	struct txt_result r;
	struct err e;
	char show[64];

	for (size_t i = 0; i <= size && n < FUZZ_MAX_RECS; i++) {
		if (i < size && data[i] != '\n')
			continue;
		recs[n] = (const char *)data + start;
		lens[n] = i - start;
		if (txt_parse_record(recs[n], lens[n], &r, &e) == 0)
			check_accepted(&r);
		n++;
		start = i + 1;
	}
	if (txt_select(recs, lens, n, &r, &e) == 0) {
		if (n != 1)
			abort(); /* D5: exactly one record */
		check_accepted(&r);
	}
	txt_printable((const char *)data, size, show, sizeof(show));
	if (strlen(show) >= sizeof(show))
		abort();
	return 0;
}
