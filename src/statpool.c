/*
 * statpool.c: parallel fstatat() for long listings. See statpool.h.
 *
 * One round ("job") is an array of entries. The caller publishes it under
 * the lock and bumps `round`; every thread, the caller included, then
 * takes slices of STAT_SLICE entries from an atomic cursor until none is
 * left, and the caller waits until every helper has reported the round
 * done. A helper never keeps a pointer into a job past its report, so
 * the caller may reuse or free the entries as soon as
 * zc_statpool_stat() returns.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "defs.h"
#include "statpool.h"

/* Entries taken from the cursor at once: few enough that the threads
 * finish together, enough that the cursor is not contended. */
#define STAT_SLICE 32u
/* A helper does nothing but fstatat(); glibc's default 8 MiB of address
 * space per thread is far more than it needs. */
#define HELPER_STACK (256u * 1024)

struct zc_statpool {
	pthread_mutex_t lock;
	pthread_cond_t work;  /* a new round, or stop */
	pthread_cond_t done;  /* a helper finished its round */
	pthread_t tid[ZC_LIST_THREADS_MAX];
	unsigned helpers;

	/* the current job, written under the lock before `round` moves */
	unsigned long round;
	bool stopping;
	int dirfd;
	struct zc_stat_entry *e;
	size_t n;
	size_t cursor;        /* atomic: next entry to take */
	unsigned busy;        /* helpers still in the round */
	size_t helped;        /* atomic: entries stat'ed by helpers */
};

/* Stat slices of the current job until it is used up; the count done. */
static size_t
stat_slices(struct zc_statpool *p, int dirfd, struct zc_stat_entry *e,
	    size_t n)
{
	size_t done = 0;

	for (;;) {
		size_t i = p != NULL ? __atomic_fetch_add(&p->cursor, STAT_SLICE,
							  __ATOMIC_RELAXED)
				     : done;
		size_t end;

		if (i >= n)
			return done;
		end = i + STAT_SLICE < n ? i + STAT_SLICE : n;
		for (; i < end; i++) {
			e[i].err = fstatat(dirfd, e[i].name, &e[i].st,
					   AT_SYMLINK_NOFOLLOW) == 0
					   ? 0
					   : errno;
			done++;
		}
	}
}

static void *
helper_main(void *arg)
{
	struct zc_statpool *p = arg;
	unsigned long seen = 0;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		int dirfd;
		struct zc_stat_entry *e;
		size_t n, done;

		while (p->round == seen && !p->stopping)
			pthread_cond_wait(&p->work, &p->lock);
		if (p->stopping)
			break;
		seen = p->round;
		dirfd = p->dirfd;
		e = p->e;
		n = p->n;
		pthread_mutex_unlock(&p->lock);

		done = stat_slices(p, dirfd, e, n);
		__atomic_fetch_add(&p->helped, done, __ATOMIC_RELAXED);

		pthread_mutex_lock(&p->lock);
		if (--p->busy == 0)
			pthread_cond_signal(&p->done);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

struct zc_statpool *
zc_statpool_start(unsigned threads)
{
	struct zc_statpool *p;
	pthread_attr_t attr;
	sigset_t all, old;

	if (threads <= 1)
		return NULL;
	if (threads > ZC_LIST_THREADS_MAX)
		threads = ZC_LIST_THREADS_MAX;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	if (pthread_mutex_init(&p->lock, NULL) != 0) {
		free(p);
		return NULL;
	}
	if (pthread_cond_init(&p->work, NULL) != 0) {
		pthread_mutex_destroy(&p->lock);
		free(p);
		return NULL;
	}
	if (pthread_cond_init(&p->done, NULL) != 0) {
		pthread_cond_destroy(&p->work);
		pthread_mutex_destroy(&p->lock);
		free(p);
		return NULL;
	}
	if (pthread_attr_init(&attr) != 0) {
		zc_statpool_stop(p);
		return NULL;
	}
	(void)pthread_attr_setstacksize(&attr, HELPER_STACK); /* a hint */
	/* helpers inherit this mask: signals stay with the session */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	while (p->helpers < threads - 1 &&
	       pthread_create(&p->tid[p->helpers], &attr, helper_main, p) == 0)
		p->helpers++;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (p->helpers == 0) {
		zc_statpool_stop(p);
		return NULL;
	}
	return p;
}

void
zc_statpool_stat(struct zc_statpool *p, int dirfd, struct zc_stat_entry *e,
		 size_t n)
{
	if (p == NULL || n <= STAT_SLICE) {
		(void)stat_slices(NULL, dirfd, e, n);
		return;
	}
	pthread_mutex_lock(&p->lock);
	p->dirfd = dirfd;
	p->e = e;
	p->n = n;
	__atomic_store_n(&p->cursor, 0, __ATOMIC_RELAXED);
	p->busy = p->helpers;
	p->round++;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);

	(void)stat_slices(p, dirfd, e, n);

	/* the lock orders the helpers' results before our reads */
	pthread_mutex_lock(&p->lock);
	while (p->busy > 0)
		pthread_cond_wait(&p->done, &p->lock);
	pthread_mutex_unlock(&p->lock);
}

unsigned
zc_statpool_helpers(const struct zc_statpool *p)
{
	return p != NULL ? p->helpers : 0;
}

size_t
zc_statpool_helped(const struct zc_statpool *p)
{
	return p != NULL ? __atomic_load_n(&p->helped, __ATOMIC_RELAXED) : 0;
}

void
zc_statpool_stop(struct zc_statpool *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	for (unsigned i = 0; i < p->helpers; i++)
		pthread_join(p->tid[i], NULL);
	pthread_cond_destroy(&p->done);
	pthread_cond_destroy(&p->work);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

unsigned
zc_statpool_auto_threads(void)
{
	cpu_set_t set;
	int n;

	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return 1;
	n = CPU_COUNT(&set);
	if (n < 1)
		return 1;
	return (unsigned)n < ZC_LIST_THREADS_AUTO_MAX ? (unsigned)n
						       : ZC_LIST_THREADS_AUTO_MAX;
}
