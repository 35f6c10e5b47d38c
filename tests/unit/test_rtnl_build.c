/* SPDX-License-Identifier: MIT */
/* Build and parse back: the netlink messages netlink/rtnl.c would send
 * for a plan, checked attribute by attribute twice -- raw (every
 * IFLA_IPTUN_* attribute is there, since a change message resets what it
 * omits) and through libnl's own parsers. No kernel needed. Also the
 * extended-ACK text extraction on hand-made NLMSG_ERROR messages. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../netlink/nlutil.h"
#include "../../netlink/rtnl.h"

#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/if_tunnel.h>
#include <linux/ip6_tunnel.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/ip6tnl.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void v6(const char *s, struct in6_addr *a)
{
	assert_int_equal(v6addr_parse(s, a), 0);
}

/* The MAP-E tunnel of RFC 7597 Appendix A ex. 1 behind BR 2001:db8::1. */
static void mape_link(struct klink *k)
{
	struct plan_link l;

	memset(&l, 0, sizeof(l));
	strcpy(l.name, "v6mig0");
	strcpy(l.underlay, "eth0");
	v6("2001:db8:12:3400:0:c000:212:34", &l.local);
	v6("2001:db8::1", &l.remote);
	l.hoplimit = 64;
	l.flags = IP6_TNL_F_IGN_ENCAP_LIMIT;
	l.proto = IPPROTO_IPIP;
	l.mtu = 1460;
	klink_from_plan(&l, k);
}

/* ---- parsing back through libnl --------------------------------------------- */

static void on_obj(struct nl_object *o, void *arg)
{
	nl_object_get(o);
	*(struct nl_object **)arg = o;
}

static struct nl_object *parse_back(struct nl_msg *msg)
{
	struct nl_object *o = NULL;

	nlmsg_set_proto(msg, NETLINK_ROUTE);
	assert_true(nl_msg_parse(msg, on_obj, &o) >= 0);
	assert_non_null(o);
	return o;
}

/* ---- links ---------------------------------------------------------------- */

static void check_iptun_raw(struct nl_msg *msg, const struct klink *k, int under)
{
	struct nlattr *tb[IFLA_MAX + 1], *li[IFLA_INFO_MAX + 1];
	struct nlattr *d[IFLA_IPTUN_MAX + 1];
	static const int every[] = {
		IFLA_IPTUN_LINK, IFLA_IPTUN_LOCAL, IFLA_IPTUN_REMOTE,
		IFLA_IPTUN_TTL, IFLA_IPTUN_TOS, IFLA_IPTUN_ENCAP_LIMIT,
		IFLA_IPTUN_FLOWINFO, IFLA_IPTUN_FLAGS, IFLA_IPTUN_PROTO,
		IFLA_IPTUN_FWMARK,
	};

	assert_int_equal(nlmsg_parse(nlmsg_hdr(msg), sizeof(struct ifinfomsg),
				     tb, IFLA_MAX, NULL), 0);
	assert_non_null(tb[IFLA_IFNAME]);
	assert_string_equal(nla_get_string(tb[IFLA_IFNAME]), "v6mig0");
	assert_non_null(tb[IFLA_MTU]);
	assert_int_equal(nla_get_u32(tb[IFLA_MTU]), 1460);
	assert_non_null(tb[IFLA_LINKINFO]);
	assert_int_equal(nla_parse_nested(li, IFLA_INFO_MAX, tb[IFLA_LINKINFO], NULL), 0);
	assert_string_equal(nla_get_string(li[IFLA_INFO_KIND]), "ip6tnl");
	assert_non_null(li[IFLA_INFO_DATA]);
	assert_int_equal(nla_parse_nested(d, IFLA_IPTUN_MAX, li[IFLA_INFO_DATA], NULL), 0);
	for (size_t i = 0; i < sizeof(every) / sizeof(every[0]); i++)
		assert_non_null(d[every[i]]);
	assert_int_equal(nla_get_u32(d[IFLA_IPTUN_LINK]), under);
	assert_memory_equal(nla_data(d[IFLA_IPTUN_LOCAL]), &k->l.local, 16);
	assert_memory_equal(nla_data(d[IFLA_IPTUN_REMOTE]), &k->l.remote, 16);
	assert_int_equal(nla_get_u8(d[IFLA_IPTUN_TTL]), 64);
	assert_int_equal(nla_get_u8(d[IFLA_IPTUN_TOS]), 0);
	assert_int_equal(nla_get_u8(d[IFLA_IPTUN_ENCAP_LIMIT]), KLINK_ENCAP_LIMIT);
	assert_int_equal(nla_get_u32(d[IFLA_IPTUN_FLOWINFO]), 0);
	assert_int_equal(nla_get_u32(d[IFLA_IPTUN_FLAGS]), IP6_TNL_F_IGN_ENCAP_LIMIT);
	assert_int_equal(nla_get_u8(d[IFLA_IPTUN_PROTO]), IPPROTO_IPIP);
	assert_int_equal(nla_get_u32(d[IFLA_IPTUN_FWMARK]), 0);
}

static void test_link_add_message(void **state)
{
	struct klink k;
	struct nl_msg *msg;
	struct nlmsghdr *h;
	struct ifinfomsg *ifi;
	struct rtnl_link *l;
	struct in6_addr a;
	struct err e;

	(void)state;
	mape_link(&k);
	assert_int_equal(rt_build_link(&k, 7, NLM_F_CREATE | NLM_F_EXCL, &msg, &e), 0);
	h = nlmsg_hdr(msg);
	assert_int_equal(h->nlmsg_type, RTM_NEWLINK);
	assert_int_equal(h->nlmsg_flags & (NLM_F_CREATE | NLM_F_EXCL),
			 NLM_F_CREATE | NLM_F_EXCL);
	ifi = nlmsg_data(h);
	/* Brought up in the same message. */
	assert_true(ifi->ifi_flags & IFF_UP);
	assert_true(ifi->ifi_change & IFF_UP);
	check_iptun_raw(msg, &k, 7);

	l = (struct rtnl_link *)parse_back(msg);
	assert_true(rtnl_link_is_ip6_tnl(l));
	assert_string_equal(rtnl_link_get_name(l), "v6mig0");
	assert_int_equal(rtnl_link_get_mtu(l), 1460);
	assert_int_equal(rtnl_link_ip6_tnl_get_link(l), 7);
	assert_int_equal(rtnl_link_ip6_tnl_get_local(l, &a), 0);
	assert_memory_equal(&a, &k.l.local, 16);
	assert_int_equal(rtnl_link_ip6_tnl_get_remote(l, &a), 0);
	assert_memory_equal(&a, &k.l.remote, 16);
	assert_int_equal(rtnl_link_ip6_tnl_get_ttl(l), 64);
	assert_int_equal(rtnl_link_ip6_tnl_get_flags(l), IP6_TNL_F_IGN_ENCAP_LIMIT);
	assert_int_equal(rtnl_link_ip6_tnl_get_proto(l), IPPROTO_IPIP);
	assert_int_equal(rtnl_link_ip6_tnl_get_encaplimit(l), KLINK_ENCAP_LIMIT);
	rtnl_link_put(l);
	nlmsg_free(msg);
}

static void test_link_change_message_carries_everything(void **state)
{
	struct klink k;
	struct nl_msg *msg;
	struct nlmsghdr *h;
	struct err e;

	(void)state;
	mape_link(&k);
	v6("2001:db8::2", &k.l.remote); /* another BR: a change */
	assert_int_equal(rt_build_link(&k, 7, 0, &msg, &e), 0);
	h = nlmsg_hdr(msg);
	assert_int_equal(h->nlmsg_type, RTM_NEWLINK);
	/* Not a create: the kernel runs changelink on the existing link. */
	assert_int_equal(h->nlmsg_flags & (NLM_F_CREATE | NLM_F_EXCL | NLM_F_REPLACE), 0);
	check_iptun_raw(msg, &k, 7);
	nlmsg_free(msg);
}

/* ---- addresses ------------------------------------------------------------ */

static void test_tunnel_source_address_message(void **state)
{
	struct plan_addr pa;
	struct kaddr k;
	struct nl_msg *msg;
	struct nlattr *tb[IFA_MAX + 1];
	struct ifaddrmsg *ifa;
	struct rtnl_addr *ra;
	struct err e;

	(void)state;
	memset(&pa, 0, sizeof(pa));
	strcpy(pa.ifname, "eth0");
	pa.family = AF_INET6;
	v6("2001:db8:12:3400:0:c000:212:34", &pa.v6);
	pa.plen = 128;
	pa.nodad = true;
	kaddr_from_plan(&pa, &k);
	assert_int_equal(rt_build_addr(&k, 3, RTM_NEWADDR,
				       NLM_F_CREATE | NLM_F_EXCL, &msg, &e), 0);
	assert_int_equal(nlmsg_hdr(msg)->nlmsg_type, RTM_NEWADDR);
	assert_true(nlmsg_hdr(msg)->nlmsg_flags & NLM_F_EXCL);
	assert_int_equal(nlmsg_parse(nlmsg_hdr(msg), sizeof(*ifa), tb, IFA_MAX, NULL), 0);
	ifa = nlmsg_data(nlmsg_hdr(msg));
	assert_int_equal(ifa->ifa_family, AF_INET6);
	assert_int_equal(ifa->ifa_prefixlen, 128);
	assert_int_equal(ifa->ifa_index, 3);
	assert_true((tb[IFA_FLAGS] ? nla_get_u32(tb[IFA_FLAGS]) : ifa->ifa_flags) &
		    IFA_F_NODAD);
	assert_non_null(tb[IFA_LOCAL]);
	assert_memory_equal(nla_data(tb[IFA_LOCAL]), &pa.v6, 16);
	/* Marked ours in the kernel (Linux >= 6.1). */
	assert_non_null(tb[IFA_PROTO]);
	assert_int_equal(nla_get_u8(tb[IFA_PROTO]), V6MIG_RTPROT);

	ra = (struct rtnl_addr *)parse_back(msg);
	assert_int_equal(rtnl_addr_get_ifindex(ra), 3);
	assert_int_equal(rtnl_addr_get_prefixlen(ra), 128);
	assert_true(rtnl_addr_get_flags(ra) & IFA_F_NODAD);
	assert_memory_equal(nl_addr_get_binary_addr(rtnl_addr_get_local(ra)), &pa.v6, 16);
	rtnl_addr_put(ra);
	nlmsg_free(msg);
}

static void test_tunnel_ipv4_address_message(void **state)
{
	struct plan_addr pa;
	struct kaddr k;
	struct nl_msg *msg;
	struct nlattr *tb[IFA_MAX + 1];
	struct ifaddrmsg *ifa;
	struct err e;

	(void)state;
	memset(&pa, 0, sizeof(pa));
	strcpy(pa.ifname, "v6mig0");
	pa.family = AF_INET;
	assert_int_equal(v4addr_parse("192.0.0.2", &pa.v4), 0);
	pa.plen = 29; /* RFC 6333 B4 */
	kaddr_from_plan(&pa, &k);
	assert_int_equal(rt_build_addr(&k, 9, RTM_NEWADDR,
				       NLM_F_CREATE | NLM_F_EXCL, &msg, &e), 0);
	assert_int_equal(nlmsg_parse(nlmsg_hdr(msg), sizeof(*ifa), tb, IFA_MAX, NULL), 0);
	ifa = nlmsg_data(nlmsg_hdr(msg));
	assert_int_equal(ifa->ifa_family, AF_INET);
	assert_int_equal(ifa->ifa_prefixlen, 29);
	assert_int_equal(ifa->ifa_index, 9);
	assert_int_equal((tb[IFA_FLAGS] ? nla_get_u32(tb[IFA_FLAGS]) : ifa->ifa_flags) &
			 IFA_F_NODAD, 0);
	assert_memory_equal(nla_data(tb[IFA_LOCAL]), &pa.v4, 4);
	nlmsg_free(msg);

	assert_int_equal(rt_build_addr(&k, 9, RTM_DELADDR, 0, &msg, &e), 0);
	assert_int_equal(nlmsg_hdr(msg)->nlmsg_type, RTM_DELADDR);
	nlmsg_free(msg);
}

/* ---- routes --------------------------------------------------------------- */

static void test_default_route_message(void **state)
{
	struct plan_route pr;
	struct kroute k;
	struct nl_msg *msg;
	struct nlattr *tb[RTA_MAX + 1], *mx[RTAX_MAX + 1];
	struct rtmsg *rtm;
	struct rtnl_route *rt;
	uint32_t mtu = 0;
	struct err e;

	(void)state;
	memset(&pr, 0, sizeof(pr));
	strcpy(pr.dev, "v6mig0");
	pr.family = AF_INET;
	pr.mtu = 1460;
	kroute_from_plan(&pr, &k);
	assert_int_equal(rt_build_route(&k, 9, RTM_NEWROUTE,
					NLM_F_CREATE | NLM_F_EXCL, &msg, &e), 0);
	assert_int_equal(nlmsg_hdr(msg)->nlmsg_type, RTM_NEWROUTE);
	assert_true(nlmsg_hdr(msg)->nlmsg_flags & NLM_F_EXCL);
	assert_false(nlmsg_hdr(msg)->nlmsg_flags & NLM_F_REPLACE);
	rtm = nlmsg_data(nlmsg_hdr(msg));
	assert_int_equal(rtm->rtm_family, AF_INET);
	assert_int_equal(rtm->rtm_dst_len, 0);
	assert_int_equal(rtm->rtm_protocol, V6MIG_RTPROT);
	assert_int_equal(rtm->rtm_scope, RT_SCOPE_LINK);
	assert_int_equal(rtm->rtm_type, RTN_UNICAST);
	assert_int_equal(nlmsg_parse(nlmsg_hdr(msg), sizeof(*rtm), tb, RTA_MAX, NULL), 0);
	assert_int_equal(tb[RTA_TABLE] ? nla_get_u32(tb[RTA_TABLE]) : rtm->rtm_table,
			 RT_TABLE_MAIN);
	assert_non_null(tb[RTA_OIF]);
	assert_int_equal(nla_get_u32(tb[RTA_OIF]), 9);
	assert_null(tb[RTA_GATEWAY]);
	assert_non_null(tb[RTA_METRICS]);
	assert_int_equal(nla_parse_nested(mx, RTAX_MAX, tb[RTA_METRICS], NULL), 0);
	assert_non_null(mx[RTAX_MTU]);
	assert_int_equal(nla_get_u32(mx[RTAX_MTU]), 1460);

	rt = (struct rtnl_route *)parse_back(msg);
	assert_int_equal(rtnl_route_get_protocol(rt), V6MIG_RTPROT);
	assert_int_equal(rtnl_route_get_table(rt), RT_TABLE_MAIN);
	assert_int_equal(rtnl_route_get_metric(rt, RTAX_MTU, &mtu), 0);
	assert_int_equal(mtu, 1460);
	assert_int_equal(rtnl_route_get_nnexthops(rt), 1);
	assert_int_equal(rtnl_route_nh_get_ifindex(rtnl_route_nexthop_n(rt, 0)), 9);
	rtnl_route_put(rt);
	nlmsg_free(msg);

	/* The replace of our own route, and its delete. */
	assert_int_equal(rt_build_route(&k, 9, RTM_NEWROUTE,
					NLM_F_CREATE | NLM_F_REPLACE, &msg, &e), 0);
	assert_true(nlmsg_hdr(msg)->nlmsg_flags & NLM_F_REPLACE);
	assert_false(nlmsg_hdr(msg)->nlmsg_flags & NLM_F_EXCL);
	nlmsg_free(msg);
	assert_int_equal(rt_build_route(&k, 9, RTM_DELROUTE, 0, &msg, &e), 0);
	assert_int_equal(nlmsg_hdr(msg)->nlmsg_type, RTM_DELROUTE);
	rtm = nlmsg_data(nlmsg_hdr(msg));
	/* A delete names our protocol: the kernel only matches ours. */
	assert_int_equal(rtm->rtm_protocol, V6MIG_RTPROT);
	nlmsg_free(msg);
}

/* ---- extended ACK --------------------------------------------------------- */

/* An NLMSG_ERROR as the kernel's netlink_ack() lays it out. */
static size_t make_error(char *buf, bool capped, const char *text)
{
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	struct nlmsgerr *err = NLMSG_DATA(h);
	size_t off = sizeof(*err), echo = capped ? 0 : 12;
	struct nlattr *a;

	memset(buf, 0, 512);
	err->error = -EOPNOTSUPP;
	err->msg.nlmsg_len = (uint32_t)(NLMSG_HDRLEN + echo);
	err->msg.nlmsg_type = RTM_NEWLINK;
	memset((char *)err + off, 0xab, echo); /* the echoed request */
	off = NLMSG_ALIGN(off + echo);
	h->nlmsg_type = NLMSG_ERROR;
	h->nlmsg_flags = (capped ? NLM_F_CAPPED : 0) | (text ? NLM_F_ACK_TLVS : 0);
	if (text) {
		a = (struct nlattr *)((char *)NLMSG_DATA(h) + off);
		a->nla_type = NLMSGERR_ATTR_MSG;
		a->nla_len = (uint16_t)(NLA_HDRLEN + strlen(text) + 1);
		strcpy((char *)a + NLA_HDRLEN, text);
		off += NLA_ALIGN(a->nla_len);
	}
	h->nlmsg_len = (uint32_t)NLMSG_LENGTH(off);
	return h->nlmsg_len;
}

static void test_ext_ack_text(void **state)
{
	char buf[512], text[NL_ACK_TEXT_MAX];

	(void)state;
	make_error(buf, true, "Unknown device type");
	nl_ext_ack_text((struct nlmsghdr *)buf, text, sizeof(text));
	assert_string_equal(text, "Unknown device type");
	/* Not capped: the TLVs come after the echo of our request. */
	make_error(buf, false, "Nexthop has invalid gateway");
	nl_ext_ack_text((struct nlmsghdr *)buf, text, sizeof(text));
	assert_string_equal(text, "Nexthop has invalid gateway");
	/* No TLVs: no text. */
	make_error(buf, true, NULL);
	nl_ext_ack_text((struct nlmsghdr *)buf, text, sizeof(text));
	assert_string_equal(text, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_link_add_message),
		cmocka_unit_test(test_link_change_message_carries_everything),
		cmocka_unit_test(test_tunnel_source_address_message),
		cmocka_unit_test(test_tunnel_ipv4_address_message),
		cmocka_unit_test(test_default_route_message),
		cmocka_unit_test(test_ext_ack_text),
	};

	return cmocka_run_group_tests_name("rtnl_build", tests, NULL, NULL);
}
