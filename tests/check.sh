#!/bin/sh
# `make check`: every layer of tests, each speaking TAP, and one summary.
#   unit (cmocka; sd_notify also with CONFIG_SYSTEMD=y) -> unit under ASan+UBSan -> CLI contracts -> fuzz smoke
#   -> namespace tests (root) -> VM tests (ip6tnl; root)
# CHECK_ONLY="unit cli" runs a subset. Exit non-zero on any failure.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
log=build/check.log
mkdir -p build
: > "$log"
pass=0 fail=0 failed_suites=""

want() {
	[ -z "${CHECK_ONLY:-}" ] && return 0
	case " $CHECK_ONLY " in *" $1 "*) return 0 ;; esac
	return 1
}

# suite NAME CMD...: run, count TAP lines, keep the output in the log.
suite() {
	name=$1; shift
	out=build/check-$name.out
	start=$(date +%s)
	"$@" > "$out" 2>&1
	rc=$?
	p=$(grep -c '^ok ' "$out")
	f=$(grep -c '^not ok ' "$out")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "not ok - $name exited $rc" >> "$out"
	fi
	pass=$((pass + p)); fail=$((fail + f))
	# A suite may say how it ran (the vm suite: "# accel: tcg no usable /dev/kvm").
	how=$(sed -n 's/^# accel: \(.*\)/  [accel: \1]/p' "$out" | head -n 1)
	printf '%-12s %4d passed, %d failed  (%ss)%s\n' "$name" "$p" "$f" "$(( $(date +%s) - start ))" "$how"
	if [ "$f" -ne 0 ]; then
		failed_suites="$failed_suites $name"
		grep -E '^not ok|^#' "$out" | head -40 | sed 's/^/    /'
		tail -n 15 "$out" | sed 's/^/    | /'
	fi
	{ echo "=== $name (rc $rc)"; cat "$out"; } >> "$log"
}

jobs=$(nproc 2>/dev/null || echo 2)
echo "check: building (normal and ASan+UBSan)"
make -s -j"$jobs" tests-bin >> "$log" 2>&1 || { tail -30 "$log"; echo "check: 0 passed, 1 failed"; exit 1; }
make -s -j"$jobs" asan >> "$log" 2>&1 || { tail -30 "$log"; echo "check: 0 passed, 1 failed"; exit 1; }

want unit && suite unit make -s unit
want unit && suite unit-systemd make -s unit-systemd
want asan && suite unit-asan make -s unit-asan
want cli && for t in tests/cli/test_*.sh; do
	[ -e "$t" ] && suite "cli-$(basename "$t" .sh | sed 's/^test_//')" sh "$t" build/v6mig-agent
done
if want fuzz && [ -x tests/fuzz/build.sh ]; then
	suite fuzz tests/fuzz/smoke.sh
fi
if want ns && [ -d tests/ns ]; then
	for t in tests/ns/test_*.sh; do
		[ -e "$t" ] && suite "ns-$(basename "$t" .sh | sed 's/^test_//')" sh "$t"
	done
fi
if want vm && [ -x tests/vm/run-all.sh ]; then
	suite vm tests/vm/run-all.sh
fi

echo "full output: $log"
[ -n "$failed_suites" ] && echo "failed suites:$failed_suites"
echo "check: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
