/* SPDX-License-Identifier: MIT */
/* The HB46PP 3.6 access sequence (Q1-Q8, P1) as a pure state machine:
 * (state, event, now, random) -> (new state, actions). No I/O, no clock
 * of its own, no globals: the daemon feeds it events and carries out the
 * actions; tests feed it a fake clock and a fake random source.
 *
 * Contract with the caller:
 * - Every QUERY is answered by exactly one RESULT event, every CONFIGURE
 *   by exactly one APPLIED event; the sequence has at most one of them
 *   outstanding and ignores (returns -EALREADY) events that answer
 *   nothing.
 * - ARM replaces any earlier deadline; deliver TIMER once now >= it.
 *   While a query or an apply is outstanding no deadline is armed.
 * - CONFIGURE(m, p) makes method m with data p the one running (the
 *   applier reconciles: the same plan twice writes nothing). When it
 *   fails, the kernel is left as it was (a refused plan or an AFTR not
 *   resolved writes nothing; a refused write is undone), so what ran
 *   before still runs. The caller says what the kernel holds (the
 *   ownership record) with the APPLIED and START events, so what runs
 *   is derived from the kernel, never assumed: a Q2 or S2 later still
 *   takes it down.
 * - TEARDOWN(m) removes method m. STORE(p) saves p as the last good data
 *   (P1); the caller writes it and the token (store.h).
 * - A prov handed in with an event is moved into the sequence: the
 *   caller's struct is zeroed and needs no prov_done().
 * - Pointers in actions stay valid until the next seq_step/seq_done. */
#ifndef V6MIG_SEQUENCE_H
#define V6MIG_SEQUENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hbclass.h"
#include "prov.h"

/* Q2-Q5, Q7 windows in seconds. */
#define SEQ_Q2_MIN 3600u   /* not provisioned: 1-3 h */
#define SEQ_Q2_MAX 10800u
#define SEQ_Q3_MIN 60u     /* other DNS failure: 1-10 min */
#define SEQ_Q3_MAX 600u
#define SEQ_Q45_MIN 600u   /* no answer, bad answer: 10-30 min */
#define SEQ_Q45_MAX 1800u
#define SEQ_Q7_MIN 72000u  /* valid data without ttl: 20-24 h */
#define SEQ_Q7_MAX 86400u
/* Our floor under a server's ttl: the spec bounds ttl from above only
 * (S5); a ttl of 1 must not become a query a second. */
#define SEQ_TTL_FLOOR 60u
/* Q8: an address change queries at once, but not sooner than this after
 * the previous query, so a flapping WAN cannot hammer the server. */
#define SEQ_WAN_HOLDOFF 10u

enum seq_state {
	SEQ_STOPPED,      /* not started, or stopped */
	SEQ_STARTING,     /* Q1: the first query since start */
	SEQ_CONFIGURED,   /* Q6/Q7: a method runs from valid data; wait ttl */
	SEQ_UNCONFIGURED, /* Q2, order [] or no usable method: none runs */
	SEQ_BACKOFF,      /* Q3-Q5: the last attempt failed; a method may run */
};

enum seq_busy {
	SEQ_IDLE,         /* waiting for the deadline or an event */
	SEQ_QUERYING,     /* a QUERY is outstanding */
	SEQ_APPLYING,     /* a CONFIGURE is outstanding */
};

enum seq_event_type {
	SEQ_EV_START,       /* prov: the stored data (P1), or NULL */
	SEQ_EV_TIMER,
	SEQ_EV_WAN_CHANGED, /* Q7/Q8: the WAN IPv6 address or prefix changed */
	SEQ_EV_RESULT,      /* cls; prov when cls == HB_OK */
	SEQ_EV_APPLIED,     /* ok */
	SEQ_EV_STOP,        /* teardown: take our method down */
	SEQ_EV_REFRESH,     /* the operator asks for a fetch now (SIGUSR1) */
};

struct seq_event {
	enum seq_event_type type;
	enum hb_class cls;
	struct prov *prov;
	bool ok;
	bool teardown;
	/* START, and APPLIED with !ok: what the kernel holds of ours, read
	 * from the ownership record (held_known); held: its method, or -1
	 * for nothing. Unknown: as before the CONFIGURE (nothing at START). */
	bool held_known;
	int held;
};

enum seq_action_type {
	SEQ_ACT_QUERY,      /* discover + fetch + validate now */
	SEQ_ACT_CONFIGURE,  /* method, prov */
	SEQ_ACT_TEARDOWN,   /* method */
	SEQ_ACT_KEEP,       /* method: keeps running unchanged (Q3-Q6) */
	SEQ_ACT_STORE,      /* prov: the last good data (P1) */
	SEQ_ACT_ARM,        /* deadline */
};

struct seq_action {
	enum seq_action_type type;
	enum method method;
	const struct prov *prov;
	uint64_t deadline;  /* seconds on the caller's monotonic clock */
};

#define SEQ_MAX_ACTIONS 4
struct seq_actions {
	size_t n;
	struct seq_action a[SEQ_MAX_ACTIONS];
};

/* A uniform random integer in [min, max]. */
typedef uint32_t (*seq_rand_fn)(void *ctx, uint32_t min, uint32_t max);

struct seq_config {
	uint32_t methods;   /* bit (1u << m) for each method this build has */
	int fixed;          /* S8 fixed mode: a method, or -1: follow order */
	seq_rand_fn rnd;
	void *rnd_ctx;
};

/* What an apply round is for: decides the state and wait afterwards. */
enum seq_round {
	SEQ_ROUND_SERVER,   /* fresh valid data (Q6) */
	SEQ_ROUND_STORED,   /* P1: stored data, the server unreachable */
	SEQ_ROUND_REPLAN,   /* same data, new WAN facts (Q8), server failed */
	SEQ_ROUND_RESTORE,  /* the new data failed: back to what ran */
};

struct seq {
	struct seq_config cfg;
	enum seq_state state;
	enum seq_busy busy;
	enum hb_class last_class;  /* of the last RESULT */
	bool has_deadline;
	uint64_t deadline;
	bool has_last_query;
	uint64_t last_query;
	bool requery;              /* WAN changed while busy */
	bool replan;               /* WAN changed since the method was set up */
	bool had_answer;           /* the network answered since start (P1) */
	/* What runs (what the kernel holds): method and data (running < 0:
	 * nothing). current has no offer for running when what runs was
	 * adopted at START or left by a failed CONFIGURE of other data. */
	int running;
	struct prov current;
	/* The apply round in progress. */
	enum seq_round round;
	enum method trying;
	int prev_running;          /* what ran before the round, or -1 */
	uint32_t failed;           /* methods that failed with these settings */
	struct prov pending;
	/* P1: the stored data given at start. */
	bool has_stored;
	struct prov stored;
};

void seq_init(struct seq *s, const struct seq_config *cfg);
void seq_done(struct seq *s);
/* Feed one event at time now; out receives the actions, in order.
 * Returns 0, -EALREADY for an event that answers nothing outstanding
 * (ignored; a prov it carried is freed), or -EINVAL for a RESULT of
 * HB_OK without data (ignored). */
int seq_step(struct seq *s, struct seq_event *ev, uint64_t now,
	     struct seq_actions *out);

const char *seq_state_name(enum seq_state st);
const char *seq_action_name(enum seq_action_type t);
/* The window the sequence waits after an outcome of class c (p: the
 * valid data for HB_OK, or NULL). */
void seq_wait_window(enum hb_class c, const struct prov *p, uint32_t *min_s,
		     uint32_t *max_s);
/* The method to run: the first in p's order (or the fixed one) that is
 * in methods, offered, and not in skip; -1 for none. */
int seq_pick_method(const struct prov *p, uint32_t methods, int fixed,
		    uint32_t skip);
/* The methods this build has (method_ops()), as a mask for seq_config. */
uint32_t seq_build_methods(void);

#endif
