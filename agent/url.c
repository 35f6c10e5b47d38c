/* SPDX-License-Identifier: MIT */
#include "url.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dnsname.h"

/* Printable ASCII without space: what a URL may hold once percent-encoded
 * (RFC 3986 2). Anything else in a URL from DNS or a Location is refused,
 * not repaired. */
static int check_chars(const char *s, const char *what, struct err *e)
{
	size_t n = strnlen(s, URL_MAX);

	if (n == 0)
		return err_set(e, EINVAL, "empty %s", what);
	if (n >= URL_MAX)
		return err_set(e, EINVAL, "%s longer than %d bytes", what,
			       URL_MAX - 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f)
			return err_set(e, EINVAL, "%s has %s 0x%02x at offset %zu",
				       what, c == ' ' ? "a space" :
				       "a non-printable byte", c, i);
	}
	return 0;
}

bool url_host_equal(const char *a, const char *b)
{
	struct in6_addr x, y;

	/* IPv6 literals compare as addresses: 2001:db8::1 = 2001:0db8::1. */
	if (inet_pton(AF_INET6, a, &x) == 1 && inet_pton(AF_INET6, b, &y) == 1)
		return memcmp(&x, &y, sizeof(x)) == 0;
	return strcasecmp(a, b) == 0;
}

/* One part of a CURLU handle into buf; -ENOENT when absent. */
static int get_part(CURLU *h, CURLUPart part, unsigned flags, char *buf,
		    size_t size)
{
	char *v = NULL;
	CURLUcode rc = curl_url_get(h, part, &v, flags);
	size_t n;

	if (rc != CURLUE_OK)
		return rc == CURLUE_OUT_OF_MEMORY ? -ENOMEM : -ENOENT;
	n = strlen(v);
	if (n >= size) {
		curl_free(v);
		return -ENAMETOOLONG;
	}
	memcpy(buf, v, n + 1);
	curl_free(v);
	return 0;
}

/* host as curl gives it (at most URL_HOST_MAX + 1 bytes): every length
 * is checked before a byte is copied into u->host. */
static int parse_host(const char *host, struct url *u, struct err *e)
{
	size_t n = strlen(host);
	bool bracketed = n >= 2 && host[0] == '[' && host[n - 1] == ']';
	struct in_addr a4;

	if (n - (bracketed ? 2 : 0) >= sizeof(u->host))
		return err_set(e, EINVAL, "host longer than %zu bytes",
			       sizeof(u->host) - 1);
	if (bracketed) {
		memcpy(u->host, host + 1, n - 2);
		u->host[n - 2] = '\0';
		if (inet_pton(AF_INET6, u->host, &u->v6) != 1)
			return err_set(e, EINVAL, "bad IPv6 literal '%s'", host);
		u->host_is_v6 = true;
		return 0;
	}
	memcpy(u->host, host, n + 1);
	if (inet_pton(AF_INET, host, &a4) == 1) {
		u->host_is_v4 = true;
		return 0;
	}
	if (!dns_name_valid(host, true))
		return err_set(e, EINVAL, "bad host name '%s'", host);
	return 0;
}

/* The parts of an already set handle into u. */
static int fill(CURLU *h, struct url *u, struct err *e)
{
	char buf[URL_HOST_MAX + 2];
	unsigned long port;
	char *end;

	if (get_part(h, CURLUPART_SCHEME, 0, buf, sizeof(buf)) < 0 ||
	    (strcmp(buf, "https") && strcmp(buf, "http")))
		return err_set(e, EINVAL, "scheme is not http or https");
	u->https = buf[4] == 's';
	if (get_part(h, CURLUPART_USER, 0, buf, sizeof(buf)) != -ENOENT ||
	    get_part(h, CURLUPART_PASSWORD, 0, buf, sizeof(buf)) != -ENOENT)
		return err_set(e, EINVAL, "user info in the URL");
	if (get_part(h, CURLUPART_ZONEID, 0, buf, sizeof(buf)) != -ENOENT)
		return err_set(e, EINVAL, "zone ID in the URL");
	if (get_part(h, CURLUPART_HOST, 0, buf, sizeof(buf)) < 0)
		return err_set(e, EINVAL, "no usable host");
	if (parse_host(buf, u, e) < 0)
		return -EINVAL;
	if (get_part(h, CURLUPART_PORT, CURLU_DEFAULT_PORT, buf, sizeof(buf)) < 0)
		return err_set(e, EINVAL, "no port");
	port = strtoul(buf, &end, 10);
	if (*end || port == 0 || port > 65535)
		return err_set(e, EINVAL, "bad port '%s'", buf);
	u->port = (uint16_t)port;
	return 0;
}

/* "http://" or "https://" exactly, any case: curl would also take one or
 * three slashes, a URL from DNS or a Location may not. */
static bool has_scheme_prefix(const char *s)
{
	size_t n = strncasecmp(s, "http://", 7) == 0 ? 7 :
		   strncasecmp(s, "https://", 8) == 0 ? 8 : 0;

	return n && s[n] != '/';
}

/* RFC 3986 3.1: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" */
static bool has_scheme(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			  "0123456789+-.");

	return n > 0 && s[n] == ':' &&
	       ((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z'));
}

int url_parse(const char *s, struct url *out, struct err *e)
{
	struct url u;
	CURLU *h;
	int rc;

	if (check_chars(s, "URL", e) < 0)
		return -EINVAL;
	if (!has_scheme_prefix(s))
		return err_set(e, EINVAL, "scheme is not http or https");
	h = curl_url();
	if (!h)
		return err_set(e, ENOMEM, "out of memory");
	memset(&u, 0, sizeof(u));
	if (curl_url_set(h, CURLUPART_URL, s, 0) != CURLUE_OK)
		rc = err_set(e, EINVAL, "URL does not parse");
	else
		rc = fill(h, &u, e);
	curl_url_cleanup(h);
	if (rc == 0)
		*out = u;
	return rc;
}

/* Set base, then apply fn; the final URL into out and checked. */
static int url_edit(const char *base, int (*fn)(CURLU *, const void *,
						struct err *),
		    const void *arg, char *out, size_t size, struct err *e)
{
	char buf[URL_MAX];
	struct url u;
	CURLU *h = curl_url();
	int rc;

	if (!h)
		return err_set(e, ENOMEM, "out of memory");
	if (curl_url_set(h, CURLUPART_URL, base, 0) != CURLUE_OK)
		rc = err_set(e, EINVAL, "URL does not parse");
	else if ((rc = fn(h, arg, e)) == 0 &&
		 (rc = get_part(h, CURLUPART_URL, 0, buf, sizeof(buf))) < 0)
		rc = err_set(e, EINVAL, "URL too long");
	curl_url_cleanup(h);
	if (rc == 0 && (rc = url_parse(buf, &u, e)) == 0) {
		if (strlen(buf) >= size)
			return err_set(e, ENAMETOOLONG, "URL too long");
		memcpy(out, buf, strlen(buf) + 1);
	}
	return rc;
}

static int apply_ref(CURLU *h, const void *arg, struct err *e)
{
	const char *ref = arg;

	/* CURLU resolves a relative reference against the URL it holds
	 * (RFC 3986 5.2), and replaces it with an absolute one. */
	if (curl_url_set(h, CURLUPART_URL, ref, 0) != CURLUE_OK)
		return err_set(e, EINVAL, "Location does not parse");
	return 0;
}

int url_resolve(const char *base, const char *ref, char *out, size_t size,
		struct err *e)
{
	if (check_chars(ref, "Location", e) < 0)
		return -EINVAL;
	/* A scheme-relative or relative ref keeps base's scheme; an absolute
	 * one must be http(s) with exactly two slashes. */
	if (has_scheme(ref) && !has_scheme_prefix(ref))
		return err_set(e, EINVAL, "Location: scheme is not http or https");
	return url_edit(base, apply_ref, ref, out, size, e);
}

struct query_edit {
	const char *const *drop;
	const char *add;
};

static bool dropped(const char *param, size_t len, const char *const *drop)
{
	const char *eq = memchr(param, '=', len);
	size_t n = eq ? (size_t)(eq - param) : len;

	for (size_t i = 0; drop && drop[i]; i++)
		if (strlen(drop[i]) == n && strncmp(param, drop[i], n) == 0)
			return true;
	return false;
}

/* Keep the parameters of old not in drop, then add: into q. */
static int merge_query(const char *old, const struct query_edit *qe, char *q,
		       size_t size)
{
	size_t n = 0, len;

	q[0] = '\0';
	for (const char *p = old; p && *p; p += len + (p[len] == '&')) {
		len = strcspn(p, "&");
		if (len == 0 || dropped(p, len, qe->drop))
			continue;
		if (n + len + 2 >= size)
			return -ENAMETOOLONG;
		if (n)
			q[n++] = '&';
		memcpy(q + n, p, len);
		q[n += len] = '\0';
	}
	len = strlen(qe->add);
	if (len && n + len + 2 >= size)
		return -ENAMETOOLONG;
	if (len && n)
		q[n++] = '&';
	memcpy(q + n, qe->add, len + 1);
	return 0;
}

static int apply_query(CURLU *h, const void *arg, struct err *e)
{
	char old[URL_MAX], q[URL_MAX];
	int rc = get_part(h, CURLUPART_QUERY, 0, old, sizeof(old));

	if (rc == -ENOENT)
		old[0] = '\0';
	else if (rc < 0)
		return err_set(e, -rc, "query too long");
	if (merge_query(old, arg, q, sizeof(q)) < 0)
		return err_set(e, ENAMETOOLONG, "query too long");
	/* No CURLU_URLENCODE: the values are validated and sent literally
	 * (commas included, as deployed servers see them). */
	if (curl_url_set(h, CURLUPART_QUERY, q[0] ? q : NULL, 0) != CURLUE_OK ||
	    curl_url_set(h, CURLUPART_FRAGMENT, NULL, 0) != CURLUE_OK)
		return err_set(e, EINVAL, "cannot set the query");
	return 0;
}

int url_set_query(const char *base, const char *const *drop, const char *add,
		  char *out, size_t size, struct err *e)
{
	struct query_edit qe = { drop, add ? add : "" };

	return url_edit(base, apply_query, &qe, out, size, e);
}
