/* SPDX-License-Identifier: MIT */
/* HB46PP 1.2 (June 2025) against 1.1, clause by clause: where they
 * differ, and where 1.2 only says what 1.1 already meant.
 *
 *  1.2 change                              1.1                       we
 *  ------------------------------------------------------------------------------
 *  top-level boolean ipv6_mostly           unknown key, ignored (S3) parsed (true/false/0/1
 *                                                                     like S9's mesh), stored
 *                                                                     (P1), in status and the hook
 *  464xlat.nat64prefix present when        an offer only (S13):      kept as LAN information
 *  464xlat is not in order                 not in order = unused     (NAT64 prefix for PREF64,
 *                                                                     RFC 8781; DHCPv4 option 108,
 *                                                                     RFC 8925, with ipv6_mostly)
 *  a malformed TXT = NXDOMAIN              D5 + Q2: the same         not_provisioned: tear
 *                                                                     down, 1-3 h
 *  any other HTTP status, or no reply,     S1 + Q5 / Q4: the same    bad_answer / no_answer:
 *  -> wait 10-30 min                                                  10-30 min, keep running
 *
 * So the sequence needs no change for 1.2; the data gains two facts. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../agent/sequence.h"
#include "../../agent/txt.h"
#include "prov_util.h"

static uint32_t rnd_min(void *ctx, uint32_t min, uint32_t max)
{
	(void)ctx;
	(void)max;
	return min;
}

/* The sequence from start to its first decision on class c: the wait it
 * arms, and whether it tore something down. */
static uint64_t decide(enum hb_class c, bool *teardown)
{
	struct seq_config cfg = { .methods = ~0u, .fixed = -1, .rnd = rnd_min };
	struct seq_event start = { .type = SEQ_EV_START }, res = { .type = SEQ_EV_RESULT, .cls = c };
	struct seq_actions a = { 0 };
	uint64_t wait = 0;
	struct seq s;

	seq_init(&s, &cfg);
	assert_int_equal(seq_step(&s, &start, 100, &a), 0);
	memset(&a, 0, sizeof(a));
	assert_int_equal(seq_step(&s, &res, 100, &a), 0);
	*teardown = false;
	for (size_t i = 0; i < a.n; i++) {
		if (a.a[i].type == SEQ_ACT_ARM)
			wait = a.a[i].deadline - 100;
		*teardown |= a.a[i].type == SEQ_ACT_TEARDOWN;
	}
	seq_done(&s);
	return wait;
}

/* 1.2: "a malformed TXT record is treated as NXDOMAIN" -- 1.1's D5 + Q2. */
static void test_12_malformed_txt_is_nxdomain(void **state)
{
	static const char *const recs[] = {
		"v=v6mig-1 url=https://prov.example/x",             /* no t */
		"v=v6mig-1 url=https://prov.example/x t=c",         /* bad t */
		"v=v6mig-1 url=http://prov.example/x t=b",          /* http with t=b (D4) */
		"v=v6mig-1 garbage url=https://prov.example/x t=b", /* a token without '=' */
	};
	struct txt_result out;
	struct err e;
	bool td;

	(void)state;
	for (size_t i = 0; i < sizeof(recs) / sizeof(recs[0]); i++) {
		size_t len = strlen(recs[i]);

		assert_int_equal(txt_select(&recs[i], &len, 1, &out, &e), -EINVAL);
	}
	/* discover.c classes that not_provisioned (D5); the sequence: Q2 */
	assert_int_equal(decide(HB_NOT_PROVISIONED, &td), SEQ_Q2_MIN);
	assert_int_equal(SEQ_Q2_MIN, 3600);
	assert_int_equal(SEQ_Q2_MAX, 10800);
}

/* 1.2: "any other HTTP status, or no reply: wait 10-30 min" -- 1.1's Q4/Q5. */
static void test_12_other_status_or_no_reply_waits_10_to_30_min(void **state)
{
	bool td;

	(void)state;
	assert_int_equal(decide(HB_BAD_ANSWER, &td), 600);  /* 500, 301, ... (S1) */
	assert_false(td);
	assert_int_equal(decide(HB_NO_ANSWER, &td), 600);   /* no reply */
	assert_false(td);
	assert_int_equal(SEQ_Q45_MAX, 1800);
}

/* 1.2: ipv6_mostly, as tolerant as the rest (true/1, false/0). */
static void test_12_ipv6_mostly_types(void **state)
{
	static const struct { const char *v; bool want; } ok[] = {
		{ "true", true }, { "1", true }, { "false", false }, { "0", false },
	};
	struct prov p;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char *j = fmt("{\"order\":[],\"ipv6_mostly\":%s}", ok[i].v);

		parse_ok(j, &p, NULL);
		assert_true(p.has_ipv6_mostly);
		assert_int_equal(p.ipv6_mostly, ok[i].want);
		prov_done(&p);
		free(j);
	}
	parse_ok("{\"order\":[]}", &p, NULL);
	assert_false(p.has_ipv6_mostly);  /* 1.1 data: absent, not false */
	prov_done(&p);
	refuse("{\"order\":[],\"ipv6_mostly\":2}", "ipv6_mostly: 2 is not true, false, 0 or 1");
}

/* 1.2: the NAT64 prefix without 464xlat in order is LAN information: kept,
 * and kept in what is stored (P1 writes prov_to_json). */
static void test_12_nat64prefix_outside_order_kept_and_stored(void **state)
{
	struct prov p, back;
	struct err e, warn;
	char *j;

	(void)state;
	parse_ok("{\"order\":[],\"ipv6_mostly\":true,\"464xlat\":{\"nat64prefix\":\"64:ff9b::/96\"}}",
		 &p, NULL);
	assert_true(p.xlat.present);
	assert_false(prov_in_order(&p, METHOD_464XLAT));
	assert_int_equal(p.xlat.nat64prefix.len, 96);
	j = prov_to_json(&p, false);
	assert_non_null(strstr(j, "\"ipv6_mostly\":true"));
	assert_non_null(strstr(j, "\"nat64prefix\":\"64:ff9b::/96\""));
	assert_int_equal(prov_parse(j, strlen(j), &back, &e, &warn), 0);
	assert_true(prov_equal(&p, &back));
	free(j);
	prov_done(&back);
	prov_done(&p);
	/* a bad prefix there is dropped with a warning, the answer stands */
	parse_ok("{\"order\":[],\"ipv6_mostly\":1,\"464xlat\":{\"nat64prefix\":\"bogus\"}}", &p, &warn);
	assert_false(p.xlat.present);
	assert_true(p.ipv6_mostly);
	assert_non_null(strstr(warn.msg, "464xlat"));
	prov_done(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_12_malformed_txt_is_nxdomain),
		cmocka_unit_test(test_12_other_status_or_no_reply_waits_10_to_30_min),
		cmocka_unit_test(test_12_ipv6_mostly_types),
		cmocka_unit_test(test_12_nat64prefix_outside_order_kept_and_stored),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
