/* SPDX-License-Identifier: ISC */
/* The usage file: what a user's tree holds, kept in ".ftpsd-usage" at the
 * top of the user's root so that a quota is checked without walking the
 * tree on every upload (quota.c reads and replaces it). Its contents are
 * four lines:
 *
 *     ftpsd-usage 1
 *     bytes 1048576
 *     files 12
 *     counted 1764700000
 *
 * bytes and files are the usage, counted the seconds since the epoch of the
 * last walk of the whole tree. The file is a cache, never an authority:
 * anybody with a shell on the account can write it, so it is parsed as
 * hostile, and anything but exactly this shape is refused (the caller then
 * counts the tree again). Pure: no I/O. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The name, reserved in every directory of every tree: never listed, and
 * no command may name a path through it. */
#define USAGE_NAME ".ftpsd-usage"

/* The longest file parsed: the four lines with 20-digit numbers fit. */
#define USAGE_FILE_MAX 128

/* A count older than this is walked again, which bounds how long drift
 * lasts (an upload a killed session never added, a change made by other
 * means than FTP). */
#define USAGE_RESCAN_SECONDS (15 * 60)

/* How far in the future a count may be dated (clocks stepped back). */
#define USAGE_CLOCK_SLACK 60

/* The largest value the file may hold: a number of bytes a file system
 * could report (off_t). Larger is garbage. */
#define USAGE_VALUE_MAX ((uint64_t)INT64_MAX)

struct usage {
	uint64_t bytes, files;
	int64_t counted;     /* seconds since the epoch of the last walk */
};

/* Parses the file's bytes p[0..len). 0, or -EINVAL for anything but the
 * exact shape above (a value with a sign, a leading zero, above
 * USAGE_VALUE_MAX, a counted time of 0, a missing or extra line, a
 * missing final newline, len > USAGE_FILE_MAX). *ret is written only on
 * success. */
int usage_parse(const char *p, size_t len, struct usage *ret);

/* Formats u as the file's contents into buf[0..size). Returns the length
 * (no NUL counted; a NUL is written), -EINVAL for a value the file cannot
 * hold (what usage_parse would refuse), or -ENOSPC. */
int usage_format(const struct usage *u, char *buf, size_t size);

/* Whether a count made at u->counted still stands at now: not older than
 * USAGE_RESCAN_SECONDS, and not dated more than USAGE_CLOCK_SLACK ahead. */
bool usage_fresh(const struct usage *u, int64_t now);

/* Whether the normalized virtual path vpath names the usage file or
 * anything beneath such a name: one of its components is USAGE_NAME. */
bool usage_path_reserved(const char *vpath);
