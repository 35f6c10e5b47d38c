#!/bin/bash
# ce-manual.sh OFFER-NAME|down [--ce N] [--offer FILE]
# TEST SCAFFOLDING ONLY: brings CE n's side of a softwire up by hand with
# ip/nft, to prove the lab end to end before the agent drives it. It builds
# the state the agent is meant to build (ARCHITECTURE.md, data plane):
#   ip6tnl labtun0 mode ipip6 local CE6 remote PEER6 encaplimit none
#     hoplimit 64 (MTU 1460); CE6 as a /128 nodad on it (MAP-E, lw4o6,
#     IPIP; DS-Lite uses the WAN SLAAC address); the CE's IPv4 on it
#     (DS-Lite: 192.0.0.2/29); default route dev labtun0 mtu 1460;
#   nft table ip labce: NAT44 into the port set, TCP and ICMP by
#     `numgen inc mod N`, UDP by `jhash ip saddr . udp sport mod N` (one
#     external port per LAN socket), each over a map { i : IPv4 . lo_i-hi_i };
#     the whole address for IPIP; none for DS-Lite (the AFTR NATs).
# OFFER-NAME is a file in offers/ without .json (map_e-v1, map_e-v0, dslite,
# lw4o6, ipip); for CE n > 1 offers/NAME-ceN.json is used when it exists.
# The CE's facts come from offer.py with the CE's own WAN address, the same
# program br.sh uses with the ISP's delegated prefix.
set -u
. "$(dirname "$0")/lib.sh"

what=${1:-}; shift || true
n=1 offer=""
while [ $# -gt 0 ]; do
	case $1 in
	--ce) n=$2; shift 2 ;;
	--offer) offer=$2; shift 2 ;;
	*) die "unknown option $1" ;;
	esac
done
CE=$(ce_ns "$n")
T=labtun0

down() {
	tunnel_del "$CE" "$T"
	ip netns exec "$CE" nft delete table ip labce 2>/dev/null
	return 0
}

# map { 0 : IP . lo-hi, 1 : ... } over the ranges in $PORTS
nat_map() {
	local i=0 r out=""
	for r in $PORTS; do
		out="$out${out:+, }$i : $IPV4 . $r"
		i=$((i + 1))
	done
	echo "{ $out }"
}

up() {
	local wan facts k
	[ -n "$offer" ] || {
		offer=$LAB_SCRIPTS/offers/$what.json
		[ "$n" != 1 ] && [ -f "$LAB_SCRIPTS/offers/$what-ce$n.json" ] && offer=$LAB_SCRIPTS/offers/$what-ce$n.json
	}
	[ -f "$offer" ] || die "no offer $offer"
	wan=$(ip -n "$CE" -6 -o addr show dev wan0 scope global | awk '{print $4}' | head -1)
	[ -n "$wan" ] || die "CE $n has no global WAN address"
	facts=$("$PY" "$LAB_SCRIPTS/offer.py" "$offer" --prefix "$wan" --wan "${wan%/*}" \
		--names "$LAB_NAMES" --agent "$LAB_AGENT") || exit 1
	eval "$facts"
	down
	tunnel_add "$CE" "$T" "$CE6" "$PEER6" || die "tunnel failed"
	[ "$CE6_ADD" = 1 ] && ip -n "$CE" -6 addr add "$CE6/128" dev "$T" nodad
	ip -n "$CE" addr add "$IPV4/$([ "$METHOD" = dslite ] && echo 29 || echo 32)" dev "$T"
	ip -n "$CE" link set "$T" up
	ip -n "$CE" route add default dev "$T" mtu "$TUN_MTU"
	k=$(echo "$PORTS" | wc -w)
	case $NAT in
	portset)
		# `add rule` form: nft 1.0.6 refuses this map inside a table block.
		ip netns exec "$CE" nft -f - <<NFT || die "nft failed"
add table ip labce
add chain ip labce post { type nat hook postrouting priority srcnat; policy accept; }
add rule ip labce post oifname "$T" meta l4proto { tcp, icmp } snat ip to numgen inc mod $k map $(nat_map)
add rule ip labce post oifname "$T" meta l4proto udp snat ip to jhash ip saddr . udp sport mod $k map $(nat_map)
NFT
		;;
	full)
		ip netns exec "$CE" nft -f - <<NFT || die "nft failed"
add table ip labce
add chain ip labce post { type nat hook postrouting priority srcnat; policy accept; }
add rule ip labce post oifname "$T" snat ip to $IPV4
NFT
		;;
	none) ;;
	esac
	printf '%s\n' "$facts" >"$LAB_DIR/ce/$n"
}

case $what in
down) down ;;
"") sed -n '2,20p' "$0" >&2; exit 2 ;;
*) up ;;
esac
