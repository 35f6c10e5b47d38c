/* SPDX-License-Identifier: MIT */
/* DNS for HB46PP over c-ares 1.18, driven by the agent's one epoll loop
 * (agent/loop.h): c-ares tells us which sockets to watch through
 * ARES_OPT_SOCK_STATE_CB, we hand readiness back with ares_process_fd(),
 * and one loop timer follows ares_timeout(). Nothing here blocks.
 *
 *  - discovery (3.1, D1-D5): TXT <domain> through the WAN's resolvers,
 *    classified as HB46PP's sequence needs it (Q1-Q3);
 *  - AAAA-only name resolution (T2) through the same resolvers, for the
 *    provisioning server and later the AFTR / lwAFTR names.
 *
 * Every outcome reaches its callback from the loop, never from inside
 * discover_start() or dns_resolve_aaaa(): the query they return stays
 * valid until its callback ran or dns_cancel(). Callbacks run inside
 * loop callbacks. Free a dns (or anything whose
 * sockets the loop watches) only outside them, or after loop_quit() in
 * the same turn: the loop then skips the rest of that turn's events. */
#ifndef V6MIG_DISCOVER_H
#define V6MIG_DISCOVER_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../tunnels/err.h"
#include "hbclass.h"
#include "loop.h"
#include "txt.h"

#define DNS_MAX_RESOLVERS 8
#define DNS_MAX_AAAA 8
#define DNS_TIMEOUT_MS 2000 /* first try; c-ares doubles it per round */
#define DNS_TRIES 2         /* so one silent resolver costs 2 + 4 s */
#define DISCOVER_MAX_RECORDS 8 /* kept for messages; all are counted */

struct dns;
struct dns_query;

struct dns_opts {
	/* "ADDR[#PORT]", IPv4 or IPv6 literal; none: /etc/resolv.conf (D1). */
	const char *const *resolvers;
	size_t n_resolvers;
	const char *wan;     /* bind every socket to this device, or NULL;
			      * a socket the kernel did not bind is refused */
	const struct in6_addr *src; /* IPv6 source (the WAN's own), or NULL */
	unsigned timeout_ms; /* 0: DNS_TIMEOUT_MS */
	unsigned tries;      /* 0: DNS_TRIES */
};

/* "2001:db8::53", "192.0.2.53#5353", "[2001:db8::53]:5353" is refused:
 * the port follows '#'. 0 or -EINVAL naming the value. */
int dns_parse_resolver(const char *s, struct sockaddr_storage *out,
		       struct err *e);

int dns_new(struct dns **out, struct loop *l, const struct dns_opts *o,
	    struct err *e);
/* Ends every query without calling its callback; the queries it
 * returned are gone with it. NULL-safe. */
void dns_free(struct dns *d);
/* Forget a query's callback (the query itself ends inside c-ares). */
void dns_cancel(struct dns_query *q);

struct discover_result {
	enum hb_class cls;  /* HB_OK, HB_NOT_PROVISIONED or HB_DNS_FAILURE */
	struct txt_result txt;              /* HB_OK */
	size_t n_records;                   /* TXT records in the answer */
	char record[TXT_RECORD_MAX + 1];    /* the first one, joined (D2) */
	size_t record_len;                  /* capped at TXT_RECORD_MAX + 1 */
	struct err err;                     /* why, when not HB_OK */
};

typedef void (*discover_cb)(void *arg, const struct discover_result *r);

/* TXT domain (Q1), a DNS name (dnsname.h; else dns_failure naming it):
 * NXDOMAIN, NODATA or no valid record (D5) ->
 * not_provisioned (Q2); timeout, SERVFAIL, REFUSED, unreachable resolver,
 * broken answer -> dns_failure (Q3). NULL on allocation failure. */
struct dns_query *discover_start(struct dns *d, const char *domain,
				 discover_cb cb, void *arg);

struct dns_aaaa_result {
	/* 0; -ENOENT NXDOMAIN; -ENODATA no AAAA (T2: an A record does not
	 * count); -ETIMEDOUT; -EIO SERVFAIL, REFUSED, unreachable, broken. */
	int status;
	struct in6_addr addrs[DNS_MAX_AAAA]; /* in the answer's order */
	size_t n;
	uint32_t ttl_s;     /* the smallest TTL of the answer's records */
	struct err err;
};

typedef void (*dns_aaaa_cb)(void *arg, const struct dns_aaaa_result *r);

/* AAAA name (never A, never /etc/hosts): T2, and S11/S12 names later. */
struct dns_query *dns_resolve_aaaa(struct dns *d, const char *name,
				   dns_aaaa_cb cb, void *arg);

/* The class discovery gives a c-ares status, exposed for tests. */
enum hb_class discover_class(int ares_status);

#endif
