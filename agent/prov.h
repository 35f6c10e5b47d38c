/* SPDX-License-Identifier: MIT */
/* struct prov (tunnels/provdata.h): an HB46PP 1.1 provisioning answer
 * (3.4), parsed and validated. Every S-clause is checked in prov.c; what
 * comes out is typed and consistent, and owns no cJSON memory. */
#ifndef V6MIG_PROV_H
#define V6MIG_PROV_H

#include "../tunnels/provdata.h"

/* Parse and validate a JSON body. On failure out is untouched and e
 * names the bad key and value (class bad_answer). Warnings (a clamped
 * ttl, a number sent as a string) go to warn when not NULL; warn is
 * cleared first and several are joined with "; ".
 *
 * Choices where the spec is silent (docs/DESIGN.md, "Validation"):
 * - a key given twice in one object is refused (RFC 8259 4: the meaning
 *   is undefined, so no reading of it can be trusted);
 * - JSON null counts as the key being absent;
 * - `order` is required (3.4 does not mark it optional); `order: []` is
 *   valid (S2);
 * - an offer named in `order` that is missing or invalid refuses the
 *   whole answer; an invalid offer that `order` does not name is dropped
 *   with a warning (it would never be used);
 * - names refuse invalid UTF-8 and control characters;
 * - a body holding a NUL escape (backslash u0000) is refused (cJSON
 *   would silently cut the string there);
 * - tunnel end points (br, aftr, lwaftr, ipip) must be global-scope
 *   unicast: not ::, loopback, link-local, multicast or v4-mapped. */
int prov_parse(const char *json, size_t len, struct prov *out,
	       struct err *e, struct err *warn);
/* Free what p owns and zero it; NULL-safe, idempotent. */
void prov_done(struct prov *p);
/* Deep copy; dst must be done()'d by the caller. On failure (-ENOMEM)
 * dst is untouched. */
int prov_copy(struct prov *dst, const struct prov *src);
/* Same settings for method m? (Q6: change nothing if so.) Both without
 * an offer for m count as equal. MAP rules compare as a set. */
bool prov_method_equal(const struct prov *a, const struct prov *b,
		       enum method m);
/* Same data in every field (ttl_clamped, a note about the input, aside):
 * prov_equal(p, parse(prov_to_json(p))) holds. */
bool prov_equal(const struct prov *a, const struct prov *b);
/* Does p carry an offer for m? */
bool prov_has_offer(const struct prov *p, enum method m);
/* Is m in p's order? */
bool prov_in_order(const struct prov *p, enum method m);
/* "absent", "req", "bad", "ok". */
const char *prov_auth_name(enum prov_auth a);
/* The normalized JSON (keys as in the spec, in its order), malloc'd; NULL
 * on ENOMEM. */
char *prov_to_json(const struct prov *p, bool pretty);
/* The same as a cJSON tree, for callers that embed it (probe, cache). */
struct cJSON *prov_to_cjson(const struct prov *p);

#endif
