/* SPDX-License-Identifier: MIT */
/* The provisioning request (HB46PP 3.3, R1-R8): every value validated
 * against its exact grammar before anything is sent, the parameters in
 * the spec's order, user/pass only where R7 allows. Pure. */
#ifndef V6MIG_REQUEST_H
#define V6MIG_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

#include "../tunnels/err.h"
#include "url.h"

struct req_params {
	const char *vendorid;    /* NULL: CONFIG_VENDORID (R1) */
	const char *product;     /* NULL: CONFIG_PRODUCT (R2) */
	const char *version;     /* NULL: CONFIG_VERSION (R3) */
	const char *capability;  /* NULL: method_capability() of this build (R4) */
	bool ip6tnl, mesh;       /* ... on a kernel with ip6tnl / the mesh (agent/meshcap.h probed them) */
	const char *token;       /* NULL or "": not sent (R5) */
	const char *user, *pass; /* both or neither (R6) */
	const char *server_name; /* configured with user/pass (R7); NULL: none */
};

/* Our parameter names in the spec's order, NULL-terminated: also the
 * names dropped from a URL's own query before ours are appended. */
extern const char *const req_param_names[];

/* R1-R7 grammars (defaults filled in). -EINVAL, e names the parameter
 * and the refused value (pass and token redacted). */
int req_validate(const struct req_params *p, struct err *e);

/* R7: may user/pass go to URL u fetched with verify (t=b)? Never over
 * plain http (they would travel in the clear: our rule, stricter than
 * R7). Without a configured server name: to any https URL, i.e. to
 * whatever host the TXT record names. With one: only https, t=b, and u's
 * host equal to it (the port plays no part). */
bool req_credentials_allowed(const struct req_params *p, const struct url *u,
			     bool verify);

/* The request URL for one hop (the TXT URL or a 307 Location): base with
 * its own vendorid..pass parameters removed and ours appended in the
 * spec's order; user/pass only when req_credentials_allowed(). Validates
 * first. creds (may be NULL) says whether user/pass were included. */
int req_build(const struct req_params *p, const char *base, bool verify,
	      char *out, size_t size, bool *creds, struct err *e);

/* For logs and reports: url with pass as "***" and token cut to its first
 * 8 digits and "...". Returns buf. */
char *req_redact(const char *url, char *buf, size_t size);

#endif
