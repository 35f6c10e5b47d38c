/* SPDX-License-Identifier: MIT */
/* sandbox_probe: try things a sandbox should allow or refuse and print one
 * line per probe, "NAME ARG: ok" or "NAME ARG: ERRNO-NAME", so that one
 * exec (expensive in the TCG VM) answers many questions. Used under and
 * beside tests/tools/sandbox_exec (issue 6).
 *   write PATH     open(O_CREAT|O_WRONLY) -- and unlink what it made
 *   read PATH      open(O_RDONLY)
 *   socket FAM     packet|inet|inet6|unix|netlink (packet: SOCK_RAW)
 *   raw4 -         an AF_INET SOCK_RAW socket (CAP_NET_RAW)
 *   bind PORT      a TCP bind to [::]:PORT (< 1024: CAP_NET_BIND_SERVICE)
 *   xattr PATH     setxattr trusted.v6t (CAP_SYS_ADMIN)
 *   mark -         SO_MARK on a UDP socket (CAP_NET_ADMIN)
 *   mount -        a tmpfs on /mnt (the @mount calls)
 *   unshare -      a new network namespace (RestrictNamespaces)
 *   wx -           an anonymous W+X mapping (MemoryDenyWriteExecute)
 *   personality -  PER_LINUX32 (LockPersonality)
 *   status -       Cap*, NoNewPrivs and Seccomp lines of /proc/self/status
 * Always exits 0: the caller judges the lines. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/xattr.h>
#include <unistd.h>

static int ret(int rc)
{
	return rc < 0 ? errno : 0;
}

static int sock(int fam, int type, int proto)
{
	int fd = socket(fam, type, proto);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int probe_socket(const char *fam)
{
	static const struct { const char *n; int f, t; } t[] = {
		{ "packet", AF_PACKET, SOCK_RAW }, { "inet", AF_INET, SOCK_DGRAM },
		{ "inet6", AF_INET6, SOCK_DGRAM }, { "unix", AF_UNIX, SOCK_DGRAM },
		{ "netlink", AF_NETLINK, SOCK_RAW },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(fam, t[i].n))
			return sock(t[i].f, t[i].t, 0);
	return EINVAL;
}

static int probe_write(const char *path)
{
	int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0600);

	if (fd < 0)
		return errno;
	close(fd);
	unlink(path);
	return 0;
}

static int probe_read(const char *path)
{
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int probe_bind(const char *port)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT };
	int fd = socket(AF_INET6, SOCK_STREAM, 0), rc;

	if (fd < 0)
		return errno;
	a.sin6_port = htons((uint16_t)atoi(port));
	rc = ret(bind(fd, (struct sockaddr *)&a, sizeof(a)));
	close(fd);
	return rc;
}

static int probe_mark(void)
{
	int fd = socket(AF_INET6, SOCK_DGRAM, 0), mark = 7, rc;

	if (fd < 0)
		return errno;
	rc = ret(setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)));
	close(fd);
	return rc;
}

/* bpf(2) as the translator's loader first needs it: a map (CAP_BPF; the
 * seccomp filter must let the call through). */
static int probe_bpf(void)
{
	union bpf_attr a;
	long fd;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 8;
	a.max_entries = 1;
	fd = syscall(SYS_bpf, BPF_MAP_CREATE, &a, sizeof(a));
	if (fd < 0)
		return errno;
	close((int)fd);
	return 0;
}

static int probe_wx(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return errno;
	munmap(p, 4096);
	return 0;
}

static int probe_personality(void)
{
	int old = personality(0xffffffff);

	if (personality(PER_LINUX32) < 0)
		return errno;
	personality((unsigned long)old);
	return 0;
}

static void status(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];

	if (!f) {
		printf("status -: %s\n", strerrorname_np(errno));
		return;
	}
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "Cap", 3) || !strncmp(line, "NoNewPrivs:", 11) ||
		    !strncmp(line, "Seccomp:", 8))
			printf("status %s", line);
	fclose(f);
}

static int probe(const char *what, const char *arg)
{
	if (!strcmp(what, "write"))
		return probe_write(arg);
	if (!strcmp(what, "read"))
		return probe_read(arg);
	if (!strcmp(what, "socket"))
		return probe_socket(arg);
	if (!strcmp(what, "raw4"))
		return sock(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	if (!strcmp(what, "bind"))
		return probe_bind(arg);
	if (!strcmp(what, "xattr"))
		return ret(setxattr(arg, "trusted.v6t", "1", 1, 0));
	if (!strcmp(what, "mark"))
		return probe_mark();
	if (!strcmp(what, "mount"))
		return ret(mount("tmpfs", "/mnt", "tmpfs", 0, "size=1m"));
	if (!strcmp(what, "unshare"))
		return ret(unshare(CLONE_NEWNET));
	if (!strcmp(what, "wx"))
		return probe_wx();
	if (!strcmp(what, "bpf"))
		return probe_bpf();
	if (!strcmp(what, "personality"))
		return probe_personality();
	return EINVAL;
}

int main(int argc, char **argv)
{
	for (int i = 1; i + 1 < argc; i += 2) {
		int e;

		if (!strcmp(argv[i], "status")) {
			status();
			continue;
		}
		e = probe(argv[i], argv[i + 1]);
		printf("%s %s: %s\n", argv[i], argv[i + 1], e ? strerrorname_np(e) : "ok");
	}
	return 0;
}
