/* SPDX-License-Identifier: MIT */
#include "hbclass.h"

const char *hb_class_name(enum hb_class c)
{
	switch (c) {
	case HB_OK:
		return "ok";
	case HB_NOT_PROVISIONED:
		return "not_provisioned";
	case HB_DNS_FAILURE:
		return "dns_failure";
	case HB_NO_ANSWER:
		return "no_answer";
	case HB_BAD_ANSWER:
		return "bad_answer";
	}
	return "?";
}

int hb_class_exit(enum hb_class c)
{
	switch (c) {
	case HB_OK:
		return 0;
	case HB_NOT_PROVISIONED:
		return 3;
	case HB_DNS_FAILURE:
		return 4;
	case HB_NO_ANSWER:
		return 5;
	case HB_BAD_ANSWER:
		return 6;
	}
	return 1;
}
