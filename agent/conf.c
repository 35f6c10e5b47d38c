/* SPDX-License-Identifier: MIT */
#include "conf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tunnels/method.h"
#include "config.h"
#include "dnsname.h"
#include "../util/fileio.h"
#include "request.h"

void config_defaults(struct v6mig_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->domain, sizeof(c->domain), "%s", CONFIG_DISCOVERY_DOMAIN);
	snprintf(c->vendorid, sizeof(c->vendorid), "%s", CONFIG_VENDORID);
	snprintf(c->product, sizeof(c->product), "%s", CONFIG_PRODUCT);
	snprintf(c->version, sizeof(c->version), "%s", CONFIG_VERSION);
	snprintf(c->state_dir, sizeof(c->state_dir), "%s", CONFIG_STATE_DIR);
	snprintf(c->run_dir, sizeof(c->run_dir), "%s", CONFIG_RUN_DIR);
	c->method = -1;
	c->log_level = LOG_LVL_INFO;
	c->timeout_s = 30;
	c->hook_timeout_s = 10;
}

static int copy_str(char *dst, size_t size, const char *v, const char *where,
		    const char *key, struct err *e)
{
	if (strlen(v) >= size)
		return err_set(e, EINVAL, "%s: %s '%s' is longer than %zu bytes",
			       where, key, v, size - 1);
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

/* A secret is never echoed, only what is wrong with it. */
static int copy_secret(char *dst, size_t size, const char *v, const char *where,
		       const char *key, struct err *e)
{
	if (strlen(v) >= size)
		return err_set(e, EINVAL, "%s: %s (%zu bytes) is longer than %zu bytes",
			       where, key, strlen(v), size - 1);
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

int config_read_secret(const char *path, char *dst, size_t size, struct err *e)
{
	char *buf = NULL;
	size_t n = 0;
	int rc = file_read_all(path, 4096, &buf, &n, e);

	if (rc < 0)
		return rc;
	if (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (n && buf[n - 1] == '\r')
		buf[--n] = '\0';
	if (n == 0 || n >= size || strlen(buf) != n || strchr(buf, '\n'))
		rc = err_set(e, EINVAL, "%s: not one line of 1-%zu bytes", path, size - 1);
	else
		memcpy(dst, buf, n + 1);
	memset(buf, 0, n);
	free(buf);
	return rc;
}

static int set_pass_file(struct v6mig_config *c, const char *v, const char *where,
			 struct err *e)
{
	struct err fe;

	if (v[0] != '/')
		return err_set(e, EINVAL, "%s: pass_file '%s' is not an absolute path",
			       where, v);
	if (config_read_secret(v, c->pass, sizeof(c->pass), &fe) < 0)
		return err_set(e, EINVAL, "%s: pass_file %s", where, fe.msg);
	return 0;
}

static int set_domain(struct v6mig_config *c, const char *v, const char *where,
		      struct err *e)
{
	/* Q1: the TXT owner name; an underscore is a DNS name's right. */
	if (!dns_name_valid(v, true))
		return err_set(e, EINVAL, "%s: domain '%.80s' is not a DNS name "
			       "(labels of 1-63 letters, digits, '-', '_'; at most 253 bytes)",
			       where, v);
	return copy_str(c->domain, sizeof(c->domain), v, where, "domain", e);
}

static bool ifname_ok(const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n >= IFNAMSIZ || !strcmp(v, ".") || !strcmp(v, ".."))
		return false;
	for (; *v; v++)
		if (*v == '/' || *v == ':' || isspace((unsigned char)*v) ||
		    !isprint((unsigned char)*v))
			return false;
	return true;
}

static int set_ifname(char *dst, const char *v, const char *where,
		      const char *key, struct err *e)
{
	if (!ifname_ok(v))
		return err_set(e, EINVAL, "%s: %s '%s' is not an interface name",
			       where, key, v);
	snprintf(dst, IFNAMSIZ, "%s", v);
	return 0;
}

static int set_path(char *dst, const char *v, const char *where,
		    const char *key, struct err *e)
{
	if (v[0] != '/')
		return err_set(e, EINVAL, "%s: %s '%s' is not an absolute path",
			       where, key, v);
	return copy_str(dst, CFG_PATH_MAX, v, where, key, e);
}

static int set_bool(bool *dst, const char *v, const char *where,
		    const char *key, struct err *e)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1"))
		*dst = true;
	else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0"))
		*dst = false;
	else
		return err_set(e, EINVAL, "%s: %s '%s' is not yes or no",
			       where, key, v);
	return 0;
}

static int set_uint(unsigned *dst, const char *v, unsigned min, unsigned max,
		    const char *where, const char *key, struct err *e)
{
	unsigned long n;
	char *end;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (!isdigit((unsigned char)v[0]) || *end || errno || n < min || n > max)
		return err_set(e, EINVAL, "%s: %s '%s' is not a number from %u to %u",
			       where, key, v, min, max);
	*dst = (unsigned)n;
	return 0;
}

/* ADDR[#PORT], ADDR an IPv4 or IPv6 literal (c-ares' server syntax). */
static int set_resolver(struct v6mig_config *c, const char *v,
			const char *where, struct err *e)
{
	char addr[CFG_STR_MAX];
	const char *hash = strchr(v, '#');
	struct in6_addr a6;
	struct in_addr a4;
	unsigned port;
	size_t n = hash ? (size_t)(hash - v) : strlen(v);

	if (c->n_resolvers >= CFG_MAX_RESOLVERS)
		return err_set(e, EINVAL, "%s: more than %d resolvers at '%s'",
			       where, CFG_MAX_RESOLVERS, v);
	if (n == 0 || n >= sizeof(addr))
		return err_set(e, EINVAL, "%s: resolver '%s' is not ADDR[#PORT]",
			       where, v);
	memcpy(addr, v, n);
	addr[n] = '\0';
	if (v6addr_parse(addr, &a6) < 0 && v4addr_parse(addr, &a4) < 0)
		return err_set(e, EINVAL, "%s: resolver '%s' is not an IP address",
			       where, v);
	if (hash && set_uint(&port, hash + 1, 1, 65535, where, "resolver port", e) < 0)
		return -EINVAL;
	snprintf(c->resolvers[c->n_resolvers++], CFG_STR_MAX, "%s", v);
	return 0;
}

static int set_lan(struct v6mig_config *c, const char *v, const char *where,
		   struct err *e)
{
	if (c->n_lan >= CFG_MAX_LAN)
		return err_set(e, EINVAL, "%s: more than %d lan interfaces at '%s'",
			       where, CFG_MAX_LAN, v);
	if (set_ifname(c->lan[c->n_lan], v, where, "lan", e) < 0)
		return -EINVAL;
	c->n_lan++;
	return 0;
}

static int set_log_level(struct v6mig_config *c, const char *v,
			 const char *where, struct err *e)
{
	static const struct { const char *name; enum log_level l; } levels[] = {
		{ "err", LOG_LVL_ERR }, { "warning", LOG_LVL_WARNING },
		{ "notice", LOG_LVL_NOTICE }, { "info", LOG_LVL_INFO },
		{ "debug", LOG_LVL_DEBUG },
	};

	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		if (!strcmp(v, levels[i].name)) {
			c->log_level = levels[i].l;
			return 0;
		}
	}
	return err_set(e, EINVAL,
		       "%s: log_level '%s' is not err, warning, notice, info or debug",
		       where, v);
}

static int set_method(struct v6mig_config *c, const char *v, const char *where,
		      struct err *e)
{
	int m = method_from_name(v);

	if (!strcmp(v, "auto")) {
		c->method = -1;
		return 0;
	}
	if (m < 0)
		return err_set(e, EINVAL, "%s: method '%s' is not one of 464xlat, dslite, ipip, lw4o6, map_e, map_t, auto",
			       where, v);
	if (!method_ops((enum method)m))
		return err_set(e, EINVAL, "%s: method '%s' is not in this build",
			       where, v);
	c->method = m;
	return 0;
}

/* `lan` and `resolvers` take a list separated by spaces or commas; a
 * repeated key (or flag) adds to the list. */
static int set_list(struct v6mig_config *c, const char *v, const char *where,
		    int (*add)(struct v6mig_config *, const char *,
			       const char *, struct err *),
		    struct err *e)
{
	char buf[1024], *save = NULL, *tok;
	int rc;

	if (snprintf(buf, sizeof(buf), "%s", v) >= (int)sizeof(buf))
		return err_set(e, EINVAL, "%s: list '%.40s...' is too long", where, v);
	for (tok = strtok_r(buf, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save)) {
		rc = add(c, tok, where, e);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int config_set(struct v6mig_config *c, const char *key, const char *v,
	       const char *where, struct err *e)
{
	if (!strcmp(key, "wan"))
		return set_ifname(c->wan, v, where, key, e);
	if (!strcmp(key, "lan"))
		return set_list(c, v, where, set_lan, e);
	if (!strcmp(key, "resolvers"))
		return set_list(c, v, where, set_resolver, e);
	if (!strcmp(key, "domain"))
		return set_domain(c, v, where, e);
	if (!strcmp(key, "vendorid"))
		return copy_str(c->vendorid, sizeof(c->vendorid), v, where, key, e);
	if (!strcmp(key, "product"))
		return copy_str(c->product, sizeof(c->product), v, where, key, e);
	if (!strcmp(key, "version"))
		return copy_str(c->version, sizeof(c->version), v, where, key, e);
	if (!strcmp(key, "ca_file"))
		return set_path(c->ca_file, v, where, key, e);
	if (!strcmp(key, "user"))
		return copy_str(c->user, sizeof(c->user), v, where, key, e);
	if (!strcmp(key, "pass"))
		return copy_secret(c->pass, sizeof(c->pass), v, where, key, e);
	if (!strcmp(key, "pass_file"))
		return set_pass_file(c, v, where, e);
	if (!strcmp(key, "server_name"))
		return copy_str(c->server_name, sizeof(c->server_name), v, where, key, e);
	if (!strcmp(key, "method"))
		return set_method(c, v, where, e);
	if (!strcmp(key, "provisioning_file"))
		return set_path(c->provisioning_file, v, where, key, e);
	if (!strcmp(key, "prefix")) {
		if (v6pfx_parse(v, true, &c->prefix) < 0)
			return err_set(e, EINVAL, "%s: prefix '%s' is not an IPv6 prefix",
				       where, v);
		c->has_prefix = true;
		return 0;
	}
	if (!strcmp(key, "state_dir"))
		return set_path(c->state_dir, v, where, key, e);
	if (!strcmp(key, "run_dir"))
		return set_path(c->run_dir, v, where, key, e);
	if (!strcmp(key, "log_level"))
		return set_log_level(c, v, where, e);
	if (!strcmp(key, "timeout"))
		return set_uint(&c->timeout_s, v, 1, 300, where, key, e);
	if (!strcmp(key, "keep_on_exit"))
		return set_bool(&c->keep_on_exit, v, where, key, e);
	if (!strcmp(key, "ipip_index"))
		return set_uint(&c->ipip_index, v, 0, 15, where, key, e);
	if (!strcmp(key, "hook"))
		return set_path(c->hook, v, where, key, e);
	if (!strcmp(key, "hook_timeout"))
		return set_uint(&c->hook_timeout_s, v, 1, 300, where, key, e);
	return err_set(e, EINVAL, "%s: unknown key '%s'", where, key);
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* One line: blank, # comment, or key = value. */
static int config_line(struct v6mig_config *c, char *line, const char *where,
		       struct err *e)
{
	char *eq, *key, *val;

	line = trim(line);
	if (!*line || *line == '#')
		return 0;
	eq = strchr(line, '=');
	if (!eq)
		return err_set(e, EINVAL, "%s: '%s' is not key = value", where, line);
	*eq = '\0';
	key = trim(line);
	val = trim(eq + 1);
	if (!*key)
		return err_set(e, EINVAL, "%s: missing key before '='", where);
	return config_set(c, key, val, where, e);
}

int config_load(struct v6mig_config *c, const char *path, struct err *e)
{
	struct v6mig_config tmp = *c;
	char line[1024], where[CFG_PATH_MAX + 16];
	unsigned lineno = 0;
	FILE *f = fopen(path, "re");
	int rc = 0;

	if (!f)
		return err_set(e, errno, "%s: %s", path, strerror(errno));
	while (rc == 0 && fgets(line, sizeof(line), f)) {
		lineno++;
		snprintf(where, sizeof(where), "%s:%u", path, lineno);
		if (!strchr(line, '\n') && !feof(f))
			rc = err_set(e, EINVAL, "%s: line longer than %zu bytes",
				     where, sizeof(line) - 2);
		else
			rc = config_line(&tmp, line, where, e);
	}
	if (rc == 0 && ferror(f))
		rc = err_set(e, EIO, "%s: read error", path);
	fclose(f);
	if (rc == 0)
		*c = tmp;
	return rc;
}

int config_check(const struct v6mig_config *c, struct err *e)
{
	struct req_params req = {
		.vendorid = c->vendorid, .product = c->product,
		.version = c->version,
		.user = c->user[0] ? c->user : NULL,
		.pass = c->pass[0] ? c->pass : NULL,
		.server_name = c->server_name[0] ? c->server_name : NULL,
	};
	int rc;

	/* R1-R3, R6: refused at start, not at the first fetch. */
	rc = req_validate(&req, e);
	if (rc < 0)
		return rc;
	if (!c->wan[0])
		return err_set(e, EINVAL, "no wan interface (config key wan, or --wan)");
	if (!c->user[0] != !c->pass[0])
		return err_set(e, EINVAL, "user and pass go together (HB46PP R6)");
	if (c->server_name[0] && !c->user[0])
		return err_set(e, EINVAL, "server_name '%s' is set without user and pass",
			       c->server_name);
	for (size_t i = 0; i < c->n_lan; i++)
		if (!strcmp(c->lan[i], c->wan))
			return err_set(e, EINVAL, "lan '%s' is also the wan", c->lan[i]);
	return 0;
}
