/* SPDX-License-Identifier: MIT */
/* What plan, apply and the daemon share between validated provisioning and
 * a plan: reading a provisioning file (S8's fixed mode), choosing the
 * method, and the name the method needs resolved first. */
#ifndef V6MIG_OFFER_H
#define V6MIG_OFFER_H

#include <stdbool.h>

#include "../tunnels/err.h"
#include "../tunnels/method.h"
#include "prov.h"

#define OFFER_FILE_MAX (1024 * 1024) /* as the fetch limit */

/* Read path ("-": stdin) and validate it; e names the file and the bad
 * value; warnings (if any) land in warn. */
int offer_load(const char *path, struct prov *p, struct err *e,
	       struct err *warn);
/* The fixed method when fixed >= 0 (S8 SHOULD), else the first entry of
 * order this build has. -1 with e saying why (order [] (S2), nothing
 * of order in this build). */
int offer_choose(const struct prov *p, int fixed, struct err *e);
/* The DS-Lite AFTR or lw4o6 lwAFTR *name* method m needs resolved
 * (AAAA, T2) before it can be planned, or NULL (a literal, or none). */
const char *offer_peer_name(const struct prov *p, enum method m);

#endif
