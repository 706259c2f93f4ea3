/*
 * Unit tests for uploads on the transfer side (xfer_recv.c, the upload
 * engine choice in xfer.c): the pure CRLF -> LF conversion (also split at
 * every position), and the engines on real fds: a session on a loopback
 * control connection, a loopback data connection fed by a child, real
 * files. Covers exact bytes at an offset (readwrite, splice), TYPE A, a
 * full disk (/dev/full), ABOR, STAT, and a client that died (EOF on the
 * data connection with the control connection gone).
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cfg.h"
#include "session.h"
#include "xfer.h"
#include "xfer_rig.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- CRLF -> LF ------------------------------------------------------------ */

/* Decode `in` in pieces of `step` bytes (0: whole), as the engine does,
 * flushing a held CR at the end; returns a malloc'ed result. */
static char *
decode_split(const char *in, size_t len, size_t step, size_t *out_len)
{
	char *out = malloc(len + 2);
	size_t o = 0;
	bool held = false;

	ck_assert_ptr_nonnull(out);
	if (step == 0)
		step = len > 0 ? len : 1;
	for (size_t i = 0; i < len; i += step) {
		size_t n = len - i < step ? len - i : step;
		char *piece = malloc(n + 1); /* one piece's output: <= n+1 */
		size_t k;

		ck_assert_ptr_nonnull(piece);
		k = zc_xfer_ascii_decode(in + i, n, piece, &held);
		ck_assert_uint_le(k, n + 1);
		memcpy(out + o, piece, k);
		o += k;
		free(piece);
	}
	if (held)
		out[o++] = '\r';
	*out_len = o;
	return out;
}

static void
decodes_to(const char *in, const char *want)
{
	size_t len = strlen(in), wlen = strlen(want);

	/* whole, and split at every possible point and piece size */
	for (size_t step = 0; step <= len; step++) {
		size_t got;
		char *out = decode_split(in, len, step, &got);

		ck_assert_msg(got == wlen && memcmp(out, want, wlen) == 0,
			      "decode(\"%s\") step %zu: got %zu bytes \"%.*s\"",
			      in, step, got, (int)got, out);
		free(out);
	}
}

START_TEST(crlf_becomes_lf)
{
	decodes_to("", "");
	decodes_to("abc", "abc");
	decodes_to("one\r\ntwo\r\n", "one\ntwo\n");
	decodes_to("\r\n\r\n\r\n", "\n\n\n");
	decodes_to("already\nunix\n", "already\nunix\n");
}
END_TEST

START_TEST(lone_cr_stays)
{
	decodes_to("a\rb", "a\rb");
	decodes_to("end\r", "end\r");
	decodes_to("\r", "\r");
	decodes_to("\r\r\n", "\r\n");
	decodes_to("\r\r\r\n\r", "\r\r\n\r");
	decodes_to("\n\r", "\n\r");
}
END_TEST

START_TEST(cr_at_chunk_end_is_held)
{
	char out[8];
	bool held = false;

	ck_assert_uint_eq(zc_xfer_ascii_decode("ab\r", 3, out, &held), 2);
	ck_assert(held);
	ck_assert(memcmp(out, "ab", 2) == 0);
	/* an empty piece decides nothing */
	ck_assert_uint_eq(zc_xfer_ascii_decode("", 0, out, &held), 0);
	ck_assert(held);
	/* LF next: the pair was a line end */
	ck_assert_uint_eq(zc_xfer_ascii_decode("\ncd", 3, out, &held), 3);
	ck_assert(!held);
	ck_assert(memcmp(out, "\ncd", 3) == 0);
	/* anything else next: the CR was data */
	ck_assert_uint_eq(zc_xfer_ascii_decode("x\r", 2, out, &held), 1);
	ck_assert(held);
	ck_assert_uint_eq(zc_xfer_ascii_decode("y", 1, out, &held), 2);
	ck_assert(memcmp(out, "\ry", 2) == 0);
	ck_assert(!held);
}
END_TEST

START_TEST(decode_inverts_encode_for_unix_text)
{
	/* text with LF line ends, sent as TYPE A (LF -> CRLF) and stored
	 * again (CRLF -> LF), is what it was */
	size_t len = 100000;
	char *text = malloc(len), *wire = malloc(2 * len), *back;
	bool prev_cr = false;
	size_t wlen, blen;

	srandom(7);
	for (size_t i = 0; i < len; i++) {
		long r = random() % 10;
		text[i] = r == 0 ? '\n' : (char)('a' + r);
	}
	wlen = zc_xfer_ascii_encode(text, len, wire, &prev_cr);
	for (size_t step = 1; step < 5000; step = step * 3 + 1) {
		back = decode_split(wire, wlen, step, &blen);
		ck_assert_uint_eq(blen, len);
		ck_assert(memcmp(back, text, len) == 0);
		free(back);
	}
	free(text);
	free(wire);
}
END_TEST

/* ---- engine choice ----------------------------------------------------------- */

START_TEST(upload_engine_choice)
{
	static const struct {
		bool ascii;
		enum zc_engine_cfg cfg;
		enum zc_engine want;
		const char *reason;
	} cases[] = {
		{false, ZC_ENGINE_CFG_AUTO, ZC_ENGINE_READWRITE, "default"},
		{false, ZC_ENGINE_CFG_READWRITE, ZC_ENGINE_READWRITE,
		 "transfer_engine"},
		{false, ZC_ENGINE_CFG_SPLICE, ZC_ENGINE_SPLICE, "transfer_engine"},
		{false, ZC_ENGINE_CFG_SENDFILE, ZC_ENGINE_READWRITE,
		 "send-only-engine"},
		{false, ZC_ENGINE_CFG_MMAP, ZC_ENGINE_READWRITE,
		 "send-only-engine"},
		{true, ZC_ENGINE_CFG_SPLICE, ZC_ENGINE_ASCII, "type-a"},
		{true, ZC_ENGINE_CFG_AUTO, ZC_ENGINE_ASCII, "type-a"},
	};

	for (size_t i = 0; i < N(cases); i++) {
		struct zc_xfer_choice c =
			zc_xfer_choose_recv_engine(cases[i].ascii, cases[i].cfg);
		ck_assert_int_eq(c.engine, cases[i].want);
		ck_assert_str_eq(c.reason, cases[i].reason);
	}
}
END_TEST

static char *
pattern(size_t len)
{
	char *p = malloc(len);

	ck_assert_ptr_nonnull(p);
	for (size_t i = 0; i < len; i++)
		p[i] = (char)((i * 7919u) >> 3);
	return p;
}

static int
temp_file(void)
{
	char name[] = "/tmp/zc-recv-XXXXXX";
	int fd = mkstemp(name);

	ck_assert_int_ge(fd, 0);
	unlink(name);
	return fd;
}

/* A child sends `len` bytes on the data connection, then closes it; with
 * `close_ctrl`, it closes the control connection first (a client that
 * died: the kernel closes its sockets in fd order). */
static pid_t
sender(struct rig *r, const char *data, size_t len, bool close_ctrl)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		size_t off = 0;
		if (close_ctrl)
			close(r->ctrl_cli);
		while (off < len) {
			ssize_t n = write(r->data_cli, data + off, len - off);
			if (n <= 0)
				_exit(1);
			off += (size_t)n;
		}
		close(r->data_cli);
		_exit(0);
	}
	close(r->data_cli);
	r->data_cli = -1;
	return pid;
}

static char *
read_back(int fd, size_t len)
{
	char *p = malloc(len + 1);

	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(pread(fd, p, len + 1, 0), (ssize_t)len);
	return p;
}

static const enum zc_engine recv_engines[] = {ZC_ENGINE_READWRITE,
					      ZC_ENGINE_SPLICE};

START_TEST(engine_receives_exact_bytes_at_the_offset)
{
	size_t len = 5 * 1024 * 1024 + 321;
	char *data = pattern(len), *got;
	int fd = temp_file();
	struct rig r;
	struct zc_xfer x;
	pid_t pid;

	ck_assert_int_eq(pwrite(fd, "HEAD", 4, 0), 4);
	rig_init(&r);
	pid = sender(&r, data, len, false);
	zc_xfer_init_upload(&x, &r.s, r.data_srv, fd, 4, "STOR", "/t");
	x.engine = recv_engines[_i];
	ck_assert_int_eq(zc_xfer_recv_file(&x), ZC_XFER_OK);
	ck_assert_int_eq(x.engine, recv_engines[_i]); /* no fallback */
	ck_assert_uint_eq(x.bytes, len);
	ck_assert_int_eq(x.off, (off_t)len + 4);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	got = read_back(fd, len + 4);
	ck_assert(memcmp(got, "HEAD", 4) == 0);
	ck_assert(memcmp(got + 4, data, len) == 0);
	free(got);
	free(data);
	close(fd);
	rig_fini(&r);
}
END_TEST

START_TEST(empty_upload_is_complete)
{
	int fd = temp_file();
	struct rig r;
	struct zc_xfer x;
	pid_t pid;

	rig_init(&r);
	pid = sender(&r, "", 0, false);
	zc_xfer_init_upload(&x, &r.s, r.data_srv, fd, 0, "STOR", "/t");
	x.engine = recv_engines[_i];
	ck_assert_int_eq(zc_xfer_recv_file(&x), ZC_XFER_OK);
	ck_assert_uint_eq(x.bytes, 0);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	close(fd);
	rig_fini(&r);
}
END_TEST

START_TEST(ascii_upload_converts_line_ends)
{
	static const char wire[] = "one\r\ntwo\r\n\r\nlone\rcr\r\nend\r";
	static const char want[] = "one\ntwo\n\nlone\rcr\nend\r";
	int fd = temp_file();
	struct rig r;
	struct zc_xfer x;
	char *got;
	pid_t pid;

	rig_init(&r);
	pid = sender(&r, wire, sizeof(wire) - 1, false);
	zc_xfer_init_upload(&x, &r.s, r.data_srv, fd, 0, "STOR", "/t");
	x.engine = ZC_ENGINE_ASCII;
	ck_assert_int_eq(zc_xfer_recv_file(&x), ZC_XFER_OK);
	ck_assert_uint_eq(x.bytes, sizeof(wire) - 1);
	ck_assert_int_eq(x.off, (off_t)sizeof(want) - 1);
	got = read_back(fd, sizeof(want) - 1);
	ck_assert(memcmp(got, want, sizeof(want) - 1) == 0);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	free(got);
	close(fd);
	rig_fini(&r);
}
END_TEST

START_TEST(full_disk_is_a_file_error_with_enospc)
{
	/* /dev/full: every write fails with ENOSPC */
	int fd = open("/dev/full", O_WRONLY | O_CLOEXEC);
	char *data = pattern(100000);
	struct rig r;
	struct zc_xfer x;
	pid_t pid;

	ck_assert_int_ge(fd, 0);
	rig_init(&r);
	pid = sender(&r, data, 100000, false);
	zc_xfer_init_upload(&x, &r.s, r.data_srv, fd, 0, "STOR", "/t");
	x.engine = ZC_ENGINE_READWRITE;
	ck_assert_int_eq(zc_xfer_recv_file(&x), ZC_XFER_FILE_ERROR);
	ck_assert_int_eq(x.err, ENOSPC);
	close(r.data_srv); /* the sender may be blocked: let it fail */
	r.data_srv = -1;
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	free(data);
	close(fd);
	rig_fini(&r);
}
END_TEST

START_TEST(eof_after_the_control_connection_closed_is_not_success)
{
	char *data = pattern(300000);
	int fd = temp_file();
	struct rig r;
	struct zc_xfer x;
	enum zc_xfer_result res;
	pid_t pid;

	rig_init(&r);
	/* the child holds the only other copy of ctrl_cli once we drop
	 * ours, so its close is the control connection's end */
	pid = sender(&r, data, 300000, true);
	close(r.ctrl_cli);
	r.ctrl_cli = -1;
	zc_xfer_init_upload(&x, &r.s, r.data_srv, fd, 0, "STOR", "/t");
	x.engine = recv_engines[_i];
	res = zc_xfer_recv_file(&x);
	ck_assert_int_eq(res, ZC_XFER_GONE);
	close(r.data_srv); /* unblock the sender if it still writes */
	r.data_srv = -1;
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	free(data);
	close(fd);
	rig_fini(&r);
}
END_TEST

/* A dying client's sockets close one after the other, the data
 * connection often first: the grace after a plain EOF catches the
 * control connection closing a moment later. */
START_TEST(control_closing_just_after_the_data_is_caught_by_the_grace)
{
	int fd = temp_file();
	struct rig r;
	struct zc_xfer x;
	pid_t pid = -1;

	rig_init(&r);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct timespec ts = {.tv_nsec = 5 * 1000 * 1000};
		if (write(r.data_cli, "complete?", 9) != 9)
			_exit(1);
		close(r.data_cli);
		nanosleep(&ts, NULL);
		close(r.ctrl_cli);
		_exit(0);
	}
	close(r.data_cli);
	close(r.ctrl_cli);
	r.data_cli = r.ctrl_cli = -1;
	zc_xfer_init_upload(&x, &r.s, r.data_srv, fd, 0, "STOR", "/t");
	x.engine = recv_engines[_i];
	x.eof_grace_ms = 2000;
	ck_assert_int_eq(zc_xfer_recv_file(&x), ZC_XFER_GONE);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	close(fd);
	rig_fini(&r);
}
END_TEST

START_TEST(a_live_client_ends_after_the_grace)
{
	int fd = temp_file();
	struct rig r;
	struct zc_xfer x;
	long long t0;
	pid_t pid;

	rig_init(&r);
	pid = sender(&r, "done", 4, false); /* control stays open */
	zc_xfer_init_upload(&x, &r.s, r.data_srv, fd, 0, "STOR", "/t");
	x.engine = recv_engines[_i];
	x.eof_grace_ms = 100;
	t0 = zc_now_ms();
	ck_assert_int_eq(zc_xfer_recv_file(&x), ZC_XFER_OK);
	ck_assert_int_ge(zc_now_ms() - t0, 90);
	ck_assert_int_lt(zc_now_ms() - t0, 5000);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	close(fd);
	rig_fini(&r);
}
END_TEST

START_TEST(abor_stops_a_stalled_upload_and_stat_answers)
{
	int fd = temp_file();
	struct rig r;
	struct zc_xfer x;
	char reply[512];
	ssize_t n;

	rig_init(&r);
	/* some data, then the client stalls (data_cli stays open), and
	 * STAT and ABOR wait on the control connection */
	ck_assert_int_eq(write(r.data_cli, "partial", 7), 7);
	ck_assert_int_eq(write(r.ctrl_cli, "STAT\r\nABOR\r\n", 12), 12);
	zc_xfer_init_upload(&x, &r.s, r.data_srv, fd, 0, "STOR", "/up");
	x.engine = recv_engines[_i];
	ck_assert_int_eq(zc_xfer_recv_file(&x), ZC_XFER_ABORTED);
	n = read(r.ctrl_cli, reply, sizeof(reply) - 1);
	ck_assert_int_gt(n, 0);
	reply[n] = '\0';
	ck_assert_msg(strncmp(reply, "213-", 4) == 0, "%s", reply);
	ck_assert_msg(strstr(reply, "STOR /up") != NULL, "%s", reply);
	close(fd);
	rig_fini(&r);
}
END_TEST

START_TEST(stalled_upload_times_out)
{
	int fd = temp_file();
	struct rig r;
	struct zc_xfer x;

	rig_init(&r);
	r.cfg.data_timeout = 1;
	zc_xfer_init_upload(&x, &r.s, r.data_srv, fd, 0, "STOR", "/up");
	x.engine = recv_engines[_i];
	ck_assert_int_eq(zc_xfer_recv_file(&x), ZC_XFER_TIMEOUT);
	close(fd);
	rig_fini(&r);
}
END_TEST

START_TEST(reset_data_connection_is_a_network_error)
{
	struct linger lg = {.l_onoff = 1, .l_linger = 0};
	int fd = temp_file();
	struct rig r;
	struct zc_xfer x;

	rig_init(&r);
	ck_assert_int_eq(write(r.data_cli, "abc", 3), 3);
	ck_assert_int_eq(setsockopt(r.data_cli, SOL_SOCKET, SO_LINGER, &lg,
				    sizeof(lg)),
			 0);
	close(r.data_cli); /* RST */
	r.data_cli = -1;
	zc_xfer_init_upload(&x, &r.s, r.data_srv, fd, 0, "STOR", "/up");
	x.engine = recv_engines[_i];
	ck_assert_int_eq(zc_xfer_recv_file(&x), ZC_XFER_NET_ERROR);
	close(fd);
	rig_fini(&r);
}
END_TEST

START_TEST(rate_limit_paces_uploads)
{
	size_t len = 96 * 1024;
	char *data = pattern(len);
	int fd = temp_file();
	struct rig r;
	struct zc_xfer x;
	long long t0;
	pid_t pid;

	rig_init(&r);
	pid = sender(&r, data, len, false);
	zc_xfer_init_upload(&x, &r.s, r.data_srv, fd, 0, "STOR", "/t");
	x.rate = 128 * 1024; /* 96 KiB at 128 KiB/s: at least 0.6 s */
	x.engine = recv_engines[_i];
	t0 = zc_now_ms();
	ck_assert_int_eq(zc_xfer_recv_file(&x), ZC_XFER_OK);
	ck_assert_int_ge(zc_now_ms() - t0, 600);
	ck_assert_uint_eq(x.bytes, len);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	free(data);
	close(fd);
	rig_fini(&r);
}
END_TEST

static Suite *
recv_suite(void)
{
	Suite *s = suite_create("xfer_recv");
	TCase *tc = tcase_create("ascii");
	int n = (int)N(recv_engines);

	tcase_add_test(tc, crlf_becomes_lf);
	tcase_add_test(tc, lone_cr_stays);
	tcase_add_test(tc, cr_at_chunk_end_is_held);
	tcase_add_test(tc, decode_inverts_encode_for_unix_text);
	tcase_add_test(tc, upload_engine_choice);
	suite_add_tcase(s, tc);

	tc = tcase_create("engines");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, engine_receives_exact_bytes_at_the_offset, 0, n);
	tcase_add_loop_test(tc, empty_upload_is_complete, 0, n);
	tcase_add_test(tc, ascii_upload_converts_line_ends);
	tcase_add_test(tc, full_disk_is_a_file_error_with_enospc);
	tcase_add_loop_test(tc, eof_after_the_control_connection_closed_is_not_success,
			    0, n);
	tcase_add_loop_test(tc, control_closing_just_after_the_data_is_caught_by_the_grace,
			    0, n);
	tcase_add_loop_test(tc, a_live_client_ends_after_the_grace, 0, n);
	tcase_add_loop_test(tc, abor_stops_a_stalled_upload_and_stat_answers, 0, n);
	tcase_add_loop_test(tc, stalled_upload_times_out, 0, n);
	tcase_add_loop_test(tc, reset_data_connection_is_a_network_error, 0, n);
	tcase_add_loop_test(tc, rate_limit_paces_uploads, 0, n);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(recv_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
