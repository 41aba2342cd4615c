/* SPDX-License-Identifier: ISC */
/* Virtual paths: resolve, split, quote; never above "/". */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "bounds.h"
#include "path.h"

#define BIG 64   /* the buffer size of most rows */

static const struct {
	const char *cwd, *arg;
	size_t size;
	int want;
	const char *result;
} resolve_cases[] = {
	/* Relative and absolute arguments. */
	{ "/",        "a",                   BIG, 0, "/a" },
	{ "/a/b",     "c",                   BIG, 0, "/a/b/c" },
	{ "/a",       "/",                   BIG, 0, "/" },
	{ "/a",       "/x/y",                BIG, 0, "/x/y" },
	{ "/a/b",     "/a/b",                BIG, 0, "/a/b" },
	/* Empty, "." and trailing slashes. */
	{ "/",        "",                    BIG, 0, "/" },
	{ "/a",       "",                    BIG, 0, "/a" },
	{ "/a",       ".",                   BIG, 0, "/a" },
	{ "/a",       "./",                  BIG, 0, "/a" },
	{ "/a",       "./.",                 BIG, 0, "/a" },
	{ "/a/b",     "c/",                  BIG, 0, "/a/b/c" },
	{ "/a",       "/x/",                 BIG, 0, "/x" },
	{ "/a",       "/./b/.",              BIG, 0, "/b" },
	/* Repeated slashes. */
	{ "/a",       "//b//c/",             BIG, 0, "/b/c" },
	{ "/a",       "///",                 BIG, 0, "/" },
	{ "/a",       "b///c",               BIG, 0, "/a/b/c" },
	/* "..": removes its parent, never goes above "/". */
	{ "/a/b",     "..",                  BIG, 0, "/a" },
	{ "/a/b",     "../",                 BIG, 0, "/a" },
	{ "/a/b",     "../..",               BIG, 0, "/" },
	{ "/",        "..",                  BIG, 0, "/" },
	{ "/",        "../../..",            BIG, 0, "/" },
	{ "/",        "/..",                 BIG, 0, "/" },
	{ "/a",       "/../..",              BIG, 0, "/" },
	{ "/a",       "../../../etc/passwd", BIG, 0, "/etc/passwd" },
	{ "/a",       "b/../../..",          BIG, 0, "/" },
	{ "/",        "../a/../../b",        BIG, 0, "/b" },
	{ "/x",       "/a/../../../b",       BIG, 0, "/b" },
	{ "/a/b",     "c/./d/../e",          BIG, 0, "/a/b/c/e" },
	{ "/",        "a/b/c/../../..",      BIG, 0, "/" },
	{ "/a/b/c/d/e/f/g/h", "../../../../../../../../../../..", BIG, 0, "/" },
	{ "/a/b/c/d/e/f/g/h", "../../../../../../../../x/../../y", BIG, 0, "/y" },
	{ "/a/b/c/d/e/f/g/h", "../../..",    BIG, 0, "/a/b/c/d/e" },
	/* Names that only look special. */
	{ "/a",       "...",                 BIG, 0, "/a/..." },
	{ "/a",       "..x",                 BIG, 0, "/a/..x" },
	{ "/a",       "x..",                 BIG, 0, "/a/x.." },
	{ "/a",       ".x",                  BIG, 0, "/a/.x" },
	{ "/a",       ". .",                 BIG, 0, "/a/. ." },
	{ "/a",       " ",                   BIG, 0, "/a/ " },
	{ "/a",       "a b",                 BIG, 0, "/a/a b" },
	{ "/a",       "..\\..\\x",           BIG, 0, "/a/..\\..\\x" },
	{ "/a",       "\xc3\xa9t\xc3\xa9/..", BIG, 0, "/a" },
	/* Buffer sizes: result plus NUL must fit. */
	{ "/",        "a",                   3,   0, "/a" },
	{ "/",        "a",                   2,   -ENAMETOOLONG, NULL },
	{ "/",        "",                    2,   0, "/" },
	{ "/",        "..",                  2,   0, "/" },
	{ "/",        "",                    1,   -ENAMETOOLONG, NULL },
	{ "/",        "",                    0,   -ENAMETOOLONG, NULL },
	{ "/ab",      "cd",                  7,   0, "/ab/cd" },
	{ "/ab",      "cd",                  6,   -ENAMETOOLONG, NULL },
	{ "/abcdefgh", "/cd",                4,   0, "/cd" },   /* cwd not used */
	{ "/",        "abcdefghij/../x",     BIG, 0, "/x" },
};

static void test_resolve(void)
{
	for (size_t i = 0; i < ELEMENTSOF(resolve_cases); i++) {
		char buf[BIG + 8];
		int r;

		memset(buf, 'X', sizeof(buf));
		r = path_resolve(resolve_cases[i].cwd, resolve_cases[i].arg, buf, resolve_cases[i].size);
		is_int(r, resolve_cases[i].want, "resolve '%s' in '%s' (%zu bytes)",
		       resolve_cases[i].arg, resolve_cases[i].cwd, resolve_cases[i].size);
		if (resolve_cases[i].result)
			is_str(r == 0 ? buf : NULL, resolve_cases[i].result, "resolve '%s' in '%s'",
			       resolve_cases[i].arg, resolve_cases[i].cwd);
		ok(buf[resolve_cases[i].size] == 'X', "resolve '%s' in '%s' (%zu bytes): no overflow",
		   resolve_cases[i].arg, resolve_cases[i].cwd, resolve_cases[i].size);
	}
}

/* At VPATH_MAX, the real buffer size: 4095 characters fit, 4096 do not. */
static void test_resolve_long(void)
{
	static char cwd[VPATH_MAX], arg[VPATH_MAX], out[VPATH_MAX + 1], want[2 * VPATH_MAX];
	int r;

	cwd[0] = '/';
	memset(cwd + 1, 'a', 2047);
	cwd[2048] = '\0';
	memset(arg, 'b', 2046);
	arg[2046] = '\0';
	out[VPATH_MAX] = 'X';
	r = path_resolve(cwd, arg, out, VPATH_MAX);
	is_int(r, 0, "4095-character result fits in VPATH_MAX");
	snprintf(want, sizeof(want), "%s/%s", cwd, arg);
	is_int(strlen(out), 4095, "4095-character result: length");
	is_str(out, want, "4095-character result: text");

	memset(arg, 'b', 2047);
	arg[2047] = '\0';
	r = path_resolve(cwd, arg, out, VPATH_MAX);
	is_int(r, -ENAMETOOLONG, "4096-character result does not fit in VPATH_MAX");
	is_int(out[VPATH_MAX], 'X', "4096-character result: no overflow");

	/* A long climb above the root stays at the root. */
	for (size_t k = 0; k + 3 < sizeof(arg); k += 3)
		memcpy(arg + k, "../", 3);
	arg[sizeof(arg) - 1 - (sizeof(arg) - 1) % 3] = '\0';
	r = path_resolve(cwd, arg, out, VPATH_MAX);
	ok(r == 0 && strcmp(out, "/") == 0, "1365 times '..' from a deep cwd is '/'");
}

/* A normalized virtual path: "/" or "/c1/c2" with no empty, "." or ".."
 * component. */
static bool normalized(const char *p)
{
	if (strcmp(p, "/") == 0)
		return true;
	if (p[0] != '/')
		return false;
	while (*p) {
		const char *c = p + 1, *end = strchr(c, '/') ? strchr(c, '/') : c + strlen(c);
		size_t n = (size_t)(end - c);

		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		p = end;
	}
	return true;
}

/* Random paths made of "..", ".", "", "a", "b", "...": every result is
 * normalized, and resolving it again changes nothing. */
static void test_resolve_random(void)
{
	static const char *const parts[] = { "..", ".", "", "a", "b", "...", "..", ".." };
	uint32_t seed = 12345;
	unsigned bad = 0;

	for (unsigned iter = 0; iter < 20000; iter++) {
		char cwd_arg[2][128], out[256], again[256];

		for (int w = 0; w < 2; w++) {
			size_t len = 0;
			unsigned count;

			seed = seed * 1103515245u + 12345u;
			count = (seed >> 16) % 8;
			cwd_arg[w][0] = '\0';
			if (w == 0 || ((seed >> 8) & 1))
				cwd_arg[w][len++] = '/';
			for (unsigned k = 0; k < count; k++) {
				const char *part;

				seed = seed * 1103515245u + 12345u;
				part = parts[(seed >> 16) % ELEMENTSOF(parts)];
				len += (size_t)snprintf(cwd_arg[w] + len, sizeof(cwd_arg[w]) - len,
							"%s%s", part, k + 1 < count ? "/" : "");
			}
			cwd_arg[w][len] = '\0';
		}
		/* cwd must itself be normalized. */
		if (path_resolve("/", cwd_arg[0], out, sizeof(out)) < 0)
			abort();
		if (path_resolve(out, cwd_arg[1], again, sizeof(again)) < 0 || !normalized(again)) {
			if (bad++ < 5)
				diag("'%s' in '%s' gave '%s'", cwd_arg[1], out, again);
			continue;
		}
		memcpy(out, again, sizeof(out));
		if (path_resolve("/", out, again, sizeof(again)) < 0 || strcmp(out, again) != 0) {
			if (bad++ < 5)
				diag("'%s' resolved again gave '%s'", out, again);
		}
	}
	is_int(bad, 0, "20000 random paths: normalized, never above '/', idempotent");
}

static const struct {
	const char *vpath, *want;
} beneath_cases[] = {
	{ "/a/b",   "a/b" },
	{ "/a",     "a" },
	{ "/",      "." },
	{ "//a",    "a" },
	{ "///",    "." },
	{ "",       "." },
	{ "/.a",    ".a" },
};

static void test_beneath(void)
{
	for (size_t i = 0; i < ELEMENTSOF(beneath_cases); i++)
		is_str(path_beneath_root(beneath_cases[i].vpath), beneath_cases[i].want,
		       "beneath root '%s'", beneath_cases[i].vpath);
}

static const struct {
	const char *vpath;
	size_t size;
	int want;
	const char *parent, *base;
} split_cases[] = {
	{ "/a/b",     BIG, 0, "/a", "b" },
	{ "/a",       BIG, 0, "/", "a" },
	{ "/a/b/c",   BIG, 0, "/a/b", "c" },
	{ "/a b/c d", BIG, 0, "/a b", "c d" },
	{ "/...",     BIG, 0, "/", "..." },
	{ "/",        BIG, -EINVAL, NULL, NULL },
	{ "/a/",      BIG, -EINVAL, NULL, NULL },
	{ "a",        BIG, -EINVAL, NULL, NULL },
	{ "",         BIG, -EINVAL, NULL, NULL },
	{ "/abc/d",   5,   0, "/abc", "d" },   /* exactly fits */
	{ "/abc/d",   4,   -ENAMETOOLONG, NULL, NULL },
	{ "/a",       2,   0, "/", "a" },
	{ "/a",       1,   -ENAMETOOLONG, NULL, NULL },
};

static void test_split(void)
{
	for (size_t i = 0; i < ELEMENTSOF(split_cases); i++) {
		char parent[BIG + 8];
		const char *base = NULL;
		int r;

		memset(parent, 'X', sizeof(parent));
		r = path_split(split_cases[i].vpath, parent, split_cases[i].size, &base);
		is_int(r, split_cases[i].want, "split '%s' (%zu bytes)", split_cases[i].vpath,
		       split_cases[i].size);
		if (split_cases[i].want == 0) {
			is_str(r == 0 ? parent : NULL, split_cases[i].parent, "split '%s': parent",
			       split_cases[i].vpath);
			is_str(base, split_cases[i].base, "split '%s': base", split_cases[i].vpath);
		}
		ok(parent[split_cases[i].size] == 'X', "split '%s' (%zu bytes): no overflow",
		   split_cases[i].vpath, split_cases[i].size);
	}
}

static const struct {
	const char *vpath;
	size_t size;
	int want;
	const char *text;
} quote_cases[] = {
	{ "/a",             BIG, 2,  "/a" },
	{ "/",              BIG, 1,  "/" },
	{ "",               BIG, 0,  "" },
	{ "/a\"b",          BIG, 5,  "/a\"\"b" },
	{ "\"",             BIG, 2,  "\"\"" },
	{ "/\"\"",          BIG, 5,  "/\"\"\"\"" },
	{ "/dir \"x\"",     BIG, 10, "/dir \"\"x\"\"" },
	{ "/it's",          BIG, 5,  "/it's" },
	{ "/ab",            4,   3,  "/ab" },   /* exactly fits */
	{ "/ab",            3,   -ENOSPC, NULL },
	{ "a\"",            4,   3,  "a\"\"" },
	{ "a\"",            3,   -ENOSPC, NULL },   /* the doubled quote would not fit */
	{ "\"",             2,   -ENOSPC, NULL },
	{ "",               1,   0,  "" },
	{ "",               0,   -ENOSPC, NULL },
};

static void test_quote(void)
{
	for (size_t i = 0; i < ELEMENTSOF(quote_cases); i++) {
		char buf[BIG + 8];
		int r;

		memset(buf, 'X', sizeof(buf));
		r = path_quote(quote_cases[i].vpath, buf, quote_cases[i].size);
		is_int(r, quote_cases[i].want, "quote '%s' (%zu bytes)", quote_cases[i].vpath,
		       quote_cases[i].size);
		if (quote_cases[i].text)
			is_str(r >= 0 ? buf : NULL, quote_cases[i].text, "quote '%s': text",
			       quote_cases[i].vpath);
		ok(buf[quote_cases[i].size] == 'X', "quote '%s' (%zu bytes): no overflow",
		   quote_cases[i].vpath, quote_cases[i].size);
	}
}

int main(void)
{
	test_resolve();
	test_resolve_long();
	test_resolve_random();
	test_beneath();
	test_split();
	test_quote();
	return done_testing();
}
