/*
 * tls_batch.h: one SSL_write's records gathered in memory, so that they
 * reach the socket in one write(2) instead of one per 16 KiB record.
 * On the copy path of a PROT P download (no kernel TLS) that cuts the
 * send calls sixteenfold and lets TCP build 64 KiB segments rather than
 * one per record: less CPU on both ends of the connection.
 */
#ifndef ZC_TLS_BATCH_H
#define ZC_TLS_BATCH_H

#include <stddef.h>

#include "tls.h"

/* Plaintext per batch: one buffer of the copy engine. */
#define ZC_TLS_BATCH_PLAIN ((size_t)256 * 1024)
/* Room for the records of that much plaintext: 16 records, each with at
 * most a few hundred bytes of header, IV, MAC and padding (CBC). */
#define ZC_TLS_BATCH_CAP (ZC_TLS_BATCH_PLAIN + 16 * 1024)

struct zc_tls_batch {
	unsigned char *buf; /* borrowed, `cap` bytes */
	size_t cap;
	size_t len;  /* record bytes gathered */
	size_t sent; /* of those, already written to the socket */
};

/* SSL_write_ex of up to `len` bytes (at most ZC_TLS_BATCH_PLAIN are
 * taken) with the records going into b instead of the socket; b must be
 * empty (sent == len). *done: plaintext bytes taken. The caller writes
 * b out (zc_tls_batch_flush) before the next call. ZC_TLS_WANT_WRITE
 * means b filled up: flush it and call again with the same data. */
enum zc_tls_io zc_tls_batch_write(SSL *ssl, struct zc_tls_batch *b,
				  const void *data, size_t len, size_t *done);

/* Write what b holds to fd (non-blocking). 0 when b is empty, -1 with
 * errno (EAGAIN: wait for POLLOUT and call again). */
int zc_tls_batch_flush(struct zc_tls_batch *b, int fd);

#endif
