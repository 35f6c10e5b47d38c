#!/bin/sh
# Prepare the test VM (docs: /work/shared/design/VM.md, scripts/vm/run.sh):
# Debian's distro kernel, extracted (never installed into the host's /boot),
# and a tiny initramfs that mounts this machine's root over 9p and runs one
# command in it. Idempotent: a second run with unchanged inputs only checks.
#
# Usage: scripts/vm/prepare.sh [-q]
#   V6MIG_VM_CACHE  cache folder (default /var/cache/v6mig-vm); it must lie
#                   on a file system the VM sees (anything but /tmp, /run).
#   V6MIG_VM_KPKG   kernel package to use (default: what linux-image-amd64
#                   depends on).
# Prints shell assignments (KVER, KERNEL, INITRD, MODROOT) for run.sh on
# stdout; messages go to stderr. Several checkouts (other versions of this
# script) may share one cache at once: nothing another may be using is
# removed; what no prepare has picked for a day is.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cache=${V6MIG_VM_CACHE:-/var/cache/v6mig-vm}
quiet=0
[ "${1:-}" = -q ] && quiet=1

say() { [ "$quiet" = 1 ] || echo "vm-prepare: $*" >&2; }
die() { echo "vm-prepare: $*" >&2; exit 1; }

# The initramfs must reach these (overlay: the writable root of a systemd
# boot); everything else loads on demand later from the full module tree
# bind-mounted over the initramfs /lib/modules.
BOOT_MODULES="virtio_pci 9pnet_virtio 9p overlay"

"$top/scripts/deps.sh" vm >&2 || die "missing packages (scripts/deps.sh vm)"

case "$cache" in
/*) ;;
*) cache=$(pwd)/$cache ;;
esac
case "$cache/" in
/tmp/* | /run/*) die "V6MIG_VM_CACHE=$cache: /tmp and /run are the VM's own tmpfs" ;;
esac
mkdir -p "$cache"
cache=$(cd "$cache" && pwd -P)

# One preparer at a time; a second waits, then finds everything done.
exec 9>"$cache/.lock"
flock 9

# As root, apt's _apt sandbox cannot write into our cache: say so up front.
sandbox=_apt
[ "$(id -u)" = 0 ] && sandbox=root

# The exact kernel package linux-image-amd64 pulls in (e.g.
# linux-image-6.1.0-56-amd64); refresh the package lists once if unknown.
kernel_package() {
	apt-cache depends --important linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n 1
}

resolve_package() {
	if [ -n "${V6MIG_VM_KPKG:-}" ]; then
		echo "$V6MIG_VM_KPKG"
		return
	fi
	# apt-cache takes most of a second: reuse the answer while the package
	# lists are unchanged.
	if [ "$(cat "$cache/kernel.lists" 2>/dev/null)" = "$lists" ] &&
		[ -s "$cache/kernel.pkg" ]; then
		cat "$cache/kernel.pkg"
		return
	fi
	p=$(kernel_package)
	if [ -z "$p" ] && [ "$(id -u)" = 0 ]; then
		say "apt-get update (linux-image-amd64 unknown)"
		apt-get update -qq >&2 || true
		p=$(kernel_package)
	fi
	if [ -z "$p" ]; then
		# Offline and no package lists: fall back to what is extracted.
		p=$(cat "$cache/kernel.pkg" 2>/dev/null || true)
	fi
	[ -n "$p" ] || die "cannot resolve the package linux-image-amd64 depends on"
	echo "$p"
}

# download_and_extract PKG DIR: dpkg -x the package into DIR/root, run depmod
# (the .deb ships no modules.dep: its postinst makes it).
download_and_extract() {
	pkg=$1 dir=$2
	rm -rf "$dir.new"
	mkdir -p "$dir.new"
	say "downloading $pkg"
	if ! (cd "$dir.new" && apt-get -o "APT::Sandbox::User=$sandbox" download "$pkg" >&2); then
		[ "$(id -u)" = 0 ] || die "apt-get download $pkg failed"
		say "apt-get update, then retry"
		apt-get update -qq >&2
		(cd "$dir.new" && apt-get -o "APT::Sandbox::User=$sandbox" download "$pkg" >&2) ||
			die "apt-get download $pkg failed"
	fi
	say "extracting $pkg"
	dpkg -x "$dir.new"/*.deb "$dir.new/root"
	rm -f "$dir.new"/*.deb
	kver=$(ls "$dir.new/root/lib/modules")
	[ -f "$dir.new/root/boot/vmlinuz-$kver" ] || die "$pkg has no /boot/vmlinuz-$kver"
	depmod -b "$dir.new/root" "$kver"
	rm -rf "$dir"
	mv "$dir.new" "$dir"
}

lists=$(stat -c %Y /var/lib/apt/lists 2>/dev/null || echo none)
pkg=$(resolve_package)
case "$pkg" in
*[!A-Za-z0-9.+_-]*) die "odd package name '$pkg'" ;;
esac
kdir=$cache/$pkg
if ! ls "$kdir"/root/lib/modules/*/modules.dep.bin > /dev/null 2>&1; then
	download_and_extract "$pkg" "$kdir"
fi
touch "$kdir/.used"
echo "$pkg" > "$cache/kernel.pkg.new" && mv "$cache/kernel.pkg.new" "$cache/kernel.pkg"
[ -n "${V6MIG_VM_KPKG:-}" ] || echo "$lists" > "$cache/kernel.lists"
kroot=$kdir/root
kver=$(ls "$kroot/lib/modules")
kernel=$kroot/boot/vmlinuz-$kver

# Boot the uncompressed ELF through its PVH entry when the kernel has one:
# no BIOS real-mode loader and no xz decompression under TCG (about 2.5 s
# of each boot here). The bzImage stays the fallback.
extract_pvh() {
	grep -q '^CONFIG_PVH=y' "$kroot/boot/config-$kver" || return 1
	off=$(LC_ALL=C grep -obUa "$(printf '\3757zXZ')" "$kernel" | head -n 1 | cut -d: -f1)
	[ -n "$off" ] || return 1
	# xz complains about the bytes after its stream; the ELF check decides.
	tail -c +$((off + 1)) "$kernel" | xz -dc > "$kdir/vmlinux.new" 2>/dev/null || true
	[ "$(head -c 4 "$kdir/vmlinux.new" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] ||
		{ rm -f "$kdir/vmlinux.new"; return 1; }
	mv "$kdir/vmlinux.new" "$kdir/vmlinux"
}
if [ ! -f "$kdir/vmlinux" ] && [ ! -f "$kdir/vmlinux.none" ]; then
	extract_pvh || : > "$kdir/vmlinux.none"
fi
[ -f "$kdir/vmlinux" ] && kernel=$kdir/vmlinux
modroot=$kroot/lib/modules

# The inputs of the initramfs: this script (it holds /init), the binaries
# and libraries copied in, and the kernel's boot modules.
kmod_bin=$(readlink -f /usr/bin/kmod)
kmod_libs=$(ldd "$kmod_bin" | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) .*/\1/p' | sort -u)
# shellcheck disable=SC2086
boot_kos=$(modprobe -a -d "$kroot" -S "$kver" --show-depends $BOOT_MODULES |
	sed -n 's/^insmod \([^ ]*\).*/\1/p' | sort -u)
[ -n "$boot_kos" ] || die "modprobe --show-depends found none of: $BOOT_MODULES"
stamp=$( {
	echo "$kver"
	# shellcheck disable=SC2086
	sha256sum "$0" /bin/busybox "$kmod_bin" $kmod_libs $boot_kos
} | sha256sum | cut -c1-16)
initrd=$cache/initrd-$kver-$stamp.gz

build_initrd() {
	st=$(mktemp -d "$cache/initrd.XXXXXX")
	mkdir -p "$st/bin" "$st/sbin" "$st/proc" "$st/sys" "$st/dev" "$st/newroot" \
		"$st/hostroot" "$st/results" "$st/lib/modules/$kver" "$st/etc"
	cp /bin/busybox "$st/bin/busybox"
	for a in $(/bin/busybox --list); do
		case "$a" in
		busybox | modprobe | insmod | rmmod | lsmod | depmod | modinfo) ;;
		*) ln -s busybox "$st/bin/$a" ;;
		esac
	done
	# kmod, not busybox, must answer the kernel's own /sbin/modprobe calls:
	# busybox cannot follow Debian's module dependencies (VM.md).
	cp "$kmod_bin" "$st/bin/kmod"
	for a in modprobe insmod rmmod lsmod depmod modinfo; do
		ln -s ../bin/kmod "$st/sbin/$a"
	done
	for l in $kmod_libs; do
		mkdir -p "$st$(dirname "$l")"
		cp -L "$l" "$st$l"
	done
	for ko in $boot_kos; do
		rel=${ko#"$modroot/$kver/"}
		mkdir -p "$st/lib/modules/$kver/$(dirname "$rel")"
		cp "$ko" "$st/lib/modules/$kver/$rel"
	done
	cp "$modroot/$kver/modules.builtin" "$modroot/$kver/modules.order" \
		"$modroot/$kver/modules.builtin.modinfo" "$st/lib/modules/$kver/"
	depmod -b "$st" "$kver"
	write_init > "$st/init"
	chmod 755 "$st/init"
	(cd "$st" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) |
		gzip -6 > "$initrd.new"
	rm -rf "$st"
	mv "$initrd.new" "$initrd"
}

# The VM's /init. run.sh hands it /results/vm.conf (shell assignments) and
# /results/cmd.sh; it leaves /results/rc and the RC marker on the console.
write_init() {
	cat <<'EOF'
#!/bin/sh
export PATH=/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs dev /dev
say() { echo "v6mig-vm: $(cut -d' ' -f1 /proc/uptime)s $*" > /dev/console; }
# The accelerator probe (scripts/vm/accel.sh): proof that a guest runs.
case " $(cat /proc/cmdline) " in
*" v6mig.probe "*) echo "V6MIG-VM-PROBE-OK" > /dev/console; poweroff -f ;;
esac
fail() { say "$*"; echo "V6MIG-VM-RC=125" > /dev/console; poweroff -f; }
say "init"
modprobe -a virtio_pci 9pnet_virtio 9p || fail "cannot load the 9p modules"
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 results /results ||
	fail "cannot mount the results folder"
. /results/vm.conf || fail "no vm.conf"
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose \
	hostroot /hostroot || fail "cannot mount the host root"
if [ "${V6MIG_VM_INIT:-}" = systemd ]; then
	# systemd as PID 1 wants a writable root (dpkg, /etc, /var): a tmpfs
	# overlay over the read-only host root.
	modprobe overlay || fail "cannot load overlay"
	mkdir -p /ovl && mount -t tmpfs -o mode=755 tmpfs /ovl &&
		mkdir -p /ovl/upper /ovl/work &&
		mount -t overlay -o lowerdir=/hostroot,upperdir=/ovl/upper,workdir=/ovl/work \
			overlay /newroot || fail "cannot mount the overlay root"
else
	mount --bind /hostroot /newroot
fi
# Paths under the host's /tmp or /run are hidden by the VM's own tmpfs
# there: /hostroot keeps a view of the host root to bind them back.
mount -t tmpfs -o mode=1777 tmpfs /newroot/tmp
mount -t tmpfs -o mode=755 tmpfs /newroot/run
mount -t proc proc /newroot/proc
mount -t sysfs sysfs /newroot/sys
mount -t devtmpfs dev /newroot/dev
mkdir -p /newroot/dev/pts /newroot/dev/shm
mount -t devpts -o newinstance,ptmxmode=666 devpts /newroot/dev/pts
mount -t tmpfs -o mode=1777 tmpfs /newroot/dev/shm
if [ "${V6MIG_VM_INIT:-}" != systemd ]; then
	mount -t bpf bpf /newroot/sys/fs/bpf 2>/dev/null
	mount -t cgroup2 cgroup2 /newroot/sys/fs/cgroup 2>/dev/null
fi
nl='
'
IFS=$nl
for p in $V6MIG_VM_SHOW; do
	case "$p" in
	/tmp/* | /run/*)
		mkdir -p "/newroot$p" && mount --bind "/hostroot$p" "/newroot$p" ||
			say "cannot show $p" ;;
	esac
done
unset IFS
# The kernel runs /sbin/modprobe in this root for on-demand loads (nft
# expressions, rtnl link kinds): give it the whole module tree.
mount --bind "/newroot$V6MIG_VM_MODROOT" /lib/modules || fail "no module tree"
mkdir -p /newroot/run/v6mig-vm
mount --bind /results /newroot/run/v6mig-vm
hostname v6mig-vm
if [ "${V6MIG_VM_INIT:-}" = systemd ]; then
	# scripts/vm/systemd-setup.sh: the units that run the command, then off.
	. /results/systemd-setup.sh || fail "systemd setup failed"
	say "systemd starts"
	exec switch_root /newroot /lib/systemd/systemd
fi
ip link set lo up
stty -F /dev/ttyS1 raw -echo 2>/dev/null
say "command starts"
chroot /newroot /bin/sh /run/v6mig-vm/cmd.sh < /dev/null > /dev/ttyS1 2>&1
rc=$?
say "command exited $rc"
umount /newroot/run/v6mig-vm
echo "$rc" > /results/rc
sync
umount /results
echo "V6MIG-VM-RC=$rc" > /dev/console
poweroff -f
EOF
}

if [ ! -f "$initrd" ]; then
	say "building initramfs for $kver"
	build_initrd
fi
touch "$initrd"

# Prune what nobody picked for a day: a VM lives minutes, and every prepare
# refreshes what it picks while holding the lock, so nothing in use goes.
find "$cache" -mindepth 1 -maxdepth 1 -mmin +1440 \( -name 'initrd-*.gz' \
	-o -name 'initrd.*' -o -name 'run.*' -o -name '*.new' \) -exec rm -rf {} +
for old in "$cache"/linux-image-*; do
	if [ -d "$old" ] && [ "$old" != "$kdir" ] &&
		[ -z "$(find "$old/.used" -mmin -1440 2>/dev/null)" ]; then
		say "removing $old (unused for a day)"
		rm -rf "$old"
	fi
done
q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
echo "KVER=$(q "$kver")"
echo "KERNEL=$(q "$kernel")"
echo "INITRD=$(q "$initrd")"
echo "MODROOT=$(q "$modroot")"
say "ready: kernel $kver, $initrd"
