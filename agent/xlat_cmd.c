/* SPDX-License-Identifier: MIT */
/* `v6mig-agent xlat stats --wan IF [--json]`: the translator's counters
 * (netlink/xlat.h: translated out/in, passed, dropped by reason) as the
 * programs attached on IF count them; `status --json` shows the same
 * object as the daemon read it. Opening the maps of programs another
 * process attached takes their ids: root (CAP_BPF + CAP_SYS_ADMIN). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "../netlink/xlat.h"
#include "cli.h"
#include "commands.h"
#include "xlatstats.h"

cJSON *xlat_counters_json(const char *wan, struct err *e)
{
	uint64_t v[XLAT_STAT_MAX];
	unsigned idx = if_nametoindex(wan);
	cJSON *o;

	if (!idx) {
		err_set(e, ENODEV, "no interface '%s'", wan);
		return NULL;
	}
	if (xlat_read_stats(idx, v, e) < 0)
		return NULL;
	o = cJSON_CreateObject();
	for (int i = 0; o && i < XLAT_STAT_MAX; i++)
		cJSON_AddNumberToObject(o, xlat_stat_name((enum xlat_stat)i),
					(double)v[i]);
	return o;
}

static const char xlat_usage[] =
	"usage: v6mig-agent xlat stats --wan IFACE [--json]\n"
	"  the MAP-T/464XLAT translator's counters on IFACE (root)\n";

struct xlat_args {
	const char *wan;
	bool json;
};

static int xlat_opt(int c, char *arg, void *ctx)
{
	struct xlat_args *a = ctx;

	switch (c) {
	case 'w':
		a->wan = arg;
		return cli_ifname("--wan", arg, NULL);
	case 'j':
		a->json = true;
		return 0;
	case 'h':
		return -1;
	default:
		return cli_usage_error("unknown option (see --help)");
	}
}

int cmd_xlat(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "wan", required_argument, NULL, 'w' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct xlat_args a = { NULL, false };
	struct err e;
	cJSON *o, *it;
	int rc;

	cli_prog = "v6mig-agent xlat";
	if (argc < 2 || strcmp(argv[1], "stats"))
		return argc >= 2 && !strcmp(argv[1], "--help") ?
			(fputs(xlat_usage, stdout), 0) :
			cli_usage_error("the one subcommand is 'stats' (see --help)");
	if ((rc = cli_getopt(argc - 1, argv + 1, opts, xlat_opt, &a)))
		return rc < 0 ? (fputs(xlat_usage, stdout), 0) : rc;
	if (!a.wan)
		return cli_usage_error("--wan is required (see --help)");
	if (!(o = xlat_counters_json(a.wan, &e))) {
		fprintf(stderr, "%s: %s\n", cli_prog, e.msg);
		return 1;
	}
	if (a.json)
		return cli_print_json(o);
	cJSON_ArrayForEach(it, o)
		printf("%-16s %.0f\n", it->string, it->valuedouble);
	cJSON_Delete(o);
	return 0;
}
