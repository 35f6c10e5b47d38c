/* SPDX-License-Identifier: MIT */
/* `v6mig-agent run`: configuration, the loop, signals, status, and the
 * hand-over between the sequence's actions and their outcomes. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "../netlink/apply.h"
#include "../netlink/conntrack.h"
#include "cli.h"
#include "commands.h"
#include "config.h"
#include "daemon.h"
#include "heapstat.h"
#include "log.h"
#include "meshcap.h"
#include "notify.h"
#include "../util/runlock.h"
#include "status.h"
#include "store.h"

uint64_t daemon_now_s(void)
{
	return loop_now_ms() / 1000u;
}

void daemon_set_error(struct daemon *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->last_error, sizeof(d->last_error), fmt, ap);
	va_end(ap);
}

void daemon_phase(struct daemon *d, uint64_t *phase, uint64_t dns_part_ms)
{
	uint64_t now = loop_now_ms(), span = now - d->tm_mark_ms;

	d->tm_mark_ms = now;
	if (!phase || d->tm.total_ms)
		return;
	if (dns_part_ms > span)
		dns_part_ms = span;
	d->tm.dns_ms += dns_part_ms;
	*phase += span - dns_part_ms;
}

void daemon_phase_done(struct daemon *d)
{
	struct status_timings *t = &d->tm;

	if (t->total_ms)
		return;
	t->total_ms = loop_now_ms() - d->tm_start_ms;
	if (!t->total_ms)
		t->total_ms = 1; /* 0 means "not yet" */
	log_info("first configuration %llu ms after start: DNS %llu, HTTPS %llu, "
		 "plan %llu, kernel %llu ms",
		 (unsigned long long)t->total_ms, (unsigned long long)t->dns_ms,
		 (unsigned long long)t->https_ms, (unsigned long long)t->plan_ms,
		 (unsigned long long)t->kernel_ms);
}

void daemon_push(struct daemon *d, struct seq_event *ev)
{
	size_t i;

	if (d->q_len == DAEMON_QUEUE) {
		/* Cannot happen: one query and one apply at most are
		 * outstanding, plus timer, WAN and stop events. */
		log_err("event queue full: %d events dropped", 1);
		if (ev->prov)
			prov_done(ev->prov);
		return;
	}
	if (ev->type == SEQ_EV_RESULT)
		d->by_class[ev->cls]++;
	if (ev->prov && (ev->type == SEQ_EV_START || ev->type == SEQ_EV_RESULT))
		daemon_ops_data(d, ev->prov);
	i = (d->q_head + d->q_len++) % DAEMON_QUEUE;
	d->queue[i].ev = *ev;
	if (ev->prov) {
		d->queue[i].prov = *ev->prov;
		memset(ev->prov, 0, sizeof(*ev->prov));
		d->queue[i].ev.prov = &d->queue[i].prov;
	}
}

/* HB46PP: every wait uniformly random inside its window (Q2-Q7). */
static uint32_t rnd_uniform(void *ctx, uint32_t min, uint32_t max)
{
	uint64_t span = (uint64_t)max - min + 1, lim, r = 0;

	(void)ctx;
	if (max <= min)
		return min;
	/* Rejection sampling: no modulo bias. */
	lim = UINT64_MAX - UINT64_MAX % span;
	do {
		if (getrandom(&r, sizeof(r), 0) != sizeof(r))
			r = (uint64_t)rand() << 32 ^ (uint64_t)rand();
	} while (r >= lim);
	return min + (uint32_t)(r % span);
}

/* ---- status ---------------------------------------------------------- */

void daemon_write_status(struct daemon *d)
{
	struct status s = {
		.state = d->stopping ? "stopped" : seq_state_name(d->seq.state),
		.method = d->has_plan ? method_name(d->plan.method) : NULL,
		.txt_url = d->txt_url[0] ? d->txt_url : NULL,
		.verify = d->verify,
		.last_fetch = d->last_fetch,
		.last_class = d->has_class ? hb_class_name(d->last_class) : NULL,
		.next_check = d->next_check,
		.source = d->has_plan ? d->source : NULL,
		.plan = d->has_plan ? &d->plan : NULL,
		.service_name = d->seq.running >= 0 && d->seq.current.service_name[0] ?
				d->seq.current.service_name : NULL,
		.last_error = d->last_error[0] ? d->last_error : NULL,
		.pid = (long)getpid(),
		.queries = d->queries,
		.applies = d->applies,
		.writes = d->writes,
		.heap_bytes = heap_bytes(),
		.timings = d->tm.total_ms ? &d->tm : NULL,
	};
	char nat64[V6_STR_MAX + 8];
	struct status_counter mesh[MESH_STAT_MAX];
	struct err e;

	if (d->has_plan && d->plan.mesh.enabled &&
	    mesh_status_counters(d->plan.mesh.wan, mesh, &e) == 0)
		s.mesh = (struct status_pkts){ mesh, MESH_STAT_MAX, time(NULL) };
	daemon_ops_status(d, &s, nat64, sizeof(nat64));
	if (status_write(d->cfg.run_dir, &s, &e) < 0)
		log_warn("status: %s", e.msg);
	daemon_ops_changed(d, &s);
	notify_status("%s%s%s%s", s.state, s.method ? ": " : "",
		      s.method ? s.method : "",
		      s.last_error ? " (last error logged)" : "");
}

/* ---- the sequence's actions ------------------------------------------- */

static void arm(struct daemon *d, uint64_t deadline)
{
	uint64_t now = daemon_now_s();

	d->next_check = time(NULL) + (time_t)(deadline > now ? deadline - now : 0);
	loop_timer_arm_at(&d->seq_timer, deadline * 1000u);
	log_info("next check in %llu s", (unsigned long long)(deadline > now ? deadline - now : 0));
}

static void store(struct daemon *d, const struct prov *p)
{
	struct err e;

	if (d->cfg.provisioning_file[0])
		return; /* the fixed mode's file is its own store */
	if (store_save_answer(d->cfg.state_dir, p, &e) < 0)
		log_warn("store: %s (P1: the data will not survive a restart)", e.msg);
}

/* S8: the server's order is tried entry by entry; when the method just
 * tried could not be brought up, say so, and why, before the next one is
 * configured (an integrator reads this line first). */
static void fell_through(struct daemon *d, enum method next)
{
	int from = d->failed_method;

	d->failed_method = -1;
	if (from < 0 || from == (int)next || d->seq.round == SEQ_ROUND_RESTORE)
		return;
	log_notice("%s could not be brought up (%s): falling through to %s, "
		   "the next in the server's order (S8)",
		   method_name((enum method)from),
		   d->last_error[0] ? d->last_error : "no reason recorded",
		   method_name(next));
}

static void run_actions(struct daemon *d, const struct seq_actions *acts)
{
	for (size_t i = 0; i < acts->n; i++) {
		const struct seq_action *a = &acts->a[i];

		switch (a->type) {
		case SEQ_ACT_QUERY:
			daemon_query(d);
			break;
		case SEQ_ACT_CONFIGURE:
			fell_through(d, a->method);
			log_info("configure %s (%s)", method_name(a->method),
				 d->seq.round == SEQ_ROUND_STORED ? "stored data, P1" :
				 d->seq.round == SEQ_ROUND_REPLAN ? "WAN changed, Q8" :
				 d->seq.round == SEQ_ROUND_RESTORE ? "back to what ran" :
				 "Q6");
			d->source = d->cfg.provisioning_file[0] ? "file" :
				    d->seq.round == SEQ_ROUND_STORED ? "stored" : "server";
			daemon_configure(d, a->method, a->prov);
			break;
		case SEQ_ACT_TEARDOWN:
			daemon_teardown(d, d->stopping ? "stopping" :
				       d->has_class && d->last_class == HB_NOT_PROVISIONED ?
				       "not provisioned, Q2" : "no method offered, S2");
			break;
		case SEQ_ACT_KEEP:
			log_info("keep %s running unchanged (Q6)", method_name(a->method));
			break;
		case SEQ_ACT_STORE:
			store(d, a->prov);
			break;
		case SEQ_ACT_ARM:
			arm(d, a->deadline);
			break;
		}
	}
}

/* Hand queued events to the sequence, one at a time, between loop turns. */
static void pump(struct daemon *d)
{
	bool any = false;

	while (d->q_len) {
		struct seq_event ev = d->queue[d->q_head].ev;
		struct seq_actions acts = { 0 };

		d->q_head = (d->q_head + 1) % DAEMON_QUEUE;
		d->q_len--;
		if (seq_step(&d->seq, &ev, daemon_now_s(), &acts) == 0)
			run_actions(d, &acts);
		any = true;
	}
	if (!any)
		return;
	daemon_write_status(d);
	/* READY=1 after the first decision: configured, not provisioned, or
	 * a definite back-off with nothing to run. */
	if (!d->ready_sent && d->seq.busy == SEQ_IDLE &&
	    d->seq.state != SEQ_STARTING) {
		notify_ready();
		d->ready_sent = true;
	}
}

/* ---- loop callbacks: each only queues an event ---------------------------- */

static void on_seq_timer(struct loop_timer *t, void *data)
{
	struct daemon *d = data;
	struct seq_event ev = { .type = SEQ_EV_TIMER };

	(void)t;
	daemon_push(d, &ev);
}

/* A NAT went: its conntrack entries go in steps, one per loop turn, so
 * timers, signals and the watchdog are served in between. */
static void on_ct_timer(struct loop_timer *t, void *data)
{
	struct daemon *d = data;

	daemon_ct_step(d, DAEMON_CT_STEP_MS);
	if (daemon_ct_busy(d))
		loop_timer_arm_at(t, loop_now_ms());
}

static void on_restore_timer(struct loop_timer *t, void *data)
{
	(void)t;
	daemon_restore(data);
}

static void on_watchdog(struct loop_timer *t, void *data)
{
	struct daemon *d = data;

	notify_watchdog();
	loop_timer_arm_at(t, loop_now_ms() + d->wd_interval_ms);
}

static void on_watch(struct loop_fd *h, uint32_t events, void *data)
{
	struct daemon *d = data;
	struct seq_event ev = { .type = SEQ_EV_WAN_CHANGED };
	bool changed = false;
	struct err e;

	(void)h;
	(void)events;
	char what[sizeof(d->lost_what)];

	if (rt_watch_drain(d->watch, &changed, &e) < 0)
		log_warn("watch: %s", e.msg);
	if (rt_watch_lost(d->watch, what, sizeof(what)))
		daemon_lost(d, what);
	if (changed) {
		log_info("WAN %s: IPv6 address or prefix changed: fetch again (Q7, Q8)",
			 d->cfg.wan);
		daemon_push(d, &ev);
	}
}

static void on_signal(struct loop_fd *h, uint32_t events, void *data)
{
	struct daemon *d = data;
	struct signalfd_siginfo si;

	(void)events;
	while (read(h->fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			log_notice("SIGHUP: reading the configuration again");
			d->reload = true;
		} else if (si.ssi_signo == SIGUSR1) {
			struct seq_event ev = { .type = SEQ_EV_REFRESH };

			log_notice("SIGUSR1: fetching now");
			daemon_push(d, &ev);
		} else if (si.ssi_signo == SIGUSR2) {
			/* port-set figures and translator counters on demand */
			daemon_ports_sample(d);
			daemon_write_status(d);
		} else {
			log_notice("%s: stopping%s", strsignal((int)si.ssi_signo),
				   d->cfg.keep_on_exit ? " (keep_on_exit: the kernel state stays)" : "");
			d->stopping = true;
		}
	}
	loop_quit(d->loop);
}

/* ---- configuration ---------------------------------------------------------- */

static int load_config(const struct daemon *d, struct v6mig_config *c,
		       struct err *e)
{
	int rc;

	config_defaults(c);
	rc = config_load(c, d->config_path, e);
	if (rc == -ENOENT && !d->config_required)
		rc = 0;
	for (size_t i = 0; rc == 0 && i < d->n_ov; i++) {
		char where[64];

		snprintf(where, sizeof(where), "--%s", d->ov[i].key);
		rc = config_set(c, d->ov[i].key, d->ov[i].value, where, e);
	}
	if (rc == 0) {
		char dir[CFG_PATH_MAX + V6MIG_INSTANCE_MAX + 2];
		const char *rd = config_run_dir(c, dir, sizeof(dir));

		if (rd != c->run_dir)
			snprintf(c->run_dir, sizeof(c->run_dir), "%s", rd);
	}
	if (rc == 0)
		rc = config_check(c, e);
	return rc;
}

/* ---- set up, run, tear down ------------------------------------------------ */

static int open_watch(struct daemon *d, struct err *e)
{
	const char *lans[CFG_MAX_LAN];
	int rc;

	for (size_t i = 0; i < d->cfg.n_lan; i++)
		lans[i] = d->cfg.lan[i];
	rc = rt_watch_open(d->cfg.wan, lans, d->cfg.n_lan, &d->watch, e);
	if (rc < 0)
		return rc;
	rt_watch_set_scope(d->watch, &d->scope);
	d->watch_h = (struct loop_fd){ .fd = rt_watch_fd(d->watch),
				       .events = EPOLLIN, .cb = on_watch, .data = d };
	d->watch_nft_h = d->watch_h;
	d->watch_nft_h.fd = rt_watch_nft_fd(d->watch);
	if ((rc = loop_fd_add(d->loop, &d->watch_h)) < 0)
		return rc;
	return loop_fd_add(d->loop, &d->watch_nft_h);
}

static void close_watch(struct daemon *d)
{
	if (!d->watch)
		return;
	loop_fd_del(d->loop, &d->watch_h);
	loop_fd_del(d->loop, &d->watch_nft_h);
	rt_watch_free(d->watch);
	d->watch = NULL;
}

/* The sequence from the start (Q1), with the stored data for P1. */
static void start_sequence(struct daemon *d)
{
	/* S8 among what this build and kernel carry (R4's words); a fixed
	 * mode is the user's word and meets the kernel's own error */
	struct seq_config sc = { .methods = d->cfg.method >= 0 ?
					    seq_build_methods() : agent_methods(),
				 .fixed = d->cfg.method, .rnd = rnd_uniform };
	struct seq_event ev = { .type = SEQ_EV_START };
	struct prov stored;
	struct err e;
	int rc;

	seq_init(&d->seq, &sc);
	d->token[0] = '\0';
	/* A restart or reload adopts what the kernel holds (sequence.h). */
	if (daemon_kernel_holds(d, &ev.held)) {
		ev.held_known = true;
		if (ev.held >= 0)
			log_info("the kernel holds %s of ours (%s/%s): adopted",
				 method_name((enum method)ev.held), d->cfg.run_dir,
				 RECORD_FILE);
	}
	if (d->cfg.provisioning_file[0]) {
		daemon_push(d, &ev);
		return;
	}
	rc = store_load_token(d->cfg.state_dir, d->token, &e);
	if (rc < 0 && rc != -ENOENT)
		log_warn("stored token: %s", e.msg);
	rc = store_load_prov(d->cfg.state_dir, &stored, NULL, &e);
	if (rc == 0) {
		log_info("stored provisioning found in %s (P1)", d->cfg.state_dir);
		ev.prov = &stored;
	} else if (rc != -ENOENT) {
		log_warn("stored provisioning: %s (ignored)", e.msg);
	}
	daemon_push(d, &ev);
}

static int daemon_open(struct daemon *d, struct err *e)
{
	int rc;
	sigset_t set;

	log_set_level((int)d->cfg.log_level);
	d->loop = loop_new();
	if (!d->loop)
		return err_set(e, ENOMEM, "event loop: out of memory");
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	d->sig_h = (struct loop_fd){ .fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC),
				     .events = EPOLLIN, .cb = on_signal, .data = d };
	if (d->sig_h.fd < 0 || loop_fd_add(d->loop, &d->sig_h) < 0)
		return err_set(e, errno, "signalfd: %s", strerror(errno));
	if ((rc = loop_timer_init(d->loop, &d->seq_timer, on_seq_timer, d)) < 0 ||
	    (rc = loop_timer_init(d->loop, &d->wd_timer, on_watchdog, d)) < 0 ||
	    (rc = loop_timer_init(d->loop, &d->ct_timer, on_ct_timer, d)) < 0 ||
	    (rc = loop_timer_init(d->loop, &d->restore_timer, on_restore_timer, d)) < 0)
		return err_set(e, rc, "timerfd: %s", strerror(-rc));
	/* One writer per instance: a manual apply/down waits for us. The
	 * instance and metric are read here, once (a SIGHUP that changes
	 * them takes a restart). */
	if ((rc = plan_scope_make(&d->scope, d->cfg.instance,
				  d->cfg.route_metric, e)) < 0 ||
	    (d->lock_fd = run_lock(d->cfg.run_dir, "v6mig-agent run", e)) < 0)
		return rc < 0 ? rc : d->lock_fd;
	if ((rc = daemon_ops_init(d, e)) < 0)
		return rc;
	if ((rc = system_open(&d->sys, e)) < 0)
		return rc;
	d->be = system_backend(&d->sys);
	d->sys_open = true;
	if ((rc = system_set_scope(&d->sys, &d->scope, e)) < 0)
		return rc;
	if ((rc = open_watch(d, e)) < 0)
		return rc;
	return daemon_hb_init(d, e);
}

static void daemon_close(struct daemon *d)
{
	daemon_ops_done(d);
	daemon_hb_done(d);
	close_watch(d);
	if (d->sys_open)
		system_close(&d->sys);
	d->sys_open = false;
	run_unlock(d->lock_fd);
	d->lock_fd = -1;
	seq_done(&d->seq);
	ct_flush_free(d->ct);
	d->ct = NULL;
	for (; d->q_len; d->q_len--, d->q_head = (d->q_head + 1) % DAEMON_QUEUE)
		if (d->queue[d->q_head].ev.prov)
			prov_done(d->queue[d->q_head].ev.prov);
	if (d->loop) {
		loop_timer_done(d->loop, &d->seq_timer);
		loop_timer_done(d->loop, &d->wd_timer);
		loop_timer_done(d->loop, &d->ct_timer);
		loop_timer_done(d->loop, &d->restore_timer);
		if (d->sig_h.fd >= 0) {
			loop_fd_del(d->loop, &d->sig_h);
			close(d->sig_h.fd);
		}
	}
	loop_free(d->loop);
	d->loop = NULL;
}

/* SIGHUP: a bad new configuration is refused and the old one kept. */
static void reload(struct daemon *d)
{
	struct v6mig_config c;
	struct err e;

	d->reload = false;
	if (load_config(d, &c, &e) < 0) {
		log_err("SIGHUP: %s: keeping the running configuration", e.msg);
		return;
	}
	daemon_hb_done(d);
	close_watch(d);
	seq_done(&d->seq);
	d->cfg = c;
	log_set_level((int)c.log_level);
	if (open_watch(d, &e) < 0 || daemon_hb_init(d, &e) < 0) {
		log_err("SIGHUP: %s", e.msg);
		d->stopping = true;
		d->exit_failed = true;
		return;
	}
	start_sequence(d);
}

static void stop(struct daemon *d)
{
	struct seq_event ev = { .type = SEQ_EV_STOP, .teardown = !d->cfg.keep_on_exit };
	struct seq_actions acts = { 0 };

	notify_stopping();
	daemon_hb_cancel(d);
	if (seq_step(&d->seq, &ev, daemon_now_s(), &acts) == 0)
		run_actions(d, &acts);
	if (!d->cfg.keep_on_exit && d->has_plan)
		daemon_teardown(d, "stopping");
	/* Exiting: what is left of the flushes is done now (bounded by the
	 * table; the loop has nothing else to serve). */
	for (unsigned i = 0; daemon_ct_busy(d) && i < DAEMON_CT_EXIT_STEPS; i++)
		daemon_ct_step(d, DAEMON_CT_STEP_MS);
	daemon_write_status(d);
	daemon_ops_stop(d);
}

static int daemon_run(struct daemon *d)
{
	uint64_t wd_us = 0;

	if (notify_watchdog_interval_us(&wd_us) > 0 && wd_us >= 2000) {
		d->wd_interval_ms = wd_us / 2000u; /* at half the interval */
		loop_timer_arm_at(&d->wd_timer, loop_now_ms() + d->wd_interval_ms);
	}
	start_sequence(d);
	while (!d->stopping) {
		pump(d);
		if (loop_run_once(d->loop, -1) < 0)
			break;
		fetch_free(d->fetch_done);
		d->fetch_done = NULL;
		daemon_ops_between(d);
		if (d->reload)
			reload(d);
	}
	stop(d);
	return d->exit_failed ? 1 : 0;
}

/* ---- the command ------------------------------------------------------------ */

static const char run_usage[] =
	"usage: v6mig-agent run [--config FILE] [--wan IFACE] [--lan IFACE]...\n"
	"                       [--resolver ADDR[#PORT]]... [--domain NAME] [--ca-file F]\n"
	"                       [--user U --pass-file F [--server-name H]] [--timeout S]\n"
	"                       [--method M] [--from FILE.json] [--prefix PFX]\n"
	"                       [--state-dir DIR] [--run-dir DIR] [--log-level L]\n"
	"                       [--vendorid V] [--product P] [--version V] [--keep-on-exit]\n"
	"                       [--hook PROG] [--hook-timeout S]\n"
	"\n"
	"The daemon: HB46PP discovery, fetch and the 3.6 sequence, the chosen method\n"
	"brought up over netlink. Flags override the configuration file\n"
	"(default " CONFIG_CONFIG_PATH "; see v6mig.conf(5)). SIGHUP re-reads it;\n"
	"SIGTERM removes what the agent made (unless keep_on_exit) and exits 0;\n"
	"SIGUSR1 fetches now; SIGUSR2 samples the port set and the translator's\n"
	"counters now.\n"
	"Exit 2: bad configuration; 1: could not start.\n";

/* Flag -> configuration key: the flags carry probe's names. */
static const struct { const char *flag, *key; } run_flags[] = {
	{ "wan", "wan" }, { "lan", "lan" }, { "resolver", "resolvers" },
	{ "domain", "domain" }, { "ca-file", "ca_file" }, { "user", "user" },
	{ "pass", "pass" }, { "pass-file", "pass_file" },
	{ "server-name", "server_name" },
	{ "timeout", "timeout" }, { "method", "method" },
	{ "from", "provisioning_file" }, { "prefix", "prefix" },
	{ "state-dir", "state_dir" }, { "run-dir", "run_dir" },
	{ "log-level", "log_level" }, { "vendorid", "vendorid" },
	{ "product", "product" }, { "version", "version" },
	{ "keep-on-exit", "keep_on_exit" }, { "ipip-index", "ipip_index" },
	{ "instance", "instance" }, { "route-metric", "route_metric" },
	{ "hook", "hook" }, { "hook-timeout", "hook_timeout" },
};
#define N_RUN_FLAGS (sizeof(run_flags) / sizeof(run_flags[0]))

static int run_parse(int argc, char **argv, struct daemon *d, char *from_abs,
		     size_t from_size)
{
	struct option opts[N_RUN_FLAGS + 3];
	int c, idx;

	for (size_t i = 0; i < N_RUN_FLAGS; i++)
		opts[i] = (struct option){ run_flags[i].flag,
			!strcmp(run_flags[i].flag, "keep-on-exit") ? no_argument :
			required_argument, NULL, (int)(256 + i) };
	opts[N_RUN_FLAGS] = (struct option){ "config", required_argument, NULL, 'c' };
	opts[N_RUN_FLAGS + 1] = (struct option){ "help", no_argument, NULL, 'h' };
	opts[N_RUN_FLAGS + 2] = (struct option){ NULL, 0, NULL, 0 };
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, &idx)) != -1) {
		const char *v = optarg;
		size_t i = (size_t)c - 256;

		if (c == '?')
			return cli_usage_error("unknown option '%s' (see --help)", argv[optind - 1]);
		if (c == ':')
			return cli_usage_error("option '%s' needs a value", argv[optind - 1]);
		if (c == 'h') {
			fputs(run_usage, stdout);
			return -1;
		}
		if (c == 'c') {
			d->config_path = optarg;
			d->config_required = true;
			continue;
		}
		if (d->n_ov == DAEMON_MAX_OVERRIDES)
			return cli_usage_error("too many options");
		if (!strcmp(run_flags[i].flag, "keep-on-exit"))
			v = "yes";
		if (!strcmp(run_flags[i].flag, "pass"))
			log_warn("%s", cli_pass_warning);
		/* --from may be relative to where the command was given. */
		if (!strcmp(run_flags[i].flag, "from") && v[0] != '/') {
			char cwd[512];

			if (!getcwd(cwd, sizeof(cwd)) ||
			    snprintf(from_abs, from_size, "%s/%s", cwd, v) >= (int)from_size)
				return cli_usage_error("--from: '%s': path too long", v);
			v = from_abs;
		}
		d->ov[d->n_ov++] = (struct override){ run_flags[i].key, v };
	}
	if (optind < argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	return 0;
}

int cmd_run(int argc, char **argv)
{
	static struct daemon d; /* large; one per process */
	char from_abs[CFG_PATH_MAX];
	struct err e;
	int rc;

	cli_prog = "v6mig-agent run";
	memset(&d, 0, sizeof(d));
	d.tm_start_ms = d.tm_mark_ms = loop_now_ms();
	guard_init(&d.guard, d.tm_start_ms);
	d.sig_h.fd = -1;
	d.failed_method = -1;
	d.lock_fd = -1;
	d.config_path = CONFIG_CONFIG_PATH;
	rc = run_parse(argc, argv, &d, from_abs, sizeof(from_abs));
	if (rc)
		return rc < 0 ? 0 : rc;
	if (load_config(&d, &d.cfg, &e) < 0)
		return cli_usage_error("%s", e.msg);
	if (fetch_global_init() < 0)
		return cli_usage_error("libcurl could not start");
	log_info("v6mig-agent starting on WAN %s (state %s, run %s)", d.cfg.wan,
		 d.cfg.state_dir, d.cfg.run_dir);
	rc = daemon_open(&d, &e);
	if (rc < 0) {
		log_err("%s", e.msg);
		daemon_close(&d);
		return 1;
	}
	rc = daemon_run(&d);
	daemon_close(&d);
	log_info("v6mig-agent stopped");
	return rc;
}
