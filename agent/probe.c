/* SPDX-License-Identifier: MIT */
/* `v6mig-agent probe`: one discovery + fetch + validation, exactly as the
 * daemon does them (same loop, dns, fetch and prov code), with no kernel
 * change and nothing stored. Its output is a contract (issue 3): JSON
 * keys txt, url, verify, http_status, provisioning, method,
 * next_check_min_s, next_check_max_s, error {class, message}; exit 0 for
 * valid data (order: [] included), 3/4/5/6 by class, 2 for usage. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "meshcap.h"
#include "../tunnels/method.h"
#include "cli.h"
#include "commands.h"
#include "conf.h"
#include "config.h"
#include "discover.h"
#include "dnsname.h"
#include "fetch.h"
#include "hbclass.h"
#include "loop.h"
#include "prov.h"
#include "request.h"
#include "sequence.h"
#include "txt.h"
#include "wansrc.h"

#define PROBE_TIMEOUT_MAX_S 300
/* Every wait is bounded by its own timers (c-ares tries, the fetch
 * deadline); these outer limits only catch a bug in them. */
#define PROBE_DNS_GUARD_MS 60000
#define PROBE_FETCH_GUARD_MS 5000

struct probe_args {
	const char *resolvers[DNS_MAX_RESOLVERS];
	size_t n_resolvers;
	const char *domain, *wan, *ca_file;
	struct req_params req;
	unsigned long timeout_s;
	bool json;
	char pass[CFG_STR_MAX];    /* from --pass-file */
};

struct probe_out {
	enum hb_class cls;
	struct err err;
	bool have_txt;             /* a TXT answer was read */
	struct discover_result *disc;
	const struct fetch_result *fr;
	struct prov prov;
	bool have_prov;
	struct err warn;
	int method;                /* -1: none this build can run */
	uint32_t wait_min, wait_max;
};

static const char probe_usage[] =
	"usage: v6mig-agent probe [--resolver ADDR[#PORT]]... [--domain NAME]\n"
	"                         [--wan IFACE] [--ca-file FILE]\n"
	"                         [--user U --pass-file F [--server-name HOST]]\n"
	"                         [--token HEX] [--timeout SECONDS] [--json]\n"
	"\n"
	"One HB46PP discovery (TXT), fetch and validation, as the daemon does\n"
	"it; changes nothing and stores nothing. Exit 0 valid data (also\n"
	"order: []), 3 not_provisioned, 4 dns_failure, 5 no_answer,\n"
	"6 bad_answer, 2 usage.\n"
	"  --resolver   the WAN's resolver (repeatable; default resolv.conf)\n"
	"  --domain     discovery name (default " CONFIG_DISCOVERY_DOMAIN ")\n"
	"  --wan        bind every socket to this interface and its own address\n"
	"  --ca-file    the operator's CA, besides the system store (t=b)\n"
	"  --pass-file  the pass, one line of a file (--pass P shows it to ps)\n"
	"  --server-name  send user/pass only to this host over verified https (R7);\n"
	"               without it they go to any https server the TXT names,\n"
	"               never over http\n"
	"  --token      the token from an earlier answer (R5)\n"
	"  --timeout    whole fetch, every redirect included (default 30)\n";

/* ---- arguments ------------------------------------------------------------ */

enum { OPT_RESOLVER = 256, OPT_DOMAIN, OPT_WAN, OPT_CA, OPT_USER, OPT_PASS,
       OPT_PASS_FILE, OPT_SERVER, OPT_TOKEN, OPT_TIMEOUT, OPT_JSON, OPT_HELP };

static const struct option probe_opts[] = {
	{ "resolver", required_argument, NULL, OPT_RESOLVER },
	{ "domain", required_argument, NULL, OPT_DOMAIN },
	{ "wan", required_argument, NULL, OPT_WAN },
	{ "ca-file", required_argument, NULL, OPT_CA },
	{ "user", required_argument, NULL, OPT_USER },
	{ "pass", required_argument, NULL, OPT_PASS },
	{ "pass-file", required_argument, NULL, OPT_PASS_FILE },
	{ "server-name", required_argument, NULL, OPT_SERVER },
	{ "token", required_argument, NULL, OPT_TOKEN },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static int take_opt(struct probe_args *a, int c, const char *v)
{
	switch (c) {
	case OPT_RESOLVER:
		if (a->n_resolvers == DNS_MAX_RESOLVERS)
			return cli_usage_error("more than %d --resolver", DNS_MAX_RESOLVERS);
		a->resolvers[a->n_resolvers++] = v;
		return 0;
	case OPT_DOMAIN: a->domain = v; return 0;
	case OPT_WAN: a->wan = v; return 0;
	case OPT_CA: a->ca_file = v; return 0;
	case OPT_USER: a->req.user = v; return 0;
	case OPT_PASS:
		fprintf(stderr, "%s: %s\n", cli_prog, cli_pass_warning);
		a->req.pass = v;
		return 0;
	case OPT_PASS_FILE: {
		struct err e;

		if (config_read_secret(v, a->pass, sizeof(a->pass), &e) < 0)
			return cli_usage_error("--pass-file %s", e.msg);
		a->req.pass = a->pass;
		return 0;
	}
	case OPT_SERVER: a->req.server_name = v; return 0;
	case OPT_TOKEN: a->req.token = v; return 0;
	case OPT_TIMEOUT:
		if (cli_parse_uint(v, PROBE_TIMEOUT_MAX_S, &a->timeout_s) < 0 ||
		    a->timeout_s == 0)
			return cli_usage_error("--timeout '%s': not 1-%d seconds", v,
					       PROBE_TIMEOUT_MAX_S);
		return 0;
	case OPT_JSON: a->json = true; return 0;
	}
	return EXIT_USAGE;
}

/* Everything that can be wrong with the command line, before any
 * packet: R1-R7 values, resolvers, names, files. */
static int check_args(const struct probe_args *a)
{
	struct sockaddr_storage ss;
	struct err e;

	for (size_t i = 0; i < a->n_resolvers; i++)
		if (dns_parse_resolver(a->resolvers[i], &ss, &e) < 0)
			return cli_usage_error("--resolver: %s", e.msg);
	if (!dns_name_valid(a->domain, true))
		return cli_usage_error("--domain '%s' is not a DNS name", a->domain);
	if (a->wan && (strlen(a->wan) >= IFNAMSIZ || !if_nametoindex(a->wan)))
		return cli_usage_error("--wan '%s': no such interface", a->wan);
	if (a->ca_file && access(a->ca_file, R_OK) < 0)
		return cli_usage_error("--ca-file %s: %s", a->ca_file, strerror(errno));
	if (a->req.server_name && !a->req.user)
		return cli_usage_error("--server-name goes with --user and --pass (R7)");
	if (req_validate(&a->req, &e) < 0)
		return cli_usage_error("%s", e.msg);
	return 0;
}

static int parse_args(int argc, char **argv, struct probe_args *a)
{
	int c, rc;

	memset(a, 0, sizeof(*a));
	a->domain = CONFIG_DISCOVERY_DOMAIN;
	a->timeout_s = FETCH_TIMEOUT_MS / 1000;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", probe_opts, NULL)) != -1) {
		if (c == OPT_HELP) {
			fputs(probe_usage, stdout);
			return -1;
		}
		if (c == '?')
			return cli_usage_error("probe: unknown or incomplete option '%s' (see --help)",
					       argv[optind - 1]);
		if ((rc = take_opt(a, c, optarg)) != 0)
			return rc;
	}
	if (optind < argc)
		return cli_usage_error("probe: unexpected argument '%s'", argv[optind]);
	a->req.ip6tnl = ip6tnl_capable(); /* R4 */
	a->req.mesh = mesh_capable();
	return check_args(a);
}

/* ---- one run ------------------------------------------------------------------ */

struct probe_ctx {
	struct loop *l;
	struct dns *d;
	struct fetch *f;
	struct probe_out *o;
	bool done;
	bool has_src;              /* --wan: its own address, as the daemon's */
	struct in6_addr src;
};

static void on_discover(void *arg, const struct discover_result *r)
{
	struct probe_ctx *c = arg;

	*c->o->disc = *r;
	c->done = true;
	loop_quit(c->l); /* the rest of this turn's events are skipped */
}

static void on_fetch(void *arg, const struct fetch_result *r)
{
	struct probe_ctx *c = arg;

	(void)r;
	c->done = true;
	loop_quit(c->l);
}

/* Turn the loop until a callback says done; false past guard_ms. */
static bool run_until(struct probe_ctx *c, uint64_t guard_ms)
{
	uint64_t end = loop_now_ms() + guard_ms;

	c->done = false;
	while (!c->done) {
		uint64_t now = loop_now_ms();

		if (now >= end || loop_run_once(c->l, (int)(end - now)) < 0)
			return false;
	}
	return true;
}

static void set_class(struct probe_out *o, enum hb_class cls, const char *msg)
{
	o->cls = cls;
	snprintf(o->err.msg, sizeof(o->err.msg), "%s", msg);
}

/* D1-D5, Q1-Q3. */
static int run_discover(struct probe_ctx *c, const struct probe_args *a)
{
	struct probe_out *o = c->o;
	struct dns_opts dopts = { .resolvers = a->resolvers,
				  .n_resolvers = a->n_resolvers, .wan = a->wan };
	struct err e;

	if (a->wan && wan_source(a->wan, &c->src, &e) == 0) {
		c->has_src = true;
		dopts.src = &c->src;
	}
	if (dns_new(&c->d, c->l, &dopts, &e) < 0) {
		fprintf(stderr, "%s: %s\n", cli_prog, e.msg);
		return -1;
	}
	if (!discover_start(c->d, a->domain, on_discover, c)) {
		fprintf(stderr, "%s: out of memory\n", cli_prog);
		return -1;
	}
	if (!run_until(c, PROBE_DNS_GUARD_MS)) {
		set_class(o, HB_DNS_FAILURE, "no DNS answer in time");
		return 0;
	}
	o->have_txt = true;
	o->cls = o->disc->cls;
	o->err = o->disc->err;
	return 0;
}

/* T1-T3, R1-R8, S1, then S2-S14 through prov_parse. */
static int run_fetch(struct probe_ctx *c, const struct probe_args *a)
{
	struct probe_out *o = c->o;
	struct fetch_opts fopts = {
		.url = o->disc->txt.url, .verify = o->disc->txt.verify,
		.req = &a->req, .ca_file = a->ca_file, .wan = a->wan,
		.src = c->has_src ? &c->src : NULL,
		.timeout_ms = (unsigned)a->timeout_s * 1000u,
	};
	struct err e;

	if (fetch_start(&c->f, c->l, c->d, &fopts, on_fetch, c, &e) < 0) {
		fprintf(stderr, "%s: %s\n", cli_prog, e.msg);
		return -1;
	}
	if (!run_until(c, a->timeout_s * 1000u + PROBE_FETCH_GUARD_MS) ||
	    !(o->fr = fetch_result(c->f))) {
		set_class(o, HB_NO_ANSWER, "no answer in time");
		return 0;
	}
	o->cls = o->fr->cls;
	o->err = o->fr->err;
	if (o->cls != HB_OK)
		return 0;
	if (prov_parse(o->fr->body, o->fr->body_len, &o->prov, &e, &o->warn) < 0) {
		o->cls = HB_BAD_ANSWER; /* Q5 */
		err_set(&o->err, EINVAL, "provisioning data: %s", e.msg);
		return 0;
	}
	o->have_prov = true;
	return 0;
}

static int probe_run(struct probe_ctx *c, const struct probe_args *a)
{
	struct probe_out *o = c->o;
	int rc;

	c->l = loop_new();
	if (!c->l) {
		fprintf(stderr, "%s: cannot create the event loop\n", cli_prog);
		return -1;
	}
	rc = run_discover(c, a);
	if (rc == 0 && o->cls == HB_OK)
		rc = run_fetch(c, a);
	if (rc < 0)
		return rc;
	/* S8: the first entry of order this build and kernel can run (the
	 * capability sent), chosen as the daemon's sequence chooses it; the
	 * wait it would take next. */
	o->method = o->have_prov ? seq_pick_method(&o->prov, agent_methods(),
						   -1, 0) : -1;
	seq_wait_window(o->cls, o->have_prov ? &o->prov : NULL, &o->wait_min,
			&o->wait_max);
	return 0;
}

/* ---- the report ---------------------------------------------------------------- */

static cJSON *json_str_or_null(const char *s)
{
	return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static cJSON *prov_json(const struct probe_out *o)
{
	char *s = o->have_prov ? prov_to_json(&o->prov, false) : NULL;
	cJSON *j = s ? cJSON_Parse(s) : NULL;

	free(s);
	return j ? j : cJSON_CreateNull();
}

/* The TXT record as received when there was exactly one, else NULL. */
static const char *txt_shown(const struct probe_out *o, char *buf, size_t size)
{
	if (!o->have_txt || o->disc->n_records != 1)
		return NULL;
	return txt_printable(o->disc->record, o->disc->record_len, buf, size);
}

static int report_json(const struct probe_out *o)
{
	char rec[TXT_RECORD_MAX * 4 + 4];
	bool have_url = o->have_txt && o->disc->cls == HB_OK;
	cJSON *j = cJSON_CreateObject(), *err;

	cJSON_AddItemToObject(j, "txt", json_str_or_null(txt_shown(o, rec, sizeof(rec))));
	cJSON_AddItemToObject(j, "url", json_str_or_null(have_url ? o->disc->txt.url : NULL));
	cJSON_AddItemToObject(j, "verify", have_url ? cJSON_CreateBool(o->disc->txt.verify) :
			      cJSON_CreateNull());
	cJSON_AddItemToObject(j, "http_status", o->fr && o->fr->http_status ?
			      cJSON_CreateNumber((double)o->fr->http_status) :
			      cJSON_CreateNull());
	cJSON_AddItemToObject(j, "provisioning", prov_json(o));
	cJSON_AddItemToObject(j, "method", json_str_or_null(o->method >= 0 ?
			      method_name((enum method)o->method) : NULL));
	cJSON_AddNumberToObject(j, "next_check_min_s", o->wait_min);
	cJSON_AddNumberToObject(j, "next_check_max_s", o->wait_max);
	/* Beyond the contract, for tickets: the last request (pass and
	 * token redacted), the redirects followed, a validation warning. */
	cJSON_AddItemToObject(j, "request_url", json_str_or_null(o->fr ? o->fr->url : NULL));
	cJSON_AddItemToObject(j, "redirects", o->fr ? cJSON_CreateNumber(o->fr->redirects) :
			      cJSON_CreateNull());
	if (o->warn.msg[0])
		cJSON_AddStringToObject(j, "warning", o->warn.msg);
	if (o->cls != HB_OK) {
		err = cJSON_AddObjectToObject(j, "error");
		cJSON_AddStringToObject(err, "class", hb_class_name(o->cls));
		cJSON_AddStringToObject(err, "message", o->err.msg);
	}
	return cli_print_json(j);
}

static void report_text(const struct probe_args *a, const struct probe_out *o)
{
	char rec[TXT_RECORD_MAX * 4 + 4];
	const char *t = txt_shown(o, rec, sizeof(rec));
	char *pj = o->have_prov ? prov_to_json(&o->prov, true) : NULL;

	printf("discovery  TXT %s", a->domain);
	if (o->have_txt && o->disc->n_records)
		printf(": %zu record%s%s%s%s", o->disc->n_records,
		       o->disc->n_records == 1 ? "" : "s", t ? " \"" : "",
		       t ? t : "", t ? "\"" : "");
	putchar('\n');
	if (o->have_txt && o->disc->cls == HB_OK)
		printf("server     %s (%s)\n", o->disc->txt.url, o->disc->txt.verify ?
		       "t=b, certificate verified" : "t=a, not verified");
	if (o->fr) {
		printf("request    %s%s%s\n", o->fr->url, o->fr->creds_sent ?
		       " (with user/pass)" : "", o->fr->http_status ? "" :
		       " (no response)");
		if (o->fr->http_status)
			printf("HTTP       %ld after %u redirect%s\n", o->fr->http_status,
			       o->fr->redirects, o->fr->redirects == 1 ? "" : "s");
	}
	if (pj)
		printf("data       %s\n", pj);
	if (o->warn.msg[0])
		printf("warning    %s\n", o->warn.msg);
	if (o->have_prov)
		printf("method     %s\n", o->method >= 0 ?
		       method_name((enum method)o->method) :
		       o->prov.n_order ? "none this build can run" : "none offered (order: [])");
	printf("result     %s%s%s\n", hb_class_name(o->cls), o->cls != HB_OK ? ": " : "",
	       o->cls != HB_OK ? o->err.msg : "");
	printf("next check in %u-%u s\n", o->wait_min, o->wait_max);
	free(pj);
}

int cmd_probe(int argc, char **argv)
{
	struct discover_result *disc = calloc(1, sizeof(*disc));
	struct probe_out o = { .disc = disc, .method = -1 };
	struct probe_ctx c = { .o = &o };
	struct probe_args a;
	int rc;

	cli_prog = "v6mig-agent probe";
	if (!disc)
		return 1;
	rc = parse_args(argc, argv, &a);
	if (rc == 0 && fetch_global_init() < 0)
		rc = 1;
	if (rc == 0 && probe_run(&c, &a) < 0)
		rc = 1;
	if (rc == 0) {
		if (a.json)
			report_json(&o);
		else
			report_text(&a, &o);
		rc = hb_class_exit(o.cls);
	}
	fetch_free(c.f);
	dns_free(c.d);
	loop_free(c.l);
	if (o.have_prov)
		prov_done(&o.prov);
	free(disc);
	return rc < 0 ? 0 : rc;
}
