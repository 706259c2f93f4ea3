/*
 * popular.h: which big files are popular, so that drop-behind leaves them
 * in the page cache.
 *
 * Drop-behind (xfer_cache.c) releases the pages a big download brought
 * into the cache, so that streams of big files do not evict the small
 * files everyone requests. Done to every download, it would also release
 * a popular big file (the ISO image of a new release) after each one, and
 * every download would read it from disk again. So the workers share a
 * small table of the big files sent recently, in the scoreboard mapping:
 * a file any session sent in the last ZC_POPULAR_WINDOW_S seconds is
 * popular, and a popular file no bigger than 1/ZC_POPULAR_FIT_DIVISOR of
 * the memory the server may use is left to the kernel's LRU like any
 * small file. A file too big to stay cached anyway is still dropped.
 *
 * The table is written by workers, which read client bytes; the master
 * never reads it. A session can only make a file look popular by
 * downloading it, which is what popular means.
 */
#ifndef ZC_POPULAR_H
#define ZC_POPULAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "defs.h"

#define ZC_POPULAR_SLOTS 64       /* big files remembered */
#define ZC_POPULAR_WINDOW_S 600   /* sent this recently: popular */
#define ZC_POPULAR_FIT_DIVISOR 4  /* kept only if size <= budget / this */

struct zc_popular_entry {
	uint64_t dev, ino;
	int64_t seen; /* monotonic seconds + 1 of the last send; 0: empty */
};

struct zc_popular {
	struct zc_popular_entry e[ZC_POPULAR_SLOTS];
};

/* Note that file (dev, ino) is being sent at NOW (> 0, seconds); true
 * when it had been noted within ZC_POPULAR_WINDOW_S before. A new file
 * takes the entry seen longest ago. Entries are read and written with
 * atomic loads and stores, without locks: a race between two workers can
 * only cost one wrong guess. */
bool zc_popular_note(struct zc_popular *p, uint64_t dev, uint64_t ino,
		     int64_t now);

/* Drop-behind's exception for one download of a big file: notes it, and
 * returns true when it is popular and SIZE <= BUDGET / ZC_POPULAR_FIT_DIVISOR
 * (BUDGET 0: unknown, never kept). */
bool zc_popular_keep_cached(struct zc_popular *p, uint64_t dev, uint64_t ino,
			    uint64_t size, uint64_t budget, int64_t now);

/* Seconds for zc_popular_note(): CLOCK_MONOTONIC, which all processes
 * share, plus 1 so that it is never 0. */
int64_t zc_popular_now(void);

/* The memory this server may fill with page cache: the machine's RAM, or
 * its memory cgroup's limit when lower (cgroup v2 memory.max or v1
 * memory.limit_in_bytes of the cgroup /proc/self/cgroup names). For the
 * master; a worker in its jail cannot read /proc or /sys. 0 if unknown. */
uint64_t zc_popular_memory_budget(void);

/* Helpers of zc_popular_memory_budget(), for the unit tests: the limit
 * file of the memory cgroup named in TEXT (the contents of
 * /proc/self/cgroup) into OUT, 0 or -1 when there is none; and a limit
 * file's contents as bytes (UINT64_MAX for "max", no limit). */
int zc_popular_cgroup_limit_path(const char *text, char *out, size_t cap);
int zc_popular_parse_limit(const char *text, uint64_t *bytes);

#endif
