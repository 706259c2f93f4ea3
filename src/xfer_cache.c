/*
 * xfer_cache.c: drop-behind for big files (DESIGN.md section 4). For a
 * file of at least drop_behind_threshold bytes, the page-cache residency
 * of each 32 MiB window is sampled well ahead of the send offset, before
 * this transfer's own readahead can reach it; windows that were not
 * cached (this transfer brings them in) are dropped with
 * POSIX_FADV_DONTNEED once they are well behind the send offset (the
 * socket may still hold references to the last few MiB). Windows that
 * were cached belong to someone else's hot set and stay.
 *
 * Residency is probed with a 1-byte preadv2(RWF_NOWAIT) read, which fails
 * with EAGAIN when the page is not cached. Not mincore() or cachestat():
 * since Linux 5.2 (mincore) and 6.x (cachestat) they answer truthfully
 * only to a caller that owns the file or may write it, which no worker
 * serving a published tree does (mincore says "all resident", cachestat
 * EPERM). A probe that misses is not free: the kernel starts reading
 * that one page, and a page present in the middle of this transfer's
 * readahead splits its I/O. With four probes per 4 MiB window that cost
 * a third of the big files' throughput in bench/cache-protect, and even
 * one per 32 MiB window cost 8-20% on the reference VM's disk. So probing
 * stops at the first window that was not cached: every later window of
 * the transfer counts as brought in by it. A file is usually cached
 * whole (all probes hit, none reads) or not at all (one probe reads one
 * page); what this gives up is a cached range after a cold one, which
 * is dropped once sent. A big file many sessions fetch is spared
 * anyway (popular.c).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "xfer.h"

/* How far behind the send offset a range must be before it is dropped. */
#define DROP_LAG (8 * 1024 * 1024)
/* ranges are checked and dropped in windows of this much */
#define DROP_WINDOW ((off_t)32 * 1024 * 1024)
/* how far ahead of the send offset windows are probed: beyond the
 * kernel's readahead (read_ahead_kb, 8 MiB on some disks, doubled by
 * POSIX_FADV_SEQUENTIAL), which would otherwise make every window look
 * cached by the time it is probed */
#define PROBE_AHEAD ((off_t)32 * 1024 * 1024)
#define RING_LEN ((unsigned)(sizeof(((struct zc_dropbehind *)0)->ring) / \
			     sizeof(((struct zc_dropbehind *)0)->ring[0])))

void
zc_dropbehind_init(struct zc_dropbehind *d, int fd, off_t size,
		   uint64_t threshold)
{
	memset(d, 0, sizeof(*d));
	d->fd = fd;
	d->probe_fd = -1;
	d->size = size;
	d->on = threshold > 0 && (uint64_t)size >= threshold;
	if (d->on)
		(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
}

void
zc_dropbehind_set_probe(struct zc_dropbehind *d, int probe_fd)
{
	if (!d->on) {
		close(probe_fd);
		return;
	}
	/* its own readahead state: random, so a probe far ahead neither
	 * pulls in a window nor disturbs the transfer's sequential
	 * readahead on the other open file */
	(void)posix_fadvise(probe_fd, 0, 0, POSIX_FADV_RANDOM);
	d->probe_fd = probe_fd;
}

/* Whether the window at off looks cached: its first page is. A window
 * with a resident page is someone's (partly) hot data and is left alone.
 * A file system that cannot answer (EOPNOTSUPP) counts as cached: never
 * drop what might be hot. */
static bool
window_cached(int fd, off_t off)
{
	char byte;
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	ssize_t n = preadv2(fd, &iov, 1, off, RWF_NOWAIT);

	return n == 1 || (n < 0 && errno != EAGAIN);
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
	off_t target = off + (off_t)len;

	if (!d->on || len == 0)
		return;
	target += PROBE_AHEAD;
	if (target > d->size)
		target = d->size;
	/* probe whole windows up to the target; a full ring waits for
	 * zc_dropbehind_after() (never drop a range not yet sent) */
	while (d->checked_to < target && d->count < RING_LEN) {
		off_t start = d->checked_to;
		off_t end = start + DROP_WINDOW;

		if (end > d->size)
			end = d->size;
		d->ring[d->head].off = start;
		d->ring[d->head].len = end - start;
		d->ring[d->head].was_cached =
			!d->cold_seen &&
			window_cached(d->probe_fd >= 0 ? d->probe_fd : d->fd,
				      start);
		if (!d->ring[d->head].was_cached)
			d->cold_seen = true;
		d->head = (d->head + 1) % RING_LEN;
		d->count++;
		d->checked_to = end;
	}
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
	if (d->probe_fd >= 0)
		close(d->probe_fd);
	d->probe_fd = -1;
}
