/* SPDX-License-Identifier: MIT */
/* HB46PP 3.6: the access sequence. See sequence.h for the contract. */
#include "sequence.h"

#include <errno.h>
#include <string.h>

#define BIT(m) (1u << (unsigned)(m))

const char *seq_state_name(enum seq_state st)
{
	switch (st) {
	case SEQ_STOPPED:
		return "stopped";
	case SEQ_STARTING:
		return "starting";
	case SEQ_CONFIGURED:
		return "configured";
	case SEQ_UNCONFIGURED:
		return "unconfigured";
	case SEQ_BACKOFF:
		return "backoff";
	}
	return "?";
}

const char *seq_action_name(enum seq_action_type t)
{
	switch (t) {
	case SEQ_ACT_QUERY:
		return "query";
	case SEQ_ACT_CONFIGURE:
		return "configure";
	case SEQ_ACT_TEARDOWN:
		return "teardown";
	case SEQ_ACT_KEEP:
		return "keep";
	case SEQ_ACT_STORE:
		return "store";
	case SEQ_ACT_ARM:
		return "arm";
	}
	return "?";
}

void seq_wait_window(enum hb_class c, const struct prov *p, uint32_t *min_s,
		     uint32_t *max_s)
{
	uint32_t lo = SEQ_Q45_MIN, hi = SEQ_Q45_MAX;

	switch (c) {
	case HB_OK:
		/* Q7: ttl (S5 caps it at 604800), else a random 20-24 h. */
		if (p && p->has_ttl) {
			lo = hi = p->ttl < SEQ_TTL_FLOOR ? SEQ_TTL_FLOOR :
				  p->ttl > PROV_TTL_MAX ? PROV_TTL_MAX : p->ttl;
		} else {
			lo = SEQ_Q7_MIN;
			hi = SEQ_Q7_MAX;
		}
		break;
	case HB_NOT_PROVISIONED: /* Q2 */
		lo = SEQ_Q2_MIN;
		hi = SEQ_Q2_MAX;
		break;
	case HB_DNS_FAILURE: /* Q3 */
		lo = SEQ_Q3_MIN;
		hi = SEQ_Q3_MAX;
		break;
	case HB_NO_ANSWER: /* Q4 */
	case HB_BAD_ANSWER: /* Q5 */
		break;
	}
	*min_s = lo;
	*max_s = hi;
}

int seq_pick_method(const struct prov *p, uint32_t methods, int fixed,
		    uint32_t skip)
{
	/* S8: the user's fixed mode, regardless of order (SHOULD). */
	if (fixed >= 0 && fixed < METHOD__COUNT)
		return (methods & ~skip & BIT(fixed)) &&
		       prov_has_offer(p, (enum method)fixed) ? fixed : -1;
	for (size_t i = 0; i < p->n_order; i++) {
		enum method m = p->order[i];

		if ((methods & ~skip & BIT(m)) && prov_has_offer(p, m))
			return (int)m;
	}
	return -1;
}

uint32_t seq_build_methods(void)
{
	uint32_t mask = 0;

	for (int m = 0; m < METHOD__COUNT; m++)
		if (method_ops((enum method)m))
			mask |= BIT(m);
	return mask;
}

void seq_init(struct seq *s, const struct seq_config *cfg)
{
	memset(s, 0, sizeof(*s));
	s->cfg = *cfg;
	s->state = SEQ_STOPPED;
	s->running = -1;
	s->prev_running = -1;
}

void seq_done(struct seq *s)
{
	prov_done(&s->current);
	prov_done(&s->pending);
	prov_done(&s->stored);
	s->running = -1;
	s->has_stored = false;
}

/* ---- actions --------------------------------------------------------- */

static void act(struct seq_actions *out, enum seq_action_type t, int m,
		const struct prov *p, uint64_t deadline)
{
	struct seq_action *a;

	if (out->n >= SEQ_MAX_ACTIONS)
		return; /* cannot happen: at most 3 per step (tests check) */
	a = &out->a[out->n++];
	a->type = t;
	a->method = m >= 0 ? (enum method)m : METHOD__COUNT;
	a->prov = p;
	a->deadline = deadline;
}

/* Move src into dst (freeing what dst held) and zero src. */
static void prov_move(struct prov *dst, struct prov *src)
{
	prov_done(dst);
	*dst = *src;
	memset(src, 0, sizeof(*src));
}

static void query(struct seq *s, uint64_t now, struct seq_actions *out)
{
	s->busy = SEQ_QUERYING;
	s->has_deadline = false;
	s->requery = false;
	s->has_last_query = true;
	s->last_query = now;
	act(out, SEQ_ACT_QUERY, -1, NULL, 0);
}

static void arm(struct seq *s, uint64_t deadline, struct seq_actions *out)
{
	s->has_deadline = true;
	s->deadline = deadline;
	act(out, SEQ_ACT_ARM, -1, NULL, deadline);
}

/* Q8 with a hold-off: query now, or at last query + SEQ_WAN_HOLDOFF. */
static void query_soon(struct seq *s, uint64_t now, struct seq_actions *out)
{
	if (s->has_last_query && now < s->last_query + SEQ_WAN_HOLDOFF)
		arm(s, s->last_query + SEQ_WAN_HOLDOFF, out);
	else
		query(s, now, out);
}

/* Go idle: wait a random time in the window of class c (Q2-Q5, Q7), or
 * query again soon when the WAN changed meanwhile. */
static void wait_for(struct seq *s, enum hb_class c, const struct prov *p,
		     uint64_t now, struct seq_actions *out)
{
	uint32_t lo, hi, r;

	s->busy = SEQ_IDLE;
	if (s->requery) {
		query_soon(s, now, out);
		return;
	}
	seq_wait_window(c, p, &lo, &hi);
	r = s->cfg.rnd ? s->cfg.rnd(s->cfg.rnd_ctx, lo, hi) : lo;
	/* Never trust the source to stay in the window: no busy loop. */
	if (r < lo)
		r = lo;
	if (r > hi)
		r = hi;
	arm(s, now + r, out);
}

/* current describes what runs (it may not: adopted at START, or left
 * by a failed CONFIGURE of other data). */
static bool knows_running(const struct seq *s)
{
	return s->running >= 0 &&
	       prov_has_offer(&s->current, (enum method)s->running);
}

/* What the kernel holds, as the caller read it from the ownership
 * record. Something other than what we thought ran was not set up from
 * current (nor for the present WAN): set it up again when data come. */
static void take_held(struct seq *s, const struct seq_event *ev)
{
	int held = ev->held >= 0 && ev->held < METHOD__COUNT ? ev->held : -1;

	if (!ev->held_known || held == s->running)
		return;
	s->running = held;
	s->replan = held >= 0;
}

static void stop_running(struct seq *s, struct seq_actions *out)
{
	if (s->running >= 0)
		act(out, SEQ_ACT_TEARDOWN, s->running, NULL, 0);
	s->running = -1;
	s->replan = false;
	prov_done(&s->current);
}

/* ---- apply rounds ------------------------------------------------------ */

/* Configure the next method of s->pending not yet failed. */
static bool try_next(struct seq *s, struct seq_actions *out)
{
	int m = seq_pick_method(&s->pending, s->cfg.methods, s->cfg.fixed,
				s->failed);

	if (m < 0)
		return false;
	s->busy = SEQ_APPLYING;
	s->trying = (enum method)m;
	act(out, SEQ_ACT_CONFIGURE, m, &s->pending, 0);
	return true;
}

/* The class whose window is waited once a round ends. */
static enum hb_class round_class(const struct seq *s)
{
	switch (s->round) {
	case SEQ_ROUND_SERVER:
		return HB_OK;
	case SEQ_ROUND_STORED:
	case SEQ_ROUND_REPLAN:
		return s->last_class;
	case SEQ_ROUND_RESTORE:
		return HB_BAD_ANSWER;
	}
	return HB_BAD_ANSWER;
}

static void begin_round(struct seq *s, enum seq_round r, struct prov *data,
			uint64_t now, struct seq_actions *out)
{
	prov_move(&s->pending, data);
	s->round = r;
	s->prev_running = s->running;
	if (try_next(s, out))
		return;
	/* Nothing usable (order [] included): no method for us (S2). The
	 * data stays in pending until the next round (STORE points at it). */
	stop_running(s, out);
	s->state = r == SEQ_ROUND_SERVER ? SEQ_UNCONFIGURED : SEQ_BACKOFF;
	wait_for(s, round_class(s), &s->pending, now, out);
}

static void applied_ok(struct seq *s, uint64_t now, struct seq_actions *out)
{
	s->running = (int)s->trying;
	/* A WAN change during the apply may have come after the plan. */
	s->replan = s->requery;
	if (s->round != SEQ_ROUND_RESTORE)
		prov_move(&s->current, &s->pending);
	s->state = s->round == SEQ_ROUND_SERVER ? SEQ_CONFIGURED : SEQ_BACKOFF;
	wait_for(s, round_class(s), &s->current, now, out);
}

/* The round is over and failed: nothing is lost, the last good kernel
 * state stays and runs (BACKOFF) -- or nothing runs (UNCONFIGURED). */
static void round_failed(struct seq *s, enum hb_class c, uint64_t now,
			 struct seq_actions *out)
{
	if (s->running < 0)
		prov_done(&s->current);
	s->state = s->running >= 0 ? SEQ_BACKOFF : SEQ_UNCONFIGURED;
	wait_for(s, c, NULL, now, out);
}

static void applied_failed(struct seq *s, const struct seq_event *ev,
			   uint64_t now, struct seq_actions *out)
{
	enum hb_class c = s->last_class == HB_OK ? HB_BAD_ANSWER : s->last_class;

	/* The contract: a failed CONFIGURE leaves the kernel as it was;
	 * the caller says what it holds. */
	take_held(s, ev);
	if (s->round == SEQ_ROUND_RESTORE) {
		round_failed(s, c, now, out);
		return;
	}
	s->failed |= BIT(s->trying);
	if (try_next(s, out))
		return;
	/* Every method failed: retry them all next time, and meanwhile go
	 * back to what ran before (set up again from its data: an undo that
	 * fell short is made good), if anything did and its data are known. */
	s->failed = 0;
	prov_done(&s->pending);
	if (s->prev_running >= 0 && s->round == SEQ_ROUND_SERVER &&
	    prov_has_offer(&s->current, (enum method)s->prev_running)) {
		s->round = SEQ_ROUND_RESTORE;
		s->busy = SEQ_APPLYING;
		s->trying = (enum method)s->prev_running;
		act(out, SEQ_ACT_CONFIGURE, s->prev_running, &s->current, 0);
		return;
	}
	round_failed(s, c, now, out);
}

/* ---- outcomes ---------------------------------------------------------- */

/* Q6: valid data. Same settings for the running method (and no WAN
 * change since it was set up): change nothing. Else configure. */
static void on_valid(struct seq *s, struct prov *p, uint64_t now,
		     struct seq_actions *out)
{
	int m;

	s->had_answer = true;
	/* Forget failures of methods whose settings changed. */
	for (int i = 0; i < METHOD__COUNT; i++)
		if ((s->failed & BIT(i)) &&
		    (s->running < 0 || !prov_method_equal(&s->current, p, (enum method)i)))
			s->failed &= ~BIT(i);
	m = seq_pick_method(p, s->cfg.methods, s->cfg.fixed, s->failed);
	if (m >= 0 && m == s->running && !s->replan &&
	    prov_method_equal(&s->current, p, (enum method)m)) {
		act(out, SEQ_ACT_KEEP, m, NULL, 0);
		prov_move(&s->current, p); /* new ttl, token, other offers */
		s->state = SEQ_CONFIGURED;
		wait_for(s, HB_OK, &s->current, now, out);
		act(out, SEQ_ACT_STORE, -1, &s->current, 0);
		return;
	}
	begin_round(s, SEQ_ROUND_SERVER, p, now, out);
	act(out, SEQ_ACT_STORE, -1, &s->pending, 0);
}

/* Q3/Q4/Q5: keep what runs (re-planned after a WAN change); at start,
 * with stored data and the server unreachable, use it (P1). */
static void on_failure(struct seq *s, enum hb_class c, uint64_t now,
		       struct seq_actions *out)
{
	struct prov copy;
	bool unreachable = c == HB_DNS_FAILURE || c == HB_NO_ANSWER;

	if (!unreachable)
		s->had_answer = true;
	if (knows_running(s) && s->replan &&
	    prov_copy(&copy, &s->current) == 0) {
		begin_round(s, SEQ_ROUND_REPLAN, &copy, now, out);
		return;
	}
	/* P1 also over a state adopted from the kernel: its data are not
	 * known, the stored data are the last good ones. */
	if (!knows_running(s) && unreachable && !s->had_answer &&
	    s->has_stored && prov_copy(&copy, &s->stored) == 0) {
		begin_round(s, SEQ_ROUND_STORED, &copy, now, out);
		return;
	}
	if (s->running >= 0)
		act(out, SEQ_ACT_KEEP, s->running, NULL, 0);
	s->state = SEQ_BACKOFF;
	wait_for(s, c, NULL, now, out);
}

static int on_result(struct seq *s, struct seq_event *ev, uint64_t now,
		     struct seq_actions *out)
{
	if (s->busy != SEQ_QUERYING)
		return -EALREADY;
	if (ev->cls == HB_OK && !ev->prov)
		return -EINVAL;
	s->busy = SEQ_IDLE;
	s->last_class = ev->cls;
	switch (ev->cls) {
	case HB_OK:
		on_valid(s, ev->prov, now, out);
		break;
	case HB_NOT_PROVISIONED:
		/* Q2: disable any running method, wait 1-3 h. */
		s->had_answer = true;
		s->failed = 0;
		stop_running(s, out);
		s->state = SEQ_UNCONFIGURED;
		wait_for(s, HB_NOT_PROVISIONED, NULL, now, out);
		break;
	case HB_DNS_FAILURE:
	case HB_NO_ANSWER:
	case HB_BAD_ANSWER:
		on_failure(s, ev->cls, now, out);
		break;
	}
	return 0;
}

static int on_start(struct seq *s, struct seq_event *ev, uint64_t now,
		    struct seq_actions *out)
{
	if (s->state != SEQ_STOPPED)
		return -EALREADY;
	prov_done(&s->stored);
	s->has_stored = ev->prov != NULL;
	if (ev->prov)
		prov_move(&s->stored, ev->prov);
	s->had_answer = false;
	s->failed = 0;
	/* A restart (or SIGHUP) adopts what the kernel holds of ours: it
	 * runs, to be set up again from the first data, or taken down by
	 * Q2/S2. */
	s->running = -1;
	take_held(s, ev);
	s->state = SEQ_STARTING;
	query(s, now, out); /* Q1 */
	return 0;
}

static int on_stop(struct seq *s, const struct seq_event *ev,
		   struct seq_actions *out)
{
	if (s->state == SEQ_STOPPED)
		return -EALREADY;
	if (ev->teardown)
		stop_running(s, out);
	s->running = -1;
	prov_done(&s->current);
	prov_done(&s->pending);
	s->state = SEQ_STOPPED;
	s->busy = SEQ_IDLE;
	s->has_deadline = false;
	s->requery = s->replan = false;
	return 0;
}

/* Q7/Q8: an address change ends the wait at once (after the hold-off);
 * what runs is set up again for the new address. */
static int on_wan(struct seq *s, uint64_t now, struct seq_actions *out)
{
	if (s->state == SEQ_STOPPED)
		return -EALREADY;
	s->failed = 0;
	s->replan = s->running >= 0 || s->busy == SEQ_APPLYING;
	if (s->busy != SEQ_IDLE) {
		s->requery = true;
		return 0;
	}
	query_soon(s, now, out);
	return 0;
}

static int on_timer(struct seq *s, uint64_t now, struct seq_actions *out)
{
	if (s->state == SEQ_STOPPED || s->busy != SEQ_IDLE || !s->has_deadline)
		return -EALREADY;
	if (now < s->deadline) {
		arm(s, s->deadline, out); /* early: wait on */
		return 0;
	}
	query(s, now, out);
	return 0;
}

/* An operator's "fetch now": like a deadline reached, at once. */
static int on_refresh(struct seq *s, uint64_t now, struct seq_actions *out)
{
	if (s->state == SEQ_STOPPED || s->busy != SEQ_IDLE)
		return -EALREADY;
	query(s, now, out);
	return 0;
}

static int on_applied(struct seq *s, const struct seq_event *ev,
		      uint64_t now, struct seq_actions *out)
{
	if (s->busy != SEQ_APPLYING)
		return -EALREADY;
	s->busy = SEQ_IDLE;
	if (ev->ok)
		applied_ok(s, now, out);
	else
		applied_failed(s, ev, now, out);
	return 0;
}

int seq_step(struct seq *s, struct seq_event *ev, uint64_t now,
	     struct seq_actions *out)
{
	int rc = -EALREADY;

	out->n = 0;
	switch (ev->type) {
	case SEQ_EV_START:
		rc = on_start(s, ev, now, out);
		break;
	case SEQ_EV_TIMER:
		rc = on_timer(s, now, out);
		break;
	case SEQ_EV_WAN_CHANGED:
		rc = on_wan(s, now, out);
		break;
	case SEQ_EV_RESULT:
		rc = on_result(s, ev, now, out);
		break;
	case SEQ_EV_APPLIED:
		rc = on_applied(s, ev, now, out);
		break;
	case SEQ_EV_STOP:
		rc = on_stop(s, ev, out);
		break;
	case SEQ_EV_REFRESH:
		rc = on_refresh(s, now, out);
		break;
	}
	/* The prov an event carried is ours now, used or not. */
	if (ev->prov) {
		prov_done(ev->prov);
		ev->prov = NULL;
	}
	return rc;
}
