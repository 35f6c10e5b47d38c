/* SPDX-License-Identifier: MIT */
/* Reconcile (netlink/apply.c) against the fake kernel: foreign objects
 * untouched, rollback at every failure point, down, the ownership record. */
#include "apply_fixture.h"

#include <errno.h>

/* ---- ownership ------------------------------------------------------------ */

static void test_foreign_objects_survive_everything(void **state)
{
	struct t *t = *state;
	struct fake_kernel *before = fake_snapshot(&t->k);
	struct plan p;
	struct apply_stats st;

	mape_plan(&p, "2001:db8::1");
	assert_int_equal(apply(t, &p), 0);
	mape_plan(&p, "2001:db8::2");
	assert_int_equal(apply(t, &p), 0);
	assert_int_equal(apply_down(&t->be, t->dir, &st, &t->e), 0);
	assert_true(fake_state_equal(before, &t->k));
	assert_true(t->k.foreign_table);
	assert_int_equal(fake_count(&t->k, "addr_del eth0 2001:db8:12:3400::99"), 0);
	assert_false(record_exists(t->dir));
	free(before);
}

static void test_same_named_link_of_other_kind_is_refused(void **state)
{
	struct t *t = *state;
	struct plan p;
	struct apply_stats st;

	fake_add_link(&t->k, "v6mig0", "dummy");
	fake_add_link(&t->k, "v6mig7", "dummy");
	mape_plan(&p, "2001:db8::1");
	assert_int_equal(apply(t, &p), -EEXIST);
	assert_non_null(strstr(t->e.msg, "v6mig0"));
	assert_non_null(strstr(t->e.msg, "dummy"));
	assert_int_equal(t->k.writes, 0);
	/* And down does not take a v6mig<n> that is not an ip6tnl. */
	assert_int_equal(apply_down(&t->be, t->dir, &st, &t->e), 0);
	assert_int_equal(st.writes, 0);
	assert_non_null(fake_link(&t->k, "v6mig7"));
}

static void test_foreign_route_on_our_key_is_refused_and_rolled_back(void **state)
{
	struct t *t = *state;
	struct fake_kernel *before;
	struct plan p;

	/* Somebody's default route (e.g. DHCP on another uplink). */
	fake_add_route(&t->k, "dummy9", "0.0.0.0/0", RTPROT_DHCP);
	before = fake_snapshot(&t->k);
	mape_plan(&p, "2001:db8::1");
	assert_int_equal(apply(t, &p), -EEXIST);
	assert_true(t->st.rolled_back);
	assert_true(fake_state_equal(before, &t->k));
	assert_false(record_exists(t->dir));
	free(before);
}

static void test_plan_with_foreign_names_is_refused(void **state)
{
	struct t *t = *state;
	struct plan p;

	mape_plan(&p, "2001:db8::1");
	strcpy(p.links[0].name, "eth0");
	assert_int_equal(apply(t, &p), -EINVAL);
	assert_int_equal(t->k.writes, 0);
	mape_plan(&p, "2001:db8::1");
	strcpy(p.routes[0].dev, "dummy9");
	assert_int_equal(apply(t, &p), -EINVAL);
	assert_int_equal(t->k.writes, 0);
}

/* ---- rollback ------------------------------------------------------------- */

/* Fail write n of going from `from` (NULL: nothing) to `to`; the fake
 * kernel and the record must be exactly as before. Returns how many
 * writes the transition takes when nothing fails. */
static unsigned transition_writes(const struct plan *from, const struct plan *to)
{
	struct t *t;
	unsigned n;

	setup((void **)&t);
	if (from)
		assert_int_equal(apply(t, from), 0);
	n = t->k.writes;
	if (to)
		assert_int_equal(apply(t, to), 0);
	else
		assert_int_equal(apply_down(&t->be, t->dir, &t->st, &t->e), 0);
	n = t->k.writes - n;
	teardown((void **)&t);
	return n;
}

static void fail_each_write(const struct plan *from, const struct plan *to)
{
	unsigned total = transition_writes(from, to);

	assert_true(total > 0);
	for (unsigned i = 1; i <= total; i++) {
		struct t *t;
		struct fake_kernel *snap;
		char *rec_before = NULL;
		struct own_record r;
		bool found;
		int rc;

		setup((void **)&t);
		if (from)
			assert_int_equal(apply(t, from), 0);
		assert_int_equal(record_load(t->dir, &r, &found, &t->e), 0);
		if (found)
			rec_before = record_to_json(&r);
		snap = fake_snapshot(&t->k);
		t->k.fail_at = t->k.writes + i;
		rc = to ? apply(t, to) : apply_down(&t->be, t->dir, &t->st, &t->e);
		assert_int_equal(rc, -EINVAL);
		assert_non_null(strstr(t->e.msg, "refused"));
		assert_null(strstr(t->e.msg, "rollback incomplete"));
		assert_true(t->st.rolled_back || i == 1);
		/* One undo write per write done, more for a deleted link
		 * (it comes back with its address and route). */
		assert_true(t->st.undone >= i - 1);
		t->k.fail_at = 0;
		assert_true(fake_state_equal(snap, &t->k));
		assert_int_equal(record_load(t->dir, &r, &found, &t->e), 0);
		if (rec_before) {
			char *now = record_to_json(&r);

			assert_true(found);
			assert_string_equal(now, rec_before);
			free(now);
		} else {
			assert_false(found);
		}
		free(rec_before);
		free(snap);
		teardown((void **)&t);
	}
}

static void test_rollback_at_each_write_of_cold_apply(void **state)
{
	struct plan p;

	(void)state;
	mape_plan(&p, "2001:db8::1");
	fail_each_write(NULL, &p);
}

static void test_rollback_at_each_write_of_a_change(void **state)
{
	struct plan a, b;

	(void)state;
	mape_plan(&a, "2001:db8::1");
	add_second_link(&a);
	/* b changes every kind of object and drops v6mig1. */
	mape_plan(&b, "2001:db8::2");
	v6("2001:db8:12:3500:0:c000:213:35", &b.links[0].local);
	b.addrs[0].v6 = b.links[0].local;
	b.routes[0].mtu = 1400;
	b.nat.ports.psid = 0x35;
	fail_each_write(&a, &b);
	assert_true(transition_writes(&a, &b) >= 6);
}

static void test_rollback_at_each_write_of_down(void **state)
{
	struct plan p;

	(void)state;
	mape_plan(&p, "2001:db8::1");
	fail_each_write(&p, NULL);
}

static void test_failed_undo_is_reported(void **state)
{
	struct t *t = *state;
	struct plan p;

	mape_plan(&p, "2001:db8::1");
	t->k.fail_at = 4;   /* the IPv4 address refused ... */
	t->k.fail_at2 = 5;  /* ... and the first undo write too */
	assert_int_equal(apply(t, &p), -EINVAL);
	assert_non_null(strstr(t->e.msg, "rollback incomplete"));
	assert_true(t->st.rolled_back);
	/* The rest was still undone: no tunnel, no table left behind. */
	assert_null(fake_link(&t->k, "v6mig0"));
	assert_false(t->k.nft_present);
}

/* A kernel that answers but does not hold what was sent (the read-back
 * differs): -EPROTO naming what, and everything as before. */
static void expect_read_back_caught(struct t *t, bool *fault, const char *what)
{
	struct fake_kernel *before = fake_snapshot(&t->k);
	struct plan p;

	*fault = true;
	mape_plan(&p, "2001:db8::1");
	assert_int_equal(apply(t, &p), -EPROTO);
	assert_non_null(strstr(t->e.msg, what));
	assert_true(t->st.rolled_back);
	assert_true(fake_state_equal(before, &t->k));
	free(before);
}

static void test_kernel_that_drops_an_attribute_is_caught(void **state)
{
	struct t *t = *state;

	expect_read_back_caught(t, &t->k.ignore_mtu, "mtu");
}

static void test_table_not_as_sent_is_caught(void **state)
{
	struct t *t = *state;

	expect_read_back_caught(t, &t->k.nft_garble, "table v6mig");
}

/* ---- down ------------------------------------------------------------------ */

static void test_down_removes_exactly_ours(void **state)
{
	struct t *t = *state;
	struct fake_kernel *before = fake_snapshot(&t->k);
	struct plan p;
	struct apply_stats st;

	mape_plan(&p, "2001:db8::1");
	assert_int_equal(apply(t, &p), 0);
	assert_int_equal(apply_down(&t->be, t->dir, &st, &t->e), 0);
	/* The WAN /128, the link (its address and route go with it), the
	 * table: three writes. */
	assert_int_equal(st.writes, 3);
	assert_true(fake_state_equal(before, &t->k));
	assert_false(record_exists(t->dir));
	/* Down again: nothing left to do. */
	assert_int_equal(apply_down(&t->be, t->dir, &st, &t->e), 0);
	assert_int_equal(st.writes, 0);
	free(before);
}

static void test_record_round_trip(void **state)
{
	struct t *t = *state;
	struct plan p;
	struct own_record r, r2;
	bool found;
	char *a, *b;

	mape_plan(&p, "2001:db8::1");
	assert_int_equal(apply(t, &p), 0);
	assert_int_equal(record_load(t->dir, &r, &found, &t->e), 0);
	assert_true(found);
	assert_int_equal(r.n_addrs, 1);
	assert_string_equal(r.addrs[0].a.ifname, "eth0");
	assert_true(r.addrs[0].a.nodad);
	assert_true(r.nft);
	assert_int_equal(r.nat.ports.psid, 0x34);
	a = record_to_json(&r);
	assert_int_equal(record_from_json(a, &r2, &t->e), 0);
	b = record_to_json(&r2);
	assert_string_equal(a, b);
	free(a);
	free(b);
	/* A damaged record is an error naming it, not a guess. */
	assert_int_equal(record_from_json("{\"version\":1}", &r2, &t->e), -EINVAL);
	assert_non_null(strstr(t->e.msg, "addrs"));
	assert_int_equal(record_from_json("[", &r2, &t->e), -EINVAL);
}

static void test_link_names(void **state)
{
	(void)state;
	assert_true(backend_link_name_ours("v6mig0"));
	assert_true(backend_link_name_ours("v6mig12"));
	assert_false(backend_link_name_ours("v6mig"));
	assert_false(backend_link_name_ours("v6mig0a"));
	assert_false(backend_link_name_ours("v6migx"));
	assert_false(backend_link_name_ours("eth0"));
	assert_false(backend_link_name_ours("v6mig-eth1"));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_foreign_objects_survive_everything),
		T(test_same_named_link_of_other_kind_is_refused),
		T(test_foreign_route_on_our_key_is_refused_and_rolled_back),
		T(test_plan_with_foreign_names_is_refused),
		cmocka_unit_test(test_rollback_at_each_write_of_cold_apply),
		cmocka_unit_test(test_rollback_at_each_write_of_a_change),
		cmocka_unit_test(test_rollback_at_each_write_of_down),
		T(test_failed_undo_is_reported),
		T(test_kernel_that_drops_an_attribute_is_caught),
		T(test_table_not_as_sent_is_caught),
		T(test_down_removes_exactly_ours),
		T(test_record_round_trip),
		cmocka_unit_test(test_link_names),
	};

	return cmocka_run_group_tests_name("apply_own", tests, NULL, NULL);
}
