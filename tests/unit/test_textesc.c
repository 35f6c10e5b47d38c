/* SPDX-License-Identifier: MIT */
/* The one escaping of outside text on its way to logs, status and
 * terminals (textesc.h): controls and broken UTF-8 never pass raw. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "../../agent/textesc.h"

static void esc(const char *in, size_t len, unsigned flags, const char *want)
{
	char buf[128];

	text_escape(in, len, buf, sizeof(buf), flags);
	if (strcmp(buf, want))
		fail_msg("escaped '%s', want '%s'", buf, want);
	assert_true(text_is_clean(buf, strlen(buf)));
}

static void test_controls_escaped(void **state)
{
	(void)state;
	esc("plain text", 10, 0, "plain text");
	/* C0, ESC of a terminal sequence, DEL, NUL inside */
	esc("a\x1b[31mb\x7f\n", 9, 0, "a\\x1b[31mb\\x7f\\x0a");
	esc("a\0b", 3, 0, "a\\x00b");
	/* C1 as raw bytes (0x9b: CSI of 8-bit terminals) and as UTF-8 */
	esc("\x9b" "2J", 3, 0, "\\x9b2J");
	esc("\xc2\x9b" "2J", 4, 0, "\\xc2\\x9b2J");
	/* the backslash, only when asked */
	esc("a\\b", 3, 0, "a\\b");
	esc("a\\b", 3, TEXT_ESC_BACKSLASH, "a\\x5cb");
}

static void test_utf8_kept_broken_escaped(void **state)
{
	(void)state;
	/* a provider name in Japanese stays readable */
	esc("\xe6\x97\xa5\xe6\x9c\xac", 6, 0, "\xe6\x97\xa5\xe6\x9c\xac");
	esc("\xc2\xa0", 2, 0, "\xc2\xa0");            /* U+00A0 */
	esc("\xf0\x9f\x98\x80", 4, 0, "\xf0\x9f\x98\x80"); /* U+1F600 */
	/* overlong '/', a lone continuation, a cut sequence, a surrogate */
	esc("\xc0\xaf", 2, 0, "\\xc0\\xaf");
	esc("\xe0\x80\xaf", 3, 0, "\\xe0\\x80\\xaf");
	esc("\x80", 1, 0, "\\x80");
	esc("\xe6\x97", 2, 0, "\\xe6\\x97");
	esc("\xed\xa0\x80", 3, 0, "\\xed\\xa0\\x80");
	esc("\xf4\x90\x80\x80", 4, 0, "\\xf4\\x90\\x80\\x80");
	assert_false(text_is_clean("\x1b", 1));
	assert_true(text_is_clean("\xe6\x97\xa5", 3));
}

static void test_cut(void **state)
{
	char buf[8];

	(void)state;
	assert_string_equal(text_escape("0123456789", 10, buf, sizeof(buf), 0),
			    "0123...");
	/* an escape is never cut in half */
	assert_string_equal(text_escape("ab\x01\x02", 4, buf, sizeof(buf), 0),
			    "ab...");
	assert_string_equal(text_escape("abc", 3, buf, 3, 0), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_controls_escaped),
		cmocka_unit_test(test_utf8_kept_broken_escaped),
		cmocka_unit_test(test_cut),
	};

	return cmocka_run_group_tests_name("textesc", tests, NULL, NULL);
}
