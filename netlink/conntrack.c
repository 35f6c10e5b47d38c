/* SPDX-License-Identifier: MIT */
/* Conntrack entries our NAT44 made, dropped when that NAT changes or goes
 * (ctnetlink over libmnl). A NAT mapping is fixed in the conntrack entry
 * when a flow starts: after the CE's IPv4 address or port set changes
 * (HB46PP Q6, new data), a flow that started before keeps leaving with the
 * old address and port, which the BR now drops as spoofed (RFC 7597 8.1)
 * -- a long-lived UDP flow or a continuous ping would stay dead for as
 * long as it keeps the entry alive. Linux does the same for masquerade
 * when an address goes (nf_nat_masquerade); our NAT is an snat to the
 * port set, so we do it ourselves: every entry whose reply goes to the
 * old external address while its original source is another one (it was
 * source-NATed to that address) is deleted; the next packet of the flow
 * makes a new entry under the new rule. Entries of anybody else (not
 * NATed to that address) are not touched. */
#include "conntrack.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define CT_MAX_DELETE 65536u   /* entries per flush: a bound, not a limit seen */
#define CT_TUPLE_MAX 256       /* bytes of one CTA_TUPLE_ORIG, generous */

struct ct_victim {
	uint16_t len;
	uint8_t tuple[CT_TUPLE_MAX]; /* the CTA_TUPLE_ORIG payload, verbatim */
	bool has_zone;
	uint16_t zone;
};

struct ct_scan {
	struct in_addr to;
	struct ct_victim *v;
	size_t n, cap;
	int err;
};

/* The IPv4 source or destination of a CTA_TUPLE_* nest; false when absent. */
static bool tuple_v4(const struct nlattr *tuple, int which, uint32_t *out)
{
	const struct nlattr *ip, *a;

	mnl_attr_for_each_nested(ip, tuple) {
		if (mnl_attr_get_type(ip) != CTA_TUPLE_IP)
			continue;
		mnl_attr_for_each_nested(a, ip) {
			if (mnl_attr_get_type(a) == which &&
			    mnl_attr_get_payload_len(a) == 4) {
				memcpy(out, mnl_attr_get_payload(a), 4);
				return true;
			}
		}
	}
	return false;
}

static int keep_victim(struct ct_scan *s, const struct nlattr *orig,
		       const struct nlattr *zone)
{
	struct ct_victim *v;

	if (mnl_attr_get_payload_len(orig) > CT_TUPLE_MAX || s->n >= CT_MAX_DELETE)
		return MNL_CB_OK; /* cannot happen with IPv4 tuples; skip */
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct ct_victim *nv = realloc(s->v, cap * sizeof(*nv));

		if (!nv) {
			s->err = -ENOMEM;
			return MNL_CB_ERROR;
		}
		s->v = nv;
		s->cap = cap;
	}
	v = &s->v[s->n++];
	v->len = (uint16_t)mnl_attr_get_payload_len(orig);
	memcpy(v->tuple, mnl_attr_get_payload(orig), v->len);
	v->has_zone = zone && mnl_attr_get_payload_len(zone) == 2;
	v->zone = v->has_zone ? mnl_attr_get_u16(zone) : 0;
	return MNL_CB_OK;
}

static int on_entry(const struct nlmsghdr *nlh, void *data)
{
	struct ct_scan *s = data;
	const struct nlattr *a, *orig = NULL, *reply = NULL, *zone = NULL;
	uint32_t osrc, rdst;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		switch (mnl_attr_get_type(a)) {
		case CTA_TUPLE_ORIG:
			orig = a;
			break;
		case CTA_TUPLE_REPLY:
			reply = a;
			break;
		case CTA_ZONE:
			zone = a;
			break;
		}
	}
	if (!orig || !reply || !tuple_v4(orig, CTA_IP_V4_SRC, &osrc) ||
	    !tuple_v4(reply, CTA_IP_V4_DST, &rdst))
		return MNL_CB_OK;
	/* Source-NATed to the address: replies go to it, the flow did not
	 * start from it. */
	if (rdst != s->to.s_addr || osrc == s->to.s_addr)
		return MNL_CB_OK;
	return keep_victim(s, orig, zone);
}

static struct nlmsghdr *ct_msg(char *buf, uint16_t type, uint16_t flags,
			       uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *g;

	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = AF_INET;
	g->version = NFNETLINK_V0;
	g->res_id = 0;
	return nlh;
}

/* Send nlh and run the answers through cb until the kernel is done. */
static int ct_talk(struct mnl_socket *nl, struct nlmsghdr *nlh, char *buf,
		   size_t size, mnl_cb_t cb, void *data)
{
	uint32_t portid = mnl_socket_get_portid(nl), seq = nlh->nlmsg_seq;
	ssize_t n;
	int rc;

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(nl, buf, size);
		if (n < 0)
			return -errno;
		rc = mnl_cb_run(buf, (size_t)n, seq, portid, cb, data);
	} while (rc == MNL_CB_OK);
	return rc < 0 ? -errno : 0;
}

static int delete_one(struct mnl_socket *nl, const struct ct_victim *v,
		      uint32_t seq, char *buf, size_t size)
{
	struct nlmsghdr *nlh = ct_msg(buf, IPCTNL_MSG_CT_DELETE, NLM_F_ACK, seq);
	int rc;

	mnl_attr_put(nlh, CTA_TUPLE_ORIG | NLA_F_NESTED, v->len, v->tuple);
	if (v->has_zone)
		mnl_attr_put_u16(nlh, CTA_ZONE, v->zone);
	rc = ct_talk(nl, nlh, buf, size, NULL, NULL);
	/* Gone meanwhile (timed out, closed): what we wanted. */
	return rc == -ENOENT ? 0 : rc;
}

int ct_flush_snat(struct in_addr to, unsigned *deleted, struct err *e)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct ct_scan s = { .to = to };
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	uint32_t seq = (uint32_t)time(NULL);
	unsigned n = 0;
	int rc;

	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		rc = -errno;
		if (nl)
			mnl_socket_close(nl);
		return err_set(e, -rc, "conntrack: netlink: %s", strerror(-rc));
	}
	rc = ct_talk(nl, ct_msg(buf, IPCTNL_MSG_CT_GET, NLM_F_DUMP, seq), buf,
		     sizeof(buf), on_entry, &s);
	if (rc == 0 && s.err)
		rc = s.err;
	for (size_t i = 0; rc == 0 && i < s.n; i++) {
		rc = delete_one(nl, &s.v[i], seq + 1 + (uint32_t)i, buf, sizeof(buf));
		if (rc == 0)
			n++;
	}
	free(s.v);
	mnl_socket_close(nl);
	if (deleted)
		*deleted = n;
	if (rc < 0)
		return err_set(e, -rc, "conntrack: %s", strerror(-rc));
	return 0;
}
