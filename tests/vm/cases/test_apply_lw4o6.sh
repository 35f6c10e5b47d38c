#!/bin/sh
# apply/down, lw4o6 (RFC 7596): B4 address from the operator's prefix and
# the RFC 7597 interface ID, ip6tnl to the lwAFTR, NAT44 into the PSID's
# port set (PSID 3 of 8 bits, offset 6: 63 ranges of 4 ports).
CASE=lw4o6
. "$(dirname "$0")/../apply_lib.sh"
FIXTURE=$here/../fixtures/lw4o6.json
APPLY_ARGS=
calc=$("$A" calc --lw4o6 --ipv4 203.0.113.16 --psid 3 --psid-length 8 \
	--psid-offset 6 --prefix 2001:db8:3:100::/56 --json)
EXP_LOCAL=$(echo "$calc" | jget 'j["ce_ipv6"]')
EXP_REMOTE=2001:db8:4::1
EXP_WAN128=yes
EXP_V4=203.0.113.16/32
EXP_SNAT=ranges
EXP_RANGES=$(echo "$calc" | jget 'j["port_ranges"]')
CHANGE='j["lw4o6"]["lwaftr"] = "2001:db8:4::2"'
EXP_REMOTE2=2001:db8:4::2
apply_case
