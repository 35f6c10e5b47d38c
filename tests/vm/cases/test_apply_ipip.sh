#!/bin/sh
# apply/down, IPv4 over IPv6 (RFC 2473, HB46PP S14): the first entry's
# ipv6_local (added on the WAN as it is missing) to ipv6_remote, its IPv4
# on the tunnel, NAT44 of the LAN to it.
CASE=ipip
. "$(dirname "$0")/../apply_lib.sh"
FIXTURE=$here/../fixtures/ipip.json
APPLY_ARGS="--lan lan0"
EXP_LOCAL=2001:db8:7:100::7
EXP_REMOTE=2001:db8:7::1
EXP_WAN128=yes
EXP_V4=203.0.113.1/32
EXP_SNAT=plain
EXP_SNAT_TO=203.0.113.1
CHANGE='j["ipip"][0]["ipv6_remote"] = "2001:db8:7::9"'
EXP_REMOTE2=2001:db8:7::9
apply_case
