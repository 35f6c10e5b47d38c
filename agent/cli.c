/* SPDX-License-Identifier: MIT */
#include "cli.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

const char *cli_prog = "v6mig-agent";

int cli_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 0);
	/* strtoul's base 0 reads a leading 0 as octal: refuse "010". */
	if (errno || *end || v > max || (s[0] == '0' && s[1] >= '0' && s[1] <= '9'))
		return -EINVAL;
	*out = v;
	return 0;
}

int cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", cli_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

int cli_print_json(cJSON *obj)
{
	char *s = obj ? cJSON_Print(obj) : NULL;

	cJSON_Delete(obj);
	if (!s) {
		fprintf(stderr, "%s: out of memory\n", cli_prog);
		return 1;
	}
	puts(s);
	free(s);
	return 0;
}
