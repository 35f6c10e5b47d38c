# shellcheck shell=bash
# The lab's addressing plan and helpers: sourced by every scripts/lab/*.sh.
# Documentation addresses only (RFC 3849, RFC 5737; RFC 6333's 192.0.0.0/29
# for the DS-Lite softwire); README.md has the picture. Everything derives
# from these few variables, so a second lab can run beside the first with
# another LAB_PREFIX (and LAB_DIR follows it).

LAB_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LAB_SCRIPTS=$LAB_TOP/scripts/lab
LAB_PREFIX=${LAB_PREFIX:-v6lab-}
LAB_DIR=${LAB_DIR:-/run/${LAB_PREFIX%-}}
LAB_AGENT=${LAB_AGENT:-$LAB_TOP/build/v6mig-agent}
PY=/usr/bin/python3

# ---- the ISP core (IPv6) -----------------------------------------------
ISP_BR_NET=2001:db8:0:1        # isp <-> br link /64: isp ::1, br ::2
ISP_PROV_NET=2001:db8:0:2      # isp <-> prov link /64: isp ::1, prov ::2, ::3
RESOLVER6=2001:db8:0:53::53    # the ISP resolver (dnsmasq) on isp's loopback
PROV6=$ISP_PROV_NET::2         # prov.example.net
PROV6_B=$ISP_PROV_NET::3       # prov2.example.net (a redirect target)
BR_SVC_NET=2001:db8:0:b        # service addresses on br's loopback, routed by isp
BR6_MAPE=$BR_SVC_NET::1        # map_e.br
BR6_AFTR=$BR_SVC_NET::2        # aftr.example.net
BR6_LWAFTR=$BR_SVC_NET::3      # lwaftr.example.net
BR6_IPIP=$BR_SVC_NET::4        # ipip ipv6_remote
PROV_URL=https://prov.example.net/config
TXT_RECORD="v=v6mig-1 url=$PROV_URL t=b"
# Names the ISP resolver answers (AAAA) and offers may use.
LAB_NAMES="prov.example.net=$PROV6 prov2.example.net=$PROV6_B
br.example.net=$BR6_MAPE aftr.example.net=$BR6_AFTR lwaftr.example.net=$BR6_LWAFTR"

# ---- the IPv4 side ---------------------------------------------------------
INET_NET=203.0.113             # br <-> inet /24: br .1, inet .10-.14
INET4=203.0.113.10             # the servers (.11-.14 too: fresh destinations)
INET_PORTS="7000 7001 7002 7003"
PUB4_NET=198.51.100.0/24       # public IPv4 behind the BR (offers use it)
AFTR_POOL4=198.51.100.1        # DS-Lite AFTR NAT44 address
LAN_NET=192.0.2.0/25           # every home LAN (TEST-NET-1, lower half)
LAN_GW4=192.0.2.1              # ce's lan0
LAN_HOST4=192.0.2.100          # the lan host's eth0
PLAT_POOL4=198.51.100.224/27   # 464XLAT: TAYGA's dynamic pool (PLAT), NAT'd to $AFTR_POOL4
PLAT_ADDR4=198.51.100.254      # TAYGA's own IPv4 (ICMP errors), in the pool
XLAT_NET=2001:db8:0:60::/60    # routed by isp to br: MAP-T DMR 2001:db8:0:64::/64,
                               # NAT64 prefix 2001:db8:0:66::/96 (offers/map_t, 464xlat)
B4_ADDR4=192.0.0.2             # DS-Lite B4 (RFC 6333 5.7)
AFTR_ADDR4=192.0.0.1
TUN_MTU=1460                   # 1500 - 40: IPv6 header, no encap-limit option

# ---- CEs ---------------------------------------------------------------------
# CE n (1..9) has the end-user prefix 2001:db8:4002:3n00::/56, routed by isp
# to its link-local address (standing in for DHCPv6-PD), and router
# advertisements for the first /64 of that /56 (subnet ID 0) on its WAN link.
# Under the MAP rule of offers/map_e-*.json (2001:db8:4000::/44,
# 198.51.100.16/28, EA 12, offset 4) CE n is 198.51.100.18 with PSID 0x3n:
# every CE shares one IPv4 address, each with its own 240 ports.
ce_ns() { if [ "$1" = 1 ]; then echo "${LAB_PREFIX}ce"; else echo "${LAB_PREFIX}ce$1"; fi; }
lan_ns() { if [ "$1" = 1 ]; then echo "${LAB_PREFIX}lan"; else echo "${LAB_PREFIX}lan$1"; fi; }
ce_prefix56() { echo "2001:db8:4002:3${1}00::/56"; }
ce_wan_net() { echo "2001:db8:4002:3${1}00"; }           # the WAN /64 (subnet 0)
ce_mac() { printf '00:00:5e:00:53:%02x\n' "$1"; }         # RFC 7042 documentation MAC
ce_iid() { printf '200:5eff:fe00:53%02x\n' "$1"; }        # its EUI-64 interface ID
ce_ll() { echo "fe80::$(ce_iid "$1")"; }
ce_slaac() { echo "$(ce_wan_net "$1"):$(ce_iid "$1")"; }  # the DS-Lite B4 address
ce_list() { local f; for f in "$LAB_DIR"/ce/*; do [ -e "$f" ] && basename "$f"; done; }

ns() { echo "${LAB_PREFIX}$1"; }
nsx() { local n=$1; shift; ip netns exec "$(ns "$n")" "$@"; }
say() { printf 'lab: %s\n' "$*" >&2; }
die() { printf 'lab: error: %s\n' "$*" >&2; exit 1; }

# nap SECONDS: sleep without a process where we can (a read that times out
# on a FIFO we hold both ends of, $LAB_DIR/nap, made by topo.sh up): under
# a TCG VM every exec costs a large part of a second and the lab polls.
# (Not bash's <(:): the VM has no /dev/fd.)
nap() {
	if [ -z "${LAB_NAPFD:-}" ]; then
		if [ -p "$LAB_DIR/nap" ] && exec {LAB_NAPFD}<>"$LAB_DIR/nap"; then :; else
			sleep "$1"
			return 0
		fi
	fi
	read -rt "$1" -u "$LAB_NAPFD" _ 2>/dev/null
	return 0
}
# wait_until SECONDS CMD...: poll every 0.1 s for at most SECONDS; 0 when CMD
# succeeded in time. Bounded by the clock, not only by the count, since a
# poll may take long itself.
wait_until() {
	local limit=$1 i=0 end=$((SECONDS + $1 + 1)); shift
	while [ "$i" -lt $((limit * 10)) ] && [ "$SECONDS" -lt "$end" ]; do
		"$@" >/dev/null 2>&1 && return 0
		nap 0.1
		i=$((i + 1))
	done
	return 1
}

# ---- background processes -----------------------------------------------
# spawn NAME NS CMD...: start CMD inside namespace NS (a full name), detached,
# output to $LAB_DIR/log/NAME.log, pid in $LAB_DIR/pid/NAME.
spawn() {
	local name=$1 nsname=$2; shift 2
	mkdir -p "$LAB_DIR/pid" "$LAB_DIR/log"
	setsid ip netns exec "$nsname" "$@" >>"$LAB_DIR/log/$name.log" 2>&1 </dev/null &
	echo $! >"$LAB_DIR/pid/$name"
}
# pid_alive PID: running (a zombie waiting for its reaper is not)
pid_alive() {
	local st
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "${st%% *}" != Z ]
}
# stop NAME: TERM, then KILL after 2 s, what spawn() started.
stop() {
	local f=$LAB_DIR/pid/$1 pid
	[ -f "$f" ] || return 0
	pid=$(cat "$f")
	if pid_alive "$pid"; then
		kill "$pid" 2>/dev/null
		wait_until 2 eval "! pid_alive $pid" || kill -9 "$pid" 2>/dev/null
	fi
	rm -f "$f"
}
alive() { [ -f "$LAB_DIR/pid/$1" ] && pid_alive "$(cat "$LAB_DIR/pid/$1")"; }

# ---- the one tunnel seam ---------------------------------------------------
# tunnel_add NS NAME LOCAL REMOTE: an IPv4-in-IPv6 point-to-point tunnel
# (RFC 2473, next header 4) named NAME in namespace NS (full name): no
# encapsulation-limit option, hop limit 64, MTU $TUN_MTU, left down.
# LAB_TUNNEL=kernel uses ip6tnl; LAB_TUNNEL=user a user-space stand-in
# (tun6.py: a TUN device and a raw IPv6 socket, the same packets on the
# wire) for kernels without ip6_tunnel; auto (default) prefers the kernel.
tunnel_mode() {
	if [ -z "${LAB_TUNNEL_MODE:-}" ] && [ -s "$LAB_DIR/tunnel-mode" ]; then
		LAB_TUNNEL_MODE=$(cat "$LAB_DIR/tunnel-mode")
	fi
	if [ -z "${LAB_TUNNEL_MODE:-}" ]; then
		case ${LAB_TUNNEL:-auto} in
		kernel | user) LAB_TUNNEL_MODE=$LAB_TUNNEL ;;
		auto) if tunnel_kernel_ok; then LAB_TUNNEL_MODE=kernel; else LAB_TUNNEL_MODE=user; fi ;;
		*) die "LAB_TUNNEL must be auto, kernel or user" ;;
		esac
	fi
	export LAB_TUNNEL_MODE
}
tunnel_kernel_ok() {
	local probe=${LAB_PREFIX}probe$$ rc
	modprobe ip6_tunnel >/dev/null 2>&1
	ip netns add "$probe" || return 1
	ip -n "$probe" link add name p0 type ip6tnl mode ipip6 local 2001:db8::1 \
		remote 2001:db8::2 encaplimit none >/dev/null 2>&1
	rc=$?
	ip netns del "$probe"
	return $rc
}
tunnel_add() {
	local nsname=$1 name=$2 local6=$3 remote6=$4
	tunnel_mode
	case $LAB_TUNNEL_MODE in
	kernel)
		ip -n "$nsname" link add name "$name" type ip6tnl mode ipip6 \
			local "$local6" remote "$remote6" encaplimit none hoplimit 64 ||
			return 1
		ip -n "$nsname" link set "$name" mtu "$TUN_MTU"
		;;
	user)
		spawn "tun-$nsname-$name" "$nsname" "$PY" "$LAB_SCRIPTS/tun6.py" \
			"$name" "$local6" "$remote6" "$TUN_MTU"
		wait_until 5 ip -n "$nsname" link show "$name" ||
			{ say "tun6 $name did not come up"; return 1; }
		;;
	esac
}
tunnel_del() {
	local nsname=$1 name=$2
	if [ -f "$LAB_DIR/pid/tun-$nsname-$name" ]; then
		stop "tun-$nsname-$name"
	else
		ip -n "$nsname" link del "$name" 2>/dev/null
	fi
	return 0
}
