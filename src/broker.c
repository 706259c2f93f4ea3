/*
 * broker.c: the auth broker and its wire format. See broker.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "broker.h"
#include "fdpass.h"
#include "log.h"
#include "session.h"
#include "users.h"

/* ---- wire format ---- */

int
zc_auth_req_build(struct zc_auth_req *r, const char *name, const char *pass)
{
	size_t nl = strlen(name), pl = strlen(pass);

	memset(r, 0, sizeof(*r));
	if (nl >= sizeof(r->name) || pl >= sizeof(r->pass)) {
		errno = EINVAL;
		return -1;
	}
	r->version = ZC_AUTH_VERSION;
	r->type = ZC_AUTH_LOGIN;
	r->name_len = (uint32_t)nl;
	r->pass_len = (uint32_t)pl;
	memcpy(r->name, name, nl);
	memcpy(r->pass, pass, pl);
	return 0;
}

/* Whether field[0..len) has no NUL and field[len..cap) is all NUL. */
static bool
field_ok(const char *field, size_t cap, uint32_t len)
{
	if (len >= cap || memchr(field, '\0', len) != NULL)
		return false;
	for (size_t i = len; i < cap; i++)
		if (field[i] != '\0')
			return false;
	return true;
}

bool
zc_auth_req_valid(const void *buf, size_t len)
{
	struct zc_auth_req r;

	if (len != sizeof(r))
		return false;
	memcpy(&r, buf, sizeof(r));
	return r.version == ZC_AUTH_VERSION && r.type == ZC_AUTH_LOGIN &&
	       field_ok(r.name, sizeof(r.name), r.name_len) &&
	       field_ok(r.pass, sizeof(r.pass), r.pass_len) && r.name_len > 0;
}

int
zc_auth_send(int fd, const struct zc_auth_req *r)
{
	ssize_t n;

	do
		n = send(fd, r, sizeof(*r), MSG_NOSIGNAL | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(*r))
		return -1;
	return 0;
}

int
zc_auth_recv(int fd, enum zc_auth_result *result, int *home_fd)
{
	struct zc_auth_resp r;
	int passed = -1;
	ssize_t n = zc_fdpass_recv(fd, &r, sizeof(r), &passed);

	*home_fd = -1;
	if (n < 0 && errno == EAGAIN)
		return 0;
	if (n != (ssize_t)sizeof(r) || r.version != ZC_AUTH_VERSION ||
	    r.result < ZC_AUTH_OK || r.result > ZC_AUTH_TOO_MANY ||
	    (r.result == ZC_AUTH_OK) != (passed >= 0)) {
		if (passed >= 0)
			close(passed);
		return -1;
	}
	*result = (enum zc_auth_result)r.result;
	*home_fd = passed;
	return 1;
}

int
zc_broker_add_conn(int ctl_fd, int conn_fd)
{
	static const char one = 'c';

	return zc_fdpass_send(ctl_fd, &one, 1, conn_fd);
}

/* ---- the broker process ---- */

struct conn {
	int fd;
	unsigned fails;
	bool pending;        /* a denial waits for its delay */
	long long due_ms;
	struct conn *next;
};

struct broker {
	const struct zc_config *cfg;
	struct zc_users users;
	int ep;
	int ctl_fd; /* -1 once the master closed it: retire */
	struct conn *conns;
	size_t n_conns;
};

static void
conn_close(struct broker *b, struct conn *c)
{
	struct conn **pp = &b->conns;

	while (*pp != c)
		pp = &(*pp)->next;
	*pp = c->next;
	close(c->fd); /* also leaves the epoll set */
	free(c);
	b->n_conns--;
}

static void
add_conn(struct broker *b, int fd)
{
	struct conn *c = calloc(1, sizeof(*c));
	struct epoll_event ev = {.events = EPOLLIN};

	if (c == NULL) {
		zc_log_warnx("out of memory: refusing a worker connection");
		close(fd);
		return;
	}
	c->fd = fd;
	ev.data.ptr = c;
	if (epoll_ctl(b->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		zc_log_warn("epoll_ctl");
		close(fd);
		free(c);
		return;
	}
	c->next = b->conns;
	b->conns = c;
	b->n_conns++;
}

static void
reply(struct broker *b, struct conn *c, enum zc_auth_result result, int fd)
{
	struct zc_auth_resp r = {.version = ZC_AUTH_VERSION,
				 .result = (uint32_t)result};

	if (zc_fdpass_send(c->fd, &r, sizeof(r), fd) < 0) {
		zc_log_debug("reply to a worker failed: %s", strerror(errno));
		conn_close(b, c);
		return;
	}
	if (result == ZC_AUTH_TOO_MANY)
		conn_close(b, c);
}

static void
handle_login(struct broker *b, struct conn *c, const struct zc_auth_req *r)
{
	const struct zc_user *u;
	int home;

	if (!zc_users_check(&b->users, r->name, r->pass)) {
		c->fails++;
		c->pending = true;
		c->due_ms = zc_now_ms() + (long long)b->cfg->login_fail_delay * 1000;
		return;
	}
	c->fails = 0;
	u = zc_users_find(&b->users, r->name);
	home = open(u->home, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (home < 0) {
		zc_log_warn("user %s: home directory %s", u->name, u->home);
		reply(b, c, ZC_AUTH_NO_HOME, -1);
		return;
	}
	reply(b, c, ZC_AUTH_OK, home);
	close(home);
}

static void
handle_request(struct broker *b, struct conn *c)
{
	struct zc_auth_req r;
	int fd = -1;
	ssize_t n = zc_fdpass_recv(c->fd, &r, sizeof(r), &fd);

	if (n < 0 && errno == EAGAIN)
		return;
	if (fd >= 0)
		close(fd); /* workers never send descriptors */
	if (n == 0 || n < 0) {
		conn_close(b, c);
		return;
	}
	/* SECURITY: one request at a time (a worker cannot queue guesses
	 * behind a pending delay), and exactly the fixed shape */
	if (c->pending || fd >= 0 || !zc_auth_req_valid(&r, (size_t)n)) {
		zc_log_warnx("malformed request from a worker: its connection "
			     "is closed");
		OPENSSL_cleanse(&r, sizeof(r));
		conn_close(b, c);
		return;
	}
	handle_login(b, c, &r);
	OPENSSL_cleanse(&r, sizeof(r));
}

static void
handle_ctl(struct broker *b)
{
	for (;;) {
		char byte;
		int fd = -1;
		ssize_t n = zc_fdpass_recv(b->ctl_fd, &byte, 1, &fd);

		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			/* the master retired us (reload) or is gone: serve
			 * the connected workers, take no new ones */
			close(b->ctl_fd);
			b->ctl_fd = -1;
			return;
		}
		if (fd >= 0)
			add_conn(b, fd);
	}
}

/* Send the denials whose delay is over; return ms to the next (-1). */
static int
due_denials(struct broker *b)
{
	long long now = zc_now_ms(), next = -1;
	struct conn *c = b->conns;

	while (c != NULL) {
		struct conn *following = c->next;
		if (c->pending && c->due_ms <= now) {
			c->pending = false;
			reply(b, c, c->fails >= b->cfg->max_login_fails
					    ? ZC_AUTH_TOO_MANY
					    : ZC_AUTH_DENIED,
			      -1);
		} else if (c->pending && (next < 0 || c->due_ms - now < next)) {
			next = c->due_ms - now;
		}
		c = following;
	}
	return next > 0x7fffffff ? 0x7fffffff : (int)next;
}

static void
broker_signals(void)
{
	sigset_t none;
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	/* ^C reaches the whole process group: the master decides */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

void
zc_broker_main(int ctl_fd, int users_fd, const char *users_file,
	       const struct zc_identity *id, const struct zc_config *cfg)
{
	struct broker b = {.cfg = cfg, .ctl_fd = ctl_fd};
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
	char err[512];

	zc_log_set_prefix("[auth broker] ");
	broker_signals();
	zc_privdrop_worker(NULL, id);
	if (zc_users_load_fd(users_fd, users_file, &b.users, err, sizeof(err)) < 0)
		zc_fatalx("%s", err);
	close(users_fd);
	b.ep = epoll_create1(EPOLL_CLOEXEC);
	if (b.ep < 0 || epoll_ctl(b.ep, EPOLL_CTL_ADD, ctl_fd, &ev) < 0)
		zc_fatal("epoll");
	zc_log_info("ready: %zu users", b.users.n);
	while (b.ctl_fd >= 0 || b.n_conns > 0) {
		struct epoll_event evs[64];
		int n = epoll_wait(b.ep, evs, 64, due_denials(&b));

		if (n < 0 && errno != EINTR)
			zc_fatal("epoll_wait");
		for (int i = 0; i < n; i++) {
			if (evs[i].data.ptr == NULL) {
				if (b.ctl_fd >= 0)
					handle_ctl(&b);
				continue;
			}
			handle_request(&b, evs[i].data.ptr);
		}
	}
	zc_log_debug("no master and no workers left: exiting");
	zc_users_free(&b.users);
	exit(0);
}
