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
#include "fake_backend.h"

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

void expect_rollback_each(struct fake_kernel *k, const struct fake_kernel *before,
			  const struct backend *be, const char *dir,
			  const struct plan *p, unsigned n)
{
	for (unsigned i = 1; i <= n; i++) {
		struct apply_stats st = { 0 };
		struct err e = { 0 };

		*k = *before;
		k->fail_at = i;
		assert_int_not_equal(apply_plan(be, dir, p, &st, &e), 0);
		k->fail_at = 0;
		if (!fake_state_equal(k, before))
			fail_msg("write %u refused: the kernel is not as before", i);
	}
}
