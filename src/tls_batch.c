/*
 * tls_batch.c: a write-only BIO over a caller's buffer, put in place of
 * the socket BIO for one SSL_write. See tls_batch.h.
 *
 * The socket BIO is taken out and put back around every call, so a
 * handshake, close_notify or alert never lands in the buffer. OpenSSL
 * keeps a record it could not write in its own buffer and retries it on
 * whatever the write BIO is at the next call; the bytes gathered here
 * precede it on the wire as long as the caller flushes the batch first,
 * which the interface requires.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "tls_batch.h"

static int
batch_bio_write(BIO *bio, const char *data, int len)
{
	struct zc_tls_batch *b = BIO_get_data(bio);

	BIO_clear_retry_flags(bio);
	if (len <= 0)
		return 0;
	if ((size_t)len > b->cap - b->len) {
		/* full: OpenSSL keeps the record and retries it */
		BIO_set_retry_write(bio);
		return -1;
	}
	memcpy(b->buf + b->len, data, (size_t)len);
	b->len += (size_t)len;
	return len;
}

static long
batch_bio_ctrl(BIO *bio, int cmd, long num, void *ptr)
{
	struct zc_tls_batch *b = BIO_get_data(bio);

	(void)num;
	(void)ptr;
	switch (cmd) {
	case BIO_CTRL_FLUSH:
		return 1; /* the caller writes the batch out itself */
	case BIO_CTRL_WPENDING:
		return (long)(b->len - b->sent);
	default:
		return 0;
	}
}

static int
batch_bio_create(BIO *bio)
{
	BIO_set_init(bio, 1);
	return 1;
}

/* Built once per process; OpenSSL frees it at exit. */
static BIO_METHOD *
batch_method(void)
{
	static BIO_METHOD *meth;

	if (meth != NULL)
		return meth;
	meth = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
			    "zcftpd TLS record batch");
	if (meth == NULL)
		return NULL;
	if (BIO_meth_set_write(meth, batch_bio_write) != 1 ||
	    BIO_meth_set_ctrl(meth, batch_bio_ctrl) != 1 ||
	    BIO_meth_set_create(meth, batch_bio_create) != 1) {
		BIO_meth_free(meth);
		meth = NULL;
	}
	return meth;
}

enum zc_tls_io
zc_tls_batch_write(SSL *ssl, struct zc_tls_batch *b, const void *data,
		   size_t len, size_t *done)
{
	BIO_METHOD *meth = batch_method();
	BIO *sock = SSL_get_wbio(ssl);
	BIO *mem;
	enum zc_tls_io io;

	*done = 0;
	if (b->sent == b->len)
		b->sent = b->len = 0;
	if (b->len != 0) {
		errno = EINVAL; /* not flushed: the caller's bug */
		return ZC_TLS_ERROR;
	}
	if (meth == NULL || sock == NULL || (mem = BIO_new(meth)) == NULL)
		return ZC_TLS_ERROR;
	BIO_set_data(mem, b);
	/* SSL_set0_wbio takes a reference and drops the old one: hold the
	 * socket BIO across the swap */
	if (BIO_up_ref(sock) != 1) {
		BIO_free(mem);
		return ZC_TLS_ERROR;
	}
	SSL_set0_wbio(ssl, mem);
	io = zc_tls_write(ssl, data,
			  len < ZC_TLS_BATCH_PLAIN ? len : ZC_TLS_BATCH_PLAIN,
			  done);
	SSL_set0_wbio(ssl, sock); /* frees mem */
	return io;
}

int
zc_tls_batch_flush(struct zc_tls_batch *b, int fd)
{
	while (b->sent < b->len) {
		ssize_t n = send(fd, b->buf + b->sent, b->len - b->sent,
				 MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		b->sent += (size_t)n;
	}
	b->sent = b->len = 0;
	return 0;
}
