/* SPDX-License-Identifier: MIT */
/* One epoll loop: file descriptors with callbacks, one timer (timerfd,
 * CLOCK_MONOTONIC) per user, signals through signalfd. */
#ifndef V6MIG_LOOP_H
#define V6MIG_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct loop;
struct loop_fd;

typedef void (*loop_fd_cb)(struct loop_fd *h, uint32_t events, void *data);

struct loop_fd {
	int fd;
	uint32_t events;
	loop_fd_cb cb;
	void *data;
};

struct loop *loop_new(void);
void loop_free(struct loop *l);
/* Watch (or change the events of) h->fd. h must stay valid until removed. */
int loop_fd_add(struct loop *l, struct loop_fd *h);
int loop_fd_mod(struct loop *l, struct loop_fd *h, uint32_t events);
void loop_fd_del(struct loop *l, struct loop_fd *h);
/* Monotonic now, in milliseconds. */
uint64_t loop_now_ms(void);
/* Run until loop_quit() or an error; wait at most timeout_ms per turn
 * (-1 forever). Returns 0 or -errno. */
int loop_run(struct loop *l);
int loop_run_once(struct loop *l, int timeout_ms);
void loop_quit(struct loop *l);
bool loop_quitting(const struct loop *l);

/* A one-shot timer: arm at an absolute monotonic time; re-arming moves it. */
struct loop_timer {
	struct loop_fd h;
	void (*cb)(struct loop_timer *t, void *data);
	void *data;
};
int loop_timer_init(struct loop *l, struct loop_timer *t,
		    void (*cb)(struct loop_timer *, void *), void *data);
int loop_timer_arm_at(struct loop_timer *t, uint64_t when_ms);
int loop_timer_disarm(struct loop_timer *t);
void loop_timer_done(struct loop *l, struct loop_timer *t);

/* The wall clock was set (settimeofday, an NTP step, a time from the
 * network at boot): a CLOCK_REALTIME timerfd armed far ahead with
 * TFD_TIMER_CANCEL_ON_SET, whose read fails with ECANCELED when the clock
 * is set; it is re-armed and cb runs. Monotonic timers are not affected
 * by a set clock, so this is the one way the loop learns of it. */
struct loop_clock {
	struct loop_fd h;
	void (*cb)(struct loop_clock *c, void *data);
	void *data;
	unsigned sets;            /* clock sets seen */
};
int loop_clock_init(struct loop *l, struct loop_clock *c,
		    void (*cb)(struct loop_clock *, void *), void *data);
void loop_clock_done(struct loop *l, struct loop_clock *c);
/* One read's outcome (n bytes, or -1 and err): what the watcher does with
 * it. Exposed for tests (a fake ECANCELED). */
void loop_clock_handle(struct loop_clock *c, long n, int err);

#endif
