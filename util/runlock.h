/* SPDX-License-Identifier: MIT */
/* One writer of an instance's kernel state at a time: an exclusive
 * flock(2) on RUN_DIR/lock, held by the daemon for its whole life and by
 * `apply` and `down` while they work. The holder writes "PID WHAT" into
 * the file, so the one refused can name it. The kernel drops the lock
 * when the holder exits, however it exits: nothing stale is left. */
#ifndef V6MIG_RUNLOCK_H
#define V6MIG_RUNLOCK_H

#include "../tunnels/err.h"

#define RUNLOCK_FILE "lock"

/* Lock run_dir (made 0755 if missing) for what ("run", "apply", "down").
 * Returns the open descriptor (>= 0: keep it; run_unlock() or exit
 * releases it), or -EBUSY with e naming the holder, or -errno. */
int run_lock(const char *run_dir, const char *what, struct err *e);
void run_unlock(int fd);

#endif
