/* SPDX-License-Identifier: MIT */
/* The one check of a DNS name in the agent: the discovery domain (Q1),
 * the provisioning server's host (D4, S1, R7), the AFTR / lwAFTR names
 * (S11, S12), every name handed to c-ares. Pure. */
#ifndef V6MIG_DNSNAME_H
#define V6MIG_DNSNAME_H

#include <stdbool.h>

#define DNS_NAME_MAX 253 /* RFC 1035 2.3.4, in text form, no final dot */

/* Letters, digits and '-' (and '_' when underscore: a DNS name, RFC 2181
 * 11, as a URL host or an owner name may be; a host name, RFC 1123 2.1,
 * has none); labels of 1-63 bytes neither starting nor ending with '-';
 * at most 253 bytes; one final dot allowed. */
bool dns_name_valid(const char *s, bool underscore);

#endif
