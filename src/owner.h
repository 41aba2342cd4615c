/* SPDX-License-Identifier: ISC */
/* FTPSD_ANONYMOUS_UPLOAD_OWNER: anonymous uploads given to a configured
 * owner (vsftpd's chown_uploads). Started as root, the session forks a
 * helper before it gives up its privileges: FTPSD_RUN_USER's uid with
 * CAP_CHOWN alone, reading nothing but fixed-size requests on a socket
 * only the session holds. An upload's temporary file is handed to it
 * while it has no name yet (an unlinked O_TMPFILE file: it cannot be
 * anybody's existing file), and once the upload has its name the helper
 * gives that same file to the owner. The helper ends with the socket. */
#pragma once
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "privs.h"

struct owner_id {
	uid_t uid;
	gid_t gid;
};

/* The helper's rule for a file it is handed: a regular file without a
 * name (st_nlink 0) that the anonymous session created (session_uid). */
static inline bool owner_may_chown(const struct stat *st, uid_t session_uid)
{
	return S_ISREG(st->st_mode) && st->st_nlink == 0 && st->st_uid == session_uid;
}

/* USER[:GROUP] to ids (GROUP defaults to USER's group); root refused.
 * 0, or -errno with the reason in why. */
int owner_lookup(const char *spec, struct owner_id *ret, char *why, size_t size);

/* Forks the helper (as root): it becomes run's uid with CAP_CHOWN only
 * and gives what it is handed to `to`. 0 or -errno. */
int owner_start(const struct owner_id *to, const struct account *run);

/* Closes this process's end: the helper ends. For a process that does
 * not need it (the pre-login process, a login that is not anonymous). */
void owner_close(void);

/* Hands the helper fd, an upload's unnamed temporary: 0 when it holds it,
 * -EPERM when it refused the file, -EIO when the helper is unreachable. */
int owner_hold(int fd);

/* The held file goes to the owner: 0, or -errno (-EIO: no helper). */
int owner_give(void);
