/* SPDX-License-Identifier: MIT */
/* agent/planfmt.c: the JSON of `plan --json` (stable keys) and the ip/nft
 * view, from plans the real planners make. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../agent/planfmt.h"
#include "../../agent/prov.h"
#include "config.h"
#include "plan_util.h"

#define HELPER static __attribute__((unused))

/* Every key of o, in order, joined by commas, against want. */
HELPER void keys(const cJSON *o, const char *want)
{
	char got[512] = "";
	const cJSON *it;

	cJSON_ArrayForEach(it, o) {
		if (got[0])
			strcat(got, ",");
		strcat(got, it->string);
	}
	assert_string_equal(got, want);
}

HELPER const char *str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	assert_non_null(v);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

HELPER double num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	assert_true(cJSON_IsNumber(v));
	return v->valuedouble;
}

HELPER bool is_null(const cJSON *o, const char *k)
{
	return cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(o, k));
}

HELPER const cJSON *get(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	assert_non_null(v);
	return v;
}

/* The text plan_print_commands() writes, malloc'd. */
HELPER char *commands(const struct plan *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	plan_print_commands(f, p);
	assert_int_equal(fclose(f), 0);
	return buf;
}

HELPER void has_line(const char *text, const char *line)
{
	const char *p = text;
	size_t n = strlen(line);

	while ((p = strstr(p, line)) != NULL) {
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
			return;
		p += n;
	}
	fail_msg("no line '%s' in:\n%s", line, text);
}

#define TOP_KEYS "method,links,addresses,routes,nat,filter,xlat,info"
#define LINK_KEYS "name,kind,underlay,local,remote,hoplimit,flags,proto,mtu"
#define ADDR_KEYS "ifname,family,address,prefix_length,nodad"
#define ROUTE_KEYS "dev,family,dst,mtu,metric"
#define PORT_KEYS "psid,psid_length,psid_offset,port_ranges,port_count"
#define NAT_KEYS "enabled,out_ifname,src," PORT_KEYS
#define FILTER_KEYS "enabled,in_ifname,ours," PORT_KEYS ",mss"
#define XLAT_KEYS "enabled,dev,peer,wan,ipv4,ipv6,ipv6_reached_by,remote_prefix,remote_role," \
	PORT_KEYS ",mtu,growth,mss,fmrs"
#define INFO_KEYS "ipv4,ipv4_prefix_length," PORT_KEYS ",ce_ipv6,end_user_prefix,rule_index"

#ifdef CONFIG_METHOD_MAP_E
/* The field record of shared/spec/real-responses.md, version 0. */
static void mape_plan(struct plan *pl)
{
	struct map_rule r = { .ea_len = 18, .psid_offset = 4 };
	struct prov p;
	struct wan_facts w;

	memset(&p, 0, sizeof(p));
	memset(&w, 0, sizeof(w));
	assert_int_equal(v6pfx_parse("2404:7a82:4c00::/38", false, &r.ipv6), 0);
	assert_int_equal(v4pfx_parse("133.209.12.0/22", false, &r.ipv4), 0);
	p.map_e.present = true;
	p.map_e.rules = &r;
	p.map_e.n_rules = 1;
	assert_int_equal(v6addr_parse("2001:db8:ffff::1", &p.map_e.br), 0);
	snprintf(w.wan, sizeof(w.wan), "wan0");
	w.wan_mtu = 1500;
	assert_int_equal(v6pfx_parse("2404:7a82:4d02:4100::/56", false, &w.prefixes[0]), 0);
	w.n_prefixes = 1;
	planned(METHOD_MAP_E, &p, &w, pl);
}

static void test_json_mape(void **state)
{
	struct plan pl;
	cJSON *j, *ranges;
	const cJSON *l, *a, *nat, *info;

	(void)state;
	mape_plan(&pl);
	j = plan_to_json(&pl);
	assert_non_null(j);
	keys(j, TOP_KEYS);
	assert_string_equal(str(j, "method"), "map_e");
	assert_int_equal(cJSON_GetArraySize(get(j, "links")), 1);
	l = cJSON_GetArrayItem(get(j, "links"), 0);
	keys(l, LINK_KEYS);
	assert_string_equal(str(l, "name"), "v6mig0");
	assert_string_equal(str(l, "kind"), "ip6tnl");
	assert_string_equal(str(l, "underlay"), "wan0");
	assert_string_equal(str(l, "local"), "2404:7a82:4d02:4100:85:d10d:200:4100");
	assert_string_equal(str(l, "remote"), "2001:db8:ffff::1");
	assert_int_equal(num(l, "hoplimit"), 64);
	assert_int_equal(num(l, "flags"), 1);  /* IP6_TNL_F_IGN_ENCAP_LIMIT */
	assert_int_equal(num(l, "proto"), 4);  /* IPPROTO_IPIP */
	assert_int_equal(num(l, "mtu"), 1460);

	assert_int_equal(cJSON_GetArraySize(get(j, "addresses")), 2);
	a = cJSON_GetArrayItem(get(j, "addresses"), 0);
	keys(a, ADDR_KEYS);
	assert_string_equal(str(a, "family"), "inet6");
	assert_true(cJSON_IsTrue(get(a, "nodad")));
	a = cJSON_GetArrayItem(get(j, "addresses"), 1);
	assert_string_equal(str(a, "family"), "inet");
	assert_string_equal(str(a, "address"), "133.209.13.2");
	assert_int_equal(num(a, "prefix_length"), 32);
	a = cJSON_GetArrayItem(get(j, "routes"), 0);
	keys(a, ROUTE_KEYS);
	assert_string_equal(str(a, "dst"), "0.0.0.0/0");
	assert_int_equal(num(a, "mtu"), 1460);

	nat = get(j, "nat");
	keys(nat, NAT_KEYS);
	assert_true(cJSON_IsTrue(get(nat, "enabled")));
	assert_string_equal(str(nat, "src"), "133.209.13.2");
	assert_int_equal(num(nat, "psid"), 0x41);
	assert_int_equal(num(nat, "port_count"), 240);
	ranges = cJSON_GetObjectItemCaseSensitive(nat, "port_ranges");
	assert_int_equal(cJSON_GetArraySize(ranges), 15);
	assert_int_equal(cJSON_GetArrayItem(cJSON_GetArrayItem(ranges, 0), 0)->valueint, 5136);
	assert_int_equal(cJSON_GetArrayItem(cJSON_GetArrayItem(ranges, 0), 1)->valueint, 5151);
	assert_int_equal(cJSON_GetArrayItem(cJSON_GetArrayItem(ranges, 14), 1)->valueint, 62495);
	keys(get(j, "filter"), FILTER_KEYS);
	assert_string_equal(str(get(j, "filter"), "ours"), "133.209.13.2/32");
	assert_int_equal(num(get(j, "filter"), "mss"), 1420);

	/* No translator: the keys stay, null. */
	keys(get(j, "xlat"), XLAT_KEYS);
	assert_true(cJSON_IsFalse(get(get(j, "xlat"), "enabled")));
	assert_true(is_null(get(j, "xlat"), "ipv6"));
	assert_true(is_null(get(j, "xlat"), "mtu"));
	assert_int_equal(cJSON_GetArraySize(get(get(j, "xlat"), "fmrs")), 0);

	info = get(j, "info");
	keys(info, INFO_KEYS);
	assert_string_equal(str(info, "ipv4"), "133.209.13.2");
	assert_string_equal(str(info, "ce_ipv6"), "2404:7a82:4d02:4100:85:d10d:200:4100");
	assert_string_equal(str(info, "end_user_prefix"), "2404:7a82:4d02:4100::/56");
	assert_int_equal(num(info, "rule_index"), 0);
	assert_int_equal(cJSON_GetArraySize(get(info, "port_ranges")), 15);
	cJSON_Delete(j);
}

static void test_commands_mape(void **state)
{
	struct plan pl;
	char *t;

	(void)state;
	mape_plan(&pl);
	t = commands(&pl);
	has_line(t, "ip link add v6mig0 mtu 1460 type ip6tnl mode ipip6 local 2404:7a82:4d02:4100:85:d10d:200:4100 remote 2001:db8:ffff::1 dev wan0 encaplimit none hoplimit 64");
	has_line(t, "ip -6 addr add 2404:7a82:4d02:4100:85:d10d:200:4100/128 dev wan0 nodad");
	has_line(t, "ip addr add 133.209.13.2/32 dev v6mig0");
	has_line(t, "ip link set v6mig0 up");
	has_line(t, "ip route add default dev v6mig0 mtu 1460 metric 10 proto 233");
	has_line(t, "nft add table ip v6mig");
	assert_non_null(strstr(t, "meta l4proto tcp snat ip to numgen inc mod 15 map { 0 : 133.209.13.2 . 5136-5151, 1 : 133.209.13.2 . 9232-9247,"));
	assert_non_null(strstr(t, "icmp type echo-request snat ip to numgen inc mod 15 map { 0 : 133.209.13.2 . 5136-5151,"));
	assert_non_null(strstr(t, "14 : 133.209.13.2 . 62480-62495 }'\n"));
	assert_non_null(strstr(t, "meta l4proto udp snat ip to jhash ip saddr . udp sport mod 15 seed 0x76366d67 map { 0 : 133.209.13.2 . 5136-5151,"));
	has_line(t, "nft 'add rule ip v6mig clamp_mss oifname \"v6mig0\" tcp flags syn tcp option maxseg size > 1420 tcp option maxseg size set 1420'");
	has_line(t, "nft 'add rule ip v6mig rx_filter iifname \"v6mig0\" ip daddr != 133.209.13.2 drop'");
	assert_non_null(strstr(t, "nft 'add set ip v6mig ports { type inet_service; flags interval; elements = { 5136-5151, 9232-9247,"));
	has_line(t, "nft 'add rule ip v6mig rx_filter iifname \"v6mig0\" meta l4proto tcp tcp dport != @ports drop'");
	assert_non_null(strstr(t, "icmp type echo-reply icmp id != { 5136-5151,"));
	has_line(t, "# PSID 0x41 (8 bits, offset 4): 15 ranges of 16 ports (240)");
	free(t);
}
#endif

#ifdef CONFIG_METHOD_DSLITE
static void dslite_plan(struct plan *pl)
{
	struct prov p;
	struct wan_facts w;

	memset(&p, 0, sizeof(p));
	memset(&w, 0, sizeof(w));
	p.dslite.present = true;
	p.dslite.aftr_is_addr = true;
	assert_int_equal(v6addr_parse("2001:db8:a::1", &p.dslite.aftr_addr), 0);
	snprintf(w.wan, sizeof(w.wan), "wan0");
	w.has_wan_addr = true;
	assert_int_equal(v6addr_parse("2001:db8:1::1234", &w.wan_addr), 0);
	planned(METHOD_DSLITE, &p, &w, pl);
}

/* Keys stay when they do not apply: null, not missing. */
static void test_json_dslite(void **state)
{
	struct plan pl;
	cJSON *j;
	const cJSON *nat, *filter, *info;

	(void)state;
	dslite_plan(&pl);
	j = plan_to_json(&pl);
	keys(j, TOP_KEYS);
	assert_string_equal(str(j, "method"), "dslite");
	assert_int_equal(cJSON_GetArraySize(get(j, "addresses")), 1);
	nat = get(j, "nat");
	keys(nat, NAT_KEYS);
	assert_true(cJSON_IsFalse(get(nat, "enabled")));
	assert_true(is_null(nat, "src"));
	assert_true(is_null(nat, "port_ranges"));
	filter = get(j, "filter");
	keys(filter, FILTER_KEYS);
	assert_true(cJSON_IsFalse(get(filter, "enabled")));
	assert_true(is_null(filter, "ours"));
	/* DS-Lite clamps the MSS with no receive filter. */
	assert_string_equal(str(filter, "in_ifname"), "v6mig0");
	assert_int_equal(num(filter, "mss"), 1420);
	info = get(j, "info");
	keys(info, INFO_KEYS);
	assert_string_equal(str(info, "ipv4"), "192.0.0.2");
	assert_int_equal(num(info, "ipv4_prefix_length"), 29);
	assert_true(is_null(info, "psid"));
	assert_true(is_null(info, "port_ranges"));
	assert_true(is_null(info, "end_user_prefix"));
	assert_true(is_null(info, "rule_index"));
	assert_string_equal(str(info, "ce_ipv6"), "2001:db8:1::1234");
	cJSON_Delete(j);
}

static void test_commands_dslite(void **state)
{
	struct plan pl;
	char *t;

	(void)state;
	dslite_plan(&pl);
	t = commands(&pl);
	has_line(t, "ip link add v6mig0 mtu 1460 type ip6tnl mode ipip6 local 2001:db8:1::1234 remote 2001:db8:a::1 dev wan0 encaplimit none hoplimit 64");
	has_line(t, "ip addr add 192.0.0.2/29 dev v6mig0");
	has_line(t, "# No NAT44 on this CPE.");
	/* Nothing added on the WAN, no NAT, no receive filter. */
	assert_null(strstr(t, "ip -6 addr"));
	assert_null(strstr(t, "snat"));
	assert_null(strstr(t, "rx_filter"));
	assert_non_null(strstr(t, "maxseg size set 1420"));
	free(t);
}
#endif

#ifdef CONFIG_METHOD_IPIP
/* Every port: one plain snat rule, the receive filter by address only. */
static void test_commands_ipip(void **state)
{
	struct prov p;
	struct wan_facts w;
	struct plan pl;
	cJSON *j;
	char *t;

	(void)state;
	memset(&p, 0, sizeof(p));
	memset(&w, 0, sizeof(w));
	p.ipip.present = true;
	p.ipip.n = 1;
	assert_int_equal(v6addr_parse("2001:db8:7:100::7", &p.ipip.entries[0].local), 0);
	assert_int_equal(v6addr_parse("2001:db8:7::1", &p.ipip.entries[0].remote), 0);
	assert_int_equal(v4pfx_parse("203.0.113.1/29", false, &p.ipip.entries[0].ipv4), 0);
	snprintf(w.wan, sizeof(w.wan), "eth1");
	w.wan_mtu = 1500;
	planned(METHOD_IPIP, &p, &w, &pl);
	t = commands(&pl);
	has_line(t, "ip addr add 203.0.113.1/29 dev v6mig0");
	has_line(t, "nft 'add rule ip v6mig nat_out oifname \"v6mig0\" snat ip to 203.0.113.1'");
	has_line(t, "nft 'add rule ip v6mig rx_filter iifname \"v6mig0\" ip daddr != 203.0.113.0/29 drop'");
	assert_null(strstr(t, "dport"));
	free(t);
	j = plan_to_json(&pl);
	/* Every port: no PSID, one range 0-65535. */
	assert_true(is_null(get(j, "nat"), "psid"));
	assert_int_equal(num(get(j, "nat"), "port_count"), 65536);
	assert_true(is_null(get(j, "info"), "port_ranges"));
	cJSON_Delete(j);
}
#endif

#ifdef CONFIG_METHOD_LW4O6
/* One range (offset 0): a plain snat to IP:lo-hi for all three. */
static void test_commands_lw4o6_one_range(void **state)
{
	struct prov p;
	struct wan_facts w;
	struct plan pl;
	cJSON *j;
	char *t;

	(void)state;
	memset(&p, 0, sizeof(p));
	memset(&w, 0, sizeof(w));
	p.lw4o6.present = true;
	p.lw4o6.lwaftr_is_addr = true;
	assert_int_equal(v6addr_parse("2001:db8:4::1", &p.lw4o6.lwaftr_addr), 0);
	assert_int_equal(v6pfx_parse("2001:db8:3:100::/56", false, &p.lw4o6.ipv6), 0);
	assert_int_equal(v4addr_parse("203.0.113.16", &p.lw4o6.ipv4), 0);
	p.lw4o6.ports = (struct portset){ .offset = 0, .len = 6, .psid = 5 };
	snprintf(w.wan, sizeof(w.wan), "wan0");
	w.wan_mtu = 1454;
	planned(METHOD_LW4O6, &p, &w, &pl);
	t = commands(&pl);
	has_line(t, "ip -6 addr add 2001:db8:3:100:0:cb00:7110:5/128 dev wan0 nodad");
	has_line(t, "ip route add default dev v6mig0 mtu 1414 metric 10 proto 233");
	has_line(t, "nft 'add rule ip v6mig nat_out oifname \"v6mig0\" meta l4proto tcp snat ip to numgen inc mod 1 map { 0 : 203.0.113.16 . 5120-6143 }'");
	has_line(t, "nft 'add set ip v6mig ports { type inet_service; flags interval; elements = { 5120-6143 } }'");
	has_line(t, "nft 'add rule ip v6mig rx_filter iifname \"v6mig0\" meta l4proto udp udp dport != @ports drop'");
	free(t);
	j = plan_to_json(&pl);
	assert_int_equal(num(get(j, "info"), "psid"), 5);
	assert_int_equal(num(get(j, "info"), "port_count"), 1024);
	assert_true(is_null(get(j, "info"), "rule_index"));
	cJSON_Delete(j);
}
#endif

#ifdef CONFIG_METHOD_MAP_T

static void test_json_mapt(void **state)
{
	struct plan pl;
	cJSON *j;
	const cJSON *x, *f;

	(void)state;
	plan_rfc7599(&pl, "wan0");
	j = plan_to_json(&pl);
	assert_non_null(j);
	keys(j, TOP_KEYS);
	assert_string_equal(str(j, "method"), "map_t");
	assert_int_equal(cJSON_GetArraySize(get(j, "links")), 1);
	keys(cJSON_GetArrayItem(get(j, "links"), 0), "name,kind,peer,arp,mtu");
	assert_string_equal(str(cJSON_GetArrayItem(get(j, "links"), 0), "kind"), "veth");
	x = get(j, "xlat");
	keys(x, XLAT_KEYS);
	assert_true(cJSON_IsTrue(get(x, "enabled")));
	assert_string_equal(str(x, "dev"), "v6mig0");
	assert_string_equal(str(x, "peer"), "v6mig1");
	assert_string_equal(str(x, "wan"), "wan0");
	assert_string_equal(str(x, "ipv4"), "192.0.2.18");
	assert_string_equal(str(x, "ipv6"), "2001:db8:12:3400:0:c000:212:34");
	assert_string_equal(str(x, "ipv6_reached_by"), "address");
	assert_string_equal(str(x, "remote_prefix"), "2001:db8:ffff::/64");
	assert_string_equal(str(x, "remote_role"), "dmr");
	assert_int_equal(num(x, "psid"), 0x34);
	assert_int_equal(num(x, "port_count"), 252);
	assert_int_equal(num(x, "mtu"), 1472);
	assert_int_equal(num(x, "growth"), 28);
	assert_int_equal(num(x, "mss"), 1432);
	assert_int_equal(cJSON_GetArraySize(get(x, "fmrs")), 1);
	f = cJSON_GetArrayItem(get(x, "fmrs"), 0);
	keys(f, "ipv6,ipv4,ea_length,psid_offset");
	assert_string_equal(str(f, "ipv6"), "2001:db8::/40");
	assert_string_equal(str(f, "ipv4"), "192.0.2.0/24");
	assert_int_equal(num(f, "ea_length"), 16);
	assert_int_equal(num(f, "psid_offset"), 6);
	assert_false(cJSON_IsTrue(get(get(j, "filter"), "enabled")));
	assert_int_equal(num(get(j, "filter"), "mss"), 1432);
	cJSON_Delete(j);
}

static void test_commands_mapt(void **state)
{
	struct plan pl;
	char *t;

	(void)state;
	plan_rfc7599(&pl, "wan0");
	t = commands(&pl);
	has_line(t, "# Translator (RFC 7915, eBPF on wan0's clsact): 192.0.2.18 <-> 2001:db8:12:3400:0:c000:212:34, DMR 2001:db8:ffff::/64");
	has_line(t, "# 1 forwarding rule (CE to CE direct)");
	has_line(t, "# IPv4 MTU 1472 = WAN 1500 - 28 (IPv6 header +20, Fragment header +8), MSS 1432");
	has_line(t, "ip link add v6mig0 mtu 1472 type veth peer name v6mig1 mtu 1472");
	has_line(t, "ip link set v6mig0 arp off");
	has_line(t, "ip -6 addr add 2001:db8:12:3400:0:c000:212:34/128 dev wan0 nodad");
	has_line(t, "ip addr add 192.0.2.18/32 dev v6mig0");
	has_line(t, "ip route add default dev v6mig0 mtu 1472 metric 10 proto 233");
	assert_non_null(strstr(t, "snat ip to numgen inc mod 63 map { 0 : 192.0.2.18 . 1232-1235,"));
	has_line(t, "nft 'add rule ip v6mig clamp_mss iifname \"v6mig0\" tcp flags syn tcp option maxseg size > 1432 tcp option maxseg size set 1432'");
	assert_null(strstr(t, "rx_filter"));
	assert_null(strstr(t, "ip6tnl"));
	free(t);
}
#endif

#ifdef CONFIG_METHOD_464XLAT
static void test_commands_464xlat(void **state)
{
	struct prov p;
	struct wan_facts w;
	struct plan pl;
	cJSON *j;
	char *t;

	(void)state;
	memset(&p, 0, sizeof(p));
	memset(&w, 0, sizeof(w));
	p.xlat.present = true;
	assert_int_equal(v6pfx_parse("2001:db8:64::/96", false, &p.xlat.nat64prefix), 0);
	snprintf(w.wan, sizeof(w.wan), "wan0");
	assert_int_equal(v6addr_parse("2001:db8:1:2::99", &w.wan_addr), 0);
	w.has_wan_addr = true;
	planned(METHOD_464XLAT, &p, &w, &pl);
	t = commands(&pl);
	has_line(t, "# Translator (RFC 7915, eBPF on wan0's clsact): 192.0.0.1 <-> 2001:db8:1:2::c000:1, NAT64 prefix 2001:db8:64::/96");
	has_line(t, "# 2001:db8:1:2::c000:1 is an address on the WAN: neighbour discovery finds it");
	has_line(t, "ip -6 addr add 2001:db8:1:2::c000:1/128 dev wan0");
	has_line(t, "ip addr add 192.0.0.1/32 dev v6mig0");
	has_line(t, "nft 'add rule ip v6mig nat_out oifname \"v6mig0\" snat ip to 192.0.0.1'");
	assert_null(strstr(t, "forwarding rule"));
	free(t);
	j = plan_to_json(&pl);
	assert_string_equal(str(get(j, "xlat"), "remote_role"), "nat64prefix");
	assert_true(is_null(get(j, "xlat"), "psid"));
	assert_int_equal(num(get(j, "xlat"), "port_count"), 65536);
	cJSON_Delete(j);
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
#ifdef CONFIG_METHOD_MAP_E
		cmocka_unit_test(test_json_mape),
		cmocka_unit_test(test_commands_mape),
#endif
#ifdef CONFIG_METHOD_DSLITE
		cmocka_unit_test(test_json_dslite),
		cmocka_unit_test(test_commands_dslite),
#endif
#ifdef CONFIG_METHOD_IPIP
		cmocka_unit_test(test_commands_ipip),
#endif
#ifdef CONFIG_METHOD_LW4O6
		cmocka_unit_test(test_commands_lw4o6_one_range),
#endif
#ifdef CONFIG_METHOD_MAP_T
		cmocka_unit_test(test_json_mapt),
		cmocka_unit_test(test_commands_mapt),
#endif
#ifdef CONFIG_METHOD_464XLAT
		cmocka_unit_test(test_commands_464xlat),
#endif
	};

	return cmocka_run_group_tests_name("planfmt", tests, NULL, NULL);
}
