# shellcheck shell=bash
# The start every lab-driven VM script shares, sourced from the top of the
# tree: TAP, a lab of its own beside any other (LAB_PREFIX v6t-NAME-,
# LAB_DIR /run/v6t-NAME), kernel tunnels unless LAB_TUNNEL says otherwise,
# the agent under test (AGENT, made absolute, when given) and the lab's
# address plan and helpers (scripts/lab/lib.sh).
# Usage: . tests/vm/lab_case.sh NAME [AGENT]
. tests/lib/tap.sh
export LAB_PREFIX=v6t-$1- LAB_DIR=/run/v6t-$1 LAB_TUNNEL=${LAB_TUNNEL:-kernel}
if [ -n "${2:-}" ]; then
	LAB_AGENT=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
	export LAB_AGENT
fi
. scripts/lab/lib.sh
