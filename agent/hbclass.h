/* SPDX-License-Identifier: MIT */
/* The outcome classes of one discovery + fetch + validation (HB46PP 3.6),
 * shared by discover/fetch (which produce them), the sequence (which waits
 * by them), probe (exit codes) and status. */
#ifndef V6MIG_HBCLASS_H
#define V6MIG_HBCLASS_H

enum hb_class {
	HB_OK,              /* valid data, including order: [] (S2) */
	HB_NOT_PROVISIONED, /* NXDOMAIN, NODATA, no valid record (Q2, D3-D5) */
	HB_DNS_FAILURE,     /* timeout, SERVFAIL, REFUSED, no resolver (Q3) */
	HB_NO_ANSWER,       /* connect/TLS failure, timeout (Q4) */
	HB_BAD_ANSWER,      /* 403/404/other status, bad body (Q5) */
};
#define HB_NCLASS (HB_BAD_ANSWER + 1)

/* "not_provisioned", ... as in probe's JSON and status. */
const char *hb_class_name(enum hb_class c);
/* probe's exit code: 0, 3, 4, 5, 6. */
int hb_class_exit(enum hb_class c);

#endif
