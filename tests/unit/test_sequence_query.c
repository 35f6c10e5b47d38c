/* SPDX-License-Identifier: MIT */
/* The HB46PP 3.6 query-and-wait sequence (Q1-Q8) with a fake clock and a
 * fake random source: every transition, and the window edges with the
 * random value at its minimum and at its maximum. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>

#include "prov_util.h"
#include "seq_util.h"

/* ---- Q1 ---------------------------------------------------------------- */

static void test_Q1_start_queries(void **state)
{
	struct t t;

	(void)state;
	t_init(&t, BIT(METHOD_DSLITE), -1, R_MIN);
	assert_int_equal(t.s.state, SEQ_STOPPED);
	assert_int_equal(start(&t, NULL), 0);
	assert_string_equal(acts(&t), "query");
	assert_int_equal(t.s.state, SEQ_STARTING);
	assert_int_equal(t.s.busy, SEQ_QUERYING);
	assert_string_equal(seq_state_name(t.s.state), "starting");
	/* Started twice: ignored. */
	assert_int_equal(start(&t, NULL), -EALREADY);
	assert_int_equal(t.a.n, 0);
	seq_done(&t.s);
}

/* ---- Q2 ---------------------------------------------------------------- */

static void test_Q2_not_provisioned_tears_down_waits_1_to_3_h(void **state)
{
	struct t t;

	(void)state;
	running_dslite(&t, R_MIN);
	EXPECT_RESULT(&t, HB_NOT_PROVISIONED, NULL, "teardown:dslite arm:+3600");
	assert_int_equal(t.s.state, SEQ_UNCONFIGURED);
	assert_int_equal(t.s.running, -1);
	assert_int_equal(t.r.lo, 3600);
	assert_int_equal(t.r.hi, 10800);
	seq_done(&t.s);

	running_dslite(&t, R_MAX);
	EXPECT_RESULT(&t, HB_NOT_PROVISIONED, NULL, "teardown:dslite arm:+10800");
	/* Nothing running: nothing to tear down. */
	t.now += 10800;
	EXPECT_EV(&t, SEQ_EV_TIMER, "query");
	EXPECT_RESULT(&t, HB_NOT_PROVISIONED, NULL, "arm:+10800");
	seq_done(&t.s);
}

/* ---- Q3-Q5 --------------------------------------------------------------- */

static void check_failure(enum hb_class c, enum rmode mode, const char *want,
			  uint32_t lo, uint32_t hi)
{
	struct t t;

	running_dslite(&t, mode);
	EXPECT_RESULT(&t, c, NULL, want);
	assert_int_equal(t.s.state, SEQ_BACKOFF);
	assert_int_equal(t.s.running, METHOD_DSLITE); /* kept */
	assert_int_equal(t.r.lo, lo);
	assert_int_equal(t.r.hi, hi);
	assert_string_equal(seq_state_name(t.s.state), "backoff");
	/* The retry comes at the deadline, not before. */
	t.now = t.s.deadline - 1;
	EXPECT_EV(&t, SEQ_EV_TIMER, "arm:+1");
	t.now++;
	EXPECT_EV(&t, SEQ_EV_TIMER, "query");
	seq_done(&t.s);
}

static void test_Q3_dns_failure_keeps_waits_1_to_10_min(void **state)
{
	(void)state;
	check_failure(HB_DNS_FAILURE, R_MIN, "keep:dslite arm:+60", 60, 600);
	check_failure(HB_DNS_FAILURE, R_MAX, "keep:dslite arm:+600", 60, 600);
}

static void test_Q4_no_answer_keeps_waits_10_to_30_min(void **state)
{
	(void)state;
	check_failure(HB_NO_ANSWER, R_MIN, "keep:dslite arm:+600", 600, 1800);
	check_failure(HB_NO_ANSWER, R_MAX, "keep:dslite arm:+1800", 600, 1800);
}

static void test_Q5_bad_answer_keeps_waits_10_to_30_min(void **state)
{
	(void)state;
	check_failure(HB_BAD_ANSWER, R_MIN, "keep:dslite arm:+600", 600, 1800);
	check_failure(HB_BAD_ANSWER, R_MAX, "keep:dslite arm:+1800", 600, 1800);
}

/* Q3-Q5 with nothing running: back off, configure nothing. */
static void test_Q3_Q5_failure_at_start_without_stored_data(void **state)
{
	struct t t;

	(void)state;
	t_init(&t, BIT(METHOD_DSLITE), -1, R_MIN);
	assert_int_equal(start(&t, NULL), 0);
	EXPECT_RESULT(&t, HB_DNS_FAILURE, NULL, "arm:+60");
	assert_int_equal(t.s.state, SEQ_BACKOFF);
	assert_int_equal(t.s.running, -1);
	seq_done(&t.s);
}

/* ---- Q6 ---------------------------------------------------------------- */

static void test_Q6_same_settings_no_reconfigure(void **state)
{
	struct t t;
	const struct prov *stored;

	(void)state;
	running_dslite(&t, R_MIN);
	/* Same AFTR, another ttl: keep, wait the new ttl, store the data. */
	EXPECT_RESULT(&t, HB_OK, DSLITE_A_TTL, "keep:dslite arm:+7200 store");
	stored = act_prov(&t, SEQ_ACT_STORE);
	assert_non_null(stored);
	assert_int_equal(stored->ttl, 7200);
	assert_int_equal(t.s.current.ttl, 7200);
	assert_int_equal(t.s.state, SEQ_CONFIGURED);
	seq_done(&t.s);
}

static void test_Q6_changed_settings_reconfigure(void **state)
{
	struct t t;
	const struct prov *p;

	(void)state;
	running_dslite(&t, R_MIN);
	EXPECT_RESULT(&t, HB_OK, DSLITE_B, "configure:dslite store");
	p = act_prov(&t, SEQ_ACT_CONFIGURE);
	assert_string_equal(p->dslite.aftr, "b.example");
	assert_ptr_equal(p, act_prov(&t, SEQ_ACT_STORE));
	/* While applying, a timer or another result answers nothing. */
	assert_int_equal(ev(&t, SEQ_EV_TIMER), -EALREADY);
	assert_int_equal(result(&t, HB_OK, DSLITE_A), -EALREADY);
	EXPECT_APPLIED(&t, true, "arm:+3600");
	assert_string_equal(t.s.current.dslite.aftr, "b.example");
	seq_done(&t.s);
}

/* A new first choice in order wins over the running method. */
static void test_Q6_order_change_switches_method(void **state)
{
	struct t t;

	(void)state;
	running_dslite(&t, R_MIN);
	EXPECT_RESULT(&t, HB_OK, MAPE_DS, "configure:map_e store");
	assert_int_equal(applied(&t, true), 0);
	assert_int_equal(t.s.running, METHOD_MAP_E);
	seq_done(&t.s);
}

/* ---- Q7 ---------------------------------------------------------------- */

static void test_Q7_ttl_or_20_to_24_h(void **state)
{
	struct t t;

	(void)state;
	for (int mode = R_MIN; mode <= R_MAX; mode++) {
		t_init(&t, BIT(METHOD_DSLITE), -1, (enum rmode)mode);
		start(&t, NULL);
		result(&t, HB_OK, NO_TTL);
		EXPECT_APPLIED(&t, true, mode == R_MIN ? "arm:+72000" : "arm:+86400");
		assert_int_equal(t.r.lo, 72000);
		assert_int_equal(t.r.hi, 86400);
		seq_done(&t.s);
	}
	/* ttl is waited exactly, whatever the random source says. */
	running_dslite(&t, R_MAX);
	EXPECT_RESULT(&t, HB_OK, DSLITE_A, "keep:dslite arm:+3600 store");
	seq_done(&t.s);
}

/* ttl 1 does not become a query a second; 604800 is waited in full. */
static void test_Q7_ttl_floor_and_ceiling(void **state)
{
	uint32_t lo, hi;
	struct prov p;

	(void)state;
	p = mk_prov("{\"ttl\":1,\"order\":[]}");
	seq_wait_window(HB_OK, &p, &lo, &hi);
	assert_int_equal(lo, SEQ_TTL_FLOOR);
	assert_int_equal(hi, SEQ_TTL_FLOOR);
	prov_done(&p);
	p = mk_prov("{\"ttl\":999999,\"order\":[]}"); /* clamped by S5 */
	seq_wait_window(HB_OK, &p, &lo, &hi);
	assert_int_equal(lo, 604800);
	assert_int_equal(hi, 604800);
	prov_done(&p);
	p = mk_prov("{\"ttl\":0,\"order\":[]}");
	seq_wait_window(HB_OK, &p, &lo, &hi);
	assert_int_equal(lo, 72000);
	assert_int_equal(hi, 86400);
	prov_done(&p);
	seq_wait_window(HB_OK, NULL, &lo, &hi);
	assert_int_equal(lo, 72000);
	seq_wait_window(HB_NOT_PROVISIONED, NULL, &lo, &hi);
	assert_true(lo == 3600 && hi == 10800);
	seq_wait_window(HB_DNS_FAILURE, NULL, &lo, &hi);
	assert_true(lo == 60 && hi == 600);
	seq_wait_window(HB_NO_ANSWER, NULL, &lo, &hi);
	assert_true(lo == 600 && hi == 1800);
	seq_wait_window(HB_BAD_ANSWER, NULL, &lo, &hi);
	assert_true(lo == 600 && hi == 1800);
}

/* A random source that leaves the window is held inside it. */
static void test_Q7_random_source_clamped_to_window(void **state)
{
	struct t t;

	(void)state;
	check_failure(HB_NO_ANSWER, R_LOW, "keep:dslite arm:+600", 600, 1800);
	check_failure(HB_NO_ANSWER, R_HIGH, "keep:dslite arm:+1800", 600, 1800);
	t_init(&t, BIT(METHOD_DSLITE), -1, R_MIN);
	t.s.cfg.rnd = NULL; /* no source at all: the window's minimum */
	start(&t, NULL);
	EXPECT_RESULT(&t, HB_DNS_FAILURE, NULL, "arm:+60");
	seq_done(&t.s);
}

/* ---- Q8 ---------------------------------------------------------------- */

static void test_Q8_wan_change_queries_at_once_with_hold_off(void **state)
{
	struct t t;
	uint64_t q;

	(void)state;
	running_dslite(&t, R_MIN);
	q = t.now;
	EXPECT_RESULT(&t, HB_OK, DSLITE_A, "keep:dslite arm:+3600 store");
	/* 3 s after the last query: held off until 10 s after it. */
	t.now = q + 3;
	EXPECT_EV(&t, SEQ_EV_WAN_CHANGED, "arm:+7");
	assert_int_equal(t.s.deadline, q + SEQ_WAN_HOLDOFF);
	t.now = q + SEQ_WAN_HOLDOFF;
	EXPECT_EV(&t, SEQ_EV_TIMER, "query");
	/* Later changes query at once. */
	EXPECT_RESULT(&t, HB_OK, DSLITE_A, "configure:dslite store");
	EXPECT_APPLIED(&t, true, "arm:+3600");
	t.now += 500;
	EXPECT_EV(&t, SEQ_EV_WAN_CHANGED, "query");
	seq_done(&t.s);
}

/* The same data after an address change: set up again for the new
 * address (the plan depends on it), not kept. */
static void test_Q8_wan_change_replans_same_data(void **state)
{
	struct t t;

	(void)state;
	running_dslite(&t, R_MIN);
	assert_int_equal(result(&t, HB_OK, DSLITE_A), 0);
	t.now += 100;
	EXPECT_EV(&t, SEQ_EV_WAN_CHANGED, "query");
	EXPECT_RESULT(&t, HB_OK, DSLITE_A, "configure:dslite store");
	EXPECT_APPLIED(&t, true, "arm:+3600");
	/* And the next identical answer is kept again. */
	t.now += 3600;
	ev(&t, SEQ_EV_TIMER);
	EXPECT_RESULT(&t, HB_OK, DSLITE_A, "keep:dslite arm:+3600 store");
	seq_done(&t.s);
}

/* The server unreachable after an address change: the running method
 * is still set up again from the data it runs. */
static void test_Q8_wan_change_then_failure_replans_current(void **state)
{
	struct t t;

	(void)state;
	running_dslite(&t, R_MIN);
	assert_int_equal(result(&t, HB_OK, DSLITE_A), 0);
	t.now += 100;
	ev(&t, SEQ_EV_WAN_CHANGED);
	EXPECT_RESULT(&t, HB_DNS_FAILURE, NULL, "configure:dslite");
	assert_string_equal(act_prov(&t, SEQ_ACT_CONFIGURE)->dslite.aftr, "a.example");
	EXPECT_APPLIED(&t, true, "arm:+60");
	assert_int_equal(t.s.state, SEQ_BACKOFF);
	assert_int_equal(t.s.running, METHOD_DSLITE);
	seq_done(&t.s);
}

/* A change while a query is out: its answer is used, then ask again. */
static void test_Q8_wan_change_while_querying(void **state)
{
	struct t t;
	uint64_t q;

	(void)state;
	running_dslite(&t, R_MIN);
	q = t.now;
	t.now += 2;
	assert_int_equal(ev(&t, SEQ_EV_WAN_CHANGED), 0);
	assert_int_equal(t.a.n, 0);
	t.now += 1;
	EXPECT_RESULT(&t, HB_OK, DSLITE_A, "configure:dslite store"); /* replan */
	t.now += 30;
	EXPECT_APPLIED(&t, true, "query");
	assert_int_equal(t.s.last_query, q + 33);
	/* During an apply too: the plan may predate the change. */
	EXPECT_RESULT(&t, HB_OK, DSLITE_B, "configure:dslite store");
	t.now += 1;
	ev(&t, SEQ_EV_WAN_CHANGED);
	EXPECT_APPLIED(&t, true, "arm:+9");
	t.now += 9;
	EXPECT_EV(&t, SEQ_EV_TIMER, "query");
	EXPECT_RESULT(&t, HB_OK, DSLITE_B, "configure:dslite store");
	seq_done(&t.s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_Q1_start_queries),
		cmocka_unit_test(test_Q2_not_provisioned_tears_down_waits_1_to_3_h),
		cmocka_unit_test(test_Q3_dns_failure_keeps_waits_1_to_10_min),
		cmocka_unit_test(test_Q4_no_answer_keeps_waits_10_to_30_min),
		cmocka_unit_test(test_Q5_bad_answer_keeps_waits_10_to_30_min),
		cmocka_unit_test(test_Q3_Q5_failure_at_start_without_stored_data),
		cmocka_unit_test(test_Q6_same_settings_no_reconfigure),
		cmocka_unit_test(test_Q6_changed_settings_reconfigure),
		cmocka_unit_test(test_Q6_order_change_switches_method),
		cmocka_unit_test(test_Q7_ttl_or_20_to_24_h),
		cmocka_unit_test(test_Q7_ttl_floor_and_ceiling),
		cmocka_unit_test(test_Q7_random_source_clamped_to_window),
		cmocka_unit_test(test_Q8_wan_change_queries_at_once_with_hold_off),
		cmocka_unit_test(test_Q8_wan_change_replans_same_data),
		cmocka_unit_test(test_Q8_wan_change_then_failure_replans_current),
		cmocka_unit_test(test_Q8_wan_change_while_querying),
	};

	return cmocka_run_group_tests_name("sequence_query", tests, NULL, NULL);
}
