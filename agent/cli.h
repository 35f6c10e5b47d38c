/* SPDX-License-Identifier: MIT */
/* Shared pieces of the command line: strict number parsing and the one
 * line of error a bad flag gets (exit code 2). */
#ifndef V6MIG_CLI_H
#define V6MIG_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

#define EXIT_USAGE 2

extern const char *cli_prog; /* "v6mig-agent calc", for messages */

/* Decimal (or 0x hex) in [0, max]; 0 or -EINVAL. */
int cli_parse_uint(const char *s, unsigned long max, unsigned long *out);

/* Print "PROG: message" to stderr; returns EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Run getopt_long over argv with opts (short options "h" only, which
 * arrives as 'h'), calling fn(c, optarg, ctx) for each option. An unknown
 * option, a missing value or a stray argument gets one line naming it.
 * Returns 0, fn's first non-zero result (-1: --help was shown), or
 * EXIT_USAGE. */
struct option;
int cli_getopt(int argc, char **argv, const struct option *opts,
	       int (*fn)(int c, char *arg, void *ctx), void *ctx);

/* Flag values checked as the kernel and this build will take them; each
 * returns 0 (out written) or EXIT_USAGE after a line naming the value.
 * out may be NULL for cli_ifname (check only). */
int cli_ifname(const char *opt, const char *s, char *out);
int cli_method(const char *s, int *out);
int cli_addr6(const char *opt, const char *s, struct in6_addr *out);
int cli_number(const char *opt, const char *s, unsigned long max,
	       unsigned long *out);

/* Said once when --pass is given: every local user reads the command
 * line (/proc/PID/cmdline, ps). */
extern const char cli_pass_warning[];

/* Print a cJSON value to stdout followed by a newline and free it. */
struct cJSON;
int cli_print_json(struct cJSON *obj);

#endif
