/* Unit tests for scoreboard.c: the shared worker slots. */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "scoreboard.h"

static struct zc_scoreboard sb;

static void
sb_setup(void)
{
	memset(&sb, 0, sizeof(sb));
	ck_assert_int_eq(zc_scoreboard_create(&sb), 0);
}

static void
sb_teardown(void)
{
	zc_scoreboard_destroy(&sb);
}

static struct sockaddr_storage
mk4(const char *ip)
{
	struct sockaddr_storage a;
	struct sockaddr_in *s = (struct sockaddr_in *)(void *)&a;

	memset(&a, 0, sizeof(a));
	s->sin_family = AF_INET;
	s->sin_port = htons(40000);
	ck_assert_int_eq(inet_pton(AF_INET, ip, &s->sin_addr), 1);
	return a;
}

static struct sockaddr_storage
mk6(const char *ip)
{
	struct sockaddr_storage a;
	struct sockaddr_in6 *s = (struct sockaddr_in6 *)(void *)&a;

	memset(&a, 0, sizeof(a));
	s->sin6_family = AF_INET6;
	s->sin6_port = htons(40001);
	ck_assert_int_eq(inet_pton(AF_INET6, ip, &s->sin6_addr), 1);
	return a;
}

static void
busy(size_t i, struct sockaddr_storage peer)
{
	sb.slots[i].peer = peer;
	zc_slot_set_state(&sb.slots[i], ZC_SLOT_BUSY);
}

START_TEST(create_maps_zeroed_free_slots)
{
	ck_assert_ptr_nonnull(sb.shm);
	ck_assert_ptr_eq(sb.slots, sb.shm->slots);
	ck_assert_uint_eq(sb.n, ZC_SCOREBOARD_SLOTS);
	ck_assert_uint_eq(sb.shm->high_water, 0);
	for (size_t i = 0; i < sb.n; i += 997) {
		ck_assert_int_eq(zc_slot_get_state(&sb.slots[i]), ZC_SLOT_FREE);
		ck_assert_uint_eq(sb.slots[i].bytes, 0);
		ck_assert_int_eq(sb.slots[i].peer.ss_family, 0);
	}
	ck_assert_int_eq(zc_slot_get_state(&sb.slots[sb.n - 1]), ZC_SLOT_FREE);
	/* the whole mapping is writable */
	sb.slots[sb.n - 1].bytes = 42;
	ck_assert_uint_eq(sb.slots[sb.n - 1].bytes, 42);
}
END_TEST

START_TEST(slot_states_round_trip)
{
	static const enum zc_slot_state states[] = {
		ZC_SLOT_STARTING, ZC_SLOT_IDLE, ZC_SLOT_BUSY, ZC_SLOT_FREE};

	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		zc_slot_set_state(&sb.slots[7], states[i]);
		ck_assert_int_eq(zc_slot_get_state(&sb.slots[7]), states[i]);
	}
	ck_assert_int_eq(zc_slot_get_state(&sb.slots[6]), ZC_SLOT_FREE);
	ck_assert_int_eq(zc_slot_get_state(&sb.slots[8]), ZC_SLOT_FREE);
}
END_TEST

START_TEST(garbage_state_reads_as_busy)
{
	sb.slots[3].state = 42;
	ck_assert_int_eq(zc_slot_get_state(&sb.slots[3]), ZC_SLOT_BUSY);
	sb.slots[3].state = -1;
	ck_assert_int_eq(zc_slot_get_state(&sb.slots[3]), ZC_SLOT_BUSY);
	sb.slots[3].state = ZC_SLOT_BUSY + 1;
	ck_assert_int_eq(zc_slot_get_state(&sb.slots[3]), ZC_SLOT_BUSY);
	sb.slots[3].state = 0x7fffffff;
	ck_assert_int_eq(zc_slot_get_state(&sb.slots[3]), ZC_SLOT_BUSY);
}
END_TEST

START_TEST(count_ip_only_below_high_water)
{
	struct sockaddr_storage a = mk4("192.0.2.1");

	busy(0, a);
	busy(1, a);
	busy(5, a);
	ck_assert_uint_eq(zc_scoreboard_count_ip(&sb, &a), 0);
	zc_scoreboard_set_high_water(&sb, 2);
	ck_assert_uint_eq(sb.shm->high_water, 2);
	ck_assert_uint_eq(zc_scoreboard_count_ip(&sb, &a), 2);
	zc_scoreboard_set_high_water(&sb, 5);
	ck_assert_uint_eq(zc_scoreboard_count_ip(&sb, &a), 2);
	zc_scoreboard_set_high_water(&sb, 6);
	ck_assert_uint_eq(zc_scoreboard_count_ip(&sb, &a), 3);
}
END_TEST

START_TEST(count_ip_only_busy_slots_with_that_ip)
{
	struct sockaddr_storage a = mk4("192.0.2.1");
	struct sockaddr_storage b = mk4("192.0.2.2");

	zc_scoreboard_set_high_water(&sb, 10);
	busy(0, a);
	busy(1, b);
	sb.slots[2].peer = a;
	zc_slot_set_state(&sb.slots[2], ZC_SLOT_IDLE);
	sb.slots[3].peer = a;
	zc_slot_set_state(&sb.slots[3], ZC_SLOT_STARTING);
	sb.slots[4].peer = a; /* FREE */
	busy(9, a);
	ck_assert_uint_eq(zc_scoreboard_count_ip(&sb, &a), 2);
	ck_assert_uint_eq(zc_scoreboard_count_ip(&sb, &b), 1);
	{
		struct sockaddr_storage c = mk4("198.51.100.1");
		ck_assert_uint_eq(zc_scoreboard_count_ip(&sb, &c), 0);
	}
}
END_TEST

START_TEST(count_ip_v4_mapped_counts_as_v4)
{
	struct sockaddr_storage a = mk4("192.0.2.1");
	struct sockaddr_storage m = mk6("::ffff:192.0.2.1");
	struct sockaddr_storage v6 = mk6("2001:db8::1");

	zc_scoreboard_set_high_water(&sb, 4);
	busy(0, a);
	busy(1, m);
	busy(2, v6);
	busy(3, v6);
	ck_assert_uint_eq(zc_scoreboard_count_ip(&sb, &a), 2);
	ck_assert_uint_eq(zc_scoreboard_count_ip(&sb, &m), 2);
	ck_assert_uint_eq(zc_scoreboard_count_ip(&sb, &v6), 2);
}
END_TEST

START_TEST(count_ip_garbage_state_counts_as_busy)
{
	struct sockaddr_storage a = mk4("192.0.2.1");

	zc_scoreboard_set_high_water(&sb, 3);
	sb.slots[1].peer = a;
	sb.slots[1].state = 77;
	ck_assert_uint_eq(zc_scoreboard_count_ip(&sb, &a), 1);
}
END_TEST

START_TEST(count_ip_high_water_beyond_slots_is_clamped)
{
	struct sockaddr_storage a = mk4("192.0.2.1");

	busy(sb.n - 1, a);
	zc_scoreboard_set_high_water(&sb, sb.n + 1000);
	ck_assert_uint_eq(zc_scoreboard_count_ip(&sb, &a), 1);
	zc_scoreboard_set_high_water(&sb, (size_t)-1);
	ck_assert_uint_eq(zc_scoreboard_count_ip(&sb, &a), 1);
}
END_TEST

START_TEST(children_share_the_mapping)
{
	struct sockaddr_storage a = mk4("192.0.2.1");
	pid_t pid;
	int status;

	zc_scoreboard_set_high_water(&sb, 8);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		sb.slots[4].peer = a;
		sb.slots[4].bytes = 12345;
		zc_slot_set_state(&sb.slots[4], ZC_SLOT_BUSY);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_eq(zc_slot_get_state(&sb.slots[4]), ZC_SLOT_BUSY);
	ck_assert_uint_eq(sb.slots[4].bytes, 12345);
	ck_assert_uint_eq(zc_scoreboard_count_ip(&sb, &a), 1);
}
END_TEST

START_TEST(destroy_resets_and_is_idempotent)
{
	zc_scoreboard_destroy(&sb);
	ck_assert_ptr_null(sb.shm);
	ck_assert_ptr_null(sb.slots);
	ck_assert_uint_eq(sb.n, 0);
	zc_scoreboard_destroy(&sb);
	ck_assert_ptr_null(sb.shm);
}
END_TEST

static Suite *
scoreboard_suite(void)
{
	Suite *s = suite_create("scoreboard");
	TCase *tc = tcase_create("slots");

	tcase_add_checked_fixture(tc, sb_setup, sb_teardown);
	tcase_add_test(tc, create_maps_zeroed_free_slots);
	tcase_add_test(tc, slot_states_round_trip);
	tcase_add_test(tc, garbage_state_reads_as_busy);
	tcase_add_test(tc, count_ip_only_below_high_water);
	tcase_add_test(tc, count_ip_only_busy_slots_with_that_ip);
	tcase_add_test(tc, count_ip_v4_mapped_counts_as_v4);
	tcase_add_test(tc, count_ip_garbage_state_counts_as_busy);
	tcase_add_test(tc, count_ip_high_water_beyond_slots_is_clamped);
	tcase_add_test(tc, children_share_the_mapping);
	tcase_add_test(tc, destroy_resets_and_is_idempotent);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(scoreboard_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
