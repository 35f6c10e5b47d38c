/* SPDX-License-Identifier: MIT */
/* What the apply tests share (apply_util.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../netlink/apply.h"
#include "apply_util.h"

void state_dir_make(char *dir, size_t size, const char *name)
{
	assert_true((size_t)snprintf(dir, size, "/tmp/v6mig-test-%s-XXXXXX", name) < size);
	assert_non_null(mkdtemp(dir));
}

void state_dir_remove(const char *dir)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, RECORD_FILE);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s.tmp", dir, RECORD_FILE);
	unlink(path);
	rmdir(dir);
}

bool record_exists(const char *dir)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, RECORD_FILE);
	return access(path, F_OK) == 0;
}
