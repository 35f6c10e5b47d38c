/* SPDX-License-Identifier: MIT */
/* libnl plumbing shared by rtnl.c, facts.c and watch.c: a NETLINK_ROUTE
 * socket that keeps the kernel's errno and extended-ACK text for the
 * last refusal, and a raw address dump that also sees IFA_PROTO and
 * IFA_FLAGS (libnl 3.7's rtnl_addr knows neither the former nor the
 * 32-bit flags in every path). */
#ifndef V6MIG_NLUTIL_H
#define V6MIG_NLUTIL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../tunnels/err.h"

struct nl_sock;
struct nl_msg;
struct nlmsghdr;

#define NL_ACK_TEXT_MAX 256

struct nlconn {
	struct nl_sock *sk;
	int ack_errno;                  /* errno of the last refusal */
	char ack_text[NL_ACK_TEXT_MAX]; /* its NLMSGERR_ATTR_MSG, or "" */
};

/* Connect, and ask for extended ACKs (NETLINK_EXT_ACK) with capped
 * echoes (NETLINK_CAP_ACK). 0 or -errno. */
int nlconn_open(struct nlconn *c, struct err *e);
void nlconn_close(struct nlconn *c);

/* Send msg (always freed) and wait for its ACK. On refusal: -errno, and
 * e = "what: strerror (kernel: extended-ACK text)". */
int nlconn_talk(struct nlconn *c, struct nl_msg *msg, const char *what,
		struct err *e);

/* libnl's negative NLE_* code as a negative errno. */
int nle_errno(int nle);

/* The extended-ACK text of an NLMSG_ERROR message, "" when none. */
void nl_ext_ack_text(const struct nlmsghdr *h, char *buf, size_t size);

struct nladdr {
	int ifindex;
	int family;                     /* AF_INET or AF_INET6 */
	uint8_t plen, scope, proto;     /* proto: IFA_PROTO, 0 if absent */
	uint32_t flags;                 /* IFA_FLAGS, else ifa_flags */
	struct in6_addr v6;
	struct in_addr v4;
};

/* An RTM_NEWADDR/RTM_DELADDR message; -EINVAL if it is not one. */
int nladdr_parse(const struct nlmsghdr *h, struct nladdr *out);

/* Dump every address (both families); fn returns 0 to go on or -errno
 * to stop with that error. -EAGAIN when the dump was interrupted by a
 * change (NLM_F_DUMP_INTR): read again. */
int nlconn_dump_addrs(struct nlconn *c,
		      int (*fn)(const struct nladdr *a, void *arg),
		      void *arg, struct err *e);

/* The one IPv6 address a on ifindex as the kernel holds it (RTM_GETADDR
 * without NLM_F_DUMP: inet6_rtm_getaddr answers with that address alone,
 * so no concurrent change can interrupt it). -EADDRNOTAVAIL: not there. */
int nlconn_get_addr6(struct nlconn *c, int ifindex, const struct in6_addr *a,
		     struct nladdr *out, struct err *e);

#endif
