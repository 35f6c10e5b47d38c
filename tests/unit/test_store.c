/* SPDX-License-Identifier: MIT */
/* HB46PP 3.5 stored data (P1, P2): atomic replace (a process killed in
 * the middle of a write leaves the old file), damaged files refused,
 * erase. Works in a fresh temporary directory per test. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../agent/store.h"
#include "config.h"
#include "prov_util.h"

#define SMALL "{\"ttl\":3600,\"token\":\"" TOKEN "\",\"order\":[\"dslite\"],\"dslite\":{\"aftr\":\"a.example\"}}"

static int setup(void **state)
{
	char *dir = strdup("/tmp/v6mig-test-store.XXXXXX");

	assert_non_null(dir);
	assert_non_null(mkdtemp(dir));
	*state = dir;
	return 0;
}

static int teardown(void **state)
{
	char cmd[256];
	char *dir = *state;

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(dir);
	return 0;
}

/* 256 MAP-E rules: a body of some 30 KB. */
static struct prov big(void)
{
	size_t cap = 64 * 1024, n = 0;
	char *s = malloc(cap);
	struct prov p;

	assert_non_null(s);
	n += (size_t)snprintf(s, cap, "{\"ttl\":7200,\"order\":[\"map_e\"],\"map_e\":{\"br\":\"2001:db8::1\",\"rules\":[");
	for (int i = 0; i < 256; i++)
		n += (size_t)snprintf(s + n, cap - n, "%s{\"ipv6\":\"2001:db8:%x00::/40\",\"ipv4\":\"10.%d.0.0/24\",\"ea_length\":16}",
				      i ? "," : "", i, i);
	snprintf(s + n, cap - n, "]}}");
	p = mk_prov(s);
	free(s);
	return p;
}

static void write_file(const char *dir, const char *name, const char *data)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(data, f);
	assert_int_equal(fclose(f), 0);
}

static int count_entries(const char *dir, const char *prefix)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (!strncmp(de->d_name, prefix, strlen(prefix)))
			n++;
	closedir(d);
	return n;
}

/* P1: what is saved comes back equal, token included, mode 0600. */
static void test_P1_save_and_load(void **state)
{
	const char *dir = *state;
	char token[PROV_TOKEN_LEN + 1], path[512];
	struct prov p = mk_prov(SMALL), q;
	struct stat st;
	struct err e;
	time_t t = 0;

	assert_int_equal(store_save_answer(dir, &p, &e), 0);
	assert_int_equal(store_load_prov(dir, &q, &t, &e), 0);
	assert_true(prov_equal(&p, &q));
	assert_true(t > 0);
	assert_int_equal(store_load_token(dir, token, &e), 0);
	assert_string_equal(token, TOKEN);
	snprintf(path, sizeof(path), "%s/%s", dir, STORE_PROV_FILE);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* No temporary file stays behind. */
	assert_int_equal(count_entries(dir, "."), 2); /* "." and ".." */
	prov_done(&p);
	prov_done(&q);

	/* An answer without a token keeps the stored token. */
	p = mk_prov("{\"order\":[]}");
	assert_int_equal(store_save_answer(dir, &p, &e), 0);
	assert_int_equal(store_load_token(dir, token, &e), 0);
	assert_string_equal(token, TOKEN);
	assert_int_equal(store_load_prov(dir, &q, NULL, &e), 0);
	assert_int_equal(q.n_order, 0);
	prov_done(&p);
	prov_done(&q);
	assert_int_equal(store_save_token(dir, "ABC", &e), -EINVAL);
}

static void file_id(const char *dir, const char *name, struct stat *st)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(stat(path, st), 0);
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* An identical answer (every Q7 check) writes nothing: the files keep
 * their inode and mtime; a different one replaces them. */
static void test_P1_written_only_on_change(void **state)
{
	const char *dir = *state;
	struct prov p = mk_prov(SMALL), p2;
	struct stat d0, t0, d1, t1;
	struct err e;

	assert_int_equal(store_save_answer(dir, &p, &e), 0);
	file_id(dir, STORE_PROV_FILE, &d0);
	file_id(dir, STORE_TOKEN_FILE, &t0);
	usleep(20 * 1000); /* a rewrite would show in the mtime */
	assert_int_equal(store_save_answer(dir, &p, &e), 0);
	file_id(dir, STORE_PROV_FILE, &d1);
	file_id(dir, STORE_TOKEN_FILE, &t1);
	assert_true(same_file(&d0, &d1));
	assert_true(same_file(&t0, &t1));
	prov_done(&p);
	/* Different data, same token: only the data file is replaced. */
	p2 = mk_prov("{\"ttl\":600,\"token\":\"" TOKEN "\",\"order\":[]}");
	assert_int_equal(store_save_answer(dir, &p2, &e), 0);
	file_id(dir, STORE_PROV_FILE, &d1);
	file_id(dir, STORE_TOKEN_FILE, &t1);
	assert_false(same_file(&d0, &d1));
	assert_true(same_file(&t0, &t1));
	/* A damaged file is rewritten even when the answer did not change. */
	write_file(dir, STORE_PROV_FILE, "{broken");
	assert_int_equal(store_save_answer(dir, &p2, &e), 0);
	assert_int_equal(store_load_prov(dir, &p, NULL, &e), 0);
	assert_true(prov_equal(&p, &p2));
	prov_done(&p);
	prov_done(&p2);
}

static void test_P1_nothing_stored(void **state)
{
	char sub[512], token[PROV_TOKEN_LEN + 1];
	struct prov q;
	struct err e;

	snprintf(sub, sizeof(sub), "%s/none", (const char *)*state);
	assert_int_equal(store_load_prov(sub, &q, NULL, &e), -ENOENT);
	assert_int_equal(store_load_token(sub, token, &e), -ENOENT);
	assert_int_equal(store_load_prov(*state, &q, NULL, &e), -ENOENT);
	/* Saving creates the (last) directory, private. */
	{
		struct prov p = mk_prov(SMALL);
		struct stat st;

		assert_int_equal(store_save_prov(sub, &p, &e), 0);
		assert_int_equal(stat(sub, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0700);
		prov_done(&p);
	}
}

/* A process killed while it writes (SIGXFSZ, RLIMIT_FSIZE below the new
 * file's size) leaves the old file whole; the next save works and the
 * temporary file it left is erased with the rest. */
static void test_P1_crash_mid_write_keeps_old_file(void **state)
{
	const char *dir = *state;
	struct prov small = mk_prov(SMALL), large = big(), q;
	struct err e;
	pid_t pid;
	int status;

	assert_int_equal(store_save_prov(dir, &small, &e), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit core = { 0, 0 }, fsize = { 4096, 4096 };

		setrlimit(RLIMIT_CORE, &core);
		setrlimit(RLIMIT_FSIZE, &fsize);
		signal(SIGXFSZ, SIG_DFL);
		store_save_prov(dir, &large, NULL);
		_exit(0); /* not reached: the write is fatal */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGXFSZ);
	/* Killed mid-write: the temporary file holds part of the new data. */
	assert_int_equal(count_entries(dir, "." STORE_PROV_FILE "."), 1);
	assert_int_equal(store_load_prov(dir, &q, NULL, &e), 0);
	assert_true(prov_equal(&small, &q));
	prov_done(&q);

	assert_int_equal(store_save_prov(dir, &large, &e), 0);
	assert_int_equal(store_load_prov(dir, &q, NULL, &e), 0);
	assert_true(prov_equal(&large, &q));
	assert_int_equal(q.map_e.n_rules, 256);
	prov_done(&q);
	assert_int_equal(store_erase(dir, &e), 2); /* the file and the leftover */
	assert_int_equal(count_entries(dir, "."), 2);
	prov_done(&small);
	prov_done(&large);
}

/* A damaged file is refused with the reason, never trusted. */
static void test_P1_damaged_file_refused(void **state)
{
	const char *dir = *state;
	char token[PROV_TOKEN_LEN + 1], path[512];
	struct prov q;
	struct err e;

	write_file(dir, STORE_PROV_FILE, "{\"ttl\":3600,\"order\":[\"dsl");
	memset(&q, 0x5a, sizeof(q));
	assert_int_equal(store_load_prov(dir, &q, NULL, &e), -EBADMSG);
	assert_non_null(strstr(e.msg, "provisioning.json: damaged, refused: not JSON"));
	assert_int_equal(q.n_order, 0x5a5a5a5a5a5a5a5aull); /* untouched */

	write_file(dir, STORE_PROV_FILE, "{\"order\":[\"dslite\"]}");
	assert_int_equal(store_load_prov(dir, &q, NULL, &e), -EBADMSG);
	assert_non_null(strstr(e.msg, "damaged, refused: dslite: named in order but missing"));

	write_file(dir, STORE_PROV_FILE, "");
	assert_int_equal(store_load_prov(dir, &q, NULL, &e), -EBADMSG);

	write_file(dir, STORE_TOKEN_FILE, "640756965820D3B9\n");
	assert_int_equal(store_load_token(dir, token, &e), -EBADMSG);
	assert_non_null(strstr(e.msg, "token: damaged, refused"));

	/* Too large, or not a regular file. */
	{
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", dir, STORE_PROV_FILE);
		f = fopen(path, "w");
		assert_non_null(f);
		assert_int_equal(fseek(f, STORE_MAX_BYTES, SEEK_SET), 0);
		fputc('}', f);
		fclose(f);
		assert_int_equal(store_load_prov(dir, &q, NULL, &e), -EBADMSG);
		unlink(path);
		assert_int_equal(mkdir(path, 0700), 0);
		assert_int_equal(store_load_prov(dir, &q, NULL, &e), -EBADMSG);
		rmdir(path);
		assert_int_equal(symlink("/etc/hostname", path), 0);
		assert_true(store_load_prov(dir, &q, NULL, &e) < 0); /* O_NOFOLLOW */
		unlink(path);
	}
}

/* P2: erase removes the data and the token; nothing stored is not an
 * error; files that are not ours stay. */
static void test_P2_erase(void **state)
{
	const char *dir = *state;
	char sub[512], token[PROV_TOKEN_LEN + 1];
	struct prov p = mk_prov(SMALL), q;
	struct err e;

	assert_int_equal(store_save_answer(dir, &p, &e), 0);
	write_file(dir, "other", "x");
	write_file(dir, ".token.tooshort", "x");
	assert_int_equal(store_erase(dir, &e), 2);
	assert_int_equal(store_load_prov(dir, &q, NULL, &e), -ENOENT);
	assert_int_equal(store_load_token(dir, token, &e), -ENOENT);
	assert_int_equal(count_entries(dir, "other"), 1);
	assert_int_equal(count_entries(dir, ".token.tooshort"), 1);
	assert_int_equal(store_erase(dir, &e), 0);
	snprintf(sub, sizeof(sub), "%s/missing", dir);
	assert_int_equal(store_erase(sub, &e), 0);
	prov_done(&p);
}

static void test_default_dir(void **state)
{
	(void)state;
	assert_string_equal(store_default_dir(), CONFIG_STATE_DIR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_P1_save_and_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_P1_nothing_stored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_P1_written_only_on_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_P1_crash_mid_write_keeps_old_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_P1_damaged_file_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_P2_erase, setup, teardown),
		cmocka_unit_test(test_default_dir),
	};

	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
