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
#include "../util/runlock.h"
#include "../tunnels/plan.h"
#include "cli.h"
#include "meshcap.h"
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
	const char *instance;
	unsigned long metric;
	struct plan_scope scope;
	char run_dir_buf[256];
};

static const char apply_usage[] =
	"usage: v6mig-agent apply --from FILE.json --wan IFACE [--lan IFACE]...\n"
	"                         [--method M] [--prefix PFX] [--peer ADDR]\n"
	"                         [--ipip-index N] [--run-dir DIR]\n"
	"                         [--instance NAME] [--route-metric N]\n"
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
	"  --run-dir DIR   where the ownership record lives (default " CONFIG_RUN_DIR ",\n"
	"                  " CONFIG_RUN_DIR "/NAME for --instance NAME)\n"
	"  --instance NAME one agent per WAN: this instance's tunnel v6mig-NAME and\n"
	"                  table v6mig-NAME (default: the unnamed one, v6mig0, v6mig)\n"
	"  --route-metric N  our IPv4 default route's metric (default 10): beside\n"
	"                  any other default route, never touching it\n";

static const char down_usage[] =
	"usage: v6mig-agent down [--instance NAME] [--run-dir DIR]\n"
	"\n"
	"Remove exactly what apply made: our tunnels, their routes, our WAN\n"
	"addresses, our nftables table, and the ownership record -- of this\n"
	"instance only (--instance; default the unnamed one). Root.\n";

enum {
	OPT_FROM = 256, OPT_METHOD, OPT_WAN, OPT_LAN, OPT_PREFIX, OPT_PEER,
	OPT_IPIP, OPT_RUN_DIR, OPT_INSTANCE, OPT_METRIC,
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
	{ "instance", required_argument, NULL, OPT_INSTANCE },
	{ "route-metric", required_argument, NULL, OPT_METRIC },
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
	case OPT_INSTANCE:
		a->instance = arg;
		return 0;
	case OPT_METRIC:
		return cli_number("--route-metric", arg, 0x7fffffff, &a->metric);
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
	w.scope = a->scope;
	w.forced_prefix = a->prefix;
	w.has_forced_prefix = a->has_prefix;
	w.peer = a->peer;
	w.has_peer = a->has_peer;
	w.ipip_index = (unsigned)a->ipip_index;
	w.can_mesh = mesh_capable(); /* map_e.mesh 1 runs mesh only then */
	if ((rc = wan_facts_read(a->wan, a->lans, a->n_lans, &w, &e)) < 0) {
		fprintf(stderr, "%s: %s\n", cli_prog, e.msg);
		return rc;
	}
	if ((rc = ops->plan(p, &w, out, &e)) < 0)
		fprintf(stderr, "%s: %s: %s%s\n", cli_prog, ops->name, e.msg,
			rc == -EAGAIN ? " (give its address with --peer)" : "");
	return rc;
}

/* Under the instance's run-directory lock (a running daemon of the same
 * instance holds it: refused, naming it), with the backend scoped to the
 * instance's objects. */
static int reconcile(const struct apply_args *a, const struct plan *pl,
		     bool down)
{
	struct apply_stats st = { 0 };
	struct system sys;
	struct backend be;
	struct err e;
	int rc, lock;

	if ((lock = run_lock(a->run_dir, down ? "v6mig-agent down" :
			     "v6mig-agent apply", &e)) < 0) {
		fprintf(stderr, "%s: %s\n", cli_prog, e.msg);
		return 1;
	}
	if ((rc = system_open(&sys, &e)) < 0) {
		fprintf(stderr, "%s: %s\n", cli_prog, e.msg);
		run_unlock(lock);
		return 1;
	}
	be = system_backend(&sys);
	rc = system_set_scope(&sys, &a->scope, &e);
	if (rc == 0)
		rc = down ? apply_down(&be, a->run_dir, &st, &e) :
			    apply_plan(&be, a->run_dir, pl, &st, &e);
	system_close(&sys);
	run_unlock(lock);
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

/* --instance and --route-metric into a->scope; the instance's run
 * directory unless --run-dir: 0 or the exit code 2. */
static int scope_args(struct apply_args *a)
{
	struct err e;

	if (plan_scope_make(&a->scope, a->instance, (uint32_t)a->metric, &e) < 0)
		return cli_usage_error("--instance: %s", e.msg);
	if (!a->run_dir && a->scope.instance[0]) {
		snprintf(a->run_dir_buf, sizeof(a->run_dir_buf), "%s/%s",
			 CONFIG_RUN_DIR, a->scope.instance);
		a->run_dir = a->run_dir_buf;
	} else if (!a->run_dir) {
		a->run_dir = CONFIG_RUN_DIR;
	}
	return 0;
}

int cmd_apply(int argc, char **argv)
{
	struct apply_args a = { .method = -1,
				.metric = V6MIG_ROUTE_METRIC_DEFAULT };
	struct plan *pl;
	struct prov p;
	int rc, m;

	cli_prog = "v6mig-agent apply";
	if ((rc = cli_getopt(argc, argv, apply_opts, apply_opt, &a)))
		return rc < 0 ? (fputs(apply_usage, stdout), 0) : rc;
	if (!a.from || !a.wan)
		return cli_usage_error("--from and --wan are required (see --help)");
	if ((rc = scope_args(&a)))
		return rc;
	memset(&p, 0, sizeof(p));
	pl = malloc(sizeof(*pl));
	rc = 1;
	if (pl && (m = load_choose(&a, &p)) >= 0 && make_plan(&a, &p, m, pl) == 0)
		rc = reconcile(&a, pl, false);
	free(pl);
	prov_done(&p);
	return rc;
}

int cmd_down(int argc, char **argv)
{
	struct apply_args a = { .method = -1,
				.metric = V6MIG_ROUTE_METRIC_DEFAULT };
	int rc;

	cli_prog = "v6mig-agent down";
	if ((rc = cli_getopt(argc, argv, apply_opts, apply_opt, &a)))
		return rc < 0 ? (fputs(down_usage, stdout), 0) : rc;
	if (a.from || a.wan || a.n_lans || a.method >= 0 || a.has_prefix ||
	    a.has_peer)
		return cli_usage_error("down takes only --instance and --run-dir (see --help)");
	if ((rc = scope_args(&a)))
		return rc;
	return reconcile(&a, NULL, true);
}
