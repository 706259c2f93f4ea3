/*
 * session.h: one FTP session (one client, one worker process). The struct
 * owns the control socket, the data-connection state and whatever root fd
 * the login gave; config, anonymous root fd, copy buffer and log fds are
 * borrowed from the worker. State changes only through
 * zc_session_set_state(). Replies go out only through zc_session_reply*.
 */
#ifndef ZC_SESSION_H
#define ZC_SESSION_H

#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "cfg.h"
#include "ctrl_io.h"
#include "defs.h"
#include "tls.h"

enum zc_session_state {
	ZC_STATE_NEED_USER, /* greeting sent, no USER yet */
	ZC_STATE_NEED_PASS, /* USER accepted, waiting for PASS */
	ZC_STATE_LOGGED_IN,
	ZC_STATE_CLOSING, /* end the session after the current reply */
};

enum zc_type { ZC_TYPE_ASCII, ZC_TYPE_IMAGE };

enum zc_data_mode { ZC_DATA_NONE, ZC_DATA_PASSIVE, ZC_DATA_ACTIVE };

struct zc_data {
	enum zc_data_mode mode;
	int listen_fd;                /* owned; PASV/EPSV listener */
	struct sockaddr_storage addr; /* ACTIVE: where to connect */
	socklen_t addr_len;
};

/* What STAT reports while a transfer runs. */
struct zc_xfer_status {
	const char *what; /* "RETR", "LIST", ... */
	const char *path; /* borrowed virtual path */
	uint64_t done, total; /* total 0: unknown */
};

/* Things a session borrows from its worker. */
struct zc_session_env {
	const struct zc_config *cfg;
	int anon_root_fd;      /* -1: anonymous access impossible */
	char *copy_buf;        /* ZC_COPY_BUF_SIZE bytes */
	char *tls_batch_buf;   /* ZC_TLS_BATCH_CAP bytes, or NULL: TLS
				  records go to the socket one by one */
	int xferlog_fd;        /* -1: none */
	uint64_t *score_bytes; /* scoreboard counter, may be NULL */
	struct zc_popular *popular; /* shared table of recent big files, or NULL */
	uint64_t cache_budget; /* memory the page cache may use (popular.h) */
	unsigned long id;      /* session id for logs */
	SSL_CTX *tls_ctx;     /* NULL: FTPS not configured */
	bool implicit_tls;     /* accepted on a tls_implicit_listen address */
	int broker_fd;         /* the auth broker, -1: no users_file */
	int port20_fd;         /* port-20 sockets from the master, or -1 */
	unsigned pasv_auto_lo, pasv_auto_hi; /* passive ports without pasv_ports:
						the kernel's ephemeral range (0: unknown) */
};

struct zc_session {
	struct zc_session_env env;
	const struct zc_config *cfg; /* == env.cfg, for brevity */
	int ctrl_fd;                 /* owned */
	struct zc_ctrl ctrl;
	struct sockaddr_storage peer, local;
	socklen_t peer_len, local_len;
	char peer_ip[INET6_ADDRSTRLEN];

	enum zc_session_state state;
	int root_fd; /* the session's root: env.anon_root_fd (borrowed) */
	char cwd[PATH_MAX];
	char user[128];     /* as given to USER (escaped for logs later) */
	char anon_pass[128]; /* anonymous "password" (an e-mail), for xferlog */
	bool anonymous;
	bool may_write;
	bool utf8;
	/* RFC 4217 */
	SSL *ctrl_tls; /* owned; NULL until AUTH TLS */
	bool pbsz_done;          /* PBSZ 0 seen (PROT may follow) */
	bool prot_private;       /* PROT P: data connections use TLS */
	unsigned mlst_facts; /* ZC_FACT_* selected with OPTS MLST */
	unsigned login_fails;
	unsigned unknown_before_login;

	enum zc_type type;
	uint64_t rest;
	struct zc_data data;
	bool epsv_all;

	long long last_activity_ms;
	long long login_deadline_ms;

	/* set while a transfer runs (STAT, ABOR) */
	struct zc_xfer_status *xfer;
	bool ctrl_held; /* a pipelined command waits for the transfer's end */

	unsigned finals; /* final (>= 200) replies sent for this command */
	uint64_t bytes_out, files_out;
	uint64_t bytes_in, files_in; /* uploads */

	/* RNFR: the path to rename, "" when none is pending (any command
	 * but RNTO clears it, see zc_cmd_dispatch) */
	char rename_from[PATH_MAX];
};

/* Set up a session on an accepted control socket (takes ownership). */
int zc_session_init(struct zc_session *s, const struct zc_session_env *env,
		    int ctrl_fd) ZC_MUST_CHECK;
/* Greet, serve commands until QUIT, timeout, error or shutdown. */
void zc_session_run(struct zc_session *s);
/* Release everything the session owns. */
void zc_session_fini(struct zc_session *s);

void zc_session_set_state(struct zc_session *s, enum zc_session_state st);
const char *zc_session_state_name(enum zc_session_state st);

/* Send a reply; `text` may contain '\n' for a multi-line reply. Returns
 * 0, or -1 if the control connection failed (the session is then set
 * CLOSING). */
int zc_session_reply(struct zc_session *s, unsigned code, const char *fmt, ...)
	ZC_PRINTF(3, 4);
/* Reply and end the session (421, 221, 500 on an over-long line...). */
void zc_session_close(struct zc_session *s, unsigned code, const char *fmt, ...)
	ZC_PRINTF(3, 4);
/* Write bytes that are part of a reply (multi-line listings) to the
 * control connection, through TLS when it is on. 0, or -1. */
int zc_session_write_ctrl(struct zc_session *s, const void *buf, size_t len)
	ZC_MUST_CHECK;
/* Start TLS on the control connection (AUTH TLS after the 234, or at
 * once on an implicit-TLS listener). 0, or -1 (logged; the session
 * must end). */
int zc_session_start_tls(struct zc_session *s) ZC_MUST_CHECK;
/* Whether tls_require applies to this login name (or, with NULL, to the
 * logged-in user). */
bool zc_session_tls_required(const struct zc_session *s, const char *user);
/* Whether a data connection must use PROT P (tls_require=all). */
bool zc_session_prot_required(const struct zc_session *s);
/* Whether control bytes are ready to take without waiting (TLS). */
bool zc_session_control_pending(const struct zc_session *s);
/* Reply for a failed file operation (errno mapping in reply.c). */
int zc_session_reply_errno(struct zc_session *s, int err);

/* During a transfer: read the control connection, answer STAT, take ABOR.
 * Returns ZC_CTRL_EVENT_* . */
enum zc_ctrl_event {
	ZC_CTRL_EVENT_NONE,  /* nothing that concerns the transfer */
	ZC_CTRL_EVENT_ABORT, /* ABOR received (not yet answered) */
	ZC_CTRL_EVENT_GONE,  /* the control connection closed or failed */
};
enum zc_ctrl_event zc_session_poll_control(struct zc_session *s);
/* Whether the transfer loop should poll the control fd for input. */
bool zc_session_wants_control(const struct zc_session *s);

/* Reply to STAT without argument (211, or 213 during a transfer). */
void zc_session_reply_status(struct zc_session *s);

/* Block SIGTERM except while waiting in zc_session_poll (worker calls it
 * once before serving). */
void zc_session_signals_init(void);
/* ppoll() with SIGTERM deliverable only during the wait. Returns as
 * poll(); -1 with EINTR when shutdown was requested; 0 on other signals. */
int zc_session_poll(struct pollfd *fds, nfds_t n, int timeout_ms);

/* Resolve a client-given path against cwd into out (PATH_MAX). On error
 * the reply has been sent and -1 is returned. */
int zc_session_path(struct zc_session *s, const char *arg, char *out,
		    size_t cap) ZC_MUST_CHECK;

/* Monotonic milliseconds. */
long long zc_now_ms(void);

/* Set from a signal handler: the master asks this session to end. */
extern volatile int zc_session_shutdown_requested;

#endif
