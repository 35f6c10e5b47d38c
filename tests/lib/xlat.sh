# shellcheck shell=sh
# shellcheck disable=SC2034,SC2154 # pids is for the caller, who sets ISP, tmp, DMR, NAT64
# What the translator's namespace tests with TAYGA peers share
# (tests/ns/test_apply_xlat.sh, test_xlat_instances.sh). The caller sets
# ISP (the ISP namespace), tmp (a scratch directory), DMR and NAT64.
#   nsx NS CMD...         CMD in namespace NS (not for `&`: use ip netns exec,
#                         so that $! is the command and kill reaches it)
#   wait_for SECONDS CMD...   poll every 0.1 s, bounded by count and clock
#   stop_pids             kill and reap what was started into $pids
#   tayga NAME CONF-LINES a TAYGA in ISP on TUN NAME, running (pid in $pids)
#   br_up V4 V6           TAYGA mapt0 as the MAP-T BR: prefix = DMR, an EAM
#                         V4 <-> V6, the routes into it
#   plat_up               TAYGA nat64 as the PLAT: prefix = NAT64, pool
#                         198.51.100.64/26 NAT'd (nft) to 203.0.113.1 on inet0
pids=""
nsx() { n=$1; shift; ip netns exec "$n" "$@"; }
wait_for() {
	lim=$1 i=0 end=$(($(date +%s) + $1 + 1)); shift
	while [ "$i" -lt $((lim * 10)) ] && [ "$(date +%s)" -lt "$end" ]; do
		"$@" > /dev/null 2>&1 && return 0
		sleep 0.1; i=$((i + 1))
	done
	return 1
}
stop_pids() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	pids=""
}
tayga() {
	d=$tmp/$1
	mkdir -p "$d"
	{ echo "tun-device $1"; echo "data-dir $d"; shift; printf '%s\n' "$@"; } > "$d/conf"
	nsx "$ISP" tayga -c "$d/conf" --mktun > "$d/log" 2>&1 &&
		ip -n "$ISP" link set "$(basename "$d")" up || return 1
	ip netns exec "$ISP" tayga -n -c "$d/conf" >> "$d/log" 2>&1 &
	pids="$pids $!"
}
br_up() {
	tayga mapt0 "ipv4-addr 198.51.100.254" "prefix $DMR" "map $1 $2" &&
		ip -n "$ISP" route add "$DMR" dev mapt0 &&
		ip -n "$ISP" route add "$1/32" dev mapt0 &&
		ip -n "$ISP" route add 198.51.100.254/32 dev mapt0
}
plat_up() {
	tayga nat64 "ipv4-addr 198.51.100.126" "prefix $NAT64" \
		"dynamic-pool 198.51.100.64/26" &&
		ip -n "$ISP" route add "$NAT64" dev nat64 &&
		ip -n "$ISP" route add 198.51.100.64/26 dev nat64 &&
		nsx "$ISP" nft -f - <<N
table ip plat {
	chain post { type nat hook postrouting priority srcnat; policy accept;
		oifname "inet0" ip saddr 198.51.100.64/26 snat ip to 203.0.113.1
	}
}
N
}
# lan_inet_addrs: the LAN host (192.0.2.100 behind the CE's lan0
# 192.0.2.1) and the inet server (INET4 behind the ISP's inet0); needs CE,
# LAN, INET, INET4
lan_inet_addrs() {
	ip -n "$CE" addr add 192.0.2.1/25 dev lan0 &&
		ip -n "$LAN" addr add 192.0.2.100/25 dev eth0 &&
		ip -n "$LAN" route add default via 192.0.2.1 &&
		ip -n "$ISP" addr add 203.0.113.1/24 dev inet0 &&
		ip -n "$INET" addr add "$INET4/24" dev eth0 &&
		ip -n "$INET" route add default via 203.0.113.1
}
# ce_state WAN...: the CE's kernel state that down must restore, with the
# tc filters on each WAN
ce_state() {
	ip -n "$CE" -j addr show
	ip -n "$CE" -j link show
	ip -n "$CE" -4 -j route show table all
	ip -n "$CE" -6 -j route show table all
	nsx "$CE" nft list ruleset
	nsx "$CE" tc qdisc show
	for w in "$@"; do
		nsx "$CE" tc filter show dev "$w" ingress
		nsx "$CE" tc filter show dev "$w" egress
	done
}
