#!/bin/sh
# Build every tests/fuzz/fuzz_*.c into build-fuzz/ as a libFuzzer binary
# with ASan and UBSan (`make fuzz`). The library is the normal one, built
# with clang and the same sanitizers (make O=build-fuzz).
# Usage: tests/fuzz/build.sh [NAME...]   (default: every fuzz_*.c)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
CC=${FUZZ_CC:-clang}
O=build-fuzz
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
PKGS="libcurl libcares libcjson libnl-3.0 libnl-route-3.0 libmnl libnftnl openssl"

command -v "$CC" >/dev/null || { echo "build.sh: $CC not found (scripts/deps.sh test)" >&2; exit 1; }
make -s O=$O CC="$CC" CFLAGS="-O1 -g $SAN -fsanitize=fuzzer-no-link" $O/libv6mig.a

if [ $# -gt 0 ]; then
	srcs=""
	for n in "$@"; do srcs="$srcs tests/fuzz/${n%.c}.c"; done
else
	srcs=$(ls tests/fuzz/fuzz_*.c)
fi
for src in $srcs; do
	name=$(basename "$src" .c)
	[ -n "${V:-}" ] || echo "  FUZZ    $O/$name"
	# shellcheck disable=SC2046
	"$CC" -std=gnu11 -O1 -g $SAN -fsanitize=fuzzer -Wall -Wextra -Werror \
		-I$O $(pkg-config --cflags $PKGS) -o "$O/$name" "$src" \
		$O/libv6mig.a $(pkg-config --libs $PKGS)
done
