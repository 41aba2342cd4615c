/* SPDX-License-Identifier: ISC */
/* Fuzz target: log_format_xferlog() (src/log.c), the xferlog line of a
 * transfer, which carries the client-chosen path, user name and the
 * peer's address string.
 *
 * Input: fixed fields (bytes, duration, flags, clock, buffer size), then
 * "path NUL user NUL remote". The output is an exact-size heap buffer of
 * the fuzzed size. Checks:
 *   - with a large buffer it succeeds and strlen(line) is the result;
 *   - with the small one it gives the same line or -ENOSPC exactly when
 *     that line does not fit;
 *   - the path field holds no space (spaces become '_'), so that with a
 *     user name without spaces the line has exactly 18 space-separated
 *     fields (xferlog(5): 5 date words + 13); the path field is the path
 *     (spaces as '_', cut at VPATH_MAX - 1 bytes). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "log.h"
#include "fuzz.h"

#define BIG (3 * VPATH_MAX + 1024)

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = { data, size };
	struct transfer_record t;
	char *rest, *big = malloc(BIG), *small, *path, *user, *remote;
	size_t bsize, plen;
	long long now;
	unsigned flags;
	int rb, rs;

	CHECK(big);
	t.bytes = take(&r, 8);
	/* The caller passes now_us() - started_us on the monotonic clock:
	 * never negative, and far below INT64_MAX (2^62 us is 146000 years). */
	t.duration_us = (int64_t)(take(&r, 8) >> (2 + take(&r, 1) % 62));
	flags = (unsigned)take(&r, 1);
	t.direction = flags & 1 ? 'o' : 'i';
	t.ascii = flags & 2;
	t.complete = flags & 4;
	t.anonymous = flags & 8;
	t.tls = flags & 16;
	/* The caller passes time(NULL): any time from 1970 to year 9999. */
	now = (long long)(take(&r, 5) % 253402300800ULL);
	bsize = (size_t)take(&r, 2) % (VPATH_MAX + 256);

	rest = malloc(r.n + 3);
	CHECK(rest);
	memcpy(rest, r.p, r.n);
	rest[r.n] = rest[r.n + 1] = rest[r.n + 2] = '\0';
	path = rest;
	user = path + strlen(path) + 1;
	remote = user + strlen(user) + 1;
	if (user > rest + r.n)
		user = rest + r.n;
	if (remote > rest + r.n)
		remote = rest + r.n;
	t.path = path;
	plen = strlen(path) < VPATH_MAX - 1 ? strlen(path) : VPATH_MAX - 1;

	rb = log_format_xferlog(big, BIG, &t, remote, user, now);
	CHECK(rb > 0 && (size_t)rb == strlen(big));
	small = malloc(bsize ? bsize : 1);
	CHECK(small);
	rs = log_format_xferlog(small, bsize, &t, remote, user, now);
	if ((size_t)rb < bsize)
		CHECK(rs == rb && strcmp(small, big) == 0);
	else
		CHECK(rs == -ENOSPC);

	if (*user && *remote && !strchr(user, ' ') && !strchr(remote, ' ')) {
		/* Fields: Www Mmm dd hh:mm:ss yyyy secs host bytes file a/b _ o/i a/r user ftp 0 * c/i
		 * ("%e" pads the day with a space: squeeze runs of spaces). */
		char *copy = strdup(big), *save = NULL, *tok;
		int fields = 0;

		CHECK(copy);
		for (tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
			fields++;
			if (fields == 9 && plen) {
				CHECK(strlen(tok) == plen);
				for (size_t i = 0; i < plen; i++)
					CHECK(tok[i] == (path[i] == ' ' ? '_' : path[i]));
			}
		}
		CHECK(fields == 18 || !plen);
		free(copy);
	}
	free(small);
	free(rest);
	free(big);
	return 0;
}
