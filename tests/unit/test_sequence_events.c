/* SPDX-License-Identifier: MIT */
/* The HB46PP 3.6 sequence's other events: stop, stray events, the
 * operator's refresh, and a long random walk that must never spin. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>

#include "prov_util.h"
#include "seq_util.h"

/* ---- stop and stray events --------------------------------------------- */

static void test_stop_with_and_without_teardown(void **state)
{
	struct t t;
	struct seq_event e = { .type = SEQ_EV_STOP, .teardown = true };

	(void)state;
	running_dslite(&t, R_MIN);
	result(&t, HB_OK, DSLITE_A);
	assert_int_equal(seq_step(&t.s, &e, t.now, &t.a), 0);
	assert_string_equal(acts(&t), "teardown:dslite");
	assert_int_equal(t.s.state, SEQ_STOPPED);
	assert_string_equal(seq_state_name(t.s.state), "stopped");
	assert_int_equal(seq_step(&t.s, &e, t.now, &t.a), -EALREADY);
	/* Stopped: no timer, no WAN change reaches it. */
	assert_int_equal(ev(&t, SEQ_EV_TIMER), -EALREADY);
	assert_int_equal(ev(&t, SEQ_EV_WAN_CHANGED), -EALREADY);
	/* And it starts again. */
	assert_int_equal(start(&t, NULL), 0);
	assert_string_equal(acts(&t), "query");
	seq_done(&t.s);

	running_dslite(&t, R_MIN);
	e.teardown = false; /* leave it for the next run to adopt */
	assert_int_equal(seq_step(&t.s, &e, t.now, &t.a), 0);
	assert_int_equal(t.a.n, 0);
	assert_int_equal(t.s.running, -1);
	seq_done(&t.s);
}

static void test_stray_events_ignored(void **state)
{
	struct t t;
	struct prov p = mk_prov(DSLITE_A);
	struct seq_event e = { .type = SEQ_EV_RESULT, .cls = HB_OK, .prov = &p };

	(void)state;
	t_init(&t, BIT(METHOD_DSLITE), -1, R_MIN);
	/* Not started: nothing answers. The prov is freed (ASan: no leak). */
	assert_int_equal(seq_step(&t.s, &e, t.now, &t.a), -EALREADY);
	assert_null(e.prov);
	assert_int_equal(applied(&t, true), -EALREADY);
	assert_int_equal(ev(&t, SEQ_EV_TIMER), -EALREADY);
	start(&t, NULL);
	assert_int_equal(applied(&t, true), -EALREADY);
	assert_int_equal(ev(&t, SEQ_EV_TIMER), -EALREADY);
	e.prov = NULL;
	assert_int_equal(seq_step(&t.s, &e, t.now, &t.a), -EINVAL);
	assert_int_equal(t.s.busy, SEQ_QUERYING);
	seq_done(&t.s);
}

/* SIGUSR1: the operator's "fetch now" queries at once when idle, long
 * before the ttl, and is ignored while a query or apply is outstanding. */
static void test_refresh_queries_now(void **state)
{
	struct t t;

	(void)state;
	t_init(&t, BIT(METHOD_DSLITE), -1, R_MIN);
	assert_int_equal(ev(&t, SEQ_EV_REFRESH), -EALREADY); /* not started */
	start(&t, NULL);
	assert_int_equal(ev(&t, SEQ_EV_REFRESH), -EALREADY); /* querying */
	result(&t, HB_OK, DSLITE_A);
	assert_int_equal(ev(&t, SEQ_EV_REFRESH), -EALREADY); /* applying */
	assert_int_equal(applied(&t, true), 0);
	EXPECT_EV(&t, SEQ_EV_REFRESH, "query");
	assert_int_equal(t.s.busy, SEQ_QUERYING);
	/* The same data again: nothing is reconfigured (Q6). */
	EXPECT_RESULT(&t, HB_OK, DSLITE_A, "keep:dslite arm:+3600 store");
	seq_done(&t.s);
}

/* ---- never a busy loop ---------------------------------------------------- */

/* A long random walk of events, answering what the sequence asks and
 * throwing in address changes and stray events: every deadline lies in
 * the future, two queries are never closer than the hold-off, and the
 * actions never overflow. */
static void test_Q_never_a_busy_loop(void **state)
{
	static const char *const bodies[] = { DSLITE_A, DSLITE_B, MAPE_DS, EMPTY, NO_TTL };
	struct t t;
	uint64_t rng = 7, last_q = 0;
	unsigned queries = 0, configs = 0;
	bool have_q = false;

	(void)state;
	t_init(&t, BIT(METHOD_DSLITE) | BIT(METHOD_MAP_E), -1, R_LCG);
	start(&t, DSLITE_A);
	for (int i = 0; i < 20000; i++) {
		unsigned pick;

		for (size_t k = 0; k < t.a.n; k++) {
			const struct seq_action *a = &t.a.a[k];

			if (a->type == SEQ_ACT_ARM)
				assert_true(a->deadline > t.now);
			if (a->type == SEQ_ACT_QUERY) {
				if (have_q)
					assert_true(t.now >= last_q + SEQ_WAN_HOLDOFF);
				have_q = true;
				last_q = t.now;
				queries++;
			}
			if (a->type == SEQ_ACT_CONFIGURE)
				configs++;
		}
		rng = rng * 6364136223846793005ull + 1;
		pick = (unsigned)(rng >> 40);
		t.now += pick % 7;
		if (pick % 11 == 0) {
			ev(&t, SEQ_EV_WAN_CHANGED);
		} else if (t.s.busy == SEQ_QUERYING) {
			enum hb_class c = (enum hb_class)(pick / 7 % 5);

			result(&t, c, c == HB_OK ? bodies[pick / 35 % 5] : NULL);
		} else if (t.s.busy == SEQ_APPLYING) {
			applied(&t, pick % 3 != 0);
		} else {
			assert_true(t.s.has_deadline);
			t.now = t.s.deadline;
			ev(&t, SEQ_EV_TIMER);
		}
		assert_true(t.a.n <= 3);
	}
	assert_true(queries > 1000);
	assert_true(configs > 100);
	seq_done(&t.s);
}

static void test_build_methods_mask(void **state)
{
	uint32_t want = 0;

	(void)state;
	for (int m = 0; m < METHOD__COUNT; m++)
		if (method_ops((enum method)m))
			want |= BIT(m);
	assert_int_equal(seq_build_methods(), want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stop_with_and_without_teardown),
		cmocka_unit_test(test_stray_events_ignored),
		cmocka_unit_test(test_refresh_queries_now),
		cmocka_unit_test(test_Q_never_a_busy_loop),
		cmocka_unit_test(test_build_methods_mask),
	};

	return cmocka_run_group_tests_name("sequence_events", tests, NULL, NULL);
}
