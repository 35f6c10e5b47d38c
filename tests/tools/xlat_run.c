/* SPDX-License-Identifier: MIT */
/* xlat_run: the embedded translator programs loaded (not attached) and run
 * on packets with BPF_PROG_TEST_RUN, for tests/bpf/xlat_test.py. Test-only.
 *
 *   xlat_run [options] < commands
 * options (the spec; addresses in their usual text form):
 *   --mode mapt|clat  --v4 A  --local6 A  --pref P/LEN
 *   --psid OFFSET/LEN/PSID  --fmr V4/LEN,V6/LEN,EA,OFFSET (repeatable)
 *   --wan N  --dev N  --mac XX:XX:XX:XX:XX:XX
 * commands, one a line, each answered with one line:
 *   out HEX | in HEX        -> "RET HEX"   (RET: TC_ACT_* the program returned)
 *   inc HEX                 -> as "in", the skb CHECKSUM_COMPLETE as a NIC
 *                              hands it to tc ingress: "error -74" (EBADMSG)
 *                              when skb->csum is left wrong, "error -22" on a
 *                              kernel before 6.11
 *   stats                   -> "name=value ..." (non-zero counters, then zeroed)
 *   sync                    -> "cfg=N added=N deleted=N" (the same spec again)
 *   fuzz out|in N SEED HEX  -> "fuzz N ok" or "fuzz failed at I: ..."
 * and the loader on real devices (netlink/xlat.c):
 *   apply WAN DEV           -> "rc=N attached=N cfg=N added=N deleted=N"
 *   remove WAN DEV          -> "rc=N"
 *   kstats WAN              -> "rc=N name=value ..." (the attached program's) */
#include "../../netlink/xlat.h"
#include "progrun.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(const char *what)
{
	fprintf(stderr, "xlat_run: bad argument: %s\n", what);
	return 2;
}

/* ADDR/LEN of family af into a (4 or 16 bytes) and len. */
static int parse_pfx(int af, const char *s, void *a, uint8_t *len)
{
	char buf[64];
	const char *sl = strchr(s, '/');

	if (!sl || (size_t)(sl - s) >= sizeof(buf))
		return -1;
	memcpy(buf, s, (size_t)(sl - s));
	buf[sl - s] = 0;
	*len = (uint8_t)atoi(sl + 1);
	return inet_pton(af, buf, a) == 1 ? 0 : -1;
}

/* V4/LEN,V6/LEN,EA,OFFSET */
static int parse_fmr(char *s, struct xlat_fmr *r)
{
	char *v4 = strtok(s, ","), *v6 = strtok(NULL, ","),
	     *ea = strtok(NULL, ","), *off = strtok(NULL, ",");

	memset(r, 0, sizeof(*r));
	if (!v4 || !v6 || !ea || !off || parse_pfx(AF_INET, v4, r->v4, &r->v4_len) ||
	    parse_pfx(AF_INET6, v6, r->v6, &r->v6_len))
		return -1;
	r->ea_len = (uint8_t)atoi(ea);
	r->psid_offset = (uint8_t)atoi(off);
	r->psid_len = (uint8_t)(r->ea_len - (32 - r->v4_len));
	return 0;
}

static int parse_args(int argc, char **argv, struct xlat_spec *s)
{
	for (int i = 1; i + 1 < argc; i += 2) {
		const char *k = argv[i];
		char *v = argv[i + 1];
		struct xlat_cfg *c = &s->cfg;
		unsigned a, b, d;

		if (!strcmp(k, "--mode"))
			c->mode = !strcmp(v, "mapt") ? XLAT_MODE_MAPT :
				  !strcmp(v, "clat") ? XLAT_MODE_CLAT : 99;
		else if (!strcmp(k, "--v4")) {
			if (inet_pton(AF_INET, v, &c->v4_addr) != 1)
				return usage(v);
		} else if (!strcmp(k, "--local6")) {
			if (inet_pton(AF_INET6, v, c->local6) != 1)
				return usage(v);
		} else if (!strcmp(k, "--pref")) {
			if (parse_pfx(AF_INET6, v, c->pref6, &c->pref6_len))
				return usage(v);
		} else if (!strcmp(k, "--psid")) {
			if (sscanf(v, "%u/%u/%u", &a, &b, &d) != 3)
				return usage(v);
			c->psid_offset = (uint8_t)a;
			c->psid_len = (uint8_t)b;
			c->psid = (uint16_t)d;
		} else if (!strcmp(k, "--fmr")) {
			if (s->n_fmr >= XLAT_FMR_MAX ||
			    parse_fmr(v, &s->fmr[s->n_fmr++]))
				return usage(v);
		} else if (!strcmp(k, "--wan"))
			c->wan_ifindex = (uint32_t)atoi(v);
		else if (!strcmp(k, "--dev"))
			c->dev_ifindex = (uint32_t)atoi(v);
		else if (!strcmp(k, "--mac")) {
			unsigned m[6];

			if (sscanf(v, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2],
				   &m[3], &m[4], &m[5]) != 6)
				return usage(v);
			for (int j = 0; j < 6; j++)
				c->dev_mac[j] = (uint8_t)m[j];
		} else
			return usage(k);
	}
	return 0;
}

static void cmd_stats(const struct xlat_obj *o)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *v = calloc((size_t)ncpu, sizeof(*v));

	for (uint32_t k = 0; v && k < XLAT_STAT_MAX; k++) {
		uint64_t sum = 0;

		if (bpf_map_lookup_elem(o->stats, &k, v) == 0)
			for (int i = 0; i < ncpu; i++)
				sum += v[i];
		if (sum)
			printf("%s=%llu ", xlat_stat_name((enum xlat_stat)k),
			       (unsigned long long)sum);
		memset(v, 0, (size_t)ncpu * sizeof(*v));
		bpf_map_update_elem(o->stats, &k, v, BPF_ANY);
	}
	printf("\n");
	free(v);
}

/* Random byte changes, truncations and extensions of a seed packet: the
 * test run must succeed and return one of the three verdicts we use. */
static void cmd_fuzz(int fd, unsigned n, unsigned seed, const uint8_t *p,
		     size_t len, uint8_t *buf, uint8_t *out)
{
	srandom(seed);
	for (unsigned i = 0; i < n; i++) {
		size_t l = len;
		uint32_t on, ret;
		int rc;

		memcpy(buf, p, len);
		for (int j = random() % 8; j >= 0; j--)
			buf[14 + (size_t)random() % (len - 14)] = (uint8_t)random();
		if (random() % 4 == 0)
			/* test_run refuses a frame without a whole IPv4/IPv6 header */
			l = 54 + (size_t)random() % (len - 53);
		else if (random() % 4 == 0) {
			size_t extra = (size_t)random() % 300;

			for (size_t j = 0; j < extra; j++)
				buf[len + j] = (uint8_t)random();
			l = len + extra;
		}
		rc = run(fd, buf, l, out, &on, &ret);
		if (rc || (ret != 0 && ret != 2 && ret != 7)) {
			printf("fuzz failed at %u: rc %d ret %u len %zu ", i, rc,
			       ret, l);
			for (size_t j = 0; j < l; j++)
				printf("%02x", buf[j]);
			printf("\n");
			return;
		}
	}
	printf("fuzz %u ok\n", n);
}

static void kernel_cmd(const char *cmd, const char *wan, const char *dev,
		       const struct xlat_spec *s)
{
	unsigned w = wan ? if_nametoindex(wan) : 0;
	unsigned d = dev ? if_nametoindex(dev) : 0;
	struct xlat_writes wr = { 0 };
	struct err e = { "" };
	uint64_t st[XLAT_STAT_MAX];
	int rc;

	if (!strcmp(cmd, "apply")) {
		rc = xlat_apply(w, d, s, &wr, &e);
		printf("rc=%d attached=%u cfg=%u added=%u deleted=%u %s\n", rc,
		       wr.attached, wr.cfg, wr.fmr_added, wr.fmr_deleted, e.msg);
	} else if (!strcmp(cmd, "remove")) {
		rc = xlat_remove(w, d, &e);
		printf("rc=%d %s\n", rc, e.msg);
	} else {
		rc = xlat_read_stats(w, st, &e);
		printf("rc=%d", rc);
		for (int i = 0; !rc && i < XLAT_STAT_MAX; i++)
			if (st[i])
				printf(" %s=%llu", xlat_stat_name((enum xlat_stat)i),
				       (unsigned long long)st[i]);
		printf(" %s\n", e.msg);
	}
}

int main(int argc, char **argv)
{
	static uint8_t in[PKT_MAX], out[PKT_MAX], tmp[PKT_MAX];
	static char line[2 * PKT_MAX + 64];
	struct xlat_spec *s = calloc(1, sizeof(*s));
	struct xlat_obj o;
	struct xlat_writes w;
	struct err e = { "" };
	int rc;

	if (!s)
		return 1;
	rc = parse_args(argc, argv, s);
	if (rc)
		return rc;
	if (xlat_obj_load(s, &o, &e)) {
		fprintf(stderr, "xlat_run: %s\n", e.msg);
		return 1;
	}
	while (fgets(line, sizeof(line), stdin)) {
		char *cmd = strtok(line, " \n"), *arg = strtok(NULL, " \n");
		size_t n;

		if (!cmd)
			continue;
		if (!strcmp(cmd, "stats")) {
			cmd_stats(&o);
		} else if (!strcmp(cmd, "sync")) {
			rc = xlat_obj_sync(&o, s, &w, &e);
			printf("rc=%d cfg=%u added=%u deleted=%u\n", rc, w.cfg,
			       w.fmr_added, w.fmr_deleted);
		} else if (!strcmp(cmd, "apply") || !strcmp(cmd, "remove") ||
			   !strcmp(cmd, "kstats")) {
			char *dev = strtok(NULL, " \n");

			kernel_cmd(cmd, arg, dev, s);
		} else if (!strcmp(cmd, "fuzz") && arg) {
			char *cnt = strtok(NULL, " \n"), *sd = strtok(NULL, " \n"),
			     *hex = strtok(NULL, " \n");

			if (!cnt || !sd || !hex || (n = unhex(hex, in, 2000)) < 60) {
				printf("bad fuzz line\n");
				continue;
			}
			cmd_fuzz(!strcmp(arg, "out") ? o.prog_out : o.prog_in,
				 (unsigned)atoi(cnt), (unsigned)atoi(sd), in, n,
				 tmp, out);
		} else if ((!strcmp(cmd, "out") || !strcmp(cmd, "in")) && arg) {
			run_print(!strcmp(cmd, "out") ? o.prog_out : o.prog_in,
				  arg, in, out);
		} else if (!strcmp(cmd, "inc") && arg) {
			run_print_flags(o.prog_in, arg, in, out,
					BPF_F_TEST_SKB_CHECKSUM_COMPLETE);
		} else {
			printf("bad command %s\n", cmd);
		}
		fflush(stdout);
	}
	xlat_obj_free(&o);
	free(s);
	return 0;
}
