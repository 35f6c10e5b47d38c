/* SPDX-License-Identifier: MIT */
/* Port-set pressure (issue 14): how many ports of our set the NAT44 has
 * handed out, per protocol, and to whom -- read from conntrack. */
#ifndef V6MIG_CTSTAT_H
#define V6MIG_CTSTAT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "../tunnels/err.h"
#include "../tunnels/map.h"

#define CT_TOP 5

enum ct_proto { CT_TCP, CT_UDP, CT_ICMP, CT_NPROTO };

struct ct_consumer {
	struct in_addr lan;      /* the flow's original source */
	uint32_t ports;          /* distinct external ports it holds */
};

struct ct_use {
	uint32_t in_use;         /* distinct ports (ICMP: echo ids) of the set held */
	uint32_t total;          /* ports in the set */
	uint32_t high;           /* the most in_use seen since start (ct_ports_fold) */
	struct ct_consumer top[CT_TOP]; /* most ports first */
	uint32_t n_top;
};

struct ct_ports {
	struct ct_use p[CT_NPROTO];
	uint32_t entries;        /* conntrack entries the kernel sent us */
};

const char *ct_proto_name(enum ct_proto p);

/* One conntrack dump, filtered in the kernel to entries whose reply goes
 * to `ext` (CTA_FILTER on the reply tuple's destination): the ports of
 * `ps` those entries hold. `high` is left 0 (ct_ports_fold). */
int ct_ports_sample(struct in_addr ext, const struct portset *ps,
		    struct ct_ports *out, struct err *e);

/* --- the pure part, for tests ------------------------------------------- */
struct ct_rec {
	uint8_t proto;           /* enum ct_proto */
	uint16_t port;           /* the reply's destination port / echo id */
	uint32_t lan;            /* network order */
};
/* Figures from n records (sorted in place); recs already filtered to the
 * external address. */
void ct_ports_count(struct ct_rec *recs, size_t n, const struct portset *ps,
		    struct ct_ports *out);
/* now.high = max(prev.high, now.in_use), per protocol. */
void ct_ports_fold(const struct ct_ports *prev, struct ct_ports *now);
/* The percentage of the busiest protocol (0-100), and which. */
unsigned ct_ports_peak(const struct ct_ports *c, enum ct_proto *which);
/* Hysteresis for the log: 1 when use reaches CT_ALARM_PCT (and *alarm
 * was clear), -1 when it falls under CT_CLEAR_PCT (and *alarm was set),
 * else 0; *alarm follows. */
#define CT_ALARM_PCT 80u
#define CT_CLEAR_PCT 70u
int ct_ports_alarm(const struct ct_use *u, bool *alarm);

#endif
