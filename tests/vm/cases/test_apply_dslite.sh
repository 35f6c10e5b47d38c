#!/bin/sh
# apply/down, DS-Lite (RFC 6333): ip6tnl from the WAN's own global
# address to the AFTR, B4 192.0.0.2/29 on the tunnel, IPv4 default route,
# no NAT44 on the CPE.
CASE=dslite
. "$(dirname "$0")/../apply_lib.sh"
FIXTURE=$here/../fixtures/dslite.json
APPLY_ARGS=
EXP_LOCAL=2001:db8:ff00::100
EXP_REMOTE=2001:db8:a::1
EXP_WAN128=no
EXP_V4=192.0.0.2/29
EXP_SNAT=none
CHANGE='j["dslite"]["aftr"] = "2001:db8:a::2"'
EXP_REMOTE2=2001:db8:a::2
apply_case
