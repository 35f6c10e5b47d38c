# shellcheck shell=sh
# shellcheck disable=SC2034,SC2154 # PORTS is for the caller; A, T, tmp, ... are its
# SPDX-License-Identifier: MIT
# The MAP-T / 464XLAT lab of the namespace tests (source it after setting
# A, T, tmp, pids and the namespace names CE LAN ISP INET):
#   lan -- ce (wan0, lan0) -- isp (router, TAYGA) -- inet
# TAYGA (Debian's tayga, a TUN translator, independent of us) is the peer:
#   map_t    the BR: `prefix` = the DMR and a `map` from the CE's IPv4 to
#            its MAP-T address (one CE, so 1:1 is exact);
#   464xlat  the PLAT: `prefix` = nat64prefix and a dynamic pool, the pool
#            NAT'd (nft) to the IPv4 Internet.
#   nsx NS CMD...; wait_for SECONDS CMD...; topo; tayga NAME LINES...;
#   offer METHOD (the provisioning data); peer_up METHOD (sets PORTS);
#   teardown (first $LAB_STOP, a command of the caller's, if set; then the
#   background peers in $pids and the namespaces); at exit also $tmp.
WAN6=2001:db8:4002:3100       # the CE's WAN /64 (inside its MAP-T /56)
DMR=2001:db8:ffff::/64        # RFC 7599 Appendix A's
NAT64=2001:db8:64::/96        # network-specific: TAYGA takes TEST-NET IPv4
INET4=203.0.113.10

stop_pids() { for p in $pids; do kill "$p" 2>/dev/null; done; for p in $pids; do wait "$p" 2>/dev/null; done; pids=""; }
teardown() {
	${LAB_STOP:-:}
	stop_pids
	for n in $CE $LAN $ISP $INET; do ip netns del "$n" 2>/dev/null; done
}
cleanup() { teardown; rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 1' INT TERM

nsx() { n=$1; shift; ip netns exec "$n" "$@"; }
# wait_for SECONDS CMD...: poll every 0.1 s, bounded by count and clock.
wait_for() {
	lim=$1 i=0 end=$(($(date +%s) + $1 + 1)); shift
	while [ "$i" -lt $((lim * 10)) ] && [ "$(date +%s)" -lt "$end" ]; do
		"$@" > /dev/null 2>&1 && return 0
		sleep 0.1; i=$((i + 1))
	done
	return 1
}

topo() { # lan -- ce -- isp (router, TAYGA) -- inet
	for n in $CE $LAN $ISP $INET; do ip netns add "$n" && ip -n "$n" link set lo up || return 1; done
	ip link add wan0 netns $CE type veth peer name ce0 netns $ISP &&
		ip link add lan0 netns $CE type veth peer name eth0 netns $LAN &&
		ip link add inet0 netns $ISP type veth peer name eth0 netns $INET || return 1
	for l in "$CE wan0" "$CE lan0" "$LAN eth0" "$ISP ce0" "$ISP inet0" "$INET eth0"; do
		ip -n "${l% *}" link set "${l#* }" up || return 1
	done
	ip -n $ISP addr add $WAN6::1/64 dev ce0 nodad &&
		ip -n $CE addr add $WAN6::2/64 dev wan0 nodad &&
		ip -n $CE route add default via $WAN6::1 dev wan0 &&
		ip -n $CE addr add 192.0.2.1/25 dev lan0 &&
		ip -n $LAN addr add 192.0.2.100/25 dev eth0 &&
		ip -n $LAN route add default via 192.0.2.1 &&
		ip -n $ISP addr add 203.0.113.1/24 dev inet0 &&
		ip -n $INET addr add $INET4/24 dev eth0 &&
		ip -n $INET route add default via 203.0.113.1 || return 1
	nsx $CE sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0 &&
		nsx $ISP sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
			net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 || return 1
	# Foreign state on the WAN that must survive: a clsact qdisc and a
	# u32 filter on its ingress.
	nsx $CE tc qdisc add dev wan0 clsact &&
		nsx $CE tc filter add dev wan0 ingress prio 7 protocol ip u32 \
			match ip dst 192.0.2.99/32 flowid 1:1
}

tayga() { # tayga NAME CONF-LINES: a TAYGA in isp on TUN NAME, running
	d=$tmp/$1
	mkdir -p "$d"
	{ echo "tun-device $1"; echo "data-dir $d"; shift; printf '%s\n' "$@"; } > "$d/conf"
	nsx $ISP tayga -c "$d/conf" --mktun > "$d/log" 2>&1 &&
		ip -n $ISP link set "$(basename "$d")" up || return 1
	# not through nsx (a function: `&` would fork a shell and $! be its):
	# ip execs tayga, so $! is the TAYGA that stop_pids stops
	ip netns exec "$ISP" tayga -n -c "$d/conf" >> "$d/log" 2>&1 &
	pids="$pids $!"
}

offer() {
	case $1 in
	map_t) cat <<J
{"enabler_name": "VNE", "service_name": "MAP-T", "ttl": 3600, "order": ["map_t"],
 "map_t": {"dmr": "$DMR", "rules": [{"ipv6": "2001:db8:4000::/44", "ipv4": "198.51.100.16/28",
   "ea_length": 12, "psid_offset": 4}]}}
J
	;;
	464xlat) cat <<J
{"enabler_name": "VNE", "service_name": "464XLAT", "ttl": 3600, "order": ["464xlat"],
 "464xlat": {"nat64prefix": "$NAT64"}}
J
	;;
	esac
}

peer_up() { # the operator's side, from the plan the agent would make
	m=$1
	p=$($A plan --from "$tmp/$m.json" --wan wan0 --wan-addr $WAN6::2 --json) || return 1
	v6=$(printf '%s\n' "$p" | jget 'j["xlat"]["ipv6"]')
	v4=$(printf '%s\n' "$p" | jget 'j["xlat"]["ipv4"]')
	PORTS=$(printf '%s\n' "$p" | jget '" ".join("%d-%d" % tuple(r) for r in j["xlat"]["port_ranges"])')
	if [ "$m" = map_t ]; then
		tayga mapt0 "ipv4-addr 198.51.100.254" "prefix $DMR" "map $v4 $v6" || return 1
		ip -n $ISP route add $DMR dev mapt0 &&
			ip -n $ISP route add "$v4/32" dev mapt0 &&
			ip -n $ISP route add 198.51.100.254/32 dev mapt0
	else
		tayga nat64 "ipv4-addr 198.51.100.126" "prefix $NAT64" \
			"dynamic-pool 198.51.100.64/26" || return 1
		ip -n $ISP route add $NAT64 dev nat64 &&
			ip -n $ISP route add 198.51.100.64/26 dev nat64 &&
			nsx $ISP nft -f - <<N
table ip plat {
	chain post { type nat hook postrouting priority srcnat; policy accept;
		oifname "inet0" ip saddr 198.51.100.64/26 snat ip to 203.0.113.1
	}
}
N
	fi
}

