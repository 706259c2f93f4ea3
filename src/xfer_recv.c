/*
 * xfer_recv.c: uploads, data connection -> file. Engines: readwrite (recv
 * into the worker's copy buffer, pwrite), splice (socket -> pipe -> file,
 * no user-space copy), tls-copy (SSL_read, pwrite) and copy-ascii (CRLF ->
 * LF over either of the copying paths). In stream mode the end of the
 * data is the end of the file: a TCP EOF, or over TLS the client's
 * close_notify (an EOF without one is a truncation). Every chunk goes
 * through zc_xfer_account(), so ABOR, STAT, the rate limit and
 * data_timeout work as for downloads.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "session.h"
#include "tls.h"
#include "xfer.h"

/* Pipe capacity asked for by the splice engine: one chunk in flight. */
#define PIPE_SIZE (1024 * 1024)

size_t
zc_xfer_ascii_decode(const char *in, size_t len, char *out, bool *held_cr)
{
	size_t o = 0;

	if (len == 0)
		return 0;
	if (*held_cr) {
		/* the CR that ended the last chunk: CRLF is one LF */
		if (in[0] != '\n')
			out[o++] = '\r';
		*held_cr = false;
	}
	for (size_t i = 0; i < len; i++) {
		if (in[i] == '\r' && i + 1 == len) {
			*held_cr = true; /* undecided until the next chunk */
			break;
		}
		if (in[i] == '\r' && in[i + 1] == '\n')
			continue;
		out[o++] = in[i];
	}
	return o;
}

/* The client ended the data. In stream mode a plain TCP EOF is also what
 * a client that died leaves behind: if its control connection has gone
 * too, the file is not complete. The kernel closes a dead process's
 * sockets one after the other, the data connection often first, so a
 * plain EOF waits a moment (x->eof_grace_ms) for the control connection
 * to close as well; a live client is waiting for the 226 and sends
 * nothing. Over TLS the close_notify already proved the end. */
static enum zc_xfer_result
at_end(struct zc_xfer *x)
{
	return zc_xfer_check_control(x, x->tls == NULL ? x->eof_grace_ms : 0);
}

static short
tls_events(enum zc_tls_io io)
{
	return io == ZC_TLS_WANT_READ ? POLLIN : POLLOUT;
}

/* One TLS read: *got > 0 bytes, or 0 at the client's close_notify. */
static enum zc_xfer_result
tls_recv(struct zc_xfer *x, char *buf, size_t cap, size_t *got)
{
	for (;;) {
		enum zc_tls_io io = zc_tls_read(x->tls, buf, cap, got);
		char why[256];

		if (io == ZC_TLS_DONE)
			return ZC_XFER_OK;
		if (io == ZC_TLS_CLOSED) {
			*got = 0;
			return ZC_XFER_OK;
		}
		if (io == ZC_TLS_WANT_READ || io == ZC_TLS_WANT_WRITE) {
			enum zc_xfer_result r = zc_xfer_wait(x, tls_events(io));
			if (r != ZC_XFER_OK)
				return r;
			continue;
		}
		/* SECURITY: an EOF without close_notify may be an attacker
		 * cutting the stream: never a complete upload */
		zc_tls_error(why, sizeof(why));
		zc_log_info("TLS upload ended without close_notify or failed: "
			    "%s", why);
		return ZC_XFER_NET_ERROR;
	}
}

/* One read from the data connection: *got > 0 bytes, or 0 at its end. */
static enum zc_xfer_result
recv_some(struct zc_xfer *x, char *buf, size_t cap, size_t *got)
{
	if (x->tls != NULL)
		return tls_recv(x, buf, cap, got);
	for (;;) {
		ssize_t n = recv(x->data_fd, buf, cap, 0);
		enum zc_xfer_result r;

		if (n >= 0) {
			*got = (size_t)n;
			return ZC_XFER_OK;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return ZC_XFER_NET_ERROR;
		r = zc_xfer_wait(x, POLLIN);
		if (r != ZC_XFER_OK)
			return r;
	}
}

/* Write len bytes at x->off, advancing it. */
static enum zc_xfer_result
write_all(struct zc_xfer *x, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = pwrite(x->file_fd, buf, len, x->off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			x->err = n < 0 ? errno : ENOSPC;
			return ZC_XFER_FILE_ERROR;
		}
		buf += n;
		len -= (size_t)n;
		x->off += n;
	}
	return ZC_XFER_OK;
}

static enum zc_xfer_result
recv_readwrite(struct zc_xfer *x)
{
	char *buf = x->s->env.copy_buf;

	for (;;) {
		size_t got = 0;
		enum zc_xfer_result r;

		r = recv_some(x, buf, zc_xfer_chunk(x, ZC_COPY_BUF_SIZE), &got);
		if (r != ZC_XFER_OK)
			return r;
		if (got == 0)
			return at_end(x);
		r = write_all(x, buf, got);
		if (r == ZC_XFER_OK)
			r = zc_xfer_account(x, got);
		if (r != ZC_XFER_OK)
			return r;
	}
}

static enum zc_xfer_result
recv_ascii(struct zc_xfer *x)
{
	/* input in the first ZC_ASCII_CHUNK bytes, output (at most one
	 * byte longer) right after it */
	char *in = x->s->env.copy_buf;
	char *out = in + ZC_ASCII_CHUNK;
	bool held_cr = false;

	_Static_assert(2 * ZC_ASCII_CHUNK + 1 <= ZC_COPY_BUF_SIZE,
		       "copy buffer too small for ASCII conversion");
	for (;;) {
		size_t got = 0, len;
		enum zc_xfer_result r;

		r = recv_some(x, in, zc_xfer_chunk(x, ZC_ASCII_CHUNK), &got);
		if (r != ZC_XFER_OK)
			return r;
		if (got == 0) {
			r = held_cr ? write_all(x, "\r", 1) : ZC_XFER_OK;
			return r == ZC_XFER_OK ? at_end(x) : r;
		}
		len = zc_xfer_ascii_decode(in, got, out, &held_cr);
		r = write_all(x, out, len);
		if (r == ZC_XFER_OK)
			r = zc_xfer_account(x, got);
		if (r != ZC_XFER_OK)
			return r;
	}
}

static bool
is_refusal(int err)
{
	return err == EINVAL || err == ENOSYS || err == EOPNOTSUPP;
}

/* The file side refused splice with bytes already taken from the socket
 * into the pipe: copy those through the buffer, so none is lost. */
static enum zc_xfer_result
pipe_to_file_by_copy(struct zc_xfer *x, int pipe_rd, size_t n)
{
	char *buf = x->s->env.copy_buf;

	while (n > 0) {
		ssize_t k = read(pipe_rd, buf,
				 n < ZC_COPY_BUF_SIZE ? n : ZC_COPY_BUF_SIZE);
		enum zc_xfer_result r;

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			x->err = k < 0 ? errno : EIO;
			return ZC_XFER_FILE_ERROR;
		}
		r = write_all(x, buf, (size_t)k);
		if (r != ZC_XFER_OK)
			return r;
		n -= (size_t)k;
	}
	return ZC_XFER_OK;
}

/* Move n bytes from the pipe into the file at x->off. *refused is set
 * when the file system will not splice (then the bytes were copied). */
static enum zc_xfer_result
pipe_to_file(struct zc_xfer *x, int pipe_rd, size_t n, bool *refused)
{
	while (n > 0) {
		ssize_t k = splice(pipe_rd, NULL, x->file_fd, &x->off, n,
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);

		if (k > 0) {
			n -= (size_t)k;
			continue;
		}
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && is_refusal(errno)) {
			zc_log_info("splice into %s refused (%s): copying "
				    "instead",
				    x->status.path, strerror(errno));
			*refused = true;
			return pipe_to_file_by_copy(x, pipe_rd, n);
		}
		x->err = k < 0 ? errno : EIO;
		return ZC_XFER_FILE_ERROR;
	}
	return ZC_XFER_OK;
}

/* One chunk socket -> pipe -> file. *moved 0 means the client ended. */
static enum zc_xfer_result
splice_chunk(struct zc_xfer *x, const int p[2], size_t *moved, bool *refused)
{
	for (;;) {
		size_t want = zc_xfer_chunk(x, PIPE_SIZE);
		ssize_t n = splice(x->data_fd, NULL, p[1], NULL, want,
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);

		if (n >= 0) {
			*moved = (size_t)n;
			return n > 0 ? pipe_to_file(x, p[0], (size_t)n, refused)
				     : ZC_XFER_OK;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN) {
			/* the pipe is empty here, so the socket is */
			enum zc_xfer_result r = zc_xfer_wait(x, POLLIN);
			if (r != ZC_XFER_OK)
				return r;
			continue;
		}
		if (x->bytes == 0 && is_refusal(errno)) {
			*refused = true; /* nothing taken yet: just copy */
			*moved = 0;
			return ZC_XFER_OK;
		}
		return ZC_XFER_NET_ERROR;
	}
}

static void
fall_back(struct zc_xfer *x)
{
	x->engine = ZC_ENGINE_READWRITE;
	x->reason = "fallback-refused";
}

static enum zc_xfer_result
recv_splice(struct zc_xfer *x)
{
	enum zc_xfer_result r = ZC_XFER_OK;
	int p[2] = {-1, -1};
	bool refused = false;

	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0) {
		zc_log_warn("upload: pipe for splice");
		fall_back(x);
		return recv_readwrite(x);
	}
	/* best effort: a smaller pipe only means smaller chunks */
	if (fcntl(p[1], F_SETPIPE_SZ, PIPE_SIZE) < 0)
		zc_log_debug("F_SETPIPE_SZ: %s", strerror(errno));
	for (;;) {
		size_t moved = 0;

		r = splice_chunk(x, p, &moved, &refused);
		if (r == ZC_XFER_OK && moved > 0)
			r = zc_xfer_account(x, moved);
		if (r != ZC_XFER_OK || refused)
			break;
		if (moved == 0) {
			r = at_end(x);
			break;
		}
	}
	close(p[0]);
	close(p[1]);
	if (r == ZC_XFER_OK && refused) {
		fall_back(x);
		return recv_readwrite(x);
	}
	return r;
}

enum zc_xfer_result
zc_xfer_recv_file(struct zc_xfer *x)
{
	if (x->engine == ZC_ENGINE_ASCII)
		return recv_ascii(x);
	if (x->engine == ZC_ENGINE_SPLICE && x->tls == NULL)
		return recv_splice(x);
	return recv_readwrite(x);
}
