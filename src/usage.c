/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "usage.h"
#include "banned.h"

/* One line "KEY VALUE\n" at *p: the value's digits, no sign, no leading
 * zero, at most USAGE_VALUE_MAX. Advances *p past the newline. */
static int parse_line(const char **p, const char *end, const char *key, uint64_t *ret)
{
	size_t klen = strlen(key);
	const char *q = *p;
	uint64_t v = 0;
	size_t digits = 0;

	if ((size_t)(end - q) < klen + 1 || memcmp(q, key, klen) != 0 || q[klen] != ' ')
		return -EINVAL;
	q += klen + 1;
	while (q < end && *q >= '0' && *q <= '9') {
		unsigned d = (unsigned)(*q - '0');

		if (digits == 1 && v == 0)
			return -EINVAL;   /* a leading zero: one spelling per value */
		if (v > (USAGE_VALUE_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
		digits++;
		q++;
	}
	if (digits == 0 || q >= end || *q != '\n')
		return -EINVAL;
	*p = q + 1;
	*ret = v;
	return 0;
}

int usage_parse(const char *p, size_t len, struct usage *ret)
{
	static const char magic[] = "ftpsd-usage 1\n";
	const char *end = p + len;
	uint64_t bytes, files, counted;

	if (len > USAGE_FILE_MAX || len < sizeof(magic) - 1 || memcmp(p, magic, sizeof(magic) - 1) != 0)
		return -EINVAL;
	p += sizeof(magic) - 1;
	if (parse_line(&p, end, "bytes", &bytes) < 0 || parse_line(&p, end, "files", &files) < 0 ||
	    parse_line(&p, end, "counted", &counted) < 0 || p != end || counted == 0)
		return -EINVAL;
	ret->bytes = bytes;
	ret->files = files;
	ret->counted = (int64_t)counted;
	return 0;
}

int usage_format(const struct usage *u, char *buf, size_t size)
{
	int n;

	if (u->bytes > USAGE_VALUE_MAX || u->files > USAGE_VALUE_MAX || u->counted <= 0)
		return -EINVAL;
	n = snprintf(buf, size, "ftpsd-usage 1\nbytes %llu\nfiles %llu\ncounted %lld\n",
		     (unsigned long long)u->bytes, (unsigned long long)u->files, (long long)u->counted);
	if (n < 0 || (size_t)n >= size)
		return -ENOSPC;
	return n;
}

bool usage_fresh(const struct usage *u, int64_t now)
{
	/* Compared as differences that cannot overflow: both are positive. */
	if (u->counted <= 0 || now <= 0)
		return false;
	if (u->counted > now)
		return u->counted - now <= USAGE_CLOCK_SLACK;
	return now - u->counted < USAGE_RESCAN_SECONDS;
}

bool usage_path_reserved(const char *vpath)
{
	size_t n = strlen(USAGE_NAME);

	for (const char *c = vpath; (c = strstr(c, "/" USAGE_NAME)) != NULL; c++)
		if (c[n + 1] == '\0' || c[n + 1] == '/')
			return true;
	return false;
}
