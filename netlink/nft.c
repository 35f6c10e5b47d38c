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
#include "nft_int.h"

/* Room for one message: libnftnl writes attributes without bounds checks;
 * it ends a set-element message when the element list would pass the
 * 64 KiB attribute limit (after writing the element that did). */
#define MSG_ROOM (2 * 65536)
#define RECV_BUF 65536

void nft_ctx_init(struct nft_ctx *c)
{
	memset(c, 0, sizeof(*c));
	c->seq = (uint32_t)time(NULL);
	snprintf(c->table, sizeof(c->table), "%s", V6MIG_NFT_TABLE);
}

int nft_ctx_set_table(struct nft_ctx *c, const char *name, struct err *e)
{
	size_t n = strlen(name);

	if (n == 0 || n >= sizeof(c->table))
		return err_set(e, EINVAL, "nft: table name '%s' is not 1-%zu bytes",
			       name, sizeof(c->table) - 1);
	memcpy(c->table, name, n + 1);
	return 0;
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
		nftnl_table_get_str(t, NFTNL_TABLE_NAME));

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
	if (nftnl_table_set_str(t, NFTNL_TABLE_NAME, o->name) < 0)
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

/* ---- apply --------------------------------------------------------- */

/* Does the kernel hold exactly want? 1 yes, 0 no, or -errno. */
static int holds(struct mnl_socket *nl, struct nft_ctx *c,
		 const struct nft_objs *want, struct err *e)
{
	char *a = NULL, *b = NULL;
	struct nft_objs have;
	int rc = nft_read_with(nl, c, &have, e);

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
	int rc = nft_sock_open(&nl, e);

	if (rc)
		return rc;
	if (strcmp(want->name, c->table))
		rc = err_set(e, EINVAL, "nft: table %s is not this instance's (%s)",
			     want->name, c->table);
	else
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
	memcpy(none.name, c->table, sizeof(none.name));
	rc = nft_apply_objs(c, &none, e);
	nft_objs_done(&none);
	return rc;
}
