/* SPDX-License-Identifier: ISC */
/* Per-user policy (the users file's options, user_options.h): who may log
 * in from where and how, and which commands a logged-in user may run.
 * Applied at login and checked in dispatch(), never in the handlers. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "command.h"
#include "session.h"
#include "user_options.h"

/* Whether a login with these options is refused: a password for a
 * cert-only user, or a peer outside the user's from= networks. Logs why. */
bool policy_login_refused(const struct session *s, const struct user_options *o, bool by_certificate);

/* Takes the user's options into the session at login: write permission
 * (read-only / write over FTPSD_WRITE), the drop box, the umask. */
void policy_apply(struct session *s, const struct user_options *o, bool anonymous);


/* The bandwidth limit for downloads (down) or uploads: the user's
 * rate-down= / rate-up=, else FTPSD_RATE_DOWN / FTPSD_RATE_UP; 0: none. */
uint64_t policy_rate(const struct session *s, bool down);

/* Before a command's handler: a DELE, or an RNTO onto an existing file,
 * notes the size of the regular file it is about to remove. */
void policy_before(struct session *s, const struct command *c);

/* After a command: a DELE or RNTO that removed a file takes its bytes out
 * of the usage file. Where the session counts by itself, a DELE, RMD or
 * RNTO makes it count again at the next upload. */
void policy_after(struct session *s, const struct command *c);

/* Before an upload opens its file (whose temporary must not count): reads
 * the usage (quota.h), walking the tree when the usage file is missing,
 * unparsable or stale. 0, -EFBIG (the tree cannot be counted) or -EAGAIN
 * (the usage file stayed locked), logged. */
int policy_upload_count(struct session *s);

/* The most bytes an upload may write under the user's quota, given the
 * bytes of the file it replaces and whether it makes a new file:
 * INT64_MAX without a quota, -EFBIG when it may not start (logged). */
int64_t policy_upload_room(struct session *s, uint64_t replaced, bool new_file);

/* After a complete upload: the usage grows by what it wrote, less what
 * it replaced, in the usage file (shared with the user's other sessions). */
void policy_upload_done(struct session *s, uint64_t written, uint64_t replaced, bool new_file);

/* FTPSD_LIST_OWNER=name: remembers the names of uid (user) and gid,
 * looked up now, while the group database is still reachable. */
void policy_list_identity(struct session *s, const char *user, uid_t uid, gid_t gid);

/* The owner and group LIST shows for st: names, or NULL for the number. */
void policy_list_owner(const struct session *s, const struct stat *st, const char **owner,
		       const char **group);

/* Whether the logged-in session may run command c; writes: the verb
 * changes the filesystem. On false, the caller replies 550. */
bool policy_allows(const struct session *s, const struct command *c, bool writes);
