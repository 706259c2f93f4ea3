/*
 * fs_list.c: listing formatting and bounded directory reading.
 * See fs_list.h.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "fs_list.h"
#include "glob.h"
#include "statpool.h"
#include "utc.h"

/* ls(1): a file is "recent" (time shown) within six months. */
#define SIX_MONTHS (182L * 24 * 3600)

static bool
is_option_word(const char *w, size_t len)
{
	if (len < 2 || w[0] != '-')
		return false;
	for (size_t i = 1; i < len; i++)
		if (strchr("aAlLFRdtrhnSc1", w[i]) == NULL || w[i] == '\0')
			return false;
	return true;
}

const char *
zc_list_parse_args(const char *arg, struct zc_list_opts *opts)
{
	const char *p = arg;

	if (arg == NULL)
		return NULL;
	for (;;) {
		const char *end = strchr(p, ' ');
		size_t len = end != NULL ? (size_t)(end - p) : strlen(p);

		if (!is_option_word(p, len))
			break;
		for (size_t i = 1; i < len; i++)
			if (p[i] == 'a' || p[i] == 'A')
				opts->all = true;
		if (end == NULL)
			return NULL;
		p = end + 1;
		while (*p == ' ')
			p++;
	}
	return *p != '\0' ? p : NULL;
}

void
zc_list_mode_string(mode_t mode, char out[11])
{
	static const char rwx[] = "rwxrwxrwx";
	char type;

	switch (mode & S_IFMT) {
	case S_IFDIR:
		type = 'd';
		break;
	case S_IFLNK:
		type = 'l';
		break;
	case S_IFCHR:
		type = 'c';
		break;
	case S_IFBLK:
		type = 'b';
		break;
	case S_IFIFO:
		type = 'p';
		break;
	case S_IFSOCK:
		type = 's';
		break;
	default:
		type = '-';
		break;
	}
	out[0] = type;
	for (int i = 0; i < 9; i++)
		out[i + 1] = (mode & (1u << (8 - i))) ? rwx[i] : '-';
	if (mode & S_ISUID)
		out[3] = (mode & S_IXUSR) ? 's' : 'S';
	if (mode & S_ISGID)
		out[6] = (mode & S_IXGRP) ? 's' : 'S';
	if (mode & S_ISVTX)
		out[9] = (mode & S_IXOTH) ? 't' : 'T';
	out[10] = '\0';
}

bool
zc_list_name_ok(const char *name)
{
	return strpbrk(name, "\r\n") == NULL;
}

/* A bounded text builder: listings format 10,000s of lines, and
 * snprintf's parsing was a third of their cost. `over` sticks once the
 * output did not fit (the line is then dropped, as before). */
struct text {
	char *p, *end;
	bool over;
};

static void
put_mem(struct text *t, const char *s, size_t n)
{
	if (t->over || (size_t)(t->end - t->p) < n) {
		t->over = true;
		return;
	}
	memcpy(t->p, s, n);
	t->p += n;
}

static void
put_str(struct text *t, const char *s)
{
	put_mem(t, s, strlen(s));
}

static void
put_chars(struct text *t, char c, size_t n)
{
	if (t->over || (size_t)(t->end - t->p) < n) {
		t->over = true;
		return;
	}
	memset(t->p, c, n);
	t->p += n;
}

/* v in `base` (10, or 8 or 16), right-aligned in at least `width`
 * columns, padded with `pad`. */
static void
put_uint(struct text *t, unsigned long long v, unsigned base, size_t width,
	 char pad)
{
	char digits[24];
	size_t n = 0;

	/* no run-time division: a constant divisor for decimal (the
	 * compiler multiplies), shifts for the powers of two; it matters
	 * at a few numbers per entry of a 100,000-entry listing */
	if (base == 10) {
		do {
			digits[sizeof(digits) - ++n] = (char)('0' + v % 10);
			v /= 10;
		} while (v != 0);
	} else {
		unsigned bits = base == 16 ? 4 : 3;
		do {
			digits[sizeof(digits) - ++n] =
				"0123456789abcdef"[v & ((1u << bits) - 1)];
			v >>= bits;
		} while (v != 0);
	}
	if (width > n)
		put_chars(t, pad, width - n);
	put_mem(t, digits + sizeof(digits) - n, n);
}

/* s left-aligned in at least `width` columns (printf's %-8s). */
static void
put_left(struct text *t, const char *s, size_t width)
{
	size_t n = strlen(s);

	put_mem(t, s, n);
	if (width > n)
		put_chars(t, ' ', width - n);
}

/* The length written, 0 when it did not fit. */
static size_t
text_done(const struct text *t, const char *start)
{
	return t->over ? 0 : (size_t)(t->p - start);
}

/* mtime broken down in local time or UTC (all zeros if it cannot be).
 * UTC by arithmetic (utc.c): glibc's gmtime_r() takes the time-zone
 * lock at every call, which showed in 10,000-line listings. */
static void
broken_down_time(time_t t, bool local, struct tm *tm)
{
	bool ok = local ? localtime_r(&t, tm) != NULL
			: (zc_utc_tm(t, tm) || gmtime_r(&t, tm) != NULL);

	if (!ok)
		memset(tm, 0, sizeof(*tm));
}

size_t
zc_list_format_long(char *out, size_t cap, const char *name,
		    const struct stat *st, const char *link_target,
		    const struct zc_list_opts *o)
{
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr",
					     "May", "Jun", "Jul", "Aug",
					     "Sep", "Oct", "Nov", "Dec"};
	char mode[11];
	time_t mtime = st->st_mtime;
	struct text t = {.p = out, .end = out + cap};
	struct tm tm;

	zc_list_mode_string(st->st_mode, mode);
	broken_down_time(mtime, o->localtime, &tm);
	/* "%s %4lu %-8s %-8s %12llu %s %s[ -> target]\r\n" */
	put_mem(&t, mode, 10);
	put_chars(&t, ' ', 1);
	put_uint(&t, (unsigned long long)st->st_nlink, 10, 4, ' ');
	put_chars(&t, ' ', 1);
	if (o->hide_ids) {
		put_str(&t, "ftp      ftp     ");
	} else {
		/* numbers: no user database inside the chroot */
		char id[24];
		struct text it = {.p = id, .end = id + sizeof(id) - 1};
		put_uint(&it, (unsigned long long)st->st_uid, 10, 1, ' ');
		*it.p = '\0';
		put_left(&t, id, 8);
		put_chars(&t, ' ', 1);
		it = (struct text){.p = id, .end = id + sizeof(id) - 1};
		put_uint(&it, (unsigned long long)st->st_gid, 10, 1, ' ');
		*it.p = '\0';
		put_left(&t, id, 8);
	}
	put_chars(&t, ' ', 1);
	put_uint(&t, (unsigned long long)st->st_size, 10, 12, ' ');
	put_chars(&t, ' ', 1);
	put_mem(&t, months[tm.tm_mon % 12], 3);
	put_chars(&t, ' ', 1);
	put_uint(&t, (unsigned long long)tm.tm_mday, 10, 2, ' ');
	if (mtime > o->now - SIX_MONTHS && mtime <= o->now + 3600) {
		put_chars(&t, ' ', 1);
		put_uint(&t, (unsigned long long)tm.tm_hour, 10, 2, '0');
		put_chars(&t, ':', 1);
		put_uint(&t, (unsigned long long)tm.tm_min, 10, 2, '0');
	} else {
		put_chars(&t, ' ', 2);
		put_uint(&t, (unsigned long long)(tm.tm_year + 1900), 10, 4, ' ');
	}
	put_chars(&t, ' ', 1);
	put_str(&t, name);
	if (link_target != NULL) {
		put_str(&t, " -> ");
		put_str(&t, link_target);
	}
	put_mem(&t, "\r\n", 2);
	/* snprintf semantics: the result and a NUL must fit */
	if (t.over || t.p == t.end)
		return 0;
	*t.p = '\0';
	return text_done(&t, out);
}

static const struct {
	unsigned bit;
	const char *name;
} fact_names[] = {
	{ZC_FACT_TYPE, "type"},     {ZC_FACT_SIZE, "size"},
	{ZC_FACT_MODIFY, "modify"}, {ZC_FACT_PERM, "perm"},
	{ZC_FACT_UNIQUE, "unique"}, {ZC_FACT_UNIX_MODE, "UNIX.mode"},
};

size_t
zc_list_feat_mlst(char *out, size_t cap, unsigned facts)
{
	size_t used = (size_t)snprintf(out, cap, "MLST ");

	for (size_t i = 0; i < sizeof(fact_names) / sizeof(fact_names[0]); i++)
		if (used < cap)
			used += (size_t)snprintf(out + used, cap - used, "%s%s;",
						 fact_names[i].name,
						 (facts & fact_names[i].bit) ? "*" : "");
	return used < cap ? used : 0;
}

void
zc_list_facts_string(unsigned facts, char *out, size_t cap)
{
	size_t used = 0;

	if (cap == 0)
		return;
	out[0] = '\0';
	for (size_t i = 0; i < sizeof(fact_names) / sizeof(fact_names[0]); i++)
		if ((facts & fact_names[i].bit) && used < cap)
			used += (size_t)snprintf(out + used, cap - used, "%s;",
						 fact_names[i].name);
}

unsigned
zc_list_parse_facts(const char *list)
{
	unsigned facts = 0;
	const char *p = list;

	while (*p != '\0') {
		size_t len = strcspn(p, ";");
		for (size_t i = 0; i < sizeof(fact_names) / sizeof(fact_names[0]); i++)
			if (strlen(fact_names[i].name) == len &&
			    strncasecmp(fact_names[i].name, p, len) == 0)
				facts |= fact_names[i].bit;
		p += len;
		if (*p == ';')
			p++;
	}
	return facts;
}

/* A fact value may not hold what ends a fact or the fact list (RFC 3659
 * 7.1): a link target with a blank or ';' is left out of the type fact. */
static bool
fact_value_ok(const char *v)
{
	for (; *v != '\0'; v++)
		if ((unsigned char)*v <= ' ' || *v == ';' || *v == 0x7f)
			return false;
	return true;
}

/* The permission bits (r=4, w=2, x=1) that apply to the session's
 * identity for this entry: owner, group or other, as the kernel picks. */
static unsigned
access_bits(const struct stat *st, const struct zc_list_opts *o)
{
	if (st->st_uid == o->uid)
		return (st->st_mode >> 6) & 7;
	if (st->st_gid == o->gid)
		return (st->st_mode >> 3) & 7;
	return st->st_mode & 7;
}

/* perm fact (RFC 3659 7.5.5) as this session may use the entry: read-only
 * sessions may retrieve readable files and enter/list searchable,
 * readable directories. */
static void
put_perm(struct text *t, const struct stat *st, const struct zc_list_opts *o)
{
	unsigned a = access_bits(st, o);

	if (S_ISDIR(st->st_mode)) {
		if (o->writable)
			put_mem(t, "cdfmp", 5);
		if (a & 1)
			put_chars(t, 'e', 1);
		if ((a & 5) == 5)
			put_chars(t, 'l', 1);
	} else {
		if (o->writable)
			put_mem(t, "adfw", 4);
		if (a & 4)
			put_chars(t, 'r', 1);
	}
}

/* The modify fact's value, YYYYMMDDHHMMSS; false for a year with no
 * four-digit form (the caller prints it whole). */
static bool
modify_stamp(const struct tm *tm, char out[14])
{
	unsigned f[7];

	if (tm->tm_year < -1900 || tm->tm_year > 9999 - 1900)
		return false;
	f[0] = (unsigned)(tm->tm_year + 1900) / 100;
	f[1] = (unsigned)(tm->tm_year + 1900) % 100;
	f[2] = (unsigned)tm->tm_mon + 1;
	f[3] = (unsigned)tm->tm_mday;
	f[4] = (unsigned)tm->tm_hour;
	f[5] = (unsigned)tm->tm_min;
	f[6] = (unsigned)tm->tm_sec;
	for (size_t i = 0; i < 7; i++) {
		out[2 * i] = (char)('0' + f[i] / 10);
		out[2 * i + 1] = (char)('0' + f[i] % 10);
	}
	return true;
}

size_t
zc_list_format_facts(char *out, size_t cap, const char *name,
		     const struct stat *st, const char *type,
		     const char *link_target, const struct zc_list_opts *o)
{
	char typebuf[PATH_MAX + 32];
	struct text t = {.p = out, .end = out + cap};

	if (type == NULL) {
		if (S_ISDIR(st->st_mode))
			type = "dir";
		else if (S_ISREG(st->st_mode))
			type = "file";
		else if (S_ISLNK(st->st_mode) && link_target != NULL &&
			 fact_value_ok(link_target)) {
			snprintf(typebuf, sizeof(typebuf), "OS.unix=slink:%s",
				 link_target);
			type = typebuf;
		} else if (S_ISLNK(st->st_mode))
			type = "OS.unix=slink";
		else
			type = "OS.unix=special";
	}
	if (cap == 0)
		return 0;
	if (o->facts & ZC_FACT_TYPE) {
		put_str(&t, "type=");
		put_str(&t, type);
		put_chars(&t, ';', 1);
	}
	if ((o->facts & ZC_FACT_SIZE) && !S_ISDIR(st->st_mode)) {
		put_str(&t, "size=");
		put_uint(&t, (unsigned long long)st->st_size, 10, 1, '0');
		put_chars(&t, ';', 1);
	}
	if (o->facts & ZC_FACT_MODIFY) {
		/* YYYYMMDDHHMMSS, UTC */
		char stamp[14];
		struct tm tm;

		broken_down_time(st->st_mtime, false, &tm);
		put_str(&t, "modify=");
		if (modify_stamp(&tm, stamp)) {
			put_mem(&t, stamp, sizeof(stamp));
		} else {
			put_uint(&t, (unsigned long long)(tm.tm_year + 1900), 10, 4, '0');
			put_uint(&t, (unsigned long long)(tm.tm_mon + 1), 10, 2, '0');
			put_uint(&t, (unsigned long long)tm.tm_mday, 10, 2, '0');
			put_uint(&t, (unsigned long long)tm.tm_hour, 10, 2, '0');
			put_uint(&t, (unsigned long long)tm.tm_min, 10, 2, '0');
			put_uint(&t, (unsigned long long)tm.tm_sec, 10, 2, '0');
		}
		put_chars(&t, ';', 1);
	}
	if (o->facts & ZC_FACT_PERM) {
		put_str(&t, "perm=");
		put_perm(&t, st, o);
		put_chars(&t, ';', 1);
	}
	if (o->facts & ZC_FACT_UNIQUE) {
		put_str(&t, "unique=");
		put_uint(&t, (unsigned long long)st->st_dev, 16, 1, '0');
		put_chars(&t, 'g', 1);
		put_uint(&t, (unsigned long long)st->st_ino, 16, 1, '0');
		put_chars(&t, ';', 1);
	}
	if (o->facts & ZC_FACT_UNIX_MODE) {
		put_str(&t, "UNIX.mode=0");
		put_uint(&t, (unsigned long long)(st->st_mode & 07777), 8, 3, '0');
		put_chars(&t, ';', 1);
	}
	put_chars(&t, ' ', 1);
	put_str(&t, name);
	/* snprintf semantics: the result and a NUL must fit */
	if (t.over || t.p == t.end)
		return 0;
	*t.p = '\0';
	return text_done(&t, out);
}

/* The output buffer between the formatter and the sink. */
struct out_buf {
	char data[ZC_LIST_BUF_SIZE];
	size_t len;
	zc_list_sink sink;
	void *ctx;
};

static int
flush(struct out_buf *b)
{
	if (b->len == 0)
		return 0;
	if (b->sink(b->ctx, b->data, b->len) < 0)
		return -1;
	b->len = 0;
	return 0;
}

/* NLST: prefix + name + CRLF, copied straight into the buffer (with
 * snprintf, formatting took a sixth of a 10,000-entry NLST). A path too
 * long to show is skipped. */
static int
emit_name_line(struct out_buf *b, const char *prefix, size_t plen,
	       const char *name)
{
	size_t nlen = strlen(name);

	if (plen + nlen > PATH_MAX + NAME_MAX + 1)
		return 0;
	if (sizeof(b->data) - b->len < plen + nlen + 2 && flush(b) < 0)
		return -1;
	memcpy(b->data + b->len, prefix, plen);
	memcpy(b->data + b->len + plen, name, nlen);
	memcpy(b->data + b->len + plen + nlen, "\r\n", 2);
	b->len += plen + nlen + 2;
	return 0;
}

/* Room for one line: a name (NAME_MAX), a link target (PATH_MAX) and the
 * fixed columns. */
#define LINE_MAX_LEN (PATH_MAX + NAME_MAX + 128)

static int
emit_entry(struct out_buf *b, int dirfd, const char *name, const char *shown,
	   const struct stat *st, const char *type,
	   const struct zc_list_opts *o)
{
	char target[PATH_MAX];
	const char *tp = NULL;
	size_t n;

	if (!o->longfmt && !o->mlsd)
		return emit_name_line(b, "", 0, shown);
	if (sizeof(b->data) - b->len < LINE_MAX_LEN && flush(b) < 0)
		return -1;
	if (S_ISLNK(st->st_mode) && dirfd >= 0) {
		ssize_t t = readlinkat(dirfd, name, target, sizeof(target) - 1);
		if (t >= 0) {
			target[t] = '\0';
			if (zc_list_name_ok(target))
				tp = target;
		}
	}
	if (o->mlsd) {
		n = zc_list_format_facts(b->data + b->len,
					 sizeof(b->data) - b->len - 2, shown,
					 st, type, tp, o);
		if (n > 0) {
			memcpy(b->data + b->len + n, "\r\n", 2);
			b->len += n + 2;
		}
		return 0;
	}
	n = zc_list_format_long(b->data + b->len, sizeof(b->data) - b->len, shown,
				st, tp, o);
	b->len += n;
	return 0;
}

/* Names of one directory, in one buffer, NUL-separated. */
struct name_set {
	char *bytes;
	size_t used, cap;
	size_t *offs;
	size_t n, offcap;
};

static int
add_name(struct name_set *ns, const char *name)
{
	size_t len = strlen(name) + 1;

	if (ns->n == ZC_LIST_MAX_ENTRIES ||
	    ns->used + len > ZC_LIST_MAX_NAME_BYTES) {
		errno = EFBIG;
		return -1;
	}
	if (ns->used + len > ns->cap) {
		size_t cap = ns->cap ? ns->cap * 2 : 64 * 1024;
		char *p;
		while (cap < ns->used + len)
			cap *= 2;
		p = realloc(ns->bytes, cap);
		if (p == NULL)
			return -1;
		ns->bytes = p;
		ns->cap = cap;
	}
	if (ns->n == ns->offcap) {
		size_t cap = ns->offcap ? ns->offcap * 2 : 1024;
		size_t *p = reallocarray(ns->offs, cap, sizeof(*p));
		if (p == NULL)
			return -1;
		ns->offs = p;
		ns->offcap = cap;
	}
	memcpy(ns->bytes + ns->used, name, len);
	ns->offs[ns->n++] = ns->used;
	ns->used += len;
	return 0;
}

/* Sort names (offsets into base) in strcmp order with a multikey
 * quicksort (Bentley and Sedgewick, 1997): one byte compared per step
 * instead of whole strings, which matters because directory entries
 * share long prefixes ("file-00001", "file-00002", ...). */
static unsigned char
byte_at(const char *base, size_t off, size_t depth)
{
	return (unsigned char)base[off + depth];
}

static void
swap_offs(size_t *v, size_t i, size_t j)
{
	size_t t = v[i];

	v[i] = v[j];
	v[j] = t;
}

static void
sort_names(size_t *v, size_t n, const char *base, size_t depth)
{
	while (n > 1) {
		size_t lt = 0, gt = n, i = 1;
		unsigned char pivot;

		if (n < 12) { /* insertion sort on the rest of the strings */
			for (size_t a = 1; a < n; a++)
				for (size_t b = a; b > 0 &&
				     strcmp(base + v[b - 1] + depth,
					    base + v[b] + depth) > 0; b--)
					swap_offs(v, b - 1, b);
			return;
		}
		swap_offs(v, 0, n / 2);
		pivot = byte_at(base, v[0], depth);
		/* three-way partition on the byte at `depth`:
		 * [0, lt) < pivot, [lt, i) == pivot, [gt, n) > pivot */
		while (i < gt) {
			unsigned char c = byte_at(base, v[i], depth);
			if (c < pivot)
				swap_offs(v, lt++, i++);
			else if (c > pivot)
				swap_offs(v, i, --gt);
			else
				i++;
		}
		sort_names(v, lt, base, depth);
		sort_names(v + gt, n - gt, base, depth);
		if (pivot == 0)
			return; /* equal strings: nothing more to order */
		/* the middle part goes on with the next byte (a loop, so
		 * long shared prefixes do not deepen the recursion) */
		v += lt;
		n = gt - lt;
		depth++;
	}
}

static int
read_names(int dirfd, const struct zc_list_opts *o, struct name_set *ns)
{
	struct dirent *de;
	DIR *d;
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = 0;

	if (fd < 0)
		return -1;
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return -1;
	}
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		const char *nm = de->d_name;
		bool dot = nm[0] == '.';
		bool dotdir = dot && (nm[1] == '\0' || (nm[1] == '.' && nm[2] == '\0'));

		/* a pattern decides about dot files itself (".*") */
		if (o->pattern != NULL) {
			if (!zc_glob_match(o->pattern, nm))
				continue;
		} else if (dot && !o->all) {
			continue;
		}
		/* NLST never lists . and ..; LIST -a does, as ls -la;
		 * MLSD gives "." as its cdir entry, never ".." (at the
		 * root it would describe a directory outside it) */
		if (dotdir && (!o->longfmt || o->mlsd))
			continue;
		if (!zc_list_name_ok(nm))
			continue;
		if (add_name(ns, nm) < 0) {
			rc = -1;
			break;
		}
		errno = 0;
	}
	if (rc == 0 && errno != 0)
		rc = -1;
	{
		int saved = errno;
		closedir(d);
		errno = saved;
	}
	return rc;
}

/* Emit names [first, first + n) of ns; with `win`, their stat results
 * (entries removed since readdir are skipped). NLST shows the path as
 * given (prefix); the long formats show the bare name. */
static enum zc_list_result
emit_window(struct out_buf *b, int dirfd, const char *prefix,
	    const struct zc_list_opts *o, const struct name_set *ns,
	    size_t first, size_t n, const struct zc_stat_entry *win)
{
	size_t plen = strlen(prefix);

	for (size_t i = 0; i < n; i++) {
		const char *name = ns->bytes + ns->offs[first + i];
		int rc;

		if (win == NULL)
			rc = emit_name_line(b, prefix, plen, name);
		else if (win[i].err != 0)
			continue;
		else
			rc = emit_entry(b, dirfd, name, name, &win[i].st, NULL,
					o);
		if (rc < 0)
			return ZC_LIST_STOPPED;
	}
	return ZC_LIST_OK;
}

enum zc_list_result
zc_list_dir(int dirfd, const char *prefix, const struct zc_list_opts *o,
	    zc_list_sink sink, void *ctx)
{
	struct name_set ns = {0};
	struct out_buf *b = NULL;
	struct zc_stat_entry *win = NULL;
	struct zc_statpool *pool = NULL;
	bool long_lines = o->longfmt || o->mlsd;
	size_t per_round = ZC_LIST_STAT_WINDOW;
	enum zc_list_result r = ZC_LIST_OK;

	if (read_names(dirfd, o, &ns) < 0) {
		r = errno == EFBIG ? ZC_LIST_TOO_BIG : ZC_LIST_ERROR;
		goto out;
	}
	if (ns.n > 0)
		sort_names(ns.offs, ns.n, ns.bytes, 0);
	b = malloc(sizeof(*b));
	if (b == NULL) {
		r = ZC_LIST_ERROR;
		goto out;
	}
	b->len = 0;
	b->sink = sink;
	b->ctx = ctx;
	if (long_lines) {
		/* stat a window of entries (in parallel when the directory
		 * is big enough to pay for threads), then format it */
		if (ns.n < per_round)
			per_round = ns.n > 0 ? ns.n : 1;
		win = calloc(per_round, sizeof(*win));
		if (win == NULL) {
			r = ZC_LIST_ERROR;
			goto out;
		}
		if (ns.n >= ZC_LIST_THREADS_MIN_ENTRIES)
			pool = zc_statpool_start(
				o->threads != 0 ? o->threads
						: zc_statpool_auto_threads());
		if (o->threads_used != NULL)
			*o->threads_used = 1 + zc_statpool_helpers(pool);
	}
	if (o->mlsd) {
		struct stat st;
		if (fstat(dirfd, &st) == 0 &&
		    emit_entry(b, -1, ".", ".", &st, "cdir", o) < 0) {
			r = ZC_LIST_STOPPED;
			goto out;
		}
	}
	for (size_t first = 0; first < ns.n && r == ZC_LIST_OK;
	     first += per_round) {
		size_t n = ns.n - first < per_round ? ns.n - first : per_round;

		if (win != NULL) {
			for (size_t i = 0; i < n; i++)
				win[i].name = ns.bytes + ns.offs[first + i];
			zc_statpool_stat(pool, dirfd, win, n);
		}
		r = emit_window(b, dirfd, prefix, o, &ns, first, n, win);
	}
	if (r == ZC_LIST_OK && flush(b) < 0)
		r = ZC_LIST_STOPPED;
out:
	zc_statpool_stop(pool);
	free(win);
	free(b);
	free(ns.bytes);
	free(ns.offs);
	return r;
}

enum zc_list_result
zc_list_one(const char *shown, const struct stat *st,
	    const struct zc_list_opts *o, zc_list_sink sink, void *ctx)
{
	struct out_buf *b = malloc(sizeof(*b));
	enum zc_list_result r = ZC_LIST_OK;

	if (b == NULL)
		return ZC_LIST_ERROR;
	b->len = 0;
	b->sink = sink;
	b->ctx = ctx;
	if (emit_entry(b, -1, shown, shown, st, NULL, o) < 0 || flush(b) < 0)
		r = ZC_LIST_STOPPED;
	free(b);
	return r;
}
