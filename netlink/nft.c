/* SPDX-License-Identifier: MIT */
/* Our nftables table through libmnl: one batch per change (every message
 * acknowledged, the kernel's extended-ACK text kept), read-back dumps, and
 * apply = compare, then replace atomically only when different. */
#include "nft.h"

#include <errno.h>
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>

#include "../tunnels/err.h"
#include "../tunnels/plan.h"

/* Room for one message: libnftnl writes attributes without bounds checks;
 * it ends a set-element message when the element list would pass the
 * 64 KiB attribute limit (after writing the element that did). */
#define MSG_ROOM (2 * 65536)
#define RECV_BUF 65536
#define REQ_BUF 8192
#define SOCK_TIMEOUT_S 5
#define MAX_DUMP_READS 100000

void nft_ctx_init(struct nft_ctx *c)
{
	memset(c, 0, sizeof(*c));
	c->seq = (uint32_t)time(NULL);
}

/* ---- the batch ----------------------------------------------------- */

void nft_batch_done(struct nft_batch *b)
{
	if (!b)
		return;
	for (unsigned i = 0; b->what && i < b->n_msgs; i++)
		free(b->what[i]);
	free(b->what);
	free(b->buf);
	memset(b, 0, sizeof(*b));
}

static char *batch_room(struct nft_batch *b)
{
	char *nb;

	if (b->cap - b->len >= MSG_ROOM)
		return b->buf + b->len;
	nb = realloc(b->buf, b->cap + 4 * MSG_ROOM);
	if (!nb)
		return NULL;
	memset(nb + b->cap, 0, 4 * MSG_ROOM);
	b->buf = nb;
	b->cap += 4 * MSG_ROOM;
	return b->buf + b->len;
}

/* Start an object message: NLM_F_ACK on each, seq first_seq + index. */
static struct nlmsghdr *batch_msg(struct nft_batch *b, uint16_t type,
				  uint16_t flags, const char *verb,
				  const char *name)
{
	char **nw, *p = batch_room(b);
	size_t n = strlen(verb) + (name ? strlen(name) : 0) + 2;

	nw = realloc(b->what, (b->n_msgs + 1) * sizeof(*nw));
	if (!p || !nw)
		return NULL;
	b->what = nw;
	b->what[b->n_msgs] = malloc(n);
	if (!b->what[b->n_msgs])
		return NULL;
	snprintf(b->what[b->n_msgs], n, "%s %.40s", verb, name ? name : "");
	return nftnl_nlmsg_build_hdr(p, type, NFPROTO_IPV4, flags | NLM_F_ACK,
				     b->first_seq + 1 + b->n_msgs);
}

static void batch_put(struct nft_batch *b, struct nlmsghdr *nlh, bool obj)
{
	b->len += NLMSG_ALIGN(nlh->nlmsg_len);
	if (obj)
		b->n_msgs++;
}

static int batch_table(struct nft_batch *b, const struct nftnl_table *t,
		       uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = batch_msg(b, type, flags,
		type == NFT_MSG_DELTABLE ? "delete table" : "add table",
		V6MIG_NFT_TABLE);

	if (!nlh)
		return -ENOMEM;
	nftnl_table_nlmsg_build_payload(nlh, t);
	batch_put(b, nlh, true);
	return 0;
}

static int batch_chains(struct nft_batch *b, const struct nft_objs *o)
{
	struct nftnl_chain_list_iter *it = nftnl_chain_list_iter_create(o->chains);
	struct nftnl_chain *c;
	int rc = it ? 0 : -ENOMEM;

	for (c = it ? nftnl_chain_list_iter_next(it) : NULL; c && rc == 0;
	     c = nftnl_chain_list_iter_next(it)) {
		struct nlmsghdr *nlh = batch_msg(b, NFT_MSG_NEWCHAIN, NLM_F_CREATE,
			"add chain", nftnl_chain_get_str(c, NFTNL_CHAIN_NAME));

		if (!nlh) {
			rc = -ENOMEM;
			break;
		}
		nftnl_chain_nlmsg_build_payload(nlh, c);
		batch_put(b, nlh, true);
	}
	if (it)
		nftnl_chain_list_iter_destroy(it);
	return rc;
}

/* A set, then its elements in as many messages as they need. */
static int batch_set(struct nft_batch *b, struct nftnl_set *s)
{
	const char *name = nftnl_set_get_str(s, NFTNL_SET_NAME);
	struct nftnl_set_elems_iter *it;
	struct nlmsghdr *nlh;
	int rc = 0;

	nlh = batch_msg(b, NFT_MSG_NEWSET, NLM_F_CREATE, "add set", name);
	if (!nlh)
		return -ENOMEM;
	nftnl_set_nlmsg_build_payload(nlh, s);
	batch_put(b, nlh, true);
	it = nftnl_set_elems_iter_create(s);
	if (!it)
		return -ENOMEM;
	/* 1: more elements follow (the message is full), 0: done. */
	for (int more = 1; more > 0 && nftnl_set_elems_iter_cur(it);) {
		nlh = batch_msg(b, NFT_MSG_NEWSETELEM, NLM_F_CREATE,
				"add elements to set", name);
		if (!nlh) {
			rc = -ENOMEM;
			break;
		}
		more = nftnl_set_elems_nlmsg_build_payload_iter(nlh, it);
		batch_put(b, nlh, true);
	}
	nftnl_set_elems_iter_destroy(it);
	return rc;
}

static int batch_sets(struct nft_batch *b, const struct nft_objs *o)
{
	struct nftnl_set_list_iter *it = nftnl_set_list_iter_create(o->sets);
	struct nftnl_set *s;
	int rc = it ? 0 : -ENOMEM;

	for (s = it ? nftnl_set_list_iter_next(it) : NULL; s && rc == 0;
	     s = nftnl_set_list_iter_next(it))
		rc = batch_set(b, s);
	if (it)
		nftnl_set_list_iter_destroy(it);
	return rc;
}

static int batch_rules(struct nft_batch *b, const struct nft_objs *o)
{
	struct nftnl_rule_list_iter *it = nftnl_rule_list_iter_create(o->rules);
	struct nftnl_rule *r;
	int rc = it ? 0 : -ENOMEM;

	for (r = it ? nftnl_rule_list_iter_next(it) : NULL; r && rc == 0;
	     r = nftnl_rule_list_iter_next(it)) {
		struct nlmsghdr *nlh = batch_msg(b, NFT_MSG_NEWRULE,
			NLM_F_CREATE | NLM_F_APPEND, "add rule to chain",
			nftnl_rule_get_str(r, NFTNL_RULE_CHAIN));

		if (!nlh) {
			rc = -ENOMEM;
			break;
		}
		nftnl_rule_nlmsg_build_payload(nlh, r);
		batch_put(b, nlh, true);
	}
	if (it)
		nftnl_rule_list_iter_destroy(it);
	return rc;
}

static int batch_fill(const struct nft_objs *o, struct nft_batch *b)
{
	struct nftnl_table *t = nftnl_table_alloc();
	int rc = -ENOMEM;

	if (!t || !batch_room(b))
		goto out;
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_IPV4);
	if (nftnl_table_set_str(t, NFTNL_TABLE_NAME, V6MIG_NFT_TABLE) < 0)
		goto out;
	batch_put(b, nftnl_batch_begin(b->buf + b->len, b->first_seq), false);
	/* Add (a no-op when present) then delete: the old table goes
	 * whether or not it was there, in the same transaction. */
	rc = batch_table(b, t, NFT_MSG_NEWTABLE, NLM_F_CREATE);
	if (rc == 0)
		rc = batch_table(b, t, NFT_MSG_DELTABLE, 0);
	if (rc == 0 && o->table)
		rc = batch_table(b, o->table, NFT_MSG_NEWTABLE,
				 NLM_F_CREATE | NLM_F_EXCL);
	if (rc == 0 && o->table)
		rc = batch_chains(b, o);
	if (rc == 0 && o->table)
		rc = batch_sets(b, o);
	if (rc == 0 && o->table)
		rc = batch_rules(b, o);
	if (rc == 0 && batch_room(b))
		batch_put(b, nftnl_batch_end(b->buf + b->len,
					     b->first_seq + 1 + b->n_msgs), false);
	else if (rc == 0)
		rc = -ENOMEM;
out:
	if (t)
		nftnl_table_free(t);
	return rc;
}

int nft_batch_replace(const struct nft_objs *o, uint32_t seq,
		      struct nft_batch *b, struct err *e)
{
	struct nft_batch t;
	int rc;

	memset(&t, 0, sizeof(t));
	t.first_seq = seq;
	rc = batch_fill(o, &t);
	if (rc) {
		nft_batch_done(&t);
		return err_set(e, rc, "nft: out of memory building the batch");
	}
	*b = t;
	return 0;
}

/* ---- the socket ---------------------------------------------------- */

static int sock_open(struct mnl_socket **out, struct err *e)
{
	struct timeval tv = { SOCK_TIMEOUT_S, 0 };
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	int one = 1, rcv = 1 << 20;

	if (!nl)
		return err_set(e, errno, "nft: netlink socket: %s", strerror(errno));
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int rc = errno;

		mnl_socket_close(nl);
		return err_set(e, rc, "nft: netlink bind: %s", strerror(rc));
	}
	/* Extended ACKs carry the kernel's reason; capped ACKs keep every
	 * reply small. Best effort: old kernels lack them. */
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	*out = nl;
	return 0;
}

/* The top-level attribute of msg that holds byte offset off (the kernel's
 * NLMSGERR_ATTR_OFFS points into the message we sent). */
static int attr_at(const struct nlmsghdr *msg, uint32_t off)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, msg, sizeof(struct nfgenmsg)) {
		uint32_t start = (uint32_t)((const char *)a - (const char *)msg);

		if (off >= start && off < start + a->nla_len)
			return mnl_attr_get_type(a);
	}
	return -1;
}

/* "kernel refused <what>: <strerror>: <extack text> (attribute N)" */
static int ack_error(const struct nlmsghdr *nlh, const struct nlmsghdr *sent,
		     const char *what, struct err *e)
{
	const struct nlmsgerr *ne = mnl_nlmsg_get_payload(nlh);
	size_t off = sizeof(*ne);
	const char *text = NULL;
	const struct nlattr *a;
	int bad = -1;

	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += mnl_nlmsg_get_payload_len(&ne->msg);
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		mnl_attr_for_each(a, nlh, off) {
			if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
			    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
				text = mnl_attr_get_str(a);
			if (mnl_attr_get_type(a) == NLMSGERR_ATTR_OFFS && sent &&
			    mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				bad = attr_at(sent, mnl_attr_get_u32(a));
		}
	}
	if (bad >= 0)
		return err_set(e, -ne->error, "nft: kernel refused %s: %s%s%s "
			       "(attribute %d)", what, strerror(-ne->error),
			       text ? ": " : "", text ? text : "", bad);
	return err_set(e, -ne->error, "nft: kernel refused %s: %s%s%s", what,
		       strerror(-ne->error), text ? ": " : "", text ? text : "");
}

/* Where message i of the batch starts (for the error offset). */
static const struct nlmsghdr *batch_nth(const struct nft_batch *b, uint32_t seq)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)b->buf;
	int left = (int)b->len;

	while (mnl_nlmsg_ok(nlh, left)) {
		if (nlh->nlmsg_seq == seq)
			return nlh;
		nlh = mnl_nlmsg_next(nlh, &left);
	}
	return NULL;
}

struct acks {
	const struct nft_batch *b;
	bool *got;
	unsigned n_got;
	int rc;
	struct err *e;
};

static void ack_one(struct acks *k, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *ne;
	uint32_t i = nlh->nlmsg_seq - k->b->first_seq - 1;

	if (nlh->nlmsg_type != NLMSG_ERROR || i >= k->b->n_msgs ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*ne))
		return;
	ne = mnl_nlmsg_get_payload(nlh);
	if (!k->got[i]) {
		k->got[i] = true;
		k->n_got++;
	}
	if (ne->error && k->rc == 0)
		k->rc = ack_error(nlh, batch_nth(k->b, nlh->nlmsg_seq),
				  k->b->what[i], k->e);
}

/* The kernel handles the batch inside sendmsg(), so every reply is queued
 * when it returns: read without waiting until all are in. */
static int read_acks(struct mnl_socket *nl, struct acks *k, char *buf)
{
	for (unsigned round = 0; k->n_got < k->b->n_msgs &&
	     round < k->b->n_msgs + 64; round++) {
		ssize_t n = recv(mnl_socket_get_fd(nl), buf, RECV_BUF, MSG_DONTWAIT);
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
		int left = (int)n;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left))
			ack_one(k, nlh);
	}
	if (k->rc)
		return k->rc;
	if (k->n_got < k->b->n_msgs)
		return err_set(k->e, EPROTO, "nft: kernel acknowledged %u of %u "
			       "messages", k->n_got, k->b->n_msgs);
	return 0;
}

/* The whole batch goes in one sendmsg(), which must fit the socket's send
 * buffer: raise it past net.core.wmem_max when needed (we are root: the
 * nftables writes need CAP_NET_ADMIN anyway). */
static int sndbuf(struct mnl_socket *nl, size_t len)
{
	int fd = mnl_socket_get_fd(nl), want = (int)len + 65536, have = 0;
	socklen_t sl = sizeof(have);

	if (len > (1u << 30)) {
		errno = EMSGSIZE;
		return -1;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &have, &sl) == 0 && have >= want)
		return 0;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &want, sizeof(want)) == 0)
		return 0;
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &want, sizeof(want));
	return 0;
}

static int send_batch(struct mnl_socket *nl, const struct nft_batch *b,
		      struct err *e)
{
	struct acks k = { b, calloc(b->n_msgs + 1, sizeof(bool)), 0, 0, e };
	char *buf = malloc(RECV_BUF);
	int rc;

	if (!k.got || !buf) {
		rc = err_set(e, ENOMEM, "nft: out of memory");
	} else if (sndbuf(nl, b->len) || mnl_socket_sendto(nl, b->buf, b->len) < 0) {
		rc = err_set(e, errno, "nft: sending the batch (%zu bytes): %s",
			     b->len, strerror(errno));
	} else {
		rc = read_acks(nl, &k, buf);
	}
	free(k.got);
	free(buf);
	return rc;
}

/* ---- read back ----------------------------------------------------- */

struct rd {
	struct nft_objs *o;
	struct nftnl_set *set;  /* GETSETELEM: the set being filled */
	int rc;
};

static bool ours(const char *table)
{
	return table && !strcmp(table, V6MIG_NFT_TABLE);
}

static int table_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rd *r = data;
	struct nftnl_table *t = nftnl_table_alloc();

	if (!t || nftnl_table_nlmsg_parse(nlh, t) < 0) {
		if (t)
			nftnl_table_free(t);
		r->rc = -ENOMEM;
		return MNL_CB_ERROR;
	}
	if (ours(nftnl_table_get_str(t, NFTNL_TABLE_NAME)) && !r->o->table)
		r->o->table = t;
	else
		nftnl_table_free(t);
	return MNL_CB_OK;
}

static int chain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rd *r = data;
	struct nftnl_chain *c = nftnl_chain_alloc();

	if (!c || nftnl_chain_nlmsg_parse(nlh, c) < 0) {
		if (c)
			nftnl_chain_free(c);
		r->rc = -ENOMEM;
		return MNL_CB_ERROR;
	}
	if (ours(nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE)))
		nftnl_chain_list_add_tail(c, r->o->chains);
	else
		nftnl_chain_free(c);
	return MNL_CB_OK;
}

static int set_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rd *r = data;
	struct nftnl_set *s = nftnl_set_alloc();

	if (!s || nftnl_set_nlmsg_parse(nlh, s) < 0) {
		if (s)
			nftnl_set_free(s);
		r->rc = -ENOMEM;
		return MNL_CB_ERROR;
	}
	if (ours(nftnl_set_get_str(s, NFTNL_SET_TABLE)))
		nftnl_set_list_add_tail(s, r->o->sets);
	else
		nftnl_set_free(s);
	return MNL_CB_OK;
}

static int elem_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rd *r = data;

	if (nftnl_set_elems_nlmsg_parse(nlh, r->set) < 0) {
		r->rc = -ENOMEM;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rd *r = data;
	struct nftnl_rule *x = nftnl_rule_alloc();

	if (!x || nftnl_rule_nlmsg_parse(nlh, x) < 0) {
		if (x)
			nftnl_rule_free(x);
		r->rc = -ENOMEM;
		return MNL_CB_ERROR;
	}
	if (ours(nftnl_rule_get_str(x, NFTNL_RULE_TABLE)))
		nftnl_rule_list_add_tail(x, r->o->rules);
	else
		nftnl_rule_free(x);
	return MNL_CB_OK;
}

/* One dump request (the header and attributes already in req), every
 * reply through cb. Bounded by a read count and the socket timeout. */
static int dump(struct mnl_socket *nl, struct nft_ctx *c, char *req,
		mnl_cb_t cb, struct rd *r, const char *what, struct err *e)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)req;
	uint32_t portid = mnl_socket_get_portid(nl);
	char *buf = malloc(RECV_BUF);
	int rc = MNL_CB_OK;

	if (!buf)
		return err_set(e, ENOMEM, "nft: out of memory");
	c->stats.dumps++;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		rc = MNL_CB_ERROR;
	for (unsigned i = 0; rc > MNL_CB_STOP && i < MAX_DUMP_READS; i++) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, RECV_BUF);

		if (n < 0 && errno == EINTR)
			continue;
		rc = n < 0 ? MNL_CB_ERROR :
		     mnl_cb_run(buf, (size_t)n, nlh->nlmsg_seq, portid, cb, r);
	}
	free(buf);
	if (r->rc)
		return err_set(e, r->rc, "nft: reading %s: out of memory", what);
	if (rc < 0)
		return err_set(e, errno, "nft: reading %s: %s", what, strerror(errno));
	return 0;
}

/* A dump request for one object type, filtered to our table by the
 * kernel where it can (the callbacks filter again). */
static char *dump_req(char *buf, struct nft_ctx *c, uint16_t type,
		      const struct nftnl_set *s)
{
	struct nlmsghdr *nlh;

	memset(buf, 0, REQ_BUF); /* attribute padding goes out too */
	nlh = nftnl_nlmsg_build_hdr(buf, type, NFPROTO_IPV4, NLM_F_DUMP, ++c->seq);

	if (type == NFT_MSG_GETRULE)
		mnl_attr_put_strz(nlh, NFTA_RULE_TABLE, V6MIG_NFT_TABLE);
	if (type == NFT_MSG_GETSET)
		mnl_attr_put_strz(nlh, NFTA_SET_TABLE, V6MIG_NFT_TABLE);
	if (type == NFT_MSG_GETSETELEM)
		nftnl_set_elems_nlmsg_build_payload(nlh, (struct nftnl_set *)s);
	return buf;
}

static int read_elems(struct mnl_socket *nl, struct nft_ctx *c,
		      struct rd *r, char *req, struct err *e)
{
	struct nftnl_set_list_iter *it = nftnl_set_list_iter_create(r->o->sets);
	int rc = it ? 0 : err_set(e, ENOMEM, "nft: out of memory");

	for (r->set = it ? nftnl_set_list_iter_next(it) : NULL; r->set && !rc;
	     r->set = nftnl_set_list_iter_next(it)) {
		/* A set read from a dump has no elements yet: its header
		 * (table, name) makes the request. */
		rc = dump(nl, c, dump_req(req, c, NFT_MSG_GETSETELEM, r->set),
			  elem_cb, r, "set elements", e);
	}
	if (it)
		nftnl_set_list_iter_destroy(it);
	return rc;
}

static int read_all(struct mnl_socket *nl, struct nft_ctx *c,
		    struct nft_objs *o, struct err *e)
{
	char req[REQ_BUF];
	struct rd r = { o, NULL, 0 };
	int rc;

	rc = dump(nl, c, dump_req(req, c, NFT_MSG_GETTABLE, NULL), table_cb,
		  &r, "tables", e);
	if (rc || !o->table)
		return rc;
	rc = dump(nl, c, dump_req(req, c, NFT_MSG_GETCHAIN, NULL), chain_cb,
		  &r, "chains", e);
	if (rc == 0)
		rc = dump(nl, c, dump_req(req, c, NFT_MSG_GETSET, NULL), set_cb,
			  &r, "sets", e);
	if (rc == 0)
		rc = read_elems(nl, c, &r, req, e);
	if (rc == 0)
		rc = dump(nl, c, dump_req(req, c, NFT_MSG_GETRULE, NULL), rule_cb,
			  &r, "rules", e);
	return rc;
}

static int read_with(struct mnl_socket *nl, struct nft_ctx *c,
		     struct nft_objs *o, struct err *e)
{
	struct nft_objs t;
	int rc;

	if (nft_objs_init(&t))
		return err_set(e, ENOMEM, "nft: out of memory");
	rc = read_all(nl, c, &t, e);
	if (rc) {
		nft_objs_done(&t);
		return rc;
	}
	*o = t;
	return 0;
}

int nft_read(struct nft_ctx *c, struct nft_objs *o, struct err *e)
{
	struct mnl_socket *nl;
	struct nft_ctx local;
	int rc;

	if (!c) {
		nft_ctx_init(&local);
		c = &local;
	}
	rc = sock_open(&nl, e);
	if (rc)
		return rc;
	rc = read_with(nl, c, o, e);
	mnl_socket_close(nl);
	return rc;
}

/* ---- apply --------------------------------------------------------- */

/* Does the kernel hold exactly want? 1 yes, 0 no, or -errno. */
static int holds(struct mnl_socket *nl, struct nft_ctx *c,
		 const struct nft_objs *want, struct err *e)
{
	char *a = NULL, *b = NULL;
	struct nft_objs have;
	int rc = read_with(nl, c, &have, e);

	if (rc)
		return rc;
	if (nft_objs_text(want, &a) || nft_objs_text(&have, &b))
		rc = err_set(e, ENOMEM, "nft: out of memory");
	else
		rc = strcmp(a, b) == 0;
	free(a);
	free(b);
	nft_objs_done(&have);
	return rc;
}

static int replace(struct mnl_socket *nl, struct nft_ctx *c,
		   const struct nft_objs *want, struct err *e)
{
	struct nft_batch b;
	int rc = nft_batch_replace(want, c->seq + 1, &b, e);

	if (rc)
		return rc;
	c->seq += b.n_msgs + 2;
	c->stats.batches++;
	c->stats.msgs += b.n_msgs;
	rc = send_batch(nl, &b, e);
	nft_batch_done(&b);
	return rc;
}

int nft_apply_objs(struct nft_ctx *c, const struct nft_objs *want,
		   struct err *e)
{
	struct mnl_socket *nl;
	struct nft_ctx local;
	int rc;

	if (!c) {
		nft_ctx_init(&local);
		c = &local;
	}
	rc = sock_open(&nl, e);
	if (rc)
		return rc;
	rc = holds(nl, c, want, e);
	if (rc == 0)
		rc = replace(nl, c, want, e);
	else if (rc == 1)
		rc = 0;
	mnl_socket_close(nl);
	return rc;
}

int nft_apply(struct nft_ctx *c, const struct plan *p, struct err *e)
{
	struct nft_objs want;
	int rc = nft_objs_build(p, &want, e);

	if (rc)
		return rc;
	rc = nft_apply_objs(c, &want, e);
	nft_objs_done(&want);
	return rc;
}

int nft_remove(struct nft_ctx *c, struct err *e)
{
	struct nft_objs none;
	int rc;

	if (nft_objs_init(&none))
		return err_set(e, ENOMEM, "nft: out of memory");
	rc = nft_apply_objs(c, &none, e);
	nft_objs_done(&none);
	return rc;
}
