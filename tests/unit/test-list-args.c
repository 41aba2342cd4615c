/* SPDX-License-Identifier: ISC */
/* list_args: LIST/NLST/MLSD options, path and pattern, one row per case. */
#include <errno.h>
#include <string.h>

#include "tap.h"
#include "list_args.h"

#define L FORMAT_LIST
#define N FORMAT_NLST
#define M FORMAT_MLSD

static const struct {
	const char *cwd, *arg;
	enum list_format format;
	int ret;
	bool all, dir_itself, recursive;
	const char *vpath, *pattern;
} cases[] = {
	{ "/", "", L, 0, false, false, false, "/", "" },
	{ "/pub", "", L, 0, false, false, false, "/pub", "" },
	{ "/", "sub", L, 0, false, false, false, "/sub", "" },
	{ "/pub", "../x", L, 0, false, false, false, "/x", "" },
	{ "/", "../../..", L, 0, false, false, false, "/", "" },
	{ "/", "-l", L, 0, false, false, false, "/", "" },
	{ "/", "-la", L, 0, true, false, false, "/", "" },
	{ "/", "-A sub", L, 0, true, false, false, "/sub", "" },
	{ "/", "-d sub", L, 0, false, true, false, "/sub", "" },
	{ "/", "-R", L, 0, false, false, true, "/", "" },
	{ "/", "-l -a -R sub", L, 0, true, false, true, "/sub", "" },
	{ "/", "-1FhLT x", N, 0, false, false, false, "/x", "" },
	{ "/", "-x", L, -EINVAL, false, false, false, "", "" },
	{ "/", "-lz sub", L, -EINVAL, false, false, false, "", "" },
	{ "/", "-", L, 0, false, false, false, "/-", "" },          /* a name, not options */
	{ "/", "- x", L, 0, false, false, false, "/- x", "" },
	{ "/", "*.txt", L, 0, false, false, false, "/", "*.txt" },
	{ "/pub", "*.txt", L, 0, false, false, false, "/pub", "*.txt" },
	{ "/", "sub/a?c", L, 0, false, false, false, "/sub", "a?c" },
	{ "/", "s*b/x", L, 0, false, false, false, "/s*b/x", "" },   /* literal before the last */
	{ "/", "-la *.c", L, 0, true, false, false, "/", "*.c" },
	{ "/", "-la", M, 0, false, false, false, "/-la", "" },       /* MLSD takes no options */
	{ "/", "sub", M, 0, false, false, false, "/sub", "" },
};

static void test_cases(void)
{
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct list_request req;
		int r = list_request_parse(cases[i].cwd, cases[i].arg, strlen(cases[i].arg),
					   cases[i].format, &req);

		is_int(r, cases[i].ret, "%zu: \"%s\" in %s: result", i, cases[i].arg, cases[i].cwd);
		if (r < 0 || cases[i].ret < 0)
			continue;
		ok(req.format == cases[i].format && req.all == cases[i].all &&
			   req.dir_itself == cases[i].dir_itself && req.recursive == cases[i].recursive,
		   "%zu: \"%s\": options a=%d d=%d R=%d", i, cases[i].arg, req.all, req.dir_itself,
		   req.recursive);
		is_str(req.vpath, cases[i].vpath, "%zu: \"%s\": path", i, cases[i].arg);
		is_str(req.pattern, cases[i].pattern, "%zu: \"%s\": pattern", i, cases[i].arg);
	}
}

/* (p, len): nothing past len is read, and a path longer than a line is
 * refused without overflowing. */
static void test_bounds(void)
{
	static char huge[LINE_MAX_BYTES + 16];
	struct list_request req;

	is_int(list_request_parse("/", "-a sub", 2, FORMAT_LIST, &req), 0, "len ends after -a");
	ok(req.all && strcmp(req.vpath, "/") == 0, "len ends after -a: no path read (%s)", req.vpath);
	is_int(list_request_parse("/", "subdir", 3, FORMAT_LIST, &req), 0, "len cuts the name");
	is_str(req.vpath, "/sub", "len cuts the name: /sub");
	memset(huge, 'a', sizeof(huge) - 1);
	is_int(list_request_parse("/", huge, sizeof(huge) - 1, FORMAT_LIST, &req), -ENAMETOOLONG,
	       "an argument longer than a command line");
	is_int(list_request_parse("/", huge, VPATH_MAX, FORMAT_LIST, &req), -ENAMETOOLONG,
	       "a path longer than VPATH_MAX");
}

int main(void)
{
	test_cases();
	test_bounds();
	return done_testing();
}
