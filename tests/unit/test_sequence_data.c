/* SPDX-License-Identifier: MIT */
/* The HB46PP 3.6 sequence on the data it gets: stored data (P1), choosing
 * the method (S2, S8), and what runs when an apply fails or the kernel
 * already holds a method at start. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>

#include "prov_util.h"
#include "seq_util.h"

/* ---- P1: stored data ------------------------------------------------------ */

static void test_P1_stored_data_when_server_unreachable(void **state)
{
	static const enum hb_class unreachable[] = { HB_DNS_FAILURE, HB_NO_ANSWER };

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		struct t t;
		uint32_t lo, hi;

		t_init(&t, BIT(METHOD_DSLITE), -1, R_MIN);
		assert_int_equal(start(&t, DSLITE_B), 0);
		assert_string_equal(acts(&t), "query");
		EXPECT_RESULT(&t, unreachable[i], NULL, "configure:dslite"); /* no store */
		assert_string_equal(act_prov(&t, SEQ_ACT_CONFIGURE)->dslite.aftr, "b.example");
		assert_int_equal(applied(&t, true), 0);
		seq_wait_window(unreachable[i], NULL, &lo, &hi);
		assert_int_equal(t.a.n, 1);
		assert_int_equal(t.a.a[0].deadline, t.now + lo);
		assert_int_equal(t.s.state, SEQ_BACKOFF);
		assert_int_equal(t.s.running, METHOD_DSLITE);
		/* Still unreachable: keep it. */
		at_deadline(&t);
		EXPECT_RESULT(&t, unreachable[i], NULL, i ? "keep:dslite arm:+600" : "keep:dslite arm:+60");
		/* The server back with other data: reconfigure from it. */
		at_deadline(&t);
		EXPECT_RESULT(&t, HB_OK, DSLITE_A, "configure:dslite store");
		seq_done(&t.s);
	}
}

/* Stored data is for an unreachable server only: not after the server
 * (or the DNS) said something. */
static void test_P1_not_used_when_server_answered(void **state)
{
	struct t t;

	(void)state;
	t_init(&t, BIT(METHOD_DSLITE), -1, R_MIN);
	start(&t, DSLITE_A);
	EXPECT_RESULT(&t, HB_BAD_ANSWER, NULL, "arm:+600");
	at_deadline(&t);
	EXPECT_RESULT(&t, HB_NO_ANSWER, NULL, "arm:+600");
	assert_int_equal(t.s.running, -1);
	seq_done(&t.s);

	t_init(&t, BIT(METHOD_DSLITE), -1, R_MIN);
	start(&t, DSLITE_A);
	EXPECT_RESULT(&t, HB_NOT_PROVISIONED, NULL, "arm:+3600");
	at_deadline(&t);
	EXPECT_RESULT(&t, HB_DNS_FAILURE, NULL, "arm:+60");
	seq_done(&t.s);
}

/* Stored data whose methods all fail: nothing runs, retry the server. */
static void test_P1_stored_data_that_fails(void **state)
{
	struct t t;

	(void)state;
	t_init(&t, BIT(METHOD_DSLITE), -1, R_MIN);
	start(&t, DSLITE_A);
	result(&t, HB_DNS_FAILURE, NULL);
	assert_string_equal(acts(&t), "configure:dslite");
	EXPECT_APPLIED(&t, false, "arm:+60");
	assert_int_equal(t.s.state, SEQ_UNCONFIGURED);
	assert_int_equal(t.s.running, -1);
	seq_done(&t.s);
}

/* ---- S2 / S8: choosing the method ---------------------------------------- */

static void test_S2_order_empty_tears_down_waits_ttl(void **state)
{
	struct t t;

	(void)state;
	running_dslite(&t, R_MAX);
	EXPECT_RESULT(&t, HB_OK, EMPTY, "teardown:dslite arm:+5000 store");
	assert_int_equal(act_prov(&t, SEQ_ACT_STORE)->n_order, 0);
	assert_int_equal(t.s.state, SEQ_UNCONFIGURED);
	assert_string_equal(seq_state_name(t.s.state), "unconfigured");
	assert_int_equal(t.s.running, -1);
	/* And at start, with nothing running: nothing to tear down. */
	at_deadline(&t);
	EXPECT_RESULT(&t, HB_OK, EMPTY, "arm:+5000 store");
	seq_done(&t.s);
}

/* S8: the first entry this build has; the next when applying fails; the
 * failed one is not retried while its settings stay the same (Q6). */
static void test_S8_fall_through_when_apply_fails(void **state)
{
	struct t t;

	(void)state;
	t_init(&t, BIT(METHOD_DSLITE) | BIT(METHOD_MAP_E), -1, R_MIN);
	start(&t, NULL);
	EXPECT_RESULT(&t, HB_OK, MAPE_DS, "configure:map_e store");
	EXPECT_APPLIED(&t, false, "configure:dslite");
	EXPECT_APPLIED(&t, true, "arm:+3600");
	assert_int_equal(t.s.running, METHOD_DSLITE);
	t.now += 3600;
	ev(&t, SEQ_EV_TIMER);
	EXPECT_RESULT(&t, HB_OK, MAPE_DS, "keep:dslite arm:+3600 store");
	/* An address change gives map_e another chance. */
	t.now += 60;
	ev(&t, SEQ_EV_WAN_CHANGED);
	EXPECT_RESULT(&t, HB_OK, MAPE_DS, "configure:map_e store");
	seq_done(&t.s);
}

static void test_S8_methods_not_built_are_skipped(void **state)
{
	struct t t;
	struct prov p = mk_prov(MAPE_DS);

	(void)state;
	assert_int_equal(seq_pick_method(&p, BIT(METHOD_DSLITE), -1, 0), METHOD_DSLITE);
	assert_int_equal(seq_pick_method(&p, BIT(METHOD_MAP_E) | BIT(METHOD_DSLITE), -1, 0),
			 METHOD_MAP_E);
	assert_int_equal(seq_pick_method(&p, BIT(METHOD_IPIP), -1, 0), -1);
	assert_int_equal(seq_pick_method(&p, ~0u, -1, BIT(METHOD_MAP_E) | BIT(METHOD_DSLITE)), -1);
	prov_done(&p);

	t_init(&t, BIT(METHOD_IPIP), -1, R_MIN);
	start(&t, NULL);
	EXPECT_RESULT(&t, HB_OK, MAPE_DS, "arm:+3600 store");
	assert_int_equal(t.s.state, SEQ_UNCONFIGURED);
	seq_done(&t.s);
}

/* S8 SHOULD: a fixed mode chosen by the user, regardless of order. */
static void test_S8_fixed_mode(void **state)
{
	struct prov p = mk_prov("{\"order\":[\"map_e\"],\"dslite\":{\"aftr\":\"a.example\"},"
			   "\"map_e\":{\"br\":\"2001:db8::1\",\"rules\":[{\"ipv6\":\"2001:db8::/40\","
			   "\"ipv4\":\"192.0.2.0/24\",\"ea_length\":16}]}}");

	(void)state;
	assert_int_equal(seq_pick_method(&p, ~0u, METHOD_DSLITE, 0), METHOD_DSLITE);
	assert_int_equal(seq_pick_method(&p, ~0u, METHOD_IPIP, 0), -1);
	assert_int_equal(seq_pick_method(&p, BIT(METHOD_MAP_E), METHOD_DSLITE, 0), -1);
	assert_int_equal(seq_pick_method(&p, ~0u, METHOD_DSLITE, BIT(METHOD_DSLITE)), -1);
	prov_done(&p);
}

/* New data that cannot be applied at all: back to what ran before. */
static void test_Q5_unusable_new_data_restores_previous(void **state)
{
	struct t t;

	(void)state;
	running_dslite(&t, R_MIN);
	EXPECT_RESULT(&t, HB_OK, DSLITE_B, "configure:dslite store");
	EXPECT_APPLIED(&t, false, "configure:dslite");
	assert_string_equal(act_prov(&t, SEQ_ACT_CONFIGURE)->dslite.aftr, "a.example");
	EXPECT_APPLIED(&t, true, "arm:+600");
	assert_int_equal(t.s.state, SEQ_BACKOFF);
	assert_int_equal(t.s.running, METHOD_DSLITE);
	assert_string_equal(t.s.current.dslite.aftr, "a.example");
	seq_done(&t.s);

	/* ... and when that fails too and the kernel lost it: nothing runs. */
	running_dslite(&t, R_MAX);
	result(&t, HB_OK, DSLITE_B);
	applied(&t, false);
	assert_int_equal(applied_held(&t, -1), 0);
	assert_string_equal(acts(&t), "arm:+1800");
	assert_int_equal(t.s.state, SEQ_UNCONFIGURED);
	assert_int_equal(t.s.running, -1);
	seq_done(&t.s);
}

/* Issue 11 item 3: a failed CONFIGURE changes nothing in the kernel (plan
 * refused, AFTR not resolved, or every write undone), so what ran before
 * still runs -- and a later Q2 or S2 must still take it down. */
static void test_failed_replan_keeps_running_and_q2_tears_down(void **state)
{
	struct t t;

	(void)state;
	/* New data, every method fails, and so does going back. */
	running_dslite(&t, R_MIN);
	result(&t, HB_OK, DSLITE_B);
	EXPECT_APPLIED(&t, false, "configure:dslite");
	EXPECT_APPLIED(&t, false, "arm:+600");
	assert_int_equal(t.s.running, METHOD_DSLITE);
	assert_int_equal(t.s.state, SEQ_BACKOFF);
	at_deadline(&t);
	EXPECT_RESULT(&t, HB_NOT_PROVISIONED, NULL, "teardown:dslite arm:+3600");
	assert_int_equal(t.s.running, -1);
	seq_done(&t.s);

	/* Q8: the WAN changed, the server is away, the re-plan fails. */
	running_dslite(&t, R_MIN);
	result(&t, HB_OK, DSLITE_A);
	t.now += 60;
	ev(&t, SEQ_EV_WAN_CHANGED);
	EXPECT_RESULT(&t, HB_NO_ANSWER, NULL, "configure:dslite");
	EXPECT_APPLIED(&t, false, "arm:+600");
	assert_int_equal(t.s.running, METHOD_DSLITE);
	assert_int_equal(t.s.state, SEQ_BACKOFF);
	/* Still not set up for the new address: the next answer does it. */
	at_deadline(&t);
	EXPECT_RESULT(&t, HB_OK, DSLITE_A, "configure:dslite store");
	EXPECT_APPLIED(&t, false, "configure:dslite");
	assert_int_equal(applied(&t, false), 0);
	/* S2 then takes it down. */
	at_deadline(&t);
	EXPECT_RESULT(&t, HB_OK, EMPTY, "teardown:dslite arm:+5000 store");
	seq_done(&t.s);
}

/* What runs is what the kernel holds: an undo that fell short (the new
 * method's objects stayed) is what runs, set up again on the next data
 * and taken down by Q2; a kernel emptied meanwhile leaves nothing. */
static void test_failed_apply_takes_what_the_kernel_holds(void **state)
{
	struct t t;

	(void)state;
	running_dslite(&t, R_MIN);
	result(&t, HB_OK, MAPE_DS);
	assert_string_equal(acts(&t), "configure:map_e store");
	assert_int_equal(applied_held(&t, METHOD_MAP_E), 0);
	assert_string_equal(acts(&t), "configure:dslite");
	assert_int_equal(t.s.running, METHOD_MAP_E);
	assert_int_equal(applied(&t, true), 0);
	assert_int_equal(t.s.running, METHOD_DSLITE);
	seq_done(&t.s);

	running_dslite(&t, R_MIN);
	result(&t, HB_OK, DSLITE_B);
	assert_int_equal(applied_held(&t, METHOD_MAP_E), 0);
	assert_string_equal(acts(&t), "configure:dslite"); /* back, sweeping */
	assert_int_equal(applied_held(&t, METHOD_MAP_E), 0);
	assert_string_equal(acts(&t), "arm:+600");
	assert_int_equal(t.s.running, METHOD_MAP_E);
	assert_int_equal(t.s.state, SEQ_BACKOFF);
	assert_int_equal(result(&t, HB_NOT_PROVISIONED, NULL), -EALREADY);
	at_deadline(&t);
	EXPECT_RESULT(&t, HB_NOT_PROVISIONED, NULL, "teardown:map_e arm:+3600");
	seq_done(&t.s);

	running_dslite(&t, R_MIN);
	result(&t, HB_OK, DSLITE_B);
	applied(&t, false);
	assert_int_equal(applied_held(&t, -1), 0);
	assert_int_equal(t.s.state, SEQ_UNCONFIGURED);
	at_deadline(&t);
	EXPECT_RESULT(&t, HB_NOT_PROVISIONED, NULL, "arm:+3600");
	seq_done(&t.s);
}

/* A restart or SIGHUP adopts what the kernel holds: the same data set
 * it up again (the applier writes nothing when it holds the plan), new
 * data that fail leave it, Q2 and S2 take it down, a network failure
 * keeps it (with stored data: P1 sets it up from them). */
static void test_start_adopts_what_the_kernel_holds(void **state)
{
	struct t t;

	(void)state;
	t_init(&t, BIT(METHOD_DSLITE) | BIT(METHOD_MAP_E), -1, R_MIN);
	assert_int_equal(start_held(&t, NULL, METHOD_DSLITE), 0);
	assert_int_equal(t.s.running, METHOD_DSLITE);
	EXPECT_RESULT(&t, HB_OK, DSLITE_A, "configure:dslite store");
	EXPECT_APPLIED(&t, false, "arm:+600");
	assert_int_equal(t.s.running, METHOD_DSLITE);
	at_deadline(&t);
	EXPECT_RESULT(&t, HB_NOT_PROVISIONED, NULL, "teardown:dslite arm:+3600");
	seq_done(&t.s);

	t_init(&t, BIT(METHOD_DSLITE), -1, R_MIN);
	start_held(&t, NULL, METHOD_DSLITE);
	EXPECT_RESULT(&t, HB_OK, EMPTY, "teardown:dslite arm:+5000 store");
	seq_done(&t.s);

	t_init(&t, BIT(METHOD_DSLITE), -1, R_MIN);
	start_held(&t, NULL, METHOD_DSLITE);
	EXPECT_RESULT(&t, HB_DNS_FAILURE, NULL, "keep:dslite arm:+60");
	assert_int_equal(t.s.state, SEQ_BACKOFF);
	seq_done(&t.s);

	t_init(&t, BIT(METHOD_DSLITE), -1, R_MIN);
	start_held(&t, DSLITE_A, METHOD_DSLITE);
	EXPECT_RESULT(&t, HB_DNS_FAILURE, NULL, "configure:dslite");
	assert_int_equal(applied(&t, true), 0);
	assert_string_equal(t.s.current.dslite.aftr, "a.example");
	seq_done(&t.s);

	/* Nothing held: as a first start. */
	t_init(&t, BIT(METHOD_DSLITE), -1, R_MIN);
	start_held(&t, NULL, -1);
	EXPECT_RESULT(&t, HB_NOT_PROVISIONED, NULL, "arm:+3600");
	seq_done(&t.s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_P1_stored_data_when_server_unreachable),
		cmocka_unit_test(test_P1_not_used_when_server_answered),
		cmocka_unit_test(test_P1_stored_data_that_fails),
		cmocka_unit_test(test_S2_order_empty_tears_down_waits_ttl),
		cmocka_unit_test(test_S8_fall_through_when_apply_fails),
		cmocka_unit_test(test_S8_methods_not_built_are_skipped),
		cmocka_unit_test(test_S8_fixed_mode),
		cmocka_unit_test(test_Q5_unusable_new_data_restores_previous),
		cmocka_unit_test(test_failed_replan_keeps_running_and_q2_tears_down),
		cmocka_unit_test(test_failed_apply_takes_what_the_kernel_holds),
		cmocka_unit_test(test_start_adopts_what_the_kernel_holds),
	};

	return cmocka_run_group_tests_name("sequence_data", tests, NULL, NULL);
}
