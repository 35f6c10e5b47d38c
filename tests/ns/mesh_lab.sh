# SPDX-License-Identifier: MIT
# shellcheck shell=sh
# The MAP-E mesh lab in namespaces, sourced by tests/ns/test_mesh_e2e.sh
# and bench/run-mesh.sh (set top, A, C and n first): an IPv6 router ($n-isp)
# with three CEs ($n-1 192.0.2.10 PSID 0x21; $n-2 and $n-3 share
# 192.0.2.20 with PSIDs 0x34, 0x35) and a BR ($n-br, 2001:db8:ffff::1) in
# front of an "internet" host ($n-inet, 198.51.100.2). One rule:
# 192.0.2.0/24 -> 2001:db8:1000::/40, EA 16, PSID offset 6 (RFC 7597 IID).
# Each CE: WAN "wan" with its MAP address (from `v6mig-agent calc`), the
# mesh device m0 (veth, ARP off, MTU 1460) holding its IPv4 and the default
# route, the mesh programs attached by the loader (mesh_ctl). The BR is the
# same program in BR mode.
isp=$n-isp br=$n-br inet=$n-inet
RULE="192.0.2.0/24,2001:db8:1000::/40,16,6"
BR6=2001:db8:ffff::1

lab_cleanup() { for x in $isp $br $inet $n-1 $n-2 $n-3; do ip netns del "$x" 2>/dev/null; done; }

# RFC 7597 5.1 with a = 6, k = 8: range i, PSID p -> i << 10 | p << 2
port() { echo $(( ($2 << 10) | ($1 << 2) )); }
# The CE's MAP address from calc, for its end-user prefix (EA = sfx . PSID)
mapaddr() { # V4 PSID
	sfx=${1##*.}
	eup=$(printf '2001:db8:10%02x:%02x00::/56' "$sfx" "$2")
	$A calc --rule-ipv6 2001:db8:1000::/40 --rule-ipv4 192.0.2.0/24 --ea-length 16 \
		--psid-offset 6 --prefix "$eup" --json | jget 'j["ce_ipv6"]'
}
eupof() { printf '2001:db8:10%02x:%02x00::/56' "${1##*.}" "$2"; }

sx() { ip netns exec "$@"; }
sys0() { # every rp_filter off, forwarding per argument
	sx "$1" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
		net.ipv4.ip_forward="$2" net.ipv6.conf.all.forwarding="$2" \
		net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
}

# the IPv4 side of a CE or the BR: the mesh device m0 (veth, ARP off)
meshdev() {
	ip -n "$1" link add m0 mtu 1460 type veth peer name m0p &&
	ip -n "$1" link set m0 arp off && ip -n "$1" link set m0 up && ip -n "$1" link set m0p up
}

# a CE's namespace and WAN "wan" on the router, its end-user prefix routed
# to it (what the agent's apply starts from)
ce_wan() { # N V4 PSID
	ns=$n-$1
	ip netns add "$ns" && sys0 "$ns" 0 && ip -n "$ns" link set lo up &&
	ip -n $isp link add "i$1" type veth peer name wan netns "$ns" &&
	ip -n $isp link set "i$1" up && ip -n "$ns" link set wan up &&
	ip -n $isp addr add "2001:db8:a:$1::1/64" dev "i$1" nodad &&
	ip -n "$ns" addr add "2001:db8:a:$1::2/64" dev wan nodad &&
	ip -n "$ns" -6 route add default via "2001:db8:a:$1::1" &&
	ip -n $isp -6 route add "$(eupof "$2" "$3")" via "2001:db8:a:$1::2"
}

ce() { # N V4 PSID FMRS
	ns=$n-$1 ; m6=$(mapaddr "$2" "$3")
	ce_wan "$1" "$2" "$3" &&
	ip -n "$ns" addr add "$m6/128" dev wan nodad &&
	meshdev "$ns" && ip -n "$ns" addr add "$2/32" dev m0 &&
	ip -n "$ns" route add default dev m0 mtu 1460 src "$2" &&
	sx "$ns" "$C" apply wan m0 --v4 "$2" --local6 "$m6" --br $BR6 \
		--psid "6/8/$3" --version 1 $4 >/dev/null
}

# lab_setup CE1_FMRS CE2_FMRS: CE1's and CE2's rules ("--fmr $RULE": mesh;
# "": hub-and-spoke, everything to the BR, only the BR accepted); CE3 and
# the BR always have the rule.
lab_setup() {
	lab_core && ce 1 192.0.2.10 33 "$1" && ce 2 192.0.2.20 52 "$2" &&
	ce 3 192.0.2.20 53 "--fmr $RULE"
}

# the router, the BR (mesh_ctl, BR mode) and the internet host
lab_core() {
	ip netns add $isp && ip netns add $br && ip netns add $inet &&
	sys0 $isp 1 && sys0 $br 1 && sys0 $inet 0 &&
	for x in $isp $br $inet; do ip -n "$x" link set lo up; done &&
	ip -n $isp link add ib type veth peer name wan netns $br &&
	ip -n $isp link set ib up && ip -n $br link set wan up &&
	ip -n $isp addr add 2001:db8:a:99::1/64 dev ib nodad &&
	ip -n $br addr add 2001:db8:a:99::2/64 dev wan nodad &&
	ip -n $br addr add $BR6/128 dev wan nodad &&
	ip -n $br -6 route add default via 2001:db8:a:99::1 &&
	ip -n $isp -6 route add $BR6/128 via 2001:db8:a:99::2 &&
	ip -n $br link add inet0 type veth peer name eth0 netns $inet &&
	ip -n $br link set inet0 up && ip -n $inet link set eth0 up &&
	ip -n $br addr add 198.51.100.1/24 dev inet0 &&
	ip -n $inet addr add 198.51.100.2/24 dev eth0 &&
	ip -n $inet route add default via 198.51.100.1 &&
	meshdev $br && ip -n $br route add 192.0.2.0/24 dev m0 &&
	sx $br "$C" apply wan m0 --br-mode --v4 0.0.0.0 --local6 $BR6 --br $BR6 \
		--psid 0/0/0 --version 1 --fmr $RULE >/dev/null
}
