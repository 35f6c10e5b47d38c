/* SPDX-License-Identifier: MIT */
#include "loop.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

struct loop {
	int epfd;
	bool quit;
};

struct loop *loop_new(void)
{
	struct loop *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		free(l);
		return NULL;
	}
	return l;
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	close(l->epfd);
	free(l);
}

int loop_fd_add(struct loop *l, struct loop_fd *h)
{
	struct epoll_event ev = { .events = h->events, .data.ptr = h };

	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, h->fd, &ev) < 0)
		return -errno;
	return 0;
}

int loop_fd_mod(struct loop *l, struct loop_fd *h, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = h };

	h->events = events;
	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, h->fd, &ev) < 0)
		return -errno;
	return 0;
}

void loop_fd_del(struct loop *l, struct loop_fd *h)
{
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, h->fd, NULL);
}

uint64_t loop_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int loop_run_once(struct loop *l, int timeout_ms)
{
	struct epoll_event evs[16];
	int n;

	/* quit ends loop_run(), and the rest of the turn it was asked in. */
	l->quit = false;
	n = epoll_wait(l->epfd, evs, 16, timeout_ms);

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n && !l->quit; i++) {
		struct loop_fd *h = evs[i].data.ptr;

		h->cb(h, evs[i].events, h->data);
	}
	return n;
}

int loop_run(struct loop *l)
{
	int rc = 0;

	do
		rc = loop_run_once(l, -1);
	while (!l->quit && rc >= 0);
	return rc < 0 ? rc : 0;
}

void loop_quit(struct loop *l)
{
	l->quit = true;
}

bool loop_quitting(const struct loop *l)
{
	return l->quit;
}

static void timer_fired(struct loop_fd *h, uint32_t events, void *data)
{
	struct loop_timer *t = data;
	uint64_t n;

	(void)events;
	if (read(h->fd, &n, sizeof(n)) != sizeof(n))
		return;
	t->cb(t, t->data);
}

/* A timerfd on clock `id`, non-blocking, watched by the loop: cb(h, data). */
static int timerfd_watch(struct loop *l, struct loop_fd *h, int id,
			 loop_fd_cb cb, void *data)
{
	int rc;

	h->fd = timerfd_create(id, TFD_CLOEXEC | TFD_NONBLOCK);
	if (h->fd < 0)
		return -errno;
	h->events = EPOLLIN;
	h->cb = cb;
	h->data = data;
	rc = loop_fd_add(l, h);
	if (rc < 0) {
		close(h->fd);
		h->fd = -1;
	}
	return rc;
}

int loop_timer_init(struct loop *l, struct loop_timer *t,
		    void (*cb)(struct loop_timer *, void *), void *data)
{
	memset(t, 0, sizeof(*t));
	t->cb = cb;
	t->data = data;
	return timerfd_watch(l, &t->h, CLOCK_MONOTONIC, timer_fired, t);
}

int loop_timer_arm_at(struct loop_timer *t, uint64_t when_ms)
{
	struct itimerspec its = { 0 };

	/* An absolute time of 0 would disarm: the past fires at once. */
	if (when_ms == 0)
		when_ms = 1;
	its.it_value.tv_sec = (time_t)(when_ms / 1000);
	its.it_value.tv_nsec = (long)(when_ms % 1000) * 1000000L;
	if (timerfd_settime(t->h.fd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		return -errno;
	return 0;
}

int loop_timer_disarm(struct loop_timer *t)
{
	struct itimerspec its = { 0 };

	if (timerfd_settime(t->h.fd, 0, &its, NULL) < 0)
		return -errno;
	return 0;
}

void loop_timer_done(struct loop *l, struct loop_timer *t)
{
	if (t->h.fd < 0)
		return;
	loop_fd_del(l, &t->h);
	close(t->h.fd);
	t->h.fd = -1;
}

/* ---- the wall clock being set --------------------------------------------- */

static int clock_arm(struct loop_clock *c)
{
	struct itimerspec its = { 0 };
	struct timespec now;

	/* ten years ahead: it never expires, it only cancels */
	clock_gettime(CLOCK_REALTIME, &now);
	its.it_value.tv_sec = now.tv_sec + 10 * 365 * 86400L;
	if (timerfd_settime(c->h.fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET,
			    &its, NULL) < 0)
		return -errno;
	return 0;
}

void loop_clock_handle(struct loop_clock *c, long n, int err)
{
	if (n >= 0 || err != ECANCELED)
		return; /* expired (ten years on) or nothing to read: no news */
	c->sets++;
	clock_arm(c);
	c->cb(c, c->data);
}

static void clock_fired(struct loop_fd *h, uint32_t events, void *data)
{
	uint64_t n;
	ssize_t r;

	(void)events;
	r = read(h->fd, &n, sizeof(n));
	loop_clock_handle(data, (long)r, r < 0 ? errno : 0);
}

int loop_clock_init(struct loop *l, struct loop_clock *c,
		    void (*cb)(struct loop_clock *, void *), void *data)
{
	int rc;

	memset(c, 0, sizeof(*c));
	c->cb = cb;
	c->data = data;
	rc = timerfd_watch(l, &c->h, CLOCK_REALTIME, clock_fired, c);
	if (rc == 0 && (rc = clock_arm(c)) < 0)
		loop_clock_done(l, c);
	return rc;
}

void loop_clock_done(struct loop *l, struct loop_clock *c)
{
	if (c->h.fd <= 0)
		return;
	loop_fd_del(l, &c->h);
	close(c->h.fd);
	c->h.fd = -1;
}
