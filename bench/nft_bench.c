/* SPDX-License-Identifier: MIT */
/* Time to install our table for a 63-range port set (RFC 7597's default
 * shape: offset 6, PSID length 8), cold (no table) and warm (the same table
 * already there), via nft_apply() and via `nft -f` of the same ruleset, in
 * one run. Run it inside a scratch namespace that has an interface tun0
 * (bench/run-nft.sh makes one).
 *   nft_bench [-n ROUNDS] [-f NFT]                               */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../netlink/nft.h"
#include "../tunnels/err.h"
#include "../tunnels/plan.h"

extern char **environ;

#define MAX_ROUNDS 1000

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static struct plan bench_plan(void)
{
	struct plan p;

	plan_init(&p, METHOD_MAP_E);
	p.nat.enabled = p.filter.enabled = true;
	strcpy(p.nat.out_ifname, "tun0");
	strcpy(p.filter.in_ifname, "tun0");
	v4addr_parse("192.0.2.18", &p.nat.src);
	v4pfx_parse("192.0.2.18/32", true, &p.filter.ours);
	p.nat.ports = (struct portset){ 6, 8, 0x34 };
	p.filter.ports = p.nat.ports;
	p.filter.mss = 1420;
	return p;
}

static void ranges(FILE *f, const struct plan *p, const char *sep, bool map)
{
	char ip[V6_STR_MAX];

	v4addr_str(p->nat.src, ip);
	for (size_t i = 0; i < portset_nranges(&p->nat.ports); i++) {
		struct port_range r = portset_range(&p->nat.ports, i);

		if (map)
			fprintf(f, "%s%zu : %s . %u-%u", i ? sep : "", i, ip,
				r.min, r.max);
		else
			fprintf(f, "%s%u-%u", i ? sep : "", r.min, r.max);
	}
}

/* The same ruleset in nft's language, as one atomic replace. */
static int write_script(const char *path, const struct plan *p)
{
	static const char *const nat[] = {
		"meta l4proto tcp snat ip to numgen inc",
		"icmp type echo-request snat ip to numgen inc",
		"meta l4proto udp snat ip to jhash ip saddr . udp sport",
	};
	size_t n = portset_nranges(&p->nat.ports);
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fputs("add table ip v6mig\ndelete table ip v6mig\nadd table ip v6mig\n"
	      "add chain ip v6mig nat_out { type nat hook postrouting priority srcnat; policy accept; }\n"
	      "add chain ip v6mig clamp_mss { type filter hook forward priority mangle; policy accept; }\n"
	      "add chain ip v6mig rx_filter { type filter hook prerouting priority mangle; policy accept; }\n"
	      "add set ip v6mig ports { type inet_service; flags interval; elements = { ", f);
	ranges(f, p, ", ", false);
	fputs(" } }\n", f);
	for (size_t i = 0; i < 3; i++) {
		fputs("add rule ip v6mig nat_out oifname \"tun0\" ", f);
		fprintf(f, "%s mod %zu%s map { ", nat[i], n,
			i == 2 ? " seed 0x76366d67" : "");
		ranges(f, p, ", ", true);
		fputs(" }\n", f);
	}
	fputs("add rule ip v6mig nat_out oifname \"tun0\" snat ip to 192.0.2.18\n"
	      "add rule ip v6mig clamp_mss oifname \"tun0\" tcp flags syn tcp option maxseg size > 1420 tcp option maxseg size set 1420\n"
	      "add rule ip v6mig clamp_mss iifname \"tun0\" tcp flags syn tcp option maxseg size > 1420 tcp option maxseg size set 1420\n"
	      "add rule ip v6mig rx_filter iifname \"tun0\" ip daddr != 192.0.2.18 drop\n"
	      "add rule ip v6mig rx_filter iifname \"tun0\" tcp dport != @ports drop\n"
	      "add rule ip v6mig rx_filter iifname \"tun0\" udp dport != @ports drop\n"
	      "add rule ip v6mig rx_filter iifname \"tun0\" icmp type echo-reply icmp id != { ", f);
	ranges(f, p, ", ", false);
	fputs(" } drop\n", f);
	return fclose(f) ? -errno : 0;
}

static int run_nft(const char *nft, const char *script)
{
	char *argv[] = { (char *)nft, (char *)"-f", (char *)script, NULL };
	pid_t pid;
	int st;

	if (posix_spawn(&pid, nft, NULL, NULL, argv, environ))
		return -1;
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
		return -1;
	return 0;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_d);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

enum way { OURS_COLD, OURS_WARM, NFT_COLD, NFT_WARM, N_WAYS };

/* One timed install; cold rounds start from no table (removed untimed). */
static int one(enum way w, const struct plan *p, const char *nft,
	       const char *script, double *ms, struct nft_stats *st)
{
	struct err e = { "" };
	struct nft_ctx c, setup; /* setup: its writes are not counted */
	double t0;
	int rc;

	nft_ctx_init(&c);
	nft_ctx_init(&setup);
	if ((w == OURS_COLD || w == NFT_COLD) && nft_remove(&setup, &e))
		goto fail;
	if (w == OURS_WARM || w == NFT_WARM)
		if (nft_apply(&setup, p, &e)) /* make sure it is there */
			goto fail;
	t0 = now_ms();
	rc = w <= OURS_WARM ? nft_apply(&c, p, &e) : run_nft(nft, script);
	*ms = now_ms() - t0;
	if (rc)
		goto fail;
	st->batches += c.stats.batches;
	st->msgs += c.stats.msgs;
	return 0;
fail:
	fprintf(stderr, "nft_bench: %s\n", e.msg[0] ? e.msg : "nft -f failed");
	return -1;
}

int main(int argc, char **argv)
{
	static const char *const names[N_WAYS] = {
		"nft_apply cold", "nft_apply warm (no-op)", "nft -f cold",
		"nft -f warm (replaces)",
	};
	static double t[N_WAYS][MAX_ROUNDS];
	struct nft_stats st[N_WAYS];
	struct nft_ctx done;
	struct err e = { "" };
	char script[] = "/tmp/v6mig-nft-bench.XXXXXX";
	const char *nft = "/usr/sbin/nft";
	struct plan p = bench_plan();
	double med[N_WAYS], min[N_WAYS];
	int rounds = 30, opt, fd, rc = 0;

	while ((opt = getopt(argc, argv, "n:f:")) != -1) {
		if (opt == 'n')
			rounds = atoi(optarg);
		else if (opt == 'f')
			nft = optarg;
		else
			return 2;
	}
	if (rounds < 1 || rounds > MAX_ROUNDS)
		return 2;
	fd = mkstemp(script);
	if (fd < 0 || close(fd) || write_script(script, &p))
		return 1;
	memset(st, 0, sizeof(st));
	/* Interleave the ways so drift hits them alike. */
	for (int r = 0; r < rounds && rc == 0; r++)
		for (int w = 0; w < N_WAYS && rc == 0; w++)
			rc = one((enum way)w, &p, nft, script, &t[w][r], &st[w]);
	nft_ctx_init(&done);
	nft_remove(&done, &e); /* best effort: the figures are printed anyway */
	unlink(script);
	if (rc)
		return 1;
	printf("nft_bench: %zu-range port set (offset 6, PSID 0x34/8), %d rounds; "
	       "median (min) ms\n", portset_nranges(&p.nat.ports), rounds);
	for (int w = 0; w < N_WAYS; w++) {
		med[w] = median(t[w], rounds);
		min[w] = t[w][0];
		printf("  %-24s %8.3f (%.3f)", names[w], med[w], min[w]);
		if (w <= OURS_WARM)
			printf("   [%u batches, %u messages in all]", st[w].batches,
			       st[w].msgs);
		putchar('\n');
	}
	printf("  ratio nft -f / nft_apply: cold %.1fx, warm %.1fx\n",
	       med[NFT_COLD] / med[OURS_COLD], med[NFT_WARM] / med[OURS_WARM]);
	return st[OURS_WARM].batches == 0 ? 0 : 1;
}
