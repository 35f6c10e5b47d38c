/* SPDX-License-Identifier: MIT */
/* Conntrack entries our NAT44 made (conntrack.c says why they must go
 * when the NAT changes), deleted in steps of bounded time so that the
 * daemon's loop (and its watchdog) is never held for long: a table of
 * 65536 such entries is gone in a few hundred milliseconds of work, cut
 * into steps of a few milliseconds (bench/run-ct.sh measures both). */
#ifndef V6MIG_CONNTRACK_H
#define V6MIG_CONNTRACK_H

#include <netinet/in.h>
#include <stdbool.h>

#include "../tunnels/err.h"
#include "../tunnels/map.h"

/* How long one ctnetlink read may wait: the kernel answers while we
 * send (dumps and ACKs are made in the sender's context), so this only
 * bounds a kernel that does not; far below a systemd watchdog. */
#define CT_RECV_TIMEOUT_MS 1000u

struct ct_flush;

/* Begin deleting every IPv4 conntrack entry source-NATed to `to` (its
 * reply goes to `to`, its original source is another address), in this
 * network namespace: open the sockets, ask for the dump. keep (may be
 * NULL): the port set the NAT to `to` uses now -- entries whose NATed
 * port (or ICMP id) lies in it are still right and stay. 0 or -errno. */
int ct_flush_new(struct in_addr to, const struct portset *keep,
		 struct ct_flush **out, struct err *e);
/* Work for about budget_ms (at least one dump read and its deletes, at
 * most 16): read the dump, delete what it shows in batches. *done once the dump
 * has ended and every delete is acknowledged. 0 or -errno (the job is
 * over then; free it). */
int ct_flush_step(struct ct_flush *f, unsigned budget_ms, bool *done,
		  struct err *e);
/* Entries deleted so far; the address; the steps taken, and the longest
 * one in microseconds (for logs and the bench). */
unsigned ct_flush_deleted(const struct ct_flush *f);
struct in_addr ct_flush_addr(const struct ct_flush *f);
unsigned ct_flush_steps(const struct ct_flush *f, unsigned *max_step_us);
void ct_flush_free(struct ct_flush *f);

/* The whole job at once (tools, tests, and the daemon at exit).
 * *deleted (may be NULL): how many went. 0 or -errno. */
int ct_flush_snat(struct in_addr to, unsigned *deleted, struct err *e);

/* A ctnetlink request header for IPv4 in buf (MNL_SOCKET_BUFFER_SIZE):
 * type IPCTNL_MSG_CT_*, flags besides NLM_F_REQUEST (conntrack.c and
 * ctstat.c build on it). */
struct nlmsghdr;
struct nlmsghdr *ct_msg(char *buf, uint16_t type, uint16_t flags, uint32_t seq);

#endif
