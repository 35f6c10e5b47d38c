/* SPDX-License-Identifier: MIT */
/* The translator's counters as JSON, for `xlat stats` and `status`. */
#ifndef V6MIG_XLATSTATS_H
#define V6MIG_XLATSTATS_H

#include "../tunnels/err.h"

struct cJSON;
/* {"out_ok": n, ...} read from the programs on wan; NULL with e set when
 * there is none (or no right to read them). */
struct cJSON *xlat_counters_json(const char *wan, struct err *e);

#endif
