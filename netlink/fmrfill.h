/* SPDX-License-Identifier: MIT */
/* An RFC 7597 rule (tunnels/map.h) as the eBPF programs' FMR value: the
 * translator's struct xlat_fmr (bpf/xlat_abi.h) and the mesh's struct
 * mesh_fmr (bpf/mesh_abi.h) carry the same fields, filled by one macro
 * (each argument evaluated once). psid_len = EA bits - IPv4 suffix: the
 * caller keeps only rules where that is >= 0 (mesh_rule_usable()). */
#ifndef V6MIG_FMRFILL_H
#define V6MIG_FMRFILL_H

#include <stdint.h>
#include <string.h>

#include "../tunnels/map.h"

#define FMR_FILL(dst, rule)                                                  \
	do {                                                                 \
		__typeof__(dst) f_ = (dst);                                  \
		const struct map_rule *r_ = (rule);                          \
                                                                             \
		memset(f_, 0, sizeof(*f_));                                  \
		memcpy(f_->v6, &r_->ipv6.addr, 16);                          \
		f_->v6_len = r_->ipv6.len;                                   \
		memcpy(f_->v4, &r_->ipv4.addr, 4);                           \
		f_->v4_len = r_->ipv4.len;                                   \
		f_->ea_len = r_->ea_len;                                     \
		f_->psid_offset = r_->psid_offset;                           \
		f_->psid_len = (uint8_t)(r_->ea_len - (32u - r_->ipv4.len)); \
	} while (0)

#endif
