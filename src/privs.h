/* SPDX-License-Identifier: ISC */
/* Privileges. Started as root, ftpsd keeps before login only what a login
 * needs (CAP_SETUID, CAP_SETGID, CAP_SYS_CHROOT, CAP_DAC_READ_SEARCH, and
 * those only with FTPSD_SYSTEM_USERS=1); a login gives up the rest for
 * good: a system account is chrooted to its home and becomes its uid, gid
 * and groups; virtual and anonymous users become FTPSD_RUN_USER. */
#pragma once
#include <stdbool.h>
#include <sys/types.h>

#include "bounds.h"

#define ACCOUNT_MAX_GROUPS 64

struct account {
	char name[USER_NAME_MAX];
	uid_t uid;
	gid_t gid;
	gid_t groups[ACCOUNT_MAX_GROUPS];
	int ngroups;
	char home[VPATH_MAX];
	char shell[VPATH_MAX];
};

/* The passwd entry and supplementary groups of name. 0, -ENOENT, -E2BIG. */
int account_lookup(const char *name, struct account *ret);

/* true when the process may change its identity (real or effective root). */
bool privs_are_root(void);

/* Before login: no new privileges ever; as root, the bounding set is
 * emptied and only the login capabilities (when keep_for_login) stay
 * permitted and effective. 0 or -errno. */
int privs_limit(bool keep_for_login);

/* Becomes a for good: supplementary groups, gid, uid. With chroot_home,
 * first chroot()s to a->home and *ret_root_fd becomes a descriptor of the
 * new "/". Then verifies that uid 0 cannot be regained and that no
 * capability is left. 0; -EPERM when the switch failed (the caller must
 * end the session); another -errno when the home could not be entered,
 * before anything changed. */
int privs_become(const struct account *a, bool chroot_home, int *ret_root_fd);

/* Whether CAP_CHOWN is permitted (a unit's CapabilityBoundingSet= may
 * lack it even for root). */
bool privs_have_chown(void);

/* The owner helper's credentials: a's uid and gid, no supplementary
 * groups, CAP_CHOWN alone (effective, permitted, bounding), no new
 * privileges, not dumpable. Called as root. 0 or -errno. */
int privs_chown_only(const struct account *a);
