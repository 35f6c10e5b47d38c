#!/bin/sh
# SPDX-License-Identifier: MIT
# Operating it (issue 14), with the real daemon against real DNS and HTTPS
# servers in namespaces: the hook (its environment, one that hangs, one
# that fails), HB46PP 1.2's ipv6_mostly and NAT64 prefix (LAN information
# with `order: []`), and metrics.prom read by the Prometheus client's own
# text parser and compared with `status --json`. This host has no ip6tnl,
# so the events here are "unconfigured" and "stopped"; "configured" is
# driven in the VM (tests/vm/cases).
# Usage: tests/ns/test_ops.sh [AGENT]   (root)
top=$(cd "$(dirname "$0")/../.." && pwd)
LAB_CPE=v6t-op-cpe
LAB_ISP=v6t-op-isp
. "$top/tests/lib/ns.sh"
. "$top/tests/lib/agent.sh"
ns_lab_start op "$1"
PY=/usr/bin/python3
chmod 755 "$D"

BODY='{"ttl":3600,"order":[],"ipv6_mostly":1,"464xlat":{"nat64prefix":"64:ff9b::/96"}}'

# shellcheck disable=SC2119 # no more of dns.conf
ns_lab_servers || lab_bail
answer 200 "$BODY"

nreq() { grep -c '"event": "request"' "$LOG" 2>/dev/null || echo 0; }
start() {
	: > "$D/agent.log"
	rm -rf "$D/run"
	ip netns exec "$LAB_CPE" "$A" run --wan wan0 --resolver "$RES" --domain ok.v6t.test \
		--ca-file "$D/ca/ca.pem" --timeout 5 --state-dir "$D/state" \
		--run-dir "$D/run" --log-level debug "$@" > "$D/agent.log" 2>&1 &
	PID=$!
}
in_log() { grep -q -- "$1" "$D/agent.log"; }
envof() { sed -n "s/^$2=//p" "$D/hook.$1.env"; }

# ---- a hook that records its environment; 1.2's LAN information ---------------------------
printf '#!/bin/sh\nenv | sort > "%s/hook.$1.env"\necho "recorded $1"\n' "$D" > "$D/record.sh"
chmod 755 "$D/record.sh"
start --hook "$D/record.sh"
ok "1.2: valid data with order [] and ipv6_mostly" wait_for 200 st_is 'j["last_class"] == "ok" and j["state"] == "unconfigured"'
is "$(st 'j["ipv6_mostly"]')" true "1.2: status ipv6_mostly (1 taken as true)"
is "$(st 'j["nat64_prefix"]')" "64:ff9b::/96" "1.2: status nat64_prefix although 464xlat is not in order"
ok "hook: ran for the first decision" wait_for 200 test -s "$D/hook.unconfigured.env"
is "$(envof unconfigured V6MIG_EVENT)" unconfigured "hook env: V6MIG_EVENT"
is "$(envof unconfigured V6MIG_IPV6_MOSTLY)" 1 "hook env: V6MIG_IPV6_MOSTLY"
is "$(envof unconfigured V6MIG_NAT64_PREFIX)" "64:ff9b::/96" "hook env: V6MIG_NAT64_PREFIX"
is "$(envof unconfigured V6MIG_WAN)" wan0 "hook env: V6MIG_WAN"
is "$(envof unconfigured V6MIG_STATE)" unconfigured "hook env: V6MIG_STATE"
is "$(envof unconfigured V6MIG_METHOD)" "" "hook env: no method when none runs"
is "$(grep -c '^V6MIG_\|^PATH=' "$D/hook.unconfigured.env")" "$(grep -v '^PWD=\|^SHLVL=\|^_=' "$D/hook.unconfigured.env" | grep -c .)" \
	"hook env: only what we pass (no daemon environment)"
ok "hook: exit status and first line logged" wait_for 200 in_log "hook unconfigured: exit 0 after [0-9]* ms: recorded unconfigured"
like "$(st 'j["hook"]')" "^unconfigured: exit 0 after [0-9]+ ms: recorded unconfigured$" "status: the last hook run"
ok "state stored: ipv6_mostly kept with the data (P1)" grep -q '"ipv6_mostly":[[:space:]]*true' "$D/state/provisioning.json"

# ---- metrics.prom: a real Prometheus text parser; the values of status --json ------------
ok "metrics: the file is there" test -s "$D/run/metrics.prom"
cmp=$("$PY" "$top/tests/ns/metrics_check.py" "$D/run/metrics.prom" "$D/run/status.json" 2>&1)
like "$cmp" "^same \([0-9]+ samples\)$" "metrics: parsed by prometheus_client and equal to status --json"
is "$(st 'j["fetches"]["ok"]')" 1 "status: fetches by class"
stop_agent
is "$RC" 0 "SIGTERM: exit 0"
is "$(envof stopped V6MIG_EVENT 2>/dev/null)" stopped "hook: stopped, at exit"
is "$(grep -c '^V6MIG_IPV6_MOSTLY=1$' "$D/hook.stopped.env")" 1 "hook: stopped still tells the LAN information"

# ---- a hook that hangs: killed at the timeout, the daemon goes on meanwhile ---------------
printf '#!/bin/sh\necho hanging\nsleep 60\n' > "$D/hang.sh"
chmod 755 "$D/hang.sh"
rm -rf "$D/state"
: > "$LOG"
start --hook "$D/hang.sh" --hook-timeout 3
ok "hang: the daemon decided" wait_for 200 st_is 'j["state"] == "unconfigured"'
t0=$(date +%s)
before=$(nreq)
kill -USR1 "$PID"
more() { [ "$(nreq)" -gt "$before" ]; }
ok "hang: SIGUSR1 fetches again while the hook hangs" wait_for 200 more
is "$(( $(date +%s) - t0 < 3 ))" 1 "hang: that fetch did not wait for the hook"
ok "hang: killed at the timeout, logged" wait_for 200 in_log "hook unconfigured: killed at the timeout after [0-9]* ms: hanging"
# the hook itself, not the daemon (its --hook) nor this command line ([.])
ok "hang: no hook process left" sh -c "! pgrep -f '^/bin/sh $D/hang[.]sh'"
t0=$(date +%s)
stop_agent
is "$RC" 0 "hang: SIGTERM exits 0"
is "$(( $(date +%s) - t0 <= 8 ))" 1 "hang: stop waits at most for the hook's timeout"
ok "hang: the stopped hook was killed too" in_log "hook stopped: killed at the timeout"

# ---- a hook that fails ---------------------------------------------------------------------
printf '#!/bin/sh\necho "radvd: cannot reload" >&2\nexit 3\n' > "$D/fail.sh"
chmod 755 "$D/fail.sh"
start --hook "$D/fail.sh"
ok "fail: exit status and first line logged" wait_for 200 in_log "hook unconfigured: exit 3 after [0-9]* ms: radvd: cannot reload"
ok "fail: the daemon goes on" kill -0 "$PID"
stop_agent
printf 'wan = wan0\nhook = relative/hook\n' > "$D/bad.conf"
err=$("$A" run --config "$D/bad.conf" 2>&1); rc=$?
is "$rc" 2 "config: a relative hook path exits 2"
like "$err" "hook 'relative/hook' is not an absolute path" "config: names the value"
# ---- under the unit's sandbox (tests/tools/sandbox_exec): the hook runs,
# with the daemon's limits ------------------------------------------------------------
SX=$top/build/tests/tools/sandbox_exec
if [ -x "$SX" ] && systemd-analyze syscall-filter > "$D/sets" 2>/dev/null; then
	S=$(mktemp -d /run/v6t-op-sbx.XXXXXX)
	mkdir -p "$S/state" "$S/run"
	cp "$D/ca/ca.pem" "$S/state/ca.pem"   # /tmp is private under PrivateTmp=
	printf '#!/bin/sh
{ echo "event $1"; grep CapEff /proc/self/status; if (: > /var/v6t-hook-probe) 2>/dev/null; then echo "outside: writable"; else echo "outside: read-only"; fi; } > "$V6MIG_RUN_DIR/hook.$1.txt"
echo sandboxed
' > "$S/state/hook.sh"
	chmod 755 "$S/state/hook.sh"
	: > "$D/agent.log"
	ip netns exec "$LAB_CPE" "$SX" --syscall-sets "$D/sets" --unit "$top/scripts/systemd/v6mig-agent.service" \
		--state-dir "$S/state" --run-dir "$S/run" -- "$A" run --wan wan0 --resolver "$RES" \
		--domain ok.v6t.test --ca-file "$S/state/ca.pem" --timeout 5 --state-dir "$S/state" \
		--run-dir "$S/run" --hook "$S/state/hook.sh" > "$D/agent.log" 2>&1 &
	PID=$!
	ok "sandbox: the hook ran under the unit's sandbox" wait_for 200 in_log "hook unconfigured: exit 0 after [0-9]* ms: sandboxed"
	is "$(cat "$S/run/hook.unconfigured.txt" 2>/dev/null | tr '\n' '|')" "event unconfigured|CapEff:	000000c000001000|outside: read-only|" \
		"sandbox: the hook has the daemon's limits (CAP_NET_ADMIN, CAP_BPF, CAP_PERFMON; the system read-only)"
	stop_agent
	is "$RC" 0 "sandbox: SIGTERM exits 0"
	ok "sandbox: stopped ran too" test -s "$S/run/hook.stopped.txt"
	rm -rf "$S"
fi
start --hook /nonexistent/hook.sh
ok "missing: a hook that is not there is logged, the daemon goes on" wait_for 200 in_log "hook: unconfigured: hook /nonexistent/hook.sh: No such file or directory"
stop_agent
is "$RC" 0 "missing: exit 0"
done_testing
