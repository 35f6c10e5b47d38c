/* SPDX-License-Identifier: MIT */
#include "runlock.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "fileio.h"

/* "PID WHAT" of the holder, or "another process" when unreadable. */
static void holder(int fd, char *buf, size_t size)
{
	ssize_t n = pread(fd, buf, size - 1, 0);

	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	if (n <= 0) {
		snprintf(buf, size, "another process");
		return;
	}
	buf[n] = '\0';
	for (char *p = buf; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = '?';
}

int run_lock(const char *run_dir, const char *what, struct err *e)
{
	char path[PATH_MAX], who[64], line[64];
	int fd, rc, len;

	if ((rc = dir_ensure(run_dir, 0755, e)) < 0)
		return rc;
	if (snprintf(path, sizeof(path), "%s/%s", run_dir, RUNLOCK_FILE) >= (int)sizeof(path))
		return err_set(e, ENAMETOOLONG, "%s: path too long", run_dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return err_set(e, errno, "%s: %s", path, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		rc = errno;
		holder(fd, who, sizeof(who));
		close(fd);
		if (rc == EWOULDBLOCK)
			return err_set(e, EBUSY, "run directory %s is in use by pid %s "
				       "(one agent per instance; stop it first, or give "
				       "another instance its own --instance/--run-dir)",
				       run_dir, who);
		return err_set(e, rc, "%s: flock: %s", path, strerror(rc));
	}
	len = snprintf(line, sizeof(line), "%ld %s\n", (long)getpid(), what);
	if (ftruncate(fd, 0) < 0 || pwrite(fd, line, (size_t)len, 0) != len) {
		rc = err_set(e, errno, "%s: %s", path, strerror(errno));
		close(fd);
		return rc;
	}
	return fd;
}

void run_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}
