/* SPDX-License-Identifier: MIT */
/* sd_notify(3): a real AF_UNIX datagram socket plays the service manager
 * (path and abstract names); every message must arrive exactly, from our
 * pid (NotifyAccess=main). Built and run twice: datagram backend (make
 * unit) and libsystemd (make unit-systemd), with the same expectations. */
#define _GNU_SOURCE /* struct ucred, SCM_CREDENTIALS */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../../agent/notify.h"
#include "config.h"

struct manager {
	int fd;
	char dir[64];
	char name[108]; /* what goes into NOTIFY_SOCKET */
};

static void manager_bind(struct manager *m, int abstract)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len;
	int on = 1;

	m->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(m->fd >= 0);
	assert_int_equal(setsockopt(m->fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)), 0);
	m->dir[0] = '\0';
	if (abstract) {
		snprintf(m->name, sizeof(m->name), "@v6mig-test-notify-%d", (int)getpid());
		memcpy(sa.sun_path + 1, m->name + 1, strlen(m->name) - 1);
		len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(m->name));
	} else {
		snprintf(m->dir, sizeof(m->dir), "/tmp/v6mig-notify-XXXXXX");
		assert_non_null(mkdtemp(m->dir));
		snprintf(m->name, sizeof(m->name), "%s/notify", m->dir);
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", m->name);
		len = sizeof(sa);
	}
	assert_int_equal(bind(m->fd, (struct sockaddr *)&sa, len), 0);
	assert_int_equal(setenv("NOTIFY_SOCKET", m->name, 1), 0);
}

static void manager_close(struct manager *m)
{
	close(m->fd);
	if (m->dir[0]) {
		unlink(m->name);
		rmdir(m->dir);
	}
	unsetenv("NOTIFY_SOCKET");
}

/* One datagram, within 2 s; its text and the sender's pid. */
static void expect_msg(struct manager *m, const char *want)
{
	char buf[1024], cbuf[CMSG_SPACE(sizeof(struct ucred))];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) - 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct pollfd pfd = { .fd = m->fd, .events = POLLIN };
	struct cmsghdr *c;
	struct ucred cred = { 0 };
	ssize_t n;

	assert_int_equal(poll(&pfd, 1, 2000), 1);
	n = recvmsg(m->fd, &mh, MSG_DONTWAIT);
	assert_true(n >= 0);
	assert_int_equal(mh.msg_flags & MSG_TRUNC, 0);
	buf[n] = '\0';
	assert_int_equal((size_t)n, strlen(want));
	assert_string_equal(buf, want);
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS)
			memcpy(&cred, CMSG_DATA(c), sizeof(cred));
	assert_int_equal(cred.pid, getpid());
}

static void expect_nothing(struct manager *m)
{
	struct pollfd pfd = { .fd = m->fd, .events = POLLIN };

	assert_int_equal(poll(&pfd, 1, 0), 0);
}

/* The lowest free descriptor: equal before and after = nothing leaked. */
static int next_fd(void)
{
	int fd = dup(0);

	assert_true(fd >= 0);
	close(fd);
	return fd;
}

static void test_backend_is_the_configured_one(void **state)
{
	(void)state;
#ifdef CONFIG_SYSTEMD
	assert_string_equal(notify_backend(), "libsystemd");
#else
	assert_string_equal(notify_backend(), "datagram");
#endif
}

static void all_messages(int abstract)
{
	struct manager m;
	int fd0 = next_fd();

	manager_bind(&m, abstract);
	assert_int_equal(notify_status("discovering: TXT %s", "4over6.info"), 1);
	expect_msg(&m, "STATUS=discovering: TXT 4over6.info");
	assert_int_equal(notify_ready(), 1);
	expect_msg(&m, "READY=1");
	assert_int_equal(notify_watchdog(), 1);
	expect_msg(&m, "WATCHDOG=1");
	assert_int_equal(notify_stopping(), 1);
	expect_msg(&m, "STOPPING=1");
	expect_nothing(&m);
	manager_close(&m);
	assert_int_equal(next_fd(), fd0);
}

static void test_path_socket(void **state)
{
	(void)state;
	all_messages(0);
}

static void test_abstract_socket(void **state)
{
	(void)state;
	all_messages(1);
}

static void test_status_newline_cannot_add_assignment(void **state)
{
	struct manager m;

	(void)state;
	manager_bind(&m, 0);
	assert_int_equal(notify_status("configured\nREADY=1"), 1);
	expect_msg(&m, "STATUS=configured READY=1");
	manager_close(&m);
}

static void test_status_long_is_cut(void **state)
{
	char text[600], want[7 + 256];
	struct manager m;

	(void)state;
	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	snprintf(want, sizeof(want), "STATUS=%.*s", 255, text);
	manager_bind(&m, 1);
	assert_int_equal(notify_status("%s", text), 1);
	expect_msg(&m, want);
	manager_close(&m);
}

static void test_no_manager_is_noop(void **state)
{
	int fd0 = next_fd();

	(void)state;
	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(notify_ready(), 0);
	assert_int_equal(notify_status("x %d", 1), 0);
	assert_int_equal(notify_watchdog(), 0);
	assert_int_equal(notify_stopping(), 0);
	assert_int_equal(next_fd(), fd0);
}

static void test_bad_socket_is_an_error(void **state)
{
	char dir[] = "/tmp/v6mig-notify-XXXXXX", gone[64];
	int fd0 = next_fd();

	(void)state;
	/* Set but empty or relative: malformed (libsystemd says so too). */
	assert_int_equal(setenv("NOTIFY_SOCKET", "", 1), 0);
	assert_int_equal(notify_ready(), -EINVAL);
	assert_int_equal(setenv("NOTIFY_SOCKET", "relative/notify", 1), 0);
	assert_int_equal(notify_ready(), -EINVAL);
	assert_int_equal(setenv("NOTIFY_SOCKET", "@", 1), 0);
	assert_int_equal(notify_ready(), -EINVAL);
	assert_non_null(mkdtemp(dir));
	snprintf(gone, sizeof(gone), "%s/none", dir);
	assert_int_equal(setenv("NOTIFY_SOCKET", gone, 1), 0);
	assert_int_equal(notify_ready(), -ENOENT);
	rmdir(dir);
	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(next_fd(), fd0);
}

static void set_watchdog(const char *usec, const char *pid)
{
	if (usec)
		assert_int_equal(setenv("WATCHDOG_USEC", usec, 1), 0);
	else
		unsetenv("WATCHDOG_USEC");
	if (pid)
		assert_int_equal(setenv("WATCHDOG_PID", pid, 1), 0);
	else
		unsetenv("WATCHDOG_PID");
}

static void test_watchdog_interval(void **state)
{
	char me[16], other[16];
	uint64_t us = 7;

	(void)state;
	snprintf(me, sizeof(me), "%d", (int)getpid());
	snprintf(other, sizeof(other), "%d", (int)getpid() + 1);

	set_watchdog(NULL, NULL);
	assert_int_equal(notify_watchdog_interval_us(&us), 0);
	assert_int_equal(us, 7);
	set_watchdog("30000000", NULL);
	assert_int_equal(notify_watchdog_interval_us(&us), 1);
	assert_int_equal(us, 30000000);
	us = 7;
	set_watchdog("20000000", me);
	assert_int_equal(notify_watchdog_interval_us(&us), 1);
	assert_int_equal(us, 20000000);
	us = 7;
	/* For another process of the unit: not ours to answer. */
	set_watchdog("20000000", other);
	assert_int_equal(notify_watchdog_interval_us(&us), 0);
	assert_int_equal(us, 7);
	set_watchdog("abc", NULL);
	assert_true(notify_watchdog_interval_us(&us) < 0);
	set_watchdog("0", NULL);
	assert_true(notify_watchdog_interval_us(&us) < 0);
	set_watchdog("30000000", "x1");
	assert_true(notify_watchdog_interval_us(&us) < 0);
	assert_int_equal(us, 7);
	set_watchdog(NULL, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backend_is_the_configured_one),
		cmocka_unit_test(test_path_socket),
		cmocka_unit_test(test_abstract_socket),
		cmocka_unit_test(test_status_newline_cannot_add_assignment),
		cmocka_unit_test(test_status_long_is_cut),
		cmocka_unit_test(test_no_manager_is_noop),
		cmocka_unit_test(test_bad_socket_is_an_error),
		cmocka_unit_test(test_watchdog_interval),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
