#!/bin/sh
# SPDX-License-Identifier: MIT
# Issue 10 (3) and issue 11 (1, 2, 10, 12, 13, 14, 17), proven against real
# servers in namespaces:
#  - the fetch and DNS leave from the WAN's own address even when the
#    kernel would pick our /128 (proto 233) for them;
#  - an unreachable resolver is a dns_failure at once, naming the cause;
#  - with the WAN gone, discovery does not leave by the other uplink;
#  - without `resolvers`, a rewritten resolv.conf is read again;
#  - a provider's control characters never reach the log or status raw;
#  - credentials: not over http, from a file, a warning for --pass;
#  - a closed stderr (SIGPIPE) does not kill the daemon.
# Usage: tests/ns/test_hardening.sh [AGENT]   (root)
top=$(cd "$(dirname "$0")/../.." && pwd)
LAB_CPE=v6t-hb-cpe
LAB_ISP=v6t-hb-isp
. "$top/tests/lib/ns.sh"
ns_lab_start hb "$1"
T=${RT_TOOL:-$(dirname "$A")/tests/tools/rt_tool}

WANADDR=2001:db8:1::100
OURS=2001:db8:1::233

setup() {
	ns_lab_servers 'txt-record=http.v6t.test,"v=v6mig-1 url=http://prov.v6t.test/config t=a"' \
		'host-record=aftr.v6t.test,2001:db8:ff::2' \
		'host-record=aftr.v6t.test,2001:db8:ff::1' &&
	lab_server http 2001:db8:80::1 80 plain
}
setup || lab_bail

st() { "$A" status --json --run-dir "$D/run" | jget "$1" 2>/dev/null; }
# until CMD succeeds, at most 20 s
until_ok() {
	_n=0
	while [ $_n -lt 200 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		_n=$((_n + 1))
	done
	return 1
}
BODY='{"ttl":3600,"order":[]}'
# agent [PREFIX...] -- [ARGS...]: the daemon in the CPE namespace, in the
# background, its output in agent.log; the last daemon's status file goes
# first, so no check reads it for this one's.
agent() {
	rm -f "$D/run/status.json"
	_pre=
	while [ $# -gt 0 ] && [ "$1" != -- ]; do _pre="$_pre $1"; shift; done
	[ "$1" = -- ] && shift
	# shellcheck disable=SC2086 # the prefix is words
	ip netns exec "$LAB_CPE" $_pre "$A" run --wan wan0 --domain ok.v6t.test \
		--ca-file "$D/ca/ca.pem" --timeout 5 --run-dir "$D/run" \
		--log-level debug "$@" > "${AGENT_OUT:-$D/agent.log}" 2>&1 &
	PID=$!
}

# ---- issue 10 (3): the WAN's own address, not our /128 -----------------------
# Our MAP-E /128 on the WAN, and a route whose source hint makes the
# kernel pick it for the servers and the resolver (as a CE's own policy
# or a route added by another tool may).
ok "our /128 on wan0, protocol 233 (as apply adds it)" cpe "$T" addr add wan0 "$OURS/128" nodad proto 233
cpe ip -6 route add 2001:db8:80::/48 via 2001:db8:1::1 dev wan0 src "$OURS"
cpe ip -6 route add 2001:db8:53::/48 via 2001:db8:1::1 dev wan0 src "$OURS"
like "$(cpe ip -6 route get 2001:db8:80::1)" "src $OURS " "the kernel's choice for the server is our /128"
picked=$(cpe /usr/bin/python3 -c 'import socket
s=socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"wan0")
s.connect(("2001:db8:53::53", 53)); print(s.getsockname()[0])')
is "$picked" "$OURS" "a socket bound only to wan0 leaves from our /128"
answer 200 "$BODY"
probe ok --wan wan0
is "$RC" 0 "probe --wan wan0 with our /128 preferred: exit 0"
is "$(logq 'r[0]["source"]')" "$WANADDR" "10.3: the server sees the WAN's own address"
like "$(grep -a 'query\[TXT\] ok.v6t.test' "$D/dns.log")" "from $WANADDR" "10.3: the TXT query leaves from it too"
like "$(grep -a 'query\[AAAA\] prov.v6t.test' "$D/dns.log")" "from $WANADDR" "10.3: and the server's AAAA"

# The daemon: the same, from its first fetch.
clear_logs
agent -- --resolver "$RES" --state-dir "$D/state"
until_ok [ "$(logq 'len(r)')" -ge 1 ]
is "$(logq 'r[0]["source"]')" "$WANADDR" "10.3: the daemon's fetch leaves from the WAN address"
like "$(grep -a "dns: channel" "$D/agent.log")" "source $WANADDR" "10.3: the daemon's DNS channel is bound to it"
stop_agent
[ -n "$V6T_DEBUG" ] && sed 's/^/# /' "$D/agent.log"
cpe ip -6 route del 2001:db8:80::/48
cpe ip -6 route del 2001:db8:53::/48
cpe "$T" addr del wan0 "$OURS/128"

# ---- 11.2: an unreachable resolver, at once and by name ------------------------
start=$(date +%s)
OUT=$(cpe timeout 60 "$A" probe --resolver fe80::1 --domain ok.v6t.test --json)
RC=$?
took=$(( $(date +%s) - start ))
is "$RC:$(j 'j["error"]["class"]')" "4:dns_failure" "11.2: --resolver fe80::1 -> dns_failure"
ok "11.2: answered at once (${took}s <= 2s), not after the 60 s guard" [ "$took" -le 2 ]
like "$(j 'j["error"]["message"]')" "fe80::1#53: Invalid argument .*scope" "11.2: the message names the real cause"

# ---- 11.12 and 11.13 over probe -------------------------------------------------------
script_loc() {
	/usr/bin/python3 -c 'import json,sys
print(json.dumps({"routes": {"/config": {"status": 307, "location": sys.argv[1]}}}))' "$1" \
		> "$D/script.json.tmp" && mv "$D/script.json.tmp" "$D/script.json"
}
script_loc "$(printf 'https://prov.v6t.test/x\033[2J\302\233y')"
probe ok
TXT=$(cpe timeout 60 "$A" probe --resolver "$RES" --domain ok.v6t.test --ca-file "$D/ca/ca.pem" 2>&1)
is "$(printf '%s' "$TXT" | LC_ALL=C grep -c "$(printf '[\033\233]')")" 0 "11.12: a Location's ESC and CSI never reach the terminal raw"
like "$TXT" 'x\\x1b\[2J\\x[0-9a-f]{2}' "11.12: they show escaped"

answer 200 "$BODY"
probe http --user u1 --pass s3cr3t
is "$RC:$(logq '"user=" in r[0]["query"] or "pass=" in r[0]["query"]')" "0:false" "11.13: user/pass never over http, even without a server name"
like "$(cat "$D/stderr")" "--pass is visible to every local user" "11.13: --pass warns"
printf 's3cr3t\n' > "$D/pass"
chmod 600 "$D/pass"
probe ok --user u1 --pass-file "$D/pass"
is "$RC:$(logq 'r[0]["query"].endswith("&user=u1&pass=s3cr3t")')" "0:true" "11.13: --pass-file: the pass is sent over https"
is "$(grep -c . "$D/stderr")" 0 "11.13: --pass-file: no warning"
OUT=$("$A" run --wan lo --user u1 --pass "$(printf '%070d' 7)" 2>&1)
is "$?:$(printf '%s' "$OUT" | grep -c 0000000)" "2:0" "11.13: a too-long pass is refused without being echoed"

# ---- 11.12 in the daemon: a provider's names -----------------------------------------
answer 200 "{\"ttl\":3600,\"enabler_name\":\"evil\\u009b2J\",\"service_name\":\"svc\\u009b31m\",\"order\":[]}"
clear_logs
agent -- --resolver "$RES" --state-dir "$D/state"
until_ok grep -q 'valid provisioning' "$D/agent.log"
until_ok [ "$(st 'j["last_class"]')" = ok ]
C1=$(printf '[\302\233\033]')
like "$(grep -a 'valid provisioning' "$D/agent.log")" 'evil\\xc2\\x9b2J' "11.12: a C1 control in enabler_name is logged escaped"
# and a server's Location, echoed into last_error
script_loc "$(printf 'https://prov.v6t.test/x\033[2J\302\233y')"
kill -USR1 "$PID"
until_ok [ "$(st 'j["last_class"]')" = bad_answer ]
like "$(st 'j["last_error"]')" 'x\\x1b\[2J' "11.12: the Location's ESC in last_error, escaped"
is "$(LC_ALL=C grep -c "$C1" "$D/agent.log")" 0 "11.12: no raw C1/ESC byte anywhere in the log"
is "$(LC_ALL=C grep -c "$C1" "$D/run/status.json")" 0 "11.12: none in the status file"
is "$("$A" status --run-dir "$D/run" | LC_ALL=C grep -c "$C1")" 0 "11.12: none in what status prints"

# ---- 11.14: stderr closed under the daemon ----------------------------------------------
stop_agent
answer 200 "$BODY"
mkfifo "$D/fifo"
head -n 1 < "$D/fifo" > /dev/null &
HEAD=$!
AGENT_OUT=$D/fifo
agent -- --resolver "$RES" --state-dir "$D/state"
AGENT_OUT=
wait "$HEAD"
sleep 0.5
kill -USR1 "$PID" 2>/dev/null # logs "SIGUSR1: fetching now" into the closed pipe
sleep 1
ok "11.14: the daemon lives on after writing to a closed stderr (SIGPIPE)" kill -0 "$PID"
stop_agent
rm -f "$D/fifo"

# ---- 11.9: an AFTR name with two addresses ------------------------------------------
# This host has no ip6tnl: every apply fails, so both addresses are tried,
# in address order whatever order the resolver gives them in. DS-Lite is
# the fixed mode: without ip6tnl the agent neither offers nor picks it (R4).
answer 200 '{"ttl":3600,"order":["dslite"],"dslite":{"aftr":"aftr.v6t.test"}}'
agent -- --resolver "$RES" --state-dir "$D/state2" --method dslite
until_ok grep -q 'apply dslite' "$D/agent.log"
like "$(grep -a 'resolving aftr.v6t.test' "$D/agent.log")" "AAAA" "11.9: the AFTR name resolved (AAAA)"
like "$(grep -a 'its next address' "$D/agent.log")" "aftr.v6t.test at 2001:db8:ff::1 failed .*: trying 2001:db8:ff::2" \
	"11.9: the apply with the first address failed: the next one is tried, in address order"
is "$(grep -ac 'its next address' "$D/agent.log")" 1 "11.9: each address once"
stop_agent
answer 200 "$BODY"

# ---- 11.10: resolv.conf read again ---------------------------------------------------
# The daemon without `resolvers`, in a mount namespace of its own where
# /etc/resolv.conf is our file: first a dead resolver, then the lab's.
printf 'nameserver 2001:db8:53::99\noptions timeout:1 attempts:1\n' > "$D/resolv.conf"
clear_logs
printf '%s\n' 'mount --bind "$1" /etc/resolv.conf && shift && exec "$@"' > "$D/resolv.sh"
agent unshare -m sh "$D/resolv.sh" "$D/resolv.conf" -- --state-dir "$D/state"
until_ok [ "$(st 'j["last_class"]')" = dns_failure ]
is "$(st 'j["last_class"]')" dns_failure "11.10: the dead resolver of resolv.conf -> dns_failure"
# rewritten in place (a bind mount), as a DHCPv6 client would
printf 'nameserver %s\noptions timeout:1\n' "$RES" > "$D/resolv.conf"
kill -USR1 "$PID"
until_ok [ "$(st 'j["last_class"]')" = ok ]
is "$(st 'j["last_class"]')" ok "11.10: the rewritten resolv.conf is read again at the next query"
like "$(grep -a 'dns: new channel' "$D/agent.log")" "servers from /etc/resolv.conf" "11.10: a new channel, logged"
stop_agent

# ---- 11.17: the WAN gone, nothing leaves by the other uplink -----------------------------
# wan1 has a default route too (metric 200); with wan0 gone, an unbound
# socket would reach the resolver through it.
clear_logs
agent -- --resolver "$RES" --state-dir "$D/state"
until_ok [ "$(st 'j["last_class"]')" = ok ]
cpe ip link del wan0
: > "$D/dns.log"
kill -USR1 "$PID"
until_ok [ "$(st 'j["last_class"]')" = dns_failure ]
is "$(st 'j["last_class"]')" dns_failure "11.17: WAN gone -> dns_failure"
is "$(grep -ac 'query\[' "$D/dns.log")" 0 "11.17: no query left by wan1"
like "$(st 'j["last_error"]')" "wan0: No such device" "11.17: the error names the WAN and why"
stop_agent
[ -n "$V6T_DEBUG" ] && sed 's/^/# /' "$D/agent.log"

done_testing
