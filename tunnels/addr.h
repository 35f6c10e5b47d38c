/* SPDX-License-Identifier: MIT */
/* IPv4/IPv6 addresses and prefixes: parse strictly, print in RFC 5952 form. */
#ifndef V6MIG_ADDR_H
#define V6MIG_ADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#define V6_STR_MAX 64 /* "addr/len" fits */

struct v6pfx {
	struct in6_addr addr;
	uint8_t len; /* 0..128 */
};

struct v4pfx {
	struct in_addr addr; /* network byte order */
	uint8_t len;         /* 0..32 */
};

/* "2001:db8::/32" or, when allow_addr, a bare address (len 128).
 * Returns 0 or -EINVAL. Host bits are kept as given. */
int v6pfx_parse(const char *s, bool allow_addr, struct v6pfx *out);
int v4pfx_parse(const char *s, bool allow_addr, struct v4pfx *out);
int v6addr_parse(const char *s, struct in6_addr *out);
int v4addr_parse(const char *s, struct in_addr *out);

/* Into a caller buffer of V6_STR_MAX bytes; returns buf. */
char *v6addr_str(const struct in6_addr *a, char *buf);
char *v6pfx_str(const struct v6pfx *p, char *buf);
char *v4addr_str(struct in_addr a, char *buf);
char *v4pfx_str(const struct v4pfx *p, char *buf);

/* Bit i (0 = most significant) of an IPv6 address. */
unsigned v6_bit(const struct in6_addr *a, unsigned i);
/* Read n <= 64 bits starting at bit off. */
uint64_t v6_bits(const struct in6_addr *a, unsigned off, unsigned n);
/* Write the low n <= 64 bits of v at bit off. */
void v6_set_bits(struct in6_addr *a, unsigned off, unsigned n, uint64_t v);
/* Zero every bit from len on. */
void v6_mask(struct in6_addr *a, unsigned len);
/* Does prefix p contain address a (first p->len bits equal)? */
bool v6pfx_contains(const struct v6pfx *p, const struct in6_addr *a);
bool v6pfx_equal(const struct v6pfx *a, const struct v6pfx *b);
/* Global unicast in the RFC 4291 sense (2000::/3), for picking WAN facts. */
bool v6_is_global(const struct in6_addr *a);

uint32_t v4_mask(unsigned len); /* host order */

#endif
