/* SPDX-License-Identifier: MIT */
/* The daemon's CONFIGURE and TEARDOWN: WAN facts from the kernel, the
 * AFTR/lwAFTR name through the WAN's resolvers (AAAA only, T2), the plan
 * (tunnels/, pure), and the smallest change to the kernel (netlink/). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../netlink/apply.h"
#include "../netlink/conntrack.h"
#include "daemon.h"
#include "log.h"
#include "meshcap.h"
#include "offer.h"

#define PEER_RETRY_S 60        /* a failed re-resolution keeps the address */

bool daemon_kernel_holds(struct daemon *d, int *method)
{
	struct own_record r;
	bool found;
	struct err e;

	if (record_load(d->cfg.run_dir, &r, &found, &e) < 0) {
		log_warn("what the kernel holds: %s", e.msg);
		return false;
	}
	if (found && !r.has_method)
		return false; /* addresses or a table, no tunnel: not a method */
	*method = found ? (int)r.method : -1;
	return true;
}

/* A failed CONFIGURE leaves the kernel as it was (apply.h undoes every
 * write; a plan or lookup that fails writes nothing); the sequence learns
 * what it holds from the record all the same, so what runs is never
 * assumed (issue 11 item 3). */
static void applied(struct daemon *d, bool ok)
{
	struct seq_event ev = { .type = SEQ_EV_APPLIED, .ok = ok };

	d->configuring = false;
	d->cfg_prov = NULL;
	d->failed_method = ok ? -1 : (int)d->cfg_method;
	if (!ok && daemon_kernel_holds(d, &ev.held)) {
		ev.held_known = true;
		if (ev.held < 0)
			d->has_plan = false;
	}
	daemon_push(d, &ev);
}

static void log_plan(const struct plan *p, unsigned writes)
{
	char v4[V6_STR_MAX], v6[V6_STR_MAX], peer[V6_STR_MAX];

	v4addr_str(p->info.ipv4, v4);
	if (p->xlat.enabled) { /* translated: our address -> the prefix */
		v6addr_str(&p->xlat.ipv6, v6);
		v6pfx_str(&p->xlat.remote, peer);
	} else if (p->mesh.enabled) { /* mesh: our MAP address -> the BR */
		v6addr_str(&p->mesh.ipv6, v6);
		v6addr_str(&p->mesh.br, peer); /* and the peers by the FMRs */
	} else {
		v6addr_str(&p->links[0].local, v6);
		v6addr_str(&p->links[0].remote, peer);
	}
	if (p->info.has_ports)
		log_notice("configured %s: %s psid %u/%u offset %u, %zu port ranges, "
			   "%s -> %s on %s, %u kernel writes (Q6)",
			   method_name(p->method), v4, p->info.ports.psid,
			   p->info.ports.len, p->info.ports.offset,
			   portset_nranges(&p->info.ports), v6, peer,
			   p->links[0].name, writes);
	else
		log_notice("configured %s: %s, %s -> %s on %s, %u kernel writes (Q6)",
			   method_name(p->method), v4, v6, peer, p->links[0].name,
			   writes);
}

/* The NAT of `old` no longer holds (another external address or port set,
 * or none): drop the conntrack entries it made, so flows that started
 * under it are NATed afresh instead of leaving with an address the BR now
 * refuses (conntrack.c). After the new rules are in: no packet can make
 * an entry under the old mapping once we are done. The deletes run from
 * the loop in steps of DAEMON_CT_STEP_MS (daemon_ct_step), not here: a
 * large table must not hold the loop or its watchdog. A failure costs
 * those flows only, so it is logged, not fatal. */
static void nat_gone(struct daemon *d, const struct plan *old,
		     const struct plan *now)
{
	struct in_addr a = old->nat.src;
	bool same = now && now->nat.enabled && now->nat.src.s_addr == a.s_addr;

	/* The new NAT is to an address still being flushed: stop that,
	 * or the new mapping's entries would go too. */
	if (now && now->nat.enabled)
		daemon_ct_cancel(d, now->nat.src);
	if (!old->nat.enabled ||
	    (same && !memcmp(&now->nat.ports, &old->nat.ports, sizeof(old->nat.ports))))
		return;
	if (d->n_ct_next == DAEMON_CT_QUEUE) {
		char b[V6_STR_MAX];

		log_warn("NAT to %s gone, but %zu conntrack flushes wait already: "
			 "its flows stay", v4addr_str(a, b), d->n_ct_next);
		return;
	}
	/* The same address with another port set: what lies in the new
	 * set is still right (and may be new), the rest goes. */
	d->ct_next[d->n_ct_next].a = a;
	d->ct_next[d->n_ct_next].has_keep = same;
	if (same)
		d->ct_next[d->n_ct_next].keep = now->nat.ports;
	d->n_ct_next++;
	loop_timer_arm_at(&d->ct_timer, loop_now_ms());
}

static void ct_end(struct daemon *d, int rc, const struct err *e)
{
	char a[V6_STR_MAX];
	unsigned max_us, steps = ct_flush_steps(d->ct, &max_us);

	v4addr_str(ct_flush_addr(d->ct), a);
	if (rc < 0)
		log_warn("NAT to %s gone, but its flows stay: %s", a, e->msg);
	else if (ct_flush_deleted(d->ct))
		log_info("NAT to %s gone: %u conntrack entries dropped (flows NATed "
			 "afresh) in %u steps, the longest %u ms", a,
			 ct_flush_deleted(d->ct), steps, (max_us + 999) / 1000);
	ct_flush_free(d->ct);
	d->ct = NULL;
}

void daemon_ct_step(struct daemon *d, unsigned budget_ms)
{
	bool done = false;
	struct err e;
	int rc;

	if (!d->ct) {
		struct in_addr a;
		struct portset keep;
		bool has_keep;

		if (!d->n_ct_next)
			return;
		a = d->ct_next[0].a;
		keep = d->ct_next[0].keep;
		has_keep = d->ct_next[0].has_keep;
		memmove(d->ct_next, d->ct_next + 1,
			--d->n_ct_next * sizeof(d->ct_next[0]));
		if ((rc = ct_flush_new(a, has_keep ? &keep : NULL, &d->ct, &e)) < 0) {
			char b[V6_STR_MAX];

			log_warn("NAT to %s gone, but its flows stay: %s",
				 v4addr_str(a, b), e.msg);
			return;
		}
	}
	rc = ct_flush_step(d->ct, budget_ms, &done, &e);
	if (rc < 0 || done)
		ct_end(d, rc, &e);
}

bool daemon_ct_busy(const struct daemon *d)
{
	return d->ct || d->n_ct_next;
}

void daemon_ct_cancel(struct daemon *d, struct in_addr a)
{
	for (size_t i = 0; i < d->n_ct_next; i++)
		if (d->ct_next[i].a.s_addr == a.s_addr) {
			memmove(d->ct_next + i, d->ct_next + i + 1,
				(--d->n_ct_next - i) * sizeof(d->ct_next[0]));
			i--;
		}
	if (d->ct && ct_flush_addr(d->ct).s_addr == a.s_addr) {
		log_info("NAT to %s again: its conntrack flush stops", 
			 v4addr_str(a, (char[V6_STR_MAX]){ 0 }));
		ct_flush_free(d->ct);
		d->ct = NULL;
	}
}

/* ---- the AFTR name: its addresses in a fixed order, its TTL -------------- */

static int addr_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct in6_addr));
}

/* r's addresses sorted: the order a resolver rotates them in is no
 * reason to move the tunnel (RFC 1794 round robin). */
void daemon_peer_sorted(const struct dns_aaaa_result *r, struct in6_addr *out,
			size_t *n)
{
	*n = r->n < DNS_MAX_AAAA ? r->n : DNS_MAX_AAAA;
	memcpy(out, r->addrs, *n * sizeof(out[0]));
	qsort(out, *n, sizeof(out[0]), addr_cmp);
}

uint32_t daemon_peer_recheck_s(uint32_t ttl_s)
{
	return ttl_s < DAEMON_PEER_TTL_MIN_S ? DAEMON_PEER_TTL_MIN_S :
	       ttl_s > DAEMON_PEER_TTL_MAX_S ? DAEMON_PEER_TTL_MAX_S : ttl_s;
}

static void peer_arm(struct daemon *d, uint32_t secs)
{
	if (!d->peer.timer_ok)
		return;
	secs = daemon_peer_recheck_s(secs);
	loop_timer_arm_at(&d->peer.timer, loop_now_ms() + (uint64_t)secs * 1000u);
}

static void on_peer_again(void *arg, const struct dns_aaaa_result *r)
{
	struct daemon *d = arg;
	struct daemon_peer *pe = &d->peer;
	struct in6_addr now[DNS_MAX_AAAA], cur = pe->addrs[pe->idx];
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	struct seq_event ev = { .type = SEQ_EV_WAN_CHANGED };
	size_t n;

	pe->q = NULL;
	if (r->status < 0 || r->n == 0) {
		log_warn("%s: resolving again: %s; keeping %s, next try in %d s",
			 pe->name, r->err.msg, inet_ntop(AF_INET6, &cur, a, sizeof(a)),
			 PEER_RETRY_S);
		peer_arm(d, PEER_RETRY_S);
		return;
	}
	daemon_peer_sorted(r, now, &n);
	for (size_t i = 0; i < n; i++) {
		if (memcmp(&now[i], &cur, sizeof(cur)))
			continue;
		memcpy(pe->addrs, now, n * sizeof(now[0]));
		pe->n = n;
		pe->idx = i;
		log_debug("%s: still %s, next look in %u s (TTL)", pe->name,
			  inet_ntop(AF_INET6, &cur, a, sizeof(a)), r->ttl_s);
		peer_arm(d, r->ttl_s);
		return;
	}
	/* The address in use is gone from the name: plan again, as after a
	 * WAN change (the sequence fetches, then configures and resolves). */
	log_notice("%s: now %s, no longer %s: planning again", pe->name,
		   inet_ntop(AF_INET6, &now[0], a, sizeof(a)),
		   inet_ntop(AF_INET6, &cur, b, sizeof(b)));
	daemon_push(d, &ev);
}

static void on_peer_ttl(struct loop_timer *t, void *data)
{
	struct daemon *d = data;

	loop_timer_disarm(t);
	if (!d->has_plan || d->configuring || d->peer.q || !d->peer.n || !d->dns)
		return;
	d->peer.q = dns_resolve_aaaa(d->dns, d->peer.name, on_peer_again, d);
	if (!d->peer.q)
		peer_arm(d, PEER_RETRY_S);
}

void daemon_peer_stop(struct daemon *d, enum peer_stop how)
{
	struct daemon_peer *pe = &d->peer;
	bool pending = pe->q != NULL;

	dns_cancel(pe->q);
	pe->q = NULL;
	if (!pe->timer_ok)
		return;
	if (how == PEER_PAUSE) {
		if (pending)
			peer_arm(d, PEER_RETRY_S);
		return;
	}
	loop_timer_disarm(&pe->timer);
	if (how == PEER_FORGET) {
		loop_timer_done(d->loop, &pe->timer);
		pe->timer_ok = false;
		pe->n = 0;
	}
}

/* The apply with addrs[idx] failed: the next address of the name, if
 * any. "Failed" is what we can see: the kernel refused the tunnel or a
 * route to that remote. An AFTR that is down but routable is not seen
 * here (nothing answers for an IPv4-in-IPv6 tunnel); the TTL and the
 * provider's DNS move us off it. */
static bool peer_next(struct daemon *d, const char *why)
{
	struct daemon_peer *pe = &d->peer;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	if (!d->facts.has_peer || pe->idx + 1 >= pe->n)
		return false;
	log_warn("%s: %s at %s failed (%s): trying %s, its next address",
		 method_name(d->cfg_method), pe->name,
		 inet_ntop(AF_INET6, &pe->addrs[pe->idx], a, sizeof(a)), why,
		 inet_ntop(AF_INET6, &pe->addrs[pe->idx + 1], b, sizeof(b)));
	pe->idx++;
	d->facts.peer = pe->addrs[pe->idx];
	return true;
}

/* WAN facts in hand (and the peer, when it has a name): plan and apply. */
static void plan_and_apply(struct daemon *d)
{
	const struct method_ops *ops = method_ops(d->cfg_method);
	struct apply_stats st = { 0 };
	struct plan p;
	struct err e;
	int rc;

	rc = ops ? ops->plan(d->cfg_prov, &d->facts, &p, &e) : -ENOTSUP;
	daemon_phase(d, &d->tm.plan_ms, 0);
	if (rc < 0) {
		daemon_set_error(d, "plan %s: %s", method_name(d->cfg_method),
				 ops ? e.msg : "not in this build");
		log_err("%s", d->last_error);
		applied(d, false);
		return;
	}
	rc = apply_plan(&d->be, d->cfg.run_dir, &p, &st, &e);
	daemon_phase(d, &d->tm.kernel_ms, 0);
	if (rc < 0 && peer_next(d, e.msg)) {
		plan_and_apply(d); /* at most DNS_MAX_AAAA deep */
		return;
	}
	if (rc < 0) {
		daemon_set_error(d, "apply %s: %s%s", method_name(d->cfg_method),
				 e.msg, st.rolled_back ? " (every change undone)" : "");
		log_err("%s", d->last_error);
		applied(d, false);
		return;
	}
	d->applies++;
	d->writes += st.writes;
	if (d->has_plan)
		nat_gone(d, &d->plan, &p);
	if (!d->has_plan || !plan_equal(&d->plan, &p) || st.writes)
		log_plan(&p, st.writes);
	else
		log_info("kept %s: the kernel holds the plan, 0 writes (Q6)",
			 method_name(p.method));
	d->plan = p;
	d->has_plan = true;
	if (d->facts.has_peer && d->peer.n)
		peer_arm(d, d->peer.ttl_s);
	else
		daemon_peer_stop(d, PEER_STOP);
	daemon_phase_done(d);
	applied(d, true);
}

static void on_peer(void *arg, const struct dns_aaaa_result *r)
{
	struct daemon *d = arg;
	const char *name = offer_peer_name(d->cfg_prov, d->cfg_method);

	d->dq = NULL;
	daemon_phase(d, &d->tm.dns_ms, 0);
	if (r->status < 0 || r->n == 0) {
		daemon_set_error(d, "%s: %s: %s", method_name(d->cfg_method),
				 name, r->err.msg);
		log_err("%s", d->last_error);
		applied(d, false);
		return;
	}
	snprintf(d->peer.name, sizeof(d->peer.name), "%s", name);
	daemon_peer_sorted(r, d->peer.addrs, &d->peer.n);
	d->peer.idx = 0;
	d->peer.ttl_s = r->ttl_s;
	if (!d->peer.timer_ok)
		d->peer.timer_ok = loop_timer_init(d->loop, &d->peer.timer,
						   on_peer_ttl, d) == 0;
	d->facts.peer = d->peer.addrs[0];
	d->facts.has_peer = true;
	plan_and_apply(d);
}

void daemon_configure(struct daemon *d, enum method m, const struct prov *p)
{
	const char *lans[CFG_MAX_LAN];
	const char *name;
	struct err e;

	daemon_phase(d, NULL, 0);
	daemon_peer_stop(d, PEER_STOP); /* this configure resolves afresh */
	d->peer.n = 0;
	d->configuring = true;
	d->cfg_method = m;
	d->cfg_prov = p;
	memset(&d->facts, 0, sizeof(d->facts));
	d->facts.scope = d->scope;
	d->facts.forced_prefix = d->cfg.prefix;
	d->facts.has_forced_prefix = d->cfg.has_prefix;
	d->facts.ipip_index = d->cfg.ipip_index;
	d->facts.can_mesh = mesh_capable(); /* map_e.mesh 1 runs mesh only then */
	for (size_t i = 0; i < d->cfg.n_lan; i++)
		lans[i] = d->cfg.lan[i];
	if (wan_facts_read(d->cfg.wan, lans, d->cfg.n_lan, &d->facts, &e) < 0) {
		daemon_set_error(d, "WAN %s: %s", d->cfg.wan, e.msg);
		log_err("%s", d->last_error);
		applied(d, false);
		return;
	}
	name = offer_peer_name(p, m);
	daemon_phase(d, &d->tm.plan_ms, 0); /* reading the WAN facts */
	if (!name) {
		plan_and_apply(d);
		return;
	}
	log_info("%s: resolving %s (AAAA through the WAN's resolvers, T2)",
		 method_name(m), name);
	d->dq = dns_resolve_aaaa(d->dns, name, on_peer, d);
	if (!d->dq) {
		daemon_set_error(d, "%s: resolving %s: out of memory",
				 method_name(m), name);
		applied(d, false);
	}
}

void daemon_teardown(struct daemon *d, const char *why)
{
	struct apply_stats st = { 0 };
	struct err e;

	if (apply_down(&d->be, d->cfg.run_dir, &st, &e) < 0) {
		daemon_set_error(d, "down: %s", e.msg);
		log_err("%s", d->last_error);
		return;
	}
	if (d->has_plan || st.writes)
		log_notice("removed %s (%s): %u kernel writes",
			   d->has_plan ? method_name(d->plan.method) : "what we owned",
			   why, st.writes);
	if (d->has_plan)
		nat_gone(d, &d->plan, NULL);
	daemon_peer_stop(d, PEER_STOP);
	d->has_plan = false;
	d->writes += st.writes;
}

/* ---- what someone else removed (issue 11 item 7) ------------------------ */

void daemon_lost(struct daemon *d, const char *what)
{
	size_t len = strlen(d->lost_what);

	if (!strstr(d->lost_what, what) &&
	    len + strlen(what) + 3 < sizeof(d->lost_what))
		snprintf(d->lost_what + len, sizeof(d->lost_what) - len, "%s%s",
			 len ? ", " : "", what);
	if (d->restore_armed)
		return;
	d->restore_armed = true;
	loop_timer_arm_at(&d->restore_timer, loop_now_ms() + GUARD_SETTLE_MS);
}

/* Put the last plan back: apply_plan writes nothing when the kernel still
 * holds it (the loss was our own reconcile), else exactly what went.
 * Only while the plan is what should run (configured, nothing in
 * flight: a configure reconciles by itself), and at GUARD_BURST restores
 * at once, then one per GUARD_REFILL_S: never a tight fight with another
 * manager. */
void daemon_restore(struct daemon *d)
{
	uint64_t now = loop_now_ms(), next;
	struct apply_stats st = { 0 };
	struct err e;
	int rc;

	d->restore_armed = false;
	if (!d->has_plan || d->configuring || d->seq.busy == SEQ_APPLYING) {
		d->lost_what[0] = '\0';
		return;
	}
	if (!guard_may(&d->guard, now, &next)) {
		if (!d->restore_backoff_logged)
			log_warn("%s removed again, by someone else: %u restores "
				 "already, backing off (one each %u s)",
				 d->lost_what, GUARD_BURST, GUARD_REFILL_S);
		d->restore_backoff_logged = true;
		d->restore_armed = true;
		loop_timer_arm_at(&d->restore_timer, next);
		return;
	}
	rc = apply_plan(&d->be, d->cfg.run_dir, &d->plan, &st, &e);
	d->writes += st.writes;
	if (rc < 0 || st.writes) {
		guard_take(&d->guard, now);
		d->restores++;
	}
	if (rc < 0) {
		daemon_set_error(d, "restoring %s: %s", method_name(d->plan.method),
				 e.msg);
		log_err("%s (removed: %s)", d->last_error, d->lost_what);
	} else if (st.writes) {
		d->restore_backoff_logged = false;
		log_notice("restored %s: someone removed %s (%u kernel writes, "
			   "%u quick restores left)", method_name(d->plan.method),
			   d->lost_what, st.writes, guard_tokens(&d->guard, now));
	}
	d->lost_what[0] = '\0';
}
