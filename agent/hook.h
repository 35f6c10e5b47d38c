/* SPDX-License-Identifier: MIT */
/* The hook (issue 14): an operator's program run on every state change,
 * the facts in its environment -- the udhcpc script / odhcp6c state
 * script of this daemon. No shell: posix_spawn of the path itself. It
 * runs in its own process group with an empty signal mask, stdin from
 * /dev/null, stdout and stderr into a pipe the loop reads (the first
 * line is logged), and no descriptor of ours but those. Its end is seen
 * through a pidfd in the loop; at the timeout the whole group is killed
 * (SIGKILL). Nothing here waits: a hanging or failing hook never stalls
 * the daemon. */
#ifndef V6MIG_HOOK_H
#define V6MIG_HOOK_H

#include <stdbool.h>

#include "../tunnels/err.h"
#include "loop.h"

#define HOOK_LINE_MAX 200

struct hook;

struct hook_result {
	bool exited;              /* exit_code valid; else killed by signo */
	int exit_code;
	int signo;
	bool timed_out;           /* we killed it at the timeout */
	unsigned long ms;         /* from spawn to its end */
	char line[HOOK_LINE_MAX]; /* first line of its output, or "" */
};

typedef void (*hook_cb)(void *arg, const struct hook_result *r);

/* Start path with argv { path, event } and exactly envp (NULL-ended).
 * The callback runs once, from the loop, when the program has ended;
 * free the hook after it (not inside it). 0 or -errno. */
int hook_start(struct hook **out, struct loop *l, const char *path,
	       const char *event, char *const envp[], unsigned timeout_ms,
	       hook_cb cb, void *arg, struct err *e);
/* Kill it (the group) if still running, reap it, free. NULL-safe. */
void hook_free(struct hook *h);
/* "exit 0", "exit 3", "killed by SIGSEGV", "killed at the timeout (10 s)" */
void hook_result_str(const struct hook_result *r, char *buf, size_t size);

#endif
