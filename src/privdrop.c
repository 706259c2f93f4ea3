/*
 * privdrop.c: privilege dropping with libcap. See privdrop.h.
 *
 * Order in a worker (vsftpd's secutil.c order, with libcap): chroot
 * (needs CAP_SYS_CHROOT), drop the bounding set (needs CAP_SETPCAP),
 * setgroups/setresgid/setresuid (CAP_SETGID/SETUID; without KEEPCAPS the
 * uid change clears permitted and effective), then clear every set with
 * cap_set_proc, no_new_privs, not dumpable, and check.
 */
#include "config.h"

#include <errno.h>
#include <dirent.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compat/compat.h"
#include "log.h"
#include "privdrop.h"

bool
zc_privdrop_is_root(void)
{
	return geteuid() == 0;
}

int
zc_privdrop_resolve(const char *name, struct zc_identity *out, char *err,
		    size_t errcap)
{
	struct passwd *pw;

	errno = 0;
	pw = getpwnam(name);
	if (pw == NULL) {
		snprintf(err, errcap, "run_as: no such user '%s'", name);
		return -1;
	}
	if (pw->pw_uid == 0) {
		snprintf(err, errcap, "run_as: '%s' is root; choose an "
			 "unprivileged account", name);
		return -1;
	}
	out->uid = pw->pw_uid;
	out->gid = pw->pw_gid;
	zc_strlcpy(out->name, name, sizeof(out->name));
	return 0;
}

static int
mkdir_p(const char *dir)
{
	char tmp[PATH_MAX];

	if (zc_strlcpy(tmp, dir, sizeof(tmp)) >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *p = tmp + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

int
zc_privdrop_check_jail(const char *dir, char *err, size_t errcap)
{
	struct stat st;
	struct dirent *de;
	DIR *d;

	if (mkdir_p(dir) < 0) {
		snprintf(err, errcap, "secure_chroot_dir %s: %s", dir,
			 strerror(errno));
		return -1;
	}
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errcap, "secure_chroot_dir %s: not a directory",
			 dir);
		return -1;
	}
	/* SECURITY: workers chroot here; a writable jail would let a
	 * compromised worker plant files (ntpd's privsep dir check). */
	if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		snprintf(err, errcap, "secure_chroot_dir %s must be owned by "
			 "root and not writable by group or others", dir);
		return -1;
	}
	d = opendir(dir);
	if (d == NULL) {
		snprintf(err, errcap, "secure_chroot_dir %s: %s", dir,
			 strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
			closedir(d);
			snprintf(err, errcap, "secure_chroot_dir %s must be "
				 "empty (found '%s')", dir, de->d_name);
			return -1;
		}
	}
	closedir(d);
	return 0;
}

void
zc_privdrop_master(void)
{
	/* what the master keeps: bind listeners again on reload, fork
	 * workers that chroot and change identity and drop the bounding
	 * set, signal them (they run as run_as), read root-only files */
	static const cap_value_t keep[] = {
		CAP_NET_BIND_SERVICE, CAP_SETUID,  CAP_SETGID,
		CAP_SYS_CHROOT,       CAP_SETPCAP, CAP_KILL,
		CAP_DAC_READ_SEARCH,
	};
	cap_t caps;

	if (!zc_privdrop_is_root())
		return;
	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++) {
		bool kept = false;
		for (size_t i = 0; i < ZC_ARRAY_LEN(keep); i++)
			kept = kept || keep[i] == c;
		if (!kept && CAP_IS_SUPPORTED(c) && cap_drop_bound(c) < 0)
			zc_fatal("cap_drop_bound(%d)", (int)c);
	}
	caps = cap_init(); /* all clear */
	if (caps == NULL ||
	    cap_set_flag(caps, CAP_EFFECTIVE, (int)ZC_ARRAY_LEN(keep), keep, CAP_SET) < 0 ||
	    cap_set_flag(caps, CAP_PERMITTED, (int)ZC_ARRAY_LEN(keep), keep, CAP_SET) < 0 ||
	    cap_set_proc(caps) < 0)
		zc_fatal("cap_set_proc (master)");
	cap_free(caps);
}

bool
zc_privdrop_has_no_caps(void)
{
	cap_t caps = cap_get_proc();
	cap_t none = cap_init();
	bool empty;

	if (caps == NULL || none == NULL) {
		cap_free(caps);
		cap_free(none);
		return false;
	}
	empty = cap_compare(caps, none) == 0;
	cap_free(caps);
	cap_free(none);
	for (cap_value_t c = 0; empty && c <= CAP_LAST_CAP; c++)
		if (CAP_IS_SUPPORTED(c) && cap_get_ambient(c) > 0)
			empty = false;
	return empty;
}

void
zc_privdrop_worker(const char *jail, const struct zc_identity *id)
{
	cap_t none;

	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		zc_fatal("PR_SET_KEEPCAPS");
	if (zc_privdrop_is_root()) {
		gid_t gid = id->gid;
		if (jail != NULL && (chroot(jail) < 0 || chdir("/") < 0))
			zc_fatal("chroot %s", jail);
		/* the bounding set: nothing can ever be regained, even by
		 * an exec of a file with capabilities */
		for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++)
			if (CAP_IS_SUPPORTED(c) && cap_drop_bound(c) < 0)
				zc_fatal("cap_drop_bound(%d)", (int)c);
		if (setgroups(1, &gid) < 0 ||
		    setresgid(id->gid, id->gid, id->gid) < 0 ||
		    setresuid(id->uid, id->uid, id->uid) < 0)
			zc_fatal("cannot become %s (uid %lu)", id->name,
				 (unsigned long)id->uid);
		/* SECURITY: root must be gone for good */
		if (setuid(0) == 0 || seteuid(0) == 0)
			zc_fatalx("could regain root after dropping it");
	}
	if (cap_reset_ambient() < 0 && errno != EINVAL)
		zc_fatal("cap_reset_ambient");
	none = cap_init();
	if (none == NULL || cap_set_proc(none) < 0)
		zc_fatal("cap_set_proc (clear)");
	cap_free(none);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		zc_fatal("PR_SET_NO_NEW_PRIVS");
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		zc_fatal("PR_SET_DUMPABLE");
	if (!zc_privdrop_has_no_caps())
		zc_fatalx("capabilities left after dropping them");
}
