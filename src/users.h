/* The users file (FTPSD_USERS): one "name:crypt-hash[:home[:options]]" per
 * line; blank lines and lines starting with '#' are ignored. home, when
 * given, is a directory beneath FTPSD_ROOT that becomes the user's root;
 * options (user_options.h) tune what the user may do. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "bounds.h"
#include "config.h"
#include "user_options.h"

#define USERS_HASH_MAX 256

struct user_entry {
	char name[USER_NAME_MAX];
	char hash[USERS_HASH_MAX];
	char home[VPATH_MAX];      /* "" for FTPSD_ROOT itself */
	struct user_options opts;
};

/* Parses one line (without its newline). 0 and *ret for an entry, 1 for a
 * blank or comment line, -EINVAL for a malformed one (why in *why, valid
 * until the next call). On -EINVAL, ret->name holds the line's name when
 * the name itself is well-formed, "" otherwise. */
int users_parse_line(const char *line, size_t len, struct user_entry *ret, const char **why);

/* Looks name up in the open users file (read from its start): the first
 * line that names the user decides. 0, -ENOENT, -EINVAL when that line
 * is malformed (a bad option must refuse the user, never widen rights),
 * -errno. */
int users_find(int fd, const char *name, struct user_entry *ret);

/* Reports every malformed line with its number into errs. 0 or -EINVAL. */
int users_check(int fd, const char *path, struct config_errors *errs);

/* crypt(3) of password with hash's settings equals hash, compared in
 * constant time. A hash that is not a crypt hash ("*", "!") never matches. */
bool password_matches(const char *password, const char *hash);

/* Spends the time a real check takes, for unknown users. */
void password_waste_time(const char *password);
