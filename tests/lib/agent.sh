# shellcheck shell=sh
# shellcheck disable=SC2034 # RC is for the caller
# The daemon in a lab namespace test (source after tests/servers/lab.sh):
#   stop_agent            SIGTERM $PID, wait (15 s at most), then SIGKILL;
#                         its exit status in RC
#   wait_for TENTHS CMD...  poll CMD every 0.1 s, at most TENTHS times
#   st EXPR               a python expression over `status --json` (j) of
#                         the run directory $D/run
#   st_is EXPR            st EXPR is true
PID=""
stop_agent() { lab_agent_stop 150; }
wait_for() {
	_max=$1; shift; _n=0
	while [ $_n -lt "$_max" ]; do "$@" && return 0; sleep 0.1; _n=$((_n + 1)); done
	return 1
}
st() { "$A" status --json --run-dir "$D/run" | jget "$1" 2>/dev/null; }
st_is() { [ "$(st "$1")" = true ]; }
