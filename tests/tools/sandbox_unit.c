/* SPDX-License-Identifier: MIT */
/* sandbox_exec: the unit's [Service] section read into struct sb (each
 * directive applied, or known as lifecycle, or refused), and the syscall
 * groups of `systemd-analyze syscall-filter`. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "sandbox.h"

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

void parse_unit(struct sb *s, const char *path)
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

void load_sets(const char *path)
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
void expand(const char *name, struct list *out, int depth)
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
