/*
 * xfer_cache.c: drop-behind for big files (DESIGN.md section 4). For a
 * file of at least drop_behind_threshold bytes, each chunk's page-cache
 * residency is sampled with mincore() before it is sent; chunks that were
 * not cached before (this transfer brought them in) are dropped with
 * POSIX_FADV_DONTNEED once they are well behind the send offset (the
 * socket may still hold references to the last few MiB). Pages that were
 * cached before belong to someone else's hot set and stay.
 */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "xfer.h"

/* How far behind the send offset a range must be before it is dropped. */
#define DROP_LAG (8 * 1024 * 1024)
/* ranges are checked and dropped in windows of at least this much */
#define DROP_WINDOW ((off_t)4 * 1024 * 1024)
#define RING_LEN ((unsigned)(sizeof(((struct zc_dropbehind *)0)->ring) / \
			     sizeof(((struct zc_dropbehind *)0)->ring[0])))

void
zc_dropbehind_init(struct zc_dropbehind *d, int fd, off_t size,
		   uint64_t threshold)
{
	memset(d, 0, sizeof(*d));
	d->fd = fd;
	d->size = size;
	d->on = threshold > 0 && (uint64_t)size >= threshold;
	if (d->on)
		(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
}

/* Whether any page of [off, off+len) is in the page cache. A chunk with
 * even one resident page is someone's (partly) hot data and is left
 * alone; only chunks this transfer brought in from disk are dropped. */
static bool
range_cached(int fd, off_t off, size_t len)
{
	long page = sysconf(_SC_PAGESIZE);
	off_t base = off - off % page;
	size_t span = (size_t)(off - base) + len;
	size_t pages = (span + (size_t)page - 1) / (size_t)page;
	unsigned char vec[4096]; /* 16 MiB of 4 KiB pages: any chunk here */
	bool any = false;
	void *map;

	if (pages > sizeof(vec))
		return true; /* not sampled: never drop what might be hot */
	map = mmap(NULL, pages * (size_t)page, PROT_READ, MAP_SHARED, fd, base);
	if (map == MAP_FAILED)
		return true;
	if (mincore(map, pages * (size_t)page, vec) < 0)
		memset(vec, 1, pages);
	for (size_t i = 0; i < pages && !any; i++)
		any = (vec[i] & 1) != 0;
	munmap(map, pages * (size_t)page);
	return any;
}

static void
drop_oldest(struct zc_dropbehind *d)
{
	unsigned tail = (d->head + RING_LEN - d->count) % RING_LEN;

	if (!d->ring[tail].was_cached) {
		(void)posix_fadvise(d->fd, d->ring[tail].off, d->ring[tail].len,
				    POSIX_FADV_DONTNEED);
		d->dropped += (uint64_t)d->ring[tail].len;
	}
	d->count--;
}

void
zc_dropbehind_before(struct zc_dropbehind *d, off_t off, size_t len)
{
	off_t end = off + (off_t)len;

	if (!d->on || len == 0 || end <= d->checked_to)
		return;
	if (off < d->checked_to)
		off = d->checked_to;
	/* look ahead a whole window: the copy engines move 256 KiB at a
	 * time, and a residency check (mmap, mincore, munmap) per chunk
	 * cost three system calls per 256 KiB */
	if (end < off + DROP_WINDOW)
		end = off + DROP_WINDOW;
	if (end > d->size)
		end = d->size;
	if (off >= end)
		return;
	if (d->count == RING_LEN)
		drop_oldest(d);
	d->ring[d->head].off = off;
	d->ring[d->head].len = end - off;
	d->ring[d->head].was_cached = range_cached(d->fd, off, (size_t)(end - off));
	d->head = (d->head + 1) % RING_LEN;
	d->count++;
	d->checked_to = end;
}

void
zc_dropbehind_after(struct zc_dropbehind *d, off_t sent_to)
{
	while (d->on && d->count > 0) {
		unsigned tail = (d->head + RING_LEN - d->count) % RING_LEN;
		if (d->ring[tail].off + d->ring[tail].len + DROP_LAG > sent_to)
			break;
		drop_oldest(d);
	}
}

void
zc_dropbehind_finish(struct zc_dropbehind *d)
{
	/* called after the data connection closed: nothing is in flight */
	while (d->on && d->count > 0)
		drop_oldest(d);
}
