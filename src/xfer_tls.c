/*
 * xfer_tls.c: PROT P data connections. The handshake runs after the 150
 * reply (clients start it when they see the 150), must resume the control
 * connection's session (tls_require_reuse), and decides the engine:
 * ktls-sendfile when the kernel took the keys (page cache -> kernel TLS ->
 * socket, no user-space copy), tls-copy (pread + SSL_write) otherwise;
 * uploads read with SSL_read (xfer_recv.c) and never use kernel TLS.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>

#include "log.h"
#include "session.h"
#include "tls.h"
#include "tls_batch.h"
#include "xfer.h"

static short
wanted_events(enum zc_tls_io io)
{
	return io == ZC_TLS_WANT_READ ? POLLIN : POLLOUT;
}

static enum zc_xfer_result
handshake(struct zc_xfer *x)
{
	char why[256];

	for (;;) {
		enum zc_tls_io io = zc_tls_handshake_step(x->tls);
		enum zc_xfer_result r;

		if (io == ZC_TLS_DONE)
			return ZC_XFER_OK;
		if (io != ZC_TLS_WANT_READ && io != ZC_TLS_WANT_WRITE) {
			zc_tls_error(why, sizeof(why));
			zc_log_info("data connection TLS handshake failed: %s",
				    why);
			return ZC_XFER_TLS_FAILED;
		}
		r = zc_xfer_wait(x, wanted_events(io));
		if (r == ZC_XFER_TIMEOUT) {
			zc_log_info("data connection TLS handshake timed out");
			return ZC_XFER_TLS_FAILED;
		}
		if (r != ZC_XFER_OK)
			return r;
	}
}

enum zc_xfer_result
zc_xfer_start_tls(struct zc_xfer *x)
{
	struct zc_session *s = x->s;
	bool binary_file = x->file_fd >= 0 && x->engine != ZC_ENGINE_ASCII;
	/* Downloads: kernel TLS for SSL_sendfile. Uploads: kernel TLS
	 * receive, which OpenSSL 3.0 does for TLS 1.2 only; and only then,
	 * because with TLS 1.3 it would offload our sending side alone, and
	 * a KeyUpdate the client asks for while we read would leave the
	 * kernel's key stale. The data connection resumes the control
	 * session, so its version is the control connection's. */
	bool want_ktls = binary_file && s->cfg->ktls != ZC_KTLS_OFF &&
			 (!x->incoming || zc_tls_is_v12(s->ctrl_tls));
	enum zc_xfer_result r;

	if (!s->prot_private)
		return ZC_XFER_OK;
	if (binary_file) {
		/* what it is until the handshake says kTLS works (a failed
		 * handshake must not be logged as a sendfile transfer) */
		x->engine = ZC_ENGINE_TLS_COPY;
		x->reason = "tls-handshake";
	}
	x->tls = zc_tls_new(s->env.tls_ctx, x->data_fd, ZC_TLS_CONN_DATA,
			    want_ktls);
	if (x->tls == NULL) {
		char why[256];
		zc_tls_error(why, sizeof(why));
		zc_log_warnx("data connection TLS setup: %s", why);
		return ZC_XFER_TLS_FAILED;
	}
	r = handshake(x);
	if (r != ZC_XFER_OK)
		return r;
	x->tls_version = zc_tls_version_name(x->tls);
	zc_log_debug("data connection: %s %s, session %s",
		     x->tls_version, zc_tls_cipher_name(x->tls),
		     zc_tls_resumed(x->tls) ? "resumed" : "new");
	/* SECURITY: resuming proves the data connection's peer knows the
	 * control connection's master secret, so a thief who won the race
	 * for the passive port cannot take (or feed) the data */
	if (s->cfg->tls_require_reuse && !zc_tls_resumed(x->tls)) {
		zc_log_info("data connection did not resume the control "
			    "connection's TLS session: refused "
			    "(tls_require_reuse)");
		return ZC_XFER_TLS_NO_REUSE;
	}
	if (binary_file && x->incoming) {
		/* SSL_read either way; with kernel TLS the kernel decrypts */
		x->engine = ZC_ENGINE_TLS_COPY;
		x->reason = zc_tls_ktls_recv(x->tls) ? "ktls-rx" : "upload";
	} else if (binary_file) {
		if (zc_tls_ktls_send(x->tls)) {
			x->engine = ZC_ENGINE_KTLS_SENDFILE;
			x->reason = "ktls";
		} else {
			x->engine = ZC_ENGINE_TLS_COPY;
			x->reason = s->cfg->ktls == ZC_KTLS_OFF ? "ktls=off"
								: "no-ktls";
		}
	}
	return ZC_XFER_OK;
}

/* Write out what the batch holds, waiting (bounded by the transfer's
 * own clocks) while the socket is full. */
static enum zc_xfer_result
flush_batch(struct zc_xfer *x, struct zc_tls_batch *b)
{
	while (zc_tls_batch_flush(b, x->data_fd) < 0) {
		enum zc_xfer_result r;

		if (errno != EAGAIN) {
			zc_log_debug("data connection write: %s",
				     strerror(errno));
			return ZC_XFER_NET_ERROR;
		}
		r = zc_xfer_wait(x, POLLOUT);
		if (r != ZC_XFER_OK)
			return r;
	}
	return ZC_XFER_OK;
}

/* Encrypt and send buf. With the session's batch buffer (and no kernel
 * TLS), each SSL_write's records are gathered and sent in one call;
 * otherwise OpenSSL writes each record to the socket itself. */
enum zc_xfer_result
zc_xfer_tls_write(struct zc_xfer *x, const char *buf, size_t len)
{
	struct zc_tls_batch b = {.buf = (unsigned char *)x->s->env.tls_batch_buf,
				 .cap = ZC_TLS_BATCH_CAP};
	bool batched = b.buf != NULL && !zc_tls_ktls_send(x->tls);

	while (len > 0) {
		size_t done = 0;
		enum zc_tls_io io = batched ? zc_tls_batch_write(x->tls, &b, buf,
								len, &done)
					    : zc_tls_write(x->tls, buf, len,
							   &done);
		enum zc_xfer_result r;

		if (batched && io != ZC_TLS_ERROR) {
			/* the records gathered go out before anything else:
			 * on WANT_WRITE the batch filled up, and flushing it
			 * is what lets the retry proceed */
			r = flush_batch(x, &b);
			if (r != ZC_XFER_OK)
				return r;
		}
		if (io == ZC_TLS_DONE) {
			buf += done;
			len -= done;
			r = zc_xfer_account(x, done);
		} else if (io == ZC_TLS_WANT_WRITE && batched) {
			r = ZC_XFER_OK; /* flushed above: retry */
		} else if (io == ZC_TLS_WANT_READ || io == ZC_TLS_WANT_WRITE) {
			r = zc_xfer_wait(x, wanted_events(io));
		} else {
			char why[256];
			zc_tls_error(why, sizeof(why));
			zc_log_debug("data connection TLS write: %s", why);
			r = ZC_XFER_NET_ERROR;
		}
		if (r != ZC_XFER_OK)
			return r;
	}
	return ZC_XFER_OK;
}

enum zc_xfer_result
zc_xfer_engine_ktls(struct zc_xfer *x)
{
	while (x->off < x->end) {
		size_t sent = 0;
		size_t want = zc_xfer_chunk(x, ZC_SENDFILE_CHUNK);
		enum zc_tls_io io = zc_tls_sendfile(x->tls, x->file_fd, x->off,
						    want, &sent);
		enum zc_xfer_result r;

		if (io == ZC_TLS_DONE && sent == 0)
			return ZC_XFER_SHRANK; /* end of file came early */
		if (io == ZC_TLS_DONE) {
			x->off += (off_t)sent;
			r = zc_xfer_account(x, sent);
		} else if (io == ZC_TLS_WANT_READ || io == ZC_TLS_WANT_WRITE) {
			r = zc_xfer_wait(x, wanted_events(io));
		} else if (x->bytes == 0) {
			/* OpenSSL said kTLS was on but the kernel refused
			 * the first send: copy instead, and say so */
			char why[256];
			zc_tls_error(why, sizeof(why));
			zc_log_info("SSL_sendfile refused for %s (%s): "
				    "falling back to tls-copy",
				    x->status.path, why);
			x->engine = ZC_ENGINE_TLS_COPY;
			x->reason = "fallback-ktls-refused";
			return zc_xfer_engine_readwrite(x);
		} else {
			char why[256];
			zc_tls_error(why, sizeof(why));
			zc_log_info("SSL_sendfile: %s", why);
			r = ZC_XFER_NET_ERROR;
		}
		if (r != ZC_XFER_OK)
			return r;
	}
	return ZC_XFER_OK;
}
