/* SPDX-License-Identifier: MIT */
/* `v6mig-agent cache show|clear`: the stored provisioning data and token
 * (HB46PP 3.5: P1 keeps them, P2 asks for a way to erase them). The
 * token is shown by its first 8 digits only: it identifies the CPE to
 * the server and does not belong in screenshots or bug reports. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "commands.h"
#include "sequence.h"
#include "store.h"

#define TOKEN_SHOWN 8

static const char cache_usage[] =
	"usage: v6mig-agent cache show [--state-dir DIR] [--json]\n"
	"       v6mig-agent cache clear [--state-dir DIR] [--json]\n"
	"\n"
	"show: the last good provisioning data and the token kept for when the\n"
	"      server cannot be reached (HB46PP 3.5); exit 1 if a file is damaged.\n"
	"clear: erase them.\n";

struct cached {
	const char *dir;
	int prov_rc, token_rc;
	struct prov prov;
	time_t saved;
	char token[PROV_TOKEN_LEN + 1];
	struct err prov_err, token_err;
};

static void load(struct cached *c)
{
	c->prov_rc = store_load_prov(c->dir, &c->prov, &c->saved, &c->prov_err);
	c->token_rc = store_load_token(c->dir, c->token, &c->token_err);
	/* Fall back to the token inside the data (saved together). */
	if (c->token_rc == -ENOENT && c->prov_rc == 0 && c->prov.has_token) {
		memcpy(c->token, c->prov.token, sizeof(c->token));
		c->token_rc = 0;
	}
}

static const char *method_str(const struct cached *c)
{
	int m = c->prov_rc == 0 ? seq_pick_method(&c->prov, seq_build_methods(), -1, 0) : -1;

	return m >= 0 ? method_name((enum method)m) : NULL;
}

static void iso_time(time_t t, char *buf, size_t n)
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, n, "?");
}

static int show_json(struct cached *c)
{
	cJSON *o = cJSON_CreateObject(), *errs = cJSON_CreateArray();
	char when[32], tok[TOKEN_SHOWN + 1];
	const char *m = method_str(c);
	cJSON *pj = NULL;

	cJSON_AddStringToObject(o, "state_dir", c->dir);
	if (c->prov_rc == 0) {
		pj = prov_to_cjson(&c->prov);
		cJSON_DeleteItemFromObjectCaseSensitive(pj, "token");
		iso_time(c->saved, when, sizeof(when));
	}
	cJSON_AddItemToObject(o, "provisioning", pj ? pj : cJSON_CreateNull());
	cJSON_AddItemToObject(o, "saved", c->prov_rc == 0 ?
			      cJSON_CreateString(when) : cJSON_CreateNull());
	cJSON_AddItemToObject(o, "method", m ? cJSON_CreateString(m) : cJSON_CreateNull());
	snprintf(tok, sizeof(tok), "%.*s", TOKEN_SHOWN, c->token);
	cJSON_AddItemToObject(o, "token_prefix", c->token_rc == 0 ?
			      cJSON_CreateString(tok) : cJSON_CreateNull());
	if (c->prov_rc < 0 && c->prov_rc != -ENOENT)
		cJSON_AddItemToArray(errs, cJSON_CreateString(c->prov_err.msg));
	if (c->token_rc < 0 && c->token_rc != -ENOENT)
		cJSON_AddItemToArray(errs, cJSON_CreateString(c->token_err.msg));
	cJSON_AddItemToObject(o, "errors", errs);
	return cli_print_json(o);
}

static void show_summary(const struct prov *p, const char *m)
{
	printf("  enabler_name    %s\n", p->enabler_name[0] ? p->enabler_name : "-");
	printf("  service_name    %s\n", p->service_name[0] ? p->service_name : "-");
	if (p->isp_name[0])
		printf("  isp_name        %s\n", p->isp_name);
	if (p->has_ttl)
		printf("  ttl             %u s\n", p->ttl);
	else
		printf("  ttl             none (20-24 h)\n");
	printf("  auth            %s\n", prov_auth_name(p->auth));
	printf("  order          ");
	for (size_t i = 0; i < p->n_order; i++)
		printf(" %s", method_name(p->order[i]));
	printf("%s\n", p->n_order ? "" : " [] (no method offered)");
	printf("  method          %s\n", m ? m : "none this build can run");
}

static void show_data(const struct prov *p)
{
	cJSON *j = prov_to_cjson(p);
	char *s;

	cJSON_DeleteItemFromObjectCaseSensitive(j, "token");
	s = j ? cJSON_Print(j) : NULL;
	cJSON_Delete(j);
	if (s)
		printf("data\n%s\n", s);
	cJSON_free(s);
}

static int show_text(struct cached *c)
{
	char when[32];

	printf("state directory   %s\n", c->dir);
	if (c->prov_rc == 0) {
		iso_time(c->saved, when, sizeof(when));
		printf("provisioning      saved %s\n", when);
		show_summary(&c->prov, method_str(c));
		show_data(&c->prov);
	} else if (c->prov_rc == -ENOENT) {
		printf("provisioning      none stored\n");
	} else {
		printf("provisioning      unusable\n");
		fprintf(stderr, "%s: %s\n", cli_prog, c->prov_err.msg);
	}
	if (c->token_rc == 0)
		printf("token             %.*s... (64 hex digits)\n", TOKEN_SHOWN, c->token);
	else if (c->token_rc == -ENOENT)
		printf("token             none stored\n");
	else
		fprintf(stderr, "%s: %s\n", cli_prog, c->token_err.msg);
	return 0;
}

static int cache_show(const char *dir, bool json)
{
	struct cached c = { .dir = dir };
	int rc;

	load(&c);
	rc = json ? show_json(&c) : show_text(&c);
	prov_done(&c.prov);
	if (rc)
		return rc;
	return (c.prov_rc < 0 && c.prov_rc != -ENOENT) ||
	       (c.token_rc < 0 && c.token_rc != -ENOENT) ? 1 : 0;
}

static int cache_clear(const char *dir, bool json)
{
	struct err e;
	int n = store_erase(dir, &e);
	cJSON *o;

	if (n < 0) {
		fprintf(stderr, "%s: %s\n", cli_prog, e.msg);
		return 1;
	}
	if (!json) {
		if (n)
			printf("erased the stored provisioning data in %s (%d file%s)\n",
			       dir, n, n == 1 ? "" : "s");
		else
			printf("nothing stored in %s\n", dir);
		return 0;
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "state_dir", dir);
	cJSON_AddNumberToObject(o, "erased", n);
	return cli_print_json(o);
}

enum { OPT_STATE_DIR = 256, OPT_JSON };

static const struct option cache_opts[] = {
	{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int cmd_cache(int argc, char **argv)
{
	const char *dir = store_default_dir(), *what;
	bool json = false;
	int c;

	cli_prog = "v6mig-agent cache";
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", cache_opts, NULL)) != -1) {
		switch (c) {
		case OPT_STATE_DIR:
			if (!*optarg)
				return cli_usage_error("--state-dir needs a directory");
			dir = optarg;
			break;
		case OPT_JSON:
			json = true;
			break;
		case 'h':
			fputs(cache_usage, stdout);
			printf("default DIR: %s\n", store_default_dir());
			return 0;
		case ':':
			return cli_usage_error("option '%s' needs a value", argv[optind - 1]);
		default:
			return cli_usage_error("unknown option '%s' (see --help)", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("%s", optind == argc ? "show or clear? (see --help)" :
				       "one action only (see --help)");
	what = argv[optind];
	if (!strcmp(what, "show"))
		return cache_show(dir, json);
	if (!strcmp(what, "clear"))
		return cache_clear(dir, json);
	return cli_usage_error("unknown action '%s': show or clear", what);
}
