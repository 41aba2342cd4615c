/* Per-user policy (the users file's options, user_options.h): who may log
 * in from where and how, and which commands a logged-in user may run.
 * Applied at login and checked in dispatch(), never in the handlers. */
#pragma once
#include <stdbool.h>

#include "command.h"
#include "session.h"
#include "user_options.h"

/* Whether a login with these options is refused: a password for a
 * cert-only user, or a peer outside the user's from= networks. Logs why. */
bool policy_login_refused(const struct session *s, const struct user_options *o, bool by_certificate);

/* Takes the user's options into the session at login: write permission
 * (read-only / write over FTPSD_WRITE), the drop box, the umask. */
void policy_apply(struct session *s, const struct user_options *o, bool anonymous);

/* Forgets them again (logout, REIN). */
void policy_reset(struct session *s);

/* Whether the logged-in session may run verb; writes: the verb changes
 * the filesystem. On false, the caller replies 550. */
bool policy_allows(const struct session *s, enum verb verb, bool writes);
