#!/bin/sh
# apply/down, MAP-E with the RFC 7597 interface ID (map_e.version 1):
# RFC 7597 Appendix A example 1 (2001:db8:12:3400::/56 -> 192.0.2.18,
# PSID 0x34) behind BR 2001:db8:ffff::1; the prefix shows on the LAN.
CASE=mape1
. "$(dirname "$0")/../apply_lib.sh"
FIXTURE=$here/../fixtures/map_e_v1.json
LAN_ADDR=2001:db8:12:3401::1/64
APPLY_ARGS="--lan lan0"
EXP_LOCAL=2001:db8:12:3400:0:c000:212:34
EXP_REMOTE=2001:db8:ffff::1
EXP_WAN128=yes
EXP_V4=192.0.2.18/32
EXP_SNAT=ranges
EXP_RANGES=$("$A" calc --rule-ipv6 2001:db8::/40 --rule-ipv4 192.0.2.0/24 \
	--ea-length 16 --psid-offset 6 --prefix 2001:db8:12:3400::/56 --json | jget 'j["port_ranges"]')
CHANGE='j["map_e"]["br"] = "2001:db8:ffff::2"'
EXP_REMOTE2=2001:db8:ffff::2
apply_case
