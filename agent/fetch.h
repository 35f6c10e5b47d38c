/* SPDX-License-Identifier: MIT */
/* The provisioning GET (HB46PP 3.2-3.3: T1-T3, R1-R8, S1) over libcurl's
 * multi interface, driven by the agent's epoll loop (agent/loop.h):
 * CURLMOPT_SOCKETFUNCTION puts curl's sockets in the loop,
 * CURLMOPT_TIMERFUNCTION follows curl's timeout with one loop timer, and
 * readiness goes back through curl_multi_socket_action(). The daemon runs
 * a fetch exactly as probe does: fetch_start(), then its loop; the done
 * callback reports once. Nothing here blocks.
 *
 * Per hop (the TXT URL, then each 307 Location):
 *  - the URL is rebuilt by req_build(): our parameters in the spec's
 *    order, user/pass only where R7 allows for that URL;
 *  - the host is an IPv6 literal or a name resolved by our own c-ares AAAA
 *    lookup (discover.h) through the WAN's resolvers and pinned with
 *    CURLOPT_RESOLVE; CURLOPT_IPRESOLVE_V6 and an open-socket check refuse
 *    anything else, proxies from the environment are off (T2);
 *  - t=b verifies against the system store plus an optional CA file, t=a
 *    does not (D4, T3); SNI is sent for names (T1);
 *  - curl never follows redirects: 307 only, at most FETCH_MAX_REDIRECTS,
 *    never https -> http under t=b (S1).
 *
 * Callbacks run inside loop callbacks; see discover.h on freeing. */
#ifndef V6MIG_FETCH_H
#define V6MIG_FETCH_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../tunnels/err.h"
#include "certtime.h"
#include "discover.h"
#include "hbclass.h"
#include "loop.h"
#include "request.h"
#include "url.h"

#define FETCH_MAX_REDIRECTS 5
#define FETCH_MAX_BODY (1024 * 1024)
#define FETCH_CONNECT_TIMEOUT_MS 10000
#define FETCH_TIMEOUT_MS 30000

struct fetch;

struct fetch_opts {
	const char *url;        /* from the TXT record */
	bool verify;            /* t=b */
	const struct req_params *req; /* copied at start */
	const char *ca_file;    /* operator CA in addition to the system store */
	const char *wan;        /* bind to this device (SO_BINDTODEVICE) */
	const struct in6_addr *src; /* and to this source (the WAN's own), or NULL */
	unsigned timeout_ms;    /* whole fetch, every hop; 0: FETCH_TIMEOUT_MS */
	size_t max_body;        /* 0: FETCH_MAX_BODY */
};

struct fetch_result {
	/* HB_OK: a 200 body. HB_NO_ANSWER: connect, TLS or time failure, an
	 * IPv4 literal or a name without AAAA (T2). HB_BAD_ANSWER: any status
	 * but 200/307, a bad or looping redirect, a body over the limit. */
	enum hb_class cls;
	long http_status;     /* of the last response, 0 when none */
	unsigned redirects;   /* 307s followed */
	char url[URL_MAX];    /* the last request, redacted (req_redact) */
	bool creds_sent;      /* user/pass were in the last request (R7) */
	char *body;           /* HB_OK: NUL-terminated, owned by the fetch */
	size_t body_len;
	uint64_t dns_ms;      /* of the whole fetch, spent on AAAA lookups */
	struct cert_time cert; /* verify_err set: a validity-period failure (t=b) */
	struct err err;
};

typedef void (*fetch_cb)(void *arg, const struct fetch_result *r);

/* Validates every request value first (nothing is sent otherwise:
 * -EINVAL). The callback runs once, later, from the loop. */
int fetch_start(struct fetch **out, struct loop *l, struct dns *d,
		const struct fetch_opts *o, fetch_cb cb, void *arg,
		struct err *e);
/* Stops it if running; the result and body go with it. NULL-safe. */
void fetch_free(struct fetch *f);
/* The result once the callback ran, else NULL. */
const struct fetch_result *fetch_result(const struct fetch *f);

/* libcurl's global init, once per process before any thread: main. */
int fetch_global_init(void);

#endif
