/*
 * xfer_copy.c: the copy path: pread + write for binary transfers the
 * kernel will not splice, and TYPE A (LF -> CRLF). One buffer per worker
 * (env.copy_buf), ZC_COPY_BUF_SIZE bytes.
 */
#include "config.h"

#include <errno.h>
#include <unistd.h>

#include "xfer.h"

size_t
zc_xfer_ascii_encode(const char *in, size_t len, char *out, bool *prev_cr)
{
	size_t o = 0;
	bool cr = *prev_cr;

	for (size_t i = 0; i < len; i++) {
		if (in[i] == '\n' && !cr)
			out[o++] = '\r';
		out[o++] = in[i];
		cr = in[i] == '\r';
	}
	*prev_cr = cr;
	return o;
}

/* Read up to `want` bytes at x->off; 0 at an early EOF means the file
 * shrank. */
static enum zc_xfer_result
read_chunk(struct zc_xfer *x, char *buf, size_t want, size_t *got)
{
	ssize_t n;

	do
		n = pread(x->file_fd, buf, want, x->off);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return ZC_XFER_FILE_ERROR;
	if (n == 0)
		return ZC_XFER_SHRANK;
	*got = (size_t)n;
	x->off += n;
	return ZC_XFER_OK;
}

enum zc_xfer_result
zc_xfer_engine_readwrite(struct zc_xfer *x)
{
	char *buf = x->s->env.copy_buf;

	while (x->off < x->end) {
		size_t got = 0;
		enum zc_xfer_result r;

		r = read_chunk(x, buf, zc_xfer_chunk(x, ZC_COPY_BUF_SIZE), &got);
		if (r != ZC_XFER_OK)
			return r;
		r = zc_xfer_write(x, buf, got);
		if (r != ZC_XFER_OK)
			return r;
	}
	return ZC_XFER_OK;
}

enum zc_xfer_result
zc_xfer_engine_ascii(struct zc_xfer *x)
{
	/* input in the first half, converted output (at most twice as long)
	 * in the rest */
	char *in = x->s->env.copy_buf;
	char *out = in + ZC_ASCII_CHUNK;
	bool prev_cr = false;

	_Static_assert(3 * ZC_ASCII_CHUNK <= ZC_COPY_BUF_SIZE,
		       "copy buffer too small for ASCII conversion");
	while (x->off < x->end) {
		size_t got = 0, len;
		enum zc_xfer_result r;

		r = read_chunk(x, in, zc_xfer_chunk(x, ZC_ASCII_CHUNK), &got);
		if (r != ZC_XFER_OK)
			return r;
		len = zc_xfer_ascii_encode(in, got, out, &prev_cr);
		r = zc_xfer_write(x, out, len);
		if (r != ZC_XFER_OK)
			return r;
	}
	return ZC_XFER_OK;
}
