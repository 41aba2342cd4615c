/* SPDX-License-Identifier: ISC */
/* Fuzz target: linebuf_feed() (src/linebuf.c), the control connection's
 * Telnet/CRLF line assembler.
 *
 * The input is the byte stream a client sends. It is fed in chunks whose
 * sizes come from a PRNG seeded by the first four bytes, as a network
 * would split it. After every call it checks:
 *   - consumed <= n (0 for no input); LINE_NEED_MORE consumed everything;
 *     LINE_READY and LINE_TOO_LONG consumed at least one byte (progress);
 *   - a READY line has len <= LINE_MAX_BYTES and line[len] == '\0';
 *   - feeding a buffer that holds a READY line consumes nothing and says
 *     READY again;
 * and that the sequence of lines and TOO_LONG events equals that of a
 * simple reference model run over the whole stream at once: Telnet
 * commands removed (IAC IAC is a data 255; IAC WILL/WONT/DO/DONT x; IAC SB
 * ... IAC SE; other IAC x), then the data split at LF, one CR before the LF
 * dropped, and a line longer than LINE_MAX_BYTES reported as too long. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linebuf.h"
#include "fuzz.h"

struct event {
	int type;          /* LINE_READY or LINE_TOO_LONG */
	size_t off, len;   /* the line in the reference arena */
};

/* The reference model: all events of the whole stream. */
static size_t reference(const uint8_t *in, size_t n, struct event *ev, uint8_t *arena)
{
	enum { DATA, IAC, OPTION, SUB, SUB_IAC } st = DATA;
	size_t nev = 0, used = 0, start = 0;

	for (size_t i = 0; i < n; i++) {
		uint8_t c = in[i];
		int data = -1;

		switch (st) {
		case DATA:
			if (c == 255)
				st = IAC;
			else
				data = c;
			break;
		case IAC:
			st = c >= 251 && c <= 254 ? OPTION : c == 250 ? SUB : DATA;
			if (c == 255)
				data = 255;
			break;
		case OPTION:
			st = DATA;
			break;
		case SUB:
			if (c == 255)
				st = SUB_IAC;
			break;
		case SUB_IAC:
			st = c == 240 ? DATA : SUB;
			break;
		}
		if (data < 0)
			continue;
		if (data != '\n') {
			arena[used++] = (uint8_t)data;
			continue;
		}
		{
			size_t len = used - start;

			if (len > 0 && arena[used - 1] == '\r')
				len--;
			ev[nev].type = len > LINE_MAX_BYTES ? LINE_TOO_LONG : LINE_READY;
			ev[nev].off = start;
			ev[nev].len = len;
			nev++;
			start = used;
		}
	}
	return nev;
}

static uint32_t rng_next(uint32_t *s)
{
	uint32_t x = *s ? *s : 0x9e3779b9u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

/* The next chunk size: mostly small, sometimes large, sometimes the rest. */
static size_t chunk_size(uint32_t *s, size_t left)
{
	uint32_t r = rng_next(s);
	size_t want;

	switch (r & 3) {
	case 0: want = 1; break;
	case 1: want = 1 + (r >> 8) % 16; break;
	case 2: want = 1 + (r >> 8) % 6000; break;
	default: want = left; break;
	}
	return want < left ? want : left;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct linebuf lb;
	uint32_t seed = 0;
	struct event *ev;
	uint8_t *arena;
	size_t nev, got = 0, off = 0;

	if (size >= 4) {
		memcpy(&seed, data, 4);
		data += 4;
		size -= 4;
	}
	ev = malloc((size + 1) * sizeof(*ev));
	arena = malloc(size + 1);
	CHECK(ev && arena);
	nev = reference(data, size, ev, arena);

	linebuf_init(&lb);
	{
		/* Nothing in, nothing consumed. */
		size_t used = (size_t)-1;

		CHECK(linebuf_feed(&lb, data, 0, &used) == LINE_NEED_MORE && used == 0);
	}
	while (off < size) {
		size_t n = chunk_size(&seed, size - off), used = (size_t)-1;
		/* An exact-size copy: ASan sees a read past the chunk. */
		uint8_t *chunk = malloc(n);
		size_t coff = 0;

		CHECK(chunk);
		memcpy(chunk, data + off, n);
		while (coff < n) {
			enum linebuf_result r = linebuf_feed(&lb, chunk + coff, n - coff, &used);

			CHECK(used <= n - coff);
			CHECK(lb.len <= LINE_MAX_BYTES);
			coff += used;
			if (r == LINE_NEED_MORE) {
				CHECK(coff == n);
				break;
			}
			CHECK(used >= 1);
			CHECK(got < nev);
			CHECK((int)r == ev[got].type);
			if (r == LINE_READY) {
				size_t again = (size_t)-1;

				CHECK(lb.line[lb.len] == '\0');
				CHECK(lb.len == ev[got].len);
				CHECK(memcmp(lb.line, arena + ev[got].off, lb.len) == 0);
				/* A line not yet taken blocks further input. */
				CHECK(linebuf_feed(&lb, chunk + coff, n - coff, &again) == LINE_READY);
				CHECK(again == 0);
				linebuf_take(&lb);
				CHECK(lb.len == 0);
			}
			got++;
		}
		free(chunk);
		off += n;
	}
	/* Nothing the reference saw was missed. */
	CHECK(got == nev);
	free(ev);
	free(arena);
	return 0;
}
