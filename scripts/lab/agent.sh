#!/bin/bash
# agent.sh -- the real agent (`v6mig-agent run`) as CE n's daemon.
#   start [--ce N] [--fg] [--no-prefix] [-- EXTRA-ARGS...]   start it in ceN:
#                 WAN wan0, LAN lan0, the ISP resolver, the lab CA, the CE's
#                 /56 as its prefix (the lab has no DHCPv6-PD), state and run
#                 directories under $LAB_DIR/agentN; EXTRA-ARGS go to `run`
#                 as they are. --no-prefix: no --prefix, so the agent takes
#                 MAP-E's end-user prefix from the WAN's global addresses
#                 (and follows them when the WAN is renumbered)
#                 --fg: become the agent (exec, same pid) instead of detaching,
#                 so a caller that runs `agent.sh start --fg &` can `wait` for
#                 its exit status
#   stop [--ce N]        SIGTERM, wait for the exit (bounded)
#   kill9 [--ce N]       SIGKILL (what a crash leaves)
#   signal SIG [--ce N]  send SIG (HUP, USR1)
#   wait STATE [--ce N] [--timeout S]   until `status --json` says STATE
#   status [--ce N]      `status --json`
#   dirs [--ce N]        print the state and run directories
# The agent's output is $LAB_DIR/log/agentN.log; under LAB_AGENT_WRAP (e.g.
# "valgrind --leak-check=full") it runs under that program.
set -u
. "$(dirname "$0")/lib.sh"

what=${1:-}; shift || true
n=1 timeout=60 state="" sig="" fg="" noprefix="" extra=()
case $what in
wait) state=${1:-}; shift || true ;;
signal) sig=${1:-}; shift || true ;;
esac
while [ $# -gt 0 ]; do
	case $1 in
	--ce) n=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--fg) fg=1; shift ;;
	--no-prefix) noprefix=1; shift ;;
	--) shift; extra=("$@"); break ;;
	*) die "agent.sh: unknown option $1" ;;
	esac
done
CE=$(ce_ns "$n")
AD=$LAB_DIR/agent$n
name=agent$n

status_json() { ip netns exec "$CE" "$LAB_AGENT" status --json --run-dir "$AD/run"; }
in_state() { status_json 2>/dev/null | grep -q "\"state\":[[:space:]]*\"$1\""; }

case $what in
start)
	alive "$name" && die "agent $n is already running"
	mkdir -p "$AD/state" "$AD/run"
	pfx=(--prefix "$(ce_prefix56 "$n")")
	[ -z "$noprefix" ] || pfx=()
	# shellcheck disable=SC2086 # LAB_AGENT_WRAP is a command line
	cmd=(${LAB_AGENT_WRAP:-} "$LAB_AGENT" run --wan wan0 --lan lan0
		--resolver "$RESOLVER6" --ca-file "$LAB_DIR/pki/ca.pem"
		"${pfx[@]}" --state-dir "$AD/state" --run-dir "$AD/run"
		--config /dev/null --log-level info "${extra[@]}")
	if [ -n "$fg" ]; then
		mkdir -p "$LAB_DIR/pid" "$LAB_DIR/log"
		echo $$ >"$LAB_DIR/pid/$name"
		exec ip netns exec "$CE" "${cmd[@]}" >>"$LAB_DIR/log/$name.log" 2>&1 </dev/null
	fi
	spawn "$name" "$CE" "${cmd[@]}"
	;;
stop)
	f=$LAB_DIR/pid/$name
	[ -f "$f" ] || exit 0
	pid=$(cat "$f")
	kill -TERM "$pid" 2>/dev/null
	wait_until "$timeout" eval "! pid_alive $pid" || die "agent $n did not exit on SIGTERM"
	rm -f "$f"
	;;
kill9)
	f=$LAB_DIR/pid/$name
	[ -f "$f" ] || die "agent $n is not running"
	kill -KILL "$(cat "$f")"
	wait_until 5 eval "! pid_alive $(cat "$f")"
	rm -f "$f"
	;;
signal)
	[ -n "$sig" ] || die "signal SIG"
	alive "$name" || die "agent $n is not running"
	kill "-$sig" "$(cat "$LAB_DIR/pid/$name")"
	;;
wait)
	[ -n "$state" ] || die "wait STATE"
	wait_until "$timeout" in_state "$state" ||
		die "agent $n not '$state' after ${timeout}s: $(status_json 2>&1 | tr -d '\n' | cut -c1-300)"
	;;
status) status_json ;;
dirs) echo "$AD/state $AD/run" ;;
*) sed -n '2,19p' "$0" >&2; exit 2 ;;
esac
