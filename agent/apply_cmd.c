/* SPDX-License-Identifier: MIT */
/* `v6mig-agent apply` and `v6mig-agent down`: HB46PP's fixed mode (S8)
 * from a provisioning answer in a file. apply reads the WAN's facts from
 * the kernel, plans, and reconciles (netlink/apply.c): exit 0 when the
 * kernel holds the plan, 1 when it does not (and nothing was left half
 * done), 2 for bad usage. down removes exactly what we own. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../netlink/apply.h"
#include "../netlink/rtnl.h"
#include "../netlink/system.h"
#include "../tunnels/plan.h"
#include "cli.h"
#include "commands.h"
#include "config.h"
#include "offer.h"
#include "prov.h"

struct apply_args {
	const char *from;
	const char *run_dir;
	int method;                 /* -1: by the answer's order (S8) */
	const char *wan;
	const char *lans[PLAN_MAX_LAN];
	size_t n_lans;
	bool has_prefix, has_peer;
	struct v6pfx prefix;
	struct in6_addr peer;
	unsigned long ipip_index;
};

static const char apply_usage[] =
	"usage: v6mig-agent apply --from FILE.json --wan IFACE [--lan IFACE]...\n"
	"                         [--method M] [--prefix PFX] [--peer ADDR]\n"
	"                         [--ipip-index N] [--run-dir DIR]\n"
	"\n"
	"Put the kernel in the state the HB46PP answer in FILE asks for (the\n"
	"fixed mode of S8), as the smallest change to what is there; the same\n"
	"answer twice changes nothing. Root.\n"
	"\n"
	"  --method M      the method (default: the first of the answer's order\n"
	"                  that this build has)\n"
	"  --wan IFACE     the WAN interface: its MTU and addresses are read\n"
	"  --lan IFACE     a LAN interface whose prefix may pick the MAP rule\n"
	"  --prefix PFX    the end-user prefix, when no interface shows it\n"
	"  --peer ADDR     the AFTR's / lwAFTR's address when the answer names it\n"
	"  --ipip-index N  which ipip entry (default 0)\n"
	"  --run-dir DIR   where the ownership record lives (default " CONFIG_RUN_DIR ")\n";

static const char down_usage[] =
	"usage: v6mig-agent down [--run-dir DIR]\n"
	"\n"
	"Remove exactly what apply made: our tunnels, their routes, our WAN\n"
	"addresses, our nftables table, and the ownership record. Root.\n";

enum {
	OPT_FROM = 256, OPT_METHOD, OPT_WAN, OPT_LAN, OPT_PREFIX, OPT_PEER,
	OPT_IPIP, OPT_RUN_DIR,
};

static const struct option apply_opts[] = {
	{ "from", required_argument, NULL, OPT_FROM },
	{ "method", required_argument, NULL, OPT_METHOD },
	{ "wan", required_argument, NULL, OPT_WAN },
	{ "lan", required_argument, NULL, OPT_LAN },
	{ "prefix", required_argument, NULL, OPT_PREFIX },
	{ "peer", required_argument, NULL, OPT_PEER },
	{ "ipip-index", required_argument, NULL, OPT_IPIP },
	{ "run-dir", required_argument, NULL, OPT_RUN_DIR },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* One option into a: 0, -1 after --help, or an exit code. */
static int apply_opt(int c, char *arg, void *ctx)
{
	struct apply_args *a = ctx;

	switch (c) {
	case OPT_FROM:
		a->from = arg;
		return 0;
	case OPT_METHOD:
		return cli_method(arg, &a->method);
	case OPT_WAN:
		a->wan = arg;
		return cli_ifname("--wan", arg, NULL);
	case OPT_LAN:
		if (a->n_lans == PLAN_MAX_LAN)
			return cli_usage_error("--lan: more than %d", PLAN_MAX_LAN);
		a->lans[a->n_lans++] = arg;
		return cli_ifname("--lan", arg, NULL);
	case OPT_PREFIX:
		a->has_prefix = v6pfx_parse(arg, true, &a->prefix) == 0;
		return a->has_prefix ? 0 : cli_usage_error(
			"--prefix: '%s' is not an IPv6 prefix or address", arg);
	case OPT_PEER:
		a->has_peer = true;
		return cli_addr6("--peer", arg, &a->peer);
	case OPT_IPIP:
		return cli_number("--ipip-index", arg, PROV_IPIP_MAX - 1,
				  &a->ipip_index);
	case OPT_RUN_DIR:
		a->run_dir = arg;
		return 0;
	case 'h':
		return -1;
	default:
		return cli_usage_error("unknown option (see --help)");
	}
}

/* The answer in path and the method for it: the fixed one, else the
 * first of its order this build has (S8). */
static int load_choose(const struct apply_args *a, struct prov *p)
{
	struct err e, warn;
	int m;

	memset(&warn, 0, sizeof(warn));
	if (offer_load(a->from, p, &e, &warn) < 0) {
		fprintf(stderr, "%s: %s\n", cli_prog, e.msg);
		return -1;
	}
	if (warn.msg[0])
		fprintf(stderr, "%s: warning: %s\n", cli_prog, warn.msg);
	if ((m = offer_choose(p, a->method, &e)) < 0)
		fprintf(stderr, "%s: %s\n", cli_prog, e.msg);
	return m;
}

/* The WAN's facts from the kernel; --prefix and --peer on top. */
static int make_plan(const struct apply_args *a, const struct prov *p,
		     int m, struct plan *out)
{
	const struct method_ops *ops = method_ops((enum method)m);
	struct wan_facts w;
	struct err e;
	int rc;

	memset(&w, 0, sizeof(w));
	w.forced_prefix = a->prefix;
	w.has_forced_prefix = a->has_prefix;
	w.peer = a->peer;
	w.has_peer = a->has_peer;
	w.ipip_index = (unsigned)a->ipip_index;
	if ((rc = wan_facts_read(a->wan, a->lans, a->n_lans, &w, &e)) < 0) {
		fprintf(stderr, "%s: %s\n", cli_prog, e.msg);
		return rc;
	}
	if ((rc = ops->plan(p, &w, out, &e)) < 0)
		fprintf(stderr, "%s: %s: %s%s\n", cli_prog, ops->name, e.msg,
			rc == -EAGAIN ? " (give its address with --peer)" : "");
	return rc;
}

static int reconcile(const char *run_dir, const struct plan *pl, bool down)
{
	struct apply_stats st;
	struct system sys;
	struct backend be;
	struct err e;
	int rc;

	if ((rc = system_open(&sys, &e)) < 0) {
		fprintf(stderr, "%s: %s\n", cli_prog, e.msg);
		return 1;
	}
	be = system_backend(&sys);
	rc = down ? apply_down(&be, run_dir, &st, &e) :
		    apply_plan(&be, run_dir, pl, &st, &e);
	system_close(&sys);
	if (rc < 0) {
		fprintf(stderr, "%s: %s%s\n", cli_prog, e.msg, st.rolled_back ?
			" (every change undone)" : "");
		return 1;
	}
	if (down)
		printf("down: %u writes\n", st.writes);
	else
		printf("apply: %s: %u writes%s\n", method_name(pl->method),
		       st.writes, st.writes ? "" : " (the kernel held the plan)");
	return 0;
}

int cmd_apply(int argc, char **argv)
{
	struct apply_args a = { .method = -1, .run_dir = CONFIG_RUN_DIR };
	struct plan *pl;
	struct prov p;
	int rc, m;

	cli_prog = "v6mig-agent apply";
	if ((rc = cli_getopt(argc, argv, apply_opts, apply_opt, &a)))
		return rc < 0 ? (fputs(apply_usage, stdout), 0) : rc;
	if (!a.from || !a.wan)
		return cli_usage_error("--from and --wan are required (see --help)");
	memset(&p, 0, sizeof(p));
	pl = malloc(sizeof(*pl));
	rc = 1;
	if (pl && (m = load_choose(&a, &p)) >= 0 && make_plan(&a, &p, m, pl) == 0)
		rc = reconcile(a.run_dir, pl, false);
	free(pl);
	prov_done(&p);
	return rc;
}

int cmd_down(int argc, char **argv)
{
	struct apply_args a = { .method = -1, .run_dir = CONFIG_RUN_DIR };
	int rc;

	cli_prog = "v6mig-agent down";
	if ((rc = cli_getopt(argc, argv, apply_opts, apply_opt, &a)))
		return rc < 0 ? (fputs(down_usage, stdout), 0) : rc;
	if (a.from || a.wan || a.n_lans || a.method >= 0 || a.has_prefix ||
	    a.has_peer)
		return cli_usage_error("down takes only --run-dir (see --help)");
	return reconcile(a.run_dir, NULL, true);
}
