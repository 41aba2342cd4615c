/* SPDX-License-Identifier: ISC */
/* The usage file (src/usage.c): every accepted shape, every refusal, the
 * round trip through usage_format, freshness and reserved paths. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "tap.h"
#include "usage.h"

#define S(x) x, sizeof(x) - 1

static const struct {
	const char *p;
	size_t len;
	int ret;
	uint64_t bytes, files;
	int64_t counted;
} parse_cases[] = {
	{ S("ftpsd-usage 1\nbytes 0\nfiles 0\ncounted 1\n"), 0, 0, 0, 1 },
	{ S("ftpsd-usage 1\nbytes 1048576\nfiles 12\ncounted 1764700000\n"), 0, 1048576, 12, 1764700000 },
	{ S("ftpsd-usage 1\nbytes 9223372036854775807\nfiles 9223372036854775807\ncounted 9223372036854775807\n"),
	  0, INT64_MAX, INT64_MAX, INT64_MAX },
	/* Past the largest value: garbage, never wrapped to a small one. */
	{ S("ftpsd-usage 1\nbytes 9223372036854775808\nfiles 1\ncounted 1\n"), -EINVAL, 0, 0, 0 },
	{ S("ftpsd-usage 1\nbytes 18446744073709551616\nfiles 1\ncounted 1\n"), -EINVAL, 0, 0, 0 },
	{ S("ftpsd-usage 1\nbytes 1\nfiles 99999999999999999999999\ncounted 1\n"), -EINVAL, 0, 0, 0 },
	{ S("ftpsd-usage 1\nbytes 1\nfiles 1\ncounted 9223372036854775808\n"), -EINVAL, 0, 0, 0 },
	/* Signs, spaces, leading zeros, other digits. */
	{ S("ftpsd-usage 1\nbytes -1\nfiles 0\ncounted 1\n"), -EINVAL, 0, 0, 0 },
	{ S("ftpsd-usage 1\nbytes +1\nfiles 0\ncounted 1\n"), -EINVAL, 0, 0, 0 },
	{ S("ftpsd-usage 1\nbytes  1\nfiles 0\ncounted 1\n"), -EINVAL, 0, 0, 0 },
	{ S("ftpsd-usage 1\nbytes 1 \nfiles 0\ncounted 1\n"), -EINVAL, 0, 0, 0 },
	{ S("ftpsd-usage 1\nbytes 01\nfiles 0\ncounted 1\n"), -EINVAL, 0, 0, 0 },
	{ S("ftpsd-usage 1\nbytes 00\nfiles 0\ncounted 1\n"), -EINVAL, 0, 0, 0 },
	{ S("ftpsd-usage 1\nbytes 0x10\nfiles 0\ncounted 1\n"), -EINVAL, 0, 0, 0 },
	{ S("ftpsd-usage 1\nbytes 1e6\nfiles 0\ncounted 1\n"), -EINVAL, 0, 0, 0 },
	{ S("ftpsd-usage 1\nbytes \nfiles 0\ncounted 1\n"), -EINVAL, 0, 0, 0 },
	/* A count never made (0) is no count. */
	{ S("ftpsd-usage 1\nbytes 1\nfiles 1\ncounted 0\n"), -EINVAL, 0, 0, 0 },
	/* Line ends, order, missing and extra lines, truncation. */
	{ S("ftpsd-usage 1\r\nbytes 1\r\nfiles 1\r\ncounted 1\r\n"), -EINVAL, 0, 0, 0 },
	{ S("ftpsd-usage 1\nbytes 1\nfiles 1\ncounted 1"), -EINVAL, 0, 0, 0 },
	{ S("ftpsd-usage 1\nfiles 1\nbytes 1\ncounted 1\n"), -EINVAL, 0, 0, 0 },
	{ S("ftpsd-usage 1\nbytes 1\ncounted 1\n"), -EINVAL, 0, 0, 0 },
	{ S("ftpsd-usage 1\nbytes 1\nfiles 1\ncounted 1\n\n"), -EINVAL, 0, 0, 0 },
	{ S("ftpsd-usage 1\nbytes 1\nfiles 1\ncounted 1\nbytes 0\n"), -EINVAL, 0, 0, 0 },
	{ S("ftpsd-usage 1\nbytes 1\nfiles 1\ncounted 1\0"), -EINVAL, 0, 0, 0 },
	{ S("ftpsd-usage 1\nbytes 1\nfiles 1\n"), -EINVAL, 0, 0, 0 },
	{ S("ftpsd-usage 1\nbytes 1\nfil"), -EINVAL, 0, 0, 0 },
	{ S("ftpsd-usage 1\nbytes"), -EINVAL, 0, 0, 0 },
	{ S("ftpsd-usage 1\n"), -EINVAL, 0, 0, 0 },
	{ S("ftpsd-usage 1"), -EINVAL, 0, 0, 0 },
	{ S("ftpsd-usage"), -EINVAL, 0, 0, 0 },
	{ S(""), -EINVAL, 0, 0, 0 },
	/* Another version, other keys, other cases. */
	{ S("ftpsd-usage 2\nbytes 1\nfiles 1\ncounted 1\n"), -EINVAL, 0, 0, 0 },
	{ S("ftpsd-usage 1\nBytes 1\nfiles 1\ncounted 1\n"), -EINVAL, 0, 0, 0 },
	{ S("ftpsd-usage 1\nbytes=1\nfiles 1\ncounted 1\n"), -EINVAL, 0, 0, 0 },
	{ S("ftpsd-usage 1\nbytes\t1\nfiles 1\ncounted 1\n"), -EINVAL, 0, 0, 0 },
	{ S("ftpsd-usage 1\nbytesx 1\nfiles 1\ncounted 1\n"), -EINVAL, 0, 0, 0 },
	{ S("\xef\xbb\xbf" "ftpsd-usage 1\nbytes 1\nfiles 1\ncounted 1\n"), -EINVAL, 0, 0, 0 },
	{ S("garbage"), -EINVAL, 0, 0, 0 },
};

static void test_parse(void)
{
	for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		struct usage u = { 7, 7, 7 };
		int r = usage_parse(parse_cases[i].p, parse_cases[i].len, &u);

		is_int(r, parse_cases[i].ret, "parse case %zu: result", i);
		if (r == 0) {
			is_int((long long)u.bytes, (long long)parse_cases[i].bytes, "parse case %zu: bytes", i);
			is_int((long long)u.files, (long long)parse_cases[i].files, "parse case %zu: files", i);
			is_int(u.counted, parse_cases[i].counted, "parse case %zu: counted", i);
		} else {
			ok(u.bytes == 7 && u.files == 7 && u.counted == 7, "parse case %zu: result untouched", i);
		}
	}
}

/* Longer than USAGE_FILE_MAX, though well formed but for padding digits:
 * refused on its length before anything else. */
static void test_too_long(void)
{
	char buf[USAGE_FILE_MAX + 64];
	struct usage u;
	int n = snprintf(buf, sizeof(buf), "ftpsd-usage 1\nbytes 1\nfiles 1\ncounted 1\n");

	is_int(usage_parse(buf, (size_t)n, &u), 0, "short file parses");
	memset(buf, 'x', sizeof(buf));
	memcpy(buf, "ftpsd-usage 1\n", 14);
	is_int(usage_parse(buf, USAGE_FILE_MAX + 1, &u), -EINVAL, "a file past USAGE_FILE_MAX is refused");
}

static const struct {
	struct usage u;
	size_t size;
	int ret;
	const char *text;
} format_cases[] = {
	{ { 0, 0, 1 }, 128, 40, "ftpsd-usage 1\nbytes 0\nfiles 0\ncounted 1\n" },
	{ { 1048576, 12, 1764700000 }, 128, 56, "ftpsd-usage 1\nbytes 1048576\nfiles 12\ncounted 1764700000\n" },
	{ { INT64_MAX, INT64_MAX, INT64_MAX }, USAGE_FILE_MAX, 94, NULL },
	{ { 0, 0, 1 }, 40, -ENOSPC, NULL },     /* no room for the NUL */
	{ { 0, 0, 1 }, 0, -ENOSPC, NULL },
	{ { (uint64_t)INT64_MAX + 1, 0, 1 }, 128, -EINVAL, NULL },
	{ { 0, (uint64_t)INT64_MAX + 1, 1 }, 128, -EINVAL, NULL },
	{ { 0, 0, 0 }, 128, -EINVAL, NULL },
	{ { 0, 0, -5 }, 128, -EINVAL, NULL },
};

static void test_format(void)
{
	for (size_t i = 0; i < sizeof(format_cases) / sizeof(format_cases[0]); i++) {
		char buf[256];
		int r = usage_format(&format_cases[i].u, buf, format_cases[i].size);
		struct usage back;

		is_int(r, format_cases[i].ret, "format case %zu: result", i);
		if (r < 0)
			continue;
		if (format_cases[i].text)
			is_str(buf, format_cases[i].text, "format case %zu: text", i);
		is_int(usage_parse(buf, (size_t)r, &back), 0, "format case %zu: parses back", i);
		ok(back.bytes == format_cases[i].u.bytes && back.files == format_cases[i].u.files &&
		   back.counted == format_cases[i].u.counted, "format case %zu: the same values", i);
	}
}

static const struct {
	int64_t counted, now;
	bool fresh;
} fresh_cases[] = {
	{ 1000000, 1000000, true },
	{ 1000000, 1000000 + USAGE_RESCAN_SECONDS - 1, true },
	{ 1000000, 1000000 + USAGE_RESCAN_SECONDS, false },
	{ 1000000, INT64_MAX, false },
	{ 1000000 + USAGE_CLOCK_SLACK, 1000000, true },
	{ 1000000 + USAGE_CLOCK_SLACK + 1, 1000000, false },
	{ INT64_MAX, 1, false },
	{ 1, INT64_MAX, false },
	{ 0, 1000000, false },
	{ -1, 1000000, false },
	{ 1000000, 0, false },
	{ 1000000, -1, false },
};

static void test_fresh(void)
{
	for (size_t i = 0; i < sizeof(fresh_cases) / sizeof(fresh_cases[0]); i++) {
		struct usage u = { 0, 0, fresh_cases[i].counted };

		is_int(usage_fresh(&u, fresh_cases[i].now), fresh_cases[i].fresh, "fresh case %zu", i);
	}
}

static const struct {
	const char *vpath;
	bool reserved;
} reserved_cases[] = {
	{ "/.ftpsd-usage", true },
	{ "/.ftpsd-usage/x", true },
	{ "/a/.ftpsd-usage", true },
	{ "/a/.ftpsd-usage/b", true },
	{ "/", false },
	{ "/.ftpsd-usage2", false },
	{ "/.ftpsd-usage.tmp", false },
	{ "/x.ftpsd-usage", false },
	{ "/.ftpsd-usag", false },
	{ "/a/.ftpsd-usagex/.ftpsd-usage", true },
	{ "/a/.ftpsd-usagex/b", false },
	{ "/.FTPSD-USAGE", false },
	{ "/.ftpsd-upload-0123456789abcdef", false },
};

static void test_reserved(void)
{
	for (size_t i = 0; i < sizeof(reserved_cases) / sizeof(reserved_cases[0]); i++)
		is_int(usage_path_reserved(reserved_cases[i].vpath), reserved_cases[i].reserved, "reserved: %s",
		       reserved_cases[i].vpath);
}

int main(void)
{
	test_parse();
	test_too_long();
	test_format();
	test_fresh();
	test_reserved();
	return done_testing();
}
