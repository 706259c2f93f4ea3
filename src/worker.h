/*
 * worker.h: a pre-forked session worker. It drops every privilege before
 * it accepts, waits on the shared listeners (epoll, EPOLLEXCLUSIVE: one
 * worker wakes per connection), serves exactly one session and exits.
 * The master has forked its replacement by then.
 */
#ifndef ZC_WORKER_H
#define ZC_WORKER_H

#include <stddef.h>
#include <sys/types.h>

#include "cfg.h"
#include "defs.h"
#include "privdrop.h"
#include "scoreboard.h"
#include "tls.h"

struct zc_worker_ctx {
	const struct zc_config *cfg;
	const int *listen_fds; /* borrowed */
	size_t n_listen;
	size_t n_plain;    /* listen_fds[n_plain..] are implicit-TLS listeners */
	SSL_CTX *tls_ctx;  /* the master's; the worker's copy after fork */
	int broker_fd;     /* owned: this worker's auth broker connection, or -1 */
	int port20_fd;     /* owned: port-20 requests to the master, or -1 */
	unsigned pasv_auto_lo, pasv_auto_hi; /* the ephemeral port range */
	uint64_t cache_budget; /* zc_popular_memory_budget(), read by the master */
	int anon_root_fd;  /* -1: anonymous root could not be opened */
	int xferlog_fd;    /* -1: none */
	int notify_fd;     /* write end of the master's wake-up pipe */
	struct zc_scoreboard *sb;
	size_t slot;
	pid_t master_pid;
	const struct zc_identity *id; /* NULL: not root, no identity change */
	const char *jail;             /* NULL: no chroot */
};

/* Run a worker in the forked child; never returns. */
void zc_worker_main(const struct zc_worker_ctx *ctx) ZC_NORETURN;

#endif
