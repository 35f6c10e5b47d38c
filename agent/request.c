/* SPDX-License-Identifier: MIT */
#include "request.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../tunnels/method.h"
#include "config.h"
#include "dnsname.h"

#define TOKEN_LEN 64   /* S6: 256 bits in lowercase hex */
#define SHOWN_TOKEN 8  /* token digits a log may show */

const char *const req_param_names[] = {
	"vendorid", "product", "version", "capability", "token", "user", "pass",
	NULL,
};

/* R4: the words a capability list may hold. */
static const char *const cap_words[] = {
	"464xlat", "dslite", "ipip", "lw4o6", "map_e", "map_t", "hubspoke",
	"mesh", NULL,
};

static bool is_word(char c) /* [0-9A-Za-z_] */
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

/* Length of s if 1..max chars all satisfying ok (or '-' when dash),
 * else 0. */
static size_t span_ok(const char *s, size_t max, bool dash)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (n == max || !(is_word(s[n]) || (dash && s[n] == '-')))
			return 0;
	return n;
}

/* R1: 6 hex digits (the OUI), optionally '-' and 1-24 of [0-9A-Za-z_]. */
static bool valid_vendorid(const char *s)
{
	for (int i = 0; i < 6; i++)
		if (!is_hex(s[i]))
			return false;
	return s[6] == '\0' || (s[6] == '-' && span_ok(s + 7, 24, false));
}

/* R3: [0-9_]{1,32}, underscores instead of dots. */
static bool valid_version(const char *s)
{
	size_t n = strspn(s, "0123456789_");

	return n >= 1 && n <= 32 && s[n] == '\0';
}

/* S6/R5: 64 lowercase hex digits. */
static bool valid_token(const char *s)
{
	size_t n = strspn(s, "0123456789abcdef");

	return n == TOKEN_LEN && s[n] == '\0';
}

static int cap_word(const char *w, size_t n)
{
	for (int i = 0; cap_words[i]; i++)
		if (strlen(cap_words[i]) == n && !strncmp(w, cap_words[i], n))
			return i;
	return -1;
}

/* R4: a comma list of known words, none twice. Empty is a build with no
 * method: sent as it is, so the server answers order: []. */
static int check_capability(const char *s, struct err *e)
{
	unsigned seen = 0;
	size_t n;

	if (!*s)
		return 0;
	for (const char *p = s;; p += n + 1) {
		int w;

		n = strcspn(p, ",");
		w = cap_word(p, n);
		if (w < 0)
			return err_set(e, EINVAL, "capability '%.120s': unknown word '%.*s' (R4)",
				       s, (int)(n > 40 ? 40 : n), p);
		if (seen & (1u << w))
			return err_set(e, EINVAL, "capability '%.120s': '%s' twice (R4)",
				       s, cap_words[w]);
		seen |= 1u << w;
		if (!p[n])
			return 0;
	}
}

static int check_credentials(const struct req_params *p, struct err *e)
{
	struct in6_addr a;

	if (!p->user != !p->pass)
		return err_set(e, EINVAL, "user and pass go together: %s given alone (R6)",
			       p->user ? "user" : "pass");
	if (p->user && !span_ok(p->user, 32, true))
		return err_set(e, EINVAL, "user '%.40s': not 1-32 of [0-9A-Za-z_-] (R6)",
			       p->user);
	/* The pass itself is never printed, only what is wrong with it. */
	if (p->pass && !span_ok(p->pass, 32, true))
		return err_set(e, EINVAL, "pass (%zu bytes): not 1-32 of [0-9A-Za-z_-] (R6)",
			       strlen(p->pass));
	if (p->server_name && !dns_name_valid(p->server_name, true) &&
	    inet_pton(AF_INET6, p->server_name, &a) != 1)
		return err_set(e, EINVAL, "server name '%.80s': not a host name or IPv6 address (R7)",
			       p->server_name);
	return 0;
}

int req_validate(const struct req_params *p, struct err *e)
{
	char cap[METHOD_CAPABILITY_MAX];
	const char *vendorid = p->vendorid ? p->vendorid : CONFIG_VENDORID;
	const char *product = p->product ? p->product : CONFIG_PRODUCT;
	const char *version = p->version ? p->version : CONFIG_VERSION;
	const char *capability = p->capability;

	if (!capability) {
		method_capability(cap, sizeof(cap), p->ip6tnl, p->mesh);
		capability = cap;
	}
	if (!valid_vendorid(vendorid))
		return err_set(e, EINVAL, "vendorid '%.40s': not 6 hex digits, then optionally '-' and 1-24 of [0-9A-Za-z_] (R1)",
			       vendorid);
	if (!span_ok(product, 32, true))
		return err_set(e, EINVAL, "product '%.40s': not 1-32 of [0-9A-Za-z_-] (R2)",
			       product);
	if (!valid_version(version))
		return err_set(e, EINVAL, "version '%.40s': not 1-32 of [0-9_] (R3)",
			       version);
	if (check_capability(capability, e) < 0)
		return -EINVAL;
	if (p->token && p->token[0] && !valid_token(p->token))
		return err_set(e, EINVAL, "token '%.8s...' (%zu bytes): not 64 lowercase hex digits (R5, S6)",
			       p->token, strlen(p->token));
	return check_credentials(p, e);
}

bool req_credentials_allowed(const struct req_params *p, const struct url *u,
			     bool verify)
{
	if (!u->https)
		return false;  /* never in the clear (ours, beyond R7) */
	if (!p->server_name)
		return true;   /* R7, second sentence: any request */
	return u->https && verify && url_host_equal(u->host, p->server_name);
}

/* vendorid..pass in the spec's order (3.3) into q. */
static int query_string(const struct req_params *p, bool creds, char *q,
			size_t size)
{
	char cap[METHOD_CAPABILITY_MAX];
	const char *capability = p->capability;
	int n;

	if (!capability) {
		method_capability(cap, sizeof(cap), p->ip6tnl, p->mesh);
		capability = cap;
	}
	n = snprintf(q, size, "vendorid=%s&product=%s&version=%s&capability=%s"
		     "%s%s%s%s%s%s",
		     p->vendorid ? p->vendorid : CONFIG_VENDORID,
		     p->product ? p->product : CONFIG_PRODUCT,
		     p->version ? p->version : CONFIG_VERSION, capability,
		     p->token && p->token[0] ? "&token=" : "",
		     p->token && p->token[0] ? p->token : "",
		     creds ? "&user=" : "", creds ? p->user : "",
		     creds ? "&pass=" : "", creds ? p->pass : "");
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int req_build(const struct req_params *p, const char *base, bool verify,
	      char *out, size_t size, bool *creds, struct err *e)
{
	char q[URL_MAX];
	struct url u;
	bool with;

	if (req_validate(p, e) < 0 || url_parse(base, &u, e) < 0)
		return -EINVAL;
	with = p->user && req_credentials_allowed(p, &u, verify);
	if (query_string(p, with, q, sizeof(q)) < 0)
		return err_set(e, ENAMETOOLONG, "query too long");
	if (url_set_query(base, req_param_names, q, out, size, e) < 0)
		return -EINVAL;
	if (creds)
		*creds = with;
	return 0;
}

/* One parameter of a query, redacted when it is pass or token. */
static size_t redact_param(const char *p, size_t len, char *buf, size_t size)
{
	size_t keep = len;
	const char *tail = "";

	if (len >= 5 && !strncmp(p, "pass=", 5)) {
		keep = 5;
		tail = "***";
	} else if (len > 6 + SHOWN_TOKEN && !strncmp(p, "token=", 6)) {
		keep = 6 + SHOWN_TOKEN;
		tail = "...";
	}
	return (size_t)snprintf(buf, size, "%.*s%s", (int)keep, p, tail);
}

char *req_redact(const char *url, char *buf, size_t size)
{
	const char *q = strchr(url, '?');
	size_t n, len;

	if (!size)
		return buf;
	n = (size_t)snprintf(buf, size, "%.*s", (int)(q ? q - url + 1 : (long)strlen(url)),
			     url);
	for (const char *p = q ? q + 1 : ""; *p && n < size; p += len + (p[len] == '&')) {
		len = strcspn(p, "&#");
		n += redact_param(p, len, buf + n, size - n);
		if (p[len] == '#') /* a fragment ends the query */
			break;
		if (p[len] == '&' && n < size)
			n += (size_t)snprintf(buf + n, size - n, "&");
	}
	return buf;
}
