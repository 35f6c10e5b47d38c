/* SPDX-License-Identifier: MIT */
#include "textesc.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The length of the well-formed UTF-8 sequence at s of a printable code
 * point >= U+00A0 (RFC 3629 4), or 0. */
static size_t utf8_printable(const unsigned char *s, size_t left)
{
	size_t n = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
	uint32_t cp;

	if (n == 0 || s[0] > 0xf4 || n > left)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	cp = n == 2 ? (uint32_t)(s[0] & 0x1f) << 6 | (s[1] & 0x3f) :
	     n == 3 ? (uint32_t)(s[0] & 0x0f) << 12 | (uint32_t)(s[1] & 0x3f) << 6 | (s[2] & 0x3f) :
		      (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3f) << 12 |
		      (uint32_t)(s[2] & 0x3f) << 6 | (s[3] & 0x3f);
	/* C1 controls, overlong forms, surrogates, beyond U+10FFFF. */
	if (cp < 0xa0 || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

/* How many bytes at s pass as they are (0: escape s[0]). */
static size_t plain_len(const unsigned char *s, size_t left, unsigned flags)
{
	if (s[0] >= 0x20 && s[0] < 0x7f)
		return s[0] == '\\' && (flags & TEXT_ESC_BACKSLASH) ? 0 : 1;
	return s[0] >= 0x80 ? utf8_printable(s, left) : 0;
}

char *text_escape(const char *s, size_t len, char *buf, size_t size,
		  unsigned flags)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = 0;

	if (size < 4) {
		if (size)
			buf[0] = '\0';
		return buf;
	}
	/* Invariant: n + 4 <= size, room for "..." and the NUL. */
	for (size_t i = 0; i < len;) {
		size_t k = plain_len(u + i, len - i, flags);
		char esc[8];
		const char *from = s + i;

		if (k == 0) {
			snprintf(esc, sizeof(esc), "\\x%02x", u[i]);
			from = esc;
		}
		if (n + (k ? k : 4) + 4 > size) {
			memcpy(buf + n, "...", 4);
			return buf;
		}
		memcpy(buf + n, from, k ? k : 4);
		n += k ? k : 4;
		i += k ? k : 1;
	}
	buf[n] = '\0';
	return buf;
}

bool text_is_clean(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;

	for (size_t i = 0, k; i < len; i += k)
		if ((k = plain_len(u + i, len - i, 0)) == 0)
			return false;
	return true;
}
