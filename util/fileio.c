/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE /* mkostemp */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int dir_ensure(const char *dir, mode_t mode, struct err *e)
{
	char buf[PATH_MAX];
	size_t n = strlen(dir);

	if (n == 0 || n >= sizeof(buf))
		return err_set(e, EINVAL, "directory '%s' is not a usable path", dir);
	memcpy(buf, dir, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return err_set(e, errno, "mkdir %s: %s", buf, strerror(errno));
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return err_set(e, errno, "mkdir %s: %s", buf, strerror(errno));
	return 0;
}

static int write_full(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int file_write_atomic(const char *dir, const char *name, const void *data,
		      size_t len, mode_t mode, struct err *e)
{
	char tmp[PATH_MAX], path[PATH_MAX];
	int fd, dfd, rc;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path) ||
	    snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, name) >= (int)sizeof(tmp))
		return err_set(e, ENAMETOOLONG, "path %s/%s is too long", dir, name);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return err_set(e, errno, "create %s: %s", tmp, strerror(errno));
	rc = write_full(fd, data, len);
	if (rc == 0 && fchmod(fd, mode) < 0)
		rc = -errno;
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc < 0) {
		unlink(tmp);
		return err_set(e, -rc, "write %s: %s", path, strerror(-rc));
	}
	/* The rename is durable only once the directory is on disk. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_set(e, errno, "%s: %s", dir, strerror(errno));
	rc = fsync(dfd) < 0 ? -errno : 0;
	close(dfd);
	if (rc < 0)
		return err_set(e, -rc, "%s: fsync: %s", dir, strerror(-rc));
	return 0;
}

int file_read_all(const char *path, size_t max, char **out, size_t *len,
		  struct err *e)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;

	if (!f)
		return err_set(e, errno, "%s: %s", path, strerror(errno));
	buf = malloc(max + 1);
	if (!buf) {
		fclose(f);
		return err_set(e, ENOMEM, "%s: out of memory", path);
	}
	n = fread(buf, 1, max + 1, f);
	if (ferror(f) || n > max) {
		int rc = ferror(f) ? EIO : EFBIG;

		fclose(f);
		free(buf);
		return err_set(e, rc, "%s: %s", path,
			       rc == EIO ? "read error" : "file too large");
	}
	fclose(f);
	buf[n] = '\0';
	*out = buf;
	if (len)
		*len = n;
	return 0;
}
