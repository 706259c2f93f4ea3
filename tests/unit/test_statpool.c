/* Unit tests for statpool.c: parallel fstatat() gives each entry its own
 * result, helpers really work, keep signals away and are all joined. */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "defs.h"
#include "statpool.h"
#include "tmptree.h"

#define N_FILES 3000

static char dir[64];
static int dirfd_;
static char names[N_FILES + 2][32];

/* N_FILES files, file i of size i (sparse), plus a symlink and a name
 * that does not exist. */
static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/zc-test-statpool-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	dirfd_ = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(dirfd_, 0);
	for (int i = 0; i < N_FILES; i++) {
		int fd;
		snprintf(names[i], sizeof(names[i]), "f%05d", i);
		fd = openat(dirfd_, names[i], O_WRONLY | O_CREAT | O_EXCL, 0644);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(ftruncate(fd, i), 0);
		close(fd);
	}
	snprintf(names[N_FILES], sizeof(names[0]), "link");
	ck_assert_int_eq(symlinkat("f00001", dirfd_, "link"), 0);
	snprintf(names[N_FILES + 1], sizeof(names[0]), "missing");
}

static void
teardown(void)
{
	close(dirfd_);
	test_rm_tree(dir);
}

/* Entries for names[first..first+n), results poisoned. */
static struct zc_stat_entry *
entries(size_t first, size_t n)
{
	struct zc_stat_entry *e = calloc(n, sizeof(*e));

	ck_assert_ptr_nonnull(e);
	for (size_t i = 0; i < n; i++) {
		e[i].name = names[first + i];
		e[i].err = -1;
		memset(&e[i].st, 0xa5, sizeof(e[i].st));
	}
	return e;
}

static void
check_entries(const struct zc_stat_entry *e, size_t first, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t k = first + i;
		if (k < N_FILES) {
			ck_assert_msg(e[i].err == 0, "%s: err %d", e[i].name,
				      e[i].err);
			ck_assert(S_ISREG(e[i].st.st_mode));
			ck_assert_int_eq(e[i].st.st_size, (off_t)k);
		} else if (k == N_FILES) { /* not followed */
			ck_assert_int_eq(e[i].err, 0);
			ck_assert(S_ISLNK(e[i].st.st_mode));
		} else {
			ck_assert_int_eq(e[i].err, ENOENT);
		}
	}
}

static int
task_count(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* A joined thread's /proc/self/task entry can outlive pthread_join() by
 * a moment (the kernel clears the tid glibc waits on before it releases
 * the task): wait for the count, at most a second. */
static int
task_count_settled(int want)
{
	int n = task_count();

	for (int i = 0; i < 100 && n != want; i++) {
		usleep(10 * 1000);
		n = task_count();
	}
	return n;
}

START_TEST(one_thread_is_no_pool_and_still_stats)
{
	struct zc_stat_entry *e = entries(N_FILES - 40, 42);

	ck_assert_ptr_null(zc_statpool_start(0));
	ck_assert_ptr_null(zc_statpool_start(1));
	ck_assert_uint_eq(zc_statpool_helpers(NULL), 0);
	ck_assert_uint_eq(zc_statpool_helped(NULL), 0);
	zc_statpool_stat(NULL, dirfd_, e, 42);
	check_entries(e, N_FILES - 40, 42);
	zc_statpool_stop(NULL);
	free(e);
}
END_TEST

START_TEST(every_entry_gets_its_own_result)
{
	struct zc_statpool *p = zc_statpool_start(4);
	size_t total = N_FILES + 2;

	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(zc_statpool_helpers(p), 3);
	/* uneven rounds, some below one slice, the last with the symlink
	 * and the missing name */
	for (size_t first = 0, n = 1; first < total; first += n, n = n * 3 + 7) {
		struct zc_stat_entry *e;
		if (n > total - first)
			n = total - first;
		e = entries(first, n);
		zc_statpool_stat(p, dirfd_, e, n);
		check_entries(e, first, n);
		free(e);
	}
	zc_statpool_stop(p);
}
END_TEST

START_TEST(helpers_take_part_of_the_work)
{
	struct zc_statpool *p = zc_statpool_start(2);
	struct zc_stat_entry *e = entries(0, N_FILES);

	ck_assert_ptr_nonnull(p);
	/* a helper that wakes late may find a round done; over many rounds
	 * of 3000 entries it must have done some (bounded: 200 rounds) */
	for (int round = 0; round < 200 && zc_statpool_helped(p) == 0; round++) {
		zc_statpool_stat(p, dirfd_, e, N_FILES);
		check_entries(e, 0, N_FILES);
	}
	ck_assert_uint_gt(zc_statpool_helped(p), 0);
	ck_assert_uint_lt(zc_statpool_helped(p), 200u * N_FILES);
	zc_statpool_stop(p);
	free(e);
}
END_TEST

/* "SigBlk:" of a task, as a bit mask. */
static unsigned long long
blocked_mask(const char *task)
{
	char path[128], line[256];
	unsigned long long mask = 0;
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%s/status", task);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "SigBlk: %llx", &mask) == 1) {
			found = true;
			break;
		}
	fclose(f);
	ck_assert(found);
	return mask;
}

START_TEST(helpers_block_signals_the_caller_does_not)
{
	static const int sigs[] = {SIGTERM, SIGHUP, SIGINT, SIGCHLD, SIGALRM,
				   SIGPIPE, SIGUSR1};
	struct zc_statpool *p;
	char self[32];
	DIR *d;
	struct dirent *de;
	int helpers = 0;

	snprintf(self, sizeof(self), "%d", (int)getpid());
	p = zc_statpool_start(3);
	ck_assert_ptr_nonnull(p);
	d = opendir("/proc/self/task");
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL) {
		unsigned long long m;
		if (de->d_name[0] == '.')
			continue;
		m = blocked_mask(de->d_name);
		for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
			bool blocked = (m >> (sigs[i] - 1)) & 1;
			if (strcmp(de->d_name, self) == 0)
				ck_assert_msg(!blocked, "caller blocks %d",
					      sigs[i]);
			else
				ck_assert_msg(blocked, "helper takes %d",
					      sigs[i]);
		}
		if (strcmp(de->d_name, self) != 0)
			helpers++;
	}
	closedir(d);
	ck_assert_int_eq(helpers, 2);
	zc_statpool_stop(p);
}
END_TEST

START_TEST(stop_joins_every_helper)
{
	int before = task_count();

	for (int i = 0; i < 20; i++) {
		struct zc_statpool *p = zc_statpool_start(ZC_LIST_THREADS_MAX + 5);
		ck_assert_ptr_nonnull(p);
		/* capped: the caller plus ZC_LIST_THREADS_MAX - 1 */
		ck_assert_uint_eq(zc_statpool_helpers(p), ZC_LIST_THREADS_MAX - 1);
		ck_assert_int_eq(task_count(), before + ZC_LIST_THREADS_MAX - 1);
		if (i % 2 == 0) { /* stopped idle, or after a round */
			struct zc_stat_entry *e = entries(0, 100);
			zc_statpool_stat(p, dirfd_, e, 100);
			check_entries(e, 0, 100);
			free(e);
		}
		zc_statpool_stop(p);
		ck_assert_int_eq(task_count_settled(before), before);
	}
}
END_TEST

START_TEST(auto_threads_follow_the_cpu_affinity)
{
	cpu_set_t all, one;
	unsigned n = zc_statpool_auto_threads();

	ck_assert_uint_ge(n, 1);
	ck_assert_uint_le(n, ZC_LIST_THREADS_AUTO_MAX);
	ck_assert_int_eq(sched_getaffinity(0, sizeof(all), &all), 0);
	ck_assert_uint_eq(n, (unsigned)CPU_COUNT(&all) < ZC_LIST_THREADS_AUTO_MAX
				     ? (unsigned)CPU_COUNT(&all)
				     : ZC_LIST_THREADS_AUTO_MAX);
	CPU_ZERO(&one);
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &all)) {
			CPU_SET(c, &one);
			break;
		}
	ck_assert_int_eq(sched_setaffinity(0, sizeof(one), &one), 0);
	ck_assert_uint_eq(zc_statpool_auto_threads(), 1);
	ck_assert_int_eq(sched_setaffinity(0, sizeof(all), &all), 0);
}
END_TEST

static Suite *
statpool_suite(void)
{
	Suite *s = suite_create("statpool");
	TCase *tc = tcase_create("pool");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, one_thread_is_no_pool_and_still_stats);
	tcase_add_test(tc, every_entry_gets_its_own_result);
	tcase_add_test(tc, helpers_take_part_of_the_work);
	tcase_add_test(tc, helpers_block_signals_the_caller_does_not);
	tcase_add_test(tc, stop_joins_every_helper);
	tcase_add_test(tc, auto_threads_follow_the_cpu_affinity);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(statpool_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
