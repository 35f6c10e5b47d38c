/* SPDX-License-Identifier: MIT */
/* The one atomic writer, for agent/ and netlink/ alike (it depends on
 * nothing but tunnels/err.h). Small files written so that a reader (or a
 * crash) sees the old content or the new, never half: temp file in the
 * same directory, fsync, rename, fsync the directory. */
#ifndef V6MIG_FILEIO_H
#define V6MIG_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

#include "../tunnels/err.h"

/* Create dir (and parents) with mode if missing. */
int dir_ensure(const char *dir, mode_t mode, struct err *e);
int file_write_atomic(const char *dir, const char *name, const void *data,
		      size_t len, mode_t mode, struct err *e);
/* Read a whole file up to max bytes into a malloc'd NUL-terminated buffer. */
int file_read_all(const char *path, size_t max, char **out, size_t *len,
		  struct err *e);

#endif
