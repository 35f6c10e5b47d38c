/* SPDX-License-Identifier: MIT */
/* configs/v6mig.conf.example shows every key commented out with its
 * default: uncommented, it must load and change nothing. (Which keys it
 * lists is checked against agent/conf.c by tests/cli/test_install.sh.)
 * Run from the top of the tree, as make unit does. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../agent/conf.h"

#define EXAMPLE "configs/v6mig.conf.example"

/* "#key = value" with a value: the documented default. */
static int default_line(const char *line, char *out, size_t size)
{
	const char *p = line + 1, *eq;

	if (line[0] != '#' || !islower((unsigned char)line[1]))
		return 0;
	for (; *p && (islower((unsigned char)*p) || *p == '_'); p++)
		;
	if (strncmp(p, " = ", 3) != 0)
		return 0;
	eq = p + 3;
	if (!*eq || *eq == '\n')
		return 0;
	snprintf(out, size, "%s", line + 1);
	return 1;
}

static void test_uncommented_defaults_change_nothing(void **state)
{
	char line[512], kv[512], path[] = "/tmp/v6mig-example-XXXXXX";
	struct v6mig_config want, got;
	struct err e = { "" };
	FILE *in = fopen(EXAMPLE, "r"), *out;
	int fd, n = 0;

	(void)state;
	assert_non_null(in);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	out = fdopen(fd, "w");
	assert_non_null(out);
	while (fgets(line, sizeof(line), in)) {
		if (default_line(line, kv, sizeof(kv))) {
			fputs(kv, out);
			n++;
		}
	}
	fclose(in);
	fclose(out);
	/* domain vendorid product version timeout method ipip_index
	 * hook_timeout keep_on_exit state_dir run_dir log_level */
	assert_int_equal(n, 12);

	config_defaults(&want);
	config_defaults(&got);
	assert_int_equal(config_load(&got, path, &e), 0);
	unlink(path);
	assert_string_equal(got.domain, want.domain);
	assert_string_equal(got.vendorid, want.vendorid);
	assert_string_equal(got.product, want.product);
	assert_string_equal(got.version, want.version);
	assert_int_equal(got.timeout_s, want.timeout_s);
	assert_int_equal(got.method, want.method);
	assert_int_equal(got.ipip_index, want.ipip_index);
	assert_int_equal(got.keep_on_exit, want.keep_on_exit);
	assert_int_equal(got.hook_timeout_s, want.hook_timeout_s);
	assert_string_equal(got.hook, want.hook);
	assert_string_equal(got.state_dir, want.state_dir);
	assert_string_equal(got.run_dir, want.run_dir);
	assert_int_equal(got.log_level, want.log_level);
}

/* As shipped (all commented out) it loads and sets nothing. */
static void test_as_shipped_is_empty(void **state)
{
	struct v6mig_config want, got;
	struct err e = { "" };

	(void)state;
	config_defaults(&want);
	config_defaults(&got);
	assert_int_equal(config_load(&got, EXAMPLE, &e), 0);
	assert_string_equal(got.wan, "");
	assert_int_equal(got.n_lan, 0);
	assert_int_equal(got.n_resolvers, 0);
	assert_string_equal(got.ca_file, "");
	assert_string_equal(got.user, "");
	assert_string_equal(got.pass, "");
	assert_string_equal(got.server_name, "");
	assert_string_equal(got.provisioning_file, "");
	assert_false(got.has_prefix);
	assert_string_equal(got.domain, want.domain);
	assert_string_equal(got.state_dir, want.state_dir);
	assert_int_equal(got.timeout_s, want.timeout_s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uncommented_defaults_change_nothing),
		cmocka_unit_test(test_as_shipped_is_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
