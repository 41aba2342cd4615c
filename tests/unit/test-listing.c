/* SPDX-License-Identifier: ISC */
/* Listing lines (LIST, NLST, MLSx), wildcards, and the xferlog line. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "tap.h"
#include "listing.h"
#include "log.h"
#include "util.h"

#define NOW 1700000000LL                    /* Tue Nov 14 22:13:20 2023 UTC */
#define SIX_MONTHS_S (183LL * 24 * 3600)

static struct stat make_stat(mode_t mode, unsigned long nlink, unsigned uid, unsigned gid,
			     long long size, long long mtime)
{
	struct stat st;

	memset(&st, 0, sizeof(st));
	st.st_mode = mode;
	st.st_nlink = (nlink_t)nlink;
	st.st_uid = uid;
	st.st_gid = gid;
	st.st_size = (off_t)size;
	st.st_mtim.tv_sec = (time_t)mtime;
	st.st_dev = 0x801;
	st.st_ino = 0x1234;
	return st;
}

static const struct {
	const char *name;
	mode_t mode;
	unsigned long nlink;
	unsigned uid, gid;
	long long size, mtime;
	const char *target;
	const char *want;
} list_cases[] = {
	/* Types. */
	{ "file.txt", S_IFREG | 0644, 1, 1000, 1000, 1234, NOW - 3600, NULL,
	  "-rw-r--r--   1 1000     1000             1234 Nov 14 21:13 file.txt\r\n" },
	{ "pub", S_IFDIR | 0755, 2, 0, 0, 4096, NOW - 2 * 86400, NULL,
	  "drwxr-xr-x   2 0        0                4096 Nov 12 22:13 pub\r\n" },
	{ "link", S_IFLNK | 0777, 1, 1000, 1000, 10, NOW - 60, "target.txt",
	  "lrwxrwxrwx   1 1000     1000               10 Nov 14 22:12 link -> target.txt\r\n" },
	{ "link", S_IFLNK | 0777, 1, 1000, 1000, 10, NOW - 60, NULL,
	  "lrwxrwxrwx   1 1000     1000               10 Nov 14 22:12 link\r\n" },
	{ "tty", S_IFCHR | 0620, 1, 0, 5, 0, NOW, NULL,
	  "crw--w----   1 0        5                   0 Nov 14 22:13 tty\r\n" },
	{ "sda", S_IFBLK | 0660, 1, 0, 6, 0, NOW, NULL,
	  "brw-rw----   1 0        6                   0 Nov 14 22:13 sda\r\n" },
	{ "fifo", S_IFIFO | 0644, 1, 0, 0, 0, NOW, NULL,
	  "prw-r--r--   1 0        0                   0 Nov 14 22:13 fifo\r\n" },
	{ "sock", S_IFSOCK | 0755, 1, 0, 0, 0, NOW, NULL,
	  "srwxr-xr-x   1 0        0                   0 Nov 14 22:13 sock\r\n" },
	/* Special bits, with and without the matching x bit. */
	{ "suid", S_IFREG | 04755, 1, 0, 0, 1, NOW, NULL,
	  "-rwsr-xr-x   1 0        0                   1 Nov 14 22:13 suid\r\n" },
	{ "suid", S_IFREG | 04644, 1, 0, 0, 1, NOW, NULL,
	  "-rwSr--r--   1 0        0                   1 Nov 14 22:13 suid\r\n" },
	{ "sgid", S_IFREG | 02755, 1, 0, 0, 1, NOW, NULL,
	  "-rwxr-sr-x   1 0        0                   1 Nov 14 22:13 sgid\r\n" },
	{ "sgid", S_IFREG | 02745, 1, 0, 0, 1, NOW, NULL,
	  "-rwxr-Sr-x   1 0        0                   1 Nov 14 22:13 sgid\r\n" },
	{ "tmp", S_IFDIR | 01777, 9, 0, 0, 4096, NOW, NULL,
	  "drwxrwxrwt   9 0        0                4096 Nov 14 22:13 tmp\r\n" },
	{ "tmp", S_IFDIR | 01776, 9, 0, 0, 4096, NOW, NULL,
	  "drwxrwxrwT   9 0        0                4096 Nov 14 22:13 tmp\r\n" },
	{ "all", S_IFREG | 07777, 1, 0, 0, 1, NOW, NULL,
	  "-rwsrwsrwt   1 0        0                   1 Nov 14 22:13 all\r\n" },
	{ "bits", S_IFREG | 07000, 1, 0, 0, 1, NOW, NULL,
	  "---S--S--T   1 0        0                   1 Nov 14 22:13 bits\r\n" },
	{ "none", S_IFREG | 0, 1, 0, 0, 1, NOW, NULL,
	  "----------   1 0        0                   1 Nov 14 22:13 none\r\n" },
	{ "odd", S_IFREG | 0421, 1, 0, 0, 1, NOW, NULL,
	  "-r---w---x   1 0        0                   1 Nov 14 22:13 odd\r\n" },
	/* Dates: the time within six months, the year otherwise (UTC). */
	{ "now", S_IFREG | 0644, 1, 0, 0, 0, NOW, NULL,
	  "-rw-r--r--   1 0        0                   0 Nov 14 22:13 now\r\n" },
	{ "day9", S_IFREG | 0644, 1, 0, 0, 0, NOW - 9 * 86400, NULL,
	  "-rw-r--r--   1 0        0                   0 Nov  5 22:13 day9\r\n" },
	{ "recent", S_IFREG | 0644, 1, 0, 0, 0, NOW - SIX_MONTHS_S + 1, NULL,
	  "-rw-r--r--   1 0        0                   0 May 15 22:13 recent\r\n" },
	{ "old", S_IFREG | 0644, 1, 0, 0, 0, NOW - SIX_MONTHS_S, NULL,
	  "-rw-r--r--   1 0        0                   0 May 15  2023 old\r\n" },
	{ "older", S_IFREG | 0644, 1, 0, 0, 0, 1600000000, NULL,
	  "-rw-r--r--   1 0        0                   0 Sep 13  2020 older\r\n" },
	{ "newyear", S_IFREG | 0644, 1, 0, 0, 0, 1577836800, NULL,
	  "-rw-r--r--   1 0        0                   0 Jan  1  2020 newyear\r\n" },
	{ "future", S_IFREG | 0644, 1, 0, 0, 0, NOW + 3600, NULL,
	  "-rw-r--r--   1 0        0                   0 Nov 14  2023 future\r\n" },
	{ "future1s", S_IFREG | 0644, 1, 0, 0, 0, NOW + 1, NULL,
	  "-rw-r--r--   1 0        0                   0 Nov 14  2023 future1s\r\n" },
	{ "epoch", S_IFREG | 0644, 1, 0, 0, 0, 0, NULL,
	  "-rw-r--r--   1 0        0                   0 Jan  1  1970 epoch\r\n" },
	{ "before", S_IFREG | 0644, 1, 0, 0, 0, -1, NULL,
	  "-rw-r--r--   1 0        0                   0 Dec 31  1969 before\r\n" },
	/* Wide numbers push the columns; names are kept as they are. */
	{ "big", S_IFREG | 0644, 1000, 4294967294u, 123456789, 5497558138880LL, NOW, NULL,
	  "-rw-r--r-- 1000 4294967294 123456789 5497558138880 Nov 14 22:13 big\r\n" },
	{ "my file  (1).txt", S_IFREG | 0644, 1, 1, 1, 1, NOW, NULL,
	  "-rw-r--r--   1 1        1                   1 Nov 14 22:13 my file  (1).txt\r\n" },
	{ "caf\xc3\xa9", S_IFREG | 0644, 1, 1, 1, 1, NOW, NULL,
	  "-rw-r--r--   1 1        1                   1 Nov 14 22:13 caf\xc3\xa9\r\n" },
	{ "a -> b", S_IFLNK | 0777, 1, 1, 1, 1, NOW, "c d",
	  "lrwxrwxrwx   1 1        1                   1 Nov 14 22:13 a -> b -> c d\r\n" },
};

static void test_list(void)
{
	for (size_t i = 0; i < ELEMENTSOF(list_cases); i++) {
		struct stat st = make_stat(list_cases[i].mode, list_cases[i].nlink, list_cases[i].uid,
					   list_cases[i].gid, list_cases[i].size, list_cases[i].mtime);
		size_t len = strlen(list_cases[i].want);
		char buf[512];
		int r;

		r = listing_format_list(buf, sizeof(buf), list_cases[i].name, &st, list_cases[i].target,
					(time_t)NOW);
		is_int(r, len, "LIST %s (mode %06o, mtime %lld): length", list_cases[i].name,
		       (unsigned)list_cases[i].mode, list_cases[i].mtime);
		is_str(r >= 0 ? buf : NULL, list_cases[i].want, "LIST %s (mode %06o, mtime %lld)",
		       list_cases[i].name, (unsigned)list_cases[i].mode, list_cases[i].mtime);
		/* Exactly the right size fits; one byte less does not. */
		memset(buf, 'X', sizeof(buf));
		r = listing_format_list(buf, len + 1, list_cases[i].name, &st, list_cases[i].target,
					(time_t)NOW);
		ok(r == (int)len && buf[len + 1] == 'X', "LIST %s in %zu bytes fits", list_cases[i].name,
		   len + 1);
		memset(buf, 'X', sizeof(buf));
		r = listing_format_list(buf, len, list_cases[i].name, &st, list_cases[i].target,
					(time_t)NOW);
		ok(r == -ENOSPC && buf[len] == 'X', "LIST %s in %zu bytes: -ENOSPC (got %d)",
		   list_cases[i].name, len, r);
	}
}

static const struct {
	const char *name;
	size_t size;
	int want;
	const char *text;
} nlst_cases[] = {
	{ "name",     64, 6,       "name\r\n" },
	{ "a b.txt",  64, 9,       "a b.txt\r\n" },
	{ "",         64, 2,       "\r\n" },
	{ "name",     7,  6,       "name\r\n" },
	{ "name",     6,  -ENOSPC, NULL },
	{ "name",     1,  -ENOSPC, NULL },
};

static void test_nlst(void)
{
	for (size_t i = 0; i < ELEMENTSOF(nlst_cases); i++) {
		char buf[80];
		int r;

		memset(buf, 'X', sizeof(buf));
		r = listing_format_nlst(buf, nlst_cases[i].size, nlst_cases[i].name);
		is_int(r, nlst_cases[i].want, "NLST '%s' in %zu bytes", nlst_cases[i].name,
		       nlst_cases[i].size);
		if (nlst_cases[i].text)
			is_str(r >= 0 ? buf : NULL, nlst_cases[i].text, "NLST '%s': text",
			       nlst_cases[i].name);
		ok(buf[nlst_cases[i].size] == 'X', "NLST '%s' in %zu bytes: no overflow",
		   nlst_cases[i].name, nlst_cases[i].size);
	}
}

#define MOD "modify=20231114221320;"
#define UNIQ "unique=801g1234;"

static const struct {
	const char *name;
	mode_t mode;
	long long size;
	unsigned facts;
	bool writable, crlf;
	const char *want;
} mlsx_cases[] = {
	{ "file.txt", S_IFREG | 0644, 1234, FACT_ALL, true, true,
	  "type=file;size=1234;" MOD "perm=radfw;" UNIQ "UNIX.mode=0644; file.txt\r\n" },
	{ "file.txt", S_IFREG | 0644, 1234, FACT_ALL, false, true,
	  "type=file;size=1234;" MOD "perm=r;" UNIQ "UNIX.mode=0644; file.txt\r\n" },
	{ "pub", S_IFDIR | 0755, 4096, FACT_ALL, true, true,
	  "type=dir;" MOD "perm=elcmpdf;" UNIQ "UNIX.mode=0755; pub\r\n" },
	{ "pub", S_IFDIR | 0755, 4096, FACT_ALL, false, true,
	  "type=dir;" MOD "perm=el;" UNIQ "UNIX.mode=0755; pub\r\n" },
	{ "file.txt", S_IFREG | 0644, 1234, FACT_ALL, true, false,
	  "type=file;size=1234;" MOD "perm=radfw;" UNIQ "UNIX.mode=0644; file.txt" },
	{ "/pub/file.txt", S_IFREG | 0600, 0, FACT_ALL, false, false,
	  "type=file;size=0;" MOD "perm=r;" UNIQ "UNIX.mode=0600; /pub/file.txt" },
	/* Fact subsets (OPTS MLST). */
	{ "f", S_IFREG | 0644, 7, FACT_TYPE | FACT_SIZE, true, true, "type=file;size=7; f\r\n" },
	{ "f", S_IFREG | 0644, 7, FACT_MODIFY, true, true, MOD " f\r\n" },
	{ "f", S_IFREG | 0644, 7, FACT_PERM | FACT_UNIX_MODE, true, true,
	  "perm=radfw;UNIX.mode=0644; f\r\n" },
	{ "f", S_IFREG | 0644, 7, FACT_UNIQUE, true, true, UNIQ " f\r\n" },
	{ "f", S_IFREG | 0644, 7, 0, true, true, " f\r\n" },
	{ "f", S_IFREG | 0644, 7, 0, true, false, " f" },
	{ "d", S_IFDIR | 0700, 4096, FACT_SIZE, true, true, " d\r\n" },   /* no size for dirs */
	/* Other types and modes. */
	{ "l", S_IFLNK | 0777, 3, FACT_TYPE | FACT_SIZE | FACT_UNIX_MODE, true, true,
	  "type=OS.unix=symlink;size=3;UNIX.mode=0777; l\r\n" },
	{ "p", S_IFIFO | 0600, 0, FACT_TYPE | FACT_PERM, false, true,
	  "type=OS.unix=special;perm=r; p\r\n" },
	{ "s", S_IFREG | 04755, 1, FACT_UNIX_MODE, true, true, "UNIX.mode=04755; s\r\n" },
	{ "t", S_IFDIR | 01777, 1, FACT_UNIX_MODE, true, true, "UNIX.mode=01777; t\r\n" },
	{ "a;b c=d.txt", S_IFREG | 0644, 5497558138880LL, FACT_SIZE, true, true,
	  "size=5497558138880; a;b c=d.txt\r\n" },
};

static void test_mlsx(void)
{
	for (size_t i = 0; i < ELEMENTSOF(mlsx_cases); i++) {
		struct stat st = make_stat(mlsx_cases[i].mode, 1, 0, 0, mlsx_cases[i].size, NOW);
		size_t len = strlen(mlsx_cases[i].want);
		char buf[512];
		int r;

		r = listing_format_mlsx(buf, sizeof(buf), mlsx_cases[i].name, &st, mlsx_cases[i].facts,
					mlsx_cases[i].writable,
					mlsx_cases[i].crlf);
		is_int(r, len, "MLSx %zu (%s): length", i, mlsx_cases[i].name);
		is_str(r >= 0 ? buf : NULL, mlsx_cases[i].want, "MLSx %zu (%s)", i, mlsx_cases[i].name);

		memset(buf, 'X', sizeof(buf));
		r = listing_format_mlsx(buf, len + 1, mlsx_cases[i].name, &st, mlsx_cases[i].facts,
					mlsx_cases[i].writable,
					mlsx_cases[i].crlf);
		ok(r == (int)len && buf[len + 1] == 'X', "MLSx %zu in %zu bytes fits", i, len + 1);
		/* Every smaller buffer is refused without writing past its end. */
		{
			bool all = true;

			for (size_t size = 0; size < len + 1; size++) {
				memset(buf, 'X', sizeof(buf));
				r = listing_format_mlsx(buf, size, mlsx_cases[i].name, &st,
							mlsx_cases[i].facts, mlsx_cases[i].writable,
							mlsx_cases[i].crlf);
				if (r != -ENOSPC || buf[size] != 'X') {
					diag("size %zu: got %d", size, r);
					all = false;
				}
			}
			ok(all, "MLSx %zu in 0..%zu bytes: -ENOSPC, no overflow", i, len);
		}
	}
}

static const struct {
	const char *pattern, *name;
	bool want;
} wildcard_cases[] = {
	{ "*",        "",              true },
	{ "*",        "anything",      true },
	{ "**",       "x",             true },
	{ "",         "",              true },
	{ "",         "a",             false },
	{ "a",        "",              false },
	{ "?",        "",              false },
	{ "?",        "a",             true },
	{ "?",        "ab",            false },
	{ "??",       "ab",            true },
	{ "*?",       "",              false },
	{ "*?",       "a",             true },
	{ "a?c",      "abc",           true },
	{ "a?c",      "ac",            false },
	{ "abc",      "abc",           true },
	{ "abc",      "abd",           false },
	{ "abc",      "ab",            false },
	{ "ab",       "abc",           false },
	{ "a*",       "a",             true },
	{ "a*",       "abc",           true },
	{ "a*",       "ba",            false },
	{ "*a",       "aaaa",          true },
	{ "*a",       "aaab",          false },
	{ "*.txt",    "file.txt",      true },
	{ "*.txt",    ".txt",          true },
	{ "*.txt",    "file.txt.bak",  false },
	{ "*.txt",    "file.TXT",      false },   /* case matters */
	{ "*.t?t",    "a.txt",         true },
	{ "a*b*c",    "abc",           true },
	{ "a*b*c",    "aXbYc",         true },
	{ "a*b*c",    "abcabc",        true },
	{ "a*b*c",    "acb",           false },
	{ "a*b*c",    "abcb",          false },
	{ "a*b*c*",   "abcb",          true },
	{ "*ab*",     "aab",           true },
	{ "*aab",     "aaab",          true },
	{ "a*a*a",    "aa",            false },
	{ "a*a*a",    "aaa",           true },
	{ "[ab]",     "a",             false },   /* no character classes */
	{ "[ab]",     "[ab]",          true },
	{ "\\*",      "\\x",           true },    /* no escapes */
	{ "\\*",      "*",             false },
	{ "*",        ".hidden",       true },
};

/* An n-byte string of c, with tail at its end. */
static char *repeat(char c, size_t n, const char *tail)
{
	size_t t = strlen(tail);
	char *s = malloc(n + t + 1);

	if (!s)
		abort();
	memset(s, c, n);
	memcpy(s + n, tail, t + 1);
	return s;
}

static double seconds_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static void test_wildcards(void)
{
	for (size_t i = 0; i < ELEMENTSOF(wildcard_cases); i++)
		is_int(wildcard_match(wildcard_cases[i].pattern, wildcard_cases[i].name),
		       wildcard_cases[i].want, "'%s' matches '%s'", wildcard_cases[i].pattern,
		       wildcard_cases[i].name);

	/* Patterns that make a backtracking matcher exponential. */
	static const struct {
		const char *pattern;
		size_t count;     /* 'a's in the name */
		const char *tail; /* after them */
		bool want;
	} slow_cases[] = {
		{ "a*a*a*a*a*a*a*b",                        5000,  "",  false },
		{ "a*a*a*a*a*a*a*b",                        5000,  "b", true },
		{ "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", 20000, "",  false },
		{ "*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*c", 20000, "",  false },
		{ "****************************************b", 20000, "", false },
	};
	for (size_t i = 0; i < ELEMENTSOF(slow_cases); i++) {
		char *name = repeat('a', slow_cases[i].count, slow_cases[i].tail);
		struct timespec start;
		bool r;
		double took;

		clock_gettime(CLOCK_MONOTONIC, &start);
		r = wildcard_match(slow_cases[i].pattern, name);
		took = seconds_since(&start);
		is_int(r, slow_cases[i].want, "'%s' against %zu 'a's + '%s'", slow_cases[i].pattern,
		       slow_cases[i].count, slow_cases[i].tail);
		ok(took < 1.0, "'%s' against %zu 'a's + '%s' is quick (%.3f s)", slow_cases[i].pattern,
		   slow_cases[i].count, slow_cases[i].tail, took);
		free(name);
	}

	static const struct {
		const char *s;
		bool want;
	} has_cases[] = {
		{ "a*", true }, { "?", true }, { "*.txt", true }, { "abc", false }, { "", false },
		{ "[a]", false }, { "a\\*", true },
	};
	for (size_t i = 0; i < ELEMENTSOF(has_cases); i++)
		is_int(has_wildcard(has_cases[i].s), has_cases[i].want, "has_wildcard '%s'",
		       has_cases[i].s);
}

static const struct {
	const char *name;
	bool want;
} name_ok_cases[] = {
	{ "file.txt",          true },
	{ "a b",               true },
	{ "",                  true },
	{ "caf\xc3\xa9",       true },
	{ "tab\there",         true },
	{ "a\rb",              false },
	{ "a\nb",              false },
	{ "\r",                false },
	{ "\n",                false },
	{ "x\r\n-rw-r--r-- 1 0 0 0 Jan 1 2020 forged", false },
	{ "trailing\n",        false },
};

static void test_name_ok(void)
{
	for (size_t i = 0; i < ELEMENTSOF(name_ok_cases); i++)
		is_int(listing_name_ok(name_ok_cases[i].name), name_ok_cases[i].want,
		       "listing_name_ok '%s'", name_ok_cases[i].name);
}

static const struct {
	const char *path;
	uint64_t bytes;
	char direction;
	bool ascii, complete, anonymous;
	int64_t duration_us;
	const char *remote, *user;
	long long now;
	const char *want;
} xferlog_cases[] = {
	{ "/pub/file.txt", 1234, 'o', false, true, true, 1500000, "192.0.2.1", "guest@example.com", NOW,
	  "Tue Nov 14 22:13:20 2023 2 192.0.2.1 1234 /pub/file.txt b _ o a guest@example.com ftp 0 * c" },
	{ "/up/a b c.txt", 0, 'i', true, false, false, 0, "2001:db8::1", "alice", NOW,
	  "Tue Nov 14 22:13:20 2023 0 2001:db8::1 0 /up/a_b_c.txt a _ i r alice ftp 0 * i" },
	{ "/ lead  two", 1, 'i', false, true, false, 499999, "10.0.0.1", "bob", NOW,
	  "Tue Nov 14 22:13:20 2023 0 10.0.0.1 1 /_lead__two b _ i r bob ftp 0 * c" },
	{ "/x", 1, 'o', true, true, false, 500000, "10.0.0.1", "bob", NOW,
	  "Tue Nov 14 22:13:20 2023 1 10.0.0.1 1 /x a _ o r bob ftp 0 * c" },
	{ "/x", 1, 'o', false, false, true, 3600000000LL, "10.0.0.1", "ftp", NOW,
	  "Tue Nov 14 22:13:20 2023 3600 10.0.0.1 1 /x b _ o a ftp ftp 0 * i" },
	{ "/big", UINT64_MAX, 'o', false, true, false, 0, "10.0.0.1", "carol", NOW,
	  "Tue Nov 14 22:13:20 2023 0 10.0.0.1 18446744073709551615 /big b _ o r carol ftp 0 * c" },
	{ "/day", 5, 'o', false, true, false, 0, "10.0.0.1", "carol", NOW - 9 * 86400,
	  "Sun Nov  5 22:13:20 2023 0 10.0.0.1 5 /day b _ o r carol ftp 0 * c" },
	{ "/epoch", 5, 'i', false, true, false, 0, "10.0.0.1", "carol", 0,
	  "Thu Jan  1 00:00:00 1970 0 10.0.0.1 5 /epoch b _ i r carol ftp 0 * c" },
	{ "/caf\xc3\xa9", 5, 'i', false, true, false, 0, "10.0.0.1", "carol", NOW,
	  "Tue Nov 14 22:13:20 2023 0 10.0.0.1 5 /caf\xc3\xa9 b _ i r carol ftp 0 * c" },
};

static void test_xferlog(void)
{
	for (size_t i = 0; i < ELEMENTSOF(xferlog_cases); i++) {
		struct transfer_record t = {
			.path = xferlog_cases[i].path,
			.bytes = xferlog_cases[i].bytes,
			.direction = xferlog_cases[i].direction,
			.ascii = xferlog_cases[i].ascii,
			.complete = xferlog_cases[i].complete,
			.anonymous = xferlog_cases[i].anonymous,
			.tls = true,
			.duration_us = xferlog_cases[i].duration_us,
		};
		size_t len = strlen(xferlog_cases[i].want);
		char buf[512];
		int r;

		r = log_format_xferlog(buf, sizeof(buf), &t, xferlog_cases[i].remote,
				       xferlog_cases[i].user, xferlog_cases[i].now);
		is_int(r, len, "xferlog %s: length", xferlog_cases[i].path);
		is_str(r >= 0 ? buf : NULL, xferlog_cases[i].want, "xferlog %s", xferlog_cases[i].path);

		memset(buf, 'X', sizeof(buf));
		r = log_format_xferlog(buf, len + 1, &t, xferlog_cases[i].remote, xferlog_cases[i].user,
				       xferlog_cases[i].now);
		ok(r == (int)len && buf[len + 1] == 'X', "xferlog %s in %zu bytes fits",
		   xferlog_cases[i].path, len + 1);
		memset(buf, 'X', sizeof(buf));
		r = log_format_xferlog(buf, len, &t, xferlog_cases[i].remote, xferlog_cases[i].user,
				       xferlog_cases[i].now);
		ok(r == -ENOSPC && buf[len] == 'X', "xferlog %s in %zu bytes: -ENOSPC (got %d)",
		   xferlog_cases[i].path, len, r);
	}
}

/* A time whose year does not fit in an int (found by fuzz-listing):
 * shown as the epoch, never as whatever was on the stack. */
static void test_extreme_times(void)
{
	static const long long times[] = { INT64_MAX, INT64_MIN, 67768036191676800LL };
	char buf[512];

	for (size_t i = 0; i < ELEMENTSOF(times); i++) {
		struct stat st = make_stat(S_IFREG | 0644, 1, 0, 0, 5, 0);

		st.st_mtim.tv_sec = (time_t)times[i];
		ok(listing_format_list(buf, sizeof(buf), "f", &st, NULL, NOW) > 0 &&
			   strstr(buf, " Jan  1  1970 f\r\n"),
		   "LIST line for mtime %lld shows the epoch: %s", times[i], buf);
		ok(listing_format_mlsx(buf, sizeof(buf), "f", &st, FACT_MODIFY, false, true) > 0 &&
			   strcmp(buf, "modify=19700101000000; f\r\n") == 0,
		   "MLSx modify fact for mtime %lld is the epoch: %s", times[i], buf);
	}
}

static const struct {
	const char *in;
	int ret;
	long long t;
} time_val_cases[] = {
	{ "19700101000000", 0, 0 },
	{ "20200229123456", 0, 1582979696 },
	{ "20200229123456.789", 0, 1582979696 },   /* fractions ignored */
	{ "99991231235959", 0, 253402300799LL },
	{ "20210229000000", -EINVAL, 0 },          /* not a leap year */
	{ "20201301000000", -EINVAL, 0 },
	{ "20201200000000", -EINVAL, 0 },
	{ "20201231240000", -EINVAL, 0 },
	{ "00050101000000", -EINVAL, 0 },          /* before the epoch: refused */
	{ "2020022912345", -EINVAL, 0 },           /* 13 digits */
	{ "20200229123456.", -EINVAL, 0 },
	{ "20200229123456x", -EINVAL, 0 },
	{ "", -EINVAL, 0 },
};

/* MFMT's parser, and the formatter every time-val comes from (MDTM, MLSx
 * modify, MFMT's reply): 14 digits whatever the time (fuzz findings). */
static void test_time_val(void)
{
	static const long long odd[] = { -62167219200LL - 1, 253402300800LL, INT64_MAX, INT64_MIN };
	char buf[TIME_VAL_SIZE];

	for (size_t i = 0; i < ELEMENTSOF(time_val_cases); i++) {
		long long t = -1;
		int r = parse_time_val(time_val_cases[i].in, strlen(time_val_cases[i].in), &t);

		is_int(r, time_val_cases[i].ret, "parse_time_val(\"%s\")", time_val_cases[i].in);
		if (r == 0) {
			ok(t == time_val_cases[i].t, "parse_time_val(\"%s\") = %lld", time_val_cases[i].in, t);
			format_time_val(buf, t);
			ok(strncmp(buf, time_val_cases[i].in, 14) == 0, "format_time_val round trip: %s", buf);
		}
	}
	for (size_t i = 0; i < ELEMENTSOF(odd); i++) {
		format_time_val(buf, odd[i]);
		is_str(buf, "19700101000000", "format_time_val(%lld): outside 0000-9999, the epoch", odd[i]);
	}
}

/* FEAT's MLST line and OPTS MLST: names and bits from one table. */
static const struct {
	const char *arg;
	unsigned facts;
	const char *echo;
} facts_cases[] = {
	{ "", 0, "" },
	{ "type;size;", FACT_TYPE | FACT_SIZE, "type;size;" },
	{ "size;type", FACT_TYPE | FACT_SIZE, "size;type;" },       /* the client's order */
	{ "TYPE;Unix.Mode;", FACT_TYPE | FACT_UNIX_MODE, "type;UNIX.mode;" },
	{ "type;type;", FACT_TYPE, "type;" },                       /* each once */
	{ "bogus;perm;", FACT_PERM, "perm;" },                      /* unknown ignored */
	{ ";;modify;;", FACT_MODIFY, "modify;" },
	{ "types;siz;", 0, "" },                                    /* whole names only */
	{ "type;size;modify;perm;unique;UNIX.mode;", FACT_ALL,
	  "type;size;modify;perm;unique;UNIX.mode;" },
};

static const struct {
	unsigned selected;
	const char *want;
} feat_cases[] = {
	{ FACT_ALL, "type*;size*;modify*;perm*;unique*;UNIX.mode*;" },
	{ 0, "type;size;modify;perm;unique;UNIX.mode;" },
	{ FACT_SIZE | FACT_UNIQUE, "type;size*;modify;perm;unique*;UNIX.mode;" },
};

static void test_facts(void)
{
	char buf[128];

	for (size_t i = 0; i < ELEMENTSOF(facts_cases); i++) {
		unsigned facts = 12345;
		int r = listing_parse_facts(facts_cases[i].arg, strlen(facts_cases[i].arg), &facts, buf,
					    sizeof(buf));

		is_int(r, 0, "listing_parse_facts(\"%s\")", facts_cases[i].arg);
		ok(facts == facts_cases[i].facts, "listing_parse_facts(\"%s\"): bits %#x",
		   facts_cases[i].arg, facts);
		is_str(buf, facts_cases[i].echo, "listing_parse_facts(\"%s\"): echo", facts_cases[i].arg);
	}
	/* Length-bounded: a fact name past len is not read. */
	{
		unsigned facts = 0;

		listing_parse_facts("type;size", 4, &facts, buf, sizeof(buf));
		ok(facts == FACT_TYPE, "listing_parse_facts reads only len bytes");
		is_int(listing_parse_facts("type;", 5, &facts, buf, 5), -ENOSPC,
		       "listing_parse_facts: echo capacity kept");
	}
	for (size_t i = 0; i < ELEMENTSOF(feat_cases); i++) {
		size_t len = strlen(feat_cases[i].want);

		is_int(listing_feat_facts(buf, sizeof(buf), feat_cases[i].selected), (int)len,
		       "listing_feat_facts(%#x): length", feat_cases[i].selected);
		is_str(buf, feat_cases[i].want, "listing_feat_facts(%#x)", feat_cases[i].selected);
		is_int(listing_feat_facts(buf, len, feat_cases[i].selected), -ENOSPC,
		       "listing_feat_facts(%#x): one byte short", feat_cases[i].selected);
	}
}

/* FTPSD_LIST_OWNER: names in place of the numbers, each independently. */
static void test_list_owned(void)
{
	static const struct {
		const char *owner, *group, *want;
	} cases[] = {
		{ NULL, NULL, "-rw-r--r--   1 1000     100                 7 Nov 14 21:13 f\r\n" },
		{ "ftp", "ftp", "-rw-r--r--   1 ftp      ftp                 7 Nov 14 21:13 f\r\n" },
		{ "alice", NULL, "-rw-r--r--   1 alice    100                 7 Nov 14 21:13 f\r\n" },
		{ NULL, "users", "-rw-r--r--   1 1000     users               7 Nov 14 21:13 f\r\n" },
		{ "a-very-long-name", "grp", "-rw-r--r--   1 a-very-long-name grp                 7 Nov 14 21:13 f\r\n" },
	};
	char buf[256];

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct stat st = make_stat(S_IFREG | 0644, 1, 1000, 100, 7, NOW - 3600);
		int r = listing_format_list_owned(buf, sizeof(buf), "f", &st, NULL, NOW, cases[i].owner,
						  cases[i].group);

		ok(r > 0 && strcmp(buf, cases[i].want) == 0, "LIST owner %s group %s: %s",
		   cases[i].owner ? cases[i].owner : "(number)", cases[i].group ? cases[i].group : "(number)",
		   buf);
	}
	{
		struct stat st = make_stat(S_IFREG | 0644, 1, 1000, 100, 7, NOW - 3600);

		is_int(listing_format_list_owned(buf, 20, "f", &st, NULL, NOW, "ftp", "ftp"), -ENOSPC,
		       "LIST owned line too long for its buffer: -ENOSPC");
	}
}

int main(void)
{
	test_facts();
	test_list_owned();
	test_time_val();
	test_extreme_times();
	test_list();
	test_nlst();
	test_mlsx();
	test_wildcards();
	test_name_ok();
	test_xferlog();
	return done_testing();
}
