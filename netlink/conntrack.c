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
 * NATed to that address) are not touched.
 *
 * Bounded work (issue 11 item 16): the dump is read one datagram at a
 * time on one socket while what it shows is deleted on a second, in
 * batches of CT_BATCH requests per send with their ACKs read back at
 * once; ct_flush_step() stops after its time budget, so the daemon runs
 * a flush from its loop in small steps, and memory is O(CT_BATCH) however
 * large the table is. An entry deleted while the dump runs is what the
 * kernel expects (ctnetlink keeps its place by a held reference); one
 * seen twice answers ENOENT, which is what we wanted. */
#include "conntrack.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define CT_TUPLE_MAX 128       /* bytes of one CTA_TUPLE_ORIG; IPv4: ~60 */
#define CT_BATCH 64            /* deletes per send: their ACKs fit rmem */
#define CT_DUMP_BUF 32768     /* libmnl 1.0.5 MNL_SOCKET_DUMP_SIZE */
/* Dump reads per step, whatever the clock says: a bound on the work of
 * one step (~130 entries a read) that does not depend on the load. */
#define CT_STEP_READS 16

struct ct_victim {
	uint16_t len;
	uint8_t tuple[CT_TUPLE_MAX]; /* the CTA_TUPLE_ORIG payload, verbatim */
	bool has_zone;
	uint16_t zone;
};

struct ct_flush {
	struct mnl_socket *dump, *del;
	struct in_addr to;
	bool has_keep;
	struct portset keep;
	uint32_t seq, del_seq;
	bool dump_done;
	int err;                      /* the first refusal of a delete */
	unsigned deleted, steps, max_step_us;
	struct ct_victim v[CT_BATCH];
	size_t n;
	char buf[CT_DUMP_BUF];
	char out[CT_BATCH * (CT_TUPLE_MAX + 64)];
};

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

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

/* The reply's destination port (TCP/UDP) or ICMP id: the port the NAT
 * gave the flow. False when the tuple has neither. */
static bool tuple_nat_port(const struct nlattr *tuple, uint16_t *out)
{
	const struct nlattr *p, *a;

	mnl_attr_for_each_nested(p, tuple) {
		if (mnl_attr_get_type(p) != CTA_TUPLE_PROTO)
			continue;
		mnl_attr_for_each_nested(a, p) {
			if ((mnl_attr_get_type(a) == CTA_PROTO_DST_PORT ||
			     mnl_attr_get_type(a) == CTA_PROTO_ICMP_ID) &&
			    mnl_attr_get_payload_len(a) == 2) {
				*out = ntohs(mnl_attr_get_u16(a));
				return true;
			}
		}
	}
	return false;
}

struct nlmsghdr *ct_msg(char *buf, uint16_t type, uint16_t flags, uint32_t seq)
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

/* Read ACKs until `want` have come; ENOENT (gone meanwhile: timed out,
 * closed, or seen twice by the dump) is what we wanted. */
static int read_acks(struct ct_flush *f, size_t want)
{
	size_t got = 0;

	while (got < want) {
		ssize_t n = mnl_socket_recvfrom(f->del, f->buf, sizeof(f->buf));
		const struct nlmsghdr *h = (const struct nlmsghdr *)f->buf;
		int len = (int)n;

		if (n < 0)
			return -errno;
		for (; mnl_nlmsg_ok(h, len); h = mnl_nlmsg_next(h, &len)) {
			const struct nlmsgerr *er = mnl_nlmsg_get_payload(h);

			if (h->nlmsg_type != NLMSG_ERROR)
				continue;
			got++;
			if (er->error == 0 || er->error == -ENOENT) {
				f->deleted += er->error == 0;
				continue;
			}
			if (!f->err)
				f->err = er->error;
		}
	}
	return 0;
}

/* Send the pending deletes in one datagram, each with its ACK. */
static int flush_batch(struct ct_flush *f)
{
	size_t off = 0;
	int rc;

	if (!f->n)
		return 0;
	for (size_t i = 0; i < f->n; i++) {
		struct nlmsghdr *nlh = ct_msg(f->out + off, IPCTNL_MSG_CT_DELETE,
					      NLM_F_ACK, f->del_seq++);

		mnl_attr_put(nlh, CTA_TUPLE_ORIG | NLA_F_NESTED, f->v[i].len,
			     f->v[i].tuple);
		if (f->v[i].has_zone)
			mnl_attr_put_u16(nlh, CTA_ZONE, f->v[i].zone);
		off += nlh->nlmsg_len;
	}
	if (mnl_socket_sendto(f->del, f->out, off) < 0)
		return -errno;
	rc = read_acks(f, f->n);
	f->n = 0;
	return rc;
}

static int on_entry(const struct nlmsghdr *nlh, void *data)
{
	struct ct_flush *f = data;
	const struct nlattr *a, *orig = NULL, *reply = NULL, *zone = NULL;
	struct ct_victim *v;
	uint32_t osrc, rdst;
	uint16_t port;

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
	if (rdst != f->to.s_addr || osrc == f->to.s_addr ||
	    mnl_attr_get_payload_len(orig) > CT_TUPLE_MAX)
		return MNL_CB_OK;
	/* Still inside the port set the NAT uses now: still right. */
	if (f->has_keep && tuple_nat_port(reply, &port) &&
	    portset_contains(&f->keep, port))
		return MNL_CB_OK;
	if (f->n == CT_BATCH && (f->err = flush_batch(f)) < 0)
		return MNL_CB_ERROR;
	v = &f->v[f->n++];
	v->len = (uint16_t)mnl_attr_get_payload_len(orig);
	memcpy(v->tuple, mnl_attr_get_payload(orig), v->len);
	v->has_zone = zone && mnl_attr_get_payload_len(zone) == 2;
	v->zone = v->has_zone ? mnl_attr_get_u16(zone) : 0;
	return MNL_CB_OK;
}

static int ct_socket(struct mnl_socket **out)
{
	struct timeval tv = { CT_RECV_TIMEOUT_MS / 1000u,
			      (CT_RECV_TIMEOUT_MS % 1000u) * 1000 };
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	int one = 1, rc;

	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		rc = -errno;
		if (nl)
			mnl_socket_close(nl);
		return rc;
	}
	/* ACKs without the request echoed: a batch's ACKs stay small. */
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	*out = nl;
	return 0;
}

int ct_flush_new(struct in_addr to, const struct portset *keep,
		 struct ct_flush **out, struct err *e)
{
	struct ct_flush *f = calloc(1, sizeof(*f));
	struct nlmsghdr *nlh;
	int rc;

	if (!f)
		return err_set(e, ENOMEM, "conntrack: out of memory");
	f->to = to;
	f->has_keep = keep != NULL;
	if (keep)
		f->keep = *keep;
	f->seq = (uint32_t)time(NULL);
	f->del_seq = f->seq + 1;
	if ((rc = ct_socket(&f->dump)) || (rc = ct_socket(&f->del)))
		goto fail;
	nlh = ct_msg(f->buf, IPCTNL_MSG_CT_GET, NLM_F_DUMP, f->seq);
	if (mnl_socket_sendto(f->dump, nlh, nlh->nlmsg_len) < 0) {
		rc = -errno;
		goto fail;
	}
	*out = f;
	return 0;
fail:
	ct_flush_free(f);
	return err_set(e, -rc, "conntrack: netlink: %s", strerror(-rc));
}

/* One datagram of the dump, and the deletes it calls for. */
static int dump_once(struct ct_flush *f)
{
	ssize_t n = mnl_socket_recvfrom(f->dump, f->buf, sizeof(f->buf));
	int rc;

	if (n < 0)
		return -errno;
	rc = mnl_cb_run(f->buf, (size_t)n, f->seq,
			mnl_socket_get_portid(f->dump), on_entry, f);
	if (rc == MNL_CB_ERROR)
		return f->err < 0 ? f->err : -errno;
	if (rc == MNL_CB_STOP)
		f->dump_done = true;
	return flush_batch(f);
}

int ct_flush_step(struct ct_flush *f, unsigned budget_ms, bool *done,
		  struct err *e)
{
	uint64_t t0 = now_us(), spent;
	unsigned reads = 0;
	int rc = 0;

	do {
		rc = dump_once(f);
	} while (!rc && !f->dump_done && ++reads < CT_STEP_READS &&
		 now_us() - t0 < budget_ms * 1000ull);
	spent = now_us() - t0;
	f->steps++;
	if (spent > f->max_step_us)
		f->max_step_us = (unsigned)spent;
	if (!rc && f->err)
		rc = f->err;
	*done = rc == 0 && f->dump_done;
	if (rc < 0)
		return err_set(e, -rc, "conntrack: %s", strerror(-rc));
	return 0;
}

unsigned ct_flush_deleted(const struct ct_flush *f)
{
	return f->deleted;
}

struct in_addr ct_flush_addr(const struct ct_flush *f)
{
	return f->to;
}

unsigned ct_flush_steps(const struct ct_flush *f, unsigned *max_step_us)
{
	if (max_step_us)
		*max_step_us = f->max_step_us;
	return f->steps;
}

void ct_flush_free(struct ct_flush *f)
{
	if (!f)
		return;
	if (f->dump)
		mnl_socket_close(f->dump);
	if (f->del)
		mnl_socket_close(f->del);
	free(f);
}

int ct_flush_snat(struct in_addr to, unsigned *deleted, struct err *e)
{
	struct ct_flush *f;
	bool done = false;
	int rc;

	if ((rc = ct_flush_new(to, NULL, &f, e)))
		return rc;
	while (!rc && !done)
		rc = ct_flush_step(f, 1000, &done, e);
	if (deleted)
		*deleted = f->deleted;
	ct_flush_free(f);
	return rc;
}
