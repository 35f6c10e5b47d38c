/* SPDX-License-Identifier: MIT */
/* The allocator's count of the heap in use (heapstat.h). */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "heapstat.h"

#if defined(__SANITIZE_ADDRESS__)
/* compiler-rt's allocator interface (sanitizer/allocator_interface.h,
 * which GCC does not ship). */
size_t __sanitizer_get_current_allocated_bytes(void);

long heap_bytes(void)
{
	return (long)__sanitizer_get_current_allocated_bytes();
}

static void *volatile last_lost;

void heap_test_leak(void)
{
	static long bytes = -1;
	char *lost;

	if (bytes < 0) {
		const char *v = getenv("V6MIG_TEST_LEAK");

		bytes = v ? strtol(v, NULL, 10) : 0;
		if (bytes < 0 || bytes > (1L << 24))
			bytes = 0;
	}
	if (!bytes)
		return;
	lost = malloc((size_t)bytes);
	if (!lost)
		return;
	memset(lost, 0x5a, (size_t)bytes);
	/* Kept until the next call only: each call loses the previous block.
	 * (A pointer never stored lets the compiler drop the allocation.) */
	last_lost = lost;
}
#else
long heap_bytes(void)
{
	struct mallinfo2 mi = mallinfo2();
	size_t n = mi.uordblks + mi.hblkhd;

	return n ? (long)n : -1;
}

void heap_test_leak(void)
{
}
#endif
