/* SPDX-License-Identifier: MIT */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>

/* The process's log settings: set once at start by the command. */
static int log_level = LOG_P_INFO;
static bool log_prefix = true;

void log_set_level(int max_priority)
{
	log_level = max_priority;
}

void log_set_prefix(bool on)
{
	log_prefix = on;
}

void log_msg(int prio, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (prio > log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One write per line so concurrent writers never interleave. */
	if (log_prefix)
		fprintf(stderr, "<%d>%s\n", prio, line);
	else
		fprintf(stderr, "%s\n", line);
}
