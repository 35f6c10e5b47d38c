#!/bin/sh
# The short soak for `make check` (issue 5): tests/vm/soak.sh with 30
# refresh cycles under ASan+UBSan and 30 under valgrind, one lab. The full
# soak (1000 cycles each) is `make soak` (tests/soak.sh).
exec "$(dirname "$0")/../soak.sh" --cycles "${V6MIG_SOAK_SHORT:-30}" asan valgrind
