/* SPDX-License-Identifier: MIT */
/* What the HB46PP 3.6 sequence tests share (seq_util.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "prov_util.h"
#include "seq_util.h"

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

void t_init(struct t *t, uint32_t methods, int fixed, enum rmode mode)
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

int ev(struct t *t, enum seq_event_type type)
{
	struct seq_event e = { .type = type };

	return seq_step(&t->s, &e, t->now, &t->a);
}

int result(struct t *t, enum hb_class c, const char *json)
{
	struct prov p;
	struct seq_event e = { .type = SEQ_EV_RESULT, .cls = c };
	int rc;

	if (json) {
		p = mk_prov(json);
		e.prov = &p;
	}
	rc = seq_step(&t->s, &e, t->now, &t->a);
	if (json) /* moved: the caller's copy is empty */
		assert_int_equal(p.map_e.rules == NULL && p.n_order == 0, 1);
	return rc;
}

int applied(struct t *t, bool ok)
{
	struct seq_event e = { .type = SEQ_EV_APPLIED, .ok = ok };

	return seq_step(&t->s, &e, t->now, &t->a);
}

int applied_held(struct t *t, int held)
{
	struct seq_event e = { .type = SEQ_EV_APPLIED, .ok = false,
			       .held_known = true, .held = held };

	return seq_step(&t->s, &e, t->now, &t->a);
}

static int start_ev(struct t *t, const char *stored, bool held_known, int held)
{
	struct prov p;
	struct seq_event e = { .type = SEQ_EV_START, .held_known = held_known,
			       .held = held };

	if (stored) {
		p = mk_prov(stored);
		e.prov = &p;
	}
	return seq_step(&t->s, &e, t->now, &t->a);
}

int start_held(struct t *t, const char *stored, int held)
{
	return start_ev(t, stored, true, held);
}

int start(struct t *t, const char *stored)
{
	return start_ev(t, stored, false, 0);
}

const char *acts(const struct t *t)
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

const struct prov *act_prov(const struct t *t, enum seq_action_type type)
{
	for (size_t i = 0; i < t->a.n; i++)
		if (t->a.a[i].type == type)
			return t->a.a[i].prov;
	return NULL;
}

void running_dslite(struct t *t, enum rmode mode)
{
	t_init(t, BIT(METHOD_DSLITE) | BIT(METHOD_MAP_E), -1, mode);
	assert_int_equal(start(t, NULL), 0);
	EXPECT_RESULT(t, HB_OK, DSLITE_A, "configure:dslite store");
	EXPECT_APPLIED(t, true, "arm:+3600");
	assert_int_equal(t->s.state, SEQ_CONFIGURED);
	assert_int_equal(t->s.running, METHOD_DSLITE);
	t->now += 3600;
	EXPECT_EV(t, SEQ_EV_TIMER, "query");
}

void at_deadline(struct t *t)
{
	t->now = t->s.deadline;
	EXPECT_EV(t, SEQ_EV_TIMER, "query");
}
