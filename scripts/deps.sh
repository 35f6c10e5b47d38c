#!/bin/sh
# Install, idempotently, every Debian package v6mig's build and tests need.
# Usage: scripts/deps.sh [build|test|vm|pkg|all]   (default: all; pkg is
# what `make deb` needs: all includes it, since the VM layer of `make
# check` builds the package and installs it under systemd in the VM, which
# needs udev for the unit's device dependency)
set -eu
what=${1:-all}

build="build-essential pkg-config libcurl4-openssl-dev libssl-dev libc-ares-dev libcjson-dev
 libnl-3-dev libnl-route-3-dev libmnl-dev libnftnl-dev libsystemd-dev
 libbpf-dev bpftool clang"
test="libcmocka-dev clang libclang-rt-14-dev valgrind iproute2 nftables dnsmasq
 openssl python3 python3-kconfiglib ca-certificates procps kmod iputils-ping conntrack
 systemd man-db mandoc libseccomp-dev python3-scapy tayga ethtool python3-prometheus-client"
vm="qemu-system-x86 busybox-static kmod cpio gzip xz-utils udev dbus"
pkg="debhelper dpkg-dev libcmocka-dev"

case "$what" in
  build) pkgs=$build ;;
  test) pkgs="$build $test" ;;
  vm) pkgs=$vm ;;
  pkg) pkgs="$build $pkg" ;;
  all) pkgs="$build $test $vm $pkg" ;;
  *) echo "deps.sh: unknown set '$what' (build|test|vm|pkg|all)" >&2; exit 2 ;;
esac

missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
    missing="$missing $p"
done
if [ -z "$missing" ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "deps.sh: missing packages:$missing (run as root: sudo $0 $what)" >&2
  exit 1
fi
echo "deps.sh: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
