/* SPDX-License-Identifier: ISC */
/* A bandwidth limit as pure arithmetic (GCRA, the virtual-scheduling form
 * of a token bucket): the caller asks how long to wait before the next
 * chunk, how big that chunk may be, and reports what it moved. No clock
 * is read here; times are microseconds of a monotonic clock.
 *
 * A chunk is at most RATELIMIT_BURST_US worth of the rate, and a chunk
 * may start that much ahead of schedule, so any window of W microseconds
 * carries at most rate * (W + 2 * RATELIMIT_BURST_US) bytes: 1.5 times
 * the rate over 100 ms. Over a long transfer the average is the rate
 * exactly (remainders are carried, nothing is rounded away). */
#pragma once
#include <stddef.h>
#include <stdint.h>

#define RATELIMIT_BURST_US 25000

struct ratelimit {
	uint64_t rate;        /* bytes per second; 0: no limit */
	int64_t tat_us;       /* when the bytes moved so far are due (theoretical arrival time) */
	uint64_t rem;         /* carried remainder of bytes * 1e6 / rate */
	int64_t started;      /* 0 until the first chunk */
};

void ratelimit_init(struct ratelimit *r, uint64_t rate);

/* The most bytes the next chunk may carry: want, or less under a limit
 * (never 0 for want > 0). */
size_t ratelimit_chunk(const struct ratelimit *r, size_t want);

/* Microseconds to wait at now_us before the next chunk may go (0: now). */
int64_t ratelimit_delay_us(const struct ratelimit *r, int64_t now_us);

/* Records n bytes moved at now_us. */
void ratelimit_spent(struct ratelimit *r, size_t n, int64_t now_us);
