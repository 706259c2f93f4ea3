/*
 * tls.h: OpenSSL for FTPS (RFC 4217). The master builds the SSL_CTX: the
 * certificate and key are read once, before privileges drop (and again on
 * SIGHUP). A worker gives its inherited copy fresh ticket keys, so only
 * this session's control connection can be resumed by its data
 * connections. Sockets are non-blocking: the step functions say what to
 * wait for and the caller waits its own way (watching the control
 * connection, the data timeout, SIGTERM).
 */
#ifndef ZC_TLS_H
#define ZC_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cfg.h"
#include "defs.h"

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;

enum zc_tls_io {
	ZC_TLS_DONE,       /* completed (some bytes moved, handshake over) */
	ZC_TLS_WANT_READ,  /* wait for POLLIN, then call again */
	ZC_TLS_WANT_WRITE, /* wait for POLLOUT, then call again */
	ZC_TLS_CLOSED,     /* the peer sent close_notify */
	ZC_TLS_ERROR,      /* protocol or socket error: see zc_tls_error() */
};

/* Build the server context from tls_cert, tls_key, tls_min_version,
 * tls_ciphers and tls_ciphersuites. NULL with a message in err. */
SSL_CTX *zc_tls_ctx_new(const struct zc_config *cfg, char *err, size_t cap);
void zc_tls_ctx_free(SSL_CTX *ctx);
/* In a worker, after fork: fresh random session-ticket keys (tickets of
 * other sessions no longer decrypt here). 0, or -1. */
int zc_tls_worker_init(SSL_CTX *ctx) ZC_MUST_CHECK;

/* Which connection an SSL is for. A data connection gets no TLS 1.3
 * session tickets: its client resumes with the control connection's,
 * and an uploading client never reads the data connection, so tickets
 * sent there would still be unread when it closes it, which makes its
 * kernel answer with a reset that can discard the last of the upload. */
enum zc_tls_conn {
	ZC_TLS_CONN_CONTROL,
	ZC_TLS_CONN_DATA,
};

/* A server-side SSL on fd. `ktls`: ask OpenSSL to hand the keys to the
 * kernel after the handshake (only for RETR data connections: OpenSSL
 * 3.0 does not rekey kernel TLS on a TLS 1.3 KeyUpdate, and we never
 * read from those). NULL on failure. */
SSL *zc_tls_new(SSL_CTX *ctx, int fd, enum zc_tls_conn conn, bool ktls);
/* Free without close_notify (after an error or abort). NULL is fine. */
void zc_tls_free(SSL *ssl);

enum zc_tls_io zc_tls_handshake_step(SSL *ssl);
enum zc_tls_io zc_tls_read(SSL *ssl, void *buf, size_t cap, size_t *got);
enum zc_tls_io zc_tls_write(SSL *ssl, const void *buf, size_t len,
			    size_t *done);
/* Kernel TLS only: `len` bytes of file fd from `off`. */
enum zc_tls_io zc_tls_sendfile(SSL *ssl, int fd, off_t off, size_t len,
			       size_t *sent);
/* Send close_notify (once; WANT_WRITE: call again when writable). */
enum zc_tls_io zc_tls_shutdown_step(SSL *ssl);

/* Whether decrypted or raw bytes wait inside OpenSSL (poll() on the
 * socket cannot see them). */
bool zc_tls_pending(SSL *ssl);
/* Whether the kernel encrypts what this connection sends (kTLS TX). */
bool zc_tls_ktls_send(SSL *ssl);
/* Whether the kernel decrypts what this connection receives (kTLS RX). */
bool zc_tls_ktls_recv(SSL *ssl);
/* Whether the connection uses TLS 1.2 (false for NULL). */
bool zc_tls_is_v12(SSL *ssl);
/* Whether the handshake resumed an earlier session of this worker. */
bool zc_tls_resumed(SSL *ssl);
/* "TLSv1.3", cipher name: for logs. */
const char *zc_tls_version_name(SSL *ssl);
const char *zc_tls_cipher_name(SSL *ssl);
/* The reason of the last failure (OpenSSL's error queue, or errno), for
 * logs; clears the queue. */
void zc_tls_error(char *out, size_t cap);

/* Blocking-style helpers for the control connection: finish the
 * handshake / write everything, waiting with poll() at most timeout_ms.
 * 0, or -1 (errno ETIMEDOUT when the time ran out). */
int zc_tls_handshake(SSL *ssl, int fd, int timeout_ms) ZC_MUST_CHECK;
int zc_tls_write_all(SSL *ssl, int fd, const void *buf, size_t len,
		     int timeout_ms) ZC_MUST_CHECK;
/* close_notify then free, waiting at most timeout_ms to send it. */
void zc_tls_close(SSL *ssl, int fd, int timeout_ms);

/* Pure: whether an ALPN protocol list (RFC 7301 wire format) names
 * "ftp". A malformed list does not. */
bool zc_tls_alpn_has_ftp(const unsigned char *list, size_t len);

#endif
