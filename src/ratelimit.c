/* SPDX-License-Identifier: ISC */
#include "ratelimit.h"
#include "banned.h"

void ratelimit_init(struct ratelimit *r, uint64_t rate)
{
	r->rate = rate;
	r->tat_us = 0;
	r->rem = 0;
	r->started = 0;
}

size_t ratelimit_chunk(const struct ratelimit *r, size_t want)
{
	uint64_t most;

	if (r->rate == 0)
		return want;
	most = r->rate / (1000000 / RATELIMIT_BURST_US);
	if (most == 0)
		most = 1;
	return want > most ? (size_t)most : want;
}

int64_t ratelimit_delay_us(const struct ratelimit *r, int64_t now_us)
{
	int64_t due;

	if (r->rate == 0 || !r->started)
		return 0;
	due = r->tat_us - RATELIMIT_BURST_US;
	return due > now_us ? due - now_us : 0;
}

void ratelimit_spent(struct ratelimit *r, size_t n, int64_t now_us)
{
	uint64_t units;

	if (r->rate == 0)
		return;
	/* An idle link earns no credit beyond the burst: the schedule
	 * restarts at now. */
	if (!r->started || r->tat_us < now_us) {
		r->tat_us = now_us;
		r->rem = 0;
		r->started = 1;
	}
	/* A chunk is far below 2^40 bytes and 1e6 below 2^20: no overflow. */
	units = (uint64_t)n * 1000000u + r->rem;
	r->tat_us += (int64_t)(units / r->rate);
	r->rem = units % r->rate;
}
