#!/bin/sh
# Run cmocka test binaries with TAP output; print each binary's lines.
# Usage: tests/run-unit.sh BUILD_DIR BIN...
set -u
dir=$1; shift
rc=0
for t in "$@"; do
	CMOCKA_MESSAGE_OUTPUT=TAP "$t" || rc=1
done
exit $rc
