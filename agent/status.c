/* SPDX-License-Identifier: MIT */
#include "status.h"
#include "xlatstats.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "cli.h"
#include "config.h"
#include "../util/fileio.h"
#include "hbclass.h"
#include "planfmt.h"
#include "textesc.h"

/* Strings may come from outside (a provider's service_name, a server's
 * error echoed in last_error): escaped, so neither the file nor what
 * `status` prints holds a control byte (textesc.h). */
static void add_str(cJSON *o, const char *k, const char *v)
{
	char esc[ERR_MSG_MAX * 2];

	if (v)
		cJSON_AddStringToObject(o, k, text_escape(v, strlen(v), esc,
							  sizeof(esc), 0));
	else
		cJSON_AddNullToObject(o, k);
}

static void add_time(cJSON *o, const char *k, time_t t)
{
	if (t)
		cJSON_AddNumberToObject(o, k, (double)t);
	else
		cJSON_AddNullToObject(o, k);
}

static void add_plan(cJSON *o, const struct plan *p)
{
	char b[V6_STR_MAX];

	if (!p || !p->n_links) {
		cJSON_AddNullToObject(o, "ipv4");
		planfmt_add_ports(o, NULL, true);
		cJSON_AddNullToObject(o, "ce_ipv6");
		cJSON_AddNullToObject(o, "tunnel");
		return;
	}
	cJSON_AddStringToObject(o, "ipv4", v4addr_str(p->info.ipv4, b));
	cJSON_AddNumberToObject(o, "ipv4_prefix_length", p->info.ipv4_plen);
	planfmt_add_ports(o, p->info.has_ports ? &p->info.ports : NULL, true);
	/* The MAP/lw4o6 CE address; for DS-Lite the tunnel's local end. */
	cJSON_AddStringToObject(o, "ce_ipv6",
				v6addr_str(IN6_IS_ADDR_UNSPECIFIED(&p->info.ce_ipv6) ?
					   &p->links[0].local : &p->info.ce_ipv6, b));
	cJSON_AddStringToObject(o, "tunnel", p->links[0].name);
	/* A translator's remote is its RFC 6052 prefix (DMR, NAT64). */
	cJSON_AddStringToObject(o, "remote", p->xlat.enabled ?
				v6pfx_str(&p->xlat.remote, b) :
				v6addr_str(&p->links[0].remote, b));
	cJSON_AddNumberToObject(o, "mtu", p->links[0].mtu);
	/* The translator: where it runs; its counters follow (add_pkts). */
	if (p->xlat.enabled) {
		cJSON *x = cJSON_AddObjectToObject(o, "xlat");

		if (x) {
			cJSON_AddStringToObject(x, "wan", p->xlat.wan);
			cJSON_AddStringToObject(x, "dev", p->xlat.dev);
		}
	}
}

/* "counters": {name: value} as the daemon read them, and "counters_at";
 * null when it could not (logged). Into x, the "xlat" (or "mesh") object. */
static void add_pkts(cJSON *x, const struct status_pkts *p)
{
	cJSON *c;

	if (!cJSON_IsObject(x))
		return;
	if (!p->c) {
		cJSON_AddNullToObject(x, "counters");
		return;
	}
	c = cJSON_AddObjectToObject(x, "counters");
	for (size_t k = 0; c && k < p->n; k++)
		cJSON_AddNumberToObject(c, p->c[k].name, (double)p->c[k].value);
	add_time(x, "counters_at", p->at);
}

static void add_timings(cJSON *o, const struct status_timings *t)
{
	cJSON *j;

	if (!t) {
		cJSON_AddNullToObject(o, "timings");
		return;
	}
	j = cJSON_AddObjectToObject(o, "timings");
	if (!j)
		return;
	cJSON_AddNumberToObject(j, "dns_ms", (double)t->dns_ms);
	cJSON_AddNumberToObject(j, "https_ms", (double)t->https_ms);
	cJSON_AddNumberToObject(j, "plan_ms", (double)t->plan_ms);
	cJSON_AddNumberToObject(j, "kernel_ms", (double)t->kernel_ms);
	cJSON_AddNumberToObject(j, "total_ms", (double)t->total_ms);
}

void status_ports_line(const struct ct_ports *c, enum ct_proto p, char *buf,
		       size_t size)
{
	const struct ct_use *u = &c->p[p];
	char a[INET_ADDRSTRLEN];
	int n;

	n = snprintf(buf, size, "%u of %u in use (%u%%, high %u)", u->in_use, u->total,
		     u->total ? (unsigned)((uint64_t)u->in_use * 100 / u->total) : 0, u->high);
	for (uint32_t i = 0; i < u->n_top && n > 0 && (size_t)n < size; i++)
		n += snprintf(buf + n, size - (size_t)n, "%s%s %u", i ? ", " : "; top: ",
			      inet_ntop(AF_INET, &u->top[i].lan, a, sizeof(a)), u->top[i].ports);
}

/* "ports": per protocol in_use, free, total, high, top [{lan, ports}]. */
static void add_ports(cJSON *o, const struct status *s)
{
	char a[INET_ADDRSTRLEN];
	cJSON *j, *pj, *top, *t;

	if (!s->ports) {
		cJSON_AddNullToObject(o, "ports");
		return;
	}
	j = cJSON_AddObjectToObject(o, "ports");
	if (!j)
		return;
	add_time(j, "sampled_at", s->ports_at);
	cJSON_AddNumberToObject(j, "conntrack_entries", s->ports->entries);
	for (int p = 0; p < CT_NPROTO; p++) {
		const struct ct_use *u = &s->ports->p[p];

		pj = cJSON_AddObjectToObject(j, ct_proto_name((enum ct_proto)p));
		if (!pj)
			return;
		cJSON_AddNumberToObject(pj, "in_use", u->in_use);
		cJSON_AddNumberToObject(pj, "free", u->total - u->in_use);
		cJSON_AddNumberToObject(pj, "total", u->total);
		cJSON_AddNumberToObject(pj, "high", u->high);
		top = cJSON_AddArrayToObject(pj, "top");
		for (uint32_t i = 0; top && i < u->n_top; i++) {
			t = cJSON_CreateObject();
			cJSON_AddStringToObject(t, "lan", inet_ntop(AF_INET, &u->top[i].lan, a, sizeof(a)));
			cJSON_AddNumberToObject(t, "ports", u->top[i].ports);
			cJSON_AddItemToArray(top, t);
		}
	}
}

static void add_ops(cJSON *o, const struct status *s)
{
	cJSON *j;

	if (s->ipv6_mostly < 0)
		cJSON_AddNullToObject(o, "ipv6_mostly");
	else
		cJSON_AddBoolToObject(o, "ipv6_mostly", s->ipv6_mostly);
	add_str(o, "nat64_prefix", s->nat64_prefix);
	add_ports(o, s);
	add_str(o, "clock", s->clock);
	add_str(o, "hook", s->hook);
	if (!s->by_class)
		return;
	j = cJSON_AddObjectToObject(o, "fetches");
	for (int c = 0; j && c < HB_NCLASS; c++)
		cJSON_AddNumberToObject(j, hb_class_name((enum hb_class)c), s->by_class[c]);
}

int status_write(const char *run_dir, const struct status *s, struct err *e)
{
	cJSON *o = cJSON_CreateObject();
	char *text;
	int rc;

	if (!o)
		return err_set(e, ENOMEM, "status: out of memory");
	add_str(o, "state", s->state);
	add_str(o, "method", s->method);
	add_str(o, "txt_url", s->txt_url);
	cJSON_AddBoolToObject(o, "verify", s->verify);
	add_time(o, "last_fetch", s->last_fetch);
	add_str(o, "last_class", s->last_class);
	add_time(o, "next_check", s->next_check);
	add_str(o, "source", s->source);
	add_str(o, "service_name", s->service_name);
	add_plan(o, s->plan);
	add_pkts(cJSON_GetObjectItemCaseSensitive(o, "xlat"), &s->xlat);
	add_str(o, "last_error", s->last_error);
	cJSON_AddNumberToObject(o, "pid", (double)s->pid);
	cJSON_AddNumberToObject(o, "queries", s->queries);
	cJSON_AddNumberToObject(o, "applies", s->applies);
	cJSON_AddNumberToObject(o, "kernel_writes", s->writes);
	if (s->heap_bytes >= 0)
		cJSON_AddNumberToObject(o, "heap_bytes", (double)s->heap_bytes);
	add_timings(o, s->timings);
	add_ops(o, s);
	text = cJSON_Print(o);
	cJSON_Delete(o);
	if (!text)
		return err_set(e, ENOMEM, "status: out of memory");
	rc = dir_ensure(run_dir, 0755, e);
	if (rc == 0)
		rc = file_write_atomic(run_dir, STATUS_FILE, text, strlen(text), 0644, e);
	free(text);
	return rc;
}

/* The file outlives a daemon killed by SIGKILL: a dead pid means stopped. */
static void fix_stale(cJSON *o)
{
	cJSON *pid = cJSON_GetObjectItemCaseSensitive(o, "pid");

	if (cJSON_IsNumber(pid) && pid->valuedouble > 0 &&
	    kill((pid_t)pid->valuedouble, 0) < 0 && errno == ESRCH) {
		cJSON_ReplaceItemInObjectCaseSensitive(o, "state",
						       cJSON_CreateString("stopped"));
		cJSON_ReplaceItemInObjectCaseSensitive(o, "last_error",
						       cJSON_CreateString("the daemon is not running (stale status file)"));
	}
}

/* One "label value" row; the value escaped (the file may not be ours). */
static void print_str(const char *label, const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	char esc[ERR_MSG_MAX * 2];

	printf("%-14s %s\n", label, cJSON_IsString(v) ?
	       text_escape(v->valuestring, strlen(v->valuestring), esc,
			   sizeof(esc), 0) : "-");
}

static void print_time(const char *label, const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	char buf[64];
	time_t t;

	if (!cJSON_IsNumber(v)) {
		printf("%-14s -\n", label);
		return;
	}
	t = (time_t)v->valuedouble;
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S %Z", localtime(&t));
	printf("%-14s %s\n", label, buf);
}

static double jnum(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

/* "ports tcp     195 of 240 in use (81%, high 200); top: 192.168.1.10 150" */
static void print_ports(const cJSON *ports)
{
	for (int p = 0; p < CT_NPROTO; p++) {
		const char *name = ct_proto_name((enum ct_proto)p);
		const cJSON *u = cJSON_GetObjectItemCaseSensitive(ports, name), *t;
		double in_use = jnum(u, "in_use"), total = jnum(u, "total");
		char label[32];
		int i = 0;

		if (!cJSON_IsObject(u))
			continue;
		snprintf(label, sizeof(label), "ports %s", name);
		printf("%-14s %.0f of %.0f in use (%.0f%%, high %.0f)", label, in_use, total,
		       total > 0 ? in_use * 100 / total : 0, jnum(u, "high"));
		cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(u, "top")) {
			const cJSON *lan = cJSON_GetObjectItemCaseSensitive(t, "lan");
			char esc[128];

			printf("%s%s %.0f", i++ ? ", " : "; top: ",
			       cJSON_IsString(lan) ? text_escape(lan->valuestring,
								 strlen(lan->valuestring),
								 esc, sizeof(esc), 0) : "-",
			       jnum(t, "ports"));
		}
		putchar('\n');
	}
}

/* "translator    1234 out, 1200 in translated; 3 passed; 5 dropped" */
static void print_xlat(const cJSON *x)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(x, "counters"), *v;
	double drop = 0;

	if (!cJSON_IsObject(c))
		return;
	cJSON_ArrayForEach(v, c)
		if (!strncmp(v->string, "drop_", 5))
			drop += v->valuedouble;
	printf("%-14s %.0f out, %.0f in translated; %.0f passed; %.0f dropped\n",
	       "translator", jnum(c, "out_ok"), jnum(c, "in_ok"),
	       jnum(c, "out_pass") + jnum(c, "in_pass"), drop);
}

static void print_ops(const cJSON *o)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, "ipv6_mostly");
	const cJSON *ports = cJSON_GetObjectItemCaseSensitive(o, "ports");

	if (cJSON_IsObject(ports))
		print_ports(ports);
	print_xlat(cJSON_GetObjectItemCaseSensitive(o, "xlat"));
	if (cJSON_IsBool(m))
		printf("%-14s %s\n", "IPv6-mostly", cJSON_IsTrue(m) ? "yes (HB46PP 1.2)" : "no");
	if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "nat64_prefix")))
		print_str("NAT64 prefix", o, "nat64_prefix");
	if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "clock")))
		print_str("clock", o, "clock");
	if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "hook")))
		print_str("hook", o, "hook");
}

static void print_human(const cJSON *o)
{
	const cJSON *ranges = cJSON_GetObjectItemCaseSensitive(o, "port_ranges");
	const cJSON *psid = cJSON_GetObjectItemCaseSensitive(o, "psid");

	print_str("state", o, "state");
	print_str("method", o, "method");
	print_str("service", o, "service_name");
	print_str("TXT url", o, "txt_url");
	print_time("last fetch", o, "last_fetch");
	print_str("last result", o, "last_class");
	print_time("next check", o, "next_check");
	print_str("tunnel", o, "tunnel");
	print_str("CE IPv4", o, "ipv4");
	print_str("CE IPv6", o, "ce_ipv6");
	if (cJSON_IsNumber(psid))
		printf("%-14s %d\n", "PSID", psid->valueint);
	if (cJSON_IsArray(ranges)) {
		int n = cJSON_GetArraySize(ranges);
		const cJSON *first = cJSON_GetArrayItem(ranges, 0);

		printf("%-14s %d range%s", "ports", n, n == 1 ? "" : "s");
		if (first && cJSON_GetArraySize(first) == 2)
			printf(" of %d ports, from %d-%d",
			       cJSON_GetArrayItem(first, 1)->valueint -
				       cJSON_GetArrayItem(first, 0)->valueint + 1,
			       cJSON_GetArrayItem(first, 0)->valueint,
			       cJSON_GetArrayItem(first, 1)->valueint);
		putchar('\n');
	}
	print_ops(o);
	print_str("last error", o, "last_error");
}

/* A translator's counters: as the daemon read them (every 10 s, on
 * SIGUSR2 and with every change: the same figures as metrics.prom); when
 * the file has none, read now from the programs (root with CAP_SYS_ADMIN
 * opens them by id), else null. */
static void add_counters(cJSON *o)
{
	cJSON *x = cJSON_GetObjectItemCaseSensitive(o, "xlat");
	const cJSON *wan = cJSON_GetObjectItemCaseSensitive(x, "wan");
	cJSON *c;
	struct err e;

	if (!cJSON_IsObject(x) || !cJSON_IsString(wan) ||
	    cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(x, "counters")))
		return;
	cJSON_DeleteItemFromObjectCaseSensitive(x, "counters");
	c = xlat_counters_json(wan->valuestring, &e);
	if (c)
		cJSON_AddItemToObject(x, "counters", c);
	else
		cJSON_AddNullToObject(x, "counters");
}

int cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "run-dir", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *run_dir = CONFIG_RUN_DIR;
	char path[512], *text = NULL;
	bool json = false;
	struct err e;
	cJSON *o;
	int c;

	cli_prog = "v6mig-agent status";
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'j')
			json = true;
		else if (c == 'r')
			run_dir = optarg;
		else if (c == 'h') {
			puts("usage: v6mig-agent status [--json] [--run-dir DIR]");
			return 0;
		} else
			return cli_usage_error("unknown option '%s' (see --help)", argv[optind - 1]);
	}
	snprintf(path, sizeof(path), "%s/%s", run_dir, STATUS_FILE);
	if (file_read_all(path, 1 << 20, &text, NULL, &e) < 0) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "state", "stopped");
		cJSON_AddNullToObject(o, "method");
		cJSON_AddStringToObject(o, "last_error", "the daemon is not running (no status file)");
	} else {
		o = cJSON_Parse(text);
		free(text);
		if (!o) {
			fprintf(stderr, "%s: %s is not valid JSON\n", cli_prog, path);
			return 1;
		}
		fix_stale(o);
		add_counters(o);
	}
	if (json)
		return cli_print_json(o);
	print_human(o);
	cJSON_Delete(o);
	return 0;
}
