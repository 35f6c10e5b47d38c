/* SPDX-License-Identifier: MIT */
#include "meshcap.h"
#include "cli.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tunnels/addr.h"
#include "../tunnels/method.h"

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

int cli_getopt(int argc, char **argv, const struct option *opts,
	       int (*fn)(int c, char *arg, void *ctx), void *ctx)
{
	int c, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == '?')
			return cli_usage_error("unknown option '%s' (see --help)",
					       argv[optind - 1]);
		if (c == ':')
			return cli_usage_error("option '%s' needs a value",
					       argv[optind - 1]);
		if ((rc = fn(c, optarg, ctx)) != 0)
			return rc;
	}
	if (optind < argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	return 0;
}

/* What the kernel would take as a name (dev_valid_name()). */
int cli_ifname(const char *opt, const char *s, char *out)
{
	size_t n = strlen(s);

	if (n == 0 || n >= IFNAMSIZ || !strcmp(s, ".") || !strcmp(s, "..") ||
	    strpbrk(s, "/: \t\n\r\v\f"))
		return cli_usage_error("%s: '%s' is not an interface name", opt, s);
	if (out)
		memcpy(out, s, n + 1);
	return 0;
}

int cli_method(const char *s, int *out)
{
	char cap[METHOD_CAPABILITY_MAX];
	int m = method_from_name(s);

	if (m < 0)
		return cli_usage_error("--method: '%s' is not one of 464xlat, dslite, "
				       "ipip, lw4o6, map_e, map_t", s);
	if (!method_ops((enum method)m)) {
		agent_capability(cap, sizeof(cap));
		return cli_usage_error("--method: this build cannot run '%s' (it has: %s)",
				       s, cap[0] ? cap : "none");
	}
	*out = m;
	return 0;
}

int cli_addr6(const char *opt, const char *s, struct in6_addr *out)
{
	if (v6addr_parse(s, out) < 0)
		return cli_usage_error("%s: '%s' is not an IPv6 address", opt, s);
	return 0;
}

int cli_number(const char *opt, const char *s, unsigned long max,
	       unsigned long *out)
{
	if (cli_parse_uint(s, max, out) < 0)
		return cli_usage_error("%s: '%s' is not a number from 0 to %lu",
				       opt, s, max);
	return 0;
}

const char cli_pass_warning[] =
	"warning: --pass is visible to every local user (ps, /proc/PID/cmdline); "
	"use --pass-file FILE (mode 0600) or pass_file in the configuration";
