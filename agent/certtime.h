/* SPDX-License-Identifier: MIT */
/* A gateway that boots without a clock (issue 14): tell a certificate
 * validity-period failure (not yet valid, expired) apart from the other
 * verification failures, with the certificate's dates, so the daemon can
 * say "the clock is 1970-01-01" and retry soon instead of in 10-30 min.
 * Verification itself is never changed: the OpenSSL verify callback
 * installed here only records, and returns OpenSSL's own verdict. */
#ifndef V6MIG_CERTTIME_H
#define V6MIG_CERTTIME_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define CERT_NOT_YET_VALID 9   /* X509_V_ERR_CERT_NOT_YET_VALID */
#define CERT_HAS_EXPIRED 10    /* X509_V_ERR_CERT_HAS_EXPIRED */

struct cert_time {
	int verify_err;          /* 0, CERT_NOT_YET_VALID or CERT_HAS_EXPIRED */
	time_t not_before, not_after; /* of the certificate that failed; 0 unknown */
};

/* On an easy handle that verifies: record the failing certificate's dates
 * in *ct (libcurl with OpenSSL; other TLS back ends: no dates). */
int certtime_install(CURL *h, struct cert_time *ct);
/* After a transfer failed with rc: was it the validity period? Fills
 * ct->verify_err from CURLINFO_SSL_VERIFYRESULT. */
bool certtime_failed(CURL *h, CURLcode rc, struct cert_time *ct);
/* "the clock is 1970-01-01 00:00:12 UTC; the server's certificate is
 * valid from 2026-12-03 11:21:38 UTC" (or "expired at ..."). */
void certtime_explain(const struct cert_time *ct, time_t now, char *buf,
		      size_t size);

#endif
