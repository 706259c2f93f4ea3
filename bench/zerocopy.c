/*
 * zerocopy: read+write, mmap+write, sendfile and splice moving one file
 * over a loopback TCP connection, measured (issue #6, item 2).
 *
 * For every method the sender (this process) moves the whole file, which
 * is in the page cache, to a receiver child process that reads it into one
 * buffer and throws it away. The receiver is a separate process, so its
 * CPU time is not the sender's. Per transfer it measures the wall time
 * (first send call to the receiver's exit after EOF) -> MB/s, the sender's
 * CPU (getrusage(RUSAGE_SELF) user + system delta), the system calls the
 * sender made on the data path (counted in this code: every read, pread,
 * write, sendfile, splice, mmap and munmap), and the sender's voluntary and
 * involuntary context switches (ru_nvcsw / ru_nivcsw deltas). The methods
 * run interleaved, --rounds times, in an order that rotates per round; the
 * report gives medians and each method's ratios to sendfile from the same
 * rounds, printed beside the textbook figures of doc/DESIGN.md section 3.
 *
 * libc only:  cc -O2 -Wall -Wextra -o _work/zerocopy bench/zerocopy.c
 * See bench/README.md.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#define KIB (1024ULL)
#define MIB (1024ULL * 1024)
#define GIB (1024ULL * 1024 * 1024)
#define MB 1e6

#define RW_BUF (256 * KIB)       /* read+write buffer; mmap+write's write size */
#define SF_CHUNK (2 * MIB)       /* sendfile count per call (zcftpd's) */
#define PIPE_SIZE (1 * MIB)      /* splice pipe (zcftpd's) */
#define RECV_BUF (1 * MIB)       /* receiver's read size */
#define MAX_ROUNDS 1000

enum method { M_READWRITE, M_MMAP, M_SENDFILE, M_SPLICE, M_COUNT };

struct method_info {
	const char *name;
	/* doc/DESIGN.md section 3, the textbook columns */
	const char *tb_calls;     /* calls per chunk */
	const char *tb_switches;  /* user/kernel switches per chunk */
	const char *tb_copies;    /* CPU copies */
};

/* Copy buffers start on a page, as zcftpd's do (src/iobuf.h): glibc's
 * malloc() puts a large block 16 bytes into a page, and on AMD EPYC the
 * kernel's copy into such a buffer runs several times slower, which
 * would make readwrite (and every receiver) look worse than it is. */
static void *
page_buf(size_t size)
{
	void *p = NULL;

	return posix_memalign(&p, 4096, size) == 0 ? p : NULL;
}

static const struct method_info METHODS[M_COUNT] = {
	{"readwrite", "read, write", "4", "2"},
	{"mmap+write", "mmap (once), write", "4", "1"},
	{"sendfile", "sendfile", "2", "1 (0 with SG-DMA)"},
	{"splice", "splice (x2 through a pipe)", "2 quoted; 4", "0"},
};

struct sample {
	int ok;
	double wall_s;
	double mb_s;
	double cpu_s, user_s, sys_s;
	double cpu_s_per_gib;
	uint64_t syscalls;
	uint64_t chunks;       /* data-path chunks (see chunk_bytes()) */
	long nvcsw, nivcsw, minflt;
	double recv_cpu_s;     /* receiver child's user + sys */
	double ratio_mb_s;     /* to sendfile in the same round */
	double ratio_cpu;
};

/* ------------------------------------------------------------ options */

static struct {
	uint64_t size;
	const char *file;
	const char *dir;
	int rounds;
	int quick;
	uint64_t mmap_window;  /* 0 = whole file */
	const char *json;
	int methods[M_COUNT];
	int nmethods;
	int timeout;
} opt;

static pid_t g_child = -1;      /* receiver of the transfer in progress */
static char g_tmpfile[PATH_MAX]; /* file we made, removed on exit */

static void die(const char *fmt, ...)
{
	va_list ap;
	fputs("zerocopy: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (g_child > 0)
		kill(g_child, SIGKILL);
	if (g_tmpfile[0])
		unlink(g_tmpfile);
	exit(1);
}

static void on_alarm(int sig)
{
	static const char msg[] = "zerocopy: transfer timed out; receiver killed\n";
	(void)sig;
	if (g_child > 0)
		kill(g_child, SIGKILL);
	if (g_tmpfile[0])
		unlink(g_tmpfile);
	if (write(2, msg, sizeof msg - 1) < 0) {
		/* nothing left to do */
	}
	_exit(1);
}

static void on_term(int sig)
{
	if (g_child > 0)
		kill(g_child, SIGKILL);
	if (g_tmpfile[0])
		unlink(g_tmpfile);
	_exit(128 + sig);
}

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	uint64_t mul = 1;
	switch (*end) {
	case 0: break;
	case 'k': case 'K': mul = KIB; end++; break;
	case 'm': case 'M': mul = MIB; end++; break;
	case 'g': case 'G': mul = GIB; end++; break;
	default: return -1;
	}
	if (*end == 'i' || *end == 'I')
		end++;
	if (*end == 'b' || *end == 'B')
		end++;
	if (*end)
		return -1;
	if (v > UINT64_MAX / mul)
		return -1;
	*out = v * mul;
	return 0;
}

static int method_by_name(const char *s)
{
	for (int i = 0; i < M_COUNT; i++)
		if (!strcmp(s, METHODS[i].name))
			return i;
	if (!strcmp(s, "mmap"))
		return M_MMAP;
	if (!strcmp(s, "read+write"))
		return M_READWRITE;
	return -1;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: zerocopy [--size N[K|M|G]] [--file PATH] [--dir DIR] [--rounds N]\n"
"                [--quick] [--methods LIST] [--mmap-window N|whole]\n"
"                [--timeout S] [--json FILE]\n"
"Moves one file in the page cache over loopback TCP with read+write,\n"
"mmap+write, sendfile and splice, interleaved, and prints medians and\n"
"ratios to sendfile beside the textbook figures (doc/DESIGN.md section 3).\n"
"  --size N        file size, bytes or with K/M/G (binary; default 1G)\n"
"  --file PATH     use this file (its whole size) instead of making one\n"
"  --dir DIR       where to make the file (default $TMPDIR or /var/tmp)\n"
"  --rounds N      rounds (default 5); each moves the file once per method\n"
"  --quick         --size 256M --rounds 3 (explicit options win)\n"
"  --methods LIST  comma-separated subset of readwrite,mmap+write,sendfile,\n"
"                  splice (sendfile always runs: it is the baseline)\n"
"  --mmap-window N mmap+write maps N bytes at a time (default 16M), or\n"
"                  'whole' for one mapping of the whole file\n"
"  --timeout S     limit per transfer in seconds (default 60 + 1 s per 5 MB)\n"
"  --json FILE     also write every sample, medians and ratios to FILE\n");
}

static void parse_args(int argc, char **argv)
{
	int size_set = 0, rounds_set = 0;
	const char *methods = NULL;
	opt.size = GIB;
	opt.rounds = 5;
	opt.mmap_window = 16 * MIB;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = NULL;
		const char *eq = strchr(a, '=');
		char name[64];
		if (!strncmp(a, "--", 2) && eq && (size_t)(eq - a) < sizeof name) {
			memcpy(name, a, eq - a);
			name[eq - a] = 0;
			v = eq + 1;
			a = name;
		}
#define NEEDV() do { if (!v) { if (i + 1 >= argc) { \
		fprintf(stderr, "zerocopy: %s needs a value\n", a); exit(2); } \
		v = argv[++i]; } } while (0)
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			exit(0);
		} else if (!strcmp(a, "--size")) {
			NEEDV();
			if (parse_size(v, &opt.size) || opt.size == 0) {
				fprintf(stderr, "zerocopy: bad --size %s\n", v);
				exit(2);
			}
			size_set = 1;
		} else if (!strcmp(a, "--file")) {
			NEEDV();
			opt.file = v;
		} else if (!strcmp(a, "--dir")) {
			NEEDV();
			opt.dir = v;
		} else if (!strcmp(a, "--rounds")) {
			NEEDV();
			opt.rounds = atoi(v);
			if (opt.rounds < 1 || opt.rounds > MAX_ROUNDS) {
				fprintf(stderr, "zerocopy: --rounds must be 1..%d\n",
					MAX_ROUNDS);
				exit(2);
			}
			rounds_set = 1;
		} else if (!strcmp(a, "--quick")) {
			opt.quick = 1;
		} else if (!strcmp(a, "--methods")) {
			NEEDV();
			methods = v;
		} else if (!strcmp(a, "--mmap-window")) {
			NEEDV();
			if (!strcmp(v, "whole") || !strcmp(v, "0"))
				opt.mmap_window = 0;
			else if (parse_size(v, &opt.mmap_window) ||
				 opt.mmap_window % (uint64_t)sysconf(_SC_PAGESIZE)) {
				fprintf(stderr, "zerocopy: bad --mmap-window %s "
					"(a multiple of the page size, or whole)\n", v);
				exit(2);
			}
		} else if (!strcmp(a, "--timeout")) {
			NEEDV();
			opt.timeout = atoi(v);
			if (opt.timeout < 1) {
				fprintf(stderr, "zerocopy: bad --timeout %s\n", v);
				exit(2);
			}
		} else if (!strcmp(a, "--json")) {
			NEEDV();
			opt.json = v;
		} else {
			fprintf(stderr, "zerocopy: unknown argument %s\n", argv[i]);
			usage(stderr);
			exit(2);
		}
#undef NEEDV
	}
	if (opt.quick) {
		if (!size_set)
			opt.size = 256 * MIB;
		if (!rounds_set)
			opt.rounds = 3;
	}
	int want[M_COUNT] = {0};
	if (methods) {
		char *copy = strdup(methods), *save = NULL;
		for (char *t = strtok_r(copy, ",", &save); t;
		     t = strtok_r(NULL, ",", &save)) {
			int m = method_by_name(t);
			if (m < 0) {
				fprintf(stderr, "zerocopy: unknown method %s\n", t);
				exit(2);
			}
			want[m] = 1;
		}
		free(copy);
	} else {
		for (int m = 0; m < M_COUNT; m++)
			want[m] = 1;
	}
	want[M_SENDFILE] = 1;
	for (int m = 0; m < M_COUNT; m++)
		if (want[m])
			opt.methods[opt.nmethods++] = m;
}

/* -------------------------------------------------------------- file */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t xorshift(void)
{
	uint64_t x = rng_state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The congestion control new sockets get: on loopback it moves every
 * figure here by a factor of five (bench/README.md, "TCP congestion
 * control"), so the output names it. */
static const char *congestion_control(char *buf, size_t len)
{
	FILE *f = fopen("/proc/sys/net/ipv4/tcp_congestion_control", "r");
	bool ok = f != NULL && fgets(buf, (int)len, f) != NULL;

	if (f != NULL)
		fclose(f);
	if (!ok)
		return "unknown";
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

/* Fraction of the file's pages in the page cache (mincore), or -1. */
static double residency(int fd, uint64_t size)
{
	long pg = sysconf(_SC_PAGESIZE);
	uint64_t in = 0, total = 0;
	const uint64_t win = 256 * MIB;
	unsigned char *vec = malloc(win / pg + 1);
	if (!vec)
		return -1;
	for (uint64_t off = 0; off < size; off += win) {
		size_t len = size - off < win ? size - off : win;
		void *p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, off);
		if (p == MAP_FAILED) {
			free(vec);
			return -1;
		}
		size_t n = (len + pg - 1) / pg;
		if (mincore(p, len, vec) == 0)
			for (size_t i = 0; i < n; i++)
				in += vec[i] & 1;
		total += n;
		munmap(p, len);
	}
	free(vec);
	return total ? (double)in / total : 0;
}

/* Make (or open) the file and make sure it is in the page cache. */
static int prepare_file(uint64_t *size)
{
	int fd;
	if (opt.file) {
		fd = open(opt.file, O_RDONLY);
		if (fd < 0)
			die("%s: %s", opt.file, strerror(errno));
		struct stat st;
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0)
			die("%s: not a non-empty regular file", opt.file);
		*size = st.st_size;
	} else {
		const char *d = opt.dir ? opt.dir : getenv("TMPDIR");
		if (!d || !*d)
			d = "/var/tmp";
		snprintf(g_tmpfile, sizeof g_tmpfile, "%s/zerocopy-XXXXXX", d);
		fd = mkstemp(g_tmpfile);
		if (fd < 0) {
			g_tmpfile[0] = 0;
			die("mkstemp in %s: %s", d, strerror(errno));
		}
		uint64_t *buf = malloc(4 * MIB);
		if (!buf)
			die("out of memory");
		for (uint64_t off = 0; off < opt.size; off += 4 * MIB) {
			size_t n = opt.size - off < 4 * MIB ? opt.size - off : 4 * MIB;
			for (size_t i = 0; i < 4 * MIB / 8; i++)
				buf[i] = xorshift();
			for (size_t done = 0; done < n;) {
				ssize_t w = pwrite(fd, (char *)buf + done, n - done,
						   off + done);
				if (w < 0 && errno == EINTR)
					continue;
				if (w <= 0)
					die("writing %s: %s", g_tmpfile,
					    w < 0 ? strerror(errno) : "short write");
				done += w;
			}
		}
		free(buf);
		if (fsync(fd) < 0) /* no writeback during the measurements */
			die("fsync %s: %s", g_tmpfile, strerror(errno));
		*size = opt.size;
	}
	/* read it once: everything in the page cache */
	char *buf = malloc(4 * MIB);
	if (!buf)
		die("out of memory");
	for (uint64_t off = 0; off < *size;) {
		ssize_t n = pread(fd, buf, 4 * MIB, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("reading the file: %s", n < 0 ? strerror(errno) : "EOF");
		off += n;
	}
	free(buf);
	return fd;
}

/* ---------------------------------------------------------- receiver */

static void receiver(int port, uint64_t size)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	alarm(opt.timeout + 5); /* bounded even if the parent dies */
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof sa) < 0)
		_exit(3);
	char *buf = page_buf(RECV_BUF);
	uint64_t got = 0;
	if (!buf)
		_exit(3);
	for (;;) {
		ssize_t n = read(s, buf, RECV_BUF);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			_exit(4);
		if (n == 0)
			break;
		got += n;
	}
	close(s);
	_exit(got == size ? 0 : 5);
}

/* ------------------------------------------------------------ senders */

static uint64_t g_calls; /* data-path syscalls of the current transfer */

static int write_all(int s, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(s, p, n);
		g_calls++;
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= w;
	}
	return 0;
}

static int send_readwrite(int s, int fd, uint64_t size, char *buf, uint64_t *chunks)
{
	for (uint64_t off = 0; off < size;) {
		size_t want = size - off < RW_BUF ? size - off : RW_BUF;
		ssize_t n = pread(fd, buf, want, off);
		g_calls++;
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		if (write_all(s, buf, n) < 0)
			return -1;
		off += n;
		(*chunks)++;
	}
	return 0;
}

static int send_mmap(int s, int fd, uint64_t size, uint64_t *chunks)
{
	uint64_t win = opt.mmap_window ? opt.mmap_window : size;
	for (uint64_t woff = 0; woff < size; woff += win) {
		size_t wlen = size - woff < win ? size - woff : win;
		char *p = mmap(NULL, wlen, PROT_READ, MAP_SHARED, fd, woff);
		g_calls++;
		if (p == MAP_FAILED)
			return -1;
		for (size_t o = 0; o < wlen; o += RW_BUF) {
			size_t n = wlen - o < RW_BUF ? wlen - o : RW_BUF;
			if (write_all(s, p + o, n) < 0) {
				munmap(p, wlen);
				return -1;
			}
			(*chunks)++;
		}
		munmap(p, wlen);
		g_calls++;
	}
	return 0;
}

static int send_sendfile(int s, int fd, uint64_t size, uint64_t *chunks)
{
	off_t off = 0;
	while ((uint64_t)off < size) {
		size_t want = size - off < SF_CHUNK ? size - off : SF_CHUNK;
		ssize_t n = sendfile(s, fd, &off, want);
		g_calls++;
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		(*chunks)++;
	}
	return 0;
}

static int send_splice(int s, int fd, uint64_t size, int pfd[2], size_t psz,
		       uint64_t *chunks)
{
	loff_t off = 0;
	while ((uint64_t)off < size) {
		size_t want = size - off < psz ? size - off : psz;
		ssize_t n = splice(fd, &off, pfd[1], NULL, want,
				   SPLICE_F_MOVE | SPLICE_F_MORE);
		g_calls++;
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		while (n > 0) {
			ssize_t m = splice(pfd[0], NULL, s, NULL, n,
					   SPLICE_F_MOVE | SPLICE_F_MORE);
			g_calls++;
			if (m < 0 && errno == EINTR)
				continue;
			if (m <= 0)
				return -1;
			n -= m;
		}
		(*chunks)++;
	}
	return 0;
}

static double tv(struct timeval t)
{
	return t.tv_sec + t.tv_usec / 1e6;
}

/* One transfer of the whole file with METHOD. */
static struct sample transfer(int method, int fd, uint64_t size, char *buf)
{
	struct sample r = {0};
	int ls = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof sa;
	if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    listen(ls, 1) < 0 || getsockname(ls, (struct sockaddr *)&sa, &sl) < 0)
		die("loopback listener: %s", strerror(errno));
	int pfd[2] = {-1, -1};
	size_t psz = PIPE_SIZE;
	if (method == M_SPLICE) {
		if (pipe(pfd) < 0)
			die("pipe: %s", strerror(errno));
		int got = fcntl(pfd[1], F_SETPIPE_SZ, (int)PIPE_SIZE);
		if (got < 0)
			got = fcntl(pfd[1], F_GETPIPE_SZ);
		if (got > 0)
			psz = got;
	}
	fflush(NULL);
	pid_t child = fork();
	if (child < 0)
		die("fork: %s", strerror(errno));
	if (child == 0) {
		close(ls);
		close(fd);
		receiver(ntohs(sa.sin_port), size);
	}
	g_child = child;
	alarm(opt.timeout);
	int s = accept(ls, NULL, NULL);
	if (s < 0)
		die("accept: %s", strerror(errno));
	close(ls);
	/* a blocking socket: the sender sleeps when the send buffer is full,
	   which is what the voluntary context switches count */
	struct rusage ru0, ru1, ruc;
	uint64_t chunks = 0;
	int rc;
	g_calls = 0;
	getrusage(RUSAGE_SELF, &ru0);
	double t0 = now();
	switch (method) {
	case M_READWRITE: rc = send_readwrite(s, fd, size, buf, &chunks); break;
	case M_MMAP: rc = send_mmap(s, fd, size, &chunks); break;
	case M_SENDFILE: rc = send_sendfile(s, fd, size, &chunks); break;
	default: rc = send_splice(s, fd, size, pfd, psz, &chunks); break;
	}
	int err = errno;
	close(s);
	getrusage(RUSAGE_SELF, &ru1);
	int status = 0;
	pid_t w;
	while ((w = wait4(child, &status, 0, &ruc)) < 0 && errno == EINTR)
		;
	double t1 = now();
	alarm(0);
	g_child = -1;
	if (pfd[0] >= 0) {
		close(pfd[0]);
		close(pfd[1]);
	}
	if (rc < 0)
		die("%s: sending failed: %s", METHODS[method].name, strerror(err));
	if (w != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		die("%s: the receiver failed (status 0x%x)", METHODS[method].name,
		    status);
	r.ok = 1;
	r.wall_s = t1 - t0;
	r.mb_s = size / MB / r.wall_s;
	r.user_s = tv(ru1.ru_utime) - tv(ru0.ru_utime);
	r.sys_s = tv(ru1.ru_stime) - tv(ru0.ru_stime);
	r.cpu_s = r.user_s + r.sys_s;
	r.cpu_s_per_gib = r.cpu_s / ((double)size / GIB);
	r.syscalls = g_calls;
	r.chunks = chunks;
	r.nvcsw = ru1.ru_nvcsw - ru0.ru_nvcsw;
	r.nivcsw = ru1.ru_nivcsw - ru0.ru_nivcsw;
	r.minflt = ru1.ru_minflt - ru0.ru_minflt;
	r.recv_cpu_s = tv(ruc.ru_utime) + tv(ruc.ru_stime);
	return r;
}

/* ------------------------------------------------------------ report */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

#define FIELD_MEDIAN(arr, n, field) ({ \
	double v_[MAX_ROUNDS]; int k_ = 0; \
	for (int i_ = 0; i_ < (n); i_++) { \
		if ((arr)[i_].ok) \
			v_[k_++] = (arr)[i_].field; \
	} \
	qsort(v_, k_, sizeof v_[0], cmp_double); \
	k_ == 0 ? 0.0 : (k_ % 2 ? v_[k_ / 2] : (v_[k_ / 2 - 1] + v_[k_ / 2]) / 2); })

#define FIELD_MIN(arr, n, field) ({ double m_ = 1e300; \
	for (int i_ = 0; i_ < (n); i_++) { \
		if ((arr)[i_].ok && (arr)[i_].field < m_) \
			m_ = (arr)[i_].field; \
	} \
	m_; })
#define FIELD_MAX(arr, n, field) ({ double m_ = -1e300; \
	for (int i_ = 0; i_ < (n); i_++) { \
		if ((arr)[i_].ok && (arr)[i_].field > m_) \
			m_ = (arr)[i_].field; \
	} \
	m_; })

static struct sample S[M_COUNT][MAX_ROUNDS];

static const char *chunk_text(int m, char *b, size_t n)
{
	switch (m) {
	case M_READWRITE: return "256 KiB";
	case M_MMAP:
		if (opt.mmap_window)
			snprintf(b, n, "256 KiB write, %" PRIu64 " MiB map",
				 (uint64_t)(opt.mmap_window / MIB));
		else
			snprintf(b, n, "256 KiB write, whole-file map");
		return b;
	case M_SENDFILE: return "2 MiB";
	default: return "1 MiB pipe";
	}
}

int main(int argc, char **argv)
{
	parse_args(argc, argv);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, on_alarm);
	signal(SIGINT, on_term);
	signal(SIGTERM, on_term);
	signal(SIGHUP, on_term);

	uint64_t size;
	double tmk = now();
	int fd = prepare_file(&size);
	tmk = now() - tmk;
	if (!opt.timeout)
		opt.timeout = 60 + (int)(size / (5 * MB));
	char *buf = page_buf(RW_BUF);
	if (!buf)
		die("out of memory");
	struct utsname u;
	char cc[64];
	uname(&u);
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	double res0 = residency(fd, size);

	printf("zerocopy: %" PRIu64 " bytes (%.0f MiB) over loopback TCP, %d rounds\n",
	       size, (double)size / MIB, opt.rounds);
	printf("file: %s (%s, %.1f s), %.1f%% in the page cache (mincore)\n",
	       opt.file ? opt.file : g_tmpfile,
	       opt.file ? "given" : "made, fsync'ed, read once", tmk,
	       res0 * 100);
	printf("machine: %s, kernel %s, %ld CPUs, TCP congestion control %s\n\n",
	       u.machine, u.release, ncpu, congestion_control(cc, sizeof(cc)));

	int n = opt.nmethods;
	for (int rnd = 0; rnd < opt.rounds; rnd++) {
		for (int j = 0; j < n; j++) {
			int m = opt.methods[(j + rnd) % n];
			struct sample s = transfer(m, fd, size, buf);
			S[m][rnd] = s;
			printf("round %d/%d  %-10s %7.3f s %8.1f MB/s  CPU %6.3f s "
			       "(user %.3f sys %.3f) %6.3f s/GiB  syscalls %8" PRIu64
			       "  ctxsw %6ld/%-5ld minflt %7ld  receiver CPU %.3f s\n",
			       rnd + 1, opt.rounds, METHODS[m].name, s.wall_s, s.mb_s,
			       s.cpu_s, s.user_s, s.sys_s, s.cpu_s_per_gib, s.syscalls,
			       s.nvcsw, s.nivcsw, s.minflt, s.recv_cpu_s);
			fflush(stdout);
		}
		for (int m = 0; m < M_COUNT; m++) {
			if (!S[m][rnd].ok)
				continue;
			struct sample *b = &S[M_SENDFILE][rnd];
			S[m][rnd].ratio_mb_s = S[m][rnd].mb_s / b->mb_s;
			S[m][rnd].ratio_cpu = b->cpu_s > 0 ?
				S[m][rnd].cpu_s / b->cpu_s : 0;
		}
	}
	double res1 = residency(fd, size);

	int R = opt.rounds;
	printf("\n| method | textbook calls per chunk | textbook user/kernel "
	       "switches | textbook CPU copies | chunk | syscalls per chunk "
	       "(total) | user/kernel switches per chunk | MB/s | sender CPU "
	       "s/GiB (user+sys) | vol/invol ctx switches | x sendfile MB/s "
	       "| x sendfile CPU |\n");
	printf("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
	for (int j = 0; j < n; j++) {
		int m = opt.methods[j];
		char cb[64];
		struct sample *a = S[m];
		double sc = FIELD_MEDIAN(a, R, syscalls);
		double ch = FIELD_MEDIAN(a, R, chunks);
		double u = FIELD_MEDIAN(a, R, user_s) / ((double)size / GIB);
		double sy = FIELD_MEDIAN(a, R, sys_s) / ((double)size / GIB);
		printf("| %s | %s | %s | %s | %s | %.2f (%.0f) | %.2f | %.0f "
		       "| %.3f (%.3f+%.3f) | %.0f / %.0f |",
		       METHODS[m].name, METHODS[m].tb_calls,
		       METHODS[m].tb_switches, METHODS[m].tb_copies,
		       chunk_text(m, cb, sizeof cb), ch > 0 ? sc / ch : 0, sc,
		       ch > 0 ? 2 * sc / ch : 0, FIELD_MEDIAN(a, R, mb_s),
		       FIELD_MEDIAN(a, R, cpu_s_per_gib), u, sy,
		       FIELD_MEDIAN(a, R, nvcsw), FIELD_MEDIAN(a, R, nivcsw));
		if (m == M_SENDFILE)
			printf(" 1 | 1 |\n");
		else
			printf(" %.3f (%.3f-%.3f) | %.2f (%.2f-%.2f) |\n",
			       FIELD_MEDIAN(a, R, ratio_mb_s),
			       FIELD_MIN(a, R, ratio_mb_s), FIELD_MAX(a, R, ratio_mb_s),
			       FIELD_MEDIAN(a, R, ratio_cpu),
			       FIELD_MIN(a, R, ratio_cpu), FIELD_MAX(a, R, ratio_cpu));
	}
	printf("\nMB/s: median of file size / time from the first send call to the "
	       "receiver's exit after EOF (MB = 10^6 bytes).\n"
	       "sender CPU: median getrusage(RUSAGE_SELF) user+sys of the sending "
	       "loop per GiB; on loopback it includes TCP receive processing run in "
	       "the sender's context (not the receiver's copy to user space).\n"
	       "syscalls: the sender's read/pread/write/sendfile/splice/mmap/munmap "
	       "calls (median), per chunk of the chunk column; every call is two "
	       "user/kernel switches (page faults of mmap+write are taken inside "
	       "write, in the kernel: no extra switch).\n"
	       "ctx switches: median ru_nvcsw/ru_nivcsw deltas of the sender "
	       "(voluntary = slept on a full socket buffer).\n"
	       "x sendfile: median of the per-round ratios to sendfile in the same "
	       "round (min-max); CPU ratio from each round's CPU seconds.\n"
	       "textbook: doc/DESIGN.md section 3; loopback (lo) has scatter-gather "
	       "and no checksum, so the sendfile row is its SG-DMA case.\n"
	       "page cache residency of the file: %.1f%% before, %.1f%% after.\n",
	       res0 * 100, res1 * 100);

	if (opt.json) {
		FILE *f = fopen(opt.json, "w");
		if (!f)
			die("%s: %s", opt.json, strerror(errno));
		fprintf(f, "{\n  \"benchmark\": \"zerocopy\",\n  \"size_bytes\": %" PRIu64
			",\n  \"rounds\": %d,\n  \"kernel\": \"%s\",\n  \"cpus\": %ld,\n"
			"  \"mmap_window_bytes\": %" PRIu64 ",\n"
			"  \"residency_before\": %.4f,\n  \"residency_after\": %.4f,\n"
			"  \"units\": {\"mb_per_s\": \"10^6 bytes per second, first send "
			"to receiver exit\", \"cpu_s_per_gib\": \"sender user+sys seconds "
			"per 2^30 bytes\"},\n  \"baseline\": \"sendfile\",\n"
			"  \"methods\": {",
			size, R, u.release, ncpu, opt.mmap_window, res0, res1);
		for (int j = 0; j < n; j++) {
			int m = opt.methods[j];
			struct sample *a = S[m];
			fprintf(f, "%s\n    \"%s\": {\n      \"textbook_cpu_copies\": \"%s\",\n"
				"      \"textbook_calls_per_chunk\": \"%s\",\n"
				"      \"textbook_user_kernel_switches\": \"%s\",\n"
				"      \"median_mb_per_s\": %.3f,\n"
				"      \"median_cpu_s_per_gib\": %.5f,\n"
				"      \"median_syscalls\": %.1f,\n"
				"      \"median_chunks\": %.1f,\n"
				"      \"median_nvcsw\": %.1f,\n      \"median_nivcsw\": %.1f,\n"
				"      \"median_ratio_mb_per_s_vs_sendfile\": %.4f,\n"
				"      \"median_ratio_cpu_vs_sendfile\": %.4f,\n"
				"      \"samples\": [",
				j ? "," : "", METHODS[m].name, METHODS[m].tb_copies,
				METHODS[m].tb_calls, METHODS[m].tb_switches, FIELD_MEDIAN(a, R, mb_s),
				FIELD_MEDIAN(a, R, cpu_s_per_gib),
				FIELD_MEDIAN(a, R, syscalls), FIELD_MEDIAN(a, R, chunks),
				FIELD_MEDIAN(a, R, nvcsw), FIELD_MEDIAN(a, R, nivcsw),
				FIELD_MEDIAN(a, R, ratio_mb_s), FIELD_MEDIAN(a, R, ratio_cpu));
			for (int r = 0; r < R; r++) {
				struct sample *s = &a[r];
				fprintf(f, "%s\n        {\"round\": %d, \"wall_s\": %.6f, "
					"\"mb_per_s\": %.3f, \"cpu_user_s\": %.6f, "
					"\"cpu_sys_s\": %.6f, \"cpu_s_per_gib\": %.6f, "
					"\"syscalls\": %" PRIu64 ", \"chunks\": %" PRIu64
					", \"nvcsw\": %ld, \"nivcsw\": %ld, \"minflt\": %ld, "
					"\"receiver_cpu_s\": %.6f, \"ratio_mb_per_s\": %.4f, "
					"\"ratio_cpu\": %.4f}",
					r ? "," : "", r + 1, s->wall_s, s->mb_s, s->user_s,
					s->sys_s, s->cpu_s_per_gib, s->syscalls, s->chunks,
					s->nvcsw, s->nivcsw, s->minflt, s->recv_cpu_s,
					s->ratio_mb_s, s->ratio_cpu);
			}
			fprintf(f, "\n      ]\n    }");
		}
		fprintf(f, "\n  }\n}\n");
		if (fclose(f) != 0)
			die("%s: write failed", opt.json);
		printf("JSON: %s\n", opt.json);
	}
	close(fd);
	if (g_tmpfile[0])
		unlink(g_tmpfile);
	return 0;
}
