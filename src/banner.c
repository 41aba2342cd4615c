/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "banner.h"
#include "banned.h"

static int fail(char *why, size_t why_size, unsigned lineno, const char *what)
{
	if (lineno)
		snprintf(why, why_size, "line %u: %s", lineno, what);
	else
		snprintf(why, why_size, "%s", what);
	return -EINVAL;
}

int banner_parse(const char *p, size_t len, struct banner *ret, char *why, size_t why_size)
{
	size_t start = 0;
	unsigned lineno = 0, last_text = 0;

	memset(ret, 0, sizeof(*ret));
	if (why_size)
		why[0] = '\0';
	if (len > BANNER_FILE_MAX)
		return fail(why, why_size, 0, "larger than 4096 bytes");
	while (start < len) {
		const char *lf = memchr(p + start, '\n', len - start);
		size_t end = lf ? (size_t)(lf - p) : len, n = end - start;

		lineno++;
		if (n > 0 && p[end - 1] == '\r')
			n--;
		if (n > BANNER_LINE_MAX)
			return fail(why, why_size, lineno, "longer than 200 bytes");
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)p[start + i] < 0x20 || p[start + i] == 0x7f)
				return fail(why, why_size, lineno, "a control character (tabs included)");
		if (lineno > BANNER_LINES_MAX) {
			if (n > 0)
				return fail(why, why_size, lineno, "more than 20 lines");
		} else {
			memcpy(ret->line[lineno - 1], p + start, n);
			ret->line[lineno - 1][n] = '\0';
			if (n > 0)
				last_text = lineno;
		}
		start = end + 1;
	}
	/* Empty lines at the end say nothing; an empty line past the 20th
	 * one with text is accepted for the same reason. */
	ret->count = last_text;
	if (ret->count == 0)
		return fail(why, why_size, 0, "no text");
	return 0;
}
