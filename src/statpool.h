/*
 * statpool.h: fstatat() of many entries of one directory, spread over a
 * few threads.
 *
 * A long listing (LIST, MLSD, STAT -l) spends most of its time in the
 * kernel, one path lookup and one getattr per entry; formatting is a
 * small part. On a machine with idle cores, helper threads that stat a
 * window of entries while the caller stats its own share cut a big
 * directory's listing time nearly by the number of threads. They do not
 * add throughput to a machine whose cores are already busy, which is
 * why the number is a setting (list_threads) and 1 turns them off.
 *
 * The helpers live for one listing: started by zc_statpool_start(),
 * joined by zc_statpool_stop(). They run with every signal blocked (the
 * session's handlers stay with its main thread) and touch nothing but
 * the entries they are given.
 */
#ifndef ZC_STATPOOL_H
#define ZC_STATPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

/* One directory entry to stat (AT_SYMLINK_NOFOLLOW). */
struct zc_stat_entry {
	const char *name; /* in: borrowed, a name inside the directory */
	int err;          /* out: 0, or fstatat's errno */
	struct stat st;   /* out: valid when err == 0 */
};

struct zc_statpool;

/* A pool in which `threads` threads stat: the caller and threads - 1
 * helpers. Returns NULL when threads <= 1 or no helper could be started;
 * NULL is a valid pool (the caller stats alone). */
struct zc_statpool *zc_statpool_start(unsigned threads);

/* Stat e[0..n) relative to dirfd, the caller working too; returns when
 * every entry has its result. */
void zc_statpool_stat(struct zc_statpool *p, int dirfd,
		      struct zc_stat_entry *e, size_t n);

/* Helpers running (0 for NULL), and entries they stat'ed so far (the
 * tests' proof that the helpers work). */
unsigned zc_statpool_helpers(const struct zc_statpool *p);
size_t zc_statpool_helped(const struct zc_statpool *p);

/* Join the helpers and free the pool; NULL is fine. */
void zc_statpool_stop(struct zc_statpool *p);

/* The list_threads value 0 ("auto"): the CPUs this process may run on
 * (sched_getaffinity, which works inside a chroot where /sys does not),
 * at most ZC_LIST_THREADS_AUTO_MAX. */
unsigned zc_statpool_auto_threads(void);

#endif
