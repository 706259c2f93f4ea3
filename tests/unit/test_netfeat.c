/* Unit tests for netfeat.c: the default-route parsers (/proc/net/route
 * and /proc/net/ipv6_route text), the feature lookup in an ethtool
 * strings table and bitmap, the report line, and a real query of the
 * loopback interface (which every Linux has, with scatter-gather on). */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <linux/ethtool.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netfeat.h"

static const char route4[] =
	"Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
	"eth1\t00000000\t010200C0\t0003\t0\t0\t600\t00000000\t0\t0\t0\n"
	"eth0\t00000000\t010200C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
	"eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
	"down0\t00000000\t010200C0\t0002\t0\t0\t1\t00000000\t0\t0\t0\n";

START_TEST(ipv4_default_route_lowest_metric_up)
{
	char dev[IF_NAMESIZE];

	ck_assert_int_eq(zc_netfeat_default_route4(route4, dev, sizeof(dev)), 0);
	ck_assert_str_eq(dev, "eth0");
	ck_assert_int_eq(zc_netfeat_default_route4(
				 "Iface\tDestination\n"
				 "eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n",
				 dev, sizeof(dev)),
			 -1);
	ck_assert_int_eq(zc_netfeat_default_route4("", dev, sizeof(dev)), -1);
}
END_TEST

START_TEST(ipv6_default_route)
{
	static const char r6[] =
		"fd000000000000000000000000000000 40 00000000000000000000000000000000 00 "
		"00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0\n"
		"00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
		"fd000000000000000000000000000001 00000400 00000002 00000000 00000003     wan0\n"
		"00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
		"00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo\n";
	char dev[IF_NAMESIZE];

	ck_assert_int_eq(zc_netfeat_default_route6(r6, dev, sizeof(dev)), 0);
	ck_assert_str_eq(dev, "wan0");
	ck_assert_int_eq(zc_netfeat_default_route6("", dev, sizeof(dev)), -1);
}
END_TEST

START_TEST(lookup_in_strings_and_bitmap)
{
	char names[40][ETH_GSTRING_LEN];
	uint32_t active[2] = {0, 0};

	memset(names, 0, sizeof(names));
	for (int i = 0; i < 40; i++)
		snprintf(names[i], ETH_GSTRING_LEN, "feature-%d", i);
	snprintf(names[3], ETH_GSTRING_LEN, "tx-scatter-gather");
	snprintf(names[35], ETH_GSTRING_LEN, "tls-hw-tx-offload");
	active[0] = 1u << 3;
	ck_assert_int_eq(zc_netfeat_lookup(names[0], 40, ETH_GSTRING_LEN, active,
					   "tx-scatter-gather"), 1);
	ck_assert_int_eq(zc_netfeat_lookup(names[0], 40, ETH_GSTRING_LEN, active,
					   "tls-hw-tx-offload"), 0);
	active[1] = 1u << 3; /* bit 35 */
	ck_assert_int_eq(zc_netfeat_lookup(names[0], 40, ETH_GSTRING_LEN, active,
					   "tls-hw-tx-offload"), 1);
	ck_assert_int_eq(zc_netfeat_lookup(names[0], 40, ETH_GSTRING_LEN, active,
					   "tx-checksum-ipv4"), -1);
	/* a prefix of a name is not the name */
	ck_assert_int_eq(zc_netfeat_lookup(names[0], 40, ETH_GSTRING_LEN, active,
					   "tx-scatter"), -1);
}
END_TEST

START_TEST(format_line)
{
	struct zc_nic_features f = {.dev = "eth0", .sg = 1, .csum = 0, .tso = 1,
				    .tls_tx = -1, .tls_rx = 0};
	char out[256];

	zc_netfeat_format(&f, out, sizeof(out));
	ck_assert_str_eq(out, "dev eth0: tx-scatter-gather on, tx-checksum off, "
			      "tso on, tls-hw-tx-offload unknown, "
			      "tls-hw-rx-offload off");
}
END_TEST

START_TEST(loopback_is_found_and_queried)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (void *)&ss;
	struct zc_nic_features f;
	char dev[IF_NAMESIZE], line[256];

	memset(&ss, 0, sizeof(ss));
	s4->sin_family = AF_INET;
	s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(zc_netfeat_egress(&ss, dev, sizeof(dev)), 0);
	ck_assert_str_eq(dev, "lo");
	ck_assert_int_eq(zc_netfeat_query("lo", &f), 0);
	ck_assert_int_eq(f.sg, 1);
	ck_assert_int_ne(f.csum, -1);
	zc_netfeat_describe(&ss, line, sizeof(line));
	ck_assert_ptr_nonnull(strstr(line, "dev lo: tx-scatter-gather on"));
	/* an address of no interface */
	ck_assert_int_eq(inet_pton(AF_INET, "192.0.2.254", &s4->sin_addr), 1);
	ck_assert_int_eq(zc_netfeat_egress(&ss, dev, sizeof(dev)), -1);
	zc_netfeat_describe(&ss, line, sizeof(line));
	ck_assert_ptr_nonnull(strstr(line, "unknown"));
	ck_assert_int_eq(zc_netfeat_query("no-such-if0", &f), -1);
}
END_TEST

static Suite *
netfeat_suite(void)
{
	Suite *s = suite_create("netfeat");
	TCase *tc = tcase_create("netfeat");

	tcase_add_test(tc, ipv4_default_route_lowest_metric_up);
	tcase_add_test(tc, ipv6_default_route);
	tcase_add_test(tc, lookup_in_strings_and_bitmap);
	tcase_add_test(tc, format_line);
	tcase_add_test(tc, loopback_is_found_and_queried);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(netfeat_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
