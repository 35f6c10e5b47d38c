/* SPDX-License-Identifier: MIT */
/* The mesh spec from command-line options, for the test tools mesh_run
 * and mesh_ctl (header-only: every tool in tests/tools is one program).
 *   --v4 A  --local6 A  --br A  --psid OFFSET/LEN/PSID  --version 0|1
 *   --fmr V4/LEN,V6/LEN,EA,OFFSET (repeatable, up to 256)
 *   --wan N  --dev N  --mac XX:..:XX  --decap-pop  --br-mode */
#ifndef V6MIG_MESHSPEC_H
#define V6MIG_MESHSPEC_H

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../netlink/mesh.h"
#include "../../tunnels/addr.h"

static inline int usage(const char *what)
{
	fprintf(stderr, "mesh tool: bad argument: %s\n", what);
	return 2;
}

/* V4/LEN,V6/LEN,EA,OFFSET */
static inline int parse_fmr(const char *arg, struct mesh_fmr *r)
{
	char s[160], *v4, *v6, *ea, *off;
	struct v4pfx p4;
	struct v6pfx p6;

	snprintf(s, sizeof(s), "%s", arg);
	v4 = strtok(s, ",");
	v6 = strtok(NULL, ",");
	ea = strtok(NULL, ",");
	off = strtok(NULL, ",");
	memset(r, 0, sizeof(*r));
	if (!v4 || !v6 || !ea || !off || v4pfx_parse(v4, false, &p4) ||
	    v6pfx_parse(v6, false, &p6))
		return -1;
	memcpy(r->v4, &p4.addr, 4);
	r->v4_len = p4.len;
	memcpy(r->v6, &p6.addr, 16);
	r->v6_len = p6.len;
	r->ea_len = (uint8_t)atoi(ea);
	r->psid_offset = (uint8_t)atoi(off);
	r->psid_len = (uint8_t)(r->ea_len - (32 - r->v4_len));
	return 0;
}

static inline int parse_opt(const char *k, const char *v, struct mesh_spec *s)
{
	struct mesh_cfg *c = &s->cfg;
	unsigned a, b, d, m[6];

	if (!strcmp(k, "--v4"))
		return inet_pton(AF_INET, v, &c->v4_addr) == 1 ? 0 : -1;
	if (!strcmp(k, "--local6"))
		return inet_pton(AF_INET6, v, c->local6) == 1 ? 0 : -1;
	if (!strcmp(k, "--br"))
		return inet_pton(AF_INET6, v, c->br6) == 1 ? 0 : -1;
	if (!strcmp(k, "--version")) {
		c->iid_v4off = atoi(v) == 0 ? 9 : 10;
		return 0;
	}
	if (!strcmp(k, "--psid")) {
		if (sscanf(v, "%u/%u/%u", &a, &b, &d) != 3)
			return -1;
		c->psid_offset = (uint8_t)a;
		c->psid_len = (uint8_t)b;
		c->psid = (uint16_t)d;
		return 0;
	}
	if (!strcmp(k, "--fmr"))
		return s->n_fmr >= MESH_FMR_MAX ? -1 :
		       parse_fmr(v, &s->fmr[s->n_fmr++]);
	if (!strcmp(k, "--wan"))
		c->wan_ifindex = (uint32_t)atoi(v);
	else if (!strcmp(k, "--dev"))
		c->dev_ifindex = (uint32_t)atoi(v);
	else if (!strcmp(k, "--mac")) {
		if (sscanf(v, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3],
			   &m[4], &m[5]) != 6)
			return -1;
		for (int j = 0; j < 6; j++)
			c->dev_mac[j] = (uint8_t)m[j];
	} else
		return -1;
	return 0;
}

/* argv[first..] into s; 0 or 2 (usage). */
static inline int meshspec_parse(int argc, char **argv, int first,
				 struct mesh_spec *s)
{
	s->cfg.mode = MESH_MODE_ON;
	s->cfg.iid_v4off = 10;
	s->cfg.hop_limit = MESH_HOP_LIMIT;
	for (int i = first; i < argc; i++) {
		if (!strcmp(argv[i], "--decap-pop")) {
			s->cfg.flags |= MESH_F_DECAP_POP;
			continue;
		}
		if (!strcmp(argv[i], "--br-mode")) {
			s->cfg.flags |= MESH_F_BR;
			continue;
		}
		if (i + 1 >= argc || parse_opt(argv[i], argv[i + 1], s))
			return usage(argv[i]);
		i++;
	}
	return 0;
}

#endif
