/* SPDX-License-Identifier: MIT */
/* `v6mig-agent run`: one process, one epoll loop. The HB46PP sequence
 * (sequence.c, pure) decides; the daemon carries its actions out --
 * discovery and fetch (daemon_hb.c), plan and apply (daemon_kernel.c) --
 * and feeds the outcomes back as events.
 *
 * Every outcome, whether it comes at once or from a loop callback, is
 * queued and handed to the sequence only between loop turns, so the
 * sequence is never re-entered and nothing the loop watches is freed
 * inside a loop callback (discover.h). */
#ifndef V6MIG_DAEMON_H
#define V6MIG_DAEMON_H

#include <stdbool.h>
#include <sys/stat.h>
#include <time.h>

#include "../netlink/ctstat.h"
#include "../netlink/system.h"
#include "../netlink/xlat.h"
#include "../netlink/rtnl.h"
#include "../tunnels/plan.h"
#include "conf.h"
#include "discover.h"
#include "fetch.h"
#include "guard.h"
#include "hook.h"
#include "loop.h"
#include "sequence.h"
#include "status.h"

#define DAEMON_MAX_OVERRIDES 32
#define DAEMON_QUEUE 8
#define DAEMON_CT_QUEUE 4     /* conntrack flushes waiting (addresses) */
#define DAEMON_CT_STEP_MS 20  /* one conntrack step in the loop (conntrack.h) */
#define DAEMON_CT_EXIT_STEPS 500 /* at exit: at most ~10 s of them */

/* What the DNS channel depends on beyond the configuration: the WAN's
 * own address its sockets are bound to, and /etc/resolv.conf as it was
 * read (without `resolvers`). A change makes a new channel. */
struct dns_src {
	bool has_src;
	struct in6_addr src;
	bool has_conf;            /* resolv.conf existed */
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

/* The AFTR / lwAFTR name of the configuration in force (S11, S12): its
 * AAAA set in a fixed order, the address in use, and the re-resolution
 * when the smallest TTL runs out (daemon_kernel.c). */
struct daemon_peer {
	char name[PROV_NAME_MAX];
	struct in6_addr addrs[DNS_MAX_AAAA]; /* sorted: a deterministic order */
	size_t n, idx;            /* addrs[idx] is (to be) planned */
	uint32_t ttl_s;           /* of the answer */
	struct loop_timer timer;  /* the TTL ran out: resolve again */
	bool timer_ok;
	struct dns_query *q;      /* that lookup in flight */
};

struct override {
	const char *key, *value;  /* a CLI flag, applied over the file */
};

struct daemon {
	/* configuration: the file, then the flags on top (SIGHUP redoes it) */
	const char *config_path;
	bool config_required;     /* --config given: a missing file is an error */
	struct override ov[DAEMON_MAX_OVERRIDES];
	size_t n_ov;
	struct v6mig_config cfg;

	struct loop *loop;
	struct loop_fd sig_h;
	struct loop_timer seq_timer, wd_timer;
	uint64_t wd_interval_ms;
	struct rt_watch *watch;
	struct loop_fd watch_h, watch_nft_h;
	/* someone removed what we own: put it back, rate-limited (guard.h) */
	struct guard guard;
	struct loop_timer restore_timer;
	bool restore_armed, restore_backoff_logged;
	char lost_what[256];
	unsigned restores;        /* status and tests */
	struct dns *dns;
	struct dns_src dns_src;   /* what d->dns was made with (daemon_hb.c) */
	struct dns_query *dq;     /* the discovery or AAAA query in flight */
	struct fetch *fetch;      /* the fetch in flight */
	struct fetch *fetch_done; /* freed between loop turns */
	struct system sys;
	struct plan_scope scope;  /* instance and metric, fixed at start */
	int lock_fd;              /* RUN_DIR/lock, held for the daemon's life */
	struct backend be;
	bool sys_open;
	/* conntrack entries of a NAT that went, deleted from the loop */
	struct ct_flush *ct;
	struct {
		struct in_addr a;
		bool has_keep;        /* the NAT to a still uses these ports */
		struct portset keep;
	} ct_next[DAEMON_CT_QUEUE];
	size_t n_ct_next;
	struct loop_timer ct_timer;

	struct seq seq;
	struct {
		struct seq_event ev;
		struct prov prov;     /* the event's data, moved in */
	} queue[DAEMON_QUEUE];
	size_t q_head, q_len;
	bool stopping, reload, exit_failed;

	/* the configure in progress (waits for an AAAA lookup) */
	bool configuring;
	enum method cfg_method;
	const struct prov *cfg_prov;
	struct wan_facts facts;
	int failed_method;        /* the CONFIGURE that just failed, or -1 */
	struct daemon_peer peer;

	/* what status shows */
	char txt_url[URL_MAX];
	bool verify;
	time_t last_fetch;
	bool has_class;
	enum hb_class last_class;
	char last_error[ERR_MSG_MAX];
	time_t next_check;
	const char *source;       /* "server", "stored", "file" */
	struct plan plan;
	bool has_plan;
	char token[PROV_TOKEN_LEN + 1];
	bool ready_sent;
	unsigned queries;         /* RESULTs: discover/fetch outcomes */
	unsigned applies, writes; /* counters for status and tests */
	/* time to the first configuration (status.h); total_ms 0 until then */
	struct status_timings tm;
	uint64_t tm_start_ms, tm_mark_ms;

	/* operating it (daemon_ops.c, issue 14) */
	unsigned by_class[HB_NCLASS]; /* RESULTs by class, for metrics */
	struct {                  /* HB46PP 1.2 LAN information, last valid data */
		int ipv6_mostly;      /* 1, 0, -1 not given */
		bool has_nat64;
		struct v6pfx nat64;
	} lan6;
	struct loop_timer ports_timer;
	struct ct_ports ports;
	struct plan_nat ports_nat;  /* the NAT the figures are for */
	bool has_ports;
	time_t ports_at;
	bool ports_alarm[CT_NPROTO];
	/* the translator's counters, read with every status (and so every
	 * DAEMON_PORTS_MS) through the maps we kept (netlink/bpftc.h) */
	struct status_counter xlat[XLAT_STAT_MAX];
	bool has_xlat, xlat_warned;
	time_t xlat_at;
	struct hook *hook;        /* the hook running, or NULL */
	struct hook *hook_done;   /* freed between loop turns */
	const char *hook_pending; /* an event that came while it ran */
	struct plan hook_plan;    /* the facts the last event told of */
	bool hook_has_plan, hook_told;
	int hook_mostly;
	struct v6pfx hook_nat64;
	char hook_last[HOOK_LINE_MAX + 96];
	char clock_note[192];     /* a certificate validity failure explained */
	struct loop_clock clock;  /* the wall clock being set */
	struct loop_timer clock_retry;
};


/* daemon.c: queue an event for the sequence; a prov it carries is moved
 * into the queue (the caller's struct is zeroed). */
void daemon_push(struct daemon *d, struct seq_event *ev);
void daemon_set_error(struct daemon *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
uint64_t daemon_now_s(void);
/* Until the first configuration: add the time since the last mark to
 * *phase (NULL: only mark), less dns_part_ms, which goes to DNS. */
void daemon_phase(struct daemon *d, uint64_t *phase, uint64_t dns_part_ms);
/* The first successful apply: freeze the timings and log them. */
void daemon_phase_done(struct daemon *d);

/* daemon_hb.c: discovery + fetch + validation; pushes one RESULT. */
int daemon_hb_init(struct daemon *d, struct err *e);
void daemon_hb_done(struct daemon *d);
void daemon_query(struct daemon *d);
void daemon_hb_cancel(struct daemon *d);

/* daemon_ops.c: port-set pressure, metrics, the hook, the clock. */
int daemon_ops_init(struct daemon *d, struct err *e);
void daemon_ops_done(struct daemon *d);
void daemon_ops_status(struct daemon *d, struct status *s, char *nat64, size_t size);
/* After status.json: metrics.prom, and the hook when the facts changed. */
void daemon_ops_changed(struct daemon *d, const struct status *s);
void daemon_ops_between(struct daemon *d); /* between loop turns */
void daemon_ops_stop(struct daemon *d);    /* "stopped", bounded wait */
void daemon_ops_data(struct daemon *d, const struct prov *p); /* valid data seen */
void daemon_ports_sample(struct daemon *d);
/* A fetch ended: a certificate validity-period failure (the clock), or not. */
void daemon_ops_fetched(struct daemon *d, const struct fetch_result *r);
void daemon_write_status(struct daemon *d);

/* daemon_kernel.c: plan + apply; pushes one APPLIED. Teardown is at once. */
void daemon_configure(struct daemon *d, enum method m, const struct prov *p);
/* What the kernel holds of ours, by the ownership record: *method, or -1
 * for nothing; false when that cannot be told (logged). */
bool daemon_kernel_holds(struct daemon *d, int *method);
/* The conntrack flushes a NAT change queued: one step of about budget_ms
 * (the loop's ct_timer calls it while daemon_ct_busy()); a new NAT to a
 * queued address cancels its flush. */
void daemon_ct_step(struct daemon *d, unsigned budget_ms);
bool daemon_ct_busy(const struct daemon *d);
void daemon_ct_cancel(struct daemon *d, struct in_addr a);
/* The watcher saw something of ours go (what: for the log): compare and
 * put it back after GUARD_SETTLE_MS (restore_timer -> daemon_restore). */
void daemon_lost(struct daemon *d, const char *what);
void daemon_restore(struct daemon *d);
void daemon_teardown(struct daemon *d, const char *why);
/* The AFTR name's re-resolution: PEER_PAUSE cancels a lookup in flight
 * (the dns is about to go) and tries again later; PEER_STOP also
 * disarms the TTL timer (nothing named runs); PEER_FORGET frees it. */
enum peer_stop { PEER_PAUSE, PEER_STOP, PEER_FORGET };
void daemon_peer_stop(struct daemon *d, enum peer_stop how);
/* AFTR / lwAFTR names (S11, S12) are asked again when the smallest TTL
 * of the answer runs out, within these bounds: a TTL of 0 is no reason
 * to ask the resolver in a loop, a week-long one no reason to miss a
 * move for a week. The seconds until the next look after ttl_s. */
#define DAEMON_PEER_TTL_MIN_S 30u
#define DAEMON_PEER_TTL_MAX_S 86400u
uint32_t daemon_peer_recheck_s(uint32_t ttl_s);
/* r's addresses (at most DNS_MAX_AAAA) sorted into out: the order a
 * resolver rotates them in is no reason to move the tunnel (RFC 1794). */
void daemon_peer_sorted(const struct dns_aaaa_result *r, struct in6_addr *out,
			size_t *n);

#endif
