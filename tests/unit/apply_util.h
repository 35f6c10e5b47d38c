/* SPDX-License-Identifier: MIT */
/* What the apply tests (test_apply*.c, test_apply_xlat.c) share around
 * netlink/apply.c: a state directory of their own for the ownership
 * record, gone again after the test. */
#ifndef V6MIG_TEST_APPLY_UTIL_H
#define V6MIG_TEST_APPLY_UTIL_H

#include <stdbool.h>
#include <stddef.h>

struct backend;
struct fake_kernel;
struct plan;

/* mkdtemp /tmp/v6mig-test-NAME-XXXXXX into dir (size bytes). */
void state_dir_make(char *dir, size_t size, const char *name);
/* The record apply wrote there, its temporary, then the directory. */
void state_dir_remove(const char *dir);
/* Has apply left an ownership record in dir? */
bool record_exists(const char *dir);
/* Each of the first n writes of a cold apply of p (onto a fake kernel
 * reset to before each time) refused in turn: the kernel must be left
 * exactly as it was. */
void expect_rollback_each(struct fake_kernel *k, const struct fake_kernel *before,
			  const struct backend *be, const char *dir,
			  const struct plan *p, unsigned n);

#endif
