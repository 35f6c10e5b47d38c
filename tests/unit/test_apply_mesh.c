/* SPDX-License-Identifier: MIT */
/* Reconcile (netlink/apply.c) of MAP-E in mesh mode against the fake
 * kernel: the veth made once, the mesh programs applied after the links
 * (the same plan twice writes nothing, one changed rule one mesh write),
 * the WAN recorded for down, every write of a cold apply undone when
 * refused, and the switch to hub-and-spoke and back: the veth v6mig0 and
 * the ip6tnl v6mig0 replace each other (what was on the link goes with it
 * and is added again), the mesh filter comes off. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../netlink/apply.h"
#include "../../tunnels/provdata.h"
#include "apply_util.h"
#include "config.h"
#include "plan_util.h"
#include "fake_backend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef CONFIG_METHOD_MAP_E
struct t {
	char dir[64];
	struct fake_kernel k, before;
	struct backend be;
	struct err e;
	struct apply_stats st;
	struct map_rule rules[3];
	struct prov prov;
	struct wan_facts w;
	struct plan p;
};

/* RFC 7597 IID, mesh 1: the lab's rule and two more. */
static void make_plan(struct t *t, bool mesh)
{
	struct err e;

	t->w.can_mesh = mesh;
	if (method_ops(METHOD_MAP_E)->plan(&t->prov, &t->w, &t->p, &e) < 0)
		fail_msg("%s", e.msg);
	assert_int_equal(t->p.mesh.enabled, mesh);
}

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));
	struct prov_map_e *m;

	assert_non_null(t);
	state_dir_make(t->dir, sizeof(t->dir), "apply-mesh");
	fake_init(&t->k);
	fake_add_wan(&t->k);
	t->be = fake_backend(&t->k);
	t->before = t->k;
	t->rules[0] = rule("2001:db8::/40", "192.0.2.0/24", 16, 6);
	t->rules[1] = rule("2001:db8:3::/48", "203.0.113.0/24", 16, 6);
	t->rules[2] = rule("2001:db8:4::/48", "198.51.100.0/24", 16, 6);
	m = &t->prov.map_e;
	m->present = true;
	m->version = 1;
	m->mesh = true;
	m->br = a6("2001:db8:ffff::1");
	m->rules = t->rules;
	m->n_rules = 3;
	snprintf(t->w.wan, sizeof(t->w.wan), "eth0");
	t->w.wan_mtu = 1500;
	t->w.prefixes[0] = p6("2001:db8:12:3400::/56");
	t->w.n_prefixes = 1;
	make_plan(t, true);
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

/* The plan: the veth at WAN - 40, our IPv4 and NAT44 on it, the rules
 * as FMRs; no ip6tnl. */
static void test_plan_shape(void **state)
{
	struct t *t = *state;

	assert_int_equal(t->p.n_links, 1);
	assert_int_equal(t->p.links[0].kind, PLAN_LINK_VETH);
	assert_int_equal(t->p.links[0].mtu, 1460);
	assert_int_equal(t->p.mesh.mtu, 1460);
	assert_int_equal(t->p.mesh.mss, 1420);
	assert_int_equal(t->p.mesh.n_fmrs, 3);
	assert_int_equal(t->p.mesh.layout, MAP_LAYOUT_RFC7597);
	assert_int_equal(t->p.mesh.ports.len, 8);
	assert_string_equal(t->p.nat.out_ifname, "v6mig0");
	assert_string_equal(t->p.routes[0].dev, "v6mig0");
	assert_true(IN6_ARE_ADDR_EQUAL(&t->p.mesh.ipv6, &t->p.info.ce_ipv6));
	/* mesh 0 (or a kernel that cannot): the ip6tnl, unchanged */
	t->prov.map_e.mesh = false;
	make_plan(t, false);
	assert_int_equal(t->p.links[0].kind, PLAN_LINK_IP6TNL);
	t->prov.map_e.mesh = true;
	make_plan(t, false);
	assert_int_equal(t->p.links[0].kind, PLAN_LINK_IP6TNL);
}

static void test_cold_then_zero(void **state)
{
	struct t *t = *state;
	struct own_record r;
	bool found;

	assert_int_equal(apply(t), 0);
	assert_string_equal(t->k.log[t->k.n_log - 1], "mesh_apply eth0 v6mig0");
	assert_string_equal(fake_link(&t->k, "v6mig0")->kind, "veth");
	assert_true(t->k.mesh.enabled);
	assert_int_equal(record_load(t->dir, &r, &found, &t->e), 0);
	assert_string_equal(r.mesh_wan, "eth0");
	assert_int_equal(apply(t), 0);
	assert_int_equal(t->st.writes, 0);
	/* one rule changed: one write, the mesh's, nothing else */
	t->rules[2].psid_offset = 4;
	make_plan(t, true);
	assert_int_equal(apply(t), 0);
	assert_int_equal(t->st.writes, 1);
	assert_string_equal(t->k.log[t->k.n_log - 1], "mesh_apply eth0 v6mig0");
}

static void test_down_exact(void **state)
{
	struct t *t = *state;

	assert_int_equal(apply(t), 0);
	assert_int_equal(apply_down(&t->be, t->dir, &t->st, &t->e), 0);
	assert_string_equal(t->k.log[t->k.n_log - 1], "mesh_remove eth0 v6mig0");
	assert_int_equal(fake_count(&t->k, "link_del"), 1);
	assert_true(fake_state_equal(&t->k, &t->before));
	assert_false(t->k.mesh.enabled);
	assert_false(record_exists(t->dir));
}

static void test_rollback_each_write(void **state)
{
	struct t *t = *state;

	expect_rollback_each(&t->k, &t->before, &t->be, t->dir, &t->p, 6);
}

/* mesh -> hub-and-spoke -> mesh: each the same kernel as a cold apply of
 * that plan (the link replaced by kind, its address and route added again,
 * the mesh filter off), and a refused write in the switch undone. */
static void test_switch(void **state)
{
	struct t *t = *state;
	struct fake_kernel mesh;
	struct plan pm = t->p;

	assert_int_equal(apply(t), 0);
	mesh = t->k;
	make_plan(t, false);
	t->k.fail_at = t->k.writes + 2; /* the ip6tnl's add */
	assert_int_not_equal(apply(t), 0);
	t->k.fail_at = 0;
	assert_true(fake_state_equal(&t->k, &mesh));
	assert_int_equal(apply(t), 0);
	assert_string_equal(fake_link(&t->k, "v6mig0")->kind, "ip6tnl");
	assert_null(fake_link(&t->k, "v6mig1"));
	assert_false(t->k.mesh.enabled);
	assert_int_equal(fake_count(&t->k, "mesh_remove eth0 v6mig0"), 1);
	assert_int_equal(apply(t), 0);
	assert_int_equal(t->st.writes, 0);
	t->p = pm;
	assert_int_equal(apply(t), 0);
	assert_true(fake_state_equal(&t->k, &mesh));
}

/* A named instance (v6mig-agent@wan1, the backend scoped to it): mesh up
 * on its own veth and down again to exactly the kernel before, the
 * unnamed instance's v6mig0 untouched (the system backend takes the
 * egress filter off the scope's device, as the fake logs). */
static void test_named_instance_down(void **state)
{
	struct t *t = *state;
	struct err e;

	assert_int_equal(plan_scope_make(&t->w.scope, "wan1", 20, &e), 0);
	t->k.scope = t->w.scope; /* the backend of v6mig-agent@wan1 */
	fake_add_link(&t->k, "v6mig0", "veth"); /* the unnamed instance's */
	t->before = t->k;
	make_plan(t, true);
	assert_string_equal(t->p.mesh.dev, "v6mig-wan1");
	if (apply(t))
		fail_msg("%s", t->e.msg);
	assert_int_equal(apply_down(&t->be, t->dir, &t->st, &t->e), 0);
	assert_string_equal(t->k.log[t->k.n_log - 1], "mesh_remove eth0 v6mig-wan1");
	assert_true(fake_state_equal(&t->k, &t->before));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_plan_shape, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cold_then_zero, setup, teardown),
		cmocka_unit_test_setup_teardown(test_down_exact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback_each_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_switch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_named_instance_down, setup, teardown),
	};

	return cmocka_run_group_tests_name("apply_mesh", tests, NULL, NULL);
}
#else
int main(void)
{
	return 0;
}
#endif
