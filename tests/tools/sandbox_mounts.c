/* SPDX-License-Identifier: MIT */
/* sandbox_exec: the namespaces and the mount table of systemd.exec(5)'s
 * PrivateMounts=, PrivateTmp=, PrivateDevices=, Protect*=, InaccessiblePaths=. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "sandbox.h"

void namespaces(const struct sb *s)
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

void mounts(const struct sb *s, const char *state_dir, const char *run_dir)
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
