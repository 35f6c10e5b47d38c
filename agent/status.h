/* SPDX-License-Identifier: MIT */
/* The daemon's status file (RUN_DIR/status.json, written atomically) and
 * `v6mig-agent status`, which reads it. */
#ifndef V6MIG_STATUS_H
#define V6MIG_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "../netlink/ctstat.h"
#include "../tunnels/err.h"
#include "../tunnels/plan.h"

#define STATUS_FILE "status.json"

/* Where the time from `run` to the first configuration went (bench/):
 * every DNS lookup (TXT, the server's AAAA, the peer's AAAA), the HTTPS
 * exchanges, WAN facts + plan, and the kernel writes, summed over every
 * attempt until the first apply that succeeded; then frozen. */
struct status_timings {
	uint64_t dns_ms, https_ms, plan_ms, kernel_ms;
	uint64_t total_ms;        /* `run` start to that apply's end */
};

/* One counter of our eBPF programs (the translator's; the mesh's the same
 * way): its status --json key, and for metrics.prom the program that
 * counts it ("out", "in", or "any": both, in one counter). */
struct status_counter {
	const char *name, *direction;
	uint64_t value;
};

/* The counters of one pair of programs, as the daemon read them. */
struct status_pkts {
	const struct status_counter *c;   /* n of them; NULL: none read */
	size_t n;
	time_t at;                        /* when read */
};

struct status {
	const char *state;        /* starting configured unconfigured backoff stopped */
	const char *method;       /* NULL when none runs */
	const char *txt_url;      /* the URL from the TXT record, or NULL */
	bool verify;
	time_t last_fetch;        /* wall clock, 0 = never */
	const char *last_class;   /* hb_class_name(), or NULL */
	time_t next_check;        /* wall clock, 0 = none */
	const char *source;       /* "server", "stored" (P1) or "file" (fixed mode) */
	const struct plan *plan;  /* what runs, or NULL */
	const char *service_name; /* from the provisioning, or NULL */
	const char *last_error;   /* or NULL */
	long pid;
	unsigned queries;         /* queries answered (any outcome) since start */
	unsigned applies;         /* plans applied since start */
	unsigned writes;          /* kernel writes since start */
	long heap_bytes;          /* heap_bytes(), -1 unknown (heapstat.h) */
	const struct status_timings *timings; /* NULL until the first configuration */
	/* Operating it (issue 14) */
	const unsigned *by_class;   /* HB_NCLASS RESULTs by class, or NULL */
	const struct ct_ports *ports; /* port-set use, NULL when no port set runs */
	time_t ports_at;            /* when sampled */
	int ipv6_mostly;            /* HB46PP 1.2: 1, 0, or -1 when not given */
	const char *nat64_prefix;   /* 464xlat.nat64prefix of the data, or NULL */
	const char *clock;          /* a validity-period failure explained, or NULL */
	const char *hook;           /* the last hook run: "EVENT: exit 0 ...", or NULL */
	struct status_pkts xlat;    /* MAP-T/464XLAT translator counters */
};

#define METRICS_FILE "metrics.prom"
/* The same facts for node_exporter's textfile collector (metrics.c). */
int metrics_write(const char *run_dir, const struct status *s, struct err *e);
void status_ports_line(const struct ct_ports *c, enum ct_proto p, char *buf,
		       size_t size);

int status_write(const char *run_dir, const struct status *s, struct err *e);
int cmd_status(int argc, char **argv);

#endif
