/*
 * cmd_login.c: USER PASS ACCT REIN QUIT (RFC 959 4.1.1).
 * Anonymous logins ("anonymous" or "ftp", any password) get the
 * anonymous root; users of users_file are checked by the auth broker,
 * which sends their home directory fd. The replies never tell whether a
 * name exists.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "broker.h"
#include "cmd_handlers.h"
#include "compat/compat.h"
#include "data_conn.h"
#include "log.h"
#include "reply.h"
#include "session.h"
#include "str.h"

static bool
is_anonymous_name(const char *name)
{
	return zc_str_eq_nocase(name, strlen(name), "anonymous") ||
	       zc_str_eq_nocase(name, strlen(name), "ftp");
}

ZC_HANDLER(user)
{
	if (s->state == ZC_STATE_LOGGED_IN) {
		/* RFC 959 allows a change of user; we keep one login per
		 * session (the worker's root is fixed once served). */
		zc_session_reply(s, ZC_REPLY_530_NOT_LOGGED_IN,
				 "Already logged in; cannot change user.");
		return;
	}
	if (s->ctrl_tls == NULL && zc_session_tls_required(s, arg)) {
		zc_log_info("refused: login before AUTH TLS (tls_require)");
		zc_session_reply(s, ZC_REPLY_530_NOT_LOGGED_IN,
				 "This server requires TLS: use AUTH TLS "
				 "before logging in.");
		return;
	}
	if (zc_strlcpy(s->user, arg, sizeof(s->user)) >= sizeof(s->user)) {
		zc_session_reply(s, ZC_REPLY_501_BAD_ARG, "User name too long.");
		return;
	}
	zc_session_set_state(s, ZC_STATE_NEED_PASS);
	if (is_anonymous_name(s->user) && s->cfg->anon_enable)
		zc_session_reply(s, ZC_REPLY_331_NEED_PASS,
				 "Anonymous login ok, send your e-mail address "
				 "as password.");
	else
		zc_session_reply(s, ZC_REPLY_331_NEED_PASS,
				 "Please specify the password.");
}

/* How long the broker may take beyond the failure delay (crypt). */
#define ZC_AUTH_TIMEOUT_MS 30000

/* `delay`: wait login_fail_delay here (the broker, when it answered,
 * has already made the client wait). */
static void
login_failed(struct zc_session *s, bool delay)
{
	long long until = zc_now_ms() +
			  (delay ? (long long)s->cfg->login_fail_delay * 1000 : 0);
	char name[300];

	s->login_fails++;
	zc_log_escape(s->user, strlen(s->user), name, sizeof(name));
	zc_log_info("login failed for '%s' (%u of %llu)", name, s->login_fails,
		    (unsigned long long)s->cfg->max_login_fails);
	/* SECURITY: slow down password guessing (a shutdown still ends
	 * the wait: zc_session_poll lets SIGTERM in) */
	while (zc_now_ms() < until) {
		if (zc_session_poll(NULL, 0, (int)(until - zc_now_ms())) < 0 &&
		    zc_session_shutdown_requested)
			break;
	}
	zc_session_set_state(s, ZC_STATE_NEED_USER);
	s->user[0] = '\0';
	if (s->login_fails >= s->cfg->max_login_fails) {
		zc_session_close(s, ZC_REPLY_421_CLOSING,
				 "Too many failed logins.");
		return;
	}
	zc_session_reply(s, ZC_REPLY_530_NOT_LOGGED_IN, "Login incorrect.");
}

/* Ask the auth broker about s->user and pass, waiting for its answer
 * (SIGTERM still ends the wait). 0 with *res, or -1. */
static int
ask_broker(struct zc_session *s, const char *pass, enum zc_auth_result *res,
	   int *home_fd)
{
	long long deadline = zc_now_ms() +
			     (long long)s->cfg->login_fail_delay * 1000 +
			     ZC_AUTH_TIMEOUT_MS;
	struct zc_auth_req req;
	int rc;

	if (zc_auth_req_build(&req, s->user, pass) < 0) {
		OPENSSL_cleanse(&req, sizeof(req));
		*res = ZC_AUTH_DENIED; /* too long to be anybody's */
		return 0;
	}
	rc = zc_auth_send(s->env.broker_fd, &req);
	OPENSSL_cleanse(&req, sizeof(req));
	if (rc < 0)
		return -1;
	for (;;) {
		struct pollfd pfd = {.fd = s->env.broker_fd, .events = POLLIN};
		long long left;

		rc = zc_auth_recv(s->env.broker_fd, res, home_fd);
		if (rc != 0)
			return rc > 0 ? 0 : -1;
		left = deadline - zc_now_ms();
		if (left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (zc_session_poll(&pfd, 1, (int)left) < 0 && errno == EINTR)
			return -1; /* shutdown */
	}
}

static void
user_logged_in(struct zc_session *s, int home_fd)
{
	char name[300];

	s->anonymous = false;
	s->may_write = s->cfg->write_enable;
	s->root_fd = home_fd;
	zc_strlcpy(s->cwd, "/", sizeof(s->cwd));
	zc_session_set_state(s, ZC_STATE_LOGGED_IN);
	zc_log_escape(s->user, strlen(s->user), name, sizeof(name));
	zc_log_info("login: user '%s'%s", name,
		    s->may_write ? " (may write)" : "");
	zc_session_reply(s, ZC_REPLY_230_LOGGED_IN, "Login successful.");
}

/* A users_file login (anything but an anonymous one). */
static void
user_login(struct zc_session *s, const char *pass)
{
	enum zc_auth_result res = ZC_AUTH_DENIED;
	int home_fd = -1;

	if (s->env.broker_fd < 0) {
		login_failed(s, true);
		return;
	}
	if (ask_broker(s, pass, &res, &home_fd) < 0) {
		if (zc_session_shutdown_requested) {
			zc_session_close(s, ZC_REPLY_421_CLOSING,
					 "Server shutting down.");
			return;
		}
		zc_log_warnx("no answer from the auth broker (%s)",
			     strerror(errno));
		zc_session_close(s, ZC_REPLY_421_CLOSING,
				 "Login service unavailable; try again later.");
		return;
	}
	switch (res) {
	case ZC_AUTH_OK:
		user_logged_in(s, home_fd);
		break;
	case ZC_AUTH_NO_HOME:
		zc_session_set_state(s, ZC_STATE_NEED_USER);
		zc_session_reply(s, ZC_REPLY_530_NOT_LOGGED_IN,
				 "Login failed: your home directory is not "
				 "available.");
		break;
	case ZC_AUTH_TOO_MANY:
		s->login_fails = (unsigned)s->cfg->max_login_fails;
		login_failed(s, false);
		break;
	case ZC_AUTH_DENIED:
	default:
		login_failed(s, false);
		break;
	}
}

ZC_HANDLER(pass)
{
	if (s->state == ZC_STATE_LOGGED_IN) {
		zc_session_reply(s, ZC_REPLY_230_LOGGED_IN, "Already logged in.");
		return;
	}
	if (s->state != ZC_STATE_NEED_PASS) {
		zc_session_reply(s, ZC_REPLY_503_BAD_SEQUENCE,
				 "Login with USER first.");
		return;
	}
	if (!is_anonymous_name(s->user) || !s->cfg->anon_enable) {
		user_login(s, arg != NULL ? arg : "");
		return;
	}
	if (s->env.anon_root_fd < 0) {
		login_failed(s, true);
		return;
	}
	s->anonymous = true;
	s->may_write = false;
	s->root_fd = s->env.anon_root_fd;
	zc_strlcpy(s->cwd, "/", sizeof(s->cwd));
	zc_strlcpy(s->anon_pass, arg != NULL ? arg : "", sizeof(s->anon_pass));
	zc_session_set_state(s, ZC_STATE_LOGGED_IN);
	zc_log_info("anonymous login");
	zc_session_reply(s, ZC_REPLY_230_LOGGED_IN, "Login successful.");
}

ZC_HANDLER(acct)
{
	(void)arg;
	zc_session_reply(s, ZC_REPLY_202_SUPERFLUOUS,
			 "No account needed on this server.");
}

ZC_HANDLER(rein)
{
	(void)arg;
	/* RFC 959: flush the login, keep the control connection. */
	zc_data_reset(s);
	if (s->root_fd >= 0 && s->root_fd != s->env.anon_root_fd)
		close(s->root_fd);
	s->root_fd = -1;
	s->anonymous = false;
	s->may_write = false;
	s->user[0] = '\0';
	s->type = ZC_TYPE_ASCII;
	s->rest = 0;
	s->login_deadline_ms = zc_now_ms() + (long long)s->cfg->login_timeout * 1000;
	zc_strlcpy(s->cwd, "/", sizeof(s->cwd));
	zc_session_set_state(s, ZC_STATE_NEED_USER);
	zc_session_reply(s, ZC_REPLY_220_READY, "Service ready for new user.");
}

ZC_HANDLER(quit)
{
	(void)arg;
	zc_session_close(s, ZC_REPLY_221_BYE, "Goodbye.");
}
