/* SPDX-License-Identifier: MIT */
#include "planfmt.h"

#include "../tunnels/nftdesc.h"

#include <cjson/cJSON.h>
#include <netinet/ip_icmp.h>
#include <stdbool.h>
#include <string.h>

/* ---- JSON ----------------------------------------------------------- */

static void add_str(cJSON *o, const char *k, const char *v)
{
	if (v)
		cJSON_AddStringToObject(o, k, v);
	else
		cJSON_AddNullToObject(o, k);
}

static cJSON *ranges_json(const struct portset *ps)
{
	cJSON *arr = cJSON_CreateArray();

	for (size_t i = 0; arr && i < portset_nranges(ps); i++) {
		struct port_range r = portset_range(ps, i);
		cJSON *pair = cJSON_CreateArray();

		cJSON_AddItemToArray(pair, cJSON_CreateNumber(r.min));
		cJSON_AddItemToArray(pair, cJSON_CreateNumber(r.max));
		cJSON_AddItemToArray(arr, pair);
	}
	return arr;
}

/* psid, psid_length, psid_offset (null without a port set: every port),
 * port_ranges and port_count (null when ps is NULL). */
void planfmt_add_ports(cJSON *o, const struct portset *ps,
		       bool psid_null_if_unshared)
{
	static const char *const keys[] = { "psid", "psid_length", "psid_offset",
					    "port_ranges", "port_count" };

	if (!ps) {
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			cJSON_AddNullToObject(o, keys[i]);
		return;
	}
	if (ps->len || !psid_null_if_unshared) {
		cJSON_AddNumberToObject(o, "psid", ps->psid);
		cJSON_AddNumberToObject(o, "psid_length", ps->len);
		cJSON_AddNumberToObject(o, "psid_offset", ps->offset);
	} else {
		for (size_t i = 0; i < 3; i++)
			cJSON_AddNullToObject(o, keys[i]);
	}
	cJSON_AddItemToObject(o, "port_ranges", ranges_json(ps));
	cJSON_AddNumberToObject(o, "port_count", portset_count(ps));
}

static cJSON *link_json(const struct plan_link *l)
{
	cJSON *o = cJSON_CreateObject();
	char b[V6_STR_MAX];

	cJSON_AddStringToObject(o, "name", l->name);
	if (l->kind == PLAN_LINK_VETH) {
		cJSON_AddStringToObject(o, "kind", "veth");
		cJSON_AddStringToObject(o, "peer", l->peer);
		cJSON_AddBoolToObject(o, "arp", false);
		cJSON_AddNumberToObject(o, "mtu", l->mtu);
		return o;
	}
	cJSON_AddStringToObject(o, "kind", "ip6tnl");
	cJSON_AddStringToObject(o, "underlay", l->underlay);
	cJSON_AddStringToObject(o, "local", v6addr_str(&l->local, b));
	cJSON_AddStringToObject(o, "remote", v6addr_str(&l->remote, b));
	cJSON_AddNumberToObject(o, "hoplimit", l->hoplimit);
	cJSON_AddNumberToObject(o, "flags", l->flags);
	cJSON_AddNumberToObject(o, "proto", l->proto);
	cJSON_AddNumberToObject(o, "mtu", l->mtu);
	return o;
}

static cJSON *addr_json(const struct plan_addr *a)
{
	cJSON *o = cJSON_CreateObject();
	char b[V6_STR_MAX];
	bool v6 = a->family == AF_INET6;

	cJSON_AddStringToObject(o, "ifname", a->ifname);
	cJSON_AddStringToObject(o, "family", v6 ? "inet6" : "inet");
	cJSON_AddStringToObject(o, "address",
				v6 ? v6addr_str(&a->v6, b) : v4addr_str(a->v4, b));
	cJSON_AddNumberToObject(o, "prefix_length", a->plen);
	cJSON_AddBoolToObject(o, "nodad", a->nodad);
	return o;
}

static cJSON *route_json(const struct plan_route *r)
{
	cJSON *o = cJSON_CreateObject();
	char b[V6_STR_MAX];

	cJSON_AddStringToObject(o, "dev", r->dev);
	cJSON_AddStringToObject(o, "family", "inet");
	cJSON_AddStringToObject(o, "dst", v4pfx_str(&r->dst, b));
	if (r->mtu)
		cJSON_AddNumberToObject(o, "mtu", r->mtu);
	else
		cJSON_AddNullToObject(o, "mtu");
	cJSON_AddNumberToObject(o, "metric", r->metric);
	return o;
}

static cJSON *nat_json(const struct plan_nat *n)
{
	cJSON *o = cJSON_CreateObject();
	char b[V6_STR_MAX];

	cJSON_AddBoolToObject(o, "enabled", n->enabled);
	add_str(o, "out_ifname", n->enabled ? n->out_ifname : NULL);
	add_str(o, "src", n->enabled ? v4addr_str(n->src, b) : NULL);
	planfmt_add_ports(o, n->enabled ? &n->ports : NULL, true);
	return o;
}

static cJSON *filter_json(const struct plan_filter *f)
{
	cJSON *o = cJSON_CreateObject();
	char b[V6_STR_MAX];

	cJSON_AddBoolToObject(o, "enabled", f->enabled);
	add_str(o, "in_ifname", f->enabled || f->mss ? f->in_ifname : NULL);
	add_str(o, "ours", f->enabled ? v4pfx_str(&f->ours, b) : NULL);
	planfmt_add_ports(o, f->enabled ? &f->ports : NULL, true);
	if (f->mss)
		cJSON_AddNumberToObject(o, "mss", f->mss);
	else
		cJSON_AddNullToObject(o, "mss");
	return o;
}

static cJSON *fmrs_json(const struct plan_xlat *x)
{
	cJSON *arr = cJSON_CreateArray();
	char b[V6_STR_MAX];

	for (size_t i = 0; arr && i < x->n_fmrs && i < PLAN_XLAT_MAX_FMRS; i++) {
		const struct map_rule *r = &x->fmrs[i];
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "ipv6", v6pfx_str(&r->ipv6, b));
		cJSON_AddStringToObject(o, "ipv4", v4pfx_str(&r->ipv4, b));
		cJSON_AddNumberToObject(o, "ea_length", r->ea_len);
		cJSON_AddNumberToObject(o, "psid_offset", r->psid_offset);
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

static void add_num(cJSON *o, const char *k, bool present, double v)
{
	if (present)
		cJSON_AddNumberToObject(o, k, v);
	else
		cJSON_AddNullToObject(o, k);
}

/* The translator (MAP-T, 464XLAT); every key null when there is none. */
static cJSON *xlat_json(const struct plan *p)
{
	const struct plan_xlat *x = &p->xlat;
	cJSON *o = cJSON_CreateObject();
	char b[V6_STR_MAX];
	bool on = x->enabled;

	cJSON_AddBoolToObject(o, "enabled", on);
	add_str(o, "dev", on ? x->dev : NULL);
	add_str(o, "peer", on ? x->peer : NULL);
	add_str(o, "wan", on ? x->wan : NULL);
	add_str(o, "ipv4", on ? v4addr_str(x->ipv4, b) : NULL);
	add_str(o, "ipv6", on ? v6addr_str(&x->ipv6, b) : NULL);
	add_str(o, "ipv6_reached_by", !on ? NULL :
		x->nd == PLAN_XLAT_ND_ADDR ? "address" : "route");
	add_str(o, "remote_prefix", on ? v6pfx_str(&x->remote, b) : NULL);
	add_str(o, "remote_role", !on ? NULL :
		p->method == METHOD_MAP_T ? "dmr" : "nat64prefix");
	planfmt_add_ports(o, on ? &x->ports : NULL, true);
	add_num(o, "mtu", on, x->mtu);
	add_num(o, "growth", on, x->growth);
	add_num(o, "mss", on, x->mss);
	cJSON_AddItemToObject(o, "fmrs", fmrs_json(x));
	return o;
}

static cJSON *info_json(const struct plan *p)
{
	cJSON *o = cJSON_CreateObject();
	char b[V6_STR_MAX];

	cJSON_AddStringToObject(o, "ipv4", v4addr_str(p->info.ipv4, b));
	cJSON_AddNumberToObject(o, "ipv4_prefix_length", p->info.ipv4_plen);
	planfmt_add_ports(o, p->info.has_ports ? &p->info.ports : NULL, true);
	add_str(o, "ce_ipv6", IN6_IS_ADDR_UNSPECIFIED(&p->info.ce_ipv6) ? NULL :
		v6addr_str(&p->info.ce_ipv6, b));
	add_str(o, "end_user_prefix", p->info.eup.len ? v6pfx_str(&p->info.eup, b) : NULL);
	if (p->info.rule_index >= 0)
		cJSON_AddNumberToObject(o, "rule_index", p->info.rule_index);
	else
		cJSON_AddNullToObject(o, "rule_index");
	return o;
}

cJSON *plan_to_json(const struct plan *p)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *links, *addrs, *routes;

	if (!o)
		return NULL;
	add_str(o, "method", method_name(p->method));
	links = cJSON_AddArrayToObject(o, "links");
	addrs = cJSON_AddArrayToObject(o, "addresses");
	routes = cJSON_AddArrayToObject(o, "routes");
	if (!links || !addrs || !routes) {
		cJSON_Delete(o);
		return NULL;
	}
	for (size_t i = 0; i < p->n_links && i < PLAN_MAX_LINKS; i++)
		cJSON_AddItemToArray(links, link_json(&p->links[i]));
	for (size_t i = 0; i < p->n_addrs && i < PLAN_MAX_ADDRS; i++)
		cJSON_AddItemToArray(addrs, addr_json(&p->addrs[i]));
	for (size_t i = 0; i < p->n_routes && i < PLAN_MAX_ROUTES; i++)
		cJSON_AddItemToArray(routes, route_json(&p->routes[i]));
	cJSON_AddItemToObject(o, "nat", nat_json(&p->nat));
	cJSON_AddItemToObject(o, "filter", filter_json(&p->filter));
	cJSON_AddItemToObject(o, "xlat", xlat_json(p));
	cJSON_AddItemToObject(o, "info", info_json(p));
	return o;
}

/* ---- ip / nft commands ---------------------------------------------- */

static void print_range(FILE *f, struct port_range r)
{
	if (r.min == r.max)
		fprintf(f, "%u", r.min);
	else
		fprintf(f, "%u-%u", r.min, r.max);
}

/* { a-b, c-d, ... } */
static void print_port_set(FILE *f, const struct portset *ps)
{
	fputs("{ ", f);
	for (size_t i = 0; i < portset_nranges(ps); i++) {
		fputs(i ? ", " : "", f);
		print_range(f, portset_range(ps, i));
	}
	fputs(" }", f);
}

/* map { 0 : IP . a-b, 1 : IP . c-d, ... } */
static void print_nat_map(FILE *f, struct in_addr src, const struct portset *ps)
{
	char b[V6_STR_MAX];

	v4addr_str(src, b);
	fputs("map { ", f);
	for (size_t i = 0; i < portset_nranges(ps); i++) {
		fprintf(f, "%s%zu : %s . ", i ? ", " : "", i, b);
		print_range(f, portset_range(ps, i));
	}
	fputs(" }", f);
}

/* What the translator's programs and maps get (the agent loads them;
 * there is no command-line equivalent). */
static void print_xlat_summary(FILE *f, const struct plan *p)
{
	const struct plan_xlat *x = &p->xlat;
	char b1[V6_STR_MAX], b2[V6_STR_MAX], b3[V6_STR_MAX];

	fprintf(f, "# Translator (RFC 7915, eBPF on %s's clsact): %s <-> %s, %s %s\n",
		x->wan, v4addr_str(x->ipv4, b1), v6addr_str(&x->ipv6, b2),
		p->method == METHOD_MAP_T ? "DMR" : "NAT64 prefix",
		v6pfx_str(&x->remote, b3));
	if (x->n_fmrs)
		fprintf(f, "# %zu forwarding rule%s (CE to CE direct)\n",
			x->n_fmrs, x->n_fmrs == 1 ? "" : "s");
	fprintf(f, "# %s %s\n", v6addr_str(&x->ipv6, b1),
		x->nd == PLAN_XLAT_ND_ADDR ?
		"is an address on the WAN: neighbour discovery finds it" :
		"is in the delegated prefix: routed to us, no address");
	fprintf(f, "# IPv4 MTU %u = WAN %u - %u (IPv6 header +20, Fragment header +8), MSS %u\n",
		x->mtu, x->mtu + x->growth, x->growth, x->mss);
}

/* What the mesh programs and maps get (bpf/mesh.bpf.c; no command-line
 * equivalent either). */
static void print_mesh_summary(FILE *f, const struct plan_mesh *m)
{
	char b1[V6_STR_MAX], b2[V6_STR_MAX], b3[V6_STR_MAX];

	fprintf(f, "# Mesh (RFC 7597 5, eBPF on %s's clsact): %s <-> %s, BR %s\n",
		m->wan, v4addr_str(m->ipv4, b1), v6addr_str(&m->ipv6, b2),
		v6addr_str(&m->br, b3));
	fprintf(f, "# %zu forwarding rule%s (CE to CE direct), the rest to the BR\n",
		m->n_fmrs, m->n_fmrs == 1 ? "" : "s");
	fprintf(f, "# IPv4 MTU %u = WAN %u - 40 (IPv6 header), MSS %u\n",
		m->mtu, m->mtu + 40, m->mss);
}

static void print_summary(FILE *f, const struct plan *p)
{
	char b1[V6_STR_MAX], b2[V6_STR_MAX];
	const struct portset *ps = &p->info.ports;

	fprintf(f, "# %s", method_name(p->method));
	if (p->info.rule_index >= 0)
		fprintf(f, ": rule %d, end-user prefix %s", p->info.rule_index,
			v6pfx_str(&p->info.eup, b1));
	fputc('\n', f);
	fprintf(f, "# IPv6 %s, IPv4 %s/%u\n", v6addr_str(&p->info.ce_ipv6, b1),
		v4addr_str(p->info.ipv4, b2), p->info.ipv4_plen);
	if (p->info.has_ports)
		fprintf(f, "# PSID 0x%x (%u bits, offset %u): %zu range%s of %u ports (%u)\n",
			ps->psid, ps->len, ps->offset, portset_nranges(ps),
			portset_nranges(ps) == 1 ? "" : "s",
			portset_range_size(ps), portset_count(ps));
	if (p->xlat.enabled)
		print_xlat_summary(f, p);
	if (p->mesh.enabled)
		print_mesh_summary(f, &p->mesh);
	if (!p->nat.enabled)
		fputs("# No NAT44 on this CPE.\n", f);
	fputs("# The same state by hand, for reading: the agent speaks netlink.\n", f);
}

static void print_ip(FILE *f, const struct plan *p)
{
	char b1[V6_STR_MAX], b2[V6_STR_MAX];

	for (size_t i = 0; i < p->n_links && i < PLAN_MAX_LINKS; i++) {
		const struct plan_link *l = &p->links[i];

		if (l->kind == PLAN_LINK_VETH) {
			fprintf(f, "ip link add %s mtu %u type veth peer name %s mtu %u\nip link set %s arp off\n",
				l->name, l->mtu, l->peer, l->mtu, l->name);
			continue;
		}
		/* IP6_TNL_F_IGN_ENCAP_LIMIT is `encaplimit none`; proto
		 * IPIP is `mode ipip6`. */
		fprintf(f, "ip link add %s mtu %u type ip6tnl mode ipip6 local %s remote %s dev %s encaplimit none hoplimit %u\n",
			l->name, l->mtu, v6addr_str(&l->local, b1),
			v6addr_str(&l->remote, b2), l->underlay, l->hoplimit);
	}
	for (size_t i = 0; i < p->n_addrs && i < PLAN_MAX_ADDRS; i++) {
		const struct plan_addr *a = &p->addrs[i];

		if (a->family == AF_INET6)
			fprintf(f, "ip -6 addr add %s/%u dev %s%s\n",
				v6addr_str(&a->v6, b1), a->plen, a->ifname,
				a->nodad ? " nodad" : "");
		else
			fprintf(f, "ip addr add %s/%u dev %s\n",
				v4addr_str(a->v4, b1), a->plen, a->ifname);
	}
	for (size_t i = 0; i < p->n_links && i < PLAN_MAX_LINKS; i++) {
		if (p->links[i].kind == PLAN_LINK_VETH)
			fprintf(f, "ip link set %s up\n", p->links[i].peer);
		fprintf(f, "ip link set %s up\n", p->links[i].name);
	}
	for (size_t i = 0; i < p->n_routes && i < PLAN_MAX_ROUTES; i++) {
		const struct plan_route *r = &p->routes[i];

		fprintf(f, "ip route add %s dev %s", r->dst.len ?
			v4pfx_str(&r->dst, b1) : "default", r->dev);
		if (r->mtu)
			fprintf(f, " mtu %u", r->mtu);
		fprintf(f, " metric %u proto %u\n", r->metric, V6MIG_RTPROT);
	}
}

/* The nft lines below are printed from the same description of our table
 * (tunnels/nftdesc.h) that netlink/nft_build.c turns into the objects the
 * agent applies: the same chains, rules, terms and sets, in the same order;
 * only the words are this file's (nft's syntax for each term).
 * tests/ns/test_plan_nft.sh loads these lines into one namespace, applies
 * the same plan through netlink/nft.c in another, and requires the two
 * kernels' listings to be identical. */

static const char *const hook_names[] = {
	[NFTD_HOOK_PREROUTING] = "prerouting",
	[NFTD_HOOK_FORWARD] = "forward",
	[NFTD_HOOK_POSTROUTING] = "postrouting",
};

static void print_proto(FILE *f, uint8_t proto)
{
	if (proto == IPPROTO_TCP)
		fputs("tcp", f);
	else if (proto == IPPROTO_UDP)
		fputs("udp", f);
	else
		fprintf(f, "%u", proto);
}

static void print_icmp_type(FILE *f, uint8_t type)
{
	if (type == ICMP_ECHO)
		fputs("echo-request", f);
	else if (type == ICMP_ECHOREPLY)
		fputs("echo-reply", f);
	else
		fprintf(f, "%u", type);
}

static void print_term(FILE *f, const struct nftd_term *x)
{
	char b[V6_STR_MAX];

	switch (x->kind) {
	case NFTD_IFNAME:
		fprintf(f, "%s \"%s\"", x->out ? "oifname" : "iifname", x->ifname);
		break;
	case NFTD_L4PROTO:
		fputs("meta l4proto ", f);
		print_proto(f, x->proto);
		break;
	case NFTD_ICMP_TYPE:
		fputs("icmp type ", f);
		print_icmp_type(f, x->type);
		break;
	case NFTD_TCP_SYN:
		fputs("tcp flags syn", f);
		break;
	case NFTD_MSS_GT:
		fprintf(f, "tcp option maxseg size > %u", x->value);
		break;
	case NFTD_MSS_SET:
		fprintf(f, "tcp option maxseg size set %u", x->value);
		break;
	case NFTD_DADDR_NOT:
		fprintf(f, "ip daddr != %s", x->pfx.len == 32 ?
			v4addr_str(x->pfx.addr, b) : v4pfx_str(&x->pfx, b));
		break;
	case NFTD_DPORT_NOT_IN:
		print_proto(f, x->proto);
		fprintf(f, " dport != @%s", x->set);
		break;
	case NFTD_ICMP_ID_NOT_IN:
		fputs("icmp id != ", f);
		print_port_set(f, &x->ports);
		break;
	case NFTD_SNAT_MAP:
		/* ARCHITECTURE "Port-set NAT that uses every port". */
		fprintf(f, "snat ip to %s mod %zu", x->key == NFTD_KEY_JHASH_UDP ?
			"jhash ip saddr . udp sport" : "numgen inc",
			portset_nranges(&x->ports));
		if (x->key == NFTD_KEY_JHASH_UDP)
			fprintf(f, " seed 0x%x", V6MIG_NFT_UDP_HASH_SEED);
		fputc(' ', f);
		print_nat_map(f, x->addr, &x->ports);
		break;
	case NFTD_SNAT_ADDR:
		fprintf(f, "snat ip to %s", v4addr_str(x->addr, b));
		break;
	case NFTD_DROP:
		fputs("drop", f);
		break;
	}
}

static void print_set(FILE *f, const char *t, const struct nftd_set *s)
{
	fprintf(f, "nft 'add set ip %s %s { type inet_service; flags interval; elements = ",
		t, s->name);
	print_port_set(f, &s->ports);
	fputs(" }'\n", f);
}

/* A named set is printed before the first rule that looks it up (nft
 * wants it to exist), any other after the rules. */
static void print_rule(FILE *f, const struct nftd_table *t,
		       const struct nftd_rule *r, bool *set_done)
{
	for (size_t i = 0; i < r->n_terms; i++) {
		const struct nftd_set *s;

		if (r->t[i].kind != NFTD_DPORT_NOT_IN ||
		    !(s = nftd_set_find(t, r->t[i].set)) || set_done[s - t->sets])
			continue;
		print_set(f, t->name, s);
		set_done[s - t->sets] = true;
	}
	fprintf(f, "nft 'add rule ip %s %s", t->name, t->chains[r->chain].name);
	for (size_t i = 0; i < r->n_terms; i++) {
		fputc(' ', f);
		print_term(f, &r->t[i]);
	}
	fputs("'\n", f);
}

void plan_print_nft(FILE *f, const struct nftd_table *t)
{
	bool set_done[NFTD_MAX_SETS] = { false };

	if (!t->wanted)
		return;
	fprintf(f, "nft add table ip %s\n", t->name);
	for (size_t c = 0; c < t->n_chains; c++) {
		const struct nftd_chain *ch = &t->chains[c];

		fprintf(f, "nft 'add chain ip %s %s { type %s hook %s priority %s; policy accept; }'\n",
			t->name, ch->name, ch->type == NFTD_CHAIN_NAT ? "nat" : "filter",
			hook_names[ch->hook], ch->prio_name);
		for (size_t i = 0; i < t->n_rules; i++)
			if (t->rules[i].chain == c)
				print_rule(f, t, &t->rules[i], set_done);
	}
	for (size_t i = 0; i < t->n_sets; i++)
		if (!set_done[i])
			print_set(f, t->name, &t->sets[i]);
}

void plan_print_commands(FILE *f, const struct plan *p)
{
	struct nftd_table t;
	struct err e;

	print_summary(f, p);
	print_ip(f, p);
	if (nftd_build(p, &t, &e) < 0)
		fprintf(f, "# no nft table: %s\n", e.msg);
	else
		plan_print_nft(f, &t);
}
