/*
 * tmptree.h: temporary directory trees of the unit tests, removed whole.
 */
#ifndef ZC_TEST_TMPTREE_H
#define ZC_TEST_TMPTREE_H

/* Remove `path` and everything under it, symbolic links as links (not
 * followed); errors are ignored (a test's teardown). */
void test_rm_tree(const char *path);

#endif
