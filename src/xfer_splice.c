/*
 * xfer_splice.c: RETR through splice(2): file -> pipe -> socket, no
 * user-space copy, two calls per chunk (for comparison with sendfile,
 * transfer_engine=splice). The pipe is this transfer's own.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include "xfer.h"

/* Pipe capacity asked for: one chunk in flight. */
#define PIPE_SIZE (1024 * 1024)

enum zc_xfer_result
zc_xfer_engine_splice(struct zc_xfer *x)
{
	enum zc_xfer_result r = ZC_XFER_OK;
	size_t in_pipe = 0;
	int p[2] = {-1, -1};

	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
		return ZC_XFER_FILE_ERROR;
	(void)fcntl(p[1], F_SETPIPE_SZ, PIPE_SIZE); /* best effort */
	while (x->off < x->end || in_pipe > 0) {
		ssize_t n;

		if (in_pipe == 0) {
			size_t want = zc_xfer_chunk(x, PIPE_SIZE);
			n = splice(x->file_fd, &x->off, p[1], NULL, want,
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n == 0) {
				r = ZC_XFER_SHRANK;
				break;
			}
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				/* before the first byte, errno tells the
				 * caller whether to fall back */
				r = ZC_XFER_FILE_ERROR;
				break;
			}
			in_pipe = (size_t)n;
		}
		n = splice(p[0], NULL, x->data_fd, NULL, in_pipe,
			   SPLICE_F_MOVE | SPLICE_F_NONBLOCK | SPLICE_F_MORE);
		if (n > 0) {
			in_pipe -= (size_t)n;
			r = zc_xfer_account(x, (size_t)n);
			/* part of the pipe left: the socket buffer is full
			 * (see xfer_sendfile.c) */
			if (r == ZC_XFER_OK && in_pipe > 0)
				r = zc_xfer_wait(x, POLLOUT);
			if (r != ZC_XFER_OK)
				break;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			r = zc_xfer_wait(x, POLLOUT);
			if (r != ZC_XFER_OK)
				break;
			continue;
		}
		r = ZC_XFER_NET_ERROR;
		break;
	}
	{
		int saved = errno;
		close(p[0]);
		close(p[1]);
		errno = saved;
	}
	return r;
}
