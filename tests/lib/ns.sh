# shellcheck shell=sh
# shellcheck disable=SC2034,SC2154 # A, D, LOG, RES, OUT, RC, wpid are for the caller, who sets top, ns, isp, tmp, T
# What the lab namespace tests (tests/ns/test_*.sh over tests/servers/lab.sh)
# share. Source it with $top set to the source tree (and LAB_CPE/LAB_ISP for
# namespaces of the test's own); it loads tests/lib/tap.sh and the lab.
#   ns_lab_start TAG [AGENT]   root, or one "not ok" and exit; A the agent
#                     (absolute; default $V6MIG_AGENT, then build/v6mig-agent);
#                     D a fresh /tmp/v6t-TAG.XXXXXX, LOG its request log, RES
#                     the lab's resolver; on exit: stop_agent, lab_down, D gone
#   ns_lab_servers [LINE...]   lab_up; dnsmasq at $RES for v6t.test with
#                     prov.v6t.test at 2001:db8:80::1, ok.v6t.test's TXT record
#                     (https://prov.v6t.test/config t=b) and LINE... more of
#                     its dns.conf; the HTTPS server at prov.v6t.test. 1 if not
#   stop_agent        lab_agent_stop (tests/lib/agent.sh waits longer)
#   answer STATUS BODY, logq EXPR   lab_answer, lab_logq
#   clear_logs        empty the request and DNS logs: a run sees its own traffic
#   probe DOMAIN ARG...   `v6mig-agent probe` of DOMAIN.v6t.test in the CPE
#                     (bounded): its JSON in OUT, its exit status in RC
#   j EXPR            a python expression over OUT's JSON (j)
# And for the tests with two namespaces of their own ($ns, the CE, and $isp),
# a scratch directory $tmp and rt_tool $T, without the lab's servers:
#   ns_wan_pair       create them: wan0 in $ns a veth to isp0 in $isp (no DAD
#                     on the ISP side: its link-local is usable at once); lo,
#                     wan0 and isp0 up
#   ns_watch IFACE... `rt_tool watch IFACE...` in $ns (pid wpid), talked to on
#                     fds 3 (to it) and 4 (from it)
#   ask               "drain" to the watcher: its answer
#   ns_pair_cleanup   the watcher stopped, both namespaces and $tmp gone
. "$top/tests/lib/tap.sh"
LAB_SERVERS=$top/tests/servers
. "$top/tests/servers/lab.sh"

ns_lab_start() {
	A=${2:-${V6MIG_AGENT:-$top/build/v6mig-agent}}
	case $A in /*) ;; *) A=$PWD/$A ;; esac
	if [ "$(id -u)" != 0 ]; then
		echo "not ok 1 - namespace tests need root"
		echo "1..1"
		exit 1
	fi
	D=$(mktemp -d "/tmp/v6t-$1.XXXXXX")
	LOG=$D/requests.log
	RES=2001:db8:53::53
	PID=
	trap 'stop_agent; lab_down; rm -rf "$D"' EXIT
	trap 'exit 130' INT TERM
}

ns_lab_servers() {
	lab_up "$D" || return 1
	printf '%s\n' 'local=/v6t.test/' 'host-record=prov.v6t.test,2001:db8:80::1' \
		'txt-record=ok.v6t.test,"v=v6mig-1 url=https://prov.v6t.test/config t=b"' \
		"$@" > "$D/dns.conf" &&
	lab_dnsmasq dns "$RES" 53 "$D/dns.conf" &&
	lab_server https 2001:db8:80::1 443 tls
}

stop_agent() { lab_agent_stop 100; }
answer() { lab_answer "$@"; }
logq() { lab_logq "$@"; }
clear_logs() {
	: > "$LOG"
	: > "$D/dns.log"
	: > "$D/fakedns.log"
}
probe() {
	_dom=$1; shift
	clear_logs
	OUT=$(cpe timeout 60 "$A" probe --resolver "$RES" --domain "$_dom.v6t.test" \
		--ca-file "$D/ca/ca.pem" --timeout 5 --json "$@" 2>"$D/stderr")
	RC=$?
}
j() { printf '%s\n' "$OUT" | jget "$1" 2>/dev/null; }

ns_wan_pair() {
	ip netns add "$ns" && ip netns add "$isp" &&
		ip netns exec "$isp" sysctl -qw net.ipv6.conf.default.accept_dad=0 &&
		ip -n "$ns" link add wan0 type veth peer name isp0 netns "$isp" &&
		ip -n "$ns" link set lo up && ip -n "$ns" link set wan0 up &&
		ip -n "$isp" link set isp0 up
}
ns_watch() {
	mkfifo "$tmp/in" "$tmp/out" || return 1
	ip netns exec "$ns" "$T" watch "$@" < "$tmp/in" > "$tmp/out" &
	wpid=$!
	exec 3> "$tmp/in" 4< "$tmp/out"
}
ask() { echo drain >&3; read -r ans <&4; echo "$ans"; }
ns_pair_cleanup() {
	exec 3>&- 4<&- 2>/dev/null
	[ -n "$wpid" ] && kill "$wpid" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	ip netns del "$isp" 2>/dev/null
	rm -rf "$tmp"
}
