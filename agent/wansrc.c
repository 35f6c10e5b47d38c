/* SPDX-License-Identifier: MIT */
#include "wansrc.h"

#include <errno.h>
#include <string.h>

#include "../netlink/rtnl.h"

int wan_source(const char *wan, struct in6_addr *out, struct err *e)
{
	struct wan_facts w;
	int rc;

	memset(&w, 0, sizeof(w));
	/* The facts' wan_addr is exactly that address (netlink/facts.c). */
	rc = wan_facts_read(wan, NULL, 0, &w, e);
	if (rc < 0)
		return rc;
	if (!w.has_wan_addr)
		return err_set(e, ENOENT, "no preferred global IPv6 address on %s", wan);
	*out = w.wan_addr;
	return 0;
}
