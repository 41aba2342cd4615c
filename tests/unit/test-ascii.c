/* SPDX-License-Identifier: ISC */
/* ascii: TYPE A line-end conversion, chunk by chunk, within a capacity. */
#include <string.h>

#include "tap.h"
#include "ascii.h"

enum dir { FROM_NET, TO_NET };

/* Chunks are separated by '|' in the table (the data never holds one);
 * cap is the output capacity of every call. */
static const struct {
	const char *name;
	enum dir dir;
	const char *chunks;
	size_t cap;
	const char *want;
} cases[] = {
	{ "from: CRLF becomes LF", FROM_NET, "a\r\nb\r\n", 64, "a\nb\n" },
	{ "from: lone LF stays", FROM_NET, "a\nb", 64, "a\nb" },
	{ "from: lone CR stays", FROM_NET, "a\rb", 64, "a\rb" },
	{ "from: CR CR LF keeps the first CR", FROM_NET, "\r\r\n", 64, "\r\n" },
	{ "from: CR at the end of a chunk, LF next", FROM_NET, "ab\r|\ncd", 64, "ab\ncd" },
	{ "from: CR at the end of a chunk, other byte next", FROM_NET, "ab\r|xcd", 64, "ab\rxcd" },
	{ "from: CR at the end of a chunk, CR next", FROM_NET, "a\r|\r|\n", 64, "a\r\n" },
	{ "from: CR at the end of the stream", FROM_NET, "ab\r", 64, "ab\r" },
	{ "from: empty chunks between CR and LF", FROM_NET, "a\r|||\nb", 64, "a\nb" },
	{ "from: empty stream", FROM_NET, "", 64, "" },
	{ "from: only empty chunks", FROM_NET, "||", 64, "" },
	{ "from: held CR plus full chunk exceeds cap", FROM_NET, "\r|AAAA", 4, "\rAAAA" },
	{ "from: \\rAA pattern with cap = chunk size", FROM_NET, "\rAA|\rAA|\rAA", 3, "\rAA\rAA\rAA" },
	{ "from: capacity of one byte", FROM_NET, "x\r\ny\rz\r|\n", 1, "x\ny\rz\n" },
	{ "to: LF becomes CRLF", TO_NET, "a\nb\n", 64, "a\r\nb\r\n" },
	{ "to: CRLF stays", TO_NET, "a\r\nb", 64, "a\r\nb" },
	{ "to: lone CR stays", TO_NET, "a\rb", 64, "a\rb" },
	{ "to: CR at the end of a chunk, LF next", TO_NET, "a\r|\nb", 64, "a\r\nb" },
	{ "to: LF at the start of a chunk", TO_NET, "a|\nb", 64, "a\r\nb" },
	{ "to: empty chunks", TO_NET, "|\n||\n|", 64, "\r\n\r\n" },
	{ "to: all LF doubles", TO_NET, "\n\n\n\n", 8, "\r\n\r\n\r\n\r\n" },
	{ "to: all LF, capacity smaller than output", TO_NET, "\n\n\n\n", 3, "\r\n\r\n\r\n\r\n" },
	{ "to: capacity of two bytes", TO_NET, "ab\ncd\r\n", 2, "ab\r\ncd\r\n" },
};

/* Runs one case: every chunk is converted in as many calls as the
 * capacity needs; every call's output lands in a buffer of exactly cap
 * bytes followed by a guard that must stay untouched. */
static void run(size_t i)
{
	struct ascii_state st = { 0 };
	const char *p = cases[i].chunks;
	char got[256], out[64 + 8];
	size_t got_len = 0, cap = cases[i].cap;
	bool guard_ok = true, progress = true;

	for (;;) {
		const char *bar = strchr(p, '|');
		size_t n = bar ? (size_t)(bar - p) : strlen(p);

		while (n > 0 && progress) {
			size_t used = (size_t)-1, k;

			memset(out + cap, 0x5a, 8);
			k = cases[i].dir == FROM_NET ? ascii_from_network(&st, p, n, &used, out, cap)
						     : ascii_to_network(&st, p, n, &used, out, cap);
			for (size_t g = 0; g < 8; g++)
				guard_ok &= out[cap + g] == 0x5a;
			progress = used <= n && k <= cap && (used > 0 || k > 0);
			if (!progress)
				break;
			memcpy(got + got_len, out, k);
			got_len += k;
			p += used;
			n -= used;
		}
		if (!bar || !progress)
			break;
		p = bar + 1;
	}
	if (cases[i].dir == FROM_NET)
		got_len += ascii_from_network_end(&st, got + got_len, 1);
	ok(progress, "%s: every call makes progress within its limits", cases[i].name);
	ok(guard_ok, "%s: nothing written past the capacity", cases[i].name);
	is_mem(got, got_len, cases[i].want, strlen(cases[i].want), "%s", cases[i].name);
}

int main(void)
{
	struct ascii_state st = { .cr = true };
	char c = 'x';

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run(i);
	is_int(ascii_from_network_end(&st, &c, 0), 0, "end: no room, nothing written");
	ok(c == 'x' && st.cr, "end: the CR stays held when there is no room");
	return done_testing();
}
