/* Unit tests for iobuf.c: transfer buffers start on a page. */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iobuf.h"

START_TEST(buffers_start_on_a_page)
{
	static const size_t sizes[] = {1, 4096, 16 * 1024, 256 * 1024,
				       256 * 1024 + 5, 4 * 1024 * 1024};
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		/* two at a time: the second is not simply the first reused */
		unsigned char *a = zc_iobuf_alloc(sizes[i]);
		unsigned char *b = zc_iobuf_alloc(sizes[i]);

		ck_assert_ptr_nonnull(a);
		ck_assert_ptr_nonnull(b);
		ck_assert_ptr_ne(a, b);
		ck_assert_uint_eq((uintptr_t)a % page, 0);
		ck_assert_uint_eq((uintptr_t)b % page, 0);
		/* the whole size is usable (ASan checks the bounds) */
		memset(a, 0xa5, sizes[i]);
		memset(b, 0x5a, sizes[i]);
		ck_assert_uint_eq(a[sizes[i] - 1], 0xa5);
		free(a);
		free(b);
	}
}
END_TEST

static Suite *
iobuf_suite(void)
{
	Suite *s = suite_create("iobuf");
	TCase *tc = tcase_create("alloc");

	tcase_add_test(tc, buffers_start_on_a_page);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(iobuf_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
