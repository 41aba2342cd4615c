/* SPDX-License-Identifier: ISC */
/* The options field of a users-file line (ftpsd-users(5)):
 * "name:hash:home:options", options a comma-separated list of "key" or
 * "key=value". Every key narrows or tunes what one user may do; an
 * unknown key, a bad value, a key given twice or a contradiction is an
 * error, so that a typo never widens rights. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "netlist.h"

/* The most from= networks one user may have. */
#define USER_FROM_MAX 16
/* Room for an error message: it quotes at most 40 bytes of the element. */
#define USER_OPTIONS_WHY_MAX 256

enum user_write { USER_WRITE_DEFAULT, USER_WRITE_NO, USER_WRITE_YES };

struct user_options {
	enum user_write write;      /* read-only / write; DEFAULT: FTPSD_WRITE */
	bool upload_only;           /* a drop box: new files in, nothing out */
	bool cert_only;             /* a verified client certificate, never a password */
	bool has_umask;
	mode_t umask;
	uint64_t rate_down, rate_up;        /* bytes per second; 0: no limit set */
	uint64_t quota_bytes, quota_files;  /* 0: no quota set */
	unsigned n_from;                    /* 0: any address */
	struct net from[USER_FROM_MAX];    /* netlist.h: the same networks as FTPSD_PROXY_FROM */
};

/* Parses p[0..len) (the field without its leading ':'; may be empty) into
 * *ret. 0, or -EINVAL with a message naming the key in why[0..why_size).
 * *ret is fully written either way (empty options on error). */
int user_options_parse(const char *p, size_t len, struct user_options *ret, char *why, size_t why_size);

/* Whether addr (AF_INET or AF_INET6; an IPv4-mapped IPv6 address counts
 * as IPv4) may log in: true when there is no from= or one matches. */
bool user_options_from_allows(const struct user_options *o, const struct sockaddr *addr);
