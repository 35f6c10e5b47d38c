#!/bin/sh
# apply/down, MAP-E with the draft-ietf-softwire-map-03 interface ID
# (map_e.version 0, the Japanese deployments): rule 2001:db8:4c00::/40 ->
# 192.0.2.0/24, EA 16, PSID offset 4 (15 ranges of 16 ports); the
# end-user prefix 2001:db8:4c12:3400::/56 shows on the LAN.
CASE=mape0
. "$(dirname "$0")/../apply_lib.sh"
FIXTURE=$here/../fixtures/map_e_v0.json
LAN_ADDR=2001:db8:4c12:3401::1/64
APPLY_ARGS="--lan lan0"
calc=$("$A" calc --rule-ipv6 2001:db8:4c00::/40 --rule-ipv4 192.0.2.0/24 \
	--ea-length 16 --psid-offset 4 --draft03 --prefix 2001:db8:4c12:3400::/56 --json)
EXP_LOCAL=$(echo "$calc" | jget 'j["ce_ipv6"]')
EXP_REMOTE=2001:db8:ffff::1
EXP_WAN128=yes
EXP_V4=192.0.2.18/32
EXP_SNAT=ranges
EXP_RANGES=$(echo "$calc" | jget 'j["port_ranges"]')
CHANGE='j["map_e"]["br"] = "2001:db8:ffff::2"'
EXP_REMOTE2=2001:db8:ffff::2
apply_case
