/* SPDX-License-Identifier: MIT */
/* Packet basics shared by the eBPF programs (bpf/xlat.bpf.c, bpf/mesh.bpf.c):
 * the IPv6 header as bytes on the wire, an address comparison. */
#ifndef V6MIG_BPF_PKT_LIB_H
#define V6MIG_BPF_PKT_LIB_H

#include <linux/types.h>

struct ip6h {                    /* RFC 8200 3, bytes as on the wire */
	__u8 vtc;
	__u8 tcfl;
	__u16 fl;
	__u16 plen;
	__u8 nh;
	__u8 hop;
	__u8 src[16];
	__u8 dst[16];
};

static __always_inline int addr6_eq(const __u8 a[16], const __u8 b[16])
{
	const __u64 *x = (const __u64 *)a, *y = (const __u64 *)b;

	return x[0] == y[0] && x[1] == y[1];
}

#endif
