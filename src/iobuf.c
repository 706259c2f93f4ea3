/*
 * iobuf.c: page-aligned transfer buffers (see iobuf.h for the
 * measurement behind them).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "iobuf.h"

void *
zc_iobuf_alloc(size_t size)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p = NULL;
	int rc;

	rc = posix_memalign(&p, page > 0 ? (size_t)page : 4096, size);
	if (rc != 0) {
		errno = rc;
		return NULL;
	}
	return p;
}
