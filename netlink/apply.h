/* SPDX-License-Identifier: MIT */
/* Reconcile: put a struct plan into the kernel as the smallest change,
 * touching only what we own (backend.h), and take it out again.
 *
 *   same plan twice      -> zero writes (apply_stats.writes == 0)
 *   changed plan         -> only the difference; a changed link attribute
 *                           is one change message carrying every attribute
 *   restarted agent      -> adopts what it made (ownership record below)
 *   a write refused      -> every write made so far is undone in reverse
 *                           order: the kernel is back in the previous state
 *
 * The ownership record is RUN_DIR/owned.json, written atomically (write,
 * fsync, rename). It is written before the first write (covering both the
 * old and the new objects, so a crash mid-way still leaves a record of all
 * we may have added) and again, exact, after the last. */
#ifndef V6MIG_APPLY_H
#define V6MIG_APPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "../tunnels/err.h"
#include "../tunnels/plan.h"
#include "backend.h"

#define RECORD_FILE "owned.json"
#define RECORD_MAX_ADDRS 16

/* What we own that the kernel cannot tell us: addresses we added on
 * interfaces that are not ours, and what our nftables table holds. */
struct own_record {
	bool has_method;
	enum method method;
	struct kaddr addrs[RECORD_MAX_ADDRS];
	size_t n_addrs;
	char xlat_wan[IFNAMSIZ];    /* our translator filter is on its
	                             * ingress ("": none) */
	char mesh_wan[IFNAMSIZ];    /* our mesh filter is on its ingress */
	bool nft;                   /* our table holds nat and filter */
	struct plan_nat nat;
	struct plan_filter filter;
};

/* found = false (and out empty) when there is no record. A record that
 * cannot be read is an error naming the file: we do not guess ownership. */
int record_load(const char *run_dir, struct own_record *out, bool *found,
		struct err *e);
/* Atomic (temp file, fsync, rename, fsync of the directory); creates
 * run_dir (0755) when missing. */
int record_save(const char *run_dir, const struct own_record *r,
		struct err *e);
/* Removes the record; no record is not an error. */
int record_remove(const char *run_dir, struct err *e);
/* Record <-> JSON text (malloc'd / parsed), for tests and status. */
char *record_to_json(const struct own_record *r);
int record_from_json(const char *text, struct own_record *out,
		     struct err *e);

struct apply_stats {
	unsigned writes;      /* backend writes, including any undo */
	unsigned undone;      /* writes undone after a failure */
	bool rolled_back;     /* a failure was met and undone */
};

/* Make the kernel hold p. 0 when it does (read back and compared). On
 * failure, the previous state is restored and e says what was refused
 * (and, if an undo step failed too, that as well). st may be NULL. */
int apply_plan(const struct backend *be, const char *run_dir,
	       const struct plan *p, struct apply_stats *st, struct err *e);

/* Remove exactly what we own, then the record. */
int apply_down(const struct backend *be, const char *run_dir,
	       struct apply_stats *st, struct err *e);

#endif
