/* SPDX-License-Identifier: MIT */
/* sandbox_exec: run a command under the [Service] sandbox of a systemd unit,
 * applied by hand (issue 6, "prove the unit works"): this host's PID 1 is
 * not systemd and the test VM boots a small init, so there is no
 * systemd-run. Every directive of the unit's [Service] section is either
 * applied here the way systemd.exec(5) describes it, or listed as not a
 * sandbox directive (lifecycle: Type=, Restart=, ...); anything else makes
 * us refuse to run (exit 2), so the test follows the unit when it changes.
 *
 * Usage: sandbox_exec --unit FILE --syscall-sets FILE --state-dir DIR
 *                     --run-dir DIR [--explain] [--check] -- CMD [ARG...]
 *   --syscall-sets  the output of `systemd-analyze syscall-filter` (the
 *                   groups @system-service, @privileged, ... as this
 *                   systemd defines them)
 *   --state-dir/--run-dir   what StateDirectory=/RuntimeDirectory= would be
 *                   (/var/lib/NAME, /run/NAME): the writable places
 *   --check         parse and explain only; run nothing
 * Exit: CMD's exec, or 2 (the unit holds what we cannot apply), 125 (a
 * step failed). Order as systemd's exec: namespaces and mounts as root,
 * then umask, keyring, capabilities, no_new_privs, seccomp, exec. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox.h"

extern char **environ;

bool explain;

void say(const char *fmt, ...)
{
	va_list ap;

	if (!explain)
		return;
	va_start(ap, fmt);
	fputs("sandbox: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("sandbox_exec: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(code);
}

void push(struct list *l, const char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (!l->v)
			die(125, "out of memory");
	}
	if (!(l->v[l->n++] = strdup(s)))
		die(125, "out of memory");
}

bool has(const struct list *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], s))
			return true;
	return false;
}

/* Take s out of l; 1 if it was there. */
size_t drop(struct list *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], s)) {
			free(l->v[i]);
			l->v[i] = l->v[--l->n];
			return 1;
		}
	return 0;
}

/* ---- main -------------------------------------------------------------------- */

static void session(const struct sb *s)
{
	if (s->has_umask) {
		umask(s->umask_v);
		say("UMask=%04o", (unsigned)s->umask_v);
	}
	if (s->keyring_private) {
		if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0)
			die(125, "KeyringMode=private: keyctl: %s", strerror(errno));
		say("KeyringMode=private: a new anonymous session keyring");
	}
	if (chdir("/") < 0)
		die(125, "chdir /: %s", strerror(errno));
}

int main(int argc, char **argv)
{
	const char *unit = NULL, *sets = NULL, *state_dir = NULL, *run_dir = NULL;
	bool check = false;
	struct sb s = { 0 };
	scmp_filter_ctx rc;
	int i, exe;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--explain"))
			explain = true;
		else if (!strcmp(argv[i], "--check"))
			check = explain = true;
		else if (i + 1 < argc && !strcmp(argv[i], "--unit"))
			unit = argv[++i];
		else if (i + 1 < argc && !strcmp(argv[i], "--syscall-sets"))
			sets = argv[++i];
		else if (i + 1 < argc && !strcmp(argv[i], "--state-dir"))
			state_dir = argv[++i];
		else if (i + 1 < argc && !strcmp(argv[i], "--run-dir"))
			run_dir = argv[++i];
		else
			die(2, "unknown argument %s", argv[i]);
	}
	if (!unit || !sets || (!check && (i + 1 >= argc || !state_dir || !run_dir)))
		die(2, "usage: sandbox_exec --unit F --syscall-sets F --state-dir D --run-dir D [--explain|--check] -- CMD...");
	parse_unit(&s, unit);
	load_sets(sets);
	if (!s.state_dir || !s.run_dir)
		die(2, "%s: no StateDirectory=/RuntimeDirectory=: where may the agent write?", unit);
	if (!check && s.private_tmp &&
	    (!strncmp(state_dir, "/tmp/", 5) || !strncmp(run_dir, "/tmp/", 5)))
		die(2, "PrivateTmp=yes would hide a directory under /tmp");
	if (check) {
		scmp_filter_ctx c = allow_list(&s), r2 = seccomp_init(SCMP_ACT_ALLOW);

		restrictions(&s, r2);
		seccomp_release(c);
		seccomp_release(r2);
		return 0;
	}
	/* The program is opened before the mounts: installed, it lives in
	 * /usr/sbin, which the sandbox shows; a build tree under /tmp, /home
	 * or /root (where a CI may check out) would be hidden by PrivateTmp=
	 * and ProtectHome=, and what is under test is the sandbox around the
	 * program, not where its file lies. */
	exe = strchr(argv[i + 1], '/') ? open(argv[i + 1], O_PATH | O_CLOEXEC) : -1;
	namespaces(&s);
	mounts(&s, state_dir, run_dir);
	session(&s);
	if (!s.has_bset)
		die(2, "%s: no CapabilityBoundingSet=: this test proves least privilege", unit);
	capabilities(&s);
	if (s.nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die(125, "PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
	say("NoNewPrivileges=%s", s.nnp ? "yes" : "no");
	rc = seccomp_init(SCMP_ACT_ALLOW);
	if (!rc)
		die(125, "seccomp_init failed");
	restrictions(&s, rc);
	/* the allow-list last: seccomp() itself is not on it */
	load(rc, "restrictions");
	if (s.filter_mode)
		load(allow_list(&s), "SystemCallFilter");
	if (exe >= 0)
		syscall(SYS_execveat, exe, "", argv + i + 1, environ, AT_EMPTY_PATH);
	else
		execvp(argv[i + 1], argv + i + 1);
	die(127, "exec %s: %s", argv[i + 1], strerror(errno));
}