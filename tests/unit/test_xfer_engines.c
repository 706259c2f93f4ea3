/*
 * Unit tests for the transfer engines (xfer_*.c) on real fds: a session
 * on a loopback TCP control connection, a loopback TCP data connection,
 * real files. Covers the sendfile fallback that the kernel forces on
 * /proc files (sendfile refuses them with EINVAL), a file that shrank,
 * every engine's bytes, TYPE A conversion and ABOR mid-transfer.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cfg.h"
#include "session.h"
#include "xfer.h"
#include "xfer_rig.h"

/* Read everything from fd until EOF into a malloc'ed buffer. */
static char *
read_all(int fd, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *p = malloc(cap);

	for (;;) {
		ssize_t k;
		if (n == cap) {
			cap *= 2;
			p = realloc(p, cap);
			ck_assert_ptr_nonnull(p);
		}
		k = read(fd, p + n, cap - n);
		ck_assert_int_ge(k, 0);
		if (k == 0)
			break;
		n += (size_t)k;
	}
	*len = n;
	return p;
}

static int
temp_file(const void *data, size_t len)
{
	char name[] = "/tmp/zc-xfer-XXXXXX";
	int fd = mkstemp(name);

	ck_assert_int_ge(fd, 0);
	unlink(name);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	return fd;
}

/* Run one transfer: the sender runs here, a reader child drains the data
 * connection into a temp file read afterwards (a pipe would fill up). */
struct result {
	enum zc_xfer_result r;
	enum zc_engine engine;
	const char *reason;
	char *data;
	size_t len;
};

static struct result
transfer(int file_fd, off_t off, off_t end, enum zc_engine engine)
{
	struct rig r;
	struct zc_xfer x;
	struct result res;
	int out = temp_file("", 0);
	pid_t pid;

	rig_init(&r);
	r.s.anonymous = true;
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		/* reader: data connection -> file */
		char b[65536];
		ssize_t k;
		while ((k = read(r.data_cli, b, sizeof(b))) > 0)
			if (write(out, b, (size_t)k) != k)
				_exit(1);
		_exit(0);
	}
	close(r.data_cli);
	r.data_cli = -1;
	zc_xfer_init(&x, &r.s, r.data_srv, file_fd, off, end, "RETR", "/t");
	x.engine = engine;
	x.reason = "test";
	res.r = zc_xfer_send_file(&x);
	res.engine = x.engine;
	res.reason = x.reason;
	shutdown(r.data_srv, SHUT_WR);
	close(r.data_srv);
	r.data_srv = -1;
	waitpid(pid, NULL, 0);
	ck_assert_int_eq(lseek(out, 0, SEEK_SET), 0);
	res.data = read_all(out, &res.len);
	close(out);
	r.s.xfer = NULL;
	r.data_cli = open("/dev/null", O_RDONLY);
	rig_fini(&r);
	return res;
}

static char *
pattern(size_t len)
{
	char *p = malloc(len);

	for (size_t i = 0; i < len; i++)
		p[i] = (char)((i * 7919u) >> 3);
	return p;
}

static const enum zc_engine binary_engines[] = {
	ZC_ENGINE_SENDFILE, ZC_ENGINE_SPLICE, ZC_ENGINE_MMAP, ZC_ENGINE_READWRITE};

START_TEST(every_binary_engine_sends_the_exact_range)
{
	size_t len = 5 * 1024 * 1024 + 123;
	char *data = pattern(len);
	int fd = temp_file(data, len);
	struct result res;

	res = transfer(fd, 1000, (off_t)len, binary_engines[_i]);
	ck_assert_int_eq(res.r, ZC_XFER_OK);
	ck_assert_int_eq(res.engine, binary_engines[_i]);
	ck_assert_uint_eq(res.len, len - 1000);
	ck_assert(memcmp(res.data, data + 1000, len - 1000) == 0);
	free(res.data);
	free(data);
	close(fd);
}
END_TEST

START_TEST(growing_file_sends_the_size_given)
{
	char *data = pattern(100000);
	int fd = temp_file(data, 100000);
	struct result res;

	/* the size fstat()ed at RETR bounds the transfer */
	res = transfer(fd, 0, 60000, binary_engines[_i]);
	ck_assert_int_eq(res.r, ZC_XFER_OK);
	ck_assert_uint_eq(res.len, 60000);
	ck_assert(memcmp(res.data, data, 60000) == 0);
	free(res.data);
	free(data);
	close(fd);
}
END_TEST

START_TEST(shrunk_file_is_reported_not_completed)
{
	char *data = pattern(100000);
	int fd = temp_file(data, 100000);
	struct result res;

	ck_assert_int_eq(ftruncate(fd, 50000), 0);
	res = transfer(fd, 0, 100000, binary_engines[_i]);
	ck_assert_int_eq(res.r, ZC_XFER_SHRANK);
	ck_assert_uint_le(res.len, 50000);
	free(res.data);
	free(data);
	close(fd);
}
END_TEST

START_TEST(sendfile_refused_by_procfs_falls_back_to_copy)
{
	/* the kernel's sendfile refuses /proc/self/status (no splice_read:
	 * EINVAL) while pread works: the real fallback path */
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	struct result res;

	ck_assert_int_ge(fd, 0);
	res = transfer(fd, 0, 64, ZC_ENGINE_SENDFILE);
	ck_assert_int_eq(res.r, ZC_XFER_OK);
	ck_assert_int_eq(res.engine, ZC_ENGINE_READWRITE);
	ck_assert_str_eq(res.reason, "fallback-refused");
	ck_assert_uint_eq(res.len, 64);
	ck_assert(memcmp(res.data, "Name:", 5) == 0);
	free(res.data);
	close(fd);
}
END_TEST

START_TEST(ascii_engine_converts_line_ends)
{
	static const char text[] = "one\ntwo\r\nthree\n\nend";
	static const char want[] = "one\r\ntwo\r\nthree\r\n\r\nend";
	int fd = temp_file(text, sizeof(text) - 1);
	struct result res;

	res = transfer(fd, 0, sizeof(text) - 1, ZC_ENGINE_ASCII);
	ck_assert_int_eq(res.r, ZC_XFER_OK);
	ck_assert_uint_eq(res.len, sizeof(want) - 1);
	ck_assert(memcmp(res.data, want, res.len) == 0);
	free(res.data);
	close(fd);
}
END_TEST

START_TEST(ascii_engine_big_file_crosses_chunks)
{
	size_t lines = 3 * ZC_ASCII_CHUNK / 4 + 17, len = lines * 4;
	char *data = malloc(len);
	int fd;
	struct result res;

	for (size_t i = 0; i < lines; i++)
		memcpy(data + 4 * i, "abc\n", 4);
	fd = temp_file(data, len);
	res = transfer(fd, 0, (off_t)len, ZC_ENGINE_ASCII);
	ck_assert_int_eq(res.r, ZC_XFER_OK);
	ck_assert_uint_eq(res.len, lines * 5);
	for (size_t i = 0; i < lines; i++)
		ck_assert(memcmp(res.data + 5 * i, "abc\r\n", 5) == 0);
	free(res.data);
	free(data);
	close(fd);
}
END_TEST

START_TEST(abor_on_the_control_connection_stops_a_blocked_transfer)
{
	size_t len = 64 * 1024 * 1024;
	int fd = temp_file("", 0);
	struct rig r;
	struct zc_xfer x;
	enum zc_xfer_result res;
	char reply[256];
	ssize_t n;

	ck_assert_int_eq(ftruncate(fd, (off_t)len), 0);
	rig_init(&r);
	r.s.anonymous = true;
	/* nobody reads the data connection: the sender blocks; ABOR is
	 * already waiting on the control connection */
	ck_assert_int_eq(write(r.ctrl_cli, "STAT\r\nABOR\r\n", 12), 12);
	zc_xfer_init(&x, &r.s, r.data_srv, fd, 0, (off_t)len, "RETR", "/big");
	x.engine = ZC_ENGINE_SENDFILE;
	res = zc_xfer_send_file(&x);
	ck_assert_int_eq(res, ZC_XFER_ABORTED);
	ck_assert_uint_lt(x.bytes, len);
	/* STAT was answered (213) during the transfer */
	n = read(r.ctrl_cli, reply, sizeof(reply) - 1);
	ck_assert_int_gt(n, 0);
	reply[n] = '\0';
	ck_assert_msg(strncmp(reply, "213-", 4) == 0, "%s", reply);
	r.s.xfer = NULL;
	rig_fini(&r);
	close(fd);
}
END_TEST

static Suite *
engines_suite(void)
{
	Suite *s = suite_create("xfer_engines");
	TCase *tc = tcase_create("engines");
	int n = (int)(sizeof(binary_engines) / sizeof(binary_engines[0]));

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, every_binary_engine_sends_the_exact_range, 0, n);
	tcase_add_loop_test(tc, growing_file_sends_the_size_given, 0, n);
	tcase_add_loop_test(tc, shrunk_file_is_reported_not_completed, 0, n);
	tcase_add_test(tc, sendfile_refused_by_procfs_falls_back_to_copy);
	tcase_add_test(tc, ascii_engine_converts_line_ends);
	tcase_add_test(tc, ascii_engine_big_file_crosses_chunks);
	tcase_add_test(tc, abor_on_the_control_connection_stops_a_blocked_transfer);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(engines_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
