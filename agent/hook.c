/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE /* pipe2, closefrom_np, sigabbrev_np (glibc 2.34+) */
#include "hook.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

#define HOOK_OUT_MAX 4096 /* output kept; the rest is read and dropped */

struct hook {
	struct loop *l;
	pid_t pid;
	struct loop_fd pid_h, out_h;
	struct loop_timer timer;
	bool reaped;
	unsigned timeout_ms;
	uint64_t start_ms;
	char out[HOOK_OUT_MAX + 1];
	size_t out_len;
	struct hook_result r;
	hook_cb cb;
	void *arg;
};

static void read_out(struct hook *h)
{
	char drop[1024];
	ssize_t n;

	if (h->out_h.fd < 0)
		return;
	for (;;) {
		size_t room = HOOK_OUT_MAX - h->out_len;

		n = room ? read(h->out_h.fd, h->out + h->out_len, room) :
			   read(h->out_h.fd, drop, sizeof(drop));
		if (n <= 0)
			break;
		if (room)
			h->out_len += (size_t)n;
	}
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		/* EOF: everybody holding the pipe is gone */
		loop_fd_del(h->l, &h->out_h);
		close(h->out_h.fd);
		h->out_h.fd = -1;
	}
}

/* The first non-empty line, printable ASCII only (it goes to the log). */
static void first_line(struct hook *h)
{
	size_t i = 0, k = 0;

	h->out[h->out_len] = '\0';
	while (i < h->out_len && (h->out[i] == '\n' || h->out[i] == '\r'))
		i++;
	for (; i < h->out_len && h->out[i] != '\n' && k + 1 < HOOK_LINE_MAX; i++) {
		unsigned char c = (unsigned char)h->out[i];

		if (c != '\r')
			h->r.line[k++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	h->r.line[k] = '\0';
}

static void on_out(struct loop_fd *lh, uint32_t events, void *data)
{
	(void)lh;
	(void)events;
	read_out(data);
}

static void kill_group(struct hook *h)
{
	/* The leader is not reaped yet, so its pid (the group id) is still
	 * ours: no other process can have taken it. */
	if (!h->reaped)
		kill(-h->pid, SIGKILL);
}

static void on_timeout(struct loop_timer *t, void *data)
{
	struct hook *h = data;

	(void)t;
	h->r.timed_out = true;
	kill_group(h);
}

static void reap(struct hook *h, int flags)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (h->reaped || waitid(P_PIDFD, (id_t)h->pid_h.fd, &si, WEXITED | flags) < 0 ||
	    si.si_pid == 0)
		return;
	h->reaped = true;
	h->r.exited = si.si_code == CLD_EXITED;
	h->r.exit_code = h->r.exited ? si.si_status : -1;
	h->r.signo = h->r.exited ? 0 : si.si_status;
	h->r.ms = (unsigned long)(loop_now_ms() - h->start_ms);
}

static void on_exit_cb(struct loop_fd *lh, uint32_t events, void *data)
{
	struct hook *h = data;

	(void)events;
	reap(h, WNOHANG);
	if (!h->reaped)
		return;
	loop_fd_del(h->l, lh);
	loop_timer_disarm(&h->timer);
	read_out(h);
	first_line(h);
	h->cb(h->arg, &h->r);
}

static int spawn(struct hook *h, const char *path, const char *event,
		 char *const envp[], int wfd)
{
	char *argv[] = { (char *)path, (char *)event, NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, all;
	int rc;

	sigemptyset(&none);
	sigfillset(&all);
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&at);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, wfd, 1);
	posix_spawn_file_actions_adddup2(&fa, wfd, 2);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	/* Our signalfd's blocked signals must not stay blocked in it. */
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &all);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
				 POSIX_SPAWN_SETPGROUP);
	rc = posix_spawn(&h->pid, path, &fa, &at, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	return -rc;
}

static int watch(struct hook *h, struct err *e)
{
	int rc;

	h->pid_h = (struct loop_fd){ .fd = pidfd_open(h->pid, 0), .events = EPOLLIN,
				     .cb = on_exit_cb, .data = h };
	if (h->pid_h.fd < 0)
		return err_set(e, errno, "hook: pidfd_open: %s", strerror(errno));
	if ((rc = loop_fd_add(h->l, &h->pid_h)) < 0 ||
	    (rc = loop_fd_add(h->l, &h->out_h)) < 0 ||
	    (rc = loop_timer_init(h->l, &h->timer, on_timeout, h)) < 0 ||
	    (rc = loop_timer_arm_at(&h->timer, h->start_ms + h->timeout_ms)) < 0)
		return err_set(e, -rc, "hook: loop: %s", strerror(-rc));
	return 0;
}

int hook_start(struct hook **out, struct loop *l, const char *path,
	       const char *event, char *const envp[], unsigned timeout_ms,
	       hook_cb cb, void *arg, struct err *e)
{
	struct hook *h = calloc(1, sizeof(*h));
	int p[2], rc;

	*out = NULL;
	if (!h)
		return err_set(e, ENOMEM, "hook: out of memory");
	h->l = l;
	h->cb = cb;
	h->arg = arg;
	h->timeout_ms = timeout_ms;
	h->pid_h.fd = h->out_h.fd = h->timer.h.fd = -1;
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0) {
		free(h);
		return err_set(e, errno, "hook: pipe: %s", strerror(errno));
	}
	h->out_h = (struct loop_fd){ .fd = p[0], .events = EPOLLIN, .cb = on_out, .data = h };
	h->start_ms = loop_now_ms();
	rc = spawn(h, path, event, envp, p[1]);
	close(p[1]);
	if (rc < 0) {
		close(p[0]);
		free(h);
		return err_set(e, -rc, "hook %s: %s", path, strerror(-rc));
	}
	rc = watch(h, e);
	if (rc < 0) {
		hook_free(h);
		return rc;
	}
	*out = h;
	return 0;
}

void hook_free(struct hook *h)
{
	if (!h)
		return;
	if (h->pid_h.fd >= 0) {
		if (!h->reaped) {
			kill_group(h);
			reap(h, 0); /* SIGKILL: at once */
			loop_fd_del(h->l, &h->pid_h);
		}
		close(h->pid_h.fd);
	}
	if (h->out_h.fd >= 0) {
		loop_fd_del(h->l, &h->out_h);
		close(h->out_h.fd);
	}
	if (h->timer.h.fd >= 0)
		loop_timer_done(h->l, &h->timer);
	free(h);
}

void hook_result_str(const struct hook_result *r, char *buf, size_t size)
{
	if (r->timed_out)
		snprintf(buf, size, "killed at the timeout after %lu ms", r->ms);
	else if (r->exited)
		snprintf(buf, size, "exit %d after %lu ms", r->exit_code, r->ms);
	else
		snprintf(buf, size, "killed by %s after %lu ms", sigabbrev_np(r->signo) ?
			 sigabbrev_np(r->signo) : "a signal", r->ms);
}
