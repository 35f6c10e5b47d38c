/* SPDX-License-Identifier: MIT */
/* Our nftables table as data: the ONE description of the chains, sets and
 * rules a plan's NAT and filter parts ask for (pure, no libnftnl). Two
 * renderers read it and nothing else: netlink/nft_build.c makes the
 * libnftnl objects the agent applies, agent/planfmt.c prints the nft
 * commands of `plan` (loadable by `nft -f`). A rule is a list of terms,
 * each one nft phrase ("oifname \"v6mig0\"", "tcp flags syn", "snat ip
 * to numgen inc mod 15 map { ... }") with its parameters; each renderer
 * knows how to say every term, so the two cannot disagree on which rules
 * exist, in which chain and order, with which values
 * (tests/ns/test_plan_nft.sh still compares the two kernels). Issue 11
 * item 4. */
#ifndef V6MIG_NFTDESC_H
#define V6MIG_NFTDESC_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "map.h"
#include "plan.h"

struct err;

/* Chain and set names in our table (not nft keywords, so `nft -f` of a
 * listing reads back). */
#define V6MIG_NFT_CHAIN_NAT "nat_out"
#define V6MIG_NFT_CHAIN_MSS "clamp_mss"
#define V6MIG_NFT_CHAIN_RX "rx_filter"
#define V6MIG_NFT_SET_PORTS "ports"
/* jhash seed: fixed, so a table rebuilt from the same plan hashes every
 * LAN socket to the same range (and reads back equal). */
#define V6MIG_NFT_UDP_HASH_SEED 0x76366d67

#define NFTD_MAX_CHAINS 3
#define NFTD_MAX_SETS 1
#define NFTD_MAX_RULES 12
#define NFTD_MAX_TERMS 6

enum nftd_chain_type { NFTD_CHAIN_NAT, NFTD_CHAIN_FILTER };
enum nftd_hook { NFTD_HOOK_PREROUTING, NFTD_HOOK_FORWARD, NFTD_HOOK_POSTROUTING };

struct nftd_chain {
	const char *name;
	enum nftd_chain_type type;
	enum nftd_hook hook;
	int prio;                /* the number the kernel holds ... */
	const char *prio_name;   /* ... and nft's name for it (srcnat, mangle) */
};

/* A named set of ports (type inet_service, flags interval). id binds it
 * to its lookups inside one batch (netlink). */
struct nftd_set {
	const char *name;
	uint32_t id;
	struct portset ports;
};

enum nftd_term_kind {
	NFTD_IFNAME,        /* oifname "X" (out) or iifname "X" */
	NFTD_L4PROTO,       /* meta l4proto tcp|udp (proto) */
	NFTD_ICMP_TYPE,     /* icmp type echo-request|echo-reply (type) */
	NFTD_TCP_SYN,       /* tcp flags syn: SYN set, whatever else is */
	NFTD_MSS_GT,        /* tcp option maxseg size > value */
	NFTD_MSS_SET,       /* tcp option maxseg size set value */
	NFTD_DADDR_NOT,     /* ip daddr != pfx (an address when /32) */
	NFTD_DPORT_NOT_IN,  /* tcp|udp (proto) dport != @set */
	NFTD_ICMP_ID_NOT_IN, /* icmp id != { ports' ranges } (anonymous, set_id) */
	NFTD_SNAT_MAP,      /* snat ip to KEY mod N map { i : addr . lo_i-hi_i }
			     * (anonymous, set_id; N = the ranges of ports) */
	NFTD_SNAT_ADDR,     /* snat ip to addr */
	NFTD_DROP,
};

/* What picks the range of a NAT map. */
enum nftd_key {
	NFTD_KEY_NUMGEN,       /* numgen inc: round robin */
	NFTD_KEY_JHASH_UDP,    /* jhash ip saddr . udp sport, seed fixed */
};

struct nftd_term {
	enum nftd_term_kind kind;
	bool out;                  /* IFNAME */
	char ifname[IFNAMSIZ];     /* IFNAME */
	uint8_t proto;             /* L4PROTO, DPORT_NOT_IN: IPPROTO_TCP/UDP */
	uint8_t type;              /* ICMP_TYPE: ICMP_ECHO, ICMP_ECHOREPLY */
	uint16_t value;            /* MSS_GT, MSS_SET */
	struct v4pfx pfx;          /* DADDR_NOT */
	struct in_addr addr;       /* SNAT_MAP, SNAT_ADDR */
	enum nftd_key key;         /* SNAT_MAP */
	struct portset ports;      /* SNAT_MAP, ICMP_ID_NOT_IN */
	const char *set;           /* DPORT_NOT_IN: a set of the table */
	uint32_t set_id;           /* SNAT_MAP, ICMP_ID_NOT_IN */
};

struct nftd_rule {
	size_t chain;              /* index into nftd_table.chains */
	size_t n_terms;
	struct nftd_term t[NFTD_MAX_TERMS];
};

/* The whole table; wanted false: the plan wants no table (then nothing
 * else is set but name). Rules are in order, chain by chain. */
struct nftd_table {
	bool wanted;
	char name[V6MIG_NFT_TABLE_MAX];
	size_t n_chains, n_sets, n_rules;
	struct nftd_chain chains[NFTD_MAX_CHAINS];
	struct nftd_set sets[NFTD_MAX_SETS];
	struct nftd_rule rules[NFTD_MAX_RULES];
};

/* The table p asks for (its scope's, V6MIG_NFT_TABLE when unnamed);
 * -EINVAL naming the bad part of p (a NAT or filter without its
 * interface, a bad port set or prefix length). */
int nftd_build(const struct plan *p, struct nftd_table *t, struct err *e);

/* The set of t named name, NULL when there is none. */
const struct nftd_set *nftd_set_find(const struct nftd_table *t,
				     const char *name);

#endif
