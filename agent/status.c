/* SPDX-License-Identifier: MIT */
#include "status.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "../util/fileio.h"
#include "planfmt.h"

static void add_str(cJSON *o, const char *k, const char *v)
{
	if (v)
		cJSON_AddStringToObject(o, k, v);
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
	cJSON_AddStringToObject(o, "remote", v6addr_str(&p->links[0].remote, b));
	cJSON_AddNumberToObject(o, "mtu", p->links[0].mtu);
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
	add_str(o, "last_error", s->last_error);
	cJSON_AddNumberToObject(o, "pid", (double)s->pid);
	cJSON_AddNumberToObject(o, "queries", s->queries);
	cJSON_AddNumberToObject(o, "applies", s->applies);
	cJSON_AddNumberToObject(o, "kernel_writes", s->writes);
	if (s->heap_bytes >= 0)
		cJSON_AddNumberToObject(o, "heap_bytes", (double)s->heap_bytes);
	add_timings(o, s->timings);
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

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : "-";
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

static void print_human(const cJSON *o)
{
	const cJSON *ranges = cJSON_GetObjectItemCaseSensitive(o, "port_ranges");
	const cJSON *psid = cJSON_GetObjectItemCaseSensitive(o, "psid");

	printf("%-14s %s\n", "state", jstr(o, "state"));
	printf("%-14s %s\n", "method", jstr(o, "method"));
	printf("%-14s %s\n", "service", jstr(o, "service_name"));
	printf("%-14s %s\n", "TXT url", jstr(o, "txt_url"));
	print_time("last fetch", o, "last_fetch");
	printf("%-14s %s\n", "last result", jstr(o, "last_class"));
	print_time("next check", o, "next_check");
	printf("%-14s %s\n", "tunnel", jstr(o, "tunnel"));
	printf("%-14s %s\n", "CE IPv4", jstr(o, "ipv4"));
	printf("%-14s %s\n", "CE IPv6", jstr(o, "ce_ipv6"));
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
	printf("%-14s %s\n", "last error", jstr(o, "last_error"));
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
	}
	if (json)
		return cli_print_json(o);
	print_human(o);
	cJSON_Delete(o);
	return 0;
}
