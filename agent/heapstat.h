/* SPDX-License-Identifier: MIT */
/* The heap in use, as the allocator counts it, for the leak checks of the
 * soak (tests/vm/soak.sh, issue 11 item 19). RSS says little under ASan:
 * its quarantine, size classes and shadow memory move RSS by megabytes on
 * a loaded machine while nothing leaks. The allocator's own count of the
 * bytes handed out and not yet freed does not move without a leak. */
#ifndef V6MIG_HEAPSTAT_H
#define V6MIG_HEAPSTAT_H

/* Bytes allocated and not freed: ASan's allocator statistics in a
 * sanitizer build, glibc's mallinfo2() otherwise; -1 when unknown (under
 * valgrind glibc's malloc is not the one in use: its leak report is). */
long heap_bytes(void);

/* Test builds only (ASan): V6MIG_TEST_LEAK=BYTES loses that many bytes
 * on every call, one call per provisioning query, so a test can show the
 * soak's leak checks fail on a real leak. Does nothing in other builds. */
void heap_test_leak(void);

#endif
