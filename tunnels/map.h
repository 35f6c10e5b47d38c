/* SPDX-License-Identifier: MIT */
/* MAP arithmetic: RFC 7597 (MAP-E), RFC 7599 (MAP-T), the
 * draft-ietf-softwire-map-03 interface-ID layout, RFC 7596 (lw4o6) and
 * RFC 6052 (IPv4-embedded IPv6). Pure functions: no I/O, no globals. */
#ifndef V6MIG_MAP_H
#define V6MIG_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "err.h"

#define MAP_MAX_RULES 256 /* HB46PP S9 */
#define MAP_DEFAULT_PSID_OFFSET 6 /* RFC 7597 5.1 */

struct map_rule {
	struct v6pfx ipv6;
	struct v4pfx ipv4;
	uint8_t ea_len;      /* 0..48 */
	uint8_t psid_offset; /* a, 0..16 */
};

/* A port set (RFC 7597 5.1): offset a, PSID length k, PSID.  k == 0 means
 * no sharing: every port 0-65535. */
struct portset {
	uint8_t offset;
	uint8_t len;
	uint16_t psid;
};

struct port_range {
	uint16_t min, max;
};

enum map_layout {
	MAP_LAYOUT_RFC7597 = 1, /* map_e.version 1 */
	MAP_LAYOUT_DRAFT03 = 0, /* map_e.version 0 or absent */
};

struct map_result {
	struct in_addr ipv4;   /* address, or network of a delegated prefix */
	uint8_t ipv4_plen;     /* 32, or shorter for a delegated prefix */
	struct portset ports;
	struct v6pfx eup;      /* end-user prefix, rule length + EA length */
	struct in6_addr ce_ipv6;
};

/* Check one rule on its own (lengths, offset, host bits). */
int map_rule_check(const struct map_rule *r, struct err *e);

/* Longest rule prefix that contains the CE prefix (as long or longer than
 * the rule's). Returns the index, or -ENOENT. */
int map_bmr_select(const struct map_rule *rules, size_t n,
		   const struct v6pfx *ce);

/* RFC 7597 5.2 and 6: from a rule and the CE's end-user prefix (or any
 * prefix or address inside it), the IPv4 address/prefix, PSID and the CE
 * IPv6 address in the given layout. */
int map_compute(const struct map_rule *r, const struct v6pfx *ce,
		enum map_layout layout, struct map_result *out,
		struct err *e);

/* The interface identifier (the low 64 bits) of a MAP/lw4o6 CE address. */
void map_iid(struct in_addr v4, uint16_t psid, enum map_layout layout,
	     struct in6_addr *addr);

/* RFC 7596 5.1: the B4 address is the prefix (zero-filled to /64) with the
 * RFC 7597 interface identifier. */
int lw4o6_compute(const struct v6pfx *pfx, struct in_addr v4,
		  const struct portset *ps, struct in6_addr *b4,
		  struct err *e);

/* Validate a port set: offset + length <= 16, psid < 2^length. */
int portset_check(const struct portset *ps, struct err *e);
/* How many ranges, how many ports in each, how many in all. */
size_t portset_nranges(const struct portset *ps);
uint32_t portset_range_size(const struct portset *ps);
uint32_t portset_count(const struct portset *ps);
/* The i-th range, ascending (i < portset_nranges). */
struct port_range portset_range(const struct portset *ps, size_t i);
/* Is port p in the set? */
bool portset_contains(const struct portset *ps, uint16_t p);

/* RFC 6052 2.2: embed v4 in the /32 /40 /48 /56 /64 /96 prefix pfx. */
int rfc6052_embed(const struct v6pfx *pfx, struct in_addr v4,
		  struct in6_addr *out, struct err *e);
/* The inverse, for checks and the receive path. */
int rfc6052_extract(const struct v6pfx *pfx, const struct in6_addr *a,
		    struct in_addr *out);

#endif
