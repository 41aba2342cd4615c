/* SPDX-License-Identifier: ISC */
/* FTPSD_BANNER_FILE: lines sent before the greeting's last line, as a
 * multi-line 220 reply. The file is configuration, but it goes to every
 * client: only printable lines, bounded in number and length. */
#pragma once
#include <stddef.h>

#define BANNER_LINES_MAX 20
#define BANNER_LINE_MAX 200
#define BANNER_FILE_MAX 4096

struct banner {
	unsigned count;
	char line[BANNER_LINES_MAX][BANNER_LINE_MAX + 1];
};

/* Parses a file's contents p[0..len): lines end in LF or CR LF (the last
 * may lack it); trailing empty lines are dropped. 0, or -EINVAL with the
 * reason and line number in why[0..why_size): a control character, a
 * line over BANNER_LINE_MAX bytes, more than BANNER_LINES_MAX lines, a
 * file over BANNER_FILE_MAX bytes, or no line at all. */
int banner_parse(const char *p, size_t len, struct banner *ret, char *why, size_t why_size);
