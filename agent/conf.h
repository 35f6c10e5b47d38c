/* SPDX-License-Identifier: MIT */
/* The daemon's configuration: /etc/v6mig/v6mig.conf, `key = value` lines,
 * with CLI overrides. Every key is documented in docs/v6mig.conf.5 and
 * configs/v6mig.conf.example. Unknown keys and bad values are refused
 * with the file name and line number. */
#ifndef V6MIG_CONF_H
#define V6MIG_CONF_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>

#include "../tunnels/addr.h"
#include "../tunnels/err.h"

#define CFG_MAX_LAN 8
#define CFG_MAX_RESOLVERS 4
#define CFG_PATH_MAX 256
#define CFG_STR_MAX 64

enum log_level { LOG_LVL_ERR = 3, LOG_LVL_WARNING = 4, LOG_LVL_NOTICE = 5,
		 LOG_LVL_INFO = 6, LOG_LVL_DEBUG = 7 };

struct v6mig_config {
	char wan[IFNAMSIZ];
	char lan[CFG_MAX_LAN][IFNAMSIZ];
	size_t n_lan;
	char resolvers[CFG_MAX_RESOLVERS][CFG_STR_MAX]; /* ADDR[#PORT] */
	size_t n_resolvers;
	char domain[254];
	char vendorid[CFG_STR_MAX];
	char product[CFG_STR_MAX];
	char version[CFG_STR_MAX];
	char ca_file[CFG_PATH_MAX];
	char user[CFG_STR_MAX];
	char pass[CFG_STR_MAX];         /* `pass`, or read from `pass_file` */
	char server_name[254];
	int method;                     /* fixed method (S8), -1 = by order */
	char provisioning_file[CFG_PATH_MAX]; /* fixed data: no discovery */
	bool has_prefix;
	struct v6pfx prefix;            /* forced end-user prefix */
	char state_dir[CFG_PATH_MAX];
	char run_dir[CFG_PATH_MAX];
	enum log_level log_level;
	unsigned timeout_s;             /* whole fetch, default 30 */
	bool keep_on_exit;
	unsigned ipip_index;
	/* Operating it (issue 14): the hook run on every state change, and
	 * how long it may take before it is killed. */
	char hook[CFG_PATH_MAX];
	unsigned hook_timeout_s;        /* default 10 */
};

/* Defaults from the build (Kconfig). */
void config_defaults(struct v6mig_config *c);
/* Read a file over c (missing file: -ENOENT, c untouched). On a bad line,
 * e says "FILE:LINE: ..." naming the key and value. */
int config_load(struct v6mig_config *c, const char *path, struct err *e);
/* Parse one `key = value` (also used for CLI overrides; where is put in
 * front of the message, e.g. "v6mig.conf:12" or "--wan"). */
int config_set(struct v6mig_config *c, const char *key, const char *value,
	       const char *where, struct err *e);
/* A secret from a file (pass_file, --pass-file): one line of 1 to
 * size-1 bytes, a final newline dropped. The value is never echoed. */
int config_read_secret(const char *path, char *dst, size_t size, struct err *e);
/* Checks across keys (wan given, user and pass together, ...). */
int config_check(const struct v6mig_config *c, struct err *e);

#endif
