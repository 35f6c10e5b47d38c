/* SPDX-License-Identifier: MIT */
/* mesh_ctl: the mesh loader on real devices, for the namespace tests
 * (tests/ns/test_mesh_e2e.sh). Test-only.
 *   mesh_ctl apply WAN DEV [spec options, see meshspec.h]
 *       -> "attached=N cfg=N added=N deleted=N"
 *   mesh_ctl stats WAN    -> "name=value ..." (the non-zero counters)
 *   mesh_ctl remove WAN DEV
 * Exit 0, or 1 with the loader's message on stderr. */
#include <net/if.h>

#include "../../netlink/mesh.h"
#include "meshspec.h"

static unsigned ifx(const char *name)
{
	unsigned i = if_nametoindex(name);

	if (!i)
		fprintf(stderr, "mesh_ctl: no device %s\n", name);
	return i;
}

static int do_stats(unsigned wan)
{
	uint64_t v[MESH_STAT_MAX];
	struct err e = { "" };

	if (mesh_read_stats(wan, v, &e)) {
		fprintf(stderr, "mesh_ctl: %s\n", e.msg);
		return 1;
	}
	for (unsigned k = 0; k < MESH_STAT_MAX; k++)
		if (v[k])
			printf("%s=%llu ", mesh_stat_name((enum mesh_stat)k),
			       (unsigned long long)v[k]);
	printf("\n");
	return 0;
}

int main(int argc, char **argv)
{
	struct mesh_spec *s;
	struct mesh_writes w;
	struct err e = { "" };
	unsigned wan, dev = 0;
	int rc;

	if (argc < 3)
		return usage("command");
	wan = ifx(argv[2]);
	if (!wan)
		return 1;
	if (!strcmp(argv[1], "stats"))
		return do_stats(wan);
	if (argc < 4 || !(dev = ifx(argv[3])))
		return usage("DEV");
	if (!strcmp(argv[1], "remove")) {
		rc = mesh_remove(wan, dev, &e);
		if (rc)
			fprintf(stderr, "mesh_ctl: %s\n", e.msg);
		return rc ? 1 : 0;
	}
	if (strcmp(argv[1], "apply"))
		return usage(argv[1]);
	s = calloc(1, sizeof(*s));
	if (!s)
		return 1;
	rc = meshspec_parse(argc, argv, 4, s);
	if (!rc && mesh_apply(wan, dev, s, &w, &e)) {
		fprintf(stderr, "mesh_ctl: %s\n", e.msg);
		rc = 1;
	} else if (!rc) {
		printf("attached=%u cfg=%u added=%u deleted=%u\n", w.attached,
		       w.cfg, w.fmr_added, w.fmr_deleted);
	}
	free(s);
	return rc;
}
