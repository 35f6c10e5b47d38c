/* SPDX-License-Identifier: MIT */
/* Telling the service manager what we are doing (sd_notify(3)): READY=1
 * after the first decision, STATUS= lines, WATCHDOG=1 from the event
 * loop, STOPPING=1 on the way out.
 *
 * With CONFIG_SYSTEMD this goes through libsystemd; without, through the
 * documented datagram protocol written here (one AF_UNIX SOCK_DGRAM
 * datagram to $NOTIFY_SOCKET, a path or an '@' abstract name). Both give
 * the same results, which tests/unit/test_notify.c checks in both builds.
 * No manager ($NOTIFY_SOCKET unset) is not an error. */
#ifndef V6MIG_NOTIFY_H
#define V6MIG_NOTIFY_H

#include <stdint.h>

/* Each returns 1 when the message was sent, 0 when there is no manager to
 * tell, -errno when $NOTIFY_SOCKET is malformed (empty, relative, too
 * long) or the send failed. */
int notify_ready(void);
int notify_stopping(void);
int notify_watchdog(void);
/* "STATUS=<text>"; a newline in the text becomes a space (a newline
 * would start another assignment); longer than 255 bytes is cut. */
int notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The manager's watchdog: 1 and *us = WATCHDOG_USEC when it expects
 * WATCHDOG=1 from this process (WATCHDOG_PID absent or ours), 0 when not
 * (*us untouched), -EINVAL when either variable is malformed. Send
 * WATCHDOG=1 every *us / 2 (sd_watchdog_enabled(3)). */
int notify_watchdog_interval_us(uint64_t *us);

/* "libsystemd" or "datagram": which of the two this build uses. */
const char *notify_backend(void);

#endif
