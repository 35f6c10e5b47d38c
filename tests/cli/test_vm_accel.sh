#!/bin/sh
# The VM runner's accelerator choice (issue 10 §1), with stubbed qemu
# binaries and no VM: KVM only when a probe boot prints its token; a qemu
# that aborts as on a broken nested KVM (the MSR assertion), one that
# hangs, one that works; the verdict cached per machine and guest kernel;
# V6MIG_VM_ACCEL overrides; no device means no probe at all; no qemu at
# all is one clear line and a failure.
. "$(dirname "$0")/../lib/tap.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
ACCEL=$top/scripts/vm/accel.sh

tmp=$(mktemp -d /tmp/v6t-vm-accel.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
Q=$tmp/qemu-stub
# The stub: its behaviour from $tmp/mode, every run logged with its args.
cat > "$Q" <<EOF
#!/bin/sh
[ "\$1" = --version ] && { echo "QEMU emulator version 0.0.0 (stub)"; exit 0; }
echo "\$*" >> "$tmp/calls"
case \$(cat "$tmp/mode") in
abort)
	echo "qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69" >&2
	echo "qemu-system-x86_64: ../../target/i386/kvm/kvm.c:3183: kvm_buf_set_msrs: Assertion \\\`ret == cpu->kvm_msr_buf->nmsrs' failed." >&2
	kill -ABRT \$\$ ;;
hang) exec sleep 61.5 ;;
works) echo "Linux version 6.1 (stub)"; echo "V6MIG-VM-PROBE-OK" ;;
silent) exit 0 ;;
esac
EOF
chmod +x "$Q"
: > "$tmp/kvm"  # a device that opens: the probe decides
export V6MIG_VM_QEMU="$Q" V6MIG_VM_KVM="$tmp/kvm" V6MIG_VM_PROBE_TIMEOUT=3
unset V6MIG_VM_ACCEL V6MIG_VM_CPU
calls() { if [ -f "$tmp/calls" ]; then grep -c . "$tmp/calls"; else echo 0; fi; }
# choose MODE [CACHE] [KERNEL]: the verdict with the stub in MODE
choose() {
	echo "$1" > "$tmp/mode"
	"$ACCEL" "${3:-$tmp/vmlinux}" "$tmp/initrd.gz" "$tmp/${2:-c-$1}" 2> "$tmp/err"
}

# ---- no device: no probe, nothing spent -------------------------------------
echo works > "$tmp/mode"
out=$(V6MIG_VM_KVM=$tmp/none "$ACCEL" "$tmp/vmlinux" "$tmp/initrd.gz" "$tmp/c0")
is "$out" "tcg no usable $tmp/none" "no KVM device: TCG"
is "$(calls)" 0 "... without running qemu (the probe costs nothing there)"

# ---- a KVM that aborts (issue 10: MSR 0x10a assertion) ----------------------
out=$(choose abort)
like "$out" "^tcg KVM failed: qemu exit 134: .*kvm_buf_set_msrs: Assertion" \
	"KVM aborts in the probe: TCG, and the reason names the assertion"
is "$(calls)" 1 "one probe boot"
like "$(cat "$tmp/calls")" "-accel kvm .*-kernel $tmp/vmlinux -initrd $tmp/initrd.gz .*v6mig.probe" \
	"the probe boots the runner's kernel and initramfs under KVM, asking /init for the token"
out=$(choose abort)
is "$out" "tcg KVM failed: $(cat "$tmp/c-abort"/accel/* | sed 's/^tcg KVM failed: //') (cached)" \
	"the verdict is cached"
is "$(calls)" 1 "... and qemu not run again"

# ---- a KVM guest that hangs --------------------------------------------------
: > "$tmp/calls"
t0=$(date +%s)
out=$(choose hang)
took=$(($(date +%s) - t0))
like "$out" "^tcg KVM failed: the probe boot hung \(no token in 3s\)" "KVM guest hangs: TCG"
ok "... the probe is bounded by V6MIG_VM_PROBE_TIMEOUT (3 s; took ${took}s)" test "$took" -le 6
ok "... and the hung qemu is gone" sh -c "! pgrep -f 'slee[p] 61[.]5'"

# ---- a qemu that exits without the token -------------------------------------
out=$(choose silent)
is "$out" "tcg KVM failed: the probe boot ended without its token" "no token: TCG"

# ---- a KVM that works ----------------------------------------------------------
: > "$tmp/calls"
out=$(choose works)
like "$out" "^kvm a probe boot printed its token in [0-9]+s$" "KVM boots the probe: KVM"
out=$(choose works)
like "$out" "^kvm .*\(cached\)$" "cached"
is "$(calls)" 1 "one probe for both"
out=$(choose works c-works "$tmp/vmlinux-other")
like "$out" "^kvm a probe" "another guest kernel: probed anew"
is "$(calls)" 2 "... a second probe"
echo abort > "$tmp/mode"
out=$(V6MIG_VM_CPU=qemu64 "$ACCEL" "$tmp/vmlinux" "$tmp/initrd.gz" "$tmp/c-works" 2>/dev/null)
like "$out" "^tcg KVM failed" "another -cpu model (V6MIG_VM_CPU): probed anew"

# ---- V6MIG_VM_ACCEL overrides --------------------------------------------------
: > "$tmp/calls"
is "$(V6MIG_VM_ACCEL=tcg choose works c-ovr)" "tcg V6MIG_VM_ACCEL=tcg" "V6MIG_VM_ACCEL=tcg over a working KVM"
is "$(V6MIG_VM_ACCEL=kvm choose abort c-ovr)" "kvm V6MIG_VM_ACCEL=kvm" "V6MIG_VM_ACCEL=kvm over a failing probe"
is "$(calls)" 0 "... neither probes"
V6MIG_VM_ACCEL=fast choose works c-ovr > /dev/null
is "$?" 2 "V6MIG_VM_ACCEL=fast is refused"
like "$(cat "$tmp/err")" "V6MIG_VM_ACCEL=fast: want kvm or tcg" "... naming the bad value"

# ---- no qemu at all: one line, the layer fails ----------------------------------
V6MIG_VM_QEMU=$tmp/no-qemu choose works c-none > /dev/null
is "$?" 125 "no qemu: accel.sh fails (125)"
is "$(cat "$tmp/err")" "vm-accel: no $tmp/no-qemu: the VM layer cannot run (install it: scripts/deps.sh vm)" \
	"... with one clear line"
err=$(V6MIG_VM_QEMU=$tmp/no-qemu V6MIG_VM_CACHE=$tmp/c-run "$top/scripts/vm/run.sh" -- /bin/true 2>&1)
is "$?" 125 "no qemu: run.sh fails (125) before preparing anything"
is "$err" "vm-run: no $tmp/no-qemu: the VM layer cannot run (install it: scripts/deps.sh vm)" \
	"... with one clear line"
ok "... and made no cache" test ! -e "$tmp/c-run"
done_testing
