/* SPDX-License-Identifier: MIT */
/* Port-set pressure from conntrack (ctnetlink over libmnl, attributes
 * parsed with mnl_attr_parse like conntrack.c's neighbours).
 *
 * A MAP-E or lw4o6 CE shares one IPv4 address and owns a few hundred of
 * its ports (RFC 7597 5.1); every flow the NAT44 maps holds one of them
 * for as long as its conntrack entry lives. A port is in use when some
 * entry's reply goes to our address at that port: its reply tuple's
 * destination is (our IPv4, port), and its original source is the LAN
 * host that holds it. ICMP echo counts its identifier (RFC 5508 3.1).
 *
 * Cost: the dump is filtered in the kernel (CTA_FILTER, Linux 5.8+): the
 * kernel still walks the table, but sends only entries whose reply goes
 * to our address, so a box with 100k foreign entries costs a kernel walk
 * and a few of our entries, not 100k messages parsed here (bench/ct_bench.c
 * measures it). An older kernel that refuses the filter gets the plain
 * dump, and the same check is made here. */
#include "conntrack.h"
#include "ctstat.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

/* The kernel's CTA_FILTER flag bits (nf_conntrack_netlink.c, not uapi):
 * one bit per tuple field, IP source first. */
#define CT_FILTER_IP_DST (1u << 1) /* CTA_FILTER_F_CTA_IP_DST */

#define CT_MAX_RECS (1u << 20) /* bound: more than 3 x 65536 ports x destinations */

const char *ct_proto_name(enum ct_proto p)
{
	switch (p) {
	case CT_TCP:
		return "tcp";
	case CT_UDP:
		return "udp";
	case CT_ICMP:
		return "icmp";
	case CT_NPROTO:
		break;
	}
	return "?";
}

/* ---- pure: records -> figures --------------------------------------------- */

static int rec_cmp(const void *a, const void *b)
{
	const struct ct_rec *x = a, *y = b;

	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	if (x->lan != y->lan)
		return ntohl(x->lan) < ntohl(y->lan) ? -1 : 1;
	return x->port < y->port ? -1 : x->port > y->port;
}

/* Keep the CT_TOP largest, most first; ties: the lower address first (the
 * records come in address order, so a later equal one does not displace). */
static void top_insert(struct ct_use *u, uint32_t lan, uint32_t ports)
{
	uint32_t i = u->n_top < CT_TOP ? u->n_top++ : CT_TOP;

	if (i == CT_TOP) {
		if (ports <= u->top[CT_TOP - 1].ports)
			return;
		i = CT_TOP - 1;
	}
	while (i > 0 && u->top[i - 1].ports < ports) {
		u->top[i] = u->top[i - 1];
		i--;
	}
	u->top[i].lan.s_addr = lan;
	u->top[i].ports = ports;
}

void ct_ports_count(struct ct_rec *recs, size_t n, const struct portset *ps,
		    struct ct_ports *out)
{
	uint8_t seen[CT_NPROTO][65536 / 8]; /* 24 KiB: one bit per port */
	uint32_t total = portset_count(ps);
	size_t i = 0;

	memset(out->p, 0, sizeof(out->p));
	memset(seen, 0, sizeof(seen));
	for (int p = 0; p < CT_NPROTO; p++)
		out->p[p].total = total;
	if (n)
		qsort(recs, n, sizeof(*recs), rec_cmp);
	while (i < n) {
		size_t j = i;
		uint32_t held = 0;

		/* one (protocol, LAN host): its distinct ports */
		for (; j < n && recs[j].proto == recs[i].proto && recs[j].lan == recs[i].lan; j++) {
			const struct ct_rec *r = &recs[j];
			uint8_t *b = &seen[r->proto][r->port / 8];

			if (j > i && r->port == recs[j - 1].port)
				continue;
			held++;
			if (!(*b & (1u << (r->port % 8)))) {
				*b |= (uint8_t)(1u << (r->port % 8));
				out->p[r->proto].in_use++;
			}
		}
		top_insert(&out->p[recs[i].proto], recs[i].lan, held);
		i = j;
	}
}

void ct_ports_fold(const struct ct_ports *prev, struct ct_ports *now)
{
	for (int p = 0; p < CT_NPROTO; p++) {
		uint32_t h = prev ? prev->p[p].high : 0;

		now->p[p].high = now->p[p].in_use > h ? now->p[p].in_use : h;
	}
}

unsigned ct_ports_peak(const struct ct_ports *c, enum ct_proto *which)
{
	unsigned best = 0;

	if (which)
		*which = CT_TCP;
	for (int p = 0; p < CT_NPROTO; p++) {
		const struct ct_use *u = &c->p[p];
		unsigned pct = u->total ? (unsigned)((uint64_t)u->in_use * 100 / u->total) : 0;

		if (pct > best) {
			best = pct;
			if (which)
				*which = (enum ct_proto)p;
		}
	}
	return best;
}

int ct_ports_alarm(const struct ct_use *u, bool *alarm)
{
	uint64_t used = (uint64_t)u->in_use * 100;

	if (!*alarm && u->total && used >= (uint64_t)CT_ALARM_PCT * u->total) {
		*alarm = true;
		return 1;
	}
	if (*alarm && used < (uint64_t)CT_CLEAR_PCT * u->total) {
		*alarm = false;
		return -1;
	}
	return 0;
}

/* ---- the dump ------------------------------------------------------------- */

struct ct_walk {
	uint32_t ext;                /* network order */
	const struct portset *ps;
	struct ct_rec *recs;
	size_t n, cap;
	uint32_t entries;
	int err;
};

/* mnl_attr_parse(_nested) callback: tb[type] = attr, for types < max. */
struct ct_tb {
	const struct nlattr **tb;
	unsigned max;
};

static int tb_put(const struct nlattr *a, void *data)
{
	struct ct_tb *t = data;
	unsigned type = mnl_attr_get_type(a);

	if (type < t->max)
		t->tb[type] = a;
	return MNL_CB_OK;
}

static int nested(const struct nlattr *a, const struct nlattr **tb, unsigned max)
{
	struct ct_tb t = { tb, max };

	memset(tb, 0, max * sizeof(*tb));
	return mnl_attr_parse_nested(a, tb_put, &t) < 0 ? -1 : 0;
}

static bool u32_attr(const struct nlattr *a, uint32_t *v)
{
	if (!a || mnl_attr_validate(a, MNL_TYPE_U32) < 0)
		return false;
	*v = mnl_attr_get_u32(a);
	return true;
}

static bool u16_attr(const struct nlattr *a, uint16_t *v)
{
	if (!a || mnl_attr_validate(a, MNL_TYPE_U16) < 0)
		return false;
	*v = ntohs(mnl_attr_get_u16(a));
	return true;
}

/* A tuple's IPv4 address (which: CTA_IP_V4_SRC/DST), its protocol and the
 * port or echo id on the side asked for (CTA_PROTO_SRC/DST_PORT). */
static bool tuple_read(const struct nlattr *tuple, unsigned ip_which,
		       unsigned port_which, uint32_t *ip, uint8_t *proto,
		       uint16_t *port)
{
	const struct nlattr *t[CTA_TUPLE_MAX + 1], *ipa[CTA_IP_MAX + 1],
		*pa[CTA_PROTO_MAX + 1];

	if (nested(tuple, t, CTA_TUPLE_MAX + 1) < 0 || !t[CTA_TUPLE_IP] ||
	    nested(t[CTA_TUPLE_IP], ipa, CTA_IP_MAX + 1) < 0 ||
	    !u32_attr(ipa[ip_which], ip))
		return false;
	if (!proto)
		return true;
	if (!t[CTA_TUPLE_PROTO] || nested(t[CTA_TUPLE_PROTO], pa, CTA_PROTO_MAX + 1) < 0 ||
	    !pa[CTA_PROTO_NUM] || mnl_attr_validate(pa[CTA_PROTO_NUM], MNL_TYPE_U8) < 0)
		return false;
	*proto = mnl_attr_get_u8(pa[CTA_PROTO_NUM]);
	if (*proto == IPPROTO_ICMP)
		return u16_attr(pa[CTA_PROTO_ICMP_ID], port);
	return u16_attr(pa[port_which], port);
}

static int keep(struct ct_walk *w, uint8_t proto, uint16_t port, uint32_t lan)
{
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 256;
		struct ct_rec *nr;

		if (cap > CT_MAX_RECS)
			return MNL_CB_OK; /* a bound, never reached: 3 x 64k ports */
		nr = realloc(w->recs, cap * sizeof(*nr));
		if (!nr) {
			w->err = -ENOMEM;
			return MNL_CB_ERROR;
		}
		w->recs = nr;
		w->cap = cap;
	}
	w->recs[w->n++] = (struct ct_rec){
		.proto = proto == IPPROTO_TCP ? CT_TCP :
			 proto == IPPROTO_UDP ? CT_UDP : CT_ICMP,
		.port = port, .lan = lan };
	return MNL_CB_OK;
}

static int on_entry(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[CTA_MAX + 1] = { 0 };
	struct ct_tb t = { tb, CTA_MAX + 1 };
	struct ct_walk *w = data;
	uint32_t rdst, osrc;
	uint8_t proto;
	uint16_t port;

	w->entries++;
	if (mnl_attr_parse(nlh, sizeof(struct nfgenmsg), tb_put, &t) < 0 ||
	    !tb[CTA_TUPLE_ORIG] || !tb[CTA_TUPLE_REPLY])
		return MNL_CB_OK;
	if (!tuple_read(tb[CTA_TUPLE_REPLY], CTA_IP_V4_DST, CTA_PROTO_DST_PORT,
			&rdst, &proto, &port) || rdst != w->ext ||
	    !tuple_read(tb[CTA_TUPLE_ORIG], CTA_IP_V4_SRC, 0, &osrc, NULL, NULL))
		return MNL_CB_OK;
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP && proto != IPPROTO_ICMP)
		return MNL_CB_OK;
	/* Outside the set: not ours to count (a port of the CE's own,
	 * or a mapping made before the set changed). */
	if (!portset_contains(w->ps, port))
		return MNL_CB_OK;
	return keep(w, proto, port, osrc);
}

/* The dump request: family AF_INET, and with `filter` the reply-tuple
 * destination filter (CTA_FILTER_REPLY_FLAGS = the IP_DST bit). */
static struct nlmsghdr *dump_msg(char *buf, uint32_t ext, bool filter, uint32_t seq)
{
	struct nlmsghdr *nlh = ct_msg(buf, IPCTNL_MSG_CT_GET, NLM_F_DUMP, seq);
	struct nlattr *tup, *ip, *f;

	if (!filter)
		return nlh;
	tup = mnl_attr_nest_start(nlh, CTA_TUPLE_REPLY);
	ip = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
	mnl_attr_put_u32(nlh, CTA_IP_V4_DST, ext);
	mnl_attr_nest_end(nlh, ip);
	mnl_attr_nest_end(nlh, tup);
	f = mnl_attr_nest_start(nlh, CTA_FILTER);
	mnl_attr_put_u32(nlh, CTA_FILTER_ORIG_FLAGS, 0);
	mnl_attr_put_u32(nlh, CTA_FILTER_REPLY_FLAGS, CT_FILTER_IP_DST);
	mnl_attr_nest_end(nlh, f);
	return nlh;
}

static int dump(struct mnl_socket *nl, struct ct_walk *w, bool filter)
{
	char buf[32768]; /* a dump batch: more than MNL_SOCKET_BUFFER_SIZE */
	uint32_t portid = mnl_socket_get_portid(nl), seq = (uint32_t)time(NULL);
	struct nlmsghdr *nlh = dump_msg(buf, w->ext, filter, seq);
	ssize_t n;
	int rc;

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		rc = mnl_cb_run(buf, (size_t)n, seq, portid, on_entry, w);
	} while (rc == MNL_CB_OK);
	if (rc < 0)
		return w->err ? w->err : -errno;
	return 0;
}

int ct_ports_sample(struct in_addr ext, const struct portset *ps,
		    struct ct_ports *out, struct err *e)
{
	struct ct_walk w = { .ext = ext.s_addr, .ps = ps };
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	int rc;

	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		rc = -errno;
		if (nl)
			mnl_socket_close(nl);
		return err_set(e, -rc, "conntrack: netlink: %s", strerror(-rc));
	}
	rc = dump(nl, &w, true);
	if (rc == -EINVAL || rc == -EOPNOTSUPP) {
		/* A kernel before CTA_FILTER: the whole table, checked here. */
		w.n = 0;
		w.entries = 0;
		w.err = 0;
		rc = dump(nl, &w, false);
	}
	mnl_socket_close(nl);
	if (rc == 0) {
		ct_ports_count(w.recs, w.n, ps, out);
		out->entries = w.entries;
	}
	free(w.recs);
	if (rc < 0)
		return err_set(e, -rc, "conntrack: dump: %s", strerror(-rc));
	return 0;
}
