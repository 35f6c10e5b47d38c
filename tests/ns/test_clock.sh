#!/bin/sh
# SPDX-License-Identifier: MIT
# A gateway that boots without a clock (issue 14): with t=b, the server's
# certificate is valid only from tomorrow (as every certificate looks to a
# box whose clock is in 1970). The real daemon must say so plainly (log,
# status, metrics), never accept the data (verification stays on), ask
# again when the wall clock is set (a TFD_TIMER_CANCEL_ON_SET timerfd), and
# again within a minute anyway -- which succeeds once the server's
# certificate is one our clock accepts.
# The clock-set step sets CLOCK_REALTIME to the time it reads (date -s:
# a step of about a millisecond back); V6T_NO_SETCLOCK=1 skips it.
# Usage: tests/ns/test_clock.sh [AGENT]   (root)
top=$(cd "$(dirname "$0")/../.." && pwd)
LAB_CPE=v6t-ck-cpe
LAB_ISP=v6t-ck-isp
. "$top/tests/lib/ns.sh"
. "$top/tests/lib/agent.sh"
ns_lab_start ck "$1"
PY=/usr/bin/python3
FPID=""
trap 'stop_agent; [ -n "$FPID" ] && kill $FPID 2>/dev/null; lab_down; rm -rf "$D"' EXIT
BODY='{"ttl":3600,"order":[],"ipv6_mostly":true}'

# The lab's test CA signs a certificate valid from tomorrow (OpenSSL 3.0
# has no `x509 -not_before`: `openssl ca -startdate` does it).
future_cert() {
	f=$D/future
	mkdir -p "$f/db" && : > "$f/db/index" && echo 01 > "$f/db/serial" || return 1
	cat > "$f/ca.cnf" <<-EOC
	[ca]
	default_ca = c
	[c]
	database = $f/db/index
	serial = $f/db/serial
	new_certs_dir = $f/db
	default_md = sha256
	policy = p
	x509_extensions = ext
	[p]
	commonName = supplied
	[ext]
	subjectAltName = DNS:prov.v6t.test,IP:2001:db8:80::1
	extendedKeyUsage = serverAuth
	EOC
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$f/server.key" -out "$f/server.csr" -subj "/CN=prov.v6t.test" >/dev/null 2>&1 &&
	openssl ca -batch -config "$f/ca.cnf" -cert "$D/ca/ca.pem" -keyfile "$D/ca/ca.key" \
		-in "$f/server.csr" -out "$f/server.pem" \
		-startdate "$(date -u -d tomorrow +%y%m%d%H%M%SZ)" \
		-enddate "$(date -u -d '+2 days' +%y%m%d%H%M%SZ)" >/dev/null 2>&1
}
setup() {
	lab_up "$D" || return 1
	cat > "$D/dns.conf" <<-EOF
	local=/v6t.test/
	host-record=prov.v6t.test,2001:db8:80::1
	txt-record=future.v6t.test,"v=v6mig-1 url=https://prov.v6t.test:8443/config t=b"
	EOF
	lab_dnsmasq dns "$RES" 53 "$D/dns.conf" && future_cert || return 1
	answer 200 "$BODY"
	ip netns exec "$LAB_ISP" $PY "$LAB_SERVERS/provserver.py" --listen 2001:db8:80::1 --port 8443 \
		--script "$D/script.json" --log "$LOG" --ready "$D/future.ready" \
		--cert "$D/future/server.pem" --key "$D/future/server.key" > "$D/future.out" 2>&1 &
	FPID=$!
	lab_wait_file "$D/future.ready" 100
}
if ! setup; then echo "not ok 1 - lab setup (openssl ca, servers)"; echo "1..1"; exit 1; fi

nlog() { grep -c -- "$1" "$D/agent.log"; }
more_than() { [ "$(nlog "$1")" -gt "$2" ]; }

nb=$(date -u -d "$(openssl x509 -in "$D/future/server.pem" -noout -startdate | cut -d= -f2)" '+%Y-%m-%d %H:%M:%S UTC')
ip netns exec "$LAB_CPE" "$A" run --wan wan0 --resolver "$RES" --domain future.v6t.test \
	--ca-file "$D/ca/ca.pem" --timeout 5 --state-dir "$D/state" --run-dir "$D/run" \
	--log-level debug > "$D/agent.log" 2>&1 &
PID=$!
ok "t=b, certificate valid from tomorrow: no_answer" wait_for 200 st_is 'j["last_class"] == "no_answer"'
like "$(st 'j["clock"]')" "^the clock is $(date -u +%Y-%m-%d) [0-9:]+ UTC; the server's certificate is valid from $nb$" \
	"status: the clock and the certificate's notBefore, plainly"
like "$(st 'j["last_error"]')" "certificate not yet valid" "status: last_error names the validity period"
ok "log: is the clock wrong, asking again in 60 s" grep -q "valid from $nb: is the clock wrong.*asking again in 60 s" "$D/agent.log"
is "$(cat "$LOG" 2>/dev/null | grep -c '"event": "request"')" 0 "verification stays on: no HTTP request was sent"
ok "no data stored from an unverified server" test ! -e "$D/state/provisioning.json"
ok "metrics: v6mig_clock_suspect 1" grep -qx 'v6mig_clock_suspect 1' "$D/run/metrics.prom"
n=$(st 'int(j["next_check"]) - int(__import__("time").time())')
ok "the sequence still has its Q4 wait (10-30 min: $n s); the retry is ours" test "$n" -ge 590

if [ "$(id -u)" = 0 ] && [ -z "${V6T_NO_SETCLOCK:-}" ]; then
	before=$(nlog "certificate not yet valid")
	date -u -s "@$(date +%s.%N)" > /dev/null
	ok "clock set: the daemon noticed (TFD_TIMER_CANCEL_ON_SET)" wait_for 50 grep -q "the wall clock was set: asking the server again now" "$D/agent.log"
	ok "clock set: asked again at once, not in 10-30 min" wait_for 100 more_than "certificate not yet valid" "$before"
else
	ok "clock set: skipped (V6T_NO_SETCLOCK)" true
fi

# The server's certificate becomes one our clock accepts: the 60 s retry
# (not Q4's 10-30 min) fetches, verifies, and the note goes.
kill "$FPID"; wait "$FPID" 2>/dev/null; FPID=
lab_server https 2001:db8:80::1 8443 tls
t0=$(date +%s)
ok "the retry within about a minute succeeds" wait_for 800 st_is 'j["last_class"] == "ok"'
echo "# retried after $(( $(date +%s) - t0 )) s"
is "$(st 'j["clock"]')" null "status: the clock note is gone"
ok "log: verifies now" grep -q "certificate verifies now" "$D/agent.log"
ok "metrics: v6mig_clock_suspect 0" grep -qx 'v6mig_clock_suspect 0' "$D/run/metrics.prom"
stop_agent
is "$RC" 0 "SIGTERM: exit 0"
done_testing
