/* SPDX-License-Identifier: MIT */
/* What the HB46PP 3.6 sequence tests (test_sequence_*.c) share: a fake
 * clock and random source around struct seq, the events as one-liners,
 * the actions as text, and the provisioning data they feed it. */
#ifndef V6MIG_TEST_SEQ_UTIL_H
#define V6MIG_TEST_SEQ_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#include "../../agent/sequence.h"

#define BIT(m) (1u << (unsigned)(m))

enum rmode { R_MIN, R_MAX, R_LOW, R_HIGH, R_LCG };

struct fake_rand {
	enum rmode mode;
	uint32_t lo, hi;     /* the last window asked for */
	unsigned calls;
	uint64_t state;      /* R_LCG */
};

struct t {
	struct seq s;
	struct fake_rand r;
	struct seq_actions a;
	uint64_t now;
};

#define DSLITE_A "{\"ttl\":3600,\"order\":[\"dslite\"],\"dslite\":{\"aftr\":\"a.example\"}}"
#define DSLITE_A_TTL "{\"ttl\":7200,\"order\":[\"dslite\"],\"dslite\":{\"aftr\":\"a.example\"}}"
#define DSLITE_B "{\"ttl\":3600,\"order\":[\"dslite\"],\"dslite\":{\"aftr\":\"b.example\"}}"
#define NO_TTL "{\"order\":[\"dslite\"],\"dslite\":{\"aftr\":\"a.example\"}}"
#define EMPTY "{\"ttl\":5000,\"order\":[]}"
#define MAPE_DS "{\"ttl\":3600,\"order\":[\"map_e\",\"dslite\"],\"dslite\":{\"aftr\":\"a.example\"}," \
	"\"map_e\":{\"br\":\"2001:db8::1\",\"rules\":[{\"ipv6\":\"2001:db8::/40\",\"ipv4\":\"192.0.2.0/24\",\"ea_length\":16}]}}"

void t_init(struct t *t, uint32_t methods, int fixed, enum rmode mode);
/* One event at t->now; the actions land in t->a. */
int ev(struct t *t, enum seq_event_type type);
/* A query's result, with data parsed from json (NULL: none). */
int result(struct t *t, enum hb_class c, const char *json);
int applied(struct t *t, bool ok);
/* A failed apply after which the kernel holds method `held` (-1: nothing),
 * as the daemon reads it from the ownership record. */
int applied_held(struct t *t, int held);
/* Started with stored data (NULL: none) ... */
int start(struct t *t, const char *stored);
/* ... and with `held` in the kernel (a restart, SIGHUP). */
int start_held(struct t *t, const char *stored, int held);
/* The actions, as text: "query", "configure:dslite", "arm:+3600", ... */
const char *acts(const struct t *t);
const struct prov *act_prov(const struct t *t, enum seq_action_type type);
/* Started, data applied: dslite runs from DSLITE_A (ttl 3600), and the
 * ttl's timer has just sent the next query. */
void running_dslite(struct t *t, enum rmode mode);
/* A step and what it must ask for (as acts() writes it). Macros, so that
 * a failure names the test's line. */
#define EXPECT_STEP(t, step, want)                                          \
	do {                                                               \
		assert_int_equal(step, 0);                                 \
		assert_string_equal(acts(t), want);                        \
	} while (0)
#define EXPECT_RESULT(t, cls, json, want) EXPECT_STEP(t, result(t, cls, json), want)
#define EXPECT_APPLIED(t, ok, want) EXPECT_STEP(t, applied(t, ok), want)
#define EXPECT_EV(t, type, want) EXPECT_STEP(t, ev(t, type), want)
/* The wait is over: the sequence queries. */
void at_deadline(struct t *t);

#endif
