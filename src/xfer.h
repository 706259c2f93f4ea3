/*
 * xfer.h: file and listing transfers over an established data connection.
 * The engine choice is a pure function that also says why; every engine
 * moves bounded chunks and, between chunks, waits through zc_xfer_wait(),
 * which watches the control connection (ABOR, STAT), the stall timeout
 * and the rate limit. One log line per transfer names the engine.
 */
#ifndef ZC_XFER_H
#define ZC_XFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cfg.h"
#include "defs.h"
#include "session.h"

enum zc_engine {
	ZC_ENGINE_SENDFILE,  /* sendfile(2): page cache -> socket */
	ZC_ENGINE_SPLICE,    /* splice(2): file -> pipe -> socket */
	ZC_ENGINE_MMAP,      /* mmap + write */
	ZC_ENGINE_READWRITE, /* pread + write (the copy path) */
	ZC_ENGINE_ASCII,     /* pread + LF->CRLF + write (TYPE A) */
	ZC_ENGINE_KTLS_SENDFILE, /* SSL_sendfile: the kernel encrypts */
	ZC_ENGINE_TLS_COPY,  /* pread + SSL_write (no kernel TLS) */
};

struct zc_xfer_choice {
	enum zc_engine engine;
	const char *reason;
};

const char *zc_engine_name(enum zc_engine e);

/* Pure: which engine sends a file, and why. */
struct zc_xfer_choice zc_xfer_choose_engine(bool ascii,
					    enum zc_engine_cfg configured);
/* Pure: which engine receives an upload, and why: TYPE A -> copy-ascii;
 * splice or readwrite as configured; auto -> readwrite (section 4 of
 * DESIGN.md: splice gains nothing when writeback dominates); sendfile
 * and mmap only send, so they mean readwrite here. PROT P replaces the
 * binary engines with tls-copy once the handshake is done. */
struct zc_xfer_choice zc_xfer_choose_recv_engine(bool ascii,
						 enum zc_engine_cfg configured);

enum zc_xfer_result {
	ZC_XFER_OK,
	ZC_XFER_ABORTED,    /* ABOR: 426, then 226 for the ABOR */
	ZC_XFER_NET_ERROR,  /* the data connection failed: 426 */
	ZC_XFER_TIMEOUT,    /* no progress for data_timeout: 426 */
	ZC_XFER_FILE_ERROR, /* reading/writing the file failed: 451, or the
			       reply for `err` (452 no space, 552 quota) */
	ZC_XFER_SHRANK,     /* the file shrank during the transfer: 451 */
	ZC_XFER_GONE,       /* control connection lost or shutdown: no reply */
	ZC_XFER_TLS_FAILED, /* the data connection's TLS handshake failed: 425 */
	ZC_XFER_TLS_NO_REUSE, /* it did not resume the control session: 522 */
};

/* Drop-behind state: pages this transfer pulled into the page cache are
 * dropped once sent, so a big download does not evict hot files. */
struct zc_dropbehind {
	bool on;
	int fd;          /* borrowed */
	int probe_fd;    /* owned: a second open file for residency probes, or -1 */
	off_t size;      /* the file's size at the start */
	off_t checked_to; /* residency known up to here */
	struct {
		off_t off, len;
		bool was_cached;
	} ring[5]; /* windows from DROP_LAG behind to PROBE_AHEAD ahead */
	unsigned head, count;
	uint64_t dropped;
	bool cold_seen;   /* a probed window was not cached: probe no more */
};

struct zc_xfer {
	struct zc_session *s;
	int data_fd;       /* borrowed */
	SSL *tls;          /* owned: PROT P data connection, else NULL */
	const char *tls_version; /* for the log line: "TLSv1.3", or NULL */
	int file_fd;       /* borrowed; -1 for listings */
	off_t off, end;    /* file bytes still to send: [off, end); for an
			      upload, where the next byte is written */
	uint64_t bytes;    /* bytes moved over the data connection */
	bool incoming;     /* an upload (STOR, APPE, STOU) */
	int err;           /* errno of a failed write (upload), or 0 */
	int eof_grace_ms;  /* upload: how long a plain EOF waits to see
			      whether the control connection closes too */
	enum zc_engine engine;
	const char *reason; /* why this engine (or why it fell back) */
	bool peer_reset;    /* all sent, then reset before acknowledged */
	const char *fail_text; /* 451 text for ZC_XFER_FILE_ERROR, or NULL */
	uint64_t rate;      /* bytes per second, 0: unlimited */
	long long start_ms, last_progress_ms;
	struct zc_xfer_status status;
	struct zc_dropbehind db;
	const char *cache;  /* big files: "drop-behind" or "kept-popular"
			       for the log line; NULL otherwise */
	bool noted;         /* in the popular table: noted again at the end */
	unsigned stat_threads; /* listings: threads that stat'ed entries */
	uint64_t dev, ino;  /* the file's, when noted */
};

/* Prepare a transfer on data_fd. file_fd -1 for listings. */
void zc_xfer_init(struct zc_xfer *x, struct zc_session *s, int data_fd,
		  int file_fd, off_t off, off_t end, const char *what,
		  const char *path);

/* Prepare an upload on data_fd into file_fd, writing from `off` on. */
void zc_xfer_init_upload(struct zc_xfer *x, struct zc_session *s,
			 int data_fd, int file_fd, off_t off, const char *what,
			 const char *path);

/* PROT P: run the data connection's TLS handshake (after the 150),
 * check that it resumed the control session (tls_require_reuse), and
 * for binary RETR pick ktls-sendfile or tls-copy; binary uploads get
 * tls-copy and never ask for kernel TLS (OpenSSL 3.0 offloads receiving
 * only for TLS 1.2, and a TLS 1.3 KeyUpdate would break it). ZC_XFER_OK
 * at once for a clear data connection. */
enum zc_xfer_result zc_xfer_start_tls(struct zc_xfer *x);

/* Send [off, end) of the file with the chosen engine; falls back to
 * pread/write when sendfile/splice/mmap are refused before any byte
 * went out. */
enum zc_xfer_result zc_xfer_send_file(struct zc_xfer *x);
/* Receive the upload into the file until the client ends the data
 * (EOF; over TLS its close_notify: an EOF without one is a truncation,
 * ZC_XFER_NET_ERROR). An EOF while the control connection is gone means
 * the client died: ZC_XFER_GONE, never success (a plain EOF waits up to
 * x->eof_grace_ms for that: a dying client's sockets close one after
 * the other, in either order). Splice falls back to
 * readwrite when the kernel refuses it. Write errors: ZC_XFER_FILE_ERROR
 * with x->err. */
enum zc_xfer_result zc_xfer_recv_file(struct zc_xfer *x);
/* Send a buffer completely (listings). */
enum zc_xfer_result zc_xfer_write(struct zc_xfer *x, const char *buf,
				  size_t len);

/* For engines: wait until data_fd is ready for `events`, serving the
 * control connection meanwhile. ZC_XFER_OK means ready. */
enum zc_xfer_result zc_xfer_wait(struct zc_xfer *x, short events);
/* For engines: the length of the next chunk (<= max, rate-limited). */
size_t zc_xfer_chunk(struct zc_xfer *x, size_t max);
/* For engines: n bytes went out; applies pacing and drop-behind. */
enum zc_xfer_result zc_xfer_account(struct zc_xfer *x, size_t n);
/* For engines: look at the control connection (ABOR, STAT, or a control
 * connection that closed), waiting at most wait_ms for it to become
 * readable (0: just look). */
enum zc_xfer_result zc_xfer_check_control(struct zc_xfer *x, int wait_ms);

/* Engines (xfer_*.c). Each sends [x->off, x->end). The `refused` ones
 * return ZC_XFER_FILE_ERROR with errno EINVAL/ENOSYS/EOVERFLOW and no byte
 * sent when the kernel will not do it for this fd pair. */
enum zc_xfer_result zc_xfer_engine_sendfile(struct zc_xfer *x);
enum zc_xfer_result zc_xfer_engine_splice(struct zc_xfer *x);
enum zc_xfer_result zc_xfer_engine_mmap(struct zc_xfer *x);
enum zc_xfer_result zc_xfer_engine_readwrite(struct zc_xfer *x);
enum zc_xfer_result zc_xfer_engine_ascii(struct zc_xfer *x);
enum zc_xfer_result zc_xfer_engine_ktls(struct zc_xfer *x);
/* For zc_xfer_write: the TLS half (xfer_tls.c). */
enum zc_xfer_result zc_xfer_tls_write(struct zc_xfer *x, const char *buf,
				      size_t len);

/* Pure: LF -> CRLF (a LF already preceded by CR is left alone; the CR may
 * have ended the previous chunk, `*prev_cr` carries that). `out` must hold
 * 2 * len bytes. Returns the output length. */
size_t zc_xfer_ascii_encode(const char *in, size_t len, char *out,
			    bool *prev_cr);

/* Pure: CRLF -> LF for TYPE A uploads (RFC 959: the file keeps the local
 * line end). A CR that ends a chunk is held back in `*held_cr` until the
 * next chunk shows whether a LF follows; at the end of the data a held CR
 * is written as it is. A CR not followed by LF stays. `out` must hold
 * len + 1 bytes. Returns the output length. */
size_t zc_xfer_ascii_decode(const char *in, size_t len, char *out,
			    bool *held_cr);

/* Close the data connection (gracefully: wait, bounded, until the peer
 * has the data; or at once with a reset on abort), send the final reply
 * for `r` (ok_text for success), log the transfer and write xferlog. */
void zc_xfer_finish(struct zc_xfer *x, enum zc_xfer_result r,
		    const char *ok_text);

/* Drop-behind (xfer_cache.c). */
void zc_dropbehind_init(struct zc_dropbehind *d, int fd, off_t size,
			uint64_t threshold);
/* Probe residency through probe_fd (another open file of the same file,
 * taken over): the probes then leave the transfer's readahead alone. */
void zc_dropbehind_set_probe(struct zc_dropbehind *d, int probe_fd);
void zc_dropbehind_before(struct zc_dropbehind *d, off_t off, size_t len);
void zc_dropbehind_after(struct zc_dropbehind *d, off_t sent_to);
void zc_dropbehind_finish(struct zc_dropbehind *d);

#endif
