/* SPDX-License-Identifier: MIT */
#include "certtime.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <stdio.h>
#include <string.h>

_Static_assert(CERT_NOT_YET_VALID == X509_V_ERR_CERT_NOT_YET_VALID &&
	       CERT_HAS_EXPIRED == X509_V_ERR_CERT_HAS_EXPIRED, "OpenSSL's codes");

static int ex_index = -1;

static time_t asn1_time(const ASN1_TIME *t)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	return timegm(&tm);
}

/* OpenSSL's verdict passes through unchanged (ok in, ok out). */
static int verify_cb(int ok, X509_STORE_CTX *x)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(x, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct cert_time *ct = ssl ? SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ex_index) : NULL;
	int err = X509_STORE_CTX_get_error(x);
	X509 *c = X509_STORE_CTX_get_current_cert(x);

	if (!ok && ct && c && !ct->verify_err &&
	    (err == X509_V_ERR_CERT_NOT_YET_VALID || err == X509_V_ERR_CERT_HAS_EXPIRED)) {
		ct->verify_err = err;
		ct->not_before = asn1_time(X509_get0_notBefore(c));
		ct->not_after = asn1_time(X509_get0_notAfter(c));
	}
	return ok;
}

static CURLcode ctx_cb(CURL *h, void *ssl_ctx, void *arg)
{
	SSL_CTX *ctx = ssl_ctx;

	(void)h;
	if (ex_index < 0 || !SSL_CTX_set_ex_data(ctx, ex_index, arg))
		return CURLE_OK; /* no dates then; verification as before */
	/* keep the mode libcurl set (SSL_VERIFY_PEER), add the recorder */
	SSL_CTX_set_verify(ctx, SSL_CTX_get_verify_mode(ctx), verify_cb);
	return CURLE_OK;
}

int certtime_install(CURL *h, struct cert_time *ct)
{
	const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);

	memset(ct, 0, sizeof(*ct));
	/* The SSL_CTX pointer is OpenSSL's only with the OpenSSL back end. */
	if (!v || !v->ssl_version || strncmp(v->ssl_version, "OpenSSL/", 8))
		return 0;
	if (ex_index < 0)
		ex_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
	if (curl_easy_setopt(h, CURLOPT_SSL_CTX_DATA, ct) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_SSL_CTX_FUNCTION, ctx_cb) != CURLE_OK)
		return -1;
	return 0;
}

bool certtime_failed(CURL *h, CURLcode rc, struct cert_time *ct)
{
	long vr = 0;

	if (rc != CURLE_PEER_FAILED_VERIFICATION ||
	    curl_easy_getinfo(h, CURLINFO_SSL_VERIFYRESULT, &vr) != CURLE_OK ||
	    (vr != CERT_NOT_YET_VALID && vr != CERT_HAS_EXPIRED))
		return false;
	ct->verify_err = (int)vr;
	return true;
}

static void utc(time_t t, char *b, size_t size)
{
	struct tm tm;

	if (!t || !gmtime_r(&t, &tm) || !strftime(b, size, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(b, size, "?");
}

void certtime_explain(const struct cert_time *ct, time_t now, char *buf,
		      size_t size)
{
	char n[40], w[40];

	utc(now, n, sizeof(n));
	if (ct->verify_err == CERT_NOT_YET_VALID) {
		utc(ct->not_before, w, sizeof(w));
		snprintf(buf, size, "the clock is %s; the server's certificate is valid from %s", n,
			 ct->not_before ? w : "a later time (its date not known)");
	} else {
		utc(ct->not_after, w, sizeof(w));
		snprintf(buf, size, "the clock is %s; the server's certificate expired at %s", n,
			 ct->not_after ? w : "an earlier time (its date not known)");
	}
}
