/* SPDX-License-Identifier: MIT */
/* sd_notify(3) through libsystemd (CONFIG_SYSTEMD) or by hand. The two
 * backends are the two halves of this file; everything above them is
 * shared, so the messages are byte for byte the same either way. */
#include "notify.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "config.h"

static int notify_send(const char *msg);

int notify_ready(void)
{
	return notify_send("READY=1");
}

int notify_stopping(void)
{
	return notify_send("STOPPING=1");
}

int notify_watchdog(void)
{
	return notify_send("WATCHDOG=1");
}

int notify_status(const char *fmt, ...)
{
	char msg[7 + 256] = "STATUS=";
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg + 7, sizeof(msg) - 7, fmt, ap);
	va_end(ap);
	/* One assignment per line (sd_notify(3)): a newline in the text
	 * would let it set another variable, READY=1 say. */
	for (char *p = msg; *p; p++)
		if (*p == '\n')
			*p = ' ';
	return notify_send(msg);
}

#ifdef CONFIG_SYSTEMD
/* ---- libsystemd ------------------------------------------------------- */
#include <systemd/sd-daemon.h>

const char *notify_backend(void)
{
	return "libsystemd";
}

static int notify_send(const char *msg)
{
	int rc = sd_notify(0, msg);

	return rc > 0 ? 1 : rc;
}

int notify_watchdog_interval_us(uint64_t *us)
{
	uint64_t v;
	int rc = sd_watchdog_enabled(0, &v);

	if (rc > 0)
		*us = v;
	return rc > 0 ? 1 : rc;
}

#else
/* ---- the datagram protocol by hand (sd_notify(3), "NOTES") -------------- */

const char *notify_backend(void)
{
	return "datagram";
}

/* $NOTIFY_SOCKET into an address: "/path" or "@abstract" (the '@' stands
 * for the leading NUL byte). Like libsystemd, insist on room for a
 * trailing NUL; the abstract name's length excludes it, the path's
 * includes it. Returns the address length or -errno. */
static int notify_addr(const char *s, struct sockaddr_un *sa)
{
	size_t n = strlen(s);

	if (n < 2 || (s[0] != '/' && s[0] != '@'))
		return -EINVAL;
	if (n + 1 > sizeof(sa->sun_path))
		return s[0] == '@' ? -EINVAL : -ENAMETOOLONG;
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path, s, n + 1);
	if (s[0] == '@') {
		sa->sun_path[0] = '\0';
		return (int)(offsetof(struct sockaddr_un, sun_path) + n);
	}
	return (int)(offsetof(struct sockaddr_un, sun_path) + n + 1);
}

static int notify_send(const char *msg)
{
	const char *env = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa;
	struct iovec iov = { .iov_base = (void *)msg, .iov_len = strlen(msg) };
	struct msghdr mh = { .msg_name = &sa, .msg_iov = &iov, .msg_iovlen = 1 };
	int len, fd, rc = 1;

	/* Unset: no manager. Set but empty is malformed (as libsystemd). */
	if (!env)
		return 0;
	len = notify_addr(env, &sa);
	if (len < 0)
		return len;
	mh.msg_namelen = (socklen_t)len;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* The receiver learns our pid from SO_PASSCRED on its side; nothing
	 * to attach. MSG_NOSIGNAL: a vanished manager is an error, not a
	 * SIGPIPE. */
	if (sendmsg(fd, &mh, MSG_NOSIGNAL) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

/* Strict decimal, no sign, no space: 0 or -EINVAL. */
static int parse_u64(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s[0] || s[0] < '0' || s[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

int notify_watchdog_interval_us(uint64_t *us)
{
	const char *usec = getenv("WATCHDOG_USEC");
	const char *pid = getenv("WATCHDOG_PID");
	uint64_t v, p;

	if (!usec)
		return 0;
	/* 0 and infinity (UINT64_MAX) are "not set" to systemd: invalid. */
	if (parse_u64(usec, &v) < 0 || v == 0 || v == UINT64_MAX)
		return -EINVAL;
	if (pid) {
		if (parse_u64(pid, &p) < 0 || p == 0 || p > INT32_MAX)
			return -EINVAL;
		/* For another process of the service (we are a child). */
		if (p != (uint64_t)getpid())
			return 0;
	}
	*us = v;
	return 1;
}
#endif
