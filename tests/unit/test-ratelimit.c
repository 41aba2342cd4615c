/* SPDX-License-Identifier: ISC */
/* The bandwidth limit's arithmetic (src/ratelimit.c), on a simulated
 * clock: the average over a transfer, the largest 100 ms window, chunk
 * sizes, and the credit an idle link does not earn. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "ratelimit.h"

#define MiB (1024 * 1024)

struct run {
	int64_t end_us;         /* when the last byte went */
	uint64_t max_window;    /* the most bytes started in any 100 ms window */
	size_t max_chunk;
	unsigned waits;         /* delays asked for (each one a sleep, never a spin) */
	unsigned zero_waits;    /* delays of 0 while bytes were due later: would spin */
};

/* Moves total bytes at rate, asking for up to want per chunk; each chunk
 * takes cost_us to move. Records when each chunk starts. */
static struct run simulate(uint64_t rate, uint64_t total, size_t want, int64_t cost_us)
{
	struct ratelimit r;
	struct run out = { 0 };
	int64_t now = 1000000;   /* the clock need not start at 0 */
	size_t cap = 1 << 20, count = 0;
	int64_t *at = malloc(cap * sizeof(*at));
	uint64_t *bytes = malloc(cap * sizeof(*bytes));
	uint64_t sent = 0, window = 0;
	size_t lo = 0;
	const int64_t start = now;

	ratelimit_init(&r, rate);
	while (sent < total) {
		int64_t d = ratelimit_delay_us(&r, now);
		size_t n;

		if (d > 0) {
			now += d;
			out.waits++;
			if (ratelimit_delay_us(&r, now) != 0)
				out.zero_waits++;   /* woke and must wait again */
		}
		n = ratelimit_chunk(&r, want);
		if (n > total - sent)
			n = (size_t)(total - sent);
		if (n > out.max_chunk)
			out.max_chunk = n;
		if (count < cap) {
			at[count] = now;
			bytes[count] = n;
			count++;
		}
		ratelimit_spent(&r, n, now);
		sent += n;
		now += cost_us;
	}
	out.end_us = now - start;
	/* Windows [t, t + 100 ms) starting at each chunk. */
	for (size_t i = 0; i < count; i++) {
		window += bytes[i];
		while (at[i] - at[lo] >= 100000)
			window -= bytes[lo++];
		if (window > out.max_window)
			out.max_window = window;
	}
	free(at);
	free(bytes);
	return out;
}

static const struct {
	const char *name;
	uint64_t rate, total;
	size_t want;
	int64_t cost_us;
} cases[] = {
	{ "1 MiB/s, 8 MiB, 256 KiB asked", MiB, 8 * MiB, 256 * 1024, 0 },
	{ "1 MiB/s, 8 MiB, 16 KiB asked", MiB, 8 * MiB, 16 * 1024, 50 },
	{ "100 KiB/s, 1 MiB", 100 * 1024, MiB, 256 * 1024, 10 },
	{ "3000 B/s, 30000 B", 3000, 30000, 65536, 0 },
	{ "7 B/s, 70 B", 7, 70, 65536, 0 },
	{ "1 GiB/s, 1 GiB", 1024ULL * MiB, 1024ULL * MiB, 256 * 1024, 20 },
	{ "999999 B/s, 5 MB", 999999, 5000000, 100000, 3 },
};

static void test_cases(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct run r = simulate(cases[i].rate, cases[i].total, cases[i].want, cases[i].cost_us);
		double want_s = (double)cases[i].total / (double)cases[i].rate;
		/* The last chunk may start one burst early and takes no time. */
		double least_s = (double)(cases[i].total - r.max_chunk) / (double)cases[i].rate - 0.025;
		double got_s = (double)r.end_us / 1e6;
		double window_limit = 2.0 * (double)cases[i].rate * 0.1;

		ok(got_s >= least_s - 0.000001 && got_s <= want_s * 1.001 + 0.001,
		   "%s: takes %.3f s (the rate says %.3f s, at least %.3f)", cases[i].name, got_s, want_s,
		   least_s);
		ok((double)r.max_window <= window_limit || r.max_chunk == 1,
		   "%s: at most %llu bytes in any 100 ms (2x the rate: %.0f)", cases[i].name,
		   (unsigned long long)r.max_window, window_limit);
		ok(r.max_chunk <= cases[i].rate / 40 + 1, "%s: chunks of at most 25 ms of the rate (%zu)",
		   cases[i].name, r.max_chunk);
		is_int(r.zero_waits, 0, "%s: every wait is long enough (no spinning)", cases[i].name);
	}
}

static void test_unlimited(void)
{
	struct ratelimit r;

	ratelimit_init(&r, 0);
	is_int(ratelimit_chunk(&r, 262144), 262144, "no limit: the chunk asked for");
	ratelimit_spent(&r, 1 << 30, 5);
	is_int(ratelimit_delay_us(&r, 5), 0, "no limit: never a wait");
}

/* An idle link (a slow disk, a slow peer) earns no more than one burst. */
static void test_idle_credit(void)
{
	struct ratelimit r;
	int64_t now = 0;

	ratelimit_init(&r, MiB);
	is_int(ratelimit_delay_us(&r, now), 0, "first chunk: no wait");
	ratelimit_spent(&r, 26214, now);            /* 25 ms worth */
	is_int(ratelimit_delay_us(&r, now), 0, "second chunk within the burst: no wait");
	ratelimit_spent(&r, 26214, now);
	ok(ratelimit_delay_us(&r, now) >= 24000, "third chunk at once: waits about 25 ms (%lld us)",
	   (long long)ratelimit_delay_us(&r, now));
	now += 10 * 1000000;                         /* 10 s idle */
	is_int(ratelimit_delay_us(&r, now), 0, "after 10 s idle: no wait");
	ratelimit_spent(&r, 26214, now);
	ratelimit_spent(&r, 26214, now);
	ok(ratelimit_delay_us(&r, now) >= 24000, "after 10 s idle: still only one burst of credit");
	is_int(ratelimit_chunk(&r, 1 << 20), 26214, "1 MiB/s: chunks of 26214 bytes");
	ratelimit_init(&r, 10);
	is_int(ratelimit_chunk(&r, 100), 1, "10 B/s: chunks of 1 byte, never 0");
}

int main(void)
{
	test_cases();
	test_unlimited();
	test_idle_credit();
	return done_testing();
}
