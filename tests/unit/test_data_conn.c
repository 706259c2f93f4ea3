/* Unit tests for the pure parsers and address checks of data_conn.c
 * (PORT, EPRT, same-IP and IPv6 tests). */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "data_conn.h"
#include "session.h"
#include "xfer_rig.h"

static struct sockaddr_storage ss;
static socklen_t sslen;

static const struct sockaddr_in *
v4(void)
{
	return (const struct sockaddr_in *)(const void *)&ss;
}

static const struct sockaddr_in6 *
v6(void)
{
	return (const struct sockaddr_in6 *)(const void *)&ss;
}

static void
port_fails(const char *arg, int want_errno)
{
	errno = 0;
	ck_assert_msg(zc_data_parse_port(arg, &ss, &sslen) == -1,
		      "PORT '%s' accepted", arg);
	ck_assert_msg(errno == want_errno, "PORT '%s': errno %d, want %d", arg,
		      errno, want_errno);
}

static void
eprt_fails(const char *arg, int want_errno)
{
	errno = 0;
	ck_assert_msg(zc_data_parse_eprt(arg, &ss, &sslen) == -1,
		      "EPRT '%s' accepted", arg);
	ck_assert_msg(errno == want_errno, "EPRT '%s': errno %d, want %d", arg,
		      errno, want_errno);
}

/* ---- PORT --------------------------------------------------------------- */

START_TEST(port_valid)
{
	memset(&ss, 0xa5, sizeof(ss));
	ck_assert_int_eq(zc_data_parse_port("127,0,0,1,4,1", &ss, &sslen), 0);
	ck_assert_int_eq(ss.ss_family, AF_INET);
	ck_assert_uint_eq(sslen, sizeof(struct sockaddr_in));
	ck_assert_uint_eq(ntohl(v4()->sin_addr.s_addr), 0x7f000001u);
	ck_assert_uint_eq(ntohs(v4()->sin_port), 4 * 256 + 1);

	ck_assert_int_eq(zc_data_parse_port("192,0,2,255,255,255", &ss, &sslen),
			 0);
	ck_assert_uint_eq(ntohl(v4()->sin_addr.s_addr), 0xc00002ffu);
	ck_assert_uint_eq(ntohs(v4()->sin_port), 65535);

	/* low ports parse; refusing them is zc_data_active's job */
	ck_assert_int_eq(zc_data_parse_port("0,0,0,0,0,1", &ss, &sslen), 0);
	ck_assert_uint_eq(ntohs(v4()->sin_port), 1);
	ck_assert_int_eq(zc_data_parse_port("10,0,0,1,0,21", &ss, &sslen), 0);
	ck_assert_uint_eq(ntohs(v4()->sin_port), 21);
}
END_TEST

START_TEST(port_octet_above_255)
{
	port_fails("256,0,0,1,4,1", EINVAL);
	port_fails("1,2,3,4,256,1", EINVAL);
	port_fails("1,2,3,4,5,256", EINVAL);
	port_fails("1,2,3,999999999999999999999,5,6", EINVAL);
}
END_TEST

START_TEST(port_wrong_count)
{
	port_fails("1,2,3,4,5", EINVAL);
	port_fails("1,2,3,4,5,6,7", EINVAL);
	port_fails("1,2,3,4", EINVAL);
	port_fails("1", EINVAL);
	port_fails("", EINVAL);
}
END_TEST

START_TEST(port_spaces_and_empty_fields)
{
	port_fails(" 1,2,3,4,5,6", EINVAL);
	port_fails("1, 2,3,4,5,6", EINVAL);
	port_fails("1,2,3,4,5,6 ", EINVAL);
	port_fails("1,2,3,4,5 ,6", EINVAL);
	port_fails("1,,3,4,5,6", EINVAL);
	port_fails("1,2,3,4,5,", EINVAL);
	port_fails(",2,3,4,5,6", EINVAL);
	port_fails("1,2,3,4,5,6,", EINVAL);
	port_fails(",,,,,", EINVAL);
}
END_TEST

START_TEST(port_signs_and_junk)
{
	port_fails("+1,2,3,4,5,6", EINVAL);
	port_fails("-1,2,3,4,5,6", EINVAL);
	port_fails("1,2,3,4,-5,6", EINVAL);
	port_fails("1.2.3.4,5,6", EINVAL);
	port_fails("0x7f,0,0,1,4,1", EINVAL);
	port_fails("1,2,3,4,5,6x", EINVAL);
	port_fails("(1,2,3,4,5,6)", EINVAL);
}
END_TEST

START_TEST(port_zero_is_erange)
{
	port_fails("127,0,0,1,0,0", ERANGE);
	port_fails("1,2,3,4,000,0", ERANGE);
}
END_TEST

/* ---- EPRT --------------------------------------------------------------- */

START_TEST(eprt_ipv4)
{
	ck_assert_int_eq(zc_data_parse_eprt("|1|127.0.0.1|2121|", &ss, &sslen),
			 0);
	ck_assert_int_eq(ss.ss_family, AF_INET);
	ck_assert_uint_eq(sslen, sizeof(struct sockaddr_in));
	ck_assert_uint_eq(ntohl(v4()->sin_addr.s_addr), 0x7f000001u);
	ck_assert_uint_eq(ntohs(v4()->sin_port), 2121);
}
END_TEST

START_TEST(eprt_ipv6)
{
	struct in6_addr want;

	ck_assert_int_eq(zc_data_parse_eprt("|2|::1|2121|", &ss, &sslen), 0);
	ck_assert_int_eq(ss.ss_family, AF_INET6);
	ck_assert_uint_eq(sslen, sizeof(struct sockaddr_in6));
	ck_assert_int_eq(memcmp(&v6()->sin6_addr, &in6addr_loopback,
				sizeof(want)),
			 0);
	ck_assert_uint_eq(ntohs(v6()->sin6_port), 2121);

	ck_assert_int_eq(zc_data_parse_eprt("|2|2001:db8::7|65535|", &ss,
					    &sslen),
			 0);
	ck_assert_int_eq(inet_pton(AF_INET6, "2001:db8::7", &want), 1);
	ck_assert_int_eq(memcmp(&v6()->sin6_addr, &want, sizeof(want)), 0);
	ck_assert_uint_eq(ntohs(v6()->sin6_port), 65535);
}
END_TEST

START_TEST(eprt_other_delimiters)
{
	ck_assert_int_eq(zc_data_parse_eprt("!1!1.2.3.4!5000!", &ss, &sslen), 0);
	ck_assert_uint_eq(ntohl(v4()->sin_addr.s_addr), 0x01020304u);
	ck_assert_uint_eq(ntohs(v4()->sin_port), 5000);
	ck_assert_int_eq(zc_data_parse_eprt("~2~::1~21~", &ss, &sslen), 0);
	ck_assert_int_eq(ss.ss_family, AF_INET6);
	ck_assert_int_eq(zc_data_parse_eprt("x1x1.2.3.4x5000x", &ss, &sslen),
			 0);
}
END_TEST

START_TEST(eprt_unknown_protocol)
{
	eprt_fails("|3|1.2.3.4|5000|", EAFNOSUPPORT);
	eprt_fails("|0|1.2.3.4|5000|", EAFNOSUPPORT);
	eprt_fails("|65535|1.2.3.4|5000|", EAFNOSUPPORT);
}
END_TEST

START_TEST(eprt_bad_address)
{
	eprt_fails("|1|1.2.3|5000|", EINVAL);
	eprt_fails("|1|256.1.1.1|5000|", EINVAL);
	eprt_fails("|1|::1|5000|", EINVAL);
	eprt_fails("|2|1.2.3.4|5000|", EINVAL);
	eprt_fails("|2|::g|5000|", EINVAL);
	eprt_fails("|1|localhost|5000|", EINVAL);
	eprt_fails("|1| 1.2.3.4|5000|", EINVAL);
}
END_TEST

START_TEST(eprt_missing_delimiters_and_empty_fields)
{
	eprt_fails("|1|127.0.0.1|2121", EINVAL);
	eprt_fails("|1|127.0.0.1", EINVAL);
	eprt_fails("|1|", EINVAL);
	eprt_fails("|", EINVAL);
	eprt_fails("", EINVAL);
	eprt_fails("||127.0.0.1|2121|", EINVAL);
	eprt_fails("|1||2121|", EINVAL);
	eprt_fails("|1|127.0.0.1||", EINVAL);
	eprt_fails("|1!127.0.0.1!2121!", EINVAL);
}
END_TEST

START_TEST(eprt_port_range)
{
	eprt_fails("|1|127.0.0.1|0|", ERANGE);
	eprt_fails("|2|::1|0|", ERANGE);
	errno = 0;
	ck_assert_int_eq(zc_data_parse_eprt("|1|127.0.0.1|65536|", &ss, &sslen),
			 -1);
	ck_assert(errno == EINVAL || errno == ERANGE);
	eprt_fails("|1|127.0.0.1|+21|", EINVAL);
	eprt_fails("|1|127.0.0.1|-21|", EINVAL);
	eprt_fails("|1|127.0.0.1|21a|", EINVAL);
	eprt_fails("|+1|127.0.0.1|21|", EINVAL);
}
END_TEST

START_TEST(eprt_trailing_junk)
{
	eprt_fails("|1|127.0.0.1|2121|x", EINVAL);
	eprt_fails("|1|127.0.0.1|2121||", EINVAL);
	eprt_fails("|1|127.0.0.1|2121| ", EINVAL);
}
END_TEST

START_TEST(eprt_ambiguous_delimiters_refused)
{
	eprt_fails("1112711.2.3.4121211", EINVAL); /* digit */
	eprt_fails("5|1|1.2.3.4|5000|", EINVAL);
	eprt_fails(".1.1.2.3.4.5000.", EINVAL);
	eprt_fails(":2:::1:5000:", EINVAL);
	eprt_fails("a1a1.2.3.4a5000a", EINVAL); /* hex digit */
	eprt_fails("F2F::1F5000F", EINVAL);
	eprt_fails(" 1 1.2.3.4 5000 ", EINVAL); /* not printable-visible */
	eprt_fails("\x7f" "1\x7f" "1.2.3.4\x7f" "5000\x7f", EINVAL);
	eprt_fails("\xc3" "1\xc3" "1.2.3.4\xc3" "5000\xc3", EINVAL);
}
END_TEST

/* ---- address comparisons ------------------------------------------------- */

static struct sockaddr_storage
mk4(const char *ip, unsigned port)
{
	struct sockaddr_storage a;
	struct sockaddr_in *s = (struct sockaddr_in *)(void *)&a;

	memset(&a, 0, sizeof(a));
	s->sin_family = AF_INET;
	s->sin_port = htons((uint16_t)port);
	ck_assert_int_eq(inet_pton(AF_INET, ip, &s->sin_addr), 1);
	return a;
}

static struct sockaddr_storage
mk6(const char *ip, unsigned port)
{
	struct sockaddr_storage a;
	struct sockaddr_in6 *s = (struct sockaddr_in6 *)(void *)&a;

	memset(&a, 0, sizeof(a));
	s->sin6_family = AF_INET6;
	s->sin6_port = htons((uint16_t)port);
	ck_assert_int_eq(inet_pton(AF_INET6, ip, &s->sin6_addr), 1);
	return a;
}

START_TEST(same_ip_v4)
{
	struct sockaddr_storage a = mk4("192.0.2.1", 21);
	struct sockaddr_storage b = mk4("192.0.2.1", 50000);
	struct sockaddr_storage c = mk4("192.0.2.2", 21);

	ck_assert(zc_data_same_ip(&a, &b)); /* ports ignored */
	ck_assert(zc_data_same_ip(&a, &a));
	ck_assert(!zc_data_same_ip(&a, &c));
	ck_assert(!zc_data_same_ip(&c, &a));
}
END_TEST

START_TEST(same_ip_v4_and_v4_mapped)
{
	struct sockaddr_storage a = mk4("192.0.2.1", 21);
	struct sockaddr_storage m = mk6("::ffff:192.0.2.1", 2000);
	struct sockaddr_storage o = mk6("::ffff:192.0.2.9", 21);

	ck_assert(zc_data_same_ip(&a, &m));
	ck_assert(zc_data_same_ip(&m, &a));
	ck_assert(zc_data_same_ip(&m, &m));
	ck_assert(!zc_data_same_ip(&a, &o));
	ck_assert(!zc_data_same_ip(&o, &a));
}
END_TEST

START_TEST(same_ip_v6)
{
	struct sockaddr_storage a = mk6("2001:db8::1", 21);
	struct sockaddr_storage b = mk6("2001:db8::1", 3000);
	struct sockaddr_storage c = mk6("2001:db8::2", 21);
	struct sockaddr_storage lo6 = mk6("::1", 21);
	struct sockaddr_storage lo4 = mk4("127.0.0.1", 21);
	struct sockaddr_storage compat = mk6("::192.0.2.1", 21);
	struct sockaddr_storage v4 = mk4("192.0.2.1", 21);

	ck_assert(zc_data_same_ip(&a, &b));
	ck_assert(!zc_data_same_ip(&a, &c));
	ck_assert(!zc_data_same_ip(&lo6, &lo4));
	ck_assert(!zc_data_same_ip(&lo4, &lo6));
	/* only ::ffff:a.b.c.d is an IPv4 address, not ::a.b.c.d */
	ck_assert(!zc_data_same_ip(&compat, &v4));
	ck_assert(!zc_data_same_ip(&v4, &compat));
}
END_TEST

START_TEST(same_ip_unknown_family_never_matches)
{
	struct sockaddr_storage z1, z2;
	struct sockaddr_storage v4 = mk4("0.0.0.0", 0);

	memset(&z1, 0, sizeof(z1));
	memset(&z2, 0, sizeof(z2));
	ck_assert(!zc_data_same_ip(&z1, &z2));
	ck_assert(!zc_data_same_ip(&z1, &v4));
	ck_assert(!zc_data_same_ip(&v4, &z1));
}
END_TEST

START_TEST(is_ipv6)
{
	struct sockaddr_storage a = mk6("::1", 21);
	struct sockaddr_storage b = mk6("2001:db8::1", 21);
	struct sockaddr_storage m = mk6("::ffff:127.0.0.1", 21);
	struct sockaddr_storage v4 = mk4("127.0.0.1", 21);
	struct sockaddr_storage z;

	memset(&z, 0, sizeof(z));
	ck_assert(zc_data_is_ipv6(&a));
	ck_assert(zc_data_is_ipv6(&b));
	ck_assert(!zc_data_is_ipv6(&m));
	ck_assert(!zc_data_is_ipv6(&v4));
	ck_assert(!zc_data_is_ipv6(&z));
}
END_TEST

START_TEST(parsed_addresses_compare_with_peer)
{
	struct sockaddr_storage peer = mk6("::ffff:127.0.0.1", 40000);

	ck_assert_int_eq(zc_data_parse_port("127,0,0,1,8,0", &ss, &sslen), 0);
	ck_assert(zc_data_same_ip(&ss, &peer));
	ck_assert_int_eq(zc_data_parse_eprt("|1|127.0.0.2|2048|", &ss, &sslen),
			 0);
	ck_assert(!zc_data_same_ip(&ss, &peer));
}
END_TEST

START_TEST(local_port_range_text)
{
	unsigned lo = 0, hi = 0;

	ck_assert_int_eq(zc_data_parse_local_range("32768\t60999\n", &lo, &hi), 0);
	ck_assert_uint_eq(lo, 32768);
	ck_assert_uint_eq(hi, 60999);
	ck_assert_int_eq(zc_data_parse_local_range("1024 1024", &lo, &hi), 0);
	ck_assert_uint_eq(lo, 1024);
	ck_assert_uint_eq(hi, 1024);
	ck_assert_int_eq(zc_data_parse_local_range("", &lo, &hi), -1);
	ck_assert_int_eq(zc_data_parse_local_range("32768", &lo, &hi), -1);
	ck_assert_int_eq(zc_data_parse_local_range("60999 32768", &lo, &hi), -1);
	ck_assert_int_eq(zc_data_parse_local_range("0 100", &lo, &hi), -1);
	ck_assert_int_eq(zc_data_parse_local_range("1 70000", &lo, &hi), -1);
	ck_assert_int_eq(zc_data_parse_local_range("x y", &lo, &hi), -1);
}
END_TEST

/* Corked, a short write stays with the sender (the kernel holds a
 * partial segment for up to 200 ms); uncorking sends it at once. */
START_TEST(cork_holds_a_partial_segment_until_taken_off)
{
	int fds[2], v = -1, queued = -1;
	socklen_t vl = sizeof(v);
	struct pollfd pfd;
	long long t0;

	tcp_pair(&fds[0], &fds[1]); /* fds[0] sends, fds[1] receives */
	ck_assert_int_eq(zc_data_cork(fds[0], true), 0);
	ck_assert_int_eq(getsockopt(fds[0], IPPROTO_TCP, TCP_CORK, &v, &vl), 0);
	ck_assert_int_eq(v, 1);
	t0 = zc_now_ms();
	ck_assert_int_eq(write(fds[0], "tail", 4), 4);
	ck_assert_int_eq(ioctl(fds[1], FIONREAD, &queued), 0);
	/* only meaningful well inside the kernel's 200 ms cork limit */
	if (zc_now_ms() - t0 < 100)
		ck_assert_int_eq(queued, 0);
	ck_assert_int_eq(zc_data_cork(fds[0], false), 0);
	ck_assert_int_eq(getsockopt(fds[0], IPPROTO_TCP, TCP_CORK, &v, &vl), 0);
	ck_assert_int_eq(v, 0);
	pfd = (struct pollfd){.fd = fds[1], .events = POLLIN};
	ck_assert_int_eq(poll(&pfd, 1, 5000), 1);
	ck_assert_int_eq(ioctl(fds[1], FIONREAD, &queued), 0);
	ck_assert_int_eq(queued, 4);
	/* not a TCP socket: an error, never a crash */
	ck_assert_int_eq(zc_data_cork(-1, true), -1);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

static Suite *
data_conn_suite(void)
{
	Suite *s = suite_create("data_conn");
	TCase *tc;

	tc = tcase_create("port");
	tcase_add_test(tc, port_valid);
	tcase_add_test(tc, port_octet_above_255);
	tcase_add_test(tc, port_wrong_count);
	tcase_add_test(tc, port_spaces_and_empty_fields);
	tcase_add_test(tc, port_signs_and_junk);
	tcase_add_test(tc, port_zero_is_erange);
	suite_add_tcase(s, tc);

	tc = tcase_create("eprt");
	tcase_add_test(tc, eprt_ipv4);
	tcase_add_test(tc, eprt_ipv6);
	tcase_add_test(tc, eprt_other_delimiters);
	tcase_add_test(tc, eprt_unknown_protocol);
	tcase_add_test(tc, eprt_bad_address);
	tcase_add_test(tc, eprt_missing_delimiters_and_empty_fields);
	tcase_add_test(tc, eprt_port_range);
	tcase_add_test(tc, eprt_trailing_junk);
	tcase_add_test(tc, eprt_ambiguous_delimiters_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("addresses");
	tcase_add_test(tc, same_ip_v4);
	tcase_add_test(tc, same_ip_v4_and_v4_mapped);
	tcase_add_test(tc, same_ip_v6);
	tcase_add_test(tc, same_ip_unknown_family_never_matches);
	tcase_add_test(tc, is_ipv6);
	tcase_add_test(tc, local_port_range_text);
	tcase_add_test(tc, parsed_addresses_compare_with_peer);
	suite_add_tcase(s, tc);

	tc = tcase_create("socket");
	tcase_add_test(tc, cork_holds_a_partial_segment_until_taken_off);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(data_conn_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
