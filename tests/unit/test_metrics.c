/* SPDX-License-Identifier: MIT */
/* agent/metrics.c and status.c: an eBPF pair's counters (the translator's)
 * in metrics.prom as v6mig_xlat_packets_total{direction,reason}, one series
 * per counter, and in status.json as xlat.counters, the same figures; none
 * read: no family, "counters": null. The real parser reads the file in
 * tests/ns/test_xlat_daemon.sh. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../agent/status.h"
#include "../../netlink/xlat.h"
#include "../../util/fileio.h"

static char dir[] = "/tmp/v6t-metrics.XXXXXX";
static struct plan plan;

static char *read_back(const char *name)
{
	char path[128], *text = NULL;
	struct err e;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(file_read_all(path, 1 << 20, &text, NULL, &e), 0);
	return text;
}

static void test_xlat_counters(void **state)
{
	struct status_counter c[XLAT_STAT_MAX];
	struct status s = { .state = "configured", .method = "map_t", .ipv6_mostly = -1 };
	struct err e;
	char *m, *j;
	cJSON *o, *x;

	(void)state;
	for (int k = 0; k < XLAT_STAT_MAX; k++)
		c[k] = (struct status_counter){ xlat_stat_name((enum xlat_stat)k),
						xlat_stat_dir((enum xlat_stat)k),
						1000u + (unsigned)k };
	s.xlat = (struct status_pkts){ c, XLAT_STAT_MAX, 1796222620 };
	assert_int_equal(metrics_write(dir, &s, &e), 0);
	m = read_back(METRICS_FILE);
	assert_non_null(strstr(m, "# TYPE v6mig_xlat_packets_total counter\n"));
	assert_non_null(strstr(m, "v6mig_xlat_packets_total{direction=\"out\",reason=\"translated\"} 1000\n"));
	assert_non_null(strstr(m, "v6mig_xlat_packets_total{direction=\"in\",reason=\"translated\"} 1001\n"));
	assert_non_null(strstr(m, "v6mig_xlat_packets_total{direction=\"in\",reason=\"passed\"} 1002\n"));
	/* the direction out of the key, into its label */
	assert_non_null(strstr(m, "v6mig_xlat_packets_total{direction=\"in\",reason=\"drop_port\"} 1006\n"));
	assert_non_null(strstr(m, "v6mig_xlat_packets_total{direction=\"out\",reason=\"drop_port\"} 1005\n"));
	/* counted by both programs in one counter */
	assert_non_null(strstr(m, "v6mig_xlat_packets_total{direction=\"any\",reason=\"drop_proto\"} 1011\n"));
	assert_non_null(strstr(m, "v6mig_xlat_sampled_timestamp_seconds 1796222620\n"));
	free(m);

	/* status.json: the same figures by key, in the plan's "xlat" object */
	plan.n_links = 1;
	strcpy(plan.links[0].name, "v6mig0");
	plan.xlat.enabled = true;
	strcpy(plan.xlat.wan, "wan0");
	strcpy(plan.xlat.dev, "v6mig0");
	s.plan = &plan;
	assert_int_equal(status_write(dir, &s, &e), 0);
	j = read_back(STATUS_FILE);
	o = cJSON_Parse(j);
	free(j);
	assert_non_null(o);
	x = cJSON_GetObjectItemCaseSensitive(o, "xlat");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(x, "wan")->valuestring, "wan0");
	for (int k = 0; k < XLAT_STAT_MAX; k++)
		assert_int_equal(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
			x, "counters"), xlat_stat_name((enum xlat_stat)k))->valuedouble, 1000 + k);
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(x, "counters_at")->valuedouble,
			 1796222620);
	cJSON_Delete(o);
	/* none read (the daemon could not): null, not zeros */
	s.xlat.c = NULL;
	assert_int_equal(status_write(dir, &s, &e), 0);
	j = read_back(STATUS_FILE);
	o = cJSON_Parse(j);
	free(j);
	assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(o, "xlat"), "counters")));
	cJSON_Delete(o);
}

static void test_no_counters(void **state)
{
	struct status s = { .state = "configured", .method = "464xlat", .ipv6_mostly = -1 };
	struct err e;
	char *m;

	(void)state;
	assert_int_equal(metrics_write(dir, &s, &e), 0);
	m = read_back(METRICS_FILE);
	assert_null(strstr(m, "v6mig_xlat_"));
	free(m);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/%s", dir, METRICS_FILE);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s", dir, STATUS_FILE);
	unlink(path);
	return rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xlat_counters),
		cmocka_unit_test(test_no_counters),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
