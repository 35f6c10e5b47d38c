/* SPDX-License-Identifier: MIT */
/* How the kernel's extended-ACK text reaches our errors with libnl 3.7:
 * libnl 3.7 has no nl_socket_set_ext_ack() and drops the TLVs of an
 * NLMSG_ERROR (it hands the error callback only the struct nlmsgerr).
 * So we (1) turn NETLINK_EXT_ACK (and NETLINK_CAP_ACK, so the kernel does
 * not echo our request back) on with setsockopt() on nl_socket_get_fd(),
 * (2) install an NL_CB_MSG_IN callback, which libnl calls with every
 * received message before it dispatches it, and parse NLMSGERR_ATTR_MSG
 * out of NLMSG_ERROR messages there with nla_parse(), and (3) install an
 * error callback that keeps the real errno (libnl maps it to an NLE_*
 * code that loses it). Both are public libnl API. */
#include "nlutil.h"

#include <errno.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <string.h>
#include <sys/socket.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

int nle_errno(int nle)
{
	switch (nle < 0 ? -nle : nle) {
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_MSGSIZE:
		return -EMSGSIZE;
	case NLE_INVAL:
	case NLE_MISSING_ATTR:
		return -EINVAL;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_OBJ_NOTFOUND:
	case NLE_NODEV:
		return -ENODEV;
	case NLE_PERM:
		return -EPERM;
	case NLE_BUSY:
		return -EBUSY;
	case NLE_AGAIN:
	case NLE_DUMP_INTR:
		return -EAGAIN;
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	default:
		return -EIO;
	}
}

void nl_ext_ack_text(const struct nlmsghdr *h, char *buf, size_t size)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	const struct nlmsgerr *err = NLMSG_DATA(h);
	size_t off, len;

	buf[0] = '\0';
	if (h->nlmsg_type != NLMSG_ERROR || !(h->nlmsg_flags & NLM_F_ACK_TLVS) ||
	    h->nlmsg_len < NLMSG_LENGTH(sizeof(*err)))
		return;
	/* The TLVs follow the nlmsgerr and, unless capped, the echo of our
	 * request's payload (netlink_ack() in net/netlink/af_netlink.c). */
	off = sizeof(*err);
	if (!(h->nlmsg_flags & NLM_F_CAPPED)) {
		if (err->msg.nlmsg_len < NLMSG_HDRLEN)
			return;
		off += err->msg.nlmsg_len - NLMSG_HDRLEN;
	}
	off = NLMSG_ALIGN(off);
	if (NLMSG_LENGTH(off) >= h->nlmsg_len)
		return;
	len = h->nlmsg_len - NLMSG_LENGTH(off);
	if (nla_parse(tb, NLMSGERR_ATTR_MAX,
		      (struct nlattr *)((char *)NLMSG_DATA(h) + off), (int)len,
		      NULL) < 0 || !tb[NLMSGERR_ATTR_MSG])
		return;
	nla_strlcpy(buf, tb[NLMSGERR_ATTR_MSG], size);
}

static int on_msg_in(struct nl_msg *msg, void *arg)
{
	struct nlconn *c = arg;
	const struct nlmsghdr *h = nlmsg_hdr(msg);

	if (h->nlmsg_type == NLMSG_ERROR &&
	    h->nlmsg_len >= NLMSG_LENGTH(sizeof(struct nlmsgerr)) &&
	    ((const struct nlmsgerr *)NLMSG_DATA(h))->error)
		nl_ext_ack_text(h, c->ack_text, sizeof(c->ack_text));
	return NL_OK;
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *err, void *arg)
{
	struct nlconn *c = arg;

	(void)nla;
	c->ack_errno = -err->error;
	return NL_STOP;
}

int nlconn_open(struct nlconn *c, struct err *e)
{
	int one = 1, fd, rc;

	memset(c, 0, sizeof(*c));
	if (!(c->sk = nl_socket_alloc()))
		return err_set(e, ENOMEM, "netlink: out of memory");
	if ((rc = nl_connect(c->sk, NETLINK_ROUTE)) < 0) {
		nl_socket_free(c->sk);
		c->sk = NULL;
		return err_set(e, -nle_errno(rc), "netlink: connect: %s",
			       nl_geterror(rc));
	}
	fd = nl_socket_get_fd(c->sk);
	/* Best effort: kernels before 4.12 have no extended ACK. */
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	nl_socket_modify_cb(c->sk, NL_CB_MSG_IN, NL_CB_CUSTOM, on_msg_in, c);
	nl_socket_modify_err_cb(c->sk, NL_CB_CUSTOM, on_error, c);
	return 0;
}

void nlconn_close(struct nlconn *c)
{
	if (c && c->sk) {
		nl_socket_free(c->sk);
		c->sk = NULL;
	}
}

int nlconn_talk(struct nlconn *c, struct nl_msg *msg, const char *what,
		struct err *e)
{
	int rc, errnum;

	c->ack_errno = 0;
	c->ack_text[0] = '\0';
	rc = nl_send_sync(c->sk, msg);
	if (rc >= 0)
		return 0;
	errnum = c->ack_errno ? c->ack_errno : -nle_errno(rc);
	if (c->ack_text[0])
		return err_set(e, errnum, "%s: %s (kernel: %s)", what,
			       strerror(errnum), c->ack_text);
	return err_set(e, errnum, "%s: %s", what, strerror(errnum));
}

/* ---- addresses, raw --------------------------------------------------------- */

int nladdr_parse(const struct nlmsghdr *h, struct nladdr *out)
{
	struct nlattr *tb[IFA_MAX + 1];
	const struct ifaddrmsg *ifa;
	struct nlattr *local;

	if ((h->nlmsg_type != RTM_NEWADDR && h->nlmsg_type != RTM_DELADDR) ||
	    nlmsg_parse((struct nlmsghdr *)h, sizeof(*ifa), tb, IFA_MAX, NULL) < 0)
		return -EINVAL;
	ifa = NLMSG_DATA(h);
	/* IFA_LOCAL is ours on point-to-point; IFA_ADDRESS is the peer. */
	local = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!local)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->ifindex = (int)ifa->ifa_index;
	out->family = ifa->ifa_family;
	out->plen = ifa->ifa_prefixlen;
	out->scope = ifa->ifa_scope;
	out->flags = tb[IFA_FLAGS] ? nla_get_u32(tb[IFA_FLAGS]) : ifa->ifa_flags;
	out->proto = tb[IFA_PROTO] ? nla_get_u8(tb[IFA_PROTO]) : 0;
	if (ifa->ifa_family == AF_INET6 && nla_len(local) == 16)
		memcpy(&out->v6, nla_data(local), 16);
	else if (ifa->ifa_family == AF_INET && nla_len(local) == 4)
		memcpy(&out->v4, nla_data(local), 4);
	else
		return -EINVAL;
	return 0;
}

struct dump_arg {
	int (*fn)(const struct nladdr *a, void *arg);
	void *arg;
	int rc;
};

/* Once fn has said stop, the rest of the dump is still read (and
 * skipped) up to NLMSG_DONE: a dump left half-read stays queued on the
 * socket, and the next request on it would read those messages as its
 * answer (issue 11 item 15). */
static int on_addr(struct nl_msg *msg, void *arg)
{
	struct dump_arg *d = arg;
	struct nladdr a;

	if (d->rc != 0 || nladdr_parse(nlmsg_hdr(msg), &a) != 0)
		return NL_SKIP;
	d->rc = d->fn(&a, d->arg);
	return NL_SKIP;
}

static int dump_once(struct nlconn *c, struct dump_arg *d)
{
	struct ifaddrmsg ifa = { .ifa_family = AF_UNSPEC };
	struct nl_cb *base = nl_socket_get_cb(c->sk), *cb;
	int rc;

	cb = nl_cb_clone(base);
	nl_cb_put(base);
	if (!cb)
		return -NLE_NOMEM;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_addr, d);
	rc = nl_send_simple(c->sk, RTM_GETADDR, NLM_F_DUMP, &ifa, sizeof(ifa));
	if (rc >= 0)
		rc = nl_recvmsgs(c->sk, cb);
	nl_cb_put(cb);
	return rc;
}

int nlconn_dump_addrs(struct nlconn *c,
		      int (*fn)(const struct nladdr *a, void *arg),
		      void *arg, struct err *e)
{
	struct dump_arg d = { fn, arg, 0 };
	int rc = dump_once(c, &d);

	if (d.rc)
		return d.rc;
	/* An interrupted dump (NLM_F_DUMP_INTR) is -EAGAIN: the caller
	 * starts its whole read again. */
	if (rc < 0)
		return err_set(e, -nle_errno(rc), "netlink: address dump: %s",
			       nl_geterror(rc));
	return 0;
}

struct one_addr {
	struct nladdr *out;
	bool found;
};

static int on_one_addr(struct nl_msg *msg, void *arg)
{
	struct one_addr *o = arg;

	if (nladdr_parse(nlmsg_hdr(msg), o->out) == 0)
		o->found = true;
	return NL_SKIP;
}

int nlconn_get_addr6(struct nlconn *c, int ifindex, const struct in6_addr *a,
		     struct nladdr *out, struct err *e)
{
	struct ifaddrmsg ifa = { .ifa_family = AF_INET6,
				 .ifa_index = (uint32_t)ifindex };
	struct nl_cb *base = nl_socket_get_cb(c->sk), *cb;
	struct one_addr o = { out, false };
	struct nl_msg *msg;
	int rc;

	cb = nl_cb_clone(base);
	nl_cb_put(base);
	msg = nlmsg_alloc_simple(RTM_GETADDR, 0);
	if (!cb || !msg || nlmsg_append(msg, &ifa, sizeof(ifa), NLMSG_ALIGNTO) < 0 ||
	    nla_put(msg, IFA_ADDRESS, sizeof(*a), a) < 0) {
		nlmsg_free(msg);
		if (cb)
			nl_cb_put(cb);
		return err_set(e, ENOMEM, "netlink: out of memory");
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_one_addr, &o);
	c->ack_errno = 0;
	rc = nl_send_auto(c->sk, msg);
	nlmsg_free(msg);
	/* The answer (or the kernel's error in its place), then, after an
	 * answer, the ACK that NLM_F_ACK asked for: read both, so nothing of
	 * this request stays queued on the long-lived socket. */
	if (rc >= 0)
		rc = nl_recvmsgs(c->sk, cb);
	if (rc >= 0 && o.found)
		rc = nl_wait_for_ack(c->sk);
	nl_cb_put(cb);
	if (rc < 0 || !o.found) {
		int errnum = c->ack_errno ? c->ack_errno :
			     rc < 0 ? -nle_errno(rc) : ENOENT;

		return err_set(e, errnum, "netlink: reading one address: %s",
			       strerror(errnum));
	}
	return 0;
}
