/* SPDX-License-Identifier: MIT */
/* Text that came from outside (a TXT record, a Location header, names in
 * the provisioning data, a server's echo) on its way to a log, a status
 * file or a terminal: one escaping for all of them, so no control byte
 * (C0, DEL, C1: an ESC or CSI that a terminal or a log viewer acts on)
 * and no broken UTF-8 ever leaves the agent raw. Pure, no I/O. */
#ifndef V6MIG_TEXTESC_H
#define V6MIG_TEXTESC_H

#include <stdbool.h>
#include <stddef.h>

/* Escape the backslash too (as \x5c), so the result reads back without
 * ambiguity; off for whole log lines, whose own text is trusted. */
#define TEXT_ESC_BACKSLASH 1u

/* s[0..len) into buf: printable ASCII and well-formed UTF-8 of U+00A0 and
 * above as they are; every other byte (C0, DEL, the C1 range U+0080-
 * U+009F, a byte of broken or overlong UTF-8) as \xNN. Cut with "..."
 * when buf is short (size >= 4); always NUL-terminated. Returns buf. */
char *text_escape(const char *s, size_t len, char *buf, size_t size,
		  unsigned flags);
/* Does s[0..len) need text_escape (0 flags)? */
bool text_is_clean(const char *s, size_t len);

#endif
