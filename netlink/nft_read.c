/* SPDX-License-Identifier: MIT */
/* Reading our table back: dumps of tables, chains, sets, set elements and
 * rules of family ip, kept when they belong to V6MIG_NFT_TABLE. The reads
 * are bracketed by the ruleset generation id and repeated when a commit
 * came in between, so what we compare is one consistent state. */
#include "nft.h"

#include <errno.h>
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/gen.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>

#include "../tunnels/err.h"
#include "../tunnels/plan.h"
#include "nft_int.h"

#define RECV_BUF 65536
#define REQ_BUF 8192
/* nfnetlink answers within our send; this only bounds a kernel that
 * does not, far below the daemon's watchdog (issue 11 item 16). */
#define SOCK_TIMEOUT_S 1
#define MAX_DUMP_READS 100000
#define MAX_READ_TRIES 3

int nft_sock_open(struct mnl_socket **out, struct err *e)
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

/* ---- read back ----------------------------------------------------- */

struct rd {
	struct nft_objs *o;
	struct nftnl_set *set;  /* GETSETELEM: the set being filled */
	uint32_t gen;           /* GETGEN: the generation id */
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
	struct rd r = { o, NULL, 0, 0 };
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

static int gen_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rd *r = data;
	struct nftnl_gen *g = nftnl_gen_alloc();

	if (!g || nftnl_gen_nlmsg_parse(nlh, g) < 0) {
		if (g)
			nftnl_gen_free(g);
		r->rc = -ENOMEM;
		return MNL_CB_ERROR;
	}
	r->gen = nftnl_gen_get_u32(g, NFTNL_GEN_ID);
	nftnl_gen_free(g);
	return MNL_CB_OK;
}

/* The ruleset's generation id (a GET with an ACK that ends the reply). */
static int read_gen(struct mnl_socket *nl, struct nft_ctx *c, uint32_t *gen,
		    struct err *e)
{
	char req[REQ_BUF];
	struct rd r = { NULL, NULL, 0, 0 };
	int rc;

	memset(req, 0, sizeof(req));
	nftnl_nlmsg_build_hdr(req, NFT_MSG_GETGEN, AF_UNSPEC, NLM_F_ACK, ++c->seq);
	rc = dump(nl, c, req, gen_cb, &r, "the generation", e);
	if (rc == 0)
		*gen = r.gen;
	return rc;
}

int nft_read_with(struct mnl_socket *nl, struct nft_ctx *c,
		  struct nft_objs *o, struct err *e)
{
	uint32_t g0 = 0, g1 = 1;
	struct nft_objs t;
	int rc = 0;

	for (int i = 0; i < MAX_READ_TRIES && g0 != g1; i++) {
		if (i)
			nft_objs_done(&t);
		if (nft_objs_init(&t))
			return err_set(e, ENOMEM, "nft: out of memory");
		rc = read_gen(nl, c, &g0, e);
		if (rc == 0)
			rc = read_all(nl, c, &t, e);
		if (rc == 0)
			rc = read_gen(nl, c, &g1, e);
		if (rc)
			break;
	}
	if (rc == 0 && g0 != g1)
		rc = err_set(e, EAGAIN, "nft: the ruleset changed during %d "
			     "reads of it", MAX_READ_TRIES);
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
	int rc = nft_sock_open(&nl, e);

	if (rc)
		return rc;
	rc = nft_read_with(nl, c, o, e);
	mnl_socket_close(nl);
	return rc;
}

