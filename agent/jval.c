/* SPDX-License-Identifier: MIT */
#include "jval.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *jpath_key(char *buf, const char *parent, const char *key)
{
	if (parent && *parent)
		snprintf(buf, JPATH_MAX, "%s.%s", parent, key);
	else
		snprintf(buf, JPATH_MAX, "%s", key);
	return buf;
}

const char *jpath_idx(char *buf, const char *parent, size_t i)
{
	snprintf(buf, JPATH_MAX, "%s[%zu]", parent, i);
	return buf;
}

void jwarn(struct jctx *c, const char *fmt, ...)
{
	struct err *w = c->warn;
	size_t n;
	va_list ap;

	if (!w)
		return;
	n = strnlen(w->msg, sizeof(w->msg));
	if (n > 0 && n + 2 < sizeof(w->msg)) {
		memcpy(w->msg + n, "; ", 3);
		n += 2;
	}
	if (n + 1 >= sizeof(w->msg))
		return;
	va_start(ap, fmt);
	vsnprintf(w->msg + n, sizeof(w->msg) - n, fmt, ap);
	va_end(ap);
}

/* Printable form of a string for a message: escapes what is not plain
 * ASCII text, so a hostile value cannot reach a terminal or a log raw. */
static void desc_str(const char *s, char *buf)
{
	size_t n = 0, max = JDESC_MAX - 8;

	buf[n++] = '"';
	for (; *s && n < max; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\')
			buf[n++] = (char)ch;
		else
			n += (size_t)snprintf(buf + n, JDESC_MAX - n, "\\x%02x", ch);
	}
	if (*s)
		n += (size_t)snprintf(buf + n, JDESC_MAX - n, "...");
	snprintf(buf + n, JDESC_MAX - n, "\"");
}

const char *jdesc(const cJSON *v, char *buf)
{
	if (!v)
		snprintf(buf, JDESC_MAX, "nothing");
	else if (cJSON_IsString(v))
		desc_str(v->valuestring, buf);
	else if (cJSON_IsNumber(v))
		snprintf(buf, JDESC_MAX, "%.17g", v->valuedouble);
	else if (cJSON_IsTrue(v))
		snprintf(buf, JDESC_MAX, "true");
	else if (cJSON_IsFalse(v))
		snprintf(buf, JDESC_MAX, "false");
	else if (cJSON_IsNull(v))
		snprintf(buf, JDESC_MAX, "null");
	else if (cJSON_IsArray(v))
		snprintf(buf, JDESC_MAX, "an array");
	else
		snprintf(buf, JDESC_MAX, "an object");
	return buf;
}

int jget(struct jctx *c, const cJSON *obj, const char *path, const char *key,
	 const cJSON **out)
{
	const cJSON *found = NULL;
	char p[JPATH_MAX];

	for (const cJSON *it = obj ? obj->child : NULL; it; it = it->next) {
		if (!it->string || strcmp(it->string, key) != 0)
			continue;
		if (found)
			return err_set(c->e, EINVAL, "%s: key given twice",
				       jpath_key(p, path, key));
		found = it;
	}
	*out = cJSON_IsNull(found) ? NULL : found;
	return 0;
}

/* "25", "-1": decimal digits only, at most 18 of them. */
static int str_to_int(const char *s, int64_t *out)
{
	bool neg = *s == '-';
	int64_t v = 0;
	size_t n = 0;

	if (neg)
		s++;
	for (; *s; s++, n++) {
		if (*s < '0' || *s > '9' || n >= 18)
			return -EINVAL;
		v = v * 10 + (*s - '0');
	}
	if (n == 0)
		return -EINVAL;
	*out = neg ? -v : v;
	return 0;
}

int jint_any(struct jctx *c, const cJSON *v, const char *path, int64_t *out)
{
	char d[JDESC_MAX];
	double x;

	if (cJSON_IsString(v)) {
		if (str_to_int(v->valuestring, out) < 0)
			return err_set(c->e, EINVAL, "%s: %s is not a number",
				       path, jdesc(v, d));
		jwarn(c, "%s: number sent as a string %s", path, jdesc(v, d));
		return 0;
	}
	if (!cJSON_IsNumber(v))
		return err_set(c->e, EINVAL, "%s: %s is not a number", path,
			       jdesc(v, d));
	x = v->valuedouble;
	if (!isfinite(x) || x != floor(x))
		return err_set(c->e, EINVAL, "%s: %s is not an integer", path,
			       jdesc(v, d));
	/* Saturate: callers bound the value; 1e300 is "too large", not UB. */
	if (x >= 9.0e18)
		*out = INT64_MAX;
	else if (x <= -9.0e18)
		*out = INT64_MIN;
	else
		*out = (int64_t)x;
	return 0;
}

int jint(struct jctx *c, const cJSON *v, const char *path, int64_t min,
	 int64_t max, int64_t *out)
{
	char d[JDESC_MAX];
	int64_t x;
	int rc = jint_any(c, v, path, &x);

	if (rc < 0)
		return rc;
	if (x < min)
		return err_set(c->e, ERANGE, "%s: %s is less than %lld", path,
			       jdesc(v, d), (long long)min);
	if (x > max)
		return err_set(c->e, ERANGE, "%s: %s is more than %lld", path,
			       jdesc(v, d), (long long)max);
	*out = x;
	return 0;
}

int jbool01(struct jctx *c, const cJSON *v, const char *path, bool *out)
{
	char d[JDESC_MAX];
	int64_t x;

	if (cJSON_IsBool(v)) {
		*out = cJSON_IsTrue(v);
		return 0;
	}
	if ((cJSON_IsNumber(v) || cJSON_IsString(v)) &&
	    jint_any(c, v, path, &x) == 0 && (x == 0 || x == 1)) {
		*out = x == 1;
		return 0;
	}
	return err_set(c->e, EINVAL, "%s: %s is not true, false, 0 or 1", path,
		       jdesc(v, d));
}

int jstr(struct jctx *c, const cJSON *v, const char *path, const char **out)
{
	char d[JDESC_MAX];

	if (!cJSON_IsString(v))
		return err_set(c->e, EINVAL, "%s: %s is not a string", path,
			       jdesc(v, d));
	*out = v->valuestring;
	return 0;
}

bool utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;

	for (size_t i = 0; i < n;) {
		unsigned char b = s[i];
		size_t k = b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 :
			   b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : 9;
		uint32_t cp;

		if (k == 9 || i + k >= n)
			return false;
		cp = k == 0 ? b : b & (0x3f >> k);
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + j] & 0x3f);
		}
		/* RFC 3629 3: shortest form, no surrogates, <= U+10FFFF. */
		if ((k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return false;
		i += k + 1;
	}
	return true;
}

int jname(struct jctx *c, const cJSON *v, const char *path, size_t max_bytes,
	  char *out)
{
	char d[JDESC_MAX];
	const char *s = NULL;
	size_t n;
	int rc = jstr(c, v, path, &s);

	if (rc < 0)
		return rc;
	n = strlen(s);
	/* S4: the JSON string with its two quotes is at most 256 bytes. */
	if (n > max_bytes)
		return err_set(c->e, ERANGE,
			       "%s: %s is %zu bytes, more than %zu (S4: %zu with the quotes)",
			       path, jdesc(v, d), n, max_bytes, max_bytes + 2);
	if (!utf8_valid(s, n))
		return err_set(c->e, EINVAL, "%s: %s is not valid UTF-8", path,
			       jdesc(v, d));
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return err_set(c->e, EINVAL,
				       "%s: %s holds a control character", path,
				       jdesc(v, d));
	memcpy(out, s, n + 1);
	return 0;
}

int jv6addr(struct jctx *c, const cJSON *v, const char *path,
	    struct in6_addr *out)
{
	char d[JDESC_MAX];
	const char *s = NULL;
	int rc = jstr(c, v, path, &s);

	if (rc < 0)
		return rc;
	if (v6addr_parse(s, out) < 0)
		return err_set(c->e, EINVAL, "%s: %s is not an IPv6 address",
			       path, jdesc(v, d));
	return 0;
}

int jv6pfx(struct jctx *c, const cJSON *v, const char *path,
	   struct v6pfx *out)
{
	char d[JDESC_MAX];
	struct in6_addr m;
	struct v6pfx p;
	const char *s = NULL;
	int rc = jstr(c, v, path, &s);

	if (rc < 0)
		return rc;
	if (v6pfx_parse(s, false, &p) < 0)
		return err_set(c->e, EINVAL, "%s: %s is not an IPv6 prefix",
			       path, jdesc(v, d));
	m = p.addr;
	v6_mask(&m, p.len);
	if (memcmp(&m, &p.addr, sizeof(m)) != 0)
		return err_set(c->e, EINVAL,
			       "%s: %s has bits set after /%u", path,
			       jdesc(v, d), p.len);
	*out = p;
	return 0;
}

int jv4addr(struct jctx *c, const cJSON *v, const char *path,
	    struct in_addr *out)
{
	char d[JDESC_MAX];
	const char *s = NULL;
	int rc = jstr(c, v, path, &s);

	if (rc < 0)
		return rc;
	if (v4addr_parse(s, out) < 0)
		return err_set(c->e, EINVAL, "%s: %s is not an IPv4 address",
			       path, jdesc(v, d));
	return 0;
}

int jv4pfx(struct jctx *c, const cJSON *v, const char *path,
	   struct v4pfx *out)
{
	char d[JDESC_MAX];
	const char *s = NULL;
	int rc = jstr(c, v, path, &s);

	if (rc < 0)
		return rc;
	if (v4pfx_parse(s, false, out) < 0)
		return err_set(c->e, EINVAL, "%s: %s is not an IPv4 prefix",
			       path, jdesc(v, d));
	return 0;
}

bool json_has_nul_escape(const char *json, size_t len)
{
	bool in_str = false;

	for (size_t i = 0; i < len; i++) {
		if (!in_str) {
			in_str = json[i] == '"';
			continue;
		}
		if (json[i] == '"') {
			in_str = false;
		} else if (json[i] == '\\' && i + 1 < len) {
			if (len - i >= 6 && memcmp(json + i + 1, "u0000", 5) == 0)
				return true;
			i++; /* skip the escaped character */
		}
	}
	return false;
}
