/* SPDX-License-Identifier: MIT */
/* Reconcile (netlink/apply.c) of the translator methods against the fake
 * kernel: the IPv4-side veth pair made once and deleted once (the peer
 * goes with it), the translator applied and removed after the
 * link writes, the same plan twice writing nothing, the WAN recorded for
 * down, and every write of a cold apply undone when refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../netlink/apply.h"
#include "../../tunnels/provdata.h"
#include "config.h"
#include "plan_util.h"
#include "apply_util.h"
#include "fake_backend.h"

#include <errno.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef CONFIG_METHOD_MAP_T
struct t {
	char dir[64];
	struct fake_kernel k, before;
	struct backend be;
	struct err e;
	struct apply_stats st;
	struct plan p;
};

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	state_dir_make(t->dir, sizeof(t->dir), "apply-xlat");
	fake_init(&t->k);
	fake_add_wan(&t->k);
	t->be = fake_backend(&t->k);
	t->before = t->k;
	plan_rfc7599(&t->p, "eth0");
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;

	state_dir_remove(t->dir);
	free(t);
	return 0;
}

static int apply(struct t *t)
{
	memset(&t->e, 0, sizeof(t->e));
	return apply_plan(&t->be, t->dir, &t->p, &t->st, &t->e);
}

static int down(struct t *t)
{
	memset(&t->e, 0, sizeof(t->e));
	return apply_down(&t->be, t->dir, &t->st, &t->e);
}

/* Cold: table, the pair (one write), the /128 on the WAN, the IPv4 /32,
 * the route, then the translator -- six writes; again: none. */
static void test_cold_then_zero(void **state)
{
	struct t *t = *state;
	const struct klink *a, *b;
	struct own_record r;
	bool found;

	assert_int_equal(apply(t), 0);
	assert_int_equal(t->st.writes, 6);
	assert_string_equal(t->k.log[0], "nft_apply");
	assert_string_equal(t->k.log[1], "link_add v6mig0");
	assert_string_equal(t->k.log[t->k.n_log - 1], "xlat_apply eth0 v6mig0");
	a = fake_link(&t->k, "v6mig0");
	b = fake_link(&t->k, "v6mig1");
	assert_non_null(a);
	assert_non_null(b);
	assert_string_equal(a->kind, "veth");
	assert_string_equal(a->l.peer, "v6mig1");
	assert_string_equal(b->l.peer, "v6mig0");
	assert_true(a->noarp);
	assert_int_equal(a->l.mtu, 1472);
	assert_true(t->k.xlat.enabled);
	assert_string_equal(t->k.xlat.wan, "eth0");
	assert_int_equal(record_load(t->dir, &r, &found, &t->e), 0);
	assert_true(found);
	assert_string_equal(r.xlat_wan, "eth0");

	assert_int_equal(apply(t), 0);
	assert_int_equal(t->st.writes, 0);
}

/* Down: one delete for the pair (the
 * peer goes with it, its addresses and route too), the /128, the table:
 * the kernel as before. */
static void test_down_exact(void **state)
{
	struct t *t = *state;
	size_t start;

	assert_int_equal(apply(t), 0);
	start = t->k.n_log;
	assert_int_equal(down(t), 0);
	/* the filter comes off after the link writes (apply.c commit()) */
	assert_true(t->k.n_log > start);
	assert_string_equal(t->k.log[t->k.n_log - 1], "xlat_remove eth0");
	assert_int_equal(fake_count(&t->k, "link_del"), 1);
	assert_null(fake_link(&t->k, "v6mig1"));
	assert_true(fake_state_equal(&t->k, &t->before));
	assert_false(t->k.xlat.enabled);
	assert_false(record_exists(t->dir));
}

/* Every write of the cold apply refused in turn: the kernel is left as
 * it was, the translator included. */
static void test_rollback_each_write(void **state)
{
	struct t *t = *state;

	expect_rollback_each(&t->k, &t->before, &t->be, t->dir, &t->p, 6);
}

/* The WAN changes: the filter leaves the old one, the new gets it. */
static void test_wan_moves(void **state)
{
	struct t *t = *state;

	fake_add_link(&t->k, "eth1", "veth");
	assert_int_equal(apply(t), 0);
	snprintf(t->p.xlat.wan, sizeof(t->p.xlat.wan), "eth1");
	assert_int_equal(apply(t), 0);
	assert_int_equal(fake_count(&t->k, "xlat_remove eth0"), 1);
	assert_string_equal(t->k.xlat.wan, "eth1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cold_then_zero, setup, teardown),
		cmocka_unit_test_setup_teardown(test_down_exact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback_each_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wan_moves, setup, teardown),
	};

	return cmocka_run_group_tests_name("apply_xlat", tests, NULL, NULL);
}
#else
int main(void)
{
	return 0;
}
#endif
