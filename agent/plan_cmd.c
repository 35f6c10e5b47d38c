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

#include "../tunnels/mesh.h"
#include "../tunnels/plan.h"
#include "cli.h"
#include "meshcap.h"
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
	const char *instance;
	unsigned long metric;
	bool has_dest;
	struct in_addr dest;      /* --dest: one packet's destination */
	int dest_port;            /* -1: none given */
	struct wan_facts w;
};

static const char plan_usage[] =
	"usage: v6mig-agent plan --from FILE.json [--method M] [--wan IFACE]\n"
	"                        [--prefix PFX] [--wan-addr ADDR] [--mtu N]\n"
	"                        [--peer ADDR] [--lan IFACE]... [--ipip-index N]\n"
	"                        [--dest ADDR[:PORT]] [--instance NAME]\n"
	"                        [--route-metric N] [--json]\n"
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
	"  --ipip-index N  which ipip entry (default 0, the first)\n"
	"  --instance NAME the instance's names: tunnel and table v6mig-NAME\n"
	"                  (default: v6mig0 and table v6mig)\n"
	"  --route-metric N  our IPv4 default route's metric (default 10)\n"
	"  --dest A[:P]    MAP-E with map_e.mesh: where a packet to IPv4 A (port P)\n"
	"                  goes by the forwarding rules, and why\n"
	"  --no-mesh       plan map_e.mesh 1 hub-and-spoke, as on a kernel that\n"
	"                  cannot run the mesh programs (default: mesh when this\n"
	"                  build has it; apply also probes the kernel)\n";

enum {
	OPT_FROM = 256, OPT_METHOD, OPT_WAN, OPT_PREFIX, OPT_WAN_ADDR, OPT_MTU,
	OPT_PEER, OPT_LAN, OPT_IPIP, OPT_JSON, OPT_INSTANCE, OPT_METRIC, OPT_DEST,
	OPT_NO_MESH,
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
	{ "instance", required_argument, NULL, OPT_INSTANCE },
	{ "route-metric", required_argument, NULL, OPT_METRIC },
	{ "dest", required_argument, NULL, OPT_DEST },
	{ "no-mesh", no_argument, NULL, OPT_NO_MESH },
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

/* --dest ADDR[:PORT] */
static int dest_opt(struct plan_args *a, const char *s)
{
	char buf[32];
	const char *colon = strchr(s, ':');
	unsigned long v;

	if (strlen(s) >= sizeof(buf))
		return cli_usage_error("--dest: '%.40s' is not ADDR[:PORT]", s);
	snprintf(buf, sizeof(buf), "%s", s);
	a->dest_port = -1;
	if (colon) {
		buf[colon - s] = '\0';
		if (cli_number("--dest port", colon + 1, 65535, &v))
			return EXIT_USAGE;
		a->dest_port = (int)v;
	}
	if (v4addr_parse(buf, &a->dest) < 0)
		return cli_usage_error("--dest: '%s' is not an IPv4 address", buf);
	a->has_dest = true;
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
	case OPT_INSTANCE:
		a->instance = arg;
		return 0;
	case OPT_METRIC:
		return cli_number("--route-metric", arg, 0x7fffffff, &a->metric);
	case OPT_DEST:
		return dest_opt(a, arg);
	case OPT_NO_MESH:
		a->w.can_mesh = false;
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
	struct err e;

	if (rc == 0 && !a->from)
		return cli_usage_error("--from is required (see --help)");
	if (rc == 0 && plan_scope_make(&a->w.scope, a->instance,
				       (uint32_t)a->metric, &e) < 0)
		return cli_usage_error("--instance: %s", e.msg);
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

static enum map_layout layout_of(const struct prov_map_e *m)
{
	/* S9: version 0 (or absent) is draft-03's interface identifier */
	return m->version == 1 ? MAP_LAYOUT_RFC7597 : MAP_LAYOUT_DRAFT03;
}

/* The forwarding rules (RFC 7597 5) the mesh programs would hold. */
static cJSON *fmrs_json(const struct prov_map_e *m)
{
	char b[V6_STR_MAX];
	cJSON *arr = cJSON_CreateArray();

	for (size_t i = 0; arr && i < m->n_rules; i++) {
		const struct map_rule *r = &m->rules[i];
		cJSON *o = cJSON_CreateObject();

		if (!o)
			break;
		cJSON_AddItemToArray(arr, o);
		cJSON_AddNumberToObject(o, "rule", (double)i);
		cJSON_AddStringToObject(o, "ipv4_prefix", v4pfx_str(&r->ipv4, b));
		cJSON_AddStringToObject(o, "ipv6_prefix", v6pfx_str(&r->ipv6, b));
		cJSON_AddNumberToObject(o, "ea_length", r->ea_len);
		cJSON_AddNumberToObject(o, "psid_offset", r->psid_offset);
		cJSON_AddBoolToObject(o, "usable", mesh_rule_usable(r));
	}
	return arr;
}

static cJSON *hop_json(const struct plan_args *a, const struct mesh_hop *h)
{
	char b[V6_STR_MAX];
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "ipv4", v4addr_str(a->dest, b));
	if (a->dest_port >= 0)
		cJSON_AddNumberToObject(o, "port", a->dest_port);
	else
		cJSON_AddNullToObject(o, "port");
	cJSON_AddStringToObject(o, "via", h->rule >= 0 ? "direct" : "br");
	if (h->match >= 0)
		cJSON_AddNumberToObject(o, "rule", h->match);
	else
		cJSON_AddNullToObject(o, "rule");
	if (h->rule >= 0)
		cJSON_AddNumberToObject(o, "psid", h->psid);
	else
		cJSON_AddNullToObject(o, "psid");
	cJSON_AddStringToObject(o, "ipv6", v6addr_str(&h->dst, b));
	cJSON_AddStringToObject(o, "why", h->why);
	return o;
}

static cJSON *mesh_json(const struct plan_args *a, const struct prov_map_e *m,
			const struct plan *pl, const struct mesh_hop *h)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	/* what runs: the mesh programs, or the ip6tnl to the BR */
	cJSON_AddStringToObject(o, "mode", pl->mesh.enabled ? "mesh" : "hubspoke");
	cJSON_AddNumberToObject(o, "version", m->version);
	cJSON_AddItemToObject(o, "fmrs", fmrs_json(m));
	if (h)
		cJSON_AddItemToObject(o, "dest", hop_json(a, h));
	else
		cJSON_AddNullToObject(o, "dest");
	return o;
}

static void mesh_print(FILE *f, const struct plan_args *a,
		       const struct prov_map_e *m, const struct mesh_hop *h)
{
	char b4[V6_STR_MAX], b6[V6_STR_MAX];

	fprintf(f, "# forwarding mapping rules (RFC 7597 5), interface ID %s:\n",
		m->version == 1 ? "RFC 7597" : "draft-03 (version 0)");
	fprintf(f, "#   %-5s %-18s %-9s %-11s %s\n", "rule", "ipv4_prefix",
		"ea_length", "psid_offset", "ipv6_prefix");
	for (size_t i = 0; i < m->n_rules; i++) {
		const struct map_rule *r = &m->rules[i];

		fprintf(f, "#   %-5zu %-18s %-9u %-11u %s%s\n", i,
			v4pfx_str(&r->ipv4, b4), r->ea_len, r->psid_offset,
			v6pfx_str(&r->ipv6, b6),
			mesh_rule_usable(r) ? "" : " (prefixes, not addresses: via the BR)");
	}
	if (!h)
		return;
	fprintf(f, "# --dest %s", v4addr_str(a->dest, b4));
	if (a->dest_port >= 0)
		fprintf(f, ":%d", a->dest_port);
	fprintf(f, " -> %s (%s", v6addr_str(&h->dst, b6),
		h->rule >= 0 ? "direct" : "BR");
	if (h->match >= 0)
		fprintf(f, ", rule %d", h->match);
	if (h->rule >= 0)
		fprintf(f, ", PSID %u", h->psid);
	fprintf(f, "): %s\n", h->why);
}

static int show(const struct plan_args *a, const struct prov *p,
		const struct plan *pl)
{
	/* S9 mesh 1: planned mesh when this build has it (apply also needs
	 * the kernel to load the programs), else hub-and-spoke
	 * (tunnels/mape.c says why). The rules the mesh programs use, and
	 * one packet's way by them, are shown either way. */
	const struct prov_map_e *m = &p->map_e;
	bool mesh = pl->method == METHOD_MAP_E && m->mesh;
	const char *note = pl->mesh.enabled ?
		"map_e.mesh is true: planned mesh (CE to CE by the forwarding rules, "
		"the rest through the BR)" :
		"map_e.mesh is true: planned hub-and-spoke (everything through the BR): "
		"--no-mesh, or this build has no mesh";
	struct mesh_hop h;
	cJSON *j;

	if (a->has_dest && !mesh) {
		fprintf(stderr, "%s: --dest: only for MAP-E with map_e.mesh true\n",
			cli_prog);
		return EXIT_USAGE;
	}
	if (a->has_dest)
		mesh_route(m->rules, m->n_rules, layout_of(m), &m->br, a->dest,
			   a->dest_port, &h);
	if (a->json) {
		if (mesh)
			fprintf(stderr, "%s: note: %s\n", cli_prog, note);
		j = plan_to_json(pl);
		if (j && mesh)
			cJSON_AddItemToObject(j, "mesh",
					      mesh_json(a, m, pl, a->has_dest ? &h : NULL));
		else if (j)
			cJSON_AddNullToObject(j, "mesh");
		return cli_print_json(j);
	}
	if (mesh) {
		printf("# %s\n", note);
		mesh_print(stdout, a, m, a->has_dest ? &h : NULL);
	}
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
	struct plan_args a = { .method = -1, .metric = V6MIG_ROUTE_METRIC_DEFAULT };
	const struct method_ops *ops;
	struct prov p;
	struct plan pl;
	struct err e, warn;
	int rc, m;

	cli_prog = "v6mig-agent plan";
	snprintf(a.w.wan, sizeof(a.w.wan), "%s", PLAN_DEFAULT_WAN);
	a.w.can_mesh = mesh_built(); /* no kernel read: --no-mesh says otherwise */
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
