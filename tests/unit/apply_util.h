/* SPDX-License-Identifier: MIT */
/* What the apply tests (test_apply*.c, test_apply_xlat.c) share around
 * netlink/apply.c: a state directory of their own for the ownership
 * record, gone again after the test. */
#ifndef V6MIG_TEST_APPLY_UTIL_H
#define V6MIG_TEST_APPLY_UTIL_H

#include <stdbool.h>
#include <stddef.h>

/* mkdtemp /tmp/v6mig-test-NAME-XXXXXX into dir (size bytes). */
void state_dir_make(char *dir, size_t size, const char *name);
/* The record apply wrote there, its temporary, then the directory. */
void state_dir_remove(const char *dir);
/* Has apply left an ownership record in dir? */
bool record_exists(const char *dir);

#endif
