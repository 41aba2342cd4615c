/* SPDX-License-Identifier: ISC */
/* ftpsd --check: what the configuration's values alone do not show. */
#pragma once
#include "config.h"
#include "privs.h"

/* As the account sessions will run as (run; NULL when ftpsd is not root
 * and sessions run as the caller), FTPSD_ROOT and every home of the users
 * file can be opened and, with FTPSD_WRITE=1 for virtual users, written.
 * Each failure is an error naming the directory and the OS's reason. */
void check_access(const struct config *cfg, int root_fd, int users_fd, const struct account *run,
		  struct config_errors *errs);

/* Warnings about the users file: readable by every user, or a name on
 * more than one line. */
void check_users_file(const char *path, int users_fd, struct config_errors *warnings);
