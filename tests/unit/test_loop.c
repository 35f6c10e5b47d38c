/* SPDX-License-Identifier: MIT */
/* The event loop: timers at absolute times, fd readiness, quit. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "../../agent/loop.h"

struct rec {
	struct loop *l;
	int order[4];
	int n;
};

static void fire_a(struct loop_timer *t, void *data)
{
	struct rec *r = data;

	(void)t;
	r->order[r->n++] = 1;
}

static void fire_b(struct loop_timer *t, void *data)
{
	struct rec *r = data;

	(void)t;
	r->order[r->n++] = 2;
	loop_quit(r->l);
}

static void test_timers_in_order(void **state)
{
	struct rec r = { 0 };
	struct loop_timer a, b;
	uint64_t start = loop_now_ms(), end;

	(void)state;
	r.l = loop_new();
	assert_non_null(r.l);
	assert_int_equal(loop_timer_init(r.l, &a, fire_a, &r), 0);
	assert_int_equal(loop_timer_init(r.l, &b, fire_b, &r), 0);
	assert_int_equal(loop_timer_arm_at(&b, start + 60), 0);
	assert_int_equal(loop_timer_arm_at(&a, start + 20), 0);
	assert_int_equal(loop_run(r.l), 0);
	end = loop_now_ms();
	assert_int_equal(r.n, 2);
	assert_int_equal(r.order[0], 1);
	assert_int_equal(r.order[1], 2);
	assert_true(end - start >= 60);
	assert_true(end - start < 2000);
	/* A disarmed timer does not fire. */
	r.n = 0;
	assert_int_equal(loop_timer_arm_at(&a, loop_now_ms() + 10), 0);
	assert_int_equal(loop_timer_disarm(&a), 0);
	assert_int_equal(loop_run_once(r.l, 50), 0);
	assert_int_equal(r.n, 0);
	/* A time in the past fires at once. */
	assert_int_equal(loop_timer_arm_at(&a, 1), 0);
	assert_int_equal(loop_run_once(r.l, 1000), 1);
	assert_int_equal(r.n, 1);
	loop_timer_done(r.l, &a);
	loop_timer_done(r.l, &b);
	loop_free(r.l);
}

static void on_read(struct loop_fd *h, uint32_t events, void *data)
{
	int *got = data;
	char c;

	assert_true(events & EPOLLIN);
	assert_int_equal(read(h->fd, &c, 1), 1);
	*got = c;
}

static void test_fd_ready(void **state)
{
	struct loop *l = loop_new();
	int p[2], got = 0;
	struct loop_fd h;

	(void)state;
	assert_int_equal(pipe(p), 0);
	h = (struct loop_fd){ .fd = p[0], .events = EPOLLIN, .cb = on_read, .data = &got };
	assert_int_equal(loop_fd_add(l, &h), 0);
	assert_int_equal(loop_run_once(l, 0), 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(loop_run_once(l, 1000), 1);
	assert_int_equal(got, 'x');
	loop_fd_del(l, &h);
	close(p[0]);
	close(p[1]);
	loop_free(l);
}

static void on_set(struct loop_clock *c, void *data)
{
	(void)c;
	(*(int *)data)++;
}

/* The wall clock being set: ECANCELED from the timerfd's read means set
 * (the callback runs, the watcher is armed again); a plain read (the
 * far-off expiry) or EAGAIN means nothing. The kernel side -- that a
 * settimeofday cancels the read -- is driven for real in
 * tests/ns/test_clock.sh. */
static void test_clock_set(void **state)
{
	struct loop *l = loop_new();
	struct loop_clock c;
	int n = 0;

	(void)state;
	assert_int_equal(loop_clock_init(l, &c, on_set, &n), 0);
	loop_clock_handle(&c, -1, EAGAIN);
	loop_clock_handle(&c, 8, 0);
	assert_int_equal(n, 0);
	loop_clock_handle(&c, -1, ECANCELED);
	assert_int_equal(n, 1);
	assert_int_equal(c.sets, 1);
	/* armed again: nothing pending, the loop does not spin on it */
	assert_int_equal(loop_run_once(l, 20), 0);
	assert_int_equal(n, 1);
	loop_clock_done(l, &c);
	loop_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clock_set),
		cmocka_unit_test(test_timers_in_order),
		cmocka_unit_test(test_fd_ready),
	};

	return cmocka_run_group_tests_name("loop", tests, NULL, NULL);
}
