/* SPDX-License-Identifier: MIT */
/* Shared pieces of the command line: strict number parsing and the one
 * line of error a bad flag gets (exit code 2). */
#ifndef V6MIG_CLI_H
#define V6MIG_CLI_H

#include <stdbool.h>
#include <stdint.h>

#define EXIT_USAGE 2

extern const char *cli_prog; /* "v6mig-agent calc", for messages */

/* Decimal (or 0x hex) in [0, max]; 0 or -EINVAL. */
int cli_parse_uint(const char *s, unsigned long max, unsigned long *out);

/* Print "PROG: message" to stderr; returns EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print a cJSON value to stdout followed by a newline and free it. */
struct cJSON;
int cli_print_json(struct cJSON *obj);

#endif
