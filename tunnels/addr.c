/* SPDX-License-Identifier: MIT */
#include "addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_len(const char *s, unsigned max, uint8_t *out)
{
	unsigned v = 0;

	if (!*s || strlen(s) > 3)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(*s - '0');
	}
	if (v > max)
		return -EINVAL;
	*out = (uint8_t)v;
	return 0;
}

/* Split "addr/len" into a NUL-terminated address part and length text. */
static int split(const char *s, char *abuf, size_t asz, const char **len)
{
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);

	if (n == 0 || n >= asz)
		return -EINVAL;
	memcpy(abuf, s, n);
	abuf[n] = '\0';
	*len = slash ? slash + 1 : NULL;
	return 0;
}

int v6addr_parse(const char *s, struct in6_addr *out)
{
	struct in6_addr a;

	if (!s || inet_pton(AF_INET6, s, &a) != 1)
		return -EINVAL;
	*out = a;
	return 0;
}

int v4addr_parse(const char *s, struct in_addr *out)
{
	struct in_addr a;

	/* inet_pton(AF_INET) takes dotted quads only: no "1.2.3", no octal. */
	if (!s || inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*out = a;
	return 0;
}

int v6pfx_parse(const char *s, bool allow_addr, struct v6pfx *out)
{
	char abuf[INET6_ADDRSTRLEN];
	const char *len;
	struct v6pfx p;

	if (!s || split(s, abuf, sizeof(abuf), &len) < 0 ||
	    v6addr_parse(abuf, &p.addr) < 0)
		return -EINVAL;
	if (len) {
		if (parse_len(len, 128, &p.len) < 0)
			return -EINVAL;
	} else if (allow_addr) {
		p.len = 128;
	} else {
		return -EINVAL;
	}
	*out = p;
	return 0;
}

int v4pfx_parse(const char *s, bool allow_addr, struct v4pfx *out)
{
	char abuf[INET_ADDRSTRLEN];
	const char *len;
	struct v4pfx p;

	if (!s || split(s, abuf, sizeof(abuf), &len) < 0 ||
	    v4addr_parse(abuf, &p.addr) < 0)
		return -EINVAL;
	if (len) {
		if (parse_len(len, 32, &p.len) < 0)
			return -EINVAL;
	} else if (allow_addr) {
		p.len = 32;
	} else {
		return -EINVAL;
	}
	*out = p;
	return 0;
}

char *v6addr_str(const struct in6_addr *a, char *buf)
{
	/* glibc's inet_ntop prints RFC 5952 form (lower case, longest run
	 * of two or more zero groups compressed, leftmost on a tie). */
	if (!inet_ntop(AF_INET6, a, buf, V6_STR_MAX))
		snprintf(buf, V6_STR_MAX, "?");
	return buf;
}

char *v6pfx_str(const struct v6pfx *p, char *buf)
{
	size_t n;

	v6addr_str(&p->addr, buf);
	n = strlen(buf);
	snprintf(buf + n, V6_STR_MAX - n, "/%u", p->len);
	return buf;
}

char *v4addr_str(struct in_addr a, char *buf)
{
	if (!inet_ntop(AF_INET, &a, buf, V6_STR_MAX))
		snprintf(buf, V6_STR_MAX, "?");
	return buf;
}

char *v4pfx_str(const struct v4pfx *p, char *buf)
{
	size_t n;

	v4addr_str(p->addr, buf);
	n = strlen(buf);
	snprintf(buf + n, V6_STR_MAX - n, "/%u", p->len);
	return buf;
}

unsigned v6_bit(const struct in6_addr *a, unsigned i)
{
	return (a->s6_addr[i / 8] >> (7 - i % 8)) & 1u;
}

uint64_t v6_bits(const struct in6_addr *a, unsigned off, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v = (v << 1) | v6_bit(a, off + i);
	return v;
}

void v6_set_bits(struct in6_addr *a, unsigned off, unsigned n, uint64_t v)
{
	for (unsigned i = 0; i < n; i++) {
		unsigned bit = off + i;
		uint8_t m = (uint8_t)(0x80u >> (bit % 8));

		if ((v >> (n - 1 - i)) & 1u)
			a->s6_addr[bit / 8] |= m;
		else
			a->s6_addr[bit / 8] &= (uint8_t)~m;
	}
}

void v6_mask(struct in6_addr *a, unsigned len)
{
	/* Bytewise: BMR selection masks 256 rules for every prefix. */
	unsigned i = len / 8;

	if (len >= 128)
		return;
	if (len % 8)
		a->s6_addr[i++] &= (uint8_t)(0xff00u >> (len % 8));
	memset(&a->s6_addr[i], 0, 16 - i);
}

bool v6pfx_contains(const struct v6pfx *p, const struct in6_addr *a)
{
	struct in6_addr x = *a, y = p->addr;

	v6_mask(&x, p->len);
	v6_mask(&y, p->len);
	return memcmp(&x, &y, sizeof(x)) == 0;
}

bool v6pfx_equal(const struct v6pfx *a, const struct v6pfx *b)
{
	return a->len == b->len &&
	       memcmp(&a->addr, &b->addr, sizeof(a->addr)) == 0;
}

bool v6_is_global(const struct in6_addr *a)
{
	return (a->s6_addr[0] & 0xe0) == 0x20;
}

uint32_t v4_mask(unsigned len)
{
	return len == 0 ? 0 : 0xffffffffu << (32 - len);
}
