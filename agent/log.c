/* SPDX-License-Identifier: MIT */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "textesc.h"

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
	char raw[1024], line[1024];
	va_list ap;

	if (prio > log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	/* Values from outside (a provider's names, a Location, a server's
	 * echo) may hold controls: one line, never raw (textesc.h). */
	text_escape(raw, strlen(raw), line, sizeof(line), 0);
	/* One write per line so concurrent writers never interleave. */
	if (log_prefix)
		fprintf(stderr, "<%d>%s\n", prio, line);
	else
		fprintf(stderr, "%s\n", line);
}
