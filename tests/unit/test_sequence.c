/* SPDX-License-Identifier: MIT */
/* The HB46PP 3.6 sequence (Q1-Q8, P1, S2, S8) with a fake clock and a fake
 * random source: every transition, and the window edges with the random
 * value at its minimum and at its maximum. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../agent/sequence.h"

#define BIT(m) (1u << (unsigned)(m))

/* ---- fakes ---------------------------------------------------------------- */

enum rmode { R_MIN, R_MAX, R_LOW, R_HIGH, R_LCG };

struct fake_rand {
	enum rmode mode;
	uint32_t lo, hi;     /* the last window asked for */
	unsigned calls;
	uint64_t state;      /* R_LCG */
};

static uint32_t fake_rnd(void *ctx, uint32_t min, uint32_t max)
{
	struct fake_rand *r = ctx;

	r->lo = min;
	r->hi = max;
	r->calls++;
	switch (r->mode) {
	case R_MIN:
		return min;
	case R_MAX:
		return max;
	case R_LOW: /* a broken source: below the window */
		return 0;
	case R_HIGH: /* ... and above it */
		return UINT32_MAX;
	case R_LCG:
		r->state = r->state * 6364136223846793005ull + 1442695040888963407ull;
		return min + (uint32_t)((r->state >> 33) % ((uint64_t)max - min + 1));
	}
	return min;
}

struct t {
	struct seq s;
	struct fake_rand r;
	struct seq_actions a;
	uint64_t now;
};

static void t_init(struct t *t, uint32_t methods, int fixed, enum rmode mode)
{
	struct seq_config cfg = {
		.methods = methods, .fixed = fixed, .rnd = fake_rnd, .rnd_ctx = &t->r,
	};

	memset(t, 0, sizeof(*t));
	t->r.mode = mode;
	t->r.state = 42;
	t->now = 1000;
	seq_init(&t->s, &cfg);
}

static struct prov mk(const char *json)
{
	struct prov p;
	struct err e;

	if (prov_parse(json, strlen(json), &p, &e, NULL) != 0)
		fail_msg("fixture refused: %s", e.msg);
	return p;
}

#define DSLITE_A "{\"ttl\":3600,\"order\":[\"dslite\"],\"dslite\":{\"aftr\":\"a.example\"}}"
#define DSLITE_A_TTL "{\"ttl\":7200,\"order\":[\"dslite\"],\"dslite\":{\"aftr\":\"a.example\"}}"
#define DSLITE_B "{\"ttl\":3600,\"order\":[\"dslite\"],\"dslite\":{\"aftr\":\"b.example\"}}"
#define NO_TTL "{\"order\":[\"dslite\"],\"dslite\":{\"aftr\":\"a.example\"}}"
#define EMPTY "{\"ttl\":5000,\"order\":[]}"
#define MAPE_DS "{\"ttl\":3600,\"order\":[\"map_e\",\"dslite\"],\"dslite\":{\"aftr\":\"a.example\"}," \
	"\"map_e\":{\"br\":\"2001:db8::1\",\"rules\":[{\"ipv6\":\"2001:db8::/40\",\"ipv4\":\"192.0.2.0/24\",\"ea_length\":16}]}}"

static int ev(struct t *t, enum seq_event_type type)
{
	struct seq_event e = { .type = type };

	return seq_step(&t->s, &e, t->now, &t->a);
}

static int result(struct t *t, enum hb_class c, const char *json)
{
	struct prov p;
	struct seq_event e = { .type = SEQ_EV_RESULT, .cls = c };
	int rc;

	if (json) {
		p = mk(json);
		e.prov = &p;
	}
	rc = seq_step(&t->s, &e, t->now, &t->a);
	if (json) /* moved: the caller's copy is empty */
		assert_int_equal(p.map_e.rules == NULL && p.n_order == 0, 1);
	return rc;
}

static int applied(struct t *t, bool ok)
{
	struct seq_event e = { .type = SEQ_EV_APPLIED, .ok = ok };

	return seq_step(&t->s, &e, t->now, &t->a);
}

/* A failed apply after which the kernel holds method `held` (-1: nothing),
 * as the daemon reads it from the ownership record. */
static int applied_held(struct t *t, int held)
{
	struct seq_event e = { .type = SEQ_EV_APPLIED, .ok = false,
			       .held_known = true, .held = held };

	return seq_step(&t->s, &e, t->now, &t->a);
}

/* Started with `held` in the kernel (a restart, SIGHUP) and stored data. */
static int start_held(struct t *t, const char *stored, int held)
{
	struct prov p;
	struct seq_event e = { .type = SEQ_EV_START, .held_known = true,
			       .held = held };

	if (stored) {
		p = mk(stored);
		e.prov = &p;
	}
	return seq_step(&t->s, &e, t->now, &t->a);
}

static int start(struct t *t, const char *stored)
{
	struct prov p;
	struct seq_event e = { .type = SEQ_EV_START };

	if (stored) {
		p = mk(stored);
		e.prov = &p;
	}
	return seq_step(&t->s, &e, t->now, &t->a);
}

/* The actions, as text: "query", "configure:dslite", "arm:+3600", ... */
static const char *acts(const struct t *t)
{
	static char buf[256];
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < t->a.n; i++) {
		const struct seq_action *a = &t->a.a[i];

		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", i ? " " : "",
				      seq_action_name(a->type));
		if (a->type == SEQ_ACT_CONFIGURE || a->type == SEQ_ACT_TEARDOWN ||
		    a->type == SEQ_ACT_KEEP)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, ":%s",
					      method_name(a->method));
		if (a->type == SEQ_ACT_ARM)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, ":+%llu",
					      (unsigned long long)(a->deadline - t->now));
	}
	return buf;
}

static const struct prov *act_prov(const struct t *t, enum seq_action_type type)
{
	for (size_t i = 0; i < t->a.n; i++)
		if (t->a.a[i].type == type)
			return t->a.a[i].prov;
	return NULL;
}

/* Started, data applied: dslite runs from DSLITE_A (ttl 3600). */
static void running_dslite(struct t *t, enum rmode mode)
{
	t_init(t, BIT(METHOD_DSLITE) | BIT(METHOD_MAP_E), -1, mode);
	assert_int_equal(start(t, NULL), 0);
	assert_int_equal(result(t, HB_OK, DSLITE_A), 0);
	assert_string_equal(acts(t), "configure:dslite store");
	assert_int_equal(applied(t, true), 0);
	assert_string_equal(acts(t), "arm:+3600");
	assert_int_equal(t->s.state, SEQ_CONFIGURED);
	assert_int_equal(t->s.running, METHOD_DSLITE);
	t->now += 3600;
	assert_int_equal(ev(t, SEQ_EV_TIMER), 0);
	assert_string_equal(acts(t), "query");
}

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
	assert_int_equal(result(&t, HB_NOT_PROVISIONED, NULL), 0);
	assert_string_equal(acts(&t), "teardown:dslite arm:+3600");
	assert_int_equal(t.s.state, SEQ_UNCONFIGURED);
	assert_int_equal(t.s.running, -1);
	assert_int_equal(t.r.lo, 3600);
	assert_int_equal(t.r.hi, 10800);
	seq_done(&t.s);

	running_dslite(&t, R_MAX);
	assert_int_equal(result(&t, HB_NOT_PROVISIONED, NULL), 0);
	assert_string_equal(acts(&t), "teardown:dslite arm:+10800");
	/* Nothing running: nothing to tear down. */
	t.now += 10800;
	assert_int_equal(ev(&t, SEQ_EV_TIMER), 0);
	assert_string_equal(acts(&t), "query");
	assert_int_equal(result(&t, HB_NOT_PROVISIONED, NULL), 0);
	assert_string_equal(acts(&t), "arm:+10800");
	seq_done(&t.s);
}

/* ---- Q3-Q5 --------------------------------------------------------------- */

static void check_failure(enum hb_class c, enum rmode mode, const char *want,
			  uint32_t lo, uint32_t hi)
{
	struct t t;

	running_dslite(&t, mode);
	assert_int_equal(result(&t, c, NULL), 0);
	assert_string_equal(acts(&t), want);
	assert_int_equal(t.s.state, SEQ_BACKOFF);
	assert_int_equal(t.s.running, METHOD_DSLITE); /* kept */
	assert_int_equal(t.r.lo, lo);
	assert_int_equal(t.r.hi, hi);
	assert_string_equal(seq_state_name(t.s.state), "backoff");
	/* The retry comes at the deadline, not before. */
	t.now = t.s.deadline - 1;
	assert_int_equal(ev(&t, SEQ_EV_TIMER), 0);
	assert_string_equal(acts(&t), "arm:+1");
	t.now++;
	assert_int_equal(ev(&t, SEQ_EV_TIMER), 0);
	assert_string_equal(acts(&t), "query");
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
	assert_int_equal(result(&t, HB_DNS_FAILURE, NULL), 0);
	assert_string_equal(acts(&t), "arm:+60");
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
	assert_int_equal(result(&t, HB_OK, DSLITE_A_TTL), 0);
	assert_string_equal(acts(&t), "keep:dslite arm:+7200 store");
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
	assert_int_equal(result(&t, HB_OK, DSLITE_B), 0);
	assert_string_equal(acts(&t), "configure:dslite store");
	p = act_prov(&t, SEQ_ACT_CONFIGURE);
	assert_string_equal(p->dslite.aftr, "b.example");
	assert_ptr_equal(p, act_prov(&t, SEQ_ACT_STORE));
	/* While applying, a timer or another result answers nothing. */
	assert_int_equal(ev(&t, SEQ_EV_TIMER), -EALREADY);
	assert_int_equal(result(&t, HB_OK, DSLITE_A), -EALREADY);
	assert_int_equal(applied(&t, true), 0);
	assert_string_equal(acts(&t), "arm:+3600");
	assert_string_equal(t.s.current.dslite.aftr, "b.example");
	seq_done(&t.s);
}

/* A new first choice in order wins over the running method. */
static void test_Q6_order_change_switches_method(void **state)
{
	struct t t;

	(void)state;
	running_dslite(&t, R_MIN);
	assert_int_equal(result(&t, HB_OK, MAPE_DS), 0);
	assert_string_equal(acts(&t), "configure:map_e store");
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
		assert_int_equal(applied(&t, true), 0);
		assert_string_equal(acts(&t), mode == R_MIN ? "arm:+72000" : "arm:+86400");
		assert_int_equal(t.r.lo, 72000);
		assert_int_equal(t.r.hi, 86400);
		seq_done(&t.s);
	}
	/* ttl is waited exactly, whatever the random source says. */
	running_dslite(&t, R_MAX);
	assert_int_equal(result(&t, HB_OK, DSLITE_A), 0);
	assert_string_equal(acts(&t), "keep:dslite arm:+3600 store");
	seq_done(&t.s);
}

/* ttl 1 does not become a query a second; 604800 is waited in full. */
static void test_Q7_ttl_floor_and_ceiling(void **state)
{
	uint32_t lo, hi;
	struct prov p;

	(void)state;
	p = mk("{\"ttl\":1,\"order\":[]}");
	seq_wait_window(HB_OK, &p, &lo, &hi);
	assert_int_equal(lo, SEQ_TTL_FLOOR);
	assert_int_equal(hi, SEQ_TTL_FLOOR);
	prov_done(&p);
	p = mk("{\"ttl\":999999,\"order\":[]}"); /* clamped by S5 */
	seq_wait_window(HB_OK, &p, &lo, &hi);
	assert_int_equal(lo, 604800);
	assert_int_equal(hi, 604800);
	prov_done(&p);
	p = mk("{\"ttl\":0,\"order\":[]}");
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
	assert_int_equal(result(&t, HB_DNS_FAILURE, NULL), 0);
	assert_string_equal(acts(&t), "arm:+60");
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
	assert_int_equal(result(&t, HB_OK, DSLITE_A), 0);
	assert_string_equal(acts(&t), "keep:dslite arm:+3600 store");
	/* 3 s after the last query: held off until 10 s after it. */
	t.now = q + 3;
	assert_int_equal(ev(&t, SEQ_EV_WAN_CHANGED), 0);
	assert_string_equal(acts(&t), "arm:+7");
	assert_int_equal(t.s.deadline, q + SEQ_WAN_HOLDOFF);
	t.now = q + SEQ_WAN_HOLDOFF;
	assert_int_equal(ev(&t, SEQ_EV_TIMER), 0);
	assert_string_equal(acts(&t), "query");
	/* Later changes query at once. */
	assert_int_equal(result(&t, HB_OK, DSLITE_A), 0);
	assert_string_equal(acts(&t), "configure:dslite store");
	assert_int_equal(applied(&t, true), 0);
	assert_string_equal(acts(&t), "arm:+3600");
	t.now += 500;
	assert_int_equal(ev(&t, SEQ_EV_WAN_CHANGED), 0);
	assert_string_equal(acts(&t), "query");
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
	assert_int_equal(ev(&t, SEQ_EV_WAN_CHANGED), 0);
	assert_string_equal(acts(&t), "query");
	assert_int_equal(result(&t, HB_OK, DSLITE_A), 0);
	assert_string_equal(acts(&t), "configure:dslite store");
	assert_int_equal(applied(&t, true), 0);
	assert_string_equal(acts(&t), "arm:+3600");
	/* And the next identical answer is kept again. */
	t.now += 3600;
	ev(&t, SEQ_EV_TIMER);
	assert_int_equal(result(&t, HB_OK, DSLITE_A), 0);
	assert_string_equal(acts(&t), "keep:dslite arm:+3600 store");
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
	assert_int_equal(result(&t, HB_DNS_FAILURE, NULL), 0);
	assert_string_equal(acts(&t), "configure:dslite");
	assert_string_equal(act_prov(&t, SEQ_ACT_CONFIGURE)->dslite.aftr, "a.example");
	assert_int_equal(applied(&t, true), 0);
	assert_string_equal(acts(&t), "arm:+60");
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
	assert_int_equal(result(&t, HB_OK, DSLITE_A), 0);
	assert_string_equal(acts(&t), "configure:dslite store"); /* replan */
	t.now += 30;
	assert_int_equal(applied(&t, true), 0);
	assert_string_equal(acts(&t), "query");
	assert_int_equal(t.s.last_query, q + 33);
	/* During an apply too: the plan may predate the change. */
	assert_int_equal(result(&t, HB_OK, DSLITE_B), 0);
	assert_string_equal(acts(&t), "configure:dslite store");
	t.now += 1;
	ev(&t, SEQ_EV_WAN_CHANGED);
	assert_int_equal(applied(&t, true), 0);
	assert_string_equal(acts(&t), "arm:+9");
	t.now += 9;
	assert_int_equal(ev(&t, SEQ_EV_TIMER), 0);
	assert_string_equal(acts(&t), "query");
	assert_int_equal(result(&t, HB_OK, DSLITE_B), 0);
	assert_string_equal(acts(&t), "configure:dslite store");
	seq_done(&t.s);
}

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
		assert_int_equal(result(&t, unreachable[i], NULL), 0);
		assert_string_equal(acts(&t), "configure:dslite"); /* no store */
		assert_string_equal(act_prov(&t, SEQ_ACT_CONFIGURE)->dslite.aftr, "b.example");
		assert_int_equal(applied(&t, true), 0);
		seq_wait_window(unreachable[i], NULL, &lo, &hi);
		assert_int_equal(t.a.n, 1);
		assert_int_equal(t.a.a[0].deadline, t.now + lo);
		assert_int_equal(t.s.state, SEQ_BACKOFF);
		assert_int_equal(t.s.running, METHOD_DSLITE);
		/* Still unreachable: keep it. */
		t.now = t.s.deadline;
		ev(&t, SEQ_EV_TIMER);
		assert_int_equal(result(&t, unreachable[i], NULL), 0);
		assert_string_equal(acts(&t), i ? "keep:dslite arm:+600" : "keep:dslite arm:+60");
		/* The server back with other data: reconfigure from it. */
		t.now = t.s.deadline;
		ev(&t, SEQ_EV_TIMER);
		assert_int_equal(result(&t, HB_OK, DSLITE_A), 0);
		assert_string_equal(acts(&t), "configure:dslite store");
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
	assert_int_equal(result(&t, HB_BAD_ANSWER, NULL), 0);
	assert_string_equal(acts(&t), "arm:+600");
	t.now = t.s.deadline;
	ev(&t, SEQ_EV_TIMER);
	assert_int_equal(result(&t, HB_NO_ANSWER, NULL), 0);
	assert_string_equal(acts(&t), "arm:+600");
	assert_int_equal(t.s.running, -1);
	seq_done(&t.s);

	t_init(&t, BIT(METHOD_DSLITE), -1, R_MIN);
	start(&t, DSLITE_A);
	assert_int_equal(result(&t, HB_NOT_PROVISIONED, NULL), 0);
	assert_string_equal(acts(&t), "arm:+3600");
	t.now = t.s.deadline;
	ev(&t, SEQ_EV_TIMER);
	assert_int_equal(result(&t, HB_DNS_FAILURE, NULL), 0);
	assert_string_equal(acts(&t), "arm:+60");
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
	assert_int_equal(applied(&t, false), 0);
	assert_string_equal(acts(&t), "arm:+60");
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
	assert_int_equal(result(&t, HB_OK, EMPTY), 0);
	assert_string_equal(acts(&t), "teardown:dslite arm:+5000 store");
	assert_int_equal(act_prov(&t, SEQ_ACT_STORE)->n_order, 0);
	assert_int_equal(t.s.state, SEQ_UNCONFIGURED);
	assert_string_equal(seq_state_name(t.s.state), "unconfigured");
	assert_int_equal(t.s.running, -1);
	/* And at start, with nothing running: nothing to tear down. */
	t.now = t.s.deadline;
	ev(&t, SEQ_EV_TIMER);
	assert_int_equal(result(&t, HB_OK, EMPTY), 0);
	assert_string_equal(acts(&t), "arm:+5000 store");
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
	assert_int_equal(result(&t, HB_OK, MAPE_DS), 0);
	assert_string_equal(acts(&t), "configure:map_e store");
	assert_int_equal(applied(&t, false), 0);
	assert_string_equal(acts(&t), "configure:dslite");
	assert_int_equal(applied(&t, true), 0);
	assert_string_equal(acts(&t), "arm:+3600");
	assert_int_equal(t.s.running, METHOD_DSLITE);
	t.now += 3600;
	ev(&t, SEQ_EV_TIMER);
	assert_int_equal(result(&t, HB_OK, MAPE_DS), 0);
	assert_string_equal(acts(&t), "keep:dslite arm:+3600 store");
	/* An address change gives map_e another chance. */
	t.now += 60;
	ev(&t, SEQ_EV_WAN_CHANGED);
	assert_int_equal(result(&t, HB_OK, MAPE_DS), 0);
	assert_string_equal(acts(&t), "configure:map_e store");
	seq_done(&t.s);
}

static void test_S8_methods_not_built_are_skipped(void **state)
{
	struct t t;
	struct prov p = mk(MAPE_DS);

	(void)state;
	assert_int_equal(seq_pick_method(&p, BIT(METHOD_DSLITE), -1, 0), METHOD_DSLITE);
	assert_int_equal(seq_pick_method(&p, BIT(METHOD_MAP_E) | BIT(METHOD_DSLITE), -1, 0),
			 METHOD_MAP_E);
	assert_int_equal(seq_pick_method(&p, BIT(METHOD_IPIP), -1, 0), -1);
	assert_int_equal(seq_pick_method(&p, ~0u, -1, BIT(METHOD_MAP_E) | BIT(METHOD_DSLITE)), -1);
	prov_done(&p);

	t_init(&t, BIT(METHOD_IPIP), -1, R_MIN);
	start(&t, NULL);
	assert_int_equal(result(&t, HB_OK, MAPE_DS), 0);
	assert_string_equal(acts(&t), "arm:+3600 store");
	assert_int_equal(t.s.state, SEQ_UNCONFIGURED);
	seq_done(&t.s);
}

/* S8 SHOULD: a fixed mode chosen by the user, regardless of order. */
static void test_S8_fixed_mode(void **state)
{
	struct prov p = mk("{\"order\":[\"map_e\"],\"dslite\":{\"aftr\":\"a.example\"},"
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
	assert_int_equal(result(&t, HB_OK, DSLITE_B), 0);
	assert_string_equal(acts(&t), "configure:dslite store");
	assert_int_equal(applied(&t, false), 0);
	assert_string_equal(acts(&t), "configure:dslite");
	assert_string_equal(act_prov(&t, SEQ_ACT_CONFIGURE)->dslite.aftr, "a.example");
	assert_int_equal(applied(&t, true), 0);
	assert_string_equal(acts(&t), "arm:+600");
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

/* The wait is over: the sequence queries. */
static void at_deadline(struct t *t)
{
	t->now = t->s.deadline;
	assert_int_equal(ev(t, SEQ_EV_TIMER), 0);
	assert_string_equal(acts(t), "query");
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
	assert_int_equal(applied(&t, false), 0);
	assert_string_equal(acts(&t), "configure:dslite");
	assert_int_equal(applied(&t, false), 0);
	assert_string_equal(acts(&t), "arm:+600");
	assert_int_equal(t.s.running, METHOD_DSLITE);
	assert_int_equal(t.s.state, SEQ_BACKOFF);
	at_deadline(&t);
	assert_int_equal(result(&t, HB_NOT_PROVISIONED, NULL), 0);
	assert_string_equal(acts(&t), "teardown:dslite arm:+3600");
	assert_int_equal(t.s.running, -1);
	seq_done(&t.s);

	/* Q8: the WAN changed, the server is away, the re-plan fails. */
	running_dslite(&t, R_MIN);
	result(&t, HB_OK, DSLITE_A);
	t.now += 60;
	ev(&t, SEQ_EV_WAN_CHANGED);
	assert_int_equal(result(&t, HB_NO_ANSWER, NULL), 0);
	assert_string_equal(acts(&t), "configure:dslite");
	assert_int_equal(applied(&t, false), 0);
	assert_string_equal(acts(&t), "arm:+600");
	assert_int_equal(t.s.running, METHOD_DSLITE);
	assert_int_equal(t.s.state, SEQ_BACKOFF);
	/* Still not set up for the new address: the next answer does it. */
	at_deadline(&t);
	assert_int_equal(result(&t, HB_OK, DSLITE_A), 0);
	assert_string_equal(acts(&t), "configure:dslite store");
	assert_int_equal(applied(&t, false), 0);
	assert_string_equal(acts(&t), "configure:dslite");
	assert_int_equal(applied(&t, false), 0);
	/* S2 then takes it down. */
	at_deadline(&t);
	assert_int_equal(result(&t, HB_OK, EMPTY), 0);
	assert_string_equal(acts(&t), "teardown:dslite arm:+5000 store");
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
	assert_int_equal(result(&t, HB_NOT_PROVISIONED, NULL), 0);
	assert_string_equal(acts(&t), "teardown:map_e arm:+3600");
	seq_done(&t.s);

	running_dslite(&t, R_MIN);
	result(&t, HB_OK, DSLITE_B);
	applied(&t, false);
	assert_int_equal(applied_held(&t, -1), 0);
	assert_int_equal(t.s.state, SEQ_UNCONFIGURED);
	at_deadline(&t);
	assert_int_equal(result(&t, HB_NOT_PROVISIONED, NULL), 0);
	assert_string_equal(acts(&t), "arm:+3600");
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
	assert_int_equal(result(&t, HB_OK, DSLITE_A), 0);
	assert_string_equal(acts(&t), "configure:dslite store");
	assert_int_equal(applied(&t, false), 0);
	assert_string_equal(acts(&t), "arm:+600");
	assert_int_equal(t.s.running, METHOD_DSLITE);
	at_deadline(&t);
	assert_int_equal(result(&t, HB_NOT_PROVISIONED, NULL), 0);
	assert_string_equal(acts(&t), "teardown:dslite arm:+3600");
	seq_done(&t.s);

	t_init(&t, BIT(METHOD_DSLITE), -1, R_MIN);
	start_held(&t, NULL, METHOD_DSLITE);
	assert_int_equal(result(&t, HB_OK, EMPTY), 0);
	assert_string_equal(acts(&t), "teardown:dslite arm:+5000 store");
	seq_done(&t.s);

	t_init(&t, BIT(METHOD_DSLITE), -1, R_MIN);
	start_held(&t, NULL, METHOD_DSLITE);
	assert_int_equal(result(&t, HB_DNS_FAILURE, NULL), 0);
	assert_string_equal(acts(&t), "keep:dslite arm:+60");
	assert_int_equal(t.s.state, SEQ_BACKOFF);
	seq_done(&t.s);

	t_init(&t, BIT(METHOD_DSLITE), -1, R_MIN);
	start_held(&t, DSLITE_A, METHOD_DSLITE);
	assert_int_equal(result(&t, HB_DNS_FAILURE, NULL), 0);
	assert_string_equal(acts(&t), "configure:dslite");
	assert_int_equal(applied(&t, true), 0);
	assert_string_equal(t.s.current.dslite.aftr, "a.example");
	seq_done(&t.s);

	/* Nothing held: as a first start. */
	t_init(&t, BIT(METHOD_DSLITE), -1, R_MIN);
	start_held(&t, NULL, -1);
	assert_int_equal(result(&t, HB_NOT_PROVISIONED, NULL), 0);
	assert_string_equal(acts(&t), "arm:+3600");
	seq_done(&t.s);
}

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
	struct prov p = mk(DSLITE_A);
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
	assert_int_equal(ev(&t, SEQ_EV_REFRESH), 0);
	assert_string_equal(acts(&t), "query");
	assert_int_equal(t.s.busy, SEQ_QUERYING);
	/* The same data again: nothing is reconfigured (Q6). */
	assert_int_equal(result(&t, HB_OK, DSLITE_A), 0);
	assert_string_equal(acts(&t), "keep:dslite arm:+3600 store");
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
		cmocka_unit_test(test_stop_with_and_without_teardown),
		cmocka_unit_test(test_stray_events_ignored),
		cmocka_unit_test(test_refresh_queries_now),
		cmocka_unit_test(test_Q_never_a_busy_loop),
		cmocka_unit_test(test_build_methods_mask),
	};

	return cmocka_run_group_tests_name("sequence", tests, NULL, NULL);
}
