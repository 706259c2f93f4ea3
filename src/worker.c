/*
 * worker.c: the pre-forked worker: drop privileges, wait for one
 * connection, serve it, exit. See worker.h.
 */
#include "config.h"

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ctrl_io.h"
#include "iobuf.h"
#include "log.h"
#include "reply.h"
#include "session.h"
#include "tls_batch.h"
#include "worker.h"

static volatile sig_atomic_t retire_requested;

static void
on_retire(int sig)
{
	(void)sig;
	retire_requested = 1;
}

static void
on_term(int sig)
{
	(void)sig;
	zc_session_shutdown_requested = 1;
	retire_requested = 1;
}

static void
set_handler(int sig, void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL) < 0)
		zc_fatal("sigaction");
}

/* Signals as a worker wants them. Everything stays blocked (as the master
 * had it) except inside the waits that allow SIGTERM/SIGUSR2. */
static void
setup_signals(void)
{
	set_handler(SIGTERM, on_term);  /* shutdown: exit idle, 421 busy */
	set_handler(SIGUSR2, on_retire); /* reload/shrink: exit when idle */
	set_handler(SIGPIPE, SIG_IGN);
	set_handler(SIGINT, SIG_IGN);   /* ^C reaches the master, who decides */
	set_handler(SIGHUP, SIG_IGN);
	set_handler(SIGCHLD, SIG_DFL);
}

/* Wait for and accept one connection; returns the fd and whether it
 * came in on an implicit-TLS listener. Exits when asked to retire while
 * idle. */
static int
accept_one(const struct zc_worker_ctx *ctx, bool *implicit_tls)
{
	struct epoll_event ev[ZC_LISTEN_MAX];
	sigset_t wait_mask;
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0)
		zc_fatal("epoll_create1");
	for (size_t i = 0; i < ctx->n_listen; i++) {
		struct epoll_event e = {.events = EPOLLIN | EPOLLEXCLUSIVE,
					.data.u32 = (uint32_t)i};
		if (epoll_ctl(ep, EPOLL_CTL_ADD, ctx->listen_fds[i], &e) < 0)
			zc_fatal("epoll_ctl");
	}
	sigprocmask(SIG_SETMASK, NULL, &wait_mask);
	sigdelset(&wait_mask, SIGTERM);
	sigdelset(&wait_mask, SIGUSR2);
	for (;;) {
		int n;

		if (retire_requested || getppid() != ctx->master_pid)
			exit(0);
		n = epoll_pwait(ep, ev, (int)ctx->n_listen, -1, &wait_mask);
		/* a retire request that arrived with the wake-up wins: an
		 * old-config or stopping worker must not take a client */
		if (retire_requested)
			exit(0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			zc_fatal("epoll_pwait");
		for (int i = 0; i < n; i++) {
			int lfd = ctx->listen_fds[ev[i].data.u32];
			int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			if (fd >= 0) {
				*implicit_tls = ev[i].data.u32 >= ctx->n_plain;
				close(ep);
				return fd;
			}
			/* another worker took it, or it was reset */
			if (errno != EAGAIN && errno != ECONNABORTED &&
			    errno != EINTR && errno != EPROTO)
				zc_log_warn("accept");
		}
	}
}

static void
tell_master(const struct zc_worker_ctx *ctx)
{
	uint32_t slot = (uint32_t)ctx->slot;

	/* a wake-up only: the master re-reads the scoreboard */
	if (write(ctx->notify_fd, &slot, sizeof(slot)) < 0 && errno != EAGAIN)
		zc_log_debug("notify master: %s", strerror(errno));
	close(ctx->notify_fd);
}

static void
refuse(int fd, const char *text)
{
	char buf[256];
	size_t len = zc_reply_format(buf, sizeof(buf), ZC_REPLY_421_CLOSING, text);

	if (zc_ctrl_write_all(fd, buf, len, 1000) < 0)
		zc_log_debug("421 not delivered: %s", strerror(errno));
}

static void
serve(const struct zc_worker_ctx *ctx, int fd, bool implicit_tls,
      struct zc_slot *slot)
{
	struct zc_session_env env = {
		.cfg = ctx->cfg,
		.tls_ctx = ctx->tls_ctx,
		.implicit_tls = implicit_tls,
		.broker_fd = ctx->broker_fd,
		.port20_fd = ctx->port20_fd,
		.pasv_auto_lo = ctx->pasv_auto_lo,
		.pasv_auto_hi = ctx->pasv_auto_hi,
		.anon_root_fd = ctx->anon_root_fd,
		.xferlog_fd = ctx->xferlog_fd,
		.score_bytes = &slot->bytes,
		.popular = &ctx->sb->shm->popular,
		.cache_budget = ctx->cache_budget,
		.id = (unsigned long)getpid(),
	};
	static struct zc_session s; /* large (buffers): not on the stack */
	char prefix[128];
	long long t0 = zc_now_ms();

	env.copy_buf = zc_iobuf_alloc(ZC_COPY_BUF_SIZE);
	/* untouched (no memory used) unless a PROT P transfer runs */
	if (ctx->tls_ctx != NULL)
		env.tls_batch_buf = zc_iobuf_alloc(ZC_TLS_BATCH_CAP);
	if (env.copy_buf == NULL ||
	    (ctx->tls_ctx != NULL && env.tls_batch_buf == NULL) ||
	    zc_session_init(&s, &env, fd) < 0) {
		zc_log_warn("session setup");
		free(env.copy_buf);
		free(env.tls_batch_buf);
		close(fd);
		return;
	}
	memcpy(&slot->peer, &s.peer, sizeof(slot->peer));
	slot->started = time(NULL);
	snprintf(prefix, sizeof(prefix), "[%lu %s] ", env.id, s.peer_ip);
	zc_log_set_prefix(prefix);
	if (ctx->cfg->max_per_ip > 0 &&
	    zc_scoreboard_count_ip(ctx->sb, &s.peer) > ctx->cfg->max_per_ip) {
		zc_log_info("refused: more than %llu sessions from this address",
			    (unsigned long long)ctx->cfg->max_per_ip);
		refuse(fd, "Too many connections from your address.");
		zc_session_fini(&s);
		free(env.copy_buf);
		free(env.tls_batch_buf);
		return;
	}
	/* keep what one listing freed for the next (defs.h); a failure
	 * only costs page faults, so it is logged, not fatal */
	if (mallopt(M_TRIM_THRESHOLD, (int)ZC_SESSION_HEAP_KEEP) != 1 ||
	    mallopt(M_MMAP_THRESHOLD, (int)ZC_SESSION_MMAP_MIN) != 1)
		zc_log_debug("mallopt: heap thresholds left at their defaults");
	zc_log_info("session start");
	zc_session_run(&s);
	zc_log_info("session end: %llu files, %llu bytes out; %llu files, "
		    "%llu bytes in; %lld s",
		    (unsigned long long)s.files_out,
		    (unsigned long long)s.bytes_out,
		    (unsigned long long)s.files_in,
		    (unsigned long long)s.bytes_in, (zc_now_ms() - t0) / 1000);
	zc_session_fini(&s);
	free(env.copy_buf);
	free(env.tls_batch_buf);
}

void
zc_worker_main(const struct zc_worker_ctx *ctx)
{
	struct zc_slot *slot = &ctx->sb->slots[ctx->slot];
	bool implicit_tls = false;
	int fd;

	setup_signals();
	zc_privdrop_worker(ctx->jail, ctx->id);
	/* an orphaned idle worker must not keep accepting: set after the
	 * identity change (which clears it) and re-check the parent */
	if (prctl(PR_SET_PDEATHSIG, SIGUSR2, 0, 0, 0) < 0)
		zc_fatal("PR_SET_PDEATHSIG");
	if (getppid() != ctx->master_pid)
		exit(0);
	/* SECURITY: this session's own ticket keys, so that only its
	 * control connection's tickets resume its data connections */
	if (ctx->tls_ctx != NULL && zc_tls_worker_init(ctx->tls_ctx) < 0)
		zc_fatalx("TLS: cannot set session ticket keys");
	zc_slot_set_state(slot, ZC_SLOT_IDLE);
	fd = accept_one(ctx, &implicit_tls);
	/* from here on this process belongs to one client */
	zc_slot_set_state(slot, ZC_SLOT_BUSY);
	set_handler(SIGUSR2, SIG_IGN);
	for (size_t i = 0; i < ctx->n_listen; i++)
		close(ctx->listen_fds[i]);
	tell_master(ctx);
	zc_session_signals_init();
	serve(ctx, fd, implicit_tls, slot);
	exit(0);
}
