/*
 * xfer.c: engine choice, the transfer loop's waiting, pacing and
 * accounting, and the end of a transfer (close, reply, logs).
 * See xfer.h; the engines are in xfer_*.c.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/sockios.h>

#include "data_conn.h"
#include "log.h"
#include "popular.h"
#include "reply.h"
#include "session.h"
#include "xfer.h"
#include "tls.h"
#include "xferlog.h"

/* The largest off_t: an upload's end is wherever the client stops. */
#define ZC_OFF_MAX ((off_t)((UINT64_C(1) << (sizeof(off_t) * 8 - 1)) - 1))

static const char *const engine_names[] = {"sendfile",  "splice",
					   "mmap",      "readwrite",
					   "copy-ascii", "ktls-sendfile",
					   "tls-copy"};

const char *
zc_engine_name(enum zc_engine e)
{
	return (unsigned)e < ZC_ARRAY_LEN(engine_names) ? engine_names[e] : "?";
}

struct zc_xfer_choice
zc_xfer_choose_engine(bool ascii, enum zc_engine_cfg configured)
{
	struct zc_xfer_choice c;

	if (ascii) {
		/* zero-copy cannot transform bytes */
		c.engine = ZC_ENGINE_ASCII;
		c.reason = "type-a"; /* LF->CRLF needs the bytes in hand */
		return c;
	}
	switch (configured) {
	case ZC_ENGINE_CFG_SPLICE:
		c.engine = ZC_ENGINE_SPLICE;
		c.reason = "transfer_engine";
		break;
	case ZC_ENGINE_CFG_MMAP:
		c.engine = ZC_ENGINE_MMAP;
		c.reason = "transfer_engine";
		break;
	case ZC_ENGINE_CFG_READWRITE:
		c.engine = ZC_ENGINE_READWRITE;
		c.reason = "transfer_engine";
		break;
	case ZC_ENGINE_CFG_SENDFILE:
		c.engine = ZC_ENGINE_SENDFILE;
		c.reason = "transfer_engine";
		break;
	case ZC_ENGINE_CFG_AUTO:
	default:
		c.engine = ZC_ENGINE_SENDFILE;
		c.reason = "default";
		break;
	}
	return c;
}

struct zc_xfer_choice
zc_xfer_choose_recv_engine(bool ascii, enum zc_engine_cfg configured)
{
	struct zc_xfer_choice c = {ZC_ENGINE_READWRITE, "default"};

	if (ascii) {
		c.engine = ZC_ENGINE_ASCII;
		c.reason = "type-a"; /* CRLF->LF needs the bytes in hand */
		return c;
	}
	switch (configured) {
	case ZC_ENGINE_CFG_SPLICE:
		c.engine = ZC_ENGINE_SPLICE;
		c.reason = "transfer_engine";
		break;
	case ZC_ENGINE_CFG_READWRITE:
		c.reason = "transfer_engine";
		break;
	case ZC_ENGINE_CFG_SENDFILE:
	case ZC_ENGINE_CFG_MMAP:
		/* sendfile(2) only writes to sockets (file -> socket) and a
		 * mapping of a file still being written buys nothing */
		c.reason = "send-only-engine";
		break;
	case ZC_ENGINE_CFG_AUTO:
	default:
		/* DESIGN.md section 4: splice gave no gain for uploads */
		break;
	}
	return c;
}

/* A big file that other downloads sent recently and that fits in memory
 * stays cached: no drop-behind (popular.h). */
static void
spare_if_popular(struct zc_xfer *x, off_t size)
{
	struct zc_session_env *env = &x->s->env;
	struct stat st;

	x->cache = "drop-behind";
	if (env->popular == NULL || fstat(x->file_fd, &st) < 0)
		return;
	x->noted = true;
	x->dev = (uint64_t)st.st_dev;
	x->ino = (uint64_t)st.st_ino;
	if (zc_popular_keep_cached(env->popular, x->dev, x->ino, (uint64_t)size,
				   env->cache_budget, zc_popular_now())) {
		x->db.on = false;
		x->cache = "kept-popular";
	}
}

void
zc_xfer_init(struct zc_xfer *x, struct zc_session *s, int data_fd,
	     int file_fd, off_t off, off_t end, const char *what,
	     const char *path)
{
	memset(x, 0, sizeof(*x));
	x->s = s;
	x->data_fd = data_fd;
	x->file_fd = file_fd;
	x->off = off;
	x->end = end;
	x->rate = s->anonymous ? s->cfg->rate_limit_anon : s->cfg->rate_limit_user;
	x->start_ms = x->last_progress_ms = zc_now_ms();
	x->status.what = what;
	x->status.path = path;
	x->status.total = end > off ? (uint64_t)(end - off) : 0;
	s->xfer = &x->status;
	x->db.on = false;
	if (file_fd >= 0) {
		zc_dropbehind_init(&x->db, file_fd, end,
				   s->cfg->drop_behind_threshold);
		if (x->db.on)
			spare_if_popular(x, end);
	}
}

void
zc_xfer_init_upload(struct zc_xfer *x, struct zc_session *s, int data_fd,
		    int file_fd, off_t off, const char *what, const char *path)
{
	/* as a listing (no drop-behind, no size), then the file */
	zc_xfer_init(x, s, data_fd, -1, 0, 0, what, path);
	x->file_fd = file_fd;
	x->off = off;
	x->end = ZC_OFF_MAX; /* the client decides where the file ends */
	x->incoming = true;
}

enum zc_xfer_result
zc_xfer_wait(struct zc_xfer *x, short events)
{
	struct zc_session *s = x->s;

	for (;;) {
		struct pollfd pfd[2] = {{.fd = x->data_fd, .events = events},
					{.fd = s->ctrl_fd, .events = POLLIN}};
		bool ctrl = zc_session_wants_control(s);
		long long stall = x->last_progress_ms +
				  (long long)s->cfg->data_timeout * 1000 -
				  zc_now_ms();
		int rc;

		if (stall <= 0)
			return ZC_XFER_TIMEOUT;
		/* control bytes already decrypted: look without sleeping */
		rc = zc_session_poll(pfd, ctrl ? 2 : 1,
				     zc_session_control_pending(s) ? 0
								   : (int)stall);
		if (rc == 0 && zc_session_control_pending(s)) {
			rc = 1;
			pfd[1].revents = POLLIN;
		}
		if (rc < 0 && errno == EINTR)
			return ZC_XFER_GONE; /* shutdown */
		if (rc < 0)
			return ZC_XFER_NET_ERROR;
		if (rc > 0 && ctrl && pfd[1].revents) {
			enum zc_ctrl_event ev = zc_session_poll_control(s);
			if (ev == ZC_CTRL_EVENT_ABORT)
				return ZC_XFER_ABORTED;
			if (ev == ZC_CTRL_EVENT_GONE)
				return ZC_XFER_GONE;
		}
		if (rc > 0 && pfd[0].revents) {
			if (pfd[0].revents & (POLLERR | POLLNVAL))
				return ZC_XFER_NET_ERROR;
			return ZC_XFER_OK;
		}
	}
}

size_t
zc_xfer_chunk(struct zc_xfer *x, size_t max)
{
	off_t left = x->end - x->off;
	size_t n = max;

	if (x->rate > 0) {
		/* a tenth of a second's worth: pacing stays smooth and
		 * sendfile keeps working on whole pages */
		uint64_t tick = x->rate / 10;
		if (tick < 4096)
			tick = 4096;
		if (tick < n)
			n = (size_t)tick;
	}
	if (x->file_fd >= 0 && (off_t)n > left)
		n = (size_t)left;
	if (x->file_fd >= 0)
		zc_dropbehind_before(&x->db, x->off, n);
	return n;
}

/* Rate limit: wait (watching the control connection) until the bytes
 * sent so far are no longer ahead of the allowed rate. */
static enum zc_xfer_result
pace(struct zc_xfer *x)
{
	struct zc_session *s = x->s;

	for (;;) {
		long long due = x->start_ms + (long long)(x->bytes * 1000 / x->rate);
		long long wait = due - zc_now_ms();
		struct pollfd pfd = {.fd = s->ctrl_fd, .events = POLLIN};
		bool ctrl = zc_session_wants_control(s);
		int rc;

		if (wait <= 0)
			return ZC_XFER_OK;
		if (zc_session_control_pending(s))
			rc = 1; /* decrypted control bytes wait */
		else
			rc = zc_session_poll(ctrl ? &pfd : NULL, ctrl ? 1 : 0,
					     (int)wait);
		if (rc < 0 && errno == EINTR)
			return ZC_XFER_GONE;
		if (rc > 0 && ctrl) {
			enum zc_ctrl_event ev = zc_session_poll_control(s);
			if (ev == ZC_CTRL_EVENT_ABORT)
				return ZC_XFER_ABORTED;
			if (ev == ZC_CTRL_EVENT_GONE)
				return ZC_XFER_GONE;
		}
	}
}

/* Between chunks: has the client said something (ABOR, STAT)? One
 * zero-timeout poll per chunk, so ABOR stops a transfer within a chunk
 * even when the client reads as fast as we send. */
static enum zc_xfer_result
check_control(struct zc_xfer *x)
{
	struct pollfd pfd = {.fd = x->s->ctrl_fd, .events = POLLIN};
	enum zc_ctrl_event ev;

	if (!zc_session_wants_control(x->s))
		return ZC_XFER_OK;
	if (!zc_session_control_pending(x->s) && poll(&pfd, 1, 0) <= 0)
		return ZC_XFER_OK;
	ev = zc_session_poll_control(x->s);
	if (ev == ZC_CTRL_EVENT_ABORT)
		return ZC_XFER_ABORTED;
	if (ev == ZC_CTRL_EVENT_GONE)
		return ZC_XFER_GONE;
	return ZC_XFER_OK;
}

enum zc_xfer_result
zc_xfer_account(struct zc_xfer *x, size_t n)
{
	enum zc_xfer_result r;

	x->bytes += n;
	x->status.done = x->bytes;
	x->last_progress_ms = zc_now_ms();
	if (x->s->env.score_bytes != NULL)
		__atomic_store_n(x->s->env.score_bytes,
				 x->s->bytes_out + x->s->bytes_in + x->bytes,
				 __ATOMIC_RELAXED);
	if (x->file_fd >= 0)
		zc_dropbehind_after(&x->db, x->off);
	r = check_control(x);
	if (r == ZC_XFER_OK && x->rate > 0)
		r = pace(x);
	return r;
}

enum zc_xfer_result
zc_xfer_check_control(struct zc_xfer *x, int wait_ms)
{
	struct pollfd pfd = {.fd = x->s->ctrl_fd, .events = POLLIN};
	int rc;

	if (wait_ms <= 0 || !zc_session_wants_control(x->s) ||
	    zc_session_control_pending(x->s))
		return check_control(x);
	/* wait for the control connection to speak (or close), at most
	 * wait_ms; SIGTERM still ends the wait */
	rc = zc_session_poll(&pfd, 1, wait_ms);
	if (rc < 0 && errno == EINTR)
		return ZC_XFER_GONE;
	return rc > 0 ? check_control(x) : ZC_XFER_OK;
}

enum zc_xfer_result
zc_xfer_write(struct zc_xfer *x, const char *buf, size_t len)
{
	if (x->tls != NULL)
		return zc_xfer_tls_write(x, buf, len);
	while (len > 0) {
		ssize_t n = send(x->data_fd, buf, len, MSG_NOSIGNAL);
		enum zc_xfer_result r;

		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			r = zc_xfer_account(x, (size_t)n);
			if (r == ZC_XFER_OK && len > 0)
				r = zc_xfer_wait(x, POLLOUT); /* buffer full */
			if (r != ZC_XFER_OK)
				return r;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			r = zc_xfer_wait(x, POLLOUT);
			if (r != ZC_XFER_OK)
				return r;
			continue;
		}
		return ZC_XFER_NET_ERROR;
	}
	return ZC_XFER_OK;
}

static bool
is_refusal(int err)
{
	return err == EINVAL || err == ENOSYS || err == EOVERFLOW ||
	       err == EOPNOTSUPP;
}

static enum zc_xfer_result
send_by_engine(struct zc_xfer *x)
{
	enum zc_xfer_result r;
	off_t start = x->off;

	switch (x->engine) {
	case ZC_ENGINE_SENDFILE:
		r = zc_xfer_engine_sendfile(x);
		break;
	case ZC_ENGINE_SPLICE:
		r = zc_xfer_engine_splice(x);
		break;
	case ZC_ENGINE_MMAP:
		r = zc_xfer_engine_mmap(x);
		break;
	case ZC_ENGINE_ASCII:
		return zc_xfer_engine_ascii(x);
	case ZC_ENGINE_KTLS_SENDFILE:
		return zc_xfer_engine_ktls(x);
	case ZC_ENGINE_TLS_COPY:
	case ZC_ENGINE_READWRITE:
	default:
		return zc_xfer_engine_readwrite(x);
	}
	/* The kernel refused the zero-copy call for this file before any
	 * byte went out (a filesystem without splice_read, a file that
	 * cannot be mapped): copy instead, and say so. */
	if (r == ZC_XFER_FILE_ERROR && x->off == start && x->bytes == 0 &&
	    is_refusal(errno)) {
		zc_log_info("%s refused for %s (%s): falling back to "
			    "pread/write",
			    zc_engine_name(x->engine), x->status.path,
			    strerror(errno));
		x->reason = "fallback-refused";
		x->engine = ZC_ENGINE_READWRITE;
		r = zc_xfer_engine_readwrite(x);
	}
	return r;
}

/* A plain download is corked from its first byte to its last, as nginx's
 * tcp_nopush and proftpd do: the socket then carries full segments only.
 * Uncorked, every ACK that arrived while a chunk was being queued pushed
 * out the partial segment behind it: a 1 GiB RETR on loopback went out
 * in 22,000-28,000 segments instead of 16,400, each costing both ends
 * (DESIGN.md section 5 item 25). Uncorking sends the tail at once, before
 * the 226 waits for its acknowledgement (a tail left corked would hold it
 * for up to 200 ms). TLS transfers are left alone: tls-copy already hands
 * the kernel 256 KiB at a time (tls_batch.c) and measured the same corked,
 * and ktls-sendfile cannot be measured on a kernel without kTLS. */
enum zc_xfer_result
zc_xfer_send_file(struct zc_xfer *x)
{
	bool corked = x->tls == NULL && zc_data_cork(x->data_fd, true) == 0;
	enum zc_xfer_result r;

	if (x->tls == NULL && !corked) /* costs partial segments, no more */
		zc_log_debug("TCP_CORK on the data connection: %s",
			     strerror(errno));
	r = send_by_engine(x);
	if (corked && zc_data_cork(x->data_fd, false) < 0 && r == ZC_XFER_OK)
		zc_log_debug("TCP_CORK off on the data connection: %s",
			     strerror(errno));
	return r;
}

/* Wait (bounded) until the peer has acknowledged every byte sent: the
 * 226 must not claim a delivery that has not happened. Polled, since no
 * event reports acknowledgements; usually done at the first look. The
 * poll asks for no event, so it wakes early only for POLLERR/POLLHUP: a
 * peer that reset the connection. Its unacknowledged bytes stay counted
 * in SIOCOUTQ after the reset, so without that check a client that
 * closes early with unread data would hold the reply for the whole
 * timeout. Returns false when the peer reset the connection before
 * acknowledging everything. That is not proof of loss: a reset does not
 * carry its acknowledgement to us, and TLS clients often reset after
 * the last record with our close_notify still unread. So the reply
 * stays 226 (everything was sent, as vsftpd says too) and the log
 * names the reset. */
static bool
wait_acked(int fd, long long timeout_ms)
{
	long long deadline = zc_now_ms() + timeout_ms;
	int step_ms = 1;

	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = 0};
		int unacked = 0, rc;

		if (ioctl(fd, SIOCOUTQ, &unacked) < 0 || unacked == 0)
			return true;
		if (zc_now_ms() >= deadline) {
			zc_log_debug("data connection: %d bytes still unacknowledged",
				     unacked);
			return true; /* slow, not refused: say what was sent */
		}
		rc = zc_session_poll(&pfd, 1, step_ms);
		if (rc < 0 && errno == EINTR)
			return true; /* shutdown */
		if (rc > 0 && (pfd.revents & (POLLERR | POLLHUP)) != 0) {
			zc_log_debug("data connection reset with %d bytes "
				     "unacknowledged", unacked);
			return false;
		}
		if (step_ms < 4) /* each step can add its length to the 226 */
			step_ms *= 2;
	}
}

/* Close the data socket. After success: close_notify (TLS), wait until
 * the peer has acknowledged all data, then FIN. Waiting for the data's
 * acknowledgement rather than the FIN's (SO_LINGER) matters: a client
 * that keeps the data socket open until it has read the 226 delays its
 * ACK of our FIN by its delayed-ACK timer (40 ms on Linux), which used to
 * hold up every 226. On failure or abort, reset at once. Returns false
 * when a graceful close found the peer had reset the connection with
 * bytes unacknowledged. */
static bool
close_data(struct zc_xfer *x, bool graceful)
{
	struct linger lg = {.l_onoff = 1, .l_linger = 0};

	if (graceful) {
		long long t = (long long)x->s->cfg->data_timeout * 1000;
		bool delivered;
		if (t > ZC_DATA_LINGER_MS)
			t = ZC_DATA_LINGER_MS;
		/* TLS: close_notify first, so the client sees a clean end
		 * of file, not a truncation */
		if (x->tls != NULL)
			zc_tls_close(x->tls, x->data_fd, (int)t);
		x->tls = NULL;
		delivered = wait_acked(x->data_fd, t);
		shutdown(x->data_fd, SHUT_WR);
		close(x->data_fd); /* the FIN goes out from the kernel */
		x->data_fd = -1;
		return delivered;
	}
	zc_tls_free(x->tls); /* abort or failure: no close_notify */
	x->tls = NULL;
	if (setsockopt(x->data_fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) < 0)
		zc_log_debug("SO_LINGER: %s", strerror(errno));
	close(x->data_fd);
	x->data_fd = -1;
	return true;
}

static const char *
result_name(enum zc_xfer_result r)
{
	switch (r) {
	case ZC_XFER_OK:
		return "ok";
	case ZC_XFER_ABORTED:
		return "aborted";
	case ZC_XFER_NET_ERROR:
		return "network-error";
	case ZC_XFER_TIMEOUT:
		return "timeout";
	case ZC_XFER_FILE_ERROR:
		return "file-error";
	case ZC_XFER_SHRANK:
		return "file-shrank";
	case ZC_XFER_GONE:
		return "control-lost";
	case ZC_XFER_TLS_FAILED:
		return "tls-handshake-failed";
	case ZC_XFER_TLS_NO_REUSE:
		return "tls-no-session-reuse";
	}
	return "?";
}

static void
log_transfer(struct zc_xfer *x, enum zc_xfer_result r, long long ms)
{
	char path[600], threads[32] = "";
	struct zc_session *s = x->s;

	zc_log_escape(x->status.path, strlen(x->status.path), path, sizeof(path));
	if (x->stat_threads > 1)
		snprintf(threads, sizeof(threads), " stat_threads=%u",
			 x->stat_threads);
	zc_log_info("%s %s bytes=%llu seconds=%lld.%03lld engine=%s result=%s%s%s%s%s%s%s%s%s",
		    x->status.what, path, (unsigned long long)x->bytes, ms / 1000,
		    ms % 1000, zc_engine_name(x->engine), result_name(r),
		    x->reason != NULL ? " reason=" : "",
		    x->reason != NULL ? x->reason : "",
		    x->tls_version != NULL ? " tls=" : "",
		    x->tls_version != NULL ? x->tls_version : "",
		    x->peer_reset ? " closed=peer-reset" : "",
		    x->cache != NULL ? " cache=" : "",
		    x->cache != NULL ? x->cache : "", threads);
	if (s->env.xferlog_fd >= 0 && x->file_fd >= 0) {
		struct zc_xferlog_rec rec = {
			.when = time(NULL),
			.seconds = (unsigned)((ms + 999) / 1000),
			.host = s->peer_ip,
			.bytes = x->bytes,
			.path = x->status.path,
			.ascii = x->engine == ZC_ENGINE_ASCII,
			.incoming = x->incoming,
			.anonymous = s->anonymous,
			.user = s->anonymous ? s->anon_pass : s->user,
			.complete = r == ZC_XFER_OK,
		};
		char line[ZC_XFERLOG_MAX];
		size_t len = zc_xferlog_format(&rec, line, sizeof(line));
		if (len > 0 && write(s->env.xferlog_fd, line, len) < 0)
			zc_log_debug("xferlog write: %s", strerror(errno));
	}
}

/* 451 for downloads; for uploads the reply of the write's errno (452 no
 * space, 552 quota: the client may retry elsewhere or later). */
static void
reply_file_error(struct zc_xfer *x)
{
	if (x->incoming && x->err != 0) {
		struct zc_reply_err e = zc_reply_errno(x->err);
		zc_session_reply(x->s, e.code, "%s Transfer aborted.", e.text);
		return;
	}
	zc_session_reply(x->s, ZC_REPLY_451_LOCAL_ERROR, "%s",
			 x->fail_text != NULL
				 ? x->fail_text
				 : x->incoming ? "Error writing the file; "
						 "transfer aborted."
					       : "Error reading the file; "
						 "transfer aborted.");
}

void
zc_xfer_finish(struct zc_xfer *x, enum zc_xfer_result r, const char *ok_text)
{
	struct zc_session *s = x->s;
	long long ms;

	x->peer_reset = !close_data(x, r == ZC_XFER_OK);
	if (x->file_fd >= 0)
		zc_dropbehind_finish(&x->db);
	/* the window of popularity counts from the end of a download */
	if (x->noted)
		(void)zc_popular_note(s->env.popular, x->dev, x->ino,
				      zc_popular_now());
	ms = zc_now_ms() - x->start_ms;
	s->xfer = NULL;
	/* a transfer is activity: the idle clock starts at its end */
	s->last_activity_ms = zc_now_ms();
	if (x->incoming) {
		s->bytes_in += x->bytes;
		s->files_in += r == ZC_XFER_OK;
	} else {
		s->bytes_out += x->bytes;
		s->files_out += r == ZC_XFER_OK && x->file_fd >= 0;
	}
	log_transfer(x, r, ms);

	switch (r) {
	case ZC_XFER_OK:
		zc_session_reply(s, ZC_REPLY_226_CLOSING_DATA, "%s", ok_text);
		break;
	case ZC_XFER_ABORTED: {
		unsigned before;
		zc_session_reply(s, ZC_REPLY_426_XFER_ABORTED,
				 "Connection closed; transfer aborted.");
		before = s->finals;
		zc_session_reply(s, ZC_REPLY_226_CLOSING_DATA,
				 "ABOR successful.");
		s->finals = before; /* that reply is the ABOR's */
		break;
	}
	case ZC_XFER_NET_ERROR:
		zc_session_reply(s, ZC_REPLY_426_XFER_ABORTED,
				 "Data connection failed; transfer aborted.");
		break;
	case ZC_XFER_TIMEOUT:
		zc_session_reply(s, ZC_REPLY_426_XFER_ABORTED,
				 "Data connection stalled; transfer aborted.");
		break;
	case ZC_XFER_FILE_ERROR:
		reply_file_error(x);
		break;
	case ZC_XFER_SHRANK:
		zc_session_reply(s, ZC_REPLY_451_LOCAL_ERROR,
				 "File changed size during the transfer; "
				 "transfer aborted.");
		break;
	case ZC_XFER_GONE:
		if (zc_session_shutdown_requested)
			zc_session_close(s, ZC_REPLY_421_CLOSING,
					 "Server shutting down.");
		else
			zc_session_set_state(s, ZC_STATE_CLOSING);
		break;
	case ZC_XFER_TLS_FAILED:
		zc_session_reply(s, ZC_REPLY_425_NO_DATA_CONN,
				 "TLS handshake failed on the data connection.");
		break;
	case ZC_XFER_TLS_NO_REUSE:
		/* the text vsftpd uses: clients and their users know it */
		zc_session_reply(s, ZC_REPLY_522_BAD_PROTO,
				 "SSL connection failed: session reuse "
				 "required (the data connection must resume "
				 "the control connection's TLS session).");
		break;
	}
}
