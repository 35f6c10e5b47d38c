#!/bin/sh
# SPDX-License-Identifier: MIT
# MAP-T and 464XLAT under the daemon with exactly the shipped unit's
# sandbox and capabilities (tests/tools/sandbox_exec: CAP_NET_ADMIN,
# CAP_BPF, CAP_PERFMON; no CAP_SYS_ADMIN, so no program or map can be
# opened by its id), TAYGA as the BR / PLAT (tests/ns/xlat_lab.sh):
#   - `run --from F` configures; traffic from the LAN host is translated
#     both ways; status --json (read with the unit's capabilities too) and
#     metrics.prom show the counters as numbers that grow with traffic,
#     the same in both;
#   - a refresh (SIGUSR1) and a reload (SIGHUP, which configures again)
#     with the same data: kernel_writes does not grow, the programs' ids
#     stay (nothing re-loaded), the counters go on (not reset);
#   - `xlat stats` and `status` as root (CAP_SYS_ADMIN) still read them by id;
#   - a restart (SIGKILL, the kernel state adopted): the programs are
#     replaced in place once, traffic goes on, and the next reload is zero
#     writes again; SIGTERM removes our filters.
# Root; run through /work/wt/iso (fixed netns names).
#   XLAT_METHODS="map_t 464xlat" (default both)
. "$(dirname "$0")/../lib/tap.sh"
A=$(realpath "${1:-build/v6mig-agent}")
T=$(cd "$(dirname "$0")/../.." && pwd)
SX=$T/build/tests/tools/sandbox_exec
UNIT=$T/scripts/systemd/v6mig-agent.service
CE=v6xd-ce LAN=v6xd-lan ISP=v6xd-isp INET=v6xd-inet
PY=/usr/bin/python3
if [ "$(id -u)" != 0 ]; then echo "1..0 # SKIP namespace tests need root"; exit 0; fi
command -v tayga > /dev/null || { echo "1..0 # SKIP no tayga"; exit 0; }
[ -x "$SX" ] || { echo "Bail out! build tests-bin first (sandbox_exec)"; exit 1; }
# under /run: the unit's PrivateTmp= hides /tmp from the daemon
tmp=$(mktemp -d /run/v6t-xd.XXXXXX)
chmod 755 "$tmp"
pids=""
PID=""

stop_agent() { # SIGNAL: stop the daemon (15 s at most), its status in RC
	[ -n "$PID" ] || return 0
	kill "-$1" "$PID" 2>/dev/null
	n=0
	while kill -0 "$PID" 2>/dev/null && [ $n -lt 150 ]; do sleep 0.1; n=$((n + 1)); done
	kill -9 "$PID" 2>/dev/null
	wait "$PID" 2>/dev/null
	RC=$?
	PID=""
}
LAB_STOP="stop_agent TERM"
. "$T/tests/ns/xlat_lab.sh"
systemd-analyze syscall-filter > "$tmp/sets" 2>/dev/null ||
	{ echo "1..0 # SKIP no systemd-analyze (the unit's syscall groups)"; exit 0; }

# The daemon as the unit runs it: sandbox_exec applies the [Service] section
# (ip and sandbox_exec exec: PID is the daemon's).
start_agent() {
	m=$1
	mkdir -p "$tmp/state" "$tmp/run"
	ip netns exec $CE "$SX" --syscall-sets "$tmp/sets" --unit "$UNIT" --state-dir "$tmp/state" \
		--run-dir "$tmp/run" -- "$A" run --wan wan0 --lan lan0 --from "$tmp/$m.json" \
		--state-dir "$tmp/state" --run-dir "$tmp/run" --log-level debug >> "$tmp/agent.log" 2>&1 &
	PID=$!
}
# status --json with the unit's capabilities (no CAP_SYS_ADMIN), as a hook
# or anything else in the daemon's sandbox would read it.
st_unit() {
	nsx $CE setpriv --inh-caps=-all --bounding-set=-all,+net_admin,+bpf,+perfmon \
		"$A" status --json --run-dir "$tmp/run" | jget "$1" 2>/dev/null
}
st_is() { [ "$(st_unit "$1")" = true ]; }
# The ids of our two programs: xlat_in on the WAN, xlat_out on the device.
prog_ids() {
	dev=$(st_unit 'j["xlat"]["dev"]')
	printf '%s %s\n' \
		"$(nsx $CE tc filter show dev wan0 ingress | sed -n 's/.* id \([0-9]*\) name xlat_in .*/\1/p')" \
		"$(nsx $CE tc filter show dev "$dev" egress | sed -n 's/.* id \([0-9]*\) name xlat_out .*/\1/p')"
}
ctr() { v=$(st_unit "j['xlat']['counters']['$1']"); echo "${v:--1}"; } # -1: none
# SIGUSR2: the daemon reads the counters and rewrites status and metrics
# now; wait for the new file (an atomic rename: a new inode).
sample() {
	before=$(stat -c %i "$tmp/run/status.json" 2>/dev/null)
	kill -USR2 "$PID"
	wait_for 5 sh -c "[ \"\$(stat -c %i '$tmp/run/status.json')\" != '$before' ]"
}
nlog() { grep -c -- "$1" "$tmp/agent.log"; }

run_method() {
	m=$1
	: > "$tmp/agent.log"
	rm -rf "$tmp/state" "$tmp/run"
	offer "$m" > "$tmp/$m.json"
	if ! topo || ! peer_up "$m"; then
		ok "$m: lab set up" false
		teardown
		return
	fi
	start_agent "$m"
	ok "$m: the daemon configures under the unit's sandbox" wait_for 20 st_is 'j["state"] == "configured"'
	is "$(grep CapEff /proc/$PID/status | tr -d ' \t')" "CapEff:000000c000001000" \
		"$m: the daemon's capabilities are the unit's (CAP_NET_ADMIN, CAP_BPF, CAP_PERFMON)"
	# the guard's settle time: a restore after our own reconcile writes nothing
	sleep 2
	w0=$(st_unit 'j["kernel_writes"]')
	ids0=$(prog_ids)
	like "$ids0" '^[0-9]+ [0-9]+$' "$m: both programs attached ($ids0)"

	ok "$m: ping through our translator and TAYGA" nsx $LAN ping -c 3 -i 0.2 -W 3 $INET4
	sample
	o1=$(ctr out_ok) i1=$(ctr in_ok)
	like "$o1 $i1" '^[1-9][0-9]* [1-9][0-9]*$' \
		"$m: status --json (unit's capabilities): xlat counters are numbers (out_ok $o1, in_ok $i1)"
	cmp=$("$PY" "$T/tests/ns/metrics_check.py" "$tmp/run/metrics.prom" "$tmp/run/status.json" 2>&1)
	like "$cmp" "^same \([0-9]+ samples\)$" "$m: metrics.prom parses (prometheus_client) and equals status.json, counters included"
	like "$(grep '^v6mig_xlat_packets_total' "$tmp/run/metrics.prom" | head -2 | tr '\n' ' ')" \
		"direction=\"out\",reason=\"translated\"\} $o1 .*direction=\"in\",reason=\"translated\"\} $i1" \
		"$m: metrics: v6mig_xlat_packets_total{direction,reason} = out_ok, in_ok"
	nsx $LAN ping -c 4 -i 0.2 -W 3 $INET4 > /dev/null 2>&1
	sample
	o2=$(ctr out_ok) i2=$(ctr in_ok)
	is "$(( o2 >= o1 + 4 && i2 >= i1 + 4 ))" 1 "$m: the counters grow with traffic (out $o1 -> $o2, in $i1 -> $i2)"

	# ---- the same data again: refresh, reload ------------------------------
	k=$(nlog "keep $m running unchanged")
	kill -USR1 "$PID"
	ok "$m: SIGUSR1: fetched, kept" wait_for 10 sh -c "[ \$(grep -c 'keep $m running unchanged' '$tmp/agent.log') -gt $k ]"
	a=$(st_unit 'j["applies"]')
	kill -HUP "$PID"
	ok "$m: SIGHUP: configured again" wait_for 20 st_is "j['applies'] > $a and j['state'] == 'configured'"
	sleep 2 # and any restore after it
	is "$(st_unit 'j["kernel_writes"]')" "$w0" "$m: refresh and reload with the same data: kernel_writes stays $w0"
	like "$(tail -n 20 "$tmp/agent.log")" "kept $m: the kernel holds the plan, 0 writes" "$m: the reload logs 0 writes"
	is "$(prog_ids)" "$ids0" "$m: the programs' ids are unchanged (not re-loaded, not replaced)"
	sample
	is "$(( $(ctr out_ok) >= o2 && $(ctr in_ok) >= i2 ))" 1 "$m: the counters go on from $o2/$i2 (the same maps)"

	# ---- one-shot commands as root: by id -----------------------------------
	r=$(nsx $CE "$A" xlat stats --wan wan0 --json)
	is "$(printf '%s\n' "$r" | jget "j['out_ok'] >= $o2 and j['in_ok'] >= $i2")" true \
		"$m: xlat stats as root (CAP_SYS_ADMIN) reads them by id"

	# ---- a restart: the ids cannot be opened, one replace in place ------------
	stop_agent KILL
	start_agent "$m"
	ok "$m: restarted daemon adopts and configures" wait_for 20 st_is 'j["state"] == "configured" and j["applies"] == 1'
	sleep 2
	ids1=$(prog_ids)
	is "$([ "$ids1" != "$ids0" ] && echo replaced)" replaced "$m: after a restart the programs are replaced in place ($ids0 -> $ids1)"
	ok "$m: traffic through the replaced programs" nsx $LAN ping -c 2 -i 0.2 -W 3 $INET4
	w1=$(st_unit 'j["kernel_writes"]')
	a=$(st_unit 'j["applies"]')
	kill -HUP "$PID"
	ok "$m: SIGHUP after the restart: configured again" wait_for 20 st_is "j['applies'] > $a"
	sleep 2
	is "$(st_unit 'j["kernel_writes"]') $(prog_ids)" "$w1 $ids1" "$m: ... with 0 writes, the same programs (only one replace)"

	stop_agent TERM
	is "$RC" 0 "$m: SIGTERM: exit 0"
	is "$(nsx $CE tc filter show dev wan0 ingress | grep -c xlat_in)" 0 "$m: our WAN filter is gone"
	like "$(nsx $CE tc filter show dev wan0 ingress)" u32 "$m: the foreign u32 filter stays"
	# shellcheck disable=SC2154 # tap.sh's
	if [ "$_tap_fail" -gt 0 ]; then sed 's/^/# /' "$tmp/agent.log" | tail -n 40; fi
	teardown
}

for m in ${XLAT_METHODS:-map_t 464xlat}; do run_method "$m"; done
done_testing
