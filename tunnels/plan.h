/* SPDX-License-Identifier: MIT */
/* struct plan: everything the kernel should hold for us, and nothing it
 * should not. Made by the planners (pure), applied by netlink/. */
#ifndef V6MIG_PLAN_H
#define V6MIG_PLAN_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "err.h"
#include "map.h"
#include "method.h"

#define PLAN_MAX_LINKS 4
#define PLAN_MAX_ADDRS 8
#define PLAN_MAX_ROUTES 8
#define PLAN_MAX_LAN 8
#define PLAN_MAX_PREFIXES 16

#define V6MIG_LINK_PREFIX "v6mig"  /* our links: v6mig0, v6mig1, ... */
#define V6MIG_NFT_TABLE "v6mig"    /* our nftables table (family ip) */
#define V6MIG_RTPROT 233           /* our routes' protocol number */
#define V6MIG_TUNNEL_HOPLIMIT 64

/* Several agents, one per WAN, each own their objects by instance
 * (docs/DESIGN.md "Instances"). The unnamed instance keeps the names of a
 * single-WAN agent: link v6mig0, table v6mig. Instance NAME (1-9 of
 * letters, digits, _ . -; v6mig-agent@IFACE passes IFACE) owns link
 * v6mig-NAME and table v6mig-NAME (IFNAMSIZ: 6 + 9 = 15 characters).
 * The translator of MAP-T and 464XLAT is a veth pair: v6mig0/v6mig1 for
 * the unnamed instance, v6mig-NAME/v6mig_NAME for instance NAME (the
 * sixth character tells a link from a peer, so no two instances' names
 * meet). Both own only
 * IPv4 routes of protocol V6MIG_RTPROT through their own link. */
#define V6MIG_INSTANCE_MAX 9
#define V6MIG_NFT_TABLE_MAX 32
/* Our IPv4 default route's metric unless configured (route_metric):
 * beside a PPPoE/static default at metric 0, preferred to DHCP clients'
 * (NetworkManager 100, dhcpcd 200+, systemd-networkd 1024). */
#define V6MIG_ROUTE_METRIC_DEFAULT 10

struct plan_scope {
	char instance[V6MIG_INSTANCE_MAX + 1]; /* "" for the unnamed one */
	char link[IFNAMSIZ];                   /* our tunnel, or the
	                                        * translator's IPv4 side */
	char peer[IFNAMSIZ];                   /* the translator's veth peer */
	char table[V6MIG_NFT_TABLE_MAX];       /* our nftables table */
	uint32_t metric;                       /* our IPv4 routes' metric */
};

enum plan_link_kind {
	PLAN_LINK_IP6TNL = 0,    /* the tunnels */
	PLAN_LINK_VETH,          /* the translator's IPv4 side */
};

/* An ip6tnl in ipip6 mode (proto IPIP), with no encapsulation limit; or
 * (kind PLAN_LINK_VETH) a veth pair name/peer, ARP off on name, both up,
 * mtu on both; the ip6tnl fields are zero then. */
struct plan_link {
	enum plan_link_kind kind;
	char name[IFNAMSIZ];
	char peer[IFNAMSIZ];     /* veth: the other end */
	char underlay[IFNAMSIZ]; /* the WAN interface */
	struct in6_addr local, remote;
	uint8_t hoplimit;        /* 64 */
	uint32_t flags;          /* IP6_TNL_F_IGN_ENCAP_LIMIT */
	uint8_t proto;           /* IPPROTO_IPIP */
	uint32_t mtu;            /* WAN MTU - 40 */
};

struct plan_addr {
	char ifname[IFNAMSIZ];
	int family;              /* AF_INET or AF_INET6 */
	struct in6_addr v6;
	struct in_addr v4;
	uint8_t plen;
	bool nodad;              /* IFA_F_NODAD for the tunnel source */
};

struct plan_route {
	char dev[IFNAMSIZ];
	int family;              /* AF_INET */
	struct v4pfx dst;        /* 0.0.0.0/0 for the default route */
	uint32_t mtu;            /* RTAX_MTU, 0 for none */
	uint32_t metric;         /* RTA_PRIORITY: the scope's metric */
};

/* NAT44 into a port set: TCP and ICMP echo round-robin over the ranges,
 * UDP by hash of the inner source (endpoint-independent mapping). */
struct plan_nat {
	bool enabled;
	char out_ifname[IFNAMSIZ]; /* the tunnel */
	struct in_addr src;        /* the external IPv4 */
	struct portset ports;      /* len 0: every port */
};

/* Receive filters on the tunnel and MSS clamping. enabled covers the
 * receive filters only; mss, when non-zero, is clamped on the tunnel
 * either way (DS-Lite clamps but has no receive filter: its inner
 * addresses are the LAN's own, NAT44 happens at the AFTR). */
struct plan_filter {
	bool enabled;
	char in_ifname[IFNAMSIZ];  /* the tunnel, set whenever mss is */
	struct v4pfx ours;         /* inner destinations that are ours */
	struct portset ports;      /* drop TCP/UDP ports, ICMP ids outside */
	uint16_t mss;              /* clamp TCP MSS to this (tunnel MTU - 40) */
};

/* The stateless translator (RFC 7915) of MAP-T (RFC 7599) and the
 * 464XLAT CLAT (RFC 6877): what its programs and maps hold. IPv4 leaves
 * through the IPv4-side device dev (routes and NAT44 point there) and is
 * translated on its way out of the WAN; IPv6 to ipv6 arriving on the WAN
 * is translated back and handed to dev as received IPv4.
 *
 * MTU: a translated packet grows by 20 bytes (IPv6 40 - IPv4 20) and by 8
 * more when it needs a Fragment header (RFC 7915 5.1.1: an IPv4 fragment,
 * or a packet without DF). The IPv4 side is sized for the worst case,
 * growth = 28, so every translated packet fits the WAN unfragmented. */
#define PLAN_XLAT_MAX_FMRS 200      /* HB46PP S10: a map_t's rules */
#define PLAN_XLAT_GROWTH 28         /* IPv6 - IPv4 header, + Fragment */
#define PLAN_XLAT_DEV V6MIG_LINK_PREFIX "0"  /* the IPv4 side */
#define PLAN_XLAT_PEER V6MIG_LINK_PREFIX "1" /* its veth peer */
#define PLAN_CLAT_IPV4 "192.0.0.1"  /* RFC 7335, RFC 6877 6.3 */

/* How the access router reaches ipv6 on the WAN link. */
enum plan_xlat_nd {
	PLAN_XLAT_ND_ROUTED, /* inside a delegated prefix: routed to us */
	PLAN_XLAT_ND_ADDR,   /* on the WAN's /64: a /128 on the WAN answers NS */
};

struct plan_xlat {
	bool enabled;
	bool clat;               /* 464XLAT (else MAP-T) */
	char dev[IFNAMSIZ];      /* IPv4 side: the scope's link (unnamed:
	                          * PLAN_XLAT_DEV), an ARP-off veth */
	char peer[IFNAMSIZ];     /* its other end: the scope's peer
	                          * (unnamed: PLAN_XLAT_PEER) */
	char wan[IFNAMSIZ];      /* IPv6 side: the programs sit on its clsact */
	struct in_addr ipv4;     /* our IPv4 after NAT44 (CE / 192.0.0.1) */
	struct in6_addr ipv6;    /* the IPv6 it maps to (MAP-T CE / CLAT) */
	enum plan_xlat_nd nd;
	struct v6pfx remote;     /* RFC 6052 prefix: the DMR / nat64prefix */
	struct portset ports;    /* inbound ports and ICMP ids (len 0: all) */
	uint32_t mtu;            /* IPv4 side: WAN MTU - growth */
	uint8_t growth;          /* PLAN_XLAT_GROWTH */
	uint16_t mss;            /* mtu - 40 */
	/* MAP-T Forwarding Mapping Rules (RFC 7597 5, RFC 7599 5): every
	 * rule of the domain, the BMR too; IPv4 to a destination inside
	 * one goes straight to that CE's MAP-T address (mesh), the rest
	 * to the DMR. None for 464XLAT. */
	struct map_rule fmrs[PLAN_XLAT_MAX_FMRS];
	size_t n_fmrs;
};

/* MAP-E in mesh mode (RFC 7597 5, HB46PP S9 `mesh` 1): the eBPF mesh
 * programs (bpf/mesh.bpf.c) in place of the ip6tnl. IPv4 leaves through
 * the IPv4-side device dev (a veth end, ARP off, as the translator's:
 * routes and NAT44 point there) and is encapsulated on its way out of the
 * WAN, to the peer CE's MAP address inside a forwarding rule, else to the
 * BR; IPv4-in-IPv6 to ipv6 on the WAN is checked (RFC 7597 8.1) and
 * decapsulated into dev. MTU = WAN MTU - 40, as the tunnel's. */
#define PLAN_MESH_MAX_FMRS MAP_MAX_RULES /* HB46PP S9: mesh with 256 */

struct plan_mesh {
	bool enabled;
	char dev[IFNAMSIZ];      /* IPv4 side: PLAN_XLAT_DEV, an ARP-off veth */
	char peer[IFNAMSIZ];     /* its other end, PLAN_XLAT_PEER */
	char wan[IFNAMSIZ];      /* the programs sit on its clsact */
	struct in_addr ipv4;     /* our IPv4 after NAT44 (the BMR's) */
	struct in6_addr ipv6;    /* our MAP address: outer source / destination */
	struct in6_addr br;      /* every destination outside the rules */
	enum map_layout layout;  /* the peers' interface IDs (S9 version) */
	struct portset ports;    /* ours (len 0: all) */
	uint32_t mtu;            /* WAN MTU - 40 */
	uint16_t mss;            /* mtu - 40 */
	/* Every rule of the offer, the BMR too (RFC 7597 5: each rule is
	 * also an FMR in mesh mode); the loader leaves out the ones that
	 * delegate IPv4 prefixes (no per-port CE address: via the BR). */
	struct map_rule fmrs[PLAN_MESH_MAX_FMRS];
	size_t n_fmrs;
};

struct plan {
	enum method method;
	struct plan_scope scope; /* whose objects these are */
	struct plan_link links[PLAN_MAX_LINKS];
	size_t n_links;
	struct plan_addr addrs[PLAN_MAX_ADDRS];
	size_t n_addrs;
	struct plan_route routes[PLAN_MAX_ROUTES];
	size_t n_routes;
	struct plan_nat nat;
	struct plan_filter filter;
	struct plan_xlat xlat;
	struct plan_mesh mesh;
	/* For people: what was computed (status, calc-like output). */
	struct {
		struct in_addr ipv4;
		uint8_t ipv4_plen;
		struct portset ports;
		bool has_ports;
		struct in6_addr ce_ipv6;
		struct v6pfx eup;
		int rule_index;      /* the BMR, -1 when none */
	} info;
};

/* What the planners need to know about the WAN and LAN side. */
struct wan_facts {
	/* The instance planning (names, metric); all zero: the unnamed
	 * instance with the default metric. */
	struct plan_scope scope;
	char wan[IFNAMSIZ];
	uint32_t wan_mtu;            /* 0 = unknown: 1500 assumed */
	/* Global addresses and prefixes on the WAN and LAN interfaces
	 * (delegated prefixes as prefixes, addresses as /64 or /128). */
	struct v6pfx prefixes[PLAN_MAX_PREFIXES];
	size_t n_prefixes;
	/* A global address on the WAN (DS-Lite local end). */
	struct in6_addr wan_addr;
	bool has_wan_addr;
	/* --prefix: the end-user prefix given by hand. */
	struct v6pfx forced_prefix;
	bool has_forced_prefix;
	/* The AFTR / lwAFTR when the offer names it: resolved by the agent
	 * (AAAA through the WAN's resolvers) before planning. */
	struct in6_addr peer;
	bool has_peer;
	/* This build and kernel can run the MAP-E mesh programs (the agent
	 * probes; the planner stays pure): a map_e offer with mesh 1 is
	 * planned mesh, else hub-and-spoke. */
	bool can_mesh;
	/* IPIP: which entry (0 = the first). */
	unsigned ipip_index;
	char lan[PLAN_MAX_LAN][IFNAMSIZ];
	size_t n_lan;
};

/* An empty plan of the unnamed instance (plan_add_tunnel() takes the
 * planning instance's scope from the WAN facts). */
void plan_init(struct plan *p, enum method m);
/* The scope of instance name ("" or NULL: the unnamed one) with metric:
 * -EINVAL naming a bad name. */
int plan_scope_make(struct plan_scope *s, const char *name, uint32_t metric,
		    struct err *e);
/* Is the link called name one of s's? The unnamed instance owns
 * V6MIG_LINK_PREFIX + digits (what it always had), a named one exactly
 * its own link and its translator's peer. */
bool plan_scope_owns_link(const struct plan_scope *s, const char *name);
/* The translator's IPv4-side device of the instance planning (w->scope;
 * all zero: the unnamed one, PLAN_XLAT_DEV). */
const char *plan_xlat_dev(const struct plan_scope *s);
bool plan_equal(const struct plan *a, const struct plan *b);
/* Does p ask for our nftables table: NAT, receive filters, or an MSS
 * clamp (DS-Lite has the clamp alone)? The one answer apply, the nft
 * builder and `plan`'s text all use. */
bool plan_wants_nft(const struct plan *p);

/* For the planners: the pieces every ip6tnl method shares. Each returns
 * 0 or -errno with e naming the bad value. */

#define PLAN_TUNNEL_NAME V6MIG_LINK_PREFIX "0" /* the unnamed instance's */
#define PLAN_MIN_TUNNEL_MTU 1280

/* The tunnel MTU for a WAN MTU (0 = 1500): WAN - 40, the IPv6 header
 * with no encapsulation-limit option. Refuses less than 1280. */
int plan_tunnel_mtu(uint32_t wan_mtu, uint32_t *mtu, struct err *e);
/* The ip6tnl (w->scope's link, or PLAN_TUNNEL_NAME) over w->wan from
 * local to remote, the IPv4 default route through it (with the tunnel MTU
 * and the scope's metric) and the MSS to clamp. p takes w's scope. */
int plan_add_tunnel(struct plan *p, const struct wan_facts *w,
		    const struct in6_addr *local,
		    const struct in6_addr *remote, struct err *e);
int plan_add_addr6(struct plan *p, const char *ifname,
		   const struct in6_addr *a, uint8_t plen, bool nodad,
		   struct err *e);
int plan_add_addr4(struct plan *p, const char *ifname, struct in_addr a,
		   uint8_t plen, struct err *e);
/* NAT44 out of the tunnel to src, into ps (len 0: every port). */
void plan_set_nat(struct plan *p, struct in_addr src,
		  const struct portset *ps);
/* Receive filters on the tunnel: ours, ports in ps (len 0: all). */
void plan_set_filter(struct plan *p, const struct v4pfx *ours,
		     const struct portset *ps);
/* What people see (status, plan): ps NULL or len 0 for every port,
 * ce/eup NULL for none, rule -1 for no BMR. */
void plan_set_info(struct plan *p, struct in_addr ipv4, uint8_t plen,
		   const struct portset *ps, const struct in6_addr *ce,
		   const struct v6pfx *eup, int rule);

/* ---- the translator methods (MAP-T, 464XLAT) ---- */

/* The IPv4 side's MTU for a WAN MTU (0 = 1500): WAN - PLAN_XLAT_GROWTH.
 * Refuses a WAN below 1280 (RFC 8200 5). */
int plan_xlat_mtu(uint32_t wan_mtu, uint32_t *mtu, struct err *e);
/* The translator section: dev/peer/wan, ipv4 <-> ipv6, remote (RFC 6052),
 * ports (NULL: all), the IPv4 default route into dev with the MTU and
 * the MSS clamp on dev; dev/peer as a PLAN_LINK_VETH link. */
int plan_add_xlat(struct plan *p, const struct wan_facts *w,
		  struct in_addr ipv4, const struct in6_addr *ipv6,
		  enum plan_xlat_nd nd, const struct v6pfx *remote,
		  const struct portset *ps, struct err *e);
/* One more FMR (copied field by field). */
int plan_add_fmr(struct plan *p, const struct map_rule *r, struct err *e);

/* ---- MAP-E mesh ---- */

/* The mesh section: dev/peer/wan, ipv4 <-> ipv6 (our MAP address), the BR,
 * the peers' IID layout, ports (NULL: all), the IPv4 default route into
 * dev with the tunnel MTU and the MSS clamp on dev; dev/peer as a
 * PLAN_LINK_VETH link; every rule as an FMR. */
int plan_add_mesh(struct plan *p, const struct wan_facts *w,
		  struct in_addr ipv4, const struct in6_addr *ipv6,
		  const struct in6_addr *br, enum map_layout layout,
		  const struct portset *ps, const struct map_rule *rules,
		  size_t n, struct err *e);

/* The Basic Mapping Rule for the CE (RFC 7597 5): of the WAN facts'
 * prefixes (or the forced one), the longest rule prefix holding one that
 * is long enough for the rule's EA bits; then the MAP arithmetic in the
 * given layout. what names the offer in errors ("map_e"). Returns the
 * rule's index or -errno. */
int plan_map_bmr(const struct map_rule *rules, size_t n, const char *what,
		 const struct wan_facts *w, enum map_layout layout,
		 struct map_result *res, struct err *e);

#endif
