/* SPDX-License-Identifier: MIT */
/* sandbox_exec: SystemCallFilter= as an allow-list filter, and the other
 * seccomp-based settings (RestrictAddressFamilies=, RestrictNamespaces=, ...)
 * in a second filter. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "sandbox.h"

static int nr(const char *name)
{
	return seccomp_syscall_resolve_name_arch(SCMP_ARCH_NATIVE, name);
}

static void rule(scmp_filter_ctx c, uint32_t act, const char *name, unsigned n,
		 const struct scmp_arg_cmp *cmp)
{
	int r, sys = nr(name);

	if (sys < 0)
		return; /* not a call of this architecture */
	r = seccomp_rule_add_array(c, act, sys, n, cmp);
	if (r < 0)
		die(125, "seccomp rule %s: %s", name, strerror(-r));
}

#define RULE(c, act, name, ...)                                                    \
	do {                                                                       \
		const struct scmp_arg_cmp a_[] = { __VA_ARGS__ };                   \
		rule(c, act, name, sizeof(a_) / sizeof(a_[0]), a_);                 \
	} while (0)
#define DENY SCMP_ACT_ERRNO(EPERM)

/* SystemCallFilter= + SystemCallErrorNumber=; SystemCallArchitectures=
 * native is libseccomp's default: a context holds the native ABI only and
 * kills on any other (SCMP_FLTATR_ACT_BADARCH). */
scmp_filter_ctx allow_list(const struct sb *s)
{
	struct list set = { 0 };
	uint32_t deny = s->filter_errno ? SCMP_ACT_ERRNO((uint32_t)s->filter_errno) : SCMP_ACT_KILL_PROCESS;
	scmp_filter_ctx c;
	size_t n = 0, taken = 0;

	/* The lines in order: '+' puts names into the list, '-' takes them out. */
	for (size_t i = 0; i < s->filter_ops.n; i++) {
		struct list names = { 0 };

		expand(s->filter_ops.v[i] + 1, &names, 0);
		for (size_t j = 0; j < names.n; j++) {
			if (s->filter_ops.v[i][0] == '+') {
				if (!has(&set, names.v[j]))
					push(&set, names.v[j]);
			} else {
				taken += drop(&set, names.v[j]);
			}
		}
	}
	c = seccomp_init(s->filter_mode == 1 ? deny : SCMP_ACT_ALLOW);
	if (!c)
		die(125, "seccomp_init failed");
	for (size_t i = 0; i < set.n; i++) {
		rule(c, s->filter_mode == 1 ? SCMP_ACT_ALLOW : deny, set.v[i], 0, NULL);
		n += nr(set.v[i]) >= 0;
	}
	say("SystemCallFilter=: %s of %zu calls of this architecture (%zu named, %zu taken away), others: %s",
	    s->filter_mode == 1 ? "allow-list" : "deny-list", n, set.n, taken,
	    s->filter_errno ? strerror(s->filter_errno) : "kill");
	return c;
}

/* The other seccomp-based settings, in a second filter that allows by
 * default; the kernel runs both and the stricter answer wins. */
void restrictions(const struct sb *s, scmp_filter_ctx c)
{
	static const uint64_t ns[] = { CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER,
				       CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWCGROUP, 0x80 /* NEWTIME */ };
	struct list deny = { 0 };

	if (s->families_set) {
		for (int f = 0; f < AF_MAX; f++)
			if (!(s->families >> f & 1))
				RULE(c, SCMP_ACT_ERRNO(EAFNOSUPPORT), "socket", SCMP_A0(SCMP_CMP_EQ, (uint64_t)f));
		RULE(c, SCMP_ACT_ERRNO(EAFNOSUPPORT), "socket", SCMP_A0(SCMP_CMP_GE, AF_MAX));
		say("RestrictAddressFamilies=: socket() of any other family: EAFNOSUPPORT");
	}
	if (s->restrict_ns) {
		for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
			RULE(c, DENY, "unshare", SCMP_A0(SCMP_CMP_MASKED_EQ, ns[i], ns[i]));
			RULE(c, DENY, "clone", SCMP_A0(SCMP_CMP_MASKED_EQ, ns[i], ns[i]));
			RULE(c, DENY, "setns", SCMP_A1(SCMP_CMP_MASKED_EQ, ns[i], ns[i]));
		}
		RULE(c, DENY, "setns", SCMP_A1(SCMP_CMP_EQ, 0));
		/* clone3 takes its flags in memory: ENOSYS sends libc to clone */
		rule(c, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, NULL);
		say("RestrictNamespaces=yes: unshare/clone/setns with namespace flags: EPERM; clone3: ENOSYS");
	}
	if (s->mdwe) {
		RULE(c, DENY, "mmap", SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC | PROT_WRITE, PROT_EXEC | PROT_WRITE));
		RULE(c, DENY, "mprotect", SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, PROT_EXEC));
		RULE(c, DENY, "pkey_mprotect", SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, PROT_EXEC));
		RULE(c, DENY, "shmat", SCMP_A2(SCMP_CMP_MASKED_EQ, SHM_EXEC, SHM_EXEC));
		say("MemoryDenyWriteExecute=yes: mmap W+X, mprotect/pkey_mprotect X, shmat SHM_EXEC: EPERM");
	}
	if (s->personality) {
		RULE(c, DENY, "personality", SCMP_A0(SCMP_CMP_NE, (uint64_t)personality(0xffffffff)));
		say("LockPersonality=yes: personality() other than the current: EPERM");
	}
	if (s->realtime) {
		RULE(c, DENY, "sched_setscheduler", SCMP_A1(SCMP_CMP_EQ, SCHED_FIFO));
		RULE(c, DENY, "sched_setscheduler", SCMP_A1(SCMP_CMP_EQ, SCHED_RR));
		RULE(c, DENY, "sched_setscheduler", SCMP_A1(SCMP_CMP_GT, SCHED_IDLE));
		rule(c, DENY, "sched_setattr", 0, NULL); /* its policy is in memory */
		say("RestrictRealtime=yes: sched_setscheduler FIFO/RR/DEADLINE, sched_setattr: EPERM");
	}
	if (s->suid) {
		static const struct { const char *call; unsigned mode_arg; } m[] = {
			{ "chmod", 1 }, { "fchmod", 1 }, { "fchmodat", 2 }, { "fchmodat2", 2 },
			{ "mkdir", 1 }, { "mkdirat", 2 }, { "mknod", 1 }, { "mknodat", 2 },
			{ "creat", 1 },
		};
		for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
			for (uint64_t bit = S_ISUID; bit >= S_ISGID; bit >>= 1) {
				struct scmp_arg_cmp a = { m[i].mode_arg, SCMP_CMP_MASKED_EQ, bit, bit };

				rule(c, DENY, m[i].call, 1, &a);
			}
		for (uint64_t bit = S_ISUID; bit >= S_ISGID; bit >>= 1) {
			RULE(c, DENY, "open", SCMP_A1(SCMP_CMP_MASKED_EQ, O_CREAT, O_CREAT),
			     SCMP_A2(SCMP_CMP_MASKED_EQ, bit, bit));
			RULE(c, DENY, "openat", SCMP_A2(SCMP_CMP_MASKED_EQ, O_CREAT, O_CREAT),
			     SCMP_A3(SCMP_CMP_MASKED_EQ, bit, bit));
		}
		rule(c, SCMP_ACT_ERRNO(ENOSYS), "openat2", 0, NULL);
		say("RestrictSUIDSGID=yes: chmod/mkdir/mknod/creat/open(O_CREAT) with S_ISUID|S_ISGID: EPERM; openat2: ENOSYS");
	}
	if (s->hostname) {
		rule(c, DENY, "sethostname", 0, NULL);
		rule(c, DENY, "setdomainname", 0, NULL);
	}
	if (s->klogs)
		rule(c, DENY, "syslog", 0, NULL);
	if (s->clock)
		expand("@clock", &deny, 0);
	if (s->modules)
		expand("@module", &deny, 0);
	if (s->private_devices)
		expand("@raw-io", &deny, 0);
	for (size_t i = 0; i < deny.n; i++)
		rule(c, DENY, deny.v[i], 0, NULL);
	say("ProtectHostname/KernelLogs/Clock/KernelModules, PrivateDevices: sethostname setdomainname syslog @clock @module @raw-io: EPERM");
}

void load(scmp_filter_ctx c, const char *what)
{
	int r;

	/* no_new_privs is ours to set (NoNewPrivileges=), not libseccomp's */
	seccomp_attr_set(c, SCMP_FLTATR_CTL_NNP, 0);
	r = seccomp_load(c);
	if (r < 0)
		die(125, "seccomp_load %s: %s", what, strerror(-r));
	seccomp_release(c);
}
