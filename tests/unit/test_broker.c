/* Unit tests for broker.c: the request format (build and validation are
 * strict), and a real broker process (zc_broker_main forked here, as the
 * master forks it) answering over SOCK_SEQPACKET connections: a right
 * password brings the home directory fd, a wrong one a delayed denial,
 * too many failures end the connection, and a malformed request ends
 * only its own connection, never the broker. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "broker.h"
#include "cfg.h"
#include "privdrop.h"

/* `openssl passwd -6 -salt testsalt123 secret` */
#define SHA512_SECRET                                                         \
	"$6$testsalt123$GTbhaMbxV6LoQOAP0rjBb7kfVqvF9wcuvVmpQvNEphd7O5q9U7vEg2" \
	"dzr7lOcAW89iHmd0UFIT70mz7mn9zv60"

/* ---- the request format ---- */

START_TEST(build_and_validate)
{
	struct zc_auth_req r;
	char big[ZC_AUTH_PASS_MAX + 1];

	ck_assert_int_eq(zc_auth_req_build(&r, "alice", "secret"), 0);
	ck_assert(zc_auth_req_valid(&r, sizeof(r)));
	ck_assert(!zc_auth_req_valid(&r, sizeof(r) - 1));
	ck_assert_int_eq(zc_auth_req_build(&r, "alice", ""), 0);
	ck_assert(zc_auth_req_valid(&r, sizeof(r))); /* empty password */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(zc_auth_req_build(&r, "alice", big), -1);
	big[ZC_AUTH_NAME_MAX] = '\0';
	ck_assert_int_eq(zc_auth_req_build(&r, big, "x"), -1);
}
END_TEST

START_TEST(malformed_requests_refused)
{
	struct zc_auth_req r, bad;

	ck_assert_int_eq(zc_auth_req_build(&r, "alice", "secret"), 0);
	bad = r;
	bad.version = 2;
	ck_assert(!zc_auth_req_valid(&bad, sizeof(bad)));
	bad = r;
	bad.type = 7;
	ck_assert(!zc_auth_req_valid(&bad, sizeof(bad)));
	bad = r;
	bad.name_len = ZC_AUTH_NAME_MAX; /* no room for the terminator */
	ck_assert(!zc_auth_req_valid(&bad, sizeof(bad)));
	bad = r;
	bad.pass_len = 0xffffffffu;
	ck_assert(!zc_auth_req_valid(&bad, sizeof(bad)));
	bad = r;
	bad.name_len = 3; /* "ali" then bytes that should be zero */
	ck_assert(!zc_auth_req_valid(&bad, sizeof(bad)));
	bad = r;
	bad.name[1] = '\0'; /* a NUL inside the counted name */
	ck_assert(!zc_auth_req_valid(&bad, sizeof(bad)));
	bad = r;
	bad.name_len = 0;
	memset(bad.name, 0, sizeof(bad.name));
	ck_assert(!zc_auth_req_valid(&bad, sizeof(bad))); /* no name */
	bad = r;
	bad.pass[ZC_AUTH_PASS_MAX - 1] = 'x'; /* junk after the password */
	ck_assert(!zc_auth_req_valid(&bad, sizeof(bad)));
}
END_TEST

/* ---- a live broker ---- */

static char dir[64], users_path[128], home[128];
static pid_t broker_pid;
static int ctl;
static struct zc_config cfg;

static void
start_broker(unsigned fail_delay, unsigned max_fails)
{
	char text[512];
	struct zc_identity id = {0};
	struct passwd *pw = getpwnam("nobody");
	int sv[2], ufd;
	FILE *f;

	snprintf(dir, sizeof(dir), "/tmp/zc_broker_XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(chmod(dir, 0755), 0);
	snprintf(users_path, sizeof(users_path), "%s/users", dir);
	snprintf(home, sizeof(home), "%s/alice", dir);
	ck_assert_int_eq(mkdir(home, 0755), 0);
	snprintf(text, sizeof(text),
		 "alice:" SHA512_SECRET ":%s\nghost:" SHA512_SECRET ":%s/none\n",
		 home, dir);
	f = fopen(users_path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	ufd = open(users_path, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(ufd, 0);
	zc_cfg_defaults(&cfg);
	cfg.login_fail_delay = fail_delay;
	cfg.max_login_fails = max_fails;
	if (pw != NULL) {
		id.uid = pw->pw_uid;
		id.gid = pw->pw_gid;
		snprintf(id.name, sizeof(id.name), "nobody");
	}
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	broker_pid = fork();
	ck_assert_int_ge(broker_pid, 0);
	if (broker_pid == 0) {
		close(sv[0]);
		zc_broker_main(sv[1], ufd, users_path, &id, &cfg);
	}
	close(sv[1]);
	close(ufd);
	ctl = sv[0];
}

static void
stop_broker(void)
{
	int status = 0;

	close(ctl);
	kill(broker_pid, SIGTERM);
	waitpid(broker_pid, &status, 0);
	rmdir(home);
	unlink(users_path);
	rmdir(dir);
}

/* A new worker connection, as the master makes it. */
static int
connect_worker(void)
{
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	ck_assert_int_eq(zc_broker_add_conn(ctl, sv[1]), 0);
	close(sv[1]);
	return sv[0];
}

/* Wait (bounded) for the answer: 1 answered, -1 connection gone. */
static int
wait_answer(int fd, enum zc_auth_result *res, int *home_fd, int timeout_ms)
{
	for (int waited = 0; waited <= timeout_ms; waited += 10) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int rc = zc_auth_recv(fd, res, home_fd);
		if (rc != 0)
			return rc;
		poll(&pfd, 1, 10);
	}
	return 0;
}

static enum zc_auth_result
login(int fd, const char *name, const char *pass, int *home_fd)
{
	struct zc_auth_req r;
	enum zc_auth_result res = 0;

	ck_assert_int_eq(zc_auth_req_build(&r, name, pass), 0);
	ck_assert_int_eq(zc_auth_send(fd, &r), 0);
	ck_assert_int_eq(wait_answer(fd, &res, home_fd, 10000), 1);
	return res;
}

START_TEST(right_password_brings_the_home_fd)
{
	struct stat a, b;
	int fd, home_fd = -1;

	start_broker(0, 3);
	fd = connect_worker();
	ck_assert_int_eq(login(fd, "alice", "secret", &home_fd), ZC_AUTH_OK);
	ck_assert_int_ge(home_fd, 0);
	ck_assert_int_eq(fstat(home_fd, &a), 0);
	ck_assert_int_eq(stat(home, &b), 0);
	ck_assert(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
	close(home_fd);
	/* a missing home: the right password, but no fd */
	ck_assert_int_eq(login(fd, "ghost", "secret", &home_fd), ZC_AUTH_NO_HOME);
	ck_assert_int_eq(home_fd, -1);
	close(fd);
	stop_broker();
}
END_TEST

START_TEST(wrong_password_denied_after_the_delay)
{
	struct timespec t0, t1;
	int fd, home_fd = 0;
	long ms;

	start_broker(1, 3);
	fd = connect_worker();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(login(fd, "alice", "wrong", &home_fd), ZC_AUTH_DENIED);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	ck_assert_int_ge(ms, 900);
	ck_assert_int_eq(home_fd, -1);
	/* unknown name: the same answer */
	ck_assert_int_eq(login(fd, "nobody-here", "secret", &home_fd), ZC_AUTH_DENIED);
	close(fd);
	stop_broker();
}
END_TEST

START_TEST(too_many_failures_end_the_connection)
{
	enum zc_auth_result res;
	int fd, home_fd;

	start_broker(0, 2);
	fd = connect_worker();
	ck_assert_int_eq(login(fd, "alice", "x", &home_fd), ZC_AUTH_DENIED);
	ck_assert_int_eq(login(fd, "alice", "y", &home_fd), ZC_AUTH_TOO_MANY);
	/* the broker closed it: the right password gets nothing now */
	{
		struct zc_auth_req r;
		ck_assert_int_eq(zc_auth_req_build(&r, "alice", "secret"), 0);
		if (zc_auth_send(fd, &r) == 0)
			ck_assert_int_eq(wait_answer(fd, &res, &home_fd, 2000), -1);
	}
	close(fd);
	stop_broker();
}
END_TEST

START_TEST(malformed_request_ends_only_its_connection)
{
	enum zc_auth_result res;
	struct zc_auth_req r;
	int bad, good, home_fd = -1;
	char junk[7] = "garbage";

	start_broker(0, 3);
	bad = connect_worker();
	good = connect_worker();
	/* a short datagram */
	ck_assert_int_eq(send(bad, junk, sizeof(junk), 0), (ssize_t)sizeof(junk));
	ck_assert_int_eq(wait_answer(bad, &res, &home_fd, 5000), -1);
	close(bad);
	/* a request of the right size with a lying length */
	bad = connect_worker();
	ck_assert_int_eq(zc_auth_req_build(&r, "alice", "secret"), 0);
	r.pass_len = 1000;
	ck_assert_int_eq(send(bad, &r, sizeof(r), 0), (ssize_t)sizeof(r));
	ck_assert_int_eq(wait_answer(bad, &res, &home_fd, 5000), -1);
	close(bad);
	/* an oversized datagram */
	bad = connect_worker();
	{
		char big[sizeof(r) + 64];
		memset(big, 0, sizeof(big));
		memcpy(big, &r, sizeof(r));
		ck_assert_int_eq(send(bad, big, sizeof(big), 0), (ssize_t)sizeof(big));
	}
	ck_assert_int_eq(wait_answer(bad, &res, &home_fd, 5000), -1);
	close(bad);
	/* the broker is alive and serves the others */
	ck_assert_int_eq(kill(broker_pid, 0), 0);
	ck_assert_int_eq(login(good, "alice", "secret", &home_fd), ZC_AUTH_OK);
	close(home_fd);
	close(good);
	stop_broker();
}
END_TEST

START_TEST(broker_runs_without_privileges)
{
	char path[64], line[256];
	FILE *f;
	int checked = 0;

	start_broker(0, 3);
	/* give it time to drop and load */
	{
		int fd = connect_worker(), home_fd = -1;
		ck_assert_int_eq(login(fd, "alice", "secret", &home_fd), ZC_AUTH_OK);
		close(home_fd);
		close(fd);
	}
	snprintf(path, sizeof(path), "/proc/%ld/status", (long)broker_pid);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "CapEff:", 7) == 0 || strncmp(line, "CapPrm:", 7) == 0 ||
		    (geteuid() == 0 && strncmp(line, "CapBnd:", 7) == 0)) {
			ck_assert_msg(strstr(line, "0000000000000000") != NULL, "%s", line);
			checked++;
		}
		if (strncmp(line, "NoNewPrivs:", 11) == 0) {
			ck_assert_msg(strstr(line, "1") != NULL, "%s", line);
			checked++;
		}
	}
	fclose(f);
	ck_assert_int_ge(checked, 3);
	stop_broker();
}
END_TEST

/* The master closes the control socket on reload: the broker keeps
 * serving its connected workers, then exits by itself. */
START_TEST(retired_broker_serves_its_workers_then_exits)
{
	int fd, home_fd = -1, status = 0;
	pid_t done = 0;

	start_broker(0, 3);
	fd = connect_worker();
	close(ctl);
	ctl = -1;
	ck_assert_int_eq(login(fd, "alice", "secret", &home_fd), ZC_AUTH_OK);
	close(home_fd);
	close(fd);
	for (int i = 0; i < 500 && done == 0; i++) {
		done = waitpid(broker_pid, &status, WNOHANG);
		if (done == 0)
			usleep(10000);
	}
	ck_assert_int_eq(done, broker_pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	broker_pid = -1;
	rmdir(home);
	unlink(users_path);
	rmdir(dir);
}
END_TEST

static Suite *
broker_suite(void)
{
	Suite *s = suite_create("broker");
	TCase *tc = tcase_create("wire");

	tcase_add_test(tc, build_and_validate);
	tcase_add_test(tc, malformed_requests_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("process");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, right_password_brings_the_home_fd);
	tcase_add_test(tc, wrong_password_denied_after_the_delay);
	tcase_add_test(tc, too_many_failures_end_the_connection);
	tcase_add_test(tc, malformed_request_ends_only_its_connection);
	tcase_add_test(tc, broker_runs_without_privileges);
	tcase_add_test(tc, retired_broker_serves_its_workers_then_exits);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(broker_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
