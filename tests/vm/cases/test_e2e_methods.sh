#!/bin/bash
# shellcheck disable=SC2154,SC2034,SC1090 # S_* come from sload, BASE2 by ${!base}
# The daemon end to end, per method (issue 5, "End-to-end tests in the
# lab"): the REAL agent (`v6mig-agent run`, scripts/lab/agent.sh) in the
# lab's CE discovers the ISP (D1, D2), fetches over HTTPS with the lab CA
# (T3, S1), picks the offered method (S8) and brings it up (Q6); then `lan`
# reaches `inet` over TCP, UDP and ping, and inet sees the CE's IPv4 (the
# AFTR's for DS-Lite) and a source port / ICMP id inside the CE's port set.
#   - MAP-E with both interface-ID layouts (map_e.version 1: RFC 7597 6;
#     0: draft-ietf-softwire-map-03), DS-Lite (RFC 6333), lw4o6 (RFC
#     7596), IPIP (RFC 2473); `status --json` checked against what the
#     offer implies, with hand-computed anchors (RFC 7597 5.1, 5.2, 6);
#   - between methods SIGTERM leaves the CE exactly as it was before the
#     agent ran (links, addresses, routes, rules, nftables);
#   - the port set used to the last port: N+10 concurrent TCP connections
#     to one inet address and port, exactly N succeed;
#   - two CEs, both run by the daemon, sharing one IPv4 with different
#     PSIDs (MAP-E from one rule, lw4o6 from per-CE answers) carry traffic
#     at the same time, each inside its own set.
# One lab for everything; the polls read the status file with shell
# builtins (in a TCG VM every exec costs a good part of a second).
top=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$top" || exit 1
. tests/vm/lab_case.sh e2em "${1:-}"
L=$top/scripts/lab
O=$L/offers
SEEN=$LAB_DIR/inet/seen.log
trap '$L/agent.sh stop --ce 1 --timeout 10 >/dev/null 2>&1; $L/agent.sh stop --ce 2 --timeout 10 >/dev/null 2>&1; $L/topo.sh down >/dev/null 2>&1' EXIT
trap 'exit 1' INT TERM
T0=$SECONDS

# ---- helpers (builtins only where they run often) --------------------------------
# sload FILE: a cJSON_Print-ed status file, one "key": value per line, as
# S_key variables (strings unquoted, null as "null", arrays as printed).
sload() {
	local line k v
	unset "${!S_@}"
	[ -r "$1" ] || return 1
	while IFS= read -r line; do
		line=${line#"${line%%[![:space:]]*}"}
		[[ $line == \"*\":* ]] || continue
		k=${line%%\":*} k=${k#\"}
		v=${line#*\":} v=${v#"${v%%[![:space:]]*}"} v=${v%,}
		[[ $v == \"*\" ]] && v=${v:1:-1}
		printf -v "S_$k" '%s' "$v"
	done <"$1"
}
# configured_as N METHOD: the daemon in CE n says configured, METHOD, from the server
configured_as() {
	sload "$LAB_DIR/agent$1/run/status.json" &&
		[ "${S_state:-}" = configured ] && [ "${S_method:-}" = "$2" ] && [ "${S_source:-}" = server ]
}
# ranges PSID K OFFSET: RFC 7597 5.1 by hand: for A = 1 .. 2^a - 1 the ports
# A << (16 - a) | PSID << m .. + 2^m - 1 (a = OFFSET, m = 16 - a - K), as cJSON prints them
ranges() {
	local p=$1 k=$2 a=$3 m=$((16 - $2 - $3)) A lo out=""
	for ((A = 1; A < (1 << a); A++)); do
		lo=$((A << (16 - a) | p << m))
		out="$out${out:+, }[$lo, $((lo + (1 << m) - 1))]"
	done
	echo "[$out]"
}
# dash_ranges "[[a, b], [c, d]]" -> "a-b c-d" (client.py --ports, in_set)
dash_ranges() {
	local s=${1//[\[\] ]/} out=""
	s=${s//,/ }
	set -- $s
	while [ $# -ge 2 ]; do out="$out${out:+ }$1-$2"; shift 2; done
	echo "$out"
}
in_set() { # in_set PORT "lo-hi ...": inside one of the ranges
	local r
	for r in $2; do [ "$1" -ge "${r%-*}" ] && [ "$1" -le "${r#*-}" ] && return 0; done
	return 1
}
jnum() { local v=${2#*\"$1\": }; echo "${v%%[,\}]*}"; } # a number from client.py's JSON
lan_x() { local n=$1; shift; ip netns exec "$(lan_ns "$n")" "$@"; }
# snap N: CE n's kernel state, normalised (no lifetimes): links, addresses,
# routes (v4, v6), rules and the whole nftables ruleset. Two execs.
snap() {
	local ce raw line out=""
	ce=$(ce_ns "$1")
	raw=$(printf '%s\n' "link show" "addr show" "route show table all" \
		"route show table all root ::/0" "rule show" | ip -n "$ce" -br -batch - 2>&1
		ip netns exec "$ce" nft list ruleset 2>&1)
	while IFS= read -r line; do
		out="$out${line%% expires *}"$'\n' # RA routes count down
	done <<<"$raw"
	printf '%s' "$out"
}
# tick LABEL: note how long the step since the last tick took (printed per method)
TICKS="" TLAST=${EPOCHREALTIME/./}
tick() {
	local now=${EPOCHREALTIME/./}
	TICKS="$TICKS $1 $(((now - TLAST) / 100000))ds"
	TLAST=$now
}
agent_tail() { [ -f "$LAB_DIR/log/agent$1.log" ] && tail -n "${2:-8}" "$LAB_DIR/log/agent$1.log" | sed "s/^/#   agent$1| /"; }

# start_agent N METHOD NAME [started]: start the daemon in CE n (unless
# started already); wait (bounded) for it to be configured with METHOD
# from the server.
start_agent() {
	[ "${4:-}" = started ] || $L/agent.sh start --ce "$1" >/dev/null 2>&1
	if wait_until 60 configured_as "$1" "$2"; then
		ok "$3: CE $1: the daemon configured $2 from the server (Q6)" true
		return 0
	fi
	ok "$3: CE $1: the daemon configured $2 from the server (Q6)" false
	echo "#   status: state=${S_state:-} method=${S_method:-} last_error=${S_last_error:-}"
	agent_tail "$1"
	return 1
}
# stop_agent N NAME: SIGTERM; the daemon exits and CE n is as before it ran
stop_agent() {
	local after base=BASE$1
	ok "$2: CE $1: SIGTERM, the daemon exits" $L/agent.sh stop --ce "$1" --timeout 20
	after=$(snap "$1")
	if [ "$after" = "${!base}" ]; then
		ok "$2: CE $1: no residue after SIGTERM (links, addresses, routes, rules, nftables)" true
	else
		ok "$2: CE $1: no residue after SIGTERM (links, addresses, routes, rules, nftables)" false
		echo "${!base}" >"$LAB_DIR/before" && echo "$after" >"$LAB_DIR/after" &&
			diff "$LAB_DIR/before" "$LAB_DIR/after" | sed 's/^/#   /'
	fi
	sload "$LAB_DIR/agent$1/run/status.json"
	is "${S_state:-}" stopped "$2: CE $1: status says stopped"
}

# check_status N NAME METHOD IPV4 PLEN PSID K OFFSET CE6 REMOTE SERVICE:
# `status --json` (the CLI) against what the offer implies.
check_status() {
	local n=$1 lbl=$2 want_ranges
	$L/agent.sh status --ce "$n" >"$LAB_DIR/status$n.json" 2>&1
	sload "$LAB_DIR/status$n.json"
	is "$S_state $S_method $S_source $S_last_class" "configured $3 server ok" \
		"$lbl: CE $n: status state, method, source, result class (S1, Q6)"
	is "$S_txt_url $S_verify" "$PROV_URL true" "$lbl: CE $n: the TXT URL, t=b: certificate verified (D2, D4)"
	is "$S_service_name" "${11}" "$lbl: CE $n: the offer's service_name (S4)"
	is "$S_ipv4/$S_ipv4_prefix_length" "$4/$5" "$lbl: CE $n: IPv4 $4/$5"
	if [ "$6" = null ]; then
		is "$S_psid $S_port_ranges" "null null" "$lbl: CE $n: no PSID, no port set"
	else
		want_ranges=$(ranges "$6" "$7" "$8")
		is "$S_psid $S_psid_length $S_psid_offset" "$6 $7 $8" "$lbl: CE $n: PSID $6, length $7, offset $8"
		is "$S_port_ranges" "$want_ranges" "$lbl: CE $n: port ranges by hand (RFC 7597 5.1)"
	fi
	is "$S_ce_ipv6" "$9" "$lbl: CE $n: CE IPv6 $9"
	is "$S_tunnel $S_remote $S_mtu" "v6mig0 ${10} $TUN_MTU" \
		"$lbl: CE $n: tunnel v6mig0 to ${10}, MTU $TUN_MTU (1500 - 40, RFC 2473 6.7)"
	is "$S_last_error" null "$lbl: CE $n: no error"
	# The BR's facts (br.sh, from the offer through offer.py) agree.
	is "$(. "$LAB_DIR/br/$n.env" && echo "$CE6 $PEER6")" "$9 ${10}" "$lbl: CE $n: BR and CE agree on both tunnel ends"
	PORTS=$(dash_ranges "$S_port_ranges")
	[ "$S_port_ranges" = null ] && PORTS=""
}

# probe N NAME WANT_IP DPORT: TCP, UDP, ICMP echo from lan n to inet (one
# process); inet sees WANT_IP and a port / id inside $PORTS (when set).
probe() {
	local out line proto p rest
	out=$(lan_x "$1" "$PY" $L/client.py probe "$INET4" "$4" --seen "$SEEN" --timeout 6 2>&1)
	probe_check "$1" "$2" "$3" "$out"
}
probe_check() { # N NAME WANT_IP OUTPUT [PORTS]
	local proto line p rest ports=${5-$PORTS}
	for proto in tcp udp icmp; do
		line=""
		while read -r p rest; do [ "$p" = "$proto" ] && line=$rest; done <<<"$4"
		case $line in
		"" | FAIL*)
			is "$line" "$3:<port>" "$2: CE $1: $proto from lan reaches inet"
			continue
			;;
		esac
		is "${line%:*}" "$3" "$2: CE $1: $proto: inet sees $3 (port/id ${line##*:})"
		[ -n "$ports" ] && ok "$2: CE $1: $proto: ${line##*:} inside the CE's port set (RFC 7597 5.1)" \
			in_set "${line##*:}" "$ports"
	done
}

# ---- the lab -----------------------------------------------------------------------
LAB_CES=2 LAB_OFFER=$O/dslite.json $L/topo.sh up 2>"$LAB_DIR.up.log"
rc=$?
is "$rc" 0 "lab up (2 CEs), in $((SECONDS - T0)) s"
[ "$rc" = 0 ] || { sed 's/^/# /' "$LAB_DIR.up.log"; echo "Bail out! no lab"; exit 1; }
rm -f "$LAB_DIR.up.log"

# ---- each method in CE 1 -------------------------------------------------------------
# name offer method ipv4 plen psid k offset ce6 remote seen-as service
# Anchors: MAP-E rule 2001:db8:4000::/44 -> 198.51.100.16/28, EA 12: CE 1's
# /56 2001:db8:4002:3100::/56 has EA bits 0x231 = IPv4 suffix 0x2 (.18) and
# PSID 0x31 (RFC 7597 5.2); interface ID RFC 7597 6: 0:c633:6412:31 (IPv4,
# PSID); draft-03: c6:3364:1200:3100 (8 zero bits, IPv4, PSID, 8 zero
# bits). lw4o6: the /128 is the lw4o6 prefix with the same interface ID
# (RFC 7596 5.1); DS-Lite: the B4 is the WAN address (RFC 6333 5.7) and
# 192.0.0.2/29; IPIP: the offer's addresses as they are (S14).
CASES="dslite|$O/dslite.json|dslite|$B4_ADDR4|29|null|||$(ce_slaac 1)|$BR6_AFTR|$AFTR_POOL4|v6lab DS-Lite
lw4o6|$O/lw4o6.json|lw4o6|198.51.100.64|32|1|8|6|2001:db8:4002:3100:0:c633:6440:1|$BR6_LWAFTR|198.51.100.64|v6lab lw4o6 (CE 1)
ipip|$O/ipip.json|ipip|198.51.100.200|32|null|||2001:db8:4002:3100:198:51:100:200|$BR6_IPIP|198.51.100.200|v6lab fixed IPv4 over IPIP (CE 1)
map_e-v0|$O/map_e-v0.json|map_e|198.51.100.18|32|49|8|4|2001:db8:4002:3100:c6:3364:1200:3100|$BR6_MAPE|198.51.100.18|v6lab MAP-E (draft-03 interface ID)
map_e-v1|$O/map_e-v1.json|map_e|198.51.100.18|32|49|8|4|2001:db8:4002:3100:0:c633:6412:31|$BR6_MAPE|198.51.100.18|v6lab MAP-E (RFC 7597)"
# The next method's BR side is made while this one's agent stops (the BR
# is not the CE); the server's answer changes only once the agent is gone.
br_bg() { # br_bg N OFFER...: br.sh add in the background (rc in $LAB_DIR/brN.rc)
	local n=$1
	shift
	(
		rc=0
		for o in "$@"; do $L/br.sh add "$n" "$o" >"$LAB_DIR/br$n.out" 2>&1 || rc=1; done
		echo $rc >"$LAB_DIR/br$n.rc"
	) &
	BRPID=$!
}
br_wait() { # br_wait N NAME
	wait "$BRPID"
	is "$(cat "$LAB_DIR/br$1.rc")" 0 "$2: BR side for CE $1 up (br.sh, from the same offer)" ||
		sed 's/^/#   /' "$LAB_DIR/br$1.out"
}
mapfile -t CASEL <<<"$CASES"
for ((ci = 0; ci < ${#CASEL[@]}; ci++)); do
	IFS='|' read -r cname offer method v4 plen psid k off ce6 remote seen service <<<"${CASEL[ci]}"
	t1=$SECONDS
	tick -
	if [ "$ci" = 0 ]; then
		br_bg 1 "$offer"
	else
		$L/prov.sh serve "$offer" >/dev/null
		tick serve
	fi
	br_wait 1 "$cname"
	tick br
	# MAP-E for CE 2 too (the two CEs, below), while CE 1's agent starts.
	[ "$cname" = map_e-v1 ] && br_bg 2 $O/map_e-v1.json
	if [ "$ci" = 0 ]; then
		# The baseline for "no residue", taken once the BR's tunnel has
		# loaded ip6_tunnel (whose fallback ip6tnl0 then appears in
		# every namespace: the kernel's, not the agent's).
		BASE1=$(snap 1) BASE2=$(snap 2)
		like "$BASE1" "wan0@[^ ]* +UP +$(ce_slaac 1)/64" "CE 1 before the agent: SLAAC address on wan0 (the baseline for residue)"
	fi
	if start_agent 1 "$method" "$cname"; then
		tick agent
		check_status 1 "$cname" "$method" "$v4" "$plen" "$psid" "$k" "$off" "$ce6" "$remote" "$service"
		tick status
		probe 1 "$cname" "$seen" 7000
		tick probe
	fi
	[ "$cname" = map_e-v1 ] && break # keeps running: the port set and two CEs
	br_bg 1 "$(IFS='|' read -r _ o _ <<<"${CASEL[ci + 1]}"; echo "$o")"
	stop_agent 1 "$cname"
	tick stop
	echo "# $cname: $((SECONDS - t1)) s:$TICKS"
	TICKS=""
done
echo "# map_e-v1 up: $((SECONDS - t1)) s"

# ---- the whole port set, MAP-E CE 1 ------------------------------------------------
# N + 10 at once to one server address and port: the 5-tuples differ only
# in the source port, so exactly N fit (RFC 7597 5.1: the CE owns N ports).
t1=$SECONDS
N=0
for r in $PORTS; do N=$((N + ${r#*-} - ${r%-*} + 1)); done
is "$N" 240 "map_e: CE 1 owns 240 ports (15 ranges of 16)"
j=$(lan_x 1 "$PY" $L/client.py tcp-many 203.0.113.11 7001 $((N + 10)) --timeout 10 --ports "$PORTS" 2>&1)
is "$(jnum ok "$j") $(jnum distinct "$j") $(jnum outside "$j")" "$N $N 0" \
	"map_e: $((N + 10)) concurrent TCP connections through the daemon's NAT: exactly $N succeed, from $N distinct ports, all in the set"
echo "# port set: $((SECONDS - t1)) s"

# ---- two CEs sharing one IPv4, both run by the daemon --------------------------------
# shared NAME: CE 1 and CE 2 at the same time: 20 TCP connections each at
# once (held 2 s, so they overlap), then TCP/UDP/ping from both at once.
shared() {
	local lbl=$1 p1 p2 c j
	lan_x 1 "$PY" $L/client.py tcp-many "$INET4" 7002 20 --timeout 8 --hold 2 --ports "$P1" >"$LAB_DIR/many1" 2>&1 &
	p1=$!
	lan_x 2 "$PY" $L/client.py tcp-many "$INET4" 7002 20 --timeout 8 --hold 2 --ports "$P2" >"$LAB_DIR/many2" 2>&1 &
	p2=$!
	wait $p1 $p2
	for c in 1 2; do
		j=$(<"$LAB_DIR/many$c")
		is "$(jnum ok "$j") $(jnum outside "$j")" "20 0" "$lbl shared: CE $c: 20 of 20 at the same time as the other CE, all inside its own set"
	done
	lan_x 1 "$PY" $L/client.py probe "$INET4" 7003 --seen "$SEEN" --timeout 6 >"$LAB_DIR/probe1" 2>&1 &
	p1=$!
	lan_x 2 "$PY" $L/client.py probe "$INET4" 7003 --seen "$SEEN" --timeout 6 >"$LAB_DIR/probe2" 2>&1 &
	p2=$!
	wait $p1 $p2
	probe_check 1 "$lbl shared" "$V4" "$(<"$LAB_DIR/probe1")" "$P1"
	probe_check 2 "$lbl shared" "$V4" "$(<"$LAB_DIR/probe2")" "$P2"
}

# MAP-E: one rule for both; CE 2's /56 gives EA bits 0x232: the same
# 198.51.100.18, PSID 0x32, its own ranges (RFC 7597 5.2).
t1=$SECONDS
br_wait 2 "map_e shared"
if start_agent 2 map_e "map_e shared"; then
	P1=$PORTS
	check_status 2 "map_e shared" map_e 198.51.100.18 32 50 8 4 2001:db8:4002:3200:0:c633:6412:32 "$BR6_MAPE" "v6lab MAP-E (RFC 7597)"
	P2=$PORTS V4=198.51.100.18
	shared map_e
fi
stop_agent 1 "map_e shared"
stop_agent 2 "map_e shared"
echo "# map_e shared: $((SECONDS - t1)) s"

# lw4o6: the server answers per source address (CE 2's /56 gets its own
# PSID), the same IPv4 (RFC 7596 5.1).
t1=$SECONDS
br_bg 2 $O/lw4o6-ce2.json # (render of the BR's table: one br.sh at a time)
$L/prov.sh serve $O/lw4o6.json >/dev/null
$L/prov.sh serve $O/lw4o6-ce2.json --src "$(ce_prefix56 2)" >/dev/null
br_wait 2 "lw4o6 shared"
br_bg 1 $O/lw4o6.json
br_wait 1 "lw4o6 shared"
$L/agent.sh start --ce 1 >/dev/null 2>&1
$L/agent.sh start --ce 2 >/dev/null 2>&1
if start_agent 1 lw4o6 "lw4o6 shared" started && start_agent 2 lw4o6 "lw4o6 shared" started; then
	check_status 1 "lw4o6 shared" lw4o6 198.51.100.64 32 1 8 6 2001:db8:4002:3100:0:c633:6440:1 "$BR6_LWAFTR" "v6lab lw4o6 (CE 1)"
	P1=$PORTS
	check_status 2 "lw4o6 shared" lw4o6 198.51.100.64 32 2 8 6 2001:db8:4002:3200:0:c633:6440:2 "$BR6_LWAFTR" "v6lab lw4o6 (CE 2)"
	P2=$PORTS V4=198.51.100.64
	shared lw4o6
fi
stop_agent 1 "lw4o6 shared"
stop_agent 2 "lw4o6 shared"
echo "# lw4o6 shared: $((SECONDS - t1)) s"

# The BR dropped nothing a CE sent from outside its address or port set.
is "$(ip netns exec "$(ns br)" nft list counter ip labbr spoofed | grep -o 'packets [0-9]*')" "packets 0" \
	"BR: nothing dropped as spoofed (every CE stayed inside its set, RFC 7597 8.1)"

ok "topo down" $L/topo.sh down
is "$(ip netns list | grep -c "^$LAB_PREFIX")" 0 "no namespace left"
echo "# total $((SECONDS - T0)) s"
done_testing
