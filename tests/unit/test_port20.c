/* Unit tests for port20.c: the request format (strict parsing) and the
 * master's handler answering a worker's request over a SOCK_SEQPACKET
 * pair: a socket bound to port 20 (as root) or the bind error, and a
 * malformed request that closes the channel. */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "port20.h"

static struct sockaddr_storage
v4(const char *ip, uint16_t port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (void *)&ss;

	memset(&ss, 0, sizeof(ss));
	s4->sin_family = AF_INET;
	s4->sin_port = htons(port);
	ck_assert_int_eq(inet_pton(AF_INET, ip, &s4->sin_addr), 1);
	return ss;
}

START_TEST(request_round_trip_v4_and_v6)
{
	struct sockaddr_storage local = v4("127.0.0.1", 2121), out;
	struct sockaddr_in6 *s6 = (void *)&local;
	struct zc_port20_req r;
	socklen_t len = 0;

	zc_port20_req_build(&r, &local);
	ck_assert_int_eq(zc_port20_req_parse(&r, sizeof(r), &out, &len), 0);
	ck_assert_int_eq(out.ss_family, AF_INET);
	ck_assert_uint_eq(len, sizeof(struct sockaddr_in));
	ck_assert_uint_eq(ntohs(((struct sockaddr_in *)(void *)&out)->sin_port), 20);
	ck_assert_uint_eq(((struct sockaddr_in *)(void *)&out)->sin_addr.s_addr,
			  htonl(INADDR_LOOPBACK));

	memset(&local, 0, sizeof(local));
	s6->sin6_family = AF_INET6;
	s6->sin6_addr = in6addr_loopback;
	s6->sin6_port = htons(2121);
	zc_port20_req_build(&r, &local);
	ck_assert_int_eq(zc_port20_req_parse(&r, sizeof(r), &out, &len), 0);
	ck_assert_int_eq(out.ss_family, AF_INET6);
	ck_assert_uint_eq(ntohs(((struct sockaddr_in6 *)(void *)&out)->sin6_port), 20);
	ck_assert(IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)(void *)&out)->sin6_addr));
}
END_TEST

START_TEST(malformed_requests_refused)
{
	struct sockaddr_storage local = v4("127.0.0.1", 21), out;
	struct zc_port20_req r, bad;
	socklen_t len;

	zc_port20_req_build(&r, &local);
	ck_assert_int_eq(zc_port20_req_parse(&r, sizeof(r) - 1, &out, &len), -1);
	bad = r;
	bad.version = 9;
	ck_assert_int_eq(zc_port20_req_parse(&bad, sizeof(bad), &out, &len), -1);
	bad = r;
	bad.family = AF_UNIX;
	ck_assert_int_eq(zc_port20_req_parse(&bad, sizeof(bad), &out, &len), -1);
	bad = r;
	bad.addr[9] = 1; /* junk after an IPv4 address */
	ck_assert_int_eq(zc_port20_req_parse(&bad, sizeof(bad), &out, &len), -1);
	bad = r;
	bad.scope_id = 3;
	ck_assert_int_eq(zc_port20_req_parse(&bad, sizeof(bad), &out, &len), -1);
}
END_TEST

/* The master's side in a child process: serve until the channel ends. */
static pid_t
start_master_side(int fd)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		for (int i = 0; i < 1000; i++) {
			struct pollfd pfd = {.fd = fd, .events = POLLIN};
			if (poll(&pfd, 1, 10000) <= 0 || zc_port20_serve(fd) < 0)
				_exit(0);
		}
		_exit(0);
	}
	return pid;
}

START_TEST(master_binds_port_20_or_says_why)
{
	struct sockaddr_storage local = v4("127.0.0.1", 2121), got;
	socklen_t glen = sizeof(got);
	int sv[2], fd;
	pid_t pid;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv), 0);
	pid = start_master_side(sv[0]);
	close(sv[0]);
	errno = 0;
	fd = zc_port20_get(sv[1], &local, 5000);
	if (geteuid() == 0) {
		ck_assert_msg(fd >= 0, "no socket: %s", strerror(errno));
		ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&got, &glen), 0);
		ck_assert_uint_eq(ntohs(((struct sockaddr_in *)(void *)&got)->sin_port), 20);
		close(fd);
	} else {
		ck_assert_int_eq(fd, -1);
		ck_assert_int_eq(errno, EACCES); /* the master's bind error */
	}
	/* an address of no interface here: the bind says so */
	local = v4("192.0.2.1", 21);
	errno = 0;
	ck_assert_int_eq(zc_port20_get(sv[1], &local, 5000), -1);
	ck_assert_msg(errno == EADDRNOTAVAIL || errno == EACCES, "%s", strerror(errno));
	/* a malformed request ends the channel */
	ck_assert_int_eq(send(sv[1], "junk", 4, 0), 4);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	close(sv[1]);
}
END_TEST

static Suite *
port20_suite(void)
{
	Suite *s = suite_create("port20");
	TCase *tc = tcase_create("port20");

	tcase_add_test(tc, request_round_trip_v4_and_v6);
	tcase_add_test(tc, malformed_requests_refused);
	tcase_add_test(tc, master_binds_port_20_or_says_why);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(port20_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
