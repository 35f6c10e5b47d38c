/* SPDX-License-Identifier: MIT */
/* The contract between the MAP-E mesh programs (bpf/mesh.bpf.c) and their
 * loader (netlink/mesh.c): map names, layouts, counter reasons. Included by
 * both sides, so fixed-width types only. Addresses in network byte order,
 * other numbers in host order. Bump MESH_ABI_VERSION on any layout change.
 *
 * Programs (SEC("tc"), clsact, direct-action):
 *   mesh_out -- tc egress of the mesh device (the IPv4 side, where the
 *               IPv4 routes and the NAPT44 point): IPv4 -> IPv4-in-IPv6
 *               (RFC 7597 5, RFC 2473), the outer destination from the FMRs
 *               (mesh, CE to CE) or the BR; bpf_redirect_neigh() out of the
 *               WAN.
 *   mesh_in  -- tc ingress of the WAN: IPv4-in-IPv6 to our MAP address,
 *               checked (RFC 7597 8.1) and decapsulated, then
 *               bpf_redirect(mesh device, BPF_F_INGRESS).
 *
 * Maps:
 *   mesh_cfg   ARRAY, 1 entry: struct mesh_cfg; mode 0 = idle (all passes).
 *   mesh_fmr   LPM_TRIE, key struct mesh_lpm4 (the rule's IPv4 prefix),
 *              value struct mesh_fmr; at most MESH_FMR_MAX (HB46PP S9: 256).
 *   mesh_stats PERCPU_ARRAY, MESH_STAT_MAX counters (enum mesh_stat). */
#ifndef V6MIG_MESH_ABI_H
#define V6MIG_MESH_ABI_H

#include <linux/types.h>

#define MESH_ABI_VERSION 1
#define MESH_FMR_MAX 256

#define MESH_PROG_OUT "mesh_out"
#define MESH_PROG_IN "mesh_in"
#define MESH_MAP_CFG "mesh_cfg"
#define MESH_MAP_FMR "mesh_fmr"
#define MESH_MAP_STATS "mesh_stats"

enum mesh_mode {
	MESH_MODE_OFF = 0,
	MESH_MODE_ON = 1,
};

/* cfg.flags */
#define MESH_F_DECAP_POP 1u  /* decapsulate with the 6.1 recipe
                              * (change_proto + adjust_room) even where
                              * BPF_F_ADJ_ROOM_DECAP_L3_IPV4 (6.3+) works:
                              * for tests of the 6.1 path */

#define MESH_F_BR 2u          /* be a Border Relay (RFC 7597 8; the lab's BR):
                              * out: any IPv4 source, the destination must
                              * be inside an FMR (else drop_no_rule); in:
                              * only CEs (spoof-checked), to any IPv4
                              * destination, decapsulated and forwarded;
                              * to another CE (an FMR and a port): relayed
                              * with the outer header rewritten (counted
                              * in_peer and out_direct) */

struct mesh_cfg {
	__u32 abi;           /* MESH_ABI_VERSION */
	__u32 mode;          /* enum mesh_mode */
	__u32 obj_id;        /* loader's fingerprint of the program object */
	__u32 flags;         /* MESH_F_* */
	__u32 v4_addr;       /* our IPv4 address (BMR, after NAPT44) */
	__u8 local6[16];     /* our MAP address (RFC 7597 5.2/6): outer source
	                      * out, outer destination in */
	__u8 br6[16];        /* the BR: every destination outside the FMRs */
	__u8 iid_v4off;      /* 10: RFC 7597 IID (map_e.version 1);
	                      * 9: draft-03 (version 0). For the peers' addresses */
	__u8 psid_offset;    /* our port set: a, k, PSID (RFC 7597 5.1) */
	__u8 psid_len;
	__u8 hop_limit;      /* outer hop limit (RFC 2473 6.3), 64 */
	__u16 psid;
	__u16 pad0;
	__u32 wan_ifindex;   /* mesh_out sends out of this */
	__u32 dev_ifindex;   /* mesh_in delivers into this */
	__u8 dev_mac[6];     /* its MAC (the decapsulated frame's destination) */
	__u8 pad1[2];
};

struct mesh_lpm4 {           /* prefixlen first, as LPM_TRIE wants */
	__u32 prefixlen;
	__u8 addr[4];
};

/* One Forwarding Mapping Rule (RFC 7597 5). */
struct mesh_fmr {
	__u8 v6[16];         /* rule IPv6 prefix */
	__u8 v6_len;
	__u8 v4[4];          /* rule IPv4 prefix (also the key) */
	__u8 v4_len;
	__u8 ea_len;         /* 0..48, v6_len + ea_len <= 64 */
	__u8 psid_offset;    /* a */
	__u8 psid_len;       /* ea_len - (32 - v4_len), stored for the program */
	__u8 pad[3];
};

/* Counters: "out" is IPv4 -> the WAN, "in" the WAN -> IPv4. */
enum mesh_stat {
	MESH_OUT_DIRECT = 0,   /* encapsulated to a peer CE (an FMR matched) */
	MESH_OUT_BR,           /* encapsulated to the BR (no FMR) */
	MESH_OUT_BR_NOPORT,    /* in an FMR but no port to read (a non-first
	                        * fragment, a protocol without ports): to the
	                        * BR, which delivers it (RFC 7597 5) */
	MESH_OUT_PASS,         /* not IPv4 on the device: passed */
	MESH_IN_BR,            /* decapsulated, from the BR */
	MESH_IN_PEER,          /* decapsulated, from a peer CE (checked) */
	MESH_IN_PASS,          /* not to our MAP address or not IPv4-in-IPv6 */
	MESH_DROP_SRC,         /* out: IPv4 source is not our address */
	MESH_DROP_PORT_OUT,    /* out: source port / ICMP id outside our set */
	MESH_DROP_SPOOF,       /* in: outer source is neither the BR nor the
	                        * MAP address of the inner source IPv4 + port
	                        * (RFC 7597 8.1) */
	MESH_DROP_DST,         /* in: inner destination is not our IPv4 */
	MESH_DROP_PORT_IN,     /* in: destination port / ICMP id not ours */
	MESH_DROP_FRAG6,       /* in: a fragmented outer IPv6 packet */
	MESH_DROP_NOT_HOST,    /* in: not unicast to us */
	MESH_DROP_SHORT,       /* truncated or malformed header */
	MESH_DROP_HELPER,      /* a kernel helper failed */
	MESH_DROP_NO_RULE,     /* BR out: destination in no FMR, or no port */
	MESH_STAT_MAX
};

#endif
