# Unit tests (check). Add a module: tests/unit/test_<module>.c, then a
# line in UNIT_TESTS below and a _SOURCES/_CFLAGS/_LDADD trio.
UNIT_TESTS = \
	tests/unit/test_str

check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)

tests_unit_test_str_SOURCES = tests/unit/test_str.c
tests_unit_test_str_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_str_LDADD = $(UNIT_LIBS)
