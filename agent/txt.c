/* SPDX-License-Identifier: MIT */
#include "txt.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "textesc.h"

#define SHOW_MAX 200 /* how much of a record a message quotes */

char *txt_printable(const char *rec, size_t len, char *buf, size_t size)
{
	return text_escape(rec, len, buf, size, TEXT_ESC_BACKSLASH);
}

/* The fields we know; the others are ignored (3.1 lists only these). */
enum txt_field { F_V, F_URL, F_T, F__COUNT };
static const char *const field_names[F__COUNT] = { "v", "url", "t" };

struct fields {
	const char *val[F__COUNT];
	size_t len[F__COUNT];
};

static int field_of(const char *key, size_t n)
{
	for (int f = 0; f < F__COUNT; f++)
		if (strlen(field_names[f]) == n && !memcmp(key, field_names[f], n))
			return f;
	return -1;
}

/* One "key=value" token; value may hold more '=' (a URL's query). */
static int take_token(const char *tok, size_t n, struct fields *fs,
		      struct err *e)
{
	const char *eq = memchr(tok, '=', n);
	int f;

	if (!eq || eq == tok)
		return err_set(e, EINVAL, "token '%.*s' is not key=value",
			       (int)(n > 64 ? 64 : n), tok);
	f = field_of(tok, (size_t)(eq - tok));
	if (f < 0)
		return 0;
	if (fs->val[f])
		return err_set(e, EINVAL, "field '%s' appears twice",
			       field_names[f]);
	fs->val[f] = eq + 1;
	fs->len[f] = n - (size_t)(eq + 1 - tok);
	return 0;
}

/* Split at spaces (any number, leading and trailing too) into fields. */
static int split_fields(const char *rec, size_t len, struct fields *fs,
			struct err *e)
{
	size_t i = 0;

	memset(fs, 0, sizeof(*fs));
	for (size_t k = 0; k < len; k++) {
		unsigned char c = (unsigned char)rec[k];

		if (c < 0x20 || c >= 0x7f)
			return err_set(e, EINVAL,
				       "byte 0x%02x at offset %zu is not printable ASCII",
				       c, k);
	}
	while (i < len) {
		size_t n;

		while (i < len && rec[i] == ' ')
			i++;
		for (n = 0; i + n < len && rec[i + n] != ' '; n++)
			;
		if (n && take_token(rec + i, n, fs, e) < 0)
			return -EINVAL;
		i += n;
	}
	return 0;
}

static bool field_is(const struct fields *fs, enum txt_field f, const char *s)
{
	return fs->len[f] == strlen(s) && !memcmp(fs->val[f], s, fs->len[f]);
}

static int check_fields(const struct fields *fs, struct txt_result *r,
			struct err *e)
{
	struct url u;
	char url[URL_MAX];

	for (int f = 0; f < F__COUNT; f++)
		if (!fs->val[f])
			return err_set(e, EINVAL, "field '%s' missing (D5)",
				       field_names[f]);
	if (!field_is(fs, F_V, TXT_VERSION))
		return err_set(e, EINVAL, "v is '%.*s', not %s (D3)",
			       (int)fs->len[F_V], fs->val[F_V], TXT_VERSION);
	if (!field_is(fs, F_T, "a") && !field_is(fs, F_T, "b"))
		return err_set(e, EINVAL, "t is '%.*s', not a or b (D4)",
			       (int)fs->len[F_T], fs->val[F_T]);
	if (fs->len[F_URL] >= sizeof(url))
		return err_set(e, EINVAL, "url longer than %zu bytes",
			       sizeof(url) - 1);
	memcpy(url, fs->val[F_URL], fs->len[F_URL]);
	url[fs->len[F_URL]] = '\0';
	if (url_parse(url, &u, e) < 0)
		return -EINVAL;
	r->verify = fs->val[F_T][0] == 'b';
	if (r->verify && !u.https)
		return err_set(e, EINVAL, "http URL with t=b (D4)");
	memcpy(r->url, url, fs->len[F_URL] + 1);
	return 0;
}

int txt_parse_record(const char *rec, size_t len, struct txt_result *out,
		     struct err *e)
{
	char show[SHOW_MAX];
	struct fields fs;
	struct txt_result r;

	if (len > TXT_RECORD_MAX)
		return err_set(e, EINVAL, "TXT record of %zu bytes (more than %d)",
			       len, TXT_RECORD_MAX);
	if (split_fields(rec, len, &fs, e) < 0 || check_fields(&fs, &r, e) < 0)
		return err_wrap(e, EINVAL, "TXT record \"%s\"",
				txt_printable(rec, len, show, sizeof(show)));
	*out = r;
	return 0;
}

int txt_select(const char *const *recs, const size_t *lens, size_t n,
	       struct txt_result *out, struct err *e)
{
	if (n == 0)
		return err_set(e, ENOENT, "no TXT record (D5)");
	if (n > 1)
		return err_set(e, EINVAL, "%zu TXT records, exactly one expected (D2, D5)",
			       n);
	return txt_parse_record(recs[0], lens[0], out, e);
}
