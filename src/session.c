/*
 * session.c: the control loop of one session: greeting, reading lines,
 * timeouts, replies, and the control-channel watch during transfers.
 * See session.h.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd_parse.h"
#include "cmd_table.h"
#include "compat/compat.h"
#include "data_conn.h"
#include "fs_list.h"
#include "fs_path.h"
#include "log.h"
#include "reply.h"
#include "session.h"
#include "str.h"
#include "tls.h"

volatile int zc_session_shutdown_requested;

static const char *const state_names[] = {"NEED_USER", "NEED_PASS",
					  "LOGGED_IN", "CLOSING"};

long long
zc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *
zc_session_state_name(enum zc_session_state st)
{
	return (unsigned)st < ZC_ARRAY_LEN(state_names) ? state_names[st] : "?";
}

void
zc_session_set_state(struct zc_session *s, enum zc_session_state st)
{
	if (s->state != st)
		zc_log_debug("state %s -> %s", zc_session_state_name(s->state),
			     zc_session_state_name(st));
	s->state = st;
}

static void
sockaddr_ip(const struct sockaddr_storage *ss, char *out, size_t cap)
{
	const void *addr;

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			addr = &s6->sin6_addr.s6_addr[12];
			inet_ntop(AF_INET, addr, out, (socklen_t)cap);
			return;
		}
		inet_ntop(AF_INET6, &s6->sin6_addr, out, (socklen_t)cap);
	} else {
		addr = &((const struct sockaddr_in *)(const void *)ss)->sin_addr;
		inet_ntop(AF_INET, addr, out, (socklen_t)cap);
	}
}

int
zc_session_init(struct zc_session *s, const struct zc_session_env *env,
		int ctrl_fd)
{
	int one = 1;
	int flags;

	memset(s, 0, sizeof(*s));
	s->env = *env;
	s->cfg = env->cfg;
	s->ctrl_fd = ctrl_fd;
	s->root_fd = -1;
	s->data.listen_fd = -1;
	s->type = ZC_TYPE_ASCII; /* RFC 959 default; clients send TYPE I */
	s->mlst_facts = ZC_FACTS_ALL;
	s->state = ZC_STATE_NEED_USER;
	zc_strlcpy(s->cwd, "/", sizeof(s->cwd));
	zc_ctrl_init(&s->ctrl, ctrl_fd);

	s->peer_len = sizeof(s->peer);
	s->local_len = sizeof(s->local);
	if (getpeername(ctrl_fd, (struct sockaddr *)&s->peer, &s->peer_len) < 0 ||
	    getsockname(ctrl_fd, (struct sockaddr *)&s->local, &s->local_len) < 0)
		return -1;
	sockaddr_ip(&s->peer, s->peer_ip, sizeof(s->peer_ip));

	/* Small replies go out at once; urgent data (Telnet Synch before
	 * ABOR) stays in the stream so the line is seen whole. */
	if (setsockopt(ctrl_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0 ||
	    setsockopt(ctrl_fd, SOL_SOCKET, SO_OOBINLINE, &one, sizeof(one)) < 0 ||
	    setsockopt(ctrl_fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)) < 0)
		return -1;
	flags = fcntl(ctrl_fd, F_GETFL);
	if (flags < 0 || fcntl(ctrl_fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return -1;
	s->last_activity_ms = zc_now_ms();
	s->login_deadline_ms =
		s->last_activity_ms + (long long)s->cfg->login_timeout * 1000;
	return 0;
}

void
zc_session_fini(struct zc_session *s)
{
	zc_data_reset(s);
	if (s->ctrl_tls != NULL) {
		/* a clean end for the client: close_notify, bounded */
		zc_tls_close(s->ctrl_tls, s->ctrl_fd, 1000);
		s->ctrl_tls = NULL;
		zc_ctrl_set_tls(&s->ctrl, NULL);
	}
	if (s->ctrl_fd >= 0) {
		close(s->ctrl_fd);
		s->ctrl_fd = -1;
	}
	if (s->root_fd >= 0 && s->root_fd != s->env.anon_root_fd)
		close(s->root_fd);
	s->root_fd = -1;
}

static int
send_reply(struct zc_session *s, unsigned code, const char *text)
{
	char buf[ZC_REPLY_MAX];
	size_t len = zc_reply_format(buf, sizeof(buf), code, text);

	if (len == 0)
		len = zc_reply_format(buf, sizeof(buf), code,
				      "(reply too long)");
	if (code >= 200)
		s->finals++;
	if (zc_log_is_debug()) {
		char esc[512];
		zc_log_escape(buf, len > 2 ? len - 2 : len, esc, sizeof(esc));
		zc_log_debug("> %s", esc);
	}
	if (zc_session_write_ctrl(s, buf, len) < 0) {
		zc_log_debug("control write failed: %s", strerror(errno));
		zc_session_set_state(s, ZC_STATE_CLOSING);
		return -1;
	}
	return 0;
}

int
zc_session_write_ctrl(struct zc_session *s, const void *buf, size_t len)
{
	int timeout = (int)s->cfg->idle_timeout * 1000;

	if (s->ctrl_tls != NULL)
		return zc_tls_write_all(s->ctrl_tls, s->ctrl_fd, buf, len,
					timeout);
	return zc_ctrl_write_all(s->ctrl_fd, buf, len, timeout);
}

int
zc_session_start_tls(struct zc_session *s)
{
	char why[256];
	long long left = s->login_deadline_ms - zc_now_ms();

	/* the handshake must not outlast the login time (or, after login,
	 * the idle time) */
	if (s->state == ZC_STATE_LOGGED_IN || left < 1000)
		left = (long long)s->cfg->idle_timeout * 1000;
	s->ctrl_tls = zc_tls_new(s->env.tls_ctx, s->ctrl_fd, ZC_TLS_CONN_CONTROL,
				  false);
	if (s->ctrl_tls == NULL) {
		zc_tls_error(why, sizeof(why));
		zc_log_warnx("TLS setup: %s", why);
		return -1;
	}
	if (zc_tls_handshake(s->ctrl_tls, s->ctrl_fd, (int)left) < 0) {
		zc_tls_error(why, sizeof(why));
		zc_log_info("control TLS handshake failed: %s", why);
		zc_tls_free(s->ctrl_tls);
		s->ctrl_tls = NULL;
		return -1;
	}
	zc_ctrl_set_tls(&s->ctrl, s->ctrl_tls);
	zc_log_info("control connection: %s %s", zc_tls_version_name(s->ctrl_tls),
		    zc_tls_cipher_name(s->ctrl_tls));
	return 0;
}

bool
zc_session_tls_required(const struct zc_session *s, const char *user)
{
	bool anon;

	if (s->cfg->tls_require == ZC_TLS_REQUIRE_NONE)
		return false;
	if (user != NULL)
		anon = zc_str_eq_nocase(user, strlen(user), "anonymous") ||
		       zc_str_eq_nocase(user, strlen(user), "ftp");
	else
		anon = s->anonymous;
	return !anon || s->cfg->tls_require_anon;
}

bool
zc_session_prot_required(const struct zc_session *s)
{
	return s->cfg->tls_require == ZC_TLS_REQUIRE_ALL &&
	       zc_session_tls_required(s, NULL);
}

bool
zc_session_control_pending(const struct zc_session *s)
{
	return zc_session_wants_control(s) && zc_ctrl_tls_pending(&s->ctrl);
}

int
zc_session_reply(struct zc_session *s, unsigned code, const char *fmt, ...)
{
	char text[ZC_REPLY_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	return send_reply(s, code, text);
}

void
zc_session_close(struct zc_session *s, unsigned code, const char *fmt, ...)
{
	char text[ZC_REPLY_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	(void)send_reply(s, code, text);
	zc_session_set_state(s, ZC_STATE_CLOSING);
}

int
zc_session_reply_errno(struct zc_session *s, int err)
{
	struct zc_reply_err r = zc_reply_errno(err);

	return zc_session_reply(s, r.code, "%s", r.text);
}

int
zc_session_path(struct zc_session *s, const char *arg, char *out, size_t cap)
{
	if (zc_fs_path_normalize(s->cwd, arg, out, cap) == 0)
		return 0;
	if (errno == ENAMETOOLONG)
		zc_session_reply(s, ZC_REPLY_553_BAD_NAME, "File name too long.");
	else
		zc_session_reply(s, ZC_REPLY_553_BAD_NAME,
				 "File name not allowed.");
	return -1;
}

static void
log_command(const char *line, size_t len)
{
	char esc[600];

	if (!zc_log_is_debug())
		return;
	/* SECURITY: never log a password */
	if (len >= 4 && zc_str_eq_nocase(line, 4, "PASS") &&
	    (len == 4 || line[4] == ' ')) {
		zc_log_debug("< PASS ****");
		return;
	}
	zc_log_escape(line, len, esc, sizeof(esc));
	zc_log_debug("< %s", esc);
}

/* Status of the session (STAT without argument, RFC 959). */
static void
reply_status(struct zc_session *s)
{
	char text[2048];
	size_t used;

	used = (size_t)snprintf(text, sizeof(text),
				"%s status:\n Connected to %s\n", ZC_NAME,
				s->peer_ip);
	if (s->state == ZC_STATE_LOGGED_IN)
		used += (size_t)snprintf(text + used, sizeof(text) - used,
					 " Logged in as %s\n",
					 s->anonymous ? "anonymous" : s->user);
	else
		used += (size_t)snprintf(text + used, sizeof(text) - used,
					 " Not logged in\n");
	if (s->ctrl_tls != NULL)
		used += (size_t)snprintf(text + used, sizeof(text) - used,
					 " Control connection: %s %s; data "
					 "connections: %s\n",
					 zc_tls_version_name(s->ctrl_tls),
					 zc_tls_cipher_name(s->ctrl_tls),
					 s->prot_private ? "PROT P (TLS)"
							 : "PROT C (clear)");
	else
		used += (size_t)snprintf(text + used, sizeof(text) - used,
					 " Control connection: clear\n");
	used += (size_t)snprintf(text + used, sizeof(text) - used,
				 " TYPE: %s, STRUcture: File, MODE: Stream\n",
				 s->type == ZC_TYPE_ASCII ? "ASCII" : "BINARY");
	if (s->xfer != NULL && s->xfer->total == 0)
		/* an upload (or a listing): the end is not known */
		used += (size_t)snprintf(text + used, sizeof(text) - used,
					 " In progress: %s %s, %llu bytes\n",
					 s->xfer->what, s->xfer->path,
					 (unsigned long long)s->xfer->done);
	else if (s->xfer != NULL)
		used += (size_t)snprintf(
			text + used, sizeof(text) - used,
			" In progress: %s %s, %llu of %llu bytes\n",
			s->xfer->what, s->xfer->path,
			(unsigned long long)s->xfer->done,
			(unsigned long long)s->xfer->total);
	else
		used += (size_t)snprintf(text + used, sizeof(text) - used,
					 " No data connection\n");
	if (used < sizeof(text))
		snprintf(text + used, sizeof(text) - used, "End of status");
	zc_session_reply(s, s->xfer != NULL ? ZC_REPLY_213_FILE_STATUS
					    : ZC_REPLY_211_STATUS,
			 "%s", text);
}

void
zc_session_reply_status(struct zc_session *s)
{
	reply_status(s);
}

bool
zc_session_wants_control(const struct zc_session *s)
{
	return !s->ctrl_held;
}

enum zc_ctrl_event
zc_session_poll_control(struct zc_session *s)
{
	unsigned saved = s->finals;
	enum zc_ctrl_event ev = ZC_CTRL_EVENT_NONE;
	ssize_t n = zc_ctrl_fill(&s->ctrl);

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != ENOBUFS))
		return ZC_CTRL_EVENT_GONE;
	for (;;) {
		char line[ZC_CTRL_LINE_MAX + 2];
		size_t len = 0, consumed = 0;
		struct zc_cmd cmd;
		enum zc_ctrl_status st;

		st = zc_ctrl_peek_line(&s->ctrl, line, sizeof(line), &len,
				       &consumed);
		if (st == ZC_CTRL_NEED_MORE)
			break;
		if (st == ZC_CTRL_TOO_LONG) {
			zc_ctrl_skip_line(&s->ctrl);
			zc_session_reply(s, ZC_REPLY_500_SYNTAX,
					 "Command line too long.");
			continue;
		}
		if (zc_cmd_parse(line, len, &cmd) == ZC_CMD_PARSE_OK &&
		    strcmp(cmd.verb, "ABOR") == 0) {
			log_command(line, len);
			zc_ctrl_consume(&s->ctrl, consumed);
			ev = ZC_CTRL_EVENT_ABORT;
			break;
		}
		if (zc_cmd_parse(line, len, &cmd) == ZC_CMD_PARSE_OK &&
		    strcmp(cmd.verb, "STAT") == 0 && cmd.arg == NULL) {
			log_command(line, len);
			zc_ctrl_consume(&s->ctrl, consumed);
			reply_status(s);
			continue;
		}
		/* Anything else waits for the end of the transfer (RFC 959:
		 * QUIT then closes after the transfer's reply). */
		s->ctrl_held = true;
		break;
	}
	s->finals = saved; /* those replies belong to ABOR/STAT */
	s->last_activity_ms = zc_now_ms();
	return ev;
}

/* Milliseconds until the session times out (0: now). */
static long long
time_left_ms(const struct zc_session *s)
{
	long long now = zc_now_ms();
	long long deadline = s->last_activity_ms + (long long)s->cfg->idle_timeout * 1000;

	if (s->state != ZC_STATE_LOGGED_IN && s->login_deadline_ms < deadline)
		deadline = s->login_deadline_ms;
	return deadline > now ? deadline - now : 0;
}

/* Serve every complete line already buffered. */
static void
serve_buffered(struct zc_session *s)
{
	while (s->state != ZC_STATE_CLOSING) {
		char line[ZC_CTRL_LINE_MAX + 2];
		size_t len = 0;
		enum zc_ctrl_status st;

		st = zc_ctrl_next_line(&s->ctrl, line, sizeof(line), &len);
		if (st == ZC_CTRL_NEED_MORE)
			return;
		if (st == ZC_CTRL_TOO_LONG) {
			/* RFC-style robustness: refuse the line, drop the rest
			 * of it, keep the session (vsftpd closes instead) */
			zc_log_info("command line longer than %d bytes refused",
				    ZC_CTRL_LINE_MAX);
			zc_ctrl_skip_line(&s->ctrl);
			zc_session_reply(s, ZC_REPLY_500_SYNTAX,
					 "Command line too long.");
			if (s->state != ZC_STATE_LOGGED_IN &&
			    ++s->unknown_before_login >= ZC_MAX_UNKNOWN_PRELOGIN)
				zc_session_close(s, ZC_REPLY_421_CLOSING,
						 "Too many bad commands.");
			continue;
		}
		s->ctrl_held = false;
		s->last_activity_ms = zc_now_ms();
		log_command(line, len);
		zc_cmd_dispatch(s, line, len);
	}
}

void
zc_session_run(struct zc_session *s)
{
	if (s->env.implicit_tls) {
		/* implicit FTPS: TLS from the first byte, data protected by
		 * default (what clients of port 990 expect) */
		if (zc_session_start_tls(s) < 0)
			return;
		s->pbsz_done = true;
		s->prot_private = true;
	}
	if (zc_session_reply(s, ZC_REPLY_220_READY, "%s", s->cfg->banner) < 0)
		return;
	while (s->state != ZC_STATE_CLOSING) {
		struct pollfd pfd = {.fd = s->ctrl_fd, .events = POLLIN};
		long long left;
		ssize_t n;
		int rc;

		serve_buffered(s);
		if (s->state == ZC_STATE_CLOSING)
			break;
		if (zc_session_shutdown_requested) {
			zc_session_close(s, ZC_REPLY_421_CLOSING,
					 "Server shutting down.");
			break;
		}
		left = time_left_ms(s);
		if (left == 0) {
			zc_log_info("closing: %s timeout",
				    s->state == ZC_STATE_LOGGED_IN ? "idle"
								   : "login");
			zc_session_close(s, ZC_REPLY_421_CLOSING,
					 "Timeout: closing control connection.");
			break;
		}
		if (zc_ctrl_tls_pending(&s->ctrl))
			rc = 1; /* decrypted bytes wait inside TLS */
		else
			rc = zc_session_poll(&pfd, 1,
					     left > 3600000 ? 3600000 : (int)left);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0) {
			zc_log_warn("poll");
			break;
		}
		if (rc == 0)
			continue;
		n = zc_ctrl_fill(&s->ctrl);
		if (n == 0) {
			zc_log_debug("client closed the control connection");
			break;
		}
		if (n < 0 && errno != EAGAIN && errno != ENOBUFS) {
			zc_log_debug("control read: %s", strerror(errno));
			break;
		}
	}
}

/* The signal mask used while waiting: SIGTERM (shutdown) may arrive
 * only inside ppoll, so a request is never lost between a check of the
 * flag and the wait. */
static sigset_t wait_mask;
static bool wait_mask_set;

void
zc_session_signals_init(void)
{
	sigset_t block;

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &wait_mask);
	sigdelset(&wait_mask, SIGTERM);
	wait_mask_set = true;
}

int
zc_session_poll(struct pollfd *fds, nfds_t n, int timeout_ms)
{
	struct timespec ts, *tsp = NULL;
	int rc;

	if (zc_session_shutdown_requested) {
		errno = EINTR;
		return -1;
	}
	if (timeout_ms >= 0) {
		ts.tv_sec = timeout_ms / 1000;
		ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000;
		tsp = &ts;
	}
	rc = ppoll(fds, n, tsp, wait_mask_set ? &wait_mask : NULL);
	if (rc < 0 && errno == EINTR && zc_session_shutdown_requested)
		return -1;
	if (rc < 0 && errno == EINTR)
		return 0; /* another signal: callers re-check their state */
	return rc;
}
