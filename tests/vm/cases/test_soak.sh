#!/bin/sh
# The short soak for `make check` (issue 5): tests/vm/soak.sh with 30
# refresh cycles under ASan+UBSan and 20 under valgrind (its start alone
# takes a minute or two under TCG), one lab. Its leak checks are the
# allocator's statistics and the leak reports, not RSS (issue 11 item 19);
# asan-leak (10 cycles with a leak injected) shows they fail on a real one.
# The full soak (1000 cycles each, RSS asserted too) is `make soak`
# (tests/soak.sh).
exec "$(dirname "$0")/../soak.sh" asan:"${V6MIG_SOAK_ASAN:-30}" valgrind:"${V6MIG_SOAK_VALGRIND:-20}" \
	asan-leak:"${V6MIG_SOAK_LEAK:-10}"
