/*
 * bench/listload.c: W5 of bench/run, the directory listing benchmark.
 *
 *   listload ftp  --port P --path DIR [--cmd LIST|MLSD|NLST] [--count N]
 *                 [--host H] [--user U] [--pass W] [--timeout S]
 *       One session, N listings of DIR in ASCII mode. Each is timed from
 *       the PASV to the end of the 226 and its lines and bytes counted.
 *   listload scan --dir DIR [--count N]
 *       The floor under any server's listing: one readdir() pass over DIR
 *       and one fstatat() per entry, in one thread, no FTP and no output
 *       formatting; timed N times.
 *
 * Each prints one JSON line on stdout ("ms": every run's milliseconds);
 * diagnostics go to stderr and the status is 1 on any error.
 *
 * bench/run used Python's ftplib here before: it spent about as much CPU
 * per 10,000-line listing as the servers did, so it measured itself as
 * much as them. This client only counts newlines.
 *
 * Build: cc -O2 -Wall -Wextra -o listload bench/listload.c (libc only).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MAX_COUNT  10000       /* bound on --count */
#define REPLY_MAX  1024        /* one reply line; longer ones are cut */
#define DATA_BUF   (256 * 1024)

struct opts {
	const char *mode, *host, *path, *dir, *cmd, *user, *pass;
	int port, count, timeout_s;
};

/* Buffered reader of the control connection. */
struct ctrl {
	int fd;
	char buf[4096];
	size_t len, off;
};

static void die(const char *fmt, ...)
	__attribute__((noreturn, format(printf, 1, 2)));
static void
die(const char *fmt, ...)
{
	va_list ap;

	fputs("listload: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static double
now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int
ctrl_getc(struct ctrl *c)
{
	if (c->off == c->len) {
		ssize_t n = read(c->fd, c->buf, sizeof(c->buf));
		if (n <= 0)
			return -1;
		c->len = (size_t)n;
		c->off = 0;
	}
	return (unsigned char)c->buf[c->off++];
}

/* One line without its CRLF into LINE (cut at REPLY_MAX); -1 on EOF or
 * timeout. */
static int
ctrl_line(struct ctrl *c, char *line)
{
	size_t n = 0;
	int ch;

	while ((ch = ctrl_getc(c)) >= 0 && ch != '\n')
		if (n < REPLY_MAX - 1)
			line[n++] = (char)ch;
	if (ch < 0)
		return -1;
	if (n > 0 && line[n - 1] == '\r')
		n--;
	line[n] = '\0';
	return 0;
}

/* The code of the next complete reply (multi-line replies read to their
 * "NNN " line); its last line in LINE. */
static int
reply(struct ctrl *c, char *line)
{
	char code[4];

	if (ctrl_line(c, line) < 0)
		die("control connection closed or timed out");
	if (strlen(line) < 3)
		die("malformed reply \"%s\"", line);
	memcpy(code, line, 3);
	code[3] = '\0';
	if (line[3] == '-') {
		for (int lines = 0;; lines++) {
			if (lines > 10000)
				die("a multi-line reply %s never ends", code);
			if (ctrl_line(c, line) < 0)
				die("control connection closed in reply %s", code);
			if (strncmp(line, code, 3) == 0 && line[3] == ' ')
				break;
		}
	}
	return atoi(code);
}

static void
send_cmd(struct ctrl *c, const char *fmt, ...)
{
	char out[REPLY_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, sizeof(out) - 2, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= (int)sizeof(out) - 2)
		die("command too long");
	memcpy(out + n, "\r\n", 2);
	if (write(c->fd, out, (size_t)n + 2) != n + 2)
		die("write to the control connection: %s", strerror(errno));
}

static int
expect(struct ctrl *c, int lo, int hi, const char *what)
{
	char line[REPLY_MAX];
	int code = reply(c, line);

	if (code < lo || code > hi)
		die("%s: \"%s\"", what, line);
	return code;
}

static int
tcp_connect(const char *host, int port, int timeout_s)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port)};
	struct timeval tv = {.tv_sec = timeout_s};
	int one = 1;
	int fd;

	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		die("--host %s: not an IPv4 address", host);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0)
		die("setsockopt: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("connect %s:%d: %s", host, port, strerror(errno));
	return fd;
}

/* The port of a 227 reply "... (h1,h2,h3,h4,p1,p2)"; the data connection
 * goes to the control connection's host, as a careful client does. */
static int
pasv_port(const char *line)
{
	const char *p = strchr(line, '(');
	unsigned h[4], p1, p2;

	if (p == NULL || sscanf(p, "(%u,%u,%u,%u,%u,%u)", &h[0], &h[1], &h[2],
				&h[3], &p1, &p2) != 6 || p1 > 255 || p2 > 255)
		die("unparsable PASV reply \"%s\"", line);
	return (int)(p1 * 256 + p2);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void
print_ms(const char *mode, const double *ms, int n, const char *extra)
{
	double *sorted = malloc(sizeof(*sorted) * (size_t)n);

	if (sorted == NULL)
		die("out of memory");
	memcpy(sorted, ms, sizeof(*sorted) * (size_t)n);
	qsort(sorted, (size_t)n, sizeof(*sorted), cmp_double);
	printf("{\"mode\":\"%s\",%s,\"median_ms\":%.3f,\"ms\":[", mode, extra,
	       n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2);
	for (int i = 0; i < n; i++)
		printf("%s%.3f", i ? "," : "", ms[i]);
	printf("]}\n");
	free(sorted);
}

static int
run_ftp(const struct opts *o)
{
	struct ctrl c = {.fd = tcp_connect(o->host, o->port, o->timeout_s)};
	char *data = malloc(DATA_BUF);
	double *ms = calloc((size_t)o->count, sizeof(*ms));
	long long bytes = 0, lines = 0;
	char line[REPLY_MAX], extra[256];

	if (data == NULL || ms == NULL)
		die("out of memory");
	expect(&c, 220, 220, "greeting");
	send_cmd(&c, "USER %s", o->user);
	if (expect(&c, 230, 331, "USER") == 331) {
		send_cmd(&c, "PASS %s", o->pass);
		expect(&c, 230, 230, "PASS");
	}
	send_cmd(&c, "TYPE A");
	expect(&c, 200, 200, "TYPE A");
	for (int i = 0; i < o->count; i++) {
		double t0 = now_ms();
		int dfd, code;

		bytes = lines = 0;
		send_cmd(&c, "PASV");
		if (reply(&c, line) != 227)
			die("PASV: \"%s\"", line);
		dfd = tcp_connect(o->host, pasv_port(line), o->timeout_s);
		send_cmd(&c, "%s %s", o->cmd, o->path);
		code = reply(&c, line);
		if (code != 150 && code != 125)
			die("%s %s: \"%s\"", o->cmd, o->path, line);
		for (;;) {
			ssize_t n = read(dfd, data, DATA_BUF);
			if (n < 0)
				die("reading the listing: %s", strerror(errno));
			if (n == 0)
				break;
			bytes += n;
			for (char *p = data, *end = data + n;
			     (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
				lines++;
		}
		close(dfd);
		expect(&c, 226, 250, "end of the listing");
		ms[i] = now_ms() - t0;
	}
	send_cmd(&c, "QUIT");
	(void)reply(&c, line);
	close(c.fd);
	snprintf(extra, sizeof(extra),
		 "\"cmd\":\"%s\",\"count\":%d,\"lines\":%lld,\"bytes\":%lld",
		 o->cmd, o->count, lines, bytes);
	print_ms("ftp", ms, o->count, extra);
	free(ms);
	free(data);
	return 0;
}

/* One directory pass: the names, then an fstatat() of each. */
static long
scan_once(const char *dir)
{
	size_t cap = 1024, n = 0;
	char **names = malloc(cap * sizeof(*names));
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	struct stat st;
	DIR *d;

	if (names == NULL)
		die("out of memory");
	if (fd < 0 || (d = fdopendir(fd)) == NULL)
		die("%s: %s", dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (n == cap) {
			char **more = realloc(names, 2 * cap * sizeof(*names));
			if (more == NULL)
				die("out of memory");
			names = more;
			cap *= 2;
		}
		if ((names[n++] = strdup(de->d_name)) == NULL)
			die("out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		if (fstatat(fd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0)
			die("fstatat %s: %s", names[i], strerror(errno));
		free(names[i]);
	}
	free(names);
	closedir(d);
	return (long)n;
}

static int
run_scan(const struct opts *o)
{
	double *ms = calloc((size_t)o->count, sizeof(*ms));
	char extra[64];
	long entries = 0;

	if (ms == NULL)
		die("out of memory");
	for (int i = 0; i < o->count; i++) {
		double t0 = now_ms();
		entries = scan_once(o->dir);
		ms[i] = now_ms() - t0;
	}
	snprintf(extra, sizeof(extra), "\"count\":%d,\"entries\":%ld", o->count,
		 entries);
	print_ms("scan", ms, o->count, extra);
	free(ms);
	return 0;
}

static void usage(void) __attribute__((noreturn));
static void
usage(void)
{
	fputs("usage: listload ftp --port P --path DIR [--cmd LIST|MLSD|NLST] "
	      "[--count N]\n"
	      "                    [--host H] [--user U] [--pass W] "
	      "[--timeout S]\n"
	      "       listload scan --dir DIR [--count N]\n",
	      stderr);
	exit(2);
}

static int
int_arg(const char *s, int lo, int hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		usage();
	return (int)v;
}

int
main(int argc, char **argv)
{
	struct opts o = {.host = "127.0.0.1", .cmd = "LIST",
			 .user = "anonymous", .pass = "bench@", .count = 10,
			 .timeout_s = 30};

	if (argc < 2)
		usage();
	o.mode = argv[1];
	for (int i = 2; i < argc; i += 2) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (v == NULL)
			usage();
		if (!strcmp(k, "--host"))
			o.host = v;
		else if (!strcmp(k, "--port"))
			o.port = int_arg(v, 1, 65535);
		else if (!strcmp(k, "--path"))
			o.path = v;
		else if (!strcmp(k, "--dir"))
			o.dir = v;
		else if (!strcmp(k, "--cmd"))
			o.cmd = v;
		else if (!strcmp(k, "--count"))
			o.count = int_arg(v, 1, MAX_COUNT);
		else if (!strcmp(k, "--user"))
			o.user = v;
		else if (!strcmp(k, "--pass"))
			o.pass = v;
		else if (!strcmp(k, "--timeout"))
			o.timeout_s = int_arg(v, 1, 3600);
		else
			usage();
	}
	if (!strcmp(o.mode, "ftp") && o.port && o.path)
		return run_ftp(&o);
	if (!strcmp(o.mode, "scan") && o.dir)
		return run_scan(&o);
	usage();
}
