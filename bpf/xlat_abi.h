/* SPDX-License-Identifier: MIT */
/* The contract between the translator's eBPF programs (bpf/xlat.bpf.c) and
 * their loader (netlink/xlat.c): map names, key/value layouts, counter
 * reasons. Included by both the BPF side (clang -target bpf) and user space,
 * so only fixed-width types and no pointers. Every multi-byte address field
 * is in network byte order; every other number is host order. Bump
 * XLAT_ABI_VERSION on any layout change: the loader replaces attached
 * programs whose configuration carries another version.
 *
 * Programs (both SEC("tc"), clsact, direct-action):
 *   xlat_out -- tc egress of the translation device: IPv4 -> IPv6
 *               (RFC 7915 section 4), then bpf_redirect_neigh() out of the WAN.
 *   xlat_in  -- tc ingress of the WAN: IPv6 addressed to our MAP-T/CLAT
 *               address -> IPv4 (RFC 7915 section 5), then
 *               bpf_redirect(translation device, BPF_F_INGRESS).
 *
 * Maps:
 *   xlat_cfg   ARRAY, 1 entry (key 0): struct xlat_cfg. mode 0 = idle, every
 *              packet passes untouched.
 *   xlat_fmr4  LPM_TRIE, key struct xlat_lpm4 (the rule's IPv4 prefix), value
 *              struct xlat_fmr: where an outbound destination inside an FMR
 *              goes (RFC 7599 section 5.1, CE to CE).
 *   xlat_fmr6  LPM_TRIE, key struct xlat_lpm6 (the rule's IPv6 prefix), the
 *              same value: checks an inbound source from a peer CE (anti-spoof).
 *   xlat_stats PERCPU_ARRAY, XLAT_STAT_MAX entries of __u64 packets, indexed
 *              by enum xlat_stat; user space sums the CPUs. */
#ifndef V6MIG_XLAT_ABI_H
#define V6MIG_XLAT_ABI_H

#include <linux/types.h>

#define XLAT_ABI_VERSION 1
#define XLAT_FMR_MAX 256

/* Names as libbpf sees them, for the loader. */
#define XLAT_PROG_OUT "xlat_out"
#define XLAT_PROG_IN "xlat_in"
#define XLAT_MAP_CFG "xlat_cfg"
#define XLAT_MAP_FMR4 "xlat_fmr4"
#define XLAT_MAP_FMR6 "xlat_fmr6"
#define XLAT_MAP_STATS "xlat_stats"

enum xlat_mode {
	XLAT_MODE_OFF = 0,   /* idle: everything passes */
	XLAT_MODE_MAPT = 1,  /* MAP-T CE, RFC 7599 */
	XLAT_MODE_CLAT = 2,  /* 464XLAT CLAT, RFC 6877 */
};

struct xlat_cfg {
	__u32 abi;           /* XLAT_ABI_VERSION */
	__u32 mode;          /* enum xlat_mode */
	__u32 obj_id;        /* loader's fingerprint of the program object */
	__u32 v4_addr;       /* MAP-T: the BMR IPv4 address (after NAPT44);
	                      * CLAT: 192.0.0.1 (RFC 7335) */
	__u8 local6[16];     /* MAP-T: our MAP-T IPv6 address (RFC 7597 5.2,
	                      * IID per section 6); CLAT: the CLAT IPv6 address */
	__u8 pref6[16];      /* MAP-T: the DMR; CLAT: the NAT64 prefix (PLAT) */
	__u8 pref6_len;      /* RFC 6052 2.2: 32, 40, 48, 56, 64 or 96 */
	__u8 psid_offset;    /* MAP-T a (RFC 7597 5.1), 0..15; CLAT 0 */
	__u8 psid_len;       /* MAP-T k, 0..16; CLAT 0 */
	__u8 pad0;
	__u16 psid;          /* MAP-T PSID (low psid_len bits) */
	__u16 pad1;
	__u32 wan_ifindex;   /* xlat_out sends translated IPv6 out of this */
	__u32 dev_ifindex;   /* xlat_in delivers translated IPv4 into this */
	__u8 dev_mac[6];     /* the translation device's MAC: destination of the
	                      * Ethernet header xlat_in writes, so the frame is
	                      * PACKET_HOST there (eth_type_trans) */
	__u8 pad2[2];
};

/* LPM keys: prefixlen first, as BPF_MAP_TYPE_LPM_TRIE requires. */
struct xlat_lpm4 {
	__u32 prefixlen;     /* 0..32 */
	__u8 addr[4];
};

struct xlat_lpm6 {
	__u32 prefixlen;     /* 0..128 */
	__u8 addr[16];
};

/* One Forwarding Mapping Rule (RFC 7597 5): the same value in both tries. */
struct xlat_fmr {
	__u8 v6[16];         /* Rule IPv6 prefix */
	__u8 v6_len;         /* its length; v6_len + ea_len <= 64 */
	__u8 v4[4];          /* Rule IPv4 prefix */
	__u8 v4_len;         /* its length */
	__u8 ea_len;         /* EA-bits length, 0..48; psid_len = ea_len - (32 - v4_len) */
	__u8 psid_offset;    /* a */
	__u8 psid_len;       /* k, derived by the loader, stored for the program */
	__u8 pad[3];
};

/* Counters. "in" is IPv6 -> IPv4 (WAN ingress), "out" IPv4 -> IPv6. */
enum xlat_stat {
	XLAT_OUT_OK = 0,        /* translated out */
	XLAT_IN_OK,             /* translated in */
	XLAT_IN_PASS,           /* not ours (another destination): passed */
	XLAT_OUT_PASS,          /* not IPv4 on the device (e.g. its own IPv6): passed */
	XLAT_DROP_SRC,          /* out: IPv4 source is not our address */
	XLAT_DROP_PORT_OUT,     /* out: source port / ICMP id outside our set */
	XLAT_DROP_PORT_IN,      /* in: destination port / ICMP id outside our set */
	XLAT_DROP_FOREIGN,      /* in: source neither the DMR/NAT64 prefix nor an FMR */
	XLAT_DROP_SPOOF,        /* in: FMR source whose address does not match
	                         * its own IPv4 + port (RFC 7597 8.1) */
	XLAT_DROP_V4_OPTIONS,   /* out: IPv4 options (IHL > 5) */
	XLAT_DROP_V6_EXTHDR,    /* in: an extension header other than one Fragment */
	XLAT_DROP_PROTO,        /* a protocol we cannot translate here */
	XLAT_DROP_ICMP_TYPE,    /* ICMP type/code with no mapping (RFC 7915 4.2, 5.2) */
	XLAT_DROP_ICMP_FRAG,    /* a fragmented ICMP message */
	XLAT_DROP_UDP0_FRAG,    /* out: UDP checksum 0 in a fragment: not computable */
	XLAT_DROP_FRAG_FMR,     /* out: non-first fragment towards an FMR peer */
	XLAT_DROP_SHORT,        /* truncated or malformed header */
	XLAT_DROP_INNER,        /* ICMP error whose inner packet cannot be translated */
	XLAT_DROP_NOT_HOST,     /* in: not unicast to us (pkt_type), or multicast */
	XLAT_DROP_BAD_CSUM,     /* out: IPv4 header checksum wrong */
	XLAT_DROP_HELPER,       /* a kernel helper failed (no memory, ...) */
	XLAT_DROP_TTL,          /* TTL / hop limit 0 */
	XLAT_STAT_MAX
};

#endif
