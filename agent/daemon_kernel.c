/* SPDX-License-Identifier: MIT */
/* The daemon's CONFIGURE and TEARDOWN: WAN facts from the kernel, the
 * AFTR/lwAFTR name through the WAN's resolvers (AAAA only, T2), the plan
 * (tunnels/, pure), and the smallest change to the kernel (netlink/). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../netlink/apply.h"
#include "../netlink/conntrack.h"
#include "daemon.h"
#include "log.h"
#include "offer.h"

static void applied(struct daemon *d, bool ok)
{
	struct seq_event ev = { .type = SEQ_EV_APPLIED, .ok = ok };

	d->configuring = false;
	d->cfg_prov = NULL;
	d->failed_method = ok ? -1 : (int)d->cfg_method;
	daemon_push(d, &ev);
}

static void log_plan(const struct plan *p, unsigned writes)
{
	char v4[V6_STR_MAX], v6[V6_STR_MAX], peer[V6_STR_MAX];

	v4addr_str(p->info.ipv4, v4);
	if (p->xlat.enabled) { /* translated: our address -> the prefix */
		v6addr_str(&p->xlat.ipv6, v6);
		v6pfx_str(&p->xlat.remote, peer);
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
 * an entry under the old mapping once we are done. A failure costs those
 * flows only, so it is logged, not fatal. */
static void nat_gone(const struct plan *old, const struct plan *now)
{
	char a[V6_STR_MAX];
	unsigned n = 0;
	struct err e;

	if (!old->nat.enabled ||
	    (now && now->nat.enabled && now->nat.src.s_addr == old->nat.src.s_addr &&
	     !memcmp(&now->nat.ports, &old->nat.ports, sizeof(old->nat.ports))))
		return;
	v4addr_str(old->nat.src, a);
	if (ct_flush_snat(old->nat.src, &n, &e) < 0)
		log_warn("NAT to %s gone, but its flows stay: %s", a, e.msg);
	else if (n)
		log_info("NAT to %s gone: %u conntrack entries dropped (flows NATed afresh)",
			 a, n);
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
		nat_gone(&d->plan, &p);
	if (!d->has_plan || !plan_equal(&d->plan, &p) || st.writes)
		log_plan(&p, st.writes);
	else
		log_info("kept %s: the kernel holds the plan, 0 writes (Q6)",
			 method_name(p.method));
	d->plan = p;
	d->has_plan = true;
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
	d->facts.peer = r->addrs[0];
	d->facts.has_peer = true;
	plan_and_apply(d);
}

void daemon_configure(struct daemon *d, enum method m, const struct prov *p)
{
	const char *lans[CFG_MAX_LAN];
	const char *name;
	struct err e;

	daemon_phase(d, NULL, 0);
	d->configuring = true;
	d->cfg_method = m;
	d->cfg_prov = p;
	memset(&d->facts, 0, sizeof(d->facts));
	d->facts.forced_prefix = d->cfg.prefix;
	d->facts.has_forced_prefix = d->cfg.has_prefix;
	d->facts.ipip_index = d->cfg.ipip_index;
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
		nat_gone(&d->plan, NULL);
	d->has_plan = false;
	d->writes += st.writes;
}
