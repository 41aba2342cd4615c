/* SPDX-License-Identifier: ISC */
/* linebuf: control-connection bytes in, command lines out. */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "linebuf.h"

/* A string literal as bytes and length (it may hold NUL). */
#define S(x) x, sizeof(x) - 1

/* What feeding produced, as one string: "[line]" for each LINE_READY,
 * "<TOO_LONG>" for each LINE_TOO_LONG, and "{partial}" for bytes still
 * buffered at the end. */
struct transcript {
	char text[16384];
	size_t len;
};

static void put(struct transcript *t, const void *p, size_t n)
{
	if (t->len + n > sizeof(t->text))
		n = sizeof(t->text) - t->len;
	memcpy(t->text + t->len, p, n);
	t->len += n;
}

/* Feeds in[0..n) to lb, taking every line, until it is all consumed. */
static void feed_all(struct linebuf *lb, struct transcript *t, const char *in, size_t n)
{
	size_t off = 0;

	for (;;) {
		size_t used = (size_t)-1;
		enum linebuf_result r = linebuf_feed(lb, (const unsigned char *)in + off, n - off, &used);

		if (used > n - off) {
			put(t, S("<BAD CONSUMED>"));
			return;
		}
		off += used;
		switch (r) {
		case LINE_READY:
			if (lb->line[lb->len] != '\0')
				put(t, S("<NOT NUL-TERMINATED>"));
			put(t, S("["));
			put(t, lb->line, lb->len);
			put(t, S("]"));
			linebuf_take(lb);
			break;
		case LINE_TOO_LONG:
			put(t, S("<TOO_LONG>"));
			break;
		case LINE_NEED_MORE:
			if (off != n)
				put(t, S("<NEED_MORE BEFORE END>"));
			return;
		default:
			put(t, S("<UNKNOWN RESULT>"));
			return;
		}
		if (off == n)
			return;
	}
}

static void finish(struct linebuf *lb, struct transcript *t)
{
	if (lb->len > 0) {
		put(t, S("{"));
		put(t, lb->line, lb->len);
		put(t, S("}"));
	}
}

static const struct {
	const char *name;
	const char *in;
	size_t in_len;
	const char *want;
	size_t want_len;
} cases[] = {
	/* Line ends. */
	{ "CRLF",                         S("USER alice\r\n"),            S("[USER alice]") },
	{ "bare LF",                      S("USER alice\n"),              S("[USER alice]") },
	{ "empty line CRLF",              S("\r\n"),                      S("[]") },
	{ "empty line LF",                S("\n"),                        S("[]") },
	{ "CR in the middle is data",     S("AB\rCD\r\n"),                S("[AB\rCD]") },
	{ "CR CR LF keeps the first CR",  S("AB\r\r\n"),                  S("[AB\r]") },
	{ "LF CR: CR starts next line",   S("A\n\rB\n"),                  S("[A][\rB]") },
	/* A CR is held back until the next byte shows whether LF follows:
	 * it takes no room in the line until then. */
	{ "trailing CR waits for LF",     S("AB\r"),                      S("{AB}") },
	{ "held CR then data",            S("AB\rC"),                     S("{AB\rC}") },
	{ "no line end yet",              S("NOOP"),                      S("{NOOP}") },
	{ "nothing",                      S(""),                          S("") },
	{ "two lines",                    S("USER a\r\nPASS b\r\n"),      S("[USER a][PASS b]") },
	{ "mixed line ends",              S("A\nB\r\nC\n"),               S("[A][B][C]") },
	{ "line then partial",            S("A\r\nPAS"),                  S("[A]{PAS}") },
	{ "NUL is kept for the parser",   S("A\0B\r\n"),                  S("[A\0B]") },
	{ "UTF-8 passes through",         S("CWD \xc3\xa9\r\n"),          S("[CWD \xc3\xa9]") },
	{ "DEL and C0 pass through",      S("A\x7f\x01\tB\n"),            S("[A\x7f\x01\tB]") },

	/* Telnet (RFC 854). */
	{ "IAC IAC is a literal 0xff",    S("RETR \xff\xff.txt\r\n"),     S("[RETR \xff.txt]") },
	{ "IAC IAC IAC IAC",              S("\xff\xff\xff\xff\n"),        S("[\xff\xff]") },
	{ "IAC IAC before LF",            S("A\xff\xff\n"),               S("[A\xff]") },
	{ "IAC IP IAC DM ABOR",           S("\xff\xf4\xff\xf2" "ABOR\r\n"), S("[ABOR]") },
	{ "IAC AYT inside a verb",        S("NO\xff\xf6OP\r\n"),          S("[NOOP]") },
	{ "IAC NOP",                      S("\xff\xf1NOOP\r\n"),          S("[NOOP]") },
	{ "IAC SE outside SB",            S("\xff\xf0NOOP\n"),            S("[NOOP]") },
	{ "IAC WILL option",              S("\xff\xfb\x01NOOP\r\n"),      S("[NOOP]") },
	{ "IAC WONT option",              S("\xff\xfc\x01NOOP\r\n"),      S("[NOOP]") },
	{ "IAC DO option",                S("\xff\xfd\x03NOOP\r\n"),      S("[NOOP]") },
	{ "IAC DONT option",              S("\xff\xfe\x03NOOP\r\n"),      S("[NOOP]") },
	{ "IAC DO with option byte LF",   S("\xff\xfd\nNOOP\n"),          S("[NOOP]") },
	{ "IAC WILL with option byte IAC", S("\xff\xfb\xffNOOP\n"),       S("[NOOP]") },
	{ "IAC WILL with option 'N'",     S("\xff\xfbNNOOP\n"),           S("[NOOP]") },
	{ "IAC SB ... IAC SE",            S("\xff\xfa\x18\x01\xff\xf0NOOP\r\n"), S("[NOOP]") },
	{ "SB swallows a CRLF line",      S("\xff\xfaQUIT\r\n\xff\xf0NOOP\r\n"), S("[NOOP]") },
	{ "SB with IAC IAC inside",       S("\xff\xfa\x01\xff\xff\x02\xff\xf0NOOP\n"), S("[NOOP]") },
	{ "SB with IAC x (not SE) inside", S("\xff\xfa\x01\xff\x01\n\xff\xf0NOOP\n"), S("[NOOP]") },
	{ "SE without IAC does not end SB", S("\xff\xfa\xf0QUIT\n\xff\xf0NOOP\n"), S("[NOOP]") },
	{ "unterminated SB eats all",     S("\xff\xfaNOOP\r\n"),          S("") },
	{ "IAC between CR and LF",        S("NOOP\r\xff\xf1\n"),          S("[NOOP]") },
	{ "lone IAC at the end waits",    S("NOOP\xff"),                  S("{NOOP}") },
	{ "IAC LF is a 2-byte command",   S("NOOP\xff\nX\n"),             S("[NOOPX]") },
	{ "IAC between two lines",        S("A\n\xff\xf4" "B\n"),         S("[A][B]") },
};

static void test_table(void)
{
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct linebuf lb;
		struct transcript t = { .len = 0 };
		bool all_splits = true;

		/* All at once. */
		linebuf_init(&lb);
		feed_all(&lb, &t, cases[i].in, cases[i].in_len);
		finish(&lb, &t);
		is_mem(t.text, t.len, cases[i].want, cases[i].want_len, "%s: one buffer", cases[i].name);

		/* One byte per call: every state must survive a call boundary. */
		linebuf_init(&lb);
		t.len = 0;
		for (size_t k = 0; k < cases[i].in_len; k++)
			feed_all(&lb, &t, cases[i].in + k, 1);
		finish(&lb, &t);
		is_mem(t.text, t.len, cases[i].want, cases[i].want_len, "%s: byte by byte",
		       cases[i].name);

		/* Every split into two calls. */
		for (size_t k = 0; k <= cases[i].in_len; k++) {
			linebuf_init(&lb);
			t.len = 0;
			feed_all(&lb, &t, cases[i].in, k);
			feed_all(&lb, &t, cases[i].in + k, cases[i].in_len - k);
			finish(&lb, &t);
			if (t.len != cases[i].want_len || memcmp(t.text, cases[i].want, t.len) != 0) {
				diag("split at %zu differs", k);
				all_splits = false;
			}
		}
		ok(all_splits, "%s: every split into two calls", cases[i].name);
	}
}

/* Lines at and around LINE_MAX_BYTES (4096): unit repeated count times,
 * then end. want_len is the line's length for LINE_READY. The next line
 * must work in every case. */
static const struct {
	const char *name;
	const char *unit;       /* one data byte, possibly Telnet-encoded */
	char byte;              /* the data byte unit decodes to */
	size_t count;
	const char *end;        /* bytes after the repeated unit */
	const char *want_tail;  /* the data bytes end puts at the end of the line */
	enum linebuf_result want;
} long_cases[] = {
	{ "4095 + CRLF",                 "A",        'A', 4095,   "\r\n",   "",   LINE_READY },
	{ "4095 + LF",                   "A",        'A', 4095,   "\n",     "",   LINE_READY },
	{ "4096 + LF",                   "A",        'A', 4096,   "\n",     "",   LINE_READY },
	{ "4096 + CRLF",                 "A",        'A', 4096,   "\r\n",   "",   LINE_READY },
	{ "4095 + CR as data + CRLF",    "A",        'A', 4095,   "\r\r\n", "\r", LINE_READY },
	{ "4096 IAC IAC + LF",           "\xff\xff", '\xff', 4096, "\n",    "",   LINE_READY },
	{ "4096 with IAC NOP each + LF", "A\xff\xf1", 'A', 4096,  "\n",     "",   LINE_READY },
	{ "4094 + IAC IAC + CRLF",       "A",        'A', 4094,   "\xff\xff\r\n", "\xff", LINE_READY },
	{ "4097 + LF",                   "A",        'A', 4097,   "\n",     "",   LINE_TOO_LONG },
	{ "4097 + CRLF",                 "A",        'A', 4097,   "\r\n",   "",   LINE_TOO_LONG },
	{ "4096 + CR as data + CRLF",    "A",        'A', 4096,   "\r\r\n", "",   LINE_TOO_LONG },
	{ "4097 IAC IAC + LF",           "\xff\xff", '\xff', 4097, "\n",    "",   LINE_TOO_LONG },
	{ "100000 + CRLF",               "A",        'A', 100000, "\r\n",   "",   LINE_TOO_LONG },
	{ "100000 with CRs + LF",        "\r",       '\r', 100000, "\n",    "",   LINE_TOO_LONG },
};

static void test_long_lines(void)
{
	for (size_t i = 0; i < ELEMENTSOF(long_cases); i++) {
		size_t ulen = strlen(long_cases[i].unit), elen = strlen(long_cases[i].end);
		size_t tlen = strlen(long_cases[i].want_tail);
		size_t n = ulen * long_cases[i].count + elen;
		char *in = malloc(n), *want = malloc(long_cases[i].count + tlen + 1);
		struct linebuf lb;
		enum linebuf_result r = LINE_NEED_MORE;
		size_t used = 0, off = 0;

		if (!in || !want)
			abort();
		for (size_t k = 0; k < long_cases[i].count; k++)
			memcpy(in + k * ulen, long_cases[i].unit, ulen);
		memcpy(in + ulen * long_cases[i].count, long_cases[i].end, elen);
		memset(want, long_cases[i].byte, long_cases[i].count);
		memcpy(want + long_cases[i].count, long_cases[i].want_tail, tlen);

		linebuf_init(&lb);
		r = linebuf_feed(&lb, (const unsigned char *)in, n, &used);
		is_int(r, long_cases[i].want, "%s: result", long_cases[i].name);
		is_int(used, n, "%s: consumed up to the LF", long_cases[i].name);
		if (long_cases[i].want == LINE_READY) {
			is_mem(lb.line, lb.len, want, long_cases[i].count + tlen, "%s: the line",
			       long_cases[i].name);
			linebuf_take(&lb);
		}

		/* The same, 1000 bytes per call. */
		linebuf_init(&lb);
		r = LINE_NEED_MORE;
		off = 0;
		while (off < n && r == LINE_NEED_MORE) {
			size_t chunk = n - off < 1000 ? n - off : 1000;

			r = linebuf_feed(&lb, (const unsigned char *)in + off, chunk, &used);
			off += used;
		}
		is_int(r, long_cases[i].want, "%s: result in 1000-byte calls", long_cases[i].name);
		is_int(off, n, "%s: consumed in 1000-byte calls", long_cases[i].name);
		if (r == LINE_READY)
			linebuf_take(&lb);

		/* The next line is unharmed. */
		r = linebuf_feed(&lb, (const unsigned char *)"NOOP\r\n", 6, &used);
		ok(r == LINE_READY && used == 6 && lb.len == 4 && strcmp(lb.line, "NOOP") == 0,
		   "%s: next line still works", long_cases[i].name);
		free(in);
		free(want);
	}
}

/* Several lines in one buffer: each feed stops at the end of one line. */
static void test_consumed(void)
{
	static const char in[] = "USER a\r\nPASS bb\nQUIT\r\nNO";
	static const struct {
		enum linebuf_result r;
		size_t consumed;
		const char *line;
	} steps[] = {
		{ LINE_READY,     8, "USER a" },
		{ LINE_READY,     8, "PASS bb" },
		{ LINE_READY,     6, "QUIT" },
		{ LINE_NEED_MORE, 2, NULL },
	};
	struct linebuf lb;
	size_t off = 0;

	linebuf_init(&lb);
	for (size_t i = 0; i < ELEMENTSOF(steps); i++) {
		size_t used = (size_t)-1;
		enum linebuf_result r = linebuf_feed(&lb, (const unsigned char *)in + off,
						     sizeof(in) - 1 - off, &used);

		is_int(r, steps[i].r, "step %zu: result", i);
		is_int(used, steps[i].consumed, "step %zu: consumed", i);
		if (steps[i].line) {
			is_str(lb.line, steps[i].line, "step %zu: line", i);
			linebuf_take(&lb);
		}
		off += used;
	}
	is_int(lb.len, 2, "partial \"NO\" buffered");
	{
		size_t used = (size_t)-1;
		enum linebuf_result r = linebuf_feed(&lb, (const unsigned char *)"OP\r\n", 4, &used);

		is_int(r, LINE_READY, "partial completed: result");
		is_int(used, 4, "partial completed: consumed");
		is_str(lb.line, "NOOP", "partial completed: line");
	}
}

/* A completed line stays until linebuf_take(); feeding before that
 * consumes nothing. */
static void test_ready_until_taken(void)
{
	struct linebuf lb;
	size_t used = (size_t)-1;
	enum linebuf_result r;

	linebuf_init(&lb);
	r = linebuf_feed(&lb, (const unsigned char *)"A\nB\n", 4, &used);
	is_int(r, LINE_READY, "first line ready");
	is_int(used, 2, "first line consumed 2");
	r = linebuf_feed(&lb, (const unsigned char *)"B\n", 2, &used);
	is_int(r, LINE_READY, "still ready before take");
	is_int(used, 0, "nothing consumed before take");
	is_str(lb.line, "A", "line unchanged before take");
	linebuf_take(&lb);
	is_int(lb.len, 0, "take empties the line");
	r = linebuf_feed(&lb, (const unsigned char *)"B\n", 2, &used);
	is_int(r, LINE_READY, "second line ready after take");
	is_str(lb.line, "B", "second line");

	linebuf_init(&lb);
	r = linebuf_feed(&lb, (const unsigned char *)"", 0, &used);
	is_int(r, LINE_NEED_MORE, "empty input: need more");
	is_int(used, 0, "empty input: nothing consumed");
}

int main(void)
{
	test_table();
	test_long_lines();
	test_consumed();
	test_ready_until_taken();
	return done_testing();
}
