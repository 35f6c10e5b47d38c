/* SPDX-License-Identifier: MIT */
/* mesh_run: the embedded MAP-E mesh programs loaded (not attached) and run
 * on packets with BPF_PROG_TEST_RUN, for tests/bpf/mesh_test.py. Test-only.
 *
 *   mesh_run [options] < commands
 * options:
 *   --v4 A  --local6 A  --br A  --psid OFFSET/LEN/PSID  --version 0|1
 *   --fmr V4/LEN,V6/LEN,EA,OFFSET (repeatable, up to 256)
 *   --wan N  --dev N  --mac XX:..:XX  --decap-pop (the 6.1 decapsulation)
 *   --br-mode (be the BR)
 * commands, one a line, each answered with one line:
 *   out HEX | in HEX     -> "RET HEX" (RET: the TC_ACT_* returned)
 *   stats                -> "name=value ..." (non-zero counters, then zeroed)
 *   sync                 -> "rc=N cfg=N added=N deleted=N" (the spec again)
 *   fmr I RULE           -> rule I replaced (I == count: appended), synced,
 *                           answered like sync
 *   drop I               -> rule I removed, synced, answered like sync
 *   load                 -> "load_us=N rules=N": a fresh load + fill */
#include "../../netlink/bpftc.h"
#include "../../netlink/mesh.h"
#include "meshspec.h"
#include "progrun.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static void cmd_stats(const struct mesh_obj *o)
{
	uint64_t v[MESH_STAT_MAX];
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *zero = calloc((size_t)ncpu, sizeof(*zero));
	struct err e;

	if (zero && bpftc_percpu_sum(o->stats, MESH_STAT_MAX, v, &e) == 0)
		for (uint32_t k = 0; k < MESH_STAT_MAX; k++) {
			if (v[k])
				printf("%s=%llu ",
				       mesh_stat_name((enum mesh_stat)k),
				       (unsigned long long)v[k]);
			bpf_map_update_elem(o->stats, &k, zero, BPF_ANY);
		}
	printf("\n");
	free(zero);
}

static void cmd_sync(const struct mesh_obj *o, const struct mesh_spec *s)
{
	struct mesh_writes w;
	struct err e = { "" };
	int rc = mesh_obj_sync(o, s, &w, &e);

	printf("rc=%d cfg=%u added=%u deleted=%u%s%s\n", rc, w.cfg,
	       w.fmr_added, w.fmr_deleted, rc ? " " : "", rc ? e.msg : "");
}

static void cmd_load(const struct mesh_spec *s)
{
	struct timespec a, b;
	struct mesh_obj o;
	struct err e = { "" };
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &a);
	rc = mesh_obj_load(s, &o, &e);
	clock_gettime(CLOCK_MONOTONIC, &b);
	if (rc) {
		printf("error %s\n", e.msg);
		return;
	}
	printf("load_us=%lld rules=%zu\n",
	       (long long)(b.tv_sec - a.tv_sec) * 1000000 +
		       (b.tv_nsec - a.tv_nsec) / 1000,
	       s->n_fmr);
	mesh_obj_free(&o);
}

/* "fmr I RULE" / "drop I": edit the spec, then sync. */
static void cmd_edit(const struct mesh_obj *o, struct mesh_spec *s,
		     const char *cmd, char *arg)
{
	char *rule = strtok(NULL, " \n");
	size_t i = arg ? (size_t)atoi(arg) : MESH_FMR_MAX;

	if (!strcmp(cmd, "fmr")) {
		if (i > s->n_fmr || i >= MESH_FMR_MAX || !rule ||
		    parse_fmr(rule, &s->fmr[i])) {
			printf("bad fmr line\n");
			return;
		}
		if (i == s->n_fmr)
			s->n_fmr++;
	} else {
		if (i >= s->n_fmr) {
			printf("bad drop line\n");
			return;
		}
		memmove(&s->fmr[i], &s->fmr[i + 1],
			(s->n_fmr - i - 1) * sizeof(s->fmr[0]));
		s->n_fmr--;
	}
	cmd_sync(o, s);
}

int main(int argc, char **argv)
{
	static uint8_t in[PKT_MAX], out[PKT_MAX];
	static char line[2 * PKT_MAX + 64];
	struct mesh_spec *s = calloc(1, sizeof(*s));
	struct mesh_obj o;
	struct err e = { "" };
	int rc;

	if (!s)
		return 1;
	rc = meshspec_parse(argc, argv, 1, s);
	if (rc)
		return rc;
	if (mesh_obj_load(s, &o, &e)) {
		fprintf(stderr, "mesh_run: %s\n", e.msg);
		return 1;
	}
	while (fgets(line, sizeof(line), stdin)) {
		char *cmd = strtok(line, " \n"), *arg = strtok(NULL, " \n");

		if (!cmd)
			continue;
		if (!strcmp(cmd, "stats"))
			cmd_stats(&o);
		else if (!strcmp(cmd, "sync"))
			cmd_sync(&o, s);
		else if (!strcmp(cmd, "load"))
			cmd_load(s);
		else if (!strcmp(cmd, "fmr") || !strcmp(cmd, "drop"))
			cmd_edit(&o, s, cmd, arg);
		else if ((!strcmp(cmd, "out") || !strcmp(cmd, "in")) && arg)
			run_print(!strcmp(cmd, "out") ? o.prog_out : o.prog_in,
				  arg, in, out);
		else
			printf("bad command %s\n", cmd);
		fflush(stdout);
	}
	mesh_obj_free(&o);
	free(s);
	return 0;
}
