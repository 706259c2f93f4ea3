/*
 * xfer_mmap.c: RETR through mmap + write (transfer_engine=mmap, for
 * comparison): one CPU copy from the mapping into the socket. The file
 * is mapped a window at a time; a file that shrinks under the mapping
 * would raise SIGBUS, so the size is checked before each window and the
 * window never reaches past it (a truncation racing with the write of a
 * window can still fault: this engine is for measurements, sendfile is
 * the default).
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xfer.h"

#define WINDOW (8u * 1024 * 1024)

enum zc_xfer_result
zc_xfer_engine_mmap(struct zc_xfer *x)
{
	long page = sysconf(_SC_PAGESIZE);

	while (x->off < x->end) {
		off_t base = x->off - x->off % page;
		size_t skip = (size_t)(x->off - base);
		size_t len = zc_xfer_chunk(x, WINDOW);
		struct stat st;
		char *map;
		enum zc_xfer_result r;

		if (fstat(x->file_fd, &st) < 0)
			return ZC_XFER_FILE_ERROR;
		if (st.st_size < x->off + (off_t)len)
			return ZC_XFER_SHRANK;
		map = mmap(NULL, skip + len, PROT_READ, MAP_SHARED, x->file_fd,
			   base);
		if (map == MAP_FAILED)
			return ZC_XFER_FILE_ERROR; /* ENODEV etc.: may fall back */
		(void)madvise(map, skip + len, MADV_SEQUENTIAL);
		x->off += (off_t)len;
		r = zc_xfer_write(x, map + skip, len);
		munmap(map, skip + len);
		/* send() on pages truncated away fails with EFAULT: that is
		 * the file shrinking, not the network */
		if (r == ZC_XFER_NET_ERROR && fstat(x->file_fd, &st) == 0 &&
		    st.st_size < x->end)
			r = ZC_XFER_SHRANK;
		if (r != ZC_XFER_OK)
			return r;
	}
	return ZC_XFER_OK;
}
