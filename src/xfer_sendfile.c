/*
 * xfer_sendfile.c: plain binary RETR with sendfile(2): the file's pages
 * go from the page cache to the socket without a user-space copy, in
 * bounded chunks on a non-blocking socket (DESIGN.md section 4).
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <sys/sendfile.h>

#include "xfer.h"

enum zc_xfer_result
zc_xfer_engine_sendfile(struct zc_xfer *x)
{
	while (x->off < x->end) {
		size_t want = zc_xfer_chunk(x, ZC_SENDFILE_CHUNK);
		ssize_t n = sendfile(x->data_fd, x->file_fd, &x->off, want);
		enum zc_xfer_result r;

		if (n > 0) {
			r = zc_xfer_account(x, (size_t)n);
			if (r != ZC_XFER_OK)
				return r;
			/* A short count means the socket's send buffer is
			 * full. Calling again at once would move only what
			 * the receiver freed meanwhile, a few pages per call;
			 * POLLOUT comes when a good part of the buffer is
			 * free, which batches the way a blocking sendfile
			 * does (about 10x fewer calls for a 1 GiB file on
			 * loopback). */
			if ((size_t)n < want && x->off < x->end) {
				r = zc_xfer_wait(x, POLLOUT);
				if (r != ZC_XFER_OK)
					return r;
			}
			continue;
		}
		if (n == 0)
			return ZC_XFER_SHRANK; /* EOF before the size at RETR */
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN) {
			r = zc_xfer_wait(x, POLLOUT);
			if (r != ZC_XFER_OK)
				return r;
			continue;
		}
		if (errno == EPIPE || errno == ECONNRESET ||
		    errno == ETIMEDOUT || errno == ENOTCONN)
			return ZC_XFER_NET_ERROR;
		return ZC_XFER_FILE_ERROR; /* EINVAL etc.: caller may fall back */
	}
	return ZC_XFER_OK;
}
