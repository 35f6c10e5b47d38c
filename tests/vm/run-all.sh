#!/bin/sh
# The VM suite: every tests/vm/cases/test_*.sh (TAP, run as root), all in ONE
# boot of Debian's distro kernel (scripts/vm/run.sh) when the running kernel
# lacks ip6tnl, or directly when it has it. Builds nothing: tests/check.sh
# has built the tree. Prints one TAP stream: each case's results renumbered
# and named "CASE: ...", its other output as "# CASE| ..."; a case that
# fails, dies, misses its plan or hangs (per-case timeout) is a "not ok" and
# the others still run.
# tests/vm/systemd/test_*.sh need systemd as PID 1 and a system to install
# the package into: they run in a second boot (run.sh --systemd, a writable
# overlay of the host root) after `make deb` here, whatever this kernel has
# (skipped only with V6MIG_VM=never).
# The accelerator (scripts/vm/accel.sh: KVM by proof, else TCG) is printed
# as "# accel: ..." (tests/check.sh shows it on the vm line).
#
#   V6MIG_VM=auto|always|never   where to run (default auto: probe ip6tnl)
#   V6MIG_VM_CASES="smoke mape"  only these cases (names without test_/.sh)
#   V6MIG_VM_CASE_TIMEOUT=S      per case (default 300)
#   V6MIG_VM_TIMEOUT=S           the whole VM (default 120 + S per case)
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
case_timeout=${V6MIG_VM_CASE_TIMEOUT:-300}

cases() { # cases DIR: the selected test_*.sh in DIR
	for t in "$here/$1"/test_*.sh; do
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

inside() { # inside DIR
	# A systemd case carries many checks through one lab and one boot.
	[ "$1" = systemd ] && [ "$case_timeout" -lt 900 ] && case_timeout=900
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	n=0 bad=0
	[ "$(id -u)" = 0 ] || { echo "not ok 1 - vm: the cases need root"; echo "1..1"; exit 1; }
	IFS='
'
	for f in $(cases "$1"); do
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
	inside "${2:-cases}"
	exit
fi

cd "$top" || exit 1
# The systemd boot's TAP is appended to the first one's: renumber it on,
# and leave one plan at the end.
n_all=0 bad_all=0
# vm_boot DIR [--systemd]: the cases of DIR in one VM; their TAP renumbered
# from n_all on, the plan line dropped; a runner failure is a not ok.
vm_boot() {
	dir=$1; shift
	nc=$(cases "$dir" | wc -l)
	ct=$case_timeout
	[ "$dir" = systemd ] && [ "$ct" -lt 900 ] && ct=900
	vm_timeout=${V6MIG_VM_TIMEOUT:-$((120 + nc * (ct + 10)))}
	echo "# vm: $why: one VM${1:+ ($1)} for $nc case(s) of tests/vm/$dir"
	start=$(date +%s)
	V6MIG_VM_ACCEL=${acc%% *} "$top/scripts/vm/run.sh" --timeout "$vm_timeout" "$@" -- \
		"$here/run-all.sh" --inside "$dir" > "$tmpd/boot.out" 2>&1
	rc=$?
	renumber < "$tmpd/boot.out"
	echo "# vm: boot and cases took $(($(date +%s) - start))s (exit $rc)"
	case "$rc" in
	0) ;;
	1) bad_all=$((bad_all + 1)) ;;
	*)
		# The VM itself failed (124 timeout, 125 no VM): never a silent pass.
		n_all=$((n_all + 1)); bad_all=$((bad_all + 1))
		echo "not ok $n_all - vm: the runner exited $rc (see the lines above)" ;;
	esac
}
# renumber: TAP from stdin with numbers from n_all on, plan lines dropped
renumber() {
	while IFS= read -r line; do
		case "$line" in
		"ok "[0-9]* | "not ok "[0-9]*)
			n_all=$((n_all + 1))
			st=${line%% [0-9]*}
			rest=${line#"$st "}
			rest=${rest#"${rest%%[!0-9]*}"}
			echo "$st $n_all$rest" ;;
		1..[0-9]*) ;;
		*) printf '%s\n' "$line" ;;
		esac
	done
}
tmpd=$(mktemp -d)
trap 'rm -rf "$tmpd"' EXIT
[ -n "$(cases cases)$(cases systemd)" ] || { echo "1..0 # no cases"; exit 0; }
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
never | always) ;;
*) echo "not ok 1 - vm: V6MIG_VM=$mode (auto|always|never)"; exit 2 ;;
esac
acc="none"
if [ "$mode" = always ] || { [ -n "$(cases systemd)" ] && [ "${V6MIG_VM:-auto}" != never ]; }; then
	# One line when there is no qemu (run.sh says it), and the layer fails.
	acc=$("$top/scripts/vm/run.sh" --accel) ||
		{ echo "not ok 1 - vm: no VM can run here (see the line above)"; echo "1..1"; exit 1; }
	echo "# accel: $acc"
fi
if [ -n "$(cases cases)" ]; then
	if [ "$mode" = never ]; then
		echo "# vm: $why: the cases run directly, no VM"
		inside cases > "$tmpd/direct.out" 2>&1 || bad_all=$((bad_all + 1))
		renumber < "$tmpd/direct.out"
	else
		vm_boot cases
	fi
fi
if [ -n "$(cases systemd)" ]; then
	why="systemd as PID 1"
	if [ "${V6MIG_VM:-auto}" = never ]; then
		n_all=$((n_all + 1))
		echo "ok $n_all - vm: the systemd cases # SKIP V6MIG_VM=never (they need a VM of their own)"
	else
		# The package they install, built here (the unit tests ran already).
		t=$(date +%s)
		if DEB_BUILD_OPTIONS=nocheck make -s deb > "$tmpd/deb.out" 2>&1; then
			echo "# vm: make deb took $(($(date +%s) - t))s: $(grep '\.deb$' "$tmpd/deb.out" | tr '\n' ' ')"
			vm_boot systemd --systemd
		else
			sed 's/^/# deb| /' "$tmpd/deb.out" | tail -n 30
			n_all=$((n_all + 1)); bad_all=$((bad_all + 1))
			echo "not ok $n_all - vm: make deb failed: the systemd cases cannot run"
		fi
	fi
fi
echo "1..$n_all"
[ "$bad_all" = 0 ]
