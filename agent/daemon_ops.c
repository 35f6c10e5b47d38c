/* SPDX-License-Identifier: MIT */
/* What an operator reads and wires in (issue 14): port-set pressure from
 * conntrack and the translator's counters every DAEMON_PORTS_MS and on
 * SIGUSR2, metrics.prom next to
 * status.json, and the hook run on every change of the facts
 * (configured, reconfigured, unconfigured, stopped). */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>

#include "daemon.h"
#include "log.h"

#define DAEMON_PORTS_MS 10000u
#define HOOK_ENV_MAX 24
#define HOOK_STOP_WAIT_MS 100

/* ---- port-set pressure --------------------------------------------------- */

/* A port set runs: the NAT44 shares our IPv4 (MAP-E, MAP-T, lw4o6). */
static bool ports_apply(const struct daemon *d)
{
	return d->has_plan && d->plan.nat.enabled && d->plan.nat.ports.len > 0;
}

static void ports_log(struct daemon *d)
{
	for (int p = 0; p < CT_NPROTO; p++) {
		int crossed = ct_ports_alarm(&d->ports.p[p], &d->ports_alarm[p]);
		char line[512];

		if (!crossed)
			continue;
		status_ports_line(&d->ports, (enum ct_proto)p, line, sizeof(line));
		if (crossed > 0)
			log_warn("port set %s: %s: new flows fail when it is full",
				 ct_proto_name((enum ct_proto)p), line);
		else
			log_notice("port set %s: back under %u%%: %s",
				   ct_proto_name((enum ct_proto)p), CT_CLEAR_PCT, line);
	}
}

void daemon_ports_sample(struct daemon *d)
{
	struct ct_ports now;
	struct err e;

	if (!ports_apply(d)) {
		d->has_ports = false;
		memset(d->ports_alarm, 0, sizeof(d->ports_alarm));
		return;
	}
	if (ct_ports_sample(d->plan.nat.src, &d->plan.nat.ports, &now, &e) < 0) {
		log_warn("port set: %s", e.msg);
		return;
	}
	/* The high-water mark counts from start, or from the last change of
	 * the set (another IPv4 or PSID: the old figures mean nothing). */
	ct_ports_fold(d->has_ports && !memcmp(&d->ports_nat, &d->plan.nat, sizeof(d->plan.nat)) ?
		      &d->ports : NULL, &now);
	d->ports = now;
	d->ports_nat = d->plan.nat;
	d->has_ports = true;
	d->ports_at = time(NULL);
	ports_log(d);
}

/* ---- the translator's counters ------------------------------------------ */

/* MAP-T or 464XLAT runs: its eBPF programs count what they do. */
static bool xlat_runs(const struct daemon *d)
{
	return d->has_plan && d->plan.xlat.enabled;
}

/* Read through the maps this process kept when it attached the programs
 * (the unit grants no CAP_SYS_ADMIN to open them by id). A failure is
 * logged once, until a read succeeds again. */
static void xlat_sample(struct daemon *d)
{
	uint64_t v[XLAT_STAT_MAX];
	unsigned idx;
	struct err e;

	d->has_xlat = false;
	if (!xlat_runs(d))
		return;
	idx = if_nametoindex(d->plan.xlat.wan);
	if (!idx)
		err_set(&e, ENODEV, "no interface '%s'", d->plan.xlat.wan);
	if (!idx || xlat_read_stats(idx, v, &e) < 0) {
		if (!d->xlat_warned)
			log_warn("translator counters: %s", e.msg);
		d->xlat_warned = true;
		return;
	}
	for (int k = 0; k < XLAT_STAT_MAX; k++)
		d->xlat[k] = (struct status_counter){
			xlat_stat_name((enum xlat_stat)k),
			xlat_stat_dir((enum xlat_stat)k), v[k] };
	d->xlat_at = time(NULL);
	d->has_xlat = true;
	d->xlat_warned = false;
}

static void on_ports_timer(struct loop_timer *t, void *data)
{
	struct daemon *d = data;

	loop_timer_arm_at(t, loop_now_ms() + DAEMON_PORTS_MS);
	if (!ports_apply(d) && !xlat_runs(d))
		return;
	if (ports_apply(d))
		daemon_ports_sample(d);
	daemon_write_status(d); /* reads the translator's counters */
}

/* ---- HB46PP 1.2 LAN information -------------------------------------------- */

/* Valid data arrived (from the server, the store or the fixed file):
 * ipv6_mostly and the NAT64 prefix are LAN information whether or not
 * 464xlat runs (HB46PP 1.2). */
void daemon_ops_data(struct daemon *d, const struct prov *p)
{
	d->lan6.ipv6_mostly = p->has_ipv6_mostly ? p->ipv6_mostly : -1;
	d->lan6.has_nat64 = p->xlat.present;
	if (p->xlat.present)
		d->lan6.nat64 = p->xlat.nat64prefix;
}

void daemon_ops_status(struct daemon *d, struct status *s, char *nat64, size_t size)
{
	/* a new NAT: its figures now, not in up to 10 s */
	if (ports_apply(d) && (!d->has_ports ||
			       memcmp(&d->ports_nat, &d->plan.nat, sizeof(d->plan.nat))))
		daemon_ports_sample(d);
	s->by_class = d->by_class;
	s->ports = d->has_ports && ports_apply(d) ? &d->ports : NULL;
	s->ports_at = d->ports_at;
	s->ipv6_mostly = d->lan6.ipv6_mostly;
	s->nat64_prefix = NULL;
	if (d->lan6.has_nat64 && size >= V6_STR_MAX + 4) {
		v6pfx_str(&d->lan6.nat64, nat64);
		s->nat64_prefix = nat64;
	}
	s->clock = d->clock_note[0] ? d->clock_note : NULL;
	s->hook = d->hook_last[0] ? d->hook_last : NULL;
	xlat_sample(d);
	s->xlat = (struct status_pkts){ d->has_xlat ? d->xlat : NULL,
					XLAT_STAT_MAX, d->xlat_at };
}

/* ---- the hook ---------------------------------------------------------------- */

struct env {
	char *v[HOOK_ENV_MAX + 1];
	char buf[4096];
	size_t used, n;
};

static void env_add(struct env *x, const char *k, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void env_add(struct env *x, const char *k, const char *fmt, ...)
{
	size_t room = sizeof(x->buf) - x->used;
	va_list ap;
	int n;

	if (x->n == HOOK_ENV_MAX)
		return;
	n = snprintf(x->buf + x->used, room, "%s=", k);
	if (n < 0 || (size_t)n >= room)
		return;
	va_start(ap, fmt);
	n += vsnprintf(x->buf + x->used + n, room - (size_t)n, fmt, ap);
	va_end(ap);
	if ((size_t)n >= room)
		return; /* cannot happen with these sizes: left out, not cut */
	x->v[x->n++] = x->buf + x->used;
	x->used += (size_t)n + 1;
}

static void ranges_str(const struct portset *ps, char *b, size_t size)
{
	size_t n = 0;

	b[0] = '\0';
	for (size_t i = 0; i < portset_nranges(ps) && n < size; i++) {
		struct port_range r = portset_range(ps, i);

		n += (size_t)snprintf(b + n, size - n, "%s%u-%u", i ? " " : "", r.min, r.max);
	}
}

static void env_plan(struct env *x, const struct plan *p)
{
	char b[1024];

	env_add(x, "V6MIG_METHOD", "%s", method_name(p->method));
	env_add(x, "V6MIG_IPV4", "%s", v4addr_str(p->info.ipv4, b));
	env_add(x, "V6MIG_IPV4_PREFIX_LENGTH", "%u", p->info.ipv4_plen);
	if (p->info.has_ports && p->info.ports.len) {
		env_add(x, "V6MIG_PSID", "%u", p->info.ports.psid);
		env_add(x, "V6MIG_PSID_LENGTH", "%u", p->info.ports.len);
		env_add(x, "V6MIG_PSID_OFFSET", "%u", p->info.ports.offset);
		ranges_str(&p->info.ports, b, sizeof(b));
		env_add(x, "V6MIG_PORT_RANGES", "%s", b);
	}
	if (!p->n_links)
		return;
	env_add(x, "V6MIG_CE_IPV6", "%s",
		v6addr_str(IN6_IS_ADDR_UNSPECIFIED(&p->info.ce_ipv6) ?
			   &p->links[0].local : &p->info.ce_ipv6, b));
	env_add(x, "V6MIG_TUNNEL", "%s", p->links[0].name);
	env_add(x, "V6MIG_REMOTE", "%s", v6addr_str(&p->links[0].remote, b));
	env_add(x, "V6MIG_MTU", "%u", p->links[0].mtu);
}

static void env_build(struct daemon *d, const char *event, struct env *x)
{
	char b[256];
	size_t n = 0;

	memset(x, 0, sizeof(*x));
	env_add(x, "PATH", "%s", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	env_add(x, "V6MIG_EVENT", "%s", event);
	env_add(x, "V6MIG_STATE", "%s", d->stopping ? "stopped" : seq_state_name(d->seq.state));
	env_add(x, "V6MIG_WAN", "%s", d->cfg.wan);
	for (size_t i = 0; i < d->cfg.n_lan && n < sizeof(b); i++)
		n += (size_t)snprintf(b + n, sizeof(b) - n, "%s%s", i ? " " : "", d->cfg.lan[i]);
	env_add(x, "V6MIG_LAN", "%s", n ? b : "");
	env_add(x, "V6MIG_RUN_DIR", "%s", d->cfg.run_dir);
	if (d->lan6.ipv6_mostly >= 0)
		env_add(x, "V6MIG_IPV6_MOSTLY", "%d", d->lan6.ipv6_mostly);
	if (d->lan6.has_nat64)
		env_add(x, "V6MIG_NAT64_PREFIX", "%s", v6pfx_str(&d->lan6.nat64, b));
	if (d->has_plan && strcmp(event, "unconfigured") && strcmp(event, "stopped"))
		env_plan(x, &d->plan);
}

static void on_hook(void *arg, const struct hook_result *r)
{
	struct daemon *d = arg;
	char how[96];

	hook_result_str(r, how, sizeof(how));
	snprintf(d->hook_last + strlen(d->hook_last),
		 sizeof(d->hook_last) - strlen(d->hook_last), ": %s%s%s", how,
		 r->line[0] ? ": " : "", r->line);
	if (r->exited && r->exit_code == 0)
		log_info("hook %s", d->hook_last);
	else
		log_warn("hook %s", d->hook_last);
	d->hook_done = d->hook;
	d->hook = NULL;
	daemon_write_status(d); /* status and metrics say how it went */
}

static void hook_run(struct daemon *d, const char *event)
{
	struct env x;
	struct err e;

	if (!d->cfg.hook[0])
		return;
	if (d->hook) {
		d->hook_pending = event; /* the facts of then, not of now */
		return;
	}
	env_build(d, event, &x);
	snprintf(d->hook_last, sizeof(d->hook_last), "%s", event);
	if (hook_start(&d->hook, d->loop, d->cfg.hook, event, x.v,
		       d->cfg.hook_timeout_s * 1000u, on_hook, d, &e) < 0) {
		snprintf(d->hook_last, sizeof(d->hook_last), "%s: %.200s", event, e.msg);
		log_warn("hook: %s", d->hook_last);
	}
}

/* Which event, if the facts a hook is told of changed since the last:
 * a method came up (configured), its facts or the LAN information
 * changed (reconfigured), it went -- or the first decision, or new LAN
 * information, has none running (unconfigured: an IPv6-mostly LAN with
 * `order: []` is told so this way). */
static const char *hook_event(struct daemon *d)
{
	bool lan_changed = d->hook_mostly != d->lan6.ipv6_mostly ||
		!v6pfx_equal(&d->hook_nat64, &d->lan6.nat64);
	bool decided = d->seq.state == SEQ_CONFIGURED || d->seq.state == SEQ_UNCONFIGURED;
	const char *ev = NULL;

	if (d->has_plan && !d->hook_has_plan)
		ev = "configured";
	else if (d->has_plan && (!plan_equal(&d->hook_plan, &d->plan) || lan_changed))
		ev = "reconfigured";
	else if (!d->has_plan && (d->hook_has_plan || (decided && (!d->hook_told || lan_changed))))
		ev = "unconfigured";
	if (!ev)
		return NULL;
	d->hook_told = true;
	d->hook_has_plan = d->has_plan;
	if (d->has_plan)
		d->hook_plan = d->plan;
	d->hook_mostly = d->lan6.ipv6_mostly;
	d->hook_nat64 = d->lan6.nat64;
	return ev;
}

void daemon_ops_changed(struct daemon *d, const struct status *s)
{
	struct err e;
	const char *ev;

	if (metrics_write(d->cfg.run_dir, s, &e) < 0)
		log_warn("metrics: %s", e.msg);
	if (d->stopping)
		return;
	ev = hook_event(d);
	if (ev)
		hook_run(d, ev);
}

void daemon_ops_between(struct daemon *d)
{
	hook_free(d->hook_done);
	d->hook_done = NULL;
	if (!d->hook && d->hook_pending) {
		const char *ev = d->hook_pending;

		d->hook_pending = NULL;
		hook_run(d, ev);
	}
}

/* The last event, bounded by the hook's own timeout: the loop turns so
 * a running hook ends (or is killed) first. */
void daemon_ops_stop(struct daemon *d)
{
	uint64_t until = loop_now_ms() + (uint64_t)d->cfg.hook_timeout_s * 2000u + 1000u;

	if (!d->cfg.hook[0])
		return;
	d->hook_pending = NULL;
	while ((d->hook || d->hook_done) && loop_now_ms() < until) {
		daemon_ops_between(d);
		if (d->hook)
			loop_run_once(d->loop, HOOK_STOP_WAIT_MS);
	}
	daemon_ops_between(d);
	hook_run(d, "stopped");
	while (d->hook && loop_now_ms() < until)
		loop_run_once(d->loop, HOOK_STOP_WAIT_MS);
	daemon_ops_between(d);
}

/* ---- a gateway that boots without a clock ------------------------------------------ */

#define CLOCK_RETRY_MS 60000u  /* after a validity-period failure, not 10-30 min */

static void refresh(struct daemon *d)
{
	struct seq_event ev = { .type = SEQ_EV_REFRESH };

	daemon_push(d, &ev);
}

void daemon_ops_fetched(struct daemon *d, const struct fetch_result *r)
{
	if (!r->cert.verify_err) {
		if (d->clock_note[0])
			log_notice("the server's certificate verifies now: the clock is right");
		d->clock_note[0] = '\0';
		loop_timer_disarm(&d->clock_retry);
		return;
	}
	/* Q4 would wait 10-30 min; a clock set by NTP a moment later (often
	 * over the very IPv4 we are to bring up, so only after the stored
	 * data P1 ran) should not. Verification stays on: we only ask again. */
	certtime_explain(&r->cert, time(NULL), d->clock_note, sizeof(d->clock_note));
	log_warn("%s: is the clock wrong (no RTC, NTP not yet synchronised)? "
		 "asking again in %u s, and at once when the clock is set",
		 d->clock_note, CLOCK_RETRY_MS / 1000);
	loop_timer_arm_at(&d->clock_retry, loop_now_ms() + CLOCK_RETRY_MS);
}

static void on_clock_retry(struct loop_timer *t, void *data)
{
	struct daemon *d = data;

	(void)t;
	if (d->clock_note[0])
		refresh(d);
}

static void on_clock_set(struct loop_clock *c, void *data)
{
	struct daemon *d = data;

	(void)c;
	if (!d->clock_note[0]) {
		log_info("the wall clock was set");
		return;
	}
	log_notice("the wall clock was set: asking the server again now (%s)", d->clock_note);
	loop_timer_disarm(&d->clock_retry);
	refresh(d);
}

/* ---- life cycle ------------------------------------------------------------------ */

int daemon_ops_init(struct daemon *d, struct err *e)
{
	int rc;

	d->lan6.ipv6_mostly = -1;
	d->hook_mostly = -1;
	if ((rc = loop_timer_init(d->loop, &d->ports_timer, on_ports_timer, d)) < 0 ||
	    (rc = loop_timer_arm_at(&d->ports_timer, loop_now_ms() + DAEMON_PORTS_MS)) < 0 ||
	    (rc = loop_timer_init(d->loop, &d->clock_retry, on_clock_retry, d)) < 0 ||
	    (rc = loop_clock_init(d->loop, &d->clock, on_clock_set, d)) < 0)
		return err_set(e, -rc, "timerfd: %s", strerror(-rc));
	return 0;
}

void daemon_ops_done(struct daemon *d)
{
	hook_free(d->hook);
	hook_free(d->hook_done);
	d->hook = d->hook_done = NULL;
	if (d->loop && d->ports_timer.cb)
		loop_timer_done(d->loop, &d->ports_timer);
	if (d->loop && d->clock_retry.cb)
		loop_timer_done(d->loop, &d->clock_retry);
	if (d->loop && d->clock.cb)
		loop_clock_done(d->loop, &d->clock);
}
