/* SPDX-License-Identifier: MIT */
/* The hook runner (agent/hook.c) with real programs and the real loop:
 * its environment is exactly what we pass, a hang is killed at the
 * timeout (its children too) without the loop waiting, a failure's exit
 * status and first output line come back, our blocked signals are not
 * blocked in it, and a missing program is an error at once. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../agent/hook.h"

struct done {
	struct loop *l;
	int n;
	struct hook_result r;
};

static char dir[] = "/tmp/v6t-hook.XXXXXX";

static void on_done(void *arg, const struct hook_result *r)
{
	struct done *d = arg;

	d->n++;
	d->r = *r;
	loop_quit(d->l);
}

static const char *script(const char *name, const char *body)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	chmod(path, 0755);
	return path;
}

/* Run path until its callback (bounded: 5 s of loop turns). */
static uint64_t run(const char *path, char *const envp[], unsigned timeout_ms,
		    struct done *d)
{
	struct hook *h = NULL;
	struct err e;
	uint64_t t0 = loop_now_ms();

	memset(d, 0, sizeof(*d));
	d->l = loop_new();
	assert_int_equal(hook_start(&h, d->l, path, "configured", envp, timeout_ms,
				    on_done, d, &e), 0);
	while (d->n == 0 && loop_now_ms() - t0 < 5000)
		loop_run_once(d->l, 100);
	hook_free(h);
	loop_free(d->l);
	assert_int_equal(d->n, 1);
	return loop_now_ms() - t0;
}

static void test_env_exactly(void **state)
{
	char *envp[] = { "V6MIG_EVENT=configured", "V6MIG_IPV4=192.0.2.1",
			 "V6MIG_PORT_RANGES=4096-4111 8192-8207", "PATH=/usr/bin:/bin", NULL };
	char out[256], buf[1024] = "";
	struct done d;
	FILE *f;
	size_t n;

	(void)state;
	snprintf(out, sizeof(out), "%s/env.out", dir);
	snprintf(buf, sizeof(buf), "echo \"arg $1\"; env | sort > %s; echo recorded", out);
	run(script("env.sh", buf), envp, 2000, &d);
	assert_true(d.r.exited);
	assert_int_equal(d.r.exit_code, 0);
	assert_string_equal(d.r.line, "arg configured");
	f = fopen(out, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	/* sh adds PWD (and SHLVL, _ in some shells); nothing of ours leaks */
	assert_non_null(strstr(buf, "V6MIG_EVENT=configured\n"));
	assert_non_null(strstr(buf, "V6MIG_PORT_RANGES=4096-4111 8192-8207\n"));
	assert_null(strstr(buf, "HOME="));
	assert_null(strstr(buf, "CMOCKA"));
}

/* Still running: exists and is not a zombie (bounded wait for the kill). */
static bool running(pid_t pid)
{
	char path[64], st[256];

	for (int i = 0; i < 40; i++) {
		FILE *f;
		char *p;

		snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
		f = fopen(path, "r");
		if (!f)
			return false;
		p = fgets(st, sizeof(st), f);
		fclose(f);
		p = p ? strrchr(st, ')') : NULL;
		if (p && (p[2] == 'Z' || p[2] == 'X'))
			return false;
		usleep(50000);
	}
	return true;
}

static void test_hang_killed(void **state)
{
	char *envp[] = { NULL };
	char out[512], body[600];
	struct done d;
	uint64_t ms;

	(void)state;
	/* a child that would outlive the hook: the group is killed */
	snprintf(out, sizeof(out), "%s/child.pid", dir);
	snprintf(body, sizeof(body), "echo starting; sleep 30 & echo $! > %s; wait", out);
	/* 1 s: time enough for a shell on a loaded machine to print and
	 * fork before the kill (300 ms failed once at load 7 on 2 cores) */
	ms = run(script("hang.sh", body), envp, 1000, &d);
	assert_true(d.r.timed_out);
	assert_false(d.r.exited);
	assert_int_equal(d.r.signo, SIGKILL);
	assert_string_equal(d.r.line, "starting");
	assert_true(ms >= 1000 && ms < 4000);
	{
		FILE *f = fopen(out, "r");
		long pid = 0;

		assert_non_null(f);
		assert_int_equal(fscanf(f, "%ld", &pid), 1);
		fclose(f);
		/* gone, or dead and waiting for its new parent (init) to
		 * reap it: not running either way */
		assert_false(running((pid_t)pid));
	}
}

static void test_failure_reported(void **state)
{
	char *envp[] = { NULL };
	char text[64];
	struct done d;

	(void)state;
	run(script("fail.sh", "echo 'radvd: no such file' >&2; echo second; exit 3"),
	    envp, 2000, &d);
	assert_true(d.r.exited);
	assert_false(d.r.timed_out);
	assert_int_equal(d.r.exit_code, 3);
	assert_string_equal(d.r.line, "radvd: no such file");
	hook_result_str(&d.r, text, sizeof(text));
	assert_memory_equal(text, "exit 3 after", 12);
}

/* The daemon blocks SIGTERM for its signalfd: the hook must not inherit
 * that, or `kill` from it (or systemd's stop) would not end it. */
static void test_signals_not_blocked(void **state)
{
	char *envp[] = { NULL };
	sigset_t set, old;
	struct done d;

	(void)state;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, &old);
	run(script("term.sh", "kill -TERM $$; sleep 5; echo survived"), envp, 3000, &d);
	sigprocmask(SIG_SETMASK, &old, NULL);
	assert_false(d.r.exited);
	assert_false(d.r.timed_out);
	assert_int_equal(d.r.signo, SIGTERM);
}

static void test_missing_program(void **state)
{
	char *envp[] = { NULL };
	struct loop *l = loop_new();
	struct hook *h = (struct hook *)1;
	struct err e;

	(void)state;
	assert_int_equal(hook_start(&h, l, "/nonexistent/v6mig-hook", "stopped", envp,
				    1000, on_done, NULL, &e), -ENOENT);
	assert_null(h);
	assert_non_null(strstr(e.msg, "/nonexistent/v6mig-hook"));
	loop_free(l);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_env_exactly),
		cmocka_unit_test(test_hang_killed),
		cmocka_unit_test(test_failure_reported),
		cmocka_unit_test(test_signals_not_blocked),
		cmocka_unit_test(test_missing_program),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
