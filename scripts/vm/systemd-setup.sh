# shellcheck shell=sh
# Sourced by the initramfs's /init (busybox sh) for `run.sh --systemd`, with
# the writable overlay of the host root on /newroot and vm.conf's
# V6MIG_VM_KVER and V6MIG_VM_MODROOT set, just before systemd takes over
# as PID 1 (scripts/vm/prepare.sh). It prepares the guest's /etc only (the
# overlay's upper layer; the host's files stay untouched):
#   - the VM kernel's modules where the host's kmod and systemd look for
#     them (the kernel's own request_module() runs /sbin/modprobe in this
#     root);
#   - not a container; no host fstab, and none of the host's timers or time sync;
#   - udev leaves interface names and MAC addresses as the test makes them
#     (the lab fixes its CE MACs; Debian's 99-default.link would give every
#     veth a "persistent" MAC);
#   - v6mig-vm.target (systemd.unit= on the kernel command line): basic
#     system, then v6mig-vm.service runs the command once and powers off.
R=/newroot
U=$R/etc/systemd/system
mkdir -p "$U" "$R/etc/systemd/network" "$R/lib/modules" || return 1
ln -sfn "$V6MIG_VM_MODROOT/$V6MIG_VM_KVER" "$R/lib/modules/$V6MIG_VM_KVER" || return 1
: > "$R/etc/fstab"
# dpkg in the VM: no man-db index rebuild (a minute under TCG).
rm -f "$R/var/lib/man-db/auto-update"
# The host root may be a container's: systemd would believe it runs in one
# (and ignore the kernel command line, udev, device units).
rm -f "$R/.dockerenv" "$R/run/.containerenv"
for u in systemd-timesyncd.service systemd-pstore.service e2scrub_reap.service \
	apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer \
	fstrim.timer man-db.timer; do
	ln -sfn /dev/null "$U/$u"
done
printf '%s\n' '[Match]' 'OriginalName=*' '[Link]' 'NamePolicy=keep' \
	'MACAddressPolicy=none' > "$R/etc/systemd/network/99-default.link"
cat > "$U/v6mig-vm.target" <<'UNIT'
[Unit]
Description=v6mig test VM: one command
Requires=basic.target v6mig-vm.service
After=basic.target v6mig-vm.service
AllowIsolate=yes
UNIT
cat > "$U/v6mig-vm.service" <<'UNIT'
[Unit]
Description=v6mig test VM command
After=basic.target
[Service]
Type=oneshot
ExecStart=/bin/sh /run/v6mig-vm/sd-cmd.sh
StandardInput=null
StandardOutput=journal+console
TimeoutStartSec=infinity
SuccessAction=poweroff-immediate
FailureAction=poweroff-immediate
UNIT
# The command's stdout+stderr on the second serial port, its exit status
# where run.sh reads it (as the chroot path of /init does).
cat > /results/sd-cmd.sh <<'CMD'
stty -F /dev/ttyS1 raw -echo 2>/dev/null
/bin/sh /run/v6mig-vm/cmd.sh < /dev/null > /dev/ttyS1 2>&1
rc=$?
echo "$rc" > /run/v6mig-vm/rc
sync
echo "V6MIG-VM-RC=$rc" > /dev/console
# Off now, as the chroot path's poweroff -f: nothing in this VM is worth an
# orderly shutdown (SuccessAction= alone left the VM running here).
echo o > /proc/sysrq-trigger
exit 0
CMD
