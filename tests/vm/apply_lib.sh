# `v6mig-agent apply` / `down` against a real kernel with ip6tnl (the VM):
# sourced by tests/vm/cases/test_apply_*.sh, which set the variables below
# and call apply_case. Root; namespaces of our own (v6t-rtnl-*), removed on
# every exit. Issue 4: "In the VM, for MAP-E (both interface-ID layouts),
# DS-Lite, lw4o6 and IPIP ...".
#
#   FIXTURE      the HB46PP answer (tests/fixtures/*.json)
#   APPLY_ARGS   more apply flags (--lan lan0, --peer ...)
#   LAN_ADDR     an address for lan0 (the end-user prefix shows there)
#   EXP_LOCAL EXP_REMOTE   the tunnel's ends
#   EXP_WAN128   yes: the source is a /128 we add on the WAN (nodad)
#   EXP_V4       the IPv4 address/len on the tunnel
#   EXP_SNAT     ranges | plain | none
#   EXP_RANGES   the port set's ranges as JSON ([[lo, hi], ...]) for ranges
#   EXP_SNAT_TO  the address for plain
#   CHANGE       python: edit the answer j so the peer (BR/AFTR) changes
#   EXP_REMOTE2  the remote after CHANGE
. "$(dirname "$0")/../../lib/tap.sh"
A=${1:-build/v6mig-agent}
here=$(cd "$(dirname "$0")/.." && pwd)
CHECK="/usr/bin/python3 $here/apply_check.py"
ns=v6t-rtnl-${CASE:-apply}-$$
isp=$ns-isp
tmp=$(mktemp -d)
run=$tmp/run
mon_pids=

apply_cleanup() {
	for p in $mon_pids; do kill "$p" 2>/dev/null; done
	ip netns del "$ns" 2>/dev/null
	ip netns del "$isp" 2>/dev/null
	rm -rf "$tmp"
}
trap apply_cleanup EXIT
trap 'exit 1' INT TERM

nsx() { ip netns exec "$ns" "$@"; }
agent() { ip netns exec "$ns" "$A" "$@"; }

# The CE: WAN veth (MTU 1500) to an ISP namespace, a LAN veth pair, and
# somebody else's things: an ip6tnl, a veth with a route, a route in
# another table, an nftables table. No DAD (no late address events).
setup() {
	# Loaded before the namespaces exist: ip6_tunnel's per-namespace
	# fallback device ip6tnl0 is then part of the "before" state.
	modprobe -a -q ip6_tunnel veth nf_tables nft_nat nft_chain_nat 2>/dev/null
	ip netns add "$ns" && ip netns add "$isp" || return 1
	for n in "$ns" "$isp"; do
		ip netns exec "$n" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_dad=0 \
			net.ipv6.conf.default.router_solicitations=0 || return 1
	done
	ip -n "$ns" link add wan0 mtu 1500 type veth peer name isp0 netns "$isp" &&
	ip -n "$ns" link add lan0 type veth peer name lan1 &&
	ip -n "$ns" link add fveth0 type veth peer name fveth1 &&
	ip -n "$ns" link add snt0 type veth peer name snt1 &&
	ip -n "$ns" link set snt0 alias sentinel &&
	# snt0 up (its peer down): netdev_state_change() notifies only for
	# an interface that is up.
	for l in lo wan0 lan0 lan1 fveth0 fveth1 snt0; do
		ip -n "$ns" link set "$l" up || return 1
	done &&
	ip -n "$isp" link set isp0 up &&
	ip -n "$ns" addr add 2001:db8:ff00::100/64 dev wan0 nodad &&
	ip -n "$isp" addr add 2001:db8:ff00::1/64 dev isp0 nodad &&
	ip -n "$ns" -6 route add default via 2001:db8:ff00::1 dev wan0 &&
	{ [ -z "${LAN_ADDR:-}" ] || ip -n "$ns" addr add "$LAN_ADDR" dev lan0 nodad; } &&
	ip -n "$ns" link add ftnl0 type ip6tnl mode ipip6 local 2001:db8:ff00::100 \
		remote 2001:db8:ffff::99 dev wan0 &&
	ip -n "$ns" addr add 198.51.100.1/24 dev fveth0 &&
	ip -n "$ns" route add 203.0.113.128/25 dev fveth0 proto static &&
	# A fallback uplink's IPv4 default route at metric 0 (PPPoE, DHCP):
	# ours goes beside it, and it is never touched (issue 11 item 6).
	ip -n "$ns" route add default dev fveth0 proto static &&
	ip -n "$ns" route add default dev fveth0 table 100 proto static &&
	nsx nft add table inet v6t_foreign &&
	nsx nft add chain inet v6t_foreign c '{ type filter hook input priority 0; }' &&
	nsx nft add rule inet v6t_foreign c tcp dport 22 accept
}

# ---- watching for writes: ip monitor all + nft monitor --------------------------

# A sentinel event each monitor must print, leaving no trace: the alias
# of snt0 changed and changed back (setting it to what it is sends no
# RTM_NEWLINK), a table made and removed.
poke() {
	printf 'link set snt0 alias poke\nlink set snt0 alias sentinel\n' |
		ip -n "$ns" -batch -
	printf 'add table ip v6t_sentinel\ndelete table ip v6t_sentinel\n' |
		nsx nft -f -
}

# wait_for FILE PATTERN COUNT [TRIES]: bounded (default 30 s: the VM
# runs under TCG, where one process start can take a second).
wait_for() {
	i=0
	while [ "$(grep -c -- "$2" "$1" 2>/dev/null)" -lt "$3" ]; do
		i=$((i + 1))
		[ "$i" -le "${4:-150}" ] || return 1
		sleep 0.2
	done
}

mon_start() {
	: > "$tmp/ipmon"
	: > "$tmp/nftmon"
	ip -n "$ns" monitor all > "$tmp/ipmon" 2>&1 &
	mon_pids="$mon_pids $!"
	nsx nft monitor > "$tmp/nftmon" 2>&1 &
	mon_pids="$mon_pids $!"
	# Subscribed once each has seen a sentinel; a monitor may still be
	# starting when the first goes by, so poke again (bounded).
	for i in 1 2 3; do
		poke
		wait_for "$tmp/ipmon" snt0 1 50 && wait_for "$tmp/nftmon" \
			'delete table ip v6t_sentinel' 1 50 && return 0
	done
	return 1
}

# Stop after a last sentinel has come through: what the agent wrote was
# printed before it. Leaves the events in $tmp/ipmon.ev and nftmon.ev.
mon_stop() {
	n1=$(grep -c snt0 "$tmp/ipmon")
	n2=$(grep -c 'delete table ip v6t_sentinel' "$tmp/nftmon")
	poke
	wait_for "$tmp/ipmon" snt0 $((n1 + 2)) &&
		wait_for "$tmp/nftmon" 'delete table ip v6t_sentinel' $((n2 + 1))
	flushed=$?
	for p in $mon_pids; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	mon_pids=
	$CHECK monitors "$tmp/ipmon" "$tmp/nftmon" "$tmp"
	return $flushed
}

# ---- what the kernel holds --------------------------------------------------------

# Lines "name<TAB>got<TAB>want" from apply_check.py, each one a TAP test.
check_lines() {
	tab=$(printf '\t')
	while IFS= read -r line; do
		case "$line" in
		*"$tab"*"$tab"*) ;;
		*) ok "apply_check.py: $line" false; continue ;;
		esac
		IFS=$tab read -r name got want <<EOF2
$line
EOF2
		is "$got" "$want" "$name"
	done
}

# run_check FILE CMD...: apply_check.py's lines as tests; its failure too.
run_check() {
	f=$1; shift
	$CHECK "$@" > "$f" 2>&1
	rc=$?
	check_lines < "$f"
	[ "$rc" = 0 ] || ok "apply_check.py $1 exited $rc" false
}

check_state() {
	run_check "$tmp/state" state "$ns" local="$EXP_LOCAL" remote="$1" \
		wan128="$EXP_WAN128" v4="$EXP_V4"
}

check_nft() {
	t=$(nsx nft list table ip v6mig 2>&1)
	# Every method clamps the MSS on its tunnel (1460 - 40), DS-Lite too:
	# the applied table, not the printed plan (issue 11 item 4).
	is "$(echo "$t" | grep -c '"v6mig0" tcp flags syn tcp option maxseg size > 1420 tcp option maxseg size set 1420')" 2 \
		"MSS clamped to 1420 both ways on v6mig0 (the applied table)"
	case "$EXP_SNAT" in
	ranges)
		rg=$($CHECK ranges "$ns")
		is "$(echo "$rg" | grep -c '^snat ')" 3 "NAT: TCP, ICMP echo and UDP rules over the port set"
		is "$(echo "$rg" | grep '^snat ' | cut -d' ' -f3- | sort -u)" "$EXP_RANGES" \
			"NAT: every rule maps onto every range of the set"
		is "$(echo "$rg" | grep '^set ' | cut -d' ' -f3- | sort -u)" "$EXP_RANGES" \
			"receive filter: the set holds every range"
		like "$t" "meta l4proto tcp snat ip to numgen inc mod" "TCP round-robin over the ranges"
		like "$t" "icmp type echo-request snat ip to numgen inc mod" "ICMP echo ids too"
		like "$t" "snat ip to jhash ip saddr . udp sport mod" "UDP by hash of the inner source (EIM)"
		;;
	plain)
		like "$t" "snat (ip )?to $EXP_SNAT_TO" "NAT44 to $EXP_SNAT_TO"
		;;
	none)
		is "$(echo "$t" | grep -c snat)" 0 "no NAT44 on this CPE"
		;;
	esac
}

check_foreign() {
	run_check "$tmp/foreign" foreign "$ns"
}

# ---- the case ------------------------------------------------------------------------

apply_case() {
	if ! setup; then
		echo "not ok 1 - namespace setup"
		echo "1..1"
		exit 1
	fi
	$CHECK snapshot "$ns" > "$tmp/before.json"

	# shellcheck disable=SC2086
	out=$(agent apply --from "$FIXTURE" --wan wan0 $APPLY_ARGS --run-dir "$run" 2>&1)
	is "$?" 0 "apply exits 0 ($out)"
	check_state "$EXP_REMOTE"
	check_nft
	check_foreign
	ok "ownership record written" test -s "$run/owned.json"

	# The same answer again: nothing written (HB46PP Q6).
	ok "monitors running" mon_start
	# shellcheck disable=SC2086
	out=$(agent apply --from "$FIXTURE" --wan wan0 $APPLY_ARGS --run-dir "$run" 2>&1)
	rc=$?
	ok "monitors saw the last sentinel" mon_stop
	is "$rc" 0 "second apply exits 0"
	like "$out" ": 0 writes" "second apply: zero writes counted"
	is "$(cat "$tmp/ipmon.ev")" "" "second apply: ip monitor all saw nothing"
	is "$(cat "$tmp/nftmon.ev")" "" "second apply: nft monitor saw nothing"

	# Another peer: one link change, every attribute resent.
	/usr/bin/python3 -c "import json,sys
j=json.load(open(sys.argv[1]))
$CHANGE
json.dump(j, open(sys.argv[2], 'w'))" "$FIXTURE" "$tmp/changed.json"
	ok "monitors running" mon_start
	# shellcheck disable=SC2086
	out=$(agent apply --from "$tmp/changed.json" --wan wan0 $APPLY_ARGS --run-dir "$run" 2>&1)
	rc=$?
	ok "monitors saw the last sentinel" mon_stop
	is "$rc" 0 "changed peer: apply exits 0"
	like "$out" ": 1 writes" "changed peer: one write"
	check_state "$EXP_REMOTE2"
	ok "changed peer: the link change was seen" grep -q '^\[LINK\].*v6mig0' "$tmp/ipmon.ev"
	is "$(grep -vc '^\[LINK\].*v6mig0' "$tmp/ipmon.ev")" 0 \
		"changed peer: only v6mig0 link events ($(tr '\n' ' ' < "$tmp/ipmon.ev" | cut -c1-200))"
	is "$(cat "$tmp/nftmon.ev")" "" "changed peer: the table is not touched"

	# Down: the dumps exactly as before the first apply.
	out=$(agent down --run-dir "$run" 2>&1)
	is "$?" 0 "down exits 0 ($out)"
	$CHECK snapshot "$ns" > "$tmp/after.json"
	same "$tmp/before.json" "$tmp/after.json" \
		"after down: ip -d -j link/addr/route/rule and nft -j as before"
	ok "ownership record removed" test ! -e "$run/owned.json"
	out=$(agent down --run-dir "$run" 2>&1)
	like "$out" "down: 0 writes" "down again writes nothing"
	check_foreign
	done_testing
}
