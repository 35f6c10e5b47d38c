/* SPDX-License-Identifier: MIT */
/* Reconcile (netlink/apply.c) against the fake kernel: zero writes for the
 * same plan, only the difference for a changed one, adoption after a
 * restart, foreign objects untouched, rollback at every failure point,
 * and down. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

/* net/if.h (via plan.h) before linux/if.h (via ip6_tunnel.h). */
#include "../../netlink/apply.h"
#include "fake_backend.h"

#include <errno.h>
#include <linux/if_addr.h>
#include <linux/ip6_tunnel.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct t {
	char dir[64];
	struct fake_kernel k;
	struct backend be;
	struct err e;
	struct apply_stats st;
};

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	strcpy(t->dir, "/tmp/v6mig-test-apply-XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	fake_init(&t->k);
	/* The WAN, a LAN, and somebody else's things on them. */
	fake_add_link(&t->k, "eth0", "veth");
	fake_add_link(&t->k, "lan0", "bridge");
	fake_add_link(&t->k, "dummy9", "dummy");
	fake_add_addr(&t->k, "eth0", "2001:db8:12:3400::99", 64, 0);
	fake_add_addr(&t->k, "eth0", "fe80::1", 64, IFAPROT_KERNEL_LL);
	fake_add_addr(&t->k, "dummy9", "198.51.100.1", 24, 0);
	fake_add_route(&t->k, "dummy9", "198.51.100.0/24", RTPROT_KERNEL);
	fake_add_route(&t->k, "dummy9", "203.0.113.0/24", RTPROT_STATIC);
	t->k.foreign_table = true;
	t->be = fake_backend(&t->k);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", t->dir, RECORD_FILE);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s.tmp", t->dir, RECORD_FILE);
	unlink(path);
	rmdir(t->dir);
	free(t);
	return 0;
}

static void v6(const char *s, struct in6_addr *a)
{
	assert_int_equal(v6addr_parse(s, a), 0);
}

/* A MAP-E plan as tunnels/mape.c makes it (RFC 7597 Appendix A ex. 1). */
static void mape_plan(struct plan *p, const char *br)
{
	struct plan_link *l = &p->links[0];
	struct plan_addr *a;

	plan_init(p, METHOD_MAP_E);
	p->n_links = 1;
	strcpy(l->name, "v6mig0");
	strcpy(l->underlay, "eth0");
	v6("2001:db8:12:3400:0:c000:212:34", &l->local);
	v6(br, &l->remote);
	l->hoplimit = 64;
	l->flags = IP6_TNL_F_IGN_ENCAP_LIMIT;
	l->proto = IPPROTO_IPIP;
	l->mtu = 1460;
	a = &p->addrs[p->n_addrs++];
	strcpy(a->ifname, "eth0");
	a->family = AF_INET6;
	a->v6 = l->local;
	a->plen = 128;
	a->nodad = true;
	a = &p->addrs[p->n_addrs++];
	strcpy(a->ifname, "v6mig0");
	a->family = AF_INET;
	assert_int_equal(v4addr_parse("192.0.2.18", &a->v4), 0);
	a->plen = 32;
	strcpy(p->routes[0].dev, "v6mig0");
	p->routes[0].family = AF_INET;
	p->routes[0].mtu = 1460;
	p->n_routes = 1;
	p->nat.enabled = true;
	strcpy(p->nat.out_ifname, "v6mig0");
	p->nat.src = a->v4;
	p->nat.ports = (struct portset){ .offset = 6, .len = 8, .psid = 0x34 };
	p->filter.enabled = true;
	strcpy(p->filter.in_ifname, "v6mig0");
	p->filter.ours = (struct v4pfx){ a->v4, 32 };
	p->filter.ports = p->nat.ports;
	p->filter.mss = 1420;
}

static int apply(struct t *t, const struct plan *p)
{
	int rc;

	memset(&t->e, 0, sizeof(t->e));
	rc = apply_plan(&t->be, t->dir, p, &t->st, &t->e);
	if (rc < 0)
		print_message("apply: %s\n", t->e.msg);
	return rc;
}

static bool record_exists(const struct t *t)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", t->dir, RECORD_FILE);
	return access(path, F_OK) == 0;
}

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
	assert_true(record_exists(t));
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
	p.links[1] = p.links[0];
	strcpy(p.links[1].name, "v6mig1");
	v6("2001:db8::7", &p.links[1].remote);
	p.n_links = 2;
	p.routes[1] = p.routes[0];
	strcpy(p.routes[1].dev, "v6mig1");
	assert_int_equal(v4pfx_parse("192.0.2.128/25", false, &p.routes[1].dst), 0);
	p.n_routes = 2;
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

/* ---- ownership ------------------------------------------------------------ */

static void test_foreign_objects_survive_everything(void **state)
{
	struct t *t = *state;
	struct fake_kernel *before = malloc(sizeof(*before));
	struct plan p;
	struct apply_stats st;

	assert_non_null(before);
	*before = t->k;
	mape_plan(&p, "2001:db8::1");
	assert_int_equal(apply(t, &p), 0);
	mape_plan(&p, "2001:db8::2");
	assert_int_equal(apply(t, &p), 0);
	assert_int_equal(apply_down(&t->be, t->dir, &st, &t->e), 0);
	assert_true(fake_state_equal(before, &t->k));
	assert_true(t->k.foreign_table);
	assert_int_equal(fake_count(&t->k, "addr_del eth0 2001:db8:12:3400::99"), 0);
	assert_false(record_exists(t));
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
	struct fake_kernel *before = malloc(sizeof(*before));
	struct plan p;

	assert_non_null(before);
	/* Somebody's default route (e.g. DHCP on another uplink). */
	fake_add_route(&t->k, "dummy9", "0.0.0.0/0", RTPROT_DHCP);
	*before = t->k;
	mape_plan(&p, "2001:db8::1");
	assert_int_equal(apply(t, &p), -EEXIST);
	assert_true(t->st.rolled_back);
	assert_true(fake_state_equal(before, &t->k));
	assert_false(record_exists(t));
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
		struct fake_kernel *snap = malloc(sizeof(*snap));
		char *rec_before = NULL;
		struct own_record r;
		bool found;
		int rc;

		assert_non_null(snap);
		setup((void **)&t);
		if (from)
			assert_int_equal(apply(t, from), 0);
		assert_int_equal(record_load(t->dir, &r, &found, &t->e), 0);
		if (found)
			rec_before = record_to_json(&r);
		*snap = t->k;
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
	a.links[1] = a.links[0];
	strcpy(a.links[1].name, "v6mig1");
	v6("2001:db8::7", &a.links[1].remote);
	a.n_links = 2;
	a.routes[1] = a.routes[0];
	strcpy(a.routes[1].dev, "v6mig1");
	assert_int_equal(v4pfx_parse("192.0.2.128/25", false, &a.routes[1].dst), 0);
	a.n_routes = 2;
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
	struct fake_kernel *before = malloc(sizeof(*before));
	struct plan p;

	assert_non_null(before);
	*before = t->k;
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
	struct fake_kernel *before = malloc(sizeof(*before));
	struct plan p;
	struct apply_stats st;

	assert_non_null(before);
	*before = t->k;
	mape_plan(&p, "2001:db8::1");
	assert_int_equal(apply(t, &p), 0);
	assert_int_equal(apply_down(&t->be, t->dir, &st, &t->e), 0);
	/* The WAN /128, the link (its address and route go with it), the
	 * table: three writes. */
	assert_int_equal(st.writes, 3);
	assert_true(fake_state_equal(before, &t->k));
	assert_false(record_exists(t));
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
	assert_string_equal(u.peer, "v6mig1");
	assert_string_equal(a.peer, "v6mig_eth1.10");
	assert_true(plan_scope_owns_link(&a, "v6mig-eth1.10"));
	assert_true(plan_scope_owns_link(&a, "v6mig_eth1.10"));
	assert_false(plan_scope_owns_link(&a, "v6mig_eth2"));
	assert_false(plan_scope_owns_link(&u, "v6mig_eth1.10"));
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

	return cmocka_run_group_tests_name("apply", tests, NULL, NULL);
}
