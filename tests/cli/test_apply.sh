#!/bin/sh
# `v6mig-agent apply` / `down`: the command-line contract (no privileges
# needed for any of this: every case fails before touching the kernel).
. "$(dirname "$0")/../lib/tap.sh"
A=${1:-build/v6mig-agent}
F=$(dirname "$0")/../fixtures

out=$($A apply --help); rc=$?
is "$rc" 0 "apply --help exits 0"
like "$out" "--from FILE.json --wan IFACE" "apply --help shows the synopsis"
out=$($A down --help); rc=$?
is "$rc" 0 "down --help exits 0"
like "$out" "down \[--run-dir DIR\]" "down --help shows the synopsis"

$A apply --wan wan0 > /dev/null 2>&1
is "$?" 2 "apply without --from: usage (2)"
out=$($A apply --from "$F/map_e_v1.json" 2>&1); rc=$?
is "$rc" 2 "apply without --wan: usage (2)"
like "$out" "--from and --wan are required" "says what is missing"
out=$($A apply --from "$F/map_e_v1.json" --wan wan0 --method nope 2>&1); rc=$?
is "$rc" 2 "unknown --method: usage (2)"
like "$out" "'nope' is not one of" "names the bad method"
# A method this build lacks: usage. With every method built (defconfig),
# a build without one is the only way to see it; a fixed method the offer
# does not carry is refused either way.
CAP=$($A --version | sed -n 's/.*; capability \(.*\))$/\1/p')
case ",$CAP," in
*,map_t,*)
	out=$($A apply --from "$F/map_e_v1.json" --wan wan0 --method map_t 2>&1); rc=$?
	is "$rc" 1 "--method map_t is built: no usage error (1: the WAN is checked)"
	like "$out" "no interface 'wan0'" "checked past the method: the WAN is missing" ;;
*)
	out=$($A apply --from "$F/map_e_v1.json" --wan wan0 --method map_t 2>&1); rc=$?
	is "$rc" 2 "a method this build lacks: usage (2)"
	like "$out" "this build cannot run 'map_t'" "says the build lacks it" ;;
esac
out=$($A apply --from "$F/map_e_v1.json" --wan 'a/b' 2>&1); rc=$?
is "$rc" 2 "bad interface name: usage (2)"
out=$($A apply --from "$F/map_e_v1.json" --wan wan0 --peer nope 2>&1); rc=$?
is "$rc" 2 "bad --peer: usage (2)"
like "$out" "'nope' is not an IPv6 address" "names the bad peer"
out=$($A apply --from "$F/map_e_v1.json" --wan wan0 --prefix 2001:db8::/129 2>&1); rc=$?
is "$rc" 2 "bad --prefix: usage (2)"
out=$($A apply --from /nonexistent.json --wan wan0 2>&1); rc=$?
is "$rc" 1 "unreadable answer: exit 1"
like "$out" "/nonexistent.json" "names the file"
out=$($A down --wan wan0 2>&1); rc=$?
is "$rc" 2 "down takes no --wan: usage (2)"
out=$($A down extra 2>&1); rc=$?
is "$rc" 2 "down takes no arguments: usage (2)"
done_testing
