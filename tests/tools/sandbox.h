/* SPDX-License-Identifier: MIT */
/* sandbox_exec's parts (see sandbox_exec.c): the unit's [Service] settings
 * as read by sandbox_unit.c, applied by sandbox_mounts.c (namespaces and
 * mounts), sandbox_caps.c (capabilities) and sandbox_seccomp.c (the
 * seccomp filters). Every step dies (exit 2 or 125) rather than return. */
#ifndef V6MIG_SANDBOX_H
#define V6MIG_SANDBOX_H

#include <seccomp.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct list {
	char **v;
	size_t n, cap;
};

struct sb {
	int protect_system;   /* 0 no, 1 yes, 2 full, 3 strict */
	int protect_home;     /* 0 no, 1 yes, 2 read-only */
	bool private_tmp, private_devices, private_ipc, private_mounts;
	bool tunables, modules, klogs, cgroups, clock, hostname;
	const char *hidepid;  /* NULL: default */
	bool subset_pid, device_closed;
	struct list inaccessible;
	bool state_dir, run_dir, nnp, keyring_private;
	bool has_umask;
	mode_t umask_v;
	bool has_bset;
	uint64_t bset, ambient;
	/* SystemCallFilter: allow-list mode unless the first line is ~ */
	int filter_mode;      /* 0 none, 1 allow, -1 deny */
	struct list filter_ops; /* "+name" / "-name" in the unit's order, with @groups */
	int filter_errno;     /* 0: kill */
	bool families_set;
	uint64_t families;    /* allowed AF_* bits (AF_MAX < 64) */
	bool restrict_ns, realtime, suid, personality, mdwe, native;
};

/* sandbox_exec.c: --explain, messages, string lists */
extern bool explain;
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
void push(struct list *l, const char *s);
bool has(const struct list *l, const char *s);
size_t drop(struct list *l, const char *s);

/* sandbox_unit.c: the unit file and `systemd-analyze syscall-filter` */
void parse_unit(struct sb *s, const char *path);
void load_sets(const char *path);
void expand(const char *name, struct list *out, int depth);

/* sandbox_mounts.c */
void namespaces(const struct sb *s);
void mounts(const struct sb *s, const char *state_dir, const char *run_dir);

/* sandbox_caps.c */
void capabilities(struct sb *s);

/* sandbox_seccomp.c */
scmp_filter_ctx allow_list(const struct sb *s);
void restrictions(const struct sb *s, scmp_filter_ctx c);
void load(scmp_filter_ctx c, const char *what);

#endif
