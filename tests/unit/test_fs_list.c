/* Unit tests for fs_list.c: mode strings, LIST/MLSD line formatting with
 * an injected "now", LIST/NLST argument parsing, and zc_list_dir on a real
 * temp directory with a collecting sink. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fs_list.h"
#include "statpool.h"
#include "tmptree.h"

/* Fri Mar 15 12:00:00 2024 UTC */
#define NOW ((time_t)1710504000)
#define DAY (24 * 3600)

static void
set_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

static void
mode_is(mode_t mode, const char *want)
{
	char out[11];

	memset(out, 'Z', sizeof(out));
	zc_list_mode_string(mode, out);
	ck_assert_msg(strcmp(out, want) == 0, "mode 0%o -> %s, want %s",
		      (unsigned)mode, out, want);
}

/* ---- mode strings ----------------------------------------------------------- */

START_TEST(mode_string_file_types)
{
	mode_is(S_IFREG | 0644, "-rw-r--r--");
	mode_is(S_IFDIR | 0755, "drwxr-xr-x");
	mode_is(S_IFLNK | 0777, "lrwxrwxrwx");
	mode_is(S_IFIFO | 0600, "prw-------");
	mode_is(S_IFSOCK | 0755, "srwxr-xr-x");
	mode_is(S_IFCHR | 0666, "crw-rw-rw-");
	mode_is(S_IFBLK | 0660, "brw-rw----");
	mode_is(S_IFREG | 0, "----------");
	mode_is(S_IFREG | 0421, "-r---w---x");
}
END_TEST

START_TEST(mode_string_setuid_setgid_sticky)
{
	mode_is(S_IFREG | 04755, "-rwsr-xr-x");
	mode_is(S_IFREG | 04644, "-rwSr--r--");
	mode_is(S_IFREG | 02755, "-rwxr-sr-x");
	mode_is(S_IFREG | 02744, "-rwxr-Sr--");
	mode_is(S_IFDIR | 01777, "drwxrwxrwt");
	mode_is(S_IFDIR | 01776, "drwxrwxrwT");
	mode_is(S_IFREG | 07000, "---S--S--T");
	mode_is(S_IFREG | 07777, "-rwsrwsrwt");
}
END_TEST

/* ---- LIST lines ------------------------------------------------------------- */

static struct stat
file_stat(mode_t mode, off_t size, time_t mtime)
{
	struct stat st;

	memset(&st, 0, sizeof(st));
	st.st_mode = mode;
	st.st_nlink = 1;
	st.st_uid = 1000;
	st.st_gid = 100;
	st.st_size = size;
	st.st_mtime = mtime;
	st.st_dev = 0x801;
	st.st_ino = 0x1234;
	return st;
}

static char line[8192];

static void
long_is(const struct stat *st, const char *name, const char *target,
	const struct zc_list_opts *o, const char *want)
{
	size_t n = zc_list_format_long(line, sizeof(line), name, st, target, o);

	ck_assert_str_eq(line, want);
	ck_assert_uint_eq(n, strlen(want));
}

START_TEST(long_recent_file_shows_time)
{
	struct zc_list_opts o = {.now = NOW};
	struct stat st = file_stat(S_IFREG | 0644, 1234, NOW - 10 * DAY);

	set_tz("UTC0");
	long_is(&st, "file.txt", NULL, &o,
		"-rw-r--r--    1 1000     100              1234 Mar  5 12:00 "
		"file.txt\r\n");
	/* a little in the future (clock skew) still counts as recent */
	st.st_mtime = NOW + 1800;
	long_is(&st, "f", NULL, &o,
		"-rw-r--r--    1 1000     100              1234 Mar 15 12:30 "
		"f\r\n");
	/* five and a half months old: recent */
	st.st_mtime = NOW - 170 * DAY;
	ck_assert_uint_gt(zc_list_format_long(line, sizeof(line), "f", &st,
					      NULL, &o),
			  0);
	ck_assert_ptr_nonnull(strstr(line, " 12:00 f\r\n"));
}
END_TEST

START_TEST(long_old_file_shows_year)
{
	struct zc_list_opts o = {.now = NOW};
	struct stat st = file_stat(S_IFREG | 0644, 1, NOW - 200 * DAY);

	set_tz("UTC0");
	long_is(&st, "old", NULL, &o,
		"-rw-r--r--    1 1000     100                 1 Aug 28  2023 "
		"old\r\n");
	st.st_mtime = 1200000000; /* Jan 10 2008 */
	long_is(&st, "older", NULL, &o,
		"-rw-r--r--    1 1000     100                 1 Jan 10  2008 "
		"older\r\n");
}
END_TEST

START_TEST(long_future_file_shows_year)
{
	struct zc_list_opts o = {.now = NOW};
	struct stat st = file_stat(S_IFREG | 0644, 1, NOW + 2 * DAY);

	set_tz("UTC0");
	long_is(&st, "soon", NULL, &o,
		"-rw-r--r--    1 1000     100                 1 Mar 17  2024 "
		"soon\r\n");
	st.st_mtime = NOW + 168 * DAY; /* Aug 30 2024 */
	long_is(&st, "later", NULL, &o,
		"-rw-r--r--    1 1000     100                 1 Aug 30  2024 "
		"later\r\n");
}
END_TEST

START_TEST(long_hide_ids_prints_ftp)
{
	struct zc_list_opts o = {.now = NOW, .hide_ids = true};
	struct stat st = file_stat(S_IFDIR | 0755, 4096, NOW - DAY);

	set_tz("UTC0");
	st.st_nlink = 3;
	long_is(&st, "pub", NULL, &o,
		"drwxr-xr-x    3 ftp      ftp              4096 Mar 14 12:00 "
		"pub\r\n");
}
END_TEST

START_TEST(long_numeric_ids_wide_values)
{
	struct zc_list_opts o = {.now = NOW};
	struct stat st = file_stat(S_IFREG | 0600, 0, NOW - DAY);

	set_tz("UTC0");
	st.st_uid = 4294967294u;
	st.st_gid = 123456789;
	st.st_nlink = 123456;
	long_is(&st, "x", NULL, &o,
		"-rw------- 123456 4294967294 123456789            0 Mar 14 "
		"12:00 x\r\n");
}
END_TEST

START_TEST(long_symlink_shows_target)
{
	struct zc_list_opts o = {.now = NOW, .hide_ids = true};
	struct stat st = file_stat(S_IFLNK | 0777, 13, NOW - DAY);

	set_tz("UTC0");
	long_is(&st, "link", "sub/inner.txt", &o,
		"lrwxrwxrwx    1 ftp      ftp                13 Mar 14 12:00 "
		"link -> sub/inner.txt\r\n");
}
END_TEST

START_TEST(long_size_above_4gib)
{
	struct zc_list_opts o = {.now = NOW, .hide_ids = true};
	struct stat st = file_stat(S_IFREG | 0644, (off_t)5 << 30, NOW - DAY);

	set_tz("UTC0");
	long_is(&st, "big.iso", NULL, &o,
		"-rw-r--r--    1 ftp      ftp        5368709120 Mar 14 12:00 "
		"big.iso\r\n");
	st.st_size = (off_t)1 << 40;
	ck_assert_uint_gt(zc_list_format_long(line, sizeof(line), "t", &st,
					      NULL, &o),
			  0);
	ck_assert_ptr_nonnull(strstr(line, " 1099511627776 "));
}
END_TEST

START_TEST(long_line_ends_in_crlf_once)
{
	struct zc_list_opts o = {.now = NOW};
	struct stat st = file_stat(S_IFREG | 0644, 1, NOW);
	size_t n;

	set_tz("UTC0");
	n = zc_list_format_long(line, sizeof(line), "name with spaces", &st,
				NULL, &o);
	ck_assert_uint_gt(n, 2);
	ck_assert_int_eq(line[n - 2], '\r');
	ck_assert_int_eq(line[n - 1], '\n');
	ck_assert_ptr_eq(strchr(line, '\r'), line + n - 2);
	ck_assert_ptr_eq(strchr(line, '\n'), line + n - 1);
	ck_assert_ptr_nonnull(strstr(line, " name with spaces\r\n"));
}
END_TEST

START_TEST(long_overflow_returns_zero)
{
	struct zc_list_opts o = {.now = NOW};
	struct stat st = file_stat(S_IFREG | 0644, 1, NOW);
	char small[128];
	size_t n;

	set_tz("UTC0");
	n = zc_list_format_long(line, sizeof(line), "file", &st, NULL, &o);
	ck_assert_uint_gt(n, 0);
	ck_assert_uint_lt(n, sizeof(small));
	ck_assert_uint_eq(zc_list_format_long(small, n + 1, "file", &st, NULL,
					      &o),
			  n);
	ck_assert_str_eq(small, line);
	ck_assert_uint_eq(zc_list_format_long(small, n, "file", &st, NULL, &o),
			  0);
	ck_assert_uint_eq(zc_list_format_long(small, 10, "file", &st, NULL, &o),
			  0);
}
END_TEST

START_TEST(long_utc_versus_local_time)
{
	struct zc_list_opts utc = {.now = NOW, .hide_ids = true};
	struct zc_list_opts local = {.now = NOW, .hide_ids = true,
				     .localtime = true};
	/* Tue Mar  5 23:30:00 2024 UTC */
	struct stat st = file_stat(S_IFREG | 0644, 7, 1709681400);

	set_tz("XYZ-3"); /* UTC+3, no zone files needed */
	long_is(&st, "f", NULL, &utc,
		"-rw-r--r--    1 ftp      ftp                 7 Mar  5 23:30 "
		"f\r\n");
	long_is(&st, "f", NULL, &local,
		"-rw-r--r--    1 ftp      ftp                 7 Mar  6 02:30 "
		"f\r\n");
	set_tz("XYZ+5"); /* UTC-5 */
	long_is(&st, "f", NULL, &local,
		"-rw-r--r--    1 ftp      ftp                 7 Mar  5 18:30 "
		"f\r\n");
	long_is(&st, "f", NULL, &utc,
		"-rw-r--r--    1 ftp      ftp                 7 Mar  5 23:30 "
		"f\r\n");
	set_tz("UTC0");
}
END_TEST

/* ---- MLSD / MLST facts -------------------------------------------------- */

START_TEST(facts_file_all)
{
	struct zc_list_opts o = {.facts = ZC_FACTS_ALL};
	struct stat st = file_stat(S_IFREG | 0644, 1234, 1709640000);
	size_t n;

	set_tz("XYZ-3"); /* modify is always UTC */
	n = zc_list_format_facts(line, sizeof(line), "file.txt", &st, NULL,
				 NULL, &o);
	ck_assert_str_eq(line, "type=file;size=1234;modify=20240305120000;"
			       "perm=r;unique=801g1234;UNIX.mode=0644; "
			       "file.txt");
	ck_assert_uint_eq(n, strlen(line));
	o.writable = true;
	zc_list_format_facts(line, sizeof(line), "f", &st, NULL, NULL, &o);
	ck_assert_ptr_nonnull(strstr(line, ";perm=adfwr;"));
	set_tz("UTC0");
}
END_TEST

START_TEST(facts_directory_has_no_size)
{
	struct zc_list_opts o = {.facts = ZC_FACTS_ALL};
	struct stat st = file_stat(S_IFDIR | 0755, 4096, 1709640000);

	zc_list_format_facts(line, sizeof(line), "pub", &st, NULL, NULL, &o);
	ck_assert_str_eq(line, "type=dir;modify=20240305120000;perm=el;"
			       "unique=801g1234;UNIX.mode=0755; pub");
	zc_list_format_facts(line, sizeof(line), ".", &st, "cdir", NULL, &o);
	ck_assert_int_eq(strncmp(line, "type=cdir;", 10), 0);
	o.writable = true;
	zc_list_format_facts(line, sizeof(line), "pub", &st, NULL, NULL, &o);
	ck_assert_ptr_nonnull(strstr(line, ";perm=cdfmpel;"));
}
END_TEST

START_TEST(facts_symlink_and_special)
{
	struct zc_list_opts o = {.facts = ZC_FACT_TYPE};
	struct stat st = file_stat(S_IFLNK | 0777, 5, 0);

	zc_list_format_facts(line, sizeof(line), "l", &st, NULL, "a/b", &o);
	ck_assert_str_eq(line, "type=OS.unix=slink:a/b; l");
	zc_list_format_facts(line, sizeof(line), "l", &st, NULL, NULL, &o);
	ck_assert_str_eq(line, "type=OS.unix=slink; l");
	st.st_mode = S_IFIFO | 0600;
	zc_list_format_facts(line, sizeof(line), "p", &st, NULL, NULL, &o);
	ck_assert_str_eq(line, "type=OS.unix=special; p");
}
END_TEST

/* modify= is UTC from utc.c's arithmetic: consecutive entries with the
 * same or other seconds, the epoch, and the years at the edges of four
 * digits (beyond them the year prints whole, as gmtime_r's did). */
START_TEST(facts_modify_dates_and_year_edges)
{
	struct zc_list_opts o = {.facts = ZC_FACT_MODIFY};
	struct stat st = file_stat(S_IFREG | 0644, 1, 1709640000);

	zc_list_format_facts(line, sizeof(line), "a", &st, NULL, NULL, &o);
	ck_assert_str_eq(line, "modify=20240305120000; a");
	zc_list_format_facts(line, sizeof(line), "b", &st, NULL, NULL, &o);
	ck_assert_str_eq(line, "modify=20240305120000; b");
	st.st_mtime += 59;
	zc_list_format_facts(line, sizeof(line), "c", &st, NULL, NULL, &o);
	ck_assert_str_eq(line, "modify=20240305120059; c");
	st.st_mtime = 0;
	zc_list_format_facts(line, sizeof(line), "d", &st, NULL, NULL, &o);
	ck_assert_str_eq(line, "modify=19700101000000; d");
	/* years beyond four digits print whole, as before */
	st.st_mtime = (time_t)253402300800LL; /* 10000-01-01 00:00:00 */
	zc_list_format_facts(line, sizeof(line), "e", &st, NULL, NULL, &o);
	ck_assert_str_eq(line, "modify=100000101000000; e");
	st.st_mtime = (time_t)-62167219200LL; /* 0000-01-01 00:00:00 */
	zc_list_format_facts(line, sizeof(line), "f", &st, NULL, NULL, &o);
	ck_assert_str_eq(line, "modify=00000101000000; f");
}
END_TEST

/* RFC 3659 7.1: "facts SP pathname"; a fact value is SCHARs (no space,
 * no ';'). A link target with either must not break the entry apart. */
static void
facts_entry_well_formed(const char *entry, const char *name, int nfacts)
{
	size_t len = strlen(entry), nlen = strlen(name);
	const char *sp = strchr(entry, ' ');
	int semis = 0;

	ck_assert_uint_gt(len, nlen + 1);
	ck_assert_msg(sp == entry + len - nlen - 1,
		      "the facts of [%s] contain a space", entry);
	for (const char *p = entry; p < sp; p++)
		semis += *p == ';';
	ck_assert_msg(semis == nfacts, "[%s]: %d ';' for %d facts", entry,
		      semis, nfacts);
}

START_TEST(facts_symlink_target_cannot_break_the_entry)
{
	struct zc_list_opts o = {.facts = ZC_FACT_TYPE | ZC_FACT_SIZE};
	struct stat st = file_stat(S_IFLNK | 0777, 11, 0);

	ck_assert_uint_gt(zc_list_format_facts(line, sizeof(line), "l", &st,
					       NULL, "my dir/file", &o),
			  0);
	facts_entry_well_formed(line, "l", 2);
	ck_assert_uint_gt(zc_list_format_facts(line, sizeof(line), "l", &st,
					       NULL, "a;size=1", &o),
			  0);
	facts_entry_well_formed(line, "l", 2);
}
END_TEST

START_TEST(facts_selection_and_overflow)
{
	struct zc_list_opts o = {.facts = ZC_FACT_SIZE | ZC_FACT_UNIX_MODE};
	struct stat st = file_stat(S_IFREG | 04755, 9, 0);
	char small[64];
	size_t n;

	n = zc_list_format_facts(line, sizeof(line), "x y", &st, NULL, NULL, &o);
	ck_assert_str_eq(line, "size=9;UNIX.mode=04755; x y");
	o.facts = 0;
	zc_list_format_facts(line, sizeof(line), "x", &st, NULL, NULL, &o);
	ck_assert_str_eq(line, " x");
	o.facts = ZC_FACT_SIZE | ZC_FACT_UNIX_MODE;
	ck_assert_uint_eq(zc_list_format_facts(small, n + 1, "x y", &st, NULL,
					       NULL, &o),
			  n);
	ck_assert_uint_eq(zc_list_format_facts(small, n, "x y", &st, NULL, NULL,
					       &o),
			  0);
	ck_assert_uint_eq(zc_list_format_facts(small, 3, "x y", &st, NULL, NULL,
					       &o),
			  0);
}
END_TEST

START_TEST(facts_parse_list)
{
	ck_assert_uint_eq(zc_list_parse_facts("type;size;"),
			  ZC_FACT_TYPE | ZC_FACT_SIZE);
	ck_assert_uint_eq(zc_list_parse_facts("TYPE;Size"),
			  ZC_FACT_TYPE | ZC_FACT_SIZE);
	ck_assert_uint_eq(zc_list_parse_facts("bogus;modify;"), ZC_FACT_MODIFY);
	ck_assert_uint_eq(zc_list_parse_facts("unix.mode;"), ZC_FACT_UNIX_MODE);
	ck_assert_uint_eq(zc_list_parse_facts("type;size;modify;perm;unique;"
					      "UNIX.mode;"),
			  ZC_FACTS_ALL);
	ck_assert_uint_eq(zc_list_parse_facts(""), 0);
	ck_assert_uint_eq(zc_list_parse_facts(";;"), 0);
	ck_assert_uint_eq(zc_list_parse_facts("typ;types;"), 0);
}
END_TEST

START_TEST(facts_string_and_feat_line)
{
	char out[128], small[8];

	zc_list_facts_string(ZC_FACT_TYPE | ZC_FACT_SIZE, out, sizeof(out));
	ck_assert_str_eq(out, "type;size;");
	zc_list_facts_string(0, out, sizeof(out));
	ck_assert_str_eq(out, "");
	zc_list_facts_string(ZC_FACTS_ALL, out, sizeof(out));
	ck_assert_str_eq(out, "type;size;modify;perm;unique;UNIX.mode;");
	memset(small, 'Z', sizeof(small));
	zc_list_facts_string(ZC_FACTS_ALL, small, sizeof(small));
	ck_assert_uint_lt(strlen(small), sizeof(small));

	ck_assert_uint_gt(zc_list_feat_mlst(out, sizeof(out), ZC_FACT_PERM), 0);
	ck_assert_str_eq(out, "MLST type;size;modify;perm*;unique;UNIX.mode;");
	ck_assert_uint_eq(zc_list_feat_mlst(small, sizeof(small), 0), 0);
}
END_TEST

/* ---- LIST/NLST arguments ---------------------------------------------------- */

START_TEST(parse_args_options_and_path)
{
	struct zc_list_opts o = {0};

	ck_assert_ptr_null(zc_list_parse_args("-la", &o));
	ck_assert(o.all);

	memset(&o, 0, sizeof(o));
	ck_assert_str_eq(zc_list_parse_args("-a -l dir", &o), "dir");
	ck_assert(o.all);

	memset(&o, 0, sizeof(o));
	ck_assert_ptr_null(zc_list_parse_args("-l", &o));
	ck_assert(!o.all);

	memset(&o, 0, sizeof(o));
	ck_assert_str_eq(zc_list_parse_args("-A  dir", &o), "dir");
	ck_assert(o.all);

	memset(&o, 0, sizeof(o));
	ck_assert_str_eq(zc_list_parse_args("-l my dir", &o), "my dir");
	ck_assert(!o.all);
}
END_TEST

START_TEST(parse_args_names_that_look_like_options)
{
	struct zc_list_opts o = {0};

	ck_assert_str_eq(zc_list_parse_args("-dash-file", &o), "-dash-file");
	ck_assert(!o.all);
	ck_assert_str_eq(zc_list_parse_args("-x", &o), "-x");
	ck_assert_str_eq(zc_list_parse_args("-", &o), "-");
	ck_assert_str_eq(zc_list_parse_args("dir -a", &o), "dir -a");
	ck_assert(!o.all);
	ck_assert_str_eq(zc_list_parse_args("-l -dash-file", &o), "-dash-file");
}
END_TEST

START_TEST(parse_args_null_and_empty)
{
	struct zc_list_opts o = {0};

	ck_assert_ptr_null(zc_list_parse_args(NULL, &o));
	ck_assert_ptr_null(zc_list_parse_args("", &o));
	ck_assert_ptr_null(zc_list_parse_args("-a ", &o));
	ck_assert(o.all);
}
END_TEST

START_TEST(name_ok_rejects_cr_lf)
{
	ck_assert(zc_list_name_ok("normal.txt"));
	ck_assert(zc_list_name_ok("with space"));
	ck_assert(zc_list_name_ok("caf\xc3\xa9"));
	ck_assert(!zc_list_name_ok("a\rb"));
	ck_assert(!zc_list_name_ok("a\nb"));
	ck_assert(!zc_list_name_ok("\r\n226 fake"));
}
END_TEST

/* ---- zc_list_dir on a real directory ----------------------------------------- */

static char base[64];
static char listdir[128];
static char bigdir[128];
#define BIG_N 3000

static void
touch(const char *dir, const char *name)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "x", 1), 1);
	close(fd);
}

static void
tree_setup(void)
{
	static const char *const names[] = {"b",  "a",    "B",
					    "Z",  "_x",   ".hidden",
					    "\xc3\xa9", "bad\nname"};
	char path[256];

	snprintf(base, sizeof(base), "/tmp/zc-test-list-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(base));
	snprintf(listdir, sizeof(listdir), "%s/d", base);
	ck_assert_int_eq(mkdir(listdir, 0755), 0);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		touch(listdir, names[i]);
	snprintf(path, sizeof(path), "%s/sub", listdir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/link", listdir);
	ck_assert_int_eq(symlink("a", path), 0);

	snprintf(bigdir, sizeof(bigdir), "%s/big", base);
	ck_assert_int_eq(mkdir(bigdir, 0755), 0);
	for (int i = 0; i < BIG_N; i++) {
		char name[64];
		snprintf(name, sizeof(name), "file-%05d-padding-padding", i);
		touch(bigdir, name);
		/* sizes tell the entries apart in long listings */
		snprintf(path, sizeof(path), "%s/%s", bigdir, name);
		ck_assert_int_eq(truncate(path, i), 0);
	}
}

static void
tree_teardown(void)
{
	test_rm_tree(base);
}

struct collect {
	char *buf;
	size_t len, cap;
	int calls;
	int stop_at; /* return -1 on this call (1-based); 0: never */
};

static int
collect_sink(void *ctx, const char *buf, size_t len)
{
	struct collect *c = ctx;

	c->calls++;
	ck_assert_uint_gt(len, 0);
	ck_assert_uint_le(len, ZC_LIST_BUF_SIZE);
	if (c->len + len + 1 > c->cap) {
		c->cap = (c->len + len + 1) * 2;
		c->buf = realloc(c->buf, c->cap);
		ck_assert_ptr_nonnull(c->buf);
	}
	memcpy(c->buf + c->len, buf, len);
	c->len += len;
	c->buf[c->len] = '\0';
	return c->calls == c->stop_at ? -1 : 0;
}

static enum zc_list_result
list(const char *dir, const char *prefix, const struct zc_list_opts *o,
     struct collect *c)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	enum zc_list_result r;

	ck_assert_int_ge(fd, 0);
	r = zc_list_dir(fd, prefix, o, collect_sink, c);
	/* the fd is borrowed: still open and usable */
	ck_assert_int_ge(fcntl(fd, F_GETFD), 0);
	close(fd);
	return r;
}

/* The name column of hide_ids LIST lines (fixed width up to it). */
static void
long_names(const char *buf, char *out, size_t cap)
{
	size_t used = 0;

	out[0] = '\0';
	while (*buf != '\0') {
		const char *end = strstr(buf, "\r\n");
		ck_assert_ptr_nonnull(end);
		ck_assert_uint_gt((size_t)(end - buf), 60);
		used += (size_t)snprintf(out + used, cap - used, "%.*s|",
					 (int)(end - buf - 60), buf + 60);
		buf = end + 2;
	}
}

START_TEST(nlst_sorted_by_bytes_without_dot_files)
{
	struct zc_list_opts o = {.now = NOW};
	struct collect c = {0};

	ck_assert_int_eq(list(listdir, "", &o, &c), ZC_LIST_OK);
	ck_assert_str_eq(c.buf, "B\r\nZ\r\n_x\r\na\r\nb\r\nlink\r\nsub\r\n"
				"\xc3\xa9\r\n");
	free(c.buf);
}
END_TEST

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The listing sort (a multikey quicksort) must give exactly strcmp's
 * order: random names over a small alphabet with long shared prefixes,
 * bytes above 0x7f, prefixes of each other, every length from 1 up. */
START_TEST(sort_order_is_strcmp_order)
{
	enum { N = 3000 };
	static const char alphabet[] = "ab-.\x7f\xc3\xa9Z0";
	struct zc_list_opts o = {.all = true, .now = NOW};
	struct collect c = {0};
	char dir[300], *names[N], *want, *p;
	size_t used = 0;
	unsigned seed = 12345;
	int n = 0;

	snprintf(dir, sizeof(dir), "%s/sortme", base);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	while (n < N) {
		char name[40];
		size_t len = 1 + (seed = seed * 1103515245u + 12345u) % 24;
		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			/* mostly one letter: long runs of shared prefixes */
			name[i] = (seed >> 16) % 4 ? 'a' :
				  alphabet[(seed >> 8) % (sizeof(alphabet) - 1)];
		}
		name[len] = '\0';
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		{
			char path[400];
			snprintf(path, sizeof(path), "%s/%s", dir, name);
			if (access(path, F_OK) == 0)
				continue;
		}
		touch(dir, name);
		names[n++] = strdup(name);
	}
	qsort(names, N, sizeof(names[0]), cmp_str);
	want = malloc((size_t)N * 32);
	ck_assert_ptr_nonnull(want);
	for (int i = 0; i < N; i++)
		used += (size_t)sprintf(want + used, "%s\r\n", names[i]);
	ck_assert_int_eq(list(dir, "", &o, &c), ZC_LIST_OK);
	ck_assert_uint_eq(c.len, used);
	p = c.buf;
	ck_assert(memcmp(p, want, used) == 0);
	for (int i = 0; i < N; i++)
		free(names[i]);
	free(want);
	free(c.buf);
}
END_TEST

START_TEST(nlst_all_has_dot_files_but_never_dot_and_dotdot)
{
	struct zc_list_opts o = {.now = NOW, .all = true};
	struct collect c = {0};

	ck_assert_int_eq(list(listdir, "", &o, &c), ZC_LIST_OK);
	ck_assert_str_eq(c.buf, ".hidden\r\nB\r\nZ\r\n_x\r\na\r\nb\r\nlink\r\n"
				"sub\r\n\xc3\xa9\r\n");
	free(c.buf);
}
END_TEST

START_TEST(nlst_prefix_before_each_name)
{
	struct zc_list_opts o = {.now = NOW};
	struct collect c = {0};

	ck_assert_int_eq(list(listdir, "dir/", &o, &c), ZC_LIST_OK);
	ck_assert_str_eq(c.buf, "dir/B\r\ndir/Z\r\ndir/_x\r\ndir/a\r\ndir/b\r\n"
				"dir/link\r\ndir/sub\r\ndir/\xc3\xa9\r\n");
	free(c.buf);
}
END_TEST

/* NLST shows prefix + name up to PATH_MAX + NAME_MAX + 1 bytes; a longer
 * path is left out, never cut short. */
START_TEST(nlst_leaves_out_paths_too_long_to_show)
{
	struct zc_list_opts o = {.now = NOW};
	struct collect c = {0};
	size_t plen = PATH_MAX + NAME_MAX; /* with a 1-byte name: the longest */
	char *prefix = malloc(plen + 1), *want, *p;

	ck_assert_ptr_nonnull(prefix);
	memset(prefix, 'p', plen);
	prefix[plen] = '\0';
	ck_assert_int_eq(list(listdir, prefix, &o, &c), ZC_LIST_OK);
	want = malloc(4 * (plen + 3));
	ck_assert_ptr_nonnull(want);
	p = want;
	for (const char *n = "BZab"; *n != '\0'; n++) {
		memcpy(p, prefix, plen);
		p += plen;
		*p++ = *n;
		*p++ = '\r';
		*p++ = '\n';
	}
	ck_assert_uint_eq(c.len, (size_t)(p - want));
	ck_assert(memcmp(c.buf, want, c.len) == 0);
	free(want);
	free(prefix);
	free(c.buf);
}
END_TEST

START_TEST(list_long_sorted_with_types_and_link_target)
{
	struct zc_list_opts o = {.now = NOW, .longfmt = true, .hide_ids = true};
	struct collect c = {0};
	char names[512];
	const char *l;

	ck_assert_int_eq(list(listdir, "ignored/", &o, &c), ZC_LIST_OK);
	long_names(c.buf, names, sizeof(names));
	ck_assert_str_eq(names, "B|Z|_x|a|b|link -> a|sub|\xc3\xa9|");
	l = strstr(c.buf, "link -> a\r\n");
	ck_assert_ptr_nonnull(l);
	while (l > c.buf && l[-1] != '\n')
		l--;
	ck_assert_int_eq(l[0], 'l');
	l = strstr(c.buf, " sub\r\n");
	while (l > c.buf && l[-1] != '\n')
		l--;
	ck_assert_int_eq(l[0], 'd');
	ck_assert_int_eq(c.buf[0], '-');
	free(c.buf);
}
END_TEST

START_TEST(list_all_includes_dot_and_dotdot)
{
	struct zc_list_opts o = {.now = NOW, .longfmt = true, .hide_ids = true,
				 .all = true};
	struct collect c = {0};
	char names[512];

	ck_assert_int_eq(list(listdir, "", &o, &c), ZC_LIST_OK);
	long_names(c.buf, names, sizeof(names));
	ck_assert_str_eq(names, ".|..|.hidden|B|Z|_x|a|b|link -> a|sub|"
				"\xc3\xa9|");
	ck_assert_int_eq(c.buf[0], 'd');
	free(c.buf);
}
END_TEST

START_TEST(mlsd_cdir_first_no_dotdot)
{
	struct zc_list_opts o = {.now = NOW, .mlsd = true, .all = true,
				 .facts = ZC_FACT_TYPE};
	struct collect c = {0};

	ck_assert_int_eq(list(listdir, "", &o, &c), ZC_LIST_OK);
	ck_assert_str_eq(c.buf, "type=cdir; .\r\n"
				"type=file; .hidden\r\n"
				"type=file; B\r\n"
				"type=file; Z\r\n"
				"type=file; _x\r\n"
				"type=file; a\r\n"
				"type=file; b\r\n"
				"type=OS.unix=slink:a; link\r\n"
				"type=dir; sub\r\n"
				"type=file; \xc3\xa9\r\n");
	free(c.buf);
}
END_TEST

START_TEST(names_with_cr_or_lf_are_never_listed)
{
	struct zc_list_opts o = {.now = NOW, .all = true, .longfmt = true};
	struct collect c = {0};

	ck_assert_int_eq(list(listdir, "", &o, &c), ZC_LIST_OK);
	ck_assert_ptr_null(strstr(c.buf, "bad"));
	free(c.buf);
}
END_TEST

START_TEST(big_listing_streams_in_pieces)
{
	struct zc_list_opts o = {.now = NOW};
	struct collect c = {0};
	size_t lines = 0;
	const char *p;
	char prev[64] = "";

	ck_assert_int_eq(list(bigdir, "", &o, &c), ZC_LIST_OK);
	ck_assert_int_ge(c.calls, 2);
	for (p = c.buf; *p != '\0';) {
		const char *end = strstr(p, "\r\n");
		char name[64];

		ck_assert_ptr_nonnull(end);
		snprintf(name, sizeof(name), "%.*s", (int)(end - p), p);
		ck_assert_msg(strcmp(prev, name) < 0, "%s after %s", name, prev);
		memcpy(prev, name, sizeof(prev));
		lines++;
		p = end + 2;
	}
	ck_assert_uint_eq(lines, BIG_N);
	free(c.buf);
}
END_TEST

/* Threads that stat a big directory change nothing in what is listed. */
START_TEST(long_listings_same_with_any_thread_count)
{
	static const unsigned counts[] = {1, 2, 4, 0, ZC_LIST_THREADS_MAX};
	char *first[2] = {NULL, NULL};

	for (size_t k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
		for (int mlsd = 0; mlsd <= 1; mlsd++) {
			struct zc_list_opts o = {.now = NOW, .longfmt = true,
						 .mlsd = mlsd == 1,
						 .facts = ZC_FACTS_ALL,
						 .hide_ids = true,
						 .threads = counts[k]};
			struct collect c = {0};
			size_t lines = 0;
			unsigned used = 0;

			o.threads_used = &used;
			ck_assert_int_eq(list(bigdir, "", &o, &c), ZC_LIST_OK);
			ck_assert_uint_eq(used, counts[k] != 0
							? counts[k]
							: zc_statpool_auto_threads());
			for (const char *p = c.buf; (p = strstr(p, "\r\n")) != NULL;
			     p += 2)
				lines++;
			ck_assert_uint_eq(lines, BIG_N + (mlsd ? 1 : 0));
			if (first[mlsd] == NULL) {
				first[mlsd] = c.buf;
				continue;
			}
			ck_assert_msg(strcmp(first[mlsd], c.buf) == 0,
				      "%s with %u threads differs", mlsd ? "MLSD" :
				      "LIST", counts[k]);
			free(c.buf);
		}
	}
	/* and each line has its own entry's size */
	for (int i = 0; i < BIG_N; i += 997) {
		char name[64], size[32], mlsd_size[32];
		const char *at;
		snprintf(name, sizeof(name), " file-%05d-", i);
		snprintf(size, sizeof(size), " %d ", i);
		snprintf(mlsd_size, sizeof(mlsd_size), "size=%d;", i);
		/* LIST: the size column ends just before the 12-byte date */
		at = strstr(first[0], name);
		ck_assert_ptr_nonnull(at);
		ck_assert_msg(memmem(at - 20, 20, size, strlen(size)) != NULL,
			      "%.80s", at - 40);
		at = strstr(first[1], name);
		ck_assert_ptr_nonnull(at);
		while (at > first[1] && at[-1] != '\n')
			at--;
		ck_assert_int_eq(strncmp(strstr(at, "size="), mlsd_size,
					 strlen(mlsd_size)), 0);
	}
	free(first[0]);
	free(first[1]);
}
END_TEST

START_TEST(sink_returning_minus_one_stops)
{
	struct zc_list_opts o = {.now = NOW};
	struct collect c = {.stop_at = 1};

	ck_assert_int_eq(list(listdir, "", &o, &c), ZC_LIST_STOPPED);
	ck_assert_int_eq(c.calls, 1);
	free(c.buf);

	memset(&c, 0, sizeof(c));
	c.stop_at = 2;
	ck_assert_int_eq(list(bigdir, "", &o, &c), ZC_LIST_STOPPED);
	ck_assert_int_eq(c.calls, 2);
	free(c.buf);

	/* a small directory is stat'ed by the caller alone */
	{
		struct zc_list_opts lo = {.now = NOW, .longfmt = true,
					  .threads = 4};
		unsigned used = 0;
		memset(&c, 0, sizeof(c));
		lo.threads_used = &used;
		ck_assert_int_eq(list(listdir, "", &lo, &c), ZC_LIST_OK);
		ck_assert_uint_eq(used, 1);
		free(c.buf);
	}

	/* a long listing stopped midway with stat threads running */
	memset(&c, 0, sizeof(c));
	c.stop_at = 2;
	o.longfmt = true;
	o.threads = 4;
	ck_assert_int_eq(list(bigdir, "", &o, &c), ZC_LIST_STOPPED);
	ck_assert_int_eq(c.calls, 2);
	free(c.buf);
}
END_TEST

START_TEST(empty_directory_lists_nothing)
{
	struct zc_list_opts o = {.now = NOW, .longfmt = true, .all = false};
	struct collect c = {0};
	char path[256];

	snprintf(path, sizeof(path), "%s/sub", listdir);
	ck_assert_int_eq(list(path, "", &o, &c), ZC_LIST_OK);
	ck_assert_int_eq(c.calls, 0);
	ck_assert_uint_eq(c.len, 0);
	free(c.buf);
}
END_TEST

START_TEST(not_a_directory_is_an_error)
{
	struct zc_list_opts o = {.now = NOW};
	struct collect c = {0};
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/a", listdir);
	fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(zc_list_dir(fd, "", &o, collect_sink, &c),
			 ZC_LIST_ERROR);
	ck_assert_int_eq(c.calls, 0);
	close(fd);
	free(c.buf);
}
END_TEST

START_TEST(list_one_entry)
{
	struct zc_list_opts o = {.now = NOW, .hide_ids = true};
	struct stat st = file_stat(S_IFREG | 0644, 3, NOW - DAY);
	struct collect c = {0};

	set_tz("UTC0");
	ck_assert_int_eq(zc_list_one("dir/f.txt", &st, &o, collect_sink, &c),
			 ZC_LIST_OK);
	ck_assert_str_eq(c.buf, "dir/f.txt\r\n");
	free(c.buf);
	memset(&c, 0, sizeof(c));
	o.longfmt = true;
	ck_assert_int_eq(zc_list_one("f.txt", &st, &o, collect_sink, &c),
			 ZC_LIST_OK);
	ck_assert_str_eq(c.buf, "-rw-r--r--    1 ftp      ftp                 3 "
				"Mar 14 12:00 f.txt\r\n");
	free(c.buf);
	memset(&c, 0, sizeof(c));
	c.stop_at = 1;
	ck_assert_int_eq(zc_list_one("f.txt", &st, &o, collect_sink, &c),
			 ZC_LIST_STOPPED);
	free(c.buf);
}
END_TEST

static Suite *
fs_list_suite(void)
{
	Suite *s = suite_create("fs_list");
	TCase *tc;

	tc = tcase_create("mode");
	tcase_add_test(tc, mode_string_file_types);
	tcase_add_test(tc, mode_string_setuid_setgid_sticky);
	suite_add_tcase(s, tc);

	tc = tcase_create("long");
	tcase_add_test(tc, long_recent_file_shows_time);
	tcase_add_test(tc, long_old_file_shows_year);
	tcase_add_test(tc, long_future_file_shows_year);
	tcase_add_test(tc, long_hide_ids_prints_ftp);
	tcase_add_test(tc, long_numeric_ids_wide_values);
	tcase_add_test(tc, long_symlink_shows_target);
	tcase_add_test(tc, long_size_above_4gib);
	tcase_add_test(tc, long_line_ends_in_crlf_once);
	tcase_add_test(tc, long_overflow_returns_zero);
	tcase_add_test(tc, long_utc_versus_local_time);
	suite_add_tcase(s, tc);

	tc = tcase_create("facts");
	tcase_add_test(tc, facts_file_all);
	tcase_add_test(tc, facts_directory_has_no_size);
	tcase_add_test(tc, facts_symlink_and_special);
	tcase_add_test(tc, facts_modify_dates_and_year_edges);
	tcase_add_test(tc, facts_symlink_target_cannot_break_the_entry);
	tcase_add_test(tc, facts_selection_and_overflow);
	tcase_add_test(tc, facts_parse_list);
	tcase_add_test(tc, facts_string_and_feat_line);
	suite_add_tcase(s, tc);

	tc = tcase_create("args");
	tcase_add_test(tc, parse_args_options_and_path);
	tcase_add_test(tc, parse_args_names_that_look_like_options);
	tcase_add_test(tc, parse_args_null_and_empty);
	tcase_add_test(tc, name_ok_rejects_cr_lf);
	suite_add_tcase(s, tc);

	tc = tcase_create("dir");
	/* unchecked: built once in the parent, removed even if a test fails */
	tcase_add_unchecked_fixture(tc, tree_setup, tree_teardown);
	tcase_add_test(tc, nlst_sorted_by_bytes_without_dot_files);
	tcase_add_test(tc, sort_order_is_strcmp_order);
	tcase_add_test(tc, nlst_all_has_dot_files_but_never_dot_and_dotdot);
	tcase_add_test(tc, nlst_prefix_before_each_name);
	tcase_add_test(tc, nlst_leaves_out_paths_too_long_to_show);
	tcase_add_test(tc, list_long_sorted_with_types_and_link_target);
	tcase_add_test(tc, list_all_includes_dot_and_dotdot);
	tcase_add_test(tc, mlsd_cdir_first_no_dotdot);
	tcase_add_test(tc, names_with_cr_or_lf_are_never_listed);
	tcase_add_test(tc, big_listing_streams_in_pieces);
	tcase_add_test(tc, long_listings_same_with_any_thread_count);
	tcase_add_test(tc, sink_returning_minus_one_stops);
	tcase_add_test(tc, empty_directory_lists_nothing);
	tcase_add_test(tc, not_a_directory_is_an_error);
	tcase_add_test(tc, list_one_entry);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(fs_list_suite());
	int failed;

	set_tz("UTC0"); /* never the machine's zone */
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
