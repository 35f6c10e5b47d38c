#!/bin/sh
# The VM suite: every tests/vm/cases/test_*.sh (TAP, run as root), all in ONE
# boot of Debian's distro kernel (scripts/vm/run.sh) when the running kernel
# lacks ip6tnl, or directly when it has it. Builds nothing: tests/check.sh
# has built the tree. Prints one TAP stream: each case's results renumbered
# and named "CASE: ...", its other output as "# CASE| ..."; a case that
# fails, dies, misses its plan or hangs (per-case timeout) is a "not ok" and
# the others still run.
#
#   V6MIG_VM=auto|always|never   where to run (default auto: probe ip6tnl)
#   V6MIG_VM_CASES="smoke mape"  only these cases (names without test_/.sh)
#   V6MIG_VM_CASE_TIMEOUT=S      per case (default 300)
#   V6MIG_VM_TIMEOUT=S           the whole VM (default 120 + S per case)
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
case_timeout=${V6MIG_VM_CASE_TIMEOUT:-300}

cases() {
	for t in "$here"/cases/test_*.sh; do
		[ -e "$t" ] || continue
		n=$(basename "$t" .sh)
		n=${n#test_}
		if [ -n "${V6MIG_VM_CASES:-}" ]; then
			case " $V6MIG_VM_CASES " in *" $n "*) ;; *) continue ;; esac
		fi
		echo "$t"
	done
}

# run_case FILE FIRST STATE: run one case, rewrite its TAP (numbers from
# FIRST+1) and leave "ran failed" in STATE.
run_case() {
	f=$1 first=$2 state=$3
	name=$(basename "$f" .sh)
	name=${name#test_}
	run="sh"
	if [ -x "$f" ]; then
		run=""  # an executable case picks its own shell (#!)
	fi
	{
		timeout -k 5 "$case_timeout" $run "$f" "$top/build/v6mig-agent" < /dev/null 2>&1
		echo "$?" > "$state.rc"
	} | awk -v name="$name" -v n="$first" -v state="$state" '
		function out(s) { print s; fflush() }
		/^(not )?ok([ \t]|$)/ {
			bad = ($1 == "not")
			rest = $0
			sub(/^(not )?ok[ \t]*[0-9]*[ \t]*(-[ \t]*)?/, "", rest)
			n++; ran++; failed += bad
			out((bad ? "not ok " : "ok ") n " - " name ": " rest)
			next
		}
		/^1\.\.[0-9]+/ { plan = substr($1, 4) + 0; planned = 1; next }
		/^#/ { sub(/^#[ \t]?/, ""); out("# " name ": " $0); next }
		{ out("# " name "| " $0) }
		END { print ran + 0, failed + 0, planned + 0, plan + 0 > state }'
}

inside() {
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	n=0 bad=0
	[ "$(id -u)" = 0 ] || { echo "not ok 1 - vm: the cases need root"; echo "1..1"; exit 1; }
	IFS='
'
	for f in $(cases); do
		unset IFS
		name=$(basename "$f" .sh)
		name=${name#test_}
		echo "# ---- $name"
		start=$(date +%s)
		run_case "$f" "$n" "$tmp/state"
		read -r ran failed planned plan < "$tmp/state"
		rc=$(cat "$tmp/state.rc")
		n=$((n + ran))
		why=""
		took=$(($(date +%s) - start))
		if [ "$rc" = 124 ] || { [ "$rc" = 137 ] && [ "$took" -ge "$case_timeout" ]; }; then
			why="timed out after ${case_timeout}s"
		elif [ "$rc" -gt 128 ]; then
			why="killed by signal $((rc - 128))"
		elif [ "$planned" = 0 ]; then
			why="no plan (died early? exit $rc)"
		elif [ "$plan" != "$ran" ]; then
			why="planned $plan, ran $ran (exit $rc)"
		elif [ "$rc" != 0 ] && [ "$failed" = 0 ]; then
			why="exited $rc"
		fi
		if [ -n "$why" ]; then
			n=$((n + 1))
			echo "not ok $n - $name: $why"
			failed=$((failed + 1))
		fi
		[ "$failed" = 0 ] || bad=$((bad + 1))
		echo "# $name: $ran results, $failed failed, ${took}s"
	done
	echo "1..$n"
	[ "$bad" = 0 ]
}

# Does this kernel make ip6tnl links? Ask in a throw-away namespace.
host_has_ip6tnl() {
	unshare -n sh -c 'ip link add v6t-probe type ip6tnl mode ipip6 \
		local 2001:db8::1 remote 2001:db8::2' > /dev/null 2>&1
}

if [ "${1:-}" = --inside ]; then
	inside
	exit
fi

cd "$top" || exit 1
[ -n "$(cases)" ] || { echo "1..0 # no cases"; exit 0; }
mode=${V6MIG_VM:-auto}
why="V6MIG_VM=$mode"
if [ "$mode" = auto ]; then
	mode=always
	why="$(uname -r) lacks ip6tnl"
	if host_has_ip6tnl; then
		mode=never
		why="$(uname -r) has ip6tnl"
	fi
fi
case "$mode" in
never)
	echo "# vm: $why: the cases run directly, no VM"
	inside
	exit
	;;
always) ;;
*) echo "not ok 1 - vm: V6MIG_VM=$mode (auto|always|never)"; exit 2 ;;
esac

ncases=$(cases | wc -l)
vm_timeout=${V6MIG_VM_TIMEOUT:-$((120 + ncases * (case_timeout + 10)))}
echo "# vm: $why: one VM for $ncases case(s)"
start=$(date +%s)
"$top/scripts/vm/run.sh" --timeout "$vm_timeout" -- "$here/run-all.sh" --inside
rc=$?
echo "# vm: boot and cases took $(($(date +%s) - start))s"
case "$rc" in
0 | 1) exit "$rc" ;;
esac
# The VM itself failed (124 timeout, 125 no VM): never a silent pass.
echo "not ok - vm: the runner exited $rc (see the lines above)"
exit "$rc"
