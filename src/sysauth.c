/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <shadow.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sysauth.h"
#include "users.h"
#include "banned.h"

static bool shell_allowed(const char *shell)
{
	const char *s;
	bool found = false;

	setusershell();
	while ((s = getusershell()))
		if (strcmp(s, shell) == 0) {
			found = true;
			break;
		}
	endusershell();
	return found;
}

/* ftpusers(5): the accounts that may not use FTP, one name a line, '#'
 * comments. Debian lists root, daemon, nobody and the like there, and
 * ProFTPD and vsftpd (through PAM) honour it; so do we. */
#define FTPUSERS_PATH "/etc/ftpusers"

bool sysauth_listed_in(const char *path, const char *name)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	bool found = false;

	if (!f)
		return false;
	while (!found && getline(&line, &cap, f) >= 0) {
		char *p = line + strspn(line, " \t");
		size_t len = strcspn(p, " \t\r\n#");

		found = len > 0 && *p != '#' && strlen(name) == len && strncmp(p, name, len) == 0;
	}
	free(line);
	fclose(f);
	return found;
}

/* shadow(5) counts days since the epoch. */
static long today(void)
{
	return (long)(time(NULL) / 86400);
}

int sysauth_check(const char *name, const char *password, struct account *ret, const char **why)
{
	struct spwd *sp;
	const char *hash;

	if (account_lookup(name, ret) < 0) {
		password_waste_time(password);
		*why = "no such account";
		return -EACCES;
	}
	if (ret->uid == 0) {
		*why = "root may not log in";
		password_waste_time(password);
		return -EACCES;
	}
	sp = getspnam(name);
	hash = sp ? sp->sp_pwdp : NULL;
	if (!hash || hash[0] != '$') {
		*why = "account locked or without a password";
		password_waste_time(password);
		return -EACCES;
	}
	if (!password_matches(password, hash)) {
		*why = "wrong password";
		return -EACCES;
	}
	if (sp->sp_expire >= 0 && sp->sp_expire <= today()) {
		*why = "account expired";
		return -EACCES;
	}
	if (sp->sp_max >= 0 && sp->sp_lstchg > 0 && sp->sp_lstchg + sp->sp_max < today()) {
		*why = "password expired";
		return -EACCES;
	}
	if (sp->sp_lstchg == 0) {
		*why = "password must be changed first";
		return -EACCES;
	}
	if (!shell_allowed(ret->shell)) {
		*why = "shell not listed in /etc/shells";
		return -EACCES;
	}
	if (sysauth_listed_in(FTPUSERS_PATH, name)) {
		*why = "listed in " FTPUSERS_PATH;
		return -EACCES;
	}
	return 0;
}
