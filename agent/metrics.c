/* SPDX-License-Identifier: MIT */
/* RUN_DIR/metrics.prom: the status in the Prometheus text format, for
 * node_exporter's textfile collector (--collector.textfile.directory
 * pointed at the run directory, or a symlink to the file). Conventions:
 * the v6mig_ prefix, units in the names (_seconds, _total), # HELP and
 * # TYPE before every family, enumerations as one series per value with
 * 0 or 1 (a "stateset"), a timestamp that never happened left out rather
 * than written as 0. Written with the same atomic rename as status.json,
 * from the same struct status, so the two always agree. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tunnels/method.h"
#include "../util/fileio.h"
#include "hbclass.h"
#include "status.h"

static const char *const states[] = { "starting", "configured", "unconfigured",
				      "backoff", "stopped" };

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP v6mig_%s %s\n# TYPE v6mig_%s %s\n", name, help, name, type);
}

static void gauge(FILE *f, const char *name, const char *help, double v)
{
	family(f, name, "gauge", help);
	fprintf(f, "v6mig_%s %.15g\n", name, v); /* 0.532, not 0.53200000000000003 */
}

static void stamp(FILE *f, const char *name, const char *help, time_t t)
{
	if (t)
		gauge(f, name, help, (double)t);
}

static void write_states(FILE *f, const struct status *s)
{
	family(f, "state", "gauge", "The agent's state (HB46PP 3.6): 1 for the one it is in.");
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		fprintf(f, "v6mig_state{state=\"%s\"} %d\n", states[i],
			!strcmp(s->state, states[i]));
	family(f, "method", "gauge", "The method running: 1 for it, 0 for the others of this build.");
	for (int m = 0; m < METHOD__COUNT; m++)
		if (method_ops((enum method)m))
			fprintf(f, "v6mig_method{method=\"%s\"} %d\n", method_name((enum method)m),
				s->method && !strcmp(s->method, method_name((enum method)m)));
}

static void write_counters(FILE *f, const struct status *s)
{
	if (s->by_class) {
		family(f, "fetches_total", "counter",
		       "Discovery and fetch outcomes since start, by HB46PP class.");
		for (int c = 0; c < HB_NCLASS; c++)
			fprintf(f, "v6mig_fetches_total{class=\"%s\"} %u\n",
				hb_class_name((enum hb_class)c), s->by_class[c]);
	}
	family(f, "applies_total", "counter", "Plans applied to the kernel since start.");
	fprintf(f, "v6mig_applies_total %u\n", s->applies);
	family(f, "kernel_writes_total", "counter", "Netlink writes to the kernel since start.");
	fprintf(f, "v6mig_kernel_writes_total %u\n", s->writes);
}

static void write_ports(FILE *f, const struct ct_ports *c)
{
	static const struct { const char *name, *help; } fam[] = {
		{ "ports_in_use", "Ports (ICMP: echo ids) of the shared IPv4 port set held by conntrack entries." },
		{ "ports_total", "Ports in the port set." },
		{ "ports_high_water", "The most ports in use seen since start (or since the port set changed)." },
	};

	for (size_t k = 0; k < 3; k++) {
		family(f, fam[k].name, "gauge", fam[k].help);
		for (int p = 0; p < CT_NPROTO; p++) {
			const struct ct_use *u = &c->p[p];

			fprintf(f, "v6mig_%s{protocol=\"%s\"} %u\n", fam[k].name,
				ct_proto_name((enum ct_proto)p),
				k == 0 ? u->in_use : k == 1 ? u->total : u->high);
		}
	}
}

/* The label reason of a counter, from its status key: the direction
 * (an out_/in_ prefix, an _out/_in suffix) goes to its own label; ok is
 * "translated", pass "passed"; drop_* stay (drop_port_out -> drop_port). */
static void reason_of(const char *name, char *buf, size_t size)
{
	size_t len;

	if (!strncmp(name, "out_", 4))
		name += 4;
	else if (!strncmp(name, "in_", 3))
		name += 3;
	len = strlen(name);
	if (len > 4 && !strcmp(name + len - 4, "_out"))
		len -= 4;
	else if (len > 3 && !strcmp(name + len - 3, "_in"))
		len -= 3;
	snprintf(buf, size, "%.*s", (int)len, name);
	if (!strcmp(buf, "ok"))
		snprintf(buf, size, "translated");
	else if (!strcmp(buf, "pass"))
		snprintf(buf, size, "passed");
}

/* One pair of eBPF programs' counters (the translator's: what = "xlat";
 * the mesh's the same way): v6mig_<what>_packets_total{direction,reason},
 * one series per counter, and when they were read. */
static void write_pkts(FILE *f, const char *what, const char *help,
		       const struct status_pkts *p)
{
	char name[64], reason[64];

	if (!p->c)
		return;
	snprintf(name, sizeof(name), "%s_packets_total", what);
	family(f, name, "counter", help);
	for (size_t k = 0; k < p->n; k++) {
		reason_of(p->c[k].name, reason, sizeof(reason));
		fprintf(f, "v6mig_%s{direction=\"%s\",reason=\"%s\"} %llu\n", name,
			p->c[k].direction, reason, (unsigned long long)p->c[k].value);
	}
	snprintf(name, sizeof(name), "%s_sampled_timestamp_seconds", what);
	stamp(f, name, "When the program counters above were read (Unix time).", p->at);
}

static void write_all(FILE *f, const struct status *s)
{
	write_states(f, s);
	write_counters(f, s);
	stamp(f, "last_fetch_timestamp_seconds",
	      "When the provisioning server was last asked (Unix time).", s->last_fetch);
	stamp(f, "next_check_timestamp_seconds",
	      "When the agent asks the server next (Unix time).", s->next_check);
	stamp(f, "ports_sampled_timestamp_seconds",
	      "When conntrack was last sampled for the port figures (Unix time).",
	      s->ports ? s->ports_at : 0);
	if (s->ports)
		write_ports(f, s->ports);
	if (s->ipv6_mostly >= 0)
		gauge(f, "ipv6_mostly", "HB46PP 1.2 ipv6_mostly from the provisioning data (1 = asked for).",
		      s->ipv6_mostly);
	if (s->timings)
		gauge(f, "first_configuration_seconds",
		      "From start to the first configuration.", (double)s->timings->total_ms / 1000.0);
	write_pkts(f, "xlat", "Packets seen by the MAP-T/464XLAT translator's eBPF programs since "
		   "they were loaded, by direction (out: IPv4 to IPv6, in: IPv6 to IPv4, any: "
		   "counted by both) and reason (translated; passed: not ours; drop_*: dropped, why).",
		   &s->xlat);
	gauge(f, "clock_suspect", "1 when the last fetch failed a certificate's validity period (the clock looks wrong).",
	      s->clock ? 1 : 0);
}

int metrics_write(const char *run_dir, const struct status *s, struct err *e)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int rc;

	if (!f)
		return err_set(e, ENOMEM, "metrics: out of memory");
	write_all(f, s);
	if (fclose(f) != 0 || !text) {
		free(text);
		return err_set(e, ENOMEM, "metrics: out of memory");
	}
	rc = dir_ensure(run_dir, 0755, e);
	if (rc == 0)
		rc = file_write_atomic(run_dir, METRICS_FILE, text, len, 0644, e);
	free(text);
	return rc;
}
