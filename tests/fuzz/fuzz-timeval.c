/* SPDX-License-Identifier: ISC */
/* Fuzz target: parse_time_val() (src/util.c), the YYYYMMDDHHMMSS[.fff]
 * time-val of MFMT (RFC 3659 section 2.3), which a client sends to set a
 * file's mtime.
 *
 * The input is the time-val, given exact-size with its length (ASan sees
 * a read past the end). Checks, against a reference written from the
 * RFC and the Gregorian calendar (days-from-civil, no libc):
 *   - 0 or -EINVAL only;
 *   - accepted exactly when it is 14 digits, optionally '.' and one or
 *     more digits, with a year from 1970 (ftpsd refuses mtimes before
 *     the epoch), month 1-12, a day that exists in that month and year,
 *     hour <= 23, minute <= 59, second <= 59; second 60 (a leap second)
 *     may go either way;
 *   - the result is the reference's seconds since the epoch (second 60
 *     counts as the next minute's 0);
 *   - utc_time() of the result formats back to the same 14 digits for
 *     four-digit years (seconds <= 59). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"
#include "fuzz.h"

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (Howard Hinnant's days_from_civil). */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
	long long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

static bool leap(long long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* -1: malformed; 0: valid (*t set); 1: a leap second (either answer is fine). */
static int reference(const uint8_t *s, size_t n, long long *t)
{
	static const unsigned mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	unsigned f[6] = { 0 };
	static const unsigned width[6] = { 4, 2, 2, 2, 2, 2 };
	size_t p = 0;

	if (n < 14)
		return -1;
	for (int i = 0; i < 6; i++)
		for (unsigned k = 0; k < width[i]; k++, p++) {
			if (s[p] < '0' || s[p] > '9')
				return -1;
			f[i] = f[i] * 10 + (unsigned)(s[p] - '0');
		}
	if (p < n) {
		if (s[p] != '.' || p + 1 == n)
			return -1;
		for (p++; p < n; p++)
			if (s[p] < '0' || s[p] > '9')
				return -1;
	}
	if (f[0] < 1970 || f[1] < 1 || f[1] > 12 || f[2] < 1 ||
	    f[2] > mdays[f[1] - 1] + (f[1] == 2 && leap(f[0])) || f[3] > 23 || f[4] > 59 || f[5] > 60)
		return -1;
	*t = days_from_civil(f[0], f[1], f[2]) * 86400 + f[3] * 3600 + f[4] * 60 + f[5];
	return f[5] == 60 ? 1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size ? size : 1);
	long long got = 12345, want = 0;
	int r, ref;

	CHECK(copy);
	memcpy(copy, data, size);
	r = parse_time_val(copy, size, &got);
	ref = reference(data, size, &want);
	CHECK(r == 0 || r == -EINVAL);
	if (ref < 0)
		CHECK(r == -EINVAL && got == 12345);
	else if (ref == 0)
		CHECK(r == 0 && got == want);
	else
		CHECK(r == -EINVAL ? got == 12345 : got == want);

	if (r == 0 && ref == 0 && copy[0] != '0') {
		/* Four-digit year: formats back to the same digits. */
		struct tm tm;
		char back[32];

		utc_time(got, &tm);
		CHECK(strftime(back, sizeof(back), "%Y%m%d%H%M%S", &tm) == 14);
		CHECK(memcmp(back, copy, 14) == 0);
	}
	free(copy);
	return 0;
}
