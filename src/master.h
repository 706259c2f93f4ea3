/*
 * master.h: the master process. It binds the listeners, opens the
 * anonymous root and log files, creates the scoreboard, keeps the
 * worker pool at prefork_spare_min..prefork_spare_max idle workers (up
 * to max_clients), replaces workers that exit, answers 421 when the pool
 * is full, reloads on SIGHUP and stops gracefully on SIGTERM/SIGINT.
 * It never reads a byte from a client.
 */
#ifndef ZC_MASTER_H
#define ZC_MASTER_H

#include "cfg.h"
#include "cmdline.h"

/* Load the configuration the command line describes (defaults, -c file,
 * -o overrides, then resolution and validation). As root, a config file
 * writable by group or others is refused. 0, or -1 with err. */
int zc_master_load_config(const struct zc_cmdline *cl, struct zc_config *cfg,
			  struct zc_cfg_error *err) ZC_MUST_CHECK;

/* Warn about keys set away from their default whose feature is not built
 * yet (they are ignored). */
void zc_master_report_planned(const struct zc_config *cfg);

/* Serve until stopped. Returns the process exit status (0 clean stop,
 * 1 runtime failure such as a listener that cannot be bound). */
int zc_master_run(const struct zc_cmdline *cl, const struct zc_config *cfg);

#endif
