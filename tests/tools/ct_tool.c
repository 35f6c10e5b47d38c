/* SPDX-License-Identifier: MIT */
/* ct_tool: netlink/conntrack.c for tests/ns/test_conntrack.sh and
 * bench/run-ct.sh. Test-only.
 *
 *   ct_tool flush-snat IPV4              one call; prints "deleted N"
 *   ct_tool flush-snat IPV4 BUDGET_MS [OFFSET LEN PSID]   in steps as the
 *       daemon runs it, keeping entries whose NATed port is in that port
 *       set; prints "deleted N in T ms, S steps, longest L ms"
 *   ct_tool fill NAT_TO N [FOREIGN]      N UDP entries source-NATed to
 *       NAT_TO (192.0.2.2:p -> 203.0.113.10:53+k) and FOREIGN not NATed
 *       (from 192.0.2.3); exit 1 if one is refused (quiet with -q first) */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../netlink/conntrack.h"

static const char *nat_to;

#define BATCH 64

static void put_tuple(struct nlmsghdr *nlh, int type, const char *src,
		      const char *dst, uint16_t sport, uint16_t dport)
{
	struct nlattr *t = mnl_attr_nest_start(nlh, type), *n;
	struct in_addr a;

	n = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
	inet_pton(AF_INET, src, &a);
	mnl_attr_put_u32(nlh, CTA_IP_V4_SRC, a.s_addr);
	inet_pton(AF_INET, dst, &a);
	mnl_attr_put_u32(nlh, CTA_IP_V4_DST, a.s_addr);
	mnl_attr_nest_end(nlh, n);
	n = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
	mnl_attr_put_u8(nlh, CTA_PROTO_NUM, IPPROTO_UDP);
	mnl_attr_put_u16(nlh, CTA_PROTO_SRC_PORT, htons(sport));
	mnl_attr_put_u16(nlh, CTA_PROTO_DST_PORT, htons(dport));
	mnl_attr_nest_end(nlh, n);
	mnl_attr_nest_end(nlh, t);
}

/* Entry i: 192.0.2.2:p -> 203.0.113.10:53+k, reply to NAT_TO:p (nat) or
 * to 192.0.2.2:p (foreign, not NATed). */
static struct nlmsghdr *new_msg(char *buf, unsigned i, bool nat, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *g;
	uint16_t p = (uint16_t)(1024 + i % 60000), d = (uint16_t)(53 + i / 60000);

	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = AF_INET;
	g->version = NFNETLINK_V0;
	put_tuple(nlh, CTA_TUPLE_ORIG, nat ? "192.0.2.2" : "192.0.2.3",
		  "203.0.113.10", p, d);
	put_tuple(nlh, CTA_TUPLE_REPLY, "203.0.113.10",
		  nat ? nat_to : "192.0.2.3", d, p);
	mnl_attr_put_u32(nlh, CTA_TIMEOUT, htonl(600));
	return nlh;
}

static bool quiet;

static int fill(struct mnl_socket *nl, unsigned n, bool nat)
{
	static char out[BATCH * 256], in[32768];
	unsigned seq = 1, bad = 0;

	for (unsigned i = 0; i < n;) {
		size_t off = 0, k = 0;

		for (; k < BATCH && i < n; k++, i++)
			off += new_msg(out + off, i, nat, seq++)->nlmsg_len;
		if (mnl_socket_sendto(nl, out, off) < 0)
			return -errno;
		while (k) {
			ssize_t r = mnl_socket_recvfrom(nl, in, sizeof(in));
			const struct nlmsghdr *h = (const struct nlmsghdr *)in;
			int len = (int)r;

			if (r < 0)
				return -errno;
			for (; mnl_nlmsg_ok(h, len); h = mnl_nlmsg_next(h, &len)) {
				const struct nlmsgerr *er = mnl_nlmsg_get_payload(h);

				if (h->nlmsg_type == NLMSG_ERROR) {
					k--;
					bad += er->error != 0;
				}
			}
		}
	}
	if (bad && !quiet)
		fprintf(stderr, "ct_bench: %u entries refused\n", bad);
	return bad ? -EEXIST : 0;
}

static int fill_both(unsigned n, unsigned foreign)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	int one = 1, rc;

	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		return -errno;
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	rc = fill(nl, n, true);
	if (!rc)
		rc = fill(nl, foreign, false);
	mnl_socket_close(nl);
	return rc;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int flush_steps(struct in_addr a, unsigned budget,
		       const struct portset *keep)
{
	struct ct_flush *f;
	bool done = false;
	unsigned max_us, steps;
	double t0 = now_ms();
	struct err e;
	int rc;

	if ((rc = ct_flush_new(a, keep, &f, &e)) < 0) {
		fprintf(stderr, "ct_tool: %s\n", e.msg);
		return 1;
	}
	while (!rc && !done)
		rc = ct_flush_step(f, budget, &done, &e);
	if (rc < 0)
		fprintf(stderr, "ct_tool: %s\n", e.msg);
	steps = ct_flush_steps(f, &max_us);
	printf("deleted %u in %.0f ms, %u steps, longest %.1f ms\n",
	       ct_flush_deleted(f), now_ms() - t0, steps, max_us / 1000.0);
	ct_flush_free(f);
	return rc < 0;
}

static int usage(void)
{
	fputs("usage: ct_tool flush-snat IPV4 [BUDGET_MS [OFFSET LEN PSID]]\n"
	      "       ct_tool [-q] fill NAT_TO N [FOREIGN]\n", stderr);
	return 2;
}

int main(int argc, char **argv)
{
	struct in_addr a;
	unsigned n = 0;
	struct err e;

	if (argc > 1 && !strcmp(argv[1], "-q")) {
		quiet = true;
		argc--;
		argv++;
	}
	if (argc < 3 || inet_pton(AF_INET, argv[2], &a) != 1)
		return usage();
	if (!strcmp(argv[1], "fill") && (argc == 4 || argc == 5)) {
		nat_to = argv[2];
		return fill_both((unsigned)strtoul(argv[3], NULL, 10),
				 argc == 5 ? (unsigned)strtoul(argv[4], NULL, 10) : 0) < 0;
	}
	if (strcmp(argv[1], "flush-snat") || argc == 5 || argc == 6 || argc > 7)
		return usage();
	if (argc == 7) {
		struct portset keep = { (uint8_t)atoi(argv[4]), (uint8_t)atoi(argv[5]),
					(uint16_t)atoi(argv[6]) };

		if (portset_check(&keep, &e) < 0)
			return usage();
		return flush_steps(a, (unsigned)strtoul(argv[3], NULL, 10), &keep);
	}
	if (argc == 4)
		return flush_steps(a, (unsigned)strtoul(argv[3], NULL, 10), NULL);
	if (ct_flush_snat(a, &n, &e) < 0) {
		fprintf(stderr, "ct_tool: %s\n", e.msg);
		return 1;
	}
	printf("deleted %u\n", n);
	return 0;
}
