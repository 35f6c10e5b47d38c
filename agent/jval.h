/* SPDX-License-Identifier: MIT */
/* Typed reads out of a cJSON tree for the HB46PP validator (prov.c).
 * Every failure names the key path and the value, e.g.
 * `map_e.rules[3].ea_length: 49 is more than 48`. Pure: no I/O. */
#ifndef V6MIG_JVAL_H
#define V6MIG_JVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../tunnels/addr.h"
#include "../tunnels/err.h"

struct cJSON;

#define JPATH_MAX 96

/* One parse: where errors and warnings go. */
struct jctx {
	struct err *e;
	struct err *warn; /* NULL: warnings dropped */
};

/* "parent.key" (or "key" at the top) into buf of JPATH_MAX bytes. */
const char *jpath_key(char *buf, const char *parent, const char *key);
/* "parent[i]". */
const char *jpath_idx(char *buf, const char *parent, size_t i);

/* Append a warning ("; " between several). */
void jwarn(struct jctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The member `key` of obj (case-sensitive). *out is NULL when the key is
 * absent or its value is JSON null (both mean "not given"). A key given
 * twice is refused: RFC 8259 4 leaves the meaning open, and two parsers
 * must not read two different answers out of one body. */
int jget(struct jctx *c, const struct cJSON *obj, const char *path,
	 const char *key, const struct cJSON **out);

/* An integer in [min, max]. A number sent as a decimal string ("25") is
 * accepted with a warning (real-responses.md). */
int jint(struct jctx *c, const struct cJSON *v, const char *path,
	 int64_t min, int64_t max, int64_t *out);
/* An integer with no upper bound check (ttl clamps, not refuses). */
int jint_any(struct jctx *c, const struct cJSON *v, const char *path,
	     int64_t *out);
/* true/false or 0/1 (S9 version and mesh). */
int jbool01(struct jctx *c, const struct cJSON *v, const char *path,
	    bool *out);
/* A string; *out points into the cJSON tree. */
int jstr(struct jctx *c, const struct cJSON *v, const char *path,
	 const char **out);
/* A display name (S4): UTF-8, no control characters, at most max_bytes
 * of content; copied into out (max_bytes + 1 bytes). */
int jname(struct jctx *c, const struct cJSON *v, const char *path,
	  size_t max_bytes, char *out);

int jv6addr(struct jctx *c, const struct cJSON *v, const char *path,
	    struct in6_addr *out);
/* "addr/len" with no bits set after len. */
int jv6pfx(struct jctx *c, const struct cJSON *v, const char *path,
	   struct v6pfx *out);
int jv4addr(struct jctx *c, const struct cJSON *v, const char *path,
	    struct in_addr *out);
int jv4pfx(struct jctx *c, const struct cJSON *v, const char *path,
	   struct v4pfx *out);

/* The value for a message: "\"text\"" (escaped, shortened), 12, true,
 * an object, ... into buf of JDESC_MAX bytes. */
#define JDESC_MAX 80
const char *jdesc(const struct cJSON *v, char *buf);

/* RFC 3629 UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
bool utf8_valid(const char *s, size_t n);
/* Does the JSON text hold a NUL escape (backslash u0000) inside a
 * string? cJSON would cut the string there without telling, so such a
 * body is refused. */
bool json_has_nul_escape(const char *json, size_t len);

#endif
