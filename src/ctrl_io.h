/*
 * ctrl_io.h: the control connection's bytes. A bounded input buffer from
 * which complete command lines are taken (Telnet IAC sequences stripped,
 * CRLF or bare LF), and a writer that sends a whole reply or fails within
 * a timeout. The buffer's fields are private to ctrl_io.c (priv_*).
 */
#ifndef ZC_CTRL_IO_H
#define ZC_CTRL_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "defs.h"

enum zc_ctrl_status {
	ZC_CTRL_LINE,      /* a complete line was taken */
	ZC_CTRL_NEED_MORE, /* no complete line buffered yet */
	ZC_CTRL_TOO_LONG,  /* the line exceeds the limit: reply 500, then
			      zc_ctrl_skip_line() drops the rest of it */
};

struct ssl_st;

struct zc_ctrl {
	int fd; /* borrowed: the session owns the socket */
	struct ssl_st *tls; /* borrowed: after AUTH TLS, bytes come through it */
	unsigned char priv_buf[ZC_CTRL_BUF_SIZE];
	size_t priv_len;
	bool priv_eof;
	bool priv_skipping; /* dropping an over-long line up to its LF */
};

/* Pure: take one line from in[0..len). Telnet commands (IAC x, IAC
 * WILL/WONT/DO/DONT x) are dropped, IAC IAC is a 0xff byte, a CR right
 * before LF is dropped. On ZC_CTRL_LINE, `*consumed` input bytes were used
 * and out holds `*outlen` bytes plus a NUL. `max_line` bounds the line. */
enum zc_ctrl_status zc_ctrl_extract_line(const unsigned char *in, size_t len,
					 size_t *consumed, char *out,
					 size_t max_line, size_t *outlen);

void zc_ctrl_init(struct zc_ctrl *c, int fd);
/* From now on read through TLS (NULL: plain again). */
void zc_ctrl_set_tls(struct zc_ctrl *c, struct ssl_st *tls);
/* Read what the (non-blocking) socket has. Returns bytes read (> 0),
 * 0 at end of stream (or TLS close_notify), -1 with errno (EAGAIN:
 * nothing yet; EPROTO: TLS failure). */
ssize_t zc_ctrl_fill(struct zc_ctrl *c);
/* Whether bytes wait inside TLS, where poll() on the socket cannot see
 * them: call zc_ctrl_fill() without waiting. */
bool zc_ctrl_tls_pending(const struct zc_ctrl *c);
/* Copy the next complete line into out (cap >= ZC_CTRL_LINE_MAX + 2)
 * without taking it; `*consumed` is what zc_ctrl_consume() then drops. */
enum zc_ctrl_status zc_ctrl_peek_line(const struct zc_ctrl *c, char *out,
				      size_t cap, size_t *outlen,
				      size_t *consumed);
void zc_ctrl_consume(struct zc_ctrl *c, size_t consumed);
/* Take the next complete line into out (cap >= ZC_CTRL_LINE_MAX + 2). */
enum zc_ctrl_status zc_ctrl_next_line(struct zc_ctrl *c, char *out, size_t cap,
				      size_t *outlen);
/* After ZC_CTRL_TOO_LONG: drop the over-long line, now and as more of it
 * arrives, up to and including its LF. */
void zc_ctrl_skip_line(struct zc_ctrl *c);
/* Whether a complete line is already buffered. */
bool zc_ctrl_has_line(const struct zc_ctrl *c);
/* The peer closed its side (seen by zc_ctrl_fill). */
bool zc_ctrl_at_eof(const struct zc_ctrl *c);
/* Drop everything buffered (after AUTH TLS: pipelined plaintext must not
 * be executed). Returns the number of bytes dropped. */
size_t zc_ctrl_discard(struct zc_ctrl *c);

/* Write all of buf to a non-blocking fd, waiting at most timeout_ms in
 * total for the peer to take it. 0, or -1 with errno (ETIMEDOUT). */
int zc_ctrl_write_all(int fd, const void *buf, size_t len,
		      int timeout_ms) ZC_MUST_CHECK;

#endif
