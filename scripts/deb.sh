#!/bin/sh
# `make deb`: build the Debian package from a clean copy of the tree (the
# files git knows, or all but build output outside git), so
# dpkg-buildpackage writes its results into build/deb/ and not beside the
# checkout. Prints the .deb path; the package is copied to build/.
# DEB_BUILD_OPTIONS=nocheck skips the unit tests.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
ver=$(dpkg-parsechangelog -S Version)
out=$top/build/deb
src=$out/v6mig-$ver
rm -rf "$out"
mkdir -p "$src"
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git ls-files -z -c -o --exclude-standard | xargs -0 tar -cf - | tar -xf - -C "$src"
else
	tar -cf - --exclude=./build --exclude=./build-asan --exclude=./build-fuzz \
		--exclude=./build-systemd --exclude=./.config . | tar -xf - -C "$src"
fi
export DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:+$DEB_BUILD_OPTIONS }parallel=$(nproc 2>/dev/null || echo 2)"
(cd "$src" && dpkg-buildpackage -us -uc -b) > "$out/build.log" 2>&1 || {
	tail -40 "$out/build.log"
	echo "deb: dpkg-buildpackage failed; full log: $out/build.log" >&2
	exit 1
}
for d in "$out"/*.deb; do
	cp "$d" "$top/build/"
	echo "build/$(basename "$d")"
done
