/* SPDX-License-Identifier: MIT */
/* The HB46PP discovery record (3.1, D2-D5): "v=v6mig-1 url=URL t=a|b".
 * Pure: the caller (discover.c) hands over the TXT RRset, each record's
 * character-strings already joined with nothing between them. */
#ifndef V6MIG_TXT_H
#define V6MIG_TXT_H

#include <stdbool.h>
#include <stddef.h>

#include "../tunnels/err.h"
#include "url.h"

#define TXT_RECORD_MAX 4096 /* longer records are malformed, not cut */
#define TXT_VERSION "v6mig-1"

struct txt_result {
	char url[URL_MAX];
	bool verify; /* t=b: verify the certificate (D4) */
};

/* One record. Fields in any order, separated by one or more spaces;
 * unknown fields are ignored; `url` is split at its first '=' only.
 * Malformed (a token without '=', a byte outside printable ASCII),
 * v other than v6mig-1, url or t missing or repeated, t not a/b, url not
 * http(s) (url_parse), http with t=b: -EINVAL, e names the record and
 * the reason, out untouched. */
int txt_parse_record(const char *rec, size_t len, struct txt_result *out,
		     struct err *e);

/* The RRset: exactly one record, and it must parse (D5: none or several
 * records count as no record). */
int txt_select(const char *const *recs, const size_t *lens, size_t n,
	       struct txt_result *out, struct err *e);

/* The record for a message: text_escape() with the backslash escaped
 * too, cut at size-1 with "..." when long. Returns buf. */
char *txt_printable(const char *rec, size_t len, char *buf, size_t size);

#endif
