#!/bin/bash
# topo.sh up|down|status|ce-add N|ce-del N -- the lab's namespaces, links
# and servers (README.md has the picture).
#   up       isp, prov, br, inet, CE 1 (ce + lan) and LAB_CES-1 more CEs;
#            starts the resolver + RA (isp), HTTPS server (prov) and the
#            IPv4 servers (inet); returns when the CE(s) have SLAAC.
#   down     stops every process the lab started, deletes every namespace
#            with the prefix, removes $LAB_DIR.
#   ce-add N / ce-del N   a further CE n (ceN + lanN) on a running lab.
set -u
. "$(dirname "$0")/lib.sh"

# The topology is written as `ip -batch` files, one per namespace (plus
# one in the root namespace that makes the namespaces and veth pairs), and
# each file is one exec: in a TCG VM an exec costs a large part of a second.
B=$LAB_DIR/batch
b() { # b NS LINE...: queue ip commands for namespace NS ("" = root)
	local f=$B/${1:-root}; shift
	printf '%s\n' "$@" >>"$f"
}
run_batches() { # run_batches NS...: root first, then the others
	local n
	[ -f "$B/root" ] && { ip -batch "$B/root" || return 1; rm -f "$B/root"; }
	for n in "$@"; do
		[ -f "$B/$n" ] || continue
		ip -n "$n" -batch "$B/$n" || { say "ip -batch failed in $n"; return 1; }
		rm -f "$B/$n"
	done
}
veth() { # veth NS1 IF1 NS2 IF2 [MAC2]: a veth pair between two namespaces, up
	b "" "link add name $2 netns $1 type veth peer name $4 netns $3${5:+ address $5}"
	b "$1" "link set dev $2 up"
	b "$3" "link set dev $4 up"
}

core_up() {
	local n isp br prov inet
	isp=$(ns isp) br=$(ns br) prov=$(ns prov) inet=$(ns inet)
	mkdir -p "$B" && rm -f "$B"/*
	for n in "$isp" "$prov" "$br" "$inet"; do
		b "" "netns add $n"
		b "$n" "link set dev lo up"
	done
	veth "$isp" br0 "$br" isp0
	veth "$isp" prov0 "$prov" isp0
	veth "$br" inet0 "$inet" br0
	# isp: the access router. The resolver on its loopback; br's service
	# addresses and prov's link routed.
	b "$isp" "addr add $RESOLVER6/128 dev lo" \
		"addr add $ISP_BR_NET::1/64 dev br0 nodad" \
		"addr add $ISP_PROV_NET::1/64 dev prov0 nodad" \
		"route add $BR_SVC_NET::/64 via $ISP_BR_NET::2" \
		"route add $XLAT_NET via $ISP_BR_NET::2"
	# prov: two addresses (prov and prov2.example.net).
	b "$prov" "addr add $PROV6/64 dev isp0 nodad" "addr add $PROV6_B/64 dev isp0 nodad" \
		"route add ::/0 via $ISP_PROV_NET::1"
	# br: BR, AFTR, lwAFTR, IPIP end on its loopback; IPv4 towards inet;
	# public IPv4 that no CE holds (or outside every port set) ends here.
	b "$br" "addr add $ISP_BR_NET::2/64 dev isp0 nodad" "route add ::/0 via $ISP_BR_NET::1"
	for n in "$BR6_MAPE" "$BR6_AFTR" "$BR6_LWAFTR" "$BR6_IPIP"; do b "$br" "addr add $n/128 dev lo"; done
	b "$br" "addr add $INET_NET.1/24 dev inet0" "addr add $AFTR_POOL4/32 dev lo" \
		"route add unreachable $PUB4_NET"
	# inet: the IPv4 Internet; the servers on .10-.14.
	for n in 10 11 12 13 14; do b "$inet" "addr add $INET_NET.$n/24 dev br0"; done
	b "$inet" "route add $PUB4_NET via $INET_NET.1"
	run_batches "$isp" "$prov" "$br" "$inet" || return 1
	# New namespaces start from the kernel's defaults; say what we rely on.
	ip netns exec "$isp" sysctl -qw net.ipv6.conf.all.forwarding=1 &&
		ip netns exec "$br" sysctl -qw net.ipv6.conf.all.forwarding=1 net.ipv4.ip_forward=1 \
			net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
}

ce_up() { # ce_up N: ceN (WAN to isp, LAN to lanN) and lanN
	local n=$1 ce lan isp
	ce=$(ce_ns "$n") lan=$(lan_ns "$n") isp=$(ns isp)
	mkdir -p "$B" "$LAB_DIR/ce"
	b "" "netns add $ce" "netns add $lan"
	b "$ce" "link set dev lo up"
	b "$lan" "link set dev lo up"
	veth "$isp" "ce$n" "$ce" wan0 "$(ce_mac "$n")"
	veth "$ce" lan0 "$lan" eth0
	b "$ce" "addr add $LAN_GW4/25 dev lan0"
	b "$lan" "addr add $LAN_HOST4/25 dev eth0" "route add default via $LAN_GW4"
	# isp side: the WAN /64 is advertised (RA) but not treated as on-link
	# here: the whole /56 is routed to the CE's link-local address, so the
	# CE may hold its MAP/lw4o6/IPIP address on any interface (no ND).
	b "$isp" "addr add $(ce_wan_net "$n")::1/64 dev ce$n nodad noprefixroute" \
		"route add $(ce_prefix56 "$n") via $(ce_ll "$n") dev ce$n"
	run_batches || return 1
	# The CE's WAN MAC is fixed (documentation range) so its link-local
	# and SLAAC addresses are known. SLAAC even if the agent turns IPv6
	# forwarding on (accept_ra=2), set before the link comes up.
	ip netns exec "$ce" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
			net.ipv4.conf.default.rp_filter=0 net.ipv6.conf.wan0.accept_ra=2 \
			net.ipv6.conf.wan0.autoconf=1 || return 1
	run_batches "$ce" "$lan" "$isp" || return 1
	: >"$LAB_DIR/ce/$n"
}

ce_down() {
	local n=$1
	"$LAB_SCRIPTS/br.sh" del "$n" >/dev/null 2>&1
	"$LAB_SCRIPTS/ce-manual.sh" down --ce "$n" >/dev/null 2>&1
	ip netns del "$(ce_ns "$n")" 2>/dev/null
	ip netns del "$(lan_ns "$n")" 2>/dev/null
	rm -f "$LAB_DIR/ce/$n"
}

wait_slaac() { # the CE has its global address, not tentative
	ip -n "$(ce_ns "$1")" -6 addr show dev wan0 scope global | grep -v tentative |
		grep -q "$(ce_slaac "$1")/64"
}

# phase NAME: with LAB_VERBOSE=1, how long the step took
phase() {
	[ -n "${LAB_VERBOSE:-}" ] || return 0
	local now=$EPOCHREALTIME
	say "$(printf '%-26s %6.2f s' "$1" "$(( (${now/./} - ${t/./}) / 10000 ))e-2")"
	t=$now
}

up() {
	local n i t pp pi pn bad=""
	[ "$(id -u)" = 0 ] || die "run as root"
	if ip netns list | grep -q "^$LAB_PREFIX"; then die "a lab with prefix $LAB_PREFIX is up (topo.sh down)"; fi
	mkdir -p "$LAB_DIR" || die "cannot create $LAB_DIR"
	mkfifo "$LAB_DIR/nap"
	tunnel_mode
	echo "$LAB_TUNNEL_MODE" >"$LAB_DIR/tunnel-mode"
	t=$EPOCHREALTIME
	core_up || { down; die "core topology failed"; }
	phase "core"
	# The three services start side by side (in a VM most of their start
	# is waiting for exec and Python imports), the CEs meanwhile; the RA
	# daemon picks up CE links as they come.
	"$LAB_SCRIPTS/prov.sh" start &
	pp=$!
	"$LAB_SCRIPTS/isp.sh" start &
	pi=$!
	"$LAB_SCRIPTS/inet.sh" start &
	pn=$!
	n=${LAB_CES:-1}
	for ((i = 1; i <= n; i++)); do ce_up "$i" || bad="$bad CE$i"; done
	phase "$n CE(s)"
	wait "$pp" || bad="$bad prov"
	wait "$pi" || bad="$bad isp"
	wait "$pn" || bad="$bad inet"
	[ -z "$bad" ] || { down; die "failed to start:$bad"; }
	phase "prov, isp, inet services"
	for ((i = 1; i <= n; i++)); do
		wait_until 30 wait_slaac "$i" || { down; die "CE $i got no SLAAC address"; }
	done
	phase "SLAAC"
	say "up: $(ip netns list | grep -c "^$LAB_PREFIX") namespaces, tunnels: $LAB_TUNNEL_MODE, state in $LAB_DIR"
}

down() {
	local f n
	for n in $(ce_list); do ce_down "$n"; done
	if [ -d "$LAB_DIR/pid" ]; then
		for f in "$LAB_DIR"/pid/*; do [ -e "$f" ] && stop "$(basename "$f")"; done
	fi
	for n in $(ip netns list | awk '{print $1}' | grep "^$LAB_PREFIX"); do
		# Anything still running inside (a forgotten agent) goes too.
		for f in $(ip netns pids "$n" 2>/dev/null); do kill -9 "$f" 2>/dev/null; done
		ip netns del "$n"
	done
	rm -rf "$LAB_DIR"
}

status() {
	local n
	ip netns list | grep "^$LAB_PREFIX" || { echo "no lab with prefix $LAB_PREFIX"; return 1; }
	echo "tunnels: $(cat "$LAB_DIR/tunnel-mode" 2>/dev/null)"
	for n in "$LAB_DIR"/pid/*; do
		[ -e "$n" ] || continue
		if alive "$(basename "$n")"; then echo "running: $(basename "$n")"; else echo "DEAD: $(basename "$n")"; fi
	done
}

case ${1:-} in
up) up ;;
down) down ;;
status) status ;;
ce-add)
	[ -n "${2:-}" ] || die "ce-add N"
	ce_up "$2" || { ce_down "$2"; die "CE $2 failed"; }
	wait_until 15 wait_slaac "$2" || die "CE $2 got no SLAAC address"
	;;
ce-del) [ -n "${2:-}" ] || die "ce-del N"; ce_down "$2" ;;
*) echo "usage: $0 up|down|status|ce-add N|ce-del N" >&2; exit 2 ;;
esac
