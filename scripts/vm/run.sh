#!/bin/sh
# Run one command as root inside a VM: Debian's distro kernel under qemu with
# this machine's root shared read-only over 9p (recipe: VM.md). For kernel
# features the host lacks (ip6tnl).
#
# Usage: scripts/vm/run.sh [--timeout S] [--systemd] [--] CMD [ARG...]
#        scripts/vm/run.sh --accel     print the accelerator's verdict only
#   CMD is a path on the host root; it runs in a chroot of the host root with
#   the caller's working directory; writable inside: /tmp, /run (tmpfs).
#   --systemd: systemd is PID 1 instead, on a writable overlay of the host
#   root (a tmpfs over the read-only 9p; scripts/vm/systemd-setup.sh), and
#   CMD is its one job (v6mig-vm.service after basic.target), then poweroff.
#   The accelerator is KVM only where a probe boot proved it works
#   (scripts/vm/accel.sh, cached; V6MIG_VM_ACCEL=kvm|tcg overrides).
#   The command's stdout+stderr stream to our stdout; we exit with its code.
#   124: the hard timeout (default 600 s) killed the VM; 125: the VM failed.
#   V6MIG_* variables in our environment are passed into the command.
#   V6MIG_VM_CONSOLE=1 streams the kernel console to stdout as well;
#   V6MIG_VM_APPEND adds kernel arguments, V6MIG_VM_CPU sets -cpu (max).
#   The kernel's console log of the last run stays in $V6MIG_VM_CACHE.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
timeout=600 init=chroot only_accel=0
while [ $# -gt 0 ]; do
	case "$1" in
	--timeout) timeout=$2; shift 2 ;;
	--systemd) init=systemd; shift ;;
	--accel) only_accel=1; shift ;;
	--timeout=*) timeout=${1#*=}; shift ;;
	--) shift; break ;;
	-*) echo "vm-run: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || [ "$only_accel" = 1 ] ||
	{ echo "usage: $0 [--timeout S] [--systemd] [--] CMD [ARG...] | --accel" >&2; exit 2; }
case "$timeout" in
'' | *[!0-9]*) echo "vm-run: --timeout wants seconds, not '$timeout'" >&2; exit 2 ;;
esac

cache=${V6MIG_VM_CACHE:-/var/cache/v6mig-vm}
qemu=${V6MIG_VM_QEMU:-qemu-system-x86_64}
# No qemu at all: one line, before anything is prepared.
command -v "$qemu" > /dev/null 2>&1 || {
	echo "vm-run: no $qemu: the VM layer cannot run (install it: scripts/deps.sh vm)" >&2
	exit 125
}
# Our own answer from prepare (never a shared file: other checkouts may
# prepare other initramfs versions into the same cache at the same time).
vmenv=$("$here/prepare.sh" -q) || exit 125
eval "$vmenv"
cache=$(cd "$cache" && pwd -P)
verdict=$("$here/accel.sh" "$KERNEL" "$INITRD" "$cache") || exit 125
if [ "$only_accel" = 1 ]; then
	echo "$verdict"
	exit 0
fi
echo "vm-run: accel $verdict" >&2

# The results folder is exported writable to the VM; it must be on a file
# system the VM's own view of the host root does not hide.
res=$(mktemp -d "$cache/run.XXXXXX")
qpid=
# shellcheck disable=SC2317  # called by the traps
cleanup() {
	if [ -n "$qpid" ]; then kill -TERM "$qpid" 2>/dev/null || true; fi
	rm -rf "$res"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
nl='
'
cwd=$(pwd)
# Paths the VM must see although they lie under its own /tmp or /run.
show="$top$nl$cwd"
{
	echo "V6MIG_VM_MODROOT=$(q "$MODROOT")"
	echo "V6MIG_VM_SHOW=$(q "$show")"
	echo "V6MIG_VM_INIT=$init"
	echo "V6MIG_VM_KVER=$(q "$KVER")"
} > "$res/vm.conf"
{
	echo "export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	echo "export HOME=/root LANG=C.UTF-8 TERM=dumb"
	# modprobe in the chroot finds the VM kernel's modules in the cache.
	echo "export MODPROBE_OPTIONS=$(q "-d ${MODROOT%/lib/modules}")"
	env | sed -n 's/^\(V6MIG_[A-Za-z0-9_]*\)=.*/\1/p' | while read -r v; do
		eval "echo \"export $v=\$(q \"\$$v\")\""
	done
	echo "cd $(q "$cwd") || exit 125"
	printf 'exec'
	for a in "$@"; do printf ' %s' "$(q "$a")"; done
	echo
} > "$res/cmd.sh"

accel="-accel tcg,thread=multi"
[ "${verdict%% *}" = kvm ] && accel="-accel kvm"
append=""
if [ "$init" = systemd ]; then
	cp "$here/systemd-setup.sh" "$res/systemd-setup.sh"
	append="systemd.unit=v6mig-vm.target systemd.show_status=error"
fi
console="file:$res/console.log"
[ "${V6MIG_VM_CONSOLE:-0}" = 1 ] && console="stdio"
out="-chardev stdio,id=out,signal=off -serial chardev:out"
if [ "$console" = stdio ]; then
	# One stdio chardev only: the command's output then goes by file.
	out="-serial file:$res/out.log"
	echo "vm-run: V6MIG_VM_CONSOLE=1: the command's output follows the console" >&2
fi

# mitigations=off: a throw-away test guest; three interleaved pairs of runs
# here started python3 about a third faster under TCG without them.
# shellcheck disable=SC2086
timeout -k 10 "$timeout" "$qemu" -nodefaults -no-user-config \
	-display none -no-reboot -m 1024 -smp 2 -cpu ${V6MIG_VM_CPU:-max} $accel \
	-kernel "$KERNEL" -initrd "$INITRD" \
	-append "console=ttyS0 quiet panic=-1 oops=panic mitigations=off $append ${V6MIG_VM_APPEND:-}" \
	-serial "$console" $out \
	-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap" \
	-virtfs "local,path=$res,mount_tag=results,security_model=none" \
	< /dev/null &
qpid=$!
qrc=0
wait "$qpid" || qrc=$?
qpid=

[ -f "$res/out.log" ] && cat "$res/out.log"
if cp "$res/console.log" "$res.console" 2>/dev/null; then
	mv "$res.console" "$cache/last-console.log"
fi
rc=$(cat "$res/rc" 2>/dev/null || true)
[ -n "$rc" ] ||
	rc=$(sed -n 's/^V6MIG-VM-RC=\([0-9]*\).*/\1/p' "$res/console.log" 2>/dev/null | tail -n 1)
if [ -n "$rc" ]; then
	exit "$rc"
fi
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	echo "vm-run: timed out after ${timeout}s: $*" >&2
	rc=124
else
	echo "vm-run: the VM gave no exit status (qemu exit $qrc)" >&2
	rc=125
fi
if [ -s "$res/console.log" ]; then
	echo "vm-run: last lines of the kernel console:" >&2
	tail -n 20 "$res/console.log" | tr -d '\r' | sed 's/^/vm-run: | /' >&2
fi
exit "$rc"
