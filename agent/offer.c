/* SPDX-License-Identifier: MIT */
#include "offer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/fileio.h"
#include "meshcap.h"

/* stdin for "-"; the same size limit either way. */
static int read_from(const char *path, char **buf, size_t *len, struct err *e)
{
	size_t n;
	char *b;

	if (strcmp(path, "-"))
		return file_read_all(path, OFFER_FILE_MAX, buf, len, e);
	b = malloc(OFFER_FILE_MAX + 1);
	if (!b)
		return err_set(e, ENOMEM, "stdin: out of memory");
	n = fread(b, 1, OFFER_FILE_MAX + 1, stdin);
	if (ferror(stdin) || n > OFFER_FILE_MAX) {
		free(b);
		return err_set(e, ferror(stdin) ? EIO : EFBIG, "stdin: %s",
			       ferror(stdin) ? "read error" : "too large");
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

int offer_load(const char *path, struct prov *p, struct err *e,
	       struct err *warn)
{
	char *buf = NULL;
	size_t len = 0;
	int rc;

	rc = read_from(path, &buf, &len, e);
	if (rc < 0)
		return rc;
	if (warn)
		memset(warn, 0, sizeof(*warn));
	rc = prov_parse(buf, len, p, e, warn);
	free(buf);
	if (rc < 0)
		return err_wrap(e, rc, "%s", path);
	return 0;
}

int offer_choose(const struct prov *p, int fixed, struct err *e)
{
	char cap[METHOD_CAPABILITY_MAX];
	int m;

	if (fixed >= 0)
		return fixed;
	if (p->n_order == 0) {
		err_set(e, ENOENT, "order is empty: the server offers no method (S2)");
		return -1;
	}
	m = method_pick(p->order, p->n_order);
	if (m < 0) {
		agent_capability(cap, sizeof(cap));
		err_set(e, ENOENT,
			"no method of the order (first: %s) is in this build (it has: %s)",
			method_name(p->order[0]), cap[0] ? cap : "none");
	}
	return m;
}

const char *offer_peer_name(const struct prov *p, enum method m)
{
	if (m == METHOD_DSLITE && p->dslite.present && !p->dslite.aftr_is_addr)
		return p->dslite.aftr;
	if (m == METHOD_LW4O6 && p->lw4o6.present && !p->lw4o6.lwaftr_is_addr)
		return p->lw4o6.lwaftr;
	return NULL;
}
