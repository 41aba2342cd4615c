/* SPDX-License-Identifier: ISC */
/* Fuzz target: the TYPE A converters (src/ascii.c).
 *
 * The first four bytes seed a PRNG that chooses how the rest is cut into
 * chunks (as the network or read() would) and the output capacity of
 * every call (down to one byte). Both directions are run chunk by chunk
 * and compared with a one-shot conversion of the whole input by a simple
 * reference model. After every call it checks that the output fits the
 * capacity (each call writes into an exact-size heap buffer, so ASan sees
 * one byte too many), that no more input was taken than given, and that
 * the call made progress. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ascii.h"
#include "fuzz.h"

static uint32_t rng_next(uint32_t *s)
{
	uint32_t x = *s ? *s : 0x9e3779b9u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

/* Mostly small, sometimes large, sometimes empty or the rest. */
static size_t pick(uint32_t *s, size_t most)
{
	uint32_t r = rng_next(s);

	switch (r & 3) {
	case 0: return r >> 8 & 1;
	case 1: return (r >> 8) % 8;
	case 2: return (r >> 8) % 70000;
	default: return most;
	}
}

/* The reference: whole input at once. */
static size_t ref_to_network(const uint8_t *in, size_t n, uint8_t *out)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r'))
			out[k++] = '\r';
		out[k++] = in[i];
	}
	return k;
}

static size_t ref_from_network(const uint8_t *in, size_t n, uint8_t *out)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (!(in[i] == '\r' && i + 1 < n && in[i + 1] == '\n'))
			out[k++] = in[i];
	return k;
}

static size_t chunked(bool to_net, const uint8_t *in, size_t n, uint8_t *out, uint32_t seed)
{
	struct ascii_state st = { 0 };
	size_t off = 0, k = 0;

	while (off < n) {
		size_t chunk = pick(&seed, n - off), coff = 0;

		if (chunk > n - off)
			chunk = n - off;
		while (coff < chunk) {
			/* to_network needs room for CRLF to progress. */
			size_t cap = pick(&seed, 2 * chunk) + (to_net ? 2 : 1);
			char *buf = malloc(cap);
			size_t used = (size_t)-1, got;

			CHECK(buf);
			got = to_net ? ascii_to_network(&st, (const char *)in + off + coff,
							chunk - coff, &used, buf, cap)
				     : ascii_from_network(&st, (const char *)in + off + coff,
							  chunk - coff, &used, buf, cap);
			CHECK(got <= cap);
			CHECK(used <= chunk - coff);
			CHECK(got > 0 || used > 0);
			memcpy(out + k, buf, got);
			k += got;
			coff += used;
			free(buf);
		}
		off += chunk;
	}
	if (!to_net) {
		char last;

		k += ascii_from_network_end(&st, &last, 1) ? (out[k] = (uint8_t)last, 1) : 0;
	}
	return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t seed = 0;
	uint8_t *want, *got;
	size_t wlen, glen;

	if (size >= 4) {
		memcpy(&seed, data, 4);
		data += 4;
		size -= 4;
	}
	want = malloc(2 * size + 1);
	got = malloc(2 * size + 1);
	CHECK(want && got);

	wlen = ref_to_network(data, size, want);
	glen = chunked(true, data, size, got, seed);
	CHECK(glen == wlen && memcmp(got, want, wlen) == 0);

	wlen = ref_from_network(data, size, want);
	glen = chunked(false, data, size, got, seed ^ 0x5bd1e995u);
	CHECK(glen == wlen && memcmp(got, want, wlen) == 0);

	free(want);
	free(got);
	return 0;
}
