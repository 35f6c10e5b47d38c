/* SPDX-License-Identifier: MIT */
/* HB46PP 3.5: the last good provisioning data and the token on disk (P1),
 * and a way to erase them (P2). The only I/O of the HB46PP core, kept
 * apart from the pure parts.
 *
 * Files in the state directory (default CONFIG_STATE_DIR):
 *   provisioning.json  the normalized data (prov_to_json), mode 0600
 *   token              the 64 hex digits of S6 and a newline, mode 0600
 * Each is replaced atomically: written to a temporary file in the same
 * directory, fsync()ed, rename()d over the old one, and the directory
 * fsync()ed; a crash leaves the old file or the new one, never half of
 * one. What is read back is validated again (prov_parse), so a damaged
 * file is refused and reported, never trusted. */
#ifndef V6MIG_STORE_H
#define V6MIG_STORE_H

#include <time.h>

#include "prov.h"

#define STORE_PROV_FILE "provisioning.json"
#define STORE_TOKEN_FILE "token"
#define STORE_MAX_BYTES (1024 * 1024) /* as the fetch limit */

/* CONFIG_STATE_DIR from the build configuration. */
const char *store_default_dir(void);

/* Save p (0 or -errno). The directory is created (0700) when missing;
 * its parent must exist. */
int store_save_prov(const char *dir, const struct prov *p, struct err *e);
/* Load and validate: 0, -ENOENT when nothing is stored, -EBADMSG when
 * the file is damaged or invalid (e says why), other -errno. mtime (may
 * be NULL) receives when it was saved. out is untouched on failure. */
int store_load_prov(const char *dir, struct prov *out, time_t *mtime,
		    struct err *e);

int store_save_token(const char *dir, const char *token, struct err *e);
/* out: PROV_TOKEN_LEN + 1 bytes. Same returns as store_load_prov. */
int store_load_token(const char *dir, char *out, struct err *e);

/* What the sequence's STORE action asks: the data, and its token when it
 * carries one (a later answer without a token keeps the stored one). */
int store_save_answer(const char *dir, const struct prov *p, struct err *e);

/* P2: remove both files and any temporary file a crash left behind.
 * Returns how many files were removed (0 when there was nothing), or
 * -errno. A missing directory holds nothing. */
int store_erase(const char *dir, struct err *e);

#endif
