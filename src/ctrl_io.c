/*
 * ctrl_io.c: control channel line reader and reply writer. See ctrl_io.h.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctrl_io.h"
#include "tls.h"

#define TELNET_IAC 255
#define TELNET_WILL 251
#define TELNET_DONT 254

enum zc_ctrl_status
zc_ctrl_extract_line(const unsigned char *in, size_t len, size_t *consumed,
		     char *out, size_t max_line, size_t *outlen)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = in[i];

		if (c == TELNET_IAC) {
			if (i + 1 >= len)
				return ZC_CTRL_NEED_MORE;
			if (in[i + 1] == TELNET_IAC) {
				i++; /* escaped 0xff data byte */
			} else if (in[i + 1] >= TELNET_WILL &&
				   in[i + 1] <= TELNET_DONT) {
				if (i + 2 >= len)
					return ZC_CTRL_NEED_MORE;
				i += 2; /* option negotiation: ignored */
				continue;
			} else {
				i++; /* IP, DM, AYT, ...: dropped */
				continue;
			}
		} else if (c == '\n') {
			if (o > 0 && out[o - 1] == '\r')
				o--;
			if (o > max_line)
				return ZC_CTRL_TOO_LONG;
			out[o] = '\0';
			*outlen = o;
			*consumed = i + 1;
			return ZC_CTRL_LINE;
		}
		if (o >= max_line + 1) /* room for a CR before the LF */
			return ZC_CTRL_TOO_LONG;
		out[o++] = (char)c;
	}
	return ZC_CTRL_NEED_MORE;
}

void
zc_ctrl_init(struct zc_ctrl *c, int fd)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
}

/* Drop buffered bytes of a line being skipped, through its LF. */
static void
drop_skipped(struct zc_ctrl *c)
{
	unsigned char *lf;

	if (!c->priv_skipping)
		return;
	lf = memchr(c->priv_buf, '\n', c->priv_len);
	if (lf == NULL) {
		c->priv_len = 0;
		return;
	}
	c->priv_skipping = false;
	c->priv_len -= (size_t)(lf + 1 - c->priv_buf);
	memmove(c->priv_buf, lf + 1, c->priv_len);
}

void
zc_ctrl_skip_line(struct zc_ctrl *c)
{
	c->priv_skipping = true;
	drop_skipped(c);
}

void
zc_ctrl_set_tls(struct zc_ctrl *c, struct ssl_st *tls)
{
	c->tls = tls;
}

bool
zc_ctrl_tls_pending(const struct zc_ctrl *c)
{
	return c->tls != NULL && zc_tls_pending(c->tls);
}

static ssize_t
read_tls(struct zc_ctrl *c, void *buf, size_t cap)
{
	size_t got = 0;

	switch (zc_tls_read(c->tls, buf, cap, &got)) {
	case ZC_TLS_DONE:
		return (ssize_t)got;
	case ZC_TLS_WANT_READ:
	case ZC_TLS_WANT_WRITE:
		errno = EAGAIN;
		return -1;
	case ZC_TLS_CLOSED:
		return 0;
	case ZC_TLS_ERROR:
	default:
		errno = EPROTO;
		return -1;
	}
}

ssize_t
zc_ctrl_fill(struct zc_ctrl *c)
{
	ssize_t n;

	if (c->priv_len == sizeof(c->priv_buf)) {
		errno = ENOBUFS;
		return -1;
	}
	if (c->tls != NULL)
		n = read_tls(c, c->priv_buf + c->priv_len,
			     sizeof(c->priv_buf) - c->priv_len);
	else
		do
			n = read(c->fd, c->priv_buf + c->priv_len,
				 sizeof(c->priv_buf) - c->priv_len);
		while (n < 0 && errno == EINTR);
	if (n == 0)
		c->priv_eof = true;
	if (n > 0) {
		c->priv_len += (size_t)n;
		drop_skipped(c);
	}
	return n;
}

enum zc_ctrl_status
zc_ctrl_peek_line(const struct zc_ctrl *c, char *out, size_t cap,
		  size_t *outlen, size_t *consumed)
{
	enum zc_ctrl_status st;

	if (cap < ZC_CTRL_LINE_MAX + 2)
		return ZC_CTRL_TOO_LONG;
	st = zc_ctrl_extract_line(c->priv_buf, c->priv_len, consumed, out,
				  ZC_CTRL_LINE_MAX, outlen);
	if (st == ZC_CTRL_NEED_MORE && c->priv_len == sizeof(c->priv_buf))
		st = ZC_CTRL_TOO_LONG; /* a full buffer without a line */
	return st;
}

void
zc_ctrl_consume(struct zc_ctrl *c, size_t consumed)
{
	if (consumed > c->priv_len)
		consumed = c->priv_len;
	memmove(c->priv_buf, c->priv_buf + consumed, c->priv_len - consumed);
	c->priv_len -= consumed;
}

enum zc_ctrl_status
zc_ctrl_next_line(struct zc_ctrl *c, char *out, size_t cap, size_t *outlen)
{
	size_t consumed = 0;
	enum zc_ctrl_status st;

	st = zc_ctrl_peek_line(c, out, cap, outlen, &consumed);
	if (st == ZC_CTRL_LINE)
		zc_ctrl_consume(c, consumed);
	return st;
}

bool
zc_ctrl_has_line(const struct zc_ctrl *c)
{
	return !c->priv_skipping && memchr(c->priv_buf, '\n', c->priv_len) != NULL;
}

bool
zc_ctrl_at_eof(const struct zc_ctrl *c)
{
	return c->priv_eof;
}

size_t
zc_ctrl_discard(struct zc_ctrl *c)
{
	size_t n = c->priv_len;

	c->priv_len = 0;
	return n;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
zc_ctrl_write_all(int fd, const void *buf, size_t len, int timeout_ms)
{
	const char *p = buf;
	long long deadline = now_ms() + timeout_ms;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct pollfd pfd = {.fd = fd, .events = POLLOUT};
			long long left = deadline - now_ms();
			int rc;
			if (left <= 0) {
				errno = ETIMEDOUT;
				return -1;
			}
			rc = poll(&pfd, 1, (int)left);
			if (rc < 0 && errno != EINTR)
				return -1;
			continue;
		}
		return -1;
	}
	return 0;
}
