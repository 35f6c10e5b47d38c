/* SPDX-License-Identifier: MIT */
/* The daemon's configuration file: every key, and refusals with the line. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../agent/conf.h"
#include "config.h"
#include "../../tunnels/method.h"

static char *write_tmp(const char *text)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/v6mig-conf-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void test_full_file(void **state)
{
	struct v6mig_config c;
	struct err e;
	char *p = write_tmp(
		"# v6mig\n"
		"wan = eth0\n"
		"lan = br-lan, eth2\n"
		"lan = eth3\n"
		"resolvers = 2001:db8::53 192.0.2.53#5353\n"
		"domain = 4over6.example\n"
		"  vendorid=acde48-lab  \n"
		"product = LAB-CPE\n"
		"version = 1_2\n"
		"ca_file = /etc/v6mig/ca.pem\n"
		"user = alice\n"
		"pass = s3cret\n"
		"server_name = prov.example.net\n"
		"method = auto\n"
		"provisioning_file = /etc/v6mig/fixed.json\n"
		"prefix = 2001:db8:12:3400::/56\n"
		"state_dir = /var/lib/x\n"
		"run_dir = /run/x\n"
		"log_level = debug\n"
		"timeout = 12\n"
		"keep_on_exit = yes\n"
		"ipip_index = 1\n");

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_load(&c, p, &e), 0);
	unlink(p);
	assert_string_equal(c.wan, "eth0");
	assert_int_equal(c.n_lan, 3);
	assert_string_equal(c.lan[1], "eth2");
	assert_string_equal(c.lan[2], "eth3");
	assert_int_equal(c.n_resolvers, 2);
	assert_string_equal(c.resolvers[1], "192.0.2.53#5353");
	assert_string_equal(c.domain, "4over6.example");
	assert_string_equal(c.vendorid, "acde48-lab");
	assert_int_equal(c.method, -1);
	assert_true(c.has_prefix);
	assert_int_equal(c.prefix.len, 56);
	assert_int_equal(c.log_level, LOG_LVL_DEBUG);
	assert_int_equal(c.timeout_s, 12);
	assert_true(c.keep_on_exit);
	assert_int_equal(c.ipip_index, 1);
	assert_int_equal(config_check(&c, &e), 0);
}

static void test_defaults(void **state)
{
	struct v6mig_config c;
	struct err e;

	(void)state;
	config_defaults(&c);
	assert_string_equal(c.domain, "4over6.info");
	assert_string_equal(c.state_dir, "/var/lib/v6mig");
	assert_string_equal(c.run_dir, "/run/v6mig");
	assert_int_equal(c.method, -1);
	assert_int_equal(c.timeout_s, 30);
	assert_false(c.keep_on_exit);
	assert_int_equal(config_check(&c, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "no wan"));
}

/* A bad line: the file name, the line number and the value; and the
 * configuration is left exactly as it was. */
static void expect_line_error(const char *text, const char *needle)
{
	struct v6mig_config c, before;
	struct err e;
	char *p = write_tmp(text);

	config_defaults(&c);
	config_set(&c, "wan", "keep0", "test", &e);
	before = c;
	assert_int_equal(config_load(&c, p, &e), -EINVAL);
	unlink(p);
	if (!strstr(e.msg, needle))
		fail_msg("'%s' does not contain '%s'", e.msg, needle);
	assert_memory_equal(&c, &before, sizeof(c));
}

static void test_refusals(void **state)
{
	(void)state;
	expect_line_error("wan = eth0\nbogus = 1\n", ":2: unknown key 'bogus'");
	expect_line_error("wan = eth0/1\n", ":1: wan 'eth0/1' is not an interface name");
	expect_line_error("\n\nwan = averyveryverylongname\n", ":3: wan");
	expect_line_error("resolvers = 2001:db8::53#99999\n", "'99999'");
	expect_line_error("resolvers = ns.example\n", "resolver 'ns.example' is not an IP address");
	expect_line_error("method = mape\n", "method 'mape'");
#ifndef CONFIG_METHOD_MAP_T
	expect_line_error("method = map_t\n", "method 'map_t' is not in this build");
#endif
	expect_line_error("timeout = 0\n", "timeout '0' is not a number from 1 to 300");
	expect_line_error("timeout = 3x\n", "timeout '3x'");
	expect_line_error("keep_on_exit = maybe\n", "keep_on_exit 'maybe' is not yes or no");
	expect_line_error("ca_file = relative.pem\n", "not an absolute path");
	expect_line_error("prefix = 2001:db8::/129\n", "prefix '2001:db8::/129'");
	expect_line_error("log_level = loud\n", "log_level 'loud'");
	expect_line_error("wan eth0\n", ":1: 'wan eth0' is not key = value");
	expect_line_error(" = x\n", "missing key");
	/* Q1: the discovery name is a DNS name (c-ares answered a 70-byte
	 * label from inside ares_query: issue 11.1) */
	expect_line_error("domain = a.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.example\n",
			  ":1: domain 'a.bbbb");
	expect_line_error("domain = a..example\n", "is not a DNS name");
	expect_line_error("domain = 4over6 .info\n", "is not a DNS name");
	expect_line_error("pass_file = relative\n", "pass_file 'relative' is not an absolute path");
	expect_line_error("pass_file = /nonexistent/pass\n", ":1: pass_file /nonexistent/pass: No such file");
}

/* A pass is never echoed: not when too long, not from a file. */
static void test_secret_never_echoed(void **state)
{
	const char *secret = "Sup3rS3cretSup3rS3cretSup3rS3cretSup3rS3cretSup3rS3cretSup3rS3cret";
	struct v6mig_config c;
	struct err e = { "" };
	char text[256], *p;

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_set(&c, "pass", secret, "v6mig.conf:3", &e), -EINVAL);
	assert_null(strstr(e.msg, "Sup3r"));
	assert_non_null(strstr(e.msg, "v6mig.conf:3: pass (66 bytes) is longer than 63 bytes"));
	/* pass_file: one line, newline dropped; too long refused unseen */
	p = write_tmp("fromfile_pw\n");
	snprintf(text, sizeof(text), "%s", p);
	assert_int_equal(config_set(&c, "pass_file", text, "t", &e), 0);
	assert_string_equal(c.pass, "fromfile_pw");
	unlink(p);
	p = write_tmp(secret);
	snprintf(text, sizeof(text), "%s", p);
	assert_int_equal(config_set(&c, "pass_file", text, "t", &e), -EINVAL);
	assert_null(strstr(e.msg, "Sup3r"));
	assert_non_null(strstr(e.msg, "not one line of 1-63 bytes"));
	unlink(p);
	p = write_tmp("two\nlines\n");
	snprintf(text, sizeof(text), "%s", p);
	assert_int_equal(config_set(&c, "pass_file", text, "t", &e), -EINVAL);
	assert_null(strstr(e.msg, "lines"));
	unlink(p);
	assert_string_equal(c.pass, "fromfile_pw");
}

/* S8 fixed mode: a method name is accepted only when this build has it. */
static void test_fixed_method(void **state)
{
	struct v6mig_config c;
	struct err e;
	int rc;

	(void)state;
	config_defaults(&c);
	for (int m = 0; m < METHOD__COUNT; m++) {
		rc = config_set(&c, "method", method_name((enum method)m), "t", &e);
		if (method_ops((enum method)m)) {
			assert_int_equal(rc, 0);
			assert_int_equal(c.method, m);
		} else {
			assert_int_equal(rc, -EINVAL);
			assert_non_null(strstr(e.msg, "not in this build"));
		}
	}
}

static void test_cross_checks(void **state)
{
	struct v6mig_config c;
	struct err e;

	(void)state;
	config_defaults(&c);
	config_set(&c, "wan", "eth0", "t", &e);
	config_set(&c, "user", "alice", "t", &e);
	assert_int_equal(config_check(&c, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "R6"));
	config_set(&c, "pass", "pw", "t", &e);
	assert_int_equal(config_check(&c, &e), 0);
	config_set(&c, "lan", "eth0", "t", &e);
	assert_int_equal(config_check(&c, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "lan 'eth0' is also the wan"));
}

static void test_missing_file(void **state)
{
	struct v6mig_config c;
	struct err e;

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_load(&c, "/nonexistent/v6mig.conf", &e), -ENOENT);
	assert_non_null(strstr(e.msg, "/nonexistent/v6mig.conf"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_file),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_secret_never_echoed),
		cmocka_unit_test(test_fixed_method),
		cmocka_unit_test(test_cross_checks),
		cmocka_unit_test(test_missing_file),
	};

	return cmocka_run_group_tests_name("conf", tests, NULL, NULL);
}
