/* SPDX-License-Identifier: MIT */
/* sandbox_exec: run a command under the [Service] sandbox of a systemd unit,
 * applied by hand (issue 6, "prove the unit works"): this host's PID 1 is
 * not systemd and the test VM boots a small init, so there is no
 * systemd-run. Every directive of the unit's [Service] section is either
 * applied here the way systemd.exec(5) describes it, or listed as not a
 * sandbox directive (lifecycle: Type=, Restart=, ...); anything else makes
 * us refuse to run (exit 2), so the test follows the unit when it changes.
 *
 * Usage: sandbox_exec --unit FILE --syscall-sets FILE --state-dir DIR
 *                     --run-dir DIR [--explain] [--check] -- CMD [ARG...]
 *   --syscall-sets  the output of `systemd-analyze syscall-filter` (the
 *                   groups @system-service, @privileged, ... as this
 *                   systemd defines them)
 *   --state-dir/--run-dir   what StateDirectory=/RuntimeDirectory= would be
 *                   (/var/lib/NAME, /run/NAME): the writable places
 *   --check         parse and explain only; run nothing
 * Exit: CMD's exec, or 2 (the unit holds what we cannot apply), 125 (a
 * step failed). Order as systemd's exec: namespaces and mounts as root,
 * then umask, keyring, capabilities, no_new_privs, seccomp, exec. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

extern char **environ;

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

static bool explain;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	if (!explain)
		return;
	va_start(ap, fmt);
	fputs("sandbox: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static void die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
static void die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("sandbox_exec: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(code);
}

static void push(struct list *l, const char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (!l->v)
			die(125, "out of memory");
	}
	if (!(l->v[l->n++] = strdup(s)))
		die(125, "out of memory");
}

static bool has(const struct list *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], s))
			return true;
	return false;
}

/* Take s out of l; 1 if it was there. */
static size_t drop(struct list *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], s)) {
			free(l->v[i]);
			l->v[i] = l->v[--l->n];
			return 1;
		}
	return 0;
}

/* ---- the unit's values ----------------------------------------------------- */

static bool yes(const char *k, const char *v)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "on") || !strcmp(v, "1"))
		return true;
	if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "off") || !strcmp(v, "0"))
		return false;
	die(2, "%s=%s: not a boolean", k, v);
}

#define CAP(n) { "CAP_" #n, CAP_##n }
static const struct { const char *name; int v; } caps[] = {
	CAP(CHOWN), CAP(DAC_OVERRIDE), CAP(DAC_READ_SEARCH), CAP(FOWNER), CAP(FSETID),
	CAP(KILL), CAP(SETGID), CAP(SETUID), CAP(SETPCAP), CAP(LINUX_IMMUTABLE),
	CAP(NET_BIND_SERVICE), CAP(NET_BROADCAST), CAP(NET_ADMIN), CAP(NET_RAW),
	CAP(IPC_LOCK), CAP(IPC_OWNER), CAP(SYS_MODULE), CAP(SYS_RAWIO), CAP(SYS_CHROOT),
	CAP(SYS_PTRACE), CAP(SYS_PACCT), CAP(SYS_ADMIN), CAP(SYS_BOOT), CAP(SYS_NICE),
	CAP(SYS_RESOURCE), CAP(SYS_TIME), CAP(SYS_TTY_CONFIG), CAP(MKNOD), CAP(LEASE),
	CAP(AUDIT_WRITE), CAP(AUDIT_CONTROL), CAP(SETFCAP), CAP(MAC_OVERRIDE),
	CAP(MAC_ADMIN), CAP(SYSLOG), CAP(WAKE_ALARM), CAP(BLOCK_SUSPEND),
	CAP(AUDIT_READ), CAP(PERFMON), CAP(BPF), CAP(CHECKPOINT_RESTORE),
};

static uint64_t cap_set(const char *k, char *v)
{
	uint64_t set = 0;
	bool inv = v[0] == '~';

	for (char *t = strtok(v + inv, " \t"); t; t = strtok(NULL, " \t")) {
		size_t i;

		for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
			if (!strcmp(t, caps[i].name))
				break;
		if (i == sizeof(caps) / sizeof(caps[0]))
			die(2, "%s: unknown capability %s", k, t);
		set |= 1ull << caps[i].v;
	}
	return inv ? ~set : set;
}

static const struct { const char *name; int v; } fams[] = {
	{ "AF_UNIX", AF_UNIX }, { "AF_INET", AF_INET }, { "AF_INET6", AF_INET6 },
	{ "AF_NETLINK", AF_NETLINK }, { "AF_PACKET", AF_PACKET },
};

static void families(struct sb *s, char *v)
{
	if (v[0] == '~' || !strcmp(v, "none"))
		die(2, "RestrictAddressFamilies=%s: only an allow-list is supported here", v);
	s->families_set = true;
	for (char *t = strtok(v, " \t"); t; t = strtok(NULL, " \t")) {
		size_t i;

		for (i = 0; i < sizeof(fams) / sizeof(fams[0]); i++)
			if (!strcmp(t, fams[i].name))
				break;
		if (i == sizeof(fams) / sizeof(fams[0]))
			die(2, "RestrictAddressFamilies: %s unknown to this test", t);
		s->families |= 1ull << fams[i].v;
	}
}

/* systemd.exec(5): the first SystemCallFilter= decides allow- or
 * deny-list; later lines of the other sign take names away, and a later
 * line of the first sign puts them back: the lines apply in order (so
 * "@system-service", "~@privileged", "bpf" allows bpf). An allow-list
 * implicitly holds @default. */
static void syscall_filter(struct sb *s, char *v)
{
	bool inv = v[0] == '~';

	if (strchr(v, ':'))
		die(2, "SystemCallFilter=%s: per-call errno not supported here", v);
	if (!s->filter_mode) {
		s->filter_mode = inv ? -1 : 1;
		if (!inv)
			push(&s->filter_ops, "+@default");
	}
	for (char *t = strtok(v + inv, " \t"); t; t = strtok(NULL, " \t")) {
		char op[128];

		snprintf(op, sizeof(op), "%c%s", (s->filter_mode == 1) != inv ? '+' : '-', t);
		push(&s->filter_ops, op);
	}
}

static int errno_value(const char *v)
{
	static const struct { const char *n; int v; } e[] = {
		{ "EPERM", EPERM }, { "EACCES", EACCES }, { "ENOSYS", ENOSYS },
	};

	if (!strcmp(v, "kill") || !v[0])
		return 0;
	for (size_t i = 0; i < sizeof(e) / sizeof(e[0]); i++)
		if (!strcmp(v, e[i].n))
			return e[i].v;
	if (isdigit((unsigned char)v[0]))
		return atoi(v);
	die(2, "SystemCallErrorNumber=%s: unknown", v);
}

/* Not privilege: when and how the service runs. */
static const char *const lifecycle[] = {
	"Type", "NotifyAccess", "ExecStart", "ExecStartPre", "ExecStartPost",
	"ExecReload", "ExecStop", "TimeoutStartSec", "TimeoutStopSec", "TimeoutSec",
	"WatchdogSec", "Restart", "RestartSec", "RestartPreventExitStatus",
	"SuccessExitStatus", "RuntimeDirectoryPreserve", "Environment",
	"EnvironmentFile", NULL,
};

static bool directive(struct sb *s, const char *k, char *v)
{
#define B(name, field) if (!strcmp(k, name)) { s->field = yes(k, v); return true; }
	B("PrivateTmp", private_tmp) B("PrivateDevices", private_devices)
	B("PrivateIPC", private_ipc) B("PrivateMounts", private_mounts)
	B("ProtectKernelTunables", tunables) B("ProtectKernelModules", modules)
	B("ProtectKernelLogs", klogs) B("ProtectControlGroups", cgroups)
	B("ProtectClock", clock) B("ProtectHostname", hostname)
	B("NoNewPrivileges", nnp) B("RestrictNamespaces", restrict_ns)
	B("RestrictRealtime", realtime) B("RestrictSUIDSGID", suid)
	B("LockPersonality", personality) B("MemoryDenyWriteExecute", mdwe)
#undef B
	if (!strcmp(k, "ProtectSystem")) {
		s->protect_system = !strcmp(v, "strict") ? 3 : !strcmp(v, "full") ? 2 : yes(k, v);
	} else if (!strcmp(k, "ProtectHome")) {
		if (!strcmp(v, "tmpfs"))
			die(2, "ProtectHome=tmpfs: not supported here");
		s->protect_home = !strcmp(v, "read-only") ? 2 : yes(k, v);
	} else if (!strcmp(k, "ProtectProc")) {
		s->hidepid = !strcmp(v, "default") ? NULL : strdup(v);
	} else if (!strcmp(k, "ProcSubset")) {
		s->subset_pid = !strcmp(v, "pid");
	} else if (!strcmp(k, "DevicePolicy")) {
		if (strcmp(v, "closed") && strcmp(v, "auto"))
			die(2, "DevicePolicy=%s: not supported here", v);
		s->device_closed = !strcmp(v, "closed");
	} else if (!strcmp(k, "InaccessiblePaths")) {
		for (char *t = strtok(v, " \t"); t; t = strtok(NULL, " \t"))
			push(&s->inaccessible, t);
	} else if (!strcmp(k, "StateDirectory")) {
		s->state_dir = true;
	} else if (!strcmp(k, "RuntimeDirectory")) {
		s->run_dir = true;
	} else if (!strcmp(k, "UMask")) {
		s->has_umask = true;
		s->umask_v = (mode_t)strtoul(v, NULL, 8);
	} else if (!strcmp(k, "KeyringMode")) {
		if (strcmp(v, "private") && strcmp(v, "inherit"))
			die(2, "KeyringMode=%s: not supported here", v);
		s->keyring_private = !strcmp(v, "private");
	} else if (!strcmp(k, "CapabilityBoundingSet")) {
		s->bset = (s->has_bset ? s->bset : 0) | cap_set(k, v);
		s->has_bset = true;
	} else if (!strcmp(k, "AmbientCapabilities")) {
		s->ambient |= cap_set(k, v);
	} else if (!strcmp(k, "RestrictAddressFamilies")) {
		families(s, v);
	} else if (!strcmp(k, "SystemCallFilter")) {
		syscall_filter(s, v);
	} else if (!strcmp(k, "SystemCallErrorNumber")) {
		s->filter_errno = errno_value(v);
	} else if (!strcmp(k, "SystemCallArchitectures")) {
		if (strcmp(v, "native"))
			die(2, "SystemCallArchitectures=%s: only native here", v);
		s->native = true;
	} else {
		return false;
	}
	return true;
}

static void parse_unit(struct sb *s, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	bool service = false;
	unsigned ln = 0;

	if (!f)
		die(2, "%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char *k = line, *v, *end;
		size_t i;

		ln++;
		while (isspace((unsigned char)*k))
			k++;
		end = k + strlen(k);
		while (end > k && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (!*k || *k == '#' || *k == ';')
			continue;
		if (*k == '[') {
			service = !strcmp(k, "[Service]");
			continue;
		}
		if (end[-1] == '\\')
			die(2, "%s:%u: continuation lines not supported here", path, ln);
		if (!service)
			continue;
		v = strchr(k, '=');
		if (!v)
			die(2, "%s:%u: not KEY=VALUE", path, ln);
		*v++ = '\0';
		for (i = 0; lifecycle[i]; i++)
			if (!strcmp(k, lifecycle[i]))
				break;
		if (lifecycle[i]) {
			say("%s=: lifecycle, not a sandbox setting", k);
			continue;
		}
		if (!directive(s, k, v))
			die(2, "%s:%u: %s= is a directive this test does not know how to apply",
			    path, ln, k);
	}
	fclose(f);
}

/* ---- systemd-analyze syscall-filter: @group -> names ------------------------ */

struct group {
	char name[32];
	struct list items;
};
static struct group groups[48];
static size_t n_groups;

static void load_sets(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[256];
	struct group *g = NULL;

	if (!f)
		die(2, "%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char *t = line;

		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '@') {
			if (n_groups == sizeof(groups) / sizeof(groups[0]))
				die(2, "%s: too many groups", path);
			g = &groups[n_groups++];
			snprintf(g->name, sizeof(g->name), "%.31s", line);
			continue;
		}
		if (line[0] != ' ' || !g)
			continue; /* the "# Ungrouped" tail and blank lines */
		while (*t == ' ')
			t++;
		if (*t && *t != '#')
			push(&g->items, t);
	}
	fclose(f);
}

/* NAME or @GROUP, recursively (groups nest: @system-service holds @aio...) */
static void expand(const char *name, struct list *out, int depth)
{
	size_t i;

	if (name[0] != '@') {
		if (!has(out, name))
			push(out, name);
		return;
	}
	for (i = 0; i < n_groups; i++)
		if (!strcmp(groups[i].name, name))
			break;
	if (i == n_groups || depth > 8)
		die(2, "syscall group %s: not in the systemd-analyze list", name);
	for (size_t j = 0; j < groups[i].items.n; j++)
		expand(groups[i].items.v[j], out, depth + 1);
}

/* ---- mounts ------------------------------------------------------------------ */

static void xmount(const char *src, const char *dst, const char *type,
		   unsigned long flags, const char *data)
{
	if (mount(src, dst, type, flags, data) < 0)
		die(125, "mount %s on %s: %s", src ? src : "-", dst, strerror(errno));
}

static bool exists(const char *p)
{
	struct stat st;

	return lstat(p, &st) == 0;
}

/* set/clear attributes of the mount at PATH (and below, with AT_RECURSIVE) */
static void attr(const char *path, uint64_t set, uint64_t clr, unsigned flags)
{
	struct mount_attr a = { .attr_set = set, .attr_clr = clr };

	if (mount_setattr(AT_FDCWD, path, flags, &a, sizeof(a)) < 0)
		die(125, "mount_setattr %s: %s", path, strerror(errno));
}

/* PATH as a mount of its own (bound onto itself), then read-only */
static void read_only(const char *path)
{
	if (!exists(path))
		return;
	xmount(path, path, NULL, MS_BIND | MS_REC, NULL);
	attr(path, MOUNT_ATTR_RDONLY, 0, AT_RECURSIVE);
}

/* systemd's /run/systemd/inaccessible/{dir,reg}: mode 000 objects in a
 * scratch tmpfs, bound over each path; root without CAP_DAC_OVERRIDE
 * (dropped below) cannot open them. "-PATH": ignore a missing path. */
#define STAGE "/tmp"
static void inaccessible(const char *p)
{
	struct stat st;
	bool opt = p[0] == '-';

	p += opt;
	if (stat(p, &st) < 0) {
		if (opt || errno == ENOENT)
			return;
		die(125, "%s: %s", p, strerror(errno));
	}
	xmount(S_ISDIR(st.st_mode) ? STAGE "/dir" : STAGE "/reg", p, NULL, MS_BIND, NULL);
	say("  %s: inaccessible", p);
}

static void mknode(const char *name, unsigned maj, unsigned min)
{
	char p[64];

	snprintf(p, sizeof(p), "/dev/%s", name);
	if (mknod(p, S_IFCHR | 0666, makedev(maj, min)) < 0 || chmod(p, 0666) < 0)
		die(125, "mknod %s: %s", p, strerror(errno));
}

/* PrivateDevices: a new /dev with the API pseudo devices only -- which
 * is also DevicePolicy=closed's list (null zero full random urandom tty
 * ptmx) -- a new devpts, the host's /dev/shm and /dev/mqueue; then
 * read-only and noexec. The host /dev/shm is bound in first (staged). */
static void private_dev(void)
{
	bool shm = exists("/dev/shm"), mq = exists("/dev/mqueue");

	if (shm)
		xmount("/dev/shm", STAGE "/shm", NULL, MS_BIND | MS_REC, NULL);
	if (mq)
		xmount("/dev/mqueue", STAGE "/mqueue", NULL, MS_BIND | MS_REC, NULL);
	xmount("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=0755,size=4m");
	mknode("null", 1, 3);
	mknode("zero", 1, 5);
	mknode("full", 1, 7);
	mknode("random", 1, 8);
	mknode("urandom", 1, 9);
	mknode("tty", 5, 0);
	if (mkdir("/dev/pts", 0755) < 0 || mkdir("/dev/shm", 01777) < 0 ||
	    mkdir("/dev/mqueue", 0755) < 0 || symlink("pts/ptmx", "/dev/ptmx") < 0 ||
	    symlink("/proc/self/fd", "/dev/fd") < 0 || symlink("/proc/self/fd/0", "/dev/stdin") < 0 ||
	    symlink("/proc/self/fd/1", "/dev/stdout") < 0 || symlink("/proc/self/fd/2", "/dev/stderr") < 0)
		die(125, "populating /dev: %s", strerror(errno));
	xmount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620");
	if (shm)
		xmount(STAGE "/shm", "/dev/shm", NULL, MS_MOVE, NULL);
	if (mq)
		xmount(STAGE "/mqueue", "/dev/mqueue", NULL, MS_MOVE, NULL);
	attr("/dev", MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOEXEC, 0, 0);
}

static void stage(void)
{
	xmount("tmpfs", STAGE, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m");
	if (mkdir(STAGE "/dir", 0) < 0 || mknod(STAGE "/reg", S_IFREG | 0, 0) < 0 ||
	    chmod(STAGE "/dir", 0) < 0 || mkdir(STAGE "/shm", 0755) < 0 ||
	    mkdir(STAGE "/mqueue", 0755) < 0)
		die(125, "staging: %s", strerror(errno));
}

static void mounts(const struct sb *s, const char *state_dir, const char *run_dir)
{
	static const char *const tunables[] = {
		"/proc/sys", "/proc/sysrq-trigger", "/proc/latency_stats", "/proc/acpi",
		"/proc/timer_stats", "/proc/fs", "/proc/irq", "/sys", NULL };
	static const char *const home[] = { "/home", "/root", "/run/user", NULL };
	char opts[64];

	/* PrivateMounts (and every option below): our own mount namespace,
	 * nothing propagates back to the host (systemd: slave). */
	xmount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL);
	say("PrivateMounts=%s: own mount namespace, propagation slave", s->private_mounts ? "yes" : "implied");
	/* StateDirectory=/RuntimeDirectory=: the writable places, as mounts */
	xmount(state_dir, state_dir, NULL, MS_BIND | MS_REC, NULL);
	xmount(run_dir, run_dir, NULL, MS_BIND | MS_REC, NULL);
	say("StateDirectory= -> %s, RuntimeDirectory= -> %s (writable)", state_dir, run_dir);
	if (s->hidepid || s->subset_pid) {
		snprintf(opts, sizeof(opts), "%s%s%s%s", s->hidepid ? "hidepid=" : "",
			 s->hidepid ? s->hidepid : "", s->hidepid && s->subset_pid ? "," : "",
			 s->subset_pid ? "subset=pid" : "");
		xmount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts);
		say("ProtectProc=/ProcSubset=: a new /proc with %s", opts);
	}
	stage();
	if (s->private_devices) {
		private_dev();
		say("PrivateDevices=yes: /dev holds null zero full random urandom tty pts shm, ro, noexec");
	}
	say("InaccessiblePaths=, ProtectHome=, ProtectKernelModules=, ProtectKernelLogs=, ProtectKernelTunables=:");
	for (size_t i = 0; i < s->inaccessible.n; i++)
		inaccessible(s->inaccessible.v[i]);
	for (size_t i = 0; s->protect_home == 1 && home[i]; i++)
		inaccessible(home[i]);
	if (s->modules) {
		inaccessible("-/usr/lib/modules");
		inaccessible("-/lib/modules");
	}
	if (s->klogs) {
		inaccessible("-/proc/kmsg");
		inaccessible("-/dev/kmsg");
	}
	if (s->tunables) {
		inaccessible("-/proc/kallsyms");
		inaccessible("-/proc/kcore");
	}
	/* the staging tmpfs goes; what is bound from it stays */
	if (umount2(STAGE, MNT_DETACH) < 0)
		die(125, "umount %s: %s", STAGE, strerror(errno));
	if (s->private_tmp) {
		xmount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=01777");
		if (exists("/var/tmp"))
			xmount("tmpfs", "/var/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=01777");
		say("PrivateTmp=yes: new /tmp and /var/tmp");
	}
	if (s->protect_system == 3) {
		/* everything read-only but the API file systems and what is
		 * writable by design */
		attr("/", MOUNT_ATTR_RDONLY, 0, AT_RECURSIVE);
		attr("/proc", 0, MOUNT_ATTR_RDONLY, AT_RECURSIVE);
		attr("/sys", 0, MOUNT_ATTR_RDONLY, AT_RECURSIVE);
		attr("/dev", 0, MOUNT_ATTR_RDONLY, AT_RECURSIVE);
		if (s->private_devices)
			attr("/dev", MOUNT_ATTR_RDONLY, 0, 0);
		attr(state_dir, 0, MOUNT_ATTR_RDONLY, AT_RECURSIVE);
		attr(run_dir, 0, MOUNT_ATTR_RDONLY, AT_RECURSIVE);
		if (s->private_tmp) {
			attr("/tmp", 0, MOUNT_ATTR_RDONLY, 0);
			if (exists("/var/tmp"))
				attr("/var/tmp", 0, MOUNT_ATTR_RDONLY, 0);
		}
		say("ProtectSystem=strict: / read-only but /proc /sys /dev and the two directories");
	} else if (s->protect_system) {
		read_only("/usr");
		read_only("/boot");
		read_only("/efi");
		if (s->protect_system == 2)
			read_only("/etc");
		say("ProtectSystem=%s: /usr /boot /efi%s read-only", s->protect_system == 2 ? "full" : "yes",
		    s->protect_system == 2 ? " /etc" : "");
	}
	for (size_t i = 0; s->protect_home == 2 && home[i]; i++)
		read_only(home[i]);
	for (size_t i = 0; s->tunables && tunables[i]; i++)
		read_only(tunables[i]);
	if (s->tunables)
		say("ProtectKernelTunables=yes: /proc/sys... and /sys read-only");
	if (s->cgroups) {
		read_only("/sys/fs/cgroup");
		say("ProtectControlGroups=yes: /sys/fs/cgroup read-only");
	}
	if (s->device_closed) {
		/* DevicePolicy=closed: no device node outside our /dev opens
		 * (the cgroup device filter is systemd's; nodev everywhere else
		 * refuses the same opens) */
		attr("/", MOUNT_ATTR_NODEV, 0, AT_RECURSIVE);
		attr("/dev", 0, MOUNT_ATTR_NODEV, 0);
		say("DevicePolicy=closed: nodev on every mount but /dev");
	}
}

/* ---- capabilities ------------------------------------------------------------ */

static void capabilities(struct sb *s)
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

/* ---- seccomp ----------------------------------------------------------------- */

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
static scmp_filter_ctx allow_list(const struct sb *s)
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
static void restrictions(const struct sb *s, scmp_filter_ctx c)
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

static void load(scmp_filter_ctx c, const char *what)
{
	int r;

	/* no_new_privs is ours to set (NoNewPrivileges=), not libseccomp's */
	seccomp_attr_set(c, SCMP_FLTATR_CTL_NNP, 0);
	r = seccomp_load(c);
	if (r < 0)
		die(125, "seccomp_load %s: %s", what, strerror(-r));
	seccomp_release(c);
}

/* ---- main -------------------------------------------------------------------- */

static void namespaces(const struct sb *s)
{
	int flags = CLONE_NEWNS;

	if (s->hostname)
		flags |= CLONE_NEWUTS;
	if (s->private_ipc)
		flags |= CLONE_NEWIPC;
	if (unshare(flags) < 0)
		die(125, "unshare: %s", strerror(errno));
	say("namespaces: mount%s%s", s->hostname ? ", UTS (ProtectHostname=yes)" : "",
	    s->private_ipc ? ", IPC (PrivateIPC=yes)" : "");
}

static void session(const struct sb *s)
{
	if (s->has_umask) {
		umask(s->umask_v);
		say("UMask=%04o", (unsigned)s->umask_v);
	}
	if (s->keyring_private) {
		if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0)
			die(125, "KeyringMode=private: keyctl: %s", strerror(errno));
		say("KeyringMode=private: a new anonymous session keyring");
	}
	if (chdir("/") < 0)
		die(125, "chdir /: %s", strerror(errno));
}

int main(int argc, char **argv)
{
	const char *unit = NULL, *sets = NULL, *state_dir = NULL, *run_dir = NULL;
	bool check = false;
	struct sb s = { 0 };
	scmp_filter_ctx rc;
	int i, exe;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--explain"))
			explain = true;
		else if (!strcmp(argv[i], "--check"))
			check = explain = true;
		else if (i + 1 < argc && !strcmp(argv[i], "--unit"))
			unit = argv[++i];
		else if (i + 1 < argc && !strcmp(argv[i], "--syscall-sets"))
			sets = argv[++i];
		else if (i + 1 < argc && !strcmp(argv[i], "--state-dir"))
			state_dir = argv[++i];
		else if (i + 1 < argc && !strcmp(argv[i], "--run-dir"))
			run_dir = argv[++i];
		else
			die(2, "unknown argument %s", argv[i]);
	}
	if (!unit || !sets || (!check && (i + 1 >= argc || !state_dir || !run_dir)))
		die(2, "usage: sandbox_exec --unit F --syscall-sets F --state-dir D --run-dir D [--explain|--check] -- CMD...");
	parse_unit(&s, unit);
	load_sets(sets);
	if (!s.state_dir || !s.run_dir)
		die(2, "%s: no StateDirectory=/RuntimeDirectory=: where may the agent write?", unit);
	if (!check && s.private_tmp &&
	    (!strncmp(state_dir, "/tmp/", 5) || !strncmp(run_dir, "/tmp/", 5)))
		die(2, "PrivateTmp=yes would hide a directory under /tmp");
	if (check) {
		scmp_filter_ctx c = allow_list(&s), r2 = seccomp_init(SCMP_ACT_ALLOW);

		restrictions(&s, r2);
		seccomp_release(c);
		seccomp_release(r2);
		return 0;
	}
	/* The program is opened before the mounts: installed, it lives in
	 * /usr/sbin, which the sandbox shows; a build tree under /tmp, /home
	 * or /root (where a CI may check out) would be hidden by PrivateTmp=
	 * and ProtectHome=, and what is under test is the sandbox around the
	 * program, not where its file lies. */
	exe = strchr(argv[i + 1], '/') ? open(argv[i + 1], O_PATH | O_CLOEXEC) : -1;
	namespaces(&s);
	mounts(&s, state_dir, run_dir);
	session(&s);
	if (!s.has_bset)
		die(2, "%s: no CapabilityBoundingSet=: this test proves least privilege", unit);
	capabilities(&s);
	if (s.nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die(125, "PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
	say("NoNewPrivileges=%s", s.nnp ? "yes" : "no");
	rc = seccomp_init(SCMP_ACT_ALLOW);
	if (!rc)
		die(125, "seccomp_init failed");
	restrictions(&s, rc);
	/* the allow-list last: seccomp() itself is not on it */
	load(rc, "restrictions");
	if (s.filter_mode)
		load(allow_list(&s), "SystemCallFilter");
	if (exe >= 0)
		syscall(SYS_execveat, exe, "", argv + i + 1, environ, AT_EMPTY_PATH);
	else
		execvp(argv[i + 1], argv + i + 1);
	die(127, "exec %s: %s", argv[i + 1], strerror(errno));
}
