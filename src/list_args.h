/* SPDX-License-Identifier: ISC */
/* The argument of LIST, NLST and MLSD: ls options, then a path whose last
 * component may be a wildcard pattern. Pure: no session, no filesystem. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "bounds.h"

enum list_format { FORMAT_LIST, FORMAT_NLST, FORMAT_MLSD };

struct list_request {
	enum list_format format;
	bool all;              /* -a: names starting with '.' too */
	bool dir_itself;       /* -d: the directory, not its contents */
	bool recursive;        /* -R: subdirectories too, LIST_MAX_DEPTH deep */
	char vpath[VPATH_MAX]; /* what to list */
	char pattern[256];     /* "" or a wildcard for the last component */
};

/* Parses arg[0..len) for a listing in format, relative to cwd (an
 * absolute, normalized path). Options are a whitelist of ls letters
 * (MLSD takes none): -a/-A, -d and -R are honoured, l1FhLT accepted. A
 * wildcard in the last component goes to pattern, wildcards before it are
 * taken literally. 0, -EINVAL for an unknown option, or -ENAMETOOLONG. */
int list_request_parse(const char *cwd, const char *arg, size_t len, enum list_format format,
		       struct list_request *req);
