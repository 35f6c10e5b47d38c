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
#include <time.h>

#include "../netlink/system.h"
#include "../netlink/rtnl.h"
#include "../tunnels/plan.h"
#include "conf.h"
#include "discover.h"
#include "fetch.h"
#include "guard.h"
#include "loop.h"
#include "sequence.h"
#include "status.h"

#define DAEMON_MAX_OVERRIDES 32
#define DAEMON_QUEUE 8
#define DAEMON_CT_QUEUE 4     /* conntrack flushes waiting (addresses) */
#define DAEMON_CT_STEP_MS 20  /* one conntrack step in the loop (conntrack.h) */
#define DAEMON_CT_EXIT_STEPS 500 /* at exit: at most ~10 s of them */

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
	struct dns_query *dq;     /* the discovery or AAAA query in flight */
	struct fetch *fetch;      /* the fetch in flight */
	struct fetch *fetch_done; /* freed between loop turns */
	struct system sys;
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

#endif
