/*
 * broker.h: the auth broker. One process (only when users_file is set),
 * not chrooted, running as run_as with no capabilities, no_new_privs and
 * not dumpable; the only process that holds the password hashes. Each
 * worker gets its own SOCK_SEQPACKET connection to it (the master creates
 * the pair when it forks the worker and hands the broker its end over the
 * broker's control socket). A worker asks with one fixed-size, typed,
 * length-checked request; the broker answers no, or yes with the user's
 * home directory fd (SCM_RIGHTS). The failure delay and the failure limit
 * are enforced here, where a compromised worker cannot skip them.
 */
#ifndef ZC_BROKER_H
#define ZC_BROKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfg.h"
#include "defs.h"
#include "privdrop.h"

#define ZC_AUTH_VERSION 1u
#define ZC_AUTH_LOGIN 1u
#define ZC_AUTH_NAME_MAX 128
#define ZC_AUTH_PASS_MAX 256

struct zc_auth_req {
	uint32_t version; /* ZC_AUTH_VERSION */
	uint32_t type;    /* ZC_AUTH_LOGIN */
	uint32_t name_len, pass_len;
	char name[ZC_AUTH_NAME_MAX];
	char pass[ZC_AUTH_PASS_MAX];
};

enum zc_auth_result {
	ZC_AUTH_OK = 1,      /* the home directory fd comes with it */
	ZC_AUTH_DENIED,      /* wrong name or password */
	ZC_AUTH_NO_HOME,     /* right password, home directory unusable */
	ZC_AUTH_TOO_MANY,    /* max_login_fails reached: connection closed */
};

struct zc_auth_resp {
	uint32_t version;
	uint32_t result; /* enum zc_auth_result */
};

/* Pure: fill a request. -1 (EINVAL) when a field does not fit. */
int zc_auth_req_build(struct zc_auth_req *r, const char *name,
		      const char *pass) ZC_MUST_CHECK;
/* Pure: whether `len` received bytes are a well-formed request: exact
 * size, version, type, lengths within the fields, no NUL inside the
 * name or password, the rest of each field zero. */
bool zc_auth_req_valid(const void *buf, size_t len);

/* Worker side: send the request on the (non-blocking) broker socket. */
int zc_auth_send(int fd, const struct zc_auth_req *r) ZC_MUST_CHECK;
/* Worker side: take the answer if it has arrived. Returns 1 with
 * *result (and *home_fd for ZC_AUTH_OK, else -1), 0 if nothing yet
 * (EAGAIN), -1 when the broker is gone or answered nonsense. */
int zc_auth_recv(int fd, enum zc_auth_result *result, int *home_fd) ZC_MUST_CHECK;

/* Master side: give the broker a new worker connection over the control
 * socket. 0, or -1 with errno. */
int zc_broker_add_conn(int ctl_fd, int conn_fd) ZC_MUST_CHECK;

/* The broker process, forked by the master: drop privileges (as a worker
 * does, without the chroot), read the users table from users_fd, then
 * serve until the control socket closes and no worker is connected.
 * Never returns. */
void zc_broker_main(int ctl_fd, int users_fd, const char *users_file,
		    const struct zc_identity *id, const struct zc_config *cfg)
	ZC_NORETURN;

#endif
