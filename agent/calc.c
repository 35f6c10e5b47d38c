/* SPDX-License-Identifier: MIT */
/* `v6mig-agent calc`: the MAP / lw4o6 / RFC 6052 calculator. Its output is
 * a contract: tests and integrators' tools read the JSON keys. */
#include <cjson/cJSON.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "../tunnels/map.h"
#include "cli.h"
#include "commands.h"
#include "planfmt.h"

enum calc_mode { CALC_MAP, CALC_LW4O6, CALC_RFC6052 };

struct calc_args {
	enum calc_mode mode;
	bool json, draft03;
	bool has_rule6, has_rule4, has_ea, has_prefix, has_ipv4;
	bool has_psid, has_psid_len, has_rfc6052;
	struct map_rule rule;
	struct v6pfx prefix, rfc6052;
	struct in_addr ipv4;
	unsigned long psid, psid_len, psid_offset;
};

static const char calc_usage[] =
	"usage: v6mig-agent calc --rule-ipv6 PFX --rule-ipv4 PFX --ea-length N\n"
	"                        [--psid-offset N] [--draft03] --prefix PFX|ADDR [--json]\n"
	"       v6mig-agent calc --lw4o6 --ipv4 ADDR --psid N --psid-length N\n"
	"                        [--psid-offset N] --prefix PFX [--json]\n"
	"       v6mig-agent calc --rfc6052 PFX --ipv4 ADDR [--json]\n"
	"\n"
	"MAP (RFC 7597/7599): the IPv4 address or prefix, PSID, port set and CE\n"
	"IPv6 address for an end-user prefix (or any address inside it).\n"
	"--psid-offset defaults to 6; --draft03 uses the draft-ietf-softwire-map-03\n"
	"interface-ID layout (HB46PP map_e.version 0).\n";

/* Ports folded for a ticket: "15 ranges of 16 ports (240): a-b, c-d, ...". */
static void print_ports(const struct portset *ps)
{
	size_t n = portset_nranges(ps);

	printf("ports             %zu range%s of %u port%s (%u):", n,
	       n == 1 ? "" : "s", portset_range_size(ps),
	       portset_range_size(ps) == 1 ? "" : "s", portset_count(ps));
	for (size_t i = 0; i < n; i++) {
		struct port_range r = portset_range(ps, i);

		if (n > 6 && i == 3) {
			printf(", …");
			i = n - 2;
			continue;
		}
		printf("%s %u-%u", i ? "," : "", r.min, r.max);
	}
	putchar('\n');
}

static int calc_map(const struct calc_args *a)
{
	char b1[V6_STR_MAX], b2[V6_STR_MAX];
	struct map_result r;
	struct err e;
	enum map_layout layout = a->draft03 ? MAP_LAYOUT_DRAFT03 : MAP_LAYOUT_RFC7597;

	if (map_compute(&a->rule, &a->prefix, layout, &r, &e) < 0)
		return cli_usage_error("%s", e.msg);
	if (a->json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "ipv4", v4addr_str(r.ipv4, b1));
		cJSON_AddNumberToObject(o, "ipv4_prefix_length", r.ipv4_plen);
		planfmt_add_ports(o, &r.ports, false);
		cJSON_AddStringToObject(o, "ce_ipv6", v6addr_str(&r.ce_ipv6, b1));
		cJSON_AddStringToObject(o, "end_user_prefix", v6pfx_str(&r.eup, b1));
		return cli_print_json(o);
	}
	printf("rule              %s %s ea-length %u psid-offset %u\n",
	       v6pfx_str(&a->rule.ipv6, b1), v4pfx_str(&a->rule.ipv4, b2),
	       a->rule.ea_len, a->rule.psid_offset);
	printf("end-user prefix   %s\n", v6pfx_str(&r.eup, b1));
	if (r.ipv4_plen == 32)
		printf("IPv4 address      %s\n", v4addr_str(r.ipv4, b1));
	else
		printf("IPv4 prefix       %s/%u (delegated)\n",
		       v4addr_str(r.ipv4, b1), r.ipv4_plen);
	printf("PSID              0x%x (%u), %u bits, offset %u\n", r.ports.psid,
	       r.ports.psid, r.ports.len, r.ports.offset);
	printf("CE IPv6 address   %s (%s interface ID)\n",
	       v6addr_str(&r.ce_ipv6, b1), a->draft03 ? "draft-03" : "RFC 7597");
	print_ports(&r.ports);
	return 0;
}

static int calc_lw4o6(const struct calc_args *a)
{
	char b[V6_STR_MAX];
	struct portset ps = {
		.offset = (uint8_t)a->psid_offset,
		.len = (uint8_t)a->psid_len,
		.psid = (uint16_t)a->psid,
	};
	struct in6_addr b4;
	struct err e;

	if (lw4o6_compute(&a->prefix, a->ipv4, &ps, &b4, &e) < 0)
		return cli_usage_error("%s", e.msg);
	if (a->json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "ipv4", v4addr_str(a->ipv4, b));
		planfmt_add_ports(o, &ps, false);
		cJSON_AddStringToObject(o, "ce_ipv6", v6addr_str(&b4, b));
		return cli_print_json(o);
	}
	printf("IPv4 address      %s\n", v4addr_str(a->ipv4, b));
	printf("PSID              0x%x (%u), %u bits, offset %u\n", ps.psid,
	       ps.psid, ps.len, ps.offset);
	printf("B4 IPv6 address   %s (RFC 7596 5.1)\n", v6addr_str(&b4, b));
	print_ports(&ps);
	return 0;
}

static int calc_rfc6052(const struct calc_args *a)
{
	char b[V6_STR_MAX];
	struct in6_addr out;
	struct err e;

	if (rfc6052_embed(&a->rfc6052, a->ipv4, &out, &e) < 0)
		return cli_usage_error("%s", e.msg);
	if (a->json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "ipv6", v6addr_str(&out, b));
		return cli_print_json(o);
	}
	printf("%s\n", v6addr_str(&out, b));
	return 0;
}

enum {
	OPT_RULE6 = 256, OPT_RULE4, OPT_EA, OPT_OFFSET, OPT_DRAFT03, OPT_PREFIX,
	OPT_JSON, OPT_LW4O6, OPT_IPV4, OPT_PSID, OPT_PSIDLEN, OPT_RFC6052,
};

static const struct option calc_opts[] = {
	{ "rule-ipv6", required_argument, NULL, OPT_RULE6 },
	{ "rule-ipv4", required_argument, NULL, OPT_RULE4 },
	{ "ea-length", required_argument, NULL, OPT_EA },
	{ "psid-offset", required_argument, NULL, OPT_OFFSET },
	{ "draft03", no_argument, NULL, OPT_DRAFT03 },
	{ "prefix", required_argument, NULL, OPT_PREFIX },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "lw4o6", no_argument, NULL, OPT_LW4O6 },
	{ "ipv4", required_argument, NULL, OPT_IPV4 },
	{ "psid", required_argument, NULL, OPT_PSID },
	{ "psid-length", required_argument, NULL, OPT_PSIDLEN },
	{ "rfc6052", required_argument, NULL, OPT_RFC6052 },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* One option into a; returns 0, or the exit code for a bad one. */
static int calc_opt(int c, char *arg, void *ctx)
{
	struct calc_args *a = ctx;
	unsigned long v;

	switch (c) {
	case OPT_RULE6:
		a->has_rule6 = v6pfx_parse(arg, false, &a->rule.ipv6) == 0;
		return a->has_rule6 ? 0 : cli_usage_error("--rule-ipv6: '%s' is not an IPv6 prefix", arg);
	case OPT_RULE4:
		a->has_rule4 = v4pfx_parse(arg, false, &a->rule.ipv4) == 0;
		return a->has_rule4 ? 0 : cli_usage_error("--rule-ipv4: '%s' is not an IPv4 prefix (up to /32)", arg);
	case OPT_EA:
		a->has_ea = true;
		if (cli_number("--ea-length", arg, 48, &v))
			return EXIT_USAGE;
		a->rule.ea_len = (uint8_t)v;
		return 0;
	case OPT_OFFSET:
		return cli_number("--psid-offset", arg, 16, &a->psid_offset);
	case OPT_DRAFT03:
		a->draft03 = true;
		return 0;
	case OPT_PREFIX:
		a->has_prefix = v6pfx_parse(arg, true, &a->prefix) == 0;
		return a->has_prefix ? 0 : cli_usage_error("--prefix: '%s' is not an IPv6 prefix or address", arg);
	case OPT_JSON:
		a->json = true;
		return 0;
	case OPT_LW4O6:
		a->mode = CALC_LW4O6;
		return 0;
	case OPT_IPV4:
		a->has_ipv4 = v4addr_parse(arg, &a->ipv4) == 0;
		return a->has_ipv4 ? 0 : cli_usage_error("--ipv4: '%s' is not an IPv4 address", arg);
	case OPT_PSID:
		a->has_psid = true;
		return cli_number("--psid", arg, 65535, &a->psid);
	case OPT_PSIDLEN:
		a->has_psid_len = true;
		return cli_number("--psid-length", arg, 16, &a->psid_len);
	case OPT_RFC6052:
		a->mode = CALC_RFC6052;
		a->has_rfc6052 = v6pfx_parse(arg, false, &a->rfc6052) == 0;
		return a->has_rfc6052 ? 0 : cli_usage_error("--rfc6052: '%s' is not an IPv6 prefix", arg);
	case 'h':
		fputs(calc_usage, stdout);
		return -1;
	default:
		return cli_usage_error("unknown option (see --help)");
	}
}

static const char *calc_missing(const struct calc_args *a)
{
	switch (a->mode) {
	case CALC_MAP:
		return !a->has_rule6 ? "--rule-ipv6" : !a->has_rule4 ? "--rule-ipv4" :
		       !a->has_ea ? "--ea-length" : !a->has_prefix ? "--prefix" : NULL;
	case CALC_LW4O6:
		return !a->has_ipv4 ? "--ipv4" : !a->has_psid ? "--psid" :
		       !a->has_psid_len ? "--psid-length" : !a->has_prefix ? "--prefix" : NULL;
	case CALC_RFC6052:
		return !a->has_ipv4 ? "--ipv4" : NULL;
	}
	return NULL;
}

int cmd_calc(int argc, char **argv)
{
	struct calc_args a = { .mode = CALC_MAP,
			       .psid_offset = MAP_DEFAULT_PSID_OFFSET };
	const char *missing;
	int rc;

	cli_prog = "v6mig-agent calc";
	rc = cli_getopt(argc, argv, calc_opts, calc_opt, &a);
	if (rc)
		return rc < 0 ? 0 : rc;
	missing = calc_missing(&a);
	if (missing)
		return cli_usage_error("%s is required (see --help)", missing);
	a.rule.psid_offset = (uint8_t)a.psid_offset;
	switch (a.mode) {
	case CALC_MAP:
		return calc_map(&a);
	case CALC_LW4O6:
		return calc_lw4o6(&a);
	case CALC_RFC6052:
		return calc_rfc6052(&a);
	}
	return 1;
}
