/* SPDX-License-Identifier: MIT */
/* Reconcile (netlink/apply.c) against the fake kernel: zero writes for the
 * same plan, only the difference for a changed one, adoption after a
 * restart, and the instances' names. Ownership, rollback and down:
 * test_apply_own.c. */
#include "apply_fixture.h"

#include <errno.h>
#include <unistd.h>

/* ---- cold apply, zero writes, difference only ---------------------------- */

static void test_cold_apply_writes_each_object_once(void **state)
{
	struct t *t = *state;
	struct plan p;
	const struct klink *l;

	mape_plan(&p, "2001:db8::1");
	assert_int_equal(apply(t, &p), 0);
	/* table, link, two addresses, one route: five writes, no more. */
	assert_int_equal(t->st.writes, 5);
	assert_int_equal(t->k.writes, 5);
	/* NAT and receive filters are in place before the tunnel exists. */
	assert_string_equal(t->k.log[0], "nft_apply");
	assert_string_equal(t->k.log[1], "link_add v6mig0");
	l = fake_link(&t->k, "v6mig0");
	assert_non_null(l);
	assert_string_equal(l->kind, "ip6tnl");
	assert_int_equal(l->l.hoplimit, 64);
	assert_int_equal(l->l.flags, IP6_TNL_F_IGN_ENCAP_LIMIT);
	assert_int_equal(l->l.proto, IPPROTO_IPIP);
	assert_int_equal(l->l.mtu, 1460);
	assert_true(l->up);
	assert_int_equal(fake_count(&t->k, "addr_add eth0 2001:db8:12:3400:0:c000:212:34/128"), 1);
	assert_int_equal(fake_count(&t->k, "addr_add v6mig0 192.0.2.18/32"), 1);
	assert_int_equal(fake_count(&t->k, "route_add 0.0.0.0/0 dev v6mig0"), 1);
	assert_true(t->k.nft_present);
	assert_true(record_exists(t->dir));
}

/* DS-Lite: no NAT, no receive filter, but the MSS clamp: the table is
 * applied (and read back) all the same. */
static void test_dslite_clamp_is_applied(void **state)
{
	struct t *t = *state;
	struct plan p;

	mape_plan(&p, "2001:db8::1");
	p.method = METHOD_DSLITE;
	p.nat.enabled = p.filter.enabled = false;
	assert_int_equal(apply(t, &p), 0);
	assert_int_equal(fake_count(&t->k, "nft_apply"), 1);
	assert_true(t->k.nft_present);
	assert_int_equal(apply(t, &p), 0);
	assert_int_equal(t->st.writes, 0);
}

/* A tunnel over eth0 as the planners make it (plan_add_tunnel), for the
 * scope s (NULL: the unnamed instance's). */
static void tunnel_plan(struct plan *p, const struct plan_scope *s)
{
	struct wan_facts w;
	struct in6_addr local, remote;
	struct err e;

	memset(&w, 0, sizeof(w));
	strcpy(w.wan, "eth0");
	if (s)
		w.scope = *s;
	v6("2001:db8:12:3400::99", &local);
	v6("2001:db8::1", &remote);
	plan_init(p, METHOD_DSLITE);
	assert_int_equal(plan_add_tunnel(p, &w, &local, &remote, &e), 0);
}

/* Issue 11 item 6: a default route somebody else keeps (a PPPoE or DHCP
 * uplink as fallback, at metric 0) does not make the apply fail with
 * EEXIST: ours goes beside it at its own metric, and theirs is never
 * touched. The plan is made as the planners make it (plan_add_tunnel). */
static void test_foreign_default_route_stays_beside_ours(void **state)
{
	struct t *t = *state;
	struct in_addr b4;
	struct plan p;
	struct kroute foreign;
	struct err e;

	fake_add_route(&t->k, "dummy9", "0.0.0.0/0", RTPROT_STATIC);
	foreign = t->k.routes[t->k.n_routes - 1];
	assert_int_equal(v4addr_parse("192.0.0.2", &b4), 0);
	tunnel_plan(&p, NULL);
	assert_int_equal(plan_add_addr4(&p, p.links[0].name, b4, 29, &e), 0);
	assert_int_equal(apply(t, &p), 0);
	assert_int_equal(fake_count(&t->k, "route_add 0.0.0.0/0 dev v6mig0"), 1);
	/* Both defaults are there: theirs as it was, ours at another metric. */
	assert_int_equal(t->k.n_routes, 4);
	assert_memory_equal(&t->k.routes[t->k.n_routes - 2], &foreign, sizeof(foreign));
	assert_string_equal(t->k.routes[t->k.n_routes - 1].r.dev, "v6mig0");
	assert_int_not_equal(t->k.routes[t->k.n_routes - 1].priority, foreign.priority);
	/* And down removes ours alone. */
	assert_int_equal(apply_down(&t->be, t->dir, &t->st, &t->e), 0);
	assert_int_equal(t->k.n_routes, 3);
	assert_memory_equal(&t->k.routes[2], &foreign, sizeof(foreign));
}

static void test_same_plan_twice_zero_writes(void **state)
{
	struct t *t = *state;
	struct plan p;
	unsigned before;

	mape_plan(&p, "2001:db8::1");
	assert_int_equal(apply(t, &p), 0);
	before = t->k.writes;
	assert_int_equal(apply(t, &p), 0);
	assert_int_equal(t->st.writes, 0);
	assert_int_equal(t->k.writes, before);
	assert_false(t->st.rolled_back);
	/* And a third time, for luck: still nothing. */
	assert_int_equal(apply(t, &p), 0);
	assert_int_equal(t->k.writes, before);
}

static void test_changed_br_is_one_link_change(void **state)
{
	struct t *t = *state;
	struct plan p;
	struct in6_addr br2;
	const struct klink *l;
	size_t n;

	mape_plan(&p, "2001:db8::1");
	assert_int_equal(apply(t, &p), 0);
	n = t->k.n_log;
	mape_plan(&p, "2001:db8::2");
	assert_int_equal(apply(t, &p), 0);
	assert_int_equal(t->st.writes, 1);
	assert_int_equal(t->k.n_log, n + 1);
	assert_string_equal(t->k.log[n], "link_change v6mig0");
	/* Not delete + add; and the change carried every attribute. */
	assert_int_equal(fake_count(&t->k, "link_del"), 0);
	l = fake_link(&t->k, "v6mig0");
	v6("2001:db8::2", &br2);
	assert_memory_equal(&l->l.remote, &br2, 16);
	assert_int_equal(l->l.hoplimit, 64);
	assert_int_equal(l->l.flags, IP6_TNL_F_IGN_ENCAP_LIMIT);
	assert_int_equal(l->l.proto, IPPROTO_IPIP);
	assert_int_equal(l->l.mtu, 1460);
	assert_int_equal(l->encap_limit, KLINK_ENCAP_LIMIT);
	assert_string_equal(l->l.underlay, "eth0");
}

static void test_changed_route_mtu_is_one_replace(void **state)
{
	struct t *t = *state;
	struct plan p;
	size_t n;

	mape_plan(&p, "2001:db8::1");
	assert_int_equal(apply(t, &p), 0);
	n = t->k.n_log;
	p.routes[0].mtu = 1400;
	assert_int_equal(apply(t, &p), 0);
	assert_int_equal(t->st.writes, 1);
	assert_string_equal(t->k.log[n], "route_replace 0.0.0.0/0 dev v6mig0");
}

static void test_changed_ports_is_one_nft_apply(void **state)
{
	struct t *t = *state;
	struct plan p;
	size_t n;

	mape_plan(&p, "2001:db8::1");
	assert_int_equal(apply(t, &p), 0);
	n = t->k.n_log;
	p.nat.ports.psid = 0x35;
	p.filter.ports.psid = 0x35;
	assert_int_equal(apply(t, &p), 0);
	assert_int_equal(t->st.writes, 1);
	assert_string_equal(t->k.log[n], "nft_apply");
	assert_int_equal(t->k.nft.nat.ports.psid, 0x35);
}

static void test_changed_ce_address_moves_only_the_address(void **state)
{
	struct t *t = *state;
	struct plan p;

	mape_plan(&p, "2001:db8::1");
	assert_int_equal(apply(t, &p), 0);
	/* A new CE /128 means a new tunnel source: link + address pair. */
	v6("2001:db8:12:3500:0:c000:213:35", &p.links[0].local);
	p.addrs[0].v6 = p.links[0].local;
	assert_int_equal(apply(t, &p), 0);
	assert_int_equal(t->st.writes, 3);
	assert_int_equal(fake_count(&t->k, "link_change v6mig0"), 1);
	assert_int_equal(fake_count(&t->k, "addr_add eth0 2001:db8:12:3500:0:c000:213:35/128"), 1);
	assert_int_equal(fake_count(&t->k, "addr_del eth0 2001:db8:12:3400:0:c000:212:34/128"), 1);
}

static void test_dropped_link_is_swept_with_its_objects(void **state)
{
	struct t *t = *state;
	struct plan p;
	size_t n;

	mape_plan(&p, "2001:db8::1");
	add_second_link(&p);
	assert_int_equal(apply(t, &p), 0);
	n = t->k.n_log;
	p.n_links = 1;
	p.n_routes = 1;
	assert_int_equal(apply(t, &p), 0);
	/* One delete: its route and link-local go with it. */
	assert_int_equal(t->st.writes, 1);
	assert_string_equal(t->k.log[n], "link_del v6mig1");
	assert_null(fake_link(&t->k, "v6mig1"));
	for (size_t i = 0; i < t->k.n_routes; i++)
		assert_string_not_equal(t->k.routes[i].r.dev, "v6mig1");
}

/* ---- adoption ------------------------------------------------------------ */

static void test_restart_adopts_instead_of_duplicating(void **state)
{
	struct t *t = *state;
	struct plan p;
	struct apply_stats st;
	unsigned before;

	/* A kernel without IFA_PROTO: only the record says the WAN /128 is
	 * ours. A restarted agent is a fresh call reading that record. */
	t->k.no_ifa_proto = true;
	mape_plan(&p, "2001:db8::1");
	assert_int_equal(apply(t, &p), 0);
	before = t->k.writes;
	assert_int_equal(apply_plan(&t->be, t->dir, &p, &st, &t->e), 0);
	assert_int_equal(st.writes, 0);
	assert_int_equal(t->k.writes, before);
	assert_int_equal(t->k.n_links, 4);
	/* Adopted means owned: down removes the /128 too. */
	assert_int_equal(apply_down(&t->be, t->dir, &st, &t->e), 0);
	assert_int_equal(fake_count(&t->k, "addr_del eth0 2001:db8:12:3400:0:c000:212:34/128"), 1);
}

static void test_without_record_the_wan_address_is_not_claimed(void **state)
{
	struct t *t = *state;
	struct plan p;
	struct apply_stats st;
	char path[128];

	t->k.no_ifa_proto = true;
	mape_plan(&p, "2001:db8::1");
	assert_int_equal(apply(t, &p), 0);
	snprintf(path, sizeof(path), "%s/%s", t->dir, RECORD_FILE);
	assert_int_equal(unlink(path), 0);
	/* Record lost, no IFA_PROTO: the /128 cannot be told from a
	 * foreign one, so it is used but never deleted. The table is read
	 * back and found to be the plan's: nothing is written. */
	assert_int_equal(apply(t, &p), 0);
	assert_int_equal(t->st.writes, 0);
	assert_int_equal(apply_down(&t->be, t->dir, &st, &t->e), 0);
	assert_int_equal(fake_count(&t->k, "addr_del"), 0);
	assert_null(fake_link(&t->k, "v6mig0"));
}

static void test_ifa_proto_adopts_without_record(void **state)
{
	struct t *t = *state;
	struct plan p;
	struct apply_stats st;
	char path[128];

	mape_plan(&p, "2001:db8::1");
	assert_int_equal(apply(t, &p), 0);
	snprintf(path, sizeof(path), "%s/%s", t->dir, RECORD_FILE);
	assert_int_equal(unlink(path), 0);
	/* Linux >= 6.1 keeps our IFA_PROTO: down finds the /128 alone. */
	assert_int_equal(apply_down(&t->be, t->dir, &st, &t->e), 0);
	assert_int_equal(fake_count(&t->k, "addr_del eth0 2001:db8:12:3400:0:c000:212:34/128"), 1);
}

static void test_table_of_unknown_content_is_written_last(void **state)
{
	struct t *t = *state;
	struct plan p;
	char path[128];

	mape_plan(&p, "2001:db8::1");
	assert_int_equal(apply(t, &p), 0);
	snprintf(path, sizeof(path), "%s/%s", t->dir, RECORD_FILE);
	assert_int_equal(unlink(path), 0);
	/* Somebody changed our table and the record is gone: its content
	 * cannot be restored, so it is replaced last, after every write
	 * that could fail and need undoing. */
	t->k.nft.nat.ports.psid = 0x99;
	mape_plan(&p, "2001:db8::2");
	assert_int_equal(apply(t, &p), 0);
	assert_int_equal(t->st.writes, 2);
	assert_string_equal(t->k.log[t->k.n_log - 2], "link_change v6mig0");
	assert_string_equal(t->k.log[t->k.n_log - 1], "nft_apply");
	/* A refused link change leaves that table alone. */
	assert_int_equal(unlink(path), 0);
	t->k.nft.nat.ports.psid = 0x99;
	t->k.fail_at = t->k.writes + 1;
	mape_plan(&p, "2001:db8::3");
	assert_int_equal(apply(t, &p), -EINVAL);
	assert_int_equal(t->k.nft.nat.ports.psid, 0x99);
	assert_int_equal(fake_count(&t->k, "nft_apply"), 2);
}


/* Instances: the unnamed one keeps a single-WAN agent's names; a named
 * one owns exactly its own link and table, not the unnamed one's nor
 * another's; bad names are refused, naming them. */
static void test_scopes(void **state)
{
	struct plan_scope u, a;
	struct err e;

	(void)state;
	assert_int_equal(plan_scope_make(&u, NULL, 10, &e), 0);
	assert_string_equal(u.link, "v6mig0");
	assert_string_equal(u.table, "v6mig");
	assert_int_equal(plan_scope_make(&a, "eth1.10", 20, &e), 0);
	assert_string_equal(a.link, "v6mig-eth1.10");
	assert_string_equal(a.table, "v6mig-eth1.10");
	assert_int_equal(a.metric, 20);
	assert_true(plan_scope_owns_link(&a, "v6mig-eth1.10"));
	assert_false(plan_scope_owns_link(&a, "v6mig0"));
	assert_false(plan_scope_owns_link(&a, "v6mig-eth2"));
	assert_false(plan_scope_owns_link(&u, "v6mig-eth1.10"));
	assert_true(plan_scope_owns_link(&u, "v6mig3"));
	assert_int_equal(plan_scope_make(&a, "enx00e04c680123", 0, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "enx00e04c680123"));
	assert_int_equal(plan_scope_make(&a, "-x", 0, &e), -EINVAL);
	assert_int_equal(plan_scope_make(&a, "a/b", 0, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "a/b"));
}

/* A named instance's plan: its link everywhere, the route at its metric;
 * the unnamed instance's links are not its to plan. */
static void test_named_instance_plan(void **state)
{
	struct t *t = *state;
	struct plan_scope s;
	struct plan p;
	struct err e;

	assert_int_equal(plan_scope_make(&s, "b", 30, &e), 0);
	tunnel_plan(&p, &s);
	assert_string_equal(p.links[0].name, "v6mig-b");
	assert_string_equal(p.routes[0].dev, "v6mig-b");
	assert_int_equal(p.routes[0].metric, 30);
	assert_string_equal(p.filter.in_ifname, "v6mig-b");
	assert_string_equal(p.scope.table, "v6mig-b");
	strcpy(p.links[0].name, "v6mig0");
	assert_int_equal(apply(t, &p), -EINVAL);
	assert_non_null(strstr(t->e.msg, "v6mig-b"));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_cold_apply_writes_each_object_once),
		T(test_same_plan_twice_zero_writes),
		T(test_changed_br_is_one_link_change),
		T(test_changed_route_mtu_is_one_replace),
		T(test_changed_ports_is_one_nft_apply),
		T(test_dslite_clamp_is_applied),
		T(test_foreign_default_route_stays_beside_ours),
		T(test_scopes),
		T(test_named_instance_plan),
		T(test_changed_ce_address_moves_only_the_address),
		T(test_dropped_link_is_swept_with_its_objects),
		T(test_restart_adopts_instead_of_duplicating),
		T(test_without_record_the_wan_address_is_not_claimed),
		T(test_ifa_proto_adopts_without_record),
		T(test_table_of_unknown_content_is_written_last),
	};

	return cmocka_run_group_tests_name("apply", tests, NULL, NULL);
}
