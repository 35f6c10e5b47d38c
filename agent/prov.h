/* SPDX-License-Identifier: MIT */
/* struct prov: an HB46PP 1.1 provisioning answer (3.4), parsed and
 * validated. Every S-clause is checked in prov.c; what comes out is typed
 * and consistent, and owns no cJSON memory. */
#ifndef V6MIG_PROV_H
#define V6MIG_PROV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../tunnels/addr.h"
#include "../tunnels/err.h"
#include "../tunnels/map.h"
#include "../tunnels/method.h"

#define PROV_NAME_MAX 256      /* S4: bytes including the two quotes */
#define PROV_NAME_CONTENT_MAX (PROV_NAME_MAX - 2) /* 254 bytes of UTF-8 */
#define PROV_DNS_NAME_MAX 253  /* RFC 1035 2.3.4, in text form */
#define PROV_TTL_MAX 604800    /* S5 */
#define PROV_TOKEN_LEN 64      /* S6 */
#define PROV_MAP_T_MAX_RULES 200 /* S10 */
#define PROV_IPIP_MAX 16

enum prov_auth {
	PROV_AUTH_ABSENT, /* S7: no auth expected */
	PROV_AUTH_REQ,
	PROV_AUTH_BAD,
	PROV_AUTH_OK,
};

struct prov_map_e {
	bool present;
	int version;         /* 0 = draft-03 layout, 1 = RFC 7597 */
	bool mesh;
	struct in6_addr br;
	struct map_rule *rules;
	size_t n_rules;
};

struct prov_map_t {
	bool present;
	struct v6pfx dmr;
	struct map_rule *rules;
	size_t n_rules;
};

struct prov_dslite {
	bool present;
	char aftr[PROV_NAME_MAX]; /* a DNS name or an IPv6 literal (S11) */
	bool aftr_is_addr;
	struct in6_addr aftr_addr;
};

struct prov_lw4o6 {
	bool present;
	char lwaftr[PROV_NAME_MAX];
	bool lwaftr_is_addr;
	struct in6_addr lwaftr_addr;
	struct v6pfx ipv6;
	struct in_addr ipv4;
	struct portset ports;     /* psid, psid_length, psid_offset */
};

struct prov_464xlat {
	bool present;
	struct v6pfx nat64prefix;
};

struct prov_ipip_entry {
	struct in6_addr local, remote;
	struct v4pfx ipv4;
};

struct prov_ipip {
	bool present;
	struct prov_ipip_entry entries[PROV_IPIP_MAX];
	size_t n;
};

struct prov {
	char enabler_name[PROV_NAME_MAX];
	char service_name[PROV_NAME_MAX];
	char isp_name[PROV_NAME_MAX];
	bool has_ttl;        /* absent or <= 0: the 20-24 h default (Q7) */
	uint32_t ttl;        /* clamped to PROV_TTL_MAX (S5) */
	bool ttl_clamped;
	bool has_token;
	char token[PROV_TOKEN_LEN + 1];
	enum prov_auth auth;
	enum method order[METHOD__COUNT]; /* known entries, in order (S8) */
	size_t n_order;
	bool ipv6_mostly;    /* 1.2 */
	bool has_ipv6_mostly;
	struct prov_map_e map_e;
	struct prov_map_t map_t;
	struct prov_dslite dslite;
	struct prov_lw4o6 lw4o6;
	struct prov_464xlat xlat;
	struct prov_ipip ipip;
};

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
