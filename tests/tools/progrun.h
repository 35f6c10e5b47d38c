/* SPDX-License-Identifier: MIT */
/* Shared by the BPF_PROG_TEST_RUN tools (xlat_run, mesh_run): hex frames
 * in, one test run, the result out. Test-only, header-only (every
 * tool in tests/tools is its own program). */
#ifndef V6MIG_PROGRUN_H
#define V6MIG_PROGRUN_H

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdint.h>
#include <stdio.h>

#define PKT_MAX 70000

/* Linux 6.11+: the skb starts CHECKSUM_COMPLETE (skb->csum over the frame
 * from the network header) and the run fails with -EBADMSG when the
 * program leaves skb->csum wrong; older kernels refuse it (-EINVAL). */
#ifndef BPF_F_TEST_SKB_CHECKSUM_COMPLETE
#define BPF_F_TEST_SKB_CHECKSUM_COMPLETE (1U << 2)
#endif

static inline size_t unhex(const char *h, uint8_t *out, size_t max)
{
	size_t n = 0;
	unsigned x;

	while (h[0] && h[1] && n < max && sscanf(h, "%2x", &x) == 1) {
		out[n++] = (uint8_t)x;
		h += 2;
	}
	return n;
}

static inline int run_flags(int fd, const uint8_t *in, size_t n,
			    uint8_t *out, uint32_t *outn, uint32_t *ret,
			    uint32_t flags)
{
	DECLARE_LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in,
			    .data_size_in = (uint32_t)n, .data_out = out,
			    .data_size_out = PKT_MAX, .repeat = 1,
			    .flags = flags);
	int rc = bpf_prog_test_run_opts(fd, &o);

	*ret = o.retval;
	*outn = o.data_size_out;
	return rc;
}

static inline int run(int fd, const uint8_t *in, size_t n, uint8_t *out,
		      uint32_t *outn, uint32_t *ret)
{
	return run_flags(fd, in, n, out, outn, ret, 0);
}

/* "RET HEX" or "error N", one line. */
static inline void run_print_flags(int fd, const char *hex, uint8_t *in,
				   uint8_t *out, uint32_t flags)
{
	size_t n = unhex(hex, in, PKT_MAX);
	uint32_t on = 0, ret = 0;
	int rc = run_flags(fd, in, n, out, &on, &ret, flags);

	if (rc) {
		printf("error %d\n", rc);
		return;
	}
	printf("%u ", ret);
	for (uint32_t i = 0; i < on; i++)
		printf("%02x", out[i]);
	printf("\n");
}

static inline void run_print(int fd, const char *hex, uint8_t *in, uint8_t *out)
{
	run_print_flags(fd, hex, in, out, 0);
}

#endif
