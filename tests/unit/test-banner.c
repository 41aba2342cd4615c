/* SPDX-License-Identifier: ISC */
/* FTPSD_BANNER_FILE's contents (src/banner.c): every accepted shape and
 * every refusal. */
#include <errno.h>
#include <string.h>

#include "tap.h"
#include "banner.h"

#define S(x) x, sizeof(x) - 1

static const struct {
	const char *p;
	size_t len;
	int ret;
	unsigned count;
	const char *first, *last;   /* for 0 */
	const char *why;            /* for -EINVAL */
} cases[] = {
	{ S("Welcome"), 0, 1, "Welcome", "Welcome", NULL },
	{ S("Welcome\n"), 0, 1, "Welcome", "Welcome", NULL },
	{ S("Welcome\r\n"), 0, 1, "Welcome", "Welcome", NULL },
	{ S("one\ntwo\r\nthree"), 0, 3, "one", "three", NULL },
	{ S("one\n\nthree\n\n\n"), 0, 3, "one", "three", NULL },   /* trailing empty lines dropped */
	{ S("\ntext"), 0, 2, "", "text", NULL },                     /* a leading empty line kept */
	{ S("220 looks like an end\nok"), 0, 2, "220 looks like an end", "ok", NULL },
	{ S("caf\xc3\xa9"), 0, 1, "caf\xc3\xa9", "caf\xc3\xa9", NULL },
	{ S(""), -EINVAL, 0, NULL, NULL, "no text" },
	{ S("\n\r\n\n"), -EINVAL, 0, NULL, NULL, "no text" },
	{ S("a\tb"), -EINVAL, 0, NULL, NULL, "line 1: a control character (tabs included)" },
	{ S("ok\nbell\x07"), -EINVAL, 0, NULL, NULL, "line 2: a control character (tabs included)" },
	{ S("ok\nx\ry"), -EINVAL, 0, NULL, NULL, "line 2: a control character (tabs included)" },
	{ S("nul\0"), -EINVAL, 0, NULL, NULL, "line 1: a control character (tabs included)" },
	{ S("del\x7f"), -EINVAL, 0, NULL, NULL, "line 1: a control character (tabs included)" },
	{ S("esc\x1b[2J"), -EINVAL, 0, NULL, NULL, "line 1: a control character (tabs included)" },
	{ S("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n17\n18\n19\n20\n"), 0, 20, "1", "20", NULL },
	{ S("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n17\n18\n19\n20\n\n\n"), 0, 20, "1", "20", NULL },
	{ S("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n17\n18\n19\n20\n21"), -EINVAL, 0, NULL, NULL,
	  "line 21: more than 20 lines" },
};

static void test_cases(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct banner b;
		char why[128];
		int r = banner_parse(cases[i].p, cases[i].len, &b, why, sizeof(why));

		is_int(r, cases[i].ret, "case %zu: result", i);
		if (cases[i].ret == 0) {
			is_int(b.count, cases[i].count, "case %zu: lines", i);
			is_str(b.line[0], cases[i].first, "case %zu: first line", i);
			is_str(b.count ? b.line[b.count - 1] : "", cases[i].last, "case %zu: last line", i);
		} else {
			is_str(why, cases[i].why, "case %zu: message", i);
			is_int(b.count, 0, "case %zu: no lines kept", i);
		}
	}
}

static void test_limits(void)
{
	static char buf[BANNER_FILE_MAX + 2];
	struct banner b;
	char why[128];

	memset(buf, 'x', BANNER_LINE_MAX);
	is_int(banner_parse(buf, BANNER_LINE_MAX, &b, why, sizeof(why)), 0, "a line of 200 bytes");
	is_int(strlen(b.line[0]), BANNER_LINE_MAX, "a line of 200 bytes: kept whole");
	memset(buf, 'x', BANNER_LINE_MAX + 1);
	is_int(banner_parse(buf, BANNER_LINE_MAX + 1, &b, why, sizeof(why)), -EINVAL, "a line of 201 bytes");
	is_str(why, "line 1: longer than 200 bytes", "a line of 201 bytes: message");
	memcpy(buf, "x\r\n", 3);
	memset(buf, 'x', BANNER_LINE_MAX);
	memcpy(buf + BANNER_LINE_MAX, "\r\n", 2);
	is_int(banner_parse(buf, BANNER_LINE_MAX + 2, &b, why, sizeof(why)), 0, "200 bytes and CR LF");
	memset(buf, '\n', sizeof(buf));
	buf[0] = 'x';
	is_int(banner_parse(buf, BANNER_FILE_MAX, &b, why, sizeof(why)), 0, "a file of 4096 bytes");
	is_int(banner_parse(buf, BANNER_FILE_MAX + 1, &b, why, sizeof(why)), -EINVAL, "a file of 4097 bytes");
	is_str(why, "larger than 4096 bytes", "a file of 4097 bytes: message");
}

int main(void)
{
	test_cases();
	test_limits();
	return done_testing();
}
