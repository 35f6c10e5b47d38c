/* SPDX-License-Identifier: MIT */
/* Test helper: drive netlink/nft.c from the namespace tests and the bench.
 *   nft_tool apply  [PLAN OPTIONS] [--bogus]   install (or keep) the table
 *   nft_tool remove                            delete our table
 *   nft_tool show   [PLAN OPTIONS]             canonical text we would build
 *   nft_tool read                              canonical text read back
 * PLAN OPTIONS: --ifname T --src IP --offset A --psid-len K --psid P
 *   [--ours PFX] [--mss N] [--no-nat] [--no-filter]
 * apply prints "batches=B msgs=M dumps=D" (what was written). Run it inside
 * a namespace with `ip netns exec`. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libnftnl/rule.h>
#include <linux/netfilter/nf_tables.h>

#include "../../netlink/nft.h"
#include "../../tunnels/err.h"
#include "../../tunnels/plan.h"

static int parse_plan(int argc, char **argv, struct plan *p, int *bogus)
{
	static const struct option opts[] = {
		{ "ifname", required_argument, NULL, 'i' },
		{ "src", required_argument, NULL, 's' },
		{ "offset", required_argument, NULL, 'a' },
		{ "psid-len", required_argument, NULL, 'k' },
		{ "psid", required_argument, NULL, 'p' },
		{ "ours", required_argument, NULL, 'o' },
		{ "mss", required_argument, NULL, 'm' },
		{ "no-nat", no_argument, NULL, 'N' },
		{ "no-filter", no_argument, NULL, 'F' },
		{ "bogus", no_argument, NULL, 'B' },
		{ NULL, 0, NULL, 0 },
	};
	struct portset ps = { 0, 0, 0 };
	const char *ifname = "tun0";
	int c;

	plan_init(p, METHOD_MAP_E);
	p->nat.enabled = p->filter.enabled = true;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'i': ifname = optarg; break;
		case 's':
			if (v4addr_parse(optarg, &p->nat.src))
				return -EINVAL;
			break;
		case 'a': ps.offset = (uint8_t)atoi(optarg); break;
		case 'k': ps.len = (uint8_t)atoi(optarg); break;
		case 'p': ps.psid = (uint16_t)strtoul(optarg, NULL, 0); break;
		case 'o':
			if (v4pfx_parse(optarg, true, &p->filter.ours))
				return -EINVAL;
			break;
		case 'm': p->filter.mss = (uint16_t)atoi(optarg); break;
		case 'N': p->nat.enabled = false; break;
		case 'F': p->filter.enabled = false; break;
		case 'B': *bogus = 1; break;
		default: return -EINVAL;
		}
	}
	snprintf(p->nat.out_ifname, IFNAMSIZ, "%s", ifname);
	snprintf(p->filter.in_ifname, IFNAMSIZ, "%s", ifname);
	p->nat.ports = p->filter.ports = ps;
	return 0;
}

/* A rule the kernel refuses whatever the interfaces: its chain name is
 * longer than NFT_CHAIN_MAXNAMELEN, so attribute validation fails. */
static int add_bogus(struct nft_objs *o)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	char name[300];

	if (!r)
		return -ENOMEM;
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, 2);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, V6MIG_NFT_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, name);
	nftnl_rule_list_add_tail(r, o->rules);
	return 0;
}

static int do_apply(struct plan *p, int bogus)
{
	struct nft_ctx c;
	struct nft_objs o;
	struct err e = { "" };
	int rc;

	nft_ctx_init(&c);
	if (nft_objs_build(p, &o, &e)) {
		fprintf(stderr, "nft_tool: %s\n", e.msg);
		return 1;
	}
	rc = bogus ? add_bogus(&o) : 0;
	if (rc == 0)
		rc = nft_apply_objs(&c, &o, &e);
	nft_objs_done(&o);
	printf("batches=%u msgs=%u dumps=%u\n", c.stats.batches, c.stats.msgs,
	       c.stats.dumps);
	if (rc) {
		fprintf(stderr, "nft_tool: %s\n", e.msg);
		return 1;
	}
	return 0;
}

static int print_objs(struct nft_objs *o)
{
	char *t = NULL;

	if (nft_objs_text(o, &t))
		return 1;
	fputs(t, stdout);
	free(t);
	nft_objs_done(o);
	return 0;
}

int main(int argc, char **argv)
{
	struct err e = { "" };
	struct nft_objs o;
	struct plan p;
	struct nft_ctx c;
	int bogus = 0;

	nft_ctx_init(&c);
	if (argc < 2)
		goto usage;
	if (!strcmp(argv[1], "remove")) {
		if (nft_remove(&c, &e)) {
			fprintf(stderr, "nft_tool: %s\n", e.msg);
			return 1;
		}
		printf("batches=%u msgs=%u dumps=%u\n", c.stats.batches,
		       c.stats.msgs, c.stats.dumps);
		return 0;
	}
	if (!strcmp(argv[1], "read")) {
		if (nft_read(&c, &o, &e)) {
			fprintf(stderr, "nft_tool: %s\n", e.msg);
			return 1;
		}
		return print_objs(&o);
	}
	if (parse_plan(argc - 1, argv + 1, &p, &bogus))
		goto usage;
	if (!strcmp(argv[1], "apply"))
		return do_apply(&p, bogus);
	if (!strcmp(argv[1], "show")) {
		if (nft_objs_build(&p, &o, &e)) {
			fprintf(stderr, "nft_tool: %s\n", e.msg);
			return 1;
		}
		return print_objs(&o);
	}
usage:
	fprintf(stderr, "usage: nft_tool apply|show|remove|read [options]\n");
	return 2;
}
