/*
 * tls.c: OpenSSL for FTPS. See tls.h.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "log.h"
#include "tls.h"

/* How long a control session stays resumable by data connections: a
 * session, not a browser tab; it only needs to outlive the login. */
#define ZC_TLS_SESSION_TIMEOUT_S (24L * 3600)

bool
zc_tls_alpn_has_ftp(const unsigned char *list, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t n = list[i++];
		if (n == 0 || n > len - i)
			return false; /* malformed: refuse */
		if (n == 3 && memcmp(list + i, "ftp", 3) == 0)
			return true;
		i += n;
	}
	return false;
}

/* SECURITY (ALPACA, CVE-2021-3618): a client that names the application
 * protocol it wants must name ftp; an HTTPS client redirected to this
 * port fails the handshake instead of talking to an FTP server. */
static int
alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
	    const unsigned char *in, unsigned int inlen, void *arg)
{
	static const unsigned char ftp[] = "ftp";

	(void)ssl;
	(void)arg;
	if (!zc_tls_alpn_has_ftp(in, inlen)) {
		zc_log_info("TLS: client offered ALPN without \"ftp\": refused");
		return SSL_TLSEXT_ERR_ALERT_FATAL;
	}
	*out = ftp;
	*outlen = 3;
	return SSL_TLSEXT_ERR_OK;
}

void
zc_tls_error(char *out, size_t cap)
{
	unsigned long e = ERR_peek_last_error();

	if (e != 0)
		ERR_error_string_n(e, out, cap);
	else if (errno != 0)
		snprintf(out, cap, "%s", strerror(errno));
	else
		snprintf(out, cap, "connection closed");
	ERR_clear_error();
}

static SSL_CTX *
ctx_fail(SSL_CTX *ctx, char *err, size_t cap, const char *what,
	 const char *arg)
{
	char why[256];

	errno = 0;
	zc_tls_error(why, sizeof(why));
	snprintf(err, cap, "%s %s: %s", what, arg, why);
	SSL_CTX_free(ctx);
	return NULL;
}

SSL_CTX *
zc_tls_ctx_new(const struct zc_config *cfg, char *err, size_t cap)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	int min = cfg->tls_min_version == ZC_TLS_V1_3 ? TLS1_3_VERSION
						       : TLS1_2_VERSION;

	if (ctx == NULL)
		return ctx_fail(ctx, err, cap, "SSL_CTX_new", "");
	if (SSL_CTX_set_min_proto_version(ctx, min) != 1)
		return ctx_fail(ctx, err, cap, "tls_min_version", "");
	/* no renegotiation (a DoS lever and a source of confusion about
	 * which identity a connection has); the server picks the cipher */
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
					 SSL_OP_CIPHER_SERVER_PREFERENCE |
					 SSL_OP_NO_COMPRESSION);
	/* no partial writes: SSL_write_ex takes a whole 256 KiB buffer
	 * (16 records) per call, so the transfer loop's accounting and
	 * control-connection check run once per buffer, not per record */
	SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (cfg->tls_ciphers[0] != '\0' &&
	    SSL_CTX_set_cipher_list(ctx, cfg->tls_ciphers) != 1)
		return ctx_fail(ctx, err, cap, "tls_ciphers", cfg->tls_ciphers);
	if (cfg->tls_ciphersuites[0] != '\0' &&
	    SSL_CTX_set_ciphersuites(ctx, cfg->tls_ciphersuites) != 1)
		return ctx_fail(ctx, err, cap, "tls_ciphersuites",
				cfg->tls_ciphersuites);
	if (SSL_CTX_use_certificate_chain_file(ctx, cfg->tls_cert) != 1)
		return ctx_fail(ctx, err, cap, "tls_cert", cfg->tls_cert);
	if (SSL_CTX_use_PrivateKey_file(ctx, cfg->tls_key, SSL_FILETYPE_PEM) != 1)
		return ctx_fail(ctx, err, cap, "tls_key", cfg->tls_key);
	if (SSL_CTX_check_private_key(ctx) != 1)
		return ctx_fail(ctx, err, cap, "tls_key", "does not match tls_cert");
	/* data connections resume the control connection's session: from
	 * the worker's own cache (TLS 1.2 session IDs) or from tickets
	 * sealed with the worker's own keys (zc_tls_worker_init) */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
	if (SSL_CTX_set_session_id_context(ctx, (const unsigned char *)ZC_NAME,
					   sizeof(ZC_NAME) - 1) != 1)
		return ctx_fail(ctx, err, cap, "session id context", "");
	SSL_CTX_set_timeout(ctx, ZC_TLS_SESSION_TIMEOUT_S);
	SSL_CTX_set_alpn_select_cb(ctx, alpn_select, NULL);
	return ctx;
}

void
zc_tls_ctx_free(SSL_CTX *ctx)
{
	SSL_CTX_free(ctx);
}

int
zc_tls_worker_init(SSL_CTX *ctx)
{
	unsigned char keys[80]; /* name 16, HMAC 32, AES 32 */
	int rc = -1;

	if (RAND_bytes(keys, sizeof(keys)) == 1 &&
	    SSL_CTX_set_tlsext_ticket_keys(ctx, keys, sizeof(keys)) == 1)
		rc = 0;
	OPENSSL_cleanse(keys, sizeof(keys));
	SSL_CTX_flush_sessions(ctx, LONG_MAX); /* nothing inherited */
	return rc;
}

SSL *
zc_tls_new(SSL_CTX *ctx, int fd, enum zc_tls_conn conn, bool ktls)
{
	SSL *ssl = SSL_new(ctx);

	if (ssl == NULL)
		return NULL;
	if (SSL_set_fd(ssl, fd) != 1 ||
	    (conn == ZC_TLS_CONN_DATA && SSL_set_num_tickets(ssl, 0) != 1)) {
		SSL_free(ssl);
		return NULL;
	}
	SSL_set_accept_state(ssl);
#ifdef ZC_HAVE_KTLS
	if (ktls)
		SSL_set_options(ssl, SSL_OP_ENABLE_KTLS);
#else
	(void)ktls;
#endif
	return ssl;
}

void
zc_tls_free(SSL *ssl)
{
	if (ssl == NULL)
		return;
	/* Without this, OpenSSL drops the session from the cache when a
	 * connection ends without close_notify, and after one aborted
	 * transfer no later data connection of the session could resume
	 * (TLS 1.2 session IDs): mark the end as orderly. A fatal alert
	 * has already removed the session by itself. */
	SSL_set_shutdown(ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
	SSL_free(ssl);
}

/* Map the result of an SSL call (rc <= 0) to what the caller waits for. */
static enum zc_tls_io
io_result(SSL *ssl, int rc)
{
	switch (SSL_get_error(ssl, rc)) {
	case SSL_ERROR_WANT_READ:
		return ZC_TLS_WANT_READ;
	case SSL_ERROR_WANT_WRITE:
		return ZC_TLS_WANT_WRITE;
	case SSL_ERROR_ZERO_RETURN:
		return ZC_TLS_CLOSED;
	default:
		return ZC_TLS_ERROR;
	}
}

enum zc_tls_io
zc_tls_handshake_step(SSL *ssl)
{
	int rc;

	ERR_clear_error();
	errno = 0;
	rc = SSL_do_handshake(ssl);
	return rc == 1 ? ZC_TLS_DONE : io_result(ssl, rc);
}

enum zc_tls_io
zc_tls_read(SSL *ssl, void *buf, size_t cap, size_t *got)
{
	int rc;

	ERR_clear_error();
	errno = 0;
	*got = 0;
	rc = SSL_read_ex(ssl, buf, cap, got);
	return rc == 1 ? ZC_TLS_DONE : io_result(ssl, rc);
}

enum zc_tls_io
zc_tls_write(SSL *ssl, const void *buf, size_t len, size_t *done)
{
	int rc;

	ERR_clear_error();
	errno = 0;
	*done = 0;
	rc = SSL_write_ex(ssl, buf, len, done);
	return rc == 1 ? ZC_TLS_DONE : io_result(ssl, rc);
}

enum zc_tls_io
zc_tls_sendfile(SSL *ssl, int fd, off_t off, size_t len, size_t *sent)
{
	ossl_ssize_t n;

	ERR_clear_error();
	errno = 0;
	*sent = 0;
	n = SSL_sendfile(ssl, fd, off, len, 0);
	if (n > 0) {
		*sent = (size_t)n;
		return ZC_TLS_DONE;
	}
	if (n == 0)
		return ZC_TLS_DONE; /* nothing left in the file */
	return io_result(ssl, (int)n);
}

enum zc_tls_io
zc_tls_shutdown_step(SSL *ssl)
{
	int rc;

	ERR_clear_error();
	errno = 0;
	rc = SSL_shutdown(ssl);
	/* 0: our close_notify is out; we do not wait for the peer's */
	return rc >= 0 ? ZC_TLS_DONE : io_result(ssl, rc);
}

bool
zc_tls_pending(SSL *ssl)
{
	return ssl != NULL && SSL_has_pending(ssl) == 1;
}

bool
zc_tls_ktls_send(SSL *ssl)
{
#ifdef ZC_HAVE_KTLS
	return BIO_get_ktls_send(SSL_get_wbio(ssl)) == 1;
#else
	(void)ssl;
	return false;
#endif
}

bool
zc_tls_ktls_recv(SSL *ssl)
{
#ifdef ZC_HAVE_KTLS
	return BIO_get_ktls_recv(SSL_get_rbio(ssl)) == 1;
#else
	(void)ssl;
	return false;
#endif
}

bool
zc_tls_is_v12(SSL *ssl)
{
	return ssl != NULL && SSL_version(ssl) == TLS1_2_VERSION;
}

bool
zc_tls_resumed(SSL *ssl)
{
	return SSL_session_reused(ssl) == 1;
}

const char *
zc_tls_version_name(SSL *ssl)
{
	return SSL_get_version(ssl);
}

const char *
zc_tls_cipher_name(SSL *ssl)
{
	return SSL_get_cipher_name(ssl);
}

static long long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for what `io` asks, until deadline. 0, or -1 (ETIMEDOUT, or a
 * poll error). */
static int
wait_io(int fd, enum zc_tls_io io, long long deadline)
{
	struct pollfd pfd = {.fd = fd,
			     .events = io == ZC_TLS_WANT_READ ? POLLIN : POLLOUT};

	for (;;) {
		long long left = deadline - mono_ms();
		int rc;

		if (left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		rc = poll(&pfd, 1, (int)left);
		if (rc > 0)
			return 0;
		if (rc < 0 && errno != EINTR)
			return -1;
	}
}

int
zc_tls_handshake(SSL *ssl, int fd, int timeout_ms)
{
	long long deadline = mono_ms() + timeout_ms;

	for (;;) {
		enum zc_tls_io io = zc_tls_handshake_step(ssl);
		if (io == ZC_TLS_DONE)
			return 0;
		if (io != ZC_TLS_WANT_READ && io != ZC_TLS_WANT_WRITE)
			return -1;
		if (wait_io(fd, io, deadline) < 0)
			return -1;
	}
}

int
zc_tls_write_all(SSL *ssl, int fd, const void *buf, size_t len,
		 int timeout_ms)
{
	const char *p = buf;
	long long deadline = mono_ms() + timeout_ms;

	while (len > 0) {
		size_t done = 0;
		enum zc_tls_io io = zc_tls_write(ssl, p, len, &done);
		if (io == ZC_TLS_DONE) {
			p += done;
			len -= done;
			continue;
		}
		if (io != ZC_TLS_WANT_READ && io != ZC_TLS_WANT_WRITE)
			return -1;
		if (wait_io(fd, io, deadline) < 0)
			return -1;
	}
	return 0;
}

void
zc_tls_close(SSL *ssl, int fd, int timeout_ms)
{
	long long deadline = mono_ms() + timeout_ms;

	if (ssl == NULL)
		return;
	for (;;) {
		enum zc_tls_io io = zc_tls_shutdown_step(ssl);
		if (io != ZC_TLS_WANT_READ && io != ZC_TLS_WANT_WRITE)
			break;
		if (wait_io(fd, io, deadline) < 0)
			break;
	}
	SSL_free(ssl);
}
