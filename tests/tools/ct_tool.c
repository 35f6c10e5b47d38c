/* SPDX-License-Identifier: MIT */
/* ct_tool: netlink/conntrack.c for tests/ns/test_conntrack.sh. Test-only.
 *
 *   ct_tool flush-snat IPV4    prints "deleted N" */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "../../netlink/conntrack.h"

int main(int argc, char **argv)
{
	struct in_addr a;
	unsigned n = 0;
	struct err e;

	if (argc != 3 || strcmp(argv[1], "flush-snat") || inet_pton(AF_INET, argv[2], &a) != 1) {
		fputs("usage: ct_tool flush-snat IPV4\n", stderr);
		return 2;
	}
	if (ct_flush_snat(a, &n, &e) < 0) {
		fprintf(stderr, "ct_tool: %s\n", e.msg);
		return 1;
	}
	printf("deleted %u\n", n);
	return 0;
}
