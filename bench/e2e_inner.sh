#!/bin/bash
# The measurement of bench/run-e2e.sh (in the VM or not): ROUNDS cold starts
# of the agent in CE 1 of a lab offering MAP-E (offers/map_e-v1.json),
# each with empty state and run directories, a ping from lan to inet every
# 20 ms running throughout; then the idle RSS after three refreshes.
# Usage: bench/e2e_inner.sh BUILD_DIR ROUNDS
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
export LAB_PREFIX=v6t-bench-
export LAB_DIR=/run/v6t-bench
export LAB_AGENT=$1/v6mig-agent
export LAB_OFFER=$top/scripts/lab/offers/map_e-v1.json
rounds=$2
L=$top/scripts/lab
. "$L/lib.sh"
trap '"$L/agent.sh" stop >/dev/null 2>&1; "$L/topo.sh" down >/dev/null 2>&1' EXIT
trap 'exit 1' INT TERM

"$L/topo.sh" up 2>/dev/null && "$L/br.sh" add 1 "$LAB_OFFER" >/dev/null ||
	{ echo "e2e bench: lab failed"; exit 1; }
set -- $("$L/agent.sh" dirs)
SD=$1 RD=$2
hz=$(getconf CLK_TCK)

# epoch (s, float) at which process PID started: its start in ticks since
# boot against /proc/uptime, read together with the clock
started() {
	local st up now
	st=$(sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f20)
	read -r up _ </proc/uptime
	now=$EPOCHREALTIME
	awk -v n="$now" -v u="$up" -v s="$st" -v hz="$hz" 'BEGIN { printf "%.3f", n - (u - s / hz) }'
}
j() { sed -n "s/^[[:space:]]*\"$1\":[[:space:]]*\"\{0,1\}\([^\",]*\).*/\1/p" "$RD/status.json" | head -n 1; }

echo "# MAP-E, cold start (no stored data), $rounds round(s); times in ms"
echo "| round | run -> first packet | exec+load | daemon: main -> configured | DNS | HTTPS | plan | kernel | other |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for ((r = 1; r <= rounds; r++)); do
	rm -rf "$SD" "$RD"
	# what comes before main(): the same exec chain and dynamic loading
	a=$EPOCHREALTIME
	ip netns exec "$(ce_ns 1)" "$LAB_AGENT" --version >/dev/null
	b=$EPOCHREALTIME
	load=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%d", (b - a) * 1000 }')
	ping=$LAB_DIR/ping.$r
	# (no -w: with a deadline ping stops at the first error, the "unreachable" before the tunnel)
	timeout 200 ip netns exec "$(lan_ns 1)" ping -D -n -i 0.02 -W 1 203.0.113.10 >"$ping" 2>&1 &
	pp=$!
	"$L/agent.sh" start >/dev/null || { echo "e2e bench: agent did not start"; exit 1; }
	pid=$(cat "$LAB_DIR/pid/agent1")
	t0=$(started "$pid")
	"$L/agent.sh" wait configured --timeout 120 >/dev/null || { echo "e2e bench: not configured"; tail "$LAB_DIR/log/agent1.log"; exit 1; }
	wait_until 30 grep -q "bytes from 203.0.113.10" "$ping"
	kill "$pp" 2>/dev/null
	wait "$pp" 2>/dev/null
	[ -n "${BENCH_DEBUG:-}" ] && { head -n 3 "$ping"; tail -n 3 "$ping"; }
	t1=$(sed -n 's/^\[\([0-9.]*\)\] .*bytes from 203.0.113.10.*/\1/p' "$ping" | head -n 1)
	first=$(awk -v a="$t0" -v b="${t1:-0}" 'BEGIN { if (b == 0) print "none"; else printf "%d", (b - a) * 1000 }')
	tot=$(j total_ms) dns=$(j dns_ms) https=$(j https_ms) plan=$(j plan_ms) kern=$(j kernel_ms)
	echo "| $r | $first | $load | $tot | $dns | $https | $plan | $kern | $((tot - dns - https - plan - kern)) |"
	"$L/agent.sh" stop >/dev/null
done
echo "# (the first packet: the first echo reply of a ping every 20 ms, against the agent process's start;"
echo "#  exec+load: \`ip netns exec CE v6mig-agent --version\`, what the process spends before main();"
echo "#  the daemon's split counts from main(); other: its start-up (configuration, netlink,"
echo "#  libcurl) and the hand-overs between phases)"

# ---- idle: configured, then three refreshes (SIGUSR1), then quiet ----------
rm -rf "$SD" "$RD"
"$L/agent.sh" start >/dev/null && "$L/agent.sh" wait configured --timeout 120 >/dev/null ||
	{ echo "e2e bench: not configured"; exit 1; }
pid=$(cat "$LAB_DIR/pid/agent1")
log=$LAB_DIR/log/agent1.log
rss() { awk '/^VmRSS|^VmHWM/ { printf "%s %s kB  ", $1, $2 }' "/proc/$pid/status"; }
echo "# RSS configured: $(rss)"
for ((i = 1; i <= 3; i++)); do
	n=$(grep -c 'fetch: valid provisioning' "$log")
	"$L/agent.sh" signal USR1
	wait_until 30 eval "[ \$(grep -c 'fetch: valid provisioning' $log) -gt $n ]" ||
		echo "# refresh $i: no new fetch within 30 s"
done
nap "${BENCH_IDLE_S:-10}"
echo "# RSS idle after 3 refreshes and ${BENCH_IDLE_S:-10} s: $(rss)(applies $(j applies), kernel writes $(j kernel_writes))"
"$L/agent.sh" stop >/dev/null
