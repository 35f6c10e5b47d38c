#!/bin/sh
# Two instances, two WANs, two translators side by side (v6mig-agent@IFACE,
# issue 12): instance wa runs MAP-T on wana (TAYGA the BR), instance wb
# runs 464XLAT on wanb (TAYGA the PLAT), each with its own veth pair
# (v6mig-wa/v6mig_wa, v6mig-wb/v6mig_wb), its own programs on its own WAN,
# its own nft table and IPv4 default route (metrics 10 and 20). Then
# `down --instance wa` leaves wb's objects exactly as they were and its
# translator carrying traffic; `down --instance wb` leaves the CE as
# before both. Root; run through /work/wt/iso (fixed netns names).
# The CE routes each operator's prefix (the DMR, the NAT64 prefix) over its
# own WAN: xlat_out's bpf_redirect_neigh() looks the route up with the
# WAN as a preference, not a constraint (a source address is set), so two
# IPv6 default routes would send one translator's packets to the other
# WAN's gateway (docs/DESIGN.md "Translator", limits).
#
#   lan --- ce: wana --- isp: cea (TAYGA mapt0: DMR 2001:db8:ffff::/64)
#               wanb --- isp: ceb (TAYGA nat64: 2001:db8:64::/96, pool
#                             NAT'd to 203.0.113.1) --- inet 203.0.113.10
. "$(dirname "$0")/../lib/tap.sh"
A=$(realpath "${1:-build/v6mig-agent}")
T=$(cd "$(dirname "$0")/../.." && pwd)
INETPY=$T/scripts/lab/inet.py CLIENT=$T/scripts/lab/client.py
CE=v6i-ce LAN=v6i-lan ISP=v6i-isp INET=v6i-inet
WANB=2001:db8:5:1             # wanb's /64: the CLAT address on it
tmp=$(mktemp -d)
pids=""

if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP namespace tests need root"
	rm -rf "$tmp"
	exit 0
fi
command -v tayga > /dev/null || { echo "1..0 # SKIP no tayga"; rm -rf "$tmp"; exit 0; }
# nsx, wait_for, tayga, offer, peer_up, lan_inet_addrs, ce_state, teardown;
# WAN6 (wana's /64, inside its MAP-T /56), DMR, NAT64, INET4
. "$T/tests/ns/xlat_lab.sh"

topo2() {
	for n in $CE $LAN $ISP $INET; do ip netns add "$n" && ip -n "$n" link set lo up || return 1; done
	ip link add wana netns $CE type veth peer name cea netns $ISP &&
		ip link add wanb netns $CE type veth peer name ceb netns $ISP &&
		ip link add lan0 netns $CE type veth peer name eth0 netns $LAN &&
		ip link add inet0 netns $ISP type veth peer name eth0 netns $INET || return 1
	for l in "$CE wana" "$CE wanb" "$CE lan0" "$LAN eth0" "$ISP cea" "$ISP ceb" \
		"$ISP inet0" "$INET eth0"; do
		ip -n "${l% *}" link set "${l#* }" up || return 1
	done
	ip -n $ISP addr add $WAN6::1/64 dev cea nodad &&
		ip -n $CE addr add $WAN6::2/64 dev wana nodad &&
		ip -n $ISP addr add $WANB::1/64 dev ceb nodad &&
		ip -n $CE addr add $WANB::2/64 dev wanb nodad &&
		ip -n $CE route add $DMR via $WAN6::1 dev wana &&
		ip -n $CE route add $NAT64 via $WANB::1 dev wanb &&
		lan_inet_addrs || return 1
	# Foreign state that must survive: a clsact on each WAN (the loader
	# shares a clsact and never deletes one) and a u32 filter on wanb.
	nsx $CE tc qdisc add dev wana clsact &&
		nsx $CE tc qdisc add dev wanb clsact &&
		nsx $CE tc filter add dev wanb ingress prio 7 protocol ip u32 \
			match ip dst 192.0.2.99/32 flowid 1:1 || return 1
	nsx $CE sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0 &&
		nsx $ISP sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
			net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
}


peers() {
	offer map_t > "$tmp/map_t.json" && offer 464xlat > "$tmp/464xlat.json" &&
		peer_up map_t || return 1
	V4A=$v4          # peer_up's: the CE's MAP-T IPv4
	peer_up 464xlat || return 1
	ip netns exec $INET python3 "$INETPY" "$tmp/seen.log" "$tmp/inet.ready" 7000 > "$tmp/inet.out" 2>&1 &
	pids="$pids $!"
	wait_for 10 test -e "$tmp/inet.ready"
}

# What instance wb owns, and the CE as a whole.
state_wb() {
	ip -n $CE -j link show dev v6mig-wb
	ip -n $CE -j link show dev v6mig_wb
	ip -n $CE -j addr show dev v6mig-wb
	ip -n $CE -j addr show dev wanb
	ip -n $CE -4 -j route show table all dev v6mig-wb
	nsx $CE nft list table ip v6mig-wb
	nsx $CE tc filter show dev wanb ingress
	nsx $CE tc filter show dev v6mig-wb egress
}
state() { ce_state wana wanb; }
agent() { nsx $CE "$A" "$@" 2>&1; }
seen_by_inet() { # the source inet sees from the LAN host
	nsx $LAN python3 "$CLIENT" tcp $INET4 7000 --timeout 5 2>&1
}

if ! topo2 || ! peers; then
	ok "lab set up" false
	for f in "$tmp"/*/log "$tmp/inet.out"; do [ -s "$f" ] && sed 's/^/# /' "$f"; done
	done_testing
	exit 1
fi
wait_for 5 sh -c "! ip -n $CE -6 addr show | grep -q tentative"
state > "$tmp/before"

out=$(agent apply --from "$tmp/map_t.json" --method map_t --wan wana --lan lan0 \
	--instance wa --route-metric 10 --run-dir "$tmp/run-wa")
is "$?" 0 "instance wa: apply map_t on wana"
[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/# /'
out=$(agent apply --from "$tmp/464xlat.json" --method 464xlat --wan wanb --lan lan0 \
	--instance wb --route-metric 20 --run-dir "$tmp/run-wb")
is "$?" 0 "instance wb: apply 464xlat on wanb, beside wa"
[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/# /'
wait_for 5 sh -c "! ip -n $CE -6 addr show dev wanb | grep -q tentative"

for d in v6mig-wa v6mig_wa v6mig-wb v6mig_wb; do
	like "$(ip -n $CE -d link show dev $d 2>&1)" "veth" "$d: a veth of its instance"
done
is "$(ip -n $CE link show | grep -c 'v6mig[01]')" 0 "no unnamed-instance device"
like "$(nsx $CE tc filter show dev wana ingress)" "xlat_in" "wa's xlat_in on wana"
like "$(nsx $CE tc filter show dev v6mig-wa egress)" "xlat_out" "wa's xlat_out on v6mig-wa"
like "$(nsx $CE tc filter show dev wanb ingress)" "xlat_in" "wb's xlat_in on wanb"
like "$(nsx $CE tc filter show dev v6mig-wb egress)" "xlat_out" "wb's xlat_out on v6mig-wb"
like "$(nsx $CE nft list table ip v6mig-wa)" 'oifname "v6mig-wa"' "wa's NAT on v6mig-wa"
like "$(nsx $CE nft list table ip v6mig-wb)" 'oifname "v6mig-wb"' "wb's NAT on v6mig-wb"
out=$(agent apply --from "$tmp/464xlat.json" --method 464xlat --wan wanb --lan lan0 \
	--instance wb --route-metric 20 --run-dir "$tmp/run-wb")
like "$out" ": 0 writes" "instance wb: the same data again: zero writes"

# The LAN goes out through wa (metric 10): MAP-T, the BR's source V4A.
like "$(seen_by_inet)" "you are $V4A:" "LAN -> inet through wa's MAP-T translator (source $V4A)"
# wb's translator, from the CE bound to its device (192.0.0.1 -> CLAT).
ok "CE -> inet through wb's CLAT (ping bound to v6mig-wb)" \
	nsx $CE ping -c 2 -W 3 -I v6mig-wb $INET4
r=$(agent xlat stats --wan wanb --json)
is "$(printf '%s\n' "$r" | jget 'j["out_ok"] >= 2 and j["in_ok"] >= 2')" true \
	"wb's counters: its own translator carried the ping"

state_wb > "$tmp/wb-before"
out=$(agent down --instance wa --run-dir "$tmp/run-wa")
is "$?" 0 "instance wa: down"
for d in v6mig-wa v6mig_wa; do
	ok "$d gone" sh -c "! ip -n $CE link show dev $d 2>/dev/null"
done
is "$(nsx $CE tc filter show dev wana ingress | grep -c xlat_in)" 0 "wa's filter gone from wana"
state_wb > "$tmp/wb-after"
same "$tmp/wb-before" "$tmp/wb-after" "down of wa leaves wb's links, addresses, routes, table and filters as they were"
like "$(seen_by_inet)" "you are 203.0.113.1:" "LAN -> inet now through wb's CLAT and the PLAT"

out=$(agent down --instance wb --run-dir "$tmp/run-wb")
is "$?" 0 "instance wb: down"
state > "$tmp/after"
same "$tmp/before" "$tmp/after" "both down: the CE's dumps as before either"
done_testing
