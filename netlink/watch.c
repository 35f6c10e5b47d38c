/* SPDX-License-Identifier: MIT */
/* The daemon's netlink monitor: tells the loop when the CE's own IPv6
 * addressing changed, which (HB46PP Q7, Q8) means asking the provisioning
 * server again. It keeps the set of usable global IPv6 addresses and the
 * prefixes seen in router advertisements on the WAN and LANs, and the
 * WAN's MTU and running state; an event counts only when it changes one
 * of those, so the lifetime refresh every RA brings is not a change, and
 * neither is our own tunnel-source /128 (IFA_PROTO V6MIG_RTPROT), nor the
 * first sight of a prefix an address we hold already comes from.
 *
 * It also notices when something of ours goes (issue 11 item 7: `ip addr
 * flush`, `nft flush ruleset`, another network manager): a link named
 * v6mig<n>, an address carrying our IFA_PROTO or on one of our links, an
 * IPv4 route of our protocol, anything in our nftables table (a second
 * socket on NFNLGRP_NFTABLES). Our own reconciling removes such things
 * too, so a loss is a reason to compare, not proof: the daemon re-applies
 * its plan, which writes nothing when the kernel still holds it. */
#include "rtnl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <net/if.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/socket.h>
#include <stdlib.h>
#include <string.h>

#include "nlutil.h"

#define WATCH_IFS (1 + PLAN_MAX_LAN)
#define WATCH_MAX 64            /* addresses / prefixes remembered */
#define DRAIN_MAX 256           /* reads per drain, then back to the loop */
#define RX_BUFFER (256 * 1024)  /* room for a burst of events */
#define LOST_MAX 160             /* what was lost, for the log */

struct wentry {
	int ifindex;
	struct in6_addr a;
	uint8_t plen;
};

struct rt_watch {
	struct nl_sock *sk;
	char names[WATCH_IFS][IFNAMSIZ];
	int idx[WATCH_IFS];          /* [0] is the WAN */
	size_t n_ifs;
	uint32_t wan_mtu;
	bool wan_running;
	struct wentry addrs[WATCH_MAX];
	size_t n_addrs;
	struct wentry pfx[WATCH_MAX];
	size_t n_pfx;
	bool changed;
	struct mnl_socket *nft;      /* NFNLGRP_NFTABLES, or NULL */
	char nft_buf[16384];
	bool lost;
	char lost_what[LOST_MAX];
};

/* Note one thing of ours gone ("link v6mig0", ...): the first few kept. */
static void lost(struct rt_watch *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void lost(struct rt_watch *w, const char *fmt, ...)
{
	size_t len = strlen(w->lost_what);
	char one[96];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(one, sizeof(one), fmt, ap);
	va_end(ap);
	w->lost = true;
	if (strstr(w->lost_what, one))
		return;
	if (len + strlen(one) + 7 < sizeof(w->lost_what))
		snprintf(w->lost_what + len, sizeof(w->lost_what) - len, "%s%s",
			 len ? ", " : "", one);
	else if (!strstr(w->lost_what, "..."))
		snprintf(w->lost_what + len, sizeof(w->lost_what) - len, ", ...");
}

static bool watched(const struct rt_watch *w, int idx)
{
	for (size_t i = 0; i < w->n_ifs; i++)
		if (w->idx[i] == idx)
			return true;
	return false;
}

static struct wentry *find(struct wentry *set, size_t n, int idx,
			   const struct in6_addr *a, uint8_t plen)
{
	for (size_t i = 0; i < n; i++)
		if (set[i].ifindex == idx && set[i].plen == plen &&
		    !memcmp(&set[i].a, a, 16))
			return &set[i];
	return NULL;
}

/* Add (or remove) one entry; true when the set changed. */
static bool set_put(struct wentry *set, size_t *n, int idx,
		    const struct in6_addr *a, uint8_t plen, bool present)
{
	struct wentry *x = find(set, *n, idx, a, plen);

	if (present == (x != NULL))
		return false;
	if (x)
		*x = set[--*n];
	else if (*n < WATCH_MAX)
		set[(*n)++] = (struct wentry){ idx, *a, plen };
	return true;
}

static bool usable(const struct nladdr *a)
{
	return !(a->flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED));
}

/* An address of ours removed: IFA_PROTO ours, or on a link of ours
 * (IFA_LABEL, IPv4's name of the link). */
static void addr_gone(struct rt_watch *w, const struct nlmsghdr *h,
		      const struct nladdr *a)
{
	struct nlattr *tb[IFA_MAX + 1];
	char b[V6_STR_MAX];
	bool ours = a->proto == V6MIG_RTPROT;

	if (!ours && a->family == AF_INET &&
	    nlmsg_parse((struct nlmsghdr *)h, sizeof(struct ifaddrmsg), tb,
			IFA_MAX, NULL) == 0 && tb[IFA_LABEL])
		ours = backend_link_name_ours(nla_get_string(tb[IFA_LABEL]));
	if (ours)
		lost(w, "address %s/%u", a->family == AF_INET6 ?
		     v6addr_str(&a->v6, b) : v4addr_str(a->v4, b), a->plen);
}

static void on_addr(struct rt_watch *w, const struct nlmsghdr *h)
{
	struct nladdr a;
	bool present;

	if (nladdr_parse(h, &a) == 0 && h->nlmsg_type == RTM_DELADDR)
		addr_gone(w, h, &a);
	if (nladdr_parse(h, &a) || a.family != AF_INET6 ||
	    !watched(w, a.ifindex) || !v6_is_global(&a.v6) ||
	    a.proto == V6MIG_RTPROT)
		return;
	present = h->nlmsg_type == RTM_NEWADDR && usable(&a);
	if (set_put(w->addrs, &w->n_addrs, a.ifindex, &a.v6, a.plen, present))
		w->changed = true;
}

static bool in_prefix(const struct in6_addr *addr, const struct in6_addr *p,
		      uint8_t plen)
{
	const uint8_t *a = addr->s6_addr;
	unsigned int full = plen / 8u, rest = plen % 8u;

	if (memcmp(a, p->s6_addr, full))
		return false;
	return !rest || !((a[full] ^ p->s6_addr[full]) & (0xffu << (8 - rest)));
}

/* True when one of the addresses held on IDX lies inside P/PLEN. */
static bool covers_held(const struct rt_watch *w, int idx,
			const struct in6_addr *p, uint8_t plen)
{
	for (size_t i = 0; i < w->n_addrs; i++)
		if (w->addrs[i].ifindex == idx && in_prefix(&w->addrs[i].a, p, plen))
			return true;
	return false;
}

struct pending {
	int idx;
	const struct in6_addr *p;
	uint8_t plen;
	bool found;
};

static int find_tentative(const struct nladdr *a, void *arg)
{
	struct pending *q = arg;

	if (a->family == AF_INET6 && a->ifindex == q->idx &&
	    (a->flags & IFA_F_TENTATIVE) && !(a->flags & IFA_F_DADFAILED) &&
	    in_prefix(&a->v6, q->p, q->plen))
		q->found = true;
	return 0;
}

/* SLAAC (RFC 4862 5.4): the kernel makes the address of a new prefix,
 * tentative, before it announces the prefix, and announces the address
 * only once DAD is done. True when such an address is on its way: it
 * will count by itself, from a source the server may answer for (Q8),
 * and a fetch now would come from the address being left (RFC 6724
 * rule 3 still picks a deprecated one over a tentative one). A failed
 * dump says no: a fetch too many is the safe side. */
static bool address_coming(int idx, const struct in6_addr *p, uint8_t plen)
{
	struct pending q = { idx, p, plen, false };
	struct nlconn c;
	struct err e;
	int rc = -EAGAIN;

	if (nlconn_open(&c, &e))
		return false;
	for (int i = 0; i < 3 && rc == -EAGAIN; i++)
		rc = nlconn_dump_addrs(&c, find_tentative, &q, &e);
	nlconn_close(&c);
	return rc == 0 && q.found;
}

/* The kernel keeps no list of RA prefixes to dump at start, so the first
 * RA after it is news to us even when nothing changed. A prefix is a
 * change (Q8: renumbering) only when no address we hold on that interface
 * comes from it and none is being made from it (tentative, in DAD): that
 * address counts by itself once it is usable. */
static void on_prefix(struct rt_watch *w, struct nlmsghdr *h)
{
	struct nlattr *tb[PREFIX_MAX + 1];
	const struct prefixmsg *pm;
	struct in6_addr p;

	if (nlmsg_parse(h, sizeof(*pm), tb, PREFIX_MAX, NULL) < 0 ||
	    !tb[PREFIX_ADDRESS] || nla_len(tb[PREFIX_ADDRESS]) != 16)
		return;
	pm = nlmsg_data(h);
	memcpy(&p, nla_data(tb[PREFIX_ADDRESS]), 16);
	if (pm->prefix_len > 128 || !watched(w, pm->prefix_ifindex) || !v6_is_global(&p))
		return;
	if (set_put(w->pfx, &w->n_pfx, pm->prefix_ifindex, &p, pm->prefix_len, true) &&
	    !covers_held(w, pm->prefix_ifindex, &p, pm->prefix_len) &&
	    !address_coming(pm->prefix_ifindex, &p, pm->prefix_len))
		w->changed = true;
}

static void on_link(struct rt_watch *w, struct nlmsghdr *h)
{
	struct nlattr *tb[IFLA_MAX + 1];
	const struct ifinfomsg *ifi;
	const char *name;
	bool running;

	if (nlmsg_parse(h, sizeof(*ifi), tb, IFLA_MAX, NULL) < 0 || !tb[IFLA_IFNAME])
		return;
	ifi = nlmsg_data(h);
	name = nla_get_string(tb[IFLA_IFNAME]);
	if (h->nlmsg_type == RTM_DELLINK && backend_link_name_ours(name))
		lost(w, "link %s", name);
	for (size_t i = 0; i < w->n_ifs; i++) {
		if (strcmp(name, w->names[i]))
			continue;
		/* Gone, or made again with another index: a new interface. */
		if (h->nlmsg_type == RTM_DELLINK || w->idx[i] != ifi->ifi_index) {
			w->idx[i] = h->nlmsg_type == RTM_DELLINK ? 0 : ifi->ifi_index;
			w->changed = true;
		}
		if (i != 0 || h->nlmsg_type != RTM_NEWLINK)
			continue;
		running = (ifi->ifi_flags & IFF_RUNNING) != 0;
		if (running != w->wan_running ||
		    (tb[IFLA_MTU] && nla_get_u32(tb[IFLA_MTU]) != w->wan_mtu)) {
			w->wan_running = running;
			if (tb[IFLA_MTU])
				w->wan_mtu = nla_get_u32(tb[IFLA_MTU]);
			w->changed = true;
		}
	}
}

static void on_route(struct rt_watch *w, struct nlmsghdr *h)
{
	const struct rtmsg *rt = nlmsg_data(h);
	struct nlattr *tb[RTA_MAX + 1];
	struct in_addr dst = { 0 };
	char b[V6_STR_MAX];

	if (h->nlmsg_type != RTM_DELROUTE || rt->rtm_family != AF_INET ||
	    rt->rtm_protocol != V6MIG_RTPROT ||
	    nlmsg_parse(h, sizeof(*rt), tb, RTA_MAX, NULL) < 0)
		return;
	if (tb[RTA_DST] && nla_len(tb[RTA_DST]) == 4)
		memcpy(&dst, nla_data(tb[RTA_DST]), 4);
	lost(w, "route %s/%u", v4addr_str(dst, b), rt->rtm_dst_len);
}

static int on_event(struct nl_msg *msg, void *arg)
{
	struct rt_watch *w = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);

	switch (h->nlmsg_type) {
	case RTM_NEWADDR:
	case RTM_DELADDR:
		on_addr(w, h);
		break;
	case RTM_NEWPREFIX:
		on_prefix(w, h);
		break;
	case RTM_NEWLINK:
	case RTM_DELLINK:
		on_link(w, h);
		break;
	case RTM_DELROUTE:
		on_route(w, h);
		break;
	}
	return NL_OK;
}

/* ---- the first snapshot ------------------------------------------------------- */

static int snap_addr(const struct nladdr *a, void *arg)
{
	struct rt_watch *w = arg;

	if (a->family == AF_INET6 && watched(w, a->ifindex) &&
	    v6_is_global(&a->v6) && a->proto != V6MIG_RTPROT && usable(a))
		set_put(w->addrs, &w->n_addrs, a->ifindex, &a->v6, a->plen, true);
	return 0;
}

/* A dump interrupted by a concurrent change is read again (set_put makes
 * an entry seen twice harmless). */
static int snap_addrs(struct nlconn *c, struct rt_watch *w, struct err *e)
{
	int rc = -EAGAIN;

	for (int i = 0; i < 3 && rc == -EAGAIN; i++)
		rc = nlconn_dump_addrs(c, snap_addr, w, e);
	return rc;
}

static int snapshot(struct rt_watch *w, struct err *e)
{
	struct nlconn c;
	struct rtnl_link *l;
	int rc;

	if ((rc = nlconn_open(&c, e)))
		return rc;
	for (size_t i = 0; i < w->n_ifs && !rc; i++) {
		if (rtnl_link_get_kernel(c.sk, 0, w->names[i], &l) < 0) {
			rc = err_set(e, ENODEV, "no interface '%s'", w->names[i]);
			break;
		}
		w->idx[i] = rtnl_link_get_ifindex(l);
		if (i == 0) {
			w->wan_mtu = rtnl_link_get_mtu(l);
			w->wan_running = (rtnl_link_get_flags(l) & IFF_RUNNING) != 0;
		}
		rtnl_link_put(l);
	}
	if (!rc)
		rc = snap_addrs(&c, w, e);
	nlconn_close(&c);
	return rc;
}

static int subscribe(struct rt_watch *w, struct err *e)
{
	int rc;

	if (!(w->sk = nl_socket_alloc()))
		return err_set(e, ENOMEM, "out of memory");
	nl_socket_disable_seq_check(w->sk);
	nl_socket_modify_cb(w->sk, NL_CB_VALID, NL_CB_CUSTOM, on_event, w);
	if ((rc = nl_connect(w->sk, NETLINK_ROUTE)) < 0 ||
	    (rc = nl_socket_add_memberships(w->sk, RTNLGRP_LINK,
					    RTNLGRP_IPV6_IFADDR,
					    RTNLGRP_IPV6_PREFIX,
					    RTNLGRP_IPV4_IFADDR,
					    RTNLGRP_IPV4_ROUTE, 0)) < 0 ||
	    (rc = nl_socket_set_nonblocking(w->sk)) < 0)
		return err_set(e, -nle_errno(rc), "netlink monitor: %s",
			       nl_geterror(rc));
	nl_socket_set_buffer_size(w->sk, RX_BUFFER, 0);
	return 0;
}

/* ---- our nftables table ------------------------------------------------------- */

static int nft_subscribe(struct rt_watch *w, struct err *e)
{
	int grp = NFNLGRP_NFTABLES, fd;

	w->nft = mnl_socket_open(NETLINK_NETFILTER);
	if (!w->nft || mnl_socket_bind(w->nft, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_setsockopt(w->nft, NETLINK_ADD_MEMBERSHIP, &grp,
				  sizeof(grp)) < 0)
		return err_set(e, errno, "nftables monitor: %s", strerror(errno));
	fd = mnl_socket_get_fd(w->nft);
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0)
		return err_set(e, errno, "nftables monitor: %s", strerror(errno));
	return 0;
}

/* NFT_MSG_DEL* of anything in our table: attribute 1 is the table's name
 * in every one of them (NFTA_TABLE_NAME, NFTA_CHAIN_TABLE, ...). */
static void on_nft(struct rt_watch *w, const struct nlmsghdr *h)
{
	static const char *const kinds[] = {
		[NFT_MSG_DELTABLE] = "table", [NFT_MSG_DELCHAIN] = "chain",
		[NFT_MSG_DELRULE] = "rule", [NFT_MSG_DELSET] = "set",
		[NFT_MSG_DELSETELEM] = "set element",
	};
	unsigned type = NFNL_MSG_TYPE(h->nlmsg_type);
	const struct nfgenmsg *g = mnl_nlmsg_get_payload(h);
	const struct nlattr *a;

	if (NFNL_SUBSYS_ID(h->nlmsg_type) != NFNL_SUBSYS_NFTABLES ||
	    type >= sizeof(kinds) / sizeof(kinds[0]) || !kinds[type] ||
	    h->nlmsg_len < NLMSG_LENGTH(sizeof(*g)) || g->nfgen_family != NFPROTO_IPV4)
		return;
	mnl_attr_for_each(a, h, sizeof(*g))
		if (mnl_attr_get_type(a) == 1 &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0 &&
		    !strcmp(mnl_attr_get_str(a), V6MIG_NFT_TABLE)) {
			lost(w, "nft %s in table ip %s", kinds[type], V6MIG_NFT_TABLE);
			return;
		}
}

static int nft_drain(struct rt_watch *w, struct err *e)
{
	for (int i = 0; w->nft && i < DRAIN_MAX; i++) {
		ssize_t n = mnl_socket_recvfrom(w->nft, w->nft_buf, sizeof(w->nft_buf));
		const struct nlmsghdr *h = (const struct nlmsghdr *)w->nft_buf;
		int len = (int)n;

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0 && errno == ENOBUFS) {
			/* Events lost: look at the kernel to be sure. */
			lost(w, "nft events (ENOBUFS)");
			continue;
		}
		if (n < 0)
			return err_set(e, errno, "nftables monitor: %s",
				       strerror(errno));
		for (; mnl_nlmsg_ok(h, len); h = mnl_nlmsg_next(h, &len))
			on_nft(w, h);
	}
	return 0;
}

int rt_watch_open(const char *wan, const char *const *lans, size_t n_lans,
		  struct rt_watch **out, struct err *e)
{
	struct rt_watch *w;
	int rc;

	if (n_lans + 1 > WATCH_IFS)
		return err_set(e, E2BIG, "over %d LAN interfaces", PLAN_MAX_LAN);
	if (!(w = calloc(1, sizeof(*w))))
		return err_set(e, ENOMEM, "out of memory");
	for (size_t i = 0; i <= n_lans; i++) {
		const char *n = i ? lans[i - 1] : wan;

		if (strlen(n) >= IFNAMSIZ) {
			rt_watch_free(w);
			return err_set(e, EINVAL, "interface name '%s' too long", n);
		}
		strcpy(w->names[w->n_ifs++], n);
	}
	/* Subscribe first, then look: nothing falls between the two. */
	if ((rc = subscribe(w, e)) || (rc = snapshot(w, e)) ||
	    (rc = nft_subscribe(w, e))) {
		rt_watch_free(w);
		return rc;
	}
	*out = w;
	return 0;
}

int rt_watch_fd(const struct rt_watch *w)
{
	return nl_socket_get_fd(w->sk);
}

int rt_watch_nft_fd(const struct rt_watch *w)
{
	return w->nft ? mnl_socket_get_fd(w->nft) : -1;
}

bool rt_watch_lost(struct rt_watch *w, char *what, size_t size)
{
	bool was = w->lost;

	if (was && size)
		snprintf(what, size, "%s", w->lost_what);
	w->lost = false;
	w->lost_what[0] = '\0';
	return was;
}

int rt_watch_drain(struct rt_watch *w, bool *changed, struct err *e)
{
	int rc;

	if ((rc = nft_drain(w, e)))
		return rc;
	w->changed = false;
	for (int i = 0; i < DRAIN_MAX; i++) {
		rc = nl_recvmsgs_default(w->sk);
		if (rc == -NLE_AGAIN)
			break;
		if (rc == -NLE_NOMEM) {
			/* ENOBUFS: events were lost; assume a change and
			 * take a fresh snapshot to compare against. */
			w->changed = true;
			lost(w, "route events (ENOBUFS)");
			w->n_addrs = w->n_pfx = 0;
			if ((rc = snapshot(w, e)))
				return rc;
			continue;
		}
		if (rc < 0)
			return err_set(e, -nle_errno(rc), "netlink monitor: %s",
				       nl_geterror(rc));
	}
	*changed = w->changed;
	return 0;
}

void rt_watch_free(struct rt_watch *w)
{
	if (!w)
		return;
	if (w->sk)
		nl_socket_free(w->sk);
	if (w->nft)
		mnl_socket_close(w->nft);
	free(w);
}
