/* SPDX-License-Identifier: MIT */
/* Inside the HB46PP validator: prov.c (top-level keys), prov_offer.c (the
 * six method objects) and prov_out.c (copy, compare, print) share these. */
#ifndef V6MIG_PROV_INT_H
#define V6MIG_PROV_INT_H

#include "jval.h"
#include "prov.h"

struct cJSON;

/* S9-S14: every method object in root into p. */
int prov_parse_offers(struct jctx *c, const struct cJSON *root,
		      struct prov *p);
/* Free one method's offer and mark it absent. */
void prov_offer_clear(struct prov *p, enum method m);

#endif
