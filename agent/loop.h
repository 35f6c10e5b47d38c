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

#endif
