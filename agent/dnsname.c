/* SPDX-License-Identifier: MIT */
#include "dnsname.h"

#include <string.h>

static bool name_char(char c, bool underscore)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || (underscore && c == '_');
}

bool dns_name_valid(const char *s, bool underscore)
{
	size_t n = strnlen(s, DNS_NAME_MAX + 2), label = 0;

	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0 || n > DNS_NAME_MAX)
		return false;
	for (size_t i = 0; i <= n; i++) {
		char c = i < n ? s[i] : '.';

		if (c == '.') {
			/* RFC 1035 2.3.4: 63 bytes a label; RFC 1123 2.1:
			 * no hyphen at either end. */
			if (label == 0 || label > 63 || s[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!name_char(c, underscore) || (c == '-' && label == 0))
			return false;
		label++;
	}
	return true;
}
