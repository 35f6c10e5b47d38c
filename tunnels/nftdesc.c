/* SPDX-License-Identifier: MIT */
/* A plan's NAT and filter parts -> our nftables table as data (nftdesc.h).
 * Pure. The table, in nft's words:
 *
 *   chain nat_out (nat, postrouting, srcnat):
 *     oifname T meta l4proto tcp snat ip to numgen inc mod N map { i : IP . lo_i-hi_i }
 *     oifname T icmp type echo-request snat ip to numgen inc mod N map { ... }
 *     oifname T meta l4proto udp snat ip to jhash ip saddr . udp sport mod N map { ... }
 *     oifname T snat ip to IP
 *   chain clamp_mss (filter, forward, mangle):
 *     oifname T tcp flags syn tcp option maxseg size > MSS tcp option maxseg size set MSS
 *     iifname T (the same)
 *   chain rx_filter (filter, prerouting, mangle):
 *     iifname T ip daddr != OURS drop
 *     iifname T meta l4proto tcp tcp dport != @ports drop
 *     iifname T meta l4proto udp udp dport != @ports drop
 *     iifname T icmp type echo-reply icmp id != { lo_i-hi_i, ... } drop
 */
#include "nftdesc.h"

#include <errno.h>
#include <netinet/ip_icmp.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

/* nft's standard priorities (nft(8) "CHAINS"). */
#define PRIO_SRCNAT 100
#define PRIO_MANGLE (-150)
/* Set ids bind anonymous sets to their lookups within one batch: the NAT
 * maps 1-3, the named port set 4, the ICMP id set 5. */
#define SET_ID_MAP0 1
#define SET_ID_PORTS 4
#define SET_ID_ICMP 5

/* ---- building a rule ---------------------------------------------- */

/* Past the bounds of nftdesc.h the last slot is written over and the
 * count runs on: nftd_build() sees it and fails (never out of bounds). */
static struct nftd_rule *rule_new(struct nftd_table *t, size_t chain)
{
	size_t i = t->n_rules < NFTD_MAX_RULES ? t->n_rules : NFTD_MAX_RULES - 1;
	struct nftd_rule *r = &t->rules[i];

	t->n_rules++;
	memset(r, 0, sizeof(*r));
	r->chain = chain;
	return r;
}

static struct nftd_term *term(struct nftd_rule *r, enum nftd_term_kind kind)
{
	size_t i = r->n_terms < NFTD_MAX_TERMS ? r->n_terms : NFTD_MAX_TERMS - 1;
	struct nftd_term *x = &r->t[i];

	r->n_terms++;
	memset(x, 0, sizeof(*x));
	x->kind = kind;
	return x;
}

static void ifname(struct nftd_rule *r, bool out, const char *name)
{
	struct nftd_term *x = term(r, NFTD_IFNAME);

	x->out = out;
	snprintf(x->ifname, sizeof(x->ifname), "%s", name);
}

static void l4proto(struct nftd_rule *r, uint8_t proto)
{
	term(r, NFTD_L4PROTO)->proto = proto;
}

static void icmp_type(struct nftd_rule *r, uint8_t type)
{
	term(r, NFTD_ICMP_TYPE)->type = type;
}

static size_t chain_add(struct nftd_table *t, const char *name,
			enum nftd_chain_type type, enum nftd_hook hook,
			int prio, const char *prio_name)
{
	t->chains[t->n_chains] = (struct nftd_chain){
		.name = name, .type = type, .hook = hook, .prio = prio,
		.prio_name = prio_name,
	};
	return t->n_chains++;
}

/* ---- chains ------------------------------------------------------- */

/* ARCHITECTURE "Port-set NAT that uses every port": TCP and ICMP echo
 * round-robin over every range (numgen inc: 240 of 240 ports usable on a
 * 15x16 set; the kernel's NAT maps the echo identifier into the range
 * like a port, RFC 7597 8.1); UDP by a hash of the inner source, so one
 * LAN socket keeps one external port to every destination (RFC 4787
 * REQ-1); anything else (GRE, ESP, ICMP errors without a connection) to
 * the address alone. */
static void nat_chain(struct nftd_table *t, const struct plan_nat *n)
{
	size_t c = chain_add(t, V6MIG_NFT_CHAIN_NAT, NFTD_CHAIN_NAT,
			     NFTD_HOOK_POSTROUTING, PRIO_SRCNAT, "srcnat");
	struct nftd_rule *r;
	struct nftd_term *x;

	for (unsigned i = 0; n->ports.len && i < 3; i++) {
		r = rule_new(t, c);
		ifname(r, true, n->out_ifname);
		if (i == 1)
			icmp_type(r, ICMP_ECHO);
		else
			l4proto(r, i == 0 ? IPPROTO_TCP : IPPROTO_UDP);
		x = term(r, NFTD_SNAT_MAP);
		x->key = i == 2 ? NFTD_KEY_JHASH_UDP : NFTD_KEY_NUMGEN;
		x->addr = n->src;
		x->ports = n->ports;
		x->set_id = SET_ID_MAP0 + i;
	}
	r = rule_new(t, c);
	ifname(r, true, n->out_ifname);
	term(r, NFTD_SNAT_ADDR)->addr = n->src;
}

/* Lower the MSS of SYN and SYN-ACK to the tunnel's, never raise it (as
 * iptables' TCPMSS --set-mss does), both ways. */
static void mss_chain(struct nftd_table *t, const struct plan_filter *f)
{
	size_t c = chain_add(t, V6MIG_NFT_CHAIN_MSS, NFTD_CHAIN_FILTER,
			     NFTD_HOOK_FORWARD, PRIO_MANGLE, "mangle");

	for (int dir = 0; dir < 2; dir++) {
		struct nftd_rule *r = rule_new(t, c);

		ifname(r, dir == 0, f->in_ifname);
		term(r, NFTD_TCP_SYN);
		term(r, NFTD_MSS_GT)->value = f->mss;
		term(r, NFTD_MSS_SET)->value = f->mss;
	}
}

/* Prerouting at mangle priority: after conntrack (-200), before the
 * reply's de-NAT (-100), so daddr and dport are still the external ones.
 * Destination port (or echo-reply id) outside the set: drop. Replies of
 * our own connections are always inside it (we NAT into it); ICMP errors
 * are not echo replies and pass; fragments reach us reassembled by
 * conntrack's defrag, and where a header is absent the payload load does
 * not match, so a fragment is never dropped for a port it lacks. */
static void rx_chain(struct nftd_table *t, const struct plan_filter *f)
{
	static const uint8_t l4[] = { IPPROTO_TCP, IPPROTO_UDP };
	size_t c = chain_add(t, V6MIG_NFT_CHAIN_RX, NFTD_CHAIN_FILTER,
			     NFTD_HOOK_PREROUTING, PRIO_MANGLE, "mangle");
	struct nftd_rule *r;
	struct nftd_term *x;

	if (f->ours.len) {
		r = rule_new(t, c);
		ifname(r, false, f->in_ifname);
		term(r, NFTD_DADDR_NOT)->pfx = f->ours;
		term(r, NFTD_DROP);
	}
	if (!f->ports.len)
		return;
	t->sets[t->n_sets++] = (struct nftd_set){
		.name = V6MIG_NFT_SET_PORTS, .id = SET_ID_PORTS, .ports = f->ports,
	};
	for (size_t i = 0; i < sizeof(l4); i++) {
		r = rule_new(t, c);
		ifname(r, false, f->in_ifname);
		l4proto(r, l4[i]);
		x = term(r, NFTD_DPORT_NOT_IN);
		x->proto = l4[i];
		x->set = V6MIG_NFT_SET_PORTS;
		term(r, NFTD_DROP);
	}
	r = rule_new(t, c);
	ifname(r, false, f->in_ifname);
	icmp_type(r, ICMP_ECHOREPLY);
	x = term(r, NFTD_ICMP_ID_NOT_IN);
	x->ports = f->ports;
	x->set_id = SET_ID_ICMP;
	term(r, NFTD_DROP);
}

/* ---- the table ---------------------------------------------------- */

static int check_plan(const struct plan *p, struct err *e)
{
	const struct plan_nat *n = &p->nat;
	const struct plan_filter *f = &p->filter;

	if (n->enabled && !n->out_ifname[0])
		return err_set(e, EINVAL, "nft: NAT without an interface");
	if (n->enabled && portset_check(&n->ports, e))
		return -EINVAL;
	if ((f->enabled || f->mss) && !f->in_ifname[0])
		return err_set(e, EINVAL, "nft: filter without an interface");
	if (f->enabled && f->ours.len > 32)
		return err_set(e, EINVAL, "nft: bad prefix length %u",
			       f->ours.len);
	if (f->enabled && portset_check(&f->ports, e))
		return -EINVAL;
	return 0;
}

/* Today at most 4 NAT + 2 MSS + 4 receive rules of at most 4 terms; a
 * rule or term added beyond the bounds of nftdesc.h fails loudly. */
_Static_assert(NFTD_MAX_CHAINS >= 3 && NFTD_MAX_SETS >= 1, "nftd chains, sets");

static int check_bounds(const struct nftd_table *t, struct err *e)
{
	if (t->n_rules > NFTD_MAX_RULES)
		return err_set(e, E2BIG, "nft: %zu rules, at most %d",
			       t->n_rules, NFTD_MAX_RULES);
	for (size_t i = 0; i < t->n_rules; i++)
		if (t->rules[i].n_terms > NFTD_MAX_TERMS)
			return err_set(e, E2BIG, "nft: rule %zu has %zu terms, at most %d",
				       i, t->rules[i].n_terms, NFTD_MAX_TERMS);
	return 0;
}

int nftd_build(const struct plan *p, struct nftd_table *t, struct err *e)
{
	const struct plan_filter *f = &p->filter;
	int rc = check_plan(p, e);

	if (rc)
		return rc;
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s",
		 p->scope.table[0] ? p->scope.table : V6MIG_NFT_TABLE);
	t->wanted = plan_wants_nft(p);
	if (!t->wanted)
		return 0;
	if (p->nat.enabled)
		nat_chain(t, &p->nat);
	/* The clamp stands alone too: DS-Lite has no NAT and no receive
	 * filter, but its tunnel MTU is below the LAN's (RFC 6333 5.3). */
	if (f->mss)
		mss_chain(t, f);
	if (f->enabled && (f->ours.len || f->ports.len))
		rx_chain(t, f);
	return check_bounds(t, e);
}

const struct nftd_set *nftd_set_find(const struct nftd_table *t,
				     const char *name)
{
	for (size_t i = 0; i < t->n_sets; i++)
		if (!strcmp(t->sets[i].name, name))
			return &t->sets[i];
	return NULL;
}
