/* SPDX-License-Identifier: MIT */
/* sandbox_exec: CapabilityBoundingSet= and AmbientCapabilities=, less what
 * the Protect*= and PrivateDevices= settings take away. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/capability.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox.h"

void capabilities(struct sb *s)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	/* what the Protect*= and PrivateDevices= settings take away */
	if (s->modules)
		s->bset &= ~(1ull << CAP_SYS_MODULE);
	if (s->klogs)
		s->bset &= ~(1ull << CAP_SYSLOG);
	if (s->clock)
		s->bset &= ~(1ull << CAP_SYS_TIME | 1ull << CAP_WAKE_ALARM);
	if (s->private_devices)
		s->bset &= ~(1ull << CAP_MKNOD | 1ull << CAP_SYS_RAWIO);
	for (int c = 0; c < 64; c++) {
		if (s->bset >> c & 1)
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0) {
			if (errno == EINVAL)
				break; /* past CAP_LAST_CAP */
			die(125, "PR_CAPBSET_DROP %d: %s", c, strerror(errno));
		}
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		die(125, "PR_CAP_AMBIENT_CLEAR_ALL: %s", strerror(errno));
	/* inheritable = the ambient set (it must hold what ambient raises) */
	if (syscall(SYS_capget, &h, d) < 0)
		die(125, "capget: %s", strerror(errno));
	d[0].inheritable = (uint32_t)s->ambient;
	d[1].inheritable = (uint32_t)(s->ambient >> 32);
	if (syscall(SYS_capset, &h, d) < 0)
		die(125, "capset: %s", strerror(errno));
	for (int c = 0; c < 64; c++)
		if (s->ambient >> c & 1 &&
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
			die(125, "PR_CAP_AMBIENT_RAISE %d: %s", c, strerror(errno));
	say("CapabilityBoundingSet=: bounding set 0x%llx, ambient 0x%llx (root: exec leaves exactly the bounding set)",
	    (unsigned long long)s->bset, (unsigned long long)s->ambient);
}
