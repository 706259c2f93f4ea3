/*
 * privdrop.h: every identity and capability change of zcftpd, in one
 * file with one fixed order (the only caller of chroot, setres[ug]id,
 * setgroups and the libcap setters). Failure here is fatal: a process
 * that could not drop must not serve.
 */
#ifndef ZC_PRIVDROP_H
#define ZC_PRIVDROP_H

#include <stdbool.h>
#include <sys/types.h>

#include "defs.h"

struct zc_identity {
	uid_t uid;
	gid_t gid;
	char name[64];
};

/* Whether we run with root's powers (euid 0). */
bool zc_privdrop_is_root(void);

/* Look up the run_as account (in the master, before any chroot).
 * 0, or -1 with a message in err. */
int zc_privdrop_resolve(const char *name, struct zc_identity *out, char *err,
			size_t errcap) ZC_MUST_CHECK;

/* Create secure_chroot_dir if missing (mode 0755, root-owned) and check
 * it is an empty, root-owned directory nobody else can write. */
int zc_privdrop_check_jail(const char *dir, char *err,
			   size_t errcap) ZC_MUST_CHECK;

/* The master after start-up: keep only the capabilities it still needs
 * (bind for reload, fork workers that chroot and change identity, signal
 * them, read config/keys) and drop the rest from every set, including
 * the bounding set. No-op when not root. */
void zc_privdrop_master(void);

/* A worker before accept: as root, chroot(jail) and chdir("/"), drop the
 * supplementary groups, setresgid/setresuid to `id`; in every case clear
 * all capability sets (effective, permitted, inheritable, ambient and,
 * where allowed, bounding), set no_new_privs and not-dumpable, and verify
 * the result. Fatal on any failure. `jail` NULL: no chroot (not root). */
void zc_privdrop_worker(const char *jail, const struct zc_identity *id);

/* Whether this process holds no capability at all (E, P, I, ambient).
 * For self-checks and tests. */
bool zc_privdrop_has_no_caps(void);

#endif
