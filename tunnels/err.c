/* SPDX-License-Identifier: MIT */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int err_set(struct err *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (e) {
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
	}
	return code > 0 ? -code : code;
}

int err_wrap(struct err *e, int code, const char *fmt, ...)
{
	char old[ERR_MSG_MAX];
	size_t n;
	va_list ap;

	if (e) {
		memcpy(old, e->msg, sizeof(old));
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
		n = strlen(e->msg);
		if (n + 2 < sizeof(e->msg)) {
			memcpy(e->msg + n, ": ", 3);
			strncat(e->msg, old, sizeof(e->msg) - n - 3);
		}
	}
	return code > 0 ? -code : code;
}
