#!/bin/sh
# The short soak for `make check` (issue 5): tests/vm/soak.sh with 30
# refresh cycles under ASan+UBSan and 20 under valgrind (its start alone
# takes a minute or two under TCG), one lab. The full soak (1000 cycles
# each) is `make soak` (tests/soak.sh).
exec "$(dirname "$0")/../soak.sh" asan:"${V6MIG_SOAK_ASAN:-30}" valgrind:"${V6MIG_SOAK_VALGRIND:-20}"
