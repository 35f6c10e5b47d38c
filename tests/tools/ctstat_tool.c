/* SPDX-License-Identifier: MIT */
/* ctstat_tool: netlink/ctstat.c for tests/ns/test_ports.sh and
 * bench/run-ctstat.sh. Test-only.
 *
 *   ctstat_tool sample EXT OFFSET PSIDLEN PSID [ROUNDS]
 *       the figures, one line per protocol:
 *       "tcp IN_USE TOTAL LAN:PORTS ..." then "entries N"; with ROUNDS,
 *       also "ms MIN MEDIAN MAX" over that many samples.
 *   ctstat_tool fill-foreign N
 *       N UDP entries of nobody's (10.x.y.z -> 203.0.113.200, not NATed).
 *   ctstat_tool fill-ours EXT LAN PROTO N OFFSET PSIDLEN PSID
 *       N entries source-NATed to EXT at the first N ports of the set
 *       (PROTO tcp|udp|icmp), as the NAT44 would have made them. */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../netlink/ctstat.h"

static int usage(void)
{
	fputs("usage: ctstat_tool sample EXT OFFSET PSIDLEN PSID [ROUNDS]\n"
	      "       ctstat_tool fill-foreign N\n"
	      "       ctstat_tool fill-ours EXT LAN tcp|udp|icmp N OFFSET PSIDLEN PSID\n", stderr);
	return 2;
}

static int parse_ps(char **a, struct portset *ps)
{
	struct err e;

	ps->offset = (uint8_t)atoi(a[0]);
	ps->len = (uint8_t)atoi(a[1]);
	ps->psid = (uint16_t)strtoul(a[2], NULL, 0);
	if (portset_check(ps, &e) < 0) {
		fprintf(stderr, "ctstat_tool: %s\n", e.msg);
		return -1;
	}
	return 0;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int sample(struct in_addr ext, const struct portset *ps, int rounds)
{
	struct ct_ports c;
	struct err e;
	double *t = calloc((size_t)(rounds > 0 ? rounds : 1), sizeof(*t));

	for (int r = 0; r < (rounds > 0 ? rounds : 1); r++) {
		double t0 = now_ms();

		if (ct_ports_sample(ext, ps, &c, &e) < 0) {
			fprintf(stderr, "ctstat_tool: %s\n", e.msg);
			free(t);
			return 1;
		}
		t[r] = now_ms() - t0;
	}
	for (int p = 0; p < CT_NPROTO; p++) {
		char a[INET_ADDRSTRLEN];

		printf("%s %u %u", ct_proto_name((enum ct_proto)p), c.p[p].in_use, c.p[p].total);
		for (uint32_t i = 0; i < c.p[p].n_top; i++)
			printf(" %s:%u", inet_ntop(AF_INET, &c.p[p].top[i].lan, a, sizeof(a)),
			       c.p[p].top[i].ports);
		putchar('\n');
	}
	printf("entries %u\n", c.entries);
	if (rounds > 0) {
		qsort(t, (size_t)rounds, sizeof(*t), dcmp);
		printf("ms %.2f %.2f %.2f\n", t[0], t[rounds / 2], t[rounds - 1]);
	}
	free(t);
	return 0;
}

/* ---- creating entries (IPCTNL_MSG_CT_NEW, batched, errors only) ---- */

static void put_tuple(struct nlmsghdr *nlh, int type, uint32_t src, uint32_t dst,
		      uint8_t proto, uint16_t sport, uint16_t dport)
{
	struct nlattr *t = mnl_attr_nest_start(nlh, type), *n;

	n = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
	mnl_attr_put_u32(nlh, CTA_IP_V4_SRC, src);
	mnl_attr_put_u32(nlh, CTA_IP_V4_DST, dst);
	mnl_attr_nest_end(nlh, n);
	n = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
	mnl_attr_put_u8(nlh, CTA_PROTO_NUM, proto);
	if (proto == IPPROTO_ICMP) {
		/* An echo request's id; the reply tuple carries an echo reply. */
		mnl_attr_put_u16(nlh, CTA_PROTO_ICMP_ID, htons(type == CTA_TUPLE_ORIG ? sport : dport));
		mnl_attr_put_u8(nlh, CTA_PROTO_ICMP_TYPE, type == CTA_TUPLE_ORIG ? 8 : 0);
		mnl_attr_put_u8(nlh, CTA_PROTO_ICMP_CODE, 0);
	} else {
		mnl_attr_put_u16(nlh, CTA_PROTO_SRC_PORT, htons(sport));
		mnl_attr_put_u16(nlh, CTA_PROTO_DST_PORT, htons(dport));
	}
	mnl_attr_nest_end(nlh, n);
	mnl_attr_nest_end(nlh, t);
}

struct entry {
	uint32_t osrc, odst, rsrc, rdst;
	uint8_t proto;
	uint16_t osport, odport, rsport, rdport;
};

static void put_entry(struct mnl_nlmsg_batch *b, uint32_t seq, const struct entry *x)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(mnl_nlmsg_batch_current(b));
	struct nfgenmsg *g;

	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = AF_INET;
	g->version = NFNETLINK_V0;
	put_tuple(nlh, CTA_TUPLE_ORIG, x->osrc, x->odst, x->proto, x->osport, x->odport);
	put_tuple(nlh, CTA_TUPLE_REPLY, x->rsrc, x->rdst, x->proto, x->rsport, x->rdport);
	mnl_attr_put_u32(nlh, CTA_TIMEOUT, htonl(600));
	mnl_nlmsg_batch_next(b);
}

/* Errors come back as NLMSG_ERROR (no ACK asked for success): read what
 * is there without waiting. */
static int drain(struct mnl_socket *nl, unsigned *errors)
{
	char buf[8192];
	ssize_t n;

	while ((n = recv(mnl_socket_get_fd(nl), buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		const struct nlmsghdr *h = (const void *)buf;
		int left = (int)n;

		for (; mnl_nlmsg_ok(h, left); h = mnl_nlmsg_next(h, &left))
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *er = mnl_nlmsg_get_payload(h);

				if (er->error && (*errors)++ == 0)
					fprintf(stderr, "ctstat_tool: create: %s\n", strerror(-er->error));
			}
	}
	return 0;
}

static int create(struct entry *xs, size_t n)
{
	static char buf[1 << 16];
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	struct mnl_nlmsg_batch *b;
	unsigned errors = 0;

	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("ctstat_tool: netlink");
		return 1;
	}
	b = mnl_nlmsg_batch_start(buf, sizeof(buf) / 2);
	for (size_t i = 0; i < n; i++) {
		put_entry(b, (uint32_t)i + 1, &xs[i]);
		if (mnl_nlmsg_batch_size(b) > sizeof(buf) / 2 - 512 || i + 1 == n) {
			if (mnl_socket_sendto(nl, mnl_nlmsg_batch_head(b), mnl_nlmsg_batch_size(b)) < 0) {
				perror("ctstat_tool: send");
				return 1;
			}
			mnl_nlmsg_batch_reset(b);
			drain(nl, &errors);
		}
	}
	drain(nl, &errors);
	mnl_nlmsg_batch_stop(b);
	mnl_socket_close(nl);
	printf("created %zu, %u refused\n", n - errors, errors);
	return errors ? 1 : 0;
}

static int fill_foreign(unsigned n)
{
	struct entry *xs = calloc(n, sizeof(*xs));
	int rc;

	for (unsigned i = 0; i < n; i++) {
		uint32_t src = htonl(0x0a000000u | (i / 60000u) << 8 | 1u), dst = htonl(0xcb0071c8u);
		uint16_t sport = (uint16_t)(1024 + i % 60000u);

		/* not NATed: the reply is the inverse of the original */
		xs[i] = (struct entry){ src, dst, dst, src, IPPROTO_UDP, sport, 53, 53, sport };
	}
	rc = create(xs, n);
	free(xs);
	return rc;
}

static int fill_ours(struct in_addr ext, struct in_addr lan, const char *proto,
		     unsigned n, const struct portset *ps)
{
	uint8_t pr = !strcmp(proto, "tcp") ? IPPROTO_TCP : !strcmp(proto, "udp") ?
		     IPPROTO_UDP : !strcmp(proto, "icmp") ? IPPROTO_ICMP : 0;
	struct entry *xs = calloc(n ? n : 1, sizeof(*xs));
	uint32_t dst = htonl(0xcb007132u); /* 203.0.113.50 */
	unsigned k = 0;
	int rc;

	if (!pr) {
		free(xs);
		return usage();
	}
	for (uint32_t p = 1; p < 65536 && k < n; p++) {
		if (!portset_contains(ps, (uint16_t)p) || (ps->len == 0 && p < 1024))
			continue;
		xs[k] = (struct entry){ lan.s_addr, dst, dst, ext.s_addr, pr,
					(uint16_t)(40000 + k % 20000), 80, 80, (uint16_t)p };
		k++;
	}
	rc = create(xs, k);
	free(xs);
	return rc;
}

int main(int argc, char **argv)
{
	struct in_addr ext, lan;
	struct portset ps;

	if (argc >= 6 && !strcmp(argv[1], "sample") && inet_pton(AF_INET, argv[2], &ext) == 1) {
		if (parse_ps(argv + 3, &ps) < 0)
			return 2;
		return sample(ext, &ps, argc > 6 ? atoi(argv[6]) : 0);
	}
	if (argc == 3 && !strcmp(argv[1], "fill-foreign"))
		return fill_foreign((unsigned)atoi(argv[2]));
	if (argc == 9 && !strcmp(argv[1], "fill-ours") &&
	    inet_pton(AF_INET, argv[2], &ext) == 1 && inet_pton(AF_INET, argv[3], &lan) == 1) {
		if (parse_ps(argv + 6, &ps) < 0)
			return 2;
		return fill_ours(ext, lan, argv[4], (unsigned)atoi(argv[5]), &ps);
	}
	return usage();
}
