/*
 * bench/loadgen.c: FTP load generator for zcftpd's benchmarks.
 *
 * Python clients cannot open sessions or drive downloads fast enough to
 * load the server, so this program does it: one thread, non-blocking
 * sockets, one epoll loop and a small state machine per client.
 *
 *   loadgen sessions  --host H --port P --clients N --duration S --path F
 *                     [--warmup S] [--user U] [--pass W] [--pasv]
 *   loadgen downloads --host H --port P --clients N --path F
 *                     [--rate BYTES_PER_SEC] [--hold-file PATH]
 *                     [--hold-ms MS] [--user U] [--pass W] [--pasv]
 *
 * Each mode prints one JSON line on stdout; diagnostics go to stderr.
 * Build: cc -O2 -Wall -Wextra -o loadgen bench/loadgen.c (libc only,
 * Linux). See bench/README.md.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define NS_PER_SEC    1000000000LL
#define NS_PER_MS     1000000LL
#define STEP_TIMEOUT  (10 * NS_PER_SEC) /* per step, and per idle stretch of a transfer */
#define TICK_NS       (5 * NS_PER_MS)   /* timers (timeouts, rate, hold) run this often */
#define RETRY_NS      (10 * NS_PER_MS)  /* sessions: pause after an error, so a refused
                                         * connect does not spin */
#define CTRL_BUF      1024              /* control input; longer lines are truncated */
#define OUT_BUF       512               /* control output: one command at a time */
#define REPLY_KEEP    160               /* reply text kept for messages and EPSV/PASV */
#define MAX_ERRMSG    3                 /* distinct error messages reported */
#define ERRMSG_LEN    200
#define READ_MAX      (256 * 1024)      /* unthrottled data read size */
#define RATE_CHUNK    16384             /* throttled data read size: small, so the
                                         * server sees a steady trickle */
#define HOLD_MIN_BYTES (1024 * 1024)    /* every live client has this before a hold */
#define HOLD_MAX_WAIT (20 * NS_PER_SEC) /* ... or this long has passed since the start */
#define MAX_HANDSHAKES 128              /* downloads: connects awaiting their 220 */
#define MAX_EVENTS    256

enum mode { MODE_SESSIONS, MODE_DOWNLOADS };

/* Where a client is in its session; the name of each is the step shown in errors. */
enum state {
	S_IDLE,         /* no connection; sessions: waits for c->wake to start one */
	S_CONNECT,      /* control connect in progress */
	S_GREET,        /* expects 220 */
	S_USER,         /* expects 331 (or 230) */
	S_PASS,         /* expects 230 (or 202) */
	S_TYPE,         /* expects 200 */
	S_PASV,         /* expects 229 (EPSV) or 227 (PASV) */
	S_DATA_CONNECT, /* data connect in progress; RETR goes out once it is up */
	S_RETR,         /* expects 150/125 */
	S_XFER,         /* expects 226 and the end of the data, in either order */
	S_QUIT,         /* expects 221 (or the server's close) */
	S_DONE,         /* downloads: finished, connections closed */
	S_FAILED,       /* downloads: gave up after an error */
};

static const char *const state_name[] = {
	"idle", "connect", "greeting", "USER", "PASS", "TYPE", "EPSV/PASV",
	"data connect", "RETR", "transfer", "QUIT", "done", "failed",
};

struct opts {
	enum mode mode;
	const char *host, *port, *path, *user, *pass, *hold_file;
	int clients, pasv;
	double duration, warmup;
	long long rate;  /* bytes/s per client; 0 = unlimited */
	long long hold_ms;
};

struct client {
	int idx;
	int ctrl, data;             /* -1 when closed */
	uint32_t ctrl_gen, data_gen;/* bumped on close: epoll events for an old fd are dropped */
	uint32_t ctrl_ev, data_ev;  /* events currently registered with epoll */
	enum state st;
	char in[CTRL_BUF];
	size_t in_len;
	int truncating;             /* dropping the tail of an over-long line */
	int ml_code;                /* code of the multi-line reply being read, 0 if none */
	char reply[REPLY_KEEP];     /* last complete reply line */
	char out[OUT_BUF];
	size_t out_len;
	int64_t t_start;            /* this session's connect start */
	int64_t deadline;           /* step timeout; 0 = none */
	int64_t wake;               /* S_IDLE (sessions): when to start again */
	long long got;              /* data bytes of this session */
	int data_eof, got_226, ok;
	double tokens;              /* rate limit: token bucket, in bytes */
	int64_t t_refill;
	int throttled;              /* data reads paused until the bucket refills */
};

struct run {
	struct opts o;
	int ep;
	struct client *cl;
	struct sockaddr_storage addr; /* control address; data uses it with another port */
	socklen_t addr_len;
	long long size;             /* from SIZE, asked once at start */
	int64_t t0, rec_start, rec_end, next_tick;
	/* sessions results */
	double *lat_ms;
	size_t n_lat, cap_lat;
	long long errors, bytes;
	/* downloads progress */
	int next_start, handshakes, finished, n_ok;
	int holding, hold_done, held;
	int64_t hold_start, held_ns, t_end;
	double burst, rate_thresh;
	/* first distinct error messages */
	char errmsg[MAX_ERRMSG][ERRMSG_LEN];
	int n_errmsg;
};

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("loadgen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static int64_t now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		die("clock_gettime: %s", strerror(errno));
	return (int64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

/* ---------- errors ---------- */

/* Counts an error (sessions: only inside the measured window) and keeps
 * its message if it is one of the first MAX_ERRMSG distinct ones. */
static void record_error(struct run *r, const char *msg)
{
	int i;

	if (r->o.mode == MODE_SESSIONS) {
		int64_t t = now_ns();

		if (t < r->rec_start || t >= r->rec_end)
			return;
		r->errors++;
	}
	for (i = 0; i < r->n_errmsg; i++)
		if (strcmp(r->errmsg[i], msg) == 0)
			return;
	if (r->n_errmsg < MAX_ERRMSG)
		snprintf(r->errmsg[r->n_errmsg++], ERRMSG_LEN, "%s", msg);
}

/* ---------- epoll helpers ---------- */

/* The epoll tag carries the fd's generation, so that an event already
 * fetched for a socket that has since been closed (and its number reused)
 * is recognised and dropped. */
static uint64_t tag(const struct client *c, int is_data)
{
	uint32_t gen = is_data ? c->data_gen : c->ctrl_gen;

	return ((uint64_t)gen << 32) | ((uint64_t)c->idx << 1) | (uint64_t)is_data;
}

static void ep_add(struct run *r, int fd, uint32_t events, uint64_t t)
{
	struct epoll_event ev = { .events = events, .data.u64 = t };

	if (epoll_ctl(r->ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		die("epoll_ctl(ADD): %s", strerror(errno));
}

static void ep_mod(struct run *r, int fd, uint32_t *cur, uint32_t want, uint64_t t)
{
	struct epoll_event ev = { .events = want, .data.u64 = t };

	if (*cur == want)
		return;
	if (epoll_ctl(r->ep, EPOLL_CTL_MOD, fd, &ev) < 0)
		die("epoll_ctl(MOD): %s", strerror(errno));
	*cur = want;
}

/* Control: write interest only while connecting or with output queued. */
static void ctrl_update(struct run *r, struct client *c)
{
	uint32_t want = EPOLLIN;

	if (c->ctrl < 0)
		return;
	if (c->st == S_CONNECT)
		want = EPOLLOUT;
	else if (c->out_len > 0)
		want |= EPOLLOUT;
	ep_mod(r, c->ctrl, &c->ctrl_ev, want, tag(c, 0));
}

/* Data: no read interest while throttled or held, so the socket's receive
 * buffer fills and the server's send blocks, as with a slow client. */
static void data_update(struct run *r, struct client *c)
{
	uint32_t want = EPOLLIN;

	if (c->data < 0)
		return;
	if (c->st == S_DATA_CONNECT)
		want = EPOLLOUT;
	else if (c->throttled || r->holding)
		want = 0;
	ep_mod(r, c->data, &c->data_ev, want, tag(c, 1));
}

/* ---------- connections ---------- */

static void close_data(struct client *c)
{
	if (c->data < 0)
		return;
	if (close(c->data) < 0)
		fprintf(stderr, "loadgen: close: %s\n", strerror(errno));
	c->data = -1;
	c->data_gen++;
	c->data_ev = 0;
}

static void close_ctrl(struct client *c)
{
	if (c->ctrl < 0)
		return;
	if (close(c->ctrl) < 0)
		fprintf(stderr, "loadgen: close: %s\n", strerror(errno));
	c->ctrl = -1;
	c->ctrl_gen++;
	c->ctrl_ev = 0;
}

/* Starts a non-blocking connect to addr (with port, if non-zero).
 * Returns the socket, or -1 with errno set. */
static int start_connect(const struct run *r, int port)
{
	struct sockaddr_storage sa = r->addr;
	int fd, saved;

	if (port > 0) {
		if (sa.ss_family == AF_INET)
			((struct sockaddr_in *)&sa)->sin_port = htons((uint16_t)port);
		else
			((struct sockaddr_in6 *)&sa)->sin6_port = htons((uint16_t)port);
	}
	fd = socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, r->addr_len) < 0 && errno != EINPROGRESS) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/* After EPOLLOUT on a connecting socket: 0 if connected, else errno. */
static int connect_result(int fd)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return errno;
	return err;
}

/* ---------- client life cycle ---------- */

static void start_session(struct run *r, struct client *c);

/* Something went wrong: count it, drop the connections. Sessions start
 * over after a short pause; downloads give up. A download that already has
 * all its data and the 226 is a success whatever happens at QUIT. */
static void client_error(struct run *r, struct client *c, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void client_error(struct run *r, struct client *c, const char *fmt, ...)
{
	char msg[ERRMSG_LEN];
	va_list ap;
	int was_ok = c->ok;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	close_data(c);
	close_ctrl(c);
	c->throttled = 0;
	c->deadline = 0;
	if (r->o.mode == MODE_SESSIONS) {
		record_error(r, msg);
		c->st = S_IDLE;
		c->wake = now_ns() + RETRY_NS;
		return;
	}
	if (c->st == S_CONNECT || c->st == S_GREET)
		r->handshakes--;
	r->finished++;
	if (was_ok) {
		c->st = S_DONE;
		return;
	}
	record_error(r, msg);
	c->st = S_FAILED;
}

/* Queues a command and tries to send it now; the rest goes out on EPOLLOUT. */
static void send_cmd(struct run *r, struct client *c, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void send_cmd(struct run *r, struct client *c, const char *fmt, ...)
{
	va_list ap;
	int n;
	ssize_t w;

	va_start(ap, fmt);
	n = vsnprintf(c->out + c->out_len, sizeof(c->out) - c->out_len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(c->out) - c->out_len)
		die("command too long"); /* lengths are checked at start */
	c->out_len += (size_t)n;
	w = send(c->ctrl, c->out, c->out_len, MSG_NOSIGNAL);
	if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
		client_error(r, c, "%s: send: %s", state_name[c->st], strerror(errno));
		return;
	}
	if (w > 0) {
		memmove(c->out, c->out + w, c->out_len - (size_t)w);
		c->out_len -= (size_t)w;
	}
	ctrl_update(r, c);
}

/* Moves to a new step, with a fresh step timeout. */
static void step(struct client *c, enum state st)
{
	c->st = st;
	c->deadline = now_ns() + STEP_TIMEOUT;
}

static void start_session(struct run *r, struct client *c)
{
	c->t_start = now_ns();
	c->in_len = 0;
	c->truncating = 0;
	c->ml_code = 0;
	c->out_len = 0;
	c->got = 0;
	c->data_eof = c->got_226 = c->ok = 0;
	c->throttled = 0;
	c->tokens = r->burst;
	c->t_refill = c->t_start;
	c->wake = 0;
	c->ctrl = start_connect(r, 0);
	if (c->ctrl < 0) {
		c->st = S_CONNECT;
		if (r->o.mode == MODE_DOWNLOADS)
			r->handshakes++;
		client_error(r, c, "connect: %s", strerror(errno));
		return;
	}
	c->ctrl_ev = EPOLLOUT;
	ep_add(r, c->ctrl, c->ctrl_ev, tag(c, 0));
	step(c, S_CONNECT);
	if (r->o.mode == MODE_DOWNLOADS)
		r->handshakes++;
}

/* A session is over (221, or the server closed after QUIT). */
static void session_end(struct run *r, struct client *c)
{
	int64_t t = now_ns();

	close_data(c);
	close_ctrl(c);
	c->deadline = 0;
	if (r->o.mode == MODE_DOWNLOADS) {
		c->st = S_DONE;
		r->finished++;
		return;
	}
	if (t >= r->rec_start && t < r->rec_end) {
		if (r->n_lat == r->cap_lat) {
			size_t ncap = r->cap_lat ? r->cap_lat * 2 : 65536;
			double *p = realloc(r->lat_ms, ncap * sizeof(*p));

			if (!p)
				die("out of memory");
			r->lat_ms = p;
			r->cap_lat = ncap;
		}
		r->lat_ms[r->n_lat++] = (double)(t - c->t_start) / NS_PER_MS;
		r->bytes += c->got;
	}
	start_session(r, c);
}

/* Both the data's end and the 226 are in: check the size, then QUIT. */
static void check_xfer_done(struct run *r, struct client *c)
{
	if (c->st != S_XFER || !c->data_eof || !c->got_226)
		return;
	if (c->got != r->size) {
		client_error(r, c, "short data: got %lld of %lld bytes", c->got, r->size);
		return;
	}
	c->ok = 1;
	if (r->o.mode == MODE_DOWNLOADS)
		r->n_ok++;
	step(c, S_QUIT);
	send_cmd(r, c, "QUIT\r\n");
}

/* ---------- passive replies ---------- */

/* "229 Entering Extended Passive Mode (|||port|)": any delimiter. */
static int parse_epsv(const char *text)
{
	const char *p = strchr(text, '(');
	char d, *end;
	long port;

	if (!p || !p[1])
		return -1;
	d = p[1];
	if (p[2] != d || p[3] != d)
		return -1;
	errno = 0;
	port = strtol(p + 4, &end, 10);
	if (errno || end == p + 4 || *end != d || port < 1 || port > 65535)
		return -1;
	return (int)port;
}

/* "227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)": only the port is used,
 * the data goes to the control host (as curl does: safer behind NAT). */
static int parse_pasv(const char *text)
{
	const char *p = text + 3;
	unsigned h[4], p1, p2;

	while (*p && !isdigit((unsigned char)*p))
		p++;
	if (sscanf(p, "%u,%u,%u,%u,%u,%u", &h[0], &h[1], &h[2], &h[3], &p1, &p2) != 6 ||
	    p1 > 255 || p2 > 255 || (p1 == 0 && p2 == 0))
		return -1;
	return (int)(p1 * 256 + p2);
}

static void start_data(struct run *r, struct client *c, int port)
{
	c->data = start_connect(r, port);
	if (c->data < 0) {
		client_error(r, c, "data connect: %s", strerror(errno));
		return;
	}
	c->data_ev = EPOLLOUT;
	ep_add(r, c->data, c->data_ev, tag(c, 1));
	step(c, S_DATA_CONNECT);
}

/* ---------- control replies ---------- */

/* One complete reply (the last line of a multi-line one). */
static void on_reply(struct run *r, struct client *c, int code)
{
	int port;

	switch (c->st) {
	case S_GREET:
		if (code == 120)
			return; /* "ready in nnn minutes": 220 follows */
		if (code != 220)
			break;
		step(c, S_USER);
		send_cmd(r, c, "USER %s\r\n", r->o.user);
		if (r->o.mode == MODE_DOWNLOADS)
			r->handshakes--; /* lets the next batch connect */
		return;
	case S_USER:
		if (code == 331) {
			step(c, S_PASS);
			send_cmd(r, c, "PASS %s\r\n", r->o.pass);
			return;
		}
		if (code != 230) /* 230: logged in without a password */
			break;
		step(c, S_TYPE);
		send_cmd(r, c, "TYPE I\r\n");
		return;
	case S_PASS:
		if (code != 230 && code != 202)
			break;
		step(c, S_TYPE);
		send_cmd(r, c, "TYPE I\r\n");
		return;
	case S_TYPE:
		if (code != 200)
			break;
		step(c, S_PASV);
		send_cmd(r, c, r->o.pasv ? "PASV\r\n" : "EPSV\r\n");
		return;
	case S_PASV:
		if (code != (r->o.pasv ? 227 : 229))
			break;
		port = r->o.pasv ? parse_pasv(c->reply) : parse_epsv(c->reply);
		if (port < 0) {
			client_error(r, c, "cannot parse passive reply: %s", c->reply);
			return;
		}
		start_data(r, c, port);
		return;
	case S_RETR:
		if (code != 150 && code != 125)
			break;
		step(c, S_XFER);
		check_xfer_done(r, c);
		return;
	case S_XFER:
		if ((code != 226 && code != 250) || c->got_226)
			break;
		c->got_226 = 1;
		c->deadline = now_ns() + STEP_TIMEOUT;
		check_xfer_done(r, c);
		return;
	case S_QUIT:
		if (code != 221)
			break;
		session_end(r, c);
		return;
	default:
		break;
	}
	client_error(r, c, "%s: unexpected reply: %s", state_name[c->st], c->reply);
}

/* One line of a reply. Multi-line replies ("NNN-" ... "NNN ") count once,
 * at their last line; the lines in between are skipped. Returns 0, or -1
 * if the line is not a reply at all. */
static int on_line(struct run *r, struct client *c, char *line, size_t len)
{
	int code;

	while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == '\n'))
		line[--len] = '\0';
	if (len >= 3 && isdigit((unsigned char)line[0]) && isdigit((unsigned char)line[1]) &&
	    isdigit((unsigned char)line[2]))
		code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	else
		code = -1;
	if (c->ml_code) {
		if (code != c->ml_code || (len > 3 && line[3] != ' '))
			return 0; /* a middle line */
		c->ml_code = 0;
	} else if (code < 0) {
		snprintf(c->reply, sizeof(c->reply), "%s", line);
		return -1;
	} else if (len > 3 && line[3] == '-') {
		c->ml_code = code;
		return 0;
	}
	snprintf(c->reply, sizeof(c->reply), "%s", line);
	on_reply(r, c, code);
	return 0;
}

/* Splits the input into lines; stops if the reply ended the connection. */
static void parse_input(struct run *r, struct client *c)
{
	uint32_t gen = c->ctrl_gen;
	size_t start = 0;

	while (c->ctrl_gen == gen && start < c->in_len) {
		char *nl = memchr(c->in + start, '\n', c->in_len - start);
		size_t len;

		if (!nl)
			break;
		len = (size_t)(nl - (c->in + start)) + 1;
		if (c->truncating) {
			c->truncating = 0; /* the tail of a line already handled */
		} else {
			c->in[start + len - 1] = '\0';
			if (on_line(r, c, c->in + start, len - 1) < 0) {
				client_error(r, c, "%s: malformed reply: %s",
					     state_name[c->st], c->reply);
				return;
			}
		}
		start += len;
	}
	if (c->ctrl_gen != gen)
		return;
	memmove(c->in, c->in + start, c->in_len - start);
	c->in_len -= start;
	/* A full buffer without a newline: handle what we have as the line
	 * (the code is at its start) and drop the rest up to the newline. */
	if (c->in_len == sizeof(c->in) - 1) {
		c->in[c->in_len] = '\0';
		c->in_len = 0;
		if (!c->truncating && on_line(r, c, c->in, sizeof(c->in) - 1) < 0) {
			client_error(r, c, "%s: malformed reply", state_name[c->st]);
			return;
		}
		if (c->ctrl_gen == gen)
			c->truncating = 1;
	}
}

static void ctrl_read(struct run *r, struct client *c)
{
	ssize_t n = recv(c->ctrl, c->in + c->in_len, sizeof(c->in) - 1 - c->in_len, 0);

	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		client_error(r, c, "%s: control recv: %s", state_name[c->st], strerror(errno));
		return;
	}
	if (n == 0) {
		if (c->st == S_QUIT)
			session_end(r, c); /* closed instead of (or right after) 221 */
		else
			client_error(r, c, "%s: server closed the control connection",
				     state_name[c->st]);
		return;
	}
	c->in_len += (size_t)n;
	c->deadline = now_ns() + STEP_TIMEOUT;
	parse_input(r, c);
}

static void ctrl_flush(struct run *r, struct client *c)
{
	ssize_t w = send(c->ctrl, c->out, c->out_len, MSG_NOSIGNAL);

	if (w < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			client_error(r, c, "%s: send: %s", state_name[c->st], strerror(errno));
		return;
	}
	memmove(c->out, c->out + w, c->out_len - (size_t)w);
	c->out_len -= (size_t)w;
	ctrl_update(r, c);
}

static void on_ctrl_event(struct run *r, struct client *c, uint32_t ev)
{
	uint32_t gen = c->ctrl_gen;
	int err;

	if (c->st == S_CONNECT) {
		err = connect_result(c->ctrl);
		if (err) {
			client_error(r, c, "connect: %s", strerror(err));
			return;
		}
		step(c, S_GREET);
		ctrl_update(r, c);
		return;
	}
	if ((ev & EPOLLOUT) && c->out_len > 0) {
		ctrl_flush(r, c);
		if (c->ctrl_gen != gen)
			return;
	}
	if (ev & (EPOLLIN | EPOLLERR | EPOLLHUP))
		ctrl_read(r, c);
}

/* ---------- data ---------- */

static void refill(struct run *r, struct client *c, int64_t t)
{
	if (r->o.rate <= 0)
		return;
	c->tokens += (double)r->o.rate * (double)(t - c->t_refill) / NS_PER_SEC;
	if (c->tokens > r->burst)
		c->tokens = r->burst;
	c->t_refill = t;
}

/* Reads (discards) what the data socket holds, within the rate limit.
 * MSG_TRUNC makes TCP drop the bytes in the kernel without copying them
 * out: the content is never looked at, only counted, and the copy would
 * be most of the load generator's CPU on fast downloads. */
static void data_read(struct run *r, struct client *c, int force)
{
	int64_t t = now_ns();
	int rounds = 8; /* then back to epoll, so one fast client cannot starve others */

	while (rounds-- > 0) {
		size_t want = READ_MAX;
		ssize_t n;

		if (r->o.rate > 0 && !force) {
			refill(r, c, t);
			if (c->tokens < r->rate_thresh) {
				c->throttled = 1;
				data_update(r, c);
				return;
			}
			want = c->tokens < RATE_CHUNK ? (size_t)c->tokens : RATE_CHUNK;
		}
		n = recv(c->data, NULL, want, MSG_TRUNC | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return;
			client_error(r, c, "%s: data recv: %s", state_name[c->st], strerror(errno));
			return;
		}
		if (n == 0) {
			c->data_eof = 1;
			close_data(c);
			c->deadline = t + STEP_TIMEOUT;
			check_xfer_done(r, c);
			return;
		}
		c->got += n;
		c->tokens -= (double)n;
		c->deadline = t + STEP_TIMEOUT;
		if (c->got > r->size) {
			client_error(r, c, "too much data: over %lld bytes", r->size);
			return;
		}
		if (r->o.rate > 0)
			return; /* one small chunk per wakeup */
	}
}

static void on_data_event(struct run *r, struct client *c, uint32_t ev)
{
	int err;

	if (c->st == S_DATA_CONNECT) {
		err = connect_result(c->data);
		if (err) {
			client_error(r, c, "data connect: %s", strerror(err));
			return;
		}
		step(c, S_RETR);
		data_update(r, c);
		send_cmd(r, c, "RETR %s\r\n", r->o.path);
		return;
	}
	/* An error or hangup is reported even with no interest registered
	 * (held or throttled); a read settles it rather than spin on it. */
	if (c->data_ev & EPOLLIN)
		data_read(r, c, 0);
	else if (ev & (EPOLLERR | EPOLLHUP))
		data_read(r, c, 1);
}

/* ---------- timers ---------- */

static void hold_begin(struct run *r, int64_t t)
{
	int fd = open(r->o.hold_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int i;

	if (fd < 0)
		die("cannot create %s: %s", r->o.hold_file, strerror(errno));
	if (write(fd, "ready\n", 6) != 6)
		die("cannot write %s: %s", r->o.hold_file, strerror(errno));
	if (close(fd) < 0)
		die("cannot close %s: %s", r->o.hold_file, strerror(errno));
	r->holding = 1;
	r->held = 1;
	r->hold_start = t;
	for (i = 0; i < r->o.clients; i++)
		data_update(r, &r->cl[i]);
}

static void hold_end(struct run *r, int64_t t)
{
	int i;

	r->holding = 0;
	r->hold_done = 1;
	r->held_ns += t - r->hold_start;
	for (i = 0; i < r->o.clients; i++) {
		struct client *c = &r->cl[i];

		/* The pause was ours: no step timed out during it. */
		if (c->deadline)
			c->deadline = t + STEP_TIMEOUT;
		c->t_refill = t;
		data_update(r, c);
	}
}

/* Downloads with --hold-file: hold once every live client has its first
 * MiB (or the file, if smaller), or HOLD_MAX_WAIT has passed; resume when
 * the orchestrator deletes the file, or after --hold-ms. */
static void hold_check(struct run *r, int64_t t)
{
	long long need = r->size < HOLD_MIN_BYTES ? r->size : HOLD_MIN_BYTES;
	int i, alive = 0, ready = 0;
	struct stat sb;

	if (!r->o.hold_file || r->hold_done)
		return;
	if (r->holding) {
		if (stat(r->o.hold_file, &sb) < 0) {
			if (errno != ENOENT)
				die("stat %s: %s", r->o.hold_file, strerror(errno));
			hold_end(r, t);
		} else if (t - r->hold_start >= r->o.hold_ms * NS_PER_MS) {
			fprintf(stderr, "loadgen: %s not deleted within %lld ms; "
				"removing it and resuming\n", r->o.hold_file, r->o.hold_ms);
			if (unlink(r->o.hold_file) < 0)
				fprintf(stderr, "loadgen: unlink %s: %s\n", r->o.hold_file,
					strerror(errno));
			hold_end(r, t);
		}
		return;
	}
	for (i = 0; i < r->o.clients; i++) {
		const struct client *c = &r->cl[i];

		if (c->st == S_DONE || c->st == S_FAILED)
			continue;
		alive++;
		if (c->got >= need || c->data_eof)
			ready++;
	}
	if (alive > 0 && (ready == alive || t - r->t0 >= HOLD_MAX_WAIT)) {
		/* Say which condition fired: the orchestrator logs stderr. */
		fprintf(stderr, "loadgen: hold after %.1f s: %d of %d running clients "
			"past %lld bytes\n", (double)(t - r->t0) / NS_PER_SEC, ready, alive,
			need);
		hold_begin(r, t);
	}
}

static void tick(struct run *r, int64_t t)
{
	int i;

	for (i = 0; i < r->o.clients; i++) {
		struct client *c = &r->cl[i];

		if (c->st == S_IDLE) {
			if (c->wake && t >= c->wake)
				start_session(r, c);
			continue;
		}
		if (c->throttled) {
			refill(r, c, t);
			if (c->tokens >= r->rate_thresh) {
				c->throttled = 0;
				data_update(r, c);
			}
			c->deadline = t + STEP_TIMEOUT; /* our own pause */
			continue;
		}
		if (!r->holding && c->deadline && t >= c->deadline)
			client_error(r, c, "%s: timeout (%lld s)", state_name[c->st],
				     STEP_TIMEOUT / NS_PER_SEC);
	}
	if (r->o.mode == MODE_DOWNLOADS) {
		/* Connect in batches: no more than MAX_HANDSHAKES waiting for
		 * their 220, so the listen queue does not overflow into SYN
		 * retransmits, which would add seconds to some clients. */
		while (r->next_start < r->o.clients && r->handshakes < MAX_HANDSHAKES)
			start_session(r, &r->cl[r->next_start++]);
		hold_check(r, t);
	}
}

/* ---------- main loop ---------- */

static int run_done(const struct run *r, int64_t t)
{
	if (r->o.mode == MODE_SESSIONS)
		return t >= r->rec_end;
	return r->next_start == r->o.clients && r->finished == r->o.clients;
}

static void event_loop(struct run *r)
{
	struct epoll_event evs[MAX_EVENTS];

	for (;;) {
		int64_t t = now_ns();
		int i, n, timeout_ms;

		if (t >= r->next_tick) {
			tick(r, t);
			r->next_tick = t + TICK_NS;
		}
		if (run_done(r, t)) {
			r->t_end = t;
			break;
		}
		timeout_ms = (int)((r->next_tick - t + NS_PER_MS - 1) / NS_PER_MS);
		n = epoll_wait(r->ep, evs, MAX_EVENTS, timeout_ms);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("epoll_wait: %s", strerror(errno));
		}
		for (i = 0; i < n; i++) {
			uint64_t u = evs[i].data.u64;
			struct client *c = &r->cl[(u & 0xffffffffu) >> 1];
			int is_data = (int)(u & 1);
			uint32_t gen = (uint32_t)(u >> 32);

			if (is_data) {
				if (c->data >= 0 && gen == c->data_gen)
					on_data_event(r, c, evs[i].events);
			} else if (c->ctrl >= 0 && gen == c->ctrl_gen) {
				on_ctrl_event(r, c, evs[i].events);
			}
		}
	}
}

/* ---------- setup: SIZE, limits, address ---------- */

/* Blocking read of one whole reply (multi-line aware); returns its code. */
static int read_reply_blocking(int fd, char *last, size_t lastsz)
{
	char line[CTRL_BUF];
	size_t len = 0;
	int ml = 0;

	for (;;) {
		char ch;
		ssize_t n = recv(fd, &ch, 1, 0);

		if (n == 0)
			die("SIZE probe: connection closed");
		if (n < 0)
			die("SIZE probe: %s", errno == EAGAIN || errno == EWOULDBLOCK ?
			    "timeout (10 s)" : strerror(errno));
		if (ch != '\n') {
			if (len < sizeof(line) - 1 && ch != '\r')
				line[len++] = ch;
			continue;
		}
		line[len] = '\0';
		len = 0;
		if (!isdigit((unsigned char)line[0]) || !isdigit((unsigned char)line[1]) ||
		    !isdigit((unsigned char)line[2]))
			continue;
		if (!ml && line[3] == '-') {
			ml = atoi(line);
			continue;
		}
		if (ml && (atoi(line) != ml || line[3] == '-'))
			continue;
		snprintf(last, lastsz, "%s", line);
		return atoi(line);
	}
}

static int cmd_blocking(int fd, char *last, size_t lastsz, const char *cmd, const char *arg)
{
	char buf[OUT_BUF];
	int n = snprintf(buf, sizeof(buf), "%s%s%s\r\n", cmd, arg ? " " : "", arg ? arg : "");

	if (n < 0 || (size_t)n >= sizeof(buf))
		die("command too long");
	if (send(fd, buf, (size_t)n, MSG_NOSIGNAL) != n)
		die("SIZE probe: send: %s", strerror(errno));
	return read_reply_blocking(fd, last, lastsz);
}

/* Asks the file's size once, so every transfer can be checked against it. */
static long long probe_size(const struct run *r)
{
	struct timeval tv = { .tv_sec = STEP_TIMEOUT / NS_PER_SEC };
	char last[CTRL_BUF];
	int fd, code;
	long long size;
	char *end;

	fd = socket(r->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
		die("setsockopt: %s", strerror(errno));
	if (connect(fd, (const struct sockaddr *)&r->addr, r->addr_len) < 0)
		die("cannot connect to %s port %s: %s", r->o.host, r->o.port, strerror(errno));
	if ((code = read_reply_blocking(fd, last, sizeof(last))) != 220)
		die("SIZE probe: greeting: %s", last);
	code = cmd_blocking(fd, last, sizeof(last), "USER", r->o.user);
	if (code == 331)
		code = cmd_blocking(fd, last, sizeof(last), "PASS", r->o.pass);
	if (code != 230 && code != 202)
		die("SIZE probe: login failed: %s", last);
	if (cmd_blocking(fd, last, sizeof(last), "TYPE", "I") != 200)
		die("SIZE probe: TYPE I: %s", last);
	if (cmd_blocking(fd, last, sizeof(last), "SIZE", r->o.path) != 213)
		die("SIZE %s: %s", r->o.path, last);
	errno = 0;
	size = strtoll(last + 4, &end, 10);
	if (errno || end == last + 4 || size < 0)
		die("SIZE %s: cannot parse: %s", r->o.path, last);
	cmd_blocking(fd, last, sizeof(last), "QUIT", NULL);
	if (close(fd) < 0)
		die("close: %s", strerror(errno));
	return size;
}

/* Two sockets per client, plus stdio, epoll and some slack. */
static void raise_nofile(int clients)
{
	rlim_t need = (rlim_t)clients * 2 + 64;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		die("getrlimit: %s", strerror(errno));
	if (rl.rlim_cur >= need)
		return;
	if (rl.rlim_max < need)
		rl.rlim_max = need; /* only root may raise the hard limit */
	rl.rlim_cur = need;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		die("%d clients need %lu file descriptors, and RLIMIT_NOFILE cannot be "
		    "raised that far (%s); raise the hard limit (ulimit -Hn) or use "
		    "fewer clients", clients, (unsigned long)need, strerror(errno));
}

static void resolve(struct run *r)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICSERV };
	struct addrinfo *res;
	int e = getaddrinfo(r->o.host, r->o.port, &hints, &res);

	if (e)
		die("%s port %s: %s", r->o.host, r->o.port, gai_strerror(e));
	memcpy(&r->addr, res->ai_addr, res->ai_addrlen);
	r->addr_len = res->ai_addrlen;
	freeaddrinfo(res);
}

/* ---------- options ---------- */

static void usage(void) __attribute__((noreturn));
static void usage(void)
{
	fputs("usage: loadgen sessions  --host H --port P --clients N --duration S --path F\n"
	      "                         [--warmup S] [--user U] [--pass W] [--pasv]\n"
	      "       loadgen downloads --host H --port P --clients N --path F\n"
	      "                         [--rate BYTES_PER_SEC] [--hold-file PATH] [--hold-ms MS]\n"
	      "                         [--user U] [--pass W] [--pasv]\n", stderr);
	exit(2);
}

static double num_arg(const char *name, const char *v, double min, double max)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(v, &end);
	if (errno || end == v || *end || d < min || d > max)
		die("bad value for %s: '%s' (want %g..%g)", name, v, min, max);
	return d;
}

/* An argument goes into a command line: no CR/LF, and it must fit. */
static const char *cmd_arg(const char *name, const char *v)
{
	if (strpbrk(v, "\r\n") || strlen(v) > OUT_BUF - 16)
		die("bad value for %s", name);
	return v;
}

static void parse_opts(struct opts *o, int argc, char **argv)
{
	int i;

	memset(o, 0, sizeof(*o));
	o->user = "anonymous";
	o->pass = "bench@example.org";
	o->warmup = 1;
	o->hold_ms = 30000;
	if (argc < 2)
		usage();
	if (strcmp(argv[1], "sessions") == 0)
		o->mode = MODE_SESSIONS;
	else if (strcmp(argv[1], "downloads") == 0)
		o->mode = MODE_DOWNLOADS;
	else
		usage();
	for (i = 2; i < argc; i++) {
		const char *a = argv[i], *v;

		if (strcmp(a, "--pasv") == 0) {
			o->pasv = 1;
			continue;
		}
		if (i + 1 >= argc)
			usage();
		v = argv[++i];
		if (strcmp(a, "--host") == 0)
			o->host = v;
		else if (strcmp(a, "--port") == 0)
			o->port = v;
		else if (strcmp(a, "--clients") == 0)
			o->clients = (int)num_arg(a, v, 1, 1000000);
		else if (strcmp(a, "--duration") == 0)
			o->duration = num_arg(a, v, 0.001, 1e6);
		else if (strcmp(a, "--warmup") == 0)
			o->warmup = num_arg(a, v, 0, 1e6);
		else if (strcmp(a, "--path") == 0)
			o->path = cmd_arg(a, v);
		else if (strcmp(a, "--user") == 0)
			o->user = cmd_arg(a, v);
		else if (strcmp(a, "--pass") == 0)
			o->pass = cmd_arg(a, v);
		else if (strcmp(a, "--rate") == 0)
			o->rate = (long long)num_arg(a, v, 0, 1e12);
		else if (strcmp(a, "--hold-file") == 0)
			o->hold_file = v;
		else if (strcmp(a, "--hold-ms") == 0)
			o->hold_ms = (long long)num_arg(a, v, 0, 1e9);
		else
			usage();
	}
	if (!o->host || !o->port || !o->clients || !o->path)
		usage();
	if (o->mode == MODE_SESSIONS && o->duration <= 0)
		usage();
}

/* ---------- results ---------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile of a sorted array. */
static double pct(const double *v, size_t n, double p)
{
	size_t k;

	if (n == 0)
		return 0;
	k = (size_t)(p / 100.0 * (double)n + 0.999999);
	if (k < 1)
		k = 1;
	return v[(k > n ? n : k) - 1];
}

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			printf("\\u%04x", ch); /* replies are ASCII; keep the JSON valid anyway */
		else
			putchar(ch);
	}
	putchar('"');
}

static void print_errors(const struct run *r)
{
	int i;

	for (i = 0; i < r->n_errmsg; i++)
		fprintf(stderr, "loadgen: error: %s\n", r->errmsg[i]);
}

static void report_sessions(struct run *r)
{
	qsort(r->lat_ms, r->n_lat, sizeof(double), cmp_double);
	printf("{\"mode\":\"sessions\",\"clients\":%d,\"duration_s\":%.3f,\"sessions\":%zu,"
	       "\"errors\":%lld,\"per_sec\":%.1f,\"p50_ms\":%.3f,\"p90_ms\":%.3f,"
	       "\"p99_ms\":%.3f,\"max_ms\":%.3f,\"bytes\":%lld}\n",
	       r->o.clients, r->o.duration, r->n_lat, r->errors,
	       (double)r->n_lat / r->o.duration, pct(r->lat_ms, r->n_lat, 50),
	       pct(r->lat_ms, r->n_lat, 90), pct(r->lat_ms, r->n_lat, 99),
	       r->n_lat ? r->lat_ms[r->n_lat - 1] : 0.0, r->bytes);
}

/* seconds: first connect to last client's end, minus the hold;
 * mbps: megabits (10^6 bits) per second over that time. */
static void report_downloads(struct run *r)
{
	long long bytes = 0;
	double secs;
	int i;

	for (i = 0; i < r->o.clients; i++)
		bytes += r->cl[i].got;
	secs = (double)(r->t_end - r->t0 - r->held_ns) / NS_PER_SEC;
	printf("{\"mode\":\"downloads\",\"clients\":%d,\"ok\":%d,\"failed\":%d,\"bytes\":%lld,"
	       "\"seconds\":%.3f,\"mbps\":%.1f,\"held\":%s,\"first_errors\":[",
	       r->o.clients, r->n_ok, r->o.clients - r->n_ok, bytes, secs,
	       secs > 0 ? (double)bytes * 8 / 1e6 / secs : 0.0, r->held ? "true" : "false");
	for (i = 0; i < r->n_errmsg; i++) {
		if (i)
			putchar(',');
		json_string(r->errmsg[i]);
	}
	printf("]}\n");
}

int main(int argc, char **argv)
{
	static struct run run;
	struct run *r = &run;
	int i;

	parse_opts(&r->o, argc, argv);
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		die("signal: %s", strerror(errno));
	raise_nofile(r->o.clients);
	resolve(r);
	r->size = probe_size(r);
	if (r->o.rate > 0) {
		/* A 20 ms burst at most, so the flow stays smooth. */
		r->burst = (double)r->o.rate / 50;
		if (r->burst < 1024)
			r->burst = 1024;
		r->rate_thresh = r->burst / 2 < 4096 ? r->burst / 2 : 4096;
	}
	if (r->o.hold_file && unlink(r->o.hold_file) == 0)
		fprintf(stderr, "loadgen: removed stale %s\n", r->o.hold_file);
	r->ep = epoll_create1(EPOLL_CLOEXEC);
	if (r->ep < 0)
		die("epoll_create1: %s", strerror(errno));
	r->cl = calloc((size_t)r->o.clients, sizeof(*r->cl));
	if (!r->cl)
		die("out of memory");
	for (i = 0; i < r->o.clients; i++) {
		r->cl[i].idx = i;
		r->cl[i].ctrl = r->cl[i].data = -1;
		r->cl[i].st = S_IDLE;
	}
	r->t0 = now_ns();
	r->rec_start = r->t0 + (int64_t)(r->o.warmup * NS_PER_SEC);
	r->rec_end = r->rec_start + (int64_t)(r->o.duration * NS_PER_SEC);
	if (r->o.mode == MODE_SESSIONS)
		for (i = 0; i < r->o.clients; i++)
			start_session(r, &r->cl[i]);
	event_loop(r);
	for (i = 0; i < r->o.clients; i++) {
		close_data(&r->cl[i]);
		close_ctrl(&r->cl[i]);
	}
	print_errors(r);
	if (r->o.mode == MODE_SESSIONS)
		report_sessions(r);
	else
		report_downloads(r);
	if (fflush(stdout) == EOF)
		die("stdout: %s", strerror(errno));
	return 0;
}
