/* SPDX-License-Identifier: MIT */
/* v6mig-agent: the subcommand table. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "meshcap.h"
#include "../tunnels/method.h"
#include "cli.h"
#include "commands.h"
#include "config.h"

#define V6MIG_VERSION_STR "0.1.0"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "run", cmd_run, "the daemon: discover, fetch, configure, keep it right" },
	{ "calc", cmd_calc, "MAP-E/MAP-T, lw4o6 and RFC 6052 calculator" },
	{ "plan", cmd_plan, "the kernel state apply would make, from JSON (no privileges)" },
	{ "status", cmd_status, "what the daemon is doing (reads RUN_DIR/status.json)" },
	{ "probe", cmd_probe, "one HB46PP discovery + fetch + validation; changes nothing" },
	{ "cache", cmd_cache, "show or erase the stored provisioning data (P2)" },
	{ "apply", cmd_apply, "put the kernel in the state a JSON answer asks for (root)" },
	{ "down", cmd_down, "remove exactly what apply made (root)" },
	{ "xlat", cmd_xlat, "the MAP-T/464XLAT translator's counters (xlat stats, root)" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: v6mig-agent COMMAND [OPTIONS]   (v6mig-agent COMMAND --help)\n\n"
		   "HB46PP agent: learns IPv4-over-IPv6 provisioning from the ISP and\n"
		   "programs the Linux kernel over netlink.\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n  --version  print the version and this build's capability\n");
}

int main(int argc, char **argv)
{
	char cap[METHOD_CAPABILITY_MAX];

	/* A write to a closed socket or pipe (a TLS peer gone, journald
	 * restarted under our stderr) is an EPIPE to handle, never a death:
	 * CURLOPT_NOSIGNAL turns curl's own guard off. */
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		agent_capability(cap, sizeof(cap));
		printf("v6mig-agent %s (HB46PP 1; vendorid %s, product %s, "
		       "version %s; capability %s)\n", V6MIG_VERSION_STR,
		       CONFIG_VENDORID, CONFIG_PRODUCT, CONFIG_VERSION,
		       cap[0] ? cap : "(none)");
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "v6mig-agent: unknown command '%s' (see --help)\n", argv[1]);
	return EXIT_USAGE;
}
