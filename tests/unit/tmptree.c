/* tmptree.c: see tmptree.h. */
#include "config.h"

#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>

#include "tmptree.h"

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void
test_rm_tree(const char *path)
{
	(void)nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}
