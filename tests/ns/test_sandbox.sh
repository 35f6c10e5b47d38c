#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/tools/sandbox_exec, the unit's sandbox applied by hand (issue 6), on
# this host: both shipped units parse with every [Service] directive known;
# a directive it does not know, or a value it cannot apply, is refused (so
# the VM case tests/vm/cases/test_sandbox_mape.sh follows the unit); and
# in a namespace of ours the sandbox refuses what the unit forbids. The
# agent itself configuring MAP-E under it is the VM case (ip6tnl).
# Usage: tests/ns/test_sandbox.sh   (root)
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/tap.sh"
T=$top/build/tests/tools
NS=v6t-sbx-ns
D=$(mktemp -d /run/v6t-sbx-ns.XXXXXX)
trap 'ip netns del $NS 2>/dev/null; rm -rf "$D"' EXIT INT TERM

[ -x "$T/sandbox_exec" ] || { echo "Bail out! build tests-bin first"; exit 1; }
systemd-analyze syscall-filter >"$D/sets" 2>/dev/null
S="$T/sandbox_exec --syscall-sets $D/sets"
for u in v6mig-agent.service v6mig-agent@.service; do
	ok "$u: every [Service] directive is known and applicable" $S --check --unit "$top/scripts/systemd/$u"
done
# The template and the plain unit must apply the very same sandbox.
a=$($S --check --unit "$top/scripts/systemd/v6mig-agent.service" 2>&1)
b=$($S --check --unit "$top/scripts/systemd/v6mig-agent@.service" 2>&1)
is "$b" "$a" "the template's sandbox is the plain unit's"
like "$a" "allow-list of [0-9]+ calls" "SystemCallFilter expanded from systemd-analyze's groups"

refused() { # refused NAME SED: the unit edited by SED is refused, naming it
	sed "$2" "$top/scripts/systemd/v6mig-agent.service" >"$D/edited.service"
	out=$($S --check --unit "$D/edited.service" 2>&1)
	rc=$?
	is "$rc" 2 "$1: refused (exit 2)"
	like "$out" "$3" "... saying why"
}
refused "an unknown directive" '/^\[Service\]/a SystemCallLog=@network-io' 'SystemCallLog= is a directive this test does not know'
refused "a value it cannot apply" 's/^ProtectHome=.*/ProtectHome=tmpfs/' 'ProtectHome=tmpfs: not supported'
refused "a syscall group systemd does not know" 's/^SystemCallFilter=@system-service/SystemCallFilter=@no-such-group/' '@no-such-group'
refused "no StateDirectory" '/^StateDirectory=/d' 'no StateDirectory'

# ---- the sandbox refuses what the unit forbids (host kernel) -----------------
ip netns add $NS && ip -n $NS link set lo up
mkdir -p "$D/state" "$D/run"
in=$(ip netns exec $NS $S --unit "$top/scripts/systemd/v6mig-agent.service" \
	--state-dir "$D/state" --run-dir "$D/run" -- "$T/sandbox_probe" \
	write "$D/state/p" write "$D/run/p" write "$D/outside" socket packet socket netlink \
	raw4 - bind 80 xattr "$D/state" mark - bpf - mount - wx - status - 2>&1)
echo "$in" | sed 's/^/# /'
r() { printf '%s\n' "$in" | awk -v k="$1 $2:" '$1 " " $2 == k { print $3 }'; }
is "$(r write "$D/state/p") $(r write "$D/run/p")" "ok ok" "the two directories are writable"
is "$(r write "$D/outside")" EROFS "a write beside them: EROFS (ProtectSystem=strict)"
is "$(r socket packet) $(r socket netlink)" "EAFNOSUPPORT ok" "AF_PACKET refused, AF_NETLINK granted"
is "$(r raw4 -) $(r bind 80) $(r xattr "$D/state")" "EPERM EACCES EPERM" "no CAP_NET_RAW, CAP_NET_BIND_SERVICE, CAP_SYS_ADMIN"
is "$(r mark -)" ok "CAP_NET_ADMIN granted (SO_MARK)"
is "$(r mount -) $(r wx -)" "EPERM EPERM" "mount and W+X memory: EPERM"
is "$(r bpf -)" ok "bpf(2) granted (CAP_BPF, and the filter lets it through) for the translator and mesh"
like "$in" "CapEff:.000000c000001000" "effective capabilities: CAP_NET_ADMIN, CAP_BPF and CAP_PERFMON only"
# The control: the same probe without the unit's grant (CAP_BPF taken away).
sed '/^CapabilityBoundingSet=CAP_BPF CAP_PERFMON$/d' \
	"$top/scripts/systemd/v6mig-agent.service" > "$D/nobpf.service"
in2=$(ip netns exec $NS $S --unit "$D/nobpf.service" --state-dir "$D/state" \
	--run-dir "$D/run" -- "$T/sandbox_probe" bpf - 2>&1)
is "$(printf '%s\n' "$in2" | awk '$1 == "bpf" { print $3 }')" EPERM "control: without CAP_BPF bpf(2) is refused"
ok "the probe left nothing behind" test ! -e "$D/outside" -a ! -e "$D/state/p"
done_testing
