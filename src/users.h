/* SPDX-License-Identifier: ISC */
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

/* Spends the time a real check takes, for unknown users: with the hash
 * given to password_set_dummy() (one of the users file's own), else a
 * built-in yescrypt hash at mkpasswd's default cost. */
void password_waste_time(const char *password);
void password_set_dummy(const char *hash);

/* The method and cost of a crypt hash, as out: "$6$", "$6$rounds=9999",
 * "$y$j9T", "$2b$12". 0, -EINVAL (not "$id$..."), -ENAMETOOLONG. */
int users_hash_setting(const char *hash, char *out, size_t size);

/* The first crypt hash in the users file (read from its start). 0,
 * -ENOENT when there is none, -errno. */
int users_dummy_hash(int fd, char *out, size_t size);

/* How many distinct methods and costs the file's hashes have; when more
 * than one, a sentence for `ftpsd --check` in warning. -errno on a read error. */
int users_check_methods(int fd, char *warning, size_t size);
