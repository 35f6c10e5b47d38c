/* SPDX-License-Identifier: MIT */
/* Provisioning-server URLs: the strict checks HB46PP needs on the URL from
 * the TXT record (D4) and on every 307 Location (S1), the host for R7 and
 * T2, and the query rewrite of R1-R8. libcurl's URL API (CURLU) does the
 * RFC 3986 parsing and relative resolution; nothing here does I/O.
 * Messages say what is wrong, never the whole URL (it may carry a pass or
 * token a server echoed back): callers add the context they can show. */
#ifndef V6MIG_URL_H
#define V6MIG_URL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../tunnels/err.h"

#define URL_MAX 2048      /* longer URLs are refused, not truncated */
#define URL_HOST_MAX 256  /* a DNS name is at most 253 bytes */

struct url {
	bool https;               /* else http */
	char host[URL_HOST_MAX];  /* IPv6 literals without the brackets */
	bool host_is_v6;          /* an IPv6 literal: v6 holds it */
	bool host_is_v4;          /* an IPv4 literal (T2: never used) */
	struct in6_addr v6;
	uint16_t port;            /* explicit or the scheme's default */
};

/* Absolute http/https URL, printable ASCII without spaces, no user info,
 * no zone ID, a host that is a DNS name or an IP literal. -EINVAL and e
 * says why. */
int url_parse(const char *s, struct url *out, struct err *e);

/* Resolve a Location (absolute or relative, RFC 3986 5.2) against base
 * into out; the result passes url_parse. */
int url_resolve(const char *base, const char *ref, char *out, size_t size,
		struct err *e);

/* base with every query parameter named in drop[] removed and `add`
 * (already "k=v&k=v", sent literally) appended with '?' or '&'. The
 * fragment is dropped (it is never sent). */
int url_set_query(const char *base, const char *const *drop, const char *add,
		  char *out, size_t size, struct err *e);

/* Same host (R7): names ASCII case-insensitive, IPv6 literals as
 * addresses. Both as in struct url.host (no brackets). */
bool url_host_equal(const char *a, const char *b);

#endif
