# shellcheck shell=bash
# The start every lab-driven VM script shares, sourced from the top of the
# tree: TAP, a lab of its own beside any other (LAB_PREFIX v6t-NAME-,
# LAB_DIR /run/v6t-NAME), kernel tunnels unless LAB_TUNNEL says otherwise,
# the agent under test (AGENT, made absolute, when given) and the lab's
# address plan and helpers (scripts/lab/lib.sh).
# Usage: . tests/vm/lab_case.sh NAME [AGENT]
# Then, for CE 1's agent (AD, its directory under LAB_DIR), status polls
# with shell builtins only (in a TCG VM every exec costs a good part of a
# second): st reads status.json into ST, jv KEY prints a string or number
# of it, until_st SECONDS COND re-reads it until the bash condition holds;
# tun prints CE 1's tunnels of ours as "COUNT LOCAL REMOTE" (v6mig0's
# ends), tcp_seen what inet sees of one TCP connection from CE 1's LAN.
. tests/lib/tap.sh
export LAB_PREFIX=v6t-$1- LAB_DIR=/run/v6t-$1 LAB_TUNNEL=${LAB_TUNNEL:-kernel}
if [ -n "${2:-}" ]; then
	LAB_AGENT=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
	export LAB_AGENT
fi
. scripts/lab/lib.sh

AD=$LAB_DIR/agent1
ST=""
st() { ST=""; read -r -d '' ST 2>/dev/null <"$AD/run/status.json"; }
jv() { # cJSON_Print's layout: "key":<tab>value
	local re="\"$1\":[[:space:]]*(\"([^\"]*)\"|([^,}[:space:]]+))"
	[[ $ST =~ $re ]] || { echo "?"; return; }
	if [ -n "${BASH_REMATCH[2]}" ]; then echo "${BASH_REMATCH[2]}"; else echo "${BASH_REMATCH[3]}"; fi
}
until_st() {
	local end=$((SECONDS + $1))
	while [ "$SECONDS" -le "$end" ]; do
		st
		eval "$2" && return 0
		nap 0.2
	done
	return 1
}
tun() {
	local ce j n=0 re='"ifname":"v6mig[^"]*"' lre='"local":"([^"]*)"' rre='"remote":"([^"]*)"' loc="-" rem="-" x
	ce=$(ce_ns 1)
	j=$(ip -n "$ce" -d -j link show)
	x=$j
	while [[ $x =~ $re ]]; do n=$((n + 1)); x=${x#*"${BASH_REMATCH[0]}"}; done
	j=$(ip -n "$ce" -d -j link show v6mig0 2>/dev/null)
	[[ $j =~ $lre ]] && loc=${BASH_REMATCH[1]}
	[[ $j =~ $rre ]] && rem=${BASH_REMATCH[1]}
	echo "$n $loc $rem"
}
tcp_seen() {
	ip netns exec "$(lan_ns 1)" "$PY" "$LAB_SCRIPTS/client.py" tcp "$INET4" 7000 --timeout 5 2>&1 |
		sed 's/^you are //'
}
