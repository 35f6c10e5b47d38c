#!/bin/sh
# Which qemu accelerator the test VM uses: KVM only where a guest is seen
# to run under it, TCG otherwise (issue 10). A /dev/kvm that opens is not
# proof: nested or partial KVM (cloud machines, CI) may initialise and then
# abort in the first vCPU ioctl ("kvm_buf_set_msrs: Assertion ... failed")
# or boot a guest that hangs. So a short, time-bounded KVM boot of the very
# kernel and initramfs the runner uses must print a token; anything else
# (an abort, a timeout, no token) means TCG. The verdict is cached per
# machine, host kernel, qemu and guest kernel.
#
# Usage: scripts/vm/accel.sh KERNEL INITRD CACHE
#   Prints "kvm WHY" or "tcg WHY" on stdout, exit 0; exit 125 with one line
#   on stderr when there is no qemu at all.
#   V6MIG_VM_ACCEL=kvm|tcg   the choice, no probe
#   V6MIG_VM_QEMU            the qemu binary (default qemu-system-x86_64)
#   V6MIG_VM_KVM             the KVM device (default /dev/kvm)
#   V6MIG_VM_CPU             qemu -cpu (default max), part of the verdict
#   V6MIG_VM_PROBE_TIMEOUT   seconds the probe boot may take (default 20)
set -u
[ $# = 3 ] || { echo "usage: $0 KERNEL INITRD CACHE" >&2; exit 2; }
kernel=$1 initrd=$2 cache=$3
qemu=${V6MIG_VM_QEMU:-qemu-system-x86_64}
kvm=${V6MIG_VM_KVM:-/dev/kvm}
cpu=${V6MIG_VM_CPU:-max}
limit=${V6MIG_VM_PROBE_TIMEOUT:-20}

command -v "$qemu" > /dev/null 2>&1 || {
	echo "vm-accel: no $qemu: the VM layer cannot run (install it: scripts/deps.sh vm)" >&2
	exit 125
}
case "${V6MIG_VM_ACCEL:-}" in
kvm | tcg) echo "$V6MIG_VM_ACCEL V6MIG_VM_ACCEL=$V6MIG_VM_ACCEL"; exit 0 ;;
'') ;;
*) echo "vm-accel: V6MIG_VM_ACCEL=$V6MIG_VM_ACCEL: want kvm or tcg" >&2; exit 2 ;;
esac
# No device, no probe: this costs nothing on machines without KVM.
if ! [ -r "$kvm" ] || ! [ -w "$kvm" ]; then
	echo "tcg no usable $kvm"
	exit 0
fi

# The verdict's key: the CPU, the host kernel, qemu, the guest kernel and
# initramfs, the -cpu model.
model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
qver=$("$qemu" --version 2>/dev/null | head -n 1)
key=$(printf '%s\n' "$model" "$(uname -r)" "$qver" "$kernel" "$initrd" "$cpu" | sha256sum | cut -c1-16)
mkdir -p "$cache/accel"
verdict=$cache/accel/$key
if [ -s "$verdict" ]; then
	echo "$(cat "$verdict") (cached)"
	exit 0
fi

# The probe: the initramfs's /init prints the token and powers off when
# the kernel command line says v6mig.probe (scripts/vm/prepare.sh).
out=$(mktemp "$cache/accel/probe.XXXXXX")
start=$(date +%s)
timeout -k 2 "$limit" "$qemu" -nodefaults -no-user-config -display none -no-reboot \
	-m 256 -smp 1 -cpu "$cpu" -accel kvm -kernel "$kernel" -initrd "$initrd" \
	-append "console=ttyS0 quiet panic=-1 v6mig.probe" -serial stdio \
	< /dev/null > "$out" 2>&1
rc=$?
took=$(($(date +%s) - start))
if grep -q 'V6MIG-VM-PROBE-OK' "$out"; then
	res="kvm a probe boot printed its token in ${took}s"
else
	case "$rc" in
	124 | 137) why="the probe boot hung (no token in ${limit}s)" ;;
	0) why="the probe boot ended without its token" ;;
	*)
		# qemu's own complaint (an assertion, an error), else its last line
		last=$(grep -i -E 'assert|error|fail' "$out" | tail -n 1)
		[ -n "$last" ] || last=$(grep -v '^[[:space:]]*$' "$out" | tail -n 1)
		why="qemu exit $rc: $(printf '%s' "$last" | cut -c1-160)"
		;;
	esac
	res="tcg KVM failed: $why"
fi
rm -f "$out"
echo "$res" > "$verdict.new" && mv "$verdict.new" "$verdict"
echo "$res"
