/* SPDX-License-Identifier: MIT */
/* `v6mig-agent plan`: what the agent would put in the kernel for a
 * provisioning answer, without privileges or kernel access: the WAN's
 * facts come from flags. Exit 0, 1 (no plan can be made), 2 (usage). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tunnels/plan.h"
#include "cli.h"
#include "commands.h"
#include "../util/fileio.h"
#include "offer.h"
#include "planfmt.h"
#include "prov.h"

#define PLAN_FROM_MAX (1u << 20) /* far above 256 rules of JSON */
#define PLAN_DEFAULT_WAN "wan"

struct plan_args {
	const char *from;
	int method;               /* -1: by the offer's order (S8) */
	bool json;
	bool has_prefix, has_mtu, has_ipip;
	struct wan_facts w;
};

static const char plan_usage[] =
	"usage: v6mig-agent plan --from FILE.json [--method M] [--wan IFACE]\n"
	"                        [--prefix PFX] [--wan-addr ADDR] [--mtu N]\n"
	"                        [--peer ADDR] [--lan IFACE]... [--ipip-index N] [--json]\n"
	"\n"
	"What `apply` would put in the kernel for the HB46PP answer in FILE\n"
	"(- for stdin), as the equivalent ip/nft commands (for reading) or, with\n"
	"--json, the plan itself. Needs no privileges and reads nothing from the\n"
	"kernel: the WAN's facts come from the flags.\n"
	"\n"
	"  --method M      the fixed mode (S8); default: the first method of the\n"
	"                  answer's order that this build has\n"
	"  --wan IFACE     the WAN interface (default " PLAN_DEFAULT_WAN ")\n"
	"  --prefix PFX    the end-user prefix (MAP-E): picks the rule; an address\n"
	"                  inside it will do\n"
	"  --wan-addr ADDR a global IPv6 address on the WAN: DS-Lite's tunnel\n"
	"                  source, and a prefix for MAP-E's rule when --prefix is absent\n"
	"  --mtu N         the WAN's MTU (default 1500); the tunnel gets N - 40\n"
	"  --peer ADDR     the AFTR's / lwAFTR's address when the answer names it\n"
	"  --lan IFACE     a LAN interface (repeatable)\n"
	"  --ipip-index N  which ipip entry (default 0, the first)\n";

enum {
	OPT_FROM = 256, OPT_METHOD, OPT_WAN, OPT_PREFIX, OPT_WAN_ADDR, OPT_MTU,
	OPT_PEER, OPT_LAN, OPT_IPIP, OPT_JSON,
};

static const struct option plan_opts[] = {
	{ "from", required_argument, NULL, OPT_FROM },
	{ "method", required_argument, NULL, OPT_METHOD },
	{ "wan", required_argument, NULL, OPT_WAN },
	{ "prefix", required_argument, NULL, OPT_PREFIX },
	{ "wan-addr", required_argument, NULL, OPT_WAN_ADDR },
	{ "mtu", required_argument, NULL, OPT_MTU },
	{ "peer", required_argument, NULL, OPT_PEER },
	{ "lan", required_argument, NULL, OPT_LAN },
	{ "ipip-index", required_argument, NULL, OPT_IPIP },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int wan_addr_opt(struct plan_args *a, const char *s)
{
	struct wan_facts *w = &a->w;

	if (w->has_wan_addr)
		return cli_usage_error("--wan-addr: given twice");
	if (cli_addr6("--wan-addr", s, &w->wan_addr))
		return EXIT_USAGE;
	w->has_wan_addr = true;
	/* The agent lists the WAN's global addresses among the prefixes
	 * MAP-E picks its rule by; so does this. */
	w->prefixes[0].addr = w->wan_addr;
	w->prefixes[0].len = 128;
	w->n_prefixes = 1;
	return 0;
}

/* One option into a; 0, -1 after --help, or the exit code. */
static int plan_opt(int c, char *arg, void *ctx)
{
	struct plan_args *a = ctx;
	struct wan_facts *w = &a->w;
	unsigned long v = 0;

	switch (c) {
	case OPT_FROM:
		a->from = arg;
		return 0;
	case OPT_METHOD:
		return cli_method(arg, &a->method);
	case OPT_WAN:
		return cli_ifname("--wan", arg, w->wan);
	case OPT_PREFIX:
		if (a->has_prefix)
			return cli_usage_error("--prefix: given twice");
		a->has_prefix = w->has_forced_prefix =
			v6pfx_parse(arg, true, &w->forced_prefix) == 0;
		return a->has_prefix ? 0 : cli_usage_error(
			"--prefix: '%s' is not an IPv6 prefix or address", arg);
	case OPT_WAN_ADDR:
		return wan_addr_opt(a, arg);
	case OPT_MTU:
		if (cli_number("--mtu", arg, 65535, &v))
			return EXIT_USAGE;
		w->wan_mtu = (uint32_t)v;
		return 0;
	case OPT_PEER:
		w->has_peer = true;
		return cli_addr6("--peer", arg, &w->peer);
	case OPT_LAN:
		if (w->n_lan >= PLAN_MAX_LAN)
			return cli_usage_error("--lan: more than %d", PLAN_MAX_LAN);
		return cli_ifname("--lan", arg, w->lan[w->n_lan++]);
	case OPT_IPIP:
		if (cli_number("--ipip-index", arg, PROV_IPIP_MAX - 1, &v))
			return EXIT_USAGE;
		w->ipip_index = (unsigned)v;
		return 0;
	case OPT_JSON:
		a->json = true;
		return 0;
	case 'h':
		fputs(plan_usage, stdout);
		return -1;
	default:
		return cli_usage_error("unknown option (see --help)");
	}
}

static int plan_parse_args(int argc, char **argv, struct plan_args *a)
{
	int rc = cli_getopt(argc, argv, plan_opts, plan_opt, a);

	if (rc == 0 && !a->from)
		return cli_usage_error("--from is required (see --help)");
	return rc;
}

static int load_prov(const char *path, struct prov *p, struct err *warn)
{
	struct err e;

	if (offer_load(path, p, &e, warn) < 0) {
		fprintf(stderr, "%s: %s\n", cli_prog, e.msg);
		return 1;
	}
	return 0;
}

/* The fixed mode (S8 SHOULD), else the offer's first method we have. */
static int choose(const struct plan_args *a, const struct prov *p)
{
	struct err e;
	int m = offer_choose(p, a->method, &e);

	if (m < 0)
		fprintf(stderr, "%s: %s\n", cli_prog, e.msg);
	return m;
}

static int show(const struct plan_args *a, const struct prov *p,
		const struct plan *pl)
{
	/* S9: mesh is never advertised; an offer asking for it anyway
	 * runs hub-and-spoke (tunnels/mape.c says why). */
	bool mesh = pl->method == METHOD_MAP_E && p->map_e.mesh;
	static const char note[] =
		"map_e.mesh is true: planned hub-and-spoke (everything through the BR); this build does not do mesh";

	if (a->json) {
		if (mesh)
			fprintf(stderr, "%s: note: %s\n", cli_prog, note);
		return cli_print_json(plan_to_json(pl));
	}
	if (mesh)
		printf("# %s\n", note);
	plan_print_commands(stdout, pl);
	return 0;
}

/* Which flag would have supplied the fact a planner missed. */
static const char *hint(int rc, enum method m, const struct prov *p,
			const struct wan_facts *w)
{
	if (!prov_has_offer(p, m))
		return "";
	if (rc == -EAGAIN)
		return " (give its address with --peer)";
	if (rc == -ENOENT && (m == METHOD_MAP_E || m == METHOD_MAP_T ||
			      m == METHOD_464XLAT) &&
	    !w->n_prefixes && !w->has_forced_prefix)
		return " (give --prefix or --wan-addr)";
	if (rc == -ENOENT && !w->has_wan_addr &&
	    (m == METHOD_DSLITE || m == METHOD_IPIP))
		return " (give --wan-addr)";
	return "";
}

int cmd_plan(int argc, char **argv)
{
	struct plan_args a = { .method = -1 };
	const struct method_ops *ops;
	struct prov p;
	struct plan pl;
	struct err e, warn;
	int rc, m;

	cli_prog = "v6mig-agent plan";
	snprintf(a.w.wan, sizeof(a.w.wan), "%s", PLAN_DEFAULT_WAN);
	rc = plan_parse_args(argc, argv, &a);
	if (rc)
		return rc < 0 ? 0 : rc;
	memset(&p, 0, sizeof(p));
	if (load_prov(a.from, &p, &warn))
		return 1;
	m = choose(&a, &p);
	if (m < 0) {
		prov_done(&p);
		return 1;
	}
	ops = method_ops((enum method)m);
	rc = ops->plan(&p, &a.w, &pl, &e);
	if (rc < 0) {
		fprintf(stderr, "%s: %s: %s%s\n", cli_prog, ops->name, e.msg,
			hint(rc, ops->method, &p, &a.w));
		prov_done(&p);
		return 1;
	}
	/* After the plan: a refusal stays one line. */
	if (warn.msg[0])
		fprintf(stderr, "%s: warning: %s: %s\n", cli_prog, a.from, warn.msg);
	rc = show(&a, &p, &pl);
	prov_done(&p);
	return rc;
}
