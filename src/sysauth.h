/* SPDX-License-Identifier: ISC */
/* System accounts (FTPSD_SYSTEM_USERS=1): passwd and shadow, checked with
 * crypt(3). Root, locked and expired accounts, accounts whose shell is
 * not in /etc/shells, and accounts listed in /etc/ftpusers never log in. */
#pragma once
#include <stdbool.h>

#include "privs.h"

/* 0 and the account when name may log in with password; -EACCES
 * otherwise, with the reason (for the log, never the client) in *why. */
int sysauth_check(const char *name, const char *password, struct account *ret, const char **why);

/* true when name is on a line of the ftpusers(5)-style file at path. */
bool sysauth_listed_in(const char *path, const char *name);
