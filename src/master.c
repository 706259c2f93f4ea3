/*
 * master.c: the worker pool, the auth broker's and the listeners'
 * lifetimes, signals, reload and shutdown. See master.h. The
 * configuration is loaded by master_config.c, listeners are bound by
 * listeners.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "broker.h"
#include "compat/compat.h"
#include "data_conn.h"
#include "ctrl_io.h"
#include "listeners.h"
#include "log.h"
#include "master.h"
#include "popular.h"
#include "port20.h"
#include "privdrop.h"
#include "reply.h"
#include "scoreboard.h"
#include "sysfile.h"
#include "session.h"
#include "tls.h"
#include "worker.h"

struct child {
	pid_t pid; /* 0: slot free */
	unsigned generation;
	bool retiring; /* sent SIGUSR2 */
	int port20_fd; /* its port-20 request channel (active_from_port_20), or -1 */
};

struct master {
	const struct zc_cmdline *cl;
	struct zc_config *cfg; /* owned (heap): replaced on reload */
	unsigned generation;

	/* plain/explicit-TLS listeners first, then implicit-TLS ones */
	int listen_fds[2 * ZC_LISTEN_MAX];
	struct zc_addr_list bound;          /* listen_fds[0..n_plain) */
	struct zc_addr_list bound_implicit; /* listen_fds[n_plain..n_listen) */
	size_t n_plain, n_listen;
	SSL_CTX *tls_ctx; /* NULL: FTPS not configured */

	/* the auth broker (users_file set): its control socket and pid;
	 * a retired broker (reload) is forgotten and exits by itself */
	int broker_ctl;
	pid_t broker_pid;
	unsigned ephemeral_lo, ephemeral_hi; /* for passive ports without
						pasv_ports (0: unknown) */
	uint64_t cache_budget; /* zc_popular_memory_budget(), 0: unknown */
	long long broker_after_ms; /* respawn back-off */

	int anon_root_fd;
	int xferlog_fd;
	struct zc_identity id;
	bool root;

	struct zc_scoreboard sb;
	struct child *children; /* ZC_SCOREBOARD_SLOTS entries */
	struct pollfd *pfd;     /* the run loop's poll set */
	size_t *pfd_slot;       /* for port-20 entries: the child slot */
	size_t high_water;
	int notify[2]; /* workers -> master wake-ups */
	int sigfd;

	int start_dir_fd; /* where zcftpd started: reloads resolve from it */
	bool daemonized;

	bool stopping;
	long long stop_deadline_ms, kill_deadline_ms;
	bool sent_term;
	long long spawn_after_ms; /* crash-loop back-off */
};

static long long
now_ms(void)
{
	return zc_now_ms();
}

/* How much memory the page cache may fill, which decides whether a
 * popular big file may stay cached (popular.h); read again on reload. */
static void
read_cache_budget(struct master *m)
{
	m->cache_budget = zc_popular_memory_budget();
	zc_log_debug("page cache budget %llu MiB: popular files up to %llu MiB "
		     "skip drop-behind",
		     (unsigned long long)(m->cache_budget >> 20),
		     (unsigned long long)(m->cache_budget /
					  ZC_POPULAR_FIT_DIVISOR >> 20));
}

/* The kernel's ephemeral port range, where passive ports go when
 * pasv_ports is not set (workers cannot read /proc in their chroot). */
static void
read_ephemeral_range(struct master *m)
{
	char text[64];

	m->ephemeral_lo = m->ephemeral_hi = 0;
	if (zc_read_text_file("/proc/sys/net/ipv4/ip_local_port_range", text,
			      sizeof(text)) < 0)
		return;
	if (zc_data_parse_local_range(text, &m->ephemeral_lo,
				      &m->ephemeral_hi) < 0)
		m->ephemeral_lo = m->ephemeral_hi = 0;
}

/* Bind both lists into m's fds (on failure nothing stays open). */
static int
bind_listeners(struct master *m, const struct zc_addr_list *plain,
	       const struct zc_addr_list *implicit)
{
	if (zc_listeners_bind(plain, m->listen_fds, "") < 0)
		return -1;
	if (zc_listeners_bind(implicit, m->listen_fds + plain->n,
			      " (implicit TLS)") < 0) {
		for (size_t i = 0; i < plain->n; i++)
			close(m->listen_fds[i]);
		return -1;
	}
	m->n_plain = plain->n;
	m->n_listen = plain->n + implicit->n;
	m->bound = *plain;
	m->bound_implicit = *implicit;
	return 0;
}

static void
close_listeners(struct master *m)
{
	for (size_t i = 0; i < m->n_listen; i++)
		close(m->listen_fds[i]);
	m->n_listen = 0;
}

static int
open_anon_root(const struct zc_config *cfg)
{
	int fd = open(cfg->anon_root, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		zc_log_warn("anon_root %s", cfg->anon_root);
	return fd;
}

static int
open_xferlog(const struct zc_config *cfg)
{
	int fd;

	if (cfg->xferlog[0] == '\0')
		return -1;
	fd = open(cfg->xferlog, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
		  0640);
	if (fd < 0)
		zc_log_warn("xferlog %s", cfg->xferlog);
	return fd;
}

/* As root: the identity workers take, and their empty jail. */
static int
prepare_identity(const struct zc_config *cfg, struct zc_identity *id)
{
	char err[512];

	if (!zc_privdrop_is_root())
		return 0;
	if (zc_privdrop_resolve(cfg->run_as, id, err, sizeof(err)) < 0 ||
	    zc_privdrop_check_jail(cfg->secure_chroot_dir, err, sizeof(err)) < 0) {
		zc_log_errorx("%s", err);
		return -1;
	}
	return 0;
}

static void
apply_log_config(const struct zc_config *cfg)
{
	zc_log_init(cfg->log == ZC_LOG_DEST_SYSLOG, (enum zc_log_level)cfg->log_level);
}

/* ---- the pool ---- */

static size_t
client_limit(const struct zc_config *cfg)
{
	return cfg->max_clients == 0 ? ZC_MAX_CLIENTS_LIMIT : (size_t)cfg->max_clients;
}

struct pool_count {
	size_t live, idle, idle_current;
};

static struct pool_count
count_pool(const struct master *m)
{
	struct pool_count c = {0, 0, 0};

	for (size_t i = 0; i < m->high_water; i++) {
		enum zc_slot_state st;
		if (m->children[i].pid == 0)
			continue;
		c.live++;
		st = zc_slot_get_state(&m->sb.slots[i]);
		if (st == ZC_SLOT_STARTING || st == ZC_SLOT_IDLE) {
			c.idle++;
			if (m->children[i].generation == m->generation &&
			    !m->children[i].retiring)
				c.idle_current++;
		}
	}
	return c;
}

/* A new worker's connection to the broker: the broker gets one end over
 * its control socket, the worker the other. -1 when there is no broker
 * (then non-anonymous logins fail). */
static int
broker_conn(struct master *m)
{
	int sv[2];

	if (m->broker_ctl < 0)
		return -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		zc_log_warn("socketpair (auth broker)");
		return -1;
	}
	if (zc_broker_add_conn(m->broker_ctl, sv[1]) < 0) {
		zc_log_warn("handing a connection to the auth broker");
		close(sv[0]);
		sv[0] = -1;
	}
	close(sv[1]);
	return sv[0];
}

/* In a new child: the other workers' port-20 channels are not its
 * business (it could take their sockets). */
static void
close_port20_channels(struct master *m)
{
	for (size_t i = 0; i < m->high_water; i++)
		if (m->children[i].port20_fd >= 0)
			close(m->children[i].port20_fd);
}

static void
close_port20(struct child *c)
{
	if (c->port20_fd >= 0)
		close(c->port20_fd);
	c->port20_fd = -1;
}

/* Fork the auth broker for the current users_file. */
static void
spawn_broker(struct master *m)
{
	int ctl[2], ufd;
	pid_t pid;

	ufd = open(m->cfg->users_file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (ufd < 0) {
		zc_log_warn("users_file %s", m->cfg->users_file);
		m->broker_after_ms = now_ms() + ZC_SPAWN_BACKOFF_MS;
		return;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ctl) < 0) {
		zc_log_warn("socketpair (auth broker)");
		close(ufd);
		m->broker_after_ms = now_ms() + ZC_SPAWN_BACKOFF_MS;
		return;
	}
	pid = fork();
	if (pid < 0) {
		zc_log_warn("fork (auth broker)");
		close(ctl[0]);
		close(ctl[1]);
		close(ufd);
		m->broker_after_ms = now_ms() + ZC_SPAWN_BACKOFF_MS;
		return;
	}
	if (pid == 0) {
		/* the broker keeps nothing of the master's but the log */
		close(ctl[0]);
		close_listeners(m);
		if (m->broker_ctl >= 0)
			close(m->broker_ctl);
		if (m->anon_root_fd >= 0)
			close(m->anon_root_fd);
		if (m->xferlog_fd >= 0)
			close(m->xferlog_fd);
		if (m->start_dir_fd >= 0)
			close(m->start_dir_fd);
		close(m->sigfd);
		close(m->notify[0]);
		close(m->notify[1]);
		zc_scoreboard_destroy(&m->sb);
		close_port20_channels(m);
		zc_tls_ctx_free(m->tls_ctx); /* no TLS key in the broker */
		m->tls_ctx = NULL;
		zc_broker_main(ctl[1], ufd, m->cfg->users_file, &m->id, m->cfg);
	}
	close(ctl[1]);
	close(ufd);
	m->broker_ctl = ctl[0];
	m->broker_pid = pid;
	zc_log_info("auth broker %ld started for %s", (long)pid,
		    m->cfg->users_file);
}

/* Let the broker go: it serves its connected workers, then exits. */
static void
retire_broker(struct master *m)
{
	if (m->broker_ctl >= 0)
		close(m->broker_ctl);
	m->broker_ctl = -1;
	m->broker_pid = 0;
}

/* At the end: every worker is gone, so the broker has nothing to serve. */
static void
stop_broker(struct master *m)
{
	pid_t pid = m->broker_pid;

	retire_broker(m);
	if (pid > 0) {
		if (kill(pid, SIGTERM) < 0 && errno != ESRCH)
			zc_log_warn("kill auth broker");
		if (waitpid(pid, NULL, 0) < 0 && errno != ECHILD)
			zc_log_warn("waitpid auth broker");
	}
}

static void
spawn(struct master *m)
{
	struct zc_worker_ctx ctx;
	size_t slot;
	int broker_fd, port20[2];
	pid_t pid;

	for (slot = 0; slot < m->sb.n; slot++)
		if (m->children[slot].pid == 0)
			break;
	if (slot == m->sb.n)
		return;
	memset(&m->sb.slots[slot], 0, sizeof(m->sb.slots[slot]));
	m->sb.slots[slot].generation = m->generation;
	zc_slot_set_state(&m->sb.slots[slot], ZC_SLOT_STARTING);
	if (slot + 1 > m->high_water) {
		m->high_water = slot + 1;
		zc_scoreboard_set_high_water(&m->sb, m->high_water);
	}
	broker_fd = broker_conn(m);
	port20[0] = port20[1] = -1;
	if (m->cfg->active_from_port_20 &&
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0,
		       port20) < 0)
		zc_log_warn("socketpair (port 20)");
	pid = fork();
	if (pid < 0) {
		zc_log_warn("fork");
		if (broker_fd >= 0)
			close(broker_fd);
		if (port20[0] >= 0) {
			close(port20[0]);
			close(port20[1]);
		}
		zc_slot_set_state(&m->sb.slots[slot], ZC_SLOT_FREE);
		m->spawn_after_ms = now_ms() + ZC_SPAWN_BACKOFF_MS;
		return;
	}
	if (pid == 0) {
		close(m->sigfd);
		close(m->notify[0]);
		if (m->broker_ctl >= 0)
			close(m->broker_ctl);
		close_port20_channels(m);
		if (port20[0] >= 0)
			close(port20[0]);
		memset(&ctx, 0, sizeof(ctx));
		ctx.cfg = m->cfg;
		ctx.listen_fds = m->listen_fds;
		ctx.n_listen = m->n_listen;
		ctx.n_plain = m->n_plain;
		ctx.tls_ctx = m->tls_ctx;
		ctx.broker_fd = broker_fd;
		ctx.port20_fd = port20[1];
		ctx.pasv_auto_lo = m->ephemeral_lo;
		ctx.pasv_auto_hi = m->ephemeral_hi;
		ctx.cache_budget = m->cache_budget;
		ctx.anon_root_fd = m->anon_root_fd;
		ctx.xferlog_fd = m->xferlog_fd;
		ctx.notify_fd = m->notify[1];
		ctx.sb = &m->sb;
		ctx.slot = slot;
		ctx.master_pid = getppid();
		ctx.id = m->root ? &m->id : NULL;
		ctx.jail = m->root ? m->cfg->secure_chroot_dir : NULL;
		zc_worker_main(&ctx);
	}
	if (broker_fd >= 0)
		close(broker_fd);
	if (port20[1] >= 0)
		close(port20[1]);
	m->children[slot].port20_fd = port20[0];
	m->children[slot].pid = pid;
	m->children[slot].generation = m->generation;
	m->children[slot].retiring = false;
}

static void
signal_child(struct master *m, size_t i, int sig)
{
	if (m->children[i].pid > 0 && kill(m->children[i].pid, sig) < 0 &&
	    errno != ESRCH)
		zc_log_warn("kill %ld", (long)m->children[i].pid);
}

/* Keep prefork_spare_min..max idle workers of the current generation,
 * never more workers than max_clients. */
static void
maintain_pool(struct master *m)
{
	const struct zc_config *cfg = m->cfg;
	struct pool_count c = count_pool(m);
	size_t want_min = cfg->prefork_spare_min > 0 ? cfg->prefork_spare_min : 1;
	size_t limit = client_limit(cfg);

	if (m->stopping || m->n_listen == 0)
		return;
	/* workers forked without a broker could not log users in */
	if (cfg->users_file[0] != '\0' && m->broker_ctl < 0) {
		if (now_ms() < m->broker_after_ms)
			return;
		spawn_broker(m);
		if (m->broker_ctl < 0)
			return;
	}
	if (c.idle_current < want_min && now_ms() >= m->spawn_after_ms) {
		size_t n = want_min - c.idle_current;
		while (n-- > 0 && c.live < limit) {
			spawn(m);
			c.live++;
		}
	}
	if (c.idle_current > cfg->prefork_spare_max) {
		size_t extra = c.idle_current - cfg->prefork_spare_max;
		for (size_t i = 0; i < m->high_water && extra > 0; i++) {
			struct child *ch = &m->children[i];
			if (ch->pid == 0 || ch->retiring ||
			    ch->generation != m->generation ||
			    zc_slot_get_state(&m->sb.slots[i]) != ZC_SLOT_IDLE)
				continue;
			ch->retiring = true;
			signal_child(m, i, SIGUSR2);
			extra--;
		}
	}
}

/* Every worker is busy and no more may start: the master answers. */
static bool
pool_full(const struct master *m)
{
	struct pool_count c = count_pool(m);

	return !m->stopping && c.idle == 0 && c.live >= client_limit(m->cfg);
}

static void
refuse_overflow(struct master *m, int lfd, bool implicit_tls)
{
	char buf[128];
	size_t len = zc_reply_format(buf, sizeof(buf), ZC_REPLY_421_CLOSING,
				     "Too many users, try again later.");

	for (int n = 0; n < 64; n++) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		/* never reads from the client: one write, then close (an
		 * implicit-TLS client would take plaintext as a broken
		 * handshake: it only sees the close) */
		if (!implicit_tls && write(fd, buf, len) < 0)
			zc_log_debug("421 not delivered: %s", strerror(errno));
		close(fd);
		zc_log_info("refused a connection: max_clients (%llu) reached",
			    (unsigned long long)m->cfg->max_clients);
	}
}

static void
reap(struct master *m)
{
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);
		size_t i;
		bool served;

		if (pid <= 0)
			return;
		if (pid == m->broker_pid) {
			if (!m->stopping)
				zc_log_errorx("auth broker %ld ended (status "
					      "0x%x): starting a new one",
					      (long)pid, (unsigned)status);
			retire_broker(m);
			m->broker_after_ms = now_ms() + ZC_SPAWN_BACKOFF_MS;
			continue;
		}
		for (i = 0; i < m->high_water; i++)
			if (m->children[i].pid == pid)
				break;
		if (i == m->high_water)
			continue; /* a retired broker */
		served = zc_slot_get_state(&m->sb.slots[i]) == ZC_SLOT_BUSY;
		if (WIFSIGNALED(status) && !(m->stopping && m->sent_term)) {
			zc_log_errorx("worker %ld crashed (signal %d)%s", (long)pid,
				      WTERMSIG(status),
				      served ? " during a session" : " before serving");
		} else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
			zc_log_errorx("worker %ld exited with status %d%s", (long)pid,
				      WEXITSTATUS(status),
				      served ? "" : " before serving");
		}
		if (!served && !(WIFEXITED(status) && WEXITSTATUS(status) == 0) &&
		    !m->stopping) {
			/* dying before accept means the next one will too
			 * (e.g. a broken jail): do not spin */
			m->spawn_after_ms = now_ms() + ZC_SPAWN_BACKOFF_MS;
		}
		m->children[i].pid = 0;
		close_port20(&m->children[i]);
		zc_slot_set_state(&m->sb.slots[i], ZC_SLOT_FREE);
	}
}

static size_t
live_children(const struct master *m)
{
	size_t n = 0;

	for (size_t i = 0; i < m->high_water; i++)
		n += m->children[i].pid != 0;
	return n;
}

static void
begin_stop(struct master *m)
{
	if (m->stopping)
		return;
	m->stopping = true;
	m->stop_deadline_ms = now_ms() + (long long)m->cfg->shutdown_timeout * 1000;
	close_listeners(m);
	zc_log_info("stopping: no new connections; running sessions may go on "
		    "for up to %llu s",
		    (unsigned long long)m->cfg->shutdown_timeout);
	for (size_t i = 0; i < m->high_water; i++)
		signal_child(m, i, SIGUSR2); /* idle ones exit now */
}

static void
escalate_stop(struct master *m)
{
	long long now = now_ms();

	if (!m->sent_term && now >= m->stop_deadline_ms) {
		zc_log_info("shutdown_timeout reached: ending %zu sessions",
			    live_children(m));
		for (size_t i = 0; i < m->high_water; i++)
			signal_child(m, i, SIGTERM);
		m->sent_term = true;
		m->kill_deadline_ms = now + ZC_KILL_GRACE_MS;
	} else if (m->sent_term && now >= m->kill_deadline_ms) {
		for (size_t i = 0; i < m->high_water; i++)
			signal_child(m, i, SIGKILL);
		m->kill_deadline_ms = now + ZC_KILL_GRACE_MS;
	}
}

static void
reload(struct master *m)
{
	struct zc_config *next = malloc(sizeof(*next));
	struct zc_cfg_error err;
	struct zc_identity id = m->id;
	SSL_CTX *tls = NULL;
	char msg[512];
	bool rebind;
	int root_fd, rc;

	zc_log_info("SIGHUP: reloading the configuration");
	if (next == NULL) {
		zc_log_errorx("reload: out of memory; keeping the old configuration");
		return;
	}
	/* relative paths (-c, anon_root) mean what they meant at start,
	 * also after daemonize moved us to "/" */
	if (m->start_dir_fd >= 0 && fchdir(m->start_dir_fd) < 0)
		zc_log_warn("fchdir to the start directory");
	rc = zc_master_load_config(m->cl, next, &err);
	if (m->daemonized && chdir("/") < 0)
		zc_log_warn("chdir /");
	if (rc < 0) {
		zc_log_errorx("reload failed, keeping the old configuration: %s",
			      err.msg);
		free(next);
		return;
	}
	zc_master_report_planned(next);
	if (prepare_identity(next, &id) < 0) {
		zc_log_errorx("reload failed, keeping the old configuration");
		free(next);
		return;
	}
	root_fd = open_anon_root(next);
	if (root_fd < 0) {
		zc_log_errorx("reload failed, keeping the old configuration");
		free(next);
		return;
	}
	if (next->tls_cert[0] != '\0') {
		tls = zc_tls_ctx_new(next, msg, sizeof(msg));
		if (tls == NULL) {
			zc_log_errorx("reload failed, keeping the old "
				      "configuration: %s", msg);
			close(root_fd);
			free(next);
			return;
		}
	}
	rebind = !zc_cfg_addr_list_equal(&next->listen, &m->bound) ||
		 !zc_cfg_addr_list_equal(&next->tls_implicit_listen,
					 &m->bound_implicit);
	if (rebind) {
		/* the old sockets may hold the new ports: release them
		 * first, and take them back if the new set cannot bind */
		struct zc_addr_list old = m->bound, old_implicit = m->bound_implicit;
		close_listeners(m);
		if (bind_listeners(m, &next->listen, &next->tls_implicit_listen) < 0) {
			zc_log_errorx("reload: cannot bind the new listen "
				      "addresses; rebinding the old ones");
			if (bind_listeners(m, &old, &old_implicit) < 0)
				zc_log_errorx("reload: the old addresses cannot "
					      "be bound either: not accepting");
			zc_tls_ctx_free(tls);
			close(root_fd);
			free(next);
			return;
		}
	}
	/* workers forked from now on get the new certificate; running
	 * sessions keep the copy they were forked with */
	zc_tls_ctx_free(m->tls_ctx);
	m->tls_ctx = tls;
	if (m->anon_root_fd >= 0)
		close(m->anon_root_fd);
	m->anon_root_fd = root_fd;
	if (m->xferlog_fd >= 0)
		close(m->xferlog_fd);
	m->xferlog_fd = open_xferlog(next); /* also rotates the file */
	if (next->daemonize != m->cfg->daemonize ||
	    strcmp(next->pid_file, m->cfg->pid_file) != 0)
		zc_log_warnx("daemonize and pid_file take effect at restart only");
	free(m->cfg);
	m->cfg = next;
	m->id = id;
	apply_log_config(next);
	m->generation++;
	read_ephemeral_range(m);
	read_cache_budget(m);
	/* the new users table: a new broker for the workers forked from
	 * now on (maintain_pool starts it); the old one serves the
	 * sessions it has until they end */
	retire_broker(m);
	/* old idle workers carry the old config: replace them; busy ones
	 * finish their sessions untouched */
	for (size_t i = 0; i < m->high_water; i++)
		if (m->children[i].pid != 0 &&
		    m->children[i].generation != m->generation) {
			m->children[i].retiring = true;
			signal_child(m, i, SIGUSR2);
		}
	zc_log_info("configuration reloaded (generation %u)", m->generation);
}

static void
handle_signals(struct master *m)
{
	struct signalfd_siginfo si;

	while (read(m->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			begin_stop(m);
			break;
		case SIGHUP:
			if (!m->stopping)
				reload(m);
			break;
		case SIGCHLD:
		default:
			break;
		}
	}
}

static void
drain_notify(struct master *m)
{
	char buf[512];

	while (read(m->notify[0], buf, sizeof(buf)) > 0)
		;
}

static int
setup_signals(struct master *m)
{
	sigset_t set;

	struct sigaction ign;

	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &ign, NULL) < 0)
		return -1;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGUSR2);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	sigdelset(&set, SIGUSR2); /* blocked only so workers inherit it so */
	m->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return m->sigfd < 0 ? -1 : 0;
}

static int
daemonize(const struct zc_config *cfg)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		return -1;
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0)
		_exit(0);
	if (chdir("/") < 0)
		return -1;
	fd = open("/dev/null", O_RDWR);
	if (fd < 0 || dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		return -1;
	if (fd > 2)
		close(fd);
	(void)cfg;
	return 0;
}

static int
write_pid_file(const char *path)
{
	char buf[32];
	int fd, n;

	if (path[0] == '\0')
		return 0;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -1;
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (write(fd, buf, (size_t)n) != n) {
		close(fd);
		return -1;
	}
	return close(fd);
}

static void
run_loop(struct master *m)
{
	struct pollfd *pfd = m->pfd;

	for (;;) {
		nfds_t n = 0, first_port20;
		bool full;
		int timeout = -1;

		reap(m);
		if (m->stopping) {
			if (live_children(m) == 0)
				return;
			escalate_stop(m);
			timeout = 200;
		} else {
			maintain_pool(m);
			if (now_ms() < m->spawn_after_ms)
				timeout = (int)(m->spawn_after_ms - now_ms()) + 1;
			if (m->broker_ctl < 0 && m->cfg->users_file[0] != '\0' &&
			    now_ms() < m->broker_after_ms)
				timeout = (int)(m->broker_after_ms - now_ms()) + 1;
		}
		pfd[n++] = (struct pollfd){.fd = m->sigfd, .events = POLLIN};
		pfd[n++] = (struct pollfd){.fd = m->notify[0], .events = POLLIN};
		full = pool_full(m);
		if (full) {
			for (size_t i = 0; i < m->n_listen; i++)
				pfd[n++] = (struct pollfd){.fd = m->listen_fds[i],
							   .events = POLLIN};
			/* a worker may free up without telling us */
			timeout = 100;
		}
		first_port20 = n;
		for (size_t i = 0; i < m->high_water; i++) {
			if (m->children[i].port20_fd < 0)
				continue;
			m->pfd_slot[n] = i;
			pfd[n++] = (struct pollfd){.fd = m->children[i].port20_fd,
						   .events = POLLIN};
		}
		if (poll(pfd, n, timeout) < 0 && errno != EINTR) {
			zc_log_warn("poll");
			continue;
		}
		if (pfd[0].revents)
			handle_signals(m);
		if (pfd[1].revents)
			drain_notify(m);
		for (nfds_t i = first_port20; i < n; i++)
			if (pfd[i].revents &&
			    zc_port20_serve(pfd[i].fd) < 0)
				close_port20(&m->children[m->pfd_slot[i]]);
		if (!full)
			continue;
		/* a worker may have ended while we waited: then its
		 * replacement, not a 421, takes the client */
		reap(m);
		maintain_pool(m);
		if (!pool_full(m))
			continue;
		for (size_t i = 0; i < m->n_listen; i++)
			if (pfd[2 + i].revents & POLLIN)
				refuse_overflow(m, m->listen_fds[i],
						i >= m->n_plain);
	}
}

int
zc_master_run(const struct zc_cmdline *cl, const struct zc_config *cfg_in)
{
	struct master m;
	int rc = 1;

	memset(&m, 0, sizeof(m));
	m.cl = cl;
	m.sigfd = m.notify[0] = m.notify[1] = -1;
	m.broker_ctl = -1;
	read_ephemeral_range(&m);
	read_cache_budget(&m);
	m.anon_root_fd = m.xferlog_fd = -1;
	m.start_dir_fd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	m.cfg = malloc(sizeof(*m.cfg));
	m.children = calloc(ZC_SCOREBOARD_SLOTS, sizeof(*m.children));
	m.pfd = calloc(2 + 2 * ZC_LISTEN_MAX + ZC_SCOREBOARD_SLOTS, sizeof(*m.pfd));
	m.pfd_slot = calloc(2 + 2 * ZC_LISTEN_MAX + ZC_SCOREBOARD_SLOTS,
			    sizeof(*m.pfd_slot));
	if (m.cfg == NULL || m.children == NULL || m.pfd == NULL ||
	    m.pfd_slot == NULL) {
		zc_log_errorx("out of memory");
		goto out;
	}
	for (size_t i = 0; i < ZC_SCOREBOARD_SLOTS; i++)
		m.children[i].port20_fd = -1;
	*m.cfg = *cfg_in;
	m.root = zc_privdrop_is_root();
	tzset(); /* zone data is read now, before any chroot */
	if (prepare_identity(m.cfg, &m.id) < 0)
		goto out;
	m.anon_root_fd = open_anon_root(m.cfg);
	if (m.anon_root_fd < 0)
		goto out;
	m.xferlog_fd = open_xferlog(m.cfg);
	if (m.cfg->tls_cert[0] != '\0') {
		/* the key is read now, while we may still read it */
		char msg[512];
		m.tls_ctx = zc_tls_ctx_new(m.cfg, msg, sizeof(msg));
		if (m.tls_ctx == NULL) {
			zc_log_errorx("FTPS: %s", msg);
			goto out;
		}
	}
	if (bind_listeners(&m, &m.cfg->listen, &m.cfg->tls_implicit_listen) < 0)
		goto out;
	if (m.cfg->daemonize) {
		if (daemonize(m.cfg) < 0) {
			zc_log_warn("daemonize");
			goto out;
		}
		m.daemonized = true;
	}
	if (write_pid_file(m.cfg->pid_file) < 0) {
		zc_log_warn("pid_file %s", m.cfg->pid_file);
		goto out;
	}
	if (setup_signals(&m) < 0 || zc_scoreboard_create(&m.sb) < 0 ||
	    pipe2(m.notify, O_NONBLOCK | O_CLOEXEC) < 0) {
		zc_log_warn("start-up");
		goto out;
	}
	zc_privdrop_master();
	zc_log_info("%s %s serving %s%s (workers: %s)", ZC_NAME, PACKAGE_VERSION,
		    m.cfg->anon_root, m.cfg->anon_enable ? " to anonymous users" : "",
		    m.root ? "chrooted, run_as, no capabilities"
			   : "not root: no chroot, no capabilities");
	if (m.root)
		zc_log_info("workers run as %s in %s", m.id.name,
			    m.cfg->secure_chroot_dir);
	run_loop(&m);
	stop_broker(&m);
	zc_log_info("stopped");
	rc = 0;
	if (m.cfg->pid_file[0] != '\0' && unlink(m.cfg->pid_file) < 0)
		zc_log_debug("pid_file: %s", strerror(errno));
out:
	close_listeners(&m);
	if (m.anon_root_fd >= 0)
		close(m.anon_root_fd);
	if (m.xferlog_fd >= 0)
		close(m.xferlog_fd);
	if (m.sigfd >= 0)
		close(m.sigfd);
	if (m.start_dir_fd >= 0)
		close(m.start_dir_fd);
	if (m.notify[0] >= 0)
		close(m.notify[0]);
	if (m.notify[1] >= 0)
		close(m.notify[1]);
	zc_scoreboard_destroy(&m.sb);
	zc_tls_ctx_free(m.tls_ctx);
	free(m.children);
	free(m.pfd);
	free(m.pfd_slot);
	free(m.cfg);
	return rc;
}
