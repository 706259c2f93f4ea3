/* Unit tests for tls.c: the server context (certificate, key, cipher and
 * version settings and their errors), handshakes against an OpenSSL
 * client over a socketpair, session resumption limited to one worker's
 * ticket keys, the ALPN rule, the control reader through TLS, record
 * batching (tls_batch.c), and the pure ALPN list parser. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "cfg.h"
#include "ctrl_io.h"
#include "tls.h"
#include "tls_batch.h"

static char dir[64];
static char cert_path[128], key_path[128], other_key_path[128];
static struct zc_config cfg;

static EVP_PKEY *
write_key(const char *path)
{
	EVP_PKEY *pkey = EVP_EC_gen("P-256");
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(pkey);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL), 1);
	fclose(f);
	return pkey;
}

static void
make_cert(void)
{
	EVP_PKEY *pkey;
	X509 *x = X509_new();
	X509_NAME *name;
	FILE *f;

	snprintf(dir, sizeof(dir), "/tmp/zc_tls_XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(cert_path, sizeof(cert_path), "%s/cert.pem", dir);
	snprintf(key_path, sizeof(key_path), "%s/key.pem", dir);
	snprintf(other_key_path, sizeof(other_key_path), "%s/other.pem", dir);
	pkey = write_key(key_path);
	EVP_PKEY_free(write_key(other_key_path));
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, pkey);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
				   (const unsigned char *)"localhost", -1, -1, 0);
	X509_set_issuer_name(x, name);
	ck_assert_int_gt(X509_sign(x, pkey, EVP_sha256()), 0);
	f = fopen(cert_path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(PEM_write_X509(f, x), 1);
	fclose(f);
	X509_free(x);
	EVP_PKEY_free(pkey);
}

static void
setup(void)
{
	make_cert();
	zc_cfg_defaults(&cfg);
	snprintf(cfg.tls_cert, sizeof(cfg.tls_cert), "%s", cert_path);
	snprintf(cfg.tls_key, sizeof(cfg.tls_key), "%s", key_path);
}

static void
teardown(void)
{
	unlink(cert_path);
	unlink(key_path);
	unlink(other_key_path);
	rmdir(dir);
}

/* ---- a client and a non-blocking socketpair ---- */

struct pair {
	int sfd, cfd;
	SSL *server, *client;
	SSL_CTX *sctx, *cctx;
};

static SSL_CTX *
client_ctx(int max_version)
{
	SSL_CTX *c = SSL_CTX_new(TLS_client_method());

	ck_assert_ptr_nonnull(c);
	SSL_CTX_set_verify(c, SSL_VERIFY_NONE, NULL);
	if (max_version != 0)
		SSL_CTX_set_max_proto_version(c, max_version);
	return c;
}

static void
pair_open_as(struct pair *p, SSL_CTX *sctx, SSL_CTX *cctx,
	     enum zc_tls_conn conn)
{
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	p->sfd = sv[0];
	p->cfd = sv[1];
	p->sctx = sctx;
	p->cctx = cctx;
	p->server = zc_tls_new(sctx, p->sfd, conn, false);
	ck_assert_ptr_nonnull(p->server);
	p->client = SSL_new(cctx);
	ck_assert_ptr_nonnull(p->client);
	SSL_set_fd(p->client, p->cfd);
	SSL_set_connect_state(p->client);
}

static void
pair_open(struct pair *p, SSL_CTX *sctx, SSL_CTX *cctx)
{
	pair_open_as(p, sctx, cctx, ZC_TLS_CONN_CONTROL);
}

static void
pair_close(struct pair *p)
{
	zc_tls_free(p->server);
	/* as real clients end a connection: its session stays resumable */
	SSL_set_shutdown(p->client, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
	SSL_free(p->client);
	close(p->sfd);
	close(p->cfd);
}

static bool pair_handshake(struct pair *p);

/* A server context from cfg and a client up to max_version (0: any),
 * connected through a completed handshake; pair_disconnect() frees it
 * all. */
static void
pair_connect(struct pair *p, int max_version)
{
	char err[256];
	SSL_CTX *sctx = zc_tls_ctx_new(&cfg, err, sizeof(err));

	ck_assert_msg(sctx != NULL, "%s", err);
	pair_open(p, sctx, client_ctx(max_version));
	ck_assert(pair_handshake(p));
}

static void
pair_disconnect(struct pair *p)
{
	SSL_CTX *sctx = p->sctx, *cctx = p->cctx;

	pair_close(p);
	SSL_CTX_free(cctx);
	zc_tls_ctx_free(sctx);
}

/* Drive both handshakes; true when both completed. */
static bool
pair_handshake(struct pair *p)
{
	bool sdone = false, cdone = false;

	for (int i = 0; i < 200 && !(sdone && cdone); i++) {
		if (!sdone) {
			enum zc_tls_io io = zc_tls_handshake_step(p->server);
			if (io == ZC_TLS_DONE)
				sdone = true;
			else if (io != ZC_TLS_WANT_READ && io != ZC_TLS_WANT_WRITE)
				return false;
		}
		if (!cdone) {
			int rc = SSL_do_handshake(p->client);
			int e = SSL_get_error(p->client, rc);
			if (rc == 1)
				cdone = true;
			else if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
				return false;
		}
	}
	return sdone && cdone;
}

/* Server writes, client reads (which also takes TLS 1.3 tickets). */
static void
pair_exchange(struct pair *p)
{
	char buf[16];
	size_t done = 0;
	int n = -1;

	ck_assert_int_eq(zc_tls_write(p->server, "hi", 2, &done), ZC_TLS_DONE);
	ck_assert_uint_eq(done, 2);
	for (int i = 0; i < 100 && n <= 0; i++)
		n = SSL_read(p->client, buf, sizeof(buf));
	ck_assert_int_eq(n, 2);
}

/* A session the client got from a first connection to sctx. */
static SSL_SESSION *
first_session(SSL_CTX *sctx, SSL_CTX *cctx)
{
	struct pair p;
	SSL_SESSION *sess;

	pair_open(&p, sctx, cctx);
	ck_assert(pair_handshake(&p));
	ck_assert(!zc_tls_resumed(p.server));
	pair_exchange(&p);
	sess = SSL_get1_session(p.client);
	ck_assert_ptr_nonnull(sess);
	pair_close(&p);
	return sess;
}

static bool
resumes(SSL_CTX *sctx, SSL_CTX *cctx, SSL_SESSION *sess)
{
	struct pair p;
	bool r;

	pair_open(&p, sctx, cctx);
	SSL_set_session(p.client, sess);
	ck_assert(pair_handshake(&p));
	r = zc_tls_resumed(p.server);
	pair_close(&p);
	return r;
}

/* ---- context ---- */

START_TEST(ctx_loads_cert_and_key)
{
	char err[256] = "";
	SSL_CTX *ctx = zc_tls_ctx_new(&cfg, err, sizeof(err));

	ck_assert_msg(ctx != NULL, "%s", err);
	zc_tls_ctx_free(ctx);
}
END_TEST

START_TEST(ctx_missing_cert_names_the_path)
{
	char err[256] = "";

	snprintf(cfg.tls_cert, sizeof(cfg.tls_cert), "%s/nope.pem", dir);
	ck_assert_ptr_null(zc_tls_ctx_new(&cfg, err, sizeof(err)));
	ck_assert_msg(strstr(err, "tls_cert") && strstr(err, "nope.pem"), "%s", err);
}
END_TEST

START_TEST(ctx_mismatched_key_refused)
{
	char err[256] = "";

	snprintf(cfg.tls_key, sizeof(cfg.tls_key), "%s", other_key_path);
	ck_assert_ptr_null(zc_tls_ctx_new(&cfg, err, sizeof(err)));
	ck_assert_msg(strstr(err, "tls_key") && strstr(err, "mismatch"), "%s",
		      err);
}
END_TEST

START_TEST(ctx_bad_cipher_strings_refused)
{
	char err[256] = "";

	snprintf(cfg.tls_ciphers, sizeof(cfg.tls_ciphers), "NO-SUCH-CIPHER");
	ck_assert_ptr_null(zc_tls_ctx_new(&cfg, err, sizeof(err)));
	ck_assert_msg(strstr(err, "tls_ciphers"), "%s", err);
	cfg.tls_ciphers[0] = '\0';
	snprintf(cfg.tls_ciphersuites, sizeof(cfg.tls_ciphersuites), "TLS_NOPE");
	ck_assert_ptr_null(zc_tls_ctx_new(&cfg, err, sizeof(err)));
	ck_assert_msg(strstr(err, "tls_ciphersuites"), "%s", err);
}
END_TEST

/* ---- handshakes ---- */

START_TEST(handshake_and_data_both_ways)
{
	char err[256];
	SSL_CTX *sctx = zc_tls_ctx_new(&cfg, err, sizeof(err));
	SSL_CTX *cctx = client_ctx(0);
	struct pair p;
	char buf[16];
	size_t got = 0;
	enum zc_tls_io io = ZC_TLS_WANT_READ;

	ck_assert_int_eq(zc_tls_worker_init(sctx), 0);
	pair_open(&p, sctx, cctx);
	ck_assert(pair_handshake(&p));
	ck_assert_str_eq(zc_tls_version_name(p.server), "TLSv1.3");
	ck_assert(!zc_tls_ktls_send(p.server)); /* not asked for */
	pair_exchange(&p);
	ck_assert_int_eq(SSL_write(p.client, "NOOP\r\n", 6), 6);
	for (int i = 0; i < 100 && io == ZC_TLS_WANT_READ; i++)
		io = zc_tls_read(p.server, buf, sizeof(buf), &got);
	ck_assert_int_eq(io, ZC_TLS_DONE);
	ck_assert_uint_eq(got, 6);
	ck_assert(memcmp(buf, "NOOP\r\n", 6) == 0);
	/* close_notify from the client reads as CLOSED */
	SSL_shutdown(p.client);
	io = ZC_TLS_WANT_READ;
	for (int i = 0; i < 100 && io == ZC_TLS_WANT_READ; i++)
		io = zc_tls_read(p.server, buf, sizeof(buf), &got);
	ck_assert_int_eq(io, ZC_TLS_CLOSED);
	pair_close(&p);
	SSL_CTX_free(cctx);
	zc_tls_ctx_free(sctx);
}
END_TEST

START_TEST(min_version_1_3_refuses_a_1_2_client)
{
	char err[256];
	SSL_CTX *sctx, *cctx = client_ctx(TLS1_2_VERSION);
	struct pair p;

	cfg.tls_min_version = ZC_TLS_V1_3;
	sctx = zc_tls_ctx_new(&cfg, err, sizeof(err));
	ck_assert_ptr_nonnull(sctx);
	pair_open(&p, sctx, cctx);
	ck_assert(!pair_handshake(&p));
	pair_close(&p);
	SSL_CTX_free(cctx);
	zc_tls_ctx_free(sctx);
}
END_TEST

START_TEST(default_min_version_accepts_1_2)
{
	struct pair p;

	pair_connect(&p, TLS1_2_VERSION);
	ck_assert_str_eq(zc_tls_version_name(p.server), "TLSv1.2");
	pair_disconnect(&p);
}
END_TEST

/* The data connection resumes the control connection's session, with
 * TLS 1.3 tickets and TLS 1.2 tickets alike. */
static void
check_resumption(int max_version)
{
	char err[256];
	SSL_CTX *sctx = zc_tls_ctx_new(&cfg, err, sizeof(err));
	SSL_CTX *cctx = client_ctx(max_version);
	SSL_SESSION *sess;

	ck_assert_int_eq(zc_tls_worker_init(sctx), 0);
	sess = first_session(sctx, cctx);
	ck_assert(resumes(sctx, cctx, sess));
	ck_assert(resumes(sctx, cctx, sess)); /* every data connection */
	/* another worker (new ticket keys, empty cache) cannot be entered
	 * with this session */
	ck_assert_int_eq(zc_tls_worker_init(sctx), 0);
	ck_assert(!resumes(sctx, cctx, sess));
	SSL_SESSION_free(sess);
	SSL_CTX_free(cctx);
	zc_tls_ctx_free(sctx);
}

/* Bytes the server sent that the client has not read (0 when none). */
static ssize_t
unread_by_client(const struct pair *p)
{
	char buf[4096];
	ssize_t n = recv(p->cfd, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT);

	if (n < 0)
		ck_assert_msg(errno == EAGAIN || errno == EWOULDBLOCK, "recv: %s",
			      strerror(errno));
	return n < 0 ? 0 : n;
}

/* TLS 1.3 sends session tickets after the handshake. A control
 * connection gets them; a data connection gets none (an uploading
 * client never reads them, and closing a socket with unread bytes sends
 * a reset that can throw away the end of its upload), and still resumes
 * the control connection's session, as often as there are transfers. */
START_TEST(data_connections_get_no_session_tickets)
{
	char err[256];
	SSL_CTX *sctx = zc_tls_ctx_new(&cfg, err, sizeof(err));
	SSL_CTX *cctx = client_ctx(0);
	SSL_SESSION *sess;
	struct pair p;

	ck_assert_msg(sctx != NULL, "%s", err);
	ck_assert_int_eq(zc_tls_worker_init(sctx), 0);
	pair_open(&p, sctx, cctx);
	ck_assert(pair_handshake(&p));
	ck_assert_int_gt(unread_by_client(&p), 0); /* the tickets */
	pair_exchange(&p);
	sess = SSL_get1_session(p.client);
	ck_assert_ptr_nonnull(sess);
	pair_close(&p);
	for (int i = 0; i < 3; i++) {
		pair_open_as(&p, sctx, cctx, ZC_TLS_CONN_DATA);
		SSL_set_session(p.client, sess);
		ck_assert(pair_handshake(&p));
		ck_assert(zc_tls_resumed(p.server));
		ck_assert_int_eq(unread_by_client(&p), 0);
		pair_close(&p);
	}
	SSL_SESSION_free(sess);
	SSL_CTX_free(cctx);
	zc_tls_ctx_free(sctx);
}
END_TEST

START_TEST(resumption_tls13_limited_to_one_worker)
{
	check_resumption(0);
}
END_TEST

START_TEST(resumption_tls12_limited_to_one_worker)
{
	check_resumption(TLS1_2_VERSION);
}
END_TEST

START_TEST(resumption_tls12_session_ids_limited_to_one_worker)
{
	char err[256];
	SSL_CTX *sctx = zc_tls_ctx_new(&cfg, err, sizeof(err));
	SSL_CTX *cctx = client_ctx(TLS1_2_VERSION);
	SSL_SESSION *sess;

	/* a client without ticket support: the server's session cache */
	SSL_CTX_set_options(cctx, SSL_OP_NO_TICKET);
	ck_assert_int_eq(zc_tls_worker_init(sctx), 0);
	sess = first_session(sctx, cctx);
	ck_assert(resumes(sctx, cctx, sess));
	ck_assert_int_eq(zc_tls_worker_init(sctx), 0);
	ck_assert(!resumes(sctx, cctx, sess));
	SSL_SESSION_free(sess);
	SSL_CTX_free(cctx);
	zc_tls_ctx_free(sctx);
}
END_TEST

/* ---- ALPN (ALPACA) ---- */

static bool
handshake_with_alpn(const unsigned char *protos, unsigned len)
{
	char err[256];
	SSL_CTX *sctx = zc_tls_ctx_new(&cfg, err, sizeof(err));
	SSL_CTX *cctx = client_ctx(0);
	struct pair p;
	bool ok;

	pair_open(&p, sctx, cctx);
	ck_assert_int_eq(SSL_set_alpn_protos(p.client, protos, len), 0);
	ok = pair_handshake(&p);
	if (ok) {
		const unsigned char *sel = NULL;
		unsigned sel_len = 0;
		SSL_get0_alpn_selected(p.client, &sel, &sel_len);
		ck_assert_uint_eq(sel_len, 3);
		ck_assert(memcmp(sel, "ftp", 3) == 0);
	}
	pair_close(&p);
	SSL_CTX_free(cctx);
	zc_tls_ctx_free(sctx);
	return ok;
}

START_TEST(alpn_without_ftp_fails_the_handshake)
{
	static const unsigned char http[] = "\x08http/1.1";
	static const unsigned char both[] = "\x02h2\x03" "ftp";
	static const unsigned char ftp[] = "\x03" "ftp";

	ck_assert(!handshake_with_alpn(http, sizeof(http) - 1));
	ck_assert(handshake_with_alpn(both, sizeof(both) - 1));
	ck_assert(handshake_with_alpn(ftp, sizeof(ftp) - 1));
}
END_TEST

START_TEST(alpn_list_parser)
{
	ck_assert(zc_tls_alpn_has_ftp((const unsigned char *)"\x03" "ftp", 4));
	ck_assert(zc_tls_alpn_has_ftp((const unsigned char *)"\x02h2\x03" "ftp", 7));
	ck_assert(!zc_tls_alpn_has_ftp((const unsigned char *)"\x04" "ftps", 5));
	ck_assert(!zc_tls_alpn_has_ftp((const unsigned char *)"\x08http/1.1", 9));
	/* malformed: a length past the end, a zero length */
	ck_assert(!zc_tls_alpn_has_ftp((const unsigned char *)"\x09" "ftp", 4));
	ck_assert(!zc_tls_alpn_has_ftp((const unsigned char *)"\x00\x03" "ftp", 5));
	ck_assert(!zc_tls_alpn_has_ftp((const unsigned char *)"", 0));
}
END_TEST

/* ---- the control reader through TLS ---- */

START_TEST(ctrl_reads_lines_through_tls)
{
	char err[256];
	SSL_CTX *sctx = zc_tls_ctx_new(&cfg, err, sizeof(err));
	SSL_CTX *cctx = client_ctx(0);
	struct pair p;
	struct zc_ctrl *c = malloc(sizeof(*c));
	char line[ZC_CTRL_LINE_MAX + 2];
	size_t len = 0;
	ssize_t n = -1;

	ck_assert_ptr_nonnull(c);
	pair_open(&p, sctx, cctx);
	ck_assert(pair_handshake(&p));
	zc_ctrl_init(c, p.sfd);
	zc_ctrl_set_tls(c, p.server);
	errno = 0;
	ck_assert_int_eq(zc_ctrl_fill(c), -1);
	ck_assert_int_eq(errno, EAGAIN);
	ck_assert_int_eq(SSL_write(p.client, "USER a\r\nPASS b\r\n", 16), 16);
	for (int i = 0; i < 100 && n <= 0; i++)
		n = zc_ctrl_fill(c);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(zc_ctrl_next_line(c, line, sizeof(line), &len), ZC_CTRL_LINE);
	ck_assert_str_eq(line, "USER a");
	ck_assert_int_eq(zc_ctrl_next_line(c, line, sizeof(line), &len), ZC_CTRL_LINE);
	ck_assert_str_eq(line, "PASS b");
	ck_assert(!zc_ctrl_tls_pending(c));
	/* a peer that closes with close_notify: end of stream */
	SSL_shutdown(p.client);
	n = -1;
	for (int i = 0; i < 100 && n < 0; i++)
		n = zc_ctrl_fill(c);
	ck_assert_int_eq(n, 0);
	ck_assert(zc_ctrl_at_eof(c));
	free(c);
	pair_close(&p);
	SSL_CTX_free(cctx);
	zc_tls_ctx_free(sctx);
}
END_TEST

START_TEST(ctrl_garbage_is_a_tls_error)
{
	char err[256];
	SSL_CTX *sctx = zc_tls_ctx_new(&cfg, err, sizeof(err));
	struct pair p;
	enum zc_tls_io io = ZC_TLS_WANT_READ;
	SSL_CTX *cctx = client_ctx(0);

	pair_open(&p, sctx, cctx);
	/* plaintext where a ClientHello should be */
	ck_assert_int_eq(write(p.cfd, "USER evil\r\nPASS x\r\n", 19), 19);
	for (int i = 0; i < 10 && io == ZC_TLS_WANT_READ; i++)
		io = zc_tls_handshake_step(p.server);
	ck_assert_int_eq(io, ZC_TLS_ERROR);
	zc_tls_error(err, sizeof(err));
	ck_assert_msg(strlen(err) > 0, "no reason given");
	pair_close(&p);
	SSL_CTX_free(cctx);
	zc_tls_ctx_free(sctx);
}
END_TEST

/* ---- record batching ---- */

/* Read whatever the client can decrypt now into out (at most cap); the
 * number of bytes appended. */
static size_t
client_drain(struct pair *p, unsigned char *out, size_t cap)
{
	size_t got = 0;

	while (got < cap) {
		int n = SSL_read(p->client, out + got, (int)(cap - got));
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return got;
}

/* Send b's records, letting the client read while the socketpair is
 * full. */
static size_t
flush_to_client(struct pair *p, struct zc_tls_batch *b, unsigned char *out,
		size_t cap)
{
	size_t got = 0;

	for (int i = 0; i < 10000; i++) {
		int rc = zc_tls_batch_flush(b, p->sfd);
		got += client_drain(p, out + got, cap - got);
		if (rc == 0)
			return got;
		ck_assert_int_eq(errno, EAGAIN);
	}
	ck_abort_msg("batch never flushed");
	return got;
}

static unsigned char *
pattern(size_t n)
{
	unsigned char *d = malloc(n);

	ck_assert_ptr_nonnull(d);
	for (size_t i = 0; i < n; i++)
		d[i] = (unsigned char)(i * 7 + i / 251);
	return d;
}

START_TEST(batch_gathers_one_write_into_one_buffer)
{
	struct pair p;
	size_t n = ZC_TLS_BATCH_PLAIN + 1000, done = 0, got = 0;
	unsigned char *data = pattern(n), *out = malloc(n), *buf = malloc(ZC_TLS_BATCH_CAP);
	struct zc_tls_batch b = {.buf = buf, .cap = ZC_TLS_BATCH_CAP};
	size_t records = ZC_TLS_BATCH_PLAIN / 16384;

	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_nonnull(buf);
	pair_connect(&p, 0);
	pair_exchange(&p);
	/* one call takes at most ZC_TLS_BATCH_PLAIN bytes, all into b */
	ck_assert_int_eq(zc_tls_batch_write(p.server, &b, data, n, &done), ZC_TLS_DONE);
	ck_assert_uint_eq(done, ZC_TLS_BATCH_PLAIN);
	/* 16 full records, each with TLS 1.3 AEAD overhead (5 + 1 + 16) */
	ck_assert_uint_eq(b.len, ZC_TLS_BATCH_PLAIN + records * 22);
	/* nothing reached the socket yet */
	ck_assert_uint_eq(client_drain(&p, out, n), 0);
	/* not flushed: a second call is refused, not reordered */
	ck_assert_int_eq(zc_tls_batch_write(p.server, &b, data, 10, &done), ZC_TLS_ERROR);
	got = flush_to_client(&p, &b, out, n);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_int_eq(zc_tls_batch_write(p.server, &b, data + ZC_TLS_BATCH_PLAIN,
					    n - ZC_TLS_BATCH_PLAIN, &done), ZC_TLS_DONE);
	ck_assert_uint_eq(done, n - ZC_TLS_BATCH_PLAIN);
	got += flush_to_client(&p, &b, out + got, n - got);
	ck_assert_uint_eq(got, n);
	ck_assert(memcmp(out, data, n) == 0);
	/* the socket BIO is back: close_notify goes to the client */
	ck_assert_int_eq(zc_tls_shutdown_step(p.server), ZC_TLS_DONE);
	ck_assert_int_le(SSL_read(p.client, out, 1), 0);
	ck_assert_int_eq(SSL_get_error(p.client, 0), SSL_ERROR_ZERO_RETURN);
	pair_disconnect(&p);
	free(data);
	free(out);
	free(buf);
}
END_TEST

START_TEST(batch_full_asks_for_a_flush_and_keeps_order)
{
	struct pair p;
	size_t n = 100000, off = 0, got = 0;
	unsigned char *data = pattern(n), *out = malloc(n), *buf = malloc(20000);
	/* room for one record, not two */
	struct zc_tls_batch b = {.buf = buf, .cap = 20000};
	int want_writes = 0;

	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_nonnull(buf);
	pair_connect(&p, TLS1_2_VERSION);
	ck_assert_str_eq(zc_tls_version_name(p.server), "TLSv1.2");
	for (int i = 0; i < 1000 && off < n; i++) {
		size_t done = 0;
		enum zc_tls_io io = zc_tls_batch_write(p.server, &b, data + off,
						       n - off, &done);
		ck_assert(io == ZC_TLS_DONE || io == ZC_TLS_WANT_WRITE);
		want_writes += io == ZC_TLS_WANT_WRITE;
		off += done;
		got += flush_to_client(&p, &b, out + got, n - got);
	}
	ck_assert_uint_eq(off, n);
	ck_assert_int_gt(want_writes, 0);
	got += client_drain(&p, out + got, n - got);
	ck_assert_uint_eq(got, n);
	ck_assert(memcmp(out, data, n) == 0);
	pair_disconnect(&p);
	free(data);
	free(out);
	free(buf);
}
END_TEST

static Suite *
tls_suite(void)
{
	Suite *s = suite_create("tls");
	TCase *tc = tcase_create("ctx");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, ctx_loads_cert_and_key);
	tcase_add_test(tc, ctx_missing_cert_names_the_path);
	tcase_add_test(tc, ctx_mismatched_key_refused);
	tcase_add_test(tc, ctx_bad_cipher_strings_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("handshake");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, handshake_and_data_both_ways);
	tcase_add_test(tc, min_version_1_3_refuses_a_1_2_client);
	tcase_add_test(tc, default_min_version_accepts_1_2);
	tcase_add_test(tc, resumption_tls13_limited_to_one_worker);
	tcase_add_test(tc, data_connections_get_no_session_tickets);
	tcase_add_test(tc, resumption_tls12_limited_to_one_worker);
	tcase_add_test(tc, resumption_tls12_session_ids_limited_to_one_worker);
	tcase_add_test(tc, alpn_without_ftp_fails_the_handshake);
	tcase_add_test(tc, ctrl_reads_lines_through_tls);
	tcase_add_test(tc, ctrl_garbage_is_a_tls_error);
	suite_add_tcase(s, tc);

	tc = tcase_create("batch");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, batch_gathers_one_write_into_one_buffer);
	tcase_add_test(tc, batch_full_asks_for_a_flush_and_keeps_order);
	suite_add_tcase(s, tc);

	tc = tcase_create("alpn");
	tcase_add_test(tc, alpn_list_parser);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(tls_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
