/* Unit tests for ctrl_io.c: the pure line extractor (Telnet IAC, CRLF,
 * limits), the buffered reader on a real socketpair, and the writer's
 * timeout. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ctrl_io.h"

#define IAC "\xff"
#define IP "\xf4"
#define DM "\xf2"
#define WILL "\xfb"
#define WONT "\xfc"
#define DO "\xfd"
#define DONT "\xfe"

static char line[ZC_CTRL_LINE_MAX + 2];
static size_t consumed, linelen;

/* Extract from a literal (sizeof - 1 keeps embedded NULs). */
#define EXTRACT(lit, max)                                                    \
	zc_ctrl_extract_line((const unsigned char *)(lit), sizeof(lit) - 1,  \
			     &consumed, line, (max), &linelen)

/* ---- zc_ctrl_extract_line -------------------------------------------------- */

START_TEST(extract_crlf_line)
{
	ck_assert_int_eq(EXTRACT("USER anonymous\r\n", 64), ZC_CTRL_LINE);
	ck_assert_str_eq(line, "USER anonymous");
	ck_assert_uint_eq(linelen, 14);
	ck_assert_uint_eq(consumed, 16);
}
END_TEST

START_TEST(extract_bare_lf_line)
{
	ck_assert_int_eq(EXTRACT("NOOP\n", 64), ZC_CTRL_LINE);
	ck_assert_str_eq(line, "NOOP");
	ck_assert_uint_eq(linelen, 4);
	ck_assert_uint_eq(consumed, 5);
	ck_assert_int_eq(EXTRACT("\n", 64), ZC_CTRL_LINE);
	ck_assert_uint_eq(linelen, 0);
	ck_assert_str_eq(line, "");
}
END_TEST

START_TEST(extract_keeps_cr_not_before_lf)
{
	ck_assert_int_eq(EXTRACT("A\rB\r\n", 64), ZC_CTRL_LINE);
	ck_assert_uint_eq(linelen, 3);
	ck_assert_str_eq(line, "A\rB");
	ck_assert_int_eq(EXTRACT("x\r\r\n", 64), ZC_CTRL_LINE);
	ck_assert_str_eq(line, "x\r");
}
END_TEST

START_TEST(extract_need_more_on_partial_line)
{
	ck_assert_int_eq(EXTRACT("", 64), ZC_CTRL_NEED_MORE);
	ck_assert_int_eq(EXTRACT("NOO", 64), ZC_CTRL_NEED_MORE);
	ck_assert_int_eq(EXTRACT("NOOP\r", 64), ZC_CTRL_NEED_MORE);
}
END_TEST

START_TEST(extract_keeps_nul_bytes_with_length)
{
	ck_assert_int_eq(EXTRACT("A\0B\r\n", 64), ZC_CTRL_LINE);
	ck_assert_uint_eq(linelen, 3);
	ck_assert_mem_eq(line, "A\0B", 4);
}
END_TEST

START_TEST(extract_iac_iac_is_a_data_byte)
{
	ck_assert_int_eq(EXTRACT("RETR a" IAC IAC "b\r\n", 64), ZC_CTRL_LINE);
	ck_assert_uint_eq(linelen, 8);
	ck_assert_mem_eq(line, "RETR a\xff" "b", 9);
	ck_assert_uint_eq(consumed, 11);
}
END_TEST

START_TEST(extract_drops_iac_ip_and_dm)
{
	/* what a client sends before ABOR (RFC 959 4.1.3) */
	ck_assert_int_eq(EXTRACT(IAC IP IAC DM "ABOR\r\n", 64), ZC_CTRL_LINE);
	ck_assert_str_eq(line, "ABOR");
	ck_assert_uint_eq(consumed, 10);
	ck_assert_int_eq(EXTRACT("NO" IAC IP "OP\r\n", 64), ZC_CTRL_LINE);
	ck_assert_str_eq(line, "NOOP");
}
END_TEST

START_TEST(extract_drops_option_negotiation)
{
	ck_assert_int_eq(EXTRACT(IAC WILL "\x01" "NOOP\r\n", 64), ZC_CTRL_LINE);
	ck_assert_str_eq(line, "NOOP");
	ck_assert_int_eq(EXTRACT(IAC WONT "\x01" "NOOP\r\n", 64), ZC_CTRL_LINE);
	ck_assert_str_eq(line, "NOOP");
	ck_assert_int_eq(EXTRACT(IAC DO "\x03" "NOOP\r\n", 64), ZC_CTRL_LINE);
	ck_assert_str_eq(line, "NOOP");
	ck_assert_int_eq(EXTRACT(IAC DONT "\x03" "NOOP\r\n", 64), ZC_CTRL_LINE);
	ck_assert_str_eq(line, "NOOP");
	/* the option byte is part of the sequence even when it is LF */
	ck_assert_int_eq(EXTRACT(IAC DO "\n" "NOOP\r\n", 64), ZC_CTRL_LINE);
	ck_assert_str_eq(line, "NOOP");
	ck_assert_uint_eq(consumed, 9);
	/* and when it is IAC */
	ck_assert_int_eq(EXTRACT(IAC WILL IAC "X\n", 64), ZC_CTRL_LINE);
	ck_assert_str_eq(line, "X");
}
END_TEST

START_TEST(extract_iac_at_end_needs_more)
{
	ck_assert_int_eq(EXTRACT("NOOP" IAC, 64), ZC_CTRL_NEED_MORE);
	ck_assert_int_eq(EXTRACT(IAC, 64), ZC_CTRL_NEED_MORE);
	ck_assert_int_eq(EXTRACT("X" IAC WILL, 64), ZC_CTRL_NEED_MORE);
	ck_assert_int_eq(EXTRACT(IAC DONT, 64), ZC_CTRL_NEED_MORE);
}
END_TEST

START_TEST(extract_too_long)
{
	ck_assert_int_eq(EXTRACT("abcdef\r\n", 4), ZC_CTRL_TOO_LONG);
	/* no need to wait for the end of an over-long line */
	ck_assert_int_eq(EXTRACT("abcdefgh", 4), ZC_CTRL_TOO_LONG);
	ck_assert_int_eq(EXTRACT("abcde\r\n", 4), ZC_CTRL_TOO_LONG);
}
END_TEST

START_TEST(extract_exactly_max_accepted)
{
	ck_assert_int_eq(EXTRACT("abcd\r\n", 4), ZC_CTRL_LINE);
	ck_assert_str_eq(line, "abcd");
	ck_assert_int_eq(EXTRACT("abcd\n", 4), ZC_CTRL_LINE);
	ck_assert_str_eq(line, "abcd");
	/* Telnet sequences do not count */
	ck_assert_int_eq(EXTRACT("ab" IAC IP "cd\r\n", 4), ZC_CTRL_LINE);
	ck_assert_str_eq(line, "abcd");
}
END_TEST

/* max_line bounds the line: one byte more is too long with a bare LF as
 * well as with CRLF. */
START_TEST(extract_max_plus_one_with_bare_lf_too_long)
{
	ck_assert_int_eq(EXTRACT("abcde\n", 4), ZC_CTRL_TOO_LONG);
}
END_TEST

START_TEST(extract_pipelined_lines_one_at_a_time)
{
	static const char in[] = "USER a\r\nPASS b\nSYST\r\nNOO";
	const unsigned char *p = (const unsigned char *)in;
	size_t left = sizeof(in) - 1;

	ck_assert_int_eq(zc_ctrl_extract_line(p, left, &consumed, line, 64,
					      &linelen),
			 ZC_CTRL_LINE);
	ck_assert_str_eq(line, "USER a");
	ck_assert_uint_eq(consumed, 8);
	p += consumed;
	left -= consumed;
	ck_assert_int_eq(zc_ctrl_extract_line(p, left, &consumed, line, 64,
					      &linelen),
			 ZC_CTRL_LINE);
	ck_assert_str_eq(line, "PASS b");
	ck_assert_uint_eq(consumed, 7);
	p += consumed;
	left -= consumed;
	ck_assert_int_eq(zc_ctrl_extract_line(p, left, &consumed, line, 64,
					      &linelen),
			 ZC_CTRL_LINE);
	ck_assert_str_eq(line, "SYST");
	p += consumed;
	left -= consumed;
	ck_assert_uint_eq(left, 3);
	ck_assert_int_eq(zc_ctrl_extract_line(p, left, &consumed, line, 64,
					      &linelen),
			 ZC_CTRL_NEED_MORE);
}
END_TEST

/* ---- buffered reader on a socketpair ---------------------------------------- */

static int sv[2];
static struct zc_ctrl ctrl;

static void
pair_setup(void)
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
						     SOCK_CLOEXEC,
				    0, sv),
			 0);
	zc_ctrl_init(&ctrl, sv[0]);
}

static void
pair_teardown(void)
{
	close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
}

static void
peer_send(const char *s, size_t len)
{
	ck_assert_int_eq(write(sv[1], s, len), (ssize_t)len);
}

#define PEER_SEND(lit) peer_send((lit), sizeof(lit) - 1)

START_TEST(reader_init_is_empty)
{
	char out[ZC_CTRL_LINE_MAX + 2];
	size_t n;

	ck_assert_int_eq(ctrl.fd, sv[0]);
	ck_assert(!zc_ctrl_has_line(&ctrl));
	ck_assert(!zc_ctrl_at_eof(&ctrl));
	ck_assert_int_eq(zc_ctrl_next_line(&ctrl, out, sizeof(out), &n),
			 ZC_CTRL_NEED_MORE);
	errno = 0;
	ck_assert_int_eq(zc_ctrl_fill(&ctrl), -1);
	ck_assert_int_eq(errno, EAGAIN);
	ck_assert(!zc_ctrl_at_eof(&ctrl));
}
END_TEST

START_TEST(reader_lines_across_fills)
{
	char out[ZC_CTRL_LINE_MAX + 2];
	size_t n;

	PEER_SEND("USER a\r\nPAS");
	ck_assert_int_eq(zc_ctrl_fill(&ctrl), 11);
	ck_assert(zc_ctrl_has_line(&ctrl));
	ck_assert_int_eq(zc_ctrl_next_line(&ctrl, out, sizeof(out), &n),
			 ZC_CTRL_LINE);
	ck_assert_str_eq(out, "USER a");
	ck_assert_uint_eq(n, 6);
	ck_assert(!zc_ctrl_has_line(&ctrl));
	ck_assert_int_eq(zc_ctrl_next_line(&ctrl, out, sizeof(out), &n),
			 ZC_CTRL_NEED_MORE);
	PEER_SEND("S b\r\n");
	ck_assert_int_eq(zc_ctrl_fill(&ctrl), 5);
	ck_assert_int_eq(zc_ctrl_next_line(&ctrl, out, sizeof(out), &n),
			 ZC_CTRL_LINE);
	ck_assert_str_eq(out, "PASS b");
	ck_assert_int_eq(zc_ctrl_next_line(&ctrl, out, sizeof(out), &n),
			 ZC_CTRL_NEED_MORE);
	ck_assert_uint_eq(zc_ctrl_discard(&ctrl), 0);
}
END_TEST

START_TEST(reader_peek_does_not_consume)
{
	char out[ZC_CTRL_LINE_MAX + 2];
	size_t n, used = 0, used2 = 0;

	PEER_SEND("NOOP\r\nSYST\r\n");
	ck_assert_int_gt(zc_ctrl_fill(&ctrl), 0);
	ck_assert_int_eq(zc_ctrl_peek_line(&ctrl, out, sizeof(out), &n, &used),
			 ZC_CTRL_LINE);
	ck_assert_str_eq(out, "NOOP");
	ck_assert_uint_eq(used, 6);
	ck_assert_int_eq(zc_ctrl_peek_line(&ctrl, out, sizeof(out), &n, &used2),
			 ZC_CTRL_LINE);
	ck_assert_str_eq(out, "NOOP");
	ck_assert_uint_eq(used2, used);
	zc_ctrl_consume(&ctrl, used);
	ck_assert_int_eq(zc_ctrl_next_line(&ctrl, out, sizeof(out), &n),
			 ZC_CTRL_LINE);
	ck_assert_str_eq(out, "SYST");
}
END_TEST

START_TEST(reader_consume_more_than_buffered_clamps)
{
	char out[ZC_CTRL_LINE_MAX + 2];
	size_t n;

	PEER_SEND("abc");
	ck_assert_int_eq(zc_ctrl_fill(&ctrl), 3);
	zc_ctrl_consume(&ctrl, 1000);
	ck_assert_uint_eq(zc_ctrl_discard(&ctrl), 0);
	PEER_SEND("NOOP\n");
	ck_assert_int_eq(zc_ctrl_fill(&ctrl), 5);
	ck_assert_int_eq(zc_ctrl_next_line(&ctrl, out, sizeof(out), &n),
			 ZC_CTRL_LINE);
	ck_assert_str_eq(out, "NOOP");
}
END_TEST

START_TEST(reader_discard_drops_pipelined_input)
{
	char out[ZC_CTRL_LINE_MAX + 2];
	size_t n;

	PEER_SEND("AUTH TLS\r\nUSER evil\r\nPA");
	ck_assert_int_gt(zc_ctrl_fill(&ctrl), 0);
	ck_assert_int_eq(zc_ctrl_next_line(&ctrl, out, sizeof(out), &n),
			 ZC_CTRL_LINE);
	ck_assert_str_eq(out, "AUTH TLS");
	ck_assert(zc_ctrl_has_line(&ctrl));
	ck_assert_uint_eq(zc_ctrl_discard(&ctrl), 13);
	ck_assert(!zc_ctrl_has_line(&ctrl));
	ck_assert_int_eq(zc_ctrl_next_line(&ctrl, out, sizeof(out), &n),
			 ZC_CTRL_NEED_MORE);
	ck_assert_uint_eq(zc_ctrl_discard(&ctrl), 0);
}
END_TEST

START_TEST(reader_eof_keeps_buffered_lines)
{
	char out[ZC_CTRL_LINE_MAX + 2];
	size_t n;

	PEER_SEND("QUIT\r\n");
	close(sv[1]);
	sv[1] = -1;
	ck_assert_int_eq(zc_ctrl_fill(&ctrl), 6);
	ck_assert(!zc_ctrl_at_eof(&ctrl));
	ck_assert_int_eq(zc_ctrl_fill(&ctrl), 0);
	ck_assert(zc_ctrl_at_eof(&ctrl));
	ck_assert(zc_ctrl_has_line(&ctrl));
	ck_assert_int_eq(zc_ctrl_next_line(&ctrl, out, sizeof(out), &n),
			 ZC_CTRL_LINE);
	ck_assert_str_eq(out, "QUIT");
	ck_assert(zc_ctrl_at_eof(&ctrl));
}
END_TEST

START_TEST(reader_small_out_buffer_refused)
{
	char out[16];
	size_t n, used;

	PEER_SEND("NOOP\r\n");
	ck_assert_int_gt(zc_ctrl_fill(&ctrl), 0);
	ck_assert_int_eq(zc_ctrl_peek_line(&ctrl, out, sizeof(out), &n, &used),
			 ZC_CTRL_TOO_LONG);
}
END_TEST

START_TEST(reader_line_of_exactly_line_max)
{
	static char in[ZC_CTRL_LINE_MAX + 2];
	char *out = malloc(ZC_CTRL_LINE_MAX + 2);
	size_t n;

	ck_assert_ptr_nonnull(out);
	memset(in, 'a', ZC_CTRL_LINE_MAX);
	memcpy(in + ZC_CTRL_LINE_MAX, "\r\n", 2);
	peer_send(in, sizeof(in));
	while (zc_ctrl_fill(&ctrl) > 0)
		;
	ck_assert_int_eq(zc_ctrl_next_line(&ctrl, out, ZC_CTRL_LINE_MAX + 2, &n),
			 ZC_CTRL_LINE);
	ck_assert_uint_eq(n, ZC_CTRL_LINE_MAX);
	ck_assert_uint_eq(strlen(out), ZC_CTRL_LINE_MAX);
	free(out);
}
END_TEST

START_TEST(reader_over_long_line_too_long)
{
	static char in[ZC_CTRL_LINE_MAX + 10];
	char out[ZC_CTRL_LINE_MAX + 2];
	size_t n;

	memset(in, 'a', sizeof(in));
	peer_send(in, sizeof(in));
	while (zc_ctrl_fill(&ctrl) > 0)
		;
	ck_assert_int_eq(zc_ctrl_next_line(&ctrl, out, sizeof(out), &n),
			 ZC_CTRL_TOO_LONG);
}
END_TEST

START_TEST(reader_full_buffer_refuses_more)
{
	char out[ZC_CTRL_LINE_MAX + 2];
	static char in[ZC_CTRL_BUF_SIZE + 100];
	size_t n, lines = 0;

	/* pipelined short lines, more than the buffer holds */
	for (size_t i = 0; i + 10 <= sizeof(in); i += 10)
		memcpy(in + i, "NOOP\r\nAB\r\n", 10);
	peer_send(in, sizeof(in));
	while (zc_ctrl_fill(&ctrl) > 0)
		;
	errno = 0;
	ck_assert_int_eq(zc_ctrl_fill(&ctrl), -1);
	ck_assert_int_eq(errno, ENOBUFS);
	ck_assert(zc_ctrl_has_line(&ctrl));
	while (zc_ctrl_next_line(&ctrl, out, sizeof(out), &n) == ZC_CTRL_LINE)
		lines++;
	ck_assert_uint_eq(lines, ZC_CTRL_BUF_SIZE / 10 * 2);
	/* nothing was lost in the socket: reading resumes */
	ck_assert_int_gt(zc_ctrl_fill(&ctrl), 0);
	ck_assert_int_eq(zc_ctrl_next_line(&ctrl, out, sizeof(out), &n),
			 ZC_CTRL_LINE);
}
END_TEST

START_TEST(reader_buffered_lines_survive_refill)
{
	char out[ZC_CTRL_LINE_MAX + 2];
	size_t n;
	unsigned got = 0;

	for (int round = 0; round < 50; round++) {
		char l[32];
		int len = snprintf(l, sizeof(l), "CMD%d\r\n", round);
		peer_send(l, (size_t)len);
		/* a fill, then one line, so the buffer keeps shifting */
		ck_assert_int_gt(zc_ctrl_fill(&ctrl), 0);
		ck_assert_int_eq(zc_ctrl_next_line(&ctrl, out, sizeof(out), &n),
				 ZC_CTRL_LINE);
		snprintf(l, sizeof(l), "CMD%d", round);
		ck_assert_str_eq(out, l);
		got++;
	}
	ck_assert_uint_eq(got, 50);
}
END_TEST

/* An over-long line, refused with 500, is dropped through its LF and the
 * next line is served (the session goes on). */
START_TEST(skip_line_drops_over_long_line_in_buffer)
{
	static char in[ZC_CTRL_LINE_MAX + 900];
	char out[ZC_CTRL_LINE_MAX + 2];
	size_t n, len = ZC_CTRL_LINE_MAX + 800;

	memset(in, 'A', len);
	memcpy(in + len, "\r\nNOOP\r\n", 8);
	peer_send(in, len + 8);
	while (zc_ctrl_fill(&ctrl) > 0)
		;
	ck_assert_int_eq(zc_ctrl_next_line(&ctrl, out, sizeof(out), &n),
			 ZC_CTRL_TOO_LONG);
	zc_ctrl_skip_line(&ctrl);
	ck_assert(zc_ctrl_has_line(&ctrl));
	ck_assert_int_eq(zc_ctrl_next_line(&ctrl, out, sizeof(out), &n),
			 ZC_CTRL_LINE);
	ck_assert_str_eq(out, "NOOP");
	ck_assert_uint_eq(zc_ctrl_discard(&ctrl), 0);
}
END_TEST

START_TEST(skip_line_keeps_dropping_until_lf_arrives)
{
	static char in[ZC_CTRL_BUF_SIZE + 1000];
	char out[ZC_CTRL_LINE_MAX + 2];
	size_t n;

	/* more than the whole buffer, no LF yet */
	memset(in, 'A', sizeof(in));
	peer_send(in, sizeof(in));
	ck_assert_int_eq(zc_ctrl_fill(&ctrl), ZC_CTRL_BUF_SIZE);
	ck_assert_int_eq(zc_ctrl_next_line(&ctrl, out, sizeof(out), &n),
			 ZC_CTRL_TOO_LONG);
	zc_ctrl_skip_line(&ctrl);
	ck_assert_uint_eq(zc_ctrl_discard(&ctrl), 0);
	ck_assert(!zc_ctrl_has_line(&ctrl));
	/* the rest of the line arrives: dropped as it comes */
	ck_assert_int_eq(zc_ctrl_fill(&ctrl), 1000);
	ck_assert(!zc_ctrl_has_line(&ctrl));
	ck_assert_int_eq(zc_ctrl_next_line(&ctrl, out, sizeof(out), &n),
			 ZC_CTRL_NEED_MORE);
	PEER_SEND("AAAA");
	ck_assert_int_eq(zc_ctrl_fill(&ctrl), 4);
	ck_assert(!zc_ctrl_has_line(&ctrl));
	ck_assert_int_eq(zc_ctrl_next_line(&ctrl, out, sizeof(out), &n),
			 ZC_CTRL_NEED_MORE);
	/* its end, then the next commands */
	PEER_SEND("AA\r\nUSER x\r\nPA");
	ck_assert_int_gt(zc_ctrl_fill(&ctrl), 0);
	ck_assert(zc_ctrl_has_line(&ctrl));
	ck_assert_int_eq(zc_ctrl_next_line(&ctrl, out, sizeof(out), &n),
			 ZC_CTRL_LINE);
	ck_assert_str_eq(out, "USER x");
	ck_assert_int_eq(zc_ctrl_next_line(&ctrl, out, sizeof(out), &n),
			 ZC_CTRL_NEED_MORE);
	PEER_SEND("SS y\n");
	ck_assert_int_gt(zc_ctrl_fill(&ctrl), 0);
	ck_assert_int_eq(zc_ctrl_next_line(&ctrl, out, sizeof(out), &n),
			 ZC_CTRL_LINE);
	ck_assert_str_eq(out, "PASS y");
}
END_TEST

START_TEST(skip_line_twice_in_a_row)
{
	static char in[2 * (ZC_CTRL_LINE_MAX + 10) + 8];
	char out[ZC_CTRL_LINE_MAX + 2];
	size_t n, len = ZC_CTRL_LINE_MAX + 10;

	memset(in, 'B', sizeof(in));
	in[len - 1] = '\n';
	in[2 * len - 1] = '\n';
	memcpy(in + 2 * len, "SYST\r\n", 6);
	peer_send(in, 2 * len + 6);
	for (int i = 0; i < 2; i++) {
		while (zc_ctrl_fill(&ctrl) > 0)
			;
		ck_assert_int_eq(zc_ctrl_next_line(&ctrl, out, sizeof(out), &n),
				 ZC_CTRL_TOO_LONG);
		zc_ctrl_skip_line(&ctrl);
	}
	while (zc_ctrl_fill(&ctrl) > 0)
		;
	ck_assert_int_eq(zc_ctrl_next_line(&ctrl, out, sizeof(out), &n),
			 ZC_CTRL_LINE);
	ck_assert_str_eq(out, "SYST");
}
END_TEST

/* ---- zc_ctrl_write_all ------------------------------------------------------ */

static long long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

START_TEST(write_all_small_reply)
{
	char buf[32];

	ck_assert_int_eq(zc_ctrl_write_all(sv[0], "220 ready\r\n", 11, 1000), 0);
	ck_assert_int_eq(read(sv[1], buf, sizeof(buf)), 11);
	ck_assert_mem_eq(buf, "220 ready\r\n", 11);
	/* zero bytes: nothing to do */
	ck_assert_int_eq(zc_ctrl_write_all(sv[0], "", 0, 0), 0);
}
END_TEST

START_TEST(write_all_more_than_socket_buffer_to_slow_reader)
{
	size_t len = 4u << 20;
	unsigned char *buf = malloc(len);
	pid_t pid;
	int status;

	ck_assert_ptr_nonnull(buf);
	for (size_t i = 0; i < len; i++)
		buf[i] = (unsigned char)(i * 7 + (i >> 12));
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		/* child: read everything slowly, check it, exit 0 if equal */
		static unsigned char in[65536];
		size_t got = 0;
		int fl = fcntl(sv[1], F_GETFL);

		fcntl(sv[1], F_SETFL, fl & ~O_NONBLOCK);
		close(sv[0]);
		for (;;) {
			ssize_t n = read(sv[1], in, sizeof(in));
			if (n <= 0)
				break;
			for (ssize_t i = 0; i < n; i++)
				if (in[i] != buf[got + (size_t)i])
					_exit(2);
			got += (size_t)n;
			if (got % (1u << 20) < sizeof(in))
				usleep(1000);
		}
		_exit(got == len ? 0 : 3);
	}
	close(sv[1]);
	sv[1] = -1;
	ck_assert_int_eq(zc_ctrl_write_all(sv[0], buf, len, 20000), 0);
	close(sv[0]);
	sv[0] = socket(AF_UNIX, SOCK_STREAM, 0); /* for the teardown */
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	free(buf);
}
END_TEST

START_TEST(write_all_times_out_when_peer_never_reads)
{
	size_t len = 8u << 20;
	char *buf = calloc(1, len);
	int small = 4096;
	long long t0, dt;

	ck_assert_ptr_nonnull(buf);
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	t0 = mono_ms();
	errno = 0;
	ck_assert_int_eq(zc_ctrl_write_all(sv[0], buf, len, 200), -1);
	dt = mono_ms() - t0;
	ck_assert_int_eq(errno, ETIMEDOUT);
	ck_assert_int_ge(dt, 190);
	ck_assert_int_lt(dt, 5000);
	free(buf);
}
END_TEST

START_TEST(write_all_fails_when_peer_closed)
{
	struct sigaction ign, old;

	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	ck_assert_int_eq(sigaction(SIGPIPE, &ign, &old), 0);
	close(sv[1]);
	sv[1] = -1;
	errno = 0;
	ck_assert_int_eq(zc_ctrl_write_all(sv[0], "221 bye\r\n", 9, 1000), -1);
	ck_assert_int_eq(errno, EPIPE);
	sigaction(SIGPIPE, &old, NULL);
}
END_TEST

static Suite *
ctrl_io_suite(void)
{
	Suite *s = suite_create("ctrl_io");
	TCase *tc;

	tc = tcase_create("extract");
	tcase_add_test(tc, extract_crlf_line);
	tcase_add_test(tc, extract_bare_lf_line);
	tcase_add_test(tc, extract_keeps_cr_not_before_lf);
	tcase_add_test(tc, extract_need_more_on_partial_line);
	tcase_add_test(tc, extract_keeps_nul_bytes_with_length);
	tcase_add_test(tc, extract_iac_iac_is_a_data_byte);
	tcase_add_test(tc, extract_drops_iac_ip_and_dm);
	tcase_add_test(tc, extract_drops_option_negotiation);
	tcase_add_test(tc, extract_iac_at_end_needs_more);
	tcase_add_test(tc, extract_too_long);
	tcase_add_test(tc, extract_exactly_max_accepted);
	tcase_add_test(tc, extract_max_plus_one_with_bare_lf_too_long);
	tcase_add_test(tc, extract_pipelined_lines_one_at_a_time);
	suite_add_tcase(s, tc);

	tc = tcase_create("reader");
	tcase_add_checked_fixture(tc, pair_setup, pair_teardown);
	tcase_add_test(tc, reader_init_is_empty);
	tcase_add_test(tc, reader_lines_across_fills);
	tcase_add_test(tc, reader_peek_does_not_consume);
	tcase_add_test(tc, reader_consume_more_than_buffered_clamps);
	tcase_add_test(tc, reader_discard_drops_pipelined_input);
	tcase_add_test(tc, reader_eof_keeps_buffered_lines);
	tcase_add_test(tc, reader_small_out_buffer_refused);
	tcase_add_test(tc, reader_line_of_exactly_line_max);
	tcase_add_test(tc, reader_over_long_line_too_long);
	tcase_add_test(tc, reader_full_buffer_refuses_more);
	tcase_add_test(tc, reader_buffered_lines_survive_refill);
	tcase_add_test(tc, skip_line_drops_over_long_line_in_buffer);
	tcase_add_test(tc, skip_line_keeps_dropping_until_lf_arrives);
	tcase_add_test(tc, skip_line_twice_in_a_row);
	suite_add_tcase(s, tc);

	tc = tcase_create("write");
	tcase_add_checked_fixture(tc, pair_setup, pair_teardown);
	tcase_add_test(tc, write_all_small_reply);
	tcase_add_test(tc, write_all_more_than_socket_buffer_to_slow_reader);
	tcase_add_test(tc, write_all_times_out_when_peer_never_reads);
	tcase_add_test(tc, write_all_fails_when_peer_closed);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(ctrl_io_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
