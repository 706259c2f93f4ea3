/*
 * iobuf.h: the worker's transfer buffers, aligned to a page.
 *
 * glibc's malloc() returns a large block 16 bytes past a page boundary
 * (the header of its mmap'd chunk). The kernel copies a transfer's bytes
 * into such a buffer from page-aligned memory (a page-cache page for a
 * pread(2), a socket buffer for a recv(2)), and on the AMD EPYC machines
 * zcftpd is benchmarked on that copy (rep movsb) runs several times
 * slower when the destination sits 16 bytes into a page: pread(2) of a
 * cached file into 256 KiB, 2.1 GB/s at offset 16 against 7.8 GB/s
 * page-aligned; recv(2) from loopback TCP, 1.7 against 3.1 GB/s. So
 * every buffer a transfer's data passes through starts on a page.
 */
#ifndef ZC_IOBUF_H
#define ZC_IOBUF_H

#include <stddef.h>

/* SIZE bytes starting on a page boundary, released with free(); NULL
 * with errno when out of memory. */
void *zc_iobuf_alloc(size_t size);

#endif
