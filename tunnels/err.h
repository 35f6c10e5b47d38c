/* SPDX-License-Identifier: MIT */
/* One error message per failure, written where the decision is made. */
#ifndef V6MIG_ERR_H
#define V6MIG_ERR_H

#include <stddef.h>

#define ERR_MSG_MAX 512

struct err {
	char msg[ERR_MSG_MAX];
};

/* Set the message (printf-style) and return -code, so callers can write
 * `return err_set(e, EINVAL, "bad psid %u", psid);`. e may be NULL. */
int err_set(struct err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prefix the existing message: "context: old message". */
int err_wrap(struct err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
