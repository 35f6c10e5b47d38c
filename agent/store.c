/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE /* mkostemp */
#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util/fileio.h"
#include "config.h"

const char *store_default_dir(void)
{
	return CONFIG_STATE_DIR;
}

static int open_dir(const char *dir, bool create, struct err *e)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT && create) {
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			return err_set(e, errno, "%s: cannot create: %s", dir,
				       strerror(errno));
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (fd < 0)
		return err_set(e, errno, "%s: %s", dir, strerror(errno));
	return fd;
}

/* The directory (0700, made if missing), then the one atomic writer:
 * the old file or the new one survives a crash. */
static int write_atomic(const char *dir, const char *name, const char *data,
			size_t len, struct err *e)
{
	int dfd = open_dir(dir, true, e);

	if (dfd < 0)
		return dfd;
	close(dfd);
	return file_write_atomic(dir, name, data, len, 0600, e);
}

/* The whole of a regular file of at most STORE_MAX_BYTES, NUL-ended. */
static int read_small(const char *dir, const char *name, char **out,
		      size_t *len, time_t *mtime, struct err *e)
{
	char path[4096];
	struct stat st;
	char *buf;
	ssize_t n;
	int fd, rc = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return err_set(e, errno, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > STORE_MAX_BYTES) {
		close(fd);
		return err_set(e, EBADMSG, "%s: not a regular file of at most %d bytes",
			       path, STORE_MAX_BYTES);
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return err_set(e, ENOMEM, "%s: out of memory", path);
	}
	do
		n = pread(fd, buf, (size_t)st.st_size + 1, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0 || n > st.st_size)
		rc = err_set(e, n < 0 ? errno : EBADMSG, "%s: %s", path,
			     n < 0 ? strerror(errno) : "changed while read");
	close(fd);
	if (rc < 0) {
		free(buf);
		return rc;
	}
	buf[n] = '\0';
	*out = buf;
	*len = (size_t)n;
	if (mtime)
		*mtime = st.st_mtime;
	return 0;
}

/* Does dir/name hold exactly data? Any doubt (missing, unreadable,
 * larger) says no, and the file is written. */
static bool holds(const char *dir, const char *name, const char *data,
		  size_t len)
{
	char *buf = NULL;
	size_t n = 0;
	struct err e;
	bool same;

	if (len > STORE_MAX_BYTES || read_small(dir, name, &buf, &n, NULL, &e) < 0)
		return false;
	same = n == len && !memcmp(buf, data, len);
	free(buf);
	return same;
}

/* Written only when it changes: an unchanged answer every few minutes
 * (Q7 with a small ttl) costs no flash write and no fsync. */
static int save_file(const char *dir, const char *name, const char *data,
		     size_t len, struct err *e)
{
	if (holds(dir, name, data, len))
		return 0;
	return write_atomic(dir, name, data, len, e);
}

int store_save_prov(const char *dir, const struct prov *p, struct err *e)
{
	char *json = prov_to_json(p, true);
	int rc;

	if (!json)
		return err_set(e, ENOMEM, "out of memory");
	rc = save_file(dir, STORE_PROV_FILE, json, strlen(json), e);
	free(json);
	return rc;
}

int store_load_prov(const char *dir, struct prov *out, time_t *mtime,
		    struct err *e)
{
	struct err pe;
	char *buf = NULL;
	size_t len = 0;
	int rc = read_small(dir, STORE_PROV_FILE, &buf, &len, mtime, e);

	if (rc < 0)
		return rc;
	rc = prov_parse(buf, len, out, &pe, NULL);
	free(buf);
	if (rc < 0)
		return err_set(e, EBADMSG, "%s/%s: damaged, refused: %s", dir,
			       STORE_PROV_FILE, pe.msg);
	return 0;
}

static bool token_ok(const char *t, size_t n)
{
	return n == PROV_TOKEN_LEN &&
	       strspn(t, "0123456789abcdef") == PROV_TOKEN_LEN;
}

int store_save_token(const char *dir, const char *token, struct err *e)
{
	char line[PROV_TOKEN_LEN + 2];

	if (!token || !token_ok(token, strlen(token)))
		return err_set(e, EINVAL, "not a token (S6: 64 lowercase hex digits)");
	snprintf(line, sizeof(line), "%s\n", token);
	return save_file(dir, STORE_TOKEN_FILE, line, PROV_TOKEN_LEN + 1, e);
}

int store_load_token(const char *dir, char *out, struct err *e)
{
	char *buf = NULL;
	size_t len = 0;
	int rc = read_small(dir, STORE_TOKEN_FILE, &buf, &len, NULL, e);

	if (rc < 0)
		return rc;
	if (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	if (!token_ok(buf, len)) {
		free(buf);
		return err_set(e, EBADMSG, "%s/%s: damaged, refused: not 64 lowercase hex digits",
			       dir, STORE_TOKEN_FILE);
	}
	memcpy(out, buf, PROV_TOKEN_LEN + 1);
	free(buf);
	return 0;
}

int store_save_answer(const char *dir, const struct prov *p, struct err *e)
{
	int rc = store_save_prov(dir, p, e);

	if (rc == 0 && p->has_token)
		rc = store_save_token(dir, p->token, e);
	return rc;
}

/* Ours: the two files and the temporaries write_atomic names after them. */
static bool ours(const char *name)
{
	static const char *const tmp[] = { "." STORE_PROV_FILE ".", "." STORE_TOKEN_FILE "." };

	if (!strcmp(name, STORE_PROV_FILE) || !strcmp(name, STORE_TOKEN_FILE))
		return true;
	for (size_t i = 0; i < 2; i++)
		if (!strncmp(name, tmp[i], strlen(tmp[i])) &&
		    strlen(name) == strlen(tmp[i]) + 6)
			return true;
	return false;
}

int store_erase(const char *dir, struct err *e)
{
	struct dirent *de;
	int dfd, n = 0, rc = 0;
	DIR *d;

	dfd = open_dir(dir, false, e);
	if (dfd == -ENOENT)
		return 0;
	if (dfd < 0)
		return dfd;
	d = fdopendir(dfd);
	if (!d) {
		rc = err_set(e, errno, "%s: %s", dir, strerror(errno));
		close(dfd);
		return rc;
	}
	while ((de = readdir(d)) != NULL) {
		if (!ours(de->d_name))
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) == 0)
			n++;
		else if (errno != ENOENT && rc == 0)
			rc = err_set(e, errno, "%s/%s: %s", dir, de->d_name,
				     strerror(errno));
	}
	if (rc == 0 && n > 0 && fsync(dirfd(d)) < 0)
		rc = err_set(e, errno, "%s: fsync: %s", dir, strerror(errno));
	closedir(d);
	return rc < 0 ? rc : n;
}
