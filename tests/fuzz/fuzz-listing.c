/* SPDX-License-Identifier: ISC */
/* Fuzz target: listing lines (src/listing.c): listing_format_list,
 * listing_format_nlst and listing_format_mlsx, with fuzzed names, symlink
 * targets, stat fields, facts, clocks and buffer sizes.
 *
 * Input: fixed-size fields (stat, clock, facts, buffer size), then
 * "name NUL target" (no NUL: no target). Each formatter is run into a
 * large buffer and into an exact-size heap buffer of the fuzzed size
 * (ASan sees any write or read past it). Checks:
 *   - the large-buffer call succeeds, with strlen(line) == the result;
 *   - the small one gives the same line when it fits (result < size) and
 *     -ENOSPC exactly when it does not;
 *   - the line ends with CRLF (not for MLST's crlf=false);
 *   - judged on the formatted line itself: its body (before the CRLF) has
 *     a CR or LF exactly when the name (or LIST's link target) has one,
 *     and listing_name_ok() passes the name (and target) exactly when the
 *     body is clean. A filter that lets a CR/LF name through, or drops a
 *     clean one, fails here; whether cmd_list.c calls it for every line
 *     is for the session fuzzer and the integration tests, which list
 *     such names through real data connections;
 *   - everything before the name (mode, links, owner, size, date; or the
 *     MLSx facts) is printable ASCII, the name follows it intact, and
 *     "type=", "size=", ... appear exactly for the selected facts, with
 *     "modify=" 14 digits for four-digit years.
 * The mtime is often extreme (any 64-bit value, years past 9999 or before
 * 1000): tests/fuzz/crashes/listing-mlsx-extreme-mtime is the stack
 * over-read that such a time once caused. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "bounds.h"
#include "listing.h"
#include "fuzz.h"

#define BIG (1 << 16)

struct reader {
	const uint8_t *p;
	size_t n;
};

static uint64_t take(struct reader *r, int bytes)
{
	uint64_t v = 0;

	for (int i = 0; i < bytes; i++) {
		v = v << 8 | (r->n ? *r->p : 0);
		if (r->n) {
			r->p++;
			r->n--;
		}
	}
	return v;
}

/* A time: near the clock, anything at all, a 40-bit signed value, or
 * around the year 9999 / 99999 boundaries. */
static int64_t take_time(struct reader *r, int64_t now)
{
	unsigned sel = (unsigned)take(r, 1) % 4;
	uint64_t v = take(r, 8);

	switch (sel) {
	case 0: return now - (int32_t)(uint32_t)v;
	case 1: return (int64_t)v;
	case 2: return (int64_t)(v << 24) >> 24;
	default: return ((v & 1) ? 3093527980800LL : 253402300800LL) - (int16_t)(v >> 8);
	}
}

static bool printable(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x20 || (unsigned char)p[i] > 0x7e)
			return false;
	return true;
}

/* The small-buffer call agrees with the large one. */
static void check_small(int big_r, const char *big, int small_r, const char *small, size_t bsize)
{
	if ((size_t)big_r < bsize)
		CHECK(small_r == big_r && memcmp(small, big, (size_t)big_r + 1) == 0);
	else
		CHECK(small_r == -ENOSPC);
}

static bool has_crlf(const char *p, size_t n)
{
	return memchr(p, '\r', n) || memchr(p, '\n', n);
}

/* The line ends as it should; its body is clean exactly when its input
 * strings are (the formatter adds no CR/LF and hides none), and the
 * filter's verdict on those strings is whether the body is clean. */
static void check_line(const char *line, size_t n, bool crlf, bool input_dirty, bool filter_ok)
{
	size_t body = n;
	bool dirty;

	if (crlf) {
		CHECK(n >= 2 && line[n - 2] == '\r' && line[n - 1] == '\n');
		body = n - 2;
	}
	dirty = has_crlf(line, body);
	CHECK(dirty == input_dirty);
	CHECK(filter_ok == !dirty);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = { data, size };
	struct stat st;
	char *big = malloc(BIG), *small, *rest, *name;
	const char *target = NULL;
	size_t bsize, nlen, tlen;
	time_t now;
	unsigned facts;
	bool writable, crlf, name_dirty, target_dirty;
	int rb, rs;

	CHECK(big);
	memset(&st, 0, sizeof(st));
	now = (time_t)(1700000000 + (int64_t)(int32_t)take(&r, 4));
	st.st_mode = (mode_t)take(&r, 4);
	st.st_nlink = (nlink_t)take(&r, 8);
	st.st_uid = (uid_t)take(&r, 4);
	st.st_gid = (gid_t)take(&r, 4);
	st.st_size = (off_t)take(&r, 8);
	st.st_mtim.tv_sec = take_time(&r, now);
	st.st_mtim.tv_nsec = (long)(take(&r, 4) % 1000000000);
	st.st_dev = (dev_t)take(&r, 8);
	st.st_ino = (ino_t)take(&r, 8);
	facts = (unsigned)take(&r, 1) & FACT_ALL;
	writable = take(&r, 1) & 1;
	crlf = take(&r, 1) & 1;
	(void)take(&r, 1);   /* was a type override: the corpus keeps its layout */
	bsize = (size_t)take(&r, 2) % (LISTING_LINE_MAX + 600);

	rest = malloc(r.n + 1);
	CHECK(rest);
	memcpy(rest, r.p, r.n);
	rest[r.n] = '\0';
	name = rest;
	if (strlen(rest) < r.n)
		target = rest + strlen(rest) + 1;
	nlen = strlen(name);
	tlen = target ? strlen(target) : 0;
	name_dirty = has_crlf(name, nlen);
	target_dirty = target && has_crlf(target, tlen);
	small = malloc(bsize ? bsize : 1);
	CHECK(small);

	/* MLSD / MLST */
	rb = listing_format_mlsx(big, BIG, name, &st, facts, writable, crlf);
	CHECK(rb > 0 && (size_t)rb == strlen(big));
	check_line(big, (size_t)rb, crlf, name_dirty, listing_name_ok(name));
	{
		size_t prefix = (size_t)rb - nlen - (crlf ? 2 : 0) - 1;
		char *f = strndup(big, prefix);

		CHECK(f);
		CHECK(big[prefix] == ' ' && memcmp(big + prefix + 1, name, nlen) == 0);
		CHECK(printable(big, prefix));
		CHECK(prefix == 0 || big[prefix - 1] == ';');
		CHECK(!!(facts & FACT_TYPE) == !!strstr(f, "type="));
		CHECK((!!(facts & FACT_SIZE) && !S_ISDIR(st.st_mode)) == !!strstr(f, "size="));
		CHECK(!!(facts & FACT_MODIFY) == !!strstr(f, "modify="));
		CHECK(!!(facts & FACT_PERM) == !!strstr(f, "perm="));
		CHECK(!!(facts & FACT_UNIQUE) == !!strstr(f, "unique="));
		CHECK(!!(facts & FACT_UNIX_MODE) == !!strstr(f, "UNIX.mode="));
		if (facts & FACT_MODIFY) {
			/* modify=YYYYMMDDHHMMSS (RFC 3659 time-val) for 4-digit years. */
			const char *m = strstr(f, "modify=") + 7;
			struct tm tm;

			if (gmtime_r(&st.st_mtim.tv_sec, &tm) && tm.tm_year >= 1000 - 1900 &&
			    tm.tm_year <= 9999 - 1900)
				CHECK(strspn(m, "0123456789") == 14 && m[14] == ';');
		}
		free(f);
	}
	rs = listing_format_mlsx(small, bsize, name, &st, facts, writable, crlf);
	check_small(rb, big, rs, small, bsize);

	/* LIST */
	rb = listing_format_list(big, BIG, name, &st, target, now);
	CHECK(rb > 0 && (size_t)rb == strlen(big));
	check_line(big, (size_t)rb, true, name_dirty || target_dirty,
		   listing_name_ok(name) && (!target || listing_name_ok(target)));
	{
		size_t tail = nlen + (target ? 4 + tlen : 0) + 2, prefix = (size_t)rb - tail;

		CHECK((size_t)rb > tail);
		CHECK(printable(big, prefix) && big[prefix - 1] == ' ');
		CHECK(memcmp(big + prefix, name, nlen) == 0);
		if (target)
			CHECK(memcmp(big + prefix + nlen, " -> ", 4) == 0 &&
			      memcmp(big + prefix + nlen + 4, target, tlen) == 0);
		CHECK(strchr("-dlcbps", big[0]));
	}
	rs = listing_format_list(small, bsize, name, &st, target, now);
	check_small(rb, big, rs, small, bsize);

	/* NLST */
	rb = listing_format_nlst(big, BIG, name);
	CHECK(rb >= 2 && (size_t)rb == nlen + 2 && memcmp(big, name, nlen) == 0);
	check_line(big, (size_t)rb, true, name_dirty, listing_name_ok(name));
	rs = listing_format_nlst(small, bsize, name);
	check_small(rb, big, rs, small, bsize);

	free(small);
	free(rest);
	free(big);
	return 0;
}
