/*
 * master_config.c: the configuration the master runs with, as the command
 * line describes it (defaults, the -c file, the -o overrides, validation),
 * and the checks made on it before the master trusts it: the file's mode
 * when run as root, and the users file parsed once for its errors.
 * See master.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compat/compat.h"
#include "log.h"
#include "master.h"
#include "privdrop.h"
#include "users.h"

static void
report_planned(const char *key, const char *why, void *ctx)
{
	(void)ctx;
	zc_log_warnx("%s is set but ignored: %s", key, why);
}

/* SECURITY: run as root, a config file others can write is a way to
 * root; refuse it (as sshd does), at start and on every reload. */
static int
check_config_file_mode(const char *path, struct zc_cfg_error *err)
{
	struct stat st;

	if (path == NULL || !zc_privdrop_is_root() || stat(path, &st) < 0)
		return 0; /* a missing file is the parser's to report */
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(err->msg, sizeof(err->msg),
			 "%s: writable by group or others; refusing to run as "
			 "root with it", path);
		return -1;
	}
	return 0;
}

void
zc_master_report_planned(const struct zc_config *cfg)
{
	zc_cfg_report_planned(cfg, report_planned, NULL);
}

/* users_file: made absolute (reloads and the broker open it later) and
 * parsed once so that an error names its line now; the table is then
 * wiped: the master, whose memory every worker inherits, keeps no hash. */
static int
check_users_file(struct zc_config *cfg, struct zc_cfg_error *err)
{
	char abs[PATH_MAX];
	struct zc_users users;
	int fd, rc;

	if (cfg->users_file[0] == '\0')
		return 0;
	if (realpath(cfg->users_file, abs) == NULL ||
	    (fd = open(abs, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		snprintf(err->msg, sizeof(err->msg), "users_file %.900s: %s",
			 cfg->users_file, strerror(errno));
		return -1;
	}
	zc_strlcpy(cfg->users_file, abs, sizeof(cfg->users_file));
	rc = zc_users_load_fd(fd, abs, &users, err->msg, sizeof(err->msg));
	close(fd);
	if (rc == 0) {
		for (size_t i = 0; i < users.n; i++)
			if (access(users.v[i].home, F_OK) != 0)
				fprintf(stderr, "%s: warning: %s:%u: home "
					"directory %s: %s\n", ZC_NAME, abs,
					users.v[i].line, users.v[i].home,
					strerror(errno));
		zc_users_free(&users);
	}
	return rc;
}

int
zc_master_load_config(const struct zc_cmdline *cl, struct zc_config *cfg,
		      struct zc_cfg_error *err)
{
	if (check_config_file_mode(cl->config_file, err) < 0)
		return -1;
	zc_cfg_defaults(cfg);
	if (cl->config_file != NULL &&
	    zc_cfg_parse_file(cfg, cl->config_file, err) < 0)
		return -1;
	for (size_t i = 0; i < cl->n_overrides; i++)
		if (zc_cfg_parse_override(cfg, cl->overrides[i], err) < 0)
			return -1;
	if (zc_cfg_finish(cfg, err) < 0)
		return -1;
	return check_users_file(cfg, err);
}
