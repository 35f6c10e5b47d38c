/* SPDX-License-Identifier: MIT */
/* The nft tests' one MAP-E plan (test_nft_build.c, test_nftdesc.c): NAT
 * and receive filter on v6mig0 for 192.0.2.18, port set (offset, k,
 * psid), MSS 1380. Include after <cmocka.h>. */
#ifndef V6MIG_TEST_NFT_FIXTURE_H
#define V6MIG_TEST_NFT_FIXTURE_H

#include <string.h>

#include "../../tunnels/plan.h"

static inline struct plan nft_mape_plan(unsigned offset, unsigned k,
					unsigned psid)
{
	struct plan p;

	plan_init(&p, METHOD_MAP_E);
	p.nat.enabled = p.filter.enabled = true;
	strcpy(p.nat.out_ifname, "v6mig0");
	strcpy(p.filter.in_ifname, "v6mig0");
	assert_int_equal(v4addr_parse("192.0.2.18", &p.nat.src), 0);
	assert_int_equal(v4pfx_parse("192.0.2.18/32", true, &p.filter.ours), 0);
	p.nat.ports = p.filter.ports = (struct portset){
		.offset = (uint8_t)offset, .len = (uint8_t)k, .psid = (uint16_t)psid };
	p.filter.mss = 1380;
	return p;
}

#endif
