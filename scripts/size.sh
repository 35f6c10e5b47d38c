#!/bin/sh
# The binary size per configuration, for the README's table: the shipped
# defconfig, MAP-E only, and defconfig with libsystemd. Each is built in
# build-size/NAME from a copy of configs/defconfig, stripped, and measured
# with size(1). Usage: [CC=... STRIP=... PKG_CONFIG=...] scripts/size.sh
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=build-size
mkdir -p "$out"
STRIP=${STRIP:-strip}
export CC=${CC:-cc}

cfg() { # NAME SED-SCRIPT
	mkdir -p "$out/$1"
	sed -e "$2" configs/defconfig > "$out/$1/config"
}
cfg defconfig ''
cfg map_e-only 's/^CONFIG_METHOD_\(DSLITE\|LW4O6\|IPIP\)=y/# CONFIG_METHOD_\1 is not set/'
cfg systemd 's/^# CONFIG_SYSTEMD is not set/CONFIG_SYSTEMD=y/'

echo "| configuration | text | data | bss | stripped file |"
echo "| --- | ---: | ---: | ---: | ---: |"
for n in defconfig map_e-only systemd; do
	b=$out/$n/v6mig-agent
	make -s O="$out/$n" KCONFIG_CONFIG="$out/$n/config" "$b" >/dev/null
	$STRIP -o "$b.stripped" "$b"
	size "$b.stripped" | tail -n 1 | {
		read -r text data bss _
		printf '| %s | %s | %s | %s | %s |\n' "$n" "$text" "$data" "$bss" \
			"$(stat -c %s "$b.stripped")"
	}
done
echo "($(date +%F), $(${CC:-cc} --version | head -n 1), $(git describe --always --dirty 2>/dev/null || echo no git))"
