/* SPDX-License-Identifier: MIT */
/* struct prov: an HB46PP 1.1 provisioning answer (3.4) as typed data --
 * what the planners (tunnels/) take and what agent/prov.c makes from the
 * JSON (parsing, validation and comparison live there). Pure data: no
 * cJSON, no I/O, so the pure layer depends on nothing above it. */
#ifndef V6MIG_PROVDATA_H
#define V6MIG_PROVDATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "err.h"
#include "map.h"
#include "method.h"

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

#endif
